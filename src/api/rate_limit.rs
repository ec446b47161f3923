//! Request limits: a fixed one-minute window per key (an API token's id, a widget client as
//! [`crate::domain::network::client_key`] names it, a widget), kept in this process.
//!
//! Deliberately per process: with several app processes each one counts on its own, so the
//! effective limit is the configured one times the number of processes (the README says so
//! under "Running in production"). That is good enough to stop a runaway bot or a flood,
//! which is the point; these limits meter nobody. A shared limit would cost a database write
//! on every request, widget polls included, and would fail with the database, exactly when a
//! cheap refusal matters most. Sign-in throttling, which must hold across processes, is in
//! PostgreSQL (`models::sign_in_throttle`).

use crate::domain::ApiTokenId;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

pub struct RateLimiter<K = ApiTokenId> {
    per_minute: u32,
    windows: Mutex<HashMap<K, (Instant, u32)>>,
}

impl<K: Eq + Hash> RateLimiter<K> {
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }

    /// Counts one request for `key`; `Err(seconds)` to wait when the window is full.
    pub fn check(&self, key: K, now: Instant) -> Result<(), u64> {
        // A poisoned lock only means another request panicked mid-count; the counts are
        // still usable.
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > 10_000 {
            windows.retain(|_, (started, _)| now.duration_since(*started) < WINDOW);
        }
        let (started, count) = windows.entry(key).or_insert((now, 0));
        if now.duration_since(*started) >= WINDOW {
            *started = now;
            *count = 0;
        }
        if *count >= self.per_minute {
            let wait = WINDOW.saturating_sub(now.duration_since(*started));
            return Err(wait.as_secs().max(1));
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_window_refuses_until_it_rolls_over() {
        let limiter = RateLimiter::new(2);
        let start = Instant::now();
        assert!(limiter.check(ApiTokenId(1), start).is_ok());
        assert!(limiter.check(ApiTokenId(1), start).is_ok());
        let wait = limiter
            .check(ApiTokenId(1), start + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, 50);
        assert!(
            limiter.check(ApiTokenId(2), start).is_ok(),
            "tokens are counted apart"
        );
        assert!(
            limiter
                .check(ApiTokenId(1), start + Duration::from_secs(61))
                .is_ok()
        );
    }
}
