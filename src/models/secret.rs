//! Contact secrets: the row, and every write (create, rename, replace the value, reveal,
//! delete), each in one transaction with its audit entry. Re-encrypting everything under a
//! new key is in [`super::secret_rotation`].
//!
//! Values are only ever stored sealed ([`crate::domain::secret_box`]) with the row's identity
//! as associated data, so the id has to be known before encrypting: [`create`] reserves it
//! with `nextval` on the identity sequence and inserts the finished row in one `INSERT …
//! OVERRIDING SYSTEM VALUE`. The row never exists without its ciphertext, and a rolled-back
//! create only skips a number, as any failed insert does.
//!
//! Audit entries never hold a value: the `value` field is recorded as `"set"`, `"changed"` or
//! gone, and a reveal records who revealed which secret.

use super::audit::{self, Actor, Changes, Subject};
use super::keyset::{self, Page};
use super::schema::secrets;
use crate::domain::secret::{PayloadError, SecretDetails, SecretKind, SecretValue};
use crate::domain::secret_box::{
    self, Keyring, Sealed, SecretBoxError, SecretIdentity, SecretsKey,
};
use crate::domain::{ContactId, SecretId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Bytea, Nullable, Text};
use serde_json::{Value, json};
use std::fmt;

/// The audit trail's name for this entity.
pub const ENTITY: &str = "secret";
const NAME_UNIQUE: &str = "secrets_contact_id_name_key";

/// A stored secret, ciphertext included.
#[derive(Queryable, Selectable, QueryableByName, Clone)]
#[diesel(table_name = secrets)]
pub struct Secret {
    pub id: SecretId,
    pub contact_id: ContactId,
    pub name: String,
    pub description: Option<String>,
    pub kind: String,
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("id", &self.id)
            .field("contact_id", &self.contact_id)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("key_id", &self.key_id)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl Secret {
    /// What the ciphertext is bound to.
    pub fn identity(&self) -> SecretIdentity<'_> {
        SecretIdentity {
            contact_id: self.contact_id,
            secret_id: self.id,
            kind: &self.kind,
        }
    }

    pub fn sealed(&self) -> Sealed {
        Sealed {
            ciphertext: self.ciphertext.clone(),
            nonce: self.nonce.clone(),
            key_id: self.key_id.clone(),
        }
    }

    /// The kind; a stored value outside the CHECK constraint cannot occur.
    pub fn kind(&self) -> Option<SecretKind> {
        self.kind.parse().ok()
    }

    /// Decrypts the value, or says clearly why not.
    pub fn open(&self, keyring: &Keyring) -> Result<SecretValue, RevealError> {
        let payload = secret_box::open(keyring, self.identity(), &self.sealed())?;
        let kind = self.kind().ok_or(RevealError::Payload(PayloadError {
            kind: SecretKind::Plain,
        }))?;
        Ok(SecretValue::from_payload(kind, &payload)?)
    }
}

