//! The contacts pages: list and search, Create Contact, the profile with its tabs, delete.

pub mod create;
pub mod delete;
pub mod form_view;
pub mod list;
pub mod profile;

use crate::db;
use crate::domain::ContactId;
use crate::error::AppError;
use crate::models::{Contact, contact};
use crate::startup::AppState;
use actix_web::web;

pub fn register(config: &mut web::ServiceConfig) {
    config
        .route("/contacts", web::get().to(list::list))
        .route("/contacts/new", web::get().to(create::show_form))
        .route("/contacts/new", web::post().to(create::submit))
        .route("/contacts/{id}/delete", web::get().to(delete::confirm))
        .route("/contacts/{id}/delete", web::post().to(delete::delete))
        .configure(profile::register);
}

/// Reads `{id}` from a path; anything that is not a positive number is simply not found.
pub fn parse_id(raw: &str) -> Result<ContactId, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(ContactId)
        .ok_or(AppError::NotFound)
}

/// Loads a contact or answers 404.
pub async fn load(state: &AppState, id: ContactId) -> Result<Contact, AppError> {
    db::run(&state.pool, move |conn| Ok(contact::find(conn, id)?)).await
}
