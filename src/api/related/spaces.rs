//! `space/create`, `space/{id}/update`, `space/{id}/delete`: named folders of files, with the
//! Spaces tab's rules. A space may belong to a contact or, created through the API without
//! `contactId`, to none (as a deleted contact's spaces do).

use super::{Empty, changed_meanwhile, existing_contact, field_or, merge_renamed};
use crate::api::caller::ApiWriter;
use crate::api::json::{self, ApiJson};
use crate::domain::space_draft::{SpaceDraft, SpaceInput};
use crate::domain::{ContactId, FieldErrors, SpaceId};
use crate::error::AppError;
use crate::models::space::{self, Owner, SpaceUpdate};
use crate::storage::SpaceStore;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

fn validate(input: &SpaceInput) -> Result<SpaceDraft, AppError> {
    input.validate().map_err(|found| {
        let mut errors = FieldErrors::new();
        merge_renamed(&mut errors, &found, &[]);
        super::invalid(&errors)
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateSpace {
    #[serde(default, deserialize_with = "super::optional_id")]
    contact_id: Option<ContactId>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

/// `POST space/create` `{contactId?, name, description?}` → `{"id"}`.
pub async fn create(
    api: ApiWriter,
    ApiJson(body): ApiJson<CreateSpace>,
) -> Result<HttpResponse, AppError> {
    let draft = validate(&SpaceInput {
        name: body.name.unwrap_or_default(),
        description: body.description.unwrap_or_default(),
    })?;
    let actor = api.actor();
    let created = api
        .db
        .write(move |conn| {
            let contact = match body.contact_id {
                Some(id) => Some(existing_contact(conn, id, "contactId")?),
                None => None,
            };
            Ok(space::create(conn, contact, &draft, &actor)?)
        })
        .await?;
    json::id(created.id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateSpace {
    #[serde(default, deserialize_with = "json::present")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "json::present")]
    description: Option<Option<String>>,
}

/// `POST space/{id}/update` `{name?, description?}` → `{"id"}`.
pub async fn update(
    api: ApiWriter,
    path: web::Path<SpaceId>,
    ApiJson(body): ApiJson<UpdateSpace>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let current = api.db.read(move |conn| Ok(space::find(conn, id)?)).await?;
    let draft = validate(&SpaceInput {
        name: field_or(body.name, Some(&current.name)),
        description: field_or(body.description, current.description.as_deref()),
    })?;
    let actor = api.actor();
    let outcome = api
        .db
        .write(move |conn| {
            Ok(space::update(
                conn,
                Owner::Any,
                id,
                current.version,
                &draft,
                &actor,
            )?)
        })
        .await?;
    match outcome {
        SpaceUpdate::Saved(saved) | SpaceUpdate::Unchanged(saved) => json::id(saved.id),
        SpaceUpdate::Conflict(_) => Err(changed_meanwhile()),
    }
}

/// `POST space/{id}/delete` `{}` → `{"id"}`: the space, its files' rows (one audit entry
/// naming them) and then their bytes.
pub async fn delete(
    api: ApiWriter,
    path: web::Path<SpaceId>,
    ApiJson(_): ApiJson<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = api.actor();
    let deleted = api
        .db
        .write(move |conn| Ok(space::delete(conn, Owner::Any, id, &actor)?))
        .await?;
    api.db.release();
    // Committed: the bytes can go, without holding a connection. A blocking task runs to the
    // end even if the client leaves meanwhile.
    let store = SpaceStore::new(&api.state.settings.data_dir);
    let keys = deleted.storage_keys;
    web::block(move || store.remove_space(id, &keys)).await?;
    json::id(deleted.space.id)
}
