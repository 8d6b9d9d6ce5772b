//! The pipeline: one [`Request`] in, one verdict out. It resolves the range, decides which
//! policy is in force (never one that only the judged change brings: SPEC §7, §11), has
//! the facts gathered (`gather/`), and hands them to the judgement (`judge/`).
//!
//! Every entry (the command line, GitHub Actions, GitLab CI, the pre-push hook) runs a
//! change through here, so all of them judge alike.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use git2::Oid;

use crate::error::{Code, Tag as _};
use crate::gather::disk::{self, Spec, Symlinks};
use crate::gather::ends::{self, Sides};
use crate::gather::git::{EMPTY_TREE, Repo, previous_release_tag, short};
use crate::gather::{Files, Gathered, Links, utf8};
use crate::judge::change::{Change, Range, short_id};
use crate::judge::checks::{self, ReviewFacts};
use crate::judge::policy::{self, Policy, Stage};
use crate::judge::requirements;
use crate::judge::stage;
use crate::judge::verdict::{
    CheckId, CheckResult, Level, PolicyChange, PolicyFrom, PolicyInfo, Report,
};
use crate::judge::yaml::MAX_BYTES as MAX_YAML_BYTES;
use crate::names::name;
use crate::request::{Base, Body, Request};

/// Judges the change that `req` names in its repository, following links to pull requests
/// with `links`; `Err` means it could not be judged (exit 2).
pub(crate) fn run(req: &Request, links: &dyn Links) -> Result<Report> {
    let repo = Repo::open(&req.repo)?;
    let head = repo.resolve(&req.head, "head")?;
    let mut notes = req.notes.clone();
    // The base, and the name its policy is reported by.
    let base = match &req.base {
        Base::Rev(rev) => Some((repo.resolve(rev, "base")?, None)),
        Base::Upstream => {
            let (name, oid) = repo.default_base()?;
            notes.push(format!(
                "no --base given: the change is compared with {name}"
            ));
            Some((oid, None))
        }
        Base::Root => None,
        Base::PreviousRelease { tag } => {
            // The tag's own commit could name a pattern that no tag matches, or one that
            // skips the real previous release; the pattern comes from a trusted policy.
            let (pattern, _) =
                release_tag_pattern(&repo, req.config.as_deref(), &req.default_branch)?;
            match previous_release_tag(&repo, &pattern, tag)? {
                Some((name, oid)) => {
                    notes.push(format!("tag {tag}: the change is everything since {name}"));
                    Some((oid, Some(format!("the previous release {name}"))))
                }
                None => {
                    notes.push(format!(
                        "tag {tag}: no earlier release tag, so the change is the whole history"
                    ));
                    None
                }
            }
        }
    };
    let place = match &base {
        Some((oid, name)) => Trusted::Base {
            commit: oid.to_string(),
            name: name
                .clone()
                .unwrap_or_else(|| format!("the base commit {}", short(*oid))),
        },
        None => default_branch_tip(&repo, &req.default_branch),
    };
    let base = base.map(|(oid, _)| oid);

    let (policy, origin) = load_policy(&repo, req.config.as_deref(), &place)?;
    let merge_base = base.map(|base| repo.merge_base(base, head)).transpose()?;
    let gathered = Gathered {
        base: base.map(|b| b.to_string()),
        head: head.to_string(),
        merge_base: merge_base.map(|b| b.to_string()),
        commits: repo.commits(base, head)?,
        files: repo.diff(merge_base, head)?,
        tags: repo.tags_at(head)?,
        notes,
    };
    judge(req, &repo, Some(&repo), links, gathered, policy, origin)
}

/// Judges facts gathered elsewhere (a pull request's change through the GitHub API, when
/// the clone lacks its history) under the policy at `place`, reading files at their
/// commits through `files`.
pub(crate) fn judge_at(
    req: &Request,
    files: &dyn Files,
    links: &dyn Links,
    gathered: Gathered,
    place: &Trusted,
) -> Result<Report> {
    let (policy, origin) = load_policy(files, req.config.as_deref(), place)?;
    judge(req, files, None, links, gathered, policy, origin)
}

