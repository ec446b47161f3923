//! Email addresses: syntax-checked with the `email_address` crate, kept as typed.
//!
//! Uniqueness ignores case (a unique index on `lower(email)`), but the address is stored
//! exactly as the person wrote it, because the local part may be case-sensitive.

use email_address::{Error as SyntaxError, Options};
use std::fmt;

/// The longest address SMTP can carry (RFC 5321 path limit minus the brackets).
const MAX_LENGTH: usize = 254;

/// A syntactically valid email address with a dotted domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Parses what a person typed (surrounding whitespace ignored).
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed.chars().count() > MAX_LENGTH {
            return Err(format!(
                "An email address can have at most {MAX_LENGTH} characters."
            ));
        }
        let options = Options {
            // "jane@example" is almost always a typo for "jane@example.com".
            minimum_sub_domains: 2,
            allow_domain_literal: false,
            allow_display_text: false,
            allow_long_local_parts: false,
        };
        match email_address::EmailAddress::parse_with_options(trimmed, options) {
            Ok(_) => Ok(Self(trimmed.to_string())),
            Err(error) => Err(explain(&error, trimmed)),
        }
    }

    /// Parses an optional field: blank means "no email".
    pub fn parse_optional(input: &str) -> Result<Option<Self>, String> {
        if input.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(input).map(Some)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn explain(error: &SyntaxError, input: &str) -> String {
    let reason = match error {
        SyntaxError::MissingSeparator => "it has no @",
        SyntaxError::LocalPartEmpty => "nothing comes before the @",
        SyntaxError::DomainEmpty => "nothing comes after the @",
        SyntaxError::DomainTooFew => "the part after the @ needs a dot, as in example.com",
        SyntaxError::LocalPartTooLong => "the part before the @ is longer than 64 characters",
        SyntaxError::DomainTooLong | SyntaxError::SubDomainTooLong => "the domain is too long",
        SyntaxError::SubDomainEmpty | SyntaxError::DomainInvalidSeparator => {
            "the domain has an empty part (two dots in a row, or a dot at an end)"
        }
        SyntaxError::UnsupportedDisplayName | SyntaxError::MissingDisplayName => {
            "enter only the address, without a name or angle brackets"
        }
        _ if input.contains(char::is_whitespace) => "it contains a space",
        _ => "it contains a character an address cannot have",
    };
    format!("This is not a valid email address: {reason}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses_and_keeps_case() {
        let email = EmailAddress::parse(" Jane.Doe+bots@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "Jane.Doe+bots@Example.COM");
    }

    #[test]
    fn blank_is_no_email() {
        assert_eq!(EmailAddress::parse_optional("  "), Ok(None));
    }

    #[test]
    fn refuses_with_a_reason() {
        for (input, needle) in [
            ("jane", "no @"),
            ("@example.com", "before the @"),
            ("jane@", "after the @"),
            ("jane@example", "needs a dot"),
            ("jane doe@example.com", "space"),
            ("Jane <jane@example.com>", "without a name"),
            ("jane@example..com", "empty part"),
        ] {
            let err = EmailAddress::parse(input).unwrap_err();
            assert!(err.contains(needle), "{input}: {err}");
        }
    }

    #[test]
    fn refuses_overlong_addresses() {
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(EmailAddress::parse(&long).is_err());
    }
}
