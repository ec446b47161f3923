//! The agent webhook's outbox (`webhook_deliveries`): queued with the user message, claimed by
//! workers, finished as delivered (with the agent's reply stored) or failed after the last
//! retry.
//!
//! Claiming takes due rows with `FOR UPDATE SKIP LOCKED`, counts the attempt and pushes
//! `next_attempt_at` out by a lease, all in one statement, so several server processes share
//! the queue without sending a message twice at once, and an attempt lost with a crashed
//! process is retried once its lease runs out. Finishing an attempt checks the row is still
//! the one claimed (`attempts` unchanged, still pending), so a late worker whose lease ran out
//! cannot overwrite a newer outcome.

use super::integration::Integration;
use super::schema::webhook_deliveries;
use crate::domain::{ConversationId, IntegrationId, MessageId, WebhookDeliveryId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Timestamptz};

/// The channel a new delivery is announced on (`NOTIFY`, sent at commit).
pub const CHANNEL: &str = "rapport_webhook_deliveries";

/// `status` values.
pub mod status {
    pub const PENDING: &str = "pending";
    pub const DELIVERED: &str = "delivered";
    pub const FAILED: &str = "failed";
}

#[derive(Queryable, QueryableByName, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = webhook_deliveries)]
pub struct WebhookDelivery {
    pub id: WebhookDeliveryId,
    pub integration_id: IntegrationId,
    pub conversation_id: ConversationId,
    pub message_id: MessageId,
    pub status: String,
    /// Attempts made so far, counting the one in progress.
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub last_status: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl WebhookDelivery {
    pub fn is_pending(&self) -> bool {
        self.status == status::PENDING
    }

    pub fn is_failed(&self) -> bool {
        self.status == status::FAILED
    }
}

/// Asks the integration's agent to answer a user message just stored: when the integration
/// has an agent webhook, queues a delivery of `message_id` in `conversation_id`. Call it
/// inside the transaction that stored the message, so both commit (or neither does); the
/// delivery worker is woken at commit. Without a webhook URL this does nothing.
pub fn notify_agent(
    connection: &mut PgConnection,
    integration: &Integration,
    conversation_id: ConversationId,
    message_id: MessageId,
) -> QueryResult<()> {
    if integration.agent_webhook_url.is_none() {
        return Ok(());
    }
    enqueue(connection, integration.id, conversation_id, message_id)
}

/// Subscribes `connection` to the announcements [`enqueue`] sends, for the worker's
/// dedicated listening connection.
pub fn listen(connection: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(connection)?;
    Ok(())
}

/// Queues a delivery of `message_id` and announces it to the workers; the announcement is
/// sent only if the surrounding transaction commits. Queuing a message twice does nothing.
pub fn enqueue(
    connection: &mut PgConnection,
    integration_id: IntegrationId,
    conversation_id: ConversationId,
    message_id: MessageId,
) -> QueryResult<()> {
    diesel::insert_into(webhook_deliveries::table)
        .values((
            webhook_deliveries::integration_id.eq(integration_id),
            webhook_deliveries::conversation_id.eq(conversation_id),
            webhook_deliveries::message_id.eq(message_id),
        ))
        .on_conflict(webhook_deliveries::message_id)
        .do_nothing()
        .execute(connection)?;
    diesel::sql_query(format!("NOTIFY {CHANNEL}")).execute(connection)?;
    Ok(())
}

/// Claims up to `limit` due deliveries for one attempt each: counts the attempt and leases
/// the row until `now + lease`.
pub fn claim_due(
    connection: &mut PgConnection,
    now: DateTime<Utc>,
    lease: std::time::Duration,
    limit: i64,
) -> QueryResult<Vec<WebhookDelivery>> {
    let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
    diesel::sql_query(
        "UPDATE webhook_deliveries d \
            SET attempts = d.attempts + 1, \
                next_attempt_at = $1 + $3 * interval '1 millisecond' \
          WHERE d.id IN ( \
                SELECT id FROM webhook_deliveries \
                 WHERE status = 'pending' AND next_attempt_at <= $1 \
                 ORDER BY next_attempt_at, id \
                 LIMIT $2 \
                   FOR UPDATE SKIP LOCKED) \
         RETURNING d.*",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(limit)
    .bind::<BigInt, _>(lease_ms)
    .load(connection)
}

/// When the next pending delivery falls due (possibly already), if any.
pub fn next_due_at(connection: &mut PgConnection) -> QueryResult<Option<DateTime<Utc>>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(status::PENDING))
        .select(diesel::dsl::min(webhook_deliveries::next_attempt_at))
        .first(connection)
}

