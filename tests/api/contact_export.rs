//! `contact/export` in its three formats, past the size of one page.

use crate::common::builders::ContactBuilder;
use crate::common::{Response, TestApp};
use crate::contact_support::assert_error;
use diesel::prelude::*;
use rapport::domain::api_token::TokenRole;
use serde_json::{Value, json};
use std::collections::HashSet;

async fn export(app: &TestApp, token: &str, query: &str, accept: Option<&str>) -> Response {
    let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
    app.client()
        .api(
            "GET",
            &format!("/api/v1/contact/export{query}"),
            Some(token),
            &headers,
            None,
        )
        .await
}

/// RFC 4180 records: quoted fields may hold commas, quotes (doubled) and line breaks; an
/// unquoted empty field is `None`.
fn parse_csv(text: &str) -> Vec<Vec<Option<String>>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let field = if chars.peek() == Some(&'"') {
            chars.next();
            let mut value = String::new();
            loop {
                match chars.next().expect("unterminated quoted field") {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        value.push('"');
                    }
                    '"' => break,
                    c => value.push(c),
                }
            }
            Some(value)
        } else {
            let mut value = String::new();
            while let Some(c) = chars.peek().copied().filter(|c| !",\r\n".contains(*c)) {
                value.push(c);
                chars.next();
            }
            (!value.is_empty()).then_some(value)
        };
        record.push(field);
        match chars.next() {
            Some(',') => {}
            Some('\r') => {
                assert_eq!(chars.next(), Some('\n'), "records end with CRLF");
                records.push(std::mem::take(&mut record));
                if chars.peek().is_none() {
                    return records;
                }
            }
            None => panic!("the last record lacks its CRLF: {record:?}"),
            Some(other) => panic!("unexpected {other:?} after a field"),
        }
    }
}

#[actix_web::test]
async fn json_jsonl_and_csv_hold_the_same_contacts() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Viewer);
    let ada = ContactBuilder::new("Ada \"The Countess\", of Lovelace")
        .email("ada@example.com")
        .preferences("Line one\nLine two")
        .meta("plan", "pro")
        .create(&mut app.conn());
    let bob = ContactBuilder::new("Bob").nick("b").create(&mut app.conn());

    let json_export = export(&app, &token, "", None).await;
    assert_eq!(json_export.status, 200);
    assert_eq!(json_export.header("content-type"), Some("application/json"));
    let items = json_export.json()["items"].as_array().unwrap().clone();
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [bob.id.to_string(), ada.id.to_string()],
        "newest first"
    );
    assert_eq!(items[1]["meta"], json!({"plan": "pro"}));
    assert_eq!(items[0]["email"], Value::Null);
    let explicit = export(&app, &token, "", Some("application/json")).await;
    assert_eq!(explicit.json()["items"].as_array().unwrap().len(), 2);

    let lines = export(&app, &token, "?order=asc", Some("application/jsonl")).await;
    assert_eq!(lines.header("content-type"), Some("application/jsonl"));
    let events: Vec<Value> = lines
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0],
        json!({"type": "item", "data": items[1]}),
        "same object as JSON"
    );

    let csv = export(&app, &token, "", Some("text/csv")).await;
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        csv.header("content-disposition")
            .unwrap()
            .contains("contacts.csv")
    );
    let records = parse_csv(&csv.body);
    let header: Vec<&str> = records[0].iter().map(|f| f.as_deref().unwrap()).collect();
    assert_eq!(
        header,
        [
            "id",
            "name",
            "description",
            "fingerprint",
            "email",
            "phone",
            "nick",
            "preferences",
            "verifiedAt",
            "meta",
            "createdAt",
            "updatedAt"
        ]
    );
    assert_eq!(records.len(), 3);
    let row = &records[2];
    assert_eq!(row[0].as_deref(), Some(ada.id.to_string().as_str()));
    assert_eq!(
        row[1].as_deref(),
        Some("Ada \"The Countess\", of Lovelace"),
        "quotes and commas survive"
    );
    assert_eq!(
        row[7].as_deref(),
        Some("Line one\nLine two"),
        "line breaks survive"
    );
    assert_eq!(
        row[9].as_deref(),
        Some(r#"{"plan":"pro"}"#),
        "meta as compact JSON"
    );
    assert_eq!(
        row[10].as_deref(),
        Some(ada.created_at.timestamp_millis().to_string().as_str())
    );
    assert_eq!(records[1][4], None, "null is an empty field");
    assert_eq!(records[1][6].as_deref(), Some("b"));

    // The list's filters apply; take does not cut an export short.
    let pro = export(&app, &token, "?meta.plan=pro&take=1", None).await;
    assert_eq!(pro.json()["items"].as_array().unwrap().len(), 1);
    let after_bob = export(&app, &token, &format!("?cursor={}", bob.id), None).await;
    assert_eq!(after_bob.json()["items"][0]["id"], ada.id.to_string());
    let bad = export(&app, &token, "?cursor=abc", None).await;
    assert_error(&bad, 400, "BAD_REQUEST", "cursor: ");
}

