//! The Tasks tab: a contact's tasks, newest first, with Run now, Cancel, Resume and Delete on
//! each row; the form to create and edit one lives in [`form`].
//!
//! Row actions answer htmx with the row alone; deleting answers with the whole tab (the
//! count in the tab label changes). Without JavaScript every action is a plain form that
//! redirects back to the page it came from.

pub mod form;
pub mod view;

use super::tab::{Profile, TABS_TARGET, profile_tab};
use crate::domain::ids::{self, ContactId, TaskId};
use crate::error::AppError;
use crate::models::task::{self, Task};
use crate::web::context::{Dashboard, Editor};
use crate::web::forms::HtmlForm;
use crate::web::routes;
use crate::web::session::FlashKind;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;
use view::{TaskRowView, TasksView, Viewer};

/// Tasks per page.
const PAGE_SIZE: i64 = 25;

pub fn register(config: &mut web::ServiceConfig) {
    // `new` and `preview` before `{task}`, which would otherwise take them.
    config
        .route("/contacts/{id}/tasks", web::get().to(show))
        .route("/contacts/{id}/tasks", web::post().to(form::create))
        .route("/contacts/{id}/tasks/new", web::get().to(form::new))
        .route(
            "/contacts/{id}/tasks/preview",
            web::post().to(form::preview),
        )
        .route("/contacts/{id}/tasks/{task}", web::get().to(row))
        .route("/contacts/{id}/tasks/{task}", web::post().to(form::save))
        .route(
            "/contacts/{id}/tasks/{task}/edit",
            web::get().to(form::edit),
        )
        .route("/contacts/{id}/tasks/{task}/run", web::post().to(run_now))
        .route("/contacts/{id}/tasks/{task}/cancel", web::post().to(cancel))
        .route("/contacts/{id}/tasks/{task}/resume", web::post().to(resume))
        .route(
            "/contacts/{id}/tasks/{task}/delete",
            web::get().to(confirm_delete),
        )
        .route("/contacts/{id}/tasks/{task}/delete", web::post().to(delete));
}

profile_tab!(TasksView, tasks, "contacts/profile/tasks/index.html");

#[derive(Template)]
#[template(path = "contacts/profile/tasks/_row.html")]
struct TaskRowFragment {
    row: TaskRowView,
}

/// `?before=<task id>`; anything unreadable means "from the newest".
#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default, deserialize_with = "ids::lenient")]
    before: Option<TaskId>,
}

impl Dashboard {
    /// Renders the tab at the page below `before`, whole or as the tabs fragment; `confirm`
    /// shows a delete confirmation instead of the list (the no-JavaScript confirm step).
    async fn tasks_tab(
        &self,
        id: ContactId,
        before: Option<TaskId>,
        confirm: Option<TaskId>,
    ) -> Result<HttpResponse, AppError> {
        let (profile, rows, confirming) = self
            .db
            .read(move |conn| {
                let profile = Profile::load(conn, id)?;
                let rows = task::page(conn, id, before, PAGE_SIZE + 1)?;
                let confirming = confirm
                    .map(|task_id| task::find(conn, id, task_id))
                    .transpose()?;
                Ok((profile, rows, confirming))
            })
            .await?;
        let csrf_token = self.csrf_token();
        let tasks = TasksView::new(
            id,
            &rows,
            PAGE_SIZE,
            before,
            confirming.as_ref(),
            &self.task_viewer(&csrf_token),
        );
        self.profile_tab(StatusCode::OK, &profile, "tasks", tasks)
    }

    /// Who is looking at the tasks, now.
    fn task_viewer<'a>(&self, csrf_token: &'a str) -> Viewer<'a> {
        Viewer {
            can_edit: self.can_edit(),
            csrf_token,
            now: Utc::now(),
        }
    }

    /// The row of `task` as this user sees it.
    fn task_row(&self, task: &Task, before: Option<TaskId>) -> TaskRowView {
        TaskRowView::new(task, before, &self.task_viewer(&self.csrf_token()))
    }

    /// Answers a row action: the row for htmx, otherwise back to the list with a notice.
    fn task_acted(
        &self,
        task: &Task,
        before: Option<TaskId>,
        notice: String,
    ) -> Result<HttpResponse, AppError> {
        if self.htmx.is_htmx {
            return self.ok(&TaskRowFragment {
                row: self.task_row(task, before),
            });
        }
        Ok(self.redirect_with_notice(
            FlashKind::Success,
            notice,
            &routes::contact_tasks(task.contact_id, before),
        ))
    }
}

