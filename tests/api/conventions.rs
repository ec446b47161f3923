//! What every endpoint shares: authentication, roles, errors, methods, lists and JSON lines.

use crate::common::TestApp;
use crate::common::builders::ContactBuilder;
use rapport::config::Settings;
use rapport::domain::api_token::TokenRole;
use serde_json::json;

#[actix_web::test]
async fn requests_without_a_valid_token_get_401_json() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for token in [None, Some("rpt_not-a-token")] {
        let response = client
            .api("GET", "/api/v1/contact/list", token, &[], None)
            .await;
        assert_eq!(response.status, 401);
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(response.json()["code"], "NOT_AUTHENTICATED");
    }
    // A revoked token stops working at once.
    let token = app.api_token(TokenRole::Viewer);
    assert_eq!(
        client
            .api("GET", "/api/v1/contact/list", Some(&token), &[], None)
            .await
            .status,
        200
    );
    rapport::models::api_token::revoke(
        &mut app.conn(),
        rapport::domain::ApiTokenId(1),
        &rapport::models::Actor::System("test".into()),
    )
    .unwrap();
    assert_eq!(
        client
            .api("GET", "/api/v1/contact/list", Some(&token), &[], None)
            .await
            .status,
        401
    );
}

#[actix_web::test]
async fn fetch_returns_every_field_with_nulls_and_milliseconds() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada Lovelace")
        .email("ada@example.com")
        .meta("plan", "pro")
        .create(&mut app.conn());
    let token = app.api_token(TokenRole::Viewer);
    for prefix in ["/api/v1", "/v1"] {
        let response = app
            .client()
            .api(
                "GET",
                &format!("{prefix}/contact/{}/fetch", ada.id),
                Some(&token),
                &[],
                None,
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(response.header("content-type"), Some("application/json"));
        let body = response.json();
        assert_eq!(body["id"], ada.id.to_string());
        assert_eq!(body["name"], "Ada Lovelace");
        assert_eq!(body["email"], "ada@example.com");
        assert_eq!(body["phone"], serde_json::Value::Null);
        assert_eq!(body["meta"], json!({"plan": "pro"}));
        assert_eq!(body["createdAt"], ada.created_at.timestamp_millis());
        assert!(body["verifiedAt"].is_i64());
        for key in [
            "description",
            "nick",
            "preferences",
            "fingerprint",
            "updatedAt",
        ] {
            assert!(body.get(key).is_some(), "{key} present");
        }
    }
    let missing = app
        .client()
        .api(
            "GET",
            "/api/v1/contact/999999/fetch",
            Some(&token),
            &[],
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.json(),
        json!({"message": missing.json()["message"], "code": "NOT_FOUND"})
    );
}

/// An id in a path that cannot name a row (not a number, zero, negative, fractional, too
/// large) is a 404 with the API's JSON error, in any position and for reads and writes alike.
#[actix_web::test]
async fn ids_that_cannot_exist_are_404_json() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let token = app.api_token(TokenRole::Editor);
    let client = app.client();
    let id = ada.id;
    for bad in ["abc", "0", "-1", "1.5", "99999999999999999999"] {
        let requests = [
            ("GET", format!("/api/v1/contact/{bad}/fetch")),
            ("GET", format!("/api/v1/contact/{bad}/memory/list")),
            ("POST", format!("/api/v1/contact/{bad}/update")),
            ("POST", format!("/api/v1/contact/{id}/secret/{bad}/update")),
            ("POST", format!("/api/v1/memory/{bad}/delete")),
            ("POST", format!("/api/v1/task/{bad}/update")),
            ("GET", format!("/api/v1/space/{bad}/storage/list")),
            ("POST", format!("/api/v1/conversation/{bad}/upvote")),
            (
                "POST",
                format!("/api/v1/conversation/1/message/{bad}/downvote"),
            ),
        ];
        for (method, path) in &requests {
            let body = (*method == "POST").then(|| json!({}));
            let response = client
                .api(method, path, Some(&token), &[], body.as_ref())
                .await;
            assert_eq!(response.status, 404, "{method} {path}");
            assert_eq!(response.header("content-type"), Some("application/json"));
            let answer = response.json();
            assert_eq!(
                answer,
                json!({"message": answer["message"], "code": "NOT_FOUND"}),
                "{method} {path}"
            );
            assert!(answer["message"].is_string(), "{method} {path}");
        }
    }
    // Authentication still comes first.
    let anonymous = client
        .api("GET", "/api/v1/contact/abc/fetch", None, &[], None)
        .await;
    assert_eq!(anonymous.status, 401);
}

#[actix_web::test]
async fn wrong_methods_are_405_and_options_is_200() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    let client = app.client();
    let wrong = client
        .api(
            "POST",
            "/api/v1/contact/list",
            Some(&token),
            &[],
            Some(&json!({})),
        )
        .await;
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.json()["code"], "METHOD_NOT_ALLOWED");
    let options = client
        .api("OPTIONS", "/api/v1/contact/list", None, &[], None)
        .await;
    assert_eq!(options.status, 200);
    assert_eq!(options.json(), json!({}));
    let unknown = client
        .api("GET", "/api/v1/nothing/here", Some(&token), &[], None)
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["code"], "NOT_FOUND");
}

