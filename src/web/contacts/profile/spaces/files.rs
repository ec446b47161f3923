//! A space's files: download (as an attachment) and delete (after a confirmation).

use super::super::super::super::current_user::CurrentUser;
use super::super::super::super::htmx::Htmx;
use super::super::super::super::render;
use super::super::super::super::routes;
use super::super::super::super::session::{FlashKind, TypedSession};
use super::super::super::parse_id;
use super::super::tab_counts;
use super::views::{DeleteFileView, Panel};
use super::{parse_file, parse_space, respond};
use crate::db;
use crate::domain::{ContactId, SpaceFileId, SpaceId, byte_size};
use crate::error::AppError;
use crate::models::{contact, space, space_file};
use crate::startup::AppState;
use crate::storage::{self, SpaceStore};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

fn parse_path(
    path: &(String, String, String),
) -> Result<(ContactId, SpaceId, SpaceFileId), AppError> {
    Ok((
        parse_id(&path.0)?,
        parse_space(&path.1)?,
        parse_file(&path.2)?,
    ))
}

/// `GET /contacts/{id}/spaces/{space}/files`: there is no page here (uploads post to it), so
/// a reload after a failed plain upload lands on the space.
pub async fn index(
    htmx: Htmx,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path.0)?;
    let space_id = parse_space(&path.1)?;
    Ok(render::redirect(&htmx, &routes::space(id, space_id)))
}

/// `GET /contacts/{id}/spaces/{space}/files/{file}`: the bytes, as an attachment under the
/// file's name, streamed from disk.
pub async fn download(
    _user: CurrentUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, space_id, file_id) = parse_path(&path)?;
    let file = db::run(&state.pool, move |conn| {
        space::find_for_contact(conn, id, space_id)?;
        Ok(space_file::find(conn, space_id, file_id)?)
    })
    .await?;
    let store = SpaceStore::new(&state.settings.data_dir);
    storage::download::send(&store, &file).await
}

/// `GET /contacts/{id}/spaces/{space}/files/{file}/delete`.
pub async fn confirm_delete(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, space_id, file_id) = parse_path(&path)?;
    let (found, counts, space_row, file) = db::run(&state.pool, move |conn| {
        let found = contact::find(conn, id)?;
        let space_row = space::find_for_contact(conn, id, space_id)?;
        let file = space_file::find(conn, space_id, file_id)?;
        let counts = tab_counts(conn, id)?;
        Ok((found, counts, space_row, file))
    })
    .await?;
    let view = DeleteFileView {
        name: file.path.clone(),
        size: byte_size::human(u64::try_from(file.size).unwrap_or_default()),
        space_name: space_row.name.clone(),
        action: routes::space_file_delete(id, space_id, file_id),
        cancel_url: routes::space(id, space_id),
        csrf_token: session.csrf_token(),
    };
    respond(
        &user,
        &session,
        &htmx,
        &found,
        &counts,
        Panel::DeleteFile(view),
        StatusCode::OK,
    )
}

/// `POST /contacts/{id}/spaces/{space}/files/{file}/delete`: the row goes in a transaction
/// with its audit entry, then the bytes.
pub async fn delete(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, space_id, file_id) = parse_path(&path)?;
    let actor = user.actor();
    let store = SpaceStore::new(&state.settings.data_dir);
    let deleted = db::run(&state.pool, move |conn| {
        let space_row = space::find_for_contact(conn, id, space_id)?;
        let deleted = space_file::delete(conn, &space_row, file_id, &actor)?;
        // Committed: the bytes can go.
        store.remove(space_id, &deleted.storage_key);
        Ok(deleted)
    })
    .await?;
    session.set_flash(FlashKind::Success, format!("Deleted {}", deleted.path));
    Ok(render::redirect(&htmx, &routes::space(id, space_id)))
}
