//! Settings from environment variables (DESIGN.md §8), validated once at start.
//!
//! Every missing or malformed value becomes one [`ConfigError`] line naming the variable.
//! Reading goes through a lookup function so the rules are unit-tested without touching the
//! process environment.

use crate::domain::PhoneRegion;
use crate::domain::secret_box::{Keyring, SecretBoxError};
use crate::intake::webhook::settings::WebhookSettings;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use rand::RngCore;
use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zeroize::Zeroizing;

pub const SESSION_KEY_BYTES: usize = 64;
pub const SECRETS_KEY_BYTES: usize = 32;
/// The secrets key in the data directory, when `RAPPORT_SECRETS_KEY` is not set.
pub const SECRETS_KEY_FILE: &str = "secrets.key";
/// The next secrets key, written by `rapport secrets rotate-key` before its database commit.
pub const SECRETS_KEY_NEW_FILE: &str = "secrets.key.new";
/// The key a completed rotation replaced, kept for backups taken before it.
pub const SECRETS_KEY_OLD_FILE: &str = "secrets.key.old";
const DEFAULT_BIND: &str = "127.0.0.1:8080";
const DEFAULT_DATA_DIR: &str = ".rapport";
const DEFAULT_API_RATE_LIMIT: u32 = 600;
const DEFAULT_UPLOAD_LIMIT: usize = 25 * 1024 * 1024;
/// The largest file a contact import reads: 100 MiB.
pub const DEFAULT_IMPORT_MAX_BYTES: u64 = 100 * 1024 * 1024;
const DEFAULT_EMAIL_MAX_BYTES: usize = crate::intake::email::parse::DEFAULT_MAX_BYTES;
const DEFAULT_SLOW_REQUEST: Duration = Duration::from_millis(500);
const DEFAULT_TRASH_RETENTION: chrono::Duration = chrono::Duration::days(30);
/// Long enough for any page or API query at a million contacts, short enough that a stuck
/// one gives its pool connection back.
const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_millis(5000);

/// A configuration problem, printed as one line: `RAPPORT_SESSION_KEY: must be ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.problem)
    }
}

impl std::error::Error for ConfigError {}

fn problem(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

/// Everything the server needs to run.
#[derive(Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    pub data_dir: PathBuf,
    /// Signs and encrypts session cookies (64 bytes).
    pub session_key: Vec<u8>,
    /// Encrypts contact secrets (32 bytes).
    pub secrets_key: Vec<u8>,
    /// Older secrets keys that are only decrypted with (see [`SecretsKeys::older`]).
    pub secrets_older_keys: Vec<Vec<u8>>,
    pub phone_region: PhoneRegion,
    /// Marks the session cookie `Secure`; on by default, off for plain-http local use.
    pub cookie_secure: bool,
    pub db_pool_size: u32,
    /// `RAPPORT_STATEMENT_TIMEOUT_MS`: PostgreSQL cancels a statement of a pooled connection
    /// that runs longer, so one slow query cannot hold a connection (the request gets 503).
    pub statement_timeout: Duration,
    pub upload_limit_bytes: usize,
    /// `RAPPORT_IMPORT_MAX_BYTES`: the largest file a contact import accepts.
    pub import_max_bytes: u64,
    /// API requests a token may make per minute (per server process).
    pub api_requests_per_minute: u32,
    /// `RAPPORT_PUBLIC_URL`: where the world reaches this server (`https://rapport.example.com`,
    /// no trailing slash), for the inbound URLs and embed snippets shown in the integration
    /// settings. `None`: taken from each request's scheme and host.
    pub public_url: Option<String>,
    /// The agent webhook's retry schedule and email reply relay.
    pub webhook: WebhookSettings,
    /// Email intake: the largest message accepted, over HTTP and SMTP alike.
    pub email_max_bytes: usize,
    /// Email intake: where the SMTP listener accepts mail; no listener when `None`.
    pub smtp_bind: Option<String>,
    /// Email intake: the domain of the listener's addresses, `<integration id>+<token>@<domain>`.
    pub smtp_domain: Option<String>,
    /// Email intake: the SMTP listener's limits per client and session, and the relays
    /// trusted with the plain `<integration id>@<domain>` form (`RAPPORT_SMTP_MAX_*`,
    /// `RAPPORT_SMTP_*_TIMEOUT_SECONDS`, `RAPPORT_SMTP_RELAYS`).
    pub smtp_limits: crate::intake::email::smtp_limits::SmtpLimits,
    /// `RAPPORT_EMAIL_QUERY_TOKEN`: also accept an email integration's inbound token as
    /// `?token=` (a compatibility switch for providers that cannot set headers; off, because
    /// URLs end up in access logs).
    pub email_query_token: bool,
    /// The website widget's session lifetime and rate limits (`RAPPORT_WIDGET_*`).
    pub widget: crate::intake::widget::settings::WidgetSettings,
    /// `RAPPORT_SLOW_REQUEST_MS`: a request that takes longer is logged at warn with its route.
    pub slow_request: Duration,
    /// How long staff sessions last (`RAPPORT_SESSION_*`).
    pub sessions: crate::web::session::SessionSettings,
    /// `RAPPORT_TRASH_DAYS`: how long a deleted contact stays in Trash before it is purged.
    pub trash_retention: chrono::Duration,
}

