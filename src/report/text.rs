//! `--format text`: the report for people.
//!
//! The renderer always emits styles; the stream it is written to (anstream) drops them
//! when the output is not a terminal or `NO_COLOR` is set. Text from the change is
//! passed through [`clean`] so that a commit message cannot move the cursor or recolour
//! the terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use crate::judge::change::short_id as short;
use crate::judge::stage::{Signal, SignalSource};
use crate::judge::verdict::{
    CheckStatus, Level, PackageReport, RangeInfo, RangeKind, Report, RequirementResult, Status,
    Verdict,
};
use crate::names::name;

const BOLD: Style = Style::new().bold();
const GREEN: Style = AnsiColor::Green.on_default();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const DIM: Style = Style::new().dimmed();

/// At most this many pieces of evidence are listed per requirement; JSON has them all.
const EVIDENCE_SHOWN: usize = 3;

/// At most this many findings are listed per check; JSON has them all.
const FINDINGS_SHOWN: usize = 20;

pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = write_report(&mut out, report);
    out
}

fn write_report(out: &mut String, r: &Report) -> std::fmt::Result {
    write_stage(
        out,
        (&r.stage, &r.stage_description),
        &r.stage_signals,
        &r.other_signals,
    )?;
    let range = &r.range;
    writeln!(out, "{BOLD}range{BOLD:#}    {}", span(range))?;
    // Without packages, the root's requirements are the report's: say when they were
    // judged over a whole release rather than the change.
    if !r.has_packages()
        && let Some(root) = r.packages.first()
        && let Some(line) = release_line(&root.range, &root.stage_signals)
    {
        writeln!(out, "         {line}")?;
    }
    if let Some(policy) = &r.policy {
        write!(out, "{BOLD}policy{BOLD:#}   {}", clean(&policy.source))?;
        // Why this policy and not another: the change never brings its own.
        if !policy.reason.is_empty() {
            write!(out, " ({})", clean(&policy.reason))?;
        }
        writeln!(out)?;
        if let Some(parents) = policy.extends() {
            writeln!(out, "         extends {}", clean(&parents.join(" -> ")))?;
        }
        if let Some(changed) = &policy.changed {
            if changed.status == "deleted" {
                writeln!(
                    out,
                    "         {YELLOW}this change removes {}; it applies until the change is merged{YELLOW:#}",
                    clean(&changed.path)
                )?;
            } else if changed.valid {
                writeln!(
                    out,
                    "         {YELLOW}this change edits {}: valid; it applies from the next change on{YELLOW:#}",
                    clean(&changed.path)
                )?;
            } else {
                writeln!(
                    out,
                    "         {RED}this change edits {} and breaks it; after merging, shipgate would stop with an error:{RED:#}",
                    clean(&changed.path)
                )?;
                for e in &changed.errors {
                    writeln!(out, "           {}", clean(e))?;
                }
            }
        }
    }

    if let Some(o) = &r.override_ {
        writeln!(out, "{BOLD}override{BOLD:#} {}", clean(&o.reason))?;
    }

    if r.has_packages() {
        for p in &r.packages {
            write_package(out, r, p)?;
        }
    } else if !r.requirements.is_empty() {
        writeln!(out)?;
        write_requirements(out, &r.requirements, drafted(r))?;
    }

    write_checks(out, r)?;

    if !r.notes.is_empty() {
        writeln!(out)?;
        for n in &r.notes {
            writeln!(out, "{YELLOW}note{YELLOW:#}: {}", clean(n))?;
        }
    }

    writeln!(out)?;
    if r.has_packages() {
        return write_verdict_of_packages(out, r);
    }
    let missing: Vec<&str> = r.missing_required().map(|q| q.id.as_str()).collect();
    let warnings = r.warnings();
    let needs = || clean(&needs(r, &missing)).into_owned();
    // No commits means no files either (three dots): say why it passes.
    let nothing = r.range.commits == 0 && r.range.files == 0;
    match r.verdict {
        Verdict::Pass if drafted(r) => writeln!(
            out,
            "{GREEN}pass{GREEN:#} (draft): {} would be blocked: it {}; a draft passes until it is marked ready for review",
            clean(&r.stage_description),
            needs()
        )?,
        Verdict::Pass if nothing && warnings == 0 => writeln!(
            out,
            "{GREEN}pass{GREEN:#}: nothing to judge (no commits, no files)"
        )?,
        Verdict::Pass if warnings > 0 => writeln!(
            out,
            "{GREEN}pass{GREEN:#}: {} may ship ({warnings} warning{})",
            clean(&r.stage_description),
            plural(warnings)
        )?,
        Verdict::Pass => writeln!(
            out,
            "{GREEN}pass{GREEN:#}: {} may ship",
            clean(&r.stage_description)
        )?,
        Verdict::Blocked => writeln!(
            out,
            "{RED}blocked{RED:#}: {} {}",
            clean(&r.stage_description),
            needs()
        )?,
        Verdict::Overridden => {
            let o = r
                .override_
                .as_ref()
                .expect("an overridden report has an override");
            writeln!(
                out,
                "{YELLOW}overridden{YELLOW:#}: {} {}, but the gate was overridden: {}",
                clean(&r.stage_description),
                needs(),
                clean(&o.reason)
            )?;
        }
    }
    Ok(())
}

