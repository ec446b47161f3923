//! `space/{id}/storage/list|upload|download|delete`: the files of a space.
//!
//! Uploads take the same road as the dashboard's: the body is streamed (never buffered) into
//! a temporary file with the upload limit checked and the SHA-256 computed on the way
//! (`crate::storage::parts`), the name is cleaned by the same rules (`FileName`), and the file
//! is renamed into the space and its row written in one transaction that holds the space's
//! lock (`crate::storage::commit`). Anything refused, interrupted or failed leaves no file
//! and no row. A name already in the space is not overwritten unless `replace=true` is sent.
//!
//! An upload is either `multipart/form-data` with a `file` part (and optionally `path` and
//! `replace` parts), or the bytes themselves as the body with `?path=` (and `&replace=true`).
//! Spaces are flat: a path is a file name, and any directory part is dropped, as it is for
//! the dashboard's uploads.

use super::invalid_field;
use crate::api::caller::{ApiReader, ApiWriter};
use crate::api::json::{self, ApiJson};
use crate::api::listing::{ListParams, respond};
use crate::api::objects;
use crate::domain::SpaceId;
use crate::domain::file_name::{self, FileName};
use crate::error::AppError;
use crate::models::space::{self, Owner};
use crate::models::space_file::{self, SpaceFile};
use crate::storage::commit::{self, Committed, ReceivedFile};
use crate::storage::parts::{self, OVERHEAD_BYTES};
use crate::storage::{SpaceStore, StagedFile};
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::PgConnection;
use futures_util::StreamExt;
use serde::Deserialize;

/// One page of a space's files, in list order (files have no meta: a meta filter matches
/// none of them).
fn load_files(
    connection: &mut PgConnection,
    space: SpaceId,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, objects::File)>, AppError> {
    let rows = space_file::keyset_page(connection, space, &params.page(limit))?;
    Ok(rows.iter().map(|f| (f.id.into(), f.into())).collect())
}

/// `GET space/{id}/storage/list`: the space's files, a list like any other.
pub async fn list(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<SpaceId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let params = ListParams::from_query(request.query_string())?;
    api.db.read(move |conn| Ok(space::find(conn, id)?)).await?;
    respond(&request, &api.db, params, move |conn, params, limit| {
        load_files(conn, id, params, limit)
    })
    .await
}

/// The query of an upload or a download.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileQuery {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    replace: Option<String>,
}

impl FileQuery {
    fn read(request: &HttpRequest) -> Result<FileQuery, AppError> {
        serde_html_form::from_str(request.query_string()).map_err(|error| {
            AppError::BadRequest(format!("The query string is not acceptable: {error}."))
        })
    }
}

/// `true`/`1` replace an existing file of the same name; anything else does not.
fn is_yes(value: Option<&str>) -> bool {
    matches!(value.map(str::trim), Some("true" | "1"))
}

/// A name as sent, cleaned as the dashboard cleans it; the message names `field`.
fn clean_name(raw: &str, field: &str) -> Result<FileName, AppError> {
    FileName::parse(raw).map_err(|problem| {
        invalid_field(
            field,
            format!("“{}” {problem}.", file_name::for_display(raw)),
        )
    })
}

/// What one upload request carried.
#[derive(Default)]
struct Received {
    staged: Option<StagedFile>,
    /// The part's own file name (multipart).
    file_name: Option<String>,
    content_type: String,
    path: Option<String>,
    replace: Option<String>,
    /// The file passed the limit (its bytes are already deleted).
    too_large: bool,
}

