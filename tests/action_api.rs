//! `shipgate check` under GitHub Actions with a token: the binary talks to a stand-in for
//! the GitHub API on 127.0.0.1 (tests/common/github_server.rs) and nothing else.

mod common;
#[path = "common/snapshot.rs"]
mod snapshot;

use std::path::PathBuf;

use assert_cmd::Command as BinCommand;
use common::github_server::{GithubServer, Reply, commit_json, file_json, pull_json};
use common::{Repo, complete_release, status};
use serde_json::{Value, json};

/// The token the runner would hand over; it must never be printed or written.
const CANARY: &str = "ghs_CANARY_0123456789abcdef";
const PULL: &str = "/repos/acme/hedgehog/pulls/17";
const COMMENTS: &str = "/repos/acme/hedgehog/issues/17/comments";
const REVIEWS: &str = "/repos/acme/hedgehog/pulls/17/reviews";

struct Step {
    repo: Repo,
    base: String,
    head: String,
    server: GithubServer,
}

impl Step {
    /// A base commit on `main` and a feature commit with `message`.
    fn new(message: &str) -> Step {
        let repo = Repo::with_base();
        let base = repo.git(&["rev-parse", "HEAD"]);
        repo.git(&["checkout", "-q", "-b", "feature"]);
        repo.write("src/replay.rs", "// v2\n");
        let head = repo.commit(message);
        Step {
            repo,
            base,
            head,
            server: GithubServer::start(),
        }
    }

    /// The pull request as the API answers it now, for this repository's commits.
    fn pull(&self, labels: &[&str], body: Option<&str>) -> Value {
        let mut pull = pull_json(17);
        pull["head"]["sha"] = json!(self.head);
        pull["base"]["sha"] = json!(self.base);
        pull["labels"] = labels
            .iter()
            .enumerate()
            .map(|(i, name)| json!({"id": i, "name": name, "color": "ededed", "default": false}))
            .collect();
        pull["body"] = json!(body);
        pull
    }

    fn payload(&self, fixture: &str) -> PathBuf {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/events")
            .join(fixture);
        let text = std::fs::read_to_string(path)
            .unwrap()
            .replace("__BASE__", &self.base)
            .replace("__HEAD__", &self.head);
        self.repo.tmp_file("event.json", &text)
    }

    fn command(&self, fixture: &str, dir: &std::path::Path) -> BinCommand {
        let mut cmd = self.repo.shipgate();
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", self.payload(fixture))
            .env("GITHUB_WORKSPACE", dir)
            .env("GITHUB_REPOSITORY", "acme/hedgehog")
            .env("GITHUB_API_URL", self.server.url())
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_OUTPUT", self.repo.tmp_file("output", ""))
            .env("GITHUB_STEP_SUMMARY", self.repo.tmp_file("summary", ""))
            .env("INPUT_TOKEN", CANARY)
            .env("SHIPGATE_API_RETRY_SCALE", "0")
            .current_dir(dir)
            .arg("check");
        cmd
    }

    /// Runs the step as JSON; returns exit code, report and stderr, having checked that
    /// the token shows up nowhere.
    fn run(&self, mut cmd: BinCommand) -> (i32, Value, String) {
        let out = cmd.args(["--format", "json"]).output().unwrap();
        let (stdout, stderr) = (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        );
        self.assert_no_canary(&[&stdout, &stderr]);
        let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        (out.status.code().unwrap(), report, stderr)
    }

    fn assert_no_canary(&self, texts: &[&str]) {
        for text in texts {
            assert!(!text.contains(CANARY), "token printed: {text}");
        }
        for file in ["output", "summary", "event.json"] {
            let path = self.repo.tmp_file_path(file);
            let written = std::fs::read_to_string(path).unwrap_or_default();
            assert!(!written.contains(CANARY), "token written to {file}");
        }
        // It did travel where it belongs: in the Authorization header, and only there.
        for request in self.server.requests() {
            assert_eq!(
                request.header("authorization"),
                Some(format!("Bearer {CANARY}").as_str())
            );
            assert!(!request.path.contains(CANARY));
        }
    }
}

