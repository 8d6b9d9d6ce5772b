//! `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY`: the outputs `stage`, `verdict` and
//! `missing` in heredoc syntax under a random delimiter, and the Markdown summary,
//! appended to the files the runner reads after the step.

use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};

use super::SUMMARY_LIMIT;
use super::log::missing_ids;
use super::markdown::{Limits, markdown};
use crate::escape::visible;
use crate::judge::verdict::Report;
use crate::names::name;

/// `stage`, `verdict` and `missing` in the `GITHUB_OUTPUT` heredoc syntax
/// (`name<<DELIM\nvalue\nDELIM\n`), under `delimiter` (pass a fresh [`delimiter()`]).
///
/// `missing` is the comma-separated ids of the missing *required* requirements, in policy
/// order, also when the gate was overridden; it is empty for a pass. Warn-level ones are
/// left out: `missing` answers "what stops this release", and a warning stops nothing
/// (the summary and the annotations list them). With packages, a package other than the
/// root names its own as `<package>/<id>` (`web/docs`), package after package.
///
/// Refuses, like `@actions/core`, a name or value that contains the delimiter; and,
/// because all three outputs are single-line, a value with a line break (a Windows runner
/// would drop a `\r` before the delimiter line), or an id that is empty or holds the `,`
/// that separates ids. A valid policy never produces any of these.
pub(crate) fn outputs(report: &Report, delimiter: &str) -> Result<String> {
    let ids = missing_ids(report);
    for id in &ids {
        if id.is_empty() || id.contains(',') {
            bail!(
                "cannot write the `missing` output: requirement id {:?} is empty or holds a \
                 comma, which separates ids there; requirement ids in a valid policy are \
                 kebab-case",
                visible(id)
            );
        }
    }
    let missing = ids.join(",");
    heredoc(
        &[
            ("stage", report.stage.as_str()),
            ("verdict", name(&report.verdict)),
            ("missing", missing.as_str()),
        ],
        delimiter,
    )
}

/// Outputs in the `GITHUB_OUTPUT` heredoc syntax, refusing what would not read back as
/// exactly these one-line values.
fn heredoc(pairs: &[(&str, &str)], delimiter: &str) -> Result<String> {
    if delimiter.is_empty() || delimiter.contains(['\r', '\n']) {
        bail!(
            "the GITHUB_OUTPUT delimiter {delimiter:?} is empty or holds a line break; \
             use a fresh one from github::delimiter()"
        );
    }
    let mut out = String::new();
    for &(name, value) in pairs {
        if name.contains(delimiter) || value.contains(delimiter) {
            bail!(
                "cannot write the `{name}` output: it contains the heredoc delimiter \
                 {delimiter:?}; use a fresh one from github::delimiter()"
            );
        }
        if value.contains(['\r', '\n']) {
            bail!(
                "cannot write the `{name}` output: its value {:?} holds a line break, and the \
                 output is one line; stage names in a valid policy are kebab-case",
                visible(value)
            );
        }
        let _ = write!(out, "{name}<<{delimiter}\n{value}\n{delimiter}\n");
    }
    Ok(out)
}

/// A `ghadelimiter_<uuid>` heredoc delimiter, random like the one `@actions/core` uses, so
/// that no value can end an output early by guessing it.
pub(crate) fn delimiter() -> Result<String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| {
        anyhow!("could not get random bytes for the GITHUB_OUTPUT delimiter from the OS: {e}")
    })?;
    // A version-4 UUID, as the toolkit writes it.
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!(
        "ghadelimiter_{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// Appends [`outputs`] (under a fresh [`delimiter()`]) to the `GITHUB_OUTPUT` file and
/// [`super::summary`] to the `GITHUB_STEP_SUMMARY` file, for each path that is given.
///
/// Both files must exist (the runner creates them for each step), as `@actions/core`
/// requires. The summary is cut to the room left under [`SUMMARY_LIMIT`] by what the step
/// wrote there before; when not even the verdict fits, nothing is added, because a file
/// over the limit loses the whole summary. Never touches `GITHUB_ENV` or `GITHUB_PATH`.
pub(crate) fn write_files(
    report: &Report,
    output: Option<&Path>,
    summary: Option<&Path>,
) -> Result<()> {
    if let Some(path) = output {
        let text = outputs(report, &delimiter()?)?;
        append(path, "GITHUB_OUTPUT", |_| Some(text))?;
    }
    if let Some(path) = summary {
        append(path, "GITHUB_STEP_SUMMARY", |existing| {
            let room = SUMMARY_LIMIT.saturating_sub(existing + 1);
            let text = markdown(report, "", &Limits::summary(room));
            (!text.is_empty()).then_some(text)
        })?;
    }
    Ok(())
}

/// The outputs of a run that had nothing to judge (a deleted branch or tag): it passes,
/// with no stage and nothing missing, so a later step's `verdict == 'blocked'` stays
/// false.
pub(crate) fn write_nothing_outputs(output: Option<&Path>) -> Result<()> {
    let Some(path) = output else { return Ok(()) };
    let text = heredoc(
        &[("stage", ""), ("verdict", "pass"), ("missing", "")],
        &delimiter()?,
    )?;
    append(path, "GITHUB_OUTPUT", |_| Some(text))
}

/// Appends what `text` returns for the file's current length, on a line of its own.
fn append(path: &Path, var: &str, text: impl FnOnce(usize) -> Option<String>) -> Result<()> {
    let shown = path.display();
    // Opened without waiting and refused unless a regular file: a FIFO there would hold
    // the step until something read it.
    let (mut file, meta) =
        crate::gather::disk::open_regular(OpenOptions::new().read(true).append(true), path).with_context(
            || {
                format!(
                    "{var} names `{shown}`, which could not be opened for appending; the runner \
                     creates that file for each step: run inside a GitHub Actions step, or unset {var}"
                )
            },
        )?;
    let len = meta.len();
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    let Some(text) = text(len) else {
        return Ok(());
    };
    // Another writer may have left its last line open; ours must start on a line of its
    // own, or the runner would read our first line as part of theirs.
    let mut prefix = "";
    if len > 0 && ends_without_newline(&mut file) {
        prefix = "\n";
    }
    file.write_all(format!("{prefix}{text}").as_bytes())
        .and_then(|()| file.flush())
        .with_context(|| format!("could not append to `{shown}` ({var})"))
}

/// Whether the file's last byte is not a newline; a file that cannot seek (a pipe) counts
/// as ending with one.
fn ends_without_newline(file: &mut File) -> bool {
    let mut last = [0u8; 1];
    file.seek(SeekFrom::End(-1)).is_ok() && file.read_exact(&mut last).is_ok() && last[0] != b'\n'
}
