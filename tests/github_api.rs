//! The GitHub API client against a fake API on 127.0.0.1: what it asks, what it makes of
//! the answers, when it retries and when it refuses. Waits between retries are recorded,
//! not slept, so the file runs in well under a second of waiting.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::github_server::{
    GithubServer, Reply, TEST_CA_PEM, comment_json, commit_json, file_json, page_path, pull_json,
    renamed_json, user_comment_json,
};
use serde_json::{Value, json};
use shipgate::gather::github::{Client, ClientConfig, CommentAction, FileStatus, PullFile};
use shipgate::gather::http::{ApiError, ErrorKind, is_permission_error};

/// A token that must never show in any error or Debug text.
const CANARY: &str = "ghs_CANARY_0123456789";
const REPO: &str = "octo-org/octo-repo";
const PULL: &str = "/repos/octo-org/octo-repo/pulls/1";
const SHA: &str = "1111111111111111111111111111111111111111";
const MARKER: &str = "<!-- shipgate:report -->";

type Waits = Arc<Mutex<Vec<Duration>>>;

/// A client of `server` with the canary token, the default deadlines, and a sleeper
/// that records each wait instead of sleeping.
fn client_with(server: &GithubServer, edit: impl FnOnce(&mut ClientConfig)) -> (Client, Waits) {
    let waits: Waits = Arc::default();
    let mut config = ClientConfig::new(server.url(), REPO, Some(CANARY.to_owned()));
    let record = waits.clone();
    config.sleep = Arc::new(move |wait| record.lock().unwrap().push(wait));
    edit(&mut config);
    let debug = format!("{config:?}");
    assert!(!debug.contains(CANARY), "{debug}");
    let client = Client::new(config).expect("client");
    let debug = format!("{client:?}");
    assert!(!debug.contains(CANARY), "{debug}");
    (client, waits)
}

fn client_for(server: &GithubServer) -> (Client, Waits) {
    client_with(server, |_| {})
}

fn waited(waits: &Waits) -> Vec<u64> {
    waits
        .lock()
        .unwrap()
        .iter()
        .map(Duration::as_secs)
        .collect()
}

/// The error of `result`, checked to hold the canary in none of its renderings.
fn fails<T: std::fmt::Debug>(result: anyhow::Result<T>) -> anyhow::Error {
    let error = result.expect_err("an error");
    for text in [
        format!("{error}"),
        format!("{error:#}"),
        format!("{error:?}"),
    ] {
        assert!(!text.contains(CANARY), "the token leaked: {text}");
    }
    error
}

fn kind(error: &anyhow::Error) -> ErrorKind {
    error
        .downcast_ref::<ApiError>()
        .expect("an API error")
        .kind()
}

fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn pull_request_is_read_with_the_right_headers() {
    let server = GithubServer::start();
    server.on("GET", PULL, Reply::json(pull_json(1)));
    let (client, _) = client_for(&server);
    let pull = client.pull_request(1).unwrap();
    assert!(!format!("{pull:?}").contains(CANARY));
    assert_eq!(pull.number, 1);
    assert_eq!(pull.title, "Add session replay");
    assert_eq!(
        pull.body.as_deref(),
        Some("Adds session replay.\n\n- [x] Marketing notified")
    );
    assert_eq!(pull.labels, ["release:full", "marketing-notified"]);
    assert_eq!(pull.head_sha, SHA);
    assert_eq!(pull.base_sha, "2222222222222222222222222222222222222222");
    assert_eq!(pull.author, "ada");
    assert_eq!(pull.head_repo.as_deref(), Some("ada/octo-repo"));
    assert_eq!(pull.base_repo, REPO);
    assert!(pull.is_fork());

    let sent = &server.requests()[0];
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("GET", PULL));
    assert_eq!(
        sent.header("authorization"),
        Some("Bearer ghs_CANARY_0123456789")
    );
    assert_eq!(sent.header("accept"), Some("application/vnd.github+json"));
    assert_eq!(sent.header("x-github-api-version"), Some("2022-11-28"));
    assert_eq!(
        sent.header("user-agent"),
        Some(concat!("shipgate/", env!("CARGO_PKG_VERSION")))
    );
}

#[test]
fn pull_request_without_token_or_body() {
    let server = GithubServer::start();
    let mut pull = pull_json(1);
    pull["body"] = Value::Null;
    pull["labels"] = json!([]);
    pull["head"]["repo"] = json!({ "full_name": REPO });
    server.on("GET", PULL, Reply::json(pull));
    let (client, _) = client_with(&server, |c| c.token = None);
    let pull = client.pull_request(1).unwrap();
    assert_eq!(pull.body, None);
    assert!(pull.labels.is_empty());
    assert!(!pull.is_fork());
    assert_eq!(server.requests()[0].header("authorization"), None);
}

#[test]
fn a_deleted_fork_counts_as_a_fork() {
    let server = GithubServer::start();
    let mut pull = pull_json(1);
    pull["head"]["repo"] = Value::Null;
    server.on("GET", PULL, Reply::json(pull));
    let (client, _) = client_for(&server);
    let pull = client.pull_request(1).unwrap();
    assert_eq!(pull.head_repo, None);
    assert!(pull.is_fork());
}

