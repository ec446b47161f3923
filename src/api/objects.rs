//! The API's JSON objects, as typed structs: what the handlers answer, what the agent webhook
//! sends (`intake::webhook::payload`) and what the export writes. Each object also gives its
//! OpenAPI schema ([`ApiSchema`], next to its struct), from which [`super::schemas`] builds
//! the published components; a unit test below serializes a sample of each and checks its keys
//! and value types against that schema, so the two cannot drift.
//!
//! The shapes are ChatBotKit's: every key present, unset ones `null`; ids as strings
//! ([`ApiId`]); times as epoch milliseconds ([`Millis`]); keys ChatBotKit has and Rapport does
//! not fill are always `null` ([`Null`]).
//!
//! Fields are declared in the alphabetical order of their JSON names. The API has always sent
//! keys in that order (its bodies were `serde_json::Value` maps, which sort their keys), so
//! the bytes stay the same; a test holds every object to it.

use super::schemas::{
    always_null, array, channel, id, message_type, ms, nullable_id, nullable_ms, nullable_string,
    object, rating_value, reference, secret_type,
};
use crate::agent::AgentContext;
use crate::models::Contact as ContactRow;
use crate::models::conversation::Conversation as ConversationRow;
use crate::models::memory::Memory as MemoryRow;
use crate::models::message::Message as MessageRow;
use crate::models::rating::Rating as RatingRow;
use crate::models::secret::SecretSummary;
use crate::models::space::Space as SpaceRow;
use crate::models::space_file::SpaceFile;
use crate::models::task::Task as TaskRow;
use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};
use serde_json::{Value, json};

/// The OpenAPI schema of an API object: its description and every key it serializes, each
/// with its JSON Schema, in the order the published document lists them.
pub trait ApiSchema {
    const DESCRIPTION: &'static str;

    fn properties() -> Vec<(&'static str, Value)>;

    /// The object's schema: every key required, since responses always carry all of them.
    fn schema() -> Value {
        object(Self::DESCRIPTION, &Self::properties())
    }
}

/// An id as the API writes it: a string of digits (`"42"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiId(pub i64);

/// From any table's id (or a bare number): the JSON is the same for all of them.
impl<T: Into<i64>> From<T> for ApiId {
    fn from(id: T) -> ApiId {
        ApiId(id.into())
    }
}

impl Serialize for ApiId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// A time as the API writes it: epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Millis(pub DateTime<Utc>);

impl Serialize for Millis {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.0.timestamp_millis())
    }
}

fn millis(time: Option<DateTime<Utc>>) -> Option<Millis> {
    time.map(Millis)
}

/// A key ChatBotKit's object has and Rapport never fills: always `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Null;

/// `{"id"}`: what writes answer.
#[derive(Debug, Clone, Serialize)]
pub struct Id {
    pub id: ApiId,
}

impl Id {
    pub fn new(id: impl Into<i64>) -> Id {
        Id {
            id: ApiId::from(id),
        }
    }
}

impl ApiSchema for Id {
    const DESCRIPTION: &'static str = "The id of what was created, changed or deleted.";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![("id", id())]
    }
}

/// A contact.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub created_at: Millis,
    pub description: Option<String>,
    pub email: Option<String>,
    pub fingerprint: String,
    pub id: ApiId,
    pub meta: Value,
    pub name: Option<String>,
    pub nick: Option<String>,
    pub phone: Option<String>,
    pub preferences: Option<String>,
    pub updated_at: Millis,
    pub verified_at: Option<Millis>,
}

impl From<&ContactRow> for Contact {
    fn from(contact: &ContactRow) -> Self {
        Contact {
            created_at: Millis(contact.created_at),
            description: contact.description.clone(),
            email: contact.email.clone(),
            fingerprint: contact.fingerprint.clone(),
            id: ApiId::from(contact.id),
            meta: contact.meta.clone(),
            name: contact.name.clone(),
            nick: contact.nick.clone(),
            phone: contact.phone.clone(),
            preferences: contact.preferences.clone(),
            updated_at: Millis(contact.updated_at),
            verified_at: millis(contact.verified_at),
        }
    }
}

