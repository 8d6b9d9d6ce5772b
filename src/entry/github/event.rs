//! GitHub Actions: the inputs (`INPUT_*`), the runner's variables (`GITHUB_*`) and the
//! event payload (`GITHUB_EVENT_PATH`), turned into what a check needs.
//!
//! The payload is the event as GitHub sent it when the run started. Labels and the body
//! of a pull request may have changed since (a re-run reuses the old payload), which is
//! why the caller asks the API for them again when it has a token.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use serde_json::Value;

use crate::error::{Code, Tag as _};
use crate::gather::disk::{self, Spec, Symlinks};
use crate::gather::env::Env;
use crate::gather::git::{is_object_id, is_zero_id};
use crate::gather::github::{DEFAULT_API_URL, DEFAULT_SERVER_URL};
use crate::judge::change::Author;
use crate::request::{Base, CiContext};

/// The most bytes a string taken from the payload may hold: revisions, ref and branch
/// names, label names, stage names, workflow inputs. Git refs and paths stay far below it.
const MAX_VALUE_BYTES: usize = 4 * 1024;
/// A pull request's body: 65,536 characters at most on GitHub; the cap of `--body-file`.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Labels on one pull request; far more than any carries.
const MAX_LABELS: usize = 1000;

/// Everything a run under GitHub Actions knows before it opens the repository.
#[derive(Debug, Clone, Default)]
pub(crate) struct GithubRun {
    /// `GITHUB_EVENT_NAME`.
    pub(crate) event: String,
    pub(crate) context: CiContext,
    /// The pull request the event is about, if any.
    pub(crate) pull: Option<Pull>,
    /// On `merge_group`: the number of the pull request that the queue entry merges, whose
    /// labels and body its `pull_request` runs judged.
    pub(crate) queued: Option<u64>,
    pub(crate) inputs: Inputs,
    /// `GITHUB_WORKSPACE`: where the runner checked the repository out.
    pub(crate) workspace: Option<PathBuf>,
    /// `GITHUB_API_URL`, `GITHUB_SERVER_URL` and `GITHUB_REPOSITORY` (`owner/name`).
    pub(crate) api_url: String,
    pub(crate) server_url: String,
    pub(crate) repository: Option<String>,
    /// `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`: files the runner reads after the step.
    pub(crate) output_file: Option<PathBuf>,
    pub(crate) summary_file: Option<PathBuf>,
    /// Why there is nothing to judge (a deleted branch or tag), if so.
    pub(crate) nothing_to_check: Option<String>,
    /// For a push: the `before` commit and whether the push was forced, to explain a
    /// `before` that the clone lacks.
    pub(crate) push_before: Option<(String, bool)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pull {
    pub(crate) number: u64,
    /// The head lives in another repository, whose token GitHub makes read-only.
    pub(crate) from_fork: bool,
}

/// The action's inputs (`action.yml`), as the runner passes them: `INPUT_<NAME>`, upper
/// case, with a hyphen kept as it is (`INPUT_WORKING-DIRECTORY`). An empty input is unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Inputs {
    pub(crate) config: Option<String>,
    pub(crate) stage: Option<String>,
    pub(crate) base: Option<String>,
    pub(crate) head: Option<String>,
    pub(crate) token: Option<String>,
    pub(crate) comment: bool,
    pub(crate) working_directory: Option<String>,
}

impl Inputs {
    pub(crate) fn from_env(env: &Env) -> Result<Inputs> {
        Ok(Inputs {
            config: input(env, "config")?,
            stage: input(env, "stage")?,
            base: input(env, "base")?,
            head: input(env, "head")?,
            token: input(env, "token")?,
            comment: match input(env, "comment")? {
                None => false,
                Some(v) => boolean(&v)?,
            },
            working_directory: input(env, "working-directory")?,
        })
    }
}

/// One input under either spelling: the runner keeps hyphens (`INPUT_WORKING-DIRECTORY`),
/// while a user setting `env:` by hand can only write underscores in most shells.
fn input(env: &Env, name: &str) -> Result<Option<String>> {
    let upper = name.to_ascii_uppercase();
    let hyphen = format!("INPUT_{upper}");
    let underscore = format!("INPUT_{}", upper.replace('-', "_"));
    let a = env.get(&hyphen)?;
    let b = if underscore == hyphen {
        None
    } else {
        env.get(&underscore)?
    };
    match (a, b) {
        (Some(a), Some(b)) if a.trim() != b.trim() => bail!(
            "input `{name}` is given twice with different values ({hyphen} and {underscore}); set one"
        ),
        (a, b) => Ok(a
            .or(b)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())),
    }
}

