//! The agent webhook's settings, read with the others at start (see `config`):
//!
//! - `RAPPORT_WEBHOOK_RETRY_BASE_MS`: the first wait of the retry schedule (default 60000).
//! - `RAPPORT_SMTP_RELAY_URL`: where bot replies to email conversations are sent,
//!   `smtp://user:pass@host:587` (STARTTLS, required), `smtps://user:pass@host:465` (TLS from
//!   the first byte), or `smtp://host:25?tls=none` for a relay on a trusted network only.
//!   Without it, replies are stored and marked "not sent".
//! - `RAPPORT_EMAIL_FROM`: the sender of those replies, `Support <help@example.com>`;
//!   required with a relay.
//! - `RAPPORT_WEBHOOK_ALLOW_HTTP` (default false) and `RAPPORT_WEBHOOK_ALLOW_HOSTS`
//!   (comma-separated hosts, addresses and ranges): the [`WebhookEgress`] rules, which
//!   otherwise allow only `https` to public addresses.

use super::schedule::RetrySchedule;
use crate::config::ConfigError;
use crate::domain::egress::WebhookEgress;
use lettre::message::Mailbox;
use std::fmt;
use std::time::Duration;
use url::Url;
use zeroize::Zeroizing;

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelaySecurity {
    /// Plain connection upgraded with STARTTLS; refused when the server does not offer it.
    StartTls,
    /// TLS from the first byte (`smtps://`, usually port 465).
    Tls,
    /// No encryption (`?tls=none`): a relay on localhost or a private network.
    None,
}

/// An SMTP relay's address and credentials.
#[derive(Clone)]
pub struct SmtpRelay {
    pub host: String,
    pub port: u16,
    pub security: RelaySecurity,
    pub username: Option<String>,
    pub password: Option<Zeroizing<String>>,
}

impl fmt::Debug for SmtpRelay {
    // The password never reaches logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpRelay")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// Sending replies by email: the relay and the sender.
#[derive(Debug, Clone)]
pub struct EmailReplies {
    pub relay: SmtpRelay,
    pub from: Mailbox,
}

/// Everything the delivery worker needs to know from the environment.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    pub retry: RetrySchedule,
    /// How long an agent has to answer (10 seconds; shorter in tests).
    pub timeout: Duration,
    /// `None`: bot replies to email conversations are recorded as not sent.
    pub email: Option<EmailReplies>,
    /// Which webhook URLs may be called (https to public addresses, unless allowed).
    pub egress: WebhookEgress,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            retry: RetrySchedule::default(),
            timeout: super::http::TIMEOUT,
            email: None,
            egress: WebhookEgress::default(),
        }
    }
}

