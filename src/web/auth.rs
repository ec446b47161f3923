//! Signing in and out.
//!
//! Password checks run on a blocking thread after the database connection is released; an
//! unknown email is checked against a dummy hash so it takes as long as a wrong password.
//! Repeated failures are throttled per email and per client address.

use super::layout::PageContext;
use super::render;
use super::routes;
use super::session::TypedSession;
use crate::db;
use crate::domain::password;
use crate::error::AppError;
use crate::models::{sign_in_throttle, staff_user};
use crate::startup::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

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
    session: TypedSession,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = routes::safe_next(query.next.as_deref());
    if session.user_id().is_some() {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", next))
            .finish());
    }
    render::ok(&LoginPage {
        page: PageContext::anonymous(&session),
        email: String::new(),
        next,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// How one sign-in attempt ended.
enum Attempt {
    Throttled,
    Failed,
    SignedIn(crate::domain::StaffUserId),
}

async fn login(
    request: HttpRequest,
    state: web::Data<AppState>,
    session: TypedSession,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let LoginForm {
        email,
        password,
        next,
    } = form.into_inner();
    let next = routes::safe_next(next.as_deref());
    let client_ip = request
        .peer_addr()
        .map_or_else(|| "unknown".to_string(), |addr| addr.ip().to_string());

    let attempt = check_credentials(&state, email.clone(), password, client_ip).await?;
    let (status, error) = match attempt {
        Attempt::SignedIn(user_id) => {
            session.sign_in(user_id);
            return Ok(HttpResponse::SeeOther()
                .insert_header(("Location", next))
                .finish());
        }
        Attempt::Throttled => (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many failed sign-in attempts. Wait {} minutes and try again, or ask an admin to reset your password.",
                sign_in_throttle::WINDOW_MINUTES
            ),
        ),
        Attempt::Failed => (
            StatusCode::UNAUTHORIZED,
            "The email or password is not correct.".to_string(),
        ),
    };
    render::html(
        status,
        &LoginPage {
            page: PageContext::anonymous(&session),
            email,
            next,
            error: Some(error),
        },
    )
}

async fn check_credentials(
    state: &AppState,
    email: String,
    password: String,
    client_ip: String,
) -> Result<Attempt, AppError> {
    let lookup_email = email.clone();
    let lookup_ip = client_ip.clone();
    let found = db::run(&state.pool, move |conn| {
        if sign_in_throttle::is_throttled(conn, &lookup_email, &lookup_ip)? {
            return Ok(None);
        }
        Ok(Some(staff_user::find_by_email(conn, &lookup_email)?))
    })
    .await?;
    let Some(user) = found else {
        return Ok(Attempt::Throttled);
    };

    // The connection is back in the pool before the expensive hash runs.
    let verified = web::block(move || match &user {
        Some(user) if user.is_active() => {
            password::verify(&password, &user.password_hash).then(|| user.id())
        }
        Some(_) | None => {
            password::verify_against_dummy(&password);
            None
        }
    })
    .await?;

    db::run(&state.pool, move |conn| match verified {
        Some(user_id) => {
            sign_in_throttle::clear(conn, &email)?;
            staff_user::record_sign_in(conn, user_id)?;
            Ok(Attempt::SignedIn(user_id))
        }
        None => {
            sign_in_throttle::record_failure(conn, &email, &client_ip)?;
            Ok(Attempt::Failed)
        }
    })
    .await
}

async fn logout(session: TypedSession) -> HttpResponse {
    session.sign_out();
    HttpResponse::SeeOther()
        .insert_header(("Location", routes::LOGIN))
        .finish()
}
