//! What staff do with one conversation: delete it, detach it from the contact, move it to
//! another contact (a search picker), and add a staff message to its transcript.
//!
//! Delete and detach ask first on a page of their own, which says what goes and what stays;
//! every action is a plain form that works without JavaScript, and every write is audited.

use super::super::super::current_user::CurrentUser;
use super::super::super::forms::HtmlForm;
use super::super::super::htmx::Htmx;
use super::super::super::layout::{PageContext, Section};
use super::super::super::render;
use super::super::super::routes;
use super::super::super::session::{FlashKind, TypedSession};
use super::super::super::views;
use super::super::parse_id;
use super::conversations::{
    ComposerView, Loaded, load, parse_conversation_id, render_conversation,
};
use super::{ProfileView, tab_counts};
use crate::db;
use crate::domain::conversation::{self as rules};
use crate::domain::listing::{SearchTerm, SortOrder};
use crate::domain::{ContactId, ConversationId};
use crate::error::AppError;
use crate::models::contact_list::{self, ListQuery};
use crate::models::conversation::{self, Conversation, MoveError};
use crate::models::message::{self, Window};
use crate::models::{Contact, contact};
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// How many contacts the move picker offers.
const PICKER_SIZE: i64 = 10;

fn parse_path(path: &(String, String)) -> Result<(ContactId, ConversationId), AppError> {
    Ok((parse_id(&path.0)?, parse_conversation_id(&path.1)?))
}

/// "3 ratings", "1 rating".
fn counted(count: i64, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// The contact, its tab counts, the conversation, and how many ratings point at it.
struct Target {
    contact: Contact,
    counts: Vec<Option<i64>>,
    conversation: Conversation,
    ratings: i64,
    first_message: Option<String>,
}

async fn load_target(
    state: &AppState,
    id: ContactId,
    conversation_id: ConversationId,
) -> Result<Target, AppError> {
    db::run(&state.pool, move |conn| {
        let contact = contact::find(conn, id)?;
        let conversation = conversation::find_for_contact(conn, id, conversation_id)?;
        Ok(Target {
            counts: tab_counts(conn, id)?,
            ratings: conversation::rating_count(conn, conversation_id)?,
            first_message: message::opening(conn, conversation_id)?,
            contact,
            conversation,
        })
    })
    .await
}

impl Target {
    fn title(&self) -> String {
        rules::title(
            self.conversation.subject.as_deref(),
            self.first_message.as_deref(),
        )
    }

    fn name(&self) -> String {
        views::display_name(self.contact.name.as_deref())
    }
}

/// A question before a delete or detach.
pub struct ConfirmView {
    pub heading: String,
    pub conversation_title: String,
    pub lines: Vec<String>,
    pub post_url: String,
    pub button: &'static str,
    pub danger: bool,
    pub cancel_url: String,
    pub csrf_token: String,
}

#[derive(Template)]
#[template(path = "contacts/profile/conversation_confirm.html")]
struct ConfirmPage {
    page: PageContext,
    profile: ProfileView,
    confirm: ConfirmView,
}

#[derive(Template)]
#[template(path = "contacts/profile/conversation_confirm.html", block = "tabs")]
struct ConfirmTabs {
    profile: ProfileView,
    confirm: ConfirmView,
}

fn render_confirm(
    user: &CurrentUser,
    session: &TypedSession,
    htmx: &Htmx,
    target: &Target,
    confirm: ConfirmView,
) -> Result<HttpResponse, AppError> {
    let profile = ProfileView::new(&target.contact, "conversations", &target.counts, true);
    if htmx.targets("profile-tabs") {
        render::ok(&ConfirmTabs { profile, confirm })
    } else {
        let page = PageContext::signed_in(user, session, Section::Contacts);
        render::ok(&ConfirmPage {
            page,
            profile,
            confirm,
        })
    }
}

/// `GET /contacts/{id}/conversations/{conversation}/delete`: what goes and what stays.
pub async fn confirm_delete(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, conversation_id) = parse_path(&path)?;
    let target = load_target(&state, id, conversation_id).await?;
    let mut lines = vec![format!(
        "Its {} will be deleted with it. This cannot be undone.",
        counted(
            i64::from(target.conversation.message_count),
            "message",
            "messages"
        )
    )];
    if target.ratings > 0 {
        lines.push(format!(
            "Its {} will stay on {}'s profile, no longer linked to a conversation.",
            counted(target.ratings, "rating", "ratings"),
            target.name()
        ));
    }
    let confirm = ConfirmView {
        heading: "Delete this conversation?".into(),
        conversation_title: target.title(),
        lines,
        post_url: routes::contact_conversation_action(id, conversation_id, "delete"),
        button: "Delete conversation",
        danger: true,
        cancel_url: routes::contact_conversation(id, conversation_id),
        csrf_token: session.csrf_token(),
    };
    render_confirm(&user, &session, &htmx, &target, confirm)
}

