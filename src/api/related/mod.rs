//! Everything related to a contact, through the API: the contact's lists (conversations,
//! tasks, spaces, memories, ratings, secrets) and the writes of each kind of object, under
//! its own resource (`memory/create`, `task/{id}/update`, `space/{id}/storage/upload`, …).
//!
//! Writes validate with the dashboard's domain rules and go through the same model
//! functions, so they record the same audit events, with the token as the actor. A body that
//! cannot be read (bad JSON, an unknown field, a wrong type) is a 400; a readable body with
//! invalid values is a 422 whose message names every field in error.

pub mod contact_upsert;
pub mod conversations;
pub mod lists;
pub mod memories;
pub mod secrets;
pub mod spaces;
pub mod storage;
pub mod tasks;
pub mod votes;

use crate::domain::{ContactId, FieldErrors, MetaFields};
use crate::error::AppError;
use crate::models::contact;
use diesel::PgConnection;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A 422 naming every field in error: `name: Give the task a name…; schedule: …`.
pub fn invalid(errors: &FieldErrors) -> AppError {
    let message = errors
        .iter()
        .map(|(field, error)| format!("{field}: {}", error.message))
        .collect::<Vec<_>>()
        .join("; ");
    AppError::Unprocessable(message)
}

/// A 422 for one field.
pub fn invalid_field(field: &str, message: impl Into<String>) -> AppError {
    let mut errors = FieldErrors::new();
    errors.add(field, message);
    invalid(&errors)
}

/// `Ok` when nothing was recorded, otherwise the 422.
pub fn check(errors: &FieldErrors) -> Result<(), AppError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(invalid(errors))
    }
}

/// Adds `found` to `errors`, with each field renamed by `names` (the dashboard's input names
/// to the API's field names); fields not listed keep their name.
pub fn merge_renamed(errors: &mut FieldErrors, found: &FieldErrors, names: &[(&str, &str)]) {
    for (field, error) in found.iter() {
        let name = names
            .iter()
            .find(|(from, _)| *from == field)
            .map_or(field, |(_, to)| *to);
        errors.add(name, error.message.clone());
    }
}

/// Meta as sent (absent or `null`: none), validated; problems go into `errors`.
pub fn meta(value: Option<Value>, errors: &mut FieldErrors) -> Option<Value> {
    match MetaFields::from_json(&value.unwrap_or(Value::Null)) {
        Ok(meta) => Some(meta.into_json()),
        Err(found) => {
            merge_renamed(errors, &found, &[]);
            None
        }
    }
}

/// A `contactId` in a body: `"42"`, `42` or `null` (absent). Anything else is unreadable (400).
pub fn optional_id<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<ContactId>, D::Error> {
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "super::json::flexible_id")] ContactId);
    Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(id)| id))
}

/// The contact a body names: it must exist, or the field is in error (422).
pub fn existing_contact(
    connection: &mut PgConnection,
    id: ContactId,
    field: &str,
) -> Result<ContactId, AppError> {
    let found = contact::exists(connection, id)?;
    if found {
        Ok(id)
    } else {
        Err(invalid_field(
            field,
            format!("There is no contact with the id \"{id}\"."),
        ))
    }
}

/// The contact a path names; 404 when it does not exist.
pub fn path_contact(connection: &mut PgConnection, id: ContactId) -> Result<(), AppError> {
    contact::find(connection, id)?;
    Ok(())
}

/// Someone saved the row between our read and our write (updates name no version, so they
/// check the one they read): nothing was written.
pub fn changed_meanwhile() -> AppError {
    AppError::Conflict(
        "It was changed by someone else while this update was being made; nothing was \
         written. Try again."
            .into(),
    )
}

/// A body that must be `{}` (deletes). Unknown fields are refused like everywhere else.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// `Some(Some(text))` → the text, `Some(None)` (sent as `null`) → "", absent → `current`:
/// how an update turns an optional field into what the dashboard's form would have held.
pub fn field_or(sent: Option<Option<String>>, current: Option<&str>) -> String {
    match sent {
        Some(value) => value.unwrap_or_default(),
        None => current.unwrap_or_default().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages_name_every_field() {
        let mut errors = FieldErrors::new();
        errors.add("name", "Give the task a name.");
        errors.add("schedule", "Bad hour.");
        let message = invalid(&errors).public_message();
        assert_eq!(message, "name: Give the task a name.; schedule: Bad hour.");
    }

    #[test]
    fn renamed_fields() {
        let mut found = FieldErrors::new();
        found.add("value_token", "Enter the token.");
        found.add("name", "Too long.");
        let mut errors = FieldErrors::new();
        merge_renamed(&mut errors, &found, &[("value_token", "value")]);
        assert_eq!(errors.message("value"), "Enter the token.");
        assert_eq!(errors.message("name"), "Too long.");
    }

    #[test]
    fn meta_is_validated_and_null_is_empty() {
        let mut errors = FieldErrors::new();
        assert_eq!(meta(None, &mut errors), Some(json!({})));
        assert_eq!(
            meta(Some(json!({"a": 1})), &mut errors),
            Some(json!({"a": 1}))
        );
        assert!(errors.is_empty());
        assert_eq!(meta(Some(json!("x")), &mut errors), None);
        assert!(errors.has("meta"));
    }

    #[test]
    fn ids_in_bodies() {
        #[derive(Deserialize)]
        struct Body {
            #[serde(default, deserialize_with = "optional_id")]
            contact_id: Option<ContactId>,
        }
        let read = |text: &str| serde_json::from_str::<Body>(text).map(|b| b.contact_id);
        assert_eq!(read(r#"{"contact_id": "7"}"#).unwrap(), Some(ContactId(7)));
        assert_eq!(read(r#"{"contact_id": 7}"#).unwrap(), Some(ContactId(7)));
        assert_eq!(read(r#"{"contact_id": null}"#).unwrap(), None);
        assert_eq!(read("{}").unwrap(), None);
        assert!(read(r#"{"contact_id": "x"}"#).is_err());
    }

    #[test]
    fn updates_fall_back_to_the_current_value() {
        assert_eq!(field_or(None, Some("kept")), "kept");
        assert_eq!(field_or(Some(None), Some("kept")), "");
        assert_eq!(field_or(Some(Some("new".into())), None), "new");
    }
}
