//! Personal data of a contact, for admins (live contacts from the profile, contacts in Trash
//! from the Trash page): "Export personal data" downloads the ZIP of everything Rapport
//! holds about the person (`personal_data::archive`), and "Erase personal data" removes it
//! after a typed confirmation (`models::erasure`, then the files' bytes).

use super::super::context::Admin;
use super::super::forms::HtmlForm;
use super::super::layout::{PageContext, Section};
use super::super::routes;
use super::super::session::FlashKind;
use super::super::views;
use super::delete::counted;
use crate::db::block_in_span;
use crate::domain::ContactId;
use crate::domain::byte_size;
use crate::domain::erasure::{self, CONFIRM_WORD};
use crate::error::AppError;
use crate::models::personal_data::{self, Inventory};
use crate::models::{Contact, erasure as erase_model};
use crate::personal_data::{archive, remove_files};
use crate::storage::SpaceStore;
use crate::storage::download::chunks;
use actix_web::body::SizedStream;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// `POST /contacts/{id}/personal-data/export`: the ZIP, as a download. A form post rather
/// than a link, because the export is recorded in the contact's History.
pub async fn export(ctx: Admin, path: web::Path<ContactId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let actor = ctx.actor();
    let data_dir = ctx.state.settings.data_dir.clone();
    let work_dir = archive::work_dir(&data_dir);
    let pending = ctx
        .db
        .write(move |conn| {
            let file = archive::unnamed_file(&work_dir).map_err(AppError::internal)?;
            Ok(archive::start(conn, file, id, &actor)?)
        })
        .await?;
    // The rows are read: copying the files' bytes needs no connection.
    ctx.db.release();
    let store = SpaceStore::new(&data_dir);
    let finished = block_in_span(move || pending.finish(&store)).await??;
    let length = finished.size;
    let disposition = HeaderValue::from_str(&crate::domain::file_name::content_disposition(
        &finished.file_name,
    ))
    .map_err(AppError::internal)?;
    let body = chunks(tokio::fs::File::from_std(finished.file));
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/zip"))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Sent as written: the compression middleware leaves encoded responses alone.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .body(SizedStream::new(length, body)))
}

#[derive(Template)]
#[template(path = "contacts/erase.html")]
struct ConfirmErasePage {
    page: PageContext,
    id: ContactId,
    name: String,
    in_trash: bool,
    back_url: String,
    export_url: String,
    erase_url: String,
    goes: Vec<String>,
    stays: Vec<String>,
    /// What to type: the contact's name, or "ERASE".
    phrase: String,
    /// What was typed (kept on a wrong answer).
    typed: String,
    error: String,
}

impl ConfirmErasePage {
    fn new(ctx: &Admin, contact: &Contact, in_trash: bool, inventory: &Inventory) -> Self {
        let id = contact.id;
        let (goes, stays) = goes_and_stays(inventory);
        ConfirmErasePage {
            page: ctx.page(Section::Contacts),
            id,
            name: views::display_name(contact.name.as_deref()),
            in_trash,
            back_url: if in_trash {
                routes::TRASH.to_string()
            } else {
                routes::contact(id)
            },
            export_url: routes::contact_export(id),
            erase_url: routes::contact_erase(id),
            goes,
            stays,
            phrase: erasure::confirmation_phrase(contact.name.as_deref()),
            typed: String::new(),
            error: String::new(),
        }
    }

    /// Whether the phrase is the word rather than a name (the page explains which).
    fn asks_for_word(&self) -> bool {
        self.phrase == CONFIRM_WORD
    }
}

