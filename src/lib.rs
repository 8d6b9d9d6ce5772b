//! shipgate: a release gate for CI and pre-push.
//!
//! A run is one pipeline, and the modules read as it, each importing only from those after
//! it: where the request comes from, one request, the facts gathered, the judgement, the
//! report. See `docs/architecture.md` for the map in full.
//!
//! - [`entry`]: where a request comes from: the command line, a GitHub Actions event,
//!   GitLab CI's variables, git's pre-push hook. Each builds a plain request and hands
//!   what came of it to the reports; none judges.
//! - `request`: the one request, built from flags over a CI system's context.
//! - `pipeline`: request in, verdict out: the range, the policy in force, the facts, the
//!   judgement.
//! - [`gather`]: facts from outside the process: git, the environment, files on disk, and
//!   the APIs of other services over one HTTP transport.
//! - [`judge`]: the judgement, pure functions of an owned change and a validated policy.
//! - [`report`]: the renderings (text, JSON, GitHub, GitLab, explain), and the output
//!   boundary that every byte leaves through.
//! - `error`, [`escape`] and `names`: leaves that every layer may use: the stable error
//!   codes, the escaping that makes text inert, and the names serde gives enum variants.
//!
//! Only what the binary and the tests in `tests/` use is public.

// Every byte of output goes through `report::output::Output`, where what a renderer let
// through is made inert; stray prints would bypass that.
#![cfg_attr(
    not(test),
    deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)
)]

pub mod entry;
mod error;
pub mod escape;
// The fuzz targets' way in (`fuzz/`): thin entry points over the readers of untrusted
// input, so that no internal type has to be public for them.
#[doc(hidden)]
pub mod fuzzing;
pub mod gather;
pub mod judge;
mod names;
mod pipeline;
pub mod report;
mod request;
