//! The members of the workspaces a repository declares, found in its working tree, for
//! `shipgate init --packages`: Cargo's `[workspace] members` ([`cargo`]), npm's and yarn's
//! `workspaces` in package.json and pnpm's `pnpm-workspace.yaml` ([`npm`]).
//!
//! Each tool's own rules decide what is a member (Cargo's globs and `exclude`, npm's `!`
//! negations), so that the packages written are the ones the tools build. Every manifest is
//! read bounded ([`disk::read`]) and strictly: one that does not parse stops the search with
//! its file, line and column, rather than leaving its members out unseen. A member whose
//! folder leads outside the repository (through a link or `..`) is left out and said, since
//! a policy can only name the repository's own folders.

mod cargo;
mod glob;
mod npm;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow};

use crate::error::Code;
use crate::escape;
use crate::gather::disk::{self, FileError, Problem, Spec, Symlinks};
use crate::judge::manifest::{self, ManifestError};

/// Which tool a member belongs to; the order of the `manifests` a package lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Ecosystem {
    Cargo,
    Npm,
}

impl Ecosystem {
    /// The manifest a member of this tool has, at the top of its folder.
    pub(crate) fn manifest(self) -> &'static str {
        match self {
            Ecosystem::Cargo => "Cargo.toml",
            Ecosystem::Npm => "package.json",
        }
    }
}

/// A pattern of a root manifest that matched a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Source {
    /// `Cargo.toml`, `package.json` or `pnpm-workspace.yaml`, at the repository's root.
    pub(crate) file: &'static str,
    /// The pattern as written there.
    pub(crate) pattern: String,
}

impl Source {
    /// `` `crates/*` in Cargo.toml's [workspace] members ``.
    pub(crate) fn describe(&self) -> String {
        let list = match self.file {
            "Cargo.toml" => "[workspace] members",
            "package.json" => "workspaces",
            _ => "packages",
        };
        format!(
            "`{}` in {}'s {list}",
            escape::visible(&self.pattern),
            self.file
        )
    }
}

/// One workspace member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    /// The folder, relative to the repository's top, `/`-separated: where its files are
    /// (a link's target, when it was matched through a link).
    pub(crate) path: String,
    pub(crate) ecosystem: Ecosystem,
    /// The package's name: `[package] name`, package.json's `name`.
    pub(crate) name: String,
    /// The package.json has no `name`; `name` is the one npm gives it after its folder.
    pub(crate) named_by_folder: bool,
    /// Every pattern that matched it, in the order they were read.
    pub(crate) sources: Vec<Source>,
    /// The links it was matched through, when it was.
    pub(crate) links: Vec<String>,
}

/// What the search found.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Sorted by path, then Cargo before npm.
    pub(crate) members: Vec<Member>,
    /// Members left out, and why.
    pub(crate) notes: Vec<String>,
    /// Where it looked and what each file said, for a search that finds nothing
    /// (`no pnpm-workspace.yaml`, `package.json has no workspaces`).
    pub(crate) looked: Vec<String>,
}

/// The workspace members declared at `top`, the repository's top folder.
pub(crate) fn find(top: &Path) -> Result<Found> {
    let real_top = fs::canonicalize(top)
        .with_context(|| format!("could not read folder `{}`", top.display()))?;
    let mut finder = Finder {
        top,
        real_top,
        members: BTreeMap::new(),
        notes: Vec::new(),
        looked: Vec::new(),
    };
    cargo::find(&mut finder)?;
    npm::find_package_json(&mut finder)?;
    npm::find_pnpm(&mut finder)?;
    Ok(Found {
        members: finder.members.into_values().collect(),
        notes: finder.notes,
        looked: finder.looked,
    })
}

/// The search's state, shared by the tools' readers.
struct Finder<'a> {
    top: &'a Path,
    real_top: PathBuf,
    members: BTreeMap<(String, Ecosystem), Member>,
    notes: Vec<String>,
    looked: Vec<String>,
}

