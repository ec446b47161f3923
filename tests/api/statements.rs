//! How many SQL statements an API call costs, counted by the test server's pool (issue 9).
//! The bound is today's count; lower it as the call gets cheaper. Run with `--nocapture` to
//! see the number.
//!
//! The call is made once before it is measured, so the count is a warm connection's and the
//! token's last use was just recorded (it is written at most once a minute).

use crate::common::TestApp;
use crate::common::builders::ContactBuilder;
use rapport::domain::api_token::TokenRole;

/// `GET /api/v1/contact/{id}/fetch`: the token found and its last use recorded in one
/// statement (the `UPDATE` changes nothing within a minute), then the contact. Was 3 before.
const FETCH_BOUND: u64 = 2;

#[actix_web::test]
async fn a_contact_fetch_stays_within_its_statements() {
    let app = TestApp::spawn().await;
    let id = ContactBuilder::new("Ada Lovelace")
        .email("ada@analytical.example")
        .meta("plan", "pro")
        .create(&mut app.conn())
        .id;
    let token = app.api_token(TokenRole::Viewer);
    let client = app.client();
    let path = format!("/api/v1/contact/{id}/fetch");
    let warm_up = client.api("GET", &path, Some(&token), &[], None).await;
    assert_eq!(warm_up.status, 200, "{}", warm_up.body);

    let (response, sent) = app
        .statements_of(client.api("GET", &path, Some(&token), &[], None))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    sent.assert_at_most(FETCH_BOUND, "GET /api/v1/contact/{id}/fetch");
}
