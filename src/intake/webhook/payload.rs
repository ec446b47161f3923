//! What Rapport POSTs to an agent webhook when a user message arrives:
//!
//! ```json
//! {
//!   "event": "message.created",
//!   "delivery": {"id": "17", "attempt": 1},
//!   "integration": {"id": "3", "kind": "widget", "name": "Shop chat"},
//!   "conversation": {"id": "42", "name": null, "contactId": "7", "channel": "widget", …},
//!   "message": {"id": "901", "conversationId": "42", "type": "user", "text": "Hi!", …},
//!   "history": [ …up to 20 earlier messages of the conversation, oldest first… ],
//!   "contact": {"id": "7", "name": "Ada Lovelace", "email": …, "verified": true} | null,
//!   "context": { …the agent context, as GET /api/v1/contact/{id}/context…,
//!                "restricted": false, "restrictedReason": null } | null
//! }
//! ```
//!
//! Conversations, messages and contacts have the JSON API's shapes (ids as strings, times in
//! epoch milliseconds); `contact` and `context` are `null` when the conversation has no
//! contact (an integration that does not collect contacts). The same delivery keeps its `id`
//! across retries, so an agent can recognise a message it already answered.
//!
//! `contact.verified` says whether the person writing is known to be that contact. When they
//! only claimed it (typed its email or phone in the widget, or sent mail with its From to an
//! integration that accepts anyone), it is `false`, the contact carries only the name, email
//! and phone they gave, and the context is [`super::restricted`]: no memories, tasks,
//! description or preferences, `restricted: true` and the reason. A full context holds only
//! confirmed memories: those an agent wrote during such a claimed conversation wait for staff
//! to confirm them (`models::memory::for_agents`).

use crate::agent::AgentContext;
use crate::api::json::ms;
use crate::api::objects;
use crate::domain::{IntegrationId, WebhookDeliveryId};
use crate::models::Contact;
use crate::models::conversation::Conversation;
use crate::models::message::Message;
use serde_json::{Value, json};

/// The `event` of a user message waiting for an answer.
pub const MESSAGE_CREATED: &str = "message.created";

/// Earlier messages sent along, newest ones kept.
pub const HISTORY_LIMIT: i64 = 20;

/// The integration the message came through, as the payload names it.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub id: IntegrationId,
    pub kind: &'a str,
    pub name: &'a str,
}

/// Everything one payload is made of.
pub struct Parts<'a> {
    pub delivery_id: WebhookDeliveryId,
    /// 1 for the first try.
    pub attempt: i32,
    pub source: Source<'a>,
    pub conversation: &'a Conversation,
    pub message: &'a Message,
    /// Earlier messages, oldest first.
    pub history: &'a [Message],
    pub contact: Option<&'a Contact>,
    pub context: Option<&'a AgentContext>,
    /// Why `contact` and `context` are restricted (already redacted), if they are.
    pub restricted: Option<&'a str>,
}

/// A message as the JSON API shows it (its role is its `type`).
pub fn message_json(message: &Message) -> Value {
    json!({
        "id": message.id.to_string(),
        "conversationId": message.conversation_id.to_string(),
        "type": message.role,
        "text": message.text,
        "meta": message.meta,
        "createdAt": ms(message.created_at),
    })
}

