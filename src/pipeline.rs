//! The pipeline: one [`Request`] in, one verdict out. It resolves the range, decides which
//! policy is in force (never one that only the judged change brings: SPEC §7, §11), has
//! the facts gathered (`gather/`), and hands them to the judgement (`judge/`).
//!
//! Every entry (the command line, GitHub Actions, GitLab CI, the pre-push hook) runs a
//! change through here, so all of them judge alike.

pub(crate) mod audit;
mod packages;
mod services;

use std::path::Path;

use anyhow::Result;
use git2::Oid;

use crate::error::{Code, Tag as _};
use crate::gather::chain::{self, ChainInfo, Place, top_folder};
use crate::gather::disk::{self, Spec, Symlinks};
use crate::gather::ends::Sides;
use crate::gather::git::{EMPTY_TREE, Repo, short};
use crate::gather::github::{Access, SharedPolicies};
use crate::gather::{Files, Gathered, History, Links, SharedFiles, Span, utf8};
use crate::judge::change::{Change, Range, short_id};
use crate::judge::checks::{self, ReviewFacts};
use crate::judge::packages::ReleaseTag;
use crate::judge::policy::{self, BUILTIN_ORIGIN, Composed, Policy};
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
    run_in(&repo, req, links, None)
}

/// What a run over many tags of one repository reads once rather than for every tag
/// (`shipgate audit`): the policy whose tag patterns make a tag a release
/// ([`release_policy`]), the repository's tags, its top folder, and the `--config`
/// policy, which is the same file for every tag.
pub(crate) struct Listed {
    pub(crate) policy: Policy,
    pub(crate) tags: Vec<ReleaseTag>,
    /// [`top_folder`] of the request's repository.
    pub(crate) top: std::path::PathBuf,
    /// [`load_policy`] of the request's `--config`, when it has one.
    pub(crate) config: Option<(Policy, PolicyOrigin)>,
}

/// [`run`] in a repository already open, with its release policy and tags already read
/// when `listed` holds them: the same judgement, the same facts.
fn run_in(
    repo: &Repo,
    req: &Request,
    links: &dyn Links,
    listed: Option<&Listed>,
) -> Result<Report> {
    let head = repo.resolve(&req.head, "head")?;
    let mut notes = req.notes.clone();
    // A pushed tag's change is a release: everything since the previous release.
    let mut pushed = None;
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
            // skips the real previous release; the patterns come from a trusted policy.
            let read;
            let (policy, tags) = match listed {
                Some(l) => (&l.policy, &l.tags[..]),
                None => {
                    let (policy, _) = release_policy(
                        repo,
                        req.config.as_deref(),
                        &req.default_branch,
                        req.github.as_ref(),
                    )?;
                    read = (policy, repo.release_tags()?);
                    (&read.0, &read.1[..])
                }
            };
            match packages::previous_of_pushed_tag(policy, tag, tags)? {
                Some(ReleaseTag { name, commit }) => {
                    notes.push(format!("tag {tag}: the change is everything since {name}"));
                    let oid = repo.resolve(&commit, "base")?;
                    pushed = Some(packages::Pushed {
                        tag: tag.clone(),
                        previous: Some(name.clone()),
                    });
                    Some((oid, Some(format!("the previous release {name}"))))
                }
                None => {
                    notes.push(format!(
                        "tag {tag}: no earlier release tag, so the change is the whole history"
                    ));
                    pushed = Some(packages::Pushed {
                        tag: tag.clone(),
                        previous: None,
                    });
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
        None => default_branch_tip(repo, &req.default_branch),
    };
    let base = base.map(|(oid, _)| oid);

    let shared = shared_policies(req);
    let top = match listed {
        Some(l) => l.top.clone(),
        None => top_folder(&req.repo),
    };
    let (policy, origin) = match listed.and_then(|l| l.config.as_ref()) {
        Some(config) if req.config.is_some() => config.clone(),
        _ => load_policy(repo, req.config.as_deref(), &place, &shared, &top)?,
    };
    // This run's commits, and a release's, are judged by this policy alone.
    repo.keep_trailers(Some(policy.trailer_keys()));
    let (merge_base, commits) = repo.range(base, head)?;
    let gathered = Gathered {
        base: base.map(|b| b.to_string()),
        head: head.to_string(),
        merge_base: merge_base.map(|b| b.to_string()),
        commits,
        files: repo.diff(merge_base, head)?,
        tags: match listed {
            Some(l) => audit::tags_at(&l.tags, head),
            None => repo.tags_at(head)?,
        },
        notes,
    };
    let history = listed.map(|l| audit::ListedHistory {
        repo,
        tags: &l.tags,
    });
    let sources = Sources {
        files: repo,
        lines: Some(repo),
        history: match &history {
            Some(h) => h,
            None => repo,
        },
        links,
        shared: &shared,
    };
    judge(req, &sources, gathered, (policy, origin), pushed)
}

/// Where the judgement reads what the change alone does not hold.
struct Sources<'a> {
    /// Files at a commit: manifests, the flag registry, the policy at head.
    files: &'a dyn Files,
    /// The change's lines, for the checks that read them; `None` for a change read
    /// through the API, which does not give them.
    lines: Option<&'a Repo>,
    /// Tags and other ranges, for a whole release.
    history: &'a dyn History,
    links: &'a dyn Links,
    shared: &'a SharedPolicies,
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
    let shared = shared_policies(req);
    let top = top_folder(&req.repo);
    let policy = load_policy(files, req.config.as_deref(), place, &shared, &top)?;
    let sources = Sources {
        files,
        lines: None,
        history: &ShallowClone,
        links,
        shared: &shared,
    };
    judge(req, &sources, gathered, policy, None)
}

