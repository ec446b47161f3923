//! A visitor chats through the website widget on the demo shop page in a real browser: the
//! launcher opens the panel (a dialog in a Shadow DOM), the pre-chat form checks the details,
//! a message is sent, a local test agent webhook (tests/common/agent.rs, reached through the
//! delivery worker and checking the signature) answers, its reply appears by polling, Escape
//! closes the panel back to the launcher, a reload continues the chat, and staff then find the
//! contact by searching, the conversation with both messages on its Conversations tab and the
//! agent's memory on its Memories tab.

use crate::chrome::{Browser, Page};
use crate::common::agent::TestAgent;
use crate::common::{PASSWORD, TestApp};
use diesel::prelude::*;
use fantoccini::Locator;
use fantoccini::elements::{Element, ShadowRoot};
use fantoccini::key::Key;
use rapport::domain::integration::{FieldRequirement, IntegrationDraft, IntegrationKind};
use rapport::domain::{IntegrationId, Role};
use rapport::models::Actor;
use rapport::models::integration;
use rapport::models::schema::{contacts, conversations};
use serde_json::json;
use std::rc::Rc;

const ADMIN: &str = "widget-admin@staff.example.com";
const QUESTION: &str = "Do you ship to Norway?";
const REPLY: &str = "Yes, we ship to Norway within five days.";
const MEMORY: &str = "Asked about shipping to Norway";

#[actix_web::test]
async fn a_visitor_chats_and_staff_find_the_contact() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = Rc::new(TestApp::spawn().await);
    app.create_user(ADMIN, Role::Admin);
    let agent = Rc::new(TestAgent::replying(
        json!({"reply": REPLY, "memories": [MEMORY]}),
    ));
    let keyring = app.settings.secrets_keyring().unwrap();
    let mut draft = IntegrationDraft::named("Tea & Co. support");
    draft.ask_name = FieldRequirement::Optional;
    draft.ask_email = FieldRequirement::Required;
    draft.agent_webhook_url = Some(agent.url.clone());
    // No allowed origins: the demo page is Rapport's own, which is always allowed.
    let (widget, credentials) = integration::create(
        &mut app.conn(),
        &keyring,
        IntegrationKind::Widget,
        &draft,
        &Actor::System("test".into()),
    )
    .unwrap();
    agent.set_secret(
        &credentials
            .webhook_secret
            .expect("issued with the webhook URL"),
    );
    let worker = app.start_webhook_worker();
    browser
        .run(
            &app.address,
            |page| scenario(page, Rc::clone(&app), Rc::clone(&agent), widget.id),
            |_| false,
        )
        .await;
    drop(worker);
    if let Ok(agent) = Rc::try_unwrap(agent) {
        agent.stop().await;
    }
}

async fn shadow(page: &Page) -> ShadowRoot {
    page.element("[data-rapport-widget]")
        .await
        .shadow_root()
        .await
        .expect("the widget draws inside a shadow root")
}

async fn inside(page: &Page, css: &str) -> Element {
    let css = css.to_string();
    page.until(&format!("{css} in the widget"), async || {
        shadow(page)
            .await
            .find(Locator::Css(&css))
            .await
            .map_err(|e| e.to_string())
    })
    .await
}

/// Visible text of the widget's messages of `kind` (user or bot).
async fn messages(page: &Page, kind: &str) -> Vec<String> {
    let root = shadow(page).await;
    let mut texts = Vec::new();
    for element in root
        .find_all(Locator::Css(&format!(".msg[data-type='{kind}']")))
        .await
        .unwrap()
    {
        texts.push(element.text().await.unwrap_or_default());
    }
    texts
}

