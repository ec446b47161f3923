//! The Tasks tab: list, create with a live schedule preview, edit with a version check, run
//! now, cancel, resume, delete, pagination, roles, escaping and the cascade on contact delete.

use crate::common::builders::{ContactBuilder, TaskBuilder};
use crate::common::{TestApp, TestClient};
use chrono::{Datelike, Timelike, Utc};
use diesel::prelude::*;
use rapport::domain::{ContactId, Role, TaskId};
use rapport::models::schema::tasks;
use rapport::models::task::{self, Task};

async fn setup(role: Role) -> (TestApp, TestClient, ContactId) {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada Lovelace")
        .email("ada@example.com")
        .create(&mut app.conn());
    let client = app.signed_in(role).await;
    // A page, for the session's CSRF token.
    client.get("/contacts").await;
    (app, client, ada.id)
}

fn stored(app: &TestApp, contact: ContactId) -> Vec<Task> {
    tasks::table
        .filter(tasks::contact_id.eq(contact))
        .select(Task::as_select())
        .order(tasks::id)
        .load(&mut app.conn())
        .unwrap()
}

fn find(app: &TestApp, contact: ContactId, id: TaskId) -> Task {
    task::find(&mut app.conn(), contact, id).unwrap()
}

/// (action, changes) of the audit events about task `id`, oldest first.
#[actix_web::test]
async fn an_empty_tab_explains_tasks_and_offers_to_create_one() {
    let (_app, client, id) = setup(Role::Editor).await;
    let page = client.get(&format!("/contacts/{id}/tasks")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("<html");
    page.assert_contains("No tasks yet");
    page.assert_contains(&format!("href=\"/contacts/{id}/tasks/new\""));
    page.assert_contains("Tasks <span class=\"count\">0</span>");
    page.assert_contains("aria-current=\"page\" class=\"tab active\"");

    let tabs = client
        .get_htmx(&format!("/contacts/{id}/tasks"), "profile-tabs")
        .await;
    tabs.assert_lacks("<html");
    tabs.assert_lacks("profile-header");
    tabs.assert_contains("No tasks yet");
}

#[actix_web::test]
async fn creating_a_scheduled_task_computes_its_next_run_in_its_zone() {
    let (app, client, id) = setup(Role::Editor).await;
    let form = client.get(&format!("/contacts/{id}/tasks/new")).await;
    assert_eq!(form.status, 200);
    form.assert_contains("New task");
    form.assert_contains("value=\"UTC\"");
    form.assert_contains("<option value=\"Europe/London\">");

    let created = client
        .post_form(
            &format!("/contacts/{id}/tasks"),
            &[
                ("name", "Send weekly usage summary"),
                ("description", "Usage of the last 7 days, by email"),
                ("schedule", " 0 8 * * 1 "),
                ("timezone", "europe/london"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(
        created.location(),
        Some(format!("/contacts/{id}/tasks").as_str())
    );

    let rows = stored(&app, id);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.name, "Send weekly usage summary");
    assert_eq!(row.schedule.as_deref(), Some("0 8 * * 1"));
    assert_eq!(row.timezone, "Europe/London");
    assert_eq!(
        (row.status.as_str(), row.outcome.as_str()),
        ("idle", "pending")
    );
    let next = row.next_run_at.expect("a scheduled task has a next run");
    let local = next.with_timezone(&chrono_tz::Europe::London);
    assert!(next > Utc::now());
    assert!(next < Utc::now() + chrono::Duration::days(7));
    assert_eq!(
        (local.weekday(), local.hour(), local.minute()),
        (chrono::Weekday::Mon, 8, 0)
    );

    let list = client.get(&format!("/contacts/{id}/tasks")).await;
    list.assert_contains("Task “Send weekly usage summary” created");
    list.assert_contains("Every Monday at 08:00");
    list.assert_contains("Europe/London");
    list.assert_contains("Usage of the last 7 days, by email");
    list.assert_contains("Tasks <span class=\"count\">1</span>");
    list.assert_contains(&format!(
        "datetime=\"{}\"",
        next.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    ));

    let events = app.audit_of("task", row.id);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "create");
    assert_eq!(events[0].1["schedule"]["after"], "0 8 * * 1");
    assert_eq!(events[0].1["timezone"]["after"], "Europe/London");
    let history = client.get(&format!("/contacts/{id}/history")).await;
    history.assert_contains("created a task");
}

#[actix_web::test]
async fn an_on_demand_task_has_no_next_run_and_htmx_creation_redirects() {
    let (app, client, id) = setup(Role::Editor).await;
    let created = client
        .post_htmx(
            &format!("/contacts/{id}/tasks"),
            &[
                ("name", "Follow up on invoice"),
                ("schedule", ""),
                ("timezone", ""),
            ],
            "profile-tabs",
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(
        created.header("hx-redirect"),
        Some(format!("/contacts/{id}/tasks").as_str())
    );
    let row = &stored(&app, id)[0];
    assert_eq!((row.schedule.as_deref(), row.next_run_at), (None, None));
    assert_eq!(row.timezone, "UTC");
    let list = client.get(&format!("/contacts/{id}/tasks")).await;
    list.assert_contains("On demand");
}

#[actix_web::test]
async fn cron_and_time_zone_errors_keep_every_value_and_save_nothing() {
    let (app, client, id) = setup(Role::Editor).await;
    let response = client
        .post_form(
            &format!("/contacts/{id}/tasks"),
            &[
                ("name", ""),
                ("description", "Keep me"),
                ("schedule", "0 25 * * *"),
                ("timezone", "Europe/Berln"),
            ],
        )
        .await;
    assert_eq!(response.status, 422);
    response.assert_contains("<html");
    response.assert_contains("Please correct the 3 highlighted fields");
    response.assert_contains("value=\"0 25 * * *\"");
    response.assert_contains("value=\"Europe/Berln\"");
    response.assert_contains(">Keep me</textarea>");
    response.assert_contains("id=\"task-schedule-error\"");
    response.assert_contains("The hour field “25” is not valid: hours are 0–23.");
    response.assert_contains("id=\"task-timezone-error\"");
    response.assert_contains("“Europe/Berln” is not a time zone");
    response.assert_contains("id=\"task-name-error\"");
    response.assert_contains("aria-invalid=\"true\"");

    let fields = client
        .post_htmx(
            &format!("/contacts/{id}/tasks"),
            &[
                ("name", "Leap"),
                ("schedule", "0 9 * *"),
                ("timezone", "UTC"),
            ],
            "profile-tabs",
        )
        .await;
    assert_eq!(fields.status, 422);
    fields.assert_lacks("<html");
    fields.assert_contains("A cron expression has 5 fields");
    fields.assert_contains("value=\"0 9 * *\"");

    let never = client
        .post_form(
            &format!("/contacts/{id}/tasks"),
            &[
                ("name", "Never"),
                ("schedule", "0 0 31 2 *"),
                ("timezone", "UTC"),
            ],
        )
        .await;
    assert_eq!(never.status, 422);
    never.assert_contains("never comes round");
    assert!(stored(&app, id).is_empty());
}

#[actix_web::test]
async fn the_preview_shows_the_schedule_in_words_and_three_next_runs() {
    let (app, client, id) = setup(Role::Editor).await;
    // As htmx sends it while the schedule is typed.
    let preview = client
        .post_htmx(
            &format!("/contacts/{id}/tasks/preview"),
            &[
                ("name", ""),
                ("schedule", "30 2 * * *"),
                ("timezone", "Europe/Berlin"),
            ],
            "task-preview",
        )
        .await;
    assert_eq!(preview.status, 200);
    preview.assert_lacks("<html");
    preview.assert_contains("id=\"task-preview\"");
    preview.assert_contains("Every day at 02:30");
    preview.assert_contains("in Europe/Berlin");
    assert_eq!(preview.body.matches("<li><time datetime=").count(), 3);
    assert!(
        preview.body.contains(">02:30 CET<") || preview.body.contains(">02:30 CEST<"),
        "{}",
        preview.body
    );

    let invalid = client
        .post_htmx(
            &format!("/contacts/{id}/tasks/preview"),
            &[("schedule", "0 9 * * funday"), ("timezone", "Mars/Olympus")],
            "task-preview",
        )
        .await;
    assert_eq!(invalid.status, 200);
    invalid.assert_contains("Schedule: The day-of-week field “funday” is not valid");
    invalid.assert_contains("Time zone: “Mars/Olympus” is not a time zone");
    invalid.assert_lacks("<time");

    let on_demand = client
        .post_htmx(
            &format!("/contacts/{id}/tasks/preview"),
            &[("schedule", " "), ("timezone", "UTC")],
            "task-preview",
        )
        .await;
    on_demand.assert_contains("On demand");

    // Without JavaScript: the Preview button posts the whole form and saves nothing.
    let plain = client
        .post_form(
            &format!("/contacts/{id}/tasks"),
            &[
                ("name", "Morning digest"),
                ("schedule", "0 9 * * 1-5"),
                ("timezone", "America/New_York"),
                ("op", "preview"),
            ],
        )
        .await;
    assert_eq!(plain.status, 200);
    plain.assert_contains("<html");
    plain.assert_contains("value=\"Morning digest\"");
    plain.assert_contains("Every weekday (Monday to Friday) at 09:00");
    assert_eq!(plain.body.matches("<li><time datetime=").count(), 3);
    assert!(stored(&app, id).is_empty());
}

#[actix_web::test]
async fn editing_a_task_moves_its_next_run_and_is_audited() {
    let (app, client, id) = setup(Role::Editor).await;
    let task = TaskBuilder::new(id, "Check in")
        .schedule("0 9 * * *")
        .timezone("UTC")
        .create(&mut app.conn());
    let form = client
        .get_htmx(
            &format!("/contacts/{id}/tasks/{}/edit", task.id),
            "profile-tabs",
        )
        .await;
    assert_eq!(form.status, 200);
    form.assert_lacks("<html");
    form.assert_contains("Edit task");
    form.assert_contains("value=\"Check in\"");
    form.assert_contains("value=\"0 9 * * *\"");
    form.assert_contains("Every day at 09:00");
    let version = form.hidden("version");
    assert_eq!(version, "1");

    let saved = client
        .post_form(
            &format!("/contacts/{id}/tasks/{}", task.id),
            &[
                ("version", &version),
                ("name", "Check in weekly"),
                ("description", ""),
                ("schedule", "30 16 * * 5"),
                ("timezone", "Asia/Tokyo"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let row = find(&app, id, task.id);
    assert_eq!(row.name, "Check in weekly");
    assert_eq!(row.schedule.as_deref(), Some("30 16 * * 5"));
    assert_eq!(row.version, 2);
    let local = row
        .next_run_at
        .unwrap()
        .with_timezone(&chrono_tz::Asia::Tokyo);
    assert_eq!(
        (local.weekday(), local.hour(), local.minute()),
        (chrono::Weekday::Fri, 16, 30)
    );

    let events = app.audit_of("task", task.id);
    let (action, changes) = events.last().unwrap();
    assert_eq!(action, "update");
    assert_eq!(changes["name"]["before"], "Check in");
    assert_eq!(changes["name"]["after"], "Check in weekly");
    assert_eq!(changes["schedule"]["before"], "0 9 * * *");
    assert_eq!(changes["timezone"]["after"], "Asia/Tokyo");
    assert!(changes.get("next_run_at").is_some());

    // An invalid edit keeps the input and changes nothing.
    let invalid = client
        .post_form(
            &format!("/contacts/{id}/tasks/{}", task.id),
            &[
                ("version", "2"),
                ("name", "Still here"),
                ("schedule", "61 * * * *"),
                ("timezone", "Asia/Tokyo"),
            ],
        )
        .await;
    assert_eq!(invalid.status, 422);
    invalid.assert_contains("value=\"Still here\"");
    invalid.assert_contains("value=\"61 * * * *\"");
    invalid.assert_contains("The minute field");
    assert_eq!(find(&app, id, task.id).version, 2);
}

#[actix_web::test]
async fn someone_elses_edit_is_never_overwritten_silently() {
    let (app, client, id) = setup(Role::Editor).await;
    let colleague = app.signed_in(Role::Editor).await;
    colleague.get("/contacts").await;
    let task = TaskBuilder::new(id, "Renewal reminder")
        .schedule("0 10 1 * *")
        .create(&mut app.conn());
    let url = format!("/contacts/{id}/tasks/{}", task.id);
    let mine = client.get(&format!("{url}/edit")).await;
    let theirs = colleague.get(&format!("{url}/edit")).await;
    let saved = colleague
        .post_form(
            &url,
            &[
                ("version", &theirs.hidden("version")),
                ("name", "Renewal reminder (annual)"),
                ("schedule", "0 10 1 1 *"),
                ("timezone", "UTC"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);

    let conflict = client
        .post_htmx(
            &url,
            &[
                ("version", &mine.hidden("version")),
                ("name", "My better name"),
                ("schedule", "0 11 1 * *"),
                ("timezone", "UTC"),
            ],
            "profile-tabs",
        )
        .await;
    assert_eq!(conflict.status, 409);
    conflict.assert_contains("Changed by someone else");
    conflict.assert_contains("Renewal reminder (annual)");
    conflict.assert_contains("Every year on 1 January at 10:00");
    conflict.assert_contains("value=\"My better name\"");
    conflict.assert_contains("value=\"0 11 1 * *\"");
    let row = find(&app, id, task.id);
    assert_eq!(row.name, "Renewal reminder (annual)");
    assert_eq!(row.version, 2);

    // Saving again from the conflict form knowingly replaces theirs.
    let again = client
        .post_htmx(
            &url,
            &[
                ("version", &conflict.hidden("version")),
                ("name", "My better name"),
                ("schedule", "0 11 1 * *"),
                ("timezone", "UTC"),
            ],
            "profile-tabs",
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(again.header("hx-redirect").is_some());
    assert_eq!(find(&app, id, task.id).name, "My better name");
}

#[actix_web::test]
async fn run_now_cancel_and_resume() {
    let (app, client, id) = setup(Role::Editor).await;
    let task = TaskBuilder::new(id, "Nightly sync")
        .schedule("0 3 * * *")
        .timezone("Europe/Berlin")
        .create(&mut app.conn());
    let base = format!("/contacts/{id}/tasks/{}", task.id);
    let target = format!("task-{}", task.id);

    let before_click = Utc::now();
    let run = client.post_htmx(&format!("{base}/run"), &[], &target).await;
    assert_eq!(run.status, 200, "{}", run.body);
    run.assert_lacks("<html");
    run.assert_contains(&format!("id=\"task-{}\"", task.id));
    run.assert_contains("Due now");
    let row = find(&app, id, task.id);
    assert_eq!(row.status, "idle");
    let due = row.next_run_at.unwrap();
    assert!(due >= before_click - chrono::Duration::seconds(1) && due <= Utc::now());

    let cancel = client
        .post_htmx(&format!("{base}/cancel"), &[], &target)
        .await;
    assert_eq!(cancel.status, 200);
    cancel.assert_contains("Canceled");
    cancel.assert_contains("Resume");
    cancel.assert_lacks(">Cancel</button>");
    let row = find(&app, id, task.id);
    assert_eq!((row.status.as_str(), row.next_run_at), ("canceled", None));

    // Without JavaScript: a plain form, back to the list with a notice.
    let resume = client
        .post_form(&format!("{base}/resume"), &[("before", "")])
        .await;
    assert_eq!(resume.status, 303);
    assert_eq!(
        resume.location(),
        Some(format!("/contacts/{id}/tasks").as_str())
    );
    client
        .get(&format!("/contacts/{id}/tasks"))
        .await
        .assert_contains("“Nightly sync” resumed");
    let row = find(&app, id, task.id);
    assert_eq!(row.status, "idle");
    assert!(row.next_run_at.unwrap() > Utc::now());

    let actions: Vec<String> = app
        .audit_of("task", task.id)
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(actions, ["create", "queued", "canceled", "resumed"]);
    let history = client.get(&format!("/contacts/{id}/history")).await;
    history.assert_contains("queued a task");
    history.assert_contains("canceled a task");

    // A running task cannot be made due again.
    diesel::update(tasks::table.find(task.id))
        .set(tasks::status.eq("running"))
        .execute(&mut app.conn())
        .unwrap();
    let refused = client.post_htmx(&format!("{base}/run"), &[], &target).await;
    assert_eq!(refused.status, 409);
    refused.assert_contains("running right now");
    assert_eq!(find(&app, id, task.id).status, "running");
}

#[actix_web::test]
async fn deleting_a_task_after_confirmation() {
    let (app, client, id) = setup(Role::Editor).await;
    let keep = TaskBuilder::new(id, "Keep me").create(&mut app.conn());
    let task = TaskBuilder::new(id, "Delete me").create(&mut app.conn());
    let base = format!("/contacts/{id}/tasks/{}", task.id);

    // htmx: the row turns into the question; Cancel brings the row back.
    let ask = client
        .get_htmx(&format!("{base}/delete"), &format!("task-{}", task.id))
        .await;
    assert_eq!(ask.status, 200);
    ask.assert_contains("Delete “Delete me”?");
    ask.assert_contains(&format!("hx-post=\"{base}/delete\""));
    let back = client.get_htmx(&base, &format!("task-{}", task.id)).await;
    back.assert_contains("Run now");

    // Without JavaScript: a confirmation page.
    let confirm = client.get(&format!("{base}/delete")).await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("<html");
    confirm.assert_contains("Delete “Delete me”?");
    assert_eq!(stored(&app, id).len(), 2);

    let deleted = client
        .post_htmx(&format!("{base}/delete"), &[("before", "")], "profile-tabs")
        .await;
    assert_eq!(deleted.status, 200);
    deleted.assert_lacks("Delete me");
    deleted.assert_contains("Keep me");
    deleted.assert_contains("Tasks <span class=\"count\">1</span>");
    let left: Vec<TaskId> = stored(&app, id).iter().map(|t| t.id).collect();
    assert_eq!(left, [keep.id]);
    let events = app.audit_of("task", task.id);
    assert_eq!(events.last().unwrap().0, "delete");
    assert_eq!(events.last().unwrap().1["name"]["before"], "Delete me");

    let plain = client
        .post_form(&format!("/contacts/{id}/tasks/{}/delete", keep.id), &[])
        .await;
    assert_eq!(plain.status, 303);
    assert!(stored(&app, id).is_empty());
    assert_eq!(client.get(&format!("{base}/edit")).await.status, 404);
}

#[actix_web::test]
async fn tasks_are_paged_newest_first() {
    let (app, client, id) = setup(Role::Editor).await;
    for n in 1..=30 {
        TaskBuilder::new(id, &format!("Task number {n:02}")).create(&mut app.conn());
    }
    let first = client.get(&format!("/contacts/{id}/tasks")).await;
    assert_eq!(first.body.matches("class=\"task-row\"").count(), 25);
    first.assert_contains("Task number 30");
    first.assert_contains("Task number 06");
    first.assert_lacks("Task number 05");
    first.assert_contains("Tasks <span class=\"count\">30</span>");
    assert!(
        first.body.find("Task number 30").unwrap() < first.body.find("Task number 29").unwrap()
    );
    let older = first
        .body
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|href| href.contains("/tasks?before="))
        .unwrap()
        .to_string();
    let second = client.get_htmx(&older, "profile-tabs").await;
    assert_eq!(second.body.matches("class=\"task-row\"").count(), 5);
    second.assert_contains("Task number 05");
    second.assert_contains("Task number 01");
    second.assert_lacks("Task number 06");
    second.assert_contains("Newest tasks");
    second.assert_lacks("Older tasks");
    // Actions on the second page come back to it.
    second.assert_contains(&format!(
        "name=\"before\" value=\"{}\"",
        older.rsplit('=').next().unwrap()
    ));
    // An unreadable cursor starts from the newest.
    let junk = client.get(&format!("/contacts/{id}/tasks?before=x")).await;
    assert_eq!(junk.status, 200);
    junk.assert_contains("Task number 30");
}

#[actix_web::test]
async fn viewers_see_tasks_without_controls_and_cannot_change_them() {
    let (app, viewer, id) = setup(Role::Viewer).await;
    let task = TaskBuilder::new(id, "Weekly summary")
        .schedule("0 8 * * 1")
        .create(&mut app.conn());
    let page = viewer.get(&format!("/contacts/{id}/tasks")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("Weekly summary");
    page.assert_contains("Every Monday at 08:00");
    for control in [
        "New task",
        "Run now",
        "/run\"",
        "/cancel\"",
        "/edit\"",
        "/delete",
        "Resume",
    ] {
        page.assert_lacks(control);
    }
    let base = format!("/contacts/{id}/tasks/{}", task.id);
    for path in [
        format!("/contacts/{id}/tasks/new"),
        format!("{base}/edit"),
        format!("{base}/delete"),
    ] {
        assert_eq!(viewer.get(&path).await.status, 403, "GET {path}");
    }
    let form = [
        ("name", "Hijacked"),
        ("schedule", "* * * * *"),
        ("timezone", "UTC"),
        ("version", "1"),
    ];
    for path in [
        format!("/contacts/{id}/tasks"),
        format!("/contacts/{id}/tasks/preview"),
        base.clone(),
        format!("{base}/run"),
        format!("{base}/cancel"),
        format!("{base}/resume"),
        format!("{base}/delete"),
    ] {
        assert_eq!(
            viewer.post_form(&path, &form).await.status,
            403,
            "POST {path}"
        );
    }
    let rows = stored(&app, id);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].name.as_str(), rows[0].version),
        ("Weekly summary", 1)
    );
    assert_eq!(app.audit_of("task", task.id).len(), 1);
}

#[actix_web::test]
async fn task_text_is_escaped() {
    let (app, client, id) = setup(Role::Editor).await;
    TaskBuilder::new(id, "<script>alert('name')</script>")
        .description("<img src=x onerror=alert(1)>")
        .create(&mut app.conn());
    let page = client.get(&format!("/contacts/{id}/tasks")).await;
    page.assert_lacks("<script>alert");
    page.assert_lacks("<img src=x");
    page.assert_contains("&#60;script&#62;");
    let preview = client
        .post_htmx(
            &format!("/contacts/{id}/tasks/preview"),
            &[("schedule", "<b>x</b>"), ("timezone", "<i>")],
            "task-preview",
        )
        .await;
    preview.assert_lacks("<b>x</b>");
    preview.assert_lacks("<i>");
}

#[actix_web::test]
async fn another_contacts_task_is_not_found_here() {
    let (app, client, id) = setup(Role::Editor).await;
    let grace = ContactBuilder::new("Grace").create(&mut app.conn());
    let theirs = TaskBuilder::new(grace.id, "Grace's task").create(&mut app.conn());
    let base = format!("/contacts/{id}/tasks/{}", theirs.id);
    assert_eq!(client.get(&format!("{base}/edit")).await.status, 404);
    assert_eq!(
        client.post_form(&format!("{base}/run"), &[]).await.status,
        404
    );
    assert_eq!(
        client
            .post_form(&format!("{base}/delete"), &[])
            .await
            .status,
        404
    );
    assert_eq!(
        client
            .get(&format!("/contacts/{id}/tasks/abc/edit"))
            .await
            .status,
        404
    );
    assert_eq!(stored(&app, grace.id).len(), 1);
    assert_eq!(find(&app, grace.id, theirs.id).next_run_at, None);
}

#[actix_web::test]
async fn tasks_are_purged_with_their_contact() {
    let (app, client, id) = setup(Role::Editor).await;
    let other = ContactBuilder::new("Grace").create(&mut app.conn());
    TaskBuilder::new(id, "One").create(&mut app.conn());
    TaskBuilder::new(id, "Two")
        .schedule("@daily")
        .create(&mut app.conn());
    TaskBuilder::new(other.id, "Grace's").create(&mut app.conn());
    let confirm = client.get(&format!("/contacts/{id}/delete")).await;
    confirm.assert_contains("2 tasks");
    let deleted = client
        .post_form(&format!("/contacts/{id}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 303);
    assert_eq!(stored(&app, id).len(), 2, "in Trash, kept for a restore");
    let purged = client
        .post_form(&format!("/contacts/{id}/purge"), &[])
        .await;
    assert_eq!(purged.status, 303);
    assert!(stored(&app, id).is_empty());
    assert_eq!(stored(&app, other.id).len(), 1);
}
