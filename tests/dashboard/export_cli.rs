//! `rapport export` through its library entry, against a real database: the same files as the
//! dashboard's download, to standard output or a file, filtered like the list, audited.

use crate::common::TestApp;
use crate::common::builders::ContactBuilder;
use diesel::prelude::*;
use rapport::cli::export::{self, ExportArgs};
use rapport::domain::export::ExportFormat;
use rapport::domain::{ContactSource, Role};
use rapport::models::schema::audit_events;
use serde_json::{Value, json};
use std::path::PathBuf;

fn run(app: &TestApp, args: &ExportArgs) -> Result<(Vec<u8>, String), String> {
    let mut out = Vec::new();
    let mut messages = Vec::new();
    export::run(args, &mut app.conn(), &mut out, &mut messages)?;
    Ok((out, String::from_utf8(messages).unwrap()))
}

fn seed(app: &TestApp) {
    let mut conn = app.conn();
    ContactBuilder::new("Ada Lovelace")
        .email("ada@analytical.example")
        .phone("+1 212 555 0147")
        .description("Line one\nline \"two\", with a comma")
        .meta("plan", "pro")
        .create(&mut conn);
    ContactBuilder::new("Grace Hopper")
        .email("grace@navy.example")
        .source(ContactSource::Email)
        .create(&mut conn);
    ContactBuilder::new("=Alan Turing")
        .unverified()
        .create(&mut conn);
}

/// A fresh directory for output files.
fn directory(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("rapport-export-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[actix_web::test]
async fn the_command_line_writes_the_files_the_dashboard_downloads() {
    let app = TestApp::spawn().await;
    seed(&app);
    let client = app.signed_in(Role::Viewer).await;
    for format in ExportFormat::ALL {
        let args = ExportArgs {
            format,
            ..ExportArgs::default()
        };
        let (out, messages) = run(&app, &args).unwrap();
        let download = client
            .get(&format!("/contacts/export?format={format}"))
            .await;
        assert_eq!(out, download.bytes, "{format}: the same bytes");
        assert_eq!(
            messages,
            format!(
                "Exported 3 contacts as {} to standard output.\n",
                format.label()
            )
        );
    }

    let dir = directory("files");
    let file = dir.join("pro.csv");
    let args = ExportArgs {
        output: Some(file.clone()),
        meta: Some(("plan".into(), "pro".into())),
        ..ExportArgs::default()
    };
    let (out, messages) = run(&app, &args).unwrap();
    assert!(out.is_empty(), "standard output stays clean");
    assert_eq!(
        messages,
        format!("Exported 1 contact as CSV to {}.\n", file.display())
    );
    let written = std::fs::read(&file).unwrap();
    let download = client
        .get("/contacts/export?format=csv&meta=plan%3Dpro")
        .await;
    assert_eq!(written, download.bytes);
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["pro.csv"], "no temporary file is left");
    std::fs::remove_dir_all(&dir).unwrap();

    let events: Vec<(String, String, Value)> = audit_events::table
        .filter(audit_events::entity.eq("contact_export"))
        .select((
            audit_events::actor_kind,
            audit_events::actor_name,
            audit_events::changes,
        ))
        .order(audit_events::id)
        .load(&mut app.conn())
        .unwrap();
    let by_command_line: Vec<&Value> = events
        .iter()
        .filter(|(kind, name, _)| kind == "system" && name == "command line")
        .map(|(_, _, changes)| changes)
        .collect();
    assert_eq!(by_command_line.len(), 4, "three formats and the file");
    assert_eq!(
        by_command_line[3]["filter"]["after"],
        json!({"meta": "plan=pro"})
    );
    assert_eq!(by_command_line[3]["count"]["after"], 1);
    assert_eq!(by_command_line[3]["complete"]["after"], true);
}

#[actix_web::test]
async fn filters_select_like_the_list_and_failures_leave_nothing_behind() {
    let app = TestApp::spawn().await;
    seed(&app);
    let args = ExportArgs {
        format: ExportFormat::Jsonl,
        search: Some("hopper".into()),
        source: Some(ContactSource::Email),
        verified: Some(true),
        ..ExportArgs::default()
    };
    let (out, _) = run(&app, &args).unwrap();
    let text = String::from_utf8(out).unwrap();
    let names: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["name"].clone())
        .collect();
    assert_eq!(names, [json!("Grace Hopper")]);
    let unverified = ExportArgs {
        verified: Some(false),
        ..ExportArgs::default()
    };
    let (out, _) = run(&app, &unverified).unwrap();
    let csv = String::from_utf8(out).unwrap();
    assert!(
        csv.contains("\"'=Alan Turing\""),
        "formulas neutralised here too: {csv}"
    );
    assert_eq!(csv.lines().count(), 2);

    let missing = ExportArgs {
        output: Some(std::env::temp_dir().join("rapport-no-such-dir/contacts.csv")),
        ..ExportArgs::default()
    };
    let error = run(&app, &missing).unwrap_err();
    assert!(error.starts_with("cannot create "), "{error}");
    assert!(!std::env::temp_dir().join("rapport-no-such-dir").exists());
}
