//! `/contacts/{id}/spaces/{space}`: one space's files and upload form; renaming it; deleting
//! it after a confirmation that lists what goes.

use super::super::super::super::current_user::CurrentUser;
use super::super::super::super::forms::HtmlForm;
use super::super::super::super::htmx::Htmx;
use super::super::super::super::render;
use super::super::super::super::routes;
use super::super::super::super::session::{FlashKind, TypedSession};
use super::super::super::parse_id;
use super::super::tab_counts;
use super::receive::MAX_FILES;
use super::views::{
    DeleteSpaceView, Panel, SpaceForm, SpaceView, UploadFeedback, UploadForm, files_label,
};
use super::{parse_space, respond};
use crate::db;
use crate::domain::space_draft::SpaceInput;
use crate::domain::{ContactId, SpaceId, byte_size};
use crate::error::AppError;
use crate::models::space::SpaceUpdate;
use crate::models::{contact, space, space_file};
use crate::startup::AppState;
use crate::storage::SpaceStore;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;
/// Files named on the delete confirmation; the rest are counted.
const NAMES_SHOWN: i64 = 100;

fn parse_path(path: &(String, String)) -> Result<(ContactId, SpaceId), AppError> {
    Ok((parse_id(&path.0)?, parse_space(&path.1)?))
}

/// `?after=<file name>`: the page of files after that name.
#[derive(Deserialize)]
pub struct FilesQuery {
    after: Option<String>,
}

/// What a space page shows besides its files.
#[derive(Default)]
pub struct SpaceExtras {
    /// Files after this name (pagination).
    pub after: Option<String>,
    /// The rename form, open.
    pub editing: Option<SpaceForm>,
    /// The last upload's problems.
    pub feedback: UploadFeedback,
}

/// Loads a space page and renders it.
#[expect(
    clippy::too_many_arguments,
    reason = "the request's parts, passed through"
)]
pub async fn render_space(
    user: &CurrentUser,
    session: &TypedSession,
    htmx: &Htmx,
    state: &AppState,
    id: ContactId,
    space_id: SpaceId,
    extras: SpaceExtras,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let after = extras.after.clone();
    let (found, counts, summary, files) = db::run(&state.pool, move |conn| {
        let found = contact::find(conn, id)?;
        let row = space::find_for_contact(conn, id, space_id)?;
        let summary = space::summary(conn, row)?;
        let files = space_file::list(conn, space_id, after.as_deref(), PAGE_SIZE + 1)?;
        let counts = tab_counts(conn, id)?;
        Ok((found, counts, summary, files))
    })
    .await?;
    let has_more = files.len() as i64 > PAGE_SIZE;
    let shown = &files[..files.len().min(PAGE_SIZE as usize)];
    let can_edit = user.can_edit();
    let mut view = SpaceView::new(id, &summary, shown, can_edit);
    let url = routes::space(id, space_id);
    view.more_url = shown
        .last()
        .filter(|_| has_more)
        .map(|last| routes::with_query(&url, &[("after", &last.path)]));
    view.first_url = extras.after.as_ref().map(|_| url.clone());
    view.editing = extras.editing.filter(|_| can_edit);
    if can_edit {
        let limit = state.settings.upload_limit_bytes;
        view.upload = Some(UploadForm {
            action: routes::space_upload(id, space_id),
            csrf_token: session.csrf_token(),
            limit_bytes: limit,
            limit_label: byte_size::human(limit as u64),
            max_files: MAX_FILES,
            feedback: extras.feedback,
        });
    }
    respond(
        user,
        session,
        htmx,
        &found,
        &counts,
        Panel::Space(Box::new(view)),
        status,
    )
}

/// `GET /contacts/{id}/spaces/{space}`.
pub async fn show(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<FilesQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, space_id) = parse_path(&path)?;
    let extras = SpaceExtras {
        after: query.into_inner().after.filter(|after| !after.is_empty()),
        ..SpaceExtras::default()
    };
    render_space(
        &user,
        &session,
        &htmx,
        &state,
        id,
        space_id,
        extras,
        StatusCode::OK,
    )
    .await
}

/// `GET /contacts/{id}/spaces/{space}/edit`: the space with its rename form open.
pub async fn edit(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, space_id) = parse_path(&path)?;
    let row = db::run(&state.pool, move |conn| {
        Ok(space::find_for_contact(conn, id, space_id)?)
    })
    .await?;
    let extras = SpaceExtras {
        editing: Some(SpaceForm::rename(id, &row, session.csrf_token())),
        ..SpaceExtras::default()
    };
    render_space(
        &user,
        &session,
        &htmx,
        &state,
        id,
        space_id,
        extras,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    version: String,
}

