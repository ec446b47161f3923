//! The JSON API, compatible with ChatBotKit's contact API (DESIGN.md §5), under `/api/v1` and
//! `/v1`. Reads are GET, every change is POST with a JSON body; errors are
//! `{"message","code"}` JSON, rendered by the error middleware for these paths.

pub mod agent;
pub mod caller;
pub mod contact_body;
pub mod contact_ensure;
pub mod contact_export;
pub mod contacts;
pub mod json;
pub mod listing;
pub mod objects;
pub mod openapi;
pub mod rate_limit;
pub mod related;
pub mod schemas;
pub mod task_runs;

use crate::error::AppError;
use crate::intake::widget;
use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use related::{
    contact_upsert, conversations, lists, memories, secrets, spaces, storage, tasks, votes,
};

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

    // Contacts: writes, find-or-create, export (api-contacts).
    POST "/contact/create" => contacts::create, "createContact", "Create a contact",
        request: Some("ContactCreate"), response: "Id", list: false;
    POST "/contact/ensure" => contact_ensure::ensure, "ensureContact",
        "Find a contact by fingerprint, email or phone, or create it",
        request: Some("ContactEnsure"), response: "Id", list: false;
    GET "/contact/export" => contact_export::export, "exportContacts",
        "Export every contact as JSON, JSON lines or CSV (by Accept)",
        request: None, response: "ContactList", list: true;
    POST "/contact/{id}/update" => contacts::update, "updateContact", "Update a contact",
        request: Some("ContactUpdate"), response: "Id", list: false;
    POST "/contact/{id}/delete" => contacts::delete, "deleteContact", "Delete a contact",
        request: Some("Empty"), response: "Id", list: false;

    // Related objects (src/api/related/): a contact's lists, and the writes of each kind.
    GET "/contact/{id}/conversation/list" => lists::conversations, "listContactConversations",
        "List a contact's conversations", request: None, response: "ConversationList", list: true;
    GET "/contact/{id}/task/list" => lists::tasks, "listContactTasks",
        "List a contact's tasks", request: None, response: "TaskList", list: true;
    GET "/contact/{id}/space/list" => lists::spaces, "listContactSpaces",
        "List a contact's spaces", request: None, response: "SpaceList", list: true;
    GET "/contact/{id}/memory/list" => lists::memories, "listContactMemories",
        "List a contact's memories", request: None, response: "MemoryList", list: true;
    POST "/contact/{id}/memory/search" => lists::search_memories, "searchContactMemory",
        "Search a contact's memories", request: Some("MemorySearch"),
        response: "MemorySearchResult", list: false;
    GET "/contact/{id}/rating/list" => lists::ratings, "listContactRatings",
        "List a contact's ratings", request: None, response: "RatingList", list: true;
    GET "/contact/{id}/secret/list" => lists::secrets, "listContactSecrets",
        "List a contact's secrets (never their values)", request: None,
        response: "SecretList", list: true;
    POST "/contact/{id}/secret/create" => secrets::create, "createContactSecret",
        "Add a secret to a contact", request: Some("SecretCreate"), response: "Id",
        list: false;
    POST "/contact/{id}/secret/{secret_id}/update" => secrets::update, "updateContactSecret",
        "Change a contact's secret (the value is write-only)", request: Some("SecretUpdate"),
        response: "Id", list: false;
    POST "/contact/{id}/secret/{secret_id}/delete" => secrets::delete, "deleteContactSecret",
        "Delete a contact's secret", request: Some("Empty"), response: "Id",
        list: false;
    POST "/memory/create" => memories::create, "createMemory", "Add a memory to a contact",
        request: Some("MemoryCreate"), response: "Id", list: false;
    POST "/memory/{id}/update" => memories::update, "updateMemory", "Change a memory",
        request: Some("MemoryUpdate"), response: "Id", list: false;
    POST "/memory/{id}/delete" => memories::delete, "deleteMemory", "Delete a memory",
        request: Some("Empty"), response: "Id", list: false;
    POST "/task/create" => tasks::create, "createTask", "Add a task to a contact",
        request: Some("TaskCreate"), response: "Id", list: false;
    POST "/task/{id}/update" => tasks::update, "updateTask", "Change a task",
        request: Some("TaskUpdate"), response: "Id", list: false;
    POST "/task/{id}/delete" => tasks::delete, "deleteTask", "Delete a task",
        request: Some("Empty"), response: "Id", list: false;
    POST "/space/create" => spaces::create, "createSpace", "Create a space",
        request: Some("SpaceCreate"), response: "Id", list: false;
    POST "/space/{id}/update" => spaces::update, "updateSpace", "Change a space",
        request: Some("SpaceUpdate"), response: "Id", list: false;
    POST "/space/{id}/delete" => spaces::delete, "deleteSpace",
        "Delete a space and its files", request: Some("Empty"), response: "Id",
        list: false;
    GET "/space/{id}/storage/list" => storage::list, "listSpaceStorage",
        "List a space's files", request: None, response: "SpaceFileList", list: true;
    POST "/space/{id}/storage/upload" => storage::upload, "uploadSpaceStorage",
        "Upload a file into a space (multipart, or the bytes with ?path=)",
        request: Some("File"), response: "SpaceFile", list: false;
    GET "/space/{id}/storage/download" => storage::download, "downloadSpaceStorage",
        "Download a file of a space (?path=)", request: None, response: "File",
        list: false;
    POST "/space/{id}/storage/delete" => storage::delete, "deleteSpaceStorage",
        "Delete a file of a space", request: Some("SpaceFileDelete"), response: "Id",
        list: false;
    POST "/conversation/create" => conversations::create, "createConversation",
        "Start a conversation, with its first messages", request: Some("ConversationCreate"),
        response: "Id", list: false;
    GET "/conversation/{id}/fetch" => conversations::fetch, "fetchConversation",
        "Fetch a conversation", request: None, response: "Conversation", list: false;
    POST "/conversation/{id}/update" => conversations::update, "updateConversation",
        "Change a conversation's subject or meta", request: Some("ConversationUpdate"),
        response: "Id", list: false;
    POST "/conversation/{id}/delete" => conversations::delete, "deleteConversation",
        "Delete a conversation and its messages (its ratings stay)", request: Some("Empty"),
        response: "Id", list: false;
    POST "/conversation/{id}/contact/upsert" => contact_upsert::upsert,
        "upsertConversationContact",
        "Give a conversation without a contact its contact, found or created as by ensure \
         (304 when it has one)", request: Some("ContactUpsert"), response: "Id", list: false;
    POST "/conversation/{id}/message/create" => conversations::create_message,
        "createConversationMessage", "Add a message to a conversation",
        request: Some("MessageCreate"), response: "Id", list: false;
    GET "/conversation/{id}/message/list" => conversations::list_messages,
        "listConversationMessages", "List a conversation's messages", request: None,
        response: "MessageList", list: true;
    POST "/conversation/{id}/upvote" => votes::upvote_conversation, "upvoteConversation",
        "Rate a conversation up", request: Some("RatingCreate"), response: "Id", list: false;
    POST "/conversation/{id}/downvote" => votes::downvote_conversation,
        "downvoteConversation", "Rate a conversation down", request: Some("RatingCreate"),
        response: "Id", list: false;
    POST "/conversation/{id}/message/{message_id}/upvote" => votes::upvote_message,
        "upvoteConversationMessage", "Rate a message up", request: Some("RatingCreate"),
        response: "Id", list: false;
    POST "/conversation/{id}/message/{message_id}/downvote" => votes::downvote_message,
        "downvoteConversationMessage", "Rate a message down", request: Some("RatingCreate"),
        response: "Id", list: false;

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
