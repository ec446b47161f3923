//! Pure rules of the contacts list: sort orders, page sizes, keyset cursors, search terms and
//! how totals are worded. The SQL that uses them lives in `models::contact_list`.

use super::ContactId;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use std::str::FromStr;

/// Sort orders offered on the list; each has a matching `(key, id)` index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// A to Z by name.
    Name,
    /// Most recently updated first.
    #[default]
    Updated,
    /// Newest first.
    Created,
}

impl SortOrder {
    pub const ALL: [SortOrder; 3] = [SortOrder::Updated, SortOrder::Created, SortOrder::Name];

    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Name => "name",
            SortOrder::Updated => "updated",
            SortOrder::Created => "created",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortOrder::Name => "Name (A–Z)",
            SortOrder::Updated => "Last updated",
            SortOrder::Created => "Newest",
        }
    }
}

impl FromStr for SortOrder {
    type Err = ();

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        SortOrder::ALL
            .into_iter()
            .find(|s| s.as_str() == input)
            .ok_or(())
    }
}

pub const PAGE_SIZES: [i64; 3] = [25, 50, 100];
pub const DEFAULT_PAGE_SIZE: i64 = 25;

/// Snaps a requested page size to one we offer.
pub fn page_size(requested: Option<i64>) -> i64 {
    requested
        .filter(|n| PAGE_SIZES.contains(n))
        .unwrap_or(DEFAULT_PAGE_SIZE)
}

/// The sort key of the row a page starts after (or before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorKey {
    Text(String),
    Time(DateTime<Utc>),
}

/// A position in one sort order: the key and id of a row. Opaque in URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub key: CursorKey,
    pub id: ContactId,
}

impl Cursor {
    /// URL-safe text for this cursor in `sort`.
    pub fn encode(&self, sort: SortOrder) -> String {
        let key = match &self.key {
            CursorKey::Text(text) => text.clone(),
            CursorKey::Time(time) => time.timestamp_micros().to_string(),
        };
        let raw = serde_json::json!([sort.as_str(), key, self.id]).to_string();
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Reads a cursor made by [`Cursor::encode`] for the same sort order; anything else
    /// (tampered, or from another sort) is `None`, which means "start at the top".
    pub fn decode(encoded: &str, sort: SortOrder) -> Option<Cursor> {
        let raw = URL_SAFE_NO_PAD.decode(encoded.trim()).ok()?;
        // Read as a plain number: a tampered cursor names a position, not a row, so any
        // number only moves the page, as it always has.
        let (kind, key, id): (String, String, i64) = serde_json::from_slice(&raw).ok()?;
        let id = ContactId(id);
        if kind != sort.as_str() {
            return None;
        }
        let key = match sort {
            SortOrder::Name => CursorKey::Text(key),
            SortOrder::Updated | SortOrder::Created => {
                CursorKey::Time(DateTime::from_timestamp_micros(key.parse().ok()?)?)
            }
        };
        Some(Cursor { key, id })
    }
}

/// Which way to page from a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Rows after the cursor (the "Next" link).
    After,
    /// Rows before the cursor (the "Previous" link).
    Before,
}

/// A search as the database runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm {
    /// Lower-cased query with LIKE wildcards escaped.
    pub like_escaped: String,
    /// Whether the query is long enough for trigram matching anywhere in a word (3+ chars);
    /// shorter queries match at the start of words.
    pub substring: bool,
    /// Digit strings to look for in phone numbers, if the query looks like one.
    pub phone_digits: Vec<String>,
}

pub const MAX_SEARCH_CHARS: usize = 100;

impl SearchTerm {
    /// `None` for a blank query.
    pub fn parse(query: &str) -> Option<SearchTerm> {
        let query: String = query.trim().chars().take(MAX_SEARCH_CHARS).collect();
        if query.is_empty() {
            return None;
        }
        let lowered = query.to_lowercase();
        let mut phone_digits = Vec::new();
        if let Some(digits) = super::phone::search_digits(&query) {
            // A national trunk prefix ("020 7946 0958" in the UK) is not part of E.164.
            let without_trunk = digits.trim_start_matches('0');
            if without_trunk.len() >= 3 && without_trunk.len() != digits.len() {
                phone_digits.push(without_trunk.to_string());
            }
            phone_digits.insert(0, digits);
        }
        Some(SearchTerm {
            like_escaped: escape_like(&lowered),
            substring: lowered.chars().count() >= 3,
            phone_digits,
        })
    }
}

