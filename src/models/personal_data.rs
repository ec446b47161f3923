//! Everything Rapport holds about one contact, read for the personal data export (the ZIP,
//! `crate::personal_data::archive`) and counted for the erase confirmation. The contact may be
//! live or in Trash: both are reachable here by id (see [`contact::find_any`]). Erasing is in
//! [`super::erasure`].
//!
//! Lists that can grow without bound (messages, history) are read a page at a time, after the
//! last id of the previous page; the rest (a contact's tasks, memories, ratings, secrets,
//! spaces and their files) are read whole.

use super::audit::{self, Actor, AuditEvent, Changes, Subject};
use super::contact::{self, Contact, Standing};
use super::conversation::Conversation;
use super::memory::Memory;
use super::message::Message;
use super::rating::Rating;
use super::schema::{
    audit_events, conversation_contact_matches, conversations, memories, messages, ratings,
    secrets, space_files, spaces, tasks,
};
use super::secret::SecretSummary;
use super::space::Space;
use super::space_file::SpaceFile;
use super::task::{self, Task};
use crate::domain::{AuditEventId, ContactId, ConversationId, MessageId, TaskId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use std::collections::HashMap;

/// How much Rapport holds about a contact: what an erase removes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, QueryableByName)]
pub struct Inventory {
    #[diesel(sql_type = BigInt)]
    pub conversations: i64,
    #[diesel(sql_type = BigInt)]
    pub messages: i64,
    #[diesel(sql_type = BigInt)]
    pub tasks: i64,
    #[diesel(sql_type = BigInt)]
    pub memories: i64,
    #[diesel(sql_type = BigInt)]
    pub secrets: i64,
    #[diesel(sql_type = BigInt)]
    pub ratings: i64,
    #[diesel(sql_type = BigInt)]
    pub spaces: i64,
    #[diesel(sql_type = BigInt)]
    pub files: i64,
    #[diesel(sql_type = BigInt)]
    pub file_bytes: i64,
    /// Audit entries about the contact and its rows (kept, their values erased).
    #[diesel(sql_type = BigInt)]
    pub history: i64,
}

/// The contact, live or in Trash, with what it holds; `NotFound` when there is no such
/// contact (erased already, or purged).
pub fn inventory(
    connection: &mut PgConnection,
    id: ContactId,
) -> QueryResult<(Contact, Standing, Inventory)> {
    let (found, standing) = contact::find_any(connection, id)?;
    // Ratings count as erase removes them: the contact's own, and any given in its
    // conversations. sum(bigint) is numeric; the cast keeps it an integer.
    let counted: Inventory = diesel::sql_query(
        "WITH c AS (SELECT id FROM conversations WHERE contact_id = $1), \
              s AS (SELECT id FROM spaces WHERE contact_id = $1) \
         SELECT (SELECT count(*) FROM c) AS conversations, \
                (SELECT count(*) FROM messages WHERE conversation_id IN (SELECT id FROM c)) AS messages, \
                (SELECT count(*) FROM tasks WHERE contact_id = $1) AS tasks, \
                (SELECT count(*) FROM memories WHERE contact_id = $1) AS memories, \
                (SELECT count(*) FROM secrets WHERE contact_id = $1) AS secrets, \
                (SELECT count(*) FROM ratings WHERE contact_id = $1 \
                    OR conversation_id IN (SELECT id FROM c)) AS ratings, \
                (SELECT count(*) FROM s) AS spaces, \
                (SELECT count(*) FROM space_files WHERE space_id IN (SELECT id FROM s)) AS files, \
                (SELECT coalesce(sum(size), 0)::bigint FROM space_files \
                    WHERE space_id IN (SELECT id FROM s)) AS file_bytes, \
                (SELECT count(*) FROM audit_events WHERE contact_id = $1 \
                    OR (entity = 'contact' AND entity_id = $1)) AS history",
    )
    .bind::<BigInt, _>(id)
    .get_result(connection)?;
    Ok((found, standing, counted))
}

/// Records that someone took a copy of the contact's data (who, and when: the entry's time).
pub fn record_export(
    connection: &mut PgConnection,
    id: ContactId,
    actor: &Actor,
) -> QueryResult<()> {
    audit::record(
        connection,
        actor,
        "export",
        Subject::contact(id),
        Changes::new(),
    )
}

/// How intake linked a conversation to its contact, when it did.
#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = conversation_contact_matches)]
pub struct ContactMatch {
    pub how: String,
    pub claimed_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The contact's conversations, oldest first, each with how intake matched it (if it did).
pub fn conversations(
    connection: &mut PgConnection,
    id: ContactId,
) -> QueryResult<Vec<(Conversation, Option<ContactMatch>)>> {
    let found: Vec<Conversation> = conversations::table
        .filter(conversations::contact_id.eq(id))
        .select(Conversation::as_select())
        .order(conversations::id.asc())
        .load(connection)?;
    let ids: Vec<ConversationId> = found.iter().map(|conversation| conversation.id).collect();
    let mut matches: HashMap<ConversationId, ContactMatch> = conversation_contact_matches::table
        .filter(conversation_contact_matches::conversation_id.eq_any(&ids))
        .select((
            conversation_contact_matches::conversation_id,
            ContactMatch::as_select(),
        ))
        .load::<(ConversationId, ContactMatch)>(connection)?
        .into_iter()
        .collect();
    Ok(found
        .into_iter()
        .map(|conversation| {
            let matched = matches.remove(&conversation.id);
            (conversation, matched)
        })
        .collect())
}

/// A page of a conversation's messages in the order they were written, after `after`.
pub fn messages_page(
    connection: &mut PgConnection,
    conversation: ConversationId,
    after: Option<MessageId>,
    limit: i64,
) -> QueryResult<Vec<Message>> {
    let mut query = messages::table
        .filter(messages::conversation_id.eq(conversation))
        .select(Message::as_select())
        .order(messages::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(messages::id.gt(after));
    }
    query.load(connection)
}

/// The contact's tasks, oldest first.
pub fn tasks(connection: &mut PgConnection, id: ContactId) -> QueryResult<Vec<Task>> {
    tasks::table
        .filter(tasks::contact_id.eq(id))
        .select(Task::as_select())
        .order(tasks::id.asc())
        .load(connection)
}

/// The runs of these tasks as the audit trail recorded them ("started" and "finished", with
/// the outcome and an agent's report), oldest first, with the task each belongs to.
pub fn task_runs(
    connection: &mut PgConnection,
    ids: &[TaskId],
) -> QueryResult<Vec<(TaskId, AuditEvent)>> {
    let raw: Vec<i64> = ids.iter().map(|id| id.0).collect();
    let events: Vec<AuditEvent> = audit_events::table
        .filter(audit_events::entity.eq(task::ENTITY))
        .filter(audit_events::entity_id.eq_any(&raw))
        .filter(audit_events::action.eq_any(["started", "finished"]))
        .select(AuditEvent::as_select())
        .order(audit_events::id.asc())
        .load(connection)?;
    Ok(events
        .into_iter()
        .map(|event| (TaskId(event.entity_id), event))
        .collect())
}

/// The contact's memories, oldest first.
pub fn memories(connection: &mut PgConnection, id: ContactId) -> QueryResult<Vec<Memory>> {
    memories::table
        .filter(memories::contact_id.eq(id))
        .select(Memory::as_select())
        .order(memories::id.asc())
        .load(connection)
}

/// The ratings an erase would remove: the contact's, and those given in its conversations.
pub fn ratings(connection: &mut PgConnection, id: ContactId) -> QueryResult<Vec<Rating>> {
    ratings::table
        .filter(
            ratings::contact_id
                .eq(id)
                .or(ratings::conversation_id.eq_any(
                    conversations::table
                        .filter(conversations::contact_id.eq(id))
                        .select(conversations::id.nullable()),
                )),
        )
        .select(Rating::as_select())
        .order(ratings::id.asc())
        .load(connection)
}

/// The contact's secrets by name and kind, with when each was created: never the sealed
/// value (the columns are not even read).
pub fn secrets(
    connection: &mut PgConnection,
    id: ContactId,
) -> QueryResult<Vec<(SecretSummary, DateTime<Utc>)>> {
    secrets::table
        .filter(secrets::contact_id.eq(id))
        .select((SecretSummary::as_select(), secrets::created_at))
        .order(secrets::id.asc())
        .load(connection)
}

/// The contact's spaces, oldest first, each with its files in name order.
pub fn spaces(
    connection: &mut PgConnection,
    id: ContactId,
) -> QueryResult<Vec<(Space, Vec<SpaceFile>)>> {
    let found: Vec<Space> = spaces::table
        .filter(spaces::contact_id.eq(id))
        .select(Space::as_select())
        .order(spaces::id.asc())
        .load(connection)?;
    let ids: Vec<_> = found.iter().map(|space| space.id).collect();
    let mut files: Vec<SpaceFile> = space_files::table
        .filter(space_files::space_id.eq_any(&ids))
        .select(SpaceFile::as_select())
        .order((space_files::space_id.asc(), space_files::path.asc()))
        .load(connection)?;
    Ok(found
        .into_iter()
        .map(|space| {
            let (own, rest): (Vec<SpaceFile>, Vec<SpaceFile>) =
                files.drain(..).partition(|file| file.space_id == space.id);
            files = rest;
            (space, own)
        })
        .collect())
}

/// A page of the contact's history (the History tab's events), oldest first, after `after`.
pub fn history_page(
    connection: &mut PgConnection,
    id: ContactId,
    after: Option<AuditEventId>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table
        .filter(audit::about_contact(id))
        .select(AuditEvent::as_select())
        .order(audit_events::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(audit_events::id.gt(after));
    }
    query.load(connection)
}
