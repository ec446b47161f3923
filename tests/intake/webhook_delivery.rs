//! The agent webhook answering: a signed payload reaches a local test agent, whose reply
//! becomes a bot message and whose memories land on the contact, audited as the integration.

use crate::common::TestApp;
use crate::webhook_support::*;
use diesel::prelude::*;
use rapport::domain::integration::IntegrationKind;
use rapport::intake::webhook::signature;
use rapport::models::memory::Memory;
use rapport::models::schema::{audit_events, memories};
use serde_json::json;
use std::time::{Duration, Instant};

#[actix_web::test]
async fn a_signed_payload_is_answered_with_a_reply_and_memories() {
    let app = TestApp::spawn().await;
    let agent = TestAgent::start(
        Vec::new(),
        Behaviour::Reply(json!({
            "reply": "  Your kettle ships today.  ",
            "memories": ["Ordered a blue kettle"],
        })),
    );
    let (integration, secret) =
        integration_with_webhook(&app, IntegrationKind::Widget, "Shop chat", Some(&agent.url));
    let secret = secret.expect("a webhook secret is issued with the URL");
    agent.set_secret(&secret);
    let settings = settings_with(&app, &[], Duration::from_secs(5));
    let worker = start_worker(&app, &settings);
    let ada = ada(&app);
    let conversation = conversation_for(&app, &integration, Some(&ada), "widget", None);
    // Give the worker time to fall asleep: the message must wake it, not a poll.
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;

    let sent_at = Instant::now();
    let message = user_message(
        &app,
        &integration,
        &conversation,
        "Where is my kettle?",
        json!({}),
        None,
    );
    wait_until(Duration::from_secs(10), "the delivery", || {
        deliveries(&app, &conversation)
            .first()
            .is_some_and(|d| d.status == "delivered")
    })
    .await;
    assert!(
        sent_at.elapsed() < Duration::from_secs(3),
        "the worker was woken by the new delivery, not by its poll ({:?})",
        sent_at.elapsed()
    );

    // What the agent got: signed, with the message, the contact and its agent context.
    let received = agent.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert!(request.signature_ok, "{}", request.signature);
    assert!(request.signature.starts_with("t="), "{}", request.signature);
    let body = &request.body;
    assert_eq!(body["event"], "message.created");
    assert_eq!(body["delivery"]["attempt"], 1);
    assert_eq!(body["integration"]["name"], "Shop chat");
    assert_eq!(body["integration"]["kind"], "widget");
    assert_eq!(body["message"]["id"], message.id.to_string());
    assert_eq!(body["message"]["text"], "Where is my kettle?");
    assert_eq!(body["message"]["type"], "user");
    assert_eq!(body["conversation"]["id"], conversation.id.to_string());
    assert_eq!(body["contact"]["email"], "ada@example.com");
    assert_eq!(body["context"]["contact"]["name"], "Ada Lovelace");
    assert!(
        body["context"]["text"]
            .as_str()
            .unwrap()
            .contains("Ada Lovelace")
    );
    // A wrong secret would not have verified.
    let wrong = signature::verify(
        b"rph_not_the_secret",
        &request.signature,
        body.to_string().as_bytes(),
        chrono::Utc::now().timestamp(),
        signature::TOLERANCE_SECS,
    );
    assert!(wrong.is_err());

    // The reply is a bot message; the memory is on the contact, audited as the integration.
    let transcript = transcript(&app, &conversation);
    assert_eq!(transcript.len(), 2);
    let bot = &transcript[1];
    assert_eq!(bot.role, "bot");
    assert_eq!(bot.text, "Your kettle ships today.");
    assert_eq!(
        bot.meta["agent"]["integrationId"],
        integration.id.to_string()
    );
    assert!(
        bot.meta.get("email").is_none(),
        "a widget reply is not emailed"
    );
    let stored: Vec<Memory> = memories::table
        .filter(memories::contact_id.eq(ada.id))
        .select(Memory::as_select())
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].text, "Ordered a blue kettle");
    let actor: String = audit_events::table
        .filter(audit_events::entity.eq("memory"))
        .filter(audit_events::entity_id.eq(stored[0].id))
        .select(audit_events::actor_name)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(actor, "widget Shop chat");

    let delivery = &deliveries(&app, &conversation)[0];
    assert_eq!(delivery.attempts, 1);
    assert_eq!(delivery.last_status, Some(200));
    assert_eq!(delivery.last_error, None);

    // The profile shows the reply and no notice.
    let client = app.signed_in(rapport::domain::Role::Viewer).await;
    let page = client
        .get(&format!(
            "/contacts/{}/conversations/{}",
            ada.id, conversation.id
        ))
        .await;
    page.assert_contains("Your kettle ships today.");
    page.assert_lacks("The agent did not answer");

    drop(worker);
    agent.stop().await;
}

#[actix_web::test]
async fn no_webhook_url_queues_nothing_and_a_message_is_queued_once() {
    let app = TestApp::spawn().await;
    let (quiet, secret) =
        integration_with_webhook(&app, IntegrationKind::Email, "Support inbox", None);
    assert!(secret.is_none());
    let ada = ada(&app);
    let conversation = conversation_for(&app, &quiet, Some(&ada), "email", Some("Hello"));
    user_message(&app, &quiet, &conversation, "Hello there", json!({}), None);
    assert!(deliveries(&app, &conversation).is_empty());

    let (answered, _) = integration_with_webhook(
        &app,
        IntegrationKind::Widget,
        "Shop chat",
        Some("https://agent.example.com/hook"),
    );
    let chat = conversation_for(&app, &answered, Some(&ada), "widget", None);
    let message = user_message(&app, &answered, &chat, "Hi", json!({}), None);
    // Intake retrying the same message queues no second delivery.
    rapport::models::webhook_delivery::notify_agent(
        &mut app.conn(),
        &answered,
        chat.id,
        message.id,
    )
    .unwrap();
    let queued = deliveries(&app, &chat);
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].status, "pending");
    assert_eq!(queued[0].attempts, 0);
    assert_eq!(queued[0].message_id, message.id);

    // A message stored in a transaction that rolls back leaves no delivery behind.
    let rolled_back = app.conn().transaction(|conn| {
        let stored = rapport::models::message::insert_all(
            conn,
            &[rapport::models::message::NewMessage {
                conversation_id: chat.id,
                role: "user".into(),
                text: "never mind".into(),
                meta: json!({}),
                created_at: None,
            }],
        )?;
        rapport::models::webhook_delivery::notify_agent(conn, &answered, chat.id, stored[0].id)?;
        Err::<(), _>(diesel::result::Error::RollbackTransaction)
    });
    assert!(rolled_back.is_err());
    assert_eq!(deliveries(&app, &chat).len(), 1);
}
