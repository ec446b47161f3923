//! Headless Chromium driven through chromedriver: starting both, waiting on the page, and
//! leaving evidence (screenshot, page source, console log) when a scenario fails.

use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long any one step may take before the test gives up. Generous for a loaded CI runner;
/// a passing run never waits this long, since every wait polls.
pub const TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);
/// How many times a browser session is tried before the test fails (see `Browser::start`).
const SESSION_ATTEMPTS: u32 = 3;

/// Debian's chromium needs these as root and in containers; the rest keep it from phoning
/// home or updating itself mid-test.
const CHROME_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
];

const INSTALL_HINT: &str = "install them with `apt-get install chromium chromium-driver` (or run \
     ./scripts/test, which does), point CHROMEDRIVER / CHROME_BIN at other binaries, or set \
     RAPPORT_SKIP_BROWSER_TESTS=1 to skip the browser tests knowingly";

/// A chromedriver process and the scratch directory its browser uses. Dropping it kills
/// chromedriver together with every Chromium process it started, and removes the directory,
/// whether the test passed or panicked.
struct ChromeDriver {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl ChromeDriver {
    fn start(binary: &Path) -> ChromeDriver {
        let dir = scratch_dir();
        let log = std::fs::File::create(dir.join("chromedriver.log")).unwrap();
        // A free port, released just before chromedriver binds it: chromedriver cannot report
        // a port it picked itself in a way we could read reliably.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            // Left in the test's process group, so Ctrl-C in a terminal stops it and its
            // browser along with the tests.
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut driver = ChromeDriver { child, port, dir };
        driver.wait_until_listening();
        driver
    }

    fn wait_until_listening(&mut self) {
        let started = Instant::now();
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "chromedriver exited ({status}) before listening:\n{}",
                    self.log()
                );
            }
            assert!(
                started.elapsed() < TIMEOUT,
                "chromedriver did not listen on port {} within {TIMEOUT:?}:\n{}",
                self.port,
                self.log()
            );
            std::thread::sleep(POLL);
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("chromedriver.log")).unwrap_or_default()
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // Chromium outlives a killed chromedriver, so its processes go first, by pid.
        let browser = descendants(self.child.id());
        if !browser.is_empty() {
            let _ = Command::new("kill")
                .arg("-KILL")
                .args(browser.iter().map(u32::to_string))
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::fs::remove_dir_all(&self.dir).is_err() {
            // A dying renderer may still have been writing its profile; once more suffices.
            std::thread::sleep(Duration::from_millis(200));
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Every living process descended from `root`, read from /proc: the browser chromedriver
/// started and the helpers that browser started.
fn descendants(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid …", where comm may itself hold spaces and parentheses.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|ppid| ppid.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut next = 0;
    while let Some(&parent) = found.get(next) {
        found.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(pid, _)| *pid),
        );
        next += 1;
    }
    found.split_off(1)
}

/// A fresh directory for chromedriver's log and the browser profile.
fn scratch_dir() -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("rapport-browser-{}-{nanos}", std::process::id()));
    std::fs::create_dir(&dir).unwrap();
    dir
}

