//! Claims never feed agents (issue 10): memories an agent returns for a conversation whose
//! writer only claimed the contact are stored unconfirmed, reach no agent context (the webhook
//! payload, the API's `contact/{id}/context`, the Agent context tab, `memory/search`) until
//! staff confirm them on the Memories tab, and can be deleted there instead. Memories of
//! verified or self-created conversations are confirmed as before.

use crate::common::builders::{ContactBuilder, memory};
use crate::common::{TestApp, TestClient};
use crate::webhook_support::*;
use crate::widget_support::{self, Widget};
use diesel::prelude::*;
use rapport::domain::api_token::TokenRole;
use rapport::domain::fingerprint::Fingerprint;
use rapport::domain::integration::{IntegrationDraft, IntegrationKind};
use rapport::domain::{ContactId, ConversationId, Role};
use rapport::models::schema::{contacts, memories, messages};
use rapport::models::{Actor, integration};
use serde_json::{Value, json};
use std::time::Duration;

const KNOWN: &str = "Prefers green tea";
const CLAIMED: &str = "Says their card ends 4242";
const VERIFIED: &str = "Ordered a blue kettle";

/// A widget whose agent webhook is `agent`.
fn widget_with_agent(app: &TestApp, agent: &TestAgent) -> Widget {
    let mut draft = IntegrationDraft::named("Shop chat");
    draft.agent_webhook_url = Some(agent.url.clone());
    let keyring = app.settings.secrets_keyring().unwrap();
    let (row, credentials) = integration::create(
        &mut app.conn(),
        &keyring,
        IntegrationKind::Widget,
        &draft,
        &Actor::System("test".into()),
    )
    .unwrap();
    agent.set_secret(&credentials.webhook_secret.unwrap());
    Widget {
        id: row.id,
        secret: credentials.identity_secret.unwrap().to_string(),
    }
}

#[derive(Queryable, Debug, Clone)]
struct MemoryRow {
    id: i64,
    text: String,
    meta: Value,
    confirmed: bool,
    claimed_conversation_id: Option<i64>,
}

/// The contact's memories, oldest first.
fn memories_of(app: &TestApp, contact: ContactId) -> Vec<MemoryRow> {
    memories::table
        .filter(memories::contact_id.eq(contact))
        .order(memories::id.asc())
        .select((
            memories::id,
            memories::text,
            memories::meta,
            memories::confirmed,
            memories::claimed_conversation_id,
        ))
        .load(&mut app.conn())
        .unwrap()
}