/// A secret as the list shows it: no ciphertext is even loaded.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = secrets)]
pub struct SecretSummary {
    pub id: SecretId,
    pub contact_id: ContactId,
    pub name: String,
    pub description: Option<String>,
    pub kind: String,
    pub key_id: String,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// Why a value could not be shown. Says which key is missing; never carries the value.
#[derive(Debug, thiserror::Error)]
pub enum RevealError {
    #[error(transparent)]
    Crypto(#[from] SecretBoxError),
    #[error(transparent)]
    Payload(#[from] PayloadError),
}

/// Why a write was refused, for reasons the user can act on.
#[derive(Debug)]
pub enum WriteError {
    /// This contact already has a secret with this name.
    NameTaken,
    Crypto(SecretBoxError),
    Database(DieselError),
}

impl From<DieselError> for WriteError {
    fn from(error: DieselError) -> Self {
        match &error {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
                if info.constraint_name() == Some(NAME_UNIQUE) =>
            {
                WriteError::NameTaken
            }
            // The contact was deleted meanwhile.
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                WriteError::Database(DieselError::NotFound)
            }
            _ => WriteError::Database(error),
        }
    }
}

impl From<SecretBoxError> for WriteError {
    fn from(error: SecretBoxError) -> Self {
        WriteError::Crypto(error)
    }
}

impl From<WriteError> for crate::AppError {
    fn from(error: WriteError) -> Self {
        match error {
            WriteError::NameTaken => crate::AppError::Conflict(
                "This contact already has a secret with this name.".into(),
            ),
            WriteError::Crypto(error) => crate::AppError::internal(error),
            WriteError::Database(error) => error.into(),
        }
    }
}

/// How an edit ended.
#[derive(Debug)]
pub enum Update {
    Saved(Secret),
    /// Nothing differs from what is stored; nothing written.
    Unchanged(Secret),
    /// Someone else changed the secret since the form was opened; nothing written.
    Conflict(Secret),
}

/// How many secrets a contact has (the tab's count).
pub fn count(connection: &mut PgConnection, contact: ContactId) -> QueryResult<i64> {
    secrets::table
        .filter(secrets::contact_id.eq(contact))
        .count()
        .get_result(connection)
}

/// A page of a contact's secrets in creation order, each with when it was created (the API's
/// list; the tab lists them by name, see [`list`]). No ciphertext is loaded.
pub fn keyset_page(
    connection: &mut PgConnection,
    contact: ContactId,
    page: &Page,
) -> QueryResult<Vec<(SecretSummary, DateTime<Utc>)>> {
    let query = secrets::table
        .filter(secrets::contact_id.eq(contact))
        .select((SecretSummary::as_select(), secrets::created_at))
        .into_boxed();
    keyset::load(connection, secrets::table, query, page)
}

/// A contact's secrets by name, `limit` at a time, continuing after the name `after`
/// (keyset pagination on the `(contact_id, name)` unique index).
pub fn list(
    connection: &mut PgConnection,
    contact: ContactId,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<SecretSummary>> {
    let mut query = secrets::table
        .filter(secrets::contact_id.eq(contact))
        .select(SecretSummary::as_select())
        .order(secrets::name.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(secrets::name.gt(after.to_string()));
    }
    query.load(connection)
}

/// One secret of this contact (404 for another contact's secret).
pub fn find(
    connection: &mut PgConnection,
    contact: ContactId,
    id: SecretId,
) -> QueryResult<Secret> {
    secrets::table
        .filter(secrets::id.eq(id))
        .filter(secrets::contact_id.eq(contact))
        .select(Secret::as_select())
        .first(connection)
}

fn find_for_update(
    connection: &mut PgConnection,
    contact: ContactId,
    id: SecretId,
) -> QueryResult<Secret> {
    secrets::table
        .filter(secrets::id.eq(id))
        .filter(secrets::contact_id.eq(contact))
        .select(Secret::as_select())
        .for_update()
        .first(connection)
}

fn text(value: &Option<String>) -> Value {
    value.clone().map_or(Value::Null, Value::String)
}

/// Names the secret in an event that does not change its name, so History says which one.
pub(super) fn identify(changes: &mut Changes, name: &str) {
    changes.field("secret", Value::Null, json!(name));
}

#[derive(QueryableByName)]
struct Reserved {
    #[diesel(sql_type = BigInt)]
    id: SecretId,
}

/// Takes `count` ids from the secrets' identity sequence, for rows whose ciphertext must be
/// bound to their id before they are inserted.
pub fn reserve_ids(connection: &mut PgConnection, count: i64) -> QueryResult<Vec<SecretId>> {
    let reserved: Vec<Reserved> = diesel::sql_query(
        "SELECT nextval(pg_get_serial_sequence('secrets', 'id')) AS id \
         FROM generate_series(1, $1)",
    )
    .bind::<BigInt, _>(count)
    .load(connection)?;
    Ok(reserved.into_iter().map(|r| r.id).collect())
}

/// Adds a secret, encrypted under `key`, and its "create" audit entry.
pub fn create(
    connection: &mut PgConnection,
    contact: ContactId,
    details: &SecretDetails,
    value: &SecretValue,
    key: &SecretsKey,
    actor: &Actor,
) -> Result<Secret, WriteError> {
    connection.transaction(|connection| {
        let id = reserve_ids(connection, 1)?
            .pop()
            .ok_or(DieselError::NotFound)?;
        let kind = value.kind();
        let sealed = secret_box::seal(
            key,
            SecretIdentity {
                contact_id: contact,
                secret_id: id,
                kind: kind.as_str(),
            },
            &value.to_payload(),
        )?;
        let created: Secret = diesel::sql_query(
            "INSERT INTO secrets (id, contact_id, name, description, kind, ciphertext, nonce, key_id) \
             OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *",
        )
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(contact)
        .bind::<Text, _>(&details.name)
        .bind::<Nullable<Text>, _>(&details.description)
        .bind::<Text, _>(kind.as_str())
        .bind::<Bytea, _>(&sealed.ciphertext)
        .bind::<Bytea, _>(&sealed.nonce)
        .bind::<Text, _>(&sealed.key_id)
        .get_result(connection)?;
        let mut changes = Changes::new();
        changes
            .field("name", Value::Null, json!(created.name))
            .field("description", Value::Null, text(&created.description))
            .field("kind", Value::Null, json!(created.kind))
            .field("value", Value::Null, json!("set"));
        audit::record(
            connection,
            actor,
            "create",
            Subject::of_contact(ENTITY, created.id, Some(contact)),
            changes,
        )?;
        Ok(created)
    })
}

/// Renames or re-describes a secret, unless it changed since `seen_version`.
pub fn update_details(
    connection: &mut PgConnection,
    contact: ContactId,
    id: SecretId,
    seen_version: i32,
    details: &SecretDetails,
    actor: &Actor,
) -> Result<Update, WriteError> {
    connection.transaction(|connection| {
        let current = find_for_update(connection, contact, id)?;
        if current.version != seen_version {
            return Ok(Update::Conflict(current));
        }
        if current.name == details.name && current.description == details.description {
            return Ok(Update::Unchanged(current));
        }
        let saved: Secret = diesel::update(secrets::table.find(id))
            .set((
                secrets::name.eq(&details.name),
                secrets::description.eq(&details.description),
                secrets::version.eq(secrets::version + 1),
            ))
            .returning(Secret::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes
            .field("name", json!(current.name), json!(saved.name))
            .field(
                "description",
                text(&current.description),
                text(&saved.description),
            );
        if current.name == saved.name {
            identify(&mut changes, &saved.name);
        }
        audit::record(
            connection,
            actor,
            "update",
            Subject::of_contact(ENTITY, id, Some(contact)),
            changes,
        )?;
        Ok(Update::Saved(saved))
    })
}

/// Replaces ("rotates") the value: a new value, possibly of another kind, with a new nonce,
/// encrypted under `key`; unless the secret changed since `seen_version`.
pub fn replace_value(
    connection: &mut PgConnection,
    contact: ContactId,
    id: SecretId,
    seen_version: i32,
    value: &SecretValue,
    key: &SecretsKey,
    actor: &Actor,
) -> Result<Update, WriteError> {
    connection.transaction(|connection| {
        let current = find_for_update(connection, contact, id)?;
        if current.version != seen_version {
            return Ok(Update::Conflict(current));
        }
        let kind = value.kind();
        let sealed = secret_box::seal(
            key,
            SecretIdentity {
                contact_id: contact,
                secret_id: id,
                kind: kind.as_str(),
            },
            &value.to_payload(),
        )?;
        let saved: Secret = diesel::update(secrets::table.find(id))
            .set((
                secrets::kind.eq(kind.as_str()),
                secrets::ciphertext.eq(&sealed.ciphertext),
                secrets::nonce.eq(&sealed.nonce),
                secrets::key_id.eq(&sealed.key_id),
                secrets::version.eq(secrets::version + 1),
            ))
            .returning(Secret::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        identify(&mut changes, &saved.name);
        changes
            .field("kind", json!(current.kind), json!(saved.kind))
            .field("value", json!("set"), json!("changed"));
        audit::record(
            connection,
            actor,
            "update",
            Subject::of_contact(ENTITY, id, Some(contact)),
            changes,
        )?;
        Ok(Update::Saved(saved))
    })
}

/// Why [`update_details_and_value`] rolled back.
enum Rollback {
    Write(WriteError),
    Conflict(Box<Secret>),
}

impl From<DieselError> for Rollback {
    fn from(error: DieselError) -> Self {
        Rollback::Write(error.into())
    }
}

impl From<WriteError> for Rollback {
    fn from(error: WriteError) -> Self {
        Rollback::Write(error)
    }
}

/// What [`update_details_and_value`] writes: the details, and the value when one was sent.
#[derive(Debug, Clone, Copy)]
pub struct Edit<'a> {
    pub details: &'a SecretDetails,
    pub value: Option<&'a SecretValue>,
}

/// [`update_details`], then [`replace_value`] when a value is given, in one transaction (the
/// API's update): both are written or neither, each with its audit entry as the dashboard's
/// edit and replace record them. Ends with the last step's outcome.
pub fn update_details_and_value(
    connection: &mut PgConnection,
    contact: ContactId,
    id: SecretId,
    seen_version: i32,
    edit: Edit<'_>,
    key: &SecretsKey,
    actor: &Actor,
) -> Result<Update, WriteError> {
    let Edit { details, value } = edit;
    let outcome = connection.transaction::<_, Rollback, _>(|connection| {
        let mut version = seen_version;
        let mut outcome = match update_details(connection, contact, id, version, details, actor)? {
            Update::Conflict(current) => return Err(Rollback::Conflict(Box::new(current))),
            Update::Saved(saved) => {
                version = saved.version;
                Update::Saved(saved)
            }
            unchanged => unchanged,
        };
        if let Some(value) = value {
            outcome = match replace_value(connection, contact, id, version, value, key, actor)? {
                Update::Conflict(current) => return Err(Rollback::Conflict(Box::new(current))),
                written => written,
            };
        }
        Ok(outcome)
    });
    match outcome {
        Ok(outcome) => Ok(outcome),
        Err(Rollback::Conflict(current)) => Ok(Update::Conflict(*current)),
        Err(Rollback::Write(error)) => Err(error),
    }
}

/// Deletes a secret, recording what it was (never its value).
pub fn delete(
    connection: &mut PgConnection,
    contact: ContactId,
    id: SecretId,
    actor: &Actor,
) -> QueryResult<Secret> {
    connection.transaction(|connection| {
        let deleted: Secret = diesel::delete(
            secrets::table
                .filter(secrets::id.eq(id))
                .filter(secrets::contact_id.eq(contact)),
        )
        .returning(Secret::as_returning())
        .get_result(connection)?;
        let mut changes = Changes::new();
        changes
            .field("name", json!(deleted.name), Value::Null)
            .field("description", text(&deleted.description), Value::Null)
            .field("kind", json!(deleted.kind), Value::Null)
            .field("value", json!("set"), Value::Null);
        audit::record(
            connection,
            actor,
            "delete",
            Subject::of_contact(ENTITY, id, Some(contact)),
            changes,
        )?;
        Ok(deleted)
    })
}

/// How a reveal ended.
#[derive(Debug)]
pub enum Revealed {
    Shown {
        secret: Secret,
        value: SecretValue,
    },
    /// The value cannot be decrypted (wrong key, tampering); nothing was recorded.
    Unreadable {
        secret: Secret,
        error: RevealError,
    },
}

/// Decrypts a secret for showing and records the reveal ("revealed", no value) in the same
/// transaction. A value that cannot be decrypted is not recorded as revealed.
pub fn reveal(
    connection: &mut PgConnection,
    contact: ContactId,
    id: SecretId,
    keyring: &Keyring,
    actor: &Actor,
) -> QueryResult<Revealed> {
    connection.transaction(|connection| {
        let secret = find(connection, contact, id)?;
        let value = match secret.open(keyring) {
            Ok(value) => value,
            Err(error) => return Ok(Revealed::Unreadable { secret, error }),
        };
        let mut changes = Changes::new();
        identify(&mut changes, &secret.name);
        audit::record(
            connection,
            actor,
            "revealed",
            Subject::of_contact(ENTITY, id, Some(contact)),
            changes,
        )?;
        Ok(Revealed::Shown { secret, value })
    })
}
