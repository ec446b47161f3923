//! Small formatting helpers shared by view structs: times, avatars, display names.

use crate::domain::text::initials;
use crate::models::Contact;
use chrono::{DateTime, Utc};

/// "2026-11-25 08:48 UTC": unambiguous for teams across time zones.
pub fn timestamp(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// ISO 8601 for `<time datetime=…>`.
pub fn iso(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// "just now", "5 min ago", "3 h ago", "2 days ago", then the date.
pub fn relative(time: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - time).num_seconds();
    match seconds {
        s if s < 60 => "just now".into(),
        s if s < 3_600 => format!("{} min ago", s / 60),
        s if s < 86_400 => format!("{} h ago", s / 3_600),
        s if s < 86_400 * 2 => "yesterday".into(),
        s if s < 86_400 * 30 => format!("{} days ago", s / 86_400),
        _ => time.format("%Y-%m-%d").to_string(),
    }
}

/// One of 8 avatar colours, stable per contact id (a CSS class, as the content security
/// policy forbids inline styles).
pub fn avatar_class(id: i64) -> String {
    format!("avatar-c{}", id.rem_euclid(8))
}

/// How a contact is recognised at a glance: its name, avatar initials and avatar colour.
pub struct Identity {
    pub name: String,
    pub initials: String,
    pub avatar_class: String,
}

/// The contact's [`Identity`]; unnamed contacts get initials from their nick or email.
pub fn identity(contact: &Contact) -> Identity {
    let for_initials = contact
        .name
        .as_deref()
        .or(contact.nick.as_deref())
        .or(contact.email.as_deref())
        .unwrap_or("");
    Identity {
        name: display_name(contact.name.as_deref()),
        initials: initials(for_initials),
        avatar_class: avatar_class(contact.id.0),
    }
}

/// What to call a contact that may have no name.
pub fn display_name(name: Option<&str>) -> String {
    name.filter(|n| !n.is_empty())
        .unwrap_or("Unnamed contact")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn relative_times() {
        let now = Utc::now();
        assert_eq!(relative(now, now), "just now");
        assert_eq!(relative(now - Duration::minutes(5), now), "5 min ago");
        assert_eq!(relative(now - Duration::hours(3), now), "3 h ago");
        assert_eq!(relative(now - Duration::days(3), now), "3 days ago");
    }

    #[test]
    fn avatar_classes_are_stable_and_bounded() {
        assert_eq!(avatar_class(9), avatar_class(1));
        assert_eq!(avatar_class(-1), "avatar-c7");
    }

    #[test]
    fn unnamed_contacts() {
        assert_eq!(display_name(None), "Unnamed contact");
        assert_eq!(display_name(Some("")), "Unnamed contact");
        assert_eq!(display_name(Some("Ada")), "Ada");
    }
}
