//! The log of `--format github`: the lines of the text format, which the output boundary
//! defuses, then one workflow command (annotation) per finding, escaped exactly as
//! `@actions/core` escapes them after the same `\u{..}` escaping.

use std::borrow::Cow;
use std::fmt::Write as _;

use anyhow::Result;

use crate::escape::{lines_visible, visible};
use crate::judge::verdict::{
    CheckStatus, Level, PolicyChange, Report, RequirementResult, Status, Verdict,
};
use crate::names::name;
use crate::report::output::{Command, Output, Stream};
use crate::report::text::{drafted, drafted_package};

/// Annotation messages and titles are for reading at a glance; the full text is in the
/// log lines above them and in the summary.
const ANNOTATION_FIELD_CHARS: usize = 2_000;

/// What `shipgate check --format github` prints to stdout: the people-readable report (the
/// same lines as the text format, which `out` defuses so that none can start a workflow
/// command), then one annotation per finding ([`commands`]).
pub(crate) fn write(report: &Report, out: &mut Output<'_>) -> Result<()> {
    out.print(&crate::report::text::render(report))?;
    for command in commands(report) {
        out.command(Stream::Stdout, &command)?;
    }
    Ok(())
}

/// The annotations for a report, in order.
///
/// An `error` for each missing required requirement; a `warning` for each missing
/// warn-level one; when the gate was overridden, the missing required ones are `warning`s
/// (they did not stop the run) plus one `warning` naming the override; an `error` for each
/// problem of a policy file that the change breaks, located at the file, line and column
/// when the problem says where. A pass gets no annotation: annotations mark what needs
/// attention, and a pass needs none; its verdict is in the log, the summary and the
/// `verdict` output.
pub(crate) fn commands(report: &Report) -> Vec<Command> {
    annotations(report)
        .iter()
        .map(Annotation::command)
        .collect()
}

/// An `::error` command for an error that stopped the run (exit 2), so that it shows on
/// the run's page and not only in the log.
pub(crate) fn error_command(message: &str) -> Command {
    Annotation::new("error", "shipgate could not decide", lines_visible(message)).command()
}

/// A `::notice` command for a run that had nothing to judge (a deleted branch or tag).
pub(crate) fn notice_command(message: &str) -> Command {
    Annotation::new("notice", "shipgate", lines_visible(message)).command()
}

/// An `::add-mask::` command: the runner hides `secret` in the log from then on.
pub(crate) fn mask_command(secret: &str) -> Command {
    Command {
        name: "add-mask",
        properties: Vec::new(),
        data: secret.to_owned(),
    }
}

/// A `::warning` command for a problem that did not stop the run (a comment that could not
/// be posted, say).
pub(crate) fn warning_command(message: &str) -> Command {
    Annotation::new("warning", "shipgate", lines_visible(message)).command()
}

/// One workflow command that shows as an annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Annotation {
    /// `error` or `warning`.
    pub(super) command: &'static str,
    pub(super) title: String,
    pub(super) file: Option<Location>,
    pub(super) message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Location {
    pub(super) path: String,
    /// `None` for an annotation on a whole file.
    pub(super) line: Option<u64>,
    pub(super) column: Option<u64>,
}

impl Annotation {
    fn new(command: &'static str, title: impl Into<String>, message: String) -> Annotation {
        // The runner trims whitespace around the property list, and the title can be last
        // in it: text that ends the title with a space would lose it.
        let mut title = title.into();
        title.truncate(title.trim_end().len());
        Annotation {
            command,
            title,
            file: None,
            message,
        }
    }

    /// The properties in the order `@actions/core` writes them. The title goes first: the
    /// runner trims whitespace around the whole property list and drops leading `=` from a
    /// value, and a title always starts with `shipgate`, while a path could start with
    /// either.
    pub(super) fn properties(&self) -> Vec<(&'static str, String)> {
        let mut props = vec![("title", self.title.clone())];
        if let Some(loc) = &self.file {
            props.push(("file", loc.path.clone()));
            if let Some(line) = loc.line {
                props.push(("line", line.to_string()));
                if let Some(col) = loc.column {
                    props.push(("col", col.to_string()));
                }
            }
        }
        props
    }

    fn command(&self) -> Command {
        Command {
            name: self.command,
            properties: self.properties(),
            data: self.message.clone(),
        }
    }
}