/// Whether the focused element inside the widget has this class.
async fn focused_class(page: &Page) -> String {
    page.client
        .execute(
            "var host = document.querySelector('[data-rapport-widget]');\
             var active = host && host.shadowRoot.activeElement;\
             return active ? active.className : '';",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn scenario(page: Page, app: Rc<TestApp>, agent: Rc<TestAgent>, widget: IntegrationId) {
    page.goto(&format!("/static/widget-demo.html?widget={widget}"))
        .await;
    let launcher = inside(&page, ".launcher").await;
    assert_eq!(
        launcher.attr("aria-expanded").await.unwrap().as_deref(),
        Some("false")
    );
    launcher.click().await.unwrap();
    let panel = inside(&page, "[role='dialog']").await;
    assert!(panel.is_displayed().await.unwrap());
    assert_eq!(
        launcher.attr("aria-expanded").await.unwrap().as_deref(),
        Some("true")
    );

    // The form asks first; a missing required email is explained next to the field.
    let name = inside(&page, "#rw-name").await;
    page.until("focus in the first field", async || {
        let class = focused_class(&page).await;
        let id = page
            .client
            .execute(
                "return document.querySelector('[data-rapport-widget]').shadowRoot.activeElement.id",
                vec![],
            )
            .await
            .unwrap();
        if id == "rw-name" { Ok(()) } else { Err(format!("{id} {class}")) }
    })
    .await;
    name.send_keys("Ada Lovelace").await.unwrap();
    inside(&page, ".details .primary")
        .await
        .click()
        .await
        .unwrap();
    let error = inside(&page, "#rw-email-error").await;
    page.until("the email error", async || {
        let text = error.text().await.unwrap_or_default();
        if text.contains("email") {
            Ok(())
        } else {
            Err(text)
        }
    })
    .await;
    let email = inside(&page, "#rw-email").await;
    assert_eq!(
        email.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    email.send_keys("ada@example.com").await.unwrap();
    inside(&page, ".details .primary")
        .await
        .click()
        .await
        .unwrap();

    // The chat: send a message.
    let text = inside(&page, "#rw-text").await;
    page.until("the chat shown", async || {
        if text.is_displayed().await.unwrap_or(false) {
            Ok(())
        } else {
            Err("hidden".into())
        }
    })
    .await;
    text.send_keys(QUESTION).await.unwrap();
    inside(&page, ".compose .primary")
        .await
        .click()
        .await
        .unwrap();
    page.until("the message shown", async || {
        let sent = messages(&page, "user").await;
        if sent.iter().any(|t| t.contains(QUESTION)) {
            Ok(())
        } else {
            Err(format!("{sent:?}"))
        }
    })
    .await;

    // Nobody stores the answer by hand: the worker posts the message to the agent, whose
    // reply the widget polls in.
    page.until("the agent's reply polled in", async || {
        let replies = messages(&page, "bot").await;
        if replies.iter().any(|t| t.contains(REPLY)) {
            Ok(())
        } else {
            Err(format!("{replies:?}"))
        }
    })
    .await;
    let received = agent.received();
    assert_eq!(received.len(), 1, "one delivery for one message");
    assert!(received[0].signature_ok, "{}", received[0].signature);
    assert_eq!(received[0].body["message"]["text"], QUESTION);
    assert_eq!(received[0].body["contact"]["email"], "ada@example.com");
    assert_eq!(received[0].body["conversation"]["channel"], "widget");
    let (conversation_id, contact_id): (i64, Option<i64>) = conversations::table
        .filter(conversations::channel.eq("widget"))
        .select((conversations::id, conversations::contact_id))
        .first(&mut app.conn())
        .unwrap();
    let contact_id = contact_id.expect("the visitor became a contact");

    // Escape closes the panel and gives focus back to the launcher.
    text.send_keys(&Key::Escape.to_string()).await.unwrap();
    page.until("the panel closed", async || {
        if panel.is_displayed().await.unwrap_or(true) {
            Err("still open".into())
        } else {
            Ok(())
        }
    })
    .await;
    assert_eq!(focused_class(&page).await, "launcher");

    // A reload continues the same chat.
    page.goto(&format!("/static/widget-demo.html?widget={widget}"))
        .await;
    inside(&page, ".launcher").await.click().await.unwrap();
    page.until("the history restored", async || {
        let (sent, replies) = (messages(&page, "user").await, messages(&page, "bot").await);
        if sent.len() == 1 && replies.len() == 1 {
            Ok(())
        } else {
            Err(format!("{sent:?} {replies:?}"))
        }
    })
    .await;
    let conversations: i64 = conversations::table
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(conversations, 1);
    let (name, source): (Option<String>, String) = contacts::table
        .find(contact_id)
        .select((contacts::name, contacts::source))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(
        (name.as_deref(), source.as_str()),
        (Some("Ada Lovelace"), "widget")
    );

    // Staff find the contact by searching, then the conversation and the agent's memory.
    page.sign_in(ADMIN, PASSWORD, "/contacts").await;
    page.element("#q").await.send_keys("Ada").await.unwrap();
    let profile = format!("/contacts/{contact_id}");
    page.until("the search finding Ada", async || {
        let at = page.location().await;
        let results = page.text("#results").await.unwrap_or_default();
        if at.param("q") == Some("Ada") && results.contains("Ada Lovelace") {
            Ok(())
        } else {
            Err(format!("{at:?}: {results}"))
        }
    })
    .await;
    // Leaving the search box may fire one more search (its `change`), which replaces the
    // results under the pointer: a stale link is looked up again.
    let result = format!("#results a.contact-link[href='{profile}']");
    page.until("Ada's profile opened from the results", async || {
        if page.location().await.path == profile {
            return Ok(());
        }
        let link = page
            .client
            .find(Locator::Css(&result))
            .await
            .map_err(|e| e.to_string())?;
        link.click().await.map_err(|e| e.to_string())?;
        Err("clicked".into())
    })
    .await;
    page.element(&format!("nav.tabs a[href='{profile}/conversations']"))
        .await
        .click()
        .await
        .unwrap();
    let link = format!("{profile}/conversations/{conversation_id}");
    page.element(&format!("#conversation-list a[href='{link}']"))
        .await
        .click()
        .await
        .unwrap();
    page.until("the transcript with both messages", async || {
        let user = page
            .text("#transcript [data-role='user'] .message-text")
            .await
            .unwrap_or_default();
        let bot = page
            .text("#transcript [data-role='bot'] .message-text")
            .await
            .unwrap_or_default();
        if user == QUESTION && bot == REPLY {
            Ok(())
        } else {
            Err(format!("user {user:?}, bot {bot:?}"))
        }
    })
    .await;
    assert_eq!(page.location().await.path, link);
    page.element(&format!("nav.tabs a[href='{profile}/memories']"))
        .await
        .click()
        .await
        .unwrap();
    page.until("the agent's memory listed", async || {
        let panel = page.text(".tab-panel").await.unwrap_or_default();
        if panel.contains(MEMORY) {
            Ok(())
        } else {
            Err(panel)
        }
    })
    .await;
}
