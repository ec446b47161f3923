//! An import from the dashboard end to end, with the job worker running as `serve` runs it:
//! the dry run's counts are the real run's, the contact list grows by exactly "new", every
//! changed contact has one audit entry naming the job, invalid rows come with their reasons
//! (and as a CSV), and importing the same file again changes nothing.

use crate::common::TestApp;
use crate::common::builders::ContactBuilder;
use crate::import_support::{
    contact_count, counts, fixture, run_import, send_mapping, start_dry_run, upload_ok,
    wait_for_job,
};
use diesel::prelude::*;
use rapport::domain::Role;
use rapport::models::schema::{contacts, jobs};

/// Uploads `bytes`, dry-runs it with the preset mapping (and `changes`), imports it; returns
/// the dry run's and the import's counts.
async fn import_file(
    app: &TestApp,
    client: &crate::common::TestClient,
    name: &str,
    bytes: &[u8],
    changes: &[(&str, &str)],
) -> ([i64; 5], [i64; 5]) {
    let mapping = upload_ok(client, name, bytes).await;
    let dry_run = start_dry_run(client, &mapping, changes).await;
    let checked = wait_for_job(app, dry_run).await;
    assert_eq!(checked.state, "done", "{checked:?}");
    let before = contact_count(app);
    let import = run_import(client, dry_run).await;
    let imported = wait_for_job(app, import).await;
    assert_eq!(imported.state, "done", "{imported:?}");
    assert_eq!(
        contact_count(app) - before,
        imported.count("new"),
        "the list grew by exactly the new count"
    );
    (counts(&checked), counts(&imported))
}

#[actix_web::test]
async fn a_dry_run_then_the_import_with_honest_counts_audit_and_invalid_rows() {
    let app = TestApp::spawn().await;
    let _worker = app.start_job_worker();
    let existing = ContactBuilder::new("Valid Person")
        .email("VALID@example.com")
        .create(&mut app.conn());
    let client = app.signed_in(Role::Editor).await;

    let mapping = upload_ok(&client, "invalid-rows.csv", &fixture("invalid-rows.csv")).await;
    let dry_run = start_dry_run(&client, &mapping, &[]).await;
    let checked = wait_for_job(&app, dry_run).await;
    assert_eq!(checked.state, "done", "{checked:?}");
    // new, updated, unchanged, skipped, invalid
    assert_eq!(counts(&checked), [1, 1, 0, 0, 5]);
    assert_eq!(contact_count(&app), 1, "a dry run writes nothing");

    let report = client
        .get(&format!("/contacts/import/jobs/{dry_run}"))
        .await;
    report.assert_contains("The dry run wrote nothing.");
    report.assert_contains("<div class=\"count count-new\"><dt>new</dt><dd>1</dd></div>");
    report.assert_contains("<div class=\"count count-invalid\"><dt>invalid</dt><dd>5</dd></div>");
    // The first invalid rows: row number, column, message.
    report.assert_contains("<tr><td>3</td><td>email</td>");
    report.assert_contains("<tr><td>4</td><td>phone</td>");
    report.assert_contains(
        "<tr><td>5</td><td></td><td>This row has 2 cells but the header has 4 columns",
    );
    report.assert_contains("Download invalid rows (CSV)");
    report.assert_contains("Change the mapping");

    let csv = client
        .get(&format!("/contacts/import/jobs/{dry_run}/invalid-rows.csv"))
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(
        csv.header("content-disposition")
            .unwrap()
            .starts_with("attachment")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "row,name,email,phone,plan,reason");
    assert_eq!(lines.len(), 6, "{}", csv.body);
    assert!(
        lines[1].starts_with("3,Bad Email,not-an-email,,free,email: "),
        "{}",
        lines[1]
    );
    assert!(lines[5].starts_with("9,,,,orphan-plan,"), "{}", lines[5]);

    let import = run_import(&client, dry_run).await;
    let imported = wait_for_job(&app, import).await;
    assert_eq!(imported.state, "done", "{imported:?}");
    assert_eq!(counts(&imported), counts(&checked), "the dry run said so");
    assert_eq!(contact_count(&app), 2, "grew by exactly new");

    // Filled in, not overwritten; one audit entry each, naming the import.
    let updated: (Option<String>, Option<String>, serde_json::Value) = contacts::table
        .find(existing.id)
        .select((contacts::name, contacts::phone, contacts::meta))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(updated.0.as_deref(), Some("Valid Person"));
    assert_eq!(updated.1.as_deref(), Some("+12025550123"));
    assert_eq!(updated.2, serde_json::json!({"plan": "pro"}));
    let trail = app.audit_of("contact", existing.id);
    let imports: Vec<_> = trail
        .iter()
        .filter(|(_, changes)| changes.get("source").is_some())
        .collect();
    assert_eq!(imports.len(), 1, "{trail:?}");
    assert_eq!(imports[0].0, "update");
    assert_eq!(imports[0].1["source"]["after"], "import");
    assert_eq!(imports[0].1["import_job"]["after"], import.0);
    let created: (i64, String) = contacts::table
        .filter(contacts::email.eq("trailing@example.com"))
        .select((contacts::id, contacts::source))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(created.1, "import");
    let trail = app.audit_of("contact", created.0);
    assert_eq!(trail.len(), 1, "{trail:?}");
    assert_eq!(trail[0].0, "create");
    assert_eq!(trail[0].1["import_job"]["after"], import.0);

    let done = client.get(&format!("/contacts/import/jobs/{import}")).await;
    done.assert_contains("Show imported contacts");
    done.assert_lacks("Import these rows");
    // The dry run now points at its import instead of offering another.
    let dry = client
        .get(&format!("/contacts/import/jobs/{dry_run}"))
        .await;
    dry.assert_contains(&format!("href=\"/contacts/import/jobs/{import}\""));
    dry.assert_lacks("Import these rows");

    // The same file again: every valid row is unchanged, nothing is written.
    let (again_checked, again) = import_file(
        &app,
        &client,
        "invalid-rows.csv",
        &fixture("invalid-rows.csv"),
        &[],
    )
    .await;
    assert_eq!(again, [0, 0, 2, 0, 5]);
    assert_eq!(again_checked, again);
    assert_eq!(contact_count(&app), 2);

    // Every job is listed on the import page with its counts.
    let page = client.get("/contacts/import").await;
    assert_eq!(page.body.matches("invalid-rows.csv</a>").count(), 4);
    page.assert_contains("1 new · 1 updated · 0 unchanged · 0 skipped · 5 invalid");
    page.assert_contains("0 new · 0 updated · 2 unchanged · 0 skipped · 5 invalid");
}

