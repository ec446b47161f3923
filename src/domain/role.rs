//! Staff roles. Checked on the server for every write; templates only hide controls.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Reads everything, changes nothing.
    Viewer,
    /// Reads and writes contacts and their activity.
    Editor,
    /// Editor plus users, integrations, tokens and secret reveal.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Editor, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn can_edit(self) -> bool {
        matches!(self, Role::Editor | Role::Admin)
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input.trim().to_ascii_lowercase().as_str() {
            "viewer" => Ok(Role::Viewer),
            "editor" => Ok(Role::Editor),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role \"{other}\" (use admin, editor or viewer)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_permissions() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!(!Role::Viewer.can_edit());
        assert!(Role::Editor.can_edit() && !Role::Editor.is_admin());
        assert!(Role::Admin.can_edit() && Role::Admin.is_admin());
        assert!("root".parse::<Role>().is_err());
    }
}
