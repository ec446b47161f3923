//! Turning what a person typed into a valid contact, with every problem reported at once.

use super::contact_field::ContactField;
use super::email::EmailAddress;
use super::field_errors::FieldErrors;
use super::meta::{MetaFields, MetaRow};
use super::phone::{PhoneNumber, PhoneRegion};
use super::text::{optional_line, optional_text};

/// The Create Contact form as typed.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    pub name: String,
    pub description: String,
    pub email: String,
    pub phone: String,
    pub nick: String,
    pub preferences: String,
    pub meta: Vec<MetaRow>,
}

/// A contact that passed validation: text trimmed (blank → `None`), email syntax-checked,
/// phone in E.164, meta keys checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContactDraft {
    pub name: Option<String>,
    pub description: Option<String>,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub nick: Option<String>,
    pub preferences: Option<String>,
    pub meta: MetaFields,
}

/// A validated value for one field, as an inline edit produces it.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// Name, description, nick, preferences, and email/phone in their stored form.
    Text(Option<String>),
    Meta(MetaFields),
}

impl ContactInput {
    /// Validates every field; on failure the errors are keyed by input name.
    pub fn validate(&self, region: PhoneRegion) -> Result<ContactDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", validate_text(ContactField::Name, &self.name));
        let description = errors.check(
            "description",
            validate_text(ContactField::Description, &self.description),
        );
        let email = errors.check("email", EmailAddress::parse_optional(&self.email));
        let phone = errors.check("phone", PhoneNumber::parse_optional(&self.phone, region));
        let nick = errors.check("nick", validate_text(ContactField::Nick, &self.nick));
        let preferences = errors.check(
            "preferences",
            validate_text(ContactField::Preferences, &self.preferences),
        );
        let meta = match MetaFields::from_rows(&self.meta, None) {
            Ok(meta) => Some(meta),
            Err(meta_errors) => {
                for (field, error) in meta_errors.iter() {
                    errors.add(field, error.message.clone());
                }
                None
            }
        };
        if let (Some(None), Some(None), Some(None), Some(None)) = (&name, &email, &phone, &nick) {
            errors.add(
                "name",
                "Give the contact at least a name, email, phone or nick.",
            );
        }
        match (name, description, email, phone, nick, preferences, meta) {
            (
                Some(name),
                Some(description),
                Some(email),
                Some(phone),
                Some(nick),
                Some(preferences),
                Some(meta),
            ) if errors.is_empty() => Ok(ContactDraft {
                name,
                description,
                email,
                phone,
                nick,
                preferences,
                meta,
            }),
            _ => Err(errors),
        }
    }
}

/// Validates a text field (not email, phone or meta) against its length rule.
pub fn validate_text(field: ContactField, input: &str) -> Result<Option<String>, String> {
    if field.is_multiline() {
        optional_text(input, field.max_chars())
    } else {
        optional_line(input, field.max_chars())
    }
}

/// Validates one field for an inline edit. `previous_meta` lets untouched JSON values keep
/// their type. Errors are keyed like the create form's.
pub fn validate_field(
    field: ContactField,
    text: &str,
    meta_rows: &[MetaRow],
    region: PhoneRegion,
    previous_meta: Option<&MetaFields>,
) -> Result<FieldValue, FieldErrors> {
    let single = |result: Result<Option<String>, String>| {
        result.map(FieldValue::Text).map_err(|message| {
            let mut errors = FieldErrors::new();
            errors.add(field.slug(), message);
            errors
        })
    };
    match field {
        ContactField::Email => {
            single(EmailAddress::parse_optional(text).map(|e| e.map(EmailAddress::into_string)))
        }
        ContactField::Phone => single(
            PhoneNumber::parse_optional(text, region).map(|p| p.map(PhoneNumber::into_string)),
        ),
        ContactField::Meta => MetaFields::from_rows(meta_rows, previous_meta).map(FieldValue::Meta),
        text_field => single(validate_text(text_field, text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region() -> PhoneRegion {
        PhoneRegion::default()
    }

    fn full_input() -> ContactInput {
        ContactInput {
            name: " Ada Lovelace ".into(),
            description: "Analyst".into(),
            email: "ada@example.com".into(),
            phone: "212-555-0147".into(),
            nick: "ada".into(),
            preferences: "Prefers concise technical answers".into(),
            meta: vec![MetaRow::new("plan", "pro")],
        }
    }

    #[test]
    fn a_full_contact_validates() {
        let draft = full_input().validate(region()).unwrap();
        assert_eq!(draft.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(draft.phone.unwrap().e164(), "+12125550147");
        assert_eq!(draft.meta.len(), 1);
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let input = ContactInput {
            name: "n".repeat(201),
            description: "d".repeat(2_001),
            email: "not-an-email".into(),
            phone: "12".into(),
            nick: "n".repeat(101),
            preferences: "p".repeat(10_001),
            meta: vec![MetaRow::new("bad key", "v")],
        };
        let errors = input.validate(region()).unwrap_err();
        for field in [
            "name",
            "description",
            "email",
            "phone",
            "nick",
            "preferences",
            "meta.0.key",
        ] {
            assert!(errors.has(field), "missing error for {field}");
        }
    }

    #[test]
    fn an_empty_contact_is_refused() {
        let errors = ContactInput::default().validate(region()).unwrap_err();
        assert!(errors.message("name").contains("at least"));
        let nick_only = ContactInput {
            nick: "jj".into(),
            ..Default::default()
        };
        assert!(nick_only.validate(region()).is_ok());
    }

    #[test]
    fn single_fields_validate_like_the_form() {
        assert_eq!(
            validate_field(ContactField::Phone, "+44 20 7946 0958", &[], region(), None),
            Ok(FieldValue::Text(Some("+442079460958".into())))
        );
        assert_eq!(
            validate_field(ContactField::Nick, "  ", &[], region(), None),
            Ok(FieldValue::Text(None))
        );
        let errors = validate_field(ContactField::Email, "x@", &[], region(), None).unwrap_err();
        assert!(errors.has("email"));
        assert!(validate_field(ContactField::Name, "two\nlines", &[], region(), None).is_err());
        assert!(
            validate_field(ContactField::Preferences, "two\nlines", &[], region(), None).is_ok()
        );
    }
}
