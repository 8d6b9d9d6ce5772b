//! Which stage a change is: the strongest stage that any signal names (SPEC §3).

use std::fmt;

use serde::Serialize;

use crate::error::Code;
use crate::judge::change::Change;
use crate::judge::policy::{Policy, VersionKind, same_name};

/// Where a stage signal came from; the names are part of the JSON contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignalSource {
    Cli,
    Label,
    Trailer,
    Tag,
    Version,
    FlagRegistry,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signal {
    pub source: SignalSource,
    pub detail: String,
    /// The stage this signal names.
    pub stage: String,
    /// The commit a trailer came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Classification {
    /// Index into `policy.stages`.
    pub(crate) stage: usize,
    /// The signals that named the winning stage.
    pub(crate) deciding: Vec<Signal>,
    /// Signals that named weaker stages, for the record.
    pub(crate) other: Vec<Signal>,
}

/// A signal that names something the policy does not know: deciding anyway could let a
/// release through as a merge, so the change cannot be judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignalError(pub(crate) String);

impl fmt::Display for SignalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Always `bad-signal`: the code is attached here, where the type is, so that the error
/// module needs to know no type of the crate. (Not a `std::error::Error`, so that this
/// conversion stands instead of anyhow's.)
impl From<SignalError> for anyhow::Error {
    fn from(error: SignalError) -> anyhow::Error {
        Code::BadSignal.tag(anyhow::Error::msg(error.0))
    }
}

/// Which package a change is classified for (SPEC §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Subject<'a> {
    /// The package's name; `None` for a policy without packages, where the repository is
    /// one whole and a signal names no package.
    pub(crate) package: Option<&'a str>,
    /// Whether the change touches the package: a signal that names no package (label
    /// `release:full`, trailer `Release: full`, the flag registry) counts only then.
    pub(crate) touched: bool,
    /// The policy key of the tag pattern, for messages (`signals.tag-pattern`).
    pub(crate) tag_key: &'a str,
}

impl Subject<'_> {
    /// The repository as one whole: a policy without packages.
    pub(crate) fn whole() -> Subject<'static> {
        Subject {
            package: None,
            touched: true,
            tag_key: "signals.tag-pattern",
        }
    }
}

/// The stage of the change as a whole (a policy without packages).
pub(crate) fn classify(change: &Change, policy: &Policy) -> Result<Classification, SignalError> {
    classify_for(change, policy, &Subject::whole())
}

