//! Which pages may call a widget: its allowed origins (exactly echoed), Rapport's own pages,
//! nobody else.

use crate::common::TestApp;
use crate::widget_support::{allow_origin, create, list, session, widget};
use diesel::prelude::*;
use rapport::models::schema::conversations;
use serde_json::json;

const SHOP: &str = "https://shop.example.com";

#[actix_web::test]
async fn an_allowed_origin_gets_its_own_origin_back() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, |draft| allow_origin(draft, SHOP));
    let client = app.client();

    let preflight = client
        .api(
            "OPTIONS",
            &shop.url("session/create"),
            None,
            &[
                ("origin", SHOP),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
            None,
        )
        .await;
    assert_eq!(preflight.status, 200);
    assert_eq!(preflight.header("access-control-allow-origin"), Some(SHOP));
    assert_eq!(preflight.header("vary"), Some("Origin"));
    let methods = preflight.header("access-control-allow-methods").unwrap();
    assert!(methods.contains("POST") && methods.contains("GET"));
    let headers = preflight.header("access-control-allow-headers").unwrap();
    assert!(headers.contains("authorization") && headers.contains("content-type"));
    assert!(
        preflight
            .header("access-control-allow-credentials")
            .is_none()
    );

    let created = client
        .api(
            "POST",
            &shop.url("session/create"),
            None,
            &[("origin", SHOP)],
            Some(&json!({})),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.header("access-control-allow-origin"), Some(SHOP));
    assert_eq!(
        created.header("access-control-expose-headers"),
        Some("retry-after")
    );

    // Errors carry the headers too, so the widget can show what went wrong.
    let error = client
        .api(
            "POST",
            &shop.url("session/create"),
            None,
            &[("origin", SHOP)],
            Some(&json!({"contact": {"email": "nope"}})),
        )
        .await;
    assert_eq!(error.status, 422);
    assert_eq!(error.header("access-control-allow-origin"), Some(SHOP));
    app.stop().await;
}

#[actix_web::test]
async fn other_origins_get_no_cors_and_their_writes_are_refused() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, |draft| allow_origin(draft, SHOP));
    let client = app.client();
    for origin in [
        "https://evil.example.com",
        "http://shop.example.com",
        "https://shop.example.com:8443",
        "null",
    ] {
        let preflight = client
            .api(
                "OPTIONS",
                &shop.url("session/create"),
                None,
                &[
                    ("origin", origin),
                    ("access-control-request-method", "POST"),
                ],
                None,
            )
            .await;
        assert!(
            preflight.header("access-control-allow-origin").is_none(),
            "{origin}"
        );
        assert_eq!(preflight.header("vary"), Some("Origin"));

        let write = client
            .api(
                "POST",
                &shop.url("session/create"),
                None,
                &[("origin", origin)],
                Some(&json!({})),
            )
            .await;
        assert_eq!(write.status, 403, "{origin}: {}", write.body);
        assert_eq!(write.json()["code"], "NOT_AUTHORIZED");
        assert!(write.header("access-control-allow-origin").is_none());

        let read = client
            .api(
                "GET",
                &shop.url("config"),
                None,
                &[("origin", origin)],
                None,
            )
            .await;
        assert!(
            read.header("access-control-allow-origin").is_none(),
            "{origin}"
        );
    }
    let stored: i64 = conversations::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(stored, 0, "refused writes store nothing");
    app.stop().await;
}

#[actix_web::test]
async fn without_allowed_origins_only_rapports_own_pages_may_call() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, |_| {});
    let client = app.client();
    // The demo page is served by Rapport itself: same origin.
    let own = app.address.clone();
    let (id, token, _) = {
        let response = client
            .api(
                "POST",
                &shop.url("session/create"),
                None,
                &[("origin", &own)],
                Some(&json!({})),
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        let json = response.json();
        (
            json["id"].as_str().unwrap().to_string(),
            json["token"].as_str().unwrap().to_string(),
            (),
        )
    };
    assert_eq!(list(&client, &shop, &id, &token, None).await.status, 200);
    let foreign = client
        .api(
            "POST",
            &shop.url("session/create"),
            None,
            &[("origin", SHOP)],
            Some(&json!({})),
        )
        .await;
    assert_eq!(foreign.status, 403);
    // Servers and curl send no Origin: no CORS involved.
    assert_eq!(create(&client, &shop, json!({})).await.status, 200);
    let _ = session(&client, &shop, json!({})).await;
    app.stop().await;
}
