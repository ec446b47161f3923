//! Spaces: named folders of files that belong to a contact. Deleting the contact leaves its
//! spaces, detached (`contact_id` set to NULL by the foreign key).
//!
//! Every write runs in one transaction with its audit entry. The files' bytes are not
//! handled here: callers remove them from disk after the transaction commits (see
//! `crate::storage`).

use super::audit::{self, Actor, Changes, Subject};
use super::keyset::{self, Page};
use super::schema::{space_files, spaces};
use crate::domain::space_draft::SpaceDraft;
use crate::domain::{ContactId, SpaceId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The audit trail's name for this entity.
pub const ENTITY: &str = "space";

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = spaces)]
pub struct Space {
    pub id: SpaceId,
    pub contact_id: Option<ContactId>,
    pub name: String,
    pub description: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Space {
    fn subject(&self) -> Subject<'static> {
        Subject::of_contact(ENTITY, self.id, self.contact_id)
    }
}

/// Whose space a lookup may find: the dashboard's URLs name the contact, so another
/// contact's space is not found there; the API names spaces by their id alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Contact(ContactId),
    Any,
}

impl From<ContactId> for Owner {
    fn from(contact: ContactId) -> Self {
        Owner::Contact(contact)
    }
}

#[derive(Insertable)]
#[diesel(table_name = spaces)]
struct NewSpace<'a> {
    contact_id: Option<ContactId>,
    name: &'a str,
    description: Option<&'a str>,
}

/// A space with the number and total size of its files.
#[derive(Debug, Clone, PartialEq)]
pub struct SpaceSummary {
    pub space: Space,
    pub file_count: i64,
    pub total_bytes: i64,
}

/// How many spaces a contact has (the tab's count).
/// A page of a contact's spaces in creation order (the API's list).
pub fn keyset_page(
    connection: &mut PgConnection,
    contact: ContactId,
    page: &Page,
) -> QueryResult<Vec<Space>> {
    let query = spaces::table
        .filter(spaces::contact_id.eq(contact))
        .select(Space::as_select())
        .into_boxed();
    keyset::load(connection, spaces::table, query, page)
}

pub fn count_for_contact(connection: &mut PgConnection, contact: ContactId) -> QueryResult<i64> {
    spaces::table
        .filter(spaces::contact_id.eq(contact))
        .count()
        .get_result(connection)
}

/// A contact's spaces, newest first, `limit` at a time below `before`, each with its file
/// count and total size (one grouped query over the page's spaces).
pub fn list_for_contact(
    connection: &mut PgConnection,
    contact: ContactId,
    before: Option<SpaceId>,
    limit: i64,
) -> QueryResult<Vec<SpaceSummary>> {
    let mut query = spaces::table
        .filter(spaces::contact_id.eq(contact))
        .select(Space::as_select())
        .order(spaces::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(spaces::id.lt(before));
    }
    let found: Vec<Space> = query.load(connection)?;
    let ids: Vec<SpaceId> = found.iter().map(|space| space.id).collect();
    let mut totals = totals(connection, &ids)?;
    Ok(found
        .into_iter()
        .map(|space| {
            let (file_count, total_bytes) = totals.remove(&space.id).unwrap_or((0, 0));
            SpaceSummary {
                space,
                file_count,
                total_bytes,
            }
        })
        .collect())
}

#[derive(QueryableByName)]
struct Totals {
    #[diesel(sql_type = BigInt)]
    space_id: SpaceId,
    #[diesel(sql_type = BigInt)]
    files: i64,
    #[diesel(sql_type = BigInt)]
    bytes: i64,
}

/// File count and total bytes per space, for the given spaces (the unique index on
/// `(space_id, path)` serves it).
fn totals(
    connection: &mut PgConnection,
    ids: &[SpaceId],
) -> QueryResult<HashMap<SpaceId, (i64, i64)>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // sum(bigint) is numeric in PostgreSQL; the cast keeps it an integer without a decimal
    // crate (a space would need 9 EB of files to overflow).
    let rows: Vec<Totals> = diesel::sql_query(
        "SELECT space_id, count(*) AS files, coalesce(sum(size), 0)::bigint AS bytes \
         FROM space_files WHERE space_id = ANY($1) GROUP BY space_id",
    )
    .bind::<Array<BigInt>, _>(ids)
    .load(connection)?;
    Ok(rows
        .into_iter()
        .map(|row| (row.space_id, (row.files, row.bytes)))
        .collect())
}

/// One space with its totals.
pub fn summary(connection: &mut PgConnection, space: Space) -> QueryResult<SpaceSummary> {
    let (file_count, total_bytes) = totals(connection, &[space.id])?
        .remove(&space.id)
        .unwrap_or((0, 0));
    Ok(SpaceSummary {
        space,
        file_count,
        total_bytes,
    })
}

/// The contact's space with this id; not found when it belongs to anyone else.
pub fn find_for_contact(
    connection: &mut PgConnection,
    contact: ContactId,
    id: SpaceId,
) -> QueryResult<Space> {
    spaces::table
        .find(id)
        .filter(spaces::contact_id.eq(contact))
        .select(Space::as_select())
        .first(connection)
}

/// Like [`find_for_contact`], locking the row until the transaction ends, so the space
/// cannot be deleted or receive a clashing upload meanwhile.
pub fn lock_for_contact(
    connection: &mut PgConnection,
    contact: ContactId,
    id: SpaceId,
) -> QueryResult<Space> {
    lock(connection, contact.into(), id)
}

