//! The JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of every request and response body,
//! by name: the one place where the API's shapes are written down for `openapi.json`.
//!
//! The `ENDPOINTS` table names a schema for each endpoint's request and response;
//! [`super::openapi::document`] looks the names up here, follows the `$ref`s between schemas,
//! and fails (a unit test in `openapi.rs` runs it) when a name is unknown. So when you add an
//! endpoint, add its schemas to [`schema`] too, shaped exactly like the JSON your handler
//! reads and writes: ids are strings, times epoch milliseconds, unset fields present as `null`.
//! `tests/api/openapi_conformance.rs` holds them to that: it checks every endpoint's real
//! answers against these schemas, and each request schema's keys against what serde reads.

use super::listing::MAX_TAKE;
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
        "Id" => object(
            "The id of what was created, changed or deleted.",
            &[("id", id())],
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
        "Contact" => object(
            "A contact. Every key is present; unset ones are `null`.",
            &[
                ("id", id()),
                ("name", nullable_string()),
                ("description", nullable_string()),
                (
                    "fingerprint",
                    json!({"type": "string", "description": "Unique per contact; set by the caller (trusted) or derived by `contact/ensure` (untrusted)."}),
                ),
                ("email", nullable_string()),
                (
                    "phone",
                    json!({"type": ["string", "null"], "description": "E.164, e.g. +12125550147."}),
                ),
                ("nick", nullable_string()),
                ("preferences", nullable_string()),
                ("verifiedAt", nullable_ms()),
                ("meta", reference("Meta")),
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
        ),
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
        "ContactContext" => object(
            "What an agent should know about a contact, with a prompt-ready `text` that fits \
             in `maxChars` (the newest memories first; `omitted*` count what did not fit).",
            &[
                (
                    "contact",
                    object(
                        "",
                        &[
                            ("id", id()),
                            ("name", nullable_string()),
                            ("nick", nullable_string()),
                            ("description", nullable_string()),
                            ("preferences", nullable_string()),
                        ],
                    ),
                ),
                (
                    "memories",
                    array(object(
                        "",
                        &[
                            ("id", id()),
                            ("text", json!({"type": "string"})),
                            ("createdAt", ms()),
                        ],
                    )),
                ),
                ("omittedMemories", json!({"type": "integer"})),
                (
                    "tasks",
                    array(object(
                        "",
                        &[
                            ("id", id()),
                            ("name", json!({"type": "string"})),
                            ("schedule", nullable_string()),
                            ("scheduleText", json!({"type": "string"})),
                            ("timezone", json!({"type": "string"})),
                            ("nextRunAt", nullable_ms()),
                        ],
                    )),
                ),
                ("omittedTasks", json!({"type": "integer"})),
                ("maxChars", json!({"type": "integer"})),
                ("text", json!({"type": "string"})),
                (
                    "size",
                    json!({"type": "integer", "description": "Characters in `text`."}),
                ),
            ],
        ),

        // What belongs to a contact.
        "Conversation" => object(
            "A conversation, linked to a contact or to none. Its subject is its `name`.",
            &[
                ("id", id()),
                ("name", nullable_string()),
                (
                    "description",
                    always_null("Conversations have no description here."),
                ),
                ("contactId", nullable_id()),
                ("channel", channel()),
                ("meta", reference("Meta")),
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
        ),
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
        "Message" => object(
            "One message of a conversation; its author is its `type`.",
            &[
                ("id", id()),
                ("name", always_null("Messages have no name.")),
                ("description", always_null("Messages have no description.")),
                ("conversationId", id()),
                ("type", message_type()),
                ("text", json!({"type": "string"})),
                ("meta", reference("Meta")),
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
        ),
        "MessageCreate" => input_requiring(
            "A new message: who wrote it and what it says.",
            &[
                ("type", nullable(message_type())),
                ("text", nullable_string()),
            ],
            &["type", "text"],
        ),
        "Rating" => object(
            "A rating of a conversation or of one of its messages.",
            &[
                ("id", id()),
                ("name", always_null("Ratings have no name.")),
                ("description", always_null("Ratings have no description.")),
                ("contactId", nullable_id()),
                ("conversationId", nullable_id()),
                ("messageId", nullable_id()),
                ("value", rating_value()),
                ("reason", nullable_string()),
                ("meta", always_null("Ratings have no metadata.")),
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
        ),
        "RatingCreate" => input(
            "An upvote or downvote: `value` defaults to 100 (upvote) or -100 (downvote).",
            &[
                ("value", nullable(rating_value())),
                ("reason", nullable_string()),
            ],
        ),
        "Memory" => object(
            "Something worth remembering about a contact.",
            &[
                ("id", id()),
                ("name", always_null("Memories have no name.")),
                ("description", always_null("Memories have no description.")),
                ("contactId", id()),
                ("text", json!({"type": "string"})),
                ("meta", reference("Meta")),
                ("createdAt", ms()),
                ("updatedAt", ms()),
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
        "MemorySearchResult" => object(
            "Up to 10 memories, best match first.",
            &[(
                "items",
                array(object(
                    "",
                    &[("id", id()), ("text", json!({"type": "string"}))],
                )),
            )],
        ),
        "Task" => object(
            "A task to do for a contact, once or on a schedule.",
            &[
                ("id", id()),
                ("name", json!({"type": "string"})),
                ("description", nullable_string()),
                ("contactId", id()),
                (
                    "schedule",
                    json!({"type": ["string", "null"], "description": "A cron expression; `null` for a task run on demand."}),
                ),
                (
                    "timezone",
                    json!({"type": "string", "description": "An IANA time zone."}),
                ),
                (
                    "status",
                    json!({"type": "string", "enum": ["idle", "running", "canceled"]}),
                ),
                (
                    "outcome",
                    json!({"type": "string", "enum": ["pending", "success", "failure"], "description": "How the last run ended."}),
                ),
                ("lastRunAt", nullable_ms()),
                ("nextRunAt", nullable_ms()),
                ("meta", always_null("Tasks have no metadata here.")),
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
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
        "Space" => object(
            "A space: a folder of files, usually of one contact.",
            &[
                ("id", id()),
                ("name", json!({"type": "string"})),
                ("description", nullable_string()),
                ("contactId", nullable_id()),
                ("meta", always_null("Spaces have no metadata here.")),
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
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
        "SpaceFile" => object(
            "A file in a space.",
            &[
                ("id", id()),
                ("spaceId", id()),
                (
                    "path",
                    json!({"type": "string", "description": "The file's name (spaces are flat)."}),
                ),
                ("size", json!({"type": "integer", "minimum": 0})),
                ("contentType", json!({"type": "string"})),
                (
                    "sha256",
                    json!({"type": "string", "description": "The SHA-256 of the bytes, in hex."}),
                ),
                ("createdAt", ms()),
                ("updatedAt", ms()),
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
        "Secret" => object(
            "A secret of a contact: its name and type, never its value.",
            &[
                ("id", id()),
                ("name", json!({"type": "string"})),
                ("description", nullable_string()),
                ("type", secret_type()),
                ("meta", always_null("Secrets have no metadata here.")),
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
        ),
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
             identity secret) makes the contact verified and keyed by `userId`; a wrong \
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
fn object(description: &str, properties: &[(&str, Value)]) -> Value {
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

fn message_type() -> Value {
    let names: Vec<&str> = MessageRole::ALL.iter().map(|role| role.as_str()).collect();
    json!({"type": "string", "enum": names})
}

fn channel() -> Value {
    let names: Vec<&str> = Channel::ALL
        .iter()
        .map(|channel| channel.as_str())
        .collect();
    json!({"type": "string", "enum": names, "description": "Where the conversation took place."})
}

fn secret_type() -> Value {
    let names: Vec<&str> = SecretKind::ALL.iter().map(|kind| kind.as_str()).collect();
    json!({"type": "string", "enum": names})
}

/// A secret's value as sent: text, or an object whose keys depend on the type.
fn secret_value() -> Value {
    json!({"type": ["string", "object", "null"], "writeOnly": true})
}

/// Any 32-bit integer (ChatBotKit accepts any; ±100 by convention).
fn rating_value() -> Value {
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
fn always_null(why: &str) -> Value {
    json!({"type": "null", "description": why})
}

fn array(items: Value) -> Value {
    json!({"type": "array", "items": items})
}

fn id() -> Value {
    json!({"type": "string", "pattern": "^[1-9][0-9]*$"})
}

fn nullable_id() -> Value {
    json!({"type": ["string", "null"], "pattern": "^[1-9][0-9]*$"})
}

/// An id in a request: a string as responses give it, or a number; `null` is as absent.
fn nullable_id_input() -> Value {
    json!({"oneOf": [id(), {"type": "integer", "minimum": 1}, {"type": "null"}]})
}

fn nullable_string() -> Value {
    json!({"type": ["string", "null"]})
}

fn ms() -> Value {
    json!({"type": "integer", "description": "Epoch milliseconds."})
}

fn nullable_ms() -> Value {
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
