//! The report: every rendering of a verdict, and the one way out for every byte shipgate
//! writes.
//!
//! Every byte that shipgate prints about a change goes through a renderer here, which is
//! where text that came from strangers (paths, messages, labels, bodies) is escaped for
//! the place it is going.

pub(crate) mod audit;
pub(crate) mod explain;
pub mod github;
pub(crate) mod gitlab;
pub(crate) mod json;
pub mod output;
pub(crate) mod slack;
pub(crate) mod text;

/// How to render a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people; coloured on a terminal unless NO_COLOR is set.
    Text,
    /// The report as JSON (schema 1).
    Json,
    /// Workflow commands for GitHub Actions: the report, annotations, step summary and
    /// outputs (the default under GitHub Actions).
    Github,
    /// A GitLab Code Quality report (JSON) on stdout; the text report on stderr.
    Gitlab,
}
