//! A workspace's member globs (`crates/*`, `apps/**`) expanded over the working tree.
//!
//! Only the folders under a glob's literal prefix are read (`crates/` for `crates/*`), no
//! deeper than the glob can match (one level for `crates/*`, [`MAX_DEPTH`] for `**`), never
//! through a symbolic link, and at most [`MAX_FOLDERS`] of them: a glob in a manifest cannot
//! make shipgate read the whole disk. A link that the glob matches is still a candidate; the
//! caller decides whether it stays inside the repository.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use globset::{GlobBuilder, GlobMatcher};

/// How deep `**` searches below the glob's literal prefix. Workspaces nest members a few
/// levels down (`apps/web/packages/ui`), not eight.
pub(super) const MAX_DEPTH: usize = 8;
/// How many folders one glob may make shipgate look at.
pub(super) const MAX_FOLDERS: usize = 20_000;

/// What a glob's `*` passes over, as each tool's glob library does.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rules {
    /// Whether `*` matches a folder whose name starts with `.`: Cargo's `glob` crate does,
    /// npm's and pnpm's globbing does not.
    pub(super) dot_folders: bool,
    /// Whether `node_modules` folders are passed over: npm and pnpm never look in them.
    pub(super) skip_node_modules: bool,
}

/// A pattern as written, cleaned as the tools clean it: a leading `./` or `/` and a
/// trailing `/` dropped (npm strips both), `.` and empty components left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Clean {
    /// The components, joined with `/`; empty for the repository's root itself.
    Inside(String),
    /// A pattern with a `..` component: it may lead outside the repository, whose
    /// packages are all that a policy can name.
    Parent,
}

pub(super) fn clean(pattern: &str) -> Clean {
    let mut parts = Vec::new();
    for part in pattern.split('/') {
        match part {
            "" | "." => {}
            ".." => return Clean::Parent,
            _ => parts.push(part),
        }
    }
    Clean::Inside(parts.join("/"))
}

/// Whether a component holds glob syntax, as globset reads it.
fn is_glob(component: &str) -> bool {
    component.contains(['*', '?', '[', ']', '{', '}', '\\'])
}

pub(super) fn is_literal(pattern: &str) -> bool {
    !pattern.split('/').any(is_glob)
}

/// A compiled glob: `*` and `?` never cross a `/`, `\` escapes.
pub(super) fn matcher(pattern: &str) -> Result<GlobMatcher, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map(|glob| glob.compile_matcher())
        .map_err(|e| e.kind().to_string())
}

/// What a glob matched.
#[derive(Debug, Default)]
pub(super) struct Matches {
    /// Repository-relative folders (or links to folders), `/`-separated, sorted.
    pub(super) folders: Vec<String>,
    /// Folders left out because their names are not UTF-8, which no policy path can name.
    pub(super) unnamed: Vec<String>,
    /// The literal prefix and where it leads, when that is outside the repository: nothing
    /// under it is read.
    pub(super) outside: Option<(String, PathBuf)>,
}

