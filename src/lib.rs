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
pub mod output;
pub mod pipeline;
pub mod report;
pub mod request;
