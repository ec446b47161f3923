//! The one error type of the application.
//!
//! Handlers return `Result<_, AppError>`. The error middleware (`web::error_pages`) renders it
//! once, by context: a page inside the layout, a small htmx fragment, or `{"message","code"}`
//! JSON on the API. Validation problems are not errors: forms come back with 422 and
//! [`crate::domain::FieldErrors`].

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// No signed-in user (dashboard: redirect to sign-in; API: 401).
    #[error("sign-in required")]
    NotAuthenticated,
    /// Signed in, but the role does not allow this.
    #[error("not allowed")]
    Forbidden,
    #[error("the request's security token is missing or wrong")]
    CsrfRejected,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    /// Well-formed but invalid input (API validation; forms re-render instead).
    #[error("{0}")]
    Unprocessable(String),
    /// A rate limit was hit; `retry_after_secs` becomes the `Retry-After` header.
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    #[error("the request is too large")]
    PayloadTooLarge,
    /// The path exists, but not for this method (the API's POST-only writes).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The pool could not hand out a connection in time, the server went away, or it
    /// cancelled a statement that ran past the statement timeout.
    #[error("database unavailable")]
    DatabaseUnavailable(#[source] Cause),
    /// A fault on our side; logged with its cause, shown without internals.
    #[error("internal error")]
    Internal(#[source] Cause),
}

impl AppError {
    /// Wraps any error as an internal fault.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        AppError::Internal(cause.into())
    }

    /// Whether the connection this error came from is dead (the server went away or closed
    /// it), so it must not go back to the pool. A pool time-out is not one: no connection
    /// was handed out.
    pub fn is_connection_failure(&self) -> bool {
        let AppError::DatabaseUnavailable(cause) = self else {
            return false;
        };
        matches!(
            cause.downcast_ref::<DieselError>(),
            Some(DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _
            ))
        )
    }

    /// The API's machine-readable code (ChatBotKit's names).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "NOT_FOUND",
            AppError::NotAuthenticated => "NOT_AUTHENTICATED",
            AppError::Forbidden | AppError::CsrfRejected => "NOT_AUTHORIZED",
            AppError::BadRequest(_) | AppError::PayloadTooLarge => "BAD_REQUEST",
            AppError::Conflict(_) => "CONFLICT",
            AppError::Unprocessable(_) => "UNPROCESSABLE_ENTITY",
            AppError::TooManyRequests { .. } => "LIMITS_REACHED",
            AppError::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            AppError::DatabaseUnavailable(_) => "SERVICE_UNAVAILABLE",
            AppError::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// A short title for error pages.
    pub fn title(&self) -> &'static str {
        match self {
            AppError::NotFound => "Page not found",
            AppError::NotAuthenticated => "Sign-in required",
            AppError::Forbidden => "Not allowed",
            AppError::CsrfRejected => "Request refused",
            AppError::BadRequest(_) => "Bad request",
            AppError::Conflict(_) => "Conflict",
            AppError::Unprocessable(_) => "Invalid input",
            AppError::TooManyRequests { .. } => "Too many requests",
            AppError::PayloadTooLarge => "Too large",
            AppError::MethodNotAllowed => "Method not allowed",
            AppError::DatabaseUnavailable(_) => "Database unavailable",
            AppError::Internal(_) => "Something went wrong",
        }
    }

    /// What a person is told; never contains internals.
    pub fn public_message(&self) -> String {
        match self {
            AppError::NotFound => "There is nothing here. It may have been deleted, or the link is wrong.".into(),
            AppError::NotAuthenticated => {
                "Authentication required: sign in, or send a valid API token as `Authorization: Bearer <token>`.".into()
            }
            AppError::Forbidden => "Your role does not allow this. Ask an admin if you need it.".into(),
            AppError::CsrfRejected => {
                "This form's security token is missing or out of date. Reload the page and try again.".into()
            }
            AppError::BadRequest(message)
            | AppError::Conflict(message)
            | AppError::Unprocessable(message)
            | AppError::TooManyRequests { message, .. } => message.clone(),
            AppError::PayloadTooLarge => "The request is larger than this server accepts.".into(),
            AppError::MethodNotAllowed => {
                "This address does not accept that method (reads are GET, changes are POST).".into()
            }
            AppError::DatabaseUnavailable(_) => {
                "The database is unavailable right now. Try again in a moment.".into()
            }
            AppError::Internal(_) => "An unexpected error happened on our side. It has been logged.".into(),
        }
    }

    /// The chain of causes, for the log.
    pub fn cause_chain(&self) -> String {
        let mut chain = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        chain
    }

    /// Seconds to wait before trying again, for the `Retry-After` header (429s only).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// `{"message": "...", "code": "..."}` as the API answers errors.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "message": self.public_message(), "code": self.code() })
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::NotAuthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::DatabaseUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A plain fallback; the error middleware replaces it with the right shape.
    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Some(seconds) = self.retry_after_secs() {
            response.insert_header((header::RETRY_AFTER, seconds));
        }
        response
            .content_type("text/plain; charset=utf-8")
            .body(self.public_message())
    }
}

