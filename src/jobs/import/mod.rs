//! Contact import: kind `import` writes a file's rows as contacts, kind `import_dry_run`
//! counts what it would do without writing any (issue 11).
//!
//! Both read the file ([`rows`]) in batches of [`BATCH`] rows. For each batch one lookup
//! finds every contact its rows could match, [`plan`] works out what each row does (new,
//! updated, unchanged, skipped; invalid rows are counted with their reasons), and then:
//! - the real run writes the batch (changed contacts, then new ones, one audit entry each)
//!   in one transaction with the job's cursor (the last row number applied) and counts. A
//!   resumed job skips the rows up to its cursor, so no row is applied twice, and a file
//!   imported again finds everything it created: all unchanged.
//! - the dry run keeps what the batch would have done in its session's shadow table
//!   (`models::contact_import`), so its later batches see exactly what the real run's would,
//!   and its counts are the real run's. Interrupted, it starts again from the top.
//!
//! A batch that loses a race with another writer (a contact changed or an email taken
//! meanwhile) is rolled back and planned again, a few times at most.

pub mod invalid_csv;
pub mod plan;
pub mod preview;
pub mod rows;

use super::upload_store::UploadStore;
use super::{JobError, JobKind, Run};
use crate::domain::JobId;
use crate::domain::import::{Detected, Mapping};
use crate::models::contact_import::{self, Source};
use crate::models::job::{Job, Progress};
use crate::models::upload;
use diesel::OptionalExtension;
use plan::{OnMatch, Outcome, Planner};
use rows::{Problem, Row, Rows};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::{Path, PathBuf};

/// The kind of a real run.
pub const IMPORT_KIND: &str = "import";
/// The kind of a dry run.
pub const DRY_RUN_KIND: &str = "import_dry_run";
/// Both, for the import page's list.
pub const KINDS: [&str; 2] = [IMPORT_KIND, DRY_RUN_KIND];

/// Rows per batch (and per transaction).
pub const BATCH: usize = 1000;
/// How many invalid rows the report keeps (all of them are in the CSV download).
pub const INVALID_SAMPLE: usize = 20;
/// Times a batch is planned again after losing a race with another writer.
const RETRIES: usize = 3;

/// What an import job is asked to do (its `parameters`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportParameters {
    /// The command line's file (an absolute path). `None` for the dashboard's: the job's
    /// upload names it ([`source_file`]), so a process with another working directory, or
    /// another process sharing the data directory, finds it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// As uploaded or given (shown to people).
    pub file_name: String,
    pub detected: Detected,
    /// The file's headers when the mapping was made (shown on the report).
    pub headers: Vec<String>,
    pub mapping: Mapping,
    pub on_match: OnMatch,
    /// The job this one was started from: an import's dry run, or the import it runs again
    /// (`models::job::STARTED_FROM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_from: Option<JobId>,
}

/// An import's five counts (`counts`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportCounts {
    pub new: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub invalid: i64,
}

impl ImportCounts {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::New => self.new += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }

    /// Rows counted.
    pub fn rows(&self) -> i64 {
        self.new + self.updated + self.unchanged + self.skipped + self.invalid
    }

    /// In the order people read them, with their names.
    pub fn named(&self) -> [(&'static str, i64); 5] {
        [
            ("new", self.new),
            ("updated", self.updated),
            ("unchanged", self.unchanged),
            ("skipped", self.skipped),
            ("invalid", self.invalid),
        ]
    }
}

/// One invalid row in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidRow {
    pub row: u64,
    pub problems: Vec<Problem>,
}

/// An import's report (`report`): the first invalid rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    #[serde(default)]
    pub invalid_rows: Vec<InvalidRow>,
}

/// How far an import got (`cursor`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
struct ImportCursor {
    /// The number of the last row applied.
    #[serde(default)]
    row: u64,
}

/// Imports a file's rows as contacts.
pub struct Import;

/// Counts what [`Import`] would do, writing nothing.
pub struct DryRun;

impl JobKind for Import {
    fn name(&self) -> &'static str {
        IMPORT_KIND
    }

    fn label(&self) -> &'static str {
        "Import"
    }

    fn run(&self, run: &mut Run<'_>) -> Result<(), JobError> {
        import(run, Mode::Write)
    }
}

impl JobKind for DryRun {
    fn name(&self) -> &'static str {
        DRY_RUN_KIND
    }

    fn label(&self) -> &'static str {
        "Dry run"
    }

    fn run(&self, run: &mut Run<'_>) -> Result<(), JobError> {
        contact_import::create_shadow(run.connection())?;
        let outcome = import(run, Mode::Count);
        // The shadow goes with the connection anyway; a pooled one lives on, so drop it.
        let dropped = contact_import::drop_shadow(run.connection());
        outcome?;
        dropped?;
        Ok(())
    }
}

