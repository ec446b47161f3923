//! `contact/{id}/secret/create`, `contact/{id}/secret/{sid}/update` and
//! `contact/{id}/secret/{sid}/delete`: a contact's credentials, encrypted by the same code as
//! the Secrets tab's (`models::secret`).
//!
//! A value is write-only: it is never part of a response, an error message, a log line or an
//! audit entry. It is read from the body as plain JSON (so a value of the wrong shape cannot
//! end up quoted in a parse error), moved into the dashboard's [`SecretValueInput`] (wiped
//! from memory when dropped) and validated by the same rules:
//!
//! | type | value |
//! |---|---|
//! | `plain` | `"text"` or `{"text"}` |
//! | `bearer` | `"token"` or `{"token"}` |
//! | `basic` | `{"username", "password"}` |
//! | `oauth` | `{"clientId", "clientSecret", "refreshToken"?}` |

use super::{Empty, check, field_or, merge_renamed};
use crate::api::caller::ApiWriter;
use crate::api::json::{self, ApiJson};
use crate::domain::secret::{SecretDetails, SecretKind, SecretValue, SecretValueInput};
use crate::domain::{ContactId, FieldErrors, SecretId};
use crate::error::AppError;
use crate::models::secret::{self, Edit, Update, WriteError};
use crate::startup::AppState;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value};

/// The dashboard's value inputs, as the API names them.
const VALUE_FIELDS: &[(&str, &str)] = &[
    ("value_text", "value"),
    ("value_token", "value"),
    ("value_username", "value.username"),
    ("value_password", "value.password"),
    ("value_client_id", "value.clientId"),
    ("value_client_secret", "value.clientSecret"),
    ("value_refresh_token", "value.refreshToken"),
];

/// Takes the string under one of `keys` out of `object`; `None` when absent or null.
fn take_text(
    object: &mut Map<String, Value>,
    keys: &[&str],
    field: &str,
    errors: &mut FieldErrors,
) -> Option<String> {
    let mut found = None;
    for key in keys {
        match object.remove(*key) {
            Some(Value::String(text)) => found = Some(text),
            Some(Value::Null) | None => {}
            Some(_) => errors.add(field, "Must be text."),
        }
    }
    found
}

/// Moves a value as sent into the form's inputs for `kind`; a value of the wrong shape is a
/// problem under `value` (described without repeating anything that was sent).
fn value_input(kind: SecretKind, value: Value, errors: &mut FieldErrors) -> SecretValueInput {
    let mut input = SecretValueInput::default();
    let shape = match kind {
        SecretKind::Plain => "text, or {\"text\": \"…\"}",
        SecretKind::Bearer => "the token as text, or {\"token\": \"…\"}",
        SecretKind::Basic => "{\"username\": \"…\", \"password\": \"…\"}",
        SecretKind::OAuth => {
            "{\"clientId\": \"…\", \"clientSecret\": \"…\", \"refreshToken\": \"…\" (optional)}"
        }
    };
    let mut object = match (kind, value) {
        (SecretKind::Plain, Value::String(text)) => {
            input.value_text = text;
            return input;
        }
        (SecretKind::Bearer, Value::String(token)) => {
            input.value_token = token;
            return input;
        }
        (_, Value::Object(object)) => object,
        _ => {
            errors.add("value", format!("A {kind} secret's value is {shape}."));
            return input;
        }
    };
    match kind {
        SecretKind::Plain => {
            input.value_text =
                take_text(&mut object, &["text"], "value.text", errors).unwrap_or_default();
        }
        SecretKind::Bearer => {
            input.value_token =
                take_text(&mut object, &["token"], "value.token", errors).unwrap_or_default();
        }
        SecretKind::Basic => {
            input.value_username =
                take_text(&mut object, &["username"], "value.username", errors).unwrap_or_default();
            input.value_password =
                take_text(&mut object, &["password"], "value.password", errors).unwrap_or_default();
        }
        SecretKind::OAuth => {
            input.value_client_id = take_text(
                &mut object,
                &["clientId", "client_id"],
                "value.clientId",
                errors,
            )
            .unwrap_or_default();
            input.value_client_secret = take_text(
                &mut object,
                &["clientSecret", "client_secret"],
                "value.clientSecret",
                errors,
            )
            .unwrap_or_default();
            input.value_refresh_token = take_text(
                &mut object,
                &["refreshToken", "refresh_token"],
                "value.refreshToken",
                errors,
            )
            .unwrap_or_default();
        }
    }
    if let Some(key) = object.keys().next() {
        errors.add(
            "value",
            format!(
                "A {kind} secret's value is {shape}; \"{}\" is not part of it.",
                crate::domain::file_name::for_display(key)
            ),
        );
    }
    input
}