/// What an erase removes and what it leaves, as the confirmation lists them.
fn goes_and_stays(inventory: &Inventory) -> (Vec<String>, Vec<String>) {
    let mut goes = vec![
        "Name, description, email, phone, nick, preferences, custom fields and fingerprint"
            .to_string(),
    ];
    if let Some(conversations) = counted(inventory.conversations, "conversation", "conversations") {
        let messages = counted(inventory.messages, "message", "messages")
            .map_or_else(String::new, |messages| format!(" with {messages}"));
        goes.push(format!("{conversations}{messages}"));
    }
    goes.extend(counted(inventory.tasks, "task", "tasks"));
    goes.extend(counted(inventory.memories, "memory", "memories"));
    goes.extend(counted(inventory.secrets, "secret", "secrets"));
    goes.extend(counted(inventory.ratings, "rating", "ratings"));
    if let Some(spaces) = counted(inventory.spaces, "space", "spaces") {
        let files = match inventory.files {
            0 => String::new(),
            n => format!(
                " with {} ({}), removed from disk",
                counted(n, "file", "files").unwrap_or_default(),
                byte_size::human(u64::try_from(inventory.file_bytes).unwrap_or(0))
            ),
        };
        goes.push(format!("{spaces}{files}"));
    }
    let mut stays =
        vec!["One History entry saying who erased this contact's id, and when".to_string()];
    if let Some(history) = counted(
        inventory.history,
        "earlier History entry",
        "earlier History entries",
    ) {
        stays.push(format!(
            "{history}: what was done, by whom and when, with every personal value replaced by “erased”"
        ));
    }
    (goes, stays)
}

/// `GET /contacts/{id}/personal-data/erase`: what goes, and the typed confirmation. Reaches
/// contacts in Trash too.
pub async fn confirm_erase(
    ctx: Admin,
    path: web::Path<ContactId>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (contact, standing, inventory) = ctx
        .db
        .read(move |conn| Ok(personal_data::inventory(conn, id)?))
        .await?;
    let view = ConfirmErasePage::new(&ctx, &contact, standing.deleted_at.is_some(), &inventory);
    ctx.ok(&view)
}

#[derive(Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    confirmation: String,
}

/// `POST /contacts/{id}/personal-data/erase`: with the right phrase, erases in one
/// transaction and then removes the files; otherwise the page comes back (422) with what was
/// typed and the reason, and nothing is changed.
pub async fn erase(
    ctx: Admin,
    path: web::Path<ContactId>,
    HtmlForm(form): HtmlForm<EraseForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (contact, standing, inventory) = ctx
        .db
        .read(move |conn| Ok(personal_data::inventory(conn, id)?))
        .await?;
    let phrase = erasure::confirmation_phrase(contact.name.as_deref());
    if !erasure::confirms(&phrase, &form.confirmation) {
        let mut view =
            ConfirmErasePage::new(&ctx, &contact, standing.deleted_at.is_some(), &inventory);
        view.error = if form.confirmation.trim().is_empty() {
            format!("Type {phrase} to confirm.")
        } else {
            format!(
                "That is not {phrase}: type it exactly as shown (capitals included) to confirm."
            )
        };
        view.typed = form.confirmation;
        return ctx.unprocessable(&view);
    }
    let actor = ctx.actor();
    let erased = ctx
        .db
        .write(move |conn| Ok(erase_model::erase(conn, id, &actor)?))
        .await?;
    // Committed: the bytes can go, without holding a connection. A blocking task runs to the
    // end even if the client leaves meanwhile.
    ctx.db.release();
    let store = SpaceStore::new(&ctx.state.settings.data_dir);
    let erased_id = erased.contact_id;
    web::block(move || remove_files(&store, &erased)).await?;
    Ok(ctx.redirect_with_notice(
        FlashKind::Success,
        format!("Erased the personal data of contact #{erased_id}"),
        routes::CONTACTS,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_count_what_goes_and_say_what_stays() {
        let (goes, stays) = goes_and_stays(&Inventory {
            conversations: 2,
            messages: 5,
            memories: 1,
            spaces: 1,
            files: 3,
            file_bytes: 2048,
            history: 9,
            ..Inventory::default()
        });
        assert_eq!(goes.len(), 4, "{goes:?}");
        assert_eq!(goes[1], "2 conversations with 5 messages");
        assert_eq!(goes[2], "1 memory");
        assert!(goes[3].starts_with("1 space with 3 files ("), "{}", goes[3]);
        assert!(goes[3].ends_with("), removed from disk"), "{}", goes[3]);
        assert_eq!(stays.len(), 2);
        assert!(stays[1].starts_with("9 earlier History entries: "));

        let (goes, stays) = goes_and_stays(&Inventory::default());
        assert_eq!(goes.len(), 1);
        assert_eq!(stays.len(), 1);
    }
}
