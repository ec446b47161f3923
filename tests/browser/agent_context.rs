//! The Agent context tab in a real browser: reached from the tab bar, the budget selector
//! swapping the tab with the budget pushed into the address bar, and the Copy button (shown
//! only by the script) putting the prompt text on the clipboard.

use crate::chrome::{Browser, Page};
use crate::common::builders::{ContactBuilder, memory};
use crate::common::{PASSWORD, TestApp};
use rapport::domain::{ContactId, Role};
use std::rc::Rc;

const VIEWER: &str = "context-viewer@staff.example.com";

#[actix_web::test]
async fn read_and_copy_the_agent_context() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = Rc::new(TestApp::spawn().await);
    app.create_user(VIEWER, Role::Viewer);
    let ada = ContactBuilder::new("Ada Lovelace")
        .preferences("Prefers concise technical answers.")
        .create(&mut app.conn());
    memory(&mut app.conn(), ada.id, &"o".repeat(3_000));
    memory(&mut app.conn(), ada.id, "Has a cat called Babbage");

    browser
        .run(&app.address, |page| scenario(page, ada.id), |_| false)
        .await;
}

async fn scenario(page: Page, id: ContactId) {
    page.sign_in(VIEWER, PASSWORD, &format!("/contacts/{id}"))
        .await;
    page.control("a", "Agent context")
        .await
        .click()
        .await
        .unwrap();
    page.until("the prompt text with the long memory", async || {
        let text = page.text("#context-text").await.unwrap_or_default();
        if text.contains("Has a cat called Babbage") && text.contains("oooo") {
            Ok(())
        } else {
            Err(text)
        }
    })
    .await;
    assert_eq!(
        page.location().await.path,
        format!("/contacts/{id}/context")
    );

    page.element("#context-budget")
        .await
        .select_by_value("2000")
        .await
        .unwrap();
    page.until("the smaller budget, in the address bar too", async || {
        let text = page.text("#context-text").await.unwrap_or_default();
        let at = page.location().await;
        if text.contains("(1 older memory left out)") && at.param("max_chars") == Some("2000") {
            Ok(())
        } else {
            Err(format!("{text:?} at {:?}", at.query))
        }
    })
    .await;

    // What the script hands to the Clipboard API (reading the clipboard back needs a
    // permission headless Chromium does not give).
    page.client
        .execute(
            "navigator.clipboard.writeText = (text) => { window.copiedText = text; return Promise.resolve(); };",
            vec![],
        )
        .await
        .unwrap();
    let copy = page.control("button", "Copy").await;
    assert!(copy.is_displayed().await.unwrap(), "the script shows Copy");
    copy.click().await.unwrap();
    page.until("the button confirming the copy", async || {
        match page.text("button[data-copy]").await {
            Some(label) if label == "Copied" => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    let copied = page
        .client
        .execute(
            "return [window.copiedText, document.getElementById('context-text').textContent];",
            vec![],
        )
        .await
        .unwrap();
    let copied = copied.as_array().unwrap();
    let text = copied[0].as_str().unwrap();
    assert_eq!(text, copied[1].as_str().unwrap());
    assert!(text.starts_with("## About the person you are helping\nName: Ada Lovelace\n"));
    assert!(text.ends_with("- Has a cat called Babbage\n(1 older memory left out)\n"));
}
