//! `memory/create`, `memory/{id}/update`, `memory/{id}/delete`.

use crate::common::TestApp;
use crate::common::builders::{ContactBuilder, memory};
use crate::related_support::{Api, assert_audited, assert_error, count, id_of};
use rapport::domain::MemoryId;
use rapport::domain::api_token::TokenRole;
use rapport::models::memory as memories;
use serde_json::json;

#[actix_web::test]
async fn create_update_and_delete_a_memory_audited_with_the_tokens_name() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);

    let created = api
        .post(
            "/memory/create",
            json!({"contactId": ada.id.to_string(), "text": "  Prefers email  ", "meta": {"source": "chat", "score": 3}}),
        )
        .await;
    let id = id_of(&created);
    assert_eq!(created.json(), json!({"id": id.to_string()}));
    let stored = memories::find(&mut app.conn(), ada.id, MemoryId(id)).unwrap();
    assert_eq!(stored.text, "Prefers email", "trimmed as in the dashboard");
    assert_eq!(stored.meta, json!({"source": "chat", "score": 3}));
    let event = assert_audited(&app, "memory", id, "create");
    assert_eq!(event.contact_id, Some(ada.id));
    assert_eq!(event.changes["text"]["after"], "Prefers email");

    // A numeric contact id works too.
    let numeric = api
        .post(
            "/memory/create",
            json!({"contactId": ada.id, "text": "Two kids"}),
        )
        .await;
    assert_eq!(numeric.status, 200, "{}", numeric.body);

    // Only the text: the meta stays.
    let updated = api
        .post(
            &format!("/memory/{id}/update"),
            json!({"text": "Prefers email, not calls"}),
        )
        .await;
    assert_eq!(id_of(&updated), id);
    let stored = memories::find(&mut app.conn(), ada.id, MemoryId(id)).unwrap();
    assert_eq!(stored.text, "Prefers email, not calls");
    assert_eq!(stored.meta, json!({"source": "chat", "score": 3}));
    let event = assert_audited(&app, "memory", id, "update");
    assert_eq!(event.changes["text"]["before"], "Prefers email");
    assert!(event.changes.get("meta").is_none());

    // Only the meta, replaced; then cleared with null.
    api.post(
        &format!("/memory/{id}/update"),
        json!({"meta": {"source": "email"}}),
    )
    .await;
    let stored = memories::find(&mut app.conn(), ada.id, MemoryId(id)).unwrap();
    assert_eq!(stored.meta, json!({"source": "email"}));
    assert_eq!(stored.text, "Prefers email, not calls");
    api.post(&format!("/memory/{id}/update"), json!({"meta": null}))
        .await;
    let stored = memories::find(&mut app.conn(), ada.id, MemoryId(id)).unwrap();
    assert_eq!(stored.meta, json!({}));

    // Nothing different: nothing written, nothing audited.
    let before = crate::related_support::events(&app, "memory", id).len();
    let same = api
        .post(
            &format!("/memory/{id}/update"),
            json!({"text": "Prefers email, not calls"}),
        )
        .await;
    assert_eq!(same.status, 200);
    assert_eq!(
        crate::related_support::events(&app, "memory", id).len(),
        before
    );

    // Delete takes {} (or nothing at all).
    let deleted = api.post(&format!("/memory/{id}/delete"), json!({})).await;
    assert_eq!(id_of(&deleted), id);
    assert!(memories::find(&mut app.conn(), ada.id, MemoryId(id)).is_err());
    let event = assert_audited(&app, "memory", id, "delete");
    assert_eq!(event.changes["text"]["before"], "Prefers email, not calls");
    let again = api.post(&format!("/memory/{id}/delete"), json!({})).await;
    assert_error(&again, 404, "NOT_FOUND", None);
}

