//! The owned model of a change under review.
//!
//! The edges (git, CLI flags, later the event payload and the API) fill a [`Change`];
//! classification and the requirement checks are pure functions of it and the policy,
//! so they are tested without a repository.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::judge::trailers::Trailer;

#[derive(Debug, Clone, Default)]
pub(crate) struct Change {
    pub(crate) range: Range,
    /// `base..head`, newest first, as `git log` lists them.
    pub(crate) commits: Vec<Commit>,
    /// The three-dot diff: merge-base to head.
    pub(crate) files: Vec<FileChange>,
    /// Pull-request labels.
    pub(crate) labels: Vec<String>,
    /// The pull-request body, when known.
    pub(crate) body: Option<String>,
    /// Names of the tags that point at head (or that are being pushed).
    pub(crate) tags: Vec<String>,
    /// Manifests whose version differs between the merge-base and head.
    pub(crate) versions: Vec<VersionChange>,
    /// What the flag registry looks like, as far as the policy needs it.
    pub(crate) flags: FlagRegistryState,
    /// `--stage`: overrides every other signal.
    pub(crate) forced_stage: Option<String>,
    /// What the edges noticed that changes no verdict but is worth saying.
    pub(crate) notes: Vec<String>,
    /// Values of evidence trailers and body lines that link to a pull request which the
    /// GitHub API says does not exist: they prove nothing.
    pub(crate) dead_links: Vec<String>,
    /// A draft pull or merge request (`drafts: warn` passes it).
    pub(crate) draft: bool,
    /// Who wrote the change, for `overrides.authors`.
    pub(crate) author: Author,
    /// The bodies and comments of the issues the change closes, read only when a
    /// requirement that the stage judges counts mentions (`requirements.<id>.mentions`).
    pub(crate) issues: Vec<IssueText>,
}

/// An issue's body or one of its comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IssueText {
    pub(crate) issue: u64,
    /// `None` for the issue's body, else the comment's id.
    pub(crate) comment: Option<u64>,
    /// Where a person reads it (`html_url`).
    pub(crate) url: String,
    /// Who wrote it (`ghost` for a deleted account).
    pub(crate) author: String,
    pub(crate) text: String,
}

/// Who wrote a change, as `overrides.authors` matches it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Author {
    /// Outside CI: every commit's author email, all of which must match.
    #[default]
    Commits,
    /// The pull or merge request's author, as the CI system names them.
    Login(String),
    /// In CI without a pull or merge request: nobody to match.
    Unknown,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Range {
    pub(crate) base: String,
    pub(crate) head: String,
    pub(crate) merge_base: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Commit {
    /// Full hex id.
    pub(crate) id: String,
    /// The whole message, as written.
    pub(crate) message: String,
    pub(crate) trailers: Vec<Trailer>,
    /// The author's email, when known (from git; not from an API's commit list).
    pub(crate) author_email: Option<String>,
}

impl Commit {
    /// A commit from its id and message; the trailers are parsed as git parses them.
    pub(crate) fn new(id: String, message: String) -> Commit {
        Commit::keeping(id, message, |_| true)
    }

    /// A commit with only the trailers whose key `keep` accepts.
    pub(crate) fn keeping(id: String, message: String, keep: impl Fn(&str) -> bool) -> Commit {
        let trailers = crate::judge::trailers::parse_keeping(&message, keep);
        Commit {
            id,
            message,
            trailers,
            author_email: None,
        }
    }

    pub(crate) fn short_id(&self) -> &str {
        short_id(&self.id)
    }
}

/// The abbreviated id shown to people: ten hex digits, unique in all but huge repositories.
pub(crate) fn short_id(id: &str) -> &str {
    id.get(..10).unwrap_or(id)
}

/// What the change does to a file; its name (`type-changed`) shows in the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Added,
    Modified,
    Deleted,
    Renamed,
    /// A file became a symlink or a submodule, or the reverse.
    #[serde(rename = "type-changed")]
    TypeChange,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The path at head (for a deletion, the path that was removed). Raw bytes: git paths
    /// need not be UTF-8.
    pub path: Vec<u8>,
    /// For renames, the path at the merge-base.
    pub old_path: Option<Vec<u8>>,
    pub status: Status,
    /// A rename that carries its content over unchanged.
    pub same_content: bool,
}

impl FileChange {
    pub(crate) fn exists_at_head(&self) -> bool {
        self.status != Status::Deleted
    }

    /// Whether the change brings new content at this path. Deleted files never count as
    /// evidence (SPEC §4), and neither does a file merely moved: moving a page is not
    /// documenting a feature.
    pub(crate) fn has_new_content(&self) -> bool {
        self.exists_at_head() && !self.same_content
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VersionChange {
    /// The manifest's repository-relative path.
    pub(crate) manifest: String,
    pub(crate) old: Option<semver::Version>,
    pub(crate) new: Option<semver::Version>,
}

/// The flag registry at head and what changed in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FlagRegistryState {
    /// The registry's keys at head; `None` when the policy needed no lookup, or there is
    /// no registry at head.
    pub(crate) keys_at_head: Option<BTreeMap<String, Option<String>>>,
    /// Entries added, changed or removed between the merge-base and head.
    pub(crate) changes: Vec<FlagChange>,
    /// Why the keys could not be looked up, when the registry (PostHog) could not be asked
    /// and the requirements that name keys are only warned about.
    pub(crate) unchecked: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlagChange {
    pub(crate) key: String,
    pub(crate) kind: FlagChangeKind,
    pub(crate) old_stage: Option<String>,
    pub(crate) new_stage: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum FlagChangeKind {
    Added,
    Changed,
    Removed,
}

/// A path for people and reports: UTF-8 as is, any other byte as `\xNN` and a backslash
/// doubled, so two different names never look the same.
pub(crate) fn display_path(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        if valid.contains('\\') {
            out.push_str(&valid.replace('\\', "\\\\"));
        } else {
            out.push_str(valid);
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_path_escapes_only_invalid_bytes() {
        assert_eq!(display_path(b"docs/caf\xc3\xa9.md"), "docs/café.md");
        assert_eq!(display_path(b"docs/caf\xe9.md"), "docs/caf\\xe9.md");
        assert_eq!(display_path(b"docs/caf\\xe9.md"), "docs/caf\\\\xe9.md");
    }
}
