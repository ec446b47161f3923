//! Ratings of bot messages: the Ratings tab's summary, daily counts for its chart, the
//! filtered list, and marking ratings reviewed (who and when, audited).

use super::audit::{self, Actor, Changes, Subject};
use super::keyset::{self, After, Page};
use super::schema::{messages, ratings};
use crate::domain::keyset::TimeCursor;
use crate::domain::rating::{RatingFilter, ReviewFilter, ValueFilter};
use crate::domain::rating_chart::DayCount;
use crate::domain::{ContactId, ConversationId, MessageId, RatingId, StaffUserId};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Timestamptz};
use serde_json::Value;

/// The audit trail's name for this entity.
pub const ENTITY: &str = "rating";

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = ratings)]
pub struct Rating {
    pub id: RatingId,
    pub contact_id: Option<ContactId>,
    pub conversation_id: Option<ConversationId>,
    pub message_id: Option<MessageId>,
    pub value: i32,
    pub reason: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by_id: Option<StaffUserId>,
    pub reviewed_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A rating as a bot (through the API) or a fixture gives it.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = ratings)]
pub struct NewRating {
    pub contact_id: Option<ContactId>,
    pub conversation_id: Option<ConversationId>,
    pub message_id: Option<MessageId>,
    pub value: i32,
    pub reason: Option<String>,
    /// `None` means now.
    pub created_at: Option<DateTime<Utc>>,
}

/// Stores a rating as given. Not audited here: [`create`], which the API uses, records it.
pub fn insert(connection: &mut PgConnection, new: &NewRating) -> QueryResult<Rating> {
    diesel::insert_into(ratings::table)
        .values(new)
        .returning(Rating::as_returning())
        .get_result(connection)
}

/// Records a rating given through the API (a vote on a conversation or one of its
/// messages), with its audit entry on the rated conversation's contact.
pub fn create(
    connection: &mut PgConnection,
    new: &NewRating,
    actor: &Actor,
) -> QueryResult<Rating> {
    connection.transaction(|connection| {
        let created = insert(connection, new)?;
        let mut changes = Changes::new();
        changes.field("value", Value::Null, Value::from(created.value));
        changes.field(
            "reason",
            Value::Null,
            created.reason.clone().map_or(Value::Null, Value::String),
        );
        changes.field(
            "conversation",
            Value::Null,
            created
                .conversation_id
                .map_or(Value::Null, |id| Value::from(id.0)),
        );
        changes.field(
            "message",
            Value::Null,
            created
                .message_id
                .map_or(Value::Null, |id| Value::from(id.0)),
        );
        audit::record(
            connection,
            actor,
            "create",
            Subject::of_contact(ENTITY, created.id, created.contact_id),
            changes,
        )?;
        Ok(created)
    })
}

/// The rating, if it belongs to this contact.
pub fn find_for_contact(
    connection: &mut PgConnection,
    contact_id: ContactId,
    id: RatingId,
) -> QueryResult<Rating> {
    ratings::table
        .find(id)
        .filter(ratings::contact_id.eq(contact_id))
        .select(Rating::as_select())
        .first(connection)
}

/// How many ratings a contact has (the tab's count).
/// A page of a contact's ratings in creation order, each with when it was last changed (the
/// API's list).
pub fn keyset_page(
    connection: &mut PgConnection,
    contact_id: ContactId,
    page: &Page,
) -> QueryResult<Vec<(Rating, DateTime<Utc>)>> {
    let query = ratings::table
        .filter(ratings::contact_id.eq(contact_id))
        .select((Rating::as_select(), ratings::updated_at))
        .into_boxed();
    keyset::load(connection, ratings::table, query, page)
}

pub fn count_for_contact(connection: &mut PgConnection, contact_id: ContactId) -> QueryResult<i64> {
    ratings::table
        .filter(ratings::contact_id.eq(contact_id))
        .count()
        .get_result(connection)
}

/// The numbers at the top of the Ratings tab.
#[derive(QueryableByName, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    #[diesel(sql_type = BigInt)]
    pub total: i64,
    #[diesel(sql_type = BigInt)]
    pub positive: i64,
    #[diesel(sql_type = BigInt)]
    pub negative: i64,
    #[diesel(sql_type = BigInt)]
    pub unreviewed: i64,
}

pub fn summary(connection: &mut PgConnection, contact_id: ContactId) -> QueryResult<Summary> {
    diesel::sql_query(
        "SELECT count(*) AS total, \
                count(*) FILTER (WHERE value > 0) AS positive, \
                count(*) FILTER (WHERE value < 0) AS negative, \
                count(*) FILTER (WHERE reviewed_at IS NULL) AS unreviewed \
           FROM ratings WHERE contact_id = $1",
    )
    .bind::<BigInt, _>(contact_id)
    .get_result(connection)
}

#[derive(QueryableByName)]
struct DayRow {
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = BigInt)]
    up: i64,
    #[diesel(sql_type = BigInt)]
    down: i64,
}

/// Thumbs up and down per UTC day since `since`, for the chart (days without ratings are
/// absent).
pub fn daily_counts(
    connection: &mut PgConnection,
    contact_id: ContactId,
    since: DateTime<Utc>,
) -> QueryResult<Vec<DayCount>> {
    let rows: Vec<DayRow> = diesel::sql_query(
        "SELECT (created_at AT TIME ZONE 'UTC')::date AS day, \
                count(*) FILTER (WHERE value > 0) AS up, \
                count(*) FILTER (WHERE value < 0) AS down \
           FROM ratings WHERE contact_id = $1 AND created_at >= $2 \
          GROUP BY 1 ORDER BY 1",
    )
    .bind::<BigInt, _>(contact_id)
    .bind::<Timestamptz, _>(since)
    .load(connection)?;
    Ok(rows
        .into_iter()
        .map(|row| DayCount {
            day: row.day,
            up: u32::try_from(row.up).unwrap_or(u32::MAX),
            down: u32::try_from(row.down).unwrap_or(u32::MAX),
        })
        .collect())
}

