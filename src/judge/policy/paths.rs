//! Gitignore-style path patterns over changed files.
//!
//! Teams already know `.gitignore`: a pattern without a slash matches at any depth, a
//! leading `/` anchors it at the root, a trailing `/` means everything below a folder, and a
//! later `!pattern` takes back what earlier patterns matched. Matching is done by globset,
//! with `*` never crossing a `/`.
//!
//! For a package of a monorepo (SPEC §12) the same patterns are read from the package's
//! folder: a pattern matches the path *relative to the folder* of a file inside the
//! package, while a pattern that starts with `/` matches repository paths, with
//! `{package}` replaced by the package's name ([`PathSet::scoped`]).

use std::path::Path;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// An ordered list of patterns; the last pattern that matches a path decides.
#[derive(Debug, Clone)]
pub(crate) struct PathSet {
    patterns: Vec<Pattern>,
    set: GlobSet,
    /// For a package's patterns: which files are the package's, and how patterns are
    /// shown. `None`: every pattern matches repository paths, as written.
    scope: Option<Scope>,
}

#[derive(Debug, Clone)]
struct Pattern {
    /// As hints and `explain` show it.
    text: String,
    negated: bool,
    /// Starts with `/`: matches repository paths even in a package's scope.
    anchored: bool,
}

/// The files of one package: those under `folder` (every file, for the root package),
/// except those under a folder of another package (a package nested inside, or every
/// package, for the root), since a file belongs to the package whose folder is its longest
/// prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scope {
    /// `packages/web/`, with its slash; `None` for the root package.
    folder: Option<Vec<u8>>,
    /// Folders of the packages that take files away from this one, each with its slash.
    carved: Vec<Vec<u8>>,
}

impl Scope {
    /// The scope of the package in `folder` (`None`: the root package) among packages in
    /// `all` folders (itself included, or not).
    pub(crate) fn new(folder: Option<&str>, all: &[&str]) -> Scope {
        let with_slash = |f: &str| format!("{f}/").into_bytes();
        let folder = folder.map(with_slash);
        let carved = all
            .iter()
            .map(|f| with_slash(f))
            .filter(|other| match &folder {
                Some(own) => other != own && other.starts_with(own),
                None => true,
            })
            .collect();
        Scope { folder, carved }
    }

    /// The path of a file relative to the package's folder, if the file is the package's.
    pub(crate) fn relative<'p>(&self, path: &'p [u8]) -> Option<&'p [u8]> {
        let rest = match &self.folder {
            Some(folder) => path.strip_prefix(folder.as_slice())?,
            None => path,
        };
        let taken = self.carved.iter().any(|c| path.starts_with(c));
        (!taken && !rest.is_empty()).then_some(rest)
    }
}

impl PathSet {
    /// Compiles `patterns`; the error names the pattern's index and what is wrong with it.
    pub(crate) fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, (usize, String)> {
        let mut builder = GlobSetBuilder::new();
        let mut compiled = Vec::with_capacity(patterns.len());
        for (i, text) in patterns.iter().enumerate() {
            let text = text.as_ref();
            let (negated, glob) = translate(text).map_err(|e| (i, e))?;
            builder.add(glob);
            compiled.push(Pattern {
                text: text.to_owned(),
                negated,
                anchored: text.trim_start_matches('!').starts_with('/'),
            });
        }
        let set = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(Self {
            patterns: compiled,
            set,
            scope: None,
        })
    }

    /// The same patterns read for one package: `{package}` replaced by `name` in every
    /// pattern, a pattern that starts with `/` matching repository paths, any other the
    /// path relative to the package's folder of a file in `scope`. Hints show each
    /// pattern as a repository path (`packages/web/docs/**`).
    pub(crate) fn scoped(&self, scope: Scope, name: &str) -> Result<Self, (usize, String)> {
        let texts: Vec<String> = self
            .patterns
            .iter()
            .map(|p| p.text.replace("{package}", name))
            .collect();
        let mut set = PathSet::new(&texts)?;
        if let Some(folder) = &scope.folder {
            let folder = String::from_utf8_lossy(folder);
            for p in &mut set.patterns {
                if !p.anchored {
                    p.text = shown_in(&folder, &p.text, p.negated);
                }
            }
        }
        set.scope = Some(scope);
        Ok(set)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The patterns as written, for hints and `explain`.
    pub(crate) fn patterns(&self) -> impl Iterator<Item = (&str, bool)> {
        self.patterns.iter().map(|p| (p.text.as_str(), p.negated))
    }

    /// Whether the path (repository-relative, as raw bytes) is selected.
    pub(crate) fn is_match(&self, path: &[u8]) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        let Some(scope) = &self.scope else {
            return self
                .set
                .matches(bytes_as_path(path))
                .last()
                .is_some_and(|&i| !self.patterns[i].negated);
        };
        // The last pattern that matches decides, whichever path it reads.
        let anchored = self
            .set
            .matches(bytes_as_path(path))
            .into_iter()
            .rev()
            .find(|&i| self.patterns[i].anchored);
        let relative = scope.relative(path).and_then(|rel| {
            self.set
                .matches(bytes_as_path(rel))
                .into_iter()
                .rev()
                .find(|&i| !self.patterns[i].anchored)
        });
        anchored
            .max(relative)
            .is_some_and(|i| !self.patterns[i].negated)
    }
}

