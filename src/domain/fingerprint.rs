//! Contact fingerprints: the identity an integration gives a contact (a user id, a chat id),
//! and ChatBotKit's name-based ones, reproduced bit for bit so that contacts imported from
//! ChatBotKit keep matching.
//!
//! ChatBotKit derives a fingerprint as `uuidv5(values.sort().join(";"), NAMESPACE)` with
//! JavaScript's `Array.prototype.sort` and `join`, whose rules are reproduced here: `undefined`
//! sorts after everything, `null` sorts as the string `"null"`, both join as `""`, and strings
//! compare by UTF-16 code units (not by code points: "😀" sorts before "～").

use super::IntegrationId;
use std::cmp::Ordering;
use uuid::Uuid;

/// ChatBotKit's namespace for contacts from requests that prove nothing ("do not change").
pub const UNTRUSTED_NAMESPACE: Uuid = Uuid::from_u128(0x83eac369_0401_4a2c_992f_dd9b914420af);
/// ChatBotKit's namespace for trusted contacts (declared there, no use seen).
pub const TRUSTED_NAMESPACE: Uuid = Uuid::from_u128(0x4c8e1df2_06f0_47d6_8911_892a351fcc3a);
/// ChatBotKit's namespace for email senders: `[address]`.
pub const EMAIL_NAMESPACE: Uuid = Uuid::from_u128(0x128c62b7_a418_41ca_a65d_d53549f8fc75);
/// ChatBotKit's namespace for widget visitors: `[email, phone]`.
pub const WIDGET_NAMESPACE: Uuid = Uuid::from_u128(0x11ccd8f6_b364_44c7_a3fd_8c2741dccfbb);

/// Fewest characters a fingerprint given by a caller may have (ChatBotKit's rule: shorter
/// ones are guessable).
pub const MIN_CHARS: usize = 16;
/// Most characters a fingerprint may have (the column's limit).
pub const MAX_CHARS: usize = 200;

/// One element of the JavaScript array a fingerprint is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsValue<'a> {
    Text(&'a str),
    Null,
    Undefined,
}

impl<'a> JsValue<'a> {
    /// A field that may be unset: `None` is `undefined`, as an absent property reads in JS.
    pub fn from_option(value: Option<&'a str>) -> Self {
        value.map_or(JsValue::Undefined, JsValue::Text)
    }

    /// What `sort()` compares: the value converted to a string.
    fn sort_key(self) -> Option<&'a str> {
        match self {
            JsValue::Text(text) => Some(text),
            JsValue::Null => Some("null"),
            JsValue::Undefined => None,
        }
    }

    /// What `join()` writes.
    fn joined(self) -> &'a str {
        match self {
            JsValue::Text(text) => text,
            JsValue::Null | JsValue::Undefined => "",
        }
    }
}

