//! How intake matched a conversation's contact, and what an agent may therefore be told.
//!
//! A widget visitor who types an email address (or phone number) that a contact already has
//! is attached to that contact — the issue asks for no duplicates — but typing an address
//! proves nothing, and a From header is as easy to forge. Such a conversation is a *claim*:
//! the agent webhook gets only what the person wrote themselves, plus a flag and a reason, so
//! the agent can ask them to verify before it discusses the contact's memories, tasks or
//! preferences. A signed identity (the widget's `userHash`), mail whose From address a relay
//! the integration trusts authenticated (`Authentication-Results`, see
//! `intake::email::authentication`) and a contact the conversation itself created get the
//! full context. An email integration's allowed-senders list vouches for nobody: it is
//! matched against the same forgeable From address (or, when the integration requires
//! authentication, only lets authenticated senders in, who are verified anyway).

use super::ContactId;
use super::integration::IntegrationKind;

/// What a claim matched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimedBy {
    Email,
    Phone,
}

impl ClaimedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimedBy::Email => "email",
            ClaimedBy::Phone => "phone",
        }
    }

    fn words(self) -> &'static str {
        match self {
            ClaimedBy::Email => "email address",
            ClaimedBy::Phone => "phone number",
        }
    }
}

/// How a conversation got its contact through intake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactMatch {
    /// By proof: the site's signed user id (a valid `userHash`), or an email From address a
    /// trusted relay authenticated.
    Verified,
    /// The conversation's visitor or sender created the contact: it holds nothing they did
    /// not give.
    Created,
    /// An existing contact, by an email address or phone number nobody proved to own (typed
    /// in the widget, or an unauthenticated From).
    Claimed(ClaimedBy),
}

impl ContactMatch {
    /// The stored `how`.
    pub fn how(self) -> &'static str {
        match self {
            ContactMatch::Verified => "verified",
            ContactMatch::Created => "created",
            ContactMatch::Claimed(_) => "claimed",
        }
    }

    /// The stored `claimed_by`.
    pub fn claimed_by(self) -> Option<&'static str> {
        match self {
            ContactMatch::Claimed(by) => Some(by.as_str()),
            _ => None,
        }
    }

    /// Reads the stored pair back; `None` for values the table's check does not allow.
    pub fn from_stored(how: &str, claimed_by: Option<&str>) -> Option<ContactMatch> {
        match (how, claimed_by) {
            ("verified", None) => Some(ContactMatch::Verified),
            ("created", None) => Some(ContactMatch::Created),
            ("claimed", Some("email")) => Some(ContactMatch::Claimed(ClaimedBy::Email)),
            ("claimed", Some("phone")) => Some(ContactMatch::Claimed(ClaimedBy::Phone)),
            _ => None,
        }
    }
}

/// How an email conversation's match changes when a later message joins its thread (found by
/// In-Reply-To or References, which anyone who saw a message of the thread can copy).
/// `proven`: a trusted relay authenticated the new message's From, and it is the contact's
/// own address. A verified conversation stays verified only while every message is proven;
/// one that is not makes it a claim (the agent answering it gets the restricted context). A
/// claim becomes verified when the contact's proven address writes. A contact the
/// conversation created stays so. `None`: no change.
pub fn after_thread_reply(current: ContactMatch, proven: bool) -> Option<ContactMatch> {
    match (current, proven) {
        (ContactMatch::Verified, false) => Some(ContactMatch::Claimed(ClaimedBy::Email)),
        (ContactMatch::Claimed(_), true) => Some(ContactMatch::Verified),
        _ => None,
    }
}

/// Why an agent gets a restricted context for a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restriction {
    pub kind: IntegrationKind,
    pub claimed_by: ClaimedBy,
}

impl Restriction {
    /// The reason given to the agent (and, shorter, to staff).
    pub fn reason(&self) -> String {
        match self.kind {
            IntegrationKind::Widget => format!(
                "The visitor typed the {} of a known contact but did not prove they own it. \
                 Do not share anything about the contact beyond what the visitor wrote; ask them \
                 to verify (for example by signing in on the site) first.",
                self.claimed_by.words()
            ),
            IntegrationKind::Email => "The sender's address matched a known contact, but a From \
                 address can be forged and no relay this email integration trusts authenticated \
                 it. Do not share anything about the contact beyond what the sender wrote; ask \
                 them to verify first."
                .to_string(),
        }
    }

