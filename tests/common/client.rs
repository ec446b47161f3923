//! A small browser-like HTTP client for black-box tests: keeps cookies, remembers the CSRF
//! token the last page carried, and can speak like htmx (HX-Request / HX-Target headers).

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::HeaderMap;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::collections::BTreeMap;
use std::sync::Mutex;

pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
    /// The body exactly as received (downloads).
    pub bytes: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Where a 303 (or an htmx redirect) points.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
            .or_else(|| self.header("hx-redirect"))
    }

    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", self.status, self.body))
    }

    pub fn contains(&self, needle: &str) -> bool {
        self.body.contains(needle)
    }

    /// Panics with the body when `needle` is missing, so failures explain themselves.
    pub fn assert_contains(&self, needle: &str) {
        assert!(
            self.body.contains(needle),
            "expected {needle:?} in response ({}):\n{}",
            self.status,
            self.body
        );
    }

    /// The value of the hidden input called `name` (an editor's version, a cursor…).
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no {name} in {}", self.body))
            + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_string()
    }

    pub fn assert_lacks(&self, needle: &str) {
        assert!(
            !self.body.contains(needle),
            "did not expect {needle:?} in response ({}):\n{}",
            self.status,
            self.body
        );
    }
}

pub struct TestClient {
    base: String,
    http: Client<HttpConnector, Full<Bytes>>,
    cookies: Mutex<BTreeMap<String, String>>,
    csrf: Mutex<Option<String>>,
}

/// A request body and its content type.
struct Body {
    content_type: String,
    bytes: Vec<u8>,
}

