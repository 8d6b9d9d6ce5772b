//! `shipgate check` inside a CI system: what the system says about the change fills in
//! every flag the user did not give, and the system's own outputs are written.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::change::short_id;
use crate::cli::CheckArgs;
use crate::gate::{self, Base, Body, Request};
use crate::report::{Format, Report};
use crate::source::event::{self, GithubRun};
use crate::source::git::Repo;
use crate::source::{CiContext, Env, gitlab};

/// What a check came to.
pub enum Outcome {
    Judged(Box<Report>),
    /// The event has no change to judge (a deleted branch or tag); why.
    Nothing(String),
}

/// Builds the request from the flags, the CI system and its event, and judges it.
pub fn check(args: CheckArgs, env: &Env) -> Result<(Outcome, Format)> {
    let github = event::detect(env)?;
    let format = args.format.unwrap_or(Format::Text);
    let Some(run) = github else {
        if let Some(ctx) = gitlab::context(env)? {
            let request = request(args, ctx, PathBuf::from("."));
            return Ok((
                Outcome::Judged(Box::new(gitlab::judge(&request, env)?)),
                format,
            ));
        }
        let request = request(args, CiContext::default(), PathBuf::from("."));
        return Ok((Outcome::Judged(Box::new(gate::run(&request)?)), format));
    };
    if let Some(why) = &run.nothing_to_check {
        return Ok((Outcome::Nothing(why.clone()), format));
    }
    let explicit_base = args.base.is_some() || run.inputs.base.is_some();
    let request = github_request(args, &run);
    trust_workspace(&run, &request.repo)?;
    if !explicit_base {
        check_event_base(&run, &request)?;
    }
    Ok((Outcome::Judged(Box::new(gate::run(&request)?)), format))
}

/// A base that the event names but the clone lacks gets an explanation in the event's
/// terms, which the generic "unknown revision" cannot give.
fn check_event_base(run: &GithubRun, request: &Request) -> Result<()> {
    let Base::Rev(rev) = &request.base else {
        return Ok(());
    };
    let repo = Repo::open(&request.repo)?;
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

/// The request from explicit flags, falling back to what the CI system said.
fn request(args: CheckArgs, ctx: CiContext, default_repo: PathBuf) -> Request {
    Request {
        repo: args.repo.unwrap_or(default_repo),
        base: args
            .base
            .map(Base::Rev)
            .or(ctx.base)
            .unwrap_or(Base::Upstream),
        head: args.head.or(ctx.head).unwrap_or_else(|| "HEAD".to_owned()),
        stage: args.stage,
        labels: if args.labels.is_empty() {
            ctx.labels.unwrap_or_default()
        } else {
            args.labels
        },
        body: args.body_file.map(Body::File).or(ctx.body.map(Body::Text)),
        config: args.config,
        tags: ctx.tags,
        notes: ctx.notes,
    }
}

/// Under GitHub Actions the action's inputs stand between the flags and the event.
fn github_request(mut args: CheckArgs, run: &GithubRun) -> Request {
    let inputs = &run.inputs;
    let workspace = run.workspace.clone().unwrap_or_else(|| PathBuf::from("."));
    let repo = match &inputs.working_directory {
        Some(dir) => workspace.join(dir),
        None => workspace,
    };
    args.base = args.base.or(inputs.base.clone());
    args.head = args.head.or(inputs.head.clone());
    args.stage = args.stage.or(inputs.stage.clone());
    // A relative policy path is relative to the repository, as the input's doc says.
    args.config = args
        .config
        .or_else(|| inputs.config.as_ref().map(|c| repo.join(c)));
    request(args, run.context.clone(), repo)
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