/// The stage of the change for one package: `policy` is the policy as that package
/// reads it ([`Policy::projected`]), so tags, manifests and the flag registry are the
/// package's own.
pub(crate) fn classify_for(
    change: &Change,
    policy: &Policy,
    subject: &Subject<'_>,
) -> Result<Classification, SignalError> {
    let stage_names = || {
        policy
            .stages
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(forced) = &change.forced_stage {
        let Some(index) = policy
            .stages
            .iter()
            .position(|s| same_name(&s.name, forced))
        else {
            return Err(SignalError(format!(
                "--stage `{forced}` is not a stage of the policy; its stages are: {}",
                stage_names()
            )));
        };
        return Ok(Classification {
            stage: index,
            deciding: vec![Signal {
                source: SignalSource::Cli,
                detail: format!("--stage {forced}"),
                stage: policy.stages[index].name.clone(),
                commit: None,
            }],
            other: Vec::new(),
        });
    }

    let found = signals(change, policy, subject)?;
    let stage = found.iter().map(|(i, _)| *i).max().unwrap_or(0);
    let (deciding, other): (Vec<_>, Vec<_>) = found.into_iter().partition(|(i, _)| *i == stage);
    let mut other = other;
    // Strongest first, so the record reads from what nearly decided downwards.
    other.sort_by_key(|(i, _)| std::cmp::Reverse(*i));
    Ok(Classification {
        stage,
        deciding: deciding.into_iter().map(|(_, s)| s).collect(),
        other: other.into_iter().map(|(_, s)| s).collect(),
    })
}

/// Every signal in the change for `subject`, with the index of the stage it names; `--stage`
/// aside. A package that the change does not touch is judged when this finds a signal
/// that names it.
pub(crate) fn signals(
    change: &Change,
    policy: &Policy,
    subject: &Subject<'_>,
) -> Result<Vec<(usize, Signal)>, SignalError> {
    // (stage index, signal) for every signal found.
    let mut found: Vec<(usize, Signal)> = Vec::new();
    let mut push = |index: usize, source, detail: String, commit: Option<String>| {
        found.push((
            index,
            Signal {
                source,
                detail,
                stage: policy.stages[index].name.clone(),
                commit,
            },
        ));
    };
    let stages = || policy.stages.iter().enumerate();
    // A signal that names no package counts for a package the change touches.
    let unnamed = subject.package.is_none() || subject.touched;

    for label in &change.labels {
        for (i, stage) in stages() {
            if stage.signals.labels.iter().any(|l| same_name(l, label)) {
                if unnamed {
                    push(i, SignalSource::Label, label.clone(), None);
                }
                continue;
            }
            let Some(package) = subject.package else {
                continue;
            };
            let Some(named) = stage
                .signals
                .labels
                .iter()
                .find_map(|l| label_package(label, l))
            else {
                continue;
            };
            known_package(policy, named, &format!("label `{label}`"))?;
            if same_name(named, package) {
                push(i, SignalSource::Label, label.clone(), None);
            }
        }
    }

    // A policy whose stages name no trailer values has switched the release trailer off.
    let trailer_on = policy.stages.iter().any(|s| !s.signals.trailer.is_empty());
    let commits = if trailer_on { &change.commits[..] } else { &[] };
    for commit in commits {
        for trailer in commit
            .trailers
            .iter()
            .filter(|t| t.key_is(&policy.signals.trailer))
        {
            let value = trailer.value.trim();
            // Without packages the whole value names the stage, as it always has.
            let (value, names) = match subject.package {
                Some(_) => split_release_value(value, policy),
                None => (value, ""),
            };
            let named: Vec<usize> = stages()
                .filter(|(_, s)| s.signals.trailer.iter().any(|v| same_name(v, value)))
                .map(|(i, _)| i)
                .collect();
            if named.is_empty() && !same_name(value, &policy.stages[0].name) {
                return Err(SignalError(format!(
                    "commit {}: trailer `{}: {}` names no stage; trailer values the policy knows: {}",
                    commit.short_id(),
                    trailer.key,
                    trailer.value,
                    known_trailer_values(policy)
                )));
            }
            let names: Vec<&str> = names
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|n| !n.is_empty())
                .collect();
            let what = || {
                format!(
                    "commit {}: trailer `{}: {}`",
                    commit.short_id(),
                    trailer.key,
                    trailer.value
                )
            };
            for name in &names {
                known_package(policy, name, &what())?;
            }
            let counts = match subject.package {
                Some(package) if !names.is_empty() => names.iter().any(|n| same_name(n, package)),
                _ => unnamed,
            };
            if !counts {
                continue;
            }
            for i in named {
                push(
                    i,
                    SignalSource::Trailer,
                    format!("{}: {}", trailer.key, trailer.value),
                    Some(commit.id.clone()),
                );
            }
        }
    }

    for tag in &change.tags {
        let Some(version) = policy
            .signals
            .tag_pattern
            .captures(tag)
            .and_then(|c| c.name("version"))
        else {
            continue;
        };
        let version = semver::Version::parse(version.as_str()).map_err(|e| {
            SignalError(format!(
                "tag `{tag}` matches {} but `{}` is not a semver version ({e}); fix the tag or narrow the pattern",
                subject.tag_key,
                version.as_str()
            ))
        })?;
        let kind = kind_of(&version);
        for (i, stage) in stages() {
            if stage.signals.tag == Some(kind) {
                push(i, SignalSource::Tag, tag.clone(), None);
            }
        }
    }

    for v in &change.versions {
        // A manifest that appears or disappears has no version *change*: a new
        // package.json says "1.0.0" by default, and that is no release.
        let (Some(old), Some(new)) = (&v.old, &v.new) else {
            continue;
        };
        let kind = kind_of(new);
        // A stable version names a release only when it moves forward, by precedence
        // (build metadata, `1.0.0+build.5`, is no new release); a pre-release names a
        // beta whenever it changes.
        let counts = match kind {
            VersionKind::Stable => new.cmp_precedence(old) == std::cmp::Ordering::Greater,
            VersionKind::Prerelease => old != new,
        };
        if !counts {
            continue;
        }
        for (i, stage) in stages() {
            if stage.signals.version == Some(kind) {
                push(
                    i,
                    SignalSource::Version,
                    format!("{} {old} -> {new}", v.manifest),
                    None,
                );
            }
        }
    }

    let flags = if unnamed {
        &change.flags.changes[..]
    } else {
        &[]
    };
    for flag in flags {
        let Some(new) = &flag.new_stage else { continue };
        if flag.old_stage.as_ref() == Some(new) {
            continue;
        }
        let old = flag.old_stage.as_deref().unwrap_or("(none)");
        for (i, stage) in stages() {
            if stage.signals.flag_stage.iter().any(|s| s == new) {
                push(
                    i,
                    SignalSource::FlagRegistry,
                    format!("{}: stage {old} -> {new}", flag.key),
                    None,
                );
            }
        }
    }
    Ok(found)
}

