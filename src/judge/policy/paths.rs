//! Gitignore-style path patterns over changed files.
//!
//! Teams already know `.gitignore`: a pattern without a slash matches at any depth, a
//! leading `/` anchors it at the root, a trailing `/` means everything below a folder, and a
//! later `!pattern` takes back what earlier patterns matched. Matching is done by globset,
//! with `*` never crossing a `/`.

use std::path::Path;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// An ordered list of patterns; the last pattern that matches a path decides.
#[derive(Debug, Clone)]
pub(crate) struct PathSet {
    patterns: Vec<Pattern>,
    set: GlobSet,
}

#[derive(Debug, Clone)]
struct Pattern {
    text: String,
    negated: bool,
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
            });
        }
        let set = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(Self {
            patterns: compiled,
            set,
        })
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
        let path = bytes_as_path(path);
        self.set
            .matches(path)
            .last()
            .is_some_and(|&i| !self.patterns[i].negated)
    }
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