/// Booleans as the Actions toolkit's `getBooleanInput` reads them (YAML 1.2 core schema).
fn boolean(value: &str) -> Result<bool> {
    match value {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        other => {
            bail!("input `comment` is `{other}`, which is not a boolean; use `true` or `false`")
        }
    }
}

/// Reads the run's environment when `GITHUB_ACTIONS=true`; `Ok(None)` elsewhere.
pub(crate) fn detect(env: &Env) -> Result<Option<GithubRun>> {
    if !env.is_true("GITHUB_ACTIONS") {
        return Ok(None);
    }
    let event = env
        .get("GITHUB_EVENT_NAME")?
        .ok_or_else(|| {
            anyhow!("GITHUB_ACTIONS is true but GITHUB_EVENT_NAME is not set; run shipgate as a workflow step, or unset GITHUB_ACTIONS and pass --base")
        })
        .code(Code::BadEnvironment)?
        .to_owned();
    let path = env
        .get("GITHUB_EVENT_PATH")?
        .ok_or_else(|| {
            anyhow!("GITHUB_EVENT_PATH is not set, so the `{event}` event cannot be read; run shipgate as a workflow step")
        })
        .code(Code::BadEnvironment)?;
    let payload = read_payload(Path::new(path))?;
    let mut run = GithubRun {
        inputs: Inputs::from_env(env)?,
        workspace: env.get("GITHUB_WORKSPACE")?.map(PathBuf::from),
        api_url: env
            .get("GITHUB_API_URL")?
            .unwrap_or(DEFAULT_API_URL)
            .trim_end_matches('/')
            .to_owned(),
        server_url: env
            .get("GITHUB_SERVER_URL")?
            .unwrap_or(DEFAULT_SERVER_URL)
            .trim_end_matches('/')
            .to_owned(),
        repository: env.get("GITHUB_REPOSITORY")?.map(str::to_owned),
        output_file: env.get("GITHUB_OUTPUT")?.map(PathBuf::from),
        summary_file: env.get("GITHUB_STEP_SUMMARY")?.map(PathBuf::from),
        ..GithubRun::default()
    };
    let sha = env.get("GITHUB_SHA")?.map(str::to_owned);
    from_payload(
        &mut run,
        &event,
        &Payload {
            path,
            value: &payload,
        },
        sha,
    )
    .code_unless_tagged(Code::BadEvent)?;
    run.event = event;
    run.context.system = "GitHub Actions";
    Ok(Some(run))
}

