//! The Spaces tab: spaces (create, rename, delete, pagination) and their files (upload one or
//! several, download, replace, delete), with what must never happen checked on disk and in
//! the database: oversized, misnamed, forged or interrupted uploads leave nothing behind.

use crate::common::builders::ContactBuilder;
use crate::common::client::{BOUNDARY, Part, multipart_body};
use crate::common::{TestApp, TestClient, TestDb};
use diesel::prelude::*;
use rapport::config::Settings;
use rapport::domain::space_draft::SpaceDraft;
use rapport::domain::{ContactId, Role};
use rapport::models::Actor;
use rapport::models::schema::{audit_events, space_files, spaces};
use rapport::models::space;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn setup_as(role: Role) -> (TestApp, TestClient, ContactId) {
    let app = TestApp::spawn().await;
    let (client, id) = prepare(&app, role).await;
    (app, client, id)
}

/// A contact, and a client with this role that has seen a page (so it holds a CSRF token).
async fn prepare(app: &TestApp, role: Role) -> (TestClient, ContactId) {
    let ada = ContactBuilder::new("Ada Lovelace")
        .email("ada@example.com")
        .create(&mut app.conn());
    let client = app.signed_in(role).await;
    client.get("/contacts").await;
    (client, ada.id)
}

/// Creates a space through the form; returns its id.
async fn create_space(client: &TestClient, contact: ContactId, name: &str) -> i64 {
    let response = client
        .post_form(
            &format!("/contacts/{contact}/spaces"),
            &[("name", name), ("description", "")],
        )
        .await;
    assert_eq!(response.status, 303, "{}", response.body);
    let location = response.location().unwrap().to_string();
    let prefix = format!("/contacts/{contact}/spaces/");
    location
        .strip_prefix(&prefix)
        .and_then(|rest| rest.parse().ok())
        .unwrap_or_else(|| panic!("unexpected location {location}"))
}

