//! shipgate: a release gate for CI and pre-push.
//!
//! The core (`classify`, `check`) is a pure function of a [`change::Change`] and a
//! [`policy::Policy`]; the edges (`source`) build the change from git, and `report`
//! renders the verdict.

// Every byte of output goes through a renderer or `cli::print`, where untrusted text is
// escaped; stray prints would bypass that.
#![cfg_attr(
    not(test),
    deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)
)]

pub mod change;
pub mod check;
pub mod ci;
pub mod classify;
pub mod cli;
pub mod explain;
pub mod file;
pub mod gate;
pub mod hook;
pub mod manifest;
pub mod policy;
pub mod registry;
pub mod report;
pub mod source;
pub mod trailers;
pub mod yaml;

/// An error that stopped a command, with its causes, as `error: ...` lines. Messages quote
/// text from the change (trailer values, flag keys, ref names), so it is escaped like a
/// report.
pub fn error_text(error: &anyhow::Error) -> String {
    let text = format!("{error:#}");
    let lines: Vec<_> = text.lines().map(report::text::clean).collect();
    format!("error: {}\n", lines.join("\n"))
}

/// Prints an error that stopped a command to stderr ([`error_text`]).
pub fn report_error(error: &anyhow::Error) {
    use std::io::Write as _;
    let text = format!("{error:#}");
    let mut err = anstream::stderr().lock();
    let _ = err.write_all(error_text(error).as_bytes());
    // On a workflow run the error also becomes an annotation, shown on the run's page.
    if std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(report::github::error_command(&text).as_bytes());
        let _ = out.flush();
    }
}
