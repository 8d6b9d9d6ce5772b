//! git itself, for the tests of this module that set shipgate's reading against git's.

use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

/// git in `dir`, with no user or system configuration, so that what it does is its
/// default, and a fixed identity and date.
pub(super) fn command(dir: &Path, home: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "A")
        .env("GIT_AUTHOR_EMAIL", "a@example.com")
        .env("GIT_AUTHOR_DATE", "1700000000 +0000")
        .env("GIT_COMMITTER_NAME", "A")
        .env("GIT_COMMITTER_EMAIL", "a@example.com")
        .env("GIT_COMMITTER_DATE", "1700000000 +0000")
        .env("LC_ALL", "C");
    cmd
}

/// Runs git in `dir`; returns its stdout, and fails the test when git fails.
pub(super) fn git(dir: &Path, args: &[&str]) -> Vec<u8> {
    let home = TempDir::new().unwrap();
    let out = command(dir, home.path())
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
