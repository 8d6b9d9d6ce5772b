//! A pull request's change read through the API, for a clone that lacks its history
//! (a shallow checkout): its merge-base, commits and files, as git would have given them.
//! GitHub lists at most 250 commits and 3,000 files; beyond that the client fails rather
//! than hand on a cut list.

use anyhow::Result;

use super::{Client, FileStatus, PullFile};
use crate::gather::Gathered;
use crate::gather::http::with_code;
use crate::judge::change::{Commit, FileChange, Status};

impl Client {
    /// The change of pull request `number` from `base` to `head`, with `notes` to pass on.
    pub(crate) fn pull_change(
        &self,
        number: u64,
        base: &str,
        head: &str,
        notes: Vec<String>,
    ) -> Result<Gathered> {
        let merge_base = self.merge_base(base, head).map_err(with_code)?;
        // GitHub lists commits oldest first; a change lists them as `git log` does.
        let mut commits: Vec<Commit> = self
            .pull_commits(number)
            .map_err(with_code)?
            .into_iter()
            .map(|c| Commit::new(c.sha, c.message))
            .collect();
        commits.reverse();
        let mut files: Vec<FileChange> = self
            .pull_files(number)
            .map_err(with_code)?
            .into_iter()
            .filter_map(file_change)
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Gathered {
            base: Some(base.to_owned()),
            head: head.to_owned(),
            merge_base: Some(merge_base),
            commits,
            files,
            tags: Vec::new(),
            notes,
        })
    }
}

fn file_change(file: PullFile) -> Option<FileChange> {
    let status = match file.status {
        FileStatus::Added | FileStatus::Copied => Status::Added,
        FileStatus::Removed => Status::Deleted,
        FileStatus::Modified | FileStatus::Changed => Status::Modified,
        FileStatus::Renamed => Status::Renamed,
        FileStatus::Unchanged => return None,
    };
    Some(FileChange {
        path: file.filename.into_bytes(),
        old_path: file
            .previous_filename
            .filter(|_| status == Status::Renamed)
            .map(String::into_bytes),
        status,
        // A rename with no changed line moved the content as it was.
        same_content: status == Status::Renamed && file.changes == 0,
    })
}
