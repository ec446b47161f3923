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

/// Two clients signed in as one new user of `role`, and that user.
async fn two_sessions(
    app: &TestApp,
    email: &str,
    role: Role,
) -> (TestClient, TestClient, rapport::domain::StaffUserId) {
    let user = app.create_user(email, role);
    let sign_in = || async {
        let client = app.client();
        let response = client.sign_in(email, crate::common::PASSWORD).await;
        assert_eq!(response.status, 303, "{}", response.body);
        assert_eq!(client.get("/contacts").await.status, 200);
        client
    };
    let laptop = sign_in().await;
    let phone = sign_in().await;
    (laptop, phone, user.id)
}

/// Asserts that `client`'s session was ended: sent to sign in, and still so afterwards.
async fn assert_signed_out(client: &TestClient, why: &str) {
    let response = client.get("/contacts").await;
    assert_eq!(response.status, 303, "{why}: {}", response.body);
    assert_eq!(response.location(), Some("/login?next=/contacts"), "{why}");
    let login = client.get("/login?next=/contacts").await;
    assert_eq!(login.status, 200, "{why}");
    login.assert_contains("Sign in to Rapport");
    assert_eq!(client.get("/contacts").await.status, 303, "{why}");
}

#[actix_web::test]
async fn a_cookie_copied_before_sign_out_is_refused_afterwards() {
    let app = TestApp::spawn().await;
    let (laptop, phone, _) = two_sessions(&app, "ada@staff.example.com", Role::Editor).await;
    let stolen = laptop.copy_session();
    assert_eq!(stolen.get("/contacts").await.status, 200, "the copy works");

    let out = laptop.post_form("/logout", &[]).await;
    assert_eq!(out.status, 303);
    let replayed = stolen.copy_session();
    assert_eq!(replayed.get("/contacts").await.status, 303);
    replayed
        .get("/login?next=/contacts")
        .await
        .assert_contains("Your session has ended");
    assert_signed_out(&stolen.copy_session(), "copied cookie").await;
    assert_signed_out(&phone, "the user's other session").await;
    // The sign-in page the ended session lands on works (its form's token holds).
    let back = phone
        .post_form(
            "/login",
            &[
                ("email", "ada@staff.example.com"),
                ("password", crate::common::PASSWORD),
            ],
        )
        .await;
    assert_eq!(back.status, 303, "{}", back.body);
    assert_eq!(phone.get("/contacts").await.status, 200);

    // Signed in again, the old copy can neither get in nor sign the new session out.
    let fresh = app.client();
    assert_eq!(
        fresh
            .sign_in("ada@staff.example.com", crate::common::PASSWORD)
            .await
            .status,
        303
    );
    assert_eq!(stolen.copy_session().get("/contacts/new").await.status, 303);
    let stale_logout = stolen.copy_session().post_form("/logout", &[]).await;
    assert_eq!(stale_logout.status, 303);
    assert_eq!(fresh.get("/contacts").await.status, 200, "still signed in");
    assert_eq!(phone.get("/contacts").await.status, 200, "still signed in");
}

#[actix_web::test]
async fn a_password_reset_a_role_change_and_disabling_end_every_session() {
    use rapport::models::staff_user;
    let app = TestApp::spawn().await;

    let (a, b, ada) = two_sessions(&app, "ada@staff.example.com", Role::Editor).await;
    let hash = rapport::domain::password::hash("a new password for ada!").unwrap();
    assert!(staff_user::set_password_hash(&mut app.conn(), ada, &hash).unwrap());
    assert_signed_out(&a, "password reset").await;
    assert_signed_out(&b, "password reset").await;

    let (a, b, grace) = two_sessions(&app, "grace@staff.example.com", Role::Admin).await;
    assert!(staff_user::set_role(&mut app.conn(), grace, Role::Viewer).unwrap());
    assert_signed_out(&a, "role change").await;
    assert_signed_out(&b, "role change").await;
    // Signed in again, the new role applies.
    let again = app.client();
    assert_eq!(
        again
            .sign_in("grace@staff.example.com", crate::common::PASSWORD)
            .await
            .status,
        303
    );
    assert_eq!(again.get("/settings/api-tokens").await.status, 403);

    let (a, b, alan) = two_sessions(&app, "alan@staff.example.com", Role::Viewer).await;
    assert!(staff_user::set_disabled(&mut app.conn(), alan, true).unwrap());
    assert_signed_out(&a, "disabled").await;
    assert_signed_out(&b, "disabled").await;
    // Enabled again, the old sessions stay ended.
    assert!(staff_user::set_disabled(&mut app.conn(), alan, false).unwrap());
    assert_signed_out(&a, "enabled again").await;

    // Someone else's sessions are untouched by all of this.
    let bystander = app.signed_in(Role::Editor).await;
    assert!(staff_user::set_role(&mut app.conn(), ada, Role::Viewer).unwrap());
    assert_eq!(bystander.get("/contacts").await.status, 200);
}

