//! Find-or-create for contacts (`contact/ensure`, `conversation/{id}/contact/upsert`).
//!
//! With a fingerprint the contact is found by it, or created verified. Without one it is found
//! by email (ignoring case), then by phone, then by ChatBotKit's untrusted fingerprint of
//! `[name, email, phone, nick]`, or created unverified with that fingerprint. A found contact
//! gets its empty fields filled from the request; nothing it has is overwritten. Intake that
//! matched a contact on an unproven claim (a typed address, an unauthenticated From) asks
//! for [`OnFound::LeaveAlone`]: a claim never changes the contact it names.
//!
//! Concurrent ensures of one identity must end with one contact. Each ensure first takes a
//! transaction-scoped advisory lock for every identity it could match (fingerprint, lower-cased
//! email, phone), in ascending order so that two ensures never wait on each other in a cycle:
//! the second one then finds what the first created. Writers that take no such lock (the
//! dashboard, `contact/create`) are caught by the unique indexes on email and fingerprint;
//! the whole transaction is then retried and finds their row.

use super::audit::{self, Actor, Changes, Subject};
use super::contact::{
    self, Contact, NewContact, UniqueValues, WriteError, apply_patch, find_by_email,
    find_by_fingerprint, find_by_phone, find_for_update,
};
use super::conversation::{self, Conversation};
use super::message::{self, NewMessage};
use super::schema::{conversations, ratings};
use crate::domain::contact_patch::{ContactPatch, Sent};
use crate::domain::conversation::MessageRole;
use crate::domain::meta::MetaChange;
use crate::domain::{ContactSource, ConversationId};
use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// How often a find-or-create runs again after a unique index refused its row.
const ATTEMPTS: usize = 3;

/// A contact that `ensure` found or created.
#[derive(Debug, Clone)]
pub struct Ensured {
    pub contact: Contact,
    pub created: bool,
}

/// What a contact that already exists gets from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFound {
    /// Its empty fields and missing meta keys are filled; nothing it has is overwritten.
    FillEmpty,
    /// Nothing: the caller has not proved it speaks for the contact (intake's claims).
    LeaveAlone,
}

/// Finds or creates the contact `request` describes (see the module documentation),
/// filling a found contact's empty fields.
pub fn ensure(
    connection: &mut PgConnection,
    request: &ContactPatch,
    actor: &Actor,
) -> Result<Ensured, WriteError> {
    ensure_with(connection, request, actor, OnFound::FillEmpty)
}

/// [`ensure`], with the caller saying what a found contact gets.
pub fn ensure_with(
    connection: &mut PgConnection,
    request: &ContactPatch,
    actor: &Actor,
    on_found: OnFound,
) -> Result<Ensured, WriteError> {
    with_retry(connection, request, |connection| {
        ensure_in(connection, request, actor, on_found)
    })
}

/// How a conversation's contact upsert ended.
#[derive(Debug, Clone)]
pub enum Upserted {
    /// The conversation already had a contact; nothing changed.
    AlreadyLinked,
    /// The conversation now belongs to this contact (found or created).
    Linked(Box<Ensured>),
}

/// Gives a conversation without a contact the contact `request` describes (found or created
/// as by [`ensure`]), moves its contact-less ratings along, and tells the bot in a `context`
/// message, as ChatBotKit does. One transaction; a conversation that has a contact is left
/// alone.
pub fn upsert_for_conversation(
    connection: &mut PgConnection,
    id: ConversationId,
    request: &ContactPatch,
    actor: &Actor,
) -> Result<Upserted, WriteError> {
    with_retry(connection, request, |connection| {
        let conversation: Conversation = conversations::table
            .find(id)
            .select(Conversation::as_select())
            .for_update()
            .first(connection)?;
        if conversation.contact_id.is_some() {
            return Ok(Upserted::AlreadyLinked);
        }
        let ensured = ensure_in(connection, request, actor, OnFound::FillEmpty)?;
        let contact = &ensured.contact;
        diesel::update(conversations::table.find(id))
            .set((
                conversations::contact_id.eq(contact.id),
                conversations::version.eq(conversations::version + 1),
            ))
            .execute(connection)?;
        diesel::update(
            ratings::table
                .filter(ratings::conversation_id.eq(id))
                .filter(ratings::contact_id.is_null()),
        )
        .set(ratings::contact_id.eq(contact.id))
        .execute(connection)?;
        message::insert_all(
            connection,
            &[NewMessage {
                conversation_id: id,
                role: MessageRole::Context.as_str().to_string(),
                text: context_text(contact),
                meta: json!({}),
                created_at: None,
            }],
        )?;
        let mut changes = Changes::new();
        changes.field("contact", Value::Null, conversation::contact_label(contact));
        audit::record(
            connection,
            actor,
            "linked",
            Subject::of_contact(conversation::ENTITY, id.0, Some(contact.id)),
            changes,
        )?;
        Ok(Upserted::Linked(Box::new(ensured)))
    })
}

