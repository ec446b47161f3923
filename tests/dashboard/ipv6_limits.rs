//! Password guessing is throttled per client, and an IPv6 client is its /64: one host or one
//! household gets a whole /64, so counting its addresses apart would let it guess forever.

use crate::common::{PASSWORD, TestApp, TestDb};
use diesel::dsl::count_star;
use diesel::prelude::*;
use rapport::config::Settings;
use rapport::domain::Role;
use rapport::models::schema::sign_in_failures;

/// An app behind a proxy that puts the client's address in `X-Forwarded-For`.
fn app_behind_proxy() -> TestApp {
    let db = TestDb::create();
    let mut settings = Settings::with_database(db.url.clone());
    settings.widget.client_ip_header = Some("X-Forwarded-For".into());
    TestApp::spawn_with(db, settings)
}

async fn sign_in_from(app: &TestApp, address: &str, email: &str, password: &str) -> u16 {
    let client = app.client();
    client.get("/login").await;
    client
        .post_form_with_headers(
            "/login",
            &[("email", email), ("password", password)],
            &[("x-forwarded-for", address)],
        )
        .await
        .status
}

#[actix_web::test]
async fn sign_in_failures_count_per_ipv6_64() {
    let app = app_behind_proxy();
    app.create_user("ada@staff.example.com", Role::Editor);
    for i in 1..=20 {
        let address = format!("2001:db8:1:2::{i:x}");
        let email = format!("guess{i}@staff.example.com");
        assert_eq!(sign_in_from(&app, &address, &email, "guess").await, 401);
    }
    let by_client: Vec<(String, i64)> = sign_in_failures::table
        .group_by(sign_in_failures::client_ip)
        .select((sign_in_failures::client_ip, count_star()))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(by_client, vec![("2001:db8:1:2::/64".to_string(), 20)]);
    let ada = "ada@staff.example.com";
    assert_eq!(
        sign_in_from(&app, "2001:db8:1:2:ffff::1", ada, PASSWORD).await,
        429,
        "a fresh address of the same /64 is the same client"
    );
    assert_eq!(
        sign_in_from(&app, "2001:db8:1:3::1", ada, PASSWORD).await,
        303,
        "the next /64 is another client"
    );
}

#[actix_web::test]
async fn an_ipv4_mapped_address_counts_as_the_ipv4_address() {
    let app = app_behind_proxy();
    app.create_user("ada@staff.example.com", Role::Editor);
    for i in 1..=20 {
        let address = if i % 2 == 0 {
            "::ffff:192.0.2.7"
        } else {
            "192.0.2.7"
        };
        let email = format!("guess{i}@staff.example.com");
        assert_eq!(sign_in_from(&app, address, &email, "guess").await, 401);
    }
    let ada = "ada@staff.example.com";
    assert_eq!(sign_in_from(&app, "192.0.2.7", ada, PASSWORD).await, 429);
    assert_eq!(sign_in_from(&app, "192.0.2.8", ada, PASSWORD).await, 303);
}
