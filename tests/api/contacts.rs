//! `contact/create`, and what every contact write shares: validation (422 naming the field),
//! bad bodies (400), duplicates (409 naming the contact), tokens and roles (401, 403), methods
//! (405).

use crate::common::TestApp;
use crate::common::builders::ContactBuilder;
use crate::contact_support::{
    assert_error, audit_events_of, contact_count, fetch, id_of, post, raw_post,
};
use rapport::domain::api_token::TokenRole;
use rapport::models::contact;
use serde_json::{Value, json};

#[actix_web::test]
async fn create_stores_every_field_and_audits_the_token() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    let created = post(
        &app,
        &token,
        "/api/v1/contact/create",
        json!({
            "name": "  Jane Doe ", "description": "Customer since 2019",
            "fingerprint": " user-000000000000000001 ", "email": "Jane@Example.com",
            "phone": "(212) 555-0147", "nick": "jj", "preferences": "Be brief",
            "verifiedAt": 1_700_000_000_000_i64, "meta": {"tier": "gold", "score": 42, "tags": ["a"]}
        }),
    )
    .await;
    let id = id_of(&created);
    let body = fetch(&app, &token, id).await;
    assert_eq!(body["name"], "Jane Doe");
    assert_eq!(body["fingerprint"], "user-000000000000000001");
    assert_eq!(body["email"], "Jane@Example.com", "stored as typed");
    assert_eq!(body["phone"], "+12125550147");
    assert_eq!(body["verifiedAt"], 1_700_000_000_000_i64);
    assert_eq!(
        body["meta"],
        json!({"tier": "gold", "score": 42, "tags": ["a"]})
    );
    let row = contact::find(&mut app.conn(), rapport::domain::ContactId(id)).unwrap();
    assert_eq!(row.source, "api");
    let events = audit_events_of(&app, id);
    assert_eq!(events.len(), 1);
    let (kind, actor, action, changes) = &events[0];
    assert_eq!(
        (kind.as_str(), actor.as_str(), action.as_str()),
        ("token", "editor bot", "create")
    );
    assert_eq!(changes["phone"]["after"], "+12125550147");

    // Without verifiedAt or a fingerprint: unverified, with a fingerprint of its own.
    let plain = id_of(&post(&app, &token, "/api/v1/contact/create", json!({"nick": "x"})).await);
    let body = fetch(&app, &token, plain).await;
    assert_eq!(body["verifiedAt"], Value::Null);
    assert!(body["fingerprint"].as_str().unwrap().len() >= 16);
    assert_eq!(body["meta"], json!({}));
}

#[actix_web::test]
async fn create_refuses_each_bad_field_with_422_naming_it() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    let many_keys: serde_json::Map<String, Value> =
        (0..101).map(|i| (format!("k{i}"), json!(i))).collect();
    let cases = [
        (json!({"name": "n".repeat(201)}), "name: "),
        (
            json!({"name": "Ada", "description": "d".repeat(2001)}),
            "description: ",
        ),
        (
            json!({"email": "jane@"}),
            "email: This is not a valid email address",
        ),
        (json!({"phone": "12"}), "phone: "),
        (json!({"name": "Ada", "nick": "two\nlines"}), "nick: "),
        (
            json!({"name": "Ada", "preferences": "p".repeat(10_001)}),
            "preferences: ",
        ),
        (
            json!({"fingerprint": "user-1"}),
            "fingerprint: A fingerprint must have at least 16",
        ),
        (
            json!({"name": "Ada", "verifiedAt": i64::MAX}),
            "verifiedAt: ",
        ),
        (
            json!({"name": "Ada", "meta": {"_private": 1}}),
            "meta._private: ",
        ),
        (json!({"name": "Ada", "meta": ["a"]}), "meta: "),
        (
            json!({"name": "Ada", "meta": many_keys}),
            "meta: At most 100",
        ),
        (json!({}), "name: Give the contact at least"),
        (
            json!({"name": "  ", "email": null}),
            "name: Give the contact at least",
        ),
    ];
    for (body, message) in cases {
        let response = post(&app, &token, "/api/v1/contact/create", body.clone()).await;
        assert_error(&response, 422, "UNPROCESSABLE_ENTITY", message);
    }
    // Every bad field at once, each named.
    let both = post(
        &app,
        &token,
        "/api/v1/contact/create",
        json!({"email": "x", "phone": "1"}),
    )
    .await;
    let message = both.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.starts_with("email: ") && message.contains(" phone: "),
        "{message}"
    );
    assert_eq!(contact_count(&app), 0, "nothing half-written");
}

