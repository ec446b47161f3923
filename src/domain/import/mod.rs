//! Contact import, the file-reading half (issue 11): what an uploaded file is ([`detect`]),
//! its records one at a time ([`ImportReader`]), and how its columns become a contact
//! ([`suggest_mapping`], [`row_input`]).
//!
//! No database and no HTTP. Unlike the rest of `domain`, this reads a file, but only the one
//! on disk it is given, in bounded buffers: memory stays flat whatever the file's size, and a
//! 100,000-row file is read and mapped in well under a second.
//!
//! - CSV with `,` `;` or tab between cells (detected), quoted cells with newlines, CRLF; in
//!   UTF-8 with or without a BOM, UTF-16 with a BOM, or Windows-1252 when the bytes are not
//!   UTF-8 (what Excel writes on Western-European Windows).
//! - vCard 2.1, 3.0 and 4.0 ([`vcard`]): many cards per file, folded lines, quoted-printable,
//!   `CHARSET=`, grouped properties (`item1.EMAIL`).
//! - Known layouts recognised from their header row ([`Layout`]): Google Contacts, Outlook,
//!   HubSpot, ChatBotKit's and Rapport's own export (which re-imports with no changes).

mod detect;
mod layout;
mod mapping;
mod reader;
mod row;
pub mod vcard;

#[doc(hidden)]
pub mod bench;

#[cfg(test)]
mod fixtures;

pub use detect::detect;
pub use layout::Layout;
pub use mapping::{ColumnTarget, MAPPABLE_FIELDS, Mapping, slug_meta_key, suggest_mapping};
pub use reader::{ImportReader, RecordError, SourceRecord};
pub use row::row_input;

use serde::{Deserialize, Serialize};
use std::fmt;

/// The largest file an import takes unless configured otherwise (100 MiB).
pub const DEFAULT_MAX_BYTES: u64 = 100 * 1024 * 1024;

/// What kind of file it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum FileFormat {
    /// Cells separated by `delimiter` (`,`, `;` or tab).
    Csv {
        delimiter: u8,
    },
    VCard,
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileFormat::Csv { delimiter: b';' } => f.write_str("CSV (semicolon-separated)"),
            FileFormat::Csv { delimiter: b'\t' } => f.write_str("CSV (tab-separated)"),
            FileFormat::Csv { .. } => f.write_str("CSV (comma-separated)"),
            FileFormat::VCard => f.write_str("vCard"),
        }
    }
}

/// The character encoding the file's text is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TextEncoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

impl TextEncoding {
    fn encoding(self) -> &'static encoding_rs::Encoding {
        match self {
            TextEncoding::Utf8 => encoding_rs::UTF_8,
            TextEncoding::Utf16Le => encoding_rs::UTF_16LE,
            TextEncoding::Utf16Be => encoding_rs::UTF_16BE,
            TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252,
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf16Le => "UTF-16 (little-endian)",
            TextEncoding::Utf16Be => "UTF-16 (big-endian)",
            TextEncoding::Windows1252 => "Windows-1252 (Western European)",
        })
    }
}

/// What [`detect`] found: enough to open the file with [`ImportReader::open`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detected {
    pub format: FileFormat,
    pub encoding: TextEncoding,
}

/// Why a file is not imported at all. `Display` is the message shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileRefusal {
    #[error("The file is empty.")]
    Empty,
    #[error(
        "The file is larger than {}, the most an import takes.",
        super::byte_size::human(*limit)
    )]
    TooLarge { limit: u64 },
    #[error("This is not a text file. Import takes a CSV file or a vCard (.vcf) file.")]
    Binary,
    /// Text, but not contacts (JSON, HTML, a `.vcf` that is no vCard, …); says what it is.
    #[error("{0}")]
    NotContacts(String),
    /// The file could not be read from disk.
    #[error("The file could not be read ({0}).")]
    Unreadable(String),
}

impl FileRefusal {
    fn unreadable(error: std::io::Error) -> FileRefusal {
        FileRefusal::Unreadable(error.to_string())
    }
}
