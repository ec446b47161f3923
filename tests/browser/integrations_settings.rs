//! An admin manages integrations in a real browser: creates a widget with an allowed origin
//! and an agent webhook, sees its embed snippet and its two secrets once with working Copy
//! buttons (static/app.js), edits it (a bad origin is explained next to the field and what was
//! typed is kept), disables it; then creates an email integration and sees its inbound URL.
//! Any console error (a script failure, a CSP refusal) fails the scenario.

use crate::chrome::{Browser, Page};
use crate::common::{PASSWORD, TestApp};
use fantoccini::elements::Element;
use rapport::domain::integration::{IntegrationKind, SecretPurpose};
use rapport::domain::{IntegrationId, Role};
use rapport::models::integration::{self, Integration};
use std::rc::Rc;

const ADMIN: &str = "integrations-admin@staff.example.com";
const PAGE: &str = "/settings/integrations";
const WEBHOOK: &str = "https://agent.example.com/rapport";

#[actix_web::test]
async fn an_admin_sets_up_a_widget_and_an_email_integration() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = Rc::new(TestApp::spawn().await);
    app.create_user(ADMIN, Role::Admin);
    browser
        .run(
            &app.address,
            |page| scenario(page, Rc::clone(&app)),
            |entry| {
                // Chromium logs every 4xx answer; the edit form's 422 with the errors is the
                // one expected, and nothing else is.
                entry.message.contains("/edit - Failed to load resource")
                    && entry.message.contains("422 (Unprocessable Entity)")
            },
        )
        .await;
}

async fn scenario(page: Page, app: Rc<TestApp>) {
    sign_in(&page).await;
    let widget = create_widget(&page, &app).await;
    edit_with_a_bad_origin_then_fix_it(&page, &app, widget.id).await;
    disable(&page, &app, widget.id).await;
    create_email_integration(&page, &app).await;
}

fn rows(app: &TestApp) -> Vec<Integration> {
    integration::list(&mut app.conn()).unwrap()
}

fn find(app: &TestApp, id: IntegrationId) -> Integration {
    rows(app).into_iter().find(|row| row.id == id).unwrap()
}

async fn sign_in(page: &Page) {
    page.sign_in(ADMIN, PASSWORD, PAGE).await;
    page.element(".empty-state").await;
    assert_eq!(page.location().await.path, PAGE);
}

/// The text of the element matching `css`, once it exists.
async fn text_of(page: &Page, css: &str) -> String {
    page.element(css).await.text().await.unwrap()
}

/// The Copy button of the element `id`: shown by app.js, and saying "Copied" once clicked.
async fn copy_works(page: &Page, id: &str) -> Element {
    let button = page.element(&format!("button[data-copy='{id}']")).await;
    assert!(
        button.is_displayed().await.unwrap(),
        "app.js shows the Copy button of #{id}"
    );
    assert_eq!(button.text().await.unwrap(), "Copy");
    button.click().await.unwrap();
    page.until(&format!("the copy of #{id} confirmed"), async || {
        let label = button.text().await.unwrap_or_default();
        let toasts = page.text("#toasts").await.unwrap_or_default();
        if label == "Copied" {
            Ok(())
        } else {
            Err(format!("button {label:?}, toasts {toasts:?}"))
        }
    })
    .await;
    button
}

async fn create_widget(page: &Page, app: &TestApp) -> Integration {
    page.control("a", "New widget").await.click().await.unwrap();
    page.element("#integration-form").await;
    page.element("#integration-name")
        .await
        .send_keys("Shop chat")
        .await
        .unwrap();
    page.element("#integration-webhook")
        .await
        .send_keys(WEBHOOK)
        .await
        .unwrap();
    page.element("#integration-origins")
        .await
        .send_keys("https://shop.example.com")
        .await
        .unwrap();
    page.element("#integration-ask_email option[value='required']")
        .await
        .click()
        .await
        .unwrap();
    page.control("button", "Create integration")
        .await
        .click()
        .await
        .unwrap();

    let identity = page
        .until("the identity secret shown", async || {
            match page.text("#issued-identity-secret").await {
                Some(secret) if secret.starts_with("rpw_") => Ok(secret),
                other => Err(format!("{other:?}")),
            }
        })
        .await;
    let webhook = text_of(page, "#issued-webhook-secret").await;
    assert!(webhook.starts_with("rph_"), "{webhook}");
    let warning = text_of(page, ".token-created .alert").await;
    assert!(warning.contains("you will not see them again"), "{warning}");

    let [widget] = rows(app).try_into().unwrap();
    assert_eq!(widget.kind, IntegrationKind::Widget.as_str());
    assert_eq!(widget.name, "Shop chat");
    assert_eq!(widget.allowed_origins, ["https://shop.example.com"]);
    assert_eq!(widget.agent_webhook_url.as_deref(), Some(WEBHOOK));
    assert_eq!(widget.ask_email, "required");
    let keyring = app.settings.secrets_keyring().unwrap();
    for (purpose, shown) in [
        (SecretPurpose::Identity, &identity),
        (SecretPurpose::Webhook, &webhook),
    ] {
        let stored = integration::secret(&mut app.conn(), &keyring, widget.id, purpose)
            .unwrap()
            .expect("stored");
        assert_eq!(stored.as_str(), shown.as_str(), "{purpose:?}");
    }

    let snippet = text_of(page, "#widget-snippet").await;
    assert_eq!(
        snippet,
        format!(
            "<script src=\"{}/static/widget.js\" data-widget=\"{}\" async></script>",
            app.address, widget.id
        )
    );
    for id in [
        "issued-identity-secret",
        "issued-webhook-secret",
        "widget-snippet",
    ] {
        copy_works(page, id).await;
    }
    let demo = page.control("a", "Try it on the demo page").await;
    assert_eq!(
        demo.attr("href").await.unwrap().as_deref(),
        Some(format!("/static/widget-demo.html?widget={}", widget.id).as_str())
    );

    // Shown once: the integration's own page no longer has them.
    page.goto(&format!("{PAGE}/{}", widget.id)).await;
    page.element("#widget-snippet").await;
    let source = page.client.source().await.unwrap();
    assert!(!source.contains(&identity) && !source.contains(&webhook));
    assert!(!page.exists(".token-created").await);
    widget
}

