//! Every dashboard URL, built in one place. Handlers and view structs call these; templates
//! receive ready-made strings.

use crate::domain::{ContactField, ContactId, ConversationId, MessageId, RatingId};

pub const LOGIN: &str = "/login";
pub const LOGOUT: &str = "/logout";
pub const CONTACTS: &str = "/contacts";
pub const NEW_CONTACT: &str = "/contacts/new";

pub fn login_with_next(next: &str) -> String {
    format!("{LOGIN}?next={}", encode(next))
}

pub fn contact(id: ContactId) -> String {
    format!("/contacts/{id}")
}

/// A profile tab; the overview is the profile's own URL.
pub fn contact_tab(id: ContactId, tab_slug: &str) -> String {
    if tab_slug.is_empty() {
        contact(id)
    } else {
        format!("/contacts/{id}/{tab_slug}")
    }
}

pub fn contact_field(id: ContactId, field: ContactField) -> String {
    format!("/contacts/{id}/fields/{}", field.slug())
}

pub fn contact_field_edit(id: ContactId, field: ContactField) -> String {
    format!("/contacts/{id}/fields/{}/edit", field.slug())
}

pub fn contact_delete(id: ContactId) -> String {
    format!("/contacts/{id}/delete")
}

/// One conversation of a contact: its transcript.
pub fn contact_conversation(id: ContactId, conversation: ConversationId) -> String {
    format!("/contacts/{id}/conversations/{conversation}")
}

/// An action on a conversation: `delete`, `detach`, `move` or `messages` (add a staff message).
pub fn contact_conversation_action(
    id: ContactId,
    conversation: ConversationId,
    action: &str,
) -> String {
    format!("/contacts/{id}/conversations/{conversation}/{action}")
}

/// A message inside its transcript: the window around it, scrolled to it.
pub fn contact_conversation_message(
    id: ContactId,
    conversation: ConversationId,
    message: MessageId,
) -> String {
    format!(
        "/contacts/{id}/conversations/{conversation}?at={message}#{}",
        message_anchor(message)
    )
}

/// The element id of a message in a transcript.
pub fn message_anchor(message: MessageId) -> String {
    format!("message-{message}")
}

/// Marks one rating reviewed.
pub fn contact_rating_review(id: ContactId, rating: RatingId) -> String {
    format!("/contacts/{id}/ratings/{rating}/review")
}

/// Marks every rating shown reviewed.
pub fn contact_ratings_review(id: ContactId) -> String {
    format!("/contacts/{id}/ratings/review")
}

/// Percent-encodes a query parameter value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Builds `path?k=v&…` from the pairs whose value is not empty.
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| format!("{key}={}", encode(value)))
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// Where to go after sign-in: only paths on this site, never `//evil.example` or a scheme.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.contains(['\r', '\n'])
                && !path.starts_with(LOGIN) =>
        {
            path.to_string()
        }
        _ => CONTACTS.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_this_site() {
        assert_eq!(safe_next(Some("/contacts/7")), "/contacts/7");
        assert_eq!(safe_next(Some("//evil.example/x")), CONTACTS);
        assert_eq!(safe_next(Some("https://evil.example")), CONTACTS);
        assert_eq!(safe_next(Some("/\\evil.example")), CONTACTS);
        assert_eq!(safe_next(Some("/login")), CONTACTS);
        assert_eq!(safe_next(None), CONTACTS);
    }

    #[test]
    fn query_strings_are_encoded_and_skip_empty_values() {
        assert_eq!(
            with_query(
                "/contacts",
                &[("q", "a b&c"), ("source", ""), ("sort", "name")]
            ),
            "/contacts?q=a%20b%26c&sort=name"
        );
        assert_eq!(with_query("/contacts", &[]), "/contacts");
        assert_eq!(
            login_with_next("/contacts?q=x"),
            "/login?next=/contacts%3Fq%3Dx"
        );
    }

    #[test]
    fn contact_urls() {
        let id = ContactId(7);
        assert_eq!(contact_tab(id, ""), "/contacts/7");
        assert_eq!(contact_tab(id, "history"), "/contacts/7/history");
        assert_eq!(
            contact_field_edit(id, ContactField::Phone),
            "/contacts/7/fields/phone/edit"
        );
        assert_eq!(
            contact_conversation_message(id, ConversationId(3), MessageId(9)),
            "/contacts/7/conversations/3?at=9#message-9"
        );
        assert_eq!(
            contact_conversation_action(id, ConversationId(3), "move"),
            "/contacts/7/conversations/3/move"
        );
        assert_eq!(
            contact_rating_review(id, RatingId(5)),
            "/contacts/7/ratings/5/review"
        );
    }
}