impl fmt::Debug for Settings {
    // Keys never reach logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("phone_region", &self.phone_region)
            .field("cookie_secure", &self.cookie_secure)
            .field("db_pool_size", &self.db_pool_size)
            .field("statement_timeout", &self.statement_timeout)
            .field("webhook", &self.webhook)
            .field("email_max_bytes", &self.email_max_bytes)
            .field("smtp_bind", &self.smtp_bind)
            .field("smtp_domain", &self.smtp_domain)
            .field("smtp_limits", &self.smtp_limits)
            .field("slow_request", &self.slow_request)
            .field("sessions", &self.sessions)
            .field("trash_retention", &self.trash_retention)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Reads settings for `serve`. Keys not given in the environment are loaded from, or
    /// generated into, the data directory; `on_key_generated` is told about each new file.
    pub fn from_env(
        lookup: impl Fn(&str) -> Option<String>,
        bind_override: Option<String>,
        mut on_key_generated: impl FnMut(&Path),
    ) -> Result<Settings, ConfigError> {
        let database_url = database_url(&lookup)?;
        let data_dir = data_dir(&lookup);
        let bind = bind_override
            .or_else(|| non_empty(&lookup, "RAPPORT_BIND"))
            .unwrap_or_else(|| DEFAULT_BIND.into());
        if bind.parse::<std::net::SocketAddr>().is_err() && !bind.contains(':') {
            return Err(problem(
                "RAPPORT_BIND",
                format!("\"{bind}\" is not an address like 127.0.0.1:8080"),
            ));
        }
        let session_key = key(
            &lookup,
            "RAPPORT_SESSION_KEY",
            SESSION_KEY_BYTES,
            &data_dir,
            "session.key",
            &mut on_key_generated,
        )?;
        let secrets = secrets_keys(&lookup, &data_dir, &mut on_key_generated)?;
        let phone_region = phone_region(&lookup)?;
        let cookie_secure = match non_empty(&lookup, "RAPPORT_COOKIE_SECURE") {
            None => true,
            Some(value) => parse_bool(&value).ok_or_else(|| {
                problem(
                    "RAPPORT_COOKIE_SECURE",
                    format!("\"{value}\" is not true or false"),
                )
            })?,
        };
        // The casts below cannot truncate: each range fits the target type.
        let db_pool_size =
            bounded_number(&lookup, "RAPPORT_DB_POOL_SIZE", 1..=200, "")?.map_or(10, |n| n as u32);
        let statement_timeout = bounded_number(
            &lookup,
            "RAPPORT_STATEMENT_TIMEOUT_MS",
            1..=3_600_000,
            MILLISECONDS,
        )?
        .map_or(DEFAULT_STATEMENT_TIMEOUT, Duration::from_millis);
        let upload_limit_bytes =
            bounded_number(&lookup, "RAPPORT_UPLOAD_LIMIT_MB", 1..=4096, " of MiB")?
                .map_or(DEFAULT_UPLOAD_LIMIT, |mb| mb as usize * 1024 * 1024);
        let import_max_bytes = import_max_bytes(&lookup)?;
        let api_requests_per_minute = bounded_number(
            &lookup,
            "RAPPORT_API_RATE_LIMIT",
            1..=1_000_000,
            " of requests per minute",
        )?
        .map_or(DEFAULT_API_RATE_LIMIT, |n| n as u32);
        let slow_request = bounded_number(
            &lookup,
            "RAPPORT_SLOW_REQUEST_MS",
            1..=3_600_000,
            MILLISECONDS,
        )?
        .map_or(DEFAULT_SLOW_REQUEST, Duration::from_millis);
        let trash_retention = trash_retention(&lookup)?;
        let webhook = WebhookSettings::from_env(&lookup)?;
        let email = email_settings(&lookup)?;
        let smtp_limits = crate::intake::email::smtp_limits::SmtpLimits::from_env(&lookup)?;
        let mut widget = crate::intake::widget::settings::WidgetSettings::from_env(&lookup)?;
        widget.client_ip_header = client_ip_header(&lookup, widget.client_ip_header)?;
        let sessions = crate::web::session::SessionSettings::from_env(&lookup)?;
        Ok(Settings {
            database_url,
            bind,
            data_dir,
            session_key,
            secrets_key: secrets.primary.to_vec(),
            secrets_older_keys: secrets.older.iter().map(|key| key.to_vec()).collect(),
            phone_region,
            cookie_secure,
            db_pool_size,
            statement_timeout,
            upload_limit_bytes,
            import_max_bytes,
            api_requests_per_minute,
            public_url: public_url(&lookup)?,
            webhook,
            email_max_bytes: email.max_bytes,
            smtp_bind: email.smtp_bind,
            smtp_domain: email.smtp_domain,
            smtp_limits,
            email_query_token: email.query_token,
            widget,
            slow_request,
            sessions,
            trash_retention,
        })
    }

