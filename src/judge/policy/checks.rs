//! The `checks:` section of a policy: the handbook's small rules (SPEC §16), each with its
//! level per stage and its settings, validated into the types the checks run on.
//!
//! Every field of a check that a policy leaves out keeps its built-in value, and
//! `leftovers.languages` merges by language (a language set to `null` is removed) as
//! every mapping of composed policies does, so a policy writes only what it changes. The built-in values are the `checks:` section of
//! `builtin.yml`, read once: `shipgate init` writes exactly what applies.

use std::sync::OnceLock;

use super::pattern::{self, Pattern, PatternSet};
use super::read::{Cx, Fields, closest, join};
use super::{PathSet, Stage};
use crate::judge::verdict::CheckId;
use crate::judge::yaml::{Node, Value};

/// The handbook's checks, with their settings.
#[derive(Debug, Clone)]
pub(crate) struct Checks {
    #[doc = key_doc!(checks.size)]
    pub(crate) size: Size,
    #[doc = key_doc!(checks.issue-link)]
    pub(crate) issue_link: IssueLink,
    #[doc = key_doc!(checks.leftovers)]
    pub(crate) leftovers: Leftovers,
    #[doc = key_doc!(checks.tests)]
    pub(crate) tests: Tests,
    #[doc = key_doc!(checks.flag-refs)]
    pub(crate) flag_refs: FlagRefs,
    #[doc = key_doc!(checks.review)]
    pub(crate) review: Review,
}

/// How much a check's findings weigh at a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CheckLevel {
    /// Not run.
    Off,
    /// Run; findings are reported and do not block.
    Warn,
    /// Run; a finding blocks.
    Required,
}

/// A check's level at each stage: one level for all, or one per named stage (stages not
/// named are off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Levels {
    All(CheckLevel),
    ByStage(Vec<(String, CheckLevel)>),
}