fn urlencoded(fields: &[(&str, &str)]) -> Body {
    Body {
        content_type: "application/x-www-form-urlencoded".into(),
        bytes: encode(fields).into_bytes(),
    }
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    /// `filename="…"`, written as given (the test decides what is escaped).
    pub filename: Option<String>,
    /// `filename*=UTF-8''…`, percent-encoded here.
    pub filename_ext: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

impl Part {
    pub fn text(name: &str, value: &str) -> Part {
        Part {
            name: name.into(),
            filename: None,
            filename_ext: None,
            content_type: None,
            data: value.as_bytes().to_vec(),
        }
    }

    pub fn file(name: &str, filename: &str, content_type: &str, data: &[u8]) -> Part {
        Part {
            name: name.into(),
            filename: Some(filename.into()),
            filename_ext: None,
            content_type: Some(content_type.into()),
            data: data.to_vec(),
        }
    }

    /// A file whose exact name travels only as `filename*` (RFC 5987), as some clients send
    /// names that a quoted string cannot hold.
    pub fn file_ext(name: &str, filename: &str, content_type: &str, data: &[u8]) -> Part {
        Part {
            filename: Some("fallback.bin".into()),
            filename_ext: Some(filename.into()),
            ..Part::file(name, "", content_type, data)
        }
    }
}

/// The boundary every test body uses.
pub const BOUNDARY: &str = "----rapport-test-boundary-7MA4YWxkTrZu0gW";

/// Encodes parts as `multipart/form-data`; returns (content type, body).
pub fn multipart_body(parts: &[Part]) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
        if let Some(filename) = &part.filename {
            disposition.push_str(&format!("; filename=\"{filename}\""));
        }
        if let Some(exact) = &part.filename_ext {
            let encoded: String = exact
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b".-_~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            disposition.push_str(&format!("; filename*=UTF-8''{encoded}"));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(content_type) = &part.content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&part.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// What kind of request to make.
enum Flavour<'a> {
    Plain,
    Htmx { target: &'a str },
}

impl TestClient {
    pub fn new(base: &str) -> Self {
        TestClient {
            base: base.to_string(),
            http: Client::builder(TokioExecutor::new()).build_http(),
            cookies: Mutex::new(BTreeMap::new()),
            csrf: Mutex::new(None),
        }
    }

    /// Another client holding a copy of this one's cookies and CSRF token, as someone who
    /// copied the session cookie would.
    pub fn copy_session(&self) -> TestClient {
        let copy = TestClient::new(&self.base);
        *copy.cookies.lock().unwrap() = self.cookies.lock().unwrap().clone();
        *copy.csrf.lock().unwrap() = self.csrf_token();
        copy
    }

    pub fn csrf_token(&self) -> Option<String> {
        self.csrf.lock().unwrap().clone()
    }

    pub fn has_session_cookie(&self) -> bool {
        self.cookies.lock().unwrap().contains_key("rapport_session")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path, Flavour::Plain, None, true)
            .await
    }

    /// A GET as htmx makes it, aimed at the element with id `target`.
    pub async fn get_htmx(&self, path: &str, target: &str) -> Response {
        self.send(Method::GET, path, Flavour::Htmx { target }, None, true)
            .await
    }

    /// A plain form post, with the CSRF token as a hidden field (as a browser without
    /// JavaScript sends it).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut fields: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf_token().unwrap_or_default();
        if !fields.iter().any(|(k, _)| *k == "csrf_token") {
            fields.push(("csrf_token", &token));
        }
        self.send(
            Method::POST,
            path,
            Flavour::Plain,
            Some(urlencoded(&fields)),
            false,
        )
        .await
    }

    /// A plain form post with the CSRF token as a hidden field and extra request headers
    /// (a proxy's `X-Forwarded-For`).
    pub async fn post_form_with_headers(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Response {
        let mut fields: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf_token().unwrap_or_default();
        fields.push(("csrf_token", &token));
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(format!("{}{}", self.base, path))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::from(encode(&fields))))
            .unwrap();
        let response = self
            .http
            .request(request)
            .await
            .expect("the server did not answer");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for set_cookie in headers.get_all("set-cookie") {
            self.store_cookie(set_cookie.to_str().unwrap_or_default());
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Response {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// A form post as htmx makes it: token in the `X-CSRF-Token` header.
    pub async fn post_htmx(&self, path: &str, fields: &[(&str, &str)], target: &str) -> Response {
        self.send(
            Method::POST,
            path,
            Flavour::Htmx { target },
            Some(urlencoded(fields)),
            true,
        )
        .await
    }

    /// A form post exactly as given: no token added.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.send(
            Method::POST,
            path,
            Flavour::Plain,
            Some(urlencoded(fields)),
            false,
        )
        .await
    }

    /// A multipart post as a browser without JavaScript sends it: the CSRF token as the
    /// first field, then `parts`.
    pub async fn post_multipart(&self, path: &str, parts: &[Part]) -> Response {
        let token = self.csrf_token().unwrap_or_default();
        let mut all = vec![Part::text("csrf_token", &token)];
        all.extend_from_slice(parts);
        self.post_multipart_raw(path, &all).await
    }

    /// A multipart post as htmx sends it: the token in the `X-CSRF-Token` header.
    pub async fn post_multipart_htmx(&self, path: &str, parts: &[Part], target: &str) -> Response {
        let (content_type, bytes) = multipart_body(parts);
        self.send(
            Method::POST,
            path,
            Flavour::Htmx { target },
            Some(Body {
                content_type,
                bytes,
            }),
            true,
        )
        .await
    }

    /// A multipart post exactly as given: no token added anywhere.
    pub async fn post_multipart_raw(&self, path: &str, parts: &[Part]) -> Response {
        let (content_type, bytes) = multipart_body(parts);
        self.send(
            Method::POST,
            path,
            Flavour::Plain,
            Some(Body {
                content_type,
                bytes,
            }),
            false,
        )
        .await
    }

    /// The session cookie header, for tests that speak raw HTTP.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// An API request: `method` on `path` with `Authorization: Bearer <token>` (when given),
    /// extra `headers`, and `body` as JSON (when given).
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Response {
        let mut request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(format!("{}{}", self.base, path));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let payload = match body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                body.to_string()
            }
            None => String::new(),
        };
        let response = self
            .http
            .request(request.body(Full::new(Bytes::from(payload))).unwrap())
            .await
            .expect("the server did not answer");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Response {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// Opens the sign-in page (for the session's CSRF token) and signs in.
    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        let page = self.get("/login").await;
        assert_eq!(page.status, 200);
        self.post_form("/login", &[("email", email), ("password", password)])
            .await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        flavour: Flavour<'_>,
        body: Option<Body>,
        header_token: bool,
    ) -> Response {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{}", self.base, path));
        let cookie_header = self.cookie_header();
        if !cookie_header.is_empty() {
            request = request.header("cookie", cookie_header);
        }
        if let Flavour::Htmx { target } = flavour {
            request = request
                .header("HX-Request", "true")
                .header("HX-Target", target);
        }
        if header_token
            && body.is_some()
            && let Some(token) = self.csrf_token()
        {
            request = request.header("X-CSRF-Token", token);
        }
        if let Some(body) = &body {
            request = request.header("content-type", body.content_type.as_str());
        }
        let request = request
            .body(Full::new(Bytes::from(
                body.map(|body| body.bytes).unwrap_or_default(),
            )))
            .unwrap();
        let response = self
            .http
            .request(request)
            .await
            .expect("the server did not answer");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for set_cookie in headers.get_all("set-cookie") {
            self.store_cookie(set_cookie.to_str().unwrap_or_default());
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = find_csrf_token(&body) {
            *self.csrf.lock().unwrap() = Some(token);
        }
        Response {
            status,
            headers,
            body,
            bytes: bytes.to_vec(),
        }
    }

    fn store_cookie(&self, header: &str) {
        let first = header.split(';').next().unwrap_or_default();
        let Some((name, value)) = first.split_once('=') else {
            return;
        };
        let expired = value.is_empty() || header.to_ascii_lowercase().contains("max-age=0");
        let mut cookies = self.cookies.lock().unwrap();
        if expired {
            cookies.remove(name.trim());
        } else {
            cookies.insert(name.trim().to_string(), value.trim().to_string());
        }
    }
}

fn encode(fields: &[(&str, &str)]) -> String {
    serde_html_form::to_string(fields).unwrap()
}

/// The token from a hidden field or from `hx-headers`.
fn find_csrf_token(body: &str) -> Option<String> {
    for marker in ["name=\"csrf_token\" value=\"", "\"X-CSRF-Token\": \""] {
        if let Some(start) = body.find(marker) {
            let rest = &body[start + marker.len()..];
            let token: String = rest
                .chars()
                .take_while(|c| *c != '"' && *c != '&')
                .collect();
            if !token.is_empty() {
                return Some(token);
            }
        }
    }
    None
}
