//! Throttling of password guessing: attempts are counted over a sliding window, per email and
//! per client address. Kept in PostgreSQL so it holds across app processes.
//!
//! A client address counts as [`network::client_key`] says: an IPv4 address, or the /64 of
//! an IPv6 address (whose owner can pick any address in it for each guess).
//!
//! An attempt is recorded as a failure *before* its password is checked ([`begin_attempt`])
//! and cleared when the password was right ([`clear`]), so a burst of parallel guesses
//! cannot all pass the count before any of them is recorded.

use super::schema::sign_in_failures;
use crate::domain::network;
use chrono::{Duration, Utc};
use diesel::prelude::*;

/// How far back failures count.
pub const WINDOW_MINUTES: i64 = 15;
/// Failures per email within the window before that email is locked out.
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
/// Failures per client address within the window (higher: offices share addresses).
pub const MAX_FAILURES_PER_IP: i64 = 20;

/// Whether an attempt may check its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted as a failure until [`clear`] says otherwise.
    Allowed,
    /// Too many failures lately for the email or the address; not counted.
    Throttled,
}

/// Counts an attempt for this email from this address as a failure, then decides whether it
/// may go on: it may when, with it, neither has more failures in the window than its limit.
/// A throttled attempt's row is removed again, so waiting out the window always works.
///
/// Race-free without locks because each statement commits on its own (this must not run
/// inside a transaction): every attempt's row is visible before that attempt counts, so of
/// any number of concurrent attempts the one whose row is the limit-plus-first to commit,
/// and each after it, counts more than the limit.
pub fn begin_attempt(
    connection: &mut PgConnection,
    email: &str,
    client_ip: &str,
) -> QueryResult<Attempt> {
    let key = email_key(email);
    let client_ip = &client_key(client_ip);
    let id: i64 = diesel::insert_into(sign_in_failures::table)
        .values((
            sign_in_failures::email_key.eq(&key),
            sign_in_failures::client_ip.eq(client_ip),
        ))
        .returning(sign_in_failures::id)
        .get_result(connection)?;
    let since = Utc::now() - Duration::minutes(WINDOW_MINUTES);
    let by_email: i64 = sign_in_failures::table
        .filter(sign_in_failures::email_key.eq(&key))
        .filter(sign_in_failures::created_at.gt(since))
        .count()
        .get_result(connection)?;
    let throttled = by_email > MAX_FAILURES_PER_EMAIL || {
        let by_ip: i64 = sign_in_failures::table
            .filter(sign_in_failures::client_ip.eq(client_ip))
            .filter(sign_in_failures::created_at.gt(since))
            .count()
            .get_result(connection)?;
        by_ip > MAX_FAILURES_PER_IP
    };
    if !throttled {
        return Ok(Attempt::Allowed);
    }
    diesel::delete(sign_in_failures::table.find(id)).execute(connection)?;
    Ok(Attempt::Throttled)
}

/// Forgets failures older than a day (called after a failure, so the table stays small).
pub fn forget_old(connection: &mut PgConnection) -> QueryResult<()> {
    diesel::delete(
        sign_in_failures::table
            .filter(sign_in_failures::created_at.lt(Utc::now() - Duration::days(1))),
    )
    .execute(connection)?;
    Ok(())
}

/// A successful sign-in clears that email's failures, the attempt's own included.
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

/// The client an attempt counts against: an address's [`network::client_key`]; anything that
/// is not an address ("unknown", when the transport had none) as it is.
fn client_key(client_ip: &str) -> String {
    client_ip.parse().map_or_else(
        |_| client_ip.to_string(),
        |ip| network::client_key(ip).to_string(),
    )
}
