//! Contact secrets as values: their kinds, the shape of each kind's value, and validation of
//! what staff type into the secret forms. Pure: encryption is in [`super::secret_box`].
//!
//! A value is encrypted as a small JSON object whose fields depend on the kind:
//!
//! | kind | form fields | encrypted payload |
//! |---|---|---|
//! | `plain` | Value (multi-line text) | `{"text": "…"}` |
//! | `basic` | Username, Password | `{"username": "…", "password": "…"}` |
//! | `bearer` | Token | `{"token": "…"}` |
//! | `oauth` | Client ID, Client secret, Refresh token (optional) | `{"client_id": "…", "client_secret": "…", "refresh_token": "…" or null}` |
//!
//! Values are kept out of logs: every type that holds one has a hand-written `Debug` that
//! prints only which fields are present, and the strings are wiped from memory when dropped.
//! Validation messages never quote a value, nor its length.

use super::field_errors::FieldErrors;
use super::text::{optional_line, optional_text};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use zeroize::{Zeroize, Zeroizing};

/// Longest secret name, in characters.
pub const NAME_MAX: usize = 200;
/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 2_000;
/// Longest single value field (a token, a password…), in characters.
pub const VALUE_MAX: usize = 10_000;

/// What kind of credential a secret is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    Plain,
    Basic,
    Bearer,
    OAuth,
}

impl SecretKind {
    pub const ALL: [SecretKind; 4] = [
        SecretKind::Plain,
        SecretKind::Basic,
        SecretKind::Bearer,
        SecretKind::OAuth,
    ];

    /// The stored name (the `kind` column and the associated data).
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::Plain => "plain",
            SecretKind::Basic => "basic",
            SecretKind::Bearer => "bearer",
            SecretKind::OAuth => "oauth",
        }
    }

    /// How the dashboard names the kind.
    pub fn label(self) -> &'static str {
        match self {
            SecretKind::Plain => "Text",
            SecretKind::Basic => "Username and password",
            SecretKind::Bearer => "Bearer token",
            SecretKind::OAuth => "OAuth client",
        }
    }

    /// One line on what the kind is for.
    pub fn hint(self) -> &'static str {
        match self {
            SecretKind::Plain => "Any text: an API key, a PIN, a private key.",
            SecretKind::Basic => "A sign-in for a portal or HTTP basic authentication.",
            SecretKind::Bearer => "A token sent as Authorization: Bearer ….",
            SecretKind::OAuth => "An OAuth client's credentials, with a refresh token if any.",
        }
    }
}

impl fmt::Display for SecretKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SecretKind {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        SecretKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input.trim())
            .ok_or_else(|| "Choose one of the kinds listed.".to_string())
    }
}

/// A secret's value. Wiped from memory when dropped; `Debug` shows only the kind.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretValue {
    Plain {
        text: String,
    },
    Basic {
        username: String,
        password: String,
    },
    Bearer {
        token: String,
    },
    OAuth {
        client_id: String,
        client_secret: String,
        refresh_token: Option<String>,
    },
}

impl Drop for SecretValue {
    fn drop(&mut self) {
        match self {
            SecretValue::Plain { text } => text.zeroize(),
            SecretValue::Basic { username, password } => {
                username.zeroize();
                password.zeroize();
            }
            SecretValue::Bearer { token } => token.zeroize(),
            SecretValue::OAuth {
                client_id,
                client_secret,
                refresh_token,
            } => {
                client_id.zeroize();
                client_secret.zeroize();
                refresh_token.zeroize();
            }
        }
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretValue::{}(<redacted>)", self.kind().as_str())
    }
}

/// One part of a value, as the reveal shows it.
pub struct ValuePart<'a> {
    pub label: &'static str,
    pub value: &'a str,
    pub multiline: bool,
}

/// The encrypted JSON payloads (see the module documentation).
#[derive(Serialize, Deserialize)]
struct PlainPayload<T> {
    text: T,
}
#[derive(Serialize, Deserialize)]
struct BasicPayload<T> {
    username: T,
    password: T,
}
#[derive(Serialize, Deserialize)]
struct BearerPayload<T> {
    token: T,
}
#[derive(Serialize, Deserialize)]
struct OAuthPayload<T> {
    client_id: T,
    client_secret: T,
    refresh_token: Option<T>,
}

