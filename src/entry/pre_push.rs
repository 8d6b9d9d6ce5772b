//! `shipgate pre-push`: git's pre-push protocol, one judgement per pushed ref.
//!
//! git runs the hook as `pre-push <remote> <url>` and writes one line per ref to its
//! stdin: `<local-ref> <local-sha> <remote-ref> <remote-sha>`, with an all-zero sha for
//! "no such ref" (a new ref on the remote, or a deletion). Each ref becomes a
//! [`Request`] judged by [`pipeline::run`], exactly as `check` judges a change.

use std::collections::HashSet;
use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context as _, Result, anyhow, bail};
use git2::{ErrorCode, Oid};

use crate::gather::NoLinks;
use crate::gather::env::Env;
use crate::gather::git::{Repo, Unresolved, short};
use crate::gather::git::{is_object_id, is_zero_id as is_zero};
use crate::gather::github::Access;
use crate::gather::posthog;
use crate::gather::secret::Secret;
use crate::judge::verdict::Verdict;
use crate::pipeline;
use crate::report::text::{self, clean};
use crate::request::{Base, Request};

/// git writes about 130 bytes per ref; `git push --tags` with a hundred thousand tags
/// stays far below this. More is not git talking.
const MAX_STDIN_BYTES: u64 = 64 * 1024 * 1024;

const LINE_FORMAT: &str = "`<local-ref> <local-sha> <remote-ref> <remote-sha>`";

/// What the hook was given, besides git's stdin.
#[derive(Debug, Clone, Default)]
pub(crate) struct Args {
    /// The remote's name, or its URL when the push named none (git's first argument).
    pub(crate) remote: Option<String>,
    /// Read the push from the pre-commit framework's `PRE_COMMIT_*` variables instead.
    pub(crate) from_env: bool,
    /// The repository; else `$GIT_DIR` when git sets it, else the current folder.
    pub(crate) repo: Option<PathBuf>,
}

/// One line of git's pre-push input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RefUpdate {
    /// What the user named on the local side (`refs/heads/x`, `HEAD`, `(delete)`).
    pub(crate) local_ref: String,
    pub(crate) local_sha: String,
    pub(crate) remote_ref: String,
    /// All zeros when the remote has no such ref yet.
    pub(crate) remote_sha: String,
}

/// Reads git's pre-push input. Every line must be well formed: a line that cannot be
/// read is a push that cannot be judged, and passing it would be a silent pass.
pub(crate) fn parse_refs(input: &str) -> Result<Vec<RefUpdate>> {
    let mut refs = Vec::new();
    for (i, line) in input.split_terminator('\n').enumerate() {
        let n = i + 1;
        let malformed = || {
            anyhow!(
                "stdin line {n}: expected {LINE_FORMAT}, as git writes it for a pre-push hook, but got `{line}`"
            )
        };
        // Split from the right: the local side is whatever the user wrote before the
        // colon of a refspec (`HEAD^{/fix it}:main`), which may hold spaces; the other
        // three fields never do.
        let fields: Vec<&str> = line.rsplitn(4, ' ').collect();
        let [remote_sha, remote_ref, local_sha, local_ref] = fields[..] else {
            return Err(malformed());
        };
        if local_ref.is_empty() || remote_ref.is_empty() {
            return Err(malformed());
        }
        require_full_sha(n, "local", local_sha)?;
        require_full_sha(n, "remote", remote_sha)?;
        if local_sha.len() != remote_sha.len() {
            bail!(
                "stdin line {n}: the local sha has {} characters and the remote sha {}; one repository uses one object format",
                local_sha.len(),
                remote_sha.len()
            );
        }
        if is_zero(local_sha) && is_zero(remote_sha) {
            bail!(
                "stdin line {n}: both shas are zero, which names neither a push nor a deletion; expected {LINE_FORMAT}"
            );
        }
        refs.push(RefUpdate {
            local_ref: local_ref.to_owned(),
            local_sha: local_sha.to_owned(),
            remote_ref: remote_ref.to_owned(),
            remote_sha: remote_sha.to_owned(),
        });
    }
    Ok(refs)
}

