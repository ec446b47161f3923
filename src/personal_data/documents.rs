//! The JSON documents of the personal data archive: one struct per kind of record, made from
//! the model rows. Field names are snake_case, times RFC 3339 in UTC, unset values `null`:
//! the archive is for the person and for whoever reads it on their behalf, not for an API
//! client, so it says what each value is rather than following ChatBotKit's shapes.

use crate::domain::{
    AuditEventId, ContactId, ConversationId, MemoryId, MessageId, RatingId, SecretId, SpaceFileId,
    SpaceId, TaskId,
};
use crate::models::Contact;
use crate::models::audit::AuditEvent;
use crate::models::contact::Standing;
use crate::models::conversation::Conversation;
use crate::models::memory::Memory;
use crate::models::message::Message;
use crate::models::personal_data::ContactMatch;
use crate::models::rating::Rating;
use crate::models::secret::SecretSummary;
use crate::models::space::Space;
use crate::models::space_file::SpaceFile;
use crate::models::task::Task;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

/// `contact.json`.
#[derive(Debug, Serialize)]
pub struct ContactDocument {
    pub id: ContactId,
    pub name: Option<String>,
    pub description: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub nick: Option<String>,
    pub preferences: Option<String>,
    pub meta: Value,
    pub fingerprint: String,
    pub verified_at: Option<DateTime<Utc>>,
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the contact is in Trash: since when and who deleted it.
    pub in_trash: Option<TrashDocument>,
}

#[derive(Debug, Serialize)]
pub struct TrashDocument {
    pub deleted_at: DateTime<Utc>,
    pub deleted_by: Option<String>,
}

impl ContactDocument {
    pub fn new(contact: &Contact, standing: &Standing) -> Self {
        ContactDocument {
            id: contact.id,
            name: contact.name.clone(),
            description: contact.description.clone(),
            email: contact.email.clone(),
            phone: contact.phone.clone(),
            nick: contact.nick.clone(),
            preferences: contact.preferences.clone(),
            meta: contact.meta.clone(),
            fingerprint: contact.fingerprint.clone(),
            verified_at: contact.verified_at,
            source: contact.source.clone(),
            created_at: contact.created_at,
            updated_at: contact.updated_at,
            in_trash: standing.deleted_at.map(|deleted_at| TrashDocument {
                deleted_at,
                deleted_by: standing.deleted_by.clone(),
            }),
        }
    }
}

/// A conversation, the head of `conversations/<id>.json` (its messages follow it there).
#[derive(Debug, Serialize)]
pub struct ConversationDocument {
    pub id: ConversationId,
    pub channel: String,
    pub subject: Option<String>,
    pub meta: Value,
    pub message_count: i32,
    pub last_message_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// How intake linked it to the contact: `verified`, `created` or `claimed` (by an email
    /// address or phone number nobody proved to own).
    pub matched: Option<MatchDocument>,
}

#[derive(Debug, Serialize)]
pub struct MatchDocument {
    pub how: String,
    pub claimed_by: Option<String>,
    pub at: DateTime<Utc>,
}

