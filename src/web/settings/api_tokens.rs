//! `/settings/api-tokens`: admins list, create and revoke the API's bearer tokens.
//!
//! A new token is shown once, in the response to the request that created it: it is never
//! stored in clear (only its hash), never put in the session or a redirect, and never
//! audited. Revoking asks for confirmation first (a page of its own, so it works without
//! JavaScript) and takes effect on the next API request.

use super::super::current_user::CurrentUser;
use super::super::forms::HtmlForm;
use super::super::htmx::Htmx;
use super::super::layout::{NavLink, PageContext, Section, SettingsTab, settings_tabs};
use super::super::render;
use super::super::routes;
use super::super::session::{FlashKind, TypedSession};
use super::super::views;
use super::require_admin;
use crate::db;
use crate::domain::FieldErrors;
use crate::domain::api_token::{MAX_NAME_CHARS, TokenDraft, TokenRole};
use crate::error::AppError;
use crate::models::api_token::{self, ApiToken};
use crate::startup::AppState;
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

fn rows(tokens: &[ApiToken]) -> Vec<TokenRow> {
    tokens.iter().map(TokenRow::new).collect()
}

/// The panel alone for htmx requests aimed at it, the whole page otherwise.
fn respond(
    user: &CurrentUser,
    session: &TypedSession,
    htmx: &Htmx,
    view: TokensView,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    if htmx.targets(PANEL_ID) {
        render::html(status, &TokensPanel { view })
    } else {
        let page = PageContext::signed_in(user, session, Section::Settings);
        let tabs = settings_tabs(SettingsTab::ApiTokens);
        render::html(status, &TokensPage { page, tabs, view })
    }
}

/// `GET /settings/api-tokens`.
pub async fn list(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let tokens = db::run(&state.pool, |conn| Ok(api_token::list(conn)?)).await?;
    let view = TokensView {
        created: None,
        form: TokenFormView::blank(session.csrf_token()),
        rows: rows(&tokens),
        openapi_url: routes::OPENAPI,
    };
    respond(&user, &session, &htmx, view, StatusCode::OK)
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
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    HtmlForm(data): HtmlForm<TokenFormData>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let draft = match TokenDraft::validate(&data.name, &data.role) {
        Ok(draft) => draft,
        Err(errors) => {
            let tokens = db::run(&state.pool, |conn| Ok(api_token::list(conn)?)).await?;
            let view = TokensView {
                created: None,
                form: TokenFormView::new(data.name, &data.role, errors, session.csrf_token()),
                rows: rows(&tokens),
                openapi_url: routes::OPENAPI,
            };
            return respond(
                &user,
                &session,
                &htmx,
                view,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let actor = user.actor();
    let ((row, token), tokens) = db::run(&state.pool, move |conn| {
        let created = api_token::create(conn, &draft.name, draft.role, &actor)?;
        Ok((created, api_token::list(conn)?))
    })
    .await?;
    let view = TokensView {
        created: Some(CreatedToken {
            role: row.role().as_str(),
            name: row.name,
            token,
        }),
        form: TokenFormView::blank(session.csrf_token()),
        rows: rows(&tokens),
        openapi_url: routes::OPENAPI,
    };
    respond(&user, &session, &htmx, view, StatusCode::OK)
}

/// Reads `{id}`; anything but a positive number does not exist.
fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}

/// `GET /settings/api-tokens/{id}/revoke`: what revoking means, and the button.
pub async fn confirm_revoke(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let id = parse_id(&path)?;
    let token = db::run(&state.pool, move |conn| Ok(api_token::find(conn, id)?)).await?;
    if token.is_revoked() {
        session.set_flash(
            FlashKind::Error,
            format!("The token “{}” is already revoked.", token.name),
        );
        return Ok(render::redirect(&htmx, routes::API_TOKENS));
    }
    render::ok(&RevokePage {
        page: PageContext::signed_in(&user, &session, Section::Settings),
        token: TokenRow::new(&token),
        revoke_url: routes::api_token_revoke(id),
        cancel_url: routes::API_TOKENS,
    })
}

/// `POST /settings/api-tokens/{id}/revoke`.
pub async fn revoke(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let id = parse_id(&path)?;
    let actor = user.actor();
    let outcome = db::run(&state.pool, move |conn| {
        Ok(match api_token::revoke(conn, id, &actor)? {
            Some(revoked) => Ok(revoked),
            None => Err(api_token::find(conn, id)?),
        })
    })
    .await?;
    match outcome {
        Ok(revoked) => session.set_flash(
            FlashKind::Success,
            format!(
                "Revoked “{}”: requests with it are refused from now on.",
                revoked.name
            ),
        ),
        Err(already) => session.set_flash(
            FlashKind::Error,
            format!("The token “{}” is already revoked.", already.name),
        ),
    }
    Ok(render::redirect(&htmx, routes::API_TOKENS))
}
