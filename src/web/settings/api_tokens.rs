//! `/settings/api-tokens`: admins list, create and revoke the API's bearer tokens.
//!
//! A new token is shown once, in the response to the request that created it: it is never
//! stored in clear (only its hash), never put in the session or a redirect, and never
//! audited. Revoking asks for confirmation first (a page of its own, so it works without
//! JavaScript) and takes effect on the next API request.

use super::super::context::{Admin, Dashboard};
use super::super::forms::HtmlForm;
use super::super::layout::{NavLink, PageContext, Section, SettingsTab};
use super::super::routes;
use super::super::session::FlashKind;
use super::super::views;
use crate::domain::api_token::{MAX_NAME_CHARS, TokenDraft, TokenRole};
use crate::domain::{ApiTokenId, FieldErrors};
use crate::error::AppError;
use crate::models::api_token::{self, ApiToken};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;
use zeroize::Zeroize;

/// The id of the element the form's htmx requests replace.
const PANEL_ID: &str = "api-tokens";

#[derive(Template)]
#[template(path = "settings/api_tokens.html")]
struct TokensPage {
    page: PageContext,
    tabs: Vec<NavLink>,
    view: TokensView,
}

/// Only the panel (new token, form, list), for htmx submissions.
#[derive(Template)]
#[template(path = "settings/api_tokens.html", block = "panel")]
struct TokensPanel {
    view: TokensView,
}

#[derive(Template)]
#[template(path = "settings/api_token_revoke.html")]
struct RevokePage {
    page: PageContext,
    token: TokenRow,
    revoke_url: String,
    cancel_url: &'static str,
}

pub struct TokensView {
    /// The token just created, shown this once.
    pub created: Option<CreatedToken>,
    pub form: TokenFormView,
    pub rows: Vec<TokenRow>,
    pub openapi_url: &'static str,
}

/// A token in clear, right after its creation. Wiped from memory when dropped.
pub struct CreatedToken {
    pub name: String,
    pub role: &'static str,
    pub token: String,
}

impl Drop for CreatedToken {
    fn drop(&mut self) {
        self.token.zeroize();
    }
}

/// The create form, with what was typed and what is wrong with it.
pub struct TokenFormView {
    pub action: &'static str,
    pub csrf_token: String,
    pub name: String,
    pub max_name_chars: usize,
    pub roles: Vec<RoleOption>,
    pub errors: FieldErrors,
}

pub struct RoleOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

impl TokenFormView {
    fn new(name: String, role: &str, errors: FieldErrors, csrf_token: String) -> Self {
        let roles = [
            (TokenRole::Viewer, "Viewer: read only"),
            (TokenRole::Editor, "Editor: read and write"),
        ]
        .into_iter()
        .map(|(option, label)| RoleOption {
            value: option.as_str(),
            label,
            selected: option.as_str() == role,
        })
        .collect();
        TokenFormView {
            action: routes::API_TOKENS,
            csrf_token,
            name,
            max_name_chars: MAX_NAME_CHARS,
            roles,
            errors,
        }
    }

    fn blank(csrf_token: String) -> Self {
        Self::new(
            String::new(),
            TokenRole::Viewer.as_str(),
            FieldErrors::new(),
            csrf_token,
        )
    }

    /// The problem with `field`, or "".
    pub fn error(&self, field: &str) -> &str {
        self.errors.message(field)
    }

    pub fn error_count(&self) -> usize {
        self.errors.len()
    }
}

/// One token in the list.
pub struct TokenRow {
    pub name: String,
    pub role: &'static str,
    pub created_by: String,
    pub created_at: String,
    pub created_iso: String,
    /// "5 min ago", or "never".
    pub last_used: String,
    /// The exact time, for the tooltip; empty when never used.
    pub last_used_at: String,
    pub last_used_iso: String,
    /// When it was revoked; empty while it is live.
    pub revoked_at: String,
    /// Where to revoke it; `None` once revoked.
    pub revoke_url: Option<String>,
}

impl TokenRow {
    fn new(row: &ApiToken) -> Self {
        let now = Utc::now();
        TokenRow {
            name: row.name.clone(),
            role: row.role().as_str(),
            created_by: row.created_by_name.clone(),
            created_at: views::timestamp(row.created_at),
            created_iso: views::iso(row.created_at),
            last_used: row
                .last_used_at
                .map_or_else(|| "never".into(), |at| views::relative(at, now)),
            last_used_at: row.last_used_at.map(views::timestamp).unwrap_or_default(),
            last_used_iso: row.last_used_at.map(views::iso).unwrap_or_default(),
            revoked_at: row.revoked_at.map(views::timestamp).unwrap_or_default(),
            revoke_url: (!row.is_revoked()).then(|| routes::api_token_revoke(row.id)),
        }
    }