/// A package's pattern as the repository path it matches: `docs/**` in `packages/web/` as
/// `packages/web/docs/**`, `*.md` (any depth) as `packages/web/**/*.md`.
fn shown_in(folder: &str, text: &str, negated: bool) -> String {
    let rest = if negated { &text[1..] } else { text };
    // As `translate` reads it: a trailing `/` means everything below, and a pattern with
    // no other slash matches at any depth.
    let (inner, below) = match rest.strip_suffix('/') {
        Some(inner) => (inner, "/**"),
        None => (rest, ""),
    };
    let deep = if inner.contains('/') { "" } else { "**/" };
    let not = if negated { "!" } else { "" };
    format!("{not}{folder}{deep}{inner}{below}")
}

#[cfg(unix)]
fn bytes_as_path(bytes: &[u8]) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    Path::new(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn bytes_as_path(bytes: &[u8]) -> &Path {
    // Git stores paths as UTF-8 on these platforms in practice; a stray byte cannot be
    // represented, so such a path matches nothing rather than something wrong.
    Path::new(std::str::from_utf8(bytes).unwrap_or("\u{0}"))
}

/// Turns one gitignore-style pattern into a glob over root-relative paths.
fn translate(text: &str) -> Result<(bool, Glob), String> {
    let (negated, rest) = match text.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if rest.is_empty() || rest == "/" {
        return Err("empty pattern".to_owned());
    }
    let (anchored, rest) = match rest.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let (dir_only, rest) = match rest.strip_suffix('/') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let mut glob = String::with_capacity(rest.len() + 6);
    if !anchored && !rest.contains('/') {
        glob.push_str("**/");
    }
    glob.push_str(rest);
    if dir_only {
        glob.push_str("/**");
    }
    let glob = GlobBuilder::new(&glob)
        .literal_separator(true)
        .backslash_escape(true)
        .empty_alternates(true)
        .build()
        .map_err(|e| e.kind().to_string())?;
    Ok((negated, glob))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn set(patterns: &[&str]) -> PathSet {
        PathSet::new(patterns).unwrap()
    }

    #[test]
    fn builtin_docs_patterns() {
        let docs = set(&["docs/**", "**/*.md", "**/*.mdx", "!CHANGELOG.md"]);
        assert!(docs.is_match(b"docs/replay.txt"));
        assert!(docs.is_match(b"docs/a/b/c.png"));
        assert!(docs.is_match(b"README.md"));
        assert!(docs.is_match(b"web/guide/intro.mdx"));
        assert!(!docs.is_match(b"CHANGELOG.md"));
        assert!(!docs.is_match(b"crates/core/CHANGELOG.md"));
        assert!(!docs.is_match(b"src/main.rs"));
        assert!(!docs.is_match(b"mydocs/x.txt"));
    }

    #[test]
    fn anchors_and_folders() {
        let s = set(&["/VERSION", "templates/"]);
        assert!(s.is_match(b"VERSION"));
        assert!(!s.is_match(b"sub/VERSION"));
        assert!(s.is_match(b"templates/a.json"));
        assert!(s.is_match(b"app/templates/a.json"));
    }

    #[test]
    fn later_patterns_win() {
        let s = set(&["docs/**", "!docs/internal/**", "docs/internal/public.md"]);
        assert!(s.is_match(b"docs/a.md"));
        assert!(!s.is_match(b"docs/internal/b.md"));
        assert!(s.is_match(b"docs/internal/public.md"));
    }

    #[test]
    fn non_utf8_paths_match_by_bytes() {
        let s = set(&["docs/**"]);
        assert!(s.is_match(b"docs/caf\xe9.md"));
        assert!(!s.is_match(b"src/caf\xe9.md"));
    }

    #[test]
    fn bad_patterns_name_their_index() {
        let err = PathSet::new(&["docs/**", "a/[b"]).unwrap_err();
        assert_eq!(err.0, 1);
        assert!(err.1.contains("unclosed"), "{}", err.1);
        assert_eq!(PathSet::new(&["!"]).unwrap_err().0, 0);
    }

    #[test]
    fn a_package_reads_relative_paths_and_anchored_ones() {
        let all = ["packages/web", "packages/web/plugins/x", "packages/api"];
        let web = set(&[
            "docs/**",
            "templates/",
            "*.md",
            "!CHANGELOG.md",
            "/site/{package}/",
        ])
        .scoped(Scope::new(Some("packages/web"), &all), "web")
        .unwrap();
        assert!(web.is_match(b"packages/web/docs/a.txt"));
        assert!(web.is_match(b"packages/web/src/templates/t.json"));
        assert!(web.is_match(b"packages/web/a/b.md"));
        assert!(web.is_match(b"site/web/index.html"));
        assert!(!web.is_match(b"packages/web/a/CHANGELOG.md"));
        assert!(
            !web.is_match(b"packages/web/plugins/x/docs/a.txt"),
            "nested package"
        );
        assert!(
            !web.is_match(b"packages/web"),
            "the folder itself is no file of it"
        );
        assert!(!web.is_match(b"packages/webapp/docs/a.txt"));
        let shown: Vec<_> = web.patterns().map(|(p, _)| p).collect();
        assert_eq!(
            shown,
            [
                "packages/web/docs/**",
                "packages/web/**/templates/**",
                "packages/web/**/*.md",
                "!packages/web/**/CHANGELOG.md",
                "/site/web/"
            ]
        );
        let root = set(&["docs/**"])
            .scoped(Scope::new(None, &all), ".")
            .unwrap();
        assert!(root.is_match(b"docs/a.md"));
        assert!(!root.is_match(b"packages/api/docs/a.md"));
        // A later anchored exclusion beats an earlier relative match, and the reverse.
        let s = set(&["*.md", "!/packages/web/x.md"])
            .scoped(Scope::new(Some("packages/web"), &all), "web")
            .unwrap();
        assert!(!s.is_match(b"packages/web/x.md"));
        assert!(s.is_match(b"packages/web/y.md"));
        let s = set(&["!/packages/web/x.md", "*.md"])
            .scoped(Scope::new(Some("packages/web"), &all), "web")
            .unwrap();
        assert!(s.is_match(b"packages/web/x.md"));
    }

    fn path_strategy() -> impl Strategy<Value = String> {
        prop::collection::vec("[a-c]{1,2}(\\.md)?", 1..4).prop_map(|parts| parts.join("/"))
    }

    fn pattern_strategy() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                "[a-c]{1,2}",
                Just("*".to_owned()),
                Just("**".to_owned()),
                Just("*.md".to_owned())
            ],
            1..3,
        )
        .prop_map(|parts| parts.join("/"))
    }

    proptest! {
        /// Excluding a pattern right after including it leaves nothing of it selected.
        #[test]
        fn exclusion_after_inclusion_selects_nothing(p in pattern_strategy(), path in path_strategy()) {
            let s = set(&[p.as_str(), &format!("!{p}")]);
            prop_assert!(!s.is_match(path.as_bytes()));
        }

        /// An exclusion before any inclusion has no effect: order matters, as in gitignore.
        #[test]
        fn exclusion_before_inclusion_is_overridden(p in pattern_strategy(), path in path_strategy()) {
            let alone = set(&[p.as_str()]);
            let both = set(&[&format!("!{p}"), p.as_str()]);
            prop_assert_eq!(alone.is_match(path.as_bytes()), both.is_match(path.as_bytes()));
        }

        /// Excluding an unrelated literal file never takes away another path.
        #[test]
        fn unrelated_exclusion_keeps_matches(p in pattern_strategy(), path in path_strategy()) {
            let alone = set(&[p.as_str()]);
            let with = set(&[p.as_str(), "!/zzz-not-a-path"]);
            prop_assert_eq!(alone.is_match(path.as_bytes()), with.is_match(path.as_bytes()));
        }
    }
}
