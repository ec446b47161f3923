//! A contact's memories: the row, the Memories tab's queries (newest first, keyset pages,
//! substring search) and the writes, each in one transaction with its audit entry.
//!
//! A memory an agent wrote during a conversation whose writer only *claimed* the contact
//! ([`Origin::Claim`]) is stored unconfirmed (issue 10): staff see it on the Memories tab,
//! marked, and confirm or delete it; until they confirm it, no agent gets it. Everything that
//! feeds agents reads through [`for_agents`] and [`search_ranked`], which leave unconfirmed
//! memories out, so a new reader cannot forget to.

use super::audit::{self, Actor, Changes, Subject};
use super::keyset::{self, After, Page};
use super::schema::memories;
use super::sql::lower;
use super::versioned::Versioned;
use crate::domain::{ContactId, ConversationId, MemoryId};
use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use serde_json::{Value, json};

/// The audit trail's name for this entity.
pub const ENTITY: &str = "memory";

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = memories)]
pub struct Memory {
    pub id: MemoryId,
    pub contact_id: ContactId,
    pub text: String,
    pub meta: Value,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `false` until staff confirm a memory from a claimed conversation.
    pub confirmed: bool,
    /// The claimed conversation the memory was written in, while it exists.
    pub claimed_conversation_id: Option<ConversationId>,
}

/// Where a new memory comes from, as far as trusting it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Staff, an API caller, or an agent answering someone known to be the contact.
    Trusted,
    /// An agent answering conversation `.0`, whose writer only claimed the contact: kept
    /// unconfirmed until staff confirm it.
    Claim(ConversationId),
}

impl Memory {
    pub fn cursor(&self) -> Cursor {
        Cursor {
            created_at: self.created_at,
            id: self.id,
        }
    }
}

/// A position in the newest-first order: the last memory shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: MemoryId,
}

impl Cursor {
    /// `<microseconds since 1970>_<id>`, for `?before=`.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.created_at.timestamp_micros(), self.id)
    }

    /// Reads [`Cursor::encode`]'s form; anything else is `None` (start from the newest).
    pub fn decode(raw: &str) -> Option<Cursor> {
        let (micros, id) = raw.split_once('_')?;
        Some(Cursor {
            created_at: DateTime::from_timestamp_micros(micros.parse().ok()?)?,
            id: id.parse().ok()?,
        })
    }
}

/// A case-insensitive substring of the text, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search(String);

