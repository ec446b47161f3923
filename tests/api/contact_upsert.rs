//! `conversation/{id}/contact/upsert`: a contact-less conversation gets the contact its body
//! describes (found or created as by `contact/ensure`), its contact-less ratings follow, and
//! the bot is told in a `context` message; a conversation with a contact is left alone (304).

use crate::common::TestApp;
use crate::common::builders::{ContactBuilder, ConversationBuilder};
use crate::related_support::{Api, assert_audited, assert_error, count, id_of};
use diesel::prelude::*;
use rapport::domain::api_token::TokenRole;
use rapport::domain::{ContactId, ConversationId};
use rapport::models::message::Message;
use rapport::models::schema::{messages, ratings};
use rapport::models::{contact, conversation};
use serde_json::json;

/// A conversation without a contact, with one message and one (contact-less) upvote.
async fn lone_conversation(api: &Api) -> (i64, i64) {
    let created = api
        .post(
            "/conversation/create",
            json!({"name": "Widget chat", "messages": [{"type": "user", "text": "Hi"}]}),
        )
        .await;
    let id = id_of(&created);
    let rating = id_of(
        &api.post(&format!("/conversation/{id}/upvote"), json!({}))
            .await,
    );
    (id, rating)
}

fn messages_of(app: &TestApp, conversation: impl Into<i64>) -> Vec<Message> {
    messages::table
        .filter(messages::conversation_id.eq(conversation.into()))
        .select(Message::as_select())
        .order(messages::id)
        .load(&mut app.conn())
        .unwrap()
}

fn rating_contact(app: &TestApp, rating: i64) -> Option<i64> {
    ratings::table
        .find(rating)
        .select(ratings::contact_id)
        .first(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_contact_less_conversation_gets_a_new_contact() {
    let app = TestApp::spawn().await;
    let api = Api::new(&app, TokenRole::Editor);
    let (id, rating) = lone_conversation(&api).await;
    assert_eq!(rating_contact(&app, rating), None);

    let response = api
        .post(
            &format!("/conversation/{id}/contact/upsert"),
            json!({"name": "Jane Visitor", "email": "jane@example.com", "meta": {"app": "widget"}}),
        )
        .await;
    let contact_id = id_of(&response);
    assert_eq!(response.json(), json!({"id": contact_id.to_string()}));

    let created = contact::find(&mut app.conn(), ContactId(contact_id)).unwrap();
    assert_eq!(created.name.as_deref(), Some("Jane Visitor"));
    assert_eq!(created.email.as_deref(), Some("jane@example.com"));
    assert_eq!(created.meta, json!({"app": "widget"}));
    assert!(created.verified_at.is_none(), "no fingerprint: untrusted");
    let linked = conversation::find(&mut app.conn(), ConversationId(id)).unwrap();
    assert_eq!(linked.contact_id, Some(ContactId(contact_id)));
    assert_eq!(
        rating_contact(&app, rating),
        Some(contact_id),
        "ratings follow"
    );
    let told = messages_of(&app, id);
    assert_eq!(told.len(), 2);
    assert_eq!(told[1].role, "context");
    assert_eq!(
        told[1].text,
        "The user provided their contact information:\n\nname: Jane Visitor"
    );
    let event = assert_audited(&app, "conversation", id, "linked");
    assert_eq!(event.contact_id, Some(ContactId(contact_id)));
    assert_eq!(
        count(&app, "contacts"),
        1,
        "created by the upsert, nothing else"
    );
}

#[actix_web::test]
async fn an_existing_contact_is_found_and_a_fingerprint_is_trusted() {
    let app = TestApp::spawn().await;
    let api = Api::new(&app, TokenRole::Editor);
    let jane = ContactBuilder::new("Jane")
        .email("jane@example.com")
        .create(&mut app.conn());

    // By email, ignoring case; her empty fields are filled, nothing she has is overwritten.
    let (first, _) = lone_conversation(&api).await;
    let found = api
        .post(
            &format!("/conversation/{first}/contact/upsert"),
            json!({"name": "Someone Else", "email": "JANE@example.com", "nick": "jj"}),
        )
        .await;
    assert_eq!(id_of(&found), jane.id.0);
    let after = contact::find(&mut app.conn(), jane.id).unwrap();
    assert_eq!(after.name.as_deref(), Some("Jane"));
    assert_eq!(after.nick.as_deref(), Some("jj"));
    assert_eq!(
        messages_of(&app, first)[1].text,
        "The user provided their contact information:\n\nname: Jane"
    );

    // With a fingerprint: created verified, and found by it the next time.
    let (second, _) = lone_conversation(&api).await;
    let body = json!({"fingerprint": "user-0000000000000042", "name": "Known User"});
    let trusted = id_of(
        &api.post(
            &format!("/conversation/{second}/contact/upsert"),
            body.clone(),
        )
        .await,
    );
    let stored = contact::find(&mut app.conn(), ContactId(trusted)).unwrap();
    assert!(stored.verified_at.is_some());
    let (third, _) = lone_conversation(&api).await;
    let again = api
        .post(&format!("/conversation/{third}/contact/upsert"), body)
        .await;
    assert_eq!(id_of(&again), trusted);
    assert_eq!(count(&app, "contacts"), 2);
}

#[actix_web::test]
async fn a_conversation_with_a_contact_is_left_alone() {
    let app = TestApp::spawn().await;
    let api = Api::new(&app, TokenRole::Editor);
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let (chat, before) = ConversationBuilder::new(ada.id)
        .message("user", "Hello")
        .create(&mut app.conn());

    let response = api
        .post(
            &format!("/conversation/{}/contact/upsert", chat.id),
            json!({"name": "Other", "email": "other@example.com"}),
        )
        .await;
    assert_eq!(response.status, 304, "{}", response.body);
    assert!(response.body.is_empty());
    let after = conversation::find(&mut app.conn(), chat.id).unwrap();
    assert_eq!(after.contact_id, Some(ada.id));
    assert_eq!(messages_of(&app, chat.id).len(), before.len());
    assert_eq!(count(&app, "contacts"), 1, "no contact was created");
}

#[actix_web::test]
async fn errors_change_nothing() {
    let app = TestApp::spawn().await;
    let api = Api::new(&app, TokenRole::Editor);
    let body = json!({"email": "jane@example.com"});
    for missing in ["999999", "abc", "0"] {
        let response = api
            .post(
                &format!("/conversation/{missing}/contact/upsert"),
                body.clone(),
            )
            .await;
        assert_error(&response, 404, "NOT_FOUND", None);
    }
    let (id, _) = lone_conversation(&api).await;
    let path = format!("/conversation/{id}/contact/upsert");

    let viewer = Api::new(&app, TokenRole::Viewer);
    assert_error(
        &viewer.post(&path, body.clone()).await,
        403,
        "NOT_AUTHORIZED",
        None,
    );
    assert_error(
        &api.post(&path, json!({"preferences": "tea"})).await,
        400,
        "BAD_REQUEST",
        Some("preferences"),
    );
    assert_error(
        &api.post(&path, json!({"email": "not an address"})).await,
        422,
        "UNPROCESSABLE_ENTITY",
        Some("email: "),
    );
    assert_eq!(count(&app, "contacts"), 0);
    let still = conversation::find(&mut app.conn(), ConversationId(id)).unwrap();
    assert_eq!(still.contact_id, None);
    assert_eq!(messages_of(&app, id).len(), 1);
}
