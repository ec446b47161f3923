//! How an edit guarded by a row version ended (DESIGN.md §2: nothing is overwritten silently).

/// The outcome of saving an edit that names the version it read.
#[derive(Debug, Clone, PartialEq)]
pub enum Versioned<T> {
    Saved(T),
    /// The edit equals what is stored; nothing written.
    Unchanged(T),
    /// Someone else saved first; nothing written. Carries their row.
    Conflict(T),
}