/// The package a label names after a stage label (`release:full:web` after
/// `release:full`), the prefix compared as labels are.
fn label_package<'l>(label: &'l str, stage_label: &str) -> Option<&'l str> {
    let head = label.get(..stage_label.len())?;
    let rest = label[stage_label.len()..].strip_prefix(':')?;
    (same_name(head, stage_label) && !rest.is_empty()).then_some(rest)
}

/// `Release: <stage> <package>[, <package>…]` as the stage value and the names after
/// it: the longest trailer value of the policy that the value starts with, followed by
/// the end or a space. A value that starts with none is returned whole, to be reported
/// as naming no stage.
fn split_release_value<'v>(value: &'v str, policy: &Policy) -> (&'v str, &'v str) {
    let first = policy.stages[0].name.as_str();
    let known = policy
        .stages
        .iter()
        .flat_map(|s| s.signals.trailer.iter().map(String::as_str))
        .chain([first]);
    let mut best: Option<usize> = None;
    for v in known {
        let fits = value.get(..v.len()).is_some_and(|head| same_name(head, v))
            && value[v.len()..]
                .chars()
                .next()
                .is_none_or(char::is_whitespace);
        if fits && best.is_none_or(|b| v.len() > b) {
            best = Some(v.len());
        }
    }
    match best {
        Some(n) => (&value[..n], value[n..].trim()),
        None => (value, ""),
    }
}

/// A name in a label or trailer must be one of the policy's packages: a misspelt one
/// would otherwise let a release through as a merge.
fn known_package(policy: &Policy, name: &str, what: &str) -> Result<(), SignalError> {
    if policy.package_named(name).is_some() {
        return Ok(());
    }
    let names: Vec<&str> = policy.packages.iter().map(|p| p.name.as_str()).collect();
    Err(SignalError(format!(
        "{what} names package `{name}`, which the policy does not define; its packages are: {}",
        names.join(", ")
    )))
}

/// The version a release tag names, if `pattern` picks the tag and its `version` group
/// is semver. Used to find the previous release; a tag that only looks like one is
/// skipped there (the classifier reports it when it is the tag being judged).
pub(crate) fn tag_version(pattern: &regex::Regex, tag: &str) -> Option<semver::Version> {
    let version = pattern.captures(tag)?.name("version")?;
    semver::Version::parse(version.as_str()).ok()
}

fn kind_of(version: &semver::Version) -> VersionKind {
    if version.pre.is_empty() {
        VersionKind::Stable
    } else {
        VersionKind::Prerelease
    }
}