    pub fn is_revoked(&self) -> bool {
        !self.revoked_at.is_empty()
    }
}

impl TokensView {
    /// The panel for `tokens`, with `form` and the token just created, if any.
    fn new(created: Option<CreatedToken>, form: TokenFormView, tokens: &[ApiToken]) -> Self {
        TokensView {
            created,
            form,
            rows: tokens.iter().map(TokenRow::new).collect(),
            openapi_url: routes::OPENAPI,
        }
    }
}

/// The panel alone for htmx requests aimed at it, the whole page otherwise.
fn respond(
    ctx: &Dashboard,
    view: TokensView,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    ctx.fragment_or_page_with(
        status,
        PANEL_ID,
        view,
        |view| TokensPanel { view },
        |view| {
            let (page, tabs) = ctx.settings_page(SettingsTab::ApiTokens);
            TokensPage { page, tabs, view }
        },
    )
}

/// `GET /settings/api-tokens`.
pub async fn list(ctx: Admin) -> Result<HttpResponse, AppError> {
    let tokens = ctx.db.read(|conn| Ok(api_token::list(conn)?)).await?;
    let view = TokensView::new(None, TokenFormView::blank(ctx.csrf_token()), &tokens);
    respond(&ctx, view, StatusCode::OK)
}

#[derive(Debug, Default, Deserialize)]
pub struct TokenFormData {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

/// `POST /settings/api-tokens`: creates a token and shows it once, or the form with its
/// errors (422).
pub async fn create(
    ctx: Admin,
    HtmlForm(data): HtmlForm<TokenFormData>,
) -> Result<HttpResponse, AppError> {
    let draft = match TokenDraft::validate(&data.name, &data.role) {
        Ok(draft) => draft,
        Err(errors) => {
            let tokens = ctx.db.read(|conn| Ok(api_token::list(conn)?)).await?;
            let form = TokenFormView::new(data.name, &data.role, errors, ctx.csrf_token());
            let view = TokensView::new(None, form, &tokens);
            return respond(&ctx, view, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let actor = ctx.actor();
    let ((row, token), tokens) = ctx
        .db
        .write(move |conn| {
            let created = api_token::create(conn, &draft.name, draft.role, &actor)?;
            Ok((created, api_token::list(conn)?))
        })
        .await?;
    let created = CreatedToken {
        role: row.role().as_str(),
        name: row.name,
        token,
    };
    let view = TokensView::new(
        Some(created),
        TokenFormView::blank(ctx.csrf_token()),
        &tokens,
    );
    respond(&ctx, view, StatusCode::OK)
}

/// `GET /settings/api-tokens/{id}/revoke`: what revoking means, and the button.
pub async fn confirm_revoke(
    ctx: Admin,
    path: web::Path<ApiTokenId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let token = ctx
        .db
        .read(move |conn| Ok(api_token::find(conn, id)?))
        .await?;
    if token.is_revoked() {
        return Ok(ctx.redirect_with_notice(
            FlashKind::Error,
            already_revoked(&token),
            routes::API_TOKENS,
        ));
    }
    ctx.ok(&RevokePage {
        page: ctx.page(Section::Settings),
        token: TokenRow::new(&token),
        revoke_url: routes::api_token_revoke(id),
        cancel_url: routes::API_TOKENS,
    })
}

/// `POST /settings/api-tokens/{id}/revoke`.
pub async fn revoke(ctx: Admin, path: web::Path<ApiTokenId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = ctx.actor();
    let outcome = ctx
        .db
        .write(move |conn| {
            Ok(match api_token::revoke(conn, id, &actor)? {
                Some(revoked) => Ok(revoked),
                None => Err(api_token::find(conn, id)?),
            })
        })
        .await?;
    let (kind, notice) = match outcome {
        Ok(revoked) => (
            FlashKind::Success,
            format!(
                "Revoked “{}”: requests with it are refused from now on.",
                revoked.name
            ),
        ),
        Err(already) => (FlashKind::Error, already_revoked(&already)),
    };
    Ok(ctx.redirect_with_notice(kind, notice, routes::API_TOKENS))
}

fn already_revoked(token: &ApiToken) -> String {
    format!("The token “{}” is already revoked.", token.name)
}
