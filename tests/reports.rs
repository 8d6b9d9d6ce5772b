//! The whole report of one blocked full release in every format, as snapshots
//! (tests/snapshots/reports__*): a change of any output is one reviewed diff. And the
//! rules of the snapshots themselves: under CI they are only compared, never written.

mod common;
#[path = "common/snapshot.rs"]
mod snapshot;

use std::process::Output;

use common::Repo;
use snapbox::assert::Action;

/// A full release (`Release: full`) with docs and the marketing trailer, and neither a
/// template nor a flag entry: blocked, with evidence of two kinds and two hints.
fn blocked_full_release() -> Repo {
    let repo = Repo::with_base();
    repo.write("docs/replay.md", "# Replay\n");
    repo.write("src/replay.rs", "// replay\n");
    repo.commit("feat: session replay v2\n\nRelease: full\nMarketing-Notified: #launch-replay");
    repo
}

/// `shipgate check --base base --format FORMAT`, expected to block.
fn blocked(repo: &Repo, format: &str) -> Output {
    let out = repo
        .shipgate()
        .args(["check", "--base", "base", "--format", format])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn text_report_of_a_blocked_full_release() {
    let repo = blocked_full_release();
    let out = blocked(&repo, "text");
    snapshot::assert_snapshot("reports__blocked_full_release.txt", &text(&out.stdout), &[]);
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn json_report_of_a_blocked_full_release() {
    let repo = blocked_full_release();
    let out = blocked(&repo, "json");
    snapshot::assert_snapshot(
        "reports__blocked_full_release.json",
        &text(&out.stdout),
        &[],
    );
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn gitlab_report_of_a_blocked_full_release() {
    let repo = blocked_full_release();
    let out = blocked(&repo, "gitlab");
    snapshot::assert_snapshot(
        "reports__blocked_full_release.gitlab.json",
        &text(&out.stdout),
        &[],
    );
    // The job log is the text report, the same bytes.
    snapshot::assert_snapshot("reports__blocked_full_release.txt", &text(&out.stderr), &[]);
}

#[test]
fn github_report_of_a_blocked_full_release() {
    let repo = blocked_full_release();
    let output = repo.tmp_file("output", "");
    let summary = repo.tmp_file("summary", "");
    let event = repo.tmp_file(
        "event.json",
        r#"{"inputs": {}, "ref": "refs/heads/main",
            "repository": {"full_name": "acme/hedgehog", "default_branch": "main"}}"#,
    );
    let out = repo
        .shipgate()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "workflow_dispatch")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_WORKSPACE", repo.path())
        .env("GITHUB_REPOSITORY", "acme/hedgehog")
        .env("GITHUB_SHA", repo.git(&["rev-parse", "HEAD"]))
        // Nothing may reach a real server.
        .env("GITHUB_API_URL", "http://127.0.0.1:9")
        .env("INPUT_TOKEN", "")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--base", "base", "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    snapshot::assert_snapshot(
        "reports__blocked_full_release.github.txt",
        &text(&out.stdout),
        &[],
    );
    let written = std::fs::read_to_string(&output).unwrap();
    snapshot::assert_snapshot(
        "reports__blocked_full_release.github-output.txt",
        &written,
        &[("[RANDOM]", snapshot::delimiter(&written))],
    );
    snapshot::assert_snapshot(
        "reports__blocked_full_release.github-summary.txt",
        &std::fs::read_to_string(&summary).unwrap(),
        &[],
    );
}

// ---- the snapshots' own rules ---------------------------------------------------------------

#[test]
fn under_ci_snapshots_are_only_verified_whatever_snapshots_says() {
    for ci in ["true", "1", "yes"] {
        for wish in [None, Some("overwrite"), Some("skip"), Some("ignore")] {
            assert_eq!(
                snapshot::action(Some(ci), wish),
                Action::Verify,
                "{ci} {wish:?}"
            );
        }
    }
    // Outside CI, SNAPSHOTS decides; unset or unknown, the files are compared.
    for ci in [None, Some(""), Some("0"), Some("false")] {
        assert_eq!(snapshot::action(ci, Some("overwrite")), Action::Overwrite);
        assert_eq!(snapshot::action(ci, None), Action::Verify);
        assert_eq!(snapshot::action(ci, Some("yes")), Action::Verify);
    }
}

/// A snapshot of the rules' own, which no other test writes: what it holds.
const RULES: &str = "reports__rules.txt";
const RULES_TEXT: &str = "stage<<ghadelimiter_[RANDOM]\nfull\nghadelimiter_[RANDOM]\n";

#[test]
fn a_missing_or_differing_snapshot_fails_and_nothing_is_written() {
    let missing = "no_such_snapshot.txt";
    let err = snapshot::compare(missing, "anything\n", &[], Action::Verify).unwrap_err();
    assert!(err.contains(missing), "{err}");
    assert!(!snapshot::path(missing).exists());

    let stored = std::fs::read_to_string(snapshot::path(RULES)).unwrap();
    assert_eq!(stored, RULES_TEXT);
    for changed in [
        stored.replace("full", "beta"),
        // A lost final line feed, a doubled one, and one line end as CRLF: bytes count,
        // not lines.
        stored.trim_end().to_owned(),
        format!("{stored}\n"),
        stored.replacen('\n', "\r\n", 1),
    ] {
        assert!(
            snapshot::compare(RULES, &changed, &[], Action::Verify).is_err(),
            "{changed:?}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(snapshot::path(RULES)).unwrap(),
        stored
    );
    assert_eq!(
        snapshot::compare(RULES, &stored, &[], Action::Verify),
        Ok(())
    );
}

#[test]
fn the_delimiter_is_redacted_only_where_it_is_the_one_that_opened_the_file() {
    let random = "0bafb4e4-35c1-4ea8-ba2d-8881e9e143eb";
    let written = RULES_TEXT.replace("[RANDOM]", random);
    assert_eq!(snapshot::delimiter(&written), random);
    let redact = [("[RANDOM]", random)];
    assert_eq!(
        snapshot::compare(RULES, &written, &redact, Action::Verify),
        Ok(())
    );
    // An output closed by another delimiter than the one that opened it does not match.
    let other = written.replacen(
        &format!("\nghadelimiter_{random}\n"),
        "\nghadelimiter_00000000-0000-4000-8000-000000000000\n",
        1,
    );
    assert_ne!(other, written);
    assert!(snapshot::compare(RULES, &other, &redact, Action::Verify).is_err());
}
