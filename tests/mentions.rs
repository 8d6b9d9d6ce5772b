//! Marketing told on the issue (`requirements.<id>.mentions`, SPEC §17): the issues a
//! change closes are read through a stand-in for the GitHub API on 127.0.0.1
//! (tests/common/github_server.rs), by the command line (`GITHUB_REPOSITORY`) and by the
//! Action (its token), and a mention of a handle there is evidence.

mod common;

use std::path::PathBuf;

use assert_cmd::Command as BinCommand;
use common::github_server::{GithubServer, Reply, pull_json};
use common::{Repo, requirement, status};
use serde_json::{Value, json};

const CANARY: &str = "ghp_CANARY_mentions_0123456789";
const ISSUE: &str = "/repos/acme/hedgehog/issues/12";
const COMMENTS: &str = "/repos/acme/hedgehog/issues/12/comments";

/// An issue as `GET /repos/{o}/{r}/issues/{n}` answers it, trimmed.
fn issue_json(number: u64, body: &str, login: &str) -> Value {
    json!({
        "id": 9_000 + number,
        "number": number,
        "title": "Onboarding v2",
        "state": "open",
        "html_url": format!("https://github.com/acme/hedgehog/issues/{number}"),
        "body": body,
        "user": {"login": login, "id": 1, "type": "User"},
        "labels": [],
        "comments": 2,
        "author_association": "MEMBER"
    })
}

/// A comment as `GET /repos/{o}/{r}/issues/{n}/comments` lists it.
fn comment_json(id: u64, body: &str, login: &str) -> Value {
    json!({
        "id": id,
        "html_url": format!("https://github.com/acme/hedgehog/issues/12#issuecomment-{id}"),
        "body": body,
        "user": {"login": login, "id": 2, "type": "User"},
        "created_at": "2024-01-01T00:00:00Z",
        "author_association": "MEMBER"
    })
}

struct Setup {
    repo: Repo,
    server: GithubServer,
}

impl Setup {
    /// A base commit whose policy asks for `@acme/marketing` on the marketing requirement,
    /// and a feature commit with `message`.
    fn new(message: &str) -> Setup {
        let repo = Repo::new();
        repo.write(
            ".shipgate.yml",
            "requirements:\n  marketing:\n    mentions: ['@acme/marketing']\n",
        );
        repo.commit("policy");
        repo.git(&["branch", "base"]);
        repo.git(&["checkout", "-q", "-b", "feature"]);
        repo.write("src/onboarding.rs", "// v2\n");
        repo.commit(message);
        Setup {
            repo,
            server: GithubServer::start(),
        }
    }

    fn cli(&self, stage: &str) -> BinCommand {
        let mut cmd = self.repo.shipgate();
        cmd.env("GITHUB_REPOSITORY", "acme/hedgehog")
            .env("GITHUB_API_URL", self.server.url())
            .env("GITHUB_TOKEN", CANARY)
            .env("SHIPGATE_API_RETRY_SCALE", "0")
            .args(["check", "--base", "base", "--stage", stage]);
        cmd
    }

    fn run(&self, mut cmd: BinCommand) -> (i32, Value, String) {
        let out = cmd.args(["--format", "json"]).output().unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!stdout.contains(CANARY) && !stderr.contains(CANARY));
        for request in self.server.requests() {
            assert_eq!(
                request.header("authorization"),
                Some(format!("Bearer {CANARY}").as_str())
            );
        }
        let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        (out.status.code().unwrap(), report, stderr)
    }
}

#[test]
fn a_mention_in_a_comment_on_a_closed_issue_is_evidence() {
    let s = Setup::new("Onboarding v2\n\nCloses #12");
    s.server.on(
        "GET",
        ISSUE,
        Reply::json(issue_json(12, "New onboarding.", "pat")),
    );
    s.server.paginate(
        COMMENTS,
        vec![
            comment_json(501, "Looks good", "lee"),
            comment_json(502, "Heads-up @acme/marketing: this ships Friday.", "dana"),
        ],
        1,
    );
    let (code, report, stderr) = s.run(s.cli("full"));
    assert_eq!(
        code, 1,
        "docs and the rest are missing: {report:#} {stderr}"
    );
    let marketing = requirement(&report, "marketing");
    assert_eq!(marketing["status"], "satisfied", "{marketing:#}");
    assert_eq!(
        marketing["evidence"],
        json!([{
            "source": "issue",
            "detail": "#12, a comment by @dana mentions @acme/marketing",
            "commit": null,
            "url": "https://github.com/acme/hedgehog/issues/12#issuecomment-502"
        }])
    );
    // The issue, and both pages of its comments.
    assert_eq!(s.server.requests().len(), 3);
}

