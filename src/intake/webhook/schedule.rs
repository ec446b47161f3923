//! When to try an agent webhook again after a failure: exponential backoff with jitter.
//!
//! After the n-th failed attempt the next one waits `base × 3^(n-1)`, scaled by a random
//! factor between 0.8 and 1.2 so deliveries that failed together (an agent that was down) do
//! not all return at the same instant. With the default base of one minute the waits are about
//! 1, 3, 9, 27 minutes, 1.35, 4 and 12 hours: the eighth and last attempt comes roughly 18
//! hours after the first (up to a day with jitter), after which the delivery is marked failed.

use std::time::Duration;

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: u32 = 8;

/// The first wait, unless `RAPPORT_WEBHOOK_RETRY_BASE_MS` says otherwise.
pub const DEFAULT_BASE: Duration = Duration::from_secs(60);

/// No single wait is longer than this, whatever the base.
const MAX_DELAY: Duration = Duration::from_secs(24 * 60 * 60);

/// How much each wait grows.
const FACTOR: u32 = 3;

/// A retry schedule: the first wait and how many attempts in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySchedule {
    pub base: Duration,
    pub max_attempts: u32,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        RetrySchedule {
            base: DEFAULT_BASE,
            max_attempts: MAX_ATTEMPTS,
        }
    }
}

impl RetrySchedule {
    pub fn with_base(base: Duration) -> Self {
        RetrySchedule {
            base,
            ..RetrySchedule::default()
        }
    }

    /// The wait before the next attempt, after `attempts_made` attempts that all failed, or
    /// `None` when that was the last one. `jitter` is a random number in `[0, 1)`.
    pub fn delay(&self, attempts_made: u32, jitter: f64) -> Option<Duration> {
        if attempts_made == 0 {
            return Some(Duration::ZERO);
        }
        if attempts_made >= self.max_attempts {
            return None;
        }
        let growth = FACTOR.saturating_pow(attempts_made - 1);
        let nominal = self.base.saturating_mul(growth).min(MAX_DELAY);
        let scale = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
        Some(nominal.mul_f64(scale).min(MAX_DELAY))
    }

    /// The nominal (jitter-free) total wait from the first attempt to the last.
    pub fn nominal_span(&self) -> Duration {
        (1..self.max_attempts)
            .filter_map(|n| self.delay(n, 0.5))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_threefold_and_stop_after_the_last_attempt() {
        let schedule = RetrySchedule::default();
        let minutes: Vec<f64> = (1..MAX_ATTEMPTS)
            .map(|n| schedule.delay(n, 0.5).unwrap().as_secs_f64() / 60.0)
            .collect();
        assert_eq!(minutes, [1.0, 3.0, 9.0, 27.0, 81.0, 243.0, 729.0]);
        assert_eq!(schedule.delay(MAX_ATTEMPTS, 0.5), None);
        assert_eq!(schedule.delay(MAX_ATTEMPTS + 5, 0.5), None);
        assert_eq!(schedule.delay(0, 0.5), Some(Duration::ZERO));
        let hours = schedule.nominal_span().as_secs_f64() / 3600.0;
        assert!((18.0..19.0).contains(&hours), "{hours}");
    }

    #[test]
    fn jitter_stays_within_a_fifth_either_way() {
        let schedule = RetrySchedule::with_base(Duration::from_secs(100));
        assert_eq!(schedule.delay(1, 0.0), Some(Duration::from_secs(80)));
        assert_eq!(schedule.delay(1, 1.0), Some(Duration::from_secs(120)));
        assert_eq!(schedule.delay(2, 0.0), Some(Duration::from_secs(240)));
        // Out-of-range jitter is clamped rather than trusted.
        assert_eq!(schedule.delay(1, -3.0), Some(Duration::from_secs(80)));
        assert_eq!(schedule.delay(1, 7.0), Some(Duration::from_secs(120)));
    }

    #[test]
    fn short_bases_for_tests_and_huge_ones_are_capped() {
        let quick = RetrySchedule::with_base(Duration::from_millis(20));
        assert_eq!(quick.delay(3, 0.5), Some(Duration::from_millis(180)));
        let huge = RetrySchedule::with_base(Duration::from_secs(10 * 24 * 3600));
        assert_eq!(huge.delay(7, 1.0), Some(MAX_DELAY));
    }
}
