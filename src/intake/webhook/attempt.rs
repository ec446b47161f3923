//! One attempt at one claimed delivery: read what the payload needs, POST it, then store the
//! answer (and send it by email on email conversations) or record the failure with the time
//! of the next try.

use super::email_reply::{self, OutgoingReply};
use super::http;
use super::payload::{self, HISTORY_LIMIT, Parts, Source};
use super::restricted;
use super::schedule::RetrySchedule;
use super::settings::EmailReplies;
use crate::agent::{self, Budget};
use crate::db::{self, PgPool};
use crate::domain::contact_match::Restriction;
use crate::domain::conversation::Channel;
use crate::domain::egress::WebhookEgress;
use crate::domain::integration::SecretPurpose;
use crate::domain::secret_box::Keyring;

use crate::error::AppError;
use crate::models::agent_answer::{self, Answer};
use crate::models::audit::Actor;
use crate::models::contact_match;
use crate::models::conversation::{self, Conversation};
use crate::models::integration::{self, Integration};
use crate::models::memory::Origin;
use crate::models::message::{self, Message};
use crate::models::webhook_delivery::{self, WebhookDelivery};
use crate::models::{Contact, contact};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use rand::Rng;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// Message-IDs of the thread sent in `References`.
const REFERENCES_LIMIT: i64 = 20;

/// What every attempt shares.
pub struct Context {
    pub pool: PgPool,
    pub keyring: Arc<Keyring>,
    pub client: awc::Client,
    pub timeout: Duration,
    pub retry: RetrySchedule,
    pub email: Option<EmailReplies>,
    /// Which webhook URLs may be called.
    pub egress: WebhookEgress,
}

/// How the agent's memories and messages are attributed in History: as the integration,
/// like everything else that arrives through it.
pub fn actor(integration: &Integration) -> Actor {
    if integration.is_email() {
        Actor::System(format!("email integration {}", integration.name))
    } else {
        Actor::System(format!("widget {}", integration.name))
    }
}

/// Everything needed to send, read in one trip.
struct Job {
    integration: Integration,
    url: String,
    secret: Zeroizing<String>,
    body: Vec<u8>,
    conversation: Conversation,
    message: Message,
    /// The conversation's contact (unredacted: replies and memories go to it).
    contact: Option<Contact>,
    /// The person writing only claimed the contact.
    restricted: bool,
}

enum Prepared {
    Send(Box<Job>),
    /// Nothing will make this delivery succeed: record why and stop.
    GiveUp(String),
    /// The conversation or message is gone (deleted meanwhile): nothing to do.
    Gone,
}

/// A row, or `None` when it does not exist (any more).
fn found<T>(result: QueryResult<T>) -> Result<Option<T>, AppError> {
    match result {
        Ok(row) => Ok(Some(row)),
        Err(DieselError::NotFound) => Ok(None),
        Err(error) => Err(AppError::from(error)),
    }
}

fn prepare(
    conn: &mut PgConnection,
    keyring: &Keyring,
    claimed: &WebhookDelivery,
    now: DateTime<Utc>,
) -> Result<Prepared, AppError> {
    let Some(integration) = found(integration::find(conn, claimed.integration_id))? else {
        return Ok(Prepared::Gone);
    };
    if !integration.enabled {
        return Ok(Prepared::GiveUp("The integration is disabled.".into()));
    }
    let Some(url) = integration.agent_webhook_url.clone() else {
        return Ok(Prepared::GiveUp(
            "The integration no longer has an agent webhook.".into(),
        ));
    };
    let Some(secret) = integration::secret(conn, keyring, integration.id, SecretPurpose::Webhook)?
    else {
        return Ok(Prepared::GiveUp(
            "The webhook has no signing secret; regenerate it in Settings.".into(),
        ));
    };
    let Some(conversation) = found(conversation::find(conn, claimed.conversation_id))? else {
        return Ok(Prepared::Gone);
    };
    let Some(message) = found(message::find(conn, claimed.message_id))? else {
        return Ok(Prepared::Gone);
    };
    let history = agent_answer::history(conn, conversation.id, message.id, HISTORY_LIMIT)?;
    let contact = match conversation.contact_id {
        Some(id) => found(contact::find(conn, id))?,
        None => None,
    };
    let restriction = match &contact {
        Some(contact) => contact_match::restriction(conn, conversation.id, contact.id)?,
        None => None,
    };
    let (shown, context) = match (&contact, &restriction) {
        (Some(contact), None) => (
            Some(contact.clone()),
            Some(agent::load(conn, contact, Budget::default(), now)?),
        ),
        (Some(contact), Some(restriction)) => {
            let redacted = restricted::redact(contact, &conversation, &message);
            let context = restricted::context(&redacted, restriction, now);
            (Some(redacted), Some(context))
        }
        (None, _) => (None, None),
    };
    let reason = restriction.as_ref().map(Restriction::reason);
    let body = payload::build(&Parts {
        delivery_id: claimed.id,
        attempt: claimed.attempts,
        source: Source {
            id: integration.id,
            kind: &integration.kind,
            name: &integration.name,
        },
        conversation: &conversation,
        message: &message,
        history: &history,
        contact: shown.as_ref(),
        context: context.as_ref(),
        restricted: reason.as_deref(),
    });
    let body = serde_json::to_vec(&body).map_err(AppError::internal)?;
    Ok(Prepared::Send(Box::new(Job {
        integration,
        url,
        secret,
        body,
        conversation,
        message,
        contact,
        restricted: restriction.is_some(),
    })))
}