/// Reads a multipart upload: one `file` part, and `path` and `replace` if sent.
async fn receive_multipart(
    multipart: &mut Multipart,
    store: &SpaceStore,
    limit: u64,
    budget: u64,
) -> Result<Received, AppError> {
    let mut received = Received::default();
    let mut read = 0u64;
    let mut files = 0;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(parts::interrupted)?;
        match field.name().unwrap_or_default() {
            "file" => {
                files += 1;
                if files > 1 {
                    parts::drain(&mut field, &mut read, budget).await?;
                    continue;
                }
                received.file_name = parts::file_name_of(&field);
                received.content_type = parts::content_type_of(&field);
                let upload = store.begin(limit).await.map_err(AppError::internal)?;
                received.staged = parts::stream_into(&mut field, upload, &mut read, budget).await?;
                received.too_large = received.staged.is_none();
            }
            "path" => {
                received.path = Some(parts::text_value(&mut field, &mut read, budget).await?);
            }
            "replace" => {
                received.replace = Some(parts::text_value(&mut field, &mut read, budget).await?);
            }
            other => {
                let other = file_name::for_display(other);
                parts::drain(&mut field, &mut read, budget).await?;
                return Err(AppError::BadRequest(format!(
                    "The upload has a part named \"{other}\"; send the file as \"file\", and \
                     optionally \"path\" and \"replace\"."
                )));
            }
        }
    }
    if files > 1 {
        return Err(invalid_field("file", "Send one file per request."));
    }
    Ok(received)
}

/// Reads a raw upload: the body is the file.
async fn receive_body(
    request: &HttpRequest,
    mut payload: web::Payload,
    store: &SpaceStore,
    limit: u64,
    budget: u64,
) -> Result<Received, AppError> {
    let mut read = 0u64;
    let mut upload = Some(store.begin(limit).await.map_err(AppError::internal)?);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| {
            tracing::info!(%error, "an upload was not read to the end; nothing was stored");
            AppError::BadRequest(
                "The upload did not arrive complete, so nothing was saved. Try again.".into(),
            )
        })?;
        parts::count(&mut read, chunk.len(), budget)?;
        parts::write_chunk(&mut upload, &chunk).await?;
    }
    let staged = parts::finish(upload).await?;
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<actix_web::mime::Mime>().ok());
    Ok(Received {
        too_large: staged.is_none(),
        staged,
        content_type: parts::essence(content_type.as_ref()),
        ..Received::default()
    })
}

fn is_multipart(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
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

/// `POST space/{id}/storage/upload` → the file as stored (`{id, path, size, contentType,
/// sha256, …}`). 413 when the file passes the upload limit, 409 when the name is taken and
/// `replace` was not asked for, 422 for a missing file or an unusable name.
pub async fn upload(
    api: ApiWriter,
    request: HttpRequest,
    path: web::Path<SpaceId>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let space_id = path.into_inner();
    let query = FileQuery::read(&request)?;
    let limit = api.state.settings.upload_limit_bytes as u64;
    let budget = limit + OVERHEAD_BYTES;
    if declared_length(&request).is_some_and(|length| length > budget) {
        return Err(AppError::PayloadTooLarge);
    }
    let multipart = is_multipart(&request);
    if !multipart && query.path.is_none() {
        return Err(invalid_field(
            "path",
            "Name the file: ?path=notes.txt with the bytes as the body, or send a \
             multipart/form-data body with a \"file\" part.",
        ));
    }
    // Not found before a byte is stored, rather than after.
    api.db
        .read(move |conn| Ok(space::find(conn, space_id)?))
        .await?;
    // The body may take long to arrive: no connection waits for it.
    api.db.release();

    let store = SpaceStore::new(&api.state.settings.data_dir);
    let received = if multipart {
        let mut multipart = Multipart::new(request.headers(), payload);
        receive_multipart(&mut multipart, &store, limit, budget).await?
    } else {
        receive_body(&request, payload, &store, limit, budget).await?
    };
    if received.too_large {
        return Err(AppError::PayloadTooLarge);
    }
    let Some(staged) = received.staged else {
        return Err(invalid_field(
            "file",
            "Send the file as a part named \"file\" (or the bytes as the body with ?path=).",
        ));
    };
    let (raw_name, field) = match (received.path.or(query.path), received.file_name) {
        (Some(path), _) => (path, "path"),
        (None, Some(name)) => (name, "file"),
        (None, None) => (String::new(), "path"),
    };
    let name = clean_name(&raw_name, field)?;
    let replace = is_yes(received.replace.as_deref().or(query.replace.as_deref()));
    let file = ReceivedFile {
        name,
        content_type: received.content_type,
        staged,
    };
    let actor = api.actor();
    let outcome = api
        .db
        .write(move |conn| {
            commit::commit(
                conn,
                &store,
                Owner::Any,
                space_id,
                vec![file],
                replace,
                &actor,
            )
        })
        .await?;
    match outcome {
        Committed::Saved { files, .. } => match files.first() {
            Some(saved) => json::ok(&objects::File::from(saved)),
            None => Err(AppError::internal("the saved file was not read back")),
        },
        Committed::Conflicts(names) => Err(AppError::Conflict(format!(
            "path: A file named “{}” is already in this space; send replace=true to replace it.",
            names.join("”, “")
        ))),
    }
}

/// The space's file with the name `raw` (cleaned as uploads are), or 404.
fn find_file(
    connection: &mut PgConnection,
    space: SpaceId,
    raw: &str,
) -> Result<SpaceFile, AppError> {
    let name = FileName::parse(raw).map_err(|_| AppError::NotFound)?;
    space_file::with_names(connection, space, &[name.into_string()])?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)
}

