//! A policy's regexes, compiled when first matched rather than when the policy is read.
//!
//! Compiling a Unicode-aware regex (`\w`, `\b`, `\d` span all of Unicode) costs far more
//! than a run usually spends matching with it: the built-in checks' thirty-odd patterns
//! and their sets took a third of a run on a small change, and most of them never see a
//! line (the Go patterns in a change without Go files). So a pattern written in a policy
//! file is compiled as it is read, because its errors must be reported at once and at
//! their line, while a pattern of the built-in policy, which a unit test compiles whole,
//! is compiled the first time something is matched against it, once per run however many
//! packages share it.

use std::fmt;
use std::sync::{Arc, OnceLock};

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// Regexes in a policy come from the repository; cap what compiling one may cost.
pub(super) const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// A set of them is capped like one.
pub(super) const REGEX_SET_SIZE_LIMIT: usize = 4 << 20;

pub(super) fn regex(text: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(text).size_limit(REGEX_SIZE_LIMIT).build()
}

pub(super) fn regex_set<'a>(
    texts: impl IntoIterator<Item = &'a str>,
) -> Result<RegexSet, regex::Error> {
    RegexSetBuilder::new(texts)
        .size_limit(REGEX_SET_SIZE_LIMIT)
        .build()
}

/// One regex of a policy.
#[derive(Clone)]
pub(crate) struct Pattern(Arc<Lazy<Regex>>);

/// Several regexes matched as one, so that a line is read once whatever their number.
#[derive(Clone)]
pub(crate) struct PatternSet(Arc<Lazy<RegexSet>>);

struct Lazy<T> {
    texts: Vec<String>,
    compiled: OnceLock<T>,
    /// Taken from the built-in policy, unchecked until first used.
    builtin: bool,
}

impl<T> Lazy<T> {
    fn compiled(texts: Vec<String>, value: T) -> Self {
        Lazy {
            texts,
            compiled: OnceLock::from(value),
            builtin: false,
        }
    }

    fn later(texts: Vec<String>) -> Self {
        Lazy {
            texts,
            compiled: OnceLock::new(),
            builtin: true,
        }
    }
}

impl Pattern {
    /// A pattern compiled (and so checked) as it was read.
    pub(super) fn compiled(regex: Regex) -> Pattern {
        Pattern(Arc::new(Lazy::compiled(
            vec![regex.as_str().to_owned()],
            regex,
        )))
    }

    /// A pattern of the built-in policy, compiled on first use.
    pub(super) fn builtin(text: String) -> Pattern {
        Pattern(Arc::new(Lazy::later(vec![text])))
    }

    pub(crate) fn regex(&self) -> &Regex {
        self.0.compiled.get_or_init(|| {
            regex(self.as_str()).expect("the built-in patterns compile; a unit test guards this")
        })
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0.texts[0]
    }

    /// Whether it comes from the built-in policy (and so may wait to be compiled).
    pub(super) fn is_builtin(&self) -> bool {
        self.0.builtin
    }

    /// Whether the pattern is compiled yet; for the tests that show it waits.
    #[cfg(test)]
    pub(crate) fn is_compiled(&self) -> bool {
        self.0.compiled.get().is_some()
    }
}

impl PatternSet {
    /// A set compiled (and so checked) as it was read.
    pub(super) fn compiled(patterns: &[Pattern], set: RegexSet) -> PatternSet {
        PatternSet(Arc::new(Lazy::compiled(texts(patterns), set)))
    }

    /// A set of built-in patterns, compiled on first use.
    pub(super) fn builtin(patterns: &[Pattern]) -> PatternSet {
        PatternSet(Arc::new(Lazy::later(texts(patterns))))
    }

    pub(crate) fn set(&self) -> &RegexSet {
        self.0.compiled.get_or_init(|| {
            regex_set(self.0.texts.iter().map(String::as_str))
                .expect("the built-in patterns compile as sets; a unit test guards this")
        })
    }

    #[cfg(test)]
    pub(crate) fn is_compiled(&self) -> bool {
        self.0.compiled.get().is_some()
    }

    /// Whether both are the same set, compiled once for both.
    #[cfg(test)]
    pub(crate) fn same(&self, other: &PatternSet) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

fn texts(patterns: &[Pattern]) -> Vec<String> {
    patterns.iter().map(|p| p.as_str().to_owned()).collect()
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.as_str()).finish()
    }
}

impl fmt::Debug for PatternSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PatternSet").field(&self.0.texts).finish()
    }
}
