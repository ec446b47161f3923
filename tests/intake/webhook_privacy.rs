//! The impostor risk: someone who only *claims* a known contact — types its email in the
//! widget, or forges its From address — must not have the agent handed that contact's private
//! context. Proven identities (a valid `userHash`, mail a trusted relay authenticated) and
//! contacts the conversation itself created get the full context; an allowed-senders list
//! alone no longer vouches for a From address (issue 10).

use crate::common::TestApp;
use crate::common::builders::{ContactBuilder, memory};
use crate::email_support::{Posted, inbound_path, post_raw};
use crate::webhook_support::*;
use crate::widget_support::{self, Widget};
use diesel::prelude::*;
use rapport::domain::integration::{IntegrationDraft, IntegrationKind, SenderPattern};
use rapport::domain::{IntegrationId, Role};
use rapport::models::schema::{contacts, conversations, memories, messages};
use rapport::models::{Actor, Contact, integration};
use serde_json::{Value, json};
use std::time::Duration;

const SECRET_MEMORY: &str = "Allergic to hazelnuts; card ends 4242";
const PREFERENCES: &str = "Call after 6pm on the private line";

/// Ada, with what only she should be discussed with: a description, preferences, a memory.
fn ada_with_secrets(app: &TestApp) -> Contact {
    let ada = ContactBuilder::new("Ada Lovelace")
        .email("ada@example.com")
        .description("VIP customer since 2019")
        .preferences(PREFERENCES)
        .create(&mut app.conn());
    memory(&mut app.conn(), ada.id, SECRET_MEMORY);
    ada
}

/// An integration of `kind` with the test agent as its webhook, as the test needs it
/// configured, with its credentials: (id, inbound token or identity secret).
fn integration(
    app: &TestApp,
    agent: &TestAgent,
    kind: IntegrationKind,
    allowed_senders: &[&str],
) -> (IntegrationId, String) {
    let mut draft = IntegrationDraft::named("Front door");
    draft.agent_webhook_url = Some(agent.url.clone());
    draft.allowed_senders = allowed_senders
        .iter()
        .map(|p| SenderPattern::parse(p).unwrap())
        .collect();
    let keyring = app.settings.secrets_keyring().unwrap();
    let (row, credentials) = integration::create(
        &mut app.conn(),
        &keyring,
        kind,
        &draft,
        &Actor::System("test".into()),
    )
    .unwrap();
    agent.set_secret(&credentials.webhook_secret.unwrap());
    let credential = match kind {
        IntegrationKind::Email => credentials.inbound_token.unwrap().to_string(),
        IntegrationKind::Widget => credentials.identity_secret.unwrap().to_string(),
    };
    (row.id, credential)
}

fn refund_agent() -> TestAgent {
    TestAgent::start(
        Vec::new(),
        Behaviour::Reply(json!({"reply": "Happy to help.", "memories": ["Asked about a refund"]})),
    )
}

/// The payload of the first delivery, once the agent has answered it.
async fn first_payload(app: &TestApp, agent: &TestAgent, conversation_id: i64) -> Value {
    wait_until(Duration::from_secs(10), "the agent's answer", || {
        bot_messages(app, conversation_id) == 1
    })
    .await;
    let received = agent.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].signature_ok);
    received[0].body.clone()
}

