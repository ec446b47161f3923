//! The application factory, shared by `rapport serve`, the tests and the benchmark, so all of
//! them run the same routes behind the same middleware.

use crate::api::rate_limit::RateLimiter;
use crate::config::Settings;
use crate::db::PgPool;
use crate::error::AppError;
use crate::intake::widget::limits::WidgetLimits;
use crate::web;
use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_web::body::MessageBody;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web as aweb};
use std::net::TcpListener;

/// Shared by every request: the pool and the settings.
pub struct AppState {
    pub pool: PgPool,
    pub settings: Settings,
    /// Per-token request counts of the JSON API.
    pub api_limits: RateLimiter,
    /// Per-address and per-widget request counts of the website widget's endpoints.
    pub widget_limits: WidgetLimits,
}

impl AppState {
    pub fn new(pool: PgPool, settings: Settings) -> Self {
        let api_limits = RateLimiter::new(settings.api_requests_per_minute);
        let widget_limits = WidgetLimits::new(&settings.widget);
        AppState {
            pool,
            settings,
            api_limits,
            widget_limits,
        }
    }
}

/// Largest form or JSON body accepted. Space uploads are not buffered, so this does not apply
/// to them: their route streams the body with its own limits (per file and per request, see
/// `web::contacts::profile::spaces::receive`).
const BODY_LIMIT: usize = 1024 * 1024;

/// Builds the application: request spans, routes, sessions, CSRF checks, error pages,
/// security headers.
pub fn build_app(
    state: aweb::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let session_key = Key::from(&state.settings.session_key);
    let sessions = SessionMiddleware::builder(CookieSessionStore::default(), session_key)
        .cookie_name("rapport_session".into())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(state.settings.cookie_secure)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(BrowserSession::default())
        .build();
    let slow_request = state.settings.slow_request;
    let cookie_secure = state.settings.cookie_secure;
    App::new()
        .app_data(state)
        .app_data(aweb::PayloadConfig::new(BODY_LIMIT))
        // A path segment that is not a valid id (`/contacts/x`, `/contacts/0`) names nothing:
        // 404, as an HTML page or the API's JSON like every other error.
        .app_data(aweb::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
        // Before the API's scopes, which answer 404 for paths they do not know.
        .configure(crate::intake::register)
        .configure(crate::api::register)
        .configure(web::register)
        .default_service(aweb::to(web::not_found))
        // Innermost first: CSRF needs the session; the error middleware sees every error.
        .wrap(from_fn(web::csrf::verify))
        .wrap(sessions)
        .wrap(from_fn(web::error_pages::render))
        // Outside the error renderer, so that error answers carry CORS headers too.
        .wrap(from_fn(crate::intake::widget::cors::guard))
        .wrap(Compress::default())
        .wrap(security_headers(cookie_secure))
        // Outermost: every request, whoever answers it (the widget's CORS preflight too), runs
        // in its span and is timed to its final status; the error renderer inside reuses the
        // request id it sets.
        .wrap(from_fn(move |request, next| {
            crate::telemetry::trace_requests(request, next, slow_request)
        }))
}

/// How long a browser keeps to https for this host after seeing the header: a year.
const HSTS: &str = "max-age=31536000";

/// Headers that make the browser refuse framing, sniffing and foreign scripts; and, when the
/// session cookie is `Secure` (so Rapport is served over https), keep to https for a year
/// (`Strict-Transport-Security`), so no later visit starts over plain http where the cookie
/// could be stripped or the page changed. Off for local plain-http use, where it would lock
/// the browser out. Without `includeSubDomains`: other hosts under the domain are not ours.
fn security_headers(cookie_secure: bool) -> DefaultHeaders {
    let headers = if cookie_secure {
        DefaultHeaders::new().add(("Strict-Transport-Security", HSTS))
    } else {
        DefaultHeaders::new()
    };
    headers
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
}

/// Starts the HTTP server on an already-bound listener (tests bind port 0).
pub fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let state = aweb::Data::new(state);
    let server = HttpServer::new(move || build_app(state.clone()))
        .listen(listener)?
        .run();
    Ok(server)
}
