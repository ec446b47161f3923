//! The contacts list query: search, filters, keyset pagination and totals that stay fast at
//! millions of rows.
//!
//! Every page is an index range scan on `(sort key, id)`: no OFFSET, no full count. Totals are
//! counted exactly up to [`EXACT_COUNT_CAP`] rows and estimated beyond that.
//!
//! An unfiltered page is one statement: the rows carry the capped count of all contacts and
//! the table's row estimate as two scalar subqueries, which PostgreSQL runs once each. A
//! filtered page (a search) first asks the planner how many rows match (`EXPLAIN`, which
//! cannot be a subquery): beyond [`SURELY_LARGE`] the estimate is the total and the count is
//! not run at all, because counting even a capped number of matches of a broad search builds
//! a bitmap of every match first, which is what made broad searches slow.

use super::contact::{self, Contact};
use super::schema::contacts;
use super::sql::{CountOf, CountRows, estimate_rows};
use crate::domain::ContactSource;
use crate::domain::listing::{Cursor, CursorKey, Direction, SearchTerm, SortOrder, Total};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Jsonb, Text, Timestamptz};

/// Up to this many matching rows are counted exactly.
pub const EXACT_COUNT_CAP: i64 = 1_000;

/// Beyond this planner estimate the exact count is not even attempted: statistics are rarely
/// off by a factor of five, and counting is what makes big lists slow.
const SURELY_LARGE: i64 = 5 * EXACT_COUNT_CAP;

/// The row count of `contacts` by its statistics (kept fresh by autovacuum / ANALYZE); 0
/// before the first ANALYZE.
const TABLE_ESTIMATE: &str =
    "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'contacts'::regclass";

/// What the list shows: filters, order and position.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub search: Option<SearchTerm>,
    pub source: Option<ContactSource>,
    pub verified: Option<bool>,
    /// `meta.KEY = VALUE` (string values).
    pub meta: Option<(String, String)>,
    pub sort: SortOrder,
    pub per_page: i64,
    pub cursor: Option<(Direction, Cursor)>,
}

impl ListQuery {
    pub fn is_filtered(&self) -> bool {
        self.search.is_some()
            || self.source.is_some()
            || self.verified.is_some()
            || self.meta.is_some()
    }
}

/// One page of contacts, in display order.
#[derive(Debug, Clone)]
pub struct ListPage {
    pub rows: Vec<Contact>,
    /// Cursor for the "Next" link, when there are rows after this page.
    pub next: Option<Cursor>,
    /// Cursor for the "Previous" link, when there are rows before this page.
    pub previous: Option<Cursor>,
    pub total: Total,
}

type Filter = Box<dyn BoxableExpression<contacts::table, Pg, SqlType = Bool>>;

/// The WHERE conditions for the query's search and filters.
fn filters(query: &ListQuery) -> Vec<Filter> {
    let mut filters: Vec<Filter> = Vec::new();
    if let Some(term) = &query.search {
        filters.push(search_condition(term));
    }
    if let Some(source) = query.source {
        filters.push(Box::new(contacts::source.eq(source.as_str())));
    }
    match query.verified {
        Some(true) => filters.push(Box::new(contacts::verified_at.is_not_null())),
        Some(false) => filters.push(Box::new(contacts::verified_at.is_null())),
        None => {}
    }
    if let Some((key, value)) = &query.meta {
        let wanted = serde_json::json!({ key.as_str(): value });
        filters.push(Box::new(sql::<Bool>("meta @> ").bind::<Jsonb, _>(wanted)));
    }
    filters
}

/// Name, email and nick through the trigram index; phone digits through the phone's.
fn search_condition(term: &SearchTerm) -> Filter {
    let text: Filter = if term.substring {
        Box::new(contacts::search_text.like(format!("%{}%", term.like_escaped)))
    } else {
        // One or two characters are too short for trigrams anywhere; match word starts.
        Box::new(
            contacts::search_text
                .like(format!("{}%", term.like_escaped))
                .or(contacts::search_text.like(format!("% {}%", term.like_escaped)))
                .or(contacts::search_text.like(format!("%@{}%", term.like_escaped))),
        )
    };
    term.phone_digits.iter().fold(text, |condition, digits| {
        Box::new(
            condition.or(contacts::phone
                .like(format!("%{digits}%"))
                .assume_not_null()),
        )
    })
}

