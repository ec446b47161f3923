//! For `./scripts/bench`, not the import's API: a generated file and a timed pass of
//! detection, reading and mapping over it (no validation, no database).

use super::{DEFAULT_MAX_BYTES, FileRefusal, ImportReader, detect, row_input, suggest_mapping};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

/// What one pass over a file did.
#[derive(Debug, Clone, Copy)]
pub struct Throughput {
    pub records: u64,
    pub errors: u64,
    pub bytes: u64,
    pub seconds: f64,
}

impl Throughput {
    pub fn records_per_second(&self) -> f64 {
        self.records as f64 / self.seconds.max(f64::EPSILON)
    }
}

/// US area codes for the sample's phones: with the 10,000 line numbers of each, 100,000
/// different numbers, so a sample of up to that many rows is that many new contacts.
const AREAS: [u16; 10] = [201, 202, 203, 205, 206, 207, 208, 209, 210, 212];

/// Writes a Google Contacts-style CSV of `rows` contacts (names, two emails in one cell,
/// a phone, a note with a comma and a quoted newline, a label). Every row is a different
/// contact (up to 100,000 rows; emails stay different beyond).
pub fn write_sample_csv(path: &Path, rows: u64) -> io::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "First Name,Middle Name,Last Name,Nickname,Notes,E-mail 1 - Label,E-mail 1 - Value,\
         Phone 1 - Label,Phone 1 - Value,Organization Name,Labels"
    )?;
    for i in 0..rows {
        let area = AREAS[(i / 10_000) as usize % AREAS.len()];
        writeln!(
            out,
            "Ada{i},,Lovelace,ada{i},\"Met at the fair, row {i}\nsecond line\",* Home,\
             ada{i}@example.com ::: ada{i}@work.example,Mobile,+1 {area} 555 {:04},\
             Engines Ltd,* myContacts",
            i % 10_000
        )?;
    }
    out.flush()
}

/// Detects, opens, reads every record and maps it with the suggested mapping.
pub fn read_and_map(path: &Path) -> Result<Throughput, FileRefusal> {
    let started = Instant::now();
    let detected = detect(path, None, DEFAULT_MAX_BYTES)?;
    let mut reader = ImportReader::open(path, &detected)?;
    let headers = reader.headers().to_vec();
    let mapping = suggest_mapping(reader.layout(), &headers);
    let (mut records, mut errors) = (0, 0);
    while let Some(record) = reader.next_record() {
        records += 1;
        match record {
            Ok(record) if row_input(&record, &headers, &mapping).is_ok() => {}
            _ => errors += 1,
        }
    }
    Ok(Throughput {
        records,
        errors,
        bytes: reader.byte_position(),
        seconds: started.elapsed().as_secs_f64(),
    })
}
