//! Reading a located YAML tree strictly, collecting every problem: the typed readers that
//! the policy's schema ([`super::parse`]) is written with, and the located problems they
//! report ([`ConfigError`]), all of a file's at once.

use std::fmt;

use regex::Regex;

use super::pattern::{self, Pattern};

use crate::error::Code;
use crate::escape::visible;
use crate::judge::yaml::{self, FileId, Key, Node, Pos, Value};

/// One problem in a policy or another YAML file shipgate reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigError {
    /// The file, as the user knows it (`.shipgate.yml@1a2b3c4` when read from a commit).
    pub(crate) origin: String,
    pub(crate) pos: Option<Pos>,
    /// The key path (`stages[1].require[0]`); empty for the whole document.
    pub(crate) key: String,
    pub(crate) message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(pos) = self.pos {
            write!(f, ":{pos}")?;
        }
        // A problem is one line of a list. Keys and quoted values come from the file, so a
        // line break or an invisible character in them is shown as an escape.
        let (key, message) = (visible(&self.key), visible(&self.message));
        if key.is_empty() {
            write!(f, ": {message}")
        } else {
            write!(f, ": `{key}`: {message}")
        }
    }
}

/// All the problems found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfigErrors {
    /// What kind of file it is.
    pub(crate) what: Document,
    pub(crate) errors: Vec<ConfigError>,
}

/// The kinds of YAML file that shipgate validates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Document {
    Policy,
    FlagRegistry,
}

impl Document {
    /// For the headline: "is not a valid policy".
    fn name(self) -> &'static str {
        match self {
            Document::Policy => "policy",
            Document::FlagRegistry => "flag registry",
        }
    }
}

/// `bad-policy` or `bad-registry`, attached here where the type is (see
/// [`crate::error`]). Not a `std::error::Error`, so that this conversion stands instead
/// of anyhow's.
impl From<ConfigErrors> for anyhow::Error {
    fn from(errors: ConfigErrors) -> anyhow::Error {
        let code = match errors.what {
            Document::Policy => Code::BadPolicy,
            Document::FlagRegistry => Code::BadRegistry,
        };
        code.tag(anyhow::Error::msg(errors))
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        let origin = self.errors.first().map_or("", |e| e.origin.as_str());
        write!(
            f,
            "{origin} is not a valid {} ({n} problem{})",
            self.what.name(),
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.errors {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

/// A policy's problems with the text of every file of its chain, so that each problem is
/// shown with its line and a caret under the spot ([`super::snippet`]). The first line of
/// each problem stays `file:line:col: `key`: message`, as [`ConfigError`] writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyErrors {
    pub(crate) errors: ConfigErrors,
    /// The policy in force, then every file it extends, as the headline names them
    /// (`.shipgate.yml@1a2b3c4d5e`, `base.yml@1a2b3c4d5e`, `built-in`).
    pub(crate) chain: Vec<String>,
    /// The origin and text of each file, for the snippets.
    pub(crate) sources: Vec<(String, String)>,
}

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.errors.len();
        let origin = self
            .chain
            .first()
            .or_else(|| self.errors.errors.first().map(|e| &e.origin))
            .map_or("", String::as_str);
        write!(
            f,
            "{} is not a valid {} ({n} problem{}",
            visible(origin),
            self.errors.what.name(),
            if n == 1 { "" } else { "s" }
        )?;
        // A policy that extends only the built-in one, as every policy does unless it says
        // otherwise, needs no word about it.
        let rest = self.chain.get(1..).unwrap_or_default();
        if !(rest.is_empty() || rest == [BUILTIN_ORIGIN]) {
            write!(f, "; it extends {}", visible(&rest.join(" -> ")))?;
        }
        write!(f, ")")?;
        for e in &self.errors.errors {
            write!(f, "\n  {e}")?;
            let text = self
                .sources
                .iter()
                .find(|(origin, _)| *origin == e.origin)
                .map(|(_, text)| text);
            // A line that may hold a secret (a webhook URL, a password in a URL) is not
            // shown: the error is what refuses to keep it.
            if let (Some(text), Some(pos)) = (text, e.pos)
                && !super::integrations::is_secret_key(&e.key)
                && let Some(snippet) = super::snippet::render(text, pos, "    ")
            {
                write!(f, "\n{snippet}")?;
            }
        }
        Ok(())
    }
}

/// `bad-policy`, like [`ConfigErrors`].
impl From<PolicyErrors> for anyhow::Error {
    fn from(errors: PolicyErrors) -> anyhow::Error {
        Code::BadPolicy.tag(anyhow::Error::msg(errors))
    }
}

/// How the built-in policy is named as a file of a chain.
pub(crate) const BUILTIN_ORIGIN: &str = "built-in";

/// Reads a YAML document and reports a syntax problem as a located [`ConfigError`].
pub(crate) fn parse_yaml(text: &str, origin: &str) -> Result<Node, ConfigError> {
    yaml::parse(text).map_err(|e| ConfigError {
        origin: origin.to_owned(),
        pos: e.pos,
        key: String::new(),
        message: format!("invalid YAML: {}", e.message),
    })
}

pub(super) struct Cx<'o> {
    /// The files the tree was merged from, by [`Pos::file`]: each problem names the file
    /// its node came from.
    pub(super) origins: &'o [String],
    pub(super) errors: Vec<ConfigError>,
    /// `flag-stage` values seen in stages, checked against the registry's stages once
    /// both are read.
    pub(super) flag_stage_refs: Vec<(Pos, String, String)>,
    /// The file of the chain that is the built-in policy, if it is one of them: its
    /// regexes are compiled when first used ([`pattern`]).
    pub(super) builtin_file: Option<FileId>,
}

