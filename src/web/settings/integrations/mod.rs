//! `/settings/integrations`: admins list, create, edit, disable and delete the email and widget
//! integrations, and regenerate their tokens and secrets.
//!
//! Tokens and secrets are shown once, in the response to the request that issued them (create,
//! an edit that adds a webhook URL, regenerate): never put in the session or a redirect, never
//! audited. Deleting and regenerating ask for confirmation first, on pages of their own, so
//! everything works without JavaScript.
//!
//! The inbound URL and the embed snippet are built from `RAPPORT_PUBLIC_URL` when set, else
//! from the scheme and host of the request (which honour `Forwarded` / `X-Forwarded-*`).

pub mod views;

use super::super::current_user::CurrentUser;
use super::super::forms::HtmlForm;
use super::super::htmx::Htmx;
use super::super::layout::{NavLink, PageContext, Section, SettingsTab, settings_tabs};
use super::super::render;
use super::super::routes;
use super::super::session::{FlashKind, TypedSession};
use super::require_admin;
use crate::db;
use crate::domain::integration::{IntegrationDraft, IntegrationKind};
use crate::domain::secret_box::Keyring;
use crate::error::AppError;
use crate::models::integration::{self, Credentials, Integration};
use crate::models::versioned::Versioned;
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use views::{
    ConfirmView, DetailView, FormView, IntegrationFormData, IntegrationRow, Regenerable, issued,
};

#[derive(Template)]
#[template(path = "settings/integrations.html")]
struct ListPage {
    page: PageContext,
    tabs: Vec<NavLink>,
    rows: Vec<IntegrationRow>,
    new_email_url: String,
    new_widget_url: String,
}

#[derive(Template)]
#[template(path = "settings/integration_form.html")]
struct FormPage {
    page: PageContext,
    tabs: Vec<NavLink>,
    form: FormView,
}

#[derive(Template)]
#[template(path = "settings/integration.html")]
struct DetailPage {
    page: PageContext,
    tabs: Vec<NavLink>,
    view: DetailView,
    list_url: &'static str,
}

#[derive(Template)]
#[template(path = "settings/integration_confirm.html")]
struct ConfirmPage {
    page: PageContext,
    tabs: Vec<NavLink>,
    view: ConfirmView,
}

fn page(user: &CurrentUser, session: &TypedSession) -> (PageContext, Vec<NavLink>) {
    (
        PageContext::signed_in(user, session, Section::Settings),
        settings_tabs(SettingsTab::Integrations),
    )
}

/// This server's public base URL, without a trailing slash.
fn base_url(state: &AppState, request: &HttpRequest) -> String {
    match &state.settings.public_url {
        Some(url) => url.clone(),
        None => {
            let info = request.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    }
}

fn keyring(state: &AppState) -> Result<Keyring, AppError> {
    state.settings.secrets_keyring().map_err(AppError::internal)
}

/// Reads `{id}`; anything but a positive number does not exist.
fn parse_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)
}

fn parse_kind(raw: &str) -> Result<IntegrationKind, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// The detail page, with credentials issued by this request shown once.
fn detail(
    user: &CurrentUser,
    session: &TypedSession,
    state: &AppState,
    request: &HttpRequest,
    row: &Integration,
    credentials: Credentials,
) -> Result<HttpResponse, AppError> {
    let (page, tabs) = page(user, session);
    let view = DetailView::new(
        row,
        &base_url(state, request),
        state.settings.smtp_domain.as_deref(),
        issued(credentials),
    );
    render::ok(&DetailPage {
        page,
        tabs,
        view,
        list_url: routes::INTEGRATIONS,
    })
}

/// `GET /settings/integrations`.
pub async fn list(
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let rows = db::run(&state.pool, |conn| Ok(integration::list(conn)?)).await?;
    let (page, tabs) = page(&user, &session);
    render::ok(&ListPage {
        page,
        tabs,
        rows: rows.iter().map(IntegrationRow::new).collect(),
        new_email_url: routes::integration_new(IntegrationKind::Email.as_str()),
        new_widget_url: routes::integration_new(IntegrationKind::Widget.as_str()),
    })
}

/// `GET /settings/integrations/new/{kind}`.
pub async fn new(
    user: CurrentUser,
    session: TypedSession,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let kind = parse_kind(&path)?;
    let form = FormView::blank(kind, session.csrf_token());
    let (page, tabs) = page(&user, &session);
    render::ok(&FormPage { page, tabs, form })
}

