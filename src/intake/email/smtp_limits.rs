//! How much one client may take of the SMTP listener ([`super::smtp`]), read from the
//! environment once at start (see the README's Configuration table):
//!
//! - `RAPPORT_SMTP_MAX_CONNECTIONS_PER_ADDRESS` (10): connections open at once from one
//!   client address (an IPv6 client counts per /64, the block one subscriber usually gets);
//!   more are answered `421` and closed.
//! - `RAPPORT_SMTP_MAX_SESSION_SECONDS` (600): how long one connection may last in all.
//! - `RAPPORT_SMTP_MAX_MESSAGES_PER_SESSION` (100): messages one connection may send.
//! - `RAPPORT_SMTP_IDLE_TIMEOUT_SECONDS` (60): time for each command line, and for each line
//!   of a message, to arrive whole; a sender trickling bytes is cut off.
//! - `RAPPORT_SMTP_DATA_TIMEOUT_SECONDS` (300): time for a whole message after `354`.
//! - `RAPPORT_SMTP_RELAYS`: comma-separated addresses and ranges of mail relays (your MX)
//!   allowed to deliver to the plain `<integration id>@domain` form; everyone else must use
//!   `<integration id>+<token>@domain`. Only their mail may carry a trusted relay's
//!   `Authentication-Results` verdict (see `inbound::Handover`).
//!
//! Going over a limit ends the connection with `421`, which tells an honest sender to come
//! back later.

use crate::config::ConfigError;
use crate::domain::network::{self, IpNet};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The SMTP listener's limits and trusted relays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpLimits {
    pub max_connections_per_address: usize,
    pub max_session: Duration,
    pub max_messages_per_session: usize,
    pub idle_timeout: Duration,
    pub data_timeout: Duration,
    /// Relays whose connections may use the plain `<id>@domain` recipient.
    pub relays: Vec<IpNet>,
}

impl Default for SmtpLimits {
    fn default() -> Self {
        SmtpLimits {
            max_connections_per_address: 10,
            max_session: Duration::from_secs(10 * 60),
            max_messages_per_session: 100,
            idle_timeout: Duration::from_secs(60),
            data_timeout: Duration::from_secs(5 * 60),
            relays: Vec::new(),
        }
    }
}

impl SmtpLimits {
    /// Reads `RAPPORT_SMTP_*` limits; anything not set keeps its default.
    pub fn from_env(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let defaults = SmtpLimits::default();
        let seconds = |variable, default: Duration, max: u64| {
            number(lookup, variable, default.as_secs(), 1..=max, "seconds").map(Duration::from_secs)
        };
        let relays = match value(lookup, "RAPPORT_SMTP_RELAYS") {
            None => Vec::new(),
            Some(text) => network::parse_list(&text).map_err(|problem| ConfigError {
                variable: "RAPPORT_SMTP_RELAYS",
                problem,
            })?,
        };
        Ok(SmtpLimits {
            max_connections_per_address: number(
                lookup,
                "RAPPORT_SMTP_MAX_CONNECTIONS_PER_ADDRESS",
                defaults.max_connections_per_address as u64,
                1..=10_000,
                "connections",
            )? as usize,
            max_session: seconds(
                "RAPPORT_SMTP_MAX_SESSION_SECONDS",
                defaults.max_session,
                86_400,
            )?,
            max_messages_per_session: number(
                lookup,
                "RAPPORT_SMTP_MAX_MESSAGES_PER_SESSION",
                defaults.max_messages_per_session as u64,
                1..=100_000,
                "messages",
            )? as usize,
            idle_timeout: seconds(
                "RAPPORT_SMTP_IDLE_TIMEOUT_SECONDS",
                defaults.idle_timeout,
                3_600,
            )?,
            data_timeout: seconds(
                "RAPPORT_SMTP_DATA_TIMEOUT_SECONDS",
                defaults.data_timeout,
                86_400,
            )?,
            relays,
        })
    }

    /// Whether a connection from `peer` comes from a configured relay.
    pub fn is_relay(&self, peer: IpAddr) -> bool {
        self.relays.iter().any(|relay| relay.contains(peer))
    }
}

fn value(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn number(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    unit: &str,
) -> Result<u64, ConfigError> {
    match value(lookup, variable) {
        None => Ok(default),
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| ConfigError {
                variable,
                problem: format!(
                    "\"{text}\" is not a number of {unit} from {} to {}",
                    range.start(),
                    range.end()
                ),
            }),
    }
}

