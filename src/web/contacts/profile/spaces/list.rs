//! `/contacts/{id}/spaces`: the contact's spaces, newest first, and creating one.

use super::super::super::super::current_user::CurrentUser;
use super::super::super::super::forms::HtmlForm;
use super::super::super::super::htmx::Htmx;
use super::super::super::super::render;
use super::super::super::super::routes;
use super::super::super::super::session::{FlashKind, TypedSession};
use super::super::super::parse_id;
use super::super::tab_counts;
use super::views::{ListView, Panel, SpaceForm, SpaceRow};
use super::{parse_space, respond};
use crate::db;
use crate::domain::space_draft::SpaceInput;
use crate::domain::{ContactId, FieldErrors, SpaceId};
use crate::error::AppError;
use crate::models::{contact, space};
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

const PAGE_SIZE: i64 = 25;

/// `?before=<space id>`; anything unreadable means "from the newest".
#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    before: String,
}

/// Loads the page and renders it, with the create form as given.
#[expect(
    clippy::too_many_arguments,
    reason = "the request's parts, passed through"
)]
async fn render_list(
    user: &CurrentUser,
    session: &TypedSession,
    htmx: &Htmx,
    state: &AppState,
    id: ContactId,
    before: Option<SpaceId>,
    create: Option<SpaceForm>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (found, counts, summaries) = db::run(&state.pool, move |conn| {
        let found = contact::find(conn, id)?;
        let counts = tab_counts(conn, id)?;
        let summaries = space::list_for_contact(conn, id, before, PAGE_SIZE + 1)?;
        Ok((found, counts, summaries))
    })
    .await?;
    let has_older = summaries.len() as i64 > PAGE_SIZE;
    let shown = &summaries[..summaries.len().min(PAGE_SIZE as usize)];
    let tab_url = routes::contact_spaces(id);
    let list = ListView {
        spaces: shown.iter().map(|s| SpaceRow::new(id, s)).collect(),
        older_url: shown
            .last()
            .filter(|_| has_older)
            .map(|oldest| format!("{tab_url}?before={}", oldest.space.id)),
        newest_url: before.map(|_| tab_url.clone()),
        create: create.filter(|_| user.can_edit()),
    };
    respond(
        user,
        session,
        htmx,
        &found,
        &counts,
        Panel::List(list),
        status,
    )
}

/// `GET /contacts/{id}/spaces`.
pub async fn show(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    let before = parse_space(&query.before).ok();
    let create = SpaceForm::create(id, session.csrf_token());
    render_list(
        &user,
        &session,
        &htmx,
        &state,
        id,
        before,
        Some(create),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct SpaceFormInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

impl SpaceFormInput {
    pub fn into_input(self) -> SpaceInput {
        SpaceInput {
            name: self.name,
            description: self.description,
        }
    }
}

/// `POST /contacts/{id}/spaces`: creates a space and opens it.
pub async fn create(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    HtmlForm(form): HtmlForm<SpaceFormInput>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let id = parse_id(&path)?;
    let input = form.into_input();
    let draft = match input.validate() {
        Ok(draft) => draft,
        Err(errors) => {
            return invalid(&user, &session, &htmx, &state, id, &input, &errors).await;
        }
    };
    let actor = user.actor();
    let created = db::run(&state.pool, move |conn| {
        // Not found for a contact that does not exist (or was just deleted).
        contact::find(conn, id)?;
        Ok(space::create(conn, id, &draft, &actor)?)
    })
    .await?;
    session.set_flash(
        FlashKind::Success,
        format!("Created the space {}", created.name),
    );
    Ok(render::redirect(
        &htmx,
        &routes::space(id, created.space_id()),
    ))
}

async fn invalid(
    user: &CurrentUser,
    session: &TypedSession,
    htmx: &Htmx,
    state: &AppState,
    id: ContactId,
    input: &SpaceInput,
    errors: &FieldErrors,
) -> Result<HttpResponse, AppError> {
    let form = SpaceForm::create(id, session.csrf_token()).with_input(input, errors);
    render_list(
        user,
        session,
        htmx,
        state,
        id,
        None,
        Some(form),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
