//! GitLab CI: what a pipeline's predefined variables say about the change, and the
//! GitLab-specific advice when the job's clone lacks the commits they name.
//!
//! Three kinds of pipeline are told apart:
//!
//! - **merge request** (`CI_MERGE_REQUEST_IID`): the change is
//!   `CI_MERGE_REQUEST_DIFF_BASE_SHA..head`, with the merge request's labels and
//!   description;
//! - **tag** (`CI_COMMIT_TAG`): everything since the previous release tag;
//! - **branch** (anything else): the push, `CI_COMMIT_BEFORE_SHA..CI_COMMIT_SHA`, or for
//!   a new branch (and scheduled or manual runs, where GitLab gives no previous tip)
//!   what `origin/$CI_DEFAULT_BRANCH` lacks.
//!
//! GitLab clones shallowly by default (`GIT_DEPTH`, 20 in new projects) and fetches only
//! the pipeline's own ref, so the commits a variable names may be missing, and the
//! history between them may be cut. [`run`] checks both and says which variable named
//! the missing commit and how to deepen the clone, instead of judging a cut history.

use anyhow::{Result, anyhow, bail};
use git2::{ErrorCode, Oid};

use crate::gather::NoLinks;
use crate::gather::env::Env;
use crate::gather::git::{Repo, is_object_id, is_zero_id, short};
use crate::judge::change::Author;
use crate::judge::verdict::Report;
use crate::pipeline;
use crate::request::{Base, CiContext, Request};

pub(crate) const SYSTEM: &str = "GitLab CI";

/// How to deepen a GitLab clone; the project setting "Git shallow clone" and the
/// `GIT_DEPTH` variable both set the depth, and `0` turns it off.
const DEPTH_HINT: &str = "GitLab's clone of this job is shallow (GIT_DEPTH, or the project's Git shallow clone \
setting): set `GIT_DEPTH: \"0\"` in the job's variables, or run `git fetch --unshallow` before the check";

/// A pipeline as read from the environment, with the variables that named its ends, so
/// that an error can point at the variable rather than at a bare id.
pub(crate) struct Pipeline {
    /// What the pipeline says about the change.
    pub(crate) context: CiContext,
    base_var: Option<&'static str>,
    head_var: Option<&'static str>,
    /// What to do when the base commit is not in the clone (and the clone is complete).
    base_fix: String,
}

/// `Ok(None)` unless `GITLAB_CI=true`.
///
/// - Merge-request pipeline: base `CI_MERGE_REQUEST_DIFF_BASE_SHA`, head `CI_COMMIT_SHA`,
///   labels `CI_MERGE_REQUEST_LABELS` (comma-separated: GitLab label names cannot hold
///   a comma), body `CI_MERGE_REQUEST_DESCRIPTION`. In a merged-results pipeline
///   `CI_COMMIT_SHA` is GitLab's merge of the source into the target's current tip; the
///   head is then `CI_MERGE_REQUEST_SOURCE_BRANCH_SHA`, the merge request's own tip.
///   The diff base is an ancestor of both, but `base..merge-result` also holds every
///   commit the target gained since the diff base (other merge requests, with their
///   `Release:` trailers and docs) and the three-dot diff to the merge result carries
///   their files too; `base..source` is exactly the merge request's commits and diff.
/// - Tag pipeline (`CI_COMMIT_TAG`): base the previous release tag, the tag among the
///   pushed tags, head `CI_COMMIT_SHA`.
/// - Branch pipeline: `CI_COMMIT_BEFORE_SHA..CI_COMMIT_SHA`. GitLab sets the previous
///   tip to all zeros for a new branch and for scheduled, manual and API runs; then the
///   change is what the default branch lacks (`refs/remotes/origin/$CI_DEFAULT_BRANCH`),
///   like a merge request into it would show. GitLab fetches only the pipeline's own
///   branch, so that ref is often missing: [`run`] then says how to fetch it rather
///   than guessing another base. On the default branch itself that change is empty.
pub(crate) fn detect(env: &Env) -> Result<Option<Pipeline>> {
    if !env.is_true("GITLAB_CI") {
        return Ok(None);
    }
    let iid = env.get("CI_MERGE_REQUEST_IID")?;
    let mut pipeline = if iid.is_some() || env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA")?.is_some() {
        merge_request(env, iid)?
    } else if let Some(tag) = env.get("CI_COMMIT_TAG")? {
        tag_pipeline(env, tag)?
    } else {
        branch_pipeline(env)?
    };
    // Where a change has no base (a first release tag), its policy is read at the
    // default branch's tip as the clone knows it.
    pipeline.context.default_branch = default_branch_ref(env)?.map(|(_, r)| vec![r]);
    Ok(Some(pipeline))
}

