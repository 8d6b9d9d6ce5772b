//! The command line: clap's types, the dispatch of each command ([`check`], [`policy`]:
//! init, explain and validate, [`hook`]), and how an error that stopped one is shown.
//! clap stays here: each command turns its arguments into plain values before anything
//! else sees them.

mod audit;
mod check;
mod generated;
mod hook;
mod packages;
mod policy;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum as _};

use crate::error::Code;
use crate::gather::env::Env;
use crate::report::output::{Output, Stream};
use crate::report::{self, Format};
use audit::AuditArgs;
use check::CheckArgs;
use hook::{HookCommand, PrePushArgs};
use policy::PolicyArgs;

/// The exit codes, as every `--help` that lists them shows them. The README's list is the
/// same text (tests/cli.rs compares them), so the two cannot drift apart.
pub(crate) const EXIT_CODES: &str = "  0  pass, or overridden (warnings allowed)
  1  blocked: a required piece of evidence is missing
  2  could not decide: bad arguments, bad policy, unknown revision, missing history, a file
     it needed that does not parse, an event it does not handle, an API answer it needed
     and could not get (each error has a stable code, listed in the README)";

/// `--help`'s closing section for a command whose exit code is a check's.
fn exit_codes_help() -> String {
    format!("Exit codes:\n{EXIT_CODES}")
}

/// The version `--version` prints, with the commit it was built from when the build knew
/// it (build.rs).
const VERSION: &str = env!("SHIPGATE_VERSION");

#[derive(Debug, Parser)]
#[command(
    name = "shipgate",
    version = VERSION,
    about = "Release gate: merge any time, but a full release ships with docs, a template, a feature flag and Marketing told.",
    after_help = exit_codes_help(),
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

