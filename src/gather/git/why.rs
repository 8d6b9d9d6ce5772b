//! Why git could not open a repository or find a revision, in shipgate's words.
//!
//! libgit2's messages speak of its insides ("revspec 'x' not found", "parent 0 does not
//! exist", and for a `:/text` search that found nothing, "no error"). A user needs what was
//! wrong, where, and what to do, so each reason is worked out here from the repository
//! itself (does the name before `~` exist? is `.git` a file, and where does it point?)
//! and from the error's code and class, never from the English of libgit2's message,
//! which may change in any release.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use git2::{ErrorClass, ErrorCode, ObjectType, Repository};

/// Why a revision gave no commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unresolved {
    /// It is a branch with no commits yet (an unborn `HEAD`).
    Unborn,
    /// It names an object that is no commit: "a tree", "a file (blob)".
    NotACommit(&'static str),
    /// It names nothing here.
    Nothing {
        /// What is wrong, as a clause: "no branch, tag or commit is named `nope` here".
        why: String,
        /// What to do about it, as a clause: "check the name, or fetch it first (...)".
        fix: String,
    },
}

/// How a revision is written: the name it starts from (a ref or an id) and what follows.
struct Parts<'a> {
    /// Up to the first `~`, `^`, `:` or `@{`; no ref name holds any of them.
    name: &'a str,
    /// The rest: `~2`, `^{tree}`, `:path`, `@{upstream}`.
    rest: &'a str,
}

fn parts(rev: &str) -> Parts<'_> {
    let end = rev
        .char_indices()
        .find(|&(i, c)| matches!(c, '~' | '^' | ':') || rev[i..].starts_with("@{"))
        .map_or(rev.len(), |(i, _)| i);
    Parts {
        name: &rev[..end],
        rest: &rev[end..],
    }
}

