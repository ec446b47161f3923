//! `rapport user add|reset-password|set-role|disable|enable`. Every change but `add` ends
//! the user's sessions (the model moves their session epoch on in the same statement).

use super::{UserCommand, connect};
use crate::domain::{EmailAddress, password};
use crate::models::staff_user::{self, NewStaffUser, StaffUser};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use std::io::BufRead;

pub fn run(command: UserCommand) -> Result<(), String> {
    match command {
        UserCommand::Add {
            email,
            name,
            role,
            password_stdin,
        } => {
            let email = EmailAddress::parse(&email).map_err(|e| format!("--email: {e}"))?;
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 200 {
                return Err("--name: give a name of 1 to 200 characters".into());
            }
            let (password, generated) = choose_password(password_stdin)?;
            let hash = password::hash(&password)?;
            let mut connection = connect()?;
            crate::db::migrate(&mut connection).map_err(|e| e.cause_chain())?;
            let user = staff_user::insert(
                &mut connection,
                &NewStaffUser {
                    email: email.as_str(),
                    name,
                    password_hash: &hash,
                    role: role.as_str(),
                },
            )
            .map_err(|error| match error {
                DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                    format!("a staff user with the email {email} already exists (use `rapport user reset-password`)")
                }
                other => format!("could not create the user: {other}"),
            })?;
            println!("Created {} user {} <{}>", role, user.name, user.email);
            if generated {
                println!("Password (shown only now): {password}");
            }
            Ok(())
        }
        UserCommand::ResetPassword {
            email,
            password_stdin,
        } => {
            let mut connection = connect()?;
            let user = find(&mut connection, &email)?;
            let (password, generated) = choose_password(password_stdin)?;
            let hash = password::hash(&password)?;
            staff_user::set_password_hash(&mut connection, user.id, &hash)
                .map_err(|e| e.to_string())?;
            println!(
                "Password changed for {}; their sessions have ended",
                user.email
            );
            if generated {
                println!("New password (shown only now): {password}");
            }
            Ok(())
        }
        UserCommand::SetRole { email, role } => {
            let mut connection = connect()?;
            let user = find(&mut connection, &email)?;
            staff_user::set_role(&mut connection, user.id, role).map_err(|e| e.to_string())?;
            println!(
                "{} is now {}; their sessions have ended",
                user.email,
                role.as_str()
            );
            Ok(())
        }
        UserCommand::Disable { email } => {
            let mut connection = connect()?;
            let user = find(&mut connection, &email)?;
            staff_user::set_disabled(&mut connection, user.id, true).map_err(|e| e.to_string())?;
            println!(
                "{} is disabled and can no longer sign in; their sessions have ended",
                user.email
            );
            Ok(())
        }
        UserCommand::Enable { email } => {
            let mut connection = connect()?;
            let user = find(&mut connection, &email)?;
            staff_user::set_disabled(&mut connection, user.id, false).map_err(|e| e.to_string())?;
            println!("{} can sign in again", user.email);
            Ok(())
        }
    }
}

/// The staff user with this email (ignoring case), or the message saying there is none.
fn find(connection: &mut diesel::PgConnection, email: &str) -> Result<StaffUser, String> {
    staff_user::find_by_email(connection, email)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no staff user has the email {email}"))
}

/// The password from stdin (checked for strength), or a generated one.
fn choose_password(from_stdin: bool) -> Result<(String, bool), String> {
    if !from_stdin {
        return Ok((password::generate(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("could not read the password from standard input: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    password::check_strength(&password).map_err(|e| format!("password: {e}"))?;
    Ok((password, false))
}
