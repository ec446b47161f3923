//! One conversation's transcript, at its own URL (`/contacts/{id}/conversations/{conversation}`)
//! inside the Conversations tab: each message with its role, time and text, the contact and
//! the bot on opposite sides, and the staff message box.
//!
//! Long transcripts open at the latest messages; "Earlier messages" loads older ones in place
//! with htmx (`HX-Target: transcript-earlier`) and is a plain link without JavaScript.

use super::super::tab::{Profile, profile_tab};
use super::agent_notice::{self, AgentNoticeView};
use super::{channel_label, messages_text};
use crate::domain::contact_match::Restriction;
use crate::domain::conversation::{self as rules, MessageRole};
use crate::domain::ids::{self, ContactId, ConversationId, MessageId};
use crate::domain::rating::RatingKind;
use crate::error::AppError;
use crate::models::conversation::{self, Conversation};
use crate::models::message::{self, Message, MessageWindow, Window};
use crate::models::webhook_delivery::{self, WebhookDelivery};
use crate::models::{contact_match, rating};
use crate::web::context::Dashboard;
use crate::web::routes;
use crate::web::views;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// Messages per window of a transcript.
pub const MESSAGES_PER_WINDOW: i64 = 50;

/// A rating shown on the message it rates.
pub struct RatingMarker {
    pub class: &'static str,
    pub label: &'static str,
}

/// One message of a transcript.
pub struct MessageView {
    pub anchor: String,
    pub role: &'static str,
    pub role_class: String,
    pub author: String,
    pub text: String,
    pub when: String,
    pub when_iso: String,
    pub ratings: Vec<RatingMarker>,
    /// How a bot reply to an email conversation went out ("Email not sent: …").
    pub email_note: Option<EmailNote>,
}

/// Whether a bot reply was sent by email.
pub struct EmailNote {
    pub class: &'static str,
    pub text: String,
}

impl EmailNote {
    /// From the `email` meta the agent webhook records on bot replies.
    fn of(message: &Message) -> Option<EmailNote> {
        if message.role() != Some(MessageRole::Bot) {
            return None;
        }
        let email = message.meta.get("email")?;
        match email.get("sent").and_then(serde_json::Value::as_bool)? {
            true => Some(EmailNote {
                class: "badge",
                text: "Sent by email".into(),
            }),
            false => Some(EmailNote {
                class: "badge badge-warning",
                text: match email.get("reason").and_then(serde_json::Value::as_str) {
                    Some(reason) => format!("Email not sent: {reason}"),
                    None => "Email not sent".into(),
                },
            }),
        }
    }
}

impl MessageView {
    fn new(message: &Message, contact_name: &str, ratings: &[(MessageId, i32)]) -> Self {
        let role = message.role();
        let author = match role {
            Some(MessageRole::User) => contact_name.to_string(),
            Some(MessageRole::Staff) => match message.author() {
                Some(name) if !name.is_empty() => format!("Staff · {name}"),
                _ => "Staff".to_string(),
            },
            Some(other) => other.label().to_string(),
            None => message.role.clone(),
        };
        MessageView {
            anchor: routes::message_anchor(message.id),
            role: role.map_or("other", MessageRole::as_str),
            role_class: format!(
                "message message-{}",
                role.map_or("other", MessageRole::as_str)
            ),
            author,
            text: message.text.clone(),
            when: views::timestamp(message.created_at),
            when_iso: views::iso(message.created_at),
            ratings: ratings
                .iter()
                .filter(|(rated, _)| *rated == message.id)
                .map(|(_, value)| {
                    let kind = RatingKind::of(*value);
                    RatingMarker {
                        class: kind.css_class(),
                        label: match kind {
                            RatingKind::Up => "Rated up",
                            RatingKind::Down => "Rated down",
                            RatingKind::Neutral => "Rated",
                        },
                    }
                })
                .collect(),
            email_note: EmailNote::of(message),
        }
    }
}

/// A run of messages and the links to the ones around it.
pub struct MessageWindowView {
    pub messages: Vec<MessageView>,
    pub earlier_url: Option<String>,
    pub later_url: Option<String>,
}

