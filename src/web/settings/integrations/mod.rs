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

use super::super::context::{Admin, Dashboard};
use super::super::forms::HtmlForm;
use super::super::layout::{NavLink, PageContext, SettingsTab};
use super::super::routes;
use super::super::session::FlashKind;
use crate::domain::integration::{IntegrationDraft, IntegrationKind, SecretPurpose};
use crate::domain::secret_box::Keyring;
use crate::domain::{FieldErrors, IntegrationId};
use crate::error::AppError;
use crate::models::integration::{self, Credentials, Integration};
use crate::models::versioned::Versioned;
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use diesel::PgConnection;
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

impl Dashboard {
    /// The layout's context for an integrations page, with the settings tabs.
    fn integrations_page(&self) -> (PageContext, Vec<NavLink>) {
        self.settings_page(SettingsTab::Integrations)
    }
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

fn parse_kind(raw: &str) -> Result<IntegrationKind, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// `enable` or `disable`, as the path says.
fn parse_enabled(action: &str) -> Result<bool, AppError> {
    match action {
        "enable" => Ok(true),
        "disable" => Ok(false),
        _ => Err(AppError::NotFound),
    }
}

/// The detail page, with credentials issued by this request shown once.
fn detail(
    ctx: &Dashboard,
    request: &HttpRequest,
    row: &Integration,
    credentials: Credentials,
) -> Result<HttpResponse, AppError> {
    let (page, tabs) = ctx.integrations_page();
    let view = DetailView::new(
        row,
        &base_url(&ctx.state, request),
        ctx.state.settings.smtp_domain.as_deref(),
        issued(credentials),
    );
    ctx.ok(&DetailPage {
        page,
        tabs,
        view,
        list_url: routes::INTEGRATIONS,
    })
}

/// The form page with `status` (422 invalid, 409 conflict).
fn form_page(
    ctx: &Dashboard,
    form: FormView,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (page, tabs) = ctx.integrations_page();
    ctx.render(status, &FormPage { page, tabs, form })
}

/// A confirmation page (delete, regenerate).
fn confirm_page(ctx: &Dashboard, view: ConfirmView) -> Result<HttpResponse, AppError> {
    let (page, tabs) = ctx.integrations_page();
    ctx.ok(&ConfirmPage { page, tabs, view })
}

/// `GET /settings/integrations`.
pub async fn list(ctx: Admin) -> Result<HttpResponse, AppError> {
    let rows = ctx.db.read(|conn| Ok(integration::list(conn)?)).await?;
    let (page, tabs) = ctx.integrations_page();
    ctx.ok(&ListPage {
        page,
        tabs,
        rows: rows.iter().map(IntegrationRow::new).collect(),
        new_email_url: routes::integration_new(IntegrationKind::Email.as_str()),
        new_widget_url: routes::integration_new(IntegrationKind::Widget.as_str()),
    })
}

/// `GET /settings/integrations/new/{kind}`.
pub async fn new(ctx: Admin, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let kind = parse_kind(&path)?;
    let form = FormView::blank(kind, ctx.csrf_token());
    form_page(&ctx, form, StatusCode::OK)
}

/// `POST /settings/integrations/new/{kind}`: creates the integration and shows its page with
/// the credentials issued, once; or the form with its errors (422), nothing written.
pub async fn create(
    ctx: Admin,
    request: HttpRequest,
    path: web::Path<String>,
    HtmlForm(data): HtmlForm<IntegrationFormData>,
) -> Result<HttpResponse, AppError> {
    let kind = parse_kind(&path)?;
    let draft =
        match IntegrationDraft::validate(kind, &data.input(), &ctx.state.settings.webhook.egress) {
            Ok(draft) => draft,
            Err(errors) => {
                let form = FormView::posted(kind, &data, errors, ctx.csrf_token());
                return form_page(&ctx, form, StatusCode::UNPROCESSABLE_ENTITY);
            }
        };
    let keyring = keyring(&ctx.state)?;
    let actor = ctx.actor();
    let (row, credentials) = ctx
        .db
        .write(move |conn| Ok(integration::create(conn, &keyring, kind, &draft, &actor)?))
        .await?;
    detail(&ctx, &request, &row, credentials)
}

/// `GET /settings/integrations/{id}`.
pub async fn show(
    ctx: Admin,
    request: HttpRequest,
    path: web::Path<IntegrationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let row = find(&ctx, id).await?;
    detail(&ctx, &request, &row, Credentials::default())
}

/// The integration `id`, or 404.
async fn find(ctx: &Dashboard, id: IntegrationId) -> Result<Integration, AppError> {
    ctx.db
        .read(move |conn| Ok(integration::find(conn, id)?))
        .await
}

/// `GET /settings/integrations/{id}/edit`.
pub async fn edit(ctx: Admin, path: web::Path<IntegrationId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let row = find(&ctx, id).await?;
    let form = FormView::edit(&row, ctx.csrf_token());
    form_page(&ctx, form, StatusCode::OK)
}

/// `POST /settings/integrations/{id}/edit`: saves and returns to the integration's page (which
/// shows a webhook secret issued by this edit, once); the form with its errors (422); or, when
/// someone else saved first, the form again (409) at the current version, nothing overwritten.
pub async fn update(
    ctx: Admin,
    request: HttpRequest,
    path: web::Path<IntegrationId>,
    HtmlForm(data): HtmlForm<IntegrationFormData>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let current = find(&ctx, id).await?;
    let draft = match IntegrationDraft::validate(
        current.kind(),
        &data.input(),
        &ctx.state.settings.webhook.egress,
    ) {
        Ok(draft) => draft,
        Err(errors) => {
            let form = FormView::edit_posted(&current, &data, errors, ctx.csrf_token());
            return form_page(&ctx, form, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let version = data
        .version
        .trim()
        .parse::<i32>()
        .unwrap_or(current.version);
    let keyring = keyring(&ctx.state)?;
    let actor = ctx.actor();
    let (outcome, credentials) = ctx
        .db
        .write(move |conn| {
            Ok(integration::update(
                conn, &keyring, id, version, &draft, &actor,
            )?)
        })
        .await?;
    match outcome {
        Versioned::Saved(row) if !credentials.is_empty() => {
            ctx.session
                .set_flash(FlashKind::Success, format!("Saved “{}”.", row.name));
            detail(&ctx, &request, &row, credentials)
        }
        Versioned::Saved(row) | Versioned::Unchanged(row) => Ok(ctx.redirect_with_notice(
            FlashKind::Success,
            format!("Saved “{}”.", row.name),
            &routes::integration(row.id),
        )),
        Versioned::Conflict(row) => {
            let mut form = FormView::edit_posted(&row, &data, FieldErrors::new(), ctx.csrf_token());
            form.conflict = true;
            form_page(&ctx, form, StatusCode::CONFLICT)
        }
    }
}

/// `POST /settings/integrations/{id}/enable` and `…/disable`.
pub async fn set_enabled(
    ctx: Admin,
    path: web::Path<(IntegrationId, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let enabled = parse_enabled(&action)?;
    let actor = ctx.actor();
    let row = ctx
        .db
        .write(move |conn| Ok(integration::set_enabled(conn, id, enabled, &actor)?))
        .await?;
    let notice = if enabled {
        format!("Enabled “{}”.", row.name)
    } else {
        format!(
            "Disabled “{}”: it refuses everything sent to it until it is enabled again.",
            row.name
        )
    };
    Ok(ctx.redirect_with_notice(FlashKind::Success, notice, &routes::integration(id)))
}

/// `GET /settings/integrations/{id}/delete`: what deleting means, and the button.
pub async fn confirm_delete(
    ctx: Admin,
    path: web::Path<IntegrationId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (row, conversations) = ctx
        .db
        .read(move |conn| {
            Ok((
                integration::find(conn, id)?,
                integration::conversation_count(conn, id)?,
            ))
        })
        .await?;
    confirm_page(&ctx, delete_confirmation(&row, conversations))
}

/// What deleting `row` stops and what it keeps, and the button.
fn delete_confirmation(row: &Integration, conversations: i64) -> ConfirmView {
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
    ConfirmView {
        title: format!("Delete “{}”?", row.name),
        paragraphs: vec![
            stops.to_string(),
            kept,
            "Its settings, token and secrets are deleted. This cannot be undone.".into(),
        ],
        action: routes::integration_action(row.id, "delete"),
        button: "Delete integration",
        cancel_url: routes::integration(row.id),
    }
}

/// `POST /settings/integrations/{id}/delete`.
pub async fn delete(ctx: Admin, path: web::Path<IntegrationId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = ctx.actor();
    let row = ctx
        .db
        .write(move |conn| Ok(integration::delete(conn, id, &actor)?))
        .await?;
    Ok(ctx.redirect_with_notice(
        FlashKind::Success,
        format!(
            "Deleted “{}”. Its conversations stay with their contacts.",
            row.name
        ),
        routes::INTEGRATIONS,
    ))
}

/// `GET /settings/integrations/{id}/regenerate/{what}`: what regenerating means, and the
/// button.
pub async fn confirm_regenerate(
    ctx: Admin,
    path: web::Path<(IntegrationId, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, slug) = path.into_inner();
    let what = Regenerable::from_slug(&slug).ok_or(AppError::NotFound)?;
    let row = find(&ctx, id).await?;
    confirm_page(
        &ctx,
        ConfirmView {
            title: format!("Regenerate the {} of “{}”?", what.label(), row.name),
            paragraphs: vec![
                what.consequence().to_string(),
                format!("The new {} is shown once, on the next page.", what.label()),
            ],
            action: routes::integration_action(id, &format!("regenerate/{slug}")),
            button: "Regenerate",
            cancel_url: routes::integration(id),
        },
    )
}

/// `POST /settings/integrations/{id}/regenerate/{what}`: issues the new value and shows it
/// once on the integration's page.
pub async fn regenerate(
    ctx: Admin,
    request: HttpRequest,
    path: web::Path<(IntegrationId, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, slug) = path.into_inner();
    let what = Regenerable::from_slug(&slug).ok_or(AppError::NotFound)?;
    let keyring = keyring(&ctx.state)?;
    let actor = ctx.actor();
    let (row, credentials) = ctx
        .db
        .write(move |conn| {
            let credentials = regenerate_credential(conn, &keyring, id, what, &actor)?;
            Ok((integration::find(conn, id)?, credentials))
        })
        .await?;
    detail(&ctx, &request, &row, credentials)
}

/// Issues a new value for `what`, returned in the credentials to show once.
fn regenerate_credential(
    conn: &mut PgConnection,
    keyring: &Keyring,
    id: IntegrationId,
    what: Regenerable,
    actor: &crate::models::Actor,
) -> Result<Credentials, AppError> {
    let mut credentials = Credentials::default();
    match what {
        Regenerable::InboundToken => {
            credentials.inbound_token =
                Some(integration::regenerate_inbound_token(conn, id, actor)?);
        }
        Regenerable::Secret(purpose) => {
            let secret = integration::regenerate_secret(conn, keyring, id, purpose, actor)?;
            match purpose {
                SecretPurpose::Identity => credentials.identity_secret = Some(secret),
                SecretPurpose::Webhook => credentials.webhook_secret = Some(secret),
            }
        }
    }
    Ok(credentials)
}
