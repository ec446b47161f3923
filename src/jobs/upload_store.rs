//! Files uploaded for jobs (an import's CSV), on disk under `<data dir>/uploads/`, like the
//! files of spaces (`crate::storage`):
//! - `<storage key>`: a complete upload; its `uploads` row names the key (32 random hex
//!   digits, never derived from the file's name, so no name points anywhere else on disk);
//! - `<storage key>.part`: an upload in progress.
//!
//! An upload streams into its `.part` file with its size checked on the way, is synced and
//! renamed when complete ([`IncomingFile::finish`]); each stage is a guard that deletes its
//! file when dropped unkept, so a refused, interrupted or failed upload leaves nothing. A
//! crash between the rename and the row's commit can leave a file without a row: the purge
//! (`super::uploads_purge`) removes such orphans after a day.

use crate::storage::WriteError;
use rand::RngCore;
use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tokio::io::AsyncWriteExt;

const KEY_HEX_DIGITS: usize = 32;

/// Where uploads are kept.
#[derive(Debug, Clone)]
pub struct UploadStore {
    root: PathBuf,
}

impl UploadStore {
    pub fn new(data_dir: &Path) -> Self {
        UploadStore {
            root: data_dir.join("uploads"),
        }
    }

    /// The file of a storage key; `None` for a key that is not one of ours.
    pub fn path(&self, storage_key: &str) -> Option<PathBuf> {
        is_storage_key(storage_key).then(|| self.root.join(storage_key))
    }

    /// Starts an upload of at most `limit` bytes.
    pub async fn begin(&self, limit: u64) -> io::Result<IncomingFile> {
        tokio::fs::create_dir_all(&self.root).await?;
        let key = new_storage_key();
        let path = self.root.join(format!("{key}.part"));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .await?;
        Ok(IncomingFile {
            path,
            final_path: self.root.join(&key),
            key,
            file: Some(file),
            size: 0,
            limit,
            finished: false,
        })
    }

    /// Deletes an upload's file (blocking). One already missing is not an error.
    pub fn remove(&self, storage_key: &str) {
        if let Some(path) = self.path(storage_key) {
            remove_quietly(&path);
        }
    }

    /// Removes files older than `age` that no row names (`known`): what a crash between a
    /// file's rename and its row's commit, or mid-upload, left behind (blocking). Returns
    /// how many went.
    pub fn sweep_orphans(&self, known: &HashSet<String>, age: Duration) -> usize {
        let Ok(entries) = fs::read_dir(&self.root) else {
            return 0;
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let key = name.strip_suffix(".part").unwrap_or(&name);
            if known.contains(key) {
                continue;
            }
            let old = entry
                .metadata()
                .and_then(|meta| meta.modified())
                .ok()
                .and_then(|modified| SystemTime::now().duration_since(modified).ok())
                .is_some_and(|elapsed| elapsed > age);
            if old && entry.path().is_file() {
                tracing::info!(path = %entry.path().display(), "removing an orphaned upload");
                remove_quietly(&entry.path());
                removed += 1;
            }
        }
        removed
    }
}

/// An upload being received. Dropped before [`finish`](Self::finish), it deletes its file.
#[derive(Debug)]
pub struct IncomingFile {
    path: PathBuf,
    final_path: PathBuf,
    key: String,
    file: Option<tokio::fs::File>,
    size: u64,
    limit: u64,
    finished: bool,
}

impl IncomingFile {
    /// Appends a chunk, unless it would take the file past its limit.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), WriteError> {
        let size = self.size + chunk.len() as u64;
        if size > self.limit {
            return Err(WriteError::TooLarge);
        }
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| WriteError::Io(io::Error::other("upload already finished")))?;
        file.write_all(chunk).await.map_err(WriteError::Io)?;
        self.size = size;
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Syncs the file and gives it its final name.
    pub async fn finish(mut self) -> io::Result<StoredFile> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("upload already finished"))?;
        file.flush().await?;
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&self.path, &self.final_path).await?;
        self.finished = true;
        Ok(StoredFile {
            path: std::mem::take(&mut self.final_path),
            key: std::mem::take(&mut self.key),
            size: self.size,
            armed: true,
        })
    }
}

impl Drop for IncomingFile {
    fn drop(&mut self) {
        if !self.finished {
            remove_quietly(&self.path);
        }
    }
}

/// A complete upload whose row is not committed yet. Dropped without [`keep`](Self::keep),
/// it deletes the file.
#[derive(Debug)]
pub struct StoredFile {
    path: PathBuf,
    pub key: String,
    pub size: u64,
    armed: bool,
}

impl StoredFile {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The row committed: the file stays.
    pub fn keep(mut self) {
        self.armed = false;
    }
}

impl Drop for StoredFile {
    fn drop(&mut self) {
        if self.armed {
            remove_quietly(&self.path);
        }
    }
}

fn remove_quietly(path: &Path) {
    if path.as_os_str().is_empty() {
        return;
    }
    if let Err(error) = fs::remove_file(path)
        && error.kind() != io::ErrorKind::NotFound
    {
        tracing::error!(path = %path.display(), %error, "could not remove an upload");
    }
}

/// 128 random bits as 32 lower-case hex digits.
fn new_storage_key() -> String {
    let mut bytes = [0u8; KEY_HEX_DIGITS / 2];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_storage_key(key: &str) -> bool {
    key.len() == KEY_HEX_DIGITS && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store(name: &str) -> (PathBuf, UploadStore) {
        let dir =
            std::env::temp_dir().join(format!("rapport-uploads-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        (dir.clone(), UploadStore::new(&dir))
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir.join("uploads"))
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    #[actix_web::test]
    async fn an_upload_is_kept_only_when_finished_and_kept() {
        let (dir, store) = temp_store("keep");
        let mut upload = store.begin(8).await.unwrap();
        upload.write(b"name\nAda").await.unwrap();
        assert!(matches!(
            upload.write(b"!").await,
            Err(WriteError::TooLarge)
        ));
        let stored = upload.finish().await.unwrap();
        assert_eq!(stored.size, 8);
        assert_eq!(files(&dir), vec![stored.key.clone()]);
        let key = stored.key.clone();
        stored.keep();
        assert_eq!(fs::read(store.path(&key).unwrap()).unwrap(), b"name\nAda");
        store.remove(&key);
        assert!(files(&dir).is_empty());

        // Dropped mid-way, or finished but never kept: nothing stays.
        let mut upload = store.begin(8).await.unwrap();
        upload.write(b"x").await.unwrap();
        drop(upload);
        drop(store.begin(8).await.unwrap().finish().await.unwrap());
        assert!(files(&dir).is_empty());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn keys_are_checked_and_orphans_swept() {
        let (dir, store) = temp_store("sweep");
        assert!(store.path("../../etc/passwd").is_none());
        assert!(store.path(&new_storage_key()).is_some());
        fs::create_dir_all(dir.join("uploads")).unwrap();
        let known = new_storage_key();
        fs::write(dir.join("uploads").join(&known), b"a").unwrap();
        fs::write(dir.join("uploads").join(new_storage_key()), b"b").unwrap();
        assert_eq!(
            store.sweep_orphans(&HashSet::from([known.clone()]), Duration::from_secs(3600)),
            0,
            "young files stay"
        );
        assert_eq!(
            store.sweep_orphans(&HashSet::from([known.clone()]), Duration::ZERO),
            1
        );
        assert_eq!(files(&dir), vec![known]);
        let _ = fs::remove_dir_all(&dir);
    }
}