/// What the bot is told when a conversation gets its contact (ChatBotKit's wording).
pub fn context_text(contact: &Contact) -> String {
    format!(
        "The user provided their contact information:\n\nname: {}",
        contact.name.as_deref().unwrap_or("")
    )
}

/// Runs `work` in a transaction, again when a unique index refused a row that another writer
/// committed meanwhile; a last refusal names the contact that holds the value.
fn with_retry<T>(
    connection: &mut PgConnection,
    request: &ContactPatch,
    mut work: impl FnMut(&mut PgConnection) -> Result<T, WriteError>,
) -> Result<T, WriteError> {
    let mut attempt = 1;
    loop {
        match connection.transaction(&mut work) {
            Err(error) if error.is_duplicate() && attempt < ATTEMPTS => attempt += 1,
            Err(error) => {
                return Err(contact::explain_duplicate(
                    connection,
                    error,
                    &UniqueValues::of_patch(request),
                ));
            }
            Ok(done) => return Ok(done),
        }
    }
}

/// The find-or-create itself, inside the caller's transaction.
fn ensure_in(
    connection: &mut PgConnection,
    request: &ContactPatch,
    actor: &Actor,
    on_found: OnFound,
) -> Result<Ensured, WriteError> {
    let untrusted = request
        .fingerprint()
        .is_none()
        .then(|| request.untrusted_fingerprint());
    lock_identities(connection, &identity_keys(request, untrusted.as_deref()))?;
    let found = match (request.fingerprint(), &untrusted) {
        (Some(fingerprint), _) => find_by_fingerprint(connection, fingerprint.as_str())?,
        (None, untrusted) => find_untrusted(connection, request, untrusted.as_deref())?,
    };
    if let Some(found) = found {
        if on_found == OnFound::LeaveAlone {
            return Ok(Ensured {
                contact: found,
                created: false,
            });
        }
        let current = find_for_update(connection, found.id)?;
        let fill = fill_patch(connection, &current, request)?;
        let contact = apply_patch(connection, current, &fill, actor)?;
        return Ok(Ensured {
            contact,
            created: false,
        });
    }
    let mut new = NewContact::from_patch(request, ContactSource::Api);
    // As in ChatBotKit: a caller that knows the fingerprint vouches for the contact, and the
    // body's verifiedAt plays no part.
    match untrusted {
        None => new.verified_at = Some(Utc::now()),
        Some(untrusted) => {
            new.fingerprint = Some(untrusted);
            new.verified_at = None;
        }
    }
    let contact = contact::insert(connection, &new, actor)?;
    Ok(Ensured {
        contact,
        created: true,
    })
}

/// By email, then by phone, then by the untrusted fingerprint.
fn find_untrusted(
    connection: &mut PgConnection,
    request: &ContactPatch,
    untrusted: Option<&str>,
) -> QueryResult<Option<Contact>> {
    if let Some(email) = ContactPatch::value(&request.email)
        && let Some(found) = find_by_email(connection, email.as_str())?
    {
        return Ok(Some(found));
    }
    if let Some(phone) = ContactPatch::value(&request.phone)
        && let Some(found) = find_by_phone(connection, phone.e164())?
    {
        return Ok(Some(found));
    }
    match untrusted {
        Some(fingerprint) => find_by_fingerprint(connection, fingerprint),
        None => Ok(None),
    }
}

