//! Writes the sample contacts file `./scripts/bench` imports:
//! `cargo run --release --example import_sample -- PATH ROWS`.
//! A Google Contacts-style CSV where every row is a new contact (see
//! `rapport::domain::import::bench::write_sample_csv`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(rows)) = (args.next(), args.next()) else {
        eprintln!("usage: import_sample PATH ROWS");
        return ExitCode::FAILURE;
    };
    let Ok(rows) = rows.parse::<u64>() else {
        eprintln!("import_sample: ROWS must be a number, not {rows:?}");
        return ExitCode::FAILURE;
    };
    match rapport::domain::import::bench::write_sample_csv(std::path::Path::new(&path), rows) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("import_sample: {path}: {error}");
            ExitCode::FAILURE
        }
    }
}
