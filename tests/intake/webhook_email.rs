//! Bot replies to email conversations: recorded as not sent without an SMTP relay; sent
//! through one, threaded under the contact's mail, when configured.

use crate::common::TestApp;
use crate::webhook_support::*;
use rapport::domain::Role;
use rapport::domain::integration::IntegrationKind;
use rapport::models::message::{self, NewMessage};
use serde_json::json;
use std::time::Duration;

fn email_meta(from: &str) -> serde_json::Value {
    json!({ "email": { "from": from, "fromName": "Ada Lovelace", "subject": "Order 42" } })
}

#[actix_web::test]
async fn without_a_relay_the_reply_is_stored_and_marked_not_sent() {
    let app = TestApp::spawn().await;
    let agent = TestAgent::start(
        Vec::new(),
        Behaviour::Reply(json!({"reply": "It ships today.", "memories": ["Asked about order 42"]})),
    );
    let (integration, secret) = integration_with_webhook(
        &app,
        IntegrationKind::Email,
        "Support inbox",
        Some(&agent.url),
    );
    agent.set_secret(&secret.unwrap());
    let settings = settings_with(&app, &[], Duration::from_secs(5));
    assert!(settings.webhook.email.is_none());
    let worker = start_worker(&app, &settings);
    let ada = ada(&app);
    let conversation = conversation_for(&app, &integration, Some(&ada), "email", Some("Order 42"));
    user_message(
        &app,
        &integration,
        &conversation,
        "Where is order 42?",
        email_meta("ada@example.com"),
        Some("m1@mail.example.com"),
    );

    wait_until(Duration::from_secs(10), "the reply", || {
        transcript(&app, &conversation).len() == 2
    })
    .await;
    let bot = &transcript(&app, &conversation)[1];
    assert_eq!(bot.role, "bot");
    assert_eq!(bot.text, "It ships today.");
    assert_eq!(
        bot.meta["email"],
        json!({"sent": false, "reason": "no SMTP relay configured"})
    );
    assert_eq!(agent.received()[0].body["conversation"]["channel"], "email");

    let client = app.signed_in(Role::Viewer).await;
    let page = client
        .get(&format!(
            "/contacts/{}/conversations/{}",
            ada.id, conversation.id
        ))
        .await;
    page.assert_contains("It ships today.");
    page.assert_contains("Email not sent: no SMTP relay configured");

    drop(worker);
    agent.stop().await;
}

#[actix_web::test]
async fn with_a_relay_the_reply_is_sent_in_the_thread() {
    let app = TestApp::spawn().await;
    let relay = TestRelay::start();
    let agent = TestAgent::start(
        Vec::new(),
        Behaviour::Reply(json!({"reply": "It ships today."})),
    );
    let (integration, secret) = integration_with_webhook(
        &app,
        IntegrationKind::Email,
        "Support inbox",
        Some(&agent.url),
    );
    agent.set_secret(&secret.unwrap());
    let settings = settings_with(
        &app,
        &[
            ("RAPPORT_SMTP_RELAY_URL", &relay.url),
            ("RAPPORT_EMAIL_FROM", "Shop support <help@shop.example>"),
        ],
        Duration::from_secs(5),
    );
    let worker = start_worker(&app, &settings);
    let ada = ada(&app);
    let conversation = conversation_for(&app, &integration, Some(&ada), "email", Some("Order 42"));
    // An earlier mail of the thread, then the one the agent answers (from another address).
    let earlier = message::insert_all(
        &mut app.conn(),
        &[NewMessage {
            conversation_id: conversation.id,
            role: "user".into(),
            text: "Ordering a kettle".into(),
            meta: email_meta("ada@example.com"),
            created_at: None,
        }],
    )
    .unwrap();
    {
        use diesel::prelude::*;
        use rapport::models::schema::messages;
        diesel::update(messages::table.find(earlier[0].id))
            .set(messages::external_id.eq("m1@mail.example.com"))
            .execute(&mut app.conn())
            .unwrap();
    }
    user_message(
        &app,
        &integration,
        &conversation,
        "Where is it?",
        email_meta("ada.l@example.org"),
        Some("m2@mail.example.com"),
    );

    wait_until(Duration::from_secs(10), "the email to be sent", || {
        transcript(&app, &conversation)
            .get(2)
            .is_some_and(|bot| bot.meta["email"]["sent"] == json!(true))
    })
    .await;
    let bot = transcript(&app, &conversation).remove(2);
    let message_id = bot.meta["email"]["messageId"].as_str().unwrap().to_string();
    assert!(message_id.ends_with("@shop.example"), "{message_id}");
    assert_eq!(bot.meta["email"]["to"], "ada.l@example.org");
    // Stored as the bot message's Message-ID, so Ada's answer to it joins this conversation.
    let stored_id: Option<String> = {
        use diesel::prelude::*;
        use rapport::models::schema::messages;
        messages::table
            .find(bot.id)
            .select(messages::external_id)
            .first(&mut app.conn())
            .unwrap()
    };
    assert_eq!(stored_id.as_deref(), Some(message_id.as_str()));

    let sent = relay.messages.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    let mail = &sent[0];
    assert!(
        mail.contains("From: \"Shop support\" <help@shop.example>")
            || mail.contains("From: Shop support <help@shop.example>"),
        "{mail}"
    );
    assert!(
        mail.contains("To: \"Ada Lovelace\" <ada.l@example.org>"),
        "{mail}"
    );
    assert!(mail.contains("Subject: Re: Order 42"), "{mail}");
    assert!(
        mail.contains(&format!("Message-ID: <{message_id}>")),
        "{mail}"
    );
    assert!(
        mail.contains("In-Reply-To: <m2@mail.example.com>"),
        "{mail}"
    );
    assert!(
        mail.contains("References: <m1@mail.example.com> <m2@mail.example.com>"),
        "{mail}"
    );
    assert!(mail.contains("It ships today."), "{mail}");

    let client = app.signed_in(Role::Viewer).await;
    let page = client
        .get(&format!(
            "/contacts/{}/conversations/{}",
            ada.id, conversation.id
        ))
        .await;
    page.assert_contains("Sent by email");

    drop(worker);
    agent.stop().await;
}

