//! A contact's tasks: the row, the queries of the Tasks tab, and the writes (create, edit with
//! a version check, run now, cancel, resume, delete), each in one transaction with its audit
//! entry.

use super::audit::{self, Actor, Changes, Subject};
use super::keyset::{self, Page};
use super::schema::tasks;
use super::versioned::Versioned;
use crate::domain::schedule::Timing;
use crate::domain::task_draft::TaskDraft;
use crate::domain::{ContactId, TaskId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};

/// The audit trail's name for this entity.
pub const ENTITY: &str = "task";

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = tasks)]
pub struct Task {
    pub id: TaskId,
    pub contact_id: ContactId,
    pub name: String,
    pub description: Option<String>,
    pub schedule: Option<String>,
    pub timezone: String,
    pub status: String,
    pub outcome: String,
    pub last_run_at: Option<DateTime<Utc>>,
    pub next_run_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    Idle,
    Running,
    Canceled,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Idle => "idle",
            TaskStatus::Running => "running",
            TaskStatus::Canceled => "canceled",
        }
    }

    /// Reads the stored value; the column's CHECK allows nothing else, so unknown is idle.
    pub fn from_stored(value: &str) -> TaskStatus {
        match value {
            "running" => TaskStatus::Running,
            "canceled" => TaskStatus::Canceled,
            _ => TaskStatus::Idle,
        }
    }
}

impl Task {
    pub fn status(&self) -> TaskStatus {
        TaskStatus::from_stored(&self.status)
    }

    /// The schedule and zone as the domain reads them.
    pub fn timing(&self) -> Timing {
        Timing::from_stored(self.schedule.as_deref(), &self.timezone)
    }

