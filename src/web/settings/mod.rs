//! Settings. Each user's own account page ([`account`]) is open to every signed-in user; the
//! rest is for admins: API tokens and integrations, whose handlers take [`Admin`], which
//! refuses non-admins with 403; the navigation shows that section to admins only (see
//! `layout::nav`).

pub mod account;
pub mod api_tokens;
pub mod integrations;

use super::context::{Admin, Dashboard};
use super::layout::{NavLink, PageContext, Section, SettingsTab, settings_tabs};
use super::render;
use super::routes;
use actix_web::{HttpResponse, web};

pub fn register(config: &mut web::ServiceConfig) {
    config
        .route(routes::SETTINGS, web::get().to(index))
        .route(routes::ACCOUNT, web::get().to(account::show))
        .route(
            routes::ACCOUNT_SIGN_OUT_EVERYWHERE,
            web::post().to(account::sign_out_everywhere),
        )
        .route(routes::API_TOKENS, web::get().to(api_tokens::list))
        .route(routes::API_TOKENS, web::post().to(api_tokens::create))
        .route(
            "/settings/api-tokens/{id}/revoke",
            web::get().to(api_tokens::confirm_revoke),
        )
        .route(
            "/settings/api-tokens/{id}/revoke",
            web::post().to(api_tokens::revoke),
        )
        .route(routes::INTEGRATIONS, web::get().to(integrations::list))
        .route(
            "/settings/integrations/new/{kind}",
            web::get().to(integrations::new),
        )
        .route(
            "/settings/integrations/new/{kind}",
            web::post().to(integrations::create),
        )
        .route(
            "/settings/integrations/{id}",
            web::get().to(integrations::show),
        )
        .route(
            "/settings/integrations/{id}/edit",
            web::get().to(integrations::edit),
        )
        .route(
            "/settings/integrations/{id}/edit",
            web::post().to(integrations::update),
        )
        .route(
            "/settings/integrations/{id}/delete",
            web::get().to(integrations::confirm_delete),
        )
        .route(
            "/settings/integrations/{id}/delete",
            web::post().to(integrations::delete),
        )
        .route(
            "/settings/integrations/{id}/regenerate/{what}",
            web::get().to(integrations::confirm_regenerate),
        )
        .route(
            "/settings/integrations/{id}/regenerate/{what}",
            web::post().to(integrations::regenerate),
        )
        .route(
            "/settings/integrations/{id}/{action}",
            web::post().to(integrations::set_enabled),
        );
}

impl Dashboard {
    /// The layout's context for a settings page, and the section's tabs with `tab` current.
    pub fn settings_page(&self, tab: SettingsTab) -> (PageContext, Vec<NavLink>) {
        (self.page(Section::Settings), settings_tabs(tab))
    }
}

/// `GET /settings`: the first settings page.
async fn index(_ctx: Admin) -> HttpResponse {
    render::see_other(routes::API_TOKENS)
}
