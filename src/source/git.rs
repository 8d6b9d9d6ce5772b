//! Everything shipgate asks of git, through libgit2.
//!
//! This is the only module that touches the repository. It reads commits, one
//! tree-to-tree diff, and only the blobs a rule needs (manifests and the flag registry
//! when they changed, the policy at the base).

use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};
use git2::{Delta, DiffFindOptions, DiffOptions, ErrorCode, Oid, Repository, Sort};

use crate::change::{Commit, FileChange, Status};
use crate::trailers;

pub struct Repo {
    repo: Repository,
}

/// What to tell a user whose clone lacks history.
const SHALLOW_HINT: &str = "this is a shallow clone: fetch the full history \
(actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow`)";

impl Repo {
    /// Opens the repository containing `dir`.
    pub fn open(dir: &Path) -> Result<Repo> {
        if !dir.is_dir() {
            bail!(
                "`{}` does not exist; pass --repo with the repository's folder",
                dir.display()
            );
        }
        match Repository::discover(dir) {
            Ok(repo) => Ok(Repo { repo }),
            Err(e) if e.code() == ErrorCode::NotFound => bail!(
                "`{}` is not in a git repository; run shipgate inside one or pass --repo DIR",
                dir.display()
            ),
            Err(e) if e.code() == ErrorCode::Owner => bail!(
                "git refuses to open `{}`: it is owned by another user ({}); if you trust it, \
                 run `git config --global --add safe.directory {}`",
                dir.display(),
                e.message(),
                dir.display()
            ),
            Err(e) => Err(anyhow!(e.message().to_owned()))
                .with_context(|| format!("could not open the repository at `{}`", dir.display())),
        }
    }

    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    /// Resolves a revision to a commit, saying what to do when it does not exist.
    pub fn resolve(&self, rev: &str, what: &str) -> Result<Oid> {
        let object = match self.repo.revparse_single(rev) {
            Ok(o) => o,
            Err(e) if e.code() == ErrorCode::UnbornBranch || self.is_unborn(rev) => bail!(
                "{what} `{rev}` has no commits yet (unborn branch); commit first, or pass --{what} with an existing revision"
            ),
            Err(e) => {
                let mut msg = format!("unknown revision `{rev}` for --{what}: {}", e.message());
                if self.is_shallow() {
                    msg.push_str(&format!("; {SHALLOW_HINT}"));
                } else {
                    let (remote, name) = self.split_remote(rev);
                    msg.push_str(&format!(
                        "; check the name, or fetch it first (`git fetch {remote} {name}`)"
                    ));
                }
                bail!(msg)
            }
        };
        let commit = object.peel_to_commit().map_err(|_| {
            let kind = match object.kind() {
                Some(git2::ObjectType::Tree) => "a tree",
                Some(git2::ObjectType::Blob) => "a file (blob)",
                _ => "an object that is no commit",
            };
            anyhow!(
                "--{what} `{rev}` does not name a commit but {kind}; pass a commit, branch or tag"
            )
        })?;
        Ok(commit.id())
    }