/// `POST /settings/integrations/new/{kind}`: creates the integration and shows its page with
/// the credentials issued, once; or the form with its errors (422), nothing written.
pub async fn create(
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<String>,
    HtmlForm(data): HtmlForm<IntegrationFormData>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let kind = parse_kind(&path)?;
    let draft = match IntegrationDraft::validate(kind, &data.input()) {
        Ok(draft) => draft,
        Err(errors) => {
            let form = FormView::posted(kind, &data, errors, session.csrf_token());
            let (page, tabs) = page(&user, &session);
            return render::unprocessable(&FormPage { page, tabs, form });
        }
    };
    let keyring = keyring(&state)?;
    let actor = user.actor();
    let (row, credentials) = db::run(&state.pool, move |conn| {
        Ok(integration::create(conn, &keyring, kind, &draft, &actor)?)
    })
    .await?;
    detail(&user, &session, &state, &request, &row, credentials)
}

/// `GET /settings/integrations/{id}`.
pub async fn show(
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let id = parse_id(&path)?;
    let row = db::run(&state.pool, move |conn| Ok(integration::find(conn, id)?)).await?;
    detail(
        &user,
        &session,
        &state,
        &request,
        &row,
        Credentials::default(),
    )
}

/// `GET /settings/integrations/{id}/edit`.
pub async fn edit(
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let id = parse_id(&path)?;
    let row = db::run(&state.pool, move |conn| Ok(integration::find(conn, id)?)).await?;
    let form = FormView::edit(&row, session.csrf_token());
    let (page, tabs) = page(&user, &session);
    render::ok(&FormPage { page, tabs, form })
}

/// `POST /settings/integrations/{id}/edit`: saves and returns to the integration's page (which
/// shows a webhook secret issued by this edit, once); the form with its errors (422); or, when
/// someone else saved first, the form again (409) at the current version, nothing overwritten.
pub async fn update(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<String>,
    HtmlForm(data): HtmlForm<IntegrationFormData>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let id = parse_id(&path)?;
    let current = db::run(&state.pool, move |conn| Ok(integration::find(conn, id)?)).await?;
    let draft = match IntegrationDraft::validate(current.kind(), &data.input()) {
        Ok(draft) => draft,
        Err(errors) => {
            let form = FormView::edit_posted(&current, &data, errors, session.csrf_token());
            let (page, tabs) = page(&user, &session);
            return render::unprocessable(&FormPage { page, tabs, form });
        }
    };
    let version = data
        .version
        .trim()
        .parse::<i32>()
        .unwrap_or(current.version);
    let keyring = keyring(&state)?;
    let actor = user.actor();
    let (outcome, credentials) = db::run(&state.pool, move |conn| {
        Ok(integration::update(
            conn, &keyring, id, version, &draft, &actor,
        )?)
    })
    .await?;
    match outcome {
        Versioned::Saved(row) if !credentials.is_empty() => {
            session.set_flash(FlashKind::Success, format!("Saved “{}”.", row.name));
            detail(&user, &session, &state, &request, &row, credentials)
        }
        Versioned::Saved(row) | Versioned::Unchanged(row) => {
            session.set_flash(FlashKind::Success, format!("Saved “{}”.", row.name));
            Ok(render::redirect(&htmx, &routes::integration(row.id)))
        }
        Versioned::Conflict(row) => {
            let mut form = FormView::edit_posted(
                &row,
                &data,
                crate::domain::FieldErrors::new(),
                session.csrf_token(),
            );
            form.conflict = true;
            let (page, tabs) = page(&user, &session);
            render::html(StatusCode::CONFLICT, &FormPage { page, tabs, form })
        }
    }
}

/// `POST /settings/integrations/{id}/enable` and `…/disable`.
pub async fn set_enabled(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let (raw_id, action) = path.into_inner();
    let id = parse_id(&raw_id)?;
    let enabled = match action.as_str() {
        "enable" => true,
        "disable" => false,
        _ => return Err(AppError::NotFound),
    };
    let actor = user.actor();
    let row = db::run(&state.pool, move |conn| {
        Ok(integration::set_enabled(conn, id, enabled, &actor)?)
    })
    .await?;
    session.set_flash(
        FlashKind::Success,
        if enabled {
            format!("Enabled “{}”.", row.name)
        } else {
            format!(
                "Disabled “{}”: it refuses everything sent to it until it is enabled again.",
                row.name
            )
        },
    );
    Ok(render::redirect(&htmx, &routes::integration(id)))
}

