//! `issue-link`: "To make sure our issues are linked correctly to the PRs, you can tag the
//! issue in your commit: `git commit -m "Closes #289 ..."`". No commit message of the
//! change, and no pull-request body, that matches one of the patterns (`Closes/Fixes/
//! Resolves #N`, `owner/repo#N`, an issue's URL) is a finding about the whole change.

use super::{Ctx, Sink};

pub(super) fn check(ctx: &Ctx<'_>, sink: &mut Sink) {
    let change = ctx.change;
    if change.commits.is_empty() {
        sink.note("the change has no commits".to_owned());
        return;
    }
    let patterns = ctx.policy.checks.issue_link.set.set();
    let links = |text: &str| patterns.is_match(text);
    if let Some(commit) = change.commits.iter().find(|c| links(&c.message)) {
        sink.note(format!("linked in commit {}", commit.short_id()));
        return;
    }
    if change.body.as_deref().is_some_and(links) {
        sink.note("linked in the pull-request body".to_owned());
        return;
    }
    let what = match (&change.body, change.commits.len()) {
        (Some(_), 1) => "neither the commit message nor the pull-request body links an issue",
        (Some(_), _) => "neither a commit message nor the pull-request body links an issue",
        (None, 1) => "the commit message links no issue (and no pull-request body was given)",
        (None, _) => "no commit message links an issue (and no pull-request body was given)",
    };
    sink.change(format!(
        "{what}: tag it in a commit, as in `Closes #289` (or `owner/repo#289`, or the issue's URL)"
    ));
}
