//! Reading a multipart body's parts as streams, for every upload (the dashboard's form and
//! the API): a file part goes chunk by chunk into a [`TempUpload`] (size limit and SHA-256 on
//! the way), every byte read counts against the request's budget, and a body that breaks off
//! is a 400 with nothing kept (dropped guards delete their temporary files).

use super::{StagedFile, TempUpload, WriteError};
use crate::error::AppError;
use actix_multipart::Field;
use actix_web::http::header::Charset;
use futures_util::StreamExt;

/// Longest value accepted for a form field that is not a file.
pub const MAX_TEXT_FIELD: usize = 1024;
/// Room for part headers and form fields on top of the files themselves.
pub const OVERHEAD_BYTES: u64 = 1024 * 1024;

/// A body that ended early (the client went away) or that is not a readable upload.
pub fn interrupted(error: actix_multipart::MultipartError) -> AppError {
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

/// Writes a file part into `upload`; `None` when it passed the limit (the rest of the part
/// is read and discarded, and the temporary file deleted).
pub async fn stream_into(
    field: &mut Field,
    upload: TempUpload,
    read: &mut u64,
    budget: u64,
) -> Result<Option<StagedFile>, AppError> {
    let mut upload = Some(upload);
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(interrupted)?;
        count(read, chunk.len(), budget)?;
        write_chunk(&mut upload, &chunk).await?;
    }
    finish(upload).await
}

/// Appends a chunk to the upload unless it passed its limit already; passing it now drops
/// the upload, which deletes what was written so far.
pub async fn write_chunk(upload: &mut Option<TempUpload>, chunk: &[u8]) -> Result<(), AppError> {
    if let Some(writing) = upload.as_mut() {
        match writing.write(chunk).await {
            Ok(()) => {}
            Err(WriteError::TooLarge) => *upload = None,
            Err(WriteError::Io(error)) => return Err(AppError::internal(error)),
        }
    }
    Ok(())
}

/// Syncs a complete upload; `None` when it passed its limit on the way.
pub async fn finish(upload: Option<TempUpload>) -> Result<Option<StagedFile>, AppError> {
    match upload {
        Some(upload) => Ok(Some(upload.finish().await.map_err(AppError::internal)?)),
        None => Ok(None),
    }
}

/// Reads and discards the rest of a part; returns its length.
pub async fn drain(field: &mut Field, read: &mut u64, budget: u64) -> Result<u64, AppError> {
    let mut length = 0u64;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(interrupted)?;
        count(read, chunk.len(), budget)?;
        length += chunk.len() as u64;
    }
    Ok(length)
}

/// A short text field's value.
pub async fn text_value(
    field: &mut Field,
    read: &mut u64,
    budget: u64,
) -> Result<String, AppError> {
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
pub fn count(read: &mut u64, chunk: usize, budget: u64) -> Result<(), AppError> {
    *read += chunk as u64;
    if *read > budget {
        return Err(AppError::PayloadTooLarge);
    }
    Ok(())
}

/// The part's file name: `filename*` (RFC 5987, exact) when sent, else `filename`; `None`
/// when the part is not a file at all.
pub fn file_name_of(field: &Field) -> Option<String> {
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
pub fn content_type_of(field: &Field) -> String {
    essence(field.content_type())
}

/// A declared media type without parameters, lower-cased; `application/octet-stream` when
/// none (or an unreasonably long one) was declared.
pub fn essence(mime: Option<&actix_web::mime::Mime>) -> String {
    mime.map(|mime| mime.essence_str().to_ascii_lowercase())
        .filter(|essence| essence.len() <= 127)
        .unwrap_or_else(|| "application/octet-stream".to_string())
}
