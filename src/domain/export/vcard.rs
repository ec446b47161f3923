//! Contacts as vCard 4.0 (RFC 6350), one card each, for address books.
//!
//! - `FN` is the name (or, for a contact without one, the nick, email or phone, so that an
//!   address book shows something); `N` splits a name of several words into given names and
//!   a family name (the last word), which is what address books sort by.
//! - `EMAIL`, `NICKNAME`, `NOTE` (the description); the phone as a `tel:` URI
//!   (`TEL;VALUE=uri:tel:+12125550147`, as RFC 6350 recommends); `UID` from the fingerprint
//!   (`urn:uuid:` when it is a UUID, else text); `REV` the last update.
//! - What address books have no property for goes in extension properties that they keep but
//!   ignore: `X-RAPPORT-PREFERENCES`, and `X-RAPPORT-META` with the meta object as JSON.
//!
//! Text is escaped as §3.4 says (`\\`, `\,`, `\;`, newlines as `\n`; other control characters,
//! which vCard text cannot hold, are dropped) and every line is folded to at most 75 octets
//! (§3.2), never inside a UTF-8 character or an escape sequence. Lines end with CRLF.

use super::ExportedContact;

/// The longest line, in octets, without its CRLF.
const LINE_OCTETS: usize = 75;

/// The contact's card.
pub fn card(contact: &ExportedContact<'_>, out: &mut Vec<u8>) {
    let mut line = String::with_capacity(128);
    let line = &mut line;
    line.push_str("BEGIN:VCARD");
    put(line, out);
    line.push_str("VERSION:4.0");
    put(line, out);

    match uuid::Uuid::try_parse(contact.fingerprint) {
        Ok(uuid) => {
            line.push_str("UID:urn:uuid:");
            line.push_str(&uuid.hyphenated().to_string());
        }
        Err(_) => {
            line.push_str("UID;VALUE=text:");
            escape(contact.fingerprint, line);
        }
    }
    put(line, out);

    let name = contact.name.map(str::trim).filter(|name| !name.is_empty());
    let shown = name
        .or(contact.nick)
        .or(contact.email)
        .or(contact.phone)
        .unwrap_or("");
    line.push_str("FN:");
    escape(shown, line);
    put(line, out);
    if let Some(name) = name {
        let (given, family) = split_name(name);
        // Family; Given; Additional; Prefixes; Suffixes.
        line.push_str("N:");
        escape(family, line);
        line.push(';');
        escape(&given, line);
        line.push_str(";;;");
        put(line, out);
    }

    text("NICKNAME", contact.nick, line, out);
    text("EMAIL", contact.email, line, out);
    match contact.phone {
        Some(phone) if is_e164(phone) => {
            line.push_str("TEL;VALUE=uri:tel:");
            line.push_str(phone);
            put(line, out);
        }
        other => text("TEL", other, line, out),
    }
    text("NOTE", contact.description, line, out);
    text("X-RAPPORT-PREFERENCES", contact.preferences, line, out);
    if contact
        .meta
        .as_object()
        .is_some_and(|meta| !meta.is_empty())
    {
        text("X-RAPPORT-META", Some(&contact.meta.to_string()), line, out);
    }

    line.push_str("REV:");
    line.push_str(&contact.updated_at.format("%Y%m%dT%H%M%SZ").to_string());
    put(line, out);
    line.push_str("END:VCARD");
    put(line, out);
}

/// Writes the content line built in `line`, folded, and empties it for the next.
fn put(line: &mut String, out: &mut Vec<u8>) {
    fold(line, out);
    line.clear();
}

/// `PROPERTY:value` for a text value that is set and not empty.
fn text(property: &str, value: Option<&str>, line: &mut String, out: &mut Vec<u8>) {
    if let Some(value) = value.filter(|value| !value.is_empty()) {
        line.push_str(property);
        line.push(':');
        escape(value, line);
        put(line, out);
    }
}

/// "Ada King Lovelace" → ("Ada King", "Lovelace"); one word is a given name.
fn split_name(name: &str) -> (String, &str) {
    let words: Vec<&str> = name.split_whitespace().collect();
    match words.split_last() {
        Some((family, given)) if !given.is_empty() => (given.join(" "), family),
        _ => (name.to_string(), ""),
    }
}

