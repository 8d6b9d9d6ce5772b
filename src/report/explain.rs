//! `shipgate explain`: the policy in force, in words.

use std::fmt::Write as _;

use crate::judge::policy::checks::CheckLevel;
use crate::judge::policy::compose::provenance;
use crate::judge::policy::{
    BUILTIN_ORIGIN, Composed, Drafts, PackageRegistry, PathSet, Policy, ROOT, VersionKind,
};
use crate::judge::requirements::hint;
use crate::judge::verdict::CheckId;
use crate::names::name;

/// The policy in force (`source`), merged from its chain, in words; then, unless it is the
/// built-in policy alone, the file and line each of its values comes from. `notes` are
/// what reading the chain found worth saying.
pub(crate) fn render(composed: &Composed, source: &str, notes: &[String]) -> String {
    let mut out = String::new();
    let _ = write(&mut out, composed, source, notes);
    out
}

fn write(out: &mut String, c: &Composed, source: &str, notes: &[String]) -> std::fmt::Result {
    let p = &c.policy;
    writeln!(out, "policy: {source}")?;
    let builtin_alone = c.chain == [BUILTIN_ORIGIN];
    if !builtin_alone {
        let extends = match &c.chain[1..] {
            [] => "nothing (`extends: none`)".to_owned(),
            rest => rest.join(" -> "),
        };
        writeln!(out, "extends: {extends}")?;
    }
    for note in notes {
        writeln!(out, "note: {note}")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "stages, weakest first (the strongest stage that any signal names wins; no signal means `{}`):",
        p.stages[0].name
    )?;
    let width = p.stages.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for stage in &p.stages {
        writeln!(out, "  {:width$}  {}", stage.name, stage.description)?;
        let pad = " ".repeat(width + 4);
        let s = &stage.signals;
        let mut signals: Vec<String> = Vec::new();
        signals.extend(s.labels.iter().map(|l| format!("label `{l}`")));
        signals.extend(
            s.trailer
                .iter()
                .map(|v| format!("trailer `{}: {v}`", p.signals.trailer)),
        );
        if let Some(kind) = s.tag {
            signals.push(format!("a {} release tag on head", kind_words(kind)));
        }
        if let Some(kind) = s.version {
            signals.push(match kind {
                VersionKind::Stable => {
                    "a manifest version bumped to a greater stable one".to_owned()
                }
                VersionKind::Prerelease => "a manifest version bumped to a pre-release".to_owned(),
            });
        }
        signals.extend(
            s.flag_stage
                .iter()
                .map(|f| format!("a flag whose stage becomes `{f}`")),
        );
        if signals.is_empty() {
            writeln!(out, "{pad}named by: no signal")?;
        } else {
            writeln!(out, "{pad}named by: {}", signals.join("; "))?;
        }
        if !stage.require.is_empty() {
            writeln!(out, "{pad}requires: {}", stage.require.join(", "))?;
        }
        if !stage.warn.is_empty() {
            writeln!(out, "{pad}warns:    {}", stage.warn.join(", "))?;
        }
        if stage.require.is_empty() && stage.warn.is_empty() {
            writeln!(out, "{pad}requires nothing")?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "requirements (any one piece of evidence satisfies one; deleted files and files merely moved never count):"
    )?;
    let width = p.requirements.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in &p.requirements {
        writeln!(out, "  {:width$}  {}", r.id, r.description)?;
        let text = r.hint.clone().unwrap_or_else(|| hint(&r.evidence, p));
        writeln!(out, "  {:width$}  evidence: {text}", "")?;
    }
    writeln!(out)?;
    settings(out, p)?;
    packages(out, p)?;
    if !builtin_alone {
        writeln!(out)?;
        writeln!(out, "where each value comes from:")?;
        let values = provenance(&c.tree);
        let width = values.iter().map(|(k, _, _)| k.len()).max().unwrap_or(0);
        for (key, file, line) in values {
            let origin = c.chain.get(usize::from(file)).map_or("?", String::as_str);
            writeln!(out, "  {key:width$}  {origin}:{line}")?;
        }
    }
    Ok(())
}

/// The settings, one to a line, their values lined up.
fn settings(out: &mut String, p: &Policy) -> std::fmt::Result {
    writeln!(
        out,
        "release tags:  tags matching `{}` whose `version` group is semver",
        p.signals.tag_pattern.as_str()
    )?;
    writeln!(out, "manifests:     {}", p.signals.manifests.join(", "))?;
    match &p.flag_registry.posthog {
        Some(posthog) => writeln!(
            out,
            "flag registry: {} (the key from POSTHOG_PERSONAL_API_KEY or the `posthog-api-key` input; asked only when a stage judges a named key or a flag call)",
            posthog.describe()
        )?,
        None => writeln!(
            out,
            "flag registry: {} (entry stages: {})",
            p.flag_registry.path,
            p.flag_registry.stages.join(", ")
        )?,
    }
    let webhook = match &p.notify.slack_webhook {
        Some(var) => format!("the `slack-webhook` input, SHIPGATE_SLACK_WEBHOOK or {var}"),
        None => "the `slack-webhook` input or SHIPGATE_SLACK_WEBHOOK".to_owned(),
    };
    writeln!(
        out,
        "heads-up:      one Slack message when a stage judges `marketing` and it is missing, once per pull request and stage, if {webhook} holds a webhook"
    )?;
    let o = &p.overrides;
    if o.enabled {
        let mut ways: Vec<String> = o.labels.iter().map(|l| format!("label `{l}`")).collect();
        ways.extend(
            o.trailers
                .iter()
                .map(|t| format!("trailer `{t}: <reason>`")),
        );
        ways.extend(o.authors.iter().map(|a| format!("author `{a}`")));
        writeln!(
            out,
            "overrides:     {} (turn blocked into overridden)",
            ways.join(", ")
        )?;
    } else {
        writeln!(out, "overrides:     off")?;
    }
    match p.drafts {
        Drafts::Warn => writeln!(
            out,
            "drafts:        warn (a draft pull request is judged and passes; its report says what would block)"
        ),
        Drafts::Judge => writeln!(
            out,
            "drafts:        judge (a draft is judged like any change)"
        ),
    }?;
    write_checks(out, p)
}

/// The handbook's checks: what each finds, and its level at each stage.
fn write_checks(out: &mut String, p: &Policy) -> std::fmt::Result {
    let c = &p.checks;
    writeln!(out)?;
    writeln!(
        out,
        "checks (findings at a file and a line; a `required` check with findings blocks, a `warn` one reports them; `shipgate:allow <id>` on a line keeps it out):"
    )?;
    let quoted = |patterns: &PathSet| {
        patterns
            .patterns()
            .map(|(p, _)| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let languages: Vec<&str> = c
        .leftovers
        .languages
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    for id in CheckId::ALL {
        let finds = match id {
            CheckId::Size => format!(
                "more than {} added + deleted lines (binary files and {} excluded patterns not counted)",
                c.size.max_lines,
                c.size.exclude.patterns().count()
            ),
            CheckId::IssueLink => format!(
                "no commit message or pull-request body matching one of {} patterns",
                c.issue_link.patterns.len()
            ),
            CheckId::Leftovers => format!(
                "an added line with a debug call, in {} files",
                languages.join(", ")
            ),
            CheckId::Tests => format!(
                "source files ({}) changed and no test file ({})",
                quoted(&c.tests.sources),
                quoted(&c.tests.tests)
            ),
            CheckId::FlagRefs => format!(
                "an added line calling a flag (one of {} patterns) that {} lacks{}",
                c.flag_refs.calls.len(),
                p.flag_registry.describe(),
                if p.flag_registry.posthog.is_some() {
                    ""
                } else {
                    " at head"
                }
            ),
            CheckId::Review => {
                "with a GitHub token: no reviewer requested and no review by anyone but the author"
                    .to_owned()
            }
        };
        let levels: Vec<String> = p
            .stages
            .iter()
            .map(|s| format!("{} {}", s.name, level_word(c.level(id, &s.name))))
            .collect();
        writeln!(out, "  {:10}  {}", name(&id), id.description())?;
        writeln!(out, "  {:10}  finds: {finds}", "")?;
        writeln!(out, "  {:10}  level: {}", "", levels.join(", "))?;
    }
    Ok(())
}

fn level_word(level: CheckLevel) -> &'static str {
    match level {
        CheckLevel::Off => "off",
        CheckLevel::Warn => "warn",
        CheckLevel::Required => "required",
    }
}

/// The packages, when the policy has any: each with its folder, release tags, manifests
/// and flag registry, and what the root package is.
fn packages(out: &mut String, p: &Policy) -> std::fmt::Result {
    if p.packages.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "packages (each judged on its own; a file belongs to the package whose folder is its longest prefix):"
    )?;
    let width = p
        .packages
        .iter()
        .map(|k| k.name.len())
        .max()
        .unwrap_or(0)
        .max(ROOT.len());
    let pad = " ".repeat(width + 4);
    for k in &p.packages {
        writeln!(out, "  {:width$}  {}", k.name, k.path)?;
        writeln!(
            out,
            "{pad}release tags: `{}`; manifests: {}; flag registry: {}",
            k.tag_pattern.as_str(),
            k.manifests.join(", "),
            match &k.flag_registry {
                Some(PackageRegistry::File(path)) => path.clone(),
                Some(PackageRegistry::PostHog(posthog)) => posthog.describe(),
                None => p.flag_registry.describe(),
            }
        )?;
    }
    writeln!(
        out,
        "  {ROOT:width$}  every file outside these folders, with the release tags, manifests and flag registry above"
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "a package is judged when the change touches it, or when a label `release:<stage>:<package>`, a trailer `{}: <stage> <package>, ...`, its release tag or a bump of its manifest names it; a signal without a name counts for every package the change touches; a stage named by a tag or a version bump is judged over the whole release since the package's previous release tag",
        p.signals.trailer
    )?;
    Ok(())
}

/// `explain --keys`: every key of a policy file, from the same text as the policy types'
/// doc comments.
pub(crate) fn keys() -> String {
    let mut out = String::from("policy file keys (.shipgate.yml):\n");
    for (key, doc) in crate::judge::policy::KEYS {
        let _ = writeln!(out, "\n  {key}\n      {doc}");
    }
    out
}

fn kind_words(kind: VersionKind) -> &'static str {
    match kind {
        VersionKind::Stable => "stable (v2.1.0)",
        VersionKind::Prerelease => "pre-release (v2.1.0-rc.1)",
    }
}
