use std::process::ExitCode;

use clap::Parser as _;
use shipgate::cli::{Cli, run};

fn main() -> ExitCode {
    // clap exits 2 on bad arguments itself, which matches "could not decide".
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            shipgate::report_error(&e);
            ExitCode::from(2)
        }
    }
}
