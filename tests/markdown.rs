//! The step summary and the pull-request comment as GitHub shows them: rendered by
//! cmark-gfm (tests/gfm), the renderer GitHub uses, with GitHub's extensions.
//!
//! Text from the change must stay text there: no link, autolink, image, checkbox, code
//! block, heading, emphasis or table cell that the text brought, and the text reads as it
//! was written (`\u{..}` escapes for invisible characters aside).
//!
//! **The oracle.** A report and its *neutral twin* are rendered, and their HTML must hold
//! the same elements in the same places (tags and attributes; the text left out). The twin
//! is the same report with every piece of text from the change rewritten character by
//! character into characters that mean nothing to Markdown, GFM, cmark-gfm's autolinks or
//! GitHub's reference filters: ASCII letters and digits become `x`, ASCII punctuation
//! becomes `%` or `}` (whose references are as long as the original's, so every field is
//! cut at the same place and the documents at the same line), ASCII controls become
//! U+0001 or U+0010 (shown as escapes as long as the original's). Kept are only the
//! characters that the escaping turns into markup on purpose, so that the twin has that
//! markup too: `@` and `#` (a `<span>` each) and, in prose, backticks (pairs are code);
//! in code, `/` and `.`, which decide whether a finding's path is linked to its line and
//! how long that link is; the hex digits of a commit id, which stays one; non-ASCII
//! characters, which carry no Markdown syntax; and spaces, whose only syntax here (an
//! indented code block, a hard line break) renders as `<pre>` or `<br />`. Whatever the
//! real text brought beyond that shows as a difference (links compared without their
//! targets, which differ with the paths); what the kept characters could bring is caught
//! by the second check, on both documents: every element is one the report itself writes
//! (headings, paragraphs, emphasis, lists, the tables, `<code>`, `<br>`, a `<span>`
//! holding one `@` or `#`, and a link to a line of the head commit on github.com around
//! the `<code>` that names it), none other has an attribute, and the only comment is the
//! comment's marker. No other `<a>`, no `<img>`, `<input>`, `<pre>`, `<del>` or `<br />`
//! can pass.
//! A third check stands for GitHub's mention and issue filters, which run after
//! cmark-gfm: outside `<code>`, an `@` or `#` is a run of text of its own.

mod common;
mod gfm;

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use gfm::{Element, Gfm, Mode, Node, Rendered};
use shipgate::judge::stage::{Signal, SignalSource};
use shipgate::judge::verdict::{
    Browse, CheckId, CheckResult, CheckStatus, EvidenceItem, EvidenceSource, Finding, Level,
    Override, OverrideSource, PackageReport, PolicyChange, PolicyFrom, PolicyInfo, RangeInfo,
    RangeKind, Report, RequirementResult, Status, Verdict,
};
use shipgate::report::github::{COMMENT_MARKER, comment, summary};

// ---- Reports and their text ------------------------------------------------------------

/// How the report shows a piece of text from the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Inline code: paths, ids, trailers, labels, body lines, commits.
    Code,
    /// Prose, where a pair of backticks quotes code: descriptions, hints, reasons, notes,
    /// policy problems.
    Prose,
    /// A commit id, shown as its first ten bytes in code.
    Commit,
    /// Not shown: the stage a deciding signal names (the stage line says it), the
    /// merge-base.
    Unshown,
}

/// Calls `f` on every piece of text in the report that comes from the change or from the
/// policy, in a fixed order.
fn each_text(r: &mut Report, f: &mut dyn FnMut(Kind, &mut String)) {
    // With packages, each package shows its own requirements, the root's among them, and
    // the report's own are the root's: not shown twice.
    let grouped = r.has_packages();
    f(Kind::Code, &mut r.stage);
    f(Kind::Prose, &mut r.stage_description);
    signals(&mut r.stage_signals, &mut r.other_signals, true, f);
    f(Kind::Commit, &mut r.range.base);
    f(Kind::Commit, &mut r.range.head);
    f(Kind::Unshown, &mut r.range.merge_base);
    if let Some(tag) = &mut r.range.previous_release {
        f(Kind::Unshown, tag);
    }
    requirements(&mut r.requirements, !grouped, f);
    for c in &mut r.checks {
        f(Kind::Prose, &mut c.description);
        for finding in &mut c.findings {
            f(Kind::Prose, &mut finding.message);
            if let Some(path) = &mut finding.path {
                f(Kind::Code, path);
            }
        }
        if let Some(note) = &mut c.note {
            f(Kind::Prose, note);
        }
    }
    if let Some(o) = &mut r.override_ {
        f(Kind::Prose, &mut o.reason);
        if let Some(c) = &mut o.commit {
            f(Kind::Commit, c);
        }
    }
    if let Some(p) = &mut r.policy {
        f(Kind::Code, &mut p.source);
        // The first of the chain is the source; the others are shown as code.
        for (i, file) in p.chain.iter_mut().enumerate() {
            f(if i == 0 { Kind::Unshown } else { Kind::Code }, file);
        }
        f(Kind::Prose, &mut p.reason);
        if let Some(changed) = &mut p.changed {
            f(Kind::Code, &mut changed.path);
            for e in &mut changed.errors {
                f(Kind::Prose, e);
            }
        }
    }
    for n in &mut r.notes {
        f(Kind::Prose, n);
    }
    for p in &mut r.packages {
        let shown = |kind| if grouped { kind } else { Kind::Unshown };
        // The root package's `.` is the report's own word for it, not text.
        if !p.is_root() {
            f(shown(Kind::Code), &mut p.name);
            f(shown(Kind::Code), &mut p.path);
        }
        f(shown(Kind::Code), &mut p.stage);
        f(shown(Kind::Prose), &mut p.stage_description);
        signals(&mut p.stage_signals, &mut p.other_signals, grouped, f);
        // A release range is shown, the root's too when it is the only package.
        let release = p.range.kind == RangeKind::Release;
        let range = |kind| if release { kind } else { Kind::Unshown };
        f(range(Kind::Commit), &mut p.range.base);
        f(range(Kind::Commit), &mut p.range.head);
        f(Kind::Unshown, &mut p.range.merge_base);
        if let Some(tag) = &mut p.range.previous_release {
            f(range(Kind::Code), tag);
        }
        requirements(&mut p.requirements, grouped, f);
    }
}

