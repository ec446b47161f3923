//! What an agent remembers about a contact: one piece of free text, up to 10,000 characters.

use super::text::optional_text;

pub const MAX_CHARS: usize = 10_000;

/// Trims and checks a memory's text; blank is refused (a memory with nothing in it is no
/// memory).
pub fn validate(input: &str) -> Result<String, String> {
    match optional_text(input, MAX_CHARS)? {
        Some(text) => Ok(text),
        None => Err("Write what to remember, e.g. “Prefers email over phone”.".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_multi_line_text_is_kept() {
        assert_eq!(
            validate("  Has two kids\nmentions them often \n").unwrap(),
            "Has two kids\nmentions them often"
        );
    }

    #[test]
    fn blank_long_and_control_characters_are_refused() {
        assert!(
            validate(" \n ")
                .unwrap_err()
                .contains("Write what to remember")
        );
        assert!(validate(&"é".repeat(MAX_CHARS)).is_ok());
        assert!(
            validate(&"é".repeat(MAX_CHARS + 1))
                .unwrap_err()
                .contains("10,000")
        );
        assert!(validate("bell\u{7}").is_err());
    }
}
