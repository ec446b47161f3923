//! `/contacts/{id}`: the profile. A header, then tabs; each tab is its own URL, swapped in
//! place by htmx (URL pushed) and rendered as a whole page on a direct visit.
//!
//! # Layout
//!
//! Every tab is a folder here whose `mod.rs` registers the tab's routes and renders its
//! list; what the tab does besides (forms, actions, one item's page) sits in files next to
//! it, e.g. `conversations/{transcript,actions,move_to}.rs`. [`tab`] holds what all tabs
//! share: the contact and counts loaded in one statement ([`tab::Profile`]) and rendering
//! through the request context ([`crate::web::context::Dashboard::profile_tab`]).
//!
//! Templates mirror this: `templates/contacts/profile/<tab>/`, with one naming rule:
//! - a **page** extends `contacts/profile/base.html` (its `tabs` block is what htmx swaps
//!   into `#profile-tabs`) and is named after the module that renders it, `index.html` for
//!   the tab's `mod.rs` (`conversations/index.html`, `conversations/transcript.html`,
//!   `tasks/form.html`);
//! - a **fragment** is included by other templates or sent alone as an htmx answer, and its
//!   name starts with `_` (`_header.html`, `tasks/_row.html`, `spaces/_upload_feedback.html`).
//!
//! To add a tab: one entry in [`TABS`] (its count, if any, is a field of
//! [`TabCounts`], counted in `models::profile_counts`), a folder with a `mod.rs` that
//! registers its routes here, its view declared with `tab::profile_tab!`, and
//! `templates/contacts/profile/<tab>/index.html`.

pub mod context;
pub mod conversations;
pub mod history;
pub mod memories;
pub mod overview;
pub mod ratings;
pub mod secrets;
pub mod spaces;
pub mod tab;
pub mod tasks;

use crate::domain::phone::display_international;
use crate::domain::{ContactId, ContactSource, Role};
use crate::models::Contact;
use crate::models::profile_counts::TabCounts;
use crate::web::routes;
use crate::web::views;
use actix_web::web;

pub fn register(config: &mut web::ServiceConfig) {
    config
        .configure(overview::register)
        .configure(history::register)
        .configure(context::register)
        .configure(conversations::register)
        .configure(ratings::register)
        .configure(tasks::register)
        .configure(memories::register)
        .configure(spaces::register)
        .configure(secrets::register);
}

/// The tab's number among the counts loaded with the contact, for its label.
type TabCount = fn(&TabCounts) -> i64;

/// A tab of the profile.
pub struct Tab {
    /// The URL segment after `/contacts/{id}`; empty for the overview.
    pub slug: &'static str,
    pub label: &'static str,
    pub count: Option<TabCount>,
}

/// The profile's tabs, in order.
pub const TABS: &[Tab] = &[
    Tab {
        slug: "",
        label: "Overview",
        count: None,
    },
    Tab {
        slug: "conversations",
        label: "Conversations",
        count: Some(|counts| counts.conversations),
    },
    Tab {
        slug: "tasks",
        label: "Tasks",
        count: Some(|counts| counts.tasks),
    },
    Tab {
        slug: "memories",
        label: "Memories",
        count: Some(|counts| counts.memories),
    },
    Tab {
        slug: spaces::SLUG,
        label: "Spaces",
        count: Some(|counts| counts.spaces),
    },
    Tab {
        slug: "ratings",
        label: "Ratings",
        count: Some(|counts| counts.ratings),
    },
    Tab {
        slug: secrets::SLUG,
        label: "Secrets",
        count: Some(|counts| counts.secrets),
    },
    Tab {
        slug: context::SLUG,
        label: "Agent context",
        count: None,
    },
    Tab {
        slug: "history",
        label: "History",
        count: Some(|counts| counts.history),
    },
];

/// A tab as the tab bar shows it.
pub struct TabLink {
    pub label: &'static str,
    pub url: String,
    pub count: Option<i64>,
    pub active: bool,
}

pub fn tab_links(id: ContactId, active_slug: &str, counts: &TabCounts) -> Vec<TabLink> {
    TABS.iter()
        .map(|tab| TabLink {
            label: tab.label,
            url: routes::contact_tab(id, tab.slug),
            count: tab.count.map(|count| count(counts)),
            active: tab.slug == active_slug,
        })
        .collect()
}

/// The profile header, ready to print.
pub struct HeaderView {
    pub id: ContactId,
    pub name: String,
    pub initials: String,
    pub avatar_class: String,
    pub nick: String,
    pub verified: bool,
    pub email: String,
    pub email_href: String,
    pub phone: String,
    pub phone_href: String,
    pub source: &'static str,
    pub created: String,
    pub created_iso: String,
    pub updated: String,
    pub updated_iso: String,
}

impl HeaderView {
    pub fn new(contact: &Contact) -> Self {
        let views::Identity {
            name,
            initials,
            avatar_class,
        } = views::identity(contact);
        let email = contact.email.clone().unwrap_or_default();
        let phone_e164 = contact.phone.clone().unwrap_or_default();
        HeaderView {
            id: contact.id,
            initials,
            avatar_class,
            name,
            nick: contact.nick.clone().unwrap_or_default(),
            verified: contact.verified_at.is_some(),
            email_href: if email.is_empty() {
                String::new()
            } else {
                format!("mailto:{email}")
            },
            email,
            phone: if phone_e164.is_empty() {
                String::new()
            } else {
                display_international(&phone_e164)
            },
            phone_href: if phone_e164.is_empty() {
                String::new()
            } else {
                format!("tel:{phone_e164}")
            },
            source: contact.source().map_or("", ContactSource::label),
            created: views::timestamp(contact.created_at),
            created_iso: views::iso(contact.created_at),
            updated: views::timestamp(contact.updated_at),
            updated_iso: views::iso(contact.updated_at),
        }
    }
}

/// Header and tab bar: what every tab page shares.
pub struct ProfileView {
    pub header: HeaderView,
    pub tabs: Vec<TabLink>,
    pub delete_url: String,
    pub can_edit: bool,
    /// Admins also get the personal data actions (export and erase).
    pub is_admin: bool,
    pub export_url: String,
    pub erase_url: String,
    /// For the export's plain form (a download cannot be an htmx request).
    pub csrf_token: String,
}

impl ProfileView {
    pub fn new(
        contact: &Contact,
        active_slug: &str,
        counts: &TabCounts,
        role: Role,
        csrf_token: String,
    ) -> Self {
        let id = contact.id;
        ProfileView {
            header: HeaderView::new(contact),
            tabs: tab_links(id, active_slug, counts),
            delete_url: routes::contact_delete(id),
            can_edit: role.can_edit(),
            is_admin: role.is_admin(),
            export_url: routes::contact_export(id),
            erase_url: routes::contact_erase(id),
            csrf_token,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_links_mark_the_active_tab_and_carry_counts() {
        // Found by label, so adding a tab does not move this test.
        let counts = TabCounts {
            history: 4,
            ..TabCounts::default()
        };
        let links = tab_links(ContactId(3), "history", &counts);
        assert_eq!(links.len(), TABS.len());
        assert_eq!(links[0].url, "/contacts/3");
        assert!(!links[0].active);
        assert_eq!(links[0].count, None);
        let history = links.iter().find(|link| link.label == "History").unwrap();
        assert_eq!(history.url, "/contacts/3/history");
        assert!(history.active);
        assert_eq!(history.count, Some(4));
        assert_eq!(links.iter().filter(|link| link.active).count(), 1);
    }
}
