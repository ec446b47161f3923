//! What every page's layout needs: the signed-in user, the CSRF token, the pending notice and
//! asset URLs. Permission decisions are made here and in handlers, never in templates.

use super::assets::{self, AssetUrls};
use super::current_user::CurrentUser;
use super::routes;
use super::session::{Flash, TypedSession};
use crate::domain::Role;

/// The signed-in user as the header shows them.
pub struct UserBadge {
    pub name: String,
    pub role: &'static str,
}

/// The top-level sections, for highlighting the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Contacts,
    /// Admin settings (API tokens).
    Settings,
    None,
}

/// One entry of the main navigation.
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    /// The section the page belongs to (`aria-current`).
    pub current: bool,
}

/// The main navigation for a user of `role`: Settings only for admins.
pub fn nav(role: Role, section: Section) -> Vec<NavLink> {
    let mut links = vec![NavLink {
        href: routes::CONTACTS,
        label: "Contacts",
        current: section == Section::Contacts,
    }];
    if role.is_admin() {
        links.push(NavLink {
            href: routes::API_TOKENS,
            label: "Settings",
            current: section == Section::Settings,
        });
    }
    links
}

/// The pages of the Settings section, as tabs above each of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsTab {
    ApiTokens,
    Integrations,
}

/// The Settings section's tabs, `current` marked.
pub fn settings_tabs(current: SettingsTab) -> Vec<NavLink> {
    [
        (SettingsTab::ApiTokens, routes::API_TOKENS, "API tokens"),
        (
            SettingsTab::Integrations,
            routes::INTEGRATIONS,
            "Integrations",
        ),
    ]
    .into_iter()
    .map(|(tab, href, label)| NavLink {
        href,
        label,
        current: tab == current,
    })
    .collect()
}

pub struct PageContext {
    pub user: Option<UserBadge>,
    pub csrf_token: String,
    pub flash: Option<Flash>,
    pub assets: &'static AssetUrls,
    pub section: Section,
    /// The main navigation, already filtered by role.
    pub nav: Vec<NavLink>,
}

impl PageContext {
    /// For pages of a signed-in user; takes the pending notice.
    pub fn signed_in(user: &CurrentUser, session: &TypedSession, section: Section) -> Self {
        PageContext {
            user: Some(UserBadge {
                name: user.name.clone(),
                role: user.role.as_str(),
            }),
            csrf_token: session.csrf_token(),
            flash: session.take_flash(),
            assets: assets::urls(),
            section,
            nav: nav(user.role, section),
        }
    }

    /// For the sign-in page.
    pub fn anonymous(session: &TypedSession) -> Self {
        PageContext {
            user: None,
            csrf_token: session.csrf_token(),
            flash: session.take_flash(),
            assets: assets::urls(),
            section: Section::None,
            nav: Vec::new(),
        }
    }

    /// For error pages, rendered where the session may not be at hand.
    pub fn bare() -> Self {
        PageContext {
            user: None,
            csrf_token: String::new(),
            flash: None,
            assets: assets::urls(),
            section: Section::None,
            nav: Vec::new(),
        }
    }

    pub fn in_contacts(&self) -> bool {
        self.section == Section::Contacts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_see_settings() {
        let labels = |role| {
            nav(role, Section::Settings)
                .iter()
                .map(|link| (link.label, link.current))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            labels(Role::Admin),
            [("Contacts", false), ("Settings", true)]
        );
        assert_eq!(labels(Role::Editor), [("Contacts", false)]);
        assert_eq!(labels(Role::Viewer), [("Contacts", false)]);
    }
}