/// Runs one attempt to its end; every outcome is recorded on the delivery, and nothing is
/// returned: a failure here is the agent's or the network's, never the visitor's.
pub async fn run(context: &Context, claimed: WebhookDelivery) {
    let now = Utc::now();
    let keyring = Arc::clone(&context.keyring);
    let job = {
        let claimed = claimed.clone();
        db::run(&context.pool, move |conn| {
            prepare(conn, &keyring, &claimed, now)
        })
        .await
    };
    let job = match job {
        Ok(Prepared::Send(job)) => job,
        Ok(Prepared::Gone) => return,
        Ok(Prepared::GiveUp(reason)) => {
            record_failure(context, &claimed, None, reason, None).await;
            return;
        }
        Err(error) => {
            tracing::error!(delivery = claimed.id.0, error = %error.cause_chain(), "webhook delivery could not be prepared");
            let reason = "Rapport could not prepare the request (see the server log).".to_string();
            let retry = retry_at(context, &claimed);
            record_failure(context, &claimed, None, reason, retry).await;
            return;
        }
    };
    let attempt = http::post(
        &context.client,
        &job.url,
        &context.egress,
        job.secret.as_bytes(),
        job.body.clone(),
        now.timestamp(),
        context.timeout,
    )
    .await;
    let http_status = attempt.status.map(i32::from);
    match attempt.result {
        Ok(reply) => {
            store_answer(context, &claimed, &job, reply, http_status).await;
        }
        Err(reason) => {
            tracing::info!(delivery = claimed.id.0, attempt = claimed.attempts, %reason, "agent webhook failed");
            let retry = retry_at(context, &claimed);
            record_failure(context, &claimed, http_status, reason, retry).await;
        }
    }
}

fn retry_at(context: &Context, claimed: &WebhookDelivery) -> Option<DateTime<Utc>> {
    let attempts = u32::try_from(claimed.attempts).unwrap_or(u32::MAX);
    let jitter = rand::rng().random::<f64>();
    let delay = context.retry.delay(attempts, jitter)?;
    let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
    Some(Utc::now() + delay)
}

async fn record_failure(
    context: &Context,
    claimed: &WebhookDelivery,
    http_status: Option<i32>,
    reason: String,
    retry_at: Option<DateTime<Utc>>,
) {
    let claimed_row = claimed.clone();
    let recorded = db::run(&context.pool, move |conn| {
        Ok(webhook_delivery::record_failure(
            conn,
            &claimed_row,
            http_status,
            &reason,
            retry_at,
        )?)
    })
    .await;
    if let Err(error) = recorded {
        // The lease runs out and another attempt follows.
        tracing::error!(delivery = claimed.id.0, error = %error.cause_chain(), "webhook failure not recorded");
    } else if retry_at.is_none() {
        tracing::warn!(
            delivery = claimed.id.0,
            attempts = claimed.attempts,
            "agent webhook delivery given up"
        );
    }
}

