//! `shipgate audit` (SPEC §14): every release tag in history judged as a push of that tag
//! is, oldest first, shown as one row per release; how a team sees what the gate would
//! have said of its past releases before it adopts it.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::gather::env::Env;
use crate::gather::github::Access;
use crate::gather::secret::Secret;
use crate::gather::{NoLinks, posthog};
use crate::judge::verdict::Verdict;
use crate::pipeline::audit::{self, AuditRequest};
use crate::report::Format;
use crate::report::audit::{self as rows, Row};
use crate::report::output::Output;

/// `--help`'s closing section: the audit's exit codes, which are not a check's.
pub(super) const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  the report, whatever the releases' verdicts
  1  with --fail-on-blocked: a release was blocked
  2  could not judge: bad arguments (a --package the policy lacks, a --since that is not a
     release tag), a policy at some release that does not parse, missing history";

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// The repository (any folder inside it).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) repo: PathBuf,
    /// Judge every release with this policy file instead of the policy at its previous
    /// release (to try a policy on a history that never had one).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Only this package's releases (`.` is the root package).
    #[arg(long, value_name = "NAME")]
    pub(crate) package: Option<String>,
    /// Only the releases after this release tag (those its history does not hold).
    #[arg(long, value_name = "TAG")]
    pub(crate) since: Option<String>,
    /// How to print the releases.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: AuditFormat,
    /// Exit 1 when any release was blocked.
    #[arg(long)]
    pub(crate) fail_on_blocked: bool,
}

/// How `audit` prints its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AuditFormat {
    /// A table for people.
    Text,
    /// `{"schema": 1, "releases": [...]}`.
    Json,
    /// A GitHub-flavoured Markdown table, for a step summary or a wiki page.
    Markdown,
}

impl AuditFormat {
    /// The report format whose document takes the place of the rows on an error.
    pub(super) fn document(self) -> Option<Format> {
        match self {
            AuditFormat::Json => Some(Format::Json),
            AuditFormat::Text | AuditFormat::Markdown => None,
        }
    }
}

/// Runs `shipgate audit`.
pub(super) fn run(args: AuditArgs, out: &mut Output<'_>) -> Result<ExitCode> {
    let env = Env::from_process();
    let request = AuditRequest {
        repo: args.repo,
        config: args.config,
        package: args.package,
        since: args.since,
        // As `check` has it on the command line: what the clone says of origin's.
        default_branch: vec!["refs/remotes/origin/HEAD".to_owned()],
        // A policy may extend one shared on GitHub (`GITHUB_TOKEN`, `GITHUB_API_URL`).
        github: Some(Access::from_env(&env)?),
        // As `check` reads it: a flag registry may be a PostHog project. No heads-up is
        // sent: an audit reports on releases already made.
        posthog_key: posthog::key_from_env(&env)?.map(Secret::new),
    };
    let plan = audit::plan(&request)?;
    let bar = progress(
        plan.len(),
        show_progress(std::io::stderr().is_terminal(), &env),
    );
    let mut judged = Vec::with_capacity(plan.len());
    for i in 0..plan.len() {
        let release = plan.judge(i, &NoLinks);
        bar.inc(1);
        let release = match release {
            Ok(release) => release,
            Err(e) => {
                bar.finish_and_clear();
                return Err(e);
            }
        };
        judged.extend(
            release
                .packages
                .iter()
                .map(|package| rows::row(package, &release.tag, &release.commit, &release.report)),
        );
    }
    bar.finish_and_clear();
    out.print(&match args.format {
        AuditFormat::Text => rows::text(&judged),
        AuditFormat::Json => rows::json(&judged),
        AuditFormat::Markdown => rows::markdown(&judged),
    })?;
    Ok(exit_code(&judged, args.fail_on_blocked))
}

/// 0 for the report; 1 only when asked to fail on a blocked release and one was.
fn exit_code(rows: &[Row], fail_on_blocked: bool) -> ExitCode {
    if fail_on_blocked && rows.iter().any(|r| r.verdict == Verdict::Blocked) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A progress bar is for someone watching a terminal: never in CI (`CI` set, as every CI
/// system sets it, GitHub Actions and GitLab CI among them), where it would fill the log
/// with redraws, nor when stderr goes to a file or a pipe.
fn show_progress(stderr_is_terminal: bool, env: &Env) -> bool {
    stderr_is_terminal && !matches!(env.get("CI"), Ok(Some(_)) | Err(_))
}

/// The bar on stderr, or a hidden one that draws nothing. It shows counts only: tag names
/// come from strangers and go out through the reports alone, escaped.
fn progress(len: usize, shown: bool) -> ProgressBar {
    if !shown {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("judging releases {bar:30} {pos}/{len}") {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_shows_on_a_terminal_outside_ci_only() {
        let none = Env::from_pairs([]);
        assert!(show_progress(true, &none));
        assert!(!show_progress(false, &none));
        assert!(!show_progress(true, &Env::from_pairs([("CI", "true")])));
        assert!(!show_progress(true, &Env::from_pairs([("CI", "1")])));
        // An empty variable is an unset one, as CI systems pass unset inputs.
        assert!(show_progress(true, &Env::from_pairs([("CI", "")])));
        assert!(progress(3, false).is_hidden());
    }
}
