//! A contact as the API sends it (create, update, ensure): every field optional, `null`
//! clears, and the same rules as the dashboard's form ([`super::contact_draft`]) apply to each
//! field that is present.

use super::contact_draft::validate_text;
use super::contact_field::ContactField;
use super::email::EmailAddress;
use super::field_errors::FieldErrors;
use super::fingerprint::Fingerprint;
use super::meta::{MetaChange, MetaFields};
use super::phone::{PhoneNumber, PhoneRegion};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A field as sent: absent (`None`), `null` (`Some(None)`), or a value.
pub type Sent<T> = Option<Option<T>>;

/// The fields of a request body, not yet checked.
#[derive(Debug, Clone, Default)]
pub struct ContactPatchInput {
    pub name: Sent<String>,
    pub description: Sent<String>,
    pub fingerprint: Sent<String>,
    pub email: Sent<String>,
    pub phone: Sent<String>,
    pub nick: Sent<String>,
    pub preferences: Sent<String>,
    /// Epoch milliseconds.
    pub verified_at: Sent<i64>,
    pub meta: Sent<Value>,
}

/// What the request is for: a new contact needs something to know it by; an existing one
/// cannot lose its fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Create,
    Update,
}

/// Checked fields. For each: `None` leaves it as it is, `Some(None)` clears it, `Some(Some(v))`
/// sets it. Blank text counts as `null`, as in the dashboard.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactPatch {
    pub name: Sent<String>,
    pub description: Sent<String>,
    /// `Some(None)` only for [`Purpose::Create`], where it means "pick one".
    pub fingerprint: Sent<Fingerprint>,
    pub email: Sent<EmailAddress>,
    pub phone: Sent<PhoneNumber>,
    pub nick: Sent<String>,
    pub preferences: Sent<String>,
    pub verified_at: Sent<DateTime<Utc>>,
    /// `null` arrives as replacing with an empty object.
    pub meta: Option<MetaChange>,
}

impl ContactPatchInput {
    /// Checks every present field and reports every problem at once, keyed by the API's
    /// field names (`email`, `verifiedAt`, `meta.KEY`).
    pub fn validate(
        &self,
        region: PhoneRegion,
        purpose: Purpose,
    ) -> Result<ContactPatch, FieldErrors> {
        let mut errors = FieldErrors::new();
        let text = |errors: &mut FieldErrors, field: ContactField, sent: &Sent<String>| {
            sent.as_ref().map(|value| {
                let value = value.as_deref().unwrap_or("");
                errors
                    .check(field.slug(), validate_text(field, value))
                    .flatten()
            })
        };
        let name = text(&mut errors, ContactField::Name, &self.name);
        let description = text(&mut errors, ContactField::Description, &self.description);
        let nick = text(&mut errors, ContactField::Nick, &self.nick);
        let preferences = text(&mut errors, ContactField::Preferences, &self.preferences);
        let email = self.email.as_ref().map(|value| {
            errors
                .check(
                    "email",
                    EmailAddress::parse_optional(value.as_deref().unwrap_or("")),
                )
                .flatten()
        });
        let phone = self.phone.as_ref().map(|value| {
            errors
                .check(
                    "phone",
                    PhoneNumber::parse_optional(value.as_deref().unwrap_or(""), region),
                )
                .flatten()
        });
        let fingerprint = match &self.fingerprint {
            None => None,
            Some(None) if purpose == Purpose::Update => {
                errors.add(
                    "fingerprint",
                    "A contact always has a fingerprint; send a new one instead of null.",
                );
                None
            }
            Some(None) => Some(None),
            Some(Some(value)) => Some(errors.check("fingerprint", Fingerprint::parse(value))),
        };
        let verified_at = self.verified_at.map(|value| {
            value.and_then(|ms| {
                let time = DateTime::from_timestamp_millis(ms);
                if time.is_none() {
                    errors.add(
                        "verifiedAt",
                        format!("{ms} is not a time in epoch milliseconds."),
                    );
                }
                time
            })
        });
        let meta = match &self.meta {
            None => None,
            Some(None) => Some(MetaChange::Replace(MetaFields::default())),
            Some(Some(value)) => match MetaChange::from_api(value) {
                Ok(change) => Some(change),
                Err(meta_errors) => {
                    for (field, error) in meta_errors.iter() {
                        errors.add(field, error.message.clone());
                    }
                    None
                }
            },
        };
        let patch = ContactPatch {
            name,
            description,
            fingerprint,
            email,
            phone,
            nick,
            preferences,
            verified_at,
            meta,
        };
        if purpose == Purpose::Create && errors.is_empty() && !patch.has_identity() {
            errors.add(
                "name",
                "Give the contact at least a name, email, phone, nick or fingerprint.",
            );
        }
        errors.into_result().map(|()| patch)
    }
}

impl ContactPatch {
    /// Whether anything a contact is known by (name, email, phone, nick, fingerprint) is set.
    pub fn has_identity(&self) -> bool {
        self.has_untrusted_identity() || matches!(self.fingerprint, Some(Some(_)))
    }