fn read_payload(path: &Path) -> Result<Value> {
    let spec = Spec {
        what: "the event payload (GITHUB_EVENT_PATH)",
        cap: disk::EVENT_CAP,
        links: Symlinks::Follow,
        fix: "GITHUB_EVENT_PATH must name the event file that the runner writes for the step, \
              a regular JSON file of at most 25 MiB",
    };
    let bytes = disk::read(path, &spec)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| {
            anyhow!(
                "{}:{}:{}: the event payload is not valid JSON: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })
        .code(Code::BadEvent)
}

/// The payload with its file name, so that a missing field is named with where it was
/// looked for.
pub(crate) struct Payload<'a> {
    pub(crate) path: &'a str,
    pub(crate) value: &'a Value,
}

impl Payload<'_> {
    fn get(&self, field: &str) -> Option<&Value> {
        field
            .split('.')
            .try_fold(self.value, |v, key| v.get(key))
            .filter(|v| !v.is_null())
    }

    fn str(&self, field: &str) -> Result<&str> {
        self.opt_str(field)?
            .ok_or_else(|| anyhow!("{}: the event payload has no `{field}`", self.path))
    }

    fn opt_str(&self, field: &str) -> Result<Option<&str>> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => {
                let cap = if field.ends_with(".body") {
                    MAX_BODY_BYTES
                } else {
                    MAX_VALUE_BYTES
                };
                self.capped(field, s.len(), cap, "bytes")?;
                Ok(Some(s))
            }
            Some(other) => bail!(
                "{}: `{field}` in the event payload is {}, not a string",
                self.path,
                kind(other)
            ),
        }
    }

    fn bool(&self, field: &str) -> Result<bool> {
        match self.get(field) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => bail!(
                "{}: `{field}` in the event payload is {}, not true or false",
                self.path,
                kind(other)
            ),
        }
    }

    fn sha(&self, field: &str) -> Result<String> {
        let sha = self.str(field)?;
        if !is_object_id(sha) {
            bail!(
                "{}: `{field}` in the event payload is `{sha}`, not a commit id (40 or 64 hex digits)",
                self.path
            );
        }
        Ok(sha.to_owned())
    }

    /// Refuses a value over its cap, naming the field, rather than cut it: a cut value
    /// would be judged as something it is not.
    fn capped(&self, field: &str, len: usize, cap: usize, unit: &str) -> Result<()> {
        if len > cap {
            let cap = if unit == "bytes" {
                disk::size(cap as u64)
            } else {
                format!("{cap} {unit}")
            };
            bail!(
                "{}: `{field}` in the event payload is {len} {unit}, over its cap of {cap}; \
                 GitHub sends nothing that long there (a revision, a ref, a label or a stage \
                 name; a pull request's body is at most 65,536 characters): check what wrote \
                 the payload or the workflow's inputs",
                self.path
            );
        }
        Ok(())
    }

    /// `labels[].name` of an issue or pull request.
    fn labels(&self, field: &str) -> Result<Vec<String>> {
        let Some(labels) = self.get(field) else {
            return Ok(Vec::new());
        };
        let Value::Array(items) = labels else {
            bail!(
                "{}: `{field}` in the event payload is {}, not a list",
                self.path,
                kind(labels)
            );
        };
        self.capped(field, items.len(), MAX_LABELS, "labels")?;
        items
            .iter()
            .enumerate()
            .map(|(i, label)| match label.get("name") {
                Some(Value::String(name)) => {
                    self.capped(
                        &format!("{field}[{i}].name"),
                        name.len(),
                        MAX_VALUE_BYTES,
                        "bytes",
                    )?;
                    Ok(name.clone())
                }
                _ => bail!(
                    "{}: `{field}[{i}].name` in the event payload is missing or not a string",
                    self.path
                ),
            })
            .collect()
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn from_payload(
    run: &mut GithubRun,
    event: &str,
    payload: &Payload<'_>,
    github_sha: Option<String>,
) -> Result<()> {
    let ctx = &mut run.context;
    // Only a pull request has an author to match; a push or a release has none here.
    ctx.author = Author::Unknown;
    match event {
        "pull_request" | "pull_request_target" => {
            let number = match payload.get("pull_request.number") {
                Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64().unwrap_or(0),
                _ => bail!(
                    "{}: the `{event}` event payload has no `pull_request.number`",
                    payload.path
                ),
            };
            ctx.base = Some(Base::Rev(payload.sha("pull_request.base.sha")?));
            ctx.head = Some(payload.sha("pull_request.head.sha")?);
            ctx.labels = Some(payload.labels("pull_request.labels")?);
            ctx.body = payload.opt_str("pull_request.body")?.map(str::to_owned);
            ctx.draft = payload.bool("pull_request.draft")?;
            // A deleted account has no user; GitHub shows it as `ghost`, which no bot is.
            ctx.author = payload
                .opt_str("pull_request.user.login")?
                .map_or(Author::Unknown, |login| Author::Login(login.to_owned()));
            // A fork whose repository was deleted has `head.repo: null`: still a fork.
            let head_repo = payload.opt_str("pull_request.head.repo.full_name")?;
            let base_repo = payload.opt_str("pull_request.base.repo.full_name")?;
            run.pull = Some(Pull {
                number,
                from_fork: head_repo.is_none() || head_repo != base_repo,
            });
            ctx.notes.push(format!("{event} #{number}"));
        }
        "merge_group" => {
            ctx.base = Some(Base::Rev(payload.sha("merge_group.base_sha")?));
            ctx.head = Some(payload.sha("merge_group.head_sha")?);
            // The queue's commit carries no labels or body of its own: they are the queued
            // pull request's, which the caller reads through the API when it can.
            ctx.labels = Some(Vec::new());
            let head_ref = payload.str("merge_group.head_ref")?;
            let base_ref = payload.opt_str("merge_group.base_ref")?;
            let Some(number) = queued_pull(head_ref, base_ref) else {
                let base = base_ref
                    .and_then(|b| b.strip_prefix("refs/heads/"))
                    .unwrap_or("<base branch>");
                bail!(
                    "{}: `merge_group.head_ref` in the event payload is `{head_ref}`, not \
                     `refs/heads/gh-readonly-queue/{base}/pr-<number>-<sha>` as GitHub's merge \
                     queue names the branch of an entry, so the queued pull request is unknown \
                     and its labels and body cannot be judged; run shipgate on the merge_group \
                     events that GitHub's merge queue sends",
                    payload.path
                );
            };
            ctx.notes
                .push(format!("merge_group: the queue entry for #{number}"));
            run.queued = Some(number);
        }
        "push" => push(run, payload)?,
        "release" => {
            let tag = payload.str("release.tag_name")?.to_owned();
            ctx.head = Some(format!("refs/tags/{tag}"));
            ctx.base = Some(Base::PreviousRelease { tag: tag.clone() });
            ctx.tags = vec![tag.clone()];
            ctx.notes.push(format!("release {tag}"));
        }
        "workflow_dispatch" => {
            // The workflow's own inputs, when it declares `base`, `head` or `stage`; the
            // action's inputs (`with:`) still win, as they are more specific.
            let inputs = |name: &str| payload.opt_str(&format!("inputs.{name}"));
            if let Some(base) = inputs("base")?.filter(|s| !s.trim().is_empty()) {
                ctx.base = Some(Base::Rev(base.trim().to_owned()));
            }
            ctx.head = inputs("head")?
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().to_owned())
                .or(github_sha);
            if let Some(stage) = inputs("stage")?.filter(|s| !s.trim().is_empty()) {
                run.inputs
                    .stage
                    .get_or_insert_with(|| stage.trim().to_owned());
            }
        }
        other => return Err(Code::UnsupportedEvent.tag(anyhow!(
            "the `{other}` event is not one shipgate handles (pull_request, pull_request_target, merge_group, push, release, workflow_dispatch); run it on one of those, or pass --base and --head"
        ))),
    }
    if run.context.default_branch.is_none() {
        run.context.default_branch = Some(default_branch(payload)?);
    }
    Ok(())
}

