//! Deleting a contact: a confirmation that says what goes and what stays, then the delete.

use super::super::current_user::CurrentUser;
use super::super::htmx::Htmx;
use super::super::layout::{PageContext, Section};
use super::super::render;
use super::super::routes;
use super::super::session::{FlashKind, TypedSession};
use super::super::views;
use super::{load, parse_id};
use crate::db;
use crate::error::AppError;
use crate::models::contact;
use crate::startup::AppState;
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "contacts/delete.html")]
struct ConfirmDeletePage {
    page: PageContext,
    name: String,
    profile_url: String,
    delete_url: String,
    goes: Vec<String>,
    stays: Vec<String>,
}

/// `GET /contacts/{id}/delete`.
pub async fn confirm(
    user: CurrentUser,
    session: TypedSession,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let id = parse_id(&path)?;
    let contact = load(&state, id).await?;
    let meta_count = contact.meta_fields().len();
    let mut goes = vec!["Name, description, email, phone, nick and preferences".to_string()];
    if meta_count > 0 {
        goes.push(format!(
            "{meta_count} custom field{}",
            if meta_count == 1 { "" } else { "s" }
        ));
    }
    render::ok(&ConfirmDeletePage {
        page: PageContext::signed_in(&user, &session, Section::Contacts),
        name: views::display_name(contact.name.as_deref()),
        profile_url: routes::contact(id),
        delete_url: routes::contact_delete(id),
        goes,
        stays: vec!["The record of who changed what (History), for audits".to_string()],
    })
}

/// `POST /contacts/{id}/delete`.
pub async fn delete(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let id = parse_id(&path)?;
    let actor = user.actor();
    let deleted = db::run(&state.pool, move |conn| {
        Ok(contact::delete(conn, id, &actor)?)
    })
    .await?;
    session.set_flash(
        FlashKind::Success,
        format!("Deleted {}", views::display_name(deleted.name.as_deref())),
    );
    Ok(render::redirect(&htmx, routes::CONTACTS))
}
