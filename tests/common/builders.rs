//! Fixture builders: `ContactBuilder::new("Ada").email("ada@example.com").create(&mut conn)`.

use diesel::PgConnection;
use rapport::domain::{ContactInput, ContactSource, MetaRow, PhoneRegion};
use rapport::models::Actor;
use rapport::models::Contact;
use rapport::models::contact::{self, NewContact};

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
    contact_id: i64,
    input: rapport::domain::task_draft::TaskInput,
}

impl TaskBuilder {
    pub fn new(contact_id: i64, name: &str) -> Self {
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
            rapport::domain::ContactId(self.contact_id),
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
    contact_id: i64,
    text: &str,
) -> rapport::models::memory::Memory {
    rapport::models::memory::create(
        conn,
        rapport::domain::ContactId(contact_id),
        text,
        &Actor::System("test fixture".into()),
    )
    .expect("memory fixture")
}
