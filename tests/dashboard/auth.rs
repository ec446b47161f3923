//! Sign-in, sign-out, throttling, protected routes, roles and CSRF.

use crate::common::{PASSWORD, TestApp};
use rapport::domain::Role;
use rapport::models::contact;

#[actix_web::test]
async fn signing_in_with_the_right_password_opens_the_page_asked_for() {
    let app = TestApp::spawn().await;
    app.create_user("ada@staff.example.com", Role::Editor);
    let client = app.client();

    let redirected = client.get("/contacts?q=smith").await;
    assert_eq!(redirected.status, 303);
    assert_eq!(
        redirected.location(),
        Some("/login?next=/contacts%3Fq%3Dsmith")
    );

    let login = client.get(redirected.location().unwrap()).await;
    login.assert_contains("<label for=\"email\">Email</label>");
    login.assert_contains("<label for=\"password\">Password</label>");
    login.assert_contains("name=\"next\" value=\"/contacts?q=smith\"");

    let response = client
        .post_form(
            "/login",
            &[
                ("email", "ADA@staff.example.com"),
                ("password", PASSWORD),
                ("next", "/contacts?q=smith"),
            ],
        )
        .await;
    assert_eq!(response.status, 303);
    assert_eq!(response.location(), Some("/contacts?q=smith"));
    let page = client.get("/contacts").await;
    assert_eq!(page.status, 200);
    page.assert_contains("Sign out");
}

#[actix_web::test]
async fn a_wrong_password_or_unknown_email_gets_the_same_message_and_no_session() {
    let app = TestApp::spawn().await;
    app.create_user("ada@staff.example.com", Role::Editor);
    let client = app.client();

    let wrong = client
        .sign_in("ada@staff.example.com", "not the password")
        .await;
    assert_eq!(wrong.status, 401);
    wrong.assert_contains("The email or password is not correct.");
    wrong.assert_contains("value=\"ada@staff.example.com\"");

    let unknown = client.sign_in("nobody@staff.example.com", PASSWORD).await;
    assert_eq!(unknown.status, 401);
    unknown.assert_contains("The email or password is not correct.");

    assert_eq!(client.get("/contacts").await.status, 303);
}

#[actix_web::test]
async fn repeated_failures_for_one_email_are_throttled_even_with_the_right_password() {
    let app = TestApp::spawn().await;
    app.create_user("ada@staff.example.com", Role::Editor);
    let client = app.client();
    for _ in 0..5 {
        assert_eq!(
            client
                .sign_in("ada@staff.example.com", "guess")
                .await
                .status,
            401
        );
    }
    let throttled = client.sign_in("ada@staff.example.com", PASSWORD).await;
    assert_eq!(throttled.status, 429);
    throttled.assert_contains("Too many failed sign-in attempts");
    assert_eq!(
        client.get("/contacts").await.status,
        303,
        "no session while throttled"
    );

    // Another account from elsewhere is unaffected by this email's lockout.
    app.create_user("grace@staff.example.com", Role::Editor);
    assert_eq!(
        app.client()
            .sign_in("grace@staff.example.com", PASSWORD)
            .await
            .status,
        303
    );
}

#[actix_web::test]
async fn many_failures_from_one_address_are_throttled_across_emails() {
    let app = TestApp::spawn().await;
    app.create_user("ada@staff.example.com", Role::Editor);
    let client = app.client();
    for i in 0..20 {
        let email = format!("guess{i}@staff.example.com");
        assert_eq!(client.sign_in(&email, "guess").await.status, 401);
    }
    let throttled = client.sign_in("ada@staff.example.com", PASSWORD).await;
    assert_eq!(throttled.status, 429);
}

#[actix_web::test]
async fn signing_out_ends_the_session() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    assert_eq!(client.get("/contacts").await.status, 200);
    let out = client.post_form("/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location(), Some("/login"));
    assert_eq!(client.get("/contacts").await.status, 303);
}

#[actix_web::test]
async fn only_local_next_paths_are_followed() {
    let app = TestApp::spawn().await;
    app.create_user("ada@staff.example.com", Role::Editor);
    for next in [
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let client = app.client();
        client.get("/login").await;
        let response = client
            .post_form(
                "/login",
                &[
                    ("email", "ada@staff.example.com"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(response.location(), Some("/contacts"), "next={next}");
    }
}

#[actix_web::test]
async fn protected_routes_redirect_and_htmx_requests_get_a_client_redirect() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for path in [
        "/contacts",
        "/contacts/new",
        "/contacts/1",
        "/contacts/1/history",
    ] {
        let response = client.get(path).await;
        assert_eq!(response.status, 303, "{path}");
        assert!(
            response.location().unwrap().starts_with("/login?next="),
            "{path}"
        );
    }
    let htmx = client.get_htmx("/contacts?q=a", "results").await;
    assert_eq!(htmx.status, 200);
    assert_eq!(htmx.header("hx-redirect"), Some("/login?next=/contacts"));
}

#[actix_web::test]
async fn a_viewer_sees_no_edit_controls_and_cannot_write() {
    let app = TestApp::spawn().await;
    let ada = crate::common::builders::ContactBuilder::new("Ada Lovelace").create(&mut app.conn());
    let viewer = app.signed_in(Role::Viewer).await;

    let list = viewer.get("/contacts").await;
    assert_eq!(list.status, 200);
    list.assert_lacks("Create Contact");
    let profile = viewer.get(&format!("/contacts/{}", ada.id)).await;
    profile.assert_contains("Ada Lovelace");
    profile.assert_lacks("Edit Name");
    profile.assert_lacks("Delete contact");

    assert_eq!(viewer.get("/contacts/new").await.status, 403);
    let create = viewer
        .post_form("/contacts/new", &[("name", "Mallory")])
        .await;
    assert_eq!(create.status, 403);
    let edit = viewer
        .post_form(
            &format!("/contacts/{}/fields/name", ada.id),
            &[
                ("value", "Hacked"),
                ("version", "1"),
                ("seen", "Ada Lovelace"),
            ],
        )
        .await;
    assert_eq!(edit.status, 403);
    let delete = viewer
        .post_form(&format!("/contacts/{}/delete", ada.id), &[])
        .await;
    assert_eq!(delete.status, 403);

    let mut conn = app.conn();
    assert_eq!(contact::count(&mut conn).unwrap(), 1);
    assert_eq!(
        contact::find(&mut conn, ada.id).unwrap().name.as_deref(),
        Some("Ada Lovelace")
    );
}

#[actix_web::test]
async fn writes_without_a_valid_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    client.get("/contacts/new").await;

    let missing = client.post_raw("/contacts/new", &[("name", "Eve")]).await;
    assert_eq!(missing.status, 403);
    missing.assert_contains("security token");
    let wrong = client
        .post_raw(
            "/contacts/new",
            &[("name", "Eve"), ("csrf_token", "forged")],
        )
        .await;
    assert_eq!(wrong.status, 403);
    assert_eq!(contact::count(&mut app.conn()).unwrap(), 0);

    // A token from another session is no good either.
    let other = app.signed_in(Role::Editor).await;
    let other_token = other.csrf_token().unwrap();
    let stolen = client
        .post_raw(
            "/contacts/new",
            &[("name", "Eve"), ("csrf_token", &other_token)],
        )
        .await;
    assert_eq!(stolen.status, 403);
    assert_eq!(contact::count(&mut app.conn()).unwrap(), 0);

    let good = client.post_form("/contacts/new", &[("name", "Eve")]).await;
    assert_eq!(good.status, 303);
    assert_eq!(contact::count(&mut app.conn()).unwrap(), 1);
}
