//! Editing several fields of a contact at once, as the API does (`contact/{id}/update`, and
//! the filling of empty fields by `contact/ensure`): one transaction, one audit entry listing
//! each changed field with its value before and after.

use super::audit::{self, Actor, Changes, Subject};
use super::contact::{
    Contact, FieldChange, UniqueValues, WriteError, explain_duplicate, find_for_update,
};
use super::schema::contacts;
use crate::domain::contact_patch::ContactPatch;
use crate::domain::{ContactField, ContactId};
use chrono::{DateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use serde_json::Value;

/// Saves every field the API sent, in one transaction with one audit entry listing each
/// changed field. Last write wins, as in ChatBotKit: there is no version check (the version
/// still moves, so a dashboard editor open meanwhile notices). Nothing changed → nothing
/// written.
pub fn update_fields(
    connection: &mut PgConnection,
    id: ContactId,
    patch: &ContactPatch,
    actor: &Actor,
) -> Result<Contact, WriteError> {
    let values = UniqueValues::of_patch(patch);
    connection
        .transaction(|connection| {
            let current = find_for_update(connection, id)?;
            apply_patch(connection, current, patch, actor)
        })
        .map_err(|error| explain_duplicate(connection, error, &values))
}

/// Applies `patch` to `current` (locked by the caller, inside its transaction) and records
/// the "update" audit entry. Returns the row as it now is.
pub fn apply_patch(
    connection: &mut PgConnection,
    current: Contact,
    patch: &ContactPatch,
    actor: &Actor,
) -> Result<Contact, WriteError> {
    let mut change = FieldChange::default();
    let mut changes = Changes::new();
    let mut text = |field: ContactField, sent: Option<Option<String>>| {
        let after = sent?;
        let before = current.field_json(field);
        let after_json = after.clone().map_or(Value::Null, Value::String);
        (before != after_json).then(|| {
            changes.field(field.slug(), before, after_json);
            after
        })
    };
    change.name = text(ContactField::Name, patch.name.clone());
    change.description = text(ContactField::Description, patch.description.clone());
    change.email = text(
        ContactField::Email,
        patch.email.clone().map(|e| e.map(|e| e.into_string())),
    );
    change.phone = text(
        ContactField::Phone,
        patch.phone.clone().map(|p| p.map(|p| p.into_string())),
    );
    change.nick = text(ContactField::Nick, patch.nick.clone());
    change.preferences = text(ContactField::Preferences, patch.preferences.clone());
    if let Some(meta_change) = &patch.meta {
        let meta = meta_change
            .apply(&current.meta_fields())
            .map_err(WriteError::Invalid)?
            .into_json();
        if meta != current.meta {
            changes.field(
                ContactField::Meta.slug(),
                current.meta.clone(),
                meta.clone(),
            );
            change.meta = Some(meta);
        }
    }
    if let Some(fingerprint) = patch.fingerprint()
        && fingerprint.as_str() != current.fingerprint
    {
        changes.field(
            "fingerprint",
            Value::String(current.fingerprint.clone()),
            Value::String(fingerprint.as_str().to_string()),
        );
        change.fingerprint = Some(fingerprint.as_str().to_string());
    }
    if let Some(verified_at) = patch.verified_at
        && verified_at != current.verified_at
    {
        let describe = |time: Option<DateTime<Utc>>| {
            time.map_or(Value::Null, |t| {
                Value::String(t.to_rfc3339_opts(SecondsFormat::Secs, true))
            })
        };
        changes.field(
            "verified",
            describe(current.verified_at),
            describe(verified_at),
        );
        change.verified_at = Some(verified_at);
    }
    if changes.is_empty() {
        return Ok(current);
    }
    let saved: Contact = diesel::update(contacts::table.find(current.id))
        .set((change, contacts::version.eq(contacts::version + 1)))
        .returning(Contact::as_returning())
        .get_result(connection)?;
    audit::record(
        connection,
        actor,
        "update",
        Subject::contact(saved.id),
        changes,
    )?;
    Ok(saved)
}
