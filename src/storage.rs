//! The bytes of files in spaces, on disk under the data directory (DESIGN.md §4).
//!
//! Layout, under `<data dir>/spaces/`:
//! - `<space id>/<storage key>`: one file's bytes. The key is 32 random hex digits, never
//!   derived from the file's name, so no name can point anywhere else on disk.
//! - `.tmp/<random>.part`: uploads in progress, on the same file system so the final rename
//!   is atomic.
//!
//! An upload is streamed into a temporary file ([`TempUpload`]) with its size checked and its
//! SHA-256 computed on the way, then synced ([`StagedFile`]), then renamed into its space's
//! directory and the directory synced ([`PlacedFile`]); only then may the database row
//! commit. Each stage is a guard that deletes its file when dropped unkept, so an error, an
//! over-the-limit upload, a dropped connection (the request future is dropped) or a failed
//! transaction leaves nothing behind. A crash between the rename and the commit can leave an
//! orphan file without a row, never a row without its file. Recording the files in a space
//! (the rename, the rows and the commit) is [`commit`]; reading a multipart part into a
//! temporary file is [`parts`], sending a file back [`download`], removing bytes no row names
//! any more (a crash between a deletion's commit and the removal) [`sweep`].

pub mod commit;
pub mod download;
pub mod parts;
pub mod sweep;

use crate::domain::SpaceId;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tokio::io::AsyncWriteExt;

/// Temporary files older than this belong to no upload (a crashed process left them).
const STALE_TEMP_AGE: Duration = Duration::from_secs(24 * 60 * 60);
const KEY_HEX_DIGITS: usize = 32;

/// Where spaces keep their files.
#[derive(Debug, Clone)]
pub struct SpaceStore {
    root: PathBuf,
}

