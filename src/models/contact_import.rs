//! The queries of a contact import (`jobs::import`), a batch of rows at a time: one lookup of
//! every contact the batch's rows could match, one multi-row insert of the new contacts and
//! one multi-row update of the changed ones, each with one audit entry per contact (source
//! "import", naming the job), all inside the batch's transaction.
//!
//! Rows travel as arrays (`unnest`), so a statement has a dozen bind parameters whatever the
//! batch's size (diesel's multi-row `VALUES` would need a dozen per row, and PostgreSQL takes
//! at most 65,535).
//!
//! Only live contacts are matched and changed ([`super::contact::LIVE_SQL`]).
//!
//! A dry run writes none of this: its batches record what they would have done in a
//! temporary table of its own session (the *shadow*, [`create_shadow`]), and its lookups
//! see the contacts as the shadow says they would be ([`Source::Shadow`]). So a dry run
//! follows exactly the steps of the real run, later rows seeing what earlier ones would have
//! created or changed, with memory that stays flat however long the file is.

use super::audit::{self, Actor, Changes, Subject};
use crate::domain::JobId;
use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Jsonb, Nullable, Text, Timestamptz};
use serde_json::{Map, Value, json};

/// The fields an import reads and writes, as stored (phone in E.164, meta an object).
#[derive(QueryableByName, Debug, Clone, Default, PartialEq)]
pub struct Fields {
    #[diesel(sql_type = Nullable<Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub description: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub phone: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub nick: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub preferences: Option<String>,
    #[diesel(sql_type = Jsonb)]
    pub meta: Value,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub verified_at: Option<DateTime<Utc>>,
}

impl Fields {
    /// The meta object's keys and values.
    pub fn meta_map(&self) -> Map<String, Value> {
        self.meta.as_object().cloned().unwrap_or_default()
    }

    /// The changes from `before` to this, as the audit trail records them (fields named as
    /// everywhere else: `name`, `email`, …, `meta`, `verified_at`).
    pub fn changes_from(&self, before: &Fields) -> Changes {
        let text = |value: &Option<String>| value.clone().map_or(Value::Null, Value::String);
        let mut changes = Changes::new();
        for (name, before, after) in [
            ("name", &before.name, &self.name),
            ("nick", &before.nick, &self.nick),
            ("email", &before.email, &self.email),
            ("phone", &before.phone, &self.phone),
            ("description", &before.description, &self.description),
            ("preferences", &before.preferences, &self.preferences),
        ] {
            changes.field(name, text(before), text(after));
        }
        let empty = |meta: &Value| meta.as_object().is_none_or(Map::is_empty);
        if !(empty(&before.meta) && empty(&self.meta)) {
            changes.field("meta", before.meta.clone(), self.meta.clone());
        }
        let time =
            |at: &Option<DateTime<Utc>>| at.map_or(Value::Null, |at| json!(at.timestamp_millis()));
        changes.field(
            "verified_at",
            time(&before.verified_at),
            time(&self.verified_at),
        );
        changes
    }
}

/// A contact a batch's rows could match: from `contacts`, or (in a dry run) from the shadow.
#[derive(QueryableByName, Debug, Clone, PartialEq)]
pub struct Candidate {
    /// A contact's id; in a dry run, negative for a contact an earlier batch would create.
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Integer)]
    pub version: i32,
    #[diesel(sql_type = Text)]
    pub fingerprint: String,
    #[diesel(embed)]
    pub fields: Fields,
}

/// What a batch's rows could be matched by.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    /// Lower-cased.
    pub emails: Vec<String>,
    /// E.164.
    pub phones: Vec<String>,
    pub fingerprints: Vec<String>,
}

/// Where lookups look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The contacts as they are.
    Contacts,
    /// The contacts as a dry run would have left them: the shadow's rows, and the contacts
    /// it has no row for.
    Shadow,
}

const COLUMNS: &str = "id, version, fingerprint, name, description, email, phone, nick, preferences, meta, verified_at";