/// `CI_DEFAULT_BRANCH` and its remote-tracking ref, `refs/remotes/origin/<branch>`
/// (which `git fetch origin <branch>` brings into the job's clone).
fn default_branch_ref(env: &Env) -> Result<Option<(&str, String)>> {
    let Some(default) = env.get("CI_DEFAULT_BRANCH")? else {
        return Ok(None);
    };
    let reference = format!("refs/remotes/origin/{default}");
    if !git2::Reference::is_valid_name(&reference) {
        bail!(
            "CI_DEFAULT_BRANCH is `{default}`, which is not a branch name git accepts; \
             set it to the project's default branch, or pass --base"
        );
    }
    Ok(Some((default, reference)))
}

fn merge_request(env: &Env, iid: Option<&str>) -> Result<Pipeline> {
    let name = iid.map_or_else(
        || "merge request".to_owned(),
        |i| format!("merge request !{i}"),
    );
    let mut notes = Vec::new();
    let base = commit_var(env, "CI_MERGE_REQUEST_DIFF_BASE_SHA")?;
    let source = commit_var(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA")?;
    let (head, head_var) = match source {
        Some(sha) => {
            notes.push(format!(
                "GitLab merged-results pipeline for {name}: its own commits are judged \
                 (CI_MERGE_REQUEST_SOURCE_BRANCH_SHA), not GitLab's merge commit (CI_COMMIT_SHA)"
            ));
            (Some(sha), Some("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"))
        }
        None => {
            let sha = commit_var(env, "CI_COMMIT_SHA")?;
            let var = sha.is_some().then_some("CI_COMMIT_SHA");
            (sha, var)
        }
    };
    if base.is_none() {
        notes.push(format!(
            "GitLab did not say where {name} starts (CI_MERGE_REQUEST_DIFF_BASE_SHA is unset); pass --base"
        ));
    }
    let labels = env
        .get("CI_MERGE_REQUEST_LABELS")?
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let body = env.get("CI_MERGE_REQUEST_DESCRIPTION")?.map(str::to_owned);
    if env.is_true("CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED") {
        notes.push(format!(
            "GitLab cut the description of {name} short (CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED): \
             a `Docs:` line or the marketing checkbox after the cut is not seen; move them to the top, \
             or use a commit trailer or a label instead"
        ));
    }
    // The merge request's author; GitLab names them in newer versions, and always names
    // who started the pipeline, which for a merge request's pushes is its author.
    let author = match env.get("CI_MERGE_REQUEST_AUTHOR")? {
        Some(login) => Author::Login(login.trim().to_owned()),
        None => env
            .get("GITLAB_USER_LOGIN")?
            .map_or(Author::Unknown, |login| {
                Author::Login(login.trim().to_owned())
            }),
    };
    let target = env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")?;
    let base_fix = match target {
        Some(t) => format!("fetch the target branch (`git fetch origin {t}`)"),
        None => "fetch the target branch (`git fetch origin <target-branch>`)".to_owned(),
    };
    Ok(Pipeline {
        base_var: base.is_some().then_some("CI_MERGE_REQUEST_DIFF_BASE_SHA"),
        context: CiContext {
            system: SYSTEM,
            base: base.map(Base::Rev),
            head,
            // In a merge-request pipeline GitLab speaks for the labels: none set is "no labels".
            labels: Some(labels),
            body,
            tags: Vec::new(),
            notes,
            default_branch: None,
            draft: env.is_true("CI_MERGE_REQUEST_DRAFT"),
            author,
        },
        head_var,
        base_fix,
    })
}

fn tag_pipeline(env: &Env, tag: &str) -> Result<Pipeline> {
    let head = commit_var(env, "CI_COMMIT_SHA")?;
    Ok(Pipeline {
        base_var: None,
        head_var: head.is_some().then_some("CI_COMMIT_SHA"),
        context: CiContext {
            system: SYSTEM,
            base: Some(Base::PreviousRelease {
                tag: tag.to_owned(),
            }),
            head,
            labels: None,
            body: None,
            tags: vec![tag.to_owned()],
            notes: Vec::new(),
            default_branch: None,
            draft: false,
            author: Author::Unknown,
        },
        base_fix: String::new(),
    })
}

fn branch_pipeline(env: &Env) -> Result<Pipeline> {
    let head = commit_var(env, "CI_COMMIT_SHA")?;
    let before = commit_var(env, "CI_COMMIT_BEFORE_SHA")?.filter(|sha| !is_zero_id(sha));
    let mut notes = Vec::new();
    let (base, base_var, base_fix) = if let Some(before) = before {
        (
            Some(before),
            Some("CI_COMMIT_BEFORE_SHA"),
            "a force push drops the branch's previous tip from its history; \
             pass --base with the commit this push should be compared with"
                .to_owned(),
        )
    } else if let Some((default, reference)) = default_branch_ref(env)? {
        let branch = env.get("CI_COMMIT_BRANCH")?;
        notes.push(if branch == Some(default) {
            format!(
                "GitLab names no previous tip (CI_COMMIT_BEFORE_SHA), and this pipeline runs on the \
                 default branch {default}: the change is what origin/{default} lacks, usually nothing"
            )
        } else {
            format!(
                "GitLab names no previous tip (CI_COMMIT_BEFORE_SHA: a new branch, or a scheduled or \
                 manual run): the change is what the default branch origin/{default} lacks"
            )
        });
        (
            Some(reference),
            Some("CI_DEFAULT_BRANCH"),
            format!(
                "GitLab fetches only the pipeline's own branch: run `git fetch origin {default}` before the check"
            ),
        )
    } else {
        notes.push(
            "GitLab names neither a previous tip (CI_COMMIT_BEFORE_SHA) nor a default branch \
             (CI_DEFAULT_BRANCH); pass --base"
                .to_owned(),
        );
        (None, None, String::new())
    };
    Ok(Pipeline {
        base_var,
        head_var: head.is_some().then_some("CI_COMMIT_SHA"),
        context: CiContext {
            system: SYSTEM,
            base: base.map(Base::Rev),
            head,
            labels: None,
            body: None,
            tags: Vec::new(),
            notes,
            default_branch: None,
            draft: false,
            author: Author::Unknown,
        },
        base_fix,
    })
}

/// A variable that GitLab sets to a commit id. Anything else is refused rather than
/// handed to git's revision parser, where `HEAD~3` or a branch name would mean
/// something other than what GitLab said.
fn commit_var(env: &Env, name: &str) -> Result<Option<String>> {
    let Some(value) = env.get(name)? else {
        return Ok(None);
    };
    if !is_object_id(value) {
        bail!(
            "{name} is `{value}`, not a commit id (40 or 64 hex digits) as GitLab sets it; \
             check the job's variables, or pass the revision as a flag"
        );
    }
    Ok(Some(value.to_ascii_lowercase()))
}

/// Judges `request` in a GitLab job: like any change ([`pipeline::run`]), with GitLab's
/// clone checked before and its errors explained after.
///
/// Before: every commit that a GitLab variable named (and that the request still uses;
/// a flag wins over a variable) is in the clone, else the error names the variable and
/// says how to fetch it or deepen the clone; in a shallow clone, base and head must share
/// history. After: in a shallow clone, no judged commit has its parents cut off, since a
/// cut history would silently lose commits (and their trailers) from the change, or, for
/// a tag with no earlier release tag fetched, judge whatever history happens to be there.
pub(crate) fn run(request: &Request, pipeline: &Pipeline) -> Result<Report> {
    let repo = Repo::open(&request.repo)?;
    require_named_commits(&repo, request, Some(pipeline))
        .map_err(|e| crate::error::Code::MissingHistory.tag_untagged(e))?;
    pipeline::run(request, &NoLinks).map_err(|e| advise(e, &repo, request))
}

/// Resolves the request's revisions as the pipeline will, so that a missing one is reported
/// with the variable that named it.
fn require_named_commits(repo: &Repo, request: &Request, named: Option<&Pipeline>) -> Result<()> {
    let var_of = |rev: &str, var: Option<&'static str>, ours: Option<&str>| {
        var.filter(|_| ours == Some(rev))
    };
    let ctx = named.map(|p| &p.context);
    let base = match &request.base {
        Base::Rev(rev) => {
            let ours = match ctx.and_then(|c| c.base.as_ref()) {
                Some(Base::Rev(r)) => Some(r.as_str()),
                _ => None,
            };
            let var = var_of(rev, named.and_then(|p| p.base_var), ours);
            let fix = named.map_or("", |p| p.base_fix.as_str());
            resolve(repo, rev, "base", var, fix)?.map(|oid| (oid, rev.as_str(), var))
        }
        _ => None,
    };
    let ours = ctx.and_then(|c| c.head.as_deref());
    let head_var = var_of(&request.head, named.and_then(|p| p.head_var), ours);
    let head_fix = "GitLab checks that commit out for the job: make sure the job fetches \
                    the repository (GIT_STRATEGY `fetch` or `clone`, not `none`)";
    let head = resolve(repo, &request.head, "head", head_var, head_fix)?;
    if let (Some((base, base_rev, base_var)), Some(head)) = (base, head)
        && repo.is_shallow()
        && let Err(e) = repo.git2().merge_base(base, head)
    {
        if e.code() != ErrorCode::NotFound {
            return Err(anyhow!(e.message().to_owned()).context("could not compute the merge-base"));
        }
        bail!(
            "the clone does not hold the history between base {} ({}) and head {} ({}), so the \
             change cannot be told apart from its base; {DEPTH_HINT}",
            short(base),
            origin(base_rev, base_var, "--base"),
            short(head),
            origin(&request.head, head_var, "--head"),
        );
    }
    Ok(())
}

