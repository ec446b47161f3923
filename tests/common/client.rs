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
            Some(encode(&fields)),
            false,
        )
        .await
    }

    /// A form post as htmx makes it: token in the `X-CSRF-Token` header.
    pub async fn post_htmx(&self, path: &str, fields: &[(&str, &str)], target: &str) -> Response {
        self.send(
            Method::POST,
            path,
            Flavour::Htmx { target },
            Some(encode(fields)),
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
            Some(encode(fields)),
            false,
        )
        .await
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
        body: Option<String>,
        header_token: bool,
    ) -> Response {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{}", self.base, path));
        let cookie_header = {
            let cookies = self.cookies.lock().unwrap();
            cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
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
        if body.is_some() {
            request = request.header("content-type", "application/x-www-form-urlencoded");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
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
