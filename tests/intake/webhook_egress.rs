//! Where agent webhooks may go (issue 10): `https` to public addresses only, unless the
//! operator allows plain http (`RAPPORT_WEBHOOK_ALLOW_HTTP`) or lists hosts and addresses
//! (`RAPPORT_WEBHOOK_ALLOW_HOSTS`). A refused delivery reaches nothing, is recorded as a
//! failed attempt with its reason and shown on the conversation; the settings form refuses
//! such URLs with the reason next to the field.

use crate::common::{TestApp, TestDb};
use crate::webhook_support::*;
use rapport::config::Settings;
use rapport::domain::Role;
use rapport::domain::integration::IntegrationKind;
use rapport::models::integration;
use rapport::models::schema::integrations;
use serde_json::json;
use std::time::Duration;

/// Sends one user message through a widget whose webhook is `url` (the local test agent
/// behind it), with the worker on the egress rules of `vars`; returns the recorded delivery
/// error once there is one, after checking the page shows it.
async fn refused_delivery(url_of: impl Fn(&TestAgent) -> String, vars: &[(&str, &str)]) -> String {
    let app = TestApp::spawn().await;
    let agent = TestAgent::replying(json!({"reply": "You should never see this."}));
    let url = url_of(&agent);
    let (integration, secret) =
        integration_with_webhook(&app, IntegrationKind::Widget, "Shop chat", Some(&url));
    agent.set_secret(&secret.unwrap());
    let settings = settings_with(&app, vars, Duration::from_secs(5));
    let worker = start_worker(&app, &settings);
    let ada = ada(&app);
    let conversation = conversation_for(&app, &integration, Some(&ada), "widget", None);
    user_message(&app, &integration, &conversation, "Hello?", json!({}), None);

    wait_until(
        Duration::from_secs(10),
        "the refusal to be recorded",
        || {
            deliveries(&app, &conversation)
                .first()
                .is_some_and(|d| d.last_error.is_some())
        },
    )
    .await;
    let delivery = &deliveries(&app, &conversation)[0];
    assert_eq!(delivery.last_status, None, "no answer: no request was made");
    let reason = delivery.last_error.clone().unwrap();
    assert!(agent.received().is_empty(), "nothing reached {url}");
    assert_eq!(transcript(&app, &conversation).len(), 1, "no reply stored");

    let client = app.signed_in(Role::Viewer).await;
    let page = client
        .get(&format!(
            "/contacts/{}/conversations/{}",
            ada.id, conversation.id
        ))
        .await;
    page.assert_contains("The agent did not answer");
    // The reason as the page prints it (askama escapes quotes).
    page.assert_contains(&reason.replace('"', "&#34;"));
    drop(worker);
    agent.stop().await;
    reason
}

#[actix_web::test]
async fn a_webhook_on_a_loopback_address_is_refused_with_its_reason() {
    // Plain http is allowed here, so the address alone is what is refused.
    let reason = refused_delivery(
        |agent| agent.url.clone(),
        &[("RAPPORT_WEBHOOK_ALLOW_HTTP", "true")],
    )
    .await;
    assert!(
        reason.contains("127.0.0.1 is a loopback address"),
        "{reason}"
    );
    assert!(reason.contains("RAPPORT_WEBHOOK_ALLOW_HOSTS"), "{reason}");
}

#[actix_web::test]
async fn localhost_and_other_spellings_of_this_machine_are_refused() {
    for (what, url_of) in [
        (
            "localhost",
            Box::new(|agent: &TestAgent| agent.url.replace("127.0.0.1", "localhost"))
                as Box<dyn Fn(&TestAgent) -> String>,
        ),
        (
            "an IPv4-mapped IPv6 address",
            Box::new(|agent: &TestAgent| agent.url.replace("127.0.0.1", "[::ffff:127.0.0.1]")),
        ),
        (
            "a decimal address",
            Box::new(|agent: &TestAgent| agent.url.replace("127.0.0.1", "2130706433")),
        ),
    ] {
        let reason = refused_delivery(url_of, &[("RAPPORT_WEBHOOK_ALLOW_HTTP", "true")]).await;
        assert!(
            reason.contains("is this machine") || reason.contains("a loopback address"),
            "{what}: {reason}"
        );
    }
}

#[actix_web::test]
async fn plain_http_is_refused_unless_the_operator_allows_it() {
    // The address is allowed, the scheme is not.
    let reason = refused_delivery(
        |agent| agent.url.clone(),
        &[("RAPPORT_WEBHOOK_ALLOW_HOSTS", "127.0.0.1")],
    )
    .await;
    assert!(reason.contains("must start with https://"), "{reason}");
    assert!(reason.contains("RAPPORT_WEBHOOK_ALLOW_HTTP"), "{reason}");
}