/// Where a run's lookups look (and its new contacts go).
fn source_of(mode: Mode) -> Source {
    match mode {
        Mode::Write => Source::Contacts,
        Mode::Count => Source::Shadow,
    }
}

/// Whether a run writes contacts or only counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Write,
    Count,
}

/// Where an import stands after the last committed batch.
#[derive(Debug, Clone, Default)]
struct State {
    cursor: ImportCursor,
    done: i64,
    counts: ImportCounts,
    report: ImportReport,
    /// The number the next new contact gets (a dry run numbers them across batches).
    next_new: u64,
}

impl State {
    fn progress(&self, total: i64) -> Progress {
        Progress {
            cursor: json!(self.cursor),
            done: self.done,
            total: Some(total),
            counts: json!(self.counts),
            report: json!(self.report),
        }
    }
}

/// The job's parameters, or why they cannot be used.
pub fn parameters(run: &Run<'_>) -> Result<ImportParameters, JobError> {
    serde_json::from_value(run.job.parameters.clone()).map_err(|error| {
        JobError::Failed(format!("The import's settings are unreadable ({error})."))
    })
}

/// The file an import reads: its upload's under the data directory, else the command
/// line's. Fails when it is gone (the upload expired and was purged).
pub fn source_file(
    connection: &mut diesel::PgConnection,
    job: &Job,
    params: &ImportParameters,
    data_dir: &Path,
) -> Result<PathBuf, JobError> {
    let gone =
        || JobError::Failed("The file is no longer kept on the server; upload it again.".into());
    let path = match (job.upload_id, &params.file) {
        (Some(id), _) => {
            let upload = upload::find(connection, id).optional()?.ok_or_else(gone)?;
            UploadStore::new(data_dir)
                .path(&upload.storage_key)
                .ok_or_else(gone)?
        }
        (None, Some(file)) => file.clone(),
        (None, None) => return Err(JobError::Failed("The import names no file.".into())),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(gone())
    }
}

fn import(run: &mut Run<'_>, mode: Mode) -> Result<(), JobError> {
    let params = parameters(run)?;
    let data_dir = run.settings.data_dir.clone();
    let job_row = run.job.clone();
    let file = source_file(run.connection(), &job_row, &params, &data_dir)?;
    let region = run.settings.phone_region;
    let rows =
        Rows::open(&file, &params.detected, &params.mapping, region).map_err(JobError::Failed)?;
    // Resumed: from the last committed batch. A dry run's shadow did not survive, so it
    // counts again from the top.
    let mut state = match mode {
        Mode::Count => State::default(),
        Mode::Write => State {
            cursor: serde_json::from_value(run.job.cursor.clone()).unwrap_or_default(),
            done: run.job.progress_done,
            counts: serde_json::from_value(run.job.counts.clone()).unwrap_or_default(),
            report: serde_json::from_value(run.job.report.clone()).unwrap_or_default(),
            next_new: 0,
        },
    };
    // Three threads share the work, so the two cores are busy at once: one counts the
    // file's rows for the progress bar (a quick pass), one reads and validates the rows
    // (`reader`), and this one plans and writes them. Two batches at most wait between
    // them, so memory stays flat whatever the file's size.
    let mut counting = match run.job.progress_total {
        Some(_) => None,
        None => {
            let (file, detected) = (file.clone(), params.detected);
            Some(std::thread::spawn(move || rows::count(&file, &detected)))
        }
    };
    let mut total = run.job.progress_total;
    let (sender, batches) = std::sync::mpsc::sync_channel::<Vec<Row>>(2);
    let skip_to = state.cursor.row;
    let reader = std::thread::spawn(move || read_batches(rows, skip_to, &sender));
    let job = run.job.id;
    let mut applied_any = false;
    while let Ok(batch) = batches.recv() {
        run.check_stop()?;
        if counting.as_ref().is_some_and(|handle| handle.is_finished()) {
            total = Some(counted(counting.take())?);
        }
        state = apply_batch(run, &state, &batch, &params, mode, job, total)?;
        applied_any = true;
    }
    // A panic in the reader is a bug; its batches so far were applied, the rest are not.
    reader
        .join()
        .map_err(|_| JobError::Failed("Reading the file stopped unexpectedly.".into()))?;
    if counting.is_some() {
        total = Some(counted(counting.take())?);
    }
    if !applied_any || total != run.job.progress_total {
        // Nothing to apply (an empty file, or resumed after its last batch), or the count
        // finished after the last batch: the job's row still gets its total.
        let progress = state.progress(total.unwrap_or(state.done));
        run.batch(|_, _| Ok(((), progress)))?;
    }
    Ok(())
}

