//! The real `rapport serve` binary against the drill's cluster: its own process, its own pool
//! and workers, migrating on start, exactly as an operator runs it.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    data_dir: PathBuf,
}

impl Server {
    /// Starts `rapport serve` on a free port and waits until it listens. Its environment is
    /// only what is set here, so nothing of the caller's (a `RAPPORT_SMTP_BIND`, another
    /// `DATABASE_URL`) leaks in.
    pub fn spawn(database_url: &str) -> Server {
        let data_dir =
            std::env::temp_dir().join(format!("rapport-drill-app-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data_dir);
        std::fs::create_dir_all(&data_dir).unwrap();
        let log = std::fs::File::create(data_dir.join("rapport.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_rapport"))
            .arg("serve")
            .env_clear()
            .env("DATABASE_URL", database_url)
            .env("RAPPORT_DATA_DIR", &data_dir)
            .env("RAPPORT_BIND", "127.0.0.1:0")
            // The drill measures the database, not the per-token brake.
            .env("RAPPORT_API_RATE_LIMIT", "1000000")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("cannot start the rapport binary");
        let mut server = Server {
            child,
            address: String::new(),
            data_dir,
        };
        server.address = server.wait_for_address();
        server
    }

    /// The address from the "Rapport is serving the dashboard at http://…" line of the log.
    fn wait_for_address(&mut self) -> String {
        const MARK: &str = "serving the dashboard at http://";
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            let log = std::fs::read_to_string(self.log_file()).unwrap_or_default();
            if let Some(at) = log.find(MARK) {
                let rest = &log[at + MARK.len()..];
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '\u{1b}')
                    .unwrap_or(rest.len());
                return format!("http://{}", &rest[..end]);
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("rapport serve exited ({status}):\n{}", self.log_tail());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "rapport serve did not start listening:\n{}",
            self.log_tail()
        );
    }

    fn log_file(&self) -> PathBuf {
        self.data_dir.join("rapport.log")
    }

    /// The last lines of the server's log, for a failure message.
    pub fn log_tail(&self) -> String {
        super::cluster::tail(&self.log_file(), 40)
    }

    /// The whole log, to look for what the server said during the drill.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_file()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Our own child, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
