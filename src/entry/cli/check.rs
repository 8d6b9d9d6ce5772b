//! `shipgate check`: the flags, as plain values, over what the CI system the run is in
//! says (GitHub Actions, GitLab CI, or none), judged by the pipeline and shown in the
//! format asked for; the exit code follows the verdict.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::entry::heads_up::{self, Memory};
use crate::entry::{Checked, Outcome, github, gitlab};
use crate::error::{Code, Tag as _};
use crate::gather::disk::{self, Spec, Symlinks};
use crate::gather::env::Env;
use crate::gather::git::Repo;
use crate::gather::github::Access;
use crate::gather::github::{Client, ClientConfig, IssueLinks};
use crate::gather::secret::{self, Secret};
use crate::gather::{Links, NoLinks, posthog};
use crate::judge::change::short_id;
use crate::judge::policy;
use crate::judge::verdict::{PolicyFrom, Report, Verdict};
use crate::judge::yaml::MAX_BYTES as MAX_YAML_BYTES;
use crate::pipeline;
use crate::report::output::{Output, Stream};
use crate::report::{self, Format, slack};
use crate::request::{self, CiContext, Flags, Request};

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The repository (any folder inside it) [default: the current folder; under GitHub
    /// Actions, the workspace and the `working-directory` input].
    #[arg(long, value_name = "DIR")]
    pub(crate) repo: Option<PathBuf>,
    /// What the change merges into [default: from the CI event; else the branch's upstream,
    /// else origin/HEAD].
    #[arg(long, value_name = "REV")]
    pub(crate) base: Option<String>,
    /// The tip of the change [default: from the CI event; else HEAD].
    #[arg(long, value_name = "REV")]
    pub(crate) head: Option<String>,
    /// Judge the change as this stage, whatever its signals say.
    #[arg(long, value_name = "STAGE")]
    pub(crate) stage: Option<String>,
    /// A pull-request label (repeatable; replaces the labels a CI system reports).
    #[arg(long = "label", value_name = "NAME")]
    pub(crate) labels: Vec<String>,
    /// A file holding the pull-request body.
    #[arg(long, value_name = "FILE")]
    pub(crate) body_file: Option<PathBuf>,
    /// Read the policy from this file instead of the base commit.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// How to print the report [default: github under GitHub Actions, else text].
    #[arg(long, value_enum)]
    pub(crate) format: Option<Format>,
}

impl CheckArgs {
    /// The flags as plain values, and the format asked for.
    fn into_flags(self) -> (Flags, Option<Format>) {
        let flags = Flags {
            repo: self.repo,
            base: self.base,
            head: self.head,
            stage: self.stage,
            labels: self.labels,
            body_file: self.body_file,
            config: self.config,
        };
        (flags, self.format)
    }
}

/// Judges the change the flags and the CI system name: a GitHub Actions step through its
/// event, a GitLab job through its variables, anything else from the flags alone.
fn judge(flags: Flags, format: Option<Format>, env: &Env) -> Result<Checked> {
    if let Some(run) = github::detect(env)? {
        return github::run(flags, format, &run, env);
    }
    let format = format.unwrap_or(Format::Text);
    let here = PathBuf::from(".");
    // A policy may extend one shared on GitHub (`GITHUB_TOKEN`, `GITHUB_API_URL`).
    let github = Some(Access::from_env(env)?);
    let posthog_key = posthog::key_from_env(env)?.map(Secret::new);
    if let Some(job) = gitlab::detect(env).code_unless_tagged(Code::BadEnvironment)? {
        let request = Request {
            github,
            posthog_key,
            ..request::build(flags, job.context.clone(), here)
        };
        let report = gitlab::run(&request, &job)?;
        return Ok(Checked::new(
            Outcome::Judged(Box::new(report)),
            format,
            request.repo,
        ));
    }
    let issues = issue_links(env, github.as_ref())?;
    let request = Request {
        github,
        posthog_key,
        ..request::build(flags, CiContext::default(), here)
    };
    let links: &dyn Links = match &issues {
        Some(issues) => issues,
        None => &NoLinks,
    };
    let mut report = pipeline::run(&request, links)?;
    if let Some(note) = working_tree_policy(&request, &report) {
        report.notes.push(note);
    }
    let change = cli_change(env, &request, &report)?;
    let warning = heads_up::send(
        &mut report,
        env,
        &change,
        Memory::Nowhere,
        request.github.as_ref(),
    );
    let mut checked = Checked::new(Outcome::Judged(Box::new(report)), format, request.repo);
    checked.warnings.extend(warning);
    Ok(checked)
}

