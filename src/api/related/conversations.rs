//! `conversation/create` (with its first messages, in one transaction),
//! `conversation/{id}/fetch|update|delete`, `conversation/{id}/message/create` and
//! `conversation/{id}/message/list`.
//!
//! ChatBotKit calls a message's author its `type`; here the types are the roles the
//! dashboard shows: `user`, `bot`, `context` and `staff`.

use super::{Empty, check, existing_contact, meta, optional_id};
use crate::api::caller::{ApiReader, ApiWriter};
use crate::api::json::{self, ApiJson};
use crate::api::listing::{ListParams, respond};
use crate::api::objects;
use crate::domain::conversation::{self as rules, Channel, MessageRole};
use crate::domain::text::optional_line;
use crate::domain::{ContactId, ConversationId, FieldErrors};
use crate::error::AppError;
use crate::models::conversation::{self, NewConversation};
use crate::models::message;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::PgConnection;
use serde::Deserialize;
use serde_json::Value;

/// The longest subject (the column's limit).
const SUBJECT_MAX_CHARS: usize = 500;

/// One message as sent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SentMessage {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

/// The type names, for messages.
fn types_list() -> String {
    MessageRole::ALL
        .iter()
        .map(|role| role.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Validates one message; errors under `{prefix}type` and `{prefix}text`.
fn validate_message(
    sent: &SentMessage,
    prefix: &str,
    errors: &mut FieldErrors,
) -> Option<(MessageRole, String)> {
    let role = match sent.kind.as_deref().map(str::trim) {
        None | Some("") => {
            errors.add(
                format!("{prefix}type"),
                format!("Say who wrote it: one of {}.", types_list()),
            );
            None
        }
        Some(kind) => match kind.parse::<MessageRole>() {
            Ok(role) => Some(role),
            Err(()) => {
                errors.add(
                    format!("{prefix}type"),
                    format!(
                        "\"{kind}\" is not a message type; use one of {}.",
                        types_list()
                    ),
                );
                None
            }
        },
    }?;
    errors
        .check(
            &format!("{prefix}text"),
            rules::message_text(role, sent.text.as_deref().unwrap_or_default()),
        )
        .map(|text| (role, text))
}

/// The subject, sent as `name` (ChatBotKit's word) or `subject`: `None` when neither was
/// sent, `Some(None)` for an empty one. Errors under the field that was sent.
fn subject(
    name: Option<String>,
    subject: Option<String>,
    errors: &mut FieldErrors,
) -> Option<Option<String>> {
    let (field, text) = match (name, subject) {
        (Some(name), Some(subject)) if name.trim() != subject.trim() => {
            errors.add("name", "Send the subject as name or as subject, not both.");
            return None;
        }
        (Some(name), _) => ("name", name),
        (None, Some(subject)) => ("subject", subject),
        (None, None) => return None,
    };
    errors.check(field, optional_line(&text, SUBJECT_MAX_CHARS))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateConversation {
    #[serde(default, deserialize_with = "optional_id")]
    contact_id: Option<ContactId>,
    /// ChatBotKit's name for it.
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    meta: Option<Value>,
    #[serde(default)]
    messages: Option<Vec<SentMessage>>,
}

/// `POST conversation/create` `{contactId?, name?|subject?, channel? (api), meta?,
/// messages?: [{type, text}]}` → `{"id"}`.
pub async fn create(
    api: ApiWriter,
    ApiJson(body): ApiJson<CreateConversation>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    let subject = subject(body.name, body.subject, &mut errors).flatten();
    let channel = match body.channel.as_deref().map(str::trim) {
        None | Some("") => Some(Channel::Api),
        Some(text) => {
            let parsed = text.parse::<Channel>().ok();
            if parsed.is_none() {
                let names: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
                errors.add(
                    "channel",
                    format!(
                        "\"{text}\" is not a channel; use one of {}.",
                        names.join(", ")
                    ),
                );
            }
            parsed
        }
    };
    let meta = meta(body.meta, &mut errors);
    let messages: Vec<(MessageRole, String)> = body
        .messages
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, sent)| validate_message(sent, &format!("messages.{i}."), &mut errors))
        .collect();
    check(&errors)?;
    let (Some(channel), Some(meta)) = (channel, meta) else {
        return Err(AppError::internal("validated conversation is incomplete"));
    };
    let actor = api.actor();
    let contact_id = body.contact_id;
    let (created, _) = api
        .db
        .write(move |conn| {
            let contact = match contact_id {
                Some(id) => Some(existing_contact(conn, id, "contactId")?),
                None => None,
            };
            let new = NewConversation {
                contact_id: contact,
                channel: channel.as_str().to_string(),
                subject,
                meta,
                created_at: None,
            };
            Ok(conversation::create(conn, &new, &messages, &actor)?)
        })
        .await?;
    json::id(created.id)
}

/// `GET conversation/{id}/fetch`: the conversation as lists show it.
pub async fn fetch(
    api: ApiReader,
    path: web::Path<ConversationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let found = api
        .db
        .read(move |conn| Ok(conversation::find(conn, id)?))
        .await?;
    json::ok(&objects::Conversation::from(&found))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateConversation {
    /// `null` or "" clears the subject.
    #[serde(default, deserialize_with = "json::present")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "json::present")]
    subject: Option<Option<String>>,
    /// Replaces the meta when sent; `null` empties it.
    #[serde(default, deserialize_with = "json::present")]
    meta: Option<Option<Value>>,
}

/// `POST conversation/{id}/update` `{name?|subject?, meta?}` → `{"id"}`: absent fields stay
/// as they are. Which contact a conversation belongs to is changed from the dashboard (move,
/// detach), so `contactId` is not accepted here.
pub async fn update(
    api: ApiWriter,
    path: web::Path<ConversationId>,
    ApiJson(body): ApiJson<UpdateConversation>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let mut errors = FieldErrors::new();
    let (name_sent, subject_sent) = (body.name.is_some(), body.subject.is_some());
    let subject = subject(
        body.name.map(Option::unwrap_or_default),
        body.subject.map(Option::unwrap_or_default),
        &mut errors,
    );
    let meta = match body.meta {
        Some(sent) => meta(sent, &mut errors),
        None => None,
    };
    check(&errors)?;
    if (name_sent || subject_sent) && subject.is_none() {
        return Err(AppError::internal("validated subject is missing"));
    }
    let actor = api.actor();
    let saved = api
        .db
        .write(move |conn| Ok(conversation::edit(conn, id, subject, meta, &actor)?))
        .await?;
    json::id(saved.id)
}

/// `POST conversation/{id}/delete` `{}` → `{"id"}`: the conversation and its messages; its
/// ratings stay, no longer linked to it, as when staff delete one.
pub async fn delete(
    api: ApiWriter,
    path: web::Path<ConversationId>,
    ApiJson(_): ApiJson<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = api.actor();
    let deleted = api
        .db
        .write(move |conn| Ok(conversation::delete_any(conn, id, &actor)?))
        .await?;
    json::id(deleted.conversation.id)
}

/// `POST conversation/{id}/message/create` `{type, text}` → `{"id"}` (the message's).
pub async fn create_message(
    api: ApiWriter,
    path: web::Path<ConversationId>,
    ApiJson(body): ApiJson<SentMessage>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let mut errors = FieldErrors::new();
    let validated = validate_message(&body, "", &mut errors);
    check(&errors)?;
    let Some((role, text)) = validated else {
        return Err(AppError::internal("validated message is incomplete"));
    };
    let actor = api.actor();
    let added = api
        .db
        .write(move |conn| {
            let found = conversation::find(conn, id)?;
            Ok(message::add(conn, &found, role, text, &actor)?)
        })
        .await?;
    json::id(added.id)
}

/// One page of a conversation's messages.
fn load_messages(
    connection: &mut PgConnection,
    conversation: ConversationId,
    params: &ListParams,
    limit: i64,
) -> Result<Vec<(i64, objects::Message)>, AppError> {
    let rows = message::keyset_page(connection, conversation, &params.page(limit))?;
    Ok(rows
        .iter()
        .map(|(m, updated_at)| (m.id.into(), objects::Message::new(m, *updated_at)))
        .collect())
}

/// `GET conversation/{id}/message/list`: a list like any other (newest first by default).
pub async fn list_messages(
    api: ApiReader,
    request: HttpRequest,
    path: web::Path<ConversationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let params = ListParams::from_query(request.query_string())?;
    api.db
        .read(move |conn| Ok(conversation::find(conn, id)?))
        .await?;
    respond(&request, &api.db, params, move |conn, params, limit| {
        load_messages(conn, id, params, limit)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(kind: Option<&str>, text: Option<&str>) -> SentMessage {
        SentMessage {
            kind: kind.map(str::to_string),
            text: text.map(str::to_string),
        }
    }

    #[test]
    fn messages_need_a_known_type_and_some_text() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            validate_message(&sent(Some("bot"), Some("Hi")), "", &mut errors),
            Some((MessageRole::Bot, "Hi".into()))
        );
        assert!(errors.is_empty());
        assert_eq!(
            validate_message(
                &sent(Some("reasoning"), Some("Hmm")),
                "messages.1.",
                &mut errors
            ),
            None
        );
        assert!(
            errors
                .message("messages.1.type")
                .contains("user, bot, staff, context")
        );
        assert_eq!(
            validate_message(&sent(None, Some("x")), "m.", &mut errors),
            None
        );
        assert!(errors.has("m.type"));
        assert_eq!(
            validate_message(&sent(Some("user"), None), "n.", &mut errors),
            None
        );
        assert!(errors.has("n.text"));
    }
}
