//! `conversation_contact_matches`: how intake matched a conversation's contact (see
//! [`crate::domain::contact_match`]). Written by the widget and email intake inside the
//! transaction that links the contact; read by the agent webhook and the transcript page.

use super::schema::{conversation_contact_matches, conversations, integrations};
use crate::domain::contact_match::{self, ClaimedBy, ContactMatch, Recorded, Restriction};
use crate::domain::integration::IntegrationKind;
use crate::domain::{ContactId, ConversationId};
use diesel::prelude::*;

/// Records (or replaces) how `conversation_id` got its contact `contact_id`.
pub fn record(
    connection: &mut PgConnection,
    conversation_id: ConversationId,
    contact_id: ContactId,
    how: ContactMatch,
) -> QueryResult<()> {
    diesel::insert_into(conversation_contact_matches::table)
        .values((
            conversation_contact_matches::conversation_id.eq(conversation_id),
            conversation_contact_matches::contact_id.eq(contact_id),
            conversation_contact_matches::how.eq(how.how()),
            conversation_contact_matches::claimed_by.eq(how.claimed_by()),
        ))
        .on_conflict(conversation_contact_matches::conversation_id)
        .do_update()
        .set((
            conversation_contact_matches::contact_id.eq(contact_id),
            conversation_contact_matches::how.eq(how.how()),
            conversation_contact_matches::claimed_by.eq(how.claimed_by()),
        ))
        .execute(connection)?;
    Ok(())
}

/// The stored match of a conversation, if intake recorded one.
pub fn find(
    connection: &mut PgConnection,
    conversation_id: ConversationId,
) -> QueryResult<Option<Recorded>> {
    let row: Option<(ContactId, String, Option<String>)> = conversation_contact_matches::table
        .find(conversation_id)
        .select((
            conversation_contact_matches::contact_id,
            conversation_contact_matches::how,
            conversation_contact_matches::claimed_by,
        ))
        .first(connection)
        .optional()?;
    Ok(row.map(|(contact_id, how, claimed_by)| {
        // The table's check allows nothing else; should an unknown value appear (a newer
        // release's), it is read the safe way: as an unproven claim.
        let how = ContactMatch::from_stored(&how, claimed_by.as_deref())
            .unwrap_or(ContactMatch::Claimed(ClaimedBy::Email));
        Recorded { contact_id, how }
    }))
}

/// Whether the agent context of conversation `conversation_id`, whose contact is now
/// `contact_id`, is restricted (an unproven claim; see the domain module).
pub fn restriction(
    connection: &mut PgConnection,
    conversation_id: ConversationId,
    contact_id: ContactId,
) -> QueryResult<Option<Restriction>> {
    let Some(recorded) = find(connection, conversation_id)? else {
        return Ok(None);
    };
    let kind: Option<String> = conversations::table
        .inner_join(integrations::table)
        .filter(conversations::id.eq(conversation_id))
        .select(integrations::kind)
        .first(connection)
        .optional()?;
    // A deleted integration: the channel still says what was claimed.
    let kind = match kind {
        Some(kind) => kind.parse().unwrap_or(IntegrationKind::Widget),
        None => {
            let channel: String = conversations::table
                .find(conversation_id)
                .select(conversations::channel)
                .first(connection)?;
            if channel == "email" {
                IntegrationKind::Email
            } else {
                IntegrationKind::Widget
            }
        }
    };
    Ok(contact_match::restriction(kind, Some(recorded), contact_id))
}
