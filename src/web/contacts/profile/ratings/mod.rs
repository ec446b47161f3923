//! The Ratings tab: a summary (how many, share positive, a chart of the last 30 days) and the
//! ratings themselves with filters (up/down, reviewed or not) and keyset pagination.
//! "Mark reviewed" is [`review`].
//!
//! Filters are query parameters (`?value=up|down&review=unreviewed|reviewed`): changing one
//! swaps only the list (`HX-Target: ratings-list`) and pushes the URL.

pub mod review;

use super::tab::{Profile, TabView, profile_tab};
use crate::domain::keyset::TimeCursor;
use crate::domain::rating::{
    RatingFilter, RatingKind, ReviewFilter, ValueFilter, is_plain_thumb, percent_positive,
    value_text,
};
use crate::domain::rating_chart::{CHART_DAYS, Chart, DayCount, last_days};
use crate::domain::text::group_thousands;
use crate::domain::{ContactId, RatingId};
use crate::error::AppError;
use crate::models::rating::{self, ListItem, Summary};
use crate::web::contacts::list::Choice;
use crate::web::context::Dashboard;
use crate::web::render;
use crate::web::routes;
use crate::web::views;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Duration, Utc};
use serde::Deserialize;

pub fn register(config: &mut web::ServiceConfig) {
    config
        .route("/contacts/{id}/ratings", web::get().to(show))
        .route(
            "/contacts/{id}/ratings/review",
            web::post().to(review::review_shown),
        )
        .route(
            "/contacts/{id}/ratings/{rating}/review",
            web::post().to(review::review_one),
        );
}

/// Ratings per page of the list.
pub const PAGE_SIZE: i64 = 25;

/// The numbers above the chart, worded.
pub struct SummaryView {
    pub total: String,
    pub positive_share: String,
    pub positive: String,
    pub negative: String,
    pub unreviewed: String,
    pub has_unreviewed: bool,
}

impl SummaryView {
    fn new(summary: &Summary) -> Self {
        let n = |v: i64| group_thousands(u64::try_from(v).unwrap_or(0));
        SummaryView {
            total: n(summary.total),
            positive_share: percent_positive(summary.positive, summary.total)
                .map_or_else(|| "—".to_string(), |p| format!("{p}%")),
            positive: n(summary.positive),
            negative: n(summary.negative),
            unreviewed: n(summary.unreviewed),
            has_unreviewed: summary.unreviewed > 0,
        }
    }
}

/// One rating in the list.
pub struct RatingRow {
    pub id: RatingId,
    pub anchor: String,
    pub kind_class: &'static str,
    pub kind_label: &'static str,
    /// The value when it is not a plain ±100.
    pub value: Option<String>,
    pub reason: String,
    pub message_url: Option<String>,
    pub message_excerpt: String,
    /// Why there is no link, when there is none.
    pub unlinked: &'static str,
    pub when: String,
    pub when_iso: String,
    pub reviewed: Option<String>,
    pub reviewed_iso: String,
    pub review_url: String,
}

impl RatingRow {
    fn new(contact_id: ContactId, item: &ListItem) -> Self {
        let rating = &item.rating;
        let kind = RatingKind::of(rating.value);
        // Linked only while the conversation still belongs to this contact: a detached one
        // has no page, and a moved one is another contact's.
        let linked = item.conversation_contact_id == Some(contact_id);
        let message_url = match (rating.conversation_id, rating.message_id, linked) {
            (Some(conversation), Some(message), true) => Some(
                routes::contact_conversation_message(contact_id, conversation, message),
            ),
            (Some(conversation), None, true) => {
                Some(routes::contact_conversation(contact_id, conversation))
            }
            _ => None,
        };
        let unlinked = match (rating.conversation_id, linked) {
            (None, _) => "The conversation was deleted.",
            (Some(_), false) => "The conversation is no longer linked to this contact.",
            (Some(_), true) => "",
        };
        RatingRow {
            id: rating.id,
            anchor: format!("rating-{}", rating.id),
            kind_class: kind.css_class(),
            kind_label: match kind {
                RatingKind::Up => "Thumbs up",
                RatingKind::Down => "Thumbs down",
                RatingKind::Neutral => "Neutral",
            },
            value: (!is_plain_thumb(rating.value)).then(|| value_text(rating.value)),
            reason: rating.reason.clone().unwrap_or_default(),
            message_url,
            message_excerpt: item.message_excerpt.clone().unwrap_or_default(),
            unlinked,
            when: views::timestamp(rating.created_at),
            when_iso: views::iso(rating.created_at),
            reviewed: rating.reviewed_at.map(|at| {
                format!(
                    "Reviewed by {} on {}",
                    rating.reviewed_by_name.as_deref().unwrap_or("someone"),
                    views::timestamp(at)
                )
            }),
            reviewed_iso: rating.reviewed_at.map(views::iso).unwrap_or_default(),
            review_url: routes::contact_rating_review(contact_id, rating.id),
        }
    }
}

