//! Settings → Integrations over HTTP: admins only; creating email integrations and widgets
//! with their credentials shown once; errors kept in the form; editing (versioned);
//! regenerating; disabling; deleting with confirmation (conversations stay); CSRF; audit.

use crate::common::{Response, TestApp, TestDb};
use diesel::prelude::*;
use rapport::config::Settings;
use rapport::domain::Role;
use rapport::domain::integration::SecretPurpose;
use rapport::models::integration::{self, Integration};
use rapport::models::schema::{conversations, integrations};

const PAGE: &str = "/settings/integrations";

/// Askama escapes markup as numeric entities; this reads it back.
fn unescape(text: &str) -> String {
    text.replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#38;", "&")
}

/// The text of the element with this id (a shown credential, URL or snippet).
fn shown(response: &Response, id: &str) -> String {
    let marker = format!("id=\"{id}\" class=\"secret-value\">");
    let start = response
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {}", response.body))
        + marker.len();
    let end = response.body[start..].find("</code>").unwrap() + start;
    unescape(&response.body[start..end])
}

fn all(app: &TestApp) -> Vec<Integration> {
    integration::list(&mut app.conn()).unwrap()
}

fn only(app: &TestApp) -> Integration {
    let rows = all(app);
    assert_eq!(rows.len(), 1, "{rows:?}");
    rows.into_iter().next().unwrap()
}

fn email_form<'a>(name: &'a str, senders: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("collect_contacts", "on"),
        ("agent_webhook_url", ""),
        ("allowed_senders", senders),
    ]
}

#[actix_web::test]
async fn only_admins_reach_the_integrations_settings() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get(PAGE).await;
    let page = admin.get(PAGE).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_contains("<h1>Integrations</h1>");
    page.assert_contains("No integrations yet");
    page.assert_contains(&format!(
        "<a class=\"tab active\" href=\"{PAGE}\" aria-current=\"page\">Integrations</a>"
    ));
    page.assert_contains("href=\"/settings/integrations/new/email\"");
    page.assert_contains("href=\"/settings/integrations/new/widget\"");
    assert_eq!(page.header("cache-control"), Some("no-store"));
    // The API tokens page links here too.
    admin
        .get("/settings/api-tokens")
        .await
        .assert_contains(&format!(
            "<a class=\"tab\" href=\"{PAGE}\">Integrations</a>"
        ));

    admin
        .post_form("/settings/integrations/new/email", &email_form("Inbox", ""))
        .await;
    let id = only(&app).id;
    for role in [Role::Editor, Role::Viewer] {
        let client = app.signed_in(role).await;
        for path in [
            PAGE.to_string(),
            "/settings/integrations/new/email".into(),
            format!("{PAGE}/{id}"),
            format!("{PAGE}/{id}/edit"),
            format!("{PAGE}/{id}/delete"),
            format!("{PAGE}/{id}/regenerate/inbound-token"),
        ] {
            let response = client.get(&path).await;
            assert_eq!(response.status, 403, "{role:?} GET {path}");
            response.assert_lacks("Inbox");
        }
        for path in [
            "/settings/integrations/new/widget".to_string(),
            format!("{PAGE}/{id}/edit"),
            format!("{PAGE}/{id}/disable"),
            format!("{PAGE}/{id}/delete"),
            format!("{PAGE}/{id}/regenerate/inbound-token"),
        ] {
            let response = client.post_form(&path, &email_form("Sneaky", "")).await;
            assert_eq!(response.status, 403, "{role:?} POST {path}");
            response.assert_lacks("rpe_");
        }
    }
    let row = only(&app);
    assert!(row.enabled && row.name == "Inbox");
    assert_eq!(app.audit_of(integration::ENTITY, id).len(), 1);
}

