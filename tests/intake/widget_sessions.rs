//! Widget sessions: details and identity, contacts matched without duplicates, messages sent
//! and listed with the session token, expiry.

use crate::common::TestApp;
use crate::common::builders::ContactBuilder;
use crate::widget_support::{asks_email, create, list, send, session, widget};
use diesel::prelude::*;
use rapport::domain::ConversationId;
use rapport::domain::integration::FieldRequirement;
use rapport::models::message::{self, NewMessage};
use rapport::models::schema::{contacts, conversations, messages, widget_sessions};
use serde_json::json;

#[derive(Queryable, Debug)]
struct ContactRow {
    id: i64,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    fingerprint: String,
    verified: bool,
    source: String,
}

fn contacts_of(app: &TestApp) -> Vec<ContactRow> {
    contacts::table
        .select((
            contacts::id,
            contacts::name,
            contacts::email,
            contacts::phone,
            contacts::fingerprint,
            contacts::verified_at.is_not_null(),
            contacts::source,
        ))
        .order(contacts::id)
        .load(&mut app.conn())
        .unwrap()
}

/// (contact_id, channel, integration_id, meta) of a conversation.
fn conversation(app: &TestApp, id: i64) -> (Option<i64>, String, Option<i64>, serde_json::Value) {
    conversations::table
        .find(id)
        .select((
            conversations::contact_id,
            conversations::channel,
            conversations::integration_id,
            conversations::meta,
        ))
        .first(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn config_tells_the_script_what_to_ask() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, asks_email);
    let response = app
        .client()
        .api("GET", &shop.url("config"), None, &[], None)
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(
        response.json(),
        json!({"id": shop.id.to_string(), "name": "Tea shop",
               "fields": {"name": "optional", "email": "required", "phone": "optional"}})
    );
    let missing = app
        .client()
        .api(
            "GET",
            "/api/v1/integration/widget/999999/config",
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
    app.stop().await;
}

#[actix_web::test]
async fn a_session_without_details_records_the_chat_without_a_contact() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, |_| {});
    let client = app.client();
    let response = create(
        &client,
        &shop,
        json!({"messages": [{"type": "user", "text": "Do you ship to Norway?"}], "meta": {"page": "/tea"}}),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert!(body["token"].as_str().unwrap().starts_with("rws_"));
    assert!(body["contactId"].is_null());
    let expires = body["expiresAt"].as_i64().unwrap();
    let in_a_day = chrono::Utc::now().timestamp_millis() + 24 * 3600 * 1000;
    assert!((in_a_day - expires).abs() < 60_000, "24 h by default");
    assert_eq!(body["messages"][0]["type"], "user");
    assert_eq!(body["messages"][0]["text"], "Do you ship to Norway?");

    let conversation_id: i64 = body["conversationId"].as_str().unwrap().parse().unwrap();
    let (contact, channel, integration, meta) = conversation(&app, conversation_id);
    assert_eq!(
        (contact, channel.as_str(), integration),
        (None, "widget", Some(shop.id.0))
    );
    assert_eq!(meta["app"], "widget");
    assert_eq!(meta["page"], "/tea");
    assert_eq!(meta["widget"]["integrationId"], shop.id.to_string());
    assert!(contacts_of(&app).is_empty());

    // Only the hash of the token is stored.
    let hashes: Vec<String> = widget_sessions::table
        .select(widget_sessions::token_hash)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(hashes.len(), 1);
    assert!(!hashes[0].contains(body["token"].as_str().unwrap()));
    app.stop().await;
}

#[actix_web::test]
async fn details_create_an_unverified_widget_contact() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, asks_email);
    let client = app.client();
    let (_, _, conversation_id) = session(
        &client,
        &shop,
        json!({"contact": {"name": "Ada Lovelace", "email": "Ada@Example.com", "phone": "+44 20 7946 0958"}}),
    )
    .await;
    let contacts = contacts_of(&app);
    assert_eq!(contacts.len(), 1);
    let ada = &contacts[0];
    assert_eq!(ada.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(ada.email.as_deref(), Some("Ada@Example.com"));
    assert_eq!(ada.phone.as_deref(), Some("+442079460958"));
    assert!(!ada.verified);
    assert_eq!(ada.source, "widget");
    assert_eq!(conversation(&app, conversation_id).0, Some(ada.id));
    // History names the widget.
    let history = app.audit_of("contact", ada.id);
    assert_eq!(history[0].0, "create");
    app.stop().await;
}

#[actix_web::test]
async fn required_and_invalid_fields_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, asks_email);
    let client = app.client();
    let missing = create(&client, &shop, json!({"contact": {"name": "Ada"}})).await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.json()["code"], "UNPROCESSABLE_ENTITY");
    assert_eq!(
        missing.json()["message"],
        "email: Please enter your email address."
    );

    let invalid = create(
        &client,
        &shop,
        json!({"contact": {"email": "ada@", "phone": "12"}}),
    )
    .await;
    assert_eq!(invalid.status, 422);
    let message = invalid.json()["message"].as_str().unwrap().to_string();
    assert!(message.starts_with("email: "), "{message}");
    assert!(message.contains(" phone: "), "{message}");

    let unknown_key = create(&client, &shop, json!({"contact": {"nick": "ada"}})).await;
    assert_eq!(unknown_key.status, 400);
    assert_eq!(
        conversations::table
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap(),
        0
    );
    assert!(contacts_of(&app).is_empty());
    app.stop().await;
}

