//! The heads-up to Marketing (SPEC §17), sent after the judgement by the entries that can
//! (a GitHub Actions step, `shipgate check`): one Slack message when the stage judges the
//! marketing requirement and it is missing, remembered on the pull request so that a
//! re-run at the same stage does not send it again. It is a heads-up, not evidence: it
//! changes no verdict, and a failure is a warning.

use crate::gather::env::Env;
use crate::gather::github::{Access, Client};
use crate::gather::http;
use crate::gather::slack;
use crate::judge::verdict::Report;
use crate::report::slack::{Change, missing_marketing, payload};

/// Where the heads-up is remembered: the pull request the run judges, through a client
/// that may write to it.
pub(crate) enum Memory<'c> {
    /// A pull request, and the client (`None` without a token).
    Pull {
        number: u64,
        client: Option<&'c Client>,
    },
    /// No pull request (a push, a tag, a run outside CI): nothing to remember it on.
    Nowhere,
}

/// Sends the heads-up for `report` if it is due, noting in the report what happened;
/// returns a warning when it could not be sent or remembered.
pub(crate) fn send(
    report: &mut Report,
    env: &Env,
    change: &Change,
    memory: Memory<'_>,
    access: Option<&Access>,
) -> Option<String> {
    let missing = missing_marketing(report)?.clone();
    let (webhook, from) = match slack::webhook(env, report.notify_slack_var.as_deref()) {
        Ok(Some(found)) => found,
        Ok(None) => return None,
        Err(e) => return Some(format!("no heads-up to Marketing: {e:#}")),
    };
    let stage = report.stage.clone();
    let mut remembered = Vec::new();
    let pull = match memory {
        Memory::Pull {
            number,
            client: Some(client),
        } => match client.heads_up_stages(number) {
            Ok(stages) if stages.contains(&stage) => {
                report.notes.push(format!(
                    "Marketing already had a heads-up on Slack for #{number} at stage {stage}; \
                     not sent again"
                ));
                return None;
            }
            Ok(stages) => {
                remembered = stages;
                Some((number, client))
            }
            Err(e) => {
                return Some(format!(
                    "no heads-up to Marketing: could not read on #{number} whether one was \
                     sent already, and a second one is worse than none: {e:#}"
                ));
            }
        },
        Memory::Pull {
            number,
            client: None,
        } => {
            return Some(format!(
                "no heads-up to Marketing: without a GitHub token shipgate cannot remember on \
                 #{number} that it sent one, so every re-run would send another; give the \
                 action a token with `pull-requests: write`"
            ));
        }
        Memory::Nowhere => None,
    };
    let config = http::Config {
        deadline: access.map_or_else(
            || http::Deadline::new(crate::gather::github::BUDGET),
            |a| a.deadline.clone(),
        ),
        request_timeout: slack::POST_TIMEOUT,
        sleep: access.map_or_else(http::real_sleep, |a| a.sleep.clone()),
    };
    let message = payload(report, change, &missing);
    if let Err(why) = slack::post(&webhook, &from, &message, config) {
        return Some(format!(
            "could not give Marketing a heads-up on Slack: {why}"
        ));
    }
    report.notes.push(match pull {
        Some((number, _)) => {
            format!("Marketing got a heads-up on Slack for #{number} at stage {stage}")
        }
        None => format!(
            "Marketing got a heads-up on Slack at stage {stage}; with no pull request to \
             remember it on, a re-run sends another"
        ),
    });
    let (number, client) = pull?;
    remembered.push(stage);
    client
        .remember_heads_up(number, &remembered)
        .err()
        .map(|e| {
            format!(
                "the heads-up went to Slack, but could not be remembered on #{number}, so a \
             re-run may send it again: {e:#}"
            )
        })
}
