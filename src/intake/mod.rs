//! Intake: contacts and conversations that arrive on their own, through an email
//! integration or the website widget (DESIGN.md §6), and the agent webhook that answers
//! them. Handlers stay thin; each concept has its own module.

pub mod email;
pub mod webhook;
pub mod widget;

use actix_web::web;

/// The intake endpoints that are not API-token endpoints (they authenticate with an
/// integration's own credentials). Registered before the API's scopes.
pub fn register(config: &mut web::ServiceConfig) {
    email::endpoint::register(config);
}
