//! Who is calling the API: the bearer token, checked on every request, with its role and
//! rate limit.

use crate::db;
use crate::domain::api_token::TokenRole;
use crate::error::AppError;
use crate::models::{Actor, api_token};
use crate::startup::AppState;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub token_id: i64,
    pub name: String,
    pub role: TokenRole,
}

impl ApiCaller {
    /// Refuses read-only tokens: every write endpoint calls this first.
    pub fn require_write(&self) -> Result<(), AppError> {
        if self.role.can_write() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The audit trail's record of this token.
    pub fn actor(&self) -> Actor {
        Actor::Token {
            id: self.token_id,
            name: self.name.clone(),
        }
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

impl FromRequest for ApiCaller {
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
            let row = db::run(&state.pool, move |conn| {
                let row = api_token::find_active(conn, &token)?;
                if let Some(row) = &row {
                    api_token::touch(conn, row.id)?;
                }
                Ok(row)
            })
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
            Ok(ApiCaller {
                token_id: row.id,
                role: row.role(),
                name: row.name,
            })
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
