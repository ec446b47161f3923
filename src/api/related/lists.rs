//! `contact/{id}/conversation|task|space|memory|rating|secret/list` and
//! `contact/{id}/memory/search`: what belongs to a contact.
//!
//! Every list takes the list parameters (`cursor`, `order`, `take`, `meta.*`) and is read in
//! (created_at, id) order by [`crate::models::keyset`], one index range per page
//! (`migrations/…_api_related`). Tasks,
//! spaces, ratings and secrets have no meta, so a meta filter matches none of them. An
//! unknown contact is a 404, not an empty list.

use super::{check, path_contact};
use crate::api::caller::ApiReader;
use crate::api::json::{self, ApiJson};
use crate::api::listing::{ListParams, respond};
use crate::api::objects::{self, ApiId, MemoryMatch, MemorySearchResult};
use crate::domain::{ContactId, FieldErrors};
use crate::error::AppError;
use crate::models::memory::{self, Search};
use crate::models::{conversation, rating, secret, space, task};
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};

/// Loads one page of a contact's objects of one kind.
type Loader<T> =
    fn(&mut PgConnection, ContactId, &ListParams, i64) -> Result<Vec<(i64, T)>, AppError>;

/// Answers a contact's list: 404 for an unknown contact, then the list as JSON or lines.
async fn contact_list<T: Serialize + Send + 'static>(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<ContactId>,
    load: Loader<T>,
) -> Result<HttpResponse, AppError> {
    let contact = path.into_inner();
    let params = ListParams::from_query(request.query_string())?;
    api.db.read(move |conn| path_contact(conn, contact)).await?;
    respond(&request, &api.db, params, move |conn, params, limit| {
        load(conn, contact, params, limit)
    })
    .await
}

fn load_conversations(
    connection: &mut PgConnection,
    contact: ContactId,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, objects::Conversation)>, AppError> {
    let rows = conversation::keyset_page(connection, contact, &params.page(limit))?;
    Ok(rows.iter().map(|c| (c.id.into(), c.into())).collect())
}

fn load_tasks(
    connection: &mut PgConnection,
    contact: ContactId,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, objects::Task)>, AppError> {
    let rows = task::keyset_page(connection, contact, &params.page(limit))?;
    Ok(rows.iter().map(|t| (t.id.into(), t.into())).collect())
}

fn load_spaces(
    connection: &mut PgConnection,
    contact: ContactId,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, objects::Space)>, AppError> {
    let rows = space::keyset_page(connection, contact, &params.page(limit))?;
    Ok(rows.iter().map(|s| (s.id.into(), s.into())).collect())
}

fn load_memories(
    connection: &mut PgConnection,
    contact: ContactId,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, objects::Memory)>, AppError> {
    let rows = memory::keyset_page(connection, contact, &params.page(limit))?;
    Ok(rows.iter().map(|m| (m.id.into(), m.into())).collect())
}

fn load_ratings(
    connection: &mut PgConnection,
    contact: ContactId,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, objects::Rating)>, AppError> {
    let rows = rating::keyset_page(connection, contact, &params.page(limit))?;
    Ok(rows
        .iter()
        .map(|(r, updated_at)| (r.id.into(), objects::Rating::new(r, *updated_at)))
        .collect())
}

fn load_secrets(
    connection: &mut PgConnection,
    contact: ContactId,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, objects::Secret)>, AppError> {
    let rows = secret::keyset_page(connection, contact, &params.page(limit))?;
    Ok(rows
        .iter()
        .map(|(s, created_at)| (s.id.into(), objects::Secret::new(s, *created_at)))
        .collect())
}

/// `GET contact/{id}/conversation/list`.
pub async fn conversations(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<ContactId>,
) -> Result<HttpResponse, AppError> {
    contact_list(api, request, path, load_conversations).await
}

/// `GET contact/{id}/task/list`.
pub async fn tasks(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<ContactId>,
) -> Result<HttpResponse, AppError> {
    contact_list(api, request, path, load_tasks).await
}

/// `GET contact/{id}/space/list`.
pub async fn spaces(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<ContactId>,
) -> Result<HttpResponse, AppError> {
    contact_list(api, request, path, load_spaces).await
}

/// `GET contact/{id}/memory/list`.
pub async fn memories(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<ContactId>,
) -> Result<HttpResponse, AppError> {
    contact_list(api, request, path, load_memories).await
}

/// `GET contact/{id}/rating/list`.
pub async fn ratings(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<ContactId>,
) -> Result<HttpResponse, AppError> {
    contact_list(api, request, path, load_ratings).await
}

/// `GET contact/{id}/secret/list`: names and types only.
pub async fn secrets(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<ContactId>,
) -> Result<HttpResponse, AppError> {
    contact_list(api, request, path, load_secrets).await
}

/// The most memories a search returns, as in ChatBotKit.
const SEARCH_RESULTS: i64 = 10;
/// The longest search accepted, in characters.
const SEARCH_MAX_CHARS: usize = 1_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemorySearch {
    #[serde(default)]
    search: Option<String>,
}

/// `POST contact/{id}/memory/search` `{"search": "..."}` → `{"items": [{id, text}]}`: the
/// contact's best matches, at most 10 (see [`memory::search_ranked`]). A read: viewer tokens
/// may search.
pub async fn search_memories(
    api: ApiReader,
    path: web::Path<ContactId>,
    ApiJson(body): ApiJson<MemorySearch>,
) -> Result<HttpResponse, AppError> {
    let contact = path.into_inner();
    let mut errors = FieldErrors::new();
    let search = body.search.as_deref().and_then(Search::new);
    match &search {
        None => errors.add(
            "search",
            "Say what to look for, e.g. {\"search\": \"coffee\"}.",
        ),
        Some(search) if search.as_str().chars().count() > SEARCH_MAX_CHARS => errors.add(
            "search",
            format!("Must be at most {SEARCH_MAX_CHARS} characters."),
        ),
        Some(_) => {}
    }
    check(&errors)?;
    let Some(search) = search else {
        return Err(AppError::internal("validated search is missing"));
    };
    let found = api
        .db
        .read(move |conn| {
            path_contact(conn, contact)?;
            Ok(memory::search_ranked(
                conn,
                contact,
                &search,
                SEARCH_RESULTS,
            )?)
        })
        .await?;
    json::ok(&MemorySearchResult {
        items: found
            .into_iter()
            .map(|m| MemoryMatch {
                id: ApiId::from(m.id),
                text: m.text,
            })
            .collect(),
    })
}
