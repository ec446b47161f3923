//! `space/create|{id}/update|{id}/delete` and `space/{id}/storage/list|upload|download|delete`.

use crate::common::builders::ContactBuilder;
use crate::common::client::{Part, multipart_body};
use crate::common::{TestApp, TestDb};
use crate::related_support::{Api, assert_audited, assert_error, count, id_of, ids};
use rapport::config::Settings;
use rapport::domain::api_token::TokenRole;
use rapport::domain::{ContactId, SpaceId};
use rapport::models::space;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Every file under the test's data directory (stored bytes and leftovers alike).
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
    out
}

fn stored_files(app: &TestApp) -> Vec<PathBuf> {
    files_under(&app.data_dir.0)
}

/// Bytes that are not text, so any re-encoding would show.
fn sample(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 7 % 256) as u8).collect()
}

async fn new_space(api: &Api, contact: Option<ContactId>) -> i64 {
    let body = match contact {
        Some(id) => json!({"contactId": id, "name": "Contracts"}),
        None => json!({"name": "Contracts"}),
    };
    id_of(&api.post("/space/create", body).await)
}

#[actix_web::test]
async fn spaces_are_created_updated_and_deleted() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    let created = api
        .post(
            "/space/create",
            json!({"contactId": ada.id.to_string(), "name": " Contracts ", "description": "Signed PDFs"}),
        )
        .await;
    let id = id_of(&created);
    let row = space::find(&mut app.conn(), SpaceId(id)).unwrap();
    assert_eq!(row.name, "Contracts");
    assert_eq!(row.description.as_deref(), Some("Signed PDFs"));
    assert_eq!(row.contact_id, Some(ada.id));
    let event = assert_audited(&app, "space", id, "create");
    assert_eq!(event.contact_id, Some(ada.id));

    let renamed = api
        .post(
            &format!("/space/{id}/update"),
            json!({"name": "Signed contracts"}),
        )
        .await;
    assert_eq!(id_of(&renamed), id);
    let row = space::find(&mut app.conn(), SpaceId(id)).unwrap();
    assert_eq!(row.name, "Signed contracts");
    assert_eq!(row.description.as_deref(), Some("Signed PDFs"));
    assert_audited(&app, "space", id, "update");
    api.post(&format!("/space/{id}/update"), json!({"description": null}))
        .await;
    assert_eq!(
        space::find(&mut app.conn(), SpaceId(id))
            .unwrap()
            .description,
        None
    );

    for (path, body, field) in [
        (
            "/space/create",
            json!({"contactId": ada.id}),
            "name: Give the space a name",
        ),
        ("/space/create", json!({"name": "x".repeat(201)}), "name:"),
        (
            "/space/create",
            json!({"name": "ok", "contactId": 999999}),
            "contactId:",
        ),
        (
            &format!("/space/{id}/update") as &str,
            json!({"name": ""}),
            "name:",
        ),
        (
            &format!("/space/{id}/update"),
            json!({"description": "d".repeat(2_001)}),
            "description:",
        ),
    ] {
        let refused = api.post(path, body).await;
        assert_error(&refused, 422, "UNPROCESSABLE_ENTITY", Some(field));
    }
    let unknown = api
        .post("/space/create", json!({"name": "x", "alias": "y"}))
        .await;
    assert_error(&unknown, 400, "BAD_REQUEST", Some("alias"));
    assert_eq!(count(&app, "spaces"), 1);
    let missing = api.post("/space/999999/update", json!({"name": "x"})).await;
    assert_error(&missing, 404, "NOT_FOUND", None);

    let viewer = Api::new(&app, TokenRole::Viewer);
    for (path, body) in [
        ("/space/create".to_string(), json!({"name": "x"})),
        (format!("/space/{id}/update"), json!({"name": "x"})),
        (format!("/space/{id}/delete"), json!({})),
        (
            format!("/space/{id}/storage/delete"),
            json!({"path": "a.txt"}),
        ),
    ] {
        let refused = viewer.post(&path, body).await;
        assert_error(&refused, 403, "NOT_AUTHORIZED", None);
        let wrong = viewer.get(&path).await;
        assert_error(&wrong, 405, "METHOD_NOT_ALLOWED", None);
    }
    let refused = viewer
        .post_raw(
            &format!("/space/{id}/storage/upload?path=a.txt"),
            "text/plain",
            b"hello".to_vec(),
        )
        .await;
    assert_error(&refused, 403, "NOT_AUTHORIZED", None);
    assert!(stored_files(&app).is_empty());

    // Deleting a space takes its files, rows and bytes.
    let upload = api
        .post_raw(
            &format!("/space/{id}/storage/upload?path=a.bin"),
            "application/octet-stream",
            sample(300),
        )
        .await;
    assert_eq!(upload.status, 200, "{}", upload.body);
    assert_eq!(stored_files(&app).len(), 1);
    let deleted = api.post(&format!("/space/{id}/delete"), json!({})).await;
    assert_eq!(id_of(&deleted), id);
    assert!(space::find(&mut app.conn(), SpaceId(id)).is_err());
    assert_eq!(count(&app, "space_files"), 0);
    assert!(stored_files(&app).is_empty());
    let event = assert_audited(&app, "space", id, "delete");
    assert_eq!(event.changes["files"]["before"], "a.bin");
    let again = api.post(&format!("/space/{id}/delete"), json!({})).await;
    assert_error(&again, 404, "NOT_FOUND", None);
}