impl Levels {
    pub(crate) fn at(&self, stage: &str) -> CheckLevel {
        match self {
            Levels::All(level) => *level,
            Levels::ByStage(levels) => levels
                .iter()
                .find(|(name, _)| name == stage)
                .map_or(CheckLevel::Off, |(_, level)| *level),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Size {
    #[doc = key_doc!(checks.level)]
    pub(crate) level: Levels,
    #[doc = key_doc!(checks.size.max-lines)]
    pub(crate) max_lines: u64,
    #[doc = key_doc!(checks.size.exclude)]
    pub(crate) exclude: PathSet,
}

#[derive(Debug, Clone)]
pub(crate) struct IssueLink {
    #[doc = key_doc!(checks.level)]
    pub(crate) level: Levels,
    #[doc = key_doc!(checks.issue-link.patterns)]
    pub(crate) patterns: Vec<Pattern>,
    /// The patterns as one set: a message is read once, and the set compiles in less
    /// time than its patterns one by one.
    pub(crate) set: PatternSet,
}

#[derive(Debug, Clone)]
pub(crate) struct Leftovers {
    #[doc = key_doc!(checks.level)]
    pub(crate) level: Levels,
    #[doc = key_doc!(checks.exclude)]
    pub(crate) exclude: PathSet,
    #[doc = key_doc!(checks.leftovers.languages)]
    pub(crate) languages: Vec<Language>,
}

/// The debug calls of one kind of file.
#[derive(Debug, Clone)]
pub(crate) struct Language {
    pub(crate) name: String,
    #[doc = key_doc!(checks.leftovers.languages.files)]
    pub(crate) files: PathSet,
    #[doc = key_doc!(checks.leftovers.languages.patterns)]
    pub(crate) patterns: Vec<Pattern>,
    /// The patterns as one set, so that a line is read once whatever their number.
    pub(crate) set: PatternSet,
}

#[derive(Debug, Clone)]
pub(crate) struct Tests {
    #[doc = key_doc!(checks.level)]
    pub(crate) level: Levels,
    #[doc = key_doc!(checks.tests.sources)]
    pub(crate) sources: PathSet,
    #[doc = key_doc!(checks.tests.tests)]
    pub(crate) tests: PathSet,
    #[doc = key_doc!(checks.exclude)]
    pub(crate) exclude: PathSet,
}

#[derive(Debug, Clone)]
pub(crate) struct FlagRefs {
    #[doc = key_doc!(checks.level)]
    pub(crate) level: Levels,
    #[doc = key_doc!(checks.flag-refs.calls)]
    pub(crate) calls: Vec<Pattern>,
    /// The calls as one set, as for [`Language::set`].
    pub(crate) set: PatternSet,
    #[doc = key_doc!(checks.exclude)]
    pub(crate) exclude: PathSet,
}

#[derive(Debug, Clone)]
pub(crate) struct Review {
    #[doc = key_doc!(checks.level)]
    pub(crate) level: Levels,
}

impl Checks {
    /// The check's level at `stage`.
    pub(crate) fn level(&self, id: CheckId, stage: &str) -> CheckLevel {
        let levels = match id {
            CheckId::Size => &self.size.level,
            CheckId::IssueLink => &self.issue_link.level,
            CheckId::Leftovers => &self.leftovers.level,
            CheckId::Tests => &self.tests.level,
            CheckId::FlagRefs => &self.flag_refs.level,
            CheckId::Review => &self.review.level,
        };
        levels.at(stage)
    }
}

/// The built-in checks: the `checks:` section of `builtin.yml`, read once.
pub(crate) fn builtin() -> &'static Checks {
    static BUILTIN: OnceLock<Checks> = OnceLock::new();
    BUILTIN.get_or_init(|| read_builtin(super::builtin_tree(), true))
}

/// The `checks:` section of the built-in policy `root`, read as the built-in checks
/// (`as_builtin`: its patterns compiled at their first match) or as if a user had
/// written it (every pattern compiled and checked now).
fn read_builtin(root: &Node, as_builtin: bool) -> Checks {
    let Value::Map(entries) = &root.value else {
        panic!("the built-in policy is a mapping");
    };
    let node = entries
        .iter()
        .find(|(k, _)| k.name == "checks")
        .map(|(_, v)| v)
        .expect("the built-in policy has a `checks:` section");
    let origins = [super::BUILTIN_ORIGIN.to_owned()];
    let mut cx = Cx::new(&origins);
    cx.builtin_file = as_builtin.then_some(root.pos.file);
    let checks = cx.checks(node, None, None);
    assert!(
        cx.errors.is_empty(),
        "the built-in checks are valid: {:?}",
        cx.errors
    );
    checks.expect("the built-in checks are complete")
}

const CHECK_KEYS: &[&str] = &[
    "size",
    "issue-link",
    "leftovers",
    "tests",
    "flag-refs",
    "review",
];
const SIZE_KEYS: &[&str] = &["level", "max-lines", "exclude"];
const ISSUE_LINK_KEYS: &[&str] = &["level", "patterns"];
const LEFTOVERS_KEYS: &[&str] = &["level", "exclude", "languages"];
const LANGUAGE_KEYS: &[&str] = &["files", "patterns"];
const TESTS_KEYS: &[&str] = &["level", "sources", "tests", "exclude"];
const FLAG_REFS_KEYS: &[&str] = &["level", "calls", "exclude"];
const REVIEW_KEYS: &[&str] = &["level"];
const LEVELS: &[&str] = &["off", "warn", "required"];

/// A check's (or a language's) mapping, where it is, and its key path.
struct Section<'n> {
    fields: Fields<'n>,
    node: &'n Node,
    path: String,
}

impl Cx<'_> {
    /// The `checks:` section over `base` (the built-in checks; `None` when reading them),
    /// with stage names in levels checked against `stages` when those could be read.
    pub(super) fn checks(
        &mut self,
        node: &Node,
        base: Option<&Checks>,
        stages: Option<&[Stage]>,
    ) -> Option<Checks> {
        let fields = self.map(node, "checks", CHECK_KEYS)?;
        let check = |name: &str| fields.get(name);
        let size = self.size(check("size"), base.map(|b| &b.size), stages, node);
        let issue_link = self.issue_link(
            check("issue-link"),
            base.map(|b| &b.issue_link),
            stages,
            node,
        );
        let leftovers =
            self.leftovers(check("leftovers"), base.map(|b| &b.leftovers), stages, node);
        let tests = self.tests(check("tests"), base.map(|b| &b.tests), stages, node);
        let flag_refs =
            self.flag_refs(check("flag-refs"), base.map(|b| &b.flag_refs), stages, node);
        let review = self.review(check("review"), base.map(|b| &b.review), stages, node);
        Some(Checks {
            size: size?,
            issue_link: issue_link?,
            leftovers: leftovers?,
            tests: tests?,
            flag_refs: flag_refs?,
            review: review?,
        })
    }

