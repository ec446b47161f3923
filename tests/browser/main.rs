//! End-to-end tests in headless Chromium, driven through chromedriver: the real server, a real
//! PostgreSQL database per test, and a real browser running the pages' htmx and scripts.
//!
//! Needs `chromedriver` and `chromium` (`apt-get install chromium chromium-driver`, which
//! `./scripts/test` does); `CHROMEDRIVER` and `CHROME_BIN` override their paths, and
//! `RAPPORT_SKIP_BROWSER_TESTS=1` skips these tests with a loud notice.

#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

#[path = "../common/mod.rs"]
mod common;

mod agent_context;
mod api_tokens;
mod chrome;
mod create_edit_search;
mod import_csv;
mod integrations_settings;
mod reveal_secret;
mod spaces;
mod tasks_and_memories;
mod widget_demo;
