//! Conversations: the row, the Conversations tab's list, starting, editing and deleting one
//! through the API, and the staff actions on one conversation (delete, detach from its
//! contact, move to another contact), each in one transaction with its audit entries.
//!
//! `message_count` and `last_message_at` are kept by triggers on `messages`, so lists never
//! count messages.

use super::audit::{self, Actor, Changes, Subject};
use super::contact::{self, Contact};
use super::keyset::{self, Page};
use super::message::{self, Message, NewMessage};
use super::schema::{conversations, ratings};
use crate::domain::conversation::{Channel, MessageRole};
use crate::domain::keyset::TimeCursor;
use crate::domain::{ContactId, ConversationId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamptz};
use serde_json::Value;

/// The audit trail's name for this entity.
pub const ENTITY: &str = "conversation";

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = conversations)]
pub struct Conversation {
    pub id: ConversationId,
    pub contact_id: Option<ContactId>,
    pub channel: String,
    pub subject: Option<String>,
    pub meta: Value,
    pub message_count: i32,
    pub last_message_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Conversation {
    pub fn channel(&self) -> Option<Channel> {
        self.channel.parse().ok()
    }

    /// When something last happened: the newest message, or the start.
    pub fn activity_at(&self) -> DateTime<Utc> {
        self.last_message_at.unwrap_or(self.created_at)
    }
}

/// A conversation as a channel (intake, the API, a test fixture) starts it.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = conversations)]
pub struct NewConversation {
    pub contact_id: Option<ContactId>,
    pub channel: String,
    pub subject: Option<String>,
    pub meta: Value,
    /// `None` means now.
    pub created_at: Option<DateTime<Utc>>,
}

/// Stores a conversation that arrived through a channel. Not audited: what arrives from
/// outside is the record itself; staff actions on it are audited.
pub fn insert(connection: &mut PgConnection, new: &NewConversation) -> QueryResult<Conversation> {
    diesel::insert_into(conversations::table)
        .values(new)
        .returning(Conversation::as_returning())
        .get_result(connection)
}

/// Starts a conversation through the API, with its first messages, in one transaction with
/// one audit entry (subject, channel and how many messages it started with).
pub fn create(
    connection: &mut PgConnection,
    new: &NewConversation,
    messages: &[(MessageRole, String)],
    actor: &Actor,
) -> QueryResult<(Conversation, Vec<Message>)> {
    connection.transaction(|connection| {
        let created = insert(connection, new)?;
        let rows: Vec<NewMessage> = messages
            .iter()
            .map(|(role, text)| message::new_row(&created, *role, text.clone(), actor))
            .collect();
        let added = if rows.is_empty() {
            Vec::new()
        } else {
            message::insert_all(connection, &rows)?
        };
        let mut changes = Changes::new();
        changes.field(
            "subject",
            Value::Null,
            created.subject.clone().map_or(Value::Null, Value::String),
        );
        changes.field(
            "channel",
            Value::Null,
            Value::String(created.channel.clone()),
        );
        changes.field("messages", Value::Null, Value::from(added.len()));
        audit::record(
            connection,
            actor,
            "create",
            Subject::of_contact(ENTITY, created.id, created.contact_id),
            changes,
        )?;
        // The triggers counted the messages: read the row as it is now.
        let created = conversations::table
            .find(created.id)
            .select(Conversation::as_select())
            .first(connection)?;
        Ok((created, added))
    })
}

/// A conversation, whoever it belongs to (the API names conversations by id alone).
pub fn find(connection: &mut PgConnection, id: ConversationId) -> QueryResult<Conversation> {
    conversations::table
        .find(id)
        .select(Conversation::as_select())
        .first(connection)
}

/// One row of the Conversations tab.
#[derive(QueryableByName, Debug, Clone, PartialEq)]
pub struct ListItem {
    #[diesel(sql_type = BigInt)]
    pub id: ConversationId,
    #[diesel(sql_type = Text)]
    pub channel: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub subject: Option<String>,
    #[diesel(sql_type = Integer)]
    pub message_count: i32,
    /// `coalesce(last_message_at, created_at)`: the list's sort key.
    #[diesel(sql_type = Timestamptz)]
    pub activity_at: DateTime<Utc>,
    /// The start of the opening message (the first one that is not context for the bot, else
    /// the first), fetched only when there is no subject.
    #[diesel(sql_type = Nullable<Text>)]
    pub first_message: Option<String>,
}

impl ListItem {
    pub fn cursor(&self) -> TimeCursor {
        TimeCursor::new(self.activity_at, self.id.0)
    }
}

/// A contact's conversations, newest activity first, `limit` at a time, continuing after
/// `before`. One index range scan on `conversations_contact_idx`; the opening message of the
/// subject-less ones comes from `messages_conversation_idx`, reading from the first message on.
pub fn list_for_contact(
    connection: &mut PgConnection,
    contact_id: ContactId,
    before: Option<TimeCursor>,
    limit: i64,
) -> QueryResult<Vec<ListItem>> {
    // The cursor condition is spliced in rather than made optional with `$2 IS NULL OR …`,
    // which would hide the index range from a generic plan.
    let keyset = if before.is_some() {
        "AND (coalesce(c.last_message_at, c.created_at), c.id) < ($3, $4)"
    } else {
        "AND $3::timestamptz IS NULL AND $4::bigint IS NULL"
    };
    let sql = format!(
        "SELECT c.id, c.channel, c.subject, c.message_count, \
                coalesce(c.last_message_at, c.created_at) AS activity_at, \
                coalesce(f.text, any_first.text) AS first_message \
           FROM conversations c \
           LEFT JOIN LATERAL ( \
                SELECT left(m.text, 500) AS text FROM messages m \
                 WHERE m.conversation_id = c.id AND nullif(btrim(c.subject), '') IS NULL \
                   AND m.role <> 'context' \
                 ORDER BY m.id LIMIT 1) f ON true \
           LEFT JOIN LATERAL ( \
                SELECT left(m.text, 500) AS text FROM messages m \
                 WHERE m.conversation_id = c.id AND nullif(btrim(c.subject), '') IS NULL \
                   AND f.text IS NULL \
                 ORDER BY m.id LIMIT 1) any_first ON true \
          WHERE c.contact_id = $1 {keyset} \
          ORDER BY coalesce(c.last_message_at, c.created_at) DESC, c.id DESC \
          LIMIT $2"
    );
    diesel::sql_query(sql)
        .bind::<BigInt, _>(contact_id)
        .bind::<BigInt, _>(limit)
        .bind::<Nullable<Timestamptz>, _>(before.map(|c| c.at))
        .bind::<Nullable<BigInt>, _>(before.map(|c| c.id))
        .load(connection)
}

/// How many conversations a contact has (the tab's count).
/// A page of a contact's conversations in creation order (the API's list; the tab pages by
/// last activity, see [`list_for_contact`]).
pub fn keyset_page(
    connection: &mut PgConnection,
    contact_id: ContactId,
    page: &Page,
) -> QueryResult<Vec<Conversation>> {
    let query = conversations::table
        .filter(conversations::contact_id.eq(contact_id))
        .select(Conversation::as_select())
        .into_boxed();
    keyset::load(connection, conversations::table, query, page)
}

pub fn count_for_contact(connection: &mut PgConnection, contact_id: ContactId) -> QueryResult<i64> {
    conversations::table
        .filter(conversations::contact_id.eq(contact_id))
        .count()
        .get_result(connection)
}

/// The conversation, if it belongs to this contact (otherwise `NotFound`, as for a URL that
/// names another contact's conversation).
pub fn find_for_contact(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: ConversationId,
) -> QueryResult<Conversation> {
    conversations::table
        .find(id)
        .filter(conversations::contact_id.eq(contact_id))
        .select(Conversation::as_select())
        .first(connection)
}

fn lock_for_contact(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: ConversationId,
) -> QueryResult<Conversation> {
    conversations::table
        .find(id)
        .filter(conversations::contact_id.eq(contact_id))
        .select(Conversation::as_select())
        .for_update()
        .first(connection)
}

/// A conversation named by its id alone, locked until the transaction ends.
fn lock(connection: &mut PgConnection, id: ConversationId) -> QueryResult<Conversation> {
    conversations::table
        .find(id)
        .select(Conversation::as_select())
        .for_update()
        .first(connection)
}

/// How many ratings point at a conversation.
pub fn rating_count(connection: &mut PgConnection, id: ConversationId) -> QueryResult<i64> {
    ratings::table
        .filter(ratings::conversation_id.eq(id))
        .count()
        .get_result(connection)
}

/// "Ada Lovelace (#12)": how the audit trail names the contact a conversation belongs to.
pub(crate) fn contact_label(contact: &Contact) -> Value {
    Value::String(format!(
        "{} (#{})",
        contact
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or("Unnamed contact"),
        contact.id
    ))
}

fn describe(conversation: &Conversation) -> Changes {
    let mut changes = Changes::new();
    changes.field(
        "subject",
        conversation
            .subject
            .clone()
            .map_or(Value::Null, Value::String),
        Value::Null,
    );
    changes.field(
        "channel",
        Value::String(conversation.channel.clone()),
        Value::Null,
    );
    changes.field(
        "messages",
        Value::from(conversation.message_count),
        Value::Null,
    );
    changes
}

/// What deleting a conversation took with it.
#[derive(Debug, Clone)]
pub struct Deleted {
    pub conversation: Conversation,
    /// Ratings that stay, no longer linked to a conversation or message.
    pub ratings_kept: i64,
}

/// Deletes a conversation of this contact and its messages; its ratings stay, detached (the
/// foreign keys set their conversation and message to NULL).
pub fn delete(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: ConversationId,
    actor: &Actor,
) -> QueryResult<Deleted> {
    connection.transaction(|connection| {
        let conversation = lock_for_contact(connection, contact_id, id)?;
        delete_locked(connection, conversation, actor)
    })
}

/// The same for a conversation named by its id alone (the API), whichever contact it belongs
/// to, if any; audited on that contact as the dashboard's delete is.
pub fn delete_any(
    connection: &mut PgConnection,
    id: ConversationId,
    actor: &Actor,
) -> QueryResult<Deleted> {
    connection.transaction(|connection| {
        let conversation = lock(connection, id)?;
        delete_locked(connection, conversation, actor)
    })
}

fn delete_locked(
    connection: &mut PgConnection,
    conversation: Conversation,
    actor: &Actor,
) -> QueryResult<Deleted> {
    let id = conversation.id;
    let ratings_kept = rating_count(connection, id)?;
    diesel::delete(conversations::table.find(id)).execute(connection)?;
    audit::record(
        connection,
        actor,
        "delete",
        Subject::of_contact(ENTITY, id, conversation.contact_id),
        describe(&conversation),
    )?;
    Ok(Deleted {
        conversation,
        ratings_kept,
    })
}

/// Sets a new subject and/or meta (already validated; `None` leaves a field as it is) on a
/// conversation named by its id (the API's update). Nothing is written, nor audited, when
/// nothing differs.
pub fn edit(
    connection: &mut PgConnection,
    id: ConversationId,
    subject: Option<Option<String>>,
    meta: Option<Value>,
    actor: &Actor,
) -> QueryResult<Conversation> {
    connection.transaction(|connection| {
        let current = lock(connection, id)?;
        let subject = subject.unwrap_or_else(|| current.subject.clone());
        let meta = meta.unwrap_or_else(|| current.meta.clone());
        if current.subject == subject && current.meta == meta {
            return Ok(current);
        }
        let saved: Conversation = diesel::update(conversations::table.find(id))
            .set((
                conversations::subject.eq(&subject),
                conversations::meta.eq(&meta),
                conversations::version.eq(conversations::version + 1),
            ))
            .returning(Conversation::as_returning())
            .get_result(connection)?;
        let text = |value: &Option<String>| value.clone().map_or(Value::Null, Value::String);
        let mut changes = Changes::new();
        changes.field("subject", text(&current.subject), text(&saved.subject));
        changes.field("meta", current.meta.clone(), saved.meta.clone());
        audit::record(
            connection,
            actor,
            "update",
            Subject::of_contact(ENTITY, id, saved.contact_id),
            changes,
        )?;
        Ok(saved)
    })
}

/// A conversation after it left a contact, and how many of its ratings went with it.
#[derive(Debug, Clone)]
pub struct Relinked {
    pub conversation: Conversation,
    pub ratings: i64,
    /// The contact it now belongs to (`None` when detached).
    pub to: Option<Contact>,
}

/// Unlinks a conversation from this contact. It stays, with its messages, linked to no
/// contact; the ratings given in it leave the contact too.
pub fn detach(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: ConversationId,
    actor: &Actor,
) -> QueryResult<Relinked> {
    connection.transaction(|connection| {
        lock_for_contact(connection, contact_id, id)?;
        let from = contact::find(connection, contact_id)?;
        let conversation = relink(connection, id, None)?;
        let ratings = relink_ratings(connection, contact_id, id, None)?;
        let mut changes = Changes::new();
        changes.field("contact", contact_label(&from), Value::Null);
        audit::record(
            connection,
            actor,
            "detached",
            Subject::of_contact(ENTITY, id, Some(contact_id)),
            changes,
        )?;
        Ok(Relinked {
            conversation,
            ratings,
            to: None,
        })
    })
}

/// Why a move was refused for reasons the user can act on.
#[derive(Debug)]
pub enum MoveError {
    /// The contact to move to does not exist (any more).
    NoSuchContact,
    /// It already belongs to that contact.
    SameContact,
    Database(DieselError),
}

impl From<DieselError> for MoveError {
    fn from(error: DieselError) -> Self {
        MoveError::Database(error)
    }
}

/// Moves a conversation (and the ratings given in it) from one contact to another, recording
/// the move in both contacts' history.
pub fn move_to(
    connection: &mut PgConnection,
    from_id: ContactId,
    id: ConversationId,
    to_id: ContactId,
    actor: &Actor,
) -> Result<Relinked, MoveError> {
    if from_id == to_id {
        return Err(MoveError::SameContact);
    }
    connection.transaction(|connection| {
        lock_for_contact(connection, from_id, id)?;
        let from = contact::find(connection, from_id)?;
        // Locked so it cannot be deleted before the move commits.
        let to: Contact = contact::live()
            .filter(super::schema::contacts::id.eq(to_id))
            .select(Contact::as_select())
            .for_key_share()
            .first(connection)
            .optional()?
            .ok_or(MoveError::NoSuchContact)?;
        let conversation = relink(connection, id, Some(to_id))?;
        let ratings = relink_ratings(connection, from_id, id, Some(to_id))?;
        for contact_id in [from_id, to_id] {
            let mut changes = Changes::new();
            changes.field("contact", contact_label(&from), contact_label(&to));
            audit::record(
                connection,
                actor,
                "moved",
                Subject::of_contact(ENTITY, id, Some(contact_id)),
                changes,
            )?;
        }
        Ok(Relinked {
            conversation,
            ratings,
            to: Some(to),
        })
    })
}

fn relink(
    connection: &mut PgConnection,
    id: ConversationId,
    to: Option<ContactId>,
) -> QueryResult<Conversation> {
    diesel::update(conversations::table.find(id))
        .set((
            conversations::contact_id.eq(to),
            conversations::version.eq(conversations::version + 1),
        ))
        .returning(Conversation::as_returning())
        .get_result(connection)
}

/// The conversation's ratings that belonged to `from` follow it.
fn relink_ratings(
    connection: &mut PgConnection,
    from: ContactId,
    id: ConversationId,
    to: Option<ContactId>,
) -> QueryResult<i64> {
    let moved = diesel::update(
        ratings::table
            .filter(ratings::conversation_id.eq(id))
            .filter(ratings::contact_id.eq(from)),
    )
    .set(ratings::contact_id.eq(to))
    .execute(connection)?;
    Ok(i64::try_from(moved).unwrap_or(i64::MAX))
}
