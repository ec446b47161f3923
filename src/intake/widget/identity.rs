//! Identity verification: a site that knows who its signed-in user is passes the user's id
//! together with `userHash`, the HMAC-SHA256 of that id under the widget's identity secret,
//! computed on the site's server (the secret never reaches the browser). A good hash makes
//! the contact verified and keyed by the id, scoped to this widget
//! (`widget:<integration id>:<userId>`, see `models::widget_session`); a bad one is refused.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The hex HMAC-SHA256 of `user_id` under `secret`, as the site's server computes it.
pub fn user_hash(secret: &str, user_id: &str) -> String {
    let mut mac = mac(secret);
    mac.update(user_id.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Whether `hash` (hex, either case) is the HMAC of `user_id` under `secret`; the comparison
/// takes the same time wherever the first wrong byte is.
pub fn verify(secret: &str, user_id: &str, hash: &str) -> bool {
    let Some(bytes) = decode_hex(hash.trim()) else {
        return false;
    };
    let mut mac = mac(secret);
    mac.update(user_id.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

fn mac(secret: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail; an empty key would still verify
    // nothing an attacker could not compute, which is why callers refuse when no secret exists.
    <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"))
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16);
    text.as_bytes()
        .chunks(2)
        .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_openssl() {
        // printf %s user-42 | openssl dgst -sha256 -hmac s3cret
        assert_eq!(
            user_hash("s3cret", "user-42"),
            "1136c48073bd2ba64f2a18895ff27ecfa11e24ccd2d86972ace148983668a992"
        );
    }

    #[test]
    fn verifies_good_hashes_only() {
        let hash = user_hash("s3cret", "user-42");
        assert!(verify("s3cret", "user-42", &hash));
        assert!(verify("s3cret", "user-42", &hash.to_uppercase()));
        assert!(!verify("s3cret", "user-43", &hash));
        assert!(!verify("other", "user-42", &hash));
        assert!(!verify("s3cret", "user-42", &hash[..62]));
        assert!(!verify("s3cret", "user-42", "zz"));
        assert!(!verify("s3cret", "user-42", ""));
    }
}