/// A `meta` filter as typed, `key=value` ("plan=pro" → ("plan", "pro")), both trimmed; `None`
/// without a key.
pub fn meta_filter(input: &str) -> Option<(String, String)> {
    let (key, value) = input.split_once('=')?;
    let key = key.trim();
    (!key.is_empty()).then(|| (key.to_string(), value.trim().to_string()))
}

/// Escapes `\`, `%` and `_` so user text matches literally in LIKE.
pub fn escape_like(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// How many rows a list has: counted exactly when small, estimated by the planner when large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    Exact(i64),
    About(i64),
}

impl Total {
    /// "1 contact", "42 contacts", "about 1.2 million contacts".
    pub fn describe(self, noun: &str, plural: &str) -> String {
        match self {
            Total::Exact(1) => format!("1 {noun}"),
            Total::Exact(n) => {
                format!("{} {plural}", super::text::group_thousands(n.max(0) as u64))
            }
            Total::About(n) => format!("about {} {plural}", round_for_people(n)),
        }
    }
}

/// 1_234_567 → "1.2 million", 45_600 → "46,000", 1_200 → "1,200".
pub fn round_for_people(n: i64) -> String {
    let n = n.max(0);
    if n >= 1_000_000_000 {
        format!("{:.1} billion", n as f64 / 1e9).replace(".0 ", " ")
    } else if n >= 1_000_000 {
        format!("{:.1} million", n as f64 / 1e6).replace(".0 ", " ")
    } else if n >= 10_000 {
        let rounded = ((n as f64 / 1000.0).round() as u64) * 1000;
        super::text::group_thousands(rounded)
    } else {
        let rounded = ((n as f64 / 100.0).round() as u64) * 100;
        super::text::group_thousands(rounded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_filters_need_a_key() {
        assert_eq!(meta_filter("plan=pro"), Some(("plan".into(), "pro".into())));
        assert_eq!(meta_filter(" plan = "), Some(("plan".into(), "".into())));
        assert_eq!(meta_filter("a=b=c"), Some(("a".into(), "b=c".into())));
        assert_eq!(meta_filter("=pro"), None);
        assert_eq!(meta_filter("plan"), None);
    }

    #[test]
    fn cursors_round_trip_per_sort() {
        let text = Cursor {
            key: CursorKey::Text("o'brien, ann".into()),
            id: ContactId(42),
        };
        assert_eq!(
            Cursor::decode(&text.encode(SortOrder::Name), SortOrder::Name),
            Some(text.clone())
        );
        assert_eq!(
            Cursor::decode(&text.encode(SortOrder::Name), SortOrder::Updated),
            None
        );
        let time = Cursor {
            key: CursorKey::Time(DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap()),
            id: ContactId(7),
        };
        assert_eq!(
            Cursor::decode(&time.encode(SortOrder::Created), SortOrder::Created),
            Some(time)
        );
        assert_eq!(Cursor::decode("garbage!", SortOrder::Name), None);
    }

    #[test]
    fn page_sizes_snap() {
        assert_eq!(page_size(Some(50)), 50);
        assert_eq!(page_size(Some(51)), 25);
        assert_eq!(page_size(None), 25);
    }

    #[test]
    fn search_terms() {
        assert_eq!(SearchTerm::parse("   "), None);
        let term = SearchTerm::parse(" Smi ").unwrap();
        assert_eq!(term.like_escaped, "smi");
        assert!(term.substring && term.phone_digits.is_empty());
        let short = SearchTerm::parse("al").unwrap();
        assert!(!short.substring);
        let phone = SearchTerm::parse("020 7946 0958").unwrap();
        assert_eq!(
            phone.phone_digits,
            vec!["02079460958".to_string(), "2079460958".to_string()]
        );
        assert_eq!(
            SearchTerm::parse("50%_off\\").unwrap().like_escaped,
            "50\\%\\_off\\\\"
        );
    }

    #[test]
    fn totals_are_worded_for_people() {
        assert_eq!(Total::Exact(1).describe("contact", "contacts"), "1 contact");
        assert_eq!(
            Total::Exact(1234).describe("contact", "contacts"),
            "1,234 contacts"
        );
        assert_eq!(
            Total::About(1_234_567).describe("contact", "contacts"),
            "about 1.2 million contacts"
        );
        assert_eq!(round_for_people(2_000_000), "2 million");
        assert_eq!(round_for_people(45_600), "46,000");
        assert_eq!(round_for_people(1_249), "1,200");
    }
}
