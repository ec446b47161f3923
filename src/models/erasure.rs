//! Erasing a contact's personal data (DESIGN §10), in one transaction: the contact, live or in
//! Trash, and everything linked to it that identifies the person go (conversations with their
//! messages, memories, tasks, secrets, ratings, spaces with their file rows); past audit
//! entries keep their action, actor and time but lose their personal values
//! (`domain::erasure` says which); one new entry says who erased which contact id. The
//! files' bytes are removed by the caller once the transaction has committed (rows first,
//! bytes after, as spaces do), and the periodic sweep (`jobs::space_files_sweep`) removes
//! any a crash left behind.

use super::audit::{self, Actor, Changes, Subject};
use super::contact;
use super::schema::{
    audit_events, conversations, jobs, memories, messages, ratings, secrets, space_files, spaces,
    tasks, widget_sessions,
};
use super::{conversation, memory, message, rating, secret, space, space_file, task};
use crate::domain::erasure::{self, ERASED};
use crate::domain::{
    ContactId, ConversationId, MemoryId, MessageId, RatingId, SecretId, SpaceFileId, SpaceId,
    TaskId,
};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Jsonb, Text};
use serde_json::{Value, json};

/// Audit entries (or jobs) rewritten per statement.
const PAGE: i64 = 500;

/// What an erase removed, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    pub conversations: i64,
    pub messages: i64,
    pub tasks: i64,
    pub memories: i64,
    pub secrets: i64,
    pub ratings: i64,
    pub spaces: i64,
    pub files: i64,
    /// Past audit entries whose personal values became "erased".
    pub audit_entries: i64,
}

/// The outcome of [`erase`]: what went, and the bytes to delete from disk now that the rows
/// are gone (per space, the storage keys of its files).
#[derive(Debug, Clone)]
pub struct Erased {
    pub contact_id: ContactId,
    pub removed: Removed,
    pub files: Vec<(SpaceId, Vec<String>)>,
}

/// The rows linked to the contact, found (and locked, where a concurrent write could add to
/// them) before anything is deleted.
struct Linked {
    conversations: Vec<ConversationId>,
    messages: Vec<MessageId>,
    tasks: Vec<TaskId>,
    memories: Vec<MemoryId>,
    secrets: Vec<SecretId>,
    ratings: Vec<RatingId>,
    spaces: Vec<SpaceId>,
    files: Vec<(SpaceId, SpaceFileId, String)>,
}

impl Linked {
    fn find(connection: &mut PgConnection, id: ContactId) -> QueryResult<Linked> {
        // Locked: an upload into one of these spaces waits for the erase and then finds
        // the space gone, rather than adding a file the erase would miss.
        let spaces: Vec<SpaceId> = spaces::table
            .filter(spaces::contact_id.eq(id))
            .select(spaces::id)
            .order(spaces::id)
            .for_update()
            .load(connection)?;
        let files = space_files::table
            .filter(space_files::space_id.eq_any(&spaces))
            .select((
                space_files::space_id,
                space_files::id,
                space_files::storage_key,
            ))
            .order(space_files::id)
            .load(connection)?;
        let conversations: Vec<ConversationId> = conversations::table
            .filter(conversations::contact_id.eq(id))
            .select(conversations::id)
            .order(conversations::id)
            .for_update()
            .load(connection)?;
        let messages = messages::table
            .filter(messages::conversation_id.eq_any(&conversations))
            .select(messages::id)
            .load(connection)?;
        let ratings = ratings::table
            .filter(
                ratings::contact_id
                    .eq(id)
                    .or(ratings::conversation_id.eq_any(&conversations)),
            )
            .select(ratings::id)
            .load(connection)?;
        Ok(Linked {
            tasks: tasks::table
                .filter(tasks::contact_id.eq(id))
                .select(tasks::id)
                .load(connection)?,
            memories: memories::table
                .filter(memories::contact_id.eq(id))
                .select(memories::id)
                .load(connection)?,
            secrets: secrets::table
                .filter(secrets::contact_id.eq(id))
                .select(secrets::id)
                .load(connection)?,
            conversations,
            messages,
            ratings,
            spaces,
            files,
        })
    }