/// The history of a clone too shallow to hold the change: a whole release cannot be
/// judged from it, and says so.
struct ShallowClone;

impl ShallowClone {
    fn refuse(what: &str) -> anyhow::Error {
        Code::MissingHistory.tag(anyhow::anyhow!(
            "the clone is shallow, so {what} cannot be read from it; check out with \
             `fetch-depth: 0` (actions/checkout), which fetches the history and the tags"
        ))
    }
}

impl History for ShallowClone {
    fn tags(&self) -> Result<Vec<ReleaseTag>> {
        Err(ShallowClone::refuse("the release tags"))
    }

    fn since(&self, _: Option<&str>, _: &str) -> Result<Span> {
        Err(ShallowClone::refuse(
            "the commits since the previous release",
        ))
    }

    fn has_folder(&self, _: &str, _: &str) -> Result<Option<bool>> {
        Ok(None)
    }
}

/// Judges gathered facts with the request's context under `policy`, package by package.
fn judge(
    req: &Request,
    sources: &Sources<'_>,
    gathered: Gathered,
    (policy, origin): (Policy, PolicyOrigin),
    pushed: Option<packages::Pushed>,
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
            base: gathered
                .base
                .clone()
                .unwrap_or_else(|| EMPTY_TREE.to_owned()),
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
        draft: req.draft,
        author: req.author.clone(),
        ..Change::default()
    };
    change.notes.extend(origin.info.notes.iter().cloned());
    change.notes.extend(nothing_to_judge(&change));
    let facts = packages::Facts {
        files: sources.files,
        history: sources.history,
        links: sources.links,
        lines: sources.lines,
        merge_base: gathered.merge_base.as_deref(),
        head: &gathered.head,
        base: gathered.base.as_deref(),
        pushed: pushed.as_ref(),
        flag_keys: &services::FlagKeys::new(req),
    };
    let mut report = packages::judge(&mut change, &policy, &facts)?;
    let changed = policy_change(
        sources.files,
        &change,
        &gathered.head,
        &origin,
        &sources.shared.already_read(),
    )?;
    report.policy = Some(PolicyInfo {
        source: origin.source,
        chain: origin.chain,
        changed,
        from: origin.from,
        reason: origin.reason,
    });
    report.notify_slack_var = policy.notify.slack_webhook.clone();
    Ok(report)
}