/// Judges gathered facts with the request's context under `policy`. `repo` reads the
/// change's lines; without it (a change read through the API) the checks that read lines
/// say they could not.
fn judge(
    req: &Request,
    files: &dyn Files,
    repo: Option<&Repo>,
    links: &dyn Links,
    gathered: Gathered,
    policy: Policy,
    origin: PolicyOrigin,
) -> Result<Report> {
    let body = match &req.body {
        Some(Body::File(path)) => Some(read_body(path)?),
        Some(Body::Text(text)) => Some(text.clone()),
        None => None,
    };
    let mut tags = gathered.tags;
    for tag in &req.tags {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    let mut change = Change {
        range: Range {
            base: gathered.base.unwrap_or_else(|| EMPTY_TREE.to_owned()),
            head: gathered.head.clone(),
            merge_base: gathered
                .merge_base
                .clone()
                .unwrap_or_else(|| EMPTY_TREE.to_owned()),
        },
        commits: gathered.commits,
        files: gathered.files,
        // Labels come from people and tools; stray spaces are not part of the name.
        labels: req
            .labels
            .iter()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect(),
        body,
        tags,
        forced_stage: req.stage.clone(),
        notes: gathered.notes,
        ..Change::default()
    };
    let sides = Sides {
        files,
        merge_base: gathered.merge_base.as_deref(),
        head: &gathered.head,
    };
    let mut notes = Vec::new();
    change.versions = ends::versions(&sides, &policy, &change, &mut notes)?;
    change.flags = ends::flags(&sides, &policy, &change, &mut notes)?;
    change.notes.append(&mut notes);

    // The stage first: it decides which requirements are judged, and so which links
    // are worth a look-up (a merge needs none).
    let class = stage::classify(&change, &policy)?;
    let stage = &policy.stages[class.stage];
    change.dead_links = dead_links(&change, stage, &policy, links, &mut notes)?;
    change.notes.append(&mut notes);
    let checks = run_checks(repo, links, &sides, &policy, &stage.name, &mut change)?;
    let mut report = requirements::evaluate(&change, &class, &policy, checks);
    report.policy = Some(PolicyInfo {
        source: origin.source,
        changed: policy_change(files, &change, &gathered.head)?,
        from: origin.from,
        reason: origin.reason,
    });
    Ok(report)
}

/// The pattern that decides whether a pushed tag is a release, and finds the release
/// before it: that of `--config`, else of the policy at the default branch's tip
/// (`default_branch`, see [`Request::default_branch`]), else the built-in one. Never
/// the tag's own commit's: there is no base yet, and a tag must not decide for itself
/// whether it is a release (a pattern that it does not match) or where its release starts.
pub(crate) fn release_tag_pattern(
    repo: &Repo,
    config: Option<&Path>,
    default_branch: &[String],
) -> Result<(regex::Regex, PolicyOrigin)> {
    let place = default_branch_tip(repo, default_branch);
    let (policy, origin) = load_policy(repo, config, &place)?;
    Ok((policy.signals.tag_pattern, origin))
}

/// The stage's checks (SPEC §16). Line-level facts are read only when a check that runs
/// needs them, file by file; the flag registry only when an added line calls a flag; the
/// reviews only when the `review` check runs. A look-up that fails stops the run (exit 2)
/// when the check that needs it is required; when it only warns, the check says it could
/// not look, since a warning cannot block.
fn run_checks(
    repo: Option<&Repo>,
    links: &dyn Links,
    sides: &Sides<'_>,
    policy: &Policy,
    stage: &str,
    change: &mut Change,
) -> Result<Vec<CheckResult>> {
    let mut run = checks::Run::new(policy, stage);
    if run.needs_lines() {
        match repo {
            Some(repo) => {
                let from = sides.merge_base.map(Oid::from_str).transpose()?;
                repo.lines(from, Oid::from_str(sides.head)?, &change.files, &mut run)?;
                change.notes.extend(run.unread_note());
            }
            None => run.lines_unknown(
                "the change came from the GitHub API, which does not give its lines; check out the full history (`fetch-depth: 0`)",
            ),
        }
    }
    let mut registry = None;
    if run.called_flags() {
        registry = match &change.flags.keys_at_head {
            Some(keys) => Ok(Some(keys.clone())),
            None => ends::registry_keys(sides, policy),
        }
        .or_else(|e| match run.level(CheckId::FlagRefs) {
            Some(Level::Required) => Err(e),
            _ => {
                run.could_not_look(
                    CheckId::FlagRefs,
                    format!("the flag registry could not be read: {e:#}"),
                );
                Ok(None)
            }
        })?;
    }
    let review = match run.level(CheckId::Review) {
        None => ReviewFacts::Unknown(String::new()),
        Some(level) => match links.reviews() {
            Ok(facts) => facts,
            Err(e) if level == Level::Required => return Err(e),
            Err(e) => ReviewFacts::Unknown(format!("{e:#}")),
        },
    };
    let ctx = checks::Ctx {
        change,
        policy,
        registry: registry.as_ref(),
        review: &review,
    };
    Ok(run.finish(&ctx))
}

/// Values of evidence trailers and body lines that link to a pull request which does
/// not exist, among the evidence of the requirements that `stage` evaluates, and no
/// other: what the stage does not judge is never looked up. Each distinct link is asked
/// about once. A look-up that fails stops the check (exit 2) when a required requirement
/// rests on the link; when only requirements that are warned about do, a note says so and
/// the link is taken at its word, as it is without a token, since a warning cannot block.
fn dead_links(
    change: &Change,
    stage: &Stage,
    policy: &Policy,
    links: &dyn Links,
    notes: &mut Vec<String>,
) -> Result<Vec<String>> {
    // Each link, whether a required requirement rests on it, and which requirements do.
    let mut wanted: BTreeMap<String, (bool, Vec<&str>)> = BTreeMap::new();
    for (req, level) in requirements::evaluated(policy, stage) {
        for value in requirements::link_values(change, &req.evidence) {
            let (required, ids) = wanted.entry(value).or_default();
            *required |= level == Level::Required;
            if !ids.contains(&req.id.as_str()) {
                ids.push(&req.id);
            }
        }
    }
    let mut dead = Vec::new();
    for (value, (required, ids)) in wanted {
        match links.pull_exists(&value) {
            Ok(Some(false)) => dead.push(value),
            Ok(_) => {}
            Err(e) if required => return Err(e),
            Err(e) => notes.push(format!(
                "{} is only warned about at stage {}, so the link is taken at its word: {e:#}",
                ids.join(", "),
                stage.name
            )),
        }
    }
    Ok(dead)
}

/// Where the policy in force came from and why: what the report says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyOrigin {
    /// `built-in`, `<path>@<commit>` or the `--config` path.
    pub(crate) source: String,
    pub(crate) from: PolicyFrom,
    pub(crate) reason: String,
}