#[actix_web::test]
async fn bad_bodies_are_400_and_invalid_values_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);

    let unknown = api
        .post(
            "/memory/create",
            json!({"contactId": ada.id, "text": "x", "botId": "b"}),
        )
        .await;
    assert_error(&unknown, 400, "BAD_REQUEST", Some("botId"));
    let wrong_type = api
        .post("/memory/create", json!({"contactId": ada.id, "text": 5}))
        .await;
    assert_error(&wrong_type, 400, "BAD_REQUEST", Some("text"));
    let not_json = api
        .post_raw("/memory/create", "application/json", b"{text:".to_vec())
        .await;
    assert_error(&not_json, 400, "BAD_REQUEST", None);

    let empty = api.post("/memory/create", json!({})).await;
    assert_error(&empty, 422, "UNPROCESSABLE_ENTITY", Some("contactId:"));
    assert!(empty.json()["message"].as_str().unwrap().contains("text:"));
    let blank = api
        .post(
            "/memory/create",
            json!({"contactId": ada.id, "text": "   "}),
        )
        .await;
    assert_error(
        &blank,
        422,
        "UNPROCESSABLE_ENTITY",
        Some("text: Write what to remember"),
    );
    let long = api
        .post(
            "/memory/create",
            json!({"contactId": ada.id, "text": "x".repeat(10_001)}),
        )
        .await;
    assert_error(&long, 422, "UNPROCESSABLE_ENTITY", Some("10,000"));
    let bad_meta = api
        .post(
            "/memory/create",
            json!({"contactId": ada.id, "text": "ok", "meta": {"_hidden": 1}}),
        )
        .await;
    assert_error(
        &bad_meta,
        422,
        "UNPROCESSABLE_ENTITY",
        Some("meta._hidden:"),
    );
    let no_contact = api
        .post(
            "/memory/create",
            json!({"contactId": "999999", "text": "ok"}),
        )
        .await;
    assert_error(&no_contact, 422, "UNPROCESSABLE_ENTITY", Some("contactId:"));
    let bad_id = api
        .post("/memory/create", json!({"contactId": "abc", "text": "ok"}))
        .await;
    assert_error(&bad_id, 400, "BAD_REQUEST", Some("contactId"));
    assert_eq!(count(&app, "memories"), 0, "nothing was stored");

    let stored = memory(&mut app.conn(), ada.id, "Keep me");
    let bad_update = api
        .post(
            &format!("/memory/{}/update", stored.id),
            json!({"text": ""}),
        )
        .await;
    assert_error(&bad_update, 422, "UNPROCESSABLE_ENTITY", Some("text:"));
    let unknown_update = api
        .post(
            &format!("/memory/{}/update", stored.id),
            json!({"contactId": 1}),
        )
        .await;
    assert_error(&unknown_update, 400, "BAD_REQUEST", Some("contactId"));
    let missing = api
        .post("/memory/999999/update", json!({"text": "x"}))
        .await;
    assert_error(&missing, 404, "NOT_FOUND", None);
    let junk = api.post("/memory/abc/delete", json!({})).await;
    assert_error(&junk, 404, "NOT_FOUND", None);
    let delete_with_body = api
        .post(
            &format!("/memory/{}/delete", stored.id),
            json!({"force": true}),
        )
        .await;
    assert_error(&delete_with_body, 400, "BAD_REQUEST", Some("force"));
    assert_eq!(
        memories::find(&mut app.conn(), ada.id, stored.id)
            .unwrap()
            .text,
        "Keep me"
    );
}

#[actix_web::test]
async fn viewers_cannot_write_and_writes_are_post_only() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let stored = memory(&mut app.conn(), ada.id, "Keep me");
    let viewer = Api::new(&app, TokenRole::Viewer);
    for (path, body) in [
        (
            "/memory/create".to_string(),
            json!({"contactId": ada.id, "text": "x"}),
        ),
        (
            format!("/memory/{}/update", stored.id),
            json!({"text": "x"}),
        ),
        (format!("/memory/{}/delete", stored.id), json!({})),
    ] {
        let refused = viewer.post(&path, body).await;
        assert_error(&refused, 403, "NOT_AUTHORIZED", None);
        let wrong = viewer.get(&path).await;
        assert_error(&wrong, 405, "METHOD_NOT_ALLOWED", None);
        let anonymous = app
            .client()
            .api(
                "POST",
                &format!("/api/v1{path}"),
                None,
                &[],
                Some(&json!({})),
            )
            .await;
        assert_error(&anonymous, 401, "NOT_AUTHENTICATED", None);
    }
    assert_eq!(count(&app, "memories"), 1);
    assert_eq!(
        memories::find(&mut app.conn(), ada.id, stored.id)
            .unwrap()
            .text,
        "Keep me"
    );
}

#[actix_web::test]
async fn lists_say_which_memories_await_confirmation_and_agents_get_only_confirmed_ones() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let known = memory(&mut app.conn(), ada.id, "Prefers email");
    let (conversation, _) =
        crate::common::builders::ConversationBuilder::new(ada.id).create(&mut app.conn());
    // Written by an agent in a conversation whose visitor only claimed Ada (issue 10).
    let claimed = memories::create_with(
        &mut app.conn(),
        ada.id,
        "Card ends 4242",
        &json!({}),
        memories::Origin::Claim(conversation.id),
        &rapport::models::Actor::System("widget Shop".into()),
    )
    .unwrap();
    let api = Api::new(&app, TokenRole::Viewer);
    let list = api
        .get(&format!("/contact/{}/memory/list?order=asc", ada.id))
        .await
        .json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "staff and API callers see both");
    assert_eq!(items[0]["id"], known.id.to_string());
    assert_eq!(items[0]["confirmed"], true);
    assert_eq!(items[1]["id"], claimed.id.to_string());
    assert_eq!(items[1]["confirmed"], false);
    let context = api
        .get(&format!("/contact/{}/context", ada.id))
        .await
        .json();
    assert_eq!(context["memories"].as_array().unwrap().len(), 1);
    assert_eq!(context["memories"][0]["text"], "Prefers email");
    assert_eq!(context["omittedMemories"], 0);
    let found = api
        .post(
            &format!("/contact/{}/memory/search", ada.id),
            json!({"search": "card"}),
        )
        .await
        .json();
    assert_eq!(found["items"], json!([]));
}
