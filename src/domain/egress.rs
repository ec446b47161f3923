//! Where Rapport may send agent webhooks: `https` to public addresses only, unless the
//! operator allows plain http (`RAPPORT_WEBHOOK_ALLOW_HTTP`) or names hosts and addresses
//! that may be called anyway (`RAPPORT_WEBHOOK_ALLOW_HOSTS`, e.g. `127.0.0.1` for an agent on
//! the same machine).
//!
//! A webhook URL is an admin's setting, but whoever holds that role (or a stolen admin
//! session) could otherwise point Rapport at the cloud metadata service, the database port or
//! anything else only the server can reach, and read the answers back in delivery errors.
//!
//! The settings form applies [`WebhookEgress::check_url`], which needs no network: the scheme,
//! literal addresses and `localhost` names. A host name is checked when a delivery is made:
//! the worker resolves it once, checks every address with [`WebhookEgress::check_address`],
//! and connects to a checked address (`intake::webhook::egress`), so a DNS answer that
//! changes between check and connection cannot slip through.

use super::network::{self, IpNet, NonPublic};
use std::fmt;
use std::net::IpAddr;
use url::{Host, Url};

/// One entry of the operator's allow-list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedHost {
    /// A host name as written in webhook URLs, lower case, without a trailing dot.
    Name(String),
    /// An address or range (`127.0.0.1`, `10.1.0.0/16`).
    Addresses(IpNet),
}

/// The operator's egress rules for agent webhooks. The default is the strict one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookEgress {
    /// `RAPPORT_WEBHOOK_ALLOW_HTTP`: plain `http://` webhooks are allowed.
    pub allow_http: bool,
    /// `RAPPORT_WEBHOOK_ALLOW_HOSTS`: hosts and addresses called even though not public.
    pub allow_hosts: Vec<AllowedHost>,
}

/// Why a webhook may not be called; shown next to the form field, or on the conversation as
/// the reason a delivery failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `http://` while plain http is not allowed.
    PlainHttp,
    /// `localhost` and names under `.localhost` (RFC 6761), which always mean this machine.
    LocalName(String),
    /// The host is, or resolves to, a non-public address.
    NonPublic {
        /// The host name that resolved to the address; `None` when the URL names the address.
        host: Option<String>,
        address: IpAddr,
        kind: NonPublic,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const ALLOW: &str = "Rapport calls only public addresses, unless the operator lists the \
                             host in RAPPORT_WEBHOOK_ALLOW_HOSTS.";
        match self {
            Refusal::PlainHttp => f.write_str(
                "The webhook URL must start with https:// (plain http:// is allowed only when \
                 the operator sets RAPPORT_WEBHOOK_ALLOW_HTTP=true).",
            ),
            Refusal::LocalName(host) => write!(f, "{host} is this machine. {ALLOW}"),
            Refusal::NonPublic {
                host: None,
                address,
                kind,
            } => write!(f, "{address} is {kind}. {ALLOW}"),
            Refusal::NonPublic {
                host: Some(host),
                address,
                kind,
            } => write!(f, "{host} resolves to {address}, {kind}. {ALLOW}"),
        }
    }
}

/// What a URL's host needs before a connection: nothing more (an address, already checked,
/// or a host the operator allowed), or a DNS lookup whose answers are each checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Connect to this (checked or allowed) address.
    Address(IpAddr),
    /// Resolve this name; every address must pass [`WebhookEgress::check_address`].
    Resolve(String),
    /// A host name the operator allowed: resolve it, and any address is fine.
    AllowedName(String),
}