/// The pull request a merge queue entry is for. GitHub names the entry's branch
/// `gh-readonly-queue/<base branch>/pr-<number>-<sha>` (the sha is the commit the entry
/// was built on), so `merge_group.head_ref` is
/// `refs/heads/gh-readonly-queue/main/pr-42-<sha>`. The base branch may hold `/`; the
/// number and sha cannot, so they are read from the last part. Anything else, or a base
/// branch other than `merge_group.base_ref`'s, is no queue entry GitHub made: `None`.
fn queued_pull(head_ref: &str, base_ref: Option<&str>) -> Option<u64> {
    let rest = head_ref.strip_prefix("refs/heads/gh-readonly-queue/")?;
    let (base, entry) = rest.rsplit_once('/')?;
    if base.is_empty() {
        return None;
    }
    if let Some(base_ref) = base_ref
        && base_ref.strip_prefix("refs/heads/") != Some(base)
    {
        return None;
    }
    let (number, sha) = entry.strip_prefix("pr-")?.split_once('-')?;
    let digits = !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit());
    if !digits || number.starts_with('0') || !is_object_id(sha) {
        return None;
    }
    number.parse().ok()
}

/// The default branch's tip as the clone knows it: `repository.default_branch` as
/// `refs/remotes/origin/<branch>` (actions/checkout with `fetch-depth: 0` fetches every
/// branch), then `origin/HEAD`. A change with no base (a first release) takes its policy
/// from there.
fn default_branch(payload: &Payload<'_>) -> Result<Vec<String>> {
    let mut refs = Vec::new();
    if let Some(branch) = payload.opt_str("repository.default_branch")? {
        let reference = format!("refs/remotes/origin/{branch}");
        if !git2::Reference::is_valid_name(&reference) {
            bail!(
                "{}: `repository.default_branch` in the event payload is `{branch}`, which is not a branch name git accepts; run shipgate on the events GitHub sends, or pass --base",
                payload.path
            );
        }
        refs.push(reference);
    }
    refs.push("refs/remotes/origin/HEAD".to_owned());
    Ok(refs)
}

