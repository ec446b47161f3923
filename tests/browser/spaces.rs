//! Files in a space, in a real browser: create a space, upload a file through htmx (progress
//! bar, CSRF header), upload it again and replace it without choosing it again, download it.

use crate::chrome::{Browser, Page};
use crate::common::builders::ContactBuilder;
use crate::common::{PASSWORD, TestApp};
use diesel::prelude::*;
use rapport::domain::{ContactId, Role};
use rapport::models::schema::space_files;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::rc::Rc;

const EDITOR: &str = "editor@staff.example.com";

#[actix_web::test]
async fn upload_replace_and_download_a_file_in_a_space() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = Rc::new(TestApp::spawn().await);
    app.create_user(EDITOR, Role::Editor);
    let ada = ContactBuilder::new("Ada Lovelace").create(&mut app.conn());
    browser
        .run(
            &app.address,
            |page| scenario(page, Rc::clone(&app), ada.id),
            |entry| {
                // Chromium logs every 4xx answer; the 409 that asks before replacing is expected.
                entry.message.contains("/files - Failed to load resource")
                    && entry.message.contains("409 (Conflict)")
            },
        )
        .await;
}

/// A file named `name` with `bytes`, in a directory of its own (two versions of one name).
struct ScratchFile(PathBuf);

impl ScratchFile {
    fn new(version: &str, name: &str, bytes: &[u8]) -> ScratchFile {
        let dir = std::env::temp_dir().join(format!(
            "rapport-browser-upload-{}-{version}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        ScratchFile(path)
    }

    fn path(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn stored(app: &TestApp) -> Vec<(String, String)> {
    space_files::table
        .select((space_files::path, space_files::sha256))
        .load(&mut app.conn())
        .unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn notice(page: &Page, text: &str) {
    page.until(&format!("the notice {text:?}"), async || {
        let toasts = page.text("#toasts").await.unwrap_or_default();
        if toasts.contains(text) {
            Ok(())
        } else {
            Err(toasts)
        }
    })
    .await;
}

async fn scenario(page: Page, app: Rc<TestApp>, contact: ContactId) {
    page.sign_in(EDITOR, PASSWORD, "/contacts").await;

    // The tab is swapped in by htmx, its URL pushed.
    page.goto(&format!("/contacts/{contact}")).await;
    page.element(&format!("a.tab[href='/contacts/{contact}/spaces']"))
        .await
        .click()
        .await
        .unwrap();
    page.until("the Spaces tab", async || {
        let panel = page.text(".tab-panel").await.unwrap_or_default();
        if panel.contains("No spaces yet.") {
            Ok(())
        } else {
            Err(panel)
        }
    })
    .await;
    assert_eq!(
        page.location().await.path,
        format!("/contacts/{contact}/spaces")
    );

    page.control("summary", "New space")
        .await
        .click()
        .await
        .unwrap();
    page.labelled("Name")
        .await
        .send_keys("Contracts")
        .await
        .unwrap();
    page.control("button", "Create space")
        .await
        .click()
        .await
        .unwrap();
    notice(&page, "Created the space Contracts").await;
    let space_path = page.location().await.path;
    assert!(
        space_path.starts_with(&format!("/contacts/{contact}/spaces/")),
        "{space_path}"
    );

    // Remembers the progress bar as the last progress event left it, across the reload that
    // follows a successful upload.
    page.client
        .execute(
            "document.addEventListener('htmx:xhr:progress', function () {
               var bar = document.querySelector('.upload-progress');
               sessionStorage.setItem('upload-progress', bar.value + (bar.hidden ? ' hidden' : ''));
             });",
            vec![],
        )
        .await
        .unwrap();
    let first: Vec<u8> = (0..400_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let first_file = ScratchFile::new("v1", "contract.txt", &first);
    page.labelled("Upload files")
        .await
        .send_keys(&first_file.path())
        .await
        .unwrap();
    page.control("button", "Upload")
        .await
        .click()
        .await
        .unwrap();
    notice(&page, "Uploaded contract.txt").await;
    assert_eq!(
        stored(&app),
        [("contract.txt".to_string(), sha256_hex(&first))]
    );
    let progress = page
        .client
        .execute("return sessionStorage.getItem('upload-progress');", vec![])
        .await
        .unwrap();
    assert_eq!(progress, json!("100"), "the progress bar filled up");
    assert!(page.exists("a[download]").await);

    // The same name again: asked first; Replace sends the still-selected file again.
    let second = b"the countersigned version".to_vec();
    let second_file = ScratchFile::new("v2", "contract.txt", &second);
    page.labelled("Upload files")
        .await
        .send_keys(&second_file.path())
        .await
        .unwrap();
    page.control("button", "Upload")
        .await
        .click()
        .await
        .unwrap();
    page.element(".upload-conflicts").await;
    let selected = page
        .client
        .execute(
            "return document.getElementById('upload-files').files.length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(selected, json!(1), "the selection survives the question");
    assert_eq!(
        stored(&app),
        [("contract.txt".to_string(), sha256_hex(&first))]
    );
    page.control("button", "Replace")
        .await
        .click()
        .await
        .unwrap();
    notice(&page, "Replaced contract.txt").await;
    assert_eq!(
        stored(&app),
        [("contract.txt".to_string(), sha256_hex(&second))]
    );

    // The download link serves the new bytes as an attachment.
    let href = page
        .element("td.file-name a")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let fetched = page
        .client
        .execute_async(
            "var done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(function (r) {
               return r.text().then(function (body) {
                 done([r.status, r.headers.get('content-disposition'), body]);
               });
             });",
            vec![json!(href)],
        )
        .await
        .unwrap();
    assert_eq!(
        fetched,
        Value::Array(vec![
            json!(200),
            json!("attachment; filename=\"contract.txt\"; filename*=UTF-8''contract.txt"),
            json!("the countersigned version"),
        ])
    );
}
