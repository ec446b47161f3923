//! Who is calling the API, as the handler's first argument: the bearer token, checked on every
//! request, with its role and rate limit.
//!
//! A handler's signature says what the token must be allowed to do:
//! - [`ApiReader`]: any live token (viewer, editor or admin): the GET endpoints and
//!   `memory/search`;
//! - [`ApiWriter`]: a token that may write; a viewer token gets 403 `NOT_AUTHORIZED` before
//!   the handler runs.
//!
//! Both hold the app state and the request's connection ([`RequestDb`]): the token is looked up
//! on it, and the handler's queries reuse it, so an API request costs one pool checkout.

use crate::db::RequestDb;
use crate::domain::ApiTokenId;
use crate::domain::api_token::TokenRole;
use crate::error::AppError;
use crate::models::{Actor, api_token};
use crate::startup::AppState;
use crate::web::context::request_db;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::time::Instant;

/// The token a request came with.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub token_id: ApiTokenId,
    pub name: String,
    pub role: TokenRole,
}

impl ApiCaller {
    /// The audit trail's record of this token.
    pub fn actor(&self) -> Actor {
        Actor::Token {
            id: self.token_id,
            name: self.name.clone(),
        }
    }
}

/// A request of any live token. See the module docs.
pub struct ApiReader {
    pub caller: ApiCaller,
    pub state: web::Data<AppState>,
    /// The request's connection; the token was looked up on it.
    pub db: RequestDb,
}

impl ApiReader {
    /// The audit trail's record of the calling token.
    pub fn actor(&self) -> Actor {
        self.caller.actor()
    }
}

/// A request of a token that may write (editor or admin). See the module docs.
pub struct ApiWriter(pub ApiReader);

impl Deref for ApiWriter {
    type Target = ApiReader;

    fn deref(&self) -> &ApiReader {
        &self.0
    }
}

/// The token from `Authorization: Bearer <token>`.
fn bearer(request: &HttpRequest) -> Option<String> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

impl FromRequest for ApiReader {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let token = bearer(&request).ok_or(AppError::NotAuthenticated)?;
            let state = request
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::internal("application state missing"))?
                .clone();
            let db = request_db(&request, &state);
            // A read although it may note the token's use: that note is idempotent (at most
            // once a minute), so running it again on a fresh connection is harmless.
            let row = db
                .read(move |conn| Ok(api_token::find_active_and_touch(conn, &token)?))
                .await?
                .ok_or(AppError::NotAuthenticated)?;
            state
                .api_limits
                .check(row.id, Instant::now())
                .map_err(|wait| AppError::TooManyRequests {
                    message: format!(
                        "This token made more than {} requests in a minute; try again in {wait} s.",
                        state.api_limits.per_minute()
                    ),
                    retry_after_secs: wait,
                })?;
            Ok(ApiReader {
                caller: ApiCaller {
                    token_id: row.id,
                    role: row.role(),
                    name: row.name,
                },
                state,
                db,
            })
        })
    }
}

impl FromRequest for ApiWriter {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let reader = ApiReader::from_request(request, payload);
        Box::pin(async move {
            let reader = reader.await?;
            if reader.caller.role.can_write() {
                Ok(ApiWriter(reader))
            } else {
                Err(AppError::Forbidden)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn reads_bearer_tokens_only() {
        let with = |value: &str| {
            TestRequest::default()
                .insert_header((header::AUTHORIZATION, value))
                .to_http_request()
        };
        assert_eq!(bearer(&with("Bearer rpt_abc")).as_deref(), Some("rpt_abc"));
        assert_eq!(
            bearer(&with("bearer   rpt_abc ")).as_deref(),
            Some("rpt_abc")
        );
        assert_eq!(bearer(&with("Basic dXNlcjpwYXNz")), None);
        assert_eq!(bearer(&with("Bearer ")), None);
        assert_eq!(bearer(&TestRequest::default().to_http_request()), None);
    }
}
