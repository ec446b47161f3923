//! Where each column of a file goes: a contact field, a meta key, or nowhere; and the
//! suggestion made for a layout's header row before anyone has looked.

use super::layout::{Layout, normalise};
use crate::domain::contact_field::ContactField;
use crate::domain::meta::{self, MAX_KEY_CHARS};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// The contact fields a column can be mapped to (meta goes by key, [`ColumnTarget::Meta`]).
pub const MAPPABLE_FIELDS: [ContactField; 6] = [
    ContactField::Name,
    ContactField::Email,
    ContactField::Phone,
    ContactField::Nick,
    ContactField::Description,
    ContactField::Preferences,
];

/// Where one column's cells go.
///
/// Stored and sent in forms as text ([`ColumnTarget::param`]): a field's slug (`name`,
/// `email`, …), `meta:KEY`, `fingerprint`, `verifiedAt`, `meta` or `ignore`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum ColumnTarget {
    /// One of [`MAPPABLE_FIELDS`].
    Field(ContactField),
    /// A meta key, set to the cell's text.
    Meta(String),
    /// The contact's fingerprint (exports carry it, so a re-import finds the same contact).
    Fingerprint,
    /// When the contact was verified: epoch milliseconds (as exports write it) or RFC 3339.
    VerifiedAt,
    /// The whole meta object, as an export writes it: JSON (Rapport) or flat YAML (ChatBotKit).
    MetaObject,
    Ignore,
}

impl ColumnTarget {
    /// The text form, as stored in a mapping and used as a `<select>` option's value.
    pub fn param(&self) -> String {
        match self {
            ColumnTarget::Field(field) => field.slug().to_string(),
            ColumnTarget::Meta(key) => format!("meta:{key}"),
            ColumnTarget::Fingerprint => "fingerprint".into(),
            ColumnTarget::VerifiedAt => "verifiedAt".into(),
            ColumnTarget::MetaObject => "meta".into(),
            ColumnTarget::Ignore => "ignore".into(),
        }
    }

    /// What people see ("Email", "Meta: plan", "Ignored").
    pub fn label(&self) -> String {
        match self {
            ColumnTarget::Field(field) => field.label().to_string(),
            ColumnTarget::Meta(key) => format!("Meta: {key}"),
            ColumnTarget::Fingerprint => "Fingerprint".into(),
            ColumnTarget::VerifiedAt => "Verified at".into(),
            ColumnTarget::MetaObject => "Meta (all keys)".into(),
            ColumnTarget::Ignore => "Ignored".into(),
        }
    }
}

impl fmt::Display for ColumnTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl FromStr for ColumnTarget {
    type Err = String;

    /// Reads [`ColumnTarget::param`]; a meta key must follow meta's key rules.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Some(key) = text.strip_prefix("meta:") {
            let key = key.trim();
            meta::check_key(key)?;
            return Ok(ColumnTarget::Meta(key.to_string()));
        }
        match text {
            "fingerprint" => Ok(ColumnTarget::Fingerprint),
            "verifiedAt" => Ok(ColumnTarget::VerifiedAt),
            "meta" => Ok(ColumnTarget::MetaObject),
            "ignore" => Ok(ColumnTarget::Ignore),
            slug => MAPPABLE_FIELDS
                .into_iter()
                .find(|field| field.slug() == slug)
                .map(ColumnTarget::Field)
                .ok_or_else(|| format!("\"{slug}\" is not a place a column can go.")),
        }
    }
}

impl From<ColumnTarget> for String {
    fn from(target: ColumnTarget) -> String {
        target.param()
    }
}

impl TryFrom<String> for ColumnTarget {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// One target per header, in the header's order. Stored with the import job.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Mapping {
    pub columns: Vec<ColumnTarget>,
}

/// The mapping a file gets before anyone changes it: the layout's own columns where it is
/// known, columns named like a contact field (`Email`, `Phone number`, `Last name`, …)
/// otherwise, and every other column to a meta key made from its header (each key once).
pub fn suggest_mapping(layout: Layout, headers: &[String]) -> Mapping {
    let names: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
    // A file with a full-name column keeps first and last names as meta, not joined twice.
    let has_full_name = names.iter().any(|n| is_full_name(n));
    let mut used = HashSet::new();
    let columns = headers
        .iter()
        .zip(&names)
        .enumerate()
        .map(|(index, (header, name))| {
            let target = layout_target(layout, name, has_full_name)
                .or_else(|| generic_target(name, has_full_name));
            match target {
                Some(ColumnTarget::Meta(key)) => ColumnTarget::Meta(unique_key(key, &mut used)),
                Some(target) => target,
                None => {
                    let key = match slug_meta_key(header) {
                        key if key.is_empty() => format!("column_{}", index + 1),
                        key => key,
                    };
                    ColumnTarget::Meta(unique_key(key, &mut used))
                }
            }
        })
        .collect();
    Mapping { columns }
}