/// `POST /contacts/{id}/spaces/{space}`: renames the space and sets its description.
pub async fn update(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    HtmlForm(form): HtmlForm<RenameForm>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, space_id) = parse_path(&path)?;
    let version: i32 = form.version.parse().map_err(|_| {
        AppError::BadRequest("The form is missing its version; reload the page.".into())
    })?;
    let input = SpaceInput {
        name: form.name,
        description: form.description,
    };
    let draft = match input.validate() {
        Ok(draft) => draft,
        Err(errors) => {
            let row = db::run(&state.pool, move |conn| {
                Ok(space::find_for_contact(conn, id, space_id)?)
            })
            .await?;
            let mut form =
                SpaceForm::rename(id, &row, session.csrf_token()).with_input(&input, &errors);
            form.version = version;
            let extras = SpaceExtras {
                editing: Some(form),
                ..SpaceExtras::default()
            };
            return render_space(
                &user,
                &session,
                &htmx,
                &state,
                id,
                space_id,
                extras,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let actor = user.actor();
    let outcome = db::run(&state.pool, move |conn| {
        Ok(space::update(conn, id, space_id, version, &draft, &actor)?)
    })
    .await?;
    match outcome {
        SpaceUpdate::Saved(saved) | SpaceUpdate::Unchanged(saved) => {
            session.set_flash(
                FlashKind::Success,
                format!("Saved the space {}", saved.name),
            );
            Ok(render::redirect(&htmx, &routes::space(id, space_id)))
        }
        SpaceUpdate::Conflict(current) => {
            // Keep what was typed; saving again now knowingly replaces their values.
            let mut form = SpaceForm::rename(id, &current, session.csrf_token())
                .with_input(&input, &Default::default());
            form.conflict = Some((
                current.name.clone(),
                current.description.clone().unwrap_or_default(),
            ));
            let extras = SpaceExtras {
                editing: Some(form),
                ..SpaceExtras::default()
            };
            render_space(
                &user,
                &session,
                &htmx,
                &state,
                id,
                space_id,
                extras,
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}

/// `GET /contacts/{id}/spaces/{space}/delete`: what deleting the space takes with it.
pub async fn confirm_delete(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, space_id) = parse_path(&path)?;
    let (found, counts, summary, names) = db::run(&state.pool, move |conn| {
        let found = contact::find(conn, id)?;
        let row = space::find_for_contact(conn, id, space_id)?;
        let summary = space::summary(conn, row)?;
        let names = space_file::names(conn, space_id, NAMES_SHOWN)?;
        let counts = tab_counts(conn, id)?;
        Ok((found, counts, summary, names))
    })
    .await?;
    let view = DeleteSpaceView {
        name: summary.space.name.clone(),
        contents: if summary.file_count == 0 {
            "It has no files.".to_string()
        } else {
            format!(
                "Its {} ({}) will be deleted with it:",
                files_label(summary.file_count),
                byte_size::human(u64::try_from(summary.total_bytes).unwrap_or_default())
            )
        },
        more_files: summary.file_count - names.len() as i64,
        file_names: names,
        action: routes::space_delete(id, space_id),
        cancel_url: routes::space(id, space_id),
        csrf_token: session.csrf_token(),
    };
    respond(
        &user,
        &session,
        &htmx,
        &found,
        &counts,
        Panel::DeleteSpace(view),
        StatusCode::OK,
    )
}

/// `POST /contacts/{id}/spaces/{space}/delete`: deletes the space and its file rows in one
/// transaction, then the files on disk.
pub async fn delete(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, space_id) = parse_path(&path)?;
    let actor = user.actor();
    let store = SpaceStore::new(&state.settings.data_dir);
    let deleted = db::run(&state.pool, move |conn| {
        Ok(space::delete(conn, id, space_id, &actor)?)
    })
    .await?;
    // Committed: the bytes can go, without holding a connection. A blocking task runs to the
    // end even if the client leaves meanwhile.
    let keys = deleted.storage_keys.clone();
    web::block(move || store.remove_space(space_id, &keys)).await?;
    let files = match deleted.file_names.len() {
        0 => String::new(),
        n => format!(" and its {}", files_label(n as i64)),
    };
    session.set_flash(
        FlashKind::Success,
        format!("Deleted the space {}{files}", deleted.space.name),
    );
    Ok(render::redirect(&htmx, &routes::contact_spaces(id)))
}
