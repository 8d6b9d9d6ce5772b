//! Draft pull and merge requests (`drafts: warn | judge`) and changes by bots
//! (`overrides.authors`), SPEC §15: under GitHub Actions (the event payload, and the API's
//! answer with a token), in GitLab merge-request pipelines, and outside CI by the commits'
//! author emails.

mod common;

use std::path::PathBuf;

use assert_cmd::Command as BinCommand;
use common::github_server::{GithubServer, Reply, pull_json};
use common::{Repo, requirement};
use serde_json::{Value, json};

/// A base (branch `base`) holding `policy` as `.shipgate.yml` when given, and on `main` a
/// full release with no evidence at all: blocked by the built-in policy.
fn bare_release(policy: Option<&str>) -> (Repo, String, String) {
    let repo = Repo::new();
    repo.write("README.txt", "hello\n");
    if let Some(policy) = policy {
        repo.write(".shipgate.yml", policy);
    }
    let base = repo.commit("base");
    repo.git(&["branch", "base"]);
    repo.write("src/replay.rs", "// v2\n");
    let head = repo.commit("feat: replay\n\nRelease: full");
    (repo, base, head)
}

/// The `pull_request` event of the fixture, for these commits, with `draft` and the
/// author's login set.
fn event(repo: &Repo, base: &str, head: &str, draft: bool, login: &str) -> PathBuf {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/events/pull_request_opened.json"),
    )
    .unwrap()
    .replace("__BASE__", base)
    .replace("__HEAD__", head);
    let mut payload: Value = serde_json::from_str(&text).unwrap();
    payload["pull_request"]["draft"] = json!(draft);
    payload["pull_request"]["user"]["login"] = json!(login);
    payload["pull_request"]["labels"] = json!([]);
    payload["pull_request"]["body"] = json!(null);
    repo.tmp_file("event.json", &payload.to_string())
}

fn action(repo: &Repo, event: &PathBuf) -> BinCommand {
    let mut cmd = repo.shipgate();
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", event)
        .env("GITHUB_WORKSPACE", repo.path())
        .env("GITHUB_REPOSITORY", "acme/hedgehog")
        .env("GITHUB_API_URL", "http://127.0.0.1:9")
        .arg("check");
    cmd
}

fn judged(cmd: &mut BinCommand) -> (i32, Value) {
    let out = cmd.args(["--format", "json"]).output().unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), report)
}

fn missing_required(report: &Value) -> Vec<&str> {
    report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "required" && r["status"] == "missing")
        .map(|r| r["id"].as_str().unwrap())
        .collect()
}

fn notes(report: &Value) -> Vec<&str> {
    report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect()
}

const DRAFT_NOTE: &str = "a draft: what is missing would block it, but a draft passes \
                          (`drafts: warn`) until it is marked ready for review";

// ---- drafts --------------------------------------------------------------------------------

#[test]
fn a_draft_pull_request_passes_and_says_what_would_block_it() {
    let (repo, base, head) = bare_release(None);
    let event = event(&repo, &base, &head, true, "ada");
    let (code, report) = judged(&mut action(&repo, &event));
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        (&report["verdict"], &report["draft"], &report["stage"]),
        (&json!("pass"), &json!(true), &json!("full"))
    );
    assert_eq!(
        missing_required(&report),
        ["docs", "template", "feature-flag", "marketing"]
    );
    assert!(notes(&report).contains(&DRAFT_NOTE), "{report:#}");

    // The log says it, the annotations are warnings, and so does the step summary.
    let summary = repo.tmp_file("summary.md", "");
    let out = action(&repo, &event)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["--format", "github"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let log = String::from_utf8(out.stdout).unwrap();
    assert!(
        log.contains(
            "pass (draft): a full release would be blocked: it needs docs, template, \
             feature-flag, marketing; a draft passes until it is marked ready for review\n"
        ),
        "{log}"
    );
    assert!(
        log.contains("  FAIL  docs          missing (blocks once ready for review): "),
        "{log}"
    );
    assert!(!log.contains("::error"), "{log}");
    assert!(
        log.contains(
            "::warning title=shipgate%3A docs missing for a full release (draft%3A blocks once ready for review)::"
        ),
        "{log}"
    );
    let summary = std::fs::read_to_string(summary).unwrap();
    assert!(
        summary.contains(
            "**pass** (draft): a full release would be blocked: it needs <code>docs</code>"
        ),
        "{summary}"
    );
    assert!(
        summary.contains("| ⚠️ missing (blocks once ready for review) |"),
        "{summary}"
    );
}