/// `GET space/{id}/storage/download?path=…`: the bytes, as an attachment under the file's
/// name.
pub async fn download(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<SpaceId>,
) -> Result<HttpResponse, AppError> {
    let space_id = path.into_inner();
    let query = FileQuery::read(&request)?;
    let Some(name) = query.path else {
        return Err(invalid_field(
            "path",
            "Say which file, e.g. ?path=notes.txt.",
        ));
    };
    let file = api
        .db
        .read(move |conn| {
            space::find(conn, space_id)?;
            find_file(conn, space_id, &name)
        })
        .await?;
    // Sending the bytes needs no database.
    api.db.release();
    let store = SpaceStore::new(&api.state.settings.data_dir);
    crate::storage::download::send(&store, &file).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteFile {
    #[serde(default)]
    path: Option<String>,
}

/// `POST space/{id}/storage/delete` `{path}` → `{"id"}` (the file's): the row goes in a
/// transaction with its audit entry, then the bytes.
pub async fn delete(
    api: ApiWriter,
    path: web::Path<SpaceId>,
    ApiJson(body): ApiJson<DeleteFile>,
) -> Result<HttpResponse, AppError> {
    let space_id = path.into_inner();
    let Some(name) = body.path.filter(|p| !p.trim().is_empty()) else {
        return Err(invalid_field(
            "path",
            "Say which file to delete, e.g. {\"path\": \"notes.txt\"}.",
        ));
    };
    let actor = api.actor();
    let store = SpaceStore::new(&api.state.settings.data_dir);
    let deleted = api
        .db
        .write(move |conn| {
            let space_row = space::find(conn, space_id)?;
            let file = find_file(conn, space_id, &name)?;
            let deleted = space_file::delete(conn, &space_row, file.id, &actor)?;
            // Committed: the bytes can go.
            store.remove(space_id, &deleted.storage_key);
            Ok(deleted)
        })
        .await?;
    json::id(deleted.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_means_yes_only_when_said() {
        assert!(is_yes(Some("true")) && is_yes(Some(" 1 ")));
        assert!(!is_yes(Some("false")) && !is_yes(Some("")) && !is_yes(None));
    }

    #[test]
    fn names_are_cleaned_like_the_dashboards() {
        assert_eq!(
            clean_name("../docs/notes.txt", "path").unwrap().as_str(),
            "notes.txt"
        );
        let error = clean_name("..", "path").unwrap_err().public_message();
        assert!(error.starts_with("path: "), "{error}");
    }
}
