//! The GitHub REST API as endpoints over the HTTP transport ([`crate::gather::http`]):
//! the current labels and body of a pull request, its files and commits, a file at a
//! commit, whether a linked pull request exists, and one sticky pull-request comment.
//!
//! Text from strangers (repository names, paths, refs) reaches a URL only as an escaped
//! path segment or query value. The token goes only into the `Authorization` header of
//! requests to the API's own origin (the transport refuses redirects and pagination links
//! that leave it), and no error text carries it.
//!
//! Only GETs are retried, and every call shares the run's deadline: however many look-ups
//! a run makes, it waits on the API no longer than that.

mod issues;
mod links;
mod memory;
mod pull;
mod reviews;
mod shared;
mod wire;

use std::fmt;
use std::time::Duration;

use anyhow::{Result, bail};
use reqwest::header::{self, HeaderMap};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::Files;
use super::git::is_object_id;
use super::http::{
    self, Answer, ApiError, Deadline, ErrorKind, Service, Sleeper, Transport, describe,
};
pub(crate) use issues::IssueLinks;
pub(crate) use links::PullLinks;
pub(crate) use shared::{Access, BUDGET, SharedPolicies};
pub use wire::{FileStatus, PullFile};
use wire::{WireComment, WireCommit, WirePull};

/// The public API, for when `GITHUB_API_URL` is unset.
pub(crate) const DEFAULT_API_URL: &str = "https://api.github.com";
/// The public web server, for when `GITHUB_SERVER_URL` is unset.
pub(crate) const DEFAULT_SERVER_URL: &str = "https://github.com";
/// GitHub lists at most this many files of a pull request; a list that long may be cut.
pub(crate) const MAX_PULL_FILES: usize = 3000;
/// GitHub lists at most this many commits of a pull request; a list that long may be cut.
pub(crate) const MAX_PULL_COMMITS: usize = 250;

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

const FULL_HISTORY: &str = "check out the full history (actions/checkout with \
    `fetch-depth: 0`) so that shipgate reads the change from git";

/// GitHub as the transport words its failures.
static GITHUB: Service = Service {
    name: "GitHub API",
    speaker: "GitHub",
    url_setting: "GITHUB_API_URL",
    example_url: DEFAULT_API_URL,
    headers: &[("x-github-api-version", API_VERSION)],
    said: github_message,
    check: "check GITHUB_API_URL and GITHUB_REPOSITORY",
    moved: "if the repository was renamed, set GITHUB_REPOSITORY to its new name",
    trouble: "GitHub may be having trouble (see githubstatus.com); re-run the job later",
    rate_limited: "re-run the job after that time, or give shipgate a token \
        (a token has a higher rate limit than anonymous calls)",
    wants_token: "GitHub wants a token for this; give shipgate one (`${{ github.token }}` in \
        a workflow)",
    forbidden: "the token lacks permission; grant it in the workflow's \
        `permissions:` (`contents: read`, `pull-requests: read`, and \
        `pull-requests: write` for the comment); a pull request from a fork \
        gets a read-only token, so there the comment cannot be written",
};

/// The `message` of GitHub's error answers.
fn github_message(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Said {
        message: String,
    }
    serde_json::from_slice::<Said>(body)
        .ok()
        .map(|said| said.message)
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
            deadline: BUDGET,
            request_timeout: Duration::from_secs(10),
            sleep: http::real_sleep(),
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
    /// Whether it is a draft.
    pub draft: bool,
    /// `owner/name` of the head branch's repository; `None` when that fork was deleted.
    pub head_repo: Option<String>,
    /// `owner/name` of the repository the pull request targets.
    pub base_repo: String,
    /// Logins, and teams as `owner/slug`, asked for a review that have not given one yet.
    pub requested_reviewers: Vec<String>,
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

/// GitHub account names: letters, digits and inner hyphens, at most 39. (Some old
/// accounts have a doubled hyphen, so that is not refused.)
pub(super) fn valid_owner(owner: &str) -> bool {
    (1..=39).contains(&owner.len())
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !owner.starts_with('-')
        && !owner.ends_with('-')
}

/// GitHub repository names: letters, digits, `.`, `_` and `-`, at most 100, never `.`
/// or `..`.
pub(super) fn valid_repo(repo: &str) -> bool {
    (1..=100).contains(&repo.len())
        && repo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && repo != "."
        && repo != ".."
}

/// GitHub writes commit ids in lower case; anything else in an answer is not GitHub's.
fn valid_sha(sha: &str) -> bool {
    is_object_id(sha) && !sha.bytes().any(|b| b.is_ascii_uppercase())
}

/// A client for one repository. Build it once; each call is one blocking request or a
/// few (pages, retries).
pub struct Client {
    http: Transport,
    owner: String,
    name: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api_url", &self.http.base().as_str())
            .field("repository", &format_args!("{}/{}", self.owner, self.name))
            .field("token", &self.http.has_token().then_some("<redacted>"))
            .finish_non_exhaustive()
    }
}