fn binary_from_env(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable)
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// A browser session; the driver behind it is cleaned up when this is dropped.
pub struct Browser {
    pub client: Client,
    driver: ChromeDriver,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session. `None` means the browser tests are
    /// skipped on purpose (`RAPPORT_SKIP_BROWSER_TESTS=1`); missing binaries fail the test, so
    /// CI never skips them without saying so.
    pub async fn start() -> Option<Browser> {
        if std::env::var("RAPPORT_SKIP_BROWSER_TESTS").as_deref() == Ok("1") {
            // Straight to stderr: the test harness swallows `eprintln!` from passing tests,
            // and a skip nobody sees is a silent one.
            let _ = writeln!(
                std::io::stderr(),
                "\n************************************************************\n\
                 ** SKIPPED: browser tests (RAPPORT_SKIP_BROWSER_TESTS=1)  **\n\
                 ** Nothing was checked in a real browser.                 **\n\
                 ************************************************************\n"
            );
            return None;
        }
        let chromedriver = binary_from_env("CHROMEDRIVER", "/usr/bin/chromedriver");
        let chrome = binary_from_env("CHROME_BIN", "/usr/bin/chromium");
        for (what, path) in [("chromedriver", &chromedriver), ("Chromium", &chrome)] {
            assert!(
                path.is_file(),
                "{what} not found at {}: the browser tests need it; {INSTALL_HINT}",
                path.display()
            );
        }

        // A fresh machine's first Chromium start on a loaded runner has once dropped the
        // session request outright ("SendRequest", an empty driver log); a new chromedriver
        // then starts fine. So a session gets a few tries, and a real fault (a broken binary)
        // still fails, with every attempt's error and log.
        let mut failures = Vec::new();
        for attempt in 1..=SESSION_ATTEMPTS {
            let driver = ChromeDriver::start(&chromedriver);
            let profile = driver.dir.join("profile");
            let mut args: Vec<String> = CHROME_ARGS.iter().map(|a| (*a).to_string()).collect();
            args.push(format!("--user-data-dir={}", profile.display()));
            let capabilities = json!({
                "browserName": "chrome",
                "goog:chromeOptions": { "binary": chrome, "args": args },
                // Console messages, CSP violations included, for failure reports.
                "goog:loggingPrefs": { "browser": "ALL" },
            });
            let Value::Object(capabilities) = capabilities else {
                unreachable!("json!({{..}}) is an object")
            };
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities)
                .connect(&driver.url())
                .await
            {
                Ok(client) => return Some(Browser { client, driver }),
                Err(e) => {
                    failures.push(format!("attempt {attempt}: {e}\n{}", driver.log()));
                    drop(driver);
                    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
        panic!(
            "chromedriver could not start Chromium ({}):\n{}",
            chrome.display(),
            failures.join("\n")
        )
    }

    /// Ends the session politely; `Drop` still kills whatever is left.
    /// Runs `scenario` against the app at `base` in a task of its own (so a panic anywhere in
    /// the flow still leaves the browser alive for the failure report), then fails the test
    /// on that panic or on any severe console entry that `expected` does not excuse: a
    /// script error or a CSP refusal would otherwise pass unnoticed.
    pub async fn run<F>(
        self,
        base: &str,
        scenario: impl FnOnce(Page) -> F,
        expected: impl Fn(&ConsoleEntry) -> bool,
    ) where
        F: std::future::Future<Output = ()> + 'static,
    {
        let page = Page {
            client: self.client.clone(),
            base: base.to_string(),
        };
        let outcome = actix_web::rt::spawn(scenario(page)).await;
        let console = self.console().await;
        if let Err(failure) = outcome {
            self.report_failure(&console).await;
            self.close().await;
            match failure.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(e) => panic!("the scenario did not finish: {e}"),
            }
        }
        let errors: Vec<String> = console
            .iter()
            .filter(|entry| entry.level == "SEVERE" && !expected(entry))
            .map(ToString::to_string)
            .collect();
        if !errors.is_empty() {
            self.report_failure(&console).await;
        }
        self.close().await;
        assert!(
            errors.is_empty(),
            "the pages logged errors (a script failed or the CSP blocked something):\n{}",
            errors.join("\n")
        );
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    /// Console entries since the last call (chromedriver's log endpoint drains them).
    pub async fn console(&self) -> Vec<ConsoleEntry> {
        let Ok(Some(session)) = self.client.session_id().await else {
            return Vec::new();
        };
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http();
        let request =
            hyper::Request::post(format!("{}/session/{session}/se/log", self.driver.url()))
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from_static(br#"{"type":"browser"}"#)))
                .unwrap();
        let Ok(response) = http.request(request).await else {
            return Vec::new();
        };
        let Ok(body) = response.into_body().collect().await else {
            return Vec::new();
        };
        let parsed: Value = serde_json::from_slice(&body.to_bytes()).unwrap_or_default();
        parsed["value"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|entry| ConsoleEntry {
                level: entry["level"].as_str().unwrap_or_default().to_string(),
                message: entry["message"].as_str().unwrap_or_default().to_string(),
            })
            .collect()
    }

    /// Everything a failed run can tell: where the browser was, what it showed, what it
    /// logged (`console`, read earlier, and anything since). Best effort, since the session
    /// itself may be what broke.
    pub async fn report_failure(&self, console: &[ConsoleEntry]) {
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
            PathBuf::from,
        );
        let screenshot = target.join("browser-failure.png");
        match self.client.screenshot().await {
            Ok(png) => match std::fs::write(&screenshot, png) {
                Ok(()) => eprintln!("browser screenshot: {}", screenshot.display()),
                Err(e) => eprintln!("could not save {}: {e}", screenshot.display()),
            },
            Err(e) => eprintln!("no screenshot: {e}"),
        }
        match self.client.current_url().await {
            Ok(url) => eprintln!("browser URL: {url}"),
            Err(e) => eprintln!("no URL: {e}"),
        }
        eprintln!("browser console:");
        for entry in console.iter().chain(&self.console().await) {
            eprintln!("  {entry}");
        }
        match self.client.source().await {
            Ok(html) => eprintln!("page source:\n{html}"),
            Err(e) => eprintln!("no page source: {e}"),
        }
    }
}

/// One message from the browser console.
pub struct ConsoleEntry {
    pub level: String,
    pub message: String,
}

impl std::fmt::Display for ConsoleEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.level, self.message)
    }
}

