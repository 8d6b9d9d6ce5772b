use std::process::ExitCode;

use clap::Parser as _;
use shipgate::cli::{self, Cli};
use shipgate::output::Output;

fn main() -> ExitCode {
    // Every byte written from here on goes through `out`. clap prints its own help,
    // version and argument errors, and exits 2 on bad arguments, which matches "could not
    // decide".
    let cli = Cli::parse();
    let mut out = Output::from_process();
    let format = cli.format();
    match cli::run(cli, &mut out) {
        Ok(code) => code,
        Err(e) => {
            cli::report_error(&mut out, &e, format);
            ExitCode::from(2)
        }
    }
}