#[actix_web::test]
async fn replies_go_to_reply_to_only_when_the_integration_says_so() {
    // Seen failing before the fix: the reply went to Reply-To with the switch off.
    let app = TestApp::spawn().await;
    let relay = TestRelay::start();
    let agent = TestAgent::start(
        Vec::new(),
        Behaviour::Reply(json!({"reply": "We will call you back."})),
    );
    let (plain, secret) = integration_with_webhook(
        &app,
        IntegrationKind::Email,
        "Plain inbox",
        Some(&agent.url),
    );
    agent.set_secret(&secret.unwrap());
    let settings = settings_with(
        &app,
        &[
            ("RAPPORT_SMTP_RELAY_URL", &relay.url),
            ("RAPPORT_EMAIL_FROM", "Shop support <help@shop.example>"),
        ],
        Duration::from_secs(5),
    );
    let worker = start_worker(&app, &settings);
    let ada = ada(&app);
    let form_mail = json!({ "email": {
        "from": "no-reply@forms.example.com",
        "fromName": "Contact form",
        "replyTo": "grace@example.net",
        "replyToName": "Grace Hopper",
        "subject": "Call me",
    }});
    let conversation = conversation_for(&app, &plain, Some(&ada), "email", Some("Call me"));
    user_message(
        &app,
        &plain,
        &conversation,
        "Please call me back.",
        form_mail.clone(),
        Some("form-1@forms.example.com"),
    );
    wait_until(Duration::from_secs(10), "the first email", || {
        transcript(&app, &conversation)
            .get(1)
            .is_some_and(|bot| bot.meta["email"]["sent"] == json!(true))
    })
    .await;
    assert_eq!(
        transcript(&app, &conversation)[1].meta["email"]["to"],
        "no-reply@forms.example.com"
    );

    // The same mail through an integration that uses Reply-To.
    {
        use diesel::prelude::*;
        use rapport::models::schema::integrations;
        diesel::update(integrations::table.find(plain.id))
            .set(integrations::use_reply_to.eq(true))
            .execute(&mut app.conn())
            .unwrap();
    }
    let second = conversation_for(&app, &plain, Some(&ada), "email", Some("Call me"));
    user_message(
        &app,
        &plain,
        &second,
        "Please call me back.",
        form_mail,
        Some("form-2@forms.example.com"),
    );
    wait_until(Duration::from_secs(10), "the second email", || {
        transcript(&app, &second)
            .get(1)
            .is_some_and(|bot| bot.meta["email"]["sent"] == json!(true))
    })
    .await;
    assert_eq!(
        transcript(&app, &second)[1].meta["email"]["to"],
        "grace@example.net"
    );
    let sent = relay.messages.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    // Each address with its own display name (never From's name on the Reply-To address).
    assert!(
        sent[0].contains("To: \"Contact form\" <no-reply@forms.example.com>"),
        "{}",
        sent[0]
    );
    assert!(
        sent[1].contains("To: \"Grace Hopper\" <grace@example.net>"),
        "{}",
        sent[1]
    );

    drop(worker);
    agent.stop().await;
}
