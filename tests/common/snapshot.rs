//! Long outputs pinned as files under `tests/snapshots/`, so that a change of output is one
//! reviewed diff. A snapshot file holds the output byte for byte, except for what differs
//! from run to run: temp paths and the random heredoc delimiter, redacted to placeholders.
//!
//! `SNAPSHOTS=overwrite cargo test --locked` writes what the tests see; `git diff
//! tests/snapshots` is the review. Under CI the files are only compared: a missing or
//! differing snapshot fails, whatever `SNAPSHOTS` says.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use snapbox::assert::Action;
use snapbox::{Assert, Data, Redactions};

/// The variable that snapbox reads to overwrite snapshots.
const ACTION_VAR: &str = snapbox::assert::DEFAULT_ACTION_ENV;

/// Where snapshot `name` lives.
pub fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name)
}

/// Whether this is a CI run, by the rule insta and most CI tools share: `CI` set to
/// anything but empty, `0` or `false`.
pub fn is_ci(ci: Option<&str>) -> bool {
    !matches!(ci, None | Some("" | "0" | "false"))
}

/// What to do with a differing or missing snapshot. Under CI only `verify` is allowed, so
/// that a `SNAPSHOTS=overwrite` (or `skip`, `ignore`) left in a CI environment cannot write
/// or pass a snapshot that nobody reviewed.
pub fn action(ci: Option<&str>, snapshots: Option<&str>) -> Action {
    if is_ci(ci) {
        return Action::Verify;
    }
    snapshots
        .and_then(Action::with_env_value)
        .unwrap_or(Action::Verify)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Placeholders for the temp paths and the delimiter, in the snapshot's words.
pub fn redactions(values: &[(&'static str, &str)]) -> Redactions {
    let mut redactions = Redactions::new();
    for &(placeholder, value) in values {
        redactions
            .insert(placeholder, value.to_owned())
            .expect("a placeholder in brackets");
    }
    redactions
}

/// Asserts that `actual`, redacted, equals snapshot `name` byte for byte.
#[track_caller]
pub fn assert_snapshot(name: &str, actual: &str, redact: &[(&'static str, &str)]) {
    let action = action(env("CI").as_deref(), env(ACTION_VAR).as_deref());
    if let Err(message) = compare(name, actual, redact, action) {
        panic!("{message}");
    }
}

/// Compares `actual`, redacted, with snapshot `name`; with [`Action::Overwrite`], writes
/// it instead of failing.
pub fn compare(
    name: &str,
    actual: &str,
    redact: &[(&'static str, &str)],
    action: Action,
) -> Result<(), String> {
    let file = path(name);
    let actual = redactions(redact).redact(actual);
    // Raw: no wildcards, no path or line-ending filters of snapbox's own; the text as is.
    let expected = Data::read_from(&file, None).raw();
    let assert = Assert::new().action(action).normalize_paths(false);
    assert
        .try_eq(Some(&name), Data::text(actual.clone()), expected)
        .map_err(|err| {
            format!(
                "{err}\nsnapshot {}: if the new output is right, run \
                 `{ACTION_VAR}=overwrite cargo test --locked` outside CI and review `git diff \
                 tests/snapshots`",
                file.display()
            )
        })?;
    if action == Action::Verify {
        // snapbox reads CRLF as LF even in raw mode; the snapshot is the bytes themselves.
        let stored = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        if stored != actual.as_bytes() {
            return Err(format!(
                "snapshot {} differs from the output in its line endings",
                file.display()
            ));
        }
    }
    Ok(())
}

/// The random part of the heredoc delimiter in a `GITHUB_OUTPUT` file: what follows
/// `ghadelimiter_` on the first line (`stage<<ghadelimiter_<uuid>`), to redact as
/// `[RANDOM]`. Empty when the file does not start so, and then nothing is redacted and
/// the snapshot shows what is there instead.
pub fn delimiter(github_output: &str) -> &str {
    github_output
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("stage<<ghadelimiter_"))
        .unwrap_or_default()
}
