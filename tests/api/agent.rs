//! The agent context, `contact/{id}/context` (budget, omitted memories, tasks, errors).

use crate::common::TestApp;
use crate::common::builders::{ContactBuilder, TaskBuilder, memory};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rapport::domain::api_token::TokenRole;
use rapport::domain::schedule::local_time;
use rapport::domain::{ContactId, TaskId};
use rapport::models::schema::tasks;
use rapport::models::task::Task;
use serde_json::{Value, json};

pub fn task_row(app: &TestApp, id: TaskId) -> Task {
    tasks::table
        .find(id)
        .select(Task::as_select())
        .first(&mut app.conn())
        .unwrap()
}

/// Moves a task's next run (and status), as time passing or a scheduler would.
pub fn set_task(app: &TestApp, id: TaskId, status: &str, next: Option<DateTime<Utc>>) {
    diesel::update(tasks::table.find(id))
        .set((tasks::status.eq(status), tasks::next_run_at.eq(next)))
        .execute(&mut app.conn())
        .unwrap();
}

pub fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_string())
        .collect()
}

async fn context(app: &TestApp, token: &str, contact: ContactId, query: &str) -> Value {
    let response = app
        .client()
        .api(
            "GET",
            &format!("/api/v1/contact/{contact}/context{query}"),
            Some(token),
            &[],
            None,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("content-type"), Some("application/json"));
    response.json()
}

#[actix_web::test]
async fn context_holds_the_newest_memories_that_fit_and_counts_the_rest() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada Lovelace")
        .nick("countess")
        .description("Mathematician")
        .preferences("Prefers concise technical answers.")
        .email("ada@example.com")
        .create(&mut app.conn());
    // Oldest first: 3,000 characters, then two of 800, then the newest of 100.
    let oldest = memory(&mut app.conn(), ada.id, &"o".repeat(3_000));
    let second = memory(&mut app.conn(), ada.id, &"s".repeat(800));
    let third = memory(&mut app.conn(), ada.id, &"t".repeat(800));
    let newest = memory(&mut app.conn(), ada.id, "Has a cat called Babbage");
    let token = app.api_token(TokenRole::Viewer);

    // Default budget 4,000: 24 + 800 + 800 fit, the 3,000 would make 4,624.
    let body = context(&app, &token, ada.id, "").await;
    assert_eq!(
        body["contact"],
        json!({
            "id": ada.id.to_string(),
            "name": "Ada Lovelace",
            "nick": "countess",
            "description": "Mathematician",
            "preferences": "Prefers concise technical answers.",
        })
    );
    assert_eq!(
        ids(&body["memories"]),
        [newest.id, third.id, second.id].map(|id| id.to_string())
    );
    assert_eq!(body["memories"][0]["text"], "Has a cat called Babbage");
    assert_eq!(
        body["memories"][0]["createdAt"],
        newest.created_at.timestamp_millis()
    );
    assert_eq!(body["omittedMemories"], 1);
    assert_eq!(body["maxChars"], 4_000);
    let text = body["text"].as_str().unwrap();
    assert!(
        text.starts_with(
            "## About the person you are helping\nName: Ada Lovelace (nick: countess)\n\
             Description: Mathematician\n\n## How they like to be helped\n\
             Prefers concise technical answers.\n\n## What you remember about them\n\
             - Has a cat called Babbage\n- tttt"
        ),
        "{text}"
    );
    assert!(text.ends_with("\n(1 older memory left out)\n"), "{text}");
    assert!(!text.contains("ooo"));
    assert_eq!(body["size"], text.chars().count());
    assert!(!text.contains("ada@example.com"), "email is not part of it");

    // A budget that ends exactly at a memory includes it; one less leaves it out.
    let exact = context(&app, &token, ada.id, "?maxChars=824").await;
    assert_eq!(ids(&exact["memories"]).len(), 2);
    assert_eq!(exact["omittedMemories"], 2);
    let short = context(&app, &token, ada.id, "?maxChars=823").await;
    assert_eq!(ids(&short["memories"]), [newest.id.to_string()]);
    assert_eq!(short["omittedMemories"], 3);
    let everything = context(&app, &token, ada.id, "?maxChars=100000").await;
    assert_eq!(ids(&everything["memories"]).len(), 4);
    assert_eq!(everything["memories"][3]["id"], oldest.id.to_string());
    assert_eq!(everything["omittedMemories"], 0);
    let nothing = context(&app, &token, ada.id, "?maxChars=0").await;
    assert_eq!(nothing["memories"], json!([]));
    assert_eq!(nothing["omittedMemories"], 4);
    assert!(
        nothing["text"]
            .as_str()
            .unwrap()
            .contains("(4 memories left out to keep this short)")
    );

    // Under /v1 too.
    let response = app
        .client()
        .api(
            "GET",
            &format!("/v1/contact/{}/context", ada.id),
            Some(&token),
            &[],
            None,
        )
        .await;
    assert_eq!(response.json()["text"], body["text"]);
}

