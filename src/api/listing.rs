//! List endpoints as ChatBotKit defines them: `cursor` (id of the last item seen), `order`
//! (`desc` by default, by creation time then id), `take` (1–100, default 100) and
//! `meta.KEY=VALUE` filters; `{"items": [...], "cursor": "<last id>"}` as JSON, or every page
//! streamed as `{"type":"item","data":{...}}` lines with `Accept: application/jsonl`.

use super::json;
use super::objects::{ApiId, Line, ListPage};
use crate::db::RequestDb;
use crate::domain::ids::parse_positive;
use crate::error::AppError;
pub use crate::models::keyset::Order;
use crate::models::keyset::{After, Page};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use diesel::PgConnection;
use serde::Serialize;
use serde_json::{Map, Value};

pub const MAX_TAKE: i64 = 100;

/// The list parameters of one request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListParams {
    pub cursor: Option<i64>,
    pub order: Order,
    /// Page size in JSON mode; the total number of items in JSONL mode.
    pub take: i64,
    /// `meta @> filter`: the `meta.a.b=v` parameters as one nested object.
    pub meta: Option<Value>,
}

impl Default for ListParams {
    fn default() -> Self {
        ListParams {
            cursor: None,
            order: Order::Desc,
            take: MAX_TAKE,
            meta: None,
        }
    }
}

impl ListParams {
    /// Reads a query string. Like ChatBotKit: an unknown `order` means `desc`; a `take` that
    /// is not a positive number means 100; larger values are clamped. A cursor that is not an
    /// id is a 400.
    pub fn from_query(query: &str) -> Result<ListParams, AppError> {
        let pairs: Vec<(String, String)> = serde_html_form::from_str(query).map_err(|error| {
            AppError::BadRequest(format!("The query string is not readable: {error}."))
        })?;
        let mut params = ListParams::default();
        let mut meta = Map::new();
        for (key, value) in pairs {
            match key.as_str() {
                "cursor" if !value.is_empty() => {
                    params.cursor = Some(parse_positive(&value).map_err(|_| {
                        AppError::BadRequest(format!(
                            "cursor: \"{value}\" is not the id of an item"
                        ))
                    })?);
                }
                "order" => {
                    params.order = if value == "asc" {
                        Order::Asc
                    } else {
                        Order::Desc
                    }
                }
                "take" => {
                    params.take = value
                        .parse::<i64>()
                        .ok()
                        .filter(|n| *n > 0)
                        .unwrap_or(MAX_TAKE)
                        .min(MAX_TAKE);
                }
                _ => {
                    if let Some(path) = meta_path(&key) {
                        insert_path(&mut meta, &path, typed(&value));
                    }
                }
            }
        }
        params.meta = (!meta.is_empty()).then_some(Value::Object(meta));
        Ok(params)
    }

    /// The page of `limit` items these parameters ask for, in creation order.
    pub fn page(&self, limit: i64) -> Page {
        Page {
            order: self.order,
            after: self.cursor.map_or(After::Start, After::Item),
            meta: self.meta.clone(),
            limit,
        }
    }
}

/// `meta.a.b` or `meta[a.b]` → `["a", "b"]`.
fn meta_path(key: &str) -> Option<Vec<String>> {
    let rest = key
        .strip_prefix("meta.")
        .or_else(|| key.strip_prefix("meta[").and_then(|r| r.strip_suffix(']')))?;
    let parts: Vec<String> = rest.split('.').map(str::to_string).collect();
    (!parts.iter().any(String::is_empty)).then_some(parts)
}

/// `"true"` and `"false"` compare as booleans, as in ChatBotKit; everything else as text.
fn typed(value: &str) -> Value {
    match value {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        other => Value::String(other.to_string()),
    }
}

fn insert_path(map: &mut Map<String, Value>, path: &[String], value: Value) {
    match path {
        [] => {}
        [last] => {
            map.insert(last.clone(), value);
        }
        [first, rest @ ..] => {
            let entry = map
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                insert_path(inner, rest, value);
            }
        }
    }
}

/// Whether the client asked for JSON lines.
pub fn wants_jsonl(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/jsonl"))
}

