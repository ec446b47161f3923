//! Reading an upload's multipart body as a stream: files into temporary files (size limit
//! and SHA-256 on the way, see `crate::storage`), `replace` into a flag, and every problem
//! with a file collected for the form rather than returned as an error. Errors are kept for a
//! broken or interrupted body and a failing disk; either way every temporary file is deleted
//! as its guard is dropped.

use crate::domain::byte_size;
use crate::domain::file_name::{self, FileName};
use crate::error::AppError;
use crate::storage::{SpaceStore, StagedFile, TempUpload, WriteError};
use actix_multipart::{Field, Multipart};
use actix_web::http::header::Charset;
use futures_util::StreamExt;

/// Most files in one upload.
pub const MAX_FILES: usize = 20;
/// The file input's name.
const FILES_FIELD: &str = "files";
/// Longest value accepted for a form field that is not a file.
const MAX_TEXT_FIELD: usize = 1024;
/// Room for part headers and form fields on top of the files themselves.
const OVERHEAD_BYTES: u64 = 1024 * 1024;

/// The most bytes one request may carry, files and form fields together, for a per-file
/// `limit`: no honest upload is longer, however its files are split.
pub fn request_budget(limit: u64) -> u64 {
    limit * MAX_FILES as u64 + OVERHEAD_BYTES
}

/// A file received completely and valid, still under its temporary name.
pub struct ReceivedFile {
    pub name: FileName,
    pub content_type: String,
    pub staged: StagedFile,
}

/// Everything one request carried.
#[derive(Default)]
pub struct Received {
    pub files: Vec<ReceivedFile>,
    pub replace: bool,
    /// What is wrong with files, as shown next to the field.
    pub problems: Vec<String>,
    /// One of the problems is a file over the limit (answered with 413).
    pub too_large: bool,
}

/// A body that ended early (the client went away) or that is not a readable upload.
fn interrupted(error: actix_multipart::MultipartError) -> AppError {
    use actix_multipart::MultipartError;
    tracing::info!(%error, "an upload was not read to the end; nothing was stored");
    let message = match error {
        MultipartError::Incomplete | MultipartError::Payload(_) => {
            "The upload did not arrive complete, so nothing was saved. Try again."
        }
        _ => "The upload could not be read, so nothing was saved. Upload the files with the form.",
    };
    AppError::BadRequest(message.into())
}

/// Reads the whole body: files into temporary files, `replace` into a flag. Returns an error
/// only for a broken body or a failing disk; problems with files are collected.
pub async fn receive(
    multipart: &mut Multipart,
    store: &SpaceStore,
    limit: u64,
    budget: u64,
) -> Result<Received, AppError> {
    let mut received = Received::default();
    let mut read = 0u64;
    let mut too_many = false;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(interrupted)?;
        match field.name().unwrap_or_default() {
            FILES_FIELD => {
                let raw_name = file_name_of(&field);
                let content_type = content_type_of(&field);
                let Some(raw_name) = raw_name else {
                    drain(&mut field, &mut read, budget).await?;
                    received
                        .problems
                        .push("Something other than a file was sent as a file.".into());
                    continue;
                };
                if raw_name.is_empty() {
                    // A file field left empty sends a nameless, empty part.
                    if drain(&mut field, &mut read, budget).await? > 0 {
                        received
                            .problems
                            .push("A file arrived without a name.".into());
                    }
                    continue;
                }
                if received.files.len() >= MAX_FILES {
                    too_many = true;
                    drain(&mut field, &mut read, budget).await?;
                    continue;
                }
                let name = match FileName::parse(&raw_name) {
                    Ok(name) => name,
                    Err(problem) => {
                        drain(&mut field, &mut read, budget).await?;
                        received.problems.push(format!(
                            "“{}” {problem}.",
                            file_name::for_display(&raw_name)
                        ));
                        continue;
                    }
                };
                let upload = store.begin(limit).await.map_err(AppError::internal)?;
                match stream_into(&mut field, upload, &mut read, budget).await? {
                    Some(staged) => received.files.push(ReceivedFile {
                        name,
                        content_type,
                        staged,
                    }),
                    None => {
                        received.too_large = true;
                        received.problems.push(format!(
                            "“{name}” is larger than the {} limit for one file.",
                            byte_size::human(limit)
                        ));
                    }
                }
            }
            "replace" => {
                received.replace = text_value(&mut field, &mut read, budget).await? == "1";
            }
            // Already checked by `csrf::verify_multipart` (first field, or the header).
            _ => {
                text_value(&mut field, &mut read, budget).await?;
            }
        }
    }
    if too_many {
        received
            .problems
            .push(format!("Choose at most {MAX_FILES} files at a time."));
    }
    Ok(received)
}

/// Writes a file part into `upload`; `None` when it passed the limit (the rest of the part
/// is read and discarded, and the temporary file deleted).
async fn stream_into(
    field: &mut Field,
    upload: TempUpload,
    read: &mut u64,
    budget: u64,
) -> Result<Option<StagedFile>, AppError> {
    let mut upload = Some(upload);
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(interrupted)?;
        count(read, chunk.len(), budget)?;
        if let Some(writing) = upload.as_mut() {
            match writing.write(&chunk).await {
                Ok(()) => {}
                // Dropping the upload deletes what was written so far.
                Err(WriteError::TooLarge) => upload = None,
                Err(WriteError::Io(error)) => return Err(AppError::internal(error)),
            }
        }
    }
    match upload {
        Some(upload) => Ok(Some(upload.finish().await.map_err(AppError::internal)?)),
        None => Ok(None),
    }
}

/// Reads and discards the rest of a part; returns its length.
async fn drain(field: &mut Field, read: &mut u64, budget: u64) -> Result<u64, AppError> {
    let mut length = 0u64;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(interrupted)?;
        count(read, chunk.len(), budget)?;
        length += chunk.len() as u64;
    }
    Ok(length)
}

/// A short text field's value.
async fn text_value(field: &mut Field, read: &mut u64, budget: u64) -> Result<String, AppError> {
    let mut value = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(interrupted)?;
        count(read, chunk.len(), budget)?;
        if value.len() + chunk.len() > MAX_TEXT_FIELD {
            return Err(AppError::BadRequest(
                "A form field of the upload is too long.".into(),
            ));
        }
        value.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&value).into_owned())
}

/// Adds to the bytes read; past the budget the request is refused outright.
fn count(read: &mut u64, chunk: usize, budget: u64) -> Result<(), AppError> {
    *read += chunk as u64;
    if *read > budget {
        return Err(AppError::PayloadTooLarge);
    }
    Ok(())
}

/// The part's file name: `filename*` (RFC 5987, exact) when sent, else `filename`; `None`
/// when the part is not a file at all.
fn file_name_of(field: &Field) -> Option<String> {
    let disposition = field.content_disposition()?;
    if let Some(extended) = disposition.get_filename_ext() {
        return Some(match extended.charset {
            Charset::Iso_8859_1 => extended.value.iter().copied().map(char::from).collect(),
            _ => String::from_utf8_lossy(&extended.value).into_owned(),
        });
    }
    disposition.get_filename().map(str::to_string)
}

/// The part's declared type without parameters (`text/csv`); unknown types are stored as
/// `application/octet-stream`.
fn content_type_of(field: &Field) -> String {
    field
        .content_type()
        .map(|mime| mime.essence_str().to_ascii_lowercase())
        .filter(|essence| essence.len() <= 127)
        .unwrap_or_else(|| "application/octet-stream".to_string())
}
