//! `shipgate completions` and `shipgate man`: text generated from the clap definitions of
//! this folder, so that a shell's completions and the manual never disagree with `--help`.
//!
//! They are subcommands rather than files made at build time: a package manager, a
//! Dockerfile or a user runs them against the very binary they install, and tests run
//! them like any other command.

use std::process::ExitCode;

use anyhow::{Context as _, Result, anyhow};
use clap::CommandFactory as _;
use clap::builder::{Resettable, StyledStr};
use roff::{Roff, bold, roman};

use super::{Cli, VERSION};
use crate::error::Code;
use crate::report::output::Output;

pub(super) const COMPLETIONS_HELP: &str = "\
Install the script where your shell looks for completions, for example:
  bash  shipgate completions bash > ~/.local/share/bash-completion/completions/shipgate
  zsh   shipgate completions zsh > ~/.zfunc/_shipgate   (with fpath+=~/.zfunc in ~/.zshrc)
  fish  shipgate completions fish > ~/.config/fish/completions/shipgate.fish";

pub(super) const MAN_HELP: &str = "\
For example: shipgate man > ~/.local/share/man/man1/shipgate.1, and
shipgate man check > ~/.local/share/man/man1/shipgate-check.1; then `man shipgate`.";

/// Prints the completion script for `shell`.
pub(super) fn completions(shell: clap_complete::Shell, out: &mut Output<'_>) -> Result<ExitCode> {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_owned();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut script);
    out.print(&String::from_utf8(script).context("the completion script is not UTF-8")?)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the manual page of the command that `path` names under `shipgate` (none:
/// shipgate's own page, which lists the commands).
pub(super) fn man(path: &[String], out: &mut Output<'_>) -> Result<ExitCode> {
    let mut root = Cli::command();
    // Built, every command knows its full name (`shipgate-check`) and the version.
    root.build();
    let mut page = &root;
    let mut shown = root.get_name().to_owned();
    for name in path {
        page = page.find_subcommand(name).ok_or_else(|| {
            let known: Vec<&str> = page
                .get_subcommands()
                .filter(|c| !c.is_hide_set())
                .map(|c| c.get_name())
                .collect();
            let what = match known.is_empty() {
                true => format!("`{shown}` has no commands"),
                false => format!("its commands are {}", known.join(", ")),
            };
            Code::BadArguments.tag(anyhow!(
                "`{shown}` has no command `{name}`, so there is no page for it; {what}"
            ))
        })?;
        shown = format!("{shown} {}", page.get_name());
    }
    out.print(&render_page(page).context("could not render the manual page")?)?;
    Ok(ExitCode::SUCCESS)
}

/// `page` as clap_mangen renders it, but for the exit codes: where `--help` ends with them
/// ([`super::EXIT_CODES`]), the page has an EXIT STATUS section with one entry per code,
/// which a man reader lays out as a list, instead of lines that it would run together.
fn render_page(page: &clap::Command) -> Result<String> {
    let after = page.get_after_help().map(ToString::to_string);
    let split = after.as_deref().and_then(split_exit_codes);
    let mut page = page.clone();
    if let Some((prose, _, _)) = split {
        page = match prose {
            Some(prose) => page.after_help(prose.to_owned()),
            None => page.after_help(Resettable::<StyledStr>::Reset),
        };
    }
    let mut roff = Vec::new();
    // The footer names the program and its version, on every command's page alike.
    clap_mangen::Man::new(page)
        .source(format!("shipgate {VERSION}"))
        .render(&mut roff)?;
    let mut text = String::from_utf8(roff).context("the manual page is not UTF-8")?;
    if let Some((_, heading, codes)) = split {
        // Among the sections, before VERSION; without the preamble that the page has once.
        let section = exit_status(heading, codes).render();
        let preamble = Roff::new().render();
        let section = section.strip_prefix(&preamble).unwrap_or(&section);
        let at = text.find("\n.SH VERSION\n").map_or(text.len(), |i| i + 1);
        text.insert_str(at, section);
    }
    Ok(text)
}

/// A `--help` epilogue that ends with the exit codes, split into the prose before them (if
/// any), the heading that introduces them (`Exit codes, for the worst of the pushed refs
/// (...)`) and the codes: [`super::EXIT_CODES`], or a command's own list in the same layout
/// (`audit`'s).
fn split_exit_codes(after: &str) -> Option<(Option<&str>, &str, &str)> {
    let at = if after.starts_with("Exit codes") {
        0
    } else {
        after.rfind("\nExit codes")? + 1
    };
    let (heading, codes) = after[at..].split_once('\n')?;
    let prose = Some(after[..at].trim_end()).filter(|p| !p.is_empty());
    Some((prose, heading, codes))
}

/// The EXIT STATUS section: what the heading says of the codes beyond "Exit codes", then
/// one tagged paragraph per code.
fn exit_status(heading: &str, codes: &str) -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    let qualifier = heading
        .trim_start_matches("Exit codes")
        .trim_start_matches(',')
        .trim_end_matches(':')
        .trim();
    if !qualifier.is_empty() {
        let mut first = qualifier.chars();
        let sentence: String = first
            .next()
            .map(|c| c.to_uppercase().chain(first).collect())
            .unwrap_or_default();
        roff.text([roman(format!("{sentence}."))]);
    }
    for (code, meaning) in exit_codes(codes) {
        roff.control("TP", []);
        roff.text([bold(code)]);
        roff.text([roman(meaning)]);
    }
    roff
}

/// The entries of a list of exit codes laid out as [`super::EXIT_CODES`] is: each code with its
/// meaning, its wrapped lines joined.
pub(super) fn exit_codes(codes: &str) -> Vec<(String, String)> {
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in codes.lines() {
        let line = line.trim();
        match line.split_once("  ") {
            Some((code, meaning)) if code.bytes().all(|b| b.is_ascii_digit()) => {
                entries.push((code.to_owned(), meaning.trim().to_owned()));
            }
            _ => {
                if let Some((_, meaning)) = entries.last_mut() {
                    meaning.push(' ');
                    meaning.push_str(line);
                }
            }
        }
    }
    entries
}
