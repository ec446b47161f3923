//! The Agent context tab: the same text as the API gives for the contact, its size, the budget
//! selector, the parts underneath, the Copy button, and read access for every role.

use crate::common::builders::{ContactBuilder, TaskBuilder, memory};
use crate::common::{Response, TestApp, TestClient};
use rapport::domain::api_token::TokenRole;
use rapport::domain::{ContactId, Role};

/// The text inside `<pre id="context-text">`, with askama's escapes undone.
fn prompt_text(page: &Response) -> String {
    let marker = "<pre class=\"context-text\" id=\"context-text\">";
    let start = page
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("no prompt text in {}", page.body))
        + marker.len();
    let end = page.body[start..].find("</pre>").unwrap() + start;
    unescape(&page.body[start..end])
}

fn unescape(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find("&#") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find(';').unwrap() + at;
        let code: u32 = rest[at + 2..end].parse().unwrap();
        out.push(char::from_u32(code).unwrap());
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    assert!(!out.contains("&lt;") && !out.contains("&amp;"), "{out}");
    out
}

async fn api_context(app: &TestApp, contact: ContactId, max_chars: usize) -> serde_json::Value {
    let token = app.api_token(TokenRole::Viewer);
    let response = app
        .client()
        .api(
            "GET",
            &format!("/api/v1/contact/{contact}/context?maxChars={max_chars}"),
            Some(&token),
            &[],
            None,
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.json()
}

async fn setup(role: Role) -> (TestApp, TestClient, ContactId) {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada <Lovelace>")
        .nick("countess")
        .description("Writes \"programs\" & notes")
        .preferences("Prefers concise answers.\nNo <b>HTML</b>, please.")
        .create(&mut app.conn());
    // Oldest first: 3,000 characters, 1,000, 1,500 and a short one.
    memory(&mut app.conn(), ada.id, &"o".repeat(3_000));
    memory(&mut app.conn(), ada.id, &"s".repeat(1_000));
    memory(&mut app.conn(), ada.id, &"t".repeat(1_500));
    memory(&mut app.conn(), ada.id, "Likes <tea> & 'biscuits' 🍪");
    TaskBuilder::new(ada.id, "Send weekly usage summary")
        .schedule("0 8 * * 1")
        .timezone("Europe/London")
        .create(&mut app.conn());
    let client = app.signed_in(role).await;
    (app, client, ada.id)
}

#[actix_web::test]
async fn the_tab_shows_the_same_text_as_the_api() {
    let (app, client, id) = setup(Role::Editor).await;
    let page = client.get(&format!("/contacts/{id}/context")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_contains("<html");
    page.assert_contains("aria-current=\"page\" class=\"tab active\"");
    page.assert_contains(">\n        Agent context\n      </a>");

    let api = api_context(&app, id, 4_000).await;
    let text = prompt_text(&page);
    assert_eq!(text, api["text"].as_str().unwrap());
    assert!(text.contains("Name: Ada <Lovelace> (nick: countess)"));
    assert!(text.contains("- Likes <tea> & 'biscuits' 🍪\n"));
    assert!(text.contains("(1 older memory left out)"));
    let size = api["size"].as_u64().unwrap();
    assert!(size > 2_500);
    let size_label = format!("{},{:03} characters", size / 1_000, size % 1_000);
    page.assert_contains(&format!(
        "<span class=\"muted\" id=\"context-size\">{size_label}</span>"
    ));
    // User text is escaped in the page, never markup.
    page.assert_lacks("<tea>");
    page.assert_lacks("<b>HTML</b>");

    // The parts underneath: contact fields, the memories that fit, the tasks.
    page.assert_contains("<dt>Nick</dt>");
    page.assert_contains("1 older memory does not fit the budget.");
    page.assert_contains("Every Monday at 08:00");
    page.assert_contains("Europe/London");
    page.assert_contains(&format!("GET /api/v1/contact/{id}/context?maxChars=4000"));
    // Copy: a button the script reveals, pointing at the text; no inline script.
    page.assert_contains("data-copy=\"context-text\"");
    page.assert_lacks("onclick");
    page.assert_lacks("<script>");
}

#[actix_web::test]
async fn the_budget_selector_changes_the_memories_like_the_api() {
    let (app, client, id) = setup(Role::Editor).await;
    let page = client.get(&format!("/contacts/{id}/context")).await;
    for value in ["2000", "4000", "8000"] {
        page.assert_contains(&format!("<option value=\"{value}\""));
    }
    page.assert_contains("<option value=\"4000\" selected>4,000 characters</option>");
    page.assert_contains(&format!(
        "hx-get=\"/contacts/{id}/context\" hx-target=\"#profile-tabs\" hx-push-url=\"true\""
    ));
    page.assert_contains("name=\"max_chars\"");

    // htmx swaps the tab area only.
    let small = client
        .get_htmx(
            &format!("/contacts/{id}/context?max_chars=2000"),
            "profile-tabs",
        )
        .await;
    assert_eq!(small.status, 200);
    small.assert_lacks("<html");
    small.assert_lacks("profile-header");
    small.assert_contains("<option value=\"2000\" selected>");
    let api = api_context(&app, id, 2_000).await;
    assert_eq!(prompt_text(&small), api["text"].as_str().unwrap());
    assert_eq!(api["omittedMemories"], 2);
    small.assert_contains("2 older memories do not fit the budget.");

    let large = client
        .get(&format!("/contacts/{id}/context?max_chars=8000"))
        .await;
    let api = api_context(&app, id, 8_000).await;
    assert_eq!(prompt_text(&large), api["text"].as_str().unwrap());
    assert_eq!(api["omittedMemories"], 0);
    large.assert_lacks("do not fit the budget");

    // Any budget the API takes works; nonsense falls back to the default.
    let odd = client
        .get(&format!("/contacts/{id}/context?max_chars=10"))
        .await;
    odd.assert_contains("<option value=\"10\" selected>10 characters</option>");
    odd.assert_contains("None of the 4 memories fits the budget.");
    let nonsense = client
        .get(&format!("/contacts/{id}/context?max_chars=lots"))
        .await;
    assert_eq!(nonsense.status, 200);
    nonsense.assert_contains("<option value=\"4000\" selected>");
}

#[actix_web::test]
async fn viewers_see_the_tab() {
    let (app, client, id) = setup(Role::Viewer).await;
    let page = client.get(&format!("/contacts/{id}/context")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let api = api_context(&app, id, 4_000).await;
    assert_eq!(prompt_text(&page), api["text"].as_str().unwrap());
    // The tab sits just before History.
    let context_at = page
        .body
        .find(&format!("href=\"/contacts/{id}/context\""))
        .unwrap();
    let history_at = page
        .body
        .find(&format!("href=\"/contacts/{id}/history\""))
        .unwrap();
    assert!(context_at < history_at);
}

#[actix_web::test]
async fn an_empty_contact_says_there_is_nothing_yet() {
    let app = TestApp::spawn().await;
    let nobody = ContactBuilder::new("")
        .email("x@example.com")
        .create(&mut app.conn());
    let client = app.signed_in(Role::Viewer).await;
    let page = client
        .get(&format!("/contacts/{}/context", nobody.id))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_contains("Nothing to tell an agent yet");
    page.assert_contains(">0 characters<");
    page.assert_lacks("id=\"context-text\"");
    page.assert_contains("No memories.");
    page.assert_contains("No scheduled tasks.");
    let missing = client.get("/contacts/999999/context").await;
    assert_eq!(missing.status, 404);
    let anonymous = app
        .client()
        .get(&format!("/contacts/{}/context", nobody.id))
        .await;
    assert_eq!(anonymous.status, 303);
}
