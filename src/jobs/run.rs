//! One claimed job being worked on: the connection, the lease, the stop signal, and
//! [`Run::batch`], which commits a batch's writes with the job's progress or not at all.

use super::{JobKind, JobSettings};
use crate::models::Actor;
use crate::models::job::{self, Ending, Job, Lease, Progress};
use diesel::{Connection, PgConnection};
use std::sync::atomic::{AtomicBool, Ordering};

/// A job gives up after being claimed this many times (its workers kept dying, or kept
/// failing to reach the database).
pub const MAX_ATTEMPTS: i32 = 5;

/// Why a job's work stopped before its end.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// It cannot succeed (the file is gone, its parameters make no sense): the job fails with
    /// this reason, shown to people.
    #[error("{0}")]
    Failed(String),
    /// Another worker holds the job now, or it was canceled: stop without writing.
    #[error("the job's lease is no longer held")]
    LeaseLost,
    /// This process is stopping: give the job back for another worker to resume.
    #[error("stopping")]
    Stopping,
    /// Another writer got in the way of a batch (changed a contact, took an email): the
    /// kind rolls the batch back and plans it again.
    #[error("a concurrent change got in the way")]
    Contended,
    /// The database failed (it may be restarting): the job is retried when its lease runs out.
    #[error("database error: {0}")]
    Database(#[from] diesel::result::Error),
}

/// A claimed job, as its kind sees it.
pub struct Run<'a> {
    connection: &'a mut PgConnection,
    /// The job as claimed: its parameters, and the cursor and counts it resumes from.
    pub job: Job,
    lease: Lease,
    stop: &'a AtomicBool,
    pub settings: &'a JobSettings,
    /// Who the job's writes are by: the staff user who started it, else the system.
    pub actor: Actor,
}

impl<'a> Run<'a> {
    pub fn new(
        connection: &'a mut PgConnection,
        job: Job,
        lease: Lease,
        settings: &'a JobSettings,
        stop: &'a AtomicBool,
    ) -> Self {
        let actor = actor_of(&job);
        Run {
            connection,
            job,
            lease,
            stop,
            settings,
            actor,
        }
    }

    /// Whether the process is stopping: check between batches and return
    /// [`JobError::Stopping`].
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// [`JobError::Stopping`] when the process is stopping.
    pub fn check_stop(&self) -> Result<(), JobError> {
        if self.stopping() {
            Err(JobError::Stopping)
        } else {
            Ok(())
        }
    }

    /// Runs one batch in a transaction: `work` makes the batch's writes and says where they
    /// leave the job; the progress is written in the same transaction, which commits only
    /// while this worker still holds the lease. Otherwise everything is rolled back and the
    /// answer is [`JobError::LeaseLost`]. The job's snapshot ([`Run::job`]) follows.
    pub fn batch<T>(
        &mut self,
        work: impl FnOnce(&mut PgConnection, &Actor) -> Result<(T, Progress), JobError>,
    ) -> Result<T, JobError> {
        let lease = &self.lease;
        let actor = &self.actor;
        let (value, progress) = self.connection.transaction(|connection| {
            let (value, progress) = work(connection, actor)?;
            if !job::commit_progress(connection, lease, &progress)? {
                return Err(JobError::LeaseLost);
            }
            Ok::<_, JobError>((value, progress))
        })?;
        self.job.cursor = progress.cursor;
        self.job.progress_done = progress.done;
        self.job.progress_total = progress.total;
        self.job.counts = progress.counts;
        self.job.report = progress.report;
        Ok(value)
    }

    /// The connection, for reads between batches (and for work whose writes are not the
    /// job's progress).
    pub fn connection(&mut self) -> &mut PgConnection {
        self.connection
    }

    /// Renews the lease during long work between batches.
    pub fn renew(&mut self) -> Result<(), JobError> {
        if job::renew(self.connection, &self.lease)? {
            Ok(())
        } else {
            Err(JobError::LeaseLost)
        }
    }
}

/// Who a job acts as: the staff user who started it, or the system under the recorded name
/// (the command line, the scheduler).
pub fn actor_of(job: &Job) -> Actor {
    match job.started_by {
        Some(id) => Actor::Staff {
            id,
            name: job.started_by_name.clone(),
        },
        None => Actor::System(job.started_by_name.clone()),
    }
}

/// Runs a claimed job with its kind and records how it ended: done, failed with a reason,
/// given back (the process stops), or left to its lease (a database failure: retried once
/// the lease runs out). Errors are logged, never returned: the job's row says what happened.
pub fn execute(
    connection: &mut PgConnection,
    kind: &dyn JobKind,
    job: Job,
    lease: Lease,
    settings: &JobSettings,
    stop: &AtomicBool,
) {
    let id = job.id;
    let actor = actor_of(&job);
    if job.attempts > MAX_ATTEMPTS {
        let reason = format!(
            "Stopped after {MAX_ATTEMPTS} attempts: the work kept being interrupted. \
             Start it again to retry."
        );
        if let Err(error) = job::fail(connection, id, &reason, &actor) {
            tracing::warn!(job = id.0, %error, "could not record a job that gave up");
        }
        return;
    }
    tracing::info!(
        job = id.0,
        kind = kind.name(),
        attempt = job.attempts,
        "job started"
    );
    let outcome = {
        let mut run = Run::new(connection, job, lease.clone(), settings, stop);
        kind.run(&mut run)
    };
    let recorded = match outcome {
        Ok(()) => job::finish(connection, &lease, &Ending::Done, &actor).map(|_| ()),
        Err(JobError::Failed(reason)) => {
            tracing::info!(job = id.0, %reason, "job failed");
            job::finish(connection, &lease, &Ending::Failed(reason), &actor).map(|_| ())
        }
        Err(JobError::Contended) => {
            let reason = "The work kept clashing with changes made meanwhile; start it again.";
            job::finish(connection, &lease, &Ending::Failed(reason.into()), &actor).map(|_| ())
        }
        Err(JobError::LeaseLost) => {
            tracing::info!(job = id.0, "job stopped: canceled or taken over");
            Ok(())
        }
        Err(JobError::Stopping) => job::release(connection, &lease).map(|_| ()),
        Err(JobError::Database(error)) => {
            tracing::warn!(job = id.0, %error, "job interrupted by a database error; it resumes when its lease runs out");
            Ok(())
        }
    };
    match recorded {
        Ok(()) => tracing::info!(job = id.0, "job left the worker"),
        Err(error) => tracing::warn!(job = id.0, %error, "could not record how a job ended"),
    }
}