    /// The keys that encrypt and decrypt contact secrets.
    pub fn secrets_keyring(&self) -> Result<Keyring, SecretBoxError> {
        Keyring::from_bytes(&self.secrets_key, &self.secrets_older_keys)
    }

    /// The header in which a trusted reverse proxy names the client's address
    /// (`RAPPORT_CLIENT_IP_HEADER`), for every per-address limit: sign-in throttling and the
    /// widget's. Kept in the widget's settings, which read it first.
    pub fn client_ip_header(&self) -> Option<&str> {
        self.widget.client_ip_header.as_deref()
    }

    /// Settings for a process that talks to the given database with fresh random keys and
    /// defaults everywhere else; used by the tests and the benchmark.
    pub fn with_database(database_url: impl Into<String>) -> Settings {
        Settings {
            database_url: database_url.into(),
            bind: DEFAULT_BIND.into(),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            session_key: random_bytes(SESSION_KEY_BYTES),
            secrets_key: random_bytes(SECRETS_KEY_BYTES),
            secrets_older_keys: Vec::new(),
            phone_region: PhoneRegion::default(),
            cookie_secure: false,
            db_pool_size: 5,
            statement_timeout: DEFAULT_STATEMENT_TIMEOUT,
            upload_limit_bytes: DEFAULT_UPLOAD_LIMIT,
            import_max_bytes: DEFAULT_IMPORT_MAX_BYTES,
            api_requests_per_minute: DEFAULT_API_RATE_LIMIT,
            public_url: None,
            webhook: WebhookSettings::default(),
            email_max_bytes: DEFAULT_EMAIL_MAX_BYTES,
            smtp_bind: None,
            smtp_domain: None,
            smtp_limits: crate::intake::email::smtp_limits::SmtpLimits::default(),
            email_query_token: false,
            widget: crate::intake::widget::settings::WidgetSettings::default(),
            slow_request: DEFAULT_SLOW_REQUEST,
            sessions: crate::web::session::SessionSettings::default(),
            trash_retention: DEFAULT_TRASH_RETENTION,
        }
    }
}

/// `RAPPORT_CLIENT_IP_HEADER`, or its older name `RAPPORT_WIDGET_IP_HEADER` (read by the
/// widget's settings as `widget`; from the days only the widget used it). Both set must agree.
fn client_ip_header(
    lookup: &impl Fn(&str) -> Option<String>,
    widget: Option<String>,
) -> Result<Option<String>, ConfigError> {
    match (non_empty(lookup, "RAPPORT_CLIENT_IP_HEADER"), widget) {
        (Some(general), Some(old)) if !general.eq_ignore_ascii_case(&old) => Err(problem(
            "RAPPORT_CLIENT_IP_HEADER",
            format!(
                "\"{general}\" differs from RAPPORT_WIDGET_IP_HEADER \"{old}\" (its older name); set only one"
            ),
        )),
        (Some(general), _) => Ok(Some(general)),
        (None, old) => Ok(old),
    }
}

/// The unit [`bounded_number`] names for the millisecond settings (`RAPPORT_SLOW_REQUEST_MS`,
/// `RAPPORT_STATEMENT_TIMEOUT_MS`: 1 ms to an hour; PostgreSQL's 0, "no limit", is refused
/// for the statement timeout because the point is that every pooled statement has one).
const MILLISECONDS: &str = " of milliseconds";

