//! `--format gitlab`: a GitLab Code Quality report, so that what a change lacks shows in
//! the merge request's Code Quality widget.
//!
//! GitLab reads a subset of the Code Climate format: a JSON array of issues, each with
//! `description`, `check_name`, `fingerprint`, `severity` and a `location` of a file path
//! and a line. The document is written by [`crate::report::output::json`], so text from the policy
//! and the change (hints, override reasons) stays data.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::Code;
use crate::judge::policy::POLICY_PATHS;
use crate::judge::verdict::{CheckStatus, Level, Report, RequirementResult, Status, Verdict};
use crate::names::name;

/// The file GitLab runs a project's pipelines from unless the project names another
/// (`CI_CONFIG_PATH`).
const DEFAULT_CI_CONFIG: &str = ".gitlab-ci.yml";

#[derive(Debug, Serialize)]
struct Issue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Debug, Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Debug, Serialize)]
struct Lines {
    begin: u32,
}

/// One issue per missing requirement and one per finding of a check; an empty array
/// when nothing is missing and nothing was found.
///
/// - `check_name` is `shipgate/<requirement-id>`, and `shipgate/<package>/<requirement-id>`
///   for a package other than the root (SPEC §12).
/// - `fingerprint` is the git blob id of `shipgate\0<check_name>\0<stage>`: the same
///   finding keeps its fingerprint across runs and commits, so GitLab can tell a
///   finding that is still there from a new one, and anyone can recompute it with
///   `printf 'shipgate\0shipgate/docs\0full' | git hash-object --stdin`. A package's
///   name is in its check name, so two packages missing the same requirement are two
///   findings.
/// - `severity`: `blocker` for a required piece that blocks, `major` for one whose
///   absence was overridden, `minor` for a warning.
/// - `location`: `path` (from [`anchor`]), line 1. GitLab refuses an issue without a file
///   and line, but a missing requirement is about the change as a whole, not about a line
///   of it.
///
/// A check's finding ([`check_issues`]) is located at its own file and line.
pub(crate) fn render(report: &Report, path: &str) -> String {
    let mut issues: Vec<Issue> = Vec::new();
    if report.has_packages() {
        for p in &report.packages {
            let (check, of) = if p.is_root() {
                (String::new(), String::new())
            } else {
                (format!("{}/", p.name), format!(" of package {}", p.name))
            };
            let stage = (p.stage.as_str(), format!("{}{of}", p.stage_description));
            issues.extend(
                p.requirements
                    .iter()
                    .filter(|q| q.status == Status::Missing)
                    .map(|q| issue(report, q, &check, (stage.0, &stage.1), path)),
            );
        }
    } else {
        let stage = (report.stage.as_str(), report.stage_description.as_str());
        issues.extend(
            report
                .requirements
                .iter()
                .filter(|q| q.status == Status::Missing)
                .map(|q| issue(report, q, "", stage, path)),
        );
    }
    issues.extend(check_issues(report, path));
    crate::report::output::json::to_string(&issues)
}