/// `POST /contacts/{id}/conversations/{conversation}/delete`.
pub async fn delete(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, conversation_id) = parse_path(&path)?;
    let actor = user.actor();
    let deleted = db::run(&state.pool, move |conn| {
        Ok(conversation::delete(conn, id, conversation_id, &actor)?)
    })
    .await?;
    let mut notice = format!(
        "Deleted the conversation and its {}",
        counted(
            i64::from(deleted.conversation.message_count),
            "message",
            "messages"
        )
    );
    match deleted.ratings_kept {
        0 => {}
        1 => notice.push_str("; its rating stays, unlinked"),
        n => notice.push_str(&format!("; its {n} ratings stay, unlinked")),
    }
    session.set_flash(FlashKind::Success, notice);
    Ok(render::redirect(
        &htmx,
        &routes::contact_tab(id, "conversations"),
    ))
}

/// `GET /contacts/{id}/conversations/{conversation}/detach`.
pub async fn confirm_detach(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, conversation_id) = parse_path(&path)?;
    let target = load_target(&state, id, conversation_id).await?;
    let name = target.name();
    let mut lines = vec![format!(
        "The conversation and its {} stay, linked to no contact, and no longer show on {name}'s profile.",
        counted(
            i64::from(target.conversation.message_count),
            "message",
            "messages"
        )
    )];
    match target.ratings {
        0 => {}
        1 => lines.push(format!(
            "The rating given in it leaves {name}'s profile too."
        )),
        n => lines.push(format!(
            "The {n} ratings given in it leave {name}'s profile too."
        )),
    }
    let confirm = ConfirmView {
        heading: format!("Detach this conversation from {name}?"),
        conversation_title: target.title(),
        lines,
        post_url: routes::contact_conversation_action(id, conversation_id, "detach"),
        button: "Detach conversation",
        danger: false,
        cancel_url: routes::contact_conversation(id, conversation_id),
        csrf_token: session.csrf_token(),
    };
    render_confirm(&user, &session, &htmx, &target, confirm)
}

/// `POST /contacts/{id}/conversations/{conversation}/detach`.
pub async fn detach(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, conversation_id) = parse_path(&path)?;
    let actor = user.actor();
    db::run(&state.pool, move |conn| {
        Ok(conversation::detach(conn, id, conversation_id, &actor)?)
    })
    .await?;
    session.set_flash(
        FlashKind::Success,
        "Detached the conversation; it is no longer linked to this contact",
    );
    Ok(render::redirect(
        &htmx,
        &routes::contact_tab(id, "conversations"),
    ))
}