impl MessageWindowView {
    pub fn new(
        contact_id: ContactId,
        conversation_id: ConversationId,
        window: &MessageWindow,
        contact_name: &str,
        ratings: &[(MessageId, i32)],
    ) -> Self {
        let base = routes::contact_conversation(contact_id, conversation_id);
        MessageWindowView {
            earlier_url: window
                .messages
                .first()
                .filter(|_| window.has_earlier)
                .map(|m| routes::with_query(&base, &[("before", &m.id.to_string())])),
            later_url: window
                .messages
                .last()
                .filter(|_| window.has_later)
                .map(|m| routes::with_query(&base, &[("after", &m.id.to_string())])),
            messages: window
                .messages
                .iter()
                .map(|m| MessageView::new(m, contact_name, ratings))
                .collect(),
        }
    }
}

/// The staff message box.
pub struct ComposerView {
    pub action_url: String,
    pub text: String,
    pub error: String,
    pub max_chars: usize,
    pub csrf_token: String,
}

/// One conversation, as its page shows it.
pub struct ConversationView {
    pub list_url: String,
    pub url: String,
    pub title: String,
    pub subject: Option<String>,
    pub channel: &'static str,
    pub channel_class: String,
    pub messages: String,
    pub started: String,
    pub started_iso: String,
    pub activity: String,
    pub activity_iso: String,
    pub window: MessageWindowView,
    pub can_edit: bool,
    pub move_url: String,
    pub detach_url: String,
    pub delete_url: String,
    pub composer: Option<ComposerView>,
    /// Whether the newest messages are shown (new staff messages appear at the end).
    pub at_latest: bool,
    /// Agent webhook deliveries that got no answer.
    pub agent_notices: Vec<AgentNoticeView>,
    /// "Visitor claimed this contact's email; not verified": the agent got a restricted
    /// context for this conversation.
    pub identity_note: Option<String>,
}

/// Everything the conversation page needs, loaded in one trip.
pub struct Loaded {
    pub profile: Profile,
    pub conversation: Conversation,
    pub window: MessageWindow,
    pub ratings: Vec<(MessageId, i32)>,
    pub first_message: Option<String>,
    pub agent_problems: Vec<WebhookDelivery>,
    pub restriction: Option<Restriction>,
}

/// Loads a conversation of this contact with one window of its transcript.
pub fn load(
    conn: &mut diesel::PgConnection,
    contact_id: ContactId,
    conversation_id: ConversationId,
    window: Window,
) -> Result<Loaded, AppError> {
    let profile = Profile::load(conn, contact_id)?;
    let conversation = conversation::find_for_contact(conn, contact_id, conversation_id)?;
    let window = message::window(conn, conversation_id, window, MESSAGES_PER_WINDOW)?;
    let ids: Vec<MessageId> = window.messages.iter().map(|m| m.id).collect();
    let ratings = rating::values_for_messages(conn, &ids)?;
    let first_message = match &conversation.subject {
        Some(subject) if !subject.trim().is_empty() => None,
        _ => message::opening(conn, conversation_id)?,
    };
    let agent_problems = webhook_delivery::problems_for_conversation(
        conn,
        conversation_id,
        agent_notice::MAX_NOTICES,
    )?;
    let restriction = contact_match::restriction(conn, conversation_id, contact_id)?;
    Ok(Loaded {
        profile,
        conversation,
        window,
        ratings,
        first_message,
        agent_problems,
        restriction,
    })
}

impl ConversationView {
    pub fn new(loaded: &Loaded, can_edit: bool, composer: Option<ComposerView>) -> Self {
        let contact = &loaded.profile.contact;
        let contact_id = contact.id;
        let conversation = &loaded.conversation;
        let id = conversation.id;
        let name = views::display_name(contact.name.as_deref());
        ConversationView {
            list_url: routes::contact_tab(contact_id, "conversations"),
            url: routes::contact_conversation(contact_id, id),
            title: rules::title(
                conversation.subject.as_deref(),
                loaded.first_message.as_deref(),
            ),
            subject: conversation
                .subject
                .clone()
                .filter(|s| !s.trim().is_empty()),
            channel: channel_label(&conversation.channel),
            channel_class: format!("channel channel-{}", conversation.channel),
            messages: messages_text(conversation.message_count),
            started: views::timestamp(conversation.created_at),
            started_iso: views::iso(conversation.created_at),
            activity: views::timestamp(conversation.activity_at()),
            activity_iso: views::iso(conversation.activity_at()),
            window: MessageWindowView::new(contact_id, id, &loaded.window, &name, &loaded.ratings),
            can_edit,
            move_url: routes::contact_conversation_action(contact_id, id, "move"),
            detach_url: routes::contact_conversation_action(contact_id, id, "detach"),
            delete_url: routes::contact_conversation_action(contact_id, id, "delete"),
            composer: composer.filter(|_| can_edit),
            at_latest: !loaded.window.has_later,
            agent_notices: AgentNoticeView::list(contact_id, &loaded.agent_problems),
            identity_note: loaded.restriction.as_ref().map(Restriction::staff_note),
        }
    }
}

