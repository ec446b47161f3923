//! Deleting a contact: a confirmation that says it goes to Trash (and what a purge will take
//! with it), then the move to Trash. Purging for good is in [`super::trash`].

use super::super::context::Editor;
use super::super::layout::{PageContext, Section};
use super::super::routes;
use super::super::session::FlashKind;
use super::super::views;
use crate::domain::ContactId;
use crate::error::AppError;
use crate::models::Contact;
use crate::models::contact::{self, DeletionImpact};
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "contacts/delete.html")]
struct ConfirmDeletePage {
    page: PageContext,
    name: String,
    profile_url: String,
    delete_url: String,
    retention_days: i64,
    goes: Vec<String>,
    stays: Vec<String>,
}

/// `GET /contacts/{id}/delete`.
pub async fn confirm(ctx: Editor, path: web::Path<ContactId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (contact, impact) = ctx
        .db
        .read(move |conn| {
            Ok((
                contact::find(conn, id)?,
                contact::deletion_impact(conn, id)?,
            ))
        })
        .await?;
    let (goes, stays) = goes_and_stays(&contact, &impact);
    ctx.ok(&ConfirmDeletePage {
        page: ctx.page(Section::Contacts),
        name: views::display_name(contact.name.as_deref()),
        profile_url: routes::contact(id),
        delete_url: routes::contact_delete(id),
        retention_days: ctx.state.settings.trash_retention.num_days(),
        goes,
        stays,
    })
}

/// What purging `contact` removes, and what stays behind detached, as the pages list them.
pub(super) fn goes_and_stays(
    contact: &Contact,
    impact: &DeletionImpact,
) -> (Vec<String>, Vec<String>) {
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
    (goes, stays)
}

/// "3 tasks", "1 memory", or nothing for none.
fn counted(count: i64, one: &str, many: &str) -> Option<String> {
    match count {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    }
}

/// `POST /contacts/{id}/delete`: to Trash.
pub async fn delete(ctx: Editor, path: web::Path<ContactId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = ctx.actor();
    let deleted = ctx
        .db
        .write(move |conn| Ok(contact::trash(conn, id, &actor)?))
        .await?;
    Ok(ctx.redirect_with_notice(
        FlashKind::Success,
        format!(
            "Moved {} to Trash",
            views::display_name(deleted.name.as_deref())
        ),
        routes::CONTACTS,
    ))
}
