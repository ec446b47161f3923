//! A raw RFC 5322 message turned into the plain facts intake needs: who sent it, how it
//! threads, what it says, and what it carries.
//!
//! MIME is left to `mail-parser` (RFC 2047 encoded words, RFC 2231 parameters, charsets
//! including ISO-2022-JP and windows-1252, quoted-printable, base64). This module decides
//! what Rapport keeps: the first From address (Reply-To beside it), Message-ID and the
//! threading ids without angle brackets, the text/plain body (HTML turned into readable text
//! only when there is no plain alternative), and every attachment with a usable file name.

use crate::domain::EmailAddress;
use crate::domain::file_name::FileName;
use crate::intake::email::refusal::Refusal;
use chrono::{DateTime, Utc};
use mail_parser::{
    Address, HeaderName, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType,
};

/// The limit when `RAPPORT_EMAIL_MAX_BYTES` is not set: 25 MiB, what most providers allow.
pub const DEFAULT_MAX_BYTES: usize = 25 * 1024 * 1024;
/// The longest Message-ID kept (RFC 5322 lines are at most 998 characters).
const MAX_ID_CHARS: usize = 998;
/// How many References are kept: the newest ones, which are the ones that find a thread.
const MAX_REFERENCES: usize = 100;
/// The longest subject kept, in characters.
pub const MAX_SUBJECT_CHARS: usize = 500;
/// The longest display name kept, in characters (a contact's name allows 200).
const MAX_NAME_CHARS: usize = 200;
/// HTML nested deeper than this is flattened with a simple tag stripper instead of laid out,
/// because the layout engine recurses per level and hostile mail could exhaust the stack.
const MAX_HTML_DEPTH: usize = 256;
/// Width HTML is laid out at; paragraphs are not re-wrapped by the dashboard's CSS anyway.
const HTML_TEXT_WIDTH: usize = 100;

/// A mailbox: an address and the display name that came with it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub address: EmailAddress,
    pub name: Option<String>,
}

/// A file carried by the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// A cleaned name (see [`FileName`]); generated from the part's position and type when
    /// the message names none.
    pub file_name: FileName,
    /// `type/subtype`, lower case; `application/octet-stream` when the part says nothing.
    pub content_type: String,
    /// The decoded bytes (text parts are UTF-8 after charset decoding).
    pub bytes: Vec<u8>,
}

/// What Rapport keeps of a parsed email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedEmail {
    /// The sender as the message names it (the last From header's first mailbox).
    pub from: Mailbox,
    /// How many mailboxes all From headers hold together (a header without a usable
    /// address counts as one). More than one: which address a relay's DMARC verdict is
    /// about is ambiguous, so no verdict authenticates [`Self::from`].
    pub from_mailboxes: usize,
    /// The first Reply-To mailbox with a valid address, when there is one.
    pub reply_to: Option<Mailbox>,
    pub subject: Option<String>,
    /// The Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// In-Reply-To ids without angle brackets.
    pub in_reply_to: Vec<String>,
    /// References ids without angle brackets, oldest first (at most the newest 100).
    pub references: Vec<String>,
    pub date: Option<DateTime<Utc>>,
    /// The readable body: text/plain when present, else the HTML as text; `\n` line ends.
    pub text: String,
    pub attachments: Vec<Attachment>,
    /// The raw values of the `Authentication-Results` headers, topmost first: the relays'
    /// verdicts on the sender, judged by [`super::authentication::sender_proof`].
    pub authentication_results: Vec<String>,
}

impl ParsedEmail {
    /// The ids that may name an earlier message of the thread, most specific first:
    /// In-Reply-To, then References from newest to oldest, without repeats.
    pub fn thread_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for id in self.in_reply_to.iter().chain(self.references.iter().rev()) {
            if !ids.contains(&id.as_str()) {
                ids.push(id);
            }
        }
        ids
    }
}

