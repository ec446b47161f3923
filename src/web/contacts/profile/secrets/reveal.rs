//! Revealing a secret's value: admins only, after re-entering their own password.
//!
//! The password is checked with argon2 on a blocking thread once the database connection is
//! back in the pool, as at sign-in. A wrong password counts as a failed sign-in for that
//! admin's email and client address ([`sign_in_throttle`]), so a left-open session cannot be
//! used to guess the password: after five wrong ones, both reveal and sign-in pause for that
//! email. A successful reveal is audited ("revealed", never the value) in the transaction that
//! decrypts it. The value is shown in a panel that `static/app.js` clears after 30 seconds
//! (`data-hide-after`); without JavaScript the page reloads itself without the value then
//! (`Refresh` header). Responses are never cached (`Cache-Control: no-store`).

use super::super::tab::TABS_TARGET;
use super::{Loaded, Panel, keyring};
use crate::domain::secret::SecretValue;
use crate::domain::{ContactId, SecretId};
use crate::error::AppError;
use crate::models::secret::{self, Revealed, Secret};
use crate::models::sign_in_throttle;
use crate::web::context::Admin;
use crate::web::forms::HtmlForm;
use crate::web::password_check::{self, Check, Claimant};
use crate::web::routes;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use zeroize::{Zeroize, Zeroizing};

/// Seconds a revealed value stays on screen.
pub const HIDE_AFTER_SECONDS: u32 = 30;

/// One labelled part of a revealed value. Wiped from memory when dropped.
pub struct RevealedPart {
    pub label: &'static str,
    pub value: String,
    pub multiline: bool,
}

impl Drop for RevealedPart {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

/// The reveal panel: the password form, or the value.
pub struct RevealView {
    pub name: String,
    pub kind: &'static str,
    pub action: String,
    pub cancel_url: String,
    pub csrf_token: String,
    /// Wrong password, or too many attempts.
    pub error: String,
    /// The value cannot be decrypted (wrong key, tampering): what to do about it.
    pub problem: String,
    /// The value, once revealed.
    pub parts: Vec<RevealedPart>,
    pub hide_after: u32,
}

impl RevealView {
    fn new(secret: &Secret, csrf_token: String) -> Self {
        let id = secret.contact_id;
        RevealView {
            name: secret.name.clone(),
            kind: secret.kind().map_or("Unknown", |k| k.label()),
            action: routes::contact_secret_reveal(id, secret.id),
            cancel_url: routes::contact_secrets(id, None),
            csrf_token,
            error: String::new(),
            problem: String::new(),
            parts: Vec::new(),
            hide_after: HIDE_AFTER_SECONDS,
        }
    }

    pub fn revealed(&self) -> bool {
        !self.parts.is_empty()
    }

    fn show(&mut self, value: &SecretValue) {
        self.parts = value
            .parts()
            .into_iter()
            .map(|part| RevealedPart {
                label: part.label,
                value: part.value.to_string(),
                multiline: part.multiline,
            })
            .collect();
    }
}

/// `GET /contacts/{id}/secrets/{secret}/reveal`: asks for the admin's password.
pub async fn reveal_form(
    ctx: Admin,
    path: web::Path<(ContactId, SecretId)>,
) -> Result<HttpResponse, AppError> {
    let (id, secret_id) = path.into_inner();
    let (loaded, found) = ctx
        .db
        .read(move |conn| {
            let loaded = Loaded::load(conn, id, None)?;
            Ok((loaded, secret::find(conn, id, secret_id)?))
        })
        .await?;
    let panel = Panel::Reveal(RevealView::new(&found, ctx.csrf_token()));
    ctx.secrets_tab(loaded, panel, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    password: String,
}

/// `POST /contacts/{id}/secrets/{secret}/reveal`: checks the password, then shows the value.
pub async fn reveal(
    ctx: Admin,
    request: HttpRequest,
    path: web::Path<(ContactId, SecretId)>,
    HtmlForm(mut form): HtmlForm<RevealForm>,
) -> Result<HttpResponse, AppError> {
    let (id, secret_id) = path.into_inner();
    let typed = Zeroizing::new(std::mem::take(&mut form.password));
    let client_ip = crate::web::context::client_ip(&request);

    // The check hands the request's connection back to the pool while it hashes.
    let check =
        password_check::check(&ctx.db, Claimant::SignedIn(&ctx.user), typed, &client_ip).await?;
    let keyring = keyring(&ctx.state)?;
    let actor = ctx.actor();
    let (loaded, (found, revealed)) = ctx
        .db
        .write(move |conn| {
            let loaded = Loaded::load(conn, id, None)?;
            let found = match check {
                Check::Right(_) => match secret::reveal(conn, id, secret_id, &keyring, &actor)? {
                    Revealed::Shown { secret, value } => (secret, Some(Ok(value))),
                    Revealed::Unreadable { secret, error } => (secret, Some(Err(error))),
                },
                Check::Wrong | Check::Throttled => {
                    (secret::find(conn, id, secret_id)?, None::<Result<_, _>>)
                }
            };
            Ok((loaded, found))
        })
        .await?;

    let mut view = RevealView::new(&found, ctx.csrf_token());
    let status = match (check, revealed) {
        (Check::Throttled, _) => {
            view.error = format!(
                "Too many wrong passwords. Wait {} minutes and try again, or ask another admin.",
                sign_in_throttle::WINDOW_MINUTES
            );
            StatusCode::TOO_MANY_REQUESTS
        }
        (Check::Wrong, _) | (Check::Right(_), None) => {
            view.error =
                "That password is not correct. Enter the password you sign in with.".into();
            StatusCode::UNAUTHORIZED
        }
        (Check::Right(_), Some(Ok(value))) => {
            view.show(&value);
            StatusCode::OK
        }
        (Check::Right(_), Some(Err(error))) => {
            // Key ids only; never the value.
            tracing::error!(
                secret_id = secret_id.0,
                contact_id = id.0,
                %error,
                "a secret could not be decrypted"
            );
            view.problem = error.to_string();
            StatusCode::INTERNAL_SERVER_ERROR
        }
    };
    let revealed = view.revealed();
    let mut response = ctx.secrets_tab(loaded, Panel::Reveal(view), status)?;
    if revealed && !ctx.targets(TABS_TARGET) {
        // Without JavaScript the page reloads itself, without the value, after the same time.
        let refresh = format!(
            "{HIDE_AFTER_SECONDS};url={}",
            routes::contact_secrets(id, None)
        );
        if let Ok(value) = refresh.parse() {
            response.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("refresh"),
                value,
            );
        }
    }
    Ok(response)
}
