//! One inbound email, stored: [`receive`] is shared by the HTTP endpoint and the SMTP
//! listener, so both accept and refuse exactly the same mail.
//!
//! Steps: parse (off the reactor) → pick the sender (From, or Reply-To when the integration
//! says so) and check it against the allowed senders → write the attachments to temporary
//! files → in ONE transaction: skip a Message-ID already stored, find or create the contact
//! (when the integration collects contacts), find the thread or start a conversation, store
//! the message, place and record the attachments, queue the agent webhook. A failure at any
//! step rolls everything back and removes every file written; a refusal leaves nothing.

use super::parse::{self, Attachment, Mailbox, ParsedEmail};
use super::refusal::Refusal;
use crate::db;
use crate::domain::contact_field::ContactField;
use crate::domain::contact_match::{ClaimedBy, ContactMatch};
use crate::domain::contact_patch::{ContactPatch, ContactPatchInput, Purpose};
use crate::domain::conversation::{Channel, MessageRole};
use crate::domain::{ContactId, ConversationId, MessageId, SpaceId};
use crate::error::AppError;
use crate::models::audit::Actor;
use crate::models::email_intake::{self as store, NewEmailConversation, NewEmailMessage};
use crate::models::integration::Integration;
use crate::models::space_file::{self, NewUpload};
use crate::models::{contact_ensure, contact_match, webhook_delivery};
use crate::startup::AppState;
use crate::storage::{PlacedFile, SpaceStore, StagedFile};
use chrono::Utc;
use diesel::prelude::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The longest message text stored (the `messages.text` limit); longer bodies are cut.
const MAX_TEXT_CHARS: usize = 100_000;
const CUT_NOTICE: &str =
    "\n\n[The rest of this email was cut: it was longer than 100,000 characters.]";

/// What was stored (or found stored) for an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub conversation_id: ConversationId,
    pub message_id: MessageId,
    /// `None` when the integration does not collect contacts (and the thread has none).
    pub contact_id: Option<ContactId>,
    /// The same Message-ID was already stored: nothing new was written.
    pub duplicate: bool,
}

/// Why an email was not stored.
#[derive(Debug)]
pub enum ReceiveError {
    /// The mail itself is not acceptable (4xx / SMTP 5xx): nothing was stored.
    Refused(Refusal),
    /// A fault on our side (database down, disk full): nothing was stored; try again.
    Failed(AppError),
}

impl From<AppError> for ReceiveError {
    fn from(error: AppError) -> Self {
        ReceiveError::Failed(error)
    }
}

/// The audit actor of everything an email integration writes, so History says where a
/// change came from.
pub fn actor(integration: &Integration) -> Actor {
    Actor::System(format!("email integration {}", integration.name))
}

/// Receives one raw message for an enabled email integration (the caller checked the
/// token or the SMTP recipient). Refusals and failures are logged here, once for both paths.
pub async fn receive(
    state: &AppState,
    integration: &Integration,
    raw: Vec<u8>,
) -> Result<Received, ReceiveError> {
    let outcome = receive_inner(state, integration, raw).await;
    match &outcome {
        Ok(received) => tracing::info!(
            integration = integration.id.0,
            conversation = received.conversation_id.0,
            message = received.message_id.0,
            contact = received.contact_id.map(|id| id.0),
            duplicate = received.duplicate,
            "email received"
        ),
        Err(ReceiveError::Refused(refusal)) => tracing::warn!(
            integration = integration.id.0,
            code = refusal.code(),
            reason = %refusal,
            "email refused"
        ),
        Err(ReceiveError::Failed(error)) => tracing::error!(
            integration = integration.id.0,
            cause = error.cause_chain(),
            "email could not be stored"
        ),
    }
    outcome
}

