//! Contact exports, the writing half (issue 11): one contact at a time as a CSV row, a
//! vCard 4.0 card or a JSON line, so a file of any size is written in bounded pieces.
//!
//! Pure: no database, no HTTP. The contacts come from `models::contact_export` batch by batch
//! along a keyset; `crate::export` strings batches and these writers together for the
//! dashboard's download, the API's `contact/export` and `rapport export`.
//!
//! - CSV ([`csv`]): the keys of the API's contact object as the header, every value quoted,
//!   `meta` as JSON, cells a spreadsheet would run as formulas neutralised. It re-imports into
//!   Rapport with no mapping (`domain::import` recognises it as `Layout::Rapport`).
//! - vCard 4.0 ([`vcard`]): RFC 6350 escaping and line folding at 75 octets, for address books.
//! - JSON Lines: one API contact object per line.

pub mod csv;
pub mod vcard;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

pub use self::csv::CSV_COLUMNS;
use super::ContactId;

/// A file format staff can export contacts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportFormat {
    #[default]
    Csv,
    VCard,
    Jsonl,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 3] =
        [ExportFormat::Csv, ExportFormat::VCard, ExportFormat::Jsonl];

    /// The name in URLs, on the command line and in the audit trail.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::VCard => "vcard",
            ExportFormat::Jsonl => "jsonl",
        }
    }

    /// The name people see.
    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Csv => "CSV",
            ExportFormat::VCard => "vCard",
            ExportFormat::Jsonl => "JSON Lines",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::VCard => "text/vcard; charset=utf-8",
            ExportFormat::Jsonl => "application/jsonl",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::VCard => "vcf",
            ExportFormat::Jsonl => "jsonl",
        }
    }

    /// The download's file name: `contacts-2026-12-04.csv`.
    pub fn file_name(self, day: NaiveDate) -> String {
        format!("contacts-{}.{}", day.format("%Y-%m-%d"), self.extension())
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is none of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not an export format: use csv, vcard or jsonl")]
pub struct UnknownFormat(pub String);

impl FromStr for ExportFormat {
    type Err = UnknownFormat;

    /// `csv`, `vcard` (or `vcf`), `jsonl`, in any case.
    fn from_str(input: &str) -> Result<Self, UnknownFormat> {
        match input.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "vcard" | "vcf" => Ok(ExportFormat::VCard),
            "jsonl" => Ok(ExportFormat::Jsonl),
            _ => Err(UnknownFormat(input.to_string())),
        }
    }
}

/// A contact as every export writes it, borrowed from its row. It serialises as the API's
/// contact object (ChatBotKit's): ids as strings, times as epoch milliseconds, unset fields
/// `null`; the fields are in [`CSV_COLUMNS`] order.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedContact<'a> {
    #[serde(serialize_with = "id_text")]
    pub id: ContactId,
    pub name: Option<&'a str>,
    pub description: Option<&'a str>,
    pub fingerprint: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub nick: Option<&'a str>,
    pub preferences: Option<&'a str>,
    #[serde(serialize_with = "optional_millis")]
    pub verified_at: Option<DateTime<Utc>>,
    pub meta: &'a Value,
    #[serde(serialize_with = "millis")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "millis")]
    pub updated_at: DateTime<Utc>,
}

fn id_text<S: Serializer>(id: &ContactId, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(id)
}

fn millis<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_i64(time.timestamp_millis())
}

fn optional_millis<S: Serializer>(
    time: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => serializer.serialize_i64(time.timestamp_millis()),
        None => serializer.serialize_none(),
    }
}

/// Writes contacts into one file format, piece by piece: [`ContactWriter::opening`], then
/// every contact, then [`ContactWriter::closing`]. The API adds its own JSON shapes.
pub trait ContactWriter {
    /// What comes before the first contact (CSV's header row).
    fn opening(&self, _out: &mut Vec<u8>) {}

    /// One contact; `first` says whether one was written before it (JSON arrays put commas
    /// between items). Only JSON can fail, and only for values no contact has.
    fn contact(
        &self,
        contact: &ExportedContact<'_>,
        first: bool,
        out: &mut Vec<u8>,
    ) -> serde_json::Result<()>;