    /// The transcript's note for staff.
    pub fn staff_note(&self) -> String {
        match self.kind {
            IntegrationKind::Widget => format!(
                "Visitor claimed this contact's {}; not verified. The agent webhook got only what \
                 the visitor typed.",
                self.claimed_by.as_str()
            ),
            IntegrationKind::Email => "Sender claimed this contact's email; not verified (no \
                 trusted relay authenticated the From address). The agent webhook got only what \
                 the sender wrote, and the contact was not changed."
                .to_string(),
        }
    }
}

/// A stored match: which contact it was about, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub contact_id: ContactId,
    pub how: ContactMatch,
}

/// Whether the agent context of a conversation is restricted.
///
/// - `recorded`: how intake matched the conversation's contact (`None`: not by intake — staff
///   or an API caller linked it, and they vouch for it).
/// - `contact_id`: the conversation's contact now. A record about another contact no longer
///   applies (staff moved the conversation).
pub fn restriction(
    kind: IntegrationKind,
    recorded: Option<Recorded>,
    contact_id: ContactId,
) -> Option<Restriction> {
    let recorded = recorded.filter(|r| r.contact_id == contact_id)?;
    match recorded.how {
        ContactMatch::Claimed(claimed_by) => Some(Restriction { kind, claimed_by }),
        ContactMatch::Verified | ContactMatch::Created => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIDGET: IntegrationKind = IntegrationKind::Widget;
    const EMAIL: IntegrationKind = IntegrationKind::Email;

    fn recorded(how: ContactMatch) -> Option<Recorded> {
        Some(Recorded {
            contact_id: ContactId(7),
            how,
        })
    }

    #[test]
    fn only_a_claim_of_the_current_contact_restricts() {
        let claim = ContactMatch::Claimed(ClaimedBy::Email);
        assert_eq!(
            restriction(WIDGET, recorded(claim), ContactId(7)),
            Some(Restriction {
                kind: WIDGET,
                claimed_by: ClaimedBy::Email
            })
        );
        assert_eq!(restriction(WIDGET, recorded(claim), ContactId(8)), None);
        assert_eq!(restriction(WIDGET, None, ContactId(7)), None);
        assert_eq!(
            restriction(WIDGET, recorded(ContactMatch::Verified), ContactId(7)),
            None
        );
        assert_eq!(
            restriction(WIDGET, recorded(ContactMatch::Created), ContactId(7)),
            None
        );
    }

    #[test]
    fn an_email_claim_restricts_whatever_the_integration_allows() {
        // Since issue 10 an allowed-senders list vouches for nobody: an authenticated sender
        // is recorded as verified instead.
        let claim = ContactMatch::Claimed(ClaimedBy::Email);
        assert_eq!(
            restriction(EMAIL, recorded(claim), ContactId(7)),
            Some(Restriction {
                kind: EMAIL,
                claimed_by: ClaimedBy::Email
            })
        );
        assert_eq!(
            restriction(EMAIL, recorded(ContactMatch::Verified), ContactId(7)),
            None
        );
    }

    #[test]
    fn an_unproven_reply_makes_a_verified_thread_a_claim() {
        let claim = ContactMatch::Claimed(ClaimedBy::Email);
        assert_eq!(
            after_thread_reply(ContactMatch::Verified, false),
            Some(claim)
        );
        assert_eq!(after_thread_reply(ContactMatch::Verified, true), None);
        assert_eq!(
            after_thread_reply(claim, true),
            Some(ContactMatch::Verified)
        );
        assert_eq!(after_thread_reply(claim, false), None);
        assert_eq!(after_thread_reply(ContactMatch::Created, false), None);
        assert_eq!(after_thread_reply(ContactMatch::Created, true), None);
    }

    #[test]
    fn stored_values_round_trip() {
        for how in [
            ContactMatch::Verified,
            ContactMatch::Created,
            ContactMatch::Claimed(ClaimedBy::Email),
            ContactMatch::Claimed(ClaimedBy::Phone),
        ] {
            assert_eq!(
                ContactMatch::from_stored(how.how(), how.claimed_by()),
                Some(how)
            );
        }
        assert_eq!(ContactMatch::from_stored("claimed", None), None);
        assert_eq!(ContactMatch::from_stored("guessed", None), None);
    }

    #[test]
    fn reasons_name_what_was_claimed() {
        let phone = Restriction {
            kind: WIDGET,
            claimed_by: ClaimedBy::Phone,
        };
        assert!(phone.reason().contains("phone number"));
        assert!(
            phone
                .staff_note()
                .starts_with("Visitor claimed this contact's phone")
        );
        let email = Restriction {
            kind: EMAIL,
            claimed_by: ClaimedBy::Email,
        };
        assert!(email.reason().contains("From address can be forged"));
    }
}
