//! The staff dashboard: server-rendered pages and htmx fragments.
//!
//! Handlers are thin: extract, validate into a domain type, one model call through
//! [`crate::db::run`], render a view struct.

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
    HttpResponse::SeeOther()
        .insert_header(("Location", routes::CONTACTS))
        .finish()
}

/// Liveness for load balancers: the process answers (the database is not consulted).
async fn health() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The default service: everything unrouted is a 404 page.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
