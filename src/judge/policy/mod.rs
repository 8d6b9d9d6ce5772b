//! The policy: which stages exist, what signals name them, and what each stage requires.
//!
//! A policy is read from YAML (see `builtin.yml`, which is also what `shipgate init`
//! writes) and validated into the types below. Everything downstream works on these
//! validated types only, so a classifier or a check never meets a bad glob or regex.

#[macro_use]
mod docs;
pub(crate) mod checks;
pub(crate) mod compose;
mod integrations;
mod packages;
mod parse;
mod paths;
pub(crate) mod pattern;
mod read;
mod snippet;

pub(crate) use docs::KEYS;

use regex::Regex;

use crate::judge::trailers::Trailer;
use crate::judge::yaml;

pub(crate) use compose::{Chain, Composed, GithubRef, Parent};
pub(crate) use integrations::{Notify, PackageRegistry, PostHog, SLACK_WEBHOOK_VAR};
pub(crate) use packages::{ROOT, Which};
pub(crate) use paths::{PathSet, Scope};
pub(crate) use read::parse_yaml;
pub(crate) use read::{BUILTIN_ORIGIN, ConfigError, ConfigErrors, Document, PolicyErrors};

/// The built-in policy, with comments. `shipgate init` writes exactly this text, and
/// [`Policy::builtin`] parses exactly this text, so the two cannot drift apart.
pub(crate) const BUILTIN_YAML: &str = include_str!("builtin.yml");

/// The built-in policy's tree, parsed once a process: the built-in checks and every
/// composed policy start from it, and parsing it costs more than copying it.
pub(crate) fn builtin_tree() -> &'static yaml::Node {
    static TREE: std::sync::OnceLock<yaml::Node> = std::sync::OnceLock::new();
    TREE.get_or_init(|| {
        yaml::parse(BUILTIN_YAML)
            .expect("the built-in policy is valid YAML; a unit test guards this")
    })
}

/// File names a policy may have at the repository root, in the order they are looked up.
pub(crate) const POLICY_PATHS: [&str; 2] = [".shipgate.yml", ".github/shipgate.yml"];

/// Finds the policy file among [`POLICY_PATHS`], wherever `read` looks (a commit, the
/// working tree). Two policies would leave it unclear which one is in force, so that is
/// an error rather than a silent choice.
pub(crate) fn locate<T>(
    mut read: impl FnMut(&'static str) -> anyhow::Result<Option<T>>,
    where_: &str,
) -> anyhow::Result<Option<(&'static str, T)>> {
    let mut found = Vec::new();
    for path in POLICY_PATHS {
        if let Some(contents) = read(path)? {
            found.push((path, contents));
        }
    }
    if found.len() > 1 {
        return Err(crate::error::Code::BadPolicy.tag(anyhow::anyhow!(
            "both {} and {} exist {where_}; keep one of them",
            POLICY_PATHS[0],
            POLICY_PATHS[1]
        )));
    }
    Ok(found.pop())
}

#[derive(Debug, Clone)]
pub(crate) struct Policy {
    #[doc = key_doc!(stages)]
    pub(crate) stages: Vec<Stage>,
    #[doc = key_doc!(signals)]
    pub(crate) signals: Signals,
    #[doc = key_doc!(flag-registry)]
    pub(crate) flag_registry: FlagRegistry,
    #[doc = key_doc!(requirements)]
    pub(crate) requirements: Vec<Requirement>,
    #[doc = key_doc!(overrides)]
    pub(crate) overrides: Overrides,
    #[doc = key_doc!(drafts)]
    pub(crate) drafts: Drafts,
    #[doc = key_doc!(checks)]
    pub(crate) checks: checks::Checks,
    #[doc = key_doc!(notify)]
    pub(crate) notify: Notify,
    #[doc = key_doc!(packages)]
    pub(crate) packages: Vec<Package>,
    /// Each requirement's `paths` as the root package reads them when there are packages
    /// (the files outside every package), in the order of `requirements`; empty without
    /// packages, where the requirements' own paths apply to the whole repository.
    pub(crate) root_paths: Vec<PathSet>,
}

/// One package of a monorepo (SPEC §12), judged on its own.
#[derive(Debug, Clone)]
pub(crate) struct Package {
    /// Its key under `packages`: how labels, trailers and reports name it.
    pub(crate) name: String,
    #[doc = key_doc!(packages.path)]
    pub(crate) path: String,
    #[doc = key_doc!(packages.tag-pattern)]
    pub(crate) tag_pattern: Regex,
    /// `manifests`, as repository paths (`packages/web/package.json`).
    pub(crate) manifests: Vec<String>,
    /// `flag-registry`: a file as a repository path, or a PostHog project; `None`: the repository's registry.
    pub(crate) flag_registry: Option<PackageRegistry>,
    /// Each requirement's `paths` as this package reads them, in the order of
    /// `Policy::requirements`.
    pub(crate) paths: Vec<PathSet>,
    /// Where `path` is written, for a problem that only head can show (no such folder).
    pub(crate) written: Written,
}

/// Where a value of a policy is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    /// The file, as problems name it (`.shipgate.yml@1a2b3c4d5e`).
    pub(crate) origin: String,
    pub(crate) pos: crate::judge::yaml::Pos,
}

