//! A staff member's everyday flow in a real browser: sign in, create a contact with custom
//! fields, fix its phone number in place, find it again by searching that number. This is
//! what the HTTP-level tests cannot see: htmx swaps, focus, keyboard shortcuts, the CSP.

use crate::chrome::{Browser, Page};
use crate::common::builders::ContactBuilder;
use crate::common::{PASSWORD, TestApp};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use rapport::domain::Role;
use rapport::models::contact;
use serde_json::json;
use std::rc::Rc;

const EDITOR: &str = "editor@staff.example.com";
const NEW_PHONE: &str = "+44 20 7946 0958";

#[actix_web::test]
async fn create_edit_and_find_a_contact() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = Rc::new(TestApp::spawn().await);
    app.create_user(EDITOR, Role::Editor);
    // Shares the new number's area code and exchange, so the search has to tell them apart.
    ContactBuilder::new("Grace Hopper")
        .email("grace@example.com")
        .phone("+44 20 7946 0000")
        .create(&mut app.conn());

    browser
        .run(
            &app.address,
            |page| scenario(page, Rc::clone(&app)),
            |_| false,
        )
        .await;
}

async fn scenario(page: Page, app: Rc<TestApp>) {
    sign_in_on_the_way_to_contacts(&page).await;
    let id = create_contact(&page).await;
    edit_phone_in_place(&page, id).await;
    search_by_new_phone(&page, id).await;

    let stored = contact::find_by_email(&mut app.conn(), "ada@example.com")
        .unwrap()
        .expect("the contact is in the database");
    assert_eq!(stored.id.0, id);
    assert_eq!(stored.phone.as_deref(), Some("+442079460958"));
    assert_eq!(stored.meta, json!({"plan": "pro", "crm.id": "A-17"}));
}

async fn sign_in_on_the_way_to_contacts(page: &Page) {
    page.goto("/contacts").await;
    let at = page.location().await;
    assert_eq!(at.path, "/login", "signed-out visitors are sent to sign in");
    assert_eq!(at.param("next"), Some("/contacts"));

    page.labelled("Email")
        .await
        .send_keys(EDITOR)
        .await
        .unwrap();
    page.labelled("Password")
        .await
        .send_keys(PASSWORD)
        .await
        .unwrap();
    page.control("button", "Sign in")
        .await
        .click()
        .await
        .unwrap();
    page.until("back on the contacts list after signing in", async || {
        let at = page.location().await;
        if at.path == "/contacts" {
            Ok(())
        } else {
            Err(at.path)
        }
    })
    .await;
}

/// Fills every field, adds two custom fields through "Add field" (an htmx round trip each),
/// creates the contact and returns its id.
async fn create_contact(page: &Page) -> i64 {
    page.control("a", "Create Contact")
        .await
        .click()
        .await
        .unwrap();
    page.element("#contact-form").await;
    for (label, value) in [
        ("Name", "Ada Lovelace"),
        ("Description", "Analyst at the Engine company"),
        ("Email", "ada@example.com"),
        ("Phone", "(212) 555-0147"),
        ("Nick", "ada"),
        ("Preferences", "Prefers concise technical answers."),
    ] {
        page.labelled(label).await.send_keys(value).await.unwrap();
    }

    page.control("summary", "Advanced options")
        .await
        .click()
        .await
        .unwrap();
    page.control("button", "Add field")
        .await
        .click()
        .await
        .unwrap();
    page.element("#meta-key-0")
        .await
        .send_keys("plan")
        .await
        .unwrap();
    page.element("#meta-value-0")
        .await
        .send_keys("pro")
        .await
        .unwrap();
    page.control("button", "Add field")
        .await
        .click()
        .await
        .unwrap();
    let second_key = page.element("#meta-key-1").await;
    page.focus_reaches("meta-key-1", "the new row's key focused, ready to type")
        .await;
    second_key.send_keys("crm.id").await.unwrap();
    page.element("#meta-value-1")
        .await
        .send_keys("A-17")
        .await
        .unwrap();
    // The server re-rendered the form twice; what was typed before must have survived.
    for (css, value) in [
        ("#name", "Ada Lovelace"),
        ("#phone", "(212) 555-0147"),
        ("#meta-key-0", "plan"),
        ("#meta-value-0", "pro"),
    ] {
        let kept = page.element(css).await.prop("value").await.unwrap();
        assert_eq!(kept.as_deref(), Some(value), "{css} after Add field");
    }

    page.control("button", "Create")
        .await
        .click()
        .await
        .unwrap();
    let id = page
        .until("on the new contact's profile", async || {
            let at = page.location().await;
            at.path
                .strip_prefix("/contacts/")
                .and_then(|id| id.parse::<i64>().ok())
                .ok_or(at.path)
        })
        .await;
    page.until("the notice \"Contact created\"", async || {
        let toasts = page.text("#toasts").await.unwrap_or_default();
        if toasts.contains("Contact created") {
            Ok(())
        } else {
            Err(toasts)
        }
    })
    .await;
    let title = page
        .element("#profile-header h1")
        .await
        .text()
        .await
        .unwrap();
    assert!(title.contains("Ada Lovelace"), "profile title: {title:?}");
    let meta = page.element("#field-meta").await.text().await.unwrap();
    for key in ["plan", "crm.id"] {
        assert!(
            meta.contains(key),
            "meta key {key} on the profile: {meta:?}"
        );
    }
    id
}

