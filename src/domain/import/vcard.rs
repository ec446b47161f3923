//! vCard 2.1, 3.0 and 4.0 (RFC 2425/2426, RFC 6350, the versit 2.1 spec), read card by card
//! from a stream into the fixed columns of [`HEADERS`].
//!
//! Written here rather than taken from a crate: the maintained Rust parsers either refuse a
//! `CHARSET` other than UTF-8 (vcard4), parse a whole input at once (calcard, vcard-rs), or
//! are very young; what an import needs is small: unfolding (RFC folding and 2.1's
//! quoted-printable soft breaks), groups (`item1.EMAIL`), parameters (2.1's bare `;CELL;PREF`
//! and 3.0/4.0's `TYPE=`), quoted-printable and base64 text in any `CHARSET=`, and escapes.
//! Photos, logos, sounds and keys are skipped without being held in memory.

use encoding_rs::Encoding;
use std::io::{self, BufRead};

/// The columns a vCard file is read into. `Email 3` and `Phone 3` hold the third value and
/// any after it, joined by ` ::: ` as Google does; preferred (`PREF`) values come first.
pub const HEADERS: [&str; 15] = [
    "Name",
    "Email",
    "Email 2",
    "Email 3",
    "Phone",
    "Phone 2",
    "Phone 3",
    "Nick",
    "Note",
    "Organization",
    "Title",
    "Address",
    "Website",
    "Birthday",
    "Categories",
];

/// What separates several values in one cell (Google Contacts' convention).
pub const MULTI_VALUE_SEPARATOR: &str = " ::: ";

/// Longest physical line kept; the rest of a longer line is dropped (only binary data such
/// as an unfolded photo gets near it).
const MAX_LINE_BYTES: usize = 1024 * 1024;

/// Reads cards one at a time from decoded UTF-8 text.
pub struct CardReader<R> {
    input: R,
    peeked: Option<String>,
    cards: u64,
    done: bool,
}

/// A card that could not be read: its number and why.
pub type CardError = (u64, String);

impl<R: BufRead> CardReader<R> {
    pub fn new(input: R) -> Self {
        Self {
            input,
            peeked: None,
            cards: 0,
            done: false,
        }
    }

    /// The next card's 1-based number (counting every `BEGIN:VCARD` at the top level) and its
    /// values, one per [`HEADERS`]; `None` at the end of the file.
    pub fn next_card(&mut self) -> Option<Result<(u64, Vec<String>), CardError>> {
        if self.done {
            return None;
        }
        let result = self.read_card();
        if !matches!(result, Some(Ok(_))) {
            self.done = true;
        }
        result
    }

    fn read_card(&mut self) -> Option<Result<(u64, Vec<String>), CardError>> {
        // Anything before a card (blank lines, stray text) is skipped.
        loop {
            match self.logical_line() {
                Ok(Some(line)) if is_marker(&line, "BEGIN") => break,
                Ok(Some(_)) => {}
                Ok(None) => return None,
                Err(error) => return Some(Err((self.cards + 1, error.to_string()))),
            }
        }
        self.cards += 1;
        let number = self.cards;
        let mut card = Card::default();
        // Cards nested in a card (2.1's AGENT) are skipped whole.
        let mut depth = 0;
        loop {
            let line = match self.logical_line() {
                Ok(Some(line)) => line,
                Ok(None) => {
                    return Some(Err((
                        number,
                        "This card has no END:VCARD line; the file may be cut short.".into(),
                    )));
                }
                Err(error) => return Some(Err((number, error.to_string()))),
            };
            if is_marker(&line, "END") {
                if depth == 0 {
                    return Some(Ok((number, card.into_values())));
                }
                depth -= 1;
            } else if is_marker(&line, "BEGIN") {
                depth += 1;
            } else if depth == 0
                && let Some(property) = Property::parse(&line)
            {
                card.add(&property);
            }
        }
    }

