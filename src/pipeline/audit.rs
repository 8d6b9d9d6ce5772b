//! `shipgate audit` (SPEC §14): every release tag of a history, oldest first, judged as a
//! push of that tag is judged ([`super::run`] with [`Base::PreviousRelease`]): over its
//! whole release since the previous release of its package, with the policy at that
//! previous release (a first release as §11 says), so that a row of the audit is what the
//! gate would have said when the tag was pushed.
//!
//! The repository is opened once, its tags listed once and the release policy read once;
//! each release then costs what its own range costs (its commits, its diff, the files its
//! rules read), never a walk of the history before it.

use std::path::PathBuf;

use anyhow::{Context as _, Result, anyhow};
use git2::Oid;

use super::packages::previous_of_pushed_tag;
use super::{Listed, PolicyOrigin, Trusted, load_policy, release_patterns, release_policy, run_in};
use crate::error::Code;
use crate::gather::chain::top_folder;
use crate::gather::git::Repo;
use crate::gather::github::Access;
use crate::gather::github::SharedPolicies;
use crate::gather::secret::Secret;
use crate::gather::{History, Links, Span};
use crate::judge::packages::{self, ReleaseTag};
use crate::judge::policy::Which;
use crate::judge::verdict::Report;
use crate::request::{Base, Request};

/// What an audit is asked: which repository, which policy, which releases.
#[derive(Debug, Clone, Default)]
pub(crate) struct AuditRequest {
    pub(crate) repo: PathBuf,
    /// A policy file for every release instead of the one at each previous release.
    pub(crate) config: Option<PathBuf>,
    /// Only this package's releases (`.` is the root package).
    pub(crate) package: Option<String>,
    /// Only the releases that this release tag's history does not hold.
    pub(crate) since: Option<String>,
    /// As [`Request::default_branch`]: where a first release takes its policy from, and
    /// the release tag patterns.
    pub(crate) default_branch: Vec<String>,
    pub(crate) github: Option<Access>,
    /// As [`Request::posthog_key`]: a flag registry that is a PostHog project.
    pub(crate) posthog_key: Option<Secret>,
}

/// A release tag to judge, and the names of the packages it is a release of.
struct Planned {
    tag: ReleaseTag,
    packages: Vec<String>,
}

/// The releases of a history in the order they are judged, ready to be judged one by one
/// (so that the caller can show how far it got).
pub(crate) struct Plan {
    repo: Repo,
    request: AuditRequest,
    listed: Listed,
    releases: Vec<Planned>,
}

/// One release judged.
pub(crate) struct Audited {
    pub(crate) tag: String,
    /// The tagged commit's full id.
    pub(crate) commit: String,
    /// The packages the tag is a release of (of those asked for), as the release policy
    /// names them.
    pub(crate) packages: Vec<String>,
    /// What a push of the tag is judged to be.
    pub(crate) report: Report,
}

/// Lists the release tags of `req`'s repository, oldest first (see
/// [`Repo::history_order`]; tags of one commit in the policy's order of packages, then
/// by version): those that the release policy's tag patterns pick, of `--package` when
/// given, after `--since` when given. A package or a `--since` tag that is not one is an
/// error that says what would be.
pub(crate) fn plan(req: &AuditRequest) -> Result<Plan> {
    let repo = Repo::open(&req.repo)?;
    let (policy, origin) = release_policy(
        &repo,
        req.config.as_deref(),
        &req.default_branch,
        req.github.as_ref(),
    )?;
    let wanted = match &req.package {
        None => None,
        Some(name) => Some(
            packages::every(&policy)
                .find(|w| policy.package_name(*w) == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = packages::every(&policy)
                        .map(|w| policy.package_name(w))
                        .collect();
                    Code::BadArguments.tag(anyhow!(
                        "--package `{name}`: the policy ({}) has no such package; its packages are: {} (`.` is the root package, the files outside every other)",
                        origin.source,
                        known.join(", ")
                    ))
                })?,
        ),
    };
    let top = top_folder(&req.repo);
    // `--config` is one file for every release: read once, as each run would read it.
    let config = match &req.config {
        Some(path) => {
            let shared = SharedPolicies::new(req.github.clone().unwrap_or_else(Access::public));
            let nowhere = Trusted::Nothing { tried: Vec::new() };
            Some(load_policy(&repo, Some(path), &nowhere, &shared, &top)?)
        }
        None => None,
    };
    let tags = repo.release_tags()?;
    let hidden = match &req.since {
        None => None,
        Some(since) => Some(since_commit(&repo, &policy, &origin, &tags, since)?),
    };
    // Each release with its key: the package's place in the policy, and its version.
    let mut releases: Vec<(Oid, usize, semver::Version, Planned)> = Vec::new();
    for tag in &tags {
        let of: Vec<(Which, semver::Version)> = packages::releases_tagged(&policy, &tag.name)
            .into_iter()
            .filter(|(w, _)| wanted.is_none_or(|p| p == *w))
            .collect();
        let Some((first, version)) = of.first().cloned() else {
            continue;
        };
        let place = packages::every(&policy)
            .position(|w| w == first)
            .unwrap_or(0);
        let commit = Oid::from_str(&tag.commit)?;
        let planned = Planned {
            tag: tag.clone(),
            packages: of
                .iter()
                .map(|(w, _)| policy.package_name(*w).to_owned())
                .collect(),
        };
        releases.push((commit, place, version, planned));
    }
    let commits: Vec<Oid> = releases.iter().map(|(c, ..)| *c).collect();
    let order = repo.history_order(&commits, hidden)?;
    releases.retain(|(c, ..)| order.contains_key(c));
    releases.sort_by(|a, b| {
        order[&a.0]
            .cmp(&order[&b.0])
            .then(a.1.cmp(&b.1))
            .then_with(|| a.2.cmp_precedence(&b.2))
            .then_with(|| a.3.tag.name.cmp(&b.3.tag.name))
    });
    Ok(Plan {
        repo,
        request: req.clone(),
        listed: Listed {
            policy,
            tags,
            top,
            config,
        },
        releases: releases.into_iter().map(|(.., p)| p).collect(),
    })
}

