//! The JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of every request and response body,
//! by name, for `openapi.json`, and the building blocks they are made of.
//!
//! The `ENDPOINTS` table names a schema for each endpoint's request and response;
//! [`super::openapi::document`] looks the names up here, follows the `$ref`s between schemas,
//! and fails (a unit test in `openapi.rs` runs it) when a name is unknown. The response
//! objects' schemas come from their structs in [`super::objects`] (each implements
//! [`ApiSchema`] next to its fields, and a unit test there checks them against what the
//! struct serializes); request bodies, the widget's shapes and the shared ones (`Error`,
//! `Meta`, …) are written here. So when you add an endpoint, give its response object an
//! [`ApiSchema`] and name it in `object_schema`, and add its request schema to [`schema`],
//! shaped exactly like the JSON your handler reads: ids are strings, times epoch
//! milliseconds. `tests/api/openapi_conformance.rs` holds them to that: it checks every
//! endpoint's real answers against these schemas, and each request schema's keys against
//! what serde reads.

use super::listing::MAX_TAKE;
use super::objects::{
    ApiSchema, Contact, ContactContext, Conversation, File, Id, Memory, MemorySearchResult,
    Message, Rating, Secret, Space, Task,
};
use crate::domain::conversation::{Channel, MessageRole};
use crate::domain::secret::SecretKind;
use serde_json::{Value, json};

/// Codes of the `Error` body, with their statuses. The 5xx ones are faults on our side.
pub const ERROR_CODES: [(&str, u16); 10] = [
    ("BAD_REQUEST", 400),
    ("NOT_AUTHENTICATED", 401),
    ("NOT_AUTHORIZED", 403),
    ("NOT_FOUND", 404),
    ("METHOD_NOT_ALLOWED", 405),
    ("CONFLICT", 409),
    ("UNPROCESSABLE_ENTITY", 422),
    ("LIMITS_REACHED", 429),
    ("INTERNAL_SERVER_ERROR", 500),
    ("SERVICE_UNAVAILABLE", 503),
];

