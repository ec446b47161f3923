//! Intake integrations (email and widget): their kinds, the rules their settings follow, and
//! the validation of the settings form (DESIGN.md §6).
//!
//! - Email integrations accept mail from senders matching [`SenderPattern`]s (none = everyone);
//!   they believe the `Authentication-Results` of the relays named by their [`AuthservId`]s,
//!   and with `require_authentication` check the senders list against authenticated
//!   addresses only (see `intake::email::authentication`).
//! - Widgets answer cross-origin requests only from their allowed [`Origin`]s.
//! - Either may name an agent webhook ([`validate_webhook_url`]) that Rapport POSTs user
//!   messages to, where the operator's [`WebhookEgress`] rules allow.
//!
//! [`IntegrationDraft::validate`] checks a whole form at once; its errors are keyed by the
//! form's field names (`name`, `agent_webhook_url`, `allowed_senders`,
//! `trusted_authserv_ids`, `allowed_origins`, `ask_name`, `ask_email`, `ask_phone`).

use super::egress::WebhookEgress;
use super::text::optional_line;
use super::{EmailAddress, FieldErrors};
use std::fmt;
use std::str::FromStr;

/// Longest integration name (the database checks the same).
pub const MAX_NAME_CHARS: usize = 200;
/// Longest agent webhook URL (the database checks the same).
pub const MAX_URL_CHARS: usize = 2000;
/// Most sender patterns or origins one integration can have.
pub const MAX_LIST_ENTRIES: usize = 100;
/// Longest single sender pattern or origin.
const MAX_ENTRY_CHARS: usize = 254;

/// What an integration receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntegrationKind {
    /// Mail, by the inbound URL or the SMTP listener.
    Email,
    /// Chats in the website widget.
    Widget,
}

impl IntegrationKind {
    pub const ALL: [IntegrationKind; 2] = [IntegrationKind::Email, IntegrationKind::Widget];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            IntegrationKind::Email => "email",
            IntegrationKind::Widget => "widget",
        }
    }

    /// As staff read it.
    pub fn label(self) -> &'static str {
        match self {
            IntegrationKind::Email => "Email",
            IntegrationKind::Widget => "Widget",
        }
    }
}

impl fmt::Display for IntegrationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IntegrationKind {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input.trim().to_ascii_lowercase().as_str() {
            "email" => Ok(IntegrationKind::Email),
            "widget" => Ok(IntegrationKind::Widget),
            other => Err(format!(
                "unknown integration kind \"{other}\" (use email or widget)"
            )),
        }
    }
}

/// Whether the widget asks a visitor for a detail (name, email, phone) before the chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldRequirement {
    Off,
    Optional,
    Required,
}

impl FieldRequirement {
    pub const ALL: [FieldRequirement; 3] = [
        FieldRequirement::Off,
        FieldRequirement::Optional,
        FieldRequirement::Required,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldRequirement::Off => "off",
            FieldRequirement::Optional => "optional",
            FieldRequirement::Required => "required",
        }
    }

    /// As staff read it in the settings form.
    pub fn label(self) -> &'static str {
        match self {
            FieldRequirement::Off => "Don't ask",
            FieldRequirement::Optional => "Optional",
            FieldRequirement::Required => "Required",
        }
    }

    /// Whether the pre-chat form shows the field.
    pub fn is_asked(self) -> bool {
        self != FieldRequirement::Off
    }
}

impl fmt::Display for FieldRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FieldRequirement {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input.trim().to_ascii_lowercase().as_str() {
            "off" => Ok(FieldRequirement::Off),
            "optional" => Ok(FieldRequirement::Optional),
            "required" => Ok(FieldRequirement::Required),
            _ => Err("Choose off, optional or required.".into()),
        }
    }
}

/// Which of an integration's encrypted secrets (table `integration_secrets`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretPurpose {
    /// The widget's identity-verification secret: sites sign their users' ids with it.
    Identity,
    /// The agent webhook's signing secret: Rapport signs the requests it sends with it.
    Webhook,
}

impl SecretPurpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretPurpose::Identity => "identity",
            SecretPurpose::Webhook => "webhook",
        }
    }

    /// As staff read it.
    pub fn label(self) -> &'static str {
        match self {
            SecretPurpose::Identity => "identity secret",
            SecretPurpose::Webhook => "webhook secret",
        }
    }

    /// The prefix of the secret's clear text, so a leaked one is recognisable.
    pub fn prefix(self) -> &'static str {
        match self {
            SecretPurpose::Identity => IDENTITY_SECRET_PREFIX,
            SecretPurpose::Webhook => WEBHOOK_SECRET_PREFIX,
        }
    }
}