async fn receive_inner(
    state: &AppState,
    integration: &Integration,
    raw: Vec<u8>,
) -> Result<Received, ReceiveError> {
    let max_bytes = state.settings.email_max_bytes;
    // Parsing up to 25 MiB of MIME is CPU work: keep it off the reactor.
    let (email, raw_sha256) = actix_web::web::block(move || {
        let digest = Sha256::digest(&raw);
        parse::parse(&raw, max_bytes).map(|email| (email, hex(&digest)))
    })
    .await
    .map_err(AppError::from)?
    .map_err(ReceiveError::Refused)?;

    let sender = sender(integration, &email).clone();
    if !integration.allows_sender(&sender.address) {
        return Err(ReceiveError::Refused(Refusal::DisallowedSender {
            address: sender.address.to_string(),
        }));
    }

    let store = SpaceStore::new(&state.settings.data_dir);
    // Written and synced before the transaction (without holding a connection); each file
    // removes itself when dropped unless it is placed and kept.
    let (email, staged) = {
        let store = store.clone();
        let collect_contacts = integration.collect_contacts;
        actix_web::web::block(move || {
            stage_attachments(&store, &email, collect_contacts).map(|staged| (email, staged))
        })
        .await
        .map_err(AppError::from)??
    };

    let integration = integration.clone();
    let region = state.settings.phone_region;
    db::run(&state.pool, move |conn| {
        let mut placed: Vec<PlacedFile> = Vec::new();
        let received = conn.transaction::<_, AppError, _>(|conn| {
            store_email(
                conn,
                &Delivery {
                    integration: &integration,
                    email: &email,
                    sender: &sender,
                    raw_sha256: &raw_sha256,
                    region,
                },
                staged,
                &store,
                &mut placed,
            )
        })?;
        placed.into_iter().for_each(PlacedFile::keep);
        Ok(received)
    })
    .await
    .map_err(ReceiveError::Failed)
}

/// Who the email is from, for the contact and the allowed-senders check.
fn sender<'a>(integration: &Integration, email: &'a ParsedEmail) -> &'a Mailbox {
    match (&email.reply_to, integration.use_reply_to) {
        (Some(reply_to), true) => reply_to,
        _ => &email.from,
    }
}

/// Everything `store_email` needs to know about one delivery.
struct Delivery<'a> {
    integration: &'a Integration,
    email: &'a ParsedEmail,
    sender: &'a Mailbox,
    raw_sha256: &'a str,
    region: crate::domain::PhoneRegion,
}

impl Delivery<'_> {
    /// The id the message is de-duplicated and threaded by: its Message-ID, or for mail
    /// without one a digest of the raw bytes (so the very same bytes are still stored once).
    fn external_id(&self) -> String {
        match &self.email.message_id {
            Some(id) => id.clone(),
            None => format!("sha256:{}", self.raw_sha256),
        }
    }
}