#[actix_web::test]
async fn rows_matching_each_other_merge_into_one_contact() {
    let app = TestApp::spawn().await;
    let _worker = app.start_job_worker();
    let client = app.signed_in(Role::Editor).await;
    let file = "Name,Email,Phone,Email 2\n\
                Ada,ada@example.com,,\n\
                Ada Lovelace,ADA@example.com,+1 202 555 0101,ada@work.example\n\
                Countess,,+12025550101,\n\
                Grace,grace@example.com,,\n";
    let (checked, imported) = import_file(&app, &client, "people.csv", file.as_bytes(), &[]).await;
    assert_eq!(imported, [2, 1, 1, 0, 0]);
    assert_eq!(checked, imported);
    let ada: (Option<String>, Option<String>, serde_json::Value) = contacts::table
        .filter(contacts::email.eq("ada@example.com"))
        .select((contacts::name, contacts::phone, contacts::meta))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(ada.0.as_deref(), Some("Ada"), "empty fields only");
    assert_eq!(ada.1.as_deref(), Some("+12025550101"));
    assert_eq!(ada.2, serde_json::json!({"email_2": "ada@work.example"}));
}

#[actix_web::test]
async fn the_on_match_choice_overwrites_or_skips() {
    let app = TestApp::spawn().await;
    let _worker = app.start_job_worker();
    ContactBuilder::new("Ada")
        .email("ada@example.com")
        .nick("ada")
        .create(&mut app.conn());
    let client = app.signed_in(Role::Editor).await;
    let file = b"Name,Email,Nick\nAda Lovelace,ada@example.com,countess\n";

    let (_, skipped) = import_file(&app, &client, "a.csv", file, &[("on_match", "skip")]).await;
    assert_eq!(skipped, [0, 0, 0, 1, 0]);
    let (_, overwritten) =
        import_file(&app, &client, "a.csv", file, &[("on_match", "overwrite")]).await;
    assert_eq!(overwritten, [0, 1, 0, 0, 0]);
    let ada: (Option<String>, Option<String>) = contacts::table
        .filter(contacts::email.eq("ada@example.com"))
        .select((contacts::name, contacts::nick))
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(ada, (Some("Ada Lovelace".into()), Some("countess".into())));
}

