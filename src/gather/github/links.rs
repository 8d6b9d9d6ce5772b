//! Links to pull requests in evidence (`Docs: https://github.com/o/r/pull/7`): recognised
//! strictly, and followed through the API to see whether they lead anywhere.

use anyhow::Result;

use super::{Client, PullRequest, valid_owner, valid_repo};
use crate::gather::Links;
use crate::gather::http::{is_permission_error, with_code};
use crate::judge::change::IssueText;
use crate::judge::checks::ReviewFacts;

/// The pull request that `text` links to, as `(owner, repo, number)`, when `text` is
/// exactly `SERVER/OWNER/REPO/pull/NUMBER` (one trailing `/` allowed) on `server_url`
/// (`GITHUB_SERVER_URL`, or [`super::DEFAULT_SERVER_URL`]). Only that server is recognised,
/// since its API is the only one the token can ask. Nothing else is accepted: no query,
/// fragment, extra or dot segments, percent escapes, or names GitHub would not allow.
pub(crate) fn parse_pull_url(server_url: &str, text: &str) -> Option<(String, String, u64)> {
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

/// Follows links to pull requests on this GitHub server, and reads who reviews the run's
/// pull request, when there is a token.
pub(crate) struct PullLinks<'c> {
    pub(crate) client: Option<&'c Client>,
    /// `GITHUB_SERVER_URL`: only links to this server are followed.
    pub(crate) server_url: &'c str,
    /// The number of the pull request the run judges (or the queued one), if any.
    pub(crate) pull: Option<u64>,
    /// That pull request as the run has read it already, to save asking again.
    pub(crate) current: Option<&'c PullRequest>,
}

impl Links for PullLinks<'_> {
    fn pull_exists(&self, text: &str) -> Result<Option<bool>> {
        let Some(client) = self.client else {
            return Ok(None);
        };
        let Some((owner, repo, number)) = parse_pull_url(self.server_url, text) else {
            return Ok(None);
        };
        match client.pull_exists(&owner, &repo, number) {
            Ok(exists) => Ok(Some(exists)),
            // A token that may not look is no evidence that the link is dead.
            Err(e) if is_permission_error(&e) => Ok(None),
            // Coded before the context: a code shows its error's first line only.
            Err(e) => Err(with_code(e).context(format!("could not follow the link {text}"))),
        }
    }

    fn reviews(&self) -> Result<ReviewFacts> {
        let Some(number) = self.pull else {
            return Ok(ReviewFacts::Unknown(
                "the run is not on a pull request".to_owned(),
            ));
        };
        let Some(client) = self.client else {
            return Ok(ReviewFacts::Unknown(
                "no GitHub token; give the action one (the `token` input, or GITHUB_TOKEN) with `pull-requests: read`".to_owned(),
            ));
        };
        client
            .review_facts(number, self.current)
            .map_err(|e| with_code(e).context(format!("could not read the reviews of #{number}")))
    }

    fn repository(&self) -> Option<String> {
        self.client.map(Client::repository)
    }

    fn issue(&self, number: u64) -> Result<Option<Vec<IssueText>>> {
        match self.client {
            Some(client) => super::issues::issue_with_code(client, number),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::DEFAULT_SERVER_URL;
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
}