    /// `origin/main` is branch `main` of remote `origin`; anything else is fetched from
    /// `origin` as it is written.
    fn split_remote<'r>(&self, rev: &'r str) -> (&'r str, &'r str) {
        if let Some((remote, name)) = rev.split_once('/')
            && (remote == "origin" || self.repo.find_remote(remote).is_ok())
        {
            return (remote, name);
        }
        ("origin", rev)
    }

    fn is_unborn(&self, rev: &str) -> bool {
        rev == "HEAD" && matches!(self.repo.head(), Err(e) if e.code() == ErrorCode::UnbornBranch)
    }

    /// The base when none is given: the current branch's upstream, else `origin/HEAD`.
    pub fn default_base(&self) -> Result<(String, Oid)> {
        if let Ok(head) = self.repo.head()
            && head.is_branch()
            && let Ok(name) = head.name()
            && let Ok(upstream) = self.repo.branch_upstream_name(name)
            && let Ok(upstream) = upstream.as_str()
            && let Ok(r) = self.repo.find_reference(upstream)
            && let Ok(c) = r.peel_to_commit()
        {
            return Ok((short_ref(upstream), c.id()));
        }
        if let Ok(r) = self.repo.find_reference("refs/remotes/origin/HEAD")
            && let Ok(c) = r.peel_to_commit()
        {
            return Ok(("origin/HEAD".to_owned(), c.id()));
        }
        bail!(
            "no base to compare with: the current branch has no upstream and there is no \
             origin/HEAD; pass --base (for example `--base origin/main`)"
        )
    }

    /// The merge-base of base and head: where the change forked off.
    pub fn merge_base(&self, base: Oid, head: Oid) -> Result<Oid> {
        match self.repo.merge_base(base, head) {
            Ok(oid) => Ok(oid),
            Err(e) if e.code() == ErrorCode::NotFound => {
                if self.is_shallow() {
                    bail!(
                        "the history between base {} and head {} is missing, so the change cannot be told apart from its base; {SHALLOW_HINT}",
                        short(base),
                        short(head)
                    )
                }
                bail!(
                    "base {} and head {} share no history (unrelated histories); pass the --base that the change was made from",
                    short(base),
                    short(head)
                )
            }
            Err(e) => {
                Err(anyhow!(e.message().to_owned())).context("could not compute the merge-base")
            }
        }
    }

    /// The commits of `base..head`, with their trailers.
    pub fn commits(&self, base: Oid, head: Oid) -> Result<Vec<Commit>> {
        let shallow_context = || {
            if self.is_shallow() {
                format!(
                    "could not walk {}..{}; {SHALLOW_HINT}",
                    short(base),
                    short(head)
                )
            } else {
                format!("could not walk {}..{}", short(base), short(head))
            }
        };
        let mut walk = self.repo.revwalk().with_context(shallow_context)?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)
            .with_context(shallow_context)?;
        walk.push(head).with_context(shallow_context)?;
        walk.hide(base).with_context(shallow_context)?;
        let mut commits = Vec::new();
        for oid in walk {
            let oid = oid.with_context(shallow_context)?;
            let commit = self.repo.find_commit(oid).with_context(shallow_context)?;
            let message = String::from_utf8_lossy(commit.message_bytes());
            commits.push(Commit {
                id: oid.to_string(),
                summary: message.lines().next().unwrap_or("").to_owned(),
                trailers: trailers::parse(&message),
            });
        }
        Ok(commits)
    }

    /// The files changed from `from` to `to`, with renames found as `git diff -M` does.
    pub fn diff(&self, from: Oid, to: Oid) -> Result<Vec<FileChange>> {
        let old = self.repo.find_commit(from)?.tree()?;
        let new = self.repo.find_commit(to)?.tree()?;
        let mut opts = DiffOptions::new();
        // Submodule pointer changes are changes; type changes are reported as such
        // rather than as a delete and an add.
        opts.include_typechange(true).ignore_submodules(false);
        let mut diff = self
            .repo
            .diff_tree_to_tree(Some(&old), Some(&new), Some(&mut opts))
            .context("could not diff the change")?;
        let mut find = DiffFindOptions::new();
        find.renames(true);
        diff.find_similar(Some(&mut find))
            .context("could not detect renames")?;
        let mut files = Vec::with_capacity(diff.deltas().len());
        for delta in diff.deltas() {
            let status = match delta.status() {
                Delta::Added => Status::Added,
                Delta::Deleted => Status::Deleted,
                Delta::Modified => Status::Modified,
                Delta::Renamed => Status::Renamed,
                Delta::Copied => Status::Copied,
                Delta::Typechange => Status::TypeChange,
                _ => continue,
            };
            let path = if status == Status::Deleted {
                delta.old_file().path_bytes()
            } else {
                delta.new_file().path_bytes()
            };
            let Some(path) = path else { continue };
            let old_path = matches!(status, Status::Renamed | Status::Copied)
                .then(|| delta.old_file().path_bytes().map(<[u8]>::to_vec))
                .flatten();
            files.push(FileChange {
                path: path.to_vec(),
                old_path,
                status,
            });
        }
        Ok(files)
    }

    /// The bytes of the file at `path` in `commit`, or `None` if there is no such file.
    pub fn read_file(&self, commit: Oid, path: &str) -> Result<Option<Vec<u8>>> {
        self.read_file_limited(commit, path, usize::MAX)
    }

    /// Like [`Repo::read_file`], but refuses a blob over `max` bytes before loading it, by
    /// asking the object database for its header only.
    pub fn read_file_limited(
        &self,
        commit: Oid,
        path: &str,
        max: usize,
    ) -> Result<Option<Vec<u8>>> {
        let tree = self.repo.find_commit(commit)?.tree()?;
        let entry = match tree.get_path(Path::new(path)) {
            Ok(e) => e,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if max != usize::MAX {
            let (size, _) = self.repo.odb()?.read_header(entry.id())?;
            if size > max {
                bail!(
                    "{path}@{}: the file is {size} bytes; files over {} KiB are refused",
                    short(commit),
                    max / 1024
                );
            }
        }
        let object = entry
            .to_object(&self.repo)
            .with_context(|| format!("could not read `{path}` at {}", short(commit)))?;
        Ok(object.as_blob().map(|b| b.content().to_vec()))
    }

    /// The names of the tags that point at `commit`.
    pub fn tags_at(&self, commit: Oid) -> Result<Vec<String>> {
        let mut tags = Vec::new();
        for reference in self.repo.references_glob("refs/tags/*")? {
            let reference = reference?;
            // A tag that points at a tree or blob is no release tag; skip it rather
            // than fail the whole check.
            let Ok(target) = reference.peel_to_commit() else {
                continue;
            };
            if target.id() == commit
                && let Ok(name) = reference.shorthand()
            {
                tags.push(name.to_owned());
            }
        }
        tags.sort();
        Ok(tags)
    }

    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }
}

pub fn short(oid: Oid) -> String {
    let s = oid.to_string();
    s[..10].to_owned()
}

fn short_ref(name: &str) -> String {
    name.strip_prefix("refs/remotes/")
        .or_else(|| name.strip_prefix("refs/heads/"))
        .unwrap_or(name)
        .to_owned()
}
