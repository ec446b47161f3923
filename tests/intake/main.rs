//! Tests of intake (issue 5): integrations and their settings, email intake, the website
//! widget and the agent webhook. Real server, real PostgreSQL. One binary for the whole area;
//! each area adds its own files (email_*.rs, widget_*.rs, webhook_*.rs, settings_*.rs).

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[path = "../common/mod.rs"]
mod common;

mod claims;
mod email_agent;
mod email_authentication;
mod email_http;
mod email_smtp;
mod email_smtp_limits;
mod email_support;
mod integration_cli;
mod integration_model;
mod settings_integrations;
mod webhook_delivery;
mod webhook_egress;
mod webhook_email;
mod webhook_privacy;
mod webhook_retry;
mod webhook_support;
mod widget_cors;
mod widget_identity;
mod widget_limits;
mod widget_sessions;
mod widget_support;
