//! `rapport integration add|list` through its library entry, against a real database: the
//! printed token and secrets are the stored ones, URLs use the public URL given.

use crate::common::TestApp;
use rapport::cli::IntegrationCommand;
use rapport::cli::integration as cli;
use rapport::domain::IntegrationId;
use rapport::domain::integration::{IntegrationKind, SecretPurpose};
use rapport::models::integration;

fn run(
    app: &TestApp,
    command: IntegrationCommand,
    env_public_url: Option<&str>,
) -> Result<String, String> {
    let mut out = Vec::new();
    let keyring = app.settings.secrets_keyring().unwrap();
    let env = env_public_url.map(str::to_string);
    let lookup = move |name: &str| {
        (name == "RAPPORT_PUBLIC_URL")
            .then(|| env.clone())
            .flatten()
    };
    cli::run(command, &mut app.conn(), &keyring, &lookup, &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

fn add(kind: IntegrationKind, name: &str) -> IntegrationCommand {
    IntegrationCommand::Add {
        kind,
        name: name.into(),
        webhook: None,
        allowed_origins: Vec::new(),
        allowed_senders: Vec::new(),
        trusted_relays: Vec::new(),
        no_require_authentication: false,
        public_url: None,
    }
}

/// The value after `label: ` on its line.
fn value<'a>(printed: &'a str, label: &str) -> &'a str {
    printed
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{label}: ")))
        .unwrap_or_else(|| panic!("no {label} in {printed}"))
}

#[actix_web::test]
async fn add_and_list_from_the_command_line() {
    let app = TestApp::spawn().await;
    assert!(
        run(&app, IntegrationCommand::List, None)
            .unwrap()
            .starts_with("No integrations yet")
    );

    let mut command = add(IntegrationKind::Email, " Support inbox ");
    if let IntegrationCommand::Add {
        allowed_senders, ..
    } = &mut command
    {
        allowed_senders.push("*@example.com".into());
    }
    let printed = run(&app, command, None).unwrap();
    assert!(
        printed.starts_with("Created email integration 1 \"Support inbox\"."),
        "{printed}"
    );
    assert_eq!(
        value(&printed, "Inbound URL"),
        "http://127.0.0.1:8080/api/v1/integration/email/1/inbound"
    );
    let token = value(&printed, "Inbound token");
    let row = integration::find(&mut app.conn(), IntegrationId(1)).unwrap();
    assert!(integration::verify_inbound_token(&row, token));
    assert_eq!(row.allowed_senders, vec!["*@example.com"]);
    assert!(!printed.contains("Webhook secret"));
    let audit = app.audit_of(integration::ENTITY, 1);
    assert_eq!(audit.len(), 1);

    let printed = run(
        &app,
        IntegrationCommand::Add {
            kind: IntegrationKind::Widget,
            name: "Shop".into(),
            webhook: Some("https://agent.example.com/hook".into()),
            allowed_origins: vec!["https://shop.example.com".into()],
            allowed_senders: Vec::new(),
            trusted_relays: Vec::new(),
            no_require_authentication: false,
            public_url: Some("https://rapport.example.com/".into()),
        },
        Some("https://ignored.example.com"),
    )
    .unwrap();
    assert_eq!(
        value(&printed, "Embed"),
        "<script src=\"https://rapport.example.com/static/widget.js\" data-widget=\"2\" async></script>"
    );
    let keyring = app.settings.secrets_keyring().unwrap();
    for (label, purpose) in [
        ("Identity secret", SecretPurpose::Identity),
        ("Webhook secret", SecretPurpose::Webhook),
    ] {
        let stored = integration::secret(&mut app.conn(), &keyring, IntegrationId(2), purpose)
            .unwrap()
            .map(|s| s.to_string());
        assert_eq!(stored.as_deref(), Some(value(&printed, label)));
    }

    // RAPPORT_PUBLIC_URL when no flag is given.
    let printed = run(
        &app,
        add(IntegrationKind::Email, "Second"),
        Some("https://env.example.com"),
    )
    .unwrap();
    assert_eq!(
        value(&printed, "Inbound URL"),
        "https://env.example.com/api/v1/integration/email/3/inbound"
    );

    let listed = run(&app, IntegrationCommand::List, None).unwrap();
    let rows: Vec<&str> = listed.lines().collect();
    assert_eq!(rows.len(), 4, "{listed}");
    assert!(rows[0].starts_with("ID  KIND"), "{listed}");
    assert!(rows[2].contains("widget") && rows[2].contains("https://agent.example.com/hook"));
    assert!(!listed.contains(token));
}

#[actix_web::test]
async fn bad_options_are_refused_by_name_and_create_nothing() {
    let app = TestApp::spawn().await;
    let mut bad = add(IntegrationKind::Widget, "");
    if let IntegrationCommand::Add {
        allowed_origins,
        webhook,
        ..
    } = &mut bad
    {
        allowed_origins.push("shop.example.com".into());
        *webhook = Some("nope".into());
    }
    let error = run(&app, bad, None).unwrap_err();
    for option in ["--name", "--allowed-origin", "--webhook"] {
        assert!(error.contains(option), "{error}");
    }
    let mut mixed = add(IntegrationKind::Email, "Inbox");
    if let IntegrationCommand::Add {
        allowed_origins, ..
    } = &mut mixed
    {
        allowed_origins.push("https://shop.example.com".into());
    }
    assert!(
        run(&app, mixed, None)
            .unwrap_err()
            .contains("--allowed-origin is for widgets")
    );
    let mut bad_url = add(IntegrationKind::Email, "Inbox");
    if let IntegrationCommand::Add { public_url, .. } = &mut bad_url {
        *public_url = Some("rapport.example.com".into());
    }
    assert!(
        run(&app, bad_url, None)
            .unwrap_err()
            .starts_with("--public-url")
    );
    assert!(integration::list(&mut app.conn()).unwrap().is_empty());
}

#[actix_web::test]
async fn email_integrations_from_the_command_line_require_authenticated_senders() {
    let app = TestApp::spawn().await;
    let mut command = add(IntegrationKind::Email, "Inbox");
    if let IntegrationCommand::Add { trusted_relays, .. } = &mut command {
        trusted_relays.push("MX.Google.com".into());
    }
    run(&app, command, None).unwrap();
    let row = integration::find(&mut app.conn(), IntegrationId(1)).unwrap();
    assert!(row.require_authentication);
    assert_eq!(row.trusted_authserv_ids, vec!["mx.google.com"]);

    let mut relaxed = add(IntegrationKind::Email, "Legacy");
    if let IntegrationCommand::Add {
        no_require_authentication,
        ..
    } = &mut relaxed
    {
        *no_require_authentication = true;
    }
    run(&app, relaxed, None).unwrap();
    let row = integration::find(&mut app.conn(), IntegrationId(2)).unwrap();
    assert!(!row.require_authentication);
    assert!(row.trusted_authserv_ids.is_empty());

    let mut bad = add(IntegrationKind::Email, "Bad");
    if let IntegrationCommand::Add { trusted_relays, .. } = &mut bad {
        trusted_relays.push("mx google.com".into());
    }
    let error = run(&app, bad, None).unwrap_err();
    assert!(error.starts_with("--trusted-relay: "), "{error}");
    let mut widget = add(IntegrationKind::Widget, "Shop");
    if let IntegrationCommand::Add { trusted_relays, .. } = &mut widget {
        trusted_relays.push("mx.google.com".into());
    }
    assert!(
        run(&app, widget, None)
            .unwrap_err()
            .contains("are for email integrations")
    );
    assert_eq!(integration::list(&mut app.conn()).unwrap().len(), 2);
}
