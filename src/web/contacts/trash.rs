//! Trash: contacts that were deleted, with who deleted them and when. Restore brings a contact
//! back with everything linked to it; "Delete forever" purges it now, as the retention purge
//! does after `RAPPORT_TRASH_DAYS` (see `models::contact` for what Trash hides).

use super::super::context::{Dashboard, Editor};
use super::super::layout::{PageContext, Section};
use super::super::routes;
use super::super::session::FlashKind;
use super::super::views;
use super::delete::goes_and_stays;
use crate::domain::ContactId;
use crate::error::AppError;
use crate::models::contact::{self, TrashedContact, WriteError};
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// Contacts shown per Trash page.
const PER_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "contacts/trash.html")]
struct TrashPage {
    page: PageContext,
    rows: Vec<TrashRow>,
    total: i64,
    retention_days: i64,
    can_edit: bool,
    list_url: &'static str,
    next_url: Option<String>,
}

struct TrashRow {
    name: String,
    reach: String,
    deleted_by: String,
    deleted_ago: String,
    deleted_at: String,
    purged_on: String,
    restore_url: String,
    purge_url: String,
}

#[derive(Deserialize)]
pub struct TrashQuery {
    before: Option<String>,
}

/// `GET /contacts/trash`.
pub async fn list(ctx: Dashboard, query: web::Query<TrashQuery>) -> Result<HttpResponse, AppError> {
    // A malformed cursor (an edited link) shows the first page rather than an error.
    let before = query.before.as_deref().and_then(parse_cursor);
    let (rows, total) = ctx
        .db
        .read(move |conn| {
            Ok((
                contact::trashed_page(conn, before, PER_PAGE + 1)?,
                contact::trashed_count(conn)?,
            ))
        })
        .await?;
    let retention = ctx.state.settings.trash_retention;
    let now = Utc::now();
    let next_url = (rows.len() as i64 > PER_PAGE)
        .then(|| rows.get(PER_PAGE as usize - 1))
        .flatten()
        .map(|last| format!("{}?before={}", routes::TRASH, cursor_of(last)));
    let rows = rows
        .into_iter()
        .take(PER_PAGE as usize)
        .map(|row| TrashRow {
            name: views::display_name(row.name.as_deref()),
            reach: [row.email.as_deref(), row.phone.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            deleted_by: row.deleted_by.clone(),
            deleted_ago: views::relative(row.deleted_at, now),
            deleted_at: views::timestamp(row.deleted_at),
            purged_on: (row.deleted_at + retention).format("%-d %b %Y").to_string(),
            restore_url: routes::contact_restore(row.id),
            purge_url: routes::contact_purge(row.id),
        })
        .collect();
    ctx.ok(&TrashPage {
        page: ctx.page(Section::Contacts),
        rows,
        total,
        retention_days: retention.num_days(),
        can_edit: ctx.can_edit(),
        list_url: routes::CONTACTS,
        next_url,
    })
}

/// `<deleted_at in microseconds>.<id>`: where the next page starts.
fn cursor_of(row: &TrashedContact) -> String {
    format!("{}.{}", row.deleted_at.timestamp_micros(), row.id)
}

fn parse_cursor(text: &str) -> Option<(DateTime<Utc>, ContactId)> {
    let (micros, id) = text.split_once('.')?;
    let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
    Some((at, id.parse().ok()?))
}

/// `POST /contacts/{id}/restore`: back to the profile, or to Trash with the reason when a
/// live contact has taken its email or fingerprint meanwhile.
pub async fn restore(ctx: Editor, path: web::Path<ContactId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = ctx.actor();
    let restored = ctx
        .db
        .write(move |conn| Ok(contact::restore(conn, id, &actor)))
        .await?;
    match restored {
        Ok(contact) => Ok(ctx.redirect_with_notice(
            FlashKind::Success,
            format!("Restored {}", views::display_name(contact.name.as_deref())),
            &routes::contact(id),
        )),
        Err(error) => match restore_refusal(&error) {
            Some(reason) => Ok(ctx.redirect_with_notice(FlashKind::Error, reason, routes::TRASH)),
            None => Err(error.into()),
        },
    }
}

/// Why a contact could not come back, when another contact holds what it needs.
fn restore_refusal(error: &WriteError) -> Option<String> {
    let (what, existing) = match error {
        WriteError::DuplicateEmail { existing } => ("email", existing),
        WriteError::DuplicateFingerprint { existing } => ("fingerprint", existing),
        _ => return None,
    };
    let holder = match existing {
        Some(id) => format!("contact {id}"),
        None => "another contact".to_string(),
    };
    Some(format!(
        "Not restored: {holder} now has this {what}. Change that contact's {what} first, then restore."
    ))
}

#[derive(Template)]
#[template(path = "contacts/purge.html")]
struct ConfirmPurgePage {
    page: PageContext,
    name: String,
    trash_url: &'static str,
    purge_url: String,
    goes: Vec<String>,
    stays: Vec<String>,
}

/// `GET /contacts/{id}/purge`: what deleting for good removes and what stays.
pub async fn confirm_purge(
    ctx: Editor,
    path: web::Path<ContactId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (contact, impact) = ctx
        .db
        .read(move |conn| {
            Ok((
                contact::find_trashed(conn, id)?,
                contact::deletion_impact(conn, id)?,
            ))
        })
        .await?;
    let (goes, stays) = goes_and_stays(&contact, &impact);
    ctx.ok(&ConfirmPurgePage {
        page: ctx.page(Section::Contacts),
        name: views::display_name(contact.name.as_deref()),
        trash_url: routes::TRASH,
        purge_url: routes::contact_purge(id),
        goes,
        stays,
    })
}

/// `POST /contacts/{id}/purge`.
pub async fn purge(ctx: Editor, path: web::Path<ContactId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = ctx.actor();
    let purged = ctx
        .db
        .write(move |conn| Ok(contact::purge(conn, id, &actor)?))
        .await?;
    Ok(ctx.redirect_with_notice(
        FlashKind::Success,
        format!(
            "Deleted {} for good",
            views::display_name(purged.name.as_deref())
        ),
        routes::TRASH,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_nonsense_is_no_cursor() {
        let at = DateTime::from_timestamp_micros(1_764_806_400_123_456).unwrap();
        let row = TrashedContact {
            id: ContactId(42),
            name: None,
            email: None,
            phone: None,
            deleted_at: at,
            deleted_by: "Ada".into(),
        };
        assert_eq!(parse_cursor(&cursor_of(&row)), Some((at, ContactId(42))));
        for bad in [
            "",
            "x",
            "1.x",
            "x.1",
            "1.0",
            "1.-4",
            "99999999999999999999.1",
        ] {
            assert_eq!(parse_cursor(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_refused_restore_names_the_holder() {
        assert_eq!(
            restore_refusal(&WriteError::DuplicateEmail {
                existing: Some(ContactId(7))
            })
            .as_deref(),
            Some(
                "Not restored: contact 7 now has this email. Change that contact's email first, then restore."
            )
        );
        assert!(
            restore_refusal(&WriteError::DuplicateFingerprint { existing: None })
                .is_some_and(|text| text.contains("another contact now has this fingerprint"))
        );
        assert_eq!(
            restore_refusal(&WriteError::Database(diesel::result::Error::NotFound)),
            None
        );
    }
}
