//! The History tab: every change to the contact, newest first.

use super::tab::{Profile, profile_tab};
use crate::domain::ids::{self, AuditEventId, ContactId};
use crate::domain::meta::display_value;
use crate::domain::phone::display_international;
use crate::error::AppError;
use crate::models::audit::{self, AuditEvent};
use crate::web::context::Dashboard;
use crate::web::views;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;

pub fn register(config: &mut web::ServiceConfig) {
    config.route("/contacts/{id}/history", web::get().to(show));
}

const PAGE_SIZE: i64 = 50;

pub struct ChangeView {
    pub field: String,
    pub before: String,
    pub after: String,
}

pub struct EventView {
    pub actor: String,
    pub action: String,
    pub when: String,
    pub when_iso: String,
    pub changes: Vec<ChangeView>,
}

impl EventView {
    fn new(event: &AuditEvent) -> Self {
        let changes = event
            .changes
            .as_object()
            .map(|fields| {
                fields
                    .iter()
                    .map(|(field, change)| ChangeView {
                        field: field.clone(),
                        before: describe(field, change.get("before")),
                        after: describe(field, change.get("after")),
                    })
                    .collect()
            })
            .unwrap_or_default();
        EventView {
            actor: event.actor_name.clone(),
            action: describe_action(&event.action, &event.entity),
            when: views::timestamp(event.created_at),
            when_iso: views::iso(event.created_at),
            changes,
        }
    }
}

/// "created the contact", "changed a memory", "revealed a secret".
fn describe_action(action: &str, entity: &str) -> String {
    match action {
        "trash" => return "moved the contact to Trash".into(),
        "restore" => return "restored the contact from Trash".into(),
        _ => {}
    }
    let verb = match action {
        "create" => "created",
        "update" => "changed",
        "delete" => "deleted",
        other => other,
    };
    let thing = match entity {
        "contact" => "the contact".to_string(),
        "space_file" => "a file".to_string(),
        other => format!("a {}", other.replace('_', " ")),
    };
    format!("{verb} {thing}")
}

/// A value as the history shows it: "—" for nothing, phones in international format, meta
/// as `key = value` pairs.
fn describe(field: &str, value: Option<&Value>) -> String {
    match value {
        Some(Value::String(phone)) if field == "phone" && !phone.is_empty() => {
            display_international(phone)
        }
        None | Some(Value::Null) => "—".into(),
        Some(Value::String(text)) if text.is_empty() => "—".into(),
        Some(Value::Object(map)) if map.is_empty() => "—".into(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| format!("{k} = {}", display_value(v)))
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => display_value(other),
    }
}

pub struct HistoryView {
    pub events: Vec<EventView>,
    pub older_url: Option<String>,
}

profile_tab!(HistoryView, history, "contacts/profile/history/index.html");

/// `?before=<event id>`; anything unreadable means "from the newest".
#[derive(Deserialize)]
pub struct HistoryQuery {
    #[serde(default, deserialize_with = "ids::lenient")]
    before: Option<AuditEventId>,
}

/// `GET /contacts/{id}/history`.
pub async fn show(
    ctx: Dashboard,
    path: web::Path<ContactId>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let before = query.before;
    let (profile, events) = ctx
        .db
        .read(move |conn| {
            let profile = Profile::load(conn, id)?;
            let events = audit::for_contact(conn, id, before, PAGE_SIZE + 1)?;
            Ok((profile, events))
        })
        .await?;
    let has_older = events.len() as i64 > PAGE_SIZE;
    let events: Vec<_> = events.into_iter().take(PAGE_SIZE as usize).collect();
    let history = HistoryView {
        older_url: events.last().filter(|_| has_older).map(|oldest| {
            format!(
                "{}?before={}",
                crate::web::routes::contact_tab(id, "history"),
                oldest.id
            )
        }),
        events: events.iter().map(EventView::new).collect(),
    };
    ctx.profile_tab(StatusCode::OK, &profile, "history", history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn actions_are_described_for_people() {
        assert_eq!(describe_action("create", "contact"), "created the contact");
        assert_eq!(describe_action("update", "memory"), "changed a memory");
        assert_eq!(describe_action("revealed", "secret"), "revealed a secret");
        assert_eq!(describe_action("delete", "space_file"), "deleted a file");
        assert_eq!(
            describe_action("trash", "contact"),
            "moved the contact to Trash"
        );
        assert_eq!(
            describe_action("restore", "contact"),
            "restored the contact from Trash"
        );
    }

    #[test]
    fn values_are_described_for_people() {
        assert_eq!(describe("name", None), "—");
        assert_eq!(describe("name", Some(&json!(""))), "—");
        assert_eq!(describe("name", Some(&json!("Ada"))), "Ada");
        assert_eq!(
            describe("phone", Some(&json!("+12125550147"))),
            "+1 212-555-0147"
        );
        assert_eq!(
            describe("meta", Some(&json!({"plan": "pro", "seats": 3}))),
            "plan = pro; seats = 3"
        );
    }
}
