//! What the pool's connections send: every SQL statement is counted per pool and, with
//! `RUST_LOG=rapport::sql=debug` (or `rapport=debug`), logged with its duration, through
//! diesel's connection instrumentation.
//!
//! The count is how the tests hold a page to its statement budget; the log line carries the
//! request's span (see [`super::block_in_span`]), so a slow statement names its request.
//! Bind values are never logged: they hold password hashes, secrets and people's data.

use diesel::connection::{Instrumentation, InstrumentationEvent};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// The log target of the SQL lines.
pub const TARGET: &str = "rapport::sql";

/// How much of a statement a recording keeps: enough to recognise the query.
const RECORDED_CHARS: usize = 160;

/// Shared by a pool and every connection it opens.
#[derive(Debug, Default)]
pub struct StatementLog {
    sent: AtomicU64,
    recording: AtomicBool,
    recorded: Mutex<Vec<String>>,
}

impl StatementLog {
    /// Statements sent so far.
    pub fn count(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    fn sent(&self, query: &dyn std::fmt::Display) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        if self.recording.load(Ordering::Relaxed) {
            let text = truncate(sql_of(&query.to_string()), RECORDED_CHARS);
            self.recorded
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(text);
        }
    }
}

/// Statements sent while it lives: started by [`super::PgPool::record_statements`], for tests
/// that hold a page to a number of statements and must explain a failure. One recording at a
/// time per pool (a new one starts afresh).
#[must_use = "the recording stops when dropped"]
pub struct StatementRecording {
    log: Arc<StatementLog>,
    started_at: u64,
}

impl StatementRecording {
    pub(super) fn start(log: Arc<StatementLog>) -> Self {
        log.recorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        log.recording.store(true, Ordering::Relaxed);
        let started_at = log.count();
        StatementRecording { log, started_at }
    }

    /// Statements sent since the recording started.
    pub fn count(&self) -> u64 {
        self.log.count() - self.started_at
    }

    /// The statements sent since the recording started, oldest first, each cut to its first
    /// characters; the recording goes on.
    pub fn statements(&self) -> Vec<String> {
        self.log
            .recorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for StatementRecording {
    fn drop(&mut self) {
        self.log.recording.store(false, Ordering::Relaxed);
    }
}

/// The instrumentation of one connection.
pub(super) struct ConnectionLog {
    log: Arc<StatementLog>,
    started: Option<Instant>,
}

impl ConnectionLog {
    pub(super) fn new(log: Arc<StatementLog>) -> Self {
        ConnectionLog { log, started: None }
    }
}

impl Instrumentation for ConnectionLog {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                self.log.sent(query);
                self.started = Some(Instant::now());
            }
            InstrumentationEvent::FinishQuery { query, error, .. } => {
                let Some(started) = self.started.take() else {
                    return;
                };
                if !tracing::enabled!(target: TARGET, tracing::Level::DEBUG) {
                    return;
                }
                let duration_ms = round_ms(started.elapsed().as_secs_f64() * 1000.0);
                // diesel only renders a query with its bind values, which are then cut off;
                // a cost paid at debug level only.
                let text = query.to_string();
                let sql = sql_of(&text);
                match error {
                    None => tracing::debug!(target: TARGET, duration_ms, sql, "statement"),
                    Some(error) => {
                        tracing::debug!(target: TARGET, duration_ms, sql, %error, "statement failed")
                    }
                }
            }
            _ => {}
        }
    }
}

/// The SQL of diesel's rendering of a query, without the bind values it appends.
pub fn sql_of(rendered: &str) -> &str {
    // diesel writes `<sql> -- binds: [...]`; the SQL it generates holds no such comment, as
    // every value travels as a bind parameter.
    rendered
        .find(" -- binds: ")
        .map_or(rendered, |end| &rendered[..end])
}

/// `text` cut to at most `max` characters, marked with `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((end, _)) => format!("{}…", &text[..end]),
    }
}

/// Milliseconds to three decimals, for a readable log line.
fn round_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_are_cut_off() {
        assert_eq!(
            sql_of(r#"SELECT "a" FROM "t" WHERE "id" = $1 -- binds: [42]"#),
            r#"SELECT "a" FROM "t" WHERE "id" = $1"#
        );
        assert_eq!(sql_of("BEGIN"), "BEGIN");
        // A value that looks like the marker cannot bring the binds back.
        assert_eq!(
            sql_of(r#"SELECT $1 -- binds: [" -- binds: x"]"#),
            "SELECT $1"
        );
    }

    #[test]
    fn long_statements_are_truncated_on_a_character_boundary() {
        assert_eq!(truncate("SELECT 1", 160), "SELECT 1");
        assert_eq!(truncate("éééé", 2), "éé…");
    }

    #[test]
    fn statements_are_counted_and_recorded_only_while_recording() {
        let log = Arc::new(StatementLog::default());
        log.sent(&"SELECT 1");
        assert_eq!(log.count(), 1);
        let recording = StatementRecording::start(log.clone());
        log.sent(&"SELECT 2 -- binds: [7]");
        assert_eq!(recording.count(), 1);
        assert_eq!(recording.statements(), vec!["SELECT 2".to_string()]);
        drop(recording);
        log.sent(&"SELECT 3");
        assert_eq!(log.count(), 3);
        let again = StatementRecording::start(log.clone());
        assert_eq!(again.count(), 0);
        assert!(again.statements().is_empty());
    }
}
