//! What the Spaces templates print: ready-made strings and URLs, permissions decided here.

use crate::domain::byte_size;
use crate::domain::space_draft::SpaceInput;
use crate::domain::{ContactId, FieldErrors};
use crate::models::space::{Space, SpaceSummary};
use crate::models::space_file::SpaceFile;
use crate::web::routes;
use crate::web::views::{iso, timestamp};

/// What the tab shows.
pub enum Panel {
    List(ListView),
    Space(Box<SpaceView>),
    DeleteSpace(DeleteSpaceView),
    DeleteFile(DeleteFileView),
}

/// "1 file", "3 files".
pub fn files_label(count: i64) -> String {
    if count == 1 {
        "1 file".to_string()
    } else {
        format!("{count} files")
    }
}

/// "3 files · 1.2 MiB", or "No files".
fn contents_label(count: i64, bytes: i64) -> String {
    if count == 0 {
        "No files".to_string()
    } else {
        format!(
            "{} · {}",
            files_label(count),
            byte_size::human(u64::try_from(bytes).unwrap_or_default())
        )
    }
}

/// The list of a contact's spaces.
pub struct ListView {
    pub spaces: Vec<SpaceRow>,
    /// Next page (older spaces).
    pub older_url: Option<String>,
    /// Back to the first page, when not on it.
    pub newest_url: Option<String>,
    /// The create form, for editors.
    pub create: Option<SpaceForm>,
}

pub struct SpaceRow {
    pub name: String,
    pub description: String,
    pub url: String,
    pub contents: String,
    pub created: String,
    pub created_iso: String,
}

impl SpaceRow {
    pub fn new(contact: ContactId, summary: &SpaceSummary) -> Self {
        let space = &summary.space;
        SpaceRow {
            name: space.name.clone(),
            description: space.description.clone().unwrap_or_default(),
            url: routes::space(contact, space.id),
            contents: contents_label(summary.file_count, summary.total_bytes),
            created: timestamp(space.created_at),
            created_iso: iso(space.created_at),
        }
    }
}

/// The create or rename form, with what was typed and its problems.
pub struct SpaceForm {
    pub action: String,
    pub csrf_token: String,
    pub name: String,
    pub description: String,
    pub name_error: String,
    pub description_error: String,
    /// The create form starts folded away unless it has something to show.
    pub open: bool,
    /// The rename form: the version it read, and where Cancel goes.
    pub version: i32,
    pub cancel_url: String,
    /// Someone else's saved values, when they saved first.
    pub conflict: Option<(String, String)>,
}

impl SpaceForm {
    pub fn create(contact: ContactId, csrf_token: String) -> Self {
        SpaceForm {
            action: routes::contact_spaces(contact),
            csrf_token,
            name: String::new(),
            description: String::new(),
            name_error: String::new(),
            description_error: String::new(),
            open: false,
            version: 0,
            cancel_url: routes::contact_spaces(contact),
            conflict: None,
        }
    }

    pub fn rename(contact: ContactId, space: &Space, csrf_token: String) -> Self {
        SpaceForm {
            action: routes::space(contact, space.id),
            csrf_token,
            name: space.name.clone(),
            description: space.description.clone().unwrap_or_default(),
            name_error: String::new(),
            description_error: String::new(),
            open: true,
            version: space.version,
            cancel_url: routes::space(contact, space.id),
            conflict: None,
        }
    }

    /// The form as typed, with its problems.
    pub fn with_input(mut self, input: &SpaceInput, errors: &FieldErrors) -> Self {
        self.name = input.name.clone();
        self.description = input.description.clone();
        self.name_error = errors.message("name").to_string();
        self.description_error = errors.message("description").to_string();
        self.open = true;
        self
    }
}

/// One space: its files and, for editors, the upload form.
pub struct SpaceView {
    pub name: String,
    pub description: String,
    pub contents: String,
    pub created: String,
    pub created_iso: String,
    pub back_url: String,
    pub edit_url: String,
    pub delete_url: String,
    pub can_edit: bool,
    /// The rename form, when open.
    pub editing: Option<SpaceForm>,
    pub files: Vec<FileRow>,
    /// Next page of files (by name).
    pub more_url: Option<String>,
    /// Back to the first page, when not on it.
    pub first_url: Option<String>,
    pub upload: Option<UploadForm>,
}

impl SpaceView {
    pub fn new(
        contact: ContactId,
        summary: &SpaceSummary,
        files: &[SpaceFile],
        can_edit: bool,
    ) -> Self {
        let space = &summary.space;
        let id = space.id;
        SpaceView {
            name: space.name.clone(),
            description: space.description.clone().unwrap_or_default(),
            contents: contents_label(summary.file_count, summary.total_bytes),
            created: timestamp(space.created_at),
            created_iso: iso(space.created_at),
            back_url: routes::contact_spaces(contact),
            edit_url: routes::space_edit(contact, id),
            delete_url: routes::space_delete(contact, id),
            can_edit,
            editing: None,
            files: files
                .iter()
                .map(|file| FileRow::new(contact, file, can_edit))
                .collect(),
            more_url: None,
            first_url: None,
            upload: None,
        }
    }
}

pub struct FileRow {
    pub name: String,
    pub size: String,
    pub bytes: i64,
    pub content_type: String,
    pub uploaded: String,
    pub uploaded_iso: String,
    pub uploaded_by: String,
    pub sha256: String,
    pub download_url: String,
    /// The delete confirmation, for editors.
    pub delete_url: Option<String>,
}

impl FileRow {
    fn new(contact: ContactId, file: &SpaceFile, can_edit: bool) -> Self {
        let id = file.id;
        FileRow {
            name: file.path.clone(),
            size: byte_size::human(u64::try_from(file.size).unwrap_or_default()),
            bytes: file.size,
            content_type: file.content_type.clone(),
            // A replaced file shows when its current bytes arrived.
            uploaded: timestamp(file.updated_at),
            uploaded_iso: iso(file.updated_at),
            uploaded_by: file.uploaded_by_name.clone(),
            sha256: file.sha256.clone(),
            download_url: routes::space_file(contact, file.space_id, id),
            delete_url: can_edit.then(|| routes::space_file_delete(contact, file.space_id, id)),
        }
    }
}

/// The upload form and what the last attempt ran into.
pub struct UploadForm {
    pub action: String,
    pub csrf_token: String,
    pub limit_bytes: usize,
    pub limit_label: String,
    pub max_files: usize,
    pub feedback: UploadFeedback,
}

/// Problems of the last upload attempt, shown next to the file field. Nothing of a refused
/// attempt is kept, so every message says what to do next.
#[derive(Default)]
pub struct UploadFeedback {
    pub problems: Vec<String>,
    /// Names that already exist in the space: offered a Replace.
    pub conflicts: Vec<String>,
    /// The files must be chosen again (a plain form cannot keep a file selection; with
    /// htmx only this message is swapped and the selection stays).
    pub reselect: bool,
}

impl UploadFeedback {
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty() && self.conflicts.is_empty()
    }
}

/// The delete confirmation of a space: what goes with it.
pub struct DeleteSpaceView {
    pub name: String,
    pub contents: String,
    pub file_names: Vec<String>,
    /// Files not listed by name.
    pub more_files: i64,
    pub action: String,
    pub cancel_url: String,
    pub csrf_token: String,
}

/// The delete confirmation of a file.
pub struct DeleteFileView {
    pub name: String,
    pub size: String,
    pub space_name: String,
    pub action: String,
    pub cancel_url: String,
    pub csrf_token: String,
}
