//! A first look at a file before anything is queued: what it is (refused with the reason if
//! it cannot be imported), its columns, the mapping suggested for them, and its first rows,
//! for the mapping screen and the command line.

use super::ImportParameters;
use super::plan::OnMatch;
use crate::domain::import::{
    Detected, FileRefusal, ImportReader, Layout, Mapping, detect, suggest_mapping,
};
use std::path::Path;

/// Rows the mapping screen shows.
pub const SAMPLE_ROWS: usize = 5;

/// What a file holds, from its start.
#[derive(Debug, Clone)]
pub struct Preview {
    pub detected: Detected,
    pub layout: Layout,
    pub headers: Vec<String>,
    pub suggested: Mapping,
    /// The first records' cells (a record that cannot be read has none).
    pub rows: Vec<SampleRow>,
}

/// One record of the sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleRow {
    pub number: u64,
    pub values: Vec<String>,
    /// Why it cannot be read, if it cannot.
    pub problem: Option<String>,
}

/// Detects the file and reads its first `rows` records. A file without a single record
/// (a header row alone) is refused like an empty one.
pub fn preview(
    path: &Path,
    file_name: &str,
    max_bytes: u64,
    rows: usize,
) -> Result<Preview, FileRefusal> {
    let detected = detect(path, Some(file_name), max_bytes)?;
    let mut reader = ImportReader::open(path, &detected)?;
    let headers = reader.headers().to_vec();
    let layout = reader.layout();
    let mut sample = Vec::new();
    while sample.len() < rows {
        let Some(record) = reader.next_record() else {
            break;
        };
        sample.push(match record {
            Ok(record) => SampleRow {
                number: record.number,
                values: record.values,
                problem: None,
            },
            Err(error) => SampleRow {
                number: error.number,
                values: Vec::new(),
                problem: Some(error.message),
            },
        });
    }
    if sample.is_empty() {
        return Err(FileRefusal::NotContacts(
            "The file has a header row but no contacts below it.".into(),
        ));
    }
    Ok(Preview {
        suggested: suggest_mapping(layout, &headers),
        detected,
        layout,
        headers,
        rows: sample,
    })
}

impl Preview {
    /// The import of this file with `mapping` (the command line's: the suggested one).
    pub fn parameters(
        &self,
        file: Option<&Path>,
        file_name: &str,
        mapping: Mapping,
        on_match: OnMatch,
    ) -> ImportParameters {
        ImportParameters {
            file: file.map(Path::to_path_buf),
            file_name: file_name.to_string(),
            detected: self.detected,
            headers: self.headers.clone(),
            mapping,
            on_match,
            started_from: None,
        }
    }

    /// "CSV (comma-separated), UTF-8, Google Contacts layout".
    pub fn description(&self) -> String {
        describe(&self.detected, self.layout)
    }
}

/// How a file was read, in words: format, encoding and (when recognised) layout.
pub fn describe(detected: &Detected, layout: Layout) -> String {
    let layout = match layout {
        Layout::Generic | Layout::VCard => String::new(),
        known => format!(", {known} layout"),
    };
    format!("{}, {}{layout}", detected.format, detected.encoding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::import::ColumnTarget;
    use crate::domain::import::FileFormat;

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/import")
            .join(name)
    }

    #[test]
    fn a_google_file_is_recognised_with_its_first_rows() {
        let preview = preview(&fixture("google.csv"), "google.csv", 1 << 20, 2).unwrap();
        assert_eq!(preview.layout, Layout::Google);
        assert_eq!(preview.rows.len(), 2);
        assert_eq!(preview.rows[0].number, 2);
        assert_eq!(preview.headers.len(), preview.suggested.columns.len());
        assert!(
            preview
                .suggested
                .columns
                .contains(&ColumnTarget::Field(crate::domain::ContactField::Email))
        );
        assert!(preview.description().contains("Google Contacts layout"));
    }

    #[test]
    fn empty_binary_and_header_only_files_are_refused() {
        let refused = |name: &str| preview(&fixture(name), name, 1 << 20, 5).unwrap_err();
        assert_eq!(refused("empty.csv"), FileRefusal::Empty);
        assert_eq!(refused("binary.png"), FileRefusal::Binary);
        let dir = std::env::temp_dir().join(format!("rapport-preview-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let header_only = dir.join("header.csv");
        std::fs::write(&header_only, "Name,Email\n").unwrap();
        assert!(matches!(
            preview(&header_only, "header.csv", 1 << 20, 5),
            Err(FileRefusal::NotContacts(_))
        ));
        assert_eq!(
            preview(&fixture("google.csv"), "google.csv", 10, 5).unwrap_err(),
            FileRefusal::TooLarge { limit: 10 }
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn descriptions_name_format_encoding_and_layout() {
        let detected = Detected {
            format: FileFormat::Csv { delimiter: b';' },
            encoding: crate::domain::import::TextEncoding::Windows1252,
        };
        assert_eq!(
            describe(&detected, Layout::Outlook),
            "CSV (semicolon-separated), Windows-1252 (Western European), Outlook layout"
        );
        assert_eq!(
            describe(&detected, Layout::Generic),
            "CSV (semicolon-separated), Windows-1252 (Western European)"
        );
    }
}
