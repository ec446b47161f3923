//! Recording uploads in a space, the same way for the dashboard and the API: in one blocking
//! call (so a client going away cannot stop it halfway) the space's row is locked, clashing
//! names are checked, the staged files are renamed into place (synced), their rows and audit
//! entries are written and the transaction commits; only then are the bytes the replaced
//! files had deleted. A failure at any step rolls back and deletes every file placed.

use super::{PlacedFile, SpaceStore, StagedFile};
use crate::domain::SpaceId;
use crate::domain::file_name::FileName;
use crate::error::AppError;
use crate::models::Actor;
use crate::models::space::{self, Owner};
use crate::models::space_file::{self, NewUpload, SpaceFile};
use diesel::{Connection, PgConnection};

/// A file received completely and valid, still under its temporary name.
pub struct ReceivedFile {
    pub name: FileName,
    pub content_type: String,
    pub staged: StagedFile,
}

/// How recording ended.
#[derive(Debug)]
pub enum Committed {
    Saved {
        /// How many names were new, and how many replaced an existing file.
        uploaded: usize,
        replaced: usize,
        /// The rows as saved, in name order.
        files: Vec<SpaceFile>,
    },
    /// These names exist and replacing was not asked for; nothing was written.
    Conflicts(Vec<String>),
}

/// Records `files` in the space `space_id` (which `owner` must be allowed to see). Blocking:
/// call it inside `db::run`.
pub fn commit(
    connection: &mut PgConnection,
    store: &SpaceStore,
    owner: Owner,
    space_id: SpaceId,
    files: Vec<ReceivedFile>,
    replace: bool,
    actor: &Actor,
) -> Result<Committed, AppError> {
    let mut placed: Vec<PlacedFile> = Vec::with_capacity(files.len());
    let outcome = connection.transaction::<_, AppError, _>(|conn| {
        let space_row = space::lock(conn, owner, space_id)?;
        let names: Vec<String> = files.iter().map(|f| f.name.to_string()).collect();
        let existing = space_file::with_names(conn, space_id, &names)?;
        if !existing.is_empty() && !replace {
            return Ok((
                Committed::Conflicts(existing.into_iter().map(|f| f.path).collect()),
                Vec::new(),
            ));
        }
        let mut uploads = Vec::with_capacity(files.len());
        for file in files {
            let size = i64::try_from(file.staged.size).map_err(AppError::internal)?;
            let sha256 = file.staged.sha256.clone();
            let file_placed = file
                .staged
                .place(store, space_id)
                .map_err(AppError::internal)?;
            uploads.push(NewUpload {
                path: file.name.into_string(),
                size,
                content_type: file.content_type,
                sha256,
                storage_key: file_placed.storage_key.clone(),
            });
            placed.push(file_placed);
        }
        let replaced_keys = space_file::save_uploads(conn, &space_row, &existing, &uploads, actor)?;
        let saved = space_file::with_names(conn, space_id, &names)?;
        let outcome = Committed::Saved {
            uploaded: uploads.len() - replaced_keys.len(),
            replaced: replaced_keys.len(),
            files: saved,
        };
        Ok((outcome, replaced_keys))
    });
    // On an error `placed` is dropped on return, deleting the files.
    let (outcome, replaced_keys) = outcome?;
    placed.into_iter().for_each(PlacedFile::keep);
    for key in &replaced_keys {
        store.remove(space_id, key);
    }
    Ok(outcome)
}