/// The policy whose tag patterns decide whether a pushed tag is a release, and find the
/// release before it: `--config`, else the policy at the default branch's tip
/// (`default_branch`, see [`Request::default_branch`]), else the built-in one. Never the
/// tag's own commit's: there is no base yet, and a tag must not decide for itself whether
/// it is a release (a pattern that it does not match) or where its release starts.
pub(crate) fn release_policy(
    repo: &Repo,
    config: Option<&Path>,
    default_branch: &[String],
    github: Option<&Access>,
) -> Result<(Policy, PolicyOrigin)> {
    let place = default_branch_tip(repo, default_branch);
    let shared = SharedPolicies::new(github.cloned().unwrap_or_else(Access::public));
    let top = repo
        .git2()
        .workdir()
        .unwrap_or(repo.git2().path())
        .to_path_buf();
    load_policy(repo, config, &place, &shared, &top)
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
    flag_keys: &services::FlagKeys<'_>,
) -> Result<Vec<CheckResult>> {
    // No commits and no files: nothing to judge, and so nothing for a check to find.
    if change.commits.is_empty() && change.files.is_empty() {
        return Ok(Vec::new());
    }
    let mut run = checks::Run::new(policy, stage);
    if run.needs_lines() {
        match repo {
            Some(repo) => {
                let from = sides.merge_base.map(Oid::from_str).transpose()?;
                crate::gather::git::map_more_for_blobs();
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
            None => flag_keys.at_head(sides, policy),
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

pub(crate) use packages::release_patterns;

/// Where the policy in force came from and why: what the report says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyOrigin {
    /// `built-in`, `<path>@<commit>` or the `--config` path.
    pub(crate) source: String,
    pub(crate) from: PolicyFrom,
    pub(crate) reason: String,
    /// `source`, then every file it extends (`built-in` last unless `extends: none`).
    pub(crate) chain: Vec<String>,
    /// What reading the chain found: its repository paths, and notes.
    pub(crate) info: ChainInfo,
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
/// with no base takes the default branch's policy, which it did not write either. Every
/// file the policy extends is read at the same place (`--config`'s in `top`, the
/// repository's folder), shared policies through `shared`.
pub(crate) fn load_policy(
    files: &dyn Files,
    config: Option<&Path>,
    place: &Trusted,
    shared: &dyn SharedFiles,
    top: &Path,
) -> Result<(Policy, PolicyOrigin)> {
    if let Some(path) = config {
        let (composed, info) = policy_from_file(path, top, shared)?;
        let origin = PolicyOrigin {
            source: path.display().to_string(),
            from: PolicyFrom::Config,
            reason: "given with --config, not read from a commit".to_owned(),
            chain: composed.chain,
            // Files on disk are not the committed policy whose edits a change reports.
            info: ChainInfo {
                paths: Vec::new(),
                ..info
            },
        };
        return Ok((composed.policy, origin));
    }
    let builtin = |from, reason| {
        let composed = Policy::composed_builtin();
        (
            composed.policy,
            PolicyOrigin {
                source: BUILTIN_ORIGIN.to_owned(),
                from,
                reason,
                chain: composed.chain,
                info: ChainInfo::default(),
            },
        )
    };
    let found = |composed: Composed, info, from, reason| {
        let origin = PolicyOrigin {
            source: composed.chain[0].clone(),
            from,
            reason,
            chain: composed.chain,
            info,
        };
        (composed.policy, origin)
    };
    Ok(match place {
        Trusted::Base { commit, name } => match policy_at(files, commit, "base", shared)? {
            Some((composed, info)) => {
                found(composed, info, PolicyFrom::Base, format!("read at {name}"))
            }
            None => builtin(PolicyFrom::Base, format!("{name} holds no policy file")),
        },
        Trusted::DefaultBranch { commit, name } => {
            let side = format!("the default branch {name}");
            match policy_at(files, commit, &side, shared)? {
                Some((composed, info)) => found(
                    composed,
                    info,
                    PolicyFrom::DefaultBranch,
                    format!(
                        "no base commit: read at the tip of the default branch {name}, not from the change"
                    ),
                ),
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

/// The policy committed at `commit` with every file it extends, read there too, or `None`
/// when the commit has no policy file.
fn policy_at(
    files: &dyn Files,
    commit: &str,
    side: &str,
    shared: &dyn SharedFiles,
) -> Result<Option<(Composed, ChainInfo)>> {
    let Some((path, origin, text)) = policy_text_at(files, commit, side)? else {
        return Ok(None);
    };
    let place = Place::Commit { files, commit };
    Ok(Some(chain::read(
        origin,
        text,
        Some(path),
        &place,
        shared,
    )??))
}

/// The path, origin and text of the policy file committed at `commit`, if it has one.
fn policy_text_at(
    files: &dyn Files,
    commit: &str,
    side: &str,
) -> Result<Option<(&'static str, String, String)>> {
    let place = format!("at {side} {}", short_id(commit));
    let Some((path, bytes)) =
        policy::locate(|path| files.read(commit, path, MAX_YAML_BYTES), &place)?
    else {
        return Ok(None);
    };
    let origin = format!("{path}@{}", short_id(commit));
    let text = utf8(&bytes, &origin).code(Code::BadPolicy)?.to_owned();
    Ok(Some((path, origin, text)))
}

/// Reads the `--config` policy file and what it extends (repository paths in `top`). The
/// path is the user's own choice, so a symbolic link to a regular file is followed; what
/// it leads to is checked like any policy file.
pub(crate) fn policy_from_file(
    path: &Path,
    top: &Path,
    shared: &dyn SharedFiles,
) -> Result<(Composed, ChainInfo)> {
    let spec = Spec {
        what: "--config",
        cap: disk::POLICY_CAP,
        links: Symlinks::Follow,
        fix: "pass --config a regular YAML file of at most 256 KiB",
    };
    read_policy(path, None, &spec, top, shared)
}

/// Reads a policy file from disk as `spec` says ([`disk::read`]), at `repo_path` of the
/// repository in `top` when it is the repository's own, and every file it extends.
pub(crate) fn read_policy(
    path: &Path,
    repo_path: Option<&str>,
    spec: &Spec<'_>,
    top: &Path,
    shared: &dyn SharedFiles,
) -> Result<(Composed, ChainInfo)> {
    let origin = path.display().to_string();
    let bytes = disk::read(path, spec)?;
    let text = utf8(&bytes, &origin).code(Code::BadPolicy)?.to_owned();
    Ok(chain::read(
        origin,
        text,
        repo_path,
        &Place::Folder(top),
        shared,
    )??)
}

/// How shared policies are read for `req`: with the access its entry found, else from the
/// public API without a token.
pub(crate) fn shared_policies(req: &Request) -> SharedPolicies {
    SharedPolicies::new(req.github.clone().unwrap_or_else(Access::public))
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

/// A policy file edited by the change (the policy file, or a file of the repository that
/// it extends) is validated and reported, never applied to it: the policy at head is read
/// with its chain at head, as it will be in force after the merge.
fn policy_change(
    files: &dyn Files,
    change: &Change,
    head: &str,
    origin: &PolicyOrigin,
    shared: &dyn SharedFiles,
) -> Result<Option<PolicyChange>> {
    let candidates = policy::POLICY_PATHS
        .iter()
        .map(|p| (*p).to_owned())
        .chain(origin.info.paths.iter().cloned());
    let Some((path, file)) = candidates.into_iter().find_map(|p| {
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
    let at_head = policy_text_at(files, head, "head").and_then(|found| {
        let Some((path, origin, text)) = found else {
            return Ok(None);
        };
        let place = Place::Commit {
            files,
            commit: head,
        };
        chain::read(origin, text, Some(path), &place, shared).map(Some)
    });
    let errors = match at_head {
        Ok(None | Some(Ok(_))) => Vec::new(),
        // A policy's own problems are listed one by one, like `validate` lists them.
        Ok(Some(Err(problems))) => problems
            .errors
            .errors
            .iter()
            .map(ToString::to_string)
            .collect(),
        Err(e) => vec![format!("{e:#}")],
    };
    Ok(Some(PolicyChange {
        path,
        status,
        valid: errors.is_empty(),
        errors,
    }))
}

/// A change with no commits (and so, three dots, no files) is judged on nothing, and passes
/// unless a stage is forced on it; a report of "0 commits, 0 files, pass" leaves that unsaid.
/// Head is then the base itself, or already in it: work not committed yet, or base and head
/// swapped.
fn nothing_to_judge(change: &Change) -> Option<String> {
    let (base, head) = (&change.range.base, &change.range.head);
    if base == EMPTY_TREE || !change.commits.is_empty() || !change.files.is_empty() {
        return None;
    }
    let why = if base == head {
        format!("head is the base commit {} itself", short_id(head))
    } else {
        format!(
            "head {} is already part of the base {}",
            short_id(head),
            short_id(base)
        )
    };
    Some(format!(
        "nothing to judge: {why}, so the change has no commits and no files; to judge work, \
         commit it first (uncommitted work is never judged) and compare it with the branch it \
         merges into"
    ))
}
