//! The personal data archive: a ZIP of everything Rapport holds about one contact, live or in
//! Trash, except the values of its secrets.
//!
//! ```text
//! README.txt                  what each file holds, who exported it and when
//! contact.json                the contact's fields, meta, fingerprint, source, Trash state
//! conversations/<id>.json     one per conversation: its details, then its messages
//! tasks.json                  tasks, each with its runs (started, finished, outcome, report)
//! memories.json               what agents keep about the person
//! ratings.json                ratings of the person and of their conversations
//! secrets.json                secrets by name and kind, never their values
//! spaces.json                 spaces and their files' details
//! spaces/<space id>/<name>    the files' bytes, as uploaded
//! history.json                the contact's audit history: who changed what, and when
//! ```
//!
//! Written in two steps, so no database connection waits on disk work: [`start`] reads every
//! row in one repeatable-read transaction (one consistent picture, together with the audit
//! entry that records the export) and writes the JSON documents; [`Pending::finish`] copies
//! the files' bytes from the space store and closes the archive. The archive is a temporary
//! file whose name is removed as soon as it is created: it exists only as long as its handle,
//! so a crash or an abandoned download leaves nothing behind, and memory stays flat whatever
//! the size of the spaces (rows of unbounded lists and file bytes are copied a page or a
//! buffer at a time).

