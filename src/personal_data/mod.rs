//! Personal data of a contact, for admins: the export ([`archive`], a ZIP of everything
//! Rapport holds about the person) and the erase (`models::erasure` removes the rows in one
//! transaction; [`remove_files`] then deletes the bytes of the erased spaces). The dashboard
//! (`web::contacts::personal_data`) and the command line (`rapport contact export|erase`)
//! share both.

pub mod archive;
pub mod documents;

use crate::models::erasure::Erased;
use crate::storage::SpaceStore;

/// Deletes the bytes of the files an erase removed, once its transaction has committed
/// (blocking). A file that cannot be removed now is logged and left to the periodic sweep
/// (`jobs::space_files_sweep`), which removes bytes no row names.
pub fn remove_files(store: &SpaceStore, erased: &Erased) {
    for (space, keys) in &erased.files {
        store.remove_space(*space, keys);
    }
}
