//! One record as a contact input, by the mapping: the caller validates the result like any
//! API body (`.validate(region, Purpose::Create)`) to get each field's error.

use super::mapping::{ColumnTarget, Mapping};
use super::reader::SourceRecord;
use super::vcard::MULTI_VALUE_SEPARATOR;
use crate::domain::contact_field::ContactField;
use crate::domain::contact_patch::{ContactPatchInput, Sent};
use crate::domain::field_errors::FieldErrors;
use serde_json::{Map, Number, Value};

/// The record as the contact input.
///
/// - Blank cells are not sent.
/// - Several columns mapped to Name (Google's and Outlook's First, Middle and Last Name) are
///   joined with a space in column order; several to Description or Preferences with a blank
///   line.
/// - Email and Phone cells holding several values joined by ` ::: ` (Google) are split. The
///   first email (or phone, or nick) of the row, in column order, is the field; the others go
///   to meta as `email_2`, `email_3`, … (`phone_2`, `nick_2`; the next free number).
/// - Meta columns set their key to the cell's text (trimmed); a key taken by an earlier
///   column gets `_2`, `_3`, … The whole-meta column of an export ([`ColumnTarget::MetaObject`])
///   keeps its values' JSON types.
///
/// Errors (keyed `verifiedAt` and `meta`, as validation keys them) only for cells that cannot
/// be the input at all: a verified time that is no time, a meta column that is no object.
pub fn row_input(
    record: &SourceRecord,
    headers: &[String],
    mapping: &Mapping,
) -> Result<ContactPatchInput, FieldErrors> {
    let mut names = Vec::new();
    let mut descriptions = Vec::new();
    let mut preferences = Vec::new();
    let mut nicks = Vec::new();
    let mut emails = Vec::new();
    let mut phones = Vec::new();
    let mut fingerprint = None;
    let mut verified = None;
    let mut object = None;
    let mut metas = Vec::new();
    for (index, (target, value)) in mapping.columns.iter().zip(&record.values).enumerate() {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match target {
            ColumnTarget::Field(ContactField::Name) => names.push(value),
            ColumnTarget::Field(ContactField::Description) => descriptions.push(value),
            ColumnTarget::Field(ContactField::Preferences) => preferences.push(value),
            ColumnTarget::Field(ContactField::Nick) => nicks.push(value),
            ColumnTarget::Field(ContactField::Email) => emails.extend(split_values(value)),
            ColumnTarget::Field(ContactField::Phone) => phones.extend(split_values(value)),
            ColumnTarget::Field(ContactField::Meta) | ColumnTarget::MetaObject => {
                object = object.or(Some((index, value)));
            }
            ColumnTarget::Meta(key) => metas.push((key.as_str(), value)),
            ColumnTarget::Fingerprint => fingerprint = fingerprint.or(Some(value)),
            ColumnTarget::VerifiedAt => verified = verified.or(Some((index, value))),
            ColumnTarget::Ignore => {}
        }
    }
    let column = |index: usize| {
        headers
            .get(index)
            .map_or_else(|| format!("column {}", index + 1), |h| format!("\"{h}\""))
    };
    let mut errors = FieldErrors::new();
    let verified_at = verified.and_then(|(index, value)| match parse_time(value) {
        Some(ms) => Some(Some(ms)),
        None => {
            errors.add(
                "verifiedAt",
                format!(
                    "\"{value}\" in {} is not a time (epoch milliseconds or a date such as \
                     2024-05-01T12:00:00Z).",
                    column(index)
                ),
            );
            None
        }
    });
    let mut meta = Map::new();
    if let Some((index, value)) = object {
        match parse_meta_object(value) {
            Ok(map) => meta = map,
            Err(reason) => errors.add("meta", format!("{} {reason}", column(index))),
        }
    }
    for (key, value) in metas {
        insert_free(&mut meta, key, 1, value);
    }
    for (base, extras) in [("email", &emails), ("phone", &phones)] {
        for value in extras.iter().skip(1) {
            insert_free(&mut meta, base, 2, value);
        }
    }
    for nick in nicks.iter().skip(1) {
        insert_free(&mut meta, "nick", 2, nick);
    }
    errors.into_result()?;
    Ok(ContactPatchInput {
        name: joined(&names, " "),
        description: joined(&descriptions, "\n\n"),
        preferences: joined(&preferences, "\n\n"),
        nick: first(&nicks),
        email: first(&emails),
        phone: first(&phones),
        fingerprint: fingerprint.map(|f| Some(f.to_string())),
        verified_at,
        meta: (!meta.is_empty()).then_some(Some(Value::Object(meta))),
    })
}

