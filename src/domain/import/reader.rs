//! The records of a detected file, one at a time, through fixed-size buffers: the file is
//! transcoded to UTF-8 as it is read (encoding_rs_io; UTF-8 passes through untouched) and
//! split by the csv crate or [`super::vcard::CardReader`].

use super::layout::{EXPORT_COLUMNS, Layout};
use super::vcard::{self, CardReader};
use super::{Detected, FileFormat, FileRefusal};
use crate::domain::spreadsheet::spreadsheet_safe;
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bytes read from the file at a time (and the transcoder's and parsers' buffers).
const BUFFER_BYTES: usize = 64 * 1024;

/// One record of the file, with a value per header (padded or cut to fit no header: a row
/// that does not fit is a [`RecordError`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    /// Where the user finds it. CSV: the row number a spreadsheet shows, counting the header
    /// as row 1 (so the first contact is row 2) and blank lines as rows. vCard: the card's
    /// number, the first card being 1.
    pub number: u64,
    pub values: Vec<String>,
}

/// A record that could not be read; `number` as in [`SourceRecord::number`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub number: u64,
    /// What is wrong, as a sentence for the user (without the row number).
    pub message: String,
}

/// A streaming reader over a file's records.
pub struct ImportReader {
    headers: Vec<String>,
    layout: Layout,
    consumed: Arc<AtomicU64>,
    source: Source,
}

enum Source {
    Csv(Box<CsvRecords>),
    VCard(Box<CardReader<BufReader<Decoded>>>),
}

type Decoded = DecodeReaderBytes<CountingFile, Vec<u8>>;

/// The file, counting the bytes read from it (for progress).
struct CountingFile {
    file: File,
    consumed: Arc<AtomicU64>,
}

impl Read for CountingFile {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.file.read(buffer)?;
        self.consumed.fetch_add(read as u64, Ordering::Relaxed);
        Ok(read)
    }
}

impl ImportReader {
    /// Opens a file as [`super::detect`] described it and reads its header row (CSV).
    pub fn open(path: &Path, detected: &Detected) -> Result<ImportReader, FileRefusal> {
        let consumed = Arc::new(AtomicU64::new(0));
        let file = File::open(path).map_err(FileRefusal::unreadable)?;
        let counting = CountingFile {
            file,
            consumed: Arc::clone(&consumed),
        };
        let decoded = DecodeReaderBytesBuilder::new()
            .encoding(Some(detected.encoding.encoding()))
            // Valid UTF-8 was checked by detect; what changed since is replaced per cell.
            .utf8_passthru(true)
            .strip_bom(true)
            .build_with_buffer(counting, vec![0; BUFFER_BYTES])
            .map_err(FileRefusal::unreadable)?;
        match detected.format {
            FileFormat::VCard => Ok(ImportReader {
                headers: vcard::HEADERS.iter().map(|h| h.to_string()).collect(),
                layout: Layout::VCard,
                consumed,
                source: Source::VCard(Box::new(CardReader::new(BufReader::with_capacity(
                    BUFFER_BYTES,
                    decoded,
                )))),
            }),
            FileFormat::Csv { delimiter } => {
                let (records, headers, layout) = CsvRecords::open(decoded, delimiter)?;
                Ok(ImportReader {
                    headers,
                    layout,
                    consumed,
                    source: Source::Csv(Box::new(records)),
                })
            }
        }
    }

    /// The CSV header row (trimmed; a blank one named `Column N`), or for vCard the fixed
    /// columns of [`vcard::HEADERS`].
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The layout the header row is recognised as.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The next record, or why it cannot be read; `None` at the end. Blank rows are skipped.
    /// After an error reading the file itself, the reader ends.
    pub fn next_record(&mut self) -> Option<Result<SourceRecord, RecordError>> {
        match &mut self.source {
            Source::Csv(records) => records.next_record(),
            Source::VCard(cards) => cards.next_card().map(|card| match card {
                Ok((number, values)) => Ok(SourceRecord { number, values }),
                Err((number, message)) => Err(RecordError { number, message }),
            }),
        }
    }

    /// Bytes of the file read so far, for progress. Reading is buffered, so this runs up to
    /// about 128 KiB ahead of the last record returned; it reaches the file's size at the end.
    pub fn byte_position(&self) -> u64 {
        self.consumed.load(Ordering::Relaxed)
    }
}

impl Iterator for ImportReader {
    type Item = Result<SourceRecord, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record()
    }
}

struct CsvRecords {
    reader: csv::Reader<Decoded>,
    record: csv::ByteRecord,
    columns: usize,
    /// The spreadsheet row of the last record read (the header's to begin with).
    row: u64,
    /// Rapport's export: undo the `'` that [`spreadsheet_safe`] put before formulas.
    unformula: bool,
    /// The first data row, read ahead to tell Rapport's export from ChatBotKit's.
    peeked: Option<Option<Result<SourceRecord, RecordError>>>,
    ended: bool,
}