/// The request body.
pub fn build(parts: &Parts<'_>) -> Value {
    json!({
        "event": MESSAGE_CREATED,
        "delivery": {
            "id": parts.delivery_id.to_string(),
            "attempt": parts.attempt,
        },
        "integration": {
            "id": parts.source.id.to_string(),
            "kind": parts.source.kind,
            "name": parts.source.name,
        },
        "conversation": objects::Conversation::from(parts.conversation),
        "message": message_json(parts.message),
        "history": parts.history.iter().map(message_json).collect::<Vec<_>>(),
        "contact": parts.contact.map(|contact| {
            let mut json = json!(objects::Contact::from(contact));
            json["verified"] = json!(parts.restricted.is_none());
            json
        }),
        "context": parts.context.map(|context| {
            let mut json = json!(objects::ContactContext::from(context));
            json["restricted"] = json!(parts.restricted.is_some());
            json["restrictedReason"] = json!(parts.restricted);
            json
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::Budget;
    use crate::agent::context::{Sources, assemble};
    use crate::domain::{ContactId, ConversationId, MessageId};
    use chrono::{TimeZone, Utc};

    fn at(seconds: i64) -> chrono::DateTime<Utc> {
        Utc.timestamp_opt(1_764_072_000 + seconds, 0).unwrap()
    }

    fn conversation(contact_id: Option<ContactId>) -> Conversation {
        Conversation {
            id: ConversationId(42),
            contact_id,
            channel: "widget".into(),
            subject: None,
            meta: json!({}),
            message_count: 2,
            last_message_at: Some(at(60)),
            version: 1,
            created_at: at(0),
            updated_at: at(60),
        }
    }

    fn message(id: i64, role: &str, text: &str) -> Message {
        Message {
            id: MessageId(id),
            conversation_id: ConversationId(42),
            role: role.into(),
            text: text.into(),
            meta: json!({}),
            created_at: at(id),
        }
    }

    fn contact() -> Contact {
        Contact {
            id: ContactId(7),
            name: Some("Ada Lovelace".into()),
            nick: Some("Ada".into()),
            description: Some("Mathematician".into()),
            email: Some("ada@example.com".into()),
            phone: None,
            preferences: Some("Email, mornings".into()),
            meta: json!({}),
            fingerprint: "fp".into(),
            verified_at: None,
            source: "widget".into(),
            version: 1,
            created_at: at(0),
            updated_at: at(0),
        }
    }

    #[test]
    fn a_payload_carries_the_message_its_conversation_and_the_agent_context() {
        let contact = contact();
        let conversation = conversation(Some(ContactId(7)));
        let history = [message(1, "user", "Hello"), message(2, "bot", "Hi Ada!")];
        let current = message(3, "user", "Where is my order?");
        let context = assemble(
            &Sources {
                contact: &contact,
                memories: &[],
                memory_total: 0,
                tasks: &[],
                task_total: 0,
                now: at(100),
            },
            Budget::default(),
        );
        let body = build(&Parts {
            delivery_id: WebhookDeliveryId(17),
            attempt: 2,
            source: Source {
                id: IntegrationId(3),
                kind: "widget",
                name: "Shop chat",
            },
            conversation: &conversation,
            message: &current,
            history: &history,
            contact: Some(&contact),
            context: Some(&context),
            restricted: None,
        });
        assert_eq!(body["event"], "message.created");
        assert_eq!(body["delivery"], json!({"id": "17", "attempt": 2}));
        assert_eq!(
            body["integration"],
            json!({"id": "3", "kind": "widget", "name": "Shop chat"})
        );
        assert_eq!(body["conversation"]["id"], "42");
        assert_eq!(body["conversation"]["contactId"], "7");
        assert_eq!(body["message"]["type"], "user");
        assert_eq!(body["message"]["text"], "Where is my order?");
        assert_eq!(body["message"]["createdAt"], at(3).timestamp_millis());
        assert_eq!(body["history"][1]["text"], "Hi Ada!");
        assert_eq!(body["contact"]["name"], "Ada Lovelace");
        assert_eq!(body["contact"]["verified"], true);
        // What the API's context endpoint answers, and that nothing was held back.
        let mut expected = json!(objects::ContactContext::from(&context));
        expected["restricted"] = json!(false);
        expected["restrictedReason"] = Value::Null;
        assert_eq!(body["context"], expected);
        assert!(
            body["context"]["text"]
                .as_str()
                .unwrap()
                .contains("Ada Lovelace")
        );
    }

    #[test]
    fn without_a_contact_there_is_no_context() {
        let conversation = conversation(None);
        let current = message(3, "user", "Hi");
        let body = build(&Parts {
            delivery_id: WebhookDeliveryId(1),
            attempt: 1,
            source: Source {
                id: IntegrationId(1),
                kind: "email",
                name: "Support",
            },
            conversation: &conversation,
            message: &current,
            history: &[],
            contact: None,
            context: None,
            restricted: None,
        });
        assert_eq!(body["conversation"]["contactId"], Value::Null);
        assert_eq!(body["contact"], Value::Null);
        assert_eq!(body["context"], Value::Null);
        assert_eq!(body["history"], json!([]));
    }
}
