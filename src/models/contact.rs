//! Contacts: the row, the insert form, and the writes (create, edit one field, move to Trash,
//! restore, purge), each in one transaction with its audit entry. Editing several fields at
//! once is in [`super::contact_update`], why a write is refused in [`super::contact_conflict`].
//!
//! **Every query that lists, finds or matches contacts starts from [`live`]**: contacts in
//! Trash are gone for the list, search, the API, agent contexts and intake matching (DESIGN
//! §10 names the lifecycle). Only the Trash page, restore and purge look past it; a test in
//! this module keeps `contacts::table` out of queries elsewhere.

use super::audit::{self, Actor, Changes, Subject};
use super::keyset::{self, Page};
use super::schema::contacts;
use super::sql::lower;
use crate::domain::contact_draft::FieldValue;
use crate::domain::contact_patch::{ContactPatch, Sent};
use crate::domain::{ContactDraft, ContactField, ContactId, ContactSource, MetaFields};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::Value;

/// The audit trail's name for this entity.
pub const ENTITY: &str = "contact";

/// Which contacts are live, as an SQL condition on `contacts` aliased `c`, for the raw-SQL
/// statements in `models/` that match or change contacts in bulk (an import's batch lookup
/// and update, `models::contact_import`): the same rule as [`live`] (DESIGN §10), kept next
/// to it so the two change together.
pub const LIVE_SQL: &str = "c.deleted_at IS NULL";

pub use super::contact_conflict::{UniqueValues, WriteError, explain_duplicate};
pub use super::contact_update::{apply_patch, update_fields};

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = contacts)]
pub struct Contact {
    pub id: ContactId,
    pub name: Option<String>,
    pub description: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub nick: Option<String>,
    pub preferences: Option<String>,
    pub meta: Value,
    pub fingerprint: String,
    pub verified_at: Option<DateTime<Utc>>,
    pub source: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Contact {
    pub fn source(&self) -> Option<ContactSource> {
        self.source.parse().ok()
    }

    pub fn meta_fields(&self) -> MetaFields {
        MetaFields::from_stored(&self.meta)
    }

    /// A field's stored value as JSON (`null` when unset), as the audit trail records it.
    pub fn field_json(&self, field: ContactField) -> Value {
        let text = |value: &Option<String>| value.clone().map_or(Value::Null, Value::String);
        match field {
            ContactField::Name => text(&self.name),
            ContactField::Description => text(&self.description),
            ContactField::Email => text(&self.email),
            ContactField::Phone => text(&self.phone),
            ContactField::Nick => text(&self.nick),
            ContactField::Preferences => text(&self.preferences),
            ContactField::Meta => self.meta.clone(),
        }
    }

    /// A field's stored value as one string ("" when unset, compact JSON for meta), the form
    /// an edit carries to detect that someone else changed it meanwhile.
    pub fn field_fingerprint(&self, field: ContactField) -> String {
        match self.field_json(field) {
            Value::Null => String::new(),
            Value::String(text) => text,
            other => other.to_string(),
        }
    }
}

#[derive(Insertable, Debug)]
#[diesel(table_name = contacts)]
pub struct NewContact {
    pub name: Option<String>,
    pub description: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub nick: Option<String>,
    pub preferences: Option<String>,
    pub meta: Value,
    /// `None` lets the database pick a random one.
    pub fingerprint: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
    pub source: String,
}

impl NewContact {
    /// A new contact from a validated draft.
    pub fn from_draft(draft: ContactDraft, source: ContactSource, verified: bool) -> Self {
        NewContact {
            name: draft.name,
            description: draft.description,
            email: draft.email.map(|e| e.into_string()),
            phone: draft.phone.map(|p| p.into_string()),
            nick: draft.nick,
            preferences: draft.preferences,
            meta: draft.meta.into_json(),
            fingerprint: None,
            verified_at: verified.then(Utc::now),
            source: source.as_str().to_string(),
        }
    }

