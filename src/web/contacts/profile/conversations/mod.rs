//! The Conversations tab: the contact's conversations, newest activity first, keyset-paged.
//! One conversation's transcript is [`transcript`]; what staff do with it is
//! [`actions`] and [`move_to`].

pub mod actions;
pub mod agent_notice;
pub mod move_to;
pub mod transcript;

use super::tab::{Profile, profile_tab};
use crate::domain::ContactId;
use crate::domain::conversation::{self as rules, Channel};
use crate::domain::keyset::TimeCursor;
use crate::error::AppError;
use crate::models::conversation::{self, ListItem};
use crate::web::context::Dashboard;
use crate::web::routes;
use crate::web::views;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

pub fn register(config: &mut web::ServiceConfig) {
    const ONE: &str = "/contacts/{id}/conversations/{conversation}";
    config
        .route("/contacts/{id}/conversations", web::get().to(list))
        .route(ONE, web::get().to(transcript::show))
        .route(
            &format!("{ONE}/delete"),
            web::get().to(actions::confirm_delete),
        )
        .route(&format!("{ONE}/delete"), web::post().to(actions::delete))
        .route(
            &format!("{ONE}/detach"),
            web::get().to(actions::confirm_detach),
        )
        .route(&format!("{ONE}/detach"), web::post().to(actions::detach))
        .route(&format!("{ONE}/move"), web::get().to(move_to::picker))
        .route(&format!("{ONE}/move"), web::post().to(move_to::move_to))
        .route(
            &format!("{ONE}/messages"),
            web::post().to(actions::add_message),
        );
}

/// Conversations per page of the list.
const PAGE_SIZE: i64 = 25;

/// "3 messages", "1 message".
pub fn messages_text(count: i32) -> String {
    match count {
        1 => "1 message".into(),
        n => format!("{n} messages"),
    }
}

pub fn channel_label(channel: &str) -> &'static str {
    channel.parse::<Channel>().map_or("Other", Channel::label)
}

/// One row of the list.
pub struct ConversationRow {
    pub url: String,
    pub channel: &'static str,
    pub channel_class: String,
    pub title: String,
    pub messages: String,
    pub activity: String,
    pub activity_full: String,
    pub activity_iso: String,
}

impl ConversationRow {
    fn new(contact_id: ContactId, item: &ListItem, now: chrono::DateTime<Utc>) -> Self {
        ConversationRow {
            url: routes::contact_conversation(contact_id, item.id),
            channel: channel_label(&item.channel),
            channel_class: format!("channel channel-{}", item.channel),
            title: rules::title(item.subject.as_deref(), item.first_message.as_deref()),
            messages: messages_text(item.message_count),
            activity: views::relative(item.activity_at, now),
            activity_full: views::timestamp(item.activity_at),
            activity_iso: views::iso(item.activity_at),
        }
    }
}

pub struct ConversationListView {
    pub rows: Vec<ConversationRow>,
    pub older_url: Option<String>,
    /// Back to the first page, when this is a later one.
    pub newest_url: Option<String>,
}

profile_tab!(
    ConversationListView,
    list,
    "contacts/profile/conversations/index.html"
);

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    before: String,
}

/// `GET /contacts/{id}/conversations`.
pub async fn list(
    ctx: Dashboard,
    path: web::Path<ContactId>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let before = TimeCursor::decode(&query.before);
    let (profile, mut items) = ctx
        .db
        .read(move |conn| {
            let profile = Profile::load(conn, id)?;
            let items = conversation::list_for_contact(conn, id, before, PAGE_SIZE + 1)?;
            Ok((profile, items))
        })
        .await?;
    let has_older = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    let base = routes::contact_tab(id, "conversations");
    let now = Utc::now();
    let list = ConversationListView {
        older_url: items
            .last()
            .filter(|_| has_older)
            .map(|last| routes::with_query(&base, &[("before", &last.cursor().encode())])),
        newest_url: before.map(|_| base.clone()),
        rows: items
            .iter()
            .map(|item| ConversationRow::new(id, item, now))
            .collect(),
    };
    ctx.profile_tab(StatusCode::OK, &profile, "conversations", list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_counts_are_worded() {
        assert_eq!(messages_text(1), "1 message");
        assert_eq!(messages_text(0), "0 messages");
        assert_eq!(messages_text(12), "12 messages");
    }
}
