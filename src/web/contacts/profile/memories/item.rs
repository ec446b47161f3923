//! Click-to-edit for one memory, like the Overview's fields, and Confirm for one from an
//! unverified conversation.
//!
//! `GET …/memories/{memory}` shows it, `GET …/edit` opens the editor, `POST …` saves. htmx
//! swaps just the memory; without JavaScript the editor opens on its own in the tab and a
//! save goes back to the list. The editor carries the version it was opened at: if someone
//! else saved meanwhile, the save answers 409 with their text and keeps the input.

use super::super::tab::TABS_TARGET;
use super::view::ListState;
use super::{Extras, Focus, ListQuery, MemoryFragment};
use crate::domain::{ContactId, MemoryId, memory_text};
use crate::error::AppError;
use crate::models::memory;
use crate::models::versioned::Versioned;
use crate::web::context::{Dashboard, Editor};
use crate::web::forms::HtmlForm;
use crate::web::session::FlashKind;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

/// `GET /contacts/{id}/memories/{memory}`: the memory as shown (the editor's Cancel).
pub async fn show(
    ctx: Dashboard,
    path: web::Path<(ContactId, MemoryId)>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, memory_id) = path.into_inner();
    let list = query.state();
    if !ctx.htmx.is_htmx {
        return Ok(ctx.redirect(&list.list_url(id)));
    }
    let found = ctx
        .db
        .read(move |conn| Ok(memory::find(conn, id, memory_id)?))
        .await?;
    ctx.ok(&MemoryFragment {
        memory: ctx.memory_view(&found, &list),
    })
}

/// `GET /contacts/{id}/memories/{memory}/edit`: the editor.
pub async fn edit(
    ctx: Editor,
    path: web::Path<(ContactId, MemoryId)>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, memory_id) = path.into_inner();
    let list = query.state();
    let found = ctx
        .db
        .read(move |conn| Ok(memory::find(conn, id, memory_id)?))
        .await?;
    if ctx.htmx.is_htmx && !ctx.targets(TABS_TARGET) {
        let view = ctx.memory_view(&found, &list);
        let input = view.text.clone();
        return ctx.ok(&MemoryFragment {
            memory: view.editor(input, String::new()),
        });
    }
    let extras = Extras {
        add: None,
        focus: Some((
            memory_id,
            Focus::Edit {
                input: found.text,
                error: String::new(),
                conflict: None,
                version: Some(found.version),
            },
        )),
    };
    ctx.memories_tab(id, list, extras, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    text: String,
    version: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    before: String,
}

/// `POST /contacts/{id}/memories/{memory}`: save.
pub async fn save(
    ctx: Editor,
    path: web::Path<(ContactId, MemoryId)>,
    HtmlForm(form): HtmlForm<SaveForm>,
) -> Result<HttpResponse, AppError> {
    let (id, memory_id) = path.into_inner();
    let version: i32 = form.version.parse().map_err(|_| {
        AppError::BadRequest("The form is missing its version; reload the page.".into())
    })?;
    let list = ListState::from_raw(&form.q, &form.before);

    // Reopens the editor with what was typed: in place for htmx, on its own otherwise.
    let reopen = async |error: String,
                        conflict: Option<String>,
                        version: i32,
                        status: StatusCode|
           -> Result<HttpResponse, AppError> {
        if ctx.htmx.is_htmx {
            let found = ctx
                .db
                .read(move |conn| Ok(memory::find(conn, id, memory_id)?))
                .await?;
            let mut view = ctx
                .memory_view(&found, &list)
                .editor(form.text.clone(), error);
            view.conflict = conflict;
            view.version = version;
            return ctx.render(status, &MemoryFragment { memory: view });
        }
        let extras = Extras {
            add: None,
            focus: Some((
                memory_id,
                Focus::Edit {
                    input: form.text.clone(),
                    error,
                    conflict,
                    version: Some(version),
                },
            )),
        };
        ctx.memories_tab(id, list.clone(), extras, status).await
    };

    let text = match memory_text::validate(&form.text) {
        Ok(text) => text,
        Err(error) => {
            return reopen(error, None, version, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let actor = ctx.actor();
    let outcome = ctx
        .db
        .write(move |conn| Ok(memory::update(conn, id, memory_id, version, &text, &actor)?))
        .await?;
    match outcome {
        Versioned::Saved(saved) | Versioned::Unchanged(saved) => {
            if !ctx.htmx.is_htmx {
                return Ok(ctx.redirect_with_notice(
                    FlashKind::Success,
                    "Memory saved",
                    &list.list_url(id),
                ));
            }
            ctx.ok(&MemoryFragment {
                memory: ctx.memory_view(&saved, &list),
            })
        }
        // Saving again now knowingly replaces their text.
        Versioned::Conflict(current) => {
            reopen(
                String::new(),
                Some(current.text),
                current.version,
                StatusCode::CONFLICT,
            )
            .await
        }
    }
}

/// `POST /contacts/{id}/memories/{memory}/confirm`: agents get the memory from now on
/// (audited). htmx swaps the memory, now without its mark; without JavaScript it is back to
/// the list at the same place. Confirming a confirmed memory changes nothing.
pub async fn confirm(
    ctx: Editor,
    path: web::Path<(ContactId, MemoryId)>,
    HtmlForm(form): HtmlForm<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, memory_id) = path.into_inner();
    let list = form.state();
    let actor = ctx.actor();
    let confirmed = ctx
        .db
        .write(move |conn| Ok(memory::confirm(conn, id, memory_id, &actor)?))
        .await?;
    if !ctx.htmx.is_htmx {
        return Ok(ctx.redirect_with_notice(
            FlashKind::Success,
            "Memory confirmed",
            &list.list_url(id),
        ));
    }
    ctx.ok(&MemoryFragment {
        memory: ctx.memory_view(&confirmed, &list),
    })
}
