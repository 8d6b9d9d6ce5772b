//! The issues a change closes, read for mentions (`requirements.<id>.mentions`, SPEC
//! §17): `GET /repos/{o}/{r}/issues/{n}` for the body and
//! `GET /repos/{o}/{r}/issues/{n}/comments`, every page, for the comments.

use anyhow::Result;
use reqwest::{Method, StatusCode};
use serde::Deserialize;

use super::{ACCEPT_JSON, Client, List, MAX_COMMENT_PAGES, MAX_JSON_BYTES};
use crate::gather::http::with_code;
use crate::gather::{Links, NoLinks};
use crate::judge::change::IssueText;
use crate::judge::checks::ReviewFacts;

#[derive(Deserialize)]
struct WireIssue {
    number: u64,
    html_url: String,
    body: Option<String>,
    user: Option<WireUser>,
}

#[derive(Deserialize)]
struct WireIssueComment {
    id: u64,
    html_url: String,
    body: Option<String>,
    user: Option<WireUser>,
}

#[derive(Deserialize)]
struct WireUser {
    login: String,
}

fn login(user: Option<WireUser>) -> String {
    user.map_or_else(|| "ghost".to_owned(), |u| format!("@{}", u.login))
}

impl Client {
    /// `owner/name` of the client's repository.
    pub(crate) fn repository(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// Issue `number`'s body and its comments, in GitHub's order; `None` when there is no
    /// such issue (404), which is no evidence either way.
    pub(crate) fn issue_texts(&self, number: u64) -> Result<Option<Vec<IssueText>>> {
        let url = self.repo_url(&["issues", &number.to_string()]);
        let answer = self.http.get(&url, ACCEPT_JSON, MAX_JSON_BYTES)?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let issue: WireIssue = self.http.json(&Method::GET, &url, &answer, "an issue")?;
        if issue.number != number {
            return Err(self
                .http
                .bad_answer(
                    &Method::GET,
                    &url,
                    format!("it describes issue #{} instead of #{number}", issue.number),
                )
                .into());
        }
        let mut texts = vec![IssueText {
            issue: number,
            comment: None,
            url: issue.html_url,
            author: login(issue.user),
            text: issue.body.unwrap_or_default(),
        }];
        let comments: Vec<WireIssueComment> = self.pages(
            self.repo_url(&["issues", &number.to_string(), "comments"]),
            &List {
                number,
                what: "comments",
                cap: usize::MAX,
                max_pages: MAX_COMMENT_PAGES,
                advice: "mention the handle in the issue's body, or in an issue with a shorter \
                         thread",
            },
        )?;
        texts.extend(comments.into_iter().map(|c| IssueText {
            issue: number,
            comment: Some(c.id),
            url: c.html_url,
            author: login(c.user),
            text: c.body.unwrap_or_default(),
        }));
        Ok(Some(texts))
    }
}

/// Issues through the API for a run outside GitHub Actions (`shipgate check` with
/// `GITHUB_REPOSITORY`, and `GITHUB_TOKEN` for a private repository): only what mentions
/// need. Links in evidence are taken at their word and reviews are not read, as without
/// any client.
pub(crate) struct IssueLinks {
    pub(crate) client: Client,
}

impl Links for IssueLinks {
    fn pull_exists(&self, text: &str) -> Result<Option<bool>> {
        NoLinks.pull_exists(text)
    }

    fn reviews(&self) -> Result<ReviewFacts> {
        NoLinks.reviews()
    }

    fn repository(&self) -> Option<String> {
        Some(self.client.repository())
    }

    fn issue(&self, number: u64) -> Result<Option<Vec<IssueText>>> {
        issue_with_code(&self.client, number)
    }
}

/// [`Client::issue_texts`], its API errors coded `api` and naming the issue.
pub(crate) fn issue_with_code(client: &Client, number: u64) -> Result<Option<Vec<IssueText>>> {
    client.issue_texts(number).map_err(|e| {
        with_code(e).context(format!(
            "could not read issue #{number} of {} for mentions",
            client.repository()
        ))
    })
}
