//! `/contacts/{id}/spaces/{space}`: one space's files and upload form; renaming it; deleting
//! it after a confirmation that lists what goes.

use super::super::tab::Profile;
use super::SLUG;
use super::receive::MAX_FILES;
use super::views::{
    DeleteSpaceView, Panel, SpaceForm, SpaceView, UploadFeedback, UploadForm, files_label,
};
use crate::domain::space_draft::SpaceInput;
use crate::domain::{ContactId, SpaceId, byte_size};
use crate::error::AppError;
use crate::models::space::{self, SpaceUpdate};
use crate::models::space_file;
use crate::storage::SpaceStore;
use crate::web::context::{Dashboard, Editor};
use crate::web::forms::HtmlForm;
use crate::web::routes;
use crate::web::session::FlashKind;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;
/// Files named on the delete confirmation; the rest are counted.
const NAMES_SHOWN: i64 = 100;

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

impl Dashboard {
    /// Loads a space page and renders it.
    pub(super) async fn space_page(
        &self,
        id: ContactId,
        space_id: SpaceId,
        extras: SpaceExtras,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        let after = extras.after.clone();
        let (profile, summary, files) = self
            .db
            .read(move |conn| {
                let profile = Profile::load(conn, id)?;
                let row = space::find_for_contact(conn, id, space_id)?;
                let summary = space::summary(conn, row)?;
                let files = space_file::list(conn, space_id, after.as_deref(), PAGE_SIZE + 1)?;
                Ok((profile, summary, files))
            })
            .await?;
        let has_more = files.len() as i64 > PAGE_SIZE;
        let shown = &files[..files.len().min(PAGE_SIZE as usize)];
        let can_edit = self.can_edit();
        let mut view = SpaceView::new(id, &summary, shown, can_edit);
        let url = routes::space(id, space_id);
        view.more_url = shown
            .last()
            .filter(|_| has_more)
            .map(|last| routes::with_query(&url, &[("after", &last.path)]));
        view.first_url = extras.after.as_ref().map(|_| url.clone());
        view.editing = extras.editing.filter(|_| can_edit);
        if can_edit {
            let limit = self.state.settings.upload_limit_bytes;
            view.upload = Some(UploadForm {
                action: routes::space_upload(id, space_id),
                csrf_token: self.csrf_token(),
                limit_bytes: limit,
                limit_label: byte_size::human(limit as u64),
                max_files: MAX_FILES,
                feedback: extras.feedback,
            });
        }
        self.profile_tab(status, &profile, SLUG, Panel::Space(Box::new(view)))
    }
}

/// The space, or 404.
async fn find(ctx: &Dashboard, id: ContactId, space_id: SpaceId) -> Result<space::Space, AppError> {
    ctx.db
        .read(move |conn| Ok(space::find_for_contact(conn, id, space_id)?))
        .await
}

/// `GET /contacts/{id}/spaces/{space}`.
pub async fn show(
    ctx: Dashboard,
    path: web::Path<(ContactId, SpaceId)>,
    query: web::Query<FilesQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, space_id) = path.into_inner();
    let extras = SpaceExtras {
        after: query.into_inner().after.filter(|after| !after.is_empty()),
        ..SpaceExtras::default()
    };
    ctx.space_page(id, space_id, extras, StatusCode::OK).await
}

/// `GET /contacts/{id}/spaces/{space}/edit`: the space with its rename form open.
pub async fn edit(
    ctx: Editor,
    path: web::Path<(ContactId, SpaceId)>,
) -> Result<HttpResponse, AppError> {
    let (id, space_id) = path.into_inner();
    let row = find(&ctx, id, space_id).await?;
    let extras = SpaceExtras {
        editing: Some(SpaceForm::rename(id, &row, ctx.csrf_token())),
        ..SpaceExtras::default()
    };
    ctx.space_page(id, space_id, extras, StatusCode::OK).await
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
    ctx: Editor,
    path: web::Path<(ContactId, SpaceId)>,
    HtmlForm(form): HtmlForm<RenameForm>,
) -> Result<HttpResponse, AppError> {
    let (id, space_id) = path.into_inner();
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
            let row = find(&ctx, id, space_id).await?;
            let mut form =
                SpaceForm::rename(id, &row, ctx.csrf_token()).with_input(&input, &errors);
            form.version = version;
            let extras = SpaceExtras {
                editing: Some(form),
                ..SpaceExtras::default()
            };
            return ctx
                .space_page(id, space_id, extras, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    let actor = ctx.actor();
    let outcome = ctx
        .db
        .write(move |conn| Ok(space::update(conn, id, space_id, version, &draft, &actor)?))
        .await?;
    match outcome {
        SpaceUpdate::Saved(saved) | SpaceUpdate::Unchanged(saved) => Ok(ctx.redirect_with_notice(
            FlashKind::Success,
            format!("Saved the space {}", saved.name),
            &routes::space(id, space_id),
        )),
        SpaceUpdate::Conflict(current) => {
            // Keep what was typed; saving again now knowingly replaces their values.
            let mut form = SpaceForm::rename(id, &current, ctx.csrf_token())
                .with_input(&input, &Default::default());
            form.conflict = Some((
                current.name.clone(),
                current.description.clone().unwrap_or_default(),
            ));
            let extras = SpaceExtras {
                editing: Some(form),
                ..SpaceExtras::default()
            };
            ctx.space_page(id, space_id, extras, StatusCode::CONFLICT)
                .await
        }
    }
}

/// `GET /contacts/{id}/spaces/{space}/delete`: what deleting the space takes with it.
pub async fn confirm_delete(
    ctx: Editor,
    path: web::Path<(ContactId, SpaceId)>,
) -> Result<HttpResponse, AppError> {
    let (id, space_id) = path.into_inner();
    let (profile, summary, names) = ctx
        .db
        .read(move |conn| {
            let profile = Profile::load(conn, id)?;
            let row = space::find_for_contact(conn, id, space_id)?;
            let summary = space::summary(conn, row)?;
            let names = space_file::names(conn, space_id, NAMES_SHOWN)?;
            Ok((profile, summary, names))
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
        csrf_token: ctx.csrf_token(),
    };
    ctx.profile_tab(StatusCode::OK, &profile, SLUG, Panel::DeleteSpace(view))
}

/// `POST /contacts/{id}/spaces/{space}/delete`: deletes the space and its file rows in one
/// transaction, then the files on disk.
pub async fn delete(
    ctx: Editor,
    path: web::Path<(ContactId, SpaceId)>,
) -> Result<HttpResponse, AppError> {
    let (id, space_id) = path.into_inner();
    let actor = ctx.actor();
    let store = SpaceStore::new(&ctx.state.settings.data_dir);
    let deleted = ctx
        .db
        .write(move |conn| Ok(space::delete(conn, id, space_id, &actor)?))
        .await?;
    // Committed: the bytes can go, without holding a connection. A blocking task runs to the
    // end even if the client leaves meanwhile.
    ctx.db.release();
    let keys = deleted.storage_keys.clone();
    web::block(move || store.remove_space(space_id, &keys)).await?;
    let files = match deleted.file_names.len() {
        0 => String::new(),
        n => format!(" and its {}", files_label(n as i64)),
    };
    Ok(ctx.redirect_with_notice(
        FlashKind::Success,
        format!("Deleted the space {}{files}", deleted.space.name),
        &routes::contact_spaces(id),
    ))
}
