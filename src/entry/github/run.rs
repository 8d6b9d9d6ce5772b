//! The run of `shipgate check` as a GitHub Actions step: the action's inputs stand between
//! the flags and the event; with a token, the pull request's labels and body are read as
//! they are now, links in evidence are followed, a shallow clone's change is read through
//! the API, and the sticky comment is kept up to date.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::event::{GithubRun, Pull};
use crate::entry::heads_up::{self, Memory};
use crate::entry::{Checked, Outcome};
use crate::error::{Code, Tag as _};
use crate::gather::Links;
use crate::gather::env::Env;
use crate::gather::git::Repo;
use crate::gather::github::{Access, BUDGET, Client, ClientConfig, PullLinks, PullRequest};
use crate::gather::http::{self, Deadline, is_permission_error};
use crate::gather::posthog;
use crate::gather::secret::Secret;
use crate::judge::change::{Author, short_id};
use crate::judge::verdict::{Browse, Report};
use crate::pipeline::{self, Trusted};
use crate::report::{self, Format, slack};
use crate::request::{self, Base, Body, Flags, Request};

/// Judges the change of the event `run` describes, the flags winning over the inputs and
/// the inputs over the event.
pub(crate) fn run(
    flags: Flags,
    format: Option<Format>,
    run: &GithubRun,
    env: &Env,
) -> Result<Checked> {
    let format = format.unwrap_or(Format::Github);
    let mut checked = Checked {
        output_file: run.output_file.clone(),
        summary_file: run.summary_file.clone(),
        ..Checked::new(Outcome::Nothing(String::new()), format, PathBuf::from("."))
    };
    if let Some(why) = &run.nothing_to_check {
        checked.outcome = Outcome::Nothing(why.clone());
        return Ok(checked);
    }
    let explicit_base = flags.base.is_some() || run.inputs.base.is_some();
    let explicit_labels = !flags.labels.is_empty();
    let explicit_body = flags.body_file.is_some();
    let mut request = github_request(flags, run);
    trust_workspace(run, &request.repo)?;
    checked.repo = request.repo.clone();

    let access = api_access(run, env)?;
    let client = api_client(run, &access)?;
    request.github = Some(access);
    request.posthog_key = posthog::key_from_env(env)?.map(Secret::new);
    // The payload is the event as it was when the run started (a re-run reuses it), and a
    // queue entry's payload has no labels or body at all: both come from the pull request
    // as it is now, unless the flags give them.
    let number = run.pull.as_ref().map(|p| p.number).or(run.queued);
    let mut current = None;
    if let Some(number) = number
        && !(explicit_labels && explicit_body)
    {
        let queued = run.queued.is_some();
        match &client {
            Some(client) => match client.pull_request(number) {
                Ok(pr) => {
                    if !explicit_labels {
                        request.labels = pr.labels.clone();
                    }
                    if !explicit_body {
                        request.body = pr.body.clone().map(Body::Text);
                    }
                    // Marked ready for review (or back to draft) since the event, maybe.
                    request.draft = pr.draft;
                    request.author = Author::Login(pr.author.clone());
                    request.notes.push(if queued {
                        format!(
                            "merge_group: labels and body of #{number}, the queued pull request, as the GitHub API has them now"
                        )
                    } else {
                        "labels and body as the GitHub API has them now".to_owned()
                    });
                    current = Some(pr);
                }
                Err(e) if is_permission_error(&e) => {
                    checked.warnings.push(if queued {
                        format!(
                            "could not read the labels and body of #{number}, the queued pull request, so the queue entry is judged from git alone: {e:#}"
                        )
                    } else {
                        format!(
                            "could not read the current labels and body of #{number}, so the event's are judged: {e:#}"
                        )
                    })
                }
                Err(e) => return Err(http::with_code(e)),
            },
            None if queued => request.notes.push(format!(
                "merge_group: without a token the labels and body of #{number}, the queued pull request, cannot be read, so the queue entry is judged from git alone and may block what its pull_request run passed; give the action a token with `pull-requests: read` (the `token` input, or GITHUB_TOKEN)"
            )),
            None => {}
        }
    }
    let links = PullLinks {
        client: client.as_ref(),
        server_url: &run.server_url,
        pull: number,
        current: current.as_ref(),
    };
    // A base the event named is checked against the clone before the pipeline runs: it may
    // be missing for reasons only the event can explain, or be on the API's side.
    let clone = (!explicit_base)
        .then(|| Repo::open(&request.repo))
        .transpose()?;
    let mut report = match (&client, &run.pull, &clone) {
        (Some(client), Some(pull), Some(repo)) if !history_present(repo, &request) => {
            judge_from_api(&request, client, pull, &links)?
        }
        _ => {
            if let Some(repo) = &clone {
                explain_missing_base(run, repo, &request).code(Code::MissingHistory)?;
            }
            pipeline::run(&request, &links)?
        }
    };
    // The summary and the comment link findings to their lines.
    report.browse = run.repository.as_ref().map(|repository| Browse {
        server: run.server_url.clone(),
        repository: repository.clone(),
    });
    let memory = match number {
        Some(number) => Memory::Pull {
            number,
            client: client.as_ref(),
        },
        None => Memory::Nowhere,
    };
    let change = heads_up_change(run, number, current.as_ref(), &report);
    if let Some(warning) =
        heads_up::send(&mut report, env, &change, memory, request.github.as_ref())
    {
        checked.warnings.push(warning);
    }
    if run.inputs.comment
        && let Some(warning) = sticky_comment(run, client.as_ref(), &report)
    {
        checked.warnings.push(warning);
    }
    checked.outcome = Outcome::Judged(Box::new(report));
    Ok(checked)
}

