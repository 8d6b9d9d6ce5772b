//! Thin entry points for the fuzz targets in `fuzz/` (see `fuzz/README.md`). Each runs one
//! reader of untrusted input exactly as a run does and hands back plain values, so that a
//! target can check the reader's promises (no panic, located errors, values within their
//! caps, a stable result) without the crate making its internals public. Not an API:
//! nothing but `fuzz/` may use it, and it changes with the readers.

use std::sync::OnceLock;

use crate::entry::github::event::{self, GithubRun, Payload};
use crate::entry::pre_push;
use crate::error::Code;
use crate::judge::change::{Change, Commit};
use crate::judge::manifest::{self, Kind};
use crate::judge::policy::{Chain, Parent, Policy, PolicyErrors};
use crate::judge::registry::Registry;
use crate::judge::{requirements, stage, trailers};
use crate::names::name;
use crate::request::Base;

/// The name problems in a fuzzed file are reported under.
pub const ORIGIN: &str = "fuzz.yml";

/// One problem of a YAML file shipgate validates: where (line and column, when it has a
/// place) and the line a user reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub pos: Option<(u64, u64)>,
    pub shown: String,
}

/// One requirement as the judgement left it: id, `satisfied` or `missing`, and the hint.
pub type Judged = (String, &'static str, Option<String>);

/// A policy's text: every requirement of every stage, judged on a change that carries
/// nothing (forced into each stage in turn) and on one that carries a signal of each kind,
/// or every problem of the file.
pub fn policy(text: &str) -> Result<Vec<Judged>, Vec<Problem>> {
    let problems = |errors: PolicyErrors| {
        errors
            .errors
            .errors
            .iter()
            .map(|e| Problem {
                pos: e.pos.map(|p| (p.line, p.column)),
                shown: e.to_string(),
            })
            .collect::<Vec<_>>()
    };
    let mut chain = Chain::new();
    let builtin = match chain
        .add(ORIGIN.to_owned(), text.to_owned())
        .map_err(problems)?
    {
        Parent::Builtin => true,
        Parent::Nothing => false,
        // A file that extends another file is read and checked up to there; what it
        // extends is read by the gatherer, which a fuzzed text does not reach.
        _ => return Ok(Vec::new()),
    };
    let policy = chain.finish(builtin).map_err(problems)?.policy;
    let mut changes: Vec<Change> = policy
        .stages
        .iter()
        .map(|s| Change {
            forced_stage: Some(s.name.clone()),
            ..Change::default()
        })
        .collect();
    let trailer = &policy.signals.trailer;
    changes.push(Change {
        labels: vec!["release:full".to_owned(), "shipgate:skip".to_owned()],
        tags: vec!["v1.2.3".to_owned()],
        commits: vec![Commit::new(
            "0".repeat(40),
            format!("Ship\n\n{trailer}: full\nDocs: x\n"),
        )],
        body: Some("Docs: x\n- [x] Marketing notified\n".to_owned()),
        ..Change::default()
    });
    let mut judged = Vec::new();
    for change in &changes {
        // A signal naming no stage is an error for the run, not a verdict.
        let Ok(class) = stage::classify(change, &policy) else {
            continue;
        };
        for r in requirements::evaluate(change, &class, &policy).requirements {
            judged.push((r.id, name(&r.status), r.hint));
        }
    }
    Ok(judged)
}

/// A flag registry's text, read against the built-in flag stages: each flag's key and
/// stage, or every problem of the file.
pub fn registry(text: &str) -> Result<Vec<(String, Option<String>)>, Vec<Problem>> {
    // Read once: parsing the built-in policy for every input would be most of the work.
    static STAGES: OnceLock<Vec<String>> = OnceLock::new();
    let stages = STAGES.get_or_init(|| Policy::builtin().flag_registry.stages);
    match Registry::parse(text, ORIGIN, stages) {
        Ok(registry) => Ok(registry.keys().into_iter().collect()),
        Err(errors) => Err(errors
            .errors
            .iter()
            .map(|e| Problem {
                pos: e.pos.map(|p| (p.line, p.column)),
                shown: e.to_string(),
            })
            .collect()),
    }
}

/// A commit message's trailers as `(key, value)`.
pub fn trailers(message: &str) -> Vec<(String, String)> {
    trailers::parse(message)
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect()
}

/// The manifest kinds, in the order `manifest` picks them by.
pub const MANIFESTS: [&str; 4] = ["Cargo.toml", "package.json", "pyproject.toml", "VERSION"];

/// Why a manifest's version could not be read, as `judge::manifest` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestProblem {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub unlocated: String,
}