/// What a draft pull request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Drafts {
    /// Judged in full, and passed: what would block is reported, not enforced.
    Warn,
    /// Judged like any change.
    Judge,
}

#[derive(Debug, Clone)]
pub(crate) struct Stage {
    #[doc = key_doc!(stages.name)]
    pub(crate) name: String,
    #[doc = key_doc!(stages.description)]
    pub(crate) description: String,
    #[doc = key_doc!(stages.signals)]
    pub(crate) signals: StageSignals,
    #[doc = key_doc!(stages.require)]
    pub(crate) require: Vec<String>,
    #[doc = key_doc!(stages.warn)]
    pub(crate) warn: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct StageSignals {
    #[doc = key_doc!(stages.signals.labels)]
    pub(crate) labels: Vec<String>,
    #[doc = key_doc!(stages.signals.trailer)]
    pub(crate) trailer: Vec<String>,
    #[doc = key_doc!(stages.signals.tag)]
    pub(crate) tag: Option<VersionKind>,
    #[doc = key_doc!(stages.signals.version)]
    pub(crate) version: Option<VersionKind>,
    #[doc = key_doc!(stages.signals.flag-stage)]
    pub(crate) flag_stage: Vec<String>,
}

impl StageSignals {
    pub(crate) fn is_empty(&self) -> bool {
        self.labels.is_empty()
            && self.trailer.is_empty()
            && self.tag.is_none()
            && self.version.is_none()
            && self.flag_stage.is_empty()
    }
}

/// Which versions a tag or manifest signal accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VersionKind {
    /// No pre-release part (`2.1.0`); for manifests, also greater than the old version.
    Stable,
    /// A pre-release part (`2.1.0-rc.1`).
    Prerelease,
}

