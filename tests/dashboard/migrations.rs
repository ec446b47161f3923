//! Migrations apply, revert completely, and apply again.

use crate::common::TestDb;
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use rapport::db::MIGRATIONS;

#[test]
fn migrations_go_up_down_and_up_again() {
    let db = TestDb::create();
    let mut conn = db.connect();
    // The template is already migrated: go all the way down, check, then up again.
    let reverted = conn.revert_all_migrations(MIGRATIONS).unwrap().len();
    assert!(reverted > 0);
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let tables: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(tables.n, 0, "down migrations leave nothing behind");
    let applied = conn.run_pending_migrations(MIGRATIONS).unwrap().len();
    assert_eq!(applied, reverted);
    assert!(!conn.has_pending_migration(MIGRATIONS).unwrap());
}