/// Locks a claimed delivery if it is still as claimed (pending, same attempt); `None` when
/// another worker has moved it on since. Call inside a transaction.
pub fn lock_claimed(
    connection: &mut PgConnection,
    claimed: &WebhookDelivery,
) -> QueryResult<Option<WebhookDelivery>> {
    webhook_deliveries::table
        .find(claimed.id)
        .filter(webhook_deliveries::status.eq(status::PENDING))
        .filter(webhook_deliveries::attempts.eq(claimed.attempts))
        .select(WebhookDelivery::as_select())
        .for_update()
        .first(connection)
        .optional()
}

/// Marks a claimed delivery delivered (inside the transaction that stored the answer, after
/// [`lock_claimed`]).
pub fn mark_delivered(
    connection: &mut PgConnection,
    claimed: &WebhookDelivery,
    http_status: Option<i32>,
) -> QueryResult<()> {
    diesel::update(webhook_deliveries::table.find(claimed.id))
        .set((
            webhook_deliveries::status.eq(status::DELIVERED),
            webhook_deliveries::last_status.eq(http_status),
            webhook_deliveries::last_error.eq(None::<String>),
        ))
        .execute(connection)?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or failed for good when `None`. Does
/// nothing (and answers `false`) if the delivery is no longer as claimed.
pub fn record_failure(
    connection: &mut PgConnection,
    claimed: &WebhookDelivery,
    http_status: Option<i32>,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> QueryResult<bool> {
    let target = webhook_deliveries::table
        .find(claimed.id)
        .filter(webhook_deliveries::status.eq(status::PENDING))
        .filter(webhook_deliveries::attempts.eq(claimed.attempts));
    let changed = match retry_at {
        Some(at) => diesel::update(target)
            .set((
                webhook_deliveries::next_attempt_at.eq(at),
                webhook_deliveries::last_error.eq(error),
                webhook_deliveries::last_status.eq(http_status),
            ))
            .execute(connection)?,
        None => diesel::update(target)
            .set((
                webhook_deliveries::status.eq(status::FAILED),
                webhook_deliveries::last_error.eq(error),
                webhook_deliveries::last_status.eq(http_status),
            ))
            .execute(connection)?,
    };
    Ok(changed == 1)
}

/// Deliveries of a conversation the agent did not answer: failed ones and pending ones that
/// failed at least once, newest first.
pub fn problems_for_conversation(
    connection: &mut PgConnection,
    conversation_id: ConversationId,
    limit: i64,
) -> QueryResult<Vec<WebhookDelivery>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::conversation_id.eq(conversation_id))
        .filter(
            webhook_deliveries::status
                .eq(status::FAILED)
                .or(webhook_deliveries::status
                    .eq(status::PENDING)
                    .and(webhook_deliveries::last_error.is_not_null())),
        )
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select(WebhookDelivery::as_select())
        .load(connection)
}

/// All deliveries of a conversation, oldest first (tests and diagnostics).
pub fn for_conversation(
    connection: &mut PgConnection,
    conversation_id: ConversationId,
) -> QueryResult<Vec<WebhookDelivery>> {
    webhook_deliveries::table
        .filter(webhook_deliveries::conversation_id.eq(conversation_id))
        .order(webhook_deliveries::id)
        .select(WebhookDelivery::as_select())
        .load(connection)
}