/// Where an email reply goes: the Reply-To of the message answered when the integration says
/// so (`use_reply_to`: mail relayed by forms), else its From, else the contact's address.
/// Reply-To is never the default: nothing authenticates it, so a forged one would send the
/// agent's answer about a contact to whoever wrote it.
fn reply_address(
    message: &Message,
    contact: Option<&Contact>,
    use_reply_to: bool,
) -> Option<(String, Option<String>)> {
    let email = message.meta.get("email");
    let field = |name: &str| {
        email
            .and_then(|e| e.get(name))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if use_reply_to && let Some(reply_to) = field("replyTo") {
        return Some((reply_to, field("replyToName")));
    }
    let name = field("fromName").or_else(|| contact.and_then(|c| c.name.clone()));
    field("from")
        .or_else(|| contact.and_then(|c| c.email.clone()))
        .map(|address| (address, name))
}

async fn store_answer(
    context: &Context,
    claimed: &WebhookDelivery,
    job: &Job,
    reply: super::reply::AgentReply,
    http_status: Option<i32>,
) {
    let by_email = job.conversation.channel() == Some(Channel::Email) && reply.reply.is_some();
    let mut meta = json!({
        "agent": {
            "deliveryId": claimed.id.to_string(),
            "integrationId": job.integration.id.to_string(),
        }
    });
    let mut outgoing = None;
    let mut external_id = None;
    if by_email {
        let email_meta = match (
            &context.email,
            reply_address(
                &job.message,
                job.contact.as_ref(),
                job.integration.use_reply_to,
            ),
        ) {
            (None, _) => email_reply::not_sent(email_reply::NO_RELAY),
            (Some(_), None) => email_reply::not_sent("no address to reply to"),
            (Some(settings), Some((to, to_name))) => {
                let message_id = email_reply::new_message_id(&settings.from);
                external_id = Some(message_id.clone());
                outgoing = Some(OutgoingReply {
                    to,
                    to_name,
                    subject: email_reply::reply_subject(job.conversation.subject.as_deref()),
                    text: reply.reply.clone().unwrap_or_default(),
                    message_id,
                    in_reply_to: None,
                    references: Vec::new(),
                });
                json!({ "email": { "sent": false, "reason": "sending" } })
            }
        };
        if let (Value::Object(meta), Value::Object(email)) = (&mut meta, email_meta) {
            meta.extend(email);
        }
    }
    let stored = {
        let claimed = claimed.clone();
        let contact_id = job.contact.as_ref().map(|contact| contact.id);
        let actor = actor(&job.integration);
        let memories = reply.memories.clone();
        if contact_id.is_none() && !memories.is_empty() {
            // Memories belong to a contact; a conversation without one (collect contacts off,
            // or a visitor who gave no details) has nowhere to keep them.
            tracing::warn!(
                delivery = claimed.id.0,
                dropped = memories.len(),
                "agent memories dropped: the conversation has no contact"
            );
        }
        // Memories from a conversation whose writer only claimed the contact are still about
        // that contact (the agent decided they matter), so they are kept — but unconfirmed:
        // no agent gets them until staff confirm them on the Memories tab (what an impostor
        // told the agent must not become what the agent "knows" about the real contact).
        // They are also marked in their meta, with the conversation, for API callers
        // (`meta.unverified=true`).
        let (memory_meta, memory_origin) = if job.restricted {
            (
                json!({ "unverified": true, "conversationId": job.conversation.id.to_string() }),
                Origin::Claim(job.conversation.id),
            )
        } else {
            (json!({}), Origin::Trusted)
        };
        let text = reply.reply.clone();
        let message_id = job.message.id;
        let conversation_id = job.conversation.id;
        let wants_thread = outgoing.is_some();
        db::run(&context.pool, move |conn| {
            let stored = agent_answer::store(
                conn,
                &claimed,
                contact_id,
                &Answer {
                    reply: text.as_deref(),
                    memories: &memories,
                    http_status,
                    meta,
                    external_id,
                    memory_meta,
                    memory_origin,
                },
                &actor,
            )?;
            let thread = if wants_thread {
                (
                    agent_answer::external_id(conn, message_id)?,
                    agent_answer::thread_ids(conn, conversation_id, REFERENCES_LIMIT + 1)?,
                )
            } else {
                (None, Vec::new())
            };
            Ok((stored, thread))
        })
        .await
    };
    let (stored, (in_reply_to, thread)) = match stored {
        Ok((Some(stored), thread)) => (stored, thread),
        Ok((None, _)) => return,
        Err(error) => {
            // The lease runs out and the agent is asked again.
            tracing::error!(delivery = claimed.id.0, error = %error.cause_chain(), "agent answer not stored");
            return;
        }
    };
    tracing::info!(
        delivery = claimed.id.0,
        replied = stored.message.is_some(),
        memories = stored.memories,
        "agent answered"
    );
    let (Some(mut outgoing), Some(bot)) = (outgoing, stored.message) else {
        return;
    };
    // The thread so far, without the reply itself.
    outgoing.references = thread
        .into_iter()
        .filter(|id| *id != outgoing.message_id)
        .collect();
    outgoing.in_reply_to = in_reply_to;
    let settings = context.email.clone();
    let pool = context.pool.clone();
    let sent = actix_web::web::block(move || {
        let result = email_reply::send(settings.as_ref(), &outgoing);
        let mut conn = pool.get().map_err(AppError::from)?;
        agent_answer::merge_meta(&mut conn, bot.id, &result)?;
        Ok::<_, AppError>(())
    })
    .await;
    match sent {
        Ok(Ok(())) => {}
        Ok(Err(error)) => {
            tracing::error!(message = bot.id.0, error = %error.cause_chain(), "email outcome not recorded")
        }
        Err(error) => tracing::error!(message = bot.id.0, %error, "email reply not sent"),
    }
}
