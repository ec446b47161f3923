//! `rapport secrets rotate-key`: re-encrypts every contact secret and every integration secret
//! under a new key.
//!
//! The current key is read exactly as `serve` reads it (`RAPPORT_SECRETS_KEY`, else
//! `secrets.key` in the data directory, plus the older keys beside it). The new key comes from
//! `--new-key-file`, else `RAPPORT_NEW_SECRETS_KEY`, else (data-directory keys only) it is
//! generated. Every secret is re-encrypted and read back in ONE database transaction.
//!
//! With the key in the data directory the files change in an order that leaves every value
//! readable whenever the process stops (`serve` also decrypts with `secrets.key.new` and
//! `secrets.key.old`, choosing by each row's key id):
//!
//! 1. the new key is written to `secrets.key.new` (temporary name, synced, renamed, directory
//!    synced) before the database is touched;
//! 2. the transaction re-encrypts every row and commits;
//! 3. `secrets.key` is copied to `secrets.key.old` (same care), then `secrets.key.new` is
//!    renamed over `secrets.key`. `secrets.key` exists at every moment.
//!
//! A run that finds `secrets.key.new` resumes with that key: rows already under it are checked
//! and counted, the rest re-encrypted, then the files are swapped.

use super::SecretsCommand;
use crate::config::{
    self, SECRETS_KEY_FILE, SECRETS_KEY_NEW_FILE, SECRETS_KEY_OLD_FILE, SecretsKeySource,
};
use crate::db;
use crate::domain::secret_box::{Keyring, SecretsKey};
use crate::models::Actor;
use crate::models::secret_rotation::{self, RotationReport};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use diesel::{Connection, PgConnection};
use rand::RngCore;
use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Runs a `rapport secrets …` command, reading settings through `lookup` and writing what
/// it did to `out`.
pub fn run(
    command: SecretsCommand,
    lookup: &impl Fn(&str) -> Option<String>,
    out: &mut dyn Write,
) -> Result<(), String> {
    match command {
        SecretsCommand::RotateKey { new_key_file } => {
            rotate_key(lookup, new_key_file.as_deref(), out).map(|_| ())
        }
    }
}

/// Where the new key comes from.
enum NewKey {
    /// Given with `--new-key-file` or `RAPPORT_NEW_SECRETS_KEY`.
    Given(Zeroizing<Vec<u8>>),
    /// Left in `secrets.key.new` by an interrupted rotation.
    Resumed(Zeroizing<Vec<u8>>),
    /// Generated now.
    Generated(Zeroizing<Vec<u8>>),
}

impl NewKey {
    fn bytes(&self) -> &[u8] {
        match self {
            NewKey::Given(bytes) | NewKey::Resumed(bytes) | NewKey::Generated(bytes) => bytes,
        }
    }
}

