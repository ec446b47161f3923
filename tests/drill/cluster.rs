//! A throwaway PostgreSQL cluster of the drill's own, which it may stop and start at will (the
//! shared cluster the other tests use must never be restarted).
//!
//! Set up as `scripts/lib/postgres.sh` sets up the project's cluster: `rapport` is the
//! bootstrap superuser, trust authentication on a unix socket in a private directory, TCP
//! switched off (so the port only names the socket file and cannot collide with anything).
//! PostgreSQL refuses to run as root, so root runs the server binaries as the `postgres`
//! system user, from `/` so that the caller's directory does not matter.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The port in the socket's name; any number works, the socket directory is ours alone.
const PORT: u16 = 54_399;

pub struct Cluster {
    bin: PathBuf,
    /// Everything of the cluster: `data/`, `run/` (the socket), `postgres.log`.
    root: PathBuf,
    as_postgres: bool,
}

/// The directory of the newest installed server binaries (`initdb`, `pg_ctl`, `postgres`),
/// Debian's layout first, then whatever `initdb` is on the PATH.
pub fn server_binaries() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
    })
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// `output` unless the command failed, in which case its output is the panic message.
fn check(what: &str, output: std::io::Result<Output>) -> Output {
    let output = output.unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

impl Cluster {
    /// Makes a fresh cluster under the system's temp directory and starts it.
    pub fn create(bin: PathBuf) -> Cluster {
        let as_postgres = running_as_root();
        let root = std::env::temp_dir().join(format!("rapport-drill-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir(&root).unwrap();
        let cluster = Cluster {
            bin,
            root,
            as_postgres,
        };
        std::fs::create_dir(cluster.socket_dir()).unwrap();
        if as_postgres {
            check(
                "chown",
                Command::new("chown")
                    .args(["-R", "postgres:"])
                    .arg(&cluster.root)
                    .output(),
            );
        }
        check(
            "chmod",
            Command::new("chmod")
                .args(["-R", "0700"])
                .arg(&cluster.root)
                .output(),
        );
        check(
            "initdb",
            cluster
                .command("initdb")
                .arg(format!("--pgdata={}", cluster.data_dir().display()))
                .args([
                    "--username=rapport",
                    "--auth-local=trust",
                    "--auth-host=reject",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    // A throwaway cluster: what initdb writes need not survive a power cut
                    // (the server's own writes still do, fsync stays on).
                    "--no-sync",
                ])
                .output(),
        );
        cluster.start();
        cluster
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    fn socket_dir(&self) -> PathBuf {
        self.root.join("run")
    }

    pub fn log_file(&self) -> PathBuf {
        self.root.join("postgres.log")
    }

    /// One of the server binaries, run as the server's owner.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command.current_dir("/");
            command
        } else {
            Command::new(program)
        }
    }

    fn pg_ctl(&self, action: &str) -> Command {
        let mut command = self.command("pg_ctl");
        command
            .arg(action)
            .arg(format!("--pgdata={}", self.data_dir().display()))
            .args(["--wait", "--timeout=60"]);
        command
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start(&self) {
        let options = format!(
            "-c listen_addresses='' -c port={PORT} -c unix_socket_directories='{}' \
             -c unix_socket_permissions=0700 -c max_connections=50",
            self.socket_dir().display()
        );
        check(
            "pg_ctl start",
            self.pg_ctl("start")
                .arg(format!("--log={}", self.log_file().display()))
                .args(["-o", &options])
                .output(),
        );
    }

    /// A fast shutdown: sessions are ended, their open transactions rolled back, and the
    /// server checkpoints and exits (what `systemctl stop postgresql` does).
    pub fn stop_fast(&self) {
        check(
            "pg_ctl stop",
            self.pg_ctl("stop").args(["--mode=fast"]).output(),
        );
    }

    /// The libpq URL of database `name` (the socket directory percent-encoded, as
    /// `scripts/lib/postgres.sh` writes it).
    pub fn url(&self, name: &str) -> String {
        format!(
            "postgres://rapport@/{name}?host={}&port={PORT}",
            percent_encode(&self.socket_dir())
        )
    }

    /// The last lines of the server's log, for a failure message.
    pub fn log_tail(&self) -> String {
        tail(&self.log_file(), 30)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg_ctl("stop").args(["--mode=immediate"]).output();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn percent_encode(path: &Path) -> String {
    path.to_string_lossy()
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'~' | b'-' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The last `lines` lines of a log file (empty when it cannot be read).
pub fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
