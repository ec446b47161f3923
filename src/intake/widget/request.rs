//! The widget API's request bodies and their checks: the visitor's details against the
//! widget's field settings (with the dashboard's rules for each field), the identity proof,
//! the first messages and the page's metadata. Every problem is reported at once, each led by
//! its field (`email: …`), as the API's 422 messages are.

use super::identity;
use crate::domain::contact_patch::{ContactPatch, ContactPatchInput, Purpose};
use crate::domain::fingerprint::Fingerprint;
use crate::domain::integration::FieldRequirement;
use crate::domain::{FieldErrors, MetaFields, PhoneRegion};
use crate::models::widget_session::Visitor;
use serde::Deserialize;
use serde_json::Value;

/// The longest message a visitor may send.
pub const MAX_MESSAGE_CHARS: usize = 4_000;
/// How many messages a session may start with.
pub const MAX_INITIAL_MESSAGES: usize = 20;
/// ChatBotKit's bounds for a requested session length (`durationInSeconds`).
pub const MIN_DURATION_SECS: u64 = 1_800;
pub const MAX_DURATION_SECS: u64 = 86_400;

/// `POST …/session/create`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateBody {
    #[serde(default)]
    pub contact: Option<ContactBody>,
    #[serde(default)]
    pub meta: Option<Value>,
    #[serde(default)]
    pub messages: Option<Vec<InitialMessage>>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub user_hash: Option<String>,
    /// Capped by the server's session lifetime.
    #[serde(default)]
    pub duration_in_seconds: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InitialMessage {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    pub text: String,
}

/// `POST …/message/send`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    pub text: String,
}

/// Which details the widget asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields {
    pub name: FieldRequirement,
    pub email: FieldRequirement,
    pub phone: FieldRequirement,
}

/// A create request, checked.
#[derive(Debug, Clone)]
pub struct CheckedCreate {
    pub visitor: Visitor,
    pub meta: MetaFields,
    pub messages: Vec<String>,
    pub duration_secs: Option<u64>,
}

/// Why a create request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 422: every field's problem, each led by its field.
    Invalid(String),
    /// 403: a `userHash` that is not the signature of `userId`.
    BadIdentity,
}

/// Checks a create request. `identity_secret` is the widget's secret (`None` when it has none,
/// in which case no identity can be verified).
pub fn check_create(
    body: &CreateBody,
    fields: Fields,
    region: PhoneRegion,
    identity_secret: Option<&str>,
) -> Result<CheckedCreate, Refusal> {
    let mut errors = FieldErrors::new();
    let contact = body.contact.as_ref();
    let asked = |requirement: FieldRequirement, value: Option<&String>| {
        let value = value
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        // A detail the widget does not ask for is not collected, whoever sends it.
        (requirement != FieldRequirement::Off)
            .then_some(value)
            .flatten()
    };
    let name = asked(fields.name, contact.and_then(|c| c.name.as_ref()));
    let email = asked(fields.email, contact.and_then(|c| c.email.as_ref()));
    let phone = asked(fields.phone, contact.and_then(|c| c.phone.as_ref()));
    for (field, requirement, value, what) in [
        ("name", fields.name, &name, "your name"),
        ("email", fields.email, &email, "your email address"),
        ("phone", fields.phone, &phone, "your phone number"),
    ] {
        if requirement == FieldRequirement::Required && value.is_none() {
            errors.add(field, format!("Please enter {what}."));
        }
    }
    let input = ContactPatchInput {
        name: name.map(Some),
        email: email.map(Some),
        phone: phone.map(Some),
        ..ContactPatchInput::default()
    };
    // Each field is checked on its own here; whether the details are enough to know a
    // contact by is decided when the session starts (none at all is fine: no contact).
    let details = match input.validate(region, Purpose::Update) {
        Ok(details) => details,
        Err(field_errors) => {
            for (field, error) in field_errors.iter() {
                if !errors.has(field) {
                    errors.add(field, error.message.clone());
                }
            }
            ContactPatch::default()
        }
    };

    let verified_id = match (&body.user_id, &body.user_hash) {
        (None, None) => None,
        (Some(user_id), hash) if !user_id.trim().is_empty() => {
            let hash = hash.as_deref().unwrap_or("");
            let verified =
                identity_secret.is_some_and(|secret| identity::verify(secret, user_id, hash));
            if !verified {
                return Err(Refusal::BadIdentity);
            }
            errors.check("userId", Fingerprint::signed_user_id(user_id))
        }
        (Some(_), _) => {
            errors.add(
                "userId",
                "Send the signed-in user's id, or leave userId out.",
            );
            None
        }
        (None, Some(_)) => {
            errors.add("userHash", "A userHash needs the userId it signs.");
            None
        }
    };

    let meta = match &body.meta {
        None | Some(Value::Null) => MetaFields::default(),
        Some(value) => match MetaFields::from_api(value) {
            Ok(meta) => meta,
            Err(meta_errors) => {
                for (field, error) in meta_errors.iter() {
                    errors.add(field, error.message.clone());
                }
                MetaFields::default()
            }
        },
    };

    let mut messages = Vec::new();
    let initial = body.messages.as_deref().unwrap_or_default();
    if initial.len() > MAX_INITIAL_MESSAGES {
        errors.add(
            "messages",
            format!("A session can start with at most {MAX_INITIAL_MESSAGES} messages."),
        );
    }
    for (index, message) in initial.iter().take(MAX_INITIAL_MESSAGES).enumerate() {
        if message.kind.as_deref().is_some_and(|kind| kind != "user") {
            errors.add(
                format!("messages[{index}].type"),
                "Only the visitor's own messages (type \"user\") can start a session.",
            );
        }
        match message_text(&message.text) {
            Ok(text) => messages.push(text),
            Err(problem) => errors.add(format!("messages[{index}].text"), problem),
        }
    }

    let duration_secs = body.duration_in_seconds;
    if let Some(secs) = duration_secs
        && !(MIN_DURATION_SECS..=MAX_DURATION_SECS).contains(&secs)
    {
        errors.add(
            "durationInSeconds",
            format!("A session lasts from {MIN_DURATION_SECS} to {MAX_DURATION_SECS} seconds."),
        );
    }

    if !errors.is_empty() {
        return Err(Refusal::Invalid(errors.summary()));
    }
    Ok(CheckedCreate {
        visitor: Visitor {
            details,
            verified_id,
        },
        meta,
        messages,
        duration_secs,
    })
}