impl ApiSchema for Contact {
    const DESCRIPTION: &'static str = "A contact. Every key is present; unset ones are `null`.";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![
            ("id", id()),
            ("name", nullable_string()),
            ("description", nullable_string()),
            (
                "fingerprint",
                json!({"type": "string", "description": "Unique per contact; set by the caller (trusted) or derived by `contact/ensure` (untrusted)."}),
            ),
            ("email", nullable_string()),
            (
                "phone",
                json!({"type": ["string", "null"], "description": "E.164, e.g. +12125550147."}),
            ),
            ("nick", nullable_string()),
            ("preferences", nullable_string()),
            ("verifiedAt", nullable_ms()),
            ("meta", reference("Meta")),
            ("createdAt", ms()),
            ("updatedAt", ms()),
        ]
    }
}

/// A conversation: its subject is its `name`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub channel: String,
    pub contact_id: Option<ApiId>,
    pub created_at: Millis,
    pub description: Null,
    pub id: ApiId,
    pub meta: Value,
    pub name: Option<String>,
    pub updated_at: Millis,
}

impl From<&ConversationRow> for Conversation {
    fn from(conversation: &ConversationRow) -> Self {
        Conversation {
            channel: conversation.channel.clone(),
            contact_id: conversation.contact_id.map(ApiId::from),
            created_at: Millis(conversation.created_at),
            description: Null,
            id: ApiId::from(conversation.id),
            meta: conversation.meta.clone(),
            name: conversation.subject.clone(),
            updated_at: Millis(conversation.updated_at),
        }
    }
}

impl ApiSchema for Conversation {
    const DESCRIPTION: &'static str =
        "A conversation, linked to a contact or to none. Its subject is its `name`.";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![
            ("id", id()),
            ("name", nullable_string()),
            (
                "description",
                always_null("Conversations have no description here."),
            ),
            ("contactId", nullable_id()),
            ("channel", channel()),
            ("meta", reference("Meta")),
            ("createdAt", ms()),
            ("updatedAt", ms()),
        ]
    }
}

/// A message of a conversation: its author (role) is its `type`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub conversation_id: ApiId,
    pub created_at: Millis,
    pub description: Null,
    pub id: ApiId,
    pub meta: Value,
    pub name: Null,
    pub text: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub updated_at: Millis,
}

impl Message {
    /// The message row, with when it was last changed (not part of the row struct).
    pub fn new(message: &MessageRow, updated_at: DateTime<Utc>) -> Message {
        Message {
            conversation_id: ApiId::from(message.conversation_id),
            created_at: Millis(message.created_at),
            description: Null,
            id: ApiId::from(message.id),
            meta: message.meta.clone(),
            name: Null,
            text: message.text.clone(),
            kind: message.role.clone(),
            updated_at: Millis(updated_at),
        }
    }
}

impl ApiSchema for Message {
    const DESCRIPTION: &'static str = "One message of a conversation; its author is its `type`.";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![
            ("id", id()),
            ("name", always_null("Messages have no name.")),
            ("description", always_null("Messages have no description.")),
            ("conversationId", id()),
            ("type", message_type()),
            ("text", json!({"type": "string"})),
            ("meta", reference("Meta")),
            ("createdAt", ms()),
            ("updatedAt", ms()),
        ]
    }
}

/// A rating of a conversation or of one of its messages.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Rating {
    pub contact_id: Option<ApiId>,
    pub conversation_id: Option<ApiId>,
    pub created_at: Millis,
    pub description: Null,
    pub id: ApiId,
    pub message_id: Option<ApiId>,
    pub meta: Null,
    pub name: Null,
    pub reason: Option<String>,
    pub updated_at: Millis,
    pub value: i32,
}

impl Rating {
    /// The rating row, with when it was last changed (not part of the row struct).
    pub fn new(rating: &RatingRow, updated_at: DateTime<Utc>) -> Rating {
        Rating {
            contact_id: rating.contact_id.map(ApiId::from),
            conversation_id: rating.conversation_id.map(ApiId::from),
            created_at: Millis(rating.created_at),
            description: Null,
            id: ApiId::from(rating.id),
            message_id: rating.message_id.map(ApiId::from),
            meta: Null,
            name: Null,
            reason: rating.reason.clone(),
            updated_at: Millis(updated_at),
            value: rating.value,
        }
    }
}

