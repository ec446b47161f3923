//! The Tasks and Memories tabs in a real browser: the schedule preview updating as it is
//! typed (htmx posting the form's values), creating the task, adding a memory without a page
//! load, and searching memories as you type with the search pushed into the address bar.

use crate::chrome::{Browser, Page};
use crate::common::builders::{ContactBuilder, memory};
use crate::common::{PASSWORD, TestApp};
use rapport::domain::{ContactId, Role};
use rapport::models::{memory as memories, task};
use std::rc::Rc;

const EDITOR: &str = "tasks-editor@staff.example.com";

#[actix_web::test]
async fn schedule_a_task_and_keep_a_memory() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = Rc::new(TestApp::spawn().await);
    app.create_user(EDITOR, Role::Editor);
    let ada = ContactBuilder::new("Ada Lovelace").create(&mut app.conn());
    memory(&mut app.conn(), ada.id, "Prefers SMS over phone");

    browser
        .run(
            &app.address,
            |page| scenario(page, Rc::clone(&app), ada.id),
            |_| false,
        )
        .await;
}

async fn scenario(page: Page, app: Rc<TestApp>, id: ContactId) {
    sign_in(&page, &format!("/contacts/{id}/tasks")).await;
    schedule_a_task(&page, id).await;
    let tasks = task::page(&mut app.conn(), id, None, 10).unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].schedule.as_deref(), Some("30 8 * * 1"));
    assert_eq!(tasks[0].timezone, "Europe/Berlin");
    assert!(tasks[0].next_run_at.is_some());

    add_and_find_a_memory(&page, id).await;
    let stored = memories::page(&mut app.conn(), id, None, None, 10).unwrap();
    let texts: Vec<&str> = stored.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Has two kids;\nmentions them often",
            "Prefers SMS over phone"
        ]
    );
}

async fn sign_in(page: &Page, next: &str) {
    page.sign_in(EDITOR, PASSWORD, next).await;
}

/// New task: the preview follows the schedule and zone as they are typed, before saving.
async fn schedule_a_task(page: &Page, id: ContactId) {
    page.control("a", "New task").await.click().await.unwrap();
    page.element("#task-form").await;
    assert_eq!(
        page.location().await.path,
        format!("/contacts/{id}/tasks/new"),
        "the form's URL is pushed"
    );
    page.labelled("Name")
        .await
        .send_keys("Send weekly usage summary")
        .await
        .unwrap();
    page.labelled("Schedule")
        .await
        .send_keys("30 8 * * 1")
        .await
        .unwrap();
    page.until("the preview in words with three runs", async || {
        let preview = page.text("#task-preview").await.unwrap_or_default();
        let runs = page
            .client
            .find_all(fantoccini::Locator::Css("#task-preview .next-runs li"))
            .await
            .unwrap()
            .len();
        if preview.contains("Every Monday at 08:30") && preview.contains("in UTC") && runs == 3 {
            Ok(())
        } else {
            Err(format!("{preview:?} with {runs} runs"))
        }
    })
    .await;

    let zone = page.labelled("Time zone").await;
    zone.clear().await.unwrap();
    zone.send_keys("Europe/Berln").await.unwrap();
    page.until("the preview naming the unknown zone", async || {
        let preview = page.text("#task-preview").await.unwrap_or_default();
        if preview.contains("“Europe/Berln” is not a time zone") {
            Ok(())
        } else {
            Err(preview)
        }
    })
    .await;
    zone.clear().await.unwrap();
    zone.send_keys("Europe/Berlin").await.unwrap();
    page.until("the preview in Berlin time", async || {
        let preview = page.text("#task-preview").await.unwrap_or_default();
        if preview.contains("in Europe/Berlin") && preview.contains("08:30 CE") {
            Ok(())
        } else {
            Err(preview)
        }
    })
    .await;

    page.control("button", "Create task")
        .await
        .click()
        .await
        .unwrap();
    page.until("back on the list with the new task", async || {
        let at = page.location().await;
        let list = page.text(".tasks-table").await.unwrap_or_default();
        if at.path == format!("/contacts/{id}/tasks") && list.contains("Every Monday at 08:30") {
            Ok(())
        } else {
            Err(format!("{} {list:?}", at.path))
        }
    })
    .await;
}

/// Memories: add one (the tab is swapped in place), then narrow the list by typing.
async fn add_and_find_a_memory(page: &Page, id: ContactId) {
    page.control("a", "Memories 1").await.click().await.unwrap();
    page.element(".memory-add").await;
    page.labelled("Add a memory")
        .await
        .send_keys("Has two kids;\nmentions them often")
        .await
        .unwrap();
    page.control("button", "Add memory")
        .await
        .click()
        .await
        .unwrap();
    page.until("the new memory on top and the count up", async || {
        let first = page.text(".memories li:first-child .memory-text").await;
        let tabs = page.text(".tabs").await.unwrap_or_default();
        match first {
            Some(text) if text.starts_with("Has two kids") && tabs.contains("Memories 2") => Ok(()),
            other => Err(format!("{other:?} / {tabs:?}")),
        }
    })
    .await;
    assert_eq!(
        page.location().await.path,
        format!("/contacts/{id}/memories")
    );

    page.element("#memory-q")
        .await
        .send_keys("KIDS")
        .await
        .unwrap();
    page.until(
        "only the matching memory, the search in the URL",
        async || {
            let results = page.text("#memory-results").await.unwrap_or_default();
            let at = page.location().await;
            if results.contains("1 memory contains “KIDS”")
                && !results.contains("Prefers SMS")
                && at.param("q") == Some("KIDS")
            {
                Ok(())
            } else {
                Err(format!("{results:?} at {at:?}"))
            }
        },
    )
    .await;
    assert_eq!(
        page.focused_id().await,
        "memory-q",
        "typing was not interrupted"
    );
}