use super::documents::{
    ContactDocument, ConversationDocument, EventDocument, MemoryDocument, MessageDocument,
    RatingDocument, SecretDocument, SpaceDocument, TaskDocument,
};
use crate::domain::{ContactId, MessageId, SpaceId};
use crate::error::AppError;
use crate::models::Actor;
use crate::models::contact;
use crate::models::personal_data;
use crate::storage::SpaceStore;
use chrono::{DateTime, Datelike, Timelike, Utc};
use diesel::PgConnection;
use rand::RngCore;
use serde::Serialize;
use std::fs::{self, File};
use std::io::{self, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Rows of an unbounded list (messages, history) read per query.
const PAGE: i64 = 500;

/// Why an archive could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
    #[error("could not write the archive: {0}")]
    Io(#[from] io::Error),
    #[error("could not write the archive: {0}")]
    Zip(#[from] zip::result::ZipError),
}

impl From<ArchiveError> for AppError {
    fn from(error: ArchiveError) -> Self {
        match error {
            ArchiveError::Database(error) => error.into(),
            other => AppError::internal(other),
        }
    }
}

/// The JSON documents are written; the files' bytes are still to copy.
pub struct Pending {
    zip: ZipWriter<File>,
    contact_id: ContactId,
    exported_at: DateTime<Utc>,
    exported_by: String,
    files: Vec<PendingFile>,
}

struct PendingFile {
    space: SpaceId,
    storage_key: String,
    archive_path: String,
    size: i64,
}

/// A finished archive: an unnamed file, read from its start.
pub struct Archive {
    pub file: File,
    pub size: u64,
    /// What to call it when it is downloaded or saved.
    pub file_name: String,
    /// Files listed in `spaces.json` whose bytes were missing on disk (also said in its
    /// README).
    pub missing: Vec<String>,
}

/// Where archives are written while they are made: `<data dir>/exports`.
pub fn work_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("exports")
}

/// The archive's name: `contact-<id>-personal-data.zip`.
pub fn file_name(id: ContactId) -> String {
    format!("contact-{id}-personal-data.zip")
}

/// Reads everything about contact `id` (live or in Trash) in one transaction that also
/// records the export by `actor`, and writes the JSON documents into `file`, an empty file
/// open for reading and writing ([`unnamed_file`] for a download) (blocking). `NotFound`
/// when there is no such contact.
pub fn start(
    connection: &mut PgConnection,
    file: File,
    id: ContactId,
    actor: &Actor,
) -> Result<Pending, ArchiveError> {
    let mut zip = ZipWriter::new(file);
    let exported_at = Utc::now();
    let files = connection
        .build_transaction()
        .repeatable_read()
        .run(|connection| write_documents(connection, &mut zip, id, actor, exported_at))?;
    Ok(Pending {
        zip,
        contact_id: id,
        exported_at,
        exported_by: actor.name().to_string(),
        files,
    })
}

impl Pending {
    /// Copies the files' bytes from `store`, writes the README and closes the archive
    /// (blocking). A file whose bytes are gone is left out and named in the README.
    pub fn finish(mut self, store: &SpaceStore) -> Result<Archive, ArchiveError> {
        let mut missing = Vec::new();
        for file in &self.files {
            let opened = store
                .file_path(file.space, &file.storage_key)
                .map(File::open);
            let mut source = match opened {
                Some(Ok(source)) => source,
                Some(Err(error)) if error.kind() == io::ErrorKind::NotFound => {
                    tracing::warn!(path = file.archive_path, "a space file's bytes are missing");
                    missing.push(file.archive_path.clone());
                    continue;
                }
                Some(Err(error)) => return Err(error.into()),
                None => {
                    missing.push(file.archive_path.clone());
                    continue;
                }
            };
            // Stored as uploaded: bytes kept exactly, and no time spent compressing what is
            // often compressed already (images, PDFs, archives).
            let options = options(self.exported_at)
                .compression_method(CompressionMethod::Stored)
                .large_file(file.size >= i64::from(u32::MAX));
            self.zip.start_file(file.archive_path.as_str(), options)?;
            io::copy(&mut source, &mut self.zip)?;
        }
        self.zip
            .start_file("README.txt", options(self.exported_at))?;
        self.zip.write_all(
            readme(
                self.contact_id,
                self.exported_at,
                &self.exported_by,
                &missing,
            )
            .as_bytes(),
        )?;
        let mut file = self.zip.finish()?;
        let size = file.seek(SeekFrom::End(0))?;
        file.seek(SeekFrom::Start(0))?;
        Ok(Archive {
            file,
            size,
            file_name: file_name(self.contact_id),
            missing,
        })
    }
}

/// The JSON documents, from one snapshot; returns the files whose bytes are to follow.
fn write_documents(
    connection: &mut PgConnection,
    zip: &mut ZipWriter<File>,
    id: ContactId,
    actor: &Actor,
    at: DateTime<Utc>,
) -> Result<Vec<PendingFile>, ArchiveError> {
    let (found, standing) = contact::find_any(connection, id)?;
    personal_data::record_export(connection, id, actor)?;
    write_json(
        zip,
        "contact.json",
        at,
        &ContactDocument::new(&found, &standing),
    )?;

    for (conversation, matched) in personal_data::conversations(connection, id)? {
        zip.start_file(
            format!("conversations/{}.json", conversation.id),
            options(at),
        )?;
        zip.write_all(b"{\n\"conversation\": ")?;
        serde_json::to_writer_pretty(
            &mut *zip,
            &ConversationDocument::new(&conversation, matched.as_ref()),
        )
        .map_err(io::Error::from)?;
        zip.write_all(b",\n\"messages\": ")?;
        let mut messages = JsonArray::begin(zip)?;
        let mut after: Option<MessageId> = None;
        loop {
            let page = personal_data::messages_page(connection, conversation.id, after, PAGE)?;
            for message in &page {
                messages.item(&MessageDocument::from(message))?;
            }
            match page.last() {
                Some(last) if page.len() as i64 == PAGE => after = Some(last.id),
                _ => break,
            }
        }
        messages.end()?;
        zip.write_all(b"\n}\n")?;
    }

    let tasks = personal_data::tasks(connection, id)?;
    let task_ids: Vec<_> = tasks.iter().map(|task| task.id).collect();
    let mut runs = personal_data::task_runs(connection, &task_ids)?;
    let documents: Vec<TaskDocument> = tasks
        .iter()
        .map(|task| {
            let (own, rest): (Vec<_>, Vec<_>) =
                runs.drain(..).partition(|(owner, _)| *owner == task.id);
            runs = rest;
            TaskDocument::new(
                task,
                own.iter()
                    .map(|(_, event)| EventDocument::from(event))
                    .collect(),
            )
        })
        .collect();
    write_json(zip, "tasks.json", at, &documents)?;

    let memories: Vec<MemoryDocument> = personal_data::memories(connection, id)?
        .iter()
        .map(MemoryDocument::from)
        .collect();
    write_json(zip, "memories.json", at, &memories)?;
    let ratings: Vec<RatingDocument> = personal_data::ratings(connection, id)?
        .iter()
        .map(RatingDocument::from)
        .collect();
    write_json(zip, "ratings.json", at, &ratings)?;
    let secrets: Vec<SecretDocument> = personal_data::secrets(connection, id)?
        .iter()
        .map(|(secret, created_at)| SecretDocument::new(secret, *created_at))
        .collect();
    write_json(zip, "secrets.json", at, &secrets)?;

    let mut pending = Vec::new();
    let mut spaces = Vec::new();
    for (space, files) in personal_data::spaces(connection, id)? {
        let paths: Vec<String> = files
            .iter()
            .map(|file| {
                format!(
                    "spaces/{}/{}",
                    space.id,
                    archive_name(&file.path, file.id.0)
                )
            })
            .collect();
        spaces.push(SpaceDocument::new(&space, &files, &paths));
        pending.extend(files.iter().zip(paths).map(|(file, path)| PendingFile {
            space: space.id,
            storage_key: file.storage_key.clone(),
            archive_path: path,
            size: file.size,
        }));
    }
    write_json(zip, "spaces.json", at, &spaces)?;

    zip.start_file("history.json", options(at))?;
    let mut history = JsonArray::begin(zip)?;
    let mut after = None;
    loop {
        let page = personal_data::history_page(connection, id, after, PAGE)?;
        for event in &page {
            history.item(&EventDocument::from(event))?;
        }
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after = Some(last.id),
            _ => break,
        }
    }
    history.end()?;
    Ok(pending)
}

