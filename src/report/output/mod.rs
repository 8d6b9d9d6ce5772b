//! The one way out. Every byte shipgate writes to stdout or stderr (reports, warnings,
//! notes, errors, `explain`, `validate`, `init`, the hook's messages, the pre-push report)
//! passes through an [`Output`]; only clap's own `--help` and `--version` do not.
//!
//! Two paths lead out:
//!
//! - **text** ([`Output::print`], [`Output::eprint`]): anything, meant as plain text.
//!   Where a GitHub Actions runner reads the streams for workflow commands
//!   (`GITHUB_ACTIONS=true`, or `--format github`), every line of it is defused
//!   ([`defuse`]), on stdout and on stderr alike. Everywhere else, every character that
//!   cannot be seen but a line feed (and the text format's own styles) is shown as a
//!   `\u{..}` escape ([`shown`]).
//! - **commands** ([`Output::command`]): a [`Command`] that shipgate itself means (an
//!   annotation, a notice), written as exactly one workflow command line.
//!
//! Renderers still escape each piece of untrusted text for its own context (a report line
//! must not break in two); this is where nothing that slipped past them gets out.

pub(crate) mod json;

use std::io::Write;

use anyhow::{Context as _, Result};

use crate::escape::{defuse, lines_visible, shown, strip_styles, visible};

/// Where a piece of output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

/// stdout and stderr, and whether a runner reads them for workflow commands.
pub struct Output<'a> {
    commands_read: bool,
    stdout: Box<dyn Write + 'a>,
    stderr: Box<dyn Write + 'a>,
}

impl Output<'static> {
    /// The process's streams, through anstream (which drops styles where they would not
    /// show). A runner reads them when `GITHUB_ACTIONS` is `true`.
    pub fn from_process() -> Output<'static> {
        let actions = std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true");
        Output::new(actions, anstream::stdout(), anstream::stderr())
    }
}

impl<'a> Output<'a> {
    pub(crate) fn new(
        commands_read: bool,
        stdout: impl Write + 'a,
        stderr: impl Write + 'a,
    ) -> Output<'a> {
        Output {
            commands_read,
            stdout: Box::new(stdout),
            stderr: Box::new(stderr),
        }
    }

    /// From now on the streams are taken to be read for workflow commands (`--format
    /// github` says so even outside `GITHUB_ACTIONS`).
    pub(crate) fn read_for_commands(&mut self) {
        self.commands_read = true;
    }

    /// Whether the streams are read for workflow commands.
    pub(crate) fn commands_read(&self) -> bool {
        self.commands_read
    }

    /// Writes text to stdout.
    pub(crate) fn print(&mut self, text: &str) -> Result<()> {
        self.write(Stream::Stdout, text)
    }

    /// Writes text to stderr.
    pub(crate) fn eprint(&mut self, text: &str) -> Result<()> {
        self.write(Stream::Stderr, text)
    }

    /// Writes text to `stream`, made inert for whoever reads it (see the module docs).
    pub(crate) fn write(&mut self, stream: Stream, text: &str) -> Result<()> {
        if self.commands_read {
            let safe = defuse(&strip_styles(text));
            self.raw(stream, &safe)
        } else {
            let safe = shown(text);
            self.raw(stream, &safe)
        }
    }

    /// Writes one of shipgate's own workflow commands, on a line of its own.
    pub(crate) fn command(&mut self, stream: Stream, command: &Command) -> Result<()> {
        let line = command.line() + "\n";
        self.raw(stream, &line)
    }

    fn raw(&mut self, stream: Stream, bytes: &str) -> Result<()> {
        let out = match stream {
            Stream::Stdout => &mut self.stdout,
            Stream::Stderr => &mut self.stderr,
        };
        match out.write_all(bytes.as_bytes()).and_then(|()| out.flush()) {
            // A closed pipe (`shipgate check | head`) is the reader's choice, not a failure.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other
                .context("could not write the report")
                .map_err(|e| crate::error::Code::Io.tag(e)),
        }
    }
}

/// A workflow command that shipgate means: `::name key=value,...::data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command {
    /// `error`, `warning` or `notice`: only shipgate's own names.
    pub(crate) name: &'static str,
    /// In the order `@actions/core` writes them.
    pub(crate) properties: Vec<(&'static str, String)>,
    pub(crate) data: String,
}

impl Command {
    /// The command as one line, without its line feed. Values are made [`visible`] (data
    /// keeps its line breaks) and then escaped exactly as `@actions/core` does it, so the
    /// line cannot end early and the runner reads back exactly these values.
    pub(crate) fn line(&self) -> String {
        let mut out = format!("::{}", self.name);
        for (i, (key, value)) in self.properties.iter().enumerate() {
            out.push(if i == 0 { ' ' } else { ',' });
            out.push_str(key);
            out.push('=');
            out.push_str(&escape_property(&visible(value)));
        }
        out.push_str("::");
        out.push_str(&escape_data(&lines_visible(&self.data)));
        out
    }
}

/// `@actions/core`'s `escapeData`.
pub(crate) fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `@actions/core`'s `escapeProperty`.
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(commands_read: bool, f: impl FnOnce(&mut Output<'_>)) -> (String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        f(&mut Output::new(commands_read, &mut out, &mut err));
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn text_is_defused_on_both_streams_where_a_runner_reads_them() {
        let text =
            "error: commit 1: `Release: ##[error]forged`\n::set-output name=v::pass\r\n\u{2028}x\n";
        let (out, err) = both(true, |o| {
            o.print(text).unwrap();
            o.eprint(text).unwrap();
        });
        let want = "error: commit 1: `Release: #\\u{23}[error]forged`\n\\u{3a}:set-output name=v::pass\\u{d}\n\\u{2028}x\n";
        assert_eq!(out, want);
        assert_eq!(err, want);
    }

    #[test]
    fn elsewhere_only_what_cannot_be_seen_is_escaped() {
        let (out, err) = both(false, |o| {
            o.print("\x1b[1mstage\x1b[0m ##[x]\n").unwrap();
            o.eprint("a\u{feff}b\n::c\n").unwrap();
        });
        assert_eq!(out, "\x1b[1mstage\x1b[0m ##[x]\n");
        assert_eq!(err, "a\\u{feff}b\n::c\n");
    }

    #[test]
    fn our_commands_are_written_as_they_are() {
        let command = Command {
            name: "error",
            properties: vec![("title", "a: b, c\u{200b}".to_owned())],
            data: "one\r\ntwo %\u{2028}".to_owned(),
        };
        let (out, err) = both(true, |o| o.command(Stream::Stdout, &command).unwrap());
        assert_eq!(
            out,
            "::error title=a%3A b%2C c\\u{200b}::one%0Atwo %25\\u{2028}\n"
        );
        assert_eq!(err, "");
    }
}