/// `GET /contacts/{id}/tasks`.
pub async fn show(
    ctx: Dashboard,
    path: web::Path<ContactId>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    ctx.tasks_tab(id, query.before, None).await
}

/// `GET /contacts/{id}/tasks/{task}`: the row (the delete confirmation's Cancel).
pub async fn row(
    ctx: Dashboard,
    path: web::Path<(ContactId, TaskId)>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, task_id) = path.into_inner();
    let before = query.before;
    if !ctx.htmx.is_htmx {
        return Ok(ctx.redirect(&routes::contact_tasks(id, before)));
    }
    let found = ctx
        .db
        .read(move |conn| Ok(task::find(conn, id, task_id)?))
        .await?;
    ctx.ok(&TaskRowFragment {
        row: ctx.task_row(&found, before),
    })
}

/// What every row action posts: where to come back to.
#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default, deserialize_with = "ids::lenient")]
    before: Option<TaskId>,
}

/// `POST /contacts/{id}/tasks/{task}/run`: due now.
pub async fn run_now(
    ctx: Editor,
    path: web::Path<(ContactId, TaskId)>,
    HtmlForm(form): HtmlForm<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let (id, task_id) = path.into_inner();
    let actor = ctx.actor();
    let saved = ctx
        .db
        .write(move |conn| Ok(task::run_now(conn, id, task_id, Utc::now(), &actor)?))
        .await?;
    let notice = format!("“{}” is due now", saved.name);
    ctx.task_acted(&saved, form.before, notice)
}

/// `POST /contacts/{id}/tasks/{task}/cancel`.
pub async fn cancel(
    ctx: Editor,
    path: web::Path<(ContactId, TaskId)>,
    HtmlForm(form): HtmlForm<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let (id, task_id) = path.into_inner();
    let actor = ctx.actor();
    let saved = ctx
        .db
        .write(move |conn| Ok(task::cancel(conn, id, task_id, &actor)?))
        .await?;
    let notice = format!("“{}” canceled", saved.name);
    ctx.task_acted(&saved, form.before, notice)
}

/// `POST /contacts/{id}/tasks/{task}/resume`: a canceled task waits for its schedule again.
pub async fn resume(
    ctx: Editor,
    path: web::Path<(ContactId, TaskId)>,
    HtmlForm(form): HtmlForm<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let (id, task_id) = path.into_inner();
    let actor = ctx.actor();
    let saved = ctx
        .db
        .write(move |conn| Ok(task::resume(conn, id, task_id, Utc::now(), &actor)?))
        .await?;
    let notice = format!("“{}” resumed", saved.name);
    ctx.task_acted(&saved, form.before, notice)
}

/// `GET /contacts/{id}/tasks/{task}/delete`: the confirmation, in the row (htmx) or on its
/// own in the tab.
pub async fn confirm_delete(
    ctx: Editor,
    path: web::Path<(ContactId, TaskId)>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, task_id) = path.into_inner();
    let before = query.before;
    if ctx.htmx.is_htmx && !ctx.targets(TABS_TARGET) {
        let found = ctx
            .db
            .read(move |conn| Ok(task::find(conn, id, task_id)?))
            .await?;
        let mut row = ctx.task_row(&found, before);
        row.confirming = true;
        return ctx.ok(&TaskRowFragment { row });
    }
    ctx.tasks_tab(id, before, Some(task_id)).await
}

/// `POST /contacts/{id}/tasks/{task}/delete`.
pub async fn delete(
    ctx: Editor,
    path: web::Path<(ContactId, TaskId)>,
    HtmlForm(form): HtmlForm<ActionForm>,
) -> Result<HttpResponse, AppError> {
    let (id, task_id) = path.into_inner();
    let before = form.before;
    let actor = ctx.actor();
    let deleted = ctx
        .db
        .write(move |conn| Ok(task::delete(conn, id, task_id, &actor)?))
        .await?;
    if ctx.targets(TABS_TARGET) {
        return ctx.tasks_tab(id, before, None).await;
    }
    Ok(ctx.redirect_with_notice(
        FlashKind::Success,
        format!("Deleted “{}”", deleted.name),
        &routes::contact_tasks(id, before),
    ))
}
