//! `contact/{id}/update` and `contact/{id}/delete`, and list pagination while contacts are
//! being added.

use crate::common::TestApp;
use crate::common::builders::{ContactBuilder, ConversationBuilder, TaskBuilder, memory};
use crate::contact_support::{assert_error, audit_events_of, fetch, get, id_of, post};
use diesel::prelude::*;
use rapport::domain::api_token::TokenRole;
use rapport::models::contact;
use rapport::models::schema::{contacts, conversations};
use serde_json::{Value, json};
use std::collections::HashSet;

#[actix_web::test]
async fn update_leaves_absent_fields_clears_nulls_and_merges_meta_on_request() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    let jane = ContactBuilder::new("Jane")
        .email("jane@example.com")
        .nick("jj")
        .preferences("Be brief")
        .meta("tier", "gold")
        .meta("seen", "no")
        .create(&mut app.conn());
    let path = format!("/api/v1/contact/{}/update", jane.id);
    let updated = post(
        &app,
        &token,
        &path,
        json!({"preferences": "Prefers Spanish", "nick": null, "phone": "+44 20 7946 0958",
               "verifiedAt": null, "meta": {"$update": {"seen": true, "visits": 3}}}),
    )
    .await;
    assert_eq!(id_of(&updated), jane.id.0);
    let body = fetch(&app, &token, jane.id).await;
    assert_eq!(body["name"], "Jane", "absent: unchanged");
    assert_eq!(body["email"], "jane@example.com");
    assert_eq!(body["nick"], Value::Null, "null clears");
    assert_eq!(body["phone"], "+442079460958");
    assert_eq!(body["preferences"], "Prefers Spanish");
    assert_eq!(body["verifiedAt"], Value::Null, "un-verified");
    assert_eq!(
        body["meta"],
        json!({"tier": "gold", "seen": true, "visits": 3}),
        "merged"
    );

    // One audit event listing each changed field, by the token.
    let events = audit_events_of(&app, jane.id);
    let (kind, actor, action, changes) = events.last().unwrap();
    assert_eq!(
        (kind.as_str(), actor.as_str(), action.as_str()),
        ("token", "editor bot", "update")
    );
    let mut fields: Vec<&str> = changes
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["meta", "nick", "phone", "preferences", "verified"]);
    assert_eq!(changes["nick"], json!({"before": "jj", "after": null}));
    assert_eq!(
        changes["meta"]["before"],
        json!({"tier": "gold", "seen": "no"})
    );

    // A plain object replaces meta; a number verifies.
    post(
        &app,
        &token,
        &path,
        json!({"meta": {"plan": "pro"}, "verifiedAt": 1_700_000_000_000_i64}),
    )
    .await;
    let body = fetch(&app, &token, jane.id).await;
    assert_eq!(body["meta"], json!({"plan": "pro"}));
    assert_eq!(body["verifiedAt"], 1_700_000_000_000_i64);
    // meta: null empties it.
    post(&app, &token, &path, json!({"meta": null})).await;
    assert_eq!(fetch(&app, &token, jane.id).await["meta"], json!({}));

    // Nothing to change: answered, nothing written.
    let before = audit_events_of(&app, jane.id).len();
    let version = contact::find(&mut app.conn(), jane.id).unwrap().version;
    assert_eq!(
        id_of(&post(&app, &token, &path, json!({"name": "Jane"})).await),
        jane.id.0
    );
    assert_eq!(
        id_of(&post(&app, &token, &path, json!({})).await),
        jane.id.0
    );
    assert_eq!(audit_events_of(&app, jane.id).len(), before);
    assert_eq!(
        contact::find(&mut app.conn(), jane.id).unwrap().version,
        version
    );
}

#[actix_web::test]
async fn update_errors() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    let jane = ContactBuilder::new("Jane").create(&mut app.conn());
    let path = format!("/api/v1/contact/{}/update", jane.id);
    for missing in [
        "/api/v1/contact/999999/update",
        "/api/v1/contact/abc/update",
        "/api/v1/contact/0/update",
    ] {
        let response = post(&app, &token, missing, json!({"name": "X"})).await;
        assert_error(&response, 404, "NOT_FOUND", "");
    }
    let bad = post(
        &app,
        &token,
        &path,
        json!({"email": "nope", "name": "n".repeat(300)}),
    )
    .await;
    assert_error(&bad, 422, "UNPROCESSABLE_ENTITY", "email: ");
    assert!(bad.json()["message"].as_str().unwrap().contains("name: "));
    let no_fingerprint = post(&app, &token, &path, json!({"fingerprint": null})).await;
    assert_error(
        &no_fingerprint,
        422,
        "UNPROCESSABLE_ENTITY",
        "fingerprint: ",
    );
    let mixed = post(
        &app,
        &token,
        &path,
        json!({"meta": {"$update": {"a": 1}, "b": 2}}),
    )
    .await;
    assert_error(&mixed, 422, "UNPROCESSABLE_ENTITY", "meta: ");
    // A merge may not grow meta past 100 keys.
    let full: serde_json::Map<String, Value> =
        (0..100).map(|i| (format!("k{i}"), json!(i))).collect();
    assert_eq!(
        id_of(&post(&app, &token, &path, json!({"meta": full})).await),
        jane.id.0
    );
    let over = post(
        &app,
        &token,
        &path,
        json!({"meta": {"$update": {"one-more": 1}}}),
    )
    .await;
    assert_error(&over, 422, "UNPROCESSABLE_ENTITY", "meta: At most 100");
    assert_eq!(
        fetch(&app, &token, jane.id).await["name"],
        "Jane",
        "nothing written"
    );
}

