//! Intake integrations (email and widget) and their encrypted secrets: the row, and every
//! write, each in one transaction with its audit entry (entity [`ENTITY`]).
//!
//! Credentials are issued here and returned in clear exactly once ([`Credentials`]):
//! - an email integration's **inbound token** (`rpe_…`): only its SHA-256 is stored, like an
//!   API token's; check one with [`verify_inbound_token`];
//! - a widget's **identity secret** (`rpw_…`) and an agent webhook's **signing secret**
//!   (`rph_…`): kept encrypted in `integration_secrets` with the secrets keyring, bound to
//!   `rapport-integration:v1:{id}:{purpose}`; read one back with [`secret`].
//!
//! A webhook secret exists exactly while the integration has a webhook URL: [`update`] issues
//! one when a URL is first set and removes it when the URL is cleared.
//!
//! Audit entries name settings before and after, and secrets only as "issued" /
//! "regenerated" / "removed": never a token or secret.
//!
//! The API (errors: [`IntegrationError`], which converts into `AppError`):
//! - `create(conn, &keyring, kind, &IntegrationDraft, &actor) -> (Integration, Credentials)`
//! - `find(conn, id)`, `list(conn)` (oldest first)
//! - `update(conn, &keyring, id, version, &draft, &actor) -> (Versioned<Integration>, Credentials)`
//! - `set_enabled(conn, id, bool, &actor)`, `delete(conn, id, &actor)` (conversations stay)
//! - `regenerate_inbound_token(conn, id, &actor)`, `regenerate_secret(conn, &keyring, id,
//!   SecretPurpose, &actor)` → the new value in clear
//! - `verify_inbound_token(&row, token) -> bool`; on the row, `smtp_token()` (the secret part
//!   of the SMTP address `<id>+<token>@domain`) and `accepts_smtp_token(token)`;
//!   `secret(conn, &keyring, id, SecretPurpose) -> Result<Option<Zeroizing<String>>, _>`
//! - on the row: `kind()`, `allows_sender(&EmailAddress)`, `admit_sender(&from,
//!   authenticated)` (the allowed-senders list with `require_authentication`), `allows_origin(origin_header)`
//!   (an empty list allows no other site), `ask_name()`/`ask_email()`/`ask_phone()`, `draft()`
//!
//! Settings validation: `domain::integration::IntegrationDraft::validate(kind, &IntegrationInput)`.
//! The keyring is `state.settings.secrets_keyring()`.

