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

use super::tab::profile_tab;
use actix_web::web;
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

profile_tab!(Panel, panel, "contacts/profile/spaces/index.html");
