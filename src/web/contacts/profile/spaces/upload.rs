//! `POST /contacts/{id}/spaces/{space}/files`: uploading one or several files.
//!
//! The multipart body is read as a stream (`receive`): each file goes to a temporary file in
//! small chunks, its size checked against the limit and its SHA-256 computed on the way (see
//! `crate::storage`). An upload is all or nothing: only when every part arrived complete and
//! valid are the files renamed into the space and their rows written, in one transaction that
//! holds the space's row lock (`crate::storage::commit`, shared with the API). Anything
//! refused, interrupted or failed leaves no file and no row.
//!
//! A name that already exists in the space is not overwritten silently: the answer lists the
//! clashing names with a "Replace" button that posts the same form again with `replace=1`.
//! Nothing of the refused attempt is kept on the server (no half-finished state to expire or
//! to clean up, and nothing tied to one server process). With htmx only the message is
//! swapped in, so the file field keeps its selection and "Replace" simply sends the files
//! again; a plain form cannot keep a selection, so the page asks to choose the files again.

use super::receive::{ReceivedFile, receive, request_budget};
use super::space::SpaceExtras;
use super::views::{UploadFeedback, files_label};
use crate::db::RequestDb;
use crate::domain::{ContactId, SpaceId};
use crate::error::AppError;
use crate::models::Actor;
use crate::models::space::{self, Owner};
use crate::storage::{self, SpaceStore};
use crate::web::context::{Dashboard, Editor};
use crate::web::csrf;
use crate::web::routes;
use crate::web::session::FlashKind;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use std::collections::BTreeSet;

#[derive(Template)]
#[template(path = "contacts/profile/spaces/_upload_feedback.html")]
struct FeedbackFragment {
    feedback: UploadFeedback,
}

/// `POST /contacts/{id}/spaces/{space}/files`.
pub async fn upload(
    ctx: Editor,
    request: HttpRequest,
    path: web::Path<(ContactId, SpaceId)>,
    mut multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    let (id, space_id) = path.into_inner();
    // Before anything is read or written (see `web::csrf`).
    csrf::verify_multipart(&request, &mut multipart).await?;
    let limit = ctx.state.settings.upload_limit_bytes as u64;
    let budget = request_budget(limit);
    if declared_length(&request).is_some_and(|length| length > budget) {
        return Err(AppError::PayloadTooLarge);
    }
    // Not found before a byte is stored, rather than after.
    ctx.db
        .read(move |conn| Ok(space::find_for_contact(conn, id, space_id)?))
        .await?;
    // Receiving can take long and needs no connection.
    ctx.db.release();

    let store = SpaceStore::new(&ctx.state.settings.data_dir);
    let received = receive(&mut multipart, &store, limit, budget).await?;

    let mut feedback = UploadFeedback {
        problems: received.problems,
        ..UploadFeedback::default()
    };
    if received.files.is_empty() && feedback.problems.is_empty() {
        feedback
            .problems
            .push("Choose at least one file to upload.".into());
    }
    let mut seen = BTreeSet::new();
    for file in &received.files {
        if !seen.insert(file.name.as_str()) {
            feedback.problems.push(format!(
                "“{}” was chosen more than once; a space holds one file per name.",
                file.name
            ));
        }
    }
    if !feedback.problems.is_empty() {
        let status = if received.too_large {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        // The staged files are dropped (deleted) here.
        drop(received.files);
        return ctx.upload_refused(id, space_id, feedback, status).await;
    }

    let outcome = commit(
        &ctx.db,
        store,
        id,
        space_id,
        received.files,
        received.replace,
        ctx.actor(),
    )
    .await?;
    match outcome {
        Committed::Saved {
            uploaded,
            replaced,
            single,
        } => Ok(ctx.redirect_with_notice(
            FlashKind::Success,
            saved_message(uploaded, replaced, single),
            &routes::space(id, space_id),
        )),
        Committed::Conflicts(names) => {
            feedback.conflicts = names;
            ctx.upload_refused(id, space_id, feedback, StatusCode::CONFLICT)
                .await
        }
    }
}

/// "Uploaded notes.txt", "Uploaded 3 files and replaced 1".
fn saved_message(uploaded: usize, replaced: usize, single: Option<String>) -> String {
    match (uploaded, replaced, single) {
        (1, 0, Some(name)) => format!("Uploaded {name}"),
        (0, 1, Some(name)) => format!("Replaced {name}"),
        (uploaded, 0, _) => format!("Uploaded {}", files_label(uploaded as i64)),
        (0, replaced, _) => format!("Replaced {}", files_label(replaced as i64)),
        (uploaded, replaced, _) => format!(
            "Uploaded {} and replaced {replaced}",
            files_label(uploaded as i64)
        ),
    }
}

impl Dashboard {
    /// Answers a refused upload: with htmx only the messages next to the file field (the
    /// form, and its file selection, stay as they are), otherwise the whole page.
    async fn upload_refused(
        &self,
        id: ContactId,
        space_id: SpaceId,
        mut feedback: UploadFeedback,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        if self.targets("upload-feedback") {
            return self.render(status, &FeedbackFragment { feedback });
        }
        feedback.reselect = true;
        let extras = SpaceExtras {
            feedback,
            ..SpaceExtras::default()
        };
        self.space_page(id, space_id, extras, status).await
    }
}

fn declared_length(request: &HttpRequest) -> Option<u64> {
    request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// How committing ended.
enum Committed {
    Saved {
        uploaded: usize,
        replaced: usize,
        /// The name, when one file was sent.
        single: Option<String>,
    },
    /// These names exist and `replace` was not asked for; nothing was written.
    Conflicts(Vec<String>),
}

/// Records the files in the space (see [`storage::commit`]): all of them or none.
async fn commit(
    db: &RequestDb,
    store: SpaceStore,
    id: ContactId,
    space_id: SpaceId,
    files: Vec<ReceivedFile>,
    replace: bool,
    actor: Actor,
) -> Result<Committed, AppError> {
    let single = (files.len() == 1).then(|| files[0].name.to_string());
    let outcome = db
        .write(move |conn| {
            storage::commit::commit(
                conn,
                &store,
                Owner::Contact(id),
                space_id,
                files,
                replace,
                &actor,
            )
        })
        .await?;
    Ok(match outcome {
        storage::commit::Committed::Saved {
            uploaded, replaced, ..
        } => Committed::Saved {
            uploaded,
            replaced,
            single,
        },
        storage::commit::Committed::Conflicts(names) => Committed::Conflicts(names),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_messages() {
        assert_eq!(saved_message(1, 0, Some("a.txt".into())), "Uploaded a.txt");
        assert_eq!(saved_message(0, 1, Some("a.txt".into())), "Replaced a.txt");
        assert_eq!(saved_message(3, 0, None), "Uploaded 3 files");
        assert_eq!(saved_message(0, 2, None), "Replaced 2 files");
        assert_eq!(saved_message(2, 1, None), "Uploaded 2 files and replaced 1");
    }
}