/// A message as a visitor sends it: not blank, at most [`MAX_MESSAGE_CHARS`], trimmed of
/// surrounding blank lines and spaces.
pub fn message_text(input: &str) -> Result<String, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err("Write a message first.".into());
    }
    let count = text.chars().count();
    if count > MAX_MESSAGE_CHARS {
        return Err(format!(
            "A message can have at most {MAX_MESSAGE_CHARS} characters (this one has {count})."
        ));
    }
    Ok(text.replace('\0', ""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use FieldRequirement::{Off, Optional, Required};

    const FIELDS: Fields = Fields {
        name: Optional,
        email: Required,
        phone: Off,
    };

    fn body(json: &str) -> CreateBody {
        serde_json::from_str(json).unwrap()
    }

    fn check(json: &str) -> Result<CheckedCreate, Refusal> {
        check_create(&body(json), FIELDS, PhoneRegion::default(), Some("s3cret"))
    }

    fn invalid(json: &str) -> String {
        match check(json) {
            Err(Refusal::Invalid(message)) => message,
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn required_fields_and_the_dashboards_rules() {
        assert_eq!(invalid("{}"), "email: Please enter your email address.");
        let message = invalid(r#"{"contact": {"email": "ada@"}}"#);
        assert!(message.starts_with("email: "), "{message}");
        let ok = check(r#"{"contact": {"name": " Ada ", "email": "Ada@Example.com", "phone": "+44 20 7946 0958"}}"#).unwrap();
        assert_eq!(
            ContactPatch::value(&ok.visitor.details.name).map(String::as_str),
            Some("Ada")
        );
        assert!(ContactPatch::value(&ok.visitor.details.email).is_some());
        assert!(
            ok.visitor.details.phone.is_none(),
            "phone is off: not collected"
        );
    }

    #[test]
    fn identity_is_verified_or_refused() {
        let hash = identity::user_hash("s3cret", "42");
        let good = format!(
            r#"{{"contact": {{"email": "a@example.com"}}, "userId": "42", "userHash": "{hash}"}}"#
        );
        let checked = check(&good).unwrap();
        assert_eq!(checked.visitor.verified_id.unwrap().as_str(), "42");
        let bad = good.replace(&hash[..4], "0000");
        assert_eq!(check(&bad).unwrap_err(), Refusal::BadIdentity);
        let no_hash = r#"{"contact": {"email": "a@example.com"}, "userId": "42"}"#;
        assert_eq!(check(no_hash).unwrap_err(), Refusal::BadIdentity);
        let no_secret = check_create(&body(&good), FIELDS, PhoneRegion::default(), None);
        assert_eq!(no_secret.unwrap_err(), Refusal::BadIdentity);
    }

    #[test]
    fn messages_and_duration() {
        let long = "x".repeat(MAX_MESSAGE_CHARS + 1);
        let message = invalid(&format!(
            r#"{{"contact": {{"email": "a@example.com"}}, "messages": [{{"type": "bot", "text": "hi"}}, {{"text": "{long}"}}], "durationInSeconds": 5}}"#
        ));
        assert!(message.contains("messages[0].type: "), "{message}");
        assert!(
            message.contains("messages[1].text: A message can have at most 4000"),
            "{message}"
        );
        assert!(message.contains("durationInSeconds: "), "{message}");
        let ok = check(r#"{"contact": {"email": "a@example.com"}, "messages": [{"type": "user", "text": "  Hello\n"}], "meta": {"page": "/tea"}}"#).unwrap();
        assert_eq!(ok.messages, ["Hello"]);
        assert_eq!(ok.meta.as_map()["page"], "/tea");
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(serde_json::from_str::<CreateBody>(r#"{"contact": {"nick": "x"}}"#).is_err());
        assert!(serde_json::from_str::<SendBody>(r#"{"text": "x", "role": "bot"}"#).is_err());
    }
}
