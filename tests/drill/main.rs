//! The restart drill: nothing acknowledged is lost when PostgreSQL restarts under load.
//!
//! A throwaway PostgreSQL cluster of the drill's own ([`cluster`]), a real `rapport serve`
//! process against it ([`app`]), and [`CLIENTS`] API clients creating contacts and memories as
//! fast as they are answered ([`load`]). In the middle PostgreSQL gets a fast shutdown, stays
//! down a little longer than the pool's checkout timeout, and starts again. Then every write is
//! held against what the database holds ([`stored`], [`report`]):
//! - every write answered 2xx is stored, with the id its answer gave;
//! - every write answered 503 is stored whole (row and audit entry) or not at all, and so is
//!   every row in the tables;
//! - while PostgreSQL was down every client was answered 503, none waited longer than
//!   [`report::REFUSAL_LIMIT`], none got a 500, a hang or a dropped connection;
//! - writes succeed again within [`report::RECOVERY_LIMIT`] of PostgreSQL accepting
//!   connections, with nobody restarting anything.
//!
//! The counts are written to stderr (past the test harness's capture, so `cargo test` shows
//! them) and to `drill-report.txt` in Cargo's temp directory for integration tests
//! (`target/tmp/`). `RAPPORT_DRILL_SECONDS` sets the length of the load (default 20).

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod app;
mod cluster;
mod load;
mod report;
mod stored;

use diesel::{Connection, PgConnection, RunQueryDsl};
use rapport::domain::api_token::TokenRole;
use rapport::models::{Actor, api_token};
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Concurrent API clients.
const CLIENTS: usize = 6;

/// How long PostgreSQL stays down: past the pool's 3 s checkout timeout, so that requests
/// waiting for a connection time out while it is still down and must answer 503.
const OUTAGE: Duration = Duration::from_secs(4);

fn load_duration() -> Duration {
    let seconds = std::env::var("RAPPORT_DRILL_SECONDS")
        .ok()
        .map(|value| {
            value
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("RAPPORT_DRILL_SECONDS={value}: not a number"))
        })
        .unwrap_or(20);
    // The restart comes at 30 % of the load and takes about five seconds; what follows it
    // must show the recovery.
    assert!(
        seconds >= 15,
        "RAPPORT_DRILL_SECONDS={seconds}: the drill needs at least 15 seconds"
    );
    Duration::from_secs(seconds)
}

fn report_file() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("drill-report.txt")
}

/// The whole log of `rapport serve` in the last drill, kept for reading after a failure (the
/// server's data directory goes with it).
fn server_log_file() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("drill-rapport.log")
}

/// Past the harness's capture of `eprintln!`, so that a passing run shows it too.
fn tell(text: &str) {
    let _ = std::io::stderr().write_all(text.as_bytes());
}

#[test]
fn nothing_acknowledged_is_lost_when_postgres_restarts_under_load() {
    let Some(bin) = cluster::server_binaries() else {
        // CI installs the server (scripts/test): a green CI run means the drill ran.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql"
        );
        tell("restart drill skipped: no PostgreSQL server binaries (initdb, pg_ctl)\n");
        return;
    };
    let load = load_duration();
    let cluster = cluster::Cluster::create(bin);
    let mut admin = PgConnection::establish(&cluster.url("postgres")).unwrap();
    diesel::sql_query("CREATE DATABASE rapport")
        .execute(&mut admin)
        .unwrap();
    drop(admin);
    let database_url = cluster.url("rapport");
    let server = app::Server::spawn(&database_url);
    // `serve` has migrated by the time it listens.
    let token = {
        let mut connection = PgConnection::establish(&database_url).unwrap();
        let actor = Actor::System("restart drill".into());
        api_token::create(&mut connection, "Drill", TokenRole::Editor, &actor)
            .unwrap()
            .1
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let began = Instant::now();
    let until = began + load;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|number| {
            let writer = load::Writer::new(number, &server.address, &token);
            runtime.spawn(writer.run(began, until))
        })
        .collect();

    // The restart, on this thread while the clients write.
    std::thread::sleep((began + load * 3 / 10).saturating_duration_since(Instant::now()));
    let stop_requested = began.elapsed();
    cluster.stop_fast();
    let stopped = began.elapsed();
    std::thread::sleep(OUTAGE);
    let start_requested = began.elapsed();
    cluster.start();
    let ready = began.elapsed();
    let timeline = report::Timeline {
        stop_requested,
        stopped,
        start_requested,
        ready,
    };

    let writes: Vec<Vec<load::Write>> = clients
        .into_iter()
        .map(|client| runtime.block_on(client).unwrap())
        .collect();
    drop(runtime);
    let stored = stored::load(&mut PgConnection::establish(&database_url).unwrap());
    let report = report::Report::judge(&writes, &stored, timeline, load);

    let text = format!(
        "{report}  (this report: {}; the server's log beside it: {})\n",
        report_file().display(),
        server_log_file().display()
    );
    tell(&text);
    std::fs::write(report_file(), &text).unwrap();
    std::fs::write(server_log_file(), server.log()).unwrap();
    assert!(
        report.problems.is_empty(),
        "{text}\nrapport serve's log:\n{}\n\nPostgreSQL's log:\n{}",
        server.log_tail(),
        cluster.log_tail()
    );
}
