//! Who reviews a pull request, for the `review` check: the people and teams asked for a
//! review, and the reviews given, through the API.

use anyhow::Result;

use super::wire::WireReview;
use super::{Client, List, MAX_PAGES, PullRequest};
use crate::judge::checks::ReviewFacts;

impl Client {
    /// The logins of everyone who submitted a review of pull request `number`, in GitHub's
    /// order (`GET /repos/{repo}/pulls/{number}/reviews`, every page). A pending review
    /// is a draft that only its author sees, and is left out; a deleted account has no
    /// login and is left out too.
    pub fn pull_reviewers(&self, number: u64) -> Result<Vec<String>> {
        let url = self.repo_url(&["pulls", &number.to_string(), "reviews"]);
        let list = List {
            number,
            what: "reviews",
            cap: usize::MAX,
            max_pages: MAX_PAGES,
            advice: "set the `review` check to `off` for it",
        };
        let reviews: Vec<WireReview> = self.pages(url, &list)?;
        Ok(reviews
            .into_iter()
            .filter(|r| r.state != "PENDING")
            .filter_map(|r| r.user.map(|user| user.login))
            .collect())
    }

    /// What the `review` check needs of pull request `number`: `current` is the pull
    /// request when the run has read it already. The reviews are listed only when nobody
    /// is asked for one, since an open request settles the check.
    pub(crate) fn review_facts(
        &self,
        number: u64,
        current: Option<&PullRequest>,
    ) -> Result<ReviewFacts> {
        let fetched;
        let pull = match current {
            Some(pull) => pull,
            None => {
                fetched = self.pull_request(number)?;
                &fetched
            }
        };
        let reviewers = if pull.requested_reviewers.is_empty() {
            self.pull_reviewers(number)?
        } else {
            Vec::new()
        };
        Ok(ReviewFacts::Known {
            number,
            author: pull.author.clone(),
            requested: pull.requested_reviewers.clone(),
            reviewers,
        })
    }
}
