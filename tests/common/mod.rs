//! Real git repositories in temp dirs, built with the git CLI under a fixed identity,
//! fixed dates and no user or system configuration, and the real shipgate binary.

#![allow(dead_code)]

pub mod github_server;
pub mod posthog_server;
pub mod slack_server;

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::Command as BinCommand;
use tempfile::TempDir;

pub struct Repo {
    dir: TempDir,
    home: TempDir,
    /// Each commit is one minute after the previous one, so ids never depend on the clock.
    tick: Cell<u32>,
}

impl Repo {
    /// An empty repository on branch `main`.
    pub fn new() -> Repo {
        let repo = Repo {
            dir: TempDir::new().expect("temp dir"),
            home: TempDir::new().expect("temp home"),
            tick: Cell::new(0),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// A repository with one commit holding a README, and a branch `base` at it.
    pub fn with_base() -> Repo {
        let repo = Repo::new();
        repo.write("README.txt", "hello\n");
        repo.commit("initial");
        repo.git(&["branch", "base"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn env(&self, cmd: &mut Command) {
        let date = format!("2024-01-01T00:{:02}:00Z", self.tick.get() % 60);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ada Lovelace")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada Lovelace")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
    }

    /// Runs git in the repository and returns its trimmed stdout; panics on failure.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(self.path(), args)
    }

    /// A clone of `branch` (a branch or a tag) one commit deep, at `into/clone`, made over
    /// file:// so that git really makes it shallow: what CI checkouts give by default.
    pub fn shallow_clone(&self, branch: &str, into: &Path) -> PathBuf {
        let url = format!("file://{}", self.path().display());
        let clone = into.join("clone");
        let dest = clone.to_str().expect("a UTF-8 path");
        self.git_in(
            into,
            &[
                "clone", "-q", "--depth", "1", "--branch", branch, &url, dest,
            ],
        );
        clone
    }

    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        self.env(&mut cmd);
        let out = cmd.current_dir(dir).args(args).output().expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_owned()
    }

    pub fn write(&self, path: &str, contents: &str) {
        self.write_bytes(path.as_bytes(), contents.as_bytes());
    }

    pub fn write_bytes(&self, path: &[u8], contents: &[u8]) {
        use std::os::unix::ffi::OsStrExt;
        let full = self.path().join(std::ffi::OsStr::from_bytes(path));
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, contents).unwrap();
    }

    pub fn remove(&self, path: &str) {
        std::fs::remove_file(self.path().join(path)).unwrap();
    }

    /// Stages everything and commits; returns the new commit's id.
    pub fn commit(&self, message: &str) -> String {
        self.tick.set(self.tick.get() + 1);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// The shipgate binary, run in the repository with a clean environment.
    pub fn shipgate(&self) -> BinCommand {
        let mut cmd = BinCommand::cargo_bin("shipgate").expect("binary built");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .current_dir(self.path());
        cmd
    }

    /// `shipgate check --base base --format json` plus `args`; returns exit code and JSON.
    pub fn check_json(&self, args: &[&str]) -> (i32, serde_json::Value) {
        let out = self
            .shipgate()
            .args(["check", "--base", "base", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        let code = out.status.code().expect("exit code");
        let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "no JSON report ({e}); exit {code}; stdout: {}; stderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (code, json)
    }

    /// Runs check expecting it to fail with exit 2; returns stderr.
    pub fn check_error(&self, args: &[&str]) -> String {
        let out = self.shipgate().arg("check").args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "expected exit 2; stdout: {}; stderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "no report on an error");
        String::from_utf8(out.stderr).unwrap()
    }

    /// Where `tmp_file` puts `name`.
    pub fn tmp_file_path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    pub fn tmp_file(&self, name: &str, contents: &str) -> PathBuf {
        let p = self.home.path().join(name);
        std::fs::write(&p, contents).unwrap();
        p
    }
}

/// The status of requirement `id` in a JSON report.
pub fn status<'a>(report: &'a serde_json::Value, id: &str) -> &'a str {
    requirement(report, id)["status"].as_str().unwrap()
}

pub fn requirement<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no requirement {id} in {report:#}"))
}

/// Content of a complete full release: docs, a template and a flag entry.
pub fn complete_release(repo: &Repo) {
    repo.write("docs/replay.md", "# Replay\n");
    repo.write("templates/replay.json", "{}\n");
    repo.write(
        "feature-flags.yml",
        "flags:\n  session-replay-v2:\n    stage: beta\n    owner: team-replay\n",
    );
}
