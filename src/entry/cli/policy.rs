//! `shipgate init`, `explain` and `validate`: the policy in the working tree, the one a new
//! change will be checked against once committed.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::Args;

use super::packages;

use crate::gather::chain::{self, ChainInfo};
use crate::gather::disk::{self, Spec, Symlinks};
use crate::gather::env::Env;
use crate::gather::github::{Access, SharedPolicies};
use crate::gather::workspace;
use crate::judge::policy::{self, BUILTIN_ORIGIN, BUILTIN_YAML, Composed, POLICY_PATHS, Policy};
use crate::pipeline;
use crate::report::explain;
use crate::report::output::Output;
use crate::report::text::clean;

#[derive(Debug, Args)]
pub(crate) struct PolicyArgs {
    /// The policy file [default: .shipgate.yml or .github/shipgate.yml in the working tree, the
    /// one a new change will be checked against once committed; else the built-in policy].
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// The repository whose policy to use.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) repo: PathBuf,
}

/// `explain --keys`: what every key of a policy file means.
pub(super) fn keys(out: &mut Output<'_>) -> Result<ExitCode> {
    out.print(&explain::keys())?;
    Ok(ExitCode::SUCCESS)
}

/// `explain`: the policy in force, in words, and where each of its values comes from.
pub(super) fn explain(args: &PolicyArgs, out: &mut Output<'_>) -> Result<ExitCode> {
    let (composed, source, info) = policy_in_force(args)?;
    // Descriptions and hints come from the policy file, which came from a commit.
    let text = explain::render(&composed, &source, &info.notes);
    let cleaned: Vec<_> = text.lines().map(clean).collect();
    out.print(&(cleaned.join("\n") + "\n"))?;
    Ok(ExitCode::SUCCESS)
}

/// `validate`: the policy in force and every file it extends read, merged and valid, or
/// every problem they have.
pub(super) fn validate(args: &PolicyArgs, out: &mut Output<'_>) -> Result<ExitCode> {
    let (composed, source, info) = policy_in_force(args)?;
    let policy = &composed.policy;
    let extends = match composed.chain.get(1..).unwrap_or_default() {
        [] if composed.chain == [BUILTIN_ORIGIN] => String::new(),
        [] => "; it extends nothing".to_owned(),
        [only] if only == BUILTIN_ORIGIN => String::new(),
        rest => format!("; it extends {}", rest.join(" -> ")),
    };
    let packages = match policy.packages.len() {
        0 => String::new(),
        1 => ", 1 package".to_owned(),
        n => format!(", {n} packages"),
    };
    let mut text = format!(
        "{}: valid ({} stages, {} requirements{packages}{extends})\n",
        source,
        policy.stages.len(),
        policy.requirements.len()
    );
    for note in &info.notes {
        text.push_str(&format!("note: {note}\n"));
    }
    let cleaned: Vec<_> = text.lines().map(clean).collect();
    out.print(&(cleaned.join("\n") + "\n"))?;
    Ok(ExitCode::SUCCESS)
}

/// The repository's top folder, or `dir` itself outside a repository.
fn top_dir(dir: &Path) -> Result<PathBuf> {
    if !dir.is_dir() {
        bail!(
            "`{}` is not a folder that exists; pass --repo with the repository's folder",
            dir.display()
        );
    }
    match git2::Repository::discover(dir) {
        Err(_) => Ok(dir.to_path_buf()),
        Ok(repo) => match repo.workdir() {
            Some(top) => Ok(top.to_path_buf()),
            None => bail!(
                "`{}` is a bare repository: its policy lives in commits, not in a working tree; run this in a clone",
                dir.display()
            ),
        },
    }
}

