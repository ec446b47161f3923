//! The integrations model against PostgreSQL: credentials issued once, secrets sealed and
//! readable with the keyring, settings versioned, every change audited without its secrets.

use crate::common::TestDb;
use diesel::prelude::*;
use rapport::domain::integration::{
    FieldRequirement, IntegrationDraft, IntegrationKind, Origin, SecretPurpose, SenderPattern,
};
use rapport::domain::secret_box::Keyring;
use rapport::domain::{EmailAddress, IntegrationId, StaffUserId};
use rapport::models::Actor;
use rapport::models::integration::{self, IntegrationError};
use rapport::models::schema::{audit_events, conversations, integration_secrets};
use rapport::models::secret;
use rapport::models::versioned::Versioned;

fn keyring(byte: u8) -> Keyring {
    Keyring::from_bytes::<&[u8]>(&[byte; 32], &[]).unwrap()
}

fn admin() -> Actor {
    Actor::Staff {
        id: StaffUserId(1),
        name: "Ada Admin".into(),
    }
}

fn audit(conn: &mut PgConnection, id: IntegrationId) -> Vec<(String, String, serde_json::Value)> {
    audit_events::table
        .filter(audit_events::entity.eq(integration::ENTITY))
        .filter(audit_events::entity_id.eq(id.0))
        .select((
            audit_events::action,
            audit_events::actor_name,
            audit_events::changes,
        ))
        .order(audit_events::id)
        .load(conn)
        .unwrap()
}

#[test]
fn an_email_integration_gets_an_inbound_token_shown_once() {
    let db = TestDb::create();
    let conn = &mut db.connect();
    let mut draft = IntegrationDraft::named("Support inbox");
    draft.allowed_senders = vec![SenderPattern::parse("*@example.com").unwrap()];
    let (row, credentials) =
        integration::create(conn, &keyring(1), IntegrationKind::Email, &draft, &admin()).unwrap();
    assert_eq!(row.kind(), IntegrationKind::Email);
    assert!(row.enabled && row.collect_contacts && !row.use_reply_to);
    assert_eq!(row.allowed_senders, vec!["*@example.com"]);
    let token = credentials.inbound_token.expect("an inbound token");
    assert!(token.starts_with("rpe_"));
    assert!(credentials.identity_secret.is_none() && credentials.webhook_secret.is_none());
    assert!(integration::verify_inbound_token(&row, &token));
    assert!(!integration::verify_inbound_token(&row, "rpe_wrong"));
    assert!(row.allows_sender(&EmailAddress::parse("Bob@EXAMPLE.com").unwrap()));
    assert!(!row.allows_sender(&EmailAddress::parse("bob@example.org").unwrap()));
    // No secret rows for an email integration without a webhook.
    let secrets: i64 = integration_secrets::table.count().get_result(conn).unwrap();
    assert_eq!(secrets, 0);

    let events = audit(conn, row.id);
    assert_eq!(events.len(), 1);
    let (action, actor, changes) = &events[0];
    assert_eq!((action.as_str(), actor.as_str()), ("create", "Ada Admin"));
    assert_eq!(changes["inbound_token"]["after"], "issued");
    assert_eq!(changes["name"]["after"], "Support inbox");
    assert!(!changes.to_string().contains(token.as_str()));

    // Regenerating: the old token stops working at once.
    let new_token = integration::regenerate_inbound_token(conn, row.id, &admin()).unwrap();
    let row = integration::find(conn, row.id).unwrap();
    assert!(integration::verify_inbound_token(&row, &new_token));
    assert!(!integration::verify_inbound_token(&row, &token));
    assert!(matches!(
        integration::regenerate_secret(
            conn,
            &keyring(1),
            row.id,
            SecretPurpose::Identity,
            &admin()
        ),
        Err(IntegrationError::NotApplicable(_))
    ));
    let events = audit(conn, row.id);
    assert_eq!(events.last().unwrap().0, "regenerate");
    assert!(
        !events
            .last()
            .unwrap()
            .2
            .to_string()
            .contains(new_token.as_str())
    );
}

