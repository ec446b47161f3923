//! When a task runs: a cron expression (or none: on demand only) read in an IANA time zone.
//!
//! Parsing and the search for run times are croner's (POSIX/Vixie cron semantics, as the OCPS
//! describes them), over chrono-tz's zone data, so daylight-saving changes come out right: a
//! daily 02:30 in Europe/Berlin runs at 03:00 on the day the clocks skip 02:00–03:00 (the first
//! instant after the gap) and once, not twice, on the day 02:00–03:00 repeats; jobs that run
//! every hour run in both repeated hours. Everything here is pure; "now" is always passed in.
//!
//! [`describe`] says a schedule in words for the common shapes ("Every Monday at 08:30") and
//! gives back the expression itself for the rest, which no wording would make clearer.

use chrono::{DateTime, Utc};
use chrono_tz::{TZ_VARIANTS, Tz};
use croner::Cron;
use croner::errors::CronError;
use croner::parser::{CronParser, Seconds};

/// The longest expression accepted (the column's limit).
pub const MAX_EXPRESSION_CHARS: usize = 200;

/// The zone a task gets when none is given.
pub const DEFAULT_TIMEZONE: &str = "UTC";

/// A valid cron expression, kept in its normal form: fields separated by single spaces.
#[derive(Debug, Clone)]
pub struct Schedule {
    expression: String,
    cron: Cron,
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.expression == other.expression
    }
}

/// The five fields, in order, as a person names them, with what each accepts.
const FIELDS: [(&str, &str); 5] = [
    ("minute", "minutes are 0–59"),
    ("hour", "hours are 0–23"),
    (
        "day-of-month",
        "days of the month are 1–31 (or L for the last)",
    ),
    ("month", "months are 1–12 or JAN–DEC"),
    (
        "day-of-week",
        "days of the week are 0–7 (0 and 7 are Sunday) or SUN–SAT",
    ),
];

/// `@daily` and friends, as croner reads them.
const SHORTCUTS: [(&str, &str); 6] = [
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

fn parser() -> CronParser {
    // Minute granularity: a task scheduler has no business running something every second.
    CronParser::builder().seconds(Seconds::Disallowed).build()
}

impl Schedule {
    /// Reads a schedule as typed. Blank means "on demand" (`Ok(None)`); anything else must be
    /// a five-field cron expression or one of `@hourly`, `@daily`, `@weekly`, `@monthly`,
    /// `@yearly`. The error says which field is wrong and what it accepts.
    pub fn parse(input: &str) -> Result<Option<Schedule>, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        let count = trimmed.chars().count();
        if count > MAX_EXPRESSION_CHARS {
            return Err(format!(
                "Must be at most {MAX_EXPRESSION_CHARS} characters (this is {count})."
            ));
        }
        let fields: Vec<&str> = trimmed.split_whitespace().collect();
        let expression = fields.join(" ");
        if expression.starts_with('@') {
            let known = SHORTCUTS
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case(&expression));
            if !known {
                return Err(format!(
                    "“{expression}” is not a shortcut this scheduler knows; use @hourly, @daily, \
                     @weekly, @monthly or @yearly, or five fields."
                ));
            }
            let expression = expression.to_ascii_lowercase();
            return parser()
                .parse(&expression)
                .map(|cron| Some(Schedule { expression, cron }))
                .map_err(|error| describe_error(&error));
        }
        if fields.len() != 5 {
            return Err(format!(
                "A cron expression has 5 fields: minute, hour, day-of-month, month and \
                 day-of-week, e.g. “0 8 * * 1” for Mondays at 08:00 (this has {}).",
                fields.len()
            ));
        }
        match parser().parse(&expression) {
            Ok(cron) => Ok(Some(Schedule { expression, cron })),
            Err(error) => Err(field_error(&fields).unwrap_or_else(|| describe_error(&error))),
        }
    }

    /// The expression in its normal form, as stored.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The first run strictly after `after`, reading the expression in `zone`; `None` when
    /// the expression never comes round (31 February).
    pub fn next_after(&self, zone: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_next_occurrence(&after.with_timezone(&zone), false)
            .ok()
            .map(|next| next.with_timezone(&Utc))
    }

    /// The last run strictly before `before`.
    pub fn previous_before(&self, zone: Tz, before: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_previous_occurrence(&before.with_timezone(&zone), false)
            .ok()
            .map(|previous| previous.with_timezone(&Utc))
    }

    /// The next `count` runs after `after`, in `zone`.
    pub fn upcoming(&self, zone: Tz, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Tz>> {
        let mut runs = Vec::with_capacity(count);
        let mut cursor = after;
        while runs.len() < count {
            let Some(next) = self.next_after(zone, cursor) else {
                break;
            };
            runs.push(next.with_timezone(&zone));
            cursor = next;
        }
        runs
    }

    /// The schedule in words, or the expression when no wording would be clearer.
    pub fn describe(&self) -> String {
        describe(&self.expression)
    }
}