/// Loads up to `limit` items after `cursor`, as (id, object) pairs in list order.
pub trait PageLoader<T>:
    Fn(&mut PgConnection, &ListParams, i64) -> Result<Vec<(i64, T)>, AppError> + Clone + Send + 'static
{
}
impl<T, F> PageLoader<T> for F where
    F: Fn(&mut PgConnection, &ListParams, i64) -> Result<Vec<(i64, T)>, AppError>
        + Clone
        + Send
        + 'static
{
}

/// Answers a list request: one page as JSON, or every page streamed as JSON lines.
///
/// The first page is read on the request's connection. A stream gives it back before
/// answering and checks one out per later page, so a slow reader does not hold a connection
/// for the whole stream.
pub async fn respond<T: Serialize + Send + 'static>(
    request: &HttpRequest,
    db: &RequestDb,
    params: ListParams,
    load: impl PageLoader<T>,
) -> Result<HttpResponse, AppError> {
    if !wants_jsonl(request) {
        let page_params = params.clone();
        let items = db
            .read(move |conn| load(conn, &page_params, page_params.take))
            .await?;
        let page = ListPage {
            cursor: items.last().map(|(id, _)| ApiId(*id)),
            items: items.into_iter().map(|(_, item)| item).collect(),
        };
        return json::ok(&page);
    }
    // JSON lines: fetch page after page until the list or `take` runs out. The first page is
    // loaded before answering, so an error still gets a proper status.
    let first = {
        let first_params = params.clone();
        let load = load.clone();
        db.read(move |conn| load(conn, &first_params, first_params.take.min(MAX_TAKE)))
            .await?
    };
    db.release();
    let db = db.clone();
    let stream = futures_util::stream::unfold(
        Some((first, params.clone(), params.take)),
        move |progress| {
            let db = db.clone();
            let load = load.clone();
            async move {
                let (items, mut params, remaining) = progress?;
                if items.is_empty() || remaining <= 0 {
                    return None;
                }
                let items: Vec<(i64, T)> = items.into_iter().take(remaining as usize).collect();
                let remaining = remaining - items.len() as i64;
                let mut chunk = String::new();
                for (_, item) in &items {
                    match json::line(&Line::item(item)) {
                        Ok(line) => chunk.push_str(&line),
                        Err(error) => {
                            chunk.push_str(&json::error_line(&error));
                            return Some((Ok(Bytes::from(chunk)), None));
                        }
                    }
                }
                params.cursor = items.last().map(|(id, _)| *id);
                let next = if remaining > 0 {
                    let next_params = params.clone();
                    let loaded = db
                        .read(move |conn| load(conn, &next_params, remaining.min(MAX_TAKE)))
                        .await;
                    db.release();
                    match loaded {
                        Ok(next) => Some((next, params, remaining)),
                        Err(error) => {
                            chunk.push_str(&json::error_line(&error));
                            None
                        }
                    }
                } else {
                    None
                };
                Some((Ok::<_, actix_web::Error>(Bytes::from(chunk)), next))
            }
        },
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/jsonl"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(stream))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_clamping() {
        assert_eq!(ListParams::from_query("").unwrap(), ListParams::default());
        let p = ListParams::from_query("take=500&order=asc&cursor=42").unwrap();
        assert_eq!((p.take, p.order, p.cursor), (100, Order::Asc, Some(42)));
        assert_eq!(
            ListParams::from_query("take=abc&order=sideways")
                .unwrap()
                .take,
            100
        );
        assert_eq!(ListParams::from_query("take=0").unwrap().take, 100);
        assert_eq!(ListParams::from_query("take=3").unwrap().take, 3);
        assert!(ListParams::from_query("cursor=abc").is_err());
    }

    #[test]
    fn meta_filters_nest_and_type_booleans() {
        let p = ListParams::from_query("meta.plan=pro&meta.crm.id=A-1&meta%5Bvip%5D=true").unwrap();
        assert_eq!(
            p.meta,
            Some(json!({"plan": "pro", "crm": {"id": "A-1"}, "vip": true}))
        );
        assert_eq!(ListParams::from_query("meta.=x").unwrap().meta, None);
    }
}
