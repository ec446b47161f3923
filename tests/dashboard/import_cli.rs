//! `rapport import FILE [--dry-run] [--on-match …]` through its library entry, on the real
//! fixture files: detected and mapped without help, the five counts printed one per line,
//! the dry run's counts equal to the import's, a second import all unchanged, and refused
//! files failing with the reason and nothing written.

use crate::common::TestDb;
use crate::import_support::fixture;
use diesel::prelude::*;
use rapport::cli::import::{self, ImportArgs};
use rapport::jobs::JobSettings;
use rapport::jobs::import::plan::OnMatch;
use rapport::models::schema::{contacts, jobs};
use std::path::{Path, PathBuf};

fn settings(region: &str) -> JobSettings {
    JobSettings {
        data_dir: std::env::temp_dir(),
        phone_region: region.parse().unwrap(),
        import_max_bytes: rapport::config::DEFAULT_IMPORT_MAX_BYTES,
        trash_retention: chrono::Duration::days(30),
    }
}

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(name)
}

/// Runs `rapport import` on `db` (phone numbers without +country read as US ones); the
/// printed lines, or the error.
fn cli(db: &TestDb, file: &Path, dry_run: bool, on_match: OnMatch) -> Result<String, String> {
    cli_in(db, "US", file, dry_run, on_match)
}

fn cli_in(
    db: &TestDb,
    region: &str,
    file: &Path,
    dry_run: bool,
    on_match: OnMatch,
) -> Result<String, String> {
    let mut out = Vec::new();
    import::run(
        &ImportArgs {
            file: file.to_path_buf(),
            dry_run,
            on_match,
        },
        &mut db.connect(),
        &settings(region),
        &mut out,
    )?;
    Ok(String::from_utf8(out).unwrap())
}

/// The five counts the output printed, in order.
fn printed_counts(output: &str) -> [i64; 5] {
    ["new", "updated", "unchanged", "skipped", "invalid"].map(|name| {
        let prefix = format!("{name}: ");
        output
            .lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no {name} line in:\n{output}"))
            .parse()
            .unwrap()
    })
}

fn contact_count(db: &TestDb) -> i64 {
    contacts::table
        .count()
        .get_result(&mut db.connect())
        .unwrap()
}

#[test]
fn every_fixture_imports_with_the_dry_run_s_counts_and_again_unchanged() {
    // (file, phone region, what it is read as, new, invalid). The invalid rows are the
    // files' own: numbers that are no valid number (`+15550100`, `+49 30 7654321`), and a
    // German one without its country code read as a US one.
    for (name, region, read_as, new, invalid) in [
        ("google.csv", "US", "Google Contacts layout", 3, 0),
        (
            "outlook-1252.csv",
            "US",
            "Windows-1252 (Western European), Outlook layout",
            1,
            1,
        ),
        ("outlook-1252.csv", "DE", "Outlook layout", 2, 0),
        (
            "semicolon-crlf.csv",
            "US",
            "CSV (semicolon-separated)",
            2,
            0,
        ),
        ("tabs.tsv", "US", "CSV (tab-separated)", 2, 0),
        ("utf16le-bom.csv", "US", "UTF-16 (little-endian)", 2, 0),
        ("hubspot.csv", "US", "HubSpot layout", 2, 0),
        (
            "chatbotkit-export.csv",
            "US",
            "ChatBotKit export layout",
            1,
            1,
        ),
        ("contacts-2.1.vcf", "US", "vCard", 1, 1),
        ("contacts-3.0.vcf", "US", "vCard", 2, 0),
        ("contacts-4.0.vcf", "US", "vCard", 1, 0),
        ("invalid-rows.csv", "US", "CSV (comma-separated)", 2, 5),
    ] {
        let cli = |db: &TestDb, path: &Path, dry_run: bool, on_match: OnMatch| {
            cli_in(db, region, path, dry_run, on_match)
        };
        let db = TestDb::create();
        let path = fixture_path(name);
        let checked = cli(&db, &path, true, OnMatch::UpdateEmpty).unwrap();
        assert!(checked.contains(read_as), "{name}:\n{checked}");
        assert!(checked.contains("nothing was written"), "{checked}");
        assert_eq!(contact_count(&db), 0, "{name}: a dry run writes nothing");
        let imported = cli(&db, &path, false, OnMatch::UpdateEmpty).unwrap();
        let counts = printed_counts(&imported);
        assert_eq!(counts, printed_counts(&checked), "{name}:\n{imported}");
        assert_eq!(
            (counts[0], counts[4]),
            (new, invalid),
            "{name}:\n{imported}"
        );
        assert_eq!(contact_count(&db), new, "{name}: grew by exactly new");
        let again = printed_counts(&cli(&db, &path, false, OnMatch::UpdateEmpty).unwrap());
        assert_eq!(
            again,
            [0, 0, counts[0] + counts[1] + counts[2], counts[3], invalid],
            "{name}: a second import changes nothing"
        );
        assert_eq!(contact_count(&db), new);
    }
}

