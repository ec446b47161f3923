//! Create Contact: every field, meta rows, validation, duplicates, htmx and plain forms.

use crate::common::TestApp;
use crate::common::builders::ContactBuilder;
use diesel::prelude::*;
use rapport::domain::Role;
use rapport::models::contact;
use rapport::models::schema::audit_events;
use serde_json::json;

const FULL_FORM: &[(&str, &str)] = &[
    ("name", "  Ada Lovelace "),
    ("description", "Analyst at the Engine company"),
    ("email", "Ada@Example.com"),
    ("phone", "(212) 555-0147"),
    ("nick", "ada"),
    (
        "preferences",
        "Prefers concise technical answers.\nNo small talk.",
    ),
    ("meta_key", "plan"),
    ("meta_value", "pro"),
    ("meta_key", "crm.id"),
    ("meta_value", "A-17"),
];

#[actix_web::test]
async fn the_form_has_every_field_and_advanced_options_collapsed() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    let list = client.get("/contacts").await;
    list.assert_contains("href=\"/contacts/new\"");
    let form = client.get("/contacts/new").await;
    assert_eq!(form.status, 200);
    for label in [
        "Name",
        "Description",
        "Email",
        "Phone",
        "Nick",
        "Preferences",
    ] {
        let id = label.to_lowercase();
        form.assert_contains(&format!("<label for=\"{id}\">{label}</label>"));
    }
    form.assert_contains("<textarea id=\"preferences\"");
    form.assert_contains("<details class=\"advanced\">");
    form.assert_contains("<summary>Advanced options</summary>");
    form.assert_contains("<legend>Meta</legend>");
    form.assert_contains(">Add field</button>");
    form.assert_contains(">Create</button>");
}

#[actix_web::test]
async fn creating_a_contact_with_every_field_and_meta() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    client.get("/contacts/new").await;
    let response = client.post_form("/contacts/new", FULL_FORM).await;
    assert_eq!(response.status, 303, "{}", response.body);

    let mut conn = app.conn();
    let created = contact::find_by_email(&mut conn, "ada@example.com")
        .unwrap()
        .unwrap();
    assert_eq!(
        response.location(),
        Some(format!("/contacts/{}", created.id).as_str())
    );
    assert_eq!(created.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(
        created.email.as_deref(),
        Some("Ada@Example.com"),
        "stored as typed"
    );
    assert_eq!(created.phone.as_deref(), Some("+12125550147"));
    assert_eq!(created.nick.as_deref(), Some("ada"));
    assert_eq!(
        created.preferences.as_deref(),
        Some("Prefers concise technical answers.\nNo small talk.")
    );
    assert_eq!(created.meta, json!({"plan": "pro", "crm.id": "A-17"}));
    assert_eq!(created.source, "manual");
    assert!(
        created.verified_at.is_some(),
        "manual contacts are verified"
    );

    let audit: i64 = audit_events::table
        .filter(audit_events::entity_id.eq(created.id))
        .filter(audit_events::action.eq("create"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(audit, 1);

    let profile = client.get(response.location().unwrap()).await;
    profile.assert_contains("Contact created");
    profile.assert_contains("Ada Lovelace");
    profile.assert_contains("+1 212-555-0147");
}

#[actix_web::test]
async fn every_invalid_field_is_reported_at_once_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    client.get("/contacts/new").await;
    let long_name = "N".repeat(201);
    let long_description = "d".repeat(2_001);
    let long_nick = "n".repeat(101);
    let long_preferences = "p".repeat(10_001);
    let response = client
        .post_form(
            "/contacts/new",
            &[
                ("name", &long_name),
                ("description", &long_description),
                ("email", "ada@"),
                ("phone", "555"),
                ("nick", &long_nick),
                ("preferences", &long_preferences),
                ("meta_key", "_private"),
                ("meta_value", "kept value"),
                ("meta_key", "ok"),
                ("meta_value", "1"),
                ("meta_key", "ok"),
                ("meta_value", "2"),
            ],
        )
        .await;
    assert_eq!(response.status, 422);
    for field in [
        "name",
        "description",
        "email",
        "phone",
        "nick",
        "preferences",
    ] {
        response.assert_contains(&format!("id=\"{field}-error\""));
        response.assert_contains(&format!("aria-describedby=\"{field}-error\""));
    }
    response.assert_contains("Please correct the 8 highlighted fields");
    response.assert_contains("A key cannot start with _.");
    response.assert_contains("is used twice");
    response.assert_contains("nothing comes after the @");
    // What was typed stays, meta rows included, and the advanced section is open.
    response.assert_contains(&format!("value=\"{long_name}\""));
    response.assert_contains("value=\"_private\"");
    response.assert_contains("value=\"kept value\"");
    response.assert_contains("<details class=\"advanced\" open>");
    assert_eq!(contact::count(&mut app.conn()).unwrap(), 0);
}

#[actix_web::test]
async fn each_field_rule_on_its_own() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    client.get("/contacts/new").await;
    let cases: &[(&str, &str, &str)] = &[
        ("email", "not-an-email", "This is not a valid email address"),
        ("email", "jane@example", "needs a dot"),
        ("phone", "+1 212 555 01", "not a valid phone number"),
        ("phone", "call me", "does not look like a phone number"),
        ("name", "two\nlines", "single line"),
    ];
    for (field, value, message) in cases {
        let response = client
            .post_form("/contacts/new", &[("nick", "x"), (field, value)])
            .await;
        assert_eq!(response.status, 422, "{field}={value:?}");
        response.assert_contains(message);
    }
    let empty = client
        .post_form("/contacts/new", &[("description", "only a description")])
        .await;
    assert_eq!(empty.status, 422);
    empty.assert_contains("Give the contact at least a name, email, phone or nick.");
    empty.assert_contains("only a description");
    assert_eq!(contact::count(&mut app.conn()).unwrap(), 0);
}

