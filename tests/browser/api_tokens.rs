//! An admin creates an API token in a real browser: htmx swaps in the token with a working
//! copy button (static/app.js, no inline script), the token works against the API, and
//! revoking it through the confirmation page locks it out.

use crate::chrome::{Browser, Page};
use crate::common::{PASSWORD, TestApp};
use rapport::domain::Role;
use std::rc::Rc;

const ADMIN: &str = "tokens-admin@staff.example.com";

#[actix_web::test]
async fn an_admin_creates_copies_and_revokes_a_token() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = Rc::new(TestApp::spawn().await);
    app.create_user(ADMIN, Role::Admin);
    browser
        .run(
            &app.address,
            |page| scenario(page, Rc::clone(&app)),
            |_| false,
        )
        .await;
}

async fn scenario(page: Page, app: Rc<TestApp>) {
    page.sign_in(ADMIN, PASSWORD, "/settings/api-tokens").await;
    page.element(".empty-state").await;
    assert_eq!(page.location().await.path, "/settings/api-tokens");

    page.labelled("Name")
        .await
        .send_keys("Support bot")
        .await
        .unwrap();
    page.element("#token-role option[value='editor']")
        .await
        .click()
        .await
        .unwrap();
    page.control("button", "Create token")
        .await
        .click()
        .await
        .unwrap();
    let token = page
        .until("the new token shown", async || {
            match page.text("#new-token").await {
                Some(token) if token.starts_with("rpt_") => Ok(token),
                other => Err(format!("{other:?}")),
            }
        })
        .await;
    // Swapped in place by htmx: no page load, the address is unchanged.
    assert_eq!(page.location().await.path, "/settings/api-tokens");
    let copy = page.control("button", "Copy").await;
    assert!(
        copy.is_displayed().await.unwrap(),
        "app.js shows the button"
    );
    copy.click().await.unwrap();
    page.until("the copy confirmed", async || {
        let label = copy.text().await.unwrap_or_default();
        let toast = page.text("#toasts").await.unwrap_or_default();
        if label == "Copied" {
            Ok(())
        } else {
            Err(format!("button {label:?}, toasts {toast:?}"))
        }
    })
    .await;

    let client = app.client();
    let works = client
        .api("GET", "/api/v1/contact/list", Some(&token), &[], None)
        .await;
    assert_eq!(works.status, 200, "{}", works.body);

    // Revoke, through the confirmation.
    page.control("a", "Revoke").await.click().await.unwrap();
    page.control("button", "Revoke token")
        .await
        .click()
        .await
        .unwrap();
    page.until("back on the list, revoked", async || {
        let status = page.text(".tokens-table").await.unwrap_or_default();
        if status.contains("Revoked") {
            Ok(())
        } else {
            Err(status)
        }
    })
    .await;
    let source = page.client.source().await.unwrap();
    assert!(!source.contains(&token), "the token is shown only once");
    let refused = client
        .api("GET", "/api/v1/contact/list", Some(&token), &[], None)
        .await;
    assert_eq!(refused.status, 401);
}
