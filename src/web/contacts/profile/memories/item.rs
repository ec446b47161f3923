//! Click-to-edit for one memory, like the Overview's fields.
//!
//! `GET …/memories/{memory}` shows it, `GET …/edit` opens the editor, `POST …` saves. htmx
//! swaps just the memory; without JavaScript the editor opens on its own in the tab and a
//! save goes back to the list. The editor carries the version it was opened at: if someone
//! else saved meanwhile, the save answers 409 with their text and keeps the input.

use super::super::super::super::current_user::CurrentUser;
use super::super::super::super::forms::HtmlForm;
use super::super::super::super::htmx::Htmx;
use super::super::super::super::render;
use super::super::super::super::session::{FlashKind, TypedSession};
use super::view::{ListState, MemoryView};
use super::{Extras, Focus, ListQuery, MemoryFragment, parse_memory_path, render_tab};
use crate::db;
use crate::domain::memory_text;
use crate::error::AppError;
use crate::models::memory;
use crate::models::versioned::Versioned;
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

/// `GET /contacts/{id}/memories/{memory}`: the memory as shown (the editor's Cancel).
pub async fn show(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, memory_id) = parse_memory_path(&path)?;
    let list = query.state();
    if !htmx.is_htmx {
        return Ok(render::redirect(&htmx, &list.list_url(id)));
    }
    let found = db::run(&state.pool, move |conn| {
        Ok(memory::find(conn, id, memory_id)?)
    })
    .await?;
    render::ok(&MemoryFragment {
        memory: MemoryView::new(
            &found,
            &list,
            user.can_edit(),
            &session.csrf_token(),
            Utc::now(),
        ),
    })
}

/// `GET /contacts/{id}/memories/{memory}/edit`: the editor.
pub async fn edit(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, memory_id) = parse_memory_path(&path)?;
    let list = query.state();
    let found = db::run(&state.pool, move |conn| {
        Ok(memory::find(conn, id, memory_id)?)
    })
    .await?;
    if htmx.is_htmx && !htmx.targets("profile-tabs") {
        let view = MemoryView::new(&found, &list, true, &session.csrf_token(), Utc::now());
        let input = view.text.clone();
        return render::ok(&MemoryFragment {
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
    render_tab(
        &user,
        &session,
        &htmx,
        &state,
        id,
        list,
        extras,
        StatusCode::OK,
    )
    .await
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
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    HtmlForm(form): HtmlForm<SaveForm>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, memory_id) = parse_memory_path(&path)?;
    let version: i32 = form.version.parse().map_err(|_| {
        AppError::BadRequest("The form is missing its version; reload the page.".into())
    })?;
    let list = ListState::from_raw(&form.q, &form.before);
    let csrf = session.csrf_token();

    // Reopens the editor with what was typed: in place for htmx, on its own otherwise.
    let reopen = async |error: String,
                        conflict: Option<String>,
                        version: i32,
                        status: StatusCode|
           -> Result<HttpResponse, AppError> {
        if htmx.is_htmx {
            let found = db::run(&state.pool, move |conn| {
                Ok(memory::find(conn, id, memory_id)?)
            })
            .await?;
            let mut view = MemoryView::new(&found, &list, true, &csrf, Utc::now())
                .editor(form.text.clone(), error);
            view.conflict = conflict;
            view.version = version;
            return render::html(status, &MemoryFragment { memory: view });
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
        render_tab(
            &user,
            &session,
            &htmx,
            &state,
            id,
            list.clone(),
            extras,
            status,
        )
        .await
    };

    let text = match memory_text::validate(&form.text) {
        Ok(text) => text,
        Err(error) => {
            return reopen(error, None, version, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let actor = user.actor();
    let outcome = db::run(&state.pool, move |conn| {
        Ok(memory::update(conn, id, memory_id, version, &text, &actor)?)
    })
    .await?;
    match outcome {
        Versioned::Saved(saved) | Versioned::Unchanged(saved) => {
            if !htmx.is_htmx {
                session.set_flash(FlashKind::Success, "Memory saved");
                return Ok(render::redirect(&htmx, &list.list_url(id)));
            }
            render::ok(&MemoryFragment {
                memory: MemoryView::new(&saved, &list, true, &csrf, Utc::now()),
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