/// `(key, id) > (cursor)` (or `<`), written as a row comparison so PostgreSQL turns it into an
/// index range.
fn keyset_condition(sort: SortOrder, cursor: &Cursor, greater: bool) -> Filter {
    let column = match sort {
        SortOrder::Name => "sort_name",
        SortOrder::Updated => "updated_at",
        SortOrder::Created => "created_at",
    };
    let operator = if greater { ">" } else { "<" };
    let head = sql::<Bool>(&format!("({column}, id) {operator} ("));
    match &cursor.key {
        CursorKey::Text(text) => Box::new(
            head.bind::<Text, _>(text.clone())
                .sql(", ")
                .bind::<BigInt, _>(cursor.id)
                .sql(")"),
        ),
        CursorKey::Time(time) => Box::new(
            head.bind::<Timestamptz, _>(*time)
                .sql(", ")
                .bind::<BigInt, _>(cursor.id)
                .sql(")"),
        ),
    }
}

fn cursor_of(sort: SortOrder, contact: &Contact, sort_name: &str) -> Cursor {
    let key = match sort {
        SortOrder::Name => CursorKey::Text(sort_name.to_string()),
        SortOrder::Updated => CursorKey::Time(contact.updated_at),
        SortOrder::Created => CursorKey::Time(contact.created_at),
    };
    Cursor {
        key,
        id: contact.id,
    }
}

/// The contacts the query's search and filters select, in no order: the list's pages, its
/// totals and the export of the list ([`super::contact_export`]) all start here.
pub(super) fn base(query: &ListQuery) -> contacts::BoxedQuery<'static, Pg> {
    filters(query)
        .into_iter()
        .fold(contact::live().into_boxed(), |q, f| q.filter(f))
}

