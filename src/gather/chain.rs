//! The files of a policy's chain (SPEC §15): the policy in force, then the file it
//! extends, and so on, read one after the other into a [`Chain`] that merges and
//! validates them. Which place the chain is read at (the base commit, the default
//! branch's tip, the working tree) is the pipeline's choice; every repository file of the
//! chain is read at that same place, so a change can no more loosen a file its policy
//! extends than the policy itself. Shared policies (`github:<owner>/<repo>/<path>@<ref>`)
//! come through the GitHub API, and a repository path in one of them names a file of its
//! repository at its ref.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::disk::{self, Spec, Symlinks};
use super::{Files, SharedFiles, utf8};
use crate::error::{Code, Tag as _};
use crate::judge::change::short_id;
use crate::judge::policy::compose::MAX_CHAIN;
use crate::judge::policy::{Chain, Composed, GithubRef, Parent, PolicyErrors};
use crate::judge::yaml::MAX_BYTES;

/// Where the repository files of a chain are read.
pub(crate) enum Place<'a> {
    /// At a commit (the base, the default branch's tip, head).
    Commit {
        files: &'a dyn Files,
        commit: &'a str,
    },
    /// In a folder on disk, the repository's top folder: the working tree that `explain`
    /// and `validate` read, and what `--config` extends.
    Folder(&'a Path),
}

impl Place<'_> {
    /// The name a file at `path` is given here: `base.yml@1a2b3c4d5e`, or its path on disk.
    pub(crate) fn name(&self, path: &str) -> String {
        match self {
            Place::Commit { commit, .. } => format!("{path}@{}", short_id(commit)),
            Place::Folder(top) => top.join(path).display().to_string(),
        }
    }

    /// Where files are looked for, for "does not exist ..." messages.
    fn words(&self) -> String {
        match self {
            Place::Commit { commit, .. } => format!("at commit {}", short_id(commit)),
            Place::Folder(top) => format!("in {}", top.display()),
        }
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        match self {
            Place::Commit { files, commit } => files.read(commit, path, MAX_BYTES),
            Place::Folder(top) => {
                let spec = Spec {
                    what: "a policy that a policy extends",
                    cap: disk::POLICY_CAP,
                    links: Symlinks::Refuse,
                    fix: "a policy is read only as a regular YAML file of at most 256 KiB at \
                          its path, as `check` reads it at a commit: put the policy itself there",
                };
                match disk::read(&top.join(path), &spec) {
                    Ok(bytes) => Ok(Some(bytes)),
                    Err(e) if matches!(e.problem, disk::Problem::Missing) => Ok(None),
                    Err(e) => Err(e.into()),
                }
            }
        }
    }
}

/// What the chain's reading found besides the policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ChainInfo {
    /// Repository paths of the files read at the place, the first one's included when it
    /// is known: a change that edits one of them edits the policy.
    pub(crate) paths: Vec<String>,
    /// Worth saying in the report: a shared policy read at a ref that can move.
    pub(crate) notes: Vec<String>,
}

/// The next file to read.
enum Next {
    Here(String),
    Github(GithubRef),
}

impl Next {
    /// Two names of one file are one file: a cycle is found whatever the spelling of
    /// the owner and repository, which GitHub compares without case.
    fn identity(&self) -> String {
        match self {
            Next::Here(path) => format!("here:{path}"),
            Next::Github(r) => format!(
                "github:{}/{}@{}",
                r.repository().to_ascii_lowercase(),
                r.path,
                r.reference
            ),
        }
    }
}

/// The policy whose first file is `text`, named `origin` (at `path` of the place, when it
/// is a repository file there), with every file it extends. The outer `Err` is a file or
/// an API that could not be read; the inner one the policy's own problems, each located
/// in its file (a cycle, a parent that does not exist, a key that is wrong).
pub(crate) fn read(
    origin: String,
    text: String,
    path: Option<&str>,
    place: &Place<'_>,
    shared: &dyn SharedFiles,
) -> Result<Result<(Composed, ChainInfo), PolicyErrors>> {
    // The policy's own problems end the reading with `Ok(Err(..))`.
    macro_rules! problems {
        ($result:expr) => {
            match $result {
                Ok(value) => value,
                Err(problems) => return Ok(Err(problems)),
            }
        };
    }
    let mut info = ChainInfo::default();
    let mut seen: Vec<String> = Vec::new();
    if let Some(path) = path {
        seen.push(Next::Here(path.to_owned()).identity());
        info.paths.push(path.to_owned());
    }
    let mut chain = Chain::new();
    let mut parent = problems!(chain.add(origin, text));
    // The repository on GitHub that the last file came from; `None` for the place.
    let mut on_github: Option<GithubRef> = None;
    loop {
        let next = match parent {
            Parent::Builtin => return Ok(chain.finish(true).map(|c| (c, info))),
            Parent::Nothing => return Ok(chain.finish(false).map(|c| (c, info))),
            Parent::Repo(path) => match &on_github {
                None => Next::Here(path),
                Some(there) => Next::Github(there.sibling(&path)),
            },
            Parent::Github(r) => Next::Github(r),
        };
        let name = match &next {
            Next::Here(path) => place.name(path),
            Next::Github(r) => r.to_string(),
        };
        let mut names = chain.names();
        names.push(name.clone());
        let arrow = Chain::arrow(&names);
        let identity = next.identity();
        if seen.contains(&identity) {
            return Ok(Err(chain.problem_at_extends(format!(
                "the policies extend each other in a circle: {arrow}; remove one `extends`"
            ))));
        }
        if chain.len() >= MAX_CHAIN {
            return Ok(Err(chain.problem_at_extends(format!(
                "more than {MAX_CHAIN} policy files extend each other ({arrow}); merge some of them"
            ))));
        }
        let read = match &next {
            Next::Here(path) => place.read(path),
            Next::Github(r) => shared.read(&r.repository(), &r.reference, &r.path, MAX_BYTES),
        };
        let bytes = match read {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                let why = match &next {
                    Next::Here(_) => format!("{name} does not exist {}", place.words()),
                    Next::Github(r) => format!(
                        "{name} does not exist: GitHub has no such file at `{}`, or the token \
                         cannot read {} (a workflow's own token reads only its repository: \
                         give shipgate one that can)",
                        r.reference,
                        r.repository()
                    ),
                };
                return Ok(Err(
                    chain.problem_at_extends(format!("{why}; the chain: {arrow}"))
                ));
            }
            Err(e) => {
                let context = format!(
                    "{}: `extends`: could not read {name}; the chain: {arrow}",
                    chain.extends_location()
                );
                // The context goes outside the error's code, which stays the one found
                // where the error arose (`api`, `bad-file`).
                return Err(e.context(context));
            }
        };
        match next {
            Next::Here(path) => info.paths.push(path),
            Next::Github(r) => {
                if !r.is_pinned() {
                    info.notes.push(format!(
                        "the policy extends {r}, read at `{}` as it is now: a branch or tag can \
                         move, and the gate with it; pin a commit sha",
                        r.reference
                    ));
                }
                on_github = Some(r);
            }
        }
        seen.push(identity);
        let text = utf8(&bytes, &name).code(Code::BadPolicy)?.to_owned();
        parent = problems!(chain.add(name, text));
    }
}

/// The repository's top folder for `dir` (any folder inside it), or `dir` itself outside
/// a repository: where the files a policy on disk extends are looked for.
pub(crate) fn top_folder(dir: &Path) -> PathBuf {
    git2::Repository::discover(dir)
        .ok()
        .and_then(|repo| repo.workdir().map(Path::to_path_buf))
        .unwrap_or_else(|| dir.to_path_buf())
}