/// Parses a raw message, refusing it when it is over `max_bytes`, empty, has no readable
/// headers or no usable From address.
pub fn parse(raw: &[u8], max_bytes: usize) -> Result<ParsedEmail, Refusal> {
    if raw.len() > max_bytes {
        return Err(Refusal::TooLarge {
            bytes: raw.len(),
            limit: max_bytes,
        });
    }
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(Refusal::Empty);
    }
    let message = MessageParser::default()
        .parse(raw)
        .filter(has_headers)
        .ok_or(Refusal::UnparsableHeaders)?;

    let from = sender(&message)?;
    let reply_to = message.reply_to().and_then(|address| {
        mailboxes(address).find_map(|(address, name)| mailbox(address, name).ok())
    });
    let from_mailboxes = message
        .header_values(HeaderName::From)
        .map(|value| {
            value
                .as_address()
                .map_or(1, |address| mailboxes(address).count().max(1))
        })
        .sum();
    Ok(ParsedEmail {
        from,
        from_mailboxes,
        reply_to,
        subject: message
            .subject()
            .and_then(|s| clean_line(s, MAX_SUBJECT_CHARS)),
        message_id: message.message_id().and_then(clean_id),
        in_reply_to: ids(message.in_reply_to()),
        references: last_n(ids(message.references()), MAX_REFERENCES),
        date: message
            .date()
            .filter(|date| date.is_valid())
            .and_then(|date| DateTime::from_timestamp(date.to_timestamp(), 0)),
        text: body_text(&message),
        attachments: attachments(&message),
        authentication_results: message
            .headers_raw()
            .filter(|(name, _)| name.eq_ignore_ascii_case("Authentication-Results"))
            .map(|(_, value)| value.trim().to_string())
            .collect(),
    })
}

/// `mail-parser` reads any first line as a header; a message counts as having headers when
/// at least one has a real field name (RFC 5322 §3.6.8: printable ASCII, no space or colon).
/// Prose or binary input is refused rather than stored as a body without a sender.
fn has_headers(message: &Message<'_>) -> bool {
    message.headers().iter().any(|header| {
        let name = header.name();
        !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
    })
}

fn sender(message: &Message<'_>) -> Result<Mailbox, Refusal> {
    let (address, name) = message
        .from()
        .and_then(|from| mailboxes(from).next())
        .ok_or(Refusal::NoFrom)?;
    mailbox(address, name)
}

/// Every (address, display name) of an address header, groups flattened; entries without an
/// address (a bare name, an empty group) are skipped.
fn mailboxes<'a>(address: &'a Address<'_>) -> impl Iterator<Item = (&'a str, Option<&'a str>)> {
    address.iter().filter_map(|addr| {
        let email = addr.address.as_deref()?.trim();
        (!email.is_empty()).then_some((email, addr.name.as_deref()))
    })
}

fn mailbox(address: &str, name: Option<&str>) -> Result<Mailbox, Refusal> {
    let address = EmailAddress::parse(address).map_err(|reason| Refusal::InvalidSender {
        address: shorten(address, 120),
        reason,
    })?;
    let name = name
        .and_then(|name| clean_line(name.trim_matches(['"', '\'']), MAX_NAME_CHARS))
        // Some clients repeat the address as the name: that is no name.
        .filter(|name| !name.eq_ignore_ascii_case(address.as_str()));
    Ok(Mailbox { address, name })
}

