//! Reading an upload's multipart body as a stream: files into temporary files (size limit
//! and SHA-256 on the way, see `crate::storage` and `crate::storage::parts`), `replace` into
//! a flag, and every problem with a file collected for the form rather than returned as an
//! error. Errors are kept for a broken or interrupted body and a failing disk; either way
//! every temporary file is deleted as its guard is dropped.

use crate::domain::byte_size;
use crate::domain::file_name::{self, FileName};
use crate::error::AppError;
use crate::storage::SpaceStore;
pub use crate::storage::commit::ReceivedFile;
use crate::storage::parts::{
    OVERHEAD_BYTES, content_type_of, drain, file_name_of, interrupted, stream_into, text_value,
};
use actix_multipart::Multipart;
use futures_util::StreamExt;

/// Most files in one upload.
pub const MAX_FILES: usize = 20;
/// The file input's name.
const FILES_FIELD: &str = "files";

/// The most bytes one request may carry, files and form fields together, for a per-file
/// `limit`: no honest upload is longer, however its files are split.
pub fn request_budget(limit: u64) -> u64 {
    limit * MAX_FILES as u64 + OVERHEAD_BYTES
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
