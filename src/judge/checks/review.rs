//! `review`: "Always request a review on your pull request by a fellow team member ... We
//! avoid self-merge PRs." A pull request with no requested reviewer (person or team) and no
//! review by anyone but its author is a finding about the whole change. What the pull
//! request looks like comes from the GitHub API, with a token; without one, or outside a
//! pull request, the check says it could not look and finds nothing.

use super::{Ctx, Sink};

/// What the forge says of a pull request's reviews.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReviewFacts {
    Known {
        number: u64,
        author: String,
        /// Logins and `org/team` names asked for a review that have not given one yet.
        requested: Vec<String>,
        /// Logins of everyone who submitted a review, the author included.
        reviewers: Vec<String>,
    },
    /// Nobody looked, and why ("no GitHub token").
    Unknown(String),
}

pub(super) fn check(ctx: &Ctx<'_>, sink: &mut Sink) {
    let (number, author, requested, reviewers) = match ctx.review {
        ReviewFacts::Known {
            number,
            author,
            requested,
            reviewers,
        } => (number, author, requested, reviewers),
        ReviewFacts::Unknown(why) => {
            sink.could_not_look(why);
            return;
        }
    };
    // Logins are compared as GitHub compares them: without regard to case.
    let others: Vec<&String> = reviewers
        .iter()
        .filter(|r| !r.eq_ignore_ascii_case(author))
        .collect();
    if let Some(first) = others.first() {
        sink.note(format!("#{number} was reviewed by {first}"));
        return;
    }
    if let Some(first) = requested.first() {
        sink.note(format!("#{number} asks {first} for a review"));
        return;
    }
    sink.change(
        format!(
            "pull request #{number} has no requested reviewer and no review by anyone but its author {author}: request a review from a team member; merging it unreviewed is a self-merge"
        ),
    );
}
