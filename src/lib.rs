//! shipgate: a release gate for CI and pre-push.
//!
//! The core (`classify`, `check`) is a pure function of a [`change::Change`] and a
//! [`policy::Policy`]; the edges (`source`) build the change from git, and `report`
//! renders the verdict.

pub mod change;
pub mod check;
pub mod classify;
pub mod cli;
pub mod explain;
pub mod gate;
pub mod manifest;
pub mod policy;
pub mod registry;
pub mod report;
pub mod source;
pub mod trailers;
pub mod yaml;

/// Prints an error that stopped a command, with its causes, to stderr.
pub fn report_error(error: &anyhow::Error) {
    use std::io::Write as _;
    let mut err = anstream::stderr().lock();
    let _ = writeln!(err, "error: {error:#}");
}
