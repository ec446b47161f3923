//! Storing what an agent webhook answered: the reply as a bot message, the memories on the
//! contact (audited as the integration), and the delivery marked delivered, in one
//! transaction. Also the reads the delivery worker needs around it (the conversation's
//! earlier messages, its email thread) and the after-the-fact note on how an email reply went.

use super::audit::Actor;
use super::memory;
use super::message::Message;
use super::schema::messages;
use super::webhook_delivery::{self, WebhookDelivery};
use crate::domain::conversation::MessageRole;
use crate::domain::{ContactId, ConversationId, MessageId};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Jsonb};
use serde_json::Value;

/// An answer, already checked (see `intake::webhook::reply`).
pub struct Answer<'a> {
    pub reply: Option<&'a str>,
    pub memories: &'a [String],
    pub http_status: Option<i32>,
    /// The bot message's meta.
    pub meta: Value,
    /// The bot message's Message-ID, when it goes out by email.
    pub external_id: Option<String>,
    /// The meta of each memory stored (`{}`, or how it came about).
    pub memory_meta: Value,
    /// Whether the memories are confirmed, or wait for staff (the writer only claimed the
    /// contact).
    pub memory_origin: memory::Origin,
}

/// What was stored.
#[derive(Debug)]
pub struct Stored {
    pub message: Option<Message>,
    pub memories: usize,
}

/// Stores `answer` for a claimed delivery, or does nothing and answers `None` when the
/// delivery has moved on since it was claimed (another worker took it over).
pub fn store(
    connection: &mut PgConnection,
    claimed: &WebhookDelivery,
    contact_id: Option<ContactId>,
    answer: &Answer<'_>,
    actor: &Actor,
) -> QueryResult<Option<Stored>> {
    connection.transaction(|connection| {
        if webhook_delivery::lock_claimed(connection, claimed)?.is_none() {
            return Ok(None);
        }
        let message = match answer.reply {
            Some(text) => Some(
                diesel::insert_into(messages::table)
                    .values((
                        messages::conversation_id.eq(claimed.conversation_id),
                        messages::role.eq(MessageRole::Bot.as_str()),
                        messages::text.eq(text),
                        messages::meta.eq(&answer.meta),
                        messages::external_id.eq(answer.external_id.as_deref()),
                    ))
                    .returning(Message::as_returning())
                    .get_result(connection)?,
            ),
            None => None,
        };
        let mut stored_memories = 0;
        if let Some(contact_id) = contact_id {
            for text in answer.memories {
                memory::create_with(
                    connection,
                    contact_id,
                    text,
                    &answer.memory_meta,
                    answer.memory_origin,
                    actor,
                )?;
                stored_memories += 1;
            }
        }
        webhook_delivery::mark_delivered(connection, claimed, answer.http_status)?;
        Ok(Some(Stored {
            message,
            memories: stored_memories,
        }))
    })
}

/// The messages before `message_id` in its conversation, oldest first, at most `limit`.
pub fn history(
    connection: &mut PgConnection,
    conversation_id: ConversationId,
    message_id: MessageId,
    limit: i64,
) -> QueryResult<Vec<Message>> {
    let mut rows: Vec<Message> = messages::table
        .filter(messages::conversation_id.eq(conversation_id))
        .filter(messages::id.lt(message_id))
        .order(messages::id.desc())
        .limit(limit)
        .select(Message::as_select())
        .load(connection)?;
    rows.reverse();
    Ok(rows)
}

/// The Message-IDs of a conversation's messages, oldest first, the newest `limit` of them.
pub fn thread_ids(
    connection: &mut PgConnection,
    conversation_id: ConversationId,
    limit: i64,
) -> QueryResult<Vec<String>> {
    let mut ids: Vec<Option<String>> = messages::table
        .filter(messages::conversation_id.eq(conversation_id))
        .filter(messages::external_id.is_not_null())
        .order(messages::id.desc())
        .limit(limit)
        .select(messages::external_id)
        .load(connection)?;
    ids.reverse();
    Ok(ids.into_iter().flatten().collect())
}

/// The Message-ID of one message, if it has one.
pub fn external_id(
    connection: &mut PgConnection,
    message_id: MessageId,
) -> QueryResult<Option<String>> {
    messages::table
        .find(message_id)
        .select(messages::external_id)
        .first(connection)
}

/// Merges `patch` into a message's meta (top-level keys replaced), e.g. how an email reply
/// went once it was sent.
pub fn merge_meta(
    connection: &mut PgConnection,
    message_id: MessageId,
    patch: &Value,
) -> QueryResult<()> {
    diesel::sql_query("UPDATE messages SET meta = meta || $1 WHERE id = $2")
        .bind::<Jsonb, _>(patch)
        .bind::<BigInt, _>(message_id)
        .execute(connection)?;
    Ok(())
}
