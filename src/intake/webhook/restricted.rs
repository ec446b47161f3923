//! What the agent is told about a contact that the person writing only *claimed* (typed its
//! email address or phone number, or sent mail with its From address; see
//! [`crate::domain::contact_match`]): the contact as they described it themselves — the name,
//! email and phone they gave — with no description, nick, preferences, meta, memories or
//! tasks, and a warning in the prompt text. The payload flags it (`contact.verified: false`,
//! `context.restricted: true`, `context.restrictedReason`).

use crate::agent::context::{Sources, assemble};
use crate::agent::{AgentContext, Budget};
use crate::domain::contact_match::Restriction;
use crate::domain::conversation::Channel;
use crate::models::Contact;
use crate::models::conversation::Conversation;
use crate::models::message::Message;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// The heading of the warning in the context's text.
pub const HEADING: &str = "## Identity not verified";

/// The contact as the person writing described it: their own name, email and phone over the
/// stored row's id and times, everything else left out.
pub fn redact(contact: &Contact, conversation: &Conversation, message: &Message) -> Contact {
    let typed = typed(conversation, message);
    Contact {
        name: typed.name,
        nick: None,
        description: None,
        email: typed.email,
        phone: typed.phone,
        preferences: None,
        meta: json!({}),
        // The site's user id or a uuid: not something the person typed.
        fingerprint: String::new(),
        verified_at: None,
        ..contact.clone()
    }
}

/// The context of a redacted contact: its name only, then the restriction's reason, so an
/// agent that drops `text` into its prompt reads the warning too.
pub fn context(redacted: &Contact, restriction: &Restriction, now: DateTime<Utc>) -> AgentContext {
    let mut context = assemble(
        &Sources {
            contact: redacted,
            memories: &[],
            memory_total: 0,
            tasks: &[],
            task_total: 0,
            now,
        },
        Budget::default(),
    );
    if !context.text.is_empty() {
        context.text.push('\n');
    }
    context.text.push_str(HEADING);
    context.text.push('\n');
    context.text.push_str(&restriction.reason());
    context.text.push('\n');
    context.size = context.text.chars().count();
    context
}

/// Name, email and phone as the person gave them.
#[derive(Debug, Default, PartialEq, Eq)]
struct Typed {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

/// Widget: the visitor's details kept on the conversation (`meta.visitor`). Email: the From
/// of the message answered, with its display name (`meta.email`).
fn typed(conversation: &Conversation, message: &Message) -> Typed {
    let text = |value: Option<&Value>| {
        value
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if conversation.channel() == Some(Channel::Email) {
        let email = message.meta.get("email");
        let field = |name: &str| text(email.and_then(|e| e.get(name)));
        let from = field("from");
        return Typed {
            name: field("fromName"),
            email: from,
            phone: None,
        };
    }
    let visitor = conversation.meta.get("visitor");
    let field = |name: &str| text(visitor.and_then(|v| v.get(name)));
    Typed {
        name: field("name"),
        email: field("email"),
        phone: field("phone"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contact_match::ClaimedBy;
    use crate::domain::integration::IntegrationKind;
    use crate::domain::{ContactId, ConversationId, MessageId};
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.timestamp_opt(1_764_072_000, 0).unwrap()
    }

    fn contact() -> Contact {
        Contact {
            id: ContactId(7),
            name: Some("Ada Lovelace".into()),
            nick: Some("Ada".into()),
            description: Some("Owes us a lot".into()),
            email: Some("ada@example.com".into()),
            phone: Some("+442079460000".into()),
            preferences: Some("Call after 6".into()),
            meta: json!({"plan": "gold"}),
            fingerprint: "site-user-1".into(),
            verified_at: Some(at()),
            source: "dashboard".into(),
            version: 3,
            created_at: at(),
            updated_at: at(),
        }
    }

    fn conversation(channel: &str, meta: Value) -> Conversation {
        Conversation {
            id: ConversationId(42),
            contact_id: Some(ContactId(7)),
            channel: channel.into(),
            subject: None,
            meta,
            message_count: 1,
            last_message_at: Some(at()),
            version: 1,
            created_at: at(),
            updated_at: at(),
        }
    }

    fn message(meta: Value) -> Message {
        Message {
            id: MessageId(1),
            conversation_id: ConversationId(42),
            role: "user".into(),
            text: "Hi".into(),
            meta,
            created_at: at(),
        }
    }

    #[test]
    fn a_widget_claim_keeps_only_what_the_visitor_typed() {
        let conversation = conversation(
            "widget",
            json!({"visitor": {"name": "Mallory", "email": "ADA@example.com"}}),
        );
        let redacted = redact(&contact(), &conversation, &message(json!({})));
        assert_eq!(redacted.id, ContactId(7));
        assert_eq!(redacted.name.as_deref(), Some("Mallory"));
        assert_eq!(redacted.email.as_deref(), Some("ADA@example.com"));
        assert_eq!(redacted.phone, None);
        assert_eq!(redacted.description, None);
        assert_eq!(redacted.preferences, None);
        assert_eq!(redacted.meta, json!({}));
        assert_eq!(redacted.fingerprint, "");
        let restriction = Restriction {
            kind: IntegrationKind::Widget,
            claimed_by: ClaimedBy::Email,
        };
        let context = context(&redacted, &restriction, at());
        assert!(context.memories.is_empty() && context.tasks.is_empty());
        assert!(
            context
                .text
                .starts_with("## About the person you are helping\nName: Mallory\n")
        );
        assert!(context.text.contains(HEADING));
        assert!(!context.text.contains("Ada Lovelace") && !context.text.contains("Call after"));
        assert_eq!(context.size, context.text.chars().count());
    }

    #[test]
    fn an_email_claim_keeps_the_sender() {
        let conversation = conversation("email", json!({}));
        let message = message(json!({"email": {"from": "ada@example.com", "fromName": "A. L."}}));
        let redacted = redact(&contact(), &conversation, &message);
        assert_eq!(redacted.name.as_deref(), Some("A. L."));
        assert_eq!(redacted.email.as_deref(), Some("ada@example.com"));
        assert_eq!(redacted.phone, None);
    }
}