/// The request's values for the fields `current` leaves empty, and the meta keys it lacks.
/// An email that another contact holds is left out rather than refused: the caller asked
/// for this contact, not for a change.
fn fill_patch(
    connection: &mut PgConnection,
    current: &Contact,
    request: &ContactPatch,
) -> QueryResult<ContactPatch> {
    fn fill<T: Clone>(empty: bool, sent: &Sent<T>) -> Sent<T> {
        match ContactPatch::value(sent) {
            Some(value) if empty => Some(Some(value.clone())),
            _ => None,
        }
    }
    let mut email = fill(current.email.is_none(), &request.email);
    if let Some(Some(wanted)) = &email
        && find_by_email(connection, wanted.as_str())?.is_some_and(|other| other.id != current.id)
    {
        email = None;
    }
    let meta = request.meta.as_ref().and_then(|change| {
        let stored = current.meta_fields();
        let filled = stored.with_missing_from(change.fields());
        (filled != stored).then_some(MetaChange::Replace(filled))
    });
    Ok(ContactPatch {
        name: fill(current.name.is_none(), &request.name),
        description: fill(current.description.is_none(), &request.description),
        email,
        phone: fill(current.phone.is_none(), &request.phone),
        nick: fill(current.nick.is_none(), &request.nick),
        preferences: fill(current.preferences.is_none(), &request.preferences),
        meta,
        fingerprint: None,
        verified_at: None,
    })
}

/// Everything an ensure could match the request by, as lock keys.
fn identity_keys(request: &ContactPatch, untrusted: Option<&str>) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(fingerprint) = request.fingerprint() {
        keys.push(format!("fingerprint:{}", fingerprint.as_str()));
        return keys;
    }
    if let Some(email) = ContactPatch::value(&request.email) {
        keys.push(format!("email:{}", email.as_str().to_lowercase()));
    }
    if let Some(phone) = ContactPatch::value(&request.phone) {
        keys.push(format!("phone:{}", phone.e164()));
    }
    if let Some(untrusted) = untrusted {
        keys.push(format!("fingerprint:{untrusted}"));
    }
    keys
}

/// The advisory lock number of an identity: 64 bits of its SHA-256, so that unrelated
/// identities practically never share a lock (and when they do, they only wait in turn).
fn lock_number(key: &str) -> i64 {
    let digest = Sha256::digest(format!("rapport contact identity\n{key}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Takes the locks of these identities until the transaction ends, in ascending order.
fn lock_identities(connection: &mut PgConnection, keys: &[String]) -> QueryResult<()> {
    let mut numbers: Vec<i64> = keys.iter().map(|key| lock_number(key)).collect();
    numbers.sort_unstable();
    numbers.dedup();
    for number in numbers {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(number)
            .execute(connection)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contact_patch::{ContactPatchInput, Purpose};
    use crate::domain::{ContactId, PhoneRegion};

    fn patch(input: ContactPatchInput) -> ContactPatch {
        input
            .validate(PhoneRegion::default(), Purpose::Create)
            .unwrap()
    }

    #[test]
    fn an_identity_is_locked_whatever_its_case_or_notation() {
        let a = patch(ContactPatchInput {
            email: Some(Some("Jane@Example.com".into())),
            phone: Some(Some("(212) 555-0147".into())),
            ..Default::default()
        });
        let b = patch(ContactPatchInput {
            email: Some(Some("jane@example.com".into())),
            phone: Some(Some("+1 212 555 0147".into())),
            ..Default::default()
        });
        let keys = |p: &ContactPatch| identity_keys(p, None);
        assert_eq!(keys(&a), keys(&b));
        assert_eq!(
            keys(&a),
            ["email:jane@example.com", "phone:+12125550147"].map(String::from)
        );
        assert_eq!(lock_number("email:x"), lock_number("email:x"));
        assert_ne!(lock_number("email:x"), lock_number("email:y"));
    }

    #[test]
    fn a_trusted_request_is_known_by_its_fingerprint_alone() {
        let p = patch(ContactPatchInput {
            fingerprint: Some(Some("user-0000000000000001".into())),
            email: Some(Some("jane@example.com".into())),
            ..Default::default()
        });
        assert_eq!(
            identity_keys(&p, None),
            ["fingerprint:user-0000000000000001".to_string()]
        );
    }

    #[test]
    fn the_bot_is_told_the_name() {
        let contact = Contact {
            id: ContactId(1),
            name: Some("Jane".into()),
            description: None,
            email: None,
            phone: None,
            nick: None,
            preferences: None,
            meta: json!({}),
            fingerprint: "f".into(),
            verified_at: None,
            source: "api".into(),
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        assert_eq!(
            context_text(&contact),
            "The user provided their contact information:\n\nname: Jane"
        );
    }
}
