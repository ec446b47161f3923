//! The request context of every dashboard handler: who is signed in, their session, what htmx
//! asked for, the app state and the request's database connection, extracted once.
//!
//! A handler's signature says who may call it:
//! - [`Visitor`]: anyone, signed in or not (the sign-in page);
//! - [`Dashboard`]: any signed-in staff user (viewers included);
//! - [`Editor`]: editors and admins; viewers get 403 before the handler runs;
//! - [`Admin`]: admins only.
//!
//! Loading the user is the request's first query, on the connection the handler then reuses
//! ([`RequestDb`]), so a page costs one pool checkout. The helpers here turn templates into
//! responses (page, fragment, 422 re-render, redirect with a notice), so handlers do not pass
//! the request's parts around.

use super::current_user::CurrentUser;
use super::htmx::Htmx;
use super::layout::{PageContext, Section};
use super::render;
use super::session::{self, FlashKind, SessionSettings, Standing, TypedSession};
use crate::db::RequestDb;
use crate::error::AppError;
use crate::models::{Actor, staff_user};
use crate::startup::AppState;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;
use std::future::Future;
use std::net::IpAddr;
use std::ops::Deref;
use std::pin::Pin;

/// A signed-in staff user's request. See the module docs.
pub struct Dashboard {
    pub user: CurrentUser,
    pub session: TypedSession,
    pub htmx: Htmx,
    pub state: web::Data<AppState>,
    /// The request's connection; the user was loaded on it.
    pub db: RequestDb,
}

impl Dashboard {
    /// The layout's context for a page of `section` (takes the pending notice).
    pub fn page(&self, section: Section) -> PageContext {
        PageContext::signed_in(&self.user, &self.session, section)
    }

    /// Whether the signed-in user may change things.
    pub fn can_edit(&self) -> bool {
        self.user.can_edit()
    }

    /// Whether the signed-in user is an admin.
    pub fn is_admin(&self) -> bool {
        self.user.role.is_admin()
    }

    /// The audit trail's record of the signed-in user.
    pub fn actor(&self) -> Actor {
        self.user.actor()
    }

    /// The session's CSRF token, for forms in fragments.
    pub fn csrf_token(&self) -> String {
        self.session.csrf_token()
    }

    /// Whether htmx asked for only the element with this id.
    pub fn targets(&self, id: &str) -> bool {
        self.htmx.targets(id)
    }

    /// `template` as an HTML response with `status`.
    pub fn render(
        &self,
        status: StatusCode,
        template: &impl Template,
    ) -> Result<HttpResponse, AppError> {
        render::html(status, template)
    }

    /// `template` with 200.
    pub fn ok(&self, template: &impl Template) -> Result<HttpResponse, AppError> {
        render::ok(template)
    }

    /// A form that failed validation, re-rendered with what was typed (422).
    pub fn unprocessable(&self, template: &impl Template) -> Result<HttpResponse, AppError> {
        render::unprocessable(template)
    }

    /// Like [`Dashboard::fragment_or_page`], for a fragment and a page that embed the same
    /// `view`: it is handed to whichever of the two is rendered.
    pub fn fragment_or_page_with<V, F: Template, P: Template>(
        &self,
        status: StatusCode,
        target: &str,
        view: V,
        fragment: impl FnOnce(V) -> F,
        page: impl FnOnce(V) -> P,
    ) -> Result<HttpResponse, AppError> {
        if self.htmx.targets(target) {
            render::html(status, &fragment(view))
        } else {
            render::html(status, &page(view))
        }
    }

    /// The fragment htmx targets when it asks for `target`, the whole page otherwise.
    pub fn fragment_or_page<F: Template, P: Template>(
        &self,
        status: StatusCode,
        target: &str,
        fragment: impl FnOnce() -> F,
        page: impl FnOnce() -> P,
    ) -> Result<HttpResponse, AppError> {
        if self.htmx.targets(target) {
            render::html(status, &fragment())
        } else {
            render::html(status, &page())
        }
    }