impl Search {
    /// Blank searches for nothing (`None`).
    pub fn new(query: &str) -> Option<Search> {
        let trimmed = query.trim();
        (!trimmed.is_empty()).then(|| Search(trimmed.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `%…%` for `lower(text) LIKE`, with LIKE's own characters taken literally. Matching
    /// the lowered text lets PostgreSQL use the trigram index `memories_text_trgm_idx`.
    fn like_pattern(&self) -> String {
        let mut pattern = String::with_capacity(self.0.len() + 2);
        pattern.push('%');
        for c in self.0.to_lowercase().chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        pattern
    }
}

type Filter =
    Box<dyn BoxableExpression<memories::table, Pg, SqlType = diesel::sql_types::Nullable<Bool>>>;

fn matching(contact_id: ContactId, search: Option<&Search>) -> Filter {
    let of_contact = memories::contact_id.eq(contact_id).nullable();
    match search {
        None => Box::new(of_contact),
        Some(search) => {
            Box::new(of_contact.and(lower(memories::text.nullable()).like(search.like_pattern())))
        }
    }
}

/// Newest first, `limit` at a time, after `after` (index `memories_contact_idx`), only those
/// containing `search` if given.
pub fn page(
    connection: &mut PgConnection,
    contact_id: ContactId,
    search: Option<&Search>,
    after: Option<Cursor>,
    limit: i64,
) -> QueryResult<Vec<Memory>> {
    let query = memories::table
        .filter(matching(contact_id, search))
        .select(Memory::as_select())
        .into_boxed();
    // Served by the index on (contact_id, created_at DESC, id DESC) as one range.
    let after = after.map_or(After::Start, |cursor| {
        After::Row(cursor.created_at, cursor.id.0)
    });
    keyset::load(
        connection,
        memories::table,
        query,
        &Page::newest(limit).after(after),
    )
}

/// What agents get of a contact's memories: the confirmed ones only. The agent context (API,
/// webhook payload, the Agent context tab) reads through here.
pub mod for_agents {
    use super::*;

    /// Newest first, `limit` at a time, after `after`, confirmed memories only.
    pub fn page(
        connection: &mut PgConnection,
        contact_id: ContactId,
        after: Option<Cursor>,
        limit: i64,
    ) -> QueryResult<Vec<Memory>> {
        let query = memories::table
            .filter(memories::contact_id.eq(contact_id))
            .filter(memories::confirmed)
            .select(Memory::as_select())
            .into_boxed();
        let after = after.map_or(After::Start, |cursor| {
            After::Row(cursor.created_at, cursor.id.0)
        });
        keyset::load(
            connection,
            memories::table,
            query,
            &Page::newest(limit).after(after),
        )
    }

    /// How many confirmed memories the contact has.
    pub fn count(connection: &mut PgConnection, contact_id: ContactId) -> QueryResult<i64> {
        memories::table
            .filter(memories::contact_id.eq(contact_id))
            .filter(memories::confirmed)
            .count()
            .get_result(connection)
    }
}

/// A page of a contact's memories in creation order (the API's list).
pub fn keyset_page(
    connection: &mut PgConnection,
    contact_id: ContactId,
    page: &Page,
) -> QueryResult<Vec<Memory>> {
    let query = memories::table
        .filter(memories::contact_id.eq(contact_id))
        .select(Memory::as_select())
        .into_boxed();
    keyset::load(connection, memories::table, query, page)
}

/// Queries shorter than this (in characters, spaces aside) have too few trigrams to rank by
/// similarity; they match as substrings instead.
const MIN_TRIGRAM_QUERY: usize = 3;

#[derive(QueryableByName, Debug, Clone, PartialEq)]
pub struct Match {
    #[diesel(sql_type = BigInt)]
    pub id: MemoryId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub text: String,
}

/// The contact's confirmed memories that best match `search`, at most `limit`, best first
/// (the API's `memory/search`, which agents use to recall: an unconfirmed memory is not
/// theirs yet). A memory matches when it contains the query (ignoring case) or when some
/// stretch of it is trigram-similar to the query (pg_trgm's `<%`, above its
/// `word_similarity_threshold`, 0.6 by default); containing it ranks first, then word
/// similarity, then whole-text similarity, then the newest. Very short queries only match as
/// substrings. Both conditions are served by `memories_text_trgm_idx`.
pub fn search_ranked(
    connection: &mut PgConnection,
    contact_id: ContactId,
    search: &Search,
    limit: i64,
) -> QueryResult<Vec<Match>> {
    let short = search
        .as_str()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
        < MIN_TRIGRAM_QUERY;
    let similar = if short {
        "false"
    } else {
        "lower($2) <% lower(m.text)"
    };
    diesel::sql_query(format!(
        "SELECT m.id, m.text FROM memories m \
          WHERE m.contact_id = $1 AND m.confirmed AND (lower(m.text) LIKE $3 OR {similar}) \
          ORDER BY (lower(m.text) LIKE $3) DESC, \
                   word_similarity(lower($2), lower(m.text)) DESC, \
                   similarity(lower($2), lower(m.text)) DESC, \
                   m.created_at DESC, m.id DESC \
          LIMIT $4"
    ))
    .bind::<BigInt, _>(contact_id)
    .bind::<diesel::sql_types::Text, _>(search.as_str())
    .bind::<diesel::sql_types::Text, _>(search.like_pattern())
    .bind::<BigInt, _>(limit)
    .load(connection)
}

/// How many memories the contact has (with `search`: how many contain it).
pub fn count(
    connection: &mut PgConnection,
    contact_id: ContactId,
    search: Option<&Search>,
) -> QueryResult<i64> {
    memories::table
        .filter(matching(contact_id, search))
        .count()
        .get_result(connection)
}

/// A memory of this contact; another contact's memory is not found.
pub fn find(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: MemoryId,
) -> QueryResult<Memory> {
    memories::table
        .filter(memories::id.eq(id))
        .filter(memories::contact_id.eq(contact_id))
        .select(Memory::as_select())
        .first(connection)
}

fn subject(memory: &Memory) -> Subject<'static> {
    Subject::of_contact(ENTITY, memory.id, Some(memory.contact_id))
}

/// A memory of any contact (the API names memories by id alone).
pub fn find_any(connection: &mut PgConnection, id: MemoryId) -> QueryResult<Memory> {
    memories::table
        .find(id)
        .select(Memory::as_select())
        .first(connection)
}

#[derive(Insertable)]
#[diesel(table_name = memories)]
struct NewMemory<'a> {
    contact_id: ContactId,
    text: &'a str,
    meta: &'a Value,
    confirmed: bool,
    claimed_conversation_id: Option<ConversationId>,
}

/// Adds a memory (text already validated) and its audit entry.
pub fn create(
    connection: &mut PgConnection,
    contact_id: ContactId,
    text: &str,
    actor: &Actor,
) -> QueryResult<Memory> {
    create_with_meta(connection, contact_id, text, &json!({}), actor)
}

/// Adds a memory with its meta (both already validated) and its audit entry.
pub fn create_with_meta(
    connection: &mut PgConnection,
    contact_id: ContactId,
    text: &str,
    meta: &Value,
    actor: &Actor,
) -> QueryResult<Memory> {
    create_with(connection, contact_id, text, meta, Origin::Trusted, actor)
}

/// Adds a memory with its meta (both already validated) from `origin` (unconfirmed from a
/// claim), and its audit entry.
pub fn create_with(
    connection: &mut PgConnection,
    contact_id: ContactId,
    text: &str,
    meta: &Value,
    origin: Origin,
    actor: &Actor,
) -> QueryResult<Memory> {
    let claimed_conversation_id = match origin {
        Origin::Trusted => None,
        Origin::Claim(conversation_id) => Some(conversation_id),
    };
    connection.transaction(|connection| {
        let memory: Memory = diesel::insert_into(memories::table)
            .values(NewMemory {
                contact_id,
                text,
                meta,
                confirmed: claimed_conversation_id.is_none(),
                claimed_conversation_id,
            })
            .returning(Memory::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes.field("text", Value::Null, json!(memory.text));
        changes.field("meta", json!({}), memory.meta.clone());
        if !memory.confirmed {
            changes.field("confirmed", Value::Null, json!(false));
        }
        audit::record(connection, actor, "create", subject(&memory), changes)?;
        Ok(memory)
    })
}

/// The meta key intake sets on memories from a claim (`{"unverified": true, …}`), for API
/// callers that read meta only; confirming a memory removes it.
pub const UNVERIFIED_META_KEY: &str = "unverified";

/// Confirms a memory of this contact: agents get it from now on. A memory already confirmed
/// is returned as it is, with nothing written or audited. The text and its version stay (an
/// editor who has it open can still save). The meta's `unverified` marker goes; the rest of
/// the meta (the conversation it came from) stays.
pub fn confirm(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: MemoryId,
    actor: &Actor,
) -> QueryResult<Memory> {
    connection.transaction(|connection| {
        let current: Memory = memories::table
            .filter(memories::id.eq(id))
            .filter(memories::contact_id.eq(contact_id))
            .select(Memory::as_select())
            .for_update()
            .first(connection)?;
        if current.confirmed {
            return Ok(current);
        }
        let mut meta = current.meta.clone();
        if let Value::Object(map) = &mut meta {
            map.remove(UNVERIFIED_META_KEY);
        }
        let saved: Memory = diesel::update(memories::table.find(id))
            .set((memories::confirmed.eq(true), memories::meta.eq(&meta)))
            .returning(Memory::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes.field("confirmed", json!(false), json!(true));
        changes.field("meta", current.meta.clone(), saved.meta.clone());
        audit::record(connection, actor, "confirmed", subject(&saved), changes)?;
        Ok(saved)
    })
}

/// Sets new text and/or meta (already validated; `None` leaves a field as it is), whatever
/// version is stored: the API's update, which names no version. Nothing is written, nor
/// audited, when nothing differs.
pub fn edit(
    connection: &mut PgConnection,
    id: MemoryId,
    text: Option<&str>,
    meta: Option<&Value>,
    actor: &Actor,
) -> QueryResult<Memory> {
    connection.transaction(|connection| {
        let current: Memory = memories::table
            .find(id)
            .select(Memory::as_select())
            .for_update()
            .first(connection)?;
        let text = text.unwrap_or(&current.text);
        let meta = meta.unwrap_or(&current.meta);
        if current.text == text && &current.meta == meta {
            return Ok(current);
        }
        let saved: Memory = diesel::update(memories::table.find(id))
            .set((
                memories::text.eq(text),
                memories::meta.eq(meta),
                memories::version.eq(memories::version + 1),
            ))
            .returning(Memory::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes.field("text", json!(current.text), json!(saved.text));
        changes.field("meta", current.meta.clone(), saved.meta.clone());
        audit::record(connection, actor, "update", subject(&saved), changes)?;
        Ok(saved)
    })
}

/// Saves new text unless someone else saved the memory since `seen_version` (saving the text
/// they saved is no conflict).
pub fn update(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: MemoryId,
    seen_version: i32,
    text: &str,
    actor: &Actor,
) -> QueryResult<Versioned<Memory>> {
    connection.transaction(|connection| {
        let current: Memory = memories::table
            .filter(memories::id.eq(id))
            .filter(memories::contact_id.eq(contact_id))
            .select(Memory::as_select())
            .for_update()
            .first(connection)?;
        if current.text == text {
            return Ok(Versioned::Unchanged(current));
        }
        if current.version != seen_version {
            return Ok(Versioned::Conflict(current));
        }
        let saved: Memory = diesel::update(memories::table.find(id))
            .set((
                memories::text.eq(text),
                memories::version.eq(memories::version + 1),
            ))
            .returning(Memory::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes.field("text", json!(current.text), json!(saved.text));
        audit::record(connection, actor, "update", subject(&saved), changes)?;
        Ok(Versioned::Saved(saved))
    })
}

/// Deletes a memory, recording its text.
pub fn delete(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: MemoryId,
    actor: &Actor,
) -> QueryResult<Memory> {
    connection.transaction(|connection| {
        let deleted: Memory = diesel::delete(
            memories::table
                .filter(memories::id.eq(id))
                .filter(memories::contact_id.eq(contact_id)),
        )
        .returning(Memory::as_returning())
        .get_result(connection)?;
        let mut changes = Changes::new();
        changes.field("text", json!(deleted.text), Value::Null);
        audit::record(connection, actor, "delete", subject(&deleted), changes)?;
        Ok(deleted)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor {
            created_at: Utc.timestamp_micros(1_764_000_000_123_456).unwrap(),
            id: MemoryId(42),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        for raw in [
            "",
            "abc",
            "1_",
            "_2",
            "1_-3",
            "1_x",
            "99999999999999999999_1",
        ] {
            assert_eq!(Cursor::decode(raw), None, "{raw}");
        }
    }

    #[test]
    fn searches_match_literally_and_ignore_case() {
        assert_eq!(Search::new("  "), None);
        assert_eq!(Search::new(" Kids ").unwrap().like_pattern(), "%kids%");
        assert_eq!(
            Search::new("50%_off\\").unwrap().like_pattern(),
            "%50\\%\\_off\\\\%"
        );
    }
}