impl FromStr for SecretPurpose {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input.trim().to_ascii_lowercase().as_str() {
            "identity" => Ok(SecretPurpose::Identity),
            "webhook" => Ok(SecretPurpose::Webhook),
            other => Err(format!(
                "unknown secret \"{other}\" (use identity or webhook)"
            )),
        }
    }
}

/// Prefix of an email integration's inbound token.
pub const INBOUND_TOKEN_PREFIX: &str = "rpe_";
/// Prefix of a widget's identity secret.
pub const IDENTITY_SECRET_PREFIX: &str = "rpw_";
/// Prefix of an agent webhook's signing secret.
pub const WEBHOOK_SECRET_PREFIX: &str = "rph_";

/// Who may write to an email integration. Compared ignoring case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SenderPattern {
    /// Exactly this address: `ada@example.com`.
    Address(String),
    /// Anyone at exactly this domain: `*@example.com`.
    Domain(String),
    /// Anyone at any subdomain of this domain (not the domain itself): `*@*.example.com`.
    Subdomains(String),
}

impl SenderPattern {
    /// Parses one pattern; the error says what is wrong and shows the accepted forms.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        let lower = trimmed.to_lowercase();
        let refuse = |reason: &str| {
            Err(format!(
                "\"{trimmed}\" is not a sender pattern: {reason}. Use an address \
                 (ada@example.com), *@example.com or *@*.example.com."
            ))
        };
        if trimmed.chars().count() > MAX_ENTRY_CHARS {
            return refuse("it is too long");
        }
        if let Some(domain) = lower.strip_prefix("*@*.") {
            return match check_domain(domain, 1) {
                Ok(()) => Ok(SenderPattern::Subdomains(domain.to_string())),
                Err(reason) => refuse(reason),
            };
        }
        if let Some(domain) = lower.strip_prefix("*@") {
            return match check_domain(domain, 2) {
                Ok(()) => Ok(SenderPattern::Domain(domain.to_string())),
                Err(reason) => refuse(reason),
            };
        }
        if lower.contains('*') {
            return refuse("a * can only stand for the whole part before the @ or a subdomain");
        }
        match EmailAddress::parse(&lower) {
            Ok(address) => Ok(SenderPattern::Address(address.into_string())),
            Err(_) if !lower.contains('@') => refuse("it has no @"),
            Err(_) => refuse("it is not a valid address"),
        }
    }

    /// Whether mail from `address` is allowed by this pattern.
    pub fn matches(&self, address: &EmailAddress) -> bool {
        let address = address.as_str().to_lowercase();
        let domain = address.rsplit_once('@').map_or("", |(_, domain)| domain);
        match self {
            SenderPattern::Address(allowed) => address == *allowed,
            SenderPattern::Domain(allowed) => domain == allowed,
            SenderPattern::Subdomains(parent) => domain
                .strip_suffix(parent.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        }
    }
}

impl fmt::Display for SenderPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SenderPattern::Address(address) => f.write_str(address),
            SenderPattern::Domain(domain) => write!(f, "*@{domain}"),
            SenderPattern::Subdomains(domain) => write!(f, "*@*.{domain}"),
        }
    }
}

/// Whether `address` may write to an integration with these patterns: an empty list allows
/// everyone.
pub fn sender_allowed(patterns: &[SenderPattern], address: &EmailAddress) -> bool {
    patterns.is_empty() || patterns.iter().any(|pattern| pattern.matches(address))
}

/// Whether an email integration takes a message, by its allowed-senders list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SenderAdmission {
    Allowed,
    /// The address is not on the list.
    NotListed,
    /// The list may only be matched by authenticated addresses, and this sender is not
    /// authenticated (whether its From address is on the list is not looked at, so a refusal
    /// tells an unauthenticated sender nothing about the list).
    NotAuthenticated,
}

/// Whether mail from `from` (authenticated by a trusted relay or not) passes `patterns`.
/// An empty list lets everyone in, authenticated or not. With `require_authentication` a
/// list is matched against authenticated addresses only; without it, against From as
/// written (how integrations worked before the setting existed).
pub fn admit_sender(
    patterns: &[SenderPattern],
    require_authentication: bool,
    from: &EmailAddress,
    authenticated: bool,
) -> SenderAdmission {
    if patterns.is_empty() {
        return SenderAdmission::Allowed;
    }
    if require_authentication && !authenticated {
        return SenderAdmission::NotAuthenticated;
    }
    if sender_allowed(patterns, from) {
        SenderAdmission::Allowed
    } else {
        SenderAdmission::NotListed
    }
}