pub(super) fn annotations(r: &Report) -> Vec<Annotation> {
    let mut out = Vec::new();
    let overridden = r.verdict == Verdict::Overridden;
    if r.has_packages() {
        for p in &r.packages {
            // The root package's findings read as they do without packages.
            let package = if p.is_root() {
                String::new()
            } else {
                format!("{}: ", capped(&p.name))
            };
            let drafted = drafted_package(r, p);
            let stage = capped(&p.stage_description);
            for q in p
                .requirements
                .iter()
                .filter(|q| q.status == Status::Missing)
            {
                out.push(missing_annotation(
                    q,
                    &format!("{package}{}", capped(&q.id)),
                    &stage,
                    (overridden, drafted),
                ));
            }
        }
    } else {
        let stage = capped(&r.stage_description);
        for q in r
            .requirements
            .iter()
            .filter(|q| q.status == Status::Missing)
        {
            out.push(missing_annotation(
                q,
                &capped(&q.id),
                &stage,
                (overridden, drafted(r)),
            ));
        }
    }
    if overridden {
        let stage = capped(&r.stage_description);
        let reason = r
            .override_
            .as_ref()
            .map_or(Cow::Borrowed("no reason recorded"), |o| capped(&o.reason));
        let missing = missing_ids(r)
            .iter()
            .map(|id| capped(id).into_owned())
            .collect::<Vec<_>>()
            .join(", ");
        out.push(Annotation::new(
            "warning",
            "shipgate: gate overridden",
            format!("{stage} needs {missing}, but the gate was overridden: {reason}"),
        ));
    }
    if let Some(changed) = r.policy.as_ref().and_then(|p| p.changed.as_ref())
        && changed.status != "deleted"
        && !changed.valid
    {
        out.extend(policy_annotations(changed));
    }
    out.extend(check_annotations(r));
    within_shown(out)
}

/// GitHub shows at most this many annotations of each kind (`error`, `warning`) per step,
/// and drops the others from the run's page.
pub(super) const SHOWN_PER_KIND: usize = 10;

/// One annotation per finding of a check, at its file and line when it has them: an
/// `error` for a required check that blocks, a `warning` for one that warns or whose
/// block was overridden.
fn check_annotations(r: &Report) -> Vec<Annotation> {
    let overridden = r.verdict == Verdict::Overridden;
    let mut out = Vec::new();
    for c in r
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Findings)
    {
        let id = name(&c.id);
        let (command, title) = match (c.level, overridden) {
            (Level::Required, false) => ("error", format!("shipgate: {id}")),
            (Level::Required, true) => ("warning", format!("shipgate: {id} (overridden)")),
            (Level::Warn, _) => ("warning", format!("shipgate: {id} (not blocking)")),
        };
        for f in &c.findings {
            let file = f
                .path
                .as_deref()
                .filter(|p| f.path_exact && annotatable(p))
                .map(|path| Location {
                    path: path.to_owned(),
                    line: f.line.map(u64::from),
                    column: None,
                });
            // Without a file to show it at, the message says where it is.
            let place = match (&f.path, f.line, &file) {
                (Some(path), Some(line), None) => format!("{}:{line}: ", capped(path)),
                (Some(path), None, None) => format!("{}: ", capped(path)),
                _ => String::new(),
            };
            out.push(Annotation {
                file,
                ..Annotation::new(
                    command,
                    title.clone(),
                    format!("{place}{}", capped(&f.message)),
                )
            })
        }
    }
    out
}

/// Whether `path` can be an annotation's `file` as it is: the runner drops a leading `=`
/// from a property value and trims whitespace around it, and a path that `visible`
/// escapes names another file.
fn annotatable(path: &str) -> bool {
    !path.is_empty() && !path.starts_with('=') && path.trim() == path && visible(path) == path
}

