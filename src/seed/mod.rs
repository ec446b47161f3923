//! `rapport seed`: realistic demo contacts, fast enough for a million.
//!
//! One thread generates contacts in chunks while the main thread COPYs the previous chunk, so
//! on two cores generation and PostgreSQL work side by side. Everything runs in one
//! transaction: a failed or interrupted seed writes nothing, and for large seeds the
//! secondary indexes can be dropped and rebuilt inside it without ever being missing for
//! anyone else (see [`indexes`]).
//!
//! Runs are reproducible for a given database state: the random seed and the numbers in the
//! email addresses both derive from the highest contact id ever handed out. Only the
//! timestamps move, as they are relative to the moment of the run.

mod activity;
mod contacts;
mod conversations;
mod countries;
mod dialogues;
mod history;
mod indexes;
mod memories;
mod names;
mod people;
mod phones;
mod pick;
mod secrets;
mod spaces;
mod tasks;
mod text;
mod words;

use crate::domain::secret_box::SecretsKey;
use activity::{Activity, Selection, Written};
use chrono::{DateTime, Utc};
use contacts::SeedContact;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use people::People;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

/// Rows per COPY. Measured on a million rows: 5,000 took 2 s longer than 25,000, 50,000 no
/// shorter; PostgreSQL's per-row work dominates, and two chunks are in memory at once.
const CHUNK_ROWS: u64 = 25_000;

/// From this many new contacts on, the secondary indexes are dropped and rebuilt rather than
/// maintained row by row, unless the table already holds more than twice as many. Measured:
/// a million rows into an empty table took 64 s with the indexes kept and 28 s with a
/// rebuild; into a table of two million, 97 s kept, while rebuilding costs about 20 s per
/// million rows in the table.
const REBUILD_FROM: u64 = 100_000;

/// Keeps two seeds from running at once: the second one waits, then numbers its emails after
/// the first one's.
const ADVISORY_LOCK: i64 = 0x7261_7070_7365_6564; // "rappseed"

/// Creates `contacts` demo contacts, with activity for some of them if `with_activity`.
/// Seeded secrets are encrypted with `secrets_key` (none without it); sample files of spaces
/// go under `data_dir`.
pub fn run(
    connection: &mut PgConnection,
    contacts: u64,
    with_activity: bool,
    secrets_key: Option<&SecretsKey>,
    data_dir: &std::path::Path,
) -> Result<(), String> {
    if contacts == 0 {
        println!("Nothing to seed.");
        return Ok(());
    }
    let started = Instant::now();
    let summary = connection
        .transaction(|connection| seed(connection, contacts, with_activity, secrets_key, started))
        .map_err(|error| format!("{error} (nothing was written)"))?;
    // After the commit: ANALYZE sees the new rows, and the list page's total (an estimate
    // from pg_class.reltuples) is right straight away.
    let analyze = if with_activity {
        "ANALYZE contacts, audit_events, tasks, memories, secrets, spaces, conversations, messages, ratings"
    } else {
        "ANALYZE contacts"
    };
    diesel::sql_query(analyze)
        .execute(connection)
        .map_err(|error| format!("the contacts were written, but ANALYZE failed: {error}"))?;

    let seconds = started.elapsed().as_secs_f64();
    let rate = contacts as f64 / seconds.max(0.001);
    println!(
        "Seeded {} contacts in {seconds:.1} s ({} contacts/s).",
        thousands(contacts),
        thousands(rate as u64)
    );
    if with_activity {
        println!(
            "Wrote {} history events, {} tasks, {} memories, {} secrets and {} spaces for {} contacts.",
            thousands(summary.written.history as u64),
            thousands(summary.written.tasks as u64),
            thousands(summary.written.memories as u64),
            thousands(summary.written.secrets as u64),
            thousands(summary.written.spaces as u64),
            thousands(summary.with_activity as u64)
        );
        // After the commit, so a failed seed never leaves files behind (see `spaces`).
        let (with_files, files) =
            spaces::attach_sample_files(connection, data_dir, summary.spaces_before).map_err(
                |error| format!("the seed was written, but its sample files failed: {error}"),
            )?;
        if files > 0 {
            println!(
                "Added {} sample files to {} spaces (those of the most recently updated contacts), under {}.",
                thousands(files as u64),
                thousands(with_files as u64),
                data_dir.join("spaces").display()
            );
        }
        let talk = summary.written.conversations;
        println!(
            "Wrote {} conversations with {} messages and {} ratings.",
            thousands(talk.conversations as u64),
            thousands(talk.messages as u64),
            thousands(talk.ratings as u64)
        );
    }
    Ok(())
}

