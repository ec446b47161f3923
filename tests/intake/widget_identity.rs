//! A widget's signed user ids are its own (issue 10): user "42" of one widget is never the
//! contact of user "42" of another. Fingerprints are `widget:<integration id>:<user id>`,
//! and the migration `2026-12-04-000130_widget_identity_scope` rewrites contacts verified
//! before, in the bare form.

use crate::common::TestApp;
use crate::common::builders::{ContactBuilder, ConversationBuilder};
use crate::widget_support::{Widget, session, widget};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use rapport::db::MIGRATIONS;
use rapport::domain::ContactId;
use rapport::domain::contact_match::ContactMatch;
use rapport::models::contact_match;
use rapport::models::schema::{contacts, conversation_contact_matches, conversations};
use serde_json::json;

/// The migration under test, as diesel names its version.
const SCOPE_MIGRATION: &str = "20261204000130";

fn fingerprint_of(app: &TestApp, id: i64) -> String {
    contacts::table
        .find(id)
        .select(contacts::fingerprint)
        .first(&mut app.conn())
        .unwrap()
}

/// (contact id, how) of a conversation.
fn matched(app: &TestApp, conversation_id: i64) -> (Option<i64>, Option<String>) {
    let contact: Option<i64> = conversations::table
        .find(conversation_id)
        .select(conversations::contact_id)
        .first(&mut app.conn())
        .unwrap();
    let how: Option<String> = conversation_contact_matches::table
        .find(conversation_id)
        .select(conversation_contact_matches::how)
        .first(&mut app.conn())
        .optional()
        .unwrap();
    (contact, how)
}

async fn signed_in_as(app: &TestApp, widget: &Widget, user_id: &str, email: Option<&str>) -> i64 {
    let mut body = json!({"userId": user_id, "userHash": widget.sign(user_id)});
    if let Some(email) = email {
        body["contact"] = json!({ "email": email });
    }
    session(&app.client(), widget, body).await.2
}

#[actix_web::test]
async fn a_user_id_belongs_to_its_widget() {
    let app = TestApp::spawn().await;
    let a = widget(&app, |_| {});
    let b = widget(&app, |_| {});

    let first = signed_in_as(&app, &a, "42", Some("lin@example.com")).await;
    let (lin, how) = matched(&app, first);
    let lin = lin.unwrap();
    assert_eq!(how.as_deref(), Some("created"));
    assert_eq!(fingerprint_of(&app, lin), format!("widget:{}:42", a.id));

    // User "42" of another site: a contact of its own, never Lin.
    let other = signed_in_as(&app, &b, "42", None).await;
    let (stranger, how) = matched(&app, other);
    let stranger = stranger.unwrap();
    assert_ne!(stranger, lin);
    assert_eq!(how.as_deref(), Some("created"));
    assert_eq!(
        fingerprint_of(&app, stranger),
        format!("widget:{}:42", b.id)
    );
    let verified: bool = contacts::table
        .find(stranger)
        .select(contacts::verified_at.is_not_null())
        .first(&mut app.conn())
        .unwrap();
    assert!(verified);

    // The same widget finds its own user again.
    let again = signed_in_as(&app, &a, "42", None).await;
    assert_eq!(matched(&app, again), (Some(lin), Some("verified".into())));
    let again_b = signed_in_as(&app, &b, "42", None).await;
    assert_eq!(
        matched(&app, again_b),
        (Some(stranger), Some("verified".into()))
    );

    // B's user "43", typing Lin's address, has only claimed her: not verified.
    let claim = signed_in_as(&app, &b, "43", Some("LIN@example.com")).await;
    assert_eq!(matched(&app, claim), (Some(lin), Some("claimed".into())));
    assert_eq!(fingerprint_of(&app, lin), format!("widget:{}:42", a.id));
    let count: i64 = contacts::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(count, 2);
    app.stop().await;
}

#[actix_web::test]
async fn the_longest_user_id_still_fits() {
    let app = TestApp::spawn().await;
    let a = widget(&app, |_| {});
    let long = "u".repeat(200);
    let first = signed_in_as(&app, &a, &long, None).await;
    let (contact, _) = matched(&app, first);
    assert_eq!(
        fingerprint_of(&app, contact.unwrap()),
        format!("widget:{}:{long}", a.id)
    );
    app.stop().await;
}

