//! The JSON API, compatible with ChatBotKit's contact API (DESIGN.md §5), under `/api/v1` and
//! `/v1`. Reads are GET, every change is POST with a JSON body; errors are
//! `{"message","code"}` JSON, rendered by the error middleware for these paths.

pub mod agent;
pub mod caller;
pub mod contacts;
pub mod json;
pub mod listing;
pub mod openapi;
pub mod rate_limit;
pub mod schemas;
pub mod task_runs;

use crate::error::AppError;
use crate::intake::widget;
use actix_web::http::Method;
use actix_web::{HttpResponse, web};

pub fn register(config: &mut web::ServiceConfig) {
    config
        .service(endpoints(web::scope("/api/v1")))
        .service(endpoints(web::scope("/v1")));
}

/// One endpoint, as both the router and `openapi.json` see it: routes and the published
/// description come from the same declaration, so they cannot drift apart.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub method: &'static str,
    /// Relative to `/api/v1`, with `{id}` style parameters.
    pub path: &'static str,
    pub operation_id: &'static str,
    pub summary: &'static str,
    /// Name of the request body's schema (writes), if any: defined in [`schemas::schema`].
    pub request: Option<&'static str>,
    /// Name of the response schema, defined in [`schemas::schema`] (`XList` for lists).
    pub response: &'static str,
    /// Whether it takes the list parameters (`cursor`, `order`, `take`, `meta.*`).
    pub list: bool,
}

/// Declares the endpoints once: `endpoints!(GET "/contact/list" => contacts::list, "listContacts",
/// "List contacts", request: None, response: "ContactList", list: true; …)` expands to the
/// routing function and to [`ENDPOINTS`].
macro_rules! endpoints {
    ($( $method:ident $path:literal => $handler:path, $operation:literal, $summary:literal,
        request: $request:expr, response: $response:literal, list: $list:literal; )*) => {
        fn routes(scope: actix_web::Scope) -> actix_web::Scope {
            scope
                .route("/{tail:.*}", web::method(Method::OPTIONS).to(preflight))
                $( .service(endpoints!(@resource $method $path, $handler)) )*
        }

        /// Every endpoint of the API, in declaration order.
        pub const ENDPOINTS: &[Endpoint] = &[
            $( Endpoint {
                method: stringify!($method),
                path: $path,
                operation_id: $operation,
                summary: $summary,
                request: $request,
                response: $response,
                list: $list,
            }, )*
        ];
    };
    (@resource GET $path:literal, $handler:path) => { get($path, $handler) };
    (@resource POST $path:literal, $handler:path) => { post($path, $handler) };
}

endpoints! {
    GET "/contact/list" => contacts::list, "listContacts", "List contacts",
        request: None, response: "ContactList", list: true;
    GET "/contact/{id}/fetch" => contacts::fetch, "fetchContact", "Fetch a contact",
        request: None, response: "Contact", list: false;

    // Agent context and task runs for agents (not in ChatBotKit; operationIds are ours).
    GET "/contact/{id}/context" => agent::fetch, "fetchContactContext",
        "Fetch the agent context of a contact (maxChars: memory budget, default 4000)",
        request: None, response: "ContactContext", list: false;
    GET "/task/due" => task_runs::due, "listDueTasks",
        "List idle tasks whose next run has come, longest overdue first",
        request: None, response: "TaskList", list: true;
    POST "/task/{id}/start" => task_runs::start, "startTask", "Start a run of a task",
        request: Some("Empty"), response: "Id", list: false;
    POST "/task/{id}/finish" => task_runs::finish, "finishTask",
        "Finish the running run of a task with its outcome",
        request: Some("TaskFinish"), response: "Id", list: false;
    // Website widget (issue 5): called by static/widget.js from customers' pages. Config and
    // session/create need no token (origins and rate limits guard them, see
    // intake::widget::cors); the message endpoints take the session's token.
    GET "/integration/widget/{id}/config" => widget::handlers::config, "fetchWidgetConfig",
        "The widget's public settings: its name and which visitor details it asks for",
        request: None, response: "WidgetConfig", list: false;
    POST "/integration/widget/{id}/session/create" => widget::handlers::create,
        "createWidgetSession", "Start a visitor's chat session (returns its token once)",
        request: Some("WidgetSessionCreate"), response: "WidgetSession", list: false;
    POST "/integration/widget/{id}/session/{sessionId}/message/send" => widget::handlers::send,
        "sendWidgetMessage", "Send a visitor's message (session token)",
        request: Some("WidgetMessageSend"), response: "WidgetMessage", list: false;
    GET "/integration/widget/{id}/session/{sessionId}/message/list" => widget::handlers::list,
        "listWidgetMessages",
        "The visitor's and the bot's messages after `after` (a message id), oldest first (session token)",
        request: None, response: "WidgetMessageList", list: false;

    // The API's own description (generated from this table; no token needed).
    GET "/openapi.json" => openapi::serve, "openapi", "This API's OpenAPI 3.1 description",
        request: None, response: "OpenApi", list: false;
}

/// Every endpoint, relative to the version prefix. A path answers only its method; any other
/// gets 405 `METHOD_NOT_ALLOWED`, and OPTIONS gets `200 {}` (CORS preflights, SDK probes).
fn endpoints(scope: actix_web::Scope) -> actix_web::Scope {
    routes(scope)
}

/// A read endpoint: GET (and HEAD) only.
fn get<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
        .default_service(web::to(method_not_allowed))
}

/// A write endpoint: POST with a JSON body only.
fn post<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::post().to(handler))
        .default_service(web::to(method_not_allowed))
}

async fn method_not_allowed() -> Result<HttpResponse, AppError> {
    Err(AppError::MethodNotAllowed)
}

async fn preflight() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("content-type", "application/json"))
        .body("{}")
}
