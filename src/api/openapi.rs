//! `GET /api/v1/openapi.json`: the API described as OpenAPI 3.1, generated from the
//! [`ENDPOINTS`] table and the named schemas of [`super::schemas`], so it cannot drift from
//! the routes. Served without a token.

use super::json;
use super::schemas::{self, ERROR_CODES, media_type, reference};
use super::{ENDPOINTS, Endpoint};
use crate::error::AppError;
use actix_web::HttpResponse;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Operations anyone may call, without a token.
const PUBLIC: &[&str] = &["openapi", "fetchWidgetConfig", "createWidgetSession"];

/// Operations that answer `304 Not Modified` (no body) when there was nothing to do, as
/// ChatBotKit's do.
pub const NOT_MODIFIED: &[&str] = &["upsertConversationContact"];

/// Other media types an operation answers with (by `Accept`), besides its response schema's
/// own: (operationId, media type, schema name).
pub const OTHER_RESPONSES: &[(&str, &str, &str)] = &[("exportContacts", "text/csv", "ContactCsv")];

/// Other media types an operation takes, besides its request schema's own: (operationId,
/// media type, schema name).
pub const OTHER_REQUESTS: &[(&str, &str, &str)] =
    &[("uploadSpaceStorage", "multipart/form-data", "FileUpload")];

/// `GET openapi.json`.
pub async fn serve() -> Result<HttpResponse, AppError> {
    let document = document(ENDPOINTS).map_err(AppError::internal)?;
    json::ok(&document)
}

/// The OpenAPI document of `endpoints`. Fails, naming the endpoint, when one refers to a
/// schema that [`schemas::schema`] does not define (a unit test runs this on [`ENDPOINTS`]).
pub fn document(endpoints: &[Endpoint]) -> Result<Value, String> {
    let mut paths: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    let mut wanted = BTreeSet::from(["Error".to_string()]);
    for endpoint in endpoints {
        let others = OTHER_RESPONSES
            .iter()
            .chain(OTHER_REQUESTS)
            .filter(|(operation, _, _)| *operation == endpoint.operation_id)
            .map(|(_, _, schema)| schema);
        let named = endpoint
            .request
            .iter()
            .chain([&endpoint.response])
            .chain(others);
        for name in named {
            if schemas::schema(name).is_none() {
                return Err(format!(
                    "{} {} ({}) names the schema \"{name}\", which is not defined: add it to \
                     `schema` in src/api/schemas.rs",
                    endpoint.method, endpoint.path, endpoint.operation_id
                ));
            }
            wanted.insert(name.to_string());
        }
        let method = endpoint.method.to_ascii_lowercase();
        let item = paths.entry(endpoint.path).or_default();
        if item.contains_key(&method) {
            return Err(format!(
                "{} {} is declared twice",
                endpoint.method, endpoint.path
            ));
        }
        item.insert(method, operation(endpoint)?);
    }
    let tags: BTreeSet<&str> = endpoints.iter().map(|e| tag(e.path)).collect();
    Ok(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Rapport API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": DESCRIPTION,
        },
        "servers": [{
            "url": "/api/v1",
            "description": "This Rapport server (also served under /v1)",
        }],
        "security": [{ "bearerAuth": [] }],
        "tags": tags.into_iter().map(|name| json!({ "name": name })).collect::<Vec<_>>(),
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from Settings → API tokens or `rapport token create`.",
                },
            },
            "schemas": collect_schemas(wanted)?,
            "responses": error_responses(),
        },
    }))
}

const DESCRIPTION: &str = "Rapport's contacts API, compatible with ChatBotKit's contact API. \
Reads are GET with query parameters; every change is POST with a JSON body (`delete` takes \
`{}`); any other method gets 405 `METHOD_NOT_ALLOWED`. Ids are strings, times are epoch \
milliseconds, and unset fields are present as `null`. Errors are `{\"message\", \"code\"}`. \
Lists answer a page as JSON, or with `Accept: application/jsonl` stream every item (up to \
`take`) as `{\"type\":\"item\",\"data\":{...}}` lines. Each token may make a limited number of \
requests per minute (429 `LIMITS_REACHED` beyond).";

