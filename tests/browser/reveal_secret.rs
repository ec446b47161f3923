//! An admin adds a secret and reveals it in a real browser: the form shows only the chosen
//! kind's fields, the reveal asks for the password, and the value disappears again by itself
//! after 30 seconds (static/app.js), with no inline script (the CSP would block it).

use crate::chrome::{Browser, Page};
use crate::common::builders::ContactBuilder;
use crate::common::{PASSWORD, TestApp};
use rapport::domain::{ContactId, Role};
use rapport::models::schema::secrets;
use std::rc::Rc;
use std::time::Duration;

const ADMIN: &str = "admin@staff.example.com";
const PORTAL_PASSWORD: &str = "Portal-Pass-8812";

#[actix_web::test]
async fn an_admin_adds_and_reveals_a_secret() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = Rc::new(TestApp::spawn().await);
    app.create_user(ADMIN, Role::Admin);
    let ada = ContactBuilder::new("Ada Lovelace").create(&mut app.conn());
    browser
        .run(
            &app.address,
            |page| scenario(page, Rc::clone(&app), ada.id),
            |_| false,
        )
        .await;
}

async fn scenario(page: Page, app: Rc<TestApp>, id: ContactId) {
    page.sign_in(ADMIN, PASSWORD, &format!("/contacts/{id}/secrets"))
        .await;
    page.until("on the Secrets tab", async || {
        let at = page.location().await;
        if at.path.ends_with("/secrets") {
            Ok(())
        } else {
            Err(at.path)
        }
    })
    .await;
    page.element(".empty-state").await;

    // Add a username-and-password secret.
    page.control("a", "Add secret").await.click().await.unwrap();
    page.element(".secret-form").await;
    assert_eq!(
        page.location().await.path,
        format!("/contacts/{id}/secrets/new")
    );
    page.element("label[for='kind-basic']")
        .await
        .click()
        .await
        .unwrap();
    let token = page.element("#value_token").await;
    let username = page.element("#value_username").await;
    page.until("only the chosen kind's fields shown", async || {
        let basic = username.is_displayed().await.unwrap();
        let bearer = token.is_displayed().await.unwrap();
        if basic && !bearer {
            Ok(())
        } else {
            Err(format!("username shown: {basic}, token shown: {bearer}"))
        }
    })
    .await;
    page.element("#secret-name")
        .await
        .send_keys("Billing portal")
        .await
        .unwrap();
    username.send_keys("ada-billing").await.unwrap();
    page.element("#value_password")
        .await
        .send_keys(PORTAL_PASSWORD)
        .await
        .unwrap();
    page.control("button", "Add secret")
        .await
        .click()
        .await
        .unwrap();
    page.until("the notice and the new row", async || {
        let panel = page.text("#secret-panel").await.unwrap_or_default();
        if panel.contains("Secret “Billing portal” added") && page.exists(".secrets-table").await
        {
            Ok(())
        } else {
            Err(panel)
        }
    })
    .await;
    let source = page.client.source().await.unwrap();
    assert!(
        !source.contains(PORTAL_PASSWORD),
        "the list shows the value"
    );
    {
        use diesel::prelude::*;
        let count: i64 = secrets::table
            .filter(secrets::contact_id.eq(id))
            .count()
            .get_result(&mut app.conn())
            .unwrap();
        assert_eq!(count, 1);
    }

    // Reveal it.
    page.element("[aria-label='Reveal Billing portal']")
        .await
        .click()
        .await
        .unwrap();
    let password = page.labelled("Your password").await;
    page.focus_reaches("reveal-password", "the password box focused")
        .await;
    password.send_keys(PASSWORD).await.unwrap();
    page.control("button", "Reveal value")
        .await
        .click()
        .await
        .unwrap();
    let shown = page
        .until("the value revealed", async || {
            let panel = page.text(".secret-revealed").await.unwrap_or_default();
            if panel.contains(PORTAL_PASSWORD) {
                Ok(panel)
            } else {
                Err(panel)
            }
        })
        .await;
    assert!(shown.contains("ada-billing"), "{shown}");

    // Gone again after 30 seconds, without a reload.
    tokio::time::sleep(Duration::from_secs(29)).await;
    page.until("the value hidden again", async || {
        let source = page.client.source().await.unwrap();
        if !source.contains(PORTAL_PASSWORD) && page.exists(".secret-hidden").await {
            Ok(())
        } else {
            Err("the value is still on the page".into())
        }
    })
    .await;
    assert!(
        page.text(".secret-hidden")
            .await
            .unwrap_or_default()
            .contains("hidden again")
    );
}
