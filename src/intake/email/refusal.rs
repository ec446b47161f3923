//! Why an inbound email was refused, with the HTTP status and SMTP reply code each reason
//! maps to. One enum serves the HTTP endpoint and the SMTP listener, so both paths refuse
//! the same mail for the same reason in the same words.

use std::fmt;

/// A refused email. `Display` is the reason sent back (JSON `message`, SMTP reply text)
/// and logged; it never includes the message body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The message is larger than `RAPPORT_EMAIL_MAX_BYTES`. `bytes` is its size, or as
    /// much of it as was read before reading stopped.
    TooLarge { bytes: usize, limit: usize },
    /// Nothing was sent.
    Empty,
    /// No header could be read: not an RFC 5322 message.
    UnparsableHeaders,
    /// There is no `From` header, or it holds no address.
    NoFrom,
    /// The From address is not a valid address.
    InvalidSender { address: String, reason: String },
    /// The integration's allowed-senders list does not include the sender.
    DisallowedSender { address: String },
    /// The integration has an allowed-senders list and requires authenticated senders, and
    /// no trusted relay authenticated this one. Refused as a sender not on the list is (same
    /// status and code); the reason does not say whether the address is on the list.
    UnauthenticatedSender { address: String },
}

impl Refusal {
    /// The HTTP status of the refusal on the inbound endpoint.
    pub fn http_status(&self) -> u16 {
        match self {
            Refusal::TooLarge { .. } => 413,
            Refusal::DisallowedSender { .. } | Refusal::UnauthenticatedSender { .. } => 403,
            Refusal::Empty
            | Refusal::UnparsableHeaders
            | Refusal::NoFrom
            | Refusal::InvalidSender { .. } => 422,
        }
    }

    /// The SMTP reply code (RFC 5321 §4.2.3): 552 for size, 550 for a sender that is not
    /// accepted, 554 for a message that cannot be processed.
    pub fn smtp_code(&self) -> u16 {
        match self {
            Refusal::TooLarge { .. } => 552,
            Refusal::DisallowedSender { .. } | Refusal::UnauthenticatedSender { .. } => 550,
            Refusal::Empty
            | Refusal::UnparsableHeaders
            | Refusal::NoFrom
            | Refusal::InvalidSender { .. } => 554,
        }
    }

    /// A stable machine-readable code for the JSON `code` field and the logs.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::TooLarge { .. } => "EMAIL_TOO_LARGE",
            Refusal::Empty => "EMAIL_EMPTY",
            Refusal::UnparsableHeaders => "EMAIL_UNPARSABLE",
            Refusal::NoFrom => "EMAIL_NO_FROM",
            Refusal::InvalidSender { .. } => "EMAIL_INVALID_SENDER",
            Refusal::DisallowedSender { .. } | Refusal::UnauthenticatedSender { .. } => {
                "EMAIL_SENDER_NOT_ALLOWED"
            }
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::TooLarge { limit, .. } => write!(
                f,
                "The message is larger than this server accepts: at most {limit} bytes (RAPPORT_EMAIL_MAX_BYTES)."
            ),
            Refusal::Empty => write!(f, "The message is empty."),
            Refusal::UnparsableHeaders => write!(
                f,
                "The message has no readable headers; send the raw RFC 5322 message (message/rfc822)."
            ),
            Refusal::NoFrom => write!(f, "The message has no From address."),
            Refusal::InvalidSender { address, reason } => {
                write!(
                    f,
                    "The sender address \"{address}\" is not usable: {reason}"
                )
            }
            Refusal::DisallowedSender { address } => write!(
                f,
                "The sender {address} is not on this integration's allowed-senders list."
            ),
            Refusal::UnauthenticatedSender { address } => write!(
                f,
                "The sender {address} is not accepted: this integration takes mail only from \
                 allowed senders that a trusted relay authenticated (Authentication-Results), \
                 and this message's sender was not authenticated."
            ),
        }
    }
}

impl std::error::Error for Refusal {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_is_a_client_error_with_a_matching_smtp_code() {
        let all = [
            Refusal::TooLarge {
                bytes: 10,
                limit: 5,
            },
            Refusal::Empty,
            Refusal::UnparsableHeaders,
            Refusal::NoFrom,
            Refusal::InvalidSender {
                address: "x".into(),
                reason: "no @".into(),
            },
            Refusal::DisallowedSender {
                address: "eve@evil.test".into(),
            },
            Refusal::UnauthenticatedSender {
                address: "eve@evil.test".into(),
            },
        ];
        for refusal in all {
            assert!((400..500).contains(&refusal.http_status()), "{refusal:?}");
            assert!((550..560).contains(&refusal.smtp_code()), "{refusal:?}");
            assert!(!refusal.to_string().is_empty());
            assert!(refusal.code().starts_with("EMAIL_"));
        }
        assert_eq!(
            Refusal::TooLarge {
                bytes: 10,
                limit: 5
            }
            .smtp_code(),
            552,
            "RFC 1870: 552 for a message over the announced SIZE"
        );
    }
}
