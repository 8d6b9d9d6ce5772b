//! The step summary and the sticky comment: Markdown in which every piece of text from
//! the change is inert and reads as it was written (see the escaping rules in
//! [`super`]).

use std::borrow::Cow;
use std::fmt::Write as _;

use super::log::{head, missing_required};
use super::{COMMENT_LIMIT, COMMENT_MARKER, SUMMARY_LIMIT};
use crate::escape::visible;
use crate::judge::change::short_id as short;
use crate::judge::stage::Signal;
use crate::judge::verdict::{
    Browse, CheckResult, CheckStatus, EvidenceItem, Level, OverrideSource, PackageReport,
    RangeInfo, RangeKind, Report, RequirementResult, Status, Verdict,
};
use crate::names::name;
use crate::report::text::{drafted, drafted_package, release_reason, warned};

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
pub(super) struct Limits {
    /// The whole document stays below this many bytes.
    total: usize,
    /// One piece of text from the change, escaped.
    field: usize,
    /// Signals, ids in the headline, notes and policy problems listed.
    list: usize,
    /// Evidence items per requirement.
    evidence: usize,
    /// Findings listed per check.
    findings: usize,
}

impl Limits {
    pub(super) fn summary(total: usize) -> Limits {
        Limits {
            total,
            field: 4_096,
            list: 50,
            evidence: 10,
            findings: 100,
        }
    }

