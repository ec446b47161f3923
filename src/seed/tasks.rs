//! Tasks for the Tasks tab: the jobs a support team's agent runs for a customer, on a schedule
//! in the customer's time zone ("Send weekly usage summary", Mondays 08:00) or on demand
//! ("Follow up on invoice"). Some ran before and succeeded or failed, a few were canceled.
//!
//! The plan picks the tasks; the run times depend on the moment of the seed, so `write`
//! works them out (last run: the schedule's previous occurrence; next run: its next one).

use super::people::SeedPerson;
use super::pick::{chance, weighted};
use crate::domain::schedule::Timing;
use crate::models::schema::tasks;
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rand::Rng;
use rand::seq::SliceRandom;
use std::collections::HashMap;

/// A kind of task: name, description, cron schedule (`None`: on demand), and whether it runs
/// on the customer's clock (else UTC, for back-office jobs).
struct Kind {
    name: &'static str,
    description: &'static str,
    schedule: Option<&'static str>,
    local_time: bool,
}

const KINDS: &[Kind] = &[
    Kind {
        name: "Send weekly usage summary",
        description: "Email last week's usage, open tickets and anything unusual.",
        schedule: Some("0 8 * * 1"),
        local_time: true,
    },
    Kind {
        name: "Follow up on invoice",
        description: "Check whether the open invoice was paid; nudge politely if not.",
        schedule: None,
        local_time: true,
    },
    Kind {
        name: "Renewal reminder",
        description: "Remind them of the renewal date and what changes on the new plan.",
        schedule: Some("0 10 1 * *"),
        local_time: true,
    },
    Kind {
        name: "Daily onboarding check-in",
        description: "Ask how setup is going; hand blockers to a human.",
        schedule: Some("30 9 * * 1-5"),
        local_time: true,
    },
    Kind {
        name: "Ask for feedback on the last ticket",
        description: "One question: did we solve it? Log the answer as a rating.",
        schedule: None,
        local_time: true,
    },
    Kind {
        name: "Sync CRM record",
        description: "Pull plan, owner and lifecycle stage from the CRM.",
        schedule: Some("15 * * * *"),
        local_time: false,
    },
    Kind {
        name: "Prepare quarterly business review",
        description: "Draft the QBR notes from usage and support history.",
        schedule: Some("0 9 1 1,4,7,10 *"),
        local_time: true,
    },
    Kind {
        name: "Share product tips",
        description: "Send one tip matched to the features they have not tried yet.",
        schedule: Some("0 10 * * 2,4"),
        local_time: true,
    },
    Kind {
        name: "Escalate unanswered question",
        description: "Hand the open question to the account manager with a summary.",
        schedule: None,
        local_time: true,
    },
    Kind {
        name: "Nightly export to data warehouse",
        description: "Export yesterday's conversations for reporting.",
        schedule: Some("0 2 * * *"),
        local_time: false,
    },
];

/// One planned task; the contact id is filled in once the contact is written.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: &'static str,
    pub description: &'static str,
    pub schedule: Option<&'static str>,
    pub timezone: &'static str,
    pub status: &'static str,
    /// Whether it ran before (then it has an outcome).
    pub ran: bool,
    pub outcome: &'static str,
    pub created_at: DateTime<Utc>,
    /// For on demand tasks that ran: how far between creation and now, in 0..1.
    pub ran_at_fraction: f64,
}

/// The tasks of one contact: none for most, up to four for some.
pub fn plan<R: Rng>(rng: &mut R, person: &SeedPerson) -> Vec<Entry> {
    if !chance(rng, 45) {
        return Vec::new();
    }
    let count = weighted(rng, &[(1usize, 45), (2, 30), (3, 17), (4, 8)]);
    let mut kinds: Vec<&Kind> = KINDS.iter().collect();
    kinds.shuffle(rng);
    let contact = &person.contact;
    let lifetime = (contact.updated_at - contact.created_at)
        .num_seconds()
        .max(3_600);
    kinds
        .into_iter()
        .take(count)
        .map(|kind| {
            let ran = chance(rng, if kind.schedule.is_some() { 75 } else { 45 });
            Entry {
                name: kind.name,
                description: kind.description,
                schedule: kind.schedule,
                timezone: if kind.local_time {
                    person.profile.country.timezone()
                } else {
                    "UTC"
                },
                status: weighted(rng, &[("idle", 86), ("canceled", 10), ("running", 4)]),
                ran,
                outcome: if ran {
                    weighted(rng, &[("success", 85), ("failure", 15)])
                } else {
                    "pending"
                },
                created_at: contact.created_at
                    + Duration::seconds(rng.random_range(0..=lifetime / 2)),
                ran_at_fraction: rng.random_range(0.2..1.0),
            }
        })
        .collect()
}

