//! Cross-site request forgery protection for the dashboard.
//!
//! Every state-changing request (anything but GET, HEAD and OPTIONS) must carry the session's
//! token: htmx sends it as the `X-CSRF-Token` header (set once by `hx-headers` on `<body>`),
//! plain forms as the hidden `csrf_token` field. A missing or wrong token is refused with 403
//! before any handler runs, so nothing changes. The JSON API uses bearer tokens instead and is
//! not covered here.

use super::session::TypedSession;
use crate::error::AppError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;

pub const HEADER: &str = "X-CSRF-Token";
pub const FIELD: &str = "csrf_token";

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
