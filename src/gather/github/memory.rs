//! What the pull request remembers of the heads-up to Marketing: a comment of shipgate's
//! whose hidden lines name each stage a heads-up went out for, so that a re-run of the
//! same pull request at the same stage does not post again (SPEC §17).

use anyhow::Result;

use super::wire::WireComment;
use super::{Client, List, MAX_COMMENT_PAGES};

/// Marks the comment; each stage is a line `<!-- shipgate:heads-up stage=full -->`.
pub(crate) const HEADS_UP_MARKER: &str = "<!-- shipgate:heads-up -->";

fn stage_line(stage: &str) -> String {
    format!("<!-- shipgate:heads-up stage={stage} -->")
}

/// The stages a comment records.
fn stages_in(body: &str) -> Vec<String> {
    body.lines()
        .filter_map(|line| {
            line.trim()
                .strip_prefix("<!-- shipgate:heads-up stage=")?
                .strip_suffix(" -->")
                .map(str::to_owned)
        })
        .collect()
}

impl Client {
    /// The stages a heads-up went out for on pull request `number`. Only a comment that
    /// may be shipgate's counts (a bot's, or a member's), so a stranger cannot silence the
    /// heads-up by writing the marker.
    pub(crate) fn heads_up_stages(&self, number: u64) -> Result<Vec<String>> {
        let comments: Vec<WireComment> = self.pages(
            self.repo_url(&["issues", &number.to_string(), "comments"]),
            &List {
                number,
                what: "comments",
                cap: usize::MAX,
                max_pages: MAX_COMMENT_PAGES,
                advice: "shipgate cannot tell whether it gave Marketing a heads-up in a thread \
                         that long",
            },
        )?;
        Ok(comments
            .iter()
            .filter(|c| c.may_be_ours())
            .filter_map(|c| c.body.as_deref())
            .filter(|body| body.contains(HEADS_UP_MARKER))
            .flat_map(stages_in)
            .collect())
    }

    /// Records that heads-ups went out for `stages` on pull request `number`.
    pub(crate) fn remember_heads_up(&self, number: u64, stages: &[String]) -> Result<()> {
        let mut body = format!(
            "{HEADS_UP_MARKER}\nshipgate gave Marketing a heads-up on Slack for this pull \
             request at stage {}.\n",
            stages
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for stage in stages {
            body.push_str(&stage_line(stage));
            body.push('\n');
        }
        self.upsert_comment(number, HEADS_UP_MARKER, &body)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_read_back_from_their_lines() {
        let body = format!(
            "{HEADS_UP_MARKER}\ntext\n{}\n{}\n<!-- shipgate:heads-up stage=x",
            stage_line("beta"),
            stage_line("full")
        );
        assert_eq!(stages_in(&body), ["beta", "full"]);
    }
}
