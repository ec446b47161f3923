//! `/contacts/import/jobs/{id}`: one dry run or import. While it waits or runs, its status
//! panel (a progress bar with rows done of total, rate and time left) is polled by htmx about
//! every second, and stops being polled once the job ended: the panel is then the report
//! (the five counts, the first invalid rows, the invalid rows' download, and what to do next).
//! The job runs in a worker, so leaving the page changes nothing.
//!
//! `POST …/run` starts the import after its dry run (or a failed import again), once however
//! often it is pressed; `POST …/cancel` stops a job after its current batch.

use super::views::{self, StatusContext, StatusView, kind_label};
use crate::domain::JobId;
use crate::error::AppError;
use crate::jobs::import::{DRY_RUN_KIND, IMPORT_KIND, ImportParameters};
use crate::models::job::{self, Job, NewJob, state};
use crate::models::upload;
use crate::web::context::Editor;
use crate::web::layout::{PageContext, Section};
use crate::web::routes;
use crate::web::session::FlashKind;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use diesel::OptionalExtension;

/// The page's heading and facts.
pub struct JobView {
    pub title: String,
    pub file_name: String,
    pub on_match: &'static str,
    pub started_by: String,
    pub started: String,
    pub started_iso: String,
    pub status: StatusView,
}

#[derive(Template)]
#[template(path = "contacts/import/job.html")]
struct JobPage {
    page: PageContext,
    view: JobView,
}

#[derive(Template)]
#[template(path = "contacts/import/job.html", block = "status")]
struct StatusFragment {
    view: JobView,
}

/// A job of the import's kinds; any other id is not found here.
fn import_job(connection: &mut diesel::PgConnection, id: JobId) -> Result<Job, AppError> {
    let found = job::find(connection, id)?;
    if found.kind == IMPORT_KIND || found.kind == DRY_RUN_KIND {
        Ok(found)
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether the job's upload is still kept.
fn file_kept(connection: &mut diesel::PgConnection, found: &Job) -> Result<bool, AppError> {
    Ok(match found.upload_id {
        Some(id) => upload::find(connection, id).optional()?.is_some(),
        None => false,
    })
}

/// `GET /contacts/import/jobs/{id}`: the page, or (htmx polling) its status panel.
pub async fn show(ctx: Editor, path: web::Path<JobId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (found, follow_up, kept) = ctx
        .db
        .read(move |conn| {
            let found = import_job(conn, id)?;
            let follow_up = job::follow_up(conn, id)?;
            let kept = file_kept(conn, &found)?;
            Ok((found, follow_up, kept))
        })
        .await?;
    let params: Option<ImportParameters> = views::parameters(&found);
    let file_name = params
        .as_ref()
        .map_or_else(|| "?".to_string(), |p| p.file_name.clone());
    let now = Utc::now();
    let view = JobView {
        title: format!("{} of {file_name}", kind_label(&found.kind)),
        file_name,
        on_match: params.as_ref().map_or("", |p| p.on_match.label()),
        started_by: found.started_by_name.clone(),
        started: crate::web::views::timestamp(found.created_at),
        started_iso: crate::web::views::iso(found.created_at),
        status: StatusView::new(
            &found,
            StatusContext {
                follow_up,
                file_kept: kept,
                can_edit: ctx.can_edit(),
                csrf_token: ctx.csrf_token(),
                now,
            },
        ),
    };
    ctx.fragment_or_page_with(
        StatusCode::OK,
        "import-status",
        view,
        |view| StatusFragment { view },
        |view| JobPage {
            page: ctx.page(Section::Contacts),
            view,
        },
    )
}

/// `POST /contacts/import/jobs/{id}/run`: the import after a finished dry run, or a failed or
/// canceled import again (rows it applied come out unchanged). Pressed twice, it starts one.
pub async fn run(ctx: Editor, path: web::Path<JobId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = ctx.actor();
    let started = ctx
        .db
        .write(move |conn| {
            let source = import_job(conn, id)?;
            let runnable = match source.kind.as_str() {
                DRY_RUN_KIND => source.state == state::DONE,
                _ => matches!(source.state.as_str(), state::FAILED | state::CANCELED),
            };
            if !runnable {
                return Err(AppError::Conflict(
                    "This job cannot be started from here: a dry run must have finished, an \
                     import must have failed or been canceled."
                        .into(),
                ));
            }
            if !file_kept(conn, &source)? {
                return Err(AppError::Conflict(
                    "The file is no longer kept on the server; upload it again.".into(),
                ));
            }
            let mut params: ImportParameters = serde_json::from_value(source.parameters.clone())
                .map_err(|e| AppError::internal(format!("job {id}: {e}")))?;
            params.started_from = Some(id);
            let new = NewJob {
                kind: IMPORT_KIND,
                parameters: serde_json::to_value(&params).map_err(AppError::internal)?,
                upload_id: source.upload_id,
                run_after: None,
            };
            Ok(job::enqueue_follow_up(conn, id, &new, &actor)?)
        })
        .await?;
    let (import, _) = started;
    Ok(ctx.redirect(&routes::import_job(import.id)))
}

/// `POST /contacts/import/jobs/{id}/cancel`: stops the job after its current batch; what
/// committed batches imported stays.
pub async fn cancel(ctx: Editor, path: web::Path<JobId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = ctx.actor();
    let canceled = ctx
        .db
        .write(move |conn| {
            import_job(conn, id)?;
            Ok(job::cancel(conn, id, &actor)?)
        })
        .await?;
    let notice = if canceled.is_some() {
        (FlashKind::Success, "Canceled. Rows imported so far stay.")
    } else {
        (FlashKind::Error, "It had already finished.")
    };
    Ok(ctx.redirect_with_notice(notice.0, notice.1, &routes::import_job(id)))
}
