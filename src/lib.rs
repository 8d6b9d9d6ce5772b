//! shipgate: a release gate for CI and pre-push.
//!
//! The core (`classify`, `check`) is a pure function of a [`change::Change`] and a
//! [`policy::Policy`]; the edges (`source`) build the change from git, and `report`
//! renders the verdict.

// Every byte of output goes through `output::Output`, where what a renderer let through is
// made inert; stray prints would bypass that.
#![cfg_attr(
    not(test),
    deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)
)]

pub mod entry;
pub mod error;
pub mod escape;
pub mod gather;
pub mod judge;
pub mod pipeline;
pub mod report;
pub mod request;

// report/github/runner.rs is compiled into tests/streams.rs too, where the set of
// characters it treats as ignorable is `crate::output::hidden`; this is that path here.
#[cfg(test)]
use escape as output;
