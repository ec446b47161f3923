//! The email integration: raw RFC 5322 messages, delivered to the inbound endpoint or the
//! SMTP listener, become contacts and conversation messages.

pub mod authentication;
pub mod endpoint;
pub mod inbound;
pub mod parse;
pub mod refusal;
pub mod smtp;
pub mod smtp_limits;

pub use inbound::{ReceiveError, Received, receive};
pub use parse::{Attachment, Mailbox, ParsedEmail, parse};
pub use refusal::Refusal;