/// Every contact with one of `keys`' emails (ignoring case), phones or fingerprints, each
/// once.
///
/// Each key is looked up on its own, by its b-tree (`unnest` of the batch's keys, each
/// probing the index in a `LATERAL` subquery that `OFFSET 0` keeps from being flattened into
/// a join). Handed a thousand values at once (`email = ANY($1) OR …`), the planner judges
/// them by their combined selectivity: it scans the whole table while it is below a few
/// hundred thousand rows, or answers `phone = ANY(…)` from the search box's trigram index,
/// a second or more per batch either way. One probe per key is a few milliseconds for a
/// thousand, whatever the table's size and however stale its statistics. Call it inside the
/// batch's transaction.
pub fn lookup(
    connection: &mut PgConnection,
    keys: &Keys,
    source: Source,
) -> QueryResult<Vec<Candidate>> {
    let live = super::contact::LIVE_SQL;
    let probe = |table: &str, column: &str, param: usize, also: &str| {
        format!(
            "SELECT c.* FROM unnest(${param}::text[]) AS k(v) CROSS JOIN LATERAL \
             (SELECT {COLUMNS} FROM {table} c WHERE {column} = k.v{also} OFFSET 0) c"
        )
    };
    let live_contacts = format!(" AND ({live})");
    let not_shadowed = format!(
        " AND ({live}) AND NOT EXISTS (SELECT 1 FROM pg_temp.import_shadow s WHERE s.id = c.id)"
    );
    let parts: Vec<String> = [("lower(c.email)", 1), ("c.phone", 2), ("c.fingerprint", 3)]
        .into_iter()
        .map(|(column, param)| match source {
            Source::Contacts => probe("contacts", column, param, &live_contacts),
            Source::Shadow => format!(
                "{} UNION ALL {}",
                probe("pg_temp.import_shadow", column, param, ""),
                probe("contacts", column, param, &not_shadowed)
            ),
        })
        .collect();
    // The shadow has no statistics (temporary tables are never analysed), so its probes are
    // costed as if each found a hundred rows, which is past the cost at which PostgreSQL
    // JIT-compiles a query: a few hundred milliseconds per batch to compile what runs in ten.
    // Within the batch's transaction, the lookup runs uncompiled.
    connection.batch_execute("SET LOCAL jit = off")?;
    let mut found: Vec<Candidate> = diesel::sql_query(parts.join(" UNION ALL "))
        .bind::<Array<Text>, _>(&keys.emails)
        .bind::<Array<Text>, _>(&keys.phones)
        .bind::<Array<Text>, _>(&keys.fingerprints)
        .load(connection)?;
    // A contact found by two of its keys comes once.
    found.sort_unstable_by_key(|candidate| candidate.id);
    found.dedup_by_key(|candidate| candidate.id);
    Ok(found)
}

/// A contact to create.
#[derive(Debug, Clone)]
pub struct NewImported {
    pub fingerprint: String,
    pub fields: Fields,
}

/// A contact to change: its new values, and the version they were computed from.
#[derive(Debug, Clone)]
pub struct ChangedImported {
    pub id: i64,
    pub version: i32,
    pub before: Fields,
    pub after: Fields,
}

/// The arrays of a batch's fields, one per column, for `unnest`.
#[derive(Default)]
struct Columns {
    name: Vec<Option<String>>,
    description: Vec<Option<String>>,
    email: Vec<Option<String>>,
    phone: Vec<Option<String>>,
    nick: Vec<Option<String>>,
    preferences: Vec<Option<String>>,
    meta: Vec<Value>,
    verified_at: Vec<Option<DateTime<Utc>>>,
}

impl Columns {
    fn of<'a>(rows: impl Iterator<Item = &'a Fields>) -> Columns {
        let mut columns = Columns::default();
        for fields in rows {
            columns.name.push(fields.name.clone());
            columns.description.push(fields.description.clone());
            columns.email.push(fields.email.clone());
            columns.phone.push(fields.phone.clone());
            columns.nick.push(fields.nick.clone());
            columns.preferences.push(fields.preferences.clone());
            columns.meta.push(fields.meta.clone());
            columns.verified_at.push(fields.verified_at);
        }
        columns
    }
}