impl Finder<'_> {
    /// The text of the manifest at `relative`, or `None` when there is none. Read as `check`
    /// reads manifests at a commit, where a link is no file.
    fn read(&self, relative: &str, cap: u64) -> Result<Option<String>> {
        let spec = Spec {
            what: "the manifest",
            cap,
            links: Symlinks::Refuse,
            fix: "a workspace's manifests are read only as regular files within their cap, \
                  as `check` reads manifests at a commit",
        };
        match disk::read(&self.top.join(relative), &spec) {
            Err(FileError {
                problem: Problem::Missing,
                ..
            }) => Ok(None),
            Err(e) => Err(e.into()),
            Ok(bytes) => manifest::utf8(&bytes)
                .map(|text| Some(text.to_owned()))
                .map_err(|e| located(relative, &e)),
        }
    }

    /// `source`'s pattern cleaned as the tools clean it ([`glob::clean`]); `None`, with a
    /// note, for one that leads outside the repository.
    fn inside(&mut self, source: &Source) -> Option<String> {
        match glob::clean(&source.pattern) {
            glob::Clean::Inside(cleaned) => Some(cleaned),
            glob::Clean::Parent => {
                self.notes.push(format!(
                    "left out {}: it leads outside the repository",
                    source.describe()
                ));
                None
            }
        }
    }

    /// Where the folder `matched` (relative, as a pattern matched it) really is, relative
    /// to the top; `None`, with a note, when that is outside the repository, the top itself
    /// or a name a policy cannot hold. A folder that does not exist is an error: only a
    /// member named outright can be one, and the tool would refuse it too.
    fn place(&mut self, matched: &str, source: &Source) -> Result<Option<String>> {
        let shown = escape::visible(matched);
        let real = fs::canonicalize(self.top.join(matched)).map_err(|e| {
            invalid(
                source.file,
                &format!(
                    "`{shown}`, named by {}, is no folder of the repository ({e})",
                    source.describe()
                ),
            )
        })?;
        let Ok(inside) = real.strip_prefix(&self.real_top) else {
            self.notes.push(format!(
                "left out `{shown}` ({}): it leads outside the repository, to `{}`",
                source.describe(),
                real.display()
            ));
            return Ok(None);
        };
        let parts: Option<Vec<&str>> = inside.iter().map(|part| part.to_str()).collect();
        let Some(parts) = parts else {
            self.notes.push(format!(
                "left out `{}` ({}): its name is not UTF-8, which a policy cannot hold",
                inside.display(),
                source.describe()
            ));
            return Ok(None);
        };
        let path = parts.join("/");
        if path.is_empty() {
            self.notes.push(format!(
                "{} names the repository's top: its files belong to the root package `.`, \
                 which `signals` describes",
                source.describe()
            ));
            return Ok(None);
        }
        if path.chars().any(escape::hidden) {
            self.notes.push(format!(
                "left out `{}` ({}): its name holds a character that cannot be seen; rename \
                 the folder, or write its package by hand",
                escape::visible(&path),
                source.describe()
            ));
            return Ok(None);
        }
        Ok(Some(path))
    }

    /// Records that `source` matched the member of `ecosystem` at `path`; `true` when it is
    /// new, and its manifest still has to be read.
    fn seen(&mut self, path: &str, ecosystem: Ecosystem, source: &Source, matched: &str) -> bool {
        let Some(member) = self.members.get_mut(&(path.to_owned(), ecosystem)) else {
            return true;
        };
        if !member.sources.contains(source) {
            member.sources.push(source.clone());
        }
        if matched != path && !member.links.iter().any(|l| l == matched) {
            member.links.push(matched.to_owned());
        }
        false
    }

    fn add(&mut self, member: Member) {
        self.members
            .insert((member.path.clone(), member.ecosystem), member);
    }

    /// Notes for what a glob passed over: folders whose names are not UTF-8, and a
    /// literal prefix that leads outside the repository.
    fn passed_over(&mut self, matches: &glob::Matches, source: &Source) {
        for folder in &matches.unnamed {
            self.notes.push(format!(
                "left out `{}` ({}): its name is not UTF-8, which a policy cannot hold",
                escape::visible(folder),
                source.describe()
            ));
        }
        if let Some((prefix, real)) = &matches.outside {
            self.notes.push(format!(
                "left out {}: `{}` leads outside the repository, to `{}`",
                source.describe(),
                escape::visible(prefix),
                real.display()
            ));
        }
    }
}

/// A manifest that does not parse, as `file:line:col: what`.
fn located(file: &str, error: &ManifestError) -> anyhow::Error {
    let at = match (error.line, error.column) {
        (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
        _ => file.to_owned(),
    };
    Code::BadManifest.tag(anyhow!(
        "{at}: {}; fix it, then run `shipgate init --packages` again",
        error.unlocated
    ))
}

/// A manifest that parses but says something no tool accepts.
fn invalid(at: &str, what: &str) -> anyhow::Error {
    Code::BadManifest.tag(anyhow!(
        "{at}: {what}; fix it, then run `shipgate init --packages` again"
    ))
}

/// Whether cargo takes `name` for a package: letters, digits, `-` and `_`, not starting
/// with a digit. (Cargo allows non-ASCII letters; so does this.)
fn cargo_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 214
        && !name.starts_with(|c: char| c.is_numeric())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// Whether npm takes `name` for a package, old names included: `[@scope/]name`, each part
/// of URL-safe characters (`A-Za-z0-9-._~!*'()`), the name not starting with `.` or `_`.
fn npm_name(name: &str) -> bool {
    let url_safe = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~!*'()".contains(c))
    };
    let bare = match name.strip_prefix('@') {
        Some(scoped) => match scoped.split_once('/') {
            Some((scope, bare)) if url_safe(scope) => bare,
            _ => return false,
        },
        None => name,
    };
    name.len() <= 214 && url_safe(bare) && !bare.starts_with(['.', '_'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_those_the_tools_take() {
        assert!(cargo_name("shipgate_core-2"));
        assert!(cargo_name("größe"));
        assert!(!cargo_name("2fast"));
        assert!(!cargo_name("a b"));
        assert!(!cargo_name("a\u{202e}b"));
        assert!(!cargo_name(""));
        assert!(npm_name("@acme/web.js"));
        assert!(npm_name("JSONStream"));
        assert!(npm_name("web"));
        assert!(!npm_name("@acme"));
        assert!(!npm_name("@/web"));
        assert!(!npm_name("@acme/web/x"));
        assert!(!npm_name(".web"));
        assert!(!npm_name("web app"));
        assert!(!npm_name("web\napp"));
        assert!(!npm_name(&"a".repeat(215)));
    }

    #[test]
    fn sources_say_where_they_are() {
        let source = |file, pattern: &str| Source {
            file,
            pattern: pattern.to_owned(),
        };
        assert_eq!(
            source("Cargo.toml", "crates/*").describe(),
            "`crates/*` in Cargo.toml's [workspace] members"
        );
        assert_eq!(
            source("pnpm-workspace.yaml", "apps/\n*").describe(),
            "`apps/\\u{a}*` in pnpm-workspace.yaml's packages"
        );
    }
}
