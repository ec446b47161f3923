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
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use rand::RngCore;

/// A short random id attached to every request, shown on error pages and in the log.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

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

pub async fn render(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = new_request_id();
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    let http_request = request.request().clone();

    let response = match next.call(request).await {
        Ok(response) => match response.response().error() {
            None => response.map_into_boxed_body(),
            Some(error) => {
                let replacement = respond(&http_request, error, &request_id);
                ServiceResponse::new(response.request().clone(), replacement)
            }
        },
        // Errors raised by middleware (CSRF, session) before a response existed.
        Err(error) => ServiceResponse::new(
            http_request.clone(),
            respond(&http_request, &error, &request_id),
        ),
    };
    let mut response = response;
    if let Ok(value) = header::HeaderValue::from_str(&request_id) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}

fn respond(request: &HttpRequest, error: &actix_web::Error, request_id: &str) -> HttpResponse {
    let app_error = error.as_error::<AppError>();
    let status = app_error.map_or_else(
        || error.as_response_error().status_code(),
        ResponseError::status_code,
    );
    if status.is_server_error() {
        let cause = app_error.map_or_else(|| error.to_string(), AppError::cause_chain);
        tracing::error!(request_id, method = %request.method(), path = request.path(), status = status.as_u16(), cause, "request failed");
    }
    let (title, message, code) = match app_error {
        Some(app_error) => (
            app_error.title(),
            app_error.public_message(),
            app_error.code(),
        ),
        None => describe_status(status),
    };

    if is_api(request) {
        return HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .body(serde_json::json!({ "message": message, "code": code }).to_string());
    }
    let htmx = Htmx::from_http(request);
    if matches!(app_error, Some(AppError::NotAuthenticated)) {
        return to_sign_in(request, &htmx);
    }
    if htmx.is_htmx {
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
fn to_sign_in(request: &HttpRequest, htmx: &Htmx) -> HttpResponse {
    let wanted = if request.method() == Method::GET && !htmx.is_htmx {
        match request.query_string() {
            "" => request.path().to_string(),
            query => format!("{}?{query}", request.path()),
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

fn is_api(request: &HttpRequest) -> bool {
    request.path().starts_with("/api/") || request.path().starts_with("/v1/")
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

fn new_request_id() -> String {
    let mut bytes = [0u8; 6];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
