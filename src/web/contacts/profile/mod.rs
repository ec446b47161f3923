//! `/contacts/{id}`: the profile. A header, then tabs; each tab is its own URL, swapped in
//! place by htmx (URL pushed) and rendered as a whole page on a direct visit.
//!
//! To add a tab: one entry in [`TABS`], a handler and a template extending
//! `contacts/profile/base.html`.

pub mod agent_notice;
pub mod context;
pub mod conversation_actions;
pub mod conversation_move;
pub mod conversations;
pub mod field;
pub mod history;
pub mod memories;
pub mod overview;
pub mod rating_review;
pub mod ratings;
pub mod secret_reveal;
pub mod secret_writes;
pub mod secrets;
pub mod spaces;
pub mod tab;
pub mod tasks;
pub mod transcript;

use super::super::routes;
use super::super::views;
use crate::domain::phone::display_international;
use crate::domain::{ContactId, ContactSource};
use crate::models::Contact;
use crate::models::profile_counts::TabCounts;
use actix_web::web;

pub fn register(config: &mut web::ServiceConfig) {
    config
        .route("/contacts/{id}", web::get().to(overview::show))
        .route("/contacts/{id}/history", web::get().to(history::show))
        .route("/contacts/{id}/context", web::get().to(context::show))
        .configure(register_conversations)
        .configure(register_ratings)
        .route("/contacts/{id}/fields/{field}", web::get().to(field::show))
        .route("/contacts/{id}/fields/{field}", web::post().to(field::save))
        .route(
            "/contacts/{id}/fields/{field}/edit",
            web::get().to(field::edit),
        )
        .configure(tasks::register)
        .configure(memories::register)
        .configure(spaces::register)
        .configure(register_secrets);
}

fn register_secrets(config: &mut web::ServiceConfig) {
    config
        .route("/contacts/{id}/secrets", web::get().to(secrets::show))
        .route(
            "/contacts/{id}/secrets",
            web::post().to(secret_writes::create),
        )
        .route(
            "/contacts/{id}/secrets/new",
            web::get().to(secret_writes::new_form),
        )
        .route(
            "/contacts/{id}/secrets/{secret}",
            web::post().to(secret_writes::update),
        )
        .route(
            "/contacts/{id}/secrets/{secret}/edit",
            web::get().to(secret_writes::edit_form),
        )
        .route(
            "/contacts/{id}/secrets/{secret}/replace",
            web::get().to(secret_writes::replace_form),
        )
        .route(
            "/contacts/{id}/secrets/{secret}/replace",
            web::post().to(secret_writes::replace),
        )
        .route(
            "/contacts/{id}/secrets/{secret}/delete",
            web::get().to(secret_writes::confirm_delete),
        )
        .route(
            "/contacts/{id}/secrets/{secret}/delete",
            web::post().to(secret_writes::delete),
        )
        .route(
            "/contacts/{id}/secrets/{secret}/reveal",
            web::get().to(secret_reveal::reveal_form),
        )
        .route(
            "/contacts/{id}/secrets/{secret}/reveal",
            web::post().to(secret_reveal::reveal),
        );
}

fn register_conversations(config: &mut web::ServiceConfig) {
    use conversation_actions as actions;
    const ONE: &str = "/contacts/{id}/conversations/{conversation}";
    config
        .route(
            "/contacts/{id}/conversations",
            web::get().to(conversations::list),
        )
        .route(ONE, web::get().to(transcript::show))
        .route(
            &format!("{ONE}/delete"),
            web::get().to(actions::confirm_delete),
        )
        .route(&format!("{ONE}/delete"), web::post().to(actions::delete))
        .route(
            &format!("{ONE}/detach"),
            web::get().to(actions::confirm_detach),
        )
        .route(&format!("{ONE}/detach"), web::post().to(actions::detach))
        .route(
            &format!("{ONE}/move"),
            web::get().to(conversation_move::picker),
        )
        .route(
            &format!("{ONE}/move"),
            web::post().to(conversation_move::move_to),
        )
        .route(
            &format!("{ONE}/messages"),
            web::post().to(actions::add_message),
        );
}

fn register_ratings(config: &mut web::ServiceConfig) {
    config
        .route("/contacts/{id}/ratings", web::get().to(ratings::show))
        .route(
            "/contacts/{id}/ratings/review",
            web::post().to(rating_review::review_shown),
        )
        .route(
            "/contacts/{id}/ratings/{rating}/review",
            web::post().to(rating_review::review_one),
        );
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
    pub id: i64,
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
}

impl ProfileView {
    pub fn new(contact: &Contact, active_slug: &str, counts: &TabCounts, can_edit: bool) -> Self {
        let id = contact.contact_id();
        ProfileView {
            header: HeaderView::new(contact),
            tabs: tab_links(id, active_slug, counts),
            delete_url: routes::contact_delete(id),
            can_edit,
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
