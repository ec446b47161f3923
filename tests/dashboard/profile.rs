//! The profile: header, inline edits of every field, concurrent edits, history, delete.

use crate::common::builders::{
    ContactBuilder, ConversationBuilder, RatingBuilder, TaskBuilder, memory,
};
use crate::common::{Response, TestApp, TestClient};
use diesel::prelude::*;
use rapport::domain::{ContactId, Role};
use rapport::models::contact;
use rapport::models::schema::audit_events;
use serde_json::json;

async fn setup() -> (TestApp, TestClient, ContactId) {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada Lovelace")
        .email("ada@example.com")
        .phone("+12125550147")
        .nick("countess")
        .preferences("Prefers concise answers")
        .meta("plan", "pro")
        .create(&mut app.conn());
    let client = app.signed_in(Role::Editor).await;
    client.get("/contacts").await;
    (app, client, ada.id)
}

/// Opens the editor like htmx does, then saves `value`.
async fn edit(
    client: &TestClient,
    id: ContactId,
    field: &str,
    fields: &[(&str, &str)],
) -> Response {
    let editor = client
        .get_htmx(
            &format!("/contacts/{id}/fields/{field}/edit"),
            &format!("field-{field}"),
        )
        .await;
    assert_eq!(editor.status, 200, "{}", editor.body);
    let version = editor.hidden("version");
    let seen = editor.hidden("seen");
    let mut all = vec![("version", version.as_str()), ("seen", seen.as_str())];
    all.extend_from_slice(fields);
    client
        .post_htmx(
            &format!("/contacts/{id}/fields/{field}"),
            &all,
            &format!("field-{field}"),
        )
        .await
}

