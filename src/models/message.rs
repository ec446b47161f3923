//! Messages of a conversation: windows of a transcript (the latest, or around a position),
//! staff notes added from the dashboard and messages added through the API.

use super::audit::{self, Actor, Changes, Subject};
use super::conversation::Conversation;
use super::keyset::{self, Page};
use super::schema::messages;
use crate::domain::conversation::MessageRole;
use crate::domain::{ConversationId, MessageId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};

/// The audit trail's name for this entity.
pub const ENTITY: &str = "message";

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = messages)]
pub struct Message {
    pub id: MessageId,
    pub conversation_id: ConversationId,
    pub role: String,
    pub text: String,
    pub meta: Value,
    pub created_at: DateTime<Utc>,
}

impl Message {
    pub fn role(&self) -> Option<MessageRole> {
        self.role.parse().ok()
    }

    /// Who wrote a staff message, as recorded when it was added.
    pub fn author(&self) -> Option<&str> {
        self.meta.get("author").and_then(Value::as_str)
    }
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = messages)]
pub struct NewMessage {
    pub conversation_id: ConversationId,
    pub role: String,
    pub text: String,
    pub meta: Value,
    /// `None` means now.
    pub created_at: Option<DateTime<Utc>>,
}

/// One message by id.
pub fn find(connection: &mut PgConnection, id: MessageId) -> QueryResult<Message> {
    messages::table
        .find(id)
        .select(Message::as_select())
        .first(connection)
}

/// Stores messages that arrived through a channel, in order. Not audited: they are the record
/// itself. The conversation's count and last activity follow by trigger.
/// A page of a conversation's messages in creation order, each with when it was last changed
/// (the API's list).
pub fn keyset_page(
    connection: &mut PgConnection,
    conversation_id: ConversationId,
    page: &Page,
) -> QueryResult<Vec<(Message, DateTime<Utc>)>> {
    let query = messages::table
        .filter(messages::conversation_id.eq(conversation_id))
        .select((Message::as_select(), messages::updated_at))
        .into_boxed();
    keyset::load(connection, messages::table, query, page)
}

/// Whether the message `message_id` is one of the conversation's.
pub fn is_in_conversation(
    connection: &mut PgConnection,
    conversation_id: ConversationId,
    message_id: MessageId,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        messages::table
            .find(message_id)
            .filter(messages::conversation_id.eq(conversation_id)),
    ))
    .get_result(connection)
}

pub fn insert_all(connection: &mut PgConnection, rows: &[NewMessage]) -> QueryResult<Vec<Message>> {
    diesel::insert_into(messages::table)
        .values(rows)
        .returning(Message::as_returning())
        .get_results(connection)
}

/// Appends a staff message to a conversation, audited on the conversation's contact.
pub fn add_staff(
    connection: &mut PgConnection,
    conversation: &Conversation,
    text: String,
    actor: &Actor,
) -> QueryResult<Message> {
    add(connection, conversation, MessageRole::Staff, text, actor)
}

/// A new message of `role` (already validated): a staff message records who wrote it.
pub fn new_row(
    conversation: &Conversation,
    role: MessageRole,
    text: String,
    actor: &Actor,
) -> NewMessage {
    let meta = match role {
        MessageRole::Staff => json!({ "author": actor.name() }),
        _ => json!({}),
    };
    NewMessage {
        conversation_id: conversation.id,
        role: role.as_str().to_string(),
        text,
        meta,
        created_at: None,
    }
}

/// Appends a message to a conversation (a staff note from the dashboard, any role from the
/// API), audited on the conversation's contact.
pub fn add(
    connection: &mut PgConnection,
    conversation: &Conversation,
    role: MessageRole,
    text: String,
    actor: &Actor,
) -> QueryResult<Message> {
    connection.transaction(|connection| {
        let added: Message = diesel::insert_into(messages::table)
            .values(new_row(conversation, role, text, actor))
            .returning(Message::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes.field("conversation", Value::Null, Value::from(conversation.id.0));
        if role != MessageRole::Staff {
            changes.field("type", Value::Null, Value::String(added.role.clone()));
        }
        changes.field("text", Value::Null, Value::String(added.text.clone()));
        audit::record(
            connection,
            actor,
            "create",
            Subject::of_contact(ENTITY, added.id, conversation.contact_id),
            changes,
        )?;
        Ok(added)
    })
}

/// The message a conversation without a subject is named after: the first one that is not
/// context for the bot, else the very first.
pub fn opening(
    connection: &mut PgConnection,
    conversation: ConversationId,
) -> QueryResult<Option<String>> {
    let first = |connection: &mut PgConnection, skip_context: bool| {
        let mut query = messages::table
            .filter(messages::conversation_id.eq(conversation))
            .order(messages::id)
            .select(messages::text)
            .into_boxed();
        if skip_context {
            query = query.filter(messages::role.ne(MessageRole::Context.as_str()));
        }
        query.first::<String>(connection).optional()
    };
    match first(connection, true)? {
        Some(text) => Ok(Some(text)),
        None => first(connection, false),
    }
}

/// Which part of a transcript to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Window {
    /// The newest messages.
    #[default]
    Latest,
    /// Messages older than this id ("Earlier messages").
    Before(MessageId),
    /// Messages newer than this id ("Later messages").
    After(MessageId),
    /// This message with some before and after it (a link from a rating).
    Around(MessageId),
}