fn signals(
    deciding: &mut [Signal],
    other: &mut [Signal],
    shown: bool,
    f: &mut dyn FnMut(Kind, &mut String),
) {
    let or_unshown = |kind| if shown { kind } else { Kind::Unshown };
    for (s, decides) in deciding
        .iter_mut()
        .map(|s| (s, true))
        .chain(other.iter_mut().map(|s| (s, false)))
    {
        f(or_unshown(Kind::Code), &mut s.detail);
        f(
            if decides {
                Kind::Unshown
            } else {
                or_unshown(Kind::Code)
            },
            &mut s.stage,
        );
        if let Some(c) = &mut s.commit {
            f(or_unshown(Kind::Commit), c);
        }
    }
}

fn requirements(list: &mut [RequirementResult], shown: bool, f: &mut dyn FnMut(Kind, &mut String)) {
    let or_unshown = |kind| if shown { kind } else { Kind::Unshown };
    for q in list {
        f(or_unshown(Kind::Code), &mut q.id);
        f(or_unshown(Kind::Prose), &mut q.description);
        for e in &mut q.evidence {
            f(or_unshown(Kind::Code), &mut e.detail);
            if let Some(c) = &mut e.commit {
                f(or_unshown(Kind::Commit), c);
            }
            if let Some(old) = &mut e.old_path {
                f(or_unshown(Kind::Code), old);
            }
        }
        if let Some(h) = &mut q.hint {
            f(or_unshown(Kind::Prose), h);
        }
    }
}

/// The neutral twin of a piece of text (see the module docs).
fn neutral_text(s: &str, kind: Kind) -> String {
    s.chars()
        .map(|c| match c {
            '@' | '#' | ' ' => c,
            // A path's `/` and `.` stay: whether it is linked to depends on its `.` and `..`
            // parts, and the link is as long as the report's (these two stay as they are
            // there, and every other punctuation character is percent-encoded, as `%`
            // and `}` are).
            '/' | '.' if kind == Kind::Code => c,
            // A commit id stays one, so that the twin links to lines where the report does.
            c if kind == Kind::Commit && c.is_ascii_hexdigit() => c,
            '`' if kind == Kind::Prose => c,
            c if c.is_ascii_alphanumeric() => 'x',
            // `&#NN;` or `&#NNN;`, as long as the original's.
            c if c.is_ascii_punctuation() => {
                if (c as u32) < 100 {
                    '%'
                } else {
                    '}'
                }
            }
            // `\u{N}` or `\u{NN}`, as long as the original's.
            c if c.is_ascii_control() => {
                if (c as u32) < 0x10 {
                    '\u{1}'
                } else {
                    '\u{10}'
                }
            }
            c => c,
        })
        .collect()
}

fn neutral(r: &Report) -> Report {
    let mut n = r.clone();
    each_text(&mut n, &mut |kind, s| *s = neutral_text(s, kind));
    n
}

const COMMIT: &str = "c0ffee0000c0ffee0000c0ffee0000c0ffee0000";