/// `key`, or `key_2`, `key_3`, … when an earlier column took it.
fn unique_key(key: String, used: &mut HashSet<String>) -> String {
    let mut candidate = key.clone();
    let mut n = 2;
    while used.contains(&candidate) {
        let suffix = format!("_{n}");
        let room = MAX_KEY_CHARS - suffix.len();
        let stem: String = key.chars().take(room).collect();
        candidate = format!("{stem}{suffix}");
        n += 1;
    }
    used.insert(candidate.clone());
    candidate
}

/// A header as a meta key (meta's rules: letters, digits, `_ . -`, not starting with `_`, at
/// most 64 characters): lower case, every run of other characters (spaces, `-`, `/`, …) one
/// `_`, none at either end. `"E-mail 2 - Value"` → `e_mail_2_value`. Empty when nothing is
/// left (the caller names such a column by its number).
pub fn slug_meta_key(header: &str) -> String {
    let mut key = String::with_capacity(header.len());
    for c in header.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '.' {
            key.push(c);
        } else if !key.ends_with('_') {
            key.push('_');
        }
    }
    let key: String = key
        .trim_matches(['_', '.'])
        .chars()
        .take(MAX_KEY_CHARS)
        .collect();
    key.trim_end_matches(['_', '.']).to_string()
}

fn field(field: ContactField) -> Option<ColumnTarget> {
    Some(ColumnTarget::Field(field))
}

fn meta_key(key: &str) -> Option<ColumnTarget> {
    Some(ColumnTarget::Meta(key.to_string()))
}