/// `RAPPORT_TRASH_DAYS`: 1 to 3650 days; default 30. Read by `serve` and by the commands that
/// run jobs.
pub fn trash_retention(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<chrono::Duration, ConfigError> {
    Ok(
        bounded_number(lookup, "RAPPORT_TRASH_DAYS", 1..=3650, " of days")?
            .map_or(DEFAULT_TRASH_RETENTION, |days| {
                chrono::Duration::days(days as i64)
            }),
    )
}

/// `RAPPORT_IMPORT_MAX_BYTES`: bytes, 1 to 16 GiB; default 100 MiB. Read by `serve` and by
/// `rapport import`.
pub fn import_max_bytes(lookup: &impl Fn(&str) -> Option<String>) -> Result<u64, ConfigError> {
    const CEILING: u64 = 16 * 1024 * 1024 * 1024;
    let Some(value) = non_empty(lookup, "RAPPORT_IMPORT_MAX_BYTES") else {
        return Ok(DEFAULT_IMPORT_MAX_BYTES);
    };
    value
        .parse::<u64>()
        .ok()
        .filter(|n| (1..=CEILING).contains(n))
        .ok_or_else(|| {
            problem(
                "RAPPORT_IMPORT_MAX_BYTES",
                format!("\"{value}\" is not a number of bytes from 1 to {CEILING}"),
            )
        })
}

/// `RAPPORT_PHONE_REGION`: a two-letter region; default US. Read by `serve` and by
/// `rapport import`.
pub fn phone_region(lookup: &impl Fn(&str) -> Option<String>) -> Result<PhoneRegion, ConfigError> {
    match non_empty(lookup, "RAPPORT_PHONE_REGION") {
        None => Ok(PhoneRegion::default()),
        Some(value) => value
            .parse()
            .map_err(|e| problem("RAPPORT_PHONE_REGION", e)),
    }
}

/// A whole-number setting within `range`, `None` when unset. The refusal reads "is not a
/// number{unit} from {min} to {max}".
fn bounded_number(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    range: std::ops::RangeInclusive<u64>,
    unit: &str,
) -> Result<Option<u64>, ConfigError> {
    let Some(value) = non_empty(lookup, name) else {
        return Ok(None);
    };
    match value.parse::<u64>() {
        Ok(number) if range.contains(&number) => Ok(Some(number)),
        _ => Err(problem(
            name,
            format!(
                "\"{value}\" is not a number{unit} from {} to {}",
                range.start(),
                range.end()
            ),
        )),
    }
}

/// `RAPPORT_PUBLIC_URL`: an http(s) URL (a path prefix is allowed), kept without its trailing
/// slash; unset means "from the request".
pub fn public_url(lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<String>, ConfigError> {
    let Some(value) = non_empty(lookup, "RAPPORT_PUBLIC_URL") else {
        return Ok(None);
    };
    let bad = || {
        problem(
            "RAPPORT_PUBLIC_URL",
            format!("\"{value}\" is not a URL like https://rapport.example.com"),
        )
    };
    let url = url::Url::parse(&value).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none_or(str::is_empty)
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(bad());
    }
    Ok(Some(url.as_str().trim_end_matches('/').to_string()))
}

/// The email intake's settings (read together: the SMTP listener needs both of its values).
struct EmailSettings {
    max_bytes: usize,
    smtp_bind: Option<String>,
    smtp_domain: Option<String>,
    query_token: bool,
}

/// `RAPPORT_EMAIL_MAX_BYTES` (default 25 MiB), `RAPPORT_SMTP_BIND` and `RAPPORT_SMTP_DOMAIN`
/// (both or neither), `RAPPORT_EMAIL_QUERY_TOKEN` (default false).
fn email_settings(lookup: &impl Fn(&str) -> Option<String>) -> Result<EmailSettings, ConfigError> {
    const MAX_BYTES_CEILING: usize = 1024 * 1024 * 1024;
    let max_bytes = match non_empty(lookup, "RAPPORT_EMAIL_MAX_BYTES") {
        None => DEFAULT_EMAIL_MAX_BYTES,
        Some(value) => value
            .parse::<usize>()
            .ok()
            .filter(|n| (1024..=MAX_BYTES_CEILING).contains(n))
            .ok_or_else(|| {
                problem(
                    "RAPPORT_EMAIL_MAX_BYTES",
                    format!(
                        "\"{value}\" is not a number of bytes from 1024 to {MAX_BYTES_CEILING}"
                    ),
                )
            })?,
    };
    let smtp_bind = non_empty(lookup, "RAPPORT_SMTP_BIND");
    if let Some(bind) = &smtp_bind
        && bind.parse::<std::net::SocketAddr>().is_err()
    {
        return Err(problem(
            "RAPPORT_SMTP_BIND",
            format!("\"{bind}\" is not an address like 127.0.0.1:2525"),
        ));
    }
    let smtp_domain = non_empty(lookup, "RAPPORT_SMTP_DOMAIN")
        .map(|domain| {
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            let valid = !domain.is_empty()
                && domain.len() <= 253
                && domain.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if valid {
                Ok(domain)
            } else {
                Err(problem(
                    "RAPPORT_SMTP_DOMAIN",
                    format!("\"{domain}\" is not a domain name like mail.example.com"),
                ))
            }
        })
        .transpose()?;
    if smtp_bind.is_some() && smtp_domain.is_none() {
        return Err(problem(
            "RAPPORT_SMTP_DOMAIN",
            "is required with RAPPORT_SMTP_BIND: the listener accepts mail for <integration id>+<token>@<this domain>",
        ));
    }
    let query_token = match non_empty(lookup, "RAPPORT_EMAIL_QUERY_TOKEN") {
        None => false,
        Some(value) => parse_bool(&value).ok_or_else(|| {
            problem(
                "RAPPORT_EMAIL_QUERY_TOKEN",
                format!("\"{value}\" is not true or false"),
            )
        })?,
    };
    Ok(EmailSettings {
        max_bytes,
        smtp_bind,
        smtp_domain,
        query_token,
    })
}

/// `RAPPORT_DATA_DIR`, or `./.rapport`: where keys, the local database and space files live.
pub fn data_dir(lookup: &impl Fn(&str) -> Option<String>) -> PathBuf {
    PathBuf::from(non_empty(lookup, "RAPPORT_DATA_DIR").unwrap_or_else(|| DEFAULT_DATA_DIR.into()))
}

/// Where the secrets key came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretsKeySource {
    /// `RAPPORT_SECRETS_KEY`.
    Environment,
    /// `secrets.key` in the data directory (read, or generated just now).
    DataDir,
}

