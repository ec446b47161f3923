//! The Memories tab: what agents keep about the contact, newest first. Add at the top, search
//! as you type (`?q=` pushed into the URL), edit in place ([`item`]), delete after a confirm
//! step. A memory an agent wrote in a conversation whose writer only claimed the contact is
//! marked "from an unverified conversation" (linking it) until an editor confirms it
//! ([`item::confirm`]); agents get it only then (see `models::memory`).
//!
//! Adding and deleting answer htmx with the whole tab (the count in the tab label changes);
//! searching and paging answer with the results alone. Without JavaScript every action is a
//! plain form or link, and editing or confirming shows the one memory on its own.

pub mod item;
pub mod view;

use super::tab::{Profile, TABS_TARGET, profile_tab};
use crate::domain::{ContactId, MemoryId, memory_text};
use crate::error::AppError;
use crate::models::contact;
use crate::models::memory::{self, Memory};
use crate::web::context::{Dashboard, Editor};
use crate::web::forms::HtmlForm;
use crate::web::routes;
use crate::web::session::FlashKind;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;
use view::{AddView, ListState, MemoriesView, MemoryView, ResultsView};

/// Memories per page.
const PAGE_SIZE: i64 = 25;

pub fn register(config: &mut web::ServiceConfig) {
    config
        .route("/contacts/{id}/memories", web::get().to(show))
        .route("/contacts/{id}/memories", web::post().to(add))
        .route(
            "/contacts/{id}/memories/{memory}",
            web::get().to(item::show),
        )
        .route(
            "/contacts/{id}/memories/{memory}",
            web::post().to(item::save),
        )
        .route(
            "/contacts/{id}/memories/{memory}/edit",
            web::get().to(item::edit),
        )
        .route(
            "/contacts/{id}/memories/{memory}/confirm",
            web::post().to(item::confirm),
        )
        .route(
            "/contacts/{id}/memories/{memory}/delete",
            web::get().to(confirm_delete),
        )
        .route(
            "/contacts/{id}/memories/{memory}/delete",
            web::post().to(delete),
        );
}

profile_tab!(
    MemoriesView,
    memories,
    "contacts/profile/memories/index.html"
);

#[derive(Template)]
#[template(path = "contacts/profile/memories/_results.html")]
struct MemoriesResults {
    memories: MemoriesView,
}

#[derive(Template)]
#[template(path = "contacts/profile/memories/_memory.html")]
struct MemoryFragment {
    memory: MemoryView,
}

/// `?q=…&before=…`, as links and forms carry them.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    before: String,
}

impl ListQuery {
    fn state(&self) -> ListState {
        ListState::from_raw(&self.q, &self.before)
    }
}

/// One memory shown on its own (without JavaScript): its editor or its delete confirmation.
pub enum Focus {
    Edit {
        input: String,
        error: String,
        /// Someone else's text, when they saved first.
        conflict: Option<String>,
        /// The version the editor is based on; `None` takes the stored one.
        version: Option<i32>,
    },
    Confirm,
}

/// Everything one render of the tab may need besides the list itself.
#[derive(Default)]
pub struct Extras {
    /// The add form's text and error, after a failed add.
    add: Option<(String, String)>,
    focus: Option<(MemoryId, Focus)>,
}

impl Dashboard {
    /// Renders the tab (or, for htmx, the part it targets) at `list`.
    async fn memories_tab(
        &self,
        id: ContactId,
        list: ListState,
        extras: Extras,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        let search = list.search();
        let cursor = list.cursor();
        let focus_id = extras.focus.as_ref().map(|(memory_id, _)| *memory_id);
        let (profile, rows, matching, focused) = self
            .db
            .read(move |conn| {
                let profile = Profile::load(conn, id)?;
                let rows = memory::page(conn, id, search.as_ref(), cursor, PAGE_SIZE + 1)?;
                // Without a search, every memory matches: the tab's count says how many.
                let matching = match &search {
                    None => profile.counts.memories,
                    Some(search) => memory::count(conn, id, Some(search))?,
                };
                let focused = focus_id
                    .map(|memory_id| memory::find(conn, id, memory_id))
                    .transpose()?;
                Ok((profile, rows, matching, focused))
            })
            .await?;
        let can_edit = self.can_edit();
        let csrf_token = self.csrf_token();
        let now = Utc::now();
        let has_older = rows.len() as i64 > PAGE_SIZE;
        let shown: Vec<&Memory> = rows.iter().take(PAGE_SIZE as usize).collect();
        let oldest = shown.last().map(|m| m.cursor());
        let items = shown
            .into_iter()
            .map(|m| MemoryView::new(m, &list, can_edit, &csrf_token, now))
            .collect();
        let (add_text, add_error) = extras.add.unwrap_or_default();
        let focus = match (focused, extras.focus) {
            (Some(row), Some((_, mode))) => {
                let view = MemoryView::new(&row, &list, can_edit, &csrf_token, now);
                Some(match mode {
                    Focus::Confirm => view.confirmation(),
                    Focus::Edit {
                        input,
                        error,
                        conflict,
                        version,
                    } => {
                        let mut view = view.editor(input, error);
                        view.conflict = conflict;
                        view.version = version.unwrap_or(row.version);
                        view
                    }
                })
            }
            _ => None,
        };
        let memories = MemoriesView {
            can_edit,
            list_url: routes::contact_tab(id, "memories"),
            add: AddView {
                action_url: routes::contact_tab(id, "memories"),
                text: add_text,
                error: add_error,
            },
            results: ResultsView::new(id, &list, items, has_older, oldest, matching),
            focus,
            csrf_token,
        };
        if self.targets("memory-results") {
            return self.render(status, &MemoriesResults { memories });
        }
        self.profile_tab(status, &profile, "memories", memories)
    }