    /// A new contact from the API's checked fields. Unverified unless `verified_at` is given;
    /// without a fingerprint the database picks a random one.
    pub fn from_patch(patch: &ContactPatch, source: ContactSource) -> Self {
        let text = |sent: &Sent<String>| ContactPatch::value(sent).cloned();
        NewContact {
            name: text(&patch.name),
            description: text(&patch.description),
            email: ContactPatch::value(&patch.email).map(|e| e.as_str().to_string()),
            phone: ContactPatch::value(&patch.phone).map(|p| p.e164().to_string()),
            nick: text(&patch.nick),
            preferences: text(&patch.preferences),
            meta: patch.new_meta().into_json(),
            fingerprint: patch.fingerprint().map(|f| f.as_str().to_string()),
            verified_at: ContactPatch::value(&patch.verified_at).copied(),
            source: source.as_str().to_string(),
        }
    }
}

/// Inserts a contact and its "create" audit entry in one transaction.
pub fn create(
    connection: &mut PgConnection,
    contact: NewContact,
    actor: &Actor,
) -> Result<Contact, WriteError> {
    let values = UniqueValues::of_new(&contact);
    connection
        .transaction(|connection| insert(connection, &contact, actor))
        .map_err(|error| explain_duplicate(connection, error, &values))
}

/// Inserts a contact and its "create" audit entry, inside the caller's transaction.
pub fn insert(
    connection: &mut PgConnection,
    contact: &NewContact,
    actor: &Actor,
) -> Result<Contact, WriteError> {
    let created: Contact = diesel::insert_into(contacts::table)
        .values(contact)
        .returning(Contact::as_returning())
        .get_result(connection)?;
    let mut changes = Changes::new();
    for field in ContactField::ALL {
        let after = created.field_json(field);
        if after != Value::Null && after != serde_json::json!({}) {
            changes.field(field.slug(), Value::Null, after);
        }
    }
    audit::record(
        connection,
        actor,
        "create",
        Subject::contact(created.id),
        changes,
    )?;
    Ok(created)
}

/// The contacts that are live: not in Trash. The one place where the lifecycle of DESIGN §10
/// is applied; every list, search and match starts here.
pub fn live() -> Live {
    contacts::table.filter(contacts::deleted_at.is_null())
}

/// The type of [`live`], for queries built on it elsewhere in `models/`.
pub type Live = diesel::dsl::Filter<contacts::table, diesel::dsl::IsNull<contacts::deleted_at>>;

/// A live contact by id (a contact in Trash is not found).
pub fn find(connection: &mut PgConnection, id: ContactId) -> QueryResult<Contact> {
    live()
        .filter(contacts::id.eq(id))
        .select(Contact::as_select())
        .first(connection)
}

/// A contact in Trash by id (for the purge confirmation).
pub fn find_trashed(connection: &mut PgConnection, id: ContactId) -> QueryResult<Contact> {
    contacts::table
        .filter(contacts::id.eq(id))
        .filter(contacts::deleted_at.is_not_null())
        .select(Contact::as_select())
        .first(connection)
}

/// Where a contact is in its lifecycle: live, or in Trash since when and by whom.
#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = contacts)]
pub struct Standing {
    pub deleted_at: Option<DateTime<Utc>>,
    pub deleted_by: Option<String>,
}

/// A contact by id, live or in Trash, with its standing: personal data is exported and
/// erased in either state (a request to erase may come after the contact was deleted).
pub fn find_any(connection: &mut PgConnection, id: ContactId) -> QueryResult<(Contact, Standing)> {
    contacts::table
        .filter(contacts::id.eq(id))
        .select((Contact::as_select(), Standing::as_select()))
        .first(connection)
}

/// The same, locked until the transaction ends: nothing can link a new row to the contact
/// (a foreign key check waits for the lock) while its data is being erased.
pub fn lock_any(connection: &mut PgConnection, id: ContactId) -> QueryResult<Contact> {
    contacts::table
        .filter(contacts::id.eq(id))
        .select(Contact::as_select())
        .for_update()
        .first(connection)
}

/// Deletes the contact's row whatever its state, inside the caller's transaction (the
/// personal data erasure, `models::personal_data`, which removes and audits the rest).
pub(super) fn delete_erased(connection: &mut PgConnection, id: ContactId) -> QueryResult<usize> {
    diesel::delete(contacts::table.filter(contacts::id.eq(id))).execute(connection)
}

/// Whether a live contact with this id exists.
pub fn exists(connection: &mut PgConnection, id: ContactId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(live().filter(contacts::id.eq(id)))).get_result(connection)
}

/// A page of live contacts in creation order (the API's list and its export).
pub fn keyset_page(connection: &mut PgConnection, page: &Page) -> QueryResult<Vec<Contact>> {
    let query = live().select(Contact::as_select()).into_boxed();
    keyset::load(connection, contacts::table, query, page)
}