/// A file's name inside its space's folder of the archive: the name as shown, unless it
/// could be read as a path (names are cleaned on upload, so only an old or hand-made row
/// gets its id in front instead).
fn archive_name(name: &str, id: i64) -> String {
    let usable = !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control);
    if usable {
        name.to_string()
    } else {
        let cleaned: String = name
            .chars()
            .map(|c| {
                if c == '/' || c == '\\' || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        format!("{id}-{}", cleaned.trim_matches('.'))
    }
}

/// A JSON array written element by element.
struct JsonArray<'a, W: Write> {
    out: &'a mut W,
    first: bool,
}

impl<'a, W: Write> JsonArray<'a, W> {
    fn begin(out: &'a mut W) -> io::Result<Self> {
        out.write_all(b"[")?;
        Ok(JsonArray { out, first: true })
    }

    fn item(&mut self, value: &impl Serialize) -> io::Result<()> {
        self.out
            .write_all(if self.first { b"\n" } else { b",\n" })?;
        self.first = false;
        serde_json::to_writer_pretty(&mut *self.out, value).map_err(io::Error::from)
    }

    fn end(self) -> io::Result<()> {
        self.out.write_all(if self.first { b"]" } else { b"\n]" })
    }
}

fn write_json(
    zip: &mut ZipWriter<File>,
    name: &str,
    at: DateTime<Utc>,
    value: &impl Serialize,
) -> Result<(), ArchiveError> {
    zip.start_file(name, options(at))?;
    serde_json::to_writer_pretty(&mut *zip, value).map_err(io::Error::from)?;
    zip.write_all(b"\n")?;
    Ok(())
}

/// Deflated, dated with the export's time (ZIP times have no zone: UTC, as the README says).
fn options(at: DateTime<Utc>) -> SimpleFileOptions {
    let time = u16::try_from(at.year())
        .ok()
        .and_then(|year| {
            zip::DateTime::from_date_and_time(
                year,
                at.month() as u8,
                at.day() as u8,
                at.hour() as u8,
                at.minute() as u8,
                at.second() as u8,
            )
            .ok()
        })
        .unwrap_or_default();
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(time)
        .unix_permissions(0o600)
}

/// A new file in `dir` that nobody else can open: its name is removed at once, so the file
/// goes with its last handle.
pub fn unnamed_file(dir: &Path) -> io::Result<File> {
    fs::create_dir_all(dir)?;
    let mut random = [0u8; 16];
    rand::rng().fill_bytes(&mut random);
    let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let path = dir.join(format!("{name}.zip.part"));
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)?;
    fs::remove_file(&path)?;
    Ok(file)
}