#[test]
fn drafts_judge_treats_a_draft_like_any_change() {
    let (repo, base, head) = bare_release(Some("drafts: judge\n"));
    let event = event(&repo, &base, &head, true, "ada");
    let (code, report) = judged(&mut action(&repo, &event));
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        (&report["verdict"], &report["draft"]),
        (&json!("blocked"), &json!(true))
    );
    assert!(
        notes(&report).contains(&"a draft, judged like any change (`drafts: judge`)"),
        "{report:#}"
    );
}

#[test]
fn a_pull_request_that_is_no_draft_is_blocked() {
    let (repo, base, head) = bare_release(None);
    let event = event(&repo, &base, &head, false, "ada");
    let (code, report) = judged(&mut action(&repo, &event));
    assert_eq!((code, &report["draft"]), (1, &json!(false)), "{report:#}");
}

/// A re-run after `ready_for_review` reuses the payload of the run before; with a token,
/// the pull request as it is now decides.
#[test]
fn with_a_token_the_draft_state_is_the_pull_request_s_now() {
    let (repo, base, head) = bare_release(None);
    let event = event(&repo, &base, &head, true, "ada");
    let server = GithubServer::start();
    let mut pull = pull_json(17);
    pull["head"]["sha"] = json!(head);
    pull["base"]["sha"] = json!(base);
    pull["labels"] = json!([]);
    pull["body"] = json!(null);
    pull["draft"] = json!(false);
    server.on("GET", "/repos/acme/hedgehog/pulls/17", Reply::json(pull));
    let (code, report) = judged(
        action(&repo, &event)
            .env("GITHUB_API_URL", server.url())
            .env("INPUT_TOKEN", "ghs_token")
            .env("SHIPGATE_API_RETRY_SCALE", "0"),
    );
    assert_eq!((code, &report["draft"]), (1, &json!(false)), "{report:#}");
}

fn gitlab(repo: &Repo, base: &str, head: &str, vars: &[(&str, &str)]) -> BinCommand {
    let mut cmd = repo.shipgate();
    cmd.env("GITLAB_CI", "true")
        .env("CI_PIPELINE_SOURCE", "merge_request_event")
        .env("CI_MERGE_REQUEST_IID", "42")
        .env("CI_MERGE_REQUEST_DIFF_BASE_SHA", base)
        .env("CI_COMMIT_SHA", head)
        .env("CI_DEFAULT_BRANCH", "main")
        .envs(vars.iter().copied())
        .arg("check");
    cmd
}

#[test]
fn a_draft_merge_request_on_gitlab() {
    let (repo, base, head) = bare_release(None);
    let (code, report) = judged(&mut gitlab(
        &repo,
        &base,
        &head,
        &[("CI_MERGE_REQUEST_DRAFT", "true")],
    ));
    assert_eq!(
        (code, &report["verdict"], &report["draft"]),
        (0, &json!("pass"), &json!(true)),
        "{report:#}"
    );
    assert_eq!(missing_required(&report).len(), 4);
    let (code, report) = judged(&mut gitlab(
        &repo,
        &base,
        &head,
        &[("CI_MERGE_REQUEST_DRAFT", "false")],
    ));
    assert_eq!((code, &report["draft"]), (1, &json!(false)), "{report:#}");

    let (repo, base, head) = bare_release(Some("drafts: judge\n"));
    let (code, report) = judged(&mut gitlab(
        &repo,
        &base,
        &head,
        &[("CI_MERGE_REQUEST_DRAFT", "true")],
    ));
    assert_eq!((code, &report["draft"]), (1, &json!(true)), "{report:#}");
}

// ---- authors -------------------------------------------------------------------------------

const BOTS: &str =
    "overrides:\n  authors: [\"dependabot[bot]\", \"renovate*\", \"*@bots.example\"]\n";

#[test]
fn a_bot_s_pull_request_is_overridden_by_its_author() {
    let (repo, base, head) = bare_release(Some(BOTS));
    let event = event(&repo, &base, &head, false, "dependabot[bot]");
    let (code, report) = judged(&mut action(&repo, &event));
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["verdict"], "overridden");
    assert_eq!(
        report["override"],
        json!({"source": "author", "reason": "author dependabot[bot] (overrides.authors `dependabot[bot]`)"})
    );
    // `[bot]` is no character class: only the name itself matches.
    let event = self::event(&repo, &base, &head, false, "dependabotb");
    let (code, report) = judged(&mut action(&repo, &event));
    assert_eq!((code, &report["override"]), (1, &Value::Null), "{report:#}");
}

