//! The pipeline per package (SPEC §12, §13): every package that the change touches, or
//! that a signal names, is classified with the policy as it reads it, its evidence taken
//! from the change or, when a tag or a version bump names its stage, from the whole
//! release since its previous release; then the packages' judgements make one report.
//!
//! A policy without packages has one package, the root, which is the whole repository:
//! it is judged exactly as a change always was, over the release when a tag or a version
//! bump names its stage.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use anyhow::{Result, anyhow};

use super::services;
use crate::error::Code;
use crate::gather::ends::{self, Sides};
use crate::gather::git::{EMPTY_TREE, Repo};
use crate::gather::{Files, History, Links, Span};
use crate::judge::change::{Change, FlagRegistryState, Range, VersionChange, short_id};
use crate::judge::packages::{self, Judged, ReleaseTag};
use crate::judge::policy::{ConfigError, ConfigErrors, Document, Policy, Stage, Which};
use crate::judge::requirements;
use crate::judge::stage::{self, Classification, Subject};
use crate::judge::verdict::{CheckResult, Level, RangeInfo, RangeKind, Report};

/// Where the facts of a change come from, and what it is.
pub(super) struct Facts<'a> {
    pub(super) files: &'a dyn Files,
    pub(super) history: &'a dyn History,
    pub(super) links: &'a dyn Links,
    /// The change's lines, for the checks that read them (see [`super::run_checks`]).
    pub(super) lines: Option<&'a Repo>,
    /// The change's merge-base; `None` when the change is the whole history.
    pub(super) merge_base: Option<&'a str>,
    pub(super) head: &'a str,
    /// The change's base commit, `None` when it is the whole history.
    pub(super) base: Option<&'a str>,
    /// The tag a push or a release event judges, whose change is a release.
    pub(super) pushed: Option<&'a Pushed>,
    /// The flag registry's keys, a PostHog project's asked once a run.
    pub(super) flag_keys: &'a super::services::FlagKeys<'a>,
}

/// A pushed tag: its change is everything since the previous release of its package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pushed {
    pub(super) tag: String,
    /// The previous release's tag; `None` for a first release.
    pub(super) previous: Option<String>,
}

/// One package on its way through the judgement.
struct Unit {
    which: Which,
    /// The policy as the package reads it.
    policy: Policy,
    versions: Vec<VersionChange>,
    flags: FlagRegistryState,
    class: Classification,
    /// The whole release, when a tag or a version bump names the stage.
    release: Option<(Change, RangeInfo)>,
}

/// The previous release of the tag that a push or a release event judges: of the first
/// package whose tag pattern picks it (see [`packages::releases_tagged`]); `None` for a
/// first release.
pub(super) fn previous_of_pushed_tag(
    policy: &Policy,
    tag: &str,
    tags: &[ReleaseTag],
) -> Result<Option<ReleaseTag>> {
    let Some((which, _)) = packages::releases_tagged(policy, tag).into_iter().next() else {
        return Err(Code::BadSignal.tag(anyhow!(
            "tag `{tag}` is not a release tag ({} with a semver version), so there is no previous release to compare it with; pass --base",
            release_patterns(policy)
        )));
    };
    Ok(packages::release_of_tag(policy, which, tag, tags).and_then(|r| r.previous))
}