#[actix_web::test]
async fn files_round_trip_byte_for_byte() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    let id = new_space(&api, Some(ada.id)).await;
    let bytes = sample(200_000);

    // Multipart, named by the part's file name.
    let (content_type, body) = multipart_body(&[Part::file(
        "file",
        "report.bin",
        "application/x-custom",
        &bytes,
    )]);
    let uploaded = api
        .post_raw(&format!("/space/{id}/storage/upload"), &content_type, body)
        .await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.body);
    assert_eq!(uploaded.header("content-type"), Some("application/json"));
    let file = uploaded.json();
    assert_eq!(file["path"], "report.bin");
    assert_eq!(file["size"], 200_000);
    assert_eq!(file["contentType"], "application/x-custom");
    let sha = {
        use sha2::Digest;
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    assert_eq!(file["sha256"], sha);
    let file_id: i64 = file["id"].as_str().unwrap().parse().unwrap();
    let event = assert_audited(&app, "space_file", file_id, "uploaded");
    assert_eq!(event.contact_id, Some(ada.id));

    let downloaded = api
        .get(&format!("/space/{id}/storage/download?path=report.bin"))
        .await;
    assert_eq!(downloaded.status, 200);
    assert_eq!(downloaded.bytes, bytes, "identical bytes");
    assert_eq!(
        downloaded.header("content-type"),
        Some("application/x-custom")
    );
    assert!(
        downloaded
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment")
    );

    // Multipart with a `path` part (directories dropped, as in the dashboard), and a raw body
    // with ?path= (in a space of no contact).
    let (content_type, body) = multipart_body(&[
        Part::text("path", "../docs/notes.txt"),
        Part::file("file", "ignored.txt", "text/plain", b"first line\r\n"),
    ]);
    let notes = api
        .post_raw(&format!("/space/{id}/storage/upload"), &content_type, body)
        .await;
    assert_eq!(notes.json()["path"], "notes.txt");
    let loose = new_space(&api, None).await;
    let raw = api
        .post_raw(
            &format!("/space/{loose}/storage/upload?path=data.csv"),
            "text/csv; charset=utf-8",
            b"a,b\n1,2\n".to_vec(),
        )
        .await;
    assert_eq!(raw.status, 200, "{}", raw.body);
    assert_eq!(raw.json()["contentType"], "text/csv");
    let fetched = api
        .get(&format!("/space/{loose}/storage/download?path=data.csv"))
        .await;
    assert_eq!(fetched.bytes, b"a,b\n1,2\n");

    // The list, like every list.
    let listed = api
        .get(&format!("/space/{id}/storage/list?order=asc"))
        .await
        .json();
    let paths: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["report.bin", "notes.txt"]);
    assert!(listed["items"][0]["createdAt"].is_i64());
    let lines = api.lines(&format!("/space/{id}/storage/list?take=1")).await;
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["path"], "notes.txt");

    // The same name again: refused unless replacing.
    let clash = api
        .post_raw(
            &format!("/space/{id}/storage/upload?path=notes.txt"),
            "text/plain",
            b"second".to_vec(),
        )
        .await;
    assert_error(&clash, 409, "CONFLICT", Some("replace=true"));
    let replaced = api
        .post_raw(
            &format!("/space/{id}/storage/upload?path=notes.txt&replace=true"),
            "text/plain",
            b"second".to_vec(),
        )
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.json()["size"], 6);
    let again = api
        .get(&format!("/space/{id}/storage/download?path=notes.txt"))
        .await;
    assert_eq!(again.bytes, b"second");
    assert_eq!(stored_files(&app).len(), 3, "the replaced bytes are gone");

    // Delete a file: row and bytes.
    let deleted = api
        .post(
            &format!("/space/{id}/storage/delete"),
            json!({"path": "notes.txt"}),
        )
        .await;
    let deleted_id = id_of(&deleted);
    assert_audited(&app, "space_file", deleted_id, "delete");
    assert_eq!(stored_files(&app).len(), 2);
    let gone = api
        .get(&format!("/space/{id}/storage/download?path=notes.txt"))
        .await;
    assert_error(&gone, 404, "NOT_FOUND", None);
    let twice = api
        .post(
            &format!("/space/{id}/storage/delete"),
            json!({"path": "notes.txt"}),
        )
        .await;
    assert_error(&twice, 404, "NOT_FOUND", None);
    assert_eq!(
        ids(&api.get(&format!("/space/{id}/storage/list")).await.json()["items"]).len(),
        1
    );
}

