//! `contact/{id}/secret/create|{sid}/update|{sid}/delete`: values are write-only, encrypted
//! as the dashboard encrypts them, and never seen again in a response or the audit trail.

use crate::common::TestApp;
use crate::common::builders::ContactBuilder;
use crate::related_support::{Api, assert_audited, assert_error, count, events, id_of};
use diesel::prelude::*;
use rapport::domain::api_token::TokenRole;
use rapport::domain::secret::SecretValue;
use rapport::domain::{ContactId, SecretId};
use rapport::models::schema::audit_events;
use rapport::models::secret;
use serde_json::{Value, json};

const TOKEN: &str = "tok_Zq81-never-echoed";
const PASSWORD: &str = "pw-Hj27-never-echoed";
const CLIENT_SECRET: &str = "cs-Lm33-never-echoed";
const NEW_TEXT: &str = "pin-Xy55-never-echoed";

/// The value as stored, decrypted with the server's key.
fn decrypted(app: &TestApp, contact: ContactId, id: i64) -> SecretValue {
    let keyring = app.settings.secrets_keyring().unwrap();
    secret::find(&mut app.conn(), contact, SecretId(id))
        .unwrap()
        .open(&keyring)
        .unwrap()
}

/// Every audit entry's changes, as text.
fn audit_text(app: &TestApp) -> String {
    let all: Vec<Value> = audit_events::table
        .select(audit_events::changes)
        .load(&mut app.conn())
        .unwrap();
    serde_json::to_string(&all).unwrap()
}

fn assert_no_values(text: &str) {
    for value in [TOKEN, PASSWORD, CLIENT_SECRET, NEW_TEXT] {
        assert!(!text.contains(value), "{value} leaked into {text}");
    }
}

