//! History for the audit trail: a "create" event and one "update" event per edit, so the
//! History tab of a seeded contact reads like a lived-in record.
//!
//! The story is written backwards from the row as it is now: each update's "after" is the
//! value the field has at that point, its "before" an invented earlier value, and the create
//! event shows what was left at the start. Replaying the events therefore ends exactly at the
//! stored row, and the last update happens at the row's `updated_at`.

use super::people::{Profile, SeedPerson};
use super::pick::{any, chance, weighted};
use super::words::{PERSONAL_DOMAINS, PLANS, STAFF};
use super::{phones, text};
use crate::domain::{ContactField, ContactSource};
use crate::models::contact::ENTITY;
use crate::models::schema::audit_events;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rand::Rng;
use serde_json::{Map, Value, json};

/// One planned audit event; the contact id is filled in once the contact is written.
#[derive(Debug, Clone)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub actor_kind: &'static str,
    pub actor_name: &'static str,
    pub action: &'static str,
    pub changes: Value,
}

/// The events of one contact, oldest first.
pub fn plan<R: Rng>(rng: &mut R, person: &SeedPerson) -> Vec<Entry> {
    let contact = &person.contact;
    let mut state: Map<String, Value> = ContactField::ALL
        .into_iter()
        .map(|field| (field.slug().to_string(), current_value(person, field)))
        .collect();
    let times = update_times(rng, contact.created_at, contact.updated_at, person.edits);
    let mut entries = Vec::with_capacity(times.len() + 1);
    for at in times.into_iter().rev() {
        let (field, before) = earlier_value(rng, &person.profile, &state);
        let after = state.insert(field.slug().to_string(), before.clone());
        let mut changes = Map::new();
        changes.insert(
            field.slug().to_string(),
            json!({ "before": before, "after": after }),
        );
        let (actor_kind, actor_name) = update_actor(rng, field);
        entries.push(Entry {
            at,
            actor_kind,
            actor_name,
            action: "update",
            changes: Value::Object(changes),
        });
    }
    // As `models::contact::create` records it: every field that has a value.
    let created: Map<String, Value> = state
        .into_iter()
        .filter(|(_, value)| !is_empty(value))
        .map(|(field, value)| (field, json!({ "before": null, "after": value })))
        .collect();
    let (actor_kind, actor_name) = create_actor(rng, person.profile.source);
    entries.push(Entry {
        at: contact.created_at,
        actor_kind,
        actor_name,
        action: "create",
        changes: Value::Object(created),
    });
    entries.reverse();
    entries
}

