//! Settings → API tokens: admins only, a new token shown once (and working at once),
//! revoking with confirmation (and the token refused at once), validation, CSRF, audit.

use crate::common::{Response, TestApp, TestClient};
use diesel::prelude::*;
use rapport::domain::Role;
use rapport::domain::api_token::hash;
use rapport::models::api_token;
use rapport::models::schema::{api_tokens, audit_events};
use serde_json::json;

const PAGE: &str = "/settings/api-tokens";

/// The token shown on a "created" page or fragment.
fn shown_token(response: &Response) -> String {
    let marker = "id=\"new-token\" class=\"secret-value\">";
    let start = response
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("no new token in {}", response.body))
        + marker.len();
    let end = response.body[start..].find('<').unwrap() + start;
    response.body[start..end].to_string()
}

fn token_count(app: &TestApp) -> i64 {
    api_tokens::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

async fn contacts_via_api(client: &TestClient, token: &str) -> u16 {
    client
        .api("GET", "/api/v1/contact/list", Some(token), &[], None)
        .await
        .status
}

#[actix_web::test]
async fn admins_see_settings_in_the_nav_and_an_empty_list() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    let contacts = admin.get("/contacts").await;
    contacts.assert_contains(&format!("<a href=\"{PAGE}\">Settings</a>"));

    let settings = admin.get("/settings").await;
    assert_eq!(settings.status, 303);
    assert_eq!(settings.location(), Some(PAGE));

    let page = admin.get(PAGE).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_contains(&format!(
        "<a href=\"{PAGE}\" aria-current=\"page\">Settings</a>"
    ));
    page.assert_contains("<h1>API tokens</h1>");
    page.assert_contains("No API tokens yet");
    page.assert_contains("<label for=\"token-name\">Name</label>");
    page.assert_contains("<option value=\"viewer\" selected>Viewer: read only</option>");
    page.assert_contains("<option value=\"editor\">Editor: read and write</option>");
    page.assert_contains("href=\"/api/v1/openapi.json\"");
    page.assert_lacks("id=\"new-token\"");
    assert_eq!(page.header("cache-control"), Some("no-store"));
}

#[actix_web::test]
async fn editors_and_viewers_get_403_and_no_nav_link() {
    let app = TestApp::spawn().await;
    let (row, token) = api_token::create(
        &mut app.conn(),
        "Existing bot",
        rapport::domain::api_token::TokenRole::Viewer,
        &rapport::models::Actor::System("test".into()),
    )
    .unwrap();
    for role in [Role::Editor, Role::Viewer] {
        let client = app.signed_in(role).await;
        let contacts = client.get("/contacts").await;
        assert_eq!(contacts.status, 200);
        contacts.assert_lacks("/settings");
        contacts.assert_lacks(">Settings<");
        assert_eq!(client.get("/settings").await.status, 403);
        assert_eq!(client.get(PAGE).await.status, 403);
        let confirm = client.get(&format!("{PAGE}/{}/revoke", row.id)).await;
        assert_eq!(confirm.status, 403);
        confirm.assert_lacks("Existing bot");
        let created = client
            .post_form(PAGE, &[("name", "Sneaky"), ("role", "editor")])
            .await;
        assert_eq!(created.status, 403, "{}", created.body);
        created.assert_lacks("rpt_");
        let revoked = client
            .post_form(&format!("{PAGE}/{}/revoke", row.id), &[])
            .await;
        assert_eq!(revoked.status, 403);
    }
    assert_eq!(token_count(&app), 1);
    assert_eq!(contacts_via_api(&app.client(), &token).await, 200);
    assert_eq!(
        app.audit_of("api_token", row.id).len(),
        1,
        "only its creation"
    );
}

#[actix_web::test]
async fn a_new_token_is_shown_once_works_at_once_and_is_audited_without_its_value() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get(PAGE).await;
    let created = admin
        .post_form(PAGE, &[("name", "  Support bot "), ("role", "editor")])
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.header("cache-control"), Some("no-store"));
    created.assert_contains("Token “Support bot” created");
    created.assert_contains("you will not see it again");
    created.assert_contains("data-copy=\"new-token\"");
    let token = shown_token(&created);
    assert!(token.starts_with("rpt_"), "{token}");
    // The form is blank again, ready for another token, and the list shows the new one.
    created.assert_contains("id=\"token-name\" name=\"name\" value=\"\"");
    created.assert_contains("<td class=\"token-name\">Support bot</td>");

    let row: api_token::ApiToken = api_tokens::table
        .select(api_token::ApiToken::as_select())
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(row.name, "Support bot");
    assert_eq!(row.role, "editor");
    assert!(
        row.created_by_name.starts_with("admin"),
        "{}",
        row.created_by_name
    );
    let stored: String = api_tokens::table
        .select(api_tokens::token_hash)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(stored, hash(&token), "only the hash is stored");

    // It works against the API straight away, and can write.
    let client = app.client();
    assert_eq!(contacts_via_api(&client, &token).await, 200);

    // The audit trail has the creation, and nowhere the token.
    assert_eq!(
        app.audit_of("api_token", row.id),
        [(
            "create".to_string(),
            json!({
                "name": {"before": null, "after": "Support bot"},
                "role": {"before": null, "after": "editor"},
            })
        )]
    );
    let everything: Vec<serde_json::Value> = audit_events::table
        .select(audit_events::changes)
        .load(&mut app.conn())
        .unwrap();
    assert!(!serde_json::to_string(&everything).unwrap().contains(&token));
    let actor: String = audit_events::table
        .filter(audit_events::entity.eq("api_token"))
        .select(audit_events::actor_name)
        .first(&mut app.conn())
        .unwrap();
    assert_eq!(actor, row.created_by_name);

    // Shown once: the list never shows it again, but does show that it was used.
    let again = admin.get(PAGE).await;
    again.assert_lacks(&token);
    again.assert_lacks("id=\"new-token\"");
    again.assert_contains("Support bot");
    again.assert_contains(">just now</time>");
    again.assert_contains("Revoke</a>");
}

