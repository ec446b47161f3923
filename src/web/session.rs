//! A typed view of the session cookie, so handlers never spell session keys.
//!
//! Sessions live entirely in a signed and encrypted cookie (actix-session's cookie store), so
//! any number of Rapport processes can serve the same users.

use crate::domain::StaffUserId;
use actix_session::{Session, SessionExt};
use actix_web::dev::{Payload, ServiceRequest};
use actix_web::{FromRequest, HttpRequest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::future::{Ready, ready};

const USER_ID: &str = "user_id";
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

    /// Starts a signed-in session: a fresh session and a fresh CSRF token, so nothing from
    /// before sign-in carries over (session fixation).
    pub fn sign_in(&self, user: StaffUserId) {
        self.0.renew();
        self.0.clear();
        let _ = self.0.insert(USER_ID, user.0);
        let _ = self.0.insert(CSRF_TOKEN, new_token());
    }

    pub fn sign_out(&self) {
        self.0.purge();
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

/// 256 random bits, URL-safe.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
