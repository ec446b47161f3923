//! `conversation/create`, `conversation/{id}/fetch|update|delete`,
//! `conversation/{id}/message/create|list` and the votes that create ratings.

use crate::common::TestApp;
use crate::common::builders::{ContactBuilder, ConversationBuilder};
use crate::related_support::{Api, assert_audited, assert_error, count, id_of, ids};
use diesel::prelude::*;
use rapport::domain::ConversationId;
use rapport::domain::api_token::TokenRole;
use rapport::models::conversation;
use rapport::models::message::Message;
use rapport::models::rating::Rating;
use rapport::models::schema::{messages, ratings};
use serde_json::{Value, json};

fn messages_of(app: &TestApp, conversation: impl Into<i64>) -> Vec<Message> {
    messages::table
        .filter(messages::conversation_id.eq(conversation.into()))
        .select(Message::as_select())
        .order(messages::id)
        .load(&mut app.conn())
        .unwrap()
}

fn rating(app: &TestApp, id: i64) -> Rating {
    ratings::table
        .find(id)
        .select(Rating::as_select())
        .first(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_conversation_starts_with_its_messages_in_one_go() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    let created = api
        .post(
            "/conversation/create",
            json!({
                "contactId": ada.id.to_string(),
                "name": "Refund request",
                "meta": {"ticket": "T-1"},
                "messages": [
                    {"type": "context", "text": "Plan: Pro"},
                    {"type": "user", "text": "I want a refund."},
                    {"type": "bot", "text": "    Sure:\n    step 1"},
                ],
            }),
        )
        .await;
    let id = id_of(&created);
    let stored = conversation::find(&mut app.conn(), ConversationId(id)).unwrap();
    assert_eq!(stored.contact_id, Some(ada.id));
    assert_eq!(stored.subject.as_deref(), Some("Refund request"));
    assert_eq!(stored.channel, "api", "the API's channel by default");
    assert_eq!(stored.meta, json!({"ticket": "T-1"}));
    assert_eq!(stored.message_count, 3);
    let stored_messages = messages_of(&app, id);
    let roles: Vec<&str> = stored_messages.iter().map(|m| m.role.as_str()).collect();
    assert_eq!(roles, ["context", "user", "bot"]);
    assert_eq!(
        stored_messages[2].text, "    Sure:\n    step 1",
        "kept as sent"
    );
    let event = assert_audited(&app, "conversation", id, "create");
    assert_eq!(event.contact_id, Some(ada.id));
    assert_eq!(event.changes["messages"]["after"], 3);
    assert_eq!(event.changes["subject"]["after"], "Refund request");

    // Listed under the contact with its subject as name.
    let listed = api
        .get(&format!("/contact/{}/conversation/list", ada.id))
        .await
        .json();
    assert_eq!(listed["items"][0]["name"], "Refund request");
    assert_eq!(listed["items"][0]["channel"], "api");

    // Without a contact, with `subject` and another channel; no messages.
    let loose = api
        .post(
            "/conversation/create",
            json!({"subject": "From the widget", "channel": "widget"}),
        )
        .await;
    let loose = conversation::find(&mut app.conn(), ConversationId(id_of(&loose))).unwrap();
    assert_eq!(loose.contact_id, None);
    assert_eq!(loose.channel, "widget");
    assert_eq!(loose.subject.as_deref(), Some("From the widget"));
    assert_eq!(loose.message_count, 0);
}

#[actix_web::test]
async fn one_bad_message_stores_nothing() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    let refused = api
        .post(
            "/conversation/create",
            json!({
                "contactId": ada.id,
                "messages": [
                    {"type": "user", "text": "Hello"},
                    {"type": "reasoning", "text": "Hmm"},
                    {"type": "bot", "text": "  "},
                ],
            }),
        )
        .await;
    assert_error(
        &refused,
        422,
        "UNPROCESSABLE_ENTITY",
        Some("messages.1.type:"),
    );
    assert!(
        refused.json()["message"]
            .as_str()
            .unwrap()
            .contains("messages.2.text:")
    );
    for (body, field) in [
        (json!({"channel": "fax"}), "channel:"),
        (json!({"name": "a\nb"}), "name:"),
        (json!({"name": "x".repeat(501)}), "name:"),
        (json!({"name": "A", "subject": "B"}), "name:"),
        (json!({"meta": [1, 2]}), "meta:"),
        (json!({"contactId": 999999}), "contactId:"),
    ] {
        let refused = api.post("/conversation/create", body).await;
        assert_error(&refused, 422, "UNPROCESSABLE_ENTITY", Some(field));
    }
    let unknown = api
        .post("/conversation/create", json!({"botId": "b"}))
        .await;
    assert_error(&unknown, 400, "BAD_REQUEST", Some("botId"));
    let bad_message = api
        .post(
            "/conversation/create",
            json!({"messages": [{"type": "user", "text": "x", "nps": 3}]}),
        )
        .await;
    assert_error(&bad_message, 400, "BAD_REQUEST", Some("nps"));
    assert_eq!(count(&app, "conversations"), 0);
    assert_eq!(count(&app, "messages"), 0);

    let viewer = Api::new(&app, TokenRole::Viewer);
    let refused = viewer.post("/conversation/create", json!({})).await;
    assert_error(&refused, 403, "NOT_AUTHORIZED", None);
    let wrong = api.get("/conversation/create").await;
    assert_error(&wrong, 405, "METHOD_NOT_ALLOWED", None);
}

