//! What every tab of the profile shares: the contact and tab counts shown above the panel
//! ([`Profile`]), and rendering a tab as the whole page or as the `tabs` block that htmx swaps
//! into `#profile-tabs` ([`Dashboard::profile_tab`]).

use super::ProfileView;
use crate::domain::ContactId;
use crate::error::AppError;
use crate::models::Contact;
use crate::models::profile_counts::{self, TabCounts};
use crate::web::context::Dashboard;
use crate::web::layout::{PageContext, Section};
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use diesel::PgConnection;

/// The element htmx swaps on a tab switch.
pub const TABS_TARGET: &str = "profile-tabs";

/// The contact and its tab counts: what every tab shows above its panel.
pub struct Profile {
    pub contact: Contact,
    pub counts: TabCounts,
}

impl Profile {
    /// Loads both in one statement; a contact that does not exist is a 404.
    pub fn load(connection: &mut PgConnection, id: ContactId) -> Result<Profile, AppError> {
        let (contact, counts) = profile_counts::contact_with_counts(connection, id)?;
        Ok(Profile { contact, counts })
    }
}

/// A tab's view, as the whole profile page or as the `tabs` block. Implemented by
/// `profile_tab!`, which declares both templates from the tab's one template file.
pub trait TabView: Sized {
    /// The `tabs` block only, for htmx.
    fn render_tabs(
        self,
        status: StatusCode,
        profile: ProfileView,
    ) -> Result<HttpResponse, AppError>;

    /// The whole page.
    fn render_page(
        self,
        status: StatusCode,
        page: PageContext,
        profile: ProfileView,
    ) -> Result<HttpResponse, AppError>;
}

/// `profile_tab!(View, field, "contacts/profile/….html")`: `View` renders through that
/// template, which extends `contacts/profile/base.html` and prints the view as `field`.
macro_rules! profile_tab {
    ($view:ty, $field:ident, $path:literal) => {
        impl $crate::web::contacts::profile::tab::TabView for $view {
            fn render_tabs(
                self,
                status: actix_web::http::StatusCode,
                profile: $crate::web::contacts::profile::ProfileView,
            ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
                #[derive(askama::Template)]
                #[template(path = $path, block = "tabs")]
                struct Tabs {
                    profile: $crate::web::contacts::profile::ProfileView,
                    $field: $view,
                }
                $crate::web::render::html(
                    status,
                    &Tabs {
                        profile,
                        $field: self,
                    },
                )
            }

            fn render_page(
                self,
                status: actix_web::http::StatusCode,
                page: $crate::web::layout::PageContext,
                profile: $crate::web::contacts::profile::ProfileView,
            ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
                #[derive(askama::Template)]
                #[template(path = $path)]
                struct Page {
                    page: $crate::web::layout::PageContext,
                    profile: $crate::web::contacts::profile::ProfileView,
                    $field: $view,
                }
                $crate::web::render::html(
                    status,
                    &Page {
                        page,
                        profile,
                        $field: self,
                    },
                )
            }
        }
    };
}
pub(crate) use profile_tab;

impl Dashboard {
    /// The header and tab bar, with the tab `slug` active.
    pub fn profile_view(&self, profile: &Profile, slug: &str) -> ProfileView {
        ProfileView::new(
            &profile.contact,
            slug,
            &profile.counts,
            self.user.role,
            self.csrf_token(),
        )
    }

    /// Renders `view` as the tab `slug`: only the tabs when htmx targets them (a tab switch),
    /// the whole page otherwise.
    pub fn profile_tab(
        &self,
        status: StatusCode,
        profile: &Profile,
        slug: &str,
        view: impl TabView,
    ) -> Result<HttpResponse, AppError> {
        let header = self.profile_view(profile, slug);
        if self.targets(TABS_TARGET) {
            view.render_tabs(status, header)
        } else {
            view.render_page(status, self.page(Section::Contacts), header)
        }
    }
}