/// The transaction's work (see the module documentation).
fn store_email(
    conn: &mut PgConnection,
    delivery: &Delivery<'_>,
    staged: Vec<(Attachment, StagedFile)>,
    store: &SpaceStore,
    placed: &mut Vec<PlacedFile>,
) -> Result<Received, AppError> {
    let integration = delivery.integration;
    let email = delivery.email;
    let actor = actor(integration);
    let external_id = delivery.external_id();

    store::lock_message_id(conn, integration.id, &external_id)?;
    if let Some((message, conversation)) =
        store::find_delivered(conn, integration.id, &external_id)?
    {
        return Ok(Received {
            conversation_id: conversation.id,
            message_id: message.id,
            contact_id: conversation.contact_id,
            duplicate: true,
        });
    }

    let contact = if integration.collect_contacts {
        Some(ensure_contact(
            conn,
            delivery.sender,
            delivery.region,
            &actor,
        )?)
    } else {
        None
    };

    let thread = store::find_thread(conn, integration.id, &email.thread_ids())?;
    let conversation = match (thread, contact) {
        (Some(thread), Some((contact, how))) if thread.contact_id.is_none() => {
            let thread = store::attach_contact(conn, &thread, contact)?;
            record_match(conn, &thread, contact, how)?;
            thread
        }
        (Some(thread), _) => thread,
        (None, contact) => {
            let conversation = store::insert_conversation(
                conn,
                &NewEmailConversation {
                    contact_id: contact.map(|(c, _)| c),
                    channel: Channel::Email.as_str().to_string(),
                    subject: email.subject.clone(),
                    meta: json!({}),
                    integration_id: Some(integration.id),
                },
            )?;
            if let Some((contact, how)) = contact {
                record_match(conn, &conversation, contact, how)?;
            }
            conversation
        }
    };
    let contact = contact.map(|(c, _)| c);

    let files = match contact {
        Some(contact) if !staged.is_empty() => {
            save_attachments(conn, contact, staged, store, placed, &actor)?
        }
        _ => Vec::new(),
    };

    let message = store::insert_message(
        conn,
        &NewEmailMessage {
            conversation_id: conversation.id,
            role: MessageRole::User.as_str().to_string(),
            text: message_text(&email.text),
            meta: message_meta(delivery, &files),
            external_id: Some(external_id),
            created_at: None,
        },
    )?;

    webhook_delivery::notify_agent(conn, integration, conversation.id, message.id)?;

    Ok(Received {
        conversation_id: conversation.id,
        message_id: message.id,
        contact_id: contact.or(conversation.contact_id),
        duplicate: false,
    })
}

/// How the conversation got its contact, when this email gave it one (a thread keeps the
/// contact it has). An existing contact matched by a From address is only a claim: From is
/// easily forged (see `domain::contact_match` for what the agent webhook makes of it).
fn record_match(
    conn: &mut PgConnection,
    conversation: &crate::models::conversation::Conversation,
    contact: ContactId,
    how: ContactMatch,
) -> Result<(), AppError> {
    if conversation.contact_id == Some(contact) {
        contact_match::record(conn, conversation.id, contact, how)?;
    }
    Ok(())
}

/// Finds the sender's contact by address ignoring case, or creates it with the display
/// name, source "email", verified (the address just sent us mail). A known contact only
/// gets its empty fields filled (`contact_ensure`). Says whether this email created it.
fn ensure_contact(
    conn: &mut PgConnection,
    sender: &Mailbox,
    region: crate::domain::PhoneRegion,
    actor: &Actor,
) -> Result<(ContactId, ContactMatch), AppError> {
    // A display name the contact rules refuse (too long, which parsing already prevents) is
    // dropped rather than refusing the mail.
    let name = sender.name.clone().filter(|name| {
        crate::domain::contact_draft::validate_text(ContactField::Name, name).is_ok()
    });
    let patch: ContactPatch = ContactPatchInput {
        name: name.map(Some),
        email: Some(Some(sender.address.to_string())),
        ..Default::default()
    }
    .validate(region, Purpose::Create)
    .map_err(|errors| AppError::Unprocessable(errors.summary()))?;
    let ensured = contact_ensure::ensure(conn, &patch, actor)?;
    if ensured.created {
        store::mark_created_by_email(conn, ensured.contact.id, Utc::now())?;
        return Ok((ensured.contact.id, ContactMatch::Created));
    }
    Ok((ensured.contact.id, ContactMatch::Claimed(ClaimedBy::Email)))
}

/// A file of the email, recorded in the contact's space.
struct SavedFile {
    name: String,
    content_type: String,
    size: i64,
    space_id: SpaceId,
}

/// Writes the attachments to synced temporary files, before the transaction. Without a
/// contact there is no space to put them in, so nothing is written.
fn stage_attachments(
    store: &SpaceStore,
    email: &ParsedEmail,
    collect_contacts: bool,
) -> Result<Vec<(Attachment, StagedFile)>, AppError> {
    if !collect_contacts {
        return Ok(Vec::new());
    }
    email
        .attachments
        .iter()
        .map(|attachment| {
            let staged = store
                .stage_bytes(&attachment.bytes)
                .map_err(AppError::internal)?;
            Ok((attachment.clone(), staged))
        })
        .collect()
}

