//! `task/create`, `task/{id}/update`, `task/{id}/delete`.

use crate::common::TestApp;
use crate::common::builders::{ContactBuilder, TaskBuilder};
use crate::related_support::{Api, assert_audited, assert_error, count, id_of};
use chrono::Utc;
use rapport::domain::TaskId;
use rapport::domain::api_token::TokenRole;
use rapport::domain::schedule::Timing;
use rapport::models::task::{self, Task};
use serde_json::json;

fn stored(app: &TestApp, id: impl Into<i64>) -> Task {
    task::find_any(&mut app.conn(), TaskId(id.into())).unwrap()
}

#[actix_web::test]
async fn a_task_is_created_with_its_next_run_worked_out_by_the_schedule_rules() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    let before = Utc::now();
    let created = api
        .post(
            "/task/create",
            json!({
                "contactId": ada.id.to_string(),
                "name": " Weekly summary ",
                "description": "Send the week's tickets",
                "schedule": "0 8 * * 1",
                "timezone": "europe/london",
            }),
        )
        .await;
    let id = id_of(&created);
    let task = stored(&app, id);
    assert_eq!(task.contact_id, ada.id);
    assert_eq!(task.name, "Weekly summary");
    assert_eq!(task.description.as_deref(), Some("Send the week's tickets"));
    assert_eq!(task.schedule.as_deref(), Some("0 8 * * 1"));
    assert_eq!(task.timezone, "Europe/London");
    let expected = Timing::from_stored(Some("0 8 * * 1"), "Europe/London").next_after(before);
    assert_eq!(task.next_run_at, expected);
    let event = assert_audited(&app, "task", id, "create");
    assert_eq!(event.contact_id, Some(ada.id));
    assert_eq!(event.changes["schedule"]["after"], "0 8 * * 1");

    // The list shows it as the API returns tasks.
    let listed = api
        .get(&format!("/contact/{}/task/list", ada.id))
        .await
        .json();
    assert_eq!(listed["items"][0]["id"], id.to_string());
    assert_eq!(
        listed["items"][0]["nextRunAt"],
        expected.unwrap().timestamp_millis()
    );

    // On demand, in UTC, by default.
    let on_demand = api
        .post(
            "/task/create",
            json!({"contactId": ada.id, "name": "Follow up"}),
        )
        .await;
    let task = stored(&app, id_of(&on_demand));
    assert_eq!(task.schedule, None);
    assert_eq!(task.timezone, "UTC");
    assert_eq!(task.next_run_at, None);
}

#[actix_web::test]
async fn updates_keep_absent_fields_and_move_the_next_run_only_for_a_new_schedule() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let original = TaskBuilder::new(ada.id, "Weekly summary")
        .description("Tickets")
        .schedule("0 8 * * 1")
        .create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    let path = format!("/task/{}/update", original.id);

    let renamed = api.post(&path, json!({"name": "Monday summary"})).await;
    assert_eq!(id_of(&renamed), original.id.0);
    let task = stored(&app, original.id);
    assert_eq!(task.name, "Monday summary");
    assert_eq!(task.description.as_deref(), Some("Tickets"));
    assert_eq!(task.schedule.as_deref(), Some("0 8 * * 1"));
    assert_eq!(
        task.next_run_at, original.next_run_at,
        "same schedule, same run"
    );
    assert_audited(&app, "task", original.id, "update");

    let now = Utc::now();
    api.post(
        &path,
        json!({"schedule": "30 9 * * *", "timezone": "Asia/Tokyo"}),
    )
    .await;
    let task = stored(&app, original.id);
    assert_eq!(task.timezone, "Asia/Tokyo");
    let expected = Timing::from_stored(Some("30 9 * * *"), "Asia/Tokyo").next_after(now);
    assert_eq!(task.next_run_at, expected);

    // null clears: no description, on demand, back to UTC.
    api.post(
        &path,
        json!({"description": null, "schedule": null, "timezone": null}),
    )
    .await;
    let task = stored(&app, original.id);
    assert_eq!(task.description, None);
    assert_eq!(task.schedule, None);
    assert_eq!(task.timezone, "UTC");
    assert_eq!(task.next_run_at, None);

    let invalid = api
        .post(
            &path,
            json!({"name": null, "schedule": "0 25 * * *", "timezone": "Mars/Olympus"}),
        )
        .await;
    assert_error(&invalid, 422, "UNPROCESSABLE_ENTITY", Some("name:"));
    let message = invalid.json()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("schedule:") && message.contains("timezone:"),
        "{message}"
    );
    let never = api.post(&path, json!({"schedule": "0 0 30 2 *"})).await;
    assert_error(
        &never,
        422,
        "UNPROCESSABLE_ENTITY",
        Some("schedule: This schedule never"),
    );
    assert_eq!(stored(&app, original.id).name, "Monday summary");

    let unknown = api.post(&path, json!({"status": "running"})).await;
    assert_error(&unknown, 400, "BAD_REQUEST", Some("status"));
    let missing = api.post("/task/999999/update", json!({"name": "x"})).await;
    assert_error(&missing, 404, "NOT_FOUND", None);
}

