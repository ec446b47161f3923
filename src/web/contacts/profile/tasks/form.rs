//! Creating and editing a task, with a preview of the schedule before it is saved.
//!
//! The preview (the schedule in words and its next three runs) updates as the schedule or
//! time zone is typed: htmx posts both to `…/tasks/preview` and swaps `#task-preview`.
//! Without JavaScript the form's "Preview" button posts the whole form with `op=preview`,
//! which comes back filled in and with the preview, saving nothing.

use super::super::tab::{Profile, profile_tab};
use super::view::{TimeView, until};
use crate::domain::schedule::{self, DEFAULT_TIMEZONE, Timing};
use crate::domain::task_draft::{TaskInput, check_runs_at_all};
use crate::domain::{ContactId, FieldErrors, TaskId};
use crate::error::AppError;
use crate::models::task::{self, Task};
use crate::models::versioned::Versioned;
use crate::web::context::{Dashboard, Editor};
use crate::web::forms::HtmlForm;
use crate::web::routes;
use crate::web::session::FlashKind;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// How many upcoming runs the preview lists.
const PREVIEW_RUNS: usize = 3;

/// The posted form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct TaskFormData {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    schedule: String,
    #[serde(default)]
    timezone: String,
    /// The edited row's version (edits only).
    #[serde(default)]
    version: String,
    /// `preview` when the Preview button was pressed rather than Save.
    op: Option<String>,
}

impl TaskFormData {
    fn input(&self) -> TaskInput {
        TaskInput {
            name: self.name.clone(),
            description: self.description.clone(),
            schedule: self.schedule.clone(),
            timezone: self.timezone.clone(),
        }
    }

    fn wants_preview(&self) -> bool {
        self.op.as_deref() == Some("preview")
    }
}

/// What the schedule as typed means: in words, and when it runs next.
pub struct PreviewView {
    /// Problems with the schedule or zone (only while typing; a submitted form shows them
    /// next to the fields instead).
    pub problems: Vec<String>,
    /// The form's own errors are shown; the preview just waits for them to be fixed.
    pub waiting: bool,
    pub on_demand: bool,
    pub words: String,
    /// The expression, when the words are not the expression itself.
    pub expression: String,
    pub zone: String,
    pub runs: Vec<TimeView>,
}

impl PreviewView {
    fn new(input: &TaskInput, now: DateTime<Utc>, show_problems: bool) -> Self {
        let mut view = PreviewView {
            problems: Vec::new(),
            waiting: false,
            on_demand: false,
            words: String::new(),
            expression: String::new(),
            zone: String::new(),
            runs: Vec::new(),
        };
        match input.validate_timing() {
            Err(errors) => {
                if show_problems {
                    view.problems = errors
                        .iter()
                        .map(|(field, error)| {
                            let label = if field == "timezone" {
                                "Time zone"
                            } else {
                                "Schedule"
                            };
                            format!("{label}: {}", error.message)
                        })
                        .collect();
                } else {
                    view.waiting = true;
                }
            }
            Ok(Timing { schedule: None, .. }) => view.on_demand = true,
            Ok(Timing {
                schedule: Some(schedule),
                zone,
            }) => {
                view.words = schedule.describe();
                if view.words != schedule.expression() {
                    view.expression = schedule.expression().to_string();
                }
                view.zone = zone.name().to_string();
                view.runs = schedule
                    .upcoming(zone, now, PREVIEW_RUNS)
                    .into_iter()
                    .map(|run| {
                        let run = run.with_timezone(&Utc);
                        let mut time = TimeView::new(run, zone, now);
                        time.relative = until(run, now);
                        time
                    })
                    .collect();
            }
        }
        view
    }
}

/// The values of a task someone else saved while this form was open.
pub struct TheirTaskView {
    pub name: String,
    pub description: String,
    pub schedule: String,
    pub timezone: String,
}

/// The task form, with what was typed and what is wrong with it.
pub struct TaskFormView {
    pub heading: &'static str,
    pub submit_label: &'static str,
    pub action_url: String,
    pub preview_url: String,
    pub cancel_url: String,
    pub input: TaskInput,
    pub errors: FieldErrors,
    /// The row version the edit is based on; `None` for a new task.
    pub version: Option<i32>,
    pub conflict: Option<TheirTaskView>,
    pub preview: PreviewView,
    pub timezones: Vec<&'static str>,
    pub csrf_token: String,
}

impl TaskFormView {
    fn new(
        id: ContactId,
        editing: Option<TaskId>,
        input: TaskInput,
        errors: FieldErrors,
        csrf_token: String,
    ) -> Self {
        let preview = PreviewView::new(&input, Utc::now(), errors.is_empty());
        let (heading, submit_label, action_url) = match editing {
            Some(task_id) => ("Edit task", "Save task", routes::task(id, task_id)),
            None => ("New task", "Create task", routes::create_task(id)),
        };
        TaskFormView {
            heading,
            submit_label,
            action_url,
            preview_url: routes::task_preview(id),
            cancel_url: routes::contact_tasks(id, None),
            input,
            errors,
            version: None,
            conflict: None,
            preview,
            timezones: schedule::timezone_names().collect(),
            csrf_token,
        }
    }

    /// The problem with `field`, or "".
    pub fn error(&self, field: &str) -> &str {
        self.errors.message(field)
    }

    pub fn error_count(&self) -> usize {
        self.errors.len()
    }
}

fn input_of(task: &Task) -> TaskInput {
    TaskInput {
        name: task.name.clone(),
        description: task.description.clone().unwrap_or_default(),
        schedule: task.schedule.clone().unwrap_or_default(),
        timezone: task.timezone.clone(),
    }
}

