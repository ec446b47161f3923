//! Task runs for agents: `task/due`, `task/{id}/start` and `task/{id}/finish`.

use crate::agent::{ids, set_task, task_row};
use crate::common::TestApp;
use crate::common::builders::{ContactBuilder, TaskBuilder};
use chrono::{DateTime, Duration, TimeZone, Utc};
use diesel::prelude::*;
use rapport::domain::ContactId;
use rapport::domain::api_token::TokenRole;
use rapport::domain::schedule::{Timing, local_time};
use rapport::domain::task_run::RunOutcome;
use rapport::models::Actor;
use rapport::models::task;
use rapport::models::task_agent;
use serde_json::{Value, json};

#[actix_web::test]
async fn due_tasks_come_longest_overdue_first_and_page_by_cursor() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let grace = ContactBuilder::new("Grace").create(&mut app.conn());
    let now = Utc::now();
    let make = |contact: ContactId, name: &str, status: &str, next: Option<DateTime<Utc>>| {
        let task = TaskBuilder::new(contact, name).create(&mut app.conn());
        set_task(&app, task.id, status, next);
        task.id
    };
    let hour_ago = make(
        ada.id,
        "An hour ago",
        "idle",
        Some(now - Duration::hours(1)),
    );
    let three_hours = make(
        grace.id,
        "Three hours ago",
        "idle",
        Some(now - Duration::hours(3)),
    );
    let two_hours = make(
        ada.id,
        "Two hours ago",
        "idle",
        Some(now - Duration::hours(2)),
    );
    make(ada.id, "Tomorrow", "idle", Some(now + Duration::days(1)));
    make(ada.id, "Running", "running", Some(now - Duration::hours(5)));
    make(
        ada.id,
        "Canceled",
        "canceled",
        Some(now - Duration::hours(6)),
    );
    make(ada.id, "On demand", "idle", None);
    let token = app.api_token(TokenRole::Viewer);
    let client = app.client();

    let all = client
        .api("GET", "/api/v1/task/due", Some(&token), &[], None)
        .await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.header("content-type"), Some("application/json"));
    let body = all.json();
    assert_eq!(
        ids(&body["items"]),
        [three_hours, two_hours, hour_ago].map(|id| id.to_string())
    );
    assert_eq!(body["cursor"], hour_ago.to_string());
    let first = &body["items"][0];
    assert_eq!(first["contactId"], grace.id.to_string());
    assert_eq!(first["status"], "idle");
    assert_eq!(first["outcome"], "pending");
    assert_eq!(first["lastRunAt"], Value::Null);
    assert_eq!(
        first["nextRunAt"],
        task_row(&app, three_hours)
            .next_run_at
            .unwrap()
            .timestamp_millis()
    );
    for key in [
        "description",
        "schedule",
        "timezone",
        "meta",
        "createdAt",
        "updatedAt",
    ] {
        assert!(first.get(key).is_some(), "{key}");
    }

    let page = client
        .api("GET", "/api/v1/task/due?take=2", Some(&token), &[], None)
        .await
        .json();
    assert_eq!(
        ids(&page["items"]),
        [three_hours, two_hours].map(|id| id.to_string())
    );
    let next = client
        .api(
            "GET",
            &format!(
                "/api/v1/task/due?take=2&cursor={}",
                page["cursor"].as_str().unwrap()
            ),
            Some(&token),
            &[],
            None,
        )
        .await
        .json();
    assert_eq!(ids(&next["items"]), [hour_ago.to_string()]);
    let end = client
        .api(
            "GET",
            &format!("/api/v1/task/due?cursor={hour_ago}"),
            Some(&token),
            &[],
            None,
        )
        .await
        .json();
    assert_eq!(end, json!({"items": []}));

    let lines = client
        .api(
            "GET",
            "/api/v1/task/due?take=2",
            Some(&token),
            &[("accept", "application/jsonl")],
            None,
        )
        .await;
    assert_eq!(lines.header("content-type"), Some("application/jsonl"));
    let streamed: Vec<Value> = lines
        .body
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(streamed.len(), 2);
    assert_eq!(streamed[0]["type"], "item");
    assert_eq!(streamed[0]["data"]["id"], three_hours.to_string());

    // Tasks have no metadata: a meta filter matches nothing rather than being ignored.
    let filtered = client
        .api(
            "GET",
            "/api/v1/task/due?meta.plan=pro",
            Some(&token),
            &[],
            None,
        )
        .await
        .json();
    assert_eq!(filtered, json!({"items": []}));
    let anonymous = client.api("GET", "/api/v1/task/due", None, &[], None).await;
    assert_eq!(anonymous.status, 401);
}