/// One issue per finding of a check.
///
/// - `check_name` is `shipgate/<check-id>`; `severity` as for requirements: `blocker` for a
///   required check, `major` when the gate was overridden, `minor` for one that warns.
/// - `location`: the finding's file and line, a file the change adds or edits, so it exists
///   at head; line 1 for a finding about a whole file. A finding about the whole change (a
///   size, a missing issue link, a review) points where requirements point (`anchor`).
/// - `fingerprint` is the git blob id of `shipgate\0<check_name>\0<path>\0<key>\0<n>`,
///   where `key` is what the finding is about apart from its line (the line's text for a
///   leftover, the flag key for a flag call, empty for the whole change) and `n` counts the
///   earlier findings with the same path and key from 0: a finding keeps its fingerprint
///   when lines above it come or go, and two equal ones still differ. The stage is not in
///   it, since a leftover is the same leftover whichever stage the change is.
fn check_issues(report: &Report, anchor: &str) -> Vec<Issue> {
    let mut seen: BTreeMap<(String, &str, &str), usize> = BTreeMap::new();
    let mut issues = Vec::new();
    for c in report
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Findings)
    {
        let id = name(&c.id);
        let check_name = format!("shipgate/{id}");
        let (severity, note) = match (c.level, report.verdict, &report.override_) {
            (Level::Warn, ..) => ("minor", " (a warning: it does not block)".to_owned()),
            (Level::Required, Verdict::Overridden, Some(o)) => {
                ("major", format!(" (overridden: {})", o.reason))
            }
            (Level::Required, ..) => ("blocker", String::new()),
        };
        for f in &c.findings {
            // A path shown with escapes is not the file's name.
            let at = f.path.as_deref().filter(|_| f.path_exact);
            let n = seen
                .entry((check_name.clone(), at.unwrap_or(""), f.key.as_str()))
                .or_default();
            let fingerprint =
                fingerprint_of(&[&check_name, at.unwrap_or(""), &f.key, &n.to_string()]);
            *n += 1;
            let place = match (&f.path, f.line) {
                (Some(path), Some(line)) => format!(" at {path}:{line}"),
                (Some(path), None) => format!(" at {path}"),
                _ => String::new(),
            };
            issues.push(Issue {
                description: format!("{id}{place}: {}{note}.", f.message.trim_end_matches('.')),
                check_name: check_name.clone(),
                fingerprint,
                severity,
                location: Location {
                    path: at.unwrap_or(anchor).to_owned(),
                    lines: Lines {
                        begin: if at.is_some() { f.line.unwrap_or(1) } else { 1 },
                    },
                },
            });
        }
    }
    issues
}

/// The finding of one missing requirement of the package whose check names start with
/// `package` (`web/`, empty for the root), judged at `stage` (its name and description).
fn issue(
    report: &Report,
    q: &RequirementResult,
    package: &str,
    (stage, description): (&str, &str),
    path: &str,
) -> Issue {
    let check_name = format!("shipgate/{package}{}", q.id);
    let (severity, note) = match (q.level, report.verdict, &report.override_) {
        (Level::Warn, ..) => ("minor", " (a warning: it does not block)".to_owned()),
        (Level::Required, Verdict::Overridden, Some(o)) => {
            ("major", format!(" (overridden: {})", o.reason))
        }
        (Level::Required, ..) => ("blocker", String::new()),
    };
    // Policies may end their texts with a full stop or not; the sentence ends once.
    let mut text = format!(
        "{} missing for {description}: {}{note}.",
        q.id,
        q.description.trim_end_matches('.')
    );
    if let Some(hint) = &q.hint {
        text.push_str(&format!(" To satisfy: {}.", hint.trim_end_matches('.')));
    }
    Issue {
        fingerprint: fingerprint(&check_name, stage),
        description: text,
        check_name,
        severity,
        location: Location {
            path: path.to_owned(),
            lines: Lines { begin: 1 },
        },
    }
}

/// What stdout holds when shipgate could not decide (exit 2): a valid report with one
/// `blocker`, `shipgate/<code>` (see [`Code`]), whose fingerprint is that of the error
/// class (`printf 'shipgate\0shipgate/bad-policy\0error' | git hash-object --stdin`), so
/// that the merge request shows the failure instead of an empty or unreadable report.
/// It points at [`error_anchor`].
pub(crate) fn render_error(code: Code, message: &str, path: &str) -> String {
    let check_name = format!("shipgate/{code}");
    crate::report::output::json::to_string(&[Issue {
        description: format!("shipgate could not decide ({code}): {message}"),
        fingerprint: fingerprint(&check_name, "error"),
        check_name,
        severity: "blocker",
        location: Location {
            path: path.to_owned(),
            lines: Lines { begin: 1 },
        },
    }])
}