#[actix_web::test]
async fn a_duplicate_email_is_refused_with_a_link_to_the_contact_that_has_it() {
    let app = TestApp::spawn().await;
    let existing = ContactBuilder::new("Ada")
        .email("ada@example.com")
        .create(&mut app.conn());
    let client = app.signed_in(Role::Editor).await;
    client.get("/contacts/new").await;
    let response = client
        .post_form(
            "/contacts/new",
            &[("name", "Another Ada"), ("email", "ADA@example.COM")],
        )
        .await;
    assert_eq!(response.status, 422);
    response.assert_contains("Another contact already has this email");
    response.assert_contains(&format!("href=\"/contacts/{}\"", existing.id));
    response.assert_contains("value=\"Another Ada\"");
    assert_eq!(contact::count(&mut app.conn()).unwrap(), 1);
}

#[actix_web::test]
async fn meta_rows_are_added_and_removed_without_saving() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    client.get("/contacts/new").await;
    let added = client
        .post_form(
            "/contacts/new",
            &[
                ("name", "Ada"),
                ("meta_key", "plan"),
                ("meta_value", "pro"),
                ("meta_op", "add"),
            ],
        )
        .await;
    assert_eq!(added.status, 200);
    added.assert_contains("id=\"meta-key-1\"");
    added.assert_contains("value=\"Ada\"");
    let removed = client
        .post_form(
            "/contacts/new",
            &[
                ("name", "Ada"),
                ("meta_key", "plan"),
                ("meta_value", "pro"),
                ("meta_key", "team"),
                ("meta_value", "x"),
                ("meta_op", "remove:0"),
            ],
        )
        .await;
    assert_eq!(removed.status, 200);
    removed.assert_lacks("value=\"plan\"");
    removed.assert_contains("value=\"team\"");
    assert_eq!(contact::count(&mut app.conn()).unwrap(), 0);
}

#[actix_web::test]
async fn htmx_submissions_get_the_form_fragment_or_a_client_redirect() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    client.get("/contacts/new").await;
    let invalid = client
        .post_htmx("/contacts/new", &[("email", "nope")], "contact-form")
        .await;
    assert_eq!(invalid.status, 422);
    invalid.assert_lacks("<html");
    invalid.assert_contains("<form id=\"contact-form\"");
    invalid.assert_contains("id=\"email-error\"");

    let created = client
        .post_htmx("/contacts/new", &[("name", "Grace Hopper")], "contact-form")
        .await;
    assert_eq!(created.status, 200);
    let location = created.header("hx-redirect").unwrap();
    assert!(location.starts_with("/contacts/"), "{location}");
}

#[actix_web::test]
async fn markup_in_every_field_comes_back_escaped() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    client.get("/contacts/new").await;
    let payload = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>";
    let email_payload = "\"<b>\"@example.com";
    // Invalid submission (bad phone) echoes everything back.
    let echoed = client
        .post_form(
            "/contacts/new",
            &[
                ("name", payload),
                ("description", payload),
                ("email", email_payload),
                ("phone", payload),
                ("nick", payload),
                ("preferences", payload),
                ("meta_key", payload),
                ("meta_value", payload),
            ],
        )
        .await;
    assert_eq!(echoed.status, 422);
    echoed.assert_lacks("<script>alert(1)");
    echoed.assert_lacks("<img src=x");
    echoed.assert_lacks("<b>");

    // A valid contact full of markup is shown escaped on the list and the profile.
    let created = client
        .post_form(
            "/contacts/new",
            &[
                ("name", payload),
                ("description", payload),
                ("nick", payload),
                ("preferences", payload),
                ("meta_key", "note"),
                ("meta_value", payload),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let profile = client.get(created.location().unwrap()).await;
    profile.assert_lacks("<script>alert(1)");
    profile.assert_lacks("<img src=x");
    profile.assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;");
    let list = client.get("/contacts").await;
    list.assert_lacks("<script>alert(1)");
    let history = client
        .get(&format!("{}/history", created.location().unwrap()))
        .await;
    history.assert_lacks("<script>alert(1)");
}
