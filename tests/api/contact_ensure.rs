//! `contact/ensure`: find by fingerprint, email, phone or ChatBotKit's untrusted fingerprint,
//! fill only empty fields, never create twins.

use crate::common::builders::ContactBuilder;
use crate::common::{Response, TestApp};
use crate::contact_support::{assert_error, audit_events_of, contact_count, id_of, post};
use diesel::prelude::*;
use rapport::domain::ContactId;
use rapport::domain::api_token::TokenRole;
use rapport::models::{Contact, contact};
use serde_json::{Value, json};
use std::collections::HashSet;

const ENSURE: &str = "/api/v1/contact/ensure";

fn stored(app: &TestApp, id: impl Into<i64>) -> Contact {
    contact::find(&mut app.conn(), ContactId(id.into())).unwrap()
}

#[actix_web::test]
async fn a_fingerprint_finds_or_creates_a_verified_contact() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    let first = id_of(
        &post(
            &app,
            &token,
            ENSURE,
            json!({"fingerprint": "user-000000000000000001", "name": "Bob", "verifiedAt": null}),
        )
        .await,
    );
    let bob = stored(&app, first);
    assert!(
        bob.verified_at.is_some(),
        "trusted contacts are created verified"
    );
    assert_eq!(bob.fingerprint, "user-000000000000000001");
    assert_eq!(bob.source, "api");
    // Found again: the name it has stays, empty fields and missing meta keys are filled.
    let again = post(
        &app,
        &token,
        ENSURE,
        json!({"fingerprint": " user-000000000000000001", "name": "Robert", "email": "bob@example.com",
               "meta": {"plan": "pro"}}),
    )
    .await;
    assert_eq!(id_of(&again), first);
    let bob = stored(&app, first);
    assert_eq!(bob.name.as_deref(), Some("Bob"));
    assert_eq!(bob.email.as_deref(), Some("bob@example.com"));
    assert_eq!(bob.meta, json!({"plan": "pro"}));
    let third = post(
        &app,
        &token,
        ENSURE,
        json!({"fingerprint": "user-000000000000000001", "meta": {"plan": "free", "team": "b"}}),
    )
    .await;
    assert_eq!(id_of(&third), first);
    assert_eq!(
        stored(&app, first).meta,
        json!({"plan": "pro", "team": "b"})
    );
    assert_eq!(contact_count(&app), 1);
    // Audited as the token: the creation, then each fill with only what was filled.
    let events = audit_events_of(&app, first);
    let actions: Vec<_> = events
        .iter()
        .map(|(_, actor, action, _)| (actor.as_str(), action.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("editor bot", "create"),
            ("editor bot", "update"),
            ("editor bot", "update")
        ]
    );
    let filled: Vec<&String> = events[1].3.as_object().unwrap().keys().collect();
    assert_eq!(filled, ["email", "meta"]);
}

#[actix_web::test]
async fn without_a_fingerprint_the_untrusted_one_is_chatbotkits() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    let guest = id_of(
        &post(
            &app,
            &token,
            ENSURE,
            json!({"name": "Guest User", "email": "guest@example.com"}),
        )
        .await,
    );
    let row = stored(&app, guest);
    assert_eq!(row.fingerprint, "36133ebf-e743-5a8e-b513-74640424d5c0");
    assert_eq!(row.verified_at, None, "untrusted contacts are not verified");
    // [null, "guest2@…", undefined, undefined] → the reference's vector, with its own email.
    let nameless = id_of(
        &post(
            &app,
            &token,
            ENSURE,
            json!({"name": null, "email": "guest@example.org"}),
        )
        .await,
    );
    let expected = rapport::domain::fingerprint::from_values(
        rapport::domain::fingerprint::UNTRUSTED_NAMESPACE,
        &[
            rapport::domain::fingerprint::JsValue::Null,
            rapport::domain::fingerprint::JsValue::Text("guest@example.org"),
            rapport::domain::fingerprint::JsValue::Undefined,
            rapport::domain::fingerprint::JsValue::Undefined,
        ],
    );
    assert_eq!(stored(&app, nameless).fingerprint, expected);
    // A name and nick alone are matched by that fingerprint.
    let by_name = id_of(
        &post(
            &app,
            &token,
            ENSURE,
            json!({"name": "Walk-in", "nick": "wi"}),
        )
        .await,
    );
    assert_eq!(
        id_of(
            &post(
                &app,
                &token,
                ENSURE,
                json!({"name": "Walk-in", "nick": "wi", "preferences": "Tea"})
            )
            .await
        ),
        by_name
    );
    assert_eq!(stored(&app, by_name).preferences.as_deref(), Some("Tea"));
    assert_eq!(contact_count(&app), 3);
}