#[actix_web::test]
async fn upload_errors_leave_nothing_behind() {
    let db = TestDb::create();
    let mut settings = Settings::with_database(db.url.clone());
    settings.upload_limit_bytes = 1_000;
    let app = TestApp::spawn_with(db, settings);
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    let id = new_space(&api, Some(ada.id)).await;
    let upload = format!("/space/{id}/storage/upload");

    // One byte over the limit, raw and multipart; and far over it (refused by its length).
    let over = api
        .post_raw(
            &format!("{upload}?path=big.bin"),
            "application/octet-stream",
            sample(1_001),
        )
        .await;
    assert_eq!(over.status, 413, "{}", over.body);
    assert_eq!(over.header("content-type"), Some("application/json"));
    let (content_type, body) = multipart_body(&[Part::file(
        "file",
        "big.bin",
        "application/octet-stream",
        &sample(1_001),
    )]);
    let over = api.post_raw(&upload, &content_type, body).await;
    assert_eq!(over.status, 413, "{}", over.body);
    let huge = api
        .post_raw(
            &format!("{upload}?path=huge.bin"),
            "application/octet-stream",
            sample(3_000_000),
        )
        .await;
    assert_eq!(huge.status, 413);
    // Exactly the limit is fine.
    let fits = api
        .post_raw(
            &format!("{upload}?path=fits.bin"),
            "application/octet-stream",
            sample(1_000),
        )
        .await;
    assert_eq!(fits.status, 200, "{}", fits.body);
    assert_eq!(count(&app, "space_files"), 1);
    assert_eq!(stored_files(&app).len(), 1, "no temporary file is left");

    // Unusable requests.
    let no_path = api
        .post_raw(&upload, "application/octet-stream", sample(10))
        .await;
    assert_error(&no_path, 422, "UNPROCESSABLE_ENTITY", Some("path:"));
    let dot = api
        .post_raw(&format!("{upload}?path=.."), "text/plain", sample(10))
        .await;
    assert_error(&dot, 422, "UNPROCESSABLE_ENTITY", Some("path:"));
    let (content_type, body) = multipart_body(&[Part::text("path", "a.txt")]);
    let no_file = api.post_raw(&upload, &content_type, body).await;
    assert_error(&no_file, 422, "UNPROCESSABLE_ENTITY", Some("file:"));
    let (content_type, body) = multipart_body(&[
        Part::file("file", "a.txt", "text/plain", b"a"),
        Part::file("file", "b.txt", "text/plain", b"b"),
    ]);
    let two = api.post_raw(&upload, &content_type, body).await;
    assert_error(
        &two,
        422,
        "UNPROCESSABLE_ENTITY",
        Some("file: Send one file"),
    );
    let (content_type, body) = multipart_body(&[
        Part::file("file", "a.txt", "text/plain", b"a"),
        Part::text("comment", "hi"),
    ]);
    let extra = api.post_raw(&upload, &content_type, body).await;
    assert_error(&extra, 400, "BAD_REQUEST", Some("comment"));
    let broken = api
        .post_raw(
            &upload,
            "multipart/form-data; boundary=xyz",
            b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc"
                .to_vec(),
        )
        .await;
    assert_error(&broken, 400, "BAD_REQUEST", None);
    let unknown_query = api
        .post_raw(
            &format!("{upload}?path=a.txt&mode=x"),
            "text/plain",
            b"a".to_vec(),
        )
        .await;
    assert_error(&unknown_query, 400, "BAD_REQUEST", Some("mode"));
    let missing = api
        .post_raw(
            "/space/999999/storage/upload?path=a.txt",
            "text/plain",
            b"a".to_vec(),
        )
        .await;
    assert_error(&missing, 404, "NOT_FOUND", None);
    let wrong = api.get(&upload).await;
    assert_error(&wrong, 405, "METHOD_NOT_ALLOWED", None);

    assert_eq!(count(&app, "space_files"), 1);
    assert_eq!(stored_files(&app).len(), 1, "nothing else on disk");

    // Downloads and deletes name the file.
    let no_name = api.get(&format!("/space/{id}/storage/download")).await;
    assert_error(&no_name, 422, "UNPROCESSABLE_ENTITY", Some("path:"));
    let no_space = api
        .get("/space/999999/storage/download?path=fits.bin")
        .await;
    assert_error(&no_space, 404, "NOT_FOUND", None);
    let no_list = api.get("/space/999999/storage/list").await;
    assert_error(&no_list, 404, "NOT_FOUND", None);
    let nameless = api
        .post(&format!("/space/{id}/storage/delete"), json!({}))
        .await;
    assert_error(&nameless, 422, "UNPROCESSABLE_ENTITY", Some("path:"));
    let extra_field = api
        .post(
            &format!("/space/{id}/storage/delete"),
            json!({"path": "fits.bin", "recursive": true}),
        )
        .await;
    assert_error(&extra_field, 400, "BAD_REQUEST", Some("recursive"));
    assert_eq!(count(&app, "space_files"), 1);
}