#[actix_web::test]
async fn the_profile_header_and_tabs() {
    let (_app, client, id) = setup().await;
    let page = client.get(&format!("/contacts/{id}")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("<h1>Ada Lovelace");
    page.assert_contains(">AL</span>");
    page.assert_contains("avatar-large avatar-c");
    page.assert_contains("@countess");
    page.assert_contains("badge-verified");
    page.assert_contains("href=\"mailto:ada@example.com\"");
    page.assert_contains("href=\"tel:+12125550147\"");
    page.assert_contains("+1 212-555-0147");
    page.assert_contains(&format!("href=\"/contacts/{id}/history\""));
    page.assert_contains("aria-current=\"page\" class=\"tab active\"");

    let tabs = client
        .get_htmx(&format!("/contacts/{id}/history"), "profile-tabs")
        .await;
    tabs.assert_lacks("<html");
    tabs.assert_lacks("profile-header");
    tabs.assert_contains("created the contact");
    let full = client.get(&format!("/contacts/{id}/history")).await;
    full.assert_contains("<html");
    full.assert_contains("profile-header");
}

#[actix_web::test]
async fn the_tab_counts_are_the_contacts_own() {
    let (app, client, ada) = setup().await;
    let grace = ContactBuilder::new("Grace Hopper").create(&mut app.conn());
    for _ in 0..2 {
        ConversationBuilder::new(ada)
            .messages(1)
            .create(&mut app.conn());
    }
    ConversationBuilder::new(grace.id)
        .messages(1)
        .create(&mut app.conn());
    TaskBuilder::new(ada, "Weekly summary").create(&mut app.conn());
    for text in ["Has two cats", "Prefers mornings", "Lives in London"] {
        memory(&mut app.conn(), ada, text);
    }
    memory(&mut app.conn(), grace.id, "Writes compilers");
    RatingBuilder::up(grace.id).create(&mut app.conn());
    let history = rapport::models::audit::count_for_contact(&mut app.conn(), ada).unwrap();
    assert!(history > 0);

    let page = client.get(&format!("/contacts/{ada}")).await;
    assert_eq!(page.status, 200);
    for (label, count) in [
        ("Conversations", 2),
        ("Tasks", 1),
        ("Memories", 3),
        ("Spaces", 0),
        ("Ratings", 0),
        ("Secrets", 0),
        ("History", history),
    ] {
        page.assert_contains(&format!("{label} <span class=\"count\">{count}</span>"));
    }
    let other = client.get(&format!("/contacts/{}", grace.id)).await;
    other.assert_contains("Conversations <span class=\"count\">1</span>");
    other.assert_contains("Tasks <span class=\"count\">0</span>");
    other.assert_contains("Memories <span class=\"count\">1</span>");
    other.assert_contains("Ratings <span class=\"count\">1</span>");
}

#[actix_web::test]
async fn unknown_contacts_are_404_pages() {
    let (_app, client, _) = setup().await;
    for path in [
        "/contacts/999999",
        "/contacts/abc",
        "/contacts/-1/history",
        "/contacts/1/fields/password/edit",
    ] {
        let page = client.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        page.assert_contains("Page not found");
        page.assert_contains("Back to contacts");
    }
}

#[actix_web::test]
async fn every_field_can_be_edited_in_place() {
    let (app, client, id) = setup().await;
    let cases: &[(&str, &str, &str)] = &[
        ("name", "Augusta Ada King", "Augusta Ada King"),
        ("description", "Mathematician", "Mathematician"),
        ("email", "countess@example.org", "countess@example.org"),
        ("phone", "+44 20 7946 0958", "+44 20 7946 0958"),
        ("nick", "augusta", "augusta"),
        ("preferences", "Line one\nLine two", "Line one\nLine two"),
    ];
    for (field, value, shown) in cases {
        let saved = edit(&client, id, field, &[("value", value)]).await;
        assert_eq!(saved.status, 200, "{field}: {}", saved.body);
        saved.assert_contains(&format!("id=\"field-{field}\""));
        saved.assert_contains(shown);
        saved.assert_lacks("<form");
        // The header is refreshed out of band.
        saved.assert_contains("hx-swap-oob=\"true\"");
    }
    let stored = contact::find(&mut app.conn(), id).unwrap();
    assert_eq!(stored.name.as_deref(), Some("Augusta Ada King"));
    assert_eq!(stored.email.as_deref(), Some("countess@example.org"));
    assert_eq!(stored.phone.as_deref(), Some("+442079460958"));
    assert_eq!(stored.preferences.as_deref(), Some("Line one\nLine two"));

    let meta = edit(
        &client,
        id,
        "meta",
        &[
            ("meta_key", "plan"),
            ("meta_value", "enterprise"),
            ("meta_key", "seats"),
            ("meta_value", "40"),
        ],
    )
    .await;
    assert_eq!(meta.status, 200, "{}", meta.body);
    meta.assert_contains("enterprise");
    assert_eq!(
        contact::find(&mut app.conn(), id).unwrap().meta,
        json!({"plan": "enterprise", "seats": "40"})
    );

    // Clearing a field.
    let cleared = edit(&client, id, "nick", &[("value", "  ")]).await;
    cleared.assert_contains("Not set");
    assert_eq!(contact::find(&mut app.conn(), id).unwrap().nick, None);

    let history = client.get(&format!("/contacts/{id}/history")).await;
    history.assert_contains("changed");
    history.assert_contains("<th scope=\"row\">phone</th><td class=\"before\">+1 212-555-0147</td><td class=\"after\">+44 20 7946 0958</td>");
    history.assert_contains("plan = enterprise; seats = 40");
}

#[actix_web::test]
async fn an_invalid_edit_keeps_the_input_and_changes_nothing() {
    let (app, client, id) = setup().await;
    let response = edit(&client, id, "phone", &[("value", "12")]).await;
    assert_eq!(response.status, 422);
    response.assert_contains("value=\"12\"");
    response.assert_contains("id=\"field-phone-error\"");
    let email = edit(&client, id, "email", &[("value", "bad@")]).await;
    assert_eq!(email.status, 422);
    let meta = edit(
        &client,
        id,
        "meta",
        &[("meta_key", "bad key"), ("meta_value", "v")],
    )
    .await;
    assert_eq!(meta.status, 422);
    meta.assert_contains("value=\"bad key\"");
    let stored = contact::find(&mut app.conn(), id).unwrap();
    assert_eq!(stored.phone.as_deref(), Some("+12125550147"));
    assert_eq!(stored.meta, json!({"plan": "pro"}));
    assert_eq!(stored.version, 1);
}

#[actix_web::test]
async fn a_duplicate_email_in_an_edit_links_the_other_contact() {
    let (app, client, id) = setup().await;
    let other = ContactBuilder::new("Grace")
        .email("grace@example.com")
        .create(&mut app.conn());
    let response = edit(&client, id, "email", &[("value", "GRACE@example.com")]).await;
    assert_eq!(response.status, 422);
    response.assert_contains(&format!("href=\"/contacts/{}\"", other.id));
    response.assert_contains("value=\"GRACE@example.com\"");
}

#[actix_web::test]
async fn someone_elses_edit_of_the_same_field_is_never_overwritten_silently() {
    let (app, client, id) = setup().await;
    let colleague = app.signed_in(Role::Editor).await;
    colleague.get("/contacts").await;

    // Both open the phone editor.
    let mine = client
        .get_htmx(&format!("/contacts/{id}/fields/phone/edit"), "field-phone")
        .await;
    let (version, seen) = (mine.hidden("version"), mine.hidden("seen"));
    // The colleague saves first.
    let theirs = edit(&colleague, id, "phone", &[("value", "+44 20 7946 0000")]).await;
    assert_eq!(theirs.status, 200);

    let conflict = client
        .post_htmx(
            &format!("/contacts/{id}/fields/phone"),
            &[
                ("version", &version),
                ("seen", &seen),
                ("value", "+1 212 555 0199"),
            ],
            "field-phone",
        )
        .await;
    assert_eq!(conflict.status, 409);
    conflict.assert_contains("Changed by someone else");
    conflict.assert_contains("+44 20 7946 0000");
    conflict.assert_contains("value=\"+1 212 555 0199\"");
    assert_eq!(
        contact::find(&mut app.conn(), id).unwrap().phone.as_deref(),
        Some("+442079460000")
    );

    // Saving again from the conflict form knowingly replaces their value.
    let again = client
        .post_htmx(
            &format!("/contacts/{id}/fields/phone"),
            &[
                ("version", &conflict.hidden("version")),
                ("seen", &conflict.hidden("seen")),
                ("value", "+1 212 555 0199"),
            ],
            "field-phone",
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(
        contact::find(&mut app.conn(), id).unwrap().phone.as_deref(),
        Some("+12125550199")
    );
}

#[actix_web::test]
async fn edits_of_different_fields_do_not_conflict() {
    let (app, client, id) = setup().await;
    let mine = client
        .get_htmx(&format!("/contacts/{id}/fields/nick/edit"), "field-nick")
        .await;
    let (version, seen) = (mine.hidden("version"), mine.hidden("seen"));
    let name = edit(&client, id, "name", &[("value", "Ada King")]).await;
    assert_eq!(name.status, 200);
    let nick = client
        .post_htmx(
            &format!("/contacts/{id}/fields/nick"),
            &[("version", &version), ("seen", &seen), ("value", "ak")],
            "field-nick",
        )
        .await;
    assert_eq!(nick.status, 200, "{}", nick.body);
    let stored = contact::find(&mut app.conn(), id).unwrap();
    assert_eq!(
        (stored.name.as_deref(), stored.nick.as_deref()),
        (Some("Ada King"), Some("ak"))
    );
}

#[actix_web::test]
async fn inline_edit_works_without_javascript() {
    let (app, client, id) = setup().await;
    let page = client
        .get(&format!("/contacts/{id}/fields/nick/edit"))
        .await;
    assert_eq!(page.status, 200);
    page.assert_contains("<html");
    page.assert_contains("class=\"inline-editor\"");
    let version = page.hidden("version");
    let seen = page.hidden("seen");
    let saved = client
        .post_form(
            &format!("/contacts/{id}/fields/nick"),
            &[
                ("version", &version),
                ("seen", &seen),
                ("value", "lovelace"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    assert_eq!(saved.location(), Some(format!("/contacts/{id}").as_str()));
    client
        .get(&format!("/contacts/{id}"))
        .await
        .assert_contains("Nick saved");
    assert_eq!(
        contact::find(&mut app.conn(), id).unwrap().nick.as_deref(),
        Some("lovelace")
    );

    let invalid = client
        .post_form(
            &format!("/contacts/{id}/fields/email"),
            &[
                ("version", "2"),
                ("seen", "ada@example.com"),
                ("value", "nope"),
            ],
        )
        .await;
    assert_eq!(invalid.status, 422);
    invalid.assert_contains("<html");
    invalid.assert_contains("value=\"nope\"");
}

#[actix_web::test]
async fn deleting_a_contact_after_confirmation_moves_it_to_trash() {
    let (app, client, id) = setup().await;
    let confirm = client.get(&format!("/contacts/{id}/delete")).await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("Delete Ada Lovelace?");
    confirm.assert_contains("moves to Trash");
    confirm.assert_contains("Deleted for good after 30 days");
    confirm.assert_contains("1 custom field");
    confirm.assert_contains("Will stay");

    let deleted = client
        .post_form(&format!("/contacts/{id}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 303);
    assert_eq!(deleted.location(), Some("/contacts"));
    let list = client.get("/contacts").await;
    list.assert_contains("Moved Ada Lovelace to Trash");
    list.assert_lacks("<span class=\"name\">Ada Lovelace");

    let mut conn = app.conn();
    assert!(matches!(
        contact::find(&mut conn, id),
        Err(diesel::result::Error::NotFound)
    ));
    let events: Vec<String> = audit_events::table
        .filter(audit_events::entity_id.eq(id))
        .select(audit_events::action)
        .order(audit_events::id)
        .load(&mut conn)
        .unwrap();
    assert_eq!(events, ["create", "trash"]);
    assert_eq!(client.get(&format!("/contacts/{id}")).await.status, 404);
    assert_eq!(
        client
            .post_form(&format!("/contacts/{id}/delete"), &[])
            .await
            .status,
        404
    );
}
