//! Facts, from outside the process: git, the process environment, files on disk, and the
//! APIs of other services over one HTTP transport. What is gathered is turned into owned
//! values of the judgement's model (`judge::change`) here, so that nothing past this
//! layer touches git, the network or the disk.

pub(crate) mod chain;
pub(crate) mod disk;
pub(crate) mod ends;
pub(crate) mod env;
pub mod git;
pub mod github;
pub mod http;
pub(crate) mod posthog;
pub(crate) mod secret;
pub(crate) mod slack;
pub(crate) mod workspace;

use anyhow::{Result, anyhow};

use crate::judge::change::{Commit, FileChange, IssueText};
use crate::judge::checks::ReviewFacts;
use crate::judge::packages::ReleaseTag;

/// Reads a file as it is at a commit: from git, or from the GitHub API when the clone
/// lacks the commits.
pub(crate) trait Files {
    /// The bytes of `path` at `commit` (a full hex id), `None` when there is no such file;
    /// a file over `max` bytes is an error.
    fn read(&self, commit: &str, path: &str, max: usize) -> Result<Option<Vec<u8>>>;
}

/// What the forge knows of the change (the GitHub API, when there is a token): whether a
/// link names a pull request that exists, and who reviews the pull request.
pub(crate) trait Links {
    /// `None` when `text` is no link to a pull request, or nobody can tell.
    fn pull_exists(&self, text: &str) -> Result<Option<bool>>;

    /// The requested reviewers and the reviews of the pull request the run judges, or why
    /// they cannot be known; asked only when the `review` check runs.
    fn reviews(&self) -> Result<ReviewFacts>;

    /// `owner/name` of the repository whose issues [`Links::issue`] reads; `None` when
    /// no issue can be read.
    fn repository(&self) -> Option<String> {
        None
    }

    /// The body and comments of issue `number` of [`Links::repository`]; `None` when there
    /// is no such issue or nobody can tell. Asked only for a requirement with `mentions`
    /// that the stage judges.
    fn issue(&self, _number: u64) -> Result<Option<Vec<IssueText>>> {
        Ok(None)
    }
}

/// Reads files of other repositories: a shared policy that a policy extends
/// (`extends: github:<owner>/<repo>/<path>@<ref>`).
pub(crate) trait SharedFiles {
    /// The bytes of `path` in `repository` (`owner/name`) at `reference` (a commit id, a
    /// branch or a tag), `None` when there is no such file; a file over `max` bytes is an
    /// error.
    fn read(
        &self,
        repository: &str,
        reference: &str,
        path: &str,
        max: usize,
    ) -> Result<Option<Vec<u8>>>;
}

/// What judging a whole release needs of the repository beyond the change (SPEC §13):
/// its tags, and the commits and files since a previous release.
pub(crate) trait History {
    /// Every tag that points at a commit, with the commit's id.
    fn tags(&self) -> Result<Vec<ReleaseTag>>;
    /// Everything since `base` (`None`: the whole history) up to `head` (full hex ids), as
    /// a change is gathered: the commits of `base..head` and the diff from their
    /// merge-base.
    fn since(&self, base: Option<&str>, head: &str) -> Result<Span>;
    /// Whether `path` is a folder at `commit`; `None` when that cannot be told here.
    fn has_folder(&self, commit: &str, path: &str) -> Result<Option<bool>>;
}

/// The commits and files of a range.
#[derive(Debug, Clone, Default)]
pub(crate) struct Span {
    /// `None` when the range is the whole history.
    pub(crate) merge_base: Option<String>,
    pub(crate) commits: Vec<Commit>,
    pub(crate) files: Vec<FileChange>,
}

/// No way to follow links: every link is taken at its word, and no pull request is known.
pub(crate) struct NoLinks;

impl Links for NoLinks {
    fn pull_exists(&self, _: &str) -> Result<Option<bool>> {
        Ok(None)
    }

    fn reviews(&self) -> Result<ReviewFacts> {
        Ok(ReviewFacts::Unknown(
            "no GitHub pull request to ask about (reviews are read in a GitHub Actions run on a pull request, with a token)".to_owned(),
        ))
    }
}

/// The facts of a change, before its context (labels, body, stage) and policy meet it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Gathered {
    /// `None` when the change is the whole history.
    pub(crate) base: Option<String>,
    pub(crate) head: String,
    pub(crate) merge_base: Option<String>,
    pub(crate) commits: Vec<Commit>,
    pub(crate) files: Vec<FileChange>,
    /// Tags at head.
    pub(crate) tags: Vec<String>,
    pub(crate) notes: Vec<String>,
}

/// `bytes` as text, or an error naming `origin` and where the first bad byte is.
pub(crate) fn utf8<'a>(bytes: &'a [u8], origin: &str) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "{origin}: not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
            e.valid_up_to()
        )
    })
}