#[actix_web::test]
async fn secrets_of_each_type_are_encrypted_and_never_echoed() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    let base = format!("/contact/{}/secret", ada.id);
    let mut raw_bodies = String::new();

    let bearer = api
        .post(
            &format!("{base}/create"),
            json!({"name": "Jira", "description": "Support desk", "type": "bearer", "value": TOKEN}),
        )
        .await;
    raw_bodies.push_str(&bearer.body);
    let bearer_id = id_of(&bearer);
    assert_eq!(bearer.json(), json!({"id": bearer_id.to_string()}));
    assert_eq!(
        decrypted(&app, ada.id, bearer_id),
        SecretValue::Bearer {
            token: TOKEN.into()
        }
    );
    let event = assert_audited(&app, "secret", bearer_id, "create");
    assert_eq!(event.changes["value"]["after"], "set");
    assert_eq!(event.contact_id, Some(ada.id));

    let basic = api
        .post(
            &format!("{base}/create"),
            json!({"name": "Portal", "type": "basic", "value": {"username": "ada", "password": PASSWORD}}),
        )
        .await;
    raw_bodies.push_str(&basic.body);
    let basic_id = id_of(&basic);
    assert_eq!(
        decrypted(&app, ada.id, basic_id),
        SecretValue::Basic {
            username: "ada".into(),
            password: PASSWORD.into()
        }
    );
    let oauth = api
        .post(
            &format!("{base}/create"),
            json!({"name": "Google", "type": "oauth", "value": {"clientId": "cid", "clientSecret": CLIENT_SECRET}}),
        )
        .await;
    raw_bodies.push_str(&oauth.body);
    let plain = api
        .post(
            &format!("{base}/create"),
            json!({"name": "PIN", "type": "plain", "value": {"text": "1234"}}),
        )
        .await;
    raw_bodies.push_str(&plain.body);
    assert_eq!(
        decrypted(&app, ada.id, id_of(&plain)),
        SecretValue::Plain {
            text: "1234".into()
        }
    );

    let list = api.get(&format!("/contact/{}/secret/list", ada.id)).await;
    raw_bodies.push_str(&list.body);
    let lines = api
        .client
        .api(
            "GET",
            &format!("/api/v1/contact/{}/secret/list", ada.id),
            Some(&api.token),
            &[("accept", "application/jsonl")],
            None,
        )
        .await;
    raw_bodies.push_str(&lines.body);
    let items = list.json()["items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 4);
    assert_eq!(items[3]["type"], "bearer");
    assert!(
        items
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i.get("value").is_none())
    );

    // Replace the value (of another kind) and rename, in one request.
    let updated = api
        .post(
            &format!("{base}/{bearer_id}/update"),
            json!({"name": "Jira (new)", "type": "plain", "value": NEW_TEXT}),
        )
        .await;
    raw_bodies.push_str(&updated.body);
    assert_eq!(id_of(&updated), bearer_id);
    assert_eq!(
        decrypted(&app, ada.id, bearer_id),
        SecretValue::Plain {
            text: NEW_TEXT.into()
        }
    );
    let stored = secret::find(&mut app.conn(), ada.id, SecretId(bearer_id)).unwrap();
    assert_eq!(stored.name, "Jira (new)");
    assert_eq!(stored.description.as_deref(), Some("Support desk"));
    let trail = events(&app, "secret", bearer_id);
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "update", "update"]);
    assert_eq!(trail[2].changes["value"]["after"], "changed");
    assert!(trail.iter().all(|e| e.actor_name == "editor bot"));

    // A new value of the same kind needs no type; details alone leave the value be.
    api.post(
        &format!("{base}/{basic_id}/update"),
        json!({"value": {"username": "ada2", "password": PASSWORD}}),
    )
    .await;
    assert_eq!(
        decrypted(&app, ada.id, basic_id),
        SecretValue::Basic {
            username: "ada2".into(),
            password: PASSWORD.into()
        }
    );
    api.post(
        &format!("{base}/{basic_id}/update"),
        json!({"description": "The customer portal"}),
    )
    .await;
    assert_eq!(
        decrypted(&app, ada.id, basic_id),
        SecretValue::Basic {
            username: "ada2".into(),
            password: PASSWORD.into()
        }
    );

    let deleted = api
        .post(&format!("{base}/{basic_id}/delete"), json!({}))
        .await;
    raw_bodies.push_str(&deleted.body);
    assert_eq!(id_of(&deleted), basic_id);
    assert!(secret::find(&mut app.conn(), ada.id, SecretId(basic_id)).is_err());
    assert_audited(&app, "secret", basic_id, "delete");

    assert_no_values(&raw_bodies);
    assert_no_values(&audit_text(&app));
}