fn bot_messages(app: &TestApp, conversation_id: i64) -> i64 {
    messages::table
        .filter(messages::conversation_id.eq(conversation_id))
        .filter(messages::role.eq("bot"))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// The memory texts of the API's agent context.
async fn api_context_memories(app: &TestApp, contact: ContactId) -> (Vec<String>, String) {
    let token = app.api_token(TokenRole::Viewer);
    let response = app
        .client()
        .api(
            "GET",
            &format!("/api/v1/contact/{contact}/context"),
            Some(&token),
            &[],
            None,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    (
        texts(&body["memories"]),
        body["text"].as_str().unwrap().into(),
    )
}

fn texts(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_string())
        .collect()
}

async fn search(app: &TestApp, contact: ContactId, query: &str) -> Vec<String> {
    let token = app.api_token(TokenRole::Viewer);
    let response = app
        .client()
        .api(
            "POST",
            &format!("/api/v1/contact/{contact}/memory/search"),
            Some(&token),
            &[],
            Some(&json!({ "search": query })),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    texts(&response.json()["items"])
}

async fn start(app: &TestApp, widget: &Widget, body: Value) -> i64 {
    widget_support::session(&app.client(), widget, body).await.2
}

#[actix_web::test]
async fn a_claimed_conversations_memories_wait_for_staff_to_confirm_them() {
    let app = TestApp::spawn().await;
    let agent = TestAgent::start(
        vec![Behaviour::Reply(
            json!({"reply": "Noted.", "memories": [CLAIMED]}),
        )],
        Behaviour::Reply(json!({"reply": "Welcome back.", "memories": [VERIFIED]})),
    );
    let widget = widget_with_agent(&app, &agent);
    let worker = start_worker(&app, &settings_with(&app, &[], Duration::from_secs(5)));
    let ada = ContactBuilder::new("Ada Lovelace")
        .email("ada@example.com")
        .create(&mut app.conn());
    let user = Fingerprint::signed_user_id("ada-1").unwrap();
    diesel::update(contacts::table.find(ada.id))
        .set(contacts::fingerprint.eq(Fingerprint::widget_user(widget.id, &user).into_string()))
        .execute(&mut app.conn())
        .unwrap();
    memory(&mut app.conn(), ada.id, KNOWN);

    // Someone types Ada's address: a claim. The agent's memory is kept, unconfirmed.
    let claimed = start(
        &app,
        &widget,
        json!({"contact": {"email": "ada@example.com"}, "messages": [{"text": "My card is 4242"}]}),
    )
    .await;
    wait_until(Duration::from_secs(10), "the claimed memory", || {
        memories_of(&app, ada.id).len() == 2
    })
    .await;
    let stored = memories_of(&app, ada.id);
    let unconfirmed = stored[1].clone();
    assert_eq!(unconfirmed.text, CLAIMED);
    assert!(!unconfirmed.confirmed);
    assert_eq!(unconfirmed.claimed_conversation_id, Some(claimed));
    assert_eq!(
        unconfirmed.meta,
        json!({"unverified": true, "conversationId": claimed.to_string()})
    );
    assert!(stored[0].confirmed, "memories from staff are confirmed");

    // No agent context has it: not the API's, not the tab's, not memory/search.
    let (shown, text) = api_context_memories(&app, ada.id).await;
    assert_eq!(shown, [KNOWN]);
    assert!(!text.contains(CLAIMED), "{text}");
    assert!(search(&app, ada.id, "card ends").await.is_empty());
    let viewer = app.signed_in(Role::Viewer).await;
    let tab = viewer.get(&format!("/contacts/{}/context", ada.id)).await;
    assert_eq!(tab.status, 200);
    tab.assert_contains(KNOWN);
    tab.assert_lacks("card ends");

    // Ada herself, signed in on the site: her agent gets her context without the claim's
    // memory, and what it remembers from her conversation is confirmed at once.
    let verified = start(
        &app,
        &widget,
        json!({"userId": "ada-1", "userHash": widget.sign("ada-1"), "messages": [{"text": "Hi"}]}),
    )
    .await;
    wait_until(Duration::from_secs(10), "the verified answer", || {
        bot_messages(&app, verified) == 1 && memories_of(&app, ada.id).len() == 3
    })
    .await;
    let received = agent.received();
    let payload = &received.last().unwrap().body;
    assert_eq!(payload["conversation"]["id"], verified.to_string());
    assert_eq!(payload["contact"]["verified"], true);
    assert_eq!(texts(&payload["context"]["memories"]), [KNOWN]);
    assert!(!payload.to_string().contains(CLAIMED), "{payload:#}");
    let newest = memories_of(&app, ada.id).pop().unwrap();
    assert_eq!(newest.text, VERIFIED);
    assert!(newest.confirmed);
    assert_eq!(newest.claimed_conversation_id, None);
    assert_eq!(newest.meta, json!({}));

    // Staff confirm it on the Memories tab: from then on agents get it.
    let editor = app.signed_in(Role::Editor).await;
    editor.get("/contacts").await;
    confirm(&editor, ada.id, unconfirmed.id).await;
    let row = memories_of(&app, ada.id)
        .into_iter()
        .find(|m| m.id == unconfirmed.id)
        .unwrap();
    assert!(row.confirmed);
    let (shown, text) = api_context_memories(&app, ada.id).await;
    assert_eq!(shown, [VERIFIED, CLAIMED, KNOWN]);
    assert!(text.contains(CLAIMED));
    assert_eq!(search(&app, ada.id, "card ends").await, [CLAIMED]);
    let events = app.audit_of("memory", unconfirmed.id);
    assert_eq!(events.last().unwrap().0, "confirmed");

    drop(worker);
    agent.stop().await;
}

async fn confirm(editor: &TestClient, contact: ContactId, memory: i64) {
    let element = format!("memory-{memory}");
    let response = editor
        .post_htmx(
            &format!("/contacts/{contact}/memories/{memory}/confirm"),
            &[],
            &element,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.assert_contains(&format!("id=\"{element}\""));
    response.assert_lacks("from an unverified conversation");
}

#[actix_web::test]
async fn a_deleted_conversation_leaves_its_memories_unconfirmed() {
    let app = TestApp::spawn().await;
    let agent = TestAgent::replying(json!({"reply": "Noted.", "memories": [CLAIMED]}));
    let widget = widget_with_agent(&app, &agent);
    let worker = start_worker(&app, &settings_with(&app, &[], Duration::from_secs(5)));
    let ada = ContactBuilder::new("Ada Lovelace")
        .email("ada@example.com")
        .create(&mut app.conn());
    let claimed = start(
        &app,
        &widget,
        json!({"contact": {"email": "ada@example.com"}, "messages": [{"text": "Hello"}]}),
    )
    .await;
    wait_until(Duration::from_secs(10), "the claimed memory", || {
        memories_of(&app, ada.id).len() == 1
    })
    .await;
    drop(worker);
    agent.stop().await;

    diesel::delete(rapport::models::schema::conversations::table.find(ConversationId(claimed)))
        .execute(&mut app.conn())
        .unwrap();
    let row = memories_of(&app, ada.id).pop().unwrap();
    assert_eq!(row.claimed_conversation_id, None);
    assert!(!row.confirmed, "losing the conversation confirms nothing");
    assert!(api_context_memories(&app, ada.id).await.0.is_empty());

    // Staff can still delete it.
    let editor = app.signed_in(Role::Editor).await;
    editor.get("/contacts").await;
    let tab = editor.get(&format!("/contacts/{}/memories", ada.id)).await;
    tab.assert_contains("from an unverified conversation");
    let deleted = editor
        .post_form(
            &format!("/contacts/{}/memories/{}/delete", ada.id, row.id),
            &[],
        )
        .await;
    assert_eq!(deleted.status, 303);
    assert!(memories_of(&app, ada.id).is_empty());
}