#[test]
fn a_pull_request_that_is_not_there_is_named() {
    let server = GithubServer::start();
    let (client, waits) = client_for(&server);
    let error = fails(client.pull_request(9));
    assert_eq!(kind(&error), ErrorKind::NotFound);
    assert!(!is_permission_error(&error));
    assert_eq!(
        error.to_string(),
        "GitHub API GET /repos/octo-org/octo-repo/pulls/9: 404 Not Found: pull request \
         octo-org/octo-repo#9 does not exist, or the token cannot see the repository; check \
         the pull request number and GITHUB_REPOSITORY"
    );
    assert!(waited(&waits).is_empty());
}

#[test]
fn files_are_read_across_three_pages() {
    let server = GithubServer::start();
    let path = "/repos/octo-org/octo-repo/pulls/1/files";
    let mut files: Vec<Value> = (0..249)
        .map(|i| file_json(&format!("src/f{i}.rs"), "modified"))
        .collect();
    files.insert(0, file_json("docs/new.md", "added"));
    files.push(renamed_json("docs/b.md", "docs/a.md"));
    server.paginate(path, files, 100);
    let (client, _) = client_for(&server);
    let got = client.pull_files(1).unwrap();
    assert_eq!(got.len(), 251);
    assert_eq!(
        got[0],
        PullFile {
            filename: "docs/new.md".into(),
            status: FileStatus::Added,
            previous_filename: None,
            changes: 1,
        }
    );
    assert_eq!(
        got[250],
        PullFile {
            filename: "docs/b.md".into(),
            status: FileStatus::Renamed,
            previous_filename: Some("docs/a.md".into()),
            changes: 1,
        }
    );
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [page_path(path, 1), page_path(path, 2), page_path(path, 3)]
    );
    // The token goes along to every page.
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer ghs_CANARY_0123456789"))
    );
}

#[test]
fn files_at_the_3000_cap_fail_closed() {
    let server = GithubServer::start();
    let files = (0..3000)
        .map(|i| file_json(&format!("f{i}"), "added"))
        .collect();
    server.paginate("/repos/octo-org/octo-repo/pulls/1/files", files, 100);
    let (client, _) = client_for(&server);
    let error = fails(client.pull_files(1));
    assert_eq!(kind(&error), ErrorKind::Truncated);
    assert_eq!(
        error.to_string(),
        "pull request octo-org/octo-repo#1 has 3000 or more changed files, the most the \
         GitHub API lists, so the list may be cut short and shipgate does not judge it; let \
         shipgate read the change from git instead: check out the full history \
         (actions/checkout with `fetch-depth: 0`)"
    );
    assert_eq!(server.requests().len(), 30);
}

#[test]
fn a_list_that_never_ends_fails_closed() {
    let server = GithubServer::start();
    let first = page_path("/repos/octo-org/octo-repo/pulls/1/files", 1);
    // Every page links to itself: a short page each time, and never a last one.
    let link = format!("<{}{first}>; rel=\"next\"", server.url());
    server.on(
        "GET",
        &first,
        Reply::json(json!([file_json("a", "added")])).header("link", &link),
    );
    let (client, _) = client_for(&server);
    let error = fails(client.pull_files(1));
    assert_eq!(kind(&error), ErrorKind::Truncated);
    assert!(
        error.to_string().contains("goes on past 100 pages"),
        "{error}"
    );
}

#[test]
fn a_next_link_to_another_host_is_refused() {
    let server = GithubServer::start();
    let other = GithubServer::start();
    let first = page_path("/repos/octo-org/octo-repo/pulls/1/commits", 1);
    let link = format!("<{}/steal?page=2>; rel=\"next\"", other.url());
    server.on(
        "GET",
        &first,
        Reply::json(json!([commit_json(SHA, "one")])).header("link", &link),
    );
    let (client, _) = client_for(&server);
    let error = fails(client.pull_commits(1));
    assert_eq!(kind(&error), ErrorKind::BadAnswer);
    assert!(error.to_string().contains("does not follow it"), "{error}");
    assert!(other.requests().is_empty());
}

