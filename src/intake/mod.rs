//! Intake: what arrives through integrations (email, the website widget) and the agent
//! webhook that answers it.

pub mod webhook;

use crate::models::integration::Integration;
use crate::models::webhook_delivery;
use diesel::{PgConnection, QueryResult};

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
