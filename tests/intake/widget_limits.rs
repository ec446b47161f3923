//! Rate limits (per address, per widget), body size limits.

use crate::common::{TestApp, TestDb};
use crate::widget_support::{Widget, allow_origin, create, list, send, session, widget};
use rapport::config::Settings;
use rapport::intake::widget::settings::WidgetSettings;
use serde_json::json;

/// A server whose widget limits are read from these `RAPPORT_WIDGET_*` values, as `serve`
/// reads them from the environment.
fn spawn_with_env(pairs: &'static [(&'static str, &'static str)]) -> TestApp {
    let db = TestDb::create();
    let mut settings = Settings::with_database(db.url.clone());
    settings.widget = WidgetSettings::from_env(&|name: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    })
    .unwrap();
    TestApp::spawn_with(db, settings)
}

#[actix_web::test]
async fn an_address_is_limited_across_every_widget_endpoint() {
    let app = spawn_with_env(&[("RAPPORT_WIDGET_IP_RATE_LIMIT", "4")]);
    let shop = widget(&app, |draft| {
        allow_origin(draft, "https://shop.example.com")
    });
    let client = app.client();
    let (id, token, _) = session(&client, &shop, json!({})).await;
    assert_eq!(send(&client, &shop, &id, &token, "one").await.status, 200);
    assert_eq!(list(&client, &shop, &id, &token, None).await.status, 200);
    assert_eq!(list(&client, &shop, &id, &token, None).await.status, 200);
    let limited = client
        .api(
            "GET",
            &shop.url(&format!("session/{id}/message/list")),
            Some(&token),
            &[("origin", "https://shop.example.com")],
            None,
        )
        .await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(limited.json()["code"], "LIMITS_REACHED");
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(
        limited.header("access-control-allow-origin"),
        Some("https://shop.example.com"),
        "the widget can read Retry-After"
    );
    // The rest of the API is not affected.
    let openapi = client
        .api("GET", "/api/v1/openapi.json", None, &[], None)
        .await;
    assert_eq!(openapi.status, 200);
    app.stop().await;
}

#[actix_web::test]
async fn a_widget_is_limited_in_sessions_and_messages_per_minute() {
    let app = spawn_with_env(&[("RAPPORT_WIDGET_RATE_LIMIT", "2")]);
    let shop = widget(&app, |_| {});
    let other = widget(&app, |_| {});
    let client = app.client();
    let (id, token, _) = session(&client, &shop, json!({})).await;
    assert_eq!(send(&client, &shop, &id, &token, "one").await.status, 200);
    let limited = send(&client, &shop, &id, &token, "two").await;
    assert_eq!(limited.status, 429);
    assert!(limited.header("retry-after").is_some());
    assert_eq!(create(&client, &shop, json!({})).await.status, 429);
    // Reading is not a write, and other widgets have their own count.
    assert_eq!(list(&client, &shop, &id, &token, None).await.status, 200);
    assert_eq!(create(&client, &other, json!({})).await.status, 200);
    app.stop().await;
}

#[actix_web::test]
async fn bodies_are_limited_to_16_kib() {
    let app = TestApp::spawn().await;
    let shop = widget(&app, |_| {});
    let client = app.client();
    let large = create(
        &client,
        &shop,
        json!({"meta": {"padding": "x".repeat(17 * 1024)}}),
    )
    .await;
    assert_eq!(large.status, 413, "{}", large.body);
    let (id, token, _) = session(&client, &shop, json!({})).await;
    let large = send(&client, &shop, &id, &token, &"x".repeat(17 * 1024)).await;
    assert_eq!(large.status, 413);
    app.stop().await;
}

/// A session/create from `address`, as the trusted proxy forwards it.
async fn create_from(client: &crate::common::TestClient, shop: &Widget, address: &str) -> u16 {
    client
        .api(
            "POST",
            &shop.url("session/create"),
            None,
            &[("x-forwarded-for", address)],
            Some(&json!({})),
        )
        .await
        .status
}

#[actix_web::test]
async fn ipv6_clients_are_limited_per_64_and_mapped_ipv4_as_ipv4() {
    let app = spawn_with_env(&[
        ("RAPPORT_WIDGET_IP_RATE_LIMIT", "2"),
        ("RAPPORT_WIDGET_IP_HEADER", "X-Forwarded-For"),
    ]);
    let shop = widget(&app, |_| {});
    let client = app.client();
    // One household or one host: every address of a /64 is one client.
    assert_eq!(create_from(&client, &shop, "2001:db8:1:2::1").await, 200);
    assert_eq!(create_from(&client, &shop, "2001:db8:1:2::2").await, 200);
    assert_eq!(
        create_from(&client, &shop, "2001:db8:1:2:ffff:ffff:ffff:ffff").await,
        429,
        "a new address in the same /64 does not get a new limit"
    );
    assert_eq!(
        create_from(&client, &shop, "2001:db8:1:3::1").await,
        200,
        "the next /64 is another client"
    );
    assert_eq!(create_from(&client, &shop, "192.0.2.7").await, 200);
    assert_eq!(create_from(&client, &shop, "::ffff:192.0.2.7").await, 200);
    assert_eq!(
        create_from(&client, &shop, "192.0.2.7").await,
        429,
        "an IPv4-mapped address is the IPv4 address it maps"
    );
    assert_eq!(create_from(&client, &shop, "192.0.2.8").await, 200);
    app.stop().await;
}