#[derive(Insertable)]
#[diesel(table_name = tasks)]
#[diesel(treat_none_as_default_value = false)]
struct NewTask {
    contact_id: i64,
    name: &'static str,
    description: Option<&'static str>,
    schedule: Option<&'static str>,
    timezone: &'static str,
    status: &'static str,
    outcome: &'static str,
    last_run_at: Option<DateTime<Utc>>,
    next_run_at: Option<DateTime<Utc>>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// The previous and the next run around one moment.
type Around = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A schedule's previous and next run around one moment, worked out once per schedule and
/// zone: a seed has a handful of those and many thousands of tasks.
#[derive(Default)]
struct RunTimes(HashMap<(&'static str, &'static str), Around>);

impl RunTimes {
    fn around(&mut self, schedule: &'static str, zone: &'static str, now: DateTime<Utc>) -> Around {
        *self.0.entry((schedule, zone)).or_insert_with(|| {
            let timing = Timing::from_stored(Some(schedule), zone);
            let previous = timing
                .schedule
                .as_ref()
                .and_then(|s| s.previous_before(timing.zone, now));
            (previous, timing.next_after(now))
        })
    }
}

/// Copies the tasks of several contacts (id, tasks) in one COPY; returns how many.
pub fn write<'a>(
    connection: &mut PgConnection,
    contacts: impl Iterator<Item = (i64, &'a [Entry])>,
) -> QueryResult<usize> {
    let now = Utc::now();
    let mut times = RunTimes::default();
    let mut rows = Vec::new();
    for (contact_id, entries) in contacts {
        for entry in entries {
            let (last_run_at, next_run_at) = match entry.schedule {
                Some(schedule) => {
                    let (previous, next) = times.around(schedule, entry.timezone, now);
                    (
                        previous.filter(|p| entry.ran && *p > entry.created_at),
                        next.filter(|_| entry.status != "canceled"),
                    )
                }
                None => {
                    let span = (now - entry.created_at).num_seconds() as f64;
                    let at =
                        entry.created_at + Duration::seconds((span * entry.ran_at_fraction) as i64);
                    (entry.ran.then_some(at), None)
                }
            };
            rows.push(NewTask {
                contact_id,
                name: entry.name,
                description: Some(entry.description),
                schedule: entry.schedule,
                timezone: entry.timezone,
                status: entry.status,
                // A task that never ran (its first run is still ahead) has no outcome yet.
                outcome: if last_run_at.is_some() {
                    entry.outcome
                } else {
                    "pending"
                },
                last_run_at,
                next_run_at,
                version: 1,
                created_at: entry.created_at,
                updated_at: last_run_at
                    .unwrap_or(entry.created_at)
                    .max(entry.created_at),
            });
        }
    }
    if rows.is_empty() {
        return Ok(0);
    }
    diesel::copy_from(tasks::table)
        .from_insertable(&rows)
        .execute(connection)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::{Schedule, parse_timezone};
    use crate::seed::people::People;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn every_kind_has_a_valid_schedule_and_every_zone_is_known() {
        for kind in KINDS {
            if let Some(expression) = kind.schedule {
                let schedule = Schedule::parse(expression).unwrap().unwrap();
                assert!(
                    schedule
                        .next_after(chrono_tz::Tz::UTC, Utc::now())
                        .is_some()
                );
            }
        }
        let mut people = People::new(5, Utc::now());
        let mut rng = StdRng::seed_from_u64(6);
        let mut planned = 0;
        for number in 1..=2_000 {
            let person = people.person(number);
            for entry in plan(&mut rng, &person) {
                planned += 1;
                assert!(parse_timezone(entry.timezone).is_ok(), "{}", entry.timezone);
                assert!(entry.created_at >= person.contact.created_at);
                assert!(
                    entry.created_at
                        <= person
                            .contact
                            .updated_at
                            .max(person.contact.created_at + Duration::hours(1))
                );
                assert_eq!(entry.ran, entry.outcome != "pending");
            }
        }
        // About 45% of contacts, two tasks on average.
        assert!((1_300..2_400).contains(&planned), "{planned}");
    }
}
