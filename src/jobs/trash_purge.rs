//! The periodic purge of Trash (kind `trash_purge`, hourly): contacts deleted more than
//! `RAPPORT_TRASH_DAYS` ago are deleted for good, as "Delete forever" does
//! ([`contact::purge`]: tasks, memories and secrets go; conversations, spaces and ratings
//! stay, linked to no one), each with its own audit entry by "Trash purge". Its own finished
//! runs go after a week.

use super::{JobError, JobKind, Run};
use crate::models::job::{self, Progress};
use crate::models::{Actor, contact};
use chrono::Utc;
use serde_json::json;
use std::time::Duration;

pub struct TrashPurge;

/// Contacts purged per batch (one transaction with the job's progress).
const BATCH: i64 = 100;
/// How long the purge's own finished runs are kept.
const KEEP_RUNS: chrono::Duration = chrono::Duration::days(7);

impl JobKind for TrashPurge {
    fn name(&self) -> &'static str {
        "trash_purge"
    }

    fn label(&self) -> &'static str {
        "Purge of Trash"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(60 * 60))
    }

    fn run(&self, run: &mut Run<'_>) -> Result<(), JobError> {
        // One cutoff for the whole run, so a contact that crosses it mid-run waits for the
        // next one rather than making the run chase it.
        let cutoff = Utc::now() - run.settings.trash_retention;
        let mut purged = run.job.count("purged");
        // Named for what it is in the audit trail, whoever queued the run.
        let purger = Actor::System("Trash purge".into());
        loop {
            run.check_stop()?;
            let done = run.batch(|conn, _actor| {
                let due = contact::trashed_before(conn, cutoff, BATCH)?;
                for &id in &due {
                    contact::purge(conn, id, &purger)?;
                }
                let total = purged + due.len() as i64;
                let progress = Progress {
                    cursor: json!({}),
                    done: total,
                    total: None,
                    counts: json!({ "purged": total }),
                    report: json!({}),
                };
                Ok((due.len() as i64, progress))
            })?;
            purged += done;
            if done < BATCH {
                break;
            }
        }
        if purged > 0 {
            tracing::info!(purged, "purged contacts from Trash");
        }
        job::delete_finished(run.connection(), self.name(), Utc::now() - KEEP_RUNS)?;
        Ok(())
    }
}