fn operation(endpoint: &Endpoint) -> Result<Value, String> {
    let public = PUBLIC.contains(&endpoint.operation_id);
    let mut parameters: Vec<Value> = path_parameters(endpoint.path)
        .into_iter()
        .map(|name| {
            json!({
                "name": name,
                "in": "path",
                "required": true,
                "description": "An id, as the API returns them.",
                "schema": { "type": "string" },
            })
        })
        .collect();
    if endpoint.list {
        parameters.extend(list_parameters());
    }

    let mut content = Map::new();
    content.insert(
        media_type(endpoint.response).to_string(),
        json!({ "schema": reference(endpoint.response) }),
    );
    for (_, media, schema) in others_of(OTHER_RESPONSES, endpoint) {
        content.insert(media.to_string(), json!({ "schema": reference(schema) }));
    }
    if endpoint.list {
        let list = schemas::schema(endpoint.response).unwrap_or(Value::Null);
        let item = schemas::list_item(&list).ok_or_else(|| {
            format!(
                "{} {} is a list, but its schema \"{}\" is not a page of items",
                endpoint.method, endpoint.path, endpoint.response
            )
        })?;
        content.insert(
            "application/jsonl".to_string(),
            json!({
                "schema": {
                    "description": "With `Accept: application/jsonl`: one such object per \
                                    line for every item (across pages, up to `take`).",
                    "type": "object",
                    "required": ["type", "data"],
                    "properties": {
                        "type": { "const": "item" },
                        "data": item,
                    },
                },
            }),
        );
    }
    let mut responses = Map::new();
    responses.insert(
        "200".into(),
        json!({ "description": "Success", "content": content }),
    );
    if NOT_MODIFIED.contains(&endpoint.operation_id) {
        responses.insert(
            "304".into(),
            json!({ "description": "Nothing to do (no body): the conversation already has a contact." }),
        );
    }
    let mut errors: Vec<&str> = Vec::new();
    let is_write = endpoint.method == "POST";
    if is_write || endpoint.list {
        errors.push("400");
    }
    if !public {
        errors.push("401");
    }
    if is_write {
        errors.push("403");
    }
    if !path_parameters(endpoint.path).is_empty() {
        errors.push("404");
    }
    if is_write {
        errors.extend(["409", "422"]);
    }
    if !public {
        errors.push("429");
    }
    for status in errors {
        responses.insert(status.into(), error_response_ref(status));
    }
    responses.insert("5XX".into(), error_response_ref("5XX"));

    let mut operation = json!({
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "tags": [tag(endpoint.path)],
        "responses": responses,
    });
    if !parameters.is_empty() {
        operation["parameters"] = Value::Array(parameters);
    }
    if let Some(request) = endpoint.request {
        let mut content = Map::new();
        content.insert(
            media_type(request).to_string(),
            json!({ "schema": reference(request) }),
        );
        for (_, media, schema) in others_of(OTHER_REQUESTS, endpoint) {
            content.insert(media.to_string(), json!({ "schema": reference(schema) }));
        }
        operation["requestBody"] = json!({
            // An empty body reads as `{}`.
            "required": false,
            "content": content,
        });
    }
    if public {
        operation["security"] = json!([]);
    }
    Ok(operation)
}

/// The entries of `table` for this endpoint.
fn others_of<'a>(
    table: &'a [(&'a str, &'a str, &'a str)],
    endpoint: &'a Endpoint,
) -> impl Iterator<Item = &'a (&'a str, &'a str, &'a str)> {
    table
        .iter()
        .filter(move |(operation, _, _)| *operation == endpoint.operation_id)
}

/// `{id}`, `{mid}`… in a path, in order.
pub fn path_parameters(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}

/// The first segment names the resource: `contact`, `memory`, `task`…
fn tag(path: &str) -> &str {
    path.trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .trim_end_matches(".json")
}

fn list_parameters() -> Vec<Value> {
    vec![
        json!({
            "name": "cursor",
            "in": "query",
            "description": "The id of the last item of the previous page.",
            "schema": { "type": "string" },
        }),
        json!({
            "name": "order",
            "in": "query",
            "description": "By creation time, then id. Anything but `asc` means `desc`.",
            "schema": { "type": "string", "enum": ["asc", "desc"], "default": "desc" },
        }),
        json!({
            "name": "take",
            "in": "query",
            "description": "Items per page (JSON) or in all (JSON lines); clamped to 1–100, \
                            and anything but a positive number means 100.",
            "schema": { "type": "integer", "minimum": 1, "maximum": super::listing::MAX_TAKE, "default": super::listing::MAX_TAKE },
        }),
        json!({
            "name": "meta",
            "in": "query",
            "description": "Metadata filters, sent as `meta.KEY=VALUE` (e.g. `meta.plan=pro`; \
                            dotted keys reach nested values; `true` and `false` compare as \
                            booleans). Items must match every filter.",
            "style": "form",
            "explode": true,
            "schema": {
                "type": "object",
                "propertyNames": { "pattern": "^meta\\..+" },
                "additionalProperties": { "type": "string" },
            },
        }),
    ]
}

