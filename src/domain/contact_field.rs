//! The editable fields of a contact, as named in URLs (`/contacts/7/fields/phone`) and forms.

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactField {
    Name,
    Description,
    Email,
    Phone,
    Nick,
    Preferences,
    Meta,
}

impl ContactField {
    /// In the order the profile shows them.
    pub const ALL: [ContactField; 7] = [
        ContactField::Name,
        ContactField::Nick,
        ContactField::Email,
        ContactField::Phone,
        ContactField::Description,
        ContactField::Preferences,
        ContactField::Meta,
    ];

    /// The name used in URLs, form inputs and audit entries.
    pub fn slug(self) -> &'static str {
        match self {
            ContactField::Name => "name",
            ContactField::Description => "description",
            ContactField::Email => "email",
            ContactField::Phone => "phone",
            ContactField::Nick => "nick",
            ContactField::Preferences => "preferences",
            ContactField::Meta => "meta",
        }
    }

    /// The label people see.
    pub fn label(self) -> &'static str {
        match self {
            ContactField::Name => "Name",
            ContactField::Description => "Description",
            ContactField::Email => "Email",
            ContactField::Phone => "Phone",
            ContactField::Nick => "Nick",
            ContactField::Preferences => "Preferences",
            ContactField::Meta => "Meta",
        }
    }

    /// Multi-line fields get a textarea.
    pub fn is_multiline(self) -> bool {
        matches!(self, ContactField::Description | ContactField::Preferences)
    }

    /// Most characters a text field may hold (DESIGN.md §3).
    pub fn max_chars(self) -> usize {
        match self {
            ContactField::Name => 200,
            ContactField::Description => 2_000,
            ContactField::Preferences => 10_000,
            ContactField::Nick => 100,
            ContactField::Email => 254,
            ContactField::Phone => 40,
            ContactField::Meta => 0,
        }
    }
}

impl FromStr for ContactField {
    type Err = ();

    fn from_str(slug: &str) -> Result<Self, Self::Err> {
        ContactField::ALL
            .into_iter()
            .find(|field| field.slug() == slug)
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip() {
        for field in ContactField::ALL {
            assert_eq!(field.slug().parse(), Ok(field));
        }
        assert!("password".parse::<ContactField>().is_err());
    }
}
