//! Whether an email's sender is proven: `Authentication-Results` headers (RFC 8601) written by
//! a relay the integration trusts.
//!
//! A From header is a claim anyone can write. What proves it is the receiving relay's verdict
//! on DMARC, DKIM or SPF for the From domain, which the relay records in an
//! `Authentication-Results` header naming itself (the authserv-id, e.g. `mx.google.com`).
//! Only headers whose authserv-id the integration trusts count: anyone can add such a header
//! to a message before sending it, and a relay removes only those that claim its own name.
//!
//! The sender counts as authenticated when a trusted header says
//! - `dmarc=pass` (DMARC already checks alignment with the From domain), or
//! - `dkim=pass` with a signing domain (`header.d`, else the domain of `header.i`) aligned
//!   with the From domain, or
//! - `spf=pass` with an envelope domain (`smtp.mailfrom`, else `smtp.helo`) aligned with it.
//!
//! Aligned is relaxed alignment approximated without the public-suffix list: the same domain,
//! or one a subdomain of the other (`mail.example.com` ~ `example.com`).

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

/// The proof that the From address's domain `from_domain` sent this message, found in the
/// raw `Authentication-Results` header values `headers` from one of the `trusted` relays
/// (authserv-ids, compared ignoring case). `None`: the sender only claims the address.
pub fn sender_proof<'a>(
    headers: impl IntoIterator<Item = &'a str>,
    trusted: &[String],
    from_domain: &str,
) -> Option<Proof> {
    let from_domain = from_domain
        .trim()
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if from_domain.is_empty() {
        return None;
    }
    let mut best: Option<Proof> = None;
    for header in headers {
        let Some(parsed) = parse(header) else {
            continue;
        };
        if !trusted
            .iter()
            .any(|id| id.trim().eq_ignore_ascii_case(&parsed.authserv_id))
        {
            continue;
        }
        for result in &parsed.results {
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
    }
    best
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
    fn semicolons_inside_quotes_and_comments_do_not_split() {
        let header = "mx.example.net; dkim=pass reason=\"good; signature\" (a; comment) header.d=example.com";
        let parsed = parse(header).expect("parses");
        assert_eq!(parsed.results.len(), 1);
        assert_eq!(parsed.results[0].property("header.d"), Some("example.com"));
    }
}
