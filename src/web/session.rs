//! A typed view of the session cookie, so handlers never spell session keys.
//!
//! Sessions live entirely in a signed and encrypted cookie (actix-session's cookie store), so
//! any number of Rapport processes can serve the same users. Because the server keeps no list
//! of sessions, a session carries what is needed to end it ([`SessionStamp`]): when it was
//! signed in and last seen, for the idle and absolute limits of [`SessionSettings`], and the
//! user's session epoch at sign-in, which signing out and other revocations move on (see
//! `models::staff_user`). Both are checked on every request that loads the user
//! (`context::signed_in_user`).

use crate::config::ConfigError;
use crate::domain::StaffUserId;
use actix_session::{Session, SessionExt};
use actix_web::dev::{Payload, ServiceRequest};
use actix_web::{FromRequest, HttpRequest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::future::{Ready, ready};
use std::time::Duration;

const USER_ID: &str = "user_id";
/// When the session was signed in (Unix milliseconds): the absolute limit counts from it.
const SIGNED_IN_AT: &str = "signed_in_at";
/// When the session was last seen (Unix milliseconds), refreshed at most every
/// [`SessionSettings::refresh_every`]: the idle limit counts from it.
const SEEN_AT: &str = "seen_at";
/// The user's session epoch at sign-in: the session ends when the user's moves on (see
/// `models::staff_user`).
const EPOCH: &str = "epoch";
const CSRF_TOKEN: &str = "csrf";
const FLASH: &str = "flash";

/// A one-time notice shown on the next page ("Contact created").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Flash {
    pub kind: FlashKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum FlashKind {
    Success,
    Error,
}

impl FlashKind {
    pub fn css_class(self) -> &'static str {
        match self {
            FlashKind::Success => "toast-success",
            FlashKind::Error => "toast-error",
        }
    }
}

pub struct TypedSession(Session);

impl TypedSession {
    pub fn of_service_request(request: &ServiceRequest) -> Self {
        Self(request.get_session())
    }

    pub fn user_id(&self) -> Option<StaffUserId> {
        self.0.get::<i64>(USER_ID).ok().flatten().map(StaffUserId)
    }

    /// What the session says about its sign-in, when it has one (see [`SessionStamp`]). A
    /// session signed in by an older Rapport, without the times and the epoch, has none.
    pub fn stamp(&self) -> Option<SessionStamp> {
        Some(SessionStamp {
            user_id: self.user_id()?,
            epoch: self.0.get::<i32>(EPOCH).ok().flatten()?,
            signed_in_at: self.0.get::<i64>(SIGNED_IN_AT).ok().flatten()?,
            seen_at: self.0.get::<i64>(SEEN_AT).ok().flatten()?,
        })
    }

    /// Starts a signed-in session at `now_ms` for `user` at their session `epoch`: a fresh
    /// session and a fresh CSRF token, so nothing from before sign-in carries over (session
    /// fixation).
    pub fn sign_in(&self, user: StaffUserId, epoch: i32, now_ms: i64) {
        self.0.renew();
        self.0.clear();
        let _ = self.0.insert(USER_ID, user.0);
        let _ = self.0.insert(EPOCH, epoch);
        let _ = self.0.insert(SIGNED_IN_AT, now_ms);
        let _ = self.0.insert(SEEN_AT, now_ms);
        let _ = self.0.insert(CSRF_TOKEN, new_token());
    }

    /// Records that the session was used at `now_ms` (rewrites the cookie; see
    /// [`Standing::Current`] for how often).
    pub fn touch(&self, now_ms: i64) {
        let _ = self.0.insert(SEEN_AT, now_ms);
    }

    pub fn sign_out(&self) {
        self.0.purge();
    }

    /// Ends a session that was revoked (its user's epoch moved on, or the user was disabled),
    /// leaving only the notice the sign-in page shows.
    pub fn end_revoked(&self) {
        self.sign_out_with_notice(FlashKind::Error, REVOKED_NOTICE);
    }

    /// Ends a session that ran out of time, leaving only the notice the sign-in page shows.
    pub fn expire(&self) {
        self.sign_out_with_notice(FlashKind::Error, EXPIRED_NOTICE);
    }

