//! Contact exports from the first byte to the audit entry, in one place for the dashboard's
//! download, the API's `contact/export` and `rapport export`.
//!
//! An [`Export`] pairs a [`Selection`] (which contacts, read in batches along a keyset,
//! `models::contact_export`) with a [`ContactWriter`] (how each is written,
//! `domain::export`, or the API's JSON shapes): every call of [`Export::next_chunk`] reads one
//! batch and returns its bytes, so memory stays flat whatever the number of contacts. The
//! command line writes the chunks to a file; [`response`] streams them over HTTP, checking a
//! connection out per batch. Either way the export ends with one audit entry: who, in which
//! format, with which filter, how many contacts, and whether it ran to the end.

pub mod response;

use crate::domain::export::{ContactWriter, ExportedContact};
use crate::error::AppError;
use crate::models::Actor;
use crate::models::contact_export::{self, ExportRecord, Selection};
use diesel::PgConnection;
use serde_json::Value;

/// Who exports, and what the audit entry says about the export besides its count.
#[derive(Debug, Clone)]
pub struct Audit {
    pub actor: Actor,
    /// The format's name in the trail (`csv`, `vcard`, `jsonl`, the API's `json`).
    pub format: String,
    /// What selected the contacts, as the caller describes it.
    pub filter: Value,
}

/// One export in progress.
#[derive(Debug, Clone)]
pub struct Export<W> {
    selection: Selection,
    writer: W,
    /// Contacts written so far.
    count: u64,
    opened: bool,
    closed: bool,
}

impl<W: ContactWriter> Export<W> {
    pub fn new(selection: Selection, writer: W) -> Self {
        Export {
            selection,
            writer,
            count: 0,
            opened: false,
            closed: false,
        }
    }

    /// The next piece of the file: one batch of contacts, after the opening (CSV's header)
    /// the first time and before the closing the last time; `None` once the closing went out.
    pub fn next_chunk(
        &mut self,
        connection: &mut PgConnection,
    ) -> Result<Option<Vec<u8>>, AppError> {
        if self.closed {
            return Ok(None);
        }
        let rows = self.selection.next_batch(connection)?;
        // About 300 bytes a contact in CSV, more in vCard: one allocation in most batches.
        let mut out = Vec::with_capacity(rows.len() * 400 + 512);
        if !self.opened {
            self.writer.opening(&mut out);
            self.opened = true;
        }
        for row in &rows {
            self.writer
                .contact(&ExportedContact::from(row), self.count == 0, &mut out)
                .map_err(AppError::internal)?;
            self.count += 1;
        }
        if self.selection.is_done() {
            self.writer.closing(&mut out);
            self.closed = true;
        }
        Ok(Some(out))
    }
}

impl<W> Export<W> {
    /// Contacts written so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether the whole file has been returned.
    pub fn is_done(&self) -> bool {
        self.closed
    }

    /// The audit entry of this export as far as it got.
    pub fn record(&self, audit: &Audit) -> ExportRecord {
        ExportRecord {
            format: audit.format.clone(),
            filter: audit.filter.clone(),
            count: self.count,
            complete: self.closed,
        }
    }
}

/// Writes the export's audit entry.
pub fn audit(
    connection: &mut PgConnection,
    audit: &Audit,
    record: &ExportRecord,
) -> Result<(), AppError> {
    Ok(contact_export::record(connection, &audit.actor, record)?)
}
