//! Website widget sessions: a visitor's chat, its conversation and (when the widget collects
//! contacts) its contact, started in one transaction; the messages the visitor sends and
//! sees. The browser holds the session token; only its hash is stored.
//!
//! Contacts are matched by verified identity, then by email (ignoring case), then by phone,
//! else created unverified with source "widget", so a known email never gets a second
//! contact. A verified identity is the site's signed `userId` *of this widget*: its contact's
//! fingerprint is `widget:<integration id>:<userId>` ([`Fingerprint::widget_user`]), so user
//! "42" of one widget never finds the contact of user "42" of another (each site numbers its
//! own users). Contacts verified before the prefix existed were rewritten by the migration
//! `2026-12-04-000130_widget_identity_scope`. A visitor who gives neither an email, a
//! phone nor a verified id gets no contact (a name alone identifies nobody, as in
//! ChatBotKit); the name stays on the conversation's meta.
//!
//! How the contact was matched is recorded on the conversation (`contact_match`): a visitor
//! who only typed a known contact's email or phone has *claimed* that contact, and the agent
//! webhook will not hand them its private context, and what they typed fills in nothing of
//! the contact (it stays on the conversation's meta).

use super::audit::Actor;
use super::contact::{
    self, Contact, WriteError, find_by_email, find_by_fingerprint, find_by_phone,
};
use super::contact_ensure::{self, OnFound};
use super::contact_match;
use super::integration::Integration;
use super::message::Message;
use super::schema::{contacts, conversations, messages, widget_sessions};
use crate::domain::contact_match::{ClaimedBy, ContactMatch};
use crate::domain::contact_patch::ContactPatch;
use crate::domain::conversation::{Channel, MessageRole};
use crate::domain::fingerprint::Fingerprint;
use crate::domain::{
    ContactId, ContactSource, ConversationId, IntegrationId, MessageId, MetaFields, WidgetSessionId,
};
use crate::intake::widget::token;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};

/// How many messages one list answer carries at most (the widget asks again for more).
pub const LIST_LIMIT: i64 = 200;

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = widget_sessions)]
pub struct WidgetSession {
    pub id: WidgetSessionId,
    pub integration_id: IntegrationId,
    pub conversation_id: ConversationId,
    pub contact_id: Option<ContactId>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// Who the visitor says they are, checked.
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    /// Name, email and phone as typed (validated like the dashboard's fields).
    pub details: ContactPatch,
    /// The site's user id as it signed it (without the widget's prefix), when its
    /// `userHash` was verified.
    pub verified_id: Option<Fingerprint>,
}

impl Visitor {
    /// Whether there is anything to know a contact by.
    fn identifies(&self) -> bool {
        self.verified_id.is_some()
            || ContactPatch::value(&self.details.email).is_some()
            || ContactPatch::value(&self.details.phone).is_some()
    }
}

/// A session to start.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub visitor: Visitor,
    /// The page's own metadata (`meta` of the request), kept on the conversation.
    pub meta: MetaFields,
    /// Messages the visitor already wrote (ChatBotKit's `messages`), stored in order.
    pub messages: Vec<String>,
    pub ttl: Duration,
}

/// A started session and what the visitor is shown.
#[derive(Debug, Clone)]
pub struct Started {
    pub session: WidgetSession,
    /// The token in clear, handed out once.
    pub token: String,
    pub contact: Option<Contact>,
    pub messages: Vec<Message>,
}

/// The audit trail's name for what a widget does.
pub fn actor(integration: &Integration) -> Actor {
    Actor::System(format!("widget {}", integration.name))
}

