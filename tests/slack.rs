//! The heads-up to Marketing on Slack (`notify.slack-webhook`, SPEC §17): the real binary
//! posts to a stand-in webhook on 127.0.0.1 (tests/common/slack_server.rs), remembers it on
//! the pull request through the GitHub stand-in, and never shows the webhook.

mod common;

use std::path::PathBuf;

use assert_cmd::Command as BinCommand;
use common::github_server::{GithubServer, Reply, pull_json};
use common::slack_server::{self, CANARY, PATH, SlackServer};
use common::{Repo, status};
use serde_json::{Value, json};

const TOKEN: &str = "ghs_CANARY_slack_token_0123";
const PULL: &str = "/repos/acme/hedgehog/pulls/17";
const COMMENTS: &str = "/repos/acme/hedgehog/issues/17/comments?per_page=100";
const POST_COMMENT: &str = "/repos/acme/hedgehog/issues/17/comments";

struct Setup {
    repo: Repo,
    base: String,
    head: String,
    slack: SlackServer,
    github: GithubServer,
}

impl Setup {
    fn new(policy: Option<&str>) -> Setup {
        let repo = Repo::new();
        repo.write("README.txt", "hello\n");
        if let Some(policy) = policy {
            repo.write(".shipgate.yml", policy);
        }
        repo.commit("initial");
        repo.git(&["branch", "base"]);
        let base = repo.git(&["rev-parse", "HEAD"]);
        repo.git(&["checkout", "-q", "-b", "feature"]);
        repo.write("src/onboarding.rs", "// v2\n");
        let head = repo.commit("Onboarding v2");
        Setup {
            repo,
            base,
            head,
            slack: SlackServer::start(),
            github: GithubServer::start(),
        }
    }

    fn cli(&self, stage: &str) -> BinCommand {
        let mut cmd = self.repo.shipgate();
        cmd.env("SHIPGATE_SLACK_WEBHOOK", self.slack.webhook())
            .env("SHIPGATE_API_RETRY_SCALE", "0")
            .args([
                "check", "--base", "base", "--head", "feature", "--stage", stage,
            ]);
        cmd
    }

    /// The step on a pull request whose title is `title` and whose labels are `labels`.
    fn action(&self, title: &str, labels: &[&str]) -> BinCommand {
        let mut pull = pull_json(17);
        pull["head"]["sha"] = json!(self.head);
        pull["base"]["sha"] = json!(self.base);
        pull["title"] = json!(title);
        pull["body"] = json!("Adds onboarding v2.");
        pull["labels"] = labels
            .iter()
            .map(|name| json!({"id": 1, "name": name, "color": "ededed", "default": false}))
            .collect();
        self.github.on("GET", PULL, Reply::json(pull));
        let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/events/pull_request_opened.json");
        let event = std::fs::read_to_string(fixture)
            .unwrap()
            .replace("__BASE__", &self.base)
            .replace("__HEAD__", &self.head);
        let mut cmd = self.repo.shipgate();
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env(
                "GITHUB_EVENT_PATH",
                self.repo.tmp_file("event.json", &event),
            )
            .env("GITHUB_WORKSPACE", self.repo.path())
            .env("GITHUB_REPOSITORY", "acme/hedgehog")
            .env("GITHUB_API_URL", self.github.url())
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_OUTPUT", self.repo.tmp_file("output", ""))
            .env("GITHUB_STEP_SUMMARY", self.repo.tmp_file("summary", ""))
            .env("INPUT_TOKEN", TOKEN)
            .env("INPUT_SLACK-WEBHOOK", self.slack.webhook())
            .env("SHIPGATE_API_RETRY_SCALE", "0")
            .arg("check");
        cmd
    }

    /// Runs `cmd` as JSON: exit code, report, stderr. The webhook's secret shows up in no
    /// output and no file, but for the one mask under Actions.
    fn run(&self, mut cmd: BinCommand) -> (i32, Value, String) {
        let out = cmd.args(["--format", "json"]).output().unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!stdout.contains(CANARY), "webhook printed: {stdout}");
        let unmasked: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .collect();
        assert!(
            !unmasked.join("\n").contains(CANARY),
            "webhook printed: {stderr}"
        );
        for file in ["output", "summary"] {
            let written =
                std::fs::read_to_string(self.repo.tmp_file_path(file)).unwrap_or_default();
            assert!(!written.contains(CANARY), "webhook written to {file}");
        }
        for request in self.github.requests() {
            assert!(!String::from_utf8_lossy(&request.body).contains(CANARY));
        }
        let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        (out.status.code().unwrap(), report, stderr)
    }
}