    /// Ends this session with a notice for the sign-in page. The cookie stays (new, empty but
    /// for the notice), so the sign-in form rendered next has a CSRF token that holds.
    pub fn sign_out_with_notice(&self, kind: FlashKind, notice: &str) {
        self.0.renew();
        self.0.clear();
        self.set_flash(kind, notice);
    }

    /// Whether this session is signed in and within its limits at `now_ms` (its epoch is
    /// checked against the user's row where the user is loaded).
    pub fn live_stamp(&self, limits: &SessionSettings, now_ms: i64) -> Option<SessionStamp> {
        self.stamp()
            .filter(|stamp| stamp.standing(limits, now_ms) != Standing::Expired)
    }

    /// The session's CSRF token, created on first use.
    pub fn csrf_token(&self) -> String {
        if let Ok(Some(token)) = self.0.get::<String>(CSRF_TOKEN) {
            return token;
        }
        let token = new_token();
        let _ = self.0.insert(CSRF_TOKEN, &token);
        token
    }

    /// The stored CSRF token, without creating one.
    pub fn existing_csrf_token(&self) -> Option<String> {
        self.0.get::<String>(CSRF_TOKEN).ok().flatten()
    }

    pub fn set_flash(&self, kind: FlashKind, text: impl Into<String>) {
        let _ = self.0.insert(
            FLASH,
            Flash {
                kind,
                text: text.into(),
            },
        );
    }

    /// The pending notice, removed so it shows once.
    pub fn take_flash(&self) -> Option<Flash> {
        if !self.0.contains_key(FLASH) {
            return None;
        }
        self.0.remove_as::<Flash>(FLASH).and_then(Result::ok)
    }
}

impl FromRequest for TypedSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Ok(Self(request.get_session())))
    }
}

/// What the sign-in page says after [`TypedSession::expire`].
pub const EXPIRED_NOTICE: &str = "Your session has expired. Sign in again to continue.";

/// What the sign-in page says after [`TypedSession::end_revoked`].
pub const REVOKED_NOTICE: &str = "Your session has ended. Sign in again to continue.";

/// Whose session this is, its epoch and its times, as the cookie carries them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionStamp {
    pub user_id: StaffUserId,
    /// The user's session epoch when this session signed in.
    pub epoch: i32,
    /// Unix milliseconds.
    pub signed_in_at: i64,
    /// Unix milliseconds.
    pub seen_at: i64,
}

/// Whether a session may still be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Within both limits. `touch`: last-seen is old enough to be refreshed; it is refreshed
    /// only then (not on every request), so the cookie is not rewritten on every request.
    Current { touch: bool },
    /// Idle too long, or signed in too long ago.
    Expired,
}

impl SessionStamp {
    /// The session's standing at `now_ms` under `limits`.
    pub fn standing(&self, limits: &SessionSettings, now_ms: i64) -> Standing {
        let since = |at: i64| Duration::from_millis(u64::try_from(now_ms - at).unwrap_or(0));
        if since(self.signed_in_at) >= limits.max_age || since(self.seen_at) >= limits.idle {
            return Standing::Expired;
        }
        Standing::Current {
            touch: since(self.seen_at) >= limits.refresh_every(),
        }
    }
}

/// How long staff sessions last (`RAPPORT_SESSION_IDLE_MINUTES`, `RAPPORT_SESSION_MAX_HOURS`),
/// read once at start. Durations, so tests can use seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// A session unused this long has expired.
    pub idle: Duration,
    /// A session this old has expired, however busy.
    pub max_age: Duration,
}

const DEFAULT_IDLE_MINUTES: u64 = 120;
const DEFAULT_MAX_HOURS: u64 = 12;
/// Last-seen is refreshed at most this often (or a tenth of the idle limit when that is
/// shorter), so the idle limit is exact to within a minute.
const REFRESH_EVERY: Duration = Duration::from_secs(60);

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle: Duration::from_secs(DEFAULT_IDLE_MINUTES * 60),
            max_age: Duration::from_secs(DEFAULT_MAX_HOURS * 3600),
        }
    }
}