#[test]
fn a_widget_gets_sealed_secrets_readable_with_the_keyring() {
    let db = TestDb::create();
    let conn = &mut db.connect();
    let mut draft = IntegrationDraft::named("Shop widget");
    draft.allowed_origins = vec![Origin::parse("https://shop.example.com").unwrap()];
    draft.ask_phone = FieldRequirement::Required;
    draft.agent_webhook_url = Some("https://agent.example.com/hook".into());
    let (row, credentials) =
        integration::create(conn, &keyring(1), IntegrationKind::Widget, &draft, &admin()).unwrap();
    assert!(row.inbound_token_hash.is_none() && credentials.inbound_token.is_none());
    assert!(!integration::verify_inbound_token(&row, ""));
    assert_eq!(row.ask_phone(), FieldRequirement::Required);
    assert!(row.allows_origin("https://SHOP.example.com:443"));
    assert!(!row.allows_origin("https://evil.example.com"));
    let identity = credentials.identity_secret.expect("an identity secret");
    let webhook = credentials.webhook_secret.expect("a webhook secret");
    assert!(identity.starts_with("rpw_") && webhook.starts_with("rph_"));

    let read = |purpose, ring: &Keyring, conn: &mut PgConnection| {
        integration::secret(conn, ring, row.id, purpose)
    };
    assert_eq!(
        read(SecretPurpose::Identity, &keyring(1), conn)
            .unwrap()
            .map(|s| s.to_string()),
        Some(identity.to_string())
    );
    assert_eq!(
        read(SecretPurpose::Webhook, &keyring(1), conn)
            .unwrap()
            .map(|s| s.to_string()),
        Some(webhook.to_string())
    );
    // Stored encrypted, and useless under another key.
    let stored: Vec<Vec<u8>> = integration_secrets::table
        .select(integration_secrets::ciphertext)
        .load(conn)
        .unwrap();
    assert_eq!(stored.len(), 2);
    assert!(
        stored
            .iter()
            .all(|c| !c.windows(4).any(|w| w == b"rpw_" || w == b"rph_"))
    );
    assert!(matches!(
        read(SecretPurpose::Identity, &keyring(2), conn),
        Err(IntegrationError::Crypto(_))
    ));
    // The webhook secret's ciphertext copied into the identity row is detected.
    diesel::sql_query(
        "UPDATE integration_secrets AS i SET ciphertext = w.ciphertext, nonce = w.nonce \
         FROM integration_secrets AS w \
         WHERE i.purpose = 'identity' AND w.purpose = 'webhook' AND w.integration_id = i.integration_id",
    )
    .execute(conn)
    .unwrap();
    assert!(read(SecretPurpose::Identity, &keyring(1), conn).is_err());

    let regenerated = integration::regenerate_secret(
        conn,
        &keyring(1),
        row.id,
        SecretPurpose::Identity,
        &admin(),
    )
    .unwrap();
    assert_ne!(regenerated.as_str(), identity.as_str());
    assert_eq!(
        read(SecretPurpose::Identity, &keyring(1), conn)
            .unwrap()
            .map(|s| s.to_string()),
        Some(regenerated.to_string())
    );
    assert!(matches!(
        integration::regenerate_inbound_token(conn, row.id, &admin()),
        Err(IntegrationError::NotApplicable(_))
    ));
}

