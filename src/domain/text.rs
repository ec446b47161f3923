//! Free-text fields: trimmed, length-checked, empty means "not set".

/// Trims `input` and checks it against `max_chars` (counted in Unicode scalar values, as a
/// person counts them). Returns `None` for blank input.
pub fn optional_text(input: &str, max_chars: usize) -> Result<Option<String>, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let count = trimmed.chars().count();
    if count > max_chars {
        return Err(format!(
            "Must be at most {} characters (this is {}).",
            group_thousands(max_chars as u64),
            group_thousands(count as u64)
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("Contains control characters; remove them and try again.".into());
    }
    Ok(Some(trimmed.to_string()))
}

/// Like [`optional_text`] but for single-line fields: line breaks are refused.
pub fn optional_line(input: &str, max_chars: usize) -> Result<Option<String>, String> {
    let value = optional_text(input, max_chars)?;
    if value.as_deref().is_some_and(|v| v.contains(['\n', '\r'])) {
        return Err("Must be a single line.".into());
    }
    Ok(value)
}

/// 1234567 → "1,234,567".
pub fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Up to two initials for an avatar: "Ada Lovelace" → "AL", "" → "?".
pub fn initials(name: &str) -> String {
    let mut letters = name
        .split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .flat_map(char::to_uppercase);
    match (letters.next(), letters.last()) {
        (Some(first), Some(last)) => format!("{first}{last}"),
        (Some(first), None) => first.to_string(),
        _ => "?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_none_and_whitespace_is_trimmed() {
        assert_eq!(optional_text("   ", 10), Ok(None));
        assert_eq!(optional_text("  Ada ", 10), Ok(Some("Ada".into())));
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(optional_text("ééééé", 5).is_ok());
        let err = optional_text("éééééé", 5).unwrap_err();
        assert!(err.contains("at most 5"), "{err}");
    }

    #[test]
    fn control_characters_are_refused_but_newlines_are_fine_in_text() {
        assert!(optional_text("a\u{0007}b", 10).is_err());
        assert!(optional_text("a\nb", 10).is_ok());
        assert!(optional_line("a\nb", 10).is_err());
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(1234567), "1,234,567");
    }

    #[test]
    fn initials_take_first_and_last_word() {
        assert_eq!(initials("Ada Lovelace"), "AL");
        assert_eq!(initials("ada king lovelace"), "AL");
        assert_eq!(initials("Plato"), "P");
        assert_eq!(initials("  "), "?");
        assert_eq!(initials("élodie"), "É");
    }
}
