//! Encryption of contact secrets at rest: XChaCha20-Poly1305 under the server's secrets key.
//!
//! - **Cipher.** XChaCha20-Poly1305 (RustCrypto's `chacha20poly1305`): an AEAD whose 192-bit
//!   nonce is safe to pick at random for every encryption, so no nonce counter has to be kept
//!   across processes. A fresh nonce is drawn from the operating system for every value.
//! - **Associated data.** Each ciphertext is bound to the row that holds it ([`Binding`]):
//!   `rapport-secret:v1:{contact_id}:{secret_id}:{kind}` for a contact's secret,
//!   `rapport-integration:v1:{integration_id}:{purpose}` for an integration's. A ciphertext
//!   (with its nonce) copied into another row, another contact or another kind fails
//!   authentication instead of being shown as that row's value. Name and description are not
//!   bound, so renaming a secret does not need the key.
//! - **Key id.** The first 16 hex digits of SHA-256 over a fixed label and the key. It is
//!   stored with each row, so a value encrypted under another key is recognised as such
//!   ("restore the original key") instead of failing as if it were tampered with, and so a key
//!   rotation knows which rows it still has to re-encrypt. SHA-256 (`sha2`) because it is the
//!   fingerprint everyone can recompute with standard tools and the project already uses it for
//!   file checksums; the label keeps this fingerprint distinct from any other hash of the key.
//!   64 bits of a hash of a 256-bit random key reveal nothing usable about the key.
//!
//! Nothing here returns garbage: decryption either authenticates and yields the exact
//! plaintext, or fails with an error that says which key was expected. Errors and `Debug`
//! output never contain key material or plaintext.

use super::{ContactId, IntegrationId, SecretId};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use std::fmt;
use zeroize::Zeroizing;

/// Length of a secrets key in bytes.
pub const KEY_BYTES: usize = 32;
/// Length of a nonce in bytes.
pub const NONCE_BYTES: usize = 24;
/// Bytes the authentication tag adds to every ciphertext.
pub const TAG_BYTES: usize = 16;

/// Why a value could not be encrypted or decrypted. Never carries key material or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretBoxError {
    #[error("a secrets key must be {KEY_BYTES} bytes (this one has {0})")]
    KeyLength(usize),
    /// The row was encrypted under a key this process does not have.
    #[error(
        "this secret was encrypted with another key (key id {key_id}); restore the original RAPPORT_SECRETS_KEY (this server's key id is {current_key_id})"
    )]
    UnknownKey {
        key_id: String,
        current_key_id: String,
    },
    /// The key is right, but the ciphertext does not authenticate for this row.
    #[error(
        "this secret could not be decrypted with its key (key id {key_id}): the stored value was altered or copied from another secret"
    )]
    Tampered { key_id: String },
    #[error("the operating system's random number generator failed")]
    Random,
    #[error("the value is too large to encrypt")]
    TooLarge,
}

/// A 32-byte secrets key and its id. The cipher state is wiped from memory when dropped.
pub struct SecretsKey {
    cipher: XChaCha20Poly1305,
    id: String,
}

impl SecretsKey {
    /// A key from its raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretBoxError> {
        let cipher = XChaCha20Poly1305::new_from_slice(bytes)
            .map_err(|_| SecretBoxError::KeyLength(bytes.len()))?;
        Ok(SecretsKey {
            cipher,
            id: key_id(bytes),
        })
    }

    /// A key from the base64 text of a key file or environment variable.
    pub fn from_base64(text: &str) -> Result<Self, SecretBoxError> {
        let bytes = Zeroizing::new(
            BASE64
                .decode(text.trim())
                .map_err(|_| SecretBoxError::KeyLength(0))?,
        );
        Self::from_bytes(&bytes)
    }

    /// The short fingerprint stored with every value encrypted under this key.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Debug for SecretsKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretsKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The fingerprint of a key: 16 hex digits of SHA-256("rapport-secrets-key-id:v1\0" ‖ key).
