//! Rate limits of the widget's public endpoints: per client (every request, polls included)
//! and per widget (sessions started and messages sent), counted in this process like the
//! API's per-token limit (see [`crate::api::rate_limit`] for what that means with several
//! processes).
//!
//! A client is its address as `web::context::real_client_ip` finds it (behind the trusted
//! proxy of `RAPPORT_CLIENT_IP_HEADER`, the address that proxy forwarded), counted by
//! [`network::client_key`]: an IPv4 address, or an IPv6 /64.

use super::settings::WidgetSettings;
use crate::api::rate_limit::RateLimiter;
use crate::domain::IntegrationId;
use crate::domain::network::{self, IpNet};
use crate::web::context::real_client_ip;
use actix_web::HttpRequest;
use std::time::Instant;

/// The two counters, kept in the application state.
pub struct WidgetLimits {
    per_ip: RateLimiter<IpNet>,
    per_widget: RateLimiter<IntegrationId>,
    client_ip_header: Option<String>,
}

/// Which limit was reached, and how long to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exceeded {
    pub retry_after_secs: u64,
    pub per_widget: bool,
}

impl WidgetLimits {
    pub fn new(settings: &WidgetSettings) -> Self {
        WidgetLimits {
            per_ip: RateLimiter::new(settings.ip_per_minute),
            per_widget: RateLimiter::new(settings.writes_per_minute),
            client_ip_header: settings.client_ip_header.clone(),
        }
    }

    /// Counts one request from this client; writes also count against the widget.
    pub fn check(
        &self,
        request: &HttpRequest,
        widget_id: IntegrationId,
        write: bool,
    ) -> Result<(), Exceeded> {
        let now = Instant::now();
        if let Some(ip) = real_client_ip(request, self.client_ip_header.as_deref()) {
            self.per_ip
                .check(network::client_key(ip), now)
                .map_err(|wait| Exceeded {
                    retry_after_secs: wait,
                    per_widget: false,
                })?;
        }
        if write {
            self.per_widget
                .check(widget_id, now)
                .map_err(|wait| Exceeded {
                    retry_after_secs: wait,
                    per_widget: true,
                })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn settings(ip: u32, writes: u32, header: Option<&str>) -> WidgetSettings {
        WidgetSettings {
            ip_per_minute: ip,
            writes_per_minute: writes,
            client_ip_header: header.map(String::from),
            ..WidgetSettings::default()
        }
    }

    #[test]
    fn reads_count_per_address_and_writes_per_widget_too() {
        let limits = WidgetLimits::new(&settings(3, 1, None));
        let from = |ip: &str| {
            TestRequest::default()
                .peer_addr(format!("{ip}:1000").parse().unwrap())
                .to_http_request()
        };
        let a = from("10.0.0.1");
        assert!(limits.check(&a, IntegrationId(1), true).is_ok());
        let refused = limits
            .check(&from("10.0.0.2"), IntegrationId(1), true)
            .unwrap_err();
        assert!(refused.per_widget && refused.retry_after_secs >= 1);
        assert!(
            limits
                .check(&from("10.0.0.2"), IntegrationId(2), true)
                .is_ok(),
            "another widget"
        );
        assert!(limits.check(&a, IntegrationId(1), false).is_ok());
        assert!(limits.check(&a, IntegrationId(1), false).is_ok());
        let refused = limits.check(&a, IntegrationId(1), false).unwrap_err();
        assert!(!refused.per_widget, "the address used its 3 requests");
    }

    #[test]
    fn a_proxy_header_names_the_client() {
        let limits = WidgetLimits::new(&settings(1, 100, Some("x-forwarded-for")));
        let request = |chain: &str| {
            TestRequest::default()
                .peer_addr("127.0.0.1:1".parse().unwrap())
                .insert_header(("x-forwarded-for", chain))
                .to_http_request()
        };
        assert!(
            limits
                .check(&request("6.6.6.6, 10.0.0.1"), IntegrationId(1), false)
                .is_ok()
        );
        // The client cannot escape its limit by varying the part it controls.
        assert!(
            limits
                .check(&request("7.7.7.7, 10.0.0.1"), IntegrationId(1), false)
                .is_err()
        );
        assert!(
            limits
                .check(&request("10.0.0.2"), IntegrationId(1), false)
                .is_ok()
        );
    }
}