impl ApiSchema for Rating {
    const DESCRIPTION: &'static str = "A rating of a conversation or of one of its messages.";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![
            ("id", id()),
            ("name", always_null("Ratings have no name.")),
            ("description", always_null("Ratings have no description.")),
            ("contactId", nullable_id()),
            ("conversationId", nullable_id()),
            ("messageId", nullable_id()),
            ("value", rating_value()),
            ("reason", nullable_string()),
            ("meta", always_null("Ratings have no metadata.")),
            ("createdAt", ms()),
            ("updatedAt", ms()),
        ]
    }
}

/// Something worth remembering about a contact.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Memory {
    /// Not in ChatBotKit: `false` while the memory waits for staff to confirm it.
    pub confirmed: bool,
    pub contact_id: ApiId,
    pub created_at: Millis,
    pub description: Null,
    pub id: ApiId,
    pub meta: Value,
    pub name: Null,
    pub text: String,
    pub updated_at: Millis,
}

impl From<&MemoryRow> for Memory {
    fn from(memory: &MemoryRow) -> Self {
        Memory {
            confirmed: memory.confirmed,
            contact_id: ApiId::from(memory.contact_id),
            created_at: Millis(memory.created_at),
            description: Null,
            id: ApiId::from(memory.id),
            meta: memory.meta.clone(),
            name: Null,
            text: memory.text.clone(),
            updated_at: Millis(memory.updated_at),
        }
    }
}

impl ApiSchema for Memory {
    const DESCRIPTION: &'static str = "Something worth remembering about a contact.";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![
            ("id", id()),
            ("name", always_null("Memories have no name.")),
            ("description", always_null("Memories have no description.")),
            ("contactId", id()),
            ("text", json!({"type": "string"})),
            ("meta", reference("Meta")),
            ("createdAt", ms()),
            ("updatedAt", ms()),
            (
                "confirmed",
                json!({
                    "type": "boolean",
                    "description": "Not in ChatBotKit. False for a memory an agent wrote in a \
                        conversation whose writer only claimed the contact: it reaches no agent \
                        context (nor memory/search) until staff confirm it."
                }),
            ),
        ]
    }
}

/// One memory found by `memory/search`.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryMatch {
    pub id: ApiId,
    pub text: String,
}

impl ApiSchema for MemoryMatch {
    const DESCRIPTION: &'static str = "";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![("id", id()), ("text", json!({"type": "string"}))]
    }
}

/// What `memory/search` answers.
#[derive(Debug, Clone, Serialize)]
pub struct MemorySearchResult {
    pub items: Vec<MemoryMatch>,
}

impl ApiSchema for MemorySearchResult {
    const DESCRIPTION: &'static str = "Up to 10 memories, best match first.";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![("items", array(MemoryMatch::schema()))]
    }
}

/// A task to do for a contact (tasks have no meta here).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    pub contact_id: ApiId,
    pub created_at: Millis,
    pub description: Option<String>,
    pub id: ApiId,
    pub last_run_at: Option<Millis>,
    pub meta: Null,
    pub name: String,
    pub next_run_at: Option<Millis>,
    pub outcome: String,
    pub schedule: Option<String>,
    pub status: String,
    pub timezone: String,
    pub updated_at: Millis,
}

impl From<&TaskRow> for Task {
    fn from(task: &TaskRow) -> Self {
        Task {
            contact_id: ApiId::from(task.contact_id),
            created_at: Millis(task.created_at),
            description: task.description.clone(),
            id: ApiId::from(task.id),
            last_run_at: millis(task.last_run_at),
            meta: Null,
            name: task.name.clone(),
            next_run_at: millis(task.next_run_at),
            outcome: task.outcome.clone(),
            schedule: task.schedule.clone(),
            status: task.status.clone(),
            timezone: task.timezone.clone(),
            updated_at: Millis(task.updated_at),
        }
    }
}

impl ApiSchema for Task {
    const DESCRIPTION: &'static str = "A task to do for a contact, once or on a schedule.";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![
            ("id", id()),
            ("name", json!({"type": "string"})),
            ("description", nullable_string()),
            ("contactId", id()),
            (
                "schedule",
                json!({"type": ["string", "null"], "description": "A cron expression; `null` for a task run on demand."}),
            ),
            (
                "timezone",
                json!({"type": "string", "description": "An IANA time zone."}),
            ),
            (
                "status",
                json!({"type": "string", "enum": ["idle", "running", "canceled"]}),
            ),
            (
                "outcome",
                json!({"type": "string", "enum": ["pending", "success", "failure"], "description": "How the last run ended."}),
            ),
            ("lastRunAt", nullable_ms()),
            ("nextRunAt", nullable_ms()),
            ("meta", always_null("Tasks have no metadata here.")),
            ("createdAt", ms()),
            ("updatedAt", ms()),
        ]
    }
}

