//! Everything shipgate asks of git, through libgit2 but for the trees of the diff, which
//! [`packs`] reads straight from the pack files.
//!
//! This is the only module that touches the repository. It reads commits ([`walk`]), one
//! tree-to-tree diff ([`diff`], with renames paired as git pairs them in [`renames`]),
//! and only the blobs a rule needs (manifests and the flag registry when they changed,
//! the policy at the base).

mod diff;
mod history;
mod lines;
mod order;
mod packs;
mod renames;
#[cfg(test)]
mod test_git;
mod walk;
mod why;

pub(crate) use why::Unresolved;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};
use git2::{ErrorCode, FileMode, Oid, Repository, Tree, TreeEntry};

use super::{Files, History, Span};
use crate::error::{Code, Tag as _};
use crate::judge::change::Commit;
use crate::judge::packages::ReleaseTag;
use crate::judge::policy::same_name;

pub struct Repo {
    repo: Repository,
    /// The regular files' blobs on each side of the last [`Repo::diff`], which
    /// [`Repo::lines`] reads instead of looking every path up again in both trees.
    diffed: RefCell<Option<Diffed>>,
    /// Commits' trees, as the range walk read them: a commit read again only for its
    /// tree costs as much as its message, which can be megabytes.
    trees: RefCell<HashMap<Oid, Oid>>,
    /// The trailer keys the judgement reads ([`Policy::trailer_keys`]); `None` keeps
    /// every trailer. A long history's other trailers would only fill memory.
    ///
    /// [`Policy::trailer_keys`]: crate::judge::policy::Policy::trailer_keys
    trailer_keys: RefCell<Option<Vec<String>>>,
    /// The packs as the tree-to-tree walk maps them, kept from one walk to the next (an
    /// audit walks one release after another); the pages a walk touched are let go
    /// before blobs are read (renames scored, files read line by line), which libgit2
    /// maps again, or they would be resident twice.
    packs: RefCell<Option<std::rc::Rc<packs::Packs>>>,
}

/// What [`Repo::diff`] found, by the path of each file it returned: the blob before and
/// after, each when that side is a regular file.
struct Diffed {
    from: Option<Oid>,
    to: Oid,
    blobs: Blobs,
}

/// The blob before and after of each file a diff returned, by its path: each when that
/// side is a regular file.
type Blobs = HashMap<Vec<u8>, [Option<Oid>; 2]>;

/// How much of a pack libgit2 maps at a time, and in all; see [`tune_for_one_run`].
const PACK_WINDOW: usize = 8 << 20;
const PACK_MAPPED: usize = 32 << 20;
/// How much it maps in all while a change's files are read; see [`map_more_for_blobs`].
pub(super) const PACK_MAPPED_FOR_BLOBS: usize = 128 << 20;

/// Sets libgit2 up for a process that judges one change and exits: it reads each object
/// of the change about once, so what libgit2 does for long-lived programs that read
/// objects again and again only costs here. Call it first thing, before any thread
/// starts and before a repository is opened (the settings are global to the process).
pub fn tune_for_one_run() {
    // The object cache keeps every commit and tree read (7 KB or so a commit), and
    // filling it and freeing it at the end cost more than the few objects read twice.
    git2::opts::enable_caching(false);
    // libgit2 hashes every object it reads again to compare with its id (SHA-1 with
    // collision detection: about a tenth of a long walk, a third on a 5 MiB message);
    // git reads objects without that, checking them when they enter the repository.
    git2::opts::strict_hash_verification(false);
    // A pack is mapped 1 GiB at a time and up to 8 GiB in all on 64-bit, so every page
    // of it that a long walk touches stays resident until the end: smaller windows, of
    // which the least recently used is unmapped past the limit, keep the peak near the
    // limit whatever the size of the pack.
    // SAFETY: these only set two globals that libgit2 reads when it maps a pack, and the
    // caller promises that no other thread runs and no pack is open yet.
    unsafe {
        let _ = git2::opts::set_mwindow_size(PACK_WINDOW);
        let _ = git2::opts::set_mwindow_mapped_limit(PACK_MAPPED);
    }
}

