//! The contacts list: search by every field, sort, filters, keyset pagination, totals.

use crate::common::builders::ContactBuilder;
use crate::common::{Response, TestApp};
use diesel::prelude::*;
use rapport::domain::{ContactSource, Role};
use rapport::models::contact::NewContact;

/// The names in the results table, in order.
fn names(response: &Response) -> Vec<String> {
    response
        .body
        .split("<span class=\"name\">")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap_or_default().to_string())
        .collect()
}

fn href_with_rel(response: &Response, rel: &str) -> Option<String> {
    let marker = format!("rel=\"{rel}\" href=\"");
    let start = response.body.find(&marker)? + marker.len();
    let end = response.body[start..].find('"')? + start;
    Some(
        response.body[start..end]
            .replace("&#38;", "&")
            .replace("&amp;", "&"),
    )
}

async fn app_with_people() -> (TestApp, crate::common::TestClient) {
    let app = TestApp::spawn().await;
    {
        let mut conn = app.conn();
        ContactBuilder::new("Ada Lovelace")
            .email("ada@analytical.example")
            .phone("+1 212 555 0147")
            .nick("countess")
            .meta("plan", "pro")
            .create(&mut conn);
        ContactBuilder::new("Grace Hopper")
            .email("grace@navy.example")
            .phone("+44 20 7946 0958")
            .nick("amazing_grace")
            .source(ContactSource::Email)
            .create(&mut conn);
        ContactBuilder::new("Alan Turing")
            .email("alan@bletchley.example")
            .nick("enigma")
            .source(ContactSource::Widget)
            .unverified()
            .meta("plan", "free")
            .create(&mut conn);
    }
    let client = app.signed_in(Role::Viewer).await;
    (app, client)
}

#[actix_web::test]
async fn the_list_shows_every_column() {
    let (_app, client) = app_with_people().await;
    let page = client.get("/contacts").await;
    assert_eq!(page.status, 200);
    page.assert_contains("3 contacts");
    page.assert_contains("Ada Lovelace");
    page.assert_contains("@countess");
    page.assert_contains("ada@analytical.example");
    page.assert_contains("+1 212-555-0147");
    page.assert_contains("+44 20 7946 0958");
    page.assert_contains("badge-verified");
    page.assert_contains("<td>Email</td>");
    page.assert_contains("<time datetime=");
    assert_eq!(client.get("/").await.location(), Some("/contacts"));
}