#[actix_web::test]
async fn a_known_email_or_phone_finds_its_contact_without_a_duplicate() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, asks_email);
    let known = ContactBuilder::new("Grace Hopper")
        .email("grace@example.com")
        .create(&mut app.conn());
    let client = app.client();
    let (_, _, first) = session(
        &client,
        &shop,
        json!({"contact": {"name": "G.", "email": "GRACE@example.com", "phone": "+1 212 555 0147"}}),
    )
    .await;
    let (_, _, second) = session(
        &client,
        &shop,
        json!({"contact": {"email": "grace@example.com"}}),
    )
    .await;
    let contacts = contacts_of(&app);
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert_eq!(contacts[0].id, known.id.0);
    assert_eq!(contacts[0].name.as_deref(), Some("Grace Hopper"), "kept");
    // Typing a known address is only a claim: it fills in nothing of the contact; what the
    // visitor typed stays on the conversation.
    assert_eq!(contacts[0].phone, None, "a claim fills in nothing");
    let (contact, _, _, meta) = conversation(&app, first);
    assert_eq!(contact, Some(known.id.0));
    assert_eq!(meta["visitor"]["name"], "G.");
    assert_eq!(meta["visitor"]["phone"], "+12125550147");
    assert_eq!(conversation(&app, second).0, Some(known.id.0));

    // By phone, when the email is new to us.
    diesel::update(contacts::table.find(known.id.0))
        .set(contacts::phone.eq("+12125550147"))
        .execute(&mut app.conn())
        .unwrap();
    let widget_with_phone_only = widget(&app, |draft| {
        draft.ask_email = FieldRequirement::Off;
        draft.ask_phone = FieldRequirement::Required;
    });
    let (_, _, third) = session(
        &client,
        &widget_with_phone_only,
        json!({"contact": {"phone": "(212) 555-0147"}}),
    )
    .await;
    assert_eq!(conversation(&app, third).0, Some(known.id.0));
    assert_eq!(contacts_of(&app).len(), 1);
    app.stop().await;
}

#[actix_web::test]
async fn a_signed_user_id_makes_a_verified_contact_keyed_by_it() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, |_| {});
    let client = app.client();
    let (_, _, first) = session(
        &client,
        &shop,
        json!({"contact": {"name": "Lin", "email": "lin@example.com"},
               "userId": "42", "userHash": shop.sign("42")}),
    )
    .await;
    let contacts = contacts_of(&app);
    assert_eq!(contacts.len(), 1);
    // Scoped to this widget: another widget's user "42" is someone else (issue 10).
    assert_eq!(contacts[0].fingerprint, format!("widget:{}:42", shop.id));
    assert!(contacts[0].verified);
    assert_eq!(contacts[0].source, "widget");
    // The same user again, with another email typed: the same contact.
    let (_, _, second) = session(
        &client,
        &shop,
        json!({"contact": {"email": "lin.other@example.com"},
               "userId": "42", "userHash": shop.sign("42").to_uppercase()}),
    )
    .await;
    assert_eq!(conversation(&app, first).0, conversation(&app, second).0);
    assert_eq!(contacts_of(&app).len(), 1);
    app.stop().await;
}

#[actix_web::test]
async fn a_wrong_user_hash_is_refused_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, |_| {});
    let other = widget(&app, |_| {});
    let client = app.client();
    for hash in [
        other.sign("42"),
        shop.sign("43"),
        "not hex".to_string(),
        String::new(),
    ] {
        let response = create(
            &client,
            &shop,
            json!({"contact": {"email": "mallory@example.com"}, "userId": "42", "userHash": hash}),
        )
        .await;
        assert_eq!(response.status, 403, "{}", response.body);
        assert_eq!(response.json()["code"], "NOT_AUTHORIZED");
        assert!(
            response.json()["message"]
                .as_str()
                .unwrap()
                .starts_with("userHash: ")
        );
    }
    let no_hash = create(&client, &shop, json!({"userId": "42"})).await;
    assert_eq!(no_hash.status, 403);
    assert!(contacts_of(&app).is_empty());
    assert_eq!(
        conversations::table
            .count()
            .get_result::<i64>(&mut app.conn())
            .unwrap(),
        0
    );
    app.stop().await;
}

#[actix_web::test]
async fn collect_contacts_off_records_the_chat_only() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, |draft| draft.collect_contacts = false);
    let (_, _, conversation_id) = session(
        &app.client(),
        &shop,
        json!({"contact": {"name": "Ada", "email": "ada@example.com"}}),
    )
    .await;
    assert!(contacts_of(&app).is_empty());
    let (contact, _, _, meta) = conversation(&app, conversation_id);
    assert_eq!(contact, None);
    assert_eq!(
        meta["visitor"]["email"], "ada@example.com",
        "staff still see who wrote"
    );
    app.stop().await;
}

