//! Error pages, htmx error notices, and behaviour while the database is unavailable.

use crate::common::builders::ContactBuilder;
use crate::common::{TestApp, TestDb, admin_url};
use diesel::prelude::*;
use rapport::config::Settings;
use rapport::domain::Role;
use std::time::{Duration, Instant};

#[actix_web::test]
async fn unknown_pages_are_404_inside_the_layout() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Viewer).await;
    let page = client.get("/no/such/page").await;
    assert_eq!(page.status, 404);
    page.assert_contains("<html");
    page.assert_contains("Page not found");
    assert!(page.header("x-request-id").is_some());
}

/// An id that cannot name a row (not a number, zero, negative, fractional, too large) is "not
/// found", in every position of a path: the contact's, and what belongs to it.
#[actix_web::test]
async fn ids_that_cannot_exist_are_404_pages() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let client = app.signed_in(Role::Admin).await;
    let id = ada.id;
    let mut paths: Vec<String> = ["abc", "0", "-1", "1.5", "99999999999999999999"]
        .iter()
        .flat_map(|bad| {
            [
                format!("/contacts/{bad}"),
                format!("/contacts/{bad}/history"),
                format!("/contacts/{bad}/conversations/1"),
                format!("/contacts/{id}/conversations/{bad}"),
                format!("/contacts/{id}/tasks/{bad}/edit"),
                format!("/contacts/{id}/memories/{bad}/edit"),
                format!("/contacts/{id}/secrets/{bad}/edit"),
                format!("/contacts/{id}/spaces/{bad}"),
                format!("/contacts/{id}/spaces/1/files/{bad}"),
                format!("/settings/integrations/{bad}"),
                format!("/settings/api-tokens/{bad}/revoke"),
            ]
        })
        .collect();
    paths.push(format!("/contacts/{id}/fields/password/edit"));
    for path in &paths {
        let page = client.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        page.assert_contains("<html");
        page.assert_contains("Page not found");
    }
    // Through htmx, the same 404 is a notice.
    let response = client.get_htmx("/contacts/abc", "profile-tabs").await;
    assert_eq!(response.status, 404);
    assert_eq!(response.header("hx-retarget"), Some("#toasts"));
    response.assert_lacks("<html");
}

/// Signing in comes first: a signed-out visitor is sent to sign in whatever the id.
#[actix_web::test]
async fn bad_ids_still_ask_signed_out_visitors_to_sign_in() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for path in [
        "/contacts/abc",
        "/contacts/0/tasks",
        "/contacts/1/secrets/x/edit",
    ] {
        let response = client.get(path).await;
        assert_eq!(response.status, 303, "{path}");
        assert!(
            response
                .location()
                .is_some_and(|to| to.starts_with("/login?next=")),
            "{path}: {:?}",
            response.location()
        );
    }
}

#[actix_web::test]
async fn failed_htmx_requests_become_a_visible_notice() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Viewer).await;
    let response = client.get_htmx("/contacts/424242", "profile-tabs").await;
    assert_eq!(response.status, 404);
    assert_eq!(response.header("hx-retarget"), Some("#toasts"));
    assert_eq!(response.header("hx-reswap"), Some("beforeend"));
    response.assert_contains("class=\"toast toast-error\"");
    response.assert_lacks("<html");
}

#[actix_web::test]
async fn pages_answer_503_quickly_while_the_database_is_missing_and_recover_when_it_returns() {
    // A database that does not exist yet stands in for a stopped server.
    let template_source = TestDb::create();
    let missing = format!("{}_later", template_source.name);
    let url = crate::common::url_for_database(&admin_url(), &missing);
    let placeholder = TestDb {
        name: missing.clone(),
        url: url.clone(),
    };
    let app = TestApp::spawn_with(placeholder, Settings::with_database(url));
    let client = app.client();
    let login = client.get("/login").await;
    assert_eq!(login.status, 200, "the sign-in page needs no database");

    let started = Instant::now();
    let response = client
        .post_form(
            "/login",
            &[
                ("email", "a@staff.example.com"),
                ("password", "whatever-long"),
            ],
        )
        .await;
    assert_eq!(response.status, 503);
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "took {:?}",
        started.elapsed()
    );
    response.assert_contains("Database unavailable");
    response.assert_contains("Reference: <code>");

    // The database "comes back": the next request succeeds without a restart.
    let mut admin = PgConnection::establish(&admin_url()).unwrap();
    diesel::sql_query(format!(
        "CREATE DATABASE {missing} TEMPLATE {}",
        template_source.name
    ))
    .execute(&mut admin)
    .unwrap();
    let mut recovered = None;
    for _ in 0..10 {
        let attempt = client
            .post_form(
                "/login",
                &[
                    ("email", "a@staff.example.com"),
                    ("password", "whatever-long"),
                ],
            )
            .await;
        if attempt.status != 503 {
            recovered = Some(attempt.status);
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        recovered,
        Some(401),
        "an unknown user, answered by a working database"
    );
}