#[test]
fn commits_are_read_across_pages_with_full_messages() {
    let server = GithubServer::start();
    let path = "/repos/octo-org/octo-repo/pulls/1/commits";
    let commits = (0..249)
        .map(|i| {
            commit_json(
                &format!("{i:040x}"),
                &format!("Commit {i}\n\nBody.\n\nRelease: full"),
            )
        })
        .collect();
    server.paginate(path, commits, 100);
    let (client, _) = client_for(&server);
    let got = client.pull_commits(1).unwrap();
    assert_eq!(got.len(), 249);
    assert_eq!(got[248].sha, format!("{:040x}", 248));
    assert_eq!(got[248].message, "Commit 248\n\nBody.\n\nRelease: full");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn commits_at_the_250_cap_fail_closed() {
    let server = GithubServer::start();
    let commits = (0..250)
        .map(|i| commit_json(&format!("{i:040x}"), "c"))
        .collect();
    server.paginate("/repos/octo-org/octo-repo/pulls/1/commits", commits, 100);
    let (client, _) = client_for(&server);
    let error = fails(client.pull_commits(1));
    assert_eq!(kind(&error), ErrorKind::Truncated);
    assert!(
        error
            .to_string()
            .starts_with("pull request octo-org/octo-repo#1 has 250 or more commits"),
        "{error}"
    );
    assert!(error.to_string().contains("`fetch-depth: 0`"), "{error}");
}

#[test]
fn an_unknown_file_status_is_an_error() {
    let server = GithubServer::start();
    server.paginate(
        "/repos/octo-org/octo-repo/pulls/1/files",
        vec![file_json("a", "vanished")],
        100,
    );
    let (client, _) = client_for(&server);
    let error = fails(client.pull_files(1));
    assert_eq!(kind(&error), ErrorKind::BadAnswer);
    assert!(
        error.to_string().contains("unknown variant `vanished`"),
        "{error}"
    );
}

#[test]
fn rate_limit_waits_for_a_reset_just_ahead() {
    let server = GithubServer::start();
    let reset = (epoch_now() + 30).to_string();
    server.on_seq(
        "GET",
        PULL,
        [
            Reply::status(403)
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-reset", &reset),
            Reply::json(pull_json(1)),
        ],
    );
    let (client, waits) = client_for(&server);
    assert_eq!(client.pull_request(1).unwrap().number, 1);
    assert_eq!(server.hits("GET", PULL), 2);
    let waited = waited(&waits);
    assert_eq!(waited.len(), 1);
    // 30 s to the reset and a second for its rounding, less what the test itself took.
    assert!((25..=31).contains(&waited[0]), "{waited:?}");
}

#[test]
fn rate_limit_reset_beyond_the_deadline_fails_at_once() {
    let server = GithubServer::start();
    let reset = epoch_now() + 3600;
    server.on(
        "GET",
        PULL,
        Reply::status(403)
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", &reset.to_string()),
    );
    let (client, waits) = client_for(&server);
    let error = fails(client.pull_request(1));
    assert_eq!(kind(&error), ErrorKind::RateLimited);
    assert!(!is_permission_error(&error));
    let text = error.to_string();
    assert!(
        text.starts_with(
            "GitHub API GET /repos/octo-org/octo-repo/pulls/1: 403 Forbidden (GitHub said: \
             Resource not accessible by integration): GitHub API rate limit exhausted until 2"
        ),
        "{text}"
    );
    assert!(text.contains("would pass the 60 s deadline"), "{text}");
    assert_eq!(server.hits("GET", PULL), 1);
    assert!(waited(&waits).is_empty());
}

#[test]
fn retry_after_is_honoured() {
    let server = GithubServer::start();
    server.on_seq(
        "GET",
        PULL,
        [
            Reply::status(429).header("retry-after", "7"),
            Reply::status(403).header("retry-after", "3"),
            Reply::json(pull_json(1)),
        ],
    );
    let (client, waits) = client_for(&server);
    assert_eq!(client.pull_request(1).unwrap().number, 1);
    assert_eq!(waited(&waits), [7, 3]);
    assert_eq!(server.hits("GET", PULL), 3);
}

#[test]
fn retry_after_beyond_the_deadline_fails_at_once() {
    let server = GithubServer::start();
    server.on("GET", PULL, Reply::status(429).header("retry-after", "120"));
    let (client, waits) = client_for(&server);
    let error = fails(client.pull_request(1));
    assert_eq!(kind(&error), ErrorKind::RateLimited);
    assert!(
        error
            .to_string()
            .contains("GitHub asked to retry after 120 s"),
        "{error}"
    );
    assert!(waited(&waits).is_empty());
    assert_eq!(server.hits("GET", PULL), 1);

    // A wait past any clock is refused just the same.
    server.on(
        "GET",
        PULL,
        Reply::status(429).header("retry-after", &u64::MAX.to_string()),
    );
    let error = fails(client.pull_request(1));
    assert_eq!(kind(&error), ErrorKind::RateLimited);
    assert!(waited(&waits).is_empty());
}

#[test]
fn server_errors_are_retried_with_backoff() {
    let server = GithubServer::start();
    server.on_seq(
        "GET",
        PULL,
        [
            Reply::status(503),
            Reply::status(502),
            Reply::json(pull_json(1)),
        ],
    );
    let (client, waits) = client_for(&server);
    assert_eq!(client.pull_request(1).unwrap().number, 1);
    assert_eq!(waited(&waits), [1, 2]);
}

#[test]
fn server_errors_forever_fail_at_the_deadline() {
    let server = GithubServer::start();
    server.on("GET", PULL, Reply::status(503));
    let (client, waits) = client_for(&server);
    let error = fails(client.pull_request(1));
    assert_eq!(kind(&error), ErrorKind::Unavailable);
    // 1+2+4+8+8+8+8+8+8 = 55 s; 8 more would pass the 60 s deadline.
    assert_eq!(waited(&waits), [1, 2, 4, 8, 8, 8, 8, 8, 8]);
    assert_eq!(server.hits("GET", PULL), 10);
    assert_eq!(
        error.to_string(),
        "GitHub API GET /repos/octo-org/octo-repo/pulls/1: 503 Service Unavailable (GitHub \
         said: Server Error); gave up after 10 tries, since waiting 8 s more would pass the \
         60 s deadline that the run's API calls share (55 s used); GitHub may be having \
         trouble (see githubstatus.com); re-run the job later"
    );
}

#[test]
fn every_call_of_a_client_shares_one_deadline() {
    let server = GithubServer::start();
    let other = "/repos/octo-org/octo-repo/pulls/2";
    server.on("GET", PULL, Reply::status(503));
    server.on("GET", other, Reply::status(503));
    let (client, waits) = client_with(&server, |c| c.deadline = Duration::from_secs(10));
    // 1+2+4 s; 8 more would pass the 10 s.
    fails(client.pull_request(1));
    assert_eq!(waited(&waits), [1, 2, 4]);
    assert_eq!(server.hits("GET", PULL), 4);
    // The next call gets what is left, not 10 s of its own: 1 s, and then 2 more would
    // pass the deadline.
    let error = fails(client.pull_request(2));
    assert_eq!(kind(&error), ErrorKind::Unavailable);
    assert_eq!(waited(&waits), [1, 2, 4, 1]);
    assert_eq!(server.hits("GET", other), 2);
    assert!(
        error.to_string().contains(
            "gave up after 2 tries, since waiting 2 s more would pass the 10 s deadline that \
             the run's API calls share (8 s used)"
        ),
        "{error}"
    );
}

#[test]
fn the_deadline_spans_every_page_of_a_list() {
    let server = GithubServer::start();
    let path = "/repos/octo-org/octo-repo/pulls/1/commits";
    let page = |n: usize, last: bool| {
        let reply = Reply::json(json!([commit_json(&format!("{n:040x}"), "c")]));
        if last {
            reply
        } else {
            let next = format!("<{}{}>; rel=\"next\"", server.url(), page_path(path, n + 1));
            reply.header("link", &next)
        }
    };
    let flaky = |n: usize, failures: usize, last: bool| {
        let mut replies = vec![Reply::status(503); failures];
        replies.push(page(n, last));
        server.on_seq("GET", &page_path(path, n), replies);
    };
    // Each page alone fits in 10 s; together they do not: 1+2, 1+2, then 1+2 and 4 more.
    flaky(1, 2, false);
    flaky(2, 2, false);
    flaky(3, 3, true);
    let (client, waits) = client_with(&server, |c| c.deadline = Duration::from_secs(10));
    let error = fails(client.pull_commits(1));
    assert_eq!(kind(&error), ErrorKind::Unavailable);
    assert_eq!(waited(&waits), [1, 2, 1, 2, 1, 2]);
    assert!(
        error.to_string().contains("would pass the 10 s deadline"),
        "{error}"
    );
}

#[test]
fn a_timeout_is_retried() {
    let server = GithubServer::start();
    server.on_seq(
        "GET",
        PULL,
        [
            Reply::json(pull_json(1)).delay(Duration::from_secs(2)),
            Reply::json(pull_json(1)),
        ],
    );
    let (client, waits) = client_with(&server, |c| c.request_timeout = Duration::from_millis(100));
    assert_eq!(client.pull_request(1).unwrap().number, 1);
    assert_eq!(waited(&waits), [1]);
    assert_eq!(server.hits("GET", PULL), 2);
}

#[test]
fn a_timeout_at_the_deadline_is_an_error() {
    let server = GithubServer::start();
    server.on(
        "GET",
        PULL,
        Reply::json(pull_json(1)).delay(Duration::from_secs(2)),
    );
    let (client, waits) = client_with(&server, |c| {
        c.request_timeout = Duration::from_millis(100);
        c.deadline = Duration::from_millis(500);
    });
    let error = fails(client.pull_request(1));
    assert_eq!(kind(&error), ErrorKind::Unavailable);
    assert!(
        error.to_string().starts_with(
            "GitHub API GET /repos/octo-org/octo-repo/pulls/1: no answer within 0.1 s; gave up \
             after 1 try"
        ),
        "{error}"
    );
    assert!(waited(&waits).is_empty());
}

#[test]
fn a_connection_that_breaks_off_is_retried() {
    let server = GithubServer::start();
    server.on_seq(
        "GET",
        PULL,
        [
            Reply::broken(b"HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n{\"number\": 1"),
            Reply::json(pull_json(1)),
        ],
    );
    let (client, waits) = client_for(&server);
    assert_eq!(client.pull_request(1).unwrap().number, 1);
    assert_eq!(waited(&waits), [1]);
}

#[test]
fn truncated_json_names_the_endpoint() {
    let server = GithubServer::start();
    server.on(
        "GET",
        PULL,
        Reply::json(json!({})).body(b"{\"number\": 1, \"title\": \"Add"),
    );
    let (client, waits) = client_for(&server);
    let error = fails(client.pull_request(1));
    assert_eq!(kind(&error), ErrorKind::BadAnswer);
    assert_eq!(
        error.to_string(),
        "GitHub API GET /repos/octo-org/octo-repo/pulls/1: shipgate cannot use the answer: it \
         is not a pull request in JSON (EOF while parsing a string at line 1 column 27); check \
         GITHUB_API_URL"
    );
    // A broken answer is not worth asking again.
    assert_eq!(server.hits("GET", PULL), 1);
    assert!(waited(&waits).is_empty());
}

#[test]
fn a_bad_sha_in_the_answer_is_refused() {
    let server = GithubServer::start();
    let mut pull = pull_json(1);
    pull["head"]["sha"] = json!("main; rm -rf /");
    server.on("GET", PULL, Reply::json(pull));
    let (client, _) = client_for(&server);
    let error = fails(client.pull_request(1));
    assert!(
        error
            .to_string()
            .contains("its head sha `main; rm -rf /` is not a commit id"),
        "{error}"
    );
}

#[test]
fn unauthorized_says_the_token_is_invalid() {
    let server = GithubServer::start();
    server.on("GET", PULL, Reply::status(401));
    let (client, waits) = client_for(&server);
    let error = fails(client.pull_request(1));
    assert_eq!(kind(&error), ErrorKind::Unauthorized);
    assert!(is_permission_error(&error));
    assert_eq!(
        error.to_string(),
        "GitHub API GET /repos/octo-org/octo-repo/pulls/1: 401 Unauthorized (GitHub said: Bad \
         credentials): the token is invalid or expired; check the secret that shipgate gets as \
         its token"
    );
    assert!(waited(&waits).is_empty());
}

#[test]
fn forbidden_says_which_permission() {
    let server = GithubServer::start();
    server.on("GET", PULL, Reply::status(403));
    let (client, waits) = client_for(&server);
    let error = fails(client.pull_request(1));
    assert_eq!(kind(&error), ErrorKind::Forbidden);
    assert!(is_permission_error(&error));
    // Through anyhow's context too, as a caller would add it.
    assert!(is_permission_error(
        &error.context("reading the pull request")
    ));
    let server_text = {
        let server2 = GithubServer::start();
        server2.on("GET", PULL, Reply::status(403));
        let (client, _) = client_for(&server2);
        error_text(client.pull_request(1))
    };
    assert_eq!(
        server_text,
        "GitHub API GET /repos/octo-org/octo-repo/pulls/1: 403 Forbidden (GitHub said: Resource \
         not accessible by integration): the token lacks permission; grant it in the \
         workflow's `permissions:` (`contents: read`, `pull-requests: read`, and \
         `pull-requests: write` for the comment); a pull request from a fork gets a read-only \
         token, so there the comment cannot be written"
    );
    assert!(waited(&waits).is_empty());
}

fn error_text<T: std::fmt::Debug>(result: anyhow::Result<T>) -> String {
    fails(result).to_string()
}

#[test]
fn other_client_errors_are_not_retried() {
    let server = GithubServer::start();
    server.on("GET", PULL, Reply::status(422));
    let (client, waits) = client_for(&server);
    let error = fails(client.pull_request(1));
    assert_eq!(kind(&error), ErrorKind::BadAnswer);
    assert!(
        error.to_string().contains("422 Unprocessable Entity"),
        "{error}"
    );
    assert!(waited(&waits).is_empty());
}

#[test]
fn a_redirect_to_another_host_is_refused() {
    let server = GithubServer::start();
    let other = GithubServer::start();
    // Another host name for the same machine: a different origin all the same.
    let elsewhere = other.url().replace("127.0.0.1", "localhost");
    server.on(
        "GET",
        PULL,
        Reply::redirect(302, &format!("{elsewhere}/collect")),
    );
    let (client, waits) = client_for(&server);
    let error = fails(client.pull_request(1));
    assert_eq!(kind(&error), ErrorKind::Redirect);
    assert_eq!(
        error.to_string(),
        format!(
            "GitHub API GET /repos/octo-org/octo-repo/pulls/1: 302 Found: redirects to another \
             host ({elsewhere}); shipgate does not follow it, so the token stays with {}; set \
             GITHUB_API_URL to the API's own address",
            server.url()
        )
    );
    assert!(other.requests().is_empty());
    assert!(waited(&waits).is_empty());
}

#[test]
fn a_same_host_redirect_is_followed() {
    let server = GithubServer::start();
    // A renamed repository: GitHub answers with the repository's id.
    server.on(
        "GET",
        PULL,
        Reply::redirect(301, "/repositories/10/pulls/1"),
    );
    server.on("GET", "/repositories/10/pulls/1", Reply::json(pull_json(1)));
    let (client, _) = client_for(&server);
    assert_eq!(client.pull_request(1).unwrap().number, 1);
    let sent = server.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].path, "/repositories/10/pulls/1");
    assert_eq!(
        sent[1].header("authorization"),
        Some("Bearer ghs_CANARY_0123456789")
    );
}