/// The phone field's inline editor: open it, replace the number, Enter saves; the field and
/// the header (sent out of band) both show the new number.
async fn edit_phone_in_place(page: &Page, id: i64) {
    page.element("[aria-label='Edit Phone']")
        .await
        .click()
        .await
        .unwrap();
    let input = page.element("#field-phone-input").await;
    page.focus_reaches("field-phone-input", "the editor's input focused")
        .await;
    input.clear().await.unwrap();
    input
        .send_keys(&(NEW_PHONE.to_string() + &Key::Enter))
        .await
        .unwrap();

    page.until(
        "the phone field back in display mode with the new number",
        async || {
            let field = page.text("#field-phone").await.unwrap_or_default();
            if field.contains(NEW_PHONE) && !page.exists("#field-phone-input").await {
                Ok(())
            } else {
                Err(field)
            }
        },
    )
    .await;
    page.until("the header showing the new number", async || {
        let header = page.text("#profile-header").await.unwrap_or_default();
        if header.contains(NEW_PHONE) {
            Ok(())
        } else {
            Err(header)
        }
    })
    .await;
    assert_eq!(
        page.location().await.path,
        format!("/contacts/{id}"),
        "editing in place stays on the page"
    );
}

/// The list's search box, reached with the "/" shortcut, finds the contact by its new number
/// typed the way a UK caller would say it.
async fn search_by_new_phone(page: &Page, id: i64) {
    page.goto("/contacts").await;
    page.element("#results").await;
    let total_before = page.text("#total").await.unwrap_or_default();
    page.client
        .perform_actions(
            KeyActions::new("keyboard".into())
                .then(KeyAction::Down { value: '/' })
                .then(KeyAction::Up { value: '/' }),
        )
        .await
        .unwrap();
    assert_eq!(page.focused_id().await, "q", "\"/\" focuses the search box");
    page.element("#q")
        .await
        .send_keys("020 7946 0958")
        .await
        .unwrap();

    let href = format!("/contacts/{id}");
    page.until("the results narrowed to Ada alone", async || {
        // htmx may replace the results between finding the links and reading them: a stale
        // element means "not settled yet", so look again.
        let links = page
            .client
            .find_all(fantoccini::Locator::Css("#results a.contact-link"))
            .await
            .map_err(|error| format!("results not readable yet: {error}"))?;
        let mut seen = Vec::new();
        for link in &links {
            let href = link
                .attr("href")
                .await
                .map_err(|error| format!("results replaced while reading: {error}"))?;
            seen.push(href.unwrap_or_default());
        }
        if seen == [href.as_str()] {
            Ok(())
        } else {
            Err(format!("{seen:?} (total before: {total_before:?})"))
        }
    })
    .await;
    let name = page.text("#results .name").await.unwrap_or_default();
    assert_eq!(name, "Ada Lovelace");
    let at = page
        .until("the search in the address bar", async || {
            let at = page.location().await;
            if at.param("q").is_some() {
                Ok(at)
            } else {
                Err(format!("{at:?}"))
            }
        })
        .await;
    assert_eq!(at.path, "/contacts");
    assert_eq!(at.param("q"), Some("020 7946 0958"));
}