fn split_values(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(MULTI_VALUE_SEPARATOR.trim())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn joined(parts: &[&str], separator: &str) -> Sent<String> {
    (!parts.is_empty()).then(|| Some(parts.join(separator)))
}

fn first(values: &[&str]) -> Sent<String> {
    values.first().map(|v| Some(v.to_string()))
}

/// Sets `key` (with `start` 1) or, when taken, the first free `key_N` from N = max(start, 2).
fn insert_free(meta: &mut Map<String, Value>, key: &str, start: u32, value: &str) {
    let mut n = start;
    loop {
        let candidate = if n <= 1 {
            key.to_string()
        } else {
            format!("{key}_{n}")
        };
        if !meta.contains_key(&candidate) {
            meta.insert(candidate, Value::String(value.to_string()));
            return;
        }
        n = n.max(1) + 1;
    }
}

/// Epoch milliseconds (as exports write `verifiedAt`) or an RFC 3339 date-time.
fn parse_time(value: &str) -> Option<i64> {
    value.parse::<i64>().ok().or_else(|| {
        chrono::DateTime::parse_from_rfc3339(value)
            .ok()
            .map(|time| time.timestamp_millis())
    })
}

/// An export's meta cell: a JSON object (Rapport) or flat YAML (ChatBotKit).
fn parse_meta_object(text: &str) -> Result<Map<String, Value>, String> {
    if text.starts_with('{') {
        return match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err("is not a JSON object of meta keys and values.".into()),
        };
    }
    parse_yaml_map(text)
}

/// The flat YAML mapping ChatBotKit's export writes for meta: `key: value` lines with plain,
/// quoted or block (`|`, `>`) scalars. A nested value is kept as its indented text.
fn parse_yaml_map(text: &str) -> Result<Map<String, Value>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut map = Map::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        i += 1;
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') || content == "---" {
            continue;
        }
        if content.len() != line.len() {
            return Err(format!(
                "has an indented line where a key was expected: \"{content}\"."
            ));
        }
        let Some((key, rest)) = yaml_key(line) else {
            return Err(format!(
                "has a line that is not \"key: value\": \"{line}\"."
            ));
        };
        let mut block = Vec::new();
        while i < lines.len() && (lines[i].starts_with([' ', '\t']) || lines[i].trim().is_empty()) {
            block.push(lines[i]);
            i += 1;
        }
        while block.last().is_some_and(|l| l.trim().is_empty()) {
            block.pop();
        }
        let indent = block
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start().len())
            .min()
            .unwrap_or(0);
        let dedented: Vec<&str> = block
            .iter()
            .map(|l| l.get(indent..).unwrap_or(""))
            .collect();
        let value = if rest.starts_with('|') {
            let mut text = dedented.join("\n");
            if !rest.contains('-') {
                text.push('\n');
            }
            Value::String(text)
        } else if rest.starts_with('>') {
            Value::String(dedented.join(" "))
        } else if rest.is_empty() && !dedented.is_empty() {
            Value::String(dedented.join("\n"))
        } else if !dedented.is_empty() {
            // A plain scalar continued on indented lines.
            let mut parts = vec![rest];
            parts.extend(dedented.iter().map(|l| l.trim()));
            Value::String(parts.join(" "))
        } else {
            yaml_scalar(rest)
        };
        map.insert(key, value);
    }
    Ok(map)
}

/// `key: rest` (the key possibly quoted), `rest` trimmed.
fn yaml_key(line: &str) -> Option<(String, &str)> {
    let (key, rest) = if let Some(quoted) = line.strip_prefix(['"', '\'']) {
        let quote = line.chars().next()?;
        let end = quoted.find(quote)?;
        let rest = quoted[end + 1..].trim_start().strip_prefix(':')?;
        (quoted[..end].to_string(), rest)
    } else {
        let (key, rest) = match line.find(": ") {
            Some(at) => (&line[..at], &line[at + 2..]),
            None => (line.strip_suffix(':')?, ""),
        };
        (key.trim().to_string(), rest)
    };
    (!key.is_empty()).then_some((key, rest.trim()))
}