/// How the heads-up names a change judged outside CI: the head as given (a branch name,
/// say) and its commit, linked when `GITHUB_REPOSITORY` says where it lives.
fn cli_change(env: &Env, request: &Request, report: &Report) -> Result<slack::Change> {
    let head = short_id(&report.range.head);
    let name = if request.head == head || request.head == report.range.head {
        head.to_owned()
    } else {
        format!("{} ({head})", request.head)
    };
    let server = env
        .get("GITHUB_SERVER_URL")?
        .unwrap_or("https://github.com")
        .trim_end_matches('/')
        .to_owned();
    Ok(match env.get("GITHUB_REPOSITORY")? {
        Some(repository) => slack::Change {
            name: format!("{repository} {name}"),
            link: Some(format!(
                "{server}/{repository}/commit/{}",
                report.range.head
            )),
        },
        None => slack::Change { name, link: None },
    })
}

/// Outside a CI system, issues (for `mentions`) are read from the repository that
/// `GITHUB_REPOSITORY` names, with `GITHUB_TOKEN` when it is set; nothing else is asked.
fn issue_links(env: &Env, access: Option<&Access>) -> Result<Option<IssueLinks>> {
    let (Some(repository), Some(access)) = (env.get("GITHUB_REPOSITORY")?, access) else {
        return Ok(None);
    };
    let mut config = ClientConfig::new(&access.api_url, repository, access.token.clone());
    config.sleep = access.sleep.clone();
    let client = Client::sharing(config, access.deadline.clone()).code(Code::BadEnvironment)?;
    Ok(Some(IssueLinks { client }))
}

/// Runs `shipgate check`: the flags, over what a CI system says, judged and shown.
pub(super) fn run(args: CheckArgs, out: &mut Output<'_>) -> Result<ExitCode> {
    let env = Env::from_process();
    if env.is_true("GITHUB_ACTIONS") {
        // Before anything else is written, so that the runner hides these wherever they
        // might show up; on stderr, which the runner reads for commands too, so that a
        // JSON report on stdout stays one document.
        for value in secret::to_mask(&env) {
            out.command(Stream::Stderr, &report::github::mask_command(&value))?;
        }
    }
    let (flags, format) = args.into_flags();
    let checked = judge(flags, format, &env)?;
    let ci_config = match checked.format {
        Format::Gitlab => env.get("CI_CONFIG_PATH")?,
        _ => None,
    };
    show(&checked, ci_config, out)
}

