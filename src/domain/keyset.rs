//! A keyset position for lists ordered newest first by a timestamp, ties broken by id (the
//! Conversations tab by last activity, the Ratings tab by time rated).
//!
//! In URLs it is `?before=<microseconds>_<id>`: readable, and a tampered value only moves the
//! page, since the next page is "rows strictly before this (time, id)".

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeCursor {
    pub at: DateTime<Utc>,
    /// The row's id, of whichever table the list is of (conversations or ratings).
    pub id: i64,
}

impl TimeCursor {
    pub fn new(at: DateTime<Utc>, id: i64) -> Self {
        TimeCursor { at, id }
    }

    pub fn encode(&self) -> String {
        format!("{}_{}", self.at.timestamp_micros(), self.id)
    }

    /// `None` for anything [`TimeCursor::encode`] did not make; callers start from the newest.
    pub fn decode(input: &str) -> Option<TimeCursor> {
        let (micros, id) = input.trim().split_once('_')?;
        let at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        let id = super::ids::parse_positive(id).ok()?;
        Some(TimeCursor { at, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_none() {
        let at = DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap();
        let cursor = TimeCursor::new(at, 42);
        assert_eq!(cursor.encode(), "1764000000123456_42");
        assert_eq!(TimeCursor::decode(&cursor.encode()), Some(cursor));
        for bad in [
            "",
            "42",
            "abc_1",
            "1_abc",
            "1_-3",
            "1_0",
            "99999999999999999999_1",
        ] {
            assert_eq!(TimeCursor::decode(bad), None, "{bad}");
        }
    }
}
