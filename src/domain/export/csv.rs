//! Contacts as CSV (RFC 4180), as the API's `contact/export` has always written them and
//! `domain::import` reads them back with no mapping: a header row of the contact object's
//! keys, every value quoted with inner quotes doubled (as ChatBotKit writes them), a missing
//! value as an empty unquoted field so that it differs from `""`, times in epoch
//! milliseconds, `meta` as compact JSON, CRLF after every record.
//!
//! A cell a spreadsheet would run as a formula gets a leading `'` ([`spreadsheet_safe`]);
//! the import takes it off again.

use super::ExportedContact;
use crate::domain::spreadsheet::spreadsheet_safe;

/// The columns, in the order of ChatBotKit's contact object.
pub const CSV_COLUMNS: [&str; 12] = [
    "id",
    "name",
    "description",
    "fingerprint",
    "email",
    "phone",
    "nick",
    "preferences",
    "verifiedAt",
    "meta",
    "createdAt",
    "updatedAt",
];

/// The header row.
pub fn header(out: &mut Vec<u8>) {
    record(CSV_COLUMNS.iter().map(|column| Some(*column)), out);
}

/// The contact's row, its values in [`CSV_COLUMNS`] order.
pub fn row(contact: &ExportedContact<'_>, out: &mut Vec<u8>) {
    let id = contact.id.to_string();
    let verified = contact
        .verified_at
        .map(|time| time.timestamp_millis().to_string());
    let meta = contact.meta.to_string();
    let created = contact.created_at.timestamp_millis().to_string();
    let updated = contact.updated_at.timestamp_millis().to_string();
    record(
        [
            Some(id.as_str()),
            contact.name,
            contact.description,
            Some(contact.fingerprint),
            contact.email,
            contact.phone,
            contact.nick,
            contact.preferences,
            verified.as_deref(),
            Some(meta.as_str()),
            Some(created.as_str()),
            Some(updated.as_str()),
        ]
        .into_iter(),
        out,
    );
}

/// One record: each value quoted (formulas neutralised), `None` as an empty field, CRLF.
pub fn record<'a>(values: impl Iterator<Item = Option<&'a str>>, out: &mut Vec<u8>) {
    for (index, value) in values.enumerate() {
        if index > 0 {
            out.push(b',');
        }
        if let Some(value) = value {
            out.push(b'"');
            for &byte in spreadsheet_safe(value).as_bytes() {
                if byte == b'"' {
                    out.push(b'"');
                }
                out.push(byte);
            }
            out.push(b'"');
        }
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;
    use serde_json::json;

    fn text(out: Vec<u8>) -> String {
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_value_is_quoted_and_nulls_stay_empty() {
        let mut out = Vec::new();
        record(
            [Some("1"), None, Some("say \"hi\", then\nleave"), Some("")].into_iter(),
            &mut out,
        );
        assert_eq!(text(out), "\"1\",,\"say \"\"hi\"\", then\nleave\",\"\"\r\n");
    }

    #[test]
    fn a_formula_is_prefixed_before_it_is_quoted() {
        let mut out = Vec::new();
        record([Some("=HYPERLINK(\"x\")")].into_iter(), &mut out);
        assert_eq!(text(out), "\"'=HYPERLINK(\"\"x\"\")\"\r\n");
    }

    #[test]
    fn a_contact_row_follows_the_header() {
        let mut out = Vec::new();
        header(&mut out);
        assert_eq!(
            text(out),
            "\"id\",\"name\",\"description\",\"fingerprint\",\"email\",\"phone\",\"nick\",\
             \"preferences\",\"verifiedAt\",\"meta\",\"createdAt\",\"updatedAt\"\r\n"
        );
        let meta = json!({"plan": "+1"});
        let mut contact = sample(&meta);
        contact.email = None;
        let mut out = Vec::new();
        row(&contact, &mut out);
        assert_eq!(
            text(out),
            "\"7\",\"Ada \"\"The Countess\"\" Lovelace\",\
             \"Line one\nline two, with comma; and semicolon \\ backslash\",\
             \"36133ebf-e743-5a8e-b513-74640424d5c0\",,\"'+12125550147\",\"'=countess\",\
             \"Email, never calls\",\"1700000000000\",\"{\"\"plan\"\":\"\"+1\"\"}\",\
             \"1690000000000\",\"1700000000001\"\r\n"
        );
    }
}