#[test]
fn a_rerun_judges_the_labels_and_body_the_pull_request_has_now() {
    let s = Step::new("Replay v2");
    // The payload says release:full; since then the label was changed to a beta.
    s.server.on(
        "GET",
        PULL,
        Reply::json(s.pull(&["release:beta"], Some("Now a beta."))),
    );
    let (code, report, _) = s.run(s.command("pull_request_opened.json", s.repo.path()));
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["stage"], "beta");
    assert_eq!(status(&report, "marketing"), "missing");
    assert_eq!(s.server.hits("GET", PULL), 1);
}

#[test]
fn without_a_token_the_payload_decides_and_nothing_is_asked() {
    let s = Step::new("Replay v2");
    let mut cmd = s.command("pull_request_opened.json", s.repo.path());
    cmd.env("INPUT_TOKEN", "");
    let (code, report, _) = s.run(cmd);
    assert_eq!((code, report["stage"].as_str()), (1, Some("full")));
    assert!(s.server.requests().is_empty());
}

#[test]
fn a_token_that_may_not_read_leaves_the_payload_with_a_warning() {
    let s = Step::new("Replay v2");
    s.server.on(
        "GET",
        PULL,
        Reply::json(json!({"message": "Resource not accessible by integration"})).with_status(403),
    );
    let (code, report, stderr) = s.run(s.command("pull_request_fork.json", s.repo.path()));
    assert_eq!(
        (code, report["stage"].as_str()),
        (0, Some("beta")),
        "{stderr}"
    );
    assert!(
        stderr.contains("could not read the current labels and body of #17"),
        "{stderr}"
    );
}

#[test]
fn an_api_that_keeps_failing_stops_the_check() {
    let s = Step::new("Replay v2");
    s.server.on("GET", PULL, Reply::status(502));
    let (code, _, stderr) = s.run(s.command("pull_request_opened.json", s.repo.path()));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("502"), "{stderr}");
    assert!(s.server.hits("GET", PULL) > 1, "GETs are retried");
}

#[test]
fn truncated_json_from_the_api_stops_the_check() {
    let s = Step::new("Replay v2");
    s.server.on(
        "GET",
        PULL,
        Reply::raw(b"{\"number\": 17, \"labels\": [").header("content-type", "application/json"),
    );
    let (code, _, stderr) = s.run(s.command("pull_request_opened.json", s.repo.path()));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("pulls/17"), "{stderr}");
}

#[test]
fn a_docs_link_to_a_pull_request_counts_only_if_it_exists() {
    let s = Step::new("Replay v2\n\nDocs: https://github.com/acme/docs/pull/9");
    s.server
        .on("GET", PULL, Reply::json(s.pull(&["release:full"], None)));
    s.server.on(
        "GET",
        "/repos/acme/docs/pulls/9",
        Reply::json(json!({"message": "Not Found"})).with_status(404),
    );
    let (code, report, _) = s.run(s.command("pull_request_opened.json", s.repo.path()));
    assert_eq!(code, 1);
    assert_eq!(status(&report, "docs"), "missing");
    let hint = common::requirement(&report, "docs")["hint"]
        .as_str()
        .unwrap();
    assert!(
        hint.starts_with(
            "the pull request linked by trailer `Docs: https://github.com/acme/docs/pull/9`"
        ),
        "{hint}"
    );

    let s = Step::new("Replay v2\n\nDocs: https://github.com/acme/docs/pull/9");
    s.server
        .on("GET", PULL, Reply::json(s.pull(&["release:full"], None)));
    s.server
        .on("GET", "/repos/acme/docs/pulls/9", Reply::json(pull_json(9)));
    let (_, report, _) = s.run(s.command("pull_request_opened.json", s.repo.path()));
    assert_eq!(status(&report, "docs"), "satisfied");
}

/// A clone of depth 1 of the pull request's head: the base and the history are missing.
fn shallow_clone(s: &Step) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    s.repo.shallow_clone("feature", dir.path());
    dir
}