#[test]
fn api_url_with_a_path_prefix() {
    let server = GithubServer::start();
    server.on(
        "GET",
        "/api/v3/repos/octo-org/octo-repo/pulls/1",
        Reply::json(pull_json(1)),
    );
    let (client, _) = client_with(&server, |c| c.api_url = format!("{}/api/v3/", server.url()));
    assert_eq!(client.pull_request(1).unwrap().number, 1);
}

#[test]
fn bad_configs_are_refused() {
    let bad = |api_url: &str, repository: &str| {
        let config = ClientConfig::new(api_url, repository, Some(CANARY.to_owned()));
        fails(Client::new(config)).to_string()
    };
    assert_eq!(
        bad("ftp://api.github.com", REPO),
        "the GitHub API URL `ftp://api.github.com` is not an http(s) address; set \
         GITHUB_API_URL to the API's address, e.g. https://api.github.com"
    );
    assert!(bad("api.github.com", REPO).contains("is not a URL"));
    assert!(bad("https://x:y@api.github.com", REPO).contains("user name or password"));
    assert_eq!(
        bad("https://api.github.com", "octo-org"),
        "the repository `octo-org` is not `owner/name`; set GITHUB_REPOSITORY to it, e.g. \
         `octo-org/octo-repo`"
    );
    assert!(bad("https://api.github.com", "a/b/c").contains("is not `owner/name`"));
    assert!(bad("https://api.github.com", "a/..").contains("is not `owner/name`"));
    let config = ClientConfig::new("https://api.github.com", REPO, Some("ghs_\nx".into()));
    let text = fails(Client::new(config)).to_string();
    assert!(text.contains("cannot go in an HTTP header"), "{text}");
    assert!(!text.contains("ghs_"), "{text}");
}