/// Removes archives a crash left in `work_dir` before their name could be removed, once
/// they are older than `age` (blocking; the periodic sweep of space files calls it).
pub fn sweep_leftovers(work_dir: &Path, age: std::time::Duration) {
    let Ok(entries) = fs::read_dir(work_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let old = entry
            .metadata()
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|modified| std::time::SystemTime::now().duration_since(modified).ok())
            .is_some_and(|elapsed| elapsed > age);
        if name.ends_with(".zip.part") && old && entry.path().is_file() {
            tracing::info!(path = %entry.path().display(), "removing a left-over export");
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn readme(id: ContactId, at: DateTime<Utc>, by: &str, missing: &[String]) -> String {
    let mut text = format!(
        "Personal data of contact #{id} held by Rapport\n\
         Exported {} (UTC) by {by}.\n\
         \n\
         contact.json             the contact: name, description, email, phone, nick,\n\
         \x20                        preferences, custom fields (meta), fingerprint, source,\n\
         \x20                        and whether it is in Trash\n\
         conversations/<id>.json  each conversation with all its messages\n\
         tasks.json               tasks, each with its runs (started, finished, outcome, report)\n\
         memories.json            what agents keep about the person\n\
         ratings.json             ratings of the person and of their conversations\n\
         secrets.json             secrets by name and kind; their values are never exported\n\
         spaces.json              spaces and the details of their files\n\
         spaces/<space id>/       the files themselves, as uploaded\n\
         history.json             the recorded history: who changed what, and when\n",
        at.format("%Y-%m-%d %H:%M:%S"),
    );
    if !missing.is_empty() {
        text.push_str(
            "\nThese files are listed in spaces.json, but their bytes were missing on the \
             server when this archive was made:\n",
        );
        for path in missing {
            text.push_str(&format!("  {path}\n"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_never_leave_their_folder() {
        assert_eq!(archive_name("contract.pdf", 4), "contract.pdf");
        assert_eq!(archive_name("../../etc/passwd", 4), "4-_.._etc_passwd");
        assert_eq!(archive_name("..", 5), "5-");
        assert_eq!(archive_name("a\\b", 6), "6-a_b");
        assert_eq!(archive_name("tab\there", 7), "7-tab_here");
    }

    #[test]
    fn arrays_are_valid_json_empty_or_not() {
        let mut out = Vec::new();
        JsonArray::begin(&mut out).unwrap().end().unwrap();
        assert_eq!(out, b"[]");
        let mut out = Vec::new();
        let mut array = JsonArray::begin(&mut out).unwrap();
        array.item(&1).unwrap();
        array.item(&"two").unwrap();
        array.end().unwrap();
        let parsed: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(parsed, serde_json::json!([1, "two"]));
    }

    #[test]
    fn the_readme_names_missing_files() {
        let at = DateTime::from_timestamp(1_764_806_400, 0).unwrap();
        let text = readme(ContactId(7), at, "Ada Admin", &[]);
        assert!(text.starts_with("Personal data of contact #7 held by Rapport\n"));
        assert!(text.contains("Exported 2025-12-04 00:00:00 (UTC) by Ada Admin."));
        assert!(text.contains("secrets.json             secrets by name and kind"));
        assert!(!text.contains("missing"));
        let text = readme(ContactId(7), at, "Ada Admin", &["spaces/1/a.txt".into()]);
        assert!(text.contains("missing on the server"));
        assert!(text.contains("  spaces/1/a.txt\n"));
    }

    #[test]
    fn an_unnamed_file_leaves_no_name_behind() {
        let dir = std::env::temp_dir().join(format!("rapport-archive-{}", std::process::id()));
        let mut file = unnamed_file(&dir).unwrap();
        file.write_all(b"abc").unwrap();
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        file.seek(SeekFrom::Start(0)).unwrap();
        let mut back = String::new();
        io::Read::read_to_string(&mut file, &mut back).unwrap();
        assert_eq!(back, "abc");
        let _ = fs::remove_dir_all(&dir);
    }
}
