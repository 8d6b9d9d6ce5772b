//! The GitHub REST API: the current labels and body of a pull request, its files and
//! commits, a file at a commit, whether a linked pull request exists, and one sticky
//! pull-request comment.
//!
//! Text from strangers (repository names, paths, refs) reaches a URL only as an escaped
//! path segment or query value. The token goes only into the `Authorization` header of
//! requests to the API's own origin: redirects and pagination links that leave it are
//! refused, and no error text carries it.
//!
//! Only GETs are retried, and every call of a client shares one deadline: a client serves
//! one run, so however many look-ups a run makes, it waits on the API no longer than that.
//! Waiting for a rate-limit reset compares with the wall clock; that decides how long to
//! wait (or to give up at once), never a verdict.

use std::error::Error as StdError;
use std::fmt;
use std::io::{self, Read as _};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};
use reqwest::blocking::Client as Http;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::redirect::{Attempt, Policy};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::Env;
use crate::error::Code;

/// The public API, for when `GITHUB_API_URL` is unset.
pub const DEFAULT_API_URL: &str = "https://api.github.com";
/// The public web server, for when `GITHUB_SERVER_URL` is unset.
pub const DEFAULT_SERVER_URL: &str = "https://github.com";
/// GitHub lists at most this many files of a pull request; a list that long may be cut.
pub const MAX_PULL_FILES: usize = 3000;
/// GitHub lists at most this many commits of a pull request; a list that long may be cut.
pub const MAX_PULL_COMMITS: usize = 250;
/// Names the variable that scales every wait between retries (see [`sleeper_from_env`]).
pub const RETRY_SCALE_VAR: &str = "SHIPGATE_API_RETRY_SCALE";

const API_VERSION: &str = "2022-11-28";
const ACCEPT_JSON: &str = "application/vnd.github+json";
const ACCEPT_RAW: &str = "application/vnd.github.raw";
const PER_PAGE: &str = "100";
/// GitHub refuses longer comment bodies (counted in characters).
const MAX_COMMENT_CHARS: usize = 65_536;
/// At 100 a page, GitHub's caps on files and commits are reached well before this; a
/// list that goes on longer is answered with smaller pages than asked for.
const MAX_PAGES: usize = 100;
/// 10,000 comments: past that the thread is not one shipgate can keep a comment in.
const MAX_COMMENT_PAGES: usize = 100;
/// A page of 100 files or commits is well under this; more means a broken answer.
const MAX_JSON_BYTES: usize = 32 << 20;
/// Enough of an error answer to quote GitHub's `message`.
const MAX_ERROR_BYTES: usize = 64 << 10;
const MAX_REDIRECTS: usize = 5;
const BACKOFF_CAP: Duration = Duration::from_secs(8);

/// Spends a wait between two tries of a GET. Production sleeps; tests record the wait and
/// return at once. The deadline counts the wait asked for, not the time the sleeper took,
/// so a sleeper that returns early cannot make a call retry for ever.
pub type Sleeper = Arc<dyn Fn(Duration) + Send + Sync>;

/// A sleeper that really sleeps.
pub fn real_sleep() -> Sleeper {
    Arc::new(std::thread::sleep)
}

/// The sleeper that `SHIPGATE_API_RETRY_SCALE` asks for: unset, waits are slept in full;
/// a number from 0 to 1 scales each (0: no sleeping at all), so end-to-end tests of the
/// binary run in milliseconds. The deadline still counts the full waits.
pub fn sleeper_from_env(env: &Env) -> Result<Sleeper> {
    let Some(text) = env.get(RETRY_SCALE_VAR)? else {
        return Ok(real_sleep());
    };
    match text.trim().parse::<f64>() {
        Ok(scale) if (0.0..=1.0).contains(&scale) => Ok(Arc::new(move |wait: Duration| {
            std::thread::sleep(wait.mul_f64(scale))
        })),
        _ => bail!("{RETRY_SCALE_VAR} is `{text}`; set it to a number from 0 to 1, or unset it"),
    }
}

/// How to reach the API, and how long to keep trying.
#[derive(Clone)]
pub struct ClientConfig {
    /// `GITHUB_API_URL`: `https://api.github.com`, or `https://ghe.example/api/v3`.
    pub api_url: String,
    /// `owner/name` (`GITHUB_REPOSITORY`).
    pub repository: String,
    /// Sent only as `Authorization: Bearer`, never in a URL, never printed.
    pub token: Option<String>,
    /// The budget for every call of the client together (a client serves one run): every
    /// page of a list, every try, and the waits between them. A call gets what the calls
    /// before it left.
    pub deadline: Duration,
    /// The budget for one request, until its answer is read.
    pub request_timeout: Duration,
    /// Spends the waits between tries; see [`Sleeper`].
    pub sleep: Sleeper,
}

