//! Packages of a monorepo (SPEC §12, §13): which package a file belongs to, which packages
//! a change touches, the release a tag or a version bump names and the release before it,
//! and the one report that the packages' judgements make.
//!
//! Finding a release is a pure function over a list of the repository's tags made once
//! ([`ReleaseTag`]): `check` asks it for the packages a change releases, and a walk over a
//! whole history can ask it for every release tag in turn ([`release_of_tag`]).

use regex::Regex;

use crate::judge::change::{Change, FileChange};
use crate::judge::policy::{Policy, Which};
use crate::judge::stage::{Classification, Signal, SignalSource, tag_version};
use crate::judge::verdict::{
    CheckResult, PackageReport, RangeInfo, Report, RequirementResult, Verdict,
};

/// A tag of the repository and the commit it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReleaseTag {
    pub(crate) name: String,
    /// The commit's full id.
    pub(crate) commit: String,
}

/// A release of one package (SPEC §13): the version it releases, and the release before it,
/// from which the release is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Release {
    pub(crate) version: semver::Version,
    /// The greatest earlier tag that the package's tag pattern picks; `None` for a first
    /// release, which is judged over the whole history.
    pub(crate) previous: Option<ReleaseTag>,
}

/// Every package of the policy, the root package first, then the others in policy order.
pub(crate) fn every(policy: &Policy) -> impl Iterator<Item = Which> + '_ {
    std::iter::once(Which::Root).chain((0..policy.packages.len()).map(Which::Package))
}

/// The package a file belongs to: the one whose folder is the longest prefix of its path
/// by whole components (`packages/webapp/x` is not in `packages/web`), else the root.
pub(crate) fn owner(policy: &Policy, path: &[u8]) -> Which {
    policy
        .packages
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            path.strip_prefix(p.path.as_bytes())
                .is_some_and(|rest| rest.first() == Some(&b'/'))
        })
        .max_by_key(|(_, p)| p.path.len())
        .map_or(Which::Root, |(i, _)| Which::Package(i))
}

/// The packages that `files` touch, by each file's path and, for a rename, the path it
/// came from, in the order of [`every`].
pub(crate) fn touched(policy: &Policy, files: &[FileChange]) -> Vec<Which> {
    let mut hit = vec![false; policy.packages.len() + 1];
    let index = |w: Which| match w {
        Which::Root => 0,
        Which::Package(i) => i + 1,
    };
    for f in files {
        hit[index(owner(policy, &f.path))] = true;
        if let Some(old) = &f.old_path {
            hit[index(owner(policy, old))] = true;
        }
    }
    every(policy).filter(|w| hit[index(*w)]).collect()
}

/// The tag pattern of package `which`: its own, or the repository's for the root.
pub(crate) fn tag_pattern(policy: &Policy, which: Which) -> &Regex {
    match which {
        Which::Root => &policy.signals.tag_pattern,
        Which::Package(i) => &policy.packages[i].tag_pattern,
    }
}

/// The policy key of that pattern, for messages.
pub(crate) fn tag_key(policy: &Policy, which: Which) -> String {
    match which {
        Which::Root => "signals.tag-pattern".to_owned(),
        Which::Package(i) => format!("packages.{}.tag-pattern", policy.packages[i].name),
    }
}

/// The packages that `tag` is a release tag of, with the version it names: those whose tag
/// pattern picks it with a semver `version`, the others first and the root last, since a
/// package's pattern is the narrower one.
pub(crate) fn releases_tagged(policy: &Policy, tag: &str) -> Vec<(Which, semver::Version)> {
    let mut out: Vec<(Which, semver::Version)> = every(policy)
        .filter_map(|w| Some((w, tag_version(tag_pattern(policy, w), tag)?)))
        .collect();
    let root_first = out.first().is_some_and(|(w, _)| *w == Which::Root);
    out.rotate_left(usize::from(root_first));
    out
}