/// Starts a session: the contact (found or created), the conversation on channel `widget`,
/// the visitor's first messages, the session row and the agent's notification — all or
/// nothing.
pub fn start(
    connection: &mut PgConnection,
    integration: &Integration,
    new: &NewSession,
) -> Result<Started, WriteError> {
    connection.transaction(|connection| {
        // Expired sessions are of no use to anyone; clearing them here keeps the table small.
        diesel::delete(widget_sessions::table.filter(widget_sessions::expires_at.lt(Utc::now())))
            .execute(connection)?;
        let matched = if integration.collect_contacts && new.visitor.identifies() {
            Some(resolve_contact(connection, integration, &new.visitor)?)
        } else {
            None
        };
        let contact = matched.as_ref().map(|(contact, _)| contact.clone());
        let mut meta = new.meta.as_map().clone();
        meta.insert("app".into(), json!("widget"));
        meta.insert(
            "widget".into(),
            json!({ "integrationId": integration.id.to_string() }),
        );
        let visitor = visitor_meta(&new.visitor.details);
        if !visitor.is_empty() {
            meta.insert("visitor".into(), Value::Object(visitor));
        }
        let conversation_id: ConversationId = diesel::insert_into(conversations::table)
            .values((
                conversations::contact_id.eq(contact.as_ref().map(|c| c.id)),
                conversations::channel.eq(Channel::Widget.as_str()),
                conversations::meta.eq(Value::Object(meta)),
                conversations::integration_id.eq(Some(integration.id)),
            ))
            .returning(conversations::id)
            .get_result(connection)?;
        if let Some((contact, how)) = &matched {
            contact_match::record(connection, conversation_id, contact.id, *how)?;
        }
        let stored = new
            .messages
            .iter()
            .map(|text| insert_user_message(connection, conversation_id, text))
            .collect::<QueryResult<Vec<Message>>>()?;
        let token = token::generate();
        let session = diesel::insert_into(widget_sessions::table)
            .values((
                widget_sessions::integration_id.eq(integration.id),
                widget_sessions::conversation_id.eq(conversation_id),
                widget_sessions::contact_id.eq(contact.as_ref().map(|c| c.id)),
                widget_sessions::token_hash.eq(token::hash(&token)),
                widget_sessions::expires_at.eq(Utc::now() + new.ttl),
            ))
            .returning(WidgetSession::as_returning())
            .get_result(connection)?;
        if let Some(last) = stored.last() {
            super::webhook_delivery::notify_agent(
                connection,
                integration,
                conversation_id,
                last.id,
            )?;
        }
        Ok(Started {
            session,
            token,
            contact,
            messages: stored,
        })
    })
}

/// The session `id` of this widget if `token` is its token and it has not expired.
pub fn authorise(
    connection: &mut PgConnection,
    integration_id: IntegrationId,
    id: WidgetSessionId,
    token: &str,
) -> QueryResult<Option<WidgetSession>> {
    // Looked up by the token's hash (a unique index), then checked against the path: no
    // comparison of secrets in Rust at all, and a token only opens its own session.
    widget_sessions::table
        .filter(widget_sessions::token_hash.eq(token::hash(token)))
        .filter(widget_sessions::id.eq(id))
        .filter(widget_sessions::integration_id.eq(integration_id))
        .filter(widget_sessions::expires_at.gt(Utc::now()))
        .select(WidgetSession::as_select())
        .first(connection)
        .optional()
}

/// Stores a visitor's message and tells the agent, in one transaction.
pub fn send(
    connection: &mut PgConnection,
    integration: &Integration,
    session: &WidgetSession,
    text: &str,
) -> QueryResult<Message> {
    connection.transaction(|connection| {
        let message = insert_user_message(connection, session.conversation_id, text)?;
        super::webhook_delivery::notify_agent(
            connection,
            integration,
            session.conversation_id,
            message.id,
        )?;
        Ok(message)
    })
}

/// What the visitor sees of their conversation after message `after` (from the start
/// without it): their own messages and the bot's, oldest first. Staff notes and `context`
/// messages are for the agent and staff only.
pub fn visible_messages(
    connection: &mut PgConnection,
    session: &WidgetSession,
    after: Option<MessageId>,
) -> QueryResult<Vec<Message>> {
    let mut query = messages::table
        .filter(messages::conversation_id.eq(session.conversation_id))
        .filter(messages::role.eq_any([MessageRole::User.as_str(), MessageRole::Bot.as_str()]))
        .select(Message::as_select())
        .order(messages::id.asc())
        .limit(LIST_LIMIT)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(messages::id.gt(after));
    }
    query.load(connection)
}