/// Finds the field croner objects to by trying each one alone, so the message can name it.
fn field_error(fields: &[&str]) -> Option<String> {
    fields.iter().enumerate().find_map(|(index, field)| {
        let probe: Vec<&str> = (0..fields.len())
            .map(|i| if i == index { *field } else { "*" })
            .collect();
        let error = parser().parse(&probe.join(" ")).err()?;
        let (name, accepts) = FIELDS.get(index)?;
        let reason = match &error {
            CronError::ComponentError(message) if message.contains("out of bounds") => {
                format!("{accepts}.")
            }
            CronError::IllegalCharacters(_) => {
                format!("use numbers, names, * , - / (and L W # in the day fields); {accepts}.")
            }
            other => describe_error(other),
        };
        Some(format!("The {name} field “{field}” is not valid: {reason}"))
    })
}

/// croner's message, as a sentence for people.
fn describe_error(error: &CronError) -> String {
    match error {
        CronError::ComponentError(message)
        | CronError::InvalidPattern(message)
        | CronError::IllegalCharacters(message) => {
            let message = message.trim().trim_end_matches('.');
            format!("Not a valid cron expression: {message}.")
        }
        other => format!("Not a valid cron expression: {other}."),
    }
}

/// Reads an IANA time zone name ("Europe/Berlin"), ignoring case; blank means UTC. The zone
/// comes back under its proper name.
pub fn parse_timezone(input: &str) -> Result<Tz, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(Tz::UTC);
    }
    if let Ok(zone) = trimmed.parse::<Tz>() {
        return Ok(zone);
    }
    TZ_VARIANTS
        .iter()
        .find(|zone| zone.name().eq_ignore_ascii_case(trimmed))
        .copied()
        .ok_or_else(|| {
            format!(
                "“{trimmed}” is not a time zone this server knows. Use an IANA name such as \
                 Europe/Berlin, America/New_York or UTC."
            )
        })
}

/// Every zone name, for the form's suggestions.
pub fn timezone_names() -> impl Iterator<Item = &'static str> {
    TZ_VARIANTS.iter().map(|zone| zone.name())
}

/// A validated schedule in its zone: what a task needs to know when it runs next.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    /// `None`: on demand only.
    pub schedule: Option<Schedule>,
    pub zone: Tz,
}

impl Timing {
    /// Reads the stored form; a stored value that no longer parses counts as on demand.
    pub fn from_stored(schedule: Option<&str>, timezone: &str) -> Timing {
        Timing {
            schedule: schedule.and_then(|s| Schedule::parse(s).ok().flatten()),
            zone: parse_timezone(timezone).unwrap_or(Tz::UTC),
        }
    }

    /// When the task should next run if it is waiting now: `None` for on demand tasks.
    pub fn next_after(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule
            .as_ref()
            .and_then(|schedule| schedule.next_after(self.zone, now))
    }

