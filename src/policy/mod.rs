//! The policy: which stages exist, what signals name them, and what each stage requires.
//!
//! A policy is read from YAML (see `builtin.yml`, which is also what `shipgate init`
//! writes) and validated into the types below. Everything downstream works on these
//! validated types only, so a classifier or a check never meets a bad glob or regex.

mod parse;
mod paths;

use regex::Regex;

pub(crate) use parse::parse_yaml;
pub use parse::{ConfigError, ConfigErrors};
pub use paths::PathSet;

/// The built-in policy, with comments. `shipgate init` writes exactly this text, and
/// [`Policy::builtin`] parses exactly this text, so the two cannot drift apart.
pub const BUILTIN_YAML: &str = include_str!("builtin.yml");

/// File names a policy may have at the repository root, in the order they are looked up.
pub const POLICY_PATHS: [&str; 2] = [".shipgate.yml", ".github/shipgate.yml"];

#[derive(Debug, Clone)]
pub struct Policy {
    /// Stages from weakest to strongest. The strongest stage that any signal names wins;
    /// a change that no signal names gets the first one.
    pub stages: Vec<Stage>,
    /// Where stage signals come from: the release trailer, release tags, manifests.
    pub signals: Signals,
    /// The feature-flag registry: where it is and which stages its entries may take.
    pub flag_registry: FlagRegistry,
    /// The requirements, in the order the policy lists them (reports keep this order).
    pub requirements: Vec<Requirement>,
    /// Emergency overrides that turn `blocked` into `overridden`.
    pub overrides: Overrides,
}

#[derive(Debug, Clone)]
pub struct Stage {
    /// The stage's name, as it appears in reports, labels and trailers (kebab-case).
    pub name: String,
    /// A few words for people ("a full release").
    pub description: String,
    /// What names this stage.
    pub signals: StageSignals,
    /// Requirements that block when missing.
    pub require: Vec<String>,
    /// Requirements that are reported when missing, without blocking.
    pub warn: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct StageSignals {
    /// Pull-request labels that name this stage (matched ASCII-case-insensitively).
    pub labels: Vec<String>,
    /// Values of the release trailer (`Release: <value>`) that name this stage.
    pub trailer: Vec<String>,
    /// A release tag on head names this stage when its version is of this kind.
    pub tag: Option<VersionKind>,
    /// A manifest version change names this stage when the new version is of this kind.
    pub version: Option<VersionKind>,
    /// A flag-registry entry whose `stage` changes to one of these names this stage.
    pub flag_stage: Vec<String>,
}

impl StageSignals {
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
            && self.trailer.is_empty()
            && self.tag.is_none()
            && self.version.is_none()
            && self.flag_stage.is_empty()
    }
}

/// Which versions a tag or manifest signal accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionKind {
    /// No pre-release part (`2.1.0`); for manifests, also greater than the old version.
    Stable,
    /// A pre-release part (`2.1.0-rc.1`).
    Prerelease,
}

impl VersionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionKind::Stable => "stable",
            VersionKind::Prerelease => "prerelease",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Signals {
    /// The commit trailer whose value names a stage (`Release: full`).
    pub trailer: String,
    /// Which tags are release tags; the named group `version` holds a semver version.
    pub tag_pattern: Regex,
    /// Manifests (repository-relative paths) whose version is compared between base and head.
    pub manifests: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FlagRegistry {
    /// The registry file, relative to the repository root.
    pub path: String,
    /// The values an entry's `stage` may take.
    pub stages: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Requirement {
    /// Stable kebab-case id (`docs`, `template`, `feature-flag`, `marketing`, or your own).
    pub id: String,
    /// A few words for people.
    pub description: String,
    /// What counts as evidence; any one piece satisfies the requirement.
    pub evidence: Evidence,
    /// Overrides the generated hint shown when the requirement is missing.
    pub hint: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Evidence {
    /// Added, modified or renamed files matching these gitignore-style patterns.
    pub paths: PathSet,
    /// Commit trailers with these keys and a non-empty value.
    pub trailers: Vec<String>,
    /// Labels on the pull request.
    pub labels: Vec<String>,
    /// Pull-request body lines `Key: value` with these keys and a non-empty value.
    pub body_lines: Vec<String>,
    /// Checked boxes `- [x] <text>` in the pull-request body.
    pub body_checkboxes: Vec<String>,
    /// The flag registry gains or changes an entry.
    pub flag_registry: bool,
    /// Trailers whose value is a flag key that the registry holds at head.
    pub flag_trailers: Vec<String>,
    /// Labels `<prefix><key>` whose key the registry holds at head.
    pub flag_label_prefix: Option<String>,
}

impl Evidence {
    /// Whether this requirement may look at flag keys, so the registry must be read.
    pub fn names_flags(&self) -> bool {
        self.flag_registry || !self.flag_trailers.is_empty() || self.flag_label_prefix.is_some()
    }
}

#[derive(Debug, Clone)]
pub struct Overrides {
    /// Whether overrides are honoured at all.
    pub enabled: bool,
    /// Labels that override.
    pub labels: Vec<String>,
    /// Trailers that override; their value is the reason and must not be empty.
    pub trailers: Vec<String>,
}

impl Policy {
    /// The built-in policy (the handbook's rules).
    pub fn builtin() -> Policy {
        Policy::from_yaml(BUILTIN_YAML, "built-in policy")
            .expect("the built-in policy is valid; a unit test guards this")
    }

    /// Reads and validates a policy. `origin` names the file in messages
    /// (`.shipgate.yml`, `.shipgate.yml@1a2b3c4`).
    pub fn from_yaml(text: &str, origin: &str) -> Result<Policy, ConfigErrors> {
        parse::policy(text, origin)
    }

    pub fn stage(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.name == name)
    }

    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// Whether any requirement needs the flag registry at head.
    pub fn needs_flag_registry(&self) -> bool {
        self.requirements.iter().any(|r| r.evidence.names_flags())
            || self.stages.iter().any(|s| !s.signals.flag_stage.is_empty())
    }
}

/// ASCII-case-insensitive equality, as git compares trailer keys and as GitHub treats
/// labels. Deliberately no Unicode folding: a look-alike letter must not match.
pub fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn same_name_folds_ascii_only() {
        assert!(same_name("Release", "RELEASE"));
        assert!(!same_name("\u{212A}ey", "key"), "Kelvin sign is not K");
    }
}