#[actix_web::test]
async fn an_email_integration_shows_its_inbound_url_and_token_once() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get(PAGE).await;
    let form = admin.get("/settings/integrations/new/email").await;
    assert_eq!(form.status, 200);
    form.assert_contains("name=\"allowed_senders\"");
    form.assert_contains("name=\"use_reply_to\"");
    form.assert_contains("name=\"collect_contacts\" value=\"on\" checked");
    form.assert_lacks("name=\"allowed_origins\"");

    let created = admin
        .post_form(
            "/settings/integrations/new/email",
            &[
                ("name", " Support inbox "),
                ("collect_contacts", "on"),
                ("use_reply_to", "on"),
                ("allowed_senders", "*@Example.com\r\n\r\nada@partner.org"),
                ("agent_webhook_url", ""),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.header("cache-control"), Some("no-store"));
    created.assert_contains("you will not see it again");
    created.assert_contains("data-copy=\"issued-inbound-token\"");
    created.assert_lacks("issued-webhook-secret");
    let token = shown(&created, "issued-inbound-token");
    assert!(token.starts_with("rpe_"), "{token}");
    let row = only(&app);
    assert_eq!(row.name, "Support inbox");
    assert!(row.use_reply_to && row.collect_contacts);
    assert_eq!(
        row.allowed_senders,
        vec!["*@example.com", "ada@partner.org"]
    );
    assert!(integration::verify_inbound_token(&row, &token));
    let host = app.address.trim_start_matches("http://");
    assert_eq!(
        shown(&created, "inbound-url"),
        format!("http://{host}/api/v1/integration/email/{}/inbound", row.id)
    );
    created.assert_contains("data-copy=\"inbound-url\"");
    created.assert_lacks("id=\"smtp-address\"");

    // Shown once: the integration's page never shows it again.
    let again = admin.get(&format!("{PAGE}/{}", row.id)).await;
    assert_eq!(again.status, 200);
    again.assert_lacks(&token);
    again.assert_lacks("issued-inbound-token");
    again.assert_contains("<code>*@example.com</code>, <code>ada@partner.org</code>");
    let list = admin.get(PAGE).await;
    list.assert_contains(&format!("<a href=\"{PAGE}/{}\">Support inbox</a>", row.id));
    list.assert_lacks(&token);

    let audit = app.audit_of(integration::ENTITY, row.id);
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, "create");
    assert_eq!(audit[0].1["inbound_token"]["after"], "issued");
    assert!(!audit[0].1.to_string().contains(&token));
}

