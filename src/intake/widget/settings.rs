//! The widget's settings: how long a visitor's session lasts and how many requests it may
//! make, read from the environment once at start (see the README's Configuration table).

use crate::config::ConfigError;
use std::time::Duration;

const DEFAULT_SESSION_HOURS: u32 = 24;
const DEFAULT_IP_PER_MINUTE: u32 = 120;
const DEFAULT_WRITES_PER_MINUTE: u32 = 600;

/// Limits and lifetimes of the website widget's API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetSettings {
    /// How long a session token stays valid after it is issued.
    pub session_ttl: Duration,
    /// Requests one client address may make to all widget endpoints per minute.
    pub ip_per_minute: u32,
    /// Sessions started plus messages sent per widget per minute.
    pub writes_per_minute: u32,
    /// A header naming the client's address, set by a reverse proxy in front of Rapport
    /// (`X-Forwarded-For`: its right-most address is used, the one the proxy appended). Without
    /// it the connection's peer address counts.
    pub client_ip_header: Option<String>,
}

impl Default for WidgetSettings {
    fn default() -> Self {
        WidgetSettings {
            session_ttl: Duration::from_secs(u64::from(DEFAULT_SESSION_HOURS) * 3600),
            ip_per_minute: DEFAULT_IP_PER_MINUTE,
            writes_per_minute: DEFAULT_WRITES_PER_MINUTE,
            client_ip_header: None,
        }
    }
}

impl WidgetSettings {
    /// Reads `RAPPORT_WIDGET_*`; anything not set keeps its default.
    pub fn from_env(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let defaults = WidgetSettings::default();
        let hours = number(
            lookup,
            "RAPPORT_WIDGET_SESSION_HOURS",
            DEFAULT_SESSION_HOURS,
            1..=720,
            "a number of hours from 1 to 720",
        )?;
        Ok(WidgetSettings {
            session_ttl: Duration::from_secs(u64::from(hours) * 3600),
            ip_per_minute: number(
                lookup,
                "RAPPORT_WIDGET_IP_RATE_LIMIT",
                defaults.ip_per_minute,
                1..=1_000_000,
                "a number of requests per minute from 1 to 1000000",
            )?,
            writes_per_minute: number(
                lookup,
                "RAPPORT_WIDGET_RATE_LIMIT",
                defaults.writes_per_minute,
                1..=1_000_000,
                "a number of requests per minute from 1 to 1000000",
            )?,
            client_ip_header: value(lookup, "RAPPORT_WIDGET_IP_HEADER"),
        })
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
    default: u32,
    range: std::ops::RangeInclusive<u32>,
    expected: &str,
) -> Result<u32, ConfigError> {
    match value(lookup, variable) {
        None => Ok(default),
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| ConfigError {
                variable,
                problem: format!("\"{text}\" is not {expected}"),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<WidgetSettings, ConfigError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        WidgetSettings::from_env(&move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(read(&[]).unwrap(), WidgetSettings::default());
        let set = read(&[
            ("RAPPORT_WIDGET_SESSION_HOURS", "2"),
            ("RAPPORT_WIDGET_IP_RATE_LIMIT", "5"),
            ("RAPPORT_WIDGET_RATE_LIMIT", "7"),
            ("RAPPORT_WIDGET_IP_HEADER", " X-Forwarded-For "),
        ])
        .unwrap();
        assert_eq!(set.session_ttl, Duration::from_secs(7200));
        assert_eq!((set.ip_per_minute, set.writes_per_minute), (5, 7));
        assert_eq!(set.client_ip_header.as_deref(), Some("X-Forwarded-For"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let error = read(&[("RAPPORT_WIDGET_SESSION_HOURS", "0")]).unwrap_err();
        assert_eq!(error.variable, "RAPPORT_WIDGET_SESSION_HOURS");
        let error = read(&[("RAPPORT_WIDGET_RATE_LIMIT", "many")]).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("RAPPORT_WIDGET_RATE_LIMIT: \"many\"")
        );
    }
}