/// The live contact with this email, ignoring case.
pub fn find_by_email(connection: &mut PgConnection, email: &str) -> QueryResult<Option<Contact>> {
    live()
        .filter(lower(contacts::email).eq(email.trim().to_lowercase()))
        .select(Contact::as_select())
        .first(connection)
        .optional()
}

/// The live contact with this fingerprint.
pub fn find_by_fingerprint(
    connection: &mut PgConnection,
    fingerprint: &str,
) -> QueryResult<Option<Contact>> {
    live()
        .filter(contacts::fingerprint.eq(fingerprint))
        .select(Contact::as_select())
        .first(connection)
        .optional()
}

/// The oldest live contact with this phone number (E.164; phones are not unique).
pub fn find_by_phone(connection: &mut PgConnection, e164: &str) -> QueryResult<Option<Contact>> {
    live()
        .filter(contacts::phone.eq(e164))
        .select(Contact::as_select())
        .order(contacts::id)
        .first(connection)
        .optional()
}

/// The live contact, locked until the transaction ends.
pub fn find_for_update(connection: &mut PgConnection, id: ContactId) -> QueryResult<Contact> {
    live()
        .filter(contacts::id.eq(id))
        .select(Contact::as_select())
        .for_update()
        .first(connection)
}

/// What the editor saw when it opened: the row version, and the field's value then
/// (see [`Contact::field_fingerprint`]).
#[derive(Debug, Clone)]
pub struct SeenState {
    pub version: i32,
    pub value: String,
}

/// How an edit of one field ended.
#[derive(Debug)]
pub enum FieldUpdate {
    Saved(Contact),
    /// The new value equals the stored one; nothing written.
    Unchanged(Contact),
    /// Someone else changed this field since the editor opened; nothing written.
    Conflict(Contact),
}

/// The columns an edit sets (`None`: left as it is).
#[derive(AsChangeset, Default)]
#[diesel(table_name = contacts)]
pub(super) struct FieldChange {
    pub name: Option<Option<String>>,
    pub description: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub nick: Option<Option<String>>,
    pub preferences: Option<Option<String>>,
    pub meta: Option<Value>,
    pub fingerprint: Option<String>,
    pub verified_at: Option<Option<DateTime<Utc>>>,
}

impl FieldChange {
    fn new(field: ContactField, value: FieldValue) -> Self {
        let mut change = FieldChange::default();
        match (field, value) {
            (ContactField::Meta, FieldValue::Meta(meta)) => change.meta = Some(meta.into_json()),
            (ContactField::Name, FieldValue::Text(text)) => change.name = Some(text),
            (ContactField::Description, FieldValue::Text(text)) => change.description = Some(text),
            (ContactField::Email, FieldValue::Text(text)) => change.email = Some(text),
            (ContactField::Phone, FieldValue::Text(text)) => change.phone = Some(text),
            (ContactField::Nick, FieldValue::Text(text)) => change.nick = Some(text),
            (ContactField::Preferences, FieldValue::Text(text)) => change.preferences = Some(text),
            // A meta value for a text field (or the reverse) cannot come out of validation.
            (_, _) => {}
        }
        change
    }
}

fn value_json(value: &FieldValue) -> Value {
    match value {
        FieldValue::Text(text) => text.clone().map_or(Value::Null, Value::String),
        FieldValue::Meta(meta) => meta.to_json(),
    }
}

/// Saves one field, unless someone else changed that same field since `seen`.
///
/// The row is locked while deciding, so two concurrent edits cannot both pass the check.
/// Edits of *other* fields in the meantime do not count as a conflict: the version moved, but
/// this field still holds what the editor showed.
pub fn update_field(
    connection: &mut PgConnection,
    id: ContactId,
    field: ContactField,
    value: FieldValue,
    seen: &SeenState,
    actor: &Actor,
) -> Result<FieldUpdate, WriteError> {
    let email = match (&value, field) {
        (FieldValue::Text(text), ContactField::Email) => text.clone(),
        _ => None,
    };
    connection
        .transaction(|connection| {
            let current = find_for_update(connection, id)?;
            if current.version != seen.version && current.field_fingerprint(field) != seen.value {
                return Ok(FieldUpdate::Conflict(current));
            }
            let before = current.field_json(field);
            let after = value_json(&value);
            if before == after {
                return Ok(FieldUpdate::Unchanged(current));
            }
            let saved: Contact = diesel::update(contacts::table.find(id))
                .set((
                    FieldChange::new(field, value),
                    contacts::version.eq(contacts::version + 1),
                ))
                .returning(Contact::as_returning())
                .get_result(connection)?;
            let mut changes = Changes::new();
            changes.field(field.slug(), before, after);
            audit::record(
                connection,
                actor,
                "update",
                Subject::contact(saved.id),
                changes,
            )?;
            Ok::<_, WriteError>(FieldUpdate::Saved(saved))
        })
        .map_err(|error| {
            let values = UniqueValues {
                email,
                fingerprint: None,
            };
            explain_duplicate(connection, error, &values)
        })
}

