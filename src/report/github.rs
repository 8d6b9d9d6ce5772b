//! `--format github`: the report for a GitHub Actions run (SPEC §9).
//!
//! Four things leave here, each escaped for where it goes:
//!
//! - **The log** ([`write`]): the lines of the text format, then one workflow command
//!   (annotation) per finding. The runner reads every line of a step's output looking for
//!   commands; the lines go out as text through [`Output`], which defuses every line we did
//!   not mean as a command (see [`crate::output`]), and the annotations as [`Command`]s.
//!   Annotation titles and messages are escaped exactly as `@actions/core` does it
//!   (data: `%` `\r` `\n`; properties also `:` `,`), after the same `\u{..}` escaping.
//! - **Outputs** ([`outputs`]): `stage`, `verdict` and `missing` in the `GITHUB_OUTPUT`
//!   heredoc syntax, under a random delimiter that no value may contain.
//! - **The step summary** ([`summary`]) and **the pull-request comment** ([`comment`]):
//!   Markdown in which every piece of text from the change is inert, and reads as it was
//!   written. GitHub renders it with cmark-gfm, then sanitizes the HTML, then links
//!   mentions and issue references in its text:
//!   - every ASCII punctuation character becomes a numeric character reference, which
//!     Markdown and GFM never read as syntax (`|` cannot end a table cell, `<` cannot open
//!     a tag, `*` cannot emphasise). That also stops the autolinks that cmark-gfm finds in
//!     the source, at a `:` (`https://`) or a `www.`;
//!   - every `@` is a `<span>` of its own. cmark-gfm's email autolink runs after the
//!     references are decoded, on each run of text, inside `<code>` too, and links
//!     `ada@evil.example` and `mailto:ada@evil.example`; a run of text that holds only
//!     the `@` has no address in it. GitHub's sanitizer keeps `<span>`, which shows
//!     nothing of its own, so the text reads unchanged;
//!   - outside code, every `#` is such a `<span>` too: GitHub's mention and issue filters
//!     also read one run of text at a time (and none inside `<code>`), so a path like
//!     `@org/team` or `#12` neither pings anyone nor links an issue;
//!   - a space that starts a field is a reference: at the start of a list item, spaces
//!     would open an indented code block.
//!
//!   tests/markdown.rs renders both with cmark-gfm and compares the HTML's elements with
//!   those of the same report holding neutral text.
//!
//! Nothing here reads the environment or the clock, except [`delimiter`] (randomness for
//! the one value that must not be guessable) and [`write_files`] (the two files it is
//! given).

#[cfg(test)]
pub(crate) mod runner;

use std::borrow::Cow;
use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};

#[cfg(test)]
use crate::escape::{defuse, hidden, strip_styles};
use crate::escape::{lines_visible, visible};
use crate::judge::change::short_id as short;
use crate::judge::stage::Signal;
use crate::judge::verdict::{
    EvidenceItem, Level, OverrideSource, PolicyChange, Report, RequirementResult, Status, Verdict,
};
use crate::output::{Command, Output, Stream};
#[cfg(test)]
use crate::output::{escape_data, escape_property};

/// The first line of the sticky pull-request comment, by which the comment is found again.
/// Text from the change cannot produce it: `<` and `!` are always escaped in the body.
pub const COMMENT_MARKER: &str = "<!-- shipgate:report -->";

/// GitHub refuses a step summary file larger than 1 MiB (the runner's
/// `CreateStepSummaryCommand.AttachmentSizeLimit`); [`summary`] stays below it.
pub const SUMMARY_LIMIT: usize = 1024 * 1024;

/// GitHub refuses a comment body of 65,536 characters or more. [`comment`] counts bytes,
/// which are never fewer than characters or UTF-16 units, so it is under however GitHub
/// counts.
pub const COMMENT_LIMIT: usize = 65_536;

/// Annotation messages and titles are for reading at a glance; the full text is in the
/// log lines above them and in the summary.
const ANNOTATION_FIELD_CHARS: usize = 2_000;

// ---------------------------------------------------------------------------------------
// The log: people-readable lines, then annotations.

