//! One request: what the pipeline is asked to judge, built from the command line's flags
//! and what a CI system says ([`CiContext`]), a flag always winning ([`build`]). Nothing
//! here knows clap or a CI system's variables: each entry turns its own input into these
//! plain values.

use std::path::PathBuf;

use crate::gather::github::Access;
use crate::gather::secret::Secret;
use crate::judge::change::Author;

/// What the pipeline is asked to judge: one change, with its context.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    pub(crate) repo: PathBuf,
    pub(crate) base: Base,
    pub(crate) head: String,
    pub(crate) stage: Option<String>,
    pub(crate) labels: Vec<String>,
    pub(crate) body: Option<Body>,
    pub(crate) config: Option<PathBuf>,
    /// Tags being pushed or released, judged like tags that point at head.
    pub(crate) tags: Vec<String>,
    /// What the edge that built the request wants said in the report.
    pub(crate) notes: Vec<String>,
    /// Full ref names of the default branch's tip as the remote or CI system knows it
    /// (`refs/remotes/origin/main`, `refs/remotes/origin/HEAD`), tried in order. A change
    /// with no base commit takes its policy, and a pushed tag its release tag pattern,
    /// from the first that exists here; with none, from the built-in policy.
    pub(crate) default_branch: Vec<String>,
    /// A draft pull or merge request (SPEC §15, `drafts`).
    pub(crate) draft: bool,
    /// Who wrote the change, for `overrides.authors`.
    pub(crate) author: Author,
    /// How to reach the GitHub API for a shared policy (`extends: github:...`); `None`
    /// asks the public API without a token.
    pub(crate) github: Option<Access>,
    /// The PostHog personal API key, for a policy whose flag registry is PostHog.
    pub(crate) posthog_key: Option<Secret>,
}

/// Where the change starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Base {
    /// The current branch's upstream, else `origin/HEAD` (SPEC §6).
    #[default]
    Upstream,
    /// A revision given by the user or the CI system.
    Rev(String),
    /// The release tag before this one in semver order; the whole history up to the tag
    /// when it is the first.
    PreviousRelease { tag: String },
    /// The whole history up to head (a repository's first push).
    Root,
}

/// The pull-request body: a file named on the command line, or text from a CI system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Body {
    File(PathBuf),
    Text(String),
}

/// The flags of `shipgate check`, as plain values: what the user said explicitly.
#[derive(Debug, Clone, Default)]
pub(crate) struct Flags {
    pub(crate) repo: Option<PathBuf>,
    pub(crate) base: Option<String>,
    pub(crate) head: Option<String>,
    pub(crate) stage: Option<String>,
    pub(crate) labels: Vec<String>,
    pub(crate) body_file: Option<PathBuf>,
    pub(crate) config: Option<PathBuf>,
}

/// What a CI system says about the change. `check` fills each flag the user did not
/// give from it; an explicit flag always wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CiContext {
    /// Which system spoke, for notes and errors: `GitHub Actions`, `GitLab CI`.
    pub(crate) system: &'static str,
    pub(crate) base: Option<Base>,
    pub(crate) head: Option<String>,
    /// `None` when the system says nothing about labels.
    pub(crate) labels: Option<Vec<String>>,
    pub(crate) body: Option<String>,
    /// Tags being pushed or released (judged like tags at head).
    pub(crate) tags: Vec<String>,
    /// Worth saying in the report, e.g. which event decided the range.
    pub(crate) notes: Vec<String>,
    /// Full ref names of the default branch's tip as the system knows it, tried in order
    /// ([`Request::default_branch`]); `None` when the system names none,
    /// `Some` empty when there is none to trust (a push that creates the default branch).
    pub(crate) default_branch: Option<Vec<String>>,
    /// The pull or merge request is a draft.
    pub(crate) draft: bool,
    /// Its author, when the system names one ([`Author::Unknown`] in CI without one; the
    /// default, [`Author::Commits`], is for no CI system at all).
    pub(crate) author: Author,
}

/// The request from explicit flags, falling back to what the CI system said.
pub(crate) fn build(flags: Flags, ctx: CiContext, default_repo: PathBuf) -> Request {
    Request {
        repo: flags.repo.unwrap_or(default_repo),
        base: flags
            .base
            .map(Base::Rev)
            .or(ctx.base)
            .unwrap_or(Base::Upstream),
        head: flags.head.or(ctx.head).unwrap_or_else(|| "HEAD".to_owned()),
        stage: flags.stage,
        labels: if flags.labels.is_empty() {
            ctx.labels.unwrap_or_default()
        } else {
            flags.labels
        },
        body: flags.body_file.map(Body::File).or(ctx.body.map(Body::Text)),
        config: flags.config,
        tags: ctx.tags,
        notes: ctx.notes,
        // On the command line, the default branch is what the clone says of origin's.
        default_branch: ctx
            .default_branch
            .unwrap_or_else(|| vec!["refs/remotes/origin/HEAD".to_owned()]),
        draft: ctx.draft,
        author: ctx.author,
        github: None,
        posthog_key: None,
    }
}