    /// One content line, unfolded: quoted-printable soft breaks (a line ending in `=`) and
    /// RFC folding (a next line starting with a space or tab) joined.
    fn logical_line(&mut self) -> io::Result<Option<String>> {
        let Some(mut line) = self.physical_line()? else {
            return Ok(None);
        };
        let head = line.split(':').next().unwrap_or("").to_ascii_uppercase();
        let quoted_printable = head.contains("QUOTED-PRINTABLE");
        let binary = ["PHOTO", "LOGO", "SOUND", "KEY"]
            .iter()
            .any(|name| property_name(&head) == *name);
        while let Some(next) = self.physical_line()? {
            if quoted_printable && line.ends_with('=') && !is_marker(&next, "END") {
                line.pop();
                line.push_str(&next);
            } else if let Some(rest) = next.strip_prefix([' ', '\t']) {
                if !binary && line.len() < MAX_LINE_BYTES {
                    line.push_str(rest);
                }
            } else {
                self.peeked = Some(next);
                break;
            }
        }
        Ok(Some(line))
    }

    /// One line without its end (`\r\n`, `\n` or `\r`), at most [`MAX_LINE_BYTES`] kept.
    fn physical_line(&mut self) -> io::Result<Option<String>> {
        if let Some(line) = self.peeked.take() {
            return Ok(Some(line));
        }
        let mut bytes = Vec::new();
        let mut any = false;
        loop {
            let buffer = self.input.fill_buf()?;
            if buffer.is_empty() {
                break;
            }
            any = true;
            let (taken, found) = match buffer.iter().position(|&b| b == b'\n') {
                Some(end) => (end + 1, true),
                None => (buffer.len(), false),
            };
            let room = MAX_LINE_BYTES.saturating_sub(bytes.len());
            bytes.extend_from_slice(&buffer[..taken.min(room)]);
            self.input.consume(taken);
            if found {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        while bytes.last().is_some_and(|&b| b == b'\n' || b == b'\r') {
            bytes.pop();
        }
        Ok(Some(String::from_utf8(bytes).unwrap_or_else(|error| {
            String::from_utf8_lossy(error.as_bytes()).into_owned()
        })))
    }
}

/// `BEGIN:VCARD` / `END:VCARD`, in any case and with spaces around.
fn is_marker(line: &str, which: &str) -> bool {
    let Some((key, value)) = line.split_once(':') else {
        return false;
    };
    key.trim().eq_ignore_ascii_case(which) && value.trim().eq_ignore_ascii_case("VCARD")
}

/// The property name of a content line's part before `:`, without its group or parameters.
fn property_name(head: &str) -> &str {
    let name = head.split(';').next().unwrap_or("");
    name.rsplit('.').next().unwrap_or(name).trim()
}

/// One content line: `[group.]NAME[;PARAM…]:value`.
struct Property<'a> {
    /// Upper case, without its group.
    name: String,
    /// `(KEY, value)`, keys upper case; 2.1's bare parameters (`;CELL`) as `TYPE`.
    params: Vec<(String, String)>,
    value: &'a str,
}

impl<'a> Property<'a> {
    fn parse(line: &'a str) -> Option<Property<'a>> {
        // The value starts at the first colon outside a quoted parameter value.
        let mut in_quotes = false;
        let colon = line.char_indices().find_map(|(i, c)| match c {
            '"' => {
                in_quotes = !in_quotes;
                None
            }
            ':' if !in_quotes => Some(i),
            _ => None,
        })?;
        let (head, value) = (&line[..colon], &line[colon + 1..]);
        let mut parts = split_outside_quotes(head, ';').into_iter();
        let name = property_name(parts.next()?).to_ascii_uppercase();
        if name.is_empty() {
            return None;
        }
        let params = parts
            .filter(|part| !part.trim().is_empty())
            .map(|part| match part.split_once('=') {
                Some((key, value)) => (
                    key.trim().to_ascii_uppercase(),
                    value.trim().trim_matches('"').to_string(),
                ),
                None => ("TYPE".to_string(), part.trim().to_string()),
            })
            .collect();
        Some(Property {
            name,
            params,
            value,
        })
    }

    fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a `TYPE` (2.1 bare or 3.0/4.0, comma-separated) says `kind`.
    fn has_type(&self, kind: &str) -> bool {
        self.params
            .iter()
            .filter(|(k, _)| k == "TYPE")
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(kind))
    }

    /// 2.1's `PREF` type, 3.0's `TYPE=pref`, or 4.0's `PREF=1`.
    fn is_preferred(&self) -> bool {
        self.has_type("PREF") || self.param("PREF").is_some()
    }

