//! Background jobs (`jobs`, DESIGN.md §9): queued, claimed by a worker with a lease, advanced
//! batch by batch, finished as done, failed or canceled.
//!
//! Claiming takes one due job with `FOR UPDATE SKIP LOCKED` and leases it in the same
//! statement: a queued job, or a running one whose lease ran out (its worker died). The claim
//! gives the job a new random lease token. Every batch of work commits together with the
//! job's progress through [`commit_progress`], which matches the row only while the token is
//! still the holder's and the job still runs; a worker that lost its lease (or whose job was
//! canceled) finds nothing to update, rolls its batch back and stops. So a batch is applied
//! once, by the one holder of the lease, and the cursor it wrote says where the next holder
//! starts.
//!
//! Every job is audited: an entry when it is queued (by whom, what), one when it ends.

use super::audit::{self, Actor, Changes, Subject};
use super::schema::{jobs, uploads};
use crate::domain::{JobId, StaffUserId, UploadId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use rand::RngCore;
use serde_json::{Value, json};
use std::time::Duration;

/// The audit trail's name for this entity.
pub const ENTITY: &str = "job";

/// The channel a queued job is announced on (`NOTIFY`, sent at commit).
pub const CHANNEL: &str = "rapport_jobs";

/// How long an upload stays after the last job using it ended: long enough to download the
/// report's invalid rows, short enough that personal data does not linger.
pub const UPLOAD_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// `state` values.
pub mod state {
    pub const QUEUED: &str = "queued";
    pub const RUNNING: &str = "running";
    pub const DONE: &str = "done";
    pub const FAILED: &str = "failed";
    pub const CANCELED: &str = "canceled";
}

#[derive(Queryable, QueryableByName, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub state: String,
    pub started_by: Option<StaffUserId>,
    pub started_by_name: String,
    pub upload_id: Option<UploadId>,
    pub parameters: Value,
    pub cursor: Value,
    pub progress_done: i64,
    pub progress_total: Option<i64>,
    pub counts: Value,
    pub report: Value,
    pub error: Option<String>,
    pub attempts: i32,
    pub lease_token: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub run_after: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Job {
    /// Done, failed or canceled: nothing more will happen to it.
    pub fn is_finished(&self) -> bool {
        self.finished_at.is_some()
    }

    pub fn is_running(&self) -> bool {
        self.state == state::RUNNING
    }

    /// A count of its report (`counts.NAME`), 0 when absent.
    pub fn count(&self, name: &str) -> i64 {
        self.counts.get(name).and_then(Value::as_i64).unwrap_or(0)
    }
}

/// A job to queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    pub parameters: Value,
    pub upload_id: Option<UploadId>,
    /// Not claimed before this time (`None`: now).
    pub run_after: Option<DateTime<Utc>>,
}

#[derive(Insertable)]
#[diesel(table_name = jobs)]
struct JobRow<'a> {
    kind: &'a str,
    state: &'a str,
    started_by: Option<StaffUserId>,
    started_by_name: &'a str,
    upload_id: Option<UploadId>,
    parameters: &'a Value,
    run_after: DateTime<Utc>,
    attempts: i32,
    lease_token: Option<&'a str>,
    lease_until: Option<DateTime<Utc>>,
    started_at: Option<DateTime<Utc>>,
}

/// The claim a worker holds on a running job: every write of its batches names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub job: JobId,
    token: String,
    /// How long each renewal lasts.
    pub duration: Duration,
}