fn push(run: &mut GithubRun, payload: &Payload<'_>) -> Result<()> {
    let reference = payload.str("ref")?.to_owned();
    let ctx = &mut run.context;
    if payload.bool("deleted")? {
        run.nothing_to_check = Some(format!("the push deletes {reference}: nothing to check"));
        return Ok(());
    }
    let after = payload.sha("after")?;
    if let Some(tag) = reference.strip_prefix("refs/tags/") {
        ctx.head = Some(after);
        ctx.base = Some(Base::PreviousRelease {
            tag: tag.to_owned(),
        });
        ctx.tags = vec![tag.to_owned()];
        ctx.notes.push(format!("push of tag {tag}"));
        return Ok(());
    }
    let Some(branch) = reference.strip_prefix("refs/heads/") else {
        bail!(
            "{}: the push is to `{reference}`, which is neither a branch nor a tag; pass --base and --head",
            payload.path
        );
    };
    let before = payload.sha("before")?;
    ctx.head = Some(after);
    if is_zero_id(&before) {
        let default = payload.str("repository.default_branch")?;
        if branch == default {
            ctx.base = Some(Base::Root);
            // The clone's origin/<default> is this very push: its policy is the change's own.
            ctx.default_branch = Some(Vec::new());
            ctx.notes.push(format!(
                "push creates the default branch {branch}: the change is its whole history"
            ));
        } else {
            ctx.base = Some(Base::Rev(format!("refs/remotes/origin/{default}")));
            ctx.notes.push(format!(
                "push creates branch {branch}: the change is what {default} lacks"
            ));
        }
    } else {
        run.push_before = Some((before.clone(), payload.bool("forced")?));
        ctx.base = Some(Base::Rev(before));
        ctx.notes.push(format!("push to {branch}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn inputs_take_either_spelling_and_empty_is_unset() {
        let e = env(&[
            ("INPUT_WORKING_DIRECTORY", "sub"),
            ("INPUT_STAGE", ""),
            ("INPUT_COMMENT", "True"),
        ]);
        let inputs = Inputs::from_env(&e).unwrap();
        assert_eq!(inputs.working_directory.as_deref(), Some("sub"));
        assert_eq!(inputs.stage, None);
        assert!(inputs.comment);
        let e = env(&[
            ("INPUT_WORKING-DIRECTORY", "a"),
            ("INPUT_WORKING_DIRECTORY", "b"),
        ]);
        let err = Inputs::from_env(&e).unwrap_err().to_string();
        assert!(err.contains("given twice"), "{err}");
    }

    #[test]
    fn comment_must_be_a_boolean() {
        let err = Inputs::from_env(&env(&[("INPUT_COMMENT", "yes")]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "input `comment` is `yes`, which is not a boolean; use `true` or `false`"
        );
    }

    #[test]
    fn the_queued_pull_request_is_read_strictly_from_the_queue_branch() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let main = Some("refs/heads/main");
        let q = |r: &str, base| queued_pull(r, base);
        assert_eq!(
            q(
                &format!("refs/heads/gh-readonly-queue/main/pr-42-{sha}"),
                main
            ),
            Some(42)
        );
        assert_eq!(
            q(
                &format!("refs/heads/gh-readonly-queue/release/1.x/pr-7-{sha}"),
                Some("refs/heads/release/1.x")
            ),
            Some(7)
        );
        assert_eq!(
            q(
                &format!("refs/heads/gh-readonly-queue/main/pr-3-{}", "ab".repeat(32)),
                None
            ),
            Some(3)
        );
        for bad in [
            format!("refs/heads/gh-readonly-queue/main/pr-42-{sha}x"),
            format!("refs/heads/gh-readonly-queue/main/pr-42-{}", &sha[..39]),
            format!("refs/heads/gh-readonly-queue/main/pr-042-{sha}"),
            format!("refs/heads/gh-readonly-queue/main/pr-0-{sha}"),
            format!("refs/heads/gh-readonly-queue/main/pr--42-{sha}"),
            format!("refs/heads/gh-readonly-queue/main/pr-+42-{sha}"),
            "refs/heads/gh-readonly-queue/main/pr-42".to_owned(),
            format!("refs/heads/gh-readonly-queue/main/42-{sha}"),
            format!("refs/heads/gh-readonly-queue/pr-42-{sha}"),
            format!("refs/heads/gh-readonly-queue//pr-42-{sha}"),
            format!("refs/heads/gh-readonly-queue/develop/pr-42-{sha}"),
            format!("refs/heads/main/pr-42-{sha}"),
            format!("gh-readonly-queue/main/pr-42-{sha}"),
            format!("refs/heads/gh-readonly-queue/main/pr-99999999999999999999999-{sha}"),
            format!("refs/heads/gh-readonly-queue/main/pr-42-{sha}/x"),
        ] {
            assert_eq!(q(&bad, main), None, "{bad}");
        }
    }

    #[test]
    fn shas_are_40_or_64_hex_digits() {
        assert!(is_object_id(&"a".repeat(40)));
        assert!(is_object_id(&"0".repeat(64)));
        assert!(!is_object_id(&"g".repeat(40)));
        assert!(!is_object_id("abc"));
    }
}