/// A space: a folder of files (spaces have no meta here).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Space {
    pub contact_id: Option<ApiId>,
    pub created_at: Millis,
    pub description: Option<String>,
    pub id: ApiId,
    pub meta: Null,
    pub name: String,
    pub updated_at: Millis,
}

impl From<&SpaceRow> for Space {
    fn from(space: &SpaceRow) -> Self {
        Space {
            contact_id: space.contact_id.map(ApiId::from),
            created_at: Millis(space.created_at),
            description: space.description.clone(),
            id: ApiId::from(space.id),
            meta: Null,
            name: space.name.clone(),
            updated_at: Millis(space.updated_at),
        }
    }
}

impl ApiSchema for Space {
    const DESCRIPTION: &'static str = "A space: a folder of files, usually of one contact.";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![
            ("id", id()),
            ("name", json!({"type": "string"})),
            ("description", nullable_string()),
            ("contactId", nullable_id()),
            ("meta", always_null("Spaces have no metadata here.")),
            ("createdAt", ms()),
            ("updatedAt", ms()),
        ]
    }
}

/// A file in a space.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct File {
    pub content_type: String,
    pub created_at: Millis,
    pub id: ApiId,
    pub path: String,
    pub sha256: String,
    pub size: i64,
    pub space_id: ApiId,
    pub updated_at: Millis,
}

impl From<&SpaceFile> for File {
    fn from(file: &SpaceFile) -> Self {
        File {
            content_type: file.content_type.clone(),
            created_at: Millis(file.created_at),
            id: ApiId::from(file.id),
            path: file.path.clone(),
            sha256: file.sha256.clone(),
            size: file.size,
            space_id: ApiId::from(file.space_id),
            updated_at: Millis(file.updated_at),
        }
    }
}

impl ApiSchema for File {
    const DESCRIPTION: &'static str = "A file in a space.";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![
            ("id", id()),
            ("spaceId", id()),
            (
                "path",
                json!({"type": "string", "description": "The file's name (spaces are flat)."}),
            ),
            ("size", json!({"type": "integer", "minimum": 0})),
            ("contentType", json!({"type": "string"})),
            (
                "sha256",
                json!({"type": "string", "description": "The SHA-256 of the bytes, in hex."}),
            ),
            ("createdAt", ms()),
            ("updatedAt", ms()),
        ]
    }
}

/// A secret of a contact: its name and type, never its value.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    pub created_at: Millis,
    pub description: Option<String>,
    pub id: ApiId,
    pub meta: Null,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub updated_at: Millis,
}

impl Secret {
    /// The listed secret, with when it was created (not part of the summary).
    pub fn new(secret: &SecretSummary, created_at: DateTime<Utc>) -> Secret {
        Secret {
            created_at: Millis(created_at),
            description: secret.description.clone(),
            id: ApiId::from(secret.id),
            meta: Null,
            name: secret.name.clone(),
            kind: secret.kind.clone(),
            updated_at: Millis(secret.updated_at),
        }
    }
}

impl ApiSchema for Secret {
    const DESCRIPTION: &'static str = "A secret of a contact: its name and type, never its value.";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![
            ("id", id()),
            ("name", json!({"type": "string"})),
            ("description", nullable_string()),
            ("type", secret_type()),
            ("meta", always_null("Secrets have no metadata here.")),
            ("createdAt", ms()),
            ("updatedAt", ms()),
        ]
    }
}

/// The contact of an agent context: who the agent talks to.
#[derive(Debug, Clone, Serialize)]
pub struct ContextContact {
    pub description: Option<String>,
    pub id: ApiId,
    pub name: Option<String>,
    pub nick: Option<String>,
    pub preferences: Option<String>,
}

impl ApiSchema for ContextContact {
    const DESCRIPTION: &'static str = "";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![
            ("id", id()),
            ("name", nullable_string()),
            ("nick", nullable_string()),
            ("description", nullable_string()),
            ("preferences", nullable_string()),
        ]
    }
}

/// A memory of an agent context.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextMemory {
    pub created_at: Millis,
    pub id: ApiId,
    pub text: String,
}

