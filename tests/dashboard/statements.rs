//! How many SQL statements a page costs, counted by the test server's pool (issue 9: one
//! checkout and a handful of statements per page). Each bound is today's count; lower it as
//! pages get cheaper, never raise it without a reason in the commit. Run with
//! `--nocapture` to see the numbers.
//!
//! Each page is loaded once before it is measured, so the count is a warm connection's (a
//! fresh connection first looks up a few type ids, once).

use crate::common::TestApp;
use crate::common::builders::ContactBuilder;
use rapport::domain::{ContactId, Role};

/// `GET /contacts`: the signed-in user, then the first page with the total (exact count and
/// the planner's estimate as subqueries of the page's statement). Was 6 before issue 9.
const LIST_BOUND: u64 = 2;
/// `GET /contacts?q=…`: the user, the planner's estimate of the matches (`EXPLAIN`: a broad
/// search is then not counted at all), then the page with the capped count. Was 8 before
/// issue 9.
const SEARCH_BOUND: u64 = 3;
/// `GET /contacts/{id}`: the user, then the contact with every tab's count in one
/// statement. Was 10 before issue 9.
const PROFILE_BOUND: u64 = 2;

async fn app_with_contacts() -> (TestApp, crate::common::TestClient, ContactId) {
    let app = TestApp::spawn().await;
    let ada = {
        let mut conn = app.conn();
        let ada = ContactBuilder::new("Ada Lovelace")
            .email("ada@analytical.example")
            .nick("countess")
            .meta("plan", "pro")
            .create(&mut conn);
        ContactBuilder::new("Grace Hopper")
            .email("grace@navy.example")
            .create(&mut conn);
        ContactBuilder::new("Alan Turing")
            .email("alan@bletchley.example")
            .create(&mut conn);
        ada
    };
    let client = app.signed_in(Role::Viewer).await;
    (app, client, ada.id)
}

/// The statements of a warm `GET path`, after checking that it answers 200.
async fn measure(
    app: &TestApp,
    client: &crate::common::TestClient,
    path: &str,
) -> crate::common::statements::Sent {
    let warm_up = client.get(path).await;
    assert_eq!(warm_up.status, 200, "{path}: {}", warm_up.body);
    let (response, sent) = app.statements_of(client.get(path)).await;
    assert_eq!(response.status, 200, "{path}: {}", response.body);
    sent
}

#[actix_web::test]
async fn the_contacts_list_stays_within_its_statements() {
    let (app, client, _) = app_with_contacts().await;
    let sent = measure(&app, &client, "/contacts").await;
    sent.assert_at_most(LIST_BOUND, "GET /contacts");
}

#[actix_web::test]
async fn a_search_stays_within_its_statements() {
    let (app, client, _) = app_with_contacts().await;
    let sent = measure(&app, &client, "/contacts?q=ada").await;
    sent.assert_at_most(SEARCH_BOUND, "GET /contacts?q=ada");
}

#[actix_web::test]
async fn a_profile_stays_within_its_statements() {
    let (app, client, id) = app_with_contacts().await;
    let sent = measure(&app, &client, &format!("/contacts/{id}")).await;
    sent.assert_at_most(PROFILE_BOUND, "GET /contacts/{id}");
}
