//! `/contacts/import`: who may import, uploading a file, and the refusals (empty, binary,
//! too large, no contacts, no token) that keep nothing.

use crate::common::client::Part;
use crate::common::{TestApp, TestDb, test_settings};
use crate::import_support::{fixture, upload, upload_ok};
use diesel::prelude::*;
use rapport::domain::Role;
use rapport::models::schema::{jobs, uploads};

fn upload_rows(app: &TestApp) -> i64 {
    uploads::table.count().get_result(&mut app.conn()).unwrap()
}

fn job_rows(app: &TestApp) -> i64 {
    jobs::table.count().get_result(&mut app.conn()).unwrap()
}

/// Files under the data directory's uploads (none until the first upload).
fn stored_files(app: &TestApp) -> Vec<String> {
    std::fs::read_dir(app.data_dir.0.join("uploads"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[actix_web::test]
async fn editors_find_the_import_from_the_list_and_viewers_cannot_import() {
    let app = TestApp::spawn().await;
    let editor = app.signed_in(Role::Editor).await;
    let list = editor.get("/contacts").await;
    list.assert_contains("href=\"/contacts/import\"");
    let page = editor.get("/contacts/import").await;
    assert_eq!(page.status, 200);
    page.assert_contains("id=\"import-file\"");
    page.assert_contains("up to 100 MiB");
    page.assert_contains("No imports yet.");

    let viewer = app.signed_in(Role::Viewer).await;
    viewer
        .get("/contacts")
        .await
        .assert_lacks("/contacts/import");
    assert_eq!(viewer.get("/contacts/import").await.status, 403);
    let refused = viewer
        .post_multipart(
            "/contacts/import",
            &[Part::file(
                "file",
                "google.csv",
                "text/csv",
                &fixture("google.csv"),
            )],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(upload_rows(&app), 0);
}

#[actix_web::test]
async fn an_uploaded_file_goes_to_its_mapping_screen_with_the_layout_recognised() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    let mapping = upload_ok(&client, "google.csv", &fixture("google.csv")).await;
    assert_eq!(upload_rows(&app), 1);
    assert_eq!(stored_files(&app).len(), 1);
    assert_eq!(job_rows(&app), 0, "nothing is queued before the mapping");

    let page = client.get(&mapping).await;
    assert_eq!(page.status, 200);
    page.assert_contains("Map the columns of google.csv");
    page.assert_contains("Google Contacts layout");
    // Each column with its select, preset for the layout, and the first rows' values.
    page.assert_contains("<label for=\"column-18\">E-mail 1 - Value</label>");
    page.assert_contains("<option value=\"email\" selected>Email</option>");
    page.assert_contains("<span class=\"sample\">Ada</span>");
    page.assert_contains("value=\"update-empty\" checked");
    // Columns the layout knows go to its meta keys, unknown ones to their header slugged.
    page.assert_contains("name=\"meta_key_10\" value=\"organization\"");
    page.assert_contains("name=\"meta_key_12\" value=\"organization_department\"");
}

#[actix_web::test]
async fn refused_files_say_why_next_to_the_field_and_leave_nothing() {
    let db = TestDb::create();
    let mut settings = test_settings(&db);
    settings.import_max_bytes = 200;
    let app = TestApp::spawn_with(db, settings);
    let client = app.signed_in(Role::Editor).await;

    for (name, bytes, status, message) in [
        ("empty.csv", fixture("empty.csv"), 422, "The file is empty."),
        (
            "binary.png",
            fixture("binary.png"),
            422,
            "This is not a text file.",
        ),
        (
            "header.csv",
            b"Name,Email\n".to_vec(),
            422,
            "has a header row but no contacts",
        ),
        (
            "google.csv",
            fixture("google.csv"),
            413,
            "The file is larger than 200 B",
        ),
        (
            "data.json",
            b"[{\"name\": \"Ada\"}]".to_vec(),
            422,
            "looks like JSON",
        ),
    ] {
        let refused = upload(&client, name, &bytes).await;
        assert_eq!(refused.status, status, "{name}: {}", refused.body);
        refused.assert_contains("class=\"field-error\" role=\"alert\">Not imported: ");
        refused.assert_contains(message);
        refused.assert_contains("Choose a file again.");
        refused.assert_contains("aria-invalid=\"true\"");
    }
    let nothing = client
        .post_multipart(
            "/contacts/import",
            &[Part::file("file", "", "application/octet-stream", b"")],
        )
        .await;
    assert_eq!(nothing.status, 422);
    nothing.assert_contains("Choose a CSV or vCard file to import.");

    assert_eq!(upload_rows(&app), 0);
    assert_eq!(job_rows(&app), 0);
    assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));
}

#[actix_web::test]
async fn with_htmx_only_the_message_is_swapped_in() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    client.get("/contacts/import").await;
    let refused = client
        .post_multipart_htmx(
            "/contacts/import",
            &[Part::file("file", "empty.csv", "text/csv", b"")],
            "import-feedback",
        )
        .await;
    assert_eq!(refused.status, 422);
    refused.assert_contains("Not imported: The file is empty.");
    refused.assert_lacks("<form");
    refused.assert_lacks("Choose a file again.");

    let accepted = client
        .post_multipart_htmx(
            "/contacts/import",
            &[Part::file(
                "file",
                "tabs.tsv",
                "text/tab-separated-values",
                &fixture("tabs.tsv"),
            )],
            "import-feedback",
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert!(
        accepted
            .header("hx-redirect")
            .unwrap()
            .starts_with("/contacts/import/uploads/")
    );
}

#[actix_web::test]
async fn an_upload_without_its_token_is_refused_before_anything_is_stored() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    client.get("/contacts/import").await;
    let refused = client
        .post_multipart_raw(
            "/contacts/import",
            &[
                Part::file("file", "google.csv", "text/csv", &fixture("google.csv")),
                Part::text("csrf_token", &client.csrf_token().unwrap()),
            ],
        )
        .await;
    assert_eq!(refused.status, 403, "the token must come first");
    assert_eq!(upload_rows(&app), 0);
    assert!(stored_files(&app).is_empty());
}
