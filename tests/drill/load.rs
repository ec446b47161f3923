//! The load: API clients that create contacts and memories as fast as they are answered, and
//! write down every request they sent and how it ended.
//!
//! Every write carries a marker of its own (a contact's email, a memory's text), so that a
//! write whose answer said nothing about its outcome (a 503) can still be looked for in the
//! database afterwards.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Longer than any answer may take: a request still unanswered then is a hang.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Contact,
    Memory,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The status, and the `id` of a 2xx body.
    Answered { status: u16, id: Option<i64> },
    /// No answer within [`CLIENT_TIMEOUT`].
    Hung,
    /// The connection failed or the body was cut off.
    Transport(String),
}

/// One write as the client saw it.
#[derive(Debug, Clone)]
pub struct Write {
    pub kind: Kind,
    /// The contact's email, or the memory's text.
    pub marker: String,
    /// For a memory: the contact it was for.
    pub contact_id: Option<i64>,
    /// Since the drill began.
    pub sent: Duration,
    pub answered: Duration,
    pub outcome: Outcome,
}

impl Write {
    pub fn status(&self) -> Option<u16> {
        match self.outcome {
            Outcome::Answered { status, .. } => Some(status),
            _ => None,
        }
    }

    pub fn acknowledged(&self) -> bool {
        self.status().is_some_and(|s| (200..300).contains(&s))
    }

    pub fn refused(&self) -> bool {
        self.status() == Some(503)
    }

    pub fn id(&self) -> Option<i64> {
        match self.outcome {
            Outcome::Answered { id, .. } => id,
            _ => None,
        }
    }

    pub fn took(&self) -> Duration {
        self.answered.saturating_sub(self.sent)
    }
}

/// One API client (its own connections) writing until `until`.
pub struct Writer {
    number: usize,
    base: String,
    token: String,
    http: Client<HttpConnector, Full<Bytes>>,
}

impl Writer {
    pub fn new(number: usize, base: &str, token: &str) -> Writer {
        Writer {
            number,
            base: base.to_string(),
            token: token.to_string(),
            http: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// A contact, then two memories for it, and again, until `until`; a memory goes to the
    /// last contact whose creation was acknowledged. Nothing is retried: each request is one
    /// write whose fate the drill checks.
    pub async fn run(self, began: Instant, until: Instant) -> Vec<Write> {
        let mut writes = Vec::new();
        let mut contact: Option<i64> = None;
        let mut step = 0usize;
        while Instant::now() < until {
            step += 1;
            let write = match contact {
                Some(id) if step % 3 != 1 => {
                    let text = format!("drill memory c{} n{step}", self.number);
                    let body = json!({"contactId": id.to_string(), "text": text});
                    self.send(
                        began,
                        Kind::Memory,
                        text,
                        Some(id),
                        "/api/v1/memory/create",
                        body,
                    )
                    .await
                }
                _ => {
                    let email = format!("drill-c{}-n{step}@example.com", self.number);
                    let body =
                        json!({"name": format!("Drill {} {step}", self.number), "email": email});
                    self.send(
                        began,
                        Kind::Contact,
                        email,
                        None,
                        "/api/v1/contact/create",
                        body,
                    )
                    .await
                }
            };
            if write.kind == Kind::Contact && write.acknowledged() {
                contact = write.id();
            }
            let failed = !write.acknowledged();
            writes.push(write);
            if failed {
                // The server said the database is away; a real client backs off a little.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        writes
    }

    async fn send(
        &self,
        began: Instant,
        kind: Kind,
        marker: String,
        contact_id: Option<i64>,
        path: &str,
        body: Value,
    ) -> Write {
        let sent = began.elapsed();
        let outcome = match tokio::time::timeout(CLIENT_TIMEOUT, self.post(path, &body)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::Hung,
        };
        Write {
            kind,
            marker,
            contact_id,
            sent,
            answered: began.elapsed(),
            outcome,
        }
    }

    async fn post(&self, path: &str, body: &Value) -> Outcome {
        let request = Request::builder()
            .method(Method::POST)
            .uri(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("a well-formed request");
        let response = match self.http.request(request).await {
            Ok(response) => response,
            Err(error) => return Outcome::Transport(error.to_string()),
        };
        let status = response.status().as_u16();
        let bytes = match response.into_body().collect().await {
            Ok(body) => body.to_bytes(),
            Err(error) => return Outcome::Transport(error.to_string()),
        };
        let id = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|json| json["id"].as_str().and_then(|id| id.parse().ok()));
        Outcome::Answered { status, id }
    }
}