/// The path that findings point at. It must exist at head, or GitLab shows a finding that
/// links to nothing. In order:
///
/// 1. the policy file, where the requirements are set, when it exists at head: the
///    committed one that the report names, the `--config` path when it is a file of the
///    repository, or a policy the change itself adds;
/// 2. the pipeline's own file, where the job that runs shipgate is defined: GitLab reads
///    `CI_CONFIG_PATH` (by default `.gitlab-ci.yml`) at the commit the pipeline runs, so
///    in a GitLab job it exists at head unless the project takes its pipeline from
///    elsewhere (`path@group/project`, a URL), which is why it is checked too;
/// 3. the first file of head's tree, in git's order: a repository with neither file
///    still gets a path that is there.
///
/// `exists` tells whether a repository path names a file at head; `first_file` gives the
/// first file of head's tree. Only a tree with no file at all, where no path can exist,
/// falls back to `.gitlab-ci.yml`.
pub(crate) fn anchor(
    report: &Report,
    ci_config: Option<&str>,
    exists: impl Fn(&str) -> bool,
    first_file: impl FnOnce() -> Option<String>,
) -> String {
    let policies = policy_path(report)
        .into_iter()
        .chain(POLICY_PATHS.iter().map(|p| (*p).to_owned()));
    let pipelines = [
        repository_path(ci_config),
        Some(DEFAULT_CI_CONFIG.to_owned()),
    ]
    .into_iter()
    .flatten();
    policies
        .chain(pipelines)
        .find(|path| exists(path))
        .or_else(first_file)
        .unwrap_or_else(|| DEFAULT_CI_CONFIG.to_owned())
}

/// The path that the error document points at. When shipgate could not decide, head may
/// be unknown (an unknown revision, a broken event), so nothing can be looked up there:
/// the pipeline's own file is the one path GitLab itself needs at the commit it runs.
pub(crate) fn error_anchor(ci_config: Option<&str>) -> String {
    repository_path(ci_config).unwrap_or_else(|| DEFAULT_CI_CONFIG.to_owned())
}

/// `CI_CONFIG_PATH` when it names a file of this repository; a pipeline taken from
/// another project (`path@group/project`) or a URL is not one.
fn repository_path(ci_config: Option<&str>) -> Option<String> {
    let path = ci_config?.trim();
    let path = path.strip_prefix("./").unwrap_or(path);
    let remote = path.contains('@') || path.contains("://");
    (!path.is_empty() && !path.starts_with('/') && !remote).then(|| path.to_owned())
}

fn fingerprint(check_name: &str, stage: &str) -> String {
    fingerprint_of(&[check_name, stage])
}

/// The git blob id of `shipgate`, then each part, each after a NUL byte.
fn fingerprint_of(parts: &[&str]) -> String {
    let mut text = String::from("shipgate");
    for part in parts {
        text.push('\0');
        text.push_str(part);
    }
    git2::Oid::hash_object(git2::ObjectType::Blob, text.as_bytes())
        .expect("hashing bytes in memory cannot fail")
        .to_string()
}