/// A domain name of at least `min_labels` labels of letters, digits and hyphens.
fn check_domain(domain: &str, min_labels: usize) -> Result<(), &'static str> {
    if domain.is_empty() {
        return Err("the domain is missing");
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.iter().any(|label| label.is_empty()) {
        return Err("the domain has an empty part (two dots in a row, or a dot at an end)");
    }
    if labels.len() < min_labels {
        return Err("the domain needs a dot, as in example.com");
    }
    let valid_label = |label: &&str| {
        label.chars().count() <= 63
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if !labels.iter().all(valid_label) {
        return Err("the domain contains a character a domain cannot have");
    }
    Ok(())
}

/// The authserv-id of a relay whose `Authentication-Results` headers an email integration
/// believes (RFC 8601 §2.5): the name the MX or mail provider writes first in the header,
/// usually its host name (`mx.google.com`). Hostname-like, stored lower-cased, because the
/// header parser compares it that way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthservId(String);

/// Longest authserv-id (a host name's limit).
const MAX_AUTHSERV_ID_CHARS: usize = 253;

impl AuthservId {
    /// Parses one entry: dot-separated labels of letters, digits, `-` and `_`. The error
    /// says what is wrong and shows an example.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        let refuse = |reason: &str| {
            Err(format!(
                "\"{trimmed}\" is not an authserv-id: {reason}. Write the name your mail \
                 provider or MX puts first in its Authentication-Results header, as in \
                 mx.google.com."
            ))
        };
        if trimmed.chars().count() > MAX_AUTHSERV_ID_CHARS {
            return refuse("it is too long");
        }
        if trimmed.chars().any(char::is_whitespace) {
            return refuse("it has a space in it (one per line)");
        }
        let lower = trimmed.to_ascii_lowercase();
        let labels: Vec<&str> = lower.split('.').collect();
        if labels.iter().any(|label| label.is_empty()) {
            return refuse("it has an empty part (two dots in a row, or a dot at an end)");
        }
        let valid_label = |label: &&str| {
            label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if !labels.iter().all(valid_label) {
            return refuse("only letters, digits, dots, - and _ can appear in it");
        }
        Ok(AuthservId(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AuthservId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A web origin a widget may be embedded on: scheme, host and port, normalised
/// (`https://Shop.Example.com:443/` → `https://shop.example.com`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin(String);

impl Origin {
    /// Parses an origin as staff type it or as a browser sends it in the `Origin` header.
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        let refuse = |reason: &str| {
            Err(format!(
                "\"{trimmed}\" is not an origin: {reason}. Write the scheme and host, as in \
                 https://shop.example.com (with :port when it is not the default)."
            ))
        };
        if trimmed.chars().count() > MAX_ENTRY_CHARS {
            return refuse("it is too long");
        }
        if !trimmed.contains("://") {
            return refuse("it needs http:// or https:// in front");
        }
        let url = match url::Url::parse(trimmed) {
            Ok(url) => url,
            Err(_) => return refuse("it is not a valid web address"),
        };
        if !matches!(url.scheme(), "http" | "https") {
            return refuse("only http and https pages can embed the widget");
        }
        if url.host_str().is_none_or(str::is_empty) {
            return refuse("the host is missing");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return refuse("an origin has no user name or password");
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return refuse("an origin has no path, query or #fragment");
        }
        Ok(Origin(url.origin().ascii_serialization()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a request's `Origin` header names one of `allowed`. An empty list allows no other
/// site (only Rapport's own pages, which need no CORS).
pub fn origin_allowed(allowed: &[Origin], header: &str) -> bool {
    Origin::parse(header).is_ok_and(|origin| allowed.contains(&origin))
}

/// An agent webhook URL: blank means none; otherwise an absolute https URL (http too when
/// the operator allows it) without credentials (requests are signed instead) or fragment,
/// whose host is not a non-public address or `localhost` unless `egress` allows it (a host
/// name's addresses are checked when a delivery is made). Returned normalised.
pub fn validate_webhook_url(input: &str, egress: &WebhookEgress) -> Result<Option<String>, String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    if trimmed.chars().count() > MAX_URL_CHARS {
        return Err(format!(
            "A webhook URL can have at most {MAX_URL_CHARS} characters."
        ));
    }
    let url = url::Url::parse(trimmed).map_err(|_| {
        "This is not a valid URL; write it in full, as in https://agent.example.com/rapport."
            .to_string()
    })?;
    match url.scheme() {
        "https" => {}
        "http" if egress.allow_http => {}
        "http" => return Err(crate::domain::egress::Refusal::PlainHttp.to_string()),
        _ if egress.allow_http => {
            return Err("The webhook URL must start with https:// (or http://).".into());
        }
        _ => return Err("The webhook URL must start with https://.".into()),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("The webhook URL needs a host, as in https://agent.example.com/.".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "Leave the user name and password out of the URL: Rapport signs every request with \
             the webhook secret instead."
                .into(),
        );
    }
    if url.fragment().is_some() {
        return Err("A webhook URL has no #fragment.".into());
    }
    egress
        .check_url(&url)
        .map_err(|refusal| refusal.to_string())?;
    Ok(Some(url.to_string()))
}

/// An integration's settings as a form or the command line gives them, unvalidated.
/// Lists hold one entry per line as typed; blank entries are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationInput {
    pub name: String,
    pub collect_contacts: bool,
    pub agent_webhook_url: String,
    /// Email only.
    pub allowed_senders: Vec<String>,
    /// Email only.
    pub use_reply_to: bool,
    /// Email only: authserv-ids, one per entry as typed.
    pub trusted_authserv_ids: Vec<String>,
    /// Email only: check the allowed senders against authenticated addresses only.
    pub require_authentication: bool,
    /// Widget only.
    pub allowed_origins: Vec<String>,
    /// Widget only; blank means the default.
    pub ask_name: String,
    pub ask_email: String,
    pub ask_phone: String,
}

impl Default for IntegrationInput {
    fn default() -> Self {
        IntegrationInput {
            name: String::new(),
            collect_contacts: true,
            agent_webhook_url: String::new(),
            allowed_senders: Vec::new(),
            use_reply_to: false,
            trusted_authserv_ids: Vec::new(),
            // New integrations require authenticated senders (issue 10).
            require_authentication: true,
            allowed_origins: Vec::new(),
            ask_name: String::new(),
            ask_email: String::new(),
            ask_phone: String::new(),
        }
    }
}

/// An integration's validated settings. Settings of the other kind keep their defaults
/// (an email integration has no origins; a widget has no sender patterns).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationDraft {
    pub name: String,
    pub collect_contacts: bool,
    pub agent_webhook_url: Option<String>,
    pub allowed_senders: Vec<SenderPattern>,
    pub use_reply_to: bool,
    /// The relays whose `Authentication-Results` prove a sender (empty: none is believed).
    pub trusted_authserv_ids: Vec<AuthservId>,
    /// The allowed senders are checked against authenticated From addresses only.
    pub require_authentication: bool,
    pub allowed_origins: Vec<Origin>,
    pub ask_name: FieldRequirement,
    pub ask_email: FieldRequirement,
    pub ask_phone: FieldRequirement,
}

/// The widget asks for name and email (optional) by default, not for a phone number.
pub const DEFAULT_ASK_NAME: FieldRequirement = FieldRequirement::Optional;
pub const DEFAULT_ASK_EMAIL: FieldRequirement = FieldRequirement::Optional;
pub const DEFAULT_ASK_PHONE: FieldRequirement = FieldRequirement::Off;

impl IntegrationDraft {
    /// An integration with this (already valid) name and every other setting at its default
    /// (a new integration requires authenticated senders, and trusts no relay yet).
    pub fn named(name: impl Into<String>) -> Self {
        IntegrationDraft {
            name: name.into(),
            collect_contacts: true,
            agent_webhook_url: None,
            allowed_senders: Vec::new(),
            use_reply_to: false,
            trusted_authserv_ids: Vec::new(),
            require_authentication: true,
            allowed_origins: Vec::new(),
            ask_name: DEFAULT_ASK_NAME,
            ask_email: DEFAULT_ASK_EMAIL,
            ask_phone: DEFAULT_ASK_PHONE,
        }
    }

    /// Validates every field at once; errors are keyed by the form's field names. Fields of
    /// the other kind are ignored. The webhook URL must pass the operator's `egress` rules.
    pub fn validate(
        kind: IntegrationKind,
        input: &IntegrationInput,
        egress: &WebhookEgress,
    ) -> Result<IntegrationDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", validate_name(&input.name));
        let webhook = errors.check(
            "agent_webhook_url",
            validate_webhook_url(&input.agent_webhook_url, egress),
        );
        let mut draft = IntegrationDraft::named(name.unwrap_or_default());
        draft.collect_contacts = input.collect_contacts;
        draft.agent_webhook_url = webhook.flatten();
        match kind {
            IntegrationKind::Email => {
                draft.use_reply_to = input.use_reply_to;
                draft.require_authentication = input.require_authentication;
                draft.allowed_senders = errors
                    .check(
                        "allowed_senders",
                        parse_list(&input.allowed_senders, SenderPattern::parse),
                    )
                    .unwrap_or_default();
                draft.trusted_authserv_ids = errors
                    .check(
                        "trusted_authserv_ids",
                        parse_list(&input.trusted_authserv_ids, AuthservId::parse),
                    )
                    .unwrap_or_default();
            }
            IntegrationKind::Widget => {
                draft.allowed_origins = errors
                    .check(
                        "allowed_origins",
                        parse_list(&input.allowed_origins, Origin::parse),
                    )
                    .unwrap_or_default();
                let ask = |value: &str, default| {
                    if value.trim().is_empty() {
                        Ok(default)
                    } else {
                        value.parse()
                    }
                };
                draft.ask_name = errors
                    .check("ask_name", ask(&input.ask_name, DEFAULT_ASK_NAME))
                    .unwrap_or(DEFAULT_ASK_NAME);
                draft.ask_email = errors
                    .check("ask_email", ask(&input.ask_email, DEFAULT_ASK_EMAIL))
                    .unwrap_or(DEFAULT_ASK_EMAIL);
                draft.ask_phone = errors
                    .check("ask_phone", ask(&input.ask_phone, DEFAULT_ASK_PHONE))
                    .unwrap_or(DEFAULT_ASK_PHONE);
            }
        }
        if errors.is_empty() {
            Ok(draft)
        } else {
            Err(errors)
        }
    }

    /// The sender patterns as stored (`text[]`).
    pub fn sender_strings(&self) -> Vec<String> {
        self.allowed_senders
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// The trusted authserv-ids as stored (`text[]`).
    pub fn authserv_id_strings(&self) -> Vec<String> {
        self.trusted_authserv_ids
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// The origins as stored (`text[]`).
    pub fn origin_strings(&self) -> Vec<String> {
        self.allowed_origins
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}

/// An integration's name, as staff will recognise it ("Support inbox", "Shop widget"): one
/// line of 1 to 200 characters.
pub fn validate_name(input: &str) -> Result<String, String> {
    optional_line(input, MAX_NAME_CHARS)?
        .ok_or_else(|| "Give the integration a name, e.g. \"Support inbox\".".into())
}

/// One entry per line: blanks skipped, duplicates dropped (first kept), every bad entry
/// reported in one message.
fn parse_list<T: PartialEq>(
    entries: &[String],
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    let mut values = Vec::new();
    let mut problems = Vec::new();
    for entry in entries.iter().filter(|entry| !entry.trim().is_empty()) {
        match parse(entry) {
            Ok(value) if !values.contains(&value) => values.push(value),
            Ok(_) => {}
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(problems.join(" "));
    }
    if values.len() > MAX_LIST_ENTRIES {
        return Err(format!(
            "At most {MAX_LIST_ENTRIES} entries (this is {}).",
            values.len()
        ));
    }
    Ok(values)
}

/// Splits a textarea into its lines (for [`IntegrationInput`]'s lists).
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// Compares two strings in time that depends only on their lengths, for tokens and hashes.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(address: &str) -> EmailAddress {
        EmailAddress::parse(address).unwrap()
    }

    #[test]
    fn kinds_and_requirements_round_trip() {
        for kind in IntegrationKind::ALL {
            assert_eq!(kind.as_str().parse(), Ok(kind));
        }
        assert!("sms".parse::<IntegrationKind>().is_err());
        for requirement in FieldRequirement::ALL {
            assert_eq!(requirement.as_str().parse(), Ok(requirement));
        }
        assert_eq!(" Required ".parse(), Ok(FieldRequirement::Required));
        assert!("maybe".parse::<FieldRequirement>().is_err());
        assert!(!FieldRequirement::Off.is_asked());
        assert_eq!("webhook".parse(), Ok(SecretPurpose::Webhook));
        assert!("token".parse::<SecretPurpose>().is_err());
    }

    #[test]
    fn sender_patterns_parse_and_normalise() {
        assert_eq!(
            SenderPattern::parse(" Ada@Example.COM ").unwrap(),
            SenderPattern::Address("ada@example.com".into())
        );
        assert_eq!(
            SenderPattern::parse("*@Example.com").unwrap().to_string(),
            "*@example.com"
        );
        assert_eq!(
            SenderPattern::parse("*@*.example.com").unwrap(),
            SenderPattern::Subdomains("example.com".into())
        );
        for (bad, needle) in [
            ("example.com", "no @"),
            ("*@example", "needs a dot"),
            ("*@", "missing"),
            ("a*@example.com", "whole part"),
            ("*@exa mple.com", "character"),
            ("*@*..com", "empty part"),
            ("ada@", "not a valid address"),
        ] {
            let error = SenderPattern::parse(bad).unwrap_err();
            assert!(error.contains(needle), "{bad}: {error}");
            assert!(error.contains(bad.trim()), "{bad}: {error}");
        }
    }

    #[test]
    fn sender_patterns_match_ignoring_case() {
        let exact = SenderPattern::parse("ada@example.com").unwrap();
        assert!(exact.matches(&email("ADA@Example.com")));
        assert!(!exact.matches(&email("bob@example.com")));

        let domain = SenderPattern::parse("*@example.com").unwrap();
        assert!(domain.matches(&email("Anyone@EXAMPLE.com")));
        assert!(!domain.matches(&email("ada@mail.example.com")));
        assert!(!domain.matches(&email("ada@badexample.com")));

        let sub = SenderPattern::parse("*@*.example.com").unwrap();
        assert!(sub.matches(&email("ada@mail.example.com")));
        assert!(sub.matches(&email("ada@a.b.Example.com")));
        assert!(!sub.matches(&email("ada@example.com")));
        assert!(!sub.matches(&email("ada@badexample.com")));
        assert!(!sub.matches(&email("ada@mail.example.com.evil.org")));
    }

    #[test]
    fn an_empty_sender_list_allows_everyone() {
        assert!(sender_allowed(&[], &email("anyone@anywhere.org")));
        let list = [SenderPattern::parse("*@example.com").unwrap()];
        assert!(sender_allowed(&list, &email("ada@example.com")));
        assert!(!sender_allowed(&list, &email("ada@example.org")));
    }

    #[test]
    fn required_authentication_gates_the_senders_list() {
        use SenderAdmission::*;
        let list = [SenderPattern::parse("*@example.com").unwrap()];
        let ada = email("ada@example.com");
        let eve = email("eve@evil.test");
        // (patterns, required, from, authenticated) → admission
        for (patterns, required, from, authenticated, expected) in [
            (&list[..], true, &ada, true, Allowed),
            (&list[..], true, &ada, false, NotAuthenticated),
            (&list[..], true, &eve, false, NotAuthenticated),
            (&list[..], true, &eve, true, NotListed),
            (&list[..], false, &ada, false, Allowed),
            (&list[..], false, &eve, false, NotListed),
            (&[][..], true, &eve, false, Allowed),
            (&[][..], false, &eve, true, Allowed),
        ] {
            assert_eq!(
                admit_sender(patterns, required, from, authenticated),
                expected,
                "{patterns:?} required={required} {from:?} authenticated={authenticated}"
            );
        }
    }

    #[test]
    fn authserv_ids_are_hostname_like() {
        assert_eq!(
            AuthservId::parse(" MX.Google.com ").unwrap().as_str(),
            "mx.google.com"
        );
        for ok in [
            "mx",
            "mail_filter.example.net",
            "mx-1.example.co.uk",
            "spf.protection.outlook.com",
        ] {
            assert!(AuthservId::parse(ok).is_ok(), "{ok}");
        }
        for (bad, needle) in [
            ("mx google.com", "space"),
            ("mx..example.net", "empty part"),
            (".example.net", "empty part"),
            ("mx.example.net;", "only letters"),
            ("-mx.example.net", "only letters"),
            ("mx.exämple.net", "only letters"),
            ("", "empty part"),
        ] {
            let error = AuthservId::parse(bad).unwrap_err();
            assert!(error.contains(needle), "{bad}: {error}");
            assert!(error.contains("mx.google.com"), "{bad}: {error}");
        }
        assert!(AuthservId::parse(&"a".repeat(254)).is_err());
    }

    #[test]
    fn an_email_draft_keeps_its_authentication_settings() {
        let input = IntegrationInput {
            name: "Inbox".into(),
            trusted_authserv_ids: lines("MX.Google.com\n\nmx.google.com\nmx.example.net"),
            require_authentication: false,
            ..IntegrationInput::default()
        };
        let draft =
            IntegrationDraft::validate(IntegrationKind::Email, &input, &local_agent()).unwrap();
        assert_eq!(
            draft.authserv_id_strings(),
            vec!["mx.google.com", "mx.example.net"]
        );
        assert!(!draft.require_authentication);
        // New integrations require authentication unless told otherwise.
        assert!(IntegrationInput::default().require_authentication);
        assert!(IntegrationDraft::named("x").require_authentication);
        let bad = IntegrationInput {
            name: "Inbox".into(),
            trusted_authserv_ids: vec!["mx example".into()],
            ..IntegrationInput::default()
        };
        let errors =
            IntegrationDraft::validate(IntegrationKind::Email, &bad, &local_agent()).unwrap_err();
        assert!(errors.has("trusted_authserv_ids"), "{errors:?}");
        // A widget ignores them.
        let widget =
            IntegrationDraft::validate(IntegrationKind::Widget, &bad, &local_agent()).unwrap();
        assert!(widget.trusted_authserv_ids.is_empty());
    }

    #[test]
    fn origins_are_normalised() {
        for (input, expected) in [
            ("https://Shop.Example.com", "https://shop.example.com"),
            ("https://shop.example.com/", "https://shop.example.com"),
            ("https://shop.example.com:443", "https://shop.example.com"),
            ("http://localhost:3000", "http://localhost:3000"),
            ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
            ("https://bücher.example", "https://xn--bcher-kva.example"),
        ] {
            assert_eq!(Origin::parse(input).unwrap().as_str(), expected, "{input}");
        }
        for (bad, needle) in [
            ("shop.example.com", "http:// or https://"),
            ("ftp://shop.example.com", "only http and https"),
            ("https://shop.example.com/page", "no path"),
            ("https://shop.example.com/?q=1", "no path"),
            ("https://user:pw@shop.example.com", "user name"),
            ("https://", "not a valid"),
            ("null", "http:// or https://"),
        ] {
            let error = Origin::parse(bad).unwrap_err();
            assert!(error.contains(needle), "{bad}: {error}");
        }
    }

    #[test]
    fn origins_match_exactly_by_scheme_host_and_port() {
        let allowed = [Origin::parse("https://shop.example.com").unwrap()];
        assert!(origin_allowed(&allowed, "https://shop.example.com"));
        assert!(origin_allowed(&allowed, "https://SHOP.example.com:443"));
        assert!(!origin_allowed(&allowed, "http://shop.example.com"));
        assert!(!origin_allowed(&allowed, "https://shop.example.com:8443"));
        assert!(!origin_allowed(&allowed, "https://evil.shop.example.com"));
        assert!(!origin_allowed(&allowed, "null"));
        assert!(!origin_allowed(&[], "https://shop.example.com"));
    }

    /// What an operator with an agent on the same machine allows.
    fn local_agent() -> WebhookEgress {
        WebhookEgress {
            allow_http: true,
            allow_hosts: WebhookEgress::parse_allow_hosts("127.0.0.1").unwrap(),
        }
    }

    fn validate_webhook_url(input: &str) -> Result<Option<String>, String> {
        super::validate_webhook_url(input, &local_agent())
    }

    #[test]
    fn webhook_urls() {
        assert_eq!(validate_webhook_url("  "), Ok(None));
        assert_eq!(
            validate_webhook_url(" https://agent.example.com/hook?x=1 "),
            Ok(Some("https://agent.example.com/hook?x=1".into()))
        );
        assert_eq!(
            validate_webhook_url("http://127.0.0.1:9000"),
            Ok(Some("http://127.0.0.1:9000/".into()))
        );
        for (bad, needle) in [
            ("agent.example.com/hook", "not a valid URL"),
            ("ftp://agent.example.com/", "https://"),
            (
                "https://bot:pw@agent.example.com/",
                "user name and password",
            ),
            ("https://agent.example.com/#x", "fragment"),
        ] {
            let error = validate_webhook_url(bad).unwrap_err();
            assert!(error.contains(needle), "{bad}: {error}");
        }
        let long = format!("https://agent.example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert!(validate_webhook_url(&long).is_err());
    }

    #[test]
    fn webhook_urls_follow_the_egress_rules() {
        let strict = WebhookEgress::default();
        let check = |url: &str| super::validate_webhook_url(url, &strict);
        assert_eq!(
            check("https://agent.example.com/hook"),
            Ok(Some("https://agent.example.com/hook".into()))
        );
        for (bad, needle) in [
            (
                "http://agent.example.com/hook",
                "RAPPORT_WEBHOOK_ALLOW_HTTP",
            ),
            ("ftp://agent.example.com/", "must start with https://."),
            ("https://127.0.0.1:9000/", "127.0.0.1 is a loopback address"),
            ("https://192.168.1.10/", "a private address (RFC 1918)"),
            ("https://[fe80::1]/", "a link-local address"),
            ("https://localhost/", "localhost is this machine"),
            ("https://api.localhost/", "api.localhost is this machine"),
        ] {
            let error = check(bad).unwrap_err();
            assert!(error.contains(needle), "{bad}: {error}");
            // Refusals by the egress rules say how the operator can change them.
            assert_eq!(
                error.contains("RAPPORT_WEBHOOK_ALLOW_"),
                !bad.starts_with("ftp:"),
                "{bad}: {error}"
            );
        }
        // What the operator allowed, and nothing more.
        assert!(validate_webhook_url("http://127.0.0.1:8787/agent").is_ok());
        assert!(validate_webhook_url("http://10.0.0.1/").is_err());
        let input = IntegrationInput {
            name: "Inbox".into(),
            agent_webhook_url: "https://10.0.0.1/".into(),
            ..IntegrationInput::default()
        };
        let errors =
            IntegrationDraft::validate(IntegrationKind::Email, &input, &strict).unwrap_err();
        assert!(
            errors
                .get("agent_webhook_url")
                .is_some_and(|e| e.message.contains("10.0.0.1 is a private address")),
            "{errors:?}"
        );
    }

    #[test]
    fn an_email_draft_keeps_email_settings_only() {
        let input = IntegrationInput {
            name: " Support inbox ".into(),
            collect_contacts: false,
            agent_webhook_url: "https://agent.example.com/hook".into(),
            allowed_senders: lines("*@example.com\n\nada@example.org\n*@EXAMPLE.com"),
            use_reply_to: true,
            allowed_origins: vec!["not an origin".into()],
            ask_name: "bogus".into(),
            ..IntegrationInput::default()
        };
        let draft =
            IntegrationDraft::validate(IntegrationKind::Email, &input, &local_agent()).unwrap();
        assert_eq!(draft.name, "Support inbox");
        assert!(!draft.collect_contacts);
        assert!(draft.use_reply_to);
        assert_eq!(
            draft.sender_strings(),
            vec!["*@example.com", "ada@example.org"]
        );
        assert!(draft.allowed_origins.is_empty());
        assert_eq!(draft.ask_name, DEFAULT_ASK_NAME);
        assert_eq!(
            draft.agent_webhook_url.as_deref(),
            Some("https://agent.example.com/hook")
        );
    }

    #[test]
    fn a_widget_draft_keeps_widget_settings_only() {
        let input = IntegrationInput {
            name: "Shop widget".into(),
            allowed_senders: vec!["not a pattern".into()],
            use_reply_to: true,
            allowed_origins: lines("https://shop.example.com/\nhttp://localhost:3000"),
            ask_name: "required".into(),
            ask_email: String::new(),
            ask_phone: "optional".into(),
            ..IntegrationInput::default()
        };
        let draft =
            IntegrationDraft::validate(IntegrationKind::Widget, &input, &local_agent()).unwrap();
        assert!(draft.collect_contacts);
        assert!(!draft.use_reply_to && draft.allowed_senders.is_empty());
        assert_eq!(
            draft.origin_strings(),
            vec!["https://shop.example.com", "http://localhost:3000"]
        );
        assert_eq!(draft.ask_name, FieldRequirement::Required);
        assert_eq!(draft.ask_email, FieldRequirement::Optional);
        assert_eq!(draft.ask_phone, FieldRequirement::Optional);
        assert_eq!(draft.agent_webhook_url, None);
    }

    #[test]
    fn drafts_report_every_problem_by_field() {
        let input = IntegrationInput {
            name: "  ".into(),
            agent_webhook_url: "nope".into(),
            allowed_origins: lines("shop.example.com\nhttps://ok.example.com\nftp://x.org"),
            ask_email: "sometimes".into(),
            ..IntegrationInput::default()
        };
        let errors = IntegrationDraft::validate(IntegrationKind::Widget, &input, &local_agent())
            .unwrap_err();
        for field in ["name", "agent_webhook_url", "allowed_origins", "ask_email"] {
            assert!(errors.has(field), "{field}: {errors:?}");
        }
        let origins = errors.message("allowed_origins");
        assert!(origins.contains("shop.example.com") && origins.contains("ftp://x.org"));
        assert!(!origins.contains("ok.example.com"), "{origins}");

        let input = IntegrationInput {
            name: "Inbox".into(),
            allowed_senders: vec!["example.com".into()],
            ..IntegrationInput::default()
        };
        let errors =
            IntegrationDraft::validate(IntegrationKind::Email, &input, &local_agent()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors.has("allowed_senders"));
    }

    #[test]
    fn lists_are_bounded() {
        let many: Vec<String> = (0..=MAX_LIST_ENTRIES)
            .map(|i| format!("*@d{i}.example.com"))
            .collect();
        let input = IntegrationInput {
            name: "Inbox".into(),
            allowed_senders: many,
            ..IntegrationInput::default()
        };
        let errors =
            IntegrationDraft::validate(IntegrationKind::Email, &input, &local_agent()).unwrap_err();
        assert!(errors.message("allowed_senders").contains("At most 100"));
        assert!(validate_name(&"x".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
