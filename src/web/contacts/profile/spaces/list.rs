//! `/contacts/{id}/spaces`: the contact's spaces, newest first, and creating one.

use super::super::tab::Profile;
use super::SLUG;
use super::views::{ListView, Panel, SpaceForm, SpaceRow};
use crate::domain::ids::{self, ContactId, SpaceId};
use crate::domain::space_draft::SpaceInput;
use crate::error::AppError;
use crate::models::{contact, space};
use crate::web::context::{Dashboard, Editor};
use crate::web::forms::HtmlForm;
use crate::web::routes;
use crate::web::session::FlashKind;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

const PAGE_SIZE: i64 = 25;

/// `?before=<space id>`; anything unreadable means "from the newest".
#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default, deserialize_with = "ids::lenient")]
    before: Option<SpaceId>,
}

impl Dashboard {
    /// Loads the page below `before` and renders it, with the create form as given.
    async fn spaces_list(
        &self,
        id: ContactId,
        before: Option<SpaceId>,
        create: SpaceForm,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        let (profile, summaries) = self
            .db
            .read(move |conn| {
                let profile = Profile::load(conn, id)?;
                let summaries = space::list_for_contact(conn, id, before, PAGE_SIZE + 1)?;
                Ok((profile, summaries))
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
            create: Some(create).filter(|_| self.can_edit()),
        };
        self.profile_tab(status, &profile, SLUG, Panel::List(list))
    }
}

/// `GET /contacts/{id}/spaces`.
pub async fn show(
    ctx: Dashboard,
    path: web::Path<ContactId>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let before = query.before;
    let create = SpaceForm::create(id, ctx.csrf_token());
    ctx.spaces_list(id, before, create, StatusCode::OK).await
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
    ctx: Editor,
    path: web::Path<ContactId>,
    HtmlForm(form): HtmlForm<SpaceFormInput>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let input = form.into_input();
    let draft = match input.validate() {
        Ok(draft) => draft,
        Err(errors) => {
            let form = SpaceForm::create(id, ctx.csrf_token()).with_input(&input, &errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return ctx.spaces_list(id, None, form, status).await;
        }
    };
    let actor = ctx.actor();
    let created = ctx
        .db
        .write(move |conn| {
            // Not found for a contact that does not exist (or was just deleted).
            contact::find(conn, id)?;
            Ok(space::create(conn, id, &draft, &actor)?)
        })
        .await?;
    Ok(ctx.redirect_with_notice(
        FlashKind::Success,
        format!("Created the space {}", created.name),
        &routes::space(id, created.id),
    ))
}
