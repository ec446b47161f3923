//! Intake: contacts and conversations that arrive through integrations — the email
//! integration and the website widget (DESIGN.md §6) — and the agent webhook that answers
//! them. Handlers stay thin; each concept has its own module.

pub mod widget;

use crate::models::integration::Integration;
use diesel::PgConnection;
use diesel::QueryResult;

/// Called after a user message arriving through `integration` is stored, inside the same
/// transaction: the agent webhook queues its delivery here (when the integration has a
/// webhook URL). Until the webhook module implements it, nothing happens.
pub fn notify_agent(
    conn: &mut PgConnection,
    integration: &Integration,
    conversation_id: i64,
    message_id: i64,
) -> QueryResult<()> {
    let _ = (conn, integration, conversation_id, message_id);
    Ok(())
}