/// Reverts migrations until `SCOPE_MIGRATION` is no longer applied.
fn revert_scope_migration(conn: &mut PgConnection) {
    loop {
        let applied = conn.applied_migrations().unwrap();
        assert!(
            applied.iter().any(|v| v.to_string() == SCOPE_MIGRATION),
            "the migration {SCOPE_MIGRATION} is not applied"
        );
        let reverted = conn.revert_last_migration(MIGRATIONS).unwrap();
        if reverted.to_string() == SCOPE_MIGRATION {
            return;
        }
    }
}

/// Puts a contact's fingerprint back in the bare form verified contacts had before.
fn set_fingerprint(app: &TestApp, id: i64, fingerprint: &str) {
    diesel::update(contacts::table.find(id))
        .set(contacts::fingerprint.eq(fingerprint))
        .execute(&mut app.conn())
        .unwrap();
}

#[actix_web::test]
async fn the_migration_scopes_contacts_verified_before() {
    let app = TestApp::spawn().await;
    let a = widget(&app, |_| {});
    let b = widget(&app, |_| {});

    // Lin: created by A's user "42", later (before the fix) matched by B's user "42" too.
    let created = signed_in_as(&app, &a, "42", None).await;
    let lin = matched(&app, created).0.unwrap();
    let (on_b, _) = ConversationBuilder::new(ContactId(lin))
        .channel("widget")
        .at(Utc::now() + Duration::minutes(5))
        .create(&mut app.conn());
    // Mo: first verified through B (long ago), then through A: B's user it is.
    let mo = ContactBuilder::new("Mo").create(&mut app.conn());
    let (mo_on_b, _) = ConversationBuilder::new(mo.id)
        .channel("widget")
        .at(Utc::now() - Duration::days(30))
        .create(&mut app.conn());
    let (mo_on_a, _) = ConversationBuilder::new(mo.id)
        .channel("widget")
        .create(&mut app.conn());
    for (conversation, integration, contact) in [
        (on_b.id, b.id, ContactId(lin)),
        (mo_on_b.id, b.id, mo.id),
        (mo_on_a.id, a.id, mo.id),
    ] {
        diesel::update(conversations::table.find(conversation))
            .set(conversations::integration_id.eq(integration))
            .execute(&mut app.conn())
            .unwrap();
        contact_match::record(
            &mut app.conn(),
            conversation,
            contact,
            ContactMatch::Verified,
        )
        .unwrap();
    }
    assert!(mo_on_a.id > mo_on_b.id);
    // A visitor who typed details only: created unverified, keeps ChatBotKit's fingerprint.
    let typed = session(
        &app.client(),
        &a,
        json!({"contact": {"email": "typed@example.com"}}),
    )
    .await
    .2;
    let typed = matched(&app, typed).0.unwrap();
    let typed_fingerprint = fingerprint_of(&app, typed);
    // A claim of a contact the API made with its own fingerprint: left alone.
    let api = ContactBuilder::new("Api")
        .email("api@example.com")
        .create(&mut app.conn());
    set_fingerprint(&app, api.id.0, "crm-user-000000000001");
    let claim = session(
        &app.client(),
        &a,
        json!({"contact": {"email": "api@example.com"}}),
    )
    .await
    .2;
    assert_eq!(matched(&app, claim).1.as_deref(), Some("claimed"));

    set_fingerprint(&app, lin, "42");
    set_fingerprint(&app, mo.id.0, "user-mo");

    let mut conn = app.conn();
    revert_scope_migration(&mut conn);
    conn.run_pending_migrations(MIGRATIONS).unwrap();
    drop(conn);

    assert_eq!(fingerprint_of(&app, lin), format!("widget:{}:42", a.id));
    assert_eq!(
        fingerprint_of(&app, mo.id.0),
        format!("widget:{}:user-mo", b.id)
    );
    assert_eq!(fingerprint_of(&app, typed), typed_fingerprint);
    assert_eq!(fingerprint_of(&app, api.id.0), "crm-user-000000000001");
    // The way back (best effort) gives the bare ids back, and up again scopes them again.
    let mut conn = app.conn();
    revert_scope_migration(&mut conn);
    drop(conn);
    assert_eq!(fingerprint_of(&app, lin), "42");
    assert_eq!(fingerprint_of(&app, mo.id.0), "user-mo");
    assert_eq!(fingerprint_of(&app, typed), typed_fingerprint);
    app.conn().run_pending_migrations(MIGRATIONS).unwrap();
    assert_eq!(fingerprint_of(&app, lin), format!("widget:{}:42", a.id));
    assert_eq!(
        fingerprint_of(&app, mo.id.0),
        format!("widget:{}:user-mo", b.id)
    );
    app.stop().await;
}
