//! `rapport import FILE [--dry-run] [--on-match update-empty|overwrite|skip]`: the
//! dashboard's import without a browser. The file's format and layout are detected and its
//! columns mapped as the mapping screen suggests; the import runs here, as a job like the
//! dashboard's (listed on its import page, audited, resumable), and prints its five counts
//! and the first invalid rows.
//!
//! It fails (exits non-zero) only when it could not run: a refused file, no database, a job
//! that failed. Invalid rows are a result, not a failure. If the process dies mid-way, the
//! rows of committed batches stay imported; running the same command again reports them
//! as unchanged (and a `rapport serve` worker that can read the same path resumes the job
//! once its lease runs out).

use crate::domain::import::FileRefusal;
use crate::jobs::import::plan::OnMatch;
use crate::jobs::import::preview::{self, Preview};
use crate::jobs::import::{DRY_RUN_KIND, IMPORT_KIND, ImportCounts, ImportReport};
use crate::jobs::{self, JobSettings};
use crate::models::Actor;
use crate::models::job::{NewJob, state};
use diesel::PgConnection;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Who the audit trail names for imports from the command line.
pub const ACTOR_NAME: &str = "command line";

/// What `rapport import` was asked.
#[derive(Debug, Clone)]
pub struct ImportArgs {
    pub file: PathBuf,
    pub dry_run: bool,
    pub on_match: OnMatch,
}

/// Runs the import on `connection`, writing what it did to `out`.
pub fn run(
    args: &ImportArgs,
    connection: &mut PgConnection,
    settings: &JobSettings,
    out: &mut dyn Write,
) -> Result<(), String> {
    let file =
        std::path::absolute(&args.file).map_err(|e| format!("{}: {e}", args.file.display()))?;
    let file_name = file_name(&file);
    let preview = preview::preview(&file, &file_name, settings.import_max_bytes, 1)
        .map_err(|refusal| refused(&file, &refusal))?;
    let params = preview.parameters(
        Some(&file),
        &file_name,
        preview.suggested.clone(),
        args.on_match,
    );
    let parameters = serde_json::to_value(&params).map_err(|e| e.to_string())?;
    let new = NewJob {
        kind: if args.dry_run {
            DRY_RUN_KIND
        } else {
            IMPORT_KIND
        },
        parameters,
        upload_id: None,
        run_after: None,
    };
    let actor = Actor::System(ACTOR_NAME.into());
    let stop = AtomicBool::new(false);
    let job = jobs::run_here(connection, &new, &actor, settings, &stop)?;
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        writeln!(out, "{}: {}", file.display(), preview_line(&preview))?;
        if args.dry_run {
            writeln!(out, "Dry run (job {}): nothing was written.", job.id)?;
        } else {
            writeln!(
                out,
                "Import job {}, on match: {}.",
                job.id,
                args.on_match.as_str()
            )?;
        }
        let counts: ImportCounts = serde_json::from_value(job.counts.clone()).unwrap_or_default();
        for (name, count) in counts.named() {
            writeln!(out, "{name}: {count}")?;
        }
        let report: ImportReport = serde_json::from_value(job.report.clone()).unwrap_or_default();
        if !report.invalid_rows.is_empty() {
            writeln!(
                out,
                "First invalid rows ({} of {}):",
                report.invalid_rows.len(),
                counts.invalid
            )?;
            for row in &report.invalid_rows {
                for problem in &row.problems {
                    if problem.column.is_empty() {
                        writeln!(out, "  row {}: {}", row.row, problem.message)?;
                    } else {
                        writeln!(
                            out,
                            "  row {}, {}: {}",
                            row.row, problem.column, problem.message
                        )?;
                    }
                }
            }
        }
        Ok(())
    };
    if job.state != state::DONE {
        let reason = job
            .error
            .clone()
            .unwrap_or_else(|| format!("the job ended {}", job.state));
        return Err(format!(
            "{}: the import did not finish: {reason}",
            file.display()
        ));
    }
    write(out).map_err(|e| format!("could not write the output: {e}"))
}

/// The file's name as the job list shows it.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "file".into())
}

fn refused(path: &Path, refusal: &FileRefusal) -> String {
    format!(
        "{}: not imported, nothing was written. {refusal}",
        path.display()
    )
}

/// "CSV (comma-separated), UTF-8, Google Contacts layout; 11 columns".
fn preview_line(preview: &Preview) -> String {
    format!(
        "{}; {} columns",
        preview.description(),
        preview.headers.len()
    )
}

/// Parses `--on-match`.
pub fn parse_on_match(text: &str) -> Result<OnMatch, String> {
    text.parse()
}

/// `rapport bench-import-file FILE --rows N` (hidden, for `./scripts/bench`): writes the
/// sample (`domain::import::bench`) and prints one line with how fast it is detected, read
/// and mapped, the import's database-free half.
pub fn bench_file(path: &Path, rows: u64) -> Result<(), String> {
    use crate::domain::import::bench;
    bench::write_sample_csv(path, rows).map_err(|e| format!("{}: {e}", path.display()))?;
    let pass = bench::read_and_map(path).map_err(|refusal| refusal.to_string())?;
    println!(
        "read and mapped {} rows ({} bytes) in {:.3} s: {:.0} rows/s",
        pass.records,
        pass.bytes,
        pass.seconds,
        pass.records_per_second()
    );
    Ok(())
}
