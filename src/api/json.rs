//! JSON in and out, the way ChatBotKit's API and SDK expect it: bodies parsed with errors
//! that name the field, responses with `content-type: application/json` exactly, ids as
//! strings, times as epoch milliseconds, unset values as `null`.

use super::objects::{Id, Line};
use crate::error::AppError;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use std::future::Future;
use std::pin::Pin;

/// A JSON request body. An empty body reads as `{}` (the SDK's `delete` sends `{}`, curl users
/// often send nothing).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = Bytes::from_request(request, payload);
        Box::pin(async move {
            let body = bytes.await.map_err(|_| AppError::PayloadTooLarge)?;
            let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
                b"{}"
            } else {
                &body
            };
            let mut reader = serde_json::Deserializer::from_slice(body);
            let value = serde_path_to_error::deserialize(&mut reader)
                .map_err(|error| AppError::BadRequest(body_error(&error)))?;
            reader.end().map_err(|error| {
                AppError::BadRequest(format!("The request body is not acceptable: {error}."))
            })?;
            Ok(ApiJson(value))
        })
    }
}

/// Why a body was not acceptable, naming the field when the problem is in one
/// (`text: invalid type: integer `5`, expected a string`).
fn body_error(error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let path = error.path().to_string();
    if matches!(path.as_str(), "" | "." | "?") {
        format!("The request body is not acceptable: {}.", error.inner())
    } else {
        format!(
            "The request body is not acceptable: {path}: {}.",
            error.inner()
        )
    }
}

/// A 200 response with `value` as JSON and exactly `application/json` as its type.
pub fn ok(value: &impl Serialize) -> Result<HttpResponse, AppError> {
    let body = serde_json::to_string(value).map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// `{"id": "<id>"}`, what writes answer.
pub fn id(id: impl Into<i64>) -> Result<HttpResponse, AppError> {
    ok(&Id::new(id))
}

/// `value` as one line of JSON lines, with its line end.
pub fn line(value: &impl Serialize) -> Result<String, AppError> {
    let mut line = serde_json::to_string(value).map_err(AppError::internal)?;
    line.push('\n');
    Ok(line)
}

/// Epoch milliseconds, as the API sends every time.
pub fn ms(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

pub fn ms_opt(time: Option<DateTime<Utc>>) -> Option<i64> {
    time.map(ms)
}

/// A time given in epoch milliseconds.
pub fn from_ms(value: i64) -> Result<DateTime<Utc>, AppError> {
    DateTime::from_timestamp_millis(value).ok_or_else(|| {
        AppError::Unprocessable(format!("{value} is not a time in epoch milliseconds"))
    })
}

/// An error reported in-band in a stream of JSON lines (`{"data": {"message", "code"},
/// "type": "error"}`), as ChatBotKit does: mid-stream the status is gone.
pub fn error_line(error: &AppError) -> String {
    let mut line = serde_json::json!(Line::error(error.to_json())).to_string();
    line.push('\n');
    line
}

/// For `Option<Option<T>>` fields: absent stays `None`, `null` becomes `Some(None)`, so an
/// update can tell "leave it" from "clear it". Use with `#[serde(default, deserialize_with = "present")]`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An id sent as a string (`"42"`, as the API returns them) or a number, read as `T` (a
/// table's id type). The text is read as leniently as it always was (spaces around it, a
/// leading `+`), so it is parsed as a number here rather than with `T::from_str`.
pub fn flexible_id<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        Text(String),
        Number(i64),
    }
    let not_an_id = |shown: String| serde::de::Error::custom(format!("{shown} is not an id"));
    match Id::deserialize(deserializer)? {
        Id::Number(n) if n > 0 => T::try_from(n).map_err(|_| not_an_id(n.to_string())),
        Id::Text(text) => text
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| not_an_id(format!("\"{text}\""))),
        Id::Number(n) => Err(not_an_id(n.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Update {
        #[serde(default, deserialize_with = "present")]
        name: Option<Option<String>>,
        #[serde(default, deserialize_with = "flexible_id_opt")]
        contact_id: Option<i64>,
    }

    fn flexible_id_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        flexible_id(d).map(Some)
    }

    #[test]
    fn absent_null_and_value_differ() {
        let absent: Update = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.name, None);
        let null: Update = serde_json::from_str(r#"{"name": null}"#).unwrap();
        assert_eq!(null.name, Some(None));
        let set: Update = serde_json::from_str(r#"{"name": "Ada", "contact_id": "7"}"#).unwrap();
        assert_eq!(set.name, Some(Some("Ada".into())));
        assert_eq!(set.contact_id, Some(7));
        assert!(serde_json::from_str::<Update>(r#"{"contact_id": "x"}"#).is_err());
        assert!(serde_json::from_str::<Update>(r#"{"contact_id": -1}"#).is_err());
    }

    #[test]
    fn body_errors_name_the_field() {
        let read = |text: &str| {
            let mut reader = serde_json::Deserializer::from_str(text);
            serde_path_to_error::deserialize::<_, Update>(&mut reader)
                .map(|_| ())
                .map_err(|e| body_error(&e))
        };
        let message = read(r#"{"name": 5}"#).unwrap_err();
        assert!(message.contains("name: invalid type"), "{message}");
        let message = read("{").unwrap_err();
        assert!(
            message.starts_with("The request body is not acceptable: EOF"),
            "{message}"
        );
    }
}