fn write_stage(
    out: &mut String,
    (stage, description): (&str, &str),
    deciding: &[Signal],
    other: &[Signal],
) -> std::fmt::Result {
    writeln!(
        out,
        "{BOLD}stage{BOLD:#}    {} ({})",
        clean(stage),
        clean(description)
    )?;
    if deciding.is_empty() {
        writeln!(out, "         {DIM}no release signal{DIM:#}")?;
    }
    for s in deciding {
        writeln!(out, "         {}", signal(s))?;
    }
    for s in other {
        writeln!(
            out,
            "         {DIM}also {} (names {}){DIM:#}",
            signal(s),
            clean(&s.stage)
        )?;
    }
    Ok(())
}

/// One line per requirement: satisfied with its evidence, or missing with what would
/// satisfy it. `drafted`: a draft that passes for being one, whose missing required
/// requirements block once it is ready for review.
fn write_requirements(
    out: &mut String,
    requirements: &[RequirementResult],
    drafted: bool,
) -> std::fmt::Result {
    let width = requirements.iter().map(|q| q.id.len()).max().unwrap_or(0);
    for q in requirements {
        let (mark, style) = match (q.status, q.level) {
            (Status::Satisfied, _) => ("ok  ", GREEN),
            (Status::Missing, Level::Required) => ("FAIL", RED),
            (Status::Missing, Level::Warn) => ("warn", YELLOW),
        };
        write!(out, "  {style}{mark}{style:#}  {:width$}  ", clean(&q.id))?;
        match q.status {
            Status::Satisfied => {
                let shown: Vec<String> = q
                    .evidence
                    .iter()
                    .take(EVIDENCE_SHOWN)
                    .map(|e| format!("{} {}", name(&e.source), clean(&e.detail)))
                    .collect();
                write!(out, "{}", shown.join("; "))?;
                if q.evidence.len() > EVIDENCE_SHOWN {
                    write!(
                        out,
                        " {DIM}(+{} more){DIM:#}",
                        q.evidence.len() - EVIDENCE_SHOWN
                    )?;
                }
                writeln!(out)?;
            }
            Status::Missing => {
                let what = match q.level {
                    Level::Required if drafted => "missing (blocks once ready for review)",
                    Level::Required => "missing",
                    Level::Warn => "missing (not blocking)",
                };
                writeln!(out, "{what}: {}", clean(&q.description))?;
                if let Some(hint) = &q.hint {
                    writeln!(
                        out,
                        "  {:width$}        {DIM}to satisfy:{DIM:#} {}",
                        "",
                        clean(hint)
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// One package: its verdict, stage and signals, the range its requirements were judged
/// over and why, and the requirements.
fn write_package(out: &mut String, r: &Report, p: &PackageReport) -> std::fmt::Result {
    writeln!(out)?;
    let (verdict, style) = match p.verdict {
        Verdict::Pass => ("pass", GREEN),
        Verdict::Blocked => ("blocked", RED),
        Verdict::Overridden => ("overridden", YELLOW),
    };
    let folder = if p.is_root() {
        "files outside every package".into()
    } else {
        clean(&p.path)
    };
    writeln!(
        out,
        "{BOLD}package{BOLD:#}  {} ({folder}): {style}{verdict}{style:#}",
        clean(&p.name)
    )?;
    write_stage(
        out,
        (&p.stage, &p.stage_description),
        &p.stage_signals,
        &p.other_signals,
    )?;
    match release_line(&p.range, &p.stage_signals) {
        Some(line) => writeln!(out, "{BOLD}range{BOLD:#}    {line}")?,
        None => writeln!(out, "{BOLD}range{BOLD:#}    the change")?,
    }
    if !p.requirements.is_empty() {
        writeln!(out)?;
        write_requirements(out, &p.requirements, drafted_package(r, p))?;
    }
    Ok(())
}

/// For a range that is a whole release (SPEC §13): which release, why, and what it holds.
pub(crate) fn release_line(range: &RangeInfo, signals: &[Signal]) -> Option<String> {
    if range.kind != RangeKind::Release {
        return None;
    }
    let since = match &range.previous_release {
        Some(tag) => format!("since {}", clean(tag)),
        None => "since the first commit (a first release)".to_owned(),
    };
    let why = release_reason(signals);
    Some(format!("the whole release {since}{why}: {}", span(range)))
}

/// `base..head, N commits, M files`.
fn span(range: &RangeInfo) -> String {
    format!(
        "{}..{}, {} commit{}, {} file{}",
        short(&range.base),
        short(&range.head),
        range.commits,
        plural(range.commits),
        range.files,
        plural(range.files)
    )
}

/// Why a package's requirements were judged over its whole release: the kind of signal
/// that named its stage.
pub(crate) fn release_reason(signals: &[Signal]) -> &'static str {
    let by = |source| signals.iter().any(|s| s.source == source);
    match (by(SignalSource::Tag), by(SignalSource::Version)) {
        (true, true) => ", as a tag and a version bump name the stage",
        (true, false) => ", as a tag names the stage",
        (false, true) => ", as a version bump names the stage",
        (false, false) => "",
    }
}

/// The verdict line of a report with packages: the packages that decide it.
fn write_verdict_of_packages(out: &mut String, r: &Report) -> std::fmt::Result {
    let needs = |p: &PackageReport| {
        let missing: Vec<&str> = p.missing_required().map(|q| q.id.as_str()).collect();
        format!(
            "{} ({}) needs {}",
            package_name(p),
            clean(&p.stage_description),
            clean(&missing.join(", "))
        )
    };
    let blocking: Vec<String> = r
        .packages
        .iter()
        .filter(|p| p.missing_required().next().is_some())
        .map(needs)
        .chain(
            // The required checks with findings are the change's as a whole.
            Some(r.blocking_checks().map(|c| name(&c.id)).collect::<Vec<_>>())
                .filter(|ids| !ids.is_empty())
                .map(|ids| {
                    format!(
                        "the change has findings of required checks: {}",
                        ids.join(", ")
                    )
                }),
        )
        .collect();
    match r.verdict {
        Verdict::Pass if !blocking.is_empty() => writeln!(
            out,
            "{GREEN}pass{GREEN:#} (draft): {}; a draft passes until it is marked ready for review",
            blocking.join("; ")
        ),
        Verdict::Pass => {
            let shipping: Vec<String> = r
                .packages
                .iter()
                .map(|p| {
                    format!(
                        "{} ({}){}",
                        package_name(p),
                        clean(&p.stage_description),
                        warned(p.warnings())
                    )
                })
                .collect();
            writeln!(
                out,
                "{GREEN}pass{GREEN:#}: {} may ship",
                shipping.join(", ")
            )
        }
        Verdict::Blocked => writeln!(out, "{RED}blocked{RED:#}: {}", blocking.join("; ")),
        Verdict::Overridden => {
            let reason = r.override_.as_ref().map_or("", |o| o.reason.as_str());
            writeln!(
                out,
                "{YELLOW}overridden{YELLOW:#}: {}, but the gate was overridden: {}",
                blocking.join("; "),
                clean(reason)
            )
        }
    }
}

/// ` (N warnings)` after what may ship, or nothing.
pub(crate) fn warned(warnings: usize) -> String {
    if warnings > 0 {
        format!(" ({warnings} warning{})", plural(warnings))
    } else {
        String::new()
    }
}

/// How a verdict line names a package: by its name, the root package in words.
fn package_name(p: &PackageReport) -> Cow<'_, str> {
    if p.is_root() {
        Cow::Borrowed("the root package")
    } else {
        clean(&p.name)
    }
}

/// A package of a draft that passes only for being a draft.
pub(crate) fn drafted_package(r: &Report, p: &PackageReport) -> bool {
    r.draft
        && p.verdict == Verdict::Pass
        && p.requirements
            .iter()
            .any(RequirementResult::missing_required)
}

/// A draft that passes only for being a draft (`drafts: warn`): what is missing would
/// block it.
pub(crate) fn drafted(r: &Report) -> bool {
    r.draft
        && r.verdict == Verdict::Pass
        && (r.missing_required().next().is_some() || r.blocking_checks().next().is_some())
}

/// What blocks: "needs template, marketing", "has findings of required checks: leftovers",
/// or both.
pub(crate) fn needs(r: &Report, missing: &[&str]) -> String {
    let checks: Vec<&str> = r.blocking_checks().map(|c| name(&c.id)).collect();
    match (missing.is_empty(), checks.is_empty()) {
        (_, true) => format!("needs {}", missing.join(", ")),
        (true, false) => format!("has findings of required checks: {}", checks.join(", ")),
        (false, false) => format!(
            "needs {}, and has findings of required checks: {}",
            missing.join(", "),
            checks.join(", ")
        ),
    }
}

/// The checks, one line each (its findings, or what it says), then each finding on a line
/// of its own: `path:line: message`.
fn write_checks(out: &mut String, r: &Report) -> std::fmt::Result {
    if r.checks.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{BOLD}checks{BOLD:#}   the handbook's small rules")?;
    let width = r
        .checks
        .iter()
        .map(|c| name(&c.id).len())
        .max()
        .unwrap_or(0);
    for c in &r.checks {
        let (mark, style) = match (c.status, c.level, c.looked) {
            (CheckStatus::Ok, _, false) => ("--  ", DIM),
            (CheckStatus::Ok, _, true) => ("ok  ", GREEN),
            (CheckStatus::Findings, Level::Required, _) => ("FAIL", RED),
            (CheckStatus::Findings, Level::Warn, _) => ("warn", YELLOW),
        };
        write!(out, "  {style}{mark}{style:#}  {:width$}  ", name(&c.id))?;
        match c.status {
            CheckStatus::Ok => writeln!(
                out,
                "{}",
                clean(c.note.as_deref().unwrap_or(&c.description))
            )?,
            CheckStatus::Findings => {
                let n = c.findings.len();
                writeln!(
                    out,
                    "{n} finding{}{}: {}",
                    plural(n),
                    if c.level == Level::Warn {
                        " (not blocking)"
                    } else {
                        ""
                    },
                    clean(&c.description)
                )?;
                let pad = " ".repeat(width + 10);
                for f in c.findings.iter().take(FINDINGS_SHOWN) {
                    write!(out, "{pad}")?;
                    match (&f.path, f.line) {
                        (Some(path), Some(line)) => write!(out, "{}:{line}: ", clean(path))?,
                        (Some(path), None) => write!(out, "{}: ", clean(path))?,
                        _ => {}
                    }
                    writeln!(out, "{}", clean(&f.message))?;
                }
                if n > FINDINGS_SHOWN {
                    writeln!(
                        out,
                        "{pad}{DIM}(+{} more; --format json lists them all){DIM:#}",
                        n - FINDINGS_SHOWN
                    )?;
                }
                if let Some(note) = &c.note {
                    writeln!(out, "{pad}{DIM}{}{DIM:#}", clean(note))?;
                }
            }
        }
    }
    Ok(())
}

fn signal(s: &Signal) -> String {
    match &s.commit {
        Some(c) => format!(
            "{} {} (commit {})",
            name(&s.source),
            clean(&s.detail),
            short(c)
        ),
        None => format!("{} {}", name(&s.source), clean(&s.detail)),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// An error that stopped a command, with its causes, as `error: ...` lines for people.
/// Messages quote text from the change (trailer values, flag keys, ref names), so each
/// line is escaped like a report line.
pub(crate) fn error(error: &anyhow::Error) -> String {
    let message = crate::error::message(error);
    let lines: Vec<_> = message.lines().map(clean).collect();
    format!("error: {}\n", lines.join("\n"))
}

/// Text from the change with every character that cannot be seen, or that a terminal or
/// a runner would act on, shown as a `\u{..}` escape: controls (escape sequences,
/// carriage returns, line feeds), bidi controls, zero-width and other invisible
/// characters, U+2028/U+2029 and U+FEFF ([`crate::escape::hidden`]).
pub(crate) fn clean(s: &str) -> Cow<'_, str> {
    crate::escape::visible(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_escapes_terminal_controls() {
        assert_eq!(clean("plain"), "plain");
        assert_eq!(clean("a\x1b[31mred\r\n"), "a\\u{1b}[31mred\\u{d}\\u{a}");
        assert_eq!(clean("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(
            clean("a\u{2028}b\u{feff}c\u{200b}d\u{85}"),
            "a\\u{2028}b\\u{feff}c\\u{200b}d\\u{85}"
        );
    }
}