/// A mapping whose keys have been checked against the allowed ones.
pub(super) struct Fields<'n> {
    entries: &'n [(Key, Node)],
}

impl<'n> Fields<'n> {
    pub(super) fn get(&self, name: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(_, v)| v)
    }

    /// Where the key `name` is written: a problem with a whole section is shown there,
    /// not at the section's first line (where a block mapping's value starts).
    pub(super) fn key(&self, name: &str) -> Option<Pos> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(k, _)| k.pos)
    }
}

pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl<'o> Cx<'o> {
    pub(super) fn new(origins: &'o [String]) -> Self {
        Self {
            origins,
            errors: Vec::new(),
            flag_stage_refs: Vec::new(),
            builtin_file: None,
        }
    }

    pub(super) fn err(&mut self, pos: Pos, key: &str, message: impl Into<String>) {
        let origin = self
            .origins
            .get(usize::from(pos.file))
            .or(self.origins.first())
            .map_or("", String::as_str);
        self.errors.push(ConfigError {
            origin: origin.to_owned(),
            pos: Some(pos),
            key: key.to_owned(),
            message: message.into(),
        });
    }

    pub(super) fn expected(&mut self, node: &Node, key: &str, what: &str) {
        let found = node.value.kind();
        self.err(node.pos, key, format!("expected {what}, found {found}"));
    }

    /// Checks that `node` is a mapping with only `allowed` keys; unknown keys are reported
    /// with the closest allowed one.
    pub(super) fn map<'n>(
        &mut self,
        node: &'n Node,
        path: &str,
        allowed: &[&str],
    ) -> Option<Fields<'n>> {
        let Value::Map(entries) = &node.value else {
            self.expected(node, path, "a mapping");
            return None;
        };
        for (key, _) in entries {
            if !allowed.contains(&key.name.as_str()) {
                let hint = match closest(&key.name, allowed) {
                    Some(near) => format!("; did you mean `{near}`?"),
                    None => format!("; expected one of: {}", allowed.join(", ")),
                };
                self.err(
                    key.pos,
                    &join(path, &key.name),
                    format!("unknown key{hint}"),
                );
            }
        }
        Some(Fields { entries })
    }

    pub(super) fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Str(_) => {
                self.err(node.pos, path, "must not be empty");
                None
            }
            _ => {
                self.expected(node, path, "a string (quote it if it looks like a number)");
                None
            }
        }
    }

    /// A file path inside the repository, as git names it in a tree.
    pub(super) fn repo_path(&mut self, node: &Node, path: &str) -> Option<String> {
        let text = self.string(node, path)?;
        if let Some(why) = bad_repo_path(&text) {
            self.err(node.pos, path, why);
            return None;
        }
        Some(text)
    }

    pub(super) fn bool(&mut self, node: &Node, path: &str) -> Option<bool> {
        match node.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.expected(node, path, "true or false");
                None
            }
        }
    }

    /// A list of non-empty strings, each with its position. A lone string is read as a
    /// list of one (`trailers: Docs` is `trailers: [Docs]`): it cannot mean anything else,
    /// and a string that was meant as several (`docs/**, *.md`) is one name or pattern
    /// that matches less, never more, so nothing passes that the list would block.
    pub(super) fn strings(&mut self, node: &Node, path: &str) -> Vec<(Pos, String)> {
        let one;
        let items = match &node.value {
            Value::Seq(items) => items.as_slice(),
            Value::Str(_) => {
                one = [node.clone()];
                &one[..]
            }
            _ => {
                self.expected(node, path, "a list of strings");
                return Vec::new();
            }
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                // A lone string is item 0 of its list, as every caller names items.
                let s = self.string(item, &format!("{path}[{i}]"))?;
                Some((item.pos, s))
            })
            .collect()
    }

    pub(super) fn names(&mut self, node: Option<&Node>, path: &str) -> Vec<String> {
        node.map(|n| self.strings(n, path))
            .unwrap_or_default()
            .into_iter()
            .map(|(_, s)| s)
            .collect()
    }

    /// Trailer keys follow git's token rule (ASCII letters, digits, `-`); any other key
    /// could never match a trailer, which would make a requirement silently unsatisfiable.
    pub(super) fn trailer_keys(&mut self, node: Option<&Node>, path: &str) -> Vec<String> {
        let Some(node) = node else { return Vec::new() };
        let keys = self.strings(node, path);
        for (i, (pos, key)) in keys.iter().enumerate() {
            if !is_trailer_key(key) {
                self.err(
                    *pos,
                    &format!("{path}[{i}]"),
                    format!(
                        "`{key}` cannot be a git trailer key: use ASCII letters, digits and `-`"
                    ),
                );
            }
        }
        keys.into_iter().map(|(_, k)| k).collect()
    }

    /// A regex of a policy: a built-in one as it is, to be compiled when first used (a
    /// unit test compiles them all); any other compiled and checked now.
    pub(super) fn pattern(
        &mut self,
        node: &Node,
        path: &str,
        group: Option<&str>,
    ) -> Option<Pattern> {
        if self.builtin_file == Some(node.pos.file) {
            return self.string(node, path).map(Pattern::builtin);
        }
        self.regex(node, path, group).map(Pattern::compiled)
    }

    pub(super) fn regex(&mut self, node: &Node, path: &str, group: Option<&str>) -> Option<Regex> {
        let text = self.string(node, path)?;
        match pattern::regex(&text) {
            Ok(re) => {
                if let Some(group) = group
                    && !re.capture_names().flatten().any(|n| n == group)
                {
                    self.err(
                        node.pos,
                        path,
                        format!("the pattern needs a named group `(?P<{group}>...)`"),
                    );
                    return None;
                }
                Some(re)
            }
            Err(e) => {
                // regex's messages span several lines with a caret; keep the last, which
                // says what is wrong.
                let why = e.to_string();
                let why = why.lines().last().unwrap_or("invalid").trim();
                let why = why.trim_start_matches("error: ");
                self.err(node.pos, path, format!("invalid regex: {why}"));
                None
            }
        }
    }
}

/// Paths in trees are relative, `/`-separated and normalised; anything else would never
/// match a file, which would turn a signal or a requirement off without a word.
pub(super) fn bad_repo_path(path: &str) -> Option<String> {
    let bad = path.starts_with('/')
        || path.ends_with('/')
        || path.contains('\\')
        || path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..");
    bad.then(|| {
        format!("`{path}` is not a repository-relative file path; write it like `sub/dir/file.yml`, without `./`, `..` or a leading `/`")
    })
}

pub(super) fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

pub(crate) fn is_trailer_key(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The allowed name closest to a misspelt one, if it is close enough to be a likely typo.
pub(super) fn closest<'a>(name: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (edit_distance(name, a), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
