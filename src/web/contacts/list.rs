//! `/contacts`: the list with search as you type, sort, filters and keyset pagination.

use super::super::context::Dashboard;
use super::super::layout::{PageContext, Section};
use super::super::render;
use super::super::routes;
use super::super::views;
use crate::domain::ContactSource;
use crate::domain::export::ExportFormat;
use crate::domain::listing::{self, Cursor, Direction, SearchTerm, SortOrder};
use crate::domain::phone::display_international;
use crate::error::AppError;
use crate::models::Contact;
use crate::models::contact_export;
use crate::models::contact_list::{self, ListPage, ListQuery};
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;
use serde_json::Value;

/// The query string, read leniently: anything unknown falls back to a default instead of
/// failing the page.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    verified: String,
    #[serde(default)]
    meta: String,
    #[serde(default)]
    per_page: String,
    #[serde(default)]
    after: String,
    #[serde(default)]
    before: String,
}

impl ListParams {
    fn sort(&self) -> SortOrder {
        self.sort.parse().unwrap_or_default()
    }

    fn to_query(&self) -> ListQuery {
        let sort = self.sort();
        let cursor = if !self.after.is_empty() {
            Cursor::decode(&self.after, sort).map(|c| (Direction::After, c))
        } else if !self.before.is_empty() {
            Cursor::decode(&self.before, sort).map(|c| (Direction::Before, c))
        } else {
            None
        };
        ListQuery {
            search: SearchTerm::parse(&self.q),
            source: self.source.parse().ok(),
            verified: match self.verified.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            meta: listing::meta_filter(&self.meta),
            sort,
            per_page: listing::page_size(self.per_page.parse().ok()),
            cursor,
        }
    }
}

impl ListParams {
    /// The list's search and filters without its position: what an export of the list
    /// selects (every match; sort and page size do not apply).
    pub(super) fn filters(&self) -> ListQuery {
        ListQuery {
            cursor: None,
            ..self.to_query()
        }
    }

    /// The search and filters that apply, as the export's audit entry records them.
    pub(super) fn described_filters(&self) -> Value {
        contact_export::describe_filters(&self.filters(), &self.q)
    }
}

/// The export's URL for `format` with the list's search and filters.
fn export_url(params: &ListParams, query: &ListQuery, format: ExportFormat) -> String {
    let verified = match query.verified {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    routes::with_query(
        routes::CONTACTS_EXPORT,
        &[
            ("format", format.as_str()),
            ("q", params.q.trim()),
            ("source", query.source.map_or("", ContactSource::as_str)),
            ("verified", verified),
            ("meta", params.meta.trim()),
        ],
    )
}

/// An option of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choice(value: &str, label: &str, current: &str) -> Choice {
    Choice {
        value: value.to_string(),
        label: label.to_string(),
        selected: value == current,
    }
}

/// One row of the table, ready to print.
pub struct ContactRow {
    pub url: String,
    pub name: String,
    pub initials: String,
    pub avatar_class: String,
    pub nick: String,
    pub email: String,
    pub phone: String,
    pub source: &'static str,
    pub verified: bool,
    pub updated: String,
    pub updated_iso: String,
}

impl ContactRow {
    fn new(contact: &Contact, now: chrono::DateTime<Utc>) -> Self {
        let views::Identity {
            name,
            initials,
            avatar_class,
        } = views::identity(contact);
        ContactRow {
            url: routes::contact(contact.id),
            initials,
            avatar_class,
            name,
            nick: contact.nick.clone().unwrap_or_default(),
            email: contact.email.clone().unwrap_or_default(),
            phone: contact
                .phone
                .as_deref()
                .map(display_international)
                .unwrap_or_default(),
            source: contact.source().map_or("", ContactSource::label),
            verified: contact.verified_at.is_some(),
            updated: views::relative(contact.updated_at, now),
            updated_iso: views::iso(contact.updated_at),
        }
    }
}

/// A link of the Export control.
pub struct ExportLink {
    pub label: &'static str,
    pub url: String,
}

/// Everything the list shows.
pub struct ContactListView {
    pub q: String,
    pub meta: String,
    pub rows: Vec<ContactRow>,
    pub total: String,
    pub next_url: Option<String>,
    pub previous_url: Option<String>,
    pub sort_options: Vec<Choice>,
    pub source_options: Vec<Choice>,
    pub verified_options: Vec<Choice>,
    pub per_page_options: Vec<Choice>,
    pub is_filtered: bool,
    /// One download per format of every contact the search and filters select (rebuilt
    /// with the results, so it follows the search as it is typed).
    pub export_links: Vec<ExportLink>,
    pub can_create: bool,
    pub new_contact_url: &'static str,
    pub trash_url: &'static str,
    /// The import page (shown to those who may create).
    pub import_url: &'static str,
    pub list_url: &'static str,
    /// This page's address without empty or default parameters, pushed into the browser's
    /// location bar by htmx so search results are linkable.
    pub canonical_url: String,
}