impl Lease {
    /// Lease milliseconds for SQL intervals.
    fn millis(&self) -> i64 {
        millis(self.duration)
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// 128 random bits as hex: a lease token.
fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Subscribes `connection` to the announcements [`enqueue`] sends, for the worker's
/// dedicated listening connection.
pub fn listen(connection: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(connection)?;
    Ok(())
}

/// Queues a job and announces it to the workers (the announcement is sent at commit), with
/// its audit entry, in one transaction.
pub fn enqueue(connection: &mut PgConnection, job: &NewJob, actor: &Actor) -> QueryResult<Job> {
    connection.transaction(|connection| {
        let queued: Job = diesel::insert_into(jobs::table)
            .values(JobRow {
                kind: job.kind,
                state: state::QUEUED,
                started_by: actor.staff_id(),
                started_by_name: actor.name(),
                upload_id: job.upload_id,
                parameters: &job.parameters,
                run_after: job.run_after.unwrap_or_else(Utc::now),
                attempts: 0,
                lease_token: None,
                lease_until: None,
                started_at: None,
            })
            .returning(Job::as_returning())
            .get_result(connection)?;
        record_queued(connection, &queued, actor)?;
        diesel::sql_query(format!("NOTIFY {CHANNEL}")).execute(connection)?;
        Ok(queued)
    })
}

/// The `parameters` key naming the job a job was started from (an import from its dry run,
/// an import run again after it failed).
pub const STARTED_FROM: &str = "started_from";

/// Queues `job` as the follow-up of `source` unless `source` has one already (two clicks on
/// "Run the import" start one import). The source's row is locked first, so requests racing
/// for the same source decide one after the other. Returns the follow-up, and whether it was
/// queued now. `job.parameters` must name `source` under [`STARTED_FROM`].
pub fn enqueue_follow_up(
    connection: &mut PgConnection,
    source: JobId,
    job: &NewJob,
    actor: &Actor,
) -> QueryResult<(Job, bool)> {
    connection.transaction(|connection| {
        jobs::table
            .find(source)
            .select(jobs::id)
            .for_update()
            .first::<JobId>(connection)?;
        if let Some(existing) = follow_up(connection, source)? {
            return Ok((existing, false));
        }
        Ok((enqueue(connection, job, actor)?, true))
    })
}

/// The newest job started from `source`, if any.
pub fn follow_up(connection: &mut PgConnection, source: JobId) -> QueryResult<Option<Job>> {
    jobs::table
        .filter(jobs::parameters.contains(json!({ STARTED_FROM: source.0 })))
        .order(jobs::id.desc())
        .select(Job::as_select())
        .first(connection)
        .optional()
}

/// Creates a job already claimed by the caller, for work that runs in the process that asks
/// for it (the command line): no worker takes it while the lease is renewed, and one resumes
/// it if the caller dies.
pub fn start_here(
    connection: &mut PgConnection,
    job: &NewJob,
    actor: &Actor,
    lease: Duration,
) -> QueryResult<(Job, Lease)> {
    let token = new_token();
    connection.transaction(|connection| {
        let now = Utc::now();
        let started: Job = diesel::insert_into(jobs::table)
            .values(JobRow {
                kind: job.kind,
                state: state::RUNNING,
                started_by: actor.staff_id(),
                started_by_name: actor.name(),
                upload_id: job.upload_id,
                parameters: &job.parameters,
                run_after: now,
                attempts: 1,
                lease_token: Some(&token),
                lease_until: Some(now + chrono::Duration::milliseconds(millis(lease))),
                started_at: Some(now),
            })
            .returning(Job::as_returning())
            .get_result(connection)?;
        record_queued(connection, &started, actor)?;
        let held = Lease {
            job: started.id,
            token: token.clone(),
            duration: lease,
        };
        Ok((started, held))
    })
}

fn record_queued(connection: &mut PgConnection, job: &Job, actor: &Actor) -> QueryResult<()> {
    let mut changes = Changes::new();
    changes.field("kind", Value::Null, json!(job.kind));
    changes.field("parameters", Value::Null, job.parameters.clone());
    audit::record(
        connection,
        actor,
        "create",
        Subject::of_contact(ENTITY, job.id, None),
        changes,
    )
}

/// Claims the next due job of one of `kinds` (oldest first): a queued one whose time has
/// come, or a running one whose lease ran out. Counts the attempt, and leases the job for
/// `lease`.
pub fn claim_next(
    connection: &mut PgConnection,
    kinds: &[&str],
    lease: Duration,
) -> QueryResult<Option<(Job, Lease)>> {
    let token = new_token();
    let kinds: Vec<String> = kinds.iter().map(|kind| kind.to_string()).collect();
    let claimed: Option<Job> = diesel::sql_query(
        "UPDATE jobs j \
            SET state = 'running', lease_token = $1, \
                lease_until = now() + $2 * interval '1 millisecond', \
                attempts = j.attempts + 1, started_at = coalesce(j.started_at, now()) \
          WHERE j.id = ( \
                SELECT id FROM jobs \
                 WHERE kind = ANY($3) \
                   AND ((state = 'queued' AND run_after <= now()) \
                        OR (state = 'running' AND lease_until < now())) \
                 ORDER BY id \
                 LIMIT 1 \
                   FOR UPDATE SKIP LOCKED) \
         RETURNING j.*",
    )
    .bind::<Text, _>(&token)
    .bind::<BigInt, _>(millis(lease))
    .bind::<diesel::sql_types::Array<Text>, _>(&kinds)
    .get_result(connection)
    .optional()?;
    Ok(claimed.map(|job| {
        let held = Lease {
            job: job.id,
            token,
            duration: lease,
        };
        (job, held)
    }))
}

/// When the next queued job of `kinds` falls due, or a running one's lease runs out.
pub fn next_due_at(
    connection: &mut PgConnection,
    kinds: &[&str],
) -> QueryResult<Option<DateTime<Utc>>> {
    let queued: Option<DateTime<Utc>> = jobs::table
        .filter(jobs::kind.eq_any(kinds))
        .filter(jobs::state.eq(state::QUEUED))
        .select(diesel::dsl::min(jobs::run_after))
        .first(connection)?;
    let leased: Option<DateTime<Utc>> = jobs::table
        .filter(jobs::kind.eq_any(kinds))
        .filter(jobs::state.eq(state::RUNNING))
        .select(diesel::dsl::min(jobs::lease_until))
        .first::<Option<DateTime<Utc>>>(connection)?;
    Ok(match (queued, leased) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// Where a batch leaves the job: written with the batch's own writes.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub cursor: Value,
    pub done: i64,
    /// How much there is to do, when known.
    pub total: Option<i64>,
    pub counts: Value,
    pub report: Value,
}

/// Records a batch's progress and renews the lease, inside the batch's transaction. `false`
/// when the lease is no longer held (another worker took the job, or it was canceled): the
/// caller must roll the batch back and stop.
pub fn commit_progress(
    connection: &mut PgConnection,
    lease: &Lease,
    progress: &Progress,
) -> QueryResult<bool> {
    let updated = diesel::update(held(lease))
        .set((
            jobs::cursor.eq(&progress.cursor),
            jobs::progress_done.eq(progress.done),
            jobs::progress_total.eq(progress.total),
            jobs::counts.eq(&progress.counts),
            jobs::report.eq(&progress.report),
            jobs::lease_until.eq(lease_end(lease)),
        ))
        .execute(connection)?;
    Ok(updated == 1)
}

/// Renews the lease without other changes (work between batches that takes long). `false`
/// when it is no longer held.
pub fn renew(connection: &mut PgConnection, lease: &Lease) -> QueryResult<bool> {
    let updated = diesel::update(held(lease))
        .set(jobs::lease_until.eq(lease_end(lease)))
        .execute(connection)?;
    Ok(updated == 1)
}

type Held<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Find<jobs::table, JobId>,
        diesel::dsl::Eq<jobs::lease_token, &'a str>,
    >,
    diesel::dsl::Eq<jobs::state, &'static str>,
>;

/// The job's row while `lease` holds it.
fn held(lease: &Lease) -> Held<'_> {
    jobs::table
        .find(lease.job)
        .filter(jobs::lease_token.eq(lease.token.as_str()))
        .filter(jobs::state.eq(state::RUNNING))
}

fn lease_end(lease: &Lease) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::milliseconds(lease.millis())
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Done,
    /// With the reason, for people.
    Failed(String),
}

/// Finishes a job the caller holds: done or failed, with its audit entry, and its upload
/// kept for [`UPLOAD_RETENTION`] from now. `false` (nothing written) when the lease is no
/// longer held.
pub fn finish(
    connection: &mut PgConnection,
    lease: &Lease,
    ending: &Ending,
    actor: &Actor,
) -> QueryResult<bool> {
    connection.transaction(|connection| {
        let (new_state, error) = match ending {
            Ending::Done => (state::DONE, None),
            Ending::Failed(reason) => (state::FAILED, Some(reason.as_str())),
        };
        let finished: Option<Job> = diesel::update(held(lease))
            .set((
                jobs::state.eq(new_state),
                jobs::error.eq(error),
                jobs::lease_token.eq(None::<String>),
                jobs::lease_until.eq(None::<DateTime<Utc>>),
                jobs::finished_at.eq(Utc::now()),
            ))
            .returning(Job::as_returning())
            .get_result(connection)
            .optional()?;
        let Some(finished) = finished else {
            return Ok(false);
        };
        record_ending(connection, &finished, actor)?;
        keep_upload(connection, &finished)?;
        Ok(true)
    })
}

/// Fails a job whatever holds it (one that keeps losing its worker), with its audit entry.
pub fn fail(
    connection: &mut PgConnection,
    id: JobId,
    reason: &str,
    actor: &Actor,
) -> QueryResult<Option<Job>> {
    end_unfinished(connection, id, state::FAILED, Some(reason), actor)
}

/// Cancels a job that has not finished: a queued one never starts, a running one stops
/// after its current batch (which its worker then rolls back). `None` when it had finished.
pub fn cancel(connection: &mut PgConnection, id: JobId, actor: &Actor) -> QueryResult<Option<Job>> {
    end_unfinished(connection, id, state::CANCELED, None, actor)
}

fn end_unfinished(
    connection: &mut PgConnection,
    id: JobId,
    new_state: &str,
    error: Option<&str>,
    actor: &Actor,
) -> QueryResult<Option<Job>> {
    connection.transaction(|connection| {
        let ended: Option<Job> = diesel::update(
            jobs::table
                .find(id)
                .filter(jobs::state.eq_any([state::QUEUED, state::RUNNING])),
        )
        .set((
            jobs::state.eq(new_state),
            jobs::error.eq(error),
            jobs::lease_token.eq(None::<String>),
            jobs::lease_until.eq(None::<DateTime<Utc>>),
            jobs::finished_at.eq(Utc::now()),
        ))
        .returning(Job::as_returning())
        .get_result(connection)
        .optional()?;
        if let Some(ended) = &ended {
            record_ending(connection, ended, actor)?;
            keep_upload(connection, ended)?;
        }
        Ok(ended)
    })
}

/// Gives a running job back without finishing it (its worker is stopping): due again at
/// once, so the next worker resumes it from its cursor without waiting for the lease.
pub fn release(connection: &mut PgConnection, lease: &Lease) -> QueryResult<bool> {
    let updated = diesel::update(held(lease))
        .set(jobs::lease_until.eq(Utc::now()))
        .execute(connection)?;
    Ok(updated == 1)
}

fn record_ending(connection: &mut PgConnection, job: &Job, actor: &Actor) -> QueryResult<()> {
    let mut changes = Changes::new();
    changes.context("kind", json!(job.kind));
    changes.field("state", json!(state::RUNNING), json!(job.state));
    if job
        .counts
        .as_object()
        .is_some_and(|counts| !counts.is_empty())
    {
        changes.field("counts", Value::Null, job.counts.clone());
    }
    if let Some(error) = &job.error {
        changes.field("error", Value::Null, json!(error));
    }
    audit::record(
        connection,
        actor,
        &job.state,
        Subject::of_contact(ENTITY, job.id, None),
        changes,
    )
}

/// Keeps the job's upload for [`UPLOAD_RETENTION`] from now.
fn keep_upload(connection: &mut PgConnection, job: &Job) -> QueryResult<()> {
    if let Some(upload) = job.upload_id {
        diesel::update(uploads::table.find(upload))
            .set(uploads::expires_at.eq(Utc::now() + retention()))
            .execute(connection)?;
    }
    Ok(())
}

/// [`UPLOAD_RETENTION`] as a chrono duration.
pub fn retention() -> chrono::Duration {
    chrono::Duration::milliseconds(millis(UPLOAD_RETENTION))
}

pub fn find(connection: &mut PgConnection, id: JobId) -> QueryResult<Job> {
    jobs::table
        .find(id)
        .select(Job::as_select())
        .first(connection)
}

/// The newest jobs of these kinds, newest first.
pub fn recent(connection: &mut PgConnection, kinds: &[&str], limit: i64) -> QueryResult<Vec<Job>> {
    jobs::table
        .filter(jobs::kind.eq_any(kinds))
        .order(jobs::id.desc())
        .limit(limit)
        .select(Job::as_select())
        .load(connection)
}

/// Queues a job of `kind` unless one is queued or running, or one was queued less than
/// `every` ago: the periodic work the worker schedules. Several processes may ask at once;
/// an advisory lock on the kind lets one decide. `true` when it queued one.
pub fn schedule_periodic(
    connection: &mut PgConnection,
    kind: &'static str,
    every: Duration,
    actor: &Actor,
) -> QueryResult<bool> {
    connection.transaction(|connection| {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('rapport job ' || $1))")
            .bind::<Text, _>(kind)
            .execute(connection)?;
        let since = Utc::now() - chrono::Duration::milliseconds(millis(every));
        let recent: i64 = jobs::table
            .filter(jobs::kind.eq(kind))
            .filter(
                jobs::state
                    .eq_any([state::QUEUED, state::RUNNING])
                    .or(jobs::created_at.gt(since)),
            )
            .count()
            .get_result(connection)?;
        if recent > 0 {
            return Ok(false);
        }
        enqueue(
            connection,
            &NewJob {
                kind,
                parameters: json!({}),
                upload_id: None,
                run_after: None,
            },
            actor,
        )?;
        Ok(true)
    })
}

/// Deletes finished jobs of `kind` that ended before `before` (periodic jobs leave one row
/// each run). Returns how many went.
pub fn delete_finished(
    connection: &mut PgConnection,
    kind: &str,
    before: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::delete(
        jobs::table
            .filter(jobs::kind.eq(kind))
            .filter(jobs::finished_at.lt(before)),
    )
    .execute(connection)
}