    /// "On demand", or the schedule in words.
    pub fn describe(&self) -> String {
        self.schedule
            .as_ref()
            .map_or_else(|| "On demand".to_string(), Schedule::describe)
    }
}

/// "2026-03-29 03:00 CEST": a run time on the task's own clock, with the zone's abbreviation
/// (which says whether summer time applies).
pub fn local_time(time: DateTime<Utc>, zone: Tz) -> String {
    time.with_timezone(&zone)
        .format("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A schedule in words: "Every day at 09:00", "Every Monday at 08:30", "At minute 15 of
/// every hour", "Every weekday at 09:00", "Every month on the 1st at 00:00". Expressions
/// with no plain wording come back as they are.
pub fn describe(expression: &str) -> String {
    describe_known(expression).unwrap_or_else(|| expression.trim().to_string())
}

fn describe_known(expression: &str) -> Option<String> {
    let trimmed = expression.trim();
    let expanded = SHORTCUTS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(trimmed))
        .map_or(trimmed, |(_, fields)| *fields);
    let fields: Vec<&str> = expanded.split_whitespace().collect();
    let [minute, hour, day, month, weekday] = fields.as_slice() else {
        return None;
    };
    let any = |field: &str| field == "*" || field == "?";
    let every_day = any(day) && any(month) && any(weekday);

    if any(minute) && any(hour) && every_day {
        return Some("Every minute".into());
    }
    if let Some(step) = minute
        .strip_prefix("*/")
        .and_then(|s| s.parse::<u32>().ok())
    {
        if any(hour) && every_day && (1..60).contains(&step) {
            return Some(if step == 1 {
                "Every minute".into()
            } else {
                format!("Every {step} minutes")
            });
        }
        return None;
    }
    let minute = number(minute, 0, 59)?;
    if any(hour) && every_day {
        return Some(if minute == 0 {
            "Every hour, on the hour".into()
        } else {
            format!("At minute {minute} of every hour")
        });
    }
    if let Some(step) = hour.strip_prefix("*/").and_then(|s| s.parse::<u32>().ok()) {
        if every_day && (2..24).contains(&step) {
            return Some(if minute == 0 {
                format!("Every {step} hours, on the hour")
            } else {
                format!("Every {step} hours at minute {minute}")
            });
        }
        return None;
    }
    let hours = numbers(hour, 0, 23)?;
    let times = join_words(
        &hours
            .iter()
            .map(|h| format!("{h:02}:{minute:02}"))
            .collect::<Vec<_>>(),
    );
    if every_day {
        return Some(format!("Every day at {times}"));
    }
    if any(day) && any(month) {
        let days = weekdays(weekday)?;
        return Some(format!("{} at {times}", weekdays_words(&days)));
    }
    if !any(weekday) {
        return None;
    }
    let day_words = if day.eq_ignore_ascii_case("L") {
        "the last day".to_string()
    } else {
        ordinal(number(day, 1, 31)?)
    };
    if any(month) {
        return Some(format!("Every month on {day_words} at {times}"));
    }
    let month = month_number(month)?;
    let month_name = MONTHS.get(month as usize - 1)?;
    if day.eq_ignore_ascii_case("L") {
        return Some(format!(
            "Every year on the last day of {month_name} at {times}"
        ));
    }
    Some(format!(
        "Every year on {} {month_name} at {times}",
        number(day, 1, 31)?
    ))
}

fn number(field: &str, min: u32, max: u32) -> Option<u32> {
    field
        .parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
}

/// A plain list of numbers ("9", "9,17"), ascending and without repeats.
fn numbers(field: &str, min: u32, max: u32) -> Option<Vec<u32>> {
    let mut values = field
        .split(',')
        .map(|part| number(part, min, max))
        .collect::<Option<Vec<_>>>()?;
    values.sort_unstable();
    values.dedup();
    (!values.is_empty() && values.len() <= 4).then_some(values)
}

/// Days of the week as 0 (Sunday) to 6, from a list of numbers, names and simple ranges.
fn weekdays(field: &str) -> Option<Vec<u32>> {
    let mut days = Vec::new();
    for part in field.split(',') {
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (weekday(from)?, weekday(to)?);
                // 5-7 reads "Friday to Sunday"; ranges that wrap are left to the expression.
                let to = if to == 0 && from > 0 { 7 } else { to };
                if from > to {
                    return None;
                }
                days.extend((from..=to).map(|d| d % 7));
            }
            None => days.push(weekday(part)?),
        }
    }
    days.sort_unstable();
    days.dedup();
    (!days.is_empty()).then_some(days)
}

