//! One inbound email, stored: [`receive`] is shared by the HTTP endpoint and the SMTP
//! listener, so both accept and refuse exactly the same mail.
//!
//! Steps: parse (off the reactor) → decide whether a trusted relay authenticated the From
//! address ([`authentication::sender_trust`]) and check it against the allowed senders
//! ([`Integration::admit_sender`]) → write the attachments to temporary files → in ONE
//! transaction: skip a Message-ID already stored, find or create the contact (when the
//! integration collects contacts), find the thread or start a conversation, store the
//! message with the verdict on its meta, place and record the attachments, queue the agent
//! webhook. A failure at any step rolls everything back and removes every file written; a
//! refusal leaves nothing.
//!
//! The sender is always the From address: Reply-To is covered by no authentication check,
//! so it is only where agent replies go when the integration says so (`use_reply_to`). An
//! authenticated sender is a verified contact (a known one gets its empty fields filled); an
//! unauthenticated one creates an unverified contact, or attaches the mail to the known
//! contact with its address as a *claim* that changes nothing on it and gives the agent a
//! restricted context (see `domain::contact_match`). A later message that joins a verified
//! conversation's thread keeps it verified only when it is authenticated as the contact's
//! own address; otherwise the conversation becomes a claim.

use super::authentication::{self, SenderTrust};
use super::parse::{self, Attachment, Mailbox, ParsedEmail};
use super::refusal::Refusal;
use crate::db;
use crate::domain::contact_field::ContactField;
use crate::domain::contact_match::{self as domain_match, ClaimedBy, ContactMatch};
use crate::domain::contact_patch::{ContactPatch, ContactPatchInput, Purpose};
use crate::domain::conversation::{Channel, MessageRole};
use crate::domain::integration::SenderAdmission;
use crate::domain::{ContactId, ConversationId, MessageId, SpaceId};
use crate::error::AppError;
use crate::models::audit::Actor;
use crate::models::contact_ensure::{self, OnFound};
use crate::models::email_intake::{self as store, NewEmailConversation, NewEmailMessage};
use crate::models::integration::Integration;
use crate::models::space_file::{self, NewUpload};
use crate::models::{contact, contact_match, webhook_delivery};
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
    /// A trusted relay authenticated the sender (of the stored message, for a duplicate).
    pub authenticated: bool,
}

/// Why an email was not stored.
#[derive(Debug)]
pub enum ReceiveError {
    /// The mail itself is not acceptable (4xx / SMTP 5xx): nothing was stored.
    Refused(Refusal),
    /// A fault on our side (database down, disk full): nothing was stored; try again.
    Failed(AppError),
}

/// Who handed the message to Rapport: that decides whether its topmost
/// `Authentication-Results` header can be the verdict of a relay the integration trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handover {
    /// The inbound endpoint, called with the integration's secret token: by the mail
    /// provider (or the admin's own relay) that received the message and judged its sender.
    Endpoint,
    /// The SMTP listener, on a connection from a configured relay (`RAPPORT_SMTP_RELAYS`,
    /// your MX): the relay that judged the sender.
    SmtpRelay,
    /// The SMTP listener, on a connection from anyone else: the sending server itself, which
    /// wrote every header of the message, so none of them proves anything.
    SmtpDirect,
}