#[actix_web::test]
async fn the_job_page_polls_until_the_job_ends_and_runs_the_import_once() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    let mapping = upload_ok(&client, "google.csv", &fixture("google.csv")).await;
    // No worker yet: the dry run waits.
    let dry_run = start_dry_run(&client, &mapping, &[]).await;
    let waiting = client
        .get_htmx(&format!("/contacts/import/jobs/{dry_run}"), "import-status")
        .await;
    assert_eq!(waiting.status, 200);
    waiting.assert_lacks("<html");
    waiting.assert_contains("hx-trigger=\"every 1s\"");
    waiting.assert_contains("Waiting for a worker");

    let worker = app.start_job_worker();
    wait_for_job(&app, dry_run).await;
    let done = client
        .get_htmx(&format!("/contacts/import/jobs/{dry_run}"), "import-status")
        .await;
    done.assert_lacks("hx-trigger");
    done.assert_contains("<dd>3</dd>");
    done.assert_contains("id=\"import-progress\" class=\"upload-progress\" value=\"3\" max=\"3\"");
    drop(worker);

    // Pressed twice (two tabs, a double click): one import.
    let run = format!("/contacts/import/jobs/{dry_run}/run");
    let first = client.post_form(&run, &[]).await;
    let second = client.post_form(&run, &[]).await;
    assert_eq!(first.status, 303);
    assert_eq!(first.location(), second.location());
    let imports: i64 = jobs::table
        .filter(jobs::kind.eq("import"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(imports, 1);
}

#[actix_web::test]
async fn a_mapping_that_cannot_work_comes_back_with_each_problem() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    let mapping = upload_ok(&client, "tabs.tsv", &fixture("tabs.tsv")).await;
    let (_, refused) = send_mapping(
        &client,
        &mapping,
        &[
            ("column_0", "meta-key"),
            ("meta_key_0", "_secret"),
            ("column_1", "meta-key"),
            ("meta_key_1", "plan"),
            ("column_2", "meta-key"),
            ("meta_key_2", "plan"),
        ],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    refused.assert_contains("id=\"column-0-error\">Meta key:");
    refused.assert_contains("Another column already goes to the meta key &#34;plan&#34;.");
    // What was chosen stays chosen.
    refused.assert_contains("name=\"meta_key_0\" value=\"_secret\"");

    let (_, unidentified) = send_mapping(
        &client,
        &mapping,
        &[
            ("column_0", "ignore"),
            ("column_1", "ignore"),
            ("column_2", "description"),
        ],
    )
    .await;
    assert_eq!(unidentified.status, 422);
    unidentified
        .assert_contains("Map at least one column to Name, Email, Phone, Nick or Fingerprint");
    let queued: i64 = jobs::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(queued, 0);
}

#[actix_web::test]
async fn a_canceled_import_can_be_run_again() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    let mapping = upload_ok(&client, "google.csv", &fixture("google.csv")).await;
    let dry_run = start_dry_run(&client, &mapping, &[]).await;
    let worker = app.start_job_worker();
    wait_for_job(&app, dry_run).await;
    drop(worker);
    // No worker now: the import waits, and is canceled before it starts.
    let import = run_import(&client, dry_run).await;
    let waiting = client.get(&format!("/contacts/import/jobs/{import}")).await;
    waiting.assert_contains(&format!("action=\"/contacts/import/jobs/{import}/cancel\""));
    let canceled = client
        .post_form(&format!("/contacts/import/jobs/{import}/cancel"), &[])
        .await;
    assert_eq!(canceled.status, 303);
    let page = client.get(&format!("/contacts/import/jobs/{import}")).await;
    page.assert_contains("Canceled. Rows imported so far stay.");
    page.assert_contains("Run it again");
    assert_eq!(
        client
            .post_form(&format!("/contacts/import/jobs/{import}/cancel"), &[])
            .await
            .location(),
        Some(format!("/contacts/import/jobs/{import}").as_str())
    );

    let again = client
        .post_form(&format!("/contacts/import/jobs/{import}/run"), &[])
        .await;
    assert_eq!(again.status, 303);
    let rerun = crate::import_support::job_of(again.location().unwrap());
    assert_ne!(rerun, import);
    let _worker = app.start_job_worker();
    let ended = wait_for_job(&app, rerun).await;
    assert_eq!(counts(&ended), [3, 0, 0, 0, 0]);
    assert_eq!(contact_count(&app), 3);
    // An import that succeeded is not run again.
    let refused = client
        .post_form(&format!("/contacts/import/jobs/{rerun}/run"), &[])
        .await;
    assert_eq!(refused.status, 409);
}

#[actix_web::test]
async fn the_invalid_rows_download_neutralises_formulas_and_needs_the_file() {
    let app = TestApp::spawn().await;
    let _worker = app.start_job_worker();
    let client = app.signed_in(Role::Editor).await;
    let file =
        b"Name,Email\n=HYPERLINK(\"http://evil.example\"),not-an-email\nAda,ada@example.com\n";
    let mapping = upload_ok(&client, "formulas.csv", file).await;
    let dry_run = start_dry_run(&client, &mapping, &[]).await;
    assert_eq!(counts(&wait_for_job(&app, dry_run).await), [1, 0, 0, 0, 1]);
    let url = format!("/contacts/import/jobs/{dry_run}/invalid-rows.csv");
    let csv = client.get(&url).await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body
            .contains("2,\"'=HYPERLINK(\"\"http://evil.example\"\")\",not-an-email,Email: "),
        "{}",
        csv.body
    );

    // Once the upload is gone (purged), neither the download nor the mapping screen can
    // read it, and both say so.
    diesel::delete(rapport::models::schema::uploads::table)
        .execute(&mut app.conn())
        .unwrap();
    let gone = client.get(&url).await;
    assert_eq!(gone.status, 409);
    gone.assert_contains("no longer kept on the server");
    let screen = client.get(&mapping).await;
    assert_eq!(screen.status, 404);
    let report = client
        .get(&format!("/contacts/import/jobs/{dry_run}"))
        .await;
    report.assert_lacks("Download invalid rows");
    report.assert_lacks("Import these rows");
}
