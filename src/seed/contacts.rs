//! Writing seeded contacts with `COPY … FROM STDIN (FORMAT binary)`, and finding their ids
//! afterwards (COPY cannot return them).

use crate::models::schema::contacts;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::Value;
use std::collections::HashMap;

/// One contacts row as COPY sends it. Every column with a default is listed and sent, because
/// COPY applies defaults only to columns it is not given; `id` and the generated `sort_name`
/// and `search_text` are left to the database.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = contacts)]
#[diesel(treat_none_as_default_value = false)]
pub struct SeedContact {
    pub name: Option<String>,
    pub description: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub nick: Option<String>,
    pub preferences: Option<String>,
    pub meta: Value,
    pub fingerprint: String,
    pub verified_at: Option<DateTime<Utc>>,
    pub source: &'static str,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Copies a batch of contacts; returns how many rows the database took.
pub fn copy(connection: &mut PgConnection, rows: &[SeedContact]) -> QueryResult<usize> {
    diesel::copy_from(contacts::table)
        .from_insertable(rows)
        .execute(connection)
}

/// The ids of the contacts with these fingerprints among those with an id above `after`.
///
/// Found through the primary key rather than the fingerprint index, which a large seed drops
/// while it loads: contacts written by this seed after `after` was seen get higher ids.
pub fn ids_by_fingerprint(
    connection: &mut PgConnection,
    after: i64,
    fingerprints: &[&str],
) -> QueryResult<HashMap<String, i64>> {
    let found: Vec<(String, i64)> = contacts::table
        .filter(contacts::id.gt(after))
        .filter(contacts::fingerprint.eq_any(fingerprints))
        .select((contacts::fingerprint, contacts::id))
        .load(connection)?;
    Ok(found.into_iter().collect())
}