/// The schema called `name`, or `None` when there is none by that name.
pub fn schema(name: &str) -> Option<Value> {
    if let Some(schema) = object_schema(name) {
        return Some(schema);
    }
    let schema = match name {
        // What every endpoint shares.
        "Error" => object(
            "An error. `message` is for people (validation messages name the field); `code` \
             is for programs.",
            &[
                ("message", json!({"type": "string"})),
                (
                    "code",
                    json!({"type": "string", "enum": ERROR_CODES.map(|(code, _)| code)}),
                ),
            ],
        ),
        "Empty" => json!({
            "type": "object",
            "description": "An empty object: `{}` (an empty body reads as `{}` too).",
            "additionalProperties": false,
        }),
        "Meta" => json!({
            "type": ["object", "null"],
            "description": "Free-form metadata (keys do not start with `_`).",
            "additionalProperties": true,
        }),
        "OpenApi" => json!({
            "type": "object",
            "description": "This document: the OpenAPI 3.1 description of the API.",
            "additionalProperties": true,
        }),

        // Contacts.
        "ContactCreate" => input("A new contact; every field is optional.", &contact_fields()),
        "ContactEnsure" => input(
            "Finds or creates a contact: by `fingerprint` when given; otherwise by email \
             (ignoring case), then by phone, else creates an unverified contact. A found \
             contact's empty fields are filled from the request.",
            &contact_fields(),
        ),
        "ContactUpdate" => input(
            "Changes to a contact: absent fields stay as they are, `null` clears. `meta` \
             replaces the metadata, unless sent as `{\"$update\": {...}}`, which merges.",
            &contact_fields(),
        ),

        // What belongs to a contact.
        "ConversationCreate" => input_requiring(
            "A new conversation, optionally with its first messages (all in one go). The \
             subject is sent as `name` (ChatBotKit's word) or `subject`; `channel` defaults to \
             `api`.",
            &[
                ("contactId", nullable_id_input()),
                ("name", nullable_string()),
                ("subject", nullable_string()),
                ("channel", nullable(channel())),
                ("meta", reference("Meta")),
                ("messages", nullable(array(reference("MessageCreate")))),
            ],
            &[],
        ),
        "ConversationUpdate" => input(
            "Changes to a conversation: absent fields stay, `null` clears; `meta` replaces. \
             The subject is sent as `name` or `subject`.",
            &[
                ("name", nullable_string()),
                ("subject", nullable_string()),
                ("meta", reference("Meta")),
            ],
        ),
        "ContactUpsert" => input(
            "The contact of a conversation that has none, found or created as \
             `contact/ensure` does.",
            &upsert_fields(),
        ),
        "MessageCreate" => input_requiring(
            "A new message: who wrote it and what it says.",
            &[
                ("type", nullable(message_type())),
                ("text", nullable_string()),
            ],
            &["type", "text"],
        ),
        "RatingCreate" => input(
            "An upvote or downvote: `value` defaults to 100 (upvote) or -100 (downvote).",
            &[
                ("value", nullable(rating_value())),
                ("reason", nullable_string()),
            ],
        ),
        "MemoryCreate" => input_requiring(
            "A new memory of a contact.",
            &[
                ("contactId", nullable_id_input()),
                ("text", nullable_string()),
                ("meta", reference("Meta")),
            ],
            &["contactId", "text"],
        ),
        "MemoryUpdate" => input(
            "Changes to a memory; absent (or `null`) text stays, `meta` replaces (`null` \
             clears).",
            &[("text", nullable_string()), ("meta", json!({}))],
        ),
        "MemorySearch" => input_requiring(
            "What to look for in a contact's memories.",
            &[("search", nullable_string())],
            &["search"],
        ),
        "TaskCreate" => input_requiring(
            "A new task of a contact. No schedule: run on demand; no time zone: UTC.",
            &[
                ("contactId", nullable_id_input()),
                ("name", nullable_string()),
                ("description", nullable_string()),
                ("schedule", nullable_string()),
                ("timezone", nullable_string()),
            ],
            &["contactId", "name"],
        ),
        "TaskUpdate" => input(
            "Changes to a task; absent fields stay as they are, `null` clears (a `null` \
             schedule: on demand; a `null` time zone: UTC).",
            &[
                ("name", nullable_string()),
                ("description", nullable_string()),
                ("schedule", nullable_string()),
                ("timezone", nullable_string()),
            ],
        ),
        "TaskFinish" => input_requiring(
            "How a run of a task ended; `text` (a report) goes into the history.",
            &[
                (
                    "outcome",
                    json!({"type": ["string", "null"], "enum": ["success", "failure", null]}),
                ),
                ("text", nullable_string()),
            ],
            &["outcome"],
        ),
        "SpaceCreate" => input_requiring(
            "A new space, of a contact or (without `contactId`) of none.",
            &[
                ("contactId", nullable_id_input()),
                ("name", nullable_string()),
                ("description", nullable_string()),
            ],
            &["name"],
        ),
        "SpaceUpdate" => input(
            "Changes to a space; absent fields stay as they are.",
            &[
                ("name", nullable_string()),
                ("description", nullable_string()),
            ],
        ),
        "SpaceFileDelete" => input_requiring(
            "Which file of the space to delete.",
            &[("path", nullable_string())],
            &["path"],
        ),
        "File" => json!({
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "description": "A file's bytes.",
        }),
        "FileUpload" => json!({
            "type": "object",
            "description": "An upload as a form: the `file` part, and optionally `path` (its \
                            name in the space, instead of the part's file name) and `replace` \
                            (`true` to replace a file of the same name).",
            "required": ["file"],
            "properties": {
                "file": {"type": "string", "contentMediaType": "application/octet-stream"},
                "path": {"type": "string"},
                "replace": {"type": "string", "enum": ["true", "false", "1", "0"]},
            },
            "additionalProperties": false,
        }),
        "ContactCsv" => json!({
            "type": "string",
            "contentMediaType": "text/csv",
            "description": format!(
                "With `Accept: text/csv`: a header row ({}) and one row per contact, CRLF \
                 line ends; every value quoted with `\"` doubled, `null` as an empty \
                 unquoted field, `meta` as JSON.",
                super::contact_export::CSV_COLUMNS.join(",")
            ),
        }),
        "SecretCreate" => input_requiring(
            "A new secret of the contact in the path. The value is write-only: no response \
             contains it. Its shape depends on `type`: `plain` \"text\" or {\"text\"}, \
             `bearer` \"token\" or {\"token\"}, `basic` {\"username\", \"password\"}, `oauth` \
             {\"clientId\", \"clientSecret\", \"refreshToken\"?}.",
            &[
                ("name", nullable_string()),
                ("description", nullable_string()),
                ("type", nullable(secret_type())),
                ("value", secret_value()),
            ],
            &["name", "type", "value"],
        ),
        "SecretUpdate" => input(
            "Changes to a secret; absent fields stay as they are. A new `value` replaces the \
             stored one (write-only), of its current type or of the `type` sent with it.",
            &[
                ("name", nullable_string()),
                ("description", nullable_string()),
                ("type", nullable(secret_type())),
                ("value", secret_value()),
            ],
        ),

        // Website widget (issue 5).
        "WidgetConfig" => object(
            "A widget's public settings, as its script reads them.",
            &[
                ("id", id()),
                ("name", json!({"type": "string"})),
                (
                    "fields",
                    object(
                        "Which visitor details the widget asks for.",
                        &[
                            ("name", field_requirement()),
                            ("email", field_requirement()),
                            ("phone", field_requirement()),
                        ],
                    ),
                ),
            ],
        ),
        "WidgetSessionCreate" => input(
            "A visitor's new session. `contact` is checked against the widget's settings \
             (required details must be present; details it does not ask for are dropped). \
             `userId` with `userHash` (hex HMAC-SHA256 of `userId` under the widget's \
             identity secret) makes the contact verified and keyed by \
             `widget:<widget id>:<userId>` (each widget's users are its own); a wrong \
             `userHash` is refused with 403.",
            &[
                (
                    "contact",
                    input(
                        "",
                        &[
                            ("name", nullable_string()),
                            ("email", nullable_string()),
                            ("phone", nullable_string()),
                        ],
                    ),
                ),
                ("meta", reference("Meta")),
                (
                    "messages",
                    array(input_requiring(
                        "",
                        &[
                            ("type", json!({"const": "user"})),
                            ("text", json!({"type": "string", "maxLength": 4000})),
                        ],
                        &["text"],
                    )),
                ),
                ("userId", json!({"type": "string"})),
                (
                    "userHash",
                    json!({"type": "string", "pattern": "^[0-9a-fA-F]{64}$"}),
                ),
                (
                    "durationInSeconds",
                    json!({"type": "integer", "minimum": 1800, "maximum": 86400}),
                ),
            ],
        ),
        "WidgetSession" => object(
            "A started session. `token` is shown only here: send it as `Authorization: \
             Bearer <token>` to the session's message endpoints until `expiresAt`.",
            &[
                ("id", id()),
                ("conversationId", id()),
                ("contactId", nullable_id()),
                ("token", json!({"type": "string"})),
                ("expiresAt", ms()),
                ("messages", array(reference("WidgetMessage"))),
            ],
        ),
        "WidgetMessageSend" => input_requiring(
            "A visitor's message.",
            &[("text", json!({"type": "string", "maxLength": 4000}))],
            &["text"],
        ),
        "WidgetMessage" => object(
            "A message as the visitor sees it.",
            &[
                ("id", id()),
                ("type", json!({"type": "string", "enum": ["user", "bot"]})),
                ("text", json!({"type": "string"})),
                ("createdAt", ms()),
            ],
        ),
        "WidgetMessageList" => object(
            "The session's messages after `after`, oldest first (at most 200; ask again \
             with the last id for more).",
            &[("items", array(reference("WidgetMessage")))],
        ),

        // Lists: `XList` is a page of `X`.
        list if list.ends_with("List") => {
            let item = &list[..list.len() - "List".len()];
            schema(item)?;
            list_of(item)
        }
        _ => return None,
    };
    Some(schema)
}

