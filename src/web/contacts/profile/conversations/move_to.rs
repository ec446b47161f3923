//! Moving a conversation to another contact: a search picker (results as you type, from the
//! same search as the contacts list), then the move, recorded on both contacts' History.

use super::super::tab::profile_tab;
use super::actions::load_target;
use crate::domain::listing::{SearchTerm, SortOrder};
use crate::domain::{ContactId, ConversationId};
use crate::error::AppError;
use crate::models::Contact;
use crate::models::contact_list::{self, ListQuery};
use crate::models::conversation::{self, MoveError};
use crate::web::context::{Dashboard, Editor};
use crate::web::forms::HtmlForm;
use crate::web::routes;
use crate::web::session::FlashKind;
use crate::web::views;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// How many contacts the picker offers.
const PICKER_SIZE: i64 = 10;

/// A contact the picker offers.
pub struct CandidateView {
    pub id: ContactId,
    pub name: String,
    pub initials: String,
    pub avatar_class: String,
    pub email: String,
    pub nick: String,
}

/// The move picker: a search box and the contacts it found.
pub struct MoveView {
    pub conversation_title: String,
    pub from_name: String,
    pub search_url: String,
    pub post_url: String,
    pub cancel_url: String,
    pub q: String,
    pub searched: bool,
    pub candidates: Vec<CandidateView>,
    /// More contacts match than are shown.
    pub more: bool,
    pub error: String,
    pub csrf_token: String,
}

profile_tab!(
    MoveView,
    picker,
    "contacts/profile/conversations/move_to.html"
);

#[derive(Template)]
#[template(
    path = "contacts/profile/conversations/move_to.html",
    block = "results"
)]
struct MoveResults {
    picker: MoveView,
}

#[derive(Deserialize)]
pub struct PickerQuery {
    #[serde(default)]
    q: String,
}

/// Up to [`PICKER_SIZE`] contacts matching `q` (as the contacts list searches), without
/// the one the conversation belongs to.
/// Also says whether more contacts match than are offered.
fn search(
    connection: &mut diesel::PgConnection,
    q: &str,
    except: ContactId,
) -> Result<(Vec<CandidateView>, bool), AppError> {
    let Some(term) = SearchTerm::parse(q) else {
        return Ok((Vec::new(), false));
    };
    let found = contact_list::page(
        connection,
        &ListQuery {
            search: Some(term),
            sort: SortOrder::Name,
            per_page: PICKER_SIZE + 1,
            ..Default::default()
        },
    )?;
    let others: Vec<&Contact> = found.rows.iter().filter(|c| c.id != except).collect();
    let more = others.len() > PICKER_SIZE as usize || found.next.is_some();
    let candidates = others
        .into_iter()
        .take(PICKER_SIZE as usize)
        .map(|c| {
            let identity = views::identity(c);
            CandidateView {
                id: c.id,
                name: identity.name,
                initials: identity.initials,
                avatar_class: identity.avatar_class,
                email: c.email.clone().unwrap_or_default(),
                nick: c.nick.clone().unwrap_or_default(),
            }
        })
        .collect();
    Ok((candidates, more))
}

impl Dashboard {
    /// The picker searching for `q`: whole page, tabs, or (`HX-Target: move-results`) only
    /// the contacts found.
    async fn move_picker(
        &self,
        id: ContactId,
        conversation_id: ConversationId,
        q: String,
        error: String,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        let query = q.clone();
        let (target, (candidates, more)) = self
            .db
            .read(move |conn| {
                let target = load_target(conn, id, conversation_id)?;
                Ok((target, search(conn, &query, id)?))
            })
            .await?;
        let picker = MoveView {
            conversation_title: target.title(),
            from_name: target.name(),
            search_url: routes::contact_conversation_action(id, conversation_id, "move"),
            post_url: routes::contact_conversation_action(id, conversation_id, "move"),
            cancel_url: routes::contact_conversation(id, conversation_id),
            searched: !q.trim().is_empty(),
            q,
            candidates,
            more,
            error,
            csrf_token: self.csrf_token(),
        };
        if self.targets("move-results") {
            return self.render(status, &MoveResults { picker });
        }
        self.profile_tab(status, &target.profile, "conversations", picker)
    }
}

/// `GET /contacts/{id}/conversations/{conversation}/move?q=…`: the picker, or (htmx,
/// `HX-Target: move-results`) only the contacts matching `q`.
pub async fn picker(
    ctx: Editor,
    path: web::Path<(ContactId, ConversationId)>,
    query: web::Query<PickerQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, conversation_id) = path.into_inner();
    let q = query.into_inner().q;
    ctx.move_picker(id, conversation_id, q, String::new(), StatusCode::OK)
        .await
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    q: String,
}

/// `POST /contacts/{id}/conversations/{conversation}/move` with `to=<contact id>`.
pub async fn move_to(
    ctx: Editor,
    path: web::Path<(ContactId, ConversationId)>,
    HtmlForm(form): HtmlForm<MoveForm>,
) -> Result<HttpResponse, AppError> {
    let (id, conversation_id) = path.into_inner();
    let refuse = |message: &str| {
        ctx.move_picker(
            id,
            conversation_id,
            form.q.clone(),
            message.to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let Some(to) = form.to.trim().parse::<ContactId>().ok() else {
        return refuse("Choose the contact to move the conversation to.").await;
    };
    let actor = ctx.actor();
    let outcome = ctx
        .db
        .write(move |conn| Ok(conversation::move_to(conn, id, conversation_id, to, &actor)))
        .await?;
    match outcome {
        Ok(moved) => {
            let to_name = views::display_name(moved.to.as_ref().and_then(|c| c.name.as_deref()));
            Ok(ctx.redirect_with_notice(
                FlashKind::Success,
                format!("Moved the conversation to {to_name}"),
                &routes::contact_tab(id, "conversations"),
            ))
        }
        Err(MoveError::SameContact) => {
            refuse("The conversation already belongs to this contact; choose another one.").await
        }
        Err(MoveError::NoSuchContact) => {
            refuse("That contact no longer exists; search again.").await
        }
        Err(MoveError::Database(error)) => Err(error.into()),
    }
}
