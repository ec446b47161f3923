//! Staff passwords: argon2id hashes, generated passwords, and a dummy hash so unknown emails
//! take as long to refuse as wrong passwords (no timing oracle).
//!
//! Hashing costs tens of milliseconds of CPU; callers run it on a blocking thread.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;
use std::sync::OnceLock;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 1_000;

/// Hashes a password into a PHC string (`$argon2id$v=19$...`).
pub fn hash(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| format!("could not hash the password: {error}"))
}

/// Checks a password against a stored hash; a malformed hash counts as a mismatch.
pub fn verify(password: &str, stored_hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored_hash)
        .is_ok()
}

/// Spends the same work as [`verify`] for an account that does not exist.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("rapport-dummy-password").unwrap_or_default());
    let _ = verify(password, dummy);
}

/// Rules for passwords that people choose.
pub fn check_strength(password: &str) -> Result<(), String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(format!(
            "A password needs at least {MIN_LENGTH} characters."
        ));
    }
    if length > MAX_LENGTH {
        return Err(format!(
            "A password can have at most {MAX_LENGTH} characters."
        ));
    }
    Ok(())
}

/// A random 20-character password from an alphabet without look-alike characters
/// (about 117 bits of entropy).
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("wrong", &stored));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn generated_passwords_are_strong_and_differ() {
        let a = generate();
        assert_eq!(a.len(), 20);
        assert!(check_strength(&a).is_ok());
        assert_ne!(a, generate());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_strength("short").is_err());
    }
}
