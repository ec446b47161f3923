//! The task form: what a person typed, and the task it describes once every field is valid.

use super::field_errors::FieldErrors;
use super::schedule::{Schedule, Timing, parse_timezone};
use super::text::{optional_line, optional_text};

pub const NAME_MAX_CHARS: usize = 200;
pub const DESCRIPTION_MAX_CHARS: usize = 2_000;

/// The form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskInput {
    pub name: String,
    pub description: String,
    pub schedule: String,
    pub timezone: String,
}

/// A task that passed validation: text trimmed, schedule in normal form, zone by its proper
/// name.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDraft {
    pub name: String,
    pub description: Option<String>,
    pub timing: Timing,
}

impl TaskDraft {
    /// The schedule as stored: `None` for on demand.
    pub fn schedule_expression(&self) -> Option<String> {
        self.timing
            .schedule
            .as_ref()
            .map(|s| s.expression().to_string())
    }

    pub fn timezone_name(&self) -> &'static str {
        self.timing.zone.name()
    }
}

impl TaskInput {
    /// Validates every field; the errors are keyed by input name.
    pub fn validate(&self) -> Result<TaskDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = match optional_line(&self.name, NAME_MAX_CHARS) {
            Ok(Some(name)) => Some(name),
            Ok(None) => {
                errors.add("name", "Give the task a name, e.g. “Send weekly summary”.");
                None
            }
            Err(message) => {
                errors.add("name", message);
                None
            }
        };
        let description = errors.check(
            "description",
            optional_text(&self.description, DESCRIPTION_MAX_CHARS),
        );
        let schedule = errors.check("schedule", Schedule::parse(&self.schedule));
        let zone = errors.check("timezone", parse_timezone(&self.timezone));
        match (name, description, schedule, zone) {
            (Some(name), Some(description), Some(schedule), Some(zone)) if errors.is_empty() => {
                Ok(TaskDraft {
                    name,
                    description,
                    timing: Timing { schedule, zone },
                })
            }
            _ => Err(errors),
        }
    }

    /// Validates only what decides the run times (for the live preview).
    pub fn validate_timing(&self) -> Result<Timing, FieldErrors> {
        let mut errors = FieldErrors::new();
        let schedule = errors.check("schedule", Schedule::parse(&self.schedule));
        let zone = errors.check("timezone", parse_timezone(&self.timezone));
        match (schedule, zone) {
            (Some(schedule), Some(zone)) => Ok(Timing { schedule, zone }),
            _ => Err(errors),
        }
    }
}

/// Refuses a schedule that never comes round (31 February): a task that can never run is a
/// mistake, not a plan.
pub fn check_runs_at_all(
    draft: &TaskDraft,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), FieldErrors> {
    if draft.timing.schedule.is_some() && draft.timing.next_after(now).is_none() {
        let mut errors = FieldErrors::new();
        errors.add(
            "schedule",
            "This schedule never comes round (no such date, e.g. 31 February); check the day \
             and month fields.",
        );
        return Err(errors);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn input(name: &str, schedule: &str, timezone: &str) -> TaskInput {
        TaskInput {
            name: name.into(),
            description: String::new(),
            schedule: schedule.into(),
            timezone: timezone.into(),
        }
    }

    #[test]
    fn a_valid_task() {
        let draft = input("  Weekly summary ", " 0 8 * * 1", "europe/london")
            .validate()
            .unwrap();
        assert_eq!(draft.name, "Weekly summary");
        assert_eq!(draft.description, None);
        assert_eq!(draft.schedule_expression().as_deref(), Some("0 8 * * 1"));
        assert_eq!(draft.timezone_name(), "Europe/London");
        assert!(check_runs_at_all(&draft, Utc::now()).is_ok());
    }

    #[test]
    fn on_demand_in_utc_by_default() {
        let draft = input("Follow up", "", "").validate().unwrap();
        assert_eq!(draft.schedule_expression(), None);
        assert_eq!(draft.timezone_name(), "UTC");
    }

    #[test]
    fn every_problem_at_once() {
        let errors = input(" ", "0 25 * * *", "Nowhere/Special")
            .validate()
            .unwrap_err();
        assert!(errors.has("name"));
        assert!(errors.message("schedule").contains("hour"));
        assert!(errors.message("timezone").contains("Nowhere/Special"));
        let errors = input("a\nb", "", "UTC").validate().unwrap_err();
        assert!(errors.message("name").contains("single line"));
        let long = TaskInput {
            description: "x".repeat(2_001),
            ..input("ok", "", "")
        };
        assert!(long.validate().unwrap_err().has("description"));
    }

    #[test]
    fn a_schedule_that_never_runs_is_refused() {
        let draft = input("Never", "0 0 30 2 *", "UTC").validate().unwrap();
        let errors = check_runs_at_all(&draft, Utc::now()).unwrap_err();
        assert!(errors.message("schedule").contains("never"));
    }

    #[test]
    fn timing_alone_for_the_preview() {
        assert!(input("", "0 9 * * *", "UTC").validate_timing().is_ok());
        let errors = input("", "0 9 * *", "Mars").validate_timing().unwrap_err();
        assert!(errors.has("schedule") && errors.has("timezone"));
    }
}
