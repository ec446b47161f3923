//! Files uploaded for jobs to read (`uploads`): the row names the file under the data
//! directory (see `jobs::upload_store`); the periodic purge removes rows and files that no
//! queued or running job needs once they expire.

use super::job::{self, state};
use super::schema::{jobs, uploads};
use crate::domain::{StaffUserId, UploadId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = uploads)]
pub struct Upload {
    pub id: UploadId,
    pub storage_key: String,
    pub file_name: String,
    pub size: i64,
    pub uploaded_by: Option<StaffUserId>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = uploads)]
pub struct NewUpload<'a> {
    pub storage_key: &'a str,
    pub file_name: &'a str,
    pub size: i64,
    pub uploaded_by: Option<StaffUserId>,
}

/// Records an upload whose file is in place; it expires after [`job::UPLOAD_RETENTION`]
/// unless a job uses it.
pub fn create(connection: &mut PgConnection, upload: &NewUpload<'_>) -> QueryResult<Upload> {
    diesel::insert_into(uploads::table)
        .values((
            upload,
            uploads::expires_at.eq(Utc::now() + job::retention()),
        ))
        .returning(Upload::as_returning())
        .get_result(connection)
}

pub fn find(connection: &mut PgConnection, id: UploadId) -> QueryResult<Upload> {
    uploads::table
        .find(id)
        .select(Upload::as_select())
        .first(connection)
}

/// Uploads past their time that no queued or running job reads.
pub fn expired(
    connection: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<Upload>> {
    let in_use = jobs::table
        .filter(jobs::state.eq_any([state::QUEUED, state::RUNNING]))
        .filter(jobs::upload_id.is_not_null())
        .select(jobs::upload_id.assume_not_null());
    uploads::table
        .filter(uploads::expires_at.lt(now))
        .filter(uploads::id.ne_all(in_use))
        .order(uploads::id)
        .limit(limit)
        .select(Upload::as_select())
        .load(connection)
}

/// Every storage key with a row (the purge leaves these files alone).
pub fn storage_keys(connection: &mut PgConnection) -> QueryResult<Vec<String>> {
    uploads::table.select(uploads::storage_key).load(connection)
}

/// Deletes an upload's row (its jobs keep their reports; their file is gone).
pub fn delete(connection: &mut PgConnection, id: UploadId) -> QueryResult<usize> {
    diesel::delete(uploads::table.find(id)).execute(connection)
}
