//! What the import pages print about a job: a line of the list of imports, and the status
//! panel of a job's page (progress while it runs, the report once it ended). Built from the
//! job's row; templates get strings.

use super::super::super::routes;
use super::super::super::views;
use crate::domain::job_progress::{self, ProgressFigures};
use crate::domain::text::group_thousands;
use crate::jobs::import::{DRY_RUN_KIND, ImportCounts, ImportParameters, ImportReport};
use crate::models::job::{Job, state};
use chrono::{DateTime, Utc};

/// What people call a job of this kind.
pub fn kind_label(kind: &str) -> &'static str {
    if kind == DRY_RUN_KIND {
        "Dry run"
    } else {
        "Import"
    }
}

/// A job's state in words, and the badge class it is shown with.
pub fn state_label(job: &Job) -> (&'static str, &'static str) {
    match job.state.as_str() {
        state::QUEUED => ("Waiting", "badge-muted"),
        state::RUNNING => ("Running", "badge-info"),
        state::DONE => ("Done", "badge-verified"),
        state::FAILED => ("Failed", "badge-danger"),
        _ => ("Canceled", "badge-muted"),
    }
}

/// The job's parameters; a job whose parameters cannot be read still gets a page.
pub fn parameters(job: &Job) -> Option<ImportParameters> {
    serde_json::from_value(job.parameters.clone()).ok()
}

pub fn counts(job: &Job) -> ImportCounts {
    serde_json::from_value(job.counts.clone()).unwrap_or_default()
}

fn report(job: &Job) -> ImportReport {
    serde_json::from_value(job.report.clone()).unwrap_or_default()
}

