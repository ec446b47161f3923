//! Phone numbers: parsed with the `phonenumber` crate (a port of Google's libphonenumber),
//! stored as E.164 (`+12125550147`) and shown in international format (`+1 212-555-0147`).
//!
//! Numbers typed without a country code are read in the configured default region
//! (`RAPPORT_PHONE_REGION`).

use phonenumber::{Mode, country::Id as CountryId, parse};
use std::fmt;
use std::str::FromStr;

/// The region numbers without `+` are read in, as an ISO 3166 code such as `US` or `GB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhoneRegion(CountryId);

impl PhoneRegion {
    pub fn code(&self) -> &str {
        self.0.as_ref()
    }
}

impl Default for PhoneRegion {
    fn default() -> Self {
        Self(CountryId::US)
    }
}

impl FromStr for PhoneRegion {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let code = input.trim().to_ascii_uppercase();
        CountryId::from_str(&code).map(Self).map_err(|_| {
            format!("\"{input}\" is not a two-letter region code such as US, GB or DE")
        })
    }
}

/// A valid phone number, kept in E.164 form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses a number in any common notation; refuses numbers that cannot exist, with the reason.
    pub fn parse(input: &str, region: PhoneRegion) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed
            .chars()
            .any(|c| c.is_alphabetic() && !c.is_ascii_alphabetic())
        {
            return Err("A phone number may only contain digits, spaces and + ( ) - .".into());
        }
        // With a country code given, the default region must not take part: the crate would
        // otherwise strip a leading 1 after any country code as if it were the US trunk
        // prefix (+49 151… became +49 51…).
        let region_hint = if trimmed.starts_with('+') {
            None
        } else {
            Some(region.0)
        };
        let parsed = parse(region_hint, trimmed).map_err(|error| explain(&error, region))?;
        if !parsed.is_valid() {
            let country = parsed.country().id().map_or_else(
                || format!("country code +{}", parsed.code().value()),
                |id| id.as_ref().to_string(),
            );
            return Err(format!(
                "This is not a valid phone number for {country}; check the digits, or start with + and the country code."
            ));
        }
        Ok(Self(parsed.format().mode(Mode::E164).to_string()))
    }

    /// Parses an optional field: blank means "no phone".
    pub fn parse_optional(input: &str, region: PhoneRegion) -> Result<Option<Self>, String> {
        if input.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(input, region).map(Some)
        }
    }

    pub fn e164(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Formats a stored E.164 number for people (`+1 212-555-0147`); anything that does not parse
/// is shown as stored rather than hidden.
pub fn display_international(stored: &str) -> String {
    match parse(None, stored) {
        Ok(number) => number.format().mode(Mode::International).to_string(),
        Err(_) => stored.to_string(),
    }
}

/// The digits of a search query that could be part of a phone number, so `212-555-0147`,
/// `(212) 555 0147` and `+1 212 555 0147` all find `+12125550147`. `None` when the query has
/// letters or fewer than three digits.
pub fn search_digits(query: &str) -> Option<String> {
    let looks_like_phone = query
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let digits: String = query.chars().filter(char::is_ascii_digit).collect();
    (looks_like_phone && digits.len() >= 3).then_some(digits)
}

fn explain(error: &phonenumber::ParseError, region: PhoneRegion) -> String {
    use phonenumber::ParseError as E;
    match error {
        E::NoNumber => {
            "This does not look like a phone number; enter its digits, e.g. +1 212 555 0147.".into()
        }
        E::InvalidCountryCode => {
            "The country code is not one we know; check the digits after the +.".into()
        }
        E::TooShortAfterIdd | E::TooShortNsn => "This phone number is too short.".into(),
        E::TooLong => "This phone number is too long.".into(),
        _ => format!(
            "This is not a valid phone number; numbers without + are read as {}.",
            region.code()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us() -> PhoneRegion {
        "us".parse().unwrap()
    }

    #[test]
    fn any_notation_becomes_e164() {
        for input in [
            "+1 (212) 555-0147",
            "212-555-0147",
            "2125550147",
            "(212) 555 0147",
        ] {
            assert_eq!(
                PhoneNumber::parse(input, us()).unwrap().e164(),
                "+12125550147",
                "{input}"
            );
        }
        let gb = PhoneNumber::parse("+44 20 7946 0958", us()).unwrap();
        assert_eq!(gb.e164(), "+442079460958");
        let region_gb: PhoneRegion = "GB".parse().unwrap();
        assert_eq!(
            PhoneNumber::parse("020 7946 0958", region_gb)
                .unwrap()
                .e164(),
            "+442079460958"
        );
    }

    #[test]
    fn international_numbers_keep_every_digit_whatever_the_default_region() {
        for (input, e164) in [
            ("+49 151 6525 0602", "+4915165250602"),
            ("+86 138 0013 8000", "+8613800138000"),
            ("+55 11 91234 5678", "+5511912345678"),
            ("+20 10 1234 5678", "+201012345678"),
        ] {
            assert_eq!(
                PhoneNumber::parse(input, us()).unwrap().e164(),
                e164,
                "{input}"
            );
        }
    }

    #[test]
    fn invalid_numbers_are_refused_with_a_reason() {
        assert!(
            PhoneNumber::parse("hello", us())
                .unwrap_err()
                .contains("does not look like")
        );
        assert!(PhoneNumber::parse("12", us()).is_err());
        assert!(PhoneNumber::parse("+1 212 555 01", us()).is_err());
        assert!(PhoneNumber::parse("1234567890123456789", us()).is_err());
    }

    #[test]
    fn international_display() {
        assert_eq!(display_international("+12125550147"), "+1 212-555-0147");
        assert_eq!(display_international("+442079460958"), "+44 20 7946 0958");
        assert_eq!(display_international("garbage"), "garbage");
    }

    #[test]
    fn search_digits_only_for_phone_like_queries() {
        assert_eq!(
            search_digits("+1 (212) 555-0147").as_deref(),
            Some("12125550147")
        );
        assert_eq!(search_digits("212-555-0147").as_deref(), Some("2125550147"));
        assert_eq!(search_digits("smith"), None);
        assert_eq!(search_digits("12"), None);
        assert_eq!(search_digits("agent 007"), None);
    }

    #[test]
    fn region_codes() {
        assert!("DE".parse::<PhoneRegion>().is_ok());
        assert!("XX".parse::<PhoneRegion>().is_err());
        assert!("".parse::<PhoneRegion>().is_err());
    }
}
