//! The error middleware: every failed request, whatever raised the error, is answered here in
//! the shape its caller understands, and every 5xx is logged once with a request id that the
//! user also sees.
//!
//! - API paths get `{"message","code"}` JSON.
//! - A signed-out visitor is sent to the sign-in page, remembering where they were going.
//! - htmx requests get a small notice retargeted into the page's toast area, so a failed
//!   click never silently does nothing.
//! - Everything else gets a full error page inside the layout.

use super::htmx::Htmx;
use super::layout::PageContext;
use super::routes;
use crate::error::AppError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    page: PageContext,
    title: &'a str,
    message: &'a str,
    status: u16,
    request_id: &'a str,
}

#[derive(Template)]
#[template(path = "error_toast.html")]
struct ErrorToast<'a> {
    message: &'a str,
    request_id: &'a str,
    show_reference: bool,
}

/// What the error renderer needs to know about the request, read before the request is
/// handed on (an `HttpRequest` must not be cloned before routing).
struct RequestFacts {
    method: Method,
    path: String,
    query: String,
    is_api: bool,
    htmx: Htmx,
}

pub async fn render(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Given by the tracing middleware, so the page, the header and the log agree.
    let request_id = crate::telemetry::request_id(&request);
    let facts = RequestFacts {
        method: request.method().clone(),
        path: request.path().to_string(),
        query: request.query_string().to_string(),
        is_api: request.path().starts_with("/api/") || request.path().starts_with("/v1/"),
        htmx: Htmx::from_http(request.request()),
    };

    // Errors raised before any response existed pass through as actix renders them; ours
    // always arrive inside a response.
    let response = next.call(request).await?;
    let mut response = match response.response().error() {
        None => response.map_into_boxed_body(),
        Some(error) => {
            let replacement = respond(&facts, error, &request_id);
            ServiceResponse::new(response.request().clone(), replacement)
        }
    };
    if let Ok(value) = header::HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}

/// The error in the shape the caller understands, with the headers the error itself carries:
/// the replacement is built from the error alone, so a 429's delay is set here as
/// `Retry-After`, whatever shape it was rendered in.
fn respond(request: &RequestFacts, error: &actix_web::Error, request_id: &str) -> HttpResponse {
    let mut response = shape(request, error, request_id);
    if let Some(seconds) = error
        .as_error::<AppError>()
        .and_then(AppError::retry_after_secs)
    {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    }
    response
}

fn shape(request: &RequestFacts, error: &actix_web::Error, request_id: &str) -> HttpResponse {
    let app_error = error.as_error::<AppError>();
    let status = app_error.map_or_else(
        || error.as_response_error().status_code(),
        ResponseError::status_code,
    );
    if status.is_server_error() {
        let cause = app_error.map_or_else(|| error.to_string(), AppError::cause_chain);
        tracing::error!(request_id, method = %request.method, path = request.path, status = status.as_u16(), cause, "request failed");
    }
    let (title, message, code) = match app_error {
        Some(app_error) => (
            app_error.title(),
            app_error.public_message(),
            app_error.code(),
        ),
        None => describe_status(status),
    };

    if request.is_api {
        return HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .body(serde_json::json!({ "message": message, "code": code }).to_string());
    }
    if matches!(app_error, Some(AppError::NotAuthenticated)) {
        return to_sign_in(request);
    }
    if request.htmx.is_htmx {
        let toast = ErrorToast {
            message: &message,
            request_id,
            show_reference: status.is_server_error(),
        };
        return match toast.render() {
            Ok(body) => HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .insert_header(("HX-Retarget", "#toasts"))
                .insert_header(("HX-Reswap", "beforeend"))
                .body(body),
            Err(_) => plain(status, &message),
        };
    }
    let page = ErrorPage {
        page: PageContext::bare(),
        title,
        message: &message,
        status: status.as_u16(),
        request_id,
    };
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(body),
        Err(_) => plain(status, &message),
    }
}

/// Sends a signed-out visitor to sign in, then back to the page they asked for.
fn to_sign_in(request: &RequestFacts) -> HttpResponse {
    let htmx = &request.htmx;
    let wanted = if request.method == Method::GET && !htmx.is_htmx {
        match request.query.as_str() {
            "" => request.path.clone(),
            query => format!("{}?{query}", request.path),
        }
    } else {
        // After a failed write or a fragment request, come back to a whole page.
        routes::CONTACTS.to_string()
    };
    let location = routes::login_with_next(&wanted);
    if htmx.is_htmx {
        HttpResponse::Ok()
            .insert_header(("HX-Redirect", location))
            .finish()
    } else {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .finish()
    }
}

fn plain(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .body(message.to_string())
}

/// Title, message and API code for errors that are not ours (actix's own extractors).
fn describe_status(status: StatusCode) -> (&'static str, String, &'static str) {
    match status {
        StatusCode::NOT_FOUND => (
            "Page not found",
            "There is nothing here. It may have been deleted, or the link is wrong.".into(),
            "NOT_FOUND",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "Not allowed",
            "This address does not accept that method.".into(),
            "METHOD_NOT_ALLOWED",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "Too large",
            "The request is larger than this server accepts.".into(),
            "BAD_REQUEST",
        ),
        status if status.is_client_error() => (
            "Bad request",
            "The request could not be understood.".into(),
            "BAD_REQUEST",
        ),
        _ => (
            "Something went wrong",
            "An unexpected error happened on our side. It has been logged.".into(),
            "INTERNAL_SERVER_ERROR",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(is_api: bool, is_htmx: bool) -> RequestFacts {
        RequestFacts {
            method: Method::GET,
            path: "/somewhere".into(),
            query: String::new(),
            is_api,
            htmx: Htmx {
                is_htmx,
                target: None,
            },
        }
    }

    #[test]
    fn every_shape_of_a_429_says_when_to_retry() {
        let limited = || {
            actix_web::Error::from(AppError::TooManyRequests {
                message: "Slow down.".into(),
                retry_after_secs: 42,
            })
        };
        for (is_api, is_htmx) in [(true, false), (false, true), (false, false)] {
            let response = respond(&facts(is_api, is_htmx), &limited(), "abc");
            assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(
                response.headers().get(header::RETRY_AFTER).unwrap(),
                "42",
                "api {is_api}, htmx {is_htmx}"
            );
        }
        let other = actix_web::Error::from(AppError::NotFound);
        let response = respond(&facts(true, false), &other, "abc");
        assert!(response.headers().get(header::RETRY_AFTER).is_none());
    }
}