#[test]
fn sticky_comment_is_created_then_updated_then_left_alone() {
    let server = GithubServer::start();
    let list = "/repos/octo-org/octo-repo/issues/1/comments";
    let post = list;
    let patch = "/repos/octo-org/octo-repo/issues/comments/55";
    let others: Vec<Value> = (1..=100).map(|i| comment_json(i, "LGTM")).collect();
    let (client, _) = client_for(&server);

    // No comment of ours yet, among a page and a half of others.
    let mut round = others.clone();
    round.push(comment_json(101, "see <!-- shipgate:other -->"));
    server.paginate(list, round.clone(), 100);
    let first = format!("{MARKER}\nshipgate: blocked");
    server.on(
        "POST",
        post,
        Reply::json(comment_json(55, &first)).with_status(201),
    );
    assert_eq!(
        client.upsert_comment(1, MARKER, &first).unwrap(),
        CommentAction::Created
    );
    let posted: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].json(), json!({ "body": first }));
    assert_eq!(posted[0].header("content-type"), Some("application/json"));
    assert_eq!(
        posted[0].header("authorization"),
        Some("Bearer ghs_CANARY_0123456789")
    );

    // Ours is on the second page now; a new report edits it in place.
    let mut round = others.clone();
    round.push(comment_json(55, &first));
    server.paginate(list, round, 100);
    let second = format!("{MARKER}\nshipgate: pass");
    server.on("PATCH", patch, Reply::json(comment_json(55, &second)));
    assert_eq!(
        client.upsert_comment(1, MARKER, &second).unwrap(),
        CommentAction::Updated
    );
    let patched: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patched.len(), 1);
    assert_eq!(patched[0].path, patch);
    assert_eq!(patched[0].json(), json!({ "body": second }));

    // The same report again (GitHub kept it with CRLF line ends): nothing is written.
    let mut round = others;
    round.push(comment_json(55, &second.replace('\n', "\r\n")));
    server.paginate(list, round, 100);
    assert_eq!(
        client.upsert_comment(1, MARKER, &second).unwrap(),
        CommentAction::Unchanged
    );
    let writes = server
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .count();
    assert_eq!(writes, 2);
}

