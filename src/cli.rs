//! The command line: parsing, dispatch, and where each command's output goes.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Parser, Subcommand};

use crate::file::{self, Spec, Symlinks};
use crate::gate;
use crate::policy::{self, BUILTIN_YAML, POLICY_PATHS, Policy};
use crate::report::{self, Format, Verdict};
use crate::source::Env;

const EXIT_CODES: &str = "\
Exit codes:
  0  pass, or overridden (warnings allowed)
  1  blocked: a required piece of evidence is missing
  2  could not decide: bad arguments, bad policy, unknown revision, missing history";

#[derive(Debug, Parser)]
#[command(
    name = "shipgate",
    version,
    about = "Release gate: merge any time, but a full release ships with docs, a template, a feature flag and Marketing told.",
    after_help = EXIT_CODES,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Judge a change (the commits of BASE..HEAD and the diff since their merge-base).
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
    /// Write the built-in policy, with comments, to .shipgate.yml.
    Init {
        /// Replace an existing .shipgate.yml.
        #[arg(long)]
        force: bool,
        /// The repository to write into.
        #[arg(long, value_name = "DIR", default_value = ".")]
        repo: PathBuf,
    },
    /// Print the policy in force: stages, their signals, and what counts as evidence.
    Explain {
        #[command(flatten)]
        policy: PolicyArgs,
        /// Print what every key of a policy file means instead.
        #[arg(long)]
        keys: bool,
    },
    /// Check a policy file and exit: 0 when valid, 2 with every problem listed.
    Validate(PolicyArgs),
    /// Install or remove the git pre-push hook that runs `shipgate pre-push`.
    Hook {
        #[command(subcommand)]
        action: crate::hook::HookCommand,
    },
    /// Judge every ref of a push, as git's pre-push hook: reads git's stdin.
    PrePush(crate::hook::PrePushArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The repository (any folder inside it) [default: the current folder; under GitHub
    /// Actions, the workspace and the `working-directory` input].
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// What the change merges into [default: from the CI event; else the branch's upstream,
    /// else origin/HEAD].
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// The tip of the change [default: from the CI event; else HEAD].
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// Judge the change as this stage, whatever its signals say.
    #[arg(long, value_name = "STAGE")]
    pub stage: Option<String>,
    /// A pull-request label (repeatable; replaces the labels a CI system reports).
    #[arg(long = "label", value_name = "NAME")]
    pub labels: Vec<String>,
    /// A file holding the pull-request body.
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// Read the policy from this file instead of the base commit.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How to print the report [default: github under GitHub Actions, else text].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// The policy file [default: .shipgate.yml or .github/shipgate.yml in the working tree, the
    /// one a new change will be checked against once committed; else the built-in policy].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The repository whose policy to use.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
}

/// Runs a command; `Err` is "could not decide" and exits 2.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Init { force, repo } => init(&repo, force),
        Command::Explain { keys: true, .. } => {
            print(&crate::explain::keys())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Explain { policy, .. } => {
            let (policy, source) = policy_in_force(&policy)?;
            // Descriptions and hints come from the policy file, which came from a commit.
            let text = crate::explain::render(&policy, &source);
            let cleaned: Vec<_> = text.lines().map(crate::report::text::clean).collect();
            print(&(cleaned.join("\n") + "\n"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate(args) => {
            let (policy, source) = policy_in_force(&args)?;
            print(&format!(
                "{source}: valid ({} stages, {} requirements)\n",
                policy.stages.len(),
                policy.requirements.len()
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Hook { action } => crate::hook::hook(action),
        Command::PrePush(args) => crate::hook::pre_push(args),
    }
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let env = Env::from_process();
    let checked = crate::ci::check(args, &env)?;
    let github = checked.format == Format::Github;
    for warning in &checked.warnings {
        if github {
            print(&report::github::warning_command(warning))?;
        } else {
            eprint(&format!("warning: {}\n", report::text::clean(warning)))?;
        }
    }
    let report = match checked.outcome {
        crate::ci::Outcome::Judged(report) => *report,
        crate::ci::Outcome::Nothing(why) => {
            if github {
                print(&report::github::notice_command(&why))?;
                report::github::write_nothing_outputs(checked.output_file.as_deref())?;
            } else {
                print(&format!("shipgate: {}\n", report::text::clean(&why)))?;
            }
            return Ok(ExitCode::SUCCESS);
        }
    };
    match checked.format {
        Format::Text => print(&report::text::render(&report))?,
        Format::Json => print(&report::json::render(&report))?,
        Format::Github => {
            print(&report::github::render(&report))?;
            report::github::write_files(
                &report,
                checked.output_file.as_deref(),
                checked.summary_file.as_deref(),
            )?;
        }
        // The job log shows stderr; stdout is redirected to the Code Quality artifact.
        Format::Gitlab => {
            eprint(&report::text::render(&report))?;
            print(&report::gitlab::render(&report))?;
        }
    }
    // 1 is reserved for "blocked" so that CI can tell a policy failure from a broken run.
    Ok(match report.verdict {
        Verdict::Pass | Verdict::Overridden => ExitCode::SUCCESS,
        Verdict::Blocked => ExitCode::from(1),
    })
}

fn print(text: &str) -> Result<()> {
    let mut out = anstream::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // A closed pipe (`shipgate check | head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("could not write the report"),
    }
}

fn eprint(text: &str) -> Result<()> {
    let mut err = anstream::stderr().lock();
    match err.write_all(text.as_bytes()).and_then(|()| err.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("could not write the report"),
    }
}

/// The repository's top folder, or `dir` itself outside a repository.
fn top_dir(dir: &Path) -> Result<PathBuf> {
    if !dir.is_dir() {
        bail!(
            "`{}` is not a folder that exists; pass --repo with the repository's folder",
            dir.display()
        );
    }
    match git2::Repository::discover(dir) {
        Err(_) => Ok(dir.to_path_buf()),
        Ok(repo) => match repo.workdir() {
            Some(top) => Ok(top.to_path_buf()),
            None => bail!(
                "`{}` is a bare repository: its policy lives in commits, not in a working tree; run this in a clone",
                dir.display()
            ),
        },
    }
}

/// For `explain` and `validate`: `--config`, else the policy file in the working tree
/// (the one being edited), else the built-in policy.
fn policy_in_force(args: &PolicyArgs) -> Result<(Policy, String)> {
    if let Some(path) = &args.config {
        return Ok((gate::policy_from_file(path)?, path.display().to_string()));
    }
    let top = top_dir(&args.repo)?;
    // Anything at the path counts as there, a dangling link or a FIFO too: it is refused
    // below, never passed over for the built-in policy.
    let present = |p: &str| -> Result<Option<PathBuf>> {
        let path = top.join(p);
        Ok(std::fs::symlink_metadata(&path).is_ok().then_some(path))
    };
    match policy::locate(present, "in the working tree")? {
        None => Ok((Policy::builtin(), "built-in policy".to_owned())),
        Some((_, path)) => {
            // Read as `check` reads it at a commit, where a link is no policy: what is
            // validated here is what will be in force once committed.
            let spec = Spec {
                what: "the policy",
                cap: file::POLICY_CAP,
                links: Symlinks::Refuse,
                fix: "a policy is read only as a regular YAML file of at most 256 KiB at its \
                      path, as `check` reads it at a commit: put the policy itself there",
            };
            Ok((gate::read_policy(&path, &spec)?, path.display().to_string()))
        }
    }
}

fn init(repo: &Path, force: bool) -> Result<ExitCode> {
    let top = top_dir(repo)?;
    let other = top.join(POLICY_PATHS[1]);
    if other.exists() {
        bail!(
            "`{}` exists already and two policies are an error; edit that one instead",
            other.display()
        );
    }
    let path = top.join(POLICY_PATHS[0]);
    // Writing follows a link and waits on a FIFO: only a regular file is replaced.
    if let Ok(meta) = std::fs::symlink_metadata(&path) {
        let kind = if meta.file_type().is_symlink() {
            Some("a symbolic link")
        } else {
            file::not_regular(&meta)
        };
        if let Some(kind) = kind {
            bail!(
                "`{}` is {kind}, not a regular file; remove it, then run `shipgate init` again",
                path.display()
            );
        }
    }
    if path.exists() && !force {
        bail!(
            "`{}` exists already; pass --force to replace it",
            path.display()
        );
    }
    std::fs::write(&path, BUILTIN_YAML)
        .with_context(|| format!("could not write `{}`", path.display()))?;
    print(&format!(
        "wrote {}: the built-in policy, commented; edit it, then run `shipgate validate`\n",
        path.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}
