//! What a contact export reads, batch by batch, and the audit entry of each export.
//!
//! An export walks a keyset, each batch continuing strictly after the last row of the one
//! before: one index range per batch however deep into the export, never an OFFSET, never
//! all rows at once. The position is a value that never changes for a contact, so a contact
//! edited while a long export runs is neither skipped nor sent twice (a position by last
//! update or by name would move it past the export); one deleted meanwhile cannot end the
//! export early, and one created meanwhile (newer than the start) is left out.
//!
//! - The dashboard's and the command line's export select exactly what the contacts list
//!   shows for its search and filters (the list's own conditions, [`contact_list`]), newest
//!   first by id (ids grow with every contact created). The id's index is the primary key,
//!   and rows lie in the table in about that order, so a batch reads a few pages in a row:
//!   ordered by `created_at`, a table whose creation times do not follow its ids (imported or
//!   seeded contacts) made each row of a batch a page of its own, 15 times slower.
//! - The API's export keeps the API's list order and cursor, creation order
//!   (`(created_at, id)`, [`keyset`]), with its `meta.KEY=VALUE` filter.

use super::audit::{self, Actor, Changes, Subject};
use super::contact::{self, Contact};
use super::contact_list::{self, ListQuery};
use super::keyset::{After, Page};
use super::schema::contacts;
use crate::domain::ContactId;
use crate::domain::export::ExportedContact;
use diesel::prelude::*;
use serde_json::Value;

/// How the audit trail names an export.
pub const ENTITY: &str = "contact_export";

/// Contacts read per query.
pub const BATCH_SIZE: i64 = 1_000;

/// Which contacts an export reads, and how far it has got.
#[derive(Debug, Clone)]
pub struct Selection {
    walk: Walk,
    /// Whether the last batch was the end.
    done: bool,
}

#[derive(Debug, Clone)]
enum Walk {
    /// The list's search and filters (its sort, page size and cursor do not apply), newest
    /// first by id, below `below` once a batch was read.
    List {
        filters: ListQuery,
        below: Option<ContactId>,
    },
    /// The API's list in creation order: its order, position and meta filter.
    Api(Page),
}

impl Selection {
    /// Every contact the contacts list shows for `query`'s search and filters, newest first.
    pub fn list(query: ListQuery) -> Selection {
        Selection {
            walk: Walk::List {
                filters: query,
                below: None,
            },
            done: false,
        }
    }

    /// The API's export: in `page`'s order, after its position, matching its meta filter
    /// (its limit does not apply: an export reads everything).
    pub fn api(page: Page) -> Selection {
        Selection {
            walk: Walk::Api(Page {
                limit: BATCH_SIZE,
                ..page
            }),
            done: false,
        }
    }

    /// Whether every batch has been read.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The next batch, and the position moved past it. A batch shorter than
    /// [`BATCH_SIZE`] is the last; after it this reads nothing.
    pub fn next_batch(&mut self, connection: &mut PgConnection) -> QueryResult<Vec<Contact>> {
        if self.done {
            return Ok(Vec::new());
        }
        let rows = match &mut self.walk {
            Walk::List { filters, below } => {
                let mut query = contact_list::base(filters)
                    .select(Contact::as_select())
                    .order(contacts::id.desc())
                    .limit(BATCH_SIZE);
                if let Some(id) = below {
                    query = query.filter(contacts::id.lt(*id));
                }
                let rows = query.load(connection)?;
                if let Some(last) = rows.last() {
                    *below = Some(last.id);
                }
                rows
            }
            Walk::Api(page) => {
                let rows = contact::keyset_page(connection, page)?;
                if let Some(last) = rows.last() {
                    page.after = After::Row(last.created_at, last.id.0);
                }
                rows
            }
        };
        self.done = (rows.len() as i64) < BATCH_SIZE;
        Ok(rows)
    }
}

/// The search and filters of `query` that apply, as an export's audit entry records them:
/// `{"q": "smith", "source": "email", "verified": "yes", "meta": "plan=pro"}`, only those
/// set; `search` is the search as typed (the query keeps only its matching form).
pub fn describe_filters(query: &ListQuery, search: &str) -> Value {
    let mut described = serde_json::Map::new();
    let mut put = |key: &str, value: String| {
        described.insert(key.to_string(), Value::String(value));
    };
    if query.search.is_some() {
        put("q", search.trim().to_string());
    }
    if let Some(source) = query.source {
        put("source", source.as_str().to_string());
    }
    if let Some(verified) = query.verified {
        put("verified", if verified { "yes" } else { "no" }.to_string());
    }
    if let Some((key, value)) = &query.meta {
        put("meta", format!("{key}={value}"));
    }
    Value::Object(described)
}

impl<'a> From<&'a Contact> for ExportedContact<'a> {
    fn from(contact: &'a Contact) -> Self {
        ExportedContact {
            id: contact.id,
            name: contact.name.as_deref(),
            description: contact.description.as_deref(),
            fingerprint: &contact.fingerprint,
            email: contact.email.as_deref(),
            phone: contact.phone.as_deref(),
            nick: contact.nick.as_deref(),
            preferences: contact.preferences.as_deref(),
            verified_at: contact.verified_at,
            meta: &contact.meta,
            created_at: contact.created_at,
            updated_at: contact.updated_at,
        }
    }
}

/// One export, as the audit trail keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRecord {
    /// `csv`, `vcard`, `jsonl` (or the API's `json`).
    pub format: String,
    /// What selected the contacts, as the caller gave it (`{"q": "smith"}`, `{}` for all).
    pub filter: Value,
    /// Contacts written.
    pub count: u64,
    /// False when the export stopped early (the client went away, a query failed).
    pub complete: bool,
}

/// Appends the export's audit entry: action `export`, entity [`ENTITY`], no one contact.
pub fn record(
    connection: &mut PgConnection,
    actor: &Actor,
    export: &ExportRecord,
) -> QueryResult<()> {
    let mut changes = Changes::new();
    changes
        .context("format", Value::String(export.format.clone()))
        .context("filter", export.filter.clone())
        .context("count", Value::from(export.count))
        .context("complete", Value::Bool(export.complete));
    audit::record(
        connection,
        actor,
        "export",
        Subject::without_row(ENTITY),
        changes,
    )
}