#[actix_web::test]
async fn invalid_values_are_named_without_repeating_them() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    let create = format!("/contact/{}/secret/create", ada.id);
    let mut raw_bodies = String::new();
    for (body, status, field) in [
        (json!({"type": "basic", "value": PASSWORD}), 422, "value:"),
        (
            json!({"name": "X", "type": "basic", "value": {"password": PASSWORD}}),
            422,
            "value.username:",
        ),
        (
            json!({"name": "X", "type": "bearer", "value": {"token": TOKEN, "extra": PASSWORD}}),
            422,
            "value:",
        ),
        (
            json!({"name": "X", "type": "ssh", "value": TOKEN}),
            422,
            "type:",
        ),
        (json!({"name": "X", "value": TOKEN}), 422, "type:"),
        (json!({"name": "X", "type": "bearer"}), 422, "value:"),
        (
            json!({"name": "X", "type": "bearer", "value": "a\nb"}),
            422,
            "value:",
        ),
        (
            json!({"name": "X", "type": "oauth", "value": {"clientId": 5, "clientSecret": CLIENT_SECRET}}),
            422,
            "value.clientId:",
        ),
        (
            json!({"name": "a\nb", "type": "bearer", "value": TOKEN}),
            422,
            "name:",
        ),
        (
            json!({"name": "X", "type": "bearer", "value": TOKEN, "visibility": "public"}),
            400,
            "visibility",
        ),
    ] {
        let refused = api.post(&create, body).await;
        let code = if status == 400 {
            "BAD_REQUEST"
        } else {
            "UNPROCESSABLE_ENTITY"
        };
        assert_error(&refused, status, code, Some(field));
        raw_bodies.push_str(&refused.body);
    }
    assert_eq!(count(&app, "secrets"), 0);
    assert_no_values(&raw_bodies);

    let first = api
        .post(
            &create,
            json!({"name": "Jira", "type": "bearer", "value": TOKEN}),
        )
        .await;
    let id = id_of(&first);
    let taken = api
        .post(
            &create,
            json!({"name": "Jira", "type": "bearer", "value": TOKEN}),
        )
        .await;
    assert_error(&taken, 409, "CONFLICT", Some("name:"));
    let second = api
        .post(
            &create,
            json!({"name": "Portal", "type": "bearer", "value": TOKEN}),
        )
        .await;
    let second_id = id_of(&second);
    let rename_clash = api
        .post(
            &format!("/contact/{}/secret/{second_id}/update", ada.id),
            json!({"name": "Jira", "value": NEW_TEXT}),
        )
        .await;
    assert_error(&rename_clash, 409, "CONFLICT", Some("name:"));
    // Nothing of that update happened: the value was not replaced either.
    assert_eq!(
        decrypted(&app, ada.id, second_id),
        SecretValue::Bearer {
            token: TOKEN.into()
        }
    );
    let type_alone = api
        .post(
            &format!("/contact/{}/secret/{id}/update", ada.id),
            json!({"type": "plain"}),
        )
        .await;
    assert_error(&type_alone, 422, "UNPROCESSABLE_ENTITY", Some("value:"));
    let no_name = api
        .post(
            &format!("/contact/{}/secret/{id}/update", ada.id),
            json!({"name": null}),
        )
        .await;
    assert_error(&no_name, 422, "UNPROCESSABLE_ENTITY", Some("name:"));
    assert_no_values(&audit_text(&app));
}

#[actix_web::test]
async fn secrets_are_scoped_to_their_contact() {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada").create(&mut app.conn());
    let grace = ContactBuilder::new("Grace").create(&mut app.conn());
    let api = Api::new(&app, TokenRole::Editor);
    let hers = api
        .post(
            &format!("/contact/{}/secret/create", grace.id),
            json!({"name": "Hers", "type": "bearer", "value": TOKEN}),
        )
        .await;
    let hers = id_of(&hers);
    // Through Ada's path, Grace's secret does not exist.
    for action in ["update", "delete"] {
        let refused = api
            .post(
                &format!("/contact/{}/secret/{hers}/{action}", ada.id),
                json!({}),
            )
            .await;
        assert_error(&refused, 404, "NOT_FOUND", None);
    }
    let unknown_contact = api
        .post(
            "/contact/999999/secret/create",
            json!({"name": "X", "type": "bearer", "value": TOKEN}),
        )
        .await;
    assert_error(&unknown_contact, 404, "NOT_FOUND", None);
    let unknown_secret = api
        .post(
            &format!("/contact/{}/secret/999999/delete", grace.id),
            json!({}),
        )
        .await;
    assert_error(&unknown_secret, 404, "NOT_FOUND", None);
    assert_eq!(
        decrypted(&app, grace.id, hers),
        SecretValue::Bearer {
            token: TOKEN.into()
        }
    );

    let viewer = Api::new(&app, TokenRole::Viewer);
    for (path, body) in [
        (
            format!("/contact/{}/secret/create", grace.id),
            json!({"name": "X", "type": "bearer", "value": TOKEN}),
        ),
        (
            format!("/contact/{}/secret/{hers}/update", grace.id),
            json!({"name": "Y"}),
        ),
        (
            format!("/contact/{}/secret/{hers}/delete", grace.id),
            json!({}),
        ),
    ] {
        let refused = viewer.post(&path, body).await;
        assert_error(&refused, 403, "NOT_AUTHORIZED", None);
        let wrong = api.get(&path).await;
        assert_error(&wrong, 405, "METHOD_NOT_ALLOWED", None);
    }
    assert_eq!(
        secret::find(&mut app.conn(), grace.id, SecretId(hers))
            .unwrap()
            .name,
        "Hers"
    );
    assert_eq!(count(&app, "secrets"), 1);
}