/// `values.sort().join(";")` exactly as JavaScript computes it.
pub fn js_sorted_join(values: &[JsValue<'_>]) -> String {
    let mut sorted = values.to_vec();
    // Stable, as Array.prototype.sort has been since ES2019.
    sorted.sort_by(|a, b| match (a.sort_key(), b.sort_key()) {
        (Some(a), Some(b)) => a.encode_utf16().cmp(b.encode_utf16()),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    sorted
        .iter()
        .map(|value| value.joined())
        .collect::<Vec<_>>()
        .join(";")
}

/// `uuidv5(values.sort().join(";"), namespace).toLowerCase()`.
pub fn from_values(namespace: Uuid, values: &[JsValue<'_>]) -> String {
    Uuid::new_v5(&namespace, js_sorted_join(values).as_bytes())
        .hyphenated()
        .to_string()
}

/// The fingerprint ChatBotKit gives a contact created from an unverified request:
/// `[name, email, phone, nick]`, each `undefined` when not given.
pub fn untrusted(
    name: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
    nick: Option<&str>,
) -> String {
    from_values(
        UNTRUSTED_NAMESPACE,
        &[name, email, phone, nick].map(JsValue::from_option),
    )
}

/// A fingerprint given by a caller: trimmed, 16 to 200 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(String);

impl Fingerprint {
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        let count = trimmed.chars().count();
        if count < MIN_CHARS {
            return Err(format!(
                "A fingerprint must have at least {MIN_CHARS} characters, so that it cannot be guessed (this one has {count})."
            ));
        }
        if count > MAX_CHARS {
            return Err(format!(
                "A fingerprint can have at most {MAX_CHARS} characters (this one has {count})."
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err("A fingerprint cannot contain control characters or line breaks.".into());
        }
        Ok(Self(trimmed.to_string()))
    }

    /// A site's user id that the widget's identity signature (`userHash`) vouches for:
    /// 1 to 200 characters, one line. No minimum length: the signature, not the id's length,
    /// is what stops a guess.
    pub fn signed_user_id(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        let count = trimmed.chars().count();
        if count == 0 || count > MAX_CHARS {
            return Err(format!(
                "A user id has 1 to {MAX_CHARS} characters (this one has {count})."
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err("A user id cannot contain control characters or line breaks.".into());
        }
        Ok(Self(trimmed.to_string()))
    }

    /// The fingerprint of a user id that widget `integration`'s identity secret signed:
    /// `widget:<integration id>:<user id>`. Each widget signs ids of its own site, so user "42"
    /// of one widget is nobody in particular to another; the prefix keeps them apart. It can
    /// be longer than [`MAX_CHARS`] (the column allows 240, room for any id and prefix).
    pub fn widget_user(integration: IntegrationId, user_id: &Fingerprint) -> Self {
        Self(format!("widget:{integration}:{}", user_id.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use JsValue::{Null, Text, Undefined};

    // The vectors of the issue and of the ChatBotKit reference, computed there with uuid@9.
    #[test]
    fn chatbotkit_vectors() {
        assert_eq!(
            from_values(EMAIL_NAMESPACE, &[Text("jane@example.com")]),
            "1030a977-c824-5c6a-9a96-aaded98a1185"
        );
        let jane = [
            Text("Jane"),
            Text("jane@example.com"),
            Text("+15550100"),
            Text("jj"),
        ];
        assert_eq!(js_sorted_join(&jane), "+15550100;Jane;jane@example.com;jj");
        assert_eq!(
            from_values(UNTRUSTED_NAMESPACE, &jane),
            "1ae2aff8-d12d-5dc3-a65d-1ae495d8e068"
        );
        assert_eq!(
            untrusted(
                Some("Jane"),
                Some("jane@example.com"),
                Some("+15550100"),
                Some("jj")
            ),
            "1ae2aff8-d12d-5dc3-a65d-1ae495d8e068"
        );
        let guest = [
            Text("Guest User"),
            Text("guest@example.com"),
            Undefined,
            Undefined,
        ];
        assert_eq!(js_sorted_join(&guest), "Guest User;guest@example.com;;");
        assert_eq!(
            untrusted(Some("Guest User"), Some("guest@example.com"), None, None),
            "36133ebf-e743-5a8e-b513-74640424d5c0"
        );
        let nameless = [Null, Text("guest@example.com"), Undefined, Undefined];
        assert_eq!(js_sorted_join(&nameless), "guest@example.com;;;");
        assert_eq!(
            from_values(UNTRUSTED_NAMESPACE, &nameless),
            "d2227346-a4f5-559d-8f00-36294ca0a0c0"
        );
        assert_eq!(
            from_values(
                WIDGET_NAMESPACE,
                &[Text("jane@example.com"), Text("+15550100")]
            ),
            "19763e49-d7be-5594-a60d-6249a8ec33c2"
        );
    }

    #[test]
    fn javascript_sort_rules() {
        // null sorts as "null" (after "guest…", before "zed"), undefined after everything.
        assert_eq!(
            js_sorted_join(&[Undefined, Text("zed"), Null, Text("adam")]),
            "adam;;zed;"
        );
        // Upper case before lower case (code units, no locale).
        assert_eq!(js_sorted_join(&[Text("a"), Text("Z")]), "Z;a");
        // UTF-16 code units: the surrogate pair of U+1F600 (0xD83D…) sorts before U+FF5E,
        // although its code point is larger; `str::cmp` would say the opposite.
        assert_eq!(
            js_sorted_join(&[Text("\u{FF5E}"), Text("\u{1F600}")]),
            "\u{1F600};\u{FF5E}"
        );
        assert!("\u{FF5E}" < "\u{1F600}");
        assert_eq!(js_sorted_join(&[]), "");
    }

    #[test]
    fn fingerprints_are_lower_case_and_stable() {
        let a = untrusted(Some("Ada"), None, None, None);
        assert_eq!(a, a.to_lowercase());
        assert_eq!(a, untrusted(Some("Ada"), None, None, None));
        // Sorting forgets which field a value came from: a name "Ada" and a nick "Ada" give
        // the same fingerprint (ChatBotKit's behaviour, kept for compatibility).
        assert_eq!(a, untrusted(None, None, None, Some("Ada")));
        assert_ne!(a, untrusted(Some("Ada"), None, None, Some("A")));
        assert_ne!(TRUSTED_NAMESPACE, UNTRUSTED_NAMESPACE);
    }

    #[test]
    fn given_fingerprints_are_trimmed_and_bounded() {
        assert_eq!(
            Fingerprint::parse("  user-000000000001  ")
                .unwrap()
                .as_str(),
            "user-000000000001"
        );
        let short = Fingerprint::parse("user-1").unwrap_err();
        assert!(short.contains("at least 16"), "{short}");
        assert!(Fingerprint::parse(&"f".repeat(16)).is_ok());
        assert!(Fingerprint::parse(&"f".repeat(15)).is_err());
        assert!(Fingerprint::parse(&"f".repeat(200)).is_ok());
        assert!(Fingerprint::parse(&"f".repeat(201)).is_err());
        assert!(Fingerprint::parse("user-0000000000\n01").is_err());
    }
}
