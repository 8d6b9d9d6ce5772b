//! The commit walk: every commit of `base..head`, with its message and trailers, refusing
//! a history that a shallow clone cut short.
//!
//! [`Repo::range`] reads each commit once ([`super::history`]) where that gives libgit2's
//! answers, and asks libgit2 otherwise ([`Repo::merge_base`], [`Repo::commits`]).

use std::collections::HashSet;

use anyhow::{Context as _, Result, anyhow};
use git2::{Oid, Sort};

use super::{Repo, SHALLOW_HINT, history, short};
use crate::error::Code;
use crate::gather::disk;
use crate::judge::change::Commit;

impl Repo {
    /// The merge-base of `base` and `head` (none without a base) and the commits of
    /// `base..head`: the same answers and errors as [`Repo::merge_base`], then
    /// [`Repo::commits`].
    pub(crate) fn range(&self, base: Option<Oid>, head: Oid) -> Result<(Option<Oid>, Vec<Commit>)> {
        if let Ok(range) = history::range(&self.repo, base, head) {
            self.trees.borrow_mut().extend(range.trees);
            let commits = range
                .commits
                .into_iter()
                .map(|(oid, kept)| self.commit(oid, kept.message, &kept.author_email))
                .collect();
            return Ok((range.merge_base, commits));
        }
        let merge_base = base.map(|base| self.merge_base(base, head)).transpose()?;
        Ok((merge_base, self.commits(base, head)?))
    }

    /// [`Repo::range`]'s merge-base and commit ids: what tests/ compare with git.
    pub fn range_ids(&self, base: Option<Oid>, head: Oid) -> Result<(Option<Oid>, Vec<Oid>)> {
        let (merge_base, commits) = self.range(base, head)?;
        let ids = commits
            .iter()
            .map(|c| Oid::from_str(&c.id))
            .collect::<Result<_, _>>()?;
        Ok((merge_base, ids))
    }

    /// The commits of `base..head` (every commit reachable from `head` when `base` is
    /// `None`), with their trailers.
    pub(crate) fn commits(&self, base: Option<Oid>, head: Oid) -> Result<Vec<Commit>> {
        let range = match base {
            Some(base) => format!("{}..{}", short(base), short(head)),
            None => short(head),
        };
        let shallow_context = || {
            if self.is_shallow() {
                format!("could not walk {range}; {SHALLOW_HINT}")
            } else {
                format!("could not walk {range}")
            }
        };
        let mut walk = self.repo.revwalk().with_context(shallow_context)?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
            .with_context(shallow_context)?;
        walk.push(head).with_context(shallow_context)?;
        if let Some(base) = base {
            walk.hide(base).with_context(shallow_context)?;
        }
        // A shallow clone lists the commits whose parents it cut off; a walk that reaches
        // one would judge a change with commits (and their trailers) missing.
        let cut = self.shallow_boundary()?;
        let mut commits = Vec::new();
        for oid in walk {
            let oid = oid.with_context(shallow_context)?;
            if cut.contains(&oid) {
                let range = match base {
                    Some(base) => format!("{}..{}", short(base), short(head)),
                    None => format!("the whole history up to {}", short(head)),
                };
                return Err(Code::MissingHistory.tag(anyhow!(
                    "the history of the change ({range}) is cut at commit {} (its parents are not in \
                     the clone), so shipgate cannot see every commit of the change; {SHALLOW_HINT}",
                    short(oid)
                )));
            }
            let commit = self.repo.find_commit(oid).with_context(shallow_context)?;
            commits.push(self.commit(
                commit.id(),
                commit.message_bytes().to_vec(),
                commit.author().email_bytes(),
            ));
        }
        Ok(commits)
    }

    /// The commits whose parents a shallow clone left out, as git lists them in `shallow`
    /// in the repository's (common) folder; empty for a complete clone. libgit2 reads
    /// this file but offers no API for it.
    fn shallow_boundary(&self) -> Result<HashSet<Oid>> {
        if !self.is_shallow() {
            return Ok(HashSet::new());
        }
        let path = self.repo.commondir().join("shallow");
        let spec = disk::Spec {
            what: "the clone's list of cut commits",
            cap: disk::FILE_CAP,
            links: disk::Symlinks::Refuse,
            fix: "git writes it as a regular file of 41-byte lines; the clone is damaged: clone it again",
        };
        let bytes = match disk::read(&path, &spec) {
            Ok(bytes) => bytes,
            Err(e) if matches!(e.problem, disk::Problem::Missing) => {
                return Ok(HashSet::new());
            }
            Err(e) => return Err(e.into()),
        };
        let text = String::from_utf8_lossy(&bytes);
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                Oid::from_str(l).map_err(|_| {
                    anyhow!(
                        "`{}` lists `{l}`, which is no commit id; the clone is damaged: clone it again",
                        path.display()
                    )
                })
            })
            .collect()
    }
}