    /// Each audit entity with the ids of its rows that are being erased.
    fn by_entity(&self) -> Vec<(&'static str, Vec<i64>)> {
        fn raw<T: Copy + Into<i64>>(ids: &[T]) -> Vec<i64> {
            ids.iter().map(|&id| id.into()).collect()
        }
        vec![
            (conversation::ENTITY, raw(&self.conversations)),
            (message::ENTITY, raw(&self.messages)),
            (task::ENTITY, raw(&self.tasks)),
            (memory::ENTITY, raw(&self.memories)),
            (secret::ENTITY, raw(&self.secrets)),
            (rating::ENTITY, raw(&self.ratings)),
            (space::ENTITY, raw(&self.spaces)),
            (
                space_file::ENTITY,
                self.files.iter().map(|(_, id, _)| id.0).collect(),
            ),
        ]
    }

    fn files_by_space(&self) -> Vec<(SpaceId, Vec<String>)> {
        self.spaces
            .iter()
            .map(|&space| {
                let keys = self
                    .files
                    .iter()
                    .filter(|(owner, _, _)| *owner == space)
                    .map(|(_, _, key)| key.clone())
                    .collect();
                (space, keys)
            })
            .collect()
    }
}

/// Erases the contact `id` (live or in Trash) and everything linked to it, as the module
/// documentation says; `NotFound` when there is no such contact. Remove the returned files
/// from disk after this returns.
pub fn erase(connection: &mut PgConnection, id: ContactId, actor: &Actor) -> QueryResult<Erased> {
    connection.transaction(|connection| {
        // Rewriting the history reads the whole audit trail for mentions: once started, an
        // erase should finish rather than hit the short per-statement limit of requests.
        diesel::sql_query("SET LOCAL statement_timeout = '300s'").execute(connection)?;
        let found = contact::lock_any(connection, id)?;
        let linked = Linked::find(connection, id)?;

        let mut rewritten = erase_history(connection, id, &linked.by_entity())?;
        let needles: Vec<String> = [
            found.email.clone(),
            found.phone.clone(),
            Some(found.fingerprint.clone()),
            Some(erasure::label_marker(id.0)),
        ]
        .into_iter()
        .flatten()
        .map(|needle| needle.to_lowercase())
        .filter(|needle| !needle.is_empty())
        .collect();
        rewritten += erase_mentions(connection, &needles)?;
        erase_job_mentions(connection, &needles)?;

        diesel::delete(ratings::table.filter(ratings::id.eq_any(&linked.ratings)))
            .execute(connection)?;
        // Messages, their webhook deliveries, widget sessions and intake matches go with
        // their conversation (ON DELETE CASCADE).
        diesel::delete(
            conversations::table.filter(conversations::id.eq_any(&linked.conversations)),
        )
        .execute(connection)?;
        diesel::delete(widget_sessions::table.filter(widget_sessions::contact_id.eq(id)))
            .execute(connection)?;
        // File rows go with their space.
        diesel::delete(spaces::table.filter(spaces::id.eq_any(&linked.spaces)))
            .execute(connection)?;
        // Tasks, memories and secrets go with the contact.
        contact::delete_erased(connection, id)?;

        let removed = Removed {
            conversations: linked.conversations.len() as i64,
            messages: linked.messages.len() as i64,
            tasks: linked.tasks.len() as i64,
            memories: linked.memories.len() as i64,
            secrets: linked.secrets.len() as i64,
            ratings: linked.ratings.len() as i64,
            spaces: linked.spaces.len() as i64,
            files: linked.files.len() as i64,
            audit_entries: rewritten,
        };
        audit::record(
            connection,
            actor,
            "erase",
            Subject::contact(id),
            counts_changes(&removed),
        )?;
        Ok(Erased {
            contact_id: id,
            removed,
            files: linked.files_by_space(),
        })
    })
}

/// The erase entry's changes: how many of each kind went (numbers only, nothing personal).
fn counts_changes(removed: &Removed) -> Changes {
    let mut changes = Changes::new();
    for (name, count) in [
        ("conversations", removed.conversations),
        ("messages", removed.messages),
        ("tasks", removed.tasks),
        ("memories", removed.memories),
        ("secrets", removed.secrets),
        ("ratings", removed.ratings),
        ("spaces", removed.spaces),
        ("files", removed.files),
    ] {
        changes.field(name, json!(count), json!(0));
    }
    changes
}

#[derive(QueryableByName)]
struct EventChanges {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Jsonb)]
    changes: Value,
}