#[test]
fn a_strangers_copy_of_the_marker_is_left_alone() {
    let server = GithubServer::start();
    let list = "/repos/octo-org/octo-repo/issues/1/comments";
    let fake = format!("{MARKER}\nshipgate: pass (not really)");
    let ours = format!("{MARKER}\nshipgate: blocked");
    server.paginate(
        list,
        vec![
            user_comment_json(3, &fake, "mallory", "NONE"),
            user_comment_json(4, &fake, "eve", "CONTRIBUTOR"),
        ],
        100,
    );
    server.on(
        "POST",
        list,
        Reply::json(comment_json(9, &ours)).with_status(201),
    );
    let (client, _) = client_for(&server);
    assert_eq!(
        client.upsert_comment(1, MARKER, &ours).unwrap(),
        CommentAction::Created
    );
    assert!(server.requests().iter().all(|r| r.method != "PATCH"));

    // A collaborator's comment (shipgate run with a personal token) is kept up to date.
    server.paginate(
        list,
        vec![
            user_comment_json(3, &fake, "mallory", "NONE"),
            user_comment_json(5, MARKER, "ada", "COLLABORATOR"),
        ],
        100,
    );
    let patch = "/repos/octo-org/octo-repo/issues/comments/5";
    server.on("PATCH", patch, Reply::json(comment_json(5, &ours)));
    assert_eq!(
        client.upsert_comment(1, MARKER, &ours).unwrap(),
        CommentAction::Updated
    );
    assert_eq!(server.hits("PATCH", patch), 1);
}

#[test]
fn a_comment_post_is_never_retried() {
    let server = GithubServer::start();
    let list = "/repos/octo-org/octo-repo/issues/1/comments";
    server.paginate(list, vec![], 100);
    server.on("POST", list, Reply::status(502));
    let (client, waits) = client_for(&server);
    let body = format!("{MARKER} report");
    let error = fails(client.upsert_comment(1, MARKER, &body));
    assert_eq!(kind(&error), ErrorKind::Unavailable);
    assert_eq!(
        error.to_string(),
        "GitHub API POST /repos/octo-org/octo-repo/issues/1/comments: 502 Bad Gateway (GitHub \
         said: Server Error); a write is not retried; re-run the job later"
    );
    assert_eq!(server.hits("POST", list), 1);
    assert!(waited(&waits).is_empty());

    // Nor on a rate limit that asks for a retry.
    server.on("POST", list, Reply::status(403).header("retry-after", "1"));
    let error = fails(client.upsert_comment(1, MARKER, &body));
    assert_eq!(kind(&error), ErrorKind::RateLimited);
    assert_eq!(server.hits("POST", list), 2);
    assert!(waited(&waits).is_empty());
}

