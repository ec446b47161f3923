//! What htmx tells us about a request, so one URL can answer with a fragment or a full page.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use std::future::{Ready, ready};

#[derive(Debug, Clone, Default)]
pub struct Htmx {
    /// Sent by htmx (`HX-Request: true`), and not a history restore (which needs a full page).
    pub is_htmx: bool,
    /// The id of the element the response will replace (`HX-Target`).
    pub target: Option<String>,
}

impl Htmx {
    pub fn from_http(request: &HttpRequest) -> Self {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let is_htmx = header("HX-Request").as_deref() == Some("true")
            && header("HX-History-Restore-Request").as_deref() != Some("true");
        Htmx {
            is_htmx,
            target: header("HX-Target").filter(|_| is_htmx),
        }
    }

    /// Whether the response should be only the element with this id.
    pub fn targets(&self, id: &str) -> bool {
        self.target.as_deref() == Some(id)
    }
}

impl FromRequest for Htmx {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Ok(Htmx::from_http(request)))
    }
}