#[test]
fn updates_are_versioned_and_manage_the_webhook_secret() {
    let db = TestDb::create();
    let conn = &mut db.connect();
    let ring = keyring(3);
    let (row, credentials) = integration::create(
        conn,
        &ring,
        IntegrationKind::Email,
        &IntegrationDraft::named("Inbox"),
        &admin(),
    )
    .unwrap();
    assert!(credentials.webhook_secret.is_none());
    assert!(
        integration::secret(conn, &ring, row.id, SecretPurpose::Webhook)
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        integration::regenerate_secret(conn, &ring, row.id, SecretPurpose::Webhook, &admin()),
        Err(IntegrationError::NotApplicable(_))
    ));

    // Unchanged: nothing written.
    let (outcome, _) =
        integration::update(conn, &ring, row.id, row.version, &row.draft(), &admin()).unwrap();
    assert!(matches!(outcome, Versioned::Unchanged(_)));

    // Setting a webhook URL issues its secret, once.
    let mut draft = row.draft();
    draft.agent_webhook_url = Some("https://agent.example.com/".into());
    draft.use_reply_to = true;
    // Widget-only settings are ignored for an email integration.
    draft.allowed_origins = vec![Origin::parse("https://x.example.com").unwrap()];
    let (outcome, credentials) =
        integration::update(conn, &ring, row.id, row.version, &draft, &admin()).unwrap();
    let Versioned::Saved(saved) = outcome else {
        panic!("expected a save, got {outcome:?}");
    };
    assert_eq!(saved.version, row.version + 1);
    assert!(saved.use_reply_to && saved.allowed_origins.is_empty());
    let secret = credentials.webhook_secret.expect("a webhook secret");
    assert_eq!(
        integration::secret(conn, &ring, row.id, SecretPurpose::Webhook)
            .unwrap()
            .map(|s| s.to_string()),
        Some(secret.to_string())
    );

    // A stale version conflicts and writes nothing.
    let mut stale = draft.clone();
    stale.name = "Renamed".into();
    let (outcome, _) =
        integration::update(conn, &ring, row.id, row.version, &stale, &admin()).unwrap();
    assert!(matches!(outcome, Versioned::Conflict(ref current) if current.name == "Inbox"));

    // Clearing the URL removes the secret.
    let mut cleared = saved.draft();
    cleared.agent_webhook_url = None;
    let (outcome, credentials) =
        integration::update(conn, &ring, row.id, saved.version, &cleared, &admin()).unwrap();
    assert!(matches!(outcome, Versioned::Saved(_)) && credentials.is_empty());
    assert!(
        integration::secret(conn, &ring, row.id, SecretPurpose::Webhook)
            .unwrap()
            .is_none()
    );

    let actions: Vec<String> = audit(conn, row.id).into_iter().map(|e| e.0).collect();
    assert_eq!(actions, ["create", "update", "update"]);
    let changes = &audit(conn, row.id)[1].2;
    assert_eq!(changes["webhook_secret"]["after"], "issued");
    assert_eq!(changes["use_reply_to"]["after"], true);
    assert!(changes.get("name").is_none());
}

#[test]
fn disabling_and_deleting_keep_conversations() {
    let db = TestDb::create();
    let conn = &mut db.connect();
    let ring = keyring(4);
    let mut draft = IntegrationDraft::named("Widget");
    draft.agent_webhook_url = Some("http://127.0.0.1:9/".into());
    let (row, _) =
        integration::create(conn, &ring, IntegrationKind::Widget, &draft, &admin()).unwrap();
    let disabled = integration::set_enabled(conn, row.id, false, &admin()).unwrap();
    assert!(!disabled.enabled);
    // Setting the same state again records nothing.
    integration::set_enabled(conn, row.id, false, &admin()).unwrap();
    let enabled = integration::set_enabled(conn, row.id, true, &admin()).unwrap();
    assert!(enabled.enabled);

    diesel::sql_query("INSERT INTO conversations (channel, integration_id) VALUES ('widget', $1)")
        .bind::<diesel::sql_types::BigInt, _>(row.id)
        .execute(conn)
        .unwrap();
    let deleted = integration::delete(conn, row.id, &admin()).unwrap();
    assert_eq!(deleted.id, row.id);
    assert!(matches!(
        integration::find(conn, row.id),
        Err(diesel::result::Error::NotFound)
    ));
    assert!(matches!(
        integration::delete(conn, row.id, &admin()),
        Err(diesel::result::Error::NotFound)
    ));
    let detached: Vec<Option<i64>> = conversations::table
        .select(conversations::integration_id)
        .load(conn)
        .unwrap();
    assert_eq!(detached, vec![None]);
    let secrets: i64 = integration_secrets::table.count().get_result(conn).unwrap();
    assert_eq!(secrets, 0);
    let actions: Vec<String> = audit(conn, row.id).into_iter().map(|e| e.0).collect();
    assert_eq!(actions, ["create", "disable", "enable", "delete"]);
    assert!(integration::list(conn).unwrap().is_empty());
}