/// The file's rows after `skip_to`, in batches of [`BATCH`], until the file ends or the
/// receiving side stops listening.
fn read_batches(mut rows: Rows, skip_to: u64, sender: &std::sync::mpsc::SyncSender<Vec<Row>>) {
    loop {
        let mut batch = Vec::with_capacity(BATCH);
        while batch.len() < BATCH {
            match rows.next_row() {
                Some(row) if row.number <= skip_to => {}
                Some(row) => batch.push(row),
                None => break,
            }
        }
        let last = batch.len() < BATCH;
        if batch.is_empty() || sender.send(batch).is_err() || last {
            return;
        }
    }
}

/// The counting thread's answer.
fn counted(
    handle: Option<std::thread::JoinHandle<Result<u64, crate::domain::import::FileRefusal>>>,
) -> Result<i64, JobError> {
    let Some(handle) = handle else {
        return Ok(0);
    };
    let counted = handle
        .join()
        .map_err(|_| JobError::Failed("Counting the rows stopped unexpectedly.".into()))?
        .map_err(|refusal| JobError::Failed(refusal.to_string()))?;
    Ok(i64::try_from(counted).unwrap_or(i64::MAX))
}

/// Applies one batch in its own transaction with the job's progress, planning it again
/// when it lost a race with another writer (a few times at most).
fn apply_batch(
    run: &mut Run<'_>,
    state: &State,
    batch: &[Row],
    params: &ImportParameters,
    mode: Mode,
    job: JobId,
    total: Option<i64>,
) -> Result<State, JobError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let applied = run.batch(|connection, actor| {
            let next = apply(connection, state, batch, params.on_match, mode, job, actor)?;
            let mut progress = next.progress(total.unwrap_or(0));
            progress.total = total;
            Ok((next, progress))
        });
        match applied {
            Err(JobError::Contended) if attempt <= RETRIES => continue,
            Err(JobError::Contended) => {
                return Err(JobError::Failed(format!(
                    "Rows {}–{} kept clashing with changes made meanwhile; import the file \
                     again to apply the rest.",
                    batch.first().map_or(0, |row| row.number),
                    batch.last().map_or(0, |row| row.number),
                )));
            }
            other => return other,
        }
    }
}

/// Plans a batch and writes it (or, counting, shadows it); returns the state it leaves.
fn apply(
    connection: &mut diesel::PgConnection,
    state: &State,
    batch: &[Row],
    on_match: OnMatch,
    mode: Mode,
    job: JobId,
    actor: &crate::models::Actor,
) -> Result<State, JobError> {
    let valid: Vec<&plan::RowContact> = batch
        .iter()
        .filter_map(|row| row.contact.as_ref().ok())
        .collect();
    let source = source_of(mode);
    let candidates = contact_import::lookup(connection, &plan::keys(&valid), source)?;
    let mut planner = Planner::new(on_match, candidates, state.next_new);
    let mut next = state.clone();
    for row in batch {
        match &row.contact {
            Ok(contact) => next.counts.add(planner.apply(contact)),
            Err(problems) => {
                next.counts.invalid += 1;
                if next.report.invalid_rows.len() < INVALID_SAMPLE {
                    next.report.invalid_rows.push(InvalidRow {
                        row: row.number,
                        problems: problems.clone(),
                    });
                }
            }
        }
    }
    let planned = planner.finish();
    match mode {
        Mode::Count => contact_import::write_shadow(connection, &planned.shadow)?,
        Mode::Write => {
            // Changes first: a new contact may take an email a changed one gave up.
            let changed = contact_import::update(connection, &planned.changed, job, actor)?;
            if changed != planned.changed.len() {
                return Err(JobError::Contended);
            }
            contact_import::insert(connection, &planned.new, job, actor).map_err(contended)?;
        }
    }
    next.next_new = planned.next_new;
    next.done += batch.len() as i64;
    if let Some(last) = batch.last() {
        next.cursor.row = last.number;
    }
    Ok(next)
}

/// A unique index refused a row: another writer took its email or fingerprint meanwhile.
fn contended(error: diesel::result::Error) -> JobError {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => JobError::Contended,
        other => JobError::Database(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_started_from_is_where_the_job_model_looks_for_it() {
        let params = ImportParameters {
            file: None,
            file_name: "a.csv".into(),
            detected: Detected {
                format: crate::domain::import::FileFormat::Csv { delimiter: b',' },
                encoding: crate::domain::import::TextEncoding::Utf8,
            },
            headers: vec!["Name".into()],
            mapping: Mapping::default(),
            on_match: OnMatch::default(),
            started_from: Some(JobId(7)),
        };
        let value = serde_json::to_value(&params).unwrap();
        assert_eq!(value[crate::models::job::STARTED_FROM], json!(7));
        assert!(value.get("file").is_none());
        assert_eq!(
            serde_json::from_value::<ImportParameters>(value).unwrap(),
            params
        );
    }
}
