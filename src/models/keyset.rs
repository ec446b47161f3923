//! Keyset pages in creation order: the rows of a table ordered by `(created_at, id)`, newest
//! or oldest first, continuing strictly after a position. Every such list reads its pages
//! through [`load`]: the API's lists and its contact export, the Memories and Ratings tabs.
//!
//! The position is a row comparison, `(created_at, id) < (…)` (`>` oldest first), which
//! PostgreSQL serves as one range of an index on `(…, created_at, id)`: a page costs the same
//! however deep into the list it is. (The Conversations tab pages by last activity and the
//! contacts list by its sort keys; those have their own conditions.)

use super::schema;
use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::expression::{BoxableExpression, SqlLiteral};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_dsl::LoadQuery;
use diesel::query_dsl::methods::{FilterDsl, LimitDsl, OrderDsl};
use diesel::sql_types::{BigInt, Bool, Jsonb, Timestamptz};
use serde_json::Value;

/// Which end of the list comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Oldest first.
    Asc,
    /// Newest first.
    #[default]
    Desc,
}

/// Where a page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// At the top of the list.
    Start,
    /// After the row with this id (the API's `cursor`). An id that is not in the table gives
    /// an empty page.
    Item(i64),
    /// After the row with this `(created_at, id)`, which need not exist any more.
    Row(DateTime<Utc>, i64),
}

/// One page to read.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub order: Order,
    pub after: After,
    /// Only rows whose `meta` contains this object (`meta @> filter`). On a table without
    /// metadata nothing matches, and no query is sent.
    pub meta: Option<Value>,
    pub limit: i64,
}

impl Page {
    /// The first `limit` rows, newest first.
    pub fn newest(limit: i64) -> Page {
        Page {
            order: Order::Desc,
            after: After::Start,
            meta: None,
            limit,
        }
    }

    /// The same page, starting after `after`.
    pub fn after(mut self, after: After) -> Page {
        self.after = after;
        self
    }
}

/// A table listed in creation order: it has `created_at` and `id` columns and an index
/// ending in them.
pub trait Listed: Table {
    /// The table's name in SQL.
    const NAME: &'static str;
    /// Whether it has a `meta` jsonb column.
    const HAS_META: bool;
}

macro_rules! listed {
    ($($table:ident: meta $meta:literal),* $(,)?) => {
        $(impl Listed for schema::$table::table {
            const NAME: &'static str = stringify!($table);
            const HAS_META: bool = $meta;
        })*
    };
}

listed! {
    contacts: meta true,
    conversations: meta true,
    messages: meta true,
    memories: meta true,
    tasks: meta false,
    spaces: meta false,
    space_files: meta false,
    ratings: meta false,
    secrets: meta false,
}

/// A WHERE condition of a boxed query on `T`.
pub type Condition<T> = Box<dyn BoxableExpression<T, Pg, SqlType = Bool>>;

/// The ORDER BY of a page, written as SQL: the order of two columns does not depend on their
/// types, and `T::NAME` is one of ours, never user input.
pub type OrderBy = SqlLiteral<BigInt>;

/// Reads `page` of `query`, a boxed query of `_table` (filtered and selected as the caller
/// needs; the table is passed for its type): the position, the meta filter, the order and the
/// limit are added here.
pub fn load<T, Q, U>(
    connection: &mut PgConnection,
    _table: T,
    query: Q,
    page: &Page,
) -> QueryResult<Vec<U>>
where
    T: Listed + 'static,
    Q: FilterDsl<Condition<T>, Output = Q> + OrderDsl<OrderBy, Output = Q> + LimitDsl<Output = Q>,
    Q: RunQueryDsl<PgConnection> + for<'query> LoadQuery<'query, PgConnection, U>,
{
    if page.meta.is_some() && !T::HAS_META {
        return Ok(Vec::new());
    }
    let name = T::NAME;
    let operator = match page.order {
        Order::Asc => ">",
        Order::Desc => "<",
    };
    let mut query = query;
    match page.after {
        After::Start => {}
        After::Item(id) => {
            let condition: Condition<T> = Box::new(
                sql::<Bool>(&format!(
                    "({name}.created_at, {name}.id) {operator} \
                     (SELECT c.created_at, c.id FROM {name} c WHERE c.id = "
                ))
                .bind::<BigInt, _>(id)
                .sql(")"),
            );
            query = FilterDsl::filter(query, condition);
        }
        After::Row(created_at, id) => {
            let condition: Condition<T> = Box::new(
                sql::<Bool>(&format!("({name}.created_at, {name}.id) {operator} ("))
                    .bind::<Timestamptz, _>(created_at)
                    .sql(", ")
                    .bind::<BigInt, _>(id)
                    .sql(")"),
            );
            query = FilterDsl::filter(query, condition);
        }
    }
    if let Some(filter) = &page.meta {
        let condition: Condition<T> =
            Box::new(sql::<Bool>(&format!("{name}.meta @> ")).bind::<Jsonb, _>(filter.clone()));
        query = FilterDsl::filter(query, condition);
    }
    let direction = match page.order {
        Order::Asc => "ASC",
        Order::Desc => "DESC",
    };
    let query = OrderDsl::order(
        query,
        sql::<BigInt>(&format!(
            "{name}.created_at {direction}, {name}.id {direction}"
        )),
    );
    RunQueryDsl::load(LimitDsl::limit(query, page.limit), connection)
}
