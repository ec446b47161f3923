//! The command line: `serve`, `migrate`, `user add|reset-password|set-role|disable|enable`, `token create|list|revoke`,
//! `integration add|list`, `import`, `export`, `contact export|erase`, `seed`,
//! `secrets rotate-key`.

pub mod contact;
pub mod export;
pub mod import;
pub mod integration;
pub mod secrets;
pub mod serve;
pub mod token;
pub mod user;

use crate::config;
use crate::db;
use crate::domain::api_token::TokenRole;
use crate::domain::integration::IntegrationKind;
use crate::domain::secret_box::Keyring;
use crate::domain::secret_box::SecretsKey;
use crate::domain::{ApiTokenId, ContactId, Role};
use clap::{Parser, Subcommand};
use diesel::{Connection, PgConnection};

const ENVIRONMENT_HELP: &str = "\
Environment:
  DATABASE_URL            PostgreSQL URL (required), e.g. postgres://rapport@localhost/rapport
  RAPPORT_BIND            address to serve on (default 127.0.0.1:8080; --bind wins)
  RAPPORT_DATA_DIR        where keys and files live (default ./.rapport)
  RAPPORT_SESSION_KEY     base64 of 64 random bytes; generated into the data directory if unset
  RAPPORT_SECRETS_KEY     base64 of 32 random bytes; generated likewise. Losing it loses the secrets.
  RAPPORT_SECRETS_PREVIOUS_KEY  with RAPPORT_SECRETS_KEY: an older key still used to decrypt
  RAPPORT_NEW_SECRETS_KEY for `secrets rotate-key`: the key to rotate to
  RAPPORT_PHONE_REGION    region for phone numbers typed without +country (default US)
  RAPPORT_IMPORT_MAX_BYTES  the largest file an import takes, in bytes (default 104857600, 100 MiB)
  RAPPORT_COOKIE_SECURE   true|false: send the session cookie only over HTTPS (default true)
  RAPPORT_SESSION_IDLE_MINUTES  a staff session unused this long ends (default 120)
  RAPPORT_SESSION_MAX_HOURS     a staff session ends this long after sign-in (default 12)
  RAPPORT_CLIENT_IP_HEADER      behind a trusted proxy: the header naming the client's address
  RAPPORT_DB_POOL_SIZE    database connections per process (default 10)
  RAPPORT_STATEMENT_TIMEOUT_MS  longest a database statement may run, in ms (default 5000)
  RAPPORT_API_RATE_LIMIT  API requests per token per minute, per process (default 600)
  RAPPORT_PUBLIC_URL      this server's public URL, for inbound URLs and widget snippets
                          (default: from each request; `integration add`: http://127.0.0.1:8080)
  RAPPORT_SMTP_DOMAIN     the domain of the SMTP listener's addresses, <integration id>+<token>@<domain>
  RUST_LOG                log filter (default info)";

#[derive(Debug, Parser)]
#[command(
    name = "rapport",
    version,
    about = "Rapport: the contacts hub for chatbot and AI-agent platforms",
    after_help = ENVIRONMENT_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve the dashboard.
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080 (overrides RAPPORT_BIND).
        #[arg(long, value_name = "ADDR")]
        bind: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage staff users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens for bots, agents and integrations.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage email and widget integrations.
    #[command(subcommand)]
    Integration(IntegrationCommand),
    /// Export or erase a contact's personal data (live or in Trash).
    #[command(subcommand)]
    Contact(ContactCommand),
    /// Manage the encryption of contact secrets.
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Export contacts as CSV, vCard 4.0 or JSON Lines (every contact, or those the filters
    /// select), to standard output or a file. Audited.
    Export(export::ExportArgs),
    /// Import contacts from a CSV or vCard file, as the dashboard's import does: the format
    /// and layout are detected, the columns mapped as the mapping screen suggests. Prints
    /// the counts (new, updated, unchanged, skipped, invalid) and the first invalid rows.
    Import {
        /// The CSV (`,` `;` or tab) or vCard (.vcf) file.
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
        /// Count what the import would do without writing anything.
        #[arg(long)]
        dry_run: bool,
        /// What a row matching an existing contact (by email, phone or fingerprint) does:
        /// update-empty fills its empty fields, overwrite sets the file's values, skip leaves
        /// it alone.
        #[arg(long, value_name = "RULE", default_value = "update-empty", value_parser = import::parse_on_match)]
        on_match: crate::jobs::import::plan::OnMatch,
    },
    /// For `./scripts/bench`: write a sample file to import (every row a new contact) and
    /// print how fast it is read and mapped, without a database.
    #[command(hide = true)]
    BenchImportFile {
        /// Where to write it.
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
        /// How many rows.
        #[arg(long, value_name = "N", default_value_t = 100_000)]
        rows: u64,
    },
    /// Fill the database with realistic demo contacts.
    Seed {
        /// How many contacts to create.
        #[arg(long, value_name = "N", default_value_t = 1_000)]
        contacts: u64,
        /// Also give some contacts history, conversations, ratings, tasks, memories, spaces and
        /// secrets, so their profiles look lived-in.
        #[arg(long)]
        with_activity: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a staff user. Without --password-stdin a strong password is generated and printed once.
    Add {
        /// The email the user signs in with.
        #[arg(long)]
        email: String,
        /// The name shown in the dashboard and in change history.
        #[arg(long)]
        name: String,
        /// admin, editor or viewer.
        #[arg(long, default_value = "editor", value_parser = parse_role)]
        role: Role,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password. Without --password-stdin a strong password is generated and printed once.
    /// Every session of the user ends.
    ResetPassword {
        /// The email of the user whose password to replace.
        #[arg(long)]
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Give a user another role. Every session of the user ends.
    SetRole {
        /// The email of the user.
        #[arg(long)]
        email: String,
        /// admin, editor or viewer.
        #[arg(long, value_parser = parse_role)]
        role: Role,
    },
    /// Stop a user from signing in. Every session of the user ends.
    Disable {
        /// The email of the user.
        #[arg(long)]
        email: String,
    },
    /// Let a disabled user sign in again.
    Enable {
        /// The email of the user.
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it once (only its hash is stored).
    Create {
        /// What uses the token ("Support bot"); shown as the author of its changes in History.
        #[arg(long)]
        name: String,
        /// viewer (read only) or editor (read and write).
        #[arg(long, default_value = "viewer", value_parser = token::parse_role)]
        role: TokenRole,
    },
    /// List every token, newest first, with when it was last used.
    List,
    /// Revoke a token: requests with it are refused from now on.
    Revoke {
        /// The token's id, as `rapport token list` shows it.
        #[arg(long)]
        id: ApiTokenId,
    },
}

#[derive(Debug, Subcommand)]
pub enum IntegrationCommand {
    /// Create an email integration or a widget; print its id, its inbound URL (email) or embed
    /// snippet (widget), and its token or secrets, once.
    Add {
        /// email or widget.
        #[arg(value_parser = integration::parse_kind)]
        kind: IntegrationKind,
        /// What staff will recognise it by ("Support inbox").
        #[arg(long)]
        name: String,
        /// The agent webhook Rapport POSTs new messages to.
        #[arg(long, value_name = "URL")]
        webhook: Option<String>,
        /// Widget: a site allowed to embed it, e.g. https://shop.example.com (repeatable).
        #[arg(long = "allowed-origin", value_name = "ORIGIN")]
        allowed_origins: Vec<String>,
        /// Email: who may write to it: ada@x.com, *@example.com, *@*.example.com (repeatable;
        /// none: everyone).
        #[arg(long = "allowed-sender", value_name = "PATTERN")]
        allowed_senders: Vec<String>,
        /// Email: the authserv-id of a relay whose Authentication-Results prove senders, e.g.
        /// mx.google.com (repeatable; none: no sender is authenticated).
        #[arg(long = "trusted-relay", value_name = "AUTHSERV_ID")]
        trusted_relays: Vec<String>,
        /// Email: check the allowed senders against the From address as written instead of
        /// authenticated addresses only (new integrations require authentication).
        #[arg(long)]
        no_require_authentication: bool,
        /// This server's public URL for the printed inbound URL or snippet (default
        /// RAPPORT_PUBLIC_URL, else http://127.0.0.1:8080).
        #[arg(long, value_name = "URL")]
        public_url: Option<String>,
    },
    /// List every integration.
    List,
}

#[derive(Debug, Subcommand)]
pub enum ContactCommand {
    /// Write everything Rapport holds about a contact to a ZIP file: its details,
    /// conversations and messages, tasks and runs, memories, ratings, the files of its spaces
    /// and its history. Secrets are listed by name and kind, never their values.
    Export {
        /// The contact's id (the number in its profile's URL).
        id: ContactId,
        /// Where to write the archive, e.g. ada.zip.
        #[arg(long, value_name = "FILE.zip")]
        output: std::path::PathBuf,
    },
    /// Erase a contact's personal data for good: the contact and its conversations,
    /// messages, memories, tasks, secrets, ratings, spaces and files. Earlier history entries
    /// stay with their personal values replaced by "erased". Without --yes, only says what
    /// would be erased.
    Erase {
        /// The contact's id (the number in its profile's URL).
        id: ContactId,
        /// Erase now, without asking.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Re-encrypt every secret under a new key, in one transaction, then make it the key.
    ///
    /// The new key comes from --new-key-file, else RAPPORT_NEW_SECRETS_KEY, else (when the
    /// current key is the data directory's secrets.key) a new one is generated. The previous
    /// key is kept as secrets.key.old. Safe to run again after an interruption.
    RotateKey {
        /// A file holding the new key: base64 of 32 random bytes (`openssl rand -base64 32`).
        #[arg(long, value_name = "PATH")]
        new_key_file: Option<std::path::PathBuf>,
    },
}

fn parse_role(input: &str) -> Result<Role, String> {
    input.parse()
}

/// Runs a command; the error is one line for the terminal.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve { bind } => serve::run(bind),
        Command::Migrate => {
            let mut connection = connect()?;
            let applied = db::migrate(&mut connection)
                .map_err(|e| format!("migrations failed: {}", e.cause_chain()))?;
            if applied.is_empty() {
                println!("The database is up to date.");
            } else {
                for version in applied {
                    println!("Applied migration {version}");
                }
            }
            Ok(())
        }
        Command::User(command) => user::run(command),
        Command::Token(command) => {
            let mut connection = connect()?;
            db::migrate(&mut connection)
                .map_err(|e| format!("migrations failed: {}", e.cause_chain()))?;
            token::run(command, &mut connection, &mut std::io::stdout())
        }
        Command::Integration(command) => {
            let keyring = secrets_keyring()?;
            let mut connection = connect()?;
            db::migrate(&mut connection)
                .map_err(|e| format!("migrations failed: {}", e.cause_chain()))?;
            integration::run(
                command,
                &mut connection,
                &keyring,
                &config::process_env,
                &mut std::io::stdout(),
            )
        }
        Command::Contact(command) => {
            let mut connection = connect()?;
            db::migrate(&mut connection)
                .map_err(|e| format!("migrations failed: {}", e.cause_chain()))?;
            let data_dir = config::data_dir(&config::process_env);
            contact::run(command, &mut connection, &data_dir, &mut std::io::stdout())
        }
        Command::Secrets(command) => {
            secrets::run(command, &config::process_env, &mut std::io::stdout())
        }
        Command::Export(args) => {
            let mut connection = connect()?;
            db::migrate(&mut connection)
                .map_err(|e| format!("migrations failed: {}", e.cause_chain()))?;
            export::run(
                &args,
                &mut connection,
                &mut std::io::stdout().lock(),
                &mut std::io::stderr(),
            )
        }
        Command::Import {
            file,
            dry_run,
            on_match,
        } => {
            let env = config::process_env;
            let settings = crate::jobs::JobSettings {
                data_dir: config::data_dir(&env),
                phone_region: config::phone_region(&env).map_err(|e| e.to_string())?,
                import_max_bytes: config::import_max_bytes(&env).map_err(|e| e.to_string())?,
                trash_retention: config::trash_retention(&env).map_err(|e| e.to_string())?,
            };
            let mut connection = connect()?;
            db::migrate(&mut connection)
                .map_err(|e| format!("migrations failed: {}", e.cause_chain()))?;
            let args = import::ImportArgs {
                file,
                dry_run,
                on_match,
            };
            import::run(&args, &mut connection, &settings, &mut std::io::stdout())
        }
        Command::BenchImportFile { file, rows } => import::bench_file(&file, rows),
        Command::Seed {
            contacts,
            with_activity,
        } => {
            // Seeded secrets must be readable by the dashboard: the key is read, or generated
            // into the data directory, exactly as `serve` does.
            let secrets_key = if with_activity {
                Some(seed_secrets_key()?)
            } else {
                None
            };
            let mut connection = connect()?;
            db::migrate(&mut connection)
                .map_err(|e| format!("migrations failed: {}", e.cause_chain()))?;
            let data_dir = config::data_dir(&config::process_env);
            crate::seed::run(
                &mut connection,
                contacts,
                with_activity,
                secrets_key.as_ref(),
                &data_dir,
            )
            .map_err(|e| format!("seeding failed: {e}"))
        }
    }
}

/// The secrets key `serve` would use, for encrypting seeded secrets.
fn seed_secrets_key() -> Result<SecretsKey, String> {
    let data_dir = config::data_dir(&config::process_env);
    let keys = config::secrets_keys(&config::process_env, &data_dir, &mut |path| {
        println!(
            "Generated a new secrets key in {} (keep this file: without it the secrets cannot be read)",
            path.display()
        );
    })
    .map_err(|e| e.to_string())?;
    SecretsKey::from_bytes(&keys.primary).map_err(|e| e.to_string())
}

/// The keyring `serve` would use (the key generated into the data directory if there is
/// none yet), for the secrets an integration is created with.
fn secrets_keyring() -> Result<Keyring, String> {
    let data_dir = config::data_dir(&config::process_env);
    let keys = config::secrets_keys(&config::process_env, &data_dir, &mut |path| {
        println!(
            "Generated a new secrets key in {} (keep this file: without it the secrets cannot be read)",
            path.display()
        );
    })
    .map_err(|e| e.to_string())?;
    Keyring::from_bytes(&keys.primary, &keys.older).map_err(|e| e.to_string())
}

/// A direct connection for one-off commands, from `DATABASE_URL`.
pub fn connect() -> Result<PgConnection, String> {
    let url = config::database_url(&config::process_env).map_err(|e| e.to_string())?;
    PgConnection::establish(&url).map_err(|e| format!("DATABASE_URL: cannot connect: {e}"))
}
