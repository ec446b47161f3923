//! Static files, compiled into the binary so a single executable serves everything.
//! URLs carry a content hash (`?v=…`) so browsers may cache them for a year.

use crate::error::AppError;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use std::sync::OnceLock;

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        path: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/app.css"),
    },
    Asset {
        path: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/app.js"),
    },
    Asset {
        path: "vendor/htmx-2.0.11.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/vendor/htmx-2.0.11.min.js"),
    },
    Asset {
        path: "vendor/htmx-2.0.11.LICENSE",
        content_type: "text/plain; charset=utf-8",
        body: include_bytes!("../../static/vendor/htmx-2.0.11.LICENSE"),
    },
    // The website widget, embedded by customers' sites at this unversioned URL.
    Asset {
        path: "widget.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/widget.js"),
    },
    Asset {
        path: "widget-demo.html",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../../static/widget-demo.html"),
    },
    Asset {
        path: "widget-demo.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/widget-demo.js"),
    },
    Asset {
        path: "widget-demo.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/widget-demo.css"),
    },
];

/// Versioned URLs of the assets every page loads.
pub struct AssetUrls {
    pub css: String,
    pub js: String,
    pub htmx: String,
}

pub fn urls() -> &'static AssetUrls {
    static URLS: OnceLock<AssetUrls> = OnceLock::new();
    URLS.get_or_init(|| AssetUrls {
        css: versioned("app.css"),
        js: versioned("app.js"),
        htmx: versioned("vendor/htmx-2.0.11.min.js"),
    })
}

fn versioned(path: &str) -> String {
    let hash = ASSETS
        .iter()
        .find(|asset| asset.path == path)
        .map_or(0, |asset| fnv1a(asset.body));
    format!("/static/{path}?v={hash:016x}")
}

/// FNV-1a: a cache-busting fingerprint, not a security measure.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `GET /static/{path}`. Only a URL carrying the content hash (`?v=…`) may be cached for a
/// year; the same file at its plain URL (the widget script embedded by other sites, the demo
/// page) is cached briefly so a new release reaches visitors within minutes.
pub async fn serve(
    request: actix_web::HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let asset = ASSETS
        .iter()
        .find(|asset| asset.path == path.as_str())
        .ok_or(AppError::NotFound)?;
    let versioned = request
        .query_string()
        .split('&')
        .any(|pair| pair.starts_with("v="));
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, cache))
        .body(asset.body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_are_versioned() {
        let urls = super::urls();
        assert!(urls.css.starts_with("/static/app.css?v="));
        assert!(urls.htmx.contains("htmx-2.0.11"));
    }
}
