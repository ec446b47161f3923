//! Files of spaces: one row per file, naming it (`path`, unique in its space) and where its
//! bytes are (`storage_key`, random, see `crate::storage`). Rows are written only after the
//! bytes are in place on disk, and their removal from disk follows the row's deletion.

use super::audit::{self, Actor, Changes, Subject};
use super::keyset::{self, Page};
use super::schema::space_files;
use super::space::Space;
use crate::domain::{SpaceFileId, SpaceId, StaffUserId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde_json::{Value, json};

/// The audit trail's name for this entity.
pub const ENTITY: &str = "space_file";

#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = space_files)]
pub struct SpaceFile {
    pub id: SpaceFileId,
    pub space_id: SpaceId,
    pub path: String,
    pub size: i64,
    pub content_type: String,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by_id: Option<StaffUserId>,
    pub uploaded_by_name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A file whose bytes are already in place, to be recorded.
#[derive(Debug, Clone)]
pub struct NewUpload {
    pub path: String,
    pub size: i64,
    pub content_type: String,
    pub sha256: String,
    pub storage_key: String,
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = space_files)]
struct UploadRow<'a> {
    space_id: SpaceId,
    path: &'a str,
    size: i64,
    content_type: &'a str,
    sha256: &'a str,
    storage_key: &'a str,
    uploaded_by_id: Option<StaffUserId>,
    uploaded_by_name: &'a str,
}

/// A page of a space's files in creation order (the API's list; the dashboard lists them by
/// name, see [`list`]).
pub fn keyset_page(
    connection: &mut PgConnection,
    space: SpaceId,
    page: &Page,
) -> QueryResult<Vec<SpaceFile>> {
    let query = space_files::table
        .filter(space_files::space_id.eq(space))
        .select(SpaceFile::as_select())
        .into_boxed();
    keyset::load(connection, space_files::table, query, page)
}

/// A space's files in name order, `limit` at a time after the name `after`.
pub fn list(
    connection: &mut PgConnection,
    space: SpaceId,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<SpaceFile>> {
    let mut query = space_files::table
        .filter(space_files::space_id.eq(space))
        .select(SpaceFile::as_select())
        .order(space_files::path.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(space_files::path.gt(after.to_string()));
    }
    query.load(connection)
}

/// The first `limit` names in a space, for the delete confirmation.
pub fn names(
    connection: &mut PgConnection,
    space: SpaceId,
    limit: i64,
) -> QueryResult<Vec<String>> {
    space_files::table
        .filter(space_files::space_id.eq(space))
        .select(space_files::path)
        .order(space_files::path.asc())
        .limit(limit)
        .load(connection)
}

/// A file of this space; not found when it is in another one.
pub fn find(
    connection: &mut PgConnection,
    space: SpaceId,
    id: SpaceFileId,
) -> QueryResult<SpaceFile> {
    space_files::table
        .find(id)
        .filter(space_files::space_id.eq(space))
        .select(SpaceFile::as_select())
        .first(connection)
}

/// The files of a space that have one of these names.
pub fn with_names(
    connection: &mut PgConnection,
    space: SpaceId,
    names: &[String],
) -> QueryResult<Vec<SpaceFile>> {
    space_files::table
        .filter(space_files::space_id.eq(space))
        .filter(space_files::path.eq_any(names))
        .select(SpaceFile::as_select())
        .order(space_files::path.asc())
        .load(connection)
}

/// Records uploads whose bytes are in place: a new row for a new name ("uploaded"), the
/// existing row pointed at the new bytes for a name in `existing` ("replaced"). Call it in
/// the transaction that locked the space. Returns the storage keys of the replaced bytes, to
/// delete from disk after the commit.
pub fn save_uploads(
    connection: &mut PgConnection,
    space: &Space,
    existing: &[SpaceFile],
    uploads: &[NewUpload],
    actor: &Actor,
) -> QueryResult<Vec<String>> {
    let (uploader_id, uploader_name) = (actor.staff_id(), actor.name());
    let mut replaced_keys = Vec::new();
    for upload in uploads {
        let row = UploadRow {
            space_id: space.id,
            path: &upload.path,
            size: upload.size,
            content_type: &upload.content_type,
            sha256: &upload.sha256,
            storage_key: &upload.storage_key,
            uploaded_by_id: uploader_id,
            uploaded_by_name: uploader_name,
        };
        let mut changes = Changes::new();
        let previous = existing.iter().find(|file| file.path == upload.path);
        let (action, saved) = match previous {
            Some(previous) => {
                let saved: SpaceFile = diesel::update(space_files::table.find(previous.id))
                    .set(&row)
                    .returning(SpaceFile::as_returning())
                    .get_result(connection)?;
                changes.context("name", json!(saved.path));
                changes.field("size", json!(previous.size), json!(saved.size));
                changes.field(
                    "content_type",
                    json!(previous.content_type),
                    json!(saved.content_type),
                );
                changes.field("sha256", json!(previous.sha256), json!(saved.sha256));
                replaced_keys.push(previous.storage_key.clone());
                ("replaced", saved)
            }
            None => {
                let saved: SpaceFile = diesel::insert_into(space_files::table)
                    .values(&row)
                    .returning(SpaceFile::as_returning())
                    .get_result(connection)?;
                changes.field("name", Value::Null, json!(saved.path));
                changes.field("size", Value::Null, json!(saved.size));
                changes.field("content_type", Value::Null, json!(saved.content_type));
                changes.field("sha256", Value::Null, json!(saved.sha256));
                ("uploaded", saved)
            }
        };
        changes.context("space", json!(space.name));
        audit::record(
            connection,
            actor,
            action,
            Subject::of_contact(ENTITY, saved.id, space.contact_id),
            changes,
        )?;
    }
    Ok(replaced_keys)
}

/// Deletes a file's row with its audit entry; the caller removes the bytes after the commit.
pub fn delete(
    connection: &mut PgConnection,
    space: &Space,
    id: SpaceFileId,
    actor: &Actor,
) -> QueryResult<SpaceFile> {
    connection.transaction(|connection| {
        let deleted: SpaceFile = diesel::delete(
            space_files::table
                .find(id)
                .filter(space_files::space_id.eq(space.id)),
        )
        .returning(SpaceFile::as_returning())
        .get_result(connection)?;
        let mut changes = Changes::new();
        changes.field("name", json!(deleted.path), Value::Null);
        changes.field("size", json!(deleted.size), Value::Null);
        changes.field("content_type", json!(deleted.content_type), Value::Null);
        changes.field("sha256", json!(deleted.sha256), Value::Null);
        changes.context("space", json!(space.name));
        audit::record(
            connection,
            actor,
            "delete",
            Subject::of_contact(ENTITY, deleted.id, space.contact_id),
            changes,
        )?;
        Ok(deleted)
    })
}

/// The storage keys of a space's files, or `None` when there is no such space (the periodic
/// sweep of bytes no row names, `crate::storage::sweep`).
pub fn stored_keys(
    connection: &mut PgConnection,
    space: SpaceId,
) -> QueryResult<Option<std::collections::HashSet<String>>> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        super::schema::spaces::table.find(space),
    ))
    .get_result(connection)?;
    if !exists {
        return Ok(None);
    }
    let keys: Vec<String> = space_files::table
        .filter(space_files::space_id.eq(space))
        .select(space_files::storage_key)
        .load(connection)?;
    Ok(Some(keys.into_iter().collect()))
}