    /// Sends the browser to `location` (`HX-Redirect` for htmx, 303 otherwise).
    pub fn redirect(&self, location: &str) -> HttpResponse {
        render::redirect(&self.htmx, location)
    }

    /// Sends the browser to `location` with a notice shown there once.
    pub fn redirect_with_notice(
        &self,
        kind: FlashKind,
        notice: impl Into<String>,
        location: &str,
    ) -> HttpResponse {
        self.session.set_flash(kind, notice);
        self.redirect(location)
    }
}

impl FromRequest for Dashboard {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = app_state(&request)?;
            let session = TypedSession::from_request(&request, &mut Payload::None)
                .await
                .map_err(|_| AppError::NotAuthenticated)?;
            let db = request_db(&request, &state);
            let user = signed_in_user(&request, &session, &db).await?;
            Ok(Dashboard {
                user,
                session,
                htmx: Htmx::from_http(&request),
                state,
                db,
            })
        })
    }
}

/// A request that needs no signed-in user (the sign-in page): its session, what htmx asked
/// for, the app state, the request's connection (checked out only if a query runs) and the
/// client's address.
pub struct Visitor {
    pub session: TypedSession,
    pub htmx: Htmx,
    pub state: web::Data<AppState>,
    pub db: RequestDb,
    /// The client's IP address ([`client_ip`]), for throttling password guesses per address.
    pub client_ip: String,
}

impl Visitor {
    /// The layout's context for a page without a signed-in user (takes the pending notice).
    pub fn page(&self) -> PageContext {
        PageContext::anonymous(&self.session)
    }

    /// `template` as an HTML response with `status`.
    pub fn render(
        &self,
        status: StatusCode,
        template: &impl Template,
    ) -> Result<HttpResponse, AppError> {
        render::html(status, template)
    }
}

impl FromRequest for Visitor {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = app_state(&request)?;
            let session = TypedSession::from_request(&request, &mut Payload::None)
                .await
                .map_err(|_| AppError::NotAuthenticated)?;
            Ok(Visitor {
                session,
                htmx: Htmx::from_http(&request),
                db: request_db(&request, &state),
                client_ip: client_ip(&request),
                state,
            })
        })
    }
}

/// The app state every request carries.
pub fn app_state(request: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    request
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal("application state missing"))
}

/// The client's IP address as text, for throttling password guesses per address: behind a
/// trusted proxy (`RAPPORT_CLIENT_IP_HEADER`, the setting the widget's limits use too) the
/// address the proxy forwarded, else the peer's ("unknown" when the transport has none, as
/// in some tests).
pub fn client_ip(request: &HttpRequest) -> String {
    let header = request
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.settings.client_ip_header().map(str::to_string));
    real_client_ip(request, header.as_deref())
        .map_or_else(|| "unknown".to_string(), |ip| ip.to_string())
}

/// The client's address: the right-most entry of the proxy's `header` when one is configured
/// and present (the entry our proxy appended; entries to its left come from the client and
/// prove nothing), else the peer address. The same rule as the widget's limits.
pub fn real_client_ip(request: &HttpRequest, header: Option<&str>) -> Option<IpAddr> {
    if let Some(name) = header {
        let forwarded = request
            .headers()
            .get_all(name)
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
            .last();
        if forwarded.is_some() {
            return forwarded;
        }
    }
    request.peer_addr().map(|addr| addr.ip())
}

/// The request's [`RequestDb`], shared by every extractor of the request.
pub fn request_db(request: &HttpRequest, state: &AppState) -> RequestDb {
    if let Some(db) = request.extensions().get::<RequestDb>() {
        return db.clone();
    }
    let db = RequestDb::new(state.pool.clone());
    request.extensions_mut().insert(db.clone());
    db
}