/// The version that `bytes`, as the manifest `MANIFESTS[kind % 4]`, declares.
pub fn manifest(kind: u8, bytes: &[u8]) -> Result<Option<semver::Version>, ManifestProblem> {
    let file = MANIFESTS[usize::from(kind) % MANIFESTS.len()];
    let kind = Kind::from_file_name(file).expect("MANIFESTS holds the kinds' file names");
    manifest::version(kind, bytes).map_err(|e| ManifestProblem {
        line: e.line,
        column: e.column,
        message: e.message,
        unlocated: e.unlocated,
    })
}

/// git's pre-push stdin: `[local ref, local sha, remote ref, remote sha]` per line, or the
/// error a user reads.
pub fn pre_push(stdin: &str) -> Result<Vec<[String; 4]>, String> {
    pre_push::parse_refs(stdin)
        .map(|updates| {
            updates
                .into_iter()
                .map(|u| [u.local_ref, u.local_sha, u.remote_ref, u.remote_sha])
                .collect()
        })
        .map_err(|e| format!("{e:#}"))
}

/// The file name event errors name.
pub const EVENT_PATH: &str = "event.json";

/// What a GitHub Actions event's payload says of the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `rev`, `previous-release` (the tag), `root` or `upstream`, with its value.
    pub base: Option<(&'static str, String)>,
    pub head: Option<String>,
    pub labels: Option<Vec<String>>,
    pub body: Option<String>,
    pub tags: Vec<String>,
    pub pull: Option<u64>,
    pub queued: Option<u64>,
    pub stage: Option<String>,
    pub nothing_to_check: Option<String>,
}

/// The payload of a `GITHUB_EVENT_NAME` event, read as `GITHUB_EVENT_PATH` is: the request
/// parts, or the error code (`bad-event`, `unsupported-event`) and message.
pub fn github_event(event_name: &str, payload: &[u8]) -> Result<Event, (&'static str, String)> {
    let value: serde_json::Value = serde_json::from_slice(payload)
        .map_err(|e| ("bad-event", format!("{EVENT_PATH}: not valid JSON: {e}")))?;
    let mut run = GithubRun::default();
    let payload = Payload {
        path: EVENT_PATH,
        value: &value,
    };
    event::from_payload(&mut run, event_name, &payload, Some("f".repeat(40))).map_err(|e| {
        let e = Code::BadEvent.tag_untagged(e);
        (name(&Code::of(&e)), format!("{e:#}"))
    })?;
    let ctx = run.context;
    Ok(Event {
        base: ctx.base.map(|b| match b {
            Base::Rev(rev) => ("rev", rev),
            Base::PreviousRelease { tag } => ("previous-release", tag),
            Base::Root => ("root", String::new()),
            Base::Upstream => ("upstream", String::new()),
        }),
        head: ctx.head,
        labels: ctx.labels,
        body: ctx.body,
        tags: ctx.tags,
        pull: run.pull.map(|p| p.number),
        queued: run.queued,
        stage: run.inputs.stage,
        nothing_to_check: run.nothing_to_check,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_policy_judges_every_stage_and_every_signal() {
        let judged = policy(crate::judge::policy::BUILTIN_YAML).unwrap();
        // merge requires nothing; beta warns of four, full requires four, and the change
        // with a signal of each kind is a full release.
        assert_eq!(judged.len(), 12);
        for (id, status, hint) in &judged {
            assert_eq!(*status == "missing", hint.is_some(), "{id}");
        }
        let problems = policy("version: 2\n").unwrap_err();
        assert_eq!(problems[0].pos, Some((1, 10)));
        assert!(
            problems[0].shown.starts_with("fuzz.yml:1:10: "),
            "{problems:?}"
        );
    }

    /// The first input the policy target found: a file that extends a shared policy
    /// once panicked here, where a run reads the shared file instead.
    #[test]
    fn a_policy_that_extends_a_file_is_read_up_to_there() {
        let text = "extends: github:acme/policies/shipgate.yml@3f7c2a1d0b9e8f7a6c5d4e3b2a1f0e9d8c7b6a5f\n\
                    requirements:\n  docs: {paths: [\"site/**\"]}\n";
        assert_eq!(policy(text).unwrap(), Vec::new());
        let problems = policy("extends: github:acme\n").unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].shown.starts_with("fuzz.yml:1:"), "{problems:?}");
        let problems = policy("extends: none\n").unwrap_err();
        assert!(
            problems[0].shown.contains("the policy has no stages"),
            "{problems:?}"
        );
    }

    #[test]
    fn event_errors_say_what_the_run_would() {
        let unsupported = github_event("issue_comment", b"{}").unwrap_err();
        assert_eq!(unsupported.0, "unsupported-event");
        let (code, message) = github_event("push", br#"{"ref": 1}"#).unwrap_err();
        assert_eq!(code, "bad-event");
        assert_eq!(
            message,
            "event.json: `ref` in the event payload is a number, not a string"
        );
        assert_eq!(github_event("push", b"{").unwrap_err().0, "bad-event");
    }
}
