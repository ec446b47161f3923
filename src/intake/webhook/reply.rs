//! What an agent webhook may answer, and how it is checked before anything is stored.
//!
//! A 2xx answer with a JSON object `{"reply": "…", "memories": ["…", …]}`: `reply` becomes a
//! bot message in the conversation, each of `memories` a memory of the contact. Both are
//! optional; an empty body, `{}`, `"reply": null` or a blank reply mean "no answer this time"
//! (an agent that hands over to a person), and the delivery still counts as delivered. Other
//! keys are ignored. The texts follow the same rules as the dashboard's (length, no control
//! characters); an answer that breaks them is refused whole and retried, with the reason shown
//! on the conversation, so a broken agent is noticed rather than half-stored.

use crate::domain::conversation::STAFF_MESSAGE_MAX_CHARS;
use crate::domain::memory_text;
use crate::domain::text::{group_thousands, optional_text};
use serde_json::Value;

/// The longest reply, the same as any message written in the dashboard.
pub const REPLY_MAX_CHARS: usize = STAFF_MESSAGE_MAX_CHARS;

/// Memories one answer may store.
pub const MAX_MEMORIES: usize = 20;

/// The largest answer body read.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A checked answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentReply {
    /// Trimmed; `None` when the agent did not answer.
    pub reply: Option<String>,
    /// Trimmed and checked, in the order given.
    pub memories: Vec<String>,
}

/// Reads a 2xx answer's body. The error says what is wrong, for the conversation's notice.
pub fn parse(body: &[u8]) -> Result<AgentReply, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(AgentReply::default());
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|error| format!("The answer is not JSON ({error})."))?;
    let Value::Object(object) = value else {
        return Err("The answer is not a JSON object like {\"reply\": \"…\"}.".into());
    };
    let reply = match object.get("reply") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => {
            optional_text(text, REPLY_MAX_CHARS).map_err(|problem| format!("reply: {problem}"))?
        }
        Some(_) => return Err("reply: must be a string.".into()),
    };
    let memories = match object.get("memories") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            if items.len() > MAX_MEMORIES {
                return Err(format!(
                    "memories: at most {MAX_MEMORIES} at a time (this has {}).",
                    group_thousands(items.len() as u64)
                ));
            }
            items
                .iter()
                .enumerate()
                .map(|(index, item)| match item {
                    Value::String(text) => memory_text::validate(text)
                        .map_err(|problem| format!("memories[{index}]: {problem}")),
                    _ => Err(format!("memories[{index}]: must be a string.")),
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        Some(_) => return Err("memories: must be a list of strings.".into()),
    };
    Ok(AgentReply { reply, memories })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_with_memories() {
        let parsed = parse(
            br#"{"reply": "  Your order ships today.  ", "memories": ["Ordered a blue kettle"], "debug": 1}"#,
        )
        .unwrap();
        assert_eq!(parsed.reply.as_deref(), Some("Your order ships today."));
        assert_eq!(parsed.memories, ["Ordered a blue kettle"]);
    }

    #[test]
    fn no_answer_is_a_valid_answer() {
        for body in [
            &b""[..],
            b"  \n",
            b"{}",
            br#"{"reply": null}"#,
            br#"{"reply": "   "}"#,
        ] {
            assert_eq!(parse(body), Ok(AgentReply::default()), "{body:?}");
        }
        let only_memories = parse(br#"{"memories": ["Likes tea"]}"#).unwrap();
        assert_eq!(only_memories.reply, None);
        assert_eq!(only_memories.memories, ["Likes tea"]);
    }

    #[test]
    fn malformed_answers_say_what_is_wrong() {
        let error = |body: &str| parse(body.as_bytes()).unwrap_err();
        assert!(error("<html>").starts_with("The answer is not JSON"));
        assert!(error(r#"["hi"]"#).contains("not a JSON object"));
        assert_eq!(error(r#"{"reply": 5}"#), "reply: must be a string.");
        assert_eq!(
            error(r#"{"reply": "ok", "memories": "x"}"#),
            "memories: must be a list of strings."
        );
        assert_eq!(
            error(r#"{"memories": ["fine", 3]}"#),
            "memories[1]: must be a string."
        );
        assert!(error(r#"{"memories": ["fine", " "]}"#).starts_with("memories[1]: Write what"));
    }

    #[test]
    fn lengths_follow_the_dashboard_rules() {
        let long_reply = format!(r#"{{"reply": "{}"}}"#, "x".repeat(REPLY_MAX_CHARS + 1));
        assert!(
            parse(long_reply.as_bytes())
                .unwrap_err()
                .starts_with("reply: Must be at most 10,000 characters")
        );
        let max_reply = format!(r#"{{"reply": "{}"}}"#, "é".repeat(REPLY_MAX_CHARS));
        assert!(parse(max_reply.as_bytes()).is_ok());
        let long_memory = format!(
            r#"{{"memories": ["{}"]}}"#,
            "x".repeat(memory_text::MAX_CHARS + 1)
        );
        assert!(
            parse(long_memory.as_bytes())
                .unwrap_err()
                .starts_with("memories[0]: Must be at most")
        );
        let many = serde_json::json!({ "memories": vec!["m"; MAX_MEMORIES + 1] }).to_string();
        assert_eq!(
            parse(many.as_bytes()).unwrap_err(),
            "memories: at most 20 at a time (this has 21)."
        );
        assert!(parse(br#"{"reply": "bell\u0007"}"#).is_err());
    }
}