async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> crate::common::Response {
    app.client()
        .api("POST", path, Some(token), &[], Some(&body))
        .await
}

#[actix_web::test]
async fn a_run_starts_then_finishes_and_the_next_run_follows_the_schedule() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let weekly = TaskBuilder::new(ada.id, "Weekly")
        .schedule("0 8 * * 1")
        .timezone("Europe/London")
        .create(&mut app.conn());
    set_task(
        &app,
        weekly.id,
        "idle",
        Some(Utc::now() - Duration::minutes(1)),
    );
    let token = app.api_token(TokenRole::Editor);
    let start = format!("/api/v1/task/{}/start", weekly.id);
    let finish = format!("/api/v1/task/{}/finish", weekly.id);

    let before = Utc::now();
    let started = post(&app, &token, &start, json!({})).await;
    assert_eq!(started.status, 200, "{}", started.body);
    assert_eq!(started.header("content-type"), Some("application/json"));
    assert_eq!(started.json(), json!({"id": weekly.id.to_string()}));
    let running = task_row(&app, weekly.id);
    assert_eq!(running.status, "running");
    let last_run = running.last_run_at.unwrap();
    assert!(last_run >= before - Duration::seconds(1) && last_run <= Utc::now());

    // A running task is not due, and cannot start twice.
    let due = app
        .client()
        .api("GET", "/api/v1/task/due", Some(&token), &[], None)
        .await
        .json();
    assert_eq!(due["items"], json!([]));
    let again = post(&app, &token, &start, json!({})).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["code"], "CONFLICT");
    assert!(
        again.json()["message"]
            .as_str()
            .unwrap()
            .contains("already running")
    );

    // Finishing needs a valid outcome; the field is named.
    for body in [
        json!({}),
        json!({"outcome": "pending"}),
        json!({"outcome": "done"}),
    ] {
        let refused = post(&app, &token, &finish, body.clone()).await;
        assert_eq!(refused.status, 422, "{body}");
        assert_eq!(refused.json()["code"], "UNPROCESSABLE_ENTITY");
        assert!(
            refused.json()["message"]
                .as_str()
                .unwrap()
                .starts_with("outcome: ")
        );
    }
    let unknown = post(
        &app,
        &token,
        &finish,
        json!({"outcome": "success", "note": "x"}),
    )
    .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.json()["message"].as_str().unwrap().contains("note"));
    let long = post(
        &app,
        &token,
        &finish,
        json!({"outcome": "success", "text": "x".repeat(10_001)}),
    )
    .await;
    assert_eq!(long.status, 422);
    assert!(
        long.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("text: ")
    );
    assert_eq!(
        task_row(&app, weekly.id).status,
        "running",
        "nothing half-done"
    );

    let finished_from = Utc::now();
    let finished = post(
        &app,
        &token,
        &finish,
        json!({"outcome": "success", "text": "  Sent the summary to 3 people \n"}),
    )
    .await;
    assert_eq!(finished.status, 200, "{}", finished.body);
    assert_eq!(finished.json(), json!({"id": weekly.id.to_string()}));
    let done = task_row(&app, weekly.id);
    assert_eq!(done.status, "idle");
    assert_eq!(done.outcome, "success");
    assert_eq!(done.last_run_at, Some(last_run));
    let expected =
        Timing::from_stored(Some("0 8 * * 1"), "Europe/London").next_after(finished_from);
    assert_eq!(done.next_run_at, expected);
    assert!(done.next_run_at.unwrap() > Utc::now());

    let trail = app.audit_of("task", weekly.id);
    let actions: Vec<&str> = trail.iter().map(|(action, _)| action.as_str()).collect();
    assert_eq!(actions, ["create", "started", "finished"]);
    let (_, started_changes) = &trail[1];
    assert_eq!(
        started_changes["status"],
        json!({"before": "idle", "after": "running"})
    );
    let (_, changes) = &trail[2];
    assert_eq!(
        changes["status"],
        json!({"before": "running", "after": "idle"})
    );
    assert_eq!(
        changes["outcome"],
        json!({"before": "pending", "after": "success"})
    );
    assert_eq!(
        changes["text"],
        json!({"before": null, "after": "Sent the summary to 3 people"})
    );
    assert!(changes["next_run_at"]["after"].is_string());
    let actors: Vec<(String, String)> = {
        use rapport::models::schema::audit_events;
        audit_events::table
            .filter(audit_events::entity.eq("task"))
            .filter(audit_events::action.ne("create"))
            .select((audit_events::actor_kind, audit_events::actor_name))
            .load(&mut app.conn())
            .unwrap()
    };
    assert_eq!(
        actors,
        vec![("token".to_string(), "editor bot".to_string()); 2]
    );

    // Not running any more: finishing again is a conflict.
    let twice = post(&app, &token, &finish, json!({"outcome": "failure"})).await;
    assert_eq!(twice.status, 409);
    assert!(
        twice.json()["message"]
            .as_str()
            .unwrap()
            .contains("not running")
    );
}

