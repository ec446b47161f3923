//! The Secrets tab: a contact's credentials for personalised integrations.
//!
//! The list shows name, description, kind and when it was updated; never any part of a value.
//! Every action opens a panel above the list (add, edit name and description, replace the
//! value, delete, reveal) at its own URL, so each works as a plain page without JavaScript and
//! as an htmx swap of `#profile-tabs` with it. The writes are in [`writes`],
//! revealing in [`reveal`].

pub mod reveal;
pub mod writes;

use super::tab::{Profile, TABS_TARGET, profile_tab};
use crate::domain::ContactId;
use crate::domain::secret::SecretKind;
use crate::domain::secret_box::Keyring;
use crate::error::AppError;
use crate::models::secret::{self, SecretSummary};
use crate::startup::AppState;
use crate::web::context::Dashboard;
use crate::web::render;
use crate::web::routes;
use crate::web::session::FlashKind;
use crate::web::views;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use diesel::PgConnection;
use reveal::RevealView;
use serde::Deserialize;
use writes::{DeleteView, SecretFormView};

pub fn register(config: &mut web::ServiceConfig) {
    config
        .route("/contacts/{id}/secrets", web::get().to(show))
        .route("/contacts/{id}/secrets", web::post().to(writes::create))
        .route(
            "/contacts/{id}/secrets/new",
            web::get().to(writes::new_form),
        )
        .route(
            "/contacts/{id}/secrets/{secret}",
            web::post().to(writes::update),
        )
        .route(
            "/contacts/{id}/secrets/{secret}/edit",
            web::get().to(writes::edit_form),
        )
        .route(
            "/contacts/{id}/secrets/{secret}/replace",
            web::get().to(writes::replace_form),
        )
        .route(
            "/contacts/{id}/secrets/{secret}/replace",
            web::post().to(writes::replace),
        )
        .route(
            "/contacts/{id}/secrets/{secret}/delete",
            web::get().to(writes::confirm_delete),
        )
        .route(
            "/contacts/{id}/secrets/{secret}/delete",
            web::post().to(writes::delete),
        )
        .route(
            "/contacts/{id}/secrets/{secret}/reveal",
            web::get().to(reveal::reveal_form),
        )
        .route(
            "/contacts/{id}/secrets/{secret}/reveal",
            web::post().to(reveal::reveal),
        );
}

/// Secrets per page.
const PAGE_SIZE: i64 = 25;
/// The tab's slug.
pub const SLUG: &str = "secrets";

/// One secret in the list.
pub struct SecretRowView {
    pub element_id: String,
    pub name: String,
    pub description: String,
    pub kind: &'static str,
    pub updated: String,
    pub updated_iso: String,
    /// Encrypted under a key this server does not have.
    pub unreadable: bool,
    pub edit_url: String,
    pub replace_url: String,
    pub delete_url: String,
    pub reveal_url: String,
}

impl SecretRowView {
    fn new(contact: ContactId, row: &SecretSummary, keyring: &Keyring) -> Self {
        SecretRowView {
            element_id: format!("secret-{}", row.id),
            name: row.name.clone(),
            description: row.description.clone().unwrap_or_default(),
            kind: kind_label(&row.kind),
            updated: views::timestamp(row.updated_at),
            updated_iso: views::iso(row.updated_at),
            unreadable: !keyring.can_read(&row.key_id),
            edit_url: routes::contact_secret_edit(contact, row.id),
            replace_url: routes::contact_secret_replace(contact, row.id),
            delete_url: routes::contact_secret_delete(contact, row.id),
            reveal_url: routes::contact_secret_reveal(contact, row.id),
        }
    }
}

pub fn kind_label(stored: &str) -> &'static str {
    stored
        .parse::<SecretKind>()
        .map_or("Unknown", SecretKind::label)
}

/// What opens above the list.
pub enum Panel {
    None,
    /// A short confirmation after a write (htmx; plain forms get a flash after a redirect).
    Notice(String),
    Form(SecretFormView),
    Delete(DeleteView),
    Reveal(RevealView),
}