#[actix_web::test]
async fn messages_are_sent_and_listed_with_the_session_token() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, |_| {});
    let client = app.client();
    let (id, token, conversation_id) = session(&client, &shop, json!({})).await;

    let sent = send(&client, &shop, &id, &token, "  Is the sencha in stock?\n").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let sent = sent.json();
    assert_eq!(sent["type"], "user");
    assert_eq!(sent["text"], "Is the sencha in stock?");
    let sent_id = sent["id"].as_str().unwrap().to_string();

    // A bot reply, a staff note and a context message arrive in the conversation.
    let stored = message::insert_all(
        &mut app.conn(),
        &["bot", "staff", "context"].map(|role| NewMessage {
            conversation_id: ConversationId(conversation_id),
            role: role.into(),
            text: format!("{role} text"),
            meta: json!({}),
            created_at: None,
        }),
    )
    .unwrap();

    let all = list(&client, &shop, &id, &token, None).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let items = all.json()["items"].as_array().unwrap().clone();
    let texts: Vec<&str> = items.iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(
        texts,
        ["Is the sencha in stock?", "bot text"],
        "never staff or context"
    );
    assert_eq!(items[1]["type"], "bot");

    let newer = list(&client, &shop, &id, &token, Some(&sent_id)).await;
    assert_eq!(newer.json()["items"].as_array().unwrap().len(), 1);
    let last = stored[0].id.to_string();
    let none = list(&client, &shop, &id, &token, Some(&last)).await;
    assert_eq!(none.json()["items"], json!([]));
    let bad_after = list(&client, &shop, &id, &token, Some("x")).await;
    assert_eq!(bad_after.status, 400);

    // Blank and over-long messages.
    let blank = send(&client, &shop, &id, &token, "   ").await;
    assert_eq!(blank.status, 422);
    assert!(
        blank.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("text: ")
    );
    let long = send(&client, &shop, &id, &token, &"x".repeat(4001)).await;
    assert_eq!(long.status, 422);
    let count: i64 = messages::table
        .filter(messages::conversation_id.eq(conversation_id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(count, 4);
    app.stop().await;
}

#[actix_web::test]
async fn a_token_opens_only_its_own_session() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, |_| {});
    let other_widget = widget(&app, |_| {});
    let client = app.client();
    let (id, token, _) = session(&client, &shop, json!({})).await;
    let (other_id, other_token, _) = session(&client, &shop, json!({})).await;

    assert_eq!(
        list(&client, &shop, &id, &other_token, None).await.status,
        401
    );
    assert_eq!(
        list(&client, &shop, &other_id, &token, None).await.status,
        401
    );
    assert_eq!(
        list(&client, &other_widget, &id, &token, None).await.status,
        401
    );
    assert_eq!(
        send(&client, &shop, &id, "rws_wrong", "hi").await.status,
        401
    );
    let no_token = client
        .api(
            "GET",
            &shop.url(&format!("session/{id}/message/list")),
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(no_token.status, 401);
    assert_eq!(no_token.json()["code"], "NOT_AUTHENTICATED");
    assert_eq!(list(&client, &shop, &id, &token, None).await.status, 200);
    app.stop().await;
}

#[actix_web::test]
async fn sessions_expire() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, |_| {});
    let client = app.client();
    let short = create(&client, &shop, json!({"durationInSeconds": 1800})).await;
    let expires = short.json()["expiresAt"].as_i64().unwrap();
    let in_half_an_hour = chrono::Utc::now().timestamp_millis() + 1800 * 1000;
    assert!((in_half_an_hour - expires).abs() < 60_000);

    let (id, token, _) = session(&client, &shop, json!({})).await;
    diesel::update(
        widget_sessions::table.filter(widget_sessions::id.eq(id.parse::<i64>().unwrap())),
    )
    .set(widget_sessions::expires_at.eq(chrono::Utc::now() - chrono::Duration::seconds(1)))
    .execute(&mut app.conn())
    .unwrap();
    assert_eq!(list(&client, &shop, &id, &token, None).await.status, 401);
    assert_eq!(
        send(&client, &shop, &id, &token, "still there?")
            .await
            .status,
        401
    );
    app.stop().await;
}

#[actix_web::test]
async fn a_disabled_widget_answers_nothing() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, |_| {});
    let client = app.client();
    let (id, token, _) = session(&client, &shop, json!({})).await;
    diesel::sql_query(format!(
        "UPDATE integrations SET enabled = false WHERE id = {}",
        shop.id
    ))
    .execute(&mut app.conn())
    .unwrap();
    assert_eq!(
        client
            .api("GET", &shop.url("config"), None, &[], None)
            .await
            .status,
        404
    );
    assert_eq!(create(&client, &shop, json!({})).await.status, 404);
    assert_eq!(
        send(&client, &shop, &id, &token, "hello?").await.status,
        404
    );
    app.stop().await;
}