/// The decrypted payload does not have the shape its kind requires.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the decrypted value of this {kind} secret is not in the expected format")]
pub struct PayloadError {
    pub kind: SecretKind,
}

impl SecretValue {
    pub fn kind(&self) -> SecretKind {
        match self {
            SecretValue::Plain { .. } => SecretKind::Plain,
            SecretValue::Basic { .. } => SecretKind::Basic,
            SecretValue::Bearer { .. } => SecretKind::Bearer,
            SecretValue::OAuth { .. } => SecretKind::OAuth,
        }
    }

    /// The JSON that gets encrypted.
    pub fn to_payload(&self) -> Zeroizing<Vec<u8>> {
        let json = match self {
            SecretValue::Plain { text } => serde_json::to_vec(&PlainPayload { text }),
            SecretValue::Basic { username, password } => {
                serde_json::to_vec(&BasicPayload { username, password })
            }
            SecretValue::Bearer { token } => serde_json::to_vec(&BearerPayload { token }),
            SecretValue::OAuth {
                client_id,
                client_secret,
                refresh_token,
            } => serde_json::to_vec(&OAuthPayload {
                client_id,
                client_secret,
                refresh_token: refresh_token.as_ref(),
            }),
        };
        // Serialising strings into a Vec cannot fail.
        Zeroizing::new(json.unwrap_or_default())
    }

    /// A decrypted payload of a secret of `kind`.
    pub fn from_payload(kind: SecretKind, payload: &[u8]) -> Result<SecretValue, PayloadError> {
        let error = |_| PayloadError { kind };
        Ok(match kind {
            SecretKind::Plain => {
                let p: PlainPayload<String> = serde_json::from_slice(payload).map_err(error)?;
                SecretValue::Plain { text: p.text }
            }
            SecretKind::Basic => {
                let p: BasicPayload<String> = serde_json::from_slice(payload).map_err(error)?;
                SecretValue::Basic {
                    username: p.username,
                    password: p.password,
                }
            }
            SecretKind::Bearer => {
                let p: BearerPayload<String> = serde_json::from_slice(payload).map_err(error)?;
                SecretValue::Bearer { token: p.token }
            }
            SecretKind::OAuth => {
                let p: OAuthPayload<String> = serde_json::from_slice(payload).map_err(error)?;
                SecretValue::OAuth {
                    client_id: p.client_id,
                    client_secret: p.client_secret,
                    refresh_token: p.refresh_token,
                }
            }
        })
    }

    /// The parts of the value, labelled, for the reveal.
    pub fn parts(&self) -> Vec<ValuePart<'_>> {
        fn part<'v>(label: &'static str, value: &'v str, multiline: bool) -> ValuePart<'v> {
            ValuePart {
                label,
                value,
                multiline,
            }
        }
        match self {
            SecretValue::Plain { text } => vec![part("Value", text, true)],
            SecretValue::Basic { username, password } => vec![
                part("Username", username, false),
                part("Password", password, false),
            ],
            SecretValue::Bearer { token } => vec![part("Token", token, false)],
            SecretValue::OAuth {
                client_id,
                client_secret,
                refresh_token,
            } => {
                let mut parts = vec![
                    part("Client ID", client_id, false),
                    part("Client secret", client_secret, false),
                ];
                if let Some(token) = refresh_token {
                    parts.push(part("Refresh token", token, false));
                }
                parts
            }
        }
    }
}

/// What the value fields of a secret form hold; every kind's fields, as typed.
#[derive(Default, Clone, Deserialize)]
pub struct SecretValueInput {
    #[serde(default)]
    pub value_text: String,
    #[serde(default)]
    pub value_username: String,
    #[serde(default)]
    pub value_password: String,
    #[serde(default)]
    pub value_token: String,
    #[serde(default)]
    pub value_client_id: String,
    #[serde(default)]
    pub value_client_secret: String,
    #[serde(default)]
    pub value_refresh_token: String,
}

impl Drop for SecretValueInput {
    fn drop(&mut self) {
        self.value_text.zeroize();
        self.value_username.zeroize();
        self.value_password.zeroize();
        self.value_token.zeroize();
        self.value_client_id.zeroize();
        self.value_client_secret.zeroize();
        self.value_refresh_token.zeroize();
    }
}