    /// The fields a person edits, as the audit trail records them.
    fn audited(&self) -> [(&'static str, Value); 4] {
        [
            ("name", json!(self.name)),
            ("description", json!(self.description)),
            ("schedule", json!(self.schedule)),
            ("timezone", json!(self.timezone)),
        ]
    }
}

pub(super) fn time_json(time: Option<DateTime<Utc>>) -> Value {
    time.map_or(Value::Null, |t| {
        json!(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    })
}

#[derive(Insertable)]
#[diesel(table_name = tasks)]
struct NewTask<'a> {
    contact_id: ContactId,
    name: &'a str,
    description: Option<&'a str>,
    schedule: Option<String>,
    timezone: &'a str,
    next_run_at: Option<DateTime<Utc>>,
}

/// Inserts a task with its first run worked out from `now`, and its audit entry.
pub fn create(
    connection: &mut PgConnection,
    contact_id: ContactId,
    draft: &TaskDraft,
    now: DateTime<Utc>,
    actor: &Actor,
) -> QueryResult<Task> {
    connection.transaction(|connection| {
        let task: Task = diesel::insert_into(tasks::table)
            .values(NewTask {
                contact_id,
                name: &draft.name,
                description: draft.description.as_deref(),
                schedule: draft.schedule_expression(),
                timezone: draft.timezone_name(),
                next_run_at: draft.timing.next_after(now),
            })
            .returning(Task::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        for (field, value) in task.audited() {
            changes.field(field, Value::Null, value);
        }
        changes.field("next_run_at", Value::Null, time_json(task.next_run_at));
        audit::record(connection, actor, "create", subject(&task), changes)?;
        Ok(task)
    })
}

pub(super) fn subject(task: &Task) -> Subject<'static> {
    Subject::of_contact(ENTITY, task.id, Some(task.contact_id))
}

/// A task of this contact; another contact's task is not found.
pub fn find(connection: &mut PgConnection, contact_id: ContactId, id: TaskId) -> QueryResult<Task> {
    tasks::table
        .filter(tasks::id.eq(id))
        .filter(tasks::contact_id.eq(contact_id))
        .select(Task::as_select())
        .first(connection)
}

/// A task of any contact (the API names tasks by id alone).
pub fn find_any(connection: &mut PgConnection, id: TaskId) -> QueryResult<Task> {
    tasks::table
        .find(id)
        .select(Task::as_select())
        .first(connection)
}

/// The same, locked until the transaction ends.
fn find_for_update(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: TaskId,
) -> QueryResult<Task> {
    tasks::table
        .filter(tasks::id.eq(id))
        .filter(tasks::contact_id.eq(contact_id))
        .select(Task::as_select())
        .for_update()
        .first(connection)
}

/// Newest first, `limit` at a time, continuing below `before_id` (index `tasks_contact_idx`).
pub fn page(
    connection: &mut PgConnection,
    contact_id: ContactId,
    before_id: Option<TaskId>,
    limit: i64,
) -> QueryResult<Vec<Task>> {
    let mut query = tasks::table
        .filter(tasks::contact_id.eq(contact_id))
        .select(Task::as_select())
        .order(tasks::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before_id) = before_id {
        query = query.filter(tasks::id.lt(before_id));
    }
    query.load(connection)
}

/// A page of a contact's tasks in creation order (the API's list; the tab pages by id, see
/// [`page`]).
pub fn keyset_page(
    connection: &mut PgConnection,
    contact_id: ContactId,
    page: &Page,
) -> QueryResult<Vec<Task>> {
    let query = tasks::table
        .filter(tasks::contact_id.eq(contact_id))
        .select(Task::as_select())
        .into_boxed();
    keyset::load(connection, tasks::table, query, page)
}

pub fn count(connection: &mut PgConnection, contact_id: ContactId) -> QueryResult<i64> {
    tasks::table
        .filter(tasks::contact_id.eq(contact_id))
        .count()
        .get_result(connection)
}

/// Saves an edit unless someone else saved the task since `seen_version`.
///
/// A new schedule or zone moves the next run (unless the task is canceled); an unchanged one
/// keeps it, so an edit of the name does not undo a "Run now".
pub fn update(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: TaskId,
    seen_version: i32,
    draft: &TaskDraft,
    now: DateTime<Utc>,
    actor: &Actor,
) -> QueryResult<Versioned<Task>> {
    connection.transaction(|connection| {
        let current = find_for_update(connection, contact_id, id)?;
        if current.version != seen_version {
            return Ok(Versioned::Conflict(current));
        }
        let schedule = draft.schedule_expression();
        let timezone = draft.timezone_name();
        let timing_changed = schedule != current.schedule || timezone != current.timezone;
        let next_run_at = if timing_changed && current.status() != TaskStatus::Canceled {
            draft.timing.next_after(now)
        } else {
            current.next_run_at
        };
        let unchanged = draft.name == current.name
            && draft.description == current.description
            && !timing_changed;
        if unchanged {
            return Ok(Versioned::Unchanged(current));
        }
        let saved: Task = diesel::update(tasks::table.find(id))
            .set((
                tasks::name.eq(&draft.name),
                tasks::description.eq(&draft.description),
                tasks::schedule.eq(&schedule),
                tasks::timezone.eq(timezone),
                tasks::next_run_at.eq(next_run_at),
                tasks::version.eq(tasks::version + 1),
            ))
            .returning(Task::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        for ((field, before), (_, after)) in current.audited().into_iter().zip(saved.audited()) {
            changes.field(field, before, after);
        }
        changes.field(
            "next_run_at",
            time_json(current.next_run_at),
            time_json(saved.next_run_at),
        );
        audit::record(connection, actor, "update", subject(&saved), changes)?;
        Ok(Versioned::Saved(saved))
    })
}

/// Why an action on a task was refused.
#[derive(Debug)]
pub enum ActionError {
    /// The task is running; it cannot be made due again until it finishes.
    Running,
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for ActionError {
    fn from(error: diesel::result::Error) -> Self {
        ActionError::Database(error)
    }
}

impl From<ActionError> for crate::AppError {
    fn from(error: ActionError) -> Self {
        match error {
            ActionError::Running => crate::AppError::Conflict(
                "This task is running right now; wait for it to finish, or cancel it.".into(),
            ),
            ActionError::Database(error) => error.into(),
        }
    }
}

/// Sets status and next run, and records the change as `action`.
fn transition(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: TaskId,
    action: &str,
    actor: &Actor,
    decide: impl FnOnce(&Task) -> Result<(TaskStatus, Option<DateTime<Utc>>), ActionError>,
) -> Result<Task, ActionError> {
    connection.transaction(|connection| {
        let current = find_for_update(connection, contact_id, id)?;
        let (status, next_run_at) = decide(&current)?;
        let saved: Task = diesel::update(tasks::table.find(id))
            .set((
                tasks::status.eq(status.as_str()),
                tasks::next_run_at.eq(next_run_at),
                tasks::version.eq(tasks::version + 1),
            ))
            .returning(Task::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes.field("status", json!(current.status), json!(saved.status));
        changes.field(
            "next_run_at",
            time_json(current.next_run_at),
            time_json(saved.next_run_at),
        );
        audit::record(connection, actor, action, subject(&saved), changes)?;
        Ok(saved)
    })
}

/// "Run now": the task becomes due at `now` and waits for the scheduler (status idle). A
/// canceled task is revived this way too.
pub fn run_now(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: TaskId,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Task, ActionError> {
    transition(connection, contact_id, id, "queued", actor, |task| {
        if task.status() == TaskStatus::Running {
            return Err(ActionError::Running);
        }
        Ok((TaskStatus::Idle, Some(now)))
    })
}

/// Cancel: no further runs until someone resumes it or runs it now.
pub fn cancel(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: TaskId,
    actor: &Actor,
) -> Result<Task, ActionError> {
    transition(connection, contact_id, id, "canceled", actor, |_| {
        Ok((TaskStatus::Canceled, None))
    })
}

/// Resume a canceled task: back to idle, next run from its schedule (none if on demand).
pub fn resume(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: TaskId,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Task, ActionError> {
    transition(connection, contact_id, id, "resumed", actor, |task| {
        Ok((TaskStatus::Idle, task.timing().next_after(now)))
    })
}

/// Deletes a task, recording what it was.
pub fn delete(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: TaskId,
    actor: &Actor,
) -> QueryResult<Task> {
    connection.transaction(|connection| {
        let deleted: Task = diesel::delete(
            tasks::table
                .filter(tasks::id.eq(id))
                .filter(tasks::contact_id.eq(contact_id)),
        )
        .returning(Task::as_returning())
        .get_result(connection)?;
        let mut changes = Changes::new();
        for (field, value) in deleted.audited() {
            changes.field(field, value, Value::Null);
        }
        audit::record(connection, actor, "delete", subject(&deleted), changes)?;
        Ok(deleted)
    })
}