/// The folders of `top` that `pattern` (already [`clean`]ed, not literal) matches.
pub(super) fn expand(top: &Path, pattern: &str, rules: Rules) -> Result<Matches> {
    let glob = match matcher(pattern) {
        Ok(glob) => glob,
        Err(why) => bail!("`{pattern}` is no glob: {why}"),
    };
    let components: Vec<&str> = pattern.split('/').collect();
    let literal = components.iter().take_while(|c| !is_glob(c)).count();
    let rest = &components[literal..];
    let depth_limit = if rest.iter().any(|c| c.contains("**")) {
        MAX_DEPTH
    } else {
        rest.len()
    };
    let prefix = components[..literal].join("/");
    let mut matches = Matches::default();
    // The prefix may pass through a link (`packages -> /srv`); the walk below never does.
    if let Ok(real) = fs::canonicalize(top.join(&prefix)) {
        let real_top = fs::canonicalize(top)
            .with_context(|| format!("could not read folder `{}`", top.display()))?;
        if !real.starts_with(&real_top) {
            matches.outside = Some((prefix, real));
            return Ok(matches);
        }
    }
    let mut visited = 0usize;
    // (relative folder, its depth below the prefix); a stack, so the walk is depth-first
    // and the result is sorted at the end rather than relied on in read order.
    let mut stack = vec![(prefix, 0usize)];
    while let Some((folder, depth)) = stack.pop() {
        let at = top.join(&folder);
        let entries = match fs::read_dir(&at) {
            Ok(entries) => entries,
            // The literal prefix need not exist (`apps/*` in a repository without apps).
            Err(e) if depth == 0 && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) if depth == 0 && e.kind() == std::io::ErrorKind::NotADirectory => continue,
            Err(e) => {
                return Err(e).with_context(|| format!("could not read folder `{}`", at.display()));
            }
        };
        for entry in entries {
            let entry =
                entry.with_context(|| format!("could not read folder `{}`", at.display()))?;
            let kind = entry
                .file_type()
                .with_context(|| format!("could not read `{}`", entry.path().display()))?;
            let is_link = kind.is_symlink();
            // A link counts when it leads to a folder; it is never walked through.
            if !(kind.is_dir() || is_link && entry.path().is_dir()) {
                continue;
            }
            let os_name = entry.file_name();
            let relative = |name: &str| {
                if folder.is_empty() {
                    name.to_owned()
                } else {
                    format!("{folder}/{name}")
                }
            };
            let Some(name) = os_name.to_str() else {
                matches.unnamed.push(relative(&os_name.to_string_lossy()));
                continue;
            };
            if name == ".git"
                || (!rules.dot_folders && name.starts_with('.'))
                || (rules.skip_node_modules && name == "node_modules")
            {
                continue;
            }
            visited += 1;
            if visited > MAX_FOLDERS {
                bail!(
                    "`{pattern}` reaches more than {MAX_FOLDERS} folders; name the members \
                     more narrowly"
                );
            }
            let path = relative(name);
            if glob.is_match(&path) {
                matches.folders.push(path.clone());
            }
            if !is_link && depth + 1 < depth_limit {
                stack.push((path, depth + 1));
            }
        }
    }
    matches.folders.sort();
    matches.unnamed.sort();
    Ok(matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARGO: Rules = Rules {
        dot_folders: true,
        skip_node_modules: false,
    };
    const NPM: Rules = Rules {
        dot_folders: false,
        skip_node_modules: true,
    };

    fn tree(folders: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for folder in folders {
            fs::create_dir_all(dir.path().join(folder)).unwrap();
        }
        dir
    }

    #[test]
    fn patterns_are_cleaned_as_npm_cleans_them() {
        assert_eq!(clean("./packages/*/"), Clean::Inside("packages/*".into()));
        assert_eq!(clean("/apps//web"), Clean::Inside("apps/web".into()));
        assert_eq!(clean("."), Clean::Inside(String::new()));
        assert_eq!(clean("../shared/*"), Clean::Parent);
        assert_eq!(clean("tools/../x"), Clean::Parent);
        assert!(is_literal("tools/x"));
        assert!(!is_literal("crates/{a,b}"));
    }

    #[test]
    fn a_star_matches_one_level_and_a_globstar_several() {
        let dir = tree(&[
            "crates/a/src",
            "crates/b",
            "crates/.hidden",
            "apps/web/packages/ui",
            "apps/node_modules/dep",
            "other/x",
        ]);
        let found = |pattern, rules| expand(dir.path(), pattern, rules).unwrap().folders;
        assert_eq!(
            found("crates/*", CARGO),
            ["crates/.hidden", "crates/a", "crates/b"]
        );
        assert_eq!(found("crates/*", NPM), ["crates/a", "crates/b"]);
        assert_eq!(
            found("apps/**", NPM),
            ["apps/web", "apps/web/packages", "apps/web/packages/ui"]
        );
        assert_eq!(found("*/web", NPM), ["apps/web"]);
        assert_eq!(found("missing/*", NPM), Vec::<String>::new());
        assert_eq!(found("crates/{a,b}", NPM), ["crates/a", "crates/b"]);
    }

    #[test]
    fn a_globstar_stops_at_its_depth() {
        let deep = format!("apps/{}", ["d"; MAX_DEPTH + 2].join("/"));
        let dir = tree(&[&deep]);
        let found = expand(dir.path(), "apps/**", NPM).unwrap().folders;
        assert_eq!(found.len(), MAX_DEPTH);
        assert_eq!(found.last().unwrap().split('/').count(), MAX_DEPTH + 1);
    }

    #[test]
    fn a_bad_glob_is_said() {
        let dir = tree(&[]);
        let err = expand(dir.path(), "crates/[a", NPM).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`crates/[a` is no glob: unclosed character class; missing ']'"
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_are_matched_but_never_walked() {
        let dir = tree(&["real/inner/deep", "packages"]);
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("packages/link"))
            .unwrap();
        let found = expand(dir.path(), "packages/**", NPM).unwrap().folders;
        assert_eq!(found, ["packages/link"]);
        let elsewhere = tree(&["a/b"]);
        std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("vendor")).unwrap();
        let matches = expand(dir.path(), "vendor/*", NPM).unwrap();
        assert_eq!(matches.folders, Vec::<String>::new());
        let (prefix, real) = matches.outside.unwrap();
        assert_eq!(prefix, "vendor");
        assert_eq!(real, fs::canonicalize(elsewhere.path()).unwrap());
    }
}
