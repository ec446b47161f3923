//! Black-box tests of the JSON API (`/api/v1`, ChatBotKit-compatible): real server, real
//! PostgreSQL, bearer tokens. One binary for the whole area.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[path = "../common/mod.rs"]
mod common;

mod agent;
mod contact_ensure;
mod contact_export;
mod contact_support;
mod contact_update;
mod contact_upsert;
mod contacts;
mod conventions;
mod openapi;
mod openapi_conformance;
mod sdk;
mod statements;
mod task_runs;
mod token_cli;

// Related objects (src/api/related/).
mod conversations;
mod memories;
mod related_lists;
mod related_support;
mod secrets;
mod spaces;
mod tasks;