/// A commit whose policy may judge a change: never one that only the change brings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Trusted {
    /// The change's base commit, with the name the report gives it (`the base commit
    /// 1a2b3c4d5e`, `the previous release v1.0.0`).
    Base { commit: String, name: String },
    /// The change has no base commit (a first release, a new repository): the tip of the
    /// default branch as the remote or CI system knows it (`origin/main`).
    DefaultBranch { commit: String, name: String },
    /// No base commit and no default branch known; the refs that were looked for.
    Nothing { tried: Vec<String> },
}

/// The first of `refs` that names a commit in `repo`, as the place a change with no base
/// takes its policy from.
pub(crate) fn default_branch_tip(repo: &Repo, refs: &[String]) -> Trusted {
    match repo.first_commit_ref(refs) {
        Some((name, oid)) => Trusted::DefaultBranch {
            commit: oid.to_string(),
            name,
        },
        None => Trusted::Nothing {
            tried: refs.to_vec(),
        },
    }
}

/// The policy in force: `--config`, else the policy file at the trusted commit, else the
/// built-in one. That commit is the base, so a change cannot loosen its own gate; a change
/// with no base takes the default branch's policy, which it did not write either.
pub(crate) fn load_policy(
    files: &dyn Files,
    config: Option<&Path>,
    place: &Trusted,
) -> Result<(Policy, PolicyOrigin)> {
    if let Some(path) = config {
        let policy = policy_from_file(path)?;
        let origin = PolicyOrigin {
            source: path.display().to_string(),
            from: PolicyFrom::Config,
            reason: "given with --config, not read from a commit".to_owned(),
        };
        return Ok((policy, origin));
    }
    let builtin = |from, reason| {
        let source = "built-in".to_owned();
        (
            Policy::builtin(),
            PolicyOrigin {
                source,
                from,
                reason,
            },
        )
    };
    Ok(match place {
        Trusted::Base { commit, name } => match policy_at(files, commit, "base")? {
            Some((policy, source)) => {
                let reason = format!("read at {name}");
                (
                    policy,
                    PolicyOrigin {
                        source,
                        from: PolicyFrom::Base,
                        reason,
                    },
                )
            }
            None => builtin(PolicyFrom::Base, format!("{name} holds no policy file")),
        },
        Trusted::DefaultBranch { commit, name } => {
            let side = format!("the default branch {name}");
            match policy_at(files, commit, &side)? {
                Some((policy, source)) => {
                    let reason = format!(
                        "no base commit: read at the tip of the default branch {name}, not from the change"
                    );
                    let from = PolicyFrom::DefaultBranch;
                    (
                        policy,
                        PolicyOrigin {
                            source,
                            from,
                            reason,
                        },
                    )
                }
                None => builtin(
                    PolicyFrom::DefaultBranch,
                    format!(
                        "no base commit, and the tip of the default branch {name} ({}) holds no policy file",
                        short_id(commit)
                    ),
                ),
            }
        }
        Trusted::Nothing { tried } => {
            let missing = match &tried[..] {
                [] => String::new(),
                [one] => format!(": {one} is not here"),
                many => format!(": none of {} is here", many.join(", ")),
            };
            builtin(
                PolicyFrom::BuiltIn,
                format!(
                    "no base commit, and no default branch is known{missing}; the change's own policy never applies"
                ),
            )
        }
    })
}

