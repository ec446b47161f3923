//! Black-box tests of intake (issue 5): the email integration, the website widget, the agent
//! webhook and their settings. Real server, real PostgreSQL. One binary for the whole area.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[path = "../common/mod.rs"]
mod common;

mod widget_cors;
mod widget_limits;
mod widget_sessions;
mod widget_support;