#[actix_web::test]
async fn search_matches_name_email_nick_and_phone_in_any_format() {
    let (_app, client) = app_with_people().await;
    let cases: &[(&str, &str)] = &[
        ("lovelace", "Ada Lovelace"),
        ("LOVE", "Ada Lovelace"),
        ("navy.exa", "Grace Hopper"),
        ("enigm", "Alan Turing"),
        ("+1 (212) 555-0147", "Ada Lovelace"),
        ("212-555-0147", "Ada Lovelace"),
        ("2125550147", "Ada Lovelace"),
        ("020 7946 0958", "Grace Hopper"),
        ("7946", "Grace Hopper"),
        ("al", "Alan Turing"),
    ];
    for (query, expected) in cases {
        let page = client
            .get(&format!("/contacts?q={}", urlencode(query)))
            .await;
        assert_eq!(names(&page), vec![expected.to_string()], "query {query:?}");
        page.assert_contains("1 contact");
    }
    let none = client.get("/contacts?q=zzzz").await;
    assert!(names(&none).is_empty());
    none.assert_contains("No contacts match");
    // LIKE wildcards in a query are literal.
    assert!(names(&client.get("/contacts?q=%25%25%25").await).is_empty());
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[actix_web::test]
async fn searching_through_htmx_returns_only_the_results() {
    let (_app, client) = app_with_people().await;
    let fragment = client.get_htmx("/contacts?q=grace", "results").await;
    assert_eq!(fragment.status, 200);
    fragment.assert_lacks("<html");
    fragment.assert_lacks("id=\"list-controls\"");
    assert_eq!(names(&fragment), vec!["Grace Hopper".to_string()]);
    assert_eq!(fragment.header("vary"), Some("HX-Request, HX-Target"));
    // The address bar gets a clean, linkable URL.
    assert_eq!(fragment.header("hx-push-url"), Some("/contacts?q=grace"));
    let filtered = client
        .get_htmx(
            "/contacts?q=&sort=name&source=&verified=no&meta=&per_page=25",
            "results",
        )
        .await;
    assert_eq!(
        filtered.header("hx-push-url"),
        Some("/contacts?sort=name&verified=no")
    );
}

#[actix_web::test]
async fn sorting_by_name_updated_and_created() {
    let (app, client) = app_with_people().await;
    // Touch Ada so she is the most recently updated.
    diesel::sql_query(
        "UPDATE contacts SET updated_at = now() + interval '1 minute' WHERE name = 'Ada Lovelace'",
    )
    .execute(&mut app.conn())
    .unwrap();
    assert_eq!(
        names(&client.get("/contacts?sort=name").await),
        ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    );
    assert_eq!(
        names(&client.get("/contacts?sort=created").await),
        ["Alan Turing", "Grace Hopper", "Ada Lovelace"]
    );
    assert_eq!(
        names(&client.get("/contacts?sort=updated").await)[0],
        "Ada Lovelace"
    );
    // An unknown sort falls back to the default instead of failing.
    assert_eq!(client.get("/contacts?sort=sideways").await.status, 200);
}

#[actix_web::test]
async fn filters_by_source_verified_and_meta() {
    let (_app, client) = app_with_people().await;
    assert_eq!(
        names(&client.get("/contacts?source=email").await),
        ["Grace Hopper"]
    );
    assert_eq!(
        names(&client.get("/contacts?verified=no").await),
        ["Alan Turing"]
    );
    assert_eq!(
        names(&client.get("/contacts?verified=yes&sort=name").await),
        ["Ada Lovelace", "Grace Hopper"]
    );
    assert_eq!(
        names(&client.get("/contacts?meta=plan%3Dpro").await),
        ["Ada Lovelace"]
    );
    assert_eq!(
        names(&client.get("/contacts?meta=plan%3Dfree&q=alan").await),
        ["Alan Turing"]
    );
}

#[actix_web::test]
async fn pagination_is_stable_when_timestamps_are_equal() {
    let app = TestApp::spawn().await;
    {
        // One transaction: every row gets the same created_at and updated_at.
        let mut conn = app.conn();
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            for i in 0..60 {
                let new = NewContact {
                    name: Some(format!("Person {i:02}")),
                    description: None,
                    email: None,
                    phone: None,
                    nick: None,
                    preferences: None,
                    meta: serde_json::json!({}),
                    fingerprint: None,
                    verified_at: None,
                    source: "import".into(),
                };
                diesel::insert_into(rapport::models::schema::contacts::table)
                    .values(&new)
                    .execute(conn)?;
            }
            Ok(())
        })
        .unwrap();
    }
    let client = app.signed_in(Role::Viewer).await;
    for sort in ["updated", "created", "name"] {
        let mut seen = Vec::new();
        let mut url = format!("/contacts?sort={sort}");
        let mut pages = Vec::new();
        loop {
            let page = client.get(&url).await;
            assert_eq!(page.status, 200);
            page.assert_contains("60 contacts");
            let page_names = names(&page);
            assert!(page_names.len() <= 25);
            seen.extend(page_names.clone());
            pages.push((url.clone(), page_names));
            match href_with_rel(&page, "next") {
                Some(next) => url = next,
                None => break,
            }
        }
        assert_eq!(pages.len(), 3, "{sort}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 60, "every contact exactly once ({sort})");
        assert_eq!(seen.len(), 60, "no repeats ({sort})");

        // Previous from the last page gives back the middle page.
        let last = client.get(&pages[2].0).await;
        let previous = href_with_rel(&last, "prev").expect("a previous link");
        assert_eq!(names(&client.get(&previous).await), pages[1].1, "{sort}");
        assert!(href_with_rel(&client.get(&pages[0].0).await, "prev").is_none());
    }
    let fifty = client.get("/contacts?per_page=50").await;
    assert_eq!(names(&fifty).len(), 50);
}

#[actix_web::test]
async fn large_totals_are_estimated() {
    let app = TestApp::spawn().await;
    diesel::sql_query(
        "INSERT INTO contacts (name, source) SELECT 'Bulk ' || g, 'import' FROM generate_series(1, 1500) g",
    )
    .execute(&mut app.conn())
    .unwrap();
    diesel::sql_query("ANALYZE contacts")
        .execute(&mut app.conn())
        .unwrap();
    let client = app.signed_in(Role::Viewer).await;
    let page = client.get("/contacts").await;
    page.assert_contains("about 1,500 contacts");
    let filtered = client.get("/contacts?q=bulk").await;
    filtered.assert_contains("about ");
    let exact = client.get("/contacts?q=bulk%2012").await;
    // "bulk 12", "bulk 120".."bulk 129", "bulk 1200".."bulk 1299": 111 rows, counted exactly.
    exact.assert_contains("111 contacts");
}

#[actix_web::test]
async fn a_page_past_the_end_still_shows_the_total() {
    let app = TestApp::spawn().await;
    for n in 0..30 {
        ContactBuilder::new(&format!("Person {n:02}")).create(&mut app.conn());
    }
    let client = app.signed_in(Role::Viewer).await;
    let first = client.get("/contacts?sort=name").await;
    first.assert_contains("30 contacts");
    let second_url = href_with_rel(&first, "next").expect("a next link");
    assert_eq!(names(&client.get(&second_url).await).len(), 5);

    // The second page's contacts go: its link now points past the end.
    diesel::sql_query("DELETE FROM contacts WHERE name >= 'Person 25'")
        .execute(&mut app.conn())
        .unwrap();
    let past_the_end = client.get(&second_url).await;
    assert_eq!(past_the_end.status, 200);
    assert!(names(&past_the_end).is_empty());
    past_the_end.assert_contains("25 contacts");
}

#[actix_web::test]
async fn an_empty_list_invites_creating_a_contact() {
    let app = TestApp::spawn().await;
    let client = app.signed_in(Role::Editor).await;
    let page = client.get("/contacts").await;
    page.assert_contains("No contacts yet");
    page.assert_contains("0 contacts");
    assert_eq!(page.body.matches("Create Contact</a>").count(), 2);
}
