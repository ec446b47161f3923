//! The agent webhook: how a bot answers messages that arrive through an integration.
//!
//! When a user message is stored, [`crate::models::webhook_delivery::notify_agent`] queues a delivery in the same
//! transaction (an outbox, `webhook_deliveries`). A background worker POSTs the [`payload`],
//! [`signature`]-signed, to the integration's webhook; a `{"reply": …}` answer ([`reply`]) is
//! stored as a bot message (and sent by email on email conversations), failures are retried on
//! the [`schedule`] and shown on the conversation in the dashboard. A contact the person
//! writing only claimed gets a [`restricted`] context. Webhooks are called only where the
//! [`egress`] rules allow (https to public addresses, unless the operator allows more).

pub mod attempt;
pub mod egress;
pub mod email_reply;
pub mod http;
pub mod payload;
pub mod reply;
pub mod restricted;
pub mod schedule;
pub mod settings;
pub mod signature;
pub mod worker;
