//! Cross-site request forgery protection for the dashboard.
//!
//! Every state-changing request (anything but GET, HEAD and OPTIONS) must carry the session's
//! token: htmx sends it as the `X-CSRF-Token` header (set once by `hx-headers` on `<body>`),
//! plain forms as the hidden `csrf_token` field. A missing or wrong token is refused with 403
//! before any handler runs, so nothing changes. The JSON API uses bearer tokens instead and is
//! not covered here.
//!
//! Multipart uploads are the one exception to "checked before any handler runs". With htmx
//! they carry the header like everything else. A plain form without JavaScript can only put
//! the token in the body, and an upload body is far too large to buffer here, so for the
//! upload routes ([`routes::takes_upload`]: a space's files, an import's file) the middleware
//! lets a multipart request without the header through, marked as unchecked, and the handler
//! calls [`verify_multipart`] before it reads or writes anything else: the token must be the
//! body's FIRST field (the upload form puts its hidden `csrf_token` input first). Multipart
//! requests to any other route, and any request the handler did not mark as checked, are
//! refused.

use super::routes;
use super::session::TypedSession;
use crate::error::AppError;
use actix_multipart::Multipart;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest};
use futures_util::StreamExt;

pub const HEADER: &str = "X-CSRF-Token";
pub const FIELD: &str = "csrf_token";

/// Longest token field read from a multipart body (tokens are 43 characters).
const MAX_TOKEN_BYTES: usize = 256;

/// Marks a request whose token the middleware checked.
#[derive(Debug, Clone, Copy)]
struct Checked;

/// Marks a multipart upload whose token is in its body, for [`verify_multipart`].
#[derive(Debug, Clone)]
struct Unchecked {
    expected: Option<String>,
}

pub async fn verify(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let exempt = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || request.path().starts_with("/api/")
        || request.path().starts_with("/v1/");
    if exempt {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let expected = TypedSession::of_service_request(&request).existing_csrf_token();
    let mut provided = request
        .headers()
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    if provided.is_none() && is_multipart_form(&request) && routes::takes_upload(request.path()) {
        request.extensions_mut().insert(Unchecked { expected });
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    if provided.is_none() && is_urlencoded_form(&request) {
        // Read the form to find the field, then hand the same bytes on to the handler.
        let body = request.extract::<Bytes>().await?;
        provided = form_field(&body, FIELD);
        request.set_payload(body.into());
    }
    match (expected, provided) {
        (Some(expected), Some(provided))
            if constant_time_eq(expected.as_bytes(), provided.as_bytes()) =>
        {
            request.extensions_mut().insert(Checked);
            next.call(request)
                .await
                .map(ServiceResponse::map_into_left_body)
        }
        _ => {
            tracing::warn!(
                path = request.path(),
                "refused a request without a valid CSRF token"
            );
            // A response carrying the error, so the error middleware renders it.
            Ok(request
                .error_response(AppError::CsrfRejected)
                .map_into_right_body())
        }
    }
}

/// For the upload handler, before it reads anything else: passes when the middleware checked
/// the header, otherwise reads the body's first field, which must be `csrf_token` with the
/// session's token. Anything else is refused with 403.
pub async fn verify_multipart(
    request: &HttpRequest,
    multipart: &mut Multipart,
) -> Result<(), AppError> {
    if request.extensions().get::<Checked>().is_some() {
        return Ok(());
    }
    let expected = request
        .extensions()
        .get::<Unchecked>()
        .map(|unchecked| unchecked.expected.clone());
    // Neither mark: the request did not come through the middleware as an upload.
    let Some(Some(expected)) = expected else {
        return Err(refuse(request));
    };
    let Some(Ok(mut field)) = multipart.next().await else {
        return Err(refuse(request));
    };
    if field.name() != Some(FIELD) {
        return Err(refuse(request));
    }
    let mut provided = Vec::new();
    while let Some(chunk) = field.next().await {
        let Ok(chunk) = chunk else {
            return Err(refuse(request));
        };
        if provided.len() + chunk.len() > MAX_TOKEN_BYTES {
            return Err(refuse(request));
        }
        provided.extend_from_slice(&chunk);
    }
    if constant_time_eq(expected.as_bytes(), &provided) {
        Ok(())
    } else {
        Err(refuse(request))
    }
}

fn refuse(request: &HttpRequest) -> AppError {
    tracing::warn!(
        path = request.path(),
        "refused an upload without a valid CSRF token"
    );
    AppError::CsrfRejected
}

fn is_multipart_form(request: &ServiceRequest) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .get(..19)
                .is_some_and(|start| start.eq_ignore_ascii_case("multipart/form-data"))
        })
}

fn is_urlencoded_form(request: &ServiceRequest) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"))
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_html_form::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

/// Compares without stopping at the first difference, so timing reveals nothing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_token_field() {
        assert_eq!(
            form_field(b"a=1&csrf_token=abc&b=2", FIELD).as_deref(),
            Some("abc")
        );
        assert_eq!(form_field(b"a=1", FIELD), None);
    }

    #[test]
    fn compares_tokens() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