/// The secrets keys of this installation, read the way `serve` reads them.
pub struct SecretsKeys {
    /// Encrypts new values (and decrypts).
    pub primary: Zeroizing<Vec<u8>>,
    /// Only decrypt: `RAPPORT_SECRETS_PREVIOUS_KEY` when the key comes from the environment;
    /// `secrets.key.new` and `secrets.key.old` when it comes from the data directory, so values
    /// stay readable whatever moment a key rotation was interrupted at.
    pub older: Vec<Zeroizing<Vec<u8>>>,
    pub source: SecretsKeySource,
}

impl fmt::Debug for SecretsKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretsKeys")
            .field("source", &self.source)
            .field("older", &self.older.len())
            .finish_non_exhaustive()
    }
}

/// Reads the secrets keys exactly as `serve` does: `RAPPORT_SECRETS_KEY` (with an optional
/// `RAPPORT_SECRETS_PREVIOUS_KEY`), else `data_dir/secrets.key` (generated there if missing,
/// reported through `on_key_generated`) with the rotation files beside it.
pub fn secrets_keys(
    lookup: &impl Fn(&str) -> Option<String>,
    data_dir: &Path,
    on_key_generated: &mut impl FnMut(&Path),
) -> Result<SecretsKeys, ConfigError> {
    if non_empty(lookup, "RAPPORT_SECRETS_KEY").is_some() {
        let primary = key(
            lookup,
            "RAPPORT_SECRETS_KEY",
            SECRETS_KEY_BYTES,
            data_dir,
            SECRETS_KEY_FILE,
            on_key_generated,
        )?;
        let older = match non_empty(lookup, "RAPPORT_SECRETS_PREVIOUS_KEY") {
            Some(encoded) => vec![Zeroizing::new(decode_key(
                "RAPPORT_SECRETS_PREVIOUS_KEY",
                &encoded,
                SECRETS_KEY_BYTES,
            )?)],
            None => Vec::new(),
        };
        return Ok(SecretsKeys {
            primary: Zeroizing::new(primary),
            older,
            source: SecretsKeySource::Environment,
        });
    }
    let primary = key(
        lookup,
        "RAPPORT_SECRETS_KEY",
        SECRETS_KEY_BYTES,
        data_dir,
        SECRETS_KEY_FILE,
        on_key_generated,
    )?;
    let mut older = Vec::new();
    for file in [SECRETS_KEY_NEW_FILE, SECRETS_KEY_OLD_FILE] {
        if let Some(bytes) = read_key_file(&data_dir.join(file))? {
            older.push(bytes);
        }
    }
    Ok(SecretsKeys {
        primary: Zeroizing::new(primary),
        older,
        source: SecretsKeySource::DataDir,
    })
}

/// A secrets key file (base64), or `None` when it does not exist.
pub fn read_key_file(path: &Path) -> Result<Option<Zeroizing<Vec<u8>>>, ConfigError> {
    match fs::read_to_string(path) {
        Ok(encoded) => {
            let encoded = Zeroizing::new(encoded);
            decode_key("RAPPORT_SECRETS_KEY", &encoded, SECRETS_KEY_BYTES)
                .map(|bytes| Some(Zeroizing::new(bytes)))
                .map_err(|e| ConfigError {
                    variable: "RAPPORT_SECRETS_KEY",
                    problem: format!("{} is damaged: {}", path.display(), e.problem),
                })
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(problem(
            "RAPPORT_SECRETS_KEY",
            format!("{} could not be read: {error}", path.display()),
        )),
    }
}

/// `DATABASE_URL`, required by every command that touches the database.
pub fn database_url(lookup: &impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let url = non_empty(lookup, "DATABASE_URL").ok_or_else(|| {
        problem("DATABASE_URL", "is not set; point it at PostgreSQL (postgres://user:pass@host/db), or start Rapport with ./scripts/run, which sets up a local database")
    })?;
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(problem(
            "DATABASE_URL",
            "must start with postgres:// or postgresql://",
        ));
    }
    Ok(url)
}

/// The process environment as a lookup function.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn non_empty(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn random_bytes(count: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; count];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