/// `"{before}N{after}"` for a number N (Google's `e-mail 2 - value`, Outlook's `e-mail 2 address`).
fn numbered(name: &str, before: &str, after: &str) -> bool {
    name.strip_prefix(before)
        .and_then(|rest| rest.strip_suffix(after))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn is_full_name(name: &str) -> bool {
    matches!(
        name,
        "name" | "full name" | "fullname" | "display name" | "contact name"
    )
}

fn is_name_part(name: &str) -> bool {
    matches!(
        name,
        "first name"
            | "firstname"
            | "first"
            | "given name"
            | "forename"
            | "middle name"
            | "additional name"
            | "last name"
            | "lastname"
            | "last"
            | "surname"
            | "family name"
    )
}

/// The columns a known layout names its own way.
fn layout_target(layout: Layout, name: &str, has_full_name: bool) -> Option<ColumnTarget> {
    use ContactField::*;
    match layout {
        Layout::Rapport | Layout::ChatBotKit => match name {
            "id" | "createdat" | "updatedat" | "userid" => Some(ColumnTarget::Ignore),
            "fingerprint" => Some(ColumnTarget::Fingerprint),
            "verifiedat" => Some(ColumnTarget::VerifiedAt),
            "meta" => Some(ColumnTarget::MetaObject),
            _ => None,
        },
        Layout::Google => match name {
            // The old format has a full "Name" beside its parts.
            "given name" | "additional name" | "family name" if has_full_name => {
                Some(ColumnTarget::Ignore)
            }
            "notes" => field(Description),
            "photo" | "file as" => Some(ColumnTarget::Ignore),
            "organization name" | "organization 1 - name" => meta_key("organization"),
            "organization title" | "organization 1 - title" => meta_key("title"),
            _ if numbered(name, "e-mail ", " - value") => field(Email),
            _ if numbered(name, "phone ", " - value") => field(Phone),
            "address 1 - formatted" => meta_key("address"),
            // Labels of values ("* Home", "Mobile"); a custom field's label names its value,
            // so that one is kept.
            _ if (name.ends_with(" - label") || name.ends_with(" - type"))
                && !name.starts_with("custom field") =>
            {
                Some(ColumnTarget::Ignore)
            }
            _ => None,
        },
        Layout::Outlook => match name {
            // Outlook's "Title" is Mr./Dr.; the job title is "Job Title".
            "title" => meta_key("name_prefix"),
            "suffix" => meta_key("name_suffix"),
            "job title" => meta_key("title"),
            "company" => meta_key("organization"),
            "notes" => field(Description),
            "e-mail address" => field(Email),
            _ if numbered(name, "e-mail ", " address") => field(Email),
            _ if name.starts_with("e-mail") => Some(ColumnTarget::Ignore),
            // Not the contact's own number, though Outlook lists it first.
            "assistant's phone" => None,
            _ if name.ends_with(" phone") || name.ends_with(" phone 2") || name == "callback" => {
                field(Phone)
            }
            _ => None,
        },
        Layout::HubSpot => match name {
            "record id" | "contact id" => meta_key("hubspot_id"),
            "company name" => meta_key("organization"),
            "job title" => meta_key("title"),
            "phone number" | "mobile phone number" => field(Phone),
            _ => None,
        },
        Layout::VCard => match name {
            "note" => field(Description),
            _ if name == "email" || numbered(name, "email ", "") => field(Email),
            _ if name == "phone" || numbered(name, "phone ", "") => field(Phone),
            _ => None,
        },
        Layout::Generic => None,
    }
}

/// Columns named like a contact field, in any layout.
fn generic_target(name: &str, has_full_name: bool) -> Option<ColumnTarget> {
    use ContactField::*;
    if is_full_name(name) {
        return field(Name);
    }
    if is_name_part(name) {
        // With a full name present, the parts stay as meta (the default).
        return if has_full_name { None } else { field(Name) };
    }
    let name = name.replace("e-mail", "email").replace("e mail", "email");
    let words: Vec<&str> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    const QUALIFIERS: [&str; 12] = [
        "address",
        "work",
        "home",
        "personal",
        "primary",
        "other",
        "business",
        "private",
        "secondary",
        "main",
        "value",
        "contact",
    ];
    let qualified = |core: &[&str], extra: &[&str]| {
        let mut found = false;
        let only_qualifiers = words.iter().all(|w| {
            if core.contains(w) {
                found = true;
                true
            } else {
                QUALIFIERS.contains(w) || extra.contains(w) || w.bytes().all(|b| b.is_ascii_digit())
            }
        });
        found && only_qualifiers
    };
    if qualified(&["email", "mail"], &[])
        && words
            .iter()
            .all(|w| !["type", "label", "display", "status"].contains(w))
    {
        return field(Email);
    }
    if qualified(
        &[
            "phone",
            "telephone",
            "tel",
            "mobile",
            "cell",
            "cellphone",
            "whatsapp",
        ],
        &["number", "no", "nr", "mobile", "cell"],
    ) {
        return field(Phone);
    }
    match name.as_str() {
        "nick" | "nickname" | "nick name" | "username" | "user name" | "handle" | "alias"
        | "screen name" => field(Nick),
        "description" | "notes" | "note" | "about" | "bio" | "comment" | "comments" => {
            field(Description)
        }
        "preferences" | "preference" => field(Preferences),
        "fingerprint" => Some(ColumnTarget::Fingerprint),
        "verifiedat" | "verified at" => Some(ColumnTarget::VerifiedAt),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContactField::*;

    fn headers(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn targets(layout: Layout, names: &[&str]) -> Vec<String> {
        suggest_mapping(layout, &headers(names))
            .columns
            .iter()
            .map(ColumnTarget::param)
            .collect()
    }

    #[test]
    fn headers_slug_to_valid_meta_keys() {
        assert_eq!(slug_meta_key("E-mail 2 - Value"), "e_mail_2_value");
        assert_eq!(slug_meta_key("  Lifecycle Stage "), "lifecycle_stage");
        assert_eq!(slug_meta_key("_private"), "private");
        assert_eq!(slug_meta_key("crm.id"), "crm.id");
        assert_eq!(slug_meta_key("Téléphone (€)"), "téléphone");
        assert_eq!(slug_meta_key("Ünïcode_ß"), "ünïcode_ß");
        assert_eq!(slug_meta_key("!!!"), "");
        let long = slug_meta_key(&format!("{} x", "a".repeat(80)));
        assert_eq!(long.chars().count(), 64);
        for header in [
            "E-mail 2 - Value",
            "a b",
            "x__y",
            "Ünïcode",
            &"z".repeat(99),
        ] {
            assert_eq!(meta::check_key(&slug_meta_key(header)), Ok(()), "{header}");
        }
    }

    #[test]
    fn targets_round_trip_as_text() {
        let all = [
            ColumnTarget::Field(Name),
            ColumnTarget::Field(Preferences),
            ColumnTarget::Meta("crm.id".into()),
            ColumnTarget::Fingerprint,
            ColumnTarget::VerifiedAt,
            ColumnTarget::MetaObject,
            ColumnTarget::Ignore,
        ];
        for target in all {
            assert_eq!(target.param().parse(), Ok(target.clone()));
        }
        assert!("meta:_x".parse::<ColumnTarget>().is_err());
        assert!("password".parse::<ColumnTarget>().is_err());
        // ContactField::Meta is not one of the mappable fields.
        assert!(
            "meta:".parse::<ColumnTarget>().is_err()
                && "meta".parse::<ColumnTarget>() == Ok(ColumnTarget::MetaObject)
        );
        let mapping = Mapping {
            columns: vec![
                ColumnTarget::Field(Email),
                ColumnTarget::Meta("plan".into()),
            ],
        };
        let json = serde_json::to_string(&mapping).unwrap();
        assert_eq!(json, r#"{"columns":["email","meta:plan"]}"#);
        assert_eq!(serde_json::from_str::<Mapping>(&json).unwrap(), mapping);
        assert!(serde_json::from_str::<Mapping>(r#"{"columns":["meta:bad key"]}"#).is_err());
    }

    #[test]
    fn google_columns() {
        assert_eq!(
            targets(
                Layout::Google,
                &[
                    "First Name",
                    "Middle Name",
                    "Last Name",
                    "Nickname",
                    "Notes",
                    "E-mail 1 - Label",
                    "E-mail 1 - Value",
                    "E-mail 2 - Value",
                    "Phone 1 - Type",
                    "Phone 1 - Value",
                    "Organization Name",
                    "Labels",
                    "Photo",
                    "Name Prefix"
                ]
            ),
            [
                "name",
                "name",
                "name",
                "nick",
                "description",
                "ignore",
                "email",
                "email",
                "ignore",
                "phone",
                "meta:organization",
                "meta:labels",
                "ignore",
                "meta:name_prefix"
            ]
        );
        // The old format's full name wins over its parts.
        assert_eq!(
            targets(Layout::Google, &["Name", "Given Name", "Family Name"]),
            ["name", "ignore", "ignore"]
        );
    }

    #[test]
    fn outlook_columns() {
        assert_eq!(
            targets(
                Layout::Outlook,
                &[
                    "Title",
                    "First Name",
                    "Last Name",
                    "Company",
                    "Job Title",
                    "Business Phone",
                    "Business Fax",
                    "Mobile Phone",
                    "Home Phone 2",
                    "E-mail Address",
                    "E-mail Type",
                    "E-mail 2 Address",
                    "E-mail 2 Display Name",
                    "Notes",
                    "Birthday"
                ]
            ),
            [
                "meta:name_prefix",
                "name",
                "name",
                "meta:organization",
                "meta:title",
                "phone",
                "meta:business_fax",
                "phone",
                "phone",
                "email",
                "ignore",
                "email",
                "ignore",
                "description",
                "meta:birthday"
            ]
        );
    }

    #[test]
    fn hubspot_columns() {
        assert_eq!(
            targets(
                Layout::HubSpot,
                &[
                    "Record ID",
                    "First Name",
                    "Last Name",
                    "Email",
                    "Phone Number",
                    "Mobile Phone Number",
                    "Lifecycle Stage"
                ]
            ),
            [
                "meta:hubspot_id",
                "name",
                "name",
                "email",
                "phone",
                "phone",
                "meta:lifecycle_stage"
            ]
        );
    }

    #[test]
    fn export_columns_map_back_to_every_field() {
        assert_eq!(
            targets(Layout::Rapport, &super::super::layout::EXPORT_COLUMNS),
            [
                "ignore",
                "name",
                "description",
                "fingerprint",
                "email",
                "phone",
                "nick",
                "preferences",
                "verifiedAt",
                "meta",
                "ignore",
                "ignore"
            ]
        );
    }

    #[test]
    fn generic_columns_go_by_their_names() {
        assert_eq!(
            targets(
                Layout::Generic,
                &[
                    "Full Name",
                    "First Name",
                    "Work Email",
                    "Email Type",
                    "e-mail 2",
                    "Phone Number",
                    "Mobile",
                    "Hotel",
                    "Username",
                    "Comments",
                    "Plan",
                    "Plan",
                    "",
                    "###"
                ]
            ),
            [
                "name",
                "meta:first_name",
                "email",
                "meta:email_type",
                "email",
                "phone",
                "phone",
                "meta:hotel",
                "nick",
                "description",
                "meta:plan",
                "meta:plan_2",
                "meta:column_13",
                "meta:column_14"
            ]
        );
        assert_eq!(
            targets(Layout::Generic, &["first", "last", "email"]),
            ["name", "name", "email"]
        );
    }
}