fn upload_url(contact: ContactId, space: i64) -> String {
    format!("/contacts/{contact}/spaces/{space}/files")
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn data_files(app: &TestApp) -> Vec<PathBuf> {
    files_under(&app.data_dir.0)
}

#[derive(Queryable, Debug, Clone)]
struct FileRow {
    id: i64,
    path: String,
    size: i64,
    content_type: String,
    sha256: String,
    storage_key: String,
    uploaded_by_name: String,
}

fn file_rows(app: &TestApp, space: i64) -> Vec<FileRow> {
    space_files::table
        .filter(space_files::space_id.eq(space))
        .order(space_files::path.asc())
        .select((
            space_files::id,
            space_files::path,
            space_files::size,
            space_files::content_type,
            space_files::sha256,
            space_files::storage_key,
            space_files::uploaded_by_name,
        ))
        .load(&mut app.conn())
        .unwrap()
}

fn all_file_rows(app: &TestApp) -> i64 {
    space_files::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// Where a row's bytes must be.
fn stored_path(app: &TestApp, space: i64, row: &FileRow) -> PathBuf {
    app.data_dir
        .0
        .join("spaces")
        .join(space.to_string())
        .join(&row.storage_key)
}

fn audit_actions(app: &TestApp, entity: &str) -> Vec<String> {
    audit_events::table
        .filter(audit_events::entity.eq(entity))
        .order(audit_events::id.asc())
        .select(audit_events::action)
        .load(&mut app.conn())
        .unwrap()
}

/// Polls until `check` holds (the server cleans up after a dropped connection on its own
/// schedule); fails after five seconds.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..100 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}");
}

#[actix_web::test]
async fn the_empty_tab_explains_spaces_and_shows_a_zero_count() {
    let (_app, client, id) = setup_as(Role::Editor).await;
    let page = client.get(&format!("/contacts/{id}/spaces")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("<h1>Ada Lovelace");
    page.assert_contains("aria-current=\"page\" class=\"tab active\"");
    page.assert_contains("Spaces <span class=\"count\">0</span>");
    page.assert_contains("No spaces yet.");
    page.assert_contains("New space");

    let tabs = client
        .get_htmx(&format!("/contacts/{id}/spaces"), "profile-tabs")
        .await;
    assert_eq!(tabs.status, 200);
    tabs.assert_lacks("<html");
    tabs.assert_lacks("profile-header");
    tabs.assert_contains("No spaces yet.");

    // The overview links the tab.
    let overview = client.get(&format!("/contacts/{id}")).await;
    overview.assert_contains(&format!("href=\"/contacts/{id}/spaces\""));
}

#[actix_web::test]
async fn create_validate_and_list_spaces() {
    let (app, client, id) = setup_as(Role::Editor).await;

    let invalid = client
        .post_form(
            &format!("/contacts/{id}/spaces"),
            &[("name", "   "), ("description", &"d".repeat(2_001))],
        )
        .await;
    assert_eq!(invalid.status, 422);
    invalid.assert_contains("Give the space a name.");
    invalid.assert_contains("at most 2,000");
    invalid.assert_contains("aria-invalid=\"true\" aria-describedby=\"space-name-error\"");
    invalid.assert_contains(&"d".repeat(2_001));
    let count: i64 = spaces::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(count, 0);

    let htmx_invalid = client
        .post_htmx(
            &format!("/contacts/{id}/spaces"),
            &[("name", ""), ("description", "kept")],
            "profile-tabs",
        )
        .await;
    assert_eq!(htmx_invalid.status, 422);
    htmx_invalid.assert_lacks("<html");
    htmx_invalid.assert_contains(">kept</textarea>");

    let created = client
        .post_form(
            &format!("/contacts/{id}/spaces"),
            &[
                ("name", "  Contracts "),
                ("description", "Signed paperwork"),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    let (space_id, name, description, contact_id): (
        i64,
        String,
        Option<String>,
        Option<ContactId>,
    ) = spaces::table
        .select((
            spaces::id,
            spaces::name,
            spaces::description,
            spaces::contact_id,
        ))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(name, "Contracts");
    assert_eq!(description.as_deref(), Some("Signed paperwork"));
    assert_eq!(contact_id, Some(id));
    assert_eq!(
        created.location(),
        Some(format!("/contacts/{id}/spaces/{space_id}").as_str())
    );

    let page = client.get(created.location().unwrap()).await;
    page.assert_contains("Created the space Contracts");
    page.assert_contains("<h2 class=\"space-title\">Contracts</h2>");
    page.assert_contains("No files in this space yet.");

    create_space(&client, id, "Onboarding").await;
    let list = client.get(&format!("/contacts/{id}/spaces")).await;
    list.assert_contains("Spaces <span class=\"count\">2</span>");
    // Newest first.
    let onboarding = list.body.find(">Onboarding</a>").unwrap();
    let contracts = list.body.find(">Contracts</a>").unwrap();
    assert!(onboarding < contracts);
    list.assert_contains("Signed paperwork");
    list.assert_contains("No files");

    // With htmx the create answers with a redirect to the new space.
    let htmx_created = client
        .post_htmx(
            &format!("/contacts/{id}/spaces"),
            &[("name", "Exports"), ("description", "")],
            "profile-tabs",
        )
        .await;
    assert_eq!(htmx_created.status, 200);
    assert!(
        htmx_created
            .header("hx-redirect")
            .is_some_and(|to| to.starts_with(&format!("/contacts/{id}/spaces/")))
    );
    assert_eq!(audit_actions(&app, "space"), ["create", "create", "create"]);
}

#[actix_web::test]
async fn rename_a_space_and_detect_concurrent_edits() {
    let (app, client, id) = setup_as(Role::Editor).await;
    let space_id = create_space(&client, id, "Contracts").await;

    let editor = client
        .get_htmx(
            &format!("/contacts/{id}/spaces/{space_id}/edit"),
            "profile-tabs",
        )
        .await;
    assert_eq!(editor.status, 200);
    editor.assert_contains("name=\"version\" value=\"1\"");
    editor.assert_contains("value=\"Contracts\"");

    let saved = client
        .post_form(
            &format!("/contacts/{id}/spaces/{space_id}"),
            &[
                ("name", "Signed contracts"),
                ("description", "Only countersigned copies"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let (name, version): (String, i32) = spaces::table
        .find(space_id)
        .select((spaces::name, spaces::version))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!((name.as_str(), version), ("Signed contracts", 2));

    let invalid = client
        .post_form(
            &format!("/contacts/{id}/spaces/{space_id}"),
            &[("name", ""), ("description", "x"), ("version", "2")],
        )
        .await;
    assert_eq!(invalid.status, 422);
    invalid.assert_contains("Give the space a name.");

    // A second editor still holding version 1 does not overwrite silently.
    let stale = client
        .post_form(
            &format!("/contacts/{id}/spaces/{space_id}"),
            &[("name", "Old idea"), ("description", ""), ("version", "1")],
        )
        .await;
    assert_eq!(stale.status, 409);
    stale.assert_contains("Changed by someone else");
    stale.assert_contains("Signed contracts");
    stale.assert_contains("value=\"Old idea\"");
    stale.assert_contains("name=\"version\" value=\"2\"");
    let name: String = spaces::table
        .find(space_id)
        .select(spaces::name)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(name, "Signed contracts");

    let changes: serde_json::Value = audit_events::table
        .filter(audit_events::entity.eq("space"))
        .filter(audit_events::action.eq("update"))
        .select(audit_events::changes)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(changes["name"]["before"], "Contracts");
    assert_eq!(changes["name"]["after"], "Signed contracts");
    assert_eq!(changes["description"]["after"], "Only countersigned copies");

    let history = client.get(&format!("/contacts/{id}/history")).await;
    history.assert_contains("changed a space");
    history.assert_contains("created a space");
}

#[actix_web::test]
async fn upload_one_file_store_its_hash_and_download_identical_bytes() {
    let (app, client, id) = setup_as(Role::Editor).await;
    let space_id = create_space(&client, id, "Contracts").await;
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();

    let response = client
        .post_multipart(
            &upload_url(id, space_id),
            &[Part::file(
                "files",
                "contract.bin",
                "application/x-thing",
                &bytes,
            )],
        )
        .await;
    assert_eq!(response.status, 303, "{}", response.body);
    assert_eq!(
        response.location(),
        Some(format!("/contacts/{id}/spaces/{space_id}").as_str())
    );

    let rows = file_rows(&app, space_id);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.path, "contract.bin");
    assert_eq!(row.size, 70_000);
    assert_eq!(row.content_type, "application/x-thing");
    assert_eq!(row.sha256, sha256_hex(&bytes));
    assert!(row.uploaded_by_name.starts_with("editor"));
    // The bytes are on disk under the random key, and nothing else is.
    let stored = stored_path(&app, space_id, row);
    assert_eq!(std::fs::read(&stored).unwrap(), bytes);
    assert_eq!(data_files(&app), vec![stored]);
    assert!(!row.storage_key.contains("contract"));

    let page = client
        .get(&format!("/contacts/{id}/spaces/{space_id}"))
        .await;
    page.assert_contains("Uploaded contract.bin");
    page.assert_contains(">contract.bin</a>");
    page.assert_contains("68 KiB");
    page.assert_contains("application/x-thing");
    page.assert_contains(&format!("by {}", row.uploaded_by_name));
    page.assert_contains("1 file · 68 KiB");

    let download = client
        .get(&format!(
            "/contacts/{id}/spaces/{space_id}/files/{}",
            row.id
        ))
        .await;
    assert_eq!(download.status, 200);
    assert_eq!(download.bytes, bytes);
    assert_eq!(download.header("content-type"), Some("application/x-thing"));
    assert_eq!(
        download.header("content-disposition"),
        Some("attachment; filename=\"contract.bin\"; filename*=UTF-8''contract.bin")
    );
    assert_eq!(download.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(download.header("content-length"), Some("70000"));
    // Sent as stored even to a client that accepts gzip (no re-encoding of downloads).
    let mut stream = raw_connection(&app).await;
    let head = format!(
        "GET /contacts/{id}/spaces/{space_id}/files/{} HTTP/1.1\r\nHost: localhost\r\n\
         Cookie: {}\r\nAccept-Encoding: gzip, br\r\nConnection: close\r\n\r\n",
        row.id,
        client.cookie_header()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8_lossy(&raw).to_ascii_lowercase();
    assert!(
        raw.starts_with("http/1.1 200"),
        "{}",
        &raw[..200.min(raw.len())]
    );
    assert!(raw.contains("content-length: 70000"));
    assert!(!raw.contains("content-encoding: gzip"));
    assert_eq!(
        audit_actions(&app, "space_file"),
        ["uploaded"],
        "an upload is audited"
    );
    let changes: serde_json::Value = audit_events::table
        .filter(audit_events::entity.eq("space_file"))
        .select(audit_events::changes)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(changes["name"]["after"], "contract.bin");
    assert_eq!(changes["sha256"]["after"], sha256_hex(&bytes));
    assert_eq!(changes["space"]["after"], "Contracts");
    assert!(!changes.to_string().contains("\"data\""));

    // Well above the 1 MiB limit of form bodies: uploads stream past it.
    let large: Vec<u8> = (0..3 * 1024 * 1024u32).map(|i| (i % 7) as u8).collect();
    let response = client
        .post_multipart(
            &upload_url(id, space_id),
            &[Part::file(
                "files",
                "large.bin",
                "application/octet-stream",
                &large,
            )],
        )
        .await;
    assert_eq!(response.status, 303, "{}", response.body);
    let stored_large = file_rows(&app, space_id)
        .into_iter()
        .find(|r| r.path == "large.bin")
        .unwrap();
    assert_eq!(stored_large.size, 3 * 1024 * 1024);
    assert_eq!(stored_large.sha256, sha256_hex(&large));

    // A name with non-ASCII characters downloads under its exact name.
    let response = client
        .post_multipart(
            &upload_url(id, space_id),
            &[Part::file_ext(
                "files",
                "Résumé 2026.pdf",
                "application/pdf",
                b"%PDF-1.7",
            )],
        )
        .await;
    assert_eq!(response.status, 303, "{}", response.body);
    let resume = file_rows(&app, space_id)
        .into_iter()
        .find(|r| r.path == "Résumé 2026.pdf")
        .expect("stored under its exact name");
    let download = client
        .get(&format!(
            "/contacts/{id}/spaces/{space_id}/files/{}",
            resume.id
        ))
        .await;
    assert_eq!(download.bytes, b"%PDF-1.7");
    assert_eq!(
        download.header("content-disposition"),
        Some(
            "attachment; filename=\"R_sum_ 2026.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%202026.pdf"
        )
    );

    // Files of another space, or of a space of another contact, are not found.
    let other = create_space(&client, id, "Other").await;
    let elsewhere = client
        .get(&format!("/contacts/{id}/spaces/{other}/files/{}", row.id))
        .await;
    assert_eq!(elsewhere.status, 404);
    let bob = ContactBuilder::new("Bob").create(&mut app.conn());
    let foreign = client
        .get(&format!("/contacts/{}/spaces/{space_id}", bob.id))
        .await;
    assert_eq!(foreign.status, 404);
}

#[actix_web::test]
async fn upload_several_files_with_htmx_and_a_progress_bar_form() {
    let (app, client, id) = setup_as(Role::Editor).await;
    let space_id = create_space(&client, id, "Onboarding").await;
    let page = client
        .get(&format!("/contacts/{id}/spaces/{space_id}"))
        .await;
    page.assert_contains("enctype=\"multipart/form-data\"");
    page.assert_contains("hx-encoding=\"multipart/form-data\"");
    page.assert_contains("<progress class=\"upload-progress\"");
    page.assert_contains("name=\"files\" type=\"file\" multiple");
    page.assert_contains("25 MiB each");
    // The token comes first in the form, before any file.
    let token = page.body.find("name=\"csrf_token\"").unwrap();
    let file_input = page.body.find("name=\"files\"").unwrap();
    assert!(token < file_input);

    let token = client.csrf_token().unwrap();
    let response = client
        .post_multipart_htmx(
            &upload_url(id, space_id),
            &[
                Part::text("csrf_token", &token),
                Part::file("files", "welcome.txt", "text/plain", b"Welcome aboard"),
                Part::file("files", "checklist.csv", "text/csv", b"step,done\n1,yes\n"),
                Part::file("files", "empty.txt", "text/plain", b""),
                // An input left empty sends a nameless empty part: ignored.
                Part::file("files", "", "application/octet-stream", b""),
            ],
            "upload-feedback",
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.header("hx-redirect"),
        Some(format!("/contacts/{id}/spaces/{space_id}").as_str())
    );
    let rows = file_rows(&app, space_id);
    let names: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(names, ["checklist.csv", "empty.txt", "welcome.txt"]);
    assert_eq!(rows[1].size, 0);
    assert_eq!(rows[1].sha256, sha256_hex(b""));
    assert_eq!(data_files(&app).len(), 3);

    let page = client
        .get(&format!("/contacts/{id}/spaces/{space_id}"))
        .await;
    page.assert_contains("Uploaded 3 files");
    let list = client.get(&format!("/contacts/{id}/spaces")).await;
    list.assert_contains("3 files · 30 B");
}

#[actix_web::test]
async fn an_upload_over_the_limit_is_refused_and_leaves_nothing() {
    let db = TestDb::create();
    let mut settings = Settings::with_database(db.url.clone());
    settings.upload_limit_bytes = 64 * 1024;
    let app = TestApp::spawn_with(db, settings);
    let (client, id) = prepare(&app, Role::Editor).await;
    let space_id = create_space(&client, id, "Big files").await;

    // Exactly the limit fits.
    let fits = vec![7u8; 64 * 1024];
    let response = client
        .post_multipart(
            &upload_url(id, space_id),
            &[Part::file(
                "files",
                "fits.bin",
                "application/octet-stream",
                &fits,
            )],
        )
        .await;
    assert_eq!(response.status, 303, "{}", response.body);
    let before = data_files(&app);
    assert_eq!(before.len(), 1);

    // One byte more does not, and a good file sent with it is not kept either.
    let too_big = vec![8u8; 64 * 1024 + 1];
    let response = client
        .post_multipart(
            &upload_url(id, space_id),
            &[
                Part::file("files", "small.txt", "text/plain", b"small"),
                Part::file("files", "too-big.bin", "application/octet-stream", &too_big),
            ],
        )
        .await;
    assert_eq!(response.status, 413);
    response.assert_contains("“too-big.bin” is larger than the 64 KiB limit for one file.");
    response.assert_contains("Nothing was uploaded");
    response.assert_contains("id=\"upload-files\"");
    assert_eq!(file_rows(&app, space_id).len(), 1);
    assert_eq!(
        data_files(&app),
        before,
        "no temporary or stored file is left"
    );

    // With htmx only the message comes back, for the area next to the field.
    let token = client.csrf_token().unwrap();
    let response = client
        .post_multipart_htmx(
            &upload_url(id, space_id),
            &[
                Part::text("csrf_token", &token),
                Part::file("files", "too-big.bin", "application/octet-stream", &too_big),
            ],
            "upload-feedback",
        )
        .await;
    assert_eq!(response.status, 413);
    response.assert_lacks("<html");
    response.assert_lacks("id=\"upload-files\"");
    response.assert_contains("larger than the 64 KiB limit");
    assert_eq!(all_file_rows(&app), 1);
    assert_eq!(data_files(&app), before);

    // A body declared larger than any honest upload is refused before it is read.
    let (content_type, body) = multipart_body(&[Part::file("files", "x", "text/plain", b"x")]);
    let mut stream = raw_connection(&app).await;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: localhost\r\nCookie: {}\r\nX-CSRF-Token: {token}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        upload_url(id, space_id),
        client.cookie_header(),
        64 * 1024 * 20 + 2 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
    let answer = read_status_line(&mut stream).await;
    assert!(answer.contains(" 413 "), "{answer}");
    assert_eq!(data_files(&app), before);
}

#[actix_web::test]
async fn traversal_names_are_neutralised_and_bad_names_refused() {
    let (app, client, id) = setup_as(Role::Editor).await;
    let space_id = create_space(&client, id, "Names").await;

    let response = client
        .post_multipart(
            &upload_url(id, space_id),
            &[
                Part::file(
                    "files",
                    "../../etc/passwd",
                    "text/plain",
                    b"not a password file",
                ),
                Part::file("files", "..\\\\x", "text/plain", b"backslashes"),
                Part::file(
                    "files",
                    "C:\\\\Users\\\\ada\\\\notes.txt",
                    "text/plain",
                    b"windows",
                ),
            ],
        )
        .await;
    assert_eq!(response.status, 303, "{}", response.body);
    let rows = file_rows(&app, space_id);
    let names: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(names, ["notes.txt", "passwd", "x"]);
    // Every byte written is in the space's directory, under the rows' random keys.
    let expected: Vec<PathBuf> = {
        let mut paths: Vec<PathBuf> = rows
            .iter()
            .map(|row| stored_path(&app, space_id, row))
            .collect();
        paths.sort();
        paths
    };
    assert_eq!(data_files(&app), expected);
    let outside = app.data_dir.0.parent().unwrap();
    assert!(!outside.join("etc").join("passwd").exists());
    assert!(!app.data_dir.0.join("etc").exists());

    // Names that are nothing once cleaned, or hide characters, are refused with the reason,
    // and a refused name spoils the whole upload: nothing of it is kept.
    for (part, message) in [
        (
            Part::file_ext("files", "bell\u{7}.txt", "text/plain", b"x"),
            "“bell\u{FFFD}.txt” has control characters in its name",
        ),
        (
            Part::file_ext("files", "new\nline.txt", "text/plain", b"x"),
            "has control characters in its name",
        ),
        (
            Part::file_ext("files", "invoice\u{202E}fdp.exe", "text/plain", b"x"),
            "invisible direction or formatting characters",
        ),
        (
            Part::file("files", "..", "text/plain", b"x"),
            "“..” is not a usable file name",
        ),
        (
            Part::file("files", "dir/", "text/plain", b"x"),
            "“dir/” has no file name",
        ),
        (
            Part::file("files", &"n".repeat(300), "text/plain", b"x"),
            "has a name of 300 bytes; at most 255",
        ),
    ] {
        let response = client
            .post_multipart(
                &upload_url(id, space_id),
                &[Part::file("files", "fine.txt", "text/plain", b"fine"), part],
            )
            .await;
        assert_eq!(response.status, 422, "{message}: {}", response.body);
        response.assert_contains(message);
        assert_eq!(file_rows(&app, space_id).len(), 3, "{message}");
        assert_eq!(data_files(&app), expected, "{message}");
    }

    // A raw control character inside the quoted name does not even parse: refused too.
    let response = client
        .post_multipart(
            &upload_url(id, space_id),
            &[Part::file("files", "raw\u{1}name.txt", "text/plain", b"x")],
        )
        .await;
    assert!(
        (400..500).contains(&response.status),
        "{}: {}",
        response.status,
        response.body
    );
    assert_eq!(data_files(&app), expected);
    assert_eq!(file_rows(&app, space_id).len(), 3);

    // The same name twice in one upload.
    let response = client
        .post_multipart(
            &upload_url(id, space_id),
            &[
                Part::file("files", "twice.txt", "text/plain", b"1"),
                Part::file("files", "sub/twice.txt", "text/plain", b"2"),
            ],
        )
        .await;
    assert_eq!(response.status, 422);
    response.assert_contains("“twice.txt” was chosen more than once");
    assert_eq!(data_files(&app), expected);

    // No file at all.
    let response = client.post_multipart(&upload_url(id, space_id), &[]).await;
    assert_eq!(response.status, 422);
    response.assert_contains("Choose at least one file to upload.");
}

async fn raw_connection(app: &TestApp) -> tokio::net::TcpStream {
    let address = app.address.trim_start_matches("http://");
    tokio::net::TcpStream::connect(address).await.unwrap()
}

/// Reads until the first line of the response has arrived.
async fn read_status_line(stream: &mut tokio::net::TcpStream) -> String {
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    while !answer.contains(&b'\n') {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(read)) => answer.extend_from_slice(&buffer[..read]),
            Ok(Err(error)) => panic!("{error}"),
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// The beginning of a file upload's body: the parts before the file's bytes.
fn upload_head(file_name: &str) -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes()
}

#[actix_web::test]
async fn an_interrupted_upload_leaves_no_row_and_no_file() {
    let (app, client, id) = setup_as(Role::Editor).await;
    let space_id = create_space(&client, id, "Flaky network").await;
    let token = client.csrf_token().unwrap();
    let temp_dir = app.data_dir.0.join("spaces").join(".tmp");
    let request_head = |length: usize| {
        format!(
            "POST {} HTTP/1.1\r\nHost: localhost\r\nCookie: {}\r\nX-CSRF-Token: {token}\r\n\
             Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {length}\r\n\r\n",
            upload_url(id, space_id),
            client.cookie_header(),
        )
    };

    // The client goes away in the middle of the file.
    let mut stream = raw_connection(&app).await;
    stream
        .write_all(request_head(2 * 1024 * 1024).as_bytes())
        .await
        .unwrap();
    stream.write_all(&upload_head("dropped.bin")).await.unwrap();
    stream.write_all(&vec![1u8; 300 * 1024]).await.unwrap();
    stream.flush().await.unwrap();
    // The server is writing the file to a temporary name...
    eventually("a temporary file while the upload streams", || {
        !files_under(&temp_dir).is_empty()
    })
    .await;
    // ...until the connection drops.
    drop(stream);
    eventually("the temporary file to be removed", || {
        data_files(&app).is_empty()
    })
    .await;
    assert_eq!(all_file_rows(&app), 0);

    // A body shorter than declared: the client stops sending and closes its side.
    let mut stream = raw_connection(&app).await;
    stream
        .write_all(request_head(1024 * 1024).as_bytes())
        .await
        .unwrap();
    stream.write_all(&upload_head("short.bin")).await.unwrap();
    stream.write_all(&vec![2u8; 100 * 1024]).await.unwrap();
    stream.shutdown().await.unwrap();
    let answer = read_status_line(&mut stream).await;
    assert!(answer.is_empty() || answer.contains(" 400 "), "{answer}");
    eventually("nothing on disk after a short body", || {
        data_files(&app).is_empty()
    })
    .await;
    assert_eq!(all_file_rows(&app), 0);

    // A complete upload of the same name still works afterwards.
    let response = client
        .post_multipart(
            &upload_url(id, space_id),
            &[Part::file(
                "files",
                "dropped.bin",
                "application/octet-stream",
                b"ok",
            )],
        )
        .await;
    assert_eq!(response.status, 303);
    assert_eq!(all_file_rows(&app), 1);
    assert_eq!(data_files(&app).len(), 1);
}

#[actix_web::test]
async fn an_existing_name_asks_before_replacing() {
    let (app, client, id) = setup_as(Role::Editor).await;
    let space_id = create_space(&client, id, "Contracts").await;
    let first = client
        .post_multipart(
            &upload_url(id, space_id),
            &[Part::file(
                "files",
                "terms.txt",
                "text/plain",
                b"version one",
            )],
        )
        .await;
    assert_eq!(first.status, 303);
    let original = file_rows(&app, space_id).remove(0);
    let original_path = stored_path(&app, space_id, &original);

    // Same name again: nothing changes, and the answer offers a Replace.
    let clash = client
        .post_multipart(
            &upload_url(id, space_id),
            &[
                Part::file("files", "terms.txt", "text/plain", b"version two!"),
                Part::file("files", "annex.txt", "text/plain", b"annex"),
            ],
        )
        .await;
    assert_eq!(clash.status, 409);
    clash.assert_contains("already in this space, so nothing was uploaded");
    clash.assert_contains("<li class=\"conflict-name\">terms.txt</li>");
    clash.assert_lacks("<li class=\"conflict-name\">annex.txt</li>");
    clash.assert_contains("name=\"replace\" value=\"1\"");
    clash.assert_contains("choose the same files again, then press Replace");
    assert_eq!(file_rows(&app, space_id).len(), 1);
    assert_eq!(file_rows(&app, space_id)[0].sha256, original.sha256);
    assert_eq!(data_files(&app), vec![original_path.clone()]);

    // With htmx only the message is swapped in; the file field keeps its selection.
    let token = client.csrf_token().unwrap();
    let clash = client
        .post_multipart_htmx(
            &upload_url(id, space_id),
            &[
                Part::text("csrf_token", &token),
                Part::file("files", "terms.txt", "text/plain", b"version two!"),
            ],
            "upload-feedback",
        )
        .await;
    assert_eq!(clash.status, 409);
    clash.assert_lacks("<html");
    clash.assert_contains("name=\"replace\" value=\"1\"");
    clash.assert_contains("Replace it with your files");

    // Replace, as the button posts it (htmx adds the clicked button last).
    let replaced = client
        .post_multipart_htmx(
            &upload_url(id, space_id),
            &[
                Part::text("csrf_token", &token),
                Part::file("files", "terms.txt", "text/plain", b"version two!"),
                Part::file("files", "annex.txt", "text/plain", b"annex"),
                Part::text("replace", "1"),
            ],
            "upload-feedback",
        )
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert!(replaced.header("hx-redirect").is_some());
    let rows = file_rows(&app, space_id);
    assert_eq!(rows.len(), 2);
    let terms = rows.iter().find(|r| r.path == "terms.txt").unwrap();
    assert_eq!(terms.id, original.id, "the same file, with new bytes");
    assert_eq!(terms.sha256, sha256_hex(b"version two!"));
    assert_eq!(terms.size, 12);
    assert_ne!(terms.storage_key, original.storage_key);
    // The old bytes are gone; the new ones are in place.
    assert!(!original_path.exists());
    assert_eq!(
        std::fs::read(stored_path(&app, space_id, terms)).unwrap(),
        b"version two!"
    );
    assert_eq!(data_files(&app).len(), 2);
    let page = client
        .get(&format!("/contacts/{id}/spaces/{space_id}"))
        .await;
    page.assert_contains("Uploaded 1 file and replaced 1");

    assert_eq!(
        audit_actions(&app, "space_file"),
        ["uploaded", "replaced", "uploaded"]
    );
    let changes: serde_json::Value = audit_events::table
        .filter(audit_events::action.eq("replaced"))
        .select(audit_events::changes)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(changes["name"]["before"], "terms.txt");
    assert_eq!(changes["name"]["after"], "terms.txt");
    assert_eq!(changes["size"]["before"], 11);
    assert_eq!(changes["size"]["after"], 12);
    assert_eq!(changes["sha256"]["before"], original.sha256);
    let history = client.get(&format!("/contacts/{id}/history")).await;
    history.assert_contains("replaced a file");
    history.assert_contains("uploaded a file");
}

#[actix_web::test]
async fn deleting_a_file_and_a_space_removes_rows_then_bytes() {
    let (app, client, id) = setup_as(Role::Editor).await;
    let space_id = create_space(&client, id, "Contracts").await;
    let response = client
        .post_multipart(
            &upload_url(id, space_id),
            &[
                Part::file("files", "a.txt", "text/plain", b"aaa"),
                Part::file("files", "b.csv", "text/csv", b"b,b"),
                Part::file("files", "c.pdf", "application/pdf", b"%PDF"),
            ],
        )
        .await;
    assert_eq!(response.status, 303);
    let rows = file_rows(&app, space_id);
    let c = rows.iter().find(|r| r.path == "c.pdf").unwrap().clone();

    let confirm = client
        .get(&format!(
            "/contacts/{id}/spaces/{space_id}/files/{}/delete",
            c.id
        ))
        .await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("Delete c.pdf?");
    confirm.assert_contains("Delete file");
    let deleted = client
        .post_form(
            &format!("/contacts/{id}/spaces/{space_id}/files/{}/delete", c.id),
            &[],
        )
        .await;
    assert_eq!(deleted.status, 303);
    assert_eq!(file_rows(&app, space_id).len(), 2);
    assert!(!stored_path(&app, space_id, &c).exists());
    assert_eq!(data_files(&app).len(), 2);
    let page = client.get(deleted.location().unwrap()).await;
    page.assert_contains("Deleted c.pdf");

    // A file already missing on disk is logged, not an error.
    let b = file_rows(&app, space_id)
        .into_iter()
        .find(|r| r.path == "b.csv")
        .unwrap();
    std::fs::remove_file(stored_path(&app, space_id, &b)).unwrap();
    let missing = client
        .get(&format!("/contacts/{id}/spaces/{space_id}/files/{}", b.id))
        .await;
    assert_eq!(missing.status, 404);

    let confirm = client
        .get_htmx(
            &format!("/contacts/{id}/spaces/{space_id}/delete"),
            "profile-tabs",
        )
        .await;
    assert_eq!(confirm.status, 200);
    confirm.assert_lacks("<html");
    confirm.assert_contains("Delete the space Contracts?");
    confirm.assert_contains("Its 2 files (6 B) will be deleted with it:");
    confirm.assert_contains("<li>a.txt</li>");
    confirm.assert_contains("<li>b.csv</li>");
    confirm.assert_contains("Delete space and files");

    let deleted = client
        .post_form(&format!("/contacts/{id}/spaces/{space_id}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 303);
    assert_eq!(
        deleted.location(),
        Some(format!("/contacts/{id}/spaces").as_str())
    );
    let left: i64 = spaces::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(left, 0);
    assert_eq!(all_file_rows(&app), 0);
    assert!(data_files(&app).is_empty());
    assert!(
        !app.data_dir
            .0
            .join("spaces")
            .join(space_id.to_string())
            .exists()
    );
    let list = client.get(&format!("/contacts/{id}/spaces")).await;
    list.assert_contains("Deleted the space Contracts and its 2 files");
    list.assert_contains("No spaces yet.");

    let changes: serde_json::Value = audit_events::table
        .filter(audit_events::entity.eq("space"))
        .filter(audit_events::action.eq("delete"))
        .select(audit_events::changes)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(changes["name"]["before"], "Contracts");
    assert_eq!(changes["files"]["before"], "a.txt, b.csv");
    assert_eq!(
        audit_actions(&app, "space_file"),
        ["uploaded", "uploaded", "uploaded", "delete"]
    );
}

#[actix_web::test]
async fn viewers_see_no_controls_and_cannot_write() {
    let app = TestApp::spawn().await;
    let (editor, id) = prepare(&app, Role::Editor).await;
    let space_id = create_space(&editor, id, "Contracts").await;
    let response = editor
        .post_multipart(
            &upload_url(id, space_id),
            &[Part::file("files", "a.txt", "text/plain", b"aaa")],
        )
        .await;
    assert_eq!(response.status, 303);
    let file = file_rows(&app, space_id).remove(0);
    let before = data_files(&app);

    let viewer = app.signed_in(Role::Viewer).await;
    let list = viewer.get(&format!("/contacts/{id}/spaces")).await;
    assert_eq!(list.status, 200);
    list.assert_contains(">Contracts</a>");
    list.assert_lacks("New space");
    list.assert_lacks("name=\"name\"");
    let page = viewer
        .get(&format!("/contacts/{id}/spaces/{space_id}"))
        .await;
    assert_eq!(page.status, 200);
    page.assert_contains(">a.txt</a>");
    page.assert_contains("Download");
    page.assert_lacks("type=\"file\"");
    page.assert_lacks("Rename");
    page.assert_lacks("Delete");
    let download = viewer
        .get(&format!(
            "/contacts/{id}/spaces/{space_id}/files/{}",
            file.id
        ))
        .await;
    assert_eq!(download.status, 200);
    assert_eq!(download.bytes, b"aaa");

    for url in [
        format!("/contacts/{id}/spaces/{space_id}/edit"),
        format!("/contacts/{id}/spaces/{space_id}/delete"),
        format!("/contacts/{id}/spaces/{space_id}/files/{}/delete", file.id),
    ] {
        assert_eq!(viewer.get(&url).await.status, 403, "{url}");
    }
    let forced = [
        viewer
            .post_form(&format!("/contacts/{id}/spaces"), &[("name", "Mine")])
            .await,
        viewer
            .post_form(
                &format!("/contacts/{id}/spaces/{space_id}"),
                &[("name", "Mine"), ("version", "1")],
            )
            .await,
        viewer
            .post_form(&format!("/contacts/{id}/spaces/{space_id}/delete"), &[])
            .await,
        viewer
            .post_form(
                &format!("/contacts/{id}/spaces/{space_id}/files/{}/delete", file.id),
                &[],
            )
            .await,
        viewer
            .post_multipart(
                &upload_url(id, space_id),
                &[Part::file("files", "b.txt", "text/plain", b"bbb")],
            )
            .await,
    ];
    for response in forced {
        assert_eq!(response.status, 403, "{}", response.body);
        response.assert_contains("Your role does not allow this");
    }
    let names: Vec<String> = spaces::table
        .select(spaces::name)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(names, ["Contracts"]);
    assert_eq!(file_rows(&app, space_id).len(), 1);
    assert_eq!(data_files(&app), before);
}

#[actix_web::test]
async fn uploads_without_a_valid_token_are_refused_before_anything_is_written() {
    let (app, client, id) = setup_as(Role::Editor).await;
    let space_id = create_space(&client, id, "Contracts").await;
    let token = client.csrf_token().unwrap();
    let file = Part::file("files", "a.txt", "text/plain", b"aaa");

    let attempts = [
        (
            "no token",
            client
                .post_multipart_raw(&upload_url(id, space_id), std::slice::from_ref(&file))
                .await,
        ),
        (
            "wrong token",
            client
                .post_multipart_raw(
                    &upload_url(id, space_id),
                    &[Part::text("csrf_token", "forged"), file.clone()],
                )
                .await,
        ),
        (
            "token after the file",
            client
                .post_multipart_raw(
                    &upload_url(id, space_id),
                    &[file.clone(), Part::text("csrf_token", &token)],
                )
                .await,
        ),
        (
            "token under another name",
            client
                .post_multipart_raw(
                    &upload_url(id, space_id),
                    &[Part::text("token", &token), file.clone()],
                )
                .await,
        ),
    ];
    for (what, response) in attempts {
        assert_eq!(response.status, 403, "{what}: {}", response.body);
        response.assert_contains("security token");
    }
    // The header, when sent, must be right (a right field does not save a wrong header).
    let (content_type, body) = multipart_body(&[Part::text("csrf_token", &token), file.clone()]);
    let mut stream = raw_connection(&app).await;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: localhost\r\nCookie: {}\r\nX-CSRF-Token: forged\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        upload_url(id, space_id),
        client.cookie_header(),
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
    assert!(read_status_line(&mut stream).await.contains(" 403 "));

    // Only the upload route reads its token from the body: a multipart post elsewhere
    // without the header is refused, whatever it carries.
    let delete_contact = client
        .post_multipart(&format!("/contacts/{id}/delete"), &[])
        .await;
    assert_eq!(delete_contact.status, 403);
    let still_there: i64 = rapport::models::schema::contacts::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(still_there, 1);

    assert_eq!(all_file_rows(&app), 0);
    assert!(data_files(&app).is_empty());
    assert!(
        !app.data_dir.0.join("spaces").exists(),
        "nothing was even started on disk"
    );

    // The right token as the first field works.
    let ok = client
        .post_multipart(&upload_url(id, space_id), &[file])
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(all_file_rows(&app), 1);
}

#[actix_web::test]
async fn purging_the_contact_leaves_its_spaces_detached() {
    let (app, client, id) = setup_as(Role::Editor).await;
    let space_id = create_space(&client, id, "Contracts").await;
    let response = client
        .post_multipart(
            &upload_url(id, space_id),
            &[Part::file("files", "a.txt", "text/plain", b"kept")],
        )
        .await;
    assert_eq!(response.status, 303);
    let file = file_rows(&app, space_id).remove(0);

    let confirm = client.get(&format!("/contacts/{id}/delete")).await;
    confirm.assert_contains("1 space with its files, no longer linked to a contact");
    let deleted = client
        .post_form(&format!("/contacts/{id}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 303);
    let purged = client
        .post_form(&format!("/contacts/{id}/purge"), &[])
        .await;
    assert_eq!(purged.status, 303);

    let contact_id: Option<i64> = spaces::table
        .find(space_id)
        .select(spaces::contact_id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(contact_id, None);
    assert_eq!(file_rows(&app, space_id).len(), 1);
    assert_eq!(
        std::fs::read(stored_path(&app, space_id, &file)).unwrap(),
        b"kept"
    );
    // The contact's URLs are gone with it.
    let gone = client
        .get(&format!("/contacts/{id}/spaces/{space_id}"))
        .await;
    assert_eq!(gone.status, 404);
}

#[actix_web::test]
async fn long_lists_are_paginated() {
    let (app, client, id) = setup_as(Role::Editor).await;
    let actor = Actor::System("test fixture".into());
    let mut ids = Vec::new();
    for n in 1..=30 {
        let draft = SpaceDraft {
            name: format!("Space {n:02}"),
            description: None,
        };
        let created = space::create(&mut app.conn(), id, &draft, &actor).unwrap();
        ids.push(created.id);
    }
    let first = client.get(&format!("/contacts/{id}/spaces")).await;
    first.assert_contains("Spaces <span class=\"count\">30</span>");
    first.assert_contains(">Space 30</a>");
    first.assert_contains(">Space 06</a>");
    first.assert_lacks(">Space 05</a>");
    let older = format!("/contacts/{id}/spaces?before={}", ids[5]);
    first.assert_contains(&format!("href=\"{older}\""));
    let second = client.get_htmx(&older, "profile-tabs").await;
    second.assert_lacks("<html");
    second.assert_contains(">Space 05</a>");
    second.assert_contains(">Space 01</a>");
    second.assert_lacks(">Space 06</a>");
    second.assert_contains("Newest spaces");
    second.assert_lacks("Older spaces");

    // 55 files: 50 on the first page, by name.
    let space_id = ids[0];
    let rows: Vec<_> = (1..=55)
        .map(|n| {
            (
                space_files::space_id.eq(space_id),
                space_files::path.eq(format!("file-{n:02}.txt")),
                space_files::size.eq(1i64),
                space_files::content_type.eq("text/plain"),
                space_files::sha256.eq(sha256_hex(b"x")),
                space_files::storage_key.eq(format!("{n:032x}")),
                space_files::uploaded_by_name.eq("Fixture"),
            )
        })
        .collect();
    diesel::insert_into(space_files::table)
        .values(&rows)
        .execute(&mut app.conn())
        .unwrap();
    let page = client
        .get(&format!("/contacts/{id}/spaces/{space_id}"))
        .await;
    page.assert_contains(">file-01.txt</a>");
    page.assert_contains(">file-50.txt</a>");
    page.assert_lacks(">file-51.txt</a>");
    page.assert_contains("55 files · 55 B");
    let more = format!("/contacts/{id}/spaces/{space_id}?after=file-50.txt");
    page.assert_contains(&format!("href=\"{more}\""));
    let next = client.get(&more).await;
    next.assert_contains(">file-51.txt</a>");
    next.assert_contains(">file-55.txt</a>");
    next.assert_lacks(">file-50.txt</a>");
    next.assert_contains("First files");
}