/// Lets libgit2 map more of the packs from now on. The range walk reads commits in pack
/// order and keeps little of what it touched, so [`PACK_MAPPED`] holds its peak down; the
/// files of a change are read in path order, which jumps across the pack, and under that
/// limit every other read unmapped a window only to map it again (a fifth of the time on
/// 2,000 files in a 96 MiB pack). Their pages cost no more than git's own, which maps up to
/// 8 GiB.
/// Call it on the one thread that reads the repository, before [`Repo::lines`] starts
/// its workers. It is never undone: in a process that judges more than one range (an
/// audit's releases, a change's packages), the walks after the first files read keep
/// the wider limit, and calling it again changes nothing.
pub(crate) fn map_more_for_blobs() {
    // SAFETY: as in `tune_for_one_run`, a global that libgit2 reads when it maps a window,
    // set on the one thread that reads the repository, between two reads.
    unsafe {
        let _ = git2::opts::set_mwindow_mapped_limit(PACK_MAPPED_FOR_BLOBS);
    }
}

/// What to tell a user whose clone lacks history.
const SHALLOW_HINT: &str = "this is a shallow clone: fetch the full history \
(`git fetch --unshallow`; on GitHub Actions, actions/checkout with `fetch-depth: 0`; \
on GitLab CI, `GIT_DEPTH: \"0\"`)";

impl Files for Repo {
    fn read(&self, commit: &str, path: &str, max: usize) -> Result<Option<Vec<u8>>> {
        let oid =
            Oid::from_str(commit).with_context(|| format!("`{commit}` is not a commit id"))?;
        self.read_file(oid, path, max)
    }
}

impl History for Repo {
    fn tags(&self) -> Result<Vec<ReleaseTag>> {
        self.release_tags()
    }

    fn since(&self, base: Option<&str>, head: &str) -> Result<Span> {
        let oid =
            |id: &str| Oid::from_str(id).with_context(|| format!("`{id}` is not a commit id"));
        let head = oid(head)?;
        let base = base.map(oid).transpose()?;
        let (merge_base, commits) = self.range(base, head)?;
        Ok(Span {
            merge_base: merge_base.map(|m| m.to_string()),
            commits,
            files: self.diff(merge_base, head)?,
        })
    }

    fn has_folder(&self, commit: &str, path: &str) -> Result<Option<bool>> {
        let commit =
            Oid::from_str(commit).with_context(|| format!("`{commit}` is not a commit id"))?;
        let tree = self.tree_of(commit)?;
        Ok(Some(
            tree.get_path(Path::new(path))
                .is_ok_and(|entry| Side::of(&entry).kind == Kind::Tree),
        ))
    }
}

impl Repo {
    /// Opens the repository containing `dir`.
    pub fn open(dir: &Path) -> Result<Repo> {
        Repo::open_any(dir).code_unless_tagged(Code::BadRepository)
    }

    fn open_any(dir: &Path) -> Result<Repo> {
        if !dir.exists() {
            bail!(
                "`{}` does not exist; pass --repo with the repository's folder",
                dir.display()
            );
        }
        if !dir.is_dir() {
            bail!(
                "`{}` is a file, not a folder; pass --repo with the repository's folder",
                dir.display()
            );
        }
        match Repository::discover(dir) {
            Ok(repo) => Ok(Repo {
                repo,
                diffed: RefCell::new(None),
                trees: RefCell::new(HashMap::new()),
                trailer_keys: RefCell::new(None),
                packs: RefCell::new(None),
            }),
            Err(e) => match why::unopened(dir, &e) {
                Some(message) => bail!(message),
                None => bail!(
                    "`{}` is not in a git repository; run shipgate inside one or pass --repo DIR",
                    dir.display()
                ),
            },
        }
    }