/// `GET /settings/integrations/{id}/delete`: what deleting means, and the button.
pub async fn confirm_delete(
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let id = parse_id(&path)?;
    let (row, conversations) = db::run(&state.pool, move |conn| {
        Ok((
            integration::find(conn, id)?,
            integration::conversation_count(conn, id)?,
        ))
    })
    .await?;
    let kept = match conversations {
        0 => "No conversations came through it yet.".to_string(),
        1 => "The 1 conversation that came through it stays, with its contact and messages."
            .to_string(),
        n => format!(
            "The {n} conversations that came through it stay, with their contacts and messages."
        ),
    };
    let stops = if row.is_email() {
        "Mail sent to its inbound URL or address is refused from now on."
    } else {
        "The widget stops working on every site that embeds it."
    };
    let (page, tabs) = page(&user, &session);
    render::ok(&ConfirmPage {
        page,
        tabs,
        view: ConfirmView {
            title: format!("Delete “{}”?", row.name),
            paragraphs: vec![
                stops.to_string(),
                kept,
                "Its settings, token and secrets are deleted. This cannot be undone.".into(),
            ],
            action: routes::integration_action(id, "delete"),
            button: "Delete integration",
            cancel_url: routes::integration(id),
        },
    })
}

/// `POST /settings/integrations/{id}/delete`.
pub async fn delete(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let id = parse_id(&path)?;
    let actor = user.actor();
    let row = db::run(&state.pool, move |conn| {
        Ok(integration::delete(conn, id, &actor)?)
    })
    .await?;
    session.set_flash(
        FlashKind::Success,
        format!(
            "Deleted “{}”. Its conversations stay with their contacts.",
            row.name
        ),
    );
    Ok(render::redirect(&htmx, routes::INTEGRATIONS))
}

/// `GET /settings/integrations/{id}/regenerate/{what}`: what regenerating means, and the
/// button.
pub async fn confirm_regenerate(
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let (raw_id, slug) = path.into_inner();
    let id = parse_id(&raw_id)?;
    let what = Regenerable::from_slug(&slug).ok_or(AppError::NotFound)?;
    let row = db::run(&state.pool, move |conn| Ok(integration::find(conn, id)?)).await?;
    let (page, tabs) = page(&user, &session);
    render::ok(&ConfirmPage {
        page,
        tabs,
        view: ConfirmView {
            title: format!("Regenerate the {} of “{}”?", what.label(), row.name),
            paragraphs: vec![
                what.consequence().to_string(),
                format!("The new {} is shown once, on the next page.", what.label()),
            ],
            action: routes::integration_action(id, &format!("regenerate/{slug}")),
            button: "Regenerate",
            cancel_url: routes::integration(id),
        },
    })
}

/// `POST /settings/integrations/{id}/regenerate/{what}`: issues the new value and shows it
/// once on the integration's page.
pub async fn regenerate(
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    require_admin(&user)?;
    let (raw_id, slug) = path.into_inner();
    let id = parse_id(&raw_id)?;
    let what = Regenerable::from_slug(&slug).ok_or(AppError::NotFound)?;
    let keyring = keyring(&state)?;
    let actor = user.actor();
    let (row, credentials) = db::run(&state.pool, move |conn| {
        let mut credentials = Credentials::default();
        match what {
            Regenerable::InboundToken => {
                credentials.inbound_token =
                    Some(integration::regenerate_inbound_token(conn, id, &actor)?);
            }
            Regenerable::Secret(purpose) => {
                let secret = integration::regenerate_secret(conn, &keyring, id, purpose, &actor)?;
                match purpose {
                    crate::domain::integration::SecretPurpose::Identity => {
                        credentials.identity_secret = Some(secret);
                    }
                    crate::domain::integration::SecretPurpose::Webhook => {
                        credentials.webhook_secret = Some(secret);
                    }
                }
            }
        }
        Ok((integration::find(conn, id)?, credentials))
    })
    .await?;
    detail(&user, &session, &state, &request, &row, credentials)
}
