//! The Overview tab: every field with click-to-edit, and the delete action.

pub mod field;

use super::tab::{Profile, profile_tab};
use crate::domain::{ContactField, ContactId};
use crate::error::AppError;
use crate::models::Contact;
use crate::web::context::Dashboard;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use field::FieldView;

pub fn register(config: &mut web::ServiceConfig) {
    config
        .route("/contacts/{id}", web::get().to(show))
        .route("/contacts/{id}/fields/{field}", web::get().to(field::show))
        .route("/contacts/{id}/fields/{field}", web::post().to(field::save))
        .route(
            "/contacts/{id}/fields/{field}/edit",
            web::get().to(field::edit),
        );
}

pub struct OverviewView {
    pub fields: Vec<FieldView>,
    pub fingerprint: String,
    pub verified_at: String,
}

impl OverviewView {
    /// All fields in display mode, except `editing`, shown as given.
    pub fn new(contact: &Contact, can_edit: bool, editing: Option<FieldView>) -> Self {
        let mut editing = editing;
        let fields = ContactField::ALL
            .into_iter()
            .map(
                |field| match editing.take_if(|view| view.slug == field.slug()) {
                    Some(view) => view,
                    None => FieldView::display(contact, field, can_edit),
                },
            )
            .collect();
        OverviewView {
            fields,
            fingerprint: contact.fingerprint.clone(),
            verified_at: contact
                .verified_at
                .map(crate::web::views::timestamp)
                .unwrap_or_default(),
        }
    }
}

profile_tab!(
    OverviewView,
    overview,
    "contacts/profile/overview/index.html"
);

impl Dashboard {
    /// Renders the overview, whole or as the tabs fragment, optionally with one field's editor
    /// open (used when an edit arrives without JavaScript).
    pub fn overview_tab(
        &self,
        profile: &Profile,
        editing: Option<FieldView>,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        let overview = OverviewView::new(&profile.contact, self.can_edit(), editing);
        self.profile_tab(status, profile, "", overview)
    }
}

/// `GET /contacts/{id}`.
pub async fn show(ctx: Dashboard, path: web::Path<ContactId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let profile = ctx.db.read(move |conn| Profile::load(conn, id)).await?;
    ctx.overview_tab(&profile, None, StatusCode::OK)
}
