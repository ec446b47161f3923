//! Where a contact came from.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactSource {
    /// Created by staff in the dashboard.
    Manual,
    /// Created by the email integration from a sender.
    Email,
    /// Created by the website widget from a visitor.
    Widget,
    /// Created through the JSON API.
    Api,
    /// Created by an import (or the demo seed).
    Import,
}

impl ContactSource {
    pub const ALL: [ContactSource; 5] = [
        ContactSource::Manual,
        ContactSource::Email,
        ContactSource::Widget,
        ContactSource::Api,
        ContactSource::Import,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactSource::Manual => "manual",
            ContactSource::Email => "email",
            ContactSource::Widget => "widget",
            ContactSource::Api => "api",
            ContactSource::Import => "import",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ContactSource::Manual => "Manual",
            ContactSource::Email => "Email",
            ContactSource::Widget => "Widget",
            ContactSource::Api => "API",
            ContactSource::Import => "Import",
        }
    }
}

impl fmt::Display for ContactSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ContactSource {
    type Err = ();

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        ContactSource::ALL
            .into_iter()
            .find(|s| s.as_str() == input)
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for source in ContactSource::ALL {
            assert_eq!(source.as_str().parse(), Ok(source));
        }
        assert!("fax".parse::<ContactSource>().is_err());
    }
}