#[actix_web::test]
async fn a_widget_shows_its_snippet_demo_link_and_secrets_once() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get(PAGE).await;
    let form = admin.get("/settings/integrations/new/widget").await;
    form.assert_contains("<option value=\"optional\" selected>Optional</option>");
    form.assert_contains("name=\"allowed_origins\"");
    form.assert_lacks("name=\"allowed_senders\"");
    let created = admin
        .post_form(
            "/settings/integrations/new/widget",
            &[
                ("name", "Shop widget"),
                (
                    "allowed_origins",
                    "https://Shop.example.com/\nhttp://localhost:3000",
                ),
                ("ask_name", "required"),
                ("ask_email", "optional"),
                ("ask_phone", "off"),
                ("agent_webhook_url", "https://agent.example.com/rapport"),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let row = only(&app);
    assert!(!row.collect_contacts, "the checkbox was not sent");
    assert_eq!(
        row.allowed_origins,
        vec!["https://shop.example.com", "http://localhost:3000"]
    );
    assert_eq!(row.ask_name, "required");
    let identity = shown(&created, "issued-identity-secret");
    let webhook = shown(&created, "issued-webhook-secret");
    assert!(identity.starts_with("rpw_") && webhook.starts_with("rph_"));
    let keyring = app.settings.secrets_keyring().unwrap();
    let stored = |purpose| {
        integration::secret(&mut app.conn(), &keyring, row.id, purpose)
            .unwrap()
            .map(|s| s.to_string())
    };
    assert_eq!(stored(SecretPurpose::Identity), Some(identity.clone()));
    assert_eq!(stored(SecretPurpose::Webhook), Some(webhook.clone()));

    let host = app.address.trim_start_matches("http://");
    assert_eq!(
        shown(&created, "widget-snippet"),
        format!(
            "<script src=\"http://{host}/static/widget.js\" data-widget=\"{}\" async></script>",
            row.id
        )
    );
    created.assert_contains("data-copy=\"widget-snippet\"");
    created.assert_contains(&format!(
        "href=\"/static/widget-demo.html?widget={}\"",
        row.id
    ));
    created.assert_lacks("inbound-url");

    let page = admin.get(&format!("{PAGE}/{}", row.id)).await;
    page.assert_lacks(&identity);
    page.assert_lacks(&webhook);
    page.assert_contains("Name: Required · Email: Optional · Phone: Don&#39;t ask");
}

#[actix_web::test]
async fn public_url_and_smtp_domain_settings_shape_what_is_shown() {
    let db = TestDb::create();
    let mut settings = Settings::with_database(db.url.clone());
    settings.public_url = Some("https://rapport.example.com".into());
    settings.smtp_domain = Some("mail.example.com".into());
    let app = TestApp::spawn_with(db, settings);
    let admin = app.signed_in(Role::Admin).await;
    admin.get(PAGE).await;
    let created = admin
        .post_form("/settings/integrations/new/email", &email_form("Inbox", ""))
        .await;
    let id = only(&app).id;
    assert_eq!(
        shown(&created, "inbound-url"),
        format!("https://rapport.example.com/api/v1/integration/email/{id}/inbound")
    );
    // The SMTP address carries its secret part: the id alone is not an address.
    let token = only(&app).smtp_token().unwrap();
    assert_eq!(token.len(), 20);
    created.assert_contains(&format!(
        "<code id=\"smtp-address\">{id}+{token}@mail.example.com</code>"
    ));
    // The plain form as its own address (the token's last character may be a digit, so
    // "…{id}@" alone could match inside the tokenized address).
    created.assert_lacks(&format!(">{id}@mail.example.com"));
    created.assert_lacks(&format!(" {id}@mail.example.com"));
}

#[actix_web::test]
async fn bad_input_comes_back_with_every_error_and_value_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get(PAGE).await;
    let response = admin
        .post_form(
            "/settings/integrations/new/email",
            &[
                ("name", "   "),
                ("agent_webhook_url", "agent.example.com/hook"),
                ("allowed_senders", "*@example.com\nexample.org"),
                ("use_reply_to", "on"),
            ],
        )
        .await;
    assert_eq!(response.status, 422, "{}", response.body);
    response.assert_contains("Please correct the 3 highlighted fields");
    response.assert_contains("id=\"integration-name-error\"");
    response.assert_contains("id=\"integration-webhook-error\"");
    response.assert_contains("id=\"integration-senders-error\"");
    response.assert_contains("value=\"agent.example.com/hook\"");
    response.assert_contains("*@example.com\nexample.org</textarea>");
    response.assert_contains("name=\"use_reply_to\" value=\"on\" checked");
    // The checkbox was not sent: it stays unchecked.
    response.assert_lacks("name=\"collect_contacts\" value=\"on\" checked");

    let response = admin
        .post_form(
            "/settings/integrations/new/widget",
            &[
                ("name", "Widget"),
                ("allowed_origins", "shop.example.com"),
                ("ask_phone", "sometimes"),
            ],
        )
        .await;
    assert_eq!(response.status, 422);
    response.assert_contains("id=\"integration-origins-error\"");
    response.assert_contains("id=\"integration-ask_phone-error\"");
    response.assert_contains("needs http:// or https://");
    response.assert_contains(">shop.example.com</textarea>");
    assert!(all(&app).is_empty());

    assert_eq!(
        admin.get("/settings/integrations/new/sms").await.status,
        404
    );
    assert_eq!(admin.get(&format!("{PAGE}/999")).await.status, 404);
    assert_eq!(admin.get(&format!("{PAGE}/x")).await.status, 404);
    // Without the CSRF token nothing happens.
    let forged = admin
        .post_raw(
            "/settings/integrations/new/email",
            &email_form("Forged", ""),
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(all(&app).is_empty());
}

#[actix_web::test]
async fn editing_is_versioned_and_a_new_webhook_url_issues_its_secret_once() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get(PAGE).await;
    admin
        .post_form("/settings/integrations/new/email", &email_form("Inbox", ""))
        .await;
    let row = only(&app);
    let edit_path = format!("{PAGE}/{}/edit", row.id);
    let form = admin.get(&edit_path).await;
    assert_eq!(form.status, 200);
    form.assert_contains("value=\"Inbox\"");
    let version = form.hidden("version");
    assert_eq!(version, row.version.to_string());

    let saved = admin
        .post_form(
            &edit_path,
            &[
                ("name", "Support"),
                ("collect_contacts", "on"),
                ("allowed_senders", ""),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        saved.location(),
        Some(format!("{PAGE}/{}", row.id).as_str())
    );
    assert_eq!(only(&app).name, "Support");

    // A second edit from the old form: someone else saved first.
    let stale = admin
        .post_form(&edit_path, &[("name", "Stale"), ("version", &version)])
        .await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    stale.assert_contains("Someone else changed this integration");
    stale.assert_contains("value=\"Stale\"");
    assert_eq!(only(&app).name, "Support");

    // Bad input: 422, nothing written.
    let current = only(&app);
    let bad = admin
        .post_form(
            &edit_path,
            &[
                ("name", "Support"),
                ("agent_webhook_url", "ftp://x.org/"),
                ("version", &current.version.to_string()),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(only(&app), current);

    let with_webhook = admin
        .post_form(
            &edit_path,
            &[
                ("name", "Support"),
                ("collect_contacts", "on"),
                ("agent_webhook_url", "https://agent.example.com/hook"),
                ("version", &current.version.to_string()),
            ],
        )
        .await;
    assert_eq!(with_webhook.status, 200, "{}", with_webhook.body);
    let secret = shown(&with_webhook, "issued-webhook-secret");
    assert!(secret.starts_with("rph_"));
    with_webhook.assert_lacks("issued-inbound-token");
    with_webhook.assert_contains("regenerate/webhook-secret");
    let actions: Vec<String> = app
        .audit_of(integration::ENTITY, row.id)
        .into_iter()
        .map(|(action, _)| action)
        .collect();
    assert_eq!(actions, ["create", "update", "update"]);
}

#[actix_web::test]
async fn regenerating_asks_first_then_shows_the_new_value_once() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get(PAGE).await;
    let created = admin
        .post_form("/settings/integrations/new/email", &email_form("Inbox", ""))
        .await;
    let old = shown(&created, "issued-inbound-token");
    let id = only(&app).id;
    let path = format!("{PAGE}/{id}/regenerate/inbound-token");
    let confirm = admin.get(&path).await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("Regenerate the inbound token of “Inbox”?");
    confirm.assert_contains("stops working at once");
    assert!(
        integration::verify_inbound_token(&only(&app), &old),
        "asking changes nothing"
    );

    let regenerated = admin.post_form(&path, &[]).await;
    assert_eq!(regenerated.status, 200, "{}", regenerated.body);
    let new = shown(&regenerated, "issued-inbound-token");
    assert_ne!(new, old);
    let row = only(&app);
    assert!(integration::verify_inbound_token(&row, &new));
    assert!(!integration::verify_inbound_token(&row, &old));

    // Secrets an email integration does not have.
    assert_eq!(
        admin
            .post_form(&format!("{PAGE}/{id}/regenerate/identity-secret"), &[])
            .await
            .status,
        409
    );
    assert_eq!(
        admin
            .get(&format!("{PAGE}/{id}/regenerate/password"))
            .await
            .status,
        404
    );

    // A widget's identity secret.
    let widget = admin
        .post_form("/settings/integrations/new/widget", &[("name", "Widget")])
        .await;
    let old_secret = shown(&widget, "issued-identity-secret");
    let widget_id = all(&app).last().unwrap().id;
    let regenerated = admin
        .post_form(
            &format!("{PAGE}/{widget_id}/regenerate/identity-secret"),
            &[],
        )
        .await;
    let new_secret = shown(&regenerated, "issued-identity-secret");
    assert_ne!(new_secret, old_secret);
    let keyring = app.settings.secrets_keyring().unwrap();
    let stored = integration::secret(
        &mut app.conn(),
        &keyring,
        widget_id,
        SecretPurpose::Identity,
    )
    .unwrap()
    .map(|s| s.to_string());
    assert_eq!(stored, Some(new_secret));
}

#[actix_web::test]
async fn disabling_enabling_and_deleting_with_confirmation() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get(PAGE).await;
    admin
        .post_form("/settings/integrations/new/widget", &[("name", "Widget")])
        .await;
    let id = only(&app).id;
    let page = admin.get(&format!("{PAGE}/{id}")).await;
    page.assert_contains(&format!("action=\"{PAGE}/{id}/disable\""));

    let disabled = admin.post_form(&format!("{PAGE}/{id}/disable"), &[]).await;
    assert_eq!(disabled.status, 303);
    assert!(!only(&app).enabled);
    let page = admin.get(&format!("{PAGE}/{id}")).await;
    page.assert_contains("Disabled “Widget”");
    page.assert_contains(&format!("action=\"{PAGE}/{id}/enable\""));
    admin
        .get(PAGE)
        .await
        .assert_contains("<span class=\"badge\">Disabled</span>");
    admin.post_form(&format!("{PAGE}/{id}/enable"), &[]).await;
    assert!(only(&app).enabled);
    assert_eq!(
        admin
            .post_form(&format!("{PAGE}/{id}/frobnicate"), &[])
            .await
            .status,
        404
    );

    diesel::insert_into(conversations::table)
        .values((
            conversations::channel.eq("widget"),
            conversations::integration_id.eq(id),
        ))
        .execute(&mut app.conn())
        .unwrap();
    let confirm = admin.get(&format!("{PAGE}/{id}/delete")).await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("Delete “Widget”?");
    confirm.assert_contains("The 1 conversation that came through it stays");
    assert_eq!(all(&app).len(), 1, "asking deletes nothing");

    let deleted = admin.post_form(&format!("{PAGE}/{id}/delete"), &[]).await;
    assert_eq!(deleted.status, 303);
    assert_eq!(deleted.location(), Some(PAGE));
    assert!(all(&app).is_empty());
    let list = admin.get(PAGE).await;
    list.assert_contains("Deleted “Widget”. Its conversations stay");
    let kept: Vec<Option<i64>> = conversations::table
        .select(conversations::integration_id)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(kept, vec![None]);
    let remaining: i64 = integrations::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(remaining, 0);
    let actions: Vec<String> = app
        .audit_of(integration::ENTITY, id)
        .into_iter()
        .map(|(action, _)| action)
        .collect();
    assert_eq!(actions, ["create", "disable", "enable", "delete"]);
    assert_eq!(
        admin
            .post_form(&format!("{PAGE}/{id}/delete"), &[])
            .await
            .status,
        404
    );
}

#[actix_web::test]
async fn sender_authentication_settings_round_trip_through_the_form() {
    // Seen failing before the form had the fields (issue 10).
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get(PAGE).await;
    // New email integrations require authenticated senders; the page says what that means.
    let form = admin.get("/settings/integrations/new/email").await;
    form.assert_contains("name=\"require_authentication\" value=\"on\" checked");
    form.assert_contains("Require authenticated senders");
    form.assert_contains("Trusted relays (authserv-id)");
    form.assert_contains("name=\"trusted_authserv_ids\"");
    form.assert_contains("On (the default for new integrations)");
    form.assert_contains("a new contact is created unverified");
    // Widgets have no such settings.
    let widget = admin.get("/settings/integrations/new/widget").await;
    widget.assert_lacks("name=\"require_authentication\"");
    widget.assert_lacks("name=\"trusted_authserv_ids\"");

    // A bad entry: 422 with the error next to the field and every value kept.
    let bad = admin
        .post_form(
            "/settings/integrations/new/email",
            &[
                ("name", "Inbox"),
                ("collect_contacts", "on"),
                (
                    "trusted_authserv_ids",
                    "mx.google.com\nmx..example.net\nmx example",
                ),
                ("require_authentication", "on"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    bad.assert_contains("Please correct the 1 highlighted field");
    bad.assert_contains("id=\"integration-relays-error\"");
    bad.assert_contains("&#34;mx..example.net&#34; is not an authserv-id");
    bad.assert_contains("&#34;mx example&#34; is not an authserv-id");
    bad.assert_lacks("&#34;mx.google.com&#34; is not");
    bad.assert_contains("mx.google.com\nmx..example.net\nmx example</textarea>");
    bad.assert_contains("name=\"require_authentication\" value=\"on\" checked");
    assert!(all(&app).is_empty());

    let created = admin
        .post_form(
            "/settings/integrations/new/email",
            &[
                ("name", "Inbox"),
                ("collect_contacts", "on"),
                (
                    "trusted_authserv_ids",
                    " MX.Google.com \r\n\r\nmx.example.net\r\nmx.google.com",
                ),
                ("require_authentication", "on"),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let row = only(&app);
    assert_eq!(
        row.trusted_authserv_ids,
        vec!["mx.google.com", "mx.example.net"]
    );
    assert!(row.require_authentication);
    created.assert_contains("<code>mx.google.com</code>, <code>mx.example.net</code>");
    created.assert_contains("Yes: allowed senders must be authenticated");
    let audit = app.audit_of(integration::ENTITY, row.id);
    assert_eq!(
        audit[0].1["trusted_authserv_ids"]["after"],
        serde_json::json!(["mx.google.com", "mx.example.net"])
    );
    assert_eq!(audit[0].1["require_authentication"]["after"], true);

    // The edit form shows what is stored; unchecking turns the switch off.
    let edit_path = format!("{PAGE}/{}/edit", row.id);
    let form = admin.get(&edit_path).await;
    form.assert_contains("mx.google.com\nmx.example.net</textarea>");
    form.assert_contains("name=\"require_authentication\" value=\"on\" checked");
    let version = form.hidden("version");
    let saved = admin
        .post_form(
            &edit_path,
            &[
                ("name", "Inbox"),
                ("collect_contacts", "on"),
                ("trusted_authserv_ids", "mx.example.net"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let row = only(&app);
    assert_eq!(row.trusted_authserv_ids, vec!["mx.example.net"]);
    assert!(!row.require_authentication);
    let form = admin.get(&edit_path).await;
    form.assert_lacks("name=\"require_authentication\" value=\"on\" checked");
    admin
        .get(&format!("{PAGE}/{}", row.id))
        .await
        .assert_contains("No: allowed senders are checked against the From address as written");
    let audit = app.audit_of(integration::ENTITY, row.id);
    let update = &audit.last().unwrap().1;
    assert_eq!(update["require_authentication"]["before"], true);
    assert_eq!(update["require_authentication"]["after"], false);
}
