//! The Ratings tab's chart: ratings per day over the last 30 days, as the geometry of a small
//! server-rendered SVG.
//!
//! Each day has a slot; thumbs up grow upwards from a middle baseline and thumbs down grow
//! downwards, both on the same scale, so a bad day stands out at a glance. Everything here is
//! integers in SVG user units; the template only prints numbers (and dates), never user text.

use chrono::{Duration, NaiveDate};

/// How many days the chart covers, today included.
pub const CHART_DAYS: u32 = 30;

/// Ratings counted on one day (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCount {
    pub day: NaiveDate,
    pub up: u32,
    pub down: u32,
}

/// The `days` days up to and including `today`, oldest first, with the counts found in
/// `counts` (days missing there count zero; days outside the range are ignored).
pub fn last_days(counts: &[DayCount], today: NaiveDate, days: u32) -> Vec<DayCount> {
    (0..days)
        .rev()
        .map(|back| {
            let day = today - Duration::days(i64::from(back));
            counts.iter().filter(|c| c.day == day).fold(
                DayCount {
                    day,
                    up: 0,
                    down: 0,
                },
                |sum, c| DayCount {
                    day,
                    up: sum.up + c.up,
                    down: sum.down + c.down,
                },
            )
        })
        .collect()
}

// Layout, in SVG user units.
const LEFT: u32 = 28;
/// Room for half of the last date label, centred on the last day.
const RIGHT: u32 = 20;
const TOP: u32 = 8;
const BOTTOM: u32 = 22;
const HALF: u32 = 60;
const SLOT: u32 = 20;
const BAR: u32 = 14;
/// Non-zero counts are never drawn thinner than this, so a single rating stays visible.
const MIN_BAR: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarKind {
    Up,
    Down,
}

impl BarKind {
    pub fn css_class(self) -> &'static str {
        match self {
            BarKind::Up => "bar bar-up",
            BarKind::Down => "bar bar-down",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BarKind::Up => "up",
            BarKind::Down => "down",
        }
    }
}

/// One rectangle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartBar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub kind: BarKind,
    pub day: NaiveDate,
    pub count: u32,
}

impl ChartBar {
    /// The bar's tooltip: "2026-11-20: 3 up".
    pub fn tooltip(&self) -> String {
        format!(
            "{}: {} {}",
            self.day.format("%Y-%m-%d"),
            self.count,
            self.kind.label()
        )
    }
}

/// A date under the axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxisLabel {
    pub x: u32,
    pub text: String,
}

/// Everything the SVG template draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub plot_left: u32,
    pub plot_right: u32,
    pub top_y: u32,
    pub baseline_y: u32,
    pub bottom_y: u32,
    /// The count a full-height bar stands for (at least 1).
    pub scale_max: u32,
    pub bars: Vec<ChartBar>,
    pub labels: Vec<AxisLabel>,
    pub label_y: u32,
    pub up_total: u32,
    pub down_total: u32,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

impl Chart {
    /// Lays out `days` (oldest first, as [`last_days`] gives them).
    pub fn new(days: &[DayCount]) -> Chart {
        let slots = u32::try_from(days.len()).unwrap_or(u32::MAX).max(1);
        let plot_width = slots.saturating_mul(SLOT);
        let baseline_y = TOP + HALF;
        let scale_max = days
            .iter()
            .map(|d| d.up.max(d.down))
            .max()
            .unwrap_or(0)
            .max(1);
        let height_of = |count: u32| -> u32 {
            let scaled = (u64::from(count) * u64::from(HALF) + u64::from(scale_max) / 2)
                / u64::from(scale_max);
            u32::try_from(scaled).unwrap_or(HALF).clamp(MIN_BAR, HALF)
        };
        let mut bars = Vec::new();
        let mut labels = Vec::new();
        for (index, day) in days.iter().enumerate() {
            let slot_x = LEFT + u32::try_from(index).unwrap_or(0) * SLOT;
            let x = slot_x + (SLOT - BAR) / 2;
            if day.up > 0 {
                let height = height_of(day.up);
                bars.push(ChartBar {
                    x,
                    y: baseline_y - height,
                    width: BAR,
                    height,
                    kind: BarKind::Up,
                    day: day.day,
                    count: day.up,
                });
            }
            if day.down > 0 {
                bars.push(ChartBar {
                    x,
                    y: baseline_y,
                    width: BAR,
                    height: height_of(day.down),
                    kind: BarKind::Down,
                    day: day.day,
                    count: day.down,
                });
            }
            // A date every week, counted back from today so the newest day is labelled.
            if (days.len() - 1 - index).is_multiple_of(7) {
                labels.push(AxisLabel {
                    x: slot_x + SLOT / 2,
                    text: day.day.format("%b %-d").to_string(),
                });
            }
        }
        let first_day = days.first().map_or(NaiveDate::MIN, |d| d.day);
        Chart {
            width: LEFT + plot_width + RIGHT,
            height: TOP + 2 * HALF + BOTTOM,
            plot_left: LEFT,
            plot_right: LEFT + plot_width,
            top_y: TOP,
            baseline_y,
            bottom_y: TOP + 2 * HALF,
            scale_max,
            bars,
            labels,
            label_y: TOP + 2 * HALF + BOTTOM - 6,
            up_total: days.iter().map(|d| d.up).sum(),
            down_total: days.iter().map(|d| d.down).sum(),
            first_day,
            last_day: days.last().map_or(first_day, |d| d.day),
        }
    }