fn known_trailer_values(policy: &Policy) -> String {
    policy
        .stages
        .iter()
        .flat_map(|s| s.signals.trailer.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::change::{Commit, FlagChange, FlagChangeKind, VersionChange};
    use crate::judge::trailers::Trailer;

    fn commit(id: &str, trailers: &[(&str, &str)]) -> Commit {
        Commit {
            id: id.repeat(40 / id.len()),
            message: "s".into(),
            trailers: trailers
                .iter()
                .map(|(k, v)| Trailer {
                    key: (*k).into(),
                    value: (*v).into(),
                })
                .collect(),
            author_email: None,
        }
    }

    fn stage_of(change: &Change) -> String {
        let p = Policy::builtin();
        p.stages[classify(change, &p).unwrap().stage].name.clone()
    }

    #[test]
    fn no_signal_is_a_merge() {
        assert_eq!(stage_of(&Change::default()), "merge");
    }

    #[test]
    fn strongest_signal_wins() {
        let change = Change {
            labels: vec!["release:beta".into()],
            commits: vec![commit("a", &[("release", "FULL")])],
            ..Change::default()
        };
        let p = Policy::builtin();
        let c = classify(&change, &p).unwrap();
        assert_eq!(p.stages[c.stage].name, "full");
        assert_eq!(c.deciding[0].source, SignalSource::Trailer);
        assert_eq!(c.deciding[0].detail, "release: FULL");
        assert_eq!(c.other[0].source, SignalSource::Label);
    }

    #[test]
    fn forced_stage_beats_everything() {
        let change = Change {
            labels: vec!["release:full".into()],
            forced_stage: Some("beta".into()),
            ..Change::default()
        };
        assert_eq!(stage_of(&change), "beta");
        let shouted = Change {
            forced_stage: Some("FULL".into()),
            ..Change::default()
        };
        assert_eq!(stage_of(&shouted), "full");
        let bad = Change {
            forced_stage: Some("gold".into()),
            ..Change::default()
        };
        let err = classify(&bad, &Policy::builtin()).unwrap_err();
        assert_eq!(
            err.0,
            "--stage `gold` is not a stage of the policy; its stages are: merge, beta, full"
        );
    }

    #[test]
    fn tags_by_semver_kind() {
        let tagged = |t: &str| Change {
            tags: vec![t.into()],
            ..Change::default()
        };
        assert_eq!(stage_of(&tagged("v2.1.0")), "full");
        assert_eq!(stage_of(&tagged("2.1.0-rc.1")), "beta");
        assert_eq!(stage_of(&tagged("nightly")), "merge");
        assert!(classify(&tagged("v1.2.3.4"), &Policy::builtin()).is_err());
    }

    #[test]
    fn versions_must_move_forward_to_be_stable() {
        let bump = |old: Option<&str>, new: &str| Change {
            versions: vec![VersionChange {
                manifest: "Cargo.toml".into(),
                old: old.map(|v| semver::Version::parse(v).unwrap()),
                new: Some(semver::Version::parse(new).unwrap()),
            }],
            ..Change::default()
        };
        assert_eq!(stage_of(&bump(Some("1.0.0"), "1.1.0")), "full");
        assert_eq!(stage_of(&bump(Some("1.1.0"), "1.0.0")), "merge");
        assert_eq!(stage_of(&bump(Some("1.0.0"), "1.1.0-beta.1")), "beta");
        assert_eq!(
            stage_of(&bump(None, "1.0.0")),
            "merge",
            "a new manifest is no bump"
        );
        assert_eq!(stage_of(&bump(Some("1.0.0"), "1.0.0+build.5")), "merge");
    }

    #[test]
    fn flag_stage_changes() {
        let to = |old: Option<&str>, new: &str| Change {
            flags: crate::judge::change::FlagRegistryState {
                keys_at_head: None,
                changes: vec![FlagChange {
                    key: "k".into(),
                    kind: FlagChangeKind::Changed,
                    old_stage: old.map(String::from),
                    new_stage: Some(new.into()),
                }],
                unchecked: None,
            },
            ..Change::default()
        };
        assert_eq!(stage_of(&to(Some("beta"), "general-availability")), "full");
        assert_eq!(stage_of(&to(Some("alpha"), "beta")), "beta");
        assert_eq!(stage_of(&to(None, "beta")), "beta");
        assert_eq!(stage_of(&to(Some("beta"), "beta")), "merge");
    }

    #[test]
    fn unknown_trailer_value_cannot_be_judged() {
        let change = Change {
            commits: vec![commit("ab", &[("Release", "ful")])],
            ..Change::default()
        };
        let err = classify(&change, &Policy::builtin()).unwrap_err();
        assert_eq!(
            err.0,
            "commit ababababab: trailer `Release: ful` names no stage; trailer values the policy knows: beta, full"
        );
    }

    #[test]
    fn a_trailer_may_name_the_first_stage() {
        let change = Change {
            commits: vec![commit("ab", &[("Release", "Merge")])],
            ..Change::default()
        };
        let c = classify(&change, &Policy::builtin()).unwrap();
        assert_eq!(c.stage, 0);
        assert!(c.deciding.is_empty() && c.other.is_empty(), "{c:?}");
    }

    #[test]
    fn a_policy_without_trailer_values_ignores_the_trailer() {
        let p = Policy::from_yaml(
            "\
extends: none
stages:
  - name: merge
  - name: full
    signals: {labels: [ship]}
    require: [docs]
requirements:
  docs: {paths: [docs/]}
",
            "p.yml",
        )
        .unwrap();
        let change = Change {
            commits: vec![commit("ab", &[("Release", "whatever")])],
            ..Change::default()
        };
        assert_eq!(classify(&change, &p).unwrap().stage, 0);
    }

    #[test]
    fn a_release_tag_names_its_version() {
        let pattern = Policy::builtin().signals.tag_pattern;
        assert_eq!(
            tag_version(&pattern, "v2.1.0-rc.1"),
            Some(semver::Version::parse("2.1.0-rc.1").unwrap())
        );
        assert_eq!(tag_version(&pattern, "v1.2.3.4"), None);
        assert_eq!(tag_version(&pattern, "nightly"), None);
    }

    #[test]
    fn signal_errors_read_as_their_message() {
        assert_eq!(SignalError("no stage".to_owned()).to_string(), "no stage");
    }

    #[test]
    fn typed_errors_carry_their_code() {
        let signal: anyhow::Error = SignalError("no stage".to_owned()).into();
        assert_eq!(Code::of(&signal.context("while judging")), Code::BadSignal);
        let io: anyhow::Error = std::io::Error::other("disk").into();
        assert_eq!(Code::of(&io), Code::Io);
    }

    #[test]
    fn look_alike_labels_do_not_match() {
        let change = Change {
            labels: vec!["release:fu\u{217C}l".into()],
            ..Change::default()
        };
        assert_eq!(stage_of(&change), "merge");
    }
}
