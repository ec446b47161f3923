//! A space's name and description as typed into the create or rename form, validated.

use super::FieldErrors;
use super::text::{optional_line, optional_text};

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;

/// The form as typed (kept as is for a re-render).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpaceInput {
    pub name: String,
    pub description: String,
}

/// A valid name (required, one line, ≤ 200 characters) and description (≤ 2,000).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceDraft {
    pub name: String,
    pub description: Option<String>,
}

impl SpaceInput {
    /// Every field's problem at once, keyed `name` and `description`.
    pub fn validate(&self) -> Result<SpaceDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors
            .check("name", optional_line(&self.name, MAX_NAME_CHARS))
            .flatten();
        if name.is_none() && !errors.has("name") {
            errors.add("name", "Give the space a name.");
        }
        let description = errors
            .check(
                "description",
                optional_text(&self.description, MAX_DESCRIPTION_CHARS),
            )
            .flatten();
        errors.into_result()?;
        Ok(SpaceDraft {
            name: name.unwrap_or_default(),
            description,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, description: &str) -> SpaceInput {
        SpaceInput {
            name: name.into(),
            description: description.into(),
        }
    }

    #[test]
    fn a_name_is_required_and_trimmed() {
        let draft = input("  Contracts ", "").validate().unwrap();
        assert_eq!(draft.name, "Contracts");
        assert_eq!(draft.description, None);
        let errors = input("   ", "").validate().unwrap_err();
        assert_eq!(errors.message("name"), "Give the space a name.");
    }

    #[test]
    fn every_problem_is_reported() {
        let errors = input(&"n".repeat(201), &"d".repeat(2_001))
            .validate()
            .unwrap_err();
        assert!(errors.message("name").contains("at most 200"));
        assert!(errors.message("description").contains("at most 2,000"));
        assert!(input("a\nb", "").validate().is_err());
    }
}