/// The tab's content.
pub struct SecretsView {
    pub rows: Vec<SecretRowView>,
    pub total: i64,
    pub first_url: Option<String>,
    pub more_url: Option<String>,
    pub new_url: String,
    pub can_edit: bool,
    pub can_reveal: bool,
    pub panel: Panel,
}

profile_tab!(SecretsView, secrets, "contacts/profile/secrets/index.html");

/// What every answer of this tab shows besides its panel.
pub struct Loaded {
    pub profile: Profile,
    pub page: Vec<SecretSummary>,
    pub after: Option<String>,
}

impl Loaded {
    /// The contact, tab counts and the page of secrets after `after`.
    pub fn load(
        conn: &mut PgConnection,
        id: ContactId,
        after: Option<String>,
    ) -> Result<Loaded, AppError> {
        Ok(Loaded {
            profile: Profile::load(conn, id)?,
            page: secret::list(conn, id, after.as_deref(), PAGE_SIZE + 1)?,
            after,
        })
    }
}

/// The server's keys; they were checked at start, so failing here is a fault.
pub fn keyring(state: &AppState) -> Result<Keyring, AppError> {
    state.settings.secrets_keyring().map_err(AppError::internal)
}

impl Dashboard {
    /// Renders the tab (whole page, or the tabs fragment for htmx) with `panel` open.
    pub fn secrets_tab(
        &self,
        loaded: Loaded,
        panel: Panel,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        let keyring = keyring(&self.state)?;
        let id = loaded.profile.contact.id;
        let has_more = loaded.page.len() as i64 > PAGE_SIZE;
        let shown: Vec<&SecretSummary> = loaded.page.iter().take(PAGE_SIZE as usize).collect();
        let secrets = SecretsView {
            rows: shown
                .iter()
                .map(|row| SecretRowView::new(id, row, &keyring))
                .collect(),
            total: loaded.profile.counts.secrets,
            first_url: loaded
                .after
                .as_ref()
                .map(|_| routes::contact_secrets(id, None)),
            more_url: shown
                .last()
                .filter(|_| has_more)
                .map(|last| routes::contact_secrets(id, Some(&last.name))),
            new_url: routes::contact_secret_new(id),
            can_edit: self.can_edit(),
            can_reveal: self.is_admin(),
            panel,
        };
        self.profile_tab(status, &loaded.profile, SLUG, secrets)
    }

    /// Loads the tab's first page and renders it with `panel` open.
    pub async fn secrets_first_page(
        &self,
        id: ContactId,
        panel: Panel,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        let loaded = self
            .db
            .read(move |conn| Loaded::load(conn, id, None))
            .await?;
        self.secrets_tab(loaded, panel, status)
    }

    /// After a successful write: the list with a notice (htmx, URL reset to the tab), or a
    /// redirect with a flash (plain forms).
    pub async fn secret_written(
        &self,
        id: ContactId,
        notice: String,
    ) -> Result<HttpResponse, AppError> {
        let list_url = routes::contact_secrets(id, None);
        if !self.targets(TABS_TARGET) {
            return Ok(self.redirect_with_notice(FlashKind::Success, notice, &list_url));
        }
        let response = self
            .secrets_first_page(id, Panel::Notice(notice), StatusCode::OK)
            .await?;
        Ok(render::push_url(response, &list_url))
    }
}

/// `?after=<name>`: the page after that secret.
#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    after: String,
}

/// `GET /contacts/{id}/secrets`.
pub async fn show(
    ctx: Dashboard,
    path: web::Path<ContactId>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let after = Some(query.into_inner().after).filter(|a| !a.is_empty());
    let loaded = ctx
        .db
        .read(move |conn| Loaded::load(conn, id, after.clone()))
        .await?;
    ctx.secrets_tab(loaded, Panel::None, StatusCode::OK)
}