/// What connections are counted under: the IPv4 address, or the IPv6 /64.
fn client_key(peer: IpAddr) -> IpAddr {
    match network::canonical(peer) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

/// Open connections per client (see [`client_key`]), shared by the accept loop's tasks.
#[derive(Debug, Clone, Default)]
pub struct ConnectionCounter {
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One counted connection; dropping it (when the connection ends) uncounts it.
#[derive(Debug)]
pub struct CountedConnection {
    counter: ConnectionCounter,
    key: IpAddr,
}

impl ConnectionCounter {
    /// Counts a new connection from `peer`, or `None` when the client already has `max` open.
    pub fn admit(&self, peer: IpAddr, max: usize) -> Option<CountedConnection> {
        let key = client_key(peer);
        // A panic elsewhere while holding the lock leaves the counts usable.
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(key).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(CountedConnection {
            counter: self.clone(),
            key,
        })
    }

    /// Connections open from `peer`'s client key.
    pub fn open_from(&self, peer: IpAddr) -> usize {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.get(&client_key(peer)).copied().unwrap_or(0)
    }
}

impl Drop for CountedConnection {
    fn drop(&mut self) {
        let mut open = self
            .counter
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            // Forget clients with nothing open, so the map stays as small as the live set.
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<SmtpLimits, ConfigError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        SmtpLimits::from_env(&move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_and_overrides() {
        let defaults = read(&[]).unwrap();
        assert_eq!(defaults, SmtpLimits::default());
        assert_eq!(defaults.max_connections_per_address, 10);
        assert_eq!(defaults.max_session, Duration::from_secs(600));
        assert_eq!(defaults.max_messages_per_session, 100);
        assert!(!defaults.is_relay("127.0.0.1".parse().unwrap()));
        let set = read(&[
            ("RAPPORT_SMTP_MAX_CONNECTIONS_PER_ADDRESS", "3"),
            ("RAPPORT_SMTP_MAX_SESSION_SECONDS", "30"),
            ("RAPPORT_SMTP_MAX_MESSAGES_PER_SESSION", "5"),
            ("RAPPORT_SMTP_IDLE_TIMEOUT_SECONDS", "7"),
            ("RAPPORT_SMTP_DATA_TIMEOUT_SECONDS", "20"),
            ("RAPPORT_SMTP_RELAYS", "192.0.2.25, 10.0.0.0/8"),
        ])
        .unwrap();
        assert_eq!(set.max_connections_per_address, 3);
        assert_eq!(set.max_session, Duration::from_secs(30));
        assert_eq!(set.max_messages_per_session, 5);
        assert_eq!(set.idle_timeout, Duration::from_secs(7));
        assert_eq!(set.data_timeout, Duration::from_secs(20));
        assert!(set.is_relay("10.9.8.7".parse().unwrap()));
        assert!(set.is_relay("::ffff:192.0.2.25".parse().unwrap()));
        assert!(!set.is_relay("192.0.2.26".parse().unwrap()));
        for (variable, bad) in [
            ("RAPPORT_SMTP_MAX_CONNECTIONS_PER_ADDRESS", "0"),
            ("RAPPORT_SMTP_MAX_SESSION_SECONDS", "ten minutes"),
            ("RAPPORT_SMTP_MAX_MESSAGES_PER_SESSION", "-1"),
            ("RAPPORT_SMTP_IDLE_TIMEOUT_SECONDS", "0"),
            ("RAPPORT_SMTP_DATA_TIMEOUT_SECONDS", "1.5"),
            ("RAPPORT_SMTP_RELAYS", "mx.example.com"),
        ] {
            let error = read(&[(variable, bad)]).unwrap_err();
            assert_eq!(error.variable, variable, "{bad}");
        }
    }

    #[test]
    fn connections_are_counted_per_client_and_released() {
        let counter = ConnectionCounter::default();
        let ada: IpAddr = "192.0.2.1".parse().unwrap();
        let first = counter.admit(ada, 2).unwrap();
        let second = counter.admit(ada, 2).unwrap();
        assert!(counter.admit(ada, 2).is_none(), "the third is refused");
        // Another client is not affected; an IPv4-mapped peer is the same client.
        assert!(counter.admit("192.0.2.2".parse().unwrap(), 2).is_some());
        assert!(
            counter
                .admit("::ffff:192.0.2.1".parse().unwrap(), 2)
                .is_none()
        );
        drop(first);
        assert_eq!(counter.open_from(ada), 1);
        let third = counter.admit(ada, 2).unwrap();
        drop((second, third));
        assert_eq!(counter.open_from(ada), 0);
        // IPv6 clients count per /64.
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_block: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let _held = counter.admit(one, 1).unwrap();
        assert!(counter.admit(same_block, 1).is_none());
        assert!(
            counter
                .admit("2001:db8:1:3::1".parse().unwrap(), 1)
                .is_some()
        );
    }
}
