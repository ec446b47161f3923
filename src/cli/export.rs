//! `rapport export [--format csv|vcard|jsonl] [--output FILE]`: the same files the dashboard's
//! Export writes, from the command line, to standard output or a file; optionally only the
//! contacts the list's search and filters select (`--search`, `--source`, `--verified`,
//! `--meta`). Streamed batch by batch like the download, and audited with the actor
//! "command line".
//!
//! A file is written under a temporary name next to it and renamed when complete and
//! audited, so an interrupted export never leaves a short file that looks whole.

use super::token::ACTOR_NAME;
use crate::domain::ContactSource;
use crate::domain::export::ExportFormat;
use crate::domain::listing::{self, SearchTerm};
use crate::export::{Audit, Export};
use crate::models::Actor;
use crate::models::contact_export::{self, Selection};
use crate::models::contact_list::ListQuery;
use clap::Args;
use diesel::PgConnection;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What `rapport export` takes.
#[derive(Debug, Clone, Default, Args)]
pub struct ExportArgs {
    /// csv (re-imports into Rapport unchanged), vcard (vCard 4.0, for address books) or
    /// jsonl (one JSON contact object per line).
    #[arg(long, default_value = "csv", value_parser = parse_format)]
    pub format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only contacts the list's search finds (name, email, phone, nick).
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only contacts from this source: manual, email, widget, api or import.
    #[arg(long, value_parser = parse_source)]
    pub source: Option<ContactSource>,
    /// Only verified (yes) or unverified (no) contacts.
    #[arg(long, value_name = "yes|no", value_parser = parse_verified)]
    pub verified: Option<bool>,
    /// Only contacts whose meta has this key with this text value.
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_meta)]
    pub meta: Option<(String, String)>,
}

fn parse_format(input: &str) -> Result<ExportFormat, String> {
    input.parse().map_err(|error| format!("{error}"))
}

fn parse_source(input: &str) -> Result<ContactSource, String> {
    input.parse().map_err(|()| {
        let names: Vec<&str> = ContactSource::ALL.iter().map(|s| s.as_str()).collect();
        format!("\"{input}\" is not a source: use {}", names.join(", "))
    })
}

fn parse_verified(input: &str) -> Result<bool, String> {
    match input {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(format!("\"{input}\" is neither yes nor no")),
    }
}

fn parse_meta(input: &str) -> Result<(String, String), String> {
    listing::meta_filter(input).ok_or_else(|| format!("\"{input}\" is not KEY=VALUE"))
}

impl ExportArgs {
    /// The list query these filters make.
    fn query(&self) -> ListQuery {
        ListQuery {
            search: self.search.as_deref().and_then(SearchTerm::parse),
            source: self.source,
            verified: self.verified,
            meta: self.meta.clone(),
            ..ListQuery::default()
        }
    }
}

/// Runs `rapport export` on `connection`: the file goes to `output` (or `stdout`), what was
/// done to `messages` (standard error: standard output may be the file).
pub fn run(
    args: &ExportArgs,
    connection: &mut PgConnection,
    stdout: &mut dyn Write,
    messages: &mut dyn Write,
) -> Result<(), String> {
    let query = args.query();
    let audit = Audit {
        actor: Actor::System(ACTOR_NAME.into()),
        format: args.format.as_str().into(),
        filter: contact_export::describe_filters(&query, args.search.as_deref().unwrap_or("")),
    };
    let mut export = Export::new(Selection::list(query), args.format);
    let count = match &args.output {
        None => {
            let written = write_all(&mut export, connection, stdout);
            finish(&export, &audit, connection, written)?
        }
        Some(path) => {
            let temporary = temporary_path(path);
            let mut file = create(&temporary)
                .map_err(|e| format!("cannot create {}: {e}", temporary.display()))?;
            let written = write_all(&mut export, connection, &mut file).and_then(|()| {
                file.sync_all()
                    .map_err(|e| format!("could not write the output: {e}"))
            });
            drop(file);
            let finished = finish(&export, &audit, connection, written).and_then(|count| {
                fs::rename(&temporary, path)
                    .map(|()| count)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))
            });
            if finished.is_err() {
                // Best effort: the error that matters is the one returned.
                let _ = fs::remove_file(&temporary);
            }
            finished?
        }
    };
    let target = args.output.as_ref().map_or_else(
        || "standard output".to_string(),
        |p| p.display().to_string(),
    );
    writeln!(
        messages,
        "Exported {count} contact{} as {} to {target}.",
        if count == 1 { "" } else { "s" },
        args.format.label()
    )
    .map_err(|e| format!("could not write the output: {e}"))
}

/// Writes every chunk of the export to `out`.
fn write_all(
    export: &mut Export<ExportFormat>,
    connection: &mut PgConnection,
    out: &mut dyn Write,
) -> Result<(), String> {
    while let Some(chunk) = export
        .next_chunk(connection)
        .map_err(|e| format!("could not read the contacts: {}", e.cause_chain()))?
    {
        out.write_all(&chunk)
            .map_err(|e| format!("could not write the output: {e}"))?;
    }
    out.flush()
        .map_err(|e| format!("could not write the output: {e}"))
}

/// Audits the export however it ended; the count when it ran to the end.
fn finish(
    export: &Export<ExportFormat>,
    audit: &Audit,
    connection: &mut PgConnection,
    written: Result<(), String>,
) -> Result<u64, String> {
    let mut record = export.record(audit);
    record.complete = record.complete && written.is_ok();
    let audited = crate::export::audit(connection, audit, &record)
        .map_err(|e| format!("could not audit the export: {}", e.cause_chain()));
    written?;
    audited?;
    Ok(record.count)
}

/// `dir/.name.partial-<pid>` beside `path`.
fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "export".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

fn create(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: ExportArgs,
    }

    fn parse(line: &[&str]) -> Result<ExportArgs, String> {
        Wrapper::try_parse_from(std::iter::once("export").chain(line.iter().copied()))
            .map(|w| w.args)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn flags_parse_strictly() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.format, ExportFormat::Csv);
        assert!(args.output.is_none());
        let args = parse(&[
            "--format",
            "vcard",
            "--output",
            "out.vcf",
            "--search",
            "smith",
            "--source",
            "email",
            "--verified",
            "no",
            "--meta",
            "plan=pro",
        ])
        .unwrap();
        assert_eq!(args.format, ExportFormat::VCard);
        assert_eq!(args.output, Some(PathBuf::from("out.vcf")));
        let query = args.query();
        assert!(query.search.is_some());
        assert_eq!(query.source, Some(ContactSource::Email));
        assert_eq!(query.verified, Some(false));
        assert_eq!(query.meta, Some(("plan".into(), "pro".into())));
        assert!(
            parse(&["--format", "xlsx"])
                .unwrap_err()
                .contains("not an export format")
        );
        assert!(
            parse(&["--source", "fax"])
                .unwrap_err()
                .contains("not a source")
        );
        assert!(parse(&["--verified", "maybe"]).is_err());
        assert!(
            parse(&["--meta", "plan"])
                .unwrap_err()
                .contains("KEY=VALUE")
        );
    }

    #[test]
    fn the_temporary_file_sits_beside_the_output() {
        let temporary = temporary_path(Path::new("/tmp/out/contacts.csv"));
        assert_eq!(temporary.parent(), Some(Path::new("/tmp/out")));
        assert!(
            temporary
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".contacts.csv.partial-")
        );
    }
}