#[test]
fn a_shallow_clone_takes_commits_and_files_from_the_api() {
    let s = Step::new("Replay v2\n\nRelease: full");
    let dir = shallow_clone(&s);
    let clone = dir.path().join("clone");
    let base = &s.base;
    let head = &s.head;
    s.server.on(
        "GET",
        PULL,
        Reply::json(s.pull(&[], Some("- [x] Marketing notified"))),
    );
    s.server.on(
        "GET",
        &format!("/repos/acme/hedgehog/compare/{base}...{head}?per_page=1"),
        Reply::json(json!({"merge_base_commit": {"sha": base}, "status": "ahead"})),
    );
    s.server.paginate(
        &format!("{PULL}/commits"),
        vec![commit_json(head, "Replay v2\n\nRelease: full")],
        100,
    );
    s.server.paginate(
        &format!("{PULL}/files"),
        vec![
            file_json("docs/replay.md", "added"),
            file_json("src/replay.rs", "added"),
        ],
        100,
    );
    let (code, report, stderr) = s.run(s.command("pull_request_synchronize.json", &clone));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(report["stage"], "full");
    assert_eq!(report["range"]["commits"], 1);
    assert_eq!(report["range"]["files"], 2);
    assert_eq!(status(&report, "docs"), "satisfied");
    assert_eq!(status(&report, "marketing"), "satisfied");
    assert_eq!(status(&report, "template"), "missing");
    assert_eq!(report["policy"]["source"], "built-in");
    assert!(report["notes"].as_array().unwrap().iter().any(
        |n| n == "the clone is shallow: the commits and files of #17 come from the GitHub API"
    ));
    // The API lists the files but not their lines: the checks that read lines say so, and
    // the others judge what there is.
    let check = |id: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    for id in ["size", "leftovers", "flag-refs"] {
        assert_eq!(check(id)["status"], "ok");
        assert_eq!(
            check(id)["note"],
            "could not look: the change came from the GitHub API, which does not give its lines; check out the full history (`fetch-depth: 0`)"
        );
    }
    assert_eq!(check("tests")["findings"][0]["path"], "src/replay.rs");
}

#[test]
fn a_pull_request_beyond_the_apis_file_cap_is_not_judged_from_a_cut_list() {
    let s = Step::new("Replay v2");
    let dir = shallow_clone(&s);
    let clone = dir.path().join("clone");
    s.server
        .on("GET", PULL, Reply::json(s.pull(&["release:full"], None)));
    s.server.on(
        "GET",
        &format!(
            "/repos/acme/hedgehog/compare/{}...{}?per_page=1",
            s.base, s.head
        ),
        Reply::json(json!({"merge_base_commit": {"sha": s.base}})),
    );
    s.server.paginate(
        &format!("{PULL}/commits"),
        vec![commit_json(&s.head, "Replay v2")],
        100,
    );
    let files = (0..3000)
        .map(|i| file_json(&format!("src/f{i}.rs"), "added"))
        .collect();
    s.server.paginate(&format!("{PULL}/files"), files, 100);
    let (code, _, stderr) = s.run(s.command("pull_request_opened.json", &clone));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("3000") || stderr.contains("3,000"),
        "{stderr}"
    );
    assert!(stderr.contains("fetch-depth: 0"), "{stderr}");
}

#[test]
fn the_sticky_comment_is_written_when_asked() {
    let s = Step::new("Replay v2");
    s.server
        .on("GET", PULL, Reply::json(s.pull(&["release:full"], None)));
    s.server.paginate(COMMENTS, vec![], 100);
    s.server.paginate(
        REVIEWS,
        vec![common::github_server::review_json(1, "ada", "COMMENTED")],
        100,
    );
    s.server.on(
        "POST",
        COMMENTS,
        Reply::json(common::github_server::comment_json(
            1,
            "<!-- shipgate:report -->",
        ))
        .with_status(201),
    );
    let mut cmd = s.command("pull_request_opened.json", s.repo.path());
    cmd.env("INPUT_COMMENT", "true");
    let (code, _, stderr) = s.run(cmd);
    assert_eq!(code, 1, "{stderr}");
    let posts: Vec<_> = s
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 1);
    let body = posts[0].json()["body"].as_str().unwrap().to_owned();
    assert!(body.starts_with("<!-- shipgate:report -->"), "{body}");
    assert!(body.contains("template"), "{body}");
}