/// The space with this id, whoever it belongs to (if anyone).
pub fn find(connection: &mut PgConnection, id: SpaceId) -> QueryResult<Space> {
    spaces::table
        .find(id)
        .select(Space::as_select())
        .first(connection)
}

/// The space if `owner` may see it, locked until the transaction ends.
pub fn lock(connection: &mut PgConnection, owner: Owner, id: SpaceId) -> QueryResult<Space> {
    let query = spaces::table.find(id).select(Space::as_select());
    match owner {
        Owner::Contact(contact) => query
            .filter(spaces::contact_id.eq(contact))
            .for_update()
            .first(connection),
        Owner::Any => query.for_update().first(connection),
    }
}

fn description_json(description: Option<&str>) -> Value {
    description.map_or(Value::Null, |d| json!(d))
}

/// Creates a space for a contact (or, from the API, for no contact), with its audit entry.
pub fn create(
    connection: &mut PgConnection,
    contact: impl Into<Option<ContactId>>,
    draft: &SpaceDraft,
    actor: &Actor,
) -> QueryResult<Space> {
    let contact: Option<ContactId> = contact.into();
    connection.transaction(|connection| {
        let created: Space = diesel::insert_into(spaces::table)
            .values(NewSpace {
                contact_id: contact,
                name: &draft.name,
                description: draft.description.as_deref(),
            })
            .returning(Space::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes.field("name", Value::Null, json!(created.name));
        changes.field(
            "description",
            Value::Null,
            description_json(created.description.as_deref()),
        );
        audit::record(connection, actor, "create", created.subject(), changes)?;
        Ok(created)
    })
}

/// How a rename ended.
#[derive(Debug)]
pub enum SpaceUpdate {
    Saved(Space),
    /// Same name and description as stored; nothing written.
    Unchanged(Space),
    /// Someone else saved since the form was opened (the version moved); nothing written.
    Conflict(Space),
}

/// Renames a space and sets its description, unless someone else changed it since the
/// form showed `seen_version`.
pub fn update(
    connection: &mut PgConnection,
    owner: impl Into<Owner>,
    id: SpaceId,
    seen_version: i32,
    draft: &SpaceDraft,
    actor: &Actor,
) -> QueryResult<SpaceUpdate> {
    let owner = owner.into();
    connection.transaction(|connection| {
        let current = lock(connection, owner, id)?;
        if current.version != seen_version {
            return Ok(SpaceUpdate::Conflict(current));
        }
        if current.name == draft.name && current.description == draft.description {
            return Ok(SpaceUpdate::Unchanged(current));
        }
        let saved: Space = diesel::update(spaces::table.find(id))
            .set((
                spaces::name.eq(&draft.name),
                spaces::description.eq(draft.description.as_deref()),
                spaces::version.eq(spaces::version + 1),
            ))
            .returning(Space::as_returning())
            .get_result(connection)?;
        let mut changes = Changes::new();
        changes.field("name", json!(current.name), json!(saved.name));
        changes.field(
            "description",
            description_json(current.description.as_deref()),
            description_json(saved.description.as_deref()),
        );
        audit::record(connection, actor, "update", saved.subject(), changes)?;
        Ok(SpaceUpdate::Saved(saved))
    })
}

/// What deleting a space removed: the row, and the storage keys of its files (to delete
/// from disk once the transaction has committed).
#[derive(Debug)]
pub struct DeletedSpace {
    pub space: Space,
    pub file_names: Vec<String>,
    pub storage_keys: Vec<String>,
}

/// Deletes a space and, by cascade, its file rows, with one audit entry naming the files.
pub fn delete(
    connection: &mut PgConnection,
    owner: impl Into<Owner>,
    id: SpaceId,
    actor: &Actor,
) -> QueryResult<DeletedSpace> {
    let owner = owner.into();
    connection.transaction(|connection| {
        let space = lock(connection, owner, id)?;
        let files: Vec<(String, String)> = space_files::table
            .filter(space_files::space_id.eq(id))
            .order(space_files::path.asc())
            .select((space_files::path, space_files::storage_key))
            .load(connection)?;
        diesel::delete(spaces::table.find(id)).execute(connection)?;
        let (file_names, storage_keys): (Vec<String>, Vec<String>) = files.into_iter().unzip();
        let mut changes = Changes::new();
        changes.field("name", json!(space.name), Value::Null);
        changes.field(
            "description",
            description_json(space.description.as_deref()),
            Value::Null,
        );
        if !file_names.is_empty() {
            changes.field("files", json!(names_for_audit(&file_names)), Value::Null);
        }
        audit::record(connection, actor, "delete", space.subject(), changes)?;
        Ok(DeletedSpace {
            space,
            file_names,
            storage_keys,
        })
    })
}

/// Names audited with a deleted space: all of them up to a point, then a count, so a space of
/// thousands of files does not make one huge audit entry.
fn names_for_audit(names: &[String]) -> String {
    const LISTED: usize = 50;
    let listed = names[..names.len().min(LISTED)].join(", ");
    match names.len().saturating_sub(LISTED) {
        0 => listed,
        more => format!("{listed} and {more} more"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audited_names_are_bounded() {
        let names: Vec<String> = (1..=3).map(|n| format!("f{n}")).collect();
        assert_eq!(names_for_audit(&names), "f1, f2, f3");
        let many: Vec<String> = (1..=60).map(|n| format!("f{n}")).collect();
        let audited = names_for_audit(&many);
        assert!(audited.starts_with("f1, f2,"));
        assert!(audited.ends_with("f50 and 10 more"), "{audited}");
    }
}