#[actix_web::test]
async fn lists_page_by_cursor_and_filter_by_meta() {
    let app = TestApp::spawn().await;
    for i in 0..5 {
        ContactBuilder::new(&format!("Person {i}"))
            .meta("plan", if i % 2 == 0 { "pro" } else { "free" })
            .create(&mut app.conn());
    }
    let token = app.api_token(TokenRole::Viewer);
    let client = app.client();
    let first = client
        .api(
            "GET",
            "/api/v1/contact/list?take=2",
            Some(&token),
            &[],
            None,
        )
        .await
        .json();
    let names: Vec<_> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, [json!("Person 4"), json!("Person 3")]);
    let cursor = first["cursor"].as_str().unwrap().to_string();
    let second = client
        .api(
            "GET",
            &format!("/api/v1/contact/list?take=2&cursor={cursor}"),
            Some(&token),
            &[],
            None,
        )
        .await
        .json();
    let names: Vec<_> = second["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, [json!("Person 2"), json!("Person 1")]);
    let ascending = client
        .api(
            "GET",
            "/api/v1/contact/list?order=asc&take=1",
            Some(&token),
            &[],
            None,
        )
        .await
        .json();
    assert_eq!(ascending["items"][0]["name"], "Person 0");
    let pro = client
        .api(
            "GET",
            "/api/v1/contact/list?meta.plan=pro",
            Some(&token),
            &[],
            None,
        )
        .await
        .json();
    assert_eq!(pro["items"].as_array().unwrap().len(), 3);
    let none = client
        .api(
            "GET",
            "/api/v1/contact/list?meta.plan=gold",
            Some(&token),
            &[],
            None,
        )
        .await
        .json();
    assert_eq!(none, json!({"items": []}), "no cursor on an empty page");
    let bad = client
        .api(
            "GET",
            "/api/v1/contact/list?cursor=abc",
            Some(&token),
            &[],
            None,
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["code"], "BAD_REQUEST");
}

#[actix_web::test]
async fn json_lines_stream_every_page_up_to_take() {
    let app = TestApp::spawn().await;
    diesel::RunQueryDsl::execute(
        diesel::sql_query("INSERT INTO contacts (name, source) SELECT 'Bulk ' || g, 'import' FROM generate_series(1, 250) g"),
        &mut app.conn(),
    )
    .unwrap();
    let token = app.api_token(TokenRole::Viewer);
    let client = app.client();
    let all = client
        .api(
            "GET",
            "/api/v1/contact/list?take=1000",
            Some(&token),
            &[("accept", "application/jsonl")],
            None,
        )
        .await;
    assert_eq!(all.status, 200);
    assert_eq!(all.header("content-type"), Some("application/jsonl"));
    assert!(
        all.body.ends_with('\n') && !all.body.contains("\n\n"),
        "no blank lines"
    );
    let lines: Vec<serde_json::Value> = all
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // take is clamped to 100 per page but, in JSON lines, counts the whole stream.
    assert_eq!(lines.len(), 100);
    assert!(
        lines
            .iter()
            .all(|l| l["type"] == "item" && l["data"]["id"].is_string())
    );
    let limited = client
        .api(
            "GET",
            "/api/v1/contact/list?take=30",
            Some(&token),
            &[("accept", "application/jsonl")],
            None,
        )
        .await;
    assert_eq!(limited.body.lines().count(), 30);
}

#[actix_web::test]
async fn each_token_is_rate_limited() {
    let db = crate::common::TestDb::create();
    let mut settings = Settings::with_database(db.url.clone());
    settings.api_requests_per_minute = 3;
    let app = TestApp::spawn_with(db, settings);
    let token = app.api_token(TokenRole::Viewer);
    let other = app.api_token(TokenRole::Viewer);
    let client = app.client();
    for _ in 0..3 {
        assert_eq!(
            client
                .api("GET", "/api/v1/contact/list", Some(&token), &[], None)
                .await
                .status,
            200
        );
    }
    let limited = client
        .api("GET", "/api/v1/contact/list", Some(&token), &[], None)
        .await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json()["code"], "LIMITS_REACHED");
    // The delay is in a header clients honour (the SDK and most HTTP libraries read it), and
    // agrees with the message: within the one-minute window, never zero.
    let retry_after: u64 = limited
        .header("retry-after")
        .expect("a 429 says when to retry")
        .parse()
        .expect("Retry-After in whole seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let message = limited.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains(&format!("try again in {retry_after} s")),
        "{message}"
    );
    assert_eq!(
        client
            .api("GET", "/api/v1/contact/list", Some(&other), &[], None)
            .await
            .status,
        200
    );
}
