//! Validation results for forms: every field's problem at once, keyed by the input's name.
//!
//! Validation failures are not `AppError`s: a form that fails comes back with HTTP 422, the
//! values the user typed and these messages next to their fields.

use std::collections::BTreeMap;

/// One problem with one field, optionally pointing at a page that explains it
/// (for example the contact that already has this email).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub message: String,
    pub link: Option<(String, String)>,
}

/// Problems keyed by field name (`email`, `meta.2.key`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem; the first one recorded for a field wins.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_insert(FieldError {
            message: message.into(),
            link: None,
        });
    }

    /// Records a problem that links somewhere (`href`, link text).
    pub fn add_with_link(
        &mut self,
        field: impl Into<String>,
        message: impl Into<String>,
        href: impl Into<String>,
        label: impl Into<String>,
    ) {
        self.0.insert(
            field.into(),
            FieldError {
                message: message.into(),
                link: Some((href.into(), label.into())),
            },
        );
    }

    /// Keeps the value of a per-field check, or records its error and keeps `None`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    pub fn get(&self, field: &str) -> Option<&FieldError> {
        self.0.get(field)
    }

    /// The message for a field, or "" (handy in templates).
    pub fn message(&self, field: &str) -> &str {
        self.0.get(field).map_or("", |e| e.message.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &FieldError)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Every problem on one line, each led by its field: `email: This is not a valid email
    /// address: it has no @. phone: This phone number is too short.` (the API's 422 message).
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|(field, error)| format!("{field}: {}", error.message))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `Ok(())` when nothing was recorded, otherwise the collected errors.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_error_for_a_field_wins() {
        let mut errors = FieldErrors::new();
        errors.add("email", "first");
        errors.add("email", "second");
        assert_eq!(errors.message("email"), "first");
        assert_eq!(errors.message("name"), "");
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn the_summary_names_each_field() {
        let mut errors = FieldErrors::new();
        errors.add("phone", "Too short.");
        errors.add("email", "No @.");
        assert_eq!(errors.summary(), "email: No @. phone: Too short.");
    }

    #[test]
    fn check_keeps_values_and_collects_errors() {
        let mut errors = FieldErrors::new();
        assert_eq!(errors.check("a", Ok::<_, String>(1)), Some(1));
        assert_eq!(errors.check::<i32>("b", Err("bad".into())), None);
        assert!(errors.has("b"));
        assert!(errors.into_result().is_err());
    }
}