profile_tab!(TaskFormView, form, "contacts/profile/tasks/form.html");

#[derive(Template)]
#[template(path = "contacts/profile/tasks/_preview.html")]
struct PreviewFragment {
    preview: PreviewView,
}

impl Dashboard {
    /// Answers with the form in the tab, whole page or tabs fragment.
    async fn task_form(
        &self,
        id: ContactId,
        form: TaskFormView,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        let profile = self.db.read(move |conn| Profile::load(conn, id)).await?;
        self.profile_tab(status, &profile, "tasks", form)
    }
}

/// `GET /contacts/{id}/tasks/new`.
pub async fn new(ctx: Editor, path: web::Path<ContactId>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let input = TaskInput {
        timezone: DEFAULT_TIMEZONE.to_string(),
        ..TaskInput::default()
    };
    let form = TaskFormView::new(id, None, input, FieldErrors::new(), ctx.csrf_token());
    ctx.task_form(id, form, StatusCode::OK).await
}

/// `POST /contacts/{id}/tasks/preview`: the preview alone, for htmx.
pub async fn preview(
    ctx: Editor,
    // Only checked to name a contact: the preview depends on the form alone.
    _contact: web::Path<ContactId>,
    HtmlForm(data): HtmlForm<TaskFormData>,
) -> Result<HttpResponse, AppError> {
    ctx.ok(&PreviewFragment {
        preview: PreviewView::new(&data.input(), Utc::now(), true),
    })
}

/// Validates the form into a draft that can run, or the errors.
fn validate(
    input: &TaskInput,
    now: DateTime<Utc>,
) -> Result<crate::domain::task_draft::TaskDraft, FieldErrors> {
    let draft = input.validate()?;
    check_runs_at_all(&draft, now)?;
    Ok(draft)
}

/// `POST /contacts/{id}/tasks`: create (or preview).
pub async fn create(
    ctx: Editor,
    path: web::Path<ContactId>,
    HtmlForm(data): HtmlForm<TaskFormData>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let input = data.input();
    let csrf = ctx.csrf_token();
    if data.wants_preview() {
        let form = TaskFormView::new(id, None, input, FieldErrors::new(), csrf);
        return ctx.task_form(id, form, StatusCode::OK).await;
    }
    let now = Utc::now();
    let draft = match validate(&input, now) {
        Ok(draft) => draft,
        Err(errors) => {
            let form = TaskFormView::new(id, None, input, errors, csrf);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return ctx.task_form(id, form, status).await;
        }
    };
    let actor = ctx.actor();
    let created = ctx
        .db
        .write(move |conn| {
            // The contact must exist: a deleted one is a 404, not a foreign-key error.
            crate::models::contact::find(conn, id)?;
            Ok(task::create(conn, id, &draft, now, &actor)?)
        })
        .await?;
    Ok(ctx.redirect_with_notice(
        FlashKind::Success,
        format!("Task “{}” created", created.name),
        &routes::contact_tasks(id, None),
    ))
}

/// `GET /contacts/{id}/tasks/{task}/edit`.
pub async fn edit(
    ctx: Editor,
    path: web::Path<(ContactId, TaskId)>,
) -> Result<HttpResponse, AppError> {
    let (id, task_id) = path.into_inner();
    let found = ctx
        .db
        .read(move |conn| Ok(task::find(conn, id, task_id)?))
        .await?;
    let mut form = TaskFormView::new(
        id,
        Some(task_id),
        input_of(&found),
        FieldErrors::new(),
        ctx.csrf_token(),
    );
    form.version = Some(found.version);
    ctx.task_form(id, form, StatusCode::OK).await
}

/// `POST /contacts/{id}/tasks/{task}`: save an edit (or preview it).
pub async fn save(
    ctx: Editor,
    path: web::Path<(ContactId, TaskId)>,
    HtmlForm(data): HtmlForm<TaskFormData>,
) -> Result<HttpResponse, AppError> {
    let (id, task_id) = path.into_inner();
    let version: i32 = data.version.parse().map_err(|_| {
        AppError::BadRequest("The form is missing its version; reload the page.".into())
    })?;
    let input = data.input();
    let csrf = ctx.csrf_token();
    let reopen = |input: TaskInput, errors: FieldErrors, version: i32| {
        let mut form = TaskFormView::new(id, Some(task_id), input, errors, csrf.clone());
        form.version = Some(version);
        form
    };
    if data.wants_preview() {
        let form = reopen(input, FieldErrors::new(), version);
        return ctx.task_form(id, form, StatusCode::OK).await;
    }
    let now = Utc::now();
    let draft = match validate(&input, now) {
        Ok(draft) => draft,
        Err(errors) => {
            let form = reopen(input, errors, version);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return ctx.task_form(id, form, status).await;
        }
    };
    let actor = ctx.actor();
    let outcome = ctx
        .db
        .write(move |conn| {
            Ok(task::update(
                conn, id, task_id, version, &draft, now, &actor,
            )?)
        })
        .await?;
    match outcome {
        Versioned::Saved(saved) | Versioned::Unchanged(saved) => Ok(ctx.redirect_with_notice(
            FlashKind::Success,
            format!("Task “{}” saved", saved.name),
            &routes::contact_tasks(id, None),
        )),
        Versioned::Conflict(current) => {
            // Saving again now knowingly replaces their version with this one.
            let mut form = reopen(input, FieldErrors::new(), current.version);
            form.conflict = Some(TheirTaskView {
                name: current.name.clone(),
                description: current.description.clone().unwrap_or_default(),
                schedule: current.timing().describe(),
                timezone: current.timezone.clone(),
            });
            ctx.task_form(id, form, StatusCode::CONFLICT).await
        }
    }
}
