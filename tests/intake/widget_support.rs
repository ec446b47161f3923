//! Fixtures for the widget tests: a widget integration, its URLs, a started session.

use crate::common::{Response, TestApp, TestClient};
use rapport::domain::IntegrationId;
use rapport::domain::integration::{FieldRequirement, IntegrationDraft, IntegrationKind, Origin};
use rapport::intake::widget::identity;
use rapport::models::Actor;
use rapport::models::integration;
use serde_json::{Value, json};

/// A widget integration as a test made it.
pub struct Widget {
    pub id: IntegrationId,
    pub secret: String,
}

impl Widget {
    pub fn url(&self, rest: &str) -> String {
        format!("/api/v1/integration/widget/{}/{rest}", self.id)
    }

    /// `userHash` for `user_id`, as the site's server computes it.
    pub fn sign(&self, user_id: &str) -> String {
        identity::user_hash(&self.secret, user_id)
    }
}

/// A widget named "Tea shop" with the default settings, changed by `configure`.
pub fn widget(app: &TestApp, configure: impl FnOnce(&mut IntegrationDraft)) -> Widget {
    let keyring = app.settings.secrets_keyring().unwrap();
    let mut draft = IntegrationDraft::named("Tea shop");
    configure(&mut draft);
    let (row, credentials) = integration::create(
        &mut app.conn(),
        &keyring,
        IntegrationKind::Widget,
        &draft,
        &Actor::System("test".into()),
    )
    .unwrap();
    Widget {
        id: row.id,
        secret: credentials.identity_secret.unwrap().to_string(),
    }
}

/// Asks for name (optional), email (required) and phone (optional).
pub fn asks_email(draft: &mut IntegrationDraft) {
    draft.ask_name = FieldRequirement::Optional;
    draft.ask_email = FieldRequirement::Required;
    draft.ask_phone = FieldRequirement::Optional;
}

pub fn allow_origin(draft: &mut IntegrationDraft, origin: &str) {
    draft.allowed_origins.push(Origin::parse(origin).unwrap());
}

/// `POST session/create` with `body`.
pub async fn create(client: &TestClient, widget: &Widget, body: Value) -> Response {
    client
        .api(
            "POST",
            &widget.url("session/create"),
            None,
            &[],
            Some(&body),
        )
        .await
}

/// A started session: (session id, token, conversation id).
pub async fn session(client: &TestClient, widget: &Widget, body: Value) -> (String, String, i64) {
    let response = create(client, widget, body).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let json = response.json();
    (
        json["id"].as_str().unwrap().to_string(),
        json["token"].as_str().unwrap().to_string(),
        json["conversationId"].as_str().unwrap().parse().unwrap(),
    )
}

pub async fn send(
    client: &TestClient,
    widget: &Widget,
    session: &str,
    token: &str,
    text: &str,
) -> Response {
    client
        .api(
            "POST",
            &widget.url(&format!("session/{session}/message/send")),
            Some(token),
            &[],
            Some(&json!({ "text": text })),
        )
        .await
}

pub async fn list(
    client: &TestClient,
    widget: &Widget,
    session: &str,
    token: &str,
    after: Option<&str>,
) -> Response {
    let query = after.map_or(String::new(), |after| format!("?after={after}"));
    client
        .api(
            "GET",
            &widget.url(&format!("session/{session}/message/list{query}")),
            Some(token),
            &[],
            None,
        )
        .await
}
