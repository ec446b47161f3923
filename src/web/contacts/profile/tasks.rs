//! The Tasks tab: a contact's tasks, newest first, with Run now, Cancel, Resume and Delete on
//! each row; the form to create and edit one lives in [`form`].
//!
//! Row actions answer htmx with the row alone; deleting answers with the whole tab (the
//! count in the tab label changes). Without JavaScript every action is a plain form that
//! redirects back to the page it came from.

mod form;
mod view;

use super::super::super::current_user::CurrentUser;
use super::super::super::forms::HtmlForm;
use super::super::super::htmx::Htmx;
use super::super::super::layout::{PageContext, Section};
use super::super::super::render;
use super::super::super::routes;
use super::super::super::session::{FlashKind, TypedSession};
use super::super::parse_id;
use super::{ProfileView, tab_counts};
use crate::db;
use crate::domain::ContactId;
use crate::error::AppError;
use crate::models::contact;
use crate::models::task::{self, Task};
use crate::startup::AppState;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;
use view::{TaskRowView, TasksView};

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

/// The Tasks tab's count.
pub fn count(connection: &mut diesel::PgConnection, id: ContactId) -> diesel::QueryResult<i64> {
    task::count(connection, id)
}

#[derive(Template)]
#[template(path = "contacts/profile/tasks.html")]
struct TasksPage {
    page: PageContext,
    profile: ProfileView,
    tasks: TasksView,
}

#[derive(Template)]
#[template(path = "contacts/profile/tasks.html", block = "tabs")]
struct TasksTabs {
    profile: ProfileView,
    tasks: TasksView,
}

#[derive(Template)]
#[template(path = "contacts/profile/_task_row.html")]
struct TaskRowFragment {
    row: TaskRowView,
}

/// `?before=<task id>`; anything unreadable means "from the newest".
#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    before: String,
}

fn parse_before(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0)
}

fn parse_task_path(path: &(String, String)) -> Result<(ContactId, i64), AppError> {
    let id = parse_id(&path.0)?;
    let task_id = path
        .1
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound)?;
    Ok((id, task_id))
}

/// Renders the tab at the page below `before`, whole or as the tabs fragment; `confirm`
/// shows a delete confirmation instead of the list (the no-JavaScript confirm step).
async fn render_tab(
    user: &CurrentUser,
    session: &TypedSession,
    htmx: &Htmx,
    state: &AppState,
    id: ContactId,
    before: Option<i64>,
    confirm: Option<i64>,
) -> Result<HttpResponse, AppError> {
    let (contact, counts, rows, confirming) = db::run(&state.pool, move |conn| {
        let found = contact::find(conn, id)?;
        let counts = tab_counts(conn, id)?;
        let rows = task::page(conn, id, before, PAGE_SIZE + 1)?;
        let confirming = confirm
            .map(|task_id| task::find(conn, id, task_id))
            .transpose()?;
        Ok((found, counts, rows, confirming))
    })
    .await?;
    let can_edit = user.can_edit();
    let csrf_token = session.csrf_token();
    let tasks = TasksView::new(
        id,
        &rows,
        PAGE_SIZE,
        before,
        can_edit,
        &csrf_token,
        confirming.as_ref(),
        Utc::now(),
    );
    let profile = ProfileView::new(&contact, "tasks", &counts, can_edit);
    if htmx.targets("profile-tabs") {
        render::ok(&TasksTabs { profile, tasks })
    } else {
        let page = PageContext::signed_in(user, session, Section::Contacts);
        render::ok(&TasksPage {
            page,
            profile,
            tasks,
        })
    }
}

/// `GET /contacts/{id}/tasks`.
pub async fn show(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let before = parse_before(&query.before);
    render_tab(&user, &session, &htmx, &state, id, before, None).await
}

/// `GET /contacts/{id}/tasks/{task}`: the row (the delete confirmation's Cancel).
pub async fn row(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, task_id) = parse_task_path(&path)?;
    let before = parse_before(&query.before);
    if !htmx.is_htmx {
        return Ok(render::redirect(&htmx, &routes::contact_tasks(id, before)));
    }
    let found = db::run(&state.pool, move |conn| Ok(task::find(conn, id, task_id)?)).await?;
    render::ok(&TaskRowFragment {
        row: TaskRowView::new(
            &found,
            before,
            user.can_edit(),
            &session.csrf_token(),
            Utc::now(),
        ),
    })
}

