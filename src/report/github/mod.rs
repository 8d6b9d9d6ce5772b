//! `--format github`: the report for a GitHub Actions run (SPEC §9).
//!
//! Four things leave here, each escaped for where it goes:
//!
//! - **The log** ([`write()`]): the lines of the text format, then one workflow command
//!   (annotation) per finding. The runner reads every line of a step's output looking for
//!   commands; the lines go out as text through [`crate::report::output::Output`], which
//!   defuses every line we did not mean as a command, and the annotations as
//!   [`crate::report::output::Command`]s.
//!   Annotation titles and messages are escaped exactly as `@actions/core` does it
//!   (data: `%` `\r` `\n`; properties also `:` `,`), after the same `\u{..}` escaping.
//! - **Outputs** ([`outputs::outputs`]): `stage`, `verdict` and `missing` in the `GITHUB_OUTPUT`
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
//! Nothing here reads the environment or the clock, except [`outputs::delimiter`] (randomness for
//! the one value that must not be guessable) and [`write_files`] (the two files it is
//! given).

#[cfg(test)]
pub(crate) mod runner;

mod log;
mod markdown;
mod outputs;

#[cfg(test)]
pub(crate) use log::commands;
pub(crate) use log::{error_command, mask_command, notice_command, warning_command, write};
pub use markdown::{comment, summary};
// The audit's Markdown table escapes its cells as the summary does.
pub(crate) use markdown::{code, md};
pub(crate) use outputs::{write_files, write_nothing_outputs};

/// The first line of the sticky pull-request comment, by which the comment is found again.
/// Text from the change cannot produce it: `<` and `!` are always escaped in the body.
pub const COMMENT_MARKER: &str = "<!-- shipgate:report -->";

/// GitHub refuses a step summary file larger than 1 MiB (the runner's
/// `CreateStepSummaryCommand.AttachmentSizeLimit`); [`summary`] stays below it.
pub(crate) const SUMMARY_LIMIT: usize = 1024 * 1024;

/// GitHub refuses a comment body of 65,536 characters or more. [`comment`] counts bytes,
/// which are never fewer than characters or UTF-16 units, so it is under however GitHub
/// counts.
pub(crate) const COMMENT_LIMIT: usize = 65_536;

