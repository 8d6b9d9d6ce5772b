//! The verdict and everything that led to it: what the judgement hands to the reports.
//!
//! Every field here is data; the renderings in `report/` decide how each is shown and
//! escaped. The JSON report (SPEC §8) is this model serialised.

use serde::Serialize;

use super::stage::Signal;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The JSON schema version; fields are only ever added within one version.
    pub schema: u32,
    pub verdict: Verdict,
    pub stage: String,
    #[serde(skip)]
    pub stage_description: String,
    /// The signals that named the stage.
    pub stage_signals: Vec<Signal>,
    /// Signals that named weaker stages.
    pub other_signals: Vec<Signal>,
    pub range: RangeInfo,
    pub requirements: Vec<RequirementResult>,
    #[serde(rename = "override")]
    pub override_: Option<Override>,
    /// A draft pull or merge request. Under `drafts: warn` it passes whatever is missing,
    /// and the requirements say what would block it once it is ready for review.
    pub draft: bool,
    /// The handbook's checks that the stage runs, in a fixed order (SPEC §16).
    pub checks: Vec<CheckResult>,
    /// Which policy was applied, and what the change does to it.
    pub policy: Option<PolicyInfo>,
    /// Where the repository's files are on the web, when the run knows it: the Markdown
    /// renderings link each finding to its line there.
    #[serde(skip)]
    pub browse: Option<Browse>,
    /// Things worth knowing that change nothing in the verdict.
    pub notes: Vec<String>,
    /// Every package judged (SPEC §12), the root package `.` first; a policy without
    /// packages has the root package alone, whose stage, requirements and verdict are
    /// those above.
    pub packages: Vec<PackageReport>,
    /// The environment variable that the policy's `notify.slack-webhook` names, if any.
    #[serde(skip)]
    pub notify_slack_var: Option<String>,
}

/// A repository on a GitHub server, as its pages are addressed:
/// `<server>/<repository>/blob/<commit>/<path>#L<line>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Browse {
    /// `GITHUB_SERVER_URL`: `https://github.com`.
    pub server: String,
    /// `owner/name`.
    pub repository: String,
}

impl Report {
    /// The ids of the missing required requirements, in policy order.
    pub fn missing_required(&self) -> impl Iterator<Item = &RequirementResult> {
        self.requirements.iter().filter(|q| q.missing_required())
    }

    /// The required checks with findings: what blocks besides missing requirements.
    pub fn blocking_checks(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.blocks())
    }

    /// Missing warn-level requirements and warn-level checks with findings: what is
    /// reported without blocking.
    pub fn warnings(&self) -> usize {
        let requirements = self
            .requirements
            .iter()
            .filter(|q| q.missing_warned())
            .count();
        let checks = self
            .checks
            .iter()
            .filter(|c| c.level == Level::Warn && c.status == CheckStatus::Findings)
            .count();
        requirements + checks
    }
}

impl Report {
    /// Whether the report speaks of packages: more than the root package alone, or one
    /// other than it. Renderings without packages stay as they were before packages.
    pub fn has_packages(&self) -> bool {
        match &self.packages[..] {
            [] => false,
            [only] => !only.is_root(),
            _ => true,
        }
    }
}

/// One package's judgement: its stage, the range its evidence was taken from and its
/// requirements.
#[derive(Debug, Clone, Serialize)]
pub struct PackageReport {
    /// The package's name; `.` for the root package (the files outside every package).
    pub name: String,
    /// Its folder; `.` for the root package.
    pub path: String,
    pub stage: String,
    #[serde(skip)]
    pub stage_description: String,
    /// The signals that named its stage.
    pub stage_signals: Vec<Signal>,
    /// Signals that named weaker stages.
    pub other_signals: Vec<Signal>,
    /// The range its requirements were judged over: the change, or the whole release.
    pub range: RangeInfo,
    pub requirements: Vec<RequirementResult>,
    pub verdict: Verdict,
}

impl PackageReport {
    pub fn is_root(&self) -> bool {
        self.name == ROOT_PACKAGE
    }

    /// Its missing required requirements, in policy order.
    pub fn missing_required(&self) -> impl Iterator<Item = &RequirementResult> {
        self.requirements.iter().filter(|q| q.missing_required())
    }

    /// How many of its requirements are missing at `warn`.
    pub fn warnings(&self) -> usize {
        self.requirements
            .iter()
            .filter(|q| q.missing_warned())
            .count()
    }
}

/// The name of the root package.
pub const ROOT_PACKAGE: &str = crate::judge::policy::ROOT;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Blocked,
    Overridden,
}

#[derive(Debug, Clone, Serialize)]
pub struct RangeInfo {
    pub base: String,
    pub head: String,
    pub merge_base: String,
    pub commits: usize,
    pub files: usize,
    /// The change itself, or a whole release (SPEC §13).
    pub kind: RangeKind,
    /// For a release: the previous release's tag, which `base` is; absent for a first
    /// release (judged from the empty tree) and for a change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_release: Option<String>,
}