/// The named error responses (`NotFound`…), one per status, all with the `Error` body.
fn error_responses() -> Value {
    let mut responses = Map::new();
    for (code, status) in ERROR_CODES {
        if status >= 500 {
            continue;
        }
        responses.insert(
            response_name(code),
            json!({
                "description": format!("{status} {code}"),
                "content": { "application/json": {
                    "schema": reference("Error"),
                    "example": { "message": "…", "code": code },
                } },
            }),
        );
    }
    responses.insert(
        SERVER_ERROR.into(),
        json!({
            "description": "A fault on the server's side (INTERNAL_SERVER_ERROR, or \
                            SERVICE_UNAVAILABLE while the database is away); safe to retry.",
            "content": { "application/json": { "schema": reference("Error") } },
        }),
    );
    Value::Object(responses)
}

/// The response component for every 5xx status.
const SERVER_ERROR: &str = "ServerError";

/// `NOT_FOUND` → `NotFound`.
fn response_name(code: &str) -> String {
    code.split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_string() + &chars.as_str().to_ascii_lowercase()
            })
        })
        .collect()
}

/// A reference to the error response of `status` ("404", or "5XX").
fn error_response_ref(status: &str) -> Value {
    let name = ERROR_CODES
        .iter()
        .find(|(_, code_status)| code_status.to_string() == status)
        .map_or_else(|| SERVER_ERROR.to_string(), |(code, _)| response_name(code));
    json!({ "$ref": format!("#/components/responses/{name}") })
}

/// `wanted` and every schema they refer to, by name.
fn collect_schemas(mut wanted: BTreeSet<String>) -> Result<Map<String, Value>, String> {
    let mut found = Map::new();
    while let Some(name) = wanted.pop_first() {
        if found.contains_key(&name) {
            continue;
        }
        let schema = schemas::schema(&name).ok_or_else(|| {
            format!("a schema refers to \"{name}\", which src/api/schemas.rs does not define")
        })?;
        let mut refs = Vec::new();
        references(&schema, &mut refs);
        for target in refs {
            if let Some(other) = target.strip_prefix("#/components/schemas/")
                && !found.contains_key(other)
            {
                wanted.insert(other.to_string());
            }
        }
        found.insert(name, schema);
    }
    Ok(found)
}