/// The commit of the `--since` tag, which must be a release tag.
fn since_commit(
    repo: &Repo,
    policy: &crate::judge::policy::Policy,
    origin: &PolicyOrigin,
    tags: &[ReleaseTag],
    since: &str,
) -> Result<Oid> {
    let Some(tag) = tags.iter().find(|t| t.name == since) else {
        return Err(Code::BadArguments.tag(anyhow!(
            "--since `{since}` is not a tag of the repository at {}; pass a release tag (`git tag --list` lists them)",
            repo.git2()
                .workdir()
                .unwrap_or(repo.git2().path())
                .display()
        )));
    };
    if packages::releases_tagged(policy, since).is_empty() {
        return Err(Code::BadArguments.tag(anyhow!(
            "--since `{since}` is not a release tag: no tag pattern of the policy ({}) picks it with a semver version ({}); pass a release tag",
            origin.source,
            release_patterns(policy)
        )));
    }
    Ok(Oid::from_str(&tag.commit)?)
}

impl Plan {
    /// How many releases there are to judge.
    pub(crate) fn len(&self) -> usize {
        self.releases.len()
    }

    /// Judges the `i`th release as a push of its tag is judged; `Err` names the release.
    pub(crate) fn judge(&self, i: usize, links: &dyn Links) -> Result<Audited> {
        let planned = &self.releases[i];
        let name = planned.tag.name.clone();
        let request = Request {
            repo: self.request.repo.clone(),
            base: Base::PreviousRelease { tag: name.clone() },
            head: planned.tag.commit.clone(),
            config: self.request.config.clone(),
            tags: vec![name.clone()],
            default_branch: self.request.default_branch.clone(),
            github: self.request.github.clone(),
            posthog_key: self.request.posthog_key.clone(),
            ..Request::default()
        };
        let which = if planned.packages.len() == 1 {
            "package"
        } else {
            "packages"
        };
        let report =
            run_in(&self.repo, &request, links, Some(&self.listed)).with_context(|| {
                // Looked up for the message alone: the run found it already.
                let previous =
                    previous_of_pushed_tag(&self.listed.policy, &name, &self.listed.tags);
                let since = match previous {
                    Ok(Some(p)) => format!("since {}", p.name),
                    Ok(None) => "a first release".to_owned(),
                    // Never so: only release tags are planned.
                    Err(_) => "not a release tag".to_owned(),
                };
                format!(
                    "release {name} of {which} {} ({since}) could not be judged",
                    planned.packages.join(", ")
                )
            })?;
        Ok(Audited {
            tag: name,
            commit: planned.tag.commit.clone(),
            packages: planned.packages.clone(),
            report,
        })
    }
}

/// The names of the tags in `tags` that point at `commit`, sorted, as
/// [`Repo::tags_at`] lists them.
pub(super) fn tags_at(tags: &[ReleaseTag], commit: Oid) -> Vec<String> {
    let commit = commit.to_string();
    let mut at: Vec<String> = tags
        .iter()
        .filter(|t| t.commit == commit)
        .map(|t| t.name.clone())
        .collect();
    at.sort();
    at
}

/// The repository's history with its tags listed once for every release judged.
pub(super) struct ListedHistory<'a> {
    pub(super) repo: &'a Repo,
    pub(super) tags: &'a [ReleaseTag],
}

impl History for ListedHistory<'_> {
    fn tags(&self) -> Result<Vec<ReleaseTag>> {
        Ok(self.tags.to_vec())
    }

    fn since(&self, base: Option<&str>, head: &str) -> Result<Span> {
        self.repo.since(base, head)
    }

    fn has_folder(&self, commit: &str, path: &str) -> Result<Option<bool>> {
        self.repo.has_folder(commit, path)
    }
}