/// `+` and digits only: what a `tel:` URI can carry as it is.
fn is_e164(phone: &str) -> bool {
    phone
        .strip_prefix('+')
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// `value` as vCard text: `\`, `,` and `;` escaped (a `;` only needs it in compound values
/// such as `N`, and RFC 6350 allows it everywhere, which keeps lenient readers from splitting
/// a name at it), line breaks (CRLF, CR or LF) as `\n`, other control characters dropped.
fn escape(value: &str, out: &mut String) {
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

/// Writes `line` folded: at most 75 octets on the first physical line, then CRLF, a space
/// and at most 74 more octets on each continuation. A fold never splits a UTF-8 character
/// (RFC 6350 requires it) nor a backslash from the character it escapes (RFC 6350 allows it,
/// but some readers unescape before they unfold).
fn fold(line: &str, out: &mut Vec<u8>) {
    let mut rest = line;
    let mut room = LINE_OCTETS;
    while rest.len() > room {
        let mut cut = room;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let backslashes = rest.as_bytes()[..cut]
            .iter()
            .rev()
            .take_while(|&&b| b == b'\\')
            .count();
        if backslashes % 2 == 1 {
            cut -= 1;
        }
        out.extend_from_slice(&rest.as_bytes()[..cut]);
        out.extend_from_slice(b"\r\n ");
        rest = &rest[cut..];
        room = LINE_OCTETS - 1;
    }
    out.extend_from_slice(rest.as_bytes());
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;
    use serde_json::json;

    fn written(contact: &ExportedContact<'_>) -> String {
        let mut out = Vec::new();
        card(contact, &mut out);
        String::from_utf8(out).unwrap()
    }

    /// The card's lines with folds undone.
    fn unfolded(card: &str) -> Vec<String> {
        card.replace("\r\n ", "")
            .split("\r\n")
            .filter(|line| !line.is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn a_card_has_every_field_escaped() {
        let meta = json!({"plan": "pro"});
        let card = written(&sample(&meta));
        assert!(card.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"));
        assert!(card.ends_with("END:VCARD\r\n"));
        assert_eq!(
            unfolded(&card),
            [
                "BEGIN:VCARD",
                "VERSION:4.0",
                "UID:urn:uuid:36133ebf-e743-5a8e-b513-74640424d5c0",
                "FN:Ada \"The Countess\" Lovelace",
                "N:Lovelace;Ada \"The Countess\";;;",
                "NICKNAME:=countess",
                "EMAIL:ada@example.com",
                "TEL;VALUE=uri:tel:+12125550147",
                "NOTE:Line one\\nline two\\, with comma\\; and semicolon \\\\ backslash",
                "X-RAPPORT-PREFERENCES:Email\\, never calls",
                "X-RAPPORT-META:{\"plan\":\"pro\"}",
                "REV:20231114T221320Z",
                "END:VCARD",
            ]
        );
    }

    #[test]
    fn a_contact_without_a_name_shows_its_nick_email_or_phone() {
        let meta = json!({});
        let mut contact = sample(&meta);
        contact.name = None;
        contact.fingerprint = "user-1";
        let card = written(&contact);
        let lines = unfolded(&card);
        assert!(lines.contains(&"FN:=countess".to_string()));
        assert!(!lines.iter().any(|l| l.starts_with("N:")));
        assert!(lines.contains(&"UID;VALUE=text:user-1".to_string()));
        assert!(!lines.iter().any(|l| l.starts_with("X-RAPPORT-META")));
        contact.nick = None;
        contact.email = None;
        assert!(unfolded(&written(&contact)).contains(&"FN:+12125550147".to_string()));
        contact.phone = Some("0800 FLOWERS");
        assert!(unfolded(&written(&contact)).contains(&"TEL:0800 FLOWERS".to_string()));
    }

    #[test]
    fn names_split_into_given_and_family() {
        assert_eq!(split_name("Ada"), ("Ada".into(), ""));
        assert_eq!(
            split_name("Ada  King Lovelace"),
            ("Ada King".into(), "Lovelace")
        );
    }

    #[test]
    fn line_breaks_and_control_characters() {
        let mut out = String::new();
        escape("a\r\nb\rc\nd\te\u{7}f", &mut out);
        assert_eq!(out, "a\\nb\\nc\\nd\tef");
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let line = format!("NOTE:{}", "é".repeat(100));
        let mut out = Vec::new();
        fold(&line, &mut out);
        let text = String::from_utf8(out).unwrap();
        let physical: Vec<&str> = text.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(physical.len() > 2);
        for (index, piece) in physical.iter().enumerate() {
            assert!(
                piece.len() <= LINE_OCTETS,
                "{index}: {} octets",
                piece.len()
            );
            assert_eq!(index > 0, piece.starts_with(' '));
        }
        assert_eq!(text.replace("\r\n ", ""), format!("{line}\r\n"));
        assert_eq!(physical[0].len(), 75, "5 + 35 two-octet characters");
    }

    #[test]
    fn a_fold_keeps_an_escape_together() {
        // The 75th octet is the backslash of "\n".
        let line = format!("NOTE:{}\\nmore", "x".repeat(69));
        let mut out = Vec::new();
        fold(&line, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(&format!("NOTE:{}\r\n \\nmore", "x".repeat(69))));
        let escaped_backslash = format!("NOTE:{}\\\\x", "x".repeat(68));
        let mut out = Vec::new();
        fold(&escaped_backslash, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(&format!("NOTE:{}\\\\\r\n x", "x".repeat(68))));
        let short = "FN:Ada";
        let mut out = Vec::new();
        fold(short, &mut out);
        assert_eq!(out, b"FN:Ada\r\n");
    }
}
