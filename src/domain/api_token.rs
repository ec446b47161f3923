//! API tokens: 256 random bits shown once as `rpt_…`, stored only as a SHA-256 hex digest.
//!
//! A fast hash is right here: unlike a password, the token is random and too long to guess,
//! so there is nothing for a slow hash to protect against.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::str::FromStr;

/// Prefix that makes leaked tokens easy to recognise (and to scan for).
pub const PREFIX: &str = "rpt_";

/// A new token in clear: shown once, never stored.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// What the database keeps of a token.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.trim().as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRole {
    /// Reads only.
    Viewer,
    /// Reads and writes.
    Editor,
}

impl TokenRole {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenRole::Viewer => "viewer",
            TokenRole::Editor => "editor",
        }
    }

    pub fn can_write(self) -> bool {
        self == TokenRole::Editor
    }
}

impl FromStr for TokenRole {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input.trim().to_ascii_lowercase().as_str() {
            "viewer" => Ok(TokenRole::Viewer),
            "editor" => Ok(TokenRole::Editor),
            other => Err(format!(
                "unknown token role \"{other}\" (use viewer or editor)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hash_to_hex() {
        let a = generate();
        assert!(a.starts_with(PREFIX));
        assert_eq!(a.len(), PREFIX.len() + 43);
        assert_ne!(a, generate());
        let digest = hash(&a);
        assert_eq!(digest.len(), 64);
        assert!(
            digest
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(digest, hash(&format!(" {a}\n")));
    }

    #[test]
    fn roles() {
        assert_eq!("Editor".parse(), Ok(TokenRole::Editor));
        assert!(!TokenRole::Viewer.can_write());
        assert!("admin".parse::<TokenRole>().is_err());
    }
}