impl SpaceStore {
    pub fn new(data_dir: &Path) -> Self {
        SpaceStore {
            root: data_dir.join("spaces"),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn temp_dir(&self) -> PathBuf {
        self.root.join(".tmp")
    }

    pub fn space_dir(&self, space: SpaceId) -> PathBuf {
        self.root.join(space.0.to_string())
    }

    /// Where a stored file lives; `None` for a key that is not one of ours (so even a
    /// tampered row cannot name a path outside the space's directory).
    pub fn file_path(&self, space: SpaceId, storage_key: &str) -> Option<PathBuf> {
        is_storage_key(storage_key).then(|| self.space_dir(space).join(storage_key))
    }

    /// Starts an upload of at most `limit` bytes.
    pub async fn begin(&self, limit: u64) -> io::Result<TempUpload> {
        let dir = self.temp_dir();
        tokio::fs::create_dir_all(&dir).await?;
        self.sweep_stale_temps().await;
        let path = dir.join(format!("{}.part", new_storage_key()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .await?;
        Ok(TempUpload {
            path,
            file: Some(file),
            hasher: Sha256::new(),
            size: 0,
            limit,
            finished: false,
        })
    }

    /// Stages a small file that is already in memory (demo data): written under a temporary
    /// name, synced and hashed, like an upload (blocking).
    pub fn stage_bytes(&self, bytes: &[u8]) -> io::Result<StagedFile> {
        let dir = self.temp_dir();
        fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}.part", new_storage_key()));
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        // Armed from here on: a failed write or sync removes the file.
        let staged = StagedFile {
            path,
            size: bytes.len() as u64,
            sha256: hex(&Sha256::digest(bytes)),
            armed: true,
        };
        file.write_all(bytes)?;
        file.sync_all()?;
        Ok(staged)
    }

    /// Opens a stored file for reading.
    pub async fn open(&self, space: SpaceId, storage_key: &str) -> io::Result<tokio::fs::File> {
        let path = self
            .file_path(space, storage_key)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not a storage key"))?;
        tokio::fs::File::open(path).await
    }

    /// Deletes a stored file whose row is gone (blocking; call it after the commit). A file
    /// already missing is logged, not an error: the row was the truth.
    pub fn remove(&self, space: SpaceId, storage_key: &str) {
        let Some(path) = self.file_path(space, storage_key) else {
            tracing::error!(
                space = space.0,
                storage_key,
                "refused to remove a malformed storage key"
            );
            return;
        };
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                tracing::warn!(path = %path.display(), "space file was already gone");
            }
            Err(error) => {
                tracing::error!(path = %path.display(), %error, "could not remove a space file");
            }
        }
    }

    /// Deletes the files of a deleted space, then its directory if nothing else is in it.
    pub fn remove_space(&self, space: SpaceId, storage_keys: &[String]) {
        for key in storage_keys {
            self.remove(space, key);
        }
        match fs::remove_dir(self.space_dir(space)) {
            Ok(()) => {}
            // Never had a file, or something unexpected is still in it: leave it.
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => {
                tracing::warn!(space = space.0, %error, "space directory left in place");
            }
        }
    }

    /// Removes temporary files no upload can still be writing.
    async fn sweep_stale_temps(&self) {
        let Ok(mut entries) = tokio::fs::read_dir(self.temp_dir()).await else {
            return;
        };
        while let Ok(Some(entry)) = entries.next_entry().await {
            let stale = entry
                .metadata()
                .await
                .and_then(|meta| meta.modified())
                .ok()
                .and_then(|modified| SystemTime::now().duration_since(modified).ok())
                .is_some_and(|age| age > STALE_TEMP_AGE);
            if stale {
                tracing::warn!(path = %entry.path().display(), "removing a stale upload");
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
    }
}

/// Why a chunk could not be written.
#[derive(Debug)]
pub enum WriteError {
    /// The upload passed its limit; the file is removed when the upload is dropped.
    TooLarge,
    Io(io::Error),
}

/// An upload being received into a temporary file. Dropped before [`finish`](Self::finish),
/// it deletes its file.
#[derive(Debug)]
pub struct TempUpload {
    path: PathBuf,
    file: Option<tokio::fs::File>,
    hasher: Sha256,
    size: u64,
    limit: u64,
    finished: bool,
}

impl TempUpload {
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
        self.hasher.update(chunk);
        self.size = size;
        Ok(())
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Flushes and syncs the file: its bytes are on disk before anyone may point at them.
    pub async fn finish(mut self) -> io::Result<StagedFile> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("upload already finished"))?;
        file.flush().await?;
        file.sync_all().await?;
        drop(file);
        self.finished = true;
        Ok(StagedFile {
            path: std::mem::take(&mut self.path),
            size: self.size,
            sha256: hex(&self.hasher.clone().finalize()),
            armed: true,
        })
    }
}

impl Drop for TempUpload {
    fn drop(&mut self) {
        if !self.finished {
            remove_quietly(&self.path);
        }
    }
}

/// A complete upload, synced, still under its temporary name. Dropped unplaced, it deletes
/// its file.
#[derive(Debug)]
pub struct StagedFile {
    path: PathBuf,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
    armed: bool,
}

impl StagedFile {
    /// Renames the file into its space's directory under a new random key and syncs the
    /// directory, so the rename survives a crash (blocking: run it off the reactor, in the
    /// same blocking call as the transaction that records it).
    pub fn place(mut self, store: &SpaceStore, space: SpaceId) -> io::Result<PlacedFile> {
        let dir = store.space_dir(space);
        let created = !dir.exists();
        fs::create_dir_all(&dir)?;
        let storage_key = new_storage_key();
        let target = dir.join(&storage_key);
        fs::rename(&self.path, &target)?;
        self.armed = false;
        // From here on the placed guard removes the file if anything fails.
        let placed = PlacedFile {
            path: target,
            storage_key,
            armed: true,
        };
        sync_dir(&dir)?;
        if created {
            sync_dir(store.root())?;
        }
        Ok(placed)
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if self.armed {
            remove_quietly(&self.path);
        }
    }
}

/// A file in its final place whose row is not committed yet. Dropped without
/// [`keep`](Self::keep) (the transaction failed), it deletes the file.
#[derive(Debug)]
pub struct PlacedFile {
    path: PathBuf,
    pub storage_key: String,
    armed: bool,
}

impl PlacedFile {
    /// The row committed: the file stays.
    pub fn keep(mut self) {
        self.armed = false;
    }
}

impl Drop for PlacedFile {
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
        tracing::error!(path = %path.display(), %error, "could not remove an unfinished upload");
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// 128 random bits as 32 lower-case hex digits.
fn new_storage_key() -> String {
    let mut bytes = [0u8; KEY_HEX_DIGITS / 2];
    rand::rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

/// Whether `key` is a name this store gives files (see the module documentation).
pub(crate) fn is_storage_key(key: &str) -> bool {
    key.len() == KEY_HEX_DIGITS && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store(name: &str) -> (PathBuf, SpaceStore) {
        let dir =
            std::env::temp_dir().join(format!("rapport-storage-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let store = SpaceStore::new(&dir);
        (dir, store)
    }

    fn files_under(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        if let Ok(entries) = fs::read_dir(dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    out.extend(files_under(&path));
                } else {
                    out.push(path);
                }
            }
        }
        out
    }

    #[test]
    fn storage_keys_are_checked() {
        assert!(is_storage_key(&new_storage_key()));
        assert!(!is_storage_key("../../etc/passwd"));
        assert!(!is_storage_key(&"A".repeat(32)));
        let (_, store) = temp_store("keys");
        assert!(store.file_path(SpaceId(1), "../x").is_none());
    }

    #[actix_web::test]
    async fn an_upload_is_hashed_synced_and_placed() {
        let (dir, store) = temp_store("place");
        let mut upload = store.begin(10).await.unwrap();
        upload.write(b"hello").await.unwrap();
        upload.write(b" you").await.unwrap();
        let staged = upload.finish().await.unwrap();
        assert_eq!(staged.size, 9);
        assert_eq!(staged.sha256, hex(&Sha256::digest(b"hello you")));
        let placed = staged.place(&store, SpaceId(7)).unwrap();
        let key = placed.storage_key.clone();
        placed.keep();
        let path = store.file_path(SpaceId(7), &key).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"hello you");
        assert_eq!(files_under(&dir), vec![path]);
        store.remove_space(SpaceId(7), &[key]);
        assert!(files_under(&dir).is_empty());
        assert!(!store.space_dir(SpaceId(7)).exists());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn bytes_in_memory_are_staged_like_an_upload() {
        let (dir, store) = temp_store("bytes");
        let staged = store.stage_bytes(b"demo").unwrap();
        assert_eq!(staged.size, 4);
        assert_eq!(staged.sha256, hex(&Sha256::digest(b"demo")));
        let placed = staged.place(&store, SpaceId(3)).unwrap();
        let path = store.file_path(SpaceId(3), &placed.storage_key).unwrap();
        placed.keep();
        assert_eq!(fs::read(&path).unwrap(), b"demo");
        assert_eq!(files_under(&dir), vec![path]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[actix_web::test]
    async fn nothing_is_left_by_an_upload_that_does_not_complete() {
        let (dir, store) = temp_store("guards");
        // Over the limit: refused, and the temporary file goes with the upload.
        let mut upload = store.begin(4).await.unwrap();
        upload.write(b"1234").await.unwrap();
        assert!(matches!(
            upload.write(b"5").await,
            Err(WriteError::TooLarge)
        ));
        assert_eq!(files_under(&dir).len(), 1);
        drop(upload);
        assert!(files_under(&dir).is_empty());
        // Staged but never placed.
        let mut upload = store.begin(4).await.unwrap();
        upload.write(b"12").await.unwrap();
        drop(upload.finish().await.unwrap());
        assert!(files_under(&dir).is_empty());
        // Placed, but the transaction failed.
        let upload = store.begin(4).await.unwrap();
        let placed = upload
            .finish()
            .await
            .unwrap()
            .place(&store, SpaceId(1))
            .unwrap();
        assert_eq!(files_under(&dir).len(), 1);
        drop(placed);
        assert!(files_under(&dir).is_empty());
        let _ = fs::remove_dir_all(&dir);
    }
}
