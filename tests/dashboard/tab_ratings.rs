//! The Ratings tab: summary numbers, the SVG chart, filters, pagination, links to the rated
//! message, escaping, and "Mark reviewed" (one, and all shown) with who and when.

use crate::common::builders::{ContactBuilder, ConversationBuilder, RatingBuilder};
use crate::common::{Response, TestApp, TestClient};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rapport::domain::{ContactId, RatingId, Role};
use rapport::models::Contact;
use rapport::models::message::Message;
use rapport::models::schema::{audit_events, ratings};

async fn setup(role: Role) -> (TestApp, TestClient, Contact, Vec<Message>) {
    let app = TestApp::spawn().await;
    let ada = ContactBuilder::new("Ada Lovelace").create(&mut app.conn());
    let (_, messages) = ConversationBuilder::new(ada.id)
        .subject("Support chat")
        .messages(10)
        .create(&mut app.conn());
    let client = app.signed_in(role).await;
    client.get("/contacts").await;
    (app, client, ada, messages)
}

/// (reviewed_at, reviewed_by_id, reviewed_by_name) of a rating.
fn review_of(app: &TestApp, id: RatingId) -> (Option<DateTime<Utc>>, Option<i64>, Option<String>) {
    ratings::table
        .find(id)
        .select((
            ratings::reviewed_at,
            ratings::reviewed_by_id,
            ratings::reviewed_by_name,
        ))
        .first(&mut app.conn())
        .unwrap()
}

fn count(response: &Response, needle: &str) -> usize {
    response.body.matches(needle).count()
}

#[actix_web::test]
async fn without_ratings_the_tab_says_what_will_appear() {
    let (_app, client, ada, _) = setup(Role::Editor).await;
    let page = client.get(&format!("/contacts/{}/ratings", ada.id)).await;
    assert_eq!(page.status, 200);
    page.assert_contains("Ratings <span class=\"count\">0</span>");
    page.assert_contains("id=\"ratings-empty\"");
    page.assert_lacks("<svg");
}

#[actix_web::test]
async fn the_summary_counts_ratings_and_the_chart_draws_the_last_30_days() {
    let (app, client, ada, messages) = setup(Role::Viewer).await;
    let now = Utc::now();
    let mut conn = app.conn();
    // Today: 2 up, 1 down; five days ago: 1 down and a neutral 0; 40 days ago: 1 up (outside
    // the chart, inside the totals).
    RatingBuilder::up(ada.id)
        .message(&messages[1])
        .at(now)
        .create(&mut conn);
    RatingBuilder::up(ada.id)
        .message(&messages[3])
        .at(now)
        .create(&mut conn);
    RatingBuilder::down(ada.id)
        .message(&messages[5])
        .at(now)
        .create(&mut conn);
    RatingBuilder::down(ada.id)
        .at(now - Duration::days(5))
        .create(&mut conn);
    RatingBuilder::new(ada.id, 0)
        .at(now - Duration::days(5))
        .create(&mut conn);
    RatingBuilder::up(ada.id)
        .at(now - Duration::days(40))
        .create(&mut conn);
    // Someone else's ratings count for them only.
    let grace = ContactBuilder::new("Grace Hopper").create(&mut conn);
    RatingBuilder::down(grace.id).create(&mut conn);
    drop(conn);

    let page = client.get(&format!("/contacts/{}/ratings", ada.id)).await;
    assert_eq!(page.status, 200);
    page.assert_contains("Ratings <span class=\"count\">6</span>");
    page.assert_contains("<dd id=\"ratings-total\">6</dd>");
    // 3 of 6 positive.
    page.assert_contains("<dd id=\"ratings-positive-share\">50%</dd>");
    page.assert_contains("id=\"ratings-up\">3</span>");
    page.assert_contains("id=\"ratings-down\">2</span>");
    page.assert_contains("<dd id=\"ratings-unreviewed\">6</dd>");

    page.assert_contains("<svg class=\"ratings-chart\"");
    page.assert_contains("role=\"img\"");
    page.assert_contains("<title id=\"ratings-chart-title\">Ratings per day, last 30 days</title>");
    page.assert_contains("2 up and 2 down");
    // Two days with ratings: today (up and down bars), five days ago (a down bar).
    assert_eq!(count(&page, "<rect class=\"bar bar-up\""), 1);
    assert_eq!(count(&page, "<rect class=\"bar bar-down\""), 2);
    let today = now.format("%Y-%m-%d").to_string();
    page.assert_contains(&format!("<title>{today}: 2 up</title>"));
    // The text alternative lists the days.
    page.assert_contains(&format!(
        "<th scope=\"row\">{today}</th><td>2</td><td>1</td>"
    ));

    // Neutral and graded values are labelled as such.
    page.assert_contains("Neutral <span class=\"value\">(0)</span>");
}

