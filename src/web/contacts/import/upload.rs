//! `/contacts/import`: the upload form and the imports so far (GET); receiving a file (POST).
//!
//! The file streams to disk (`jobs::upload_store`) with the size limit checked on the way
//! (`RAPPORT_IMPORT_MAX_BYTES`), then is looked at: an empty, binary, oversized or
//! non-contacts file is refused with the reason next to the field and deleted, and nothing
//! is written. A file that can be imported gets its `uploads` row and the browser goes to
//! its mapping screen. With htmx only the message next to the field is swapped in.

use super::views::JobLine;
use crate::domain::byte_size;
use crate::domain::file_name::{self, FileName};
use crate::domain::import::FileRefusal;
use crate::error::AppError;
use crate::jobs::import::KINDS;
use crate::jobs::import::preview;
use crate::jobs::upload_store::{StoredFile, UploadStore};
use crate::models::job;
use crate::models::upload::{self, NewUpload};
use crate::storage::WriteError;
use crate::storage::parts::{OVERHEAD_BYTES, count, drain, file_name_of, interrupted, text_value};
use crate::web::context::{Dashboard, Editor};
use crate::web::csrf;
use crate::web::layout::{PageContext, Section};
use crate::web::routes;
use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use futures_util::StreamExt;

/// The file input's name.
const FILE_FIELD: &str = "file";
/// Imports listed on the page.
const LISTED: i64 = 20;

/// The upload form.
pub struct UploadForm {
    pub action: &'static str,
    pub csrf_token: String,
    pub limit_bytes: u64,
    pub limit_label: String,
    /// Why the last file was refused (shown next to the field).
    pub problem: String,
    /// Without JavaScript a refused file's selection is lost: say so.
    pub reselect: bool,
}

#[derive(Template)]
#[template(path = "contacts/import/index.html")]
struct ImportPage {
    page: PageContext,
    form: UploadForm,
    jobs: Vec<JobLine>,
}

/// The message next to the field, for htmx.
#[derive(Template)]
#[template(path = "contacts/import/index.html", block = "feedback")]
struct Feedback {
    form: UploadForm,
}

impl Dashboard {
    fn upload_form(&self, problem: String) -> UploadForm {
        let limit = self.state.settings.import_max_bytes;
        UploadForm {
            action: routes::IMPORT,
            csrf_token: self.csrf_token(),
            limit_bytes: limit,
            limit_label: byte_size::human(limit),
            problem,
            reselect: false,
        }
    }

    /// The page, with `problem` next to the field.
    async fn import_page(
        &self,
        problem: String,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        let mut form = self.upload_form(problem);
        if self.targets("import-feedback") {
            return self.render(status, &Feedback { form });
        }
        form.reselect = !form.problem.is_empty();
        let jobs = self
            .db
            .read(|conn| Ok(job::recent(conn, &KINDS, LISTED)?))
            .await?;
        let now = Utc::now();
        self.render(
            status,
            &ImportPage {
                page: self.page(Section::Contacts),
                form,
                jobs: jobs.iter().map(|job| JobLine::new(job, now)).collect(),
            },
        )
    }
}

/// `GET /contacts/import`.
pub async fn show(ctx: Editor) -> Result<HttpResponse, AppError> {
    ctx.import_page(String::new(), StatusCode::OK).await
}

