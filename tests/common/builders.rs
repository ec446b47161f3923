//! Fixture builders: `ContactBuilder::new("Ada").email("ada@example.com").create(&mut conn)`,
//! and the same for conversations (with their messages) and ratings.

use chrono::{DateTime, Duration, Utc};
use diesel::PgConnection;
use rapport::domain::{
    ContactId, ContactInput, ContactSource, ConversationId, MetaRow, PhoneRegion,
};
use rapport::models::Actor;
use rapport::models::Contact;
use rapport::models::contact::{self, NewContact};
use rapport::models::conversation::{self, Conversation, NewConversation};
use rapport::models::message::{self, Message, NewMessage};
use rapport::models::rating::{self, NewRating, Rating};

pub struct ContactBuilder {
    input: ContactInput,
    source: ContactSource,
    verified: bool,
}

impl ContactBuilder {
    pub fn new(name: &str) -> Self {
        ContactBuilder {
            input: ContactInput {
                name: name.to_string(),
                ..Default::default()
            },
            source: ContactSource::Manual,
            verified: true,
        }
    }

    pub fn email(mut self, email: &str) -> Self {
        self.input.email = email.to_string();
        self
    }

    pub fn phone(mut self, phone: &str) -> Self {
        self.input.phone = phone.to_string();
        self
    }

    pub fn nick(mut self, nick: &str) -> Self {
        self.input.nick = nick.to_string();
        self
    }

    pub fn description(mut self, text: &str) -> Self {
        self.input.description = text.to_string();
        self
    }

    pub fn preferences(mut self, text: &str) -> Self {
        self.input.preferences = text.to_string();
        self
    }

    pub fn meta(mut self, key: &str, value: &str) -> Self {
        self.input.meta.push(MetaRow::new(key, value));
        self
    }

    pub fn source(mut self, source: ContactSource) -> Self {
        self.source = source;
        self
    }

    pub fn unverified(mut self) -> Self {
        self.verified = false;
        self
    }

    pub fn create(self, conn: &mut PgConnection) -> Contact {
        let draft = self
            .input
            .validate(PhoneRegion::default())
            .expect("fixture must be valid");
        let new = NewContact::from_draft(draft, self.source, self.verified);
        match contact::create(conn, new, &Actor::System("test fixture".into())) {
            Ok(contact) => contact,
            Err(_) => panic!("fixture could not be created"),
        }
    }
}

/// `TaskBuilder::new(contact_id, "Weekly summary").schedule("0 8 * * 1").create(&mut conn)`.
pub struct TaskBuilder {
    contact_id: ContactId,
    input: rapport::domain::task_draft::TaskInput,
}

impl TaskBuilder {
    pub fn new(contact_id: ContactId, name: &str) -> Self {
        TaskBuilder {
            contact_id,
            input: rapport::domain::task_draft::TaskInput {
                name: name.to_string(),
                ..Default::default()
            },
        }
    }

    pub fn description(mut self, text: &str) -> Self {
        self.input.description = text.to_string();
        self
    }

    pub fn schedule(mut self, expression: &str) -> Self {
        self.input.schedule = expression.to_string();
        self
    }

    pub fn timezone(mut self, zone: &str) -> Self {
        self.input.timezone = zone.to_string();
        self
    }

    pub fn create(self, conn: &mut PgConnection) -> rapport::models::task::Task {
        let draft = self.input.validate().expect("fixture must be valid");
        rapport::models::task::create(
            conn,
            self.contact_id,
            &draft,
            chrono::Utc::now(),
            &Actor::System("test fixture".into()),
        )
        .expect("task fixture")
    }
}

/// Adds a memory to a contact, as an agent would.
pub fn memory(
    conn: &mut PgConnection,
    contact_id: ContactId,
    text: &str,
) -> rapport::models::memory::Memory {
    rapport::models::memory::create(
        conn,
        contact_id,
        text,
        &Actor::System("test fixture".into()),
    )
    .expect("memory fixture")
}

/// `ConversationBuilder::new(contact.id).subject("Invoice").message("user", "Hi").create(&mut conn)`.
/// Messages are one minute apart, starting at [`ConversationBuilder::at`] (default: a day ago).
pub struct ConversationBuilder {
    new: NewConversation,
    messages: Vec<(String, String)>,
}

impl ConversationBuilder {
    pub fn new(contact_id: ContactId) -> Self {
        ConversationBuilder {
            new: NewConversation {
                contact_id: Some(contact_id),
                channel: "widget".into(),
                subject: None,
                meta: serde_json::json!({}),
                created_at: Some(Utc::now() - Duration::days(1)),
            },
            messages: Vec::new(),
        }
    }

    pub fn channel(mut self, channel: &str) -> Self {
        self.new.channel = channel.to_string();
        self
    }

    pub fn subject(mut self, subject: &str) -> Self {
        self.new.subject = Some(subject.to_string());
        self
    }

    /// When the conversation starts (its first message follows a minute later).
    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        self.new.created_at = Some(at);
        self
    }

    pub fn message(mut self, role: &str, text: &str) -> Self {
        self.messages.push((role.to_string(), text.to_string()));
        self
    }

    /// `n` more messages, user and bot in turn: "Message 1", "Message 2"…
    pub fn messages(mut self, n: usize) -> Self {
        let start = self.messages.len();
        for i in start..start + n {
            let role = if i % 2 == 0 { "user" } else { "bot" };
            self.messages
                .push((role.to_string(), format!("Message {}", i + 1)));
        }
        self
    }

    pub fn create(self, conn: &mut PgConnection) -> (Conversation, Vec<Message>) {
        let start = self.new.created_at.unwrap_or_else(Utc::now);
        let created = conversation::insert(conn, &self.new).expect("fixture conversation");
        let rows: Vec<NewMessage> = self
            .messages
            .into_iter()
            .enumerate()
            .map(|(i, (role, text))| NewMessage {
                conversation_id: created.id,
                role,
                text,
                meta: serde_json::json!({}),
                created_at: Some(start + Duration::minutes(i as i64 + 1)),
            })
            .collect();
        let messages = if rows.is_empty() {
            Vec::new()
        } else {
            message::insert_all(conn, &rows).expect("fixture messages")
        };
        let reloaded = conversation::find_for_contact(
            conn,
            created.contact_id.expect("built for a contact"),
            created.id,
        )
        .expect("fixture conversation reloads");
        (reloaded, messages)
    }
}

/// `RatingBuilder::down(contact.id).message(&bot_message).reason("Wrong").create(&mut conn)`.
pub struct RatingBuilder {
    new: NewRating,
}

impl RatingBuilder {
    pub fn new(contact_id: ContactId, value: i32) -> Self {
        RatingBuilder {
            new: NewRating {
                contact_id: Some(contact_id),
                conversation_id: None,
                message_id: None,
                value,
                reason: None,
                created_at: None,
            },
        }
    }

    pub fn up(contact_id: ContactId) -> Self {
        Self::new(contact_id, 100)
    }

    pub fn down(contact_id: ContactId) -> Self {
        Self::new(contact_id, -100)
    }

    /// Rates this message (and so its conversation).
    pub fn message(mut self, message: &Message) -> Self {
        self.new.conversation_id = Some(message.conversation_id);
        self.new.message_id = Some(message.id);
        self
    }

    pub fn reason(mut self, reason: &str) -> Self {
        self.new.reason = Some(reason.to_string());
        self
    }

    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        self.new.created_at = Some(at);
        self
    }

    pub fn create(self, conn: &mut PgConnection) -> Rating {
        rating::insert(conn, &self.new).expect("fixture rating")
    }
}
