//! The periodic sweep of space files (kind `space_files_sweep`, hourly): bytes under
//! `<data dir>/spaces/` that no row names any more, once they are an hour old. Deleting a
//! file, a space or an erased contact's data commits the rows first and removes the bytes
//! after; a crash in between (or a file that could not be removed then) leaves bytes behind,
//! and so can a crash between an upload's rename into place and its row's commit. Archives
//! of the personal data export that a crash left in `<data dir>/exports/` go too. Its own
//! finished runs go after a week.

use super::{JobError, JobKind, Run};
use crate::models::job;
use crate::models::space_file;
use crate::personal_data::archive;
use crate::storage::SpaceStore;
use chrono::Utc;
use std::time::Duration;

pub struct SpaceFilesSweep;

/// Bytes without a row this old belong to no upload still committing (a commit takes
/// seconds; an hour leaves room for a slow disk and clock skew between processes).
const ORPHAN_AGE: Duration = Duration::from_secs(60 * 60);
/// How long the sweep's own finished runs are kept.
const KEEP_RUNS: chrono::Duration = chrono::Duration::days(7);

impl JobKind for SpaceFilesSweep {
    fn name(&self) -> &'static str {
        "space_files_sweep"
    }

    fn label(&self) -> &'static str {
        "Sweep of space files"
    }

    fn every(&self) -> Option<Duration> {
        Some(Duration::from_secs(60 * 60))
    }

    fn run(&self, run: &mut Run<'_>) -> Result<(), JobError> {
        let store = SpaceStore::new(&run.settings.data_dir);
        let swept = store.sweep_orphans(ORPHAN_AGE, |space| {
            run.check_stop()?;
            Ok::<_, JobError>(space_file::stored_keys(run.connection(), space)?)
        })?;
        if swept.files > 0 || swept.directories > 0 {
            tracing::info!(
                files = swept.files,
                directories = swept.directories,
                "removed space files no row named"
            );
        }
        archive::sweep_leftovers(&archive::work_dir(&run.settings.data_dir), ORPHAN_AGE);
        job::delete_finished(run.connection(), self.name(), Utc::now() - KEEP_RUNS)?;
        Ok(())
    }
}
