//! An [`Export`] as a streamed HTTP response.
//!
//! The first batch is read on the request's connection before answering, so that a failure
//! still gets a status; the connection is then given back and every later batch checks one
//! out for its query only, because a download can take as long as its client reads. Nothing
//! is read ahead: actix asks for the next chunk when the last one is on its way, so memory
//! holds about one batch per download.
//!
//! The audit entry is written before the last chunk goes out (an export that cannot be
//! audited never completes). When the download ends early instead (the client went away, a
//! batch failed), the entry is written as it is dropped, with the count so far and
//! `complete: false`.

use super::{Audit, Export, audit};
use crate::db::{PgPool, RequestDb};
use crate::domain::export::ContactWriter;
use crate::error::AppError;
use actix_web::HttpResponse;
use actix_web::http::header;
use actix_web::web::Bytes;

/// How the download presents itself.
#[derive(Debug, Clone)]
pub struct Download {
    pub content_type: &'static str,
    /// Offered as an attachment with this name (`Content-Disposition`) when set.
    pub file_name: Option<String>,
}

/// What the body says when a batch fails after the answer started: the API's JSON lines
/// report it in a line of their own; `None` breaks the transfer, so that the client sees an
/// incomplete download rather than a short file that looks whole.
pub type OnFailure = fn(&AppError) -> Option<String>;

/// An export under way, which audits itself if it is dropped before it was audited.
struct Running<W> {
    export: Export<W>,
    audit: Audit,
    pool: PgPool,
    audited: bool,
}

impl<W> Drop for Running<W> {
    fn drop(&mut self) {
        if self.audited {
            return;
        }
        let mut record = self.export.record(&self.audit);
        record.complete = false;
        let audit = self.audit.clone();
        let pool = self.pool.clone();
        // No request is left to await a write (the response is being dropped), so a thread
        // of its own writes the entry; this happens only for downloads that end early.
        let spawned = std::thread::Builder::new()
            .name("export-audit".into())
            .spawn(move || {
                let written = pool
                    .get()
                    .map_err(AppError::from)
                    .and_then(|mut connection| super::audit(&mut connection, &audit, &record));
                if let Err(error) = written {
                    tracing::error!(cause = %error.cause_chain(), "an interrupted contact export was not audited");
                }
            });
        if let Err(error) = spawned {
            tracing::error!(%error, "an interrupted contact export was not audited");
        }
    }
}

/// Reads the next chunk on `db`'s connection (checking one out if none is held).
async fn next_chunk<W>(
    db: &RequestDb,
    export: &Export<W>,
) -> Result<(Export<W>, Option<Vec<u8>>), AppError>
where
    W: ContactWriter + Clone + Send + 'static,
{
    let export = export.clone();
    db.read(move |connection| {
        let mut export = export.clone();
        let chunk = export.next_chunk(connection)?;
        Ok((export, chunk))
    })
    .await
}

/// Writes the audit entry of a finished export.
async fn finish<W>(db: &RequestDb, running: &mut Running<W>) -> Result<(), AppError>
where
    W: ContactWriter,
{
    let record = running.export.record(&running.audit);
    let entry = running.audit.clone();
    db.write(move |connection| audit(connection, &entry, &record))
        .await?;
    running.audited = true;
    Ok(())
}

/// Answers with `export` streamed as the body.
pub async fn respond<W>(
    db: &RequestDb,
    export: Export<W>,
    audit: Audit,
    download: Download,
    on_failure: OnFailure,
) -> Result<HttpResponse, AppError>
where
    W: ContactWriter + Clone + Send + 'static,
{
    let (export, first) = next_chunk(db, &export).await?;
    let mut running = Running {
        export,
        audit,
        pool: db.pool().clone(),
        audited: false,
    };
    if running.export.is_done()
        && let Err(error) = finish(db, &mut running).await
    {
        // Nothing has been sent: the error answers the request, and there is no export to
        // audit.
        running.audited = true;
        return Err(error);
    }
    db.release();
    let db = db.clone();
    let stream = futures_util::stream::unfold(Some((running, first)), move |state| {
        let db = db.clone();
        async move {
            let (mut running, pending) = state?;
            if let Some(chunk) = pending {
                return Some((Ok(Bytes::from(chunk)), Some((running, None))));
            }
            if running.export.is_done() {
                return None;
            }
            let loaded = next_chunk(&db, &running.export).await;
            let result = match loaded {
                Ok((export, chunk)) => {
                    running.export = export;
                    if running.export.is_done() {
                        finish(&db, &mut running).await.map(|()| chunk)
                    } else {
                        Ok(chunk)
                    }
                }
                Err(error) => Err(error),
            };
            db.release();
            match result {
                Ok(chunk) => Some((
                    Ok(Bytes::from(chunk.unwrap_or_default())),
                    Some((running, None)),
                )),
                Err(error) => {
                    tracing::error!(cause = %error.cause_chain(), "contact export failed mid-stream");
                    // `running` is dropped here, which audits the export as incomplete.
                    let ending = match on_failure(&error) {
                        Some(text) => Ok(Bytes::from(text)),
                        None => Err(actix_web::error::ErrorInternalServerError(error)),
                    };
                    Some((ending, None))
                }
            }
        }
    });
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, download.content_type))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(name) = &download.file_name {
        response.insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ));
    }
    Ok(response.streaming(stream))
}
