//! The widget's endpoints under `/api/v1/integration/widget/{id}`: its public settings, a
//! visitor's session, and the messages of that session (authorised by the session token).
//! Origins and rate limits are checked before these run, by [`super::cors::guard`].

use super::request::{self, CheckedCreate, CreateBody, Fields, Refusal, SendBody};
use crate::api::json::{self, ms};
use crate::db;
use crate::domain::integration::SecretPurpose;
use crate::domain::{IntegrationId, MessageId, WidgetSessionId};
use crate::error::AppError;
use crate::models::integration::{self, Integration};
use crate::models::message::Message;
use crate::models::widget_session::{self, NewSession, WidgetSession};
use crate::startup::AppState;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Largest request body the widget's endpoints read.
pub const BODY_LIMIT: usize = 16 * 1024;

/// `GET …/config`: what the widget script needs to draw itself.
pub async fn config(
    state: web::Data<AppState>,
    path: web::Path<IntegrationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let integration = db::run(&state.pool, move |conn| load(conn, id)).await?;
    let fields = fields(&integration);
    json::ok(&json!({
        "id": integration.id.to_string(),
        "name": integration.name,
        "fields": {
            "name": fields.name.as_str(),
            "email": fields.email.as_str(),
            "phone": fields.phone.as_str(),
        },
    }))
}

/// `POST …/session/create`.
pub async fn create(
    state: web::Data<AppState>,
    path: web::Path<IntegrationId>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let body: CreateBody = read_json(payload).await?;
    let wants_identity = body.user_id.is_some() || body.user_hash.is_some();
    let keyring = state
        .settings
        .secrets_keyring()
        .map_err(AppError::internal)?;
    let (integration, secret) = db::run(&state.pool, move |conn| {
        let integration = load(conn, id)?;
        let secret = if wants_identity {
            integration::secret(conn, &keyring, id, SecretPurpose::Identity)
                .map_err(AppError::internal)?
        } else {
            None
        };
        Ok((integration, secret))
    })
    .await?;
    let checked = request::check_create(
        &body,
        fields(&integration),
        state.settings.phone_region,
        secret.as_deref().map(String::as_str),
    );
    drop(secret);
    let CheckedCreate {
        visitor,
        meta,
        messages,
        duration_secs,
    } = match checked {
        Ok(checked) => checked,
        Err(Refusal::Invalid(message)) => return Err(AppError::Unprocessable(message)),
        Err(Refusal::BadIdentity) => {
            tracing::warn!(
                widget = id.0,
                "widget session refused: userHash does not sign userId"
            );
            return Ok(refuse(
                StatusCode::FORBIDDEN,
                "NOT_AUTHORIZED",
                "userHash: This is not the signature of userId with this widget's identity secret.",
            ));
        }
    };
    let configured = state.settings.widget.session_ttl;
    let ttl = duration_secs
        .map(std::time::Duration::from_secs)
        .map_or(configured, |asked| asked.min(configured));
    let new = NewSession {
        visitor,
        meta,
        messages,
        ttl: chrono::Duration::from_std(ttl).map_err(AppError::internal)?,
    };
    let started = db::run(&state.pool, move |conn| {
        Ok(widget_session::start(conn, &integration, &new)?)
    })
    .await?;
    json::ok(&json!({
        "id": started.session.id.to_string(),
        "conversationId": started.session.conversation_id.to_string(),
        "contactId": started.contact.as_ref().map(|c| c.id.to_string()),
        "token": started.token,
        "expiresAt": ms(started.session.expires_at),
        "messages": started.messages.iter().map(message_json).collect::<Vec<_>>(),
    }))
}

/// `POST …/session/{sessionId}/message/send`: stores the visitor's message, returns it.
pub async fn send(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, WidgetSessionId)>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (id, session_id) = path.into_inner();
    let token = bearer(&request)?;
    let body: SendBody = read_json(payload).await?;
    let text = request::message_text(&body.text)
        .map_err(|problem| AppError::Unprocessable(format!("text: {problem}")))?;
    let message = db::run(&state.pool, move |conn| {
        let (integration, session) = authorise(conn, id, session_id, &token)?;
        Ok(widget_session::send(conn, &integration, &session, &text)?)
    })
    .await?;
    json::ok(&message_json(&message))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    after: Option<String>,
}

/// `GET …/session/{sessionId}/message/list?after=<messageId>`: the visitor's and the bot's
/// messages after the given one (all of them without it), oldest first.
pub async fn list(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(IntegrationId, WidgetSessionId)>,
) -> Result<HttpResponse, AppError> {
    let (id, session_id) = path.into_inner();
    let token = bearer(&request)?;
    let query = web::Query::<ListQuery>::from_query(request.query_string())
        .map_err(|e| AppError::BadRequest(format!("The query is not acceptable: {e}.")))?;
    let after = match query.after.as_deref().map(str::trim) {
        None | Some("") => None,
        // Any integer is taken, as it always was; zero or less is before every message,
        // the same as no `after`.
        Some(raw) => {
            let after = raw.parse::<i64>().map_err(|_| {
                AppError::BadRequest(format!("after: \"{raw}\" is not a message id."))
            })?;
            (after > 0).then_some(MessageId(after))
        }
    };
    let messages = db::run(&state.pool, move |conn| {
        let (_, session) = authorise(conn, id, session_id, &token)?;
        Ok(widget_session::visible_messages(conn, &session, after)?)
    })
    .await?;
    json::ok(&json!({ "items": messages.iter().map(message_json).collect::<Vec<_>>() }))
}

/// An enabled widget, or 404 (an email integration's id is no widget).
fn load(conn: &mut diesel::PgConnection, id: IntegrationId) -> Result<Integration, AppError> {
    let integration = integration::find(conn, id)?;
    if integration.is_widget() && integration.enabled {
        Ok(integration)
    } else {
        Err(AppError::NotFound)
    }
}

fn authorise(
    conn: &mut diesel::PgConnection,
    id: IntegrationId,
    session_id: WidgetSessionId,
    token: &str,
) -> Result<(Integration, WidgetSession), AppError> {
    let integration = load(conn, id)?;
    let session = widget_session::authorise(conn, id, session_id, token)?
        .ok_or(AppError::NotAuthenticated)?;
    Ok((integration, session))
}

fn fields(integration: &Integration) -> Fields {
    Fields {
        name: integration.ask_name(),
        email: integration.ask_email(),
        phone: integration.ask_phone(),
    }
}

/// A message as the widget shows it (ChatBotKit's shape: `type` is the role).
fn message_json(message: &Message) -> Value {
    json!({
        "id": message.id.to_string(),
        "type": message.role,
        "text": message.text,
        "createdAt": ms(message.created_at),
    })
}

/// The session token from `Authorization: Bearer …`.
fn bearer(request: &HttpRequest) -> Result<String, AppError> {
    request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_string())
        .filter(|token| !token.is_empty())
        .ok_or(AppError::NotAuthenticated)
}

/// Reads a JSON body of at most [`BODY_LIMIT`] bytes, stopping as soon as it is larger; an
/// empty body reads as `{}`.
async fn read_json<T: DeserializeOwned>(mut payload: web::Payload) -> Result<T, AppError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| AppError::BadRequest("The request body was cut off.".into()))?;
        if body.len() + chunk.len() > BODY_LIMIT {
            return Err(AppError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let bytes: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &body
    };
    serde_json::from_slice(bytes).map_err(|error| {
        AppError::BadRequest(format!("The request body is not acceptable: {error}."))
    })
}

/// A refusal answered directly (not through the error renderer), with our own message.
pub fn refuse(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(json!({ "message": message, "code": code }).to_string())
}
