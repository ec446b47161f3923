//! The contact form and its meta key/value editor, shared by Create Contact and the profile's
//! inline meta edit.
//!
//! "Add field" and "Remove" are submit buttons (`meta_op=add`, `meta_op=remove:2`): the server
//! returns the form with a row more or less, so the editor works the same with htmx and
//! without JavaScript.

use crate::domain::{ContactInput, FieldErrors, MetaRow};
use serde::Deserialize;

/// The posted form, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ContactFormData {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub nick: String,
    #[serde(default)]
    pub preferences: String,
    #[serde(default)]
    pub meta_key: Vec<String>,
    #[serde(default)]
    pub meta_value: Vec<String>,
    /// Set when the user pressed "Add field" or a "Remove" button rather than "Create".
    pub meta_op: Option<String>,
}

impl ContactFormData {
    pub fn into_input(self) -> ContactInput {
        ContactInput {
            meta: rows_from_form(&self.meta_key, &self.meta_value),
            name: self.name,
            description: self.description,
            email: self.email,
            phone: self.phone,
            nick: self.nick,
            preferences: self.preferences,
        }
    }
}

/// Pairs the editor's key and value inputs back into rows.
pub fn rows_from_form(keys: &[String], values: &[String]) -> Vec<MetaRow> {
    let count = keys.len().max(values.len());
    (0..count)
        .map(|i| {
            MetaRow::new(
                keys.get(i).cloned().unwrap_or_default(),
                values.get(i).cloned().unwrap_or_default(),
            )
        })
        .collect()
}

/// Applies "Add field" / "Remove"; returns whether `op` was one of them.
pub fn apply_meta_op(rows: &mut Vec<MetaRow>, op: &str) -> bool {
    if op == "add" {
        rows.push(MetaRow::default());
        return true;
    }
    if let Some(index) = op
        .strip_prefix("remove:")
        .and_then(|i| i.parse::<usize>().ok())
    {
        if index < rows.len() {
            rows.remove(index);
        }
        return true;
    }
    false
}

pub struct MetaRowView {
    pub index: usize,
    pub key: String,
    pub value: String,
    pub key_error: String,
    pub value_error: String,
    pub autofocus: bool,
}

pub struct MetaEditorView {
    pub rows: Vec<MetaRowView>,
    /// A problem with the meta as a whole (too many keys).
    pub error: String,
    pub disabled: bool,
}

impl MetaEditorView {
    /// `focus_last` puts the cursor in the row just added.
    pub fn new(rows: &[MetaRow], errors: &FieldErrors, focus_last: bool) -> Self {
        let last = rows.len().saturating_sub(1);
        MetaEditorView {
            rows: rows
                .iter()
                .enumerate()
                .map(|(index, row)| MetaRowView {
                    index,
                    key: row.key.clone(),
                    value: row.value.clone(),
                    key_error: errors.message(&format!("meta.{index}.key")).to_string(),
                    value_error: errors.message(&format!("meta.{index}.value")).to_string(),
                    autofocus: focus_last && index == last,
                })
                .collect(),
            error: errors.message("meta").to_string(),
            disabled: false,
        }
    }

    pub fn has_errors(&self) -> bool {
        !self.error.is_empty()
            || self
                .rows
                .iter()
                .any(|r| !r.key_error.is_empty() || !r.value_error.is_empty())
    }
}

/// The Create Contact form, with what was typed and what is wrong with it.
pub struct ContactFormView {
    pub input: ContactInput,
    pub errors: FieldErrors,
    pub meta: MetaEditorView,
    pub advanced_open: bool,
    pub action: &'static str,
    /// For the hidden field of the plain (no JavaScript) form.
    pub csrf_token: String,
}

impl ContactFormView {
    pub fn new(
        input: ContactInput,
        errors: FieldErrors,
        focus_last_meta_row: bool,
        csrf_token: String,
    ) -> Self {
        let meta = MetaEditorView::new(&input.meta, &errors, focus_last_meta_row);
        let advanced_open = !input.meta.is_empty() || meta.has_errors();
        ContactFormView {
            input,
            errors,
            meta,
            advanced_open,
            action: super::super::routes::NEW_CONTACT,
            csrf_token,
        }
    }

    /// The problem with `field`, or "".
    pub fn error(&self, field: &str) -> &str {
        self.errors.message(field)
    }

    /// (href, label) of the page the error points to, if any.
    pub fn error_link(&self, field: &str) -> Option<&(String, String)> {
        self.errors.get(field).and_then(|e| e.link.as_ref())
    }

    pub fn error_count(&self) -> usize {
        self.errors.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_pair_up_and_pad() {
        let rows = rows_from_form(&["a".into(), "b".into()], &["1".into()]);
        assert_eq!(rows, vec![MetaRow::new("a", "1"), MetaRow::new("b", "")]);
    }

    #[test]
    fn add_and_remove_rows() {
        let mut rows = vec![MetaRow::new("a", "1"), MetaRow::new("b", "2")];
        assert!(apply_meta_op(&mut rows, "add"));
        assert_eq!(rows.len(), 3);
        assert!(apply_meta_op(&mut rows, "remove:0"));
        assert_eq!(rows[0], MetaRow::new("b", "2"));
        assert!(apply_meta_op(&mut rows, "remove:99"));
        assert_eq!(rows.len(), 2);
        assert!(!apply_meta_op(&mut rows, "explode"));
    }

    #[test]
    fn advanced_options_open_when_meta_needs_attention() {
        let closed = ContactFormView::new(
            ContactInput::default(),
            FieldErrors::new(),
            false,
            String::new(),
        );
        assert!(!closed.advanced_open);
        let input = ContactInput {
            meta: vec![MetaRow::new("k", "v")],
            ..Default::default()
        };
        assert!(
            ContactFormView::new(input, FieldErrors::new(), false, String::new()).advanced_open
        );
    }
}
