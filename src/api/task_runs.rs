//! Task runs for agents: `task/due` (what to run now), `task/{id}/start` and
//! `task/{id}/finish`. ChatBotKit has no such endpoints; the shapes follow its conventions
//! (lists with `cursor`/`take`, POST with a JSON body, `{"id"}` answers).

use super::caller::{ApiReader, ApiWriter};
use super::json::{self, ApiJson};
use super::listing::{ListParams, respond};
use super::objects::Task;
use crate::domain::TaskId;
use crate::domain::task_run::{self, RunOutcome};
use crate::error::AppError;
use crate::models::task_agent;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use diesel::PgConnection;
use serde::Deserialize;

/// One page of due tasks, the longest overdue first. `order` does not apply (a queue has one
/// sensible order), and a `meta.*` filter matches nothing, as tasks have no metadata.
fn load_due(
    connection: &mut PgConnection,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, Task)>, AppError> {
    if params.meta.is_some() {
        return Ok(Vec::new());
    }
    let rows = task_agent::due(connection, Utc::now(), params.cursor.map(TaskId), limit)?;
    Ok(rows
        .iter()
        .map(|task| (task.id.into(), task.into()))
        .collect())
}

/// `GET task/due`.
pub async fn due(api: ApiReader, request: HttpRequest) -> Result<HttpResponse, AppError> {
    let params = ListParams::from_query(request.query_string())?;
    respond(&request, &api.db, params, load_due).await
}

/// `task/{id}/start` takes an empty object.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {}

/// `POST task/{id}/start` `{}` → `{"id"}`; 409 while running or when canceled.
pub async fn start(
    api: ApiWriter,
    path: web::Path<TaskId>,
    ApiJson(_body): ApiJson<StartRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = api.actor();
    let task = api
        .db
        .write(move |conn| Ok(task_agent::start(conn, id, Utc::now(), &actor)?))
        .await?;
    json::id(task.id)
}

/// `task/{id}/finish`: `{"outcome": "success" | "failure", "text": "…"?}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FinishRequest {
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

/// `POST task/{id}/finish` → `{"id"}`: idle again, outcome recorded, next run from the
/// schedule; the text goes into the audit entry. 409 unless it is running.
pub async fn finish(
    api: ApiWriter,
    path: web::Path<TaskId>,
    ApiJson(body): ApiJson<FinishRequest>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let outcome = RunOutcome::parse(body.outcome.as_deref())
        .map_err(|message| AppError::Unprocessable(format!("outcome: {message}")))?;
    let report = task_run::validate_report(body.text.as_deref())
        .map_err(|message| AppError::Unprocessable(format!("text: {message}")))?;
    let actor = api.actor();
    let task = api
        .db
        .write(move |conn| {
            Ok(task_agent::finish(
                conn,
                id,
                outcome,
                report.as_deref(),
                Utc::now(),
                &actor,
            )?)
        })
        .await?;
    json::id(task.id)
}