#[actix_web::test]
async fn email_then_phone_find_known_contacts_and_only_empty_fields_are_filled() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    let jane = ContactBuilder::new("Jane Doe")
        .email("Jane@Example.com")
        .create(&mut app.conn());
    let found = post(
        &app,
        &token,
        ENSURE,
        json!({"name": "J. Doe", "email": "jane@EXAMPLE.com", "phone": "212 555 0147", "nick": "jj"}),
    )
    .await;
    assert_eq!(id_of(&found), jane.id.0, "by email, ignoring case");
    let row = stored(&app, jane.id);
    assert_eq!(row.name.as_deref(), Some("Jane Doe"), "never overwritten");
    assert_eq!(row.email.as_deref(), Some("Jane@Example.com"));
    assert_eq!(row.phone.as_deref(), Some("+12125550147"), "filled");
    assert_eq!(row.nick.as_deref(), Some("jj"));
    assert!(row.verified_at.is_some(), "verification untouched");

    let ann = ContactBuilder::new("Ann")
        .phone("+44 20 7946 0958")
        .create(&mut app.conn());
    // By phone in any notation; the email Jane holds is not taken from her.
    let by_phone = post(
        &app,
        &token,
        ENSURE,
        json!({"phone": "+442079460958", "email": "jane@example.com"}),
    )
    .await;
    assert_eq!(id_of(&by_phone), jane.id.0, "the email comes first");
    let by_phone = post(
        &app,
        &token,
        ENSURE,
        json!({"phone": "+44 (20) 7946-0958", "email": "ann@example.com"}),
    )
    .await;
    assert_eq!(id_of(&by_phone), ann.id.0);
    assert_eq!(
        stored(&app, ann.id).email.as_deref(),
        Some("ann@example.com")
    );
    let other = ContactBuilder::new("Other")
        .phone("+1 415 555 0100")
        .create(&mut app.conn());
    let clash = post(
        &app,
        &token,
        ENSURE,
        json!({"phone": "4155550100", "email": "ann@example.com"}),
    )
    .await;
    assert_eq!(id_of(&clash), ann.id.0, "the email matches first");
    assert_eq!(contact_count(&app), 3, "no contact was created");
    // Found by fingerprint, a contact is not given an email that another contact holds.
    let bot = id_of(
        &post(
            &app,
            &token,
            ENSURE,
            json!({"fingerprint": "user-000000000000000003", "nick": "b"}),
        )
        .await,
    );
    let found = post(&app, &token, ENSURE, json!({"fingerprint": "user-000000000000000003", "email": "JANE@example.com", "name": "Bot"})).await;
    assert_eq!(id_of(&found), bot);
    let row = stored(&app, bot);
    assert_eq!((row.email, row.name.as_deref()), (None, Some("Bot")));
    assert_eq!(stored(&app, other.id).email, None);
}

#[actix_web::test]
async fn ensure_errors() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    assert_error(
        &post(&app, &token, ENSURE, json!({})).await,
        422,
        "UNPROCESSABLE_ENTITY",
        "name: ",
    );
    assert_error(
        &post(&app, &token, ENSURE, json!({"email": "x@"})).await,
        422,
        "UNPROCESSABLE_ENTITY",
        "email: ",
    );
    assert_error(
        &post(&app, &token, ENSURE, json!({"fingerprint": "short"})).await,
        422,
        "UNPROCESSABLE_ENTITY",
        "fingerprint: ",
    );
    assert_error(
        &post(&app, &token, ENSURE, json!({"name": "A", "id": "1"})).await,
        400,
        "BAD_REQUEST",
        "",
    );
    // A new trusted contact cannot take an email another contact has.
    let jane = ContactBuilder::new("Jane")
        .email("jane@example.com")
        .create(&mut app.conn());
    let taken = post(
        &app,
        &token,
        ENSURE,
        json!({"fingerprint": "user-000000000000000009", "email": "jane@example.com"}),
    )
    .await;
    assert_error(
        &taken,
        409,
        "CONFLICT",
        &format!("email: contact {} already has this email", jane.id),
    );
    assert_eq!(contact_count(&app), 1);
}