#[actix_web::test]
async fn bad_json_and_unknown_keys_are_400() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    let unknown = post(
        &app,
        &token,
        "/api/v1/contact/create",
        json!({"name": "Ada", "verified_at": 1}),
    )
    .await;
    assert_error(
        &unknown,
        400,
        "BAD_REQUEST",
        "The request body is not acceptable",
    );
    assert!(
        unknown.json()["message"]
            .as_str()
            .unwrap()
            .contains("verified_at")
    );
    let wrong_type = post(&app, &token, "/api/v1/contact/create", json!({"name": 5})).await;
    assert_error(&wrong_type, 400, "BAD_REQUEST", "");
    let not_json = app
        .client()
        .api("POST", "/api/v1/contact/create", Some(&token), &[], None)
        .await;
    // An empty body reads as {} (then fails validation), broken JSON is a 400.
    assert_error(&not_json, 422, "UNPROCESSABLE_ENTITY", "name: ");
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    for path in [
        "/api/v1/contact/create".to_string(),
        "/api/v1/contact/ensure".to_string(),
        format!("/api/v1/contact/{}/update", ada.id),
        format!("/api/v1/contact/{}/delete", ada.id),
    ] {
        let broken = raw_post(&app, &token, &path, "{\"name\": ").await;
        assert_error(
            &broken,
            400,
            "BAD_REQUEST",
            "The request body is not acceptable",
        );
    }
    let delete_with_options = post(
        &app,
        &token,
        &format!("/api/v1/contact/{}/delete", ada.id),
        json!({"force": true}),
    )
    .await;
    assert_error(&delete_with_options, 400, "BAD_REQUEST", "");
    assert_eq!(contact_count(&app), 1);
}

#[actix_web::test]
async fn duplicates_are_409_naming_the_contact_that_has_them() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    let jane = ContactBuilder::new("Jane")
        .email("jane@example.com")
        .create(&mut app.conn());
    let same_email = post(
        &app,
        &token,
        "/api/v1/contact/create",
        json!({"email": "JANE@example.com"}),
    )
    .await;
    assert_error(
        &same_email,
        409,
        "CONFLICT",
        &format!("email: contact {} already has this email", jane.id),
    );
    let bot = id_of(
        &post(
            &app,
            &token,
            "/api/v1/contact/create",
            json!({"fingerprint": "user-000000000000000001"}),
        )
        .await,
    );
    let same_fingerprint = post(
        &app,
        &token,
        "/api/v1/contact/create",
        json!({"name": "Other", "fingerprint": "user-000000000000000001 "}),
    )
    .await;
    assert_error(
        &same_fingerprint,
        409,
        "CONFLICT",
        &format!("fingerprint: contact {bot} already has this fingerprint"),
    );
    // The same through update.
    let taken = post(
        &app,
        &token,
        &format!("/api/v1/contact/{bot}/update"),
        json!({"email": "Jane@Example.COM"}),
    )
    .await;
    assert_error(
        &taken,
        409,
        "CONFLICT",
        &format!("email: contact {} already", jane.id),
    );
    let taken = post(
        &app,
        &token,
        &format!("/api/v1/contact/{}/update", jane.id),
        json!({"fingerprint": "user-000000000000000001"}),
    )
    .await;
    assert_error(
        &taken,
        409,
        "CONFLICT",
        &format!("fingerprint: contact {bot} already"),
    );
    assert_eq!(contact_count(&app), 2);
}

#[actix_web::test]
async fn writes_need_a_token_and_viewers_cannot_write() {
    let app = TestApp::spawn().await;
    let viewer = app.api_token(TokenRole::Viewer);
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let writes = [
        ("/api/v1/contact/create".to_string(), json!({"name": "Eve"})),
        ("/api/v1/contact/ensure".to_string(), json!({"name": "Eve"})),
        (
            format!("/api/v1/contact/{}/update", ada.id),
            json!({"name": "Eve"}),
        ),
        (format!("/api/v1/contact/{}/delete", ada.id), json!({})),
    ];
    for (path, body) in &writes {
        let anonymous = app.client().api("POST", path, None, &[], Some(body)).await;
        assert_error(&anonymous, 401, "NOT_AUTHENTICATED", "");
        let read_only = post(&app, &viewer, path, body.clone()).await;
        assert_error(&read_only, 403, "NOT_AUTHORIZED", "");
    }
    let export = app
        .client()
        .api("GET", "/api/v1/contact/export", None, &[], None)
        .await;
    assert_error(&export, 401, "NOT_AUTHENTICATED", "");
    assert_eq!(contact_count(&app), 1);
    assert_eq!(fetch(&app, &viewer, ada.id).await["name"], "Ada");
}

#[actix_web::test]
async fn each_path_answers_only_its_method() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    for (method, path) in [
        ("GET", "/api/v1/contact/create"),
        ("GET", "/api/v1/contact/ensure"),
        ("GET", "/api/v1/contact/1/update"),
        ("PUT", "/api/v1/contact/1/update"),
        ("DELETE", "/api/v1/contact/1/delete"),
        ("POST", "/api/v1/contact/export"),
        ("GET", "/v1/contact/1/delete"),
    ] {
        let response = app
            .client()
            .api(method, path, Some(&token), &[], None)
            .await;
        assert_error(&response, 405, "METHOD_NOT_ALLOWED", "");
    }
    let options = app
        .client()
        .api("OPTIONS", "/api/v1/contact/create", None, &[], None)
        .await;
    assert_eq!((options.status, options.json()), (200, json!({})));
}
