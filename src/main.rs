//! The `rapport` executable: see `rapport --help`.

use clap::Parser;
use rapport::cli::{self, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    rapport::telemetry::init();
    let cli = Cli::parse();
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rapport: {message}");
            ExitCode::FAILURE
        }
    }
}
