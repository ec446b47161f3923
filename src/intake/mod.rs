//! Intake: what arrives through integrations (email, the website widget) and the agent
//! webhook that answers it.

pub mod webhook;