/// How the run reaches the API: the action's `token` input, else `GITHUB_TOKEN`, and the
/// run's one budget for waiting on APIs, which every client it builds shares (the
/// repository's, and those reading a shared policy of another repository).
fn api_access(run: &GithubRun, env: &Env) -> Result<Access> {
    let token = match &run.inputs.token {
        Some(token) => Some(token.clone()),
        None => env.get("GITHUB_TOKEN")?.map(str::to_owned),
    };
    Ok(Access {
        api_url: run.api_url.clone(),
        token,
        sleep: http::sleeper_from_env(env)?,
        deadline: Deadline::new(BUDGET),
    })
}

/// A client when there is a token. Without one, everything is decided from git and the
/// payload.
fn api_client(run: &GithubRun, access: &Access) -> Result<Option<Client>> {
    let (Some(token), Some(repository)) = (&access.token, &run.repository) else {
        return Ok(None);
    };
    let mut config = ClientConfig::new(&run.api_url, repository, Some(token.clone()));
    config.sleep = access.sleep.clone();
    Ok(Some(Client::sharing(config, access.deadline.clone())?))
}

/// Whether the clone holds the base, the head and where they meet.
fn history_present(repo: &Repo, request: &Request) -> bool {
    let Base::Rev(base) = &request.base else {
        return true;
    };
    if !repo.is_shallow() {
        return true;
    }
    match (
        repo.resolve(base, "base"),
        repo.resolve(&request.head, "head"),
    ) {
        (Ok(base), Ok(head)) => repo.merge_base(base, head).is_ok(),
        _ => false,
    }
}

/// A shallow clone lacks the pull request's history: its commits and files come from the
/// API instead, and files are read at their commits through it.
fn judge_from_api(
    request: &Request,
    client: &Client,
    pull: &Pull,
    links: &dyn Links,
) -> Result<Report> {
    let Base::Rev(base) = &request.base else {
        bail!("a pull request's change needs its base commit");
    };
    let mut notes = request.notes.clone();
    notes.push(format!(
        "the clone is shallow: the commits and files of #{} come from the GitHub API",
        pull.number
    ));
    let gathered = client.pull_change(pull.number, base, &request.head, notes)?;
    let place = Trusted::Base {
        commit: base.clone(),
        name: format!("the base commit {}", short_id(base)),
    };
    pipeline::judge_at(request, client, links, gathered, &place)
}

/// How the heads-up names the change: the pull request with its title, else the commit.
fn heads_up_change(
    run: &GithubRun,
    number: Option<u64>,
    current: Option<&PullRequest>,
    report: &Report,
) -> slack::Change {
    let repository = run.repository.as_deref().unwrap_or("the repository");
    let server = run.server_url.trim_end_matches('/');
    match number {
        Some(number) => slack::Change {
            name: match current {
                Some(pr) => format!("{repository}#{number} {}", pr.title),
                None => format!("{repository}#{number}"),
            },
            link: run
                .repository
                .as_ref()
                .map(|r| format!("{server}/{r}/pull/{number}")),
        },
        None => slack::Change {
            name: format!("{repository} at {}", short_id(&report.range.head)),
            link: run
                .repository
                .as_ref()
                .map(|r| format!("{server}/{r}/commit/{}", report.range.head)),
        },
    }
}

