//! Where a request comes from: the command line ([`cli`]), a GitHub Actions event
//! ([`github`]), GitLab CI's variables ([`gitlab`]), and git's pre-push hook
//! ([`pre_push`], [`hook_install`]). Each turns its own input into a plain
//! [`crate::request::Request`], runs it through the pipeline, and hands what came of it to
//! the reports; none of them judges.

pub mod cli;
pub mod github;
pub mod gitlab;
pub mod hook_install;
pub mod pre_push;

use std::path::PathBuf;

use crate::judge::verdict::Report;
use crate::report::Format;

/// What a check came to.
pub enum Outcome {
    Judged(Box<Report>),
    /// The event has no change to judge (a deleted branch or tag); why.
    Nothing(String),
}

/// A check's outcome and what else its caller must show.
pub struct Checked {
    pub outcome: Outcome,
    pub format: Format,
    /// Problems that did not stop the check (a comment that could not be posted).
    pub warnings: Vec<String>,
    /// `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`, when running as a workflow step.
    pub output_file: Option<PathBuf>,
    pub summary_file: Option<PathBuf>,
    /// The repository judged, for what a report format looks up at head.
    pub repo: PathBuf,
}

impl Checked {
    /// An outcome with nothing else to show.
    pub fn new(outcome: Outcome, format: Format, repo: PathBuf) -> Checked {
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
