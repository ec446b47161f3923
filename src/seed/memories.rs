//! Memories for the Memories tab: the facts an agent keeps about a person after talking to
//! them ("Prefers email over phone", "Has two kids; mentions them often"), some drawn from
//! who the contact is (city, company, plan, language), written over the contact's lifetime:
//! the plan says where in it (a fraction), `write` turns that into a time before the seed's
//! moment.

use super::people::SeedPerson;
use super::pick::{any, chance, weighted};
use super::words::{EVENTS, ROLES};
use crate::models::schema::memories;
use chrono::{DateTime, Datelike, Duration, Utc};
use diesel::prelude::*;
use rand::Rng;
use rand::seq::SliceRandom;
use serde_json::{Value, json};

/// Facts that fit anyone; at most one of each group, so no contact both loves and hates calls.
const GROUPS: &[&[&str]] = &[
    &[
        "Prefers email over phone.",
        "Prefers phone calls; rarely reads email before noon.",
        "Likes quick answers on WhatsApp; long ones by email.",
    ],
    &[
        "Has two kids; mentions them often.",
        "Has a dog called Biscuit who sometimes joins video calls.",
        "Just came back from parental leave.",
        "Training for a marathon; mornings are busy.",
    ],
    &[
        "Reported the CSV export bug; wants to hear when it is fixed.",
        "Asked about API rate limits; their nightly import hits them.",
        "Was unhappy about the outage last month; handle with care.",
        "Interested in the SSO add-on once the security review is done.",
    ],
    &[
        "Appreciates short, direct answers.",
        "Likes to understand why, not just how.",
        "Gets frustrated by canned replies; be specific.",
    ],
    &[
        "Vegetarian; remember for the customer dinner.",
        "Does not drink coffee; offer tea at on-site visits.",
        "Travels a lot; often replies late at night.",
    ],
    &[
        "Decision maker for the renewal; the CFO signs off above 10k.",
        "Champion internally; introduced us to two other teams.",
        "Budget is frozen until next quarter.",
    ],
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// One planned memory; the contact id is filled in once the contact is written.
#[derive(Debug, Clone)]
pub struct Entry {
    pub text: String,
    pub meta: Value,
    /// When the contact was created.
    pub since: DateTime<Utc>,
    /// How far between `since` and the seed's moment it was written, in 0..1.
    pub fraction: f64,
}

impl Entry {
    /// When it was written, for a seed run at `now`.
    pub fn created_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let span = (now - self.since).num_seconds().max(0) as f64;
        self.since + Duration::seconds((span * self.fraction) as i64)
    }
}

/// The memories of one contact: none for many, up to eight for some, oldest first.
pub fn plan<R: Rng>(rng: &mut R, person: &SeedPerson) -> Vec<Entry> {
    if !chance(rng, 55) {
        return Vec::new();
    }
    let contact = &person.contact;
    let profile = &person.profile;
    let mut facts: Vec<String> = Vec::new();

    facts.push(format!("Lives in {}.", any(rng, profile.country.cities())));
    if let Some((company, _)) = profile.company {
        facts.push(format!("Works at {company} as {}.", any(rng, ROLES)));
    }
    if let Some(plan) = contact.meta.get("plan").and_then(Value::as_str) {
        let year = contact.created_at.year();
        let mut name = plan.to_string();
        if let Some(first) = name.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        facts.push(format!("Uses the {name} plan since {year}."));
    }
    if let Some(language) = profile.language {
        facts.push(format!(
            "Native {language} speaker; fine with English in writing."
        ));
    }
    facts.push(format!("Birthday in {}.", any(rng, &MONTHS)));
    facts.push(format!("Met the team at {}.", any(rng, EVENTS)));
    for group in GROUPS {
        if chance(rng, 50) {
            facts.push(any(rng, group).to_string());
        }
    }
    facts.shuffle(rng);
    let count = weighted(rng, &[(1usize, 25), (2, 25), (3, 20), (5, 15), (8, 15)]);
    facts.truncate(count);

    let mut entries: Vec<Entry> = facts
        .into_iter()
        .map(|text| Entry {
            text,
            meta: match weighted(rng, &[(0u8, 55), (1, 20), (2, 25)]) {
                0 => json!({"source": "conversation"}),
                1 => json!({"source": "agent", "confidence": "high"}),
                _ => json!({}),
            },
            since: contact.created_at,
            fraction: rng.random_range(0.001..1.0),
        })
        .collect();
    entries.sort_by(|a, b| a.fraction.total_cmp(&b.fraction));
    entries
}

#[derive(Insertable)]
#[diesel(table_name = memories)]
#[diesel(treat_none_as_default_value = false)]
struct NewMemory<'a> {
    contact_id: i64,
    text: &'a str,
    meta: &'a Value,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Copies the memories of several contacts (id, memories) in one COPY; returns how many.
pub fn write<'a>(
    connection: &mut PgConnection,
    contacts: impl Iterator<Item = (i64, &'a [Entry])>,
) -> QueryResult<usize> {
    let now = Utc::now();
    let rows: Vec<NewMemory<'a>> = contacts
        .flat_map(|(contact_id, entries)| {
            entries.iter().map(move |entry| NewMemory {
                contact_id,
                text: &entry.text,
                meta: &entry.meta,
                version: 1,
                created_at: entry.created_at(now),
                updated_at: entry.created_at(now),
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(0);
    }
    diesel::copy_from(memories::table)
        .from_insertable(&rows)
        .execute(connection)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::memory_text;
    use crate::seed::people::People;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn memories_are_valid_distinct_and_within_the_contacts_life() {
        let mut people = People::new(7, Utc::now());
        let mut rng = StdRng::seed_from_u64(8);
        let mut with = 0;
        for number in 1..=2_000 {
            let person = people.person(number);
            let entries = plan(&mut rng, &person);
            if entries.is_empty() {
                continue;
            }
            with += 1;
            let mut texts: Vec<&str> = entries.iter().map(|e| e.text.as_str()).collect();
            texts.sort_unstable();
            texts.dedup();
            assert_eq!(texts.len(), entries.len());
            let now = Utc::now();
            for entry in &entries {
                assert_eq!(
                    memory_text::validate(&entry.text).as_deref(),
                    Ok(entry.text.as_str())
                );
                assert!(entry.meta.is_object());
                let at = entry.created_at(now);
                assert!(at >= person.contact.created_at && at <= now, "{at}");
            }
            assert!(
                entries
                    .windows(2)
                    .all(|w| w[0].created_at(now) <= w[1].created_at(now))
            );
        }
        assert!((900..1_300).contains(&with), "{with}");
    }
}