/// A day of the chart's text alternative.
pub struct DayRow {
    pub day: String,
    pub up: u32,
    pub down: u32,
}

/// The list part of the tab: filters, rows, paging and the bulk action.
pub struct ListView {
    pub list_url: String,
    /// This list's address without empty parameters, pushed into the address bar.
    pub canonical_url: String,
    pub value_options: Vec<Choice>,
    pub review_options: Vec<Choice>,
    pub value: &'static str,
    pub review: &'static str,
    pub before: String,
    pub is_filtered: bool,
    pub rows: Vec<RatingRow>,
    pub older_url: Option<String>,
    pub newest_url: Option<String>,
    pub can_edit: bool,
    pub csrf_token: String,
    pub review_all_url: String,
    /// Ratings shown that are not reviewed yet: what "Mark all shown as reviewed" marks.
    pub unreviewed_ids: Vec<RatingId>,
}

pub struct RatingsView {
    pub summary: SummaryView,
    pub chart: Chart,
    pub chart_days: Vec<DayRow>,
    pub list: ListView,
    /// What the last action did, announced above the list.
    pub notice: String,
    pub has_any: bool,
}

profile_tab!(RatingsView, ratings, "contacts/profile/ratings/index.html");

#[derive(Template)]
#[template(path = "contacts/profile/ratings/index.html", block = "list")]
struct RatingsList {
    ratings: RatingsView,
}

/// The list's state, from the query string or from the hidden fields of a review form.
#[derive(Deserialize, Default, Clone)]
pub struct ListState {
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub review: String,
    #[serde(default)]
    pub before: String,
}

impl ListState {
    fn filter(&self) -> RatingFilter {
        RatingFilter::parse(&self.value, &self.review)
    }

    /// The list URL for this state (the cursor kept only when `with_cursor`).
    pub fn url(&self, id: ContactId, with_cursor: bool) -> String {
        let filter = self.filter();
        let before = if with_cursor {
            TimeCursor::decode(&self.before)
                .map(|c| c.encode())
                .unwrap_or_default()
        } else {
            String::new()
        };
        routes::with_query(
            &routes::contact_tab(id, "ratings"),
            &[
                ("value", filter.value.as_str()),
                ("review", filter.review.as_str()),
                ("before", &before),
            ],
        )
    }
}

struct Loaded {
    summary: Summary,
    days: Vec<DayCount>,
    items: Vec<ListItem>,
}

/// Loads the profile and the tab at `list`.
fn load(
    conn: &mut diesel::PgConnection,
    id: ContactId,
    list: &ListState,
    since: chrono::DateTime<Utc>,
) -> Result<(Profile, Loaded), AppError> {
    let filter = list.filter();
    let before = TimeCursor::decode(&list.before);
    let profile = Profile::load(conn, id)?;
    let loaded = Loaded {
        summary: rating::summary(conn, id)?,
        days: rating::daily_counts(conn, id, since)?,
        items: rating::page(conn, id, filter, before, PAGE_SIZE + 1)?,
    };
    Ok((profile, loaded))
}

fn choices<T: Copy + PartialEq>(
    all: &[T],
    current: T,
    value: impl Fn(T) -> &'static str,
    label: impl Fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter()
        .map(|option| Choice {
            value: value(*option).to_string(),
            label: label(*option).to_string(),
            selected: *option == current,
        })
        .collect()
}

