//! `GET contact/export`: every contact the list's query selects (`cursor`, `order`,
//! `meta.KEY=VALUE`; `take` does not limit an export), in the format the `Accept` header asks
//! for: `application/json` (the default) → `{"items": [...]}`, `application/jsonl` → one
//! `{"type":"item","data":{...}}` line each, `text/csv` → a header row and one row each.
//!
//! Exports can be large, so they are streamed page by page: memory stays flat whatever the
//! number of contacts. Each page continues after the (created_at, id) of the last row sent, so
//! a contact deleted meanwhile cannot end the export early, and contacts created meanwhile
//! (newer than the start, in the default descending order) are not included.

use super::caller::ApiReader;
use super::json;
use super::listing::ListParams;
use super::objects::{self, Line};
use crate::domain::spreadsheet::spreadsheet_safe;
use crate::error::AppError;
use crate::models::keyset::After;
use crate::models::{Contact, contact};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

/// Rows read per query.
const PAGE_SIZE: i64 = 500;

/// The CSV columns, in the order of ChatBotKit's contact object.
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

    fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Jsonl => "application/jsonl",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }

    fn opening(self) -> String {
        match self {
            Format::Json => "{\"items\":[".into(),
            Format::Jsonl => String::new(),
            Format::Csv => csv_row(CSV_COLUMNS.iter().map(|c| Some((*c).to_string()))),
        }
    }

    fn closing(self) -> &'static str {
        match self {
            Format::Json => "]}",
            Format::Jsonl | Format::Csv => "",
        }
    }

    /// One contact; `first` tells JSON whether a comma goes before it.
    fn item(self, contact: &Contact, first: bool) -> Result<String, AppError> {
        let item = objects::Contact::from(contact);
        Ok(match self {
            Format::Json => {
                let text = serde_json::to_string(&item).map_err(AppError::internal)?;
                if first { text } else { format!(",{text}") }
            }
            Format::Jsonl => json::line(&Line::item(&item))?,
            Format::Csv => {
                let item = serde_json::to_value(&item).map_err(AppError::internal)?;
                csv_row(CSV_COLUMNS.iter().map(|column| match &item[*column] {
                    Value::Null => None,
                    Value::String(text) => Some(text.clone()),
                    other => Some(other.to_string()),
                }))
            }
        })
    }
}

/// One CSV record per RFC 4180: every value quoted with inner quotes doubled (as ChatBotKit
/// writes them), a missing value as an empty unquoted field so that it differs from `""`,
/// CRLF at the end. A value a spreadsheet would run as a formula gets a leading `'`
/// ([`spreadsheet_safe`]).
pub fn csv_row(values: impl Iterator<Item = Option<String>>) -> String {
    let mut row = values
        .map(|value| {
            value.map_or_else(String::new, |v| {
                format!("\"{}\"", spreadsheet_safe(&v).replace('"', "\"\""))
            })
        })
        .collect::<Vec<_>>()
        .join(",");
    row.push_str("\r\n");
    row
}

/// What the stream has left to do.
enum Progress {
    /// A loaded page to send; `first` until the first item went out.
    Page {
        rows: Vec<Contact>,
        first: bool,
    },
    /// A page failed to load after the answer started: end the response abnormally, so the
    /// client sees a broken transfer instead of a short export that looks complete.
    Failed(AppError),
    Done,
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
    // The first page, after the request's cursor, is read before answering, so that its
    // failure still gets a status. Each later page continues after the last row sent.
    let page = params.page(PAGE_SIZE);
    let first = page.clone();
    let rows = api
        .db
        .read(move |conn| Ok(contact::keyset_page(conn, &first)?))
        .await?;
    // Each later page checks a connection out for its query only: an export can take long.
    api.db.release();
    let db = api.db.clone();
    let opening = format.opening();
    let stream = futures_util::stream::unfold(
        (Progress::Page { rows, first: true }, Some(opening)),
        move |(progress, opening)| {
            let db = db.clone();
            let page = page.clone();
            async move {
                let (rows, first) = match progress {
                    Progress::Done => return None,
                    Progress::Failed(error) => {
                        tracing::error!(cause = %error.cause_chain(), "contact export failed mid-stream");
                        return Some((
                            Err(actix_web::error::ErrorInternalServerError(error)),
                            (Progress::Done, None),
                        ));
                    }
                    Progress::Page { rows, first } => (rows, first),
                };
                let mut chunk = opening.unwrap_or_default();
                for (index, contact) in rows.iter().enumerate() {
                    match format.item(contact, first && index == 0) {
                        Ok(item) => chunk.push_str(&item),
                        Err(error) => {
                            let failed = (Progress::Failed(error), None);
                            return Some((Ok(Bytes::from(chunk)), failed));
                        }
                    }
                }
                let next = match rows.last() {
                    Some(last) if rows.len() as i64 == PAGE_SIZE => {
                        let next = page.after(After::Row(last.created_at, last.id.0));
                        let loaded = db
                            .read(move |conn| Ok(contact::keyset_page(conn, &next)?))
                            .await;
                        db.release();
                        match loaded {
                            Ok(rows) if rows.is_empty() => {
                                // A full page that happened to be the last.
                                chunk.push_str(format.closing());
                                Progress::Done
                            }
                            Ok(rows) => Progress::Page { rows, first: false },
                            Err(error) if format == Format::Jsonl => {
                                // JSON lines report in-band, as list streams do.
                                chunk.push_str(&json::error_line(&error));
                                Progress::Done
                            }
                            Err(error) => Progress::Failed(error),
                        }
                    }
                    _ => {
                        chunk.push_str(format.closing());
                        Progress::Done
                    }
                };
                Some((Ok::<_, actix_web::Error>(Bytes::from(chunk)), (next, None)))
            }
        },
    );
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if format == Format::Csv {
        response.insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"contacts.csv\"",
        ));
    }
    Ok(response.streaming(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        use super::objects::ApiSchema;
        let keys: Vec<&str> = objects::Contact::properties()
            .iter()
            .map(|(key, _)| *key)
            .collect();
        assert_eq!(keys, CSV_COLUMNS);
    }

    #[test]
    fn csv_quotes_every_value_and_leaves_nulls_empty() {
        assert_eq!(
            csv_row(
                [
                    Some("1".to_string()),
                    None,
                    Some("say \"hi\", then\nleave".to_string()),
                    Some(String::new()),
                ]
                .into_iter()
            ),
            "\"1\",,\"say \"\"hi\"\", then\nleave\",\"\"\r\n"
        );
    }

    #[test]
    fn csv_prefixes_a_formula_before_quoting_it() {
        assert_eq!(
            csv_row([Some("=HYPERLINK(\"x\")".to_string())].into_iter()),
            "\"'=HYPERLINK(\"\"x\"\")\"\r\n"
        );
    }
}
