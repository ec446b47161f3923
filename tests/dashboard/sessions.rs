//! How staff sessions end (issue 10): idle and absolute limits, revocation by the per-user
//! epoch, local-only `next`, sign-in throttling by the real client address, HSTS.
//!
//! The limits are set in seconds through `Settings`, so the waits here are short.

use crate::common::builders::ContactBuilder;
use crate::common::{TestApp, TestClient, TestDb};
use rapport::config::Settings;
use rapport::domain::Role;
use std::time::Duration;

/// An app whose sessions end after `idle` without a request or `max_age` after sign-in.
fn app_with_limits(idle: Duration, max_age: Duration) -> TestApp {
    let db = TestDb::create();
    let mut settings = Settings::with_database(db.url.clone());
    settings.sessions.idle = idle;
    settings.sessions.max_age = max_age;
    TestApp::spawn_with(db, settings)
}

/// Asserts that `client` was sent to sign in on its way to `path`, and that the sign-in page
/// says why.
async fn assert_expired(client: &TestClient, path: &str) {
    let response = client.get(path).await;
    assert_eq!(response.status, 303, "{path}: {}", response.body);
    let location = response.location().unwrap().to_string();
    assert_eq!(
        location,
        rapport::web::routes::login_with_next(path),
        "{path}"
    );
    let login = client.get(&location).await;
    assert_eq!(login.status, 200);
    login.assert_contains("Your session has expired");
    login.assert_contains(&format!("name=\"next\" value=\"{path}\""));
    // The expired session is gone, not just bounced once.
    assert_eq!(client.get("/contacts").await.status, 303);
}

#[actix_web::test]
async fn a_session_unused_for_the_idle_limit_expires() {
    let app = app_with_limits(Duration::from_millis(1500), Duration::from_secs(3600));
    let ada = ContactBuilder::new("Ada Lovelace").create(&mut app.conn());
    let client = app.signed_in(Role::Editor).await;
    let profile = format!("/contacts/{}", ada.id);

    // Requests within the limit keep the session alive past the limit.
    for _ in 0..5 {
        assert_eq!(client.get(&profile).await.status, 200);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_millis(1700)).await;
    assert_expired(&client, &profile).await;

    // Signing in again works as usual.
    let again = client
        .post_form(
            "/login",
            &[
                ("email", &app_user_email(&app)),
                ("password", crate::common::PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
    assert_eq!(client.get(&profile).await.status, 200);
}

/// The email of the one staff user of `app`.
fn app_user_email(app: &TestApp) -> String {
    use diesel::prelude::*;
    use rapport::models::schema::staff_users;
    staff_users::table
        .select(staff_users::email)
        .first(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_busy_session_still_ends_at_the_absolute_limit() {
    let app = app_with_limits(Duration::from_secs(3600), Duration::from_millis(2000));
    let client = app.signed_in(Role::Viewer).await;
    assert_eq!(client.get("/contacts").await.status, 200);
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let response = client.get("/contacts?q=ada").await;
        if response.status != 200 {
            assert_eq!(response.status, 303);
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_expired(&client, "/contacts?q=ada").await;
}

#[actix_web::test]
async fn an_expired_htmx_request_sends_the_browser_to_sign_in() {
    let app = app_with_limits(Duration::from_millis(800), Duration::from_secs(3600));
    let ada = ContactBuilder::new("Ada Lovelace").create(&mut app.conn());
    let client = app.signed_in(Role::Editor).await;
    let tab = format!("/contacts/{}/memories", ada.id);
    assert_eq!(client.get_htmx(&tab, "profile-tabs").await.status, 200);
    tokio::time::sleep(Duration::from_millis(1200)).await;

    let response = client.get_htmx(&tab, "profile-tabs").await;
    assert_eq!(response.status, 200);
    let location = response.header("hx-redirect").unwrap();
    assert!(location.starts_with("/login?next="), "{location}");
    // A redirect for the whole window, not the sign-in page swapped into the profile.
    assert!(response.body.is_empty(), "{}", response.body);
    let login = client.get(location).await;
    login.assert_contains("Your session has expired");
}

#[actix_web::test]
async fn an_active_session_is_not_rewritten_on_every_request() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Viewer).await;
    for _ in 0..3 {
        let response = client.get("/contacts").await;
        assert_eq!(response.status, 200);
        assert_eq!(
            response.header("set-cookie"),
            None,
            "last-seen was rewritten"
        );
    }
}
