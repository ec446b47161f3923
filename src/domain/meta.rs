//! Custom key/value fields ("meta"), per DESIGN.md §3.
//!
//! In the dashboard, meta is edited as rows of text; the API may store any JSON value. Rows
//! whose text still equals the JSON they were shown as keep their original JSON type, so an
//! edit in the dashboard never silently turns an API's number into a string.

use super::field_errors::FieldErrors;
use serde_json::{Map, Value};

pub const MAX_KEYS: usize = 100;
pub const MAX_KEY_CHARS: usize = 64;
pub const MAX_VALUE_CHARS: usize = 2_000;

/// One row of the key/value editor, exactly as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetaRow {
    pub key: String,
    pub value: String,
}

impl MetaRow {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }

    fn is_blank(&self) -> bool {
        self.key.trim().is_empty() && self.value.trim().is_empty()
    }
}

/// Validated meta: a JSON object with checked keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetaFields(Map<String, Value>);

impl MetaFields {
    /// Wraps an object read from the database (already valid when it was written).
    pub fn from_stored(value: &Value) -> Self {
        Self(value.as_object().cloned().unwrap_or_default())
    }

    /// Validates the editor's rows. Blank rows are ignored; every problem is reported at
    /// once under `meta.{row}.key` / `meta.{row}.value`, or `meta` for the form as a whole.
    pub fn from_rows(rows: &[MetaRow], previous: Option<&MetaFields>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut map = Map::new();
        for (index, row) in rows.iter().enumerate() {
            if row.is_blank() {
                continue;
            }
            let key = row.key.trim();
            if let Err(message) = check_key(key) {
                errors.add(format!("meta.{index}.key"), message);
                continue;
            }
            if map.contains_key(key) {
                errors.add(
                    format!("meta.{index}.key"),
                    format!("\"{key}\" is used twice; keys must be unique."),
                );
                continue;
            }
            let text = row.value.trim();
            if text.chars().count() > MAX_VALUE_CHARS {
                errors.add(
                    format!("meta.{index}.value"),
                    format!("A value can have at most {MAX_VALUE_CHARS} characters."),
                );
                continue;
            }
            let value = previous
                .and_then(|p| p.0.get(key))
                .filter(|old| {
                    !old.is_string() && serde_json::to_string(old).is_ok_and(|json| json == text)
                })
                .cloned()
                .unwrap_or_else(|| Value::String(text.to_string()));
            map.insert(key.to_string(), value);
        }
        if map.len() > MAX_KEYS {
            errors.add(
                "meta",
                format!(
                    "At most {MAX_KEYS} fields are allowed (there are {}).",
                    map.len()
                ),
            );
        }
        errors.into_result().map(|()| Self(map))
    }

    /// Validates meta as the API sends it: a JSON object (`null` means none) whose keys follow
    /// the same rules as the editor's and whose values may be any JSON. Problems are reported
    /// under `meta.{key}`, or `meta` for the object as a whole.
    pub fn from_json(value: &Value) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let map = match value {
            Value::Null => return Ok(Self::default()),
            Value::Object(map) => map,
            _ => {
                errors.add("meta", "Must be an object of keys and values, or null.");
                return Err(errors);
            }
        };
        for key in map.keys() {
            if let Err(message) = check_key(key) {
                errors.add(format!("meta.{key}"), message);
            }
        }
        if map.len() > MAX_KEYS {
            errors.add(
                "meta",
                format!(
                    "At most {MAX_KEYS} fields are allowed (there are {}).",
                    map.len()
                ),
            );
        }
        errors.into_result().map(|()| Self(map.clone()))
    }

    /// Rows for the editor: strings as they are, other JSON as its text.
    pub fn to_rows(&self) -> Vec<MetaRow> {
        self.0
            .iter()
            .map(|(key, value)| MetaRow::new(key.clone(), display_value(value)))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    pub fn to_json(&self) -> Value {
        Value::Object(self.0.clone())
    }

    pub fn into_json(self) -> Value {
        Value::Object(self.0)
    }
}

