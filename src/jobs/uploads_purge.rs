//! The periodic purge of uploads (kind `uploads_purge`, hourly): the files and rows of
//! uploads that expired and that no queued or running job reads, and files no row names
//! (left by a crash) once they are a day old. Its own finished runs go after a week.

use super::upload_store::UploadStore;
use super::{JobError, JobKind, Run};
use crate::models::job::{self, Progress};
use crate::models::upload;
use chrono::Utc;
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

pub struct UploadsPurge;

/// Uploads handled per batch.
const BATCH: i64 = 100;
/// A file without a row this old belongs to no upload in progress.
const ORPHAN_AGE: Duration = Duration::from_secs(24 * 60 * 60);
/// How long the purge's own finished runs are kept.
const KEEP_RUNS: chrono::Duration = chrono::Duration::days(7);

impl JobKind for UploadsPurge {
    fn name(&self) -> &'static str {
        "uploads_purge"
    }

    fn label(&self) -> &'static str {
        "Purge of old uploads"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(60 * 60))
    }

    fn run(&self, run: &mut Run<'_>) -> Result<(), JobError> {
        let store = UploadStore::new(&run.settings.data_dir);
        let mut removed = run.job.count("removed");
        loop {
            run.check_stop()?;
            // Rows first, in the batch's transaction; files once it committed (a crash in
            // between leaves orphans, which the sweep below removes later).
            let gone = run.batch(|conn, _actor| {
                let expired = upload::expired(conn, Utc::now(), BATCH)?;
                for upload in &expired {
                    upload::delete(conn, upload.id)?;
                }
                let total = removed + expired.len() as i64;
                let progress = Progress {
                    cursor: json!({}),
                    done: total,
                    total: None,
                    counts: json!({ "removed": total }),
                    report: json!({}),
                };
                Ok((expired, progress))
            })?;
            for upload in &gone {
                store.remove(&upload.storage_key);
            }
            removed += gone.len() as i64;
            if (gone.len() as i64) < BATCH {
                break;
            }
        }
        let known: HashSet<String> = upload::storage_keys(run.connection())?
            .into_iter()
            .collect();
        let orphans = store.sweep_orphans(&known, ORPHAN_AGE);
        if orphans > 0 {
            tracing::info!(orphans, "removed uploads no row named");
        }
        job::delete_finished(run.connection(), self.name(), Utc::now() - KEEP_RUNS)?;
        Ok(())
    }
}