    /// What comes after the last contact.
    fn closing(&self, _out: &mut Vec<u8>) {}
}

impl ContactWriter for ExportFormat {
    fn opening(&self, out: &mut Vec<u8>) {
        if *self == ExportFormat::Csv {
            csv::header(out);
        }
    }

    fn contact(
        &self,
        contact: &ExportedContact<'_>,
        _first: bool,
        out: &mut Vec<u8>,
    ) -> serde_json::Result<()> {
        match self {
            ExportFormat::Csv => csv::row(contact, out),
            ExportFormat::VCard => vcard::card(contact, out),
            ExportFormat::Jsonl => json_line(contact, out)?,
        }
        Ok(())
    }
}

/// The contact as one line of JSON Lines: its API object and `\n`.
pub fn json_line(contact: &ExportedContact<'_>, out: &mut Vec<u8>) -> serde_json::Result<()> {
    serde_json::to_writer(&mut *out, contact)?;
    out.push(b'\n');
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A contact with every field set, and text that needs care in every format.
    pub(crate) fn sample(meta: &Value) -> ExportedContact<'_> {
        let at = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap();
        ExportedContact {
            id: ContactId(7),
            name: Some("Ada \"The Countess\" Lovelace"),
            description: Some("Line one\nline two, with comma; and semicolon \\ backslash"),
            fingerprint: "36133ebf-e743-5a8e-b513-74640424d5c0",
            email: Some("ada@example.com"),
            phone: Some("+12125550147"),
            nick: Some("=countess"),
            preferences: Some("Email, never calls"),
            verified_at: Some(at(1_700_000_000_000)),
            meta,
            created_at: at(1_690_000_000_000),
            updated_at: at(1_700_000_000_001),
        }
    }

    #[test]
    fn formats_parse_by_name_in_any_case() {
        for format in ExportFormat::ALL {
            assert_eq!(format.as_str().parse(), Ok(format));
            assert_eq!(format.as_str().to_uppercase().parse(), Ok(format));
        }
        assert_eq!("vcf".parse(), Ok(ExportFormat::VCard));
        assert_eq!(
            "xlsx".parse::<ExportFormat>(),
            Err(UnknownFormat("xlsx".into()))
        );
    }

    #[test]
    fn file_names_carry_the_day_and_extension() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(ExportFormat::Csv.file_name(day), "contacts-2026-12-04.csv");
        assert_eq!(
            ExportFormat::VCard.file_name(day),
            "contacts-2026-12-04.vcf"
        );
        assert_eq!(
            ExportFormat::Jsonl.file_name(day),
            "contacts-2026-12-04.jsonl"
        );
    }

    #[test]
    fn a_json_line_is_the_api_contact_object() {
        let meta = json!({"plan": "pro"});
        let mut out = Vec::new();
        json_line(&sample(&meta), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with("}\n") && text.matches('\n').count() == 1);
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            json!({
                "id": "7",
                "name": "Ada \"The Countess\" Lovelace",
                "description": "Line one\nline two, with comma; and semicolon \\ backslash",
                "fingerprint": "36133ebf-e743-5a8e-b513-74640424d5c0",
                "email": "ada@example.com",
                "phone": "+12125550147",
                "nick": "=countess",
                "preferences": "Email, never calls",
                "verifiedAt": 1_700_000_000_000_i64,
                "meta": {"plan": "pro"},
                "createdAt": 1_690_000_000_000_i64,
                "updatedAt": 1_700_000_000_001_i64,
            })
        );
    }

    #[test]
    fn the_object_keys_are_the_csv_columns_in_order() {
        let meta = json!({});
        let text = serde_json::to_string(&sample(&meta)).unwrap();
        let mut positions: Vec<usize> = CSV_COLUMNS
            .iter()
            .map(|column| text.find(&format!("\"{column}\":")).unwrap())
            .collect();
        let found = positions.clone();
        positions.sort_unstable();
        assert_eq!(found, positions);
    }
}
