//! The egress rules ([`WebhookEgress`]) applied where a delivery connects: the webhook's host
//! is resolved once, every address it resolves to is checked, and the request is then sent
//! to those checked addresses only ([`super::http`] hands each to awc with
//! `ClientRequest::address`, which skips awc's own lookup while TLS still verifies the
//! URL's host name). So a DNS answer that changes between the check and the connection (DNS
//! rebinding) cannot reach an address that was not checked.
//!
//! A host resolving to several addresses is refused if any one is not public: mixing a
//! public and a private answer is what an attacker's name server would do.

use crate::domain::egress::{Target, WebhookEgress};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use url::Url;

/// Resolves `host` at `port` with the system resolver (getaddrinfo on a blocking thread).
pub async fn system_resolve(host: String, port: u16) -> io::Result<Vec<SocketAddr>> {
    tokio::net::lookup_host((host.as_str(), port))
        .await
        .map(Iterator::collect)
}

/// The addresses a delivery to `url` may connect to, in the resolver's order; or why none
/// may (the reason recorded on the delivery and shown on the conversation).
pub async fn addresses<F, Fut>(
    url: &Url,
    egress: &WebhookEgress,
    resolve: F,
) -> Result<Vec<SocketAddr>, String>
where
    F: FnOnce(String, u16) -> Fut,
    Fut: Future<Output = io::Result<Vec<SocketAddr>>>,
{
    let Some(port) = url.port_or_known_default() else {
        return Err("The webhook URL has no port.".into());
    };
    let name = match egress
        .check_url(url)
        .map_err(|refusal| refusal.to_string())?
    {
        Target::Address(address) => return Ok(vec![SocketAddr::new(address, port)]),
        Target::Resolve(name) | Target::AllowedName(name) => name,
    };
    let mut found = resolve(name.clone(), port)
        .await
        .map_err(|error| format!("Could not resolve {name}: {error}."))?;
    if found.is_empty() {
        return Err(format!("{name} has no address."));
    }
    for address in &found {
        egress
            .check_address(&name, address.ip())
            .map_err(|refusal| refusal.to_string())?;
    }
    let mut seen = Vec::with_capacity(found.len());
    found.retain(|address| {
        let new = !seen.contains(address);
        seen.push(*address);
        new
    });
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    /// Runs `addresses` with a resolver that answers `answer` and counts its calls.
    async fn with_answer(
        text: &str,
        egress: &WebhookEgress,
        answer: &[&str],
    ) -> (Result<Vec<SocketAddr>, String>, usize) {
        let calls = Cell::new(0);
        let answer: Vec<SocketAddr> = answer.iter().map(|a| a.parse().unwrap()).collect();
        let result = addresses(&url(text), egress, |host, port| {
            calls.set(calls.get() + 1);
            assert_eq!(port, 443);
            assert_eq!(host, "agent.example.com");
            let answer = answer.clone();
            async move { Ok(answer) }
        })
        .await;
        (result, calls.get())
    }

    #[actix_web::test]
    async fn every_resolved_address_is_checked_and_only_those_are_returned() {
        let strict = WebhookEgress::default();
        let (result, calls) = with_answer(
            "https://agent.example.com/hook",
            &strict,
            &[
                "93.184.215.14:443",
                "[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:443",
            ],
        )
        .await;
        assert_eq!(calls, 1, "resolved once");
        assert_eq!(
            result.unwrap(),
            vec![
                "93.184.215.14:443".parse::<SocketAddr>().unwrap(),
                "[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:443"
                    .parse()
                    .unwrap()
            ]
        );
        // One bad answer among good ones refuses the host.
        let (result, _) = with_answer(
            "https://agent.example.com/hook",
            &strict,
            &["93.184.215.14:443", "169.254.169.254:443"],
        )
        .await;
        let reason = result.unwrap_err();
        assert!(
            reason.starts_with(
                "agent.example.com resolves to 169.254.169.254, a link-local address."
            ),
            "{reason}"
        );
        let (result, _) = with_answer(
            "https://agent.example.com/hook",
            &strict,
            &["[::ffff:10.0.0.1]:443"],
        )
        .await;
        assert!(result.unwrap_err().contains("a private address"));
        let (result, _) = with_answer("https://agent.example.com/hook", &strict, &[]).await;
        assert_eq!(result.unwrap_err(), "agent.example.com has no address.");
    }

    #[actix_web::test]
    async fn literal_addresses_and_refused_urls_need_no_lookup() {
        let strict = WebhookEgress::default();
        let never = |_: String, _: u16| async { panic!("no lookup expected") };
        assert_eq!(
            addresses(&url("https://93.184.215.14:8443/"), &strict, never)
                .await
                .unwrap(),
            vec!["93.184.215.14:8443".parse::<SocketAddr>().unwrap()]
        );
        assert!(
            addresses(&url("https://10.0.0.1/"), &strict, never)
                .await
                .unwrap_err()
                .contains("10.0.0.1 is a private address")
        );
        assert!(
            addresses(&url("http://agent.example.com/"), &strict, never)
                .await
                .unwrap_err()
                .contains("https://")
        );
        assert!(
            addresses(&url("https://localhost/"), &strict, never)
                .await
                .unwrap_err()
                .contains("localhost is this machine")
        );
    }

    #[actix_web::test]
    async fn an_allowed_name_may_resolve_anywhere() {
        let egress = WebhookEgress {
            allow_http: false,
            allow_hosts: WebhookEgress::parse_allow_hosts("agent.example.com").unwrap(),
        };
        let (result, _) = with_answer(
            "https://agent.example.com/",
            &egress,
            &["10.0.0.7:443", "10.0.0.7:443"],
        )
        .await;
        assert_eq!(
            result.unwrap(),
            vec!["10.0.0.7:443".parse::<SocketAddr>().unwrap()]
        );
    }
}