/// A comment as GitHub lists it, written by the workflow's bot.
fn bot_comment(id: u64, body: &str) -> Value {
    json!({
        "id": id,
        "html_url": format!("https://github.com/acme/hedgehog/pull/17#issuecomment-{id}"),
        "body": body,
        "user": {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"},
        "author_association": "NONE"
    })
}

#[test]
fn a_full_release_without_marketing_posts_once_and_a_rerun_does_not() {
    let s = Setup::new(None);
    // First run: no comment yet (asked before posting, and again by the upsert).
    let remembered = "<!-- shipgate:heads-up -->\nshipgate gave Marketing a heads-up on Slack for this pull request at stage `full`.\n<!-- shipgate:heads-up stage=full -->\n";
    s.github.on_seq(
        "GET",
        COMMENTS,
        [
            Reply::json(json!([])),
            Reply::json(json!([])),
            Reply::json(json!([bot_comment(9, remembered)])),
        ],
    );
    s.github.on(
        "POST",
        POST_COMMENT,
        Reply::json(bot_comment(9, remembered)).with_status(201),
    );
    let title = "Onboarding <!channel> & <https://evil.example|free>";
    let (code, report, stderr) = s.run(s.action(title, &["release:full"]));
    assert_eq!(code, 1, "{report:#} {stderr}");
    assert_eq!(status(&report, "marketing"), "missing");
    // The mask came first.
    assert!(
        stderr.starts_with("::add-mask::http://127.0.0.1:"),
        "{stderr}"
    );
    let posts = s.slack.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0]["text"],
        "Heads-up for Marketing: acme/hedgehog#17 Onboarding &lt;!channel&gt; &amp; &lt;https://evil.example|free&gt; is judged full (a full release), and Marketing has not been told (marketing is missing)"
    );
    assert_eq!(
        posts[0]["blocks"][0]["text"]["text"],
        "*Heads-up for Marketing:* <https://github.com/pull/17|acme/hedgehog#17 Onboarding &lt;!channel&gt; &amp; &lt;https://evil.example|free&gt;> is judged *full* (a full release), and nothing shows that Marketing has been told."
            .replace("github.com/pull", "github.com/acme/hedgehog/pull")
    );
    assert_eq!(
        posts[0]["blocks"][1]["fields"][1]["text"],
        "*Missing*\nmarketing (required, so it blocks)"
    );
    assert_eq!(
        s.slack.requests()[0].header("content-type"),
        Some("application/json")
    );
    // Remembered on the pull request.
    let written: Vec<_> = s
        .github
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].json()["body"], remembered);
    assert!(
        report["notes"]
            .to_string()
            .contains("Marketing got a heads-up on Slack for #17 at stage full"),
        "{report:#}"
    );

    // The re-run finds the record and posts nothing.
    let (code, report, _) = s.run(s.action(title, &["release:full"]));
    assert_eq!(code, 1);
    assert_eq!(s.slack.posts().len(), 1, "no second heads-up");
    assert!(
        report["notes"].to_string().contains(
            "Marketing already had a heads-up on Slack for #17 at stage full; not sent again"
        ),
        "{report:#}"
    );
}