#[actix_web::test]
async fn an_allowed_host_name_is_resolved_checked_and_called() {
    let app = TestApp::spawn().await;
    let agent = TestAgent::replying(json!({"reply": "Hello from this machine."}));
    // `localhost` may resolve to ::1 first, where the agent does not listen: the next
    // checked address is tried.
    let url = agent.url.replace("127.0.0.1", "localhost");
    let (integration, secret) =
        integration_with_webhook(&app, IntegrationKind::Widget, "Shop chat", Some(&url));
    agent.set_secret(&secret.unwrap());
    let settings = settings_with(
        &app,
        &[
            ("RAPPORT_WEBHOOK_ALLOW_HTTP", "true"),
            ("RAPPORT_WEBHOOK_ALLOW_HOSTS", "localhost"),
        ],
        Duration::from_secs(5),
    );
    let worker = start_worker(&app, &settings);
    let ada = ada(&app);
    let conversation = conversation_for(&app, &integration, Some(&ada), "widget", None);
    user_message(&app, &integration, &conversation, "Hello?", json!({}), None);
    wait_until(Duration::from_secs(10), "the reply", || {
        transcript(&app, &conversation).len() == 2
    })
    .await;
    assert_eq!(
        transcript(&app, &conversation)[1].text,
        "Hello from this machine."
    );
    assert_eq!(agent.received().len(), 1);
    assert!(agent.received()[0].signature_ok);
    drop(worker);
    agent.stop().await;
}

fn webhook_form(url: &str) -> Vec<(&str, &str)> {
    vec![
        ("name", "Inbox"),
        ("collect_contacts", "on"),
        ("agent_webhook_url", url),
        ("allowed_senders", ""),
    ]
}

#[actix_web::test]
async fn the_settings_form_refuses_non_public_and_plain_http_webhooks() {
    // The operator's defaults: nothing allowed beyond https to public addresses.
    let db = TestDb::create();
    let settings = Settings::with_database(db.url.clone());
    let app = TestApp::spawn_with(db, settings);
    let admin = app.signed_in(Role::Admin).await;
    admin.get("/settings/integrations").await;
    for (url, reason) in [
        ("http://agent.example.com/hook", "must start with https://"),
        (
            "https://127.0.0.1:9000/hook",
            "127.0.0.1 is a loopback address",
        ),
        (
            "https://10.0.0.5/hook",
            "10.0.0.5 is a private address (RFC 1918)",
        ),
        (
            "https://169.254.169.254/latest/meta-data/",
            "169.254.169.254 is a link-local address",
        ),
        (
            "https://[fd00::1]/hook",
            "fd00::1 is a unique-local address",
        ),
        ("https://[::ffff:10.0.0.1]/", "a private address"),
        ("https://localhost:8443/hook", "localhost is this machine"),
    ] {
        let response = admin
            .post_form("/settings/integrations/new/email", &webhook_form(url))
            .await;
        assert_eq!(response.status, 422, "{url}: {}", response.body);
        response.assert_contains("id=\"integration-webhook-error\"");
        let error_at = response
            .body
            .find("id=\"integration-webhook-error\"")
            .unwrap();
        let error = &response.body[error_at..];
        let error = &error[..error.find("</p>").unwrap()];
        assert!(error.contains(reason), "{url}: {error}");
        assert!(
            integration::list(&mut app.conn()).unwrap().is_empty(),
            "{url}"
        );
    }
    // A public host name passes the form (its addresses are checked at delivery).
    let created = admin
        .post_form(
            "/settings/integrations/new/email",
            &webhook_form("https://agent.example.com/hook"),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
}

#[actix_web::test]
async fn the_settings_form_takes_what_the_operator_allowed() {
    use diesel::prelude::*;
    // The test harness allows the local agent: http and 127.0.0.1.
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get("/settings/integrations").await;
    let created = admin
        .post_form(
            "/settings/integrations/new/email",
            &webhook_form("http://127.0.0.1:8787/agent"),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let stored: Option<String> = integrations::table
        .select(integrations::agent_webhook_url)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(stored.as_deref(), Some("http://127.0.0.1:8787/agent"));
    // Only what was listed.
    let refused = admin
        .post_form(
            "/settings/integrations/new/email",
            &webhook_form("http://10.0.0.5/agent"),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
}