/// A rating in the list, with where it points.
#[derive(Debug, Clone, PartialEq)]
pub struct ListItem {
    pub rating: Rating,
    /// The contact the rated conversation belongs to now (`None`: detached or deleted).
    pub conversation_contact_id: Option<ContactId>,
    /// The start of the rated message, when it still exists.
    pub message_excerpt: Option<String>,
}

impl ListItem {
    pub fn cursor(&self) -> TimeCursor {
        TimeCursor::new(self.rating.created_at, self.rating.id.0)
    }
}

type Filter = Box<dyn BoxableExpression<ratings::table, Pg, SqlType = Bool>>;

fn conditions(filter: RatingFilter) -> Vec<Filter> {
    let mut out: Vec<Filter> = Vec::new();
    match filter.value {
        ValueFilter::All => {}
        ValueFilter::Up => out.push(Box::new(ratings::value.gt(0))),
        ValueFilter::Down => out.push(Box::new(ratings::value.lt(0))),
    }
    match filter.review {
        ReviewFilter::All => {}
        ReviewFilter::Unreviewed => out.push(Box::new(ratings::reviewed_at.is_null())),
        ReviewFilter::Reviewed => out.push(Box::new(ratings::reviewed_at.is_not_null())),
    }
    out
}

/// A contact's ratings matching `filter`, newest first, `limit` at a time after `before`:
/// a range scan on `ratings_contact_idx` (or its unreviewed twin).
pub fn page(
    connection: &mut PgConnection,
    contact_id: ContactId,
    filter: RatingFilter,
    before: Option<TimeCursor>,
    limit: i64,
) -> QueryResult<Vec<ListItem>> {
    let mut query = ratings::table
        .filter(ratings::contact_id.eq(contact_id))
        .into_boxed();
    for condition in conditions(filter) {
        query = query.filter(condition);
    }
    let after = before.map_or(After::Start, |cursor| After::Row(cursor.at, cursor.id));
    let query = query.select((
        Rating::as_select(),
        sql::<diesel::sql_types::Nullable<BigInt>>(
            "(SELECT c.contact_id FROM conversations c WHERE c.id = ratings.conversation_id)",
        ),
    ));
    let found: Vec<(Rating, Option<ContactId>)> = keyset::load(
        connection,
        ratings::table,
        query,
        &Page::newest(limit).after(after),
    )?;
    let message_ids: Vec<MessageId> = found.iter().filter_map(|(r, _)| r.message_id).collect();
    let excerpts: Vec<(MessageId, String)> = messages::table
        .filter(messages::id.eq_any(&message_ids))
        .select((
            messages::id,
            sql::<diesel::sql_types::Text>("left(messages.text, 300)"),
        ))
        .load(connection)?;
    Ok(found
        .into_iter()
        .map(|(rating, conversation_contact_id)| {
            let message_excerpt = rating.message_id.and_then(|id| {
                excerpts
                    .iter()
                    .find(|(message, _)| *message == id)
                    .map(|(_, text)| text.clone())
            });
            ListItem {
                rating,
                conversation_contact_id,
                message_excerpt,
            }
        })
        .collect())
}

/// Marks those of `ids` that belong to the contact and are not reviewed yet as reviewed by
/// `reviewer` now, with one audit entry each, in one transaction. Returns the ratings it
/// marked (already reviewed ones are left as they were).
pub fn mark_reviewed(
    connection: &mut PgConnection,
    contact_id: ContactId,
    ids: &[RatingId],
    reviewer: &Actor,
) -> QueryResult<Vec<Rating>> {
    let (reviewer_id, reviewer_name) = (reviewer.staff_id(), reviewer.name().to_string());
    connection.transaction(|connection| {
        let marked: Vec<Rating> = diesel::update(
            ratings::table
                .filter(ratings::contact_id.eq(contact_id))
                .filter(ratings::id.eq_any(ids))
                .filter(ratings::reviewed_at.is_null()),
        )
        .set((
            ratings::reviewed_at.eq(diesel::dsl::now),
            ratings::reviewed_by_id.eq(reviewer_id),
            ratings::reviewed_by_name.eq(&reviewer_name),
        ))
        .returning(Rating::as_returning())
        .get_results(connection)?;
        for rating in &marked {
            let mut changes = Changes::new();
            changes.field(
                "reviewed_at",
                Value::Null,
                rating.reviewed_at.map_or(Value::Null, |at| {
                    Value::String(at.format("%Y-%m-%d %H:%M UTC").to_string())
                }),
            );
            changes.field(
                "reviewed_by",
                Value::Null,
                Value::String(reviewer_name.clone()),
            );
            audit::record(
                connection,
                reviewer,
                "reviewed",
                Subject::of_contact(ENTITY, rating.id, Some(contact_id)),
                changes,
            )?;
        }
        Ok(marked)
    })
}

/// The ratings of these messages as (message id, value), for the transcript's markers.
pub fn values_for_messages(
    connection: &mut PgConnection,
    message_ids: &[MessageId],
) -> QueryResult<Vec<(MessageId, i32)>> {
    if message_ids.is_empty() {
        return Ok(Vec::new());
    }
    ratings::table
        .filter(ratings::message_id.eq_any(message_ids))
        .select((ratings::message_id.assume_not_null(), ratings::value))
        .order(ratings::id)
        .load(connection)
}