/// The tag patterns that make a tag a release tag, as messages name them:
/// ``signals.tag-pattern `…` `` and every package's.
pub(crate) fn release_patterns(policy: &Policy) -> String {
    packages::every(policy)
        .map(|w| {
            format!(
                "{} `{}`",
                packages::tag_key(policy, w),
                packages::tag_pattern(policy, w).as_str()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Judges `change` package by package under `policy` and makes one report of it.
pub(super) fn judge(change: &mut Change, policy: &Policy, facts: &Facts<'_>) -> Result<Report> {
    folders_at_head(policy, facts, &mut change.notes)?;
    let tags: OnceCell<Vec<ReleaseTag>> = OnceCell::new();
    let mut notes = Vec::new();
    let mut units = Vec::new();
    for (which, touched) in judged(change, policy, facts.pushed)? {
        let projected = policy.projected(which);
        let tag_key = packages::tag_key(policy, which);
        let subject = Subject {
            package: (!policy.packages.is_empty()).then(|| policy.package_name(which)),
            touched,
            tag_key: &tag_key,
        };
        let sides = Sides {
            files: facts.files,
            merge_base: facts.merge_base,
            head: facts.head,
        };
        change.versions = ends::versions(&sides, &projected, change, &mut notes)?;
        change.flags = ends::flags(&sides, &projected, change, &mut notes)?;
        let class = stage::classify_for(change, &projected, &subject)?;
        let pattern = packages::tag_pattern(policy, which);
        let mut release = match packages::released_version(&class, change, pattern) {
            Some(version) => {
                let tags = match tags.get() {
                    Some(tags) => tags,
                    None => {
                        let listed = facts.history.tags().map_err(|e| {
                            e.context(format!(
                                "{} is judged over its whole release, which needs the repository's tags",
                                described(policy, which)
                            ))
                        })?;
                        tags.get_or_init(|| listed)
                    }
                };
                let previous = packages::previous_release(pattern, &version, tags);
                Some(
                    release(change, &projected, previous, facts, &mut notes).map_err(|e| {
                        e.context(format!(
                            "{} is judged over its whole release since {}",
                            described(policy, which),
                            previous.map_or("the first commit", |t| t.name.as_str())
                        ))
                    })?,
                )
            }
            None => None,
        };
        // A PostHog registry is asked only now that the stage is known, about the keys
        // named where the evidence is read: the release, or the change.
        let stage = &projected.stages[class.stage];
        let judged = match &mut release {
            Some((view, _)) => view,
            None => &mut *change,
        };
        services::posthog_keys(
            judged,
            stage,
            &projected,
            &sides,
            facts.flag_keys,
            &mut notes,
        )?;
        units.push(Unit {
            which,
            policy: projected,
            versions: std::mem::take(&mut change.versions),
            flags: std::mem::take(&mut change.flags),
            class,
            release,
        });
    }
    change.notes.append(&mut notes);

    // Links are looked up once for every package whose stage judges them.
    let views: Vec<(&Change, &Stage, &Policy)> = units
        .iter()
        .map(|u| {
            let view = u.release.as_ref().map_or(&*change, |(v, _)| v);
            (view, &u.policy.stages[u.class.stage], &u.policy)
        })
        .collect();
    let dead = dead_links(&views, facts.links, &mut notes)?;
    // Issues, for mentions, likewise: once each, for every package whose stage counts them.
    let issues = services::issue_texts(&views, facts.links, &mut notes)?;
    change.notes.append(&mut notes);
    change.dead_links = dead.clone();
    issues.attach(change);

    let mut judged = Vec::with_capacity(units.len());
    // The root package reads the repository's flag registry, which the checks read too.
    let mut root_flags = FlagRegistryState::default();
    for mut unit in units {
        change.versions = std::mem::take(&mut unit.versions);
        change.flags = std::mem::take(&mut unit.flags);
        if unit.which == Which::Root {
            root_flags = change.flags.clone();
        }
        let (report, range) = match &mut unit.release {
            Some((view, range)) => {
                view.dead_links = dead.clone();
                issues.attach(view);
                let report = requirements::evaluate_over(change, view, &unit.class, &unit.policy);
                (report, range.clone())
            }
            None => {
                let report = requirements::evaluate(change, &unit.class, &unit.policy);
                (report, range_of(change, RangeKind::Change, None))
            }
        };
        judged.push(Judged {
            which: unit.which,
            stage: unit.class.stage,
            range,
            report,
        });
    }
    // The checks are the change's, not a package's: they run once, at the strongest stage
    // that any package is judged at, with the repository's flag registry.
    let strongest = judged.iter().map(|j| j.stage).max().unwrap_or(0);
    if !policy.packages.is_empty() {
        // What the root package read of the registry is kept, not read again.
        change.flags = root_flags;
    }
    let sides = Sides {
        files: facts.files,
        merge_base: facts.merge_base,
        head: facts.head,
    };
    let checks = super::run_checks(
        facts.lines,
        facts.links,
        &sides,
        policy,
        &policy.stages[strongest].name,
        change,
        facts.flag_keys,
    )?;
    let blocked = judged
        .iter()
        .any(|j| requirements::blocks(&j.report.requirements))
        || checks.iter().any(CheckResult::blocks);
    let (override_, override_notes) = requirements::find_override(change, policy);
    let outcome =
        requirements::conclude(change, policy, blocked, override_.as_ref(), override_notes);
    let range = match facts.pushed {
        Some(p) => range_of(change, RangeKind::Release, p.previous.clone()),
        None => range_of(change, RangeKind::Change, None),
    };
    Ok(packages::combine(policy, judged, range, outcome, checks))
}

/// The packages judged, each with whether the change touches it: every package the change
/// touches, and every other that a signal names (a label or trailer with its name, its
/// release tag); the root package alone when neither finds one (a change with no files).
/// A pushed tag's change is the release of the packages the tag is a release of, and them
/// alone: another package's work in the same range was released, and judged, on its own.
fn judged(change: &Change, policy: &Policy, pushed: Option<&Pushed>) -> Result<Vec<(Which, bool)>> {
    if policy.packages.is_empty() {
        return Ok(vec![(Which::Root, true)]);
    }
    let touched = packages::touched(policy, &change.files);
    if let Some(pushed) = pushed {
        let tagged: Vec<Which> = packages::releases_tagged(policy, &pushed.tag)
            .into_iter()
            .map(|(which, _)| which)
            .collect();
        let tagged: Vec<(Which, bool)> = packages::every(policy)
            .filter(|w| tagged.contains(w))
            .map(|w| (w, touched.contains(&w)))
            .collect();
        if !tagged.is_empty() {
            return Ok(tagged);
        }
    }
    // What names a package that the change does not touch is in the change's labels,
    // trailers and tags (its manifests and registry are untouched), read before any
    // package's versions and flags are.
    debug_assert!(change.versions.is_empty() && change.flags == FlagRegistryState::default());
    let mut out = Vec::new();
    for which in packages::every(policy) {
        if touched.contains(&which) {
            out.push((which, true));
            continue;
        }
        let tag_key = packages::tag_key(policy, which);
        let subject = Subject {
            package: Some(policy.package_name(which)),
            touched: false,
            tag_key: &tag_key,
        };
        match stage::signals(change, &policy.projected(which), &subject) {
            Ok(found) if !found.is_empty() => out.push((which, false)),
            Ok(_) => {}
            // `--stage` overrules every signal, a broken one too (as without packages).
            Err(_) if change.forced_stage.is_some() => {}
            Err(e) => return Err(e.into()),
        }
    }
    if out.is_empty() {
        out.push((Which::Root, true));
    }
    Ok(out)
}

/// The whole release of a package (SPEC §13): everything since its previous release
/// (the whole history for a first one), with the change's labels and body, and the flag
/// registry as the release changes it. A release that starts where the change does (a
/// pushed tag) reuses the change's facts.
fn release(
    change: &Change,
    policy: &Policy,
    previous: Option<&ReleaseTag>,
    facts: &Facts<'_>,
    notes: &mut Vec<String>,
) -> Result<(Change, RangeInfo)> {
    let base = previous.map(|t| t.commit.as_str());
    let span = if base.is_some() && base == facts.base {
        Span {
            merge_base: facts.merge_base.map(str::to_owned),
            commits: change.commits.clone(),
            files: change.files.clone(),
        }
    } else {
        facts.history.since(base, facts.head)?
    };
    let mut view = Change {
        range: Range {
            base: base.unwrap_or(EMPTY_TREE).to_owned(),
            head: facts.head.to_owned(),
            merge_base: span
                .merge_base
                .clone()
                .unwrap_or_else(|| EMPTY_TREE.to_owned()),
        },
        commits: span.commits,
        files: span.files,
        labels: change.labels.clone(),
        body: change.body.clone(),
        tags: change.tags.clone(),
        draft: change.draft,
        author: change.author.clone(),
        ..Change::default()
    };
    let sides = Sides {
        files: facts.files,
        merge_base: span.merge_base.as_deref(),
        head: facts.head,
    };
    view.flags = ends::flags(&sides, policy, &view, notes)?;
    let range = range_of(&view, RangeKind::Release, previous.map(|t| t.name.clone()));
    Ok((view, range))
}

fn range_of(change: &Change, kind: RangeKind, previous_release: Option<String>) -> RangeInfo {
    RangeInfo {
        base: change.range.base.clone(),
        head: change.range.head.clone(),
        merge_base: change.range.merge_base.clone(),
        commits: change.commits.len(),
        files: change.files.len(),
        kind,
        previous_release,
    }
}

/// `package web` or `the repository` (the root package without packages), for messages.
fn described(policy: &Policy, which: Which) -> String {
    match which {
        Which::Root if policy.packages.is_empty() => "the change".to_owned(),
        which => format!("package {}", policy.package_name(which)),
    }
}

/// Every package's folder must exist at head: a folder that is not there (a typo, a move)
/// would leave its files to the root package without a word. A folder that the change
/// itself removes is worth a note instead: the policy that drops the package is read at
/// the base, so the change cannot do both.
fn folders_at_head(policy: &Policy, facts: &Facts<'_>, notes: &mut Vec<String>) -> Result<()> {
    let mut problems = Vec::new();
    for p in &policy.packages {
        match facts.history.has_folder(facts.head, &p.path)? {
            Some(true) => {}
            None => {
                notes.push(format!(
                    "the folder of package {} ({}) is not checked at head: the clone lacks its history",
                    p.name, p.path
                ));
            }
            Some(false) => {
                let before = match facts.merge_base {
                    Some(m) => facts.history.has_folder(m, &p.path)?,
                    None => Some(false),
                };
                if before == Some(true) {
                    notes.push(format!(
                        "this change removes {}, the folder of package {}; remove the package from the policy too",
                        p.path, p.name
                    ));
                    continue;
                }
                problems.push(ConfigError {
                    origin: p.written.origin.clone(),
                    pos: Some(p.written.pos),
                    key: format!("packages.{}.path", p.name),
                    message: format!(
                        "`{}` is not a folder at head {}; fix the path, or remove the package",
                        p.path,
                        short_id(facts.head)
                    ),
                });
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(ConfigErrors {
        what: Document::Policy,
        errors: problems,
    }
    .into())
}

/// Values of evidence trailers and body lines that link to a pull request which does
/// not exist, among the evidence of the requirements that each package's stage evaluates
/// in its view of the change, and no other: what no stage judges is never looked up.
/// Each distinct link is asked about once. A look-up that fails stops the check (exit 2)
/// when a required requirement rests on the link; when only requirements that are warned
/// about do, a note says so and the link is taken at its word, as it is without a token,
/// since a warning cannot block.
fn dead_links(
    views: &[(&Change, &Stage, &Policy)],
    links: &dyn Links,
    notes: &mut Vec<String>,
) -> Result<Vec<String>> {
    // Each link, whether a required requirement rests on it, which requirements do, and
    // the stage that warns about it.
    let mut wanted: BTreeMap<String, (bool, Vec<&str>, &str)> = BTreeMap::new();
    for (change, stage, policy) in views {
        for (req, level) in requirements::evaluated(policy, stage) {
            for value in requirements::link_values(change, &req.evidence) {
                let (required, ids, _) =
                    wanted
                        .entry(value)
                        .or_insert((false, Vec::new(), &stage.name));
                *required |= level == Level::Required;
                if !ids.contains(&req.id.as_str()) {
                    ids.push(&req.id);
                }
            }
        }
    }
    let mut dead = Vec::new();
    for (value, (required, ids, stage)) in wanted {
        match links.pull_exists(&value) {
            Ok(Some(false)) => dead.push(value),
            Ok(_) => {}
            Err(e) if required => return Err(e),
            Err(e) => notes.push(format!(
                "{} is only warned about at stage {stage}, so the link is taken at its word: {e:#}",
                ids.join(", "),
            )),
        }
    }
    Ok(dead)
}