#[actix_web::test]
async fn create_errors_and_delete() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    let nameless = api
        .post(
            "/task/create",
            json!({"contactId": ada.id, "schedule": "every day"}),
        )
        .await;
    assert_error(
        &nameless,
        422,
        "UNPROCESSABLE_ENTITY",
        Some("name: Give the task a name"),
    );
    assert!(
        nameless.json()["message"]
            .as_str()
            .unwrap()
            .contains("schedule:")
    );
    let no_contact = api.post("/task/create", json!({"name": "x"})).await;
    assert_error(&no_contact, 422, "UNPROCESSABLE_ENTITY", Some("contactId:"));
    let unknown_contact = api
        .post("/task/create", json!({"contactId": 999999, "name": "x"}))
        .await;
    assert_error(
        &unknown_contact,
        422,
        "UNPROCESSABLE_ENTITY",
        Some("contactId:"),
    );
    let unknown_field = api
        .post(
            "/task/create",
            json!({"contactId": ada.id, "name": "x", "botId": "b"}),
        )
        .await;
    assert_error(&unknown_field, 400, "BAD_REQUEST", Some("botId"));
    assert_eq!(count(&app, "tasks"), 0);

    let viewer = Api::new(&app, TokenRole::Viewer);
    let refused = viewer
        .post("/task/create", json!({"contactId": ada.id, "name": "x"}))
        .await;
    assert_error(&refused, 403, "NOT_AUTHORIZED", None);
    let task = TaskBuilder::new(ada.id, "Doomed").create(&mut app.conn());
    let refused = viewer
        .post(&format!("/task/{}/delete", task.id), json!({}))
        .await;
    assert_error(&refused, 403, "NOT_AUTHORIZED", None);
    let refused = viewer
        .post(&format!("/task/{}/update", task.id), json!({"name": "y"}))
        .await;
    assert_error(&refused, 403, "NOT_AUTHORIZED", None);
    let wrong = api.get(&format!("/task/{}/delete", task.id)).await;
    assert_error(&wrong, 405, "METHOD_NOT_ALLOWED", None);
    let wrong = api.get("/task/create").await;
    assert_error(&wrong, 405, "METHOD_NOT_ALLOWED", None);

    let deleted = api
        .post(&format!("/task/{}/delete", task.id), json!({}))
        .await;
    assert_eq!(id_of(&deleted), task.id.0);
    assert!(task::find(&mut app.conn(), ada.id, task.id).is_err());
    let event = assert_audited(&app, "task", task.id, "delete");
    assert_eq!(event.changes["name"]["before"], "Doomed");
    let again = api
        .post(&format!("/task/{}/delete", task.id), json!({}))
        .await;
    assert_error(&again, 404, "NOT_FOUND", None);
}