/// Moves a live contact to Trash (see the module documentation): it keeps everything linked
/// to it, and [`restore`] brings it back. Returns the contact as it was.
pub fn trash(connection: &mut PgConnection, id: ContactId, actor: &Actor) -> QueryResult<Contact> {
    connection.transaction(|connection| {
        let trashed: Contact = diesel::update(live().filter(contacts::id.eq(id)))
            .set((
                contacts::deleted_at.eq(diesel::dsl::now),
                contacts::deleted_by.eq(actor.name()),
                contacts::version.eq(contacts::version + 1),
            ))
            .returning(Contact::as_returning())
            .get_result(connection)?;
        audit::record(
            connection,
            actor,
            "trash",
            Subject::contact(trashed.id),
            Changes::new(),
        )?;
        Ok(trashed)
    })
}

/// A contact in Trash, as the Trash page lists it.
#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = contacts)]
pub struct TrashedContact {
    pub id: ContactId,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[diesel(select_expression = contacts::deleted_at.assume_not_null())]
    pub deleted_at: DateTime<Utc>,
    #[diesel(select_expression = contacts::deleted_by.assume_not_null())]
    pub deleted_by: String,
}

/// Contacts in Trash, most recently deleted first, `limit` of them after `before` (the last
/// row of the previous page).
pub fn trashed_page(
    connection: &mut PgConnection,
    before: Option<(DateTime<Utc>, ContactId)>,
    limit: i64,
) -> QueryResult<Vec<TrashedContact>> {
    let mut query = contacts::table
        .filter(contacts::deleted_at.is_not_null())
        .select(TrashedContact::as_select())
        .order((contacts::deleted_at.desc(), contacts::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some((deleted_at, id)) = before {
        query = query.filter(
            contacts::deleted_at
                .lt(deleted_at)
                .or(contacts::deleted_at.eq(deleted_at).and(contacts::id.lt(id))),
        );
    }
    query.load(connection)
}

/// How many contacts are in Trash.
pub fn trashed_count(connection: &mut PgConnection) -> QueryResult<i64> {
    contacts::table
        .filter(contacts::deleted_at.is_not_null())
        .count()
        .get_result(connection)
}

/// Brings a contact back from Trash with everything linked to it. Refused, naming the other
/// contact, when a live contact has taken its email or fingerprint meanwhile; `NotFound` when
/// it is not in Trash (restored already, or purged).
pub fn restore(
    connection: &mut PgConnection,
    id: ContactId,
    actor: &Actor,
) -> Result<Contact, WriteError> {
    let restoring: Contact = contacts::table
        .filter(contacts::id.eq(id))
        .filter(contacts::deleted_at.is_not_null())
        .select(Contact::as_select())
        .first(connection)?;
    connection
        .transaction(|connection| {
            let restored: Contact = diesel::update(
                contacts::table
                    .filter(contacts::id.eq(id))
                    .filter(contacts::deleted_at.is_not_null()),
            )
            .set((
                contacts::deleted_at.eq(None::<DateTime<Utc>>),
                contacts::deleted_by.eq(None::<String>),
                contacts::version.eq(contacts::version + 1),
            ))
            .returning(Contact::as_returning())
            .get_result(connection)?;
            audit::record(
                connection,
                actor,
                "restore",
                Subject::contact(restored.id),
                Changes::new(),
            )?;
            Ok::<_, WriteError>(restored)
        })
        .map_err(|error| {
            let values = UniqueValues {
                email: restoring.email.clone(),
                fingerprint: Some(restoring.fingerprint.clone()),
            };
            explain_duplicate(connection, error, &values)
        })
}

/// Deletes a contact in Trash for good, as delete did before Trash (tasks, memories and
/// secrets go; conversations, spaces and ratings stay, detached), recording its last state
/// in the audit trail. Returns what was deleted; `NotFound` when it is not in Trash.
pub fn purge(connection: &mut PgConnection, id: ContactId, actor: &Actor) -> QueryResult<Contact> {
    connection.transaction(|connection| {
        let deleted: Contact = diesel::delete(
            contacts::table
                .filter(contacts::id.eq(id))
                .filter(contacts::deleted_at.is_not_null()),
        )
        .returning(Contact::as_returning())
        .get_result(connection)?;
        let mut changes = Changes::new();
        for field in ContactField::ALL {
            changes.field(field.slug(), deleted.field_json(field), Value::Null);
        }
        audit::record(
            connection,
            actor,
            "delete",
            Subject::contact(deleted.id),
            changes,
        )?;
        Ok(deleted)
    })
}

/// Contacts that went to Trash before `cutoff`, oldest first, at most `limit` (the purge
/// works through them in batches).
pub fn trashed_before(
    connection: &mut PgConnection,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<ContactId>> {
    contacts::table
        .filter(contacts::deleted_at.lt(cutoff))
        .select(contacts::id)
        .order((contacts::deleted_at, contacts::id))
        .limit(limit)
        .load(connection)
}

/// What deleting a contact takes with it and what it leaves, detached (ChatBotKit's rules:
/// tasks, memories and secrets go; conversations, spaces and ratings stay).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, QueryableByName)]
pub struct DeletionImpact {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub tasks: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub memories: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub secrets: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub conversations: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub spaces: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub ratings: i64,
}

pub fn deletion_impact(
    connection: &mut PgConnection,
    id: ContactId,
) -> QueryResult<DeletionImpact> {
    diesel::sql_query(
        "SELECT (SELECT count(*) FROM tasks WHERE contact_id = $1) AS tasks, \
                (SELECT count(*) FROM memories WHERE contact_id = $1) AS memories, \
                (SELECT count(*) FROM secrets WHERE contact_id = $1) AS secrets, \
                (SELECT count(*) FROM conversations WHERE contact_id = $1) AS conversations, \
                (SELECT count(*) FROM spaces WHERE contact_id = $1) AS spaces, \
                (SELECT count(*) FROM ratings WHERE contact_id = $1) AS ratings",
    )
    .bind::<diesel::sql_types::BigInt, _>(id.0)
    .get_result(connection)
}

/// Exact number of live contacts (for small tables and tests; the list page estimates
/// instead).
pub fn count(connection: &mut PgConnection) -> QueryResult<i64> {
    live().count().get_result(connection)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Reads every `.rs` file under `dir`, with its path relative to the crate root.
    fn sources(dir: &Path, root: &Path, found: &mut Vec<(String, String)>) {
        let entries = std::fs::read_dir(dir).expect("src is readable");
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                sources(&path, root, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let relative = path
                    .strip_prefix(root)
                    .expect("under the root")
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path).expect("a source file");
                found.push((relative, text));
            }
        }
    }

    /// DESIGN's rule that every query listing or matching contacts goes through `live()`,
    /// kept by a test rather than by memory: outside this module (and the schema and the
    /// demo seed, which writes contacts before any can be in Trash) `contacts::table` may
    /// appear only as the target of an update by id, or in a type.
    #[test]
    fn contacts_are_queried_through_live_only() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(&root.join("src"), root, &mut files);
        assert!(files.len() > 50, "found the sources");
        let exempt = ["src/models/contact.rs", "src/models/schema.rs"];
        let mut offending = Vec::new();
        for (path, text) in &files {
            if exempt.contains(&path.as_str()) || path.starts_with("src/seed/") {
                continue;
            }
            for (number, line) in text.lines().enumerate() {
                let allowed = line.contains("diesel::update(contacts::table.find(")
                    || line.contains("BoxableExpression<contacts::table");
                if line.contains("contacts::table") && !allowed {
                    offending.push(format!("{path}:{}: {}", number + 1, line.trim()));
                }
            }
        }
        assert!(
            offending.is_empty(),
            "query contacts through models::contact::live():\n{}",
            offending.join("\n")
        );
    }
}