/// Every `$ref` inside `value`.
pub fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => out.push(target.clone()),
                    _ => references(inner, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated() -> Value {
        document(ENDPOINTS).unwrap_or_else(|problem| panic!("{problem}"))
    }

    #[test]
    fn is_json_with_every_endpoint() {
        let document = generated();
        let text = serde_json::to_string(&document).unwrap();
        let document: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(document["openapi"], "3.1.0");
        assert_eq!(document["servers"][0]["url"], "/api/v1");
        let mut ids = BTreeSet::new();
        for endpoint in ENDPOINTS {
            let operation = &document["paths"][endpoint.path][endpoint.method.to_ascii_lowercase()];
            assert_eq!(
                operation["operationId"], endpoint.operation_id,
                "{} {} missing",
                endpoint.method, endpoint.path
            );
            assert_eq!(operation["summary"], endpoint.summary);
            assert!(
                ids.insert(endpoint.operation_id),
                "operationId {} is used twice",
                endpoint.operation_id
            );
        }
        assert!(ids.contains("openapi"));
    }

    #[test]
    fn every_reference_resolves() {
        let document = generated();
        let mut refs = Vec::new();
        references(&document, &mut refs);
        assert!(refs.len() > ENDPOINTS.len());
        for target in refs {
            let pointer = target
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{target} is not local"));
            assert!(
                document.pointer(pointer).is_some(),
                "{target} does not resolve"
            );
        }
    }

    #[test]
    fn every_path_parameter_is_declared() {
        let document = generated();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let declared: Vec<&str> = operation["parameters"]
                    .as_array()
                    .map(|p| {
                        p.iter()
                            .filter(|p| p["in"] == "path")
                            .map(|p| p["name"].as_str().unwrap())
                            .collect()
                    })
                    .unwrap_or_default();
                assert_eq!(declared, path_parameters(path), "{method} {path}");
            }
        }
    }

    #[test]
    fn lists_take_the_list_parameters_and_answer_json_lines() {
        let document = generated();
        let list = &document["paths"]["/contact/list"]["get"];
        let names: Vec<&str> = list["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["cursor", "order", "take", "meta"]);
        let content = &list["responses"]["200"]["content"];
        assert_eq!(
            content["application/json"]["schema"]["$ref"],
            "#/components/schemas/ContactList"
        );
        assert_eq!(
            content["application/jsonl"]["schema"]["properties"]["data"]["$ref"],
            "#/components/schemas/Contact"
        );
        let fetch = &document["paths"]["/contact/{id}/fetch"]["get"];
        assert!(fetch["responses"]["404"].is_object());
        assert!(fetch["responses"]["200"]["content"]["application/jsonl"].is_null());
    }

    #[test]
    fn errors_and_security() {
        let document = generated();
        assert_eq!(
            document["components"]["securitySchemes"]["bearerAuth"]["scheme"],
            "bearer"
        );
        let codes = &document["components"]["schemas"]["Error"]["properties"]["code"]["enum"];
        for code in [
            "BAD_REQUEST",
            "NOT_AUTHENTICATED",
            "NOT_AUTHORIZED",
            "NOT_FOUND",
            "METHOD_NOT_ALLOWED",
            "CONFLICT",
            "UNPROCESSABLE_ENTITY",
            "LIMITS_REACHED",
        ] {
            assert!(codes.as_array().unwrap().contains(&json!(code)), "{code}");
        }
        let fetch = &document["paths"]["/contact/{id}/fetch"]["get"];
        assert_eq!(
            fetch["responses"]["401"]["$ref"],
            "#/components/responses/NotAuthenticated"
        );
        assert_eq!(
            fetch["responses"]["5XX"]["$ref"],
            "#/components/responses/ServerError"
        );
        assert_eq!(response_name("UNPROCESSABLE_ENTITY"), "UnprocessableEntity");
        let openapi = &document["paths"]["/openapi.json"]["get"];
        assert_eq!(openapi["security"], json!([]));
        assert!(openapi["responses"]["401"].is_null());
    }

    #[test]
    fn other_media_types_name_real_operations() {
        let document = generated();
        for (operation, media, schema) in OTHER_RESPONSES.iter().chain(OTHER_REQUESTS) {
            let endpoint = ENDPOINTS
                .iter()
                .find(|e| e.operation_id == *operation)
                .unwrap_or_else(|| panic!("{operation} is not an endpoint"));
            let item = &document["paths"][endpoint.path][endpoint.method.to_ascii_lowercase()];
            let in_response = &item["responses"]["200"]["content"][*media]["schema"]["$ref"];
            let in_request = &item["requestBody"]["content"][*media]["schema"]["$ref"];
            let wanted = format!("#/components/schemas/{schema}");
            assert!(
                *in_response == wanted || *in_request == wanted,
                "{operation} {media}"
            );
        }
        let export = &document["paths"]["/contact/export"]["get"]["responses"]["200"]["content"];
        assert!(export["text/csv"].is_object());
        assert!(export["application/json"].is_object());
    }

    #[test]
    fn an_unknown_schema_names_the_endpoint() {
        let endpoint = Endpoint {
            method: "POST",
            path: "/widget/{id}/frobnicate",
            operation_id: "frobnicateWidget",
            summary: "Frobnicate",
            request: Some("WidgetFrobnication"),
            response: "Id",
            list: false,
        };
        let problem = document(&[endpoint]).unwrap_err();
        assert!(problem.contains("frobnicateWidget"), "{problem}");
        assert!(problem.contains("\"WidgetFrobnication\""), "{problem}");
        let listed = Endpoint {
            request: None,
            response: "Contact",
            list: true,
            ..endpoint
        };
        assert!(document(&[listed]).unwrap_err().contains("not a page"));
    }

    #[test]
    fn writes_document_their_body_and_errors() {
        let endpoint = Endpoint {
            method: "POST",
            path: "/contact/{id}/update",
            operation_id: "updateContact",
            summary: "Update a contact",
            request: Some("ContactUpdate"),
            response: "Id",
            list: false,
        };
        let document = document(&[endpoint]).unwrap();
        let operation = &document["paths"]["/contact/{id}/update"]["post"];
        assert_eq!(
            operation["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ContactUpdate"
        );
        for status in ["400", "401", "403", "404", "409", "422", "429", "5XX"] {
            assert!(operation["responses"][status].is_object(), "{status}");
        }
        assert!(document["components"]["schemas"]["Meta"].is_object());
        assert_eq!(
            path_parameters("/conversation/{cid}/message/{mid}/upvote"),
            ["cid", "mid"]
        );
    }
}
