//! `GET contact/export`: every contact the list's query selects (`cursor`, `order`,
//! `meta.KEY=VALUE`; `take` does not limit an export), in the format the `Accept` header asks
//! for: `application/json` (the default) → `{"items": [...]}`, `application/jsonl` → one
//! `{"type":"item","data":{...}}` line each, `text/csv` → a header row and one row each.
//!
//! Streamed batch by batch along the creation-order keyset ([`crate::models::contact_export`],
//! [`crate::export`]): memory stays
//! flat whatever the number of contacts, a contact deleted meanwhile cannot end the export
//! early, and contacts created meanwhile (newer than the start, in the default descending
//! order) are not included. Each export is audited with the calling token as its actor.

use super::caller::ApiReader;
use super::json;
use super::listing::ListParams;
use super::objects::Line;
use crate::domain::export::{ContactWriter, ExportFormat, ExportedContact};
use crate::error::AppError;
use crate::export::response::{self, Download};
use crate::export::{Audit, Export};
use crate::models::contact_export::Selection;
use crate::models::keyset::Order;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value};

pub use crate::domain::export::CSV_COLUMNS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Jsonl,
    Csv,
}

impl Format {
    /// From the `Accept` header; anything but JSON lines or CSV gets JSON.
    pub fn from_accept(accept: Option<&str>) -> Format {
        let accept = accept.unwrap_or("").to_ascii_lowercase();
        // "application/jsonl" contains "application/json": look for it first.
        if accept.contains("application/jsonl") {
            Format::Jsonl
        } else if accept.contains("text/csv") {
            Format::Csv
        } else {
            Format::Json
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Jsonl => "application/jsonl",
            Format::Csv => ExportFormat::Csv.content_type(),
        }
    }
}

/// The API's shapes around the shared contact object: a JSON array in an object, JSON lines
/// in the list streams' `{"type":"item"}` envelope, and the shared CSV.
impl ContactWriter for Format {
    fn opening(&self, out: &mut Vec<u8>) {
        match self {
            Format::Json => out.extend_from_slice(b"{\"items\":["),
            Format::Jsonl => {}
            Format::Csv => ExportFormat::Csv.opening(out),
        }
    }

    fn contact(
        &self,
        contact: &ExportedContact<'_>,
        first: bool,
        out: &mut Vec<u8>,
    ) -> serde_json::Result<()> {
        match self {
            Format::Json => {
                if !first {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, contact)
            }
            Format::Jsonl => {
                serde_json::to_writer(&mut *out, &Line::item(contact))?;
                out.push(b'\n');
                Ok(())
            }
            Format::Csv => ExportFormat::Csv.contact(contact, first, out),
        }
    }

    fn closing(&self, out: &mut Vec<u8>) {
        if *self == Format::Json {
            out.extend_from_slice(b"]}");
        }
    }
}

/// The audit trail's account of the request's selection.
fn filter(params: &ListParams) -> Value {
    let mut filter = Map::new();
    if let Some(cursor) = params.cursor {
        filter.insert("cursor".into(), Value::String(cursor.to_string()));
    }
    if params.order == Order::Asc {
        filter.insert("order".into(), Value::String("asc".into()));
    }
    if let Some(meta) = &params.meta {
        filter.insert("meta".into(), meta.clone());
    }
    Value::Object(filter)
}

/// JSON lines report a failure in a line of their own, as list streams do; the other
/// formats break the transfer.
fn jsonl_failure(error: &AppError) -> Option<String> {
    Some(json::error_line(error))
}

/// `GET contact/export`.
pub async fn export(api: ApiReader, request: HttpRequest) -> Result<HttpResponse, AppError> {
    let params = ListParams::from_query(request.query_string())?;
    let format = Format::from_accept(
        request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok()),
    );
    // The batch size is the selection's; the page gives the order, position and filter.
    let page = params.page(crate::models::contact_export::BATCH_SIZE);
    let audit = Audit {
        actor: api.actor(),
        format: format.as_str().into(),
        filter: filter(&params),
    };
    let download = Download {
        content_type: format.content_type(),
        file_name: (format == Format::Csv).then(|| "contacts.csv".to_string()),
    };
    let on_failure: response::OnFailure = match format {
        Format::Jsonl => jsonl_failure,
        Format::Json | Format::Csv => |_| None,
    };
    let export = Export::new(Selection::api(page), format);
    response::respond(&api.db, export, audit, download, on_failure).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::objects::{self, ApiSchema};
    use crate::domain::ContactId;
    use crate::domain::export::json_line;
    use crate::models::Contact;
    use chrono::DateTime;
    use serde_json::json;

    #[test]
    fn the_accept_header_picks_the_format() {
        assert_eq!(Format::from_accept(None), Format::Json);
        assert_eq!(Format::from_accept(Some("*/*")), Format::Json);
        assert_eq!(Format::from_accept(Some("application/json")), Format::Json);
        assert_eq!(
            Format::from_accept(Some("application/jsonl")),
            Format::Jsonl
        );
        assert_eq!(
            Format::from_accept(Some("text/csv, */*;q=0.1")),
            Format::Csv
        );
    }

    #[test]
    fn csv_columns_are_the_contact_objects_keys_in_order() {
        let keys: Vec<&str> = objects::Contact::properties()
            .iter()
            .map(|(key, _)| *key)
            .collect();
        assert_eq!(keys, CSV_COLUMNS);
    }

    fn row(verified: bool) -> Contact {
        let at = |ms: i64| DateTime::from_timestamp_millis(ms).unwrap();
        Contact {
            id: ContactId(42),
            name: Some("Ada".into()),
            description: None,
            email: Some("ada@example.com".into()),
            phone: None,
            nick: Some("a".into()),
            preferences: Some("Mornings".into()),
            meta: json!({"plan": "pro", "n": 1}),
            fingerprint: "user-1".into(),
            verified_at: verified.then(|| at(1_700_000_000_000)),
            source: "api".into(),
            version: 3,
            created_at: at(1_600_000_000_000),
            updated_at: at(1_650_000_000_000),
        }
    }

    #[test]
    fn the_exported_object_is_the_api_contact_object() {
        for verified in [true, false] {
            let contact = row(verified);
            let mut line = Vec::new();
            json_line(&ExportedContact::from(&contact), &mut line).unwrap();
            assert_eq!(
                serde_json::from_slice::<Value>(&line).unwrap(),
                serde_json::to_value(objects::Contact::from(&contact)).unwrap()
            );
        }
    }

    #[test]
    fn json_items_are_separated_by_commas() {
        let contact = row(false);
        let exported = ExportedContact::from(&contact);
        let mut out = Vec::new();
        Format::Json.opening(&mut out);
        Format::Json.contact(&exported, true, &mut out).unwrap();
        Format::Json.contact(&exported, false, &mut out).unwrap();
        Format::Json.closing(&mut out);
        let value: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["items"].as_array().unwrap().len(), 2);
        let mut line = Vec::new();
        Format::Jsonl.contact(&exported, true, &mut line).unwrap();
        let value: Value = serde_json::from_slice(&line).unwrap();
        assert_eq!(value["type"], "item");
        assert_eq!(value["data"]["id"], "42");
    }
}
