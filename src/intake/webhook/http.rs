//! One signed POST to an agent webhook, and what came of it.
//!
//! Redirects are not followed (the webhook URL is what an admin configured, and a redirect
//! would re-send the signed body somewhere else); anything but a 2xx answer, a connection
//! problem or no answer within the time-out is a failure to retry. Runs on the actix runtime
//! (awc's client is per thread).
//!
//! Before anything is sent, the [`egress`] rules pick the addresses the request may go to
//! (a refusal is a failed attempt with its reason); awc connects only to those, trying the
//! next when one cannot be connected to (nothing has been sent then).

use super::egress;
use super::reply::{self, AgentReply, MAX_BODY_BYTES};
use super::signature;
use crate::domain::egress::WebhookEgress;
use actix_web::http::header;
use awc::error::{ConnectError, SendRequestError};
use std::sync::Arc;
use std::time::Duration;

/// How long an agent has to answer, from connecting to the last byte of its answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// How many characters of a failed answer are kept as a hint.
const EXCERPT_CHARS: usize = 200;

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The answer's HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// The checked answer, or why the attempt failed (shown on the conversation).
    pub result: Result<AgentReply, String>,
}

/// An HTTP client for webhooks: TLS by rustls (ring, Mozilla's roots), HTTP/1.1, no redirects.
pub fn client(timeout: Duration) -> awc::Client {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let connector = match rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
    {
        Ok(builder) => awc::Connector::new().rustls_0_23(Arc::new(
            builder.with_root_certificates(roots).with_no_client_auth(),
        )),
        // Only possible if ring lacked every safe protocol version; plain http still works.
        Err(error) => {
            tracing::error!(%error, "webhook TLS is unavailable");
            awc::Connector::new()
        }
    };
    awc::Client::builder()
        .connector(connector.timeout(timeout))
        .disable_redirects()
        .timeout(timeout)
        .add_default_header((header::USER_AGENT, "Rapport-Webhook/1"))
        .finish()
}

/// POSTs `body` to `url` (when the `rules` allow it), signed with `secret` at `now` (Unix
/// seconds), and reads the answer.
pub async fn post(
    client: &awc::Client,
    url: &str,
    rules: &WebhookEgress,
    secret: &[u8],
    body: Vec<u8>,
    now: i64,
    timeout: Duration,
) -> Attempt {
    let signature = signature::header_value(secret, now, &body);
    let exchange = async {
        let url = url::Url::parse(url)
            .map_err(|error| Failure::Refused(format!("The webhook URL is not valid: {error}.")))?;
        // Resolved and checked once; only these addresses are connected to.
        let addresses = egress::addresses(&url, rules, egress::system_resolve)
            .await
            .map_err(Failure::Refused)?;
        let mut unreachable = None;
        for address in addresses {
            let sent = client
                .post(url.as_str())
                .address(address)
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .insert_header((signature::HEADER, signature.clone()))
                .send_body(body.clone())
                .await;
            let mut response = match sent {
                Ok(response) => response,
                // Not connected, so nothing was sent: the next address may answer.
                Err(SendRequestError::Connect(error))
                    if !matches!(error, ConnectError::Timeout) =>
                {
                    unreachable = Some(error.to_string());
                    continue;
                }
                Err(error) => return Err(Failure::Send(error.to_string(), is_timeout(&error))),
            };
            let status = response.status();
            let answer = response
                .body()
                .limit(MAX_BODY_BYTES)
                .await
                .map_err(|error| Failure::Body(status.as_u16(), error.to_string()))?;
            return Ok::<_, Failure>((status, answer));
        }
        Err(Failure::Send(unreachable.unwrap_or_default(), false))
    };
    let seconds = timeout.as_secs_f64();
    match actix_web::rt::time::timeout(timeout, exchange).await {
        Err(_) | Ok(Err(Failure::Send(_, true))) => Attempt {
            status: None,
            result: Err(format!("No answer within {seconds} seconds.")),
        },
        Ok(Err(Failure::Refused(reason))) => Attempt {
            status: None,
            result: Err(reason),
        },
        Ok(Err(Failure::Send(error, false))) => Attempt {
            status: None,
            result: Err(format!("Could not reach the webhook: {error}.")),
        },
        Ok(Err(Failure::Body(status, error))) => Attempt {
            status: Some(status),
            result: Err(format!("The answer could not be read: {error}.")),
        },
        Ok(Ok((status, answer))) if status.is_success() => Attempt {
            status: Some(status.as_u16()),
            result: reply::parse(&answer),
        },
        Ok(Ok((status, answer))) => Attempt {
            status: Some(status.as_u16()),
            result: Err(failed_status(status, &answer)),
        },
    }
}

enum Failure {
    /// The egress rules (or the URL itself) do not allow a request: why.
    Refused(String),
    /// The request could not be sent or no answer came (the flag: because of the time-out).
    Send(String, bool),
    Body(u16, String),
}

fn is_timeout(error: &SendRequestError) -> bool {
    matches!(
        error,
        SendRequestError::Timeout | SendRequestError::Connect(awc::error::ConnectError::Timeout)
    )
}

/// "The agent answered 500 Internal Server Error: <start of its answer>".
fn failed_status(status: actix_web::http::StatusCode, answer: &[u8]) -> String {
    let text = String::from_utf8_lossy(answer);
    let excerpt: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(EXCERPT_CHARS)
        .collect();
    if excerpt.is_empty() {
        format!("The agent answered {status}.")
    } else {
        format!("The agent answered {status}: {excerpt}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::StatusCode;

    #[test]
    fn failed_answers_are_summarised() {
        assert_eq!(
            failed_status(StatusCode::INTERNAL_SERVER_ERROR, b""),
            "The agent answered 500 Internal Server Error."
        );
        assert_eq!(
            failed_status(StatusCode::BAD_GATEWAY, b"<h1>Bad\n  gateway</h1>\x07"),
            "The agent answered 502 Bad Gateway: <h1>Bad gateway</h1>"
        );
        let long = "x".repeat(1000);
        assert_eq!(
            failed_status(StatusCode::NOT_FOUND, long.as_bytes()).len(),
            "The agent answered 404 Not Found: ".len() + EXCERPT_CHARS
        );
    }
}