fn problem(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

fn non_empty(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl WebhookSettings {
    pub fn from_env(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let retry = match non_empty(lookup, "RAPPORT_WEBHOOK_RETRY_BASE_MS") {
            None => RetrySchedule::default(),
            Some(value) => value
                .parse::<u64>()
                .ok()
                .filter(|ms| (1..=86_400_000).contains(ms))
                .map(|ms| RetrySchedule::with_base(Duration::from_millis(ms)))
                .ok_or_else(|| {
                    problem(
                        "RAPPORT_WEBHOOK_RETRY_BASE_MS",
                        format!("\"{value}\" is not a number of milliseconds from 1 to 86400000"),
                    )
                })?,
        };
        let relay = non_empty(lookup, "RAPPORT_SMTP_RELAY_URL")
            .map(|value| parse_relay(&value))
            .transpose()?;
        let from = non_empty(lookup, "RAPPORT_EMAIL_FROM")
            .map(|value| {
                value.parse::<Mailbox>().map_err(|_| {
                    problem(
                        "RAPPORT_EMAIL_FROM",
                        format!("\"{value}\" is not an address like Support <help@example.com>"),
                    )
                })
            })
            .transpose()?;
        let email = match (relay, from) {
            (Some(relay), Some(from)) => Some(EmailReplies { relay, from }),
            (Some(_), None) => {
                return Err(problem(
                    "RAPPORT_EMAIL_FROM",
                    "is required with RAPPORT_SMTP_RELAY_URL: the address replies are sent from",
                ));
            }
            (None, _) => None,
        };
        Ok(WebhookSettings {
            retry,
            timeout: super::http::TIMEOUT,
            email,
            egress: egress_from_env(lookup)?,
        })
    }
}

/// `RAPPORT_WEBHOOK_ALLOW_HTTP` and `RAPPORT_WEBHOOK_ALLOW_HOSTS` (also read by the command
/// line, which validates webhook URLs too).
pub fn egress_from_env(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<WebhookEgress, ConfigError> {
    let allow_http = match non_empty(lookup, "RAPPORT_WEBHOOK_ALLOW_HTTP") {
        None => false,
        Some(value) => match value.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => {
                return Err(problem(
                    "RAPPORT_WEBHOOK_ALLOW_HTTP",
                    format!("\"{value}\" is not true or false"),
                ));
            }
        },
    };
    let allow_hosts = match non_empty(lookup, "RAPPORT_WEBHOOK_ALLOW_HOSTS") {
        None => Vec::new(),
        Some(value) => WebhookEgress::parse_allow_hosts(&value)
            .map_err(|error| problem("RAPPORT_WEBHOOK_ALLOW_HOSTS", error))?,
    };
    Ok(WebhookEgress {
        allow_http,
        allow_hosts,
    })
}

const RELAY: &str = "RAPPORT_SMTP_RELAY_URL";

fn parse_relay(value: &str) -> Result<SmtpRelay, ConfigError> {
    let shape = "is not a URL like smtp://user:password@smtp.example.com:587";
    let url = Url::parse(value).map_err(|_| problem(RELAY, shape))?;
    let mut security = match url.scheme() {
        "smtp" => RelaySecurity::StartTls,
        "smtps" => RelaySecurity::Tls,
        _ => return Err(problem(RELAY, "must start with smtp:// or smtps://")),
    };
    let host = url
        .host_str()
        .filter(|host| !host.is_empty())
        .ok_or_else(|| problem(RELAY, shape))?
        .to_string();
    for (key, value) in url.query_pairs() {
        match (key.as_ref(), value.as_ref()) {
            ("tls", "none") if security == RelaySecurity::StartTls => {
                security = RelaySecurity::None
            }
            ("tls", "required") if security == RelaySecurity::StartTls => {}
            _ => {
                return Err(problem(
                    RELAY,
                    format!("unknown option {key}={value} (only tls=none, for smtp://)"),
                ));
            }
        }
    }
    let port = url.port().unwrap_or(match security {
        RelaySecurity::Tls => 465,
        RelaySecurity::StartTls | RelaySecurity::None => 587,
    });
    let decode = |text: &str| {
        percent_decode(text).ok_or_else(|| {
            problem(
                RELAY,
                "the user name or password is not valid percent-encoded UTF-8",
            )
        })
    };
    let username = match url.username() {
        "" => None,
        name => Some(decode(name)?),
    };
    let password = url
        .password()
        .map(|password| decode(password).map(Zeroizing::new))
        .transpose()?;
    if password.is_some() && username.is_none() {
        return Err(problem(RELAY, "a password needs a user name"));
    }
    Ok(SmtpRelay {
        host,
        port,
        security,
        username,
        password,
    })
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> Result<WebhookSettings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        WebhookSettings::from_env(&move |name: &str| map.get(name).cloned())
    }

    #[test]
    fn defaults_retry_every_minute_and_send_no_email() {
        let settings = read(&[]).unwrap();
        assert_eq!(settings.retry, RetrySchedule::default());
        assert!(settings.email.is_none());
        // A sender alone changes nothing.
        assert!(
            read(&[("RAPPORT_EMAIL_FROM", "a@example.com")])
                .unwrap()
                .email
                .is_none()
        );
    }

    #[test]
    fn a_short_retry_base_for_tests() {
        let settings = read(&[("RAPPORT_WEBHOOK_RETRY_BASE_MS", "25")]).unwrap();
        assert_eq!(settings.retry.base, Duration::from_millis(25));
        for bad in ["0", "-5", "soon", "86400001"] {
            let error = read(&[("RAPPORT_WEBHOOK_RETRY_BASE_MS", bad)]).unwrap_err();
            assert_eq!(error.variable, "RAPPORT_WEBHOOK_RETRY_BASE_MS", "{bad}");
        }
    }

    #[test]
    fn egress_is_strict_unless_the_operator_allows_more() {
        use crate::domain::egress::AllowedHost;
        assert_eq!(read(&[]).unwrap().egress, WebhookEgress::default());
        let settings = read(&[
            ("RAPPORT_WEBHOOK_ALLOW_HTTP", "true"),
            ("RAPPORT_WEBHOOK_ALLOW_HOSTS", "127.0.0.1, agent.internal"),
        ])
        .unwrap();
        assert!(settings.egress.allow_http);
        assert_eq!(settings.egress.allow_hosts.len(), 2);
        assert_eq!(
            settings.egress.allow_hosts[1],
            AllowedHost::Name("agent.internal".into())
        );
        for (variable, bad) in [
            ("RAPPORT_WEBHOOK_ALLOW_HTTP", "sometimes"),
            ("RAPPORT_WEBHOOK_ALLOW_HOSTS", "127.0.0.1, no such/host"),
        ] {
            assert_eq!(read(&[(variable, bad)]).unwrap_err().variable, variable);
        }
    }

    #[test]
    fn relay_urls_with_starttls_tls_or_none() {
        let settings = read(&[
            (
                "RAPPORT_SMTP_RELAY_URL",
                "smtp://apikey:p%40ss%3Aword@smtp.example.com:2525",
            ),
            ("RAPPORT_EMAIL_FROM", "Support <help@example.com>"),
        ])
        .unwrap();
        let email = settings.email.unwrap();
        assert_eq!(email.relay.host, "smtp.example.com");
        assert_eq!(email.relay.port, 2525);
        assert_eq!(email.relay.security, RelaySecurity::StartTls);
        assert_eq!(email.relay.username.as_deref(), Some("apikey"));
        assert_eq!(
            email.relay.password.as_deref().map(String::as_str),
            Some("p@ss:word")
        );
        assert_eq!(email.from.email.to_string(), "help@example.com");
        assert!(!format!("{:?}", email.relay).contains("p@ss"));

        let relay = |url: &str| parse_relay(url).unwrap();
        assert_eq!(relay("smtp://smtp.example.com").port, 587);
        assert_eq!(relay("smtps://smtp.example.com").port, 465);
        assert_eq!(
            relay("smtps://smtp.example.com").security,
            RelaySecurity::Tls
        );
        assert_eq!(
            relay("smtp://127.0.0.1:25?tls=none").security,
            RelaySecurity::None
        );
        assert!(relay("smtp://127.0.0.1:25").username.is_none());
    }

    #[test]
    fn bad_relay_settings_name_their_variable() {
        for bad in [
            "smtp.example.com",
            "http://smtp.example.com",
            "smtps://smtp.example.com?tls=none",
            "smtp://smtp.example.com?verify=no",
            "smtp://:secret@smtp.example.com",
        ] {
            let error = read(&[
                ("RAPPORT_SMTP_RELAY_URL", bad),
                ("RAPPORT_EMAIL_FROM", "help@example.com"),
            ])
            .unwrap_err();
            assert_eq!(error.variable, "RAPPORT_SMTP_RELAY_URL", "{bad}");
        }
        let error = read(&[("RAPPORT_SMTP_RELAY_URL", "smtp://smtp.example.com")]).unwrap_err();
        assert_eq!(error.variable, "RAPPORT_EMAIL_FROM");
        let error = read(&[
            ("RAPPORT_SMTP_RELAY_URL", "smtp://smtp.example.com"),
            ("RAPPORT_EMAIL_FROM", "not an address"),
        ])
        .unwrap_err();
        assert_eq!(error.variable, "RAPPORT_EMAIL_FROM");
    }
}
