//! The Secrets tab: writes, encryption at rest, key rotation, admin reveal, roles, audit, and
//! deletion with the contact.

use crate::common::builders::ContactBuilder;
use crate::common::{PASSWORD, Response, TestApp, TestClient};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use rapport::cli::SecretsCommand;
use rapport::config::Settings;
use rapport::domain::secret::{SecretDetails, SecretValue};
use rapport::domain::secret_box::{Keyring, SecretBoxError, SecretsKey, key_id};
use rapport::domain::{ContactId, Role};
use rapport::models::Actor;
use rapport::models::audit::AuditEvent;
use rapport::models::schema::{audit_events, secrets};
use rapport::models::secret::{self, Secret};
use rapport::models::secret_rotation;
use std::collections::HashMap;
use std::path::PathBuf;

const TOKEN: &str = "jira_tok_4f9c2e7a1b";
const PORTAL_PASSWORD: &str = "Portal-Pass-8812";

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn keyring(app: &TestApp) -> Keyring {
    app.settings.secrets_keyring().unwrap()
}

fn bearer(token: &str) -> SecretValue {
    SecretValue::Bearer {
        token: token.into(),
    }
}

/// Adds a secret directly, encrypted under `key` (the server's unless given).
fn add(
    app: &TestApp,
    contact: ContactId,
    name: &str,
    value: SecretValue,
    key: Option<&SecretsKey>,
) -> Secret {
    let keyring = keyring(app);
    let key = key.unwrap_or(keyring.primary());
    secret::create(
        &mut app.conn(),
        contact,
        &SecretDetails {
            name: name.into(),
            description: None,
        },
        &value,
        key,
        &Actor::System("test fixture".into()),
    )
    .unwrap()
}

fn stored(app: &TestApp, contact: ContactId) -> Vec<Secret> {
    secrets::table
        .filter(secrets::contact_id.eq(contact))
        .order(secrets::id.asc())
        .select(Secret::as_select())
        .load(&mut app.conn())
        .unwrap()
}

fn events(app: &TestApp, action: &str) -> Vec<AuditEvent> {
    audit_events::table
        .filter(audit_events::entity.eq("secret"))
        .filter(audit_events::action.eq(action))
        .order(audit_events::id.asc())
        .select(AuditEvent::as_select())
        .load(&mut app.conn())
        .unwrap()
}

/// Rows of `secrets` whose ciphertext holds `needle` as bytes, or whose row text (bytea in
/// hex) holds it or its hex form.
fn rows_containing(app: &TestApp, needle: &str) -> i64 {
    let found: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM secrets s \
         WHERE position(convert_to($1, 'UTF8') IN s.ciphertext) > 0 \
            OR position(convert_to($1, 'UTF8') IN s.nonce) > 0 \
            OR position($1 IN s::text) > 0 \
            OR position(encode(convert_to($1, 'UTF8'), 'hex') IN s::text) > 0",
    )
    .bind::<Text, _>(needle)
    .get_result(&mut app.conn())
    .unwrap();
    found.n
}

/// Audit events whose changes mention `needle`.
fn audit_containing(app: &TestApp, needle: &str) -> i64 {
    let found: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM audit_events WHERE position($1 IN changes::text) > 0",
    )
    .bind::<Text, _>(needle)
    .get_result(&mut app.conn())
    .unwrap();
    found.n
}

async fn signed_in(app: &TestApp, role: Role) -> TestClient {
    let client = app.signed_in(role).await;
    // Picks up the session's CSRF token.
    client.get("/contacts").await;
    client
}

async fn setup() -> (TestApp, TestClient, ContactId) {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada Lovelace")
        .email("ada@example.com")
        .create(&mut app.conn());
    let editor = signed_in(&app, Role::Editor).await;
    (app, editor, ada.id)
}

/// An admin whose email the test knows, for the throttling checks.
async fn admin(app: &TestApp, email: &str) -> TestClient {
    app.create_user(email, Role::Admin);
    let client = app.client();
    assert_eq!(client.sign_in(email, PASSWORD).await.status, 303);
    client.get("/contacts").await;
    client
}

fn tab(id: ContactId) -> String {
    format!("/contacts/{id}/secrets")
}

fn assert_no_store(response: &Response) {
    assert_eq!(response.header("cache-control"), Some("no-store"));
}

#[actix_web::test]
async fn an_empty_tab_invites_the_first_secret() {
    let (app, editor, id) = setup().await;
    let page = editor.get(&tab(id)).await;
    assert_eq!(page.status, 200);
    page.assert_contains("<html");
    page.assert_contains("No secrets yet.");
    page.assert_contains("Add the first secret");
    page.assert_contains(&format!("href=\"/contacts/{id}/secrets\""));
    page.assert_contains("aria-current=\"page\" class=\"tab active\"");
    page.assert_contains("Secrets <span class=\"count\">0</span>");

    let fragment = editor.get_htmx(&tab(id), "profile-tabs").await;
    fragment.assert_lacks("<html");
    fragment.assert_lacks("profile-header");
    fragment.assert_contains("No secrets yet.");

    let viewer = signed_in(&app, Role::Viewer).await;
    let page = viewer.get(&tab(id)).await;
    page.assert_contains("No secrets yet.");
    page.assert_lacks("Add the first secret");
    page.assert_lacks("Add secret");

    assert_eq!(editor.get("/contacts/999999/secrets").await.status, 404);
}