#[actix_web::test]
async fn messages_are_added_and_listed() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let (conversation, existing) = ConversationBuilder::new(ada.id)
        .messages(3)
        .create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    let path = format!("/conversation/{}/message/create", conversation.id);

    let added = api
        .post(&path, json!({"type": "bot", "text": "Anything else?"}))
        .await;
    let bot_id = id_of(&added);
    let staff = api
        .post(
            &path,
            json!({"type": "staff", "text": "  Called her back. "}),
        )
        .await;
    let staff_id = id_of(&staff);
    let stored = messages_of(&app, conversation.id);
    assert_eq!(stored.len(), 5);
    assert_eq!(stored[3].id.0, bot_id);
    assert_eq!(stored[3].meta, json!({}));
    assert_eq!(
        stored[4].text, "Called her back.",
        "staff notes are trimmed"
    );
    assert_eq!(stored[4].meta, json!({"author": "editor bot"}));
    let event = assert_audited(&app, "message", bot_id, "create");
    assert_eq!(event.contact_id, Some(ada.id));
    assert_eq!(event.changes["type"]["after"], "bot");
    assert_audited(&app, "message", staff_id, "create");

    let listed = api
        .get(&format!(
            "/conversation/{}/message/list?order=asc",
            conversation.id
        ))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let body = listed.json();
    let mut expected: Vec<String> = existing.iter().map(|m| m.id.to_string()).collect();
    expected.extend([bot_id.to_string(), staff_id.to_string()]);
    assert_eq!(ids(&body["items"]), expected);
    let item = &body["items"][3];
    assert_eq!(item["type"], "bot");
    assert_eq!(item["text"], "Anything else?");
    assert_eq!(item["conversationId"], conversation.id.to_string());
    assert!(item["createdAt"].is_i64() && item["updatedAt"].is_i64());
    assert_eq!(item["name"], Value::Null);
    // Newest first by default, `take` per page, and as JSON lines.
    let newest = api
        .get(&format!(
            "/conversation/{}/message/list?take=2",
            conversation.id
        ))
        .await
        .json();
    assert_eq!(
        ids(&newest["items"]),
        [staff_id.to_string(), bot_id.to_string()]
    );
    let lines = api
        .lines(&format!("/conversation/{}/message/list", conversation.id))
        .await;
    assert_eq!(lines.len(), 5);

    let bad = api
        .post(&path, json!({"type": "system", "text": "x"}))
        .await;
    assert_error(&bad, 422, "UNPROCESSABLE_ENTITY", Some("type:"));
    let blank = api.post(&path, json!({"type": "user"})).await;
    assert_error(&blank, 422, "UNPROCESSABLE_ENTITY", Some("text:"));
    let unknown = api
        .post(&path, json!({"type": "user", "text": "x", "role": "user"}))
        .await;
    assert_error(&unknown, 400, "BAD_REQUEST", Some("role"));
    let missing = api
        .post(
            "/conversation/999999/message/create",
            json!({"type": "user", "text": "x"}),
        )
        .await;
    assert_error(&missing, 404, "NOT_FOUND", None);
    let missing_list = api.get("/conversation/999999/message/list").await;
    assert_error(&missing_list, 404, "NOT_FOUND", None);
    let viewer = Api::new(&app, TokenRole::Viewer);
    let refused = viewer
        .post(&path, json!({"type": "user", "text": "x"}))
        .await;
    assert_error(&refused, 403, "NOT_AUTHORIZED", None);
    let readable = viewer
        .get(&format!("/conversation/{}/message/list", conversation.id))
        .await;
    assert_eq!(readable.status, 200);
    assert_eq!(messages_of(&app, conversation.id).len(), 5);
}