/// What every row action posts: where to come back to.
#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    before: String,
}

/// Answers a row action: the row for htmx, otherwise back to the list with a notice.
fn after_action(
    user: &CurrentUser,
    session: &TypedSession,
    htmx: &Htmx,
    task: &Task,
    before: Option<i64>,
    notice: String,
) -> Result<HttpResponse, AppError> {
    if htmx.is_htmx {
        return render::ok(&TaskRowFragment {
            row: TaskRowView::new(
                task,
                before,
                user.can_edit(),
                &session.csrf_token(),
                Utc::now(),
            ),
        });
    }
    session.set_flash(FlashKind::Success, notice);
    Ok(render::redirect(
        htmx,
        &routes::contact_tasks(ContactId(task.contact_id), before),
    ))
}

/// `POST /contacts/{id}/tasks/{task}/run`: due now.
pub async fn run_now(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    HtmlForm(form): HtmlForm<ActionForm>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, task_id) = parse_task_path(&path)?;
    let actor = user.actor();
    let saved = db::run(&state.pool, move |conn| {
        Ok(task::run_now(conn, id, task_id, Utc::now(), &actor)?)
    })
    .await?;
    let notice = format!("“{}” is due now", saved.name);
    after_action(
        &user,
        &session,
        &htmx,
        &saved,
        parse_before(&form.before),
        notice,
    )
}

/// `POST /contacts/{id}/tasks/{task}/cancel`.
pub async fn cancel(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    HtmlForm(form): HtmlForm<ActionForm>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, task_id) = parse_task_path(&path)?;
    let actor = user.actor();
    let saved = db::run(&state.pool, move |conn| {
        Ok(task::cancel(conn, id, task_id, &actor)?)
    })
    .await?;
    let notice = format!("“{}” canceled", saved.name);
    after_action(
        &user,
        &session,
        &htmx,
        &saved,
        parse_before(&form.before),
        notice,
    )
}

/// `POST /contacts/{id}/tasks/{task}/resume`: a canceled task waits for its schedule again.
pub async fn resume(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    HtmlForm(form): HtmlForm<ActionForm>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, task_id) = parse_task_path(&path)?;
    let actor = user.actor();
    let saved = db::run(&state.pool, move |conn| {
        Ok(task::resume(conn, id, task_id, Utc::now(), &actor)?)
    })
    .await?;
    let notice = format!("“{}” resumed", saved.name);
    after_action(
        &user,
        &session,
        &htmx,
        &saved,
        parse_before(&form.before),
        notice,
    )
}

/// `GET /contacts/{id}/tasks/{task}/delete`: the confirmation, in the row (htmx) or on its
/// own in the tab.
pub async fn confirm_delete(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, task_id) = parse_task_path(&path)?;
    let before = parse_before(&query.before);
    if htmx.is_htmx && !htmx.targets("profile-tabs") {
        let found = db::run(&state.pool, move |conn| Ok(task::find(conn, id, task_id)?)).await?;
        let mut row = TaskRowView::new(&found, before, true, &session.csrf_token(), Utc::now());
        row.confirming = true;
        return render::ok(&TaskRowFragment { row });
    }
    render_tab(&user, &session, &htmx, &state, id, before, Some(task_id)).await
}

/// `POST /contacts/{id}/tasks/{task}/delete`.
pub async fn delete(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    HtmlForm(form): HtmlForm<ActionForm>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, task_id) = parse_task_path(&path)?;
    let before = parse_before(&form.before);
    let actor = user.actor();
    let deleted = db::run(&state.pool, move |conn| {
        Ok(task::delete(conn, id, task_id, &actor)?)
    })
    .await?;
    if htmx.targets("profile-tabs") {
        return render_tab(&user, &session, &htmx, &state, id, before, None).await;
    }
    session.set_flash(FlashKind::Success, format!("Deleted “{}”", deleted.name));
    Ok(render::redirect(&htmx, &routes::contact_tasks(id, before)))
}
