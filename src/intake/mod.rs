//! Intake: contacts and conversations that arrive on their own, through an email
//! integration or the website widget (DESIGN.md §6), and the agent webhook that answers
//! them. Handlers stay thin; each concept has its own module.

pub mod email;
pub mod webhook;
pub mod widget;

use crate::models::integration::Integration;
use crate::models::webhook_delivery;
use actix_web::web;
use diesel::{PgConnection, QueryResult};

/// The intake endpoints that are not API-token endpoints (they authenticate with an
/// integration's own credentials). Registered before the API's scopes.
pub fn register(config: &mut web::ServiceConfig) {
    email::endpoint::register(config);
}

/// Asks the integration's agent to answer a user message just stored: when the integration
/// has an agent webhook, queues a delivery of `message_id` in `conversation_id`. Call it
/// inside the transaction that stored the message, so both commit (or neither does); the
/// delivery worker is woken at commit. Without a webhook URL this does nothing.
pub fn notify_agent(
    conn: &mut PgConnection,
    integration: &Integration,
    conversation_id: i64,
    message_id: i64,
) -> QueryResult<()> {
    if integration.agent_webhook_url.is_none() {
        return Ok(());
    }
    webhook_delivery::enqueue(conn, integration.id, conversation_id, message_id)
}