/// Where a revision came from, for messages: the variable, or the flag.
fn origin(rev: &str, var: Option<&str>, flag: &str) -> String {
    match var {
        Some(var) => format!("from {var}"),
        None => format!("{flag} `{rev}`"),
    }
}

/// The commit `rev` names, `Ok(None)` when it names none and the pipeline's own message fits
/// better (a flag's revision in a complete clone), or the GitLab-specific error.
fn resolve(
    repo: &Repo,
    rev: &str,
    role: &str,
    var: Option<&str>,
    fix: &str,
) -> Result<Option<Oid>> {
    match repo
        .git2()
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
    {
        Ok(commit) => Ok(Some(commit.id())),
        Err(_) => {
            // In a shallow clone the commit may lie beyond the depth, or on a ref GitLab
            // did not fetch: both ways out are worth saying.
            let advice = match (repo.is_shallow(), fix.is_empty()) {
                (true, true) => DEPTH_HINT.to_owned(),
                (true, false) => format!("{DEPTH_HINT}; if it is still missing, {fix}"),
                (false, _) => fix.to_owned(),
            };
            match var {
                Some(var) => {
                    let what = if var == "CI_DEFAULT_BRANCH" {
                        format!("{var} names `{rev}` as the {role} of the change")
                    } else {
                        format!("{var} names commit {rev} as the {role} of the change")
                    };
                    if advice.is_empty() {
                        bail!("{what}, but this clone does not have it")
                    }
                    bail!("{what}, but this clone does not have it; {advice}")
                }
                None if repo.is_shallow() => {
                    bail!("--{role} `{rev}` names no commit in this clone; {DEPTH_HINT}")
                }
                None => Ok(None),
            }
        }
    }
}

