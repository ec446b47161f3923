//! `memory/create`, `memory/{id}/update`, `memory/{id}/delete`: what agents remember about a
//! contact, with the Memories tab's rules (text required, at most 10,000 characters).

use super::{Empty, check, existing_contact, meta, optional_id};
use crate::api::caller::ApiWriter;
use crate::api::json::{self, ApiJson};
use crate::domain::{ContactId, FieldErrors, MemoryId, memory_text};
use crate::error::AppError;
use crate::models::memory;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateMemory {
    #[serde(default, deserialize_with = "optional_id")]
    contact_id: Option<ContactId>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    meta: Option<Value>,
}

/// `POST memory/create` `{contactId, text, meta?}` → `{"id"}`.
pub async fn create(
    api: ApiWriter,
    ApiJson(body): ApiJson<CreateMemory>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    if body.contact_id.is_none() {
        errors.add("contactId", "Say which contact this memory is about.");
    }
    let text = errors.check(
        "text",
        memory_text::validate(body.text.as_deref().unwrap_or_default()),
    );
    let meta = meta(body.meta, &mut errors);
    check(&errors)?;
    let (Some(contact_id), Some(text), Some(meta)) = (body.contact_id, text, meta) else {
        return Err(AppError::internal("validated memory is incomplete"));
    };
    let actor = api.actor();
    let created = api
        .db
        .write(move |conn| {
            let contact = existing_contact(conn, contact_id, "contactId")?;
            Ok(memory::create_with_meta(
                conn, contact, &text, &meta, &actor,
            )?)
        })
        .await?;
    json::id(created.id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateMemory {
    #[serde(default)]
    text: Option<String>,
    /// Replaces the meta when sent; `null` clears it.
    #[serde(default, deserialize_with = "json::present")]
    meta: Option<Option<Value>>,
}

/// `POST memory/{id}/update` `{text?, meta?}` → `{"id"}`: absent fields stay as they are.
pub async fn update(
    api: ApiWriter,
    path: web::Path<MemoryId>,
    ApiJson(body): ApiJson<UpdateMemory>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let mut errors = FieldErrors::new();
    let text = match body.text.as_deref() {
        Some(text) => errors.check("text", memory_text::validate(text)),
        None => None,
    };
    let meta = match body.meta {
        Some(sent) => meta(sent, &mut errors),
        None => None,
    };
    check(&errors)?;
    let actor = api.actor();
    let saved = api
        .db
        .write(move |conn| {
            Ok(memory::edit(
                conn,
                id,
                text.as_deref(),
                meta.as_ref(),
                &actor,
            )?)
        })
        .await?;
    json::id(saved.id)
}

/// `POST memory/{id}/delete` `{}` → `{"id"}`.
pub async fn delete(
    api: ApiWriter,
    path: web::Path<MemoryId>,
    ApiJson(_): ApiJson<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = api.actor();
    let deleted = api
        .db
        .write(move |conn| {
            let found = memory::find_any(conn, id)?;
            Ok(memory::delete(conn, found.contact_id, id, &actor)?)
        })
        .await?;
    json::id(deleted.id)
}
