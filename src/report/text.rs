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
use crate::judge::stage::Signal;
use crate::judge::verdict::{CheckStatus, Level, Report, Status, Verdict};
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
    writeln!(
        out,
        "{BOLD}stage{BOLD:#}    {} ({})",
        clean(&r.stage),
        clean(&r.stage_description)
    )?;
    if r.stage_signals.is_empty() {
        writeln!(out, "         {DIM}no release signal{DIM:#}")?;
    }
    for s in &r.stage_signals {
        writeln!(out, "         {}", signal(s))?;
    }
    for s in &r.other_signals {
        writeln!(
            out,
            "         {DIM}also {} (names {}){DIM:#}",
            signal(s),
            clean(&s.stage)
        )?;
    }
    let range = &r.range;
    writeln!(
        out,
        "{BOLD}range{BOLD:#}    {}..{}, {} commit{}, {} file{}",
        short(&range.base),
        short(&range.head),
        range.commits,
        plural(range.commits),
        range.files,
        plural(range.files)
    )?;
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

    if !r.requirements.is_empty() {
        writeln!(out)?;
        let width = r.requirements.iter().map(|q| q.id.len()).max().unwrap_or(0);
        for q in &r.requirements {
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
                        Level::Required if drafted(r) => "missing (blocks once ready for review)",
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
    }

    write_checks(out, r)?;

    if !r.notes.is_empty() {
        writeln!(out)?;
        for n in &r.notes {
            writeln!(out, "{YELLOW}note{YELLOW:#}: {}", clean(n))?;
        }
    }

    writeln!(out)?;
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
