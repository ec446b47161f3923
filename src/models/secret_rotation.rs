//! Key rotation: every secret (contacts' secrets and integrations' secrets) re-encrypted under
//! a new key in one transaction, each one read back with the new key before the commit. Used
//! by `rapport secrets rotate-key`.

use super::audit::{self, Actor, Changes, Subject};
use super::integration::{self, IntegrationSecret};
use super::schema::{integration_secrets, secrets};
use super::secret::{ENTITY, Secret, identify};
use crate::domain::secret_box::{self, Keyring, SecretBoxError, SecretsKey};
use crate::domain::{ContactId, IntegrationId, SecretId};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use serde_json::json;

/// Rows handled per query while re-encrypting, to bound memory.
const ROTATION_BATCH: i64 = 500;

/// A secret a key rotation left as it was.
#[derive(Debug)]
pub struct Skipped {
    pub id: SecretId,
    pub contact_id: ContactId,
    pub name: String,
    pub key_id: String,
    pub reason: String,
}

/// An integration secret a key rotation left as it was.
#[derive(Debug)]
pub struct SkippedIntegrationSecret {
    pub integration_id: IntegrationId,
    pub purpose: String,
    pub key_id: String,
    pub reason: String,
}

/// What a key rotation did. The counts without a prefix are of contact secrets.
#[derive(Debug, Default)]
pub struct RotationReport {
    /// Re-encrypted under the new key.
    pub re_encrypted: usize,
    /// Already under the new key (a resumed rotation), checked to decrypt.
    pub already_current: usize,
    /// Not readable with any key at hand; left untouched.
    pub skipped: Vec<Skipped>,
    /// Integration secrets (widget identity, webhook signing) re-encrypted.
    pub integration_re_encrypted: usize,
    /// Integration secrets already under the new key, checked to decrypt.
    pub integration_already_current: usize,
    /// Integration secrets not readable with any key at hand; left untouched.
    pub integration_skipped: Vec<SkippedIntegrationSecret>,
}

/// Why a rotation was abandoned (and rolled back). `id` names a contact's secret or an
/// integration (whose secret it was), hence a bare number.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    #[error("database: {0}")]
    Database(#[from] DieselError),
    #[error("could not encrypt secret {id}: {error}")]
    Seal { id: i64, error: SecretBoxError },
    #[error(
        "secret {id} did not decrypt under the new key after re-encryption ({error}); nothing was changed"
    )]
    Verify { id: i64, error: String },
}

/// Re-encrypts every secret under `new_key`, in one transaction, and reads every one back
/// with the new key before committing.
///
/// Rows are decrypted with whichever key of `current` their key id names. Rows already under
/// the new key are checked and counted; rows whose key is unknown or whose ciphertext does not
/// authenticate are reported in [`RotationReport::skipped`] and left exactly as they were.
/// Each re-encrypted row gets a fresh nonce and a "re-encrypted" audit entry (key ids only).
pub fn rotate_key(
    connection: &mut PgConnection,
    current: &Keyring,
    new_key: &SecretsKey,
    actor: &Actor,
) -> Result<RotationReport, RotationError> {
    connection.transaction(|connection| {
        let mut report = RotationReport::default();
        let mut rewritten = Vec::new();
        let mut after = 0i64;
        loop {
            let batch: Vec<Secret> = secrets::table
                .filter(secrets::id.gt(after))
                .order(secrets::id.asc())
                .limit(ROTATION_BATCH)
                .select(Secret::as_select())
                .for_update()
                .load(connection)?;
            let Some(last) = batch.last() else { break };
            after = last.id.0;
            for row in batch {
                let skip = |reason: String| Skipped {
                    id: row.id,
                    contact_id: row.contact_id,
                    name: row.name.clone(),
                    key_id: row.key_id.clone(),
                    reason,
                };
                let opened = if row.key_id == new_key.id() {
                    secret_box::open_with(new_key, row.identity(), &row.sealed())
                } else {
                    secret_box::open(current, row.identity(), &row.sealed())
                };
                let payload = match opened {
                    Ok(payload) => payload,
                    Err(error) => {
                        report.skipped.push(skip(error.to_string()));
                        continue;
                    }
                };
                if row.key_id == new_key.id() {
                    report.already_current += 1;
                    continue;
                }
                let sealed =
                    secret_box::seal(new_key, row.identity(), &payload).map_err(|error| {
                        RotationError::Seal {
                            id: row.id.0,
                            error,
                        }
                    })?;
                diesel::update(secrets::table.find(row.id))
                    .set((
                        secrets::ciphertext.eq(&sealed.ciphertext),
                        secrets::nonce.eq(&sealed.nonce),
                        secrets::key_id.eq(&sealed.key_id),
                    ))
                    .execute(connection)?;
                let mut changes = Changes::new();
                identify(&mut changes, &row.name);
                changes.field("key_id", json!(row.key_id), json!(sealed.key_id));
                audit::record(
                    connection,
                    actor,
                    "re-encrypted",
                    Subject::of_contact(ENTITY, row.id, Some(row.contact_id)),
                    changes,
                )?;
                rewritten.push(row.id);
                report.re_encrypted += 1;
            }
        }
        verify_readable(connection, new_key, &rewritten)?;
        rotate_integration_secrets(connection, current, new_key, actor, &mut report)?;
        Ok(report)
    })
}