/// The response objects' schemas, given by their structs in [`super::objects`] (which a unit
/// test there holds to what they serialize).
fn object_schema(name: &str) -> Option<Value> {
    Some(match name {
        "Id" => Id::schema(),
        "Contact" => Contact::schema(),
        "ContactContext" => ContactContext::schema(),
        "Conversation" => Conversation::schema(),
        "Message" => Message::schema(),
        "Rating" => Rating::schema(),
        "Memory" => Memory::schema(),
        "MemorySearchResult" => MemorySearchResult::schema(),
        "Task" => Task::schema(),
        "Space" => Space::schema(),
        "SpaceFile" => File::schema(),
        "Secret" => Secret::schema(),
        _ => return None,
    })
}

/// The media type of a body with this schema.
pub fn media_type(name: &str) -> &'static str {
    match name {
        "File" => "application/octet-stream",
        _ => "application/json",
    }
}

/// A `$ref` to the schema called `name`.
pub fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The item schema of a list schema (`{"items": [X], "cursor"}` → X), for JSON lines.
pub fn list_item(list: &Value) -> Option<&Value> {
    list.pointer("/properties/items/items")
}

/// One page of a list, as list endpoints answer in JSON.
fn list_of(item: &str) -> Value {
    json!({
        "type": "object",
        "description": format!(
            "A page of {item} items, newest first unless `order=asc`, at most {MAX_TAKE}. \
             `cursor` is the last item's id: pass it to get the next page. It is absent \
             when the page is empty."
        ),
        "required": ["items"],
        "properties": {
            "items": array(reference(item)),
            "cursor": id(),
        },
    })
}

