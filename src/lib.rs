//! Rapport: a contacts hub for chatbot and AI-agent platforms.
//!
//! The layout follows `DESIGN.md` §1: `domain` holds validated value types and pure rules,
//! `models` the tables and their queries, `web` the staff dashboard, and `startup` the app
//! factory shared by `main` and the tests.

pub mod agent;
pub mod api;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod intake;
pub mod models;
pub mod seed;
pub mod startup;
pub mod storage;
pub mod telemetry;
pub mod web;

pub use error::AppError;
