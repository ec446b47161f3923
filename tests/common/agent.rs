//! A local agent webhook for tests: an actix server on a free port that checks each request's
//! `Rapport-Signature` with the integration's webhook secret and answers as scripted. Used by
//! the webhook tests of tests/intake and by the widget scenario of tests/browser.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use rapport::intake::webhook::signature;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How the test agent answers one request.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// 200 with this JSON.
    Reply(Value),
    /// This status, with a short text body.
    Status(u16),
    /// Answers only after this long (past the client's time-out).
    Hang(Duration),
}

/// One request the agent received.
#[derive(Clone, Debug)]
pub struct Received {
    pub at: Instant,
    pub signature: String,
    pub signature_ok: bool,
    pub body: Value,
}

struct AgentState {
    secret: Mutex<String>,
    script: Mutex<VecDeque<Behaviour>>,
    /// Used once the script is exhausted.
    otherwise: Behaviour,
    received: Mutex<Vec<Received>>,
}

/// A local agent webhook.
pub struct TestAgent {
    pub url: String,
    state: web::Data<AgentState>,
    server: actix_web::dev::ServerHandle,
}

async fn answer(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AgentState>,
) -> HttpResponse {
    let header = request
        .headers()
        .get(signature::HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let now = chrono::Utc::now().timestamp();
    let secret = state.secret.lock().unwrap().clone();
    let signature_ok = signature::verify(
        secret.as_bytes(),
        &header,
        &body,
        now,
        signature::TOLERANCE_SECS,
    )
    .is_ok();
    state.received.lock().unwrap().push(Received {
        at: Instant::now(),
        signature: header,
        signature_ok,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    if !signature_ok {
        return HttpResponse::Unauthorized().body("bad signature");
    }
    let behaviour = state
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| state.otherwise.clone());
    match behaviour {
        Behaviour::Reply(value) => HttpResponse::Ok()
            .content_type("application/json")
            .body(value.to_string()),
        Behaviour::Status(code) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
                .body("agent exploded")
        }
        Behaviour::Hang(duration) => {
            actix_web::rt::time::sleep(duration).await;
            HttpResponse::Ok().json(json!({"reply": "too late"}))
        }
    }
}

impl TestAgent {
    /// Starts an agent that answers `script` in order, then `otherwise`.
    pub fn start(script: Vec<Behaviour>, otherwise: Behaviour) -> TestAgent {
        let state = web::Data::new(AgentState {
            secret: Mutex::new(String::new()),
            script: Mutex::new(script.into()),
            otherwise,
            received: Mutex::new(Vec::new()),
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/agent", listener.local_addr().unwrap());
        let data = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(answer))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        TestAgent {
            url,
            state,
            server: handle,
        }
    }

    /// An agent that always answers 200 with `answer`.
    pub fn replying(answer: Value) -> TestAgent {
        TestAgent::start(Vec::new(), Behaviour::Reply(answer))
    }

    /// The webhook secret to check signatures with (known once the integration exists).
    pub fn set_secret(&self, secret: &str) {
        *self.state.secret.lock().unwrap() = secret.to_string();
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    pub async fn stop(self) {
        self.server.stop(false).await;
    }
}
