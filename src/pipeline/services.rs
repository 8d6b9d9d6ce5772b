//! Look-ups in the services where the handbook's tools live (SPEC §17): the PostHog project
//! that is the flag registry, and the issues whose mentions tell Marketing. Like links, they
//! are asked only for what the stage judges, once each, under the run's one API deadline:
//! a failure stops the run (exit 2) when a required requirement or check rests on it, and
//! is a note when only warnings do, since a warning cannot block.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Result, anyhow};

use crate::error::Code;
use crate::gather::ends::{self, Sides};
use crate::gather::github::BUDGET;
use crate::gather::http::{self, Deadline};
use crate::gather::{Links, posthog};
use crate::judge::change::{Change, IssueText};
use crate::judge::mentions::closed_issues;
use crate::judge::policy::{Policy, Stage};
use crate::judge::requirements::evaluated;
use crate::judge::verdict::Level;
use crate::request::Request;

type Keys = BTreeMap<String, Option<String>>;

/// The flag registry's keys at head: the file's, or the PostHog project's, each project
/// read from PostHog at most once a run (packages may share one).
pub(super) struct FlagKeys<'r> {
    req: &'r Request,
    /// What each project answered, or why it could not: asked once, whoever asks again.
    posthog: RefCell<BTreeMap<(String, u64), Result<Keys, String>>>,
}

impl<'r> FlagKeys<'r> {
    pub(super) fn new(req: &'r Request) -> FlagKeys<'r> {
        FlagKeys {
            req,
            posthog: RefCell::default(),
        }
    }

    /// The keys at head, `None` when there is no registry file there.
    pub(super) fn at_head(&self, sides: &Sides<'_>, policy: &Policy) -> Result<Option<Keys>> {
        let Some(project) = &policy.flag_registry.posthog else {
            return ends::registry_keys(sides, policy);
        };
        let mut asked = self.posthog.borrow_mut();
        let answer = asked
            .entry((project.host.clone(), project.project))
            .or_insert_with(|| {
                let (deadline, sleep) = match &self.req.github {
                    Some(access) => (access.deadline.clone(), access.sleep.clone()),
                    None => (Deadline::new(BUDGET), http::real_sleep()),
                };
                let config = http::Config {
                    deadline,
                    request_timeout: Duration::from_secs(10),
                    sleep,
                };
                let key = self.req.posthog_key.as_ref().map(|k| k.expose());
                posthog::flags(project, key, config).map_err(|e| format!("{e:#}"))
            });
        match answer {
            Ok(keys) => Ok(Some(keys.clone())),
            Err(why) => Err(Code::Posthog.tag(anyhow!("{why}"))),
        }
    }
}

/// With PostHog as the registry, the keys that trailers and labels name are looked up
/// there, when a requirement that the stage judges counts them; the file registry is read
/// before the stage is known (it is on disk), PostHog only now.
pub(super) fn posthog_keys(
    change: &mut Change,
    stage: &Stage,
    policy: &Policy,
    sides: &Sides<'_>,
    keys: &FlagKeys<'_>,
    notes: &mut Vec<String>,
) -> Result<()> {
    if policy.flag_registry.posthog.is_none() {
        return Ok(());
    }
    let mut wanted: Option<(bool, Vec<&str>)> = None;
    for (req, level) in evaluated(policy, stage) {
        let ev = &req.evidence;
        let names = change
            .commits
            .iter()
            .flat_map(|c| &c.trailers)
            .any(|t| ev.flag_key_of_trailer(t).is_some())
            || change
                .labels
                .iter()
                .any(|l| ev.flag_key_of_label(l).is_some());
        if names {
            let (required, ids) = wanted.get_or_insert_default();
            *required |= level == Level::Required;
            ids.push(&req.id);
        }
    }
    let Some((required, ids)) = wanted else {
        return Ok(());
    };
    match keys.at_head(sides, policy) {
        Ok(found) => change.flags.keys_at_head = found,
        Err(e) if required => return Err(e),
        Err(e) => {
            notes.push(format!(
                "{} is only warned about at stage {}, so the flag keys are not looked up: {e:#}",
                ids.join(", "),
                stage.name
            ));
            change.flags.unchecked = Some(format!("{e:#}"));
        }
    }
    Ok(())
}

/// The issues that changes close, read for mentions, and the repository they are of.
pub(super) struct IssueTexts {
    repository: Option<String>,
    texts: BTreeMap<u64, Vec<IssueText>>,
}

impl IssueTexts {
    /// Gives `change` the texts of the issues it closes, for its requirements' mentions.
    pub(super) fn attach(&self, change: &mut Change) {
        let Some(repository) = &self.repository else {
            return;
        };
        change.issues = closed(change, repository)
            .iter()
            .filter_map(|n| self.texts.get(n))
            .flatten()
            .cloned()
            .collect();
    }
}

/// The issues a change closes: in its commits' messages and its body (what an HTML
/// comment hides closes nothing).
fn closed(change: &Change, repository: &str) -> Vec<u64> {
    let texts = change
        .commits
        .iter()
        .map(|c| c.message.as_str())
        .chain(change.body.as_deref());
    closed_issues(texts, repository)
}

/// The bodies and comments of the issues that `views` (each package's evidence, with its
/// stage and policy) close, when a requirement that a stage judges counts mentions; each
/// issue read once.
pub(super) fn issue_texts(
    views: &[(&Change, &Stage, &Policy)],
    links: &dyn Links,
    notes: &mut Vec<String>,
) -> Result<IssueTexts> {
    let mut out = IssueTexts {
        repository: None,
        texts: BTreeMap::new(),
    };
    // Each issue, whether a required requirement rests on it, and which requirements do.
    let mut wanted: BTreeMap<u64, (bool, Vec<&str>, &str)> = BTreeMap::new();
    let mut asking: Vec<&str> = Vec::new();
    for (view, stage, policy) in views {
        for (req, level) in evaluated(policy, stage) {
            if req.evidence.mentions.is_empty() {
                continue;
            }
            if !asking.contains(&req.id.as_str()) {
                asking.push(&req.id);
            }
            let Some(repository) = links.repository() else {
                continue;
            };
            for number in closed(view, &repository) {
                let (required, ids, stage_name) =
                    wanted
                        .entry(number)
                        .or_insert((false, Vec::new(), &stage.name));
                *required |= level == Level::Required;
                if level == Level::Required {
                    *stage_name = &stage.name;
                }
                if !ids.contains(&req.id.as_str()) {
                    ids.push(&req.id);
                }
            }
        }
    }
    if asking.is_empty() {
        return Ok(out);
    }
    let Some(repository) = links.repository() else {
        notes.push(format!(
            "{}: mentions on the issues a change closes are read through the GitHub API, \
             which this run cannot ask; under GitHub Actions give shipgate a token, \
             elsewhere set GITHUB_REPOSITORY (and GITHUB_TOKEN for a private repository)",
            asking.join(", ")
        ));
        return Ok(out);
    };
    for (number, (required, ids, stage)) in wanted {
        match links.issue(number) {
            Ok(Some(texts)) => {
                out.texts.insert(number, texts);
            }
            Ok(None) => notes.push(format!(
                "the change closes #{number}, which {repository} has no issue of, so its \
                 mentions are not read"
            )),
            Err(e) if required => return Err(e),
            Err(e) => notes.push(format!(
                "{} is only warned about at stage {stage}, so issue #{number} is not read for \
                 mentions: {e:#}",
                ids.join(", ")
            )),
        }
    }
    out.repository = Some(repository);
    Ok(out)
}
