//! The Tasks tab's view structs: rows ready to print, with the actions the user may take.

use crate::domain::schedule::local_time;
use crate::domain::{ContactId, TaskId};
use crate::models::task::{Task, TaskStatus};
use crate::web::routes;
use crate::web::views;
use chrono::{DateTime, Utc};

/// One task as the list shows it.
pub struct TaskRowView {
    pub element_id: String,
    pub name: String,
    pub description: String,
    /// "Every Monday at 08:00", "On demand", or the expression itself.
    pub schedule_words: String,
    /// The cron expression ("" for on demand), shown beside words that are not it.
    pub schedule_expression: String,
    /// The schedule has no plain wording; the words are the expression.
    pub words_are_expression: bool,
    pub timezone: String,
    pub status: &'static str,
    pub outcome: String,
    pub last_run: Option<TimeView>,
    pub next_run: Option<TimeView>,
    /// Said instead of a next run: "Due now", "On demand", "Canceled".
    pub next_note: &'static str,
    pub edit_url: String,
    pub run_url: String,
    pub cancel_url: String,
    pub resume_url: String,
    /// The confirmation (GET) and the delete itself (POST).
    pub confirm_delete_url: String,
    pub delete_url: String,
    /// The row alone (the confirmation's Cancel with htmx) and the list (without).
    pub row_url: String,
    pub list_url: String,
    /// The page the row is on, posted back by every action.
    pub before: String,
    pub can_edit: bool,
    pub can_run: bool,
    pub can_cancel: bool,
    pub can_resume: bool,
    pub confirming: bool,
    pub csrf_token: String,
}

/// A moment on the task's own clock, and how far it is from now.
pub struct TimeView {
    /// "Tue 2026-11-24".
    pub date: String,
    /// "10:00 CET".
    pub clock: String,
    pub iso: String,
    pub relative: String,
}

impl TimeView {
    pub fn new(time: DateTime<Utc>, zone: chrono_tz::Tz, now: DateTime<Utc>) -> Self {
        let local = local_time(time, zone);
        let mut parts = local.splitn(3, ' ');
        let (weekday, day, clock) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        TimeView {
            date: format!("{weekday} {day}"),
            clock: clock.to_string(),
            iso: views::iso(time),
            relative: if time > now {
                until(time, now)
            } else {
                views::relative(time, now)
            },
        }
    }
}

/// "in 5 min", "in 3 h", "in 2 days", then the date.
pub fn until(time: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (time - now).num_seconds();
    match seconds {
        s if s < 60 => "in under a minute".into(),
        s if s < 3_600 => format!("in {} min", s / 60),
        s if s < 86_400 => format!("in {} h", s / 3_600),
        s if s < 86_400 * 2 => "tomorrow".into(),
        s if s < 86_400 * 30 => format!("in {} days", s / 86_400),
        _ => format!("on {}", time.format("%Y-%m-%d")),
    }
}

/// Who is looking, and when: what every row's actions and times depend on.
pub struct Viewer<'a> {
    pub can_edit: bool,
    pub csrf_token: &'a str,
    pub now: DateTime<Utc>,
}

impl TaskRowView {
    pub fn new(task: &Task, before: Option<TaskId>, viewer: &Viewer) -> Self {
        let Viewer {
            can_edit,
            csrf_token,
            now,
        } = *viewer;
        let contact = task.contact_id;
        let timing = task.timing();
        let status = task.status();
        let schedule_expression = task.schedule.clone().unwrap_or_default();
        let schedule_words = timing.describe();
        let before_text = before.map(|b| b.to_string()).unwrap_or_default();
        let with_before = |url: String| routes::with_query(&url, &[("before", &before_text)]);
        let next_note = match (status, task.next_run_at) {
            (TaskStatus::Canceled, _) => "Canceled",
            (_, Some(next)) if next > now => "",
            (TaskStatus::Running, _) => "Running now",
            (_, Some(_)) => "Due now",
            (_, None) => "On demand",
        };
        let words_are_expression = schedule_words == schedule_expression;
        TaskRowView {
            words_are_expression,
            element_id: format!("task-{}", task.id),
            name: task.name.clone(),
            description: task.description.clone().unwrap_or_default(),
            schedule_expression: if words_are_expression {
                String::new()
            } else {
                schedule_expression
            },
            schedule_words,
            timezone: task.timezone.clone(),
            status: status.as_str(),
            outcome: task.outcome.clone(),
            last_run: task.last_run_at.map(|t| TimeView::new(t, timing.zone, now)),
            next_run: task
                .next_run_at
                .filter(|next| *next > now && status != TaskStatus::Canceled)
                .map(|t| TimeView::new(t, timing.zone, now)),
            next_note,
            edit_url: routes::task_action(contact, task.id, "edit"),
            run_url: routes::task_action(contact, task.id, "run"),
            cancel_url: routes::task_action(contact, task.id, "cancel"),
            resume_url: routes::task_action(contact, task.id, "resume"),
            confirm_delete_url: with_before(routes::task_action(contact, task.id, "delete")),
            delete_url: routes::task_action(contact, task.id, "delete"),
            row_url: with_before(routes::task(contact, task.id)),
            list_url: routes::contact_tasks(contact, before),
            before: before_text,
            can_edit,
            can_run: can_edit && status != TaskStatus::Running,
            can_cancel: can_edit && status != TaskStatus::Canceled,
            can_resume: can_edit && status == TaskStatus::Canceled,
            confirming: false,
            csrf_token: csrf_token.to_string(),
        }
    }
}