pub fn key_id(key: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(b"rapport-secrets-key-id:v1\0")
        .chain_update(key)
        .finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// The key that encrypts, and older keys that may still decrypt (after an interrupted
/// rotation, or for a database restored from before one).
#[derive(Debug)]
pub struct Keyring {
    primary: SecretsKey,
    older: Vec<SecretsKey>,
}

impl Keyring {
    pub fn new(primary: SecretsKey, older: Vec<SecretsKey>) -> Self {
        let older = older
            .into_iter()
            .filter(|key| key.id != primary.id)
            .collect();
        Keyring { primary, older }
    }

    /// A keyring from raw key bytes, the primary first.
    pub fn from_bytes<K: AsRef<[u8]>>(primary: &[u8], older: &[K]) -> Result<Self, SecretBoxError> {
        let older = older
            .iter()
            .map(|bytes| SecretsKey::from_bytes(bytes.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Keyring::new(SecretsKey::from_bytes(primary)?, older))
    }

    /// The key new values are encrypted with.
    pub fn primary(&self) -> &SecretsKey {
        &self.primary
    }

    /// The key with this id, if this keyring has it.
    pub fn find(&self, key_id: &str) -> Option<&SecretsKey> {
        std::iter::once(&self.primary)
            .chain(self.older.iter())
            .find(|key| key.id == key_id)
    }

    /// Whether a value stored under `key_id` can be decrypted here.
    pub fn can_read(&self, key_id: &str) -> bool {
        self.find(key_id).is_some()
    }
}

/// What a ciphertext is bound to: the associated data authenticated with it. Every kind of
/// row starts its associated data with its own label, so a value of one kind of row can never
/// be opened as another's.
pub trait Binding {
    fn associated_data(&self) -> Vec<u8>;
}

/// Which contact secret a ciphertext belongs to; authenticated as associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretIdentity<'a> {
    pub contact_id: ContactId,
    pub secret_id: SecretId,
    /// The kind's stored name (`plain`, `basic`, …).
    pub kind: &'a str,
}

impl Binding for SecretIdentity<'_> {
    /// `rapport-secret:v1:{contact_id}:{secret_id}:{kind}`.
    fn associated_data(&self) -> Vec<u8> {
        format!(
            "rapport-secret:v1:{}:{}:{}",
            self.contact_id, self.secret_id, self.kind
        )
        .into_bytes()
    }
}

/// Which integration secret a ciphertext belongs to (the widget's identity secret, the agent
/// webhook's signing secret); authenticated as associated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegrationSecretIdentity<'a> {
    pub integration_id: IntegrationId,
    /// The purpose's stored name (`identity`, `webhook`).
    pub purpose: &'a str,
}

impl Binding for IntegrationSecretIdentity<'_> {
    /// `rapport-integration:v1:{integration_id}:{purpose}`.
    fn associated_data(&self) -> Vec<u8> {
        format!(
            "rapport-integration:v1:{}:{}",
            self.integration_id, self.purpose
        )
        .into_bytes()
    }
}

/// An encrypted value as it is stored: ciphertext (with its tag), nonce, and key id.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: String,
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealed")
            .field("ciphertext_bytes", &self.ciphertext.len())
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// Encrypts `plaintext` for the row `identity` under `key`, with a fresh random nonce.
pub fn seal(
    key: &SecretsKey,
    identity: impl Binding,
    plaintext: &[u8],
) -> Result<Sealed, SecretBoxError> {
    let nonce = XNonce::try_generate().map_err(|_| SecretBoxError::Random)?;
    let aad = identity.associated_data();
    let ciphertext = key
        .cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| SecretBoxError::TooLarge)?;
    Ok(Sealed {
        ciphertext,
        nonce: nonce.to_vec(),
        key_id: key.id.clone(),
    })
}

/// Decrypts a stored value of the row `identity`, with the keyring's key named by its key id.
///
/// Fails with [`SecretBoxError::UnknownKey`] when that key is not in the keyring, and with
/// [`SecretBoxError::Tampered`] when the ciphertext, nonce or row does not match.
pub fn open(
    keyring: &Keyring,
    identity: impl Binding,
    sealed: &Sealed,
) -> Result<Zeroizing<Vec<u8>>, SecretBoxError> {
    let key = keyring
        .find(&sealed.key_id)
        .ok_or_else(|| SecretBoxError::UnknownKey {
            key_id: sealed.key_id.clone(),
            current_key_id: keyring.primary.id.clone(),
        })?;
    open_with(key, identity, sealed)
}

