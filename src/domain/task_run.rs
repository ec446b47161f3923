//! How an agent reports a task run: the outcome, and optionally a few words about it.

use super::text::optional_text;

/// The longest run report kept, in characters (as long as a memory).
pub const MAX_REPORT_CHARS: usize = 10_000;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    Success,
    Failure,
}

impl RunOutcome {
    /// `"success"` or `"failure"`, as stored and as the API names them.
    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Success => "success",
            RunOutcome::Failure => "failure",
        }
    }

    /// Reads an outcome; anything else (or nothing) gets a message saying what is accepted.
    pub fn parse(input: Option<&str>) -> Result<RunOutcome, String> {
        match input.map(str::trim) {
            Some("success") => Ok(RunOutcome::Success),
            Some("failure") => Ok(RunOutcome::Failure),
            Some(other) => Err(format!(
                "“{other}” is not an outcome: use \"success\" or \"failure\"."
            )),
            None => Err("Say how the run ended: \"success\" or \"failure\".".into()),
        }
    }
}

/// Trims a run report; blank means none.
pub fn validate_report(input: Option<&str>) -> Result<Option<String>, String> {
    input.map_or(Ok(None), |text| optional_text(text, MAX_REPORT_CHARS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes() {
        assert_eq!(RunOutcome::parse(Some("success")), Ok(RunOutcome::Success));
        assert_eq!(
            RunOutcome::parse(Some(" failure ")),
            Ok(RunOutcome::Failure)
        );
        assert!(
            RunOutcome::parse(Some("pending"))
                .unwrap_err()
                .contains("“pending”")
        );
        assert!(RunOutcome::parse(Some("Success")).is_err());
        assert!(RunOutcome::parse(None).unwrap_err().contains("success"));
    }

    #[test]
    fn reports() {
        assert_eq!(validate_report(None), Ok(None));
        assert_eq!(validate_report(Some("  ")), Ok(None));
        assert_eq!(
            validate_report(Some(" Sent 3 emails\n")),
            Ok(Some("Sent 3 emails".into()))
        );
        assert!(
            validate_report(Some(&"x".repeat(MAX_REPORT_CHARS + 1)))
                .unwrap_err()
                .contains("10,000")
        );
    }
}
