//! The queries email intake needs beside the shared models: de-duplication and threading by
//! Message-ID (`messages.external_id`, scoped to one integration's conversations), the
//! conversation and message rows with their integration and Message-ID, and the contact's
//! "Email attachments" space with collision-free file names.
//!
//! Everything here runs inside the caller's transaction (see `intake::email::inbound`).

use super::audit::Actor;
use super::conversation::Conversation;
use super::message::Message;
use super::schema::{contacts, conversations, messages, space_files, spaces};
use super::space::{self, Space};
use crate::domain::space_draft::SpaceDraft;
use crate::domain::{ContactId, ContactSource, ConversationId, IntegrationId, SpaceId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The name of the space a contact's email attachments go to.
pub const ATTACHMENTS_SPACE: &str = "Email attachments";

/// Marks a contact this email just created as arrived by email, verified at `verified_at`
/// when a trusted relay authenticated the sender (`None`: the From address is only claimed,
/// and the contact stays unverified).
pub fn mark_created_by_email(
    connection: &mut PgConnection,
    contact: ContactId,
    verified_at: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    diesel::update(contacts::table.find(contact))
        .set((
            contacts::source.eq(ContactSource::Email.as_str()),
            contacts::verified_at.eq(verified_at),
        ))
        .execute(connection)?;
    Ok(())
}

/// Waits, until the transaction ends, for any other delivery of the same Message-ID to the
/// same integration, so a message delivered twice at once is still stored once.
pub fn lock_message_id(
    connection: &mut PgConnection,
    integration_id: IntegrationId,
    external_id: &str,
) -> QueryResult<()> {
    let digest = Sha256::digest(format!("rapport email\n{integration_id}\n{external_id}"));
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<BigInt, _>(i64::from_be_bytes(bytes))
        .execute(connection)?;
    Ok(())
}

/// The message this integration already stored under this Message-ID, with its conversation.
pub fn find_delivered(
    connection: &mut PgConnection,
    integration_id: IntegrationId,
    external_id: &str,
) -> QueryResult<Option<(Message, Conversation)>> {
    messages::table
        .inner_join(conversations::table)
        .filter(conversations::integration_id.eq(integration_id))
        .filter(messages::external_id.eq(external_id))
        .select((Message::as_select(), Conversation::as_select()))
        .order(messages::id.asc())
        .first(connection)
        .optional()
}

/// The conversation of this integration that holds one of `ids` (In-Reply-To and References,
/// most specific first): the first id that names a stored message wins.
pub fn find_thread(
    connection: &mut PgConnection,
    integration_id: IntegrationId,
    ids: &[&str],
) -> QueryResult<Option<Conversation>> {
    if ids.is_empty() {
        return Ok(None);
    }
    let found: Vec<(Option<String>, Conversation)> = messages::table
        .inner_join(conversations::table)
        .filter(conversations::integration_id.eq(integration_id))
        .filter(messages::external_id.eq_any(ids))
        .select((messages::external_id, Conversation::as_select()))
        .load(connection)?;
    Ok(ids.iter().find_map(|id| {
        found
            .iter()
            .find(|(external_id, _)| external_id.as_deref() == Some(*id))
            .map(|(_, conversation)| conversation.clone())
    }))
}

/// Gives a thread that was recorded without a contact (collect contacts was off, or its
/// first sender was refused a contact) the contact of a later message.
pub fn attach_contact(
    connection: &mut PgConnection,
    conversation: &Conversation,
    contact: ContactId,
) -> QueryResult<Conversation> {
    diesel::update(
        conversations::table
            .find(conversation.id)
            .filter(conversations::contact_id.is_null()),
    )
    .set((
        conversations::contact_id.eq(contact),
        conversations::version.eq(conversations::version + 1),
    ))
    .returning(Conversation::as_returning())
    .get_result(connection)
    .optional()
    .map(|updated| updated.unwrap_or_else(|| conversation.clone()))
}

/// A conversation started by an email.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = conversations)]
pub struct NewEmailConversation {
    pub contact_id: Option<ContactId>,
    pub channel: String,
    pub subject: Option<String>,
    pub meta: Value,
    pub integration_id: Option<IntegrationId>,
}

/// Stores a conversation an email started. Not audited, like every conversation that arrives
/// through a channel: the row is the record itself.
pub fn insert_conversation(
    connection: &mut PgConnection,
    new: &NewEmailConversation,
) -> QueryResult<Conversation> {
    diesel::insert_into(conversations::table)
        .values(new)
        .returning(Conversation::as_returning())
        .get_result(connection)
}

/// A message that arrived by email, with its Message-ID.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = messages)]
pub struct NewEmailMessage {
    pub conversation_id: ConversationId,
    pub role: String,
    pub text: String,
    pub meta: Value,
    pub external_id: Option<String>,
    /// `None` means now.
    pub created_at: Option<DateTime<Utc>>,
}

/// Stores a message that arrived by email (not audited: it is the record itself). The
/// conversation's count and last activity follow by trigger.
pub fn insert_message(
    connection: &mut PgConnection,
    new: &NewEmailMessage,
) -> QueryResult<Message> {
    diesel::insert_into(messages::table)
        .values(new)
        .returning(Message::as_returning())
        .get_result(connection)
}

/// The contact's "Email attachments" space, locked until the transaction ends; created (and
/// audited as `actor`) when the contact has none yet. Callers hold the contact's identity
/// lock (taken by `contact_ensure`), so two emails cannot create it twice.
pub fn attachments_space(
    connection: &mut PgConnection,
    contact: ContactId,
    actor: &Actor,
) -> QueryResult<Space> {
    let found = spaces::table
        .filter(spaces::contact_id.eq(contact))
        .filter(spaces::name.eq(ATTACHMENTS_SPACE))
        .select(Space::as_select())
        .order(spaces::id.asc())
        .for_update()
        .first(connection)
        .optional()?;
    match found {
        Some(space) => Ok(space),
        None => space::create(
            connection,
            contact,
            &SpaceDraft {
                name: ATTACHMENTS_SPACE.to_string(),
                description: Some("Files that arrived attached to emails.".to_string()),
            },
            actor,
        ),
    }
}

/// Names for new files in a space that clash neither with its files nor with each other:
/// `invoice.pdf`, then `invoice (2).pdf`, `invoice (3).pdf`, … Names stay within 255 bytes.
pub fn free_names(
    connection: &mut PgConnection,
    space: SpaceId,
    wanted: &[String],
) -> QueryResult<Vec<String>> {
    let mut taken: Vec<String> = Vec::new();
    let mut chosen = Vec::with_capacity(wanted.len());
    for name in wanted {
        let mut counter = 1u32;
        let mut candidate = name.clone();
        loop {
            let clashes = taken.contains(&candidate)
                || diesel::select(diesel::dsl::exists(
                    space_files::table
                        .filter(space_files::space_id.eq(space))
                        .filter(space_files::path.eq(&candidate)),
                ))
                .get_result::<bool>(connection)?;
            if !clashes {
                break;
            }
            counter += 1;
            candidate = numbered(name, counter);
        }
        taken.push(candidate.clone());
        chosen.push(candidate);
    }
    Ok(chosen)
}

/// `report.pdf` as copy `n`: `report (n).pdf`; a name without an extension gets the suffix
/// at its end. The stem is shortened (at a character boundary) to keep 255 bytes.
pub fn numbered(name: &str, n: u32) -> String {
    let (stem, extension) = match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    };
    let suffix = format!(" ({n}){extension}");
    let mut stem = stem.to_string();
    while stem.len() + suffix.len() > crate::domain::file_name::MAX_BYTES && !stem.is_empty() {
        stem.pop();
    }
    format!("{stem}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_copies_keep_their_extension_and_length() {
        assert_eq!(numbered("invoice.pdf", 2), "invoice (2).pdf");
        assert_eq!(numbered("README", 3), "README (3)");
        assert_eq!(numbered(".env", 2), ".env (2)");
        assert_eq!(numbered("a.tar.gz", 2), "a.tar (2).gz");
        let long = format!("{}.txt", "é".repeat(126));
        let copy = numbered(&long, 12);
        assert!(copy.len() <= 255, "{}", copy.len());
        assert!(copy.ends_with(" (12).txt"));
    }
}
