//! What staff do with one conversation: delete it, detach it from the contact, and add a
//! staff message to its transcript (moving it is [`super::move_to`]).
//!
//! Delete and detach ask first on a page of their own, which says what goes and what stays;
//! every action is a plain form that works without JavaScript, and every write is audited.

use super::super::tab::{Profile, TABS_TARGET, profile_tab};
use super::transcript::{ComposerView, load};
use crate::domain::conversation::{self as rules};
use crate::domain::{ContactId, ConversationId};
use crate::error::AppError;
use crate::models::conversation::{self, Conversation};
use crate::models::message::{self, Window};
use crate::web::context::{Dashboard, Editor};
use crate::web::forms::HtmlForm;
use crate::web::routes;
use crate::web::session::FlashKind;
use crate::web::views;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use diesel::PgConnection;
use serde::Deserialize;

/// "3 ratings", "1 rating".
fn counted(count: i64, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// The contact, its tab counts, the conversation, and how many ratings point at it.
pub struct Target {
    pub profile: Profile,
    pub conversation: Conversation,
    pub ratings: i64,
    pub first_message: Option<String>,
}

/// Loads the conversation of this contact that an action is about.
pub fn load_target(
    conn: &mut PgConnection,
    id: ContactId,
    conversation_id: ConversationId,
) -> Result<Target, AppError> {
    let profile = Profile::load(conn, id)?;
    let conversation = conversation::find_for_contact(conn, id, conversation_id)?;
    Ok(Target {
        ratings: conversation::rating_count(conn, conversation_id)?,
        first_message: message::opening(conn, conversation_id)?,
        profile,
        conversation,
    })
}

impl Target {
    pub fn title(&self) -> String {
        rules::title(
            self.conversation.subject.as_deref(),
            self.first_message.as_deref(),
        )
    }

    pub fn name(&self) -> String {
        views::display_name(self.profile.contact.name.as_deref())
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

profile_tab!(
    ConfirmView,
    confirm,
    "contacts/profile/conversations/actions.html"
);

impl Dashboard {
    /// Loads what a delete or detach is about.
    async fn conversation_target(
        &self,
        id: ContactId,
        conversation_id: ConversationId,
    ) -> Result<Target, AppError> {
        self.db
            .read(move |conn| load_target(conn, id, conversation_id))
            .await
    }
}

/// `GET /contacts/{id}/conversations/{conversation}/delete`: what goes and what stays.
pub async fn confirm_delete(
    ctx: Editor,
    path: web::Path<(ContactId, ConversationId)>,
) -> Result<HttpResponse, AppError> {
    let (id, conversation_id) = path.into_inner();
    let target = ctx.conversation_target(id, conversation_id).await?;
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
        csrf_token: ctx.csrf_token(),
    };
    ctx.profile_tab(StatusCode::OK, &target.profile, "conversations", confirm)
}

/// `POST /contacts/{id}/conversations/{conversation}/delete`.
pub async fn delete(
    ctx: Editor,
    path: web::Path<(ContactId, ConversationId)>,
) -> Result<HttpResponse, AppError> {
    let (id, conversation_id) = path.into_inner();
    let actor = ctx.actor();
    let deleted = ctx
        .db
        .write(move |conn| Ok(conversation::delete(conn, id, conversation_id, &actor)?))
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
    Ok(ctx.redirect_with_notice(
        FlashKind::Success,
        notice,
        &routes::contact_tab(id, "conversations"),
    ))
}

/// `GET /contacts/{id}/conversations/{conversation}/detach`.
pub async fn confirm_detach(
    ctx: Editor,
    path: web::Path<(ContactId, ConversationId)>,
) -> Result<HttpResponse, AppError> {
    let (id, conversation_id) = path.into_inner();
    let target = ctx.conversation_target(id, conversation_id).await?;
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
        csrf_token: ctx.csrf_token(),
    };
    ctx.profile_tab(StatusCode::OK, &target.profile, "conversations", confirm)
}

/// `POST /contacts/{id}/conversations/{conversation}/detach`.
pub async fn detach(
    ctx: Editor,
    path: web::Path<(ContactId, ConversationId)>,
) -> Result<HttpResponse, AppError> {
    let (id, conversation_id) = path.into_inner();
    let actor = ctx.actor();
    ctx.db
        .write(move |conn| Ok(conversation::detach(conn, id, conversation_id, &actor)?))
        .await?;
    Ok(ctx.redirect_with_notice(
        FlashKind::Success,
        "Detached the conversation; it is no longer linked to this contact",
        &routes::contact_tab(id, "conversations"),
    ))
}

#[derive(Deserialize)]
pub struct StaffMessageForm {
    #[serde(default)]
    text: String,
}

/// `POST /contacts/{id}/conversations/{conversation}/messages`: appends a staff message.
pub async fn add_message(
    ctx: Editor,
    path: web::Path<(ContactId, ConversationId)>,
    HtmlForm(form): HtmlForm<StaffMessageForm>,
) -> Result<HttpResponse, AppError> {
    let (id, conversation_id) = path.into_inner();
    let text = match rules::staff_message(&form.text) {
        Ok(text) => text,
        Err(error) => {
            let loaded = ctx
                .db
                .read(move |conn| load(conn, id, conversation_id, Window::Latest))
                .await?;
            let mut composer = ComposerView::empty(id, conversation_id, ctx.csrf_token());
            composer.text = form.text;
            composer.error = error;
            return ctx.conversation_page(
                &loaded,
                Some(composer),
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
    };
    let actor = ctx.actor();
    ctx.db
        .write(move |conn| {
            let conversation = conversation::find_for_contact(conn, id, conversation_id)?;
            Ok(message::add_staff(conn, &conversation, text, &actor)?)
        })
        .await?;
    if ctx.targets(TABS_TARGET) {
        let loaded = ctx
            .db
            .read(move |conn| load(conn, id, conversation_id, Window::Latest))
            .await?;
        return ctx.conversation_page(&loaded, None, StatusCode::OK);
    }
    Ok(ctx.redirect_with_notice(
        FlashKind::Success,
        "Added your message to the conversation",
        &routes::contact_conversation(id, conversation_id),
    ))
}