impl ClientConfig {
    /// A config with the defaults: 60 s for all calls, 10 s per request, real sleeping.
    pub fn new(
        api_url: impl Into<String>,
        repository: impl Into<String>,
        token: Option<String>,
    ) -> ClientConfig {
        ClientConfig {
            api_url: api_url.into(),
            repository: repository.into(),
            token,
            deadline: Duration::from_secs(60),
            request_timeout: Duration::from_secs(10),
            sleep: real_sleep(),
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("api_url", &self.api_url)
            .field("repository", &self.repository)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("deadline", &self.deadline)
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

/// A pull request as it is now (a re-run must not judge a stale event payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    pub title: String,
    /// `None` when the pull request has no description.
    pub body: Option<String>,
    /// Label names, in GitHub's order.
    pub labels: Vec<String>,
    pub head_sha: String,
    pub base_sha: String,
    /// The author's login (`ghost` for a deleted account).
    pub author: String,
    /// `owner/name` of the head branch's repository; `None` when that fork was deleted.
    pub head_repo: Option<String>,
    /// `owner/name` of the repository the pull request targets.
    pub base_repo: String,
}

impl PullRequest {
    /// Whether the head branch lives in another repository (or in a deleted fork), where
    /// GitHub hands workflows a read-only token.
    pub fn is_fork(&self) -> bool {
        self.head_repo
            .as_deref()
            .is_none_or(|head| !head.eq_ignore_ascii_case(&self.base_repo))
    }
}

/// What a pull request did to a file, as GitHub names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    Added,
    Removed,
    Modified,
    Renamed,
    Copied,
    Changed,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PullFile {
    pub filename: String,
    pub status: FileStatus,
    /// The old path of a renamed or copied file.
    #[serde(default)]
    pub previous_filename: Option<String>,
    /// Lines added plus lines removed: 0 for a rename that moves the content unchanged.
    #[serde(default)]
    pub changes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullCommit {
    pub sha: String,
    /// The full message: subject, body and trailers.
    pub message: String,
}

/// What [`Client::upsert_comment`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentAction {
    Created,
    Updated,
    Unchanged,
}

/// Why an API call failed, for callers that treat some failures differently (a missing
/// permission to comment is a warning, not a reason to stop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No token was given, and the call needs one.
    NoToken,
    /// 401: the token is invalid or expired.
    Unauthorized,
    /// 403 without rate-limit headers: the token lacks a permission.
    Forbidden,
    /// 404 where something must exist.
    NotFound,
    /// The rate limit ran out and waiting for it would pass the deadline.
    RateLimited,
    /// Server errors, timeouts or broken connections, still failing at the deadline.
    Unavailable,
    /// A redirect that shipgate does not follow.
    Redirect,
    /// An answer shipgate cannot use: bad JSON, too large, an unexpected status.
    BadAnswer,
    /// A list at GitHub's cap, which may be cut short.
    Truncated,
}

impl ErrorKind {
    /// No token, or a token without the permission: a reason to warn and carry on where
    /// the API was only a nicety (the sticky comment).
    pub fn is_permission(self) -> bool {
        matches!(
            self,
            ErrorKind::NoToken | ErrorKind::Unauthorized | ErrorKind::Forbidden
        )
    }
}

/// A failed API call. Its text says what was asked (method and path), what came back and
/// what to do; it never holds the token.
#[derive(Debug, Clone)]
pub struct ApiError {
    kind: ErrorKind,
    message: String,
}

impl ApiError {
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for ApiError {}

/// `error` with the code `api` when an API call caused it. The client's own methods return
/// the bare [`ApiError`] for their callers to inspect ([`is_permission_error`]); the code
/// is attached where such an error leaves the code that asked, since the error module
/// knows no type of the crate.
pub fn with_code(error: anyhow::Error) -> anyhow::Error {
    if error.chain().any(|cause| cause.is::<ApiError>()) {
        Code::Api.tag_untagged(error)
    } else {
        error
    }
}

/// Whether `error` comes from a missing token or a missing permission.
pub fn is_permission_error(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<ApiError>())
        .any(|api| api.kind.is_permission())
}

/// The pull request that `text` links to, as `(owner, repo, number)`, when `text` is
/// exactly `SERVER/OWNER/REPO/pull/NUMBER` (one trailing `/` allowed) on `server_url`
/// (`GITHUB_SERVER_URL`, or [`DEFAULT_SERVER_URL`]). Only that server is recognised,
/// since its API is the only one the token can ask. Nothing else is accepted: no query,
/// fragment, extra or dot segments, percent escapes, or names GitHub would not allow.
pub fn parse_pull_url(server_url: &str, text: &str) -> Option<(String, String, u64)> {
    let server = server_url.trim().trim_end_matches('/');
    let text = text.trim();
    let (scheme, _) = server.split_once("://")?;
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return None;
    }
    let prefix = text.get(..server.len())?;
    if !prefix.eq_ignore_ascii_case(server) {
        return None;
    }
    let rest = text[server.len()..].strip_prefix('/')?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let mut parts = rest.split('/');
    let (owner, repo, pull, number) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || pull != "pull" || !valid_owner(owner) || !valid_repo(repo) {
        return None;
    }
    let number = parse_number(number)?;
    Some((owner.to_owned(), repo.to_owned(), number))
}

/// A positive decimal without sign or leading zeros.
fn parse_number(text: &str) -> Option<u64> {
    if text.is_empty() || text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// GitHub account names: letters, digits and inner hyphens, at most 39. (Some old
/// accounts have a doubled hyphen, so that is not refused.)
fn valid_owner(owner: &str) -> bool {
    (1..=39).contains(&owner.len())
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !owner.starts_with('-')
        && !owner.ends_with('-')
}

/// GitHub repository names: letters, digits, `.`, `_` and `-`, at most 100, never `.`
/// or `..`.
fn valid_repo(repo: &str) -> bool {
    (1..=100).contains(&repo.len())
        && repo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && repo != "."
        && repo != ".."
}

/// GitHub writes commit ids in lower case; anything else in an answer is not GitHub's.
fn valid_sha(sha: &str) -> bool {
    super::is_object_id(sha) && !sha.bytes().any(|b| b.is_ascii_uppercase())
}

/// A client for one repository. Build it once; each call is one blocking request or a
/// few (pages, retries).
pub struct Client {
    /// The API root, its path without a trailing slash.
    base: Url,
    owner: String,
    name: String,
    token: Option<String>,
    auth: Option<HeaderValue>,
    deadline: Duration,
    /// What the calls so far have used of `deadline`: requests, and the waits asked for.
    spent: Mutex<Duration>,
    request_timeout: Duration,
    sleep: Sleeper,
    /// For GETs: follows a redirect within the API's origin (a renamed repository).
    reader: Http,
    /// For POST and PATCH: follows only 307 and 308 within the origin, the redirects that
    /// keep the method and body; others would turn the write into a GET.
    writer: OnceLock<Http>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api_url", &self.base.as_str())
            .field("repository", &format_args!("{}/{}", self.owner, self.name))
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// A list of a pull request's, and how far shipgate reads it.
#[derive(Clone, Copy)]
struct List<'a> {
    number: u64,
    /// `files`, for messages.
    what: &'a str,
    /// Enough items: stop here.
    cap: usize,
    /// A list that goes on past this many pages is an error.
    max_pages: usize,
    /// What to do when it does.
    advice: &'a str,
}

/// A successful (or 404) answer, read in full.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    /// The body was longer than the caller's limit; `body` holds the first part.
    too_large: bool,
}

/// What one try of a request came to.
enum Next {
    Done(Answer),
    Fail(ApiError),
    /// Worth trying again after `wait` (`None`: the next step of the backoff), if the
    /// deadline allows.
    Again {
        wait: Option<Duration>,
        kind: ErrorKind,
        why: String,
        /// What to do when the wait does not fit in the deadline.
        advice: &'static str,
    },
}

const FULL_HISTORY: &str = "check out the full history (actions/checkout with \
    `fetch-depth: 0`) so that shipgate reads the change from git";
const RETRY_ADVICE: &str =
    "GitHub may be having trouble (see githubstatus.com); re-run the job later";