fn insert_user_message(
    connection: &mut PgConnection,
    conversation_id: ConversationId,
    text: &str,
) -> QueryResult<Message> {
    diesel::insert_into(messages::table)
        .values((
            messages::conversation_id.eq(conversation_id),
            messages::role.eq(MessageRole::User.as_str()),
            messages::text.eq(text),
            messages::meta.eq(json!({})),
        ))
        .returning(Message::as_returning())
        .get_result(connection)
}

/// The visitor's details as typed, for the conversation's meta (staff see who wrote even
/// when no contact was made).
fn visitor_meta(details: &ContactPatch) -> serde_json::Map<String, Value> {
    let mut visitor = serde_json::Map::new();
    if let Some(name) = ContactPatch::value(&details.name) {
        visitor.insert("name".into(), json!(name));
    }
    if let Some(email) = ContactPatch::value(&details.email) {
        visitor.insert("email".into(), json!(email.as_str()));
    }
    if let Some(phone) = ContactPatch::value(&details.phone) {
        visitor.insert("phone".into(), json!(phone.e164()));
    }
    visitor
}

/// Finds or creates the visitor's contact (see the module documentation), and says how it
/// was matched: only a signed id or a contact this visitor created is theirs for sure.
fn resolve_contact(
    connection: &mut PgConnection,
    integration: &Integration,
    visitor: &Visitor,
) -> Result<(Contact, ContactMatch), WriteError> {
    let actor = actor(integration);
    let mut request = visitor.details.clone();
    let mut by_verified_id = false;
    if let Some(user_id) = &visitor.verified_id {
        let id = Fingerprint::widget_user(integration.id, user_id);
        // A verified id that is new to us, with an email or phone that a contact already
        // has: that contact it is. It keeps its own identity, because the site signs only
        // the id — an unsigned email must not move a contact to another id.
        let known_id = find_by_fingerprint(connection, id.as_str())?.is_some();
        let known_details = !known_id && known_by_details(connection, &visitor.details)?;
        if !known_details {
            request.fingerprint = Some(Some(id));
            by_verified_id = true;
        }
    }
    // Only the site's signed id speaks for a contact; typed details that match one are a
    // claim, which must not fill in or change anything of the contact they name (they stay on
    // the conversation's meta, under "visitor").
    let on_found = if by_verified_id {
        OnFound::FillEmpty
    } else {
        OnFound::LeaveAlone
    };
    let ensured = contact_ensure::ensure_with(connection, &request, &actor, on_found)?;
    if ensured.created {
        // `ensure` records API-made contacts; these came from the widget.
        diesel::update(contacts::table.find(ensured.contact.id))
            .set(contacts::source.eq(ContactSource::Widget.as_str()))
            .execute(connection)?;
        let created = contact::find(connection, ensured.contact.id)?;
        return Ok((created, ContactMatch::Created));
    }
    let how = if by_verified_id {
        ContactMatch::Verified
    } else {
        ContactMatch::Claimed(claimed_by(&visitor.details, &ensured.contact))
    };
    Ok((ensured.contact, how))
}

/// What an existing contact was matched on: the typed email when it is the contact's,
/// otherwise the phone (`ensure` tries the email first).
fn claimed_by(details: &ContactPatch, contact: &Contact) -> ClaimedBy {
    let typed = ContactPatch::value(&details.email).map(|email| email.as_str().to_lowercase());
    let theirs = contact.email.as_deref().map(str::to_lowercase);
    if typed.is_some() && typed == theirs {
        ClaimedBy::Email
    } else {
        ClaimedBy::Phone
    }
}

fn known_by_details(connection: &mut PgConnection, details: &ContactPatch) -> QueryResult<bool> {
    if let Some(email) = ContactPatch::value(&details.email)
        && find_by_email(connection, email.as_str())?.is_some()
    {
        return Ok(true);
    }
    if let Some(phone) = ContactPatch::value(&details.phone)
        && find_by_phone(connection, phone.e164())?.is_some()
    {
        return Ok(true);
    }
    Ok(false)
}
