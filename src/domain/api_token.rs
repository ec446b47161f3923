//! API tokens: 256 random bits shown once as `rpt_…`, stored only as a SHA-256 hex digest.
//!
//! A fast hash is right here: unlike a password, the token is random and too long to guess,
//! so there is nothing for a slow hash to protect against.

use super::FieldErrors;
use super::text::optional_line;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::str::FromStr;

/// Prefix that makes leaked tokens easy to recognise (and to scan for).
pub const PREFIX: &str = "rpt_";

/// A new token in clear: shown once, never stored.
pub fn generate() -> String {
    generate_with(PREFIX)
}

/// 256 random bits as URL-safe base64 after `prefix`: the generator of every credential
/// Rapport issues (API tokens, integration tokens and secrets), each kind with its own prefix.
pub fn generate_with(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
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

/// Longest token name (the database checks the same).
pub const MAX_NAME_CHARS: usize = 200;

/// A token's name, as staff will recognise it in History ("Support bot"): one line of 1 to
/// 200 characters.
pub fn validate_name(input: &str) -> Result<String, String> {
    optional_line(input, MAX_NAME_CHARS)?.ok_or_else(|| {
        "Give the token a name, e.g. the bot or integration that will use it.".into()
    })
}

/// A role as a form or the command line gives it.
pub fn validate_role(input: &str) -> Result<TokenRole, String> {
    input
        .parse()
        .map_err(|_| "Choose viewer (read only) or editor (read and write).".to_string())
}

/// A new token's name and role, validated together so a form shows every problem at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenDraft {
    pub name: String,
    pub role: TokenRole,
}

impl TokenDraft {
    /// Errors are keyed by the form's field names, `name` and `role`.
    pub fn validate(name: &str, role: &str) -> Result<TokenDraft, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", validate_name(name));
        let role = errors.check("role", validate_role(role));
        match (name, role) {
            (Some(name), Some(role)) if errors.is_empty() => Ok(TokenDraft { name, role }),
            _ => Err(errors),
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

    #[test]
    fn drafts_report_every_problem() {
        assert_eq!(
            TokenDraft::validate("  Support bot ", "editor"),
            Ok(TokenDraft {
                name: "Support bot".into(),
                role: TokenRole::Editor
            })
        );
        let errors = TokenDraft::validate(" ", "admin").unwrap_err();
        assert!(errors.has("name") && errors.has("role"));
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        assert!(validate_name(&long).is_err());
        assert!(validate_name("two\nlines").is_err());
        assert_eq!(
            validate_name(&"x".repeat(MAX_NAME_CHARS)).map(|n| n.len()),
            Ok(200)
        );
    }
}