#[actix_web::test]
async fn on_demand_runs_have_no_next_run_and_canceled_tasks_do_not_start() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let export = TaskBuilder::new(ada.id, "Export").create(&mut app.conn());
    set_task(
        &app,
        export.id,
        "idle",
        Some(Utc::now() - Duration::minutes(2)),
    );
    let token = app.api_token(TokenRole::Editor);
    let path = |action: &str| format!("/api/v1/task/{}/{action}", export.id);
    assert_eq!(
        post(&app, &token, &path("start"), json!({})).await.status,
        200
    );
    let finished = app
        .client()
        .api(
            "POST",
            &path("finish"),
            Some(&token),
            &[],
            Some(&json!({"outcome": "failure"})),
        )
        .await;
    assert_eq!(finished.status, 200, "{}", finished.body);
    let done = task_row(&app, export.id);
    assert_eq!(
        (done.status.as_str(), done.outcome.as_str()),
        ("idle", "failure")
    );
    assert_eq!(done.next_run_at, None);
    let (_, changes) = app.audit_of("task", export.id).pop().unwrap();
    assert!(
        changes.get("text").is_none(),
        "no text, no entry: {changes}"
    );

    // Failure again: the outcome is still recorded in the event.
    assert_eq!(
        post(&app, &token, &path("start"), json!({})).await.status,
        200
    );
    assert_eq!(
        post(&app, &token, &path("finish"), json!({"outcome": "failure"}))
            .await
            .status,
        200
    );
    let (_, changes) = app.audit_of("task", export.id).pop().unwrap();
    assert_eq!(
        changes["outcome"],
        json!({"before": "failure", "after": "failure"})
    );

    set_task(&app, export.id, "canceled", None);
    let canceled = post(&app, &token, &path("start"), json!({})).await;
    assert_eq!(canceled.status, 409);
    assert!(
        canceled.json()["message"]
            .as_str()
            .unwrap()
            .contains("canceled")
    );
    let body = app
        .client()
        .api("POST", &path("start"), Some(&token), &[], None)
        .await;
    assert_eq!(body.status, 409, "an empty body reads as {{}}");

    for (missing, body) in [
        ("/api/v1/task/999999/start", json!({})),
        ("/api/v1/task/999999/finish", json!({"outcome": "success"})),
        ("/api/v1/task/x/finish", json!({"outcome": "success"})),
    ] {
        let response = post(&app, &token, missing, body).await;
        assert_eq!(response.status, 404, "{missing}: {}", response.body);
        assert_eq!(response.json()["code"], "NOT_FOUND");
    }
    let extra = post(&app, &token, &path("start"), json!({"force": true})).await;
    assert_eq!(extra.status, 400);
    let get = app
        .client()
        .api("GET", &path("start"), Some(&token), &[], None)
        .await;
    assert_eq!(get.status, 405);
}