    fn comment(total: usize) -> Limits {
        Limits {
            total,
            field: 1_024,
            list: 20,
            evidence: 5,
            findings: 20,
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

pub(super) fn markdown(r: &Report, head: &str, lim: &Limits) -> String {
    let mut d = Doc::new(head, lim.total);
    let stage = md(&r.stage_description, lim.field);
    let missing: Vec<&RequirementResult> = missing_required(r).collect();
    let blocking: Vec<&CheckResult> = r.blocking_checks().collect();
    let warnings = r.warnings();

    let (mark, verdict) = verdict_words(r.verdict);
    d.line(|| format!("## {mark} shipgate: {verdict}"));
    d.blank();
    d.line(|| {
        if r.has_packages() {
            return headline_of_packages(r, lim);
        }
        let ids = || {
            let ids = shown_ids(&missing, lim);
            let checks: Vec<String> = blocking
                .iter()
                .map(|c| code(name(&c.id), lim.field))
                .collect();
            match (ids.is_empty(), checks.is_empty()) {
                (_, true) => format!("needs {}", ids.join(", ")),
                (true, false) => {
                    format!("has findings of required checks: {}", checks.join(", "))
                }
                (false, false) => format!(
                    "needs {}, and has findings of required checks: {}",
                    ids.join(", "),
                    checks.join(", ")
                ),
            }
        };
        match r.verdict {
            Verdict::Pass if drafted(r) => format!(
                "**pass** (draft): {stage} would be blocked: it {}; a draft passes until it is marked ready for review",
                ids()
            ),
            Verdict::Pass if warnings > 0 => format!(
                "**pass**: {stage} may ship ({warnings} warning{})",
                plural(warnings)
            ),
            Verdict::Pass => format!("**pass**: {stage} may ship"),
            Verdict::Blocked => format!("**blocked**: {stage} {}", ids()),
            Verdict::Overridden => format!(
                "**overridden**: {stage} {}, but the gate was overridden: {}",
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
    signal_list(&mut d, &r.stage_signals, &r.other_signals, lim);
    d.blank();

    let range = &r.range;
    d.line(|| {
        let mut line = format!("**Range** {}", range_words(range, lim));
        // Without packages, the root's requirements are the report's: say when they were
        // judged over a whole release rather than the change.
        if !r.has_packages()
            && let Some(root) = r.packages.first()
            && let Some(release) = release_words(root, lim)
        {
            let _ = write!(line, "; the requirements are judged over {release}");
        }
        line
    });

    if r.has_packages() {
        for p in &r.packages {
            package_section(&mut d, r, p, lim);
        }
    } else if !r.requirements.is_empty() {
        d.blank();
        requirement_table(&mut d, &r.requirements, (overridden(r), drafted(r)), lim);
    }

    write_checks(&mut d, r, lim);

    if let Some(o) = &r.override_ {
        d.blank();
        d.line(|| {
            let from = match (o.source, &o.commit) {
                (OverrideSource::Label, _) => "label".to_owned(),
                (OverrideSource::Trailer, Some(c)) => {
                    format!("trailer in commit {}", code(short(c), lim.field))
                }
                (OverrideSource::Trailer, None) => "trailer".to_owned(),
                (OverrideSource::Author, _) => "author".to_owned(),
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
            if let Some(parents) = policy.extends() {
                let parents: Vec<String> = parents.iter().map(|p| code(p, lim.field)).collect();
                line.push_str(&format!(", extending {}", parents.join(" → ")));
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

/// The checks as a table (id, level, status, what each says), then each check's findings
/// as a list, each at its file and line, linked to that line when the repository is known.
fn write_checks(d: &mut Doc, r: &Report, lim: &Limits) {
    if r.checks.is_empty() {
        return;
    }
    d.blank();
    d.line(|| "| Check | Level | Status | Note |".to_owned());
    d.line(|| "| --- | --- | --- | --- |".to_owned());
    for c in &r.checks {
        d.line(|| {
            let n = c.findings.len();
            let status = match (c.status, c.level, c.looked) {
                (CheckStatus::Ok, _, false) => "➖ not looked at".to_owned(),
                (CheckStatus::Ok, _, true) => "✅ ok".to_owned(),
                (CheckStatus::Findings, Level::Required, _) if r.verdict == Verdict::Overridden => {
                    format!("⚠️ {n} finding{} (overridden)", plural(n))
                }
                (CheckStatus::Findings, Level::Required, _) => {
                    format!("❌ {n} finding{}", plural(n))
                }
                (CheckStatus::Findings, Level::Warn, _) => {
                    format!("⚠️ {n} finding{} (not blocking)", plural(n))
                }
            };
            let note = c
                .note
                .as_deref()
                .map_or_else(String::new, |n| md(n, lim.field));
            format!(
                "| {}<br>{} | {} | {status} | {note} |",
                code(name(&c.id), lim.field),
                md(&c.description, lim.field),
                name(&c.level)
            )
        });
    }
    let links = r.browse.as_ref().and_then(|b| Links::new(b, &r.range.head));
    for c in r.checks.iter().filter(|c| !c.findings.is_empty()) {
        d.blank();
        d.line(|| format!("{}:", code(name(&c.id), lim.field)));
        d.blank();
        d.list(&c.findings, lim.findings, "finding", |f| {
            let place = match (&f.path, f.line) {
                (Some(path), Some(line)) => Some(format!("{path}:{line}")),
                (Some(path), None) => Some(path.clone()),
                _ => None,
            };
            let place = place.map(|p| {
                let shown = code(&p, lim.field);
                match (&links, &f.path) {
                    (Some(links), Some(path)) if f.path_exact => match links.to(path, f.line) {
                        Some(url) => format!("<a href=\"{url}\">{shown}</a> "),
                        None => format!("{shown} "),
                    },
                    _ => format!("{shown} "),
                }
            });
            format!(
                "- {}{}",
                place.unwrap_or_default(),
                md(&f.message, lim.field)
            )
        });
    }
}

/// Links to lines of the head commit on the repository's server, built only from what is
/// known to be inert in an HTML attribute: a server URL of plain characters, a GitHub
/// repository name, a commit id, and a path whose every other byte is percent-encoded.
struct Links {
    /// `<server>/<repository>/blob/<head>/`.
    base: String,
}

impl Links {
    fn new(browse: &Browse, head: &str) -> Option<Links> {
        let server = browse.server.trim().trim_end_matches('/');
        let (scheme, host) = server.split_once("://")?;
        let plain = |s: &str, extra: &[u8]| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b) || extra.contains(&b))
        };
        let (owner, repo) = browse.repository.split_once('/')?;
        let ok = matches!(scheme, "http" | "https")
            && plain(host, b":/")
            && plain(owner, b"")
            && plain(repo, b"")
            && matches!(head.len(), 40 | 64)
            && head.bytes().all(|b| b.is_ascii_hexdigit());
        ok.then(|| Links {
            base: format!("{scheme}://{host}/{owner}/{repo}/blob/{head}/"),
        })
    }

    /// The page of `path` at head, at `line`. Every byte of the path but ASCII letters,
    /// digits, `/` and `.` is percent-encoded, so that the link is as long whatever other
    /// punctuation the path holds (the documents are cut by length). `None` for a path
    /// with an empty, `.` or `..` part, which no git path has and which would lead out of
    /// the repository (`%2E%2E` too is a step up in a URL).
    fn to(&self, path: &str, line: Option<u32>) -> Option<String> {
        if path.split('/').any(|p| matches!(p, "" | "." | "..")) {
            return None;
        }
        let mut url = self.base.clone();
        for b in path.bytes() {
            if b.is_ascii_alphanumeric() || b == b'/' || b == b'.' {
                url.push(char::from(b));
            } else {
                let _ = write!(url, "%{b:02X}");
            }
        }
        if let Some(line) = line {
            let _ = write!(url, "#L{line}");
        }
        Some(url)
    }
}

/// `base..head, N commits, M files`.
fn range_words(range: &RangeInfo, lim: &Limits) -> String {
    format!(
        "{}, {} commit{}, {} file{}",
        code(
            &format!("{}..{}", short(&range.base), short(&range.head)),
            lim.field
        ),
        range.commits,
        plural(range.commits),
        range.files,
        plural(range.files)
    )
}

/// `the whole release since <tag>, as …: <range>` for a package judged over its release.
fn release_words(p: &PackageReport, lim: &Limits) -> Option<String> {
    let range = &p.range;
    if range.kind != RangeKind::Release {
        return None;
    }
    let since = match &range.previous_release {
        Some(tag) => format!("since {}", code(tag, lim.field)),
        None => "since the first commit (a first release)".to_owned(),
    };
    Some(format!(
        "the whole release {since}{}: {}",
        release_reason(&p.stage_signals),
        range_words(range, lim)
    ))
}

fn overridden(r: &Report) -> bool {
    r.verdict == Verdict::Overridden
}

fn requirement_table(
    d: &mut Doc,
    requirements: &[RequirementResult],
    (overridden, drafted): (bool, bool),
    lim: &Limits,
) {
    d.line(|| "| Requirement | Level | Status | Evidence | To satisfy |".to_owned());
    d.line(|| "| --- | --- | --- | --- | --- |".to_owned());
    for q in requirements {
        d.line(|| requirement_row(q, (overridden, drafted), lim));
    }
}

/// One package of a report with packages: its verdict, stage, range and requirements.
fn package_section(d: &mut Doc, r: &Report, p: &PackageReport, lim: &Limits) {
    d.blank();
    d.line(|| {
        let (mark, verdict) = verdict_words(p.verdict);
        let folder = if p.is_root() {
            "files outside every package".to_owned()
        } else {
            code(&p.path, lim.field)
        };
        format!(
            "### {mark} {} ({folder}): {verdict}",
            code(&p.name, lim.field)
        )
    });
    d.blank();
    d.line(|| {
        format!(
            "**Stage** {} ({}){}",
            code(&p.stage, lim.field),
            md(&p.stage_description, lim.field),
            if p.stage_signals.is_empty() {
                ": no release signal"
            } else {
                ", named by:"
            }
        )
    });
    signal_list(d, &p.stage_signals, &p.other_signals, lim);
    d.blank();
    d.line(|| match release_words(p, lim) {
        Some(release) => format!("**Range** {release}"),
        None => "**Range** the change".to_owned(),
    });
    if !p.requirements.is_empty() {
        d.blank();
        requirement_table(
            d,
            &p.requirements,
            (overridden(r), drafted_package(r, p)),
            lim,
        );
    }
}

/// The ids of `missing` as code, at most `lim.list` of them and then how many more.
fn shown_ids(missing: &[&RequirementResult], lim: &Limits) -> Vec<String> {
    let mut ids: Vec<String> = missing
        .iter()
        .take(lim.list)
        .map(|q| code(&q.id, lim.field))
        .collect();
    if missing.len() > lim.list {
        ids.push(format!("and {} more", missing.len() - lim.list));
    }
    ids
}

/// The headline of a report with packages: what each package that decides it needs.
fn headline_of_packages(r: &Report, lim: &Limits) -> String {
    let needs = |p: &&PackageReport| {
        let missing: Vec<&RequirementResult> = p.missing_required().collect();
        let ids = shown_ids(&missing, lim);
        format!(
            "{} ({}) needs {}",
            package_name(p, lim),
            md(&p.stage_description, lim.field),
            ids.join(", ")
        )
    };
    let blocking: Vec<&PackageReport> = r
        .packages
        .iter()
        .filter(|p| p.missing_required().next().is_some())
        .collect();
    let listed = |items: Vec<String>| {
        let more = items.len().saturating_sub(lim.list);
        let mut shown: Vec<String> = items.into_iter().take(lim.list).collect();
        if more > 0 {
            shown.push(format!("and {more} more package{}", plural(more)));
        }
        shown.join("; ")
    };
    // What blocks: the packages' missing requirements, then the required checks with
    // findings, which are the change's as a whole.
    let checks: Vec<String> = r
        .blocking_checks()
        .map(|c| code(name(&c.id), lim.field))
        .collect();
    let blocks = || {
        let mut parts = Vec::new();
        if !blocking.is_empty() {
            parts.push(listed(blocking.iter().map(needs).collect()));
        }
        if !checks.is_empty() {
            parts.push(format!(
                "the change has findings of required checks: {}",
                checks.join(", ")
            ));
        }
        parts.join("; ")
    };
    match r.verdict {
        Verdict::Pass if !blocking.is_empty() || !checks.is_empty() => format!(
            "**pass** (draft): {}; a draft passes until it is marked ready for review",
            blocks()
        ),
        Verdict::Pass => {
            let shipping = r
                .packages
                .iter()
                .map(|p| {
                    format!(
                        "{} ({}){}",
                        package_name(p, lim),
                        md(&p.stage_description, lim.field),
                        warned(p.warnings())
                    )
                })
                .collect();
            format!("**pass**: {} may ship", listed(shipping))
        }
        Verdict::Blocked => format!("**blocked**: {}", blocks()),
        Verdict::Overridden => format!(
            "**overridden**: {}, but the gate was overridden: {}",
            blocks(),
            r.override_.as_ref().map_or_else(
                || "no reason recorded".to_owned(),
                |o| md(&o.reason, lim.field)
            )
        ),
    }
}

/// How a headline names a package: by its name, the root package in words.
fn package_name(p: &PackageReport, lim: &Limits) -> String {
    if p.is_root() {
        "the root package".to_owned()
    } else {
        code(&p.name, lim.field)
    }
}

fn verdict_words(verdict: Verdict) -> (&'static str, &'static str) {
    match verdict {
        Verdict::Pass => ("✅", "pass"),
        Verdict::Blocked => ("❌", "blocked"),
        Verdict::Overridden => ("⚠️", "overridden"),
    }
}

fn requirement_row(
    q: &RequirementResult,
    (overridden, drafted): (bool, bool),
    lim: &Limits,
) -> String {
    let level = name(&q.level);
    let status = match (q.status, q.level) {
        (Status::Satisfied, _) => "✅ satisfied",
        (Status::Missing, Level::Required) if overridden => "⚠️ missing (overridden)",
        (Status::Missing, Level::Required) if drafted => {
            "⚠️ missing (blocks once ready for review)"
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
    let mut out = format!("{} {}", name(&e.source), code(&e.detail, lim.field));
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

/// The signals that named a stage, then those that named weaker ones.
fn signal_list(d: &mut Doc, deciding: &[Signal], other: &[Signal], lim: &Limits) {
    if !deciding.is_empty() || !other.is_empty() {
        d.blank();
    }
    let signals: Vec<(&Signal, bool)> = deciding
        .iter()
        .map(|s| (s, true))
        .chain(other.iter().map(|s| (s, false)))
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
}

fn signal(s: &Signal, lim: &Limits) -> String {
    match &s.commit {
        Some(c) => format!(
            "{} {} in commit {}",
            name(&s.source),
            code(&s.detail, lim.field),
            code(short(c), lim.field)
        ),
        None => format!("{} {}", name(&s.source), code(&s.detail, lim.field)),
    }
}

/// Text from the change as Markdown prose. A part between a pair of backticks (hints and
/// problems quote paths and keys that way) is shown as code.
pub(crate) fn md(s: &str, max: usize) -> String {
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
pub(crate) fn code(s: &str, max: usize) -> String {
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