/// An object whose keys are all present in responses (unset ones are `null`).
pub fn object(description: &str, properties: &[(&str, Value)]) -> Value {
    let mut schema = json!({
        "type": "object",
        "required": properties.iter().map(|(key, _)| *key).collect::<Vec<_>>(),
        "properties": properties.iter().cloned().map(|(k, v)| (k.to_string(), v)).collect::<serde_json::Map<_, _>>(),
    });
    if !description.is_empty() {
        schema["description"] = json!(description);
    }
    schema
}

/// A request body: every key optional, unknown keys refused (400).
fn input(description: &str, properties: &[(&str, Value)]) -> Value {
    input_requiring(description, properties, &[])
}

fn input_requiring(description: &str, properties: &[(&str, Value)], required: &[&str]) -> Value {
    let mut schema = object(description, properties);
    schema["required"] = json!(required);
    schema["additionalProperties"] = json!(false);
    schema
}

fn contact_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("name", nullable_string()),
        ("description", nullable_string()),
        ("fingerprint", nullable_string()),
        ("email", nullable_string()),
        ("phone", nullable_string()),
        ("nick", nullable_string()),
        ("preferences", nullable_string()),
        ("verifiedAt", nullable_ms()),
        ("meta", reference("Meta")),
    ]
}

/// What `conversation/{id}/contact/upsert` takes: ChatBotKit's fields, without
/// `preferences` and `verifiedAt`.
fn upsert_fields() -> Vec<(&'static str, Value)> {
    contact_fields()
        .into_iter()
        .filter(|(key, _)| !matches!(*key, "preferences" | "verifiedAt"))
        .collect()
}

fn field_requirement() -> Value {
    json!({"type": "string", "enum": ["off", "optional", "required"]})
}

pub fn message_type() -> Value {
    let names: Vec<&str> = MessageRole::ALL.iter().map(|role| role.as_str()).collect();
    json!({"type": "string", "enum": names})
}

pub fn channel() -> Value {
    let names: Vec<&str> = Channel::ALL
        .iter()
        .map(|channel| channel.as_str())
        .collect();
    json!({"type": "string", "enum": names, "description": "Where the conversation took place."})
}

