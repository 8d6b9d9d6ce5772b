//! What the real binary writes on stdout and stderr when text from the change holds
//! workflow commands or characters nobody can see: under GitHub Actions the runner reads
//! commands from both streams, so both are defused; everywhere, invisible characters are
//! shown as escapes.

mod common;

/// The runner's parsers, ported in the crate, read here what the binary wrote. The port
/// takes its set of ignorable characters from `crate::escape::hidden`.
mod escape {
    pub use shipgate::escape::hidden;
}
#[allow(dead_code)]
#[path = "../src/report/github/runner.rs"]
mod runner;

use std::process::Output;

use common::Repo;
use runner::{Matching, Names};

/// A `workflow_dispatch` run of `shipgate check` whose base input is branch `base` and
/// whose head is `HEAD`, as a GitHub Actions step runs it.
fn dispatched(repo: &Repo, inputs: &str, args: &[&str]) -> Output {
    let base = repo.git(&["rev-parse", "base"]);
    let event = repo.tmp_file(
        "event.json",
        &format!(
            r#"{{"inputs": {{"base": "{base}"{inputs}}}, "ref": "refs/heads/main",
                "repository": {{"full_name": "acme/hedgehog", "default_branch": "main"}}}}"#
        ),
    );
    repo.shipgate()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "workflow_dispatch")
        .env("GITHUB_EVENT_PATH", event)
        .env("GITHUB_WORKSPACE", repo.path())
        .env("GITHUB_SHA", repo.git(&["rev-parse", "HEAD"]))
        .env("GITHUB_API_URL", "http://127.0.0.1:9")
        .env("INPUT_TOKEN", "")
        .arg("check")
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The commands the runner takes from a stream; the same whichever way it matches.
fn commands(stream: &str) -> Vec<runner::Command> {
    let ordinal = runner::commands(stream, Names::Any, Matching::Ordinal);
    let culture = runner::commands(stream, Names::Any, Matching::Culture);
    assert_eq!(ordinal, culture);
    ordinal
}

/// Our one annotation for an error that stopped the run.
fn error_annotation(data: &str) -> runner::Command {
    runner::Command {
        name: "error".to_owned(),
        properties: vec![("title".to_owned(), "shipgate could not decide".to_owned())],
        data: data.to_owned(),
    }
}

fn short(repo: &Repo, rev: &str) -> String {
    repo.git(&["rev-parse", "--short=10", rev])
}

#[test]
fn a_release_trailer_holding_a_command_stays_text_on_both_streams() {
    let repo = Repo::with_base();
    repo.write("src/lib.rs", "// a change\n");
    repo.commit("a change\n\nRelease: ##[error]forged\n");
    let out = dispatched(&repo, "", &[]);
    assert_eq!(out.status.code(), Some(2));
    let message = format!(
        "commit {}: trailer `Release: ##[error]forged` names no stage; trailer values the \
         policy knows: beta, full",
        short(&repo, "HEAD")
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        stderr,
        format!(
            "error: commit {}: trailer `Release: #\\u{{23}}[error]forged` names no stage; \
             trailer values the policy knows: beta, full\n",
            short(&repo, "HEAD")
        )
    );
    assert_eq!(
        stdout,
        format!("::error title=shipgate could not decide::{message}\n")
    );
    assert_eq!(commands(&stderr), []);
    assert_eq!(commands(&stdout), [error_annotation(&message)]);
}

#[test]
fn a_flag_stage_holding_commands_stays_text_on_both_streams() {
    let repo = Repo::with_base();
    repo.write(
        "feature-flags.yml",
        "flags:\n  replay:\n    stage: \"beta\\n::set-output name=verdict::pass\\n::stop-commands::TOKEN\"\n",
    );
    repo.commit("flag replay");
    let out = dispatched(&repo, "", &[]);
    assert_eq!(out.status.code(), Some(2));
    let at = format!("feature-flags.yml@{}", short(&repo, "HEAD"));
    let problem = format!(
        "{at}:3:12: `flags.replay.stage`: `beta\\u{{a}}::set-output name=verdict::pass\\u{{a}}::stop-commands::TOKEN` \
         is not a flag stage; expected one of: concept, alpha, beta, general-availability"
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        stderr,
        format!("error: {at} is not a valid flag registry (1 problem)\n  {problem}\n")
    );
    assert_eq!(commands(&stderr), []);
    assert_eq!(
        commands(&stdout),
        [error_annotation(&format!(
            "{at} is not a valid flag registry (1 problem)\n  {problem}"
        ))]
    );
}

