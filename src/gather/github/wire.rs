//! GitHub's answers as they come over the wire, read with serde; the client turns them
//! into its own types and checks what it relies on.

use serde::Deserialize;

/// What a pull request did to a file, as GitHub names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    Added,
    Removed,
    Modified,
    Renamed,
    Copied,
    Changed,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullFile {
    pub filename: String,
    pub status: FileStatus,
    /// The old path of a renamed or copied file.
    #[serde(default)]
    pub previous_filename: Option<String>,
    /// Lines added plus lines removed: 0 for a rename that moves the content unchanged.
    #[serde(default)]
    pub changes: u64,
}

#[derive(Deserialize)]
pub(super) struct WirePull {
    pub(super) number: u64,
    pub(super) title: String,
    pub(super) body: Option<String>,
    pub(super) labels: Vec<WireLabel>,
    pub(super) user: Option<WireUser>,
    /// GitHub Enterprise Server before 2.21 does not send it.
    #[serde(default)]
    pub(super) draft: bool,
    pub(super) head: WireRef,
    pub(super) base: WireRef,
    /// People asked for a review who have not given one yet.
    #[serde(default)]
    pub(super) requested_reviewers: Vec<WireUser>,
    #[serde(default)]
    pub(super) requested_teams: Vec<WireTeam>,
}

#[derive(Deserialize)]
pub(super) struct WireTeam {
    pub(super) slug: String,
}

/// One entry of `GET /repos/{repo}/pulls/{n}/reviews`.
#[derive(Deserialize)]
pub(super) struct WireReview {
    /// `null` for a deleted account.
    pub(super) user: Option<WireUser>,
    /// `APPROVED`, `CHANGES_REQUESTED`, `COMMENTED`, `DISMISSED` or `PENDING`.
    pub(super) state: String,
}

#[derive(Deserialize)]
pub(super) struct WireLabel {
    pub(super) name: String,
}

#[derive(Deserialize)]
pub(super) struct WireUser {
    pub(super) login: String,
}

#[derive(Deserialize)]
pub(super) struct WireRef {
    pub(super) sha: String,
    pub(super) repo: Option<WireRepo>,
}

#[derive(Deserialize)]
pub(super) struct WireRepo {
    pub(super) full_name: String,
}

#[derive(Deserialize)]
pub(super) struct WireCommit {
    pub(super) sha: String,
    pub(super) commit: WireCommitDetail,
}

#[derive(Deserialize)]
pub(super) struct WireCommitDetail {
    pub(super) message: String,
}

#[derive(Deserialize)]
pub(super) struct WireComment {
    pub(super) id: u64,
    pub(super) body: Option<String>,
    pub(super) user: Option<WireCommentUser>,
    #[serde(default)]
    pub(super) author_association: String,
}

#[derive(Deserialize)]
pub(super) struct WireCommentUser {
    #[serde(rename = "type", default)]
    pub(super) kind: String,
}

impl WireComment {
    /// Anyone can comment on a public pull request, marker included. Only a comment by a
    /// bot (the workflow token writes as `github-actions[bot]`, an app as its bot) or by
    /// someone with write access (a personal token) can be shipgate's; a stranger's copy
    /// is never edited, nor taken for the report.
    pub(super) fn may_be_ours(&self) -> bool {
        self.user.as_ref().is_some_and(|user| user.kind == "Bot")
            || matches!(
                self.author_association.as_str(),
                "OWNER" | "MEMBER" | "COLLABORATOR"
            )
    }
}
