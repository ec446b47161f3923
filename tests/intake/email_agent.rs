//! Email intake end to end through HTTP: a mail posted to the inbound URL of an integration
//! with an agent webhook becomes a contact and a conversation, the local test agent is asked
//! (signed) and answers, the reply is stored as a bot message recorded as "not sent" (no SMTP
//! relay is configured), the memory lands on the contact, and staff see all of it on the
//! contact's profile.

use crate::common::TestApp;
use crate::common::agent::TestAgent;
use crate::email_support::*;
use crate::webhook_support::wait_until;
use diesel::prelude::*;
use rapport::domain::Role;
use rapport::models::schema::{memories, messages};
use serde_json::json;
use std::time::Duration;

const REPLY: &str = "Sorry for the wait: order 1842 left our warehouse today.";
const MEMORY: &str = "Waiting for order 1842";

/// The conversation's messages, oldest first: (role, text, meta).
fn transcript(app: &TestApp, conversation_id: i64) -> Vec<(String, String, serde_json::Value)> {
    messages::table
        .filter(messages::conversation_id.eq(conversation_id))
        .order(messages::id)
        .select((messages::role, messages::text, messages::meta))
        .load(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_mail_is_answered_by_the_agent_and_shown_on_the_profile() {
    let app = spawn_app(None).await;
    assert!(
        app.settings.webhook.email.is_none(),
        "no relay: replies are not sent"
    );
    let agent = TestAgent::replying(json!({"reply": REPLY, "memories": [MEMORY]}));
    let inbox = create_inbox(
        &app,
        Options {
            agent_webhook_url: Some(agent.url.clone()),
            ..Options::default()
        },
    );
    agent.set_secret(
        inbox
            .webhook_secret
            .as_deref()
            .expect("issued with the URL"),
    );
    let worker = app.start_webhook_worker();

    let posted = deliver(&app, &inbox, corpus("plain")).await;
    let (conversation_id, _, contact_id) = posted.ids();
    let contact_id = contact_id.expect("the sender became a contact");
    // Unverified since issue 10 (no trusted relay), yet the agent gets the full context: the
    // mail created the contact, so it holds nothing the sender did not give.
    assert_eq!(
        contact(&app, contact_id),
        (
            Some("Ada Lovelace".into()),
            Some("ada@example.com".into()),
            "email".into(),
            false
        )
    );
    assert_eq!(
        conversation(&app, conversation_id),
        (
            Some(contact_id),
            "email".into(),
            Some("Question about my order".into()),
            Some(inbox.id.0)
        )
    );

    wait_until(Duration::from_secs(10), "the agent's reply", || {
        transcript(&app, conversation_id).len() == 2
    })
    .await;
    let stored = transcript(&app, conversation_id);
    assert_eq!(stored[0].0, "user");
    assert!(stored[0].1.contains("my order #1842 has not arrived yet"));
    assert_eq!((stored[1].0.as_str(), stored[1].1.as_str()), ("bot", REPLY));
    assert_eq!(
        stored[1].2["email"],
        json!({"sent": false, "reason": "no SMTP relay configured"})
    );

    // The agent was asked once, signed with the integration's secret, about this mail.
    let received = agent.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert!(request.signature_ok, "{}", request.signature);
    assert_eq!(request.body["integration"]["id"], inbox.id.to_string());
    assert_eq!(request.body["conversation"]["channel"], "email");
    assert_eq!(request.body["contact"]["email"], "ada@example.com");
    assert!(
        request.body["message"]["text"]
            .as_str()
            .unwrap()
            .contains("#1842")
    );
    let remembered: Vec<String> = memories::table
        .filter(memories::contact_id.eq(contact_id))
        .select(memories::text)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(remembered, [MEMORY]);

    // Staff see the conversation on the contact's profile, with both messages.
    let staff = app.signed_in(Role::Viewer).await;
    let profile = format!("/contacts/{contact_id}");
    let overview = staff.get(&profile).await;
    assert_eq!(overview.status, 200, "{}", overview.body);
    overview.assert_contains("Ada Lovelace");
    overview.assert_contains("Conversations <span class=\"count\">1</span>");
    let list = staff.get(&format!("{profile}/conversations")).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let url = format!("{profile}/conversations/{conversation_id}");
    list.assert_contains(&format!("href=\"{url}\""));
    list.assert_contains("Question about my order");
    let page = staff.get(&url).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_contains("my order #1842 has not arrived yet");
    page.assert_contains(REPLY);
    page.assert_contains("Email not sent: no SMTP relay configured");
    let memories = staff.get(&format!("{profile}/memories")).await;
    memories.assert_contains(MEMORY);

    drop(worker);
    agent.stop().await;
}