    /// The libgit2 handle, for the edges (hooks, pre-push) that need more than a change.
    pub(crate) fn git2(&self) -> &Repository {
        &self.repo
    }

    pub(crate) fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    /// Resolves a revision to a commit, saying what to do when it does not exist.
    pub(crate) fn resolve(&self, rev: &str, what: &str) -> Result<Oid> {
        // In a shallow clone a missing commit is most likely beyond the depth.
        let code = if self.is_shallow() {
            Code::MissingHistory
        } else {
            Code::UnknownRevision
        };
        self.resolve_any(rev, what).code(code)
    }

    fn resolve_any(&self, rev: &str, what: &str) -> Result<Oid> {
        match self.commit_of(rev) {
            Ok(oid) => Ok(oid),
            Err(Unresolved::Unborn) => bail!(
                "{what} `{rev}` has no commits yet (unborn branch); commit first, or pass --{what} with an existing revision"
            ),
            Err(Unresolved::NotACommit(kind)) => bail!(
                "--{what} `{rev}` does not name a commit but {kind}; pass a commit, branch or tag"
            ),
            Err(Unresolved::Nothing { why, fix }) => {
                bail!("unknown revision `{rev}` for --{what}: {why}; {fix}")
            }
        }
    }

    /// The commit `rev` names, or why it names none, in shipgate's words rather than
    /// libgit2's.
    pub(crate) fn commit_of(&self, rev: &str) -> std::result::Result<Oid, Unresolved> {
        if let Some(commit) = self.named_commit(rev) {
            return Ok(commit);
        }
        let object = match self.repo.revparse_single(rev) {
            Ok(o) => o,
            Err(e) if e.code() == ErrorCode::UnbornBranch || self.is_unborn(rev) => {
                return Err(Unresolved::Unborn);
            }
            Err(e) => {
                let shallow = self.is_shallow().then_some(SHALLOW_HINT);
                return Err(why::unresolved(&self.repo, rev, &e, shallow));
            }
        };
        match object.peel_to_commit() {
            Ok(commit) => Ok(commit.id()),
            Err(_) => Err(Unresolved::NotACommit(why::kind(&object))),
        }
    }