/// Writes new `changes` for these audit entries, in one statement.
fn rewrite(connection: &mut PgConnection, rows: &[(i64, Value)]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let (ids, changes): (Vec<i64>, Vec<Value>) = rows.iter().cloned().unzip();
    diesel::sql_query(
        "UPDATE audit_events AS a SET changes = t.c, updated_at = now() \
           FROM unnest($1::bigint[], $2::jsonb[]) AS t(i, c) WHERE a.id = t.i",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<Jsonb>, _>(&changes)
    .execute(connection)?;
    Ok(())
}

/// Entries about the contact (its History) and about any of the rows being erased: every
/// personal value becomes "erased". Returns how many entries there were.
fn erase_history(
    connection: &mut PgConnection,
    id: ContactId,
    rows: &[(&'static str, Vec<i64>)],
) -> QueryResult<i64> {
    type Predicate = Box<dyn BoxableExpression<audit_events::table, Pg, SqlType = Bool>>;
    let about = || -> Predicate {
        let mut predicate: Predicate = Box::new(audit::about_contact(id));
        for (entity, ids) in rows.iter().filter(|(_, ids)| !ids.is_empty()) {
            predicate = Box::new(
                predicate.or(audit_events::entity
                    .eq(*entity)
                    .and(audit_events::entity_id.eq_any(ids.clone()))),
            );
        }
        predicate
    };
    let mut after = 0_i64;
    let mut total = 0_i64;
    loop {
        let page: Vec<(i64, Value)> = audit_events::table
            .filter(about())
            .filter(audit_events::id.gt(after))
            .select((audit_events::id, audit_events::changes))
            .order(audit_events::id.asc())
            .limit(PAGE)
            .load(connection)?;
        let Some(&(last, _)) = page.last() else {
            return Ok(total);
        };
        let erased: Vec<(i64, Value)> = page
            .iter()
            .map(|(id, changes)| (*id, erasure::erase_changes(changes)))
            .collect();
        rewrite(connection, &erased)?;
        total += page.len() as i64;
        after = last;
    }
}

/// Entries about anyone else that mention the contact (a conversation moved from it to
/// another contact names both): only the mentioning values become "erased". Returns how
/// many entries changed.
fn erase_mentions(connection: &mut PgConnection, needles: &[String]) -> QueryResult<i64> {
    let mut after = 0_i64;
    let mut total = 0_i64;
    loop {
        let page: Vec<EventChanges> = diesel::sql_query(
            "SELECT id, changes FROM audit_events \
              WHERE id > $1 AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS n(t) \
                                         WHERE strpos(lower(changes::text), n.t) > 0) \
              ORDER BY id LIMIT $3",
        )
        .bind::<BigInt, _>(after)
        .bind::<Array<Text>, _>(needles)
        .bind::<BigInt, _>(PAGE)
        .load(connection)?;
        let Some(last) = page.last().map(|row| row.id) else {
            return Ok(total);
        };
        let erased: Vec<(i64, Value)> = page
            .iter()
            .filter_map(|row| {
                let (changes, changed) = erasure::erase_mentions(&row.changes, needles);
                changed.then_some((row.id, changes))
            })
            .collect();
        rewrite(connection, &erased)?;
        total += erased.len() as i64;
        after = last;
    }
}

/// Jobs whose parameters, report or error mention the contact (an import's report quotes
/// the rows it could not take): the mentioning values become "erased".
fn erase_job_mentions(connection: &mut PgConnection, needles: &[String]) -> QueryResult<()> {
    let mentioning = sql::<Bool>("EXISTS (SELECT 1 FROM unnest(")
        .bind::<Array<Text>, _>(needles)
        .sql(
            "::text[]) AS n(t) WHERE strpos(lower(jobs.parameters::text || jobs.counts::text \
         || jobs.report::text || coalesce(jobs.error, '')), n.t) > 0)",
        );
    type JobText = (i64, Value, Value, Value, Option<String>);
    let found: Vec<JobText> = jobs::table
        .filter(mentioning)
        .select((
            jobs::id,
            jobs::parameters,
            jobs::counts,
            jobs::report,
            jobs::error,
        ))
        .load(connection)?;
    for (id, parameters, counts, report, error) in found {
        let (parameters, _) = erasure::erase_mentions(&parameters, needles);
        let (counts, _) = erasure::erase_mentions(&counts, needles);
        let (report, _) = erasure::erase_mentions(&report, needles);
        let error = error.map(|text| {
            let lower = text.to_lowercase();
            if needles.iter().any(|needle| lower.contains(needle.as_str())) {
                ERASED.to_string()
            } else {
                text
            }
        });
        diesel::update(jobs::table.find(id))
            .set((
                jobs::parameters.eq(parameters),
                jobs::counts.eq(counts),
                jobs::report.eq(report),
                jobs::error.eq(error),
            ))
            .execute(connection)?;
    }
    Ok(())
}