#[test]
fn a_write_follows_only_redirects_that_keep_it_a_write() {
    let server = GithubServer::start();
    let list = "/repos/octo-org/octo-repo/issues/1/comments";
    let moved = "/repositories/10/issues/1/comments";
    server.paginate(list, vec![], 100);
    server.on("POST", list, Reply::redirect(307, moved));
    server.on(
        "POST",
        moved,
        Reply::json(comment_json(7, MARKER)).with_status(201),
    );
    let (client, _) = client_for(&server);
    assert_eq!(
        client.upsert_comment(1, MARKER, MARKER).unwrap(),
        CommentAction::Created
    );
    let resent = server
        .requests()
        .into_iter()
        .find(|r| r.path == moved)
        .unwrap();
    assert_eq!(
        (resent.method.as_str(), resent.json()),
        ("POST", json!({ "body": MARKER }))
    );

    // A 301 would turn the POST into a GET.
    server.on("POST", list, Reply::redirect(301, moved));
    let error = fails(client.upsert_comment(1, MARKER, MARKER));
    assert_eq!(kind(&error), ErrorKind::Redirect);
    assert!(
        error
            .to_string()
            .contains("only 307 and 308 keep a write intact"),
        "{error}"
    );
    assert_eq!(server.hits("POST", moved), 1);
}

#[test]
fn a_comment_without_permission_is_a_permission_error() {
    let server = GithubServer::start();
    let list = "/repos/octo-org/octo-repo/issues/1/comments";
    server.paginate(list, vec![], 100);
    server.on("POST", list, Reply::status(403));
    let (client, _) = client_for(&server);
    let error = fails(client.upsert_comment(1, MARKER, MARKER));
    assert!(is_permission_error(&error));
    assert!(
        error.to_string().contains("`pull-requests: write`"),
        "{error}"
    );
}

#[test]
fn a_comment_without_token_sends_nothing() {
    let server = GithubServer::start();
    let (client, _) = client_with(&server, |c| c.token = None);
    let error = fails(client.upsert_comment(1, MARKER, MARKER));
    assert_eq!(kind(&error), ErrorKind::NoToken);
    assert!(is_permission_error(&error));
    assert!(server.requests().is_empty());
}

#[test]
fn a_comment_body_must_hold_its_marker_and_fit() {
    let server = GithubServer::start();
    let (client, _) = client_for(&server);
    let error = fails(client.upsert_comment(1, MARKER, "no marker"));
    assert!(
        error.to_string().contains("must contain its marker"),
        "{error}"
    );
    let long = format!("{MARKER}{}", "x".repeat(65_536));
    let error = fails(client.upsert_comment(1, MARKER, &long));
    assert!(
        error.to_string().contains("over GitHub's limit of 65536"),
        "{error}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn file_at_reads_raw_bytes_from_an_escaped_path() {
    let server = GithubServer::start();
    let path = format!("/repos/octo-org/octo-repo/contents/docs/a%20b%23%3F%25.yml?ref={SHA}");
    server.on("GET", &path, Reply::raw(b"flags: {}\n"));
    let (client, _) = client_for(&server);
    let got = client.file_at(SHA, "docs/a b#?%.yml", 100).unwrap();
    assert_eq!(got.as_deref(), Some(&b"flags: {}\n"[..]));
    let sent = &server.requests()[0];
    assert_eq!(sent.path, path);
    assert_eq!(sent.header("accept"), Some("application/vnd.github.raw"));

    assert_eq!(client.file_at(SHA, "missing.yml", 100).unwrap(), None);

    let error = fails(client.file_at(SHA, "docs/a b#?%.yml", 5));
    assert_eq!(
        error.to_string(),
        format!(
            "`docs/a b#?%.yml` at {SHA} is over 5 bytes, more than shipgate reads; make the \
             file smaller"
        )
    );

    let folder = format!("/repos/octo-org/octo-repo/contents/docs?ref={SHA}");
    server.on(
        "GET",
        &folder,
        Reply::json(json!([{ "name": "a.md", "type": "file" }])),
    );
    let error = fails(client.file_at(SHA, "docs", 1000));
    assert!(
        error.to_string().contains("is a folder or a submodule"),
        "{error}"
    );
}

#[test]
fn file_at_refuses_bad_paths_and_refs_before_asking() {
    let server = GithubServer::start();
    let (client, _) = client_for(&server);
    for path in [
        "../secrets",
        "a/../../b",
        "/etc/passwd",
        "a//b",
        "a/./b",
        "",
    ] {
        let error = fails(client.file_at(SHA, path, 100));
        assert!(
            error
                .to_string()
                .contains("is not a path inside a repository"),
            "{error}"
        );
    }
    for sha in [
        "main",
        "HEAD~1",
        "11111",
        &"A".repeat(40),
        &format!("{SHA}&x=1"),
    ] {
        let error = fails(client.file_at(sha, "a", 100));
        assert!(error.to_string().contains("is not a commit id"), "{error}");
    }
    assert!(server.requests().is_empty());
}

#[test]
fn pull_exists_answers_true_or_false() {
    let server = GithubServer::start();
    server.on(
        "GET",
        "/repos/docs-org/docs.site/pulls/12",
        Reply::json(pull_json(12)),
    );
    let (client, _) = client_for(&server);
    assert!(client.pull_exists("docs-org", "docs.site", 12).unwrap());
    assert!(!client.pull_exists("docs-org", "docs.site", 13).unwrap());
    for (owner, repo) in [("a/b", "c"), ("a", ".."), ("a", "b?x"), ("", "b")] {
        let error = fails(client.pull_exists(owner, repo, 1));
        assert!(
            error
                .to_string()
                .contains("is not a GitHub repository name"),
            "{error}"
        );
    }
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn the_token_shows_in_no_error_even_when_the_server_echoes_it() {
    let server = GithubServer::start();
    let echo = json!({ "message": format!("token {CANARY} is not allowed here") });
    server.on("GET", PULL, Reply::json(echo).with_status(403));
    let (client, _) = client_for(&server);
    // `error` fails the test if the canary shows in any rendering.
    let error = fails(client.pull_request(1));
    assert!(
        error
            .to_string()
            .contains("token <redacted> is not allowed here"),
        "{error}"
    );
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer ghs_CANARY_0123456789")
    );

    // Nor in transport errors: a port where nothing listens.
    let closed = {
        let gone = GithubServer::start();
        gone.url()
    };
    let waits: Waits = Arc::default();
    let mut config = ClientConfig::new(closed, REPO, Some(CANARY.to_owned()));
    let record = waits.clone();
    config.sleep = Arc::new(move |wait| record.lock().unwrap().push(wait));
    config.deadline = Duration::from_secs(5);
    let client = Client::new(config).unwrap();
    let error = fails(client.pull_request(1));
    assert_eq!(kind(&error), ErrorKind::Unavailable);
    assert_eq!(waited(&waits), [1, 2]);
}

/// HTTPS goes through the platform verifier, which reads the machine's CA certificates
/// (or `SSL_CERT_FILE`/`SSL_CERT_DIR`) when a client is built. Each case runs in a child
/// process of this test binary, so it can set those variables without touching the
/// environment of the tests running beside it.
#[test]
fn https_trusts_exactly_the_platform_roots() {
    let dir = tempfile::TempDir::new().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, TEST_CA_PEM).unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let other_ca = dir.path().join("other.pem");
    std::fs::write(&other_ca, OTHER_CA_PEM).unwrap();

    run_tls_child("trusted", &[("SSL_CERT_FILE", ca.as_os_str())]);
    run_tls_child("untrusted", &[("SSL_CERT_FILE", other_ca.as_os_str())]);
    run_tls_child("no-roots", &[("SSL_CERT_DIR", empty.as_os_str())]);
}