/// The kind of an object that is no commit, as a message says it.
pub(crate) fn kind(object: &git2::Object<'_>) -> &'static str {
    match object.kind() {
        Some(ObjectType::Tree) => "a tree",
        Some(ObjectType::Blob) => "a file (blob)",
        Some(ObjectType::Tag) => match object.peel(ObjectType::Any).ok().and_then(|o| o.kind()) {
            Some(ObjectType::Tree) => "a tag of a tree",
            Some(ObjectType::Blob) => "a tag of a file (blob)",
            _ => "a tag of no commit",
        },
        _ => "an object that is no commit",
    }
}

/// Why `rev` names no commit in `repo`, given the error that resolving it gave.
/// `shallow` is what to tell the user of a shallow clone, where a missing commit is most
/// likely beyond the depth.
pub(crate) fn unresolved(
    repo: &Repository,
    rev: &str,
    error: &git2::Error,
    shallow: Option<&str>,
) -> Unresolved {
    let nothing = |why: String, fix: String| Unresolved::Nothing { why, fix };
    let written_as = "write it as a branch, tag or commit id, optionally followed by `~N` or `^N` \
                      (`main`, `origin/main`, `v1.2.0`, `HEAD~1`)";
    if rev.trim().is_empty() {
        return nothing("it is empty".to_owned(), written_as.to_owned());
    }
    match error.code() {
        ErrorCode::InvalidSpec => {
            return nothing(
                "it is not written as a revision that names one commit (ranges such as `a..b` \
                 and `@{-N}` are not read either)"
                    .to_owned(),
                written_as.to_owned(),
            );
        }
        ErrorCode::Ambiguous => {
            return nothing(
                "more than one object's id starts with it".to_owned(),
                "give more of its digits, or the whole id".to_owned(),
            );
        }
        ErrorCode::NotFound => {}
        _ => {
            return nothing(
                "git could not read what it names: a ref or an object on the way cannot be \
                 read, so the repository may be damaged"
                    .to_owned(),
                "`git fsck` says what is wrong with the repository".to_owned(),
            );
        }
    }
    let Parts { name, rest } = parts(rev);
    let fetch_or = |fix: String| shallow.map_or(fix, str::to_owned);
    // `:/text` and `^{/text}` search commit messages.
    if let Some(text) = rest.strip_prefix(":/").filter(|_| name.is_empty()) {
        return nothing(
            format!("no commit message matches `{text}`"),
            "check the text, which is a regular expression".to_owned(),
        );
    }
    if let Some(text) = rest.strip_prefix("^{/").and_then(|t| t.strip_suffix('}')) {
        return nothing(
            format!("no commit message in the history of `{name}` matches `{text}`"),
            "check the text, which is a regular expression".to_owned(),
        );
    }
    let named = if name.is_empty() || name == "@" {
        "HEAD"
    } else {
        name
    };
    if repo.revparse_single(named).is_err() {
        return missing_name(repo, name, shallow);
    }
    let shown = if name.is_empty() {
        "the current branch".to_owned()
    } else {
        format!("`{name}`")
    };
    if let Some(at) = rest.strip_prefix("@{").and_then(|r| r.split('}').next()) {
        if ["u", "upstream", "push"].contains(&at.to_ascii_lowercase().as_str()) {
            return nothing(
                format!("{shown} has no upstream branch"),
                "name the base itself (`--base origin/main`), or give the branch an upstream \
                 (`git branch --set-upstream-to origin/main`)"
                    .to_owned(),
            );
        }
        return nothing(
            format!("the reflog of {shown} does not go back to `@{{{at}}}`"),
            "name the commit itself".to_owned(),
        );
    }
    if rest.starts_with(':') {
        return nothing(
            format!("`{rev}` names a path inside {shown}, and a path is no commit"),
            format!("pass the commit alone (`{named}`)"),
        );
    }
    // `~N` or `^N` stepped past the first commit, or to a parent that a commit lacks.
    nothing(
        format!("{shown} exists, but `{rev}` steps past its history to a commit that is not there"),
        fetch_or(format!(
            "name a commit that exists (`git log --oneline --graph {named}` shows its history)"
        )),
    )
}

/// Why a branch, tag or id names nothing here.
fn missing_name(repo: &Repository, name: &str, shallow: Option<&str>) -> Unresolved {
    let hex = name.len() >= 4 && name.bytes().all(|b| b.is_ascii_hexdigit());
    let full_id = hex && matches!(name.len(), 40 | 64);
    let why = if full_id {
        format!("no commit {name} is in this clone")
    } else if hex {
        format!("no branch or tag is named `{name}`, and no commit's id here starts with it")
    } else {
        format!("no branch, tag or commit is named `{name}` here")
    };
    let fix = match shallow {
        Some(hint) => hint.to_owned(),
        None if full_id => format!("fetch it first (`git fetch origin {name}`), or check the id"),
        None if hex => "check the id, or fetch the branch that holds the commit".to_owned(),
        None => {
            let (remote, branch) = split_remote(repo, name);
            format!("check the name, or fetch it first (`git fetch {remote} {branch}`)")
        }
    };
    Unresolved::Nothing { why, fix }
}

/// `origin/main` is branch `main` of remote `origin`; anything else is fetched from
/// `origin` as it is written.
pub(crate) fn split_remote<'r>(repo: &Repository, rev: &'r str) -> (&'r str, &'r str) {
    if let Some((remote, name)) = rev.split_once('/')
        && (remote == "origin" || repo.find_remote(remote).is_ok())
    {
        return (remote, name);
    }
    ("origin", rev)
}

/// Why the repository containing `dir` could not be opened, as a whole message: what,
/// where, and what to do. `None` when there is simply no repository there (no `.git` at or
/// above `dir`), which the caller words.
pub(crate) fn unopened(dir: &Path, error: &git2::Error) -> Option<String> {
    let shown = dir.display();
    let dot_git = find_dot_git(dir);
    if error.code() == ErrorCode::NotFound && dot_git.is_none() {
        return None;
    }
    if let Some(file) = dot_git.as_ref().filter(|p| p.is_file())
        && error.class() != ErrorClass::Config
        && error.code() != ErrorCode::Owner
    {
        return Some(match gitdir_of(file) {
            Some(target) => format!(
                "`{shown}` is in a linked worktree or submodule whose `.git` file ({}) points at \
                 `{target}`, which is not a repository; if the main repository moved, run \
                 `git worktree repair` in it, or pass --repo with a clone",
                file.display()
            ),
            None => format!(
                "the `.git` file at {} does not say where its repository is (it holds no line \
                 `gitdir: <path>`); restore it, or pass --repo with a clone",
                file.display()
            ),
        });
    }
    Some(match (error.code(), error.class()) {
        (ErrorCode::Owner, _) => {
            let top = dot_git
                .as_deref()
                .and_then(Path::parent)
                .map_or_else(|| dir.to_path_buf(), Path::to_path_buf);
            format!(
                "git refuses to open `{shown}`: the repository at {} is owned by another user \
                 than the one running shipgate; if you trust it, run `git config --global --add \
                 safe.directory {}`",
                top.display(),
                top.display()
            )
        }
        (_, ErrorClass::Config) => {
            let broken = config_files(dot_git.as_deref())
                .into_iter()
                .find(|path| path.is_file() && git2::Config::open(path).is_err());
            match broken {
                Some(path) => format!(
                    "could not open the repository at `{shown}`: the git configuration file {} \
                     does not parse; `git config --file {} --list` names the line to fix",
                    path.display(),
                    path.display()
                ),
                None => format!(
                    "could not open the repository at `{shown}`: a git configuration file does \
                     not parse; `git config --list --show-origin` names the file and line to fix"
                ),
            }
        }
        (ErrorCode::NotFound, _) => format!(
            "{} is not a repository that git can read (its HEAD, objects or refs are missing); \
             `git status` in `{shown}` says what git makes of it, or pass --repo with a clone",
            dot_git.unwrap_or_default().display()
        ),
        (_, ErrorClass::Repository) => match dot_git.as_deref().and_then(unreadable_format) {
            Some(what) => format!(
                "could not open the repository at `{shown}`: it uses {what}, which the git \
                 library shipgate is built on (libgit2) cannot read; judge the change in a clone \
                 that does not use it"
            ),
            None => format!(
                "could not open the repository at `{shown}`: its git files are in a form that \
                 the git library shipgate is built on (libgit2) cannot read; `git status` there \
                 says what git makes of them"
            ),
        },
        // Anything else is unforeseen: libgit2's words are all there is to go on.
        _ => format!(
            "could not open the repository at `{shown}`; `git status` there says whether git \
             can read it (libgit2 said: {})",
            error.message()
        ),
    })
}

