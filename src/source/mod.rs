//! The edges that fill a [`crate::judge::change::Change`]: git, the CI system's environment and
//! event, and the GitHub API.

pub mod event;
pub mod gitlab;

use crate::gate::Base;

/// What a CI system says about the change. `check` fills each flag the user did not
/// give from it; an explicit flag always wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CiContext {
    /// Which system spoke, for notes and errors: `GitHub Actions`, `GitLab CI`.
    pub system: &'static str,
    pub base: Option<Base>,
    pub head: Option<String>,
    /// `None` when the system says nothing about labels.
    pub labels: Option<Vec<String>>,
    pub body: Option<String>,
    /// Tags being pushed or released (judged like tags at head).
    pub tags: Vec<String>,
    /// Worth saying in the report, e.g. which event decided the range.
    pub notes: Vec<String>,
    /// Full ref names of the default branch's tip as the system knows it, tried in order
    /// ([`crate::gate::Request::default_branch`]); `None` when the system names none,
    /// `Some` empty when there is none to trust (a push that creates the default branch).
    pub default_branch: Option<Vec<String>>,
}