    /// Reads field `key` of section `s`: the value written (read by `read`, given the
    /// field's node and key path), else the base's, else (reading the built-in checks,
    /// which have no base) a missing key. A value that the built-in policy's own file
    /// gives, unchanged by the chain, is the base's too.
    fn field<T: Clone>(
        &mut self,
        s: &Section<'_>,
        key: &str,
        base: Option<&T>,
        read: impl FnOnce(&mut Self, &Node, &str) -> Option<T>,
    ) -> Option<T> {
        match s.fields.get(key) {
            // The built-in policy's own value, unchanged by any file of the chain: read
            // already into the base (the built-in checks), globs compiled and all.
            Some(n) if base.is_some() && self.builtin_file == Some(n.pos.file) => base.cloned(),
            Some(n) => read(self, n, &join(&s.path, key)),
            None if base.is_some() => base.cloned(),
            None => {
                self.err(s.node.pos, &s.path, format!("missing key `{key}`"));
                None
            }
        }
    }

    /// The mapping of a check (or a language) at `path`, its keys checked.
    fn section<'n>(&mut self, node: &'n Node, path: &str, keys: &[&str]) -> Option<Section<'n>> {
        Some(Section {
            fields: self.map(node, path, keys)?,
            node,
            path: path.to_owned(),
        })
    }

    /// A check the policy leaves out: the base's, whole.
    fn kept<T: Clone>(&mut self, base: Option<&T>, section: &Node, path: &str) -> Option<T> {
        if base.is_none() {
            self.err(
                section.pos,
                path,
                "missing; every check is written out here",
            );
        }
        base.cloned()
    }

    fn size(
        &mut self,
        node: Option<&Node>,
        base: Option<&Size>,
        stages: Option<&[Stage]>,
        section: &Node,
    ) -> Option<Size> {
        let path = "checks.size";
        let Some(at) = node else {
            return self.kept(base, section, path);
        };
        let s = self.section(at, path, SIZE_KEYS)?;
        let level = self.field(&s, "level", base.map(|b| &b.level), |cx, n, p| {
            cx.levels(n, p, stages)
        });
        let max_lines = self.field(&s, "max-lines", base.map(|b| &b.max_lines), |cx, n, p| {
            cx.positive(n, p)
        });
        let exclude = self.field(&s, "exclude", base.map(|b| &b.exclude), |cx, n, p| {
            cx.globs(n, p)
        });
        Some(Size {
            level: level?,
            max_lines: max_lines?,
            exclude: exclude?,
        })
    }

    fn issue_link(
        &mut self,
        node: Option<&Node>,
        base: Option<&IssueLink>,
        stages: Option<&[Stage]>,
        section: &Node,
    ) -> Option<IssueLink> {
        let path = "checks.issue-link";
        let Some(at) = node else {
            return self.kept(base, section, path);
        };
        let s = self.section(at, path, ISSUE_LINK_KEYS)?;
        let level = self.field(&s, "level", base.map(|b| &b.level), |cx, n, p| {
            cx.levels(n, p, stages)
        });
        let patterns = self.field(&s, "patterns", base.map(|b| &b.patterns), |cx, n, p| {
            cx.regexes(n, p, None, false)
        })?;
        // The base's own set when the patterns are the base's, so that it compiles once.
        let set = self.field(&s, "patterns", base.map(|b| &b.set), |cx, n, p| {
            cx.regex_set(&patterns, n, p)
        })?;
        Some(IssueLink {
            level: level?,
            patterns,
            set,
        })
    }

    fn leftovers(
        &mut self,
        node: Option<&Node>,
        base: Option<&Leftovers>,
        stages: Option<&[Stage]>,
        section: &Node,
    ) -> Option<Leftovers> {
        let path = "checks.leftovers";
        let Some(at) = node else {
            return self.kept(base, section, path);
        };
        let s = self.section(at, path, LEFTOVERS_KEYS)?;
        let level = self.field(&s, "level", base.map(|b| &b.level), |cx, n, p| {
            cx.levels(n, p, stages)
        });
        let exclude = self.field(&s, "exclude", base.map(|b| &b.exclude), |cx, n, p| {
            cx.globs(n, p)
        });
        // A policy's `languages` reach here already merged by name onto the built-in
        // ones (policies compose, `null` removing one), so what is written is the whole
        // list: merging again would bring back a language that a `null` removed.
        let languages = self.field(&s, "languages", base.map(|b| &b.languages), |cx, n, _| {
            cx.languages(n, base.map_or(&[], |b| &b.languages))
        });
        Some(Leftovers {
            level: level?,
            exclude: exclude?,
            languages: languages?,
        })
    }

    /// `languages:` as written: each language with both its fields, a `null` one left out.
    /// A policy's languages reach here merged by name onto the built-in ones already; a
    /// language that is the built-in policy's own, unchanged, is taken from `builtin` (the
    /// built-in checks'), as [`Cx::field`] takes a field.
    fn languages(&mut self, node: &Node, builtin: &[Language]) -> Option<Vec<Language>> {
        let path = "checks.leftovers.languages";
        let Value::Map(entries) = &node.value else {
            self.expected(
                node,
                path,
                "a mapping from a language's name to its files and patterns",
            );
            return None;
        };
        let before = self.errors.len();
        let mut out: Vec<Language> = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let unchanged = (self.builtin_file == Some(value.pos.file))
                .then(|| builtin.iter().find(|l| l.name == key.name))
                .flatten();
            if let Some(language) = unchanged {
                out.push(language.clone());
                continue;
            }
            if value.value == Value::Null {
                continue;
            }
            let lpath = join(path, &key.name);
            let Some(s) = self.section(value, &lpath, LANGUAGE_KEYS) else {
                continue;
            };
            let files = self.field(&s, "files", None, |cx, n, p| cx.globs(n, p));
            let patterns = self.field(&s, "patterns", None, |cx, n, p| {
                cx.regexes(n, p, None, true)
            });
            let (Some(files), Some(patterns)) = (files, patterns) else {
                continue;
            };
            let Some(set) = self.regex_set(&patterns, value, &join(&lpath, "patterns")) else {
                continue;
            };
            out.push(Language {
                name: key.name.clone(),
                files,
                patterns,
                set,
            });
        }
        (self.errors.len() == before).then_some(out)
    }

    fn tests(
        &mut self,
        node: Option<&Node>,
        base: Option<&Tests>,
        stages: Option<&[Stage]>,
        section: &Node,
    ) -> Option<Tests> {
        let path = "checks.tests";
        let Some(at) = node else {
            return self.kept(base, section, path);
        };
        let s = self.section(at, path, TESTS_KEYS)?;
        let level = self.field(&s, "level", base.map(|b| &b.level), |cx, n, p| {
            cx.levels(n, p, stages)
        });
        let sources = self.field(&s, "sources", base.map(|b| &b.sources), |cx, n, p| {
            cx.globs(n, p)
        });
        let tests = self.field(&s, "tests", base.map(|b| &b.tests), |cx, n, p| {
            cx.globs(n, p)
        });
        let exclude = self.field(&s, "exclude", base.map(|b| &b.exclude), |cx, n, p| {
            cx.globs(n, p)
        });
        Some(Tests {
            level: level?,
            sources: sources?,
            tests: tests?,
            exclude: exclude?,
        })
    }

    fn flag_refs(
        &mut self,
        node: Option<&Node>,
        base: Option<&FlagRefs>,
        stages: Option<&[Stage]>,
        section: &Node,
    ) -> Option<FlagRefs> {
        let path = "checks.flag-refs";
        let Some(at) = node else {
            return self.kept(base, section, path);
        };
        let s = self.section(at, path, FLAG_REFS_KEYS)?;
        let level = self.field(&s, "level", base.map(|b| &b.level), |cx, n, p| {
            cx.levels(n, p, stages)
        });
        let calls = self.field(&s, "calls", base.map(|b| &b.calls), |cx, n, p| {
            cx.regexes(n, p, Some("key"), false)
        });
        let exclude = self.field(&s, "exclude", base.map(|b| &b.exclude), |cx, n, p| {
            cx.globs(n, p)
        });
        let calls = calls?;
        let set = self.field(&s, "calls", base.map(|b| &b.set), |cx, n, p| {
            cx.regex_set(&calls, n, p)
        })?;
        Some(FlagRefs {
            level: level?,
            calls,
            set,
            exclude: exclude?,
        })
    }

    fn review(
        &mut self,
        node: Option<&Node>,
        base: Option<&Review>,
        stages: Option<&[Stage]>,
        section: &Node,
    ) -> Option<Review> {
        let path = "checks.review";
        let Some(at) = node else {
            return self.kept(base, section, path);
        };
        let s = self.section(at, path, REVIEW_KEYS)?;
        let level = self.field(&s, "level", base.map(|b| &b.level), |cx, n, p| {
            cx.levels(n, p, stages)
        });
        Some(Review { level: level? })
    }

    /// `off`, `warn` or `required`, or a mapping from stage names to those.
    fn levels(&mut self, node: &Node, path: &str, stages: Option<&[Stage]>) -> Option<Levels> {
        match &node.value {
            Value::Str(_) => self.level(node, path).map(Levels::All),
            Value::Map(entries) => {
                let before = self.errors.len();
                let mut levels = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    let kpath = join(path, &key.name);
                    if let Some(stages) = stages
                        && !stages.iter().any(|s| s.name == key.name)
                    {
                        let names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
                        let hint = match closest(&key.name, &names) {
                            Some(near) => format!("; did you mean `{near}`?"),
                            None => format!("; the stages are: {}", names.join(", ")),
                        };
                        self.err(
                            key.pos,
                            &kpath,
                            format!("`{}` is not a stage{hint}", key.name),
                        );
                    }
                    if let Some(level) = self.level(value, &kpath) {
                        levels.push((key.name.clone(), level));
                    }
                }
                (self.errors.len() == before).then_some(Levels::ByStage(levels))
            }
            _ => {
                self.expected(
                    node,
                    path,
                    "`off`, `warn` or `required`, or a mapping from stage names to them",
                );
                None
            }
        }
    }

    fn level(&mut self, node: &Node, path: &str) -> Option<CheckLevel> {
        let level = match &node.value {
            Value::Str(s) if s == "off" => Some(CheckLevel::Off),
            Value::Str(s) if s == "warn" => Some(CheckLevel::Warn),
            Value::Str(s) if s == "required" => Some(CheckLevel::Required),
            _ => None,
        };
        if level.is_none() {
            let found = match &node.value {
                Value::Str(s) => match closest(s, LEVELS) {
                    Some(near) => format!("`{s}`; did you mean `{near}`?"),
                    None => format!("`{s}`"),
                },
                other => other.kind().to_owned(),
            };
            self.err(
                node.pos,
                path,
                format!("expected `off`, `warn` or `required`, found {found}"),
            );
        }
        level
    }

    fn positive(&mut self, node: &Node, path: &str) -> Option<u64> {
        match node.value {
            Value::Int(n) if n > 0 => Some(n as u64),
            Value::Int(_) => {
                self.err(node.pos, path, "must be a positive whole number");
                None
            }
            _ => {
                self.expected(node, path, "a positive whole number");
                None
            }
        }
    }

    /// A list of gitignore-style patterns, each bad one reported where it is.
    fn globs(&mut self, node: &Node, path: &str) -> Option<PathSet> {
        let before = self.errors.len();
        let list = self.strings(node, path);
        if self.errors.len() != before {
            return None;
        }
        let texts: Vec<&str> = list.iter().map(|(_, s)| s.as_str()).collect();
        match PathSet::new(&texts) {
            Ok(set) => Some(set),
            Err((i, why)) => {
                let pos = list.get(i).map_or(node.pos, |(pos, _)| *pos);
                self.err(pos, &format!("{path}[{i}]"), format!("invalid glob: {why}"));
                None
            }
        }
    }

    /// A list of regexes, each with the named `group` when one is asked for; `nonempty`
    /// refuses an empty list (a language without patterns could never find anything).
    fn regexes(
        &mut self,
        node: &Node,
        path: &str,
        group: Option<&str>,
        nonempty: bool,
    ) -> Option<Vec<Pattern>> {
        let Value::Seq(items) = &node.value else {
            self.expected(node, path, "a list of regexes");
            return None;
        };
        if nonempty && items.is_empty() {
            self.err(
                node.pos,
                path,
                "must not be empty; set the language to `null` to drop it",
            );
            return None;
        }
        let before = self.errors.len();
        let regexes: Vec<Pattern> = items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| self.pattern(item, &format!("{path}[{i}]"), group))
            .collect();
        (self.errors.len() == before).then_some(regexes)
    }

    /// The patterns as one set: compiled when first used if every one of them is
    /// built in, and now otherwise, since a set can be too large where each is not.
    fn regex_set(&mut self, patterns: &[Pattern], node: &Node, path: &str) -> Option<PatternSet> {
        if patterns.iter().all(Pattern::is_builtin) {
            return Some(PatternSet::builtin(patterns));
        }
        match pattern::regex_set(patterns.iter().map(Pattern::as_str)) {
            Ok(set) => Some(PatternSet::compiled(patterns, set)),
            Err(e) => {
                let why = e.to_string();
                let why = why.lines().last().unwrap_or("invalid").trim();
                self.err(
                    node.pos,
                    path,
                    format!("the patterns together are too large: {why}"),
                );
                None
            }
        }
    }
}

/// The keys of the `checks:` section, for the test that every key is documented.
#[cfg(test)]
pub(super) const KEY_GROUPS: [(&str, &[&str]); 8] = [
    ("checks.", CHECK_KEYS),
    ("checks.size.", SIZE_KEYS),
    ("checks.issue-link.", ISSUE_LINK_KEYS),
    ("checks.leftovers.", LEFTOVERS_KEYS),
    ("checks.leftovers.languages.<name>.", LANGUAGE_KEYS),
    ("checks.tests.", TESTS_KEYS),
    ("checks.flag-refs.", FLAG_REFS_KEYS),
    ("checks.review.", REVIEW_KEYS),
];

#[cfg(test)]
mod tests;