#[actix_web::test]
async fn context_lists_scheduled_tasks_with_their_next_run() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let weekly = TaskBuilder::new(ada.id, "Send weekly usage summary")
        .schedule("0 8 * * 1")
        .timezone("Europe/London")
        .create(&mut app.conn());
    let canceled = TaskBuilder::new(ada.id, "Old report")
        .schedule("@daily")
        .create(&mut app.conn());
    set_task(&app, canceled.id, "canceled", None);
    TaskBuilder::new(ada.id, "Idle on demand").create(&mut app.conn());
    let queued = TaskBuilder::new(ada.id, "Export now").create(&mut app.conn());
    let due_at = Utc::now() - Duration::minutes(5);
    set_task(&app, queued.id, "idle", Some(due_at));
    let other = ContactBuilder::new("Grace").create(&mut app.conn());
    TaskBuilder::new(other.id, "Not Ada's")
        .schedule("@hourly")
        .create(&mut app.conn());
    let token = app.api_token(TokenRole::Viewer);

    let body = context(&app, &token, ada.id, "").await;
    let next = weekly.next_run_at.unwrap();
    assert_eq!(
        body["tasks"],
        json!([
            {
                "id": queued.id.to_string(),
                "name": "Export now",
                "schedule": null,
                "scheduleText": "On demand",
                "timezone": "UTC",
                "nextRunAt": due_at.timestamp_millis(),
            },
            {
                "id": weekly.id.to_string(),
                "name": "Send weekly usage summary",
                "schedule": "0 8 * * 1",
                "scheduleText": "Every Monday at 08:00",
                "timezone": "Europe/London",
                "nextRunAt": next.timestamp_millis(),
            },
        ])
    );
    assert_eq!(body["omittedTasks"], 0);
    let zone = "Europe/London".parse().unwrap();
    let local = local_time(next, zone);
    assert!(
        local.starts_with("Mon ") && local.contains(" 08:00 "),
        "{local}"
    );
    assert!(
        body["text"].as_str().unwrap().ends_with(&format!(
            "## Scheduled tasks\n- Export now — on demand (UTC), due now\n\
             - Send weekly usage summary — every Monday at 08:00 (Europe/London), next {local}\n"
        )),
        "{}",
        body["text"]
    );
}

#[actix_web::test]
async fn context_errors() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let token = app.api_token(TokenRole::Viewer);
    let client = app.client();
    for path in [
        "/api/v1/contact/999999/context".to_string(),
        "/api/v1/contact/abc/context".to_string(),
    ] {
        let missing = client.api("GET", &path, Some(&token), &[], None).await;
        assert_eq!(missing.status, 404, "{path}");
        assert_eq!(missing.json()["code"], "NOT_FOUND");
    }
    let path = format!("/api/v1/contact/{}/context", ada.id);
    let anonymous = client.api("GET", &path, None, &[], None).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json()["code"], "NOT_AUTHENTICATED");
    for bad in ["many", "-5", "100001"] {
        let refused = client
            .api(
                "GET",
                &format!("{path}?maxChars={bad}"),
                Some(&token),
                &[],
                None,
            )
            .await;
        assert_eq!(refused.status, 400, "{bad}");
        assert_eq!(refused.json()["code"], "BAD_REQUEST");
        assert!(
            refused.json()["message"]
                .as_str()
                .unwrap()
                .starts_with("maxChars: ")
        );
    }
    let wrong = client
        .api("POST", &path, Some(&token), &[], Some(&json!({})))
        .await;
    assert_eq!(wrong.status, 405);
    // An empty contact has an empty block, and says so with nulls.
    let body = context(&app, &token, ada.id, "").await;
    assert_eq!(body["contact"]["nick"], Value::Null);
    assert_eq!(body["memories"], json!([]));
    assert_eq!(body["tasks"], json!([]));
    assert_eq!(
        body["text"],
        "## About the person you are helping\nName: Ada\n"
    );
}
