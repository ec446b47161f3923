//! `POST /api/v1/integration/email/{id}/inbound`: the raw message as the body
//! (`Content-Type: message/rfc822`), as mail providers' inbound webhooks and MTA pipe scripts
//! deliver it.
//!
//! Not an API-token endpoint: the integration's own inbound token authenticates, as
//! `Authorization: Bearer <token>`. A token in the URL (`?token=<token>`) ends up in access
//! logs and proxies' histories, so it is accepted only when the operator turns on the
//! compatibility switch `RAPPORT_EMAIL_QUERY_TOKEN` for a provider that cannot set headers.
//! The token is checked before the body is read, and the body is read with the email size
//! limit (not the API's 1 MiB JSON limit). Every refusal is `{"message","code"}` JSON with a
//! 4xx status, logged, and leaves nothing behind.

use super::inbound::{self, ReceiveError};
use super::refusal::Refusal;
use crate::api::json;
use crate::db;
use crate::domain::IntegrationId;
use crate::error::AppError;
use crate::models::integration::{self, Integration};
use crate::startup::AppState;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::OptionalExtension;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;

/// The path, relative to the API's version prefixes (`/api/v1`, `/v1`).
pub const PATH: &str = "/integration/email/{id}/inbound";

/// Registers the endpoint under both API prefixes. Must come before the API's scopes, which
/// would otherwise answer 404 for a path they do not know.
pub fn register(config: &mut web::ServiceConfig) {
    for prefix in ["/api/v1", "/v1"] {
        config.service(
            web::resource(format!("{prefix}{PATH}"))
                .route(web::post().to(inbound))
                .default_service(web::to(method_not_allowed)),
        );
    }
}

async fn method_not_allowed() -> Result<HttpResponse, AppError> {
    Err(AppError::MethodNotAllowed)
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// A refusal answered before the message was looked at.
fn refuse(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(json!({ "message": message, "code": code }).to_string())
}

fn refused(refusal: &Refusal) -> HttpResponse {
    let status =
        StatusCode::from_u16(refusal.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    refuse(status, refusal.code(), &refusal.to_string())
}

async fn inbound(
    request: HttpRequest,
    path: web::Path<IntegrationId>,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let found = db::run(&state.pool, move |conn| {
        Ok(integration::find(conn, id).optional()?)
    })
    .await?;
    let Some(integration) = found.filter(Integration::is_email) else {
        return Err(AppError::NotFound);
    };

    let authorised = token(&request, state.settings.email_query_token)
        .is_some_and(|token| integration::verify_inbound_token(&integration, &token));
    if !authorised {
        tracing::warn!(
            integration = id.0,
            "email refused: inbound token missing or wrong"
        );
        let mut response = refuse(
            StatusCode::UNAUTHORIZED,
            "NOT_AUTHENTICATED",
            if state.settings.email_query_token {
                "The inbound token is missing or wrong: send the integration's token as `Authorization: Bearer <token>` or as `?token=<token>`."
            } else {
                "The inbound token is missing or wrong: send the integration's token as `Authorization: Bearer <token>` (a token in the URL is refused unless the server sets RAPPORT_EMAIL_QUERY_TOKEN=true)."
            },
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        return Ok(response);
    }
    if !integration.enabled {
        tracing::warn!(integration = id.0, "email refused: integration disabled");
        return Ok(refuse(
            StatusCode::FORBIDDEN,
            "INTEGRATION_DISABLED",
            "This email integration is disabled; an admin can enable it again under Settings → Integrations.",
        ));
    }
    if let Some(problem) = unacceptable_content_type(&request) {
        tracing::warn!(integration = id.0, problem, "email refused: content type");
        return Ok(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            problem,
        ));
    }

    let limit = state.settings.email_max_bytes;
    let raw = match read_body(&request, payload, limit).await? {
        Ok(raw) => raw,
        Err(refusal) => {
            tracing::warn!(integration = id.0, code = refusal.code(), reason = %refusal, "email refused");
            return Ok(refused(&refusal));
        }
    };

    // The caller holds the inbound token: the provider (or relay) that received the mail,
    // whose Authentication-Results verdict tops the message.
    match inbound::receive(&state, &integration, raw, inbound::Handover::Endpoint).await {
        Ok(received) => json::ok(&json!({
            "conversationId": received.conversation_id.to_string(),
            "messageId": received.message_id.to_string(),
            "contactId": received.contact_id.map(|id| id.to_string()),
            "duplicate": received.duplicate,
            "authenticated": received.authenticated,
        })),
        Err(ReceiveError::Refused(refusal)) => Ok(refused(&refusal)),
        Err(ReceiveError::Failed(error)) => Err(error),
    }
}

/// The inbound token: the `Authorization: Bearer` header, else (only when `query_allowed`)
/// the `token` query parameter.
fn token(request: &HttpRequest, query_allowed: bool) -> Option<String> {
    let from_header = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.trim().split_once(' ')?;
            let token = token.trim();
            (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
        });
    from_header.or_else(|| {
        if !query_allowed {
            return None;
        }
        serde_html_form::from_str::<TokenQuery>(request.query_string())
            .ok()
            .and_then(|query| query.token)
            .filter(|token| !token.is_empty())
    })
}

/// The body must be the raw message. Providers label it `message/rfc822`, `text/plain` or
/// `application/octet-stream`, or not at all; a form or JSON body means the provider was set
/// to post parsed fields instead, which is worth saying.
fn unacceptable_content_type(request: &HttpRequest) -> Option<&'static str> {
    let value = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())?;
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "" | "message/rfc822" | "text/plain" | "application/octet-stream" => None,
        "multipart/form-data" | "application/x-www-form-urlencoded" | "application/json" => Some(
            "Send the raw message (Content-Type: message/rfc822), not parsed form or JSON fields: set the provider to forward the raw MIME message.",
        ),
        _ => Some("Send the raw message with Content-Type: message/rfc822."),
    }
}

/// Reads the body up to `limit` bytes: a declared length over the limit is refused before
/// reading, and reading stops as soon as the limit is passed.
async fn read_body(
    request: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Result<Vec<u8>, Refusal>, AppError> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok());
    if let Some(declared) = declared
        && declared > limit
    {
        return Ok(Err(Refusal::TooLarge {
            bytes: declared,
            limit,
        }));
    }
    let mut body = Vec::with_capacity(declared.unwrap_or(64 * 1024).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|error| {
            AppError::BadRequest(format!("The body could not be read: {error}"))
        })?;
        if body.len() + chunk.len() > limit {
            return Ok(Err(Refusal::TooLarge {
                bytes: body.len() + chunk.len(),
                limit,
            }));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Ok(body))
}