impl Cli {
    /// The report format the command line asks for, if it is `check` and names one.
    pub fn format(&self) -> Option<Format> {
        match &self.command {
            Command::Check(args) => args.format,
            Command::Audit(args) => args.format.document(),
            _ => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Judge a change (the commits of BASE..HEAD and the diff since their merge-base).
    #[command(after_help = exit_codes_help())]
    Check(CheckArgs),
    /// Judge every release tag in history as a push of it is judged: one row per release.
    #[command(after_help = audit::EXIT_CODES_HELP)]
    Audit(AuditArgs),
    /// Write the built-in policy, with comments, to .shipgate.yml.
    Init {
        /// Replace an existing .shipgate.yml.
        #[arg(long)]
        force: bool,
        /// Also write a `packages:` section: one package for each workspace member found in
        /// the working tree (Cargo's [workspace] members, package.json's workspaces,
        /// pnpm-workspace.yaml's packages).
        #[arg(long)]
        packages: bool,
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
        action: HookCommand,
    },
    /// Judge every ref of a push, as git's pre-push hook: reads git's stdin.
    PrePush(PrePushArgs),
    /// Print the completion script for a shell.
    #[command(after_help = generated::COMPLETIONS_HELP)]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a manual page (roff): shipgate's, or one command's.
    #[command(after_help = generated::MAN_HELP)]
    Man {
        /// The command whose page to print (`check`, `hook install`) [default: shipgate's own
        /// page, which lists the commands].
        #[arg(value_name = "COMMAND")]
        command: Vec<String>,
    },
}

/// Runs a command, writing everything through `out`; `Err` is "could not decide" and
/// exits 2 (see [`report_error`]).
pub fn run(cli: Cli, out: &mut Output<'_>) -> Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check::run(args, out),
        Command::Audit(args) => audit::run(args, out),
        Command::Init {
            force,
            packages,
            repo,
        } => policy::init(&repo, force, packages, out),
        Command::Explain { keys: true, .. } => policy::keys(out),
        Command::Explain { policy, .. } => policy::explain(&policy, out),
        Command::Validate(args) => policy::validate(&args, out),
        Command::Hook { action } => hook::hook(action, out),
        Command::PrePush(args) => hook::pre_push(args, out),
        Command::Completions { shell } => generated::completions(shell, out),
        Command::Man { command } => generated::man(&command, out),
    }
}

/// Says why a command could not decide: the error on stderr, and where a format promises
/// a document on stdout (`json`, `gitlab`), the error as that document, so that whatever
/// reads stdout still gets what it expects. Where a runner reads the streams, the error
/// also becomes an `::error` annotation, shown on the run's page: on stdout, or on stderr
/// when stdout holds a document.
pub fn report_error(out: &mut Output<'_>, error: &anyhow::Error, format: Option<Format>) {
    let message = crate::error::message(error);
    // Nothing is left to report a failed write to.
    let _ = out.eprint(&report::text::error(error));
    let _ = error_document(out, Code::of(error), &message, format);
}

/// The stdout part of [`report_error`].
fn error_document(
    out: &mut Output<'_>,
    code: Code,
    message: &str,
    format: Option<Format>,
) -> Result<()> {
    let mut annotation_on = Stream::Stdout;
    match format {
        Some(Format::Json) => {
            out.print(&report::json::render_error(code, message))?;
            annotation_on = Stream::Stderr;
        }
        Some(Format::Gitlab) => {
            // The environment may be what failed; a bad CI_CONFIG_PATH only loses the hint.
            let ci_config = Env::from_process()
                .get("CI_CONFIG_PATH")
                .ok()
                .flatten()
                .map(str::to_owned);
            let path = report::gitlab::error_anchor(ci_config.as_deref());
            out.print(&report::gitlab::render_error(code, message, &path))?;
            annotation_on = Stream::Stderr;
        }
        Some(Format::Text | Format::Github) | None => {}
    }
    if out.commands_read() || format == Some(Format::Github) {
        out.command(annotation_on, &report::github::error_command(message))?;
    }
    Ok(())
}

/// clap rejected the command line (`args`, the program's name first). Its help and
/// version go out as clap writes them; an error goes through `out` like any other, with
/// the code `bad-arguments`, and as a document when the arguments asked for `--format
/// json` or `gitlab`, even though they could not be read as a whole. Returns the exit
/// code: 2 for an error, as for any other "could not decide".
pub fn usage_error(out: &mut Output<'_>, error: &clap::Error, args: &[OsString]) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    let _ = out.eprint(&error.render().ansi().to_string());
    let plain = error.render().to_string();
    let message = plain.strip_prefix("error: ").unwrap_or(&plain).trim_end();
    let _ = error_document(out, Code::BadArguments, message, format_in_args(args));
    ExitCode::from(2)
}

/// The `--format` that raw arguments name (`--format json` or `--format=json`; the last
/// one wins), for when clap could not read them.
pub(crate) fn format_in_args(args: &[OsString]) -> Option<Format> {
    let mut found = None;
    let mut args = args.iter().skip(1).map(|a| a.to_str());
    while let Some(arg) = args.next() {
        let value = match arg {
            Some("--") => break,
            Some("--format") => args.next().flatten(),
            Some(a) => a.strip_prefix("--format="),
            None => None,
        };
        if let Some(format) = value.and_then(|v| Format::from_str(v, false).ok()) {
            found = Some(format);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::check::show;
    use super::*;
    use crate::entry::{Checked, Outcome};
    use crate::escape::{hidden, lines_visible, strip_styles, visible};
    use crate::report::github::runner::{self, Matching, Names};
    use crate::report::github::tests::props::{report as any_report, text};
    use proptest::prelude::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_format_is_found_in_arguments_clap_refused() {
        let f = |args: &[&str]| format_in_args(&os(args));
        assert_eq!(
            f(&["shipgate", "check", "--format", "json", "--bogus"]),
            Some(Format::Json)
        );
        assert_eq!(
            f(&["shipgate", "check", "--format=gitlab"]),
            Some(Format::Gitlab)
        );
        assert_eq!(
            f(&["shipgate", "check", "--format=json", "--format", "text"]),
            Some(Format::Text)
        );
        assert_eq!(f(&["shipgate", "check", "--format", "yaml"]), None);
        assert_eq!(f(&["shipgate", "check", "--format"]), None);
        assert_eq!(f(&["shipgate", "check", "--", "--format", "json"]), None);
        assert_eq!(
            f(&["--format", "json"]),
            None,
            "the program's own name is no argument"
        );
    }

    /// What `f` writes on stdout and stderr, with the streams read for workflow commands
    /// (`GITHUB_ACTIONS=true`) or not.
    fn captured(actions: bool, f: impl FnOnce(&mut Output<'_>)) -> (String, String) {
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        f(&mut Output::new(actions, &mut stdout, &mut stderr));
        (
            String::from_utf8(stdout).unwrap(),
            String::from_utf8(stderr).unwrap(),
        )
    }

    /// The commands a runner reads from `stream`, which must be the same whether `::` and
    /// `##[` are matched code unit by code unit or skipping ignorable characters.
    fn read(stream: &str) -> Vec<runner::Command> {
        let ordinal = runner::commands(stream, Names::Any, Matching::Ordinal);
        let culture = runner::commands(stream, Names::Any, Matching::Culture);
        assert_eq!(ordinal, culture, "{stream:?}");
        ordinal
    }

    /// One of our commands as the runner reads it back.
    fn as_read(c: &crate::report::output::Command) -> runner::Command {
        runner::Command {
            name: c.name.to_owned(),
            properties: c
                .properties
                .iter()
                .map(|(k, v)| ((*k).to_owned(), visible(v).into_owned()))
                .collect(),
            data: lines_visible(&c.data),
        }
    }

    /// Nothing a reader cannot see on a stream, but line feeds (and styles, which the
    /// terminal stream keeps or drops).
    fn nothing_hidden(stream: &str) -> bool {
        !strip_styles(stream).chars().any(|c| c != '\n' && hidden(c))
    }

    fn formats() -> impl Strategy<Value = Format> {
        prop::sample::select(vec![
            Format::Text,
            Format::Json,
            Format::Github,
            Format::Gitlab,
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 200,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// An error that quotes anything (a trailer, a flag stage, a path, an input) yields,
        /// on both streams under Actions, no workflow command but our one annotation with
        /// the error as its data; a document format still gets its document.
        #[test]
        fn an_error_yields_only_our_annotation(
            message in text(),
            cause in text(),
            format in prop::option::of(formats()),
        ) {
            let error = anyhow::anyhow!(cause).context(message);
            let full = format!("{error:#}");
            let ours = vec![as_read(&report::github::error_command(&full))];
            let document = matches!(format, Some(Format::Json | Format::Gitlab));
            let (stdout, stderr) = captured(true, |o| report_error(o, &error, format));
            prop_assert_eq!(read(&stdout), if document { vec![] } else { ours.clone() });
            prop_assert_eq!(read(&stderr), if document { ours } else { vec![] });
            match format {
                Some(Format::Json) => {
                    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                    prop_assert_eq!(&doc["error"]["message"], &serde_json::json!(full));
                    prop_assert_eq!(&doc["error"]["code"], "other");
                }
                Some(Format::Gitlab) => {
                    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                    prop_assert_eq!(doc.as_array().map(Vec::len), Some(1));
                    prop_assert_eq!(&doc[0]["severity"], "blocker");
                }
                _ => {}
            }
            // Outside Actions the same error shows nothing invisible.
            let (stdout, stderr) = captured(false, |o| report_error(o, &error, format));
            prop_assert!(nothing_hidden(&stdout) && nothing_hidden(&stderr));
        }

        /// A check's whole output (warnings, the report in every format, a run with nothing
        /// to judge) under Actions holds exactly the commands we mean, on stdout, and none
        /// on stderr; JSON reads back as the report.
        #[test]
        fn a_check_yields_only_our_commands(
            report in any_report(),
            warnings in prop::collection::vec(text(), 0..3),
            nothing in prop::option::of(text()),
            format in formats(),
        ) {
            let checked = Checked {
                outcome: match &nothing {
                    Some(why) => Outcome::Nothing(why.clone()),
                    None => Outcome::Judged(Box::new(report.clone())),
                },
                format,
                warnings: warnings.clone(),
                output_file: None,
                summary_file: None,
                repo: PathBuf::from("/nonexistent"),
            };
            let (stdout, stderr) = captured(true, |o| {
                show(&checked, None, o).unwrap();
            });
            let mut want = Vec::new();
            if format == Format::Github {
                want.extend(warnings.iter().map(|w| as_read(&report::github::warning_command(w))));
                match &nothing {
                    Some(why) => want.push(as_read(&report::github::notice_command(why))),
                    None => want.extend(report::github::commands(&report).iter().map(as_read)),
                }
            }
            prop_assert_eq!(read(&stdout), want);
            prop_assert_eq!(read(&stderr), vec![]);
            if format == Format::Json && nothing.is_none() {
                let back: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                prop_assert_eq!(back, serde_json::to_value(&report).unwrap());
            }
            let (stdout, stderr) = captured(false, |o| {
                show(&checked, None, o).unwrap();
            });
            prop_assert!(nothing_hidden(&stdout) && nothing_hidden(&stderr));
        }

        /// Arguments that clap refuses, quoting whatever they hold.
        #[test]
        fn a_refused_command_line_yields_only_our_annotation(
            value in text(),
            extra in text(),
            format in prop::option::of(formats()),
        ) {
            let mut args = vec!["shipgate".to_owned(), "check".to_owned(), "--stage".to_owned(), value];
            if let Some(f) = format {
                args.push(format!("--format={}", f.to_possible_value().unwrap().get_name()));
            }
            args.push(format!("--bogus{extra}"));
            let args: Vec<OsString> = args.into_iter().map(OsString::from).collect();
            let error = Cli::try_parse_from(&args).unwrap_err();
            let mut code = None;
            let (stdout, stderr) = captured(true, |o| code = Some(usage_error(o, &error, &args)));
            prop_assert_eq!(code, Some(ExitCode::from(2)));
            let document = matches!(format, Some(Format::Json | Format::Gitlab));
            let (on_stdout, on_stderr) = (read(&stdout), read(&stderr));
            let annotations = if document { &on_stderr } else { &on_stdout };
            prop_assert_eq!(annotations.len(), 1);
            prop_assert_eq!(&annotations[0].name, "error");
            let others = if document { &on_stdout } else { &on_stderr };
            prop_assert!(others.is_empty());
            if format == Some(Format::Json) {
                let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                prop_assert_eq!(&doc["error"]["code"], "bad-arguments");
            }
        }
    }
}