/// The comment's body as posted, whole: the pull request of the payload, judged with the
/// labels and body the API has now.
#[test]
fn the_sticky_comment_in_full() {
    let s = Step::new("Replay v2\n\nMarketing-Notified: #launch-replay");
    s.server.on(
        "GET",
        PULL,
        Reply::json(s.pull(&["release:full"], Some("Adds replay v2.\n\nDocs: ask ops"))),
    );
    s.server.paginate(COMMENTS, vec![], 100);
    s.server.paginate(
        REVIEWS,
        vec![common::github_server::review_json(1, "ada", "COMMENTED")],
        100,
    );
    s.server.on(
        "POST",
        COMMENTS,
        Reply::json(common::github_server::comment_json(
            1,
            "<!-- shipgate:report -->",
        ))
        .with_status(201),
    );
    let mut cmd = s.command("pull_request_opened.json", s.repo.path());
    cmd.env("INPUT_COMMENT", "true");
    let (code, _, stderr) = s.run(cmd);
    assert_eq!(code, 1, "{stderr}");
    let posts: Vec<_> = s
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 1);
    let body = posts[0].json()["body"].as_str().unwrap().to_owned();
    snapshot::assert_snapshot("action_api__sticky_comment.txt", &body, &[]);
}

#[test]
fn a_comment_that_cannot_be_written_is_a_warning_not_a_failure() {
    let s = Step::new("Replay v2");
    s.server
        .on("GET", PULL, Reply::json(s.pull(&["release:beta"], None)));
    s.server.paginate(COMMENTS, vec![], 100);
    s.server.on(
        "POST",
        COMMENTS,
        Reply::json(json!({"message": "Resource not accessible by integration"})).with_status(403),
    );
    let mut cmd = s.command("pull_request_fork.json", s.repo.path());
    cmd.env("INPUT_COMMENT", "true");
    let (code, report, stderr) = s.run(cmd);
    assert_eq!(
        (code, report["verdict"].as_str()),
        (0, Some("pass")),
        "{stderr}"
    );
    assert!(stderr.contains("could not comment on #17"), "{stderr}");
}

/// A stable version bump with docs, a template and a flag entry, whose only marketing
/// evidence is the pull request's `marketing-notified` label.
fn labelled_release() -> Step {
    let repo = Repo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"hedgehog\"\nversion = \"1.0.0\"\n",
    );
    let base = repo.commit("initial");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    complete_release(&repo);
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"hedgehog\"\nversion = \"1.1.0\"\n",
    );
    let head = repo.commit("Session replay v2");
    let s = Step {
        repo,
        base,
        head,
        server: GithubServer::start(),
    };
    s.server.on(
        "GET",
        PULL,
        Reply::json(s.pull(&["marketing-notified"], Some("Adds replay v2."))),
    );
    s
}

/// The queue entry for #17 (`gh-readonly-queue/main/pr-17-...`).
fn queued(s: &Step) -> BinCommand {
    let mut cmd = s.command("merge_group.json", s.repo.path());
    cmd.env("GITHUB_EVENT_NAME", "merge_group");
    cmd
}

fn notes(report: &Value) -> Vec<&str> {
    report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect()
}

#[test]
fn the_merge_queue_judges_the_labels_its_pull_request_was_judged_by() {
    let s = labelled_release();
    let (code, report, stderr) = s.run(s.command("pull_request_opened.json", s.repo.path()));
    assert_eq!(code, 0, "the pull request passes: {stderr}");
    assert_eq!(report["stage"], "full");

    let (code, report, stderr) = s.run(queued(&s));
    assert_eq!(
        code, 0,
        "the queue passes what the pull request passed: {stderr}"
    );
    assert_eq!(report["stage"], "full");
    assert_eq!(report["range"]["base"], s.base.as_str());
    assert_eq!(
        common::requirement(&report, "marketing")["evidence"][0]["detail"],
        "marketing-notified"
    );
    assert!(
        notes(&report).contains(
            &"merge_group: labels and body of #17, the queued pull request, as the GitHub API has them now"
        ),
        "{report:#}"
    );
    assert_eq!(s.server.hits("GET", PULL), 2);
}

#[test]
fn the_merge_queue_without_a_token_judges_git_alone_and_says_so() {
    let s = labelled_release();
    let mut cmd = queued(&s);
    cmd.env("INPUT_TOKEN", "");
    let (code, report, stderr) = s.run(cmd);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(status(&report, "marketing"), "missing");
    assert!(
        notes(&report).contains(
            &"merge_group: without a token the labels and body of #17, the queued pull request, cannot be read, so the queue entry is judged from git alone and may block what its pull_request run passed; give the action a token with `pull-requests: read` (the `token` input, or GITHUB_TOKEN)"
        ),
        "{report:#}"
    );
    assert!(s.server.requests().is_empty());
}