impl ApiSchema for ContextMemory {
    const DESCRIPTION: &'static str = "";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![
            ("id", id()),
            ("text", json!({"type": "string"})),
            ("createdAt", ms()),
        ]
    }
}

/// A task of an agent context.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextTask {
    pub id: ApiId,
    pub name: String,
    pub next_run_at: Option<Millis>,
    pub schedule: Option<String>,
    pub schedule_text: String,
    pub timezone: String,
}

impl ApiSchema for ContextTask {
    const DESCRIPTION: &'static str = "";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![
            ("id", id()),
            ("name", json!({"type": "string"})),
            ("schedule", nullable_string()),
            ("scheduleText", json!({"type": "string"})),
            ("timezone", json!({"type": "string"})),
            ("nextRunAt", nullable_ms()),
        ]
    }
}

/// The agent context of a contact (DESIGN.md §7), with its prompt-ready `text`.
/// `omittedTasks` is there because tasks are capped too (rarely reached).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactContext {
    pub contact: ContextContact,
    pub max_chars: usize,
    pub memories: Vec<ContextMemory>,
    pub omitted_memories: i64,
    pub omitted_tasks: i64,
    pub size: usize,
    pub tasks: Vec<ContextTask>,
    pub text: String,
}

impl From<&AgentContext> for ContactContext {
    fn from(context: &AgentContext) -> Self {
        let facts = &context.contact;
        ContactContext {
            contact: ContextContact {
                description: facts.description.clone(),
                id: ApiId::from(facts.id),
                name: facts.name.clone(),
                nick: facts.nick.clone(),
                preferences: facts.preferences.clone(),
            },
            max_chars: context.budget.chars(),
            memories: context
                .memories
                .iter()
                .map(|memory| ContextMemory {
                    created_at: Millis(memory.created_at),
                    id: ApiId::from(memory.id),
                    text: memory.text.clone(),
                })
                .collect(),
            omitted_memories: context.omitted_memories,
            omitted_tasks: context.omitted_tasks,
            size: context.size,
            tasks: context
                .tasks
                .iter()
                .map(|task| ContextTask {
                    id: ApiId::from(task.id),
                    name: task.name.clone(),
                    next_run_at: millis(task.next_run_at),
                    schedule: task.schedule.clone(),
                    schedule_text: task.schedule_text.clone(),
                    timezone: task.timezone.clone(),
                })
                .collect(),
            text: context.text.clone(),
        }
    }
}

impl ApiSchema for ContactContext {
    const DESCRIPTION: &'static str = "What an agent should know about a contact, with a prompt-ready `text` that fits \
         in `maxChars` (the newest memories first; `omitted*` count what did not fit).";

    fn properties() -> Vec<(&'static str, Value)> {
        vec![
            ("contact", ContextContact::schema()),
            ("memories", array(ContextMemory::schema())),
            ("omittedMemories", json!({"type": "integer"})),
            ("tasks", array(ContextTask::schema())),
            ("omittedTasks", json!({"type": "integer"})),
            ("maxChars", json!({"type": "integer"})),
            ("text", json!({"type": "string"})),
            (
                "size",
                json!({"type": "integer", "description": "Characters in `text`."}),
            ),
        ]
    }
}

/// One page of a list: `{"cursor"?, "items"}`; `cursor` (the last item's id) is absent when
/// the page is empty.
#[derive(Debug, Clone, Serialize)]
pub struct ListPage<T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<ApiId>,
    pub items: Vec<T>,
}

