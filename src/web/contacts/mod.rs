//! The contacts pages: list and search, Create Contact, import, the profile with its tabs,
//! delete.

pub mod create;
pub mod delete;
pub mod form_view;
pub mod import;
pub mod list;
pub mod profile;

use actix_web::web;

pub fn register(config: &mut web::ServiceConfig) {
    config
        .route("/contacts", web::get().to(list::list))
        .route("/contacts/new", web::get().to(create::show_form))
        .route("/contacts/new", web::post().to(create::submit))
        .configure(import::register)
        .route("/contacts/{id}/delete", web::get().to(delete::confirm))
        .route("/contacts/{id}/delete", web::post().to(delete::delete))
        .configure(profile::register);
}
