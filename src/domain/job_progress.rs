//! What a progress bar says about a background job: how far (done of total), how fast, and
//! how long it should still take, from its counters and how long it has run.

use super::text::group_thousands;
use std::time::Duration;

/// A job's progress in words and numbers, ready to print.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressFigures {
    pub done: u64,
    /// `None` while not known yet (the job is counting its work).
    pub total: Option<u64>,
    /// 0–100, `None` while the total is not known.
    pub percent: Option<u8>,
    /// Units per second so far; `None` before there is anything to measure.
    pub per_second: Option<f64>,
    /// Seconds still to go at that rate.
    pub seconds_left: Option<u64>,
}

/// Below this much elapsed time a rate says nothing.
const MIN_ELAPSED: Duration = Duration::from_millis(200);

/// The figures for `done` of `total` after `elapsed` running.
pub fn figures(done: i64, total: Option<i64>, elapsed: Duration) -> ProgressFigures {
    let done = u64::try_from(done).unwrap_or(0);
    let total = total.and_then(|total| u64::try_from(total).ok());
    // done ≤ total in a sane job; clamped anyway. Nothing to do is all done.
    let percent = total.map(|total| {
        (done.min(total) * 100)
            .checked_div(total)
            .map_or(100, |share| u8::try_from(share).unwrap_or(100))
    });
    let per_second =
        (elapsed >= MIN_ELAPSED && done > 0).then(|| done as f64 / elapsed.as_secs_f64());
    let seconds_left = match (total, per_second) {
        (Some(total), Some(rate)) if rate > 0.0 => {
            Some(((total.saturating_sub(done)) as f64 / rate).ceil() as u64)
        }
        _ => None,
    };
    ProgressFigures {
        done,
        total,
        percent,
        per_second,
        seconds_left,
    }
}

impl ProgressFigures {
    /// "1,200 of 100,000 rows", or "1,200 rows" while the total is not known.
    pub fn done_label(&self, unit: &str) -> String {
        match self.total {
            Some(total) => format!(
                "{} of {} {unit}",
                group_thousands(self.done),
                group_thousands(total)
            ),
            None => format!("{} {unit}", group_thousands(self.done)),
        }
    }

    /// "5,200 rows/s"; empty before there is a rate.
    pub fn rate_label(&self, unit: &str) -> String {
        self.per_second.map_or_else(String::new, |rate| {
            format!("{} {unit}/s", group_thousands(rate.round() as u64))
        })
    }

    /// "about 18 s left"; empty when not known.
    pub fn left_label(&self) -> String {
        self.seconds_left.map_or_else(String::new, |seconds| {
            format!("about {} left", duration_label(seconds))
        })
    }
}

/// "45 s", "2 min 5 s", "1 h 3 min".
pub fn duration_label(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3_600 => match s % 60 {
            0 => format!("{} min", s / 60),
            rest => format!("{} min {rest} s", s / 60),
        },
        s => match (s % 3_600) / 60 {
            0 => format!("{} h", s / 3_600),
            minutes => format!("{} h {minutes} min", s / 3_600),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_and_time_left_follow_from_the_counters() {
        let half = figures(50_000, Some(100_000), Duration::from_secs(2));
        assert_eq!(half.percent, Some(50));
        assert_eq!(half.per_second, Some(25_000.0));
        assert_eq!(half.seconds_left, Some(2));
        assert_eq!(half.done_label("rows"), "50,000 of 100,000 rows");
        assert_eq!(half.rate_label("rows"), "25,000 rows/s");
        assert_eq!(half.left_label(), "about 2 s left");
    }

    #[test]
    fn nothing_is_guessed_without_data() {
        let start = figures(0, None, Duration::ZERO);
        assert_eq!(start.percent, None);
        assert_eq!(start.per_second, None);
        assert_eq!(start.left_label(), "");
        assert_eq!(start.done_label("rows"), "0 rows");
        let too_soon = figures(10, Some(100), Duration::from_millis(10));
        assert_eq!(too_soon.per_second, None);
        assert_eq!(too_soon.percent, Some(10));
        assert_eq!(figures(0, Some(0), Duration::ZERO).percent, Some(100));
        assert_eq!(figures(7, Some(5), Duration::ZERO).percent, Some(100));
        assert_eq!(figures(-3, Some(-1), Duration::ZERO).total, None);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_label(0), "0 s");
        assert_eq!(duration_label(45), "45 s");
        assert_eq!(duration_label(120), "2 min");
        assert_eq!(duration_label(125), "2 min 5 s");
        assert_eq!(duration_label(3_600), "1 h");
        assert_eq!(duration_label(3_780), "1 h 3 min");
    }
}