/// A full object name: 40 hex digits (SHA-1) or 64 (SHA-256). Abbreviations are refused:
/// git always writes full names here, and a short one could name another object.
fn require_full_sha(line: usize, side: &str, sha: &str) -> Result<()> {
    if !is_object_id(sha) {
        bail!(
            "stdin line {line}: the {side} sha `{sha}` is not a full object name (40 or 64 hex digits); expected {LINE_FORMAT}"
        );
    }
    Ok(())
}

/// The remote as git named it: a configured remote, or a URL (`git push <url> <ref>`).
struct Remote {
    /// As shown in headers, with any password in the URL hidden.
    shown: String,
    /// The configured remote's name, when there is one (also found by its URL).
    name: Option<String>,
}

impl Remote {
    fn find(repo: &git2::Repository, given: &str) -> Remote {
        let shown = hide_password(given);
        if repo.find_remote(given).is_ok() {
            return Remote {
                shown,
                name: Some(given.to_owned()),
            };
        }
        let name = repo.remotes().ok().and_then(|names| {
            names.iter().flatten().flatten().find_map(|name| {
                let remote = repo.find_remote(name).ok()?;
                let matches = remote.url() == Ok(given) || remote.pushurl() == Ok(Some(given));
                matches.then(|| name.to_owned())
            })
        });
        Remote { shown, name }
    }
}

/// `https://user:token@host/x` as `https://***@host/x`: the header goes to a terminal
/// that may be shared or recorded.
fn hide_password(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..authority_end].rfind('@') {
            return format!("{scheme}://***{}", &rest[at..]);
        }
    }
    url.to_owned()
}

/// What one pushed ref gets.
enum Plan {
    /// Nothing to judge, and why (said in the output: never a silent pass).
    Skip(String),
    Judge(Box<Request>),
}

/// Everything the judgement of each ref shares.
struct Push<'a> {
    repo: &'a Repo,
    repo_path: PathBuf,
    remote: Remote,
    env: &'a Env,
    stage: Option<String>,
    labels: Vec<String>,
}