/// Waits and lookups with the test's timeout and a message saying what never happened.
#[derive(Clone)]
pub struct Page {
    pub client: Client,
    pub base: String,
}

impl Page {
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    }

    /// Signs in as `email` through the sign-in form, asking to come back to `next` (a path),
    /// and waits until the browser is there.
    pub async fn sign_in(&self, email: &str, password: &str, next: &str) {
        self.goto(&format!("/login?next={next}")).await;
        self.labelled("Email").await.send_keys(email).await.unwrap();
        self.labelled("Password")
            .await
            .send_keys(password)
            .await
            .unwrap();
        self.control("button", "Sign in")
            .await
            .click()
            .await
            .unwrap();
        self.until(&format!("signed in and back on {next}"), async || {
            let at = self.location().await;
            if at.path == next {
                Ok(())
            } else {
                Err(at.path)
            }
        })
        .await;
    }

    /// The element matching `css`, once it exists.
    pub async fn element(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(TIMEOUT)
            .every(POLL)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css:?} within {TIMEOUT:?}: {e}"))
    }

    /// The form control a `<label for>` with exactly this text points at, which is also how a
    /// screen reader finds it.
    pub async fn labelled(&self, label: &str) -> Element {
        let xpath = format!("//*[@id=//label[normalize-space()='{label}']/@for]");
        self.client
            .wait()
            .at_most(TIMEOUT)
            .every(POLL)
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no control labelled {label:?} within {TIMEOUT:?}: {e}"))
    }

    /// The button or link whose visible text is exactly `text`.
    pub async fn control(&self, tag: &str, text: &str) -> Element {
        let xpath = format!("//{tag}[normalize-space()='{text}']");
        self.client
            .wait()
            .at_most(TIMEOUT)
            .every(POLL)
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("no <{tag}> {text:?} within {TIMEOUT:?}: {e}"))
    }

    /// Polls `check` until it returns `Ok`, failing with `what` and the last thing it saw
    /// (its `Err`).
    pub async fn until<T>(
        &self,
        what: &str,
        mut check: impl AsyncFnMut() -> Result<T, String>,
    ) -> T {
        let started = Instant::now();
        loop {
            match check().await {
                Ok(value) => return value,
                Err(seen) if started.elapsed() > TIMEOUT => {
                    panic!("{what}: not within {TIMEOUT:?}; last seen: {seen}")
                }
                Err(_) => tokio::time::sleep(POLL).await,
            }
        }
    }

    /// The current path and query, e.g. `/contacts?q=…`.
    pub async fn location(&self) -> Location {
        let url = self.client.current_url().await.unwrap();
        Location {
            path: url.path().to_string(),
            query: url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    /// Text of the element matching `css`, or `None` while it is absent.
    pub async fn text(&self, css: &str) -> Option<String> {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.ok(),
            Err(CmdError::Standard(e))
                if e.error == fantoccini::error::ErrorStatus::NoSuchElement =>
            {
                None
            }
            Err(e) => panic!("looking for {css:?}: {e}"),
        }
    }

    /// Whether something matches `css` right now.
    pub async fn exists(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap()
            .is_empty()
    }

    /// The `id` of the focused element.
    /// Empty while the focused element is being replaced by a swap (it is then stale).
    pub async fn focused_id(&self) -> String {
        match self.client.active_element().await {
            Ok(element) => element.attr("id").await.ok().flatten().unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits for focus to land on `#id`: htmx honours `autofocus` only once the swapped
    /// content settles, a moment after it appears.
    pub async fn focus_reaches(&self, id: &str, why: &str) {
        self.until(why, async || {
            let focused = self.focused_id().await;
            if focused == id {
                Ok(())
            } else {
                Err(format!("focus on {focused:?}"))
            }
        })
        .await;
    }
}

/// The parts of the browser's URL a test asserts on.
#[derive(Debug)]
pub struct Location {
    pub path: String,
    pub query: Vec<(String, String)>,
}

impl Location {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