#[actix_web::test]
async fn viewer_tokens_cannot_run_tasks() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let export = TaskBuilder::new(ada.id, "Export").create(&mut app.conn());
    let viewer = app.api_token(TokenRole::Viewer);
    for (action, body) in [
        ("start", json!({})),
        ("finish", json!({"outcome": "success"})),
    ] {
        let refused = post(
            &app,
            &viewer,
            &format!("/api/v1/task/{}/{action}", export.id),
            body,
        )
        .await;
        assert_eq!(refused.status, 403, "{action}");
        assert_eq!(refused.json()["code"], "NOT_AUTHORIZED");
    }
    assert_eq!(task_row(&app, export.id).status, "idle");
    assert_eq!(app.audit_of("task", export.id).len(), 1);
    let anonymous = app
        .client()
        .api(
            "POST",
            &format!("/api/v1/task/{}/start", export.id),
            None,
            &[],
            Some(&json!({})),
        )
        .await;
    assert_eq!(anonymous.status, 401);
}

#[actix_web::test]
async fn of_many_concurrent_starts_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let export = TaskBuilder::new(ada.id, "Export").create(&mut app.conn());
    let token = app.api_token(TokenRole::Editor);
    let path = format!("/api/v1/task/{}/start", export.id);
    let client = app.client();
    let body = json!({});
    let attempts = (0..12).map(|_| client.api("POST", &path, Some(&token), &[], Some(&body)));
    let responses = futures_util::future::join_all(attempts).await;
    let mut statuses: Vec<u16> = responses.iter().map(|r| r.status).collect();
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [[200].as_slice(), &[409; 11]].concat(),
        "{statuses:?}"
    );
    let started = app
        .audit_of("task", export.id)
        .iter()
        .filter(|(action, _)| action == "started")
        .count();
    assert_eq!(started, 1);
}

#[actix_web::test]
async fn the_next_run_after_a_finish_follows_daylight_saving_changes() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let nightly = TaskBuilder::new(ada.id, "Nightly")
        .schedule("30 2 * * *")
        .timezone("Europe/Berlin")
        .create(&mut app.conn());
    let actor = Actor::System("test".into());
    let run = |started: DateTime<Utc>, finished: DateTime<Utc>| {
        let mut conn = app.conn();
        task_agent::start(&mut conn, nightly.id, started, &actor).unwrap();
        task_agent::finish(
            &mut conn,
            nightly.id,
            RunOutcome::Success,
            None,
            finished,
            &actor,
        )
        .unwrap()
        .next_run_at
        .unwrap()
    };
    let berlin: chrono_tz::Tz = "Europe/Berlin".parse().unwrap();
    // Spring: 02:00–03:00 does not exist on 2026-03-29; the run comes at 03:00 CEST.
    let saturday = Utc.with_ymd_and_hms(2026, 3, 28, 1, 31, 0).unwrap(); // 02:31 CET
    let next = run(saturday, saturday + Duration::minutes(2));
    assert_eq!(next, Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap());
    assert_eq!(local_time(next, berlin), "Sun 2026-03-29 03:00 CEST");
    // The day after, back to 02:30, now in summer time.
    let next = run(next, next + Duration::minutes(5));
    assert_eq!(local_time(next, berlin), "Mon 2026-03-30 02:30 CEST");
    // Autumn: 02:30 happens twice on 2026-10-25; the task runs once, at the first.
    let saturday = Utc.with_ymd_and_hms(2026, 10, 24, 0, 31, 0).unwrap(); // 02:31 CEST
    let next = run(saturday, saturday + Duration::minutes(2));
    assert_eq!(next, Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap());
    assert_eq!(local_time(next, berlin), "Sun 2026-10-25 02:30 CEST");
    let after = run(next, next + Duration::minutes(5));
    assert_eq!(local_time(after, berlin), "Mon 2026-10-26 02:30 CET");

    // The same rule through the API: the next run is the schedule's, after the finish.
    let token = app.api_token(TokenRole::Editor);
    let path = |action: &str| format!("/api/v1/task/{}/{action}", nightly.id);
    assert_eq!(
        post(&app, &token, &path("start"), json!({})).await.status,
        200
    );
    let from = Utc::now();
    assert_eq!(
        post(&app, &token, &path("finish"), json!({"outcome": "success"}))
            .await
            .status,
        200
    );
    let stored = task::find(&mut app.conn(), ada.id, nightly.id).unwrap();
    assert_eq!(
        stored.next_run_at,
        Timing::from_stored(Some("30 2 * * *"), "Europe/Berlin").next_after(from)
    );
}
