//! Secrets for the Secrets tab: a Jira API token, a billing-portal sign-in, now and then a
//! webhook signing secret, each with its "create" event in History.
//!
//! They are encrypted with the installation's own secrets key (read, or generated into the
//! data directory, exactly as `serve` does), so the dashboard can reveal them. The ids are
//! reserved from the identity sequence first, because each ciphertext is bound to its row.
//! At most [`MAX_SECRETS`] are written per run: they show the tab, they are not a load test.

use super::people::SeedPerson;
use super::pick::{any, chance};
use super::words::STAFF;
use crate::domain::secret::SecretValue;
use crate::domain::secret_box::{self, SecretIdentity, SecretsKey};
use crate::domain::{ContactId, SecretId};
use crate::models::schema::{audit_events, secrets};
use crate::models::secret::{ENTITY, reserve_ids};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rand::Rng;
use serde_json::{Value, json};

/// The most secrets one seed run writes.
pub const MAX_SECRETS: usize = 500;

/// One planned secret; ids are known only when it is written.
#[derive(Debug, Clone)]
pub struct Planned {
    pub name: &'static str,
    pub description: String,
    pub value: SecretValue,
    pub at: DateTime<Utc>,
    pub by: &'static str,
}

/// The key to encrypt with, and how many secrets this run may still write.
pub struct Budget<'a> {
    key: Option<&'a SecretsKey>,
    left: usize,
}

impl<'a> Budget<'a> {
    /// No key: no secrets are written.
    pub fn new(key: Option<&'a SecretsKey>) -> Self {
        Budget {
            key,
            left: MAX_SECRETS,
        }
    }
}

/// A few credentials for one contact, some time after its last edit (so History lists them
/// in order).
pub fn plan<R: Rng>(rng: &mut R, person: &SeedPerson) -> Vec<Planned> {
    let contact = &person.contact;
    let jira = person.profile.company.map_or_else(
        || "their Jira".to_string(),
        |(name, _)| format!("{name}'s Jira"),
    );
    let mut at = contact.updated_at;
    let mut next = |rng: &mut R| {
        at += Duration::seconds(rng.random_range(60..=3_600));
        at
    };
    let mut planned = Vec::new();
    if chance(rng, 45) {
        planned.push(Planned {
            name: "Jira API token",
            description: format!("The support bot files tickets in {jira} with it."),
            value: SecretValue::Bearer {
                token: format!("ATATT3x{}", random_text(rng, 40)),
            },
            at: next(rng),
            by: any(rng, STAFF),
        });
    }
    if chance(rng, 35) {
        let username = contact
            .email
            .clone()
            .unwrap_or_else(|| format!("user{}", rng.random_range(1_000..99_999)));
        planned.push(Planned {
            name: "Billing portal",
            description: "Sign-in for invoices and payment details.".into(),
            value: SecretValue::Basic {
                username,
                password: random_text(rng, 18),
            },
            at: next(rng),
            by: any(rng, STAFF),
        });
    }
    if chance(rng, 10) {
        planned.push(Planned {
            name: "Webhook signing secret",
            description: String::new(),
            value: SecretValue::Plain {
                text: format!("whsec_{}", random_text(rng, 32)),
            },
            at: next(rng),
            by: any(rng, STAFF),
        });
    }
    planned
}

fn random_text<R: Rng>(rng: &mut R, length: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    (0..length)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

#[derive(Insertable)]
#[diesel(table_name = secrets)]
#[diesel(treat_none_as_default_value = false)]
struct SeedSecret<'a> {
    id: SecretId,
    contact_id: i64,
    name: &'a str,
    description: Option<&'a str>,
    kind: &'a str,
    ciphertext: Vec<u8>,
    nonce: Vec<u8>,
    key_id: String,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = audit_events)]
#[diesel(treat_none_as_default_value = false)]
struct SeedEvent<'a> {
    actor_kind: &'a str,
    actor_id: Option<i64>,
    actor_name: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: i64,
    contact_id: Option<i64>,
    changes: Value,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Encrypts and COPYs the planned secrets of several contacts (id, secrets), within the
/// budget; returns how many were written.
pub fn write<'p>(
    connection: &mut PgConnection,
    contacts: impl Iterator<Item = (i64, &'p [Planned])>,
    budget: &mut Budget<'_>,
) -> QueryResult<usize> {
    let Some(key) = budget.key else {
        return Ok(0);
    };
    let wanted: Vec<(i64, &Planned)> = contacts
        .flat_map(|(id, planned)| planned.iter().map(move |p| (id, p)))
        .take(budget.left)
        .collect();
    if wanted.is_empty() {
        return Ok(0);
    }
    let ids = reserve_ids(connection, wanted.len() as i64)?;
    let mut rows = Vec::with_capacity(wanted.len());
    let mut events = Vec::with_capacity(wanted.len());
    for ((contact_id, planned), id) in wanted.iter().zip(ids) {
        let kind = planned.value.kind().as_str();
        let sealed = secret_box::seal(
            key,
            SecretIdentity {
                contact_id: ContactId(*contact_id),
                secret_id: id,
                kind,
            },
            &planned.value.to_payload(),
        )
        .map_err(|error| diesel::result::Error::QueryBuilderError(Box::new(error)))?;
        let description = Some(planned.description.as_str()).filter(|d| !d.is_empty());
        rows.push(SeedSecret {
            id,
            contact_id: *contact_id,
            name: planned.name,
            description,
            kind,
            ciphertext: sealed.ciphertext,
            nonce: sealed.nonce,
            key_id: sealed.key_id,
            version: 1,
            created_at: planned.at,
            updated_at: planned.at,
        });
        // As `models::secret::create` records it: never the value.
        let mut changes = serde_json::Map::new();
        changes.insert(
            "name".into(),
            json!({"before": null, "after": planned.name}),
        );
        if let Some(description) = description {
            changes.insert(
                "description".into(),
                json!({"before": null, "after": description}),
            );
        }
        changes.insert("kind".into(), json!({"before": null, "after": kind}));
        changes.insert("value".into(), json!({"before": null, "after": "set"}));
        events.push(SeedEvent {
            actor_kind: "staff",
            actor_id: None,
            actor_name: planned.by,
            action: "create",
            entity: ENTITY,
            entity_id: id.0,
            contact_id: Some(*contact_id),
            changes: Value::Object(changes),
            created_at: planned.at,
            updated_at: planned.at,
        });
    }
    // COPY writes the given ids into the identity column (as OVERRIDING SYSTEM VALUE would).
    let written = diesel::copy_from(secrets::table)
        .from_insertable(&rows)
        .execute(connection)?;
    diesel::copy_from(audit_events::table)
        .from_insertable(&events)
        .execute(connection)?;
    budget.left -= written;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::people::People;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn plans_are_small_named_and_after_the_last_edit() {
        let mut people = People::new(3, Utc::now());
        let mut rng = StdRng::seed_from_u64(4);
        let mut total = 0;
        for number in 1..=500 {
            let person = people.person(number);
            let planned = plan(&mut rng, &person);
            assert!(planned.len() <= 3);
            for secret in &planned {
                assert!(secret.at > person.contact.updated_at);
                assert!(
                    ["Jira API token", "Billing portal", "Webhook signing secret"]
                        .contains(&secret.name)
                );
            }
            total += planned.len();
        }
        assert!((200..700).contains(&total), "{total}");
    }
}
