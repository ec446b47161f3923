//! "Download invalid rows (CSV)": the invalid rows of an import's file, as they were, with
//! the row number first and the reasons last. Made by reading the file again with the
//! job's mapping (a row's validity depends on the row alone), so nothing is stored per row;
//! it works for as long as the upload is kept. Cells that a spreadsheet would run as a
//! formula are neutralised.

use super::ImportParameters;
use super::rows::Rows;
use crate::domain::PhoneRegion;
use crate::domain::spreadsheet::spreadsheet_safe;
use std::io::Write;
use std::path::Path;

/// Writes the CSV of the import's `file` (see [`super::source_file`]) to `out`; returns how
/// many invalid rows it holds.
pub fn write(
    file: &Path,
    params: &ImportParameters,
    region: PhoneRegion,
    out: impl Write,
) -> Result<u64, String> {
    let mut rows = Rows::open(file, &params.detected, &params.mapping, region)?;
    let mut writer = csv::Writer::from_writer(out);
    let mut header = vec!["row".to_string()];
    header.extend(
        rows.headers()
            .iter()
            .map(|h| spreadsheet_safe(h).into_owned()),
    );
    header.push("reason".into());
    writer.write_record(&header).map_err(|e| e.to_string())?;
    let mut written = 0;
    while let Some(row) = rows.next_row() {
        let Err(problems) = &row.contact else {
            continue;
        };
        let reason = problems
            .iter()
            .map(|problem| {
                if problem.column.is_empty() {
                    problem.message.clone()
                } else {
                    format!("{}: {}", problem.column, problem.message)
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        let mut record = vec![row.number.to_string()];
        record.extend(row.values.iter().map(|v| spreadsheet_safe(v).into_owned()));
        // A record that could not be read has no cells: pad, so the reason stays last.
        record.resize(header.len() - 1, String::new());
        record.push(spreadsheet_safe(&reason).into_owned());
        writer.write_record(&record).map_err(|e| e.to_string())?;
        written += 1;
    }
    writer.flush().map_err(|e| e.to_string())?;
    Ok(written)
}
