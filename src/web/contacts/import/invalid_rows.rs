//! `GET /contacts/import/jobs/{id}/invalid-rows.csv`: every invalid row of the job's file,
//! as it was, with its row number first and the reasons last (`jobs::import::invalid_csv`),
//! for as long as the upload is kept.
//!
//! The file is read again on a blocking thread and the CSV streamed as it is written, through
//! a small channel: memory stays flat however many rows are invalid.

use crate::domain::JobId;
use crate::domain::file_name::content_disposition;
use crate::error::AppError;
use crate::jobs::JobError;
use crate::jobs::import::{self, DRY_RUN_KIND, IMPORT_KIND, ImportParameters, invalid_csv};
use crate::models::job;
use crate::web::context::Editor;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, web};
use std::io::{self, Write};
use tokio::sync::mpsc;

const GONE: &str = "The file is no longer kept on the server; upload it again.";

/// Bytes sent at a time.
const CHUNK: usize = 64 * 1024;
/// Chunks waiting for the client before the writer waits too.
const QUEUE: usize = 4;

/// `GET /contacts/import/jobs/{id}/invalid-rows.csv`.
pub async fn download(ctx: Editor, path: web::Path<JobId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let data_dir = ctx.state.settings.data_dir.clone();
    let (params, file) = ctx
        .db
        .read(move |conn| {
            let found = job::find(conn, id)?;
            if found.kind != IMPORT_KIND && found.kind != DRY_RUN_KIND {
                return Err(AppError::NotFound);
            }
            let params: ImportParameters = serde_json::from_value(found.parameters.clone())
                .map_err(|e| AppError::internal(format!("job {id}: {e}")))?;
            // The command line's file is its own (it prints the invalid rows); an upload
            // whose row is gone was purged.
            if found.upload_id.is_none() {
                return Err(if params.file.is_some() {
                    AppError::NotFound
                } else {
                    AppError::Conflict(GONE.into())
                });
            }
            match import::source_file(conn, &found, &params, &data_dir) {
                Ok(file) => Ok((params, file)),
                Err(JobError::Failed(reason)) => Err(AppError::Conflict(reason)),
                Err(JobError::Database(error)) => Err(error.into()),
                Err(other) => Err(AppError::internal(other.to_string())),
            }
        })
        .await?;
    ctx.db.release();
    let region = ctx.state.settings.phone_region;
    let (sender, receiver) = mpsc::channel::<Result<Bytes, io::Error>>(QUEUE);
    let failures = sender.clone();
    // Spawned, not awaited: it runs while the response streams what it writes.
    let span = tracing::Span::current();
    actix_web::rt::task::spawn_blocking(move || {
        span.in_scope(|| {
            let out = io::BufWriter::with_capacity(CHUNK, ChannelWriter { sender });
            if let Err(reason) = invalid_csv::write(&file, &params, region, out) {
                tracing::warn!(job = id.0, %reason, "the invalid rows' download stopped");
                // The client sees a broken download rather than a short file that looks whole.
                let _ = failures.blocking_send(Err(io::Error::other(reason)));
            }
        })
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(&format!("invalid-rows-{id}.csv")),
        ))
        .streaming(stream))
}

/// Sends what is written to the response's stream; a client that went away fails the write,
/// which ends the work.
struct ChannelWriter {
    sender: mpsc::Sender<Result<Bytes, io::Error>>,
}

impl Write for ChannelWriter {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        self.sender
            .blocking_send(Ok(Bytes::copy_from_slice(buffer)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))?;
        Ok(buffer.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
