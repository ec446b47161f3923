//! `rapport token create|list|revoke` through its library entry, against a real database:
//! the printed token works against the API until it is revoked.

use crate::common::TestApp;
use diesel::prelude::*;
use rapport::cli::TokenCommand;
use rapport::cli::token;
use rapport::domain::ApiTokenId;
use rapport::domain::api_token::TokenRole;
use rapport::models::schema::audit_events;

fn run(app: &TestApp, command: TokenCommand) -> Result<String, String> {
    let mut out = Vec::new();
    token::run(command, &mut app.conn(), &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

#[actix_web::test]
async fn create_list_and_revoke_from_the_command_line() {
    let app = TestApp::spawn().await;
    let client = app.client();
    assert_eq!(
        run(&app, TokenCommand::List).unwrap(),
        "No API tokens yet (create one with `rapport token create`).\n"
    );

    let printed = run(
        &app,
        TokenCommand::Create {
            name: " Nightly sync ".into(),
            role: TokenRole::Editor,
        },
    )
    .unwrap();
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 2, "{printed}");
    assert!(
        lines[0].starts_with("Created editor token 1 \"Nightly sync\"."),
        "{printed}"
    );
    assert!(lines[0].contains("shown only now"));
    let token = lines[1];
    assert!(token.starts_with("rpt_"));
    let response = client
        .api("GET", "/api/v1/contact/list", Some(token), &[], None)
        .await;
    assert_eq!(response.status, 200, "{}", response.body);

    let listed = run(&app, TokenCommand::List).unwrap();
    let rows: Vec<&str> = listed.lines().collect();
    assert_eq!(rows.len(), 2, "{listed}");
    assert!(rows[0].starts_with("ID  NAME"), "{listed}");
    assert!(rows[1].starts_with("1   Nightly sync  editor"), "{listed}");
    assert!(rows[1].contains("command line"), "{listed}");
    assert!(rows[1].ends_with("active"), "{listed}");
    assert!(!rows[1].contains("never"), "it was just used: {listed}");
    assert!(!listed.contains(token));

    assert_eq!(
        run(&app, TokenCommand::Revoke { id: ApiTokenId(1) }).unwrap(),
        "Revoked token 1 \"Nightly sync\".\n"
    );
    let refused = client
        .api("GET", "/api/v1/contact/list", Some(token), &[], None)
        .await;
    assert_eq!(refused.status, 401);
    assert!(run(&app, TokenCommand::List).unwrap().contains("revoked 2"));

    let actors: Vec<(String, String, String)> = audit_events::table
        .filter(audit_events::entity.eq("api_token"))
        .select((
            audit_events::action,
            audit_events::actor_kind,
            audit_events::actor_name,
        ))
        .order(audit_events::id)
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(
        actors,
        [
            ("create".into(), "system".into(), "command line".into()),
            ("revoke".into(), "system".into(), "command line".into()),
        ]
    );
}

#[actix_web::test]
async fn mistakes_are_one_line_errors() {
    let app = TestApp::spawn().await;
    let blank = run(
        &app,
        TokenCommand::Create {
            name: "  ".into(),
            role: TokenRole::Viewer,
        },
    )
    .unwrap_err();
    assert!(blank.starts_with("--name: "), "{blank}");
    let unknown = run(&app, TokenCommand::Revoke { id: ApiTokenId(42) }).unwrap_err();
    assert_eq!(
        unknown,
        "no API token has the id 42 (see `rapport token list`)"
    );
    let id = {
        let (row, _) = rapport::models::api_token::create(
            &mut app.conn(),
            "Once",
            TokenRole::Viewer,
            &rapport::models::Actor::System("test".into()),
        )
        .unwrap();
        row.id
    };
    run(&app, TokenCommand::Revoke { id }).unwrap();
    assert_eq!(
        run(&app, TokenCommand::Revoke { id }).unwrap_err(),
        format!("token {id} \"Once\" is already revoked")
    );
}