/// A YAML scalar as JSON: quoted strings, null, booleans, numbers, JSON-style flow
/// collections; anything else a string.
fn yaml_scalar(text: &str) -> Value {
    if let Some(inner) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')) {
        return Value::String(inner.replace("''", "'"));
    }
    if text.starts_with('"') || text.starts_with('{') || text.starts_with('[') {
        if let Ok(value) = serde_json::from_str::<Value>(text) {
            return value;
        }
        return Value::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(integer) = text.parse::<i64>() {
        return Value::Number(integer.into());
    }
    if text.bytes().any(|b| b.is_ascii_digit())
        && let Ok(float) = text.parse::<f64>()
        && let Some(number) = Number::from_f64(float)
    {
        return Value::Number(number);
    }
    Value::String(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::contact_patch::Purpose;
    use crate::domain::phone::PhoneRegion;
    use serde_json::json;

    fn record(values: &[&str]) -> SourceRecord {
        SourceRecord {
            number: 2,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn mapping(params: &[&str]) -> Mapping {
        Mapping {
            columns: params.iter().map(|p| p.parse().unwrap()).collect(),
        }
    }

    fn headers(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("H{i}")).collect()
    }

    fn set(value: &str) -> Sent<String> {
        Some(Some(value.to_string()))
    }

    #[test]
    fn names_join_and_the_first_email_and_phone_win() {
        let input = row_input(
            &record(&[
                " Ada ",
                "",
                "Lovelace",
                "ada@example.com ::: ada@work.example",
                "second@example.com",
                "+44 20 7946 0018",
                "  ",
                "+44 20 7946 0019 ::: +44 20 7946 0020",
                "pro",
                "x",
            ]),
            &headers(10),
            &mapping(&[
                "name",
                "name",
                "name",
                "email",
                "email",
                "phone",
                "phone",
                "phone",
                "meta:plan",
                "ignore",
            ]),
        )
        .unwrap();
        assert_eq!(input.name, set("Ada Lovelace"));
        assert_eq!(input.email, set("ada@example.com"));
        assert_eq!(input.phone, set("+44 20 7946 0018"));
        assert_eq!(
            input.meta,
            Some(Some(json!({
                "plan": "pro",
                "email_2": "ada@work.example",
                "email_3": "second@example.com",
                "phone_2": "+44 20 7946 0019",
                "phone_3": "+44 20 7946 0020",
            })))
        );
        assert_eq!(input.description, None, "unmapped fields are not sent");
        assert!(
            input
                .validate(PhoneRegion::default(), Purpose::Create)
                .is_ok()
        );
    }

    #[test]
    fn blank_cells_are_not_sent_and_taken_keys_move_on() {
        let input = row_input(
            &record(&["", "a", "b", "c", "n1", "n2", "note 1", "note 2"]),
            &headers(8),
            &mapping(&[
                "name",
                "meta:email_2",
                "meta:k",
                "meta:k",
                "nick",
                "nick",
                "description",
                "description",
            ]),
        )
        .unwrap();
        assert_eq!(input.name, None);
        assert_eq!(input.nick, set("n1"));
        assert_eq!(input.description, set("note 1\n\nnote 2"));
        assert_eq!(
            input.meta,
            Some(Some(
                json!({"email_2": "a", "k": "b", "k_2": "c", "nick_2": "n2"})
            ))
        );
        let empty = row_input(
            &record(&["", " "]),
            &headers(2),
            &mapping(&["name", "meta:x"]),
        )
        .unwrap();
        assert!(empty.meta.is_none() && empty.name.is_none());
    }

    #[test]
    fn extra_emails_skip_keys_a_column_took() {
        let input = row_input(
            &record(&["x", "a@example.com ::: b@example.com"]),
            &headers(2),
            &mapping(&["meta:email_2", "email"]),
        )
        .unwrap();
        assert_eq!(
            input.meta,
            Some(Some(json!({"email_2": "x", "email_3": "b@example.com"})))
        );
    }

    #[test]
    fn export_columns_keep_their_types() {
        let input = row_input(
            &record(&[
                "user-000000000000001",
                "1700000000000",
                r#"{"score":42,"tags":["a"],"plan":"pro"}"#,
                "beta",
            ]),
            &headers(4),
            &mapping(&["fingerprint", "verifiedAt", "meta", "meta:channel"]),
        )
        .unwrap();
        assert_eq!(input.fingerprint, set("user-000000000000001"));
        assert_eq!(input.verified_at, Some(Some(1_700_000_000_000)));
        assert_eq!(
            input.meta,
            Some(Some(
                json!({"score": 42, "tags": ["a"], "plan": "pro", "channel": "beta"})
            ))
        );
        let dated = row_input(
            &record(&["2024-05-01T12:00:00Z"]),
            &headers(1),
            &mapping(&["verifiedAt"]),
        )
        .unwrap();
        assert_eq!(dated.verified_at, Some(Some(1_714_564_800_000)));
    }

    #[test]
    fn cells_that_cannot_be_input_are_errors() {
        let errors = row_input(
            &record(&["yesterday", "[1,2]"]),
            &headers(2),
            &mapping(&["verifiedAt", "meta"]),
        )
        .unwrap_err();
        assert!(
            errors
                .message("verifiedAt")
                .contains("\"yesterday\" in \"H1\"")
        );
        assert!(errors.message("meta").contains("\"H2\""));
        assert!(row_input(&record(&["{oops"]), &headers(1), &mapping(&["meta"])).is_err());
    }

    #[test]
    fn chatbotkit_yaml_meta() {
        let yaml = "app: console\ncount: 3\nratio: 0.5\nok: true\nnothing: null\n\
                    code: '007'\nquote: \"a \\\"b\\\"\"\nlist: [1, 2]\n\
                    text: |-\n  line one\n  line two\nnested:\n  a: 1\n  b: 2\n";
        assert_eq!(
            parse_meta_object(yaml).unwrap(),
            json!({
                "app": "console",
                "count": 3,
                "ratio": 0.5,
                "ok": true,
                "nothing": null,
                "code": "007",
                "quote": "a \"b\"",
                "list": [1, 2],
                "text": "line one\nline two",
                "nested": "a: 1\nb: 2",
            })
            .as_object()
            .unwrap()
            .clone()
        );
        assert!(parse_meta_object("just text").is_err());
        assert!(parse_meta_object("{}").unwrap().is_empty());
    }
}
