//! The contacts pages: list and search (and its export), Create Contact, import, the profile
//! with its tabs, delete, Trash, and personal data (export and erase).

pub mod create;
pub mod delete;
pub mod export;
pub mod form_view;
pub mod import;
pub mod list;
pub mod personal_data;
pub mod profile;
pub mod trash;

use actix_web::web;

pub fn register(config: &mut web::ServiceConfig) {
    config
        .route("/contacts", web::get().to(list::list))
        .route("/contacts/export", web::get().to(export::export))
        .route("/contacts/new", web::get().to(create::show_form))
        .route("/contacts/new", web::post().to(create::submit))
        .configure(import::register)
        .route("/contacts/{id}/delete", web::get().to(delete::confirm))
        .route("/contacts/{id}/delete", web::post().to(delete::delete))
        // Before the profile's `/contacts/{id}`, which would read "trash" as an id.
        .route("/contacts/trash", web::get().to(trash::list))
        .route("/contacts/{id}/restore", web::post().to(trash::restore))
        .route("/contacts/{id}/purge", web::get().to(trash::confirm_purge))
        .route("/contacts/{id}/purge", web::post().to(trash::purge))
        .route(
            "/contacts/{id}/personal-data/export",
            web::post().to(personal_data::export),
        )
        .route(
            "/contacts/{id}/personal-data/erase",
            web::get().to(personal_data::confirm_erase),
        )
        .route(
            "/contacts/{id}/personal-data/erase",
            web::post().to(personal_data::erase),
        )
        .configure(profile::register);
}