/// One JSON line of a streamed list: `{"data", "type": "item" | "error"}`.
#[derive(Debug, Clone, Serialize)]
pub struct Line<T> {
    pub data: T,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl<T> Line<T> {
    pub fn item(data: T) -> Line<T> {
        Line { data, kind: "item" }
    }

    pub fn error(data: T) -> Line<T> {
        Line {
            data,
            kind: "error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::Budget;
    use crate::agent::context::{ContactFacts, ContextMemory as Remembered, ContextTask as Due};
    use crate::domain::{
        ContactId, ConversationId, MemoryId, MessageId, RatingId, SecretId, SpaceFileId, SpaceId,
        StaffUserId, TaskId,
    };
    use serde_json::Map;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_072_000 + seconds, 0).unwrap()
    }

    /// One object of each kind, with a value in every optional field (`full`) or none.
    fn samples(full: bool) -> Vec<(&'static str, Value, Value)> {
        let some = |text: &str| full.then(|| text.to_string());
        let time = full.then(|| at(5));
        let id = full.then_some(3);
        let contact = ContactRow {
            id: ContactId(7),
            name: some("Ada"),
            description: some("Mathematician"),
            email: some("ada@example.com"),
            phone: some("+12125550147"),
            nick: some("ada"),
            preferences: some("Mornings"),
            meta: json!({"plan": "pro"}),
            fingerprint: "user-1".into(),
            verified_at: time,
            source: "api".into(),
            version: 1,
            created_at: at(0),
            updated_at: at(1),
        };
        let conversation = ConversationRow {
            id: ConversationId(42),
            contact_id: id.map(ContactId),
            channel: "widget".into(),
            subject: some("Hello"),
            meta: json!({}),
            message_count: 1,
            last_message_at: time,
            version: 1,
            created_at: at(0),
            updated_at: at(1),
        };
        let message = MessageRow {
            id: MessageId(901),
            conversation_id: ConversationId(42),
            role: "user".into(),
            text: "Hi!".into(),
            meta: json!({}),
            created_at: at(0),
        };
        let rating = RatingRow {
            id: RatingId(5),
            contact_id: id.map(ContactId),
            conversation_id: id.map(ConversationId),
            message_id: id.map(MessageId),
            value: 100,
            reason: some("Helpful"),
            reviewed_at: time,
            reviewed_by_id: id.map(StaffUserId),
            reviewed_by_name: some("Staff"),
            created_at: at(0),
        };
        let memory = MemoryRow {
            id: MemoryId(8),
            contact_id: ContactId(7),
            text: "Likes tea".into(),
            meta: json!({}),
            version: 1,
            created_at: at(0),
            updated_at: at(1),
            confirmed: true,
            claimed_conversation_id: None,
        };
        let task = TaskRow {
            id: TaskId(9),
            contact_id: ContactId(7),
            name: "Follow up".into(),
            description: some("Call back"),
            schedule: some("0 8 * * 1"),
            timezone: "UTC".into(),
            status: "idle".into(),
            outcome: "pending".into(),
            last_run_at: time,
            next_run_at: time,
            version: 1,
            created_at: at(0),
            updated_at: at(1),
        };
        let space = SpaceRow {
            id: SpaceId(11),
            contact_id: id.map(ContactId),
            name: "Docs".into(),
            description: some("Contracts"),
            version: 1,
            created_at: at(0),
            updated_at: at(1),
        };
        let file = SpaceFile {
            id: SpaceFileId(12),
            space_id: SpaceId(11),
            path: "notes.txt".into(),
            size: 5,
            content_type: "text/plain".into(),
            sha256: "ab".repeat(32),
            storage_key: "k".into(),
            uploaded_by_id: id.map(StaffUserId),
            uploaded_by_name: "Staff".into(),
            created_at: at(0),
            updated_at: at(1),
        };
        let secret = SecretSummary {
            id: SecretId(13),
            contact_id: ContactId(7),
            name: "CRM".into(),
            description: some("The CRM login"),
            kind: "basic".into(),
            key_id: "k1".into(),
            version: 1,
            updated_at: at(1),
        };
        let context = AgentContext {
            contact: ContactFacts {
                id: ContactId(7),
                name: some("Ada"),
                nick: some("ada"),
                description: some("Mathematician"),
                preferences: some("Mornings"),
            },
            memories: vec![Remembered {
                id: MemoryId(8),
                text: "Likes tea".into(),
                created_at: at(0),
            }],
            omitted_memories: 0,
            tasks: vec![Due {
                id: TaskId(9),
                name: "Follow up".into(),
                schedule: some("0 8 * * 1"),
                schedule_text: "Every Monday at 08:00".into(),
                timezone: "UTC".into(),
                next_run_at: time,
                when: "next Mon".into(),
                line: "Follow up".into(),
            }],
            omitted_tasks: 0,
            budget: Budget::default(),
            text: "Ada".into(),
            size: 3,
        };
        let search = MemorySearchResult {
            items: vec![MemoryMatch {
                id: ApiId(8),
                text: "Likes tea".into(),
            }],
        };
        fn both<T: Serialize + ApiSchema>(
            name: &'static str,
            object: T,
        ) -> (&'static str, Value, Value) {
            let text = serde_json::to_string(&object).unwrap();
            let value = serde_json::to_value(&object).unwrap();
            // Serialized directly, the object gives the bytes its `Value` gives: keys sorted.
            assert_eq!(
                text,
                value.to_string(),
                "{name}: fields out of alphabetical order"
            );
            (name, value, T::schema())
        }
        vec![
            both("Id", Id::new(1)),
            both("Contact", Contact::from(&contact)),
            both("Conversation", Conversation::from(&conversation)),
            both("Message", Message::new(&message, at(2))),
            both("Rating", Rating::new(&rating, at(2))),
            both("Memory", Memory::from(&memory)),
            both("MemorySearchResult", search),
            both("Task", Task::from(&task)),
            both("Space", Space::from(&space)),
            both("File", File::from(&file)),
            both("Secret", Secret::new(&secret, at(0))),
            both("ContactContext", ContactContext::from(&context)),
        ]
    }

    /// Problems of `value` against `schema`: keys that differ from the properties, and values
    /// whose JSON type the schema does not allow (`$ref`s are to `Meta`, any object or null).
    fn check(schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
        if let Some(kinds) = schema.get("type") {
            let kinds: Vec<&str> = match kinds {
                Value::String(kind) => vec![kind.as_str()],
                other => other
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|kind| kind.as_str().unwrap())
                    .collect(),
            };
            let kind = match value {
                Value::Null => "null",
                Value::Bool(_) => "boolean",
                Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            };
            if !kinds.contains(&kind) {
                problems.push(format!("{at}: {value} is not {kinds:?}"));
            }
        }
        if schema.get("$ref").is_some() && !(value.is_object() || value.is_null()) {
            problems.push(format!("{at}: {value} is not metadata"));
        }
        if let (Some(properties), Some(object)) = (
            schema.get("properties").and_then(Value::as_object),
            value.as_object(),
        ) {
            let declared: Vec<&String> = properties.keys().collect();
            let sent: Vec<&String> = object.keys().collect();
            if declared != sent {
                problems.push(format!("{at}: keys {sent:?}, schema {declared:?}"));
            }
            let required: Vec<&str> = schema["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|key| key.as_str().unwrap())
                .collect();
            let mut required_sorted = required.clone();
            required_sorted.sort_unstable();
            let sent: Vec<&str> = object.keys().map(String::as_str).collect();
            if required_sorted != sent {
                problems.push(format!("{at}: not every key is required: {required:?}"));
            }
            for (key, item) in object {
                check(&properties[key], item, &format!("{at}.{key}"), problems);
            }
        }
        if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
            for (index, item) in values.iter().enumerate() {
                check(items, item, &format!("{at}[{index}]"), problems);
            }
        }
    }