#[derive(Debug, Clone)]
pub(crate) struct Signals {
    #[doc = key_doc!(signals.trailer)]
    pub(crate) trailer: String,
    #[doc = key_doc!(signals.tag-pattern)]
    pub(crate) tag_pattern: Regex,
    #[doc = key_doc!(signals.manifests)]
    pub(crate) manifests: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct FlagRegistry {
    #[doc = key_doc!(flag-registry.path)]
    pub(crate) path: String,
    #[doc = key_doc!(flag-registry.stages)]
    pub(crate) stages: Vec<String>,
    #[doc = key_doc!(flag-registry.posthog)]
    pub(crate) posthog: Option<PostHog>,
}

impl FlagRegistry {
    /// What messages call the registry: its file, or the PostHog project.
    pub(crate) fn describe(&self) -> String {
        match &self.posthog {
            Some(posthog) => posthog.describe(),
            None => self.path.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Requirement {
    /// Stable kebab-case id (`docs`, `template`, `feature-flag`, `marketing`, or your own).
    pub(crate) id: String,
    #[doc = key_doc!(requirements.description)]
    pub(crate) description: String,
    /// What counts as evidence; any one piece satisfies the requirement.
    pub(crate) evidence: Evidence,
    #[doc = key_doc!(requirements.hint)]
    pub(crate) hint: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Evidence {
    #[doc = key_doc!(requirements.paths)]
    pub(crate) paths: PathSet,
    #[doc = key_doc!(requirements.trailers)]
    pub(crate) trailers: Vec<String>,
    #[doc = key_doc!(requirements.labels)]
    pub(crate) labels: Vec<String>,
    #[doc = key_doc!(requirements.body-lines)]
    pub(crate) body_lines: Vec<String>,
    #[doc = key_doc!(requirements.body-checkboxes)]
    pub(crate) body_checkboxes: Vec<String>,
    #[doc = key_doc!(requirements.flag-registry)]
    pub(crate) flag_registry: bool,
    #[doc = key_doc!(requirements.flag-trailers)]
    pub(crate) flag_trailers: Vec<String>,
    #[doc = key_doc!(requirements.flag-label-prefix)]
    pub(crate) flag_label_prefix: Option<String>,
    #[doc = key_doc!(requirements.mentions)]
    pub(crate) mentions: Vec<String>,
}

impl Evidence {
    /// Whether this requirement may look at flag keys, so the registry must be read.
    pub(crate) fn names_flags(&self) -> bool {
        self.flag_registry || !self.flag_trailers.is_empty() || self.flag_label_prefix.is_some()
    }

    /// The flag key a trailer names, if it is one of the flag trailers.
    pub(crate) fn flag_key_of_trailer<'t>(&self, trailer: &'t Trailer) -> Option<&'t str> {
        self.flag_trailers
            .iter()
            .any(|k| trailer.key_is(k))
            .then(|| trailer.value.trim())
            .filter(|key| !key.is_empty())
    }

    /// The flag key a label names (`flag:<key>`), prefix compared as labels are.
    pub(crate) fn flag_key_of_label<'l>(&self, label: &'l str) -> Option<&'l str> {
        let prefix = self.flag_label_prefix.as_deref()?;
        let head = label.get(..prefix.len())?;
        let key = &label[prefix.len()..];
        (same_name(head, prefix) && !key.trim().is_empty()).then_some(key)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Overrides {
    #[doc = key_doc!(overrides.enabled)]
    pub(crate) enabled: bool,
    #[doc = key_doc!(overrides.labels)]
    pub(crate) labels: Vec<String>,
    #[doc = key_doc!(overrides.trailers)]
    pub(crate) trailers: Vec<String>,
    #[doc = key_doc!(overrides.authors)]
    pub(crate) authors: Vec<String>,
}

impl Overrides {
    /// The first of `authors` that `who` matches: the whole name, ASCII letters in any
    /// case (GitHub and GitLab logins are case-insensitive), `*` standing for any run of
    /// characters and nothing else special, so `dependabot[bot]` matches itself.
    pub(crate) fn author_pattern(&self, who: &str) -> Option<&str> {
        self.authors
            .iter()
            .find(|pattern| wildcard_match(pattern, who))
            .map(String::as_str)
    }
}

/// Whether `text` is `pattern`, where `*` stands for any run of characters.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let text = text.as_bytes();
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default().as_bytes();
    let Some(mut rest) = text
        .get(..first.len())
        .filter(|head| head.eq_ignore_ascii_case(first))
        .map(|_| &text[first.len()..])
    else {
        return false;
    };
    let parts: Vec<&[u8]> = parts.map(str::as_bytes).collect();
    let Some((last, middle)) = parts.split_last() else {
        // No `*`: the whole text.
        return rest.is_empty();
    };
    for part in middle {
        match (0..=rest.len().saturating_sub(part.len()))
            .find(|&i| rest[i..i + part.len()].eq_ignore_ascii_case(part))
        {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest[rest.len() - last.len()..].eq_ignore_ascii_case(last)
}

impl Policy {
    /// The built-in policy (the handbook's rules).
    pub(crate) fn builtin() -> Policy {
        Policy::composed_builtin().policy
    }

    /// The built-in policy with its tree, for `explain`.
    pub(crate) fn composed_builtin() -> Composed {
        // Built once a process: composing it compiles every glob of the handbook, which
        // `shipgate audit` would otherwise pay again at every release whose history holds
        // no policy file. A clone shares the compiled programs, and the regexes each
        // compiled at its first match.
        static BUILTIN: std::sync::OnceLock<Composed> = std::sync::OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                Chain::new()
                    .finish(true)
                    .expect("the built-in policy is valid; a unit test guards this")
            })
            .clone()
    }

    /// Reads and validates one policy file that extends the built-in policy, or nothing
    /// (`extends: none`). `origin` names the file in messages (`.shipgate.yml`,
    /// `.shipgate.yml@1a2b3c4`). A file that extends another file is a chain, which the
    /// gatherer reads file by file into a [`Chain`].
    #[cfg(test)]
    pub(crate) fn from_yaml(text: &str, origin: &str) -> Result<Policy, PolicyErrors> {
        let mut chain = Chain::new();
        let builtin = match chain.add(origin.to_owned(), text.to_owned())? {
            Parent::Builtin => true,
            Parent::Nothing => false,
            other => panic!("a chain to read: {other:?}"),
        };
        Ok(chain.finish(builtin)?.policy)
    }

    /// The problems of a policy file `p.yml` as they are shown, none for a valid one: what
    /// the readers' tests compare.
    #[cfg(test)]
    pub(crate) fn problems_of(text: &str) -> Vec<String> {
        match Policy::from_yaml(text, "p.yml") {
            Ok(_) => Vec::new(),
            Err(e) => e.errors.errors.iter().map(ToString::to_string).collect(),
        }
    }

    /// Every trailer key the policy gives a meaning to: the release trailer, the
    /// requirements' evidence and flag trailers, and the override trailers. The judgement
    /// reads no other trailer, so a commit need not keep any other.
    pub(crate) fn trailer_keys(&self) -> Vec<String> {
        let mut keys = vec![self.signals.trailer.clone()];
        keys.extend(self.overrides.trailers.iter().cloned());
        for r in &self.requirements {
            keys.extend(r.evidence.trailers.iter().cloned());
            keys.extend(r.evidence.flag_trailers.iter().cloned());
        }
        keys.sort_by_key(|k| k.to_ascii_lowercase());
        keys.dedup_by(|a, b| same_name(a, b));
        keys
    }

    /// Whether any requirement needs the flag registry at head.
    pub(crate) fn needs_flag_registry(&self) -> bool {
        self.requirements.iter().any(|r| r.evidence.names_flags())
            || self.stages.iter().any(|s| !s.signals.flag_stage.is_empty())
    }
}

/// ASCII-case-insensitive equality, as git compares trailer keys and as GitHub treats
/// labels. Deliberately no Unicode folding: a look-alike letter must not match.
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Policy {
        fn stage(&self, name: &str) -> Option<&Stage> {
            self.stages.iter().find(|s| s.name == name)
        }

        fn requirement(&self, id: &str) -> Option<&Requirement> {
            self.requirements.iter().find(|r| r.id == id)
        }
    }