impl CsvRecords {
    fn open(
        decoded: Decoded,
        delimiter: u8,
    ) -> Result<(CsvRecords, Vec<String>, Layout), FileRefusal> {
        let reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(BUFFER_BYTES)
            .from_reader(decoded);
        let mut records = CsvRecords {
            reader,
            record: csv::ByteRecord::new(),
            columns: 0,
            row: 0,
            unformula: false,
            peeked: None,
            ended: false,
        };
        let header = loop {
            match records.read() {
                Some(Ok(())) if records.is_blank() => {}
                Some(Ok(())) => break records.record.clone(),
                Some(Err(message)) => return Err(FileRefusal::Unreadable(message)),
                None => {
                    return Err(FileRefusal::NotContacts(
                        "The file has no header row naming its columns.".into(),
                    ));
                }
            }
        };
        let headers: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(index, cell)| match text(cell).trim() {
                "" => format!("Column {}", index + 1),
                name => name.to_string(),
            })
            .collect();
        records.columns = headers.len();
        let mut layout = Layout::recognise(&headers);
        if layout == Layout::Rapport {
            records.unformula = true;
            let first = records.next_record();
            let meta = headers.iter().position(|h| h == EXPORT_COLUMNS[9]);
            let meta_cell = match (&first, meta) {
                (Some(Ok(record)), Some(index)) => record.values.get(index).map(String::as_str),
                _ => None,
            };
            layout = Layout::export_flavour(meta_cell);
            if layout == Layout::ChatBotKit {
                // ChatBotKit does not neutralise formulas: its cells are as they are.
                records.unformula = false;
                records.peeked = Some(records.reconvert_last());
            } else {
                records.peeked = Some(first);
            }
        }
        Ok((records, headers, layout))
    }

    /// Reads the next raw record into `self.record` and advances `self.row` past it and any
    /// blank lines before it.
    fn read(&mut self) -> Option<Result<(), String>> {
        if self.ended {
            return None;
        }
        let before = self.reader.position().line();
        match self.reader.read_byte_record(&mut self.record) {
            Ok(true) => {}
            Ok(false) => {
                self.ended = true;
                return None;
            }
            Err(error) => {
                self.ended = true;
                return Some(Err(error.to_string()));
            }
        }
        // csv skips blank lines; a spreadsheet shows each as a row. The lines consumed are
        // the record's own (one, plus newlines inside quoted cells) and the blank ones.
        let lines = self.reader.position().line().saturating_sub(before);
        let inner = self
            .record
            .as_slice()
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.row += 1 + lines.saturating_sub(1 + inner);
        Some(Ok(()))
    }

    fn is_blank(&self) -> bool {
        self.record
            .iter()
            .all(|cell| cell.iter().all(u8::is_ascii_whitespace))
    }

    fn next_record(&mut self) -> Option<Result<SourceRecord, RecordError>> {
        if let Some(peeked) = self.peeked.take() {
            return peeked;
        }
        loop {
            match self.read()? {
                Err(message) => {
                    return Some(Err(RecordError {
                        number: self.row + 1,
                        message: format!("The file could not be read further ({message})."),
                    }));
                }
                Ok(()) if self.is_blank() => {}
                Ok(()) => return Some(self.convert()),
            }
        }
    }

    /// The record last read, converted again (after `unformula` changed).
    fn reconvert_last(&self) -> Option<Result<SourceRecord, RecordError>> {
        Some(self.convert())
    }

    fn convert(&self) -> Result<SourceRecord, RecordError> {
        let cells = self.record.len();
        let extra_blank = self
            .record
            .iter()
            .skip(self.columns)
            .all(|cell| cell.iter().all(u8::is_ascii_whitespace));
        if cells < self.columns || !extra_blank {
            return Err(RecordError {
                number: self.row,
                message: format!(
                    "This row has {cells} cells but the header has {} columns; a delimiter \
                     or a quote is probably missing or extra.",
                    self.columns
                ),
            });
        }
        let values = self
            .record
            .iter()
            .take(self.columns)
            .map(|cell| {
                let cell = text(cell);
                if self.unformula {
                    without_formula_guard(cell)
                } else {
                    cell.into_owned()
                }
            })
            .collect();
        Ok(SourceRecord {
            number: self.row,
            values,
        })
    }
}

/// A cell's text; bytes that are not UTF-8 (only if the file changed after detection)
/// become U+FFFD.
fn text(cell: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(cell)
}

/// A cell of Rapport's export as it was before [`spreadsheet_safe`]: its `'` removed when
/// what follows is what it guards (a formula start). Other cells are unchanged.
fn without_formula_guard(cell: Cow<'_, str>) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if matches!(spreadsheet_safe(rest), Cow::Owned(_)) => rest.to_string(),
        _ => cell.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_guard_before_a_formula_is_removed() {
        for (exported, original) in [
            ("'=HYPERLINK(\"x\")", "=HYPERLINK(\"x\")"),
            ("'+12125550147", "+12125550147"),
            ("'-2", "-2"),
            ("'@me", "@me"),
            ("'\t=1", "\t=1"),
            ("'quoted", "'quoted"),
            ("''=1", "''=1"),
            ("plain", "plain"),
            ("", ""),
        ] {
            assert_eq!(
                without_formula_guard(Cow::Borrowed(exported)),
                original,
                "{exported:?}"
            );
        }
    }
}