/// Files at a commit, through the contents API, for a clone that lacks the commit.
impl Files for Client {
    fn read(&self, commit: &str, path: &str, max: usize) -> Result<Option<Vec<u8>>> {
        self.file_at(commit, path, max).map_err(http::with_code)
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

impl Client {
    /// A client with a deadline of its own, `config.deadline`.
    pub fn new(config: ClientConfig) -> Result<Client> {
        let deadline = Deadline::new(config.deadline);
        Client::sharing(config, deadline)
    }

    /// A client whose calls count against `deadline`, the run's, which its other clients
    /// share; `config.deadline` is not used.
    pub(crate) fn sharing(config: ClientConfig, deadline: Deadline) -> Result<Client> {
        let base = http::parse_base(&GITHUB, &config.api_url)?;
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
        let http = Transport::new(
            &GITHUB,
            base,
            config.token.as_deref(),
            http::Config {
                deadline,
                request_timeout: config.request_timeout,
                sleep: config.sleep,
            },
        )?;
        Ok(Client {
            http,
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }

    /// `GET /repos/{repo}/pulls/{number}`.
    pub fn pull_request(&self, number: u64) -> Result<PullRequest> {
        let url = self.repo_url(&["pulls", &number.to_string()]);
        let answer = self.http.get(&url, ACCEPT_JSON, MAX_JSON_BYTES)?;
        if answer.status == StatusCode::NOT_FOUND {
            return Err(self.pull_not_found(&url, number).into());
        }
        let wire: WirePull = self
            .http
            .json(&Method::GET, &url, &answer, "a pull request")?;
        if wire.number != number {
            return Err(self
                .http
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
                    .http
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
            draft: wire.draft,
            head_repo: wire.head.repo.map(|repo| repo.full_name),
            base_repo: wire.base.repo.map_or_else(
                || format!("{}/{}", self.owner, self.name),
                |repo| repo.full_name,
            ),
            requested_reviewers: wire
                .requested_reviewers
                .into_iter()
                .map(|user| user.login)
                .chain(
                    wire.requested_teams
                        .into_iter()
                        .map(|team| format!("{}/{}", self.owner, team.slug)),
                )
                .collect(),
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
        self.contents(sha, path, max)
    }

    /// `GET /repos/{repo}/contents/{path}?ref={reference}`, raw, for a commit id or a
    /// checked branch or tag name.
    fn contents(&self, reference: &str, path: &str, max: usize) -> Result<Option<Vec<u8>>> {
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
        url.query_pairs_mut().append_pair("ref", reference);
        let answer = self.http.get(&url, ACCEPT_RAW, max)?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if answer.too_large {
            bail!(
                "`{path}` at {reference} is over {max} bytes, more than shipgate reads; \
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
            bail!("`{path}` at {reference} is a folder or a submodule, not a file");
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
        let answer = self.http.get(&url, ACCEPT_JSON, MAX_JSON_BYTES)?;
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
        let compare: Compare = self
            .http
            .json(&Method::GET, &url, &answer, "a comparison")?;
        let sha = compare.merge_base_commit.sha;
        if !valid_sha(&sha) {
            return Err(self
                .http
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
        let mut url = self.http.base().clone();
        url.path_segments_mut()
            .expect("an http(s) URL has path segments")
            .extend(["repos", owner, repo, "pulls", &number.to_string()]);
        let answer = self.http.get(&url, ACCEPT_JSON, MAX_JSON_BYTES)?;
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
        if !self.http.has_token() {
            return Err(self
                .http
                .error(
                    ErrorKind::NoToken,
                    format!(
                        "no GitHub token, so the comment on pull request {}/{}#{number} is \
                         not written; give shipgate a token with `pull-requests: write`",
                        self.owner, self.name
                    ),
                )
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
                let _: WireComment = self.http.json(&Method::PATCH, &url, &answer, "a comment")?;
                Ok(CommentAction::Updated)
            }
            None => {
                let answer = self.write(Method::POST, &list, payload)?;
                let _: WireComment = self.http.json(&Method::POST, &list, &answer, "a comment")?;
                Ok(CommentAction::Created)
            }
        }
    }

    /// `{api}/repos/{owner}/{name}/{segments...}`, each segment escaped.
    fn repo_url(&self, segments: &[&str]) -> Url {
        let mut url = self.http.base().clone();
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
            let answer = self.http.get(&url, ACCEPT_JSON, MAX_JSON_BYTES)?;
            if answer.status == StatusCode::NOT_FOUND {
                return Err(self.pull_not_found(&url, number));
            }
            let page: Vec<T> =
                self.http
                    .json(&Method::GET, &url, &answer, &format!("a list of {what}"))?;
            items.extend(page);
            if items.len() >= cap {
                return Ok(items);
            }
            match self.next_page(&url, &answer.headers)? {
                Some(next) => url = next,
                None => return Ok(items),
            }
        }
        Err(self.http.error(
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
        headers
            .get_all(header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(link_next)
            .map(|next| self.http.follow(url, &next))
            .transpose()
    }

    /// A POST or PATCH of a comment, sent once ([`Transport::write`]); a 404 means the
    /// pull request or the comment is gone.
    fn write(&self, method: Method, url: &Url, body: Vec<u8>) -> Result<Answer, ApiError> {
        let answer = self
            .http
            .write(method.clone(), url, ACCEPT_JSON, body, MAX_JSON_BYTES)?;
        if answer.status == StatusCode::NOT_FOUND {
            return Err(self.http.error(
                ErrorKind::NotFound,
                format!(
                    "GitHub API {}: 404 Not Found: the pull request or comment is gone, or \
                     the token cannot see {}/{}",
                    describe(&method, url),
                    self.owner,
                    self.name
                ),
            ));
        }
        Ok(answer)
    }

    fn pull_not_found(&self, url: &Url, number: u64) -> ApiError {
        self.http.error(
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
        self.http.error(
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn api_urls_must_be_http() {
        for bad in [
            "ftp://api.github.com",
            "file:///etc",
            "not a url",
            "https://u:p@h/",
        ] {
            assert!(http::parse_base(&GITHUB, bad).is_err(), "{bad}");
        }
        assert_eq!(
            http::parse_base(&GITHUB, "https://ghe.example/api/v3/")
                .unwrap()
                .as_str(),
            "https://ghe.example/api/v3"
        );
    }
}
