//! `openapi.json` against the API as it really answers: every operation of the endpoints
//! table is called for real, each 200 body (and each JSON line of the lists) is checked
//! against the response schema the served document declares, each body the test sends
//! against the declared request schema, and some error bodies against the declared error
//! responses. The last step fails when an endpoint was not exercised, so a new endpoint (or a
//! changed one) cannot slip past with a guessed schema.
//!
//! Request schemas are also compared with what the server reads: a body with an unknown key
//! is refused with serde's message, which lists every field the body may have; that list must
//! be exactly the schema's properties.
//!
//! The checker is small on purpose: `$ref`, `type` (with `null`), `enum`, `const`, `oneOf`,
//! `properties`/`required`/`additionalProperties` (absent means closed: every key a response
//! returns must be declared), `items`, `minimum`/`maximum` and the id `pattern`. It refuses
//! a schema keyword it does not know, so a schema cannot gain a rule that goes unchecked.

use crate::common::builders::{ContactBuilder, ConversationBuilder};
use crate::common::{Response, TestApp};
use crate::related_support::Api;
use chrono::{Duration, Utc};
use diesel::prelude::*;
use rapport::api::{ENDPOINTS, Endpoint};
use rapport::domain::api_token::TokenRole;
use rapport::models::schema::tasks;
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// Keywords that only describe; everything else must be checked below.
const ANNOTATIONS: &[&str] = &[
    "description",
    "writeOnly",
    "contentMediaType",
    "default",
    "example",
];

/// The id pattern of the schemas (the one pattern the checker knows).
const ID_PATTERN: &str = "^[1-9][0-9]*$";

/// Problems of `value` against `schema` (inside `document`), each with where it is.
fn check(document: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(rules) = schema.as_object() else {
        panic!("{at}: a schema must be an object: {schema}");
    };
    if let Some(target) = rules.get("$ref") {
        let pointer = target.as_str().unwrap().strip_prefix('#').unwrap();
        let resolved = document
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{at}: {target} does not resolve"));
        assert_eq!(rules.len(), 1, "{at}: $ref with siblings: {schema}");
        return check(document, resolved, value, at, problems);
    }
    for (keyword, rule) in rules {
        match keyword.as_str() {
            "type" => {
                let allowed: Vec<&str> = match rule {
                    Value::String(one) => vec![one.as_str()],
                    Value::Array(many) => many.iter().map(|t| t.as_str().unwrap()).collect(),
                    other => panic!("{at}: type {other}"),
                };
                let fits = |kind: &str| match kind {
                    "null" => value.is_null(),
                    "boolean" => value.is_boolean(),
                    "integer" => value.is_i64() || value.is_u64(),
                    "number" => value.is_number(),
                    "string" => value.is_string(),
                    "array" => value.is_array(),
                    "object" => value.is_object(),
                    other => panic!("{at}: unknown type {other}"),
                };
                if !allowed.iter().any(|kind| fits(kind)) {
                    problems.push(format!("{at}: {value} is not of type {rule}"));
                }
            }
            "enum" => {
                if !rule.as_array().unwrap().contains(value) {
                    problems.push(format!("{at}: {value} is not one of {rule}"));
                }
            }
            "const" => {
                if rule != value {
                    problems.push(format!("{at}: {value} is not {rule}"));
                }
            }
            "oneOf" => {
                let matching = rule
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|option| {
                        let mut inner = Vec::new();
                        check(document, option, value, at, &mut inner);
                        inner.is_empty()
                    })
                    .count();
                if matching != 1 {
                    problems.push(format!("{at}: {value} matches {matching} of {rule}"));
                }
            }
            "pattern" => {
                assert_eq!(rule, ID_PATTERN, "{at}: the checker knows no other pattern");
                if let Some(text) = value.as_str() {
                    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
                    if !digits || text.starts_with('0') {
                        problems.push(format!("{at}: {value} is not an id"));
                    }
                }
            }
            "minimum" | "maximum" => {
                if let (Some(number), Some(bound)) = (value.as_f64(), rule.as_f64()) {
                    let outside = if keyword == "minimum" {
                        number < bound
                    } else {
                        number > bound
                    };
                    if outside {
                        problems.push(format!("{at}: {value} is past its {keyword} {rule}"));
                    }
                }
            }
            "minLength" | "maxLength" => {
                if let (Some(text), Some(bound)) = (value.as_str(), rule.as_u64()) {
                    let length = text.chars().count() as u64;
                    let outside = if keyword == "minLength" {
                        length < bound
                    } else {
                        length > bound
                    };
                    if outside {
                        problems.push(format!(
                            "{at}: its length {length} is past its {keyword} {rule}"
                        ));
                    }
                }
            }
            "items" => {
                if let Some(items) = value.as_array() {
                    for (i, item) in items.iter().enumerate() {
                        check(document, rule, item, &format!("{at}[{i}]"), problems);
                    }
                }
            }
            "required" => {
                if let Some(object) = value.as_object() {
                    for key in rule.as_array().unwrap() {
                        if !object.contains_key(key.as_str().unwrap()) {
                            problems.push(format!("{at}: the required key {key} is missing"));
                        }
                    }
                }
            }
            "properties" | "additionalProperties" => {}
            other if ANNOTATIONS.contains(&other) => {}
            other => panic!("{at}: the checker does not know the keyword {other:?}"),
        }
    }
    if let Some(object) = value.as_object()
        && (rules.contains_key("properties") || rules.contains_key("additionalProperties"))
    {
        let empty = serde_json::Map::new();
        let properties = rules
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (key, inner) in object {
            let at = format!("{at}.{key}");
            match (properties.get(key), rules.get("additionalProperties")) {
                (Some(declared), _) => check(document, declared, inner, &at, problems),
                (None, Some(Value::Bool(true))) => {}
                (None, Some(other @ Value::Object(_))) => {
                    check(document, other, inner, &at, problems)
                }
                (None, _) => problems.push(format!("{at}: the key is not declared")),
            }
        }
    }
}

