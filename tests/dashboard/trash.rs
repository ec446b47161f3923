//! Trash: a deleted contact is gone for the list, search, the API, agents and intake; it
//! comes back with everything on restore (unless another contact took its email meanwhile);
//! "Delete forever" and the retention purge remove it for good.

use crate::common::builders::{ContactBuilder, TaskBuilder, memory};
use crate::common::{TestApp, TestClient};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use rapport::domain::api_token::TokenRole;
use rapport::domain::{ContactId, Role};
use rapport::models::contact;
use rapport::models::schema::{audit_events, contacts, memories, tasks};
use serde_json::json;

async fn trashed_ada() -> (TestApp, TestClient, ContactId) {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada Lovelace")
        .email("ada@example.com")
        .create(&mut app.conn());
    memory(&mut app.conn(), ada.id, "Likes tea");
    TaskBuilder::new(ada.id, "Weekly digest")
        .schedule("0 9 * * 1")
        .create(&mut app.conn());
    let client = app.signed_in(Role::Editor).await;
    client.get("/contacts").await;
    let deleted = client
        .post_form(&format!("/contacts/{}/delete", ada.id), &[])
        .await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    (app, client, ada.id)
}

fn audit_actions(app: &TestApp, id: ContactId) -> Vec<String> {
    audit_events::table
        .filter(audit_events::entity.eq("contact"))
        .filter(audit_events::entity_id.eq(id))
        .select(audit_events::action)
        .order(audit_events::id)
        .load(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_contact_in_trash_is_gone_for_the_list_search_api_and_agents() {
    let (app, client, id) = trashed_ada().await;
    let listed = "<span class=\"name\">Ada Lovelace";
    let list = client.get("/contacts").await;
    list.assert_contains("Moved Ada Lovelace to Trash");
    list.assert_lacks(listed);
    client
        .get("/contacts?q=Lovelace")
        .await
        .assert_lacks(listed);
    let token = app.api_token(TokenRole::Editor);
    let api = app.client();
    for path in [
        format!("/api/v1/contact/{id}/fetch"),
        format!("/api/v1/contact/{id}/context"),
        format!("/api/v1/contact/{id}/memory/list"),
    ] {
        let response = api.api("GET", &path, Some(&token), &[], None).await;
        assert_eq!(response.status, 404, "{path}: {}", response.body);
    }
    let list = api
        .api("GET", "/api/v1/contact/list", Some(&token), &[], None)
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json()["items"], json!([]), "{}", list.body);

    // The trashed contact's schedule does not run while it is in Trash.
    diesel::update(tasks::table)
        .set(tasks::next_run_at.eq(Utc::now() - Duration::hours(1)))
        .execute(&mut app.conn())
        .unwrap();
    let due = api
        .api("GET", "/api/v1/task/due", Some(&token), &[], None)
        .await;
    assert_eq!(due.status, 200, "{}", due.body);
    assert_eq!(due.json()["items"], json!([]), "{}", due.body);

    // Intake no longer matches it: the same email makes a new contact.
    let ensured = api
        .api(
            "POST",
            "/api/v1/contact/ensure",
            Some(&token),
            &[],
            Some(&json!({"email": "ada@example.com", "name": "Ada again"})),
        )
        .await;
    assert_eq!(ensured.status, 200, "{}", ensured.body);
    assert_ne!(ensured.json()["id"], json!(id.to_string()));
}

#[actix_web::test]
async fn trash_lists_who_deleted_and_restore_brings_everything_back() {
    let (app, client, id) = trashed_ada().await;
    let trash = client.get("/contacts/trash").await;
    assert_eq!(trash.status, 200);
    trash.assert_contains("Ada Lovelace");
    trash.assert_contains("ada@example.com");
    trash.assert_contains("1 contact in Trash");
    trash.assert_contains(&format!("/contacts/{id}/restore"));
    client
        .get("/contacts")
        .await
        .assert_contains("/contacts/trash");

    let restored = client
        .post_form(&format!("/contacts/{id}/restore"), &[])
        .await;
    assert_eq!(restored.status, 303);
    assert_eq!(
        restored.location(),
        Some(format!("/contacts/{id}").as_str())
    );
    let profile = client.get(&format!("/contacts/{id}")).await;
    assert_eq!(profile.status, 200);
    profile.assert_contains("Restored Ada Lovelace");
    let memories = client.get(&format!("/contacts/{id}/memories")).await;
    memories.assert_contains("Likes tea");
    let tasks = client.get(&format!("/contacts/{id}/tasks")).await;
    tasks.assert_contains("Weekly digest");
    client
        .get("/contacts")
        .await
        .assert_contains("Ada Lovelace");
    client
        .get("/contacts/trash")
        .await
        .assert_contains("Trash is empty");
    assert_eq!(audit_actions(&app, id), ["create", "trash", "restore"]);
    let history = client.get(&format!("/contacts/{id}/history")).await;
    history.assert_contains("moved the contact to Trash");
    history.assert_contains("restored the contact");
}

#[actix_web::test]
async fn restore_is_refused_when_another_contact_took_the_email() {
    let (app, client, id) = trashed_ada().await;
    let newcomer = ContactBuilder::new("Ada L.")
        .email("ADA@example.com")
        .create(&mut app.conn());
    let refused = client
        .post_form(&format!("/contacts/{id}/restore"), &[])
        .await;
    assert_eq!(refused.status, 303);
    assert_eq!(refused.location(), Some("/contacts/trash"));
    let trash = client.get("/contacts/trash").await;
    trash.assert_contains(&format!(
        "Not restored: contact {} now has this email",
        newcomer.id
    ));
    trash.assert_contains("Ada Lovelace");
    assert!(matches!(
        contact::find(&mut app.conn(), id),
        Err(diesel::result::Error::NotFound)
    ));
    assert_eq!(audit_actions(&app, id), ["create", "trash"]);
}

#[actix_web::test]
async fn delete_forever_asks_first_then_purges() {
    let (app, client, id) = trashed_ada().await;
    let confirm = client.get(&format!("/contacts/{id}/purge")).await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("Delete Ada Lovelace for good?");
    confirm.assert_contains("1 memory");
    confirm.assert_contains("1 task");
    let purged = client
        .post_form(&format!("/contacts/{id}/purge"), &[])
        .await;
    assert_eq!(purged.status, 303);
    assert_eq!(purged.location(), Some("/contacts/trash"));
    client
        .get("/contacts/trash")
        .await
        .assert_contains("Deleted Ada Lovelace for good");
    let left: (i64, i64, i64) = diesel::select((
        contacts::table.count().single_value().assume_not_null(),
        memories::table.count().single_value().assume_not_null(),
        tasks::table.count().single_value().assume_not_null(),
    ))
    .get_result(&mut app.conn())
    .unwrap();
    assert_eq!(left, (0, 0, 0));
    assert_eq!(audit_actions(&app, id), ["create", "trash", "delete"]);
    // Gone is gone: nothing to restore or purge, and a live contact cannot be purged.
    let live = ContactBuilder::new("Grace").create(&mut app.conn());
    for path in [
        format!("/contacts/{id}/restore"),
        format!("/contacts/{id}/purge"),
        format!("/contacts/{}/purge", live.id),
    ] {
        assert_eq!(client.post_form(&path, &[]).await.status, 404, "{path}");
    }
    assert!(contact::find(&mut app.conn(), live.id).is_ok());
}

#[actix_web::test]
async fn viewers_see_trash_but_cannot_restore_or_purge() {
    let (app, _editor, id) = trashed_ada().await;
    let viewer = app.signed_in(Role::Viewer).await;
    let trash = viewer.get("/contacts/trash").await;
    assert_eq!(trash.status, 200);
    trash.assert_contains("Ada Lovelace");
    trash.assert_lacks("/restore");
    for path in [
        format!("/contacts/{id}/restore"),
        format!("/contacts/{id}/purge"),
    ] {
        assert_eq!(viewer.post_form(&path, &[]).await.status, 403, "{path}");
    }
    assert_eq!(
        viewer.get(&format!("/contacts/{id}/purge")).await.status,
        403
    );
}

#[actix_web::test]
async fn the_purge_job_deletes_for_good_what_was_trashed_before_the_retention() {
    let (app, _client, old) = trashed_ada().await;
    let recent = ContactBuilder::new("Grace Hopper").create(&mut app.conn());
    let actor = rapport::models::Actor::System("test".into());
    contact::trash(&mut app.conn(), recent.id, &actor).unwrap();
    let live = ContactBuilder::new("Alan Turing").create(&mut app.conn());
    // Ada went to Trash 31 days ago, Grace a day ago; the retention is 30 days.
    for (id, days) in [(old, 31), (recent.id, 1)] {
        diesel::update(contacts::table.find(id))
            .set(contacts::deleted_at.eq(Utc::now() - Duration::days(days)))
            .execute(&mut app.conn())
            .unwrap();
    }
    let settings = rapport::jobs::JobSettings::from_settings(&app.settings);
    assert_eq!(settings.trash_retention, Duration::days(30));
    let stop = std::sync::atomic::AtomicBool::new(false);
    let job = rapport::jobs::run_here(
        &mut app.conn(),
        &rapport::models::job::NewJob {
            kind: "trash_purge",
            parameters: json!({}),
            upload_id: None,
            run_after: None,
        },
        &actor,
        &settings,
        &stop,
    )
    .unwrap();
    assert_eq!(job.count("purged"), 1, "{job:?}");
    let left: Vec<i64> = contacts::table
        .select(contacts::id)
        .order(contacts::id)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(left, [recent.id.0, live.id.0]);
    let memories_left: i64 = memories::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(memories_left, 0, "Ada's memory went with her");
    let by: String = audit_events::table
        .filter(audit_events::entity_id.eq(old))
        .filter(audit_events::action.eq("delete"))
        .select(audit_events::actor_name)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(by, "Trash purge");
}