#[test]
fn what_github_would_not_notify_is_no_mention() {
    let s = Setup::new("Onboarding v2\n\nFixes #12. Closes other-org/other#5.");
    s.server.on(
        "GET",
        ISSUE,
        Reply::json(issue_json(
            12,
            "Tell `@acme/marketing` later.\n<!-- @acme/marketing -->\nmail news@acme/marketing.example\n@acme/marketing-eu\n```\n@acme/marketing\n```",
            "pat",
        )),
    );
    s.server.paginate(COMMENTS, Vec::new(), 100);
    let (code, report, _) = s.run(s.cli("full"));
    assert_eq!(code, 1);
    let marketing = requirement(&report, "marketing");
    assert_eq!(marketing["status"], "missing");
    let hint = marketing["hint"].as_str().unwrap();
    assert!(
        hint.ends_with(
            "or mention `@acme/marketing` on an issue that the change closes (`Closes #<n>`)"
        ),
        "{hint}"
    );
    // Another repository's issue is never read.
    assert!(
        s.server
            .requests()
            .iter()
            .all(|r| !r.path.contains("other"))
    );
}

#[test]
fn an_issue_body_mention_counts_and_a_merge_reads_nothing() {
    let s = Setup::new("Onboarding v2\n\nresolves #12");
    s.server.on(
        "GET",
        ISSUE,
        Reply::json(issue_json(12, "cc @Acme/Marketing.", "pat")),
    );
    s.server.paginate(COMMENTS, Vec::new(), 100);
    let (_, report, _) = s.run(s.cli("merge"));
    assert_eq!(report["requirements"], json!([]));
    assert!(s.server.requests().is_empty(), "a merge asks nothing");

    let (_, report, _) = s.run(s.cli("full"));
    assert_eq!(
        requirement(&report, "marketing")["evidence"][0]["detail"],
        "#12 (by @pat) mentions @acme/marketing"
    );
}

#[test]
fn an_api_failure_is_exit_2_when_required_and_a_note_when_warned() {
    let s = Setup::new("Onboarding v2\n\nCloses #12");
    s.server.on("GET", ISSUE, Reply::status(500));
    let (code, report, stderr) = s.run(s.cli("full"));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(report["error"]["code"], "api");
    let message = report["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("could not read issue #12 of acme/hedgehog for mentions: GitHub API GET /repos/acme/hedgehog/issues/12: 500 Internal Server Error"),
        "{message}"
    );

    let (code, report, _) = s.run(s.cli("beta"));
    assert_eq!(code, 0);
    assert_eq!(status(&report, "marketing"), "missing");
    assert!(
        report["notes"].to_string().contains(
            "marketing is only warned about at stage beta, so issue #12 is not read for mentions"
        ),
        "{report:#}"
    );
}

#[test]
fn a_run_that_cannot_ask_says_so() {
    let s = Setup::new("Onboarding v2\n\nCloses #12");
    let mut cmd = s.cli("full");
    cmd.env_remove("GITHUB_REPOSITORY");
    let (code, report, _) = s.run(cmd);
    assert_eq!(code, 1);
    assert!(
        report["notes"]
            .to_string()
            .contains("marketing: mentions on the issues a change closes are read through the GitHub API, which this run cannot ask"),
        "{report:#}"
    );
    assert!(s.server.requests().is_empty());
}

#[test]
fn the_action_reads_the_issue_its_pull_request_closes() {
    let s = Setup::new("Onboarding v2");
    let base = s.repo.git(&["rev-parse", "base"]);
    let head = s.repo.git(&["rev-parse", "HEAD"]);
    let mut pull = pull_json(17);
    pull["head"]["sha"] = json!(head);
    pull["base"]["sha"] = json!(base);
    pull["labels"] =
        json!([{"id": 1, "name": "release:full", "color": "ededed", "default": false}]);
    pull["body"] = json!("Adds onboarding v2.\r\n\r\nCloses #12\r\n");
    s.server
        .on("GET", "/repos/acme/hedgehog/pulls/17", Reply::json(pull));
    s.server.on(
        "GET",
        ISSUE,
        Reply::json(issue_json(12, "New onboarding.", "pat")),
    );
    s.server.paginate(
        COMMENTS,
        vec![comment_json(601, "@acme/marketing FYI", "dana")],
        100,
    );
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/events/pull_request_opened.json");
    let event = std::fs::read_to_string(fixture)
        .unwrap()
        .replace("__BASE__", &base)
        .replace("__HEAD__", &head);
    let mut cmd = s.repo.shipgate();
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", s.repo.tmp_file("event.json", &event))
        .env("GITHUB_WORKSPACE", s.repo.path())
        .env("GITHUB_REPOSITORY", "acme/hedgehog")
        .env("GITHUB_API_URL", s.server.url())
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("INPUT_TOKEN", CANARY)
        .env("SHIPGATE_API_RETRY_SCALE", "0")
        .arg("check");
    let (code, report, stderr) = s.run(cmd);
    assert_eq!(code, 1, "{report:#} {stderr}");
    assert_eq!(report["stage"], "full");
    assert_eq!(
        requirement(&report, "marketing")["evidence"],
        json!([{
            "source": "issue",
            "detail": "#12, a comment by @dana mentions @acme/marketing",
            "commit": null,
            "url": "https://github.com/acme/hedgehog/issues/12#issuecomment-601"
        }])
    );
}