    /// The SVG's `<title>`.
    pub fn title(&self) -> String {
        format!("Ratings per day, last {} days", self.days())
    }

    /// The SVG's `<desc>`: the totals in words.
    pub fn description(&self) -> String {
        format!(
            "From {} to {}: {} up and {} down. Each day is one column; thumbs up rise above \
             the middle line, thumbs down hang below it.",
            self.first_day.format("%Y-%m-%d"),
            self.last_day.format("%Y-%m-%d"),
            self.up_total,
            self.down_total
        )
    }

    pub fn days(&self) -> i64 {
        (self.last_day - self.first_day).num_days() + 1
    }

    pub fn is_empty(&self) -> bool {
        self.bars.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn day(s: &str, up: u32, down: u32) -> DayCount {
        DayCount {
            day: date(s),
            up,
            down,
        }
    }

    #[test]
    fn last_days_fill_gaps_and_drop_what_is_out_of_range() {
        let today = date("2026-11-25");
        let days = last_days(
            &[
                day("2026-11-25", 2, 1),
                day("2026-11-20", 0, 3),
                day("2026-10-26", 9, 9), // 31 days ago: outside
                day("2026-11-26", 9, 9), // tomorrow: outside
            ],
            today,
            CHART_DAYS,
        );
        assert_eq!(days.len(), 30);
        assert_eq!(days[0].day, date("2026-10-27"));
        assert_eq!(days[29], day("2026-11-25", 2, 1));
        assert_eq!(days[24], day("2026-11-20", 0, 3));
        assert_eq!(days.iter().map(|d| d.up + d.down).sum::<u32>(), 6);
    }

    #[test]
    fn one_bar_per_non_zero_count_on_a_shared_scale() {
        let today = date("2026-11-25");
        let days = last_days(
            &[
                day("2026-11-25", 4, 1),
                day("2026-11-20", 0, 2),
                day("2026-11-01", 1, 0),
            ],
            today,
            CHART_DAYS,
        );
        let chart = Chart::new(&days);
        assert_eq!(chart.bars.len(), 4);
        assert_eq!(chart.scale_max, 4);
        assert_eq!((chart.up_total, chart.down_total), (5, 3));
        let ups: Vec<_> = chart
            .bars
            .iter()
            .filter(|b| b.kind == BarKind::Up)
            .collect();
        let downs: Vec<_> = chart
            .bars
            .iter()
            .filter(|b| b.kind == BarKind::Down)
            .collect();
        assert_eq!((ups.len(), downs.len()), (2, 2));
        // Up bars stand on the baseline, down bars hang from it.
        for bar in &ups {
            assert_eq!(bar.y + bar.height, chart.baseline_y);
        }
        for bar in &downs {
            assert_eq!(bar.y, chart.baseline_y);
            assert!(bar.y + bar.height <= chart.bottom_y);
        }
        // The biggest count is full height; 1 of 4 is a quarter (rounded).
        let tallest = ups.iter().find(|b| b.count == 4).unwrap();
        assert_eq!(tallest.height, chart.baseline_y - chart.top_y);
        let small = ups.iter().find(|b| b.count == 1).unwrap();
        assert_eq!(small.height, 15);
        // Left to right in date order, inside the plot.
        assert!(chart.bars.windows(2).all(|w| w[0].x <= w[1].x));
        assert!(
            chart
                .bars
                .iter()
                .all(|b| b.x >= chart.plot_left && b.x + b.width <= chart.plot_right)
        );
        assert!(chart.plot_right < chart.width);
        assert_eq!(tallest.tooltip(), "2026-11-25: 4 up");
    }

    #[test]
    fn tiny_counts_stay_visible_and_empty_charts_have_no_bars() {
        let mut counts = vec![day("2026-11-25", 1000, 0)];
        counts.push(day("2026-11-24", 1, 0));
        let chart = Chart::new(&last_days(&counts, date("2026-11-25"), CHART_DAYS));
        assert_eq!(chart.bars[0].height, MIN_BAR);

        let empty = Chart::new(&last_days(&[], date("2026-11-25"), CHART_DAYS));
        assert!(empty.is_empty());
        assert_eq!(empty.scale_max, 1);
        assert_eq!(empty.days(), 30);
        assert!(empty.description().contains("0 up and 0 down"));
    }

    #[test]
    fn dates_are_labelled_weekly_ending_today() {
        let chart = Chart::new(&last_days(&[], date("2026-11-25"), CHART_DAYS));
        let texts: Vec<_> = chart.labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["Oct 28", "Nov 4", "Nov 11", "Nov 18", "Nov 25"]);
        assert_eq!(chart.title(), "Ratings per day, last 30 days");
    }
}