/// The signed-in user, loaded once per request on the request's connection. A session whose
/// epoch is not the user's any more (see `models::staff_user`) is refused, so a sign-out, a
/// password reset, a role change or disabling a user ends their sessions at once.
///
/// A session past its idle or absolute limit ([`SessionSettings`]) ends here, before any
/// query, leaving the notice the sign-in page shows; a live one has its last-seen refreshed
/// when it is due (about once a minute, so the cookie is not rewritten on every request).
pub async fn signed_in_user(
    request: &HttpRequest,
    session: &TypedSession,
    db: &RequestDb,
) -> Result<CurrentUser, AppError> {
    if let Some(user) = request.extensions().get::<CurrentUser>() {
        return Ok(user.clone());
    }
    let limits: SessionSettings = app_state(request)?.settings.sessions;
    session.user_id().ok_or(AppError::NotAuthenticated)?;
    let now = session::now_ms();
    // A session without its times was signed in by an older Rapport: it has no limits to
    // check, so it ends like an expired one.
    let Some(stamp) = session.stamp() else {
        session.expire();
        return Err(AppError::NotAuthenticated);
    };
    let touch = match stamp.standing(&limits, now) {
        Standing::Expired => {
            session.expire();
            return Err(AppError::NotAuthenticated);
        }
        Standing::Current { touch } => touch,
    };
    let user_id = stamp.user_id;
    let row = db
        .read(move |conn| Ok(staff_user::find(conn, user_id)?))
        .await?;
    // A session signed in before the user's epoch moved on (a sign-out, a new password, role
    // or disabling) was revoked.
    let Some(row) = row.filter(|user| user.is_active() && user.session_epoch == stamp.epoch) else {
        session.end_revoked();
        return Err(AppError::NotAuthenticated);
    };
    let user = CurrentUser {
        id: row.id,
        role: row.role(),
        name: row.name,
        email: row.email,
    };
    if touch {
        session.touch(now);
    }
    request.extensions_mut().insert(user.clone());
    Ok(user)
}

/// Declares a role-gated context: a [`Dashboard`] whose user passed `$allowed`, answering 403
/// otherwise.
macro_rules! gated {
    ($(#[$doc:meta])* $name:ident, $allowed:expr) => {
        $(#[$doc])*
        pub struct $name(pub Dashboard);

        impl Deref for $name {
            type Target = Dashboard;

            fn deref(&self) -> &Dashboard {
                &self.0
            }
        }

        impl FromRequest for $name {
            type Error = AppError;
            type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

            fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
                let dashboard = Dashboard::from_request(request, payload);
                Box::pin(async move {
                    let dashboard = dashboard.await?;
                    let allowed: fn(&CurrentUser) -> bool = $allowed;
                    if allowed(&dashboard.user) {
                        Ok($name(dashboard))
                    } else {
                        Err(AppError::Forbidden)
                    }
                })
            }
        }
    };
}

gated!(
    /// A request of an editor or admin: the handler may write.
    Editor,
    |user| user.can_edit()
);
gated!(
    /// A request of an admin: users, integrations, API tokens, secret reveal.
    Admin,
    |user| user.role.is_admin()
);

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn the_client_is_the_proxy_s_last_entry_only_behind_a_configured_proxy() {
        let request = |forwarded: Option<&str>| {
            let mut request = TestRequest::default().peer_addr("127.0.0.1:9".parse().unwrap());
            if let Some(chain) = forwarded {
                request = request.insert_header(("x-forwarded-for", chain));
            }
            request.to_http_request()
        };
        let ip = |text: &str| Some(text.parse::<IpAddr>().unwrap());
        let header = Some("X-Forwarded-For");
        assert_eq!(
            real_client_ip(&request(Some("6.6.6.6, 10.0.0.1")), header),
            ip("10.0.0.1")
        );
        assert_eq!(
            real_client_ip(&request(Some("2001:db8::1")), header),
            ip("2001:db8::1")
        );
        assert_eq!(
            real_client_ip(&request(Some("garbage")), header),
            ip("127.0.0.1")
        );
        assert_eq!(real_client_ip(&request(None), header), ip("127.0.0.1"));
        assert_eq!(
            real_client_ip(&request(Some("6.6.6.6")), None),
            ip("127.0.0.1"),
            "no proxy configured: the header proves nothing"
        );
    }
}
