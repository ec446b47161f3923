//! Helpers of the agent webhook tests: the local test agent (tests/common/agent.rs, re-exported
//! here), a tiny SMTP relay that keeps what it is sent, integrations with a webhook, and user messages stored the way intake stores them
//! (in one transaction with `notify_agent`).

use crate::common::TestApp;
use crate::common::builders::ContactBuilder;
use diesel::prelude::*;
use rapport::config::Settings;
use rapport::domain::integration::{IntegrationDraft, IntegrationKind};
use rapport::intake::webhook::settings::WebhookSettings;
use rapport::intake::webhook::worker::{self, WorkerHandle};
use rapport::models::Actor;
use rapport::models::Contact;
use rapport::models::conversation::{self, Conversation, NewConversation};
use rapport::models::integration::{self, Integration};
use rapport::models::message::{self, Message, NewMessage};
use rapport::models::schema::{conversations, messages};
use rapport::models::webhook_delivery::{self, WebhookDelivery};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use crate::common::agent::{Behaviour, TestAgent};

/// A tiny SMTP relay (no TLS, no auth) that keeps each message's DATA.
pub struct TestRelay {
    pub url: String,
    pub messages: Arc<Mutex<Vec<String>>>,
}

impl TestRelay {
    pub fn start() -> TestRelay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "smtp://127.0.0.1:{}?tls=none",
            listener.local_addr().unwrap().port()
        );
        let messages = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&messages);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                let mut say = |line: &str| {
                    let _ = writer.write_all(format!("{line}\r\n").as_bytes());
                };
                say("220 relay.test ESMTP");
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let command = line.trim_end().to_ascii_uppercase();
                    if command.starts_with("EHLO") || command.starts_with("HELO") {
                        say("250-relay.test");
                        say("250 8BITMIME");
                    } else if command.starts_with("DATA") {
                        say("354 go ahead");
                        let mut data = String::new();
                        loop {
                            line.clear();
                            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == ".\r\n" {
                                break;
                            }
                            data.push_str(&line);
                        }
                        kept.lock().unwrap().push(data);
                        say("250 queued");
                    } else if command.starts_with("QUIT") {
                        say("221 bye");
                        break;
                    } else {
                        say("250 OK");
                    }
                }
            }
        });
        TestRelay { url, messages }
    }
}

/// The app's settings with the webhook settings read from these variables (and a time-out).
/// The egress rules stay the app's (the test agent's allowance) unless the variables set
/// `RAPPORT_WEBHOOK_ALLOW_*` themselves.
pub fn settings_with(app: &TestApp, vars: &[(&str, &str)], timeout: Duration) -> Settings {
    let sets_egress = vars
        .iter()
        .any(|(k, _)| k.starts_with("RAPPORT_WEBHOOK_ALLOW_"));
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let mut settings = app.settings.clone();
    settings.webhook = WebhookSettings::from_env(&lookup).unwrap();
    settings.webhook.timeout = timeout;
    if !sets_egress {
        settings.webhook.egress = app.settings.webhook.egress.clone();
    }
    settings
}

/// Starts the delivery worker against the app's database.
pub fn start_worker(app: &TestApp, settings: &Settings) -> WorkerHandle {
    worker::spawn(app.pool.clone(), settings).unwrap()
}

/// An integration of `kind` whose agent webhook is `url` (or none), and its signing secret.
pub fn integration_with_webhook(
    app: &TestApp,
    kind: IntegrationKind,
    name: &str,
    url: Option<&str>,
) -> (Integration, Option<String>) {
    let mut draft = IntegrationDraft::named(name);
    draft.agent_webhook_url = url.map(str::to_string);
    let keyring = app.settings.secrets_keyring().unwrap();
    let (row, credentials) = integration::create(
        &mut app.conn(),
        &keyring,
        kind,
        &draft,
        &Actor::System("test".into()),
    )
    .unwrap();
    let secret = credentials.webhook_secret.map(|s| s.to_string());
    (row, secret)
}

/// A contact for the conversations.
pub fn ada(app: &TestApp) -> Contact {
    ContactBuilder::new("Ada Lovelace")
        .email("ada@example.com")
        .create(&mut app.conn())
}

/// A conversation of `contact` through `integration` on `channel`.
pub fn conversation_for(
    app: &TestApp,
    integration: &Integration,
    contact: Option<&Contact>,
    channel: &str,
    subject: Option<&str>,
) -> Conversation {
    let conn = &mut app.conn();
    let row = conversation::insert(
        conn,
        &NewConversation {
            contact_id: contact.map(|c| c.id),
            channel: channel.into(),
            subject: subject.map(str::to_string),
            meta: json!({}),
            created_at: None,
        },
    )
    .unwrap();
    diesel::update(conversations::table.find(row.id))
        .set(conversations::integration_id.eq(integration.id))
        .execute(conn)
        .unwrap();
    row
}

/// Stores a user message as intake does: with `notify_agent` in the same transaction.
pub fn user_message(
    app: &TestApp,
    integration: &Integration,
    conversation: &Conversation,
    text: &str,
    meta: Value,
    external_id: Option<&str>,
) -> Message {
    app.conn()
        .transaction(|conn| {
            let stored = message::insert_all(
                conn,
                &[NewMessage {
                    conversation_id: conversation.id,
                    role: "user".into(),
                    text: text.into(),
                    meta,
                    created_at: None,
                }],
            )?
            .remove(0);
            if let Some(id) = external_id {
                diesel::update(messages::table.find(stored.id))
                    .set(messages::external_id.eq(id))
                    .execute(conn)?;
            }
            rapport::models::webhook_delivery::notify_agent(
                conn,
                integration,
                conversation.id,
                stored.id,
            )?;
            Ok::<_, diesel::result::Error>(stored)
        })
        .unwrap()
}

pub fn deliveries(app: &TestApp, conversation: &Conversation) -> Vec<WebhookDelivery> {
    webhook_delivery::for_conversation(&mut app.conn(), conversation.id).unwrap()
}

/// The conversation's messages, oldest first.
pub fn transcript(app: &TestApp, conversation: &Conversation) -> Vec<Message> {
    messages::table
        .filter(messages::conversation_id.eq(conversation.id))
        .order(messages::id)
        .select(Message::as_select())
        .load(&mut app.conn())
        .unwrap()
}

/// Waits until `done` holds, polling; fails the test after `limit`.
pub async fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}
