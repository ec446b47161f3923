//! `rapport integration add email|widget`, `rapport integration list`: integrations from the
//! command line, for scripted set-ups. Changes are audited with the actor "command line".
//!
//! `add email` requires authenticated senders unless `--no-require-authentication` is given,
//! and believes the `Authentication-Results` of each `--trusted-relay`.
//!
//! `add` prints the id, the inbound URL (email) or the embed snippet (widget), and the token
//! or secrets issued, once. URLs are built on `--public-url`, else `RAPPORT_PUBLIC_URL`, else
//! `http://127.0.0.1:8080` (the default `serve` address).

use super::IntegrationCommand;
use crate::config;
use crate::domain::integration::{IntegrationDraft, IntegrationInput, IntegrationKind};
use crate::domain::secret_box::Keyring;
use crate::models::Actor;
use crate::models::integration::{self as model, Integration};
use crate::web::routes::{public_inbound_url, widget_snippet};
use diesel::PgConnection;
use std::io::Write;

/// Who the audit trail names for changes made here.
pub const ACTOR_NAME: &str = "command line";
/// The base URL when neither `--public-url` nor `RAPPORT_PUBLIC_URL` is given.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// Runs a `rapport integration …` command on `connection`, reading `RAPPORT_PUBLIC_URL`
/// through `lookup` and writing what it did to `out`.
pub fn run(
    command: IntegrationCommand,
    connection: &mut PgConnection,
    keyring: &Keyring,
    lookup: &impl Fn(&str) -> Option<String>,
    out: &mut dyn Write,
) -> Result<(), String> {
    match command {
        IntegrationCommand::Add {
            kind,
            name,
            webhook,
            allowed_origins,
            allowed_senders,
            trusted_relays,
            no_require_authentication,
            public_url,
        } => {
            let base = base_url(public_url, lookup)?;
            if kind == IntegrationKind::Email && !allowed_origins.is_empty() {
                return Err("--allowed-origin is for widgets; email integrations take --allowed-sender".into());
            }
            if kind == IntegrationKind::Widget && !allowed_senders.is_empty() {
                return Err("--allowed-sender is for email integrations; widgets take --allowed-origin".into());
            }
            if kind == IntegrationKind::Widget
                && (!trusted_relays.is_empty() || no_require_authentication)
            {
                return Err(
                    "--trusted-relay and --no-require-authentication are for email integrations"
                        .into(),
                );
            }
            let input = IntegrationInput {
                name,
                agent_webhook_url: webhook.unwrap_or_default(),
                allowed_senders,
                trusted_authserv_ids: trusted_relays,
                require_authentication: !no_require_authentication,
                allowed_origins,
                ..IntegrationInput::default()
            };
            // The operator's egress rules, as `serve` reads them.
            let egress = crate::intake::webhook::settings::egress_from_env(lookup)
                .map_err(|error| error.to_string())?;
            let draft = IntegrationDraft::validate(kind, &input, &egress).map_err(|errors| {
                errors
                    .iter()
                    .map(|(field, error)| format!("{}: {}", option_name(field), error.message))
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            let actor = Actor::System(ACTOR_NAME.into());
            let (row, credentials) = model::create(connection, keyring, kind, &draft, &actor)
                .map_err(|e| format!("could not create the integration: {e}"))?;
            let mut lines = vec![format!(
                "Created {} integration {} \"{}\".",
                row.kind, row.id, row.name
            )];
            match kind {
                IntegrationKind::Email => {
                    lines.push(format!("Inbound URL: {}", public_inbound_url(&base, row.id)));
                }
                IntegrationKind::Widget => {
                    lines.push(format!("Embed: {}", widget_snippet(&base, row.id)));
                }
            }
            lines.push("Shown only now; store safely:".into());
            if let Some(token) = &credentials.inbound_token {
                lines.push(format!("Inbound token: {}", token.as_str()));
            }
            if let Some(secret) = &credentials.identity_secret {
                lines.push(format!("Identity secret: {}", secret.as_str()));
            }
            if let Some(secret) = &credentials.webhook_secret {
                lines.push(format!("Webhook secret: {}", secret.as_str()));
            }
            writeln!(out, "{}", lines.join("\n"))
        }
        IntegrationCommand::List => {
            let rows = model::list(connection).map_err(|e| e.to_string())?;
            if rows.is_empty() {
                writeln!(
                    out,
                    "No integrations yet (create one with `rapport integration add email|widget --name NAME`)."
                )
            } else {
                write_table(&rows, out)
            }
        }
    }
    .map_err(|e| format!("could not write the output: {e}"))
}

/// The public base URL: the flag, else the environment, else the default address.
fn base_url(
    flag: Option<String>,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    match flag {
        Some(value) => {
            config::public_url(&|name: &str| (name == "RAPPORT_PUBLIC_URL").then(|| value.clone()))
                .map_err(|e| format!("--public-url: {}", e.problem))
                .map(|url| url.unwrap_or_else(|| DEFAULT_PUBLIC_URL.into()))
        }
        None => config::public_url(lookup)
            .map_err(|e| e.to_string())
            .map(|url| url.unwrap_or_else(|| DEFAULT_PUBLIC_URL.into())),
    }
}

/// The command-line option a form field comes from.
fn option_name(field: &str) -> &str {
    match field {
        "name" => "--name",
        "agent_webhook_url" => "--webhook",
        "allowed_senders" => "--allowed-sender",
        "trusted_authserv_ids" => "--trusted-relay",
        "allowed_origins" => "--allowed-origin",
        other => other,
    }
}

/// One line per integration, oldest first, in aligned columns.
fn write_table(rows: &[Integration], out: &mut dyn Write) -> std::io::Result<()> {
    let header = ["ID", "KIND", "NAME", "STATUS", "CONTACTS", "WEBHOOK"];
    let lines: Vec<[String; 6]> = rows
        .iter()
        .map(|row| {
            [
                row.id.to_string(),
                row.kind.clone(),
                row.name.clone(),
                if row.enabled { "enabled" } else { "disabled" }.into(),
                if row.collect_contacts {
                    "collect"
                } else {
                    "off"
                }
                .into(),
                row.agent_webhook_url.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header = header.map(String::from);
    for line in std::iter::once(&header).chain(&lines) {
        let cells: Vec<String> = line
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}

/// For clap: `email` or `widget`.
pub fn parse_kind(input: &str) -> Result<IntegrationKind, String> {
    input.parse()
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command, IntegrationCommand};
    use crate::domain::integration::IntegrationKind;
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Cli::try_parse_from(["rapport", "integration"].iter().chain(args)).map(|cli| cli.command)
    }

    #[test]
    fn add_takes_a_kind_a_name_and_repeated_lists() {
        let Ok(Command::Integration(IntegrationCommand::Add {
            kind,
            name,
            allowed_origins,
            webhook,
            ..
        })) = parse(&[
            "add",
            "widget",
            "--name",
            "Shop",
            "--allowed-origin",
            "https://a.example.com",
            "--allowed-origin",
            "https://b.example.com",
            "--webhook",
            "https://agent.example.com/",
        ])
        else {
            panic!("did not parse");
        };
        assert_eq!(kind, IntegrationKind::Widget);
        assert_eq!(name, "Shop");
        assert_eq!(allowed_origins.len(), 2);
        assert_eq!(webhook.as_deref(), Some("https://agent.example.com/"));
        assert!(parse(&["add", "sms", "--name", "X"]).is_err());
        assert!(parse(&["add", "email"]).is_err());
        assert!(matches!(
            parse(&["list"]),
            Ok(Command::Integration(IntegrationCommand::List))
        ));
    }
}