/// The policy committed at `commit`, with its origin (`.shipgate.yml@1a2b3c4d5e`), or
/// `None` when the commit has none.
fn policy_at(files: &dyn Files, commit: &str, side: &str) -> Result<Option<(Policy, String)>> {
    let Some((origin, text)) = policy_text_at(files, commit, side)? else {
        return Ok(None);
    };
    let policy = Policy::from_yaml(&text, &origin)?;
    Ok(Some((policy, origin)))
}

/// The origin and text of the policy file committed at `commit`, if it has one.
fn policy_text_at(files: &dyn Files, commit: &str, side: &str) -> Result<Option<(String, String)>> {
    let place = format!("at {side} {}", short_id(commit));
    let Some((path, bytes)) =
        policy::locate(|path| files.read(commit, path, MAX_YAML_BYTES), &place)?
    else {
        return Ok(None);
    };
    let origin = format!("{path}@{}", short_id(commit));
    let text = utf8(&bytes, &origin).code(Code::BadPolicy)?.to_owned();
    Ok(Some((origin, text)))
}

/// Reads the `--config` policy file. The path is the user's own choice, so a symbolic
/// link to a regular file is followed; what it leads to is checked like any policy file.
pub(crate) fn policy_from_file(path: &Path) -> Result<Policy> {
    read_policy(
        path,
        &Spec {
            what: "--config",
            cap: disk::POLICY_CAP,
            links: Symlinks::Follow,
            fix: "pass --config a regular YAML file of at most 256 KiB",
        },
    )
}

/// Reads a policy file from disk as `spec` says ([`disk::read`]) and validates it.
pub(crate) fn read_policy(path: &Path, spec: &Spec<'_>) -> Result<Policy> {
    let origin = path.display().to_string();
    let bytes = disk::read(path, spec)?;
    let text = utf8(&bytes, &origin).code(Code::BadPolicy)?;
    Ok(Policy::from_yaml(text, &origin)?)
}

fn read_body(path: &Path) -> Result<String> {
    let spec = Spec {
        what: "--body-file",
        cap: disk::FILE_CAP,
        links: Symlinks::Follow,
        fix: "pass --body-file a regular file holding the pull-request body, of at most 1 MiB",
    };
    let bytes = disk::read(path, &spec)?;
    let what = format!("--body-file `{}`", path.display());
    Ok(utf8(&bytes, &what).code(Code::BadFile)?.to_owned())
}

/// A policy file edited by the change is validated and reported, never applied to it.
fn policy_change(files: &dyn Files, change: &Change, head: &str) -> Result<Option<PolicyChange>> {
    let Some((path, file)) = policy::POLICY_PATHS.into_iter().find_map(|p| {
        let file = change
            .files
            .iter()
            .find(|f| f.path == p.as_bytes() || f.old_path.as_deref() == Some(p.as_bytes()))?;
        Some((p, file))
    }) else {
        return Ok(None);
    };
    // A policy renamed away from its path is, for shipgate, a policy removed.
    let status = if file.path != path.as_bytes() {
        "deleted"
    } else {
        name(&file.status)
    };
    let errors = match policy_text_at(files, head, "head") {
        Ok(Some((origin, text))) => match Policy::from_yaml(&text, &origin) {
            Ok(_) => Vec::new(),
            // A policy's own problems are listed one by one, like `validate` lists them.
            Err(problems) => problems.errors.iter().map(ToString::to_string).collect(),
        },
        Ok(None) => Vec::new(),
        Err(e) => vec![format!("{e:#}")],
    };
    Ok(Some(PolicyChange {
        path: path.to_owned(),
        status,
        valid: errors.is_empty(),
        errors,
    }))
}