#[actix_web::test]
async fn votes_create_ratings_linked_to_the_conversations_contact() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let (conversation, messages) = ConversationBuilder::new(ada.id)
        .messages(2)
        .create(&mut app.conn());
    let (other, other_messages) = ConversationBuilder::new(ada.id)
        .messages(1)
        .create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);

    let up = api
        .post(
            &format!("/conversation/{}/upvote", conversation.id),
            json!({}),
        )
        .await;
    let up = rating(&app, id_of(&up));
    assert_eq!(up.value, 100);
    assert_eq!(up.contact_id, Some(ada.id));
    assert_eq!(up.conversation_id, Some(conversation.id));
    assert_eq!(up.message_id, None);
    assert_eq!(up.reason, None);
    let event = assert_audited(&app, "rating", up.id, "create");
    assert_eq!(event.contact_id, Some(ada.id));
    assert_eq!(event.changes["value"]["after"], 100);

    let down = api
        .post(
            &format!("/conversation/{}/downvote", conversation.id),
            json!({"reason": " Too slow "}),
        )
        .await;
    let down = rating(&app, id_of(&down));
    assert_eq!(down.value, -100);
    assert_eq!(down.reason.as_deref(), Some("Too slow"));

    let graded = api
        .post(
            &format!(
                "/conversation/{}/message/{}/downvote",
                conversation.id, messages[1].id
            ),
            json!({"value": -40, "reason": "Half wrong"}),
        )
        .await;
    let graded = rating(&app, id_of(&graded));
    assert_eq!(graded.value, -40);
    assert_eq!(graded.message_id, Some(messages[1].id));
    assert_eq!(graded.conversation_id, Some(conversation.id));
    assert_eq!(graded.contact_id, Some(ada.id));
    // No body at all reads as {}.
    let message_up = api
        .client
        .api(
            "POST",
            &format!(
                "/api/v1/conversation/{}/message/{}/upvote",
                conversation.id, messages[0].id
            ),
            Some(&api.token),
            &[],
            None,
        )
        .await;
    assert_eq!(rating(&app, id_of(&message_up)).value, 100);

    // They show in the contact's ratings.
    let listed = api
        .get(&format!("/contact/{}/rating/list", ada.id))
        .await
        .json();
    assert_eq!(listed["items"].as_array().unwrap().len(), 4);
    assert_eq!(listed["items"][1]["value"], -40);
    assert_eq!(listed["items"][1]["messageId"], messages[1].id.to_string());

    // A message of another conversation, unknown ids, bad bodies, viewers.
    let elsewhere = api
        .post(
            &format!(
                "/conversation/{}/message/{}/upvote",
                conversation.id, other_messages[0].id
            ),
            json!({}),
        )
        .await;
    assert_error(&elsewhere, 404, "NOT_FOUND", None);
    let missing = api.post("/conversation/999999/upvote", json!({})).await;
    assert_error(&missing, 404, "NOT_FOUND", None);
    let not_int = api
        .post(
            &format!("/conversation/{}/upvote", other.id),
            json!({"value": "lots"}),
        )
        .await;
    assert_error(&not_int, 400, "BAD_REQUEST", Some("value"));
    let long = api
        .post(
            &format!("/conversation/{}/upvote", other.id),
            json!({"reason": "x".repeat(2_001)}),
        )
        .await;
    assert_error(&long, 422, "UNPROCESSABLE_ENTITY", Some("reason:"));
    let viewer = Api::new(&app, TokenRole::Viewer);
    let refused = viewer
        .post(&format!("/conversation/{}/upvote", other.id), json!({}))
        .await;
    assert_error(&refused, 403, "NOT_AUTHORIZED", None);
    let wrong = api
        .get(&format!("/conversation/{}/downvote", other.id))
        .await;
    assert_error(&wrong, 405, "METHOD_NOT_ALLOWED", None);
    assert_eq!(count(&app, "ratings"), 4);

    // A conversation without a contact gives a rating without one.
    let loose = api.post("/conversation/create", json!({})).await;
    let vote = api
        .post(
            &format!("/conversation/{}/upvote", id_of(&loose)),
            json!({}),
        )
        .await;
    assert_eq!(rating(&app, id_of(&vote)).contact_id, None);
}

