//! Tasks as agents see them: which of a contact's tasks are scheduled (for the agent context),
//! which are due, and runs: start and finish, each in one transaction with its audit entry.
//!
//! A run holds the task's row lock from the status check to the write, so two agents asking
//! to start the same task at once get one "started" and one conflict, never two runs.

use super::audit::{self, Actor, Changes};
use super::contact;
use super::schema::{contacts, tasks};
use super::task::{Task, TaskStatus, subject, time_json};
use crate::domain::task_run::RunOutcome;
use crate::domain::{ContactId, TaskId};
use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use serde_json::{Value, json};

/// Tasks of a contact that are not canceled and have a schedule or a pending run: soonest
/// next run first, then those with none (a schedule that never comes round, a running
/// on-demand task), by id.
pub fn scheduled(
    connection: &mut PgConnection,
    contact_id: ContactId,
    limit: i64,
) -> QueryResult<Vec<Task>> {
    tasks::table
        .filter(tasks::contact_id.eq(contact_id))
        .filter(tasks::status.ne(TaskStatus::Canceled.as_str()))
        .filter(
            tasks::schedule
                .is_not_null()
                .or(tasks::next_run_at.is_not_null()),
        )
        .select(Task::as_select())
        .order((tasks::next_run_at.asc().nulls_last(), tasks::id.asc()))
        .limit(limit)
        .load(connection)
}

/// How many tasks [`scheduled`] would give without a limit.
pub fn count_scheduled(connection: &mut PgConnection, contact_id: ContactId) -> QueryResult<i64> {
    tasks::table
        .filter(tasks::contact_id.eq(contact_id))
        .filter(tasks::status.ne(TaskStatus::Canceled.as_str()))
        .filter(
            tasks::schedule
                .is_not_null()
                .or(tasks::next_run_at.is_not_null()),
        )
        .count()
        .get_result(connection)
}

/// Idle tasks of live contacts (a contact in Trash runs nothing until it is restored) whose
/// next run is at or before `now`, the longest overdue first (then by id), continuing after
/// the task `after` (index `tasks_due_idx`). A cursor task that is no longer there ends the
/// list.
pub fn due(
    connection: &mut PgConnection,
    now: DateTime<Utc>,
    after: Option<TaskId>,
    limit: i64,
) -> QueryResult<Vec<Task>> {
    let mut query = tasks::table
        .filter(tasks::status.eq(TaskStatus::Idle.as_str()))
        .filter(tasks::next_run_at.le(now))
        .filter(tasks::contact_id.eq_any(contact::live().select(contacts::id)))
        .select(Task::as_select())
        .order((tasks::next_run_at.asc(), tasks::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(
            sql::<Bool>(
                "(tasks.next_run_at, tasks.id) > (SELECT t.next_run_at, t.id FROM tasks t WHERE t.id = ",
            )
            .bind::<BigInt, _>(after)
            .sql(")"),
        );
    }
    query.load(connection)
}

/// Why a run could not be started or finished.
#[derive(Debug)]
pub enum RunError {
    /// Start: another run is going on.
    AlreadyRunning,
    /// Start or finish: the task was canceled.
    Canceled,
    /// Finish: no run was started.
    NotRunning,
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for RunError {
    fn from(error: diesel::result::Error) -> Self {
        RunError::Database(error)
    }
}

impl From<RunError> for crate::AppError {
    fn from(error: RunError) -> Self {
        use crate::AppError::Conflict;
        match error {
            RunError::AlreadyRunning => {
                Conflict("This task is already running; wait until its run is finished.".into())
            }
            RunError::Canceled => Conflict(
                "This task is canceled; it runs again only after someone resumes it.".into(),
            ),
            RunError::NotRunning => Conflict(
                "This task is not running; start it with task/{id}/start before finishing it."
                    .into(),
            ),
            RunError::Database(error) => error.into(),
        }
    }
}

/// The task, locked, when its contact is live (a contact in Trash runs nothing).
fn lock(connection: &mut PgConnection, id: TaskId) -> QueryResult<Task> {
    tasks::table
        .find(id)
        .filter(tasks::contact_id.eq_any(contact::live().select(contacts::id)))
        .select(Task::as_select())
        .for_update()
        .first(connection)
}

/// Starts a run: the task becomes `running` with `last_run_at` = `now`. Its next run stays as
/// it was until the run is finished. Refused while it runs or when it is canceled.
pub fn start(
    connection: &mut PgConnection,
    id: TaskId,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Task, RunError> {
    connection.transaction(|connection| {
        let current = lock(connection, id)?;
        match current.status() {
            TaskStatus::Running => return Err(RunError::AlreadyRunning),
            TaskStatus::Canceled => return Err(RunError::Canceled),
            TaskStatus::Idle => {}
        }
        let saved: Task = diesel::update(tasks::table.find(id))
            .set((
                tasks::status.eq(TaskStatus::Running.as_str()),
                tasks::last_run_at.eq(now),
                tasks::version.eq(tasks::version + 1),
            ))
            .returning(Task::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes.field("status", json!(current.status), json!(saved.status));
        changes.field(
            "last_run_at",
            time_json(current.last_run_at),
            time_json(saved.last_run_at),
        );
        audit::record(connection, actor, "started", subject(&saved), changes)?;
        Ok(saved)
    })
}

/// Finishes the running run: back to `idle` with the outcome, and the next run worked out
/// from the schedule after `now` (none for on-demand tasks). The report, if any, is kept in
/// the audit entry ("finished"), where the History tab shows it with the outcome.
pub fn finish(
    connection: &mut PgConnection,
    id: TaskId,
    outcome: RunOutcome,
    report: Option<&str>,
    now: DateTime<Utc>,
    actor: &Actor,
) -> Result<Task, RunError> {
    connection.transaction(|connection| {
        let current = lock(connection, id)?;
        match current.status() {
            TaskStatus::Running => {}
            TaskStatus::Canceled => return Err(RunError::Canceled),
            TaskStatus::Idle => return Err(RunError::NotRunning),
        }
        let next_run_at = current.timing().next_after(now);
        let saved: Task = diesel::update(tasks::table.find(id))
            .set((
                tasks::status.eq(TaskStatus::Idle.as_str()),
                tasks::outcome.eq(outcome.as_str()),
                tasks::next_run_at.eq(next_run_at),
                tasks::version.eq(tasks::version + 1),
            ))
            .returning(Task::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes.field("status", json!(current.status), json!(saved.status));
        if current.outcome == saved.outcome {
            // The same outcome as last time is still this run's: always say it.
            changes.context("outcome", json!(saved.outcome));
        } else {
            changes.field("outcome", json!(current.outcome), json!(saved.outcome));
        }
        changes.field(
            "next_run_at",
            time_json(current.next_run_at),
            time_json(saved.next_run_at),
        );
        if let Some(report) = report {
            changes.field("text", Value::Null, json!(report));
        }
        audit::record(connection, actor, "finished", subject(&saved), changes)?;
        Ok(saved)
    })
}