/// Judges every ref of the push; returns the exit code (0, 1, or 2 when a ref could not
/// be judged). `Err` when the push itself cannot be read.
pub(crate) fn run(
    args: &Args,
    env: &Env,
    stdin: &mut dyn Read,
    out: &mut dyn FnMut(&str) -> Result<()>,
) -> Result<u8> {
    let repo_path = match (&args.repo, env.get("GIT_DIR")?) {
        (Some(dir), _) => dir.clone(),
        // git sets GIT_DIR for a hook in a linked worktree or with `git --git-dir`.
        (None, Some(git_dir)) => PathBuf::from(git_dir),
        (None, None) => PathBuf::from("."),
    };
    let stdin_refs = if args.from_env {
        None
    } else {
        Some(parse_refs(&read_stdin(stdin)?)?)
    };
    // Nothing to push, or only deletions: nothing to judge, and no need of the repository.
    if let Some(refs) = &stdin_refs
        && refs.iter().all(|r| is_zero(&r.local_sha))
    {
        let shown = hide_password(args.remote.as_deref().unwrap_or_default());
        for r in refs {
            out(&deleted(&shown, r))?;
        }
        return Ok(0);
    }
    let repo = open(&repo_path, stdin_refs.as_deref().unwrap_or_default())?;
    let (remote, updates) = match stdin_refs {
        Some(refs) => {
            let given = args.remote.as_deref().unwrap_or_default();
            (Remote::find(repo.git2(), given), refs)
        }
        None => from_pre_commit(&repo, env)?,
    };
    let push = Push {
        repo: &repo,
        repo_path,
        remote,
        env,
        stage: env.get("SHIPGATE_STAGE")?.map(|s| s.trim().to_owned()),
        labels: env
            .get("SHIPGATE_LABELS")?
            .map(|l| l.split(',').map(|s| s.trim().to_owned()).collect())
            .unwrap_or_default(),
    };

    let mut worst = 0;
    let mut stopped = Vec::new();
    for (i, update) in updates.iter().enumerate() {
        if i > 0 {
            out("\n")?;
        }
        if is_zero(&update.local_sha) {
            out(&deleted(&push.remote.shown, update))?;
            continue;
        }
        let header = format!(
            "shipgate: {} -> {} {}",
            clean(&update.local_ref),
            clean(&push.remote.shown),
            clean(&update.remote_ref)
        );
        let outcome = match plan(&push, update) {
            Ok(Plan::Skip(why)) => {
                out(&format!("{header}: {}\n", clean(&why)))?;
                continue;
            }
            Ok(Plan::Judge(request)) => pipeline::run(&request, &NoLinks).map_err(|e| {
                // The pipeline words a bad stage for the command line; here it came from
                // the environment.
                if push.stage.is_some() && format!("{e}").starts_with("--stage `") {
                    e.context("SHIPGATE_STAGE, which stands for --stage in a push, is not a stage")
                } else {
                    e
                }
            }),
            Err(e) => Err(e),
        };
        out(&format!("{header}\n"))?;
        let code = match outcome {
            Ok(report) => {
                out(&text::render(&report))?;
                match report.verdict {
                    Verdict::Pass | Verdict::Overridden => 0,
                    Verdict::Blocked => 1,
                }
            }
            Err(e) => {
                out(&text::error(&e))?;
                2
            }
        };
        if code != 0 {
            let what = if code == 1 { "blocked" } else { "not checked" };
            stopped.push(format!("{} ({what})", clean(&update.remote_ref)));
        }
        worst = worst.max(code);
    }
    if !stopped.is_empty() {
        out(&format!(
            "\nshipgate: the push is stopped: {}\n",
            stopped.join(", ")
        ))?;
    }
    Ok(worst)
}

/// A deletion has no local side worth naming: git writes `(delete)` there.
fn deleted(remote: &str, update: &RefUpdate) -> String {
    format!(
        "shipgate: {} {}: deleted; nothing to check\n",
        clean(remote),
        clean(&update.remote_ref)
    )
}