#[derive(QueryableByName)]
struct Created {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    fingerprint: String,
}

/// Creates the contacts (source "import", unverified unless the row said when) with one
/// audit entry each, inside the caller's transaction. Fingerprints must be unique in the
/// batch; a value another contact holds (committed meanwhile) fails with a unique violation.
pub fn insert(
    connection: &mut PgConnection,
    rows: &[NewImported],
    job: JobId,
    actor: &Actor,
) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let columns = Columns::of(rows.iter().map(|row| &row.fields));
    let fingerprints: Vec<&str> = rows.iter().map(|row| row.fingerprint.as_str()).collect();
    let created: Vec<Created> = diesel::sql_query(
        "INSERT INTO contacts (name, description, email, phone, nick, preferences, meta, \
                               fingerprint, verified_at, source) \
         SELECT n, d, e, p, k, pr, m, f, v, 'import' \
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
                       $7::jsonb[], $8::text[], $9::timestamptz[]) AS t(n, d, e, p, k, pr, m, f, v) \
         RETURNING id, fingerprint",
    )
    .bind::<Array<Nullable<Text>>, _>(&columns.name)
    .bind::<Array<Nullable<Text>>, _>(&columns.description)
    .bind::<Array<Nullable<Text>>, _>(&columns.email)
    .bind::<Array<Nullable<Text>>, _>(&columns.phone)
    .bind::<Array<Nullable<Text>>, _>(&columns.nick)
    .bind::<Array<Nullable<Text>>, _>(&columns.preferences)
    .bind::<Array<Jsonb>, _>(&columns.meta)
    .bind::<Array<Text>, _>(&fingerprints)
    .bind::<Array<Nullable<Timestamptz>>, _>(&columns.verified_at)
    .load(connection)?;
    let by_fingerprint: std::collections::HashMap<&str, &NewImported> = rows
        .iter()
        .map(|row| (row.fingerprint.as_str(), row))
        .collect();
    let empty = Fields::default();
    let entries: Vec<(Subject<'static>, Changes)> = created
        .iter()
        .filter_map(|created| {
            let row = by_fingerprint.get(created.fingerprint.as_str())?;
            let mut changes = row.fields.changes_from(&empty);
            tag(&mut changes, job);
            Some((
                Subject::contact(crate::domain::ContactId(created.id)),
                changes,
            ))
        })
        .collect();
    audit::record_many(connection, actor, "create", &entries)?;
    Ok(created.len())
}

/// Changes the contacts to their new values with one audit entry each, inside the caller's
/// transaction, each only if it is still at the version read. Returns how many changed: fewer
/// than asked means someone else changed one meanwhile, and the caller must roll back.
pub fn update(
    connection: &mut PgConnection,
    rows: &[ChangedImported],
    job: JobId,
    actor: &Actor,
) -> QueryResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    let columns = Columns::of(rows.iter().map(|row| &row.after));
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let versions: Vec<i32> = rows.iter().map(|row| row.version).collect();
    // A contact that left the live ones meanwhile counts as changed by someone else.
    let changed = diesel::sql_query(format!(
        "UPDATE contacts c \
            SET name = t.n, description = t.d, email = t.e, phone = t.p, nick = t.k, \
                preferences = t.pr, meta = t.m, verified_at = t.v, version = c.version + 1 \
           FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::text[], $5::text[], \
                       $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::timestamptz[]) \
                AS t(id, ver, n, d, e, p, k, pr, m, v) \
          WHERE c.id = t.id AND c.version = t.ver AND ({})",
        super::contact::LIVE_SQL
    ))
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<Integer>, _>(&versions)
    .bind::<Array<Nullable<Text>>, _>(&columns.name)
    .bind::<Array<Nullable<Text>>, _>(&columns.description)
    .bind::<Array<Nullable<Text>>, _>(&columns.email)
    .bind::<Array<Nullable<Text>>, _>(&columns.phone)
    .bind::<Array<Nullable<Text>>, _>(&columns.nick)
    .bind::<Array<Nullable<Text>>, _>(&columns.preferences)
    .bind::<Array<Jsonb>, _>(&columns.meta)
    .bind::<Array<Nullable<Timestamptz>>, _>(&columns.verified_at)
    .execute(connection)?;
    if changed != rows.len() {
        return Ok(changed);
    }
    let entries: Vec<(Subject<'static>, Changes)> = rows
        .iter()
        .map(|row| {
            let mut changes = row.after.changes_from(&row.before);
            tag(&mut changes, job);
            (Subject::contact(crate::domain::ContactId(row.id)), changes)
        })
        .collect();
    audit::record_many(connection, actor, "update", &entries)?;
    Ok(changed)
}