#[actix_web::test]
async fn sign_out_everywhere_on_the_account_page_ends_every_session() {
    let app = TestApp::spawn().await;
    let (laptop, phone, user) = two_sessions(&app, "ada@staff.example.com", Role::Viewer).await;

    let page = laptop.get("/account").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_contains("ada@staff.example.com");
    page.assert_contains("action=\"/account/sign-out-everywhere\"");
    page.assert_contains("Sign out everywhere");
    let epoch_before = epoch_of(&app, user);

    let out = laptop.post_form("/account/sign-out-everywhere", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location(), Some("/login"));
    let login = laptop.get("/login").await;
    login.assert_contains("You were signed out on every device.");
    assert_eq!(epoch_of(&app, user), epoch_before + 1);
    assert_signed_out(&laptop, "this session").await;
    assert_signed_out(&phone, "the other session").await;
}

fn epoch_of(app: &TestApp, user: rapport::domain::StaffUserId) -> i32 {
    rapport::models::staff_user::find(&mut app.conn(), user)
        .unwrap()
        .unwrap()
        .session_epoch
}

#[actix_web::test]
async fn next_never_leads_off_site_even_when_browsers_would_strip_it() {
    let app = TestApp::spawn().await;
    app.create_user("ada@staff.example.com", Role::Editor);
    let client = app.client();
    // Decoded, this is `/<tab>/evil.example`, which a browser reads as `//evil.example`.
    let page = client.get("/login?next=/%09/evil.example").await;
    assert_eq!(page.status, 200);
    page.assert_contains("name=\"next\" value=\"/contacts\"");
    page.assert_lacks("evil.example");

    for next in [
        "/\t/evil.example",
        "/%09/evil.example",
        "/\r\n/evil.example",
    ] {
        let client = app.client();
        client.get("/login").await;
        let response = client
            .post_form(
                "/login",
                &[
                    ("email", "ada@staff.example.com"),
                    ("password", crate::common::PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(response.status, 303, "{next:?}");
        assert_eq!(response.location(), Some("/contacts"), "{next:?}");
        // Signed in, the sign-in page sends the browser on: not off-site either.
        let again = client.get("/login?next=/%09/evil.example").await;
        assert_eq!(again.status, 303);
        assert_eq!(again.location(), Some("/contacts"), "{next:?}");
    }
}

/// The failed attempts recorded for `email`, and for each client address.
fn failures(app: &TestApp, email: &str) -> (i64, Vec<(String, i64)>) {
    use diesel::dsl::count_star;
    use diesel::prelude::*;
    use rapport::models::schema::sign_in_failures;
    let mut conn = app.conn();
    let by_email = sign_in_failures::table
        .filter(sign_in_failures::email_key.eq(email))
        .count()
        .get_result(&mut conn)
        .unwrap();
    let by_ip = sign_in_failures::table
        .group_by(sign_in_failures::client_ip)
        .select((sign_in_failures::client_ip, count_star()))
        .order(sign_in_failures::client_ip)
        .load(&mut conn)
        .unwrap();
    (by_email, by_ip)
}

#[actix_web::test]
async fn a_burst_of_parallel_guesses_gets_no_more_checks_than_the_limit() {
    let app = TestApp::spawn().await;
    app.create_user("ada@staff.example.com", Role::Editor);
    let mut clients = Vec::new();
    for _ in 0..20 {
        let client = app.client();
        assert_eq!(client.get("/login").await.status, 200);
        clients.push(client);
    }
    let guesses = clients.iter().enumerate().map(|(i, client)| async move {
        let guess = format!("guess number {i}");
        client
            .post_form(
                "/login",
                &[("email", "ada@staff.example.com"), ("password", &guess)],
            )
            .await
    });
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers.iter().filter(|a| a.status == 401).count();
    let refused = answers.iter().filter(|a| a.status == 429).count();
    assert_eq!(checked + refused, 20, "only 401 and 429 answers");
    assert!(
        checked <= 5,
        "{checked} guesses were checked, the limit is 5"
    );
    assert!(checked >= 1, "the first guesses are checked");
    for answer in answers.iter().filter(|a| a.status == 429) {
        assert_eq!(answer.header("retry-after"), Some("900"));
        answer.assert_contains("Too many failed sign-in attempts");
    }
    let (recorded, _) = failures(&app, "ada@staff.example.com");
    assert_eq!(recorded, i64::try_from(checked).unwrap());

    // The right password is refused too until the window has passed.
    let right = app
        .client()
        .sign_in("ada@staff.example.com", crate::common::PASSWORD)
        .await;
    assert_eq!(right.status, 429);
}

/// An app behind a proxy that puts the client's address in `X-Forwarded-For`.
fn app_behind_proxy() -> TestApp {
    let db = TestDb::create();
    let mut settings = Settings::with_database(db.url.clone());
    settings.widget.client_ip_header = Some("X-Forwarded-For".into());
    TestApp::spawn_with(db, settings)
}

/// Signs in (or tries to) as `email` with `password`, with this `X-Forwarded-For`.
async fn sign_in_via(app: &TestApp, forwarded: &str, email: &str, password: &str) -> u16 {
    let client = app.client();
    client.get("/login").await;
    client
        .post_form_with_headers(
            "/login",
            &[("email", email), ("password", password)],
            &[("x-forwarded-for", forwarded)],
        )
        .await
        .status
}

#[actix_web::test]
async fn behind_a_trusted_proxy_failures_count_against_the_forwarded_address() {
    let app = app_behind_proxy();
    app.create_user("ada@staff.example.com", Role::Editor);
    for i in 0..20 {
        // The client controls the left part; the proxy appended the right-most entry.
        let forwarded = format!("203.0.113.{i}, 10.0.0.1");
        let email = format!("guess{i}@staff.example.com");
        assert_eq!(sign_in_via(&app, &forwarded, &email, "guess").await, 401);
    }
    let (_, by_ip) = failures(&app, "ada@staff.example.com");
    assert_eq!(by_ip, vec![("10.0.0.1".to_string(), 20)]);
    let ada = "ada@staff.example.com";
    assert_eq!(
        sign_in_via(&app, "198.51.100.7, 10.0.0.1", ada, crate::common::PASSWORD).await,
        429,
        "the guessing address is throttled, whatever it claims"
    );
    assert_eq!(
        sign_in_via(&app, "10.0.0.2", ada, crate::common::PASSWORD).await,
        303,
        "another client behind the same proxy is not"
    );
}

#[actix_web::test]
async fn without_a_trusted_proxy_a_forwarded_header_is_ignored() {
    let app = TestApp::spawn().await;
    app.create_user("ada@staff.example.com", Role::Editor);
    for i in 0..20 {
        let forwarded = format!("10.0.0.{i}");
        let email = format!("guess{i}@staff.example.com");
        assert_eq!(sign_in_via(&app, &forwarded, &email, "guess").await, 401);
    }
    let (_, by_ip) = failures(&app, "ada@staff.example.com");
    assert_eq!(by_ip, vec![("127.0.0.1".to_string(), 20)]);
    assert_eq!(
        sign_in_via(
            &app,
            "10.0.0.99",
            "ada@staff.example.com",
            crate::common::PASSWORD
        )
        .await,
        429
    );
}

#[actix_web::test]
async fn strict_transport_security_is_sent_when_cookies_are_secure() {
    let db = TestDb::create();
    let mut settings = Settings::with_database(db.url.clone());
    settings.cookie_secure = true;
    let app = TestApp::spawn_with(db, settings);
    let client = app.client();
    for path in ["/login", "/contacts", "/healthz", "/no/such/page"] {
        let response = client.get(path).await;
        assert_eq!(
            response.header("strict-transport-security"),
            Some("max-age=31536000"),
            "{path}"
        );
    }

    // Plain http for local use (cookies not Secure): no HSTS, which would lock the browser
    // out of http://localhost.
    let local = TestApp::spawn().await;
    assert!(!local.settings.cookie_secure);
    let response = local.client().get("/login").await;
    assert_eq!(response.header("strict-transport-security"), None);
}
