//! Helpers of the email intake tests: an email integration on a running server, the corpus
//! under `tests/intake/emails/`, raw HTTP posts, a tiny SMTP client, and a census of
//! everything intake can write (rows and files) to prove refusals leave nothing behind.

use crate::common::{TestApp, TestDb, test_settings};
use diesel::prelude::*;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rapport::domain::IntegrationId;
use rapport::domain::integration::{AuthservId, IntegrationDraft, IntegrationKind, SenderPattern};
use rapport::models::Actor;
use rapport::models::integration;
use rapport::models::schema::{
    audit_events, contacts, conversations, messages, space_files, spaces,
};
use std::path::Path;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub const SMTP_DOMAIN: &str = "mail.rapport.test";

/// A corpus message, as stored on disk.
pub fn corpus(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/intake/emails")
        .join(format!("{name}.eml"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A server with the SMTP listener on (and optionally a smaller size limit).
pub async fn spawn_app(max_bytes: Option<usize>) -> TestApp {
    spawn_app_with(|settings| {
        if let Some(max) = max_bytes {
            settings.email_max_bytes = max;
        }
    })
}

/// A server with the SMTP listener on and the settings `change` makes (its limits, relays).
pub fn spawn_app_with(change: impl FnOnce(&mut rapport::config::Settings)) -> TestApp {
    let db = TestDb::create();
    let mut settings = test_settings(&db);
    settings.smtp_bind = Some("127.0.0.1:0".into());
    settings.smtp_domain = Some(SMTP_DOMAIN.into());
    change(&mut settings);
    TestApp::spawn_with(db, settings)
}

/// An email integration's settings for a test.
pub struct Options {
    pub name: &'static str,
    pub allowed_senders: Vec<&'static str>,
    pub use_reply_to: bool,
    pub collect_contacts: bool,
    /// The relays whose Authentication-Results the inbox believes.
    pub trusted_authserv_ids: Vec<&'static str>,
    /// Off by default here, as for integrations from before the setting (the migration's
    /// value), so tests of other things deliver unauthenticated mail to allowed-senders
    /// lists; the tests of authentication turn it on.
    pub require_authentication: bool,
    /// The agent webhook the integration calls (its secret comes back in [`Inbox`]).
    pub agent_webhook_url: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            name: "Support inbox",
            allowed_senders: Vec::new(),
            use_reply_to: false,
            collect_contacts: true,
            trusted_authserv_ids: Vec::new(),
            require_authentication: false,
            agent_webhook_url: None,
        }
    }
}

/// A created email integration: its id, inbound token, the secret part of its SMTP address,
/// and webhook secret when it has a webhook.
pub struct Inbox {
    pub id: IntegrationId,
    pub token: String,
    pub smtp_token: String,
    pub webhook_secret: Option<String>,
}

pub fn create_inbox(app: &TestApp, options: Options) -> Inbox {
    let keyring = app.settings.secrets_keyring().unwrap();
    let mut draft = IntegrationDraft::named(options.name);
    draft.allowed_senders = options
        .allowed_senders
        .iter()
        .map(|p| SenderPattern::parse(p).unwrap())
        .collect();
    draft.use_reply_to = options.use_reply_to;
    draft.trusted_authserv_ids = options
        .trusted_authserv_ids
        .iter()
        .map(|id| AuthservId::parse(id).unwrap())
        .collect();
    draft.require_authentication = options.require_authentication;
    draft.collect_contacts = options.collect_contacts;
    draft.agent_webhook_url = options.agent_webhook_url;
    let (row, credentials) = integration::create(
        &mut app.conn(),
        &keyring,
        IntegrationKind::Email,
        &draft,
        &Actor::System("test".into()),
    )
    .unwrap();
    Inbox {
        id: row.id,
        token: credentials.inbound_token.unwrap().to_string(),
        smtp_token: row.smtp_token().unwrap(),
        webhook_secret: credentials.webhook_secret.map(|s| s.to_string()),
    }
}

pub struct Posted {
    pub status: u16,
    pub body: String,
}

impl Posted {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The stored ids of a 200 answer: (conversation, message, contact).
    pub fn ids(&self) -> (i64, i64, Option<i64>) {
        assert_eq!(self.status, 200, "{}", self.body);
        let json = self.json();
        let id = |v: &serde_json::Value| v.as_str().unwrap().parse::<i64>().unwrap();
        (
            id(&json["conversationId"]),
            id(&json["messageId"]),
            json["contactId"].as_str().map(|s| s.parse().unwrap()),
        )
    }
}

/// A raw POST: `path` with optional headers and body.
pub async fn post_raw(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Posted {
    let client = Client::builder(TokioExecutor::new()).build_http();
    let mut request = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(format!("{}{}", app.address, path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client
        .request(request.body(Full::new(Bytes::from(body))).unwrap())
        .await
        .expect("the server did not answer");
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Posted {
        status,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub fn inbound_path(id: IntegrationId) -> String {
    format!("/api/v1/integration/email/{id}/inbound")
}

/// Delivers a raw message to the inbox's endpoint, as a provider's webhook would.
pub async fn deliver(app: &TestApp, inbox: &Inbox, raw: Vec<u8>) -> Posted {
    let auth = format!("Bearer {}", inbox.token);
    post_raw(
        app,
        "POST",
        &inbound_path(inbox.id),
        &[("authorization", &auth), ("content-type", "message/rfc822")],
        raw,
    )
    .await
}

/// Everything intake may write, counted; plus the files under the data directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Census {
    pub contacts: i64,
    pub conversations: i64,
    pub messages: i64,
    pub spaces: i64,
    pub space_files: i64,
    pub audit_events: i64,
    pub files_on_disk: usize,
}

pub fn census(app: &TestApp) -> Census {
    let conn = &mut app.conn();
    Census {
        contacts: contacts::table.count().get_result(conn).unwrap(),
        conversations: conversations::table.count().get_result(conn).unwrap(),
        messages: messages::table.count().get_result(conn).unwrap(),
        spaces: spaces::table.count().get_result(conn).unwrap(),
        space_files: space_files::table.count().get_result(conn).unwrap(),
        audit_events: audit_events::table.count().get_result(conn).unwrap(),
        files_on_disk: count_files(&app.data_dir.0.join("spaces")),
    }
}

fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .map(|entry| entry.unwrap().path())
        .map(|path| if path.is_dir() { count_files(&path) } else { 1 })
        .sum()
}

/// A stored message: (conversation id, role, text, external id, meta).
pub fn message(app: &TestApp, id: i64) -> (i64, String, String, Option<String>, serde_json::Value) {
    messages::table
        .find(id)
        .select((
            messages::conversation_id,
            messages::role,
            messages::text,
            messages::external_id,
            messages::meta,
        ))
        .first(&mut app.conn())
        .unwrap()
}

/// A stored conversation: (contact id, channel, subject, integration id).
pub fn conversation(app: &TestApp, id: i64) -> (Option<i64>, String, Option<String>, Option<i64>) {
    conversations::table
        .find(id)
        .select((
            conversations::contact_id,
            conversations::channel,
            conversations::subject,
            conversations::integration_id,
        ))
        .first(&mut app.conn())
        .unwrap()
}

/// A stored contact: (name, email, source, verified).
pub fn contact(
    app: &TestApp,
    id: impl Into<i64>,
) -> (Option<String>, Option<String>, String, bool) {
    let (name, email, source, verified_at): (
        Option<String>,
        Option<String>,
        String,
        Option<chrono::DateTime<chrono::Utc>>,
    ) = contacts::table
        .find(id.into())
        .select((
            contacts::name,
            contacts::email,
            contacts::source,
            contacts::verified_at,
        ))
        .first(&mut app.conn())
        .unwrap();
    (name, email, source, verified_at.is_some())
}

/// The files of a contact's "Email attachments" space: (name, content type, bytes on disk).
pub fn attachments_of(app: &TestApp, contact_id: i64) -> Vec<(String, String, Vec<u8>)> {
    let rows: Vec<(i64, String, String, String)> = space_files::table
        .inner_join(spaces::table)
        .filter(spaces::contact_id.eq(contact_id))
        .filter(spaces::name.eq("Email attachments"))
        .select((
            spaces::id,
            space_files::path,
            space_files::content_type,
            space_files::storage_key,
        ))
        .order(space_files::id.asc())
        .load(&mut app.conn())
        .unwrap();
    rows.into_iter()
        .map(|(space, path, content_type, key)| {
            let bytes = std::fs::read(
                app.data_dir
                    .0
                    .join("spaces")
                    .join(space.to_string())
                    .join(key),
            )
            .unwrap();
            (path, content_type, bytes)
        })
        .collect()
}

/// A minimal SMTP client for the tests: sends a command, reads the (possibly multi-line)
/// reply, and sends a message with CRLF line ends and dot-stuffing.
pub struct Smtp {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

/// A reply: its code and its lines' text.
#[derive(Debug)]
pub struct SmtpReply {
    pub code: u16,
    pub text: String,
}

impl Smtp {
    pub async fn connect(app: &TestApp) -> (Smtp, SmtpReply) {
        let address = app.smtp_address.as_ref().expect("the SMTP listener is on");
        let stream = TcpStream::connect(address).await.unwrap();
        let (reader, writer) = stream.into_split();
        let mut smtp = Smtp {
            reader: BufReader::new(reader),
            writer,
        };
        let greeting = smtp.reply().await;
        (smtp, greeting)
    }

    /// Whether the server has closed the connection (reads until end of stream, failing on
    /// anything else or after `within`).
    pub async fn closed_within(&mut self, within: std::time::Duration) -> bool {
        let mut line = String::new();
        match tokio::time::timeout(within, self.reader.read_line(&mut line)).await {
            Ok(Ok(0)) | Ok(Err(_)) => true,
            Ok(Ok(_)) => panic!("expected the connection closed, got {line:?}"),
            Err(_) => false,
        }
    }

    /// Sends raw bytes (no line end added).
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.unwrap();
    }

    /// The next reply, or `None` when none comes `within`.
    pub async fn reply_within(&mut self, within: std::time::Duration) -> Option<SmtpReply> {
        tokio::time::timeout(within, self.reply()).await.ok()
    }

    pub async fn reply(&mut self) -> SmtpReply {
        let mut text = Vec::new();
        loop {
            let mut line = String::new();
            let read = self.reader.read_line(&mut line).await.unwrap();
            assert!(read > 0, "the server closed the connection");
            assert!(
                line.ends_with("\r\n"),
                "reply lines end with CRLF: {line:?}"
            );
            let code: u16 = line[..3].parse().unwrap();
            text.push(line[4..].trim_end().to_string());
            if line.as_bytes()[3] == b' ' {
                return SmtpReply {
                    code,
                    text: text.join("\n"),
                };
            }
        }
    }

    pub async fn command(&mut self, line: &str) -> SmtpReply {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
        self.reply().await
    }

    /// Sends the message after a 354: CRLF line ends, leading dots doubled, then `.`.
    pub async fn data(&mut self, raw: &[u8]) -> SmtpReply {
        let mut wire = Vec::with_capacity(raw.len() + 64);
        let text = raw.to_vec();
        let mut lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        if lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        for line in lines {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.starts_with(b".") {
                wire.push(b'.');
            }
            wire.extend_from_slice(line);
            wire.extend_from_slice(b"\r\n");
        }
        wire.extend_from_slice(b".\r\n");
        self.writer.write_all(&wire).await.unwrap();
        self.reply().await
    }

    /// A whole transaction: EHLO, MAIL, RCPT to `recipient`, DATA with `raw`. Returns the
    /// first reply that is not a success, or the final one.
    pub async fn send(app: &TestApp, recipient: &str, raw: &[u8]) -> SmtpReply {
        let (mut smtp, greeting) = Smtp::connect(app).await;
        assert_eq!(greeting.code, 220, "{greeting:?}");
        let ehlo = smtp.command("EHLO client.example.com").await;
        assert_eq!(ehlo.code, 250, "{ehlo:?}");
        for command in [
            "MAIL FROM:<bounce@client.example.com>".to_string(),
            format!("RCPT TO:<{recipient}>"),
            "DATA".to_string(),
        ] {
            let reply = smtp.command(&command).await;
            if reply.code >= 400 {
                let _ = smtp.command("QUIT").await;
                return reply;
            }
        }
        let reply = smtp.data(raw).await;
        let quit = smtp.command("QUIT").await;
        assert_eq!(quit.code, 221);
        reply
    }
}

/// The inbox's SMTP address, with its secret part: `<id>+<token>@domain`.
pub fn mailbox(inbox: &Inbox) -> String {
    format!("{}+{}@{SMTP_DOMAIN}", inbox.id, inbox.smtp_token)
}

/// The plain `<id>@domain` form, accepted only from configured relays.
pub fn plain_mailbox(inbox: &Inbox) -> String {
    format!("{}@{SMTP_DOMAIN}", inbox.id)
}