/// At most [`SHOWN_PER_KIND`] annotations of each kind, in order: past that, the last one
/// of the kind says how many more there are, which the step summary lists.
fn within_shown(all: Vec<Annotation>) -> Vec<Annotation> {
    let count = |kind: &str| all.iter().filter(|a| a.command == kind).count();
    let over: Vec<(&'static str, usize)> = ["error", "warning"]
        .into_iter()
        .map(|kind| (kind, count(kind)))
        .filter(|(_, n)| *n > SHOWN_PER_KIND)
        .collect();
    if over.is_empty() {
        return all;
    }
    let mut kept = Vec::with_capacity(all.len());
    let mut taken = [0usize; 2];
    for a in all {
        let Some(i) = over.iter().position(|(kind, _)| *kind == a.command) else {
            kept.push(a);
            continue;
        };
        taken[i] += 1;
        if taken[i] < SHOWN_PER_KIND {
            kept.push(a);
        } else if taken[i] == SHOWN_PER_KIND {
            let (kind, n) = over[i];
            let more = n - (SHOWN_PER_KIND - 1);
            kept.push(Annotation::new(
                kind,
                format!("shipgate: {more} more {kind}s"),
                format!(
                    "GitHub shows {SHOWN_PER_KIND} annotations of a kind per step; the step summary and the log above list all {n}"
                ),
            ));
        }
    }
    kept
}

/// The annotation of a missing requirement, `id` as the title shows it (`web: docs`).
fn missing_annotation(
    q: &RequirementResult,
    id: &str,
    stage: &str,
    (overridden, drafted): (bool, bool),
) -> Annotation {
    let (command, title) = match (q.level, overridden) {
        (Level::Required, false) if drafted => (
            "warning",
            format!("shipgate: {id} missing for {stage} (draft: blocks once ready for review)"),
        ),
        (Level::Required, false) => ("error", format!("shipgate: {id} missing for {stage}")),
        (Level::Required, true) => (
            "warning",
            format!("shipgate: {id} missing for {stage} (overridden)"),
        ),
        (Level::Warn, _) => (
            "warning",
            format!("shipgate: {id} missing for {stage} (not blocking)"),
        ),
    };
    let mut message = capped(&q.description).into_owned();
    if let Some(hint) = &q.hint {
        let _ = write!(message, "\nto satisfy: {}", capped(hint));
    }
    Annotation::new(command, title, message)
}

/// The missing required requirements, as the `missing` output lists them: the root
/// package's by id, another package's as `<package>/<id>` (SPEC §12).
pub(super) fn missing_ids(r: &Report) -> Vec<String> {
    if !r.has_packages() {
        return missing_required(r).map(|q| q.id.clone()).collect();
    }
    let mut ids = Vec::new();
    for p in &r.packages {
        for q in p.requirements.iter().filter(|q| q.missing_required()) {
            ids.push(if p.is_root() {
                q.id.clone()
            } else {
                format!("{}/{}", p.name, q.id)
            });
        }
    }
    ids
}

/// A policy file that the change breaks is not applied to this change (the policy comes
/// from the base), but every run after the merge would stop with these errors, so they
/// are errors on the lines that cause them.
fn policy_annotations(changed: &PolicyChange) -> Vec<Annotation> {
    let title = format!("shipgate: this change breaks {}", capped(&changed.path));
    let tail = "the policy in force comes from the base, so this change is still checked; \
                after merging, shipgate would stop with this error";
    if changed.errors.is_empty() {
        return vec![Annotation::new(
            "error",
            title,
            format!("the policy is not valid\n{tail}"),
        )];
    }
    changed
        .errors
        .iter()
        .map(|e| {
            // Located on the line, the problem need not repeat where it is.
            let (file, problem) = match locate(&changed.path, e) {
                Some((at, problem)) => (Some(at), problem),
                None => (None, e.as_str()),
            };
            Annotation {
                file,
                ..Annotation::new(
                    "error",
                    title.clone(),
                    format!("{}\n{tail}", capped(problem)),
                )
            }
        })
        .collect()
}

/// Reads `path[@commit]:line[:column]: problem`, the way a policy problem names its
/// place, into the place and the problem.
pub(super) fn locate<'e>(path: &str, error: &'e str) -> Option<(Location, &'e str)> {
    // The runner drops leading `=` from a property value, and a path with a character that
    // `visible` escapes would name a different file.
    if path.is_empty() || path.starts_with('=') || visible(path) != path {
        return None;
    }
    let mut rest = error.strip_prefix(path)?;
    if let Some(after) = rest.strip_prefix('@') {
        let hex = after.bytes().take_while(u8::is_ascii_hexdigit).count();
        if hex == 0 {
            return None;
        }
        rest = &after[hex..];
    }
    let (line, rest) = number(rest.strip_prefix(':')?)?;
    let (column, rest) = match rest.strip_prefix(':').and_then(number) {
        Some((column, rest)) => (Some(column), rest),
        None => (None, rest),
    };
    let problem = rest.strip_prefix(": ")?;
    Some((
        Location {
            path: path.to_owned(),
            line: Some(line),
            column,
        },
        problem,
    ))
}

/// A positive decimal number at the start of `s`, and what follows it.
fn number(s: &str) -> Option<(u64, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let n = s[..digits].parse::<u64>().ok().filter(|n| *n > 0)?;
    Some((n, &s[digits..]))
}

/// [`visible`], cut to a length that an annotation can show.
pub(super) fn capped(s: &str) -> Cow<'_, str> {
    let v = visible(head(s, ANNOTATION_FIELD_CHARS));
    match v.char_indices().nth(ANNOTATION_FIELD_CHARS) {
        Some((at, _)) => Cow::Owned(format!("{}…", &v[..at])),
        None => v,
    }
}

/// The first `n + 1` characters of `s`: enough to tell whether `n` of them, or anything
/// made from at least one byte per character, is all of it.
pub(super) fn head(s: &str, n: usize) -> &str {
    s.char_indices().nth(n + 1).map_or(s, |(at, _)| &s[..at])
}

pub(super) fn missing_required(r: &Report) -> impl Iterator<Item = &RequirementResult> {
    r.requirements.iter().filter(|q| q.missing_required())
}