#[test]
fn a_stranger_cannot_silence_the_heads_up_with_the_marker() {
    let s = Setup::new(None);
    let forged = json!({
        "id": 3, "html_url": "https://github.com/x", "body": "<!-- shipgate:heads-up -->\n<!-- shipgate:heads-up stage=beta -->",
        "user": {"login": "mallory", "id": 7, "type": "User"}, "author_association": "NONE"
    });
    s.github.on("GET", COMMENTS, Reply::json(json!([forged])));
    s.github.on(
        "POST",
        POST_COMMENT,
        Reply::json(bot_comment(10, "x")).with_status(201),
    );
    let (code, _, stderr) = s.run(s.action("Onboarding", &["release:beta"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(s.slack.posts().len(), 1);
}

#[test]
fn without_a_token_a_pull_request_gets_no_heads_up_and_a_warning() {
    let s = Setup::new(None);
    let mut cmd = s.action("Onboarding", &["release:full"]);
    // The payload's body has the checked box; this body has none.
    let body = s.repo.tmp_file("body.md", "Adds onboarding v2.\n");
    cmd.env("INPUT_TOKEN", "").arg("--body-file").arg(body);
    let (code, report, stderr) = s.run(cmd);
    assert_eq!(code, 1, "{report:#}");
    assert!(s.slack.posts().is_empty());
    assert!(
        stderr.contains("no heads-up to Marketing: without a GitHub token shipgate cannot remember on #17 that it sent one"),
        "{stderr}"
    );
}

#[test]
fn the_command_line_posts_for_a_beta_and_never_for_a_merge_or_with_marketing_told() {
    let s = Setup::new(None);
    let (code, report, stderr) = s.run(s.cli("merge"));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["stage"], "merge");
    let mut told = s.cli("full");
    told.args(["--label", "marketing-notified"]);
    s.run(told);
    assert!(s.slack.posts().is_empty());

    let (code, report, stderr) = s.run(s.cli("beta"));
    assert_eq!(code, 0, "a heads-up changes no verdict: {stderr}");
    let posts = s.slack.posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0]["blocks"][0]["text"]["text"],
        format!(
            "*Heads-up for Marketing:* feature ({}) is judged *beta* (a beta), and nothing shows that Marketing has been told.",
            &s.head[..10]
        )
    );
    assert_eq!(
        posts[0]["blocks"][1]["fields"][1]["text"],
        "*Missing*\nmarketing (warned about)"
    );
    assert!(
        report["notes"].to_string().contains(
            "Marketing got a heads-up on Slack at stage beta; with no pull request to remember it on, a re-run sends another"
        ),
        "{report:#}"
    );
}

#[test]
fn the_policy_names_the_variable_that_holds_the_webhook() {
    let s = Setup::new(Some("notify:\n  slack-webhook: env:RELEASES_HOOK\n"));
    let mut cmd = s.repo.shipgate();
    cmd.env("RELEASES_HOOK", s.slack.webhook())
        .args(["check", "--base", "base", "--stage", "full"]);
    let (code, _, stderr) = s.run(cmd);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(s.slack.posts().len(), 1);
    assert!(s.slack.requests()[0].path == PATH);
}

#[test]
fn a_failed_post_is_a_warning_that_never_shows_the_webhook() {
    for (status, said) in [
        (400, "400 Bad Request (Slack said: invalid_payload)"),
        (
            403,
            "403 Forbidden (Slack said: invalid_token): Slack refused the webhook",
        ),
        (404, "Slack answered 404 (no_service)"),
        (410, "410 Gone (Slack said: channel_is_archived)"),
        (
            429,
            "429 Too Many Requests (Slack said: rate_limited): Slack asked to retry after 1 s; a write is not retried",
        ),
        (
            500,
            "500 Internal Server Error (Slack said: internal_error); a write is not retried",
        ),
    ] {
        let s = Setup::new(None);
        s.slack.answer(slack_server::reply(status));
        let (code, report, stderr) = s.run(s.cli("beta"));
        assert_eq!(code, 0, "{status}: {stderr}");
        assert_eq!(report["verdict"], "pass");
        assert!(
            stderr.contains("warning: could not give Marketing a heads-up on Slack: "),
            "{status}: {stderr}"
        );
        assert!(stderr.contains(said), "{status}: {stderr}");
        assert!(!stderr.contains("/services/"), "{status}: {stderr}");
        assert_eq!(
            s.slack.requests().len(),
            1,
            "{status}: posted once, never again"
        );
    }
}

#[test]
fn an_unreachable_webhook_is_a_warning() {
    let s = Setup::new(None);
    let mut cmd = s.cli("beta");
    cmd.env(
        "SHIPGATE_SLACK_WEBHOOK",
        format!("http://127.0.0.1:9{PATH}"),
    );
    let (code, _, stderr) = s.run(cmd);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "warning: could not give Marketing a heads-up on Slack: Slack webhook POST <webhook>:"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("not retried, since the write may have happened"),
        "{stderr}"
    );
}
