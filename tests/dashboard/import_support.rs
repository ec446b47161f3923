//! Shared steps of the import tests: fixture files, uploading, sending the mapping screen's
//! form as the page preset it, waiting for a job.

use crate::common::client::Part;
use crate::common::{Response, TestApp, TestClient};
use diesel::prelude::*;
use rapport::domain::JobId;
use rapport::models::job::{self, Job};
use rapport::models::schema::contacts;
use std::time::{Duration, Instant};

/// A file of `tests/fixtures/import`.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/import")
            .join(name),
    )
    .unwrap()
}

/// Posts `bytes` as the import page's file, as a browser without JavaScript does.
pub async fn upload(client: &TestClient, file_name: &str, bytes: &[u8]) -> Response {
    // The page gives the client its CSRF token.
    let page = client.get("/contacts/import").await;
    assert_eq!(page.status, 200, "{}", page.body);
    client
        .post_multipart(
            "/contacts/import",
            &[Part::file("file", file_name, "text/csv", bytes)],
        )
        .await
}

/// Uploads a file that must be accepted; returns its mapping screen's URL.
pub async fn upload_ok(client: &TestClient, file_name: &str, bytes: &[u8]) -> String {
    let response = upload(client, file_name, bytes).await;
    assert_eq!(response.status, 303, "{}", response.body);
    let location = response.location().unwrap().to_string();
    assert!(
        location.starts_with("/contacts/import/uploads/"),
        "{location}"
    );
    location
}

/// The fields the mapping screen's form sends as rendered: each select's chosen option,
/// each input's value and each checked radio.
pub fn preset_fields(page: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut at = 0;
    while let Some(offset) = page[at..].find('<') {
        let start = at + offset;
        let end = page[start..].find('>').map_or(page.len(), |e| start + e);
        let tag = &page[start..end];
        at = end;
        if tag.starts_with("<select") {
            let name = attribute(tag, "name").unwrap();
            let close = page[start..].find("</select>").unwrap() + start;
            let options = &page[end..close];
            let chosen = options
                .split("<option")
                .skip(1)
                .find(|option| option.contains(" selected"))
                .or_else(|| options.split("<option").nth(1))
                .and_then(|option| attribute(option, "value"))
                .unwrap_or_default();
            fields.push((name, chosen));
            at = close;
        } else if tag.starts_with("<input") {
            let kind = attribute(tag, "type").unwrap_or_else(|| "text".into());
            if let Some(name) = attribute(tag, "name")
                && (kind != "radio" || tag.contains(" checked"))
            {
                fields.push((name, attribute(tag, "value").unwrap_or_default()));
            }
        }
    }
    fields
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// Undoes askama's escaping of attribute values.
fn unescape(text: &str) -> String {
    text.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&")
}

/// Sends the mapping screen at `url` as preset, with `changes` replacing fields; returns the
/// answer.
pub async fn send_mapping(
    client: &TestClient,
    url: &str,
    changes: &[(&str, &str)],
) -> (Response, Response) {
    let page = client.get(url).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mut fields = preset_fields(&page.body);
    fields.retain(|(name, _)| name != "csrf_token");
    for (name, value) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value.to_string(),
            None => fields.push((name.to_string(), value.to_string())),
        }
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let answer = client.post_form(url, &borrowed).await;
    (page, answer)
}

/// Starts the dry run of an uploaded file with the preset mapping (and `changes`); returns
/// the dry run's id.
pub async fn start_dry_run(client: &TestClient, url: &str, changes: &[(&str, &str)]) -> JobId {
    let (_, answer) = send_mapping(client, url, changes).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    job_of(answer.location().unwrap())
}

/// The job a job page's URL names.
pub fn job_of(location: &str) -> JobId {
    let id = location
        .strip_prefix("/contacts/import/jobs/")
        .unwrap_or_else(|| panic!("not a job page: {location}"));
    JobId(id.parse().unwrap())
}

/// Waits (at most a minute) until the job ended; returns it as it ended. Asynchronously:
/// the worker runs on the test's own runtime.
pub async fn wait_for_job(app: &TestApp, id: JobId) -> Job {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let found = job::find(&mut app.conn(), id).unwrap();
        if found.is_finished() {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} did not finish: {found:?}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The five counts of a job, in their order.
pub fn counts(found: &Job) -> [i64; 5] {
    ["new", "updated", "unchanged", "skipped", "invalid"].map(|name| found.count(name))
}

pub fn contact_count(app: &TestApp) -> i64 {
    contacts::table.count().get_result(&mut app.conn()).unwrap()
}

/// Presses "Import these rows" on a finished dry run; returns the import's id.
pub async fn run_import(client: &TestClient, dry_run: JobId) -> JobId {
    let page = client
        .get(&format!("/contacts/import/jobs/{dry_run}"))
        .await;
    page.assert_contains("Import these rows");
    let answer = client
        .post_form(&format!("/contacts/import/jobs/{dry_run}/run"), &[])
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    job_of(answer.location().unwrap())
}