fn decode_key(
    variable: &'static str,
    encoded: &str,
    expected: usize,
) -> Result<Vec<u8>, ConfigError> {
    let bytes = BASE64.decode(encoded.trim()).map_err(|_| {
        problem(
            variable,
            format!("must be base64 of {expected} random bytes (it is not valid base64)"),
        )
    })?;
    if bytes.len() != expected {
        return Err(problem(
            variable,
            format!(
                "must be base64 of {expected} random bytes (it decodes to {} bytes); generate one with: openssl rand -base64 {expected}",
                bytes.len()
            ),
        ));
    }
    Ok(bytes)
}

/// A key from the environment, else from `data_dir/file`, else newly generated into that file
/// (mode 0600).
fn key(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    length: usize,
    data_dir: &Path,
    file: &str,
    on_key_generated: &mut impl FnMut(&Path),
) -> Result<Vec<u8>, ConfigError> {
    if let Some(encoded) = non_empty(lookup, variable) {
        return decode_key(variable, &encoded, length);
    }
    let path = data_dir.join(file);
    match fs::read_to_string(&path) {
        Ok(encoded) => decode_key(variable, &encoded, length).map_err(|e| ConfigError {
            variable,
            problem: format!("not set, and {} is damaged: {}", path.display(), e.problem),
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let bytes = random_bytes(length);
            write_private_file(&path, &BASE64.encode(&bytes)).map_err(|error| {
                problem(
                    variable,
                    format!(
                        "not set, and {} could not be written: {error}",
                        path.display()
                    ),
                )
            })?;
            on_key_generated(&path);
            Ok(bytes)
        }
        Err(error) => Err(problem(
            variable,
            format!("not set, and {} could not be read: {error}", path.display()),
        )),
    }
}

fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("rapport-config-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn env(pairs: &[(&str, String)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn the_public_url_is_an_http_url_without_trailing_slash() {
        let read = |value: &str| public_url(&env(&[("RAPPORT_PUBLIC_URL", value.to_string())]));
        assert_eq!(read(""), Ok(None));
        assert_eq!(
            read("https://Rapport.example.com/"),
            Ok(Some("https://rapport.example.com".into()))
        );
        assert_eq!(
            read("http://10.0.0.5:8080/rapport/"),
            Ok(Some("http://10.0.0.5:8080/rapport".into()))
        );
        for bad in ["rapport.example.com", "ftp://x.org", "https://x.org/?a=1"] {
            let error = read(bad).unwrap_err();
            assert_eq!(error.variable, "RAPPORT_PUBLIC_URL", "{bad}");
        }
    }

    #[test]
    fn missing_database_url_names_the_variable() {
        let error = Settings::from_env(env(&[]), None, |_| {}).unwrap_err();
        assert_eq!(error.variable, "DATABASE_URL");
        assert!(error.to_string().starts_with("DATABASE_URL: "));
    }

    #[test]
    fn keys_are_generated_once_then_reused() {
        let dir = temp_dir("keys");
        let vars = [
            ("DATABASE_URL", "postgres://localhost/x".to_string()),
            ("RAPPORT_DATA_DIR", dir.display().to_string()),
        ];
        let mut generated = Vec::new();
        let first =
            Settings::from_env(env(&vars), None, |p| generated.push(p.to_path_buf())).unwrap();
        assert_eq!(generated.len(), 2);
        assert_eq!(first.session_key.len(), 64);
        assert_eq!(first.secrets_key.len(), 32);
        let mode = fs::metadata(dir.join("session.key")).unwrap().permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o600
        );
        let second = Settings::from_env(env(&vars), None, |_| panic!("regenerated")).unwrap();
        assert_eq!(first.session_key, second.session_key);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn malformed_values_name_their_variable() {
        let dir = temp_dir("bad");
        let base = |extra: (&'static str, &str)| {
            vec![
                ("DATABASE_URL", "postgres://localhost/x".to_string()),
                ("RAPPORT_DATA_DIR", dir.display().to_string()),
                (extra.0, extra.1.to_string()),
            ]
        };
        for (variable, value) in [
            ("RAPPORT_SESSION_KEY", "not base64!"),
            ("RAPPORT_SESSION_KEY", "c2hvcnQ="),
            ("RAPPORT_SECRETS_KEY", "c2hvcnQ="),
            ("RAPPORT_PHONE_REGION", "Narnia"),
            ("RAPPORT_COOKIE_SECURE", "maybe"),
            ("RAPPORT_DB_POOL_SIZE", "0"),
            ("RAPPORT_STATEMENT_TIMEOUT_MS", "0"),
            ("RAPPORT_STATEMENT_TIMEOUT_MS", "5s"),
            ("RAPPORT_IMPORT_MAX_BYTES", "0"),
            ("RAPPORT_IMPORT_MAX_BYTES", "100MB"),
            ("RAPPORT_EMAIL_MAX_BYTES", "12"),
            ("RAPPORT_EMAIL_MAX_BYTES", "25MB"),
            ("RAPPORT_SMTP_BIND", "localhost"),
            ("RAPPORT_SMTP_DOMAIN", "not a domain"),
            ("RAPPORT_SMTP_MAX_CONNECTIONS_PER_ADDRESS", "0"),
            ("RAPPORT_SMTP_RELAYS", "mx.example.com"),
            ("RAPPORT_WEBHOOK_ALLOW_HTTP", "perhaps"),
            ("RAPPORT_WEBHOOK_ALLOW_HOSTS", "not a host!"),
        ] {
            let error =
                Settings::from_env(env(&base((variable, value))), None, |_| {}).unwrap_err();
            assert_eq!(error.variable, variable, "{value}: {error}");
        }
        let error = Settings::from_env(env(&[("DATABASE_URL", "mysql://x".into())]), None, |_| {})
            .unwrap_err();
        assert_eq!(error.variable, "DATABASE_URL");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_slow_request_threshold_is_read_from_the_environment() {
        let dir = temp_dir("slow");
        let with = |value: Option<&str>| {
            let mut vars = vec![
                ("DATABASE_URL", "postgres://localhost/x".to_string()),
                ("RAPPORT_DATA_DIR", dir.display().to_string()),
            ];
            vars.extend(value.map(|v| ("RAPPORT_SLOW_REQUEST_MS", v.to_string())));
            Settings::from_env(env(&vars), None, |_| {})
        };
        assert_eq!(with(None).unwrap().slow_request, Duration::from_millis(500));
        assert_eq!(
            with(Some("")).unwrap().slow_request,
            Duration::from_millis(500)
        );
        assert_eq!(
            with(Some(" 1200 ")).unwrap().slow_request,
            Duration::from_millis(1200)
        );
        assert_eq!(
            Settings::with_database("postgres://localhost/x").slow_request,
            Duration::from_millis(500)
        );
        for bad in ["0", "-5", "1.5", "half a second", "3600001"] {
            let error = with(Some(bad)).map(|_| ()).unwrap_err();
            assert_eq!(error.variable, "RAPPORT_SLOW_REQUEST_MS", "{bad}");
            assert!(error.problem.contains(bad), "{error}");
        }
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_import_limit_defaults_to_100_mib() {
        let read =
            |value: &str| import_max_bytes(&env(&[("RAPPORT_IMPORT_MAX_BYTES", value.into())]));
        assert_eq!(read(""), Ok(100 * 1024 * 1024));
        assert_eq!(read(" 2048 "), Ok(2048));
        assert_eq!(
            Settings::with_database("postgres://localhost/x").import_max_bytes,
            100 * 1024 * 1024
        );
        for bad in ["0", "-1", "1.5", "100MB"] {
            let error = read(bad).unwrap_err();
            assert_eq!(error.variable, "RAPPORT_IMPORT_MAX_BYTES", "{bad}");
            assert!(error.problem.contains(bad), "{error}");
        }
    }

    #[test]
    fn the_statement_timeout_defaults_to_five_seconds() {
        let dir = temp_dir("statement-timeout");
        let with = |value: Option<&str>| {
            let mut vars = vec![
                ("DATABASE_URL", "postgres://localhost/x".to_string()),
                ("RAPPORT_DATA_DIR", dir.display().to_string()),
            ];
            vars.extend(value.map(|v| ("RAPPORT_STATEMENT_TIMEOUT_MS", v.to_string())));
            Settings::from_env(env(&vars), None, |_| {})
        };
        let five = Duration::from_millis(5000);
        assert_eq!(with(None).unwrap().statement_timeout, five);
        assert_eq!(
            Settings::with_database("postgres://localhost/x").statement_timeout,
            five
        );
        assert_eq!(
            with(Some("200")).unwrap().statement_timeout,
            Duration::from_millis(200)
        );
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn secrets_keys_include_the_rotation_files_and_the_previous_key() {
        let dir = temp_dir("rotation");
        let vars = [
            ("DATABASE_URL", "postgres://localhost/x".to_string()),
            ("RAPPORT_DATA_DIR", dir.display().to_string()),
        ];
        let first = Settings::from_env(env(&vars), None, |_| {}).unwrap();
        assert!(first.secrets_older_keys.is_empty());
        fs::write(dir.join(SECRETS_KEY_NEW_FILE), BASE64.encode([3u8; 32])).unwrap();
        fs::write(dir.join(SECRETS_KEY_OLD_FILE), BASE64.encode([4u8; 32])).unwrap();
        let second = Settings::from_env(env(&vars), None, |_| panic!("generated")).unwrap();
        assert_eq!(second.secrets_key, first.secrets_key);
        assert_eq!(
            second.secrets_older_keys,
            vec![vec![3u8; 32], vec![4u8; 32]]
        );
        let keyring = second.secrets_keyring().unwrap();
        assert!(keyring.can_read(&crate::domain::secret_box::key_id(&[3u8; 32])));

        fs::write(dir.join(SECRETS_KEY_NEW_FILE), "garbage").unwrap();
        let error = Settings::from_env(env(&vars), None, |_| {}).unwrap_err();
        assert!(
            error.problem.contains("secrets.key.new is damaged"),
            "{error}"
        );

        // From the environment, the data directory's files are not consulted.
        let from_env = [
            ("DATABASE_URL", "postgres://localhost/x".to_string()),
            ("RAPPORT_DATA_DIR", dir.display().to_string()),
            ("RAPPORT_SECRETS_KEY", BASE64.encode([9u8; 32])),
            ("RAPPORT_SECRETS_PREVIOUS_KEY", BASE64.encode([8u8; 32])),
        ];
        let settings = Settings::from_env(env(&from_env), None, |_| {}).unwrap();
        assert_eq!(settings.secrets_key, vec![9u8; 32]);
        assert_eq!(settings.secrets_older_keys, vec![vec![8u8; 32]]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_smtp_listener_needs_its_domain() {
        let dir = temp_dir("smtp");
        let with = |extra: &[(&'static str, &str)]| {
            let mut vars = vec![
                ("DATABASE_URL", "postgres://localhost/x".to_string()),
                ("RAPPORT_DATA_DIR", dir.display().to_string()),
            ];
            vars.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
            Settings::from_env(env(&vars), None, |_| {})
        };
        let defaults = with(&[]).unwrap();
        assert_eq!(defaults.smtp_bind, None);
        assert_eq!(defaults.email_max_bytes, 25 * 1024 * 1024);
        let error = with(&[("RAPPORT_SMTP_BIND", "127.0.0.1:2525")]).unwrap_err();
        assert_eq!(error.variable, "RAPPORT_SMTP_DOMAIN");
        let settings = with(&[
            ("RAPPORT_SMTP_BIND", "127.0.0.1:2525"),
            ("RAPPORT_SMTP_DOMAIN", "Mail.Example.COM."),
            ("RAPPORT_EMAIL_MAX_BYTES", "1048576"),
        ])
        .unwrap();
        assert_eq!(settings.smtp_bind.as_deref(), Some("127.0.0.1:2525"));
        assert_eq!(settings.smtp_domain.as_deref(), Some("mail.example.com"));
        assert_eq!(settings.email_max_bytes, 1_048_576);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_client_ip_header_has_a_general_name_and_keeps_the_widget_s() {
        let dir = temp_dir("client-ip");
        let with = |extra: &[(&'static str, &str)]| {
            let mut vars = vec![
                ("DATABASE_URL", "postgres://localhost/x".to_string()),
                ("RAPPORT_DATA_DIR", dir.display().to_string()),
            ];
            vars.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
            Settings::from_env(env(&vars), None, |_| {})
        };
        assert_eq!(with(&[]).unwrap().client_ip_header(), None);
        for vars in [
            &[("RAPPORT_CLIENT_IP_HEADER", "X-Forwarded-For")][..],
            &[("RAPPORT_WIDGET_IP_HEADER", "X-Forwarded-For")][..],
            &[
                ("RAPPORT_CLIENT_IP_HEADER", "X-Forwarded-For"),
                ("RAPPORT_WIDGET_IP_HEADER", "x-forwarded-for"),
            ][..],
        ] {
            let settings = with(vars).unwrap();
            assert!(
                settings
                    .client_ip_header()
                    .is_some_and(|h| h.eq_ignore_ascii_case("x-forwarded-for")),
                "{vars:?}"
            );
            assert_eq!(
                settings.widget.client_ip_header.as_deref(),
                settings.client_ip_header()
            );
        }
        let error = with(&[
            ("RAPPORT_CLIENT_IP_HEADER", "X-Real-IP"),
            ("RAPPORT_WIDGET_IP_HEADER", "X-Forwarded-For"),
        ])
        .map(|_| ())
        .unwrap_err();
        assert_eq!(error.variable, "RAPPORT_CLIENT_IP_HEADER");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn explicit_values_win() {
        let dir = temp_dir("explicit");
        let vars = [
            ("DATABASE_URL", "postgres://localhost/x".to_string()),
            ("RAPPORT_DATA_DIR", dir.display().to_string()),
            ("RAPPORT_SESSION_KEY", BASE64.encode([7u8; 64])),
            ("RAPPORT_SECRETS_KEY", BASE64.encode([9u8; 32])),
            ("RAPPORT_PHONE_REGION", "gb".to_string()),
            ("RAPPORT_COOKIE_SECURE", "false".to_string()),
        ];
        let settings = Settings::from_env(env(&vars), Some("0.0.0.0:9000".into()), |_| {
            panic!("generated")
        })
        .unwrap();
        assert_eq!(settings.session_key, vec![7u8; 64]);
        assert_eq!(settings.phone_region.code(), "GB");
        assert!(!settings.cookie_secure);
        assert_eq!(settings.bind, "0.0.0.0:9000");
        assert!(!dir.exists());
    }
}
