//! A space's files: download (as an attachment) and delete (after a confirmation).

use super::super::tab::Profile;
use super::SLUG;
use super::views::{DeleteFileView, Panel};
use crate::domain::{ContactId, SpaceFileId, SpaceId, byte_size};
use crate::error::AppError;
use crate::models::{space, space_file};
use crate::storage::{self, SpaceStore};
use crate::web::context::{Dashboard, Editor};
use crate::web::routes;
use crate::web::session::FlashKind;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

/// `GET /contacts/{id}/spaces/{space}/files`: there is no page here (uploads post to it), so
/// a reload after a failed plain upload lands on the space.
pub async fn index(
    ctx: Dashboard,
    path: web::Path<(ContactId, SpaceId)>,
) -> Result<HttpResponse, AppError> {
    let (id, space_id) = path.into_inner();
    Ok(ctx.redirect(&routes::space(id, space_id)))
}

/// `GET /contacts/{id}/spaces/{space}/files/{file}`: the bytes, as an attachment under the
/// file's name, streamed from disk.
pub async fn download(
    ctx: Dashboard,
    path: web::Path<(ContactId, SpaceId, SpaceFileId)>,
) -> Result<HttpResponse, AppError> {
    let (id, space_id, file_id) = path.into_inner();
    let file = ctx
        .db
        .read(move |conn| {
            space::find_for_contact(conn, id, space_id)?;
            Ok(space_file::find(conn, space_id, file_id)?)
        })
        .await?;
    // Streaming needs no connection.
    ctx.db.release();
    let store = SpaceStore::new(&ctx.state.settings.data_dir);
    storage::download::send(&store, &file).await
}

/// `GET /contacts/{id}/spaces/{space}/files/{file}/delete`.
pub async fn confirm_delete(
    ctx: Editor,
    path: web::Path<(ContactId, SpaceId, SpaceFileId)>,
) -> Result<HttpResponse, AppError> {
    let (id, space_id, file_id) = path.into_inner();
    let (profile, space_row, file) = ctx
        .db
        .read(move |conn| {
            let profile = Profile::load(conn, id)?;
            let space_row = space::find_for_contact(conn, id, space_id)?;
            let file = space_file::find(conn, space_id, file_id)?;
            Ok((profile, space_row, file))
        })
        .await?;
    let view = DeleteFileView {
        name: file.path.clone(),
        size: byte_size::human(u64::try_from(file.size).unwrap_or_default()),
        space_name: space_row.name.clone(),
        action: routes::space_file_delete(id, space_id, file_id),
        cancel_url: routes::space(id, space_id),
        csrf_token: ctx.csrf_token(),
    };
    ctx.profile_tab(StatusCode::OK, &profile, SLUG, Panel::DeleteFile(view))
}

/// `POST /contacts/{id}/spaces/{space}/files/{file}/delete`: the row goes in a transaction
/// with its audit entry, then the bytes.
pub async fn delete(
    ctx: Editor,
    path: web::Path<(ContactId, SpaceId, SpaceFileId)>,
) -> Result<HttpResponse, AppError> {
    let (id, space_id, file_id) = path.into_inner();
    let actor = ctx.actor();
    let store = SpaceStore::new(&ctx.state.settings.data_dir);
    let deleted = ctx
        .db
        .write(move |conn| {
            let space_row = space::find_for_contact(conn, id, space_id)?;
            let deleted = space_file::delete(conn, &space_row, file_id, &actor)?;
            // Committed: the bytes can go.
            store.remove(space_id, &deleted.storage_key);
            Ok(deleted)
        })
        .await?;
    Ok(ctx.redirect_with_notice(
        FlashKind::Success,
        format!("Deleted {}", deleted.path),
        &routes::space(id, space_id),
    ))
}