/// Loads one page and its total.
pub fn page(connection: &mut PgConnection, query: &ListQuery) -> QueryResult<ListPage> {
    let per_page = query.per_page.clamp(1, 100);
    // Name sorts ascending; dates newest first. Paging "before" a cursor walks the index the
    // other way and flips the rows back afterwards.
    let ascending_display = query.sort == SortOrder::Name;
    let backwards = matches!(query.cursor, Some((Direction::Before, _)));
    let ascending_scan = ascending_display != backwards;

    let mut rows_query = base(query);
    if let Some((_, cursor)) = &query.cursor {
        rows_query = rows_query.filter(keyset_condition(query.sort, cursor, ascending_scan));
    }
    rows_query = match (query.sort, ascending_scan) {
        (SortOrder::Name, true) => {
            rows_query.order((contacts::sort_name.asc(), contacts::id.asc()))
        }
        (SortOrder::Name, false) => {
            rows_query.order((contacts::sort_name.desc(), contacts::id.desc()))
        }
        (SortOrder::Updated, true) => {
            rows_query.order((contacts::updated_at.asc(), contacts::id.asc()))
        }
        (SortOrder::Updated, false) => {
            rows_query.order((contacts::updated_at.desc(), contacts::id.desc()))
        }
        (SortOrder::Created, true) => {
            rows_query.order((contacts::created_at.asc(), contacts::id.asc()))
        }
        (SortOrder::Created, false) => {
            rows_query.order((contacts::created_at.desc(), contacts::id.desc()))
        }
    };
    let planner_estimate = if query.is_filtered() {
        Some(estimate_rows(connection, base(query).select(contacts::id))?)
    } else {
        None
    };
    let surely_large = planner_estimate.is_some_and(|rows| rows > SURELY_LARGE);
    // Each row also carries the capped count of every match (not only those past the
    // cursor) and the table's estimate: the same two numbers on every row, computed once.
    // A surely large search skips the count (-1 stands in for it).
    let table_rows = sql::<BigInt>(&format!("({TABLE_ESTIMATE})"));
    let rows_query = rows_query.limit(per_page + 1);
    let mut rows: Vec<(Contact, String, i64, i64)> = if surely_large {
        rows_query
            .select((
                Contact::as_select(),
                contacts::sort_name,
                (-1_i64).into_sql::<BigInt>(),
                table_rows,
            ))
            .load(connection)?
    } else {
        rows_query
            .select((
                Contact::as_select(),
                contacts::sort_name,
                CountOf(capped_matches(query)),
                table_rows,
            ))
            .load(connection)?
    };
    let counted = rows
        .first()
        .map(|&(_, _, capped, table_rows)| (capped, table_rows));

    let more_in_scan_direction = rows.len() as i64 > per_page;
    rows.truncate(per_page as usize);
    if backwards {
        rows.reverse();
    }
    let first = rows
        .first()
        .map(|(c, key, ..)| cursor_of(query.sort, c, key));
    let last = rows
        .last()
        .map(|(c, key, ..)| cursor_of(query.sort, c, key));
    let (next, previous) = match (&query.cursor, backwards) {
        (None, _) => (last.filter(|_| more_in_scan_direction), None),
        (Some(_), false) => (last.filter(|_| more_in_scan_direction), first),
        (Some(_), true) => (last, first.filter(|_| more_in_scan_direction)),
    };

    let total = match counted {
        Some(_) if surely_large => Total::About(planner_estimate.unwrap_or(SURELY_LARGE)),
        Some((capped, table_rows)) => beyond_cap(
            connection,
            query,
            capped,
            planner_estimate.or(Some(table_rows)),
        )?,
        // An empty first page: nothing matches.
        None if query.cursor.is_none() => Total::Exact(0),
        // A cursor past the end (a stale link): the count did not run, so count alone.
        None => total(connection, query)?,
    };
    Ok(ListPage {
        rows: rows.into_iter().map(|(c, ..)| c).collect(),
        next,
        previous,
        total,
    })
}

/// The ids of the first matches, one more than [`EXACT_COUNT_CAP`]: counting them is bounded
/// work however many match, and tells "exactly n" from "more than the cap".
fn capped_matches(query: &ListQuery) -> contacts::BoxedQuery<'static, Pg, BigInt> {
    base(query).select(contacts::id).limit(EXACT_COUNT_CAP + 1)
}

/// Exact when at most [`EXACT_COUNT_CAP`] rows match, otherwise an estimate. [`page`] gets
/// the same answer without this statement of its own.
pub fn total(connection: &mut PgConnection, query: &ListQuery) -> QueryResult<Total> {
    let capped: i64 = CountRows(capped_matches(query)).get_result(connection)?;
    beyond_cap(connection, query, capped, None)
}

/// The total from the capped count: exact up to the cap; beyond it `estimate` (the
/// planner's for a filtered list, the table's otherwise; asked now when not known yet), and
/// never less than the cap.
fn beyond_cap(
    connection: &mut PgConnection,
    query: &ListQuery,
    capped: i64,
    estimate: Option<i64>,
) -> QueryResult<Total> {
    if capped <= EXACT_COUNT_CAP {
        return Ok(Total::Exact(capped));
    }
    let estimate = match estimate {
        Some(rows) => rows,
        None if query.is_filtered() => estimate_rows(connection, base(query).select(contacts::id))?,
        None => table_estimate(connection)?,
    };
    Ok(Total::About(estimate.max(EXACT_COUNT_CAP + 1)))
}

/// Rows in `contacts` according to the statistics (kept fresh by autovacuum / ANALYZE).
fn table_estimate(connection: &mut PgConnection) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Estimate {
        #[diesel(sql_type = BigInt)]
        rows: i64,
    }
    let estimate: Estimate =
        diesel::sql_query(format!("SELECT ({TABLE_ESTIMATE}) AS rows")).get_result(connection)?;
    Ok(estimate.rows)
}