/// A history error from the pipeline carries generic advice for a shallow clone; in a
/// GitLab job the depth is GitLab's to set.
/// A tag pipeline also fetches only its own tag, so the previous release may be missing
/// even from a deep enough clone.
fn advise(error: anyhow::Error, repo: &Repo, request: &Request) -> anyhow::Error {
    let text = format!("{error:#}");
    if !(repo.is_shallow() && text.contains("shallow clone")) {
        return error;
    }
    let tags =
        if matches!(request.base, Base::PreviousRelease { .. }) && text.contains(" is cut at ") {
            "; GitLab also fetches only the pipeline's own tag: run `git fetch --tags` \
         so that the previous release is found"
        } else {
            ""
        };
    // The advice is added to the text; the error keeps its code.
    crate::error::Code::of(&error).tag(anyhow!("{text}; {DEPTH_HINT}{tags}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const C: &str = "3333333333333333333333333333333333333333";
    const ZERO: &str = "0000000000000000000000000000000000000000";

    fn context(env: &Env) -> Result<Option<CiContext>> {
        Ok(detect(env)?.map(|p| p.context))
    }

    fn ctx(pairs: &[(&str, &str)]) -> Option<CiContext> {
        context(&Env::from_pairs(pairs.iter().copied())).unwrap()
    }

    #[test]
    fn nothing_without_gitlab_ci() {
        assert_eq!(
            ctx(&[("CI_COMMIT_SHA", A), ("CI_COMMIT_TAG", "v1.0.0")]),
            None
        );
        assert_eq!(ctx(&[("GITLAB_CI", "false"), ("CI_COMMIT_SHA", A)]), None);
    }

    #[test]
    fn merge_request_pipeline() {
        let c = ctx(&[
            ("GITLAB_CI", "true"),
            ("CI_MERGE_REQUEST_IID", "7"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", A),
            ("CI_COMMIT_SHA", B),
            (
                "CI_MERGE_REQUEST_LABELS",
                "release:full, marketing-notified,,",
            ),
            ("CI_MERGE_REQUEST_DESCRIPTION", "Docs: https://example.com"),
        ])
        .unwrap();
        assert_eq!(c.system, "GitLab CI");
        assert_eq!(c.base, Some(Base::Rev(A.to_owned())));
        assert_eq!(c.head.as_deref(), Some(B));
        assert_eq!(
            c.labels,
            Some(vec![
                "release:full".to_owned(),
                "marketing-notified".to_owned()
            ])
        );
        assert_eq!(c.body.as_deref(), Some("Docs: https://example.com"));
        assert!(c.tags.is_empty());
        assert!(c.notes.is_empty(), "{:?}", c.notes);
    }

    #[test]
    fn merge_request_without_labels_says_there_are_none() {
        let c = ctx(&[
            ("GITLAB_CI", "true"),
            ("CI_MERGE_REQUEST_IID", "7"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", A),
            ("CI_MERGE_REQUEST_LABELS", ""),
        ])
        .unwrap();
        assert_eq!(c.labels, Some(Vec::new()));
        assert_eq!(c.body, None);
        assert_eq!(c.head, None);
    }

    #[test]
    fn merged_results_judge_the_source_tip() {
        let c = ctx(&[
            ("GITLAB_CI", "true"),
            ("CI_MERGE_REQUEST_IID", "7"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", A),
            ("CI_COMMIT_SHA", B),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", C),
        ])
        .unwrap();
        assert_eq!(c.head.as_deref(), Some(C));
        assert_eq!(
            c.notes,
            [
                "GitLab merged-results pipeline for merge request !7: its own commits are judged \
              (CI_MERGE_REQUEST_SOURCE_BRANCH_SHA), not GitLab's merge commit (CI_COMMIT_SHA)"
            ]
        );
    }

    #[test]
    fn a_truncated_description_is_noted() {
        let c = ctx(&[
            ("GITLAB_CI", "true"),
            ("CI_MERGE_REQUEST_IID", "7"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", A),
            ("CI_MERGE_REQUEST_DESCRIPTION", "long"),
            ("CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED", "true"),
        ])
        .unwrap();
        assert_eq!(c.notes.len(), 1);
        assert!(c.notes[0].contains("cut the description of merge request !7 short"));
    }

    #[test]
    fn tag_pipeline() {
        let c = ctx(&[
            ("GITLAB_CI", "true"),
            ("CI_COMMIT_TAG", "v1.0.0"),
            ("CI_COMMIT_SHA", B),
            ("CI_COMMIT_BEFORE_SHA", ZERO),
        ])
        .unwrap();
        assert_eq!(
            c.base,
            Some(Base::PreviousRelease {
                tag: "v1.0.0".to_owned()
            })
        );
        assert_eq!(c.tags, ["v1.0.0"]);
        assert_eq!(c.head.as_deref(), Some(B));
        assert_eq!(c.labels, None);
    }

    #[test]
    fn branch_pipeline_is_the_push() {
        let c = ctx(&[
            ("GITLAB_CI", "true"),
            ("CI_COMMIT_BRANCH", "feature"),
            ("CI_COMMIT_BEFORE_SHA", A),
            ("CI_COMMIT_SHA", B),
            ("CI_DEFAULT_BRANCH", "main"),
        ])
        .unwrap();
        assert_eq!(c.base, Some(Base::Rev(A.to_owned())));
        assert_eq!(c.head.as_deref(), Some(B));
        assert_eq!(c.labels, None);
        assert_eq!(c.body, None);
    }

    #[test]
    fn a_new_branch_is_compared_with_the_default_branch() {
        let c = ctx(&[
            ("GITLAB_CI", "true"),
            ("CI_COMMIT_BRANCH", "feature"),
            ("CI_COMMIT_BEFORE_SHA", ZERO),
            ("CI_COMMIT_SHA", B),
            ("CI_DEFAULT_BRANCH", "main"),
        ])
        .unwrap();
        assert_eq!(
            c.base,
            Some(Base::Rev("refs/remotes/origin/main".to_owned()))
        );
        assert!(c.notes[0].contains("what the default branch origin/main lacks"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let env = Env::from_pairs([
            ("GITLAB_CI", "true"),
            ("CI_MERGE_REQUEST_IID", "7"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "HEAD~3"),
        ]);
        let e = context(&env).unwrap_err().to_string();
        assert!(
            e.starts_with("CI_MERGE_REQUEST_DIFF_BASE_SHA is `HEAD~3`, not a commit id"),
            "{e}"
        );

        let env = Env::from_pairs([
            ("GITLAB_CI", "true"),
            ("CI_COMMIT_BEFORE_SHA", ZERO),
            ("CI_DEFAULT_BRANCH", "ma..in"),
        ]);
        let e = context(&env).unwrap_err().to_string();
        assert!(e.starts_with("CI_DEFAULT_BRANCH is `ma..in`"), "{e}");
    }
}