impl fmt::Debug for SecretValueInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValueInput(<redacted>)")
    }
}

impl SecretValueInput {
    /// The value for `kind` from its fields; the other kinds' fields are ignored. Errors are
    /// keyed by the input names (`value_token`, …).
    pub fn validate(&self, kind: SecretKind) -> Result<SecretValue, FieldErrors> {
        let mut errors = FieldErrors::new();
        let value = match kind {
            SecretKind::Plain => {
                let text = errors.check("value_text", multiline_value(&self.value_text));
                text.map(|text| SecretValue::Plain { text })
            }
            SecretKind::Basic => {
                let username = errors.check(
                    "value_username",
                    line_value(&self.value_username, true, "a username"),
                );
                let password = errors.check(
                    "value_password",
                    line_value(&self.value_password, false, "a password"),
                );
                username
                    .zip(password)
                    .map(|(username, password)| SecretValue::Basic { username, password })
            }
            SecretKind::Bearer => errors
                .check(
                    "value_token",
                    line_value(&self.value_token, true, "the token"),
                )
                .map(|token| SecretValue::Bearer { token }),
            SecretKind::OAuth => {
                let client_id = errors.check(
                    "value_client_id",
                    line_value(&self.value_client_id, true, "the client ID"),
                );
                let client_secret = errors.check(
                    "value_client_secret",
                    line_value(&self.value_client_secret, true, "the client secret"),
                );
                let refresh_token = if self.value_refresh_token.trim().is_empty() {
                    Some(None)
                } else {
                    errors
                        .check(
                            "value_refresh_token",
                            line_value(&self.value_refresh_token, true, "the refresh token"),
                        )
                        .map(Some)
                };
                match (client_id, client_secret, refresh_token) {
                    (Some(client_id), Some(client_secret), Some(refresh_token)) => {
                        Some(SecretValue::OAuth {
                            client_id,
                            client_secret,
                            refresh_token,
                        })
                    }
                    _ => None,
                }
            }
        };
        match value {
            Some(value) if errors.is_empty() => Ok(value),
            _ => Err(errors),
        }
    }
}

/// A single-line value; `trim` drops surrounding spaces (tokens, ids), otherwise it is kept
/// exactly as typed (passwords). Messages never repeat the value or its length.
fn line_value(input: &str, trim: bool, what: &str) -> Result<String, String> {
    let value = if trim { input.trim() } else { input };
    if value.trim().is_empty() {
        return Err(format!("Enter {what}."));
    }
    if value.chars().count() > VALUE_MAX {
        return Err(format!("Too long: at most {VALUE_MAX} characters."));
    }
    if value.chars().any(char::is_control) {
        return Err("Must be one line without control characters.".into());
    }
    Ok(value.to_string())
}

/// A multi-line value, kept exactly as typed.
fn multiline_value(input: &str) -> Result<String, String> {
    if input.trim().is_empty() {
        return Err("Enter the value.".into());
    }
    if input.chars().count() > VALUE_MAX {
        return Err(format!("Too long: at most {VALUE_MAX} characters."));
    }
    if input
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err("Contains control characters; remove them and try again.".into());
    }
    Ok(input.to_string())
}

/// A secret's name and description, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretDetails {
    pub name: String,
    pub description: Option<String>,
}