impl From<DieselError> for AppError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => AppError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, ref info) => {
                AppError::Conflict(format!(
                    "This would duplicate an existing record ({}).",
                    info.constraint_name().unwrap_or("unique constraint")
                ))
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, _)
            | DieselError::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _) => {
                AppError::DatabaseUnavailable(Box::new(error))
            }
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if is_query_canceled(info.message()) =>
            {
                AppError::DatabaseUnavailable(Box::new(error))
            }
            other => AppError::Internal(Box::new(other)),
        }
    }
}

/// Whether PostgreSQL cancelled the statement (SQLSTATE 57014, `query_canceled`): it ran past
/// `statement_timeout` (see `db::PgManager`), or an operator cancelled it. Transient, like a
/// pool time-out, so a 503; the connection itself is fine and stays in the pool. diesel 2.3
/// does not expose the SQLSTATE (it maps 57014 to `Unknown`), so this reads PostgreSQL's
/// message, which is English unless the server's `lc_messages` says otherwise: with a
/// translated message such a statement still ends, but answers 500.
fn is_query_canceled(message: &str) -> bool {
    matches!(
        message,
        "canceling statement due to statement timeout" | "canceling statement due to user request"
    )
}

impl From<r2d2::Error> for AppError {
    fn from(error: r2d2::Error) -> Self {
        AppError::DatabaseUnavailable(Box::new(error))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        AppError::internal(error)
    }
}

impl From<askama::Error> for AppError {
    fn from(error: askama::Error) -> Self {
        AppError::internal(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes() {
        assert_eq!(AppError::NotFound.status_code(), StatusCode::NOT_FOUND);
        assert_eq!(AppError::NotFound.code(), "NOT_FOUND");
        assert_eq!(AppError::Forbidden.status_code(), StatusCode::FORBIDDEN);
        let limited = AppError::TooManyRequests {
            message: "x".into(),
            retry_after_secs: 7,
        };
        assert_eq!(limited.code(), "LIMITS_REACHED");
        assert_eq!(limited.retry_after_secs(), Some(7));
        assert_eq!(AppError::NotFound.retry_after_secs(), None);
    }

    #[test]
    fn internals_stay_out_of_the_public_message_but_reach_the_log() {
        let error = AppError::internal(std::io::Error::other("disk on fire"));
        assert!(!error.public_message().contains("disk"));
        assert!(error.cause_chain().contains("disk on fire"));
        assert_eq!(error.to_json()["code"], "INTERNAL_SERVER_ERROR");
    }

    #[test]
    fn diesel_errors_map_once() {
        assert!(matches!(
            AppError::from(DieselError::NotFound),
            AppError::NotFound
        ));
        assert!(matches!(
            AppError::from(DieselError::RollbackTransaction),
            AppError::Internal(_)
        ));
    }

    #[test]
    fn a_cancelled_statement_is_a_503_that_keeps_its_connection() {
        let unknown = |message: &str| {
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message.to_string()))
        };
        let timed_out = AppError::from(unknown("canceling statement due to statement timeout"));
        assert_eq!(timed_out.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(timed_out.code(), "SERVICE_UNAVAILABLE");
        assert!(!timed_out.public_message().contains("statement"));
        assert!(timed_out.cause_chain().contains("statement timeout"));
        assert!(
            !timed_out.is_connection_failure(),
            "not a broken connection"
        );
        assert!(matches!(
            AppError::from(unknown("canceling statement due to user request")),
            AppError::DatabaseUnavailable(_)
        ));
        assert!(matches!(
            AppError::from(unknown("division by zero")),
            AppError::Internal(_)
        ));
    }
}
