//! Names the commit the binary is built from, for `shipgate --version`
//! (`shipgate 1.2.0 (1a2b3c4d5e)`).
//!
//! The commit comes from, in order: `SHIPGATE_BUILD_COMMIT` (CI sets it, and a Docker build
//! passes it in, since its context holds no `.git`); git, when this package's folder is the
//! top of a checkout (a package vendored into another repository never takes that
//! repository's commit); the `.cargo_vcs_info.json` that `cargo package` writes into a
//! crates.io package; else none, and the version is the bare version. Nothing here makes the
//! build fail: without git, or with a git that cannot read the checkout, the version simply
//! names no commit.
//!
//! tests/cli.rs includes this file as a module and calls [`commit`] on made-up folders.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable that names the commit when the build cannot ask git.
const COMMIT_VAR: &str = "SHIPGATE_BUILD_COMMIT";

/// How many digits of the commit the version shows, as shipgate shows every commit.
const SHORT: usize = 10;

fn main() {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let from_env = std::env::var(COMMIT_VAR).ok();
    let found = commit(&dir, from_env.as_deref(), OsStr::new("git"));
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed={COMMIT_VAR}");
    for path in &found.watch {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    for warning in &found.warnings {
        println!("cargo:warning={warning}");
    }
    println!(
        "cargo:rustc-env=SHIPGATE_VERSION={}",
        version_line(&version, found.commit.as_deref())
    );
}

/// What [`commit`] found, and what to tell cargo.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// The full commit id, lower-case.
    pub commit: Option<String>,
    /// Files whose change means another commit: git's HEAD and the ref it is on.
    pub watch: Vec<PathBuf>,
    pub warnings: Vec<String>,
}

/// `1.2.0 (1a2b3c4d5e)`, or `1.2.0` when no commit is known.
pub fn version_line(version: &str, commit: Option<&str>) -> String {
    match commit {
        Some(id) => format!("{version} ({})", &id[..SHORT.min(id.len())]),
        None => version.to_owned(),
    }
}

/// The commit that the package in `dir` is built from: `from_env` (the value of
/// `SHIPGATE_BUILD_COMMIT`), else what `git` (the program to run) says, else
/// `.cargo_vcs_info.json`.
pub fn commit(dir: &Path, from_env: Option<&str>, git: &OsStr) -> Found {
    let mut found = Found::default();
    if let Some(value) = from_env.map(str::trim).filter(|v| !v.is_empty()) {
        if is_commit_id(value) {
            found.commit = Some(value.to_ascii_lowercase());
            return found;
        }
        found.warnings.push(format!(
            "{COMMIT_VAR} is `{value}`, which is no commit id (7 to 64 hex digits); it is ignored"
        ));
    }
    if let Some((id, watch)) = from_git(dir, git) {
        found.commit = Some(id);
        found.watch = watch;
        return found;
    }
    let info = dir.join(".cargo_vcs_info.json");
    if info.is_file() {
        found.watch.push(info.clone());
        found.commit = std::fs::read_to_string(&info)
            .ok()
            .and_then(|text| packaged_commit(&text));
    }
    found
}

fn is_commit_id(text: &str) -> bool {
    (7..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// HEAD of the checkout whose top is `dir`, and the files to watch for it to move.
fn from_git(dir: &Path, git: &OsStr) -> Option<(String, Vec<PathBuf>)> {
    let ask = |args: &[&str]| -> Option<String> {
        let out = Command::new(git)
            .arg("-C")
            .arg(dir)
            .args(args)
            // A build run from a git hook inherits the hook's repository; this one is
            // found from `dir` instead.
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_COMMON_DIR")
            .env_remove("GIT_INDEX_FILE")
            .output()
            .ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        out.status.success().then(|| text.trim().to_owned())
    };
    let top = ask(&["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    let head = ask(&["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])?;
    if !is_commit_id(&head) {
        return None;
    }
    let path = |name: &str| ask(&["rev-parse", "--git-path", name]).map(|p| dir.join(p));
    let mut watch: Vec<PathBuf> = ["HEAD", "packed-refs"]
        .into_iter()
        .filter_map(path)
        .filter(|p| p.exists())
        .collect();
    // A commit moves the branch HEAD is on: its loose ref, or, while the ref is only
    // packed, the folder its loose ref will be written to.
    if let Some(branch) = ask(&["symbolic-ref", "--quiet", "HEAD"])
        && let Some(loose) = path(&branch)
        && let Some(existing) = loose.ancestors().find(|p| p.exists())
    {
        watch.push(existing.to_path_buf());
    }
    Some((head.to_ascii_lowercase(), watch))
}

/// The commit `cargo package` recorded in `.cargo_vcs_info.json`
/// (`{"git": {"sha1": "..."}, "path_in_vcs": ""}`), unless it was packaged from a tree with
/// changes of its own (`"dirty": true`), which no commit describes.
fn packaged_commit(json: &str) -> Option<String> {
    let compact: String = json.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.contains("\"dirty\":true") {
        return None;
    }
    let rest = &compact[compact.find("\"sha1\":\"")? + "\"sha1\":\"".len()..];
    let id = &rest[..rest.find('"')?];
    is_commit_id(id).then(|| id.to_ascii_lowercase())
}