use super::audit::{self, Actor, Changes, Subject};
use super::schema::{integration_secrets, integrations};
use super::versioned::Versioned;
use crate::domain::api_token;
use crate::domain::integration::{
    self as rules, AuthservId, FieldRequirement, INBOUND_TOKEN_PREFIX, IntegrationDraft,
    IntegrationKind, Origin, SecretPurpose, SenderAdmission, SenderPattern,
};
use crate::domain::secret_box::{self, IntegrationSecretIdentity, Keyring, Sealed, SecretBoxError};
use crate::domain::{EmailAddress, IntegrationId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use serde_json::{Value, json};
use zeroize::Zeroizing;

/// How the audit trail names these rows.
pub const ENTITY: &str = "integration";

/// Hex characters in the secret part of an SMTP address (80 bits).
const SMTP_TOKEN_CHARS: usize = 20;

/// A stored integration.
#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = integrations)]
pub struct Integration {
    pub id: IntegrationId,
    pub kind: String,
    pub name: String,
    pub enabled: bool,
    pub collect_contacts: bool,
    pub agent_webhook_url: Option<String>,
    /// SHA-256 hex of the inbound token (email only).
    pub inbound_token_hash: Option<String>,
    pub allowed_senders: Vec<String>,
    pub use_reply_to: bool,
    pub allowed_origins: Vec<String>,
    pub ask_name: String,
    pub ask_email: String,
    pub ask_phone: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Email: the authserv-ids whose `Authentication-Results` prove a sender, lower-cased.
    pub trusted_authserv_ids: Vec<String>,
    /// Email: the allowed senders are checked against authenticated From addresses only.
    pub require_authentication: bool,
}

impl Integration {
    /// The kind; anything unexpected (which the CHECK constraint rules out) reads as a widget,
    /// the kind without an inbound token.
    pub fn kind(&self) -> IntegrationKind {
        self.kind.parse().unwrap_or(IntegrationKind::Widget)
    }

    pub fn is_email(&self) -> bool {
        self.kind() == IntegrationKind::Email
    }

    pub fn is_widget(&self) -> bool {
        self.kind() == IntegrationKind::Widget
    }

    /// The stored sender patterns (an empty list allows everyone).
    pub fn sender_patterns(&self) -> Vec<SenderPattern> {
        self.allowed_senders
            .iter()
            .filter_map(|pattern| SenderPattern::parse(pattern).ok())
            .collect()
    }

    /// Whether mail from `address` is accepted (the allowed-senders list; empty = everyone).
    pub fn allows_sender(&self, address: &EmailAddress) -> bool {
        rules::sender_allowed(&self.sender_patterns(), address)
    }

    /// Whether mail from `from` passes the allowed-senders list, given whether a trusted
    /// relay authenticated it (see `domain::integration::admit_sender`).
    pub fn admit_sender(&self, from: &EmailAddress, authenticated: bool) -> SenderAdmission {
        rules::admit_sender(
            &self.sender_patterns(),
            self.require_authentication,
            from,
            authenticated,
        )
    }

    /// The stored trusted authserv-ids (entries that no longer parse are dropped).
    pub fn authserv_ids(&self) -> Vec<AuthservId> {
        self.trusted_authserv_ids
            .iter()
            .filter_map(|id| AuthservId::parse(id).ok())
            .collect()
    }

    /// The stored origins.
    pub fn origins(&self) -> Vec<Origin> {
        self.allowed_origins
            .iter()
            .filter_map(|origin| Origin::parse(origin).ok())
            .collect()
    }

    /// Whether a request's `Origin` header is one of the allowed origins (none allowed when
    /// the list is empty).
    pub fn allows_origin(&self, header: &str) -> bool {
        rules::origin_allowed(&self.origins(), header)
    }

    /// The secret part of this email integration's SMTP address, `<id>+<token>@<domain>`, so
    /// that knowing (or counting up to) an id is not enough to write in. Derived from the
    /// stored hash of the inbound token, with a purpose label of its own: it needs no column,
    /// reveals nothing about the token, and changes when the inbound token is regenerated.
    /// `None` for a widget.
    pub fn smtp_token(&self) -> Option<String> {
        let token_hash = self.inbound_token_hash.as_deref()?;
        let derived = api_token::hash(&format!(
            "rapport-smtp-recipient:v1:{}:{token_hash}",
            self.id
        ));
        Some(derived.chars().take(SMTP_TOKEN_CHARS).collect())
    }

    /// Whether `presented` (the part after `+` of a recipient) is [`Self::smtp_token`]; case
    /// is ignored (some relays change it), the comparison takes constant time.
    pub fn accepts_smtp_token(&self, presented: &str) -> bool {
        self.smtp_token().is_some_and(|expected| {
            rules::constant_time_eq(
                expected.as_bytes(),
                presented.to_ascii_lowercase().as_bytes(),
            )
        })
    }

    pub fn ask_name(&self) -> FieldRequirement {
        self.ask_name.parse().unwrap_or(rules::DEFAULT_ASK_NAME)
    }

    pub fn ask_email(&self) -> FieldRequirement {
        self.ask_email.parse().unwrap_or(rules::DEFAULT_ASK_EMAIL)
    }

    pub fn ask_phone(&self) -> FieldRequirement {
        self.ask_phone.parse().unwrap_or(rules::DEFAULT_ASK_PHONE)
    }

    /// The settings as a draft (what an edit form starts from).
    pub fn draft(&self) -> IntegrationDraft {
        IntegrationDraft {
            name: self.name.clone(),
            collect_contacts: self.collect_contacts,
            agent_webhook_url: self.agent_webhook_url.clone(),
            allowed_senders: self.sender_patterns(),
            use_reply_to: self.use_reply_to,
            trusted_authserv_ids: self.authserv_ids(),
            require_authentication: self.require_authentication,
            allowed_origins: self.origins(),
            ask_name: self.ask_name(),
            ask_email: self.ask_email(),
            ask_phone: self.ask_phone(),
        }
    }

    fn subject(&self) -> Subject<'static> {
        Subject::of_contact(ENTITY, self.id, None)
    }
}

/// Credentials issued by a write, in clear, to be shown once and never again.
#[derive(Default)]
pub struct Credentials {
    /// Email: the inbound token (for the inbound URL's `Authorization: Bearer` or `?token=`).
    pub inbound_token: Option<Zeroizing<String>>,
    /// Widget: the identity-verification secret.
    pub identity_secret: Option<Zeroizing<String>>,
    /// The agent webhook's signing secret.
    pub webhook_secret: Option<Zeroizing<String>>,
}