impl ComposerView {
    pub fn empty(contact_id: ContactId, id: ConversationId, csrf_token: String) -> Self {
        ComposerView {
            action_url: routes::contact_conversation_action(contact_id, id, "messages"),
            text: String::new(),
            error: String::new(),
            max_chars: rules::STAFF_MESSAGE_MAX_CHARS,
            csrf_token,
        }
    }
}

profile_tab!(
    ConversationView,
    conversation,
    "contacts/profile/conversations/transcript.html"
);

/// Earlier or later messages, loaded into an open transcript.
#[derive(Template)]
#[template(path = "contacts/profile/conversations/_messages.html")]
struct MessagesFragment {
    window: MessageWindowView,
}

impl Dashboard {
    /// Renders the conversation page: whole, or the tabs fragment for htmx.
    pub fn conversation_page(
        &self,
        loaded: &Loaded,
        composer: Option<ComposerView>,
        status: StatusCode,
    ) -> Result<HttpResponse, AppError> {
        let composer = composer.unwrap_or_else(|| {
            ComposerView::empty(
                loaded.profile.contact.id,
                loaded.conversation.id,
                self.csrf_token(),
            )
        });
        let conversation = ConversationView::new(loaded, self.can_edit(), Some(composer));
        self.profile_tab(status, &loaded.profile, "conversations", conversation)
    }
}

/// `?before=<message id>`, `?after=<message id>` or `?at=<message id>`; anything unreadable
/// shows the latest messages.
#[derive(Deserialize)]
pub struct TranscriptQuery {
    #[serde(default, deserialize_with = "ids::lenient")]
    before: Option<MessageId>,
    #[serde(default, deserialize_with = "ids::lenient")]
    after: Option<MessageId>,
    #[serde(default, deserialize_with = "ids::lenient")]
    at: Option<MessageId>,
}

impl TranscriptQuery {
    fn window(&self) -> Window {
        if let Some(id) = self.at {
            Window::Around(id)
        } else if let Some(id) = self.before {
            Window::Before(id)
        } else if let Some(id) = self.after {
            Window::After(id)
        } else {
            Window::Latest
        }
    }
}

/// `GET /contacts/{id}/conversations/{conversation}`.
pub async fn show(
    ctx: Dashboard,
    path: web::Path<(ContactId, ConversationId)>,
    query: web::Query<TranscriptQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, conversation_id) = path.into_inner();
    let window = query.window();
    let loaded = ctx
        .db
        .read(move |conn| load(conn, id, conversation_id, window))
        .await?;
    if ctx.targets("transcript-earlier") || ctx.targets("transcript-later") {
        let name = views::display_name(loaded.profile.contact.name.as_deref());
        let mut fragment =
            MessageWindowView::new(id, conversation_id, &loaded.window, &name, &loaded.ratings);
        // Each button only extends its own side of what is already on the page.
        if ctx.targets("transcript-earlier") {
            fragment.later_url = None;
        } else {
            fragment.earlier_url = None;
        }
        return ctx.ok(&MessagesFragment { window: fragment });
    }
    ctx.conversation_page(&loaded, None, StatusCode::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_windows_from_the_query() {
        let q = |before: &str, after: &str, at: &str| {
            web::Query::<TranscriptQuery>::from_query(&format!(
                "before={before}&after={after}&at={at}"
            ))
            .expect("a query always reads")
            .into_inner()
        };
        assert_eq!(q("", "", "").window(), Window::Latest);
        assert_eq!(q("12", "", "").window(), Window::Before(MessageId(12)));
        assert_eq!(q("", "12", "").window(), Window::After(MessageId(12)));
        assert_eq!(q("3", "4", "5").window(), Window::Around(MessageId(5)));
        assert_eq!(q("x", "-2", "0").window(), Window::Latest);
    }
}