#[actix_web::test]
async fn htmx_creates_in_place_with_the_panel_only() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get(PAGE).await;
    let created = admin
        .post_htmx(
            PAGE,
            &[("name", "Viewer bot"), ("role", "viewer")],
            "api-tokens",
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    created.assert_lacks("<html");
    created.assert_lacks("<h1>API tokens</h1>");
    created.assert_contains("id=\"token-form\"");
    let token = shown_token(&created);
    assert_eq!(contacts_via_api(&app.client(), &token).await, 200);
    assert_eq!(api_token::list(&mut app.conn()).unwrap()[0].role, "viewer");
}

#[actix_web::test]
async fn invalid_input_comes_back_with_422_every_error_and_the_typed_values() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get(PAGE).await;
    let long = "N".repeat(201);
    let response = admin
        .post_form(PAGE, &[("name", &long), ("role", "admin")])
        .await;
    assert_eq!(response.status, 422, "{}", response.body);
    response.assert_contains("Please correct the 2 highlighted fields below.");
    response.assert_contains("Must be at most 200 characters (this is 201).");
    response.assert_contains("Choose viewer (read only) or editor (read and write).");
    response.assert_contains(&format!("value=\"{long}\""));
    response.assert_contains("aria-describedby=\"token-role-error\"");
    response.assert_lacks("id=\"new-token\"");

    let blank = admin
        .post_htmx(PAGE, &[("name", "   "), ("role", "editor")], "api-tokens")
        .await;
    assert_eq!(blank.status, 422);
    blank.assert_lacks("<html");
    blank.assert_contains("Give the token a name");
    blank.assert_contains("<option value=\"editor\" selected>");
    assert_eq!(token_count(&app), 0);
}

#[actix_web::test]
async fn creating_and_revoking_need_the_csrf_token() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get(PAGE).await;
    let refused = admin
        .post_raw(PAGE, &[("name", "Forged"), ("role", "editor")])
        .await;
    assert_eq!(refused.status, 403);
    let wrong = admin
        .post_raw(
            PAGE,
            &[("name", "Forged"), ("role", "editor"), ("csrf_token", "x")],
        )
        .await;
    assert_eq!(wrong.status, 403);
    assert_eq!(token_count(&app), 0);

    let (row, token) = api_token::create(
        &mut app.conn(),
        "Kept",
        rapport::domain::api_token::TokenRole::Editor,
        &rapport::models::Actor::System("test".into()),
    )
    .unwrap();
    let revoke = admin
        .post_raw(&format!("{PAGE}/{}/revoke", row.id), &[])
        .await;
    assert_eq!(revoke.status, 403);
    assert_eq!(contacts_via_api(&app.client(), &token).await, 200);
}

#[actix_web::test]
async fn revoking_asks_first_then_the_token_gets_401() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    admin.get(PAGE).await;
    let created = admin
        .post_form(PAGE, &[("name", "Old bot"), ("role", "editor")])
        .await;
    let token = shown_token(&created);
    let client = app.client();
    assert_eq!(contacts_via_api(&client, &token).await, 200);
    let id = api_token::list(&mut app.conn()).unwrap()[0].id;
    let revoke_url = format!("{PAGE}/{id}/revoke");
    created.assert_contains(&format!("href=\"{revoke_url}\""));

    let confirm = admin.get(&revoke_url).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    confirm.assert_contains("Revoke “Old bot”?");
    confirm.assert_contains(&format!("action=\"{revoke_url}\""));
    confirm.assert_contains(">Revoke token</button>");
    confirm.assert_contains("last used just now");
    // Looking is not revoking.
    assert_eq!(contacts_via_api(&client, &token).await, 200);

    let revoked = admin.post_form(&revoke_url, &[]).await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    assert_eq!(revoked.location(), Some(PAGE));
    let list = admin.get(PAGE).await;
    list.assert_contains("Revoked “Old bot”: requests with it are refused from now on.");
    list.assert_contains("<span class=\"badge\">Revoked</span>");
    list.assert_lacks(&format!("href=\"{revoke_url}\""));

    let refused = client
        .api("GET", "/api/v1/contact/list", Some(&token), &[], None)
        .await;
    assert_eq!(refused.status, 401);
    assert_eq!(refused.json()["code"], "NOT_AUTHENTICATED");

    let audit = app.audit_of("api_token", id);
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[1].0, "revoke");
    assert_eq!(
        audit[1].1["revoked"],
        json!({"before": false, "after": true})
    );

    // Twice is harmless; the confirmation of a revoked token says so.
    let again = admin.post_htmx(&revoke_url, &[], "main").await;
    assert_eq!(again.location(), Some(PAGE));
    let back = admin.get(&revoke_url).await;
    assert_eq!(back.status, 303);
    admin
        .get(PAGE)
        .await
        .assert_contains("The token “Old bot” is already revoked.");
    assert_eq!(app.audit_of("api_token", id).len(), 2);

    assert_eq!(
        admin.get(&format!("{PAGE}/999999/revoke")).await.status,
        404
    );
    assert_eq!(admin.get(&format!("{PAGE}/abc/revoke")).await.status, 404);
    assert_eq!(
        admin
            .post_form(&format!("{PAGE}/999999/revoke"), &[])
            .await
            .status,
        404
    );
}
