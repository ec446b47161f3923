//! Bytes on disk that no row names any more: what a crash left between a row's deletion (a
//! file, a space, an erased contact) and the removal of its bytes, or between a file's
//! rename into place and its row's commit. The periodic sweep (`jobs::space_files_sweep`)
//! walks `<data dir>/spaces/<space id>/` and removes such files once they are old enough
//! that no upload can still be committing them.

use super::{SpaceStore, is_storage_key};
use crate::domain::SpaceId;
use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// What a sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub files: usize,
    pub directories: usize,
}

impl SpaceStore {
    /// Removes files older than `age` whose storage key `known` does not list for their
    /// space, and then the directories, older than `age` and empty, of spaces that no longer
    /// exist (blocking). `known(space)` answers the keys of the space's rows, or `None` when
    /// there is no such space; its error stops the sweep.
    ///
    /// Only names this store writes are touched (numeric directories, storage keys), so
    /// nothing else that happens to be under the data directory is ever removed.
    pub fn sweep_orphans<E>(
        &self,
        age: Duration,
        mut known: impl FnMut(SpaceId) -> Result<Option<HashSet<String>>, E>,
    ) -> Result<Swept, E> {
        let mut swept = Swept::default();
        let Ok(entries) = fs::read_dir(self.root()) else {
            return Ok(swept);
        };
        for entry in entries.flatten() {
            let Some(space) = entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse::<i64>().ok())
                .filter(|id| *id > 0)
                .map(SpaceId)
            else {
                continue;
            };
            let dir = entry.path();
            if !dir.is_dir() {
                continue;
            }
            let keys = known(space)?;
            // Taken before any file goes, since removing one makes the directory look new.
            let dir_is_old = older_than(&dir, age);
            let Ok(files) = fs::read_dir(&dir) else {
                continue;
            };
            for file in files.flatten() {
                let name = file.file_name().to_string_lossy().into_owned();
                let named = keys.as_ref().is_some_and(|keys| keys.contains(&name));
                if named || !is_storage_key(&name) || !older_than(&file.path(), age) {
                    continue;
                }
                if !file.path().is_file() {
                    continue;
                }
                tracing::info!(path = %file.path().display(), "removing a space file no row names");
                match fs::remove_file(file.path()) {
                    Ok(()) => swept.files += 1,
                    Err(error) => {
                        tracing::warn!(path = %file.path().display(), %error, "could not remove an orphaned space file");
                    }
                }
            }
            // An existing space keeps its directory: an upload may be about to use it. Only
            // an empty one goes (`remove_dir`), so a file renamed in meanwhile keeps it.
            if keys.is_none() && dir_is_old && fs::remove_dir(&dir).is_ok() {
                swept.directories += 1;
            }
        }
        Ok(swept)
    }
}

fn older_than(path: &Path, age: Duration) -> bool {
    fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .is_some_and(|elapsed| elapsed > age)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn only_old_unnamed_keys_go_and_only_dirs_of_gone_spaces() {
        let dir = std::env::temp_dir().join(format!("rapport-sweep-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let store = SpaceStore::new(&dir);
        let kept = "a".repeat(32);
        let orphan = "b".repeat(32);
        let of_gone = "c".repeat(32);
        fs::create_dir_all(store.space_dir(SpaceId(1))).unwrap();
        fs::create_dir_all(store.space_dir(SpaceId(2))).unwrap();
        fs::create_dir_all(store.root().join(".tmp")).unwrap();
        fs::write(store.space_dir(SpaceId(1)).join(&kept), b"k").unwrap();
        fs::write(store.space_dir(SpaceId(1)).join(&orphan), b"o").unwrap();
        fs::write(store.space_dir(SpaceId(1)).join("notes.txt"), b"n").unwrap();
        fs::write(store.space_dir(SpaceId(2)).join(&of_gone), b"g").unwrap();
        let rows: HashMap<i64, HashSet<String>> =
            HashMap::from([(1, HashSet::from([kept.clone()]))]);
        let known = |space: SpaceId| Ok::<_, ()>(rows.get(&space.0).cloned());

        let young = store
            .sweep_orphans(Duration::from_secs(3600), known)
            .unwrap();
        assert_eq!(young, Swept::default(), "young files and directories stay");

        let swept = store.sweep_orphans(Duration::ZERO, known).unwrap();
        assert_eq!(
            swept,
            Swept {
                files: 2,
                directories: 1
            }
        );
        assert!(store.space_dir(SpaceId(1)).join(&kept).exists());
        assert!(store.space_dir(SpaceId(1)).join("notes.txt").exists());
        assert!(!store.space_dir(SpaceId(1)).join(&orphan).exists());
        assert!(!store.space_dir(SpaceId(2)).exists());
        assert!(store.root().join(".tmp").exists());
        let _ = fs::remove_dir_all(&dir);
    }
}
