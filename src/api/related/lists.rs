//! `contact/{id}/conversation|task|space|memory|rating|secret/list` and
//! `contact/{id}/memory/search`: what belongs to a contact.
//!
//! Every list takes the list parameters (`cursor`, `order`, `take`, `meta.*`) and is read in
//! (created_at, id) order, one index range per page (`migrations/…_api_related`). Tasks,
//! spaces, ratings and secrets have no meta, so a meta filter matches none of them. An
//! unknown contact is a 404, not an empty list.

use super::conversations::conversation_json;
use super::memories::memory_json;
use super::secrets::secret_json;
use super::spaces::space_json;
use super::tasks::task_json;
use super::votes::rating_json;
use super::{check, path_contact};
use crate::api::caller::ApiReader;
use crate::api::json::{self, ApiJson};
use crate::api::listing::{ListParams, respond};
use crate::domain::{ContactId, FieldErrors};
use crate::error::AppError;
use crate::models::conversation::Conversation;
use crate::models::memory::{self, Memory, Search};
use crate::models::rating::Rating;
use crate::models::schema::{conversations, memories, ratings, secrets, spaces, tasks};
use crate::models::space::Space;
use crate::models::task::Task;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::{Value, json};

/// Loads one page of a contact's objects of one kind.
type Loader =
    fn(&mut PgConnection, ContactId, &ListParams, i64) -> Result<Vec<(i64, Value)>, AppError>;

/// Answers a contact's list: 404 for an unknown contact, then the list as JSON or lines.
async fn contact_list(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<String>,
    load: Loader,
) -> Result<HttpResponse, AppError> {
    let contact = ContactId(json::path_id(&path)?);
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
) -> Result<Vec<(i64, Value)>, AppError> {
    let mut query = conversations::table
        .filter(conversations::contact_id.eq(contact.0))
        .select(Conversation::as_select())
        .into_boxed();
    if let Some(filter) = params.meta_filter("conversations") {
        query = query.filter(filter);
    }
    let rows: Vec<Conversation> =
        keyset_page!(query, conversations, params, limit).load(connection)?;
    Ok(rows.iter().map(|c| (c.id, conversation_json(c))).collect())
}

fn load_tasks(
    connection: &mut PgConnection,
    contact: ContactId,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, Value)>, AppError> {
    if params.meta.is_some() {
        return Ok(Vec::new());
    }
    let query = tasks::table
        .filter(tasks::contact_id.eq(contact.0))
        .select(Task::as_select())
        .into_boxed();
    let rows: Vec<Task> = keyset_page!(query, tasks, params, limit).load(connection)?;
    Ok(rows.iter().map(|t| (t.id, task_json(t))).collect())
}

fn load_spaces(
    connection: &mut PgConnection,
    contact: ContactId,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, Value)>, AppError> {
    if params.meta.is_some() {
        return Ok(Vec::new());
    }
    let query = spaces::table
        .filter(spaces::contact_id.eq(contact.0))
        .select(Space::as_select())
        .into_boxed();
    let rows: Vec<Space> = keyset_page!(query, spaces, params, limit).load(connection)?;
    Ok(rows.iter().map(|s| (s.id, space_json(s))).collect())
}

fn load_memories(
    connection: &mut PgConnection,
    contact: ContactId,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, Value)>, AppError> {
    let mut query = memories::table
        .filter(memories::contact_id.eq(contact.0))
        .select(Memory::as_select())
        .into_boxed();
    if let Some(filter) = params.meta_filter("memories") {
        query = query.filter(filter);
    }
    let rows: Vec<Memory> = keyset_page!(query, memories, params, limit).load(connection)?;
    Ok(rows.iter().map(|m| (m.id, memory_json(m))).collect())
}

fn load_ratings(
    connection: &mut PgConnection,
    contact: ContactId,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, Value)>, AppError> {
    if params.meta.is_some() {
        return Ok(Vec::new());
    }
    let query = ratings::table
        .filter(ratings::contact_id.eq(contact.0))
        .select((Rating::as_select(), ratings::updated_at))
        .into_boxed();
    let rows: Vec<(Rating, DateTime<Utc>)> =
        keyset_page!(query, ratings, params, limit).load(connection)?;
    Ok(rows
        .iter()
        .map(|(r, updated_at)| (r.id, rating_json(r, *updated_at)))
        .collect())
}

/// A secret's listed columns: never the ciphertext.
type SecretRow = (
    i64,
    String,
    Option<String>,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
);

fn load_secrets(
    connection: &mut PgConnection,
    contact: ContactId,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, Value)>, AppError> {
    if params.meta.is_some() {
        return Ok(Vec::new());
    }
    let query = secrets::table
        .filter(secrets::contact_id.eq(contact.0))
        .select((
            secrets::id,
            secrets::name,
            secrets::description,
            secrets::kind,
            secrets::created_at,
            secrets::updated_at,
        ))
        .into_boxed();
    let rows: Vec<SecretRow> = keyset_page!(query, secrets, params, limit).load(connection)?;
    Ok(rows
        .iter()
        .map(|(id, name, description, kind, created_at, updated_at)| {
            (
                *id,
                secret_json(
                    *id,
                    name,
                    description.as_deref(),
                    kind,
                    *created_at,
                    *updated_at,
                ),
            )
        })
        .collect())
}

/// `GET contact/{id}/conversation/list`.
pub async fn conversations(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    contact_list(api, request, path, load_conversations).await
}

/// `GET contact/{id}/task/list`.
pub async fn tasks(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    contact_list(api, request, path, load_tasks).await
}

/// `GET contact/{id}/space/list`.
pub async fn spaces(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    contact_list(api, request, path, load_spaces).await
}

/// `GET contact/{id}/memory/list`.
pub async fn memories(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    contact_list(api, request, path, load_memories).await
}

/// `GET contact/{id}/rating/list`.
pub async fn ratings(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    contact_list(api, request, path, load_ratings).await
}

/// `GET contact/{id}/secret/list`: names and types only.
pub async fn secrets(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<String>,
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
    path: web::Path<String>,
    ApiJson(body): ApiJson<MemorySearch>,
) -> Result<HttpResponse, AppError> {
    let contact = ContactId(json::path_id(&path)?);
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
    let items: Vec<Value> = found
        .iter()
        .map(|m| json!({ "id": m.id.to_string(), "text": m.text }))
        .collect();
    json::ok(&json!({ "items": items }))
}
