//! The edges that fill a [`crate::judge::change::Change`]: git, the CI system's environment and
//! event, and the GitHub API.

pub mod event;
pub mod git;
pub mod github;
pub mod gitlab;
pub mod renames;

use std::collections::BTreeMap;
use std::ffi::OsString;

use anyhow::{Result, anyhow};

use crate::error::Code;
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

/// A full object name as CI systems and git's hook protocol write it: 40 hex digits
/// (SHA-1) or 64 (SHA-256). Abbreviations are refused: a short one could name another
/// object, and nobody who speaks for a CI system writes one.
pub fn is_object_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The all-zero id by which git and CI systems say "no commit" (a new or deleted ref).
pub fn is_zero_id(id: &str) -> bool {
    id.bytes().all(|b| b == b'0')
}

/// The most bytes a variable's value may hold: revisions, refs, paths, tokens, inputs.
/// A path is at most 4,095 bytes on Linux.
const MAX_VALUE_BYTES: usize = 4 * 1024;
/// A list of label names (comma-separated).
const MAX_LIST_BYTES: usize = 64 * 1024;
/// A merge request's description: the cap of `--body-file`.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The cap on the value of variable `name`: the longer texts that CI systems pass by
/// name, else [`MAX_VALUE_BYTES`].
pub fn value_cap(name: &str) -> usize {
    match name {
        "CI_MERGE_REQUEST_DESCRIPTION" => MAX_BODY_BYTES,
        "CI_MERGE_REQUEST_LABELS" | "SHIPGATE_LABELS" => MAX_LIST_BYTES,
        _ => MAX_VALUE_BYTES,
    }
}

/// The process environment, read once. CI systems speak through it, and tests hand a
/// made-up one to the code that reads it.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<OsString, OsString>,
}

impl Env {
    pub fn from_process() -> Env {
        Env {
            vars: std::env::vars_os().collect(),
        }
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Env {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The value of `name`; `None` when unset or empty, since CI systems and the Actions
    /// runner pass an unset input as an empty variable. A value over its cap
    /// ([`value_cap`]) is an error naming the variable, never cut short.
    pub fn get(&self, name: &str) -> Result<Option<&str>> {
        let value = match self.vars.get(std::ffi::OsStr::new(name)) {
            None => return Ok(None),
            Some(v) if v.is_empty() => return Ok(None),
            Some(v) => v,
        };
        let cap = value_cap(name);
        if value.len() > cap {
            return Err(Code::BadEnvironment.tag(anyhow!(
                "environment variable {name} is {} bytes, over its cap of {}; no CI system sets \
                 a value that long there: check the job's variables and inputs",
                value.len(),
                crate::file::size(cap as u64)
            )));
        }
        match value.to_str() {
            Some(s) => Ok(Some(s)),
            None => Err(Code::BadEnvironment.tag(anyhow!(
                "environment variable {name} is not UTF-8 text; set it to UTF-8"
            ))),
        }
    }

    /// Whether `name` is set to `true` (as CI systems set `CI`, `GITHUB_ACTIONS`, `GITLAB_CI`).
    pub fn is_true(&self, name: &str) -> bool {
        matches!(self.get(name), Ok(Some("true")))
    }
}