impl Credentials {
    pub fn is_empty(&self) -> bool {
        self.inbound_token.is_none()
            && self.identity_secret.is_none()
            && self.webhook_secret.is_none()
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("inbound_token", &self.inbound_token.is_some())
            .field("identity_secret", &self.identity_secret.is_some())
            .field("webhook_secret", &self.webhook_secret.is_some())
            .finish()
    }
}

/// Why an integration write failed.
#[derive(Debug, thiserror::Error)]
pub enum IntegrationError {
    /// The operation does not apply to this integration (an inbound token for a widget, a
    /// webhook secret without a webhook URL). Says why.
    #[error("{0}")]
    NotApplicable(&'static str),
    #[error("secrets key: {0}")]
    Crypto(#[from] SecretBoxError),
    #[error("database: {0}")]
    Database(#[from] DieselError),
}

impl From<IntegrationError> for crate::AppError {
    fn from(error: IntegrationError) -> Self {
        match error {
            IntegrationError::NotApplicable(reason) => crate::AppError::Conflict(reason.into()),
            IntegrationError::Crypto(error) => crate::AppError::internal(error),
            IntegrationError::Database(error) => error.into(),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = integrations)]
struct NewIntegration<'a> {
    kind: &'a str,
    name: &'a str,
    collect_contacts: bool,
    agent_webhook_url: Option<&'a str>,
    inbound_token_hash: Option<&'a str>,
    allowed_senders: Vec<String>,
    use_reply_to: bool,
    trusted_authserv_ids: Vec<String>,
    require_authentication: bool,
    allowed_origins: Vec<String>,
    ask_name: &'a str,
    ask_email: &'a str,
    ask_phone: &'a str,
}

#[derive(AsChangeset)]
#[diesel(table_name = integrations, treat_none_as_null = true)]
struct IntegrationChanges<'a> {
    name: &'a str,
    collect_contacts: bool,
    agent_webhook_url: Option<&'a str>,
    allowed_senders: Vec<String>,
    use_reply_to: bool,
    trusted_authserv_ids: Vec<String>,
    require_authentication: bool,
    allowed_origins: Vec<String>,
    ask_name: &'a str,
    ask_email: &'a str,
    ask_phone: &'a str,
}

impl<'a> IntegrationChanges<'a> {
    fn of(draft: &'a IntegrationDraft) -> Self {
        IntegrationChanges {
            name: &draft.name,
            collect_contacts: draft.collect_contacts,
            agent_webhook_url: draft.agent_webhook_url.as_deref(),
            allowed_senders: draft.sender_strings(),
            use_reply_to: draft.use_reply_to,
            trusted_authserv_ids: draft.authserv_id_strings(),
            require_authentication: draft.require_authentication,
            allowed_origins: draft.origin_strings(),
            ask_name: draft.ask_name.as_str(),
            ask_email: draft.ask_email.as_str(),
            ask_phone: draft.ask_phone.as_str(),
        }
    }
}

/// The settings an audit entry compares, kind-specific ones only for that kind.
fn settings_json(kind: IntegrationKind, row: &Integration) -> Vec<(&'static str, Value)> {
    let mut fields = vec![
        ("name", json!(row.name)),
        ("collect_contacts", json!(row.collect_contacts)),
        ("agent_webhook_url", json!(row.agent_webhook_url)),
    ];
    match kind {
        IntegrationKind::Email => {
            fields.push(("allowed_senders", json!(row.allowed_senders)));
            fields.push(("use_reply_to", json!(row.use_reply_to)));
            fields.push(("trusted_authserv_ids", json!(row.trusted_authserv_ids)));
            fields.push(("require_authentication", json!(row.require_authentication)));
        }
        IntegrationKind::Widget => {
            fields.push(("allowed_origins", json!(row.allowed_origins)));
            fields.push(("ask_name", json!(row.ask_name)));
            fields.push(("ask_email", json!(row.ask_email)));
            fields.push(("ask_phone", json!(row.ask_phone)));
        }
    }
    fields
}

/// A new inbound token in clear and its stored hash.
fn new_inbound_token() -> (Zeroizing<String>, String) {
    let token = Zeroizing::new(api_token::generate_with(INBOUND_TOKEN_PREFIX));
    let hash = api_token::hash(&token);
    (token, hash)
}

/// Creates an integration with its credentials and its "create" audit entry, in one
/// transaction. Returns the row and the credentials issued (inbound token for email, identity
/// secret for a widget, webhook secret when a webhook URL is set), shown once.
pub fn create(
    connection: &mut PgConnection,
    keyring: &Keyring,
    kind: IntegrationKind,
    draft: &IntegrationDraft,
    actor: &Actor,
) -> Result<(Integration, Credentials), IntegrationError> {
    let mut credentials = Credentials::default();
    let token_hash = if kind == IntegrationKind::Email {
        let (token, hash) = new_inbound_token();
        credentials.inbound_token = Some(token);
        Some(hash)
    } else {
        None
    };
    let row = connection.transaction(|connection| {
        let changes = IntegrationChanges::of(draft);
        let row = diesel::insert_into(integrations::table)
            .values(NewIntegration {
                kind: kind.as_str(),
                name: changes.name,
                collect_contacts: changes.collect_contacts,
                agent_webhook_url: changes.agent_webhook_url,
                inbound_token_hash: token_hash.as_deref(),
                allowed_senders: changes.allowed_senders,
                use_reply_to: changes.use_reply_to,
                trusted_authserv_ids: changes.trusted_authserv_ids,
                require_authentication: changes.require_authentication,
                allowed_origins: changes.allowed_origins,
                ask_name: changes.ask_name,
                ask_email: changes.ask_email,
                ask_phone: changes.ask_phone,
            })
            .returning(Integration::as_returning())
            .get_result(connection)?;
        let mut audit_changes = Changes::new();
        audit_changes.field("kind", Value::Null, json!(row.kind));
        for (field, value) in settings_json(kind, &row) {
            audit_changes.field(field, Value::Null, value);
        }
        if kind == IntegrationKind::Email {
            audit_changes.field("inbound_token", Value::Null, json!("issued"));
        }
        if kind == IntegrationKind::Widget {
            let secret = store_new_secret(connection, keyring, row.id, SecretPurpose::Identity)?;
            credentials.identity_secret = Some(secret);
            audit_changes.field("identity_secret", Value::Null, json!("issued"));
        }
        if row.agent_webhook_url.is_some() {
            let secret = store_new_secret(connection, keyring, row.id, SecretPurpose::Webhook)?;
            credentials.webhook_secret = Some(secret);
            audit_changes.field("webhook_secret", Value::Null, json!("issued"));
        }
        audit::record(connection, actor, "create", row.subject(), audit_changes)?;
        Ok::<_, IntegrationError>(row)
    })?;
    Ok((row, credentials))
}

pub fn find(connection: &mut PgConnection, id: IntegrationId) -> QueryResult<Integration> {
    integrations::table
        .find(id)
        .select(Integration::as_select())
        .first(connection)
}

/// All integrations, oldest first.
pub fn list(connection: &mut PgConnection) -> QueryResult<Vec<Integration>> {
    integrations::table
        .select(Integration::as_select())
        .order(integrations::id.asc())
        .load(connection)
}

/// Saves new settings if the row is still at `version` (the kind never changes), with an
/// "update" audit entry, in one transaction. A webhook secret is issued (and returned once)
/// when a webhook URL is set where there was none, and removed when the URL is cleared.
pub fn update(
    connection: &mut PgConnection,
    keyring: &Keyring,
    id: IntegrationId,
    version: i32,
    draft: &IntegrationDraft,
    actor: &Actor,
) -> Result<(Versioned<Integration>, Credentials), IntegrationError> {
    connection.transaction(|connection| {
        let mut credentials = Credentials::default();
        let before: Integration = integrations::table
            .find(id)
            .select(Integration::as_select())
            .for_update()
            .first(connection)?;
        if before.version != version {
            return Ok((Versioned::Conflict(before), credentials));
        }
        let kind = before.kind();
        let mut normalised = draft.clone();
        // Settings of the other kind stay at their defaults.
        let defaults = IntegrationDraft::named("");
        match kind {
            IntegrationKind::Email => {
                normalised.allowed_origins = defaults.allowed_origins;
                normalised.ask_name = defaults.ask_name;
                normalised.ask_email = defaults.ask_email;
                normalised.ask_phone = defaults.ask_phone;
            }
            IntegrationKind::Widget => {
                normalised.allowed_senders = defaults.allowed_senders;
                normalised.use_reply_to = defaults.use_reply_to;
                normalised.trusted_authserv_ids = defaults.trusted_authserv_ids;
                normalised.require_authentication = defaults.require_authentication;
            }
        }
        if before.draft() == normalised {
            return Ok((Versioned::Unchanged(before), credentials));
        }
        let after: Integration = diesel::update(integrations::table.find(id))
            .set((
                IntegrationChanges::of(&normalised),
                integrations::version.eq(integrations::version + 1),
            ))
            .returning(Integration::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        for ((field, old), (_, new)) in settings_json(kind, &before)
            .into_iter()
            .zip(settings_json(kind, &after))
        {
            changes.field(field, old, new);
        }
        match (&before.agent_webhook_url, &after.agent_webhook_url) {
            (None, Some(_)) => {
                let secret = store_new_secret(connection, keyring, id, SecretPurpose::Webhook)?;
                credentials.webhook_secret = Some(secret);
                changes.field("webhook_secret", Value::Null, json!("issued"));
            }
            (Some(_), None) => {
                delete_secret(connection, id, SecretPurpose::Webhook)?;
                changes.field("webhook_secret", json!("set"), json!("removed"));
            }
            _ => {}
        }
        audit::record(connection, actor, "update", after.subject(), changes)?;
        Ok((Versioned::Saved(after), credentials))
    })
}

/// How many conversations came through this integration (the delete confirmation says they
/// stay).
pub fn conversation_count(connection: &mut PgConnection, id: IntegrationId) -> QueryResult<i64> {
    use super::schema::conversations;
    conversations::table
        .filter(conversations::integration_id.eq(id))
        .count()
        .get_result(connection)
}

/// Turns an integration on or off, with an audit entry when it changes. Disabled
/// integrations refuse everything they are sent.
pub fn set_enabled(
    connection: &mut PgConnection,
    id: IntegrationId,
    enabled: bool,
    actor: &Actor,
) -> QueryResult<Integration> {
    connection.transaction(|connection| {
        let before = find(connection, id)?;
        if before.enabled == enabled {
            return Ok(before);
        }
        let after: Integration = diesel::update(integrations::table.find(id))
            .set((
                integrations::enabled.eq(enabled),
                integrations::version.eq(integrations::version + 1),
            ))
            .returning(Integration::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes.context("name", json!(after.name)).field(
            "enabled",
            json!(before.enabled),
            json!(after.enabled),
        );
        let action = if enabled { "enable" } else { "disable" };
        audit::record(connection, actor, action, after.subject(), changes)?;
        Ok(after)
    })
}

/// Deletes an integration and its secrets, with a "delete" audit entry. Its conversations
/// stay, detached (`integration_id` set to NULL). Returns the deleted row.
pub fn delete(
    connection: &mut PgConnection,
    id: IntegrationId,
    actor: &Actor,
) -> QueryResult<Integration> {
    connection.transaction(|connection| {
        let row: Integration = diesel::delete(integrations::table.find(id))
            .returning(Integration::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes.field("kind", json!(row.kind), Value::Null);
        for (field, value) in settings_json(row.kind(), &row) {
            changes.field(field, value, Value::Null);
        }
        audit::record(connection, actor, "delete", row.subject(), changes)?;
        Ok(row)
    })
}

/// Issues a new inbound token for an email integration (the old one stops working at once),
/// with an audit entry. Returns the token in clear, once.
pub fn regenerate_inbound_token(
    connection: &mut PgConnection,
    id: IntegrationId,
    actor: &Actor,
) -> Result<Zeroizing<String>, IntegrationError> {
    connection.transaction(|connection| {
        let row = find(connection, id)?;
        if !row.is_email() {
            return Err(IntegrationError::NotApplicable(
                "Only email integrations have an inbound token.",
            ));
        }
        let (token, hash) = new_inbound_token();
        let row: Integration = diesel::update(integrations::table.find(id))
            .set(integrations::inbound_token_hash.eq(&hash))
            .returning(Integration::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes.context("name", json!(row.name)).field(
            "inbound_token",
            json!("set"),
            json!("regenerated"),
        );
        audit::record(connection, actor, "regenerate", row.subject(), changes)?;
        Ok(token)
    })
}

/// Issues a new secret of `purpose` (a widget's identity secret; the webhook secret of an
/// integration with a webhook URL), replacing the old one, with an audit entry. Returns the
/// secret in clear, once.
pub fn regenerate_secret(
    connection: &mut PgConnection,
    keyring: &Keyring,
    id: IntegrationId,
    purpose: SecretPurpose,
    actor: &Actor,
) -> Result<Zeroizing<String>, IntegrationError> {
    connection.transaction(|connection| {
        let row = find(connection, id)?;
        match purpose {
            SecretPurpose::Identity if !row.is_widget() => {
                return Err(IntegrationError::NotApplicable(
                    "Only widgets have an identity secret.",
                ));
            }
            SecretPurpose::Webhook if row.agent_webhook_url.is_none() => {
                return Err(IntegrationError::NotApplicable(
                    "This integration has no agent webhook; set its URL first.",
                ));
            }
            _ => {}
        }
        let secret = store_new_secret(connection, keyring, id, purpose)?;
        let mut changes = Changes::new();
        changes.context("name", json!(row.name)).field(
            &format!("{}_secret", purpose.as_str()),
            json!("set"),
            json!("regenerated"),
        );
        audit::record(connection, actor, "regenerate", row.subject(), changes)?;
        Ok(secret)
    })
}

/// Whether `token` is this email integration's inbound token. Compares the hashes in
/// constant time; a widget (no token) never matches.
pub fn verify_inbound_token(row: &Integration, token: &str) -> bool {
    let Some(stored) = &row.inbound_token_hash else {
        return false;
    };
    let presented = api_token::hash(token);
    rules::constant_time_eq(stored.as_bytes(), presented.as_bytes())
}

/// The secret of `purpose` in clear, or `None` when the integration has none (no webhook
/// URL, not a widget, or no such integration).
pub fn secret(
    connection: &mut PgConnection,
    keyring: &Keyring,
    id: IntegrationId,
    purpose: SecretPurpose,
) -> Result<Option<Zeroizing<String>>, IntegrationError> {
    let Some(stored) = integration_secrets::table
        .find((id, purpose.as_str()))
        .select(IntegrationSecret::as_select())
        .first(connection)
        .optional()?
    else {
        return Ok(None);
    };
    let plain = secret_box::open(keyring, stored.identity(), &stored.sealed())?;
    let text = String::from_utf8(plain.to_vec()).map_err(|_| SecretBoxError::Tampered {
        key_id: stored.key_id.clone(),
    })?;
    Ok(Some(Zeroizing::new(text)))
}

/// A stored, encrypted integration secret (used by key rotation).
#[derive(Queryable, Selectable, Clone)]
#[diesel(table_name = integration_secrets)]
pub struct IntegrationSecret {
    pub integration_id: IntegrationId,
    pub purpose: String,
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub key_id: String,
}

impl std::fmt::Debug for IntegrationSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntegrationSecret")
            .field("integration_id", &self.integration_id)
            .field("purpose", &self.purpose)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl IntegrationSecret {
    /// What the ciphertext is bound to.
    pub fn identity(&self) -> IntegrationSecretIdentity<'_> {
        IntegrationSecretIdentity {
            integration_id: self.integration_id,
            purpose: &self.purpose,
        }
    }

    pub fn sealed(&self) -> Sealed {
        Sealed {
            ciphertext: self.ciphertext.clone(),
            nonce: self.nonce.clone(),
            key_id: self.key_id.clone(),
        }
    }
}

/// Generates a secret of `purpose`, stores it sealed (replacing any previous one) and
/// returns it in clear.
fn store_new_secret(
    connection: &mut PgConnection,
    keyring: &Keyring,
    id: IntegrationId,
    purpose: SecretPurpose,
) -> Result<Zeroizing<String>, IntegrationError> {
    let secret = Zeroizing::new(api_token::generate_with(purpose.prefix()));
    let identity = IntegrationSecretIdentity {
        integration_id: id,
        purpose: purpose.as_str(),
    };
    let sealed = secret_box::seal(keyring.primary(), identity, secret.as_bytes())?;
    diesel::insert_into(integration_secrets::table)
        .values((
            integration_secrets::integration_id.eq(id),
            integration_secrets::purpose.eq(purpose.as_str()),
            integration_secrets::ciphertext.eq(&sealed.ciphertext),
            integration_secrets::nonce.eq(&sealed.nonce),
            integration_secrets::key_id.eq(&sealed.key_id),
        ))
        .on_conflict((
            integration_secrets::integration_id,
            integration_secrets::purpose,
        ))
        .do_update()
        .set((
            integration_secrets::ciphertext.eq(&sealed.ciphertext),
            integration_secrets::nonce.eq(&sealed.nonce),
            integration_secrets::key_id.eq(&sealed.key_id),
        ))
        .execute(connection)?;
    Ok(secret)
}

fn delete_secret(
    connection: &mut PgConnection,
    id: IntegrationId,
    purpose: SecretPurpose,
) -> QueryResult<usize> {
    diesel::delete(integration_secrets::table.find((id, purpose.as_str()))).execute(connection)
}