pub fn secret_type() -> Value {
    let names: Vec<&str> = SecretKind::ALL.iter().map(|kind| kind.as_str()).collect();
    json!({"type": "string", "enum": names})
}

/// A secret's value as sent: text, or an object whose keys depend on the type.
fn secret_value() -> Value {
    json!({"type": ["string", "object", "null"], "writeOnly": true})
}

/// Any 32-bit integer (ChatBotKit accepts any; ±100 by convention).
pub fn rating_value() -> Value {
    json!({"type": "integer", "minimum": i32::MIN, "maximum": i32::MAX})
}

/// `schema`, or `null` (for request fields where `null` means "not sent").
fn nullable(mut schema: Value) -> Value {
    if let Some(kind) = schema.get("type").and_then(Value::as_str) {
        schema["type"] = json!([kind, "null"]);
    } else if let Some(kinds) = schema.get_mut("type").and_then(Value::as_array_mut)
        && !kinds.contains(&json!("null"))
    {
        kinds.push(json!("null"));
    }
    if let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut) {
        values.push(Value::Null);
    }
    schema
}

/// A key present in every response that is always `null` here (ChatBotKit has it).
pub fn always_null(why: &str) -> Value {
    json!({"type": "null", "description": why})
}

pub fn array(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

pub fn id() -> Value {
    json!({"type": "string", "pattern": "^[1-9][0-9]*$"})
}

pub fn nullable_id() -> Value {
    json!({"type": ["string", "null"], "pattern": "^[1-9][0-9]*$"})
}

/// An id in a request: a string as responses give it, or a number; `null` is as absent.
fn nullable_id_input() -> Value {
    json!({"oneOf": [id(), {"type": "integer", "minimum": 1}, {"type": "null"}]})
}

pub fn nullable_string() -> Value {
    json!({"type": ["string", "null"]})
}

pub fn ms() -> Value {
    json!({"type": "integer", "description": "Epoch milliseconds."})
}

pub fn nullable_ms() -> Value {
    json!({"type": ["integer", "null"], "description": "Epoch milliseconds, or null."})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    #[test]
    fn lists_are_pages_of_known_items() {
        let list = schema("ContactList").unwrap();
        assert_eq!(list_item(&list), Some(&reference("Contact")));
        assert_eq!(list["required"], json!(["items"]));
        assert!(schema("NothingList").is_none());
        assert!(schema("List").is_none());
        assert!(schema("Nothing").is_none());
    }

    #[test]
    fn secrets_never_show_their_value() {
        for name in ["Secret", "SecretList"] {
            assert!(!schema(name).unwrap().to_string().contains("\"value\""));
        }
    }

    #[test]
    fn every_code_the_server_sends_is_in_the_error_schema() {
        let error = schema("Error").unwrap();
        let codes = &error["properties"]["code"]["enum"];
        for sent in [
            AppError::NotFound,
            AppError::NotAuthenticated,
            AppError::Forbidden,
            AppError::CsrfRejected,
            AppError::BadRequest(String::new()),
            AppError::Conflict(String::new()),
            AppError::Unprocessable(String::new()),
            AppError::TooManyRequests {
                message: String::new(),
                retry_after_secs: 1,
            },
            AppError::PayloadTooLarge,
            AppError::MethodNotAllowed,
            AppError::DatabaseUnavailable("x".into()),
            AppError::internal("x"),
        ] {
            assert!(
                codes.as_array().unwrap().contains(&json!(sent.code())),
                "{} missing",
                sent.code()
            );
        }
    }

    #[test]
    fn request_bodies_refuse_unknown_keys_and_responses_list_every_key() {
        let create = schema("ContactCreate").unwrap();
        assert_eq!(create["additionalProperties"], json!(false));
        assert_eq!(create["required"], json!([]));
        let contact = schema("Contact").unwrap();
        assert_eq!(contact["required"].as_array().unwrap().len(), 12);
    }
}