/// A contact the picker offers.
pub struct CandidateView {
    pub id: i64,
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

#[derive(Template)]
#[template(path = "contacts/profile/conversation_move.html")]
struct MovePage {
    page: PageContext,
    profile: ProfileView,
    picker: MoveView,
}

#[derive(Template)]
#[template(path = "contacts/profile/conversation_move.html", block = "tabs")]
struct MoveTabs {
    profile: ProfileView,
    picker: MoveView,
}

#[derive(Template)]
#[template(path = "contacts/profile/conversation_move.html", block = "results")]
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
    let others: Vec<&Contact> = found
        .rows
        .iter()
        .filter(|c| c.contact_id() != except)
        .collect();
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

#[expect(
    clippy::too_many_arguments,
    reason = "one render path for the picker's page, tabs and results shapes"
)]
async fn render_picker(
    user: &CurrentUser,
    session: &TypedSession,
    htmx: &Htmx,
    state: &AppState,
    id: ContactId,
    conversation_id: ConversationId,
    q: String,
    error: String,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let target = load_target(state, id, conversation_id).await?;
    let query = q.clone();
    let (candidates, more) = db::run(&state.pool, move |conn| search(conn, &query, id)).await?;
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
        csrf_token: session.csrf_token(),
    };
    if htmx.targets("move-results") {
        return render::html(status, &MoveResults { picker });
    }
    let profile = ProfileView::new(&target.contact, "conversations", &target.counts, true);
    if htmx.targets("profile-tabs") {
        render::html(status, &MoveTabs { profile, picker })
    } else {
        let page = PageContext::signed_in(user, session, Section::Contacts);
        render::html(
            status,
            &MovePage {
                page,
                profile,
                picker,
            },
        )
    }
}

/// `GET /contacts/{id}/conversations/{conversation}/move?q=…`: the picker, or (htmx,
/// `HX-Target: move-results`) only the contacts matching `q`.
pub async fn picker(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<PickerQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, conversation_id) = parse_path(&path)?;
    let q = query.into_inner().q;
    render_picker(
        &user,
        &session,
        &htmx,
        &state,
        id,
        conversation_id,
        q,
        String::new(),
        StatusCode::OK,
    )
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
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    HtmlForm(form): HtmlForm<MoveForm>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, conversation_id) = parse_path(&path)?;
    let refuse = |message: &str| {
        render_picker(
            &user,
            &session,
            &htmx,
            &state,
            id,
            conversation_id,
            form.q.clone(),
            message.to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let Some(to) = form
        .to
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|to| *to > 0)
        .map(ContactId)
    else {
        return refuse("Choose the contact to move the conversation to.").await;
    };
    let actor = user.actor();
    let outcome = db::run(&state.pool, move |conn| {
        Ok(conversation::move_to(conn, id, conversation_id, to, &actor))
    })
    .await?;
    match outcome {
        Ok(moved) => {
            let to_name = views::display_name(moved.to.as_ref().and_then(|c| c.name.as_deref()));
            session.set_flash(
                FlashKind::Success,
                format!("Moved the conversation to {to_name}"),
            );
            Ok(render::redirect(
                &htmx,
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

#[derive(Deserialize)]
pub struct StaffMessageForm {
    #[serde(default)]
    text: String,
}

/// `POST /contacts/{id}/conversations/{conversation}/messages`: appends a staff message.
pub async fn add_message(
    user: CurrentUser,
    session: TypedSession,
    htmx: Htmx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    HtmlForm(form): HtmlForm<StaffMessageForm>,
) -> Result<HttpResponse, AppError> {
    user.require_editor()?;
    let (id, conversation_id) = parse_path(&path)?;
    let text = match rules::staff_message(&form.text) {
        Ok(text) => text,
        Err(error) => {
            let loaded: Loaded = load(&state, id, conversation_id, Window::Latest).await?;
            let mut composer = ComposerView::empty(id, conversation_id, session.csrf_token());
            composer.text = form.text;
            composer.error = error;
            return render_conversation(
                &user,
                &session,
                &htmx,
                &loaded,
                Some(composer),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let actor = user.actor();
    db::run(&state.pool, move |conn| {
        let conversation = conversation::find_for_contact(conn, id, conversation_id)?;
        Ok(message::add_staff(conn, &conversation, text, &actor)?)
    })
    .await?;
    if htmx.targets("profile-tabs") {
        let loaded = load(&state, id, conversation_id, Window::Latest).await?;
        return render_conversation(&user, &session, &htmx, &loaded, None, StatusCode::OK);
    }
    session.set_flash(FlashKind::Success, "Added your message to the conversation");
    Ok(render::redirect(
        &htmx,
        &routes::contact_conversation(id, conversation_id),
    ))
}