#[actix_web::test]
async fn each_rating_links_to_the_message_it_rates_and_reasons_are_escaped() {
    let (app, client, ada, messages) = setup(Role::Editor).await;
    let rated = &messages[3];
    RatingBuilder::down(ada.id)
        .message(rated)
        .reason("Wrong <script>alert('x')</script>\nand slow")
        .create(&mut app.conn());
    let page = client.get(&format!("/contacts/{}/ratings", ada.id)).await;
    let link = format!(
        "/contacts/{}/conversations/{}?at={}#message-{}",
        ada.id, rated.conversation_id, rated.id, rated.id
    );
    page.assert_contains(&format!("href=\"{}\"", link.replace('&', "&#38;")));
    page.assert_contains("<q>Message 4</q>");
    page.assert_lacks("<script>alert");
    page.assert_contains("Wrong &#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;\nand slow");
    page.assert_contains("Thumbs down");

    // The link opens the transcript with that message, marked as rated.
    let transcript = client.get(&link).await;
    assert_eq!(transcript.status, 200);
    transcript.assert_contains(&format!("id=\"message-{}\"", rated.id));
    transcript.assert_contains("Rated down");
}

#[actix_web::test]
async fn filters_narrow_the_list_and_swap_only_the_list() {
    let (app, client, ada, _) = setup(Role::Editor).await;
    let mut conn = app.conn();
    let now = Utc::now();
    RatingBuilder::up(ada.id)
        .reason("Great answer")
        .at(now - Duration::hours(1))
        .create(&mut conn);
    let bad = RatingBuilder::down(ada.id)
        .reason("Useless answer")
        .at(now - Duration::hours(2))
        .create(&mut conn);
    RatingBuilder::down(ada.id)
        .reason("Reviewed complaint")
        .at(now - Duration::hours(3))
        .create(&mut conn);
    drop(conn);
    let all = client.get(&format!("/contacts/{}/ratings", ada.id)).await;
    all.assert_contains("hx-target=\"#ratings-list\" hx-push-url=\"true\"");
    // Review the third one so the review filter has something to tell apart.
    let third = RatingBuilder::up(ada.id).create(&mut app.conn());
    diesel::update(ratings::table.find(third.id))
        .set(ratings::reviewed_at.eq(Some(now)))
        .execute(&mut app.conn())
        .unwrap();
    diesel::update(ratings::table.filter(ratings::reason.eq("Reviewed complaint")))
        .set(ratings::reviewed_at.eq(Some(now)))
        .execute(&mut app.conn())
        .unwrap();

    let up = client
        .get(&format!("/contacts/{}/ratings?value=up", ada.id))
        .await;
    up.assert_contains("Great answer");
    up.assert_lacks("Useless answer");
    up.assert_contains("<option value=\"up\" selected>");

    let down = client
        .get_htmx(
            &format!(
                "/contacts/{}/ratings?value=down&review=unreviewed&before=",
                ada.id
            ),
            "ratings-list",
        )
        .await;
    assert_eq!(down.status, 200);
    assert_eq!(
        down.header("hx-push-url"),
        Some(format!("/contacts/{}/ratings?value=down&review=unreviewed", ada.id).as_str())
    );
    down.assert_lacks("<html");
    down.assert_lacks("ratings-summary");
    down.assert_lacks("ratings-filters");
    down.assert_contains("Useless answer");
    down.assert_lacks("Reviewed complaint");
    down.assert_lacks("Great answer");
    down.assert_contains(&format!("id=\"rating-{}\"", bad.id));

    let reviewed = client
        .get(&format!("/contacts/{}/ratings?review=reviewed", ada.id))
        .await;
    reviewed.assert_contains("Reviewed complaint");
    reviewed.assert_lacks("Useless answer");

    let none = client
        .get(&format!(
            "/contacts/{}/ratings?value=up&review=reviewed&before=1_1",
            ada.id
        ))
        .await;
    none.assert_contains("id=\"ratings-none\"");

    // Unknown values are ignored rather than failing.
    let odd = client
        .get(&format!(
            "/contacts/{}/ratings?value=sideways&review=maybe",
            ada.id
        ))
        .await;
    assert_eq!(odd.status, 200);
    odd.assert_contains("Great answer");
    odd.assert_contains("Useless answer");
}