#[test]
fn the_merge_queue_follows_the_api_failure_rules() {
    // A token that may not read: a warning, and git alone decides.
    let s = labelled_release();
    s.server.on("GET", PULL, Reply::status(403));
    let (code, report, stderr) = s.run(queued(&s));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(status(&report, "marketing"), "missing");
    assert!(
        stderr.contains("could not read the labels and body of #17, the queued pull request, so the queue entry is judged from git alone: GitHub API GET /repos/acme/hedgehog/pulls/17: 403 Forbidden"),
        "{stderr}"
    );

    // An API that keeps failing: the entry cannot be judged.
    let s = labelled_release();
    s.server.on("GET", PULL, Reply::status(500));
    let (code, _, stderr) = s.run(queued(&s));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("500 Internal Server Error"), "{stderr}");
}

#[test]
fn a_queue_branch_that_names_no_pull_request_is_an_error() {
    let s = labelled_release();
    let event = std::fs::read_to_string(s.payload("merge_group.json"))
        .unwrap()
        .replace("/pr-17-", "/pr-017-");
    let mut cmd = queued(&s);
    cmd.env("GITHUB_EVENT_PATH", s.repo.tmp_file("queue.json", &event));
    let (code, _, stderr) = s.run(cmd);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "`merge_group.head_ref` in the event payload is `refs/heads/gh-readonly-queue/main/pr-017-{}`, not `refs/heads/gh-readonly-queue/main/pr-<number>-<sha>` as GitHub's merge queue names the branch of an entry, so the queued pull request is unknown",
            s.base
        )),
        "{stderr}"
    );
    assert!(s.server.requests().is_empty());
}

const LINK: &str = "https://github.com/acme/docs/pull/9";
const LINK_PATH: &str = "/repos/acme/docs/pulls/9";

#[test]
fn a_merge_with_a_docs_link_asks_the_network_nothing() {
    // A push: nothing to read about labels, and a merge judges no requirement.
    let s = Step::new(&format!("Fix replay\n\nDocs: {LINK}"));
    s.server.on("GET", LINK_PATH, Reply::status(500));
    let mut cmd = s.command("push_branch.json", s.repo.path());
    cmd.env("GITHUB_EVENT_NAME", "push");
    let (code, report, stderr) = s.run(cmd);
    assert_eq!(
        (code, report["stage"].as_str()),
        (0, Some("merge")),
        "{stderr}"
    );
    assert!(s.server.requests().is_empty(), "{:?}", s.server.requests());

    // A pull request: its labels and body are read, and its reviews for the `review`
    // check, which warns at every stage; the link in its body is not followed.
    let s = Step::new("Fix replay");
    s.server.on(
        "GET",
        PULL,
        Reply::json(s.pull(&[], Some(&format!("Docs: {LINK}")))),
    );
    s.server.on("GET", LINK_PATH, Reply::status(500));
    s.server.paginate(REVIEWS, vec![], 100);
    let (code, report, stderr) = s.run(s.command("pull_request_opened.json", s.repo.path()));
    assert_eq!(
        (code, report["stage"].as_str()),
        (0, Some("merge")),
        "{stderr}"
    );
    assert_eq!(s.server.hits("GET", LINK_PATH), 0);
    let paths: Vec<String> = s.server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, [PULL.to_owned(), format!("{REVIEWS}?per_page=100")]);
}

#[test]
fn a_link_that_cannot_be_followed_is_a_warning_for_a_beta_and_an_error_for_a_full_release() {
    let s = Step::new(&format!("Replay v2\n\nDocs: {LINK}"));
    s.server
        .on("GET", PULL, Reply::json(s.pull(&["release:beta"], None)));
    s.server.on("GET", LINK_PATH, Reply::status(500));
    let (code, report, stderr) = s.run(s.command("pull_request_opened.json", s.repo.path()));
    assert_eq!(
        (code, report["verdict"].as_str()),
        (0, Some("pass")),
        "{stderr}"
    );
    let warning = notes(&report)
        .into_iter()
        .find(|n| n.contains("taken at its word"))
        .unwrap_or_else(|| panic!("no warning: {report:#}"));
    assert!(
        warning.starts_with(&format!(
            "docs is only warned about at stage beta, so the link is taken at its word: could not follow the link {LINK}: GitHub API GET {LINK_PATH}: 500 Internal Server Error"
        )),
        "{warning}"
    );
    // Taken at its word, as without a token.
    assert_eq!(status(&report, "docs"), "satisfied");

    let s = Step::new(&format!("Replay v2\n\nDocs: {LINK}"));
    s.server
        .on("GET", PULL, Reply::json(s.pull(&["release:full"], None)));
    s.server.on("GET", LINK_PATH, Reply::status(500));
    let (code, _, stderr) = s.run(s.command("pull_request_opened.json", s.repo.path()));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("could not follow the link {LINK}")),
        "{stderr}"
    );
}