impl SecretDetails {
    /// Checks name (required, one line, ≤ 200) and description (≤ 2,000); errors keyed
    /// `name` and `description`.
    pub fn validate(name: &str, description: &str) -> Result<SecretDetails, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = match errors.check("name", optional_line(name, NAME_MAX)) {
            Some(Some(name)) => Some(name),
            Some(None) => {
                errors.add("name", "Give the secret a name, e.g. Jira API token.");
                None
            }
            None => None,
        };
        let description = errors.check("description", optional_text(description, DESCRIPTION_MAX));
        match (name, description) {
            (Some(name), Some(description)) if errors.is_empty() => {
                Ok(SecretDetails { name, description })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SecretValueInput {
        SecretValueInput::default()
    }

    #[test]
    fn kinds_round_trip() {
        for kind in SecretKind::ALL {
            assert_eq!(kind.as_str().parse::<SecretKind>(), Ok(kind));
        }
        assert!("ssh".parse::<SecretKind>().is_err());
    }

    #[test]
    fn each_kind_reads_its_own_fields() {
        let mut form = input();
        form.value_text = "line 1\nline 2".into();
        form.value_username = "  ada  ".into();
        form.value_password = " pass word ".into();
        form.value_token = " tok_123 ".into();
        form.value_client_id = "client".into();
        form.value_client_secret = "shh".into();
        assert_eq!(
            form.validate(SecretKind::Plain).unwrap(),
            SecretValue::Plain {
                text: "line 1\nline 2".into()
            }
        );
        assert_eq!(
            form.validate(SecretKind::Basic).unwrap(),
            SecretValue::Basic {
                username: "ada".into(),
                password: " pass word ".into()
            }
        );
        assert_eq!(
            form.validate(SecretKind::Bearer).unwrap(),
            SecretValue::Bearer {
                token: "tok_123".into()
            }
        );
        assert_eq!(
            form.validate(SecretKind::OAuth).unwrap(),
            SecretValue::OAuth {
                client_id: "client".into(),
                client_secret: "shh".into(),
                refresh_token: None
            }
        );
    }

    #[test]
    fn missing_and_bad_values_are_reported_without_the_value() {
        let errors = input().validate(SecretKind::Basic).unwrap_err();
        assert!(errors.has("value_username") && errors.has("value_password"));
        let mut form = input();
        form.value_token = "abc\ndef".into();
        let errors = form.validate(SecretKind::Bearer).unwrap_err();
        assert!(!errors.message("value_token").contains("abc"));
        form.value_token = "x".repeat(VALUE_MAX + 1);
        let errors = form.validate(SecretKind::Bearer).unwrap_err();
        assert!(
            !errors
                .message("value_token")
                .contains(&(VALUE_MAX + 1).to_string())
        );
        let mut oauth = input();
        oauth.value_client_id = "id".into();
        oauth.value_client_secret = "secret".into();
        oauth.value_refresh_token = "bad\u{7}".into();
        assert!(
            oauth
                .validate(SecretKind::OAuth)
                .unwrap_err()
                .has("value_refresh_token")
        );
    }

    #[test]
    fn payloads_round_trip_and_are_json() {
        let values = [
            SecretValue::Plain {
                text: "pin: 1234\n".into(),
            },
            SecretValue::Basic {
                username: "ada".into(),
                password: "p\"w".into(),
            },
            SecretValue::Bearer {
                token: "tok".into(),
            },
            SecretValue::OAuth {
                client_id: "id".into(),
                client_secret: "s".into(),
                refresh_token: Some("r".into()),
            },
        ];
        for value in values {
            let payload = value.to_payload();
            let json: serde_json::Value = serde_json::from_slice(&payload).unwrap();
            assert!(json.is_object());
            assert_eq!(
                SecretValue::from_payload(value.kind(), &payload).unwrap(),
                value
            );
        }
        let basic = SecretValue::Basic {
            username: "u".into(),
            password: "p".into(),
        };
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&basic.to_payload()).unwrap(),
            serde_json::json!({"username": "u", "password": "p"})
        );
        assert!(SecretValue::from_payload(SecretKind::Bearer, &basic.to_payload()).is_err());
    }

    #[test]
    fn debug_never_shows_values() {
        let value = SecretValue::Bearer {
            token: "tok_live_secret".into(),
        };
        assert_eq!(format!("{value:?}"), "SecretValue::bearer(<redacted>)");
        let mut form = input();
        form.value_password = "hunter2".into();
        assert!(!format!("{form:?}").contains("hunter2"));
    }

    #[test]
    fn details_are_validated() {
        assert_eq!(
            SecretDetails::validate("  Jira API token ", ""),
            Ok(SecretDetails {
                name: "Jira API token".into(),
                description: None
            })
        );
        let errors = SecretDetails::validate(" ", &"d".repeat(DESCRIPTION_MAX + 1)).unwrap_err();
        assert!(errors.has("name") && errors.has("description"));
        assert!(SecretDetails::validate("a\nb", "").unwrap_err().has("name"));
    }
}