    /// The commit `rev` names when it is a full object id or a ref (as `revparse_single`
    /// would find either first) that points at a commit, told from the object's header:
    /// `revparse_single` reads the whole commit, message and all, to peel it, and the range
    /// walk reads it again. `None` sends everything else (`main~2`, an abbreviation, a tag
    /// object, a missing object) down the full path, with its messages.
    fn named_commit(&self, rev: &str) -> Option<Oid> {
        // A plain name only: libgit2's name look-up takes `@`, `""` and the like as `HEAD`,
        // which revision syntax reads otherwise.
        let plain = rev
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.'));
        if rev.is_empty() || !plain || rev.contains("..") || rev.starts_with(['-', '.', '/']) {
            return None;
        }
        let oid = if rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()) {
            Oid::from_str(rev).ok()?
        } else {
            self.repo
                .resolve_reference_from_short_name(rev)
                .ok()?
                .resolve()
                .ok()?
                .target()?
        };
        let (_, kind) = self.repo.odb().ok()?.read_header(oid).ok()?;
        (kind == git2::ObjectType::Commit).then_some(oid)
    }

    fn is_unborn(&self, rev: &str) -> bool {
        rev == "HEAD" && matches!(self.repo.head(), Err(e) if e.code() == ErrorCode::UnbornBranch)
    }

    /// The base when none is given: the current branch's upstream, else `origin/HEAD`.
    pub(crate) fn default_base(&self) -> Result<(String, Oid)> {
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
        Err(Code::BadArguments.tag(anyhow!(
            "no base to compare with: the current branch has no upstream and there is no \
             origin/HEAD; pass --base (for example `--base origin/main`)"
        )))
    }

    /// The first of `refs` (full names) that leads to a commit here, with the name it is
    /// shown by: a symbolic ref (`refs/remotes/origin/HEAD`) by its target (`origin/main`).
    /// A ref that is missing, or dangling after a branch was deleted, is skipped: it
    /// names no tip that anyone knows.
    pub(crate) fn first_commit_ref(&self, refs: &[String]) -> Option<(String, Oid)> {
        refs.iter().find_map(|name| {
            let reference = self.repo.find_reference(name).ok()?;
            let commit = reference.peel_to_commit().ok()?;
            let shown = match reference.symbolic_target() {
                Ok(Some(target)) => target.to_owned(),
                _ => name.clone(),
            };
            Some((short_ref(&shown), commit.id()))
        })
    }

    /// The merge-base of base and head: where the change forked off.
    pub fn merge_base(&self, base: Oid, head: Oid) -> Result<Oid> {
        let code = if self.is_shallow() {
            Code::MissingHistory
        } else {
            Code::UnrelatedHistories
        };
        match self.repo.merge_base(base, head) {
            Ok(oid) => Ok(oid),
            Err(e) if e.code() == ErrorCode::NotFound => {
                if self.is_shallow() {
                    return Err(code.tag(anyhow!(
                        "the history between base {} and head {} is missing, so the change cannot be told apart from its base; {SHALLOW_HINT}",
                        short(base),
                        short(head)
                    )));
                }
                Err(code.tag(anyhow!(
                    "base {} and head {} share no history (unrelated histories); pass the --base that the change was made from",
                    short(base),
                    short(head)
                )))
            }
            Err(e) => {
                Err(anyhow!(e.message().to_owned())).context("could not compute the merge-base")
            }
        }
    }

    /// The tree of `commit`, whose object is read once.
    fn tree_of(&self, commit: Oid) -> std::result::Result<Tree<'_>, git2::Error> {
        self.repo.find_tree(self.tree_id_of(commit)?)
    }

    fn tree_id_of(&self, commit: Oid) -> std::result::Result<Oid, git2::Error> {
        if let Some(&id) = self.trees.borrow().get(&commit) {
            return Ok(id);
        }
        let id = self.repo.find_commit(commit)?.tree_id();
        self.trees.borrow_mut().insert(commit, id);
        Ok(id)
    }

    /// The bytes of the file at `path` in `commit`, or `None` if there is no such file.
    /// Files come from the change, so a blob over `max` bytes is refused before it is
    /// loaded (the object database tells its size from the header alone).
    pub(crate) fn read_file(&self, commit: Oid, path: &str, max: usize) -> Result<Option<Vec<u8>>> {
        let tree = self.tree_of(commit)?;
        let entry = match tree.get_path(Path::new(path)) {
            Ok(e) => e,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        // A link's blob is its target's name and a folder has no bytes: reading either
        // as the file would judge something else than the user sees.
        let mode = entry.filemode();
        if !is_regular(mode) {
            let what = match Side::of(&entry).kind {
                Kind::Link => "a symbolic link",
                Kind::Tree => "a folder",
                Kind::Submodule => "a submodule",
                Kind::File => "not a regular file",
            };
            return Err(Code::BadFile.tag(anyhow!(
                "`{path}` at {} is {what}; shipgate reads it only as a regular file committed at that path",
                short(commit)
            )));
        }
        let (size, _) = self.repo.odb()?.read_header(entry.id())?;
        if size > max {
            return Err(Code::BadFile.tag(anyhow!(
                "{path}@{}: the file is {size} bytes; files over {} KiB are refused",
                short(commit),
                max / 1024
            )));
        }
        let object = entry
            .to_object(&self.repo)
            .with_context(|| format!("could not read `{path}` at {}", short(commit)))?;
        Ok(object.as_blob().map(|b| b.content().to_vec()))
    }

    /// Whether `path` names a file (not a folder) at `commit`; false when unreadable.
    pub(crate) fn has_file(&self, commit: Oid, path: &str) -> bool {
        let Ok(tree) = self.tree_of(commit) else {
            return false;
        };
        tree.get_path(Path::new(path))
            .is_ok_and(|entry| !matches!(Side::of(&entry).kind, Kind::Tree | Kind::Submodule))
    }

    /// A file of `commit`'s tree, the same for the same tree: the first top-level file in
    /// git's order of names, else the first such file of the first folder that holds one;
    /// `None` when the tree holds no file at all.
    pub(crate) fn first_file(&self, commit: Oid) -> Option<String> {
        let tree = self.tree_of(commit).ok()?;
        self.first_file_in(&tree, "")
    }

    fn first_file_in(&self, tree: &Tree<'_>, prefix: &str) -> Option<String> {
        let name = |entry: &TreeEntry<'_>| {
            std::str::from_utf8(entry.name_bytes())
                .ok()
                .map(|n| format!("{prefix}{n}"))
        };
        let files = tree.iter().filter(|e| Side::of(e).kind == Kind::File);
        if let Some(path) = files.filter_map(|e| name(&e)).next() {
            return Some(path);
        }
        tree.iter()
            .filter(|e| Side::of(e).kind == Kind::Tree)
            .find_map(|e| {
                let sub = e.to_object(&self.repo).ok()?.peel_to_tree().ok()?;
                self.first_file_in(&sub, &format!("{}/", name(&e)?))
            })
    }

    /// The names of the tags that point at `commit`.
    pub(crate) fn tags_at(&self, commit: Oid) -> Result<Vec<String>> {
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
}