/// Keeps the one sticky comment up to date; a failure is a warning, never a verdict.
fn sticky_comment(run: &GithubRun, client: Option<&Client>, report: &Report) -> Option<String> {
    let Some(pull) = &run.pull else {
        return Some(format!(
            "input `comment` is on, but the `{}` event is not about a pull request; no comment written",
            run.event
        ));
    };
    let Some(client) = client else {
        return Some("input `comment` is on, but there is no token; no comment written".to_owned());
    };
    let body = report::github::comment(report);
    match client.upsert_comment(pull.number, report::github::COMMENT_MARKER, &body) {
        Ok(_) => None,
        Err(e) if is_permission_error(&e) && pull.from_fork => Some(format!(
            "could not comment on #{} (a fork's token is read-only): {e:#}",
            pull.number
        )),
        Err(e) => Some(format!("could not comment on #{}: {e:#}", pull.number)),
    }
}

/// A base that the event names but the clone lacks gets an explanation in the event's
/// terms, which the generic "unknown revision" cannot give.
fn explain_missing_base(run: &GithubRun, repo: &Repo, request: &Request) -> Result<()> {
    let Base::Rev(rev) = &request.base else {
        return Ok(());
    };
    if repo.resolve(rev, "base").is_ok() {
        return Ok(());
    }
    if let Some((before, forced)) = &run.push_before {
        if *forced {
            bail!(
                "the push was forced and its `before` commit {} is not in the clone (it was pushed away), so the pushed change cannot be told apart; pass --base (the action's `base` input) with the commit to compare with",
                short_id(before)
            );
        }
        bail!(
            "the push's `before` commit {} is not in the clone; fetch the full history (actions/checkout with `fetch-depth: 0`) or pass the `base` input",
            short_id(before)
        );
    }
    if let Some(branch) = rev.strip_prefix("refs/remotes/origin/") {
        bail!(
            "the push creates a branch, whose change is what `{branch}` lacks, but the clone has no `{rev}`; check out with `fetch-depth: 0` (which fetches every branch) or pass the `base` input"
        );
    }
    bail!(
        "the `{}` event's base commit {} is not in the clone; check out with `fetch-depth: 0`, or pass the `base` input",
        run.event,
        short_id(rev)
    )
}

/// Under GitHub Actions the action's inputs stand between the flags and the event.
fn github_request(mut flags: Flags, run: &GithubRun) -> Request {
    let inputs = &run.inputs;
    let workspace = run.workspace.clone().unwrap_or_else(|| PathBuf::from("."));
    let repo = match &inputs.working_directory {
        Some(dir) => workspace.join(dir),
        None => workspace,
    };
    flags.base = flags.base.or(inputs.base.clone());
    flags.head = flags.head.or(inputs.head.clone());
    flags.stage = flags.stage.or(inputs.stage.clone());
    // A relative policy path is relative to the repository, as the input's doc says.
    flags.config = flags
        .config
        .or_else(|| inputs.config.as_ref().map(|c| repo.join(c)));
    request::build(flags, run.context.clone(), repo)
}

/// The runner mounts its workspace into the action's container, where files belong to
/// another user than the container's root, and libgit2 refuses such a repository as git
/// does (CVE-2022-24765). Inside the workspace that the runner itself checked out, the
/// owner is the runner, which is trusted; anywhere else git's protection stays on.
fn trust_workspace(run: &GithubRun, repo: &Path) -> Result<()> {
    let Some(workspace) = &run.workspace else {
        return Ok(());
    };
    let (Ok(workspace), Ok(repo)) = (workspace.canonicalize(), repo.canonicalize()) else {
        return Ok(());
    };
    if repo.starts_with(&workspace) {
        // SAFETY: set once, before any repository is opened, on the main thread.
        unsafe { git2::opts::set_verify_owner_validation(false) }?;
    }
    Ok(())
}