async fn edit_with_a_bad_origin_then_fix_it(page: &Page, app: &TestApp, id: IntegrationId) {
    let before = find(app, id);
    page.control("a", "Edit").await.click().await.unwrap();
    let origins = page.element("#integration-origins").await;
    assert_eq!(
        origins.prop("value").await.unwrap().as_deref(),
        Some("https://shop.example.com")
    );
    origins.clear().await.unwrap();
    origins.send_keys("shop.example.com").await.unwrap();
    page.control("button", "Save changes")
        .await
        .click()
        .await
        .unwrap();

    let error = page
        .until("the origin's error next to the field", async || match page
            .text("#integration-origins-error")
            .await
        {
            Some(text) if !text.is_empty() => Ok(text),
            other => Err(format!("{other:?}")),
        })
        .await;
    assert!(error.contains("needs http:// or https://"), "{error}");
    let origins = page.element("#integration-origins").await;
    assert_eq!(
        origins.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(
        origins.attr("aria-describedby").await.unwrap().as_deref(),
        Some("integration-origins-error")
    );
    assert_eq!(
        origins.prop("value").await.unwrap().as_deref(),
        Some("shop.example.com"),
        "what was typed is kept"
    );
    let name = page.element("#integration-name").await;
    assert_eq!(
        name.prop("value").await.unwrap().as_deref(),
        Some("Shop chat")
    );
    let summary = text_of(page, "#integration-form .alert-error").await;
    assert!(summary.contains("Nothing was saved"), "{summary}");
    assert_eq!(find(app, id), before, "nothing written");

    origins.clear().await.unwrap();
    origins
        .send_keys("https://shop.example.com\nhttp://localhost:3000")
        .await
        .unwrap();
    page.control("button", "Save changes")
        .await
        .click()
        .await
        .unwrap();
    page.until("back on the integration, saved", async || {
        let at = page.location().await;
        let toasts = page.text("#toasts").await.unwrap_or_default();
        if at.path == format!("{PAGE}/{id}") && toasts.contains("Saved") {
            Ok(())
        } else {
            Err(format!("{at:?}, toasts {toasts:?}"))
        }
    })
    .await;
    let settings = text_of(page, "dl.details").await;
    assert!(
        settings.contains("https://shop.example.com, http://localhost:3000"),
        "{settings}"
    );
    assert_eq!(
        find(app, id).allowed_origins,
        ["https://shop.example.com", "http://localhost:3000"]
    );
}

async fn disable(page: &Page, app: &TestApp, id: IntegrationId) {
    page.control("button", "Disable")
        .await
        .click()
        .await
        .unwrap();
    page.until("the widget shown disabled", async || {
        let title = page.text(".page-head h1").await.unwrap_or_default();
        let toasts = page.text("#toasts").await.unwrap_or_default();
        if title.contains("Disabled") && toasts.contains("Disabled") {
            Ok(())
        } else {
            Err(format!("{title:?}, toasts {toasts:?}"))
        }
    })
    .await;
    page.control("button", "Enable").await;
    assert!(!find(app, id).enabled);
}

async fn create_email_integration(page: &Page, app: &TestApp) {
    page.goto(PAGE).await;
    page.control("a", "New email integration")
        .await
        .click()
        .await
        .unwrap();
    page.element("#integration-name")
        .await
        .send_keys("Support inbox")
        .await
        .unwrap();
    page.control("button", "Create integration")
        .await
        .click()
        .await
        .unwrap();
    let token = page
        .until("the inbound token shown", async || {
            match page.text("#issued-inbound-token").await {
                Some(token) if token.starts_with("rpe_") => Ok(token),
                other => Err(format!("{other:?}")),
            }
        })
        .await;
    let email = rows(app)
        .into_iter()
        .find(|row| row.kind == IntegrationKind::Email.as_str())
        .expect("created");
    assert!(integration::verify_inbound_token(&email, &token));
    assert_eq!(
        text_of(page, "#inbound-url").await,
        format!(
            "{}/api/v1/integration/email/{}/inbound",
            app.address, email.id
        )
    );
    copy_works(page, "inbound-url").await;
    copy_works(page, "issued-inbound-token").await;

    // The list shows both, the widget disabled.
    page.goto(PAGE).await;
    let table = text_of(page, ".integrations-table").await;
    for expected in ["Shop chat", "Disabled", "Support inbox", "Enabled", WEBHOOK] {
        assert!(table.contains(expected), "{expected:?} in {table}");
    }
}
