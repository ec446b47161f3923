//! The staff dashboard: server-rendered pages and htmx fragments.
//!
//! Handlers are thin: their first argument is the request context ([`context::Dashboard`],
//! [`context::Editor`], [`context::Admin`], or [`context::Visitor`] for the sign-in page),
//! which says who may call them; then validate into a domain type, one model call on the
//! context's connection (`ctx.db.read` / `ctx.db.write`), render a view struct through the
//! context's helpers.

pub mod assets;
pub mod auth;
pub mod contacts;
pub mod context;
pub mod csrf;
pub mod current_user;
pub mod error_pages;
pub mod forms;
pub mod htmx;
pub mod layout;
pub mod password_check;
pub mod render;
pub mod routes;
pub mod session;
pub mod settings;
pub mod views;

use crate::error::AppError;
use actix_web::{HttpResponse, web};

/// Registers every dashboard route.
pub fn register(config: &mut web::ServiceConfig) {
    config
        .route("/", web::get().to(home))
        .route("/static/{path:.*}", web::get().to(assets::serve))
        .route("/healthz", web::get().to(health))
        .configure(auth::register)
        .configure(contacts::register)
        .configure(settings::register);
}

async fn home() -> HttpResponse {
    render::see_other(routes::CONTACTS)
}

/// Liveness for load balancers: the process answers (the database is not consulted).
async fn health() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The default service: everything unrouted is a 404 page.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