    #[test]
    fn every_object_matches_its_schema_with_and_without_values() {
        let mut problems = Vec::new();
        for full in [true, false] {
            for (name, value, schema) in samples(full) {
                check(&schema, &value, name, &mut problems);
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn ids_are_strings_and_times_milliseconds() {
        let value = serde_json::to_value(Rating::new(
            &RatingRow {
                id: RatingId(5),
                contact_id: None,
                conversation_id: Some(ConversationId(42)),
                message_id: None,
                value: -100,
                reason: None,
                reviewed_at: None,
                reviewed_by_id: None,
                reviewed_by_name: None,
                created_at: at(0),
            },
            at(1),
        ))
        .unwrap();
        let mut expected = Map::new();
        for (key, item) in [
            ("id", json!("5")),
            ("name", Value::Null),
            ("description", Value::Null),
            ("contactId", Value::Null),
            ("conversationId", json!("42")),
            ("messageId", Value::Null),
            ("value", json!(-100)),
            ("reason", Value::Null),
            ("meta", Value::Null),
            ("createdAt", json!(1_764_072_000_000_i64)),
            ("updatedAt", json!(1_764_072_001_000_i64)),
        ] {
            expected.insert(key.into(), item);
        }
        assert_eq!(value, Value::Object(expected));
        assert_eq!(
            serde_json::to_string(&ListPage::<Id> {
                cursor: None,
                items: vec![]
            })
            .unwrap(),
            r#"{"items":[]}"#
        );
        assert_eq!(
            serde_json::to_string(&Line::item(Id::new(4))).unwrap(),
            r#"{"data":{"id":"4"},"type":"item"}"#
        );
    }
}