#[test]
fn the_output_is_one_line_per_count_then_the_first_invalid_rows() {
    let db = TestDb::create();
    let output = cli(
        &db,
        &fixture_path("invalid-rows.csv"),
        false,
        OnMatch::UpdateEmpty,
    )
    .unwrap();
    let lines: Vec<&str> = output.lines().collect();
    assert!(lines[0].ends_with("invalid-rows.csv: CSV (comma-separated), UTF-8; 4 columns"));
    assert!(lines[1].starts_with("Import job 1, on match: update-empty."));
    assert_eq!(
        &lines[2..7],
        &[
            "new: 2",
            "updated: 0",
            "unchanged: 0",
            "skipped: 0",
            "invalid: 5"
        ]
    );
    assert_eq!(lines[7], "First invalid rows (5 of 5):");
    assert!(lines[8].starts_with("  row 3, email: "), "{output}");
    assert!(lines[9].starts_with("  row 4, phone: "), "{output}");

    let skipped = cli(&db, &fixture_path("invalid-rows.csv"), false, OnMatch::Skip).unwrap();
    assert_eq!(printed_counts(&skipped), [0, 0, 0, 2, 5]);

    // Both jobs are listed like the dashboard's, by the command line.
    let started_by: Vec<String> = jobs::table
        .select(jobs::started_by_name)
        .load(&mut db.connect())
        .unwrap();
    assert_eq!(started_by, vec!["command line", "command line"]);
}

#[test]
fn a_file_that_cannot_be_imported_fails_with_the_reason_and_writes_nothing() {
    let db = TestDb::create();
    for (name, reason) in [
        ("empty.csv", "The file is empty."),
        ("binary.png", "This is not a text file."),
        ("missing.csv", "could not be read"),
    ] {
        let error = cli(&db, &fixture_path(name), false, OnMatch::UpdateEmpty).unwrap_err();
        assert!(error.contains("nothing was written"), "{error}");
        assert!(error.contains(reason), "{name}: {error}");
    }
    let queued: i64 = jobs::table.count().get_result(&mut db.connect()).unwrap();
    assert_eq!(queued, 0);
    assert_eq!(contact_count(&db), 0);
    // The fixtures are what the test reads.
    assert!(!fixture("google.csv").is_empty());
}

#[test]
fn a_contact_in_trash_is_not_matched_by_an_import() {
    let db = TestDb::create();
    let mut conn = db.connect();
    rapport::db::migrate(&mut conn).unwrap();
    let ada = crate::common::builders::ContactBuilder::new("Ada Lovelace")
        .email("ada@example.com")
        .create(&mut conn);
    rapport::models::contact::trash(
        &mut conn,
        ada.id,
        &rapport::models::Actor::System("test".into()),
    )
    .unwrap();
    let file =
        std::env::temp_dir().join(format!("rapport-trash-import-{}.csv", std::process::id()));
    std::fs::write(&file, "Name,Email\nAda L.,ADA@example.com\n").unwrap();
    let output = cli(&db, &file, false, OnMatch::UpdateEmpty).unwrap();
    let _ = std::fs::remove_file(&file);
    assert_eq!(printed_counts(&output), [1, 0, 0, 0, 0], "{output}");
    let names: Vec<Option<String>> = contacts::table
        .select(contacts::name)
        .order(contacts::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        names,
        [Some("Ada Lovelace".to_string()), Some("Ada L.".to_string())],
        "the contact in Trash is left as it was"
    );
}
