//! `/api/v1/contact/…`: contacts for bots and integrations. Find-or-create is in
//! [`super::contact_ensure`], the export in [`super::contact_export`].

use super::caller::{ApiReader, ApiWriter};
use super::contact_body::{ContactBody, EmptyBody};
use super::json::{self, ApiJson};
use super::listing::{ListParams, respond};
use super::objects;
use crate::domain::contact_patch::Purpose;
use crate::domain::{ContactId, ContactSource};
use crate::error::AppError;
use crate::models::contact;
use crate::models::contact::NewContact;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::PgConnection;

/// One page of contacts in list order.
pub fn load_page(
    connection: &mut PgConnection,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, objects::Contact)>, AppError> {
    let rows = contact::keyset_page(connection, &params.page(limit))?;
    Ok(rows.iter().map(|c| (c.id.into(), c.into())).collect())
}

/// `GET contact/list`.
pub async fn list(api: ApiReader, request: HttpRequest) -> Result<HttpResponse, AppError> {
    let params = ListParams::from_query(request.query_string())?;
    respond(&request, &api.db, params, load_page).await
}

/// `GET contact/{id}/fetch`.
pub async fn fetch(api: ApiReader, path: web::Path<ContactId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let found = api
        .db
        .read(move |conn| Ok(contact::find(conn, id)?))
        .await?;
    json::ok(&objects::Contact::from(&found))
}

/// `POST contact/create` → `{"id"}`. Validated like the dashboard's form; a duplicate email or
/// fingerprint is a 409 naming the contact that has it. Unverified unless `verifiedAt` is sent.
pub async fn create(
    api: ApiWriter,
    ApiJson(body): ApiJson<ContactBody>,
) -> Result<HttpResponse, AppError> {
    let patch = body.validate(api.state.settings.phone_region, Purpose::Create)?;
    let actor = api.actor();
    let created = api
        .db
        .write(move |conn| {
            Ok(contact::create(
                conn,
                NewContact::from_patch(&patch, ContactSource::Api),
                &actor,
            )?)
        })
        .await?;
    json::id(created.id)
}

/// `POST contact/{id}/update` → `{"id"}`. Absent fields stay, `null` clears, `meta` is
/// replaced unless sent as `{"$update": {...}}`. Last write wins, as in ChatBotKit.
pub async fn update(
    api: ApiWriter,
    path: web::Path<ContactId>,
    ApiJson(body): ApiJson<ContactBody>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let patch = body.validate(api.state.settings.phone_region, Purpose::Update)?;
    let actor = api.actor();
    let saved = api
        .db
        .write(move |conn| Ok(contact::update_fields(conn, id, &patch, &actor)?))
        .await?;
    json::id(saved.id)
}

/// `POST contact/{id}/delete` with `{}` → `{"id"}`, ChatBotKit's answer. The contact moves to
/// Trash: gone for the API and agents at once, restorable from the dashboard until it is
/// purged (then its tasks, memories and secrets go with it; its conversations, spaces and
/// ratings stay, detached).
pub async fn delete(
    api: ApiWriter,
    path: web::Path<ContactId>,
    ApiJson(_): ApiJson<EmptyBody>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = api.actor();
    let deleted = api
        .db
        .write(move |conn| Ok(contact::trash(conn, id, &actor)?))
        .await?;
    json::id(deleted.id)
}