/// Consecutive messages, oldest first, and whether there are more on either side.
#[derive(Debug, Clone, Default)]
pub struct MessageWindow {
    pub messages: Vec<Message>,
    pub has_earlier: bool,
    pub has_later: bool,
}

/// Up to `size` messages of a conversation. Each side is one range scan on
/// `messages_conversation_idx`, whatever the transcript's length.
pub fn window(
    connection: &mut PgConnection,
    conversation: ConversationId,
    window: Window,
    size: i64,
) -> QueryResult<MessageWindow> {
    let size = size.max(2);
    let of_conversation = || {
        messages::table
            .filter(messages::conversation_id.eq(conversation))
            .select(Message::as_select())
    };
    // Newest-first up to (and including, when `inclusive`) `bound`, reversed afterwards.
    let older =
        |connection: &mut PgConnection, bound: Option<MessageId>, inclusive: bool, n: i64| {
            let mut query = of_conversation()
                .order(messages::id.desc())
                .limit(n + 1)
                .into_boxed();
            query = match (bound, inclusive) {
                (Some(id), true) => query.filter(messages::id.le(id)),
                (Some(id), false) => query.filter(messages::id.lt(id)),
                (None, _) => query,
            };
            let mut rows: Vec<Message> = query.load(connection)?;
            let more = rows.len() as i64 > n;
            rows.truncate(n as usize);
            rows.reverse();
            Ok::<_, diesel::result::Error>((rows, more))
        };
    let newer = |connection: &mut PgConnection, after: MessageId, n: i64| {
        let mut rows: Vec<Message> = of_conversation()
            .filter(messages::id.gt(after))
            .order(messages::id.asc())
            .limit(n + 1)
            .load(connection)?;
        let more = rows.len() as i64 > n;
        rows.truncate(n as usize);
        Ok::<_, diesel::result::Error>((rows, more))
    };
    let any_from = |connection: &mut PgConnection, id: MessageId| {
        diesel::select(diesel::dsl::exists(
            messages::table
                .filter(messages::conversation_id.eq(conversation))
                .filter(messages::id.ge(id)),
        ))
        .get_result::<bool>(connection)
    };
    let any_up_to = |connection: &mut PgConnection, id: MessageId| {
        diesel::select(diesel::dsl::exists(
            messages::table
                .filter(messages::conversation_id.eq(conversation))
                .filter(messages::id.le(id)),
        ))
        .get_result::<bool>(connection)
    };
    Ok(match window {
        Window::Latest => {
            let (messages, has_earlier) = older(connection, None, false, size)?;
            MessageWindow {
                messages,
                has_earlier,
                has_later: false,
            }
        }
        Window::Before(id) => {
            let (messages, has_earlier) = older(connection, Some(id), false, size)?;
            MessageWindow {
                messages,
                has_earlier,
                has_later: any_from(connection, id)?,
            }
        }
        Window::After(id) => {
            let (messages, has_later) = newer(connection, id, size)?;
            MessageWindow {
                messages,
                has_earlier: any_up_to(connection, id)?,
                has_later,
            }
        }
        Window::Around(id) => {
            // Half before (the message included), the rest after; near either end of the
            // transcript the other side fills the window.
            let (mut messages, mut has_earlier) =
                older(connection, Some(id), true, size - size / 2)?;
            let room = size - messages.len() as i64;
            let (later, has_later) = newer(connection, id, room)?;
            if !has_later && (messages.len() + later.len()) < size as usize && has_earlier {
                let oldest = messages.first().map_or(id, |m| m.id);
                let wanted = size - (messages.len() + later.len()) as i64;
                let (mut before, more) = older(connection, Some(oldest), false, wanted)?;
                before.append(&mut messages);
                messages = before;
                has_earlier = more;
            }
            messages.extend(later);
            MessageWindow {
                messages,
                has_earlier,
                has_later,
            }
        }
    })
}