impl SessionSettings {
    /// Reads `RAPPORT_SESSION_IDLE_MINUTES` (1–43200, default 120) and
    /// `RAPPORT_SESSION_MAX_HOURS` (1–8760, default 12).
    pub fn from_env(lookup: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let read = |variable: &'static str, default: u64, max: u64, unit: &str| {
            let Some(text) = lookup(variable)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
            else {
                return Ok(default);
            };
            text.parse::<u64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| ConfigError {
                    variable,
                    problem: format!("\"{text}\" is not a number of {unit} from 1 to {max}"),
                })
        };
        let idle = read(
            "RAPPORT_SESSION_IDLE_MINUTES",
            DEFAULT_IDLE_MINUTES,
            43_200,
            "minutes",
        )?;
        let max_hours = read(
            "RAPPORT_SESSION_MAX_HOURS",
            DEFAULT_MAX_HOURS,
            8_760,
            "hours",
        )?;
        Ok(SessionSettings {
            idle: Duration::from_secs(idle * 60),
            max_age: Duration::from_secs(max_hours * 3600),
        })
    }

    /// How old last-seen may get before a request refreshes it.
    pub fn refresh_every(&self) -> Duration {
        REFRESH_EVERY.min(self.idle / 10)
    }
}

/// The current time as sessions record it (Unix milliseconds).
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// 256 random bits, URL-safe.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000;

    fn stamp(signed_in_at: i64, seen_at: i64) -> SessionStamp {
        SessionStamp {
            user_id: StaffUserId(1),
            epoch: 0,
            signed_in_at,
            seen_at,
        }
    }

    #[test]
    fn sessions_end_when_idle_or_old_and_refresh_last_seen_once_a_minute() {
        let limits = SessionSettings::default();
        let fresh = stamp(0, 0);
        assert_eq!(
            fresh.standing(&limits, 30_000),
            Standing::Current { touch: false }
        );
        assert_eq!(
            fresh.standing(&limits, MINUTE),
            Standing::Current { touch: true }
        );
        assert_eq!(
            fresh.standing(&limits, 119 * MINUTE),
            Standing::Current { touch: true }
        );
        assert_eq!(fresh.standing(&limits, 120 * MINUTE), Standing::Expired);
        // Busy all along: still ends twelve hours after signing in.
        let busy = stamp(0, 12 * 60 * MINUTE - MINUTE);
        assert_eq!(
            busy.standing(&limits, 12 * 60 * MINUTE - 1),
            Standing::Current { touch: false }
        );
        assert_eq!(busy.standing(&limits, 12 * 60 * MINUTE), Standing::Expired);
        // A clock that went backwards does not expire anyone.
        assert_eq!(
            stamp(MINUTE, MINUTE).standing(&limits, 0),
            Standing::Current { touch: false }
        );
    }

    #[test]
    fn short_idle_limits_refresh_more_often() {
        let limits = SessionSettings {
            idle: Duration::from_secs(2),
            max_age: Duration::from_secs(3600),
        };
        assert_eq!(limits.refresh_every(), Duration::from_millis(200));
        assert_eq!(
            stamp(0, 0).standing(&limits, 250),
            Standing::Current { touch: true }
        );
    }

    fn read(pairs: &[(&'static str, &str)]) -> Result<SessionSettings, ConfigError> {
        let pairs: Vec<(&str, String)> = pairs.iter().map(|(k, v)| (*k, v.to_string())).collect();
        SessionSettings::from_env(&move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn limits_come_from_the_environment() {
        assert_eq!(read(&[]).unwrap(), SessionSettings::default());
        assert_eq!(
            SessionSettings::default().idle,
            Duration::from_secs(120 * 60)
        );
        assert_eq!(
            SessionSettings::default().max_age,
            Duration::from_secs(12 * 3600)
        );
        let set = read(&[
            ("RAPPORT_SESSION_IDLE_MINUTES", " 15 "),
            ("RAPPORT_SESSION_MAX_HOURS", "8"),
        ])
        .unwrap();
        assert_eq!(set.idle, Duration::from_secs(15 * 60));
        assert_eq!(set.max_age, Duration::from_secs(8 * 3600));
        for (variable, bad) in [
            ("RAPPORT_SESSION_IDLE_MINUTES", "0"),
            ("RAPPORT_SESSION_IDLE_MINUTES", "two hours"),
            ("RAPPORT_SESSION_MAX_HOURS", "8761"),
        ] {
            let error = read(&[(variable, bad)]).unwrap_err();
            assert_eq!(error.variable, variable);
            assert!(error.problem.contains(bad), "{error}");
        }
    }
}
