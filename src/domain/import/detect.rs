//! What an uploaded file is: its size checked, its encoding (a BOM, else one pass over the
//! bytes to tell UTF-8 from Windows-1252), then CSV (with which delimiter) or vCard from its
//! first 64 KiB.

use super::{Detected, FileFormat, FileRefusal, TextEncoding};
use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::Path;

/// How much of the file's start is looked at for the format and the delimiter.
const SNIFF_BYTES: u64 = 64 * 1024;
/// Records of the sample compared when choosing the delimiter.
const SNIFF_RECORDS: usize = 50;
const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// Looks at the file on disk: refuses an empty, too large, binary or non-contact file with
/// the reason, otherwise says how to read it. `file_name` (as uploaded) only helps: a `.tsv`
/// prefers tabs, a `.vcf` that is not a vCard gets a clearer message.
pub fn detect(
    path: &Path,
    file_name: Option<&str>,
    max_bytes: u64,
) -> Result<Detected, FileRefusal> {
    let mut file = File::open(path).map_err(FileRefusal::unreadable)?;
    let size = file.metadata().map_err(FileRefusal::unreadable)?.len();
    if size == 0 {
        return Err(FileRefusal::Empty);
    }
    if size > max_bytes {
        return Err(FileRefusal::TooLarge { limit: max_bytes });
    }
    let mut head = Vec::new();
    (&mut file)
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)
        .map_err(FileRefusal::unreadable)?;
    let name = file_name.unwrap_or("").to_ascii_lowercase();
    let (encoding, bom) = match bom(&head) {
        Some(found) => found,
        None => {
            refuse_binary(&head, &name)?;
            let utf8 = is_utf8(&mut file).map_err(FileRefusal::unreadable)?;
            let encoding = if utf8 {
                TextEncoding::Utf8
            } else {
                TextEncoding::Windows1252
            };
            (encoding, 0)
        }
    };
    let (sample, _) = encoding
        .encoding()
        .decode_without_bom_handling(&head[bom..]);
    match encoding {
        TextEncoding::Utf8 if bom > 0 => refuse_binary(&head[bom..], &name)?,
        // UTF-16 text is full of NUL bytes: look at its characters instead.
        TextEncoding::Utf16Le | TextEncoding::Utf16Be => {
            let controls = sample
                .chars()
                .filter(|&c| c < ' ' && !matches!(c, '\t' | '\n' | '\r' | '\x0c'))
                .count();
            if controls > sample.len() / 100 {
                return Err(FileRefusal::Binary);
            }
        }
        _ => {}
    }
    if sample.trim().is_empty() {
        return Err(FileRefusal::Empty);
    }
    // A sample cut off mid-file ends in a partial record: leave it out of the comparison.
    let complete = if (head.len() as u64) < size {
        sample.rfind('\n').map_or(&sample[..], |end| &sample[..end])
    } else {
        &sample[..]
    };
    let format = sniff_format(complete, &name)?;
    Ok(Detected { format, encoding })
}

/// The encoding a byte-order mark announces, and the mark's length.
fn bom(head: &[u8]) -> Option<(TextEncoding, usize)> {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Some((TextEncoding::Utf8, 3))
    } else if head.starts_with(&[0xFF, 0xFE]) {
        Some((TextEncoding::Utf16Le, 2))
    } else if head.starts_with(&[0xFE, 0xFF]) {
        Some((TextEncoding::Utf16Be, 2))
    } else {
        None
    }
}