fn read_stdin(stdin: &mut dyn Read) -> Result<String> {
    let mut bytes = Vec::new();
    stdin
        .take(MAX_STDIN_BYTES + 1)
        .read_to_end(&mut bytes)
        .context("could not read the refs to push from stdin")?;
    if bytes.len() as u64 > MAX_STDIN_BYTES {
        bail!(
            "stdin holds more than {} MiB, which is not git's list of refs to push; shipgate pre-push is run by git's pre-push hook",
            MAX_STDIN_BYTES / 1024 / 1024
        );
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "stdin is not UTF-8 text (invalid byte at offset {}); shipgate reads only ref names that are UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Opens the repository, saying plainly when it uses SHA-256 object names, which the
/// git library shipgate is built on does not read yet.
fn open(path: &std::path::Path, refs: &[RefUpdate]) -> Result<Repo> {
    let sha256 = refs.iter().any(|r| r.local_sha.len() == 64);
    let repo = Repo::open(path).map_err(|e| {
        if sha256 {
            e.context(
                "this repository uses SHA-256 object names, which shipgate cannot read yet; \
                 push with `git push --no-verify` and judge the change in CI",
            )
        } else {
            e
        }
    })?;
    if sha256 {
        bail!(
            "git passed SHA-256 object names, but `{}` uses SHA-1 ones; expected {LINE_FORMAT} with 40-digit shas",
            path.display()
        );
    }
    Ok(repo)
}

/// The push as the pre-commit framework describes it: it reads git's stdin itself and
/// hands its hooks one ref in `PRE_COMMIT_*` variables. `FROM_REF` is the remote's tip
/// when the repository has it, else the parent of the oldest commit that no branch of
/// the remote has; both are the right base. Without `FROM_REF` and `TO_REF` the push
/// reaches a root commit: nothing of it is on the remote, which is a new branch.
fn from_pre_commit(repo: &Repo, env: &Env) -> Result<(Remote, Vec<RefUpdate>)> {
    let var = |name: &str| env.get(name);
    let (from, to) = (var("PRE_COMMIT_FROM_REF")?, var("PRE_COMMIT_TO_REF")?);
    let local_ref = var("PRE_COMMIT_LOCAL_BRANCH")?;
    let remote_ref = var("PRE_COMMIT_REMOTE_BRANCH")?;
    let remote_name = var("PRE_COMMIT_REMOTE_NAME")?;
    // The repository opened, so it uses SHA-1 names: 40 hex digits.
    let check = |name: &str, sha: &str| -> Result<()> {
        if sha.len() != 40 || !is_object_id(sha) {
            bail!("{name} `{sha}` is not a full object name (40 hex digits)");
        }
        Ok(())
    };
    let update = match (from, to, local_ref) {
        (Some(from), Some(to), _) => {
            check("PRE_COMMIT_FROM_REF", from)?;
            check("PRE_COMMIT_TO_REF", to)?;
            RefUpdate {
                local_ref: local_ref.unwrap_or(to).to_owned(),
                local_sha: to.to_owned(),
                // `pre-commit run --hook-stage pre-push --from-ref A --to-ref B` names
                // no remote ref: judge the range like a branch.
                remote_ref: remote_ref.unwrap_or("(no remote ref given)").to_owned(),
                remote_sha: from.to_owned(),
            }
        }
        (None, None, Some(local)) => {
            let Some(remote_ref) = remote_ref else {
                bail!(
                    "PRE_COMMIT_LOCAL_BRANCH is set but PRE_COMMIT_REMOTE_BRANCH is not; run shipgate through pre-commit's pre-push hook"
                );
            };
            let sha = match repo.commit_of(local) {
                Ok(oid) => oid.to_string(),
                Err(Unresolved::Nothing { why, .. }) => bail!(
                    "PRE_COMMIT_LOCAL_BRANCH `{local}` names nothing in this repository: {why}; \
                     pre-commit sets it to the branch being pushed, so run shipgate through \
                     pre-commit's pre-push hook"
                ),
                Err(Unresolved::Unborn) => {
                    bail!("PRE_COMMIT_LOCAL_BRANCH `{local}` has no commits yet; commit first")
                }
                Err(Unresolved::NotACommit(kind)) => {
                    bail!("PRE_COMMIT_LOCAL_BRANCH `{local}` names {kind}, not a commit")
                }
            };
            RefUpdate {
                local_ref: local.to_owned(),
                local_sha: sha,
                remote_ref: remote_ref.to_owned(),
                remote_sha: "0".repeat(40),
            }
        }
        (Some(_), None, _) | (None, Some(_), _) => bail!(
            "only one of PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF is set; pre-commit sets both or neither"
        ),
        (None, None, None) => bail!(
            "--from-env reads the push from the variables the pre-commit framework sets for a \
             pre-push hook (PRE_COMMIT_FROM_REF, PRE_COMMIT_TO_REF, PRE_COMMIT_LOCAL_BRANCH, ...), \
             and none is set; run it through pre-commit at the pre-push stage, or install \
             git's own hook with `shipgate hook install`"
        ),
    };
    let remote = match remote_name {
        Some(name) => Remote::find(repo.git2(), name),
        None => Remote {
            shown: "(no remote given)".to_owned(),
            name: None,
        },
    };
    Ok((remote, vec![update]))
}

fn plan(push: &Push<'_>, update: &RefUpdate) -> Result<Plan> {
    let repo = push.repo.git2();
    let local = Oid::from_str(&update.local_sha)?;
    let object = match repo.find_object(local, None) {
        Ok(o) => o,
        Err(e) if e.code() == ErrorCode::NotFound => bail!(
            "the local sha {} of {} is not in this repository; git passes the objects it is about to push, so check that the hook runs in the repository that pushes",
            update.local_sha,
            update.local_ref
        ),
        Err(e) => {
            return Err(anyhow!(e.message().to_owned()))
                .with_context(|| format!("could not read {}", update.local_sha));
        }
    };
    let Ok(commit) = object.peel_to_commit() else {
        let kind = object.kind().map_or("object", |k| k.str());
        return Ok(Plan::Skip(format!(
            "points at a {kind}, not a commit; nothing to check"
        )));
    };
    // The remote's default branch, as this clone last fetched it: what a change with no
    // base (a first release) is judged by, since the push cannot have written it.
    let default_branch: Vec<String> = push
        .remote
        .name
        .iter()
        .map(|name| format!("refs/remotes/{name}/HEAD"))
        .collect();
    // A policy may extend one shared on GitHub (`GITHUB_TOKEN`, `GITHUB_API_URL`).
    let github = Access::from_env(push.env)?;
    let posthog_key = posthog::key_from_env(push.env)?.map(Secret::new);
    let request = |base: Base, tags: Vec<String>, notes: Vec<String>| {
        Plan::Judge(Box::new(Request {
            repo: push.repo_path.clone(),
            base,
            head: update.local_sha.clone(),
            stage: push.stage.clone(),
            labels: push.labels.clone(),
            tags,
            notes,
            default_branch: default_branch.clone(),
            github: Some(github.clone()),
            posthog_key: posthog_key.clone(),
            ..Request::default()
        }))
    };

    if let Some(tag) = update.remote_ref.strip_prefix("refs/tags/") {
        let (policy, origin) =
            pipeline::release_policy(push.repo, None, &default_branch, Some(&github))?;
        if crate::judge::packages::releases_tagged(&policy, tag).is_empty() {
            return Ok(Plan::Skip(format!(
                "not a release tag ({}, policy {}); nothing to check",
                pipeline::release_patterns(&policy),
                origin.source
            )));
        }
        let base = Base::PreviousRelease {
            tag: tag.to_owned(),
        };
        return Ok(request(base, vec![tag.to_owned()], Vec::new()));
    }
    if update.remote_ref.starts_with("refs/notes/") {
        return Ok(Plan::Skip(
            "git notes, not a change; nothing to check".to_owned(),
        ));
    }

    let mut notes = Vec::new();
    let base = if is_zero(&update.remote_sha) {
        new_branch_base(push, "new on the remote", &mut notes)?
    } else if commit_here(repo, &update.remote_sha) {
        update.remote_sha.clone()
    } else {
        unknown_remote_tip_base(push, update, commit.id(), &mut notes)?
    };
    Ok(request(Base::Rev(base), Vec::new(), notes))
}

fn commit_here(repo: &git2::Repository, sha: &str) -> bool {
    Oid::from_str(sha).is_ok_and(|oid| repo.find_commit(oid).is_ok())
}

/// The base of a branch whose remote side shipgate cannot see: what the remote's
/// default branch lacks, unless the user named another base. A base set for this push
/// (`SHIPGATE_BASE`) or for the repository (`shipgate.base`) is a deliberate choice, so
/// it wins over the remote's default branch, which is only a guess at the target.
fn new_branch_base(push: &Push<'_>, why: &str, notes: &mut Vec<String>) -> Result<String> {
    let repo = push.repo.git2();
    let configured = match push.env.get("SHIPGATE_BASE")? {
        Some(rev) => Some((rev.to_owned(), "SHIPGATE_BASE")),
        None => match repo.config().and_then(|c| c.get_string("shipgate.base")) {
            Ok(rev) if !rev.trim().is_empty() => Some((rev, "git config shipgate.base")),
            Ok(_) => None,
            Err(e) if e.code() == ErrorCode::NotFound => None,
            Err(e) => {
                return Err(anyhow!(e.message().to_owned()))
                    .context("could not read git config shipgate.base");
            }
        },
    };
    if let Some((rev, from)) = configured {
        let oid = push.repo.commit_of(&rev).map_err(|e| {
            let why = match e {
                Unresolved::Nothing { why, .. } => why,
                Unresolved::Unborn => "it has no commits yet".to_owned(),
                Unresolved::NotACommit(kind) => format!("it names {kind}"),
            };
            anyhow!(
                "{from} is `{rev}`, which names no commit here ({why}); set it to a branch, tag or commit of this repository"
            )
        })?;
        notes.push(format!(
            "the branch is {why}: the change is what {rev} ({from}) lacks"
        ));
        return Ok(oid.to_string());
    }
    let Some(name) = &push.remote.name else {
        bail!(
            "the branch is {why}, and the push goes to a URL, not a configured remote, so there \
             is no default branch to compare it with; name the base with `git config \
             shipgate.base <rev>` (or SHIPGATE_BASE=<rev> for one push), or push to a named remote"
        );
    };
    let head = format!("refs/remotes/{name}/HEAD");
    match repo.find_reference(&head) {
        Ok(r) => {
            let shown = r
                .symbolic_target()
                .ok()
                .flatten()
                .map(|t| t.trim_start_matches("refs/remotes/").to_owned())
                .unwrap_or_else(|| format!("{name}/HEAD"));
            let commit = r.peel_to_commit().map_err(|_| {
                anyhow!(
                    "{head} points at `{shown}`, which is not there (the branch was deleted, or never fetched); run `git remote set-head {name} --auto` to refresh it"
                )
            })?;
            notes.push(format!(
                "the branch is {why}: the change is what {shown}, the remote's default branch, lacks"
            ));
            Ok(commit.id().to_string())
        }
        Err(e) if e.code() == ErrorCode::NotFound => bail!(
            "the branch is {why}, and {name}'s default branch is unknown here ({head} is not set), \
             so there is nothing to compare it with; run `git remote set-head {name} --auto`, or \
             name the base with `git config shipgate.base <rev>` (or SHIPGATE_BASE=<rev> for one \
             push). A first push to an empty remote has no base at all: make it with \
             `git push --no-verify`"
        ),
        Err(e) => {
            Err(anyhow!(e.message().to_owned())).with_context(|| format!("could not read {head}"))
        }
    }
}

/// The base of a branch whose remote tip is not in this repository (someone else pushed
/// since the last fetch, or the push rewrites history that was never fetched).
///
/// `remote-sha..local-sha` cannot be walked, so the change is taken to be the commits
/// that no remote-tracking branch has: those are what the push brings that the remote
/// may lack. A range needs one base, so the base is where those commits meet the known
/// history: their parents outside the set (the boundary), minus any that is an ancestor
/// of another. One such commit gives exactly those commits. Several (the branch merged
/// two remote branches) are replaced by their common ancestor: the change then also
/// holds what those branches brought, which can only add evidence needs, never hide
/// one. No boundary at all (nothing is shared with any remote-tracking branch) leaves
/// it to the rules of a new branch.
fn unknown_remote_tip_base(
    push: &Push<'_>,
    update: &RefUpdate,
    local: Oid,
    notes: &mut Vec<String>,
) -> Result<String> {
    let repo = push.repo.git2();
    let unknown = format!(
        "the remote's tip {} is not in this repository (`git fetch` brings it)",
        &update.remote_sha[..10]
    );
    let mut walk = repo.revwalk()?;
    walk.push(local)?;
    for reference in repo.references_glob("refs/remotes/*")? {
        // A dangling `origin/HEAD` is no history; skip it rather than fail.
        if let Ok(commit) = reference?.peel_to_commit() {
            walk.hide(commit.id())?;
        }
    }
    let new: HashSet<Oid> = walk
        .collect::<std::result::Result<_, _>>()
        .context("could not walk the branch's history")?;
    if new.is_empty() {
        notes.push(format!(
            "{unknown}; every commit of the branch is on a remote-tracking branch already, so nothing is new"
        ));
        return Ok(local.to_string());
    }
    let mut boundary = Vec::new();
    for oid in &new {
        for parent in repo.find_commit(*oid)?.parent_ids() {
            if !new.contains(&parent) && !boundary.contains(&parent) {
                boundary.push(parent);
            }
        }
    }
    let mut tips = Vec::new();
    for &b in &boundary {
        let mut behind = false;
        for &other in &boundary {
            if other != b && repo.graph_descendant_of(other, b)? {
                behind = true;
                break;
            }
        }
        if !behind {
            tips.push(b);
        }
    }
    tips.sort();
    match tips[..] {
        [] => new_branch_base(
            push,
            &format!("unknown here ({unknown}, and no remote-tracking branch shares its history)"),
            notes,
        ),
        [tip] => {
            notes.push(format!(
                "{unknown}; the change is the {} commit{} that no remote-tracking branch has, since {}",
                new.len(),
                if new.len() == 1 { "" } else { "s" },
                short(tip)
            ));
            Ok(tip.to_string())
        }
        _ => {
            let base = repo.merge_base_octopus(&tips).map_err(|e| match e.code() {
                ErrorCode::NotFound => anyhow!(
                    "{unknown}, and the branch joins remote branches that share no history; fetch the remote and push again"
                ),
                _ => anyhow::Error::new(e).context("could not find where the remote branches meet"),
            })?;
            notes.push(format!(
                "{unknown}; the branch merges {} remote branches, so the change is everything since their common ancestor {}",
                tips.len(),
                short(base)
            ));
            Ok(base.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const Z: &str = "0000000000000000000000000000000000000000";

    fn err(input: &str) -> String {
        format!("{:#}", parse_refs(input).unwrap_err())
    }

    #[test]
    fn reads_git_lines() {
        let refs = parse_refs(&format!(
            "refs/heads/a {A} refs/heads/a {B}\nHEAD^{{/fix it}} {A} refs/heads/b {Z}\n(delete) {Z} refs/heads/c {B}\n"
        ))
        .unwrap();
        assert_eq!(refs.len(), 3);
        assert_eq!(refs[1].local_ref, "HEAD^{/fix it}");
        assert_eq!(refs[1].remote_ref, "refs/heads/b");
        assert_eq!(refs[2].local_sha, Z);
        assert!(parse_refs("").unwrap().is_empty());
        let long = "ab".repeat(32);
        let zero = "0".repeat(64);
        let refs = parse_refs(&format!("refs/tags/v1 {long} refs/tags/v1 {zero}")).unwrap();
        assert_eq!(refs[0].local_sha, long);
    }

    #[test]
    fn refuses_what_git_does_not_write() {
        assert_eq!(
            err(&format!("refs/heads/a {A} refs/heads/a")),
            format!(
                "stdin line 1: expected {LINE_FORMAT}, as git writes it for a pre-push hook, but got `refs/heads/a {A} refs/heads/a`"
            )
        );
        assert!(err(&format!("a {A} b {B}\n\n")).starts_with("stdin line 2: expected"));
        assert!(err(&format!("a {} b {B}", &A[..39])).contains("the local sha `111"));
        assert!(err(&format!("a {A} b {}", "g".repeat(40))).contains("the remote sha `ggg"));
        assert!(err(&format!("a {A} b {B}\r\n")).contains("not a full object name"));
        assert!(err(&format!("a {A} b {}", "0".repeat(64))).contains("40 characters"));
        assert!(err(&format!("a {Z} b {Z}")).contains("both shas are zero"));
        assert!(err(&format!(" {A} b {B}")).starts_with("stdin line 1: expected"));
    }

    #[test]
    fn passwords_in_urls_are_hidden() {
        assert_eq!(
            hide_password("https://me:secret@example.com/x.git"),
            "https://***@example.com/x.git"
        );
        assert_eq!(
            hide_password("git@example.com:x.git"),
            "git@example.com:x.git"
        );
        assert_eq!(hide_password("/srv/x.git"), "/srv/x.git");
        assert_eq!(
            hide_password("https://example.com/a@b"),
            "https://example.com/a@b"
        );
    }
}