#[actix_web::test]
async fn a_conversation_is_fetched_updated_and_deleted_keeping_its_ratings() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let (conversation, messages) = ConversationBuilder::new(ada.id)
        .subject("Billing")
        .messages(2)
        .create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    let base = format!("/conversation/{}", conversation.id);

    let fetched = api.get(&format!("{base}/fetch")).await;
    assert_eq!(fetched.status, 200, "{}", fetched.body);
    assert_eq!(fetched.header("content-type"), Some("application/json"));
    let body = fetched.json();
    assert_eq!(body["id"], conversation.id.to_string());
    assert_eq!(body["name"], "Billing");
    assert_eq!(body["contactId"], ada.id.to_string());
    assert_eq!(body["description"], Value::Null);
    assert!(body["createdAt"].is_i64());

    // Meta replaced; the subject, not sent, stays.
    let updated = api
        .post(
            &format!("{base}/update"),
            json!({"meta": {"ticket": "T-9"}}),
        )
        .await;
    assert_eq!(id_of(&updated), conversation.id.0);
    let stored = conversation::find(&mut app.conn(), conversation.id).unwrap();
    assert_eq!(stored.subject.as_deref(), Some("Billing"));
    assert_eq!(stored.meta, json!({"ticket": "T-9"}));
    let event = assert_audited(&app, "conversation", conversation.id, "update");
    assert_eq!(event.contact_id, Some(ada.id));
    assert_eq!(event.changes["meta"]["after"], json!({"ticket": "T-9"}));
    assert!(
        event.changes.get("subject").is_none(),
        "{:?}",
        event.changes
    );
    // `name: null` clears the subject.
    let cleared = api
        .post(&format!("{base}/update"), json!({"name": null}))
        .await;
    id_of(&cleared);
    let stored = conversation::find(&mut app.conn(), conversation.id).unwrap();
    assert_eq!(stored.subject, None);
    assert_eq!(stored.meta, json!({"ticket": "T-9"}));

    for (body, field) in [
        (json!({"name": "a\nb"}), "name:"),
        (json!({"subject": "x".repeat(501)}), "subject:"),
        (json!({"meta": {"_x": 1}}), "meta._x:"),
    ] {
        let refused = api.post(&format!("{base}/update"), body).await;
        assert_error(&refused, 422, "UNPROCESSABLE_ENTITY", Some(field));
    }
    let moved = api
        .post(&format!("{base}/update"), json!({"contactId": "1"}))
        .await;
    assert_error(&moved, 400, "BAD_REQUEST", Some("contactId"));
    let viewer = Api::new(&app, TokenRole::Viewer);
    let refused = viewer
        .post(&format!("{base}/update"), json!({"name": "Mine"}))
        .await;
    assert_error(&refused, 403, "NOT_AUTHORIZED", None);
    let refused = viewer.post(&format!("{base}/delete"), json!({})).await;
    assert_error(&refused, 403, "NOT_AUTHORIZED", None);
    assert_eq!(viewer.get(&format!("{base}/fetch")).await.status, 200);

    // A rating of one of its messages outlives it, no longer linked to it.
    let vote = api
        .post(
            &format!("{base}/message/{}/upvote", messages[0].id),
            json!({}),
        )
        .await;
    let vote = id_of(&vote);
    let deleted = api.post(&format!("{base}/delete"), json!({})).await;
    assert_eq!(id_of(&deleted), conversation.id.0);
    assert_eq!(count(&app, "conversations"), 0);
    assert_eq!(count(&app, "messages"), 0);
    let kept = rating(&app, vote);
    assert_eq!(kept.conversation_id, None);
    assert_eq!(kept.message_id, None);
    assert_eq!(kept.contact_id, Some(ada.id));
    let event = assert_audited(&app, "conversation", conversation.id, "delete");
    assert_eq!(event.contact_id, Some(ada.id));

    for path in ["fetch", "update", "delete"] {
        let gone = if path == "fetch" {
            api.get(&format!("{base}/{path}")).await
        } else {
            api.post(&format!("{base}/{path}"), json!({})).await
        };
        assert_error(&gone, 404, "NOT_FOUND", None);
    }
    let not_empty = api
        .post("/conversation/1/delete", json!({"force": true}))
        .await;
    assert_error(&not_empty, 400, "BAD_REQUEST", Some("force"));

    // One without a contact is deleted too.
    let loose = id_of(&api.post("/conversation/create", json!({})).await);
    let deleted = api
        .post(&format!("/conversation/{loose}/delete"), json!({}))
        .await;
    assert_eq!(id_of(&deleted), loose);
    assert_eq!(
        assert_audited(&app, "conversation", loose, "delete").contact_id,
        None
    );
}
