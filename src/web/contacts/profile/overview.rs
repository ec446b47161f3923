//! The Overview tab: every field with click-to-edit, and the delete action.

use super::super::super::current_user::CurrentUser;
use super::super::super::htmx::Htmx;
use super::super::super::layout::{PageContext, Section};
use super::super::super::render;
use super::super::super::session::TypedSession;
use super::super::parse_id;
use super::field::FieldView;
use super::{ProfileView, load_with_counts};
use crate::domain::ContactField;
use crate::error::AppError;
use crate::models::Contact;
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

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
                .map(super::super::super::views::timestamp)
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "contacts/profile/overview.html")]
struct OverviewPage {
    page: PageContext,
    profile: ProfileView,
    overview: OverviewView,
}

/// The tab bar and panel only, for htmx tab switches.
#[derive(Template)]
#[template(path = "contacts/profile/overview.html", block = "tabs")]
struct OverviewTabs {
    profile: ProfileView,
    overview: OverviewView,
}

/// Renders the overview, whole or as the tabs fragment, optionally with one field's editor
/// open (used when an edit arrives without JavaScript).
pub async fn render_overview(
    user: &CurrentUser,
    session: &TypedSession,
    htmx: &Htmx,
    (contact, counts): (Contact, Vec<Option<i64>>),
    editing: Option<FieldView>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let profile = ProfileView::new(&contact, "", &counts, user.can_edit());
    let overview = OverviewView::new(&contact, user.can_edit(), editing);
    if htmx.targets("profile-tabs") {
        render::html(status, &OverviewTabs { profile, overview })
    } else {
        let page = PageContext::signed_in(user, session, Section::Contacts);
        render::html(
            status,
            &OverviewPage {
                page,
                profile,
                overview,
            },
        )
    }
}

/// `GET /contacts/{id}`.
pub async fn show(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let loaded = load_with_counts(&state, parse_id(&path)?).await?;
    render_overview(&user, &session, &htmx, loaded, None, StatusCode::OK).await
}