/// What a range is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RangeKind {
    /// The change: its commits and its three-dot diff.
    Change,
    /// A whole release: everything since the package's previous release, because a tag
    /// or a version bump named its stage.
    Release,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequirementResult {
    pub id: String,
    pub description: String,
    pub level: Level,
    pub status: Status,
    pub evidence: Vec<EvidenceItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl RequirementResult {
    /// Missing at `required`: it blocks, unless overridden or a draft.
    pub fn missing_required(&self) -> bool {
        self.level == Level::Required && self.status == Status::Missing
    }

    /// Missing at `warn`: reported, never blocking.
    pub fn missing_warned(&self) -> bool {
        self.level == Level::Warn && self.status == Status::Missing
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Required,
    Warn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Satisfied,
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceItem {
    pub source: EvidenceSource,
    pub detail: String,
    /// The commit a trailer came from; `null` for files, labels and the body.
    pub commit: Option<String>,
    /// For a file: added, modified, renamed or type-changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// For a renamed file: where it came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    /// For an issue's mention: the comment (or the issue) where it was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl EvidenceItem {
    pub fn new(source: EvidenceSource, detail: String, commit: Option<&str>) -> EvidenceItem {
        EvidenceItem {
            source,
            detail,
            commit: commit.map(str::to_owned),
            status: None,
            old_path: None,
            url: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceSource {
    File,
    Trailer,
    Label,
    Body,
    FlagRegistry,
    /// A mention on an issue that the change closes (`requirements.<id>.mentions`).
    Issue,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Override {
    pub source: OverrideSource,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OverrideSource {
    Label,
    Trailer,
    /// The author matched `overrides.authors`.
    Author,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyInfo {
    /// `built-in`, `<path>@<commit>` or the `--config` path.
    pub source: String,
    /// The policy in force and every policy it extends, in that order: `source` first,
    /// `built-in` last unless a file says `extends: none`.
    pub chain: Vec<String>,
    /// A policy file that the change itself edits: validated, reported, not applied.
    pub changed: Option<PolicyChange>,
    /// Which trusted place the policy was taken from.
    pub from: PolicyFrom,
    /// Why the policy came from there, for people (`read at the base commit 1a2b3c4d5e`).
    pub reason: String,
}

impl PolicyInfo {
    /// What the policy extends, when that is worth saying: anything but the built-in
    /// policy alone, which every policy extends unless it says otherwise.
    pub fn extends(&self) -> Option<&[String]> {
        match self.chain.get(1..) {
            None | Some([]) => None,
            Some([only]) if only == "built-in" => None,
            Some(parents) => Some(parents),
        }
    }
}

/// Where the policy in force was looked for (SPEC §7, §11). Never the judged change:
/// a change with no base commit takes the default branch's policy, else the built-in one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyFrom {
    /// The base commit (for a pushed tag, the previous release); `source` is `built-in`
    /// when that commit holds no policy file.
    Base,
    /// No base commit: the tip of the default branch as the remote or CI system knows it.
    DefaultBranch,
    /// `--config` (the action's `config` input).
    Config,
    /// No base commit and no default branch known: nothing trusted to read a policy from.
    BuiltIn,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyChange {
    pub path: String,
    /// What the change does to the file: added, modified, renamed or deleted.
    pub status: &'static str,
    pub valid: bool,
    pub errors: Vec<String>,
}

/// One of the handbook's checks (SPEC §16), by its stable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckId {
    Size,
    IssueLink,
    Leftovers,
    Tests,
    FlagRefs,
    Review,
}

impl CheckId {
    /// Every check, in the order reports list them.
    pub const ALL: [CheckId; 6] = [
        CheckId::Size,
        CheckId::IssueLink,
        CheckId::Leftovers,
        CheckId::Tests,
        CheckId::FlagRefs,
        CheckId::Review,
    ];

    /// What the handbook asks, in a few words.
    pub fn description(self) -> &'static str {
        match self {
            CheckId::Size => "a pull request doable in one day",
            CheckId::IssueLink => "the issue tagged in a commit (`Closes #289`)",
            CheckId::Leftovers => "no debug leftovers (\"remove that console.log please\")",
            CheckId::Tests => "tests with the change",
            CheckId::FlagRefs => "new features behind feature flags",
            CheckId::Review => "a review requested, no self-merge",
        }
    }
}

/// What one check found.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub id: CheckId,
    pub description: String,
    /// `required` blocks on a finding; `warn` reports it. Checks that are off at the stage
    /// are not listed.
    pub level: Level,
    pub status: CheckStatus,
    pub findings: Vec<Finding>,
    /// What the check says besides its findings: what it counted, or that it could not
    /// look and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// False when the check could not look at what it needs (no token, no lines); the
    /// note says why. Such a check finds nothing.
    #[serde(skip)]
    pub looked: bool,
}

impl CheckResult {
    /// Whether the check stops the change: required, with findings.
    pub fn blocks(&self) -> bool {
        self.level == Level::Required && self.status == CheckStatus::Findings
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    Ok,
    Findings,
}

/// One finding, at a file and a line when it is about one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub message: String,
    /// A path at head, or `null` for a finding about the whole change.
    pub path: Option<String>,
    /// 1-based, in the file at head.
    pub line: Option<u32>,
    /// Whether `path` is the file's name exactly as git has it, which a path shown with
    /// escapes (not UTF-8, or holding a backslash) is not: only such a path is linked to
    /// or given to a CI system as a file.
    #[serde(skip)]
    pub path_exact: bool,
    /// What tells this finding apart from the check's others, wherever its line moves (the
    /// matched text, a flag key): Code Quality fingerprints are made from it.
    #[serde(skip)]
    pub key: String,
}