/// Decrypts with exactly this key; a value stored under another key id is refused as
/// [`SecretBoxError::UnknownKey`].
pub fn open_with(
    key: &SecretsKey,
    identity: impl Binding,
    sealed: &Sealed,
) -> Result<Zeroizing<Vec<u8>>, SecretBoxError> {
    if sealed.key_id != key.id {
        return Err(SecretBoxError::UnknownKey {
            key_id: sealed.key_id.clone(),
            current_key_id: key.id.clone(),
        });
    }
    let tampered = || SecretBoxError::Tampered {
        key_id: sealed.key_id.clone(),
    };
    let nonce = XNonce::try_from(sealed.nonce.as_slice()).map_err(|_| tampered())?;
    let aad = identity.associated_data();
    key.cipher
        .decrypt(
            &nonce,
            Payload {
                msg: &sealed.ciphertext,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| tampered())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretsKey {
        SecretsKey::from_bytes(&[byte; KEY_BYTES]).unwrap()
    }

    fn ring(byte: u8) -> Keyring {
        Keyring::new(key(byte), Vec::new())
    }

    const ROW: SecretIdentity<'static> = SecretIdentity {
        contact_id: ContactId(7),
        secret_id: SecretId(42),
        kind: "bearer",
    };

    #[test]
    fn round_trip() {
        let sealed = seal(&key(1), ROW, b"tok_live_123").unwrap();
        assert_eq!(sealed.nonce.len(), NONCE_BYTES);
        assert_eq!(sealed.ciphertext.len(), b"tok_live_123".len() + TAG_BYTES);
        assert_eq!(sealed.key_id, key(1).id());
        let opened = open(&ring(1), ROW, &sealed).unwrap();
        assert_eq!(opened.as_slice(), b"tok_live_123");
    }

    #[test]
    fn every_encryption_has_its_own_nonce() {
        let a = seal(&key(1), ROW, b"same").unwrap();
        let b = seal(&key(1), ROW, b"same").unwrap();
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }

    #[test]
    fn the_ciphertext_does_not_contain_the_plaintext() {
        let plaintext = b"hunter2hunter2hunter2";
        let sealed = seal(&key(1), ROW, plaintext).unwrap();
        assert!(
            !sealed
                .ciphertext
                .windows(plaintext.len())
                .any(|w| w == plaintext)
        );
    }

    #[test]
    fn a_wrong_key_is_named_not_decrypted() {
        let sealed = seal(&key(1), ROW, b"value").unwrap();
        let error = open(&ring(2), ROW, &sealed).unwrap_err();
        assert_eq!(
            error,
            SecretBoxError::UnknownKey {
                key_id: key(1).id().to_string(),
                current_key_id: key(2).id().to_string(),
            }
        );
        let message = error.to_string();
        assert!(message.contains("encrypted with another key"), "{message}");
        assert!(message.contains(key(1).id()), "{message}");
        assert!(message.contains("restore the original RAPPORT_SECRETS_KEY"));
    }

    #[test]
    fn a_wrong_key_under_the_right_id_is_refused() {
        // Someone edited key_id to match: authentication still fails.
        let mut sealed = seal(&key(1), ROW, b"value").unwrap();
        sealed.key_id = key(2).id().to_string();
        assert!(matches!(
            open(&ring(2), ROW, &sealed),
            Err(SecretBoxError::Tampered { .. })
        ));
    }

    #[test]
    fn an_older_key_in_the_keyring_still_decrypts() {
        let sealed = seal(&key(1), ROW, b"value").unwrap();
        let keyring = Keyring::new(key(2), vec![key(1)]);
        assert_eq!(keyring.primary().id(), key(2).id());
        assert!(keyring.can_read(key(1).id()));
        assert_eq!(open(&keyring, ROW, &sealed).unwrap().as_slice(), b"value");
    }

    #[test]
    fn swapped_associated_data_is_refused() {
        let sealed = seal(&key(1), ROW, b"value").unwrap();
        for other in [
            SecretIdentity {
                secret_id: SecretId(43),
                ..ROW
            },
            SecretIdentity {
                contact_id: ContactId(8),
                ..ROW
            },
            SecretIdentity {
                kind: "plain",
                ..ROW
            },
        ] {
            let error = open(&ring(1), other, &sealed).unwrap_err();
            assert!(
                matches!(error, SecretBoxError::Tampered { .. }),
                "{other:?}: {error}"
            );
            assert!(error.to_string().contains("copied from another secret"));
        }
    }

    #[test]
    fn tampering_is_detected_never_returned() {
        let sealed = seal(&key(1), ROW, b"value").unwrap();
        for index in 0..sealed.ciphertext.len() {
            let mut bad = sealed.clone();
            bad.ciphertext[index] ^= 0x01;
            assert!(open(&ring(1), ROW, &bad).is_err(), "byte {index}");
        }
        let mut bad_nonce = sealed.clone();
        bad_nonce.nonce[0] ^= 0x80;
        assert!(open(&ring(1), ROW, &bad_nonce).is_err());
        let mut short_nonce = sealed.clone();
        short_nonce.nonce.truncate(12);
        assert!(open(&ring(1), ROW, &short_nonce).is_err());
        let mut truncated = sealed;
        truncated.ciphertext.truncate(TAG_BYTES - 1);
        assert!(open(&ring(1), ROW, &truncated).is_err());
    }

    #[test]
    fn integration_secrets_have_their_own_binding() {
        let webhook = IntegrationSecretIdentity {
            integration_id: IntegrationId(7),
            purpose: "webhook",
        };
        assert_eq!(
            webhook.associated_data(),
            b"rapport-integration:v1:7:webhook".to_vec()
        );
        let sealed = seal(&key(1), webhook, b"rph_value").unwrap();
        assert_eq!(
            open(&ring(1), webhook, &sealed).unwrap().as_slice(),
            b"rph_value"
        );
        for other in [
            IntegrationSecretIdentity {
                integration_id: IntegrationId(8),
                purpose: "webhook",
            },
            IntegrationSecretIdentity {
                integration_id: IntegrationId(7),
                purpose: "identity",
            },
        ] {
            assert!(matches!(
                open(&ring(1), other, &sealed),
                Err(SecretBoxError::Tampered { .. })
            ));
        }
        // Neither kind of row can open the other's values.
        assert!(open(&ring(1), ROW, &sealed).is_err());
        let contact_sealed = seal(&key(1), ROW, b"value").unwrap();
        assert!(open(&ring(1), webhook, &contact_sealed).is_err());
    }

    #[test]
    fn key_ids_are_short_stable_and_distinct() {
        assert_eq!(key(1).id().len(), 16);
        assert!(key(1).id().chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(key(1).id(), key_id(&[1; KEY_BYTES]));
        assert_ne!(key(1).id(), key(2).id());
    }

    #[test]
    fn keys_must_be_32_bytes() {
        assert_eq!(
            SecretsKey::from_bytes(&[0; 16]).unwrap_err(),
            SecretBoxError::KeyLength(16)
        );
        assert!(SecretsKey::from_base64("not base64!").is_err());
        let encoded = BASE64.encode([5u8; KEY_BYTES]);
        assert_eq!(
            SecretsKey::from_base64(&format!("{encoded}\n"))
                .unwrap()
                .id(),
            key(5).id()
        );
    }

    #[test]
    fn debug_output_holds_no_key_material() {
        let debug = format!("{:?}", ring(9));
        assert!(debug.contains(key(9).id()));
        assert!(!debug.contains("9, 9"));
        let sealed = seal(&key(1), ROW, b"value").unwrap();
        let debug = format!("{sealed:?}");
        assert!(debug.contains("ciphertext_bytes"));
    }
}
