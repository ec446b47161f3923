//! Black-box tests of the staff dashboard: real server, real PostgreSQL, one database per
//! test. One binary for the whole area so the suite compiles and starts once.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod connections;
mod contacts_create;
mod contacts_list;
mod errors;
mod export;
mod export_cli;
mod import_cli;
mod import_resume;
mod import_run;
mod import_support;
mod import_upload;
mod ipv6_limits;
mod migrations;
mod personal_data;
mod profile;
mod schema_drift;
mod sessions;
mod settings_api_tokens;
mod statements;
mod tab_context;
mod tab_conversations;
mod tab_memories;
mod tab_ratings;
mod tab_secrets;
mod tab_spaces;
mod tab_tasks;
mod trash;