    /// One memory as this user sees it at `list`.
    fn memory_view(&self, memory: &Memory, list: &ListState) -> MemoryView {
        MemoryView::new(
            memory,
            list,
            self.can_edit(),
            &self.csrf_token(),
            Utc::now(),
        )
    }
}

/// `GET /contacts/{id}/memories?q=…&before=…`.
pub async fn show(
    ctx: Dashboard,
    path: web::Path<ContactId>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    ctx.memories_tab(id, query.state(), Extras::default(), StatusCode::OK)
        .await
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    text: String,
}

/// `POST /contacts/{id}/memories`: add one; the list starts again from the newest.
pub async fn add(
    ctx: Editor,
    path: web::Path<ContactId>,
    HtmlForm(form): HtmlForm<AddForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let text = match memory_text::validate(&form.text) {
        Ok(text) => text,
        Err(error) => {
            let extras = Extras {
                add: Some((form.text, error)),
                focus: None,
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return ctx
                .memories_tab(id, ListState::default(), extras, status)
                .await;
        }
    };
    let actor = ctx.actor();
    ctx.db
        .write(move |conn| {
            contact::find(conn, id)?;
            Ok(memory::create(conn, id, &text, &actor)?)
        })
        .await?;
    let list_url = routes::contact_tab(id, "memories");
    if ctx.targets(TABS_TARGET) {
        let mut response = ctx
            .memories_tab(id, ListState::default(), Extras::default(), StatusCode::OK)
            .await?;
        // A search in the address bar no longer describes what is shown.
        if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&list_url) {
            response.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("hx-replace-url"),
                value,
            );
        }
        return Ok(response);
    }
    Ok(ctx.redirect_with_notice(FlashKind::Success, "Memory added", &list_url))
}

/// `GET /contacts/{id}/memories/{memory}/delete`: the confirm step, in place (htmx) or on
/// its own.
pub async fn confirm_delete(
    ctx: Editor,
    path: web::Path<(ContactId, MemoryId)>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, memory_id) = path.into_inner();
    let list = query.state();
    if ctx.htmx.is_htmx && !ctx.targets(TABS_TARGET) {
        let found = ctx
            .db
            .read(move |conn| Ok(memory::find(conn, id, memory_id)?))
            .await?;
        let memory = ctx.memory_view(&found, &list).confirmation();
        return ctx.ok(&MemoryFragment { memory });
    }
    let extras = Extras {
        add: None,
        focus: Some((memory_id, Focus::Confirm)),
    };
    ctx.memories_tab(id, list, extras, StatusCode::OK).await
}

/// `POST /contacts/{id}/memories/{memory}/delete`; the form carries the list's position.
pub async fn delete(
    ctx: Editor,
    path: web::Path<(ContactId, MemoryId)>,
    HtmlForm(form): HtmlForm<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, memory_id) = path.into_inner();
    let list = form.state();
    let actor = ctx.actor();
    ctx.db
        .write(move |conn| Ok(memory::delete(conn, id, memory_id, &actor)?))
        .await?;
    if ctx.targets(TABS_TARGET) {
        return ctx
            .memories_tab(id, list, Extras::default(), StatusCode::OK)
            .await;
    }
    Ok(ctx.redirect_with_notice(FlashKind::Success, "Memory deleted", &list.list_url(id)))
}
