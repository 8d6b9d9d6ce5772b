//! The local gate on the command line: `shipgate hook install | uninstall`, and
//! `shipgate pre-push`, what the installed hook runs (SPEC §10). The work is in
//! [`crate::entry::hook_install`] and [`crate::entry::pre_push`].

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::entry::hook_install::{install, uninstall};
use crate::entry::pre_push;
use crate::gather::env::Env;
use crate::report::output::Output;

#[derive(Debug, Subcommand)]
pub(crate) enum HookCommand {
    /// Write an executable pre-push hook that runs `shipgate pre-push` on every push.
    ///
    /// The hook goes where git looks for hooks: `core.hooksPath` when set, else the
    /// repository's hooks folder (shared by all its worktrees). Running it again updates
    /// shipgate's own hook; a hook written by anything else is left alone unless --force.
    Install {
        /// Replace a pre-push hook that shipgate did not write.
        #[arg(long)]
        force: bool,
        /// The repository (any folder inside it).
        #[arg(long, value_name = "DIR", default_value = ".")]
        repo: PathBuf,
    },
    /// Remove the pre-push hook, if it is shipgate's; any other hook is left alone.
    Uninstall {
        /// The repository (any folder inside it).
        #[arg(long, value_name = "DIR", default_value = ".")]
        repo: PathBuf,
    },
}

/// What git passes to a pre-push hook, plus what the pre-commit framework passes instead.
#[derive(Debug, Args)]
#[command(after_help = pre_push_help())]
pub(crate) struct PrePushArgs {
    /// The remote's name, or its URL when the push named none (git's first argument).
    #[arg(required_unless_present = "from_env")]
    pub(crate) remote: Option<String>,
    /// The URL pushed to (git's second argument).
    #[arg(required_unless_present = "from_env")]
    pub(crate) url: Option<String>,
    /// Read the push from the PRE_COMMIT_* variables that the pre-commit framework sets
    /// for a pre-push hook, instead of git's arguments and stdin.
    #[arg(long, conflicts_with_all = ["remote", "url"])]
    pub(crate) from_env: bool,
    /// The repository [default: $GIT_DIR when git sets it, else the current folder].
    #[arg(long, value_name = "DIR")]
    pub(crate) repo: Option<PathBuf>,
}

/// `pre-push --help`'s closing sections: what the hook reads, and its exit codes, which are
/// a check's ([`super::EXIT_CODES`]) for the worst of the pushed refs.
fn pre_push_help() -> String {
    format!(
        "\
Reads one line per pushed ref on stdin: <local-ref> <local-sha> <remote-ref> <remote-sha>.
Labels do not exist before a push; SHIPGATE_STAGE and SHIPGATE_LABELS (comma-separated)
stand in for them. SHIPGATE_BASE or `git config shipgate.base REV` sets the base of a new
branch when the remote's default branch (refs/remotes/<remote>/HEAD) is not the one.

Exit codes, for the worst of the pushed refs (git stops the push on 1 and 2):
{}",
        super::EXIT_CODES
    )
}

/// Runs `shipgate hook install | uninstall`.
pub(super) fn hook(command: HookCommand, out: &mut Output<'_>) -> Result<ExitCode> {
    let message = match command {
        HookCommand::Install { force, repo } => install(&repo, force)?,
        HookCommand::Uninstall { repo } => uninstall(&repo)?,
    };
    out.print(&message)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs `shipgate pre-push`: 0 when every ref may be pushed, 1 when one is blocked, and
/// `Err` (exit 2) when the push could not be read at all. The report goes to stderr, which
/// git shows to whoever pushes.
pub(super) fn pre_push(args: PrePushArgs, out: &mut Output<'_>) -> Result<ExitCode> {
    let env = Env::from_process();
    let push = pre_push::Args {
        remote: args.remote,
        from_env: args.from_env,
        repo: args.repo,
    };
    let code = pre_push::run(
        &push,
        &env,
        &mut std::io::stdin().lock(),
        &mut |text: &str| out.eprint(text),
    )?;
    Ok(ExitCode::from(code))
}