/// One line of header text: whitespace runs (folding included) become one space, control
/// characters are dropped, blank is `None`, long text is cut at a character boundary.
fn clean_line(raw: &str, max_chars: usize) -> Option<String> {
    let words: Vec<&str> = raw.split_whitespace().collect();
    let joined: String = words
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect();
    let trimmed = joined.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn shorten(raw: &str, max_chars: usize) -> String {
    let mut short: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect();
    if raw.chars().count() > max_chars {
        short.push('…');
    }
    short
}

/// A message id as stored: no angle brackets, no whitespace or controls, bounded length.
fn clean_id(raw: &str) -> Option<String> {
    let id = raw
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    let usable = !id.is_empty()
        && id.chars().count() <= MAX_ID_CHARS
        && !id.chars().any(|c| c.is_whitespace() || c.is_control());
    usable.then(|| id.to_string())
}

/// The ids of In-Reply-To or References, whatever shape `mail-parser` gave them.
fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let raw: Vec<&str> = match value {
        HeaderValue::Text(id) => vec![id.as_ref()],
        HeaderValue::TextList(list) => list.iter().map(AsRef::as_ref).collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<String> = Vec::new();
    for id in raw.into_iter().filter_map(clean_id) {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn last_n(mut ids: Vec<String>, n: usize) -> Vec<String> {
    if ids.len() > n {
        ids.drain(..ids.len() - n);
    }
    ids
}

/// The readable body. `mail-parser` lists the parts a reader would show: in
/// multipart/alternative the text/plain part, else the HTML part; several parts (a
/// multipart/mixed with inline text between attachments) are joined by blank lines.
fn body_text(message: &Message<'_>) -> String {
    let parts: Vec<String> = message
        .text_bodies()
        .chain(orphan_body(message))
        .filter_map(|part| match &part.body {
            PartType::Text(text) => Some(text.to_string()),
            PartType::Html(html) => Some(html_to_text(html)),
            _ => None,
        })
        .map(|text| normalise_lines(&text))
        .filter(|text| !text.is_empty())
        .collect();
    parts.join("\n\n")
}

/// The body of a message whose structure broke (a multipart without its closing boundary):
/// `mail-parser` then files the text as an attachment. When no part was taken as the body,
/// the first unnamed, not-attached text part is the body.
fn orphan_body<'a>(message: &'a Message<'a>) -> Option<&'a MessagePart<'a>> {
    if message.text_body_count() > 0 || message.html_body_count() > 0 {
        return None;
    }
    message.attachments().find(|part| is_orphan_body(part))
}

fn is_orphan_body(part: &MessagePart<'_>) -> bool {
    matches!(part.body, PartType::Text(_) | PartType::Html(_))
        && part.attachment_name().is_none()
        && !part
            .content_disposition()
            .is_some_and(|disposition| disposition.is_attachment())
}

/// `\n` line ends, no trailing spaces, no blank lines at either end, no runs of more than
/// one blank line.
fn normalise_lines(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out: Vec<&str> = Vec::new();
    for line in text.split('\n').map(str::trim_end) {
        if line.is_empty() && out.last().is_none_or(|last| last.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|line| line.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// HTML as a person would read it: paragraphs, lists and tables laid out by `html2text`,
/// links kept as numbered footnotes. Extremely deep nesting, or anything `html2text`
/// refuses, falls back to `mail-parser`'s flat tag stripper so a body is never lost.
pub fn html_to_text(html: &str) -> String {
    if nesting_depth(html) <= MAX_HTML_DEPTH {
        let rendered = html2text::config::plain()
            .no_table_borders()
            .allow_width_overflow()
            .string_from_read(html.as_bytes(), HTML_TEXT_WIDTH);
        if let Ok(text) = rendered {
            return text;
        }
    }
    flat_html_to_text(html)
}

fn flat_html_to_text(html: &str) -> String {
    // mail-parser's own converter is what `body_text` uses; reach it through a one-part
    // message so no HTML handling is duplicated here.
    let wrapped = format!("Content-Type: text/html; charset=utf-8\r\n\r\n{html}");
    MessageParser::default()
        .parse(wrapped.as_bytes())
        .and_then(|message| message.body_text(0).map(|text| text.into_owned()))
        .unwrap_or_default()
}

/// An upper bound of how deeply elements nest: opening tags minus closing tags. Void
/// elements (`<br>`) and elements whose end tag is usually left out (`<p>`, `<li>`, `<td>`)
/// are not counted, so a long letter without closing tags does not look deep.
fn nesting_depth(html: &str) -> usize {
    const NOT_NESTING: [&str; 22] = [
        "br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "source", "base",
        "embed", "param", "track", "p", "li", "td", "th", "tr", "option", "dt", "dd",
    ];
    let bytes = html.as_bytes();
    let (mut depth, mut deepest) = (0usize, 0usize);
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'<' {
            continue;
        }
        let closing = bytes.get(i + 1) == Some(&b'/');
        let start = if closing { i + 2 } else { i + 1 };
        let name: String = bytes[start.min(bytes.len())..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| char::from(c.to_ascii_lowercase()))
            .collect();
        if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        if NOT_NESTING.contains(&name.as_str()) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// Attachments in message order, each with a usable name.
fn attachments(message: &Message<'_>) -> Vec<Attachment> {
    let body = orphan_body(message);
    message
        .attachments()
        .filter(|part| !body.is_some_and(|body| std::ptr::eq(*part, body)))
        .enumerate()
        .filter_map(|(index, part)| {
            let content_type = part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_string(),
                })
                .map(|ct| ct.to_ascii_lowercase())
                .filter(|ct| ct.contains('/') && !ct.chars().any(|c| c.is_whitespace()))
                .unwrap_or_else(|| match part.body {
                    PartType::Message(_) => "message/rfc822".to_string(),
                    _ => "application/octet-stream".to_string(),
                });
            // The generated name is short ASCII and always parses; `filter_map` only keeps
            // the code free of a panic path.
            let file_name = part
                .attachment_name()
                .and_then(|name| FileName::parse(name).ok())
                .or_else(|| nested_subject_name(&part.body))
                .or_else(|| generated_name(index + 1, &content_type))?;
            Some(Attachment {
                file_name,
                content_type,
                bytes: part.contents().to_vec(),
            })
        })
        .collect()
}

/// A forwarded message without a file name is named after its subject, as mail clients do.
fn nested_subject_name(body: &PartType<'_>) -> Option<FileName> {
    let PartType::Message(nested) = body else {
        return None;
    };
    let subject = clean_line(nested.subject()?, 100)?;
    FileName::parse(&format!("{}.eml", subject.replace(['/', '\\'], "-"))).ok()
}

fn generated_name(position: usize, content_type: &str) -> Option<FileName> {
    let extension = match content_type {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" | "image/jpg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/svg+xml" => "svg",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/csv" => "csv",
        "text/calendar" => "ics",
        "text/vcard" | "text/x-vcard" => "vcf",
        "application/zip" => "zip",
        "application/json" => "json",
        "message/rfc822" => "eml",
        _ => "bin",
    };
    FileName::parse(&format!("attachment-{position}.{extension}")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! corpus {
        ($name:literal) => {
            include_bytes!(concat!("../../../tests/intake/emails/", $name, ".eml")).as_slice()
        };
    }

    fn ok(raw: &[u8]) -> ParsedEmail {
        parse(raw, DEFAULT_MAX_BYTES).unwrap()
    }

    #[test]
    fn a_plain_message_gives_sender_ids_date_and_body() {
        let email = ok(corpus!("plain"));
        assert_eq!(email.from.address.as_str(), "ada@example.com");
        assert_eq!(email.from.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(email.subject.as_deref(), Some("Question about my order"));
        assert_eq!(
            email.message_id.as_deref(),
            Some("CAF1a2b3c4.order-1@mail.example.com")
        );
        assert!(email.in_reply_to.is_empty() && email.references.is_empty());
        assert_eq!(
            email.date.map(|d| d.to_rfc3339()).as_deref(),
            Some("2026-11-24T09:12:00+00:00")
        );
        assert_eq!(
            email.text,
            "Hello,\n\nmy order #1842 has not arrived yet. Could you check?\n\nThanks,\nAda"
        );
        assert!(email.attachments.is_empty());
        assert!(email.reply_to.is_none());
    }

    #[test]
    fn replies_carry_their_thread_ids_most_specific_first() {
        let email = ok(corpus!("reply"));
        assert_eq!(email.in_reply_to, vec!["bot-reply-77@rapport.test"]);
        assert_eq!(
            email.references,
            vec![
                "CAF1a2b3c4.order-1@mail.example.com",
                "bot-reply-77@rapport.test"
            ]
        );
        assert_eq!(
            email.thread_ids(),
            vec![
                "bot-reply-77@rapport.test",
                "CAF1a2b3c4.order-1@mail.example.com"
            ]
        );
        assert!(email.text.starts_with("It arrived this morning"));

        let email = ok(corpus!("reply_references_only"));
        assert!(email.in_reply_to.is_empty());
        assert_eq!(
            email.thread_ids(),
            vec![
                "CAF1a2b3c4.order-1@mail.example.com",
                "unknown-elsewhere@other.example"
            ]
        );
        // A bare address is a From without a display name.
        assert_eq!(email.from.name, None);
    }

    #[test]
    fn a_resent_copy_has_the_same_message_id() {
        assert_eq!(
            ok(corpus!("plain")).message_id,
            ok(corpus!("plain_resent")).message_id
        );
    }

    #[test]
    fn encoded_words_are_decoded_in_names_and_subjects() {
        let email = ok(corpus!("encoded_words"));
        assert_eq!(email.from.name.as_deref(), Some("José Müller"));
        assert_eq!(
            email.subject.as_deref(),
            Some("Café crème & réclamation — urgent")
        );
        assert_eq!(email.text, "Grüße aus München — the crème brûlée was cold.");
    }

    #[test]
    fn quoted_display_names_keep_their_commas_and_addresses_their_case() {
        let email = ok(corpus!("quoted_comma"));
        assert_eq!(email.from.name.as_deref(), Some("Lovelace, Ada (Finance)"));
        assert_eq!(email.from.address.as_str(), "Ada.Lovelace@Example.ORG");
        assert_eq!(email.text, "Please send me a copy of invoice 5521.");
    }

    #[test]
    fn multipart_alternative_prefers_the_plain_text() {
        let email = ok(corpus!("alternative"));
        assert_eq!(
            email.text,
            "The plain version: agenda item 1 is the compiler.\nItem 2 is lunch — sandwiches."
        );
    }

    #[test]
    fn html_only_mail_becomes_readable_text() {
        let email = ok(corpus!("html_only"));
        let text = &email.text;
        assert!(text.contains("Thank you for your order"), "{text}");
        assert!(text.contains("Blue mug × 2"), "{text}");
        assert!(text.contains("Tea & biscuits"), "{text}");
        assert!(
            text.contains("https://shop.example.com/track/9912"),
            "{text}"
        );
        assert!(!text.contains('<'), "no tags left: {text}");
        assert!(!text.contains("color: red"), "no CSS: {text}");
        assert!(!text.contains("alert"), "no script: {text}");
        assert_eq!(email.from.name.as_deref(), Some("Newsletter Team"));
    }

    #[test]
    fn legacy_charsets_are_decoded() {
        let email = ok(corpus!("latin1"));
        assert_eq!(email.from.name.as_deref(), Some("François Besson"));
        assert_eq!(email.subject.as_deref(), Some("Réservation"));
        assert_eq!(
            email.text,
            "Bonjour, je voudrais réserver une chambre à Noël. Merci beaucoup !"
        );

        let email = ok(corpus!("windows1252_qp"));
        assert_eq!(
            email.text,
            "He said \u{201c}the price is 20 €\u{201d} – isn\u{2019}t that odd?"
        );

        let email = ok(corpus!("iso2022jp"));
        assert_eq!(email.from.name.as_deref(), Some("山田太郎"));
        assert_eq!(email.subject.as_deref(), Some("お問い合わせ"));
        assert_eq!(email.text, "こんにちは。注文について質問があります。");
    }

    #[test]
    fn base64_bodies_are_decoded() {
        let email = ok(corpus!("base64_body"));
        assert_eq!(
            email.text,
            "Base64 body with ümlauts and emoji 🎉.\nSecond line."
        );
    }

    #[test]
    fn attachments_come_with_clean_names_types_and_bytes() {
        let email = ok(corpus!("attachments"));
        assert_eq!(
            email.text,
            "Attached: the invoice, a photo and the original confirmation."
        );
        let summary: Vec<(&str, &str)> = email
            .attachments
            .iter()
            .map(|a| (a.file_name.as_str(), a.content_type.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("invoice 5521.pdf", "application/pdf"),
                ("résumé photo.png", "image/png"),
                ("Order confirmation 1842.eml", "message/rfc822"),
                ("passwd", "application/octet-stream"),
            ]
        );
        assert!(email.attachments[0].bytes.starts_with(b"%PDF-1.4"));
        assert!(email.attachments[1].bytes.starts_with(b"\x89PNG"));
        assert!(
            String::from_utf8_lossy(&email.attachments[2].bytes)
                .contains("Your order 1842 is confirmed.")
        );
        assert_eq!(email.attachments[3].bytes, b"root:x:0:0\n");
    }

    #[test]
    fn reply_to_is_read_beside_from() {
        let email = ok(corpus!("reply_to"));
        assert_eq!(email.from.address.as_str(), "no-reply@forms.example.com");
        let reply_to = email.reply_to.unwrap();
        assert_eq!(reply_to.address.as_str(), "Grace.Hopper@example.net");
        assert_eq!(reply_to.name.as_deref(), Some("Hopper, Grace"));
    }

    #[test]
    fn missing_message_ids_and_odd_structure_are_tolerated() {
        let email = ok(corpus!("no_message_id"));
        assert_eq!(email.message_id, None);
        assert_eq!(email.text, "A message without a Message-ID header.");

        let email = ok(corpus!("broken_multipart"));
        assert!(
            email.text.contains("the text is still readable"),
            "{}",
            email.text
        );

        let email = ok(corpus!("uppercase_sender"));
        assert_eq!(email.from.address.as_str(), "ADA@EXAMPLE.COM");
    }

    #[test]
    fn malformed_mail_is_refused_with_a_reason() {
        assert_eq!(
            parse(corpus!("malformed_no_from"), DEFAULT_MAX_BYTES),
            Err(Refusal::NoFrom)
        );
        assert_eq!(
            parse(corpus!("malformed_garbage"), DEFAULT_MAX_BYTES),
            Err(Refusal::UnparsableHeaders)
        );
        match parse(corpus!("malformed_bad_from"), DEFAULT_MAX_BYTES) {
            Err(Refusal::InvalidSender { address, reason }) => {
                assert_eq!(address, "not-an-address");
                assert!(reason.contains("no @"), "{reason}");
            }
            other => panic!("expected InvalidSender, got {other:?}"),
        }
        assert_eq!(parse(b"", DEFAULT_MAX_BYTES), Err(Refusal::Empty));
        assert_eq!(parse(b" \r\n\r\n", DEFAULT_MAX_BYTES), Err(Refusal::Empty));
        assert_eq!(
            parse(
                b"just one line of prose without any header",
                DEFAULT_MAX_BYTES
            ),
            Err(Refusal::UnparsableHeaders)
        );
        assert_eq!(
            parse(
                b"From: \r\nSubject: empty from\r\n\r\nbody",
                DEFAULT_MAX_BYTES
            ),
            Err(Refusal::NoFrom)
        );
        assert_eq!(
            parse(b"From: Just A Name\r\n\r\nbody", DEFAULT_MAX_BYTES),
            Err(Refusal::NoFrom)
        );
    }

    #[test]
    fn the_size_limit_is_checked_before_parsing() {
        let raw = corpus!("plain");
        assert_eq!(
            parse(raw, raw.len() - 1),
            Err(Refusal::TooLarge {
                bytes: raw.len(),
                limit: raw.len() - 1
            })
        );
        assert!(parse(raw, raw.len()).is_ok());
    }

    #[test]
    fn header_values_are_cleaned() {
        let raw = b"From: \"  Ada \t Lovelace \" <ada@example.com>\r\n\
Subject:   spaced\r\n   out  subject \r\n\
Message-ID: <  >\r\n\
In-Reply-To: <a@x> <a@x> <b@x>\r\n\r\nbody\r\n";
        let email = ok(raw);
        assert_eq!(email.from.name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(email.subject.as_deref(), Some("spaced out subject"));
        assert_eq!(email.message_id, None);
        assert_eq!(email.in_reply_to, vec!["a@x", "b@x"]);

        let raw = b"From: ada@example.com <ada@example.com>\r\n\r\nbody";
        assert_eq!(
            ok(raw).from.name,
            None,
            "a name equal to the address is no name"
        );
    }

    #[test]
    fn many_references_keep_the_newest() {
        let refs: Vec<String> = (0..150).map(|i| format!("<r{i}@x.test>")).collect();
        let raw = format!(
            "From: a@example.com\r\nReferences: {}\r\n\r\nbody",
            refs.join("\r\n ")
        );
        let email = ok(raw.as_bytes());
        assert_eq!(email.references.len(), MAX_REFERENCES);
        assert_eq!(
            email.references.first().map(String::as_str),
            Some("r50@x.test")
        );
        assert_eq!(
            email.references.last().map(String::as_str),
            Some("r149@x.test")
        );
    }

    #[test]
    fn deeply_nested_html_is_flattened_instead_of_laid_out() {
        let depth = 20_000;
        let html = format!(
            "{}deep text{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        assert!(nesting_depth(&html) > MAX_HTML_DEPTH);
        assert_eq!(html_to_text(&html).trim(), "deep text");

        let letter = "<p>line one<br>line two<br>".repeat(500);
        assert!(nesting_depth(&letter) <= MAX_HTML_DEPTH);
        assert!(html_to_text(&letter).contains("line one\nline two"));
    }

    #[test]
    fn line_ends_and_blank_runs_are_normalised() {
        assert_eq!(
            normalise_lines("\r\n\r\na  \r\n\r\n\r\n\r\nb\rc\n\n\n"),
            "a\n\nb\nc"
        );
    }

    #[test]
    fn authentication_results_are_kept_raw_and_in_order() {
        let email = ok(b"Authentication-Results: mx.example.net;\r\n dkim=pass header.d=example.com\r\nAuthentication-Results: evil.test; dmarc=pass\r\nFrom: Ada <ada@example.com>\r\nSubject: hi\r\n\r\nbody\r\n");
        assert_eq!(email.authentication_results.len(), 2);
        assert!(email.authentication_results[0].starts_with("mx.example.net;"));
        assert_eq!(email.authentication_results[1], "evil.test; dmarc=pass");
    }

    #[test]
    fn every_from_mailbox_is_counted() {
        assert_eq!(ok(corpus!("plain")).from_mailboxes, 1);
        let two_in_one =
            ok(b"From: Ada <ada@example.com>, eve@evil.test\r\nSubject: hi\r\n\r\nbody\r\n");
        assert_eq!(two_in_one.from_mailboxes, 2);
        let two_headers = ok(
            b"From: eve@evil.test\r\nFrom: Ada <ada@example.com>\r\nSubject: hi\r\n\r\nbody\r\n",
        );
        assert_eq!(two_headers.from_mailboxes, 2);
        assert_eq!(two_headers.from.address.as_str(), "ada@example.com");
    }
}