impl Handover {
    /// Whether the message's headers may hold a trusted relay's verdict.
    fn believes_relay_headers(self) -> bool {
        match self {
            Handover::Endpoint | Handover::SmtpRelay => true,
            Handover::SmtpDirect => false,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Handover::Endpoint => "endpoint",
            Handover::SmtpRelay => "smtp relay",
            Handover::SmtpDirect => "smtp direct",
        }
    }
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
/// token or the SMTP recipient, and says who handed the message over). Refusals and failures
/// are logged here, once for both paths.
pub async fn receive(
    state: &AppState,
    integration: &Integration,
    raw: Vec<u8>,
    handover: Handover,
) -> Result<Received, ReceiveError> {
    let outcome = receive_inner(state, integration, raw, handover).await;
    match &outcome {
        Ok(received) => tracing::info!(
            integration = integration.id.0,
            conversation = received.conversation_id.0,
            message = received.message_id.0,
            contact = received.contact_id.map(|id| id.0),
            duplicate = received.duplicate,
            authenticated = received.authenticated,
            handover = handover.as_str(),
            "email received"
        ),
        Err(ReceiveError::Refused(refusal)) => tracing::warn!(
            integration = integration.id.0,
            handover = handover.as_str(),
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
    handover: Handover,
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

    let trusted: &[String] = if handover.believes_relay_headers() {
        &integration.trusted_authserv_ids
    } else {
        &[]
    };
    let trust = authentication::sender_trust(&email, trusted);
    let sender = email.from.clone();
    let address = || sender.address.to_string();
    match integration.admit_sender(&sender.address, trust.is_authenticated()) {
        SenderAdmission::Allowed => {}
        SenderAdmission::NotListed => {
            return Err(ReceiveError::Refused(Refusal::DisallowedSender {
                address: address(),
            }));
        }
        SenderAdmission::NotAuthenticated => {
            return Err(ReceiveError::Refused(Refusal::UnauthenticatedSender {
                address: address(),
            }));
        }
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
                    trust: &trust,
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

/// Everything `store_email` needs to know about one delivery.
struct Delivery<'a> {
    integration: &'a Integration,
    email: &'a ParsedEmail,
    /// The From mailbox: the contact, whatever Reply-To says.
    sender: &'a Mailbox,
    /// Whether a trusted relay authenticated `sender`.
    trust: &'a SenderTrust,
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
            authenticated: authenticated_meta(&message.meta),
        });
    }

    let contact = if integration.collect_contacts {
        Some(ensure_contact(
            conn,
            delivery.sender,
            delivery.trust,
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
        (Some(thread), _) => {
            reassess_thread(conn, &thread, delivery.trust)?;
            thread
        }
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
        authenticated: delivery.trust.is_authenticated(),
    })
}

/// How the conversation got its contact, when this email gave it one (a thread keeps the
/// contact it has). An existing contact matched by an unauthenticated From address is only a
/// claim: From is easily forged (see `domain::contact_match` for what the agent webhook makes
/// of it).
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

/// A message joined a thread that has a contact: whether it was proven to come from that
/// contact can change how far the conversation is believed (`after_thread_reply`). A thread
/// whose contact staff or the API set (no record, or a record about another contact) is
/// theirs to vouch for and stays as it is.
fn reassess_thread(
    conn: &mut PgConnection,
    thread: &crate::models::conversation::Conversation,
    trust: &SenderTrust,
) -> Result<(), AppError> {
    let Some(contact_id) = thread.contact_id else {
        return Ok(());
    };
    let Some(recorded) = contact_match::find(conn, thread.id)? else {
        return Ok(());
    };
    if recorded.contact_id != contact_id {
        return Ok(());
    }
    let proven = match trust {
        SenderTrust::Authenticated { address, .. } => contact::find(conn, contact_id)?
            .email
            .is_some_and(|email| email.to_lowercase() == address.as_str().to_lowercase()),
        SenderTrust::Unauthenticated => false,
    };
    if let Some(how) = domain_match::after_thread_reply(recorded.how, proven) {
        contact_match::record(conn, thread.id, contact_id, how)?;
    }
    Ok(())
}

/// Finds the sender's contact by address ignoring case, or creates it with the display
/// name and source "email", and says how it was matched. Only an authenticated sender speaks
/// for the address: its new contact is verified and a known contact gets its empty fields
/// filled (`contact_ensure`), a verified match. An unauthenticated sender's new contact is
/// unverified, and a known contact is left exactly as it is: a claim.
fn ensure_contact(
    conn: &mut PgConnection,
    sender: &Mailbox,
    trust: &SenderTrust,
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
    let authenticated = trust.is_authenticated();
    let on_found = if authenticated {
        OnFound::FillEmpty
    } else {
        OnFound::LeaveAlone
    };
    let ensured = contact_ensure::ensure_with(conn, &patch, actor, on_found)?;
    let id = ensured.contact.id;
    if ensured.created {
        let verified_at = authenticated.then(Utc::now);
        store::mark_created_by_email(conn, id, verified_at)?;
    }
    let how = match (authenticated, ensured.created) {
        (true, _) => ContactMatch::Verified,
        (false, true) => ContactMatch::Created,
        (false, false) => ContactMatch::Claimed(ClaimedBy::Email),
    };
    Ok((id, how))
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
            "replyToName": email.reply_to.as_ref().and_then(|m| m.name.as_deref()),
            "subject": email.subject,
            "messageId": email.message_id,
            "inReplyTo": email.in_reply_to,
            "date": email.date.map(|d| d.timestamp_millis()),
            "attachments": attachments,
            "authenticated": delivery.trust.is_authenticated(),
            "authentication": authentication_meta(delivery.trust),
        }
    })
}

/// The proof of the sender, as the message keeps it (`null`: only claimed).
fn authentication_meta(trust: &SenderTrust) -> Value {
    match trust {
        SenderTrust::Authenticated {
            address,
            proof,
            relay,
        } => json!({
            "address": address.as_str(),
            "method": proof.as_str(),
            "relay": relay,
        }),
        SenderTrust::Unauthenticated => Value::Null,
    }
}

/// Whether a stored message's meta says its sender was authenticated.
fn authenticated_meta(meta: &Value) -> bool {
    meta.pointer("/email/authenticated")
        .and_then(Value::as_bool)
        .unwrap_or(false)
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