/// The release before `version` among `tags`, as `pattern` picks them: for a stable
/// version the greatest lower stable one (a full release answers for everything since
/// the last full release), for a pre-release the greatest lower version of any kind.
/// Equal versions (`v1.0.0` and `1.0.0`) are told apart by name, the greater winning, so
/// the answer never depends on the order of `tags`. Other packages' tags never match
/// `pattern`, so they are never a package's previous release.
pub(crate) fn previous_release<'t>(
    pattern: &Regex,
    version: &semver::Version,
    tags: &'t [ReleaseTag],
) -> Option<&'t ReleaseTag> {
    let mut best: Option<(semver::Version, &ReleaseTag)> = None;
    for tag in tags {
        let Some(v) = tag_version(pattern, &tag.name) else {
            continue;
        };
        let earlier = v.cmp_precedence(version).is_lt();
        let eligible = version.pre.is_empty() <= v.pre.is_empty();
        let better = best.as_ref().is_none_or(|(b, bt)| {
            v.cmp_precedence(b)
                .then_with(|| tag.name.cmp(&bt.name))
                .is_gt()
        });
        if earlier && eligible && better {
            best = Some((v, tag));
        }
    }
    best.map(|(_, tag)| tag)
}

/// The release that `tag` is of package `which`, and the release before it; `None` when
/// the package's pattern does not pick the tag. What a history of releases is judged by,
/// tag after tag, over one list of tags.
pub(crate) fn release_of_tag(
    policy: &Policy,
    which: Which,
    tag: &str,
    tags: &[ReleaseTag],
) -> Option<Release> {
    let pattern = tag_pattern(policy, which);
    let version = tag_version(pattern, tag)?;
    let previous = previous_release(pattern, &version, tags).cloned();
    Some(Release { version, previous })
}

/// The version that a package's stage releases when a tag or a version bump named it
/// (SPEC §13), else `None`: the stage is then judged over the change itself. Of several,
/// the greatest.
pub(crate) fn released_version(
    class: &Classification,
    view: &Change,
    pattern: &Regex,
) -> Option<semver::Version> {
    let mut versions = Vec::new();
    for s in &class.deciding {
        match s.source {
            SignalSource::Tag => versions.extend(tag_version(pattern, &s.detail)),
            SignalSource::Version => versions.extend(
                view.versions
                    .iter()
                    .filter(|v| s.detail.starts_with(&format!("{} ", v.manifest)))
                    .filter_map(|v| v.new.clone()),
            ),
            _ => {}
        }
    }
    versions.into_iter().max_by(semver::Version::cmp_precedence)
}

/// One package's judgement, for [`combine`].
pub(crate) struct Judged {
    pub(crate) which: Which,
    /// Index of its stage in the policy.
    pub(crate) stage: usize,
    /// The range its requirements were judged over.
    pub(crate) range: RangeInfo,
    /// Its report as [`crate::judge::requirements::evaluate_over`] made it.
    pub(crate) report: Report,
}

impl Judged {
    fn package(&self, policy: &Policy) -> PackageReport {
        let r = &self.report;
        PackageReport {
            name: policy.package_name(self.which).to_owned(),
            path: policy.package_path(self.which).to_owned(),
            stage: r.stage.clone(),
            stage_description: r.stage_description.clone(),
            stage_signals: r.stage_signals.clone(),
            other_signals: r.other_signals.clone(),
            range: self.range.clone(),
            requirements: r.requirements.clone(),
            verdict: r.verdict,
        }
    }
}