    /// The value as text: quoted-printable or base64 decoded in its `CHARSET` (UTF-8 when
    /// none is given, Windows-1252 when that is not valid), not yet unescaped.
    fn raw_text(&self) -> String {
        let encoding = self.param("ENCODING").unwrap_or("").to_ascii_uppercase();
        let bytes = if encoding == "QUOTED-PRINTABLE" || self.has_type("QUOTED-PRINTABLE") {
            decode_quoted_printable(self.value)
        } else if encoding == "B" || encoding == "BASE64" || self.has_type("BASE64") {
            use base64::Engine;
            let compact: String = self.value.split_whitespace().collect();
            match base64::engine::general_purpose::STANDARD.decode(compact) {
                Ok(bytes) => bytes,
                Err(_) => return self.value.to_string(),
            }
        } else {
            // Already text: the file as a whole was decoded from its encoding.
            return self.value.to_string();
        };
        let charset = self
            .param("CHARSET")
            .and_then(|label| Encoding::for_label(label.as_bytes()));
        match charset {
            Some(charset) => charset.decode_without_bom_handling(&bytes).0.into_owned(),
            None => String::from_utf8(bytes).unwrap_or_else(|error| {
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(error.as_bytes())
                    .0
                    .into_owned()
            }),
        }
    }

    /// The value as one text, escapes undone.
    fn text(&self) -> String {
        unescape(&self.raw_text()).trim().to_string()
    }

    /// The `;`-separated components of a structured value (N, ADR, ORG), each unescaped.
    fn components(&self) -> Vec<String> {
        split_unescaped(&self.raw_text(), ';')
            .into_iter()
            .map(|part| unescape(&part).trim().to_string())
            .collect()
    }
}

/// `text` split at `separator`s outside double quotes.
fn split_outside_quotes(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut in_quotes = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if c == separator && !in_quotes {
            parts.push(&text[start..i]);
            start = i + 1;
        }
    }
    parts.push(&text[start..]);
    parts
}

