//! Signing in and out.
//!
//! The password is checked by [`password_check`], the one throttled check sign-in shares with
//! the secret reveal: repeated failures pause per email and per client address (a 429 with
//! `Retry-After`), and an unknown email takes as long to refuse as a wrong password. A new
//! session carries the user's session epoch; signing out moves it on, ending every session
//! of the user (see `models::staff_user`).

use super::context::{self, Visitor};
use super::layout::PageContext;
use super::password_check::{self, Check, Claimant};
use super::render;
use super::routes;
use super::session;
use crate::error::AppError;
use crate::models::{sign_in_throttle, staff_user};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use zeroize::Zeroizing;

pub fn register(config: &mut web::ServiceConfig) {
    config
        .route(routes::LOGIN, web::get().to(show_login))
        .route(routes::LOGIN, web::post().to(login))
        .route(routes::LOGOUT, web::post().to(logout));
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    page: PageContext,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

async fn show_login(
    ctx: Visitor,
    request: HttpRequest,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = routes::safe_next(query.next.as_deref());
    // Only a session that is still good skips the form. An expired or revoked one ends here
    // (the page that sent the browser here could not end it: an error answer replaces its
    // cookie), and the form shows why.
    if ctx.session.user_id().is_some() {
        match context::signed_in_user(&request, &ctx.session, &ctx.db).await {
            Ok(_) => return Ok(render::see_other(&next)),
            Err(AppError::NotAuthenticated) => {}
            Err(other) => return Err(other),
        }
    }
    ctx.render(
        StatusCode::OK,
        &LoginPage {
            page: ctx.page(),
            email: String::new(),
            next,
            error: None,
        },
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn login(ctx: Visitor, form: web::Form<LoginForm>) -> Result<HttpResponse, AppError> {
    let LoginForm {
        email,
        password,
        next,
    } = form.into_inner();
    let next = routes::safe_next(next.as_deref());
    let password = Zeroizing::new(password);
    let claimant = Claimant::SigningIn(&email);
    let check = password_check::check(&ctx.db, claimant, password, &ctx.client_ip).await?;
    let (status, error) = match check {
        Check::Right(user_id) => {
            // The new session carries the user's epoch, so whatever ends their sessions
            // later ends this one too.
            let epoch = ctx
                .db
                .write(move |conn| Ok(staff_user::record_sign_in(conn, user_id)?))
                .await?;
            if let Some(epoch) = epoch {
                ctx.session.sign_in(user_id, epoch, session::now_ms());
                return Ok(render::see_other(&next));
            }
            // Disabled while the password was being checked: as if it were wrong.
            (StatusCode::UNAUTHORIZED, WRONG.to_string())
        }
        Check::Throttled => (StatusCode::TOO_MANY_REQUESTS, throttled_message()),
        Check::Wrong => (StatusCode::UNAUTHORIZED, WRONG.to_string()),
    };
    let mut response = ctx.render(
        status,
        &LoginPage {
            page: ctx.page(),
            email,
            next,
            error: Some(error),
        },
    )?;
    if status == StatusCode::TOO_MANY_REQUESTS {
        // The whole window: by then every failure that counted has aged out.
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(sign_in_throttle::WINDOW_MINUTES * 60),
        );
    }
    Ok(response)
}

/// One answer for a wrong password, an unknown email and a disabled account.
const WRONG: &str = "The email or password is not correct.";

fn throttled_message() -> String {
    format!(
        "Too many failed sign-in attempts. Wait {} minutes and try again, or ask an admin to reset your password.",
        sign_in_throttle::WINDOW_MINUTES
    )
}

/// `POST /logout`: ends this session and every other session of the user (their epoch moves
/// on), so a copy of this cookie is refused from now on. A session that had already ended
/// (expired, or revoked: a copied cookie replayed) only loses its cookie; it cannot end the
/// sessions opened since.
async fn logout(ctx: Visitor) -> Result<HttpResponse, AppError> {
    let limits = ctx.state.settings.sessions;
    if let Some(stamp) = ctx.session.live_stamp(&limits, session::now_ms()) {
        ctx.db
            .write(move |conn| Ok(staff_user::end_sessions(conn, stamp.user_id, stamp.epoch)?))
            .await?;
    }
    ctx.session.sign_out();
    Ok(render::see_other(routes::LOGIN))
}
