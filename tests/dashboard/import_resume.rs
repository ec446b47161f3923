//! An import interrupted mid-way loses and duplicates nothing: the rows of committed batches
//! are in, with their counts and cursor; the job resumes from there (a worker stopping gives
//! it back at once, a killed process's lease runs out) and ends with the whole file's
//! counts; importing the file again reports everything unchanged.

use crate::common::TestApp;
use crate::import_support::{contact_count, counts, wait_for_job};
use diesel::prelude::*;
use rapport::domain::JobId;
use rapport::domain::import::bench::write_sample_csv;
use rapport::jobs::import::plan::OnMatch;
use rapport::jobs::import::{IMPORT_KIND, preview};
use rapport::models::Actor;
use rapport::models::job::{self, Job, NewJob};
use rapport::models::schema::{audit_events, jobs};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Rows in the file: enough batches that an interruption lands between two of them.
const ROWS: u64 = 8_000;

/// A sample file of [`ROWS`] new contacts, removed when dropped.
struct Sample(PathBuf);

impl Sample {
    fn new(tag: &str) -> Sample {
        let path = std::env::temp_dir().join(format!(
            "rapport-import-resume-{}-{tag}.csv",
            std::process::id()
        ));
        write_sample_csv(&path, ROWS).unwrap();
        Sample(path)
    }
}

impl Drop for Sample {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn find(app: &TestApp, id: JobId) -> Job {
    job::find(&mut app.conn(), id).unwrap()
}

/// Waits until the job has committed some batches but not all.
async fn until_part_done(app: &TestApp, id: JobId) -> Job {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = find(app, id);
        if found.progress_done > 0 || found.is_finished() {
            return found;
        }
        assert!(Instant::now() < deadline, "job {id} did not start");
        actix_web::rt::time::sleep(Duration::from_millis(5)).await;
    }
}

fn created_entries(app: &TestApp) -> i64 {
    audit_events::table
        .filter(audit_events::entity.eq("contact"))
        .filter(audit_events::action.eq("create"))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// Checks the end state: every row once, one audit entry per contact, the whole file's
/// counts.
fn assert_whole_file_imported(app: &TestApp, ended: &Job) {
    assert_eq!(ended.state, "done", "{ended:?}");
    assert_eq!(counts(ended), [ROWS as i64, 0, 0, 0, 0]);
    assert_eq!(ended.progress_done, ROWS as i64);
    assert_eq!(ended.progress_total, Some(ROWS as i64));
    assert_eq!(contact_count(app), ROWS as i64, "no row lost, none twice");
    assert_eq!(
        created_entries(app),
        ROWS as i64,
        "one audit entry per contact"
    );
}

#[actix_web::test]
async fn a_worker_that_stops_gives_the_import_back_and_the_next_one_finishes_it() {
    let app = TestApp::spawn().await;
    let sample = Sample::new("worker");
    let seen = preview::preview(&sample.0, "sample.csv", u64::MAX, 1).unwrap();
    let params = seen.parameters(
        Some(&sample.0),
        "sample.csv",
        seen.suggested.clone(),
        OnMatch::UpdateEmpty,
    );
    let queued = job::enqueue(
        &mut app.conn(),
        &NewJob {
            kind: IMPORT_KIND,
            parameters: serde_json::to_value(&params).unwrap(),
            upload_id: None,
            run_after: None,
        },
        &Actor::System("test".into()),
    )
    .unwrap();

    let first = app.start_job_worker();
    let part = until_part_done(&app, queued.id).await;
    assert!(!part.is_finished(), "finished before it could be stopped");
    // The server stops: the job stops after its current batch and is given back.
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(30);
    let given_back = loop {
        let found = find(&app, queued.id);
        if found
            .lease_until
            .is_some_and(|until| until <= chrono::Utc::now())
        {
            break found;
        }
        assert!(Instant::now() < deadline, "not given back: {found:?}");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(given_back.state, "running");
    assert!(given_back.progress_done < ROWS as i64, "{given_back:?}");
    // What committed is exactly what the cursor says.
    assert_eq!(contact_count(&app), given_back.progress_done);
    assert_eq!(given_back.count("new"), given_back.progress_done);

    let _second = app.start_job_worker();
    let ended = wait_for_job(&app, queued.id).await;
    assert_whole_file_imported(&app, &ended);
    assert_eq!(ended.attempts, 2, "resumed, not started over");
}

#[actix_web::test]
async fn a_killed_command_line_import_resumes_in_a_worker_and_a_rerun_is_unchanged() {
    let app = TestApp::spawn().await;
    let sample = Sample::new("killed");
    let run_cli = || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rapport"));
        command
            .arg("import")
            .arg(&sample.0)
            .env("DATABASE_URL", &app.db.url)
            .env("RAPPORT_DATA_DIR", &app.data_dir.0)
            .env("RUST_LOG", "warn");
        command
    };
    let mut child = run_cli()
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let id = loop {
        let started: Option<JobId> = jobs::table
            .filter(jobs::kind.eq(IMPORT_KIND))
            .filter(jobs::progress_done.gt(0))
            .select(jobs::id)
            .first(&mut app.conn())
            .optional()
            .unwrap();
        if let Some(id) = started {
            break id;
        }
        assert!(
            Instant::now() < deadline,
            "the command did not start importing"
        );
        std::thread::sleep(Duration::from_millis(2));
    };
    // As a crash or `kill -9` would: no chance to give the job back.
    child.kill().unwrap();
    child.wait().unwrap();
    let killed = find(&app, id);
    assert_eq!(killed.state, "running");
    assert!(killed.progress_done < ROWS as i64, "{killed:?}");
    assert_eq!(contact_count(&app), killed.progress_done);

    // Its lease runs out (a minute; here at once), and a worker takes it over.
    diesel::update(jobs::table.find(id))
        .set(jobs::lease_until.eq(chrono::Utc::now() - chrono::Duration::seconds(1)))
        .execute(&mut app.conn())
        .unwrap();
    let _worker = app.start_job_worker();
    let ended = wait_for_job(&app, id).await;
    assert_whole_file_imported(&app, &ended);

    // Running the command again applies nothing twice.
    let output = run_cli().output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let printed = String::from_utf8(output.stdout).unwrap();
    assert!(printed.contains(&format!("unchanged: {ROWS}")), "{printed}");
    assert!(printed.contains("new: 0"), "{printed}");
    assert_eq!(contact_count(&app), ROWS as i64);
}