fn bot_messages(app: &TestApp, conversation_id: i64) -> i64 {
    messages::table
        .filter(messages::conversation_id.eq(conversation_id))
        .filter(messages::role.eq("bot"))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn assert_full(body: &Value, name: &str) {
    assert_eq!(body["contact"]["verified"], true, "{body:#}");
    assert_eq!(body["context"]["restricted"], false);
    assert_eq!(body["context"]["restrictedReason"], Value::Null);
    assert_eq!(body["context"]["contact"]["name"], name);
}

fn assert_restricted(body: &Value, contact: &Contact) {
    // Still the known contact (no duplicate, memories go to it) ...
    assert_eq!(body["contact"]["id"], contact.id.to_string());
    assert_eq!(body["conversation"]["contactId"], contact.id.to_string());
    // ... flagged, with a reason the agent can act on ...
    assert_eq!(body["contact"]["verified"], false, "{body:#}");
    assert_eq!(body["context"]["restricted"], true);
    assert!(
        body["context"]["restrictedReason"]
            .as_str()
            .unwrap()
            .contains("verify")
    );
    assert!(
        body["context"]["text"]
            .as_str()
            .unwrap()
            .contains("## Identity not verified")
    );
    // ... and nothing the writer did not give: not in the contact, not in the context, not
    // anywhere in the payload.
    assert_eq!(body["contact"]["description"], Value::Null);
    assert_eq!(body["contact"]["preferences"], Value::Null);
    assert_eq!(body["context"]["memories"], json!([]));
    assert_eq!(body["context"]["tasks"], json!([]));
    let raw = body.to_string();
    for private in [SECRET_MEMORY, PREFERENCES, "VIP customer", "Ada Lovelace"] {
        assert!(!raw.contains(private), "{private} leaked: {raw}");
    }
}

/// The memories of a contact with their meta, oldest first.
fn memories_of(app: &TestApp, contact: &Contact) -> Vec<(String, Value)> {
    memories::table
        .filter(memories::contact_id.eq(contact.id))
        .order(memories::id.asc())
        .select((memories::text, memories::meta))
        .load(&mut app.conn())
        .unwrap()
}

async fn widget_session(app: &TestApp, widget: &Widget, body: Value) -> i64 {
    let client = app.client();
    let (_, _, conversation_id) = widget_support::session(&client, widget, body).await;
    conversation_id
}

#[actix_web::test]
async fn a_widget_visitor_who_types_a_known_email_gets_no_private_context() {
    let app = TestApp::spawn().await;
    let agent = refund_agent();
    let (id, secret) = integration(&app, &agent, IntegrationKind::Widget, &[]);
    let worker = start_worker(&app, &settings_with(&app, &[], Duration::from_secs(5)));
    let ada = ada_with_secrets(&app);
    let widget = Widget { id, secret };

    let conversation_id = widget_session(
        &app,
        &widget,
        json!({
            "contact": {"name": "Mallory", "email": "ADA@example.com"},
            "messages": [{"text": "What is my card number again?"}],
        }),
    )
    .await;
    let body = first_payload(&app, &agent, conversation_id).await;
    assert_restricted(&body, &ada);
    // Only what the visitor typed.
    assert_eq!(body["contact"]["name"], "Mallory");
    assert_eq!(body["contact"]["email"], "ADA@example.com");
    assert_eq!(body["context"]["contact"]["name"], "Mallory");
    assert!(
        body["context"]["restrictedReason"]
            .as_str()
            .unwrap()
            .contains("email address")
    );
    // Still never a duplicate for a known email.
    let with_email: i64 = contacts::table
        .filter(contacts::email.ilike("ada@example.com"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(with_email, 1);

    // The agent's memory is kept on the contact, marked as coming from an unverified visitor.
    wait_until(Duration::from_secs(5), "the memory", || {
        memories_of(&app, &ada).len() == 2
    })
    .await;
    let (text, meta) = memories_of(&app, &ada).pop().unwrap();
    assert_eq!(text, "Asked about a refund");
    assert_eq!(
        meta,
        json!({"unverified": true, "conversationId": conversation_id.to_string()})
    );

    // Staff see why on the transcript.
    let staff = app.signed_in(Role::Viewer).await;
    let page = staff
        .get(&format!(
            "/contacts/{}/conversations/{conversation_id}",
            ada.id
        ))
        .await;
    page.assert_contains("Visitor claimed this contact&#39;s email; not verified");

    drop(worker);
    agent.stop().await;
}

#[actix_web::test]
async fn a_verified_identity_and_a_contact_the_visitor_created_get_the_full_context() {
    let app = TestApp::spawn().await;
    let agent = TestAgent::start(
        Vec::new(),
        Behaviour::Reply(json!({"reply": "Hello again."})),
    );
    let (id, secret) = integration(&app, &agent, IntegrationKind::Widget, &[]);
    let worker = start_worker(&app, &settings_with(&app, &[], Duration::from_secs(5)));
    let ada = ada_with_secrets(&app);
    diesel::update(contacts::table.find(ada.id))
        // The fingerprint of this widget's user "shop-user-17".
        .set(contacts::fingerprint.eq(format!("widget:{id}:shop-user-17")))
        .execute(&mut app.conn())
        .unwrap();
    let widget = Widget { id, secret };

    // The site signed Ada's user id: she is who she says.
    let conversation_id = widget_session(
        &app,
        &widget,
        json!({
            "contact": {"email": "ada@example.com"},
            "userId": "shop-user-17",
            "userHash": widget.sign("shop-user-17"),
            "messages": [{"text": "Hi"}],
        }),
    )
    .await;
    let body = first_payload(&app, &agent, conversation_id).await;
    assert_full(&body, "Ada Lovelace");
    assert_eq!(body["contact"]["id"], ada.id.to_string());
    assert_eq!(body["context"]["memories"][0]["text"], SECRET_MEMORY);
    assert_eq!(body["context"]["contact"]["preferences"], PREFERENCES);
    let staff = app.signed_in(Role::Viewer).await;
    staff
        .get(&format!(
            "/contacts/{}/conversations/{conversation_id}",
            ada.id
        ))
        .await
        .assert_lacks("not verified");
    drop(worker);
    agent.stop().await;

    // A new visitor creates their own contact: everything in it is theirs.
    let app = TestApp::spawn().await;
    let agent = TestAgent::start(Vec::new(), Behaviour::Reply(json!({"reply": "Welcome."})));
    let (id, secret) = integration(&app, &agent, IntegrationKind::Widget, &[]);
    let worker = start_worker(&app, &settings_with(&app, &[], Duration::from_secs(5)));
    let widget = Widget { id, secret };
    let conversation_id = widget_session(
        &app,
        &widget,
        json!({"contact": {"name": "Grace", "email": "grace@example.com"}, "messages": [{"text": "Hi"}]}),
    )
    .await;
    let body = first_payload(&app, &agent, conversation_id).await;
    assert_full(&body, "Grace");
    drop(worker);
    agent.stop().await;
}

fn mail(from: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: support@shop.example\r\nSubject: {subject}\r\n\
         Message-ID: <{subject}@mail.example.com>\r\nDate: Tue, 25 Nov 2025 10:00:00 +0000\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nWhat do you know about me?\r\n"
    )
    .into_bytes()
}

async fn deliver(app: &TestApp, id: IntegrationId, token: &str, raw: Vec<u8>) -> i64 {
    let auth = format!("Bearer {token}");
    let posted: Posted = post_raw(
        app,
        "POST",
        &inbound_path(id),
        &[("authorization", &auth), ("content-type", "message/rfc822")],
        raw,
    )
    .await;
    posted.ids().0
}

/// [`mail`] as the trusted relay `mx.shop.example` hands it over: with its verdict on top.
fn authenticated_mail(from: &str, subject: &str) -> Vec<u8> {
    let mut raw = b"Authentication-Results: mx.shop.example; dkim=pass header.d=example.com; \
                    dmarc=pass header.from=example.com\r\n"
        .to_vec();
    raw.extend(mail(from, subject));
    raw
}

/// Sets an email integration's sender-authentication settings (the helper above creates it
/// with the defaults: authentication required, no relay trusted).
fn authentication(app: &TestApp, id: IntegrationId, relays: &[&str], required: bool) {
    use rapport::models::schema::integrations;
    let relays: Vec<String> = relays.iter().map(|r| r.to_string()).collect();
    diesel::update(integrations::table.find(id))
        .set((
            integrations::trusted_authserv_ids.eq(relays),
            integrations::require_authentication.eq(required),
        ))
        .execute(&mut app.conn())
        .unwrap();
}

#[actix_web::test]
async fn a_from_address_is_only_a_claim_unless_a_trusted_relay_authenticated_it() {
    // Anyone may write: a known From address gets the restricted context.
    let app = TestApp::spawn().await;
    let agent = refund_agent();
    let (id, token) = integration(&app, &agent, IntegrationKind::Email, &[]);
    let worker = start_worker(&app, &settings_with(&app, &[], Duration::from_secs(5)));
    let ada = ada_with_secrets(&app);
    let conversation_id = deliver(
        &app,
        id,
        &token,
        mail("\"Not Ada\" <ada@example.com>", "forged"),
    )
    .await;
    let body = first_payload(&app, &agent, conversation_id).await;
    assert_restricted(&body, &ada);
    assert_eq!(body["contact"]["name"], "Not Ada");
    assert!(
        body["context"]["restrictedReason"]
            .as_str()
            .unwrap()
            .contains("From address can be forged")
    );
    let staff = app.signed_in(Role::Viewer).await;
    staff
        .get(&format!(
            "/contacts/{}/conversations/{conversation_id}",
            ada.id
        ))
        .await
        .assert_contains("Sender claimed this contact&#39;s email; not verified");
    drop(worker);
    agent.stop().await;

    // An allowed-senders list no longer vouches for a From address (issue 10: seen failing
    // before the fix, when the list gave the full context): without required
    // authentication the list lets the mail in, but the sender is still only a claim.
    let app = TestApp::spawn().await;
    let agent = refund_agent();
    let (id, token) = integration(&app, &agent, IntegrationKind::Email, &["*@example.com"]);
    authentication(&app, id, &["mx.shop.example"], false);
    let worker = start_worker(&app, &settings_with(&app, &[], Duration::from_secs(5)));
    let ada = ada_with_secrets(&app);
    let conversation_id = deliver(&app, id, &token, mail("ada@example.com", "listed")).await;
    let body = first_payload(&app, &agent, conversation_id).await;
    assert_restricted(&body, &ada);
    drop(worker);
    agent.stop().await;

    // The trusted relay authenticated the sender: the full context.
    let app = TestApp::spawn().await;
    let agent = refund_agent();
    let (id, token) = integration(&app, &agent, IntegrationKind::Email, &["*@example.com"]);
    authentication(&app, id, &["mx.shop.example"], true);
    let worker = start_worker(&app, &settings_with(&app, &[], Duration::from_secs(5)));
    let ada = ada_with_secrets(&app);
    let conversation_id = deliver(
        &app,
        id,
        &token,
        authenticated_mail("ada@example.com", "trusted"),
    )
    .await;
    let body = first_payload(&app, &agent, conversation_id).await;
    assert_full(&body, "Ada Lovelace");
    assert_eq!(body["contact"]["id"], ada.id.to_string());
    assert_eq!(body["context"]["memories"][0]["text"], SECRET_MEMORY);
    let contact_of: Option<i64> = conversations::table
        .find(conversation_id)
        .select(conversations::contact_id)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(contact_of, Some(ada.id.0));
    drop(worker);
    agent.stop().await;
}
