//! Rapport: a contacts hub for chatbot and AI-agent platforms.
//!
//! Staff keep the people who talk to their bots in a server-rendered dashboard ([`web`]);
//! bots and SDKs read and write the same contacts through a JSON API compatible with
//! ChatBotKit's ([`api`]); mail and a website widget create contacts and conversations on
//! their own ([`intake`]); and an AI agent gets a prompt-ready view of a contact ([`agent`]).
//! This page is the map of the code. `cargo doc --open` shows it with links; keep it true
//! when you move things.
//!
//! # Layers
//!
//! ```text
//! browser (htmx) ──► web/      pages and fragments (askama)   ─┐
//! bots, SDKs    ──► api/       JSON API under /api/v1         ├─► models/ ──► PostgreSQL
//! mail, widget  ──► intake/    email, widget, agent webhook   ┘     ▲
//!                   agent/     what an AI agent gets ────────────────┘
//!                   domain/    validated values and pure rules (no I/O), used by all
//! ```
//!
//! | kind of code | where it goes |
//! |---|---|
//! | a validated value or a rule a unit test can call (email, phone, meta, schedule, fingerprint) | [`domain`], one file per concept, no I/O |
//! | a query, an insert, a transaction, an audit entry | [`models`], one file per table family, plain functions taking `&mut PgConnection`; nothing else builds SQL |
//! | a dashboard page or htmx fragment | [`web`], handler and its view structs in one file; its template under `templates/` at the same path |
//! | a JSON endpoint | [`api`], declared once in the `endpoints!` table of `api/mod.rs` |
//! | mail, widget or webhook work | [`intake`] |
//! | reading a contacts file to import (CSV, vCard): detection, streamed records, column mapping | [`domain::import`], the one part of `domain` that reads a file (the upload on disk; no database) |
//! | exporting contacts (CSV, vCard, JSON Lines) | the writers in [`domain::export`], the batches along a keyset and the audit entry in [`models::contact_export`], and [`export`], which strings them together for the dashboard's download, the API and `rapport export` |
//! | work that outlives a request (an import; later bulk actions, purges) | [`jobs`]: one module per kind, run in batches by the worker `serve` starts |
//! | a person's data: the export's ZIP, removing an erased contact's files | [`personal_data`] (the rows: `models::personal_data`, `models::erasure`) |
//! | start-up, settings, pool | [`startup`] (the app factory `main` and the tests share), [`config`] (every environment variable, validated once), [`db`] |
//! | the one error type | [`error::AppError`]: an HTML page or fragment on the dashboard, `{"message","code"}` JSON on the API |
//!
//! Ids are newtypes ([`domain::ContactId`] and friends), so a memory id never goes where a
//! contact id belongs; paths extract them directly (`web::Path<(ContactId, SecretId)>`) and a
//! bad id is a 404, while one in a query string that only says where a page starts
//! (`?before=`) is ignored ([`domain::ids::lenient`]).
//!
//! # How a request flows
//!
//! 1. Middleware ([`startup::build_app`]): a request id and a tracing span (method, route,
//!    status, duration; slow requests logged at warn), the session cookie, CSRF for dashboard
//!    forms, the error renderer ([`web::error_pages`]).
//! 2. The handler's first argument says who may call it and carries the request's parts:
//!    [`web::context::Dashboard`] (any signed-in staff user), [`web::context::Editor`],
//!    [`web::context::Admin`] on the dashboard; [`api::caller::ApiReader`] (any live token)
//!    and [`api::caller::ApiWriter`] (tokens that may write) on the API.
//!    A caller without the role gets 403 before the handler runs.
//! 3. That extractor loads the staff user (or the API token) on the request's connection,
//!    [`db::RequestDb`]: checked out once, reused by every query of the handler, given back
//!    when the request ends. Diesel is synchronous, so each call runs on actix's blocking pool
//!    (`ctx.db.read(|conn| …)` for reads, retried once if the connection broke;
//!    `ctx.db.write(|conn| …)` for writes, in one transaction with their audit entry).
//! 4. The handler validates input into [`domain`] types (a form that fails comes back with
//!    422, every value kept and each error next to its field), makes one model call, and
//!    renders a view struct with ready-to-print strings: the context's helpers pick the full
//!    page or the fragment htmx asked for (`HX-Target`), redirect with a notice, or push a URL.
//!
//! # Recipes
//!
//! **A profile tab.** A folder `src/web/contacts/profile/<tab>/` with a `mod.rs` that
//! registers its routes and renders through the profile's shared tab renderer; one entry in
//! `profile::TABS` (slug, label, whether it has a count — counts are one SQL statement for all
//! tabs, in `models`); templates in `templates/contacts/profile/<tab>/` extending
//! `contacts/profile/base.html`; tests in `tests/dashboard/tab_<tab>.rs`.
//!
//! **An API endpoint.** One line in the `endpoints!` table of `src/api/mod.rs` (method, path,
//! handler, ChatBotKit operation id, request and response schema names): it drives the
//! routing under `/api/v1` and `/v1` and the served `openapi.json`. Response bodies are typed
//! structs in [`api::objects`], which also give their OpenAPI schema. The conformance
//! test in `tests/api` fails until the new operation is called and its answers match.
//!
//! **A migration.** A folder in `migrations/` named `YYYY-MM-DD-HHMMSS_what` with `up.sql` and
//! `down.sql`; the server applies pending migrations at start (`rapport migrate` does it
//! alone). Update `src/models/schema.rs` by hand in the same commit: a test compares it with
//! the migrated database and fails on any difference.
//!
//! # Tests
//!
//! Unit tests sit next to the code. `tests/<area>/` are one binary each (`dashboard`, `api`,
//! `intake`, `browser`): black-box over HTTP against the real app factory and a real
//! PostgreSQL, each test with its own database copied from a migrated template.
//! `./scripts/test` runs everything (fmt, clippy, all tests) with a project-local PostgreSQL.

pub mod agent;
pub mod api;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod intake;
pub mod jobs;
pub mod models;
pub mod personal_data;
pub mod seed;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod web;

pub use error::AppError;
