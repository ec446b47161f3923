//! Erasing a person's data (DESIGN §10): the typed confirmation an admin gives, and how past
//! audit entries lose their personal values while keeping what happened, who did it and when.
//!
//! Two rules for the audit trail:
//! - an entry **about** the erased contact or one of its rows has every value replaced by
//!   [`ERASED`] ([`erase_changes`]), except a few fields that can only hold codes or numbers
//!   ([`KEPT_FIELDS`]: a task's status, a file's size). It is a list of what may stay rather
//!   than of what must go, so a field added later is erased until someone decides otherwise;
//! - an entry about **someone else** that mentions the contact (a conversation moved from
//!   them to another contact names both) has only the strings that mention it replaced
//!   ([`erase_mentions`]).

use serde_json::{Map, Value};

/// What a personal value becomes.
pub const ERASED: &str = "erased";

/// The word to type when the contact has no name to type.
pub const CONFIRM_WORD: &str = "ERASE";

/// Audit fields whose values are codes, counts or times, never something a person wrote or
/// is: kept as they were, so an erased history still reads "status idle → running".
pub const KEPT_FIELDS: &[&str] = &[
    "status",
    "outcome",
    "channel",
    "kind",
    "role",
    "source",
    "value",
    "size",
    "content_type",
    "verified",
    "verified_at",
    "last_run_at",
    "next_run_at",
    "reviewed_at",
];

/// What the admin must type to confirm: the contact's name, or [`CONFIRM_WORD`] when it has
/// none.
pub fn confirmation_phrase(name: Option<&str>) -> String {
    match name.map(normalise).filter(|name| !name.is_empty()) {
        Some(name) => name,
        None => CONFIRM_WORD.to_string(),
    }
}

/// Whether `typed` confirms `phrase`: the same words, whatever the spacing around and
/// between them (a name copied from the page may carry a stray space), but the same case.
pub fn confirms(phrase: &str, typed: &str) -> bool {
    !phrase.is_empty() && normalise(typed) == normalise(phrase)
}

fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The changes of an entry about the erased contact or its rows, with every value erased
/// except those of [`KEPT_FIELDS`]. `null` stays `null` (it says "was empty", nothing more).
/// Changes not in the usual `{"field": {"before", "after"}}` shape are erased whole.
pub fn erase_changes(changes: &Value) -> Value {
    let Value::Object(fields) = changes else {
        return erase_value(changes);
    };
    let erased: Map<String, Value> = fields
        .iter()
        .map(|(field, change)| {
            let value = if KEPT_FIELDS.contains(&field.as_str()) {
                change.clone()
            } else {
                match change {
                    Value::Object(sides) => Value::Object(
                        sides
                            .iter()
                            .map(|(side, value)| (side.clone(), erase_value(value)))
                            .collect(),
                    ),
                    other => erase_value(other),
                }
            };
            (field.clone(), value)
        })
        .collect();
    Value::Object(erased)
}

fn erase_value(value: &Value) -> Value {
    match value {
        Value::Null => Value::Null,
        _ => Value::String(ERASED.to_string()),
    }
}

/// `value` with every string that mentions one of `needles` (ignoring case) replaced by
/// [`ERASED`], and whether anything was. Object keys are field names and stay. Empty needles
/// are ignored.
pub fn erase_mentions(value: &Value, needles: &[String]) -> (Value, bool) {
    let needles: Vec<String> = needles
        .iter()
        .map(|needle| needle.to_lowercase())
        .filter(|needle| !needle.is_empty())
        .collect();
    let mut changed = false;
    let erased = replace_mentions(value, &needles, &mut changed);
    (erased, changed)
}

fn replace_mentions(value: &Value, needles: &[String], changed: &mut bool) -> Value {
    match value {
        Value::String(text) => {
            let lower = text.to_lowercase();
            if needles.iter().any(|needle| lower.contains(needle.as_str())) {
                *changed = true;
                Value::String(ERASED.to_string())
            } else {
                value.clone()
            }
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| replace_mentions(item, needles, changed))
                .collect(),
        ),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, item)| (key.clone(), replace_mentions(item, needles, changed)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// How other records name a contact in passing: `"Ada Lovelace (#7)"` (see
/// `models::conversation::contact_label`), found by its `(#7)`.
pub fn label_marker(contact_id: i64) -> String {
    format!("(#{contact_id})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_phrase_is_the_name_or_the_word() {
        assert_eq!(confirmation_phrase(Some(" Ada  Lovelace ")), "Ada Lovelace");
        assert_eq!(confirmation_phrase(Some("   ")), "ERASE");
        assert_eq!(confirmation_phrase(None), "ERASE");
    }

    #[test]
    fn confirming_takes_the_same_words_in_the_same_case() {
        assert!(confirms("Ada Lovelace", "Ada Lovelace"));
        assert!(confirms("Ada Lovelace", "  Ada   Lovelace\n"));
        assert!(!confirms("Ada Lovelace", "ada lovelace"));
        assert!(!confirms("Ada Lovelace", "Ada"));
        assert!(!confirms("Ada Lovelace", ""));
        assert!(confirms("ERASE", "ERASE"));
        assert!(!confirms("ERASE", "erase"));
        assert!(!confirms("", ""), "an empty phrase confirms nothing");
    }

    #[test]
    fn an_entry_about_the_contact_keeps_only_codes_and_numbers() {
        let changes = json!({
            "name": {"before": "Ada", "after": "Ada Lovelace"},
            "email": {"before": null, "after": "ada@example.com"},
            "meta": {"before": {}, "after": {"tier": "gold"}},
            "status": {"before": "idle", "after": "running"},
            "size": {"before": null, "after": 120},
            "text": {"before": null, "after": "Prefers mornings"},
        });
        assert_eq!(
            erase_changes(&changes),
            json!({
                "name": {"before": "erased", "after": "erased"},
                "email": {"before": null, "after": "erased"},
                "meta": {"before": "erased", "after": "erased"},
                "status": {"before": "idle", "after": "running"},
                "size": {"before": null, "after": 120},
                "text": {"before": null, "after": "erased"},
            })
        );
    }

    #[test]
    fn odd_shapes_are_erased_whole() {
        assert_eq!(
            erase_changes(&json!({"note": "Ada called"})),
            json!({"note": "erased"})
        );
        assert_eq!(erase_changes(&json!(["Ada"])), json!("erased"));
        assert_eq!(erase_changes(&json!({})), json!({}));
    }

    #[test]
    fn mentions_are_erased_and_everything_else_kept() {
        let changes = json!({
            "contact": {"before": "Ada Lovelace (#7)", "after": "Bob (#9)"},
            "list": ["ADA@example.com", "other"],
        });
        let needles = vec![
            label_marker(7),
            "ada@example.com".to_string(),
            String::new(),
        ];
        let (erased, changed) = erase_mentions(&changes, &needles);
        assert!(changed);
        assert_eq!(
            erased,
            json!({
                "contact": {"before": "erased", "after": "Bob (#9)"},
                "list": ["erased", "other"],
            })
        );
        let (same, changed) = erase_mentions(&json!({"contact": "Ada (#70)"}), &needles);
        assert!(!changed, "(#70) is another contact");
        assert_eq!(same, json!({"contact": "Ada (#70)"}));
    }
}
