//! Whether an email's sender is proven: `Authentication-Results` headers (RFC 8601) written by
//! a relay the integration trusts.
//!
//! A From header is a claim anyone can write. What proves it is the receiving relay's verdict
//! on DMARC, DKIM or SPF for the From domain, which the relay records in an
//! `Authentication-Results` header naming itself (the authserv-id, e.g. `mx.google.com`).
//!
//! The sender counts as authenticated when a believed verdict says
//! - `dmarc=pass` (DMARC already checks alignment with the From domain), or
//! - `dkim=pass` with a signing domain (`header.d`, else the domain of `header.i`) aligned
//!   with the From domain, or
//! - `spf=pass` with an envelope domain (`smtp.mailfrom`, else `smtp.helo`) aligned with it.
//!
//! Aligned is relaxed alignment approximated without the public-suffix list: the same domain,
//! or one a subdomain of the other (`mail.example.com` ~ `example.com`).
//!
//! # Which headers are believed
//! Anyone can put an `Authentication-Results` header into a message before sending it, with
//! any authserv-id, and every relay on the way adds its own *on top* (RFC 8601 §5: headers
//! are prepended, like `Received`). So the headers are read from the top, and only:
//! - **the topmost run**: the first header and those directly below it with the *same*
//!   authserv-id (a relay that runs several checkers, e.g. OpenDKIM and OpenDMARC milters,
//!   writes one header per checker), and only when that authserv-id is trusted. Everything
//!   below was written before the last relay received the message — by an earlier hop or by
//!   the sender — and proves nothing, even when it names a trusted relay. Trust the relay
//!   that hands mail to Rapport (or to the provider whose webhook posts it).
//! - **per method, the topmost verdict**: when two headers of the run both judge DMARC (or
//!   DKIM, SPF), only the upper one counts. A relay judges each method once, so a second
//!   verdict lower down is the sender's own, placed right below where the relay's will go:
//!   `dmarc=fail` from the relay is not outvoted by a forged `dmarc=pass`.
//!
//! What remains is a forged verdict for a method the trusted relay does not judge at all,
//! directly below its headers. RFC 8601 §5 closes it: a relay MUST remove (or rename)
//! headers that claim its own authserv-id before adding its own, as the large providers and
//! the usual milters (with their remove-forged-headers options) do. And a message with more
//! than one From mailbox is never authenticated: which address a verdict is about is
//! ambiguous (RFC 7489 §6.6.1).

use super::parse::ParsedEmail;
use crate::domain::EmailAddress;

/// One `method=result` of a header, with the properties that name what was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodResult {
    /// `dkim`, `spf`, `dmarc`… lower-cased.
    pub method: String,
    /// `pass`, `fail`, `none`… lower-cased.
    pub result: String,
    /// `ptype.property` → value, e.g. `header.d` → `example.com` (names lower-cased).
    pub properties: Vec<(String, String)>,
}

impl MethodResult {
    fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// One parsed `Authentication-Results` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticationResults {
    /// Who wrote the verdicts, lower-cased.
    pub authserv_id: String,
    pub results: Vec<MethodResult>,
}

/// How the sender was proven, for the audit trail and the transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    Dmarc,
    Dkim,
    Spf,
}

impl Proof {
    pub fn as_str(self) -> &'static str {
        match self {
            Proof::Dmarc => "dmarc",
            Proof::Dkim => "dkim",
            Proof::Spf => "spf",
        }
    }
}

/// What intake may believe about an email's sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SenderTrust {
    /// A trusted relay (`relay`, its authserv-id as the header wrote it, lower-cased) proved
    /// that the From address's domain sent the message.
    Authenticated {
        address: EmailAddress,
        proof: Proof,
        relay: String,
    },
    /// The From address is only claimed.
    Unauthenticated,
}

impl SenderTrust {
    pub fn is_authenticated(&self) -> bool {
        matches!(self, SenderTrust::Authenticated { .. })
    }

    /// The proof, for the message's meta (`None`: unauthenticated).
    pub fn proof(&self) -> Option<Proof> {
        match self {
            SenderTrust::Authenticated { proof, .. } => Some(*proof),
            SenderTrust::Unauthenticated => None,
        }
    }
}