/// "3 new · 1 updated · 0 unchanged · 0 skipped · 1 invalid".
pub fn counts_label(counts: &ImportCounts) -> String {
    counts
        .named()
        .iter()
        .map(|(name, count)| {
            format!(
                "{} {name}",
                group_thousands(u64::try_from(*count).unwrap_or(0))
            )
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// One line of the list of imports.
pub struct JobLine {
    pub url: String,
    pub file_name: String,
    pub kind: &'static str,
    pub state: &'static str,
    pub state_class: &'static str,
    pub counts: String,
    pub started_by: String,
    pub when: String,
    pub when_iso: String,
}

impl JobLine {
    pub fn new(job: &Job, now: DateTime<Utc>) -> Self {
        let (state, state_class) = state_label(job);
        let counts = if job.state == state::QUEUED {
            String::new()
        } else {
            counts_label(&self::counts(job))
        };
        JobLine {
            url: routes::import_job(job.id),
            file_name: parameters(job).map_or_else(|| "?".into(), |p| p.file_name),
            kind: kind_label(&job.kind),
            state,
            state_class,
            counts,
            started_by: job.started_by_name.clone(),
            when: views::relative(job.created_at, now),
            when_iso: views::iso(job.created_at),
        }
    }
}

/// One count of the report.
pub struct CountView {
    /// `new`, `updated`, … (also the element's class).
    pub name: &'static str,
    pub value: String,
}

/// One problem of an invalid row.
pub struct InvalidRowView {
    pub row: String,
    pub column: String,
    pub message: String,
}

/// The progress bar.
pub struct ProgressView {
    /// `<progress value max>`; both empty while the total is not known (an indeterminate bar).
    pub value: String,
    pub max: String,
    pub done: String,
    pub rate: String,
    pub left: String,
}

impl ProgressView {
    fn new(figures: &ProgressFigures, finished: bool) -> Self {
        ProgressView {
            value: figures
                .total
                .map_or_else(String::new, |_| figures.done.to_string()),
            max: figures
                .total
                .map_or_else(String::new, |total| total.to_string()),
            done: figures.done_label("rows"),
            rate: figures.rate_label("rows"),
            left: if finished {
                String::new()
            } else {
                figures.left_label()
            },
        }
    }
}

/// What the status panel of a job's page shows: progress while it is waiting or running,
/// the report (counts, invalid rows, next steps) once it ended.
pub struct StatusView {
    /// The job's page: polled while the job has not ended.
    pub url: String,
    pub polling: bool,
    pub is_dry_run: bool,
    pub state: &'static str,
    pub state_class: &'static str,
    /// Waiting for a worker.
    pub waiting: bool,
    pub progress: ProgressView,
    /// "in 2 s", once ended.
    pub took: String,
    pub finished: bool,
    pub done: bool,
    pub counts: Vec<CountView>,
    pub invalid_rows: Vec<InvalidRowView>,
    /// "first 20 of 312", when not all are shown.
    pub invalid_shown: String,
    pub has_invalid: bool,
    /// The invalid rows as CSV, while the file is kept.
    pub download_url: Option<String>,
    /// Why it failed.
    pub error: String,
    /// POST: the import after this dry run, or this failed import again.
    pub run_action: Option<String>,
    pub run_label: &'static str,
    /// The job started from this one.
    pub follow_up_url: Option<String>,
    /// Back to the mapping screen (a dry run whose file is kept).
    pub mapping_url: Option<String>,
    /// POST: stop it.
    pub cancel_action: Option<String>,
    pub csrf_token: String,
}

/// What the status panel needs besides the job.
pub struct StatusContext {
    /// The job started from this one, if any.
    pub follow_up: Option<Job>,
    /// Whether the job's file is still kept (its upload row exists).
    pub file_kept: bool,
    pub can_edit: bool,
    pub csrf_token: String,
    pub now: DateTime<Utc>,
}

impl StatusView {
    pub fn new(job: &Job, context: StatusContext) -> Self {
        let (state, state_class) = state_label(job);
        let finished = job.is_finished();
        let done = job.state == state::DONE;
        let is_dry_run = job.kind == DRY_RUN_KIND;
        let elapsed = job
            .started_at
            .map(|started| {
                (job.finished_at.unwrap_or(context.now) - started)
                    .to_std()
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        let figures = job_progress::figures(job.progress_done, job.progress_total, elapsed);
        let counts = counts(job);
        let report = report(job);
        let invalid_rows: Vec<InvalidRowView> = report
            .invalid_rows
            .iter()
            .flat_map(|row| {
                row.problems.iter().map(move |problem| InvalidRowView {
                    row: row.row.to_string(),
                    column: problem.column.clone(),
                    message: problem.message.clone(),
                })
            })
            .collect();
        let shown = report.invalid_rows.len() as i64;
        let invalid_shown = if shown > 0 && shown < counts.invalid {
            format!(
                "the first {shown} of {}",
                group_thousands(u64::try_from(counts.invalid).unwrap_or(0))
            )
        } else {
            String::new()
        };
        let follow_up_url = context.follow_up.as_ref().map(|f| routes::import_job(f.id));
        let runnable = context.can_edit
            && context.file_kept
            && context.follow_up.is_none()
            && if is_dry_run {
                done
            } else {
                matches!(job.state.as_str(), state::FAILED | state::CANCELED)
            };
        let run_label = if is_dry_run {
            "Import these rows"
        } else {
            "Run it again"
        };
        StatusView {
            url: routes::import_job(job.id),
            polling: !finished,
            is_dry_run,
            state,
            state_class,
            waiting: job.state == state::QUEUED,
            progress: ProgressView::new(&figures, finished),
            took: if finished && job.started_at.is_some() {
                format!(
                    "in {}",
                    job_progress::duration_label(elapsed.as_secs().max(1))
                )
            } else {
                String::new()
            },
            finished,
            done,
            counts: counts
                .named()
                .iter()
                .map(|(name, value)| CountView {
                    name,
                    value: group_thousands(u64::try_from(*value).unwrap_or(0)),
                })
                .collect(),
            has_invalid: counts.invalid > 0,
            invalid_rows,
            invalid_shown,
            download_url: (counts.invalid > 0 && context.file_kept)
                .then(|| routes::import_job_invalid_rows(job.id)),
            error: job.error.clone().unwrap_or_default(),
            run_action: runnable.then(|| routes::import_job_action(job.id, "run")),
            run_label,
            follow_up_url,
            mapping_url: (is_dry_run && context.file_kept && context.follow_up.is_none())
                .then(|| job.upload_id.map(routes::import_upload))
                .flatten(),
            cancel_action: (!finished && context.can_edit)
                .then(|| routes::import_job_action(job.id, "cancel")),
            csrf_token: context.csrf_token,
        }
    }
}