const RATE_ADVICE: &str = "re-run the job after that time, or give shipgate a token \
    (a token has a higher rate limit than anonymous calls)";

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client> {
        let base = parse_api_url(&config.api_url)?;
        let (owner, name) = config
            .repository
            .split_once('/')
            .filter(|(owner, name)| valid_owner(owner) && valid_repo(name))
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "the repository `{}` is not `owner/name`; set GITHUB_REPOSITORY to it, \
                     e.g. `octo-org/octo-repo`",
                    config.repository
                )
            })?;
        if config.deadline.is_zero() || config.request_timeout.is_zero() {
            bail!("the GitHub API deadline and request timeout must be longer than zero");
        }
        let token = config
            .token
            .as_deref()
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .map(str::to_owned);
        let auth = match &token {
            None => None,
            Some(token) => {
                // The value is left out of the message: it is the secret.
                let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {token}")) else {
                    bail!(
                        "the GitHub token holds characters that cannot go in an HTTP header \
                         (a line break or a control character); check the secret that \
                         shipgate gets as its token"
                    );
                };
                value.set_sensitive(true);
                Some(value)
            }
        };

        // reqwest is built without a crypto provider so that only ring is linked; it must
        // be installed before a client is built. An earlier install (by this or another
        // crate) is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let reader = build_http(&base, config.request_timeout, |_| true)
            .map_err(|e| tls_setup_error(&base, &e, token.as_deref()))?;

        Ok(Client {
            owner: owner.to_owned(),
            name: name.to_owned(),
            base,
            token,
            auth,
            deadline: config.deadline,
            spent: Mutex::new(Duration::ZERO),
            request_timeout: config.request_timeout,
            sleep: config.sleep,
            reader,
            writer: OnceLock::new(),
        })
    }

    /// The client for writes, built on the first one: most runs only read, and each
    /// client sets up TLS and a runtime thread of its own.
    fn writer(&self) -> Result<&Http, ApiError> {
        if let Some(http) = self.writer.get() {
            return Ok(http);
        }
        let http = build_http(&self.base, self.request_timeout, |status| {
            matches!(
                status,
                StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
            )
        })
        .map_err(|e| {
            let text = format!(
                "{:#}",
                tls_setup_error(&self.base, &e, self.token.as_deref())
            );
            self.error(ErrorKind::Unavailable, text)
        })?;
        Ok(self.writer.get_or_init(|| http))
    }

    /// `GET /repos/{repo}/pulls/{number}`.
    pub fn pull_request(&self, number: u64) -> Result<PullRequest> {
        let url = self.repo_url(&["pulls", &number.to_string()]);
        let answer = self.get(&url, ACCEPT_JSON, MAX_JSON_BYTES)?;
        if answer.status == StatusCode::NOT_FOUND {
            return Err(self.pull_not_found(&url, number).into());
        }
        let wire: WirePull = self.json(&Method::GET, &url, &answer, "a pull request")?;
        if wire.number != number {
            return Err(self
                .bad_answer(
                    &Method::GET,
                    &url,
                    format!(
                        "it describes pull request #{} instead of #{number}",
                        wire.number
                    ),
                )
                .into());
        }
        for (side, sha) in [("head", &wire.head.sha), ("base", &wire.base.sha)] {
            if !valid_sha(sha) {
                return Err(self
                    .bad_answer(
                        &Method::GET,
                        &url,
                        format!("its {side} sha `{sha}` is not a commit id"),
                    )
                    .into());
            }
        }
        Ok(PullRequest {
            number,
            title: wire.title,
            body: wire.body,
            labels: wire.labels.into_iter().map(|label| label.name).collect(),
            head_sha: wire.head.sha,
            base_sha: wire.base.sha,
            // GitHub shows a deleted account as `ghost`; an absent user means the same.
            author: wire
                .user
                .map_or_else(|| "ghost".to_owned(), |user| user.login),
            head_repo: wire.head.repo.map(|repo| repo.full_name),
            base_repo: wire.base.repo.map_or_else(
                || format!("{}/{}", self.owner, self.name),
                |repo| repo.full_name,
            ),
        })
    }

    /// `GET /repos/{repo}/pulls/{number}/files`, every page. A list at GitHub's cap of
    /// [`MAX_PULL_FILES`] is an error: a cut list must never pass.
    pub fn pull_files(&self, number: u64) -> Result<Vec<PullFile>> {
        let url = self.repo_url(&["pulls", &number.to_string(), "files"]);
        let list = List {
            number,
            what: "files",
            cap: MAX_PULL_FILES,
            max_pages: MAX_PAGES,
            advice: FULL_HISTORY,
        };
        let files: Vec<PullFile> = self.pages(url, &list)?;
        if files.len() >= MAX_PULL_FILES {
            return Err(self
                .truncated(number, "changed files", MAX_PULL_FILES)
                .into());
        }
        Ok(files)
    }

    /// `GET /repos/{repo}/pulls/{number}/commits`, every page. A list at GitHub's cap of
    /// [`MAX_PULL_COMMITS`] is an error, as for files.
    pub fn pull_commits(&self, number: u64) -> Result<Vec<PullCommit>> {
        let url = self.repo_url(&["pulls", &number.to_string(), "commits"]);
        let list = List {
            number,
            what: "commits",
            cap: MAX_PULL_COMMITS,
            max_pages: MAX_PAGES,
            advice: FULL_HISTORY,
        };
        let wire: Vec<WireCommit> = self.pages(url, &list)?;
        if wire.len() >= MAX_PULL_COMMITS {
            return Err(self.truncated(number, "commits", MAX_PULL_COMMITS).into());
        }
        Ok(wire
            .into_iter()
            .map(|commit| PullCommit {
                sha: commit.sha,
                message: commit.commit.message,
            })
            .collect())
    }

    /// The bytes of `path` at commit `sha` (`GET /repos/{repo}/contents/{path}?ref={sha}`,
    /// raw). `None` when the commit has no such file; an error when it is a folder or a
    /// submodule, or over `max` bytes.
    pub fn file_at(&self, sha: &str, path: &str, max: usize) -> Result<Option<Vec<u8>>> {
        if !valid_sha(sha) {
            bail!("`{sha}` is not a commit id (40 or 64 lowercase hex digits)");
        }
        let segments: Vec<&str> = path.split('/').collect();
        if segments
            .iter()
            .any(|s| s.is_empty() || *s == "." || *s == ".." || s.contains('\0'))
        {
            bail!(
                "`{path}` is not a path inside a repository (empty, `.` or `..` parts); \
                 name a file relative to the repository root"
            );
        }
        let mut url = self.repo_url(&["contents"]);
        url.path_segments_mut()
            .expect("an http(s) URL has path segments")
            .extend(&segments);
        url.query_pairs_mut().append_pair("ref", sha);
        let answer = self.get(&url, ACCEPT_RAW, max)?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if answer.too_large {
            bail!(
                "`{path}` at {sha} is over {max} bytes, more than shipgate reads; \
                 make the file smaller"
            );
        }
        // A raw answer for a file is never JSON-typed; GitHub answers a folder or a
        // submodule with its JSON listing whatever was asked for.
        let is_json = answer
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            });
        if is_json {
            bail!("`{path}` at {sha} is a folder or a submodule, not a file");
        }
        Ok(Some(answer.body))
    }

    /// Where `head` forked off `base`, as `GET /repos/{repo}/compare/{base}...{head}` names
    /// it: the older side of a pull request's diff, when the clone lacks the history.
    pub fn merge_base(&self, base: &str, head: &str) -> Result<String> {
        if !valid_sha(base) || !valid_sha(head) {
            bail!("`{base}` and `{head}` must be commit ids to compare them");
        }
        // One commit per page: only the merge-base is wanted, not the commit list.
        let mut url = self.repo_url(&["compare", &format!("{base}...{head}")]);
        url.query_pairs_mut().append_pair("per_page", "1");
        let answer = self.get(&url, ACCEPT_JSON, MAX_JSON_BYTES)?;
        if answer.status == StatusCode::NOT_FOUND {
            bail!(
                "GitHub knows no comparison of {base} and {head} (404); check that both commits were pushed"
            );
        }
        #[derive(Deserialize)]
        struct Compare {
            merge_base_commit: Sha,
        }
        #[derive(Deserialize)]
        struct Sha {
            sha: String,
        }
        let compare: Compare = self.json(&Method::GET, &url, &answer, "a comparison")?;
        let sha = compare.merge_base_commit.sha;
        if !valid_sha(&sha) {
            return Err(self
                .bad_answer(
                    &Method::GET,
                    &url,
                    format!("its merge-base sha `{sha}` is not a commit id"),
                )
                .into());
        }
        Ok(sha)
    }

    /// Whether pull request `owner/repo#number` exists: 200 → true, 404 → false.
    pub fn pull_exists(&self, owner: &str, repo: &str, number: u64) -> Result<bool> {
        if !valid_owner(owner) || !valid_repo(repo) {
            bail!("`{owner}/{repo}` is not a GitHub repository name");
        }
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("an http(s) URL has path segments")
            .extend(["repos", owner, repo, "pulls", &number.to_string()]);
        let answer = self.get(&url, ACCEPT_JSON, MAX_JSON_BYTES)?;
        Ok(answer.status != StatusCode::NOT_FOUND)
    }

    /// Keeps one comment on pull request `number` whose body contains `marker` (an HTML
    /// comment such as `<!-- shipgate:report -->`): the first such comment is edited when
    /// its body differs, else a comment is posted. `body` must contain `marker`, or the
    /// next run would not find the comment and would post another.
    pub fn upsert_comment(&self, number: u64, marker: &str, body: &str) -> Result<CommentAction> {
        if marker.trim().is_empty() || !body.contains(marker) {
            bail!(
                "the comment body must contain its marker, or the next run posts another comment"
            );
        }
        let chars = body.chars().count();
        if chars > MAX_COMMENT_CHARS {
            bail!(
                "the comment is {chars} characters, over GitHub's limit of {MAX_COMMENT_CHARS}; \
                 shorten the report"
            );
        }
        if self.token.is_none() {
            return Err(ApiError {
                kind: ErrorKind::NoToken,
                message: format!(
                    "no GitHub token, so the comment on pull request {}/{}#{number} is not \
                     written; give shipgate a token with `pull-requests: write`",
                    self.owner, self.name
                ),
            }
            .into());
        }
        let list = self.repo_url(&["issues", &number.to_string(), "comments"]);
        let comments: Vec<WireComment> = self.pages(
            list.clone(),
            &List {
                number,
                what: "comments",
                cap: usize::MAX,
                max_pages: MAX_COMMENT_PAGES,
                advice: "shipgate keeps no comment in a thread that long; read its report in \
                         the job's log",
            },
        )?;
        let payload = serde_json::to_vec(&serde_json::json!({ "body": body }))?;
        // GitHub may store the body with CRLF line ends; that is no change.
        let same = |old: &str| old.replace("\r\n", "\n") == body.replace("\r\n", "\n");
        match comments
            .iter()
            .find(|c| c.may_be_ours() && c.body.as_deref().is_some_and(|b| b.contains(marker)))
        {
            Some(comment) if comment.body.as_deref().is_some_and(same) => {
                Ok(CommentAction::Unchanged)
            }
            Some(comment) => {
                let url = self.repo_url(&["issues", "comments", &comment.id.to_string()]);
                let answer = self.write(Method::PATCH, &url, payload)?;
                let _: WireComment = self.json(&Method::PATCH, &url, &answer, "a comment")?;
                Ok(CommentAction::Updated)
            }
            None => {
                let answer = self.write(Method::POST, &list, payload)?;
                let _: WireComment = self.json(&Method::POST, &list, &answer, "a comment")?;
                Ok(CommentAction::Created)
            }
        }
    }

    /// `{api}/repos/{owner}/{name}/{segments...}`, each segment escaped.
    fn repo_url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("an http(s) URL has path segments")
            .extend(["repos", &self.owner, &self.name])
            .extend(segments);
        url
    }

    /// The items of a paginated list, following `Link: rel="next"` within the API's
    /// origin. Stops once `cap` items are in (the caller says what that means); a list
    /// that still goes on after `max_pages` pages is an error, never a short list.
    fn pages<T: DeserializeOwned>(
        &self,
        mut url: Url,
        list: &List<'_>,
    ) -> Result<Vec<T>, ApiError> {
        let List {
            number,
            what,
            cap,
            max_pages,
            advice,
        } = *list;
        url.query_pairs_mut().append_pair("per_page", PER_PAGE);
        let mut items = Vec::new();
        for _ in 0..max_pages {
            let answer = self.get(&url, ACCEPT_JSON, MAX_JSON_BYTES)?;
            if answer.status == StatusCode::NOT_FOUND {
                return Err(self.pull_not_found(&url, number));
            }
            let page: Vec<T> =
                self.json(&Method::GET, &url, &answer, &format!("a list of {what}"))?;
            items.extend(page);
            if items.len() >= cap {
                return Ok(items);
            }
            match self.next_page(&url, &answer.headers)? {
                Some(next) => url = next,
                None => return Ok(items),
            }
        }
        Err(self.error(
            ErrorKind::Truncated,
            format!(
                "GitHub API {}: the list of {what} of pull request {}/{}#{number} goes on past \
                 {max_pages} pages, more than shipgate reads; {advice}",
                describe(&Method::GET, &url),
                self.owner,
                self.name
            ),
        ))
    }

    fn next_page(&self, url: &Url, headers: &HeaderMap) -> Result<Option<Url>, ApiError> {
        let Some(next) = headers
            .get_all(header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(link_next)
        else {
            return Ok(None);
        };
        match self.base.join(&next) {
            Ok(next) if same_origin(&next, &self.base) => Ok(Some(next)),
            _ => Err(self.bad_answer(
                &Method::GET,
                url,
                format!(
                    "its next-page link `{next}` leaves {}; shipgate does not follow it, so \
                     the token stays with the API",
                    origin(&self.base)
                ),
            )),
        }
    }

    fn json<T: DeserializeOwned>(
        &self,
        method: &Method,
        url: &Url,
        answer: &Answer,
        what: &str,
    ) -> Result<T, ApiError> {
        if answer.too_large {
            return Err(self.bad_answer(
                method,
                url,
                format!("it is over {} MiB", MAX_JSON_BYTES >> 20),
            ));
        }
        serde_json::from_slice(&answer.body)
            .map_err(|e| self.bad_answer(method, url, format!("it is not {what} in JSON ({e})")))
    }

    /// What the calls so far have used of the deadline.
    fn spent(&self) -> Duration {
        *self.spent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn spend(&self, time: Duration) {
        let mut spent = self.spent.lock().unwrap_or_else(PoisonError::into_inner);
        *spent = spent.saturating_add(time);
    }

    /// A GET, tried again on rate limits, server errors and timeouts until the deadline
    /// that every call of the client shares. Returns a 2xx or a 404 answer; any other
    /// status is an error.
    fn get(&self, url: &Url, accept: &str, limit: usize) -> Result<Answer, ApiError> {
        let what = describe(&Method::GET, url);
        let mut tries = 0u32;
        let mut backoffs = 0u32;
        loop {
            let left = self.deadline.saturating_sub(self.spent());
            if left.is_zero() {
                return Err(self.out_of_time(&what));
            }
            tries += 1;
            let timeout = left.min(self.request_timeout);
            let started = Instant::now();
            let next = match self.send(&self.reader, Method::GET, url, accept, None, limit, timeout)
            {
                Ok(answer) => self.judge(&Method::GET, url, answer),
                Err(failure) => self.transport(&what, failure, timeout),
            };
            self.spend(started.elapsed());
            let (wait, kind, why, advice) = match next {
                Next::Done(answer) => return Ok(answer),
                Next::Fail(error) => return Err(error),
                Next::Again {
                    wait,
                    kind,
                    why,
                    advice,
                } => {
                    let wait = wait.unwrap_or_else(|| {
                        backoffs += 1;
                        BACKOFF_CAP.min(Duration::from_secs(1 << (backoffs - 1).min(4)))
                    });
                    (wait, kind, why, advice)
                }
            };
            let spent = self.spent();
            if spent.saturating_add(wait) >= self.deadline {
                return Err(self.error(
                    kind,
                    format!(
                        "GitHub API {what}: {why}; gave up after {tries} {}, since waiting {} s \
                         more would pass the {} s deadline that the run's API calls share ({} s \
                         used); {advice}",
                        if tries == 1 { "try" } else { "tries" },
                        wait.as_secs_f64().ceil(),
                        self.deadline.as_secs_f64(),
                        spent.as_secs(),
                    ),
                ));
            }
            (self.sleep)(wait);
            self.spend(wait);
        }
    }

    /// A POST or PATCH, sent once: a write that timed out may have happened, and a
    /// second one would post a second comment.
    fn write(&self, method: Method, url: &Url, body: Vec<u8>) -> Result<Answer, ApiError> {
        let what = describe(&method, url);
        let left = self.deadline.saturating_sub(self.spent());
        if left.is_zero() {
            return Err(self.out_of_time(&what));
        }
        let timeout = left.min(self.request_timeout);
        let writer = self.writer()?;
        let started = Instant::now();
        let sent = self.send(
            writer,
            method.clone(),
            url,
            ACCEPT_JSON,
            Some(body),
            MAX_JSON_BYTES,
            timeout,
        );
        self.spend(started.elapsed());
        let answer = sent.map_err(|failure| {
            self.error(
                ErrorKind::Unavailable,
                format!(
                    "GitHub API {what}: {}; not retried, since the write may have \
                     happened; re-run the job",
                    self.failure_text(&failure, timeout)
                ),
            )
        })?;
        match self.judge(&method, url, answer) {
            Next::Done(answer) if answer.status == StatusCode::NOT_FOUND => Err(self.error(
                ErrorKind::NotFound,
                format!(
                    "GitHub API {what}: 404 Not Found: the pull request or comment is gone, or \
                     the token cannot see {}/{}",
                    self.owner, self.name
                ),
            )),
            Next::Done(answer) => Ok(answer),
            Next::Fail(error) => Err(error),
            Next::Again { kind, why, .. } => Err(self.error(
                kind,
                format!("GitHub API {what}: {why}; a write is not retried; re-run the job later"),
            )),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn send(
        &self,
        http: &Http,
        method: Method,
        url: &Url,
        accept: &str,
        body: Option<Vec<u8>>,
        limit: usize,
        timeout: Duration,
    ) -> Result<Answer, Failure> {
        let mut request = http
            .request(method, url.clone())
            .timeout(timeout)
            .header(header::ACCEPT, accept);
        if let Some(auth) = &self.auth {
            request = request.header(header::AUTHORIZATION, auth.clone());
        }
        if let Some(body) = body {
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let response = request.send().map_err(Failure::Http)?;
        let status = response.status();
        let headers = response.headers().clone();
        let limit = if status.is_success() || status == StatusCode::NOT_FOUND {
            limit
        } else if status.is_redirection() {
            0
        } else {
            MAX_ERROR_BYTES
        };
        if response.content_length().is_some_and(|n| n > limit as u64) {
            return Ok(Answer {
                status,
                headers,
                body: Vec::new(),
                too_large: true,
            });
        }
        let mut body = Vec::new();
        response
            .take((limit as u64).saturating_add(1))
            .read_to_end(&mut body)
            .map_err(Failure::Read)?;
        let too_large = body.len() > limit;
        body.truncate(limit);
        Ok(Answer {
            status,
            headers,
            body,
            too_large,
        })
    }

    /// Decides what an answer means for the call.
    fn judge(&self, method: &Method, url: &Url, answer: Answer) -> Next {
        let what = describe(method, url);
        let status = answer.status;
        if status.is_success() || status == StatusCode::NOT_FOUND {
            return Next::Done(answer);
        }
        let said = github_message(&answer.body);
        let headers = &answer.headers;
        let fail = |kind, text: String| {
            Next::Fail(self.error(
                kind,
                format!("GitHub API {what}: {}{text}", status_text(status)),
            ))
        };
        if status.is_redirection() {
            return fail(
                ErrorKind::Redirect,
                format!(": {}", self.redirect_text(method, url, headers)),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            let text = if self.token.is_some() {
                "the token is invalid or expired; check the secret that shipgate gets as its token"
            } else {
                "GitHub wants a token for this; give shipgate one (`${{ github.token }}` in a workflow)"
            };
            return fail(ErrorKind::Unauthorized, format!("{said}: {text}"));
        }
        if status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS {
            if let Some(seconds) = header_number(headers, "retry-after") {
                return Next::Again {
                    wait: Some(Duration::from_secs(seconds.max(1))),
                    kind: ErrorKind::RateLimited,
                    why: format!(
                        "{}{said}: GitHub asked to retry after {seconds} s",
                        status_text(status)
                    ),
                    advice: RATE_ADVICE,
                };
            }
            if header_text(headers, "x-ratelimit-remaining") == Some("0") {
                let reset = header_number(headers, "x-ratelimit-reset");
                let wait = reset.map_or(Duration::from_secs(60), until_epoch);
                let until = reset.map_or_else(|| "its reset".to_owned(), utc_text);
                return Next::Again {
                    wait: Some(wait),
                    kind: ErrorKind::RateLimited,
                    why: format!(
                        "{}{said}: GitHub API rate limit exhausted until {until}",
                        status_text(status)
                    ),
                    advice: RATE_ADVICE,
                };
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                return Next::Again {
                    wait: None,
                    kind: ErrorKind::RateLimited,
                    why: format!("{}{said}", status_text(status)),
                    advice: RATE_ADVICE,
                };
            }
            return fail(
                ErrorKind::Forbidden,
                format!(
                    "{said}: the token lacks permission; grant it in the workflow's \
                     `permissions:` (`contents: read`, `pull-requests: read`, and \
                     `pull-requests: write` for the comment); a pull request from a fork \
                     gets a read-only token, so there the comment cannot be written"
                ),
            );
        }
        if status.is_server_error() {
            return Next::Again {
                wait: None,
                kind: ErrorKind::Unavailable,
                why: format!("{}{said}", status_text(status)),
                advice: RETRY_ADVICE,
            };
        }
        fail(
            ErrorKind::BadAnswer,
            format!(
                "{said}: shipgate cannot use this answer; check GITHUB_API_URL and GITHUB_REPOSITORY"
            ),
        )
    }

    fn redirect_text(&self, method: &Method, url: &Url, headers: &HeaderMap) -> String {
        let target = header_text(headers, "location").and_then(|to| url.join(to).ok());
        match target {
            Some(to) if !same_origin(&to, &self.base) => format!(
                "redirects to another host ({}); shipgate does not follow it, so the token \
                 stays with {}; set GITHUB_API_URL to the API's own address",
                origin(&to),
                origin(&self.base)
            ),
            Some(_) if *method != Method::GET => "redirects the write to another address, \
                 and only 307 and 308 keep a write intact; if the repository was renamed, set \
                 GITHUB_REPOSITORY to its new name"
                .to_owned(),
            Some(_) => format!(
                "redirects more than {MAX_REDIRECTS} times; check GITHUB_API_URL and \
                 GITHUB_REPOSITORY"
            ),
            None => "is a redirect without a usable Location; check GITHUB_API_URL".to_owned(),
        }
    }

    /// A request that got no answer: timeouts and broken connections are worth another
    /// try; a TLS failure is not (the certificate will not change in a minute).
    fn transport(&self, what: &str, failure: Failure, timeout: Duration) -> Next {
        let text = self.failure_text(&failure, timeout);
        if let Some(tls) = tls_problem(&failure) {
            return Next::Fail(self.error(
                ErrorKind::Unavailable,
                format!(
                    "GitHub API {what}: the TLS connection failed ({tls}); check GITHUB_API_URL, \
                     and that the machine's CA certificates (or SSL_CERT_FILE) trust the server"
                ),
            ));
        }
        Next::Again {
            wait: None,
            kind: ErrorKind::Unavailable,
            why: text,
            advice: RETRY_ADVICE,
        }
    }

    fn failure_text(&self, failure: &Failure, timeout: Duration) -> String {
        let timed_out = match failure {
            Failure::Http(e) => e.is_timeout(),
            Failure::Read(e) => {
                e.kind() == io::ErrorKind::TimedOut
                    || e.get_ref()
                        .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
                        .is_some_and(reqwest::Error::is_timeout)
            }
        };
        if timed_out {
            return format!("no answer within {:.1} s", timeout.as_secs_f64());
        }
        match failure {
            Failure::Http(e) => error_chain(e),
            Failure::Read(e) => format!(
                "the connection broke while reading the answer: {}",
                error_chain(e)
            ),
        }
    }

    fn out_of_time(&self, what: &str) -> ApiError {
        self.error(
            ErrorKind::Unavailable,
            format!(
                "GitHub API {what}: not asked, since the run's API calls have used up the \
                 {} s deadline they share; {RETRY_ADVICE}",
                self.deadline.as_secs_f64()
            ),
        )
    }

    fn pull_not_found(&self, url: &Url, number: u64) -> ApiError {
        self.error(
            ErrorKind::NotFound,
            format!(
                "GitHub API {}: 404 Not Found: pull request {}/{}#{number} does not exist, or \
                 the token cannot see the repository; check the pull request number and \
                 GITHUB_REPOSITORY",
                describe(&Method::GET, url),
                self.owner,
                self.name
            ),
        )
    }

    fn truncated(&self, number: u64, what: &str, cap: usize) -> ApiError {
        self.error(
            ErrorKind::Truncated,
            format!(
                "pull request {}/{}#{number} has {cap} or more {what}, the most the GitHub API \
                 lists, so the list may be cut short and shipgate does not judge it; let \
                 shipgate read the change from git instead: check out the full history \
                 (actions/checkout with `fetch-depth: 0`)",
                self.owner, self.name
            ),
        )
    }

    fn bad_answer(&self, method: &Method, url: &Url, why: String) -> ApiError {
        self.error(
            ErrorKind::BadAnswer,
            format!(
                "GitHub API {}: shipgate cannot use the answer: {why}; check GITHUB_API_URL",
                describe(method, url)
            ),
        )
    }

    /// Every error passes here, so no text that came from elsewhere (a server's message,
    /// an HTTP library's error) can carry the token out.
    fn error(&self, kind: ErrorKind, message: String) -> ApiError {
        let message = match &self.token {
            Some(token) => message.replace(token.as_str(), "<redacted>"),
            None => message,
        };
        ApiError { kind, message }
    }
}

enum Failure {
    /// No answer: could not connect, TLS, timeout before the headers.
    Http(reqwest::Error),
    /// The answer broke off while its body was read.
    Read(io::Error),
}

fn build_http(
    base: &Url,
    request_timeout: Duration,
    follows: fn(StatusCode) -> bool,
) -> reqwest::Result<Http> {
    let home = base.clone();
    let policy = Policy::custom(move |attempt: Attempt| {
        // Stopping hands the redirect itself back, and `judge` says why it was not taken.
        if attempt.previous().len() > MAX_REDIRECTS
            || !follows(attempt.status())
            || !same_origin(attempt.url(), &home)
        {
            attempt.stop()
        } else {
            attempt.follow()
        }
    });
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-github-api-version",
        HeaderValue::from_static(API_VERSION),
    );
    let mut builder = Http::builder()
        .user_agent(concat!("shipgate/", env!("CARGO_PKG_VERSION")))
        .default_headers(headers)
        .redirect(policy)
        .retry(reqwest::retry::never())
        .timeout(request_timeout)
        .connect_timeout(request_timeout);
    let host = base.host_str().unwrap_or_default();
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        // HTTPS_PROXY and friends are honoured for a remote API; an API on this machine
        // is reached directly, whatever proxy the environment names.
        builder = builder.no_proxy();
    }
    if base.scheme() == "http" {
        // Nothing here speaks TLS (a redirect to https is another origin), so the
        // machine's CA certificates are not loaded: a plain-http API works where there
        // are none.
        builder = builder.tls_certs_only(std::iter::empty());
    }
    builder.build()
}

/// Building a client fails before any request only when TLS cannot be set up, mostly
/// because the machine has no CA certificates.
fn tls_setup_error(base: &Url, error: &reqwest::Error, token: Option<&str>) -> anyhow::Error {
    let mut text = format!(
        "could not set up HTTPS for the GitHub API at {}: {}; install the machine's CA \
         certificates (the `ca-certificates` package) or point SSL_CERT_FILE at a PEM bundle",
        origin(base),
        error_chain(error)
    );
    if let Some(token) = token {
        text = text.replace(token, "<redacted>");
    }
    anyhow::Error::msg(text)
}

fn parse_api_url(text: &str) -> Result<Url> {
    let url = Url::parse(text.trim()).map_err(|e| {
        anyhow::anyhow!(
            "the GitHub API URL `{text}` is not a URL ({e}); set GITHUB_API_URL to the API's \
             address, e.g. {DEFAULT_API_URL}"
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        bail!(
            "the GitHub API URL `{text}` is not an http(s) address; set GITHUB_API_URL to the \
             API's address, e.g. {DEFAULT_API_URL}"
        );
    }
    if !url.username().is_empty() || url.password().is_some() {
        bail!(
            "the GitHub API URL holds a user name or password; take them out (the token is \
             passed on its own)"
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        bail!("the GitHub API URL `{text}` has a query or fragment; give only the API's root");
    }
    let mut url = url;
    url.path_segments_mut()
        .expect("an http(s) URL has path segments")
        .pop_if_empty();
    Ok(url)
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

fn origin(url: &Url) -> String {
    match url.port() {
        Some(port) => format!("{}://{}:{port}", url.scheme(), url.host_str().unwrap_or("")),
        None => format!("{}://{}", url.scheme(), url.host_str().unwrap_or("")),
    }
}

/// `GET /repos/o/r/pulls/1/files?per_page=100`: what a message names as the request.
fn describe(method: &Method, url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{method} {}?{query}", url.path()),
        None => format!("{method} {}", url.path()),
    }
}

/// The target of `rel="next"` in one `Link` header value.
fn link_next(value: &str) -> Option<String> {
    value.split(',').find_map(|part| {
        let part = part.trim();
        let (target, params) = part.strip_prefix('<')?.split_once('>')?;
        let is_next = params.split(';').any(|param| {
            let Some((key, value)) = param.split_once('=') else {
                return false;
            };
            key.trim().eq_ignore_ascii_case("rel")
                && value
                    .trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|rel| rel.eq_ignore_ascii_case("next"))
        });
        is_next.then(|| target.to_owned())
    })
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

fn header_number(headers: &HeaderMap, name: &str) -> Option<u64> {
    header_text(headers, name).and_then(|v| v.parse().ok())
}

/// `403 Forbidden`, with a space after it when GitHub's message follows.
fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// `: GitHub said "..."` from an error answer's JSON `message`, or nothing.
fn github_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Said {
        message: String,
    }
    match serde_json::from_slice::<Said>(body) {
        Ok(said) if !said.message.trim().is_empty() => {
            let one_line: String = said
                .message
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(300)
                .collect();
            format!(" (GitHub said: {one_line})")
        }
        _ => String::new(),
    }
}

/// How long until `reset` (seconds since the epoch), plus one second since the reset is
/// rounded down to the second. Reading the clock here only sets a wait.
fn until_epoch(reset: u64) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Duration::from_secs(reset)
        .saturating_sub(now)
        .saturating_add(Duration::from_secs(1))
}

/// `2024-05-01T12:00:00Z`, from seconds since the epoch.
fn utc_text(epoch: u64) -> String {
    let days = epoch / 86_400;
    let secs = epoch % 86_400;
    // Days to a civil date in the proleptic Gregorian calendar (H. Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// An error and its causes on one line. reqwest's own text can hold the URL, so the URL
/// is taken out; URLs never hold the token, but a message is no place for one either way.
fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        // An io::Error that wraps another shows that one's text, and hides it from
        // `source`: go to it directly.
        if let Some(inner) = e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            current = Some(inner);
            continue;
        }
        let text = match e.downcast_ref::<reqwest::Error>() {
            Some(re) => without_url(re),
            None => e.to_string(),
        };
        if !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

fn without_url(error: &reqwest::Error) -> String {
    let text = error.to_string();
    match error.url() {
        Some(url) => text
            .replace(&format!(" for url ({url})"), "")
            .replace(url.as_str(), "<url>"),
        None => text,
    }
}

/// The rustls error inside a failure, if TLS was what failed.
fn tls_problem(failure: &Failure) -> Option<String> {
    let root: &(dyn StdError + 'static) = match failure {
        Failure::Http(e) => e,
        Failure::Read(e) => e,
    };
    let mut current = Some(root);
    while let Some(e) = current {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls.to_string());
        }
        // io::Error hides the error it wraps from `source`, and the TLS stack wraps the
        // rustls error in two of them.
        current = match e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            Some(inner) => Some(inner),
            None => e.source(),
        };
    }
    None
}

#[derive(Deserialize)]
struct WirePull {
    number: u64,
    title: String,
    body: Option<String>,
    labels: Vec<WireLabel>,
    user: Option<WireUser>,
    head: WireRef,
    base: WireRef,
}

#[derive(Deserialize)]
struct WireLabel {
    name: String,
}

#[derive(Deserialize)]
struct WireUser {
    login: String,
}

#[derive(Deserialize)]
struct WireRef {
    sha: String,
    repo: Option<WireRepo>,
}

#[derive(Deserialize)]
struct WireRepo {
    full_name: String,
}

#[derive(Deserialize)]
struct WireCommit {
    sha: String,
    commit: WireCommitDetail,
}

#[derive(Deserialize)]
struct WireCommitDetail {
    message: String,
}

#[derive(Deserialize)]
struct WireComment {
    id: u64,
    body: Option<String>,
    user: Option<WireCommentUser>,
    #[serde(default)]
    author_association: String,
}

#[derive(Deserialize)]
struct WireCommentUser {
    #[serde(rename = "type", default)]
    kind: String,
}

impl WireComment {
    /// Anyone can comment on a public pull request, marker included. Only a comment by a
    /// bot (the workflow token writes as `github-actions[bot]`, an app as its bot) or by
    /// someone with write access (a personal token) can be shipgate's; a stranger's copy
    /// is never edited, nor taken for the report.
    fn may_be_ours(&self) -> bool {
        self.user.as_ref().is_some_and(|user| user.kind == "Bot")
            || matches!(
                self.author_association.as_str(),
                "OWNER" | "MEMBER" | "COLLABORATOR"
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_urls_are_recognised_strictly() {
        let gh = DEFAULT_SERVER_URL;
        let ok = |s: &str, t: &str| parse_pull_url(s, t);
        assert_eq!(
            ok(gh, "https://github.com/octo-org/octo.repo_1/pull/42"),
            Some(("octo-org".into(), "octo.repo_1".into(), 42))
        );
        assert_eq!(
            ok(gh, " https://GitHub.com/o/r/pull/7/ "),
            Some(("o".into(), "r".into(), 7))
        );
        assert_eq!(
            ok(
                "https://ghe.example/",
                "https://ghe.example/team/app/pull/3"
            ),
            Some(("team".into(), "app".into(), 3))
        );
        for bad in [
            "https://github.com/o/r/pull/7/../../x/y/pull/1",
            "https://github.com/o/r/pull/7/files",
            "https://github.com/o/r/pull/7?x=1",
            "https://github.com/o/r/pull/7#top",
            "https://github.com/o/r/pull/07",
            "https://github.com/o/r/pull/0",
            "https://github.com/o/r/pull/+7",
            "https://github.com/o/r/pull/99999999999999999999999",
            "https://github.com/o/r/issues/7",
            "https://github.com/o/../pull/7",
            "https://github.com/o/./pull/7",
            "https://github.com/-o/r/pull/7",
            "https://github.com/o_o/r/pull/7",
            "https://github.com/o/r%2Fx/pull/7",
            "https://github.com//r/pull/7",
            "https://github.com.evil.example/o/r/pull/7",
            "http://github.com/o/r/pull/7",
            "https://ghe.example/o/r/pull/7",
            "github.com/o/r/pull/7",
            "see https://github.com/o/r/pull/7",
        ] {
            assert_eq!(ok(gh, bad), None, "{bad}");
        }
        assert_eq!(ok("ftp://github.com", "ftp://github.com/o/r/pull/7"), None);
    }

    #[test]
    fn next_link_is_found_among_others() {
        let value = r#"<https://api.github.com/repositories/1/pulls/2/files?page=1>; rel="prev", <https://api.github.com/repositories/1/pulls/2/files?page=3>; rel="next", <https://api.github.com/repositories/1/pulls/2/files?page=9>; rel="last""#;
        assert_eq!(
            link_next(value).as_deref(),
            Some("https://api.github.com/repositories/1/pulls/2/files?page=3")
        );
        assert_eq!(link_next(r#"<https://x/y>; rel="last""#), None);
        assert_eq!(link_next("garbage"), None);
    }

    #[test]
    fn epoch_seconds_read_as_utc() {
        assert_eq!(utc_text(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_text(1_714_564_800), "2024-05-01T12:00:00Z");
        assert_eq!(utc_text(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn retry_scale_comes_from_the_environment() {
        for ok in ["0", "0.25", "1"] {
            let env = Env::from_pairs([(RETRY_SCALE_VAR, ok)]);
            assert!(sleeper_from_env(&env).is_ok(), "{ok}");
        }
        assert!(sleeper_from_env(&Env::default()).is_ok());
        for bad in ["-1", "2", "NaN", "inf", "fast"] {
            let env = Env::from_pairs([(RETRY_SCALE_VAR, bad)]);
            let error = sleeper_from_env(&env).err().expect(bad).to_string();
            assert_eq!(
                error,
                format!(
                    "{RETRY_SCALE_VAR} is `{bad}`; set it to a number from 0 to 1, or unset it"
                )
            );
        }
    }

    #[test]
    fn api_urls_must_be_http() {
        for bad in [
            "ftp://api.github.com",
            "file:///etc",
            "not a url",
            "https://u:p@h/",
        ] {
            assert!(parse_api_url(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_api_url("https://ghe.example/api/v3/")
                .unwrap()
                .as_str(),
            "https://ghe.example/api/v3"
        );
    }
}
