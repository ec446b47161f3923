//! Ratings of bot messages: what a value means, the Ratings tab's filters and how the summary
//! is worded.
//!
//! ChatBotKit stores +100 for a thumbs up and -100 for a thumbs down, and accepts any integer;
//! here anything above zero counts as positive, below zero as negative, zero as neutral.

use std::str::FromStr;

/// A thumbs up.
pub const UP: i32 = 100;
/// A thumbs down.
pub const DOWN: i32 = -100;

/// What a rating's value says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingKind {
    Up,
    Down,
    Neutral,
}

impl RatingKind {
    pub fn of(value: i32) -> Self {
        match value {
            v if v > 0 => RatingKind::Up,
            v if v < 0 => RatingKind::Down,
            _ => RatingKind::Neutral,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RatingKind::Up => "Up",
            RatingKind::Down => "Down",
            RatingKind::Neutral => "Neutral",
        }
    }

    pub fn css_class(self) -> &'static str {
        match self {
            RatingKind::Up => "rating-up",
            RatingKind::Down => "rating-down",
            RatingKind::Neutral => "rating-neutral",
        }
    }
}

/// "+100", "-40", "0": shown next to the thumb when the value is not a plain ±100.
pub fn value_text(value: i32) -> String {
    if value > 0 {
        format!("+{value}")
    } else {
        value.to_string()
    }
}

/// Whether a plain thumbs up/down (the value needs no mention) or a graded value.
pub fn is_plain_thumb(value: i32) -> bool {
    value == UP || value == DOWN
}

/// The Ratings tab's value filter (`?value=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ValueFilter {
    #[default]
    All,
    Up,
    Down,
}

impl ValueFilter {
    pub const ALL: [ValueFilter; 3] = [ValueFilter::All, ValueFilter::Up, ValueFilter::Down];

    /// The query-string value; empty for the default.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueFilter::All => "",
            ValueFilter::Up => "up",
            ValueFilter::Down => "down",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ValueFilter::All => "Up and down",
            ValueFilter::Up => "Up only",
            ValueFilter::Down => "Down only",
        }
    }
}

impl FromStr for ValueFilter {
    type Err = ();

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        ValueFilter::ALL
            .into_iter()
            .find(|f| f.as_str() == input)
            .ok_or(())
    }
}

/// The Ratings tab's review filter (`?review=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReviewFilter {
    #[default]
    All,
    Unreviewed,
    Reviewed,
}

impl ReviewFilter {
    pub const ALL: [ReviewFilter; 3] = [
        ReviewFilter::All,
        ReviewFilter::Unreviewed,
        ReviewFilter::Reviewed,
    ];

    /// The query-string value; empty for the default.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewFilter::All => "",
            ReviewFilter::Unreviewed => "unreviewed",
            ReviewFilter::Reviewed => "reviewed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewFilter::All => "Reviewed or not",
            ReviewFilter::Unreviewed => "Unreviewed",
            ReviewFilter::Reviewed => "Reviewed",
        }
    }
}

impl FromStr for ReviewFilter {
    type Err = ();

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        ReviewFilter::ALL
            .into_iter()
            .find(|f| f.as_str() == input)
            .ok_or(())
    }
}

/// Which ratings the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RatingFilter {
    pub value: ValueFilter,
    pub review: ReviewFilter,
}

impl RatingFilter {
    /// Reads the query string leniently: anything unknown means "no filter".
    pub fn parse(value: &str, review: &str) -> Self {
        RatingFilter {
            value: value.parse().unwrap_or_default(),
            review: review.parse().unwrap_or_default(),
        }
    }

    pub fn is_filtered(self) -> bool {
        self != RatingFilter::default()
    }
}

/// Share of positive ratings as a whole percentage, `None` without ratings.
pub fn percent_positive(positive: i64, total: i64) -> Option<i64> {
    if total <= 0 {
        return None;
    }
    let positive = positive.clamp(0, total);
    // Round half up, in integers.
    Some((positive * 200 + total) / (total * 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_sign() {
        assert_eq!(RatingKind::of(UP), RatingKind::Up);
        assert_eq!(RatingKind::of(1), RatingKind::Up);
        assert_eq!(RatingKind::of(DOWN), RatingKind::Down);
        assert_eq!(RatingKind::of(-7), RatingKind::Down);
        assert_eq!(RatingKind::of(0), RatingKind::Neutral);
        assert_eq!(value_text(40), "+40");
        assert_eq!(value_text(-40), "-40");
        assert!(is_plain_thumb(100) && is_plain_thumb(-100) && !is_plain_thumb(50));
    }

    #[test]
    fn filters_parse_leniently() {
        assert_eq!(RatingFilter::parse("", ""), RatingFilter::default());
        assert!(!RatingFilter::parse("sideways", "maybe").is_filtered());
        let filter = RatingFilter::parse("down", "unreviewed");
        assert_eq!(filter.value, ValueFilter::Down);
        assert_eq!(filter.review, ReviewFilter::Unreviewed);
        assert!(filter.is_filtered());
        for f in ValueFilter::ALL {
            assert_eq!(f.as_str().parse(), Ok(f));
        }
        for f in ReviewFilter::ALL {
            assert_eq!(f.as_str().parse(), Ok(f));
        }
    }

    #[test]
    fn percentages_round_half_up() {
        assert_eq!(percent_positive(0, 0), None);
        assert_eq!(percent_positive(2, 3), Some(67));
        assert_eq!(percent_positive(1, 3), Some(33));
        assert_eq!(percent_positive(1, 8), Some(13));
        assert_eq!(percent_positive(3, 3), Some(100));
        assert_eq!(percent_positive(0, 5), Some(0));
    }
}