    /// Whether anything besides a fingerprint identifies the contact.
    pub fn has_untrusted_identity(&self) -> bool {
        matches!(self.name, Some(Some(_)))
            || matches!(self.email, Some(Some(_)))
            || matches!(self.phone, Some(Some(_)))
            || matches!(self.nick, Some(Some(_)))
    }

    /// The value a field is set to (`None` when absent or cleared).
    pub fn value<T>(sent: &Sent<T>) -> Option<&T> {
        sent.as_ref().and_then(Option::as_ref)
    }

    pub fn fingerprint(&self) -> Option<&Fingerprint> {
        Self::value(&self.fingerprint)
    }

    /// ChatBotKit's untrusted fingerprint of this request: `[name, email, phone, nick]`, in
    /// their checked form (trimmed, phone in E.164), absent ones `undefined`.
    pub fn untrusted_fingerprint(&self) -> String {
        super::fingerprint::untrusted(
            Self::value(&self.name).map(String::as_str),
            Self::value(&self.email).map(EmailAddress::as_str),
            Self::value(&self.phone).map(PhoneNumber::e164),
            Self::value(&self.nick).map(String::as_str),
        )
    }

    /// The meta a new contact gets: what was sent, replacing or merging into nothing.
    pub fn new_meta(&self) -> MetaFields {
        self.meta
            .as_ref()
            .map(|change| change.fields().clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn region() -> PhoneRegion {
        PhoneRegion::default()
    }

    fn set(value: &str) -> Sent<String> {
        Some(Some(value.to_string()))
    }

    #[test]
    fn absent_null_and_values_stay_apart() {
        let input = ContactPatchInput {
            name: set("  Ada  "),
            nick: Some(None),
            description: set("   "),
            phone: set("(212) 555-0147"),
            verified_at: Some(Some(1_700_000_000_000)),
            meta: Some(None),
            ..Default::default()
        };
        let patch = input.validate(region(), Purpose::Update).unwrap();
        assert_eq!(patch.name, Some(Some("Ada".into())));
        assert_eq!(patch.nick, Some(None));
        assert_eq!(patch.description, Some(None), "blank clears");
        assert_eq!(patch.email, None);
        assert_eq!(patch.phone.unwrap().unwrap().e164(), "+12125550147");
        assert_eq!(
            patch.verified_at.unwrap().unwrap().timestamp_millis(),
            1_700_000_000_000
        );
        assert_eq!(patch.meta, Some(MetaChange::Replace(MetaFields::default())));
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let input = ContactPatchInput {
            name: set(&"n".repeat(201)),
            email: set("not-an-email"),
            phone: set("12"),
            nick: set("two\nlines"),
            fingerprint: set("short"),
            verified_at: Some(Some(i64::MAX)),
            meta: Some(Some(json!({"_x": 1}))),
            ..Default::default()
        };
        let errors = input.validate(region(), Purpose::Create).unwrap_err();
        for field in [
            "name",
            "email",
            "phone",
            "nick",
            "fingerprint",
            "verifiedAt",
            "meta._x",
        ] {
            assert!(errors.has(field), "missing error for {field}: {errors:?}");
        }
    }

    #[test]
    fn a_new_contact_needs_something_to_know_it_by() {
        let empty = ContactPatchInput::default();
        assert!(
            empty
                .validate(region(), Purpose::Create)
                .unwrap_err()
                .message("name")
                .contains("at least")
        );
        assert!(empty.validate(region(), Purpose::Update).is_ok());
        let fingerprint_only = ContactPatchInput {
            fingerprint: set("user-000000000000001"),
            ..Default::default()
        };
        assert!(fingerprint_only.validate(region(), Purpose::Create).is_ok());
    }

    #[test]
    fn a_fingerprint_cannot_be_cleared() {
        let input = ContactPatchInput {
            fingerprint: Some(None),
            ..Default::default()
        };
        assert!(
            input
                .validate(region(), Purpose::Update)
                .unwrap_err()
                .has("fingerprint")
        );
        let created = ContactPatchInput {
            fingerprint: Some(None),
            name: set("Ada"),
            ..Default::default()
        };
        assert_eq!(
            created
                .validate(region(), Purpose::Create)
                .unwrap()
                .fingerprint,
            Some(None)
        );
    }

    #[test]
    fn the_untrusted_fingerprint_uses_the_checked_values() {
        let input = ContactPatchInput {
            name: set(" Guest User "),
            email: set("guest@example.com"),
            ..Default::default()
        };
        let patch = input.validate(region(), Purpose::Create).unwrap();
        assert_eq!(
            patch.untrusted_fingerprint(),
            "36133ebf-e743-5a8e-b513-74640424d5c0"
        );
    }

    #[test]
    fn merged_meta_is_the_new_contacts_meta() {
        let input = ContactPatchInput {
            name: set("Ada"),
            meta: Some(Some(json!({"$update": {"plan": "pro"}}))),
            ..Default::default()
        };
        let patch = input.validate(region(), Purpose::Create).unwrap();
        assert_eq!(patch.new_meta().to_json(), json!({"plan": "pro"}));
    }
}