/// A report with every kind of text in it, each piece a plain word.
fn full_report() -> Report {
    let signal = |source, detail: &str, stage: &str, commit: Option<&str>| Signal {
        source,
        detail: detail.to_owned(),
        stage: stage.to_owned(),
        commit: commit.map(str::to_owned),
    };
    let evidence = |source, detail: &str, commit: Option<&str>| EvidenceItem {
        source,
        detail: detail.to_owned(),
        commit: commit.map(str::to_owned),
        status: None,
        old_path: None,
        url: None,
    };
    let mut r = Report {
        schema: 1,
        verdict: Verdict::Overridden,
        stage: "full".to_owned(),
        stage_description: "a full release".to_owned(),
        stage_signals: vec![signal(SignalSource::Label, "release", "full", None)],
        other_signals: vec![signal(SignalSource::Trailer, "beta", "beta", Some(COMMIT))],
        range: RangeInfo {
            base: COMMIT.to_owned(),
            head: COMMIT.to_owned(),
            merge_base: COMMIT.to_owned(),
            commits: 2,
            files: 3,
            kind: RangeKind::Change,
            previous_release: None,
        },
        requirements: vec![
            RequirementResult {
                id: "docs".to_owned(),
                description: "docs updated".to_owned(),
                level: Level::Required,
                status: Status::Satisfied,
                evidence: vec![
                    EvidenceItem {
                        status: Some("renamed"),
                        old_path: Some("old".to_owned()),
                        ..evidence(EvidenceSource::File, "docs", None)
                    },
                    evidence(EvidenceSource::Trailer, "trailer", Some(COMMIT)),
                    evidence(EvidenceSource::Label, "label", None),
                    evidence(EvidenceSource::Body, "body", None),
                ],
                hint: None,
            },
            RequirementResult {
                id: "template".to_owned(),
                description: "a template".to_owned(),
                level: Level::Required,
                status: Status::Missing,
                evidence: vec![],
                hint: Some("add a template".to_owned()),
            },
        ],
        override_: Some(Override {
            source: OverrideSource::Trailer,
            reason: "outage".to_owned(),
            commit: Some(COMMIT.to_owned()),
        }),
        draft: false,
        policy: Some(PolicyInfo {
            source: "policy".to_owned(),
            chain: vec!["policy".to_owned()],
            changed: Some(PolicyChange {
                path: "path".to_owned(),
                status: "modified",
                valid: false,
                errors: vec!["problem".to_owned()],
            }),
            from: PolicyFrom::Base,
            reason: "reason".to_owned(),
        }),
        checks: vec![
            CheckResult {
                id: CheckId::Leftovers,
                description: "no leftovers".to_owned(),
                level: Level::Warn,
                status: CheckStatus::Findings,
                findings: vec![
                    Finding {
                        message: "leftover".to_owned(),
                        path: Some("app".to_owned()),
                        line: Some(12),
                        path_exact: true,
                        key: String::new(),
                    },
                    Finding {
                        message: "whole".to_owned(),
                        path: None,
                        line: None,
                        path_exact: false,
                        key: String::new(),
                    },
                ],
                note: Some("counted".to_owned()),
                looked: true,
            },
            CheckResult {
                id: CheckId::Review,
                description: "a review".to_owned(),
                level: Level::Required,
                status: CheckStatus::Ok,
                findings: vec![],
                note: None,
                looked: false,
            },
        ],
        browse: Some(Browse {
            server: "https://github.com".to_owned(),
            repository: "acme/hedgehog".to_owned(),
        }),
        notes: vec!["note".to_owned()],
        packages: Vec::new(),
        notify_slack_var: None,
    };
    // Without packages the root is the only package, and its range, a release here, is
    // what the report shows of it.
    let root = package(&r, ".", ".", Some("previous"));
    r.packages = vec![root];
    r
}

/// The same report with packages: the root's judged over the change, another's over its
/// release.
fn full_report_with_packages() -> Report {
    let mut r = full_report();
    let root = package(&r, ".", ".", None);
    let mut web = package(&r, "web", "packages/web", Some("web@1.0.0"));
    web.stage_signals = vec![Signal {
        source: SignalSource::Version,
        detail: "version".to_owned(),
        stage: "full".to_owned(),
        commit: None,
    }];
    web.other_signals = vec![Signal {
        source: SignalSource::Trailer,
        detail: "beta".to_owned(),
        stage: "beta".to_owned(),
        commit: Some(COMMIT.to_owned()),
    }];
    r.packages = vec![root, web];
    r
}

/// A package with the report's stage and requirements, judged over the change or, with
/// a previous release, over the release since it.
fn package(r: &Report, name: &str, path: &str, previous: Option<&str>) -> PackageReport {
    PackageReport {
        name: name.to_owned(),
        path: path.to_owned(),
        stage: r.stage.clone(),
        stage_description: r.stage_description.clone(),
        stage_signals: r.stage_signals.clone(),
        other_signals: r.other_signals.clone(),
        range: RangeInfo {
            kind: if previous.is_some() {
                RangeKind::Release
            } else {
                RangeKind::Change
            },
            previous_release: previous.map(str::to_owned),
            ..r.range.clone()
        },
        requirements: r.requirements.clone(),
        verdict: r.verdict,
    }
}

// ---- The checks ------------------------------------------------------------------------

/// The elements the report itself writes.
const ALLOWED: [&str; 16] = [
    "h2", "h3", "p", "strong", "em", "ul", "li", "table", "thead", "tbody", "tr", "th", "td",
    "code", "br", "span",
];

/// Every element is one the report writes, without attributes; a `<span>` holds one `@`
/// or `#`; `<br>` is the report's (cmark-gfm writes its own line breaks `<br />`); the only
/// comment is the marker that starts the pull-request comment.
fn only_our_elements(doc: &Rendered, comment: bool) -> Result<(), String> {
    let all = doc.tree.descendants();
    for (i, e) in all.iter().enumerate() {
        let ok = match e.tag.as_str() {
            "#comment" => {
                comment && i == 0 && e.children == [Node::Text(" shipgate:report ".to_owned())]
            }
            "span" => {
                e.children == [Node::Text("@".to_owned())]
                    || e.children == [Node::Text("#".to_owned())]
            }
            "br" => !e.selfclosing,
            // A link to a line, around the code that names it.
            "a" => {
                let [(attr, Some(url))] = &e.attrs[..] else {
                    return Err(format!("a link with {:?}", e.attrs));
                };
                let code = matches!(&e.children[..], [Node::Element(c)] if c.tag == "code");
                if attr != "href" || !is_line_link(url) || !code {
                    return Err(format!("a link to {url:?} around {:?}", e.children));
                }
                continue;
            }
            tag => ALLOWED.contains(&tag),
        };
        if !ok || !e.attrs.is_empty() {
            return Err(format!(
                "element <{}{}> {:?} is not one the report writes",
                e.tag,
                if e.selfclosing { " /" } else { "" },
                e.attrs
            ));
        }
    }
    Ok(())
}