impl Repo {
    /// Every tag that points at a commit (a tag of a tree or a blob is no release), with
    /// the commit's id, listed once for every package's release to be found in.
    pub(crate) fn release_tags(&self) -> Result<Vec<ReleaseTag>> {
        let mut tags = Vec::new();
        for reference in self.repo.references_glob("refs/tags/*")? {
            let reference = reference?;
            let (Ok(name), Ok(commit)) = (reference.shorthand(), reference.peel_to_commit()) else {
                continue;
            };
            tags.push(ReleaseTag {
                name: name.to_owned(),
                commit: commit.id().to_string(),
            });
        }
        Ok(tags)
    }
}

/// A full object name as CI systems and git's hook protocol write it: 40 hex digits
/// (SHA-1) or 64 (SHA-256). Abbreviations are refused: a short one could name another
/// object, and nobody who speaks for a CI system writes one.
pub(crate) fn is_object_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The all-zero id by which git and CI systems say "no commit" (a new or deleted ref).
pub(crate) fn is_zero_id(id: &str) -> bool {
    id.bytes().all(|b| b == b'0')
}

/// git's id of the empty tree: the base of a range that starts at the first commit.
pub(crate) const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

pub(crate) fn short(oid: Oid) -> String {
    crate::judge::change::short_id(&oid.to_string()).to_owned()
}

impl Repo {
    /// Keep only the trailers whose key is one of `keys` (ASCII case ignored) on the
    /// commits read from now on; `None` keeps them all.
    pub(crate) fn keep_trailers(&self, keys: Option<Vec<String>>) {
        *self.trailer_keys.borrow_mut() = keys;
    }

    /// The commit `id` with `message`, by `author_email`, keeping the trailers
    /// [`Repo::keep_trailers`] keeps. Messages are bytes in git; an odd encoding is
    /// shown, not refused.
    fn commit(&self, id: Oid, message: Vec<u8>, author_email: &[u8]) -> Commit {
        // Valid UTF-8, the usual case, is taken as it is, without a copy.
        let message = String::from_utf8(message)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let keys = self.trailer_keys.borrow();
        let commit = Commit::keeping(id.to_string(), message, |key| {
            keys.as_ref()
                .is_none_or(|keys| keys.iter().any(|k| same_name(k, key)))
        });
        Commit {
            author_email: Some(String::from_utf8_lossy(author_email).into_owned()),
            ..commit
        }
    }
}