fn assert_fits(document: &Value, schema: &Value, value: &Value, what: &str) {
    let mut problems = Vec::new();
    check(document, schema, value, what, &mut problems);
    assert!(
        problems.is_empty(),
        "{what} does not match its schema:\n  {}\nvalue: {value}",
        problems.join("\n  ")
    );
}

/// The schema an object schema or `$ref` stands for.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(target) => document.pointer(&target[1..]).unwrap(),
        None => schema,
    }
}

/// The field names a serde "unknown field" message lists as expected.
fn expected_fields(message: &str) -> BTreeSet<String> {
    let (_, expected) = message
        .split_once(", expected ")
        .or_else(|| {
            message
                .split_once(", there are no fields")
                .map(|_| ("", ""))
        })
        .unwrap_or_else(|| panic!("not an unknown-field message: {message}"));
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Calls endpoints by their table entry and checks them against the served document.
struct Conformance<'a> {
    api: &'a Api,
    document: Value,
    called: RefCell<BTreeSet<&'static str>>,
    /// A bearer token to send instead of the API token (a widget session's).
    bearer: RefCell<Option<String>>,
}

impl Conformance<'_> {
    fn endpoint(method: &str, template: &str) -> &'static Endpoint {
        ENDPOINTS
            .iter()
            .find(|e| e.method == method && e.path == template)
            .unwrap_or_else(|| panic!("{method} {template} is not in the endpoints table"))
    }

    fn operation(&self, endpoint: &Endpoint) -> &Value {
        &self.document["paths"][endpoint.path][endpoint.method.to_ascii_lowercase()]
    }

    fn path(template: &str, params: &[&str]) -> String {
        let mut path = template.to_string();
        for param in params {
            let start = path.find('{').expect("more parameters than the path has");
            let end = start + path[start..].find('}').unwrap();
            path.replace_range(start..=end, param);
        }
        assert!(!path.contains('{'), "{template}: parameters missing");
        path
    }

    /// A request; the body (if any) is checked against the declared request schema.
    async fn send(
        &self,
        endpoint: &Endpoint,
        params: &[&str],
        accept: &str,
        body: Option<&Value>,
        valid: bool,
    ) -> Response {
        if let Some(body) = body.filter(|_| valid) {
            let schema =
                &self.operation(endpoint)["requestBody"]["content"]["application/json"]["schema"];
            assert!(
                schema.is_object(),
                "{}: a body was sent but none is declared",
                endpoint.operation_id
            );
            let what = format!("the request body of {}", endpoint.operation_id);
            assert_fits(&self.document, schema, body, &what);
        }
        let path = format!("/api/v1{}", Self::path(endpoint.path, params));
        let body = match (endpoint.method, body) {
            ("POST", None) => Some(json!({})),
            (_, body) => body.cloned(),
        };
        let token = self
            .bearer
            .borrow()
            .clone()
            .unwrap_or_else(|| self.api.token.clone());
        self.api
            .client
            .api(
                endpoint.method,
                &path,
                Some(&token),
                &[("accept", accept)],
                body.as_ref(),
            )
            .await
    }

    /// A successful call: the JSON answer checked against the 200 schema (and for lists,
    /// every JSON line against the line schema). Returns the answer.
    async fn call(
        &self,
        method: &str,
        template: &str,
        params: &[&str],
        body: Option<Value>,
    ) -> Value {
        let endpoint = Self::endpoint(method, template);
        let response = self
            .send(endpoint, params, "application/json", body.as_ref(), true)
            .await;
        assert_eq!(response.status, 200, "{template}: {}", response.body);
        assert_eq!(response.header("content-type"), Some("application/json"));
        let content = &self.operation(endpoint)["responses"]["200"]["content"];
        let answer = response.json();
        let what = format!("the answer of {}", endpoint.operation_id);
        assert_fits(
            &self.document,
            &content["application/json"]["schema"],
            &answer,
            &what,
        );
        if endpoint.list {
            let lines = self
                .send(endpoint, params, "application/jsonl", None, true)
                .await;
            assert_eq!(lines.status, 200, "{}", lines.body);
            let schema = &content["application/jsonl"]["schema"];
            for (i, line) in lines.body.lines().enumerate() {
                let line: Value = serde_json::from_str(line).unwrap();
                let what = format!("line {i} of {}", endpoint.operation_id);
                assert_fits(&self.document, schema, &line, &what);
            }
        }
        self.called.borrow_mut().insert(endpoint.operation_id);
        answer
    }

    /// A call that creates or changes something: its `{"id"}`.
    async fn write(&self, template: &str, params: &[&str], body: Value) -> String {
        let answer = self.call("POST", template, params, Some(body)).await;
        answer["id"].as_str().unwrap().to_string()
    }

    /// A failing call (its body need not fit the request schema) whose body must match the error response declared for `status`.
    async fn fail(
        &self,
        method: &str,
        template: &str,
        params: &[&str],
        body: Option<Value>,
        status: u16,
    ) {
        let endpoint = Self::endpoint(method, template);
        let response = self
            .send(endpoint, params, "application/json", body.as_ref(), false)
            .await;
        assert_eq!(response.status, status, "{template}: {}", response.body);
        assert_eq!(response.header("content-type"), Some("application/json"));
        let declared = &self.operation(endpoint)["responses"][status.to_string()];
        assert!(declared.is_object(), "{template}: {status} is not declared");
        let schema = &resolve(&self.document, declared)["content"]["application/json"]["schema"];
        let what = format!("the {status} of {}", endpoint.operation_id);
        assert_fits(&self.document, schema, &response.json(), &what);
    }
}

