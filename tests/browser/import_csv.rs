//! Importing a CSV in a real browser: from the contacts list to the import page, upload a
//! file, adjust the mapping screen (a column to a meta key of one's own; the key box shows
//! only then), read the dry run's counts, start the import, and watch its progress bar
//! (polled by htmx) fill up to the final report.

use crate::chrome::Browser;
use crate::chrome::Page;
use crate::common::{PASSWORD, TestApp};
use diesel::prelude::*;
use rapport::domain::Role;
use rapport::domain::import::bench::write_sample_csv;
use rapport::models::schema::contacts;
use serde_json::json;
use std::path::PathBuf;
use std::rc::Rc;

const EDITOR: &str = "editor@staff.example.com";
/// Enough rows that the import runs through several batches and polls.
const ROWS: u64 = 3_000;

/// The file to import, in a directory of its own.
struct ScratchCsv(PathBuf);

impl ScratchCsv {
    fn new() -> ScratchCsv {
        let dir =
            std::env::temp_dir().join(format!("rapport-browser-import-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("people.csv");
        write_sample_csv(&path, ROWS).unwrap();
        ScratchCsv(path)
    }
}

impl Drop for ScratchCsv {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[actix_web::test]
async fn import_a_csv_through_the_mapping_screen_and_watch_it_finish() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = Rc::new(TestApp::spawn().await);
    app.create_user(EDITOR, Role::Editor);
    // As `rapport serve` runs it.
    let _worker = app.start_job_worker();
    let file = Rc::new(ScratchCsv::new());
    browser
        .run(
            &app.address,
            |page| scenario(page, Rc::clone(&app), Rc::clone(&file)),
            |_| false,
        )
        .await;
}

/// The text of `css` once it contains `wanted`.
async fn until_text(page: &Page, css: &str, wanted: &str) -> String {
    page.until(&format!("{css} saying {wanted:?}"), async || {
        let text = page.text(css).await.unwrap_or_default();
        if text.contains(wanted) {
            Ok(text)
        } else {
            Err(text)
        }
    })
    .await
}

async fn scenario(page: Page, app: Rc<TestApp>, file: Rc<ScratchCsv>) {
    page.sign_in(EDITOR, PASSWORD, "/contacts").await;
    page.control("a", "Import").await.click().await.unwrap();
    until_text(&page, "h1", "Import contacts").await;

    page.labelled("File to import")
        .await
        .send_keys(&file.0.display().to_string())
        .await
        .unwrap();
    page.control("button", "Upload and map columns")
        .await
        .click()
        .await
        .unwrap();
    until_text(&page, "h1", "Map the columns of people.csv").await;
    assert!(
        page.location()
            .await
            .path
            .starts_with("/contacts/import/uploads/")
    );
    let about = page.text("main > p.muted").await.unwrap_or_default();
    assert!(about.contains("Google Contacts layout"), "{about}");

    // Preset for the layout: the email column goes to Email, with its first rows beside it.
    let email = page.labelled("E-mail 1 - Value").await;
    assert_eq!(email.prop("value").await.unwrap().as_deref(), Some("email"));
    let samples = page
        .text("#mapping-table tbody tr:nth-child(7) .mapping-samples")
        .await
        .unwrap();
    assert!(samples.contains("ada0@example.com"), "{samples}");
    // The meta key box shows only for a column going to a meta key.
    let key_box_shown = |row: usize| {
        let page = page.clone();
        async move {
            page.client
                .execute(
                    &format!(
                        "return !document.querySelector('#mapping-table tbody tr:nth-child({row}) .mapping-meta-key').hidden;"
                    ),
                    vec![],
                )
                .await
                .unwrap()
        }
    };
    assert_eq!(key_box_shown(7).await, json!(false));
    let organization = page.labelled("Organization Name").await;
    organization.select_by_value("ignore").await.unwrap();
    assert_eq!(key_box_shown(10).await, json!(false));
    organization.select_by_value("meta-key").await.unwrap();
    assert_eq!(key_box_shown(10).await, json!(true));
    let key = page.element("input[name='meta_key_9']").await;
    key.clear().await.unwrap();
    key.send_keys("company").await.unwrap();

    page.control("button", "Check the file (dry run)")
        .await
        .click()
        .await
        .unwrap();
    until_text(&page, "h1", "Dry run of people.csv").await;
    // The dry run's report, polled into place.
    let counts = until_text(&page, "#import-counts", "3,000").await;
    assert!(counts.to_lowercase().contains("new\n3,000"), "{counts}");
    assert_eq!(contact_count(&app), 0, "the dry run wrote nothing");

    page.control("button", "Import these rows")
        .await
        .click()
        .await
        .unwrap();
    until_text(&page, "h1", "Import of people.csv").await;
    // Each poll's bar, from the page itself.
    page.client
        .execute(
            "window.seenProgress = [];
             document.body.addEventListener('htmx:afterSettle', function () {
               var bar = document.getElementById('import-progress');
               if (bar && bar.max) window.seenProgress.push([bar.value, bar.max]);
             });",
            vec![],
        )
        .await
        .unwrap();
    until_text(&page, "#import-state", "Done").await;
    let bar = page.element("#import-progress").await;
    assert_eq!(bar.attr("value").await.unwrap().as_deref(), Some("3000"));
    assert_eq!(bar.attr("max").await.unwrap().as_deref(), Some("3000"));
    let seen = page
        .client
        .execute("return window.seenProgress;", vec![])
        .await
        .unwrap();
    let seen: Vec<(f64, f64)> = serde_json::from_value(seen).unwrap_or_default();
    assert!(
        seen.windows(2).all(|pair| pair[0].0 <= pair[1].0),
        "the bar only moves forward: {seen:?}"
    );
    let counts = page.text("#import-counts").await.unwrap();
    assert!(counts.contains("3,000"), "{counts}");
    assert_eq!(contact_count(&app), ROWS as i64);
    let company: serde_json::Value = contacts::table
        .select(contacts::meta)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(company["company"], "Engines Ltd", "{company}");

    // Listed on the import page afterwards.
    page.control("a", "All imports")
        .await
        .click()
        .await
        .unwrap();
    until_text(&page, "#import-jobs", "3,000 new").await;
}

fn contact_count(app: &TestApp) -> i64 {
    contacts::table.count().get_result(&mut app.conn()).unwrap()
}
