//! Helpers of the contact API tests: requests with a token, and checks of the answers'
//! shapes, of the audit trail and of the number of contacts.

use crate::common::{Response, TestApp};
use diesel::prelude::*;
use rapport::models::contact;
use rapport::models::schema::audit_events;
use serde_json::Value;

/// `POST path` with a JSON body and a token.
pub async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> Response {
    app.client()
        .api("POST", path, Some(token), &[], Some(&body))
        .await
}

/// `GET path` with a token.
pub async fn get(app: &TestApp, token: &str, path: &str) -> Response {
    app.client().api("GET", path, Some(token), &[], None).await
}

/// The id a write answered with, checking the answer's shape.
pub fn id_of(response: &Response) -> i64 {
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body = response.json();
    assert_eq!(body.as_object().unwrap().len(), 1, "only the id: {body}");
    body["id"]
        .as_str()
        .expect("ids are strings")
        .parse()
        .unwrap()
}

/// Asserts an error answer: status, code, and (when given) the start of its message.
pub fn assert_error(response: &Response, status: u16, code: &str, message_start: &str) {
    assert_eq!(response.status, status, "{}", response.body);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body = response.json();
    assert_eq!(body["code"], code, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with(message_start),
        "{message:?} should start with {message_start:?}"
    );
}

/// (actor kind, actor name, action, changes) of a contact's own audit events, oldest first.
pub fn audit_events_of(app: &TestApp, id: impl Into<i64>) -> Vec<(String, String, String, Value)> {
    audit_events::table
        .filter(audit_events::entity.eq("contact"))
        .filter(audit_events::entity_id.eq(id.into()))
        .select((
            audit_events::actor_kind,
            audit_events::actor_name,
            audit_events::action,
            audit_events::changes,
        ))
        .order(audit_events::id)
        .load(&mut app.conn())
        .unwrap()
}

pub fn contact_count(app: &TestApp) -> i64 {
    contact::count(&mut app.conn()).unwrap()
}

/// `contact/{id}/fetch`, which must succeed.
pub async fn fetch(app: &TestApp, token: &str, id: impl std::fmt::Display) -> Value {
    let response = get(app, token, &format!("/api/v1/contact/{id}/fetch")).await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.json()
}

/// A POST whose body is sent as given (not valid JSON on purpose).
pub async fn raw_post(app: &TestApp, token: &str, path: &str, body: &str) -> Response {
    use http_body_util::{BodyExt, Full};
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;
    let client: Client<_, Full<hyper::body::Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let request = hyper::Request::post(format!("{}{path}", app.address))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(hyper::body::Bytes::from(body.to_string())))
        .unwrap();
    let response = client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Response {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes: bytes.to_vec(),
    }
}
