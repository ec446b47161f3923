//! Conversations and their messages: channels, roles, how a conversation is titled in a list,
//! and what a staff note may contain.

use super::text::{group_thousands, optional_text};
use std::str::FromStr;

/// Where a conversation took place (the `channel` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Widget,
    Api,
    Manual,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Email,
        Channel::Widget,
        Channel::Api,
        Channel::Manual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Widget => "widget",
            Channel::Api => "api",
            Channel::Manual => "manual",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "Email",
            Channel::Widget => "Widget",
            Channel::Api => "API",
            Channel::Manual => "Manual",
        }
    }
}

impl FromStr for Channel {
    type Err = ();

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == input)
            .ok_or(())
    }
}

/// Who wrote a message (the `role` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageRole {
    /// The contact.
    User,
    /// The chatbot or AI agent.
    Bot,
    /// A member of staff, writing from the dashboard.
    Staff,
    /// Background the platform gave the bot (page visited, plan, earlier summary).
    Context,
}

impl MessageRole {
    pub const ALL: [MessageRole; 4] = [
        MessageRole::User,
        MessageRole::Bot,
        MessageRole::Staff,
        MessageRole::Context,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageRole::User => "user",
            MessageRole::Bot => "bot",
            MessageRole::Staff => "staff",
            MessageRole::Context => "context",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MessageRole::User => "User",
            MessageRole::Bot => "Bot",
            MessageRole::Staff => "Staff",
            MessageRole::Context => "Context",
        }
    }
}

impl FromStr for MessageRole {
    type Err = ();

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        MessageRole::ALL
            .into_iter()
            .find(|r| r.as_str() == input)
            .ok_or(())
    }
}

/// How long a title may be in the list before it is cut with an ellipsis.
pub const TITLE_CHARS: usize = 120;

/// The first non-blank line of `text`, cut to `max_chars` with "…" when longer.
pub fn first_line(text: &str, max_chars: usize) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("");
    if line.chars().count() > max_chars {
        let cut: String = line.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    } else {
        line.to_string()
    }
}

/// What a conversation is called in a list: its subject, else the first line of its first
/// message, else a placeholder.
pub fn title(subject: Option<&str>, first_message: Option<&str>) -> String {
    let from_subject = subject.map(|s| first_line(s, TITLE_CHARS));
    let from_message = first_message.map(|m| first_line(m, TITLE_CHARS));
    from_subject
        .filter(|s| !s.is_empty())
        .or(from_message.filter(|m| !m.is_empty()))
        .unwrap_or_else(|| "(no messages yet)".to_string())
}

/// The longest note staff may add to a conversation.
pub const STAFF_MESSAGE_MAX_CHARS: usize = 10_000;

/// A staff message as typed: trimmed, not blank, within the limit; line breaks kept.
pub fn staff_message(input: &str) -> Result<String, String> {
    optional_text(input, STAFF_MESSAGE_MAX_CHARS)?
        .ok_or_else(|| "Write a message first.".to_string())
}

/// The longest message the API accepts (the column's limit).
pub const MESSAGE_MAX_CHARS: usize = 100_000;

/// A message's text as the API receives it. A staff note follows the dashboard's rule
/// ([`staff_message`]); the others are kept exactly as sent (a bot's answer may begin with
/// indented code), but must not be blank, too long, or hold control characters other than
/// line breaks and tabs.
pub fn message_text(role: MessageRole, input: &str) -> Result<String, String> {
    if role == MessageRole::Staff {
        return staff_message(input);
    }
    if input.trim().is_empty() {
        return Err("Give the message some text.".into());
    }
    let count = input.chars().count();
    if count > MESSAGE_MAX_CHARS {
        return Err(format!(
            "Must be at most {} characters (this is {}).",
            group_thousands(MESSAGE_MAX_CHARS as u64),
            group_thousands(count as u64)
        ));
    }
    if input
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err("Contains control characters; remove them and try again.".into());
    }
    Ok(input.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_and_roles_round_trip() {
        for channel in Channel::ALL {
            assert_eq!(channel.as_str().parse(), Ok(channel));
        }
        for role in MessageRole::ALL {
            assert_eq!(role.as_str().parse(), Ok(role));
        }
        assert!("fax".parse::<Channel>().is_err());
        assert!("system".parse::<MessageRole>().is_err());
    }

    #[test]
    fn first_lines_skip_blank_lines_and_are_cut() {
        assert_eq!(
            first_line("\n  \n  Hello there \nsecond", 50),
            "Hello there"
        );
        assert_eq!(first_line("", 50), "");
        assert_eq!(first_line("abcdefghij", 5), "abcd…");
        assert_eq!(first_line("abcde", 5), "abcde");
        assert_eq!(first_line("ééééé ééé", 6), "ééééé…");
    }

    #[test]
    fn titles_prefer_the_subject() {
        assert_eq!(title(Some("Invoice #42"), Some("Hi")), "Invoice #42");
        assert_eq!(title(Some("  "), Some("Hi\nthere")), "Hi");
        assert_eq!(
            title(None, Some("\nHow do I reset my password?")),
            "How do I reset my password?"
        );
        assert_eq!(title(None, None), "(no messages yet)");
        assert_eq!(title(None, Some("   ")), "(no messages yet)");
    }

    #[test]
    fn api_messages_are_kept_as_sent_but_checked() {
        assert_eq!(
            message_text(MessageRole::Bot, "    indented\ncode "),
            Ok("    indented\ncode ".into())
        );
        assert_eq!(
            message_text(MessageRole::Staff, "  note "),
            Ok("note".into())
        );
        assert!(message_text(MessageRole::User, " \n ").is_err());
        assert!(message_text(MessageRole::User, "bell \u{7}").is_err());
        assert!(message_text(MessageRole::Context, &"x".repeat(MESSAGE_MAX_CHARS)).is_ok());
        let long = message_text(MessageRole::Bot, &"x".repeat(MESSAGE_MAX_CHARS + 1));
        assert!(long.unwrap_err().contains("100,000"));
    }

    #[test]
    fn staff_messages_are_trimmed_and_bounded() {
        assert_eq!(
            staff_message("  Called back.\nAll good. "),
            Ok("Called back.\nAll good.".into())
        );
        assert!(staff_message("   ").is_err());
        assert!(staff_message(&"x".repeat(STAFF_MESSAGE_MAX_CHARS + 1)).is_err());
        assert!(staff_message("bell \u{7}").is_err());
    }
}