impl WebhookEgress {
    /// Parses `RAPPORT_WEBHOOK_ALLOW_HOSTS`: comma-separated host names, addresses and ranges.
    pub fn parse_allow_hosts(input: &str) -> Result<Vec<AllowedHost>, String> {
        input
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                if let Ok(net) = entry.parse::<IpNet>() {
                    return Ok(AllowedHost::Addresses(net));
                }
                let name = entry.trim_end_matches('.').to_ascii_lowercase();
                let valid = !name.is_empty()
                    && name.len() <= 253
                    && name.split('.').all(|label| {
                        !label.is_empty()
                            && label.len() <= 63
                            && label
                                .bytes()
                                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    });
                if valid {
                    Ok(AllowedHost::Name(name))
                } else {
                    Err(format!(
                        "\"{entry}\" is not a host name, an IP address or a range like 10.0.0.0/8"
                    ))
                }
            })
            .collect()
    }

    /// Whether the operator allowed this host name (as the URL writes it).
    pub fn allows_name(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.allow_hosts.iter().any(
            |allowed| matches!(allowed, AllowedHost::Name(name) if name.eq_ignore_ascii_case(host)),
        )
    }

    /// Whether the operator allowed this address.
    pub fn allows_address(&self, address: IpAddr) -> bool {
        self.allow_hosts
            .iter()
            .any(|allowed| matches!(allowed, AllowedHost::Addresses(net) if net.contains(address)))
    }

    /// An address `host` resolved to may be connected to: it is public, or the host or the
    /// address is allowed.
    pub fn check_address(&self, host: &str, address: IpAddr) -> Result<(), Refusal> {
        if self.allows_name(host) {
            return Ok(());
        }
        self.check_named(Some(host), address)
    }

    fn check_named(&self, host: Option<&str>, address: IpAddr) -> Result<(), Refusal> {
        if self.allows_address(address) {
            return Ok(());
        }
        match network::non_public(address) {
            None => Ok(()),
            Some(kind) => Err(Refusal::NonPublic {
                host: host.map(str::to_string),
                address,
                kind,
            }),
        }
    }

    /// Everything that can be checked without the network: the scheme, a literal address
    /// and local names. Says what the connection then needs.
    pub fn check_url(&self, url: &Url) -> Result<Target, Refusal> {
        if url.scheme() == "http" && !self.allow_http {
            return Err(Refusal::PlainHttp);
        }
        let address = match url.host() {
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
            Some(Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                if self.allows_name(&name) {
                    return Ok(Target::AllowedName(name));
                }
                if name == "localhost" || name.ends_with(".localhost") {
                    return Err(Refusal::LocalName(name));
                }
                return Ok(Target::Resolve(name));
            }
            // Webhook URLs are validated to have a host; nothing to call otherwise.
            None => return Err(Refusal::LocalName(String::new())),
        };
        self.check_named(None, address)?;
        Ok(Target::Address(address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn local_agent() -> WebhookEgress {
        WebhookEgress {
            allow_http: true,
            allow_hosts: WebhookEgress::parse_allow_hosts("127.0.0.1, Agent.Internal.").unwrap(),
        }
    }

    #[test]
    fn the_default_is_https_to_public_addresses() {
        let strict = WebhookEgress::default();
        assert_eq!(
            strict.check_url(&url("https://agent.example.com/hook")),
            Ok(Target::Resolve("agent.example.com".into()))
        );
        assert_eq!(
            strict.check_url(&url("https://93.184.215.14/hook")),
            Ok(Target::Address("93.184.215.14".parse().unwrap()))
        );
        assert_eq!(
            strict.check_url(&url("http://agent.example.com/")),
            Err(Refusal::PlainHttp)
        );
        for (text, kind) in [
            ("https://127.0.0.1:9000/", NonPublic::Loopback),
            ("https://10.0.0.5/", NonPublic::Private),
            (
                "https://169.254.169.254/latest/meta-data/",
                NonPublic::LinkLocal,
            ),
            ("https://[::1]/", NonPublic::Loopback),
            ("https://[::ffff:127.0.0.1]/", NonPublic::Loopback),
            ("https://[fd00::1]/", NonPublic::UniqueLocal),
            ("https://100.64.1.1/", NonPublic::SharedAddressSpace),
            ("https://0.0.0.0/", NonPublic::Unspecified),
            // The URL parser reads these spellings as addresses, and so do we.
            ("https://2130706433/", NonPublic::Loopback),
            ("https://0x7f.1/", NonPublic::Loopback),
        ] {
            match strict.check_url(&url(text)) {
                Err(Refusal::NonPublic { kind: found, .. }) => assert_eq!(found, kind, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        for text in [
            "https://localhost/",
            "https://LOCALHOST./",
            "https://a.b.localhost/",
        ] {
            assert!(
                matches!(strict.check_url(&url(text)), Err(Refusal::LocalName(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn the_operator_can_allow_plain_http_and_named_hosts() {
        let allowed = local_agent();
        assert_eq!(
            allowed.check_url(&url("http://127.0.0.1:8787/")),
            Ok(Target::Address("127.0.0.1".parse().unwrap()))
        );
        assert_eq!(
            allowed.check_url(&url("https://agent.internal/")),
            Ok(Target::AllowedName("agent.internal".into()))
        );
        // Only what is listed: other loopback addresses stay refused.
        assert!(allowed.check_url(&url("http://127.0.0.2/")).is_err());
        assert!(allowed.check_url(&url("http://localhost/")).is_err());
        // A name that resolves to a private address is allowed when the name is listed.
        assert_eq!(
            allowed.check_address("agent.internal", "10.0.0.5".parse().unwrap()),
            Ok(())
        );
        assert!(
            allowed
                .check_address("other.example", "10.0.0.5".parse().unwrap())
                .is_err()
        );
        let ranges = WebhookEgress {
            allow_http: false,
            allow_hosts: WebhookEgress::parse_allow_hosts("10.1.0.0/16").unwrap(),
        };
        assert_eq!(
            ranges.check_address("agent.example.com", "10.1.2.3".parse().unwrap()),
            Ok(())
        );
        assert!(
            WebhookEgress::parse_allow_hosts("ok.example, not a host")
                .unwrap_err()
                .contains("not a host")
        );
    }

    #[test]
    fn refusals_explain_themselves() {
        let strict = WebhookEgress::default();
        let literal = strict.check_url(&url("https://10.0.0.5/")).unwrap_err();
        assert_eq!(
            literal.to_string(),
            "10.0.0.5 is a private address (RFC 1918). Rapport calls only public addresses, \
             unless the operator lists the host in RAPPORT_WEBHOOK_ALLOW_HOSTS."
        );
        let v6 = strict.check_url(&url("https://[::1]/")).unwrap_err();
        assert!(
            v6.to_string().starts_with("::1 is a loopback address."),
            "{v6}"
        );
        let resolved = strict
            .check_address("agent.example.com", "127.0.0.1".parse().unwrap())
            .unwrap_err();
        assert!(
            resolved
                .to_string()
                .starts_with("agent.example.com resolves to 127.0.0.1, a loopback address."),
            "{resolved}"
        );
        assert!(
            Refusal::PlainHttp
                .to_string()
                .contains("RAPPORT_WEBHOOK_ALLOW_HTTP")
        );
    }
}