/// The nearest `.git` (a folder, or a linked worktree's file) at or above `dir`.
fn find_dot_git(dir: &Path) -> Option<PathBuf> {
    let dir = dir.canonicalize().ok()?;
    dir.ancestors()
        .map(|d| d.join(".git"))
        .find(|p| std::fs::symlink_metadata(p).is_ok())
}

/// The target of a `.git` file's `gitdir:` line, relative ones taken from the file's folder.
fn gitdir_of(file: &Path) -> Option<String> {
    let mut text = String::new();
    // A `.git` file is one short line; a larger one is no `.git` file.
    std::fs::File::open(file)
        .ok()?
        .take(4096)
        .read_to_string(&mut text)
        .ok()?;
    let target = text.lines().next()?.strip_prefix("gitdir:")?.trim();
    if target.is_empty() {
        return None;
    }
    let path = Path::new(target);
    Some(if path.is_absolute() {
        target.to_owned()
    } else {
        file.parent()?.join(path).display().to_string()
    })
}

/// The configuration files that opening a repository reads: its own, then the user's and
/// the system's.
fn config_files(dot_git: Option<&Path>) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = dot_git
        .filter(|p| p.is_dir())
        .map(|p| p.join("config"))
        .into_iter()
        .collect();
    files.extend(git2::Config::find_global().ok());
    files.extend(git2::Config::find_xdg().ok());
    files.extend(git2::Config::find_system().ok());
    files
}

/// What in a repository's configuration libgit2 refuses: a format version above 1, or the
/// extensions it sets (`extensions.objectformat = sha256`).
fn unreadable_format(dot_git: &Path) -> Option<String> {
    let config = git2::Config::open(&dot_git.join("config")).ok()?;
    let version = config.get_i32("core.repositoryformatversion").unwrap_or(0);
    if version > 1 {
        return Some(format!("repository format version {version}"));
    }
    let mut extensions = Vec::new();
    let mut entries = config.entries(Some("extensions\\..*")).ok()?;
    while let Some(Ok(entry)) = entries.next() {
        if let (Ok(name), Ok(value)) = (entry.name(), entry.value()) {
            extensions.push(format!("`{name} = {value}`"));
        }
    }
    (!extensions.is_empty()).then(|| extensions.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revision_splits_at_its_first_operator() {
        let p = |rev| {
            let Parts { name, rest } = parts(rev);
            (name, rest)
        };
        assert_eq!(p("main"), ("main", ""));
        assert_eq!(p("origin/main~2^2"), ("origin/main", "~2^2"));
        assert_eq!(p("HEAD:src/a.rs"), ("HEAD", ":src/a.rs"));
        assert_eq!(p(":/fix"), ("", ":/fix"));
        assert_eq!(p("main@{upstream}"), ("main", "@{upstream}"));
        // `@` alone, or inside a name, is part of the name (`web@1.2.0` is a tag).
        assert_eq!(p("web@1.2.0^{commit}"), ("web@1.2.0", "^{commit}"));
        assert_eq!(p("@"), ("@", ""));
    }
}