/// A meta value as text: strings bare, anything else as compact JSON.
pub fn display_value(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Key rules: 1–64 characters of letters, digits, `_`, `.` and `-`, not starting with `_`
/// (leading underscores are kept for Rapport's own future use).
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("Give this value a key.".into());
    }
    if key.chars().count() > MAX_KEY_CHARS {
        return Err(format!(
            "A key can have at most {MAX_KEY_CHARS} characters."
        ));
    }
    if key.starts_with('_') {
        return Err("A key cannot start with _.".into());
    }
    if let Some(bad) = key
        .chars()
        .find(|c| !(c.is_alphanumeric() || "_.-".contains(*c)))
    {
        return Err(format!(
            "A key may contain only letters, digits, _ . and - (not \"{bad}\")."
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_become_an_object_and_blank_rows_are_skipped() {
        let rows = [
            MetaRow::new("plan", " pro "),
            MetaRow::new("", ""),
            MetaRow::new("team", ""),
        ];
        let meta = MetaFields::from_rows(&rows, None).unwrap();
        assert_eq!(meta.to_json(), json!({"plan": "pro", "team": ""}));
    }

    #[test]
    fn every_bad_row_is_reported() {
        let rows = [
            MetaRow::new("_hidden", "x"),
            MetaRow::new("has space", "x"),
            MetaRow::new("", "orphan value"),
            MetaRow::new("ok", "1"),
            MetaRow::new("ok", "2"),
            MetaRow::new("long", "v".repeat(MAX_VALUE_CHARS + 1)),
        ];
        let errors = MetaFields::from_rows(&rows, None).unwrap_err();
        assert!(errors.message("meta.0.key").contains("start with _"));
        assert!(errors.message("meta.1.key").contains("only letters"));
        assert!(
            errors
                .message("meta.2.key")
                .contains("Give this value a key")
        );
        assert!(!errors.has("meta.3.key"));
        assert!(errors.message("meta.4.key").contains("twice"));
        assert!(errors.message("meta.5.value").contains("at most"));
    }

    #[test]
    fn too_many_keys() {
        let rows: Vec<_> = (0..=MAX_KEYS)
            .map(|i| MetaRow::new(format!("k{i}"), "v"))
            .collect();
        let errors = MetaFields::from_rows(&rows, None).unwrap_err();
        assert!(errors.has("meta"));
    }

    #[test]
    fn api_meta_is_an_object_with_checked_keys_and_any_values() {
        let meta =
            MetaFields::from_json(&json!({"score": 42, "tags": ["a"], "crm.id": "A-1"})).unwrap();
        assert_eq!(meta.len(), 3);
        assert!(MetaFields::from_json(&Value::Null).unwrap().is_empty());
        let errors = MetaFields::from_json(&json!({"_private": 1, "bad key": 2})).unwrap_err();
        assert!(errors.message("meta._private").contains("start with _"));
        assert!(errors.message("meta.bad key").contains("only letters"));
        assert!(MetaFields::from_json(&json!([1])).unwrap_err().has("meta"));
        let many: Map<String, Value> = (0..=MAX_KEYS)
            .map(|i| (format!("k{i}"), json!(i)))
            .collect();
        assert!(
            MetaFields::from_json(&Value::Object(many))
                .unwrap_err()
                .has("meta")
        );
    }

    #[test]
    fn key_length_limit() {
        assert!(check_key(&"k".repeat(64)).is_ok());
        assert!(check_key(&"k".repeat(65)).is_err());
        assert!(check_key("crm.id-2_x").is_ok());
    }

    #[test]
    fn unchanged_json_values_keep_their_type() {
        let previous = MetaFields::from_stored(&json!({"score": 42, "tags": ["a"], "name": "x"}));
        let rows = previous.to_rows();
        assert_eq!(rows[1], MetaRow::new("score", "42"));
        let same = MetaFields::from_rows(&rows, Some(&previous)).unwrap();
        assert_eq!(same, previous);
        let edited =
            MetaFields::from_rows(&[MetaRow::new("score", "43")], Some(&previous)).unwrap();
        assert_eq!(edited.to_json(), json!({"score": "43"}));
    }
}