fn current_value(person: &SeedPerson, field: ContactField) -> Value {
    let c = &person.contact;
    let text = |value: &Option<String>| value.clone().map_or(Value::Null, Value::String);
    match field {
        ContactField::Name => text(&c.name),
        ContactField::Description => text(&c.description),
        ContactField::Email => text(&c.email),
        ContactField::Phone => text(&c.phone),
        ContactField::Nick => text(&c.nick),
        ContactField::Preferences => text(&c.preferences),
        ContactField::Meta => c.meta.clone(),
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

/// `edits` moments between creation and the last update, the last one at `updated_at`.
fn update_times<R: Rng>(
    rng: &mut R,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    edits: u8,
) -> Vec<DateTime<Utc>> {
    if edits == 0 {
        return Vec::new();
    }
    let span = (updated_at - created_at).num_seconds().max(1);
    let mut times: Vec<DateTime<Utc>> = (1..edits)
        .map(|_| created_at + Duration::seconds(rng.random_range(1..=span)))
        .collect();
    times.sort();
    times.push(updated_at);
    times
}

/// Picks a field that could have changed and invents what it held before. Fields without a
/// plausible earlier value are skipped; meta always has one, so this always finds a change.
fn earlier_value<R: Rng>(
    rng: &mut R,
    profile: &Profile,
    state: &Map<String, Value>,
) -> (ContactField, Value) {
    const FIELDS: &[(ContactField, u32)] = &[
        (ContactField::Phone, 20),
        (ContactField::Preferences, 25),
        (ContactField::Meta, 15),
        (ContactField::Email, 12),
        (ContactField::Nick, 10),
        (ContactField::Description, 10),
        (ContactField::Name, 8),
    ];
    for _ in 0..8 {
        let field = weighted(rng, FIELDS);
        let now = state.get(field.slug()).unwrap_or(&Value::Null);
        if let Some(before) = before_value(rng, profile, field, now).filter(|b| b != now) {
            return (field, before);
        }
    }
    let meta = state.get(ContactField::Meta.slug()).unwrap_or(&Value::Null);
    (ContactField::Meta, earlier_meta(rng, meta))
}

fn before_value<R: Rng>(
    rng: &mut R,
    profile: &Profile,
    field: ContactField,
    now: &Value,
) -> Option<Value> {
    let text = |s: String| Some(Value::String(s));
    match (field, now.as_str()) {
        // Added later, or replaced.
        (ContactField::Phone, Some(_)) if chance(rng, 35) => Some(Value::Null),
        (ContactField::Phone, _) => text(phones::phone(rng, profile.country)),
        (ContactField::Nick, Some(_)) if chance(rng, 40) => Some(Value::Null),
        (ContactField::Nick, _) => text(text::nick(rng, profile)),
        (ContactField::Email, Some(email)) => {
            let (local, _) = email.split_once('@')?;
            text(format!("{local}@{}", weighted(rng, PERSONAL_DOMAINS)))
        }
        (ContactField::Description, Some(_)) if chance(rng, 60) => Some(Value::Null),
        (ContactField::Description, Some(_)) => text(text::description(rng, profile)),
        (ContactField::Preferences, Some(now)) => match now.rsplit_once(". ") {
            // The last sentence was added later.
            Some((earlier, _)) if chance(rng, 50) => text(format!("{earlier}.")),
            _ if chance(rng, 40) => Some(Value::Null),
            _ => text(text::preferences(rng, profile)),
        },
        // A name first saved as typed in lower case, or with the given name only.
        (ContactField::Name, Some(name)) => match name.split_once(' ') {
            Some((given, _)) if chance(rng, 50) => text(given.to_string()),
            _ => text(name.to_lowercase()),
        },
        (ContactField::Meta, _) => Some(earlier_meta(rng, now)),
        _ => None,
    }
}

/// Meta with one key not yet added, or the plan before an upgrade.
fn earlier_meta<R: Rng>(rng: &mut R, now: &Value) -> Value {
    let mut meta = now.as_object().cloned().unwrap_or_default();
    let plan = meta.get("plan").and_then(Value::as_str).map(str::to_string);
    match plan {
        Some(plan) if chance(rng, 50) => {
            let earlier = any(rng, PLANS).0;
            let earlier = if earlier == plan { "trial" } else { earlier };
            meta.insert("plan".into(), Value::String(earlier.into()));
        }
        _ if !meta.is_empty() => {
            let keys: Vec<String> = meta.keys().cloned().collect();
            meta.remove(&keys[rng.random_range(0..keys.len())]);
        }
        _ => {
            meta.insert("plan".into(), Value::String("trial".into()));
        }
    }
    Value::Object(meta)
}

fn update_actor<R: Rng>(rng: &mut R, field: ContactField) -> (&'static str, &'static str) {
    let system = match field {
        ContactField::Email => Some("Email integration"),
        ContactField::Meta => Some("CRM sync"),
        ContactField::Phone | ContactField::Nick => Some("Website widget"),
        _ => None,
    };
    match system {
        Some(name) if chance(rng, 45) => ("system", name),
        _ => ("staff", any(rng, STAFF)),
    }
}

fn create_actor<R: Rng>(rng: &mut R, source: ContactSource) -> (&'static str, &'static str) {
    match source {
        ContactSource::Manual => ("staff", any(rng, STAFF)),
        ContactSource::Email => ("system", "Email integration"),
        ContactSource::Widget => ("system", "Website widget"),
        ContactSource::Api => ("system", "Public API"),
        ContactSource::Import => ("system", "CSV import"),
    }
}

#[derive(Insertable)]
#[diesel(table_name = audit_events)]
#[diesel(treat_none_as_default_value = false)]
struct NewEvent<'a> {
    actor_kind: &'static str,
    actor_id: Option<i64>,
    actor_name: &'static str,
    action: &'static str,
    entity: &'static str,
    entity_id: i64,
    contact_id: Option<i64>,
    changes: &'a Value,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Copies the events of several contacts (id, events) in one COPY; returns how many.
pub fn write<'a>(
    connection: &mut PgConnection,
    contacts: impl Iterator<Item = (i64, &'a [Entry])>,
) -> QueryResult<usize> {
    let rows: Vec<NewEvent<'a>> = contacts
        .flat_map(|(id, entries)| {
            entries.iter().map(move |entry| NewEvent {
                actor_kind: entry.actor_kind,
                // Demo staff have no account, so no id; the name is what History shows.
                actor_id: None,
                actor_name: entry.actor_name,
                action: entry.action,
                entity: ENTITY,
                entity_id: id,
                contact_id: Some(id),
                changes: &entry.changes,
                created_at: entry.at,
                updated_at: entry.at,
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(0);
    }
    diesel::copy_from(audit_events::table)
        .from_insertable(&rows)
        .execute(connection)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::people::People;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// Null and `{}` both mean "no value" (meta is never null).
    fn normal(value: &Value) -> Value {
        if is_empty(value) {
            Value::Null
        } else {
            value.clone()
        }
    }

    /// Replays the events over an empty contact: the result must be the stored row.
    #[test]
    fn replaying_the_history_gives_the_current_row() {
        let mut people = People::new(11, Utc::now());
        let mut rng = StdRng::seed_from_u64(12);
        for number in 1..=3_000 {
            let person = people.person(number);
            let entries = plan(&mut rng, &person);
            assert_eq!(entries.len(), 1 + usize::from(person.edits));
            assert_eq!(entries[0].action, "create");
            assert_eq!(entries[0].at, person.contact.created_at);
            let mut state = Map::new();
            let mut last = person.contact.created_at;
            for entry in &entries {
                assert!(entry.at >= last && entry.at <= person.contact.updated_at);
                last = entry.at;
                for (field, change) in entry.changes.as_object().unwrap() {
                    let before = state.get(field).cloned().unwrap_or(Value::Null);
                    assert_eq!(
                        normal(&before),
                        normal(&change["before"]),
                        "{field} in {entry:?}"
                    );
                    assert_ne!(change["before"], change["after"]);
                    state.insert(field.clone(), change["after"].clone());
                }
            }
            if person.edits > 0 {
                assert_eq!(last, person.contact.updated_at);
            }
            for field in ContactField::ALL {
                let replayed = state.get(field.slug()).cloned().unwrap_or(Value::Null);
                assert_eq!(
                    normal(&current_value(&person, field)),
                    normal(&replayed),
                    "{field:?}"
                );
            }
        }
    }
}