#[actix_web::test]
async fn every_answer_matches_the_published_schemas() {
    let app = TestApp::spawn().await;
    let api = Api::new(&app, TokenRole::Editor);
    let document = api.get("/openapi.json").await.json();
    let c = Conformance {
        api: &api,
        document,
        called: RefCell::new(BTreeSet::new()),
        bearer: RefCell::new(None),
    };
    c.call("GET", "/openapi.json", &[], None).await;

    // Contacts.
    let ada = c
        .write(
            "/contact/create",
            &[],
            json!({
                "name": "Ada Lovelace", "email": "ada@example.com", "phone": "+12125550147",
                "nick": "ada", "description": "Engine", "preferences": "Short answers",
                "verifiedAt": 1_700_000_000_000_i64, "meta": {"plan": "pro"},
            }),
        )
        .await;
    let ada = ada.as_str();
    c.write(
        "/contact/ensure",
        &[],
        json!({"name": "Guest", "email": "guest@example.com", "fingerprint": null}),
    )
    .await;
    c.write(
        "/contact/{id}/update",
        &[ada],
        json!({"nick": null, "meta": {"$update": {"tier": 2}}}),
    )
    .await;
    c.call("GET", "/contact/{id}/fetch", &[ada], None).await;
    c.call("GET", "/contact/list", &[], None).await;
    c.call("GET", "/contact/export", &[], None).await;

    // Memories, tasks and the agent context.
    let memory = c
        .write(
            "/memory/create",
            &[],
            json!({"contactId": ada, "text": "Likes espresso", "meta": {"source": "chat"}}),
        )
        .await;
    c.write(
        "/memory/{id}/update",
        &[&memory],
        json!({"text": "Likes strong espresso", "meta": null}),
    )
    .await;
    c.call("GET", "/contact/{id}/memory/list", &[ada], None)
        .await;
    let found = c
        .call(
            "POST",
            "/contact/{id}/memory/search",
            &[ada],
            Some(json!({"search": "espresso"})),
        )
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let task = c
        .write(
            "/task/create",
            &[],
            json!({"contactId": ada.parse::<i64>().unwrap(), "name": "Weekly check-in",
                   "description": "Ask how it goes", "schedule": "0 9 * * MON",
                   "timezone": "Europe/London"}),
        )
        .await;
    c.write(
        "/task/{id}/update",
        &[&task],
        json!({"description": null, "timezone": "UTC"}),
    )
    .await;
    c.call("GET", "/contact/{id}/task/list", &[ada], None).await;
    // Make it due, then run it.
    diesel::update(tasks::table.find(task.parse::<i64>().unwrap()))
        .set(tasks::next_run_at.eq(Some(Utc::now() - Duration::hours(1))))
        .execute(&mut app.conn())
        .unwrap();
    let due = c.call("GET", "/task/due", &[], None).await;
    assert_eq!(due["items"][0]["id"], task.as_str());
    c.write("/task/{id}/start", &[&task], json!({})).await;
    c.write(
        "/task/{id}/finish",
        &[&task],
        json!({"outcome": "success", "text": "Done"}),
    )
    .await;
    let context = c.call("GET", "/contact/{id}/context", &[ada], None).await;
    assert_eq!(context["memories"].as_array().unwrap().len(), 1);
    assert_eq!(context["tasks"].as_array().unwrap().len(), 1);

    // Spaces and their files.
    let space = c
        .write(
            "/space/create",
            &[],
            json!({"contactId": ada, "name": "Contracts", "description": "Signed ones"}),
        )
        .await;
    c.write(
        "/space/{id}/update",
        &[&space],
        json!({"description": null}),
    )
    .await;
    c.call("GET", "/contact/{id}/space/list", &[ada], None)
        .await;
    let upload = Conformance::endpoint("POST", "/space/{id}/storage/upload");
    let uploaded = api
        .post_raw(
            &format!("/space/{space}/storage/upload?path=notes.txt"),
            "text/plain",
            b"hello".to_vec(),
        )
        .await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.body);
    let schema = &c.operation(upload)["responses"]["200"]["content"]["application/json"]["schema"];
    assert_fits(&c.document, schema, &uploaded.json(), "the uploaded file");
    c.called.borrow_mut().insert(upload.operation_id);
    c.call("GET", "/space/{id}/storage/list", &[&space], None)
        .await;
    let download = Conformance::endpoint("GET", "/space/{id}/storage/download");
    let bytes = api
        .get(&format!("/space/{space}/storage/download?path=notes.txt"))
        .await;
    assert_eq!((bytes.status, bytes.bytes.as_slice()), (200, &b"hello"[..]));
    let declared = &c.operation(download)["responses"]["200"]["content"];
    assert!(declared["application/octet-stream"].is_object());
    c.called.borrow_mut().insert(download.operation_id);
    c.write(
        "/space/{id}/storage/delete",
        &[&space],
        json!({"path": "notes.txt"}),
    )
    .await;

    // Conversations, messages, ratings.
    let conversation = c
        .write(
            "/conversation/create",
            &[],
            json!({
                "contactId": ada, "name": "Refund", "channel": "widget", "meta": {"t": 1},
                "messages": [{"type": "user", "text": "Hello"}, {"type": "bot", "text": "Hi"}],
            }),
        )
        .await;
    let conversation = conversation.as_str();
    c.write(
        "/conversation/{id}/update",
        &[conversation],
        json!({"subject": "Refund request", "meta": {"t": 2}}),
    )
    .await;
    c.call("GET", "/conversation/{id}/fetch", &[conversation], None)
        .await;
    let message = c
        .write(
            "/conversation/{id}/message/create",
            &[conversation],
            json!({"type": "staff", "text": "Taking over"}),
        )
        .await;
    c.call(
        "GET",
        "/conversation/{id}/message/list",
        &[conversation],
        None,
    )
    .await;
    c.write("/conversation/{id}/upvote", &[conversation], json!({}))
        .await;
    c.write(
        "/conversation/{id}/downvote",
        &[conversation],
        json!({"value": -3, "reason": "slow"}),
    )
    .await;
    c.write(
        "/conversation/{id}/message/{message_id}/upvote",
        &[conversation, &message],
        json!({"reason": null}),
    )
    .await;
    c.write(
        "/conversation/{id}/message/{message_id}/downvote",
        &[conversation, &message],
        json!({"value": null}),
    )
    .await;
    c.call("GET", "/contact/{id}/conversation/list", &[ada], None)
        .await;
    let ratings = c
        .call("GET", "/contact/{id}/rating/list", &[ada], None)
        .await;
    assert_eq!(ratings["items"].as_array().unwrap().len(), 4);

    // A contact-less conversation gets its contact.
    let (lone, _) = ConversationBuilder::new(
        ContactBuilder::new("Placeholder")
            .create(&mut app.conn())
            .id,
    )
    .create(&mut app.conn());
    diesel::sql_query(format!(
        "UPDATE conversations SET contact_id = NULL WHERE id = {}",
        lone.id
    ))
    .execute(&mut app.conn())
    .unwrap();
    c.write(
        "/conversation/{id}/contact/upsert",
        &[&lone.id.to_string()],
        json!({"name": "Visitor", "email": "visitor@example.com", "meta": {"app": "widget"}}),
    )
    .await;

    // Secrets.
    let secret = c
        .write(
            "/contact/{id}/secret/create",
            &[ada],
            json!({"name": "CRM", "type": "basic",
                   "value": {"username": "ada", "password": "hunter2"}}),
        )
        .await;
    c.write(
        "/contact/{id}/secret/{secret_id}/update",
        &[ada, &secret],
        json!({"description": "The CRM login", "type": "bearer", "value": "tok"}),
    )
    .await;
    c.call("GET", "/contact/{id}/secret/list", &[ada], None)
        .await;

    // The errors a client meets most, as declared.
    c.fail("GET", "/contact/{id}/fetch", &["999999"], None, 404)
        .await;
    c.fail(
        "POST",
        "/memory/create",
        &[],
        Some(json!({"text": "x"})),
        422,
    )
    .await;
    c.fail(
        "POST",
        "/memory/create",
        &[],
        Some(json!({"contactId": ada, "text": 5})),
        400,
    )
    .await;
    let viewer = Api::new(&app, TokenRole::Viewer);
    let as_viewer = Conformance {
        api: &viewer,
        document: c.document.clone(),
        called: RefCell::new(BTreeSet::new()),
        bearer: RefCell::new(None),
    };
    as_viewer
        .fail("POST", "/memory/{id}/delete", &[&memory], None, 403)
        .await;

    // The website widget: config and session/create need no API token (a sent one is
    // ignored); the message endpoints take the session's own token.
    let keyring = app.settings.secrets_keyring().unwrap();
    let (widget, _) = rapport::models::integration::create(
        &mut app.conn(),
        &keyring,
        rapport::domain::integration::IntegrationKind::Widget,
        &rapport::domain::integration::IntegrationDraft::named("Shop"),
        &rapport::models::Actor::System("test".into()),
    )
    .unwrap();
    let widget = widget.id.to_string();
    c.call("GET", "/integration/widget/{id}/config", &[&widget], None)
        .await;
    let session = c
        .call(
            "POST",
            "/integration/widget/{id}/session/create",
            &[&widget],
            Some(json!({"contact": {"name": "Visitor", "email": "visitor@example.com"}})),
        )
        .await;
    let session_id = session["id"].as_str().unwrap().to_string();
    *c.bearer.borrow_mut() = Some(session["token"].as_str().unwrap().to_string());
    c.call(
        "POST",
        "/integration/widget/{id}/session/{sessionId}/message/send",
        &[&widget, &session_id],
        Some(json!({"text": "Do you ship to Oslo?"})),
    )
    .await;
    c.call(
        "GET",
        "/integration/widget/{id}/session/{sessionId}/message/list",
        &[&widget, &session_id],
        None,
    )
    .await;
    *c.bearer.borrow_mut() = None;

    // Deletes last.
    c.write(
        "/contact/{id}/secret/{secret_id}/delete",
        &[ada, &secret],
        json!({}),
    )
    .await;
    c.write("/memory/{id}/delete", &[&memory], json!({})).await;
    c.write("/task/{id}/delete", &[&task], json!({})).await;
    c.write("/space/{id}/delete", &[&space], json!({})).await;
    c.write("/conversation/{id}/delete", &[conversation], json!({}))
        .await;
    c.write("/contact/{id}/delete", &[ada], json!({})).await;

    let called = c.called.borrow();
    let missed: Vec<&str> = ENDPOINTS
        .iter()
        .map(|e| e.operation_id)
        .filter(|id| !called.contains(id))
        .collect();
    assert!(missed.is_empty(), "not exercised here: {missed:?}");
}

