//! shipgate through the pre-commit framework: `.pre-commit-hooks.yaml` as shipped, taken
//! by a real `pre-commit install --hook-type pre-push`, and real `git push`es.
//!
//! pre-commit comes from `$SHIPGATE_TEST_PRE_COMMIT`, else from PATH, else it is
//! installed from PyPI into a virtualenv kept under cargo's target folder (once; later
//! runs reuse it). When none of that works the tests fail under `CI=true` and are
//! skipped, saying so, elsewhere.

mod common;
#[path = "common/push.rs"]
mod push;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::{Repo, complete_release};
use push::{Clone, stderr, text};

/// The version installed when pre-commit is not at hand.
const PRE_COMMIT: &str = "pre-commit==4.7.0";
const BLOCKED: &str = "blocked: a full release needs docs, template, feature-flag, marketing";
const RELEASE: &str = "feat: session replay v2\n\nRelease: full";

fn pre_commit() -> Option<&'static Path> {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match FOUND.get_or_init(find_or_install) {
        Ok(path) => Some(path),
        Err(why) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("pre-commit is needed for these tests under CI: {why}")
        }
        Err(why) => {
            eprintln!("skipping the pre-commit tests: {why}");
            None
        }
    }
}

fn find_or_install() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("SHIPGATE_TEST_PRE_COMMIT") {
        return Ok(PathBuf::from(path));
    }
    let on_path = Command::new("pre-commit").arg("--version").output();
    if on_path.is_ok_and(|o| o.status.success()) {
        return Ok(PathBuf::from("pre-commit"));
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-venv");
    let exe = venv.join("bin/pre-commit");
    // Written last: a venv without it is a broken install, made again from scratch.
    let ready = venv.join("shipgate-ready");
    if std::fs::read_to_string(&ready).is_ok_and(|v| v == PRE_COMMIT) {
        return Ok(exe);
    }
    let _ = std::fs::remove_dir_all(&venv);
    let run = |cmd: &mut Command| -> Result<(), String> {
        let out = cmd
            .output()
            .map_err(|e| format!("could not run {cmd:?}: {e}"))?;
        if !out.status.success() {
            return Err(format!("{cmd:?} failed: {}", stderr(&out)));
        }
        Ok(())
    };
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(venv.join("bin/python")).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        PRE_COMMIT,
    ]))?;
    std::fs::write(&ready, PRE_COMMIT).map_err(|e| e.to_string())?;
    Ok(exe)
}

/// A clone whose pre-push hook is pre-commit's, configured with shipgate's hook from a
/// hooks repository that holds this crate's `.pre-commit-hooks.yaml`.
struct Framework {
    clone: Clone,
    /// The hooks repository, as pre-commit clones it by path and revision.
    _hooks: Repo,
    /// shipgate's folder first on PATH: a `language: system` hook runs `shipgate`.
    path: String,
}

impl Framework {
    fn new(pre_commit: &Path) -> Framework {
        let hooks = Repo::new();
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
        hooks.write(
            ".pre-commit-hooks.yaml",
            &std::fs::read_to_string(manifest).unwrap(),
        );
        let rev = hooks.commit("hooks");

        let clone = Clone::new();
        clone.repo.write(
            ".pre-commit-config.yaml",
            &format!(
                "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: shipgate\n",
                text(hooks.path())
            ),
        );
        clone.repo.commit("chore: pre-commit");
        clone.repo.git(&["push", "-q", "origin", "main"]);

        let bin = assert_cmd::cargo::cargo_bin("shipgate");
        let path = format!(
            "{}:{}",
            bin.parent().unwrap().display(),
            std::env::var("PATH").unwrap()
        );
        let framework = Framework {
            clone,
            _hooks: hooks,
            path,
        };
        let out = framework.run(pre_commit, &["install", "--hook-type", "pre-push"]);
        assert!(out.status.success(), "pre-commit install: {}", stderr(&out));
        framework
    }

    fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PATH", self.path.clone()),
            // pre-commit's cache of hook repositories, apart from the user's.
            (
                "PRE_COMMIT_HOME",
                format!("{}/pre-commit", text(self.clone.home())),
            ),
        ]
    }

    fn run(&self, pre_commit: &Path, args: &[&str]) -> Output {
        let mut cmd = Command::new(pre_commit);
        self.clone.env(&mut cmd);
        cmd.envs(self.vars())
            .current_dir(self.clone.repo.path())
            .args(args)
            .output()
            .expect("pre-commit runs")
    }

    /// Pushes; returns whether it went through, and what git and pre-commit said. git
    /// gives a hook's stdout to its own stdout, and pre-commit shows a hook's output on
    /// its stdout, so the report is read from both.
    fn push(&self, args: &[&str]) -> (bool, String) {
        let vars = self.vars();
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let out = self.clone.push_with(&vars, args);
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        (out.status.success(), said)
    }
}

