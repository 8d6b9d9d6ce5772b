//! Where a request comes from: the command line ([`cli`]), a GitHub Actions event
//! ([`github`]), GitLab CI's variables ([`gitlab`]), and git's pre-push hook
//! ([`pre_push`], [`hook_install`]). Each turns its own input into a plain
//! [`crate::request::Request`], runs it through the pipeline, and hands what came of it to
//! the reports; none of them judges.

pub mod cli;
pub(crate) mod github;
pub(crate) mod gitlab;
pub(crate) mod heads_up;
pub(crate) mod hook_install;
pub(crate) mod pre_push;

use std::path::PathBuf;

use crate::judge::verdict::Report;
use crate::report::Format;

/// What a check came to.
pub(crate) enum Outcome {
    Judged(Box<Report>),
    /// The event has no change to judge (a deleted branch or tag); why.
    Nothing(String),
}

/// A check's outcome and what else its caller must show.
pub(crate) struct Checked {
    pub(crate) outcome: Outcome,
    pub(crate) format: Format,
    /// Problems that did not stop the check (a comment that could not be posted).
    pub(crate) warnings: Vec<String>,
    /// `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`, when running as a workflow step.
    pub(crate) output_file: Option<PathBuf>,
    pub(crate) summary_file: Option<PathBuf>,
    /// The repository judged, for what a report format looks up at head.
    pub(crate) repo: PathBuf,
}

impl Checked {
    /// An outcome with nothing else to show.
    pub(crate) fn new(outcome: Outcome, format: Format, repo: PathBuf) -> Checked {
        Checked {
            outcome,
            format,
            warnings: Vec::new(),
            output_file: None,
            summary_file: None,
            repo,
        }
    }
}