#[test]
fn key_rotation_re_encrypts_integration_secrets_with_the_contact_secrets() {
    use rapport::domain::secret::{SecretDetails, SecretValue};
    use rapport::domain::secret_box::SecretsKey;
    use rapport::models::secret_rotation;

    let db = TestDb::create();
    let conn = &mut db.connect();
    let old = keyring(5);
    let mut draft = IntegrationDraft::named("Shop widget");
    draft.agent_webhook_url = Some("https://agent.example.com/".into());
    let (widget, credentials) =
        integration::create(conn, &old, IntegrationKind::Widget, &draft, &admin()).unwrap();
    let identity = credentials.identity_secret.unwrap().to_string();
    let webhook = credentials.webhook_secret.unwrap().to_string();
    // One under a key nobody has any more: reported and left alone.
    let (lost, _) = integration::create(
        conn,
        &keyring(6),
        IntegrationKind::Widget,
        &IntegrationDraft::named("Lost widget"),
        &admin(),
    )
    .unwrap();
    let contact = crate::common::builders::ContactBuilder::new("Ada").create(conn);
    secret::create(
        conn,
        contact.id,
        &SecretDetails {
            name: "Jira".into(),
            description: None,
        },
        &SecretValue::Plain {
            text: "jira-Aa11".into(),
        },
        old.primary(),
        &admin(),
    )
    .unwrap();

    let new_key = SecretsKey::from_bytes(&[9u8; 32]).unwrap();
    let rotator = Actor::System("key rotation".into());
    let report = secret_rotation::rotate_key(conn, &old, &new_key, &rotator).unwrap();
    assert_eq!(report.re_encrypted, 1);
    assert_eq!(report.integration_re_encrypted, 2);
    assert_eq!(report.integration_already_current, 0);
    assert_eq!(report.integration_skipped.len(), 1);
    assert_eq!(report.integration_skipped[0].integration_id, lost.id);

    let new = keyring(9);
    let read = |conn: &mut PgConnection, ring: &Keyring, purpose| {
        integration::secret(conn, ring, widget.id, purpose)
            .map(|value| value.map(|v| v.to_string()))
    };
    assert_eq!(
        read(conn, &new, SecretPurpose::Identity).unwrap(),
        Some(identity)
    );
    assert_eq!(
        read(conn, &new, SecretPurpose::Webhook).unwrap(),
        Some(webhook)
    );
    assert!(read(conn, &old, SecretPurpose::Identity).is_err());
    let lost_key: String = integration_secrets::table
        .filter(integration_secrets::integration_id.eq(lost.id))
        .select(integration_secrets::key_id)
        .first(conn)
        .unwrap();
    assert_eq!(lost_key, keyring(6).primary().id());
    let rotated = audit(conn, widget.id);
    let re_encrypted: Vec<_> = rotated.iter().filter(|e| e.0 == "re-encrypted").collect();
    assert_eq!(re_encrypted.len(), 2);
    assert_eq!(re_encrypted[0].1, "key rotation");
    assert_eq!(re_encrypted[0].2["key_id"]["after"], new_key.id());

    // Again: nothing left to do.
    let again = secret_rotation::rotate_key(conn, &new, &new_key, &rotator).unwrap();
    assert_eq!(again.integration_re_encrypted, 0);
    assert_eq!(again.integration_already_current, 2);
}
