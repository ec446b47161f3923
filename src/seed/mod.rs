//! `rapport seed`: realistic demo data.

use diesel::PgConnection;

/// Creates `contacts` demo contacts.
pub fn run(
    _connection: &mut PgConnection,
    _contacts: u64,
    _with_activity: bool,
) -> Result<(), String> {
    Err("not yet available".into())
}