#[actix_web::test]
async fn create_replace_edit_and_delete() {
    let (app, editor, id) = setup().await;
    let created = editor
        .post_form(
            &tab(id),
            &[
                ("name", "Jira API token"),
                ("description", "For the support bot"),
                ("kind", "bearer"),
                ("version", "0"),
                ("value_token", TOKEN),
                // Another kind's field: ignored.
                ("value_password", "ignored-password"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(created.location(), Some(tab(id).as_str()));
    let page = editor.get(&tab(id)).await;
    page.assert_contains("Secret “Jira API token” added");
    page.assert_contains("Jira API token");
    page.assert_contains("For the support bot");
    page.assert_contains("Bearer token");
    page.assert_contains("Secrets <span class=\"count\">1</span>");
    page.assert_lacks(TOKEN);
    page.assert_lacks("Reveal");

    let rows = stored(&app, id);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.kind, "bearer");
    assert_eq!(row.key_id, keyring(&app).primary().id());
    assert_eq!(row.open(&keyring(&app)).unwrap(), bearer(TOKEN));
    assert_eq!(rows_containing(&app, TOKEN), 0);
    assert_eq!(rows_containing(&app, "ignored-password"), 0);

    // Replace ("rotate") the value, as htmx does: the tab comes back with a notice.
    let replaced = editor
        .post_htmx(
            &format!("/contacts/{id}/secrets/{}/replace", row.id),
            &[
                ("kind", "basic"),
                ("version", "1"),
                ("value_username", "ada"),
                ("value_password", PORTAL_PASSWORD),
            ],
            "profile-tabs",
        )
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    replaced.assert_contains("The value of “Jira API token” was replaced");
    replaced.assert_contains("Username and password");
    replaced.assert_lacks(PORTAL_PASSWORD);
    assert_eq!(replaced.header("hx-push-url"), Some(tab(id).as_str()));
    let after = &stored(&app, id)[0];
    assert_eq!(after.version, 2);
    assert_eq!(after.kind, "basic");
    assert_ne!(after.nonce, row.nonce);
    assert_eq!(
        after.open(&keyring(&app)).unwrap(),
        SecretValue::Basic {
            username: "ada".into(),
            password: PORTAL_PASSWORD.into()
        }
    );

    // Edit name and description.
    let form = editor
        .get_htmx(
            &format!("/contacts/{id}/secrets/{}/edit", row.id),
            "profile-tabs",
        )
        .await;
    assert_eq!(form.status, 200);
    form.assert_contains("value=\"Jira API token\"");
    form.assert_contains("name=\"version\" value=\"2\"");
    form.assert_lacks("value_password");
    let saved = editor
        .post_htmx(
            &format!("/contacts/{id}/secrets/{}", row.id),
            &[
                ("name", "Billing portal"),
                ("description", ""),
                ("version", "2"),
            ],
            "profile-tabs",
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    saved.assert_contains("Secret “Billing portal” saved");
    let after_edit = &stored(&app, id)[0];
    assert_eq!(after_edit.name, "Billing portal");
    assert_eq!(after_edit.description, None);
    assert_eq!(after_edit.version, 3);
    // Renaming does not touch the ciphertext.
    assert_eq!(after_edit.ciphertext, after.ciphertext);

    // Delete, after a confirmation.
    let confirm = editor
        .get(&format!("/contacts/{id}/secrets/{}/delete", row.id))
        .await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("Delete “Billing portal”?");
    let deleted = editor
        .post_form(&format!("/contacts/{id}/secrets/{}/delete", row.id), &[])
        .await;
    assert_eq!(deleted.status, 303);
    assert!(stored(&app, id).is_empty());
    let page = editor.get(&tab(id)).await;
    page.assert_contains("Secret “Billing portal” deleted");
    page.assert_contains("No secrets yet.");

    // Every write is in History, without a value.
    let creates = events(&app, "create");
    assert_eq!(creates.len(), 1);
    assert_eq!(creates[0].changes["value"]["after"], "set");
    assert_eq!(creates[0].changes["name"]["after"], "Jira API token");
    let updates = events(&app, "update");
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[0].changes["value"]["after"], "changed");
    assert_eq!(updates[0].changes["kind"]["after"], "basic");
    assert_eq!(updates[1].changes["name"]["after"], "Billing portal");
    let deletes = events(&app, "delete");
    assert_eq!(deletes.len(), 1);
    assert_eq!(deletes[0].changes["value"]["before"], "set");
    for value in [TOKEN, PORTAL_PASSWORD, "ignored-password"] {
        assert_eq!(
            audit_containing(&app, value),
            0,
            "{value} in the audit trail"
        );
    }
    let history = editor.get(&format!("/contacts/{id}/history")).await;
    history.assert_contains("created a secret");
    history.assert_contains("changed a secret");
    history.assert_contains("deleted a secret");
    history.assert_lacks(TOKEN);
    history.assert_lacks(PORTAL_PASSWORD);
}

#[actix_web::test]
async fn bad_input_keeps_the_details_never_the_value_and_writes_nothing() {
    let (app, editor, id) = setup().await;
    let response = editor
        .post_htmx(
            &tab(id),
            &[
                ("name", "  "),
                ("description", "Kept description"),
                ("kind", "bearer"),
                ("version", "0"),
                ("value_token", "two\nlines-secret-value"),
            ],
            "profile-tabs",
        )
        .await;
    assert_eq!(response.status, 422);
    response.assert_contains("Please correct the 2 highlighted fields");
    response.assert_contains("Kept description");
    response.assert_contains("id=\"secret-name-error\"");
    response.assert_contains("id=\"value_token-error\"");
    response.assert_contains("aria-invalid=\"true\" aria-describedby=\"value_token-error\"");
    response.assert_contains("so type it again");
    response.assert_lacks("lines-secret-value");
    // The chosen kind stays chosen.
    response.assert_contains("value=\"bearer\" checked");

    let unknown_kind = editor
        .post_form(
            &tab(id),
            &[
                ("name", "X"),
                ("kind", "ssh"),
                ("version", "0"),
                ("value_text", "v"),
            ],
        )
        .await;
    assert_eq!(unknown_kind.status, 422);
    unknown_kind.assert_contains("id=\"kind-error\"");

    let missing_password = editor
        .post_form(
            &tab(id),
            &[
                ("name", "Portal"),
                ("kind", "basic"),
                ("version", "0"),
                ("value_username", "ada"),
            ],
        )
        .await;
    assert_eq!(missing_password.status, 422);
    missing_password.assert_contains("Enter a password.");
    missing_password.assert_contains("value=\"Portal\"");
    assert!(stored(&app, id).is_empty());

    // A name this contact already uses.
    add(&app, id, "Jira API token", bearer(TOKEN), None);
    let duplicate = editor
        .post_form(
            &tab(id),
            &[
                ("name", "Jira API token"),
                ("kind", "bearer"),
                ("version", "0"),
                ("value_token", "another-token-value"),
            ],
        )
        .await;
    assert_eq!(duplicate.status, 422);
    duplicate.assert_contains("already has a secret named “Jira API token”");
    duplicate.assert_lacks("another-token-value");
    assert_eq!(stored(&app, id).len(), 1);
    assert_eq!(events(&app, "create").len(), 1);
}

#[actix_web::test]
async fn an_edit_over_someone_elses_change_is_refused() {
    let (app, editor, id) = setup().await;
    let row = add(&app, id, "Jira API token", bearer(TOKEN), None);
    // A colleague replaces the value after this editor opened the form (version 1).
    secret::replace_value(
        &mut app.conn(),
        id,
        row.id,
        1,
        &bearer("newer-token"),
        keyring(&app).primary(),
        &Actor::System("colleague".into()),
    )
    .unwrap();
    let response = editor
        .post_form(
            &format!("/contacts/{id}/secrets/{}", row.id),
            &[("name", "Renamed"), ("description", ""), ("version", "1")],
        )
        .await;
    assert_eq!(response.status, 409);
    response.assert_contains("Changed by someone else.");
    response.assert_contains("value=\"Renamed\"");
    response.assert_contains("name=\"version\" value=\"2\"");
    assert_eq!(stored(&app, id)[0].name, "Jira API token");
}

#[actix_web::test]
async fn the_raw_columns_never_hold_the_plaintext() {
    let (app, _editor, id) = setup().await;
    let values = [
        SecretValue::Plain {
            text: "plain-value-Xy81".into(),
        },
        SecretValue::Basic {
            username: "user-Qz19".into(),
            password: "password-Wq27".into(),
        },
        bearer("bearer-token-Lm55"),
        SecretValue::OAuth {
            client_id: "client-id-Rt33".into(),
            client_secret: "client-secret-Pk42".into(),
            refresh_token: Some("refresh-token-Hn90".into()),
        },
    ];
    for (index, value) in values.into_iter().enumerate() {
        add(&app, id, &format!("secret {index}"), value, None);
    }
    let rows = stored(&app, id);
    assert_eq!(rows.len(), 4);
    for needle in [
        "plain-value-Xy81",
        "user-Qz19",
        "password-Wq27",
        "bearer-token-Lm55",
        "client-id-Rt33",
        "client-secret-Pk42",
        "refresh-token-Hn90",
    ] {
        assert_eq!(rows_containing(&app, needle), 0, "{needle} stored in clear");
        assert_eq!(
            audit_containing(&app, needle),
            0,
            "{needle} in the audit trail"
        );
    }
    // The check itself can fail: a bytea holding the text is found.
    diesel::sql_query(
        "UPDATE secrets SET nonce = convert_to('canary-Zz00', 'UTF8') WHERE name = 'secret 0'",
    )
    .execute(&mut app.conn())
    .unwrap();
    assert_eq!(rows_containing(&app, "canary-Zz00"), 1);
}

#[actix_web::test]
async fn swapped_ciphertexts_fail_to_decrypt_with_a_clear_error() {
    let (app, _editor, id) = setup().await;
    let first = add(&app, id, "First", bearer("first-token-Aa11"), None);
    let second = add(&app, id, "Second", bearer("second-token-Bb22"), None);
    diesel::sql_query(
        "UPDATE secrets a SET ciphertext = b.ciphertext, nonce = b.nonce FROM secrets b \
         WHERE (a.id = $1 AND b.id = $2) OR (a.id = $2 AND b.id = $1)",
    )
    .bind::<BigInt, _>(first.id)
    .bind::<BigInt, _>(second.id)
    .execute(&mut app.conn())
    .unwrap();
    for row in stored(&app, id) {
        let error = row.open(&keyring(&app)).unwrap_err();
        assert!(
            error.to_string().contains("copied from another secret"),
            "{error}"
        );
    }

    let admin = admin(&app, "boss@example.com").await;
    let response = admin
        .post_htmx(
            &format!("/contacts/{id}/secrets/{}/reveal", first.id),
            &[("password", PASSWORD)],
            "profile-tabs",
        )
        .await;
    assert_eq!(response.status, 500);
    response.assert_contains("could not be decrypted with its key");
    response.assert_contains("copied from another secret");
    response.assert_lacks("first-token-Aa11");
    response.assert_lacks("second-token-Bb22");
    assert!(events(&app, "revealed").is_empty());
}

#[actix_web::test]
async fn a_secret_under_another_key_names_the_key_to_restore() {
    let (app, _editor, id) = setup().await;
    let foreign = SecretsKey::from_bytes(&[7u8; 32]).unwrap();
    let row = add(
        &app,
        id,
        "Old token",
        bearer("old-token-Cc33"),
        Some(&foreign),
    );
    let admin = admin(&app, "boss@example.com").await;
    let list = admin.get(&tab(id)).await;
    list.assert_contains("Other key");

    let response = admin
        .post_form(
            &format!("/contacts/{id}/secrets/{}/reveal", row.id),
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(response.status, 500);
    response.assert_contains(&format!(
        "this secret was encrypted with another key (key id {}); restore the original RAPPORT_SECRETS_KEY",
        foreign.id()
    ));
    response.assert_lacks("old-token-Cc33");
    assert!(matches!(
        stored(&app, id)[0].open(&keyring(&app)),
        Err(secret::RevealError::Crypto(
            SecretBoxError::UnknownKey { .. }
        ))
    ));
}

#[actix_web::test]
async fn key_rotation_keeps_every_secret_readable() {
    let (app, _editor, id) = setup().await;
    let grace = ContactBuilder::new("Grace Hopper").create(&mut app.conn());
    let mut expected = HashMap::new();
    for (contact, name, value) in [
        (id, "Jira", bearer("jira-Dd44")),
        (
            id,
            "Portal",
            SecretValue::Basic {
                username: "ada".into(),
                password: "portal-Ee55".into(),
            },
        ),
        (
            grace.id,
            "Notes",
            SecretValue::Plain {
                text: "plain-Ff66\nline".into(),
            },
        ),
    ] {
        let row = add(&app, contact, name, value.clone(), None);
        expected.insert(row.id, value);
    }
    let foreign = SecretsKey::from_bytes(&[7u8; 32]).unwrap();
    let lost = add(&app, id, "Lost", bearer("lost-Gg77"), Some(&foreign));

    let current = keyring(&app);
    let new_key = SecretsKey::from_bytes(&[42u8; 32]).unwrap();
    let report = secret_rotation::rotate_key(
        &mut app.conn(),
        &current,
        &new_key,
        &Actor::System("key rotation".into()),
    )
    .unwrap();
    assert_eq!(report.re_encrypted, 3);
    assert_eq!(report.already_current, 0);
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].id, lost.id);
    assert!(
        report.skipped[0]
            .reason
            .contains("encrypted with another key")
    );

    let after_rotation = Keyring::new(SecretsKey::from_bytes(&[42u8; 32]).unwrap(), Vec::new());
    let all: Vec<Secret> = secrets::table
        .order(secrets::id.asc())
        .select(Secret::as_select())
        .load(&mut app.conn())
        .unwrap();
    for row in &all {
        if row.id == lost.id {
            // Untouched, byte for byte.
            assert_eq!(row.ciphertext, lost.ciphertext);
            assert_eq!(row.key_id, foreign.id());
            continue;
        }
        assert_eq!(row.key_id, new_key.id());
        assert_eq!(&row.open(&after_rotation).unwrap(), &expected[&row.id]);
        // The old key alone no longer reads it.
        assert!(row.open(&current).is_err());
    }
    let audited = events(&app, "re-encrypted");
    assert_eq!(audited.len(), 3);
    assert_eq!(audited[0].changes["key_id"]["after"], new_key.id());
    assert_eq!(audit_containing(&app, "jira-Dd44"), 0);

    // Running it again finds nothing left to do, and changes nothing.
    let again = secret_rotation::rotate_key(
        &mut app.conn(),
        &after_rotation,
        &new_key,
        &Actor::System("key rotation".into()),
    )
    .unwrap();
    assert_eq!(again.re_encrypted, 0);
    assert_eq!(again.already_current, 3);
    assert_eq!(events(&app, "re-encrypted").len(), 3);
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "rapport-secrets-{name}-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// `serve` may generate its session key into the data directory, never a secrets key here.
fn no_secrets_key_generated(path: &std::path::Path) {
    assert!(
        !path.ends_with("secrets.key"),
        "generated {}",
        path.display()
    );
}

fn key_file(dir: &std::path::Path, name: &str) -> Option<Vec<u8>> {
    std::fs::read_to_string(dir.join(name))
        .ok()
        .map(|text| BASE64.decode(text.trim()).unwrap())
}

#[actix_web::test]
async fn the_rotate_key_command_swaps_the_key_files_after_the_commit() {
    let (app, _editor, id) = setup().await;
    let dir = temp_dir("cli");
    let original = app.settings.secrets_key.clone();
    std::fs::write(dir.join("secrets.key"), BASE64.encode(&original)).unwrap();
    let row = add(&app, id, "Jira", bearer("jira-Hh88"), None);
    let vars: HashMap<&str, String> = [
        ("DATABASE_URL", app.db.url.clone()),
        ("RAPPORT_DATA_DIR", dir.display().to_string()),
    ]
    .into_iter()
    .collect();
    let lookup = |name: &str| vars.get(name).cloned();

    let mut out = Vec::new();
    rapport::cli::secrets::run(
        SecretsCommand::RotateKey { new_key_file: None },
        &lookup,
        &mut out,
    )
    .unwrap();
    let printed = String::from_utf8(out).unwrap();
    assert!(
        printed.contains("Re-encrypted 1 secret under key"),
        "{printed}"
    );
    let new_key = key_file(&dir, "secrets.key").unwrap();
    assert_ne!(new_key, original);
    assert_eq!(key_file(&dir, "secrets.key.old").unwrap(), original);
    assert!(!dir.join("secrets.key.new").exists());
    assert!(printed.contains(&key_id(&new_key)));
    let mode = std::fs::metadata(dir.join("secrets.key"))
        .unwrap()
        .permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o600
    );

    // What serve would read now decrypts the row.
    let settings = Settings::from_env(lookup, None, no_secrets_key_generated).unwrap();
    assert_eq!(settings.secrets_key, new_key);
    let stored_row = &stored(&app, id)[0];
    assert_eq!(stored_row.key_id, key_id(&new_key));
    assert_eq!(
        stored_row
            .open(&settings.secrets_keyring().unwrap())
            .unwrap(),
        bearer("jira-Hh88")
    );
    assert_ne!(stored_row.ciphertext, row.ciphertext);

    // A rotation interrupted after its commit, before the files were swapped: the database
    // uses the key in secrets.key.new. serve still reads every value, and running the command
    // again finishes the job.
    let pending = [5u8; 32];
    std::fs::write(dir.join("secrets.key.new"), BASE64.encode(pending)).unwrap();
    let pending_key = SecretsKey::from_bytes(&pending).unwrap();
    secret_rotation::rotate_key(
        &mut app.conn(),
        &settings.secrets_keyring().unwrap(),
        &pending_key,
        &Actor::System("key rotation".into()),
    )
    .unwrap();
    let mid_crash = Settings::from_env(lookup, None, no_secrets_key_generated).unwrap();
    assert_eq!(mid_crash.secrets_key, new_key);
    assert_eq!(
        stored(&app, id)[0]
            .open(&mid_crash.secrets_keyring().unwrap())
            .unwrap(),
        bearer("jira-Hh88")
    );
    let mut out = Vec::new();
    let report = rapport::cli::secrets::rotate_key(&lookup, None, &mut out).unwrap();
    let printed = String::from_utf8(out).unwrap();
    assert!(
        printed.contains("Resuming an interrupted rotation"),
        "{printed}"
    );
    assert_eq!(report.already_current, 1);
    assert_eq!(report.re_encrypted, 0);
    assert_eq!(key_file(&dir, "secrets.key").unwrap(), pending);
    assert_eq!(key_file(&dir, "secrets.key.old").unwrap(), new_key);
    assert!(!dir.join("secrets.key.new").exists());

    // No current key: refused, nothing generated.
    let empty = temp_dir("cli-empty");
    let no_key: HashMap<&str, String> = [
        ("DATABASE_URL", app.db.url.clone()),
        ("RAPPORT_DATA_DIR", empty.display().to_string()),
    ]
    .into_iter()
    .collect();
    let error =
        rapport::cli::secrets::rotate_key(&|n: &str| no_key.get(n).cloned(), None, &mut Vec::new())
            .unwrap_err();
    assert!(error.contains("there is no current key"), "{error}");
    assert!(!empty.join("secrets.key").exists());
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&empty);
}

