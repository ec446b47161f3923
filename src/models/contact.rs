//! Contacts: the row, the insert form, and the writes (create, edit one field, delete), each
//! in one transaction with its audit entry. Editing several fields at once is in
//! [`super::contact_update`], why a write is refused in [`super::contact_conflict`].

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
/// and update, `models::contact_import`). Every contact is live until contacts can be in
/// Trash (DESIGN §10); then this becomes `c.deleted_at IS NULL`, in this one place.
pub const LIVE_SQL: &str = "TRUE";

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

pub fn find(connection: &mut PgConnection, id: ContactId) -> QueryResult<Contact> {
    contacts::table
        .find(id)
        .select(Contact::as_select())
        .first(connection)
}

/// The contact with this email, ignoring case.
/// Whether a contact with this id exists.
pub fn exists(connection: &mut PgConnection, id: ContactId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(contacts::table.find(id))).get_result(connection)
}

/// A page of contacts in creation order (the API's list and its export).
pub fn keyset_page(connection: &mut PgConnection, page: &Page) -> QueryResult<Vec<Contact>> {
    let query = contacts::table.select(Contact::as_select()).into_boxed();
    keyset::load(connection, contacts::table, query, page)
}

pub fn find_by_email(connection: &mut PgConnection, email: &str) -> QueryResult<Option<Contact>> {
    contacts::table
        .filter(lower(contacts::email).eq(email.trim().to_lowercase()))
        .select(Contact::as_select())
        .first(connection)
        .optional()
}

/// The contact with this fingerprint.
pub fn find_by_fingerprint(
    connection: &mut PgConnection,
    fingerprint: &str,
) -> QueryResult<Option<Contact>> {
    contacts::table
        .filter(contacts::fingerprint.eq(fingerprint))
        .select(Contact::as_select())
        .first(connection)
        .optional()
}

/// The oldest contact with this phone number (E.164; phones are not unique).
pub fn find_by_phone(connection: &mut PgConnection, e164: &str) -> QueryResult<Option<Contact>> {
    contacts::table
        .filter(contacts::phone.eq(e164))
        .select(Contact::as_select())
        .order(contacts::id)
        .first(connection)
        .optional()
}

/// The contact, locked until the transaction ends.
pub fn find_for_update(connection: &mut PgConnection, id: ContactId) -> QueryResult<Contact> {
    contacts::table
        .find(id)
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
            let current: Contact = contacts::table
                .find(id)
                .select(Contact::as_select())
                .for_update()
                .first(connection)?;
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

/// Deletes a contact, recording its last state in the audit trail. Returns what was deleted.
pub fn delete(connection: &mut PgConnection, id: ContactId, actor: &Actor) -> QueryResult<Contact> {
    connection.transaction(|connection| {
        let deleted: Contact = diesel::delete(contacts::table.find(id))
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

/// Exact number of contacts (for small tables and tests; the list page estimates instead).
pub fn count(connection: &mut PgConnection) -> QueryResult<i64> {
    contacts::table.count().get_result(connection)
}
