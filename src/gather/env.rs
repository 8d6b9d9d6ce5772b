//! The process environment, read once and capped: CI systems speak through it, and tests
//! hand a made-up one to the code that reads it.

use std::collections::BTreeMap;
use std::ffi::OsString;

use anyhow::{Result, anyhow};

use crate::error::Code;

/// The most bytes a variable's value may hold: revisions, refs, paths, tokens, inputs.
/// A path is at most 4,095 bytes on Linux.
const MAX_VALUE_BYTES: usize = 4 * 1024;
/// A list of label names (comma-separated).
const MAX_LIST_BYTES: usize = 64 * 1024;
/// A merge request's description: the cap of `--body-file`.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The cap on the value of variable `name`: the longer texts that CI systems pass by
/// name, else [`MAX_VALUE_BYTES`].
pub(crate) fn value_cap(name: &str) -> usize {
    match name {
        "CI_MERGE_REQUEST_DESCRIPTION" => MAX_BODY_BYTES,
        "CI_MERGE_REQUEST_LABELS" | "SHIPGATE_LABELS" => MAX_LIST_BYTES,
        _ => MAX_VALUE_BYTES,
    }
}

/// The process environment, read once. CI systems speak through it, and tests hand a
/// made-up one to the code that reads it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    vars: BTreeMap<OsString, OsString>,
}

impl Env {
    pub(crate) fn from_process() -> Env {
        Env {
            vars: std::env::vars_os().collect(),
        }
    }

    #[cfg(test)]
    pub(crate) fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Env {
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
    pub(crate) fn get(&self, name: &str) -> Result<Option<&str>> {
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
                super::disk::size(cap as u64)
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
    pub(crate) fn is_true(&self, name: &str) -> bool {
        matches!(self.get(name), Ok(Some("true")))
    }
}