/// The tab: a page of rows, or (without JavaScript) one row's delete confirmation.
pub struct TasksView {
    pub rows: Vec<TaskRowView>,
    pub can_edit: bool,
    pub new_url: String,
    pub older_url: Option<String>,
    pub newest_url: Option<String>,
    pub confirm: Option<TaskRowView>,
}

impl TasksView {
    /// `rows` holds up to one more than `page_size`, which says whether an older page exists.
    pub fn new(
        contact: ContactId,
        rows: &[Task],
        page_size: i64,
        before: Option<TaskId>,
        confirm: Option<&Task>,
        viewer: &Viewer,
    ) -> Self {
        let shown = &rows[..rows.len().min(page_size as usize)];
        let has_older = rows.len() > shown.len();
        TasksView {
            rows: shown
                .iter()
                .map(|task| TaskRowView::new(task, before, viewer))
                .collect(),
            can_edit: viewer.can_edit,
            new_url: routes::new_task(contact),
            older_url: shown
                .last()
                .filter(|_| has_older)
                .map(|oldest| routes::contact_tasks(contact, Some(oldest.id))),
            newest_url: before.map(|_| routes::contact_tasks(contact, None)),
            confirm: confirm.map(|task| {
                let mut row = TaskRowView::new(task, before, viewer);
                row.confirming = true;
                row
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn task(status: &str, schedule: Option<&str>, next: Option<DateTime<Utc>>) -> Task {
        let now = Utc::now();
        Task {
            id: TaskId(1),
            contact_id: ContactId(2),
            name: "Sync".into(),
            description: None,
            schedule: schedule.map(str::to_string),
            timezone: "Europe/London".into(),
            status: status.into(),
            outcome: "pending".into(),
            last_run_at: None,
            next_run_at: next,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn what_the_next_run_column_says() {
        let now = Utc::now();
        let later = Some(now + Duration::hours(2));
        let earlier = Some(now - Duration::minutes(1));
        let editor = Viewer {
            can_edit: true,
            csrf_token: "t",
            now,
        };
        let row =
            |status, schedule, next| TaskRowView::new(&task(status, schedule, next), None, &editor);
        let upcoming = row("idle", Some("0 8 * * 1"), later);
        assert_eq!(upcoming.next_note, "");
        assert!(upcoming.next_run.unwrap().relative.starts_with("in "));
        assert_eq!(row("idle", None, earlier).next_note, "Due now");
        assert_eq!(row("idle", None, None).next_note, "On demand");
        assert_eq!(row("running", None, earlier).next_note, "Running now");
        let canceled = row("canceled", Some("0 8 * * 1"), later);
        assert_eq!(canceled.next_note, "Canceled");
        assert!(canceled.next_run.is_none());
        assert!(canceled.can_resume && !canceled.can_cancel && canceled.can_run);
        let running = row("running", None, None);
        assert!(!running.can_run && running.can_cancel);
        assert_eq!(upcoming.schedule_words, "Every Monday at 08:00");
        assert_eq!(upcoming.schedule_expression, "0 8 * * 1");
        let custom = row("idle", Some("0 9-17 * * *"), later);
        assert!(custom.words_are_expression);
        assert_eq!(custom.schedule_expression, "");
        let viewer = TaskRowView::new(
            &task("idle", None, None),
            None,
            &Viewer {
                can_edit: false,
                ..editor
            },
        );
        assert!(!viewer.can_run && !viewer.can_cancel && !viewer.can_resume);
    }

    #[test]
    fn times_to_come() {
        let now = Utc::now();
        assert_eq!(until(now + Duration::seconds(30), now), "in under a minute");
        assert_eq!(until(now + Duration::minutes(5), now), "in 5 min");
        assert_eq!(until(now + Duration::hours(3), now), "in 3 h");
        assert_eq!(until(now + Duration::hours(30), now), "tomorrow");
        assert_eq!(until(now + Duration::days(4), now), "in 4 days");
        assert!(until(now + Duration::days(90), now).starts_with("on "));
    }
}
