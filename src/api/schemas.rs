//! The JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of every request and response body,
//! by name: the one place where the API's shapes are written down for `openapi.json`.
//!
//! The `ENDPOINTS` table names a schema for each endpoint's request and response;
//! [`super::openapi::document`] looks the names up here, follows the `$ref`s between schemas,
//! and fails (a unit test in `openapi.rs` runs it) when a name is unknown. So when you add an
//! endpoint, add its schemas to [`schema`] too, shaped exactly like the JSON your handler
//! reads and writes: ids are strings, times epoch milliseconds, unset fields present as `null`.

use super::listing::MAX_TAKE;
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
            "A conversation, linked to a contact or to none.",
            &[
                ("id", id()),
                ("name", nullable_string()),
                ("description", nullable_string()),
                ("contactId", nullable_id()),
                ("meta", reference("Meta")),
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
        ),
        "ConversationCreate" => input(
            "A new conversation, optionally with its first messages.",
            &[
                ("contactId", id_input()),
                ("name", nullable_string()),
                ("description", nullable_string()),
                ("meta", reference("Meta")),
                ("messages", array(reference("MessageCreate"))),
            ],
        ),
        "Message" => object(
            "One message of a conversation.",
            &[
                ("id", id()),
                ("type", message_type()),
                ("text", json!({"type": "string"})),
                ("meta", reference("Meta")),
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
        ),
        "MessageCreate" => input_requiring(
            "A new message.",
            &[
                ("type", message_type()),
                ("text", json!({"type": "string"})),
                ("meta", reference("Meta")),
            ],
            &["type", "text"],
        ),
        "Rating" => object(
            "A rating of a conversation or of one of its messages.",
            &[
                ("id", id()),
                (
                    "value",
                    json!({"type": "integer", "minimum": -100, "maximum": 100}),
                ),
                ("reason", nullable_string()),
                ("contactId", nullable_id()),
                ("conversationId", nullable_id()),
                ("messageId", nullable_id()),
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
        ),
        "RatingCreate" => input(
            "An upvote or downvote: `value` defaults to 100 (upvote) or -100 (downvote).",
            &[
                (
                    "value",
                    json!({"type": "integer", "minimum": -100, "maximum": 100}),
                ),
                ("reason", nullable_string()),
            ],
        ),
        "Memory" => object(
            "Something worth remembering about a contact.",
            &[
                ("id", id()),
                ("text", json!({"type": "string"})),
                ("meta", reference("Meta")),
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
        ),
        "MemoryCreate" => input_requiring(
            "A new memory of a contact.",
            &[
                ("contactId", id_input()),
                ("text", json!({"type": "string"})),
                ("meta", reference("Meta")),
            ],
            &["contactId", "text"],
        ),
        "MemoryUpdate" => input(
            "Changes to a memory; absent fields stay as they are.",
            &[
                ("text", json!({"type": "string"})),
                ("meta", reference("Meta")),
            ],
        ),
        "MemorySearch" => input_requiring(
            "What to look for in a contact's memories.",
            &[("search", json!({"type": "string"}))],
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
                    json!({"type": ["string", "null"], "description": "A cron expression; `null` for a one-off task."}),
                ),
                (
                    "timezone",
                    json!({"type": "string", "description": "An IANA time zone."}),
                ),
                ("status", json!({"type": "string"})),
                ("outcome", json!({"type": "string"})),
                ("lastRunAt", nullable_ms()),
                ("nextRunAt", nullable_ms()),
                ("meta", reference("Meta")),
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
        ),
        "TaskCreate" => input_requiring(
            "A new task of a contact.",
            &task_fields(),
            &["contactId", "name"],
        ),
        "TaskUpdate" => input(
            "Changes to a task; absent fields stay as they are.",
            &task_fields()[1..],
        ),
        "TaskFinish" => input_requiring(
            "How a run of a task ended.",
            &[
                ("outcome", json!({"type": "string"})),
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
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
        ),
        "SpaceCreate" => input_requiring(
            "A new space.",
            &[
                ("contactId", id_input()),
                ("name", json!({"type": "string"})),
                ("description", nullable_string()),
            ],
            &["name"],
        ),
        "SpaceUpdate" => input(
            "Changes to a space; absent fields stay as they are.",
            &[
                ("name", json!({"type": "string"})),
                ("description", nullable_string()),
            ],
        ),
        "SpaceFile" => object(
            "A file in a space.",
            &[
                ("id", id()),
                ("path", json!({"type": "string"})),
                ("size", json!({"type": "integer", "minimum": 0})),
                ("contentType", json!({"type": "string"})),
                ("sha256", json!({"type": "string"})),
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
        ),
        "File" => json!({
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "description": "A file's bytes.",
        }),
        "Secret" => object(
            "A secret of a contact: its name and type, never its value.",
            &[
                ("id", id()),
                ("name", json!({"type": "string"})),
                ("description", nullable_string()),
                (
                    "type",
                    json!({"type": "string", "enum": ["plain", "basic", "bearer", "oauth"]}),
                ),
                ("createdAt", ms()),
                ("updatedAt", ms()),
            ],
        ),
        "SecretCreate" => input_requiring(
            "A new secret of a contact. The value is write-only: no response contains it.",
            &[
                ("contactId", id_input()),
                ("name", json!({"type": "string"})),
                ("description", nullable_string()),
                (
                    "type",
                    json!({"type": "string", "enum": ["plain", "basic", "bearer", "oauth"]}),
                ),
                ("value", json!({"writeOnly": true})),
            ],
            &["contactId", "name", "value"],
        ),
        "SecretUpdate" => input(
            "Changes to a secret; absent fields stay as they are. The value is write-only.",
            &[
                ("name", json!({"type": "string"})),
                ("description", nullable_string()),
                ("value", json!({"writeOnly": true})),
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

/// A task's writable fields; `contactId` first (not changeable by an update).
fn task_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("contactId", id_input()),
        ("name", json!({"type": "string"})),
        ("description", nullable_string()),
        ("schedule", nullable_string()),
        ("timezone", json!({"type": "string"})),
    ]
}

fn field_requirement() -> Value {
    json!({"type": "string", "enum": ["off", "optional", "required"]})
}

fn message_type() -> Value {
    json!({"type": "string", "enum": ["user", "bot", "context", "staff"]})
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

/// An id in a request: a string as responses give it, or a number.
fn id_input() -> Value {
    json!({"oneOf": [id(), {"type": "integer", "minimum": 1}]})
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
            AppError::TooManyRequests(String::new()),
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