/// Decides whether `email`'s From address is proven by the `Authentication-Results` of one
/// of the `trusted` relays (authserv-ids, compared ignoring case), by the rules of the module
/// documentation. The contact identity is always From: Reply-To is covered by no check.
pub fn sender_trust(email: &ParsedEmail, trusted: &[String]) -> SenderTrust {
    if email.from_mailboxes != 1 {
        return SenderTrust::Unauthenticated;
    }
    let address = &email.from.address;
    let domain = address
        .as_str()
        .rsplit_once('@')
        .map_or("", |(_, domain)| domain);
    match verdict(
        email.authentication_results.iter().map(String::as_str),
        trusted,
        domain,
    ) {
        Some((proof, relay)) => SenderTrust::Authenticated {
            address: address.clone(),
            proof,
            relay,
        },
        None => SenderTrust::Unauthenticated,
    }
}

/// The proof that the From address's domain `from_domain` sent this message, found in the
/// raw `Authentication-Results` header values `headers` (topmost first) of one of the
/// `trusted` relays (authserv-ids, compared ignoring case), believing only the topmost run
/// of headers and per method its topmost verdict (see the module documentation). `None`: the
/// sender only claims the address.
pub fn sender_proof<'a>(
    headers: impl IntoIterator<Item = &'a str>,
    trusted: &[String],
    from_domain: &str,
) -> Option<Proof> {
    verdict(headers, trusted, from_domain).map(|(proof, _)| proof)
}

/// [`sender_proof`], with the authserv-id of the relay whose verdict it is.
fn verdict<'a>(
    headers: impl IntoIterator<Item = &'a str>,
    trusted: &[String],
    from_domain: &str,
) -> Option<(Proof, String)> {
    let from_domain = from_domain
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if from_domain.is_empty() {
        return None;
    }
    let run = topmost_run(headers, trusted);
    let mut judged: Vec<&str> = Vec::new();
    let mut best: Option<Proof> = None;
    for header in &run {
        for result in &header.results {
            if judged.contains(&result.method.as_str()) {
                continue;
            }
            let Some(proof) = proves(result, &from_domain) else {
                continue;
            };
            // DMARC is the strongest statement; keep it over DKIM over SPF.
            best = Some(match best {
                Some(Proof::Dmarc) => Proof::Dmarc,
                Some(Proof::Dkim) if proof == Proof::Spf => Proof::Dkim,
                _ => proof,
            });
        }
        // Methods this header judged are decided: lower verdicts on them are not the relay's.
        judged.extend(header.results.iter().map(|result| result.method.as_str()));
    }
    let relay = run.first()?.authserv_id.clone();
    best.map(|proof| (proof, relay))
}

/// The first header and those directly below it with the same authserv-id, when that id is
/// trusted; else nothing. A header without an authserv-id ends the run.
fn topmost_run<'a>(
    headers: impl IntoIterator<Item = &'a str>,
    trusted: &[String],
) -> Vec<AuthenticationResults> {
    let mut run: Vec<AuthenticationResults> = Vec::new();
    for header in headers {
        let Some(parsed) = parse(header) else {
            break;
        };
        match run.first() {
            None if !trusted
                .iter()
                .any(|id| id.trim().eq_ignore_ascii_case(&parsed.authserv_id)) =>
            {
                break;
            }
            Some(first) if first.authserv_id != parsed.authserv_id => break,
            _ => run.push(parsed),
        }
    }
    run
}

/// Whether one verdict proves `from_domain` (already lower-cased).
fn proves(result: &MethodResult, from_domain: &str) -> Option<Proof> {
    if result.result != "pass" {
        return None;
    }
    match result.method.as_str() {
        "dmarc" => {
            // DMARC evaluates the From domain itself; when the relay names it, it must be ours.
            match result.property("header.from") {
                Some(domain) if !aligned(&domain_of(domain), from_domain) => None,
                _ => Some(Proof::Dmarc),
            }
        }
        "dkim" => {
            let signer = result
                .property("header.d")
                .map(domain_of)
                .or_else(|| result.property("header.i").map(domain_of))?;
            aligned(&signer, from_domain).then_some(Proof::Dkim)
        }
        "spf" => {
            let envelope = result
                .property("smtp.mailfrom")
                .map(domain_of)
                .or_else(|| result.property("smtp.helo").map(domain_of))?;
            aligned(&envelope, from_domain).then_some(Proof::Spf)
        }
        _ => None,
    }
}

