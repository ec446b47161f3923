//! The Spaces tab: a contact's spaces (named folders of files), each with its own page where
//! files are uploaded, listed, downloaded and deleted.
//!
//! Every URL renders inside the profile: the whole page on a direct visit, only the tab
//! (`#profile-tabs`) for htmx. Writes answer a failed form with the form (422, or 409 when
//! someone else saved first) and a success with a redirect and a notice. Bytes live on disk
//! (`crate::storage`); rows and audit entries in one transaction each.

pub mod files;
pub mod list;
pub mod receive;
pub mod space;
pub mod upload;
pub mod views;

use super::super::super::current_user::CurrentUser;
use super::super::super::htmx::Htmx;
use super::super::super::layout::{PageContext, Section};
use super::super::super::render;
use super::super::super::session::TypedSession;
use super::super::parse_id;
use super::ProfileView;
use crate::domain::{ContactId, SpaceFileId, SpaceId};
use crate::error::AppError;
use crate::models::Contact;
use crate::models::space as space_rows;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use views::Panel;

/// The tab's slug in [`super::TABS`].
pub const SLUG: &str = "spaces";

pub fn register(config: &mut web::ServiceConfig) {
    config
        .route("/contacts/{id}/spaces", web::get().to(list::show))
        .route("/contacts/{id}/spaces", web::post().to(list::create))
        .route("/contacts/{id}/spaces/{space}", web::get().to(space::show))
        .route(
            "/contacts/{id}/spaces/{space}",
            web::post().to(space::update),
        )
        .route(
            "/contacts/{id}/spaces/{space}/edit",
            web::get().to(space::edit),
        )
        .route(
            "/contacts/{id}/spaces/{space}/delete",
            web::get().to(space::confirm_delete),
        )
        .route(
            "/contacts/{id}/spaces/{space}/delete",
            web::post().to(space::delete),
        )
        .route(
            "/contacts/{id}/spaces/{space}/files",
            web::get().to(files::index),
        )
        .route(
            "/contacts/{id}/spaces/{space}/files",
            web::post().to(upload::upload),
        )
        .route(
            "/contacts/{id}/spaces/{space}/files/{file}",
            web::get().to(files::download),
        )
        .route(
            "/contacts/{id}/spaces/{space}/files/{file}/delete",
            web::get().to(files::confirm_delete),
        )
        .route(
            "/contacts/{id}/spaces/{space}/files/{file}/delete",
            web::post().to(files::delete),
        );
}

/// The Spaces tab's count.
pub fn count(connection: &mut diesel::PgConnection, id: ContactId) -> diesel::QueryResult<i64> {
    space_rows::count_for_contact(connection, id)
}

/// `{space}` of a path; anything but a positive number is not found.
fn parse_space(raw: &str) -> Result<SpaceId, AppError> {
    parse_id(raw).map(|id| SpaceId(id.0))
}

fn parse_file(raw: &str) -> Result<SpaceFileId, AppError> {
    parse_id(raw).map(|id| SpaceFileId(id.0))
}

#[derive(Template)]
#[template(path = "contacts/profile/spaces.html")]
struct SpacesPage {
    page: PageContext,
    profile: ProfileView,
    panel: Panel,
}

#[derive(Template)]
#[template(path = "contacts/profile/spaces.html", block = "tabs")]
struct SpacesTabs {
    profile: ProfileView,
    panel: Panel,
}

/// Renders a panel of the tab: only the tab for htmx requests aimed at it, the whole
/// profile page otherwise.
fn respond(
    user: &CurrentUser,
    session: &TypedSession,
    htmx: &Htmx,
    contact: &Contact,
    counts: &[Option<i64>],
    panel: Panel,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let profile = ProfileView::new(contact, SLUG, counts, user.can_edit());
    if htmx.targets("profile-tabs") {
        render::html(status, &SpacesTabs { profile, panel })
    } else {
        let page = PageContext::signed_in(user, session, Section::Contacts);
        render::html(
            status,
            &SpacesPage {
                page,
                profile,
                panel,
            },
        )
    }
}