/// Whether `url` is a link the report makes to a line:
/// `https://github.com/acme/hedgehog/blob/<commit>/<path>#L<n>`, the path percent-encoded
/// but for ASCII letters, digits, `/` and `.`, without empty, `.` or `..` parts, and
/// nothing in it an attribute or a URL could give meaning to.
fn is_line_link(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://github.com/acme/hedgehog/blob/") else {
        return false;
    };
    let Some((commit, rest)) = rest.split_once('/') else {
        return false;
    };
    let (path, line) = match rest.split_once("#L") {
        Some((path, line)) => (path, Some(line)),
        None => (rest, None),
    };
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3);
            if !hex.is_some_and(|h| {
                h.iter()
                    .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c))
            }) {
                return false;
            }
            i += 3;
            continue;
        }
        if !(b.is_ascii_alphanumeric() || b == b'/' || b == b'.') {
            return false;
        }
        i += 1;
    }
    commit.len() == 40
        && path.split('/').all(|p| !matches!(p, "" | "." | ".."))
        && commit.bytes().all(|b| b.is_ascii_hexdigit())
        && !path.is_empty()
        && line.is_none_or(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
}

/// The structure with every link's target replaced: the twin's paths differ, and so do
/// its targets, which [`only_our_elements`] checks one by one.
fn without_targets(structure: &str) -> String {
    structure
        .lines()
        .map(|line| match line.strip_prefix("<a href=") {
            Some(_) => "<a href=LINK>",
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// GitHub links mentions (`@ada`, `@acme/team`) and issue references (`#12`,
/// `acme/hedgehog#12`) in each run of text that is not inside `<code>`, `<pre>` or `<a>`,
/// the way html-pipeline's filters do: outside those, an `@` or a `#` must be a run of
/// text of its own, in its `<span>`.
fn no_reference_outside_code(e: &Element) -> Result<(), String> {
    if ["code", "pre", "a"].contains(&e.tag.as_str())
        || e.tag.starts_with('#') && e.tag != "#document"
    {
        return Ok(());
    }
    for child in &e.children {
        match child {
            Node::Text(t) if t.contains(['@', '#']) => {
                if !(e.tag == "span" && (t == "@" || t == "#")) {
                    return Err(format!("{t:?} could be a mention or an issue reference"));
                }
            }
            Node::Text(_) => {}
            Node::Element(child) => no_reference_outside_code(child)?,
        }
    }
    Ok(())
}

/// Renders the summary and the comment of `r` and of its neutral twin, and checks that
/// the text brought no markup (see the module docs). Returns the renderings of `r`.
fn render_inert(gfm: &mut Gfm, r: &Report) -> Result<[Rendered; 2], String> {
    let twin = neutral(r);
    let docs = [summary(r), comment(r), summary(&twin), comment(&twin)];
    let mut out = gfm
        .render(&[
            (&docs[0], Mode::Document),
            (&docs[1], Mode::Comment),
            (&docs[2], Mode::Document),
            (&docs[3], Mode::Comment),
        ])
        .into_iter();
    let (s, c, ts, tc) = (
        out.next().unwrap(),
        out.next().unwrap(),
        out.next().unwrap(),
        out.next().unwrap(),
    );
    for (name, doc, twin_doc, md, twin_md, is_comment) in [
        ("summary", &s, &ts, &docs[0], &docs[2], false),
        ("comment", &c, &tc, &docs[1], &docs[3], true),
    ] {
        let context = || {
            format!(
                "\n--- {name} markdown\n{md}\n--- {name} html\n{}\n--- neutral twin markdown\n{twin_md}\n--- neutral twin html\n{}",
                doc.html, twin_doc.html
            )
        };
        only_our_elements(doc, is_comment).map_err(|e| format!("{e}{}", context()))?;
        no_reference_outside_code(&doc.tree).map_err(|e| format!("{e}{}", context()))?;
        only_our_elements(twin_doc, is_comment)
            .map_err(|e| format!("in the twin: {e}{}", context()))?;
        let (got, want) = (
            without_targets(&doc.tree.structure()),
            without_targets(&twin_doc.tree.structure()),
        );
        if got != want {
            let at = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(got.lines().count().min(want.lines().count()));
            return Err(format!(
                "the text brought markup: element {at} is {:?}, the neutral twin has {:?}{}",
                got.lines().nth(at),
                want.lines().nth(at),
                context()
            ));
        }
    }
    Ok([s, c])
}

fn start() -> Option<Gfm> {
    gfm::python().map(Gfm::start)
}

/// The texts of the elements named `tag`, in document order.
fn texts(doc: &Rendered, tag: &str) -> Vec<String> {
    doc.tree
        .descendants()
        .into_iter()
        .filter(|e| e.tag == tag)
        .map(Element::text)
        .collect()
}

// ---- The oracle can fail ---------------------------------------------------------------

/// What the checks stand on: the renderer links what the escaping must stop, and the
/// references alone do not stop an email address.
#[test]
fn the_renderer_links_addresses_urls_and_www_in_plain_text() {
    let Some(mut gfm) = start() else { return };
    let linked = [
        // cmark-gfm's email autolink reads decoded text, inside raw <code> too: the
        // escaping before this test existed.
        "file <code>docs&#47;ada&#64;evil&#46;example&#46;md</code>",
        "trailer <code>Docs&#58; write to ops&#64;evil&#46;example</code>",
        "<code>mailto&#58;ops&#64;evil&#46;example</code>",
        "ops@evil.example",
        "www.evil.example",
        "https://evil.example",
        "- [ ] task",
    ];
    let rendered = gfm.render(&linked.map(|m| (m, Mode::Document)));
    for (md, doc) in linked.iter().zip(&rendered) {
        assert!(only_our_elements(doc, false).is_err(), "{md}: {}", doc.html);
    }
    assert!(
        rendered[0]
            .html
            .contains("<a href=\"mailto:ada@evil.example.md\">")
    );

    // URLs and www. are found in the source, at a raw `:` or `www.`: references hide them.
    let plain = [
        "<code>www&#46;evil&#46;example</code> www&#46;evil&#46;example",
        "<code>https&#58;&#47;&#47;evil&#46;example</code> https&#58;//evil.example",
        "http&#58;&#47;&#47;evil&#46;example ftp&#58;//evil.example",
    ];
    for (md, doc) in plain
        .iter()
        .zip(gfm.render(&plain.map(|m| (m, Mode::Document))))
    {
        assert_eq!(only_our_elements(&doc, false), Ok(()), "{md}: {}", doc.html);
    }
}

#[test]
fn a_neutral_twin_keeps_lengths_and_the_markup_we_make() {
    assert_eq!(
        neutral_text("Docs: ops@evil.example #12 `k` <b>\n\u{7f}é", Kind::Prose),
        "xxxx% xxx@xxxx%xxxxxxx #xx `x` %x%\u{1}\u{10}é"
    );
    assert_eq!(neutral_text("`k`|~", Kind::Code), "%x%}}");
    assert_eq!(neutral_text("src/a-b.js", Kind::Code), "xxx/x%x.xx");
}

/// `each_text` reaches every string of a report that is not one of the report's own words.
#[test]
fn every_text_of_a_report_is_visited() {
    for (mut r, texts) in [(full_report(), 55), (full_report_with_packages(), 77)] {
        every_text_is_visited(&mut r, texts);
    }
}

fn every_text_is_visited(r: &mut Report, texts: usize) {
    each_text(r, &mut |_, s| *s = "~".to_owned());
    assert_eq!(r.stage_description, "~", "not in the JSON");
    let ours = [
        "leftovers",
        "review",
        "findings",
        "ok",
        "warn",
        "overridden",
        "label",
        "trailer",
        "file",
        "body",
        "required",
        "satisfied",
        "missing",
        "renamed",
        "modified",
        "base",
        "change",
        "release",
        "version",
        ".",
    ];
    fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
            serde_json::Value::Object(o) => o.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    strings(&serde_json::to_value(&*r).unwrap(), &mut all);
    let left: Vec<&String> = all
        .iter()
        .filter(|s| *s != "~" && !ours.contains(&s.as_str()))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(all.iter().filter(|s| *s == "~").count(), texts);
}

// ---- The findings ------------------------------------------------------------------------

/// The change of the finding, run through the binary as a pull-request step: a file
/// `docs/ada@evil.example.md`, a trailer `Docs: write to ops@evil.example`, a body line,
/// and a policy file whose key is an address. The step summary shows each as text.
#[test]
fn addresses_in_the_change_show_as_text_in_the_step_summary() {
    let Some(mut gfm) = start() else { return };
    let repo = common::Repo::with_base();
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("docs/ada@evil.example.md", "# Replay\n");
    repo.write("web/ada@evil.example.js", "console.log(1)\n");
    repo.write(".shipgate.yml", "version: 1\nops@evil.example: 1\n");
    let head = repo.commit("feat: replay\n\nDocs: write to ops@evil.example");
    let short = &head[..10];

    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/events/pull_request_opened.json");
    let mut event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    event["pull_request"]["base"]["sha"] = base.clone().into();
    event["pull_request"]["head"]["sha"] = head.clone().into();
    event["pull_request"]["body"] = "Adds replay.\r\n\r\nDocs: ask ops@evil.example\r\n".into();
    let event = repo.tmp_file("event.json", &event.to_string());
    let summary_file = repo.tmp_file("summary", "");
    let out = repo
        .shipgate()
        .env("GITHUB_ACTIONS", "true")
        .env("CI", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_WORKSPACE", repo.path())
        .env("GITHUB_REPOSITORY", "acme/hedgehog")
        .env("GITHUB_SHA", &head)
        .env("GITHUB_API_URL", "http://127.0.0.1:9")
        .env("GITHUB_STEP_SUMMARY", &summary_file)
        .env("INPUT_TOKEN", "")
        .env("INPUT_COMMENT", "false")
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(&summary_file).unwrap();
    let doc = gfm.render(&[(&md, Mode::Document)]).remove(0);
    assert_eq!(only_our_elements(&doc, false), Ok(()), "{md}\n{}", doc.html);
    // The leftover's line, and no other link.
    let link = format!(
        "<a href=\"https://github.com/acme/hedgehog/blob/{head}/web/ada%40evil.example.js#L1\"><code>web/ada<span>@</span>evil.example.js:1</code></a>"
    );
    assert_eq!(doc.html.matches("<a ").count(), 1, "{}", doc.html);
    assert!(doc.html.contains(&link), "{}", doc.html);

    let code = texts(&doc, "code");
    for shown in [
        "web/ada@evil.example.js:1",
        "docs/ada@evil.example.md",
        "Docs: write to ops@evil.example",
        "Docs: ask ops@evil.example",
        "ops@evil.example",
    ] {
        assert!(code.iter().any(|c| c == shown), "{shown:?} in {code:?}");
    }
    let problem = format!(
        ".shipgate.yml@{short}:2:1: ops@evil.example: unknown key; expected one of: version, \
         extends, drafts, stages, signals, flag-registry, requirements, overrides, checks, \
         packages, notify"
    );
    assert!(texts(&doc, "li").contains(&problem), "{}", doc.html);
    let evidence = format!(
        "file docs/ada@evil.example.md (added)trailer Docs: write to ops@evil.example in commit \
         {short}body Docs: ask ops@evil.example"
    );
    assert!(texts(&doc, "td").contains(&evidence), "{}", doc.html);
}

/// The same pieces of text in the pull-request comment.
#[test]
fn addresses_in_the_change_show_as_text_in_the_comment() {
    let Some(mut gfm) = start() else { return };
    let mut r = full_report();
    let q = &mut r.requirements[0];
    q.evidence[0].detail = "docs/ada@evil.example.md".to_owned();
    q.evidence[1].detail = "Docs: write to ops@evil.example".to_owned();
    q.evidence[3].detail = "Docs: ask ops@evil.example".to_owned();
    let problem = ".shipgate.yml@0a1b2c3d4e:2:1: `ops@evil.example`: unknown key";
    r.policy.as_mut().unwrap().changed.as_mut().unwrap().errors = vec![problem.to_owned()];
    let [_, c] = render_inert(&mut gfm, &r).unwrap();
    // The one link is the report's own, to the finding's line.
    assert_eq!(c.html.matches("<a ").count(), 1, "{}", c.html);
    let code = texts(&c, "code");
    for shown in [
        "docs/ada@evil.example.md",
        "Docs: write to ops@evil.example",
        "Docs: ask ops@evil.example",
        "ops@evil.example",
    ] {
        assert!(code.iter().any(|t| t == shown), "{shown:?} in {code:?}");
    }
    assert!(
        texts(&c, "li").contains(&problem.replace('`', "")),
        "{}",
        c.html
    );
}

/// Addresses, URLs, mentions, references and markup, each put alone in every field of the
/// report: nothing but text, and the text as written.
#[test]
fn every_field_shows_links_mentions_and_markup_as_text() {
    let Some(mut gfm) = start() else { return };
    let nasty = [
        "docs/ada@evil.example.md",
        "Docs: write to ops@evil.example",
        "ops@evil.example",
        "mailto:ops@evil.example",
        "xmpp:ops@evil.example/home",
        "write to ops@evil.example.",
        "www.evil.example",
        "see www.evil.example/x?y=1",
        "https://evil.example/x?y=(1)",
        "http://evil.example",
        "ftp://evil.example",
        "@ada and @acme/team",
        "#12, GH-12 and acme/hedgehog#12",
        "<img src=x onerror=alert(1)>",
        "<a href=\"https://evil.example\">x</a>",
        "</code></td></tr></table><b>x</b>",
        "[x](https://evil.example) ![i](https://evil.example/i.png) [^1]",
        "**bold** _em_ ~~del~~ ~del~",
        "a | b || c",
        "- [ ] task",
        "&amp; &#64; &lt;b&gt; &#x40;",
        ":smile: $x$",
        "`ops@evil.example`",
        "    indented",
    ];
    for full in [full_report, full_report_with_packages] {
        every_field_shows(&mut gfm, full, &nasty);
    }
}

fn every_field_shows(gfm: &mut Gfm, full: fn() -> Report, nasty: &[&str]) {
    let mut count = 0;
    each_text(&mut full(), &mut |_, _| count += 1);
    for &s in nasty {
        for field in 0..count {
            let mut r = full();
            let mut at = 0;
            let mut kind = Kind::Code;
            each_text(&mut r, &mut |k, t| {
                if at == field {
                    *t = s.to_owned();
                    kind = k;
                }
                at += 1;
            });
            let shown = match kind {
                Kind::Code => s.to_owned(),
                Kind::Prose => s.replace('`', ""),
                Kind::Commit => s.get(..10).unwrap_or(s).to_owned(),
                Kind::Unshown => String::new(),
            };
            // A table cell and the start of a list item do not show leading spaces.
            let shown = shown.trim_start();
            let docs = render_inert(gfm, &r)
                .unwrap_or_else(|e| panic!("{s:?} in field {field} ({kind:?}): {e}"));
            for doc in &docs {
                assert!(
                    doc.tree.text().contains(shown),
                    "{s:?} in field {field} ({kind:?}) does not read {shown:?}:\n{}",
                    doc.html
                );
            }
        }
    }
}

// ---- Any text ----------------------------------------------------------------------------

/// Text from the change: anything, weighted towards what Markdown, GFM, cmark-gfm's
/// autolinks and GitHub's reference filters give meaning to.
fn text() -> BoxedStrategy<String> {
    let special = prop::sample::select(vec![
        "@",
        "#",
        "#12",
        "GH-12",
        "@ada",
        "@acme/team",
        "ops@evil.example",
        "ada@evil.example.md",
        "a.b-c_d+e@x.y",
        "mailto:",
        "mailto:ops@evil.example",
        "xmpp:",
        "xmpp:ops@evil.example/home",
        "Docs: ",
        "www.",
        "www.evil.example",
        "http://",
        "https://",
        "ftp://",
        "https://evil.example/x?y=(1)",
        "evil.example",
        ".example",
        ".",
        ":",
        "/",
        "//",
        "-",
        "_",
        "+",
        "<",
        ">",
        "<b>",
        "</b>",
        "<code>",
        "</code>",
        "<span>",
        "</span>",
        "<br>",
        "<img src=x>",
        "<a href=\"https://evil.example\">",
        "<!--",
        "-->",
        "<script>",
        "<https://evil.example>",
        "<ops@evil.example>",
        "|",
        "\\|",
        "`",
        "``",
        "```",
        "~~~",
        "*",
        "**",
        "_",
        "__",
        "~",
        "~~",
        "[",
        "]",
        "(",
        ")",
        "!",
        "![",
        "](",
        "[x](https://evil.example)",
        "![i](https://evil.example/i.png)",
        "[x]: https://evil.example",
        "[^1]",
        "&",
        "&amp;",
        "&lt;",
        "&#64;",
        "&#x40;",
        "&#8203;",
        "\\",
        "\n",
        "\r\n",
        "\r",
        "  \n",
        "\t",
        "    ",
        " ",
        "- [ ] ",
        "- [x] ",
        "* [X] ",
        "1. ",
        "1) ",
        "> ",
        "# ",
        "## ",
        "---",
        "===",
        "| --- |",
        ":smile:",
        "$x$",
        "\u{200b}",
        "\u{a0}",
        "\u{3000}",
        "\u{2028}",
        "\u{feff}",
        "\u{202e}",
        "\u{ff20}",
        "\u{301}",
        "é",
    ]);
    let piece = prop_oneof![
        3 => any::<char>().prop_map(String::from),
        2 => "[a-z0-9]{1,8}",
        5 => special.prop_map(str::to_owned),
    ];
    let short = prop::collection::vec(piece, 0..12).prop_map(|v| v.concat());
    // Now and then a text long enough to be cut.
    prop_oneof![
        30 => short.clone(),
        1 => (short, 1..400usize).prop_map(|(t, n)| t.repeat(n)),
    ]
    .boxed()
}

/// Text long enough to be cut in the comment, and often in the summary.
fn long_text() -> BoxedStrategy<String> {
    (text(), 20..200usize)
        .prop_map(|(t, n)| t.repeat(n))
        .boxed()
}

fn commit(text: BoxedStrategy<String>) -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof![Just(COMMIT.to_owned()), text.clone()])
}

fn signal(text: BoxedStrategy<String>) -> impl Strategy<Value = Signal> {
    (0..6usize, text.clone(), text.clone(), commit(text.clone())).prop_map(
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

fn evidence(text: BoxedStrategy<String>) -> impl Strategy<Value = EvidenceItem> {
    (
        0..5usize,
        text.clone(),
        commit(text.clone()),
        prop::option::of(prop::sample::select(vec![
            "added",
            "modified",
            "renamed",
            "type-changed",
        ])),
        prop::option::of(text.clone()),
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
            url: None,
        })
}

fn requirement(text: BoxedStrategy<String>) -> impl Strategy<Value = RequirementResult> {
    (
        text.clone(),
        text.clone(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(evidence(text.clone()), 0..4),
        prop::option::of(text.clone()),
    )
        .prop_map(
            |(id, description, required, missing, evidence, hint)| RequirementResult {
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
            },
        )
}

/// A package judged over the change or its release, named by `text` or the root's `.`.
fn package_of(text: BoxedStrategy<String>) -> impl Strategy<Value = PackageReport> {
    let name = prop_oneof![1 => Just(".".to_owned()), 3 => text.clone()];
    let range = (
        any::<bool>(),
        commit(text.clone()),
        commit(text.clone()),
        prop::option::of(text.clone()),
    )
        .prop_map(|(release, base, head, previous)| RangeInfo {
            base: base.unwrap_or_default(),
            head: head.unwrap_or_default(),
            merge_base: COMMIT.to_owned(),
            commits: 3,
            files: 4,
            kind: if release {
                RangeKind::Release
            } else {
                RangeKind::Change
            },
            previous_release: previous.filter(|_| release),
        });
    (
        (name, text.clone(), 0..3usize),
        (text.clone(), text.clone()),
        prop::collection::vec(signal(text.clone()), 0..3),
        prop::collection::vec(signal(text.clone()), 0..2),
        range,
        prop::collection::vec(requirement(text), 0..3),
    )
        .prop_map(
            |(
                (name, path, verdict),
                (stage, stage_description),
                stage_signals,
                other_signals,
                range,
                requirements,
            )| PackageReport {
                name,
                path,
                stage,
                stage_description,
                stage_signals,
                other_signals,
                range,
                requirements,
                verdict: [Verdict::Pass, Verdict::Blocked, Verdict::Overridden][verdict],
            },
        )
}

/// A report with `text` in every field and as many requirements as `requirements` says.
fn report(
    text: BoxedStrategy<String>,
    requirements: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = Report> {
    let override_ = prop::option::of(
        (any::<bool>(), text.clone(), commit(text.clone())).prop_map(|(label, reason, commit)| {
            Override {
                source: if label {
                    OverrideSource::Label
                } else {
                    OverrideSource::Trailer
                },
                reason,
                commit,
            }
        }),
    );
    let changed = (
        text.clone(),
        prop::sample::select(vec!["added", "modified", "renamed", "deleted"]),
        any::<bool>(),
        prop::collection::vec(text.clone(), 0..4),
    )
        .prop_map(|(path, status, valid, errors)| PolicyChange {
            path,
            status,
            valid,
            errors,
        });
    let policy = prop::option::of(
        (text.clone(), prop::option::of(changed), text.clone()).prop_map(
            |(source, changed, reason)| PolicyInfo {
                chain: vec![source.clone()],
                source,
                changed,
                from: PolicyFrom::Base,
                reason,
            },
        ),
    );
    let range = (commit(text.clone()), commit(text.clone())).prop_map(|(base, head)| RangeInfo {
        base: base.unwrap_or_default(),
        head: head.unwrap_or_default(),
        merge_base: COMMIT.to_owned(),
        commits: 1,
        files: 2,
        kind: RangeKind::Change,
        previous_release: None,
    });
    (
        (0..3usize, text.clone(), text.clone()),
        prop::collection::vec(signal(text.clone()), 0..4),
        prop::collection::vec(signal(text.clone()), 0..3),
        range,
        prop::collection::vec(requirement(text.clone()), requirements),
        override_,
        policy,
        prop::collection::vec(text.clone(), 0..4),
        prop::collection::vec(package_of(text), 0..3),
    )
        .prop_map(
            |(
                (verdict, stage, stage_description),
                stage_signals,
                other_signals,
                range,
                requirements,
                override_,
                policy,
                notes,
                packages,
            )| Report {
                schema: 1,
                verdict: [Verdict::Pass, Verdict::Blocked, Verdict::Overridden][verdict],
                stage,
                stage_description,
                stage_signals,
                other_signals,
                range,
                requirements,
                override_,
                draft: false,
                checks: Vec::new(),
                browse: None,
                policy,
                notes,
                packages,
                notify_slack_var: None,
            },
        )
}

fn finding(text: BoxedStrategy<String>) -> impl Strategy<Value = Finding> {
    (
        text.clone(),
        prop::option::of(prop_oneof![Just("src/app.js".to_owned()), text]),
        prop::option::of(1..10_000u32),
    )
        .prop_map(|(message, path, line)| Finding {
            message,
            line: line.filter(|_| path.is_some()),
            path_exact: path.is_some(),
            path,
            key: String::new(),
        })
}

fn check(text: BoxedStrategy<String>) -> impl Strategy<Value = CheckResult> {
    (
        0..CheckId::ALL.len(),
        text.clone(),
        any::<bool>(),
        prop::collection::vec(finding(text.clone()), 0..4),
        prop::option::of(text),
        any::<bool>(),
    )
        .prop_map(
            |(id, description, required, findings, note, looked)| CheckResult {
                id: CheckId::ALL[id],
                description,
                level: if required {
                    Level::Required
                } else {
                    Level::Warn
                },
                status: if findings.is_empty() {
                    CheckStatus::Ok
                } else {
                    CheckStatus::Findings
                },
                looked: looked || !findings.is_empty(),
                findings,
                note,
            },
        )
}

/// [`report`] with checks, their findings linked to lines of a commit on github.com.
fn report_with_checks(
    text: BoxedStrategy<String>,
    requirements: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = Report> {
    (
        report(text.clone(), requirements),
        prop::collection::vec(check(text), 0..4),
        any::<bool>(),
    )
        .prop_map(|(mut r, checks, linked)| {
            r.checks = checks;
            if linked {
                r.range.head = COMMIT.to_owned();
                r.browse = Some(Browse {
                    server: "https://github.com".to_owned(),
                    repository: "acme/hedgehog".to_owned(),
                });
            }
            r
        })
}

/// Runs `cases` reports (or `$var`) through [`render_inert`], in one Python process.
fn inert_for_any(reports: impl Strategy<Value = Report>, var: &str, cases: u32) {
    let Some(gfm) = start() else { return };
    let gfm = RefCell::new(gfm);
    let cases = std::env::var(var)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&reports, |r| {
        render_inert(&mut gfm.borrow_mut(), &r)
            .map(|_| ())
            .map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// Any text in every field brings no markup into the summary or the comment (the oracle
/// is in the module docs). `PROPTEST_CASES` sets the number of reports (default 1,000).
#[test]
fn any_text_in_any_field_stays_text() {
    inert_for_any(report_with_checks(text(), 0..=4), "PROPTEST_CASES", 1_000);
}

/// The same for reports whose fields are cut to fit and whose documents are cut at a line
/// (`SHIPGATE_TEST_LONG_CASES`, default 10).
#[test]
fn any_long_text_stays_text_where_it_is_cut() {
    inert_for_any(
        report_with_checks(long_text(), 10..=20),
        "SHIPGATE_TEST_LONG_CASES",
        10,
    );
}

/// GitHub hides the marker that finds the comment again: it is an HTML comment.
#[test]
fn the_comment_marker_stays_out_of_sight() {
    let Some(mut gfm) = start() else { return };
    let [s, c] = render_inert(&mut gfm, &full_report()).unwrap();
    assert!(comment(&full_report()).starts_with(COMMENT_MARKER));
    assert_eq!(c.tree.descendants()[0].tag, "#comment");
    assert_eq!(c.tree.text().trim_start(), s.tree.text());
}
