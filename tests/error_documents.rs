//! Machine formats stay machine-readable when shipgate could not decide (exit 2):
//! `--format json` prints the error document, `--format gitlab` a Code Quality report with
//! one blocker, while the error for people still goes to stderr. And every Code Quality
//! finding names a path that exists at head.

mod common;
#[path = "common/snapshot.rs"]
mod snapshot;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::Repo;
use serde_json::{Value, json};

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// `shipgate ARGS` in `repo`, expected to exit 2; returns stdout and stderr.
fn could_not_decide(repo: &Repo, args: &[&str]) -> (String, String) {
    let out = repo.shipgate().args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout {}; stderr {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    (text(&out.stdout), text(&out.stderr))
}

/// The JSON error document, as the README shows it.
fn json_document(code: &str, message: &str) -> Value {
    json!({"schema": 1, "verdict": "error", "error": {"code": code, "message": message}})
}

/// What `git hash-object --stdin` says for `text`: how anyone recomputes a fingerprint.
fn git_hash(bytes: &[u8]) -> String {
    let mut child = Command::new("git")
        .args(["hash-object", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    text(&out.stdout).trim().to_owned()
}

/// The Code Quality error report: one blocker for `code`, pointing at `path`.
fn gitlab_document(code: &str, message: &str, path: &str) -> Value {
    let check_name = format!("shipgate/{code}");
    let fingerprint = git_hash(format!("shipgate\0{check_name}\0error").as_bytes());
    json!([{
        "description": format!("shipgate could not decide ({code}): {message}"),
        "check_name": check_name,
        "fingerprint": fingerprint,
        "severity": "blocker",
        "location": {"path": path, "lines": {"begin": 1}}
    }])
}

fn parsed(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

#[test]
fn an_unknown_revision() {
    let repo = Repo::with_base();
    let message = "unknown revision `nope` for --base: no branch, tag or commit is named `nope` \
                   here; check the name, or fetch it first (`git fetch origin nope`)";
    let (stdout, stderr) =
        could_not_decide(&repo, &["check", "--base", "nope", "--format", "json"]);
    assert_eq!(stderr, format!("error: {message}\n"));
    assert_eq!(parsed(&stdout), json_document("unknown-revision", message));
    // Pretty-printed, one document, ending with a line feed.
    assert!(stdout.starts_with("{\n  \"schema\": 1,\n  \"verdict\": \"error\",\n"));
    assert!(stdout.ends_with("}\n"));

    let (stdout, stderr) =
        could_not_decide(&repo, &["check", "--base", "nope", "--format", "gitlab"]);
    assert_eq!(stderr, format!("error: {message}\n"));
    assert_eq!(
        parsed(&stdout),
        gitlab_document("unknown-revision", message, ".gitlab-ci.yml")
    );
}

/// Both documents as printed, byte for byte.
#[test]
fn an_unknown_revision_in_full() {
    let repo = Repo::with_base();
    for (format, name) in [
        ("json", "error_documents__unknown_revision.json"),
        ("gitlab", "error_documents__unknown_revision.gitlab.json"),
    ] {
        let (stdout, _) = could_not_decide(&repo, &["check", "--base", "nope", "--format", format]);
        snapshot::assert_snapshot(name, &stdout, &[]);
    }
}

#[test]
fn a_bad_policy() {
    let repo = Repo::new();
    repo.write(".shipgate.yml", "version: 1\nstagez: []\n");
    let base = repo.commit("a policy");
    repo.git(&["branch", "base"]);
    repo.write("src/lib.rs", "// a change\n");
    repo.commit("a change");
    let at = format!(".shipgate.yml@{}", &base[..10]);
    // The problem's line, then the line of the file with a caret under the key.
    let message = format!(
        "{at} is not a valid policy (1 problem)\n  {at}:2:1: `stagez`: unknown key; did you mean `stages`?\n      |\n    2 | stagez: []\n      | ^^^^^^"
    );
    let (stdout, stderr) =
        could_not_decide(&repo, &["check", "--base", "base", "--format", "json"]);
    assert_eq!(stderr, format!("error: {message}\n"));
    assert_eq!(parsed(&stdout), json_document("bad-policy", &message));

    // The pipeline's file names where the finding points, as GitLab passes it.
    let out = repo
        .shipgate()
        .env("CI_CONFIG_PATH", "ci/pipeline.yml")
        .args(["check", "--base", "base", "--format", "gitlab"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        parsed(&text(&out.stdout)),
        gitlab_document("bad-policy", &message, "ci/pipeline.yml")
    );
}

#[test]
fn bad_arguments_in_either_spelling() {
    let repo = Repo::with_base();
    let message = "unexpected argument '--bogus' found\n\nUsage: shipgate check --format \
                   <FORMAT>\n\nFor more information, try '--help'.";
    for args in [
        &["check", "--format", "json", "--bogus"][..],
        &["check", "--format=json", "--bogus"],
    ] {
        let (stdout, stderr) = could_not_decide(&repo, args);
        assert_eq!(stderr, format!("error: {message}\n"), "{args:?}");
        assert_eq!(
            parsed(&stdout),
            json_document("bad-arguments", message),
            "{args:?}"
        );
    }
    let (stdout, _) = could_not_decide(&repo, &["check", "--format=gitlab", "--bogus"]);
    assert_eq!(
        parsed(&stdout),
        gitlab_document("bad-arguments", message, ".gitlab-ci.yml")
    );
    // A value clap refuses is a bad argument too; without a machine format, stdout stays empty.
    let (stdout, stderr) = could_not_decide(&repo, &["check", "--format", "yaml"]);
    assert_eq!(stdout, "");
    assert!(
        stderr.starts_with("error: invalid value 'yaml' for '--format <FORMAT>'"),
        "{stderr}"
    );
}

#[test]
fn other_classes_carry_their_codes() {
    let repo = Repo::with_base();
    let code = |args: &[&str]| {
        let (stdout, _) = could_not_decide(&repo, args);
        parsed(&stdout)["error"]["code"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let json = ["--format", "json"];
    assert_eq!(
        code(
            &[
                &["check", "--base", "base", "--config", "/dev/zero"][..],
                &json
            ]
            .concat()
        ),
        "bad-file"
    );
    assert_eq!(
        code(&[&["check", "--base", "base", "--stage", "gold"][..], &json].concat()),
        "bad-signal"
    );
    assert_eq!(
        code(&[&["check", "--repo", "/nonexistent"][..], &json].concat()),
        "bad-repository"
    );

    let other = Repo::new();
    other.write("a.txt", "a\n");
    other.commit("unrelated");
    repo.git(&["fetch", "-q", other.path().to_str().unwrap(), "main:other"]);
    assert_eq!(
        code(&[&["check", "--base", "other"][..], &json].concat()),
        "unrelated-histories"
    );

    let event = repo.tmp_file("event.json", "{}");
    let out = repo
        .shipgate()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "issue_comment")
        .env("GITHUB_EVENT_PATH", &event)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        parsed(&text(&out.stdout))["error"]["code"],
        "unsupported-event"
    );
}

// ---- Code Quality findings point at a path that exists at head ----------------------------

/// `check --format gitlab` of a full release that lacks everything; the paths of its four
/// missing requirements. Every finding, the checks' too, names a path that exists at head.
fn finding_paths(repo: &Repo, vars: &[(&str, &str)]) -> Vec<String> {
    let mut cmd = repo.shipgate();
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd
        .args([
            "check",
            "--base",
            "base",
            "--format",
            "gitlab",
            "--label",
            "release:full",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let issues = parsed(&text(&out.stdout));
    let path = |i: &serde_json::Value| i["location"]["path"].as_str().unwrap().to_owned();
    for issue in issues.as_array().unwrap() {
        assert!(exists_at_head(repo, &path(issue)), "{issue}");
    }
    let requirements = [
        "shipgate/docs",
        "shipgate/template",
        "shipgate/feature-flag",
        "shipgate/marketing",
    ];
    let paths: Vec<String> = issues
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| requirements.contains(&i["check_name"].as_str().unwrap()))
        .map(path)
        .collect();
    assert_eq!(paths.len(), 4);
    paths
}

fn exists_at_head(repo: &Repo, path: &str) -> bool {
    !repo
        .git(&["ls-tree", "--name-only", "HEAD", "--", path])
        .is_empty()
}

#[test]
fn without_a_policy_findings_point_at_the_pipeline_file_else_a_file_at_head() {
    let repo = Repo::with_base();
    repo.write("src/lib.rs", "// a change\n");
    repo.commit("a change");
    assert!(!exists_at_head(&repo, ".shipgate.yml"));
    // No policy and no pipeline file: the first file of head's tree.
    for path in finding_paths(&repo, &[]) {
        assert_eq!(path, "README.txt");
    }

    repo.write(".gitlab-ci.yml", "shipgate:\n  script: [shipgate check]\n");
    repo.write("ci/pipeline.yml", "shipgate:\n  script: [shipgate check]\n");
    repo.commit("pipelines");
    for path in finding_paths(&repo, &[]) {
        assert_eq!(path, ".gitlab-ci.yml");
    }
    for path in finding_paths(&repo, &[("CI_CONFIG_PATH", "ci/pipeline.yml")]) {
        assert_eq!(path, "ci/pipeline.yml");
    }
    // A pipeline file that is not at head, or that lives in another project, is passed over.
    for config in ["ci/missing.yml", "ci/pipeline.yml@group/project"] {
        for path in finding_paths(&repo, &[("CI_CONFIG_PATH", config)]) {
            assert_eq!(path, ".gitlab-ci.yml", "{config}");
        }
    }
}

#[test]
fn findings_point_at_the_policy_only_while_it_exists_at_head() {
    let repo = Repo::new();
    repo.write("README.txt", "hello\n");
    repo.write(".github/shipgate.yml", "version: 1\n");
    repo.commit("a policy");
    repo.git(&["branch", "base"]);
    for path in finding_paths(&repo, &[]) {
        assert_eq!(path, ".github/shipgate.yml");
    }
    // The change deletes the policy: it is still in force (read at the base), but a finding
    // on it would point at nothing.
    repo.remove(".github/shipgate.yml");
    repo.commit("no policy");
    assert!(!exists_at_head(&repo, ".github/shipgate.yml"));
    for path in finding_paths(&repo, &[]) {
        assert_eq!(path, "README.txt");
    }
    // A policy the change adds exists at head, though the built-in one judges the change.
    repo.git(&["branch", "-f", "base"]);
    repo.write(".shipgate.yml", "version: 1\n");
    repo.commit("a new policy");
    for path in finding_paths(&repo, &[]) {
        assert_eq!(path, ".shipgate.yml");
    }
}