#[actix_web::test]
async fn an_admin_reveals_a_value_with_their_password() {
    let (app, _editor, id) = setup().await;
    let row = add(
        &app,
        id,
        "Billing portal",
        SecretValue::Basic {
            username: "ada-billing".into(),
            password: PORTAL_PASSWORD.into(),
        },
        None,
    );
    let admin = admin(&app, "boss@example.com").await;
    let list = admin.get(&tab(id)).await;
    list.assert_contains(&format!(
        "href=\"/contacts/{id}/secrets/{}/reveal\"",
        row.id
    ));
    list.assert_lacks(PORTAL_PASSWORD);
    list.assert_lacks("ada-billing");

    let form = admin
        .get_htmx(
            &format!("/contacts/{id}/secrets/{}/reveal", row.id),
            "profile-tabs",
        )
        .await;
    assert_eq!(form.status, 200);
    form.assert_contains("autocomplete=\"current-password\"");
    form.assert_lacks(PORTAL_PASSWORD);

    let shown = admin
        .post_htmx(
            &format!("/contacts/{id}/secrets/{}/reveal", row.id),
            &[("password", PASSWORD)],
            "profile-tabs",
        )
        .await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    shown.assert_contains(&format!(
        "<code class=\"secret-value\">{PORTAL_PASSWORD}</code>"
    ));
    shown.assert_contains("<code class=\"secret-value\">ada-billing</code>");
    shown.assert_contains("data-hide-after=\"30\"");
    assert_no_store(&shown);
    shown.assert_lacks("<html");

    // Without JavaScript: a whole page that reloads itself without the value.
    let page = admin
        .post_form(
            &format!("/contacts/{id}/secrets/{}/reveal", row.id),
            &[("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 200);
    page.assert_contains("<html");
    page.assert_contains(PORTAL_PASSWORD);
    assert_no_store(&page);
    assert_eq!(
        page.header("refresh"),
        Some(format!("30;url=/contacts/{id}/secrets").as_str())
    );

    // The list never holds it afterwards either.
    admin.get(&tab(id)).await.assert_lacks(PORTAL_PASSWORD);

    let revealed = events(&app, "revealed");
    assert_eq!(revealed.len(), 2);
    assert_eq!(revealed[0].changes["secret"]["after"], "Billing portal");
    assert!(revealed[0].actor_name.starts_with("admin"));
    assert_eq!(audit_containing(&app, PORTAL_PASSWORD), 0);
    assert_eq!(audit_containing(&app, "ada-billing"), 0);
    let history = admin.get(&format!("/contacts/{id}/history")).await;
    history.assert_contains("revealed a secret");
    history.assert_lacks(PORTAL_PASSWORD);
}

#[actix_web::test]
async fn a_wrong_password_reveals_nothing_and_is_throttled() {
    let (app, _editor, id) = setup().await;
    let row = add(&app, id, "Jira API token", bearer(TOKEN), None);
    let admin = admin(&app, "boss@example.com").await;
    let url = format!("/contacts/{id}/secrets/{}/reveal", row.id);
    for attempt in 0..5 {
        let response = admin
            .post_htmx(&url, &[("password", "not my password")], "profile-tabs")
            .await;
        assert_eq!(response.status, 401, "attempt {attempt}");
        response.assert_contains("That password is not correct.");
        response.assert_contains("aria-describedby=\"reveal-password-error\"");
        response.assert_lacks(TOKEN);
    }
    // Locked now, even with the right password.
    let locked = admin
        .post_htmx(&url, &[("password", PASSWORD)], "profile-tabs")
        .await;
    assert_eq!(locked.status, 429);
    locked.assert_contains("Too many wrong passwords.");
    locked.assert_lacks(TOKEN);
    assert!(events(&app, "revealed").is_empty());
    // And it counts as failed sign-ins for that email.
    let elsewhere = app.client();
    let sign_in = elsewhere.sign_in("boss@example.com", PASSWORD).await;
    assert_eq!(sign_in.status, 429);
}

#[actix_web::test]
async fn editors_and_viewers_cannot_reveal() {
    let (app, editor, id) = setup().await;
    let row = add(&app, id, "Jira API token", bearer(TOKEN), None);
    let viewer = signed_in(&app, Role::Viewer).await;
    let url = format!("/contacts/{id}/secrets/{}/reveal", row.id);
    for client in [&editor, &viewer] {
        let list = client.get(&tab(id)).await;
        assert_eq!(list.status, 200);
        list.assert_contains("Jira API token");
        list.assert_lacks("/reveal");
        list.assert_lacks(">Reveal<");
        assert_eq!(client.get(&url).await.status, 403);
        let forced = client.post_form(&url, &[("password", PASSWORD)]).await;
        assert_eq!(forced.status, 403);
        forced.assert_lacks(TOKEN);
        let forced = client
            .post_htmx(&url, &[("password", PASSWORD)], "profile-tabs")
            .await;
        assert_eq!(forced.status, 403);
        forced.assert_lacks(TOKEN);
    }
    assert!(events(&app, "revealed").is_empty());
}

#[actix_web::test]
async fn viewers_see_no_controls_and_cannot_write() {
    let (app, _editor, id) = setup().await;
    let row = add(&app, id, "Jira API token", bearer(TOKEN), None);
    let viewer = signed_in(&app, Role::Viewer).await;
    let list = viewer.get(&tab(id)).await;
    list.assert_contains("Jira API token");
    for control in [
        "Add secret",
        ">Edit<",
        "Replace value",
        ">Delete<",
        "/edit\"",
        "/delete\"",
    ] {
        list.assert_lacks(control);
    }
    let base = format!("/contacts/{id}/secrets/{}", row.id);
    for path in [
        format!("/contacts/{id}/secrets/new"),
        format!("{base}/edit"),
        format!("{base}/replace"),
        format!("{base}/delete"),
    ] {
        assert_eq!(viewer.get(&path).await.status, 403, "GET {path}");
    }
    let fields: &[(&str, &str)] = &[
        ("name", "Hijacked"),
        ("kind", "bearer"),
        ("version", "1"),
        ("value_token", "hijacked-token"),
    ];
    for path in [
        tab(id),
        base.clone(),
        format!("{base}/replace"),
        format!("{base}/delete"),
    ] {
        assert_eq!(
            viewer.post_form(&path, fields).await.status,
            403,
            "POST {path}"
        );
    }
    let rows = stored(&app, id);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "Jira API token");
    assert_eq!(rows[0].version, 1);
    assert_eq!(rows[0].open(&keyring(&app)).unwrap(), bearer(TOKEN));
}

#[actix_web::test]
async fn another_contacts_secret_is_not_found() {
    let (app, editor, id) = setup().await;
    let grace = ContactBuilder::new("Grace Hopper").create(&mut app.conn());
    let hers = add(&app, grace.id, "Hers", bearer("hers-Ii99"), None);
    let base = format!("/contacts/{id}/secrets/{}", hers.id);
    assert_eq!(editor.get(&format!("{base}/edit")).await.status, 404);
    assert_eq!(editor.get(&format!("{base}/delete")).await.status, 404);
    assert_eq!(
        editor
            .post_form(&format!("{base}/delete"), &[])
            .await
            .status,
        404
    );
    assert_eq!(
        editor
            .get(&format!("/contacts/{id}/secrets/abc/edit"))
            .await
            .status,
        404
    );
    assert_eq!(stored(&app, grace.id).len(), 1);
}

#[actix_web::test]
async fn long_lists_are_paginated_by_name() {
    let (app, editor, id) = setup().await;
    for n in 0..30 {
        add(
            &app,
            id,
            &format!("Token {n:02}"),
            bearer(&format!("tok-{n}")),
            None,
        );
    }
    let first = editor.get(&tab(id)).await;
    first.assert_contains("Secrets <span class=\"count\">30</span>");
    first.assert_contains("Token 00");
    first.assert_contains("Token 24");
    first.assert_lacks("Token 25");
    first.assert_lacks("First page");
    let more = format!("/contacts/{id}/secrets?after=Token%2024");
    first.assert_contains(&format!("href=\"{more}\""));

    let second = editor.get_htmx(&more, "profile-tabs").await;
    assert_eq!(second.status, 200);
    second.assert_contains("Token 25");
    second.assert_contains("Token 29");
    second.assert_lacks("Token 24");
    second.assert_lacks("More secrets");
    second.assert_contains("First page");
}

#[actix_web::test]
async fn secrets_are_purged_with_their_contact() {
    let (app, editor, id) = setup().await;
    let grace = ContactBuilder::new("Grace Hopper").create(&mut app.conn());
    add(&app, id, "Jira", bearer(TOKEN), None);
    add(&app, id, "Portal", bearer("portal-Jj10"), None);
    add(&app, grace.id, "Hers", bearer("hers-Kk11"), None);
    let confirm = editor.get(&format!("/contacts/{id}/delete")).await;
    confirm.assert_contains("2 secrets");
    let deleted = editor
        .post_form(&format!("/contacts/{id}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 303);
    assert_eq!(stored(&app, id).len(), 2, "in Trash, kept for a restore");
    let purged = editor
        .post_form(&format!("/contacts/{id}/purge"), &[])
        .await;
    assert_eq!(purged.status, 303);
    assert!(stored(&app, id).is_empty());
    assert_eq!(stored(&app, grace.id).len(), 1);
    assert_eq!(audit_containing(&app, TOKEN), 0);
}

#[actix_web::test]
async fn the_tab_queries_use_the_contact_name_index() {
    let (app, _editor, _id) = setup().await;
    let mut conn = app.conn();
    diesel::sql_query(
        "INSERT INTO contacts (name, source) SELECT 'Contact ' || g, 'import' FROM generate_series(1, 400) g",
    )
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(
        "INSERT INTO secrets (contact_id, name, kind, ciphertext, nonce, key_id) \
         SELECT c.id, 'Secret ' || g, 'plain', '\\x00', '\\x00', 'k' \
         FROM contacts c, generate_series(1, 10) g",
    )
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query("ANALYZE secrets")
        .execute(&mut conn)
        .unwrap();
    #[derive(QueryableByName)]
    struct Plan {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        line: String,
    }
    for (query, indexes) in [
        // secret::list
        (
            "EXPLAIN SELECT id, name FROM secrets WHERE contact_id = 200 AND name > 'Secret 3' ORDER BY name LIMIT 26",
            &["secrets_contact_id_name_key"][..],
        ),
        // secret::count: any index leading with contact_id will do (the API's list has one
        // on (contact_id, created_at, id)).
        (
            "EXPLAIN SELECT count(*) FROM secrets WHERE contact_id = 200",
            &["secrets_contact_id_name_key", "secrets_contact_created_idx"][..],
        ),
    ] {
        let plan: Vec<Plan> = diesel::sql_query(query).load(&mut conn).unwrap();
        let text: Vec<String> = plan.into_iter().map(|p| p.line).collect();
        let text = text.join("\n");
        assert!(
            indexes.iter().any(|index| text.contains(index)),
            "{query}:\n{text}"
        );
        assert!(!text.contains("Seq Scan"), "{query}:\n{text}");
    }
}

#[actix_web::test]
async fn the_rotate_key_command_with_keys_from_the_environment() {
    let (app, _editor, id) = setup().await;
    let dir = temp_dir("cli-env");
    let old = BASE64.encode(&app.settings.secrets_key);
    let new = BASE64.encode([11u8; 32]);
    add(&app, id, "Jira", bearer("jira-Ll12"), None);
    let run = |vars: &[(&str, &str)]| {
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.insert("DATABASE_URL".into(), app.db.url.clone());
        map.insert("RAPPORT_DATA_DIR".into(), dir.display().to_string());
        let mut out = Vec::new();
        let result =
            rapport::cli::secrets::rotate_key(&|n: &str| map.get(n).cloned(), None, &mut out);
        (result, String::from_utf8(out).unwrap())
    };

    let (refused, _) = run(&[("RAPPORT_SECRETS_KEY", &old)]);
    assert!(
        refused
            .unwrap_err()
            .contains("give the new key with --new-key-file"),
        "a key from the environment is never generated"
    );

    let (report, printed) = run(&[
        ("RAPPORT_SECRETS_KEY", &old),
        ("RAPPORT_NEW_SECRETS_KEY", &new),
    ]);
    assert_eq!(report.unwrap().re_encrypted, 1);
    assert!(
        printed.contains("Now set RAPPORT_SECRETS_KEY to the new key"),
        "{printed}"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no key files written"
    );

    // A server still running with the old key writes another secret meanwhile…
    let old_key = SecretsKey::from_bytes(&app.settings.secrets_key).unwrap();
    add(&app, id, "Portal", bearer("portal-Mm13"), Some(&old_key));
    // …which the restarted servers read through the previous key, and a second run moves.
    let (report, printed) = run(&[
        ("RAPPORT_SECRETS_KEY", &new),
        ("RAPPORT_SECRETS_PREVIOUS_KEY", &old),
        ("RAPPORT_NEW_SECRETS_KEY", &new),
    ]);
    let report = report.unwrap();
    assert!(printed.contains("re-encrypting the secrets that still use an older key"));
    assert_eq!((report.re_encrypted, report.already_current), (1, 1));
    let only_new = Keyring::new(SecretsKey::from_bytes(&[11u8; 32]).unwrap(), Vec::new());
    for row in stored(&app, id) {
        assert!(row.open(&only_new).is_ok(), "{}", row.name);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