/// A regular file's mode, executable or not: what is read as a file's text.
fn is_regular(mode: i32) -> bool {
    mode == i32::from(FileMode::Blob) || mode == i32::from(FileMode::BlobExecutable)
}

fn short_ref(name: &str) -> String {
    name.strip_prefix("refs/remotes/")
        .or_else(|| name.strip_prefix("refs/heads/"))
        .unwrap_or(name)
        .to_owned()
}

/// One side of a path in a tree-to-tree diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Side {
    oid: Oid,
    kind: Kind,
    /// The raw mode, so that a mode-only change (`chmod +x`) is a modification.
    mode: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tree,
    File,
    Link,
    Submodule,
}

impl Side {
    fn of(entry: &TreeEntry<'_>) -> Side {
        let mode = entry.filemode();
        Side {
            oid: entry.id(),
            kind: Kind::of_mode(mode),
            mode,
        }
    }
}

impl Kind {
    /// The kind of a normalized mode (`git_tree_entry_filemode`).
    fn of_mode(mode: i32) -> Kind {
        match mode {
            m if m == i32::from(FileMode::Tree) => Kind::Tree,
            m if m == i32::from(FileMode::Link) => Kind::Link,
            m if m == i32::from(FileMode::Commit) => Kind::Submodule,
            _ => Kind::File,
        }
    }
}

#[cfg(test)]
mod tests {
    use git2::{Signature, Time};

    use super::*;

    /// A name read from the object's header gives the commit that `revparse_single` and a
    /// peel give, and any other revision is left to them.
    #[test]
    fn a_named_commit_is_the_one_revparse_finds() {
        let dir = tempfile::tempdir().unwrap();
        let git = Repository::init(dir.path()).unwrap();
        let who = Signature::new("A", "a@example.com", &Time::new(1_700_000_000, 0)).unwrap();
        let tree = git.treebuilder(None).unwrap().write().unwrap();
        let tree = git.find_tree(tree).unwrap();
        let first = git
            .commit(Some("HEAD"), &who, &who, "one", &tree, &[])
            .unwrap();
        let first = git.find_commit(first).unwrap();
        let second = git
            .commit(Some("HEAD"), &who, &who, "two", &tree, &[&first])
            .unwrap();
        git.tag_lightweight("light", first.as_object(), false)
            .unwrap();
        git.tag("annotated", first.as_object(), &who, "a tag", false)
            .unwrap();
        let blob = git.blob(b"text").unwrap();
        git.reference("refs/tags/a-blob", blob, false, "").unwrap();
        git.branch("feature/x", &first, false).unwrap();
        let repo = Repo::open(dir.path()).unwrap();
        let head = git.head().unwrap().shorthand().unwrap().to_owned();

        let full = second.to_string();
        for rev in [
            head.as_str(),
            "HEAD",
            "light",
            "feature/x",
            "refs/heads/feature/x",
            &full,
        ] {
            let peeled = git.revparse_single(rev).unwrap().peel_to_commit().unwrap();
            assert_eq!(repo.named_commit(rev), Some(peeled.id()), "{rev}");
            assert_eq!(repo.commit_of(rev).ok(), Some(peeled.id()), "{rev}");
        }
        let short = &full[..7];
        // Syntax, abbreviations, tag objects and what is no commit go the full way.
        for rev in [
            "",
            "@",
            "HEAD~1",
            "HEAD^",
            "HEAD@{0}",
            "annotated",
            "a-blob",
            short,
            "nope",
        ] {
            assert_eq!(repo.named_commit(rev), None, "{rev}");
        }
        assert_eq!(repo.commit_of("annotated").ok(), Some(first.id()));
        assert_eq!(repo.commit_of(short).ok(), Some(second));
        assert!(matches!(
            repo.commit_of("a-blob"),
            Err(Unresolved::NotACommit(_))
        ));
    }
}