/// Sends every body to ensure at once, while a transaction holding a SHARE lock on `contacts`
/// makes every insert wait for 300 ms: without the ensure's own locking, every request
/// that got a connection would find nothing and create its own contact. Returns the distinct
/// ids answered.
async fn all_at_once(app: &TestApp, token: &str, bodies: Vec<Value>) -> HashSet<i64> {
    let requests = bodies.into_iter().map(|body| (ENSURE, body)).collect();
    let responses = held_inserts(app, token, requests).await;
    responses.iter().map(id_of).collect()
}

/// POSTs every (path, body) at once while inserts into `contacts` wait for 300 ms.
async fn held_inserts(app: &TestApp, token: &str, requests: Vec<(&str, Value)>) -> Vec<Response> {
    let mut blocker = app.db.connect();
    diesel::sql_query("BEGIN").execute(&mut blocker).unwrap();
    diesel::sql_query("LOCK TABLE contacts IN SHARE MODE")
        .execute(&mut blocker)
        .unwrap();
    let requests = requests
        .into_iter()
        .map(|(path, body)| post(app, token, path, body));
    let (responses, ()) = futures_util::join!(futures_util::future::join_all(requests), async {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
        diesel::sql_query("COMMIT").execute(&mut blocker).unwrap();
    });
    responses
}

#[actix_web::test]
async fn concurrent_ensures_of_one_identity_make_one_contact() {
    let app = TestApp::spawn().await;
    let token = app.api_token(TokenRole::Editor);
    let twenty = |body: Value| vec![body; 20];
    let trusted = all_at_once(
        &app,
        &token,
        twenty(json!({"fingerprint": "user-000000000000000042", "name": "Racer"})),
    )
    .await;
    assert_eq!((trusted.len(), contact_count(&app)), (1, 1));
    let by_email = all_at_once(
        &app,
        &token,
        twenty(json!({"name": "Guest", "email": "race@example.com"})),
    )
    .await;
    assert_eq!((by_email.len(), contact_count(&app)), (1, 2));
    // Phones are not unique in the database, and each name gives another untrusted
    // fingerprint: only the ensure's lock on the phone keeps these from making twenty contacts.
    let callers = (0..20)
        .map(|i| json!({"name": format!("Caller {i}"), "phone": if i % 2 == 0 { "+1 212 555 0199" } else { "(212) 555-0199" }}))
        .collect();
    let by_phone = all_at_once(&app, &token, callers).await;
    assert_eq!(
        (by_phone.len(), contact_count(&app)),
        (1, 3),
        "{by_phone:?}"
    );
    // The same person described differently at the same moment: still one contact.
    let mixed = (0..20)
        .map(|i| match i % 3 {
            0 => json!({"email": "mixed@example.com"}),
            1 => json!({"email": "MIXED@example.com", "phone": "+1 212 555 0188"}),
            _ => json!({"email": "mixed@example.com", "name": format!("Mixed {i}")}),
        })
        .collect();
    let mixed = all_at_once(&app, &token, mixed).await;
    assert_eq!((mixed.len(), contact_count(&app)), (1, 4), "{mixed:?}");
    // A plain create racing the ensures takes no identity lock: whichever insert loses to the
    // unique email index is a 409 for the create, a retry that finds the winner for an ensure.
    let mut racing = vec![(
        "/api/v1/contact/create",
        json!({"name": "Creator", "email": "late@example.com"}),
    )];
    racing.extend((0..8).map(|i| {
        (
            ENSURE,
            json!({"name": format!("Ensurer {i}"), "email": "Late@example.com"}),
        )
    }));
    let responses = held_inserts(&app, &token, racing).await;
    let create = &responses[0];
    assert!(
        create.status == 200 || create.status == 409,
        "{}",
        create.body
    );
    let ensured: HashSet<i64> = responses[1..].iter().map(id_of).collect();
    assert_eq!((ensured.len(), contact_count(&app)), (1, 5), "{ensured:?}");
}
