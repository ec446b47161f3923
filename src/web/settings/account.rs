//! `/account`: every signed-in user's own page (viewers included): who they are
//! signed in as, how long sessions last, and "Sign out everywhere", which ends every session
//! of theirs on every device, this one included (their session epoch moves on; see
//! `models::staff_user`).

use super::super::context::Dashboard;
use super::super::layout::{PageContext, Section};
use super::super::routes;
use super::super::session::FlashKind;
use crate::error::AppError;
use crate::models::staff_user;
use actix_web::HttpResponse;
use askama::Template;
use std::time::Duration;

/// What the sign-in page says after "Sign out everywhere".
const SIGNED_OUT_EVERYWHERE: &str = "You were signed out on every device.";

#[derive(Template)]
#[template(path = "settings/account.html")]
struct AccountPage {
    page: PageContext,
    name: String,
    email: String,
    role: &'static str,
    idle_limit: String,
    max_age: String,
    sign_out_everywhere_url: &'static str,
}

/// `GET /account`.
pub async fn show(ctx: Dashboard) -> Result<HttpResponse, AppError> {
    let limits = ctx.state.settings.sessions;
    ctx.ok(&AccountPage {
        page: ctx.page(Section::None),
        name: ctx.user.name.clone(),
        email: ctx.user.email.clone(),
        role: ctx.user.role.as_str(),
        idle_limit: in_words(limits.idle),
        max_age: in_words(limits.max_age),
        sign_out_everywhere_url: routes::ACCOUNT_SIGN_OUT_EVERYWHERE,
    })
}

/// `POST /account/sign-out-everywhere`: ends every session of the signed-in user.
pub async fn sign_out_everywhere(ctx: Dashboard) -> Result<HttpResponse, AppError> {
    let user_id = ctx.user.id;
    // The user was loaded with this session's epoch, so the stamp is there and current.
    let epoch = ctx.session.stamp().ok_or(AppError::NotAuthenticated)?.epoch;
    ctx.db
        .write(move |conn| Ok(staff_user::end_sessions(conn, user_id, epoch)?))
        .await?;
    ctx.session
        .sign_out_with_notice(FlashKind::Success, SIGNED_OUT_EVERYWHERE);
    Ok(ctx.redirect(routes::LOGIN))
}

/// "2 hours", "90 minutes", "45 seconds": the largest whole unit.
fn in_words(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (count, unit) = if seconds >= 3600 && seconds.is_multiple_of(3600) {
        (seconds / 3600, "hour")
    } else if seconds >= 60 && seconds.is_multiple_of(60) {
        (seconds / 60, "minute")
    } else {
        (seconds, "second")
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_in_whole_units() {
        assert_eq!(in_words(Duration::from_secs(2 * 3600)), "2 hours");
        assert_eq!(in_words(Duration::from_secs(3600)), "1 hour");
        assert_eq!(in_words(Duration::from_secs(90 * 60)), "90 minutes");
        assert_eq!(in_words(Duration::from_secs(1)), "1 second");
        assert_eq!(in_words(Duration::from_millis(1500)), "1 second");
    }
}