/// The kind as sent in `type`.
fn parse_kind(sent: Option<&str>, errors: &mut FieldErrors) -> Option<SecretKind> {
    let names: Vec<&str> = SecretKind::ALL.iter().map(|k| k.as_str()).collect();
    match sent.map(str::trim) {
        None | Some("") => {
            errors.add(
                "type",
                format!(
                    "Say what kind of secret it is: one of {}.",
                    names.join(", ")
                ),
            );
            None
        }
        Some(text) => errors.check(
            "type",
            text.parse::<SecretKind>()
                .map_err(|_| format!("Use one of {}.", names.join(", "))),
        ),
    }
}

/// Validates a value of `kind`; problems under the API's field names.
fn validate_value(kind: SecretKind, value: Value, errors: &mut FieldErrors) -> Option<SecretValue> {
    let input = value_input(kind, value, errors);
    if errors.has("value") {
        return None;
    }
    match input.validate(kind) {
        Ok(value) => Some(value),
        Err(found) => {
            merge_renamed(errors, &found, VALUE_FIELDS);
            None
        }
    }
}

fn name_taken(name: &str) -> AppError {
    AppError::Conflict(format!(
        "name: This contact already has a secret named “{name}”. Choose another name."
    ))
}

fn write_error(error: WriteError, name: &str) -> AppError {
    match error {
        WriteError::NameTaken => name_taken(name),
        other => other.into(),
    }
}

