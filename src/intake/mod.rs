//! Intake: contacts and conversations that arrive on their own, through an email
//! integration or the website widget (DESIGN.md §6). Handlers stay thin; each concept has
//! its own module.

pub mod email;

use crate::models::integration::Integration;
use actix_web::web;
use diesel::PgConnection;
use diesel::QueryResult;

/// The intake endpoints that are not API-token endpoints (they authenticate with an
/// integration's own credentials). Registered before the API's scopes.
pub fn register(config: &mut web::ServiceConfig) {
    email::endpoint::register(config);
}

/// Called after a user message from an integration was stored, inside the transaction that
/// stored it: this is where the agent webhook's delivery is queued (so a message that rolls
/// back is never announced, and one that commits always is). Integrations without an agent
/// webhook are skipped by it.
///
/// It does nothing yet; the agent webhook (issue 5, "Agent webhook") fills it in.
pub fn notify_agent(
    conn: &mut PgConnection,
    integration: &Integration,
    conversation_id: i64,
    message_id: i64,
) -> QueryResult<()> {
    let _ = (conn, integration, conversation_id, message_id);
    Ok(())
}