/// `text` split at `separator`s not escaped by a backslash (escapes kept for [`unescape`]).
fn split_unescaped(text: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            current.push(c);
            if let Some(next) = chars.next() {
                current.push(next);
            }
        } else if c == separator {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

/// Undoes vCard's escapes: `\n` (or `\N`) is a newline, `\,` `\;` `\\` the character itself.
fn unescape(text: &str) -> String {
    if !text.contains('\\') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Quoted-printable (RFC 2045 §6.7) to bytes; a malformed `=` is kept as it is.
fn decode_quoted_printable(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|pair| std::str::from_utf8(pair).ok())
                .and_then(|pair| u8::from_str_radix(pair, 16).ok());
            if let Some(byte) = hex {
                out.push(byte);
                i += 3;
                continue;
            }
            if i + 1 == bytes.len() {
                // A soft line break left at the very end.
                break;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// What a card says, gathered property by property.
#[derive(Default)]
struct Card {
    full_name: Option<String>,
    name: Option<String>,
    /// `(preferred, value)`, in the card's order.
    emails: Vec<(bool, String)>,
    phones: Vec<(bool, String)>,
    nick: Option<String>,
    notes: Vec<String>,
    organization: Option<String>,
    title: Option<String>,
    addresses: Vec<String>,
    websites: Vec<String>,
    birthday: Option<String>,
    categories: Vec<String>,
}

fn set_once(slot: &mut Option<String>, value: String) {
    if slot.is_none() && !value.is_empty() {
        *slot = Some(value);
    }
}

fn push_nonempty(list: &mut Vec<String>, value: String) {
    if !value.is_empty() {
        list.push(value);
    }
}

/// Non-empty parts joined by `separator`.
fn join_nonempty<'a>(parts: impl IntoIterator<Item = &'a str>, separator: &str) -> String {
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(separator)
}

/// `value` without a URI scheme such as `tel:` or `mailto:` (vCard 4.0 may write them).
fn without_scheme(value: String, scheme: &str) -> String {
    match value.get(..scheme.len()) {
        Some(start) if start.eq_ignore_ascii_case(scheme) => value[scheme.len()..].trim().into(),
        _ => value,
    }
}

impl Card {
    fn add(&mut self, property: &Property<'_>) {
        match property.name.as_str() {
            "FN" => set_once(&mut self.full_name, property.text()),
            "N" => {
                // Family; Given; Additional; Prefix; Suffix, shown in reading order, with
                // several values of one component (`Ann,Marie`) separated by spaces.
                let parts = property.components();
                let part = |i: usize| parts.get(i).map_or("", |p| p.as_str());
                let name = join_nonempty([part(3), part(1), part(2), part(0), part(4)], " ");
                set_once(&mut self.name, name.replace(',', " "));
            }
            "EMAIL" => {
                let email = without_scheme(property.text(), "mailto:");
                if !email.is_empty() {
                    self.emails.push((property.is_preferred(), email));
                }
            }
            "TEL" => {
                // A tel: URI's extension reads as one a phone number parser knows.
                let phone = without_scheme(property.text(), "tel:").replace(";ext=", " ext. ");
                if !phone.is_empty() {
                    self.phones.push((property.is_preferred(), phone));
                }
            }
            "NICKNAME" => {
                let nicks = split_unescaped(&property.raw_text(), ',');
                let nick = join_nonempty(nicks.iter().map(|n| n.as_str()), ", ");
                set_once(&mut self.nick, unescape(&nick));
            }
            "NOTE" => push_nonempty(&mut self.notes, property.text()),
            "ORG" => {
                let parts = property.components();
                set_once(
                    &mut self.organization,
                    join_nonempty(parts.iter().map(|p| p.as_str()), ", "),
                );
            }
            "TITLE" => set_once(&mut self.title, property.text()),
            "ADR" => {
                let parts = property.components();
                push_nonempty(
                    &mut self.addresses,
                    join_nonempty(parts.iter().map(|p| p.as_str()), ", "),
                );
            }
            "URL" => push_nonempty(&mut self.websites, property.text()),
            "BDAY" => set_once(&mut self.birthday, property.text()),
            "CATEGORIES" => {
                for category in split_unescaped(&property.raw_text(), ',') {
                    push_nonempty(&mut self.categories, unescape(&category).trim().into());
                }
            }
            _ => {}
        }
    }

    /// One value per [`HEADERS`] column.
    fn into_values(self) -> Vec<String> {
        let [email, email_2, email_3] = spread(self.emails);
        let [phone, phone_2, phone_3] = spread(self.phones);
        vec![
            self.full_name.or(self.name).unwrap_or_default(),
            email,
            email_2,
            email_3,
            phone,
            phone_2,
            phone_3,
            self.nick.unwrap_or_default(),
            self.notes.join("\n\n"),
            self.organization.unwrap_or_default(),
            self.title.unwrap_or_default(),
            self.addresses.join("\n"),
            self.websites.join("\n"),
            self.birthday.unwrap_or_default(),
            self.categories.join(", "),
        ]
    }
}

/// Preferred values first; the first, the second, and all the others in one cell.
fn spread(mut values: Vec<(bool, String)>) -> [String; 3] {
    values.sort_by_key(|(preferred, _)| !preferred);
    let mut values = values.into_iter().map(|(_, value)| value);
    let first = values.next().unwrap_or_default();
    let second = values.next().unwrap_or_default();
    let rest = values.collect::<Vec<_>>().join(MULTI_VALUE_SEPARATOR);
    [first, second, rest]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cards(text: &str) -> Vec<Result<(u64, Vec<String>), CardError>> {
        let mut reader = CardReader::new(text.as_bytes());
        std::iter::from_fn(|| reader.next_card()).collect()
    }

    fn column(values: &[String], header: &str) -> String {
        let index = HEADERS.iter().position(|h| *h == header).unwrap();
        values[index].clone()
    }

    #[test]
    fn a_3_0_card_with_groups_escapes_and_folding() {
        let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lovelace;Ada;;Dr.;\r\nFN:Ada Lovelace\r\n\
                    item1.EMAIL;type=INTERNET;type=WORK:ada@work.example\r\n\
                    item1.X-ABLabel:Work\r\nitem2.EMAIL;type=INTERNET;type=pref:ada@home.ex\r\n \
                    ample\r\nTEL;TYPE=CELL:+44 20 7946 0018\r\nTEL;TYPE=HOME:020 7946 0019\r\n\
                    NOTE:First line\\nsecond\\, with comma\r\nORG:Analytical Engines\\, Ltd;R&D\r\n\
                    NICKNAME:Countess\r\nEND:VCARD\r\n";
        let all = cards(text);
        assert_eq!(all.len(), 1);
        let (number, values) = all[0].clone().unwrap();
        assert_eq!(number, 1);
        assert_eq!(column(&values, "Name"), "Ada Lovelace");
        assert_eq!(
            column(&values, "Email"),
            "ada@home.example",
            "preferred first"
        );
        assert_eq!(column(&values, "Email 2"), "ada@work.example");
        assert_eq!(column(&values, "Phone"), "+44 20 7946 0018");
        assert_eq!(column(&values, "Phone 2"), "020 7946 0019");
        assert_eq!(column(&values, "Note"), "First line\nsecond, with comma");
        assert_eq!(
            column(&values, "Organization"),
            "Analytical Engines, Ltd, R&D"
        );
        assert_eq!(column(&values, "Nick"), "Countess");
    }

    #[test]
    fn a_2_1_card_with_quoted_printable_in_a_charset() {
        let text = "BEGIN:VCARD\nVERSION:2.1\n\
                    N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen\n\
                    NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:Caf=C3=A9 =\n=E2=82=AC 5=0D=0Aline two\n\
                    TEL;CELL;PREF:+49 30 1234567\nTEL;WORK:+49 30 7654321\n\
                    EMAIL;INTERNET:j@example.de\nEND:VCARD\n";
        let (_, values) = cards(text).remove(0).unwrap();
        assert_eq!(column(&values, "Name"), "Jürgen Müller");
        assert_eq!(column(&values, "Note"), "Café € 5\r\nline two");
        assert_eq!(column(&values, "Phone"), "+49 30 1234567");
        assert_eq!(column(&values, "Phone 2"), "+49 30 7654321");
        assert_eq!(column(&values, "Email"), "j@example.de");
    }

    #[test]
    fn a_4_0_card_with_uris_and_many_values() {
        let text = "BEGIN:VCARD\nVERSION:4.0\nFN:Grace Hopper\n\
                    TEL;VALUE=uri;TYPE=\"voice,cell\";PREF=1:tel:+1-202-555-0101\n\
                    EMAIL:a@x.example\nEMAIL:b@x.example\nEMAIL:c@x.example\nEMAIL;PREF=1:d@x.example\n\
                    PHOTO;ENCODING=b;TYPE=JPEG:AAAA\n  BBBB\n\
                    CATEGORIES:navy,computing\nEND:VCARD\n";
        let (_, values) = cards(text).remove(0).unwrap();
        assert_eq!(column(&values, "Phone"), "+1-202-555-0101");
        assert_eq!(column(&values, "Email"), "d@x.example");
        assert_eq!(column(&values, "Email 2"), "a@x.example");
        assert_eq!(column(&values, "Email 3"), "b@x.example ::: c@x.example");
        assert_eq!(column(&values, "Categories"), "navy, computing");
    }

    #[test]
    fn many_cards_are_numbered_and_a_cut_card_is_an_error() {
        let text = "junk\nBEGIN:VCARD\nFN:One\nEND:VCARD\n\nbegin:vcard\nFN:Two\n\
                    BEGIN:VCARD\nFN:Agent\nEND:VCARD\nEND:VCARD\nBEGIN:VCARD\nFN:Three\n";
        let all = cards(text);
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].as_ref().unwrap().1[0], "One");
        let (number, values) = all[1].clone().unwrap();
        assert_eq!((number, values[0].as_str()), (2, "Two"));
        let (number, message) = all[2].clone().unwrap_err();
        assert_eq!(number, 3);
        assert!(message.contains("END:VCARD"));
    }

    #[test]
    fn base64_text_and_n_without_fn() {
        let text = "BEGIN:VCARD\nVERSION:2.1\nN:Doe;John;Q.;Mr.;Jr.\n\
                    NOTE;ENCODING=BASE64:SGVsbG8=\nEND:VCARD\n";
        let (_, values) = cards(text).remove(0).unwrap();
        assert_eq!(column(&values, "Name"), "Mr. John Q. Doe Jr.");
        assert_eq!(column(&values, "Note"), "Hello");
    }

    #[test]
    fn quoted_printable_decodes_and_keeps_stray_equals() {
        assert_eq!(decode_quoted_printable("a=3Db=zz="), b"a=b=zz");
        assert_eq!(unescape("a\\;b\\\\c\\N"), "a;b\\c\n");
        assert_eq!(split_unescaped("a\\;b;c", ';'), vec!["a\\;b", "c"]);
    }
}