#[actix_web::test]
async fn request_schemas_declare_exactly_the_fields_the_server_reads() {
    let app = TestApp::spawn().await;
    let api = Api::new(&app, TokenRole::Editor);
    let document = api.get("/openapi.json").await.json();
    let mut probed = 0;
    for endpoint in ENDPOINTS.iter().filter(|e| e.method == "POST") {
        let operation = &document["paths"][endpoint.path]["post"];
        let Some(schema) =
            operation["requestBody"]["content"]["application/json"]["schema"].as_object()
        else {
            continue;
        };
        let schema = resolve(&document, &Value::Object(schema.clone())).clone();
        let path = Conformance::path(
            endpoint.path,
            &["1", "1"][..rapport::api::openapi::path_parameters(endpoint.path).len()],
        );
        let mut probes = vec![(
            schema.clone(),
            json!({"zzProbe": 1}),
            endpoint.operation_id.to_string(),
        )];
        // Objects nested in arrays (a conversation's first messages) are read the same way.
        let properties = schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (key, property) in &properties {
            if let Some(item) = property.get("items").filter(|i| i.get("$ref").is_some()) {
                let nested = resolve(&document, item).clone();
                probes.push((
                    nested,
                    json!({ key: [{"zzProbe": 1}] }),
                    format!("{}.{key}[]", endpoint.operation_id),
                ));
            }
        }
        for (schema, body, what) in probes {
            let response = api.post(&path, body).await;
            assert_eq!(response.status, 400, "{what}: {}", response.body);
            let message = response.json()["message"].as_str().unwrap().to_string();
            let declared: BTreeSet<String> = schema["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            assert_eq!(
                declared,
                expected_fields(&message),
                "{what}: the schema's properties are not what the server reads ({message})"
            );
            assert_eq!(
                schema["additionalProperties"],
                json!(false),
                "{what}: unknown keys are refused, so the schema must say so"
            );
            probed += 1;
        }
    }
    let json_writes = ENDPOINTS
        .iter()
        .filter(|e| e.method == "POST" && e.request.is_some_and(|r| r != "File"))
        .count();
    assert!(probed > json_writes, "only {probed} request schemas probed");
}