#[test]
fn the_manifest_is_valid_for_pre_commit() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let out = Command::new(pre_commit)
        .arg("validate-manifest")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        stderr(&out),
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn a_plain_branch_passes_and_a_release_without_docs_is_rejected() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let fw = Framework::new(pre_commit);
    fw.clone
        .branch_with_commit("feature", "src/fix.rs", "fix: a bug");
    let (went, said) = fw.push(&["origin", "feature"]);
    assert!(went, "{said}");
    assert!(said.contains("shipgate release gate"), "{said}");
    assert!(said.contains("Passed"), "{said}");
    assert!(fw.clone.remote_sha("refs/heads/feature").is_some());

    fw.clone
        .branch_with_commit("release", "src/replay.rs", RELEASE);
    let (went, said) = fw.push(&["origin", "release"]);
    assert!(!went, "{said}");
    assert!(said.contains("Failed"), "{said}");
    assert!(said.contains("failed to push some refs"), "{said}");
    assert!(
        said.contains("shipgate: refs/heads/release -> origin refs/heads/release\n"),
        "{said}"
    );
    assert!(said.contains(BLOCKED), "{said}");
    assert_eq!(fw.clone.remote_sha("refs/heads/release"), None);
}

#[test]
fn a_complete_release_passes_and_a_stable_tag_without_docs_is_rejected() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let fw = Framework::new(pre_commit);
    fw.clone.repo.git(&["checkout", "-q", "-b", "release"]);
    complete_release(&fw.clone.repo);
    fw.clone
        .repo
        .commit("feat: session replay v2\n\nRelease: full\nMarketing-Notified: #launch");
    let (went, said) = fw.push(&["origin", "release"]);
    assert!(went, "{said}");
    assert!(said.contains("Passed"), "{said}");

    fw.clone.repo.git(&["checkout", "-q", "main"]);
    fw.clone.repo.write("src/replay.rs", "// replay\n");
    fw.clone.repo.commit("feat: replay");
    fw.clone.repo.git(&["tag", "v1.0.0"]);
    let (went, said) = fw.push(&["origin", "v1.0.0"]);
    assert!(!went, "{said}");
    assert!(
        said.contains("shipgate: refs/tags/v1.0.0 -> origin refs/tags/v1.0.0\n"),
        "{said}"
    );
    assert!(said.contains(BLOCKED), "{said}");
    assert_eq!(fw.clone.remote_sha("refs/tags/v1.0.0"), None);
}

// ---- `--from-env` without the framework -------------------------------------------------

fn from_env(clone: &Clone, vars: &[(&str, &str)]) -> Output {
    clone
        .repo
        .shipgate()
        .args(["pre-push", "--from-env"])
        .envs(vars.iter().copied())
        .output()
        .unwrap()
}

#[test]
fn from_env_without_pre_commit_variables_is_an_error() {
    let clone = Clone::new();
    let out = from_env(&clone, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "error: --from-env reads the push from the variables the pre-commit framework sets"
        ),
        "{err}"
    );
    assert!(err.contains("`shipgate hook install`"), "{err}");

    let sha = clone.repo.git(&["rev-parse", "HEAD"]);
    let out = from_env(&clone, &[("PRE_COMMIT_TO_REF", &sha)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("only one of PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF is set"));

    let out = from_env(
        &clone,
        &[
            ("PRE_COMMIT_FROM_REF", "HEAD~1"),
            ("PRE_COMMIT_TO_REF", &sha),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("PRE_COMMIT_FROM_REF `HEAD~1` is not a full object name"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn from_env_with_a_local_branch_that_names_nothing_says_why() {
    let clone = Clone::new();
    let out = from_env(
        &clone,
        &[
            ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/gone"),
            ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/gone"),
            ("PRE_COMMIT_REMOTE_NAME", "origin"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: PRE_COMMIT_LOCAL_BRANCH `refs/heads/gone` names nothing in this repository: no \
         branch, tag or commit is named `refs/heads/gone` here; pre-commit sets it to the branch \
         being pushed, so run shipgate through pre-commit's pre-push hook\n"
    );
}

#[test]
fn from_env_judges_the_range_or_a_push_that_reaches_a_root_commit() {
    let clone = Clone::new();
    let base = clone.repo.git(&["rev-parse", "HEAD"]);
    let tip = clone.branch_with_commit("release", "src/replay.rs", RELEASE);
    let out = from_env(
        &clone,
        &[
            ("PRE_COMMIT_FROM_REF", &base),
            ("PRE_COMMIT_TO_REF", &tip),
            ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/release"),
            ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/release"),
            ("PRE_COMMIT_REMOTE_NAME", "origin"),
            ("PRE_COMMIT_REMOTE_URL", text(clone.remote())),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("shipgate: refs/heads/release -> origin refs/heads/release\n"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "range    {}..{}, 1 commit, 1 file\n",
            &base[..10],
            &tip[..10]
        )),
        "{err}"
    );

    // Without a range, pre-commit found no commit of the push on the remote: the
    // branch is judged as a new one.
    let out = from_env(
        &clone,
        &[
            ("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/release"),
            ("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/release"),
            ("PRE_COMMIT_REMOTE_NAME", "origin"),
            ("PRE_COMMIT_REMOTE_URL", text(clone.remote())),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("note: the branch is new on the remote: the change is what origin/main, the remote's default branch, lacks\n"),
        "{}",
        stderr(&out)
    );
}
