//! Throttling of password guessing: failed sign-ins are counted over a sliding window, per
//! email and per client address. Kept in PostgreSQL so it holds across app processes.

use super::schema::sign_in_failures;
use chrono::{Duration, Utc};
use diesel::prelude::*;

/// How far back failures count.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures per email within the window before that email is locked out.
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
/// Failures per client address within the window (higher: offices share addresses).
pub const MAX_FAILURES_PER_IP: i64 = 20;

/// Whether another attempt is allowed for this email from this address.
pub fn is_throttled(
    connection: &mut PgConnection,
    email: &str,
    client_ip: &str,
) -> QueryResult<bool> {
    let since = Utc::now() - Duration::minutes(WINDOW_MINUTES);
    let by_email: i64 = sign_in_failures::table
        .filter(sign_in_failures::email_key.eq(email_key(email)))
        .filter(sign_in_failures::created_at.gt(since))
        .count()
        .get_result(connection)?;
    if by_email >= MAX_FAILURES_PER_EMAIL {
        return Ok(true);
    }
    let by_ip: i64 = sign_in_failures::table
        .filter(sign_in_failures::client_ip.eq(client_ip))
        .filter(sign_in_failures::created_at.gt(since))
        .count()
        .get_result(connection)?;
    Ok(by_ip >= MAX_FAILURES_PER_IP)
}

/// Records a failed attempt and forgets failures older than a day.
pub fn record_failure(
    connection: &mut PgConnection,
    email: &str,
    client_ip: &str,
) -> QueryResult<()> {
    diesel::insert_into(sign_in_failures::table)
        .values((
            sign_in_failures::email_key.eq(email_key(email)),
            sign_in_failures::client_ip.eq(client_ip),
        ))
        .execute(connection)?;
    diesel::delete(
        sign_in_failures::table
            .filter(sign_in_failures::created_at.lt(Utc::now() - Duration::days(1))),
    )
    .execute(connection)?;
    Ok(())
}

/// A successful sign-in clears that email's failures.
pub fn clear(connection: &mut PgConnection, email: &str) -> QueryResult<()> {
    diesel::delete(
        sign_in_failures::table.filter(sign_in_failures::email_key.eq(email_key(email))),
    )
    .execute(connection)?;
    Ok(())
}

fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}
