//! What every page's layout needs: the signed-in user, the CSRF token, the pending notice and
//! asset URLs. Permission decisions are made here and in handlers, never in templates.

use super::assets::{self, AssetUrls};
use super::current_user::CurrentUser;
use super::session::{Flash, TypedSession};

/// The signed-in user as the header shows them.
pub struct UserBadge {
    pub name: String,
    pub role: &'static str,
}

/// The top-level sections, for highlighting the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Contacts,
    None,
}

pub struct PageContext {
    pub user: Option<UserBadge>,
    pub csrf_token: String,
    pub flash: Option<Flash>,
    pub assets: &'static AssetUrls,
    pub section: Section,
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
        }
    }

    pub fn in_contacts(&self) -> bool {
        self.section == Section::Contacts
    }
}
