//! Real pushes: a repository and a bare remote in temp dirs, wired as `git clone` leaves
//! them (`origin/HEAD`, `main` tracking `origin/main`), with shipgate's hook installed
//! by the binary under test, and `git push` run for real.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

use crate::common::Repo;

pub struct Clone {
    pub repo: Repo,
    remote: TempDir,
    /// HOME for `git push` and the hook it runs: no user configuration.
    home: TempDir,
}

impl Clone {
    /// A remote whose `main` holds one commit (README.txt), and a clone of it.
    pub fn new() -> Clone {
        let repo = Repo::new();
        let remote = TempDir::new().expect("temp remote");
        let home = TempDir::new().expect("temp home");
        repo.git_in(remote.path(), &["init", "-q", "--bare", "-b", "main"]);
        repo.write("README.txt", "hello\n");
        repo.commit("initial");
        repo.git(&["remote", "add", "origin", text(remote.path())]);
        repo.git(&["push", "-q", "-u", "origin", "main"]);
        repo.git(&["remote", "set-head", "origin", "--auto"]);
        Clone { repo, remote, home }
    }

    /// Like [`Clone::new`], with shipgate's hook installed.
    pub fn with_hook() -> Clone {
        let clone = Clone::new();
        clone.install(&[]);
        clone
    }

    pub fn remote(&self) -> &Path {
        self.remote.path()
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// `shipgate hook install` plus `args`; panics unless it succeeds.
    pub fn install(&self, args: &[&str]) -> String {
        let out = self
            .repo
            .shipgate()
            .args(["hook", "install"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "install: {}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    /// A clean environment for git and the hooks it runs.
    pub fn env(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1");
    }

    /// `git push` with `args` in `dir`, `vars` added to the environment; never panics.
    pub fn push_in(&self, dir: &Path, vars: &[(&str, &str)], args: &[&str]) -> Output {
        let mut cmd = Command::new("git");
        self.env(&mut cmd);
        cmd.envs(vars.iter().copied())
            .current_dir(dir)
            .arg("push")
            .args(args)
            .output()
            .expect("git runs")
    }

    pub fn push(&self, args: &[&str]) -> Output {
        self.push_in(self.repo.path(), &[], args)
    }

    pub fn push_with(&self, vars: &[(&str, &str)], args: &[&str]) -> Output {
        self.push_in(self.repo.path(), vars, args)
    }

    /// The remote's refs, as `refname sha` lines.
    pub fn remote_refs(&self) -> Vec<String> {
        let out = self.repo.git_in(
            self.remote(),
            &["for-each-ref", "--format=%(refname) %(objectname)"],
        );
        out.lines().map(str::to_owned).collect()
    }

    /// The remote's sha for `refname`, if it has that ref.
    pub fn remote_sha(&self, refname: &str) -> Option<String> {
        self.remote_refs().into_iter().find_map(|line| {
            let (name, sha) = line.split_once(' ')?;
            (name == refname).then(|| sha.to_owned())
        })
    }

    /// Starts branch `name` from `main` with one commit adding `file`.
    pub fn branch_with_commit(&self, name: &str, file: &str, message: &str) -> String {
        self.repo.git(&["checkout", "-q", "-b", name, "main"]);
        self.repo.write(file, "// change\n");
        self.repo.commit(message)
    }
}

pub fn text(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts that git refused the push because the hook failed, and returns its stderr.
pub fn refused(out: &Output) -> String {
    let err = stderr(out);
    assert_ne!(out.status.code(), Some(0), "the push went through: {err}");
    assert!(
        err.contains("failed to push some refs"),
        "git did not stop the push: {err}"
    );
    err
}

/// Asserts that the push went through, and returns its stderr.
pub fn pushed(out: &Output) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(0), "the push failed: {err}");
    err
}
