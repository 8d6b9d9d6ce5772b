use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser as _;
use shipgate::entry::cli::{self, Cli};
use shipgate::report::output::Output;

fn main() -> ExitCode {
    shipgate::gather::git::tune_for_one_run();
    // Every byte written from here on goes through `out`, clap's help and version aside.
    let mut out = Output::from_process();
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return cli::usage_error(&mut out, &e, &args),
    };
    let format = cli.format();
    match cli::run(cli, &mut out) {
        Ok(code) => code,
        Err(e) => {
            cli::report_error(&mut out, &e, format);
            ExitCode::from(2)
        }
    }
}