/// Says in an audit entry that the change came from an import, and which.
fn tag(changes: &mut Changes, job: JobId) {
    changes.context("source", json!("import"));
    changes.context("import_job", json!(job.0));
}

/// Creates the dry run's shadow in this session (emptied if it exists), for
/// [`Source::Shadow`] lookups and [`write_shadow`]. Drop it with [`drop_shadow`]; it goes
/// with the connection anyway.
pub fn create_shadow(connection: &mut PgConnection) -> QueryResult<()> {
    drop_shadow(connection)?;
    connection.batch_execute(
        "CREATE TEMPORARY TABLE import_shadow ( \
             id bigint PRIMARY KEY, version integer NOT NULL, fingerprint text NOT NULL, \
             name text, description text, email text, phone text, nick text, preferences text, \
             meta jsonb NOT NULL, verified_at timestamptz); \
         CREATE INDEX ON pg_temp.import_shadow (lower(email)); \
         CREATE INDEX ON pg_temp.import_shadow (phone); \
         CREATE INDEX ON pg_temp.import_shadow (fingerprint);",
    )
}

pub fn drop_shadow(connection: &mut PgConnection) -> QueryResult<()> {
    connection.batch_execute("DROP TABLE IF EXISTS pg_temp.import_shadow")
}

/// Records in the shadow what a batch would have left: each contact it would create
/// (negative id) or change, with its new values.
pub fn write_shadow(connection: &mut PgConnection, rows: &[Candidate]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let columns = Columns::of(rows.iter().map(|row| &row.fields));
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let versions: Vec<i32> = rows.iter().map(|row| row.version).collect();
    let fingerprints: Vec<&str> = rows.iter().map(|row| row.fingerprint.as_str()).collect();
    diesel::sql_query(
        "INSERT INTO pg_temp.import_shadow \
             (id, version, fingerprint, name, description, email, phone, nick, preferences, \
              meta, verified_at) \
         SELECT * FROM unnest($1::bigint[], $2::integer[], $3::text[], $4::text[], $5::text[], \
                              $6::text[], $7::text[], $8::text[], $9::text[], $10::jsonb[], \
                              $11::timestamptz[]) \
         ON CONFLICT (id) DO UPDATE SET \
             version = excluded.version, name = excluded.name, \
             description = excluded.description, email = excluded.email, \
             phone = excluded.phone, nick = excluded.nick, \
             preferences = excluded.preferences, meta = excluded.meta, \
             verified_at = excluded.verified_at",
    )
    .bind::<Array<BigInt>, _>(&ids)
    .bind::<Array<Integer>, _>(&versions)
    .bind::<Array<Text>, _>(&fingerprints)
    .bind::<Array<Nullable<Text>>, _>(&columns.name)
    .bind::<Array<Nullable<Text>>, _>(&columns.description)
    .bind::<Array<Nullable<Text>>, _>(&columns.email)
    .bind::<Array<Nullable<Text>>, _>(&columns.phone)
    .bind::<Array<Nullable<Text>>, _>(&columns.nick)
    .bind::<Array<Nullable<Text>>, _>(&columns.preferences)
    .bind::<Array<Jsonb>, _>(&columns.meta)
    .bind::<Array<Nullable<Timestamptz>>, _>(&columns.verified_at)
    .execute(connection)?;
    Ok(())
}
