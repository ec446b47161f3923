//! The one throttled password check, shared by signing in and by the pages that ask a
//! signed-in admin for their password again (revealing a secret).
//!
//! [`check`] does, in this order:
//! 1. refuses without checking when the email or the client address had too many failures
//!    lately ([`sign_in_throttle`]), so a guesser learns nothing from a throttled attempt;
//! 2. gives the request's connection back to the pool and runs argon2 on a blocking thread
//!    (tens of milliseconds of CPU, never on the async workers); an unknown email or a
//!    disabled account is checked against a dummy hash, so it takes as long as a wrong
//!    password and nobody can tell them apart;
//! 3. records the outcome: a failure counts against the email and the address, a success
//!    clears the email's failures (and, for a sign-in, records it on the account).
//!
//! Reveal failures and sign-in failures share the count, so a left-open session cannot be
//! used to guess its user's password: after five wrong ones both pause for that email.

use crate::db::RequestDb;
use crate::domain::{StaffUserId, password};
use crate::error::AppError;
use crate::models::sign_in_throttle;
use crate::models::staff_user::{self, StaffUser};
use crate::web::current_user::CurrentUser;
use actix_web::web;
use diesel::PgConnection;
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
/// before this returns; only a database failure is an error.
pub async fn check(
    db: &RequestDb,
    claimant: Claimant<'_>,
    password: Zeroizing<String>,
    client_ip: &str,
) -> Result<Check, AppError> {
    let email = claimant.email().to_string();
    let lookup = Lookup::of(claimant);
    let (throttle_email, throttle_ip) = (email.clone(), client_ip.to_string());
    let found = db
        .read(move |conn| {
            if sign_in_throttle::is_throttled(conn, &throttle_email, &throttle_ip)? {
                return Ok(None);
            }
            Ok(Some(lookup.find(conn)?))
        })
        .await?;
    let Some(user) = found else {
        return Ok(Check::Throttled);
    };

    // The connection goes back to the pool while the hash runs, instead of idling in it.
    db.release();
    let verified = web::block(move || match &user {
        Some(user) if user.is_active() => {
            password::verify(&password, &user.password_hash).then_some(user.id)
        }
        Some(_) | None => {
            password::verify_against_dummy(&password);
            None
        }
    })
    .await?;

    let signing_in = matches!(claimant, Claimant::SigningIn(_));
    let client_ip = client_ip.to_string();
    db.write(move |conn| match verified {
        Some(user_id) => {
            sign_in_throttle::clear(conn, &email)?;
            if signing_in {
                staff_user::record_sign_in(conn, user_id)?;
            }
            Ok(Check::Right(user_id))
        }
        None => {
            sign_in_throttle::record_failure(conn, &email, &client_ip)?;
            Ok(Check::Wrong)
        }
    })
    .await
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