#[test]
fn a_docs_link_inside_an_html_comment_is_never_looked_up() {
    let s = Step::new("Replay v2");
    let body = format!("Adds replay v2.\n<!--\nDocs: {LINK}\n-->\n");
    s.server.on(
        "GET",
        PULL,
        Reply::json(s.pull(&["release:full"], Some(&body))),
    );
    s.server.on("GET", LINK_PATH, Reply::status(500));
    let (code, report, stderr) = s.run(s.command("pull_request_opened.json", s.repo.path()));
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(status(&report, "docs"), "missing");
    assert_eq!(s.server.hits("GET", LINK_PATH), 0);
}

#[test]
fn the_look_ups_of_a_run_share_one_deadline() {
    let s = Step::new("Replay v2");
    let other = "https://github.com/acme/docs/pull/10";
    let body = format!("Docs: {other}\nDocs: {LINK}\n");
    s.server.on(
        "GET",
        PULL,
        Reply::json(s.pull(&["release:beta"], Some(&body))),
    );
    s.server
        .on("GET", "/repos/acme/docs/pulls/10", Reply::status(500));
    s.server.on("GET", LINK_PATH, Reply::status(500));
    let (code, report, stderr) = s.run(s.command("pull_request_opened.json", s.repo.path()));
    assert_eq!(code, 0, "{stderr}");
    // The first link (in order) spends the run's deadline on its tries; the second gets
    // what is left, not a deadline of its own, which would allow it as many tries.
    let first = s.server.hits("GET", "/repos/acme/docs/pulls/10");
    let second = s.server.hits("GET", LINK_PATH);
    assert_eq!(first, 10);
    assert!((1..first).contains(&second), "{second} tries");
    let warnings: Vec<&str> = notes(&report)
        .into_iter()
        .filter(|n| n.contains("taken at its word"))
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(
        warnings
            .iter()
            .all(|w| w.contains("deadline that the run's API calls share")),
        "{warnings:#?}"
    );
}

/// A release (a version bump) in a shallow clone is judged over the whole release since
/// the previous release tag, which the API-read change cannot give: the step says how to
/// get the history instead of judging the release on its last commits alone.
#[test]
fn a_release_in_a_shallow_clone_asks_for_the_history() {
    let s = labelled_release();
    let dir = shallow_clone(&s);
    let clone = dir.path().join("clone");
    let (base, head) = (&s.base, &s.head);
    s.server.on(
        "GET",
        PULL,
        Reply::json(s.pull(&["marketing-notified"], None)),
    );
    s.server.on(
        "GET",
        &format!("/repos/acme/hedgehog/compare/{base}...{head}?per_page=1"),
        Reply::json(json!({"merge_base_commit": {"sha": base}, "status": "ahead"})),
    );
    s.server.paginate(
        &format!("{PULL}/commits"),
        vec![commit_json(head, "Session replay v2")],
        100,
    );
    s.server.paginate(
        &format!("{PULL}/files"),
        vec![file_json("Cargo.toml", "modified")],
        100,
    );
    for (sha, version) in [(base, "1.0.0"), (head, "1.1.0")] {
        s.server.on(
            "GET",
            &format!("/repos/acme/hedgehog/contents/Cargo.toml?ref={sha}"),
            Reply::raw(
                format!("[package]\nname = \"hedgehog\"\nversion = \"{version}\"\n").as_bytes(),
            ),
        );
    }
    let (code, report, stderr) = s.run(s.command("pull_request_opened.json", &clone));
    assert_eq!(code, 2, "{report:#} {stderr}");
    assert!(
        stderr.contains(
            "the change is judged over its whole release, which needs the repository's tags"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("the clone is shallow, so the release tags cannot be read from it; check out with `fetch-depth: 0`"),
        "{stderr}"
    );
}
