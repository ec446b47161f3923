//! Names of files in spaces: what a person sees and downloads. A name is never used as a
//! path on disk (files are stored under random keys, see `crate::storage`), but it is still
//! cleaned so it cannot smuggle directories, invisible characters or header breaks into a
//! listing or a `Content-Disposition` header.

use std::fmt;

/// Longest name accepted, in UTF-8 bytes (what most file systems allow for one name).
pub const MAX_BYTES: usize = 255;

/// A cleaned file name: no directory part, trimmed, no control or invisible formatting
/// characters, 1–255 bytes, not `.` or `..`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileName(String);

/// Why a name was refused; `Display` is the message shown next to the upload field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileNameError {
    Empty,
    DotName,
    ControlCharacter,
    InvisibleFormatting,
    TooLong { bytes: usize },
}

impl fmt::Display for FileNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileNameError::Empty => write!(f, "has no file name"),
            FileNameError::DotName => write!(f, "is not a usable file name"),
            FileNameError::ControlCharacter => {
                write!(
                    f,
                    "has control characters in its name; rename it and try again"
                )
            }
            FileNameError::InvisibleFormatting => write!(
                f,
                "has invisible direction or formatting characters in its name; rename it and try again"
            ),
            FileNameError::TooLong { bytes } => write!(
                f,
                "has a name of {bytes} bytes; at most {MAX_BYTES} are allowed, so shorten it and try again"
            ),
        }
    }
}

impl FileName {
    /// Cleans a name as a browser or client sent it. Directory parts (`/` and `\`) are
    /// dropped, keeping the last part, so `../../etc/passwd` becomes `passwd`; what is left
    /// must be a usable name or it is refused.
    pub fn parse(raw: &str) -> Result<FileName, FileNameError> {
        let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let name = last.trim();
        if name.is_empty() {
            return Err(FileNameError::Empty);
        }
        if name == "." || name == ".." {
            return Err(FileNameError::DotName);
        }
        if name.chars().any(char::is_control) {
            return Err(FileNameError::ControlCharacter);
        }
        if name.chars().any(is_invisible_formatting) {
            return Err(FileNameError::InvisibleFormatting);
        }
        if name.len() > MAX_BYTES {
            return Err(FileNameError::TooLong { bytes: name.len() });
        }
        Ok(FileName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Zero-width and bidirectional controls: a right-to-left override (U+202E) makes
/// `invoice<U+202E>fdp.exe` show as `invoiceexe.pdf`.
fn is_invisible_formatting(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// A name as sent, made safe to show in a message even when it was refused: control
/// characters become `�`, and long names are shortened.
pub fn for_display(raw: &str) -> String {
    const MAX_CHARS: usize = 120;
    let mut shown: String = raw
        .chars()
        .map(|c| {
            if c.is_control() || is_invisible_formatting(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .take(MAX_CHARS)
        .collect();
    if raw.chars().count() > MAX_CHARS {
        shown.push('…');
    }
    shown
}

/// `Content-Disposition` for downloading `name` as an attachment (RFC 6266): a plain ASCII
/// `filename` for old clients and the exact name as `filename*=UTF-8''…` (RFC 5987).
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() || c == ' ') && !matches!(c, '"' | '\\' | '%') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        // RFC 5987 attr-char: everything else is percent-encoded.
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> String {
        FileName::parse(raw).unwrap().into_string()
    }

    #[test]
    fn ordinary_names_are_kept_trimmed() {
        assert_eq!(ok("report.pdf"), "report.pdf");
        assert_eq!(ok("  Q3 budget (final).xlsx "), "Q3 budget (final).xlsx");
        assert_eq!(ok("été 2026.csv"), "été 2026.csv");
        assert_eq!(ok(".env"), ".env");
    }

    #[test]
    fn directory_parts_are_dropped() {
        assert_eq!(ok("../../etc/passwd"), "passwd");
        assert_eq!(ok("..\\x"), "x");
        assert_eq!(ok("C:\\Users\\ada\\notes.txt"), "notes.txt");
        assert_eq!(ok("/abs/path/a.txt"), "a.txt");
    }

    #[test]
    fn unusable_names_are_refused() {
        assert_eq!(FileName::parse(""), Err(FileNameError::Empty));
        assert_eq!(FileName::parse("   "), Err(FileNameError::Empty));
        assert_eq!(FileName::parse("dir/"), Err(FileNameError::Empty));
        assert_eq!(FileName::parse("."), Err(FileNameError::DotName));
        assert_eq!(FileName::parse(".."), Err(FileNameError::DotName));
        assert_eq!(FileName::parse("a/.."), Err(FileNameError::DotName));
        assert_eq!(FileName::parse("../.."), Err(FileNameError::DotName));
    }

    #[test]
    fn control_and_invisible_characters_are_refused() {
        for raw in [
            "a\u{0}b",
            "bell\u{7}.txt",
            "line\nbreak.txt",
            "del\u{7f}.txt",
            "c1\u{85}.txt",
        ] {
            assert_eq!(
                FileName::parse(raw),
                Err(FileNameError::ControlCharacter),
                "{raw:?}"
            );
        }
        assert_eq!(
            FileName::parse("invoice\u{202E}fdp.exe"),
            Err(FileNameError::InvisibleFormatting)
        );
        assert_eq!(
            FileName::parse("zero\u{200B}width.txt"),
            Err(FileNameError::InvisibleFormatting)
        );
    }

    #[test]
    fn names_are_limited_to_255_bytes() {
        assert!(FileName::parse(&"a".repeat(255)).is_ok());
        assert_eq!(
            FileName::parse(&"a".repeat(256)),
            Err(FileNameError::TooLong { bytes: 256 })
        );
        // 128 two-byte characters are 256 bytes.
        assert_eq!(
            FileName::parse(&"é".repeat(128)),
            Err(FileNameError::TooLong { bytes: 256 })
        );
        let message = FileNameError::TooLong { bytes: 300 }.to_string();
        assert!(
            message.contains("300 bytes") && message.contains("255"),
            "{message}"
        );
    }

    #[test]
    fn refused_names_are_shown_safely() {
        assert_eq!(for_display("bad\u{7}name"), "bad\u{FFFD}name");
        let long = for_display(&"x".repeat(500));
        assert!(long.ends_with('…') && long.chars().count() == 121);
    }

    #[test]
    fn downloads_carry_both_filename_forms() {
        assert_eq!(
            content_disposition("report.pdf"),
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
        );
        assert_eq!(
            content_disposition("Résumé \"final\" 100%.pdf"),
            "attachment; filename=\"R_sum_ _final_ 100_.pdf\"; \
             filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22%20100%25.pdf"
        );
        assert_eq!(
            content_disposition("日本.txt"),
            "attachment; filename=\"__.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt"
        );
    }
}