#[test]
fn without_a_policy_line_no_author_overrides() {
    let (repo, base, head) = bare_release(None);
    let event = event(&repo, &base, &head, false, "dependabot[bot]");
    let (code, report) = judged(&mut action(&repo, &event));
    assert_eq!((code, &report["override"]), (1, &Value::Null), "{report:#}");
}

#[test]
fn with_a_token_the_author_is_the_pull_request_s() {
    let (repo, base, head) = bare_release(Some(BOTS));
    let event = event(&repo, &base, &head, false, "ada");
    let server = GithubServer::start();
    let mut pull = pull_json(17);
    pull["head"]["sha"] = json!(head);
    pull["base"]["sha"] = json!(base);
    pull["labels"] = json!([]);
    pull["user"]["login"] = json!("renovate[bot]");
    server.on("GET", "/repos/acme/hedgehog/pulls/17", Reply::json(pull));
    let (code, report) = judged(
        action(&repo, &event)
            .env("GITHUB_API_URL", server.url())
            .env("INPUT_TOKEN", "ghs_token")
            .env("SHIPGATE_API_RETRY_SCALE", "0"),
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["override"]["reason"],
        "author renovate[bot] (overrides.authors `renovate*`)"
    );
}

#[test]
fn a_merge_request_author_on_gitlab() {
    let (repo, base, head) = bare_release(Some(BOTS));
    let (code, report) = judged(&mut gitlab(
        &repo,
        &base,
        &head,
        &[
            ("CI_MERGE_REQUEST_AUTHOR", "renovate-bot"),
            ("GITLAB_USER_LOGIN", "ada"),
        ],
    ));
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["override"],
        json!({"source": "author", "reason": "author renovate-bot (overrides.authors `renovate*`)"})
    );
    // Without CI_MERGE_REQUEST_AUTHOR, the user who started the pipeline.
    let (code, report) = judged(&mut gitlab(
        &repo,
        &base,
        &head,
        &[("GITLAB_USER_LOGIN", "renovate-bot")],
    ));
    assert_eq!((code, &report["override"]["source"]), (0, &json!("author")));
    let (code, report) = judged(&mut gitlab(
        &repo,
        &base,
        &head,
        &[("GITLAB_USER_LOGIN", "ada")],
    ));
    assert_eq!((code, &report["override"]), (1, &Value::Null), "{report:#}");
}

/// Outside CI every commit's author email must match.
#[test]
fn outside_ci_every_commit_s_author_email_must_match() {
    let (repo, _, _) = bare_release(Some(BOTS));
    // Rewrite the release commit as the bot's, and add a second one by it.
    repo.git(&[
        "commit",
        "-q",
        "--amend",
        "--no-edit",
        "--author",
        "Deps Bot <deps@bots.example>",
    ]);
    repo.write("src/more.rs", "// more\n");
    repo.git(&["add", "-A"]);
    repo.git(&[
        "commit",
        "-q",
        "-m",
        "more",
        "--author",
        "Lock Bot <lock@bots.example>",
    ]);
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["override"],
        json!({
            "source": "author",
            "reason": "every commit's author is in overrides.authors: lock@bots.example (`*@bots.example`), deps@bots.example (`*@bots.example`)"
        })
    );

    // One commit by someone else: no override, and the report says whose commit it was.
    repo.write("src/human.rs", "// by hand\n");
    let human = repo.commit("a human's touch");
    let (code, report) = repo.check_json(&[]);
    assert_eq!((code, &report["override"]), (1, &Value::Null), "{report:#}");
    assert!(
        notes(&report).contains(
            &format!(
                "commit {} is by ada@example.com, whom overrides.authors does not name, so the authors do not override",
                &human[..10]
            )
            .as_str()
        ),
        "{report:#}"
    );
    assert_eq!(requirement(&report, "docs")["status"], "missing");
}

/// In CI without a pull request (a push), commit emails are not the author.
#[test]
fn a_push_has_no_author_to_match() {
    let (repo, base, head) = bare_release(Some(BOTS));
    repo.git(&[
        "commit",
        "-q",
        "--amend",
        "--no-edit",
        "--author",
        "Deps Bot <deps@bots.example>",
    ]);
    let head_now = repo.git(&["rev-parse", "HEAD"]);
    assert_ne!(head, head_now);
    let (code, report) = judged(
        repo.shipgate()
            .env("GITLAB_CI", "true")
            .env("CI_PIPELINE_SOURCE", "push")
            .env("CI_COMMIT_BEFORE_SHA", &base)
            .env("CI_COMMIT_SHA", &head_now)
            .env("CI_DEFAULT_BRANCH", "main")
            .arg("check"),
    );
    assert_eq!((code, &report["override"]), (1, &Value::Null), "{report:#}");
}
