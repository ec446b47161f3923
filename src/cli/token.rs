//! `rapport token create|list|revoke`: API tokens from the command line, for setting up a bot
//! before anyone signs in to the dashboard. Changes are audited with the actor "command line".

use super::TokenCommand;
use crate::domain::api_token::{self, TokenRole};
use crate::models::Actor;
use crate::models::api_token::{self as model, ApiToken};
use chrono::{DateTime, Utc};
use diesel::PgConnection;
use std::io::Write;

/// Who the audit trail names for changes made here.
pub const ACTOR_NAME: &str = "command line";

/// Runs a `rapport token …` command on `connection`, writing what it did to `out`.
pub fn run(
    command: TokenCommand,
    connection: &mut PgConnection,
    out: &mut dyn Write,
) -> Result<(), String> {
    let actor = Actor::System(ACTOR_NAME.into());
    match command {
        TokenCommand::Create { name, role } => {
            let name = api_token::validate_name(&name).map_err(|e| format!("--name: {e}"))?;
            let (row, token) = model::create(connection, &name, role, &actor)
                .map_err(|e| format!("could not create the token: {e}"))?;
            writeln!(
                out,
                "Created {} token {} \"{}\". The token is shown only now; store it safely:\n{token}",
                row.role, row.id, row.name
            )
        }
        TokenCommand::List => {
            let rows = model::list(connection).map_err(|e| e.to_string())?;
            if rows.is_empty() {
                writeln!(out, "No API tokens yet (create one with `rapport token create`).")
            } else {
                write_table(&rows, out)
            }
        }
        TokenCommand::Revoke { id } => match model::revoke(connection, id, &actor) {
            Ok(Some(row)) => writeln!(out, "Revoked token {} \"{}\".", row.id, row.name),
            Ok(None) => {
                return Err(match model::find(connection, id) {
                    Ok(row) if row.is_revoked() => {
                        format!("token {id} \"{}\" is already revoked", row.name)
                    }
                    _ => format!("no API token has the id {id} (see `rapport token list`)"),
                });
            }
            Err(error) => return Err(format!("could not revoke the token: {error}")),
        },
    }
    .map_err(|e| format!("could not write the output: {e}"))
}

/// One line per token, newest first, in aligned columns.
fn write_table(rows: &[ApiToken], out: &mut dyn Write) -> std::io::Result<()> {
    let header = [
        "ID",
        "NAME",
        "ROLE",
        "CREATED",
        "CREATED BY",
        "LAST USED",
        "STATUS",
    ];
    let lines: Vec<[String; 7]> = rows
        .iter()
        .map(|row| {
            [
                row.id.to_string(),
                row.name.clone(),
                row.role.clone(),
                time(row.created_at),
                row.created_by_name.clone(),
                row.last_used_at.map_or_else(|| "never".into(), time),
                row.revoked_at
                    .map_or_else(|| "active".into(), |at| format!("revoked {}", time(at))),
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

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// For clap: `viewer` or `editor`.
pub fn parse_role(input: &str) -> Result<TokenRole, String> {
    input.parse()
}

#[cfg(test)]
mod tests {
    use crate::cli::{Cli, Command, TokenCommand};
    use crate::domain::api_token::TokenRole;
    use clap::Parser;

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Cli::try_parse_from(["rapport", "token"].iter().chain(args)).map(|cli| cli.command)
    }

    #[test]
    fn the_role_defaults_to_viewer_and_must_be_known() {
        assert!(matches!(
            parse(&["create", "--name", "Bot"]),
            Ok(Command::Token(TokenCommand::Create {
                role: TokenRole::Viewer,
                ..
            }))
        ));
        assert!(matches!(
            parse(&["create", "--name", "Bot", "--role", "editor"]),
            Ok(Command::Token(TokenCommand::Create {
                role: TokenRole::Editor,
                ..
            }))
        ));
        assert!(parse(&["create", "--name", "Bot", "--role", "admin"]).is_err());
        assert!(parse(&["create"]).is_err());
        assert!(matches!(
            parse(&["revoke", "--id", "3"]),
            Ok(Command::Token(TokenCommand::Revoke {
                id: crate::domain::ApiTokenId(3)
            }))
        ));
        assert!(matches!(
            parse(&["list"]),
            Ok(Command::Token(TokenCommand::List))
        ));
    }
}
