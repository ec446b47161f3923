//! `task/create`, `task/{id}/update`, `task/{id}/delete`, with the Tasks tab's rules: a name,
//! a cron schedule or none (on demand), an IANA time zone (UTC by default), a schedule that
//! comes round at all; the next run is worked out as the dashboard does.

use super::{
    Empty, changed_meanwhile, check, existing_contact, field_or, merge_renamed, optional_id,
};
use crate::api::caller::ApiWriter;
use crate::api::json::{self, ApiJson};
use crate::domain::task_draft::{TaskDraft, TaskInput, check_runs_at_all};
use crate::domain::{ContactId, FieldErrors, TaskId};
use crate::error::AppError;
use crate::models::task;
use crate::models::versioned::Versioned;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

/// Validates the task as the form would hold it; errors keyed by the API's field names
/// (the same as the form's).
fn validate(input: &TaskInput, errors: &mut FieldErrors) -> Option<TaskDraft> {
    let draft = match input.validate() {
        Ok(draft) => draft,
        Err(found) => {
            merge_renamed(errors, &found, &[]);
            return None;
        }
    };
    if let Err(found) = check_runs_at_all(&draft, Utc::now()) {
        merge_renamed(errors, &found, &[]);
        return None;
    }
    Some(draft)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateTask {
    #[serde(default, deserialize_with = "optional_id")]
    contact_id: Option<ContactId>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    schedule: Option<String>,
    #[serde(default)]
    timezone: Option<String>,
}

/// `POST task/create` `{contactId, name, description?, schedule?, timezone?}` → `{"id"}`.
pub async fn create(
    api: ApiWriter,
    ApiJson(body): ApiJson<CreateTask>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    if body.contact_id.is_none() {
        errors.add("contactId", "Say which contact this task is for.");
    }
    let input = TaskInput {
        name: body.name.unwrap_or_default(),
        description: body.description.unwrap_or_default(),
        schedule: body.schedule.unwrap_or_default(),
        timezone: body.timezone.unwrap_or_default(),
    };
    let draft = validate(&input, &mut errors);
    check(&errors)?;
    let (Some(contact_id), Some(draft)) = (body.contact_id, draft) else {
        return Err(AppError::internal("validated task is incomplete"));
    };
    let actor = api.actor();
    let created = api
        .db
        .write(move |conn| {
            let contact = existing_contact(conn, contact_id, "contactId")?;
            Ok(task::create(conn, contact, &draft, Utc::now(), &actor)?)
        })
        .await?;
    json::id(created.id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateTask {
    #[serde(default, deserialize_with = "json::present")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "json::present")]
    description: Option<Option<String>>,
    /// `null` makes the task run on demand only.
    #[serde(default, deserialize_with = "json::present")]
    schedule: Option<Option<String>>,
    /// `null` means UTC.
    #[serde(default, deserialize_with = "json::present")]
    timezone: Option<Option<String>>,
}

/// `POST task/{id}/update` → `{"id"}`. Absent fields stay as they are; a new schedule or zone
/// moves the next run, as in the dashboard.
pub async fn update(
    api: ApiWriter,
    path: web::Path<TaskId>,
    ApiJson(body): ApiJson<UpdateTask>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let current = api
        .db
        .read(move |conn| Ok(task::find_any(conn, id)?))
        .await?;
    let input = TaskInput {
        name: field_or(body.name, Some(&current.name)),
        description: field_or(body.description, current.description.as_deref()),
        schedule: field_or(body.schedule, current.schedule.as_deref()),
        timezone: field_or(body.timezone, Some(&current.timezone)),
    };
    let mut errors = FieldErrors::new();
    let draft = validate(&input, &mut errors);
    check(&errors)?;
    let Some(draft) = draft else {
        return Err(AppError::internal("validated task is incomplete"));
    };
    let actor = api.actor();
    let contact = current.contact_id;
    let outcome = api
        .db
        .write(move |conn| {
            Ok(task::update(
                conn,
                contact,
                id,
                current.version,
                &draft,
                Utc::now(),
                &actor,
            )?)
        })
        .await?;
    match outcome {
        Versioned::Saved(saved) | Versioned::Unchanged(saved) => json::id(saved.id),
        Versioned::Conflict(_) => Err(changed_meanwhile()),
    }
}

/// `POST task/{id}/delete` `{}` → `{"id"}`.
pub async fn delete(
    api: ApiWriter,
    path: web::Path<TaskId>,
    ApiJson(_): ApiJson<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = api.actor();
    let deleted = api
        .db
        .write(move |conn| {
            let found = task::find_any(conn, id)?;
            Ok(task::delete(conn, found.contact_id, id, &actor)?)
        })
        .await?;
    json::id(deleted.id)
}
