//! Admin settings: for now the API tokens. Every handler here refuses non-admins with 403;
//! the navigation shows the section to admins only (see `layout::nav`).

pub mod api_tokens;

use super::current_user::CurrentUser;
use super::routes;
use crate::error::AppError;
use actix_web::{HttpResponse, web};

pub fn register(config: &mut web::ServiceConfig) {
    config
        .route(routes::SETTINGS, web::get().to(index))
        .route(routes::API_TOKENS, web::get().to(api_tokens::list))
        .route(routes::API_TOKENS, web::post().to(api_tokens::create))
        .route(
            "/settings/api-tokens/{id}/revoke",
            web::get().to(api_tokens::confirm_revoke),
        )
        .route(
            "/settings/api-tokens/{id}/revoke",
            web::post().to(api_tokens::revoke),
        );
}

/// Settings are for admins only.
pub fn require_admin(user: &CurrentUser) -> Result<(), AppError> {
    if user.role.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// `GET /settings`: the first (and so far only) settings page.
async fn index(user: CurrentUser) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", routes::API_TOKENS))
        .finish())
}
