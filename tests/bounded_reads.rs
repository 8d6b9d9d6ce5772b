//! Every file shipgate reads must be a regular file within its cap: a device, a FIFO, a
//! folder, a link where none is allowed or an over-size file is exit 2 at once, with a
//! message saying what the file is, what it is instead and what to do. Never a hang,
//! never an unbounded read: every run here has a deadline, after which it is killed and
//! the test fails.
//!
//! Values taken from the environment and the event payload are capped too.

#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use common::Repo;

/// Long enough for any run on a loaded machine; a run that waits on a FIFO never ends.
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs `cmd` under the deadline, expecting exit 2; returns stderr.
fn refused(cmd: &mut Command) -> String {
    let out = cmd.timeout(DEADLINE).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2 (a run killed at the deadline has none); stderr: {stderr}"
    );
    stderr
}

fn fifo(path: &Path) -> PathBuf {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success());
    path.to_path_buf()
}

/// A file of `len` bytes that takes no room on disk.
fn sparse(path: &Path, len: u64) -> PathBuf {
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
    path.to_path_buf()
}

fn symlink(target: &Path, link: &Path) -> PathBuf {
    std::os::unix::fs::symlink(target, link).unwrap();
    link.to_path_buf()
}

/// The files every input is tried with, and what each is said to be: `/dev/zero`, a FIFO
/// with no writer, a folder, a link to the FIFO, and a file one byte over `cap`.
fn bad_files(repo: &Repo, cap: u64) -> Vec<(PathBuf, String)> {
    let dir = repo.tmp_file_path("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let pipe = fifo(&dir.join("fifo"));
    vec![
        (
            PathBuf::from("/dev/zero"),
            "a character device, not a regular file".to_owned(),
        ),
        (
            pipe.clone(),
            "a FIFO (named pipe), not a regular file".to_owned(),
        ),
        (dir.clone(), "a folder, not a regular file".to_owned()),
        (
            symlink(&pipe, &dir.join("link")),
            "a FIFO (named pipe), not a regular file".to_owned(),
        ),
        (
            sparse(&dir.join("big"), cap + 1),
            format!("{} bytes, over its cap of {}", cap + 1, size(cap)),
        ),
    ]
}

fn size(cap: u64) -> String {
    match cap {
        c if c % (1024 * 1024) == 0 => format!("{} MiB", c / 1024 / 1024),
        c => format!("{} KiB", c / 1024),
    }
}

fn show(path: &Path) -> String {
    path.display().to_string()
}

const POLICY_FIX: &str = "pass --config a regular YAML file of at most 256 KiB";

#[test]
fn config_files_that_are_no_regular_file_are_refused_by_every_command() {
    let repo = Repo::with_base();
    for (path, is) in bad_files(&repo, 256 * 1024) {
        let want = format!("error: --config `{}` is {is}; {POLICY_FIX}\n", show(&path));
        for command in [
            &["check", "--base", "base"][..],
            &["validate"],
            &["explain"],
        ] {
            let err = refused(repo.shipgate().args(command).arg("--config").arg(&path));
            assert_eq!(err, want, "{command:?}");
        }
    }
}

#[test]
fn a_config_link_to_a_regular_file_is_followed() {
    // An explicit path is the user's choice; the file it leads to passes the same checks.
    let repo = Repo::with_base();
    let real = repo.tmp_file("real.yml", "version: 1\n");
    let link = symlink(&real, &repo.tmp_file_path("link.yml"));
    let out = repo
        .shipgate()
        .args(["validate", "--config"])
        .arg(&link)
        .timeout(DEADLINE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{}: valid (3 stages, 4 requirements)\n", show(&link))
    );
}

#[test]
fn body_files_that_are_no_regular_file_are_refused() {
    let repo = Repo::with_base();
    for (path, is) in bad_files(&repo, 1024 * 1024) {
        let err = refused(
            repo.shipgate()
                .args(["check", "--base", "base", "--body-file"])
                .arg(&path),
        );
        assert_eq!(
            err,
            format!(
                "error: --body-file `{}` is {is}; pass --body-file a regular file holding the \
                 pull-request body, of at most 1 MiB\n",
                show(&path)
            )
        );
    }
}

#[test]
fn event_payloads_that_are_no_regular_file_are_refused() {
    let repo = Repo::with_base();
    for (path, is) in bad_files(&repo, 25 * 1024 * 1024) {
        let err = refused(
            repo.shipgate()
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_EVENT_NAME", "pull_request")
                .env("GITHUB_EVENT_PATH", &path)
                .args(["check", "--format", "text"]),
        );
        assert_eq!(
            err,
            format!(
                "error: the event payload (GITHUB_EVENT_PATH) `{}` is {is}; GITHUB_EVENT_PATH \
                 must name the event file that the runner writes for the step, a regular JSON \
                 file of at most 25 MiB\n",
                show(&path)
            )
        );
    }
}

const WORKING_TREE_FIX: &str = "a policy is read only as a regular YAML file of at most 256 KiB \
at its path, as `check` reads it at a commit: put the policy itself there";

#[test]
fn a_working_tree_policy_that_is_a_link_or_a_fifo_is_refused_by_validate_and_explain() {
    let repo = Repo::with_base();
    repo.write("real.yml", "version: 1\n");
    let policy = repo.path().join(".shipgate.yml");
    let top = repo.git(&["rev-parse", "--show-toplevel"]);
    let shown = format!("{top}/.shipgate.yml");

    symlink(Path::new("real.yml"), &policy);
    for command in ["validate", "explain"] {
        let err = refused(repo.shipgate().arg(command));
        assert_eq!(
            err,
            format!("error: the policy `{shown}` is a symbolic link; {WORKING_TREE_FIX}\n"),
            "{command}"
        );
    }
    // A link that leads nowhere is no reason to fall back to the built-in policy.
    std::fs::remove_file(&policy).unwrap();
    symlink(Path::new("gone.yml"), &policy);
    let err = refused(repo.shipgate().arg("validate"));
    assert_eq!(
        err,
        format!("error: the policy `{shown}` is a symbolic link; {WORKING_TREE_FIX}\n")
    );

    std::fs::remove_file(&policy).unwrap();
    fifo(&policy);
    for command in ["validate", "explain"] {
        let err = refused(repo.shipgate().arg(command));
        assert_eq!(
            err,
            format!(
                "error: the policy `{shown}` is a FIFO (named pipe), not a regular file; \
                 {WORKING_TREE_FIX}\n"
            ),
            "{command}"
        );
    }

    // `.github/shipgate.yml` is read the same way.
    std::fs::remove_file(&policy).unwrap();
    std::fs::create_dir(repo.path().join(".github")).unwrap();
    symlink(
        Path::new("../real.yml"),
        &repo.path().join(".github/shipgate.yml"),
    );
    let err = refused(repo.shipgate().arg("explain"));
    assert_eq!(
        err,
        format!(
            "error: the policy `{top}/.github/shipgate.yml` is a symbolic link; {WORKING_TREE_FIX}\n"
        )
    );
}

#[test]
fn a_working_tree_policy_over_its_cap_is_refused() {
    let repo = Repo::with_base();
    sparse(&repo.path().join(".shipgate.yml"), 256 * 1024 + 1);
    let top = repo.git(&["rev-parse", "--show-toplevel"]);
    let err = refused(repo.shipgate().arg("validate"));
    assert_eq!(
        err,
        format!(
            "error: the policy `{top}/.shipgate.yml` is 262145 bytes, over its cap of 256 KiB; \
             {WORKING_TREE_FIX}\n"
        )
    );
}

// ---- values from the event payload and the environment ----------------------------------

/// A `workflow_dispatch` step whose payload holds `inputs`.
fn dispatch(repo: &Repo, inputs: &str) -> (Command, PathBuf) {
    let event = repo.tmp_file("event.json", &format!(r#"{{"inputs": {inputs}}}"#));
    let mut cmd = repo.shipgate();
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "workflow_dispatch")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_SHA", repo.git(&["rev-parse", "HEAD"]))
        .args(["check", "--format", "text"]);
    (cmd, event)
}

const PAYLOAD_ADVICE: &str = "GitHub sends nothing that long there (a revision, a ref, a label \
or a stage name; a pull request's body is at most 65,536 characters): check what wrote the \
payload or the workflow's inputs";

#[test]
fn an_over_long_dispatch_input_is_refused_naming_the_field() {
    let repo = Repo::with_base();
    let (mut cmd, event) = dispatch(&repo, &format!(r#"{{"head": "{}"}}"#, "x".repeat(4097)));
    assert_eq!(
        refused(&mut cmd),
        format!(
            "error: {}: `inputs.head` in the event payload is 4097 bytes, over its cap of 4 KiB; \
             {PAYLOAD_ADVICE}\n",
            show(&event)
        )
    );
    // At the cap it is read (and then names no revision).
    let (mut cmd, _) = dispatch(&repo, &format!(r#"{{"head": "{}"}}"#, "x".repeat(4096)));
    let err = refused(&mut cmd);
    assert!(err.starts_with("error: unknown revision `xxxx"), "{err}");
}

#[test]
fn an_over_long_pull_request_body_or_label_is_refused_naming_the_field() {
    let repo = Repo::with_base();
    let base = repo.git(&["rev-parse", "base"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let payload = |body: &str, label: &str| {
        format!(
            r#"{{"pull_request": {{"number": 1, "body": "{body}", "labels": [{{"name": "{label}"}}],
                "base": {{"sha": "{base}"}}, "head": {{"sha": "{head}"}}}}}}"#
        )
    };
    let run = |text: String| {
        let event = repo.tmp_file("pr.json", &text);
        let mut cmd = repo.shipgate();
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .args(["check", "--format", "text"]);
        (refused(&mut cmd), event)
    };
    let (err, event) = run(payload(&"b".repeat(1024 * 1024 + 1), "bug"));
    assert_eq!(
        err,
        format!(
            "error: {}: `pull_request.body` in the event payload is 1048577 bytes, over its cap \
             of 1 MiB; {PAYLOAD_ADVICE}\n",
            show(&event)
        )
    );
    let (err, event) = run(payload("", &"l".repeat(5000)));
    assert_eq!(
        err,
        format!(
            "error: {}: `pull_request.labels[0].name` in the event payload is 5000 bytes, over \
             its cap of 4 KiB; {PAYLOAD_ADVICE}\n",
            show(&event)
        )
    );
}

#[test]
fn an_over_long_variable_is_refused_naming_it() {
    let repo = Repo::with_base();
    let (mut cmd, _) = dispatch(&repo, "{}");
    cmd.env("INPUT_STAGE", "s".repeat(5000));
    assert_eq!(
        refused(&mut cmd),
        "error: environment variable INPUT_STAGE is 5000 bytes, over its cap of 4 KiB; no CI \
         system sets a value that long there: check the job's variables and inputs\n"
    );

    // Lists of labels have a cap of their own.
    let base = repo.git(&["rev-parse", "base"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let err = refused(
        repo.shipgate()
            .env("SHIPGATE_LABELS", "x,".repeat(40 * 1024))
            .args(["pre-push", "origin", "/nowhere"])
            .write_stdin(format!("refs/heads/main {head} refs/heads/main {base}\n")),
    );
    assert_eq!(
        err,
        "error: environment variable SHIPGATE_LABELS is 81920 bytes, over its cap of 64 KiB; \
         no CI system sets a value that long there: check the job's variables and inputs\n"
    );
}