#[test]
fn unknown_field_messages_are_read() {
    assert_eq!(
        expected_fields("body: unknown field `x`, expected one of `a`, `b`, `c`."),
        ["a", "b", "c"].map(String::from).into()
    );
    assert_eq!(
        expected_fields("unknown field `x`, expected `a` or `b`"),
        ["a", "b"].map(String::from).into()
    );
    assert_eq!(
        expected_fields("unknown field `x`, there are no fields"),
        BTreeSet::new()
    );
}

#[test]
fn the_checker_finds_what_it_should() {
    let document = json!({"components": {"schemas": {"Id": {
        "type": "object", "required": ["id"],
        "properties": {"id": {"type": "string", "pattern": ID_PATTERN}},
    }}}});
    let schema = json!({"$ref": "#/components/schemas/Id"});
    let problems = |value: Value| {
        let mut found = Vec::new();
        check(&document, &schema, &value, "x", &mut found);
        found
    };
    assert!(problems(json!({"id": "42"})).is_empty());
    assert_eq!(
        problems(json!({"id": 42})).len(),
        1,
        "a number is not a string id"
    );
    assert_eq!(problems(json!({"id": "042"})).len(), 1);
    assert_eq!(problems(json!({})).len(), 1, "required");
    assert_eq!(
        problems(json!({"id": "1", "extra": null})).len(),
        1,
        "undeclared"
    );
    assert_eq!(problems(json!(null)).len(), 1);
}
