//! The request bodies of the contact writes, as ChatBotKit defines them: camelCase keys,
//! every field optional, `null` distinct from absent, unknown keys refused (400). Checking the
//! values is the domain's job ([`ContactPatchInput::validate`]); a failure is a 422 whose
//! message names each field.

use super::json::present;
use crate::domain::contact_patch::{ContactPatch, ContactPatchInput, Purpose, Sent};
use crate::domain::{FieldErrors, PhoneRegion};
use crate::error::AppError;
use serde::Deserialize;
use serde_json::Value;

/// `contact/create`, `contact/{id}/update` and `contact/ensure`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContactBody {
    #[serde(default, deserialize_with = "present")]
    name: Sent<String>,
    #[serde(default, deserialize_with = "present")]
    description: Sent<String>,
    #[serde(default, deserialize_with = "present")]
    fingerprint: Sent<String>,
    #[serde(default, deserialize_with = "present")]
    email: Sent<String>,
    #[serde(default, deserialize_with = "present")]
    phone: Sent<String>,
    #[serde(default, deserialize_with = "present")]
    nick: Sent<String>,
    #[serde(default, deserialize_with = "present")]
    preferences: Sent<String>,
    /// Epoch milliseconds, or `null` to un-verify.
    #[serde(default, deserialize_with = "present")]
    verified_at: Sent<i64>,
    #[serde(default, deserialize_with = "present")]
    meta: Sent<Value>,
}

impl ContactBody {
    /// The checked fields, or a 422 naming every field that failed.
    pub fn validate(self, region: PhoneRegion, purpose: Purpose) -> Result<ContactPatch, AppError> {
        ContactPatchInput {
            name: self.name,
            description: self.description,
            fingerprint: self.fingerprint,
            email: self.email,
            phone: self.phone,
            nick: self.nick,
            preferences: self.preferences,
            verified_at: self.verified_at,
            meta: self.meta,
        }
        .validate(region, purpose)
        .map_err(unprocessable)
    }
}

/// `{}`: what `delete` takes (anything else in it is a mistake worth reporting).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmptyBody {}

/// A 422 whose message names each field: `email: This is not a valid email address…`.
pub fn unprocessable(errors: FieldErrors) -> AppError {
    AppError::Unprocessable(errors.summary())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_keys_and_unknown_keys() {
        let body: ContactBody =
            serde_json::from_str(r#"{"name": "Ada", "verifiedAt": null, "meta": {"a": 1}}"#)
                .unwrap();
        assert_eq!(body.name, Some(Some("Ada".into())));
        assert_eq!(body.verified_at, Some(None));
        assert_eq!(body.email, None);
        let unknown = serde_json::from_str::<ContactBody>(r#"{"verified_at": 1}"#).unwrap_err();
        assert!(unknown.to_string().contains("verified_at"), "{unknown}");
        assert!(serde_json::from_str::<EmptyBody>("{}").is_ok());
        assert!(serde_json::from_str::<EmptyBody>(r#"{"force": true}"#).is_err());
    }

    #[test]
    fn failures_are_422_naming_the_fields() {
        let body: ContactBody =
            serde_json::from_str(r#"{"email": "nope", "phone": "12"}"#).unwrap();
        let error = body
            .validate(PhoneRegion::default(), Purpose::Create)
            .unwrap_err();
        let AppError::Unprocessable(message) = error else {
            panic!("not a 422: {error:?}");
        };
        assert!(message.starts_with("email: "), "{message}");
        assert!(message.contains(" phone: "), "{message}");
    }
}
