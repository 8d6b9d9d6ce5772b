//! `shipgate audit`'s report (SPEC §14): one row per release (package, tag, stage,
//! verdict, missing requirements, commits, files), as text for people, JSON, or a Markdown
//! table for a step summary or a wiki page.
//!
//! Tag names come from whoever pushed them, and stage names and requirement ids from the
//! policy committed at each release: text shows what cannot be seen as escapes
//! ([`clean`]), Markdown makes every piece inert ([`code`], [`md`]), JSON goes through
//! the writer every document does.

use std::fmt::Write as _;

use serde::Serialize;

use crate::judge::verdict::{Report, Verdict};
use crate::names::name;
use crate::report::github::{code, md};
use crate::report::text::clean;

/// How much of one field the Markdown table shows.
const FIELD: usize = 200;

/// One release as the audit shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Row {
    pub(crate) package: String,
    pub(crate) tag: String,
    /// The tagged commit's full id.
    pub(crate) commit: String,
    /// The previous release of the package, whose commit the release is judged since;
    /// `null` for a first release.
    pub(crate) previous: Option<String>,
    pub(crate) stage: String,
    pub(crate) verdict: Verdict,
    /// The ids of the required requirements the release lacks, in policy order.
    pub(crate) missing: Vec<String>,
    /// The required checks with findings, which block a release as a whole.
    pub(crate) blocking_checks: Vec<String>,
    pub(crate) commits: usize,
    pub(crate) files: usize,
}

/// The row of `package`'s release `tag` at `commit`, from the report of a push of the tag:
/// the package's own stage, requirements and range when the report judged it by that
/// name, else the report's as a whole (a policy at that release that had no such
/// package). The verdict is always the push's: what the gate would have said.
pub(crate) fn row(package: &str, tag: &str, commit: &str, report: &Report) -> Row {
    let own = report.packages.iter().find(|p| p.name == package);
    let (stage, requirements, range) = match own {
        Some(p) => (&p.stage, &p.requirements, &p.range),
        None => (&report.stage, &report.requirements, &report.range),
    };
    Row {
        package: package.to_owned(),
        tag: tag.to_owned(),
        commit: commit.to_owned(),
        previous: range.previous_release.clone(),
        stage: stage.clone(),
        verdict: report.verdict,
        missing: requirements
            .iter()
            .filter(|q| q.missing_required())
            .map(|q| q.id.clone())
            .collect(),
        blocking_checks: report
            .blocking_checks()
            .map(|c| name(&c.id).to_owned())
            .collect(),
        commits: range.commits,
        files: range.files,
    }
}

/// `{"schema": 1, "releases": [...]}`.
pub(crate) fn json(rows: &[Row]) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        schema: u32,
        releases: &'a [Row],
    }
    crate::report::output::json::to_string(&Document {
        schema: 1,
        releases: rows,
    })
}

/// What the missing column shows: the requirements, then the blocking checks as
/// `check <id>`; `-` for none.
fn missing_cells(row: &Row) -> Vec<String> {
    row.missing
        .iter()
        .cloned()
        .chain(row.blocking_checks.iter().map(|c| format!("check {c}")))
        .collect()
}

/// A table with a header and aligned columns, then a line counting the verdicts.
pub(crate) fn text(rows: &[Row]) -> String {
    const HEADER: [&str; 7] = [
        "package", "tag", "stage", "verdict", "missing", "commits", "files",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            let missing = missing_cells(r);
            [
                clean(&r.package).into_owned(),
                clean(&r.tag).into_owned(),
                clean(&r.stage).into_owned(),
                name(&r.verdict).to_owned(),
                if missing.is_empty() {
                    "-".to_owned()
                } else {
                    clean(&missing.join(", ")).into_owned()
                },
                r.commits.to_string(),
                r.files.to_string(),
            ]
        })
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 7]| {
        let mut text = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let pad = w - cell.chars().count();
            // Counts line up on the right, words on the left.
            let numeric = i >= 5;
            if i > 0 {
                text.push_str("  ");
            }
            if numeric {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(HEADER);
    for row in &cells {
        line(row.each_ref().map(String::as_str));
    }
    out.push_str(&summary(rows));
    out.push('\n');
    out
}

/// `3 releases: 2 pass, 1 blocked`.
fn summary(rows: &[Row]) -> String {
    let count = |v: Verdict| rows.iter().filter(|r| r.verdict == v).count();
    let mut parts = Vec::new();
    for v in [Verdict::Pass, Verdict::Blocked, Verdict::Overridden] {
        let n = count(v);
        if n > 0 {
            parts.push(format!("{n} {}", name(&v)));
        }
    }
    let releases = match rows.len() {
        1 => "1 release".to_owned(),
        n => format!("{n} releases"),
    };
    if parts.is_empty() {
        releases
    } else {
        format!("{releases}: {}", parts.join(", "))
    }
}

/// A GitHub-flavoured Markdown table, oldest release first, and the count of verdicts.
pub(crate) fn markdown(rows: &[Row]) -> String {
    let mut out = String::from(
        "| package | tag | stage | verdict | missing | commits | files |\n\
         |---|---|---|---|---|--:|--:|\n",
    );
    for r in rows {
        let missing = missing_cells(r);
        let missing = if missing.is_empty() {
            "-".to_owned()
        } else {
            missing
                .iter()
                .map(|m| code(m, FIELD))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {missing} | {} | {} |",
            code(&r.package, FIELD),
            code(&r.tag, FIELD),
            md(&r.stage, FIELD),
            if r.verdict == Verdict::Blocked {
                "**blocked**"
            } else {
                name(&r.verdict)
            },
            r.commits,
            r.files,
        );
    }
    let _ = writeln!(out, "\n{}", summary(rows));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(tag: &str, verdict: Verdict, missing: &[&str]) -> Row {
        Row {
            package: ".".to_owned(),
            tag: tag.to_owned(),
            commit: "a".repeat(40),
            previous: None,
            stage: "full".to_owned(),
            verdict,
            missing: missing.iter().map(|m| (*m).to_owned()).collect(),
            blocking_checks: Vec::new(),
            commits: 12,
            files: 3,
        }
    }

    #[test]
    fn text_aligns_columns_and_shows_what_cannot_be_seen() {
        let mut evil = row("v1.0.0\u{1b}[2J\u{202e}", Verdict::Blocked, &["docs"]);
        evil.blocking_checks = vec!["size".to_owned()];
        let rows = [row("v0.9.0", Verdict::Pass, &[]), evil];
        assert_eq!(
            text(&rows),
            "\
package  tag                      stage  verdict  missing           commits  files
.        v0.9.0                   full   pass     -                      12      3
.        v1.0.0\\u{1b}[2J\\u{202e}  full   blocked  docs, check size       12      3
2 releases: 1 pass, 1 blocked
"
        );
        assert_eq!(summary(&[]), "0 releases");
    }

    #[test]
    fn markdown_cells_are_inert() {
        let rows = [row("v1|x @ada #1 <b>", Verdict::Blocked, &["docs"])];
        let md = markdown(&rows);
        let line = md.lines().nth(2).unwrap();
        assert_eq!(
            line,
            "| <code>&#46;</code> | <code>v1&#124;x <span>&#64;</span>ada &#35;1 &#60;b&#62;</code> | full | **blocked** | <code>docs</code> | 12 | 3 |"
        );
        assert!(md.ends_with("\n1 release: 1 blocked\n"), "{md}");
    }
}