/// `POST /contacts/import`: receives one file.
pub async fn upload(
    ctx: Editor,
    request: HttpRequest,
    mut multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    // Before anything is read or written (see `web::csrf`).
    csrf::verify_multipart(&request, &mut multipart).await?;
    let limit = ctx.state.settings.import_max_bytes;
    let budget = limit.saturating_add(OVERHEAD_BYTES);
    if declared_length(&request).is_some_and(|length| length > budget) {
        let refusal = FileRefusal::TooLarge { limit };
        return ctx
            .import_page(refusal.to_string(), StatusCode::PAYLOAD_TOO_LARGE)
            .await;
    }
    // Receiving can take long and needs no connection.
    ctx.db.release();
    let store = UploadStore::new(&ctx.state.settings.data_dir);
    let (stored, name) = match receive(&mut multipart, &store, limit, budget).await? {
        Received::File { stored, name } => (stored, name),
        Received::Refused { problem, status } => {
            return ctx.import_page(problem, status).await;
        }
    };
    let path = stored.path().to_path_buf();
    let looked_at = name.as_str().to_string();
    let seen = crate::db::block_in_span(move || {
        preview::preview(&path, &looked_at, limit, preview::SAMPLE_ROWS)
    })
    .await?;
    if let Err(refusal) = seen {
        // The file is deleted as `stored` goes.
        drop(stored);
        let status = match refusal {
            FileRefusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        return ctx.import_page(refusal.to_string(), status).await;
    }
    let actor = ctx.actor();
    let key = stored.key.clone();
    let size = i64::try_from(stored.size).unwrap_or(i64::MAX);
    let created = ctx
        .db
        .write(move |conn| {
            Ok(upload::create(
                conn,
                &NewUpload {
                    storage_key: &key,
                    file_name: name.as_str(),
                    size,
                    uploaded_by: actor.staff_id(),
                },
            )?)
        })
        .await?;
    stored.keep();
    Ok(ctx.redirect(&routes::import_upload(created.id)))
}

/// What the body brought.
enum Received {
    File { stored: StoredFile, name: FileName },
    Refused { problem: String, status: StatusCode },
}

/// Reads the body: the one file into the store (at most `limit` bytes), other fields
/// discarded. Errors only for a broken body or a failing disk.
async fn receive(
    multipart: &mut Multipart,
    store: &UploadStore,
    limit: u64,
    budget: u64,
) -> Result<Received, AppError> {
    let mut read = 0u64;
    let mut outcome: Option<Received> = None;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(interrupted)?;
        if field.name() != Some(FILE_FIELD) || outcome.is_some() {
            // Already checked by `csrf::verify_multipart`; a second file is not read.
            if field.name() == Some(FILE_FIELD) {
                drain(&mut field, &mut read, budget).await?;
            } else {
                text_value(&mut field, &mut read, budget).await?;
            }
            continue;
        }
        let raw_name = file_name_of(&field).unwrap_or_default();
        if raw_name.is_empty() {
            drain(&mut field, &mut read, budget).await?;
            continue;
        }
        let name = match FileName::parse(&raw_name) {
            Ok(name) => name,
            Err(problem) => {
                drain(&mut field, &mut read, budget).await?;
                outcome = Some(Received::Refused {
                    problem: format!("“{}” {problem}.", file_name::for_display(&raw_name)),
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                });
                continue;
            }
        };
        let mut incoming = Some(store.begin(limit).await.map_err(AppError::internal)?);
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(interrupted)?;
            count(&mut read, chunk.len(), budget)?;
            if let Some(file) = incoming.as_mut() {
                match file.write(&chunk).await {
                    Ok(()) => {}
                    // Dropping it deletes what was written; the rest is read and discarded.
                    Err(WriteError::TooLarge) => incoming = None,
                    Err(WriteError::Io(error)) => return Err(AppError::internal(error)),
                }
            }
        }
        outcome = Some(match incoming {
            Some(file) => Received::File {
                stored: file.finish().await.map_err(AppError::internal)?,
                name,
            },
            None => Received::Refused {
                problem: FileRefusal::TooLarge { limit }.to_string(),
                status: StatusCode::PAYLOAD_TOO_LARGE,
            },
        });
    }
    Ok(outcome.unwrap_or(Received::Refused {
        problem: "Choose a CSV or vCard file to import.".into(),
        status: StatusCode::UNPROCESSABLE_ENTITY,
    }))
}

fn declared_length(request: &HttpRequest) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}