fn run_tls_child(case: &str, env: &[(&str, &std::ffi::OsStr)]) {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args(["tls_child", "--exact", "--ignored", "--test-threads=1"])
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .env("SHIPGATE_TLS_CHILD", case);
    for (name, value) in env {
        child.env(name, value);
    }
    let out = child.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "TLS case {case} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "run by https_trusts_exactly_the_platform_roots in a child process"]
fn tls_child() {
    let Ok(case) = std::env::var("SHIPGATE_TLS_CHILD") else {
        return;
    };
    let server = GithubServer::start_tls();
    server.on("GET", PULL, Reply::json(pull_json(1)));
    let config = || {
        let mut config = ClientConfig::new(server.url(), REPO, Some(CANARY.to_owned()));
        config.sleep = Arc::new(|_| {});
        config
    };
    match case.as_str() {
        "trusted" => {
            let client = Client::new(config()).unwrap();
            assert_eq!(client.pull_request(1).unwrap().number, 1);
        }
        "untrusted" => {
            let client = Client::new(config()).unwrap();
            let error = fails(client.pull_request(1));
            let text = error.to_string();
            assert!(text.contains("the TLS connection failed"), "{text}");
            assert!(text.contains("UnknownIssuer"), "{text}");
            // A certificate does not get better by asking again.
            assert_eq!(server.hits("GET", PULL), 0);
        }
        "no-roots" => {
            let text = fails(Client::new(config())).to_string();
            assert!(
                text.starts_with(&format!(
                    "could not set up HTTPS for the GitHub API at {}: ",
                    server.url()
                )),
                "{text}"
            );
            assert!(
                text.contains("install the machine's CA certificates"),
                "{text}"
            );
            // Plain HTTP needs no certificates at all.
            let plain = GithubServer::start();
            plain.on("GET", PULL, Reply::json(pull_json(1)));
            let mut config = config();
            config.api_url = plain.url();
            let client = Client::new(config).unwrap();
            assert_eq!(client.pull_request(1).unwrap().number, 1);
        }
        other => panic!("unknown TLS case {other}"),
    }
}

/// A CA that signed nothing here, so that the server's certificate has no trusted issuer.
const OTHER_CA_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBqjCCAU+gAwIBAgIUSFjY6B8Fhv41Tj7aP+RdunM9CJ8wCgYIKoZIzj0EAwIw
ITEfMB0GA1UEAwwWc2hpcGdhdGUgb3RoZXIgdGVzdCBDQTAgFw0yNjExMjYwOTEw
MDFaGA8yMTI2MTEwMjA5MTAwMVowITEfMB0GA1UEAwwWc2hpcGdhdGUgb3RoZXIg
dGVzdCBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABAyhGwiWKi9T+p+GRJfb
ss87dBi2unLbdZYSVmuTPRqEu0TXrDlJbYSSeqcTIjmoVkDdCDrEOJ9ta2Gylu5W
QEajYzBhMB0GA1UdDgQWBBRmO2hFy5wC5kQ//282FNHzeVCT2DAfBgNVHSMEGDAW
gBRmO2hFy5wC5kQ//282FNHzeVCT2DAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB
/wQEAwICBDAKBggqhkjOPQQDAgNJADBGAiEA+XVZXqzoeLF8C0OA/Y+6C63GInEp
Yw8ZiKmIhCsNE5cCIQCv3/XChSJUMEX/fLSGy8K6UgNcehqiuAOKrabq5Be7pA==
-----END CERTIFICATE-----
";