/// Refuses what is not text: known binary signatures, or any NUL byte or more than a few
/// control characters (text in the encodings we read has neither).
fn refuse_binary(head: &[u8], name: &str) -> Result<(), FileRefusal> {
    const OFFICE: [&[u8]; 2] = [b"PK\x03\x04", b"\xD0\xCF\x11\xE0"];
    if OFFICE.iter().any(|magic| head.starts_with(magic))
        || [".xlsx", ".xls", ".numbers", ".ods"]
            .iter()
            .any(|ext| name.ends_with(ext))
    {
        return Err(FileRefusal::NotContacts(
            "This looks like a spreadsheet workbook (or another compressed file). Save the \
             sheet as CSV (UTF-8) in your spreadsheet program and import that file."
                .into(),
        ));
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
        .count();
    if head.contains(&0) || controls > head.len() / 100 {
        return Err(FileRefusal::Binary);
    }
    Ok(())
}

/// Whether the whole file is valid UTF-8, read in chunks from the start.
fn is_utf8(file: &mut File) -> io::Result<bool> {
    file.rewind()?;
    let mut buffer = vec![0u8; 64 * 1024];
    // Bytes of a character cut by the previous chunk, moved to the buffer's start.
    let mut carried = 0;
    loop {
        let read = file.read(&mut buffer[carried..])?;
        if read == 0 {
            return Ok(carried == 0);
        }
        let filled = carried + read;
        match std::str::from_utf8(&buffer[..filled]) {
            Ok(_) => carried = 0,
            // Only cut short at the end (at most 3 bytes): complete it with the next chunk.
            Err(error) if error.error_len().is_none() => {
                let valid = error.valid_up_to();
                buffer.copy_within(valid..filled, 0);
                carried = filled - valid;
            }
            Err(_) => return Ok(false),
        }
    }
}

fn sniff_format(sample: &str, name: &str) -> Result<FileFormat, FileRefusal> {
    let text = sample.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let first_line = text.lines().next().unwrap_or("").trim();
    if first_line
        .get(..11)
        .is_some_and(|start| start.eq_ignore_ascii_case("BEGIN:VCARD"))
    {
        return Ok(FileFormat::VCard);
    }
    if name.ends_with(".vcf") || name.ends_with(".vcard") {
        return Err(FileRefusal::NotContacts(
            "This .vcf file does not start with BEGIN:VCARD, so it is not a vCard.".into(),
        ));
    }
    match text.chars().next() {
        Some('{' | '[') => Err(FileRefusal::NotContacts(
            "This looks like JSON. Import takes a CSV file or a vCard (.vcf) file; to move \
             contacts from one Rapport to another, export them as CSV."
                .into(),
        )),
        Some('<') => Err(FileRefusal::NotContacts(
            "This looks like a web page or XML. Import takes a CSV file or a vCard (.vcf) file."
                .into(),
        )),
        _ => Ok(FileFormat::Csv {
            delimiter: sniff_delimiter(text, name.ends_with(".tsv") || name.ends_with(".tab")),
        }),
    }
}

/// The delimiter that splits the header into the most columns while most later records
/// have the same number; a comma when nothing splits (a one-column file).
fn sniff_delimiter(text: &str, prefer_tab: bool) -> u8 {
    let order: [u8; 3] = if prefer_tab {
        [b'\t', b',', b';']
    } else {
        DELIMITERS
    };
    let mut best: Option<(bool, usize, u8)> = None;
    for delimiter in order {
        let counts = field_counts(text, delimiter);
        let Some((&header, rest)) = counts.split_first() else {
            continue;
        };
        if header < 2 {
            continue;
        }
        let same = rest.iter().filter(|&&count| count == header).count();
        let consistent = rest.is_empty() || same * 2 >= rest.len();
        let better = match best {
            None => true,
            Some((best_consistent, best_header, _)) => {
                (consistent, header) > (best_consistent, best_header)
            }
        };
        if better {
            best = Some((consistent, header, delimiter));
        }
    }
    best.map_or(b',', |(_, _, delimiter)| delimiter)
}

/// Cells per record of the first records of `text`, honouring quotes; blank lines skipped.
fn field_counts(text: &str, delimiter: u8) -> Vec<usize> {
    let mut counts = Vec::new();
    let mut in_quotes = false;
    let mut cells = 1;
    let mut blank = true;
    for &byte in text.as_bytes() {
        match byte {
            b'"' => {
                in_quotes = !in_quotes;
                blank = false;
            }
            b'\n' if !in_quotes => {
                if !blank {
                    counts.push(cells);
                    if counts.len() == SNIFF_RECORDS {
                        return counts;
                    }
                }
                cells = 1;
                blank = true;
            }
            b'\r' => {}
            _ if byte == delimiter && !in_quotes => {
                cells += 1;
                blank = false;
            }
            _ => blank = false,
        }
    }
    if !blank {
        counts.push(cells);
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_the_one_that_splits_consistently() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3\n", false), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2;3\n", false), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n", false), b'\t');
        // Commas inside quotes do not count.
        assert_eq!(
            sniff_delimiter("name;note\n\"Ada\";\"a, b, c, d\"\n", false),
            b';'
        );
        // A header only: the one that splits it most.
        assert_eq!(sniff_delimiter("a;b;c", false), b';');
        assert_eq!(sniff_delimiter("email\nada@example.com\n", false), b',');
        // A semicolon in every note of a comma file is not consistent with the header.
        assert_eq!(
            sniff_delimiter("name,note,x\nAda,a;b,1\nBob,c;d,2\n", false),
            b','
        );
        // A .tsv wins ties for tabs.
        assert_eq!(sniff_delimiter("a\tb,c\n1\t2,3\n", true), b'\t');
    }

    #[test]
    fn quoted_newlines_do_not_end_a_record() {
        assert_eq!(
            field_counts("a,b\n\"x\ny\",2\r\n\n3,4", b','),
            vec![2, 2, 2]
        );
    }

    #[test]
    fn formats_are_told_apart_by_their_start() {
        assert_eq!(
            sniff_format("\r\nbegin:vcard\nVERSION:3.0", "x.txt"),
            Ok(FileFormat::VCard)
        );
        assert!(matches!(
            sniff_format("name,email", "x.vcf"),
            Err(FileRefusal::NotContacts(m)) if m.contains("BEGIN:VCARD")
        ));
        assert!(matches!(
            sniff_format("{\"type\":\"item\"}", "x.csv"),
            Err(FileRefusal::NotContacts(m)) if m.contains("JSON")
        ));
        assert!(matches!(
            sniff_format("<html>", "x.csv"),
            Err(FileRefusal::NotContacts(_))
        ));
    }

    #[test]
    fn binary_and_workbooks_are_refused() {
        assert_eq!(refuse_binary(b"a\0b", ""), Err(FileRefusal::Binary));
        assert_eq!(
            refuse_binary(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", ""),
            Err(FileRefusal::Binary)
        );
        assert!(matches!(
            refuse_binary(b"PK\x03\x04rest", ""),
            Err(FileRefusal::NotContacts(m)) if m.contains("CSV")
        ));
        assert!(matches!(
            refuse_binary(b"name", "contacts.xlsx"),
            Err(FileRefusal::NotContacts(_))
        ));
        assert_eq!(
            refuse_binary("name,note\r\n\tÄ,\x0c".as_bytes(), ""),
            Ok(())
        );
    }
}