/// Writes what a check came to in its format; the exit code follows the verdict.
/// `ci_config` is GitLab's `CI_CONFIG_PATH`, for where Code Quality findings point.
pub(super) fn show(
    checked: &Checked,
    ci_config: Option<&str>,
    out: &mut Output<'_>,
) -> Result<ExitCode> {
    let github = checked.format == Format::Github;
    if github {
        // The format is for a runner, which reads both streams for commands.
        out.read_for_commands();
    }
    for warning in &checked.warnings {
        if github {
            out.command(Stream::Stdout, &report::github::warning_command(warning))?;
        } else {
            out.eprint(&format!("warning: {}\n", report::text::clean(warning)))?;
        }
    }
    let report = match &checked.outcome {
        Outcome::Judged(report) => report,
        Outcome::Nothing(why) => {
            if github {
                out.command(Stream::Stdout, &report::github::notice_command(why))?;
                report::github::write_nothing_outputs(checked.output_file.as_deref())?;
            } else {
                out.print(&format!("shipgate: {}\n", report::text::clean(why)))?;
            }
            return Ok(ExitCode::SUCCESS);
        }
    };
    match checked.format {
        Format::Text => out.print(&report::text::render(report))?,
        Format::Json => out.print(&report::json::render(report))?,
        Format::Github => {
            report::github::write(report, out)?;
            report::github::write_files(
                report,
                checked.output_file.as_deref(),
                checked.summary_file.as_deref(),
            )?;
        }
        // The job log shows stderr; stdout is redirected to the Code Quality artifact.
        Format::Gitlab => {
            out.eprint(&report::text::render(report))?;
            let path = gitlab_anchor(report, &checked.repo, ci_config);
            out.print(&report::gitlab::render(report, &path))?;
        }
    }
    // 1 is reserved for "blocked" so that CI can tell a policy failure from a broken run.
    Ok(match report.verdict {
        Verdict::Pass | Verdict::Overridden => ExitCode::SUCCESS,
        Verdict::Blocked => ExitCode::from(1),
    })
}

/// Where Code Quality findings point ([`report::gitlab::anchor`]), looked up at head.
fn gitlab_anchor(report: &Report, repo: &Path, ci_config: Option<&str>) -> String {
    let repo = Repo::open(repo).ok();
    let head = git2::Oid::from_str(&report.range.head).ok();
    match (&repo, head) {
        (Some(repo), Some(head)) => report::gitlab::anchor(
            report,
            ci_config,
            |path| repo.has_file(head, path),
            || repo.first_file(head),
        ),
        _ => report::gitlab::anchor(report, ci_config, |_| false, || None),
    }
}

/// A note when the working tree holds a policy file that is not the one in force: one that
/// `shipgate init` just wrote, or one being edited. The policy is read at the base commit
/// (SPEC §7), so without a word a new user sees `policy built-in` and wonders where the
/// file went. `None` when the file is the one in force, when the change itself brings it
/// (the report says so already), with `--config`, and when there is no such file or it
/// cannot be read (`validate` is where a broken working-tree policy is reported).
fn working_tree_policy(request: &Request, report: &Report) -> Option<String> {
    if request.config.is_some() {
        return None;
    }
    let info = report.policy.as_ref()?;
    let repo = Repo::open(&request.repo).ok()?;
    let top = repo.git2().workdir()?.to_path_buf();
    let spec = Spec {
        what: "the policy",
        cap: disk::POLICY_CAP,
        links: Symlinks::Refuse,
        fix: "",
    };
    // Two files are an error that `validate` reports; here they are no note.
    let (path, bytes) = policy::locate(|p| Ok(disk::read(&top.join(p), &spec).ok()), "").ok()??;
    let at = |commit: &str| {
        let oid = git2::Oid::from_str(commit).ok()?;
        repo.read_file(oid, path, MAX_YAML_BYTES).ok()?
    };
    let builtin = info.source == "built-in";
    let place = match info.from {
        PolicyFrom::Base if builtin => format!(
            ", since the base commit {} holds no policy file",
            short_id(&report.range.base)
        ),
        PolicyFrom::Base if at(&report.range.base).as_ref() == Some(&bytes) => return None,
        PolicyFrom::Base => format!(" ({})", info.source),
        PolicyFrom::DefaultBranch | PolicyFrom::BuiltIn if builtin => String::new(),
        _ => return None,
    };
    if info.changed.is_some() && at(&report.range.head).as_ref() == Some(&bytes) {
        return None;
    }
    let file = top.join(path);
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| file.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or(file);
    let into = match info.from {
        PolicyFrom::Base => "the base branch",
        _ => "the default branch",
    };
    Some(format!(
        "{path} in the working tree is not the policy in force{place}: a policy applies once it \
         is committed and merged into {into}; `shipgate check --config {}` tries it now",
        shown.display()
    ))
}
