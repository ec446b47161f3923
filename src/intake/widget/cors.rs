//! The gate in front of the widget's endpoints: which web pages may call them (CORS), and how
//! often anyone may (rate limits). It wraps the whole application outside the error renderer,
//! so every answer — errors included — carries the right CORS headers.
//!
//! - A request whose `Origin` is one of the widget's allowed origins gets
//!   `Access-Control-Allow-Origin` with exactly that origin (never `*`, never credentials),
//!   and a preflight (`OPTIONS`) is answered with the methods and headers the widget uses.
//! - Rapport's own pages (the demo page) are same-origin and need no CORS; a widget with no
//!   allowed origins therefore works only there.
//! - Any other origin gets no CORS headers, so browsers keep the answer from the page, and
//!   its writes are refused with 403 before anything is stored.
//! - Every answer says `Vary: Origin`, so caches never hand one site's answer to another.

use super::handlers::refuse;
use super::limits::Exceeded;
use crate::db;
use crate::domain::IntegrationId;
use crate::domain::integration::Origin;
use crate::models::integration;
use crate::startup::AppState;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

/// How long a browser may reuse a preflight answer.
const PREFLIGHT_MAX_AGE_SECS: &str = "600";

/// The widget id of a path under `/api/v1/integration/widget/{id}/` (or `/v1/…`).
pub fn widget_id(path: &str) -> Option<IntegrationId> {
    let rest = path
        .strip_prefix("/api/v1/integration/widget/")
        .or_else(|| path.strip_prefix("/v1/integration/widget/"))?;
    rest.split('/').next()?.parse().ok()
}

/// Whether `origin` is the server's own: its host and port are those the request was sent to.
/// The scheme is not compared, because TLS often ends at a proxy in front of Rapport.
pub fn same_origin(origin: &Origin, host: &str) -> bool {
    let authority = origin
        .as_str()
        .split_once("://")
        .map_or("", |(_, authority)| authority);
    let host = host.trim().to_ascii_lowercase();
    let without_default_port = host
        .strip_suffix(":80")
        .or_else(|| host.strip_suffix(":443"))
        .unwrap_or(&host);
    authority == host || authority == without_default_port
}

/// How a request's origin relates to the widget.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Caller {
    /// No `Origin` header (a plain GET of a same-origin page, curl, a server).
    NoOrigin,
    /// Rapport's own pages.
    SameOrigin,
    /// One of the widget's allowed origins: the header's value, echoed back.
    Allowed(HeaderValue),
    /// Any other origin.
    Refused,
}

pub async fn guard(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let Some(widget) = widget_id(request.path()) else {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let Some(state) = request.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let caller = caller(&request, &state, widget).await;
    let method = request.method().clone();

    if method == Method::OPTIONS {
        let mut response = HttpResponse::Ok();
        response.insert_header((header::CONTENT_TYPE, "application/json"));
        let mut response = response.body("{}");
        if let Caller::Allowed(origin) = &caller {
            let headers = response.headers_mut();
            allow(headers, origin.clone());
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, OPTIONS"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type"),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static(PREFLIGHT_MAX_AGE_SECS),
            );
        }
        vary(response.headers_mut());
        return Ok(request.into_response(response).map_into_right_body());
    }

    if caller == Caller::Refused && method != Method::GET && method != Method::HEAD {
        let origin = request
            .headers()
            .get(header::ORIGIN)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_string();
        tracing::info!(
            widget = widget.0,
            origin,
            "widget request refused: origin not allowed"
        );
        let mut response = refuse(
            StatusCode::FORBIDDEN,
            "NOT_AUTHORIZED",
            &format!(
                "This widget does not accept requests from {origin}: add it to the widget's allowed origins in Settings → Integrations."
            ),
        );
        vary(response.headers_mut());
        return Ok(request.into_response(response).map_into_right_body());
    }

    let write = method == Method::POST;
    if let Err(exceeded) = state.widget_limits.check(request.request(), widget, write) {
        let mut response = too_many(exceeded);
        if let Caller::Allowed(origin) = &caller {
            allow(response.headers_mut(), origin.clone());
        }
        vary(response.headers_mut());
        return Ok(request.into_response(response).map_into_right_body());
    }

    let mut response = next.call(request).await?;
    let headers = response.headers_mut();
    if let Caller::Allowed(origin) = caller {
        allow(headers, origin);
    }
    vary(headers);
    Ok(response.map_into_left_body())
}

async fn caller(
    request: &ServiceRequest,
    state: &web::Data<AppState>,
    widget: IntegrationId,
) -> Caller {
    let Some(value) = request.headers().get(header::ORIGIN).cloned() else {
        return Caller::NoOrigin;
    };
    let Some(origin) = value
        .to_str()
        .ok()
        .and_then(|text| Origin::parse(text).ok())
    else {
        // `null` (sandboxed frames, file: pages) and anything unparsable.
        return Caller::Refused;
    };
    if same_origin(&origin, request.connection_info().host()) {
        return Caller::SameOrigin;
    }
    let allowed = db::run(&state.pool, move |conn| {
        let row = integration::find(conn, widget).map_err(crate::error::AppError::from)?;
        Ok(row.is_widget() && row.origins().contains(&origin))
    })
    .await
    // An unknown widget, or a database that is down: no CORS (the handler reports which).
    .unwrap_or(false);
    if allowed {
        Caller::Allowed(value)
    } else {
        Caller::Refused
    }
}

fn allow(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("retry-after"),
    );
}

fn vary(headers: &mut HeaderMap) {
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

fn too_many(exceeded: Exceeded) -> HttpResponse {
    let message = if exceeded.per_widget {
        format!(
            "This chat is very busy right now; try again in {} s.",
            exceeded.retry_after_secs
        )
    } else {
        format!(
            "Too many requests from your address; try again in {} s.",
            exceeded.retry_after_secs
        )
    };
    let mut response = refuse(StatusCode::TOO_MANY_REQUESTS, "LIMITS_REACHED", &message);
    if let Ok(value) = HeaderValue::from_str(&exceeded.retry_after_secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widget_paths() {
        assert_eq!(
            widget_id("/api/v1/integration/widget/12/config"),
            Some(IntegrationId(12))
        );
        assert_eq!(
            widget_id("/v1/integration/widget/3/session/create"),
            Some(IntegrationId(3))
        );
        assert_eq!(widget_id("/api/v1/integration/widget/x/config"), None);
        assert_eq!(widget_id("/api/v1/integration/email/3/inbound"), None);
        assert_eq!(widget_id("/api/v1/contact/list"), None);
    }

    #[test]
    fn same_origin_compares_host_and_port() {
        let origin = |text: &str| Origin::parse(text).unwrap();
        assert!(same_origin(
            &origin("http://127.0.0.1:8080"),
            "127.0.0.1:8080"
        ));
        assert!(same_origin(
            &origin("https://Rapport.example.com"),
            "rapport.example.com"
        ));
        assert!(same_origin(
            &origin("https://rapport.example.com"),
            "rapport.example.com:443"
        ));
        assert!(!same_origin(
            &origin("http://127.0.0.1:8081"),
            "127.0.0.1:8080"
        ));
        assert!(!same_origin(
            &origin("https://shop.example.com"),
            "rapport.example.com"
        ));
    }
}
