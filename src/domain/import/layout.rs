//! Known file layouts, recognised from the header row, so their columns map without help.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a file comes from, as far as its columns tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Layout {
    /// Google Contacts' CSV (`First Name`, `E-mail 1 - Value`, values joined by ` ::: `).
    Google,
    /// Outlook's CSV (`First Name`, `E-mail Address`, `Mobile Phone`, …).
    Outlook,
    /// A HubSpot contacts export (`Record ID`, `First Name`, `Email`, `Phone Number`, …).
    HubSpot,
    /// ChatBotKit's contact export: the contact object's keys, `meta` as YAML.
    ChatBotKit,
    /// Rapport's own `contact/export` CSV: the same keys, `meta` as JSON, formulas neutralised.
    Rapport,
    /// A vCard file, read into [`super::vcard::HEADERS`].
    VCard,
    /// Anything else: columns mapped by their names.
    Generic,
}

impl Layout {
    /// The name people see ("Google Contacts").
    pub fn label(self) -> &'static str {
        match self {
            Layout::Google => "Google Contacts",
            Layout::Outlook => "Outlook",
            Layout::HubSpot => "HubSpot",
            Layout::ChatBotKit => "ChatBotKit export",
            Layout::Rapport => "Rapport export",
            Layout::VCard => "vCard",
            Layout::Generic => "CSV",
        }
    }

    /// The layout a CSV header row belongs to. Rapport's and ChatBotKit's exports share
    /// their header; this says [`Layout::Rapport`] and the reader tells them apart by the
    /// first row's `meta` ([`Layout::export_flavour`]).
    pub fn recognise(headers: &[String]) -> Layout {
        let names: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
        let has = |name: &str| names.iter().any(|n| n == name);
        if is_contact_export(headers) {
            Layout::Rapport
        } else if has("e-mail 1 - value") || has("phone 1 - value") {
            Layout::Google
        } else if has("e-mail address") && (has("first name") || has("last name")) {
            Layout::Outlook
        } else if (has("record id") || has("contact id"))
            && (has("email") || has("first name") || has("last name"))
        {
            Layout::HubSpot
        } else {
            Layout::Generic
        }
    }

    /// Rapport or ChatBotKit, for an export whose first row has `meta_cell` in its `meta`
    /// column: Rapport writes JSON (always an object, `{}` when empty), ChatBotKit YAML.
    pub fn export_flavour(meta_cell: Option<&str>) -> Layout {
        match meta_cell.map(str::trim) {
            Some(meta) if !meta.is_empty() && !meta.starts_with('{') => Layout::ChatBotKit,
            _ => Layout::Rapport,
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The columns of a contact export, as Rapport writes them
/// (`crate::domain::export::CSV_COLUMNS`, checked by a test) and ChatBotKit names them.
pub(super) const EXPORT_COLUMNS: [&str; 12] = [
    "id",
    "name",
    "description",
    "fingerprint",
    "email",
    "phone",
    "nick",
    "preferences",
    "verifiedAt",
    "meta",
    "createdAt",
    "updatedAt",
];

/// Every column one of the export's (in any order, as ChatBotKit writes the first item's
/// keys), with at least `fingerprint` and `meta`.
fn is_contact_export(headers: &[String]) -> bool {
    let has = |name: &str| headers.iter().any(|h| h.trim() == name);
    has("fingerprint")
        && has("meta")
        && headers
            .iter()
            .all(|h| EXPORT_COLUMNS.contains(&h.trim()) || h.trim() == "userId")
}

/// A header as compared: trimmed, lower case, inner runs of spaces as one.
pub(super) fn normalise(header: &str) -> String {
    header
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn known_headers_are_recognised() {
        assert_eq!(
            Layout::recognise(&headers(&[
                "First Name",
                "Last Name",
                "E-mail 1 - Label",
                "E-mail 1 - Value"
            ])),
            Layout::Google
        );
        assert_eq!(
            Layout::recognise(&headers(&["Name", "Given Name", "Phone 1 - Value"])),
            Layout::Google
        );
        assert_eq!(
            Layout::recognise(&headers(&["First Name", "E-mail Address", "Mobile Phone"])),
            Layout::Outlook
        );
        assert_eq!(
            Layout::recognise(&headers(&["Record ID", "First Name", "Email"])),
            Layout::HubSpot
        );
        assert_eq!(
            Layout::recognise(&headers(&EXPORT_COLUMNS)),
            Layout::Rapport
        );
        assert_eq!(
            Layout::recognise(&headers(&[
                "id",
                "fingerprint",
                "createdAt",
                "meta",
                "name"
            ])),
            Layout::Rapport
        );
        assert_eq!(
            Layout::recognise(&headers(&["id", "fingerprint", "meta", "plan"])),
            Layout::Generic
        );
        assert_eq!(
            Layout::recognise(&headers(&["Name", "Email"])),
            Layout::Generic
        );
    }

    #[test]
    fn the_export_columns_are_rapports() {
        assert_eq!(EXPORT_COLUMNS, crate::domain::export::CSV_COLUMNS);
    }

    #[test]
    fn the_meta_cell_tells_the_exports_apart() {
        assert_eq!(Layout::export_flavour(None), Layout::Rapport);
        assert_eq!(Layout::export_flavour(Some("{}")), Layout::Rapport);
        assert_eq!(
            Layout::export_flavour(Some("{\"plan\":\"pro\"}")),
            Layout::Rapport
        );
        assert_eq!(Layout::export_flavour(Some("")), Layout::Rapport);
        assert_eq!(
            Layout::export_flavour(Some("app: console\n")),
            Layout::ChatBotKit
        );
    }
}