/// The policy the report names as a path in the repository: `<path>@<commit>` (a
/// committed policy) or the `--config` path as given, when relative; `None` for the
/// built-in policy. GitLab resolves the path from the repository root, which is where a
/// GitLab job runs `shipgate`.
fn policy_path(report: &Report) -> Option<String> {
    let source = report.policy.as_ref()?.source.as_str();
    if source == "built-in" {
        return None;
    }
    let path = match source.rsplit_once('@') {
        Some((path, commit))
            if !commit.is_empty() && commit.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            path
        }
        _ => source,
    };
    let path = path.strip_prefix("./").unwrap_or(path);
    (!path.is_empty() && !path.starts_with('/')).then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::verdict::{PolicyFrom, PolicyInfo, RangeInfo, RangeKind};

    fn with_policy(source: &str) -> Report {
        Report {
            schema: 1,
            verdict: Verdict::Pass,
            stage: "merge".to_owned(),
            stage_description: "an ordinary merge".to_owned(),
            stage_signals: Vec::new(),
            other_signals: Vec::new(),
            range: RangeInfo {
                base: String::new(),
                head: String::new(),
                merge_base: String::new(),
                commits: 0,
                files: 0,
                kind: RangeKind::Change,
                previous_release: None,
            },
            requirements: Vec::new(),
            override_: None,
            draft: false,
            checks: Vec::new(),
            browse: None,
            policy: Some(PolicyInfo {
                source: source.to_owned(),
                chain: Vec::new(),
                changed: None,
                from: PolicyFrom::Base,
                reason: String::new(),
            }),
            notes: Vec::new(),
            packages: Vec::new(),
            notify_slack_var: None,
        }
    }

    /// The anchor when exactly `files` exist at head, the first of the tree being `first`.
    fn anchor_among(source: &str, ci: Option<&str>, files: &[&str], first: Option<&str>) -> String {
        anchor(
            &with_policy(source),
            ci,
            |p| files.contains(&p),
            || first.map(str::to_owned),
        )
    }

    #[test]
    fn findings_point_at_a_path_that_exists_at_head() {
        let all = [
            ".github/shipgate.yml",
            ".shipgate.yml",
            "ci/p.yml",
            ".gitlab-ci.yml",
        ];
        // The policy in force, when it is still there.
        assert_eq!(
            anchor_among(".github/shipgate.yml@0a1b2c3d4e", None, &all, None),
            ".github/shipgate.yml"
        );
        assert_eq!(
            anchor_among("./policies/p.yml", None, &["policies/p.yml"], None),
            "policies/p.yml"
        );
        // A policy the change adds, though the built-in one applied.
        assert_eq!(
            anchor_among("built-in", None, &[".shipgate.yml", ".gitlab-ci.yml"], None),
            ".shipgate.yml"
        );
        // No policy at head: the pipeline's file, as CI_CONFIG_PATH names it, else the default.
        assert_eq!(
            anchor_among(
                "built-in",
                Some("ci/p.yml"),
                &["ci/p.yml", ".gitlab-ci.yml"],
                None
            ),
            "ci/p.yml"
        );
        assert_eq!(
            anchor_among(
                ".shipgate.yml@0a1b2c3d4e",
                Some("./ci/p.yml"),
                &["ci/p.yml"],
                None
            ),
            "ci/p.yml"
        );
        assert_eq!(
            anchor_among(
                "built-in",
                Some("p.yml@group/project"),
                &[".gitlab-ci.yml"],
                None
            ),
            ".gitlab-ci.yml"
        );
        // Neither: the first file of head's tree.
        assert_eq!(
            anchor_among(
                "/abs/policy.yml",
                Some("https://x/p.yml"),
                &[],
                Some("README.md")
            ),
            "README.md"
        );
        // A tree without a single file has no path to point at.
        assert_eq!(anchor_among("built-in", None, &[], None), ".gitlab-ci.yml");
    }

    #[test]
    fn errors_point_at_the_pipeline_file() {
        assert_eq!(error_anchor(None), ".gitlab-ci.yml");
        assert_eq!(error_anchor(Some("ci/p.yml")), "ci/p.yml");
        assert_eq!(error_anchor(Some("p.yml@group/project")), ".gitlab-ci.yml");
        assert_eq!(error_anchor(Some("/etc/p.yml")), ".gitlab-ci.yml");
    }

    #[test]
    fn fingerprints_are_git_blob_ids() {
        // As `printf 'shipgate\0shipgate/docs\0full' | git hash-object --stdin` prints them.
        assert_eq!(
            fingerprint("shipgate/docs", "full"),
            "0726d4b9dd77ba81f28a01030871cabee0e3edf1"
        );
        assert_eq!(
            fingerprint("shipgate/docs", "beta"),
            "47462337a929deb39d4e713671c607b1cab87ba7"
        );
    }
}