/// The report of a change whose packages were judged one by one: the verdict the worst
/// (blocked, then overridden, then pass), the stage the strongest and the signals that
/// named it, the requirements the root package's (none when the root was not judged),
/// and every package's judgement. `verdict` and `notes` are the change's as a whole
/// ([`crate::judge::requirements::conclude`]); `range` is the change's. A policy without
/// packages judges the root alone, whose report this is, with its entry added.
pub(crate) fn combine(
    policy: &Policy,
    mut judged: Vec<Judged>,
    range: RangeInfo,
    (verdict, notes): (Verdict, Vec<String>),
    checks: Vec<CheckResult>,
) -> Report {
    let packages: Vec<PackageReport> = judged.iter().map(|j| j.package(policy)).collect();
    if let [only] = &judged[..]
        && only.which == Which::Root
    {
        let mut report = judged.remove(0).report;
        report.verdict = verdict;
        report.notes = notes;
        report.range = range;
        report.packages = packages;
        report.checks = checks;
        return report;
    }
    let strongest = judged.iter().map(|j| j.stage).max().unwrap_or(0);
    let stage = &policy.stages[strongest];
    let mut deciding: Vec<Signal> = Vec::new();
    let mut other: Vec<(usize, Signal)> = Vec::new();
    let rank = |s: &Signal| policy.stages.iter().position(|st| st.name == s.stage);
    for j in &judged {
        for s in &j.report.stage_signals {
            if j.stage == strongest {
                if !deciding.contains(s) {
                    deciding.push(s.clone());
                }
            } else if !other.iter().any(|(_, o)| o == s) {
                other.push((rank(s).unwrap_or(0), s.clone()));
            }
        }
        for s in &j.report.other_signals {
            if !other.iter().any(|(_, o)| o == s) && !deciding.contains(s) {
                other.push((rank(s).unwrap_or(0), s.clone()));
            }
        }
    }
    other.retain(|(_, s)| !deciding.contains(s));
    // Strongest first, as for one package.
    other.sort_by_key(|(i, _)| std::cmp::Reverse(*i));
    let root = judged.iter().find(|j| j.which == Which::Root);
    let requirements: Vec<RequirementResult> = root
        .map(|j| j.report.requirements.clone())
        .unwrap_or_default();
    let first = &judged[0].report;
    Report {
        schema: 1,
        verdict,
        stage: stage.name.clone(),
        stage_description: stage.description.clone(),
        stage_signals: deciding,
        other_signals: other.into_iter().map(|(_, s)| s).collect(),
        range,
        requirements,
        override_: first.override_.clone(),
        draft: first.draft,
        checks,
        policy: None,
        browse: None,
        notes,
        packages,
        notify_slack_var: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::change::{Commit, Status, VersionChange};
    use crate::judge::requirements::{conclude, evaluate_over, find_override};
    use crate::judge::stage::{Subject, classify_for, signals};

    const POLICY: &str = "\
packages:
  web:
    path: packages/web
    tag-pattern: '^web@(?P<version>\\d+\\.\\d+\\.\\d+.*)$'
    manifests: [package.json]
  api:
    path: packages/api
    tag-pattern: '^api@(?P<version>\\d+\\.\\d+\\.\\d+.*)$'
  web-plugins:
    path: packages/web/plugins
";

    fn policy() -> Policy {
        Policy::from_yaml(POLICY, "p.yml").unwrap()
    }

    fn file(path: &str) -> FileChange {
        FileChange {
            path: path.as_bytes().to_vec(),
            old_path: None,
            status: Status::Modified,
            same_content: false,
        }
    }

    fn tag(name: &str) -> ReleaseTag {
        ReleaseTag {
            name: name.to_owned(),
            commit: format!("{:0>40}", name.len()),
        }
    }

    #[test]
    fn a_file_belongs_to_the_longest_folder_by_whole_components() {
        let p = policy();
        assert_eq!(owner(&p, b"packages/web/src/a.ts"), Which::Package(0));
        assert_eq!(owner(&p, b"packages/webapp/x"), Which::Root);
        assert_eq!(
            owner(&p, b"packages/web"),
            Which::Root,
            "a file named like the folder"
        );
        assert_eq!(owner(&p, b"packages/web/plugins/p.ts"), Which::Package(2));
        assert_eq!(owner(&p, b"packages/web/pluginsx/p.ts"), Which::Package(0));
        assert_eq!(owner(&p, b"README.md"), Which::Root);
        let mut moved = file("packages/api/a.ts");
        moved.old_path = Some(b"packages/web/a.ts".to_vec());
        assert_eq!(
            touched(&p, &[moved, file("packages/webapp/x")]),
            [Which::Root, Which::Package(0), Which::Package(1)]
        );
        assert!(touched(&p, &[]).is_empty());
    }

    #[test]
    fn the_previous_release_is_the_package_s_own() {
        let p = policy();
        let tags = [
            tag("api@1.0.5"),
            tag("web@1.0.0"),
            tag("web@0.9.0"),
            tag("web@1.1.0-rc.1"),
            tag("v3.0.0"),
            tag("web@2.0.0"),
        ];
        let web = release_of_tag(&p, Which::Package(0), "web@1.1.0", &tags).unwrap();
        assert_eq!(web.version.to_string(), "1.1.0");
        assert_eq!(web.previous.unwrap().name, "web@1.0.0", "never api@1.0.5");
        let rc = release_of_tag(&p, Which::Package(0), "web@1.1.0-rc.2", &tags).unwrap();
        assert_eq!(rc.previous.unwrap().name, "web@1.1.0-rc.1");
        let first = release_of_tag(&p, Which::Package(1), "api@1.0.0", &tags).unwrap();
        assert_eq!(first.previous, None);
        assert_eq!(
            release_of_tag(&p, Which::Package(1), "web@1.1.0", &tags),
            None
        );
        let root = release_of_tag(&p, Which::Root, "v3.1.0", &tags).unwrap();
        assert_eq!(root.previous.unwrap().name, "v3.0.0");
        // The order of the list does not matter.
        let mut reversed = tags.to_vec();
        reversed.reverse();
        assert_eq!(
            release_of_tag(&p, Which::Package(0), "web@1.1.0", &reversed)
                .unwrap()
                .previous
                .unwrap()
                .name,
            "web@1.0.0"
        );
        assert_eq!(
            releases_tagged(&p, "web@1.1.0")
                .into_iter()
                .map(|(w, _)| w)
                .collect::<Vec<_>>(),
            [Which::Package(0)]
        );
        assert!(releases_tagged(&p, "nightly").is_empty());
    }

    fn subject<'a>(p: &'a Policy, which: Which, touched: bool) -> Subject<'a> {
        Subject {
            package: Some(p.package_name(which)),
            touched,
            tag_key: "k",
        }
    }

    fn stage_for(change: &Change, which: Which, touched: bool) -> Result<String, String> {
        let p = policy();
        let projected = p.projected(which);
        let s = subject(&p, which, touched);
        classify_for(change, &projected, &s)
            .map(|c| projected.stages[c.stage].name.clone())
            .map_err(|e| e.0)
    }

    #[test]
    fn signals_name_packages() {
        let labelled = |label: &str| Change {
            labels: vec![label.to_owned()],
            ..Change::default()
        };
        let web = Which::Package(0);
        let api = Which::Package(1);
        // A label without a name counts for a touched package only.
        assert_eq!(
            stage_for(&labelled("release:full"), web, true).unwrap(),
            "full"
        );
        assert_eq!(
            stage_for(&labelled("release:full"), web, false).unwrap(),
            "merge"
        );
        // A label with a name counts for that package, touched or not, case ignored.
        assert_eq!(
            stage_for(&labelled("release:full:WEB"), web, false).unwrap(),
            "full"
        );
        assert_eq!(
            stage_for(&labelled("release:full:web"), api, true).unwrap(),
            "merge"
        );
        assert_eq!(
            stage_for(&labelled("release:beta:wbe"), api, true).unwrap_err(),
            "label `release:beta:wbe` names package `wbe`, which the policy does not define; its packages are: web, api, web-plugins"
        );
        let trailer = |value: &str| Change {
            commits: vec![Commit::new(
                "a".repeat(40),
                format!("x\n\nRelease: {value}\n"),
            )],
            ..Change::default()
        };
        assert_eq!(
            stage_for(&trailer("full web, api"), api, false).unwrap(),
            "full"
        );
        assert_eq!(
            stage_for(&trailer("full web,api"), api, false).unwrap(),
            "full"
        );
        assert_eq!(stage_for(&trailer("beta web"), api, true).unwrap(), "merge");
        assert_eq!(stage_for(&trailer("full"), api, true).unwrap(), "full");
        assert_eq!(stage_for(&trailer("full"), api, false).unwrap(), "merge");
        assert_eq!(
            stage_for(&trailer("merge web"), web, true).unwrap(),
            "merge"
        );
        assert_eq!(
            stage_for(&trailer("full webb"), web, true).unwrap_err(),
            "commit aaaaaaaaaa: trailer `Release: full webb` names package `webb`, which the policy does not define; its packages are: web, api, web-plugins"
        );
        assert_eq!(
            stage_for(&trailer("fullweb"), web, true).unwrap_err(),
            "commit aaaaaaaaaa: trailer `Release: fullweb` names no stage; trailer values the policy knows: beta, full"
        );
        // Tags by the package's own pattern; the root's pattern for the root.
        let tagged = |t: &str| Change {
            tags: vec![t.to_owned()],
            ..Change::default()
        };
        assert_eq!(stage_for(&tagged("web@1.1.0"), web, false).unwrap(), "full");
        assert_eq!(stage_for(&tagged("web@1.1.0"), api, true).unwrap(), "merge");
        assert_eq!(
            stage_for(&tagged("web@1.1.0"), Which::Root, true).unwrap(),
            "merge"
        );
        assert_eq!(
            stage_for(&tagged("v1.1.0-rc.1"), Which::Root, false).unwrap(),
            "beta"
        );
        // Nothing names an untouched package: it is not judged.
        let p = policy();
        let none = signals(
            &Change::default(),
            &p.projected(api),
            &subject(&p, api, false),
        );
        assert!(none.unwrap().is_empty());
    }

    #[test]
    fn a_release_s_version_comes_from_its_tag_or_its_bump() {
        let p = policy();
        let web = Which::Package(0);
        let projected = p.projected(web);
        let change = Change {
            versions: vec![VersionChange {
                manifest: "packages/web/package.json".to_owned(),
                old: Some(semver::Version::new(1, 0, 0)),
                new: Some(semver::Version::new(1, 1, 0)),
            }],
            ..Change::default()
        };
        let class = classify_for(&change, &projected, &subject(&p, web, true)).unwrap();
        assert_eq!(
            released_version(&class, &change, &projected.signals.tag_pattern),
            Some(semver::Version::new(1, 1, 0))
        );
        let labelled = Change {
            labels: vec!["release:full".to_owned()],
            ..change.clone()
        };
        let class = classify_for(&labelled, &projected, &subject(&p, web, true)).unwrap();
        // The label and the bump both name the stage: still a release.
        assert!(released_version(&class, &labelled, &projected.signals.tag_pattern).is_some());
        let only_label = Change {
            labels: vec!["release:full".to_owned()],
            ..Change::default()
        };
        let class = classify_for(&only_label, &projected, &subject(&p, web, true)).unwrap();
        assert_eq!(
            released_version(&class, &only_label, &projected.signals.tag_pattern),
            None
        );
    }

    #[test]
    fn the_worst_verdict_and_the_strongest_stage_win() {
        let p = policy();
        let change = Change {
            labels: vec!["release:full:web".to_owned(), "release:beta".to_owned()],
            files: vec![file("packages/web/a.ts"), file("packages/api/a.ts")],
            ..Change::default()
        };
        let judge = |which: Which| {
            let projected = p.projected(which);
            let class = classify_for(&change, &projected, &subject(&p, which, true)).unwrap();
            let report = evaluate_over(&change, &change, &class, &projected);
            Judged {
                which,
                stage: class.stage,
                range: report.range.clone(),
                report,
            }
        };
        let judged = vec![judge(Which::Package(0)), judge(Which::Package(1))];
        assert_eq!(judged[0].report.verdict, Verdict::Blocked);
        assert_eq!(judged[1].report.verdict, Verdict::Pass);
        let (o, notes) = find_override(&change, &p);
        let outcome = conclude(&change, &p, true, o.as_ref(), notes);
        let range = judged[0].range.clone();
        let r = combine(&p, judged, range, outcome, Vec::new());
        assert_eq!((r.verdict, r.stage.as_str()), (Verdict::Blocked, "full"));
        assert_eq!(r.stage_signals[0].detail, "release:full:web");
        assert_eq!(r.other_signals[0].detail, "release:beta");
        assert!(r.requirements.is_empty(), "the root was not judged");
        let names: Vec<_> = r.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["web", "api"]);
        assert_eq!(r.packages[1].stage, "beta");
    }
}