#[actix_web::test]
async fn an_empty_export_is_well_formed_in_each_format() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Viewer);
    assert_eq!(
        export(&app, &token, "", None).await.json(),
        json!({"items": []})
    );
    assert_eq!(
        export(&app, &token, "", Some("application/jsonl"))
            .await
            .body,
        ""
    );
    let csv = export(&app, &token, "", Some("text/csv")).await;
    assert_eq!(parse_csv(&csv.body).len(), 1, "the header row only");
}

#[actix_web::test]
async fn large_exports_stream_every_page() {
    let app = TestApp::spawn().await;
    // More than two pages of 500, with ties on created_at across a page boundary.
    diesel::sql_query(
        "INSERT INTO contacts (name, source, created_at) \
         SELECT 'Bulk ' || g, 'import', timestamp '2025-01-01' + (g / 7) * interval '1 second' \
         FROM generate_series(1, 1203) g",
    )
    .execute(&mut app.conn())
    .unwrap();
    let token = app.api_token(TokenRole::Viewer);
    let all = export(&app, &token, "", None).await;
    assert_eq!(all.header("transfer-encoding"), Some("chunked"), "streamed");
    let items = all.json()["items"].as_array().unwrap().clone();
    let ids: HashSet<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!((items.len(), ids.len()), (1203, 1203));
    let lines = export(&app, &token, "?order=asc", Some("application/jsonl")).await;
    assert_eq!(lines.body.lines().count(), 1203);
    assert!(!lines.body.contains("\n\n"));
    let csv = export(&app, &token, "", Some("text/csv")).await;
    assert_eq!(parse_csv(&csv.body).len(), 1204);
}

#[actix_web::test]
async fn csv_cells_that_a_spreadsheet_would_run_as_formulas_are_prefixed() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Viewer);
    let evil = ContactBuilder::new("=HYPERLINK(\"http://evil.example\")")
        .description("@SUM(A1)")
        .nick("-2+3")
        .meta("phone", "+1-555")
        .create(&mut app.conn());
    let plain = ContactBuilder::new("Ada 'quoted' = fine").create(&mut app.conn());

    let csv = export(&app, &token, "", Some("text/csv")).await;
    assert_eq!(csv.status, 200);
    let records = parse_csv(&csv.body);
    assert_eq!(records.len(), 3);
    let row = &records[2];
    assert_eq!(row[0].as_deref(), Some(evil.id.to_string().as_str()));
    assert_eq!(
        row[1].as_deref(),
        Some("'=HYPERLINK(\"http://evil.example\")"),
        "a formula in a name is text"
    );
    assert_eq!(row[2].as_deref(), Some("'@SUM(A1)"));
    assert_eq!(row[6].as_deref(), Some("'-2+3"));
    assert_eq!(
        row[9].as_deref(),
        Some(r#"{"phone":"+1-555"}"#),
        "meta is a JSON object: it starts with a brace and is left alone"
    );
    assert_eq!(
        records[1][1].as_deref(),
        Some("Ada 'quoted' = fine"),
        "only the first character matters"
    );
    assert_eq!(
        records[1][0].as_deref(),
        Some(plain.id.to_string().as_str())
    );

    // JSON exports are data, not spreadsheets: they keep the value as stored.
    let json_export = export(&app, &token, "?order=asc", None).await;
    assert_eq!(
        json_export.json()["items"][0]["name"],
        "=HYPERLINK(\"http://evil.example\")"
    );
}

#[actix_web::test]
async fn each_export_is_audited_with_the_token_its_filter_and_count() {
    use rapport::models::schema::audit_events;
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Viewer);
    ContactBuilder::new("Ada")
        .meta("plan", "pro")
        .create(&mut app.conn());
    ContactBuilder::new("Bob").create(&mut app.conn());
    export(&app, &token, "?meta.plan=pro&order=asc", Some("text/csv")).await;
    export(&app, &token, "", Some("application/jsonl")).await;
    let events: Vec<(String, String, Option<i64>, Value)> = audit_events::table
        .filter(audit_events::entity.eq("contact_export"))
        .filter(audit_events::action.eq("export"))
        .select((
            audit_events::actor_kind,
            audit_events::actor_name,
            audit_events::contact_id,
            audit_events::changes,
        ))
        .order(audit_events::id)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(events.len(), 2);
    let (kind, name, contact, changes) = &events[0];
    assert_eq!(
        (kind.as_str(), name.as_str(), *contact),
        ("token", "viewer bot", None)
    );
    assert_eq!(changes["format"]["after"], "csv");
    assert_eq!(
        changes["filter"]["after"],
        json!({"order": "asc", "meta": {"plan": "pro"}})
    );
    assert_eq!(changes["count"]["after"], 1);
    assert_eq!(changes["complete"]["after"], true);
    assert_eq!(events[1].3["format"]["after"], "jsonl");
    assert_eq!(events[1].3["count"]["after"], 2);
}