fn weekday(field: &str) -> Option<u32> {
    if let Some(n) = number(field, 0, 7) {
        return Some(n % 7);
    }
    WEEKDAYS
        .iter()
        .position(|name| name[..3].eq_ignore_ascii_case(field))
        .map(|i| i as u32)
}

fn month_number(field: &str) -> Option<u32> {
    if let Some(n) = number(field, 1, 12) {
        return Some(n);
    }
    MONTHS
        .iter()
        .position(|name| name[..3].eq_ignore_ascii_case(field))
        .map(|i| i as u32 + 1)
}

fn weekdays_words(days: &[u32]) -> String {
    match days {
        [1, 2, 3, 4, 5] => "Every weekday (Monday to Friday)".into(),
        [0, 6] => "Every Saturday and Sunday".into(),
        [0, 1, 2, 3, 4, 5, 6] => "Every day".into(),
        _ => format!(
            "Every {}",
            join_words(
                &days
                    .iter()
                    .filter_map(|d| WEEKDAYS.get(*d as usize))
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
            )
        ),
    }
}

/// "a", "a and b", "a, b and c".
fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// 1 → "the 1st", 22 → "the 22nd".
fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("the {n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn schedule(expression: &str) -> Schedule {
        Schedule::parse(expression).unwrap().unwrap()
    }

    fn berlin() -> Tz {
        parse_timezone("Europe/Berlin").unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn blank_means_on_demand_and_spacing_is_normalised() {
        assert_eq!(Schedule::parse("   ").unwrap(), None);
        assert_eq!(schedule("  0   8 * *  1 ").expression(), "0 8 * * 1");
        assert_eq!(schedule("@Daily").expression(), "@daily");
    }

    #[test]
    fn invalid_expressions_name_the_field_and_what_it_accepts() {
        let error = Schedule::parse("0 25 * * *").unwrap_err();
        assert!(error.contains("hour field “25”"), "{error}");
        assert!(error.contains("0–23"), "{error}");
        let error = Schedule::parse("61 * * * *").unwrap_err();
        assert!(error.contains("minute field"), "{error}");
        let error = Schedule::parse("0 9 * * funday").unwrap_err();
        assert!(error.contains("day-of-week field “funday”"), "{error}");
        let error = Schedule::parse("0 9 * 13 *").unwrap_err();
        assert!(error.contains("month field"), "{error}");
        let error = Schedule::parse("every monday").unwrap_err();
        assert!(
            error.contains("5 fields") && error.contains("this has 2"),
            "{error}"
        );
        let error = Schedule::parse("* * * * * *").unwrap_err();
        assert!(error.contains("this has 6"), "{error}");
        let error = Schedule::parse("@reboot").unwrap_err();
        assert!(error.contains("@daily"), "{error}");
        let error = Schedule::parse("0/5 * * * *").unwrap_err();
        assert!(error.contains("minute field “0/5”"), "{error}");
        let long = format!("0 {} * * *", "1,".repeat(120));
        assert!(Schedule::parse(&long).unwrap_err().contains("at most 200"));
    }

    #[test]
    fn an_expression_that_never_comes_round_has_no_next_run() {
        let never = schedule("0 0 31 2 *");
        assert_eq!(never.next_after(Tz::UTC, utc(2026, 1, 1, 0, 0)), None);
        assert!(never.upcoming(Tz::UTC, utc(2026, 1, 1, 0, 0), 3).is_empty());
    }

    #[test]
    fn time_zones_are_read_ignoring_case_and_blank_is_utc() {
        assert_eq!(
            parse_timezone("Europe/Berlin").unwrap().name(),
            "Europe/Berlin"
        );
        assert_eq!(
            parse_timezone(" america/new_york ").unwrap().name(),
            "America/New_York"
        );
        assert_eq!(parse_timezone("").unwrap(), Tz::UTC);
        let error = parse_timezone("Europe/Berln").unwrap_err();
        assert!(
            error.contains("“Europe/Berln”") && error.contains("IANA"),
            "{error}"
        );
        assert!(parse_timezone("CEST+2").is_err());
        assert!(timezone_names().any(|name| name == "Asia/Kolkata"));
    }

    #[test]
    fn next_runs_follow_the_zones_clock() {
        // 08:00 in London is 08:00 UTC in winter and 07:00 UTC in summer.
        let weekly = schedule("0 8 * * 1");
        let london = parse_timezone("Europe/London").unwrap();
        assert_eq!(
            weekly.next_after(london, utc(2026, 1, 7, 12, 0)),
            Some(utc(2026, 1, 12, 8, 0))
        );
        assert_eq!(
            weekly.next_after(london, utc(2026, 7, 1, 12, 0)),
            Some(utc(2026, 7, 6, 7, 0))
        );
        // Strictly after: a run exactly now is not the next one.
        assert_eq!(
            weekly.next_after(london, utc(2026, 1, 12, 8, 0)),
            Some(utc(2026, 1, 19, 8, 0))
        );
        assert_eq!(
            weekly.previous_before(london, utc(2026, 1, 14, 0, 0)),
            Some(utc(2026, 1, 12, 8, 0))
        );
    }

    #[test]
    fn a_daily_run_in_the_spring_gap_moves_to_the_first_instant_after_it() {
        // Europe/Berlin skips 02:00–03:00 on 29 March 2026.
        let runs = schedule("30 2 * * *").upcoming(berlin(), utc(2026, 3, 27, 12, 0), 4);
        let utc_runs: Vec<_> = runs.iter().map(|r| r.with_timezone(&Utc)).collect();
        assert_eq!(
            utc_runs,
            [
                utc(2026, 3, 28, 1, 30), // 02:30 CET
                utc(2026, 3, 29, 1, 0),  // 03:00 CEST: 02:30 does not exist that day
                utc(2026, 3, 30, 0, 30), // 02:30 CEST
                utc(2026, 3, 31, 0, 30),
            ]
        );
        assert_eq!(
            local_time(utc_runs[1], berlin()),
            "Sun 2026-03-29 03:00 CEST"
        );
    }

    #[test]
    fn a_daily_run_in_the_autumn_overlap_runs_once() {
        // 02:00–03:00 happens twice on 25 October 2026 in Berlin.
        let runs = schedule("30 2 * * *").upcoming(berlin(), utc(2026, 10, 24, 12, 0), 3);
        let utc_runs: Vec<_> = runs.iter().map(|r| r.with_timezone(&Utc)).collect();
        assert_eq!(
            utc_runs,
            [
                utc(2026, 10, 25, 0, 30), // 02:30 CEST, the first of the two
                utc(2026, 10, 26, 1, 30), // 02:30 CET
                utc(2026, 10, 27, 1, 30),
            ]
        );
    }

    #[test]
    fn an_hourly_run_happens_in_both_repeated_hours() {
        let runs = schedule("15 * * * *").upcoming(berlin(), utc(2026, 10, 24, 23, 0), 4);
        let utc_runs: Vec<_> = runs.iter().map(|r| r.with_timezone(&Utc)).collect();
        assert_eq!(
            utc_runs,
            [
                utc(2026, 10, 24, 23, 15), // 01:15 CEST
                utc(2026, 10, 25, 0, 15),  // 02:15 CEST
                utc(2026, 10, 25, 1, 15),  // 02:15 CET
                utc(2026, 10, 25, 2, 15),  // 03:15 CET
            ]
        );
    }

    #[test]
    fn timing_of_stored_values() {
        let timing = Timing::from_stored(Some("0 9 * * *"), "Asia/Tokyo");
        assert_eq!(timing.describe(), "Every day at 09:00");
        assert_eq!(
            timing.next_after(utc(2026, 5, 1, 0, 0)),
            Some(utc(2026, 5, 1, 0, 0) + chrono::Duration::days(1))
        );
        let on_demand = Timing::from_stored(None, "UTC");
        assert_eq!(on_demand.describe(), "On demand");
        assert_eq!(on_demand.next_after(utc(2026, 5, 1, 0, 0)), None);
        // Whatever is in the database, reading it never fails.
        let broken = Timing::from_stored(Some("nonsense"), "Mars/Olympus");
        assert_eq!((broken.schedule, broken.zone), (None, Tz::UTC));
    }

    #[test]
    fn common_schedules_in_words() {
        let cases = [
            ("0 9 * * *", "Every day at 09:00"),
            ("30 8 * * 1", "Every Monday at 08:30"),
            ("30 8 * * mon", "Every Monday at 08:30"),
            ("15 * * * *", "At minute 15 of every hour"),
            ("0 * * * *", "Every hour, on the hour"),
            ("@hourly", "Every hour, on the hour"),
            ("* * * * *", "Every minute"),
            ("*/5 * * * *", "Every 5 minutes"),
            ("0 */6 * * *", "Every 6 hours, on the hour"),
            ("30 */2 * * *", "Every 2 hours at minute 30"),
            ("0 9,17 * * *", "Every day at 09:00 and 17:00"),
            ("0 9 * * 1-5", "Every weekday (Monday to Friday) at 09:00"),
            (
                "0 9 * * MON-FRI",
                "Every weekday (Monday to Friday) at 09:00",
            ),
            ("0 10 * * 6,0", "Every Saturday and Sunday at 10:00"),
            ("0 10 * * 6-7", "Every Saturday and Sunday at 10:00"),
            (
                "0 9 * * 1,3,5",
                "Every Monday, Wednesday and Friday at 09:00",
            ),
            ("0 7 * * 7", "Every Sunday at 07:00"),
            ("0 0 1 * *", "Every month on the 1st at 00:00"),
            ("@monthly", "Every month on the 1st at 00:00"),
            ("0 12 22 * *", "Every month on the 22nd at 12:00"),
            ("0 18 L * *", "Every month on the last day at 18:00"),
            ("0 0 1 1 *", "Every year on 1 January at 00:00"),
            ("@weekly", "Every Sunday at 00:00"),
            ("0 9 15 mar *", "Every year on 15 March at 09:00"),
        ];
        for (expression, words) in cases {
            assert_eq!(describe(expression), words, "{expression}");
        }
    }

    #[test]
    fn complex_schedules_fall_back_to_the_expression() {
        for expression in [
            "0 9-17 * * *",
            "0 9 1 * 1",
            "0 9 * * 5#L",
            "*/5 9-17 * * 1-5",
            "0 9 */2 * *",
            "0 9 * * 5-1",
        ] {
            assert_eq!(describe(expression), expression);
        }
    }

    #[test]
    fn ordinals() {
        let words: Vec<_> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            words,
            [
                "the 1st", "the 2nd", "the 3rd", "the 4th", "the 11th", "the 12th", "the 13th",
                "the 21st", "the 22nd", "the 23rd", "the 31st"
            ]
        );
    }
}
