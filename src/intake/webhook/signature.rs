//! How an agent webhook knows a request came from this Rapport: every POST carries
//!
//! ```text
//! Rapport-Signature: t=1764072000,v1=5f2b…(64 hex digits)
//! ```
//!
//! where `v1` is the lower-case hex HMAC-SHA256 of `"{t}.{body}"` (the Unix time in seconds, a
//! dot, then the raw request body, byte for byte), keyed with the integration's webhook secret
//! (its UTF-8 bytes, exactly as shown once in Settings). The receiver recomputes it over the
//! body it read, compares in constant time, and refuses a `t` more than five minutes from its
//! own clock, so a captured request cannot be replayed later. [`verify`] is that check, used
//! by the tests and mirrored by the README's example agent.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The request header carrying the signature.
pub const HEADER: &str = "Rapport-Signature";

/// How far a signature's timestamp may be from the receiver's clock, in seconds.
pub const TOLERANCE_SECS: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this never fails.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The hex HMAC-SHA256 of `"{timestamp}.{body}"`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    hex(&mac(secret, timestamp, body).finalize().into_bytes())
}

/// The whole header value: `t=<timestamp>,v1=<signature>`.
pub fn header_value(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
}

/// Why a signature was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyError {
    /// No `t=` or no `v1=` part, or not numbers/hex.
    Malformed,
    /// The timestamp is further than the tolerance from now: a replay, or a wrong clock.
    Stale,
    /// No `v1` matches the body.
    Mismatch,
}

/// Checks a `Rapport-Signature` header against the body received, `now` in Unix seconds.
/// Several `v1=` parts are allowed (any one may match), so a sender could sign with an old and
/// a new secret while they are being swapped.
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> Result<(), VerifyError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.push(unhex(value).ok_or(VerifyError::Malformed)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(VerifyError::Malformed)?;
    if signatures.is_empty() {
        return Err(VerifyError::Malformed);
    }
    if now.abs_diff(timestamp) > tolerance_secs.unsigned_abs() {
        return Err(VerifyError::Stale);
    }
    let expected = mac(secret, timestamp, body);
    // `verify_slice` compares in constant time.
    if signatures
        .iter()
        .any(|signature| expected.clone().verify_slice(signature).is_ok())
    {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test";
    const NOW: i64 = 1_764_072_000;

    #[test]
    fn signature_is_the_hmac_of_timestamp_dot_body() {
        // Computed independently: printf '1764072000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            sign(SECRET, NOW, br#"{"a":1}"#),
            "2c2234632f00f40c6f01456a776bff8187c9cfc1660cc051d16f03eeeebb937c"
        );
        let header = header_value(SECRET, NOW, b"body");
        assert!(header.starts_with("t=1764072000,v1="), "{header}");
        assert_eq!(header.len(), "t=1764072000,v1=".len() + 64);
    }

    #[test]
    fn a_signed_body_verifies_within_the_tolerance() {
        let header = header_value(SECRET, NOW, b"body");
        assert_eq!(
            verify(SECRET, &header, b"body", NOW, TOLERANCE_SECS),
            Ok(())
        );
        assert_eq!(
            verify(SECRET, &header, b"body", NOW + 300, TOLERANCE_SECS),
            Ok(())
        );
        assert_eq!(
            verify(SECRET, &header, b"body", NOW - 300, TOLERANCE_SECS),
            Ok(())
        );
    }

    #[test]
    fn replays_tampering_and_wrong_secrets_are_refused() {
        let header = header_value(SECRET, NOW, b"body");
        assert_eq!(
            verify(SECRET, &header, b"body", NOW + 301, TOLERANCE_SECS),
            Err(VerifyError::Stale)
        );
        assert_eq!(
            verify(SECRET, &header, b"bodx", NOW, TOLERANCE_SECS),
            Err(VerifyError::Mismatch)
        );
        assert_eq!(
            verify(b"other", &header, b"body", NOW, TOLERANCE_SECS),
            Err(VerifyError::Mismatch)
        );
        // The timestamp is part of what is signed: moving it breaks the signature.
        let moved = header.replace("t=1764072000", "t=1764072100");
        assert_eq!(
            verify(SECRET, &moved, b"body", NOW, TOLERANCE_SECS),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn malformed_headers_are_refused_and_extra_parts_ignored() {
        for header in [
            "",
            "t=1",
            "v1=00",
            "t=x,v1=00",
            "t=1764072000,v1=zz",
            "t=1764072000,v1=abc",
        ] {
            assert_eq!(
                verify(SECRET, header, b"body", NOW, TOLERANCE_SECS),
                Err(VerifyError::Malformed),
                "{header}"
            );
        }
        let good = sign(SECRET, NOW, b"body");
        let header = format!("t={NOW}, v0=ignored, v1={}, v1={good}", "00".repeat(32));
        assert_eq!(
            verify(SECRET, &header, b"body", NOW, TOLERANCE_SECS),
            Ok(())
        );
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        assert_eq!(unhex("000fff"), Some(vec![0, 15, 255]));
        assert_eq!(unhex("0g"), None);
    }
}