impl ConversationDocument {
    pub fn new(conversation: &Conversation, matched: Option<&ContactMatch>) -> Self {
        ConversationDocument {
            id: conversation.id,
            channel: conversation.channel.clone(),
            subject: conversation.subject.clone(),
            meta: conversation.meta.clone(),
            message_count: conversation.message_count,
            last_message_at: conversation.last_message_at,
            created_at: conversation.created_at,
            updated_at: conversation.updated_at,
            matched: matched.map(|found| MatchDocument {
                how: found.how.clone(),
                claimed_by: found.claimed_by.clone(),
                at: found.created_at,
            }),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct MessageDocument {
    pub id: MessageId,
    /// `user` (the person), `bot`, `staff` or `context`.
    pub role: String,
    pub text: String,
    pub meta: Value,
    pub created_at: DateTime<Utc>,
}

impl From<&Message> for MessageDocument {
    fn from(message: &Message) -> Self {
        MessageDocument {
            id: message.id,
            role: message.role.clone(),
            text: message.text.clone(),
            meta: message.meta.clone(),
            created_at: message.created_at,
        }
    }
}

/// One entry of `tasks.json`, with its runs.
#[derive(Debug, Serialize)]
pub struct TaskDocument {
    pub id: TaskId,
    pub name: String,
    pub description: Option<String>,
    pub schedule: Option<String>,
    pub timezone: String,
    pub status: String,
    pub outcome: String,
    pub last_run_at: Option<DateTime<Utc>>,
    pub next_run_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Started and finished runs, oldest first, as the history recorded them (a finished
    /// run's changes carry its outcome and the agent's report).
    pub runs: Vec<EventDocument>,
}

impl TaskDocument {
    pub fn new(task: &Task, runs: Vec<EventDocument>) -> Self {
        TaskDocument {
            id: task.id,
            name: task.name.clone(),
            description: task.description.clone(),
            schedule: task.schedule.clone(),
            timezone: task.timezone.clone(),
            status: task.status.clone(),
            outcome: task.outcome.clone(),
            last_run_at: task.last_run_at,
            next_run_at: task.next_run_at,
            created_at: task.created_at,
            updated_at: task.updated_at,
            runs,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct MemoryDocument {
    pub id: MemoryId,
    pub text: String,
    pub meta: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Memory> for MemoryDocument {
    fn from(memory: &Memory) -> Self {
        MemoryDocument {
            id: memory.id,
            text: memory.text.clone(),
            meta: memory.meta.clone(),
            created_at: memory.created_at,
            updated_at: memory.updated_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct RatingDocument {
    pub id: RatingId,
    pub conversation_id: Option<ConversationId>,
    pub message_id: Option<MessageId>,
    /// +100 thumbs up, -100 thumbs down.
    pub value: i32,
    pub reason: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&Rating> for RatingDocument {
    fn from(rating: &Rating) -> Self {
        RatingDocument {
            id: rating.id,
            conversation_id: rating.conversation_id,
            message_id: rating.message_id,
            value: rating.value,
            reason: rating.reason.clone(),
            reviewed_at: rating.reviewed_at,
            reviewed_by: rating.reviewed_by_name.clone(),
            created_at: rating.created_at,
        }
    }
}

/// A secret by name and kind: its value is never part of the archive.
#[derive(Debug, Serialize)]
pub struct SecretDocument {
    pub id: SecretId,
    pub name: String,
    /// `plain`, `basic`, `bearer` or `oauth`.
    pub kind: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl SecretDocument {
    pub fn new(secret: &SecretSummary, created_at: DateTime<Utc>) -> Self {
        SecretDocument {
            id: secret.id,
            name: secret.name.clone(),
            kind: secret.kind.clone(),
            description: secret.description.clone(),
            created_at,
            updated_at: secret.updated_at,
        }
    }
}

/// One entry of `spaces.json`, with its files.
#[derive(Debug, Serialize)]
pub struct SpaceDocument {
    pub id: SpaceId,
    pub name: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub files: Vec<FileDocument>,
}

#[derive(Debug, Serialize)]
pub struct FileDocument {
    pub id: SpaceFileId,
    pub name: String,
    pub size: i64,
    pub content_type: String,
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Where its bytes are in this archive.
    pub archive_path: String,
}

impl SpaceDocument {
    /// `paths` are the archive paths of `files`, in the same order.
    pub fn new(space: &Space, files: &[SpaceFile], paths: &[String]) -> Self {
        SpaceDocument {
            id: space.id,
            name: space.name.clone(),
            description: space.description.clone(),
            created_at: space.created_at,
            updated_at: space.updated_at,
            files: files
                .iter()
                .zip(paths)
                .map(|(file, path)| FileDocument {
                    id: file.id,
                    name: file.path.clone(),
                    size: file.size,
                    content_type: file.content_type.clone(),
                    sha256: file.sha256.clone(),
                    uploaded_by: file.uploaded_by_name.clone(),
                    created_at: file.created_at,
                    updated_at: file.updated_at,
                    archive_path: path.clone(),
                })
                .collect(),
        }
    }
}

/// An audit entry: one element of `history.json`, and a run of a task.
#[derive(Debug, Serialize)]
pub struct EventDocument {
    pub id: AuditEventId,
    pub at: DateTime<Utc>,
    /// `staff`, `token` (an API token) or `system`.
    pub actor_kind: String,
    pub actor: String,
    pub action: String,
    /// What the entry is about: `contact`, `conversation`, `memory`, `task`…
    pub entity: String,
    pub entity_id: i64,
    /// `{"field": {"before": …, "after": …}}`.
    pub changes: Value,
}

impl From<&AuditEvent> for EventDocument {
    fn from(event: &AuditEvent) -> Self {
        EventDocument {
            id: event.id,
            at: event.created_at,
            actor_kind: event.actor_kind.clone(),
            actor: event.actor_name.clone(),
            action: event.action.clone(),
            entity: event.entity.clone(),
            entity_id: event.entity_id,
            changes: event.changes.clone(),
        }
    }
}
