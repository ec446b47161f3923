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

    /// Validates meta sent to the API: a JSON object whose keys follow [`check_key`] (not
    /// trimmed: what the caller sent is what gets stored) and whose values may be any JSON.
    /// Problems are keyed `meta.KEY`, or `meta` for the object as a whole.
    pub fn from_api(value: &Value) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let Some(object) = value.as_object() else {
            errors.add("meta", "Must be an object of key/value pairs.");
            return Err(errors);
        };
        for key in object.keys() {
            if let Err(message) = check_key(key) {
                errors.add(format!("meta.{key}"), message);
            }
        }
        Self::check_count(object.len(), &mut errors);
        errors.into_result().map(|()| Self(object.clone()))
    }

    /// This meta with `update`'s keys set over it (a shallow merge, as ChatBotKit's
    /// `{"$update": {...}}` does), still within [`MAX_KEYS`].
    pub fn merged(&self, update: &MetaFields) -> Result<Self, FieldErrors> {
        let mut map = self.0.clone();
        for (key, value) in &update.0 {
            map.insert(key.clone(), value.clone());
        }
        let mut errors = FieldErrors::new();
        Self::check_count(map.len(), &mut errors);
        errors.into_result().map(|()| Self(map))
    }

    /// This meta with the keys it lacks taken from `other`; nothing it has changes. Keys
    /// beyond [`MAX_KEYS`] are not added.
    pub fn with_missing_from(&self, other: &MetaFields) -> Self {
        let mut map = self.0.clone();
        for (key, value) in &other.0 {
            if map.len() >= MAX_KEYS {
                break;
            }
            if !map.contains_key(key) {
                map.insert(key.clone(), value.clone());
            }
        }
        Self(map)
    }

    fn check_count(count: usize, errors: &mut FieldErrors) {
        if count > MAX_KEYS {
            errors.add(
                "meta",
                format!("At most {MAX_KEYS} fields are allowed (there are {count})."),
            );
        }
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

/// What the API asks to do with a contact's meta: replace it, or (sent as
/// `{"$update": {...}}`) merge into it.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaChange {
    Replace(MetaFields),
    Merge(MetaFields),
}

/// The key that turns a meta object into a merge.
pub const MERGE_KEY: &str = "$update";

impl MetaChange {
    /// Reads the API's `meta` (not `null`, which the caller handles).
    pub fn from_api(value: &Value) -> Result<Self, FieldErrors> {
        match value.as_object().and_then(|o| o.get(MERGE_KEY).map(|u| (o, u))) {
            Some((object, update)) if object.len() == 1 => {
                MetaFields::from_api(update).map(MetaChange::Merge)
            }
            Some(_) => {
                let mut errors = FieldErrors::new();
                errors.add(
                    "meta",
                    format!("{MERGE_KEY} must be the only key when it is used (send {{\"{MERGE_KEY}\": {{…}}}})."),
                );
                Err(errors)
            }
            None => MetaFields::from_api(value).map(MetaChange::Replace),
        }
    }

    /// The meta that results for a contact whose meta is `current`.
    pub fn apply(&self, current: &MetaFields) -> Result<MetaFields, FieldErrors> {
        match self {
            MetaChange::Replace(meta) => Ok(meta.clone()),
            MetaChange::Merge(update) => current.merged(update),
        }
    }

    /// The fields sent, whether they replace or merge.
    pub fn fields(&self) -> &MetaFields {
        match self {
            MetaChange::Replace(meta) | MetaChange::Merge(meta) => meta,
        }
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
    fn key_length_limit() {
        assert!(check_key(&"k".repeat(64)).is_ok());
        assert!(check_key(&"k".repeat(65)).is_err());
        assert!(check_key("crm.id-2_x").is_ok());
    }

    #[test]
    fn api_meta_takes_any_json_values_but_checks_keys() {
        let meta =
            MetaFields::from_api(&json!({"score": 42, "tags": ["a"], "crm.id": "A-1"})).unwrap();
        assert_eq!(meta.len(), 3);
        assert_eq!(meta.as_map()["score"], json!(42));
        let errors = MetaFields::from_api(&json!({"_hidden": 1, "has space": 2, "ok": 3}))
            .unwrap_err();
        assert!(errors.message("meta._hidden").contains("start with _"));
        assert!(errors.message("meta.has space").contains("only letters"));
        assert!(!errors.has("meta.ok"));
        assert!(MetaFields::from_api(&json!(["not", "an", "object"])).is_err());
        assert!(MetaFields::from_api(&json!("text")).unwrap_err().has("meta"));
        let too_many: serde_json::Map<String, Value> =
            (0..=MAX_KEYS).map(|i| (format!("k{i}"), json!(i))).collect();
        assert!(
            MetaFields::from_api(&Value::Object(too_many))
                .unwrap_err()
                .has("meta")
        );
    }

    #[test]
    fn update_merges_and_a_plain_object_replaces() {
        let current = MetaFields::from_stored(&json!({"plan": "pro", "seen": false}));
        let merge = MetaChange::from_api(&json!({"$update": {"seen": true, "n": 1}})).unwrap();
        assert!(matches!(merge, MetaChange::Merge(_)));
        assert_eq!(
            merge.apply(&current).unwrap().to_json(),
            json!({"plan": "pro", "seen": true, "n": 1})
        );
        let replace = MetaChange::from_api(&json!({"seen": true})).unwrap();
        assert_eq!(
            replace.apply(&current).unwrap().to_json(),
            json!({"seen": true})
        );
        // $update beside other keys is ambiguous; its content is checked like any meta.
        assert!(MetaChange::from_api(&json!({"$update": {}, "x": 1})).is_err());
        assert!(
            MetaChange::from_api(&json!({"$update": {"_x": 1}}))
                .unwrap_err()
                .has("meta._x")
        );
        // A merge may not grow the object past the limit.
        let full: serde_json::Map<String, Value> =
            (0..MAX_KEYS).map(|i| (format!("k{i}"), json!(i))).collect();
        let full = MetaFields::from_stored(&Value::Object(full));
        let more = MetaChange::from_api(&json!({"$update": {"extra": 1}})).unwrap();
        assert!(more.apply(&full).is_err());
        let same = MetaChange::from_api(&json!({"$update": {"k1": "x"}})).unwrap();
        assert!(same.apply(&full).is_ok());
    }

    #[test]
    fn filling_keeps_every_existing_key() {
        let current = MetaFields::from_stored(&json!({"plan": "pro"}));
        let request = MetaFields::from_stored(&json!({"plan": "free", "team": "b"}));
        assert_eq!(
            current.with_missing_from(&request).to_json(),
            json!({"plan": "pro", "team": "b"})
        );
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
