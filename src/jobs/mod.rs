//! Background jobs (DESIGN.md §9): work that outlives a request, run by a worker inside
//! `rapport serve` ([`worker`]) or, for the command line, in the asking process
//! ([`run_here`]).
//!
//! The queue is the `jobs` table (`models::job`): claimed with `FOR UPDATE SKIP LOCKED` and a
//! lease, so several processes share the work and a crashed one's jobs are picked up again
//! when its lease runs out. A kind works in batches, each batch one transaction together with
//! the job's cursor and counts ([`Run::batch`]), so a resumed job starts where the last
//! committed batch left it and never applies a row twice.
//!
//! **A new kind** is a module here with a unit struct implementing [`JobKind`], and one line
//! in [`KINDS`]. Periodic work (a purge) answers [`JobKind::every`]; the worker queues it.

pub mod import;
pub mod run;
pub mod trash_purge;
pub mod upload_store;
pub mod uploads_purge;
pub mod worker;

use crate::config::Settings;
use crate::domain::PhoneRegion;
use crate::models::Actor;
use crate::models::job::{self, Job, NewJob};
use diesel::PgConnection;
pub use run::{JobError, Run};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// One kind of job: what runs a `jobs` row whose `kind` is [`JobKind::name`].
pub trait JobKind: Sync {
    /// The `jobs.kind` value: lower-case letters, digits and `_`.
    fn name(&self) -> &'static str;

    /// What people call it ("Import", "Dry run").
    fn label(&self) -> &'static str;

    /// For periodic work: how often the worker queues one (`None`: only on request).
    fn every(&self) -> Option<Duration> {
        None
    }

    /// Does the work, batch by batch through [`Run::batch`], resuming from the job's cursor.
    /// Returning `Ok` finishes the job as done.
    fn run(&self, run: &mut Run<'_>) -> Result<(), JobError>;
}

/// Every kind this build runs.
pub static KINDS: &[&dyn JobKind] = &[
    &import::Import,
    &import::DryRun,
    &uploads_purge::UploadsPurge,
    &trash_purge::TrashPurge,
];

/// The kind named `name`, if this build has it.
pub fn kind(name: &str) -> Option<&'static dyn JobKind> {
    KINDS.iter().copied().find(|kind| kind.name() == name)
}

/// The names of [`KINDS`].
pub fn kind_names() -> Vec<&'static str> {
    KINDS.iter().map(|kind| kind.name()).collect()
}

/// What jobs need from the settings.
#[derive(Debug, Clone)]
pub struct JobSettings {
    /// Where uploads live (`<data dir>/uploads`).
    pub data_dir: PathBuf,
    /// For phone numbers written without +country.
    pub phone_region: PhoneRegion,
    /// The largest file an import reads.
    pub import_max_bytes: u64,
    /// How long a deleted contact stays in Trash.
    pub trash_retention: chrono::Duration,
}

impl JobSettings {
    pub fn from_settings(settings: &Settings) -> Self {
        JobSettings {
            data_dir: settings.data_dir.clone(),
            phone_region: settings.phone_region,
            import_max_bytes: settings.import_max_bytes,
            trash_retention: settings.trash_retention,
        }
    }
}

/// How long a claim lasts without a batch renewing it: far longer than any batch takes, short
/// enough that a crashed worker's job is resumed within a minute or so.
pub const LEASE: Duration = Duration::from_secs(60);

/// Creates a job claimed by this process and runs it to its end here, as `rapport import`
/// does: the same code as the worker's, without waiting for one. If this process dies, a
/// worker resumes the job once the lease runs out. Returns the job as it ended.
pub fn run_here(
    connection: &mut PgConnection,
    new: &NewJob,
    actor: &Actor,
    settings: &JobSettings,
    stop: &AtomicBool,
) -> Result<Job, String> {
    let kind = kind(new.kind).ok_or_else(|| format!("no job kind {}", new.kind))?;
    let (job, lease) = job::start_here(connection, new, actor, LEASE)
        .map_err(|e| format!("cannot start the job: {e}"))?;
    let id = job.id;
    run::execute(connection, kind, job, lease, settings, stop);
    job::find(connection, id).map_err(|e| format!("cannot read job {id}: {e}"))
}