#[actix_web::test]
async fn the_list_pages_newest_first() {
    let (app, client, ada, _) = setup(Role::Viewer).await;
    let now = Utc::now();
    let mut conn = app.conn();
    for i in 0..30 {
        RatingBuilder::up(ada.id)
            .reason(&format!("Reason {i:02}"))
            .at(now - Duration::minutes(i))
            .create(&mut conn);
    }
    drop(conn);
    let first = client
        .get(&format!("/contacts/{}/ratings?value=up", ada.id))
        .await;
    first.assert_contains("Reason 00");
    first.assert_contains("Reason 24");
    first.assert_lacks("Reason 25");
    let marker = "rel=\"next\" href=\"";
    let start = first.body.find(marker).expect("an Older link") + marker.len();
    let older = first.body[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&");
    assert!(
        older.contains("value=up") && older.contains("before="),
        "{older}"
    );
    let second = client.get_htmx(&older, "ratings-list").await;
    second.assert_contains("Reason 25");
    second.assert_contains("Reason 29");
    second.assert_lacks("Reason 24");
    second.assert_lacks("rel=\"next\"");
}

#[actix_web::test]
async fn marking_one_rating_reviewed_records_who_and_when() {
    let (app, client, ada, messages) = setup(Role::Editor).await;
    let rating = RatingBuilder::down(ada.id)
        .message(&messages[1])
        .reason("Off topic")
        .create(&mut app.conn());
    let other = RatingBuilder::down(ada.id).create(&mut app.conn());
    let page = client.get(&format!("/contacts/{}/ratings", ada.id)).await;
    page.assert_contains(&format!(
        "action=\"/contacts/{}/ratings/{}/review\"",
        ada.id, rating.id
    ));

    let response = client
        .post_htmx(
            &format!("/contacts/{}/ratings/{}/review", ada.id, rating.id),
            &[("value", "down"), ("review", ""), ("before", "")],
            "profile-tabs",
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.assert_lacks("<html");
    response.assert_contains("Marked 1 rating as reviewed.");
    response.assert_contains("Reviewed by editor");
    response.assert_contains("<dd id=\"ratings-unreviewed\">1</dd>");
    response.assert_contains("<option value=\"down\" selected>");

    let (at, by_id, by_name) = review_of(&app, rating.id);
    assert!(at.is_some_and(|at| (Utc::now() - at).num_seconds().abs() < 60));
    assert!(by_id.is_some());
    assert!(by_name.unwrap().starts_with("editor "));
    assert_eq!(review_of(&app, other.id).0, None);
    let actions: Vec<(String, Option<ContactId>)> = audit_events::table
        .filter(audit_events::entity.eq("rating"))
        .select((audit_events::action, audit_events::contact_id))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(actions, vec![("reviewed".to_string(), Some(ada.id))]);

    // Again: nothing changes, and it says so. Without JavaScript: back to the list.
    let again = client
        .post_form(
            &format!("/contacts/{}/ratings/{}/review", ada.id, rating.id),
            &[("value", "down")],
        )
        .await;
    assert_eq!(again.status, 303);
    assert_eq!(
        again.location(),
        Some(format!("/contacts/{}/ratings?value=down", ada.id).as_str())
    );
    let list = client
        .get(&format!("/contacts/{}/ratings?value=down", ada.id))
        .await;
    list.assert_contains("That rating was already reviewed.");
    assert_eq!(review_of(&app, rating.id).1, by_id);

    // Another contact's rating is not found through this contact.
    let grace = ContactBuilder::new("Grace Hopper").create(&mut app.conn());
    let hers = RatingBuilder::up(grace.id).create(&mut app.conn());
    let wrong = client
        .post_form(
            &format!("/contacts/{}/ratings/{}/review", ada.id, hers.id),
            &[],
        )
        .await;
    assert_eq!(wrong.status, 404);
    assert_eq!(review_of(&app, hers.id).0, None);
    let history = client.get(&format!("/contacts/{}/history", ada.id)).await;
    history.assert_contains("reviewed a rating");
}

#[actix_web::test]
async fn mark_all_shown_marks_exactly_the_ratings_on_screen() {
    let (app, client, ada, _) = setup(Role::Editor).await;
    let now = Utc::now();
    let mut conn = app.conn();
    let downs: Vec<_> = (0..3)
        .map(|i| {
            RatingBuilder::down(ada.id)
                .at(now - Duration::minutes(i))
                .create(&mut conn)
        })
        .collect();
    let up = RatingBuilder::up(ada.id).create(&mut conn);
    let grace = ContactBuilder::new("Grace Hopper").create(&mut conn);
    let hers = RatingBuilder::down(grace.id).create(&mut conn);
    drop(conn);

    let shown = client
        .get(&format!("/contacts/{}/ratings?value=down", ada.id))
        .await;
    shown.assert_contains("Mark all shown as reviewed (3)");
    for rating in &downs {
        shown.assert_contains(&format!("name=\"rating_id\" value=\"{}\"", rating.id));
    }
    shown.assert_lacks(&format!("name=\"rating_id\" value=\"{}\"", up.id));

    let mut fields: Vec<(&str, String)> = downs
        .iter()
        .map(|r| ("rating_id", r.id.to_string()))
        .collect();
    // A forged id of another contact's rating is ignored.
    fields.push(("rating_id", hers.id.to_string()));
    fields.push(("value", "down".into()));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = client
        .post_htmx(
            &format!("/contacts/{}/ratings/review", ada.id),
            &fields,
            "profile-tabs",
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.assert_contains("Marked 3 ratings as reviewed.");
    response.assert_lacks("Mark all shown as reviewed");
    for rating in &downs {
        assert!(review_of(&app, rating.id).0.is_some());
    }
    assert_eq!(review_of(&app, up.id).0, None);
    assert_eq!(review_of(&app, hers.id).0, None);
    let events: i64 = audit_events::table
        .filter(audit_events::entity.eq("rating"))
        .filter(audit_events::action.eq("reviewed"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(events, 3);

    let empty = client
        .post_form(&format!("/contacts/{}/ratings/review", ada.id), &[])
        .await;
    assert_eq!(empty.status, 400);
}

#[actix_web::test]
async fn viewers_see_ratings_but_cannot_review_them() {
    let (app, viewer, ada, _) = setup(Role::Viewer).await;
    let rating = RatingBuilder::down(ada.id)
        .reason("Meh")
        .create(&mut app.conn());
    let page = viewer.get(&format!("/contacts/{}/ratings", ada.id)).await;
    assert_eq!(page.status, 200);
    page.assert_contains("Meh");
    page.assert_contains("Not reviewed");
    page.assert_lacks("Mark reviewed");
    page.assert_lacks("Mark all shown");
    let one = viewer
        .post_form(
            &format!("/contacts/{}/ratings/{}/review", ada.id, rating.id),
            &[],
        )
        .await;
    assert_eq!(one.status, 403);
    let all = viewer
        .post_form(
            &format!("/contacts/{}/ratings/review", ada.id),
            &[("rating_id", &rating.id.to_string())],
        )
        .await;
    assert_eq!(all.status, 403);
    assert_eq!(review_of(&app, rating.id).0, None);
}
