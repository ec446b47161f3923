//! Shared by the tests of the related-object endpoints: a client bound to one token, raw
//! bodies (uploads), and reading the audit trail with its actor.

use crate::common::{Response, TestApp, TestClient};
use diesel::prelude::*;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rapport::domain::ContactId;
use rapport::domain::api_token::TokenRole;
use serde_json::Value;

/// Requests under `/api/v1` with one token.
pub struct Api {
    pub client: TestClient,
    pub token: String,
    address: String,
}

impl Api {
    pub fn new(app: &TestApp, role: TokenRole) -> Api {
        Api {
            client: app.client(),
            token: app.api_token(role),
            address: app.address.clone(),
        }
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .api(
                "GET",
                &format!("/api/v1{path}"),
                Some(&self.token),
                &[],
                None,
            )
            .await
    }

    /// A GET of every item as JSON lines.
    pub async fn lines(&self, path: &str) -> Vec<Value> {
        let response = self
            .client
            .api(
                "GET",
                &format!("/api/v1{path}"),
                Some(&self.token),
                &[("accept", "application/jsonl")],
                None,
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        assert_eq!(response.header("content-type"), Some("application/jsonl"));
        assert!(!response.body.contains("\n\n"), "no blank lines");
        response
            .body
            .lines()
            .map(|line| {
                let event: Value = serde_json::from_str(line).unwrap();
                assert_eq!(event["type"], "item");
                event["data"].clone()
            })
            .collect()
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.client
            .api(
                "POST",
                &format!("/api/v1{path}"),
                Some(&self.token),
                &[],
                Some(&body),
            )
            .await
    }

    /// A POST whose body is `bytes` exactly, with this content type.
    pub async fn post_raw(&self, path: &str, content_type: &str, bytes: Vec<u8>) -> Response {
        let request = Request::builder()
            .method("POST")
            .uri(format!("{}/api/v1{path}", self.address))
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", content_type)
            .body(Full::new(Bytes::from(bytes)))
            .unwrap();
        let response = Client::builder(TokioExecutor::new())
            .build_http()
            .request(request)
            .await
            .expect("the server did not answer");
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
}

/// Asserts an API error: status, JSON content type, code, and (when given) a piece of the
/// message.
pub fn assert_error(response: &Response, status: u16, code: &str, message_part: Option<&str>) {
    assert_eq!(response.status, status, "{}", response.body);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let body = response.json();
    assert_eq!(body["code"], code, "{}", response.body);
    if let Some(part) = message_part {
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(part), "{part:?} not in {message:?}");
    }
}

/// The id a write answered with, as a number.
pub fn id_of(response: &Response) -> i64 {
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("content-type"), Some("application/json"));
    response.json()["id"].as_str().unwrap().parse().unwrap()
}

/// One audit event, with who made it.
#[derive(Debug, Clone)]
pub struct Event {
    pub actor_kind: String,
    pub actor_name: String,
    pub action: String,
    pub contact_id: Option<ContactId>,
    pub changes: Value,
}

/// The audit trail of one row, oldest first, with the actor.
/// `id` is any table's id: the trail names rows of all of them.
pub fn events(app: &TestApp, entity: &str, id: impl Into<i64>) -> Vec<Event> {
    use rapport::models::schema::audit_events;
    let rows: Vec<(String, String, String, Option<ContactId>, Value)> = audit_events::table
        .filter(audit_events::entity.eq(entity))
        .filter(audit_events::entity_id.eq(id.into()))
        .select((
            audit_events::actor_kind,
            audit_events::actor_name,
            audit_events::action,
            audit_events::contact_id,
            audit_events::changes,
        ))
        .order(audit_events::id)
        .load(&mut app.conn())
        .unwrap();
    rows.into_iter()
        .map(
            |(actor_kind, actor_name, action, contact_id, changes)| Event {
                actor_kind,
                actor_name,
                action,
                contact_id,
                changes,
            },
        )
        .collect()
}

/// Asserts the row's last event was `action` by the editor token (`app.api_token` names
/// tokens "<role> bot").
pub fn assert_audited(app: &TestApp, entity: &str, id: impl Into<i64>, action: &str) -> Event {
    let id = id.into();
    let event = events(app, entity, id)
        .pop()
        .unwrap_or_else(|| panic!("no audit event for {entity} {id}"));
    assert_eq!(event.action, action, "{event:?}");
    assert_eq!(event.actor_kind, "token");
    assert_eq!(event.actor_name, "editor bot");
    event
}

/// How many rows a table has.
pub fn count(app: &TestApp, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result::<Count>(&mut app.conn())
        .unwrap()
        .n
}

/// The ids of a JSON list's items, in order.
pub fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect()
}