#[cfg(test)]
pub(crate) mod tests {
    use super::log::*;
    use super::markdown::*;
    use super::outputs::*;
    use super::*;
    use crate::escape::{defuse, hidden, lines_visible, strip_styles};
    use crate::judge::stage::{Signal, SignalSource};
    use crate::judge::verdict::{
        EvidenceItem, EvidenceSource, Level, Override, OverrideSource, PolicyChange, PolicyFrom,
        PolicyInfo, RangeInfo, RangeKind, Report, RequirementResult, Status, Verdict,
    };
    use crate::report::output::{Output, escape_data, escape_property};

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
                kind: RangeKind::Change,
                previous_release: None,
            },
            requirements,
            override_: None,
            draft: false,
            checks: Vec::new(),
            browse: None,
            policy: Some(PolicyInfo {
                source: "built-in".to_owned(),
                chain: Vec::new(),
                changed: None,
                from: PolicyFrom::Base,
                reason: String::new(),
            }),
            notes: vec![],
            packages: Vec::new(),
            notify_slack_var: None,
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
            chain: Vec::new(),
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
            chain: Vec::new(),
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
        let at = |path: &str, e: &'static str| {
            locate(path, e).map(|(l, p)| (l.line.unwrap(), l.column, p))
        };
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
            Browse, CheckId, CheckResult, CheckStatus, EvidenceSource, Finding, Override,
            OverrideSource, PackageReport, PolicyFrom, PolicyInfo, RangeInfo, RangeKind,
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
                    url: None,
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
                    chain: Vec::new(),
                    changed,
                    from: PolicyFrom::Base,
                    reason,
                },
            ))
        }

        fn range() -> impl Strategy<Value = RangeInfo> {
            (
                (text(), text(), text(), 0..3usize, 0..3usize),
                any::<bool>(),
                prop::option::of(text()),
            )
                .prop_map(
                    |((base, head, merge_base, commits, files), release, previous)| RangeInfo {
                        base,
                        head,
                        merge_base,
                        commits,
                        files,
                        kind: if release {
                            RangeKind::Release
                        } else {
                            RangeKind::Change
                        },
                        previous_release: previous.filter(|_| release),
                    },
                )
        }

        /// A package, now and then the root `.`.
        fn package() -> impl Strategy<Value = PackageReport> {
            (
                (prop_oneof![Just(".".to_owned()), text()], text(), 0..3usize),
                (name(), text()),
                prop::collection::vec(signal(), 0..3),
                range(),
                prop::collection::vec(requirement(), 0..3),
            )
                .prop_map(
                    |(
                        (name, path, verdict),
                        (stage, stage_description),
                        signals,
                        range,
                        requirements,
                    )| {
                        PackageReport {
                            name,
                            path,
                            stage,
                            stage_description,
                            stage_signals: signals,
                            other_signals: Vec::new(),
                            range,
                            requirements,
                            verdict: [Verdict::Pass, Verdict::Blocked, Verdict::Overridden]
                                [verdict],
                        }
                    },
                )
        }

        fn finding() -> impl Strategy<Value = Finding> {
            let path = prop_oneof![
                Just("src/app.js".to_owned()),
                Just("=x.js".to_owned()),
                text(),
            ];
            (text(), prop::option::of(path), prop::option::of(1..500u32)).prop_map(
                |(message, path, line)| Finding {
                    message,
                    line: line.filter(|_| path.is_some()),
                    path_exact: path.as_deref().is_some_and(|p| !p.contains('\\')),
                    path,
                    key: String::new(),
                },
            )
        }

        fn check() -> impl Strategy<Value = CheckResult> {
            (
                0..CheckId::ALL.len(),
                any::<bool>(),
                prop::collection::vec(finding(), 0..4),
                prop::option::of(text()),
                any::<bool>(),
            )
                .prop_map(|(id, required, findings, note, looked)| {
                    let id = CheckId::ALL[id];
                    CheckResult {
                        id,
                        description: id.description().to_owned(),
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
                    }
                })
        }

        /// A server and repository as a run would know them, or text from anywhere: only
        /// the first makes links.
        fn browse() -> impl Strategy<Value = Option<Browse>> {
            prop::option::of(prop_oneof![
                Just(Browse {
                    server: "https://github.com".to_owned(),
                    repository: "acme/hedgehog".to_owned(),
                }),
                (text(), text()).prop_map(|(server, repository)| Browse { server, repository }),
            ])
        }

        pub(crate) fn report() -> impl Strategy<Value = Report> {
            (
                report_without_checks(),
                prop::collection::vec(check(), 0..4),
                browse(),
                // A head that is a commit id, for links.
                any::<bool>(),
            )
                .prop_map(|(mut r, checks, browse, real_head)| {
                    if checks.iter().any(CheckResult::blocks) && r.verdict == Verdict::Pass {
                        r.verdict = Verdict::Blocked;
                    }
                    r.checks = checks;
                    r.browse = browse;
                    if real_head {
                        r.range.head = "fedcba9876543210fedcba9876543210fedcba98".to_owned();
                    }
                    r
                })
        }

        fn report_without_checks() -> impl Strategy<Value = Report> {
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
                prop::collection::vec(package(), 0..3),
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
                        packages,
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
                            draft: false,
                            checks: Vec::new(),
                            browse: None,
                            policy,
                            notes,
                            packages,
                            notify_slack_var: None,
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

        /// `doc` without the links the summary writes to lines, each of which must be
        /// `<a href="https://github.com/acme/hedgehog/blob/<head>/<path>#L<n>">` with the
        /// path percent-encoded but for ASCII letters, digits, `/` and `.`.
        fn without_links(doc: &str) -> Result<String, String> {
            const OPEN: &str = "<a href=\"";
            let prefix =
                "https://github.com/acme/hedgehog/blob/fedcba9876543210fedcba9876543210fedcba98/";
            let mut out = String::new();
            let mut rest = doc;
            while let Some(at) = rest.find(OPEN) {
                out.push_str(&rest[..at]);
                let tail = &rest[at + OPEN.len()..];
                let end = tail.find("\">").ok_or("an unclosed link")?;
                let url = tail[..end].strip_prefix(prefix).ok_or("a link elsewhere")?;
                let (path, line) = url.split_once("#L").unwrap_or((url, "1"));
                let plain = path.bytes().enumerate().all(|(i, b)| {
                    b.is_ascii_alphanumeric()
                        || b == b'/'
                        || b == b'.'
                        || (b == b'%'
                            && path.as_bytes().get(i + 1..i + 3).is_some_and(|h| {
                                h.iter()
                                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
                            }))
                        || (b.is_ascii_hexdigit() && i > 0 && path.as_bytes()[..i].ends_with(b"%"))
                });
                if !plain || line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(format!("a link to {url}"));
                }
                rest = &tail[end + 2..];
                let close = rest.find("</a>").ok_or("a link not closed")?;
                out.push_str(&rest[..close]);
                rest = &rest[close + 4..];
            }
            out.push_str(rest);
            Ok(out)
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
                // The root's ids, and another package's as `<package>/<id>`, package after
                // package; without packages, the report's own.
                let missing_of = |p: &PackageReport| -> Vec<String> {
                    p.requirements
                        .iter()
                        .filter(|q| q.missing_required())
                        .map(|q| if p.is_root() { q.id.clone() } else { format!("{}/{}", p.name, q.id) })
                        .collect()
                };
                let ids: Vec<String> = if r.has_packages() {
                    r.packages.iter().flat_map(missing_of).collect()
                } else {
                    missing_required(&r).map(|q| q.id.clone()).collect()
                };
                let missing = ids.join(",");
                let values = [
                    ("stage", r.stage.as_str()),
                    ("verdict", crate::names::name(&r.verdict)),
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
                    let bare = without_links(doc);
                    prop_assert!(bare.is_ok(), "{:?} in {}", bare, doc);
                    let bare = bare.unwrap()
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
                    // Requirements have five columns, checks four.
                    let mut columns = 0;
                    for line in doc.lines() {
                        if line.starts_with("| Requirement ") {
                            columns = 5;
                        } else if line.starts_with("| Check ") {
                            columns = 4;
                        } else if line.starts_with("| <code>") {
                            prop_assert_eq!(line.matches('|').count(), columns + 1, "{}", line);
                        }
                    }
                }
            }
        }
    }
}