fn build_view(
    id: ContactId,
    loaded: Loaded,
    state: &ListState,
    can_edit: bool,
    csrf_token: String,
    notice: String,
) -> RatingsView {
    let filter = state.filter();
    let mut items = loaded.items;
    let has_older = items.len() as i64 > PAGE_SIZE;
    items.truncate(PAGE_SIZE as usize);
    let first_page = ListState {
        before: String::new(),
        ..state.clone()
    };
    let older_url = items.last().filter(|_| has_older).map(|last| {
        ListState {
            before: last.cursor().encode(),
            ..state.clone()
        }
        .url(id, true)
    });
    let paged = TimeCursor::decode(&state.before).is_some();
    let days = last_days(&loaded.days, Utc::now().date_naive(), CHART_DAYS);
    let chart = Chart::new(&days);
    let rows: Vec<RatingRow> = items.iter().map(|item| RatingRow::new(id, item)).collect();
    RatingsView {
        summary: SummaryView::new(&loaded.summary),
        chart_days: days
            .iter()
            .rev()
            .filter(|d| d.up + d.down > 0)
            .map(|d| DayRow {
                day: d.day.format("%Y-%m-%d").to_string(),
                up: d.up,
                down: d.down,
            })
            .collect(),
        chart,
        has_any: loaded.summary.total > 0,
        notice,
        list: ListView {
            list_url: routes::contact_tab(id, "ratings"),
            canonical_url: state.url(id, true),
            value_options: choices(
                &ValueFilter::ALL,
                filter.value,
                ValueFilter::as_str,
                ValueFilter::label,
            ),
            review_options: choices(
                &ReviewFilter::ALL,
                filter.review,
                ReviewFilter::as_str,
                ReviewFilter::label,
            ),
            value: filter.value.as_str(),
            review: filter.review.as_str(),
            before: if paged {
                state.before.clone()
            } else {
                String::new()
            },
            is_filtered: filter.is_filtered(),
            unreviewed_ids: items
                .iter()
                .filter(|item| item.rating.reviewed_at.is_none())
                .map(|item| item.rating.id)
                .collect(),
            rows,
            older_url,
            newest_url: paged.then(|| first_page.url(id, false)),
            can_edit,
            csrf_token,
            review_all_url: routes::contact_ratings_review(id),
        },
    }
}

/// How to answer with the tab.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// As htmx asked: the list alone (`HX-Target: ratings-list`), the tabs, or the page.
    AsAsked,
    /// The tabs, in place (after a review, whose summary and counts change too).
    Tabs,
}

impl Dashboard {
    /// Loads the tab at `list` and answers with it, `notice` announced above the list.
    pub async fn ratings_tab(
        &self,
        id: ContactId,
        list: ListState,
        notice: String,
        answer: Answer,
    ) -> Result<HttpResponse, AppError> {
        let today = Utc::now().date_naive();
        let since = (today - Duration::days(i64::from(CHART_DAYS) - 1))
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc())
            .ok_or_else(|| AppError::internal("chart start out of range"))?;
        let state = list.clone();
        let (profile, loaded) = self
            .db
            .read(move |conn| load(conn, id, &state, since))
            .await?;
        let ratings = build_view(
            id,
            loaded,
            &list,
            self.can_edit(),
            self.csrf_token(),
            notice,
        );
        if answer == Answer::Tabs {
            let header = self.profile_view(&profile, "ratings");
            return ratings.render_tabs(StatusCode::OK, header);
        }
        if self.targets("ratings-list") {
            // The filter form sends every field, empty ones too; the address bar gets the
            // clean URL.
            let push_url = ratings.list.canonical_url.clone();
            let response = self.ok(&RatingsList { ratings })?;
            return Ok(render::push_url(response, &push_url));
        }
        self.profile_tab(StatusCode::OK, &profile, "ratings", ratings)
    }
}

/// `GET /contacts/{id}/ratings`.
pub async fn show(
    ctx: Dashboard,
    path: web::Path<ContactId>,
    query: web::Query<ListState>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    ctx.ratings_tab(id, query.into_inner(), String::new(), Answer::AsAsked)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_urls_keep_filters_and_drop_bad_cursors() {
        let state = ListState {
            value: "down".into(),
            review: "unreviewed".into(),
            before: "garbage".into(),
        };
        assert_eq!(
            state.url(ContactId(4), true),
            "/contacts/4/ratings?value=down&review=unreviewed"
        );
        let paged = ListState {
            before: "1764000000000000_9".into(),
            ..state
        };
        assert_eq!(
            paged.url(ContactId(4), true),
            "/contacts/4/ratings?value=down&review=unreviewed&before=1764000000000000_9"
        );
    }
}