#[actix_web::test]
async fn delete_moves_to_trash_and_the_purge_takes_tasks_and_memories_leaving_conversations() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    let jane = ContactBuilder::new("Jane").create(&mut app.conn());
    TaskBuilder::new(jane.id, "Follow up").create(&mut app.conn());
    memory(&mut app.conn(), jane.id, "Likes tea");
    let (conversation, _) = ConversationBuilder::new(jane.id)
        .messages(2)
        .create(&mut app.conn());
    let path = format!("/api/v1/contact/{}/delete", jane.id);
    assert_eq!(
        id_of(&post(&app, &token, &path, json!({})).await),
        jane.id.0
    );
    assert_error(
        &get(&app, &token, &format!("/api/v1/contact/{}/fetch", jane.id)).await,
        404,
        "NOT_FOUND",
        "",
    );
    let linked = |app: &TestApp| -> (Option<i64>, i64, i64) {
        let contact_of_conversation: Option<i64> = conversations::table
            .find(conversation.id)
            .select(conversations::contact_id)
            .first(&mut app.conn())
            .unwrap();
        let (tasks, memories): (i64, i64) = diesel::select((
            diesel::dsl::sql::<diesel::sql_types::BigInt>("(SELECT count(*) FROM tasks)"),
            diesel::dsl::sql::<diesel::sql_types::BigInt>("(SELECT count(*) FROM memories)"),
        ))
        .get_result(&mut app.conn())
        .unwrap();
        (contact_of_conversation, tasks, memories)
    };
    assert_eq!(
        linked(&app),
        (Some(jane.id.0), 1, 1),
        "in Trash the contact keeps everything, so it can be restored"
    );
    let (_, actor, action, _) = audit_events_of(&app, jane.id).pop().unwrap();
    assert_eq!((actor.as_str(), action.as_str()), ("editor bot", "trash"));
    // The SDK sends {}; an empty body works too. In Trash is gone for the API.
    let again = app
        .client()
        .api("POST", &path, Some(&token), &[], None)
        .await;
    assert_error(&again, 404, "NOT_FOUND", "");

    rapport::models::contact::purge(
        &mut app.conn(),
        jane.id,
        &rapport::models::Actor::System("test".into()),
    )
    .unwrap();
    assert_eq!(
        linked(&app),
        (None, 0, 0),
        "the purge takes tasks and memories; the conversation stays, detached"
    );
    let (_, _, action, _) = audit_events_of(&app, jane.id).pop().unwrap();
    assert_eq!(action, "delete");
}

/// Pages through the whole list with `take=7`, creating contacts between pages: every contact
/// that existed at the start is seen exactly once, in order.
async fn page_while_inserting(app: &TestApp, token: &str, order: &str) {
    let existing: Vec<i64> = contacts::table
        .select(contacts::id)
        .load(&mut app.conn())
        .unwrap();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut inserted = 0;
    loop {
        let query = match &cursor {
            Some(cursor) => format!("/api/v1/contact/list?take=7&order={order}&cursor={cursor}"),
            None => format!("/api/v1/contact/list?take=7&order={order}"),
        };
        // While the original contacts are being read: a write racing the read, and another
        // landing between two pages. (In ascending order they join the end of the list.)
        let page = if seen.len() < existing.len() {
            let (page, racing) = futures_util::join!(
                get(app, token, &query),
                post(
                    app,
                    token,
                    "/api/v1/contact/create",
                    json!({"name": format!("Racer {order} {inserted}")})
                )
            );
            id_of(&racing);
            id_of(
                &post(
                    app,
                    token,
                    "/api/v1/contact/create",
                    json!({"name": format!("Later {order} {inserted}")}),
                )
                .await,
            );
            inserted += 2;
            page
        } else {
            get(app, token, &query).await
        };
        let page = page.json();
        let items = page["items"].as_array().unwrap();
        if items.is_empty() {
            assert!(page.get("cursor").is_none());
            break;
        }
        seen.extend(
            items
                .iter()
                .map(|item| item["id"].as_str().unwrap().parse::<i64>().unwrap()),
        );
        cursor = Some(page["cursor"].as_str().unwrap().to_string());
        assert!(seen.len() < 1000, "paging does not end");
    }
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no contact twice ({order})");
    for id in &existing {
        assert!(unique.contains(id), "contact {id} skipped ({order})");
    }
}

#[actix_web::test]
async fn pagination_is_stable_while_contacts_are_added() {
    let app = TestApp::spawn().await;
    diesel::sql_query(
        "INSERT INTO contacts (name, source, created_at) \
         SELECT 'Bulk ' || g, 'import', now() - g * interval '1 second' FROM generate_series(1, 60) g",
    )
    .execute(&mut app.conn())
    .unwrap();
    // Ties on created_at are broken by id.
    diesel::sql_query("INSERT INTO contacts (name, source, created_at) SELECT 'Tie ' || g, 'import', now() - interval '30 seconds' FROM generate_series(1, 10) g")
        .execute(&mut app.conn())
        .unwrap();
    let token = app.api_token(TokenRole::Editor);
    page_while_inserting(&app, &token, "desc").await;
    page_while_inserting(&app, &token, "asc").await;
}
