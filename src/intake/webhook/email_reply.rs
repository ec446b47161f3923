//! Sending a bot reply back to the contact when the conversation came by email: a plain-text
//! message from `RAPPORT_EMAIL_FROM`, threaded under the contact's mail (`In-Reply-To` and
//! `References` from the Message-IDs stored on the conversation's messages), through the SMTP
//! relay of `RAPPORT_SMTP_RELAY_URL`.
//!
//! What happened is recorded in the bot message's meta, `{"email": {"sent": true, "to": …}}`
//! or `{"email": {"sent": false, "reason": …}}`, and shown in the transcript. Sending happens
//! after the reply is stored, on a blocking thread; a failure is recorded, never retried, and
//! never reaches the contact as an error.

use super::settings::{EmailReplies, RelaySecurity, SmtpRelay};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};
use rand::RngCore;
use serde_json::{Value, json};
use std::time::Duration;

/// How long a relay may take for one message.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Message-IDs sent in `References`, the newest kept (RFC 5322 allows trimming).
const MAX_REFERENCES: usize = 20;

/// The reason recorded when no relay is configured.
pub const NO_RELAY: &str = "no SMTP relay configured";

/// A reply ready to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingReply {
    pub to: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub text: String,
    /// This reply's own Message-ID, without angle brackets (also stored on the bot message,
    /// so the contact's answer to it joins the conversation).
    pub message_id: String,
    /// The message answered, without angle brackets.
    pub in_reply_to: Option<String>,
    /// The thread so far, oldest first, without angle brackets.
    pub references: Vec<String>,
}

/// A new Message-ID at the sender's domain, without angle brackets.
pub fn new_message_id(from: &Mailbox) -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("rapport.{random}@{}", from.email.domain())
}

/// `Re: <subject>`, without stacking `Re:` prefixes.
pub fn reply_subject(subject: Option<&str>) -> String {
    let subject = subject.map(str::trim).unwrap_or_default();
    if subject.is_empty() {
        "Re: your message".to_string()
    } else if subject
        .get(..3)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("re:"))
    {
        subject.to_string()
    } else {
        format!("Re: {subject}")
    }
}

/// `<id>` for a header, whether or not the stored id has its brackets.
fn bracketed(id: &str) -> String {
    format!(
        "<{}>",
        id.trim().trim_start_matches('<').trim_end_matches('>')
    )
}

/// Builds the message (the error names what is wrong with an address).
pub fn build(from: &Mailbox, reply: &OutgoingReply) -> Result<Message, String> {
    let address = reply
        .to
        .parse()
        .map_err(|_| format!("the contact's address {} is not usable", reply.to))?;
    let to = Mailbox::new(reply.to_name.clone(), address);
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(reply.subject.clone())
        .message_id(Some(bracketed(&reply.message_id)));
    if let Some(parent) = &reply.in_reply_to {
        builder = builder.in_reply_to(bracketed(parent));
    }
    let skip = reply.references.len().saturating_sub(MAX_REFERENCES);
    let references: Vec<String> = reply.references[skip..]
        .iter()
        .map(|id| bracketed(id))
        .collect();
    if !references.is_empty() {
        builder = builder.references(references.join(" "));
    }
    builder
        .header(ContentType::TEXT_PLAIN)
        .body(reply.text.clone())
        .map_err(|error| format!("the message could not be built: {error}"))
}

fn transport(relay: &SmtpRelay) -> Result<SmtpTransport, String> {
    let tls = |host: &str| {
        TlsParameters::builder(host.to_string())
            .build_rustls()
            .map_err(|error| format!("TLS set-up failed: {error}"))
    };
    let mut builder = SmtpTransport::builder_dangerous(relay.host.clone())
        .port(relay.port)
        .timeout(Some(SMTP_TIMEOUT))
        .tls(match relay.security {
            RelaySecurity::StartTls => Tls::Required(tls(&relay.host)?),
            RelaySecurity::Tls => Tls::Wrapper(tls(&relay.host)?),
            RelaySecurity::None => Tls::None,
        });
    if let Some(username) = &relay.username {
        let password = relay
            .password
            .as_deref()
            .map(String::as_str)
            .unwrap_or_default();
        builder = builder.credentials(Credentials::new(username.clone(), password.to_string()));
    }
    Ok(builder.build())
}

/// Sends the reply through the relay (blocking: call from a blocking thread) and answers the
/// meta to record on the bot message.
pub fn send(settings: Option<&EmailReplies>, reply: &OutgoingReply) -> Value {
    let Some(settings) = settings else {
        return not_sent(NO_RELAY);
    };
    let outcome = build(&settings.from, reply).and_then(|message| {
        transport(&settings.relay)?
            .send(&message)
            .map(|_| ())
            .map_err(|error| format!("the relay refused it: {error}"))
    });
    match outcome {
        Ok(()) => {
            json!({ "email": { "sent": true, "to": reply.to, "messageId": reply.message_id } })
        }
        Err(reason) => {
            tracing::warn!(to = %reply.to, %reason, "bot reply not sent by email");
            not_sent(&reason)
        }
    }
}

/// The meta of a reply that was not sent.
pub fn not_sent(reason: &str) -> Value {
    json!({ "email": { "sent": false, "reason": reason } })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply() -> OutgoingReply {
        OutgoingReply {
            to: "ada@example.com".into(),
            to_name: Some("Ada Lovelace".into()),
            subject: reply_subject(Some("Order 42")),
            text: "It ships today.".into(),
            message_id: "rapport.1@help.example.com".into(),
            in_reply_to: Some("<m2@mail.example.com>".into()),
            references: vec!["m1@mail.example.com".into(), "m2@mail.example.com".into()],
        }
    }

    fn from() -> Mailbox {
        "Support <help@example.com>".parse().unwrap()
    }

    #[test]
    fn replies_thread_under_the_contacts_mail() {
        let message = build(&from(), &reply()).unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(text.contains("From: Support <help@example.com>"), "{text}");
        assert!(
            text.contains("To: \"Ada Lovelace\" <ada@example.com>"),
            "{text}"
        );
        assert!(text.contains("Subject: Re: Order 42"), "{text}");
        assert!(
            text.contains("Message-ID: <rapport.1@help.example.com>"),
            "{text}"
        );
        assert!(
            text.contains("In-Reply-To: <m2@mail.example.com>"),
            "{text}"
        );
        assert!(
            text.contains("References: <m1@mail.example.com> <m2@mail.example.com>"),
            "{text}"
        );
        assert!(text.contains("It ships today."), "{text}");
    }

    #[test]
    fn subjects_ids_and_bad_addresses() {
        assert_eq!(reply_subject(Some("RE: Order")), "RE: Order");
        assert_eq!(reply_subject(Some("  ")), "Re: your message");
        assert_eq!(reply_subject(None), "Re: your message");
        assert_eq!(reply_subject(Some("é")), "Re: é");
        assert_eq!(reply_subject(Some("ééé")), "Re: ééé");
        let id = new_message_id(&from());
        assert!(
            id.starts_with("rapport.") && id.ends_with("@example.com"),
            "{id}"
        );
        assert_ne!(id, new_message_id(&from()));
        let mut bad = reply();
        bad.to = "not an address".into();
        assert!(build(&from(), &bad).unwrap_err().contains("not usable"));
    }

    #[test]
    fn without_a_relay_nothing_is_sent() {
        assert_eq!(
            send(None, &reply()),
            json!({"email": {"sent": false, "reason": "no SMTP relay configured"}})
        );
    }
}
