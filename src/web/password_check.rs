//! The one throttled password check, shared by signing in and by the pages that ask a
//! signed-in admin for their password again (revealing a secret).
//!
//! [`check`] does, in this order:
//! 1. records the attempt as a failure against the email and the client address, and refuses
//!    without checking when either had too many failures lately ([`sign_in_throttle`]), so a
//!    guesser learns nothing from a throttled attempt. Recording comes first so that a burst
//!    of parallel guesses cannot all pass the count before any of them is recorded;
//! 2. gives the request's connection back to the pool and runs argon2 on a blocking thread
//!    (tens of milliseconds of CPU, never on the async workers), at most one hash per core at
//!    a time ([`HASHING`]), so a flood of sign-ins queues here instead of starving every
//!    other page of CPU; an unknown email or a disabled account is checked against a dummy
//!    hash, so it takes as long as a wrong password and nobody can tell them apart;
//! 3. a right password clears the email's failures, its own attempt included (signing in
//!    then records the sign-in, see `web::auth`); a wrong one stays counted.
//!
//! Reveal failures and sign-in failures share the count, so a left-open session cannot be
//! used to guess its user's password: after five wrong ones both pause for that email.

use crate::db::RequestDb;
use crate::domain::{StaffUserId, password};
use crate::error::AppError;
use crate::models::sign_in_throttle::{self, Attempt};
use crate::models::staff_user::{self, StaffUser};
use crate::web::current_user::CurrentUser;
use actix_web::web;
use diesel::PgConnection;
use std::sync::LazyLock;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

/// Whose password is being checked.
#[derive(Debug, Clone, Copy)]
pub enum Claimant<'a> {
    /// Someone signing in with this email, as typed; the account may not exist.
    SigningIn(&'a str),
    /// The signed-in user confirming it is them before a sensitive action.
    SignedIn(&'a CurrentUser),
}

impl Claimant<'_> {
    /// The email the throttle counts failures against.
    fn email(&self) -> &str {
        match self {
            Claimant::SigningIn(email) => email,
            Claimant::SignedIn(user) => &user.email,
        }
    }
}

/// How a password check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Too many failures lately for the email or the address: the password was not checked.
    Throttled,
    /// A wrong password, an unknown email or a disabled account (deliberately one answer).
    Wrong,
    /// The password is right: the claimant is this active user.
    Right(StaffUserId),
}

/// Checks `password` for `claimant`, throttled; see the module docs. The outcome is recorded
/// before this returns; only a database failure is an error. `client_ip` is the address the
/// attempt counts against (`context::client_ip`).
pub async fn check(
    db: &RequestDb,
    claimant: Claimant<'_>,
    password: Zeroizing<String>,
    client_ip: &str,
) -> Result<Check, AppError> {
    let email = claimant.email().to_string();
    let lookup = Lookup::of(claimant);
    let (throttle_email, throttle_ip) = (email.clone(), client_ip.to_string());
    // Not retried: a second run would count the attempt twice.
    let found = db
        .write(move |conn| {
            match sign_in_throttle::begin_attempt(conn, &throttle_email, &throttle_ip)? {
                Attempt::Throttled => Ok(None),
                Attempt::Allowed => Ok(Some(lookup.find(conn)?)),
            }
        })
        .await?;
    let Some(user) = found else {
        return Ok(Check::Throttled);
    };

    // The connection goes back to the pool while the hash runs, instead of idling in it.
    db.release();
    let verified = {
        // Never closed, so acquiring cannot fail; if it did, hashing unthrottled is better
        // than refusing to sign anyone in.
        let _permit = HASHING.acquire().await.ok();
        web::block(move || match &user {
            Some(user) if user.is_active() => {
                password::verify(&password, &user.password_hash).then_some(user.id)
            }
            Some(_) | None => {
                password::verify_against_dummy(&password);
                None
            }
        })
        .await?
    };

    db.write(move |conn| match verified {
        Some(user_id) => {
            sign_in_throttle::clear(conn, &email)?;
            Ok(Check::Right(user_id))
        }
        None => {
            sign_in_throttle::forget_old(conn)?;
            Ok(Check::Wrong)
        }
    })
    .await
}

/// Password hashes running at once, per process: one per core. A process-wide limit rather
/// than one per app state, because what it shares out is the machine's cores.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(hashing_permits()));

/// The number of cores this process may use (at least one).
fn hashing_permits() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// How to find the claimant's account, owned so it can move to the blocking thread.
enum Lookup {
    Email(String),
    Id(StaffUserId),
}

impl Lookup {
    fn of(claimant: Claimant<'_>) -> Self {
        match claimant {
            Claimant::SigningIn(email) => Lookup::Email(email.to_string()),
            Claimant::SignedIn(user) => Lookup::Id(user.id),
        }
    }

    fn find(&self, conn: &mut PgConnection) -> Result<Option<StaffUser>, AppError> {
        Ok(match self {
            Lookup::Email(email) => staff_user::find_by_email(conn, email)?,
            Lookup::Id(id) => staff_user::find(conn, *id)?,
        })
    }
}
