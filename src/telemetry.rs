//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default `info`), and the middleware
//! that runs every HTTP request in a span.
//!
//! The span (`request`) carries the request id (also shown on error pages and sent as
//! `X-Request-Id`), the method, the route pattern (`/contacts/{id}`, never the path with its
//! ids and search terms), and, once answered, the status and duration. It follows the work
//! onto the blocking pool ([`crate::db::block_in_span`]), so each SQL line of
//! `RUST_LOG=rapport=debug` (target `rapport::sql`) names its request. Each request ends with
//! one line at debug (target `rapport::request`), at warn when it took longer than
//! `RAPPORT_SLOW_REQUEST_MS`.

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use rand::RngCore;
use std::time::{Duration, Instant};
use tracing::Instrument;
use tracing::field::Empty;
use tracing_subscriber::EnvFilter;

/// The log target of the per-request lines.
pub const REQUEST_TARGET: &str = "rapport::request";

/// Installs the global subscriber. Safe to call more than once (later calls do nothing),
/// which the tests rely on.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// A short random id attached to every request, shown on error pages and in the log.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl RequestId {
    fn new() -> RequestId {
        let mut bytes = [0u8; 6];
        rand::rng().fill_bytes(&mut bytes);
        RequestId(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// The id [`trace_requests`] gave this request. An app built without that middleware gets
/// one here, kept for the rest of the request.
pub fn request_id(request: &ServiceRequest) -> String {
    if let Some(RequestId(id)) = request.extensions().get::<RequestId>() {
        return id.clone();
    }
    let id = RequestId::new();
    request.extensions_mut().insert(id.clone());
    id.0
}

/// The middleware: gives the request its id, runs the rest of the app inside the request's
/// span, and logs how it ended; `slow` is the threshold of the warning.
///
/// The duration runs until the response is ready to send: a streamed body (the export) goes
/// on afterwards and is not counted.
pub async fn trace_requests<B: MessageBody>(
    request: ServiceRequest,
    next: Next<B>,
    slow: Duration,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let started = Instant::now();
    let id = RequestId::new();
    // Resolved against the app's routes before routing; `None` when no route matches.
    let route = request.match_pattern();
    let route = route.as_deref().unwrap_or("-");
    let span = tracing::info_span!(
        "request",
        request_id = %id.0,
        method = %request.method(),
        route = %route,
        status = Empty,
        duration_ms = Empty,
    );
    request.extensions_mut().insert(id.clone());
    let method = request.method().clone();

    let result = next.call(request).instrument(span.clone()).await;

    let status = match &result {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    let elapsed = started.elapsed();
    let duration_ms = millis(elapsed);
    span.record("status", status.as_u16());
    span.record("duration_ms", duration_ms);
    span.in_scope(|| {
        let slow_request = is_slow(elapsed, slow);
        let threshold_ms = millis(slow);
        if span.is_disabled() {
            // Spans are off (`RUST_LOG=warn`), so the line itself carries the request's fields.
            if slow_request {
                let status = status.as_u16();
                tracing::warn!(target: REQUEST_TARGET, request_id = %id.0, %method, route = %route, status, duration_ms, threshold_ms, "slow request");
            }
        } else if slow_request {
            tracing::warn!(target: REQUEST_TARGET, threshold_ms, "slow request");
        } else {
            tracing::debug!(target: REQUEST_TARGET, "request finished");
        }
    });
    result
}

/// A request is slow when it took longer than the threshold.
pub fn is_slow(elapsed: Duration, threshold: Duration) -> bool {
    elapsed > threshold
}

/// Milliseconds to one decimal, for a readable log line.
fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 10_000.0).round() / 10.0
}

/// A global subscriber that keeps every formatted line, for unit tests that check what was
/// logged. Tests in one process share it, so each looks for lines with a marker of its own.
#[cfg(test)]
pub(crate) mod capture {
    use std::io::Write;
    use std::sync::{Mutex, Once, PoisonError};

    static LINES: Mutex<Vec<u8>> = Mutex::new(Vec::new());

    struct Sink;

    impl Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            LINES
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    pub(crate) fn install() {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            let installed = tracing_subscriber::fmt()
                .with_env_filter("debug")
                .with_writer(|| Sink)
                .with_ansi(false)
                .try_init();
            assert!(installed.is_ok(), "a subscriber was installed before");
        });
    }

    /// The lines logged so far that contain `marker`.
    pub(crate) fn lines_with(marker: &str) -> Vec<String> {
        let bytes = LINES.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|line| line.contains(marker))
            .map(str::to_string)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test as atest, web};

    #[test]
    fn slow_means_over_the_threshold() {
        let threshold = Duration::from_millis(500);
        assert!(!is_slow(Duration::from_millis(500), threshold));
        assert!(is_slow(Duration::from_millis(501), threshold));
        assert_eq!(millis(Duration::from_micros(12_345)), 12.3);
    }

    async fn call(path: &str, slow: Duration) -> actix_web::dev::ServiceResponse {
        let app = atest::init_service(
            App::new()
                .route(
                    "/marker-{name}/{id}",
                    web::get().to(|| async {
                        tracing::info!("inside the handler");
                        HttpResponse::Ok().finish()
                    }),
                )
                .wrap(from_fn(move |request, next| {
                    trace_requests(request, next, slow)
                })),
        )
        .await;
        atest::call_service(&app, atest::TestRequest::get().uri(path).to_request()).await
    }

    #[actix_web::test]
    async fn a_request_runs_in_its_span_and_a_slow_one_is_a_warning() {
        capture::install();
        let response = call("/marker-fast/1", Duration::from_secs(60)).await;
        assert_eq!(response.status(), 200);
        let id = response
            .request()
            .extensions()
            .get::<RequestId>()
            .map(|id| id.0.clone())
            .unwrap_or_default();
        assert_eq!(id.len(), 12);
        let inside = capture::lines_with(&format!("request_id={id}"));
        assert!(
            inside.iter().any(|line| line.contains("inside the handler")
                && line.contains("method=GET")
                && line.contains("route=/marker-{name}/{id}")),
            "{inside:#?}"
        );
        assert!(
            inside.iter().any(|line| line.contains("DEBUG")
                && line.contains("rapport::request")
                && line.contains("request finished")
                && line.contains("status=200")
                && line.contains("duration_ms=")),
            "{inside:#?}"
        );
        assert!(!inside.iter().any(|line| line.contains("slow request")));

        let response = call("/marker-slow/2", Duration::ZERO).await;
        let id = response
            .request()
            .extensions()
            .get::<RequestId>()
            .map(|id| id.0.clone())
            .unwrap_or_default();
        let slow = capture::lines_with(&format!("request_id={id}"));
        assert!(
            slow.iter().any(|line| line.contains("WARN")
                && line.contains("slow request")
                && line.contains("route=/marker-{name}/{id}")
                && line.contains("threshold_ms=0")),
            "{slow:#?}"
        );
    }

    #[actix_web::test]
    async fn blocking_work_runs_in_the_callers_span() {
        capture::install();
        let span = tracing::info_span!("request", request_id = "blockmarker");
        crate::db::block_in_span(|| tracing::info!("on the blocking pool"))
            .instrument(span)
            .await
            .unwrap_or_default();
        let lines = capture::lines_with("blockmarker");
        assert!(
            lines
                .iter()
                .any(|line| line.contains("request{") && line.contains("on the blocking pool")),
            "{lines:#?}"
        );
    }
}
