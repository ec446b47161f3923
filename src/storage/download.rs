//! Sending a stored file: its bytes streamed from disk as an attachment under its name, for
//! the dashboard's download link and the API's `storage/download` alike.

use super::SpaceStore;
use crate::domain::file_name::content_disposition;
use crate::error::AppError;
use crate::models::space_file::SpaceFile;
use actix_web::HttpResponse;
use actix_web::body::SizedStream;
use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use tokio::io::AsyncReadExt;

/// Bytes read from disk at a time while sending a file.
const CHUNK: usize = 64 * 1024;

/// The file as a download. Bytes missing on disk are logged and answered as not found.
pub async fn send(store: &SpaceStore, file: &SpaceFile) -> Result<HttpResponse, AppError> {
    let handle = store
        .open(file.space_id, &file.storage_key)
        .await
        .map_err(|error| {
            tracing::error!(file = file.id.0, %error, "a space file's bytes are missing");
            if error.kind() == std::io::ErrorKind::NotFound {
                AppError::NotFound
            } else {
                AppError::internal(error)
            }
        })?;
    let length = handle.metadata().await.map_err(AppError::internal)?.len();
    let stream = chunks(handle);
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let disposition =
        HeaderValue::from_str(&content_disposition(&file.path)).map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        // Opened directly anyway, the file can run no script and load nothing.
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        // Sent as stored: the compression middleware leaves encoded responses alone.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .body(SizedStream::new(length, stream)))
}

/// The bytes of an open file, read `CHUNK` bytes at a time; ends after the end or the first
/// error (a space file here, the personal data archive in `web::contacts::personal_data`).
pub fn chunks(
    handle: tokio::fs::File,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::unfold(Some(handle), |handle| async move {
        let mut handle = handle?;
        let mut buffer = vec![0u8; CHUNK];
        match handle.read(&mut buffer).await {
            Ok(0) => None,
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok(Bytes::from(buffer)), Some(handle)))
            }
            Err(error) => Some((Err(error), None)),
        }
    })
}