/// The list's URL for these filters: defaults and blanks left out, plus an optional cursor
/// (`after` or `before`).
fn list_url(params: &ListParams, query: &ListQuery, cursor: Option<(&str, String)>) -> String {
    let sort = if query.sort == SortOrder::default() {
        ""
    } else {
        query.sort.as_str()
    };
    let per_page = query.per_page.to_string();
    let per_page = if query.per_page == listing::DEFAULT_PAGE_SIZE {
        ""
    } else {
        per_page.as_str()
    };
    let verified = match query.verified {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    let (after, before) = match &cursor {
        Some(("before", encoded)) => ("", encoded.as_str()),
        Some((_, encoded)) => (encoded.as_str(), ""),
        None => ("", ""),
    };
    routes::with_query(
        routes::CONTACTS,
        &[
            ("q", params.q.trim()),
            ("sort", sort),
            ("source", query.source.map_or("", ContactSource::as_str)),
            ("verified", verified),
            ("meta", params.meta.trim()),
            ("per_page", per_page),
            ("after", after),
            ("before", before),
        ],
    )
}

impl ContactListView {
    fn new(params: &ListParams, query: &ListQuery, page: ListPage, can_create: bool) -> Self {
        let sort = query.sort;
        let per_page = query.per_page.to_string();
        let link = |direction: &str, cursor: &Cursor| {
            list_url(params, query, Some((direction, cursor.encode(sort))))
        };
        let now = Utc::now();
        let source_current = query.source.map_or("", ContactSource::as_str);
        let current_cursor = query.cursor.as_ref().map(|(direction, cursor)| {
            let name = if *direction == Direction::Before {
                "before"
            } else {
                "after"
            };
            (name, cursor.encode(sort))
        });
        ContactListView {
            canonical_url: list_url(params, query, current_cursor),
            q: params.q.clone(),
            meta: params.meta.clone(),
            rows: page.rows.iter().map(|c| ContactRow::new(c, now)).collect(),
            total: page.total.describe("contact", "contacts"),
            next_url: page.next.as_ref().map(|c| link("after", c)),
            previous_url: page.previous.as_ref().map(|c| link("before", c)),
            sort_options: SortOrder::ALL
                .into_iter()
                .map(|s| choice(s.as_str(), s.label(), sort.as_str()))
                .collect(),
            source_options: std::iter::once(choice("", "Any source", source_current))
                .chain(
                    ContactSource::ALL
                        .into_iter()
                        .map(|s| choice(s.as_str(), s.label(), source_current)),
                )
                .collect(),
            verified_options: vec![
                choice("", "Verified or not", &params.verified),
                choice("yes", "Verified", &params.verified),
                choice("no", "Unverified", &params.verified),
            ],
            per_page_options: listing::PAGE_SIZES
                .iter()
                .map(|n| choice(&n.to_string(), &format!("{n} per page"), &per_page))
                .collect(),
            is_filtered: query.is_filtered(),
            export_links: ExportFormat::ALL
                .into_iter()
                .map(|format| ExportLink {
                    label: format.label(),
                    url: export_url(params, query, format),
                })
                .collect(),
            can_create,
            new_contact_url: routes::NEW_CONTACT,
            trash_url: routes::TRASH,
            import_url: routes::IMPORT,
            list_url: routes::CONTACTS,
        }
    }
}

#[derive(Template)]
#[template(path = "contacts/list.html")]
struct ContactListPage {
    page: PageContext,
    view: ContactListView,
}

/// Only the results, for search-as-you-type and paging.
#[derive(Template)]
#[template(path = "contacts/list.html", block = "results")]
struct ContactResults {
    view: ContactListView,
}

/// `GET /contacts`: the whole page, or only the results (with their URL pushed) when htmx
/// asks for them.
pub async fn list(
    ctx: Dashboard,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, AppError> {
    let params = params.into_inner();
    let query = params.to_query();
    let db_query = query.clone();
    let page = ctx
        .db
        .read(move |conn| Ok(contact_list::page(conn, &db_query)?))
        .await?;
    let view = ContactListView::new(&params, &query, page, ctx.can_edit());
    if ctx.targets("results") {
        let canonical_url = view.canonical_url.clone();
        let response = ctx.ok(&ContactResults { view })?;
        Ok(render::push_url(response, &canonical_url))
    } else {
        ctx.ok(&ContactListPage {
            page: ctx.page(Section::Contacts),
            view,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_parameters_fall_back_to_defaults() {
        let params = ListParams {
            sort: "sideways".into(),
            per_page: "1000".into(),
            verified: "maybe".into(),
            after: "not-a-cursor".into(),
            ..Default::default()
        };
        let query = params.to_query();
        assert_eq!(query.sort, SortOrder::Updated);
        assert_eq!(query.per_page, 25);
        assert_eq!(query.verified, None);
        assert!(query.cursor.is_none());
    }

    #[test]
    fn exports_keep_the_filters_but_not_the_position() {
        let params = ListParams {
            q: " smith ".into(),
            sort: "name".into(),
            source: "email".into(),
            verified: "no".into(),
            meta: "plan=pro".into(),
            per_page: "50".into(),
            after: Cursor {
                key: listing::CursorKey::Text("a".into()),
                id: crate::domain::ContactId(3),
            }
            .encode(SortOrder::Name),
            ..Default::default()
        };
        let query = params.to_query();
        assert!(query.cursor.is_some());
        assert!(params.filters().cursor.is_none());
        assert_eq!(
            export_url(&params, &query, ExportFormat::VCard),
            "/contacts/export?format=vcard&q=smith&source=email&verified=no&meta=plan%3Dpro"
        );
        assert_eq!(
            params.described_filters(),
            serde_json::json!({"q": "smith", "source": "email", "verified": "no", "meta": "plan=pro"})
        );
        assert_eq!(
            ListParams::default().described_filters(),
            serde_json::json!({})
        );
    }
}