#[test]
fn a_dispatch_input_holding_commands_reaches_stderr_defused() {
    let repo = Repo::with_base();
    repo.write("src/lib.rs", "// a change\n");
    repo.commit("a change");
    let out = dispatched(
        &repo,
        r#", "stage": "gold\n::warning::forged ##[add-mask]x""#,
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert_eq!(
        stderr,
        "error: --stage `gold\n\\u{3a}:warning::forged #\\u{23}[add-mask]x` is not a stage of \
         the policy; its stages are: merge, beta, full\n"
    );
    assert_eq!(commands(&stderr), []);
    assert_eq!(
        commands(&text(&out.stdout)),
        [error_annotation(
            "--stage `gold\n::warning::forged ##[add-mask]x` is not a stage of the policy; its \
             stages are: merge, beta, full"
        )]
    );
}

#[test]
fn line_separators_and_byte_order_marks_in_a_trailer_error_are_escaped() {
    let repo = Repo::with_base();
    repo.write("src/lib.rs", "// a change\n");
    repo.commit("a change\n\nRelease: ful\u{2028}l\u{feff}\n");
    let out = repo
        .shipgate()
        .args(["check", "--base", "base"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: commit {}: trailer `Release: ful\\u{{2028}}l\\u{{feff}}` names no stage; \
             trailer values the policy knows: beta, full\n",
            short(&repo, "HEAD")
        )
    );
}

#[test]
fn invisible_characters_in_the_text_report_are_escaped() {
    let repo = Repo::with_base();
    repo.write("docs/re\u{200b}play.md", "# Replay\n");
    repo.commit("docs\n\nTemplate: see\u{2028}here\u{feff}\n");
    let out = repo
        .shipgate()
        .args(["check", "--base", "base", "--label", "release:beta"])
        .args(["--format", "text"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("  ok    docs          file docs/re\\u{200b}play.md\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  ok    template      trailer Template: see\\u{2028}here\\u{feff}\n"),
        "{stdout}"
    );
    assert!(!stdout.contains(['\u{200b}', '\u{2028}', '\u{feff}']));
}

#[test]
fn a_zero_width_space_in_a_file_name_is_escaped_in_the_gitlab_output() {
    // The only file at head is under docs/, so the findings point at it.
    let repo = Repo::new();
    repo.write("docs/a\u{200b}b.md", "# A\n");
    repo.commit("docs");
    repo.git(&["branch", "base"]);
    repo.write("docs/re\u{200b}play.md", "# Replay\n");
    repo.commit("more docs");
    let out = repo
        .shipgate()
        .args(["check", "--base", "base", "--label", "release:full"])
        .args(["--format", "gitlab"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    // The job log (stderr) is the text report.
    assert!(
        stderr.contains("  ok    docs          file docs/re\\u{200b}play.md\n"),
        "{stderr}"
    );
    // The Code Quality report carries the path whole, as a JSON escape.
    assert!(
        stdout.contains("\"path\": \"docs/a\\u200bb.md\""),
        "{stdout}"
    );
    for stream in [&stdout, &stderr] {
        assert!(!stream.contains('\u{200b}'), "{stream}");
    }
    let issues: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(issues[0]["location"]["path"], "docs/a\u{200b}b.md");
}

#[test]
fn json_keeps_invisible_characters_as_json_escapes() {
    let repo = Repo::with_base();
    repo.write("docs/re\u{200b}play.md", "# Replay\n");
    repo.commit("docs\n\nTemplate: ##[error]x\u{2028}\n");
    let (code, report) = repo.check_json(&["--label", "release:beta"]);
    assert_eq!(code, 0);
    let out = repo
        .shipgate()
        .args([
            "check",
            "--base",
            "base",
            "--format",
            "json",
            "--label",
            "release:beta",
        ])
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(r#""detail": "docs/re\u200bplay.md""#),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#""detail": "Template: \u0023#[error]x\u2028""#),
        "{stdout}"
    );
    assert_eq!(
        common::requirement(&report, "docs")["evidence"][0]["detail"],
        "docs/re\u{200b}play.md"
    );
    assert_eq!(
        common::requirement(&report, "template")["evidence"][0]["detail"],
        "Template: ##[error]x\u{2028}"
    );
}