fn keyring(state: &AppState) -> Result<crate::domain::secret_box::Keyring, AppError> {
    state.settings.secrets_keyring().map_err(AppError::internal)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateSecret {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    /// Read as any JSON, interpreted by [`value_input`].
    #[serde(default)]
    value: Option<Value>,
}

/// `POST contact/{id}/secret/create` `{name, description?, type, value}` → `{"id"}`.
pub async fn create(
    api: ApiWriter,
    path: web::Path<ContactId>,
    ApiJson(body): ApiJson<CreateSecret>,
) -> Result<HttpResponse, AppError> {
    let contact = path.into_inner();
    let mut errors = FieldErrors::new();
    let details = SecretDetails::validate(
        body.name.as_deref().unwrap_or_default(),
        body.description.as_deref().unwrap_or_default(),
    )
    .map_err(|found| merge_renamed(&mut errors, &found, &[]))
    .ok();
    let kind = parse_kind(body.kind.as_deref(), &mut errors);
    let value = match (kind, body.value) {
        (Some(kind), Some(value)) if !value.is_null() => validate_value(kind, value, &mut errors),
        (_, _) => {
            if !errors.has("type") {
                errors.add("value", "Give the secret's value.");
            }
            None
        }
    };
    check(&errors)?;
    let (Some(details), Some(value)) = (details, value) else {
        return Err(AppError::internal("validated secret is incomplete"));
    };
    let keyring = keyring(&api.state)?;
    let actor = api.actor();
    let created = api
        .db
        .write(move |conn| {
            super::path_contact(conn, contact)?;
            secret::create(conn, contact, &details, &value, keyring.primary(), &actor)
                .map_err(|error| write_error(error, &details.name))
        })
        .await?;
    json::id(created.id)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateSecret {
    #[serde(default, deserialize_with = "json::present")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "json::present")]
    description: Option<Option<String>>,
    /// Only with a new value: the kind of that value.
    #[serde(default, rename = "type")]
    kind: Option<String>,
    /// Replaces the value; write-only.
    #[serde(default)]
    value: Option<Value>,
}

/// `POST contact/{id}/secret/{sid}/update` `{name?, description?, type?, value?}` →
/// `{"id"}`. Absent fields stay as they are; a value replaces the stored one (with `type`,
/// possibly of another kind). Both changes are made in one transaction, each audited as the
/// dashboard's edit and replace are.
pub async fn update(
    api: ApiWriter,
    path: web::Path<(ContactId, SecretId)>,
    ApiJson(body): ApiJson<UpdateSecret>,
) -> Result<HttpResponse, AppError> {
    let (contact, id) = path.into_inner();
    let current = api
        .db
        .read(move |conn| Ok(secret::find(conn, contact, id)?))
        .await?;
    let mut errors = FieldErrors::new();
    let details = SecretDetails::validate(
        &field_or(body.name, Some(&current.name)),
        &field_or(body.description, current.description.as_deref()),
    )
    .map_err(|found| merge_renamed(&mut errors, &found, &[]))
    .ok();
    let value = match (body.kind, body.value) {
        (kind, Some(value)) if !value.is_null() => {
            let kind = match kind {
                Some(kind) => parse_kind(Some(&kind), &mut errors),
                None => current.kind(),
            };
            kind.and_then(|kind| validate_value(kind, value, &mut errors))
        }
        (Some(_), _) => {
            errors.add("value", "Send the new value with its type.");
            None
        }
        (None, _) => None,
    };
    check(&errors)?;
    let Some(details) = details else {
        return Err(AppError::internal("validated secret is incomplete"));
    };
    let keyring = keyring(&api.state)?;
    let actor = api.actor();
    let outcome = api
        .db
        .write(move |conn| {
            let edit = Edit {
                details: &details,
                value: value.as_ref(),
            };
            secret::update_details_and_value(
                conn,
                contact,
                id,
                current.version,
                edit,
                keyring.primary(),
                &actor,
            )
            .map_err(|error| write_error(error, &details.name))
        })
        .await?;
    match outcome {
        Update::Saved(_) | Update::Unchanged(_) => json::id(id),
        Update::Conflict(_) => Err(super::changed_meanwhile()),
    }
}

/// `POST contact/{id}/secret/{sid}/delete` `{}` → `{"id"}`. Another contact's secret is not
/// found.
pub async fn delete(
    api: ApiWriter,
    path: web::Path<(ContactId, SecretId)>,
    ApiJson(_): ApiJson<Empty>,
) -> Result<HttpResponse, AppError> {
    let (contact, id) = path.into_inner();
    let actor = api.actor();
    let deleted = api
        .db
        .write(move |conn| Ok(secret::delete(conn, contact, id, &actor)?))
        .await?;
    json::id(deleted.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn validated(kind: SecretKind, value: Value) -> Result<SecretValue, FieldErrors> {
        let mut errors = FieldErrors::new();
        validate_value(kind, value, &mut errors).ok_or(errors)
    }

    #[test]
    fn each_type_takes_its_own_shape() {
        assert_eq!(
            validated(SecretKind::Plain, json!("pin 1234")).unwrap(),
            SecretValue::Plain {
                text: "pin 1234".into()
            }
        );
        assert_eq!(
            validated(SecretKind::Bearer, json!({"token": " tok "})).unwrap(),
            SecretValue::Bearer {
                token: "tok".into()
            }
        );
        assert_eq!(
            validated(
                SecretKind::Basic,
                json!({"username": "ada", "password": "pw"})
            )
            .unwrap(),
            SecretValue::Basic {
                username: "ada".into(),
                password: "pw".into()
            }
        );
        assert_eq!(
            validated(
                SecretKind::OAuth,
                json!({"clientId": "id", "client_secret": "s", "refreshToken": null})
            )
            .unwrap(),
            SecretValue::OAuth {
                client_id: "id".into(),
                client_secret: "s".into(),
                refresh_token: None
            }
        );
    }

    #[test]
    fn wrong_shapes_are_named_without_the_value() {
        let errors = validated(SecretKind::Basic, json!("hunter2")).unwrap_err();
        assert!(errors.message("value").contains("username"));
        assert!(!errors.message("value").contains("hunter2"));
        let errors = validated(SecretKind::Basic, json!({"username": "ada"})).unwrap_err();
        assert!(errors.has("value.password"));
        let errors = validated(SecretKind::OAuth, json!({"clientId": 5})).unwrap_err();
        assert_eq!(errors.message("value.clientId"), "Must be text.");
        let errors = validated(
            SecretKind::Bearer,
            json!({"token": "t", "extra": "hunter2"}),
        )
        .unwrap_err();
        assert!(errors.message("value").contains("\"extra\""));
        assert!(!errors.message("value").contains("hunter2"));
        let errors = validated(SecretKind::Plain, json!(" ")).unwrap_err();
        assert!(errors.has("value"));
    }
}
