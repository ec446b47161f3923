//! An agent webhook that fails: errors and time-outs are recorded on the delivery, retried
//! with growing waits (a short schedule through RAPPORT_WEBHOOK_RETRY_BASE_MS), finally given
//! up, and shown on the conversation in the dashboard. Nothing reaches the contact.

use crate::common::TestApp;
use crate::webhook_support::*;
use rapport::domain::Role;
use rapport::domain::integration::IntegrationKind;
use rapport::intake::webhook::schedule::MAX_ATTEMPTS;
use serde_json::json;
use std::time::Duration;

#[actix_web::test]
async fn failures_are_retried_with_backoff_then_given_up_and_shown() {
    let app = TestApp::spawn().await;
    // A 500, a time-out, then 500s until Rapport gives up.
    let agent = TestAgent::start(
        vec![
            Behaviour::Status(500),
            Behaviour::Hang(Duration::from_secs(2)),
        ],
        Behaviour::Status(500),
    );
    let (integration, secret) =
        integration_with_webhook(&app, IntegrationKind::Widget, "Shop chat", Some(&agent.url));
    agent.set_secret(&secret.unwrap());
    let settings = settings_with(
        &app,
        &[("RAPPORT_WEBHOOK_RETRY_BASE_MS", "3")],
        Duration::from_millis(300),
    );
    let worker = start_worker(&app, &settings);
    let ada = ada(&app);
    let conversation = conversation_for(&app, &integration, Some(&ada), "widget", None);
    user_message(&app, &integration, &conversation, "Hello?", json!({}), None);

    wait_until(
        Duration::from_secs(30),
        "the delivery to be given up",
        || {
            deliveries(&app, &conversation)
                .first()
                .is_some_and(|d| d.status == "failed")
        },
    )
    .await;
    let delivery = &deliveries(&app, &conversation)[0];
    assert_eq!(delivery.attempts, MAX_ATTEMPTS as i32);
    assert_eq!(delivery.last_status, Some(500));
    assert_eq!(
        delivery.last_error.as_deref(),
        Some("The agent answered 500 Internal Server Error: agent exploded")
    );

    let received = agent.received();
    assert_eq!(received.len(), MAX_ATTEMPTS as usize);
    for (index, request) in received.iter().enumerate() {
        assert!(request.signature_ok);
        assert_eq!(request.body["delivery"]["attempt"], index + 1);
        assert_eq!(request.body["delivery"]["id"], delivery.id.to_string());
    }
    // The waits grow: base 3 ms × 3^(n-1) ± 20 %, so the last (≈ 2.2 s) dwarfs the first.
    let gap = |n: usize| received[n].at - received[n - 1].at;
    assert!(gap(7) > Duration::from_millis(1500), "{:?}", gap(7));
    assert!(
        gap(7) > gap(6) && gap(6) > gap(5),
        "{:?}",
        (gap(5), gap(6), gap(7))
    );
    // No reply was stored: the contact sees nothing went wrong.
    assert_eq!(transcript(&app, &conversation).len(), 1);

    let client = app.signed_in(Role::Viewer).await;
    let page = client
        .get(&format!(
            "/contacts/{}/conversations/{}",
            ada.id, conversation.id
        ))
        .await;
    page.assert_contains("The agent did not answer");
    page.assert_contains("The agent answered 500 Internal Server Error: agent exploded");
    page.assert_contains("Gave up after 8 attempts.");
    page.assert_lacks("Retrying at");

    drop(worker);
    agent.stop().await;
}

#[actix_web::test]
async fn a_timeout_is_recorded_and_the_next_try_is_shown() {
    let app = TestApp::spawn().await;
    let agent = TestAgent::start(Vec::new(), Behaviour::Hang(Duration::from_secs(2)));
    let (integration, secret) =
        integration_with_webhook(&app, IntegrationKind::Widget, "Shop chat", Some(&agent.url));
    agent.set_secret(&secret.unwrap());
    // The default schedule: the next try a minute later.
    let settings = settings_with(&app, &[], Duration::from_millis(300));
    let worker = start_worker(&app, &settings);
    let ada = ada(&app);
    let conversation = conversation_for(&app, &integration, Some(&ada), "widget", None);
    user_message(
        &app,
        &integration,
        &conversation,
        "Anyone?",
        json!({}),
        None,
    );

    wait_until(
        Duration::from_secs(10),
        "the time-out to be recorded",
        || {
            deliveries(&app, &conversation)
                .first()
                .is_some_and(|d| d.last_error.is_some())
        },
    )
    .await;
    let delivery = &deliveries(&app, &conversation)[0];
    assert_eq!(delivery.status, "pending");
    assert_eq!(delivery.attempts, 1);
    assert_eq!(delivery.last_status, None);
    assert_eq!(
        delivery.last_error.as_deref(),
        Some("No answer within 0.3 seconds.")
    );
    let wait = delivery.next_attempt_at - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::seconds(40) && wait < chrono::Duration::seconds(75),
        "{wait}"
    );
    assert_eq!(agent.received().len(), 1);

    let client = app.signed_in(Role::Viewer).await;
    let page = client
        .get(&format!(
            "/contacts/{}/conversations/{}",
            ada.id, conversation.id
        ))
        .await;
    page.assert_contains("The agent did not answer");
    page.assert_contains("No answer within 0.3 seconds.");
    page.assert_contains("Retrying at");
    page.assert_lacks("Gave up");

    drop(worker);
    agent.stop().await;
}