/// Places the staged files in the contact's "Email attachments" space under names that
/// clash with nothing there, and records them (audited as uploads by the integration).
fn save_attachments(
    conn: &mut PgConnection,
    contact: ContactId,
    staged: Vec<(Attachment, StagedFile)>,
    store: &SpaceStore,
    placed: &mut Vec<PlacedFile>,
    actor: &Actor,
) -> Result<Vec<SavedFile>, AppError> {
    let space = store::attachments_space(conn, contact, actor)?;
    let wanted: Vec<String> = staged
        .iter()
        .map(|(attachment, _)| attachment.file_name.to_string())
        .collect();
    let names = store::free_names(conn, space.id, &wanted)?;
    let mut uploads = Vec::with_capacity(staged.len());
    let mut saved = Vec::with_capacity(staged.len());
    for ((attachment, file), name) in staged.into_iter().zip(names) {
        let size = i64::try_from(file.size).map_err(AppError::internal)?;
        let sha256 = file.sha256.clone();
        let file_placed = file.place(store, space.id).map_err(AppError::internal)?;
        uploads.push(NewUpload {
            path: name.clone(),
            size,
            content_type: attachment.content_type.clone(),
            sha256,
            storage_key: file_placed.storage_key.clone(),
        });
        placed.push(file_placed);
        saved.push(SavedFile {
            name,
            content_type: attachment.content_type,
            size,
            space_id: space.id,
        });
    }
    space_file::save_uploads(conn, &space, &[], &uploads, actor)?;
    Ok(saved)
}

/// The body as stored: cut to the column's limit with a notice; an empty body says so.
fn message_text(text: &str) -> String {
    if text.trim().is_empty() {
        return "(This email has no text.)".to_string();
    }
    if text.chars().count() <= MAX_TEXT_CHARS {
        return text.to_string();
    }
    let keep = MAX_TEXT_CHARS - CUT_NOTICE.chars().count();
    let mut cut: String = text.chars().take(keep).collect();
    cut.push_str(CUT_NOTICE);
    cut
}

/// What the message row keeps about the email besides its text.
fn message_meta(delivery: &Delivery<'_>, files: &[SavedFile]) -> Value {
    let email = delivery.email;
    let attachments: Vec<Value> = if files.is_empty() {
        email
            .attachments
            .iter()
            .map(|a| {
                json!({
                    "name": a.file_name.as_str(),
                    "contentType": a.content_type,
                    "size": a.bytes.len(),
                    "stored": false,
                })
            })
            .collect()
    } else {
        files
            .iter()
            .map(|f| {
                json!({
                    "name": f.name,
                    "contentType": f.content_type,
                    "size": f.size,
                    "stored": true,
                    "spaceId": f.space_id.0.to_string(),
                })
            })
            .collect()
    };
    json!({
        "channel": "email",
        "integrationId": delivery.integration.id.to_string(),
        "email": {
            "from": email.from.address.as_str(),
            "fromName": email.from.name,
            "replyTo": email.reply_to.as_ref().map(|m| m.address.as_str()),
            "subject": email.subject,
            "messageId": email.message_id,
            "inReplyTo": email.in_reply_to,
            "date": email.date.map(|d| d.timestamp_millis()),
            "attachments": attachments,
        }
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_bodies_are_cut_to_the_column_limit_with_a_notice() {
        let long = "x".repeat(MAX_TEXT_CHARS + 10);
        let stored = message_text(&long);
        assert_eq!(stored.chars().count(), MAX_TEXT_CHARS);
        assert!(stored.ends_with(CUT_NOTICE));
        assert_eq!(message_text("short"), "short");
        assert_eq!(message_text("  \n"), "(This email has no text.)");
    }
}
