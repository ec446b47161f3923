//! `conversation/{id}/upvote|downvote` and `conversation/{cid}/message/{mid}/upvote|downvote`:
//! ratings, as ChatBotKit takes them (`{value?, reason?}`, +100 up and -100 down by default,
//! any integer accepted), linked to the conversation (and message) and to the contact the
//! conversation belongs to.

use super::check;
use crate::api::caller::ApiWriter;
use crate::api::json::{self, ApiJson};
use crate::domain::rating::{DOWN, UP};
use crate::domain::text::optional_text;
use crate::domain::{ConversationId, FieldErrors, MessageId};
use crate::error::AppError;
use crate::models::rating::{self, NewRating};
use crate::models::{conversation, message};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

/// The longest reason (the column's limit).
const REASON_MAX_CHARS: usize = 2_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vote {
    #[serde(default)]
    value: Option<i32>,
    #[serde(default)]
    reason: Option<String>,
}

/// Records the vote: `default` when no value was sent.
async fn vote(
    api: ApiWriter,
    conversation_id: ConversationId,
    message_id: Option<MessageId>,
    default: i32,
    body: Vote,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new();
    let reason = errors
        .check(
            "reason",
            optional_text(body.reason.as_deref().unwrap_or_default(), REASON_MAX_CHARS),
        )
        .flatten();
    check(&errors)?;
    let value = body.value.unwrap_or(default);
    let actor = api.actor();
    let created = api
        .db
        .write(move |conn| {
            let found = conversation::find(conn, conversation_id)?;
            if let Some(message_id) = message_id {
                // The message must be one of this conversation's.
                if !message::is_in_conversation(conn, found.id, message_id)? {
                    return Err(AppError::NotFound);
                }
            }
            let new = NewRating {
                contact_id: found.contact_id,
                conversation_id: Some(found.id),
                message_id,
                value,
                reason,
                created_at: None,
            };
            Ok(rating::create(conn, &new, &actor)?)
        })
        .await?;
    json::id(created.id)
}

/// `POST conversation/{id}/upvote` `{value?, reason?}` → `{"id"}` (the rating's).
pub async fn upvote_conversation(
    api: ApiWriter,
    path: web::Path<ConversationId>,
    ApiJson(body): ApiJson<Vote>,
) -> Result<HttpResponse, AppError> {
    vote(api, path.into_inner(), None, UP, body).await
}

/// `POST conversation/{id}/downvote` `{value?, reason?}` → `{"id"}`.
pub async fn downvote_conversation(
    api: ApiWriter,
    path: web::Path<ConversationId>,
    ApiJson(body): ApiJson<Vote>,
) -> Result<HttpResponse, AppError> {
    vote(api, path.into_inner(), None, DOWN, body).await
}

/// `POST conversation/{cid}/message/{mid}/upvote` `{value?, reason?}` → `{"id"}`.
pub async fn upvote_message(
    api: ApiWriter,
    path: web::Path<(ConversationId, MessageId)>,
    ApiJson(body): ApiJson<Vote>,
) -> Result<HttpResponse, AppError> {
    vote(api, path.0, Some(path.1), UP, body).await
}

/// `POST conversation/{cid}/message/{mid}/downvote` `{value?, reason?}` → `{"id"}`.
pub async fn downvote_message(
    api: ApiWriter,
    path: web::Path<(ConversationId, MessageId)>,
    ApiJson(body): ApiJson<Vote>,
) -> Result<HttpResponse, AppError> {
    vote(api, path.0, Some(path.1), DOWN, body).await
}