/// The domain part of an address or domain property (`@example.com`, `x@example.com`,
/// `example.com`), lower-cased.
fn domain_of(value: &str) -> String {
    let domain = value.rsplit_once('@').map_or(value, |(_, domain)| domain);
    domain.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Relaxed alignment without the public-suffix list: equal, or one a subdomain of the other.
/// A bare top-level domain never aligns (`com` would otherwise match everything).
fn aligned(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() || !a.contains('.') || !b.contains('.') {
        return false;
    }
    a == b || is_subdomain(a, b) || is_subdomain(b, a)
}

fn is_subdomain(child: &str, parent: &str) -> bool {
    child
        .strip_suffix(parent)
        .is_some_and(|rest| rest.ends_with('.'))
}

/// Parses one header value: `authserv-id [version] ; resinfo ; resinfo …`, with comments in
/// parentheses and quoted strings. `None` when there is no authserv-id.
pub fn parse(value: &str) -> Option<AuthenticationResults> {
    let cleaned = strip_comments(value);
    let mut statements = split_outside_quotes(&cleaned, ';').into_iter();
    let head = statements.next()?;
    let authserv_id = head.split_whitespace().next()?.to_ascii_lowercase();
    if authserv_id.contains('=') {
        return None;
    }
    let results = statements.filter_map(|s| parse_resinfo(&s)).collect();
    Some(AuthenticationResults {
        authserv_id,
        results,
    })
}

/// `method=result reason="…" ptype.property=value …`; `none` and unparsable parts give None.
fn parse_resinfo(statement: &str) -> Option<MethodResult> {
    let mut words = split_outside_quotes(statement, ' ')
        .into_iter()
        .filter(|word| !word.is_empty());
    let first = words.next()?;
    let (method, result) = first.split_once('=')?;
    // A method may carry a version: `dkim/1=pass`.
    let method = method
        .split('/')
        .next()
        .unwrap_or(method)
        .to_ascii_lowercase();
    let result = unquote(result).to_ascii_lowercase();
    if method.is_empty() || result.is_empty() {
        return None;
    }
    let properties = words
        .filter_map(|word| {
            let (key, value) = word.split_once('=')?;
            key.contains('.')
                .then(|| (key.to_ascii_lowercase(), unquote(value).to_string()))
        })
        .collect();
    Some(MethodResult {
        method,
        result,
        properties,
    })
}

fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

/// Removes `( … )` comments (nested, with `\` escapes), outside quoted strings, and unfolds
/// the header (line breaks become spaces).
fn strip_comments(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for c in value.chars() {
        let c = if c == '\r' || c == '\n' || c == '\t' {
            ' '
        } else {
            c
        };
        if escaped {
            escaped = false;
            if depth == 0 {
                out.push(c);
            }
            continue;
        }
        match c {
            '\\' => {
                escaped = true;
                if depth == 0 {
                    out.push(c);
                }
            }
            '"' if depth == 0 => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Splits on `separator` outside quoted strings, trimming each part.
fn split_outside_quotes(value: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in value.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == separator && !quoted {
            parts.push(current.trim().to_string());
            current.clear();
        } else {
            current.push(c);
        }
    }
    parts.push(current.trim().to_string());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    const GMAIL: &str = "mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=20230601 header.b=AbCd;\r\n       spf=pass (google.com: domain of ada@example.com designates 2001:db8::1 as permitted sender) smtp.mailfrom=ada@example.com;\r\n       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com";

    fn trusted(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|id| id.to_string()).collect()
    }

    #[test]
    fn parses_a_relay_header_with_comments_and_folding() {
        let parsed = parse(GMAIL).expect("parses");
        assert_eq!(parsed.authserv_id, "mx.google.com");
        let methods: Vec<_> = parsed
            .results
            .iter()
            .map(|r| (r.method.as_str(), r.result.as_str()))
            .collect();
        assert_eq!(
            methods,
            [("dkim", "pass"), ("spf", "pass"), ("dmarc", "pass")]
        );
        assert_eq!(
            parsed.results[1].property("smtp.mailfrom"),
            Some("ada@example.com")
        );
    }

    #[test]
    fn a_trusted_dmarc_pass_proves_the_from_domain() {
        let proof = sender_proof([GMAIL], &trusted(&["MX.Google.com"]), "example.com");
        assert_eq!(proof, Some(Proof::Dmarc));
    }

    #[test]
    fn headers_from_untrusted_relays_prove_nothing() {
        assert_eq!(
            sender_proof([GMAIL], &trusted(&["mx.example.net"]), "example.com"),
            None
        );
        assert_eq!(sender_proof([GMAIL], &[], "example.com"), None);
    }

    #[test]
    fn a_pass_for_another_domain_proves_nothing() {
        let header = "mx.example.net; dkim=pass header.d=attacker.test; spf=pass smtp.mailfrom=x@attacker.test; dmarc=pass header.from=attacker.test";
        assert_eq!(
            sender_proof([header], &trusted(&["mx.example.net"]), "bank.example"),
            None
        );
    }

    #[test]
    fn aligned_dkim_or_spf_proves_the_sender() {
        let relay = trusted(&["mx.example.net"]);
        let dkim = "mx.example.net; dkim=pass header.d=mail.example.com; dmarc=none";
        assert_eq!(
            sender_proof([dkim], &relay, "example.com"),
            Some(Proof::Dkim)
        );
        let spf = "mx.example.net 1; spf=pass smtp.mailfrom=bounce@example.com";
        assert_eq!(sender_proof([spf], &relay, "Example.COM"), Some(Proof::Spf));
    }

    #[test]
    fn failures_and_none_prove_nothing() {
        let relay = trusted(&["mx.example.net"]);
        for header in [
            "mx.example.net; dmarc=fail header.from=example.com",
            "mx.example.net; dkim=neutral header.d=example.com",
            "mx.example.net; none",
            "mx.example.net",
            "dkim=pass header.d=example.com",
            "",
        ] {
            assert_eq!(
                sender_proof([header], &relay, "example.com"),
                None,
                "{header}"
            );
        }
    }

    #[test]
    fn a_top_level_domain_never_aligns() {
        let header = "mx.example.net; dkim=pass header.d=com";
        assert_eq!(
            sender_proof([header], &trusted(&["mx.example.net"]), "example.com"),
            None
        );
    }

    #[test]
    fn a_lookalike_suffix_is_not_a_subdomain() {
        let header = "mx.example.net; spf=pass smtp.mailfrom=x@notexample.com";
        assert_eq!(
            sender_proof([header], &trusted(&["mx.example.net"]), "example.com"),
            None
        );
    }

    #[test]
    fn the_strongest_proof_of_several_headers_wins() {
        let relay = trusted(&["mx.example.net"]);
        let spf = "mx.example.net; spf=pass smtp.mailfrom=example.com";
        let dmarc = "mx.example.net; dmarc=pass header.from=example.com";
        assert_eq!(
            sender_proof([spf, dmarc], &relay, "example.com"),
            Some(Proof::Dmarc)
        );
    }

    #[test]
    fn only_the_topmost_run_of_one_trusted_relay_counts() {
        let relay = trusted(&["mx.example.net"]);
        let forged = "mx.example.net; dmarc=pass header.from=example.com";
        // Below another relay's header: written before that relay got the mail.
        let other = "mx.elsewhere.test; spf=none";
        assert_eq!(sender_proof([other, forged], &relay, "example.com"), None);
        // Below a header without an authserv-id: the run ended there.
        assert_eq!(
            sender_proof(["dkim=pass", forged], &relay, "example.com"),
            None
        );
        // Trusting the other relay too does not reach past its header to ours.
        let both = trusted(&["mx.elsewhere.test", "mx.example.net"]);
        assert_eq!(sender_proof([other, forged], &both, "example.com"), None);
        // Several headers of the relay on top (one per checker) are read together.
        let dkim = "mx.example.net; dkim=pass header.d=example.com";
        let dmarc = "mx.example.net; dmarc=pass header.from=example.com";
        assert_eq!(
            sender_proof([dkim, dmarc, other], &relay, "example.com"),
            Some(Proof::Dmarc)
        );
    }

    #[test]
    fn a_lower_verdict_never_outvotes_the_relays_own() {
        let relay = trusted(&["mx.example.net"]);
        let real = "mx.example.net; spf=fail smtp.mailfrom=example.com; dkim=none; dmarc=fail header.from=example.com";
        let forged =
            "mx.example.net; dkim=pass header.d=example.com; dmarc=pass header.from=example.com";
        assert_eq!(sender_proof([real, forged], &relay, "example.com"), None);
        // A method the upper header did not judge is still read from the lower one.
        let upper = "mx.example.net; spf=pass smtp.mailfrom=example.com";
        assert_eq!(
            sender_proof([upper, forged], &relay, "example.com"),
            Some(Proof::Dmarc)
        );
        // Within one header every signature counts (a message may carry several).
        let two = "mx.example.net; dkim=fail header.d=other.test; dkim=pass header.d=example.com";
        assert_eq!(
            sender_proof([two], &relay, "example.com"),
            Some(Proof::Dkim)
        );
    }

    fn email(raw: &str) -> ParsedEmail {
        super::super::parse::parse(raw.as_bytes(), 1 << 20).expect("parses")
    }

    #[test]
    fn the_sender_is_trusted_by_the_from_address_and_a_trusted_relay() {
        let relay = trusted(&["mx.google.com"]);
        let raw = format!(
            "Authentication-Results: {GMAIL}\r\nFrom: Ada <Ada@Example.com>\r\nReply-To: eve@evil.test\r\nSubject: hi\r\n\r\nbody\r\n"
        );
        let trust = sender_trust(&email(&raw), &relay);
        assert_eq!(
            trust,
            SenderTrust::Authenticated {
                address: EmailAddress::parse("Ada@Example.com").unwrap(),
                proof: Proof::Dmarc,
                relay: "mx.google.com".into(),
            }
        );
        assert!(trust.is_authenticated());
        assert_eq!(trust.proof(), Some(Proof::Dmarc));
        assert_eq!(
            sender_trust(&email(&raw), &trusted(&["mx.example.net"])),
            SenderTrust::Unauthenticated
        );
        assert_eq!(
            sender_trust(&email(&raw), &[]),
            SenderTrust::Unauthenticated
        );
        let unsigned = "From: Ada <ada@example.com>\r\nSubject: hi\r\n\r\nbody\r\n";
        assert_eq!(
            sender_trust(&email(unsigned), &relay),
            SenderTrust::Unauthenticated
        );
        assert_eq!(SenderTrust::Unauthenticated.proof(), None);
    }

    #[test]
    fn several_from_mailboxes_are_never_authenticated() {
        let relay = trusted(&["mx.google.com"]);
        for from in [
            "From: Ada <ada@example.com>, boss@bank.example\r\n",
            "From: boss@bank.example\r\nFrom: Ada <ada@example.com>\r\n",
        ] {
            let raw =
                format!("Authentication-Results: {GMAIL}\r\n{from}Subject: hi\r\n\r\nbody\r\n");
            assert_eq!(
                sender_trust(&email(&raw), &relay),
                SenderTrust::Unauthenticated,
                "{from}"
            );
        }
    }

    #[test]
    fn semicolons_inside_quotes_and_comments_do_not_split() {
        let header = "mx.example.net; dkim=pass reason=\"good; signature\" (a; comment) header.d=example.com";
        let parsed = parse(header).expect("parses");
        assert_eq!(parsed.results.len(), 1);
        assert_eq!(parsed.results[0].property("header.d"), Some("example.com"));
    }
}
