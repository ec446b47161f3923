//! Deleting a contact: a confirmation that says what goes and what stays, then the delete.

use super::super::current_user::CurrentUser;
use super::super::htmx::Htmx;
use super::super::layout::{PageContext, Section};
use super::super::render;
use super::super::routes;
use super::super::session::{FlashKind, TypedSession};
use super::super::views;
use super::parse_id;
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
    let (contact, impact) = db::run(&state.pool, move |conn| {
        Ok((
            contact::find(conn, id)?,
            contact::deletion_impact(conn, id)?,
        ))
    })
    .await?;
    let mut goes = vec!["Name, description, email, phone, nick and preferences".to_string()];
    goes.extend(counted(
        contact.meta_fields().len() as i64,
        "custom field",
        "custom fields",
    ));
    goes.extend(counted(impact.tasks, "task", "tasks"));
    goes.extend(counted(impact.memories, "memory", "memories"));
    goes.extend(counted(impact.secrets, "secret", "secrets"));
    let mut stays: Vec<String> = [
        counted(impact.conversations, "conversation", "conversations"),
        counted(
            impact.spaces,
            "space with its files",
            "spaces with their files",
        ),
        counted(impact.ratings, "rating", "ratings"),
    ]
    .into_iter()
    .flatten()
    .map(|what| format!("{what}, no longer linked to a contact"))
    .collect();
    stays.push("The record of who changed what (History), for audits".to_string());
    render::ok(&ConfirmDeletePage {
        page: PageContext::signed_in(&user, &session, Section::Contacts),
        name: views::display_name(contact.name.as_deref()),
        profile_url: routes::contact(id),
        delete_url: routes::contact_delete(id),
        goes,
        stays,
    })
}

/// "3 tasks", "1 memory", or nothing for none.
fn counted(count: i64, one: &str, many: &str) -> Option<String> {
    match count {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    }
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