/// Rotates the secrets key; see the module documentation. Returns what the database part did.
pub fn rotate_key(
    lookup: &impl Fn(&str) -> Option<String>,
    new_key_file: Option<&Path>,
    out: &mut dyn Write,
) -> Result<RotationReport, String> {
    let data_dir = config::data_dir(lookup);
    let current_file = data_dir.join(SECRETS_KEY_FILE);
    let new_file = data_dir.join(SECRETS_KEY_NEW_FILE);
    let old_file = data_dir.join(SECRETS_KEY_OLD_FILE);
    let from_env = lookup("RAPPORT_SECRETS_KEY").is_some_and(|v| !v.trim().is_empty());
    if !from_env && !current_file.exists() {
        return Err(format!(
            "there is no current key to rotate from: RAPPORT_SECRETS_KEY is not set and {} does not exist",
            current_file.display()
        ));
    }
    let keys = config::secrets_keys(lookup, &data_dir, &mut |_| {}).map_err(|e| e.to_string())?;
    let current = Keyring::from_bytes(&keys.primary, &keys.older).map_err(|e| e.to_string())?;

    let given = match new_key_file {
        Some(path) => Some(
            config::read_key_file(path)
                .map_err(|e| format!("--new-key-file: {}", e.problem))?
                .ok_or_else(|| format!("--new-key-file: {} does not exist", path.display()))?,
        ),
        None => match lookup("RAPPORT_NEW_SECRETS_KEY").filter(|v| !v.trim().is_empty()) {
            Some(encoded) => Some(Zeroizing::new(
                BASE64
                    .decode(encoded.trim())
                    .ok()
                    .filter(|bytes| bytes.len() == config::SECRETS_KEY_BYTES)
                    .ok_or("RAPPORT_NEW_SECRETS_KEY: must be base64 of 32 random bytes")?,
            )),
            None => None,
        },
    };
    let new_key = match (keys.source, given) {
        (SecretsKeySource::Environment, Some(bytes)) => NewKey::Given(bytes),
        (SecretsKeySource::Environment, None) => {
            return Err("RAPPORT_SECRETS_KEY comes from the environment, so give the new key with --new-key-file PATH or RAPPORT_NEW_SECRETS_KEY (base64 of 32 random bytes, e.g. from `openssl rand -base64 32`): Rapport cannot store a generated key where your deployment reads it".into());
        }
        (SecretsKeySource::DataDir, given) => {
            match (
                config::read_key_file(&new_file).map_err(|e| e.problem)?,
                given,
            ) {
                (Some(pending), Some(given)) if pending.as_slice() != given.as_slice() => {
                    return Err(format!(
                        "an interrupted rotation left {} (key id {}); finish it first by running `rapport secrets rotate-key` without a new key",
                        new_file.display(),
                        crate::domain::secret_box::key_id(&pending)
                    ));
                }
                (Some(pending), _) => NewKey::Resumed(pending),
                (None, Some(given)) => NewKey::Given(given),
                (None, None) => {
                    let mut bytes = Zeroizing::new(vec![0u8; config::SECRETS_KEY_BYTES]);
                    rand::rng().fill_bytes(&mut bytes);
                    NewKey::Generated(bytes)
                }
            }
        }
    };
    let new = SecretsKey::from_bytes(new_key.bytes()).map_err(|e| e.to_string())?;
    let say = |out: &mut dyn Write, line: String| {
        let _ = writeln!(out, "{line}");
    };
    if new.id() == current.primary().id() && !matches!(new_key, NewKey::Resumed(_)) {
        if keys.source == SecretsKeySource::DataDir {
            return Err(format!(
                "the new key is the current key (key id {}); give a different one",
                new.id()
            ));
        }
        // From the environment: finishes a rotation, moving what servers still running with
        // RAPPORT_SECRETS_PREVIOUS_KEY wrote meanwhile onto the current key.
        say(
            out,
            format!(
                "The new key is the current key ({}): re-encrypting the secrets that still use an older key.",
                new.id()
            ),
        );
    }
    if let NewKey::Resumed(_) = new_key {
        say(
            out,
            format!(
                "Resuming an interrupted rotation to key {} ({}).",
                new.id(),
                new_file.display()
            ),
        );
    }

    // 1. The new key is safe on disk before any row depends on it.
    if keys.source == SecretsKeySource::DataDir && !matches!(new_key, NewKey::Resumed(_)) {
        write_key_file(&new_file, new_key.bytes())
            .map_err(|e| format!("could not write {}: {e}", new_file.display()))?;
    }

    // 2. Every row, one transaction.
    let url = config::database_url(lookup).map_err(|e| e.to_string())?;
    let mut connection =
        PgConnection::establish(&url).map_err(|e| format!("DATABASE_URL: cannot connect: {e}"))?;
    db::migrate(&mut connection).map_err(|e| format!("migrations failed: {}", e.cause_chain()))?;
    let report = secret_rotation::rotate_key(
        &mut connection,
        &current,
        &new,
        &Actor::System("key rotation".into()),
    )
    .map_err(|e| format!("the rotation was rolled back, nothing changed: {e}"))?;

    say(
        out,
        format!(
            "Re-encrypted {} secret{} under key {} and checked that every one decrypts ({} already used it).",
            report.re_encrypted,
            if report.re_encrypted == 1 { "" } else { "s" },
            new.id(),
            report.already_current
        ),
    );
    if report.integration_re_encrypted + report.integration_already_current > 0 {
        say(
            out,
            format!(
                "Re-encrypted {} integration secret{} and checked every one ({} already used the new key).",
                report.integration_re_encrypted,
                if report.integration_re_encrypted == 1 {
                    ""
                } else {
                    "s"
                },
                report.integration_already_current
            ),
        );
    }
    for skipped in &report.integration_skipped {
        say(
            out,
            format!(
                "Left as it was: the {} secret of integration {} (key id {}): {}",
                skipped.purpose, skipped.integration_id, skipped.key_id, skipped.reason
            ),
        );
    }
    for skipped in &report.skipped {
        say(
            out,
            format!(
                "Left as it was: secret {} \"{}\" of contact {} (key id {}): {}",
                skipped.id, skipped.name, skipped.contact_id, skipped.key_id, skipped.reason
            ),
        );
    }

    // 3. Swap the files; secrets.key exists throughout.
    match keys.source {
        SecretsKeySource::DataDir => {
            let previous = Zeroizing::new(
                fs::read(&current_file)
                    .map_err(|e| format!("could not read {}: {e}", current_file.display()))?,
            );
            write_file_atomically(&old_file, &previous)
                .map_err(|e| format!("could not write {}: {e}", old_file.display()))?;
            fs::rename(&new_file, &current_file)
                .and_then(|()| sync_dir(&data_dir))
                .map_err(|e| {
                    format!(
                        "could not move {} to {}: {e}; the database already uses the new key, so run this command again to finish",
                        new_file.display(),
                        current_file.display()
                    )
                })?;
            say(
                out,
                format!(
                    "The new key is in {}; the previous one is kept in {} for backups made before now.",
                    current_file.display(),
                    old_file.display()
                ),
            );
            say(
                out,
                "Restart every `rapport serve` so it encrypts with the new key.".to_string(),
            );
        }
        SecretsKeySource::Environment => {
            say(
                out,
                format!(
                    "Now set RAPPORT_SECRETS_KEY to the new key (key id {}) and RAPPORT_SECRETS_PREVIOUS_KEY to the old one (key id {}), then restart every `rapport serve`.",
                    new.id(),
                    current.primary().id()
                ),
            );
        }
    }
    if !report.integration_skipped.is_empty() {
        say(
            out,
            "Integration secrets that could not be read were left unchanged: restore the key named above, or regenerate them in Settings → Integrations.".to_string(),
        );
    }
    if !report.skipped.is_empty() {
        say(
            out,
            format!(
                "{} secret{} could not be read with any key at hand and {} left unchanged: restore the key named above, or replace {} values in the dashboard.",
                report.skipped.len(),
                if report.skipped.len() == 1 { "" } else { "s" },
                if report.skipped.len() == 1 {
                    "was"
                } else {
                    "were"
                },
                if report.skipped.len() == 1 {
                    "its"
                } else {
                    "their"
                },
            ),
        );
    }
    Ok(report)
}

/// Writes a key file (base64, mode 0600) under a temporary name, syncs it, renames it into
/// place and syncs the directory, so the file is either absent or complete.
fn write_key_file(path: &Path, key: &[u8]) -> std::io::Result<()> {
    let mut encoded = Zeroizing::new(BASE64.encode(key));
    encoded.push('\n');
    write_file_atomically(path, encoded.as_bytes())
}

fn write_file_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    let temporary: PathBuf = path.with_file_name(name);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temporary)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temporary, path)?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    fs::File::open(dir)?.sync_all()
}
