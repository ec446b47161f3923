//! Turning templates into responses, and redirects that work for htmx and plain browsers.

use super::htmx::Htmx;
use crate::error::AppError;
use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use askama::Template;

/// Renders a template as an HTML response with `status`.
///
/// Pages hold personal data, so they are never cached; one URL serves both a full page and
/// an htmx fragment, so caches must key on `HX-Request`.
pub fn html(status: StatusCode, template: &impl Template) -> Result<HttpResponse, AppError> {
    let body = template.render()?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::VARY, "HX-Request, HX-Target"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

pub fn ok(template: &impl Template) -> Result<HttpResponse, AppError> {
    html(StatusCode::OK, template)
}

/// A form that failed validation comes back with 422 and what was typed.
pub fn unprocessable(template: &impl Template) -> Result<HttpResponse, AppError> {
    html(StatusCode::UNPROCESSABLE_ENTITY, template)
}

/// 303 See Other to `location`, for answers that are never htmx swaps (signing in and out,
/// a section's first page).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// Sends the browser to `location`: `HX-Redirect` (a full page load) for htmx requests,
/// 303 See Other otherwise.
pub fn redirect(htmx: &Htmx, location: &str) -> HttpResponse {
    if htmx.is_htmx {
        HttpResponse::Ok()
            .insert_header(("HX-Redirect", location))
            .finish()
    } else {
        see_other(location)
    }
}

/// Asks htmx to push `url` into the browser's history (`HX-Push-Url`), for a response whose
/// canonical URL differs from the one requested (a search normalised, a tab's default page).
/// A URL that cannot be a header value is simply not pushed.
pub fn push_url(mut response: HttpResponse, url: &str) -> HttpResponse {
    if let Ok(value) = header::HeaderValue::from_str(url) {
        response
            .headers_mut()
            .insert(header::HeaderName::from_static("hx-push-url"), value);
    }
    response
}
