//! A contact with the numbers on its profile's tab bar: how many conversations, tasks,
//! memories, spaces, ratings, secrets and history events it has. One statement (the contact's
//! row plus one scalar subquery per tab, each answered from that table's `contact_id` index),
//! so a profile page does not pay a round trip per tab.

use super::audit;
use super::contact::Contact;
use super::schema::{
    audit_events, contacts, conversations, memories, ratings, secrets, spaces, tasks,
};
use crate::domain::ContactId;
use diesel::prelude::*;

/// A contact's row counts, one per tab that shows a count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TabCounts {
    pub conversations: i64,
    pub tasks: i64,
    pub memories: i64,
    pub spaces: i64,
    pub ratings: i64,
    pub secrets: i64,
    /// Audit events about the contact (the History tab).
    pub history: i64,
}

/// The contact and its tab counts; `NotFound` when there is no such contact. The counts use
/// the same filters as the tabs' own (`conversation::count_for_contact`, `task::count`,
/// `audit::count_for_contact`…).
pub fn contact_with_counts(
    connection: &mut PgConnection,
    contact: ContactId,
) -> QueryResult<(Contact, TabCounts)> {
    let id = contact;
    let (found, counted): (Contact, Counted) = super::contact::live()
        .filter(contacts::id.eq(id))
        .select((
            Contact::as_select(),
            (
                conversations::table
                    .filter(conversations::contact_id.eq(id))
                    .count()
                    .single_value(),
                tasks::table
                    .filter(tasks::contact_id.eq(id))
                    .count()
                    .single_value(),
                memories::table
                    .filter(memories::contact_id.eq(id))
                    .count()
                    .single_value(),
                spaces::table
                    .filter(spaces::contact_id.eq(id))
                    .count()
                    .single_value(),
                ratings::table
                    .filter(ratings::contact_id.eq(id))
                    .count()
                    .single_value(),
                secrets::table
                    .filter(secrets::contact_id.eq(id))
                    .count()
                    .single_value(),
                audit_events::table
                    .filter(audit::about_contact(id))
                    .count()
                    .single_value(),
            ),
        ))
        .first(connection)?;
    Ok((found, counted.into()))
}

/// The subqueries' values as SQL returns them: a scalar subquery is nullable to SQL, though a
/// count always yields a row.
#[derive(Queryable)]
struct Counted {
    conversations: Option<i64>,
    tasks: Option<i64>,
    memories: Option<i64>,
    spaces: Option<i64>,
    ratings: Option<i64>,
    secrets: Option<i64>,
    history: Option<i64>,
}

impl From<Counted> for TabCounts {
    fn from(counted: Counted) -> Self {
        // `None` does not happen (see [`Counted`]); it would mean none.
        TabCounts {
            conversations: counted.conversations.unwrap_or(0),
            tasks: counted.tasks.unwrap_or(0),
            memories: counted.memories.unwrap_or(0),
            spaces: counted.spaces.unwrap_or(0),
            ratings: counted.ratings.unwrap_or(0),
            secrets: counted.secrets.unwrap_or(0),
            history: counted.history.unwrap_or(0),
        }
    }
}