    #[test]
    fn the_trailer_keys_are_every_key_the_policy_reads_once() {
        assert_eq!(
            Policy::builtin().trailer_keys(),
            [
                "Docs",
                "Feature-Flag",
                "Marketing-Notified",
                "Release",
                "Shipgate-Skip",
                "Template"
            ]
        );
        let p = Policy::from_yaml(
            "signals: {trailer: Ship}\nrequirements:\n  docs: {trailers: [docs, Ship]}\n",
            "p.yml",
        )
        .unwrap();
        let keys = p.trailer_keys();
        assert!(keys.contains(&"Ship".to_owned()) && !keys.contains(&"Release".to_owned()));
        assert_eq!(
            keys.iter().filter(|k| same_name(k, "docs")).count(),
            1,
            "{keys:?}"
        );
    }

    #[test]
    fn builtin_policy_is_the_handbook() {
        let p = Policy::builtin();
        let names: Vec<_> = p.stages.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["merge", "beta", "full"]);
        let full = p.stage("full").unwrap();
        assert_eq!(
            full.require,
            ["docs", "template", "feature-flag", "marketing"]
        );
        assert!(full.warn.is_empty());
        let beta = p.stage("beta").unwrap();
        assert!(beta.require.is_empty());
        assert_eq!(beta.warn, ["docs", "template", "feature-flag", "marketing"]);
        let merge = p.stage("merge").unwrap();
        assert!(merge.require.is_empty() && merge.warn.is_empty());
        assert_eq!(p.signals.trailer, "Release");
        assert_eq!(p.flag_registry.path, "feature-flags.yml");
        assert!(p.overrides.enabled);
        let docs = p.requirement("docs").unwrap();
        assert!(docs.evidence.paths.is_match(b"docs/x.md"));
        assert!(!docs.evidence.paths.is_match(b"CHANGELOG.md"));
    }

    #[test]
    fn author_patterns_are_whole_names_with_star_the_only_wildcard() {
        let o = Overrides {
            enabled: true,
            labels: Vec::new(),
            trailers: Vec::new(),
            authors: ["dependabot[bot]", "renovate*", "*@bots.example", "a*b*c"]
                .map(String::from)
                .to_vec(),
        };
        let matched = |who: &str| o.author_pattern(who);
        assert_eq!(matched("dependabot[bot]"), Some("dependabot[bot]"));
        assert_eq!(matched("Dependabot[Bot]"), Some("dependabot[bot]"));
        assert_eq!(matched("dependabotb"), None, "no character class");
        assert_eq!(matched("dependabot[bot]x"), None, "the whole name");
        assert_eq!(matched("renovate[bot]"), Some("renovate*"));
        assert_eq!(matched("renovate"), Some("renovate*"));
        assert_eq!(matched("deps@bots.example"), Some("*@bots.example"));
        assert_eq!(matched("deps@bots.example.org"), None);
        assert_eq!(matched("abc"), Some("a*b*c"));
        assert_eq!(matched("axxbyyc"), Some("a*b*c"));
        assert_eq!(matched("abbc"), Some("a*b*c"));
        assert_eq!(matched("acb"), None);
        assert_eq!(matched(""), None);
        assert!(wildcard_match("*", ""));
        assert!(!wildcard_match("ab*ba", "aba"), "the parts may not overlap");
    }

    #[test]
    fn same_name_folds_ascii_only() {
        assert!(same_name("Release", "RELEASE"));
        assert!(!same_name("\u{212A}ey", "key"), "Kelvin sign is not K");
    }
}