/// For `explain` and `validate`: `--config`, else the policy file in the working tree
/// (the one being edited), else the built-in policy; with every file it extends, read
/// in the working tree too (or through the GitHub API: `GITHUB_TOKEN`, `GITHUB_API_URL`).
fn policy_in_force(args: &PolicyArgs) -> Result<(Composed, String, ChainInfo)> {
    let shared = SharedPolicies::new(Access::from_env(&Env::from_process())?);
    if let Some(path) = &args.config {
        let top = chain::top_folder(&args.repo);
        let (composed, info) = pipeline::policy_from_file(path, &top, &shared)?;
        return Ok((composed, path.display().to_string(), info));
    }
    let top = top_dir(&args.repo)?;
    // Anything at the path counts as there, a dangling link or a FIFO too: it is refused
    // below, never passed over for the built-in policy.
    let present = |p: &str| -> Result<Option<PathBuf>> {
        let path = top.join(p);
        Ok(std::fs::symlink_metadata(&path).is_ok().then_some(path))
    };
    match policy::locate(present, "in the working tree")? {
        None => Ok((
            Policy::composed_builtin(),
            "built-in policy".to_owned(),
            ChainInfo::default(),
        )),
        Some((repo_path, path)) => {
            // Read as `check` reads it at a commit, where a link is no policy: what is
            // validated here is what will be in force once committed.
            let spec = Spec {
                what: "the policy",
                cap: disk::POLICY_CAP,
                links: Symlinks::Refuse,
                fix: "a policy is read only as a regular YAML file of at most 256 KiB at its \
                      path, as `check` reads it at a commit: put the policy itself there",
            };
            let (composed, info) =
                pipeline::read_policy(&path, Some(repo_path), &spec, &top, &shared)?;
            Ok((composed, path.display().to_string(), info))
        }
    }
}

/// `init`: the built-in policy, commented, to `.shipgate.yml`; with `packages`, followed by
/// a package for each workspace member found in the working tree.
pub(super) fn init(
    repo: &Path,
    force: bool,
    packages: bool,
    out: &mut Output<'_>,
) -> Result<ExitCode> {
    let top = top_dir(repo)?;
    let other = top.join(POLICY_PATHS[1]);
    if other.exists() {
        bail!(
            "`{}` exists already and two policies are an error; edit that one instead",
            other.display()
        );
    }
    let path = top.join(POLICY_PATHS[0]);
    // Writing follows a link and waits on a FIFO: only a regular file is replaced.
    if let Ok(meta) = std::fs::symlink_metadata(&path) {
        let kind = if meta.file_type().is_symlink() {
            Some("a symbolic link")
        } else {
            disk::not_regular(&meta)
        };
        if let Some(kind) = kind {
            bail!(
                "`{}` is {kind}, not a regular file; remove it, then run `shipgate init` again",
                path.display()
            );
        }
    }
    if path.exists() && !force {
        bail!(
            "`{}` exists already; pass --force to replace it",
            path.display()
        );
    }
    let (text, what, notes) = if packages {
        with_packages(&top)?
    } else {
        (BUILTIN_YAML.to_owned(), String::new(), Vec::new())
    };
    std::fs::write(&path, text).with_context(|| format!("could not write `{}`", path.display()))?;
    // The policy in force is read at the base commit, so the new file judges nothing
    // until it is there; `check` would otherwise seem to ignore it.
    let mut message = format!(
        "wrote {}: the built-in policy, commented{what}; edit it, then run `shipgate validate`\n\
         It applies to changes once it is committed and merged into the base branch; until \
         then `shipgate check --config {}` tries it.\n",
        path.display(),
        path.display()
    );
    for note in notes {
        message.push_str(&format!("note: {}\n", clean(&note)));
    }
    out.print(&message)?;
    Ok(ExitCode::SUCCESS)
}

/// The built-in policy followed by the workspace's packages; what the message says of
/// them (`, with 2 packages (api, web)`); and the members left out. A user who asked for
/// packages is not handed a file without them: none found is an error.
fn with_packages(top: &Path) -> Result<(String, String, Vec<String>)> {
    let found = workspace::find(top)?;
    if found.members.is_empty() {
        let mut why = found.looked;
        why.extend(found.notes);
        bail!(
            "found no workspace members in `{}`: {}. Nothing was written; without --packages, \
             `shipgate init` writes the policy for the repository as one package",
            top.display(),
            why.join("; ")
        );
    }
    let section = packages::section(&found.members);
    let text = BUILTIN_YAML.to_owned() + &section.text;
    // A policy over the cap is refused wherever it is read; writing one would only move
    // the error to the next command.
    if text.len() as u64 > disk::POLICY_CAP {
        bail!(
            "the policy with its {} packages would be {} bytes, over the {} a policy may \
             hold; nothing was written: list by hand the packages that are released on \
             their own",
            section.keys.len(),
            text.len(),
            disk::size(disk::POLICY_CAP)
        );
    }
    let count = match section.keys.len() {
        1 => "1 package".to_owned(),
        n => format!("{n} packages"),
    };
    let what = format!(", with {count} ({})", section.keys.join(", "));
    Ok((text, what, found.notes))
}