/// What a run did, for the closing lines.
struct Summary {
    with_activity: usize,
    written: Written,
    /// The highest space id before this seed: the seed's spaces are above it.
    spaces_before: i64,
}

/// What the generator thread needs to know.
struct Plan {
    contacts: u64,
    /// Contact `i` (from 0) gets number `base + i + 1`.
    base: u64,
    now: DateTime<Utc>,
    activity: Option<Selection>,
}

/// One chunk of contacts, and the activity planned for some of them (by fingerprint).
struct Chunk {
    contacts: Vec<SeedContact>,
    activity: Vec<(String, Activity)>,
}

fn seed(
    connection: &mut PgConnection,
    contacts: u64,
    with_activity: bool,
    secrets_key: Option<&SecretsKey>,
    started: Instant,
) -> QueryResult<Summary> {
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<BigInt, _>(ADVISORY_LOCK)
        .execute(connection)?;
    // The id lookups after each chunk are one prepared statement. After a few runs PostgreSQL
    // switches to a generic plan, which, not knowing the id bound (and with no statistics on
    // the new rows), scans the whole table: loading a million contacts with activity took
    // 81 s instead of 12 s.
    diesel::sql_query("SET LOCAL plan_cache_mode = force_custom_plan").execute(connection)?;
    let plan = Plan {
        contacts,
        base: highest_id_ever(connection)?,
        now: Utc::now(),
        activity: with_activity.then(|| Selection::new(contacts)),
    };
    let existing = estimated_rows(connection)?;
    let dropped = if contacts >= REBUILD_FROM && contacts.saturating_mul(2) >= existing {
        println!(
            "Seeding {} contacts; the indexes are rebuilt at the end, so the contacts table is \
             locked until the seed finishes.",
            thousands(contacts)
        );
        indexes::drop_for_bulk_load(connection)?
    } else {
        println!("Seeding {} contacts.", thousands(contacts));
        Vec::new()
    };

    let mut summary = Summary {
        with_activity: 0,
        written: Written::default(),
        spaces_before: spaces::highest_id(connection)?,
    };
    let mut secrets_budget = secrets::Budget::new(secrets_key);
    // Every contact this seed writes gets an id above the highest one handed out before it.
    let mut ids_after = i64::try_from(plan.base).unwrap_or(i64::MAX);
    // Room for one chunk in flight: the generator works on the next while this one is copied.
    let (sender, receiver) = mpsc::sync_channel::<Chunk>(1);
    thread::scope(|scope| {
        scope.spawn(|| generate(&plan, sender));
        let mut done = 0u64;
        let mut reported = 0u64;
        // On an error the receiver is dropped on return, which stops the generator.
        for chunk in receiver {
            contacts::copy(connection, &chunk.contacts)?;
            done += chunk.contacts.len() as u64;
            if !chunk.activity.is_empty() {
                summary.with_activity += chunk.activity.len();
                summary.written += write_activity(
                    connection,
                    &mut ids_after,
                    &chunk.activity,
                    &mut secrets_budget,
                )?;
            }
            // Every 5%, and at the end.
            let step = done * 20 / contacts;
            if step > reported || done == contacts {
                reported = step;
                println!(
                    "seeded {} of {} contacts ({:.1} s)",
                    thousands(done),
                    thousands(contacts),
                    started.elapsed().as_secs_f64()
                );
            }
        }
        Ok::<_, diesel::result::Error>(())
    })?;

    if !dropped.is_empty() {
        println!("rebuilding {} indexes", dropped.len());
        indexes::rebuild(connection, &dropped)?;
        println!(
            "rebuilt {} indexes ({:.1} s)",
            dropped.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(summary)
}

/// Runs on its own thread: makes the contacts chunk by chunk and hands them over.
fn generate(plan: &Plan, sender: mpsc::SyncSender<Chunk>) {
    let mut people = People::new(plan.base, plan.now);
    // Separate from the people's stream, so the contacts are the same with or without
    // --with-activity.
    let mut activity_rng = StdRng::seed_from_u64(plan.base ^ 0x5eed_ac71_0000_0000);
    let mut next = 0;
    while next < plan.contacts {
        let size = CHUNK_ROWS.min(plan.contacts - next);
        let mut chunk = Chunk {
            contacts: Vec::with_capacity(size as usize),
            activity: Vec::new(),
        };
        for index in next..next + size {
            let person = people.person(plan.base + index + 1);
            if let Some(selection) = &plan.activity
                && selection.chooses(&mut activity_rng)
            {
                let planned = activity::plan(&mut activity_rng, &person, plan.now);
                chunk
                    .activity
                    .push((person.contact.fingerprint.clone(), planned));
            }
            chunk.contacts.push(person.contact);
        }
        if sender.send(chunk).is_err() {
            // The main thread stopped (an error); nothing more is wanted.
            return;
        }
        next += size;
    }
}

/// Writes the activity planned for contacts just copied. `ids_after` is an id below all of
/// theirs; it moves up past them, so each lookup only scans the newest contacts.
fn write_activity(
    connection: &mut PgConnection,
    ids_after: &mut i64,
    planned: &[(String, Activity)],
    secrets_budget: &mut secrets::Budget<'_>,
) -> QueryResult<Written> {
    let fingerprints: Vec<&str> = planned.iter().map(|(f, _)| f.as_str()).collect();
    let ids = contacts::ids_by_fingerprint(connection, *ids_after, &fingerprints)?;
    let with_ids = planned
        .iter()
        .map(|(fingerprint, activity)| {
            // Every fingerprint was copied moments ago in this transaction.
            ids.get(fingerprint)
                .map(|id| (*id, activity))
                .ok_or(diesel::result::Error::NotFound)
        })
        .collect::<QueryResult<Vec<_>>>()?;
    *ids_after = ids.values().copied().max().unwrap_or(*ids_after);
    activity::write(connection, &with_ids, secrets_budget)
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

#[derive(QueryableByName)]
struct SequenceName {
    #[diesel(sql_type = Text)]
    name: String,
}

/// The highest contact id ever handed out, deleted contacts included: the identity
/// sequence's last value (ids only come from it). Each seed moves the sequence past every
/// number it used, so the next seed's numbers, and so its emails, never repeat earlier ones.
fn highest_id_ever(connection: &mut PgConnection) -> QueryResult<u64> {
    let sequence: SequenceName =
        diesel::sql_query("SELECT pg_get_serial_sequence('contacts', 'id') AS name")
            .get_result(connection)?;
    // The name comes from the catalog, already quoted; it cannot be a bind parameter.
    let last: Number = diesel::sql_query(format!(
        "SELECT greatest(s.last_value, (SELECT coalesce(max(id), 0) FROM contacts)) AS value \
         FROM {} s",
        sequence.name
    ))
    .get_result(connection)?;
    Ok(u64::try_from(last.value).unwrap_or_default())
}

/// Rows in contacts as of the last ANALYZE (0 if never analyzed).
fn estimated_rows(connection: &mut PgConnection) -> QueryResult<u64> {
    let rows: Number = diesel::sql_query(
        "SELECT greatest(reltuples, 0)::bigint AS value FROM pg_class \
         WHERE oid = 'contacts'::regclass",
    )
    .get_result(connection)?;
    Ok(u64::try_from(rows.value).unwrap_or_default())
}

/// 1234567 → "1,234,567".
fn thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