/// What `shipgate check --format github` prints to stdout: the people-readable report (the
/// same lines as the text format, which `out` defuses so that none can start a workflow
/// command), then one annotation per finding ([`commands`]).
pub fn write(report: &Report, out: &mut Output<'_>) -> Result<()> {
    out.print(&super::text::render(report))?;
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
pub fn commands(report: &Report) -> Vec<Command> {
    annotations(report)
        .iter()
        .map(Annotation::command)
        .collect()
}

/// An `::error` command for an error that stopped the run (exit 2), so that it shows on
/// the run's page and not only in the log.
pub fn error_command(message: &str) -> Command {
    Annotation::new("error", "shipgate could not decide", lines_visible(message)).command()
}

/// A `::notice` command for a run that had nothing to judge (a deleted branch or tag).
pub fn notice_command(message: &str) -> Command {
    Annotation::new("notice", "shipgate", lines_visible(message)).command()
}

/// A `::warning` command for a problem that did not stop the run (a comment that could not
/// be posted, say).
pub fn warning_command(message: &str) -> Command {
    Annotation::new("warning", "shipgate", lines_visible(message)).command()
}

/// One workflow command that shows as an annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Annotation {
    /// `error` or `warning`.
    command: &'static str,
    title: String,
    file: Option<Location>,
    message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Location {
    path: String,
    line: u64,
    column: Option<u64>,
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
    fn properties(&self) -> Vec<(&'static str, String)> {
        let mut props = vec![("title", self.title.clone())];
        if let Some(loc) = &self.file {
            props.push(("file", loc.path.clone()));
            props.push(("line", loc.line.to_string()));
            if let Some(col) = loc.column {
                props.push(("col", col.to_string()));
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

fn annotations(r: &Report) -> Vec<Annotation> {
    let mut out = Vec::new();
    let overridden = r.verdict == Verdict::Overridden;
    let stage = capped(&r.stage_description);
    for q in r
        .requirements
        .iter()
        .filter(|q| q.status == Status::Missing)
    {
        let id = capped(&q.id);
        let (command, title) = match (q.level, overridden) {
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
        out.push(Annotation::new(command, title, message));
    }
    if overridden {
        let reason = r
            .override_
            .as_ref()
            .map_or(Cow::Borrowed("no reason recorded"), |o| capped(&o.reason));
        let missing = missing_required(r)
            .map(|q| capped(&q.id).into_owned())
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
    out
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
fn locate<'e>(path: &str, error: &'e str) -> Option<(Location, &'e str)> {
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
            line,
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
fn capped(s: &str) -> Cow<'_, str> {
    let v = visible(head(s, ANNOTATION_FIELD_CHARS));
    match v.char_indices().nth(ANNOTATION_FIELD_CHARS) {
        Some((at, _)) => Cow::Owned(format!("{}…", &v[..at])),
        None => v,
    }
}

/// The first `n + 1` characters of `s`: enough to tell whether `n` of them, or anything
/// made from at least one byte per character, is all of it.
fn head(s: &str, n: usize) -> &str {
    s.char_indices().nth(n + 1).map_or(s, |(at, _)| &s[..at])
}

fn missing_required(r: &Report) -> impl Iterator<Item = &RequirementResult> {
    r.requirements
        .iter()
        .filter(|q| q.level == Level::Required && q.status == Status::Missing)
}

// ---------------------------------------------------------------------------------------
// Outputs.

/// `stage`, `verdict` and `missing` in the `GITHUB_OUTPUT` heredoc syntax
/// (`name<<DELIM\nvalue\nDELIM\n`), under `delimiter` (pass a fresh [`delimiter()`]).
///
/// `missing` is the comma-separated ids of the missing *required* requirements, in policy
/// order, also when the gate was overridden; it is empty for a pass. Warn-level ones are
/// left out: `missing` answers "what stops this release", and a warning stops nothing
/// (the summary and the annotations list them).
///
/// Refuses, like `@actions/core`, a name or value that contains the delimiter; and,
/// because all three outputs are single-line, a value with a line break (a Windows runner
/// would drop a `\r` before the delimiter line), or an id that is empty or holds the `,`
/// that separates ids. A valid policy never produces any of these.
pub fn outputs(report: &Report, delimiter: &str) -> Result<String> {
    let mut ids = Vec::new();
    for q in missing_required(report) {
        if q.id.is_empty() || q.id.contains(',') {
            bail!(
                "cannot write the `missing` output: requirement id {:?} is empty or holds a \
                 comma, which separates ids there; requirement ids in a valid policy are \
                 kebab-case",
                visible(&q.id)
            );
        }
        ids.push(q.id.as_str());
    }
    let missing = ids.join(",");
    heredoc(
        &[
            ("stage", report.stage.as_str()),
            ("verdict", report.verdict.as_str()),
            ("missing", missing.as_str()),
        ],
        delimiter,
    )
}

/// Outputs in the `GITHUB_OUTPUT` heredoc syntax, refusing what would not read back as
/// exactly these one-line values.
fn heredoc(pairs: &[(&str, &str)], delimiter: &str) -> Result<String> {
    if delimiter.is_empty() || delimiter.contains(['\r', '\n']) {
        bail!(
            "the GITHUB_OUTPUT delimiter {delimiter:?} is empty or holds a line break; \
             use a fresh one from github::delimiter()"
        );
    }
    let mut out = String::new();
    for &(name, value) in pairs {
        if name.contains(delimiter) || value.contains(delimiter) {
            bail!(
                "cannot write the `{name}` output: it contains the heredoc delimiter \
                 {delimiter:?}; use a fresh one from github::delimiter()"
            );
        }
        if value.contains(['\r', '\n']) {
            bail!(
                "cannot write the `{name}` output: its value {:?} holds a line break, and the \
                 output is one line; stage names in a valid policy are kebab-case",
                visible(value)
            );
        }
        let _ = write!(out, "{name}<<{delimiter}\n{value}\n{delimiter}\n");
    }
    Ok(out)
}

/// A `ghadelimiter_<uuid>` heredoc delimiter, random like the one `@actions/core` uses, so
/// that no value can end an output early by guessing it.
pub fn delimiter() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| {
        anyhow!("could not get random bytes for the GITHUB_OUTPUT delimiter from the OS: {e}")
    })?;
    // A version-4 UUID, as the toolkit writes it.
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "ghadelimiter_{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// Appends [`outputs`] (under a fresh [`delimiter()`]) to the `GITHUB_OUTPUT` file and
/// [`summary`] to the `GITHUB_STEP_SUMMARY` file, for each path that is given.
///
/// Both files must exist (the runner creates them for each step), as `@actions/core`
/// requires. The summary is cut to the room left under [`SUMMARY_LIMIT`] by what the step
/// wrote there before; when not even the verdict fits, nothing is added, because a file
/// over the limit loses the whole summary. Never touches `GITHUB_ENV` or `GITHUB_PATH`.
pub fn write_files(report: &Report, output: Option<&Path>, summary: Option<&Path>) -> Result<()> {
    if let Some(path) = output {
        let text = outputs(report, &delimiter()?)?;
        append(path, "GITHUB_OUTPUT", |_| Some(text))?;
    }
    if let Some(path) = summary {
        append(path, "GITHUB_STEP_SUMMARY", |existing| {
            let room = SUMMARY_LIMIT.saturating_sub(existing + 1);
            let text = markdown(report, "", &Limits::summary(room));
            (!text.is_empty()).then_some(text)
        })?;
    }
    Ok(())
}

/// The outputs of a run that had nothing to judge (a deleted branch or tag): it passes,
/// with no stage and nothing missing, so a later step's `verdict == 'blocked'` stays
/// false.
pub fn write_nothing_outputs(output: Option<&Path>) -> Result<()> {
    let Some(path) = output else { return Ok(()) };
    let text = heredoc(
        &[("stage", ""), ("verdict", "pass"), ("missing", "")],
        &delimiter()?,
    )?;
    append(path, "GITHUB_OUTPUT", |_| Some(text))
}

/// Appends what `text` returns for the file's current length, on a line of its own.
fn append(path: &Path, var: &str, text: impl FnOnce(usize) -> Option<String>) -> Result<()> {
    let shown = path.display();
    // Opened without waiting and refused unless a regular file: a FIFO there would hold
    // the step until something read it.
    let (mut file, meta) =
        crate::gather::disk::open_regular(OpenOptions::new().read(true).append(true), path).with_context(
            || {
                format!(
                    "{var} names `{shown}`, which could not be opened for appending; the runner \
                     creates that file for each step: run inside a GitHub Actions step, or unset {var}"
                )
            },
        )?;
    let len = meta.len();
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    let Some(text) = text(len) else {
        return Ok(());
    };
    // Another writer may have left its last line open; ours must start on a line of its
    // own, or the runner would read our first line as part of theirs.
    let mut prefix = "";
    if len > 0 && ends_without_newline(&mut file) {
        prefix = "\n";
    }
    file.write_all(format!("{prefix}{text}").as_bytes())
        .and_then(|()| file.flush())
        .with_context(|| format!("could not append to `{shown}` ({var})"))
}

/// Whether the file's last byte is not a newline; a file that cannot seek (a pipe) counts
/// as ending with one.
fn ends_without_newline(file: &mut File) -> bool {
    let mut last = [0u8; 1];
    file.seek(SeekFrom::End(-1)).is_ok() && file.read_exact(&mut last).is_ok() && last[0] != b'\n'
}

// ---------------------------------------------------------------------------------------
// Markdown: the step summary and the pull-request comment.

/// The Markdown step summary: the verdict, the stage and the signals that named it, the
/// range, a table of the requirements (id, level, status, evidence, what would satisfy
/// it), the override, the policy and the notes. Under [`SUMMARY_LIMIT`] bytes: a report
/// too large for that ends with a line saying what was cut.
pub fn summary(report: &Report) -> String {
    markdown(report, "", &Limits::summary(SUMMARY_LIMIT))
}

/// The body of the sticky pull-request comment: [`COMMENT_MARKER`] on the first line,
/// then the same content as [`summary`], under [`COMMENT_LIMIT`] characters.
pub fn comment(report: &Report) -> String {
    markdown(
        report,
        &format!("{COMMENT_MARKER}\n"),
        &Limits::comment(COMMENT_LIMIT),
    )
}

/// How much of a report a Markdown rendering shows.
struct Limits {
    /// The whole document stays below this many bytes.
    total: usize,
    /// One piece of text from the change, escaped.
    field: usize,
    /// Signals, ids in the headline, notes and policy problems listed.
    list: usize,
    /// Evidence items per requirement.
    evidence: usize,
}

impl Limits {
    fn summary(total: usize) -> Limits {
        Limits {
            total,
            field: 4_096,
            list: 50,
            evidence: 10,
        }
    }

    fn comment(total: usize) -> Limits {
        Limits {
            total,
            field: 1_024,
            list: 20,
            evidence: 5,
        }
    }
}

/// A Markdown document that keeps whole lines only while they fit below a size, and then
/// ends with [`cut_line`]. Once full it only counts the lines it is offered, without
/// formatting them, so a huge report costs no more than the limit.
struct Doc {
    out: String,
    limit: usize,
    lines: usize,
    /// The longest prefix (length, lines) after which the cut line would still fit.
    safe: Option<(usize, usize)>,
    /// Lines not shown, once the document is full.
    cut: Option<usize>,
}

/// Room kept for [`cut_line`], which is shorter.
const CUT_ROOM: usize = 256;

impl Doc {
    fn new(head: &str, limit: usize) -> Doc {
        Doc {
            out: head.to_owned(),
            limit,
            lines: 0,
            safe: (head.len() + CUT_ROOM < limit).then_some((head.len(), 0)),
            cut: None,
        }
    }

    fn line(&mut self, line: impl FnOnce() -> String) {
        if let Some(cut) = &mut self.cut {
            *cut += 1;
            return;
        }
        let line = line();
        if self.out.len() + line.len() + 1 < self.limit {
            self.out.push_str(&line);
            self.out.push('\n');
            self.lines += 1;
            if self.out.len() + CUT_ROOM < self.limit {
                self.safe = Some((self.out.len(), self.lines));
            }
        } else {
            let (len, lines) = self.safe.unwrap_or((0, 0));
            self.out.truncate(len);
            self.cut = Some(self.lines - lines + 1);
            self.lines = lines;
        }
    }

    fn blank(&mut self) {
        self.line(String::new);
    }

    /// Up to `max` lines of `items`, then a line saying how many more there are.
    fn list<T>(&mut self, items: &[T], max: usize, what: &str, line: impl Fn(&T) -> String) {
        for item in items.iter().take(max) {
            self.line(|| line(item));
        }
        if items.len() > max {
            let more = items.len() - max;
            self.line(|| format!("- and {more} more {what}{}", plural(more)));
        }
    }

    /// Empty when not even the first line fit.
    fn finish(self) -> String {
        match self.cut {
            None => self.out,
            Some(_) if self.lines == 0 => String::new(),
            Some(cut) => self.out + &cut_line(cut),
        }
    }
}

/// The line that ends a document cut to fit. Its leading blank line ends a table that was
/// cut mid-way; without it the note would become one more row.
fn cut_line(lines: usize) -> String {
    format!(
        "\n_The report is cut here to stay within GitHub's size limit: {lines} more line{} \
         not shown. The job log and `shipgate check --format json` have the rest._\n",
        plural(lines)
    )
}

fn markdown(r: &Report, head: &str, lim: &Limits) -> String {
    let mut d = Doc::new(head, lim.total);
    let stage = md(&r.stage_description, lim.field);
    let missing: Vec<&RequirementResult> = missing_required(r).collect();
    let warnings = r
        .requirements
        .iter()
        .filter(|q| q.level == Level::Warn && q.status == Status::Missing)
        .count();

    let (mark, verdict) = match r.verdict {
        Verdict::Pass => ("✅", "pass"),
        Verdict::Blocked => ("❌", "blocked"),
        Verdict::Overridden => ("⚠️", "overridden"),
    };
    d.line(|| format!("## {mark} shipgate: {verdict}"));
    d.blank();
    d.line(|| {
        let ids = || {
            let mut ids: Vec<String> = missing
                .iter()
                .take(lim.list)
                .map(|q| code(&q.id, lim.field))
                .collect();
            if missing.len() > lim.list {
                ids.push(format!("and {} more", missing.len() - lim.list));
            }
            ids.join(", ")
        };
        match r.verdict {
            Verdict::Pass if warnings > 0 => format!(
                "**pass**: {stage} may ship ({warnings} warning{})",
                plural(warnings)
            ),
            Verdict::Pass => format!("**pass**: {stage} may ship"),
            Verdict::Blocked => format!("**blocked**: {stage} needs {}", ids()),
            Verdict::Overridden => format!(
                "**overridden**: {stage} needs {}, but the gate was overridden: {}",
                ids(),
                r.override_.as_ref().map_or_else(
                    || "no reason recorded".to_owned(),
                    |o| md(&o.reason, lim.field)
                )
            ),
        }
    });
    d.blank();

    d.line(|| {
        format!(
            "**Stage** {} ({stage}){}",
            code(&r.stage, lim.field),
            if r.stage_signals.is_empty() {
                ": no release signal"
            } else {
                ", named by:"
            }
        )
    });
    if !r.stage_signals.is_empty() || !r.other_signals.is_empty() {
        d.blank();
    }
    let signals: Vec<(&Signal, bool)> = r
        .stage_signals
        .iter()
        .map(|s| (s, true))
        .chain(r.other_signals.iter().map(|s| (s, false)))
        .collect();
    d.list(&signals, lim.list, "signal", |(s, deciding)| {
        if *deciding {
            format!("- {}", signal(s, lim))
        } else {
            format!(
                "- also {} (names {})",
                signal(s, lim),
                code(&s.stage, lim.field)
            )
        }
    });
    d.blank();

    let range = &r.range;
    d.line(|| {
        format!(
            "**Range** {}, {} commit{}, {} file{}",
            code(
                &format!("{}..{}", short(&range.base), short(&range.head)),
                lim.field
            ),
            range.commits,
            plural(range.commits),
            range.files,
            plural(range.files)
        )
    });

    if !r.requirements.is_empty() {
        d.blank();
        d.line(|| "| Requirement | Level | Status | Evidence | To satisfy |".to_owned());
        d.line(|| "| --- | --- | --- | --- | --- |".to_owned());
        for q in &r.requirements {
            d.line(|| requirement_row(q, r.verdict, lim));
        }
    }

    if let Some(o) = &r.override_ {
        d.blank();
        d.line(|| {
            let from = match (o.source, &o.commit) {
                (OverrideSource::Label, _) => "label".to_owned(),
                (OverrideSource::Trailer, Some(c)) => {
                    format!("trailer in commit {}", code(short(c), lim.field))
                }
                (OverrideSource::Trailer, None) => "trailer".to_owned(),
            };
            format!("**Override** {} ({from})", md(&o.reason, lim.field))
        });
    }

    if let Some(policy) = &r.policy {
        d.blank();
        d.line(|| {
            let mut line = format!("**Policy** {}", code(&policy.source, lim.field));
            if !policy.reason.is_empty() {
                line.push_str(&format!(" ({})", md(&policy.reason, lim.field)));
            }
            line
        });
        if let Some(changed) = &policy.changed {
            d.blank();
            let path = || code(&changed.path, lim.field);
            if changed.status == "deleted" {
                d.line(|| {
                    format!(
                        "This change removes {}; it applies until the change is merged.",
                        path()
                    )
                });
            } else if changed.valid {
                d.line(|| {
                    format!(
                        "This change edits {}: valid; it applies from the next change on.",
                        path()
                    )
                });
            } else {
                d.line(|| {
                    format!(
                        "This change edits {} and breaks it; after merging, shipgate would \
                         stop with an error:",
                        path()
                    )
                });
                d.blank();
                d.list(&changed.errors, lim.list, "problem", |e| {
                    format!("- {}", md(e, lim.field))
                });
            }
        }
    }

    if !r.notes.is_empty() {
        d.blank();
        d.line(|| "**Notes**".to_owned());
        d.blank();
        d.list(&r.notes, lim.list, "note", |n| {
            format!("- {}", md(n, lim.field))
        });
    }
    d.finish()
}

fn requirement_row(q: &RequirementResult, verdict: Verdict, lim: &Limits) -> String {
    let level = match q.level {
        Level::Required => "required",
        Level::Warn => "warn",
    };
    let status = match (q.status, q.level) {
        (Status::Satisfied, _) => "✅ satisfied",
        (Status::Missing, Level::Required) if verdict == Verdict::Overridden => {
            "⚠️ missing (overridden)"
        }
        (Status::Missing, Level::Required) => "❌ missing",
        (Status::Missing, Level::Warn) => "⚠️ missing (not blocking)",
    };
    let mut evidence: Vec<String> = q
        .evidence
        .iter()
        .take(lim.evidence)
        .map(|e| evidence_item(e, lim))
        .collect();
    if q.evidence.len() > lim.evidence {
        evidence.push(format!("+{} more", q.evidence.len() - lim.evidence));
    }
    let hint = q
        .hint
        .as_deref()
        .map_or_else(String::new, |h| md(h, lim.field));
    format!(
        "| {}<br>{} | {level} | {status} | {} | {hint} |",
        code(&q.id, lim.field),
        md(&q.description, lim.field),
        evidence.join("<br>")
    )
}

fn evidence_item(e: &EvidenceItem, lim: &Limits) -> String {
    let mut out = format!("{} {}", e.source.as_str(), code(&e.detail, lim.field));
    if let Some(status) = e.status {
        let _ = write!(out, " ({})", md(status, lim.field));
    }
    if let Some(old) = &e.old_path {
        let _ = write!(out, " from {}", code(old, lim.field));
    }
    if let Some(c) = &e.commit {
        let _ = write!(out, " in commit {}", code(short(c), lim.field));
    }
    out
}

fn signal(s: &Signal, lim: &Limits) -> String {
    match &s.commit {
        Some(c) => format!(
            "{} {} in commit {}",
            s.source.as_str(),
            code(&s.detail, lim.field),
            code(short(c), lim.field)
        ),
        None => format!("{} {}", s.source.as_str(), code(&s.detail, lim.field)),
    }
}

/// Text from the change as Markdown prose. A part between a pair of backticks (hints and
/// problems quote paths and keys that way) is shown as code.
fn md(s: &str, max: usize) -> String {
    let v = visible(head(s, max));
    let mut out = String::new();
    let mut budget = max;
    let quoted = v.matches('`').count();
    if quoted > 0 && quoted.is_multiple_of(2) {
        for (i, part) in v.split('`').enumerate() {
            let whole = if i % 2 == 1 {
                out.push_str("<code>");
                let whole = escape_md(&mut out, part, &mut budget, true);
                out.push_str("</code>");
                whole
            } else {
                escape_md(&mut out, part, &mut budget, false)
            };
            if !whole {
                out.push('…');
                break;
            }
        }
    } else if !escape_md(&mut out, &v, &mut budget, false) {
        out.push('…');
    }
    out
}

/// Text from the change as inline code.
fn code(s: &str, max: usize) -> String {
    let mut out = String::from("<code>");
    let mut budget = max;
    if !escape_md(&mut out, &visible(head(s, max)), &mut budget, true) {
        out.push('…');
    }
    out.push_str("</code>");
    out
}

/// Appends `s` with every ASCII punctuation character as a numeric character reference,
/// spending at most `budget` bytes; false when `s` did not fit whole (see the module docs).
///
/// cmark-gfm links an email address found in a run of decoded text, references and
/// `<code>` notwithstanding; GitHub links mentions and issue references in a run of text
/// outside `<code>`. An `@` (and, in prose, a `#`) in a `<span>` of its own is a run of
/// text by itself, so nothing around it can join it into an address, a mention or a
/// reference, and the text still reads the same. A space that starts `out` is a
/// reference, so that it cannot indent the line it starts.
fn escape_md(out: &mut String, s: &str, budget: &mut usize, in_code: bool) -> bool {
    let mut buf = [0u8; 4];
    for c in s.chars() {
        let piece: Cow<'_, str> = match c {
            '@' => Cow::Borrowed("<span>&#64;</span>"),
            '#' if !in_code => Cow::Borrowed("<span>&#35;</span>"),
            ' ' if out.is_empty() => Cow::Borrowed("&#32;"),
            c if c.is_ascii_punctuation() => Cow::Owned(format!("&#{};", c as u32)),
            c => Cow::Borrowed(c.encode_utf8(&mut buf)),
        };
        if piece.len() > *budget {
            return false;
        }
        *budget -= piece.len();
        out.push_str(&piece);
    }
    true
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::judge::stage::SignalSource;
    use crate::judge::verdict::{
        EvidenceSource, Override, OverrideSource, PolicyFrom, PolicyInfo, RangeInfo,
    };

    /// What `--format github` writes to stdout for `r`, through the output boundary as a
    /// runner reads it.
    fn render(r: &Report) -> String {
        let mut stdout = Vec::new();
        write(r, &mut Output::new(true, &mut stdout, std::io::sink())).unwrap();
        String::from_utf8(stdout).unwrap()
    }

    const BASE: &str = "0123456789abcdef0123456789abcdef01234567";
    const HEAD: &str = "fedcba9876543210fedcba9876543210fedcba98";
    const COMMIT: &str = "c0ffee0000c0ffee0000c0ffee0000c0ffee0000";

    fn req(
        id: &str,
        level: Level,
        evidence: Vec<EvidenceItem>,
        hint: Option<&str>,
    ) -> RequirementResult {
        let description = match id {
            "docs" => "docs updated to reflect the change",
            "template" => "at least one pre-made template for users",
            "feature-flag" => "the feature behind a feature flag",
            _ => "Marketing notified before the launch",
        };
        RequirementResult {
            id: id.to_owned(),
            description: description.to_owned(),
            level,
            status: if evidence.is_empty() {
                Status::Missing
            } else {
                Status::Satisfied
            },
            evidence,
            hint: hint.map(str::to_owned),
        }
    }

    fn file(path: &str) -> EvidenceItem {
        EvidenceItem {
            status: Some("added"),
            ..EvidenceItem::new(EvidenceSource::File, path.to_owned(), None)
        }
    }

    const TEMPLATE_HINT: &str = "change a file matching `templates/**`, `**/templates/**`, or add a commit trailer `Template: <value>`";
    const MARKETING_HINT: &str =
        "add the label `marketing-notified`, or add a commit trailer `Marketing-Notified: <value>`";

    fn report(verdict: Verdict, stage: &str, requirements: Vec<RequirementResult>) -> Report {
        let (description, signal) = match stage {
            "full" => ("a full release", "release:full"),
            "beta" => ("a beta", "release:beta"),
            _ => ("an ordinary merge", ""),
        };
        Report {
            schema: 1,
            verdict,
            stage: stage.to_owned(),
            stage_description: description.to_owned(),
            stage_signals: if signal.is_empty() {
                vec![]
            } else {
                vec![Signal {
                    source: SignalSource::Label,
                    detail: signal.to_owned(),
                    stage: stage.to_owned(),
                    commit: None,
                }]
            },
            other_signals: vec![],
            range: RangeInfo {
                base: BASE.to_owned(),
                head: HEAD.to_owned(),
                merge_base: BASE.to_owned(),
                commits: 3,
                files: 12,
            },
            requirements,
            override_: None,
            policy: Some(PolicyInfo {
                source: "built-in".to_owned(),
                changed: None,
                from: PolicyFrom::Base,
                reason: String::new(),
            }),
            notes: vec![],
        }
    }

    /// A full release without a template or a marketing marker, whose change also breaks
    /// the policy file and was named full by a trailer as well as a label.
    fn blocked_full() -> Report {
        let mut r = report(
            Verdict::Blocked,
            "full",
            vec![
                req("docs", Level::Required, vec![file("docs/replay.md")], None),
                req("template", Level::Required, vec![], Some(TEMPLATE_HINT)),
                req(
                    "feature-flag",
                    Level::Required,
                    vec![EvidenceItem::new(
                        EvidenceSource::FlagRegistry,
                        "session-replay-v2 (added, beta)".to_owned(),
                        None,
                    )],
                    None,
                ),
                req("marketing", Level::Required, vec![], Some(MARKETING_HINT)),
            ],
        );
        r.other_signals.push(Signal {
            source: SignalSource::Trailer,
            detail: "Release: beta".to_owned(),
            stage: "beta".to_owned(),
            commit: Some(COMMIT.to_owned()),
        });
        r.policy = Some(PolicyInfo {
            source: ".shipgate.yml@0123456789".to_owned(),
            from: PolicyFrom::Base,
            reason: String::new(),
            changed: Some(PolicyChange {
                path: ".shipgate.yml".to_owned(),
                status: "modified",
                valid: false,
                errors: vec![
                    ".shipgate.yml@fedcba9876:4:11: `stages[1].name`: `Full` is not a kebab-case name (lowercase letters, digits, `-`)".to_owned(),
                    ".shipgate.yml@fedcba9876: the file is not UTF-8".to_owned(),
                ],
            }),
        });
        r
    }

    fn pass_full() -> Report {
        report(
            Verdict::Pass,
            "full",
            vec![
                req("docs", Level::Required, vec![file("docs/replay.md")], None),
                req(
                    "template",
                    Level::Required,
                    vec![EvidenceItem::new(
                        EvidenceSource::Trailer,
                        "Template: replay-starter".to_owned(),
                        Some(COMMIT),
                    )],
                    None,
                ),
                req(
                    "feature-flag",
                    Level::Required,
                    vec![EvidenceItem::new(
                        EvidenceSource::FlagRegistry,
                        "session-replay-v2 (added, beta)".to_owned(),
                        None,
                    )],
                    None,
                ),
                req(
                    "marketing",
                    Level::Required,
                    vec![EvidenceItem::new(
                        EvidenceSource::Label,
                        "marketing-notified".to_owned(),
                        None,
                    )],
                    None,
                ),
            ],
        )
    }

    fn overridden_full() -> Report {
        let mut r = pass_full();
        r.verdict = Verdict::Overridden;
        r.requirements[1] = req("template", Level::Required, vec![], Some(TEMPLATE_HINT));
        r.override_ = Some(Override {
            source: OverrideSource::Trailer,
            reason: "outage fix, templates follow".to_owned(),
            commit: Some(COMMIT.to_owned()),
        });
        r
    }

    fn beta_with_warnings() -> Report {
        let mut r = report(
            Verdict::Pass,
            "beta",
            vec![
                req("docs", Level::Warn, vec![file("docs/replay.md")], None),
                req("template", Level::Warn, vec![], Some(TEMPLATE_HINT)),
                req("marketing", Level::Warn, vec![], Some(MARKETING_HINT)),
            ],
        );
        r.notes
            .push("tag v2.1.0-rc.1: the change is everything since v2.0.0".to_owned());
        r
    }

    const BLOCKED_RENDER: &str = r##"stage    full (a full release)
         label release:full
         also trailer Release: beta (commit c0ffee0000) (names beta)
range    0123456789..fedcba9876, 3 commits, 12 files
policy   .shipgate.yml@0123456789
         this change edits .shipgate.yml and breaks it; after merging, shipgate would stop with an error:
           .shipgate.yml@fedcba9876:4:11: `stages[1].name`: `Full` is not a kebab-case name (lowercase letters, digits, `-`)
           .shipgate.yml@fedcba9876: the file is not UTF-8

  ok    docs          file docs/replay.md
  FAIL  template      missing: at least one pre-made template for users
                      to satisfy: change a file matching `templates/**`, `**/templates/**`, or add a commit trailer `Template: <value>`
  ok    feature-flag  flag-registry session-replay-v2 (added, beta)
  FAIL  marketing     missing: Marketing notified before the launch
                      to satisfy: add the label `marketing-notified`, or add a commit trailer `Marketing-Notified: <value>`

blocked: a full release needs template, marketing
::error title=shipgate%3A template missing for a full release::at least one pre-made template for users%0Ato satisfy: change a file matching `templates/**`, `**/templates/**`, or add a commit trailer `Template: <value>`
::error title=shipgate%3A marketing missing for a full release::Marketing notified before the launch%0Ato satisfy: add the label `marketing-notified`, or add a commit trailer `Marketing-Notified: <value>`
::error title=shipgate%3A this change breaks .shipgate.yml,file=.shipgate.yml,line=4,col=11::`stages[1].name`: `Full` is not a kebab-case name (lowercase letters, digits, `-`)%0Athe policy in force comes from the base, so this change is still checked; after merging, shipgate would stop with this error
::error title=shipgate%3A this change breaks .shipgate.yml::.shipgate.yml@fedcba9876: the file is not UTF-8%0Athe policy in force comes from the base, so this change is still checked; after merging, shipgate would stop with this error
"##;

    const BLOCKED_SUMMARY: &str = r##"## ❌ shipgate: blocked

**blocked**: a full release needs <code>template</code>, <code>marketing</code>

**Stage** <code>full</code> (a full release), named by:

- label <code>release&#58;full</code>
- also trailer <code>Release&#58; beta</code> in commit <code>c0ffee0000</code> (names <code>beta</code>)

**Range** <code>0123456789&#46;&#46;fedcba9876</code>, 3 commits, 12 files

| Requirement | Level | Status | Evidence | To satisfy |
| --- | --- | --- | --- | --- |
| <code>docs</code><br>docs updated to reflect the change | required | ✅ satisfied | file <code>docs&#47;replay&#46;md</code> (added) |  |
| <code>template</code><br>at least one pre&#45;made template for users | required | ❌ missing |  | change a file matching <code>templates&#47;&#42;&#42;</code>&#44; <code>&#42;&#42;&#47;templates&#47;&#42;&#42;</code>&#44; or add a commit trailer <code>Template&#58; &#60;value&#62;</code> |
| <code>feature&#45;flag</code><br>the feature behind a feature flag | required | ✅ satisfied | flag-registry <code>session&#45;replay&#45;v2 &#40;added&#44; beta&#41;</code> |  |
| <code>marketing</code><br>Marketing notified before the launch | required | ❌ missing |  | add the label <code>marketing&#45;notified</code>&#44; or add a commit trailer <code>Marketing&#45;Notified&#58; &#60;value&#62;</code> |

**Policy** <code>&#46;shipgate&#46;yml<span>&#64;</span>0123456789</code>

This change edits <code>&#46;shipgate&#46;yml</code> and breaks it; after merging, shipgate would stop with an error:

- &#46;shipgate&#46;yml<span>&#64;</span>fedcba9876&#58;4&#58;11&#58; <code>stages&#91;1&#93;&#46;name</code>&#58; <code>Full</code> is not a kebab&#45;case name &#40;lowercase letters&#44; digits&#44; <code>&#45;</code>&#41;
- &#46;shipgate&#46;yml<span>&#64;</span>fedcba9876&#58; the file is not UTF&#45;8
"##;

    const PASS_RENDER: &str = r##"stage    full (a full release)
         label release:full
range    0123456789..fedcba9876, 3 commits, 12 files
policy   built-in

  ok    docs          file docs/replay.md
  ok    template      trailer Template: replay-starter
  ok    feature-flag  flag-registry session-replay-v2 (added, beta)
  ok    marketing     label marketing-notified

pass: a full release may ship
"##;

    const PASS_SUMMARY: &str = r##"## ✅ shipgate: pass

**pass**: a full release may ship

**Stage** <code>full</code> (a full release), named by:

- label <code>release&#58;full</code>

**Range** <code>0123456789&#46;&#46;fedcba9876</code>, 3 commits, 12 files

| Requirement | Level | Status | Evidence | To satisfy |
| --- | --- | --- | --- | --- |
| <code>docs</code><br>docs updated to reflect the change | required | ✅ satisfied | file <code>docs&#47;replay&#46;md</code> (added) |  |
| <code>template</code><br>at least one pre&#45;made template for users | required | ✅ satisfied | trailer <code>Template&#58; replay&#45;starter</code> in commit <code>c0ffee0000</code> |  |
| <code>feature&#45;flag</code><br>the feature behind a feature flag | required | ✅ satisfied | flag-registry <code>session&#45;replay&#45;v2 &#40;added&#44; beta&#41;</code> |  |
| <code>marketing</code><br>Marketing notified before the launch | required | ✅ satisfied | label <code>marketing&#45;notified</code> |  |

**Policy** <code>built&#45;in</code>
"##;

    const OVERRIDDEN_RENDER: &str = r##"stage    full (a full release)
         label release:full
range    0123456789..fedcba9876, 3 commits, 12 files
policy   built-in
override outage fix, templates follow

  ok    docs          file docs/replay.md
  FAIL  template      missing: at least one pre-made template for users
                      to satisfy: change a file matching `templates/**`, `**/templates/**`, or add a commit trailer `Template: <value>`
  ok    feature-flag  flag-registry session-replay-v2 (added, beta)
  ok    marketing     label marketing-notified

overridden: a full release needs template, but the gate was overridden: outage fix, templates follow
::warning title=shipgate%3A template missing for a full release (overridden)::at least one pre-made template for users%0Ato satisfy: change a file matching `templates/**`, `**/templates/**`, or add a commit trailer `Template: <value>`
::warning title=shipgate%3A gate overridden::a full release needs template, but the gate was overridden: outage fix, templates follow
"##;

    const OVERRIDDEN_SUMMARY: &str = r##"## ⚠️ shipgate: overridden

**overridden**: a full release needs <code>template</code>, but the gate was overridden: outage fix&#44; templates follow

**Stage** <code>full</code> (a full release), named by:

- label <code>release&#58;full</code>

**Range** <code>0123456789&#46;&#46;fedcba9876</code>, 3 commits, 12 files

| Requirement | Level | Status | Evidence | To satisfy |
| --- | --- | --- | --- | --- |
| <code>docs</code><br>docs updated to reflect the change | required | ✅ satisfied | file <code>docs&#47;replay&#46;md</code> (added) |  |
| <code>template</code><br>at least one pre&#45;made template for users | required | ⚠️ missing (overridden) |  | change a file matching <code>templates&#47;&#42;&#42;</code>&#44; <code>&#42;&#42;&#47;templates&#47;&#42;&#42;</code>&#44; or add a commit trailer <code>Template&#58; &#60;value&#62;</code> |
| <code>feature&#45;flag</code><br>the feature behind a feature flag | required | ✅ satisfied | flag-registry <code>session&#45;replay&#45;v2 &#40;added&#44; beta&#41;</code> |  |
| <code>marketing</code><br>Marketing notified before the launch | required | ✅ satisfied | label <code>marketing&#45;notified</code> |  |

**Override** outage fix&#44; templates follow (trailer in commit <code>c0ffee0000</code>)

**Policy** <code>built&#45;in</code>
"##;

    const BETA_RENDER: &str = r##"stage    beta (a beta)
         label release:beta
range    0123456789..fedcba9876, 3 commits, 12 files
policy   built-in

  ok    docs       file docs/replay.md
  warn  template   missing (not blocking): at least one pre-made template for users
                   to satisfy: change a file matching `templates/**`, `**/templates/**`, or add a commit trailer `Template: <value>`
  warn  marketing  missing (not blocking): Marketing notified before the launch
                   to satisfy: add the label `marketing-notified`, or add a commit trailer `Marketing-Notified: <value>`

note: tag v2.1.0-rc.1: the change is everything since v2.0.0

pass: a beta may ship (2 warnings)
::warning title=shipgate%3A template missing for a beta (not blocking)::at least one pre-made template for users%0Ato satisfy: change a file matching `templates/**`, `**/templates/**`, or add a commit trailer `Template: <value>`
::warning title=shipgate%3A marketing missing for a beta (not blocking)::Marketing notified before the launch%0Ato satisfy: add the label `marketing-notified`, or add a commit trailer `Marketing-Notified: <value>`
"##;

    const BETA_SUMMARY: &str = r##"## ✅ shipgate: pass

**pass**: a beta may ship (2 warnings)

**Stage** <code>beta</code> (a beta), named by:

- label <code>release&#58;beta</code>

**Range** <code>0123456789&#46;&#46;fedcba9876</code>, 3 commits, 12 files

| Requirement | Level | Status | Evidence | To satisfy |
| --- | --- | --- | --- | --- |
| <code>docs</code><br>docs updated to reflect the change | warn | ✅ satisfied | file <code>docs&#47;replay&#46;md</code> (added) |  |
| <code>template</code><br>at least one pre&#45;made template for users | warn | ⚠️ missing (not blocking) |  | change a file matching <code>templates&#47;&#42;&#42;</code>&#44; <code>&#42;&#42;&#47;templates&#47;&#42;&#42;</code>&#44; or add a commit trailer <code>Template&#58; &#60;value&#62;</code> |
| <code>marketing</code><br>Marketing notified before the launch | warn | ⚠️ missing (not blocking) |  | add the label <code>marketing&#45;notified</code>&#44; or add a commit trailer <code>Marketing&#45;Notified&#58; &#60;value&#62;</code> |

**Policy** <code>built&#45;in</code>

**Notes**

- tag v2&#46;1&#46;0&#45;rc&#46;1&#58; the change is everything since v2&#46;0&#46;0
"##;

    fn outputs_of(stage: &str, verdict: &str, missing: &str) -> String {
        format!(
            "stage<<EOF\n{stage}\nEOF\nverdict<<EOF\n{verdict}\nEOF\nmissing<<EOF\n{missing}\nEOF\n"
        )
    }

    #[test]
    fn a_blocked_full_release() {
        let r = blocked_full();
        assert_eq!(render(&r), BLOCKED_RENDER);
        assert_eq!(summary(&r), BLOCKED_SUMMARY);
        assert_eq!(
            outputs(&r, "EOF").unwrap(),
            outputs_of("full", "blocked", "template,marketing")
        );
    }

    #[test]
    fn a_passing_full_release_has_no_annotation() {
        let r = pass_full();
        assert_eq!(render(&r), PASS_RENDER);
        assert!(!render(&r).contains("\n::"));
        assert_eq!(summary(&r), PASS_SUMMARY);
        assert_eq!(outputs(&r, "EOF").unwrap(), outputs_of("full", "pass", ""));
    }

    #[test]
    fn an_overridden_full_release_warns_instead_of_failing() {
        let r = overridden_full();
        assert_eq!(render(&r), OVERRIDDEN_RENDER);
        assert_eq!(summary(&r), OVERRIDDEN_SUMMARY);
        assert_eq!(
            outputs(&r, "EOF").unwrap(),
            outputs_of("full", "overridden", "template")
        );
    }

    #[test]
    fn a_beta_warns_and_misses_nothing_required() {
        let r = beta_with_warnings();
        assert_eq!(render(&r), BETA_RENDER);
        assert_eq!(summary(&r), BETA_SUMMARY);
        assert_eq!(outputs(&r, "EOF").unwrap(), outputs_of("beta", "pass", ""));
    }

    #[test]
    fn the_comment_is_the_summary_under_the_marker() {
        for r in [
            blocked_full(),
            pass_full(),
            overridden_full(),
            beta_with_warnings(),
        ] {
            assert_eq!(comment(&r), format!("{COMMENT_MARKER}\n{}", summary(&r)));
        }
        assert_eq!(COMMENT_MARKER, "<!-- shipgate:report -->");
    }

    #[test]
    fn lines_that_could_be_commands_are_defused_visibly() {
        let mut r = pass_full();
        r.stage_signals[0].detail = "##[add-mask]x ###[error]y".to_owned();
        r.notes = vec!["::warning::not from us".to_owned()];
        r.policy = Some(PolicyInfo {
            source: "built-in".to_owned(),
            from: PolicyFrom::Base,
            reason: String::new(),
            changed: Some(PolicyChange {
                path: ".shipgate.yml".to_owned(),
                status: "modified",
                valid: false,
                errors: vec![
                    "::stop-commands::token".to_owned(),
                    "\u{3000}::error::x".to_owned(),
                    "#\u{200b}#[error]hidden".to_owned(),
                    "a\u{2028}::error::b".to_owned(),
                ],
            }),
        });
        let out = render(&r);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[1],
            "         label #\\u{23}[add-mask]x ##\\u{23}[error]y"
        );
        assert!(lines.contains(&"           \\u{3a}:stop-commands::token"));
        // U+3000 is whitespace to the runner's TrimStart, so the line still starts with `::`.
        assert!(lines.contains(&"           \u{3000}\\u{3a}:error::x"));
        assert!(lines.contains(&"           #\\u{200b}#[error]hidden"));
        assert!(lines.contains(&"           a\\u{2028}::error::b"));
        // A note line starts with `note: `, so its `::` cannot start a command.
        assert!(lines.contains(&"note: ::warning::not from us"));
    }

    #[test]
    fn only_our_styles_are_stripped() {
        assert_eq!(
            strip_styles("\x1b[1mstage\x1b[0m x\x1b[31;1my\x1b[m"),
            "stage xy"
        );
        // An ESC that is not a style stays, for `visible` to show.
        assert_eq!(
            strip_styles("a\x1b]0;t\x07b\x1b[2Jc\x1b"),
            "a\x1b]0;t\x07b\x1b[2Jc\x1b"
        );
        assert_eq!(defuse(&strip_styles("a\x1b[2J\nb")), "a\\u{1b}[2J\nb");
    }

    #[test]
    fn annotations_escape_like_the_toolkit() {
        assert_eq!(escape_data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("50% a:b,c\r\nd"), "50%25 a%3Ab%2Cc%0D%0Ad");
        let mut r = blocked_full();
        r.requirements[1].id = "x,y:z%".to_owned();
        r.requirements[1].description = "line\x1b[2J\u{200b}".to_owned();
        r.requirements[1].hint = None;
        r.policy = None;
        let out = render(&r);
        assert!(out.contains(
            "\n::error title=shipgate%3A x%2Cy%3Az%25 missing for a full release::line\\u{1b}[2J\\u{200b}\n"
        ));
    }

    #[test]
    fn error_and_warning_commands_keep_line_breaks_and_escape_the_rest() {
        assert_eq!(
            error_command("policy `.shipgate.yml` is not valid\n  .shipgate.yml:3:1: 50%\x1b[2J")
                .line(),
            "::error title=shipgate could not decide::policy `.shipgate.yml` is not valid%0A  .shipgate.yml:3:1: 50%25\\u{1b}[2J"
        );
        assert_eq!(
            warning_command("could not post the comment: 403\r\n::add-mask::x").line(),
            "::warning title=shipgate::could not post the comment: 403%0A::add-mask::x"
        );
    }

    #[test]
    fn policy_problems_are_located_when_they_say_where() {
        let at = |path: &str, e: &'static str| locate(path, e).map(|(l, p)| (l.line, l.column, p));
        assert_eq!(
            at(".shipgate.yml", ".shipgate.yml@0a1b:4:11: `x`: bad"),
            Some((4, Some(11), "`x`: bad"))
        );
        assert_eq!(at("p.yml", "p.yml:7: bad"), Some((7, None, "bad")));
        assert_eq!(at("p.yml", "p.yml@abc: not UTF-8"), None);
        assert_eq!(at("p.yml", "p.yml:0:1: line zero"), None);
        assert_eq!(at("p.yml", "q.yml:1:1: another file"), None);
        assert_eq!(at("p.yml", "p.yml@:1:1: no commit"), None);
        assert_eq!(at("p.yml", "p.yml:1:1 no colon"), None);
        assert_eq!(at("=p.yml", "=p.yml:1:1: x"), None);
        assert_eq!(at("p\u{200b}.yml", "p\u{200b}.yml:1:1: x"), None);
    }

    #[test]
    fn outputs_refuse_what_the_runner_would_misread() {
        let r = blocked_full();
        let err = |r: &Report, d: &str| format!("{:#}", outputs(r, d).unwrap_err());
        assert!(err(&r, "ul").contains("`stage` output: it contains the heredoc delimiter"));
        assert!(err(&r, "").contains("empty or holds a line break"));
        assert!(err(&r, "a\nb").contains("empty or holds a line break"));
        let mut odd = r.clone();
        odd.stage = "full\nmissing<<EOF".to_owned();
        assert!(err(&odd, "D").contains("holds a line break"));
        let mut odd = r.clone();
        odd.requirements[1].id = "a,b".to_owned();
        assert!(err(&odd, "D").contains("requirement id \"a,b\" is empty or holds a comma"));
        // A warn-level id is not in `missing`, so it cannot spoil it.
        let mut beta = beta_with_warnings();
        beta.requirements[1].id = "a,b".to_owned();
        assert_eq!(
            outputs(&beta, "EOF").unwrap(),
            outputs_of("beta", "pass", "")
        );
    }

    #[test]
    fn delimiters_are_random_uuids() {
        let a = delimiter().unwrap();
        let b = delimiter().unwrap();
        assert_ne!(a, b);
        let uuid = a.strip_prefix("ghadelimiter_").unwrap();
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert!(uuid.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_eq!(&uuid[14..15], "4");
    }

    #[test]
    fn files_are_appended_on_lines_of_their_own() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("output");
        let summary_path = dir.path().join("summary");
        // An earlier writer left its last line open.
        std::fs::write(&output, "earlier=1").unwrap();
        std::fs::write(&summary_path, "# Earlier step").unwrap();
        let r = blocked_full();
        write_files(&r, Some(&output), Some(&summary_path)).unwrap();
        let text = std::fs::read_to_string(&output).unwrap();
        let pairs = runner::env_file(&text, false).unwrap();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (&**k, &**v)).collect();
        assert_eq!(
            pairs,
            [
                ("earlier", "1"),
                ("stage", "full"),
                ("verdict", "blocked"),
                ("missing", "template,marketing")
            ]
        );
        assert!(text.contains("\nstage<<ghadelimiter_"));
        assert_eq!(
            std::fs::read_to_string(&summary_path).unwrap(),
            format!("# Earlier step\n{BLOCKED_SUMMARY}")
        );
        // Only the files given are touched.
        write_files(&pass_full(), None, None).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_missing_file_is_an_error_that_names_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        let e = write_files(&pass_full(), Some(&gone), None).unwrap_err();
        let e = format!("{e:#}");
        assert!(
            e.starts_with(&format!(
                "GITHUB_OUTPUT names `{}`, which could not be opened",
                gone.display()
            )),
            "{e}"
        );
        assert!(!gone.exists());
        let e = write_files(&pass_full(), None, Some(&gone)).unwrap_err();
        assert!(format!("{e:#}").starts_with("GITHUB_STEP_SUMMARY names"));
    }

    #[cfg(unix)]
    #[test]
    fn an_output_file_that_is_a_fifo_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Nothing reads the FIFO: writing the summary into it would wait forever.
        let e = write_files(&pass_full(), None, Some(&fifo)).unwrap_err();
        assert_eq!(
            format!("{e:#}"),
            format!(
                "GITHUB_STEP_SUMMARY names `{}`, which could not be opened for appending; the \
                 runner creates that file for each step: run inside a GitHub Actions step, or \
                 unset GITHUB_STEP_SUMMARY: it is a FIFO (named pipe), not a regular file",
                fifo.display()
            )
        );
    }

    #[test]
    fn the_summary_takes_only_the_room_left_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary");
        let r = huge_report();
        let earlier = "x".repeat(SUMMARY_LIMIT - 10_000) + "\n";
        std::fs::write(&path, &earlier).unwrap();
        write_files(&r, None, Some(&path)).unwrap();
        let len = std::fs::metadata(&path).unwrap().len() as usize;
        assert!(len < SUMMARY_LIMIT && len > SUMMARY_LIMIT - 10_000, "{len}");
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .ends_with("have the rest._\n")
        );

        // No room for even the verdict: nothing is added.
        let earlier = "x".repeat(SUMMARY_LIMIT - 100);
        std::fs::write(&path, &earlier).unwrap();
        write_files(&r, None, Some(&path)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), earlier);
    }

    /// Five hundred requirements, each with long text and many pieces of evidence.
    fn huge_report() -> Report {
        let mut r = blocked_full();
        let long = "word | <b>@team</b> `x` ".repeat(200);
        r.requirements = (0..500)
            .map(|i| RequirementResult {
                id: format!("req-{i}"),
                description: long.clone(),
                level: Level::Required,
                status: Status::Missing,
                evidence: vec![file(&long); 12],
                hint: Some(long.clone()),
            })
            .collect();
        r.notes = vec![long.clone(); 1_000];
        r
    }

    #[test]
    fn a_huge_report_is_cut_under_the_limits() {
        let r = huge_report();
        let s = summary(&r);
        assert!(s.len() < SUMMARY_LIMIT, "{}", s.len());
        assert!(s.len() > SUMMARY_LIMIT - 100_000, "{}", s.len());
        assert!(s.starts_with("## ❌ shipgate: blocked\n"));
        let tail = s.lines().last().unwrap();
        assert!(
            tail.starts_with("_The report is cut here to stay within GitHub's size limit: "),
            "{tail}"
        );
        // The cut line is not glued to a table as one more row.
        assert!(s.contains(" |\n\n_The report is cut here"));
        let c = comment(&r);
        assert!(c.chars().count() < COMMENT_LIMIT && c.len() < COMMENT_LIMIT);
        assert!(c.starts_with(&format!("{COMMENT_MARKER}\n## ❌ shipgate: blocked\n")));
        assert!(c.ends_with("have the rest._\n"));

        // One field alone larger than any limit.
        let mut one = pass_full();
        one.stage_description = "é".repeat(3 * SUMMARY_LIMIT);
        assert!(summary(&one).len() < SUMMARY_LIMIT);
        assert!(comment(&one).len() < COMMENT_LIMIT);
        assert!(render(&one).len() > 3 * SUMMARY_LIMIT, "the log is not cut");
    }

    #[test]
    fn at_signs_hashes_and_leading_spaces_are_broken_where_cmark_gfm_would_read_them() {
        assert_eq!(
            code("ops@evil.example #1", 100),
            "<code>ops<span>&#64;</span>evil&#46;example &#35;1</code>"
        );
        assert_eq!(
            md("    `a@b` #1 ", 100),
            "&#32;   <code>a<span>&#64;</span>b</code> <span>&#35;</span>1 "
        );
        // A span is spent whole or not at all.
        assert_eq!(code("ab@c", 19), "<code>ab…</code>");
    }

    #[test]
    fn markdown_from_the_change_stays_data() {
        let nasty = "a|b<script>@org/team #12 `x` **y** [l](http://e.x) :smile: $x$\n| c |";
        let mut r = blocked_full();
        r.requirements[0].evidence = vec![file(nasty)];
        r.requirements[1].hint = Some(nasty.to_owned());
        r.notes = vec![nasty.to_owned()];
        let s = summary(&r);
        // As code: every punctuation character a reference, and `@` a text run of its own,
        // which no email autolink can take in; nothing pings inside <code>.
        assert!(s.contains(
            "file <code>a&#124;b&#60;script&#62;<span>&#64;</span>org&#47;team &#35;12 &#96;x&#96; &#42;&#42;y&#42;&#42; \
             &#91;l&#93;&#40;http&#58;&#47;&#47;e&#46;x&#41; &#58;smile&#58; &#36;x&#36;&#92;u&#123;a&#125;&#124; c &#124;</code> (added)"
        ));
        // As prose: the same, with `#` in a text run of its own too; the even backticks
        // make a code span.
        assert!(s.contains(
            "- a&#124;b&#60;script&#62;<span>&#64;</span>org&#47;team <span>&#35;</span>12 <code>x</code> &#42;&#42;y"
        ));
        for needle in ["<script", "@org", " #12", "**y**", "](", ":smile:", "$x$"] {
            assert!(!s.contains(needle), "{needle}");
        }
        for row in s.lines().filter(|l| l.starts_with("| <code>")) {
            assert_eq!(row.matches('|').count(), 6, "{row}");
        }
        let c = comment(&r);
        assert_eq!(c.matches("<!--").count(), 1);
    }

    pub(crate) mod props {
        use proptest::prelude::*;

        use super::super::runner::{self, Command, Matching, Names};
        use super::*;
        use crate::judge::verdict::{
            EvidenceSource, Override, OverrideSource, PolicyFrom, PolicyInfo, RangeInfo,
        };

        /// Text from the change: anything, weighted towards what workflow commands,
        /// heredocs and Markdown give meaning to.
        pub(crate) fn text() -> impl Strategy<Value = String> {
            let special = prop::sample::select(vec![
                "::",
                "##[",
                "]",
                "%",
                "%25",
                "%0A",
                "%0D",
                "%3A",
                "%2C",
                "%5D",
                ",",
                ":",
                ";",
                "=",
                " ",
                "\t",
                "\r",
                "\n",
                "\r\n",
                "\u{200b}",
                "\u{feff}",
                "\u{2028}",
                "\u{85}",
                "\u{3000}",
                "\u{e0041}",
                "\u{1b}[31m",
                "error",
                "warning",
                "stop-commands",
                "add-mask",
                "set-output name=x",
                "@org/team",
                "#1",
                "|",
                "<",
                ">",
                "`",
                "&",
                ".shipgate.yml",
                "EOF",
            ]);
            let piece = prop_oneof![
                3 => any::<char>().prop_map(String::from),
                2 => "[a-z]{1,6}",
                3 => special.prop_map(str::to_owned),
            ];
            prop::collection::vec(piece, 0..10).prop_map(|v| v.concat())
        }

        /// Stage names and requirement ids: kebab-case in a valid policy, anything here.
        fn name() -> impl Strategy<Value = String> {
            prop_oneof![3 => "[a-z][a-z0-9-]{0,8}", 1 => text()]
        }

        fn signal() -> impl Strategy<Value = Signal> {
            (0..6usize, text(), name(), prop::option::of(text())).prop_map(
                |(source, detail, stage, commit)| Signal {
                    source: [
                        SignalSource::Cli,
                        SignalSource::Label,
                        SignalSource::Trailer,
                        SignalSource::Tag,
                        SignalSource::Version,
                        SignalSource::FlagRegistry,
                    ][source],
                    detail,
                    stage,
                    commit,
                },
            )
        }

        fn evidence() -> impl Strategy<Value = EvidenceItem> {
            (
                0..5usize,
                text(),
                prop::option::of(text()),
                prop::option::of(prop::sample::select(vec!["added", "modified", "renamed"])),
                prop::option::of(text()),
            )
                .prop_map(|(source, detail, commit, status, old_path)| EvidenceItem {
                    source: [
                        EvidenceSource::File,
                        EvidenceSource::Trailer,
                        EvidenceSource::Label,
                        EvidenceSource::Body,
                        EvidenceSource::FlagRegistry,
                    ][source],
                    detail,
                    commit,
                    status,
                    old_path,
                })
        }

        fn requirement() -> impl Strategy<Value = RequirementResult> {
            (
                name(),
                text(),
                any::<bool>(),
                any::<bool>(),
                prop::collection::vec(evidence(), 0..3),
                prop::option::of(text()),
            )
                .prop_map(|(id, description, required, missing, evidence, hint)| {
                    RequirementResult {
                        id,
                        description,
                        level: if required {
                            Level::Required
                        } else {
                            Level::Warn
                        },
                        status: if missing {
                            Status::Missing
                        } else {
                            Status::Satisfied
                        },
                        evidence,
                        hint,
                    }
                })
        }

        fn policy() -> impl Strategy<Value = Option<PolicyInfo>> {
            let path = prop_oneof![
                Just(".shipgate.yml".to_owned()),
                Just(".github/shipgate.yml".to_owned()),
                text(),
            ];
            // Problems that name their place the way `ConfigError` does, and others.
            let problem = (any::<bool>(), 0..5u64, prop::option::of(0..5u64), text());
            let changed = (
                path,
                prop::sample::select(vec!["added", "modified", "renamed", "deleted"]),
                any::<bool>(),
                prop::collection::vec(problem, 0..3),
            )
                .prop_map(|(path, status, valid, problems)| PolicyChange {
                    errors: problems
                        .into_iter()
                        .map(|(located, line, col, rest)| match (located, col) {
                            (false, _) => rest,
                            (true, Some(col)) => format!("{path}@0a1b:{line}:{col}: {rest}"),
                            (true, None) => format!("{path}:{line}: {rest}"),
                        })
                        .collect(),
                    path,
                    status,
                    valid,
                });
            prop::option::of((text(), prop::option::of(changed), text()).prop_map(
                |(source, changed, reason)| PolicyInfo {
                    source,
                    changed,
                    from: PolicyFrom::Base,
                    reason,
                },
            ))
        }

        fn range() -> impl Strategy<Value = RangeInfo> {
            (text(), text(), text(), 0..3usize, 0..3usize).prop_map(
                |(base, head, merge_base, commits, files)| RangeInfo {
                    base,
                    head,
                    merge_base,
                    commits,
                    files,
                },
            )
        }

        pub(crate) fn report() -> impl Strategy<Value = Report> {
            let override_ =
                prop::option::of((any::<bool>(), text(), prop::option::of(text())).prop_map(
                    |(label, reason, commit)| Override {
                        source: if label {
                            OverrideSource::Label
                        } else {
                            OverrideSource::Trailer
                        },
                        reason,
                        commit,
                    },
                ));
            (
                0..3usize,
                name(),
                text(),
                prop::collection::vec(signal(), 0..3),
                prop::collection::vec(signal(), 0..2),
                range(),
                prop::collection::vec(requirement(), 0..4),
                override_,
                policy(),
                prop::collection::vec(text(), 0..3),
            )
                .prop_map(
                    |(
                        verdict,
                        stage,
                        stage_description,
                        stage_signals,
                        other_signals,
                        range,
                        requirements,
                        override_,
                        policy,
                        notes,
                    )| {
                        let mut verdict =
                            [Verdict::Pass, Verdict::Blocked, Verdict::Overridden][verdict];
                        // The text format (rightly) expects an override behind that verdict.
                        if verdict == Verdict::Overridden && override_.is_none() {
                            verdict = Verdict::Blocked;
                        }
                        Report {
                            schema: 1,
                            verdict,
                            stage,
                            stage_description,
                            stage_signals,
                            other_signals,
                            range,
                            requirements,
                            override_,
                            policy,
                            notes,
                        }
                    },
                )
        }

        /// The commands we mean, as the runner should see them after unescaping.
        fn meant(r: &Report) -> Vec<Command> {
            annotations(r)
                .into_iter()
                .map(|a| Command {
                    name: a.command.to_owned(),
                    properties: a
                        .properties()
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect(),
                    data: a.message,
                })
                .collect()
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: 400,
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            #[test]
            fn the_log_holds_exactly_the_commands_we_mean(r in report()) {
                let out = render(&r);
                let want = meant(&r);
                for matching in [Matching::Ordinal, Matching::Culture] {
                    prop_assert_eq!(runner::commands(&out, Names::Any, matching), want.clone());
                }
                // The people-readable part is the text format's lines, one for one (a `\r`
                // that the text format lets through is escaped here, not a line end).
                let text = crate::report::text::render(&r);
                prop_assert_eq!(
                    out.split('\n').count(),
                    text.split('\n').count() + want.len()
                );
            }

            #[test]
            fn error_and_warning_commands_are_one_command_each(m in text()) {
                for (command, name) in [(error_command(&m), "error"), (warning_command(&m), "warning")] {
                    let line = command.line() + "\n";
                    for matching in [Matching::Ordinal, Matching::Culture] {
                        let got = runner::commands(&line, Names::Any, matching);
                        prop_assert_eq!(got.len(), 1);
                        prop_assert_eq!(&got[0].name, name);
                        prop_assert_eq!(&got[0].data, &lines_visible(&m));
                    }
                }
            }

            #[test]
            fn outputs_read_back_exactly_or_are_refused(
                r in report(),
                d in prop::option::of(prop_oneof![text(), "[a-z]{1,2}"]),
            ) {
                let d = match d {
                    Some(d) => d,
                    None => delimiter().unwrap(),
                };
                let ids: Vec<&str> = missing_required(&r).map(|q| q.id.as_str()).collect();
                let missing = ids.join(",");
                let values = [
                    ("stage", r.stage.as_str()),
                    ("verdict", r.verdict.as_str()),
                    ("missing", missing.as_str()),
                ];
                match outputs(&r, &d) {
                    Ok(text) => {
                        let want: Vec<(String, String)> = values
                            .iter()
                            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                            .collect();
                        for windows in [false, true] {
                            prop_assert_eq!(runner::env_file(&text, windows), Ok(want.clone()));
                        }
                    }
                    Err(_) => {
                        let refused = d.is_empty()
                            || d.contains(['\r', '\n'])
                            || ids.iter().any(|id| id.is_empty() || id.contains(','))
                            || values.iter().any(|(k, v)| {
                                k.contains(&*d) || v.contains(&*d) || v.contains(['\r', '\n'])
                            });
                        prop_assert!(refused);
                    }
                }
            }

            #[test]
            fn markdown_is_inert_and_within_limits(r in report()) {
                let s = summary(&r);
                let c = comment(&r);
                prop_assert!(s.len() < SUMMARY_LIMIT);
                prop_assert!(c.len() < COMMENT_LIMIT);
                let body = c.strip_prefix(COMMENT_MARKER).unwrap();
                for doc in [s.as_str(), body] {
                    let bare = doc
                        .replace("<code>", "")
                        .replace("</code>", "")
                        .replace("<span>&#64;</span>", "")
                        .replace("<span>&#35;</span>", "")
                        .replace("<br>", "");
                    for bad in ['<', '>', '@', '\r', '`', '['] {
                        prop_assert!(!bare.contains(bad), "{:?} in {}", bad, doc);
                    }
                    // Our own `⚠️` holds a variation selector; nothing else may hide.
                    let ours = doc.replace("⚠️", "");
                    prop_assert!(!ours.chars().any(|c| hidden(c) && c != '\n'));
                    for row in doc.lines().filter(|l| l.starts_with("| <code>")) {
                        prop_assert_eq!(row.matches('|').count(), 6, "{}", row);
                    }
                }
            }
        }
    }
}