/// The integration secrets' part of [`rotate_key`], inside its transaction: the same rules
/// (skip what cannot be read, count what is current, re-encrypt and read back the rest).
/// There are a few per integration, so they are handled in one batch.
fn rotate_integration_secrets(
    connection: &mut PgConnection,
    current: &Keyring,
    new_key: &SecretsKey,
    actor: &Actor,
    report: &mut RotationReport,
) -> Result<(), RotationError> {
    let rows: Vec<IntegrationSecret> = integration_secrets::table
        .order((
            integration_secrets::integration_id.asc(),
            integration_secrets::purpose.asc(),
        ))
        .select(IntegrationSecret::as_select())
        .for_update()
        .load(connection)?;
    let mut rewritten = Vec::new();
    for row in rows {
        let opened = if row.key_id == new_key.id() {
            secret_box::open_with(new_key, row.identity(), &row.sealed())
        } else {
            secret_box::open(current, row.identity(), &row.sealed())
        };
        let payload = match opened {
            Ok(payload) => payload,
            Err(error) => {
                report.integration_skipped.push(SkippedIntegrationSecret {
                    integration_id: row.integration_id,
                    purpose: row.purpose.clone(),
                    key_id: row.key_id.clone(),
                    reason: error.to_string(),
                });
                continue;
            }
        };
        if row.key_id == new_key.id() {
            report.integration_already_current += 1;
            continue;
        }
        let sealed = secret_box::seal(new_key, row.identity(), &payload).map_err(|error| {
            RotationError::Seal {
                id: row.integration_id.0,
                error,
            }
        })?;
        diesel::update(integration_secrets::table.find((row.integration_id, row.purpose.as_str())))
            .set((
                integration_secrets::ciphertext.eq(&sealed.ciphertext),
                integration_secrets::nonce.eq(&sealed.nonce),
                integration_secrets::key_id.eq(&sealed.key_id),
            ))
            .execute(connection)?;
        let mut changes = Changes::new();
        changes.context("secret", json!(row.purpose)).field(
            "key_id",
            json!(row.key_id),
            json!(sealed.key_id),
        );
        audit::record(
            connection,
            actor,
            "re-encrypted",
            Subject::of_contact(integration::ENTITY, row.integration_id, None),
            changes,
        )?;
        rewritten.push((row.integration_id, row.purpose));
        report.integration_re_encrypted += 1;
    }
    for (integration_id, purpose) in rewritten {
        let row: IntegrationSecret = integration_secrets::table
            .find((integration_id, purpose.as_str()))
            .select(IntegrationSecret::as_select())
            .first(connection)?;
        secret_box::open_with(new_key, row.identity(), &row.sealed()).map_err(|error| {
            RotationError::Verify {
                id: integration_id.0,
                error: error.to_string(),
            }
        })?;
    }
    Ok(())
}

/// Reads back the rows just written and decrypts each with the new key alone.
fn verify_readable(
    connection: &mut PgConnection,
    new_key: &SecretsKey,
    ids: &[SecretId],
) -> Result<(), RotationError> {
    for chunk in ids.chunks(ROTATION_BATCH as usize) {
        let rows: Vec<Secret> = secrets::table
            .filter(secrets::id.eq_any(chunk))
            .select(Secret::as_select())
            .load(connection)?;
        if rows.len() != chunk.len() {
            return Err(RotationError::Verify {
                id: chunk.first().map_or(0, |id| id.0),
                error: "a re-encrypted row went missing".into(),
            });
        }
        for row in rows {
            secret_box::open_with(new_key, row.identity(), &row.sealed()).map_err(|error| {
                RotationError::Verify {
                    id: row.id.0,
                    error: error.to_string(),
                }
            })?;
        }
    }
    Ok(())
}
