//! Policies that compose (SPEC §15): a policy extends the built-in one, another file of the
//! repository read at the same commit, or an organisation's shared policy read through the
//! GitHub API (the fake server in tests/common/github_server.rs); `explain` and `validate`
//! of a chain; and the first hour of a new user with a policy file.

mod common;
#[path = "common/snapshot.rs"]
mod snapshot;

use std::path::PathBuf;

use common::github_server::{GithubServer, Reply, pull_json};
use common::{Repo, complete_release, requirement, status};
use serde_json::{Value, json};

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";
const TOKEN: &str = "ghp_CANARY_compose_0123456789";

fn ids(report: &Value) -> Vec<&str> {
    report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect()
}

/// A repository whose branch `base` holds `files` (path, text), then a commit on `main`
/// that makes a full release with `release` (what it adds) and writes `change` files.
fn repo_with(files: &[(&str, &str)], release: fn(&Repo)) -> (Repo, String) {
    let repo = Repo::new();
    repo.write("README.txt", "hello\n");
    for (path, text) in files {
        repo.write(path, text);
    }
    let base = repo.commit("policy");
    repo.git(&["branch", "base"]);
    release(&repo);
    repo.commit("feat: replay\n\nRelease: full\nMarketing-Notified: yes");
    (repo, base)
}

fn nothing(_: &Repo) {}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// ---- one-line overrides, null, extends: none ----------------------------------------------

#[test]
fn one_line_overrides_one_requirement_s_paths_and_keeps_the_rest() {
    let policy = "requirements: {docs: {paths: [\"site/**\"]}}\n";
    let release = |repo: &Repo| {
        complete_release(repo);
        repo.remove("docs/replay.md");
        repo.write("site/replay.md", "# Replay\n");
    };
    let (repo, base) = repo_with(&[(".shipgate.yml", policy)], release);
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        requirement(&report, "docs")["evidence"][0]["detail"],
        "site/replay.md"
    );
    // Everything else is the built-in policy's: four requirements, in its order.
    assert_eq!(
        ids(&report),
        ["docs", "template", "feature-flag", "marketing"]
    );
    assert_eq!(
        report["policy"]["chain"],
        json!([format!(".shipgate.yml@{}", &base[..10]), "built-in"])
    );

    // docs/ no longer counts, but the trailer, which the line did not touch, still does.
    let (repo, _) = repo_with(&[(".shipgate.yml", policy)], complete_release);
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(status(&report, "docs"), "missing");
    assert_eq!(
        requirement(&report, "docs")["hint"],
        "change a file matching `site/**`, add a commit trailer `Docs: <value>`, or add a pull-request body line `Docs: <link>`"
    );
    repo.commit("docs elsewhere\n\nDocs: https://example.com/replay");
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn null_removes_a_requirement_and_every_stage_s_reference_to_it() {
    let policy = "requirements:\n  marketing: null\n";
    let release = |repo: &Repo| complete_release(repo);
    let (repo, _) = repo_with(&[(".shipgate.yml", policy)], release);
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(ids(&report), ["docs", "template", "feature-flag"]);
    // Gone from the beta's warnings too.
    let (_, report) = repo.check_json(&["--stage", "beta"]);
    assert_eq!(ids(&report), ["docs", "template", "feature-flag"]);
}

#[test]
fn extends_none_is_the_whole_policy() {
    let policy = "\
extends: none
stages:
  - name: merge
  - name: full
    signals: {labels: [ship]}
    require: [docs]
requirements:
  docs: {paths: [\"docs/**\"]}
";
    let release = |repo: &Repo| repo.write("docs/replay.md", "# Replay\n");
    let (repo, base) = repo_with(&[(".shipgate.yml", policy)], release);
    let (code, report) = repo.check_json(&["--label", "ship"]);
    assert_eq!(
        (code, report["stage"].as_str()),
        (0, Some("full")),
        "{report:#}"
    );
    assert_eq!(ids(&report), ["docs"]);
    assert_eq!(
        report["policy"]["chain"],
        json!([format!(".shipgate.yml@{}", &base[..10])])
    );
    // The built-in signals are gone with the rest: no stage lists a `Release:` value, so
    // the commit's `Release: full` is no signal, and neither is the built-in label.
    let (code, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(
        (code, report["stage"].as_str()),
        (0, Some("merge")),
        "{report:#}"
    );
}

// ---- a chain of repository files, read at the base ----------------------------------------

const BASE_POLICY: &str = "\
requirements:
  docs:
    paths: [\"handbook/**\"]
  marketing: null
";

#[test]
fn a_chain_is_read_at_the_base_commit_and_a_change_cannot_loosen_the_file_it_extends() {
    let files = [
        (".shipgate.yml", "extends: policies/base.yml\n"),
        ("policies/base.yml", BASE_POLICY),
    ];
    let (repo, base) = repo_with(&files, nothing);
    // The change tries to drop every requirement through the file the policy extends.
    repo.write(
        "policies/base.yml",
        "requirements: {docs: null, template: null, feature-flag: null}\n",
    );
    repo.commit("relax the policy");
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 1, "judged by the base's chain: {report:#}");
    assert_eq!(ids(&report), ["docs", "template", "feature-flag"]);
    assert_eq!(
        requirement(&report, "docs")["hint"],
        "change a file matching `handbook/**`, add a commit trailer `Docs: <value>`, or add a pull-request body line `Docs: <link>`"
    );
    let at = &base[..10];
    assert_eq!(
        report["policy"]["chain"],
        json!([
            format!(".shipgate.yml@{at}"),
            format!("policies/base.yml@{at}"),
            "built-in"
        ])
    );
    // The edit is reported as a change of the policy, valid, applied from the next change.
    assert_eq!(
        report["policy"]["changed"],
        json!({"path": "policies/base.yml", "status": "modified", "valid": true, "errors": []})
    );
    let text = repo
        .shipgate()
        .args(["check", "--base", "base"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains(&format!(
            "\n         extends policies/base.yml@{at} -> built-in\n"
        )),
        "{text}"
    );
}

#[test]
fn a_cycle_is_exit_2_naming_the_chain() {
    let files = [
        (".shipgate.yml", "extends: base.yml\n"),
        ("base.yml", "version: 1\nextends: .shipgate.yml\n"),
    ];
    let (repo, base) = repo_with(&files, nothing);
    let err = repo.check_error(&["--base", "base"]);
    let at = &base[..10];
    assert_eq!(
        err.lines().take(2).collect::<Vec<_>>(),
        [
            format!(
                "error: .shipgate.yml@{at} is not a valid policy (1 problem; it extends base.yml@{at})"
            ),
            format!(
                "  base.yml@{at}:2:10: `extends`: the policies extend each other in a circle: \
                 .shipgate.yml@{at} -> base.yml@{at} -> .shipgate.yml@{at}; remove one `extends`"
            ),
        ]
    );
}

#[test]
fn a_missing_parent_is_exit_2_naming_the_chain() {
    let files = [(".shipgate.yml", "# ours\nextends: policies/gone.yml\n")];
    let (repo, base) = repo_with(&files, nothing);
    let err = repo.check_error(&["--base", "base"]);
    let at = &base[..10];
    assert!(
        err.contains(&format!(
            "  .shipgate.yml@{at}:2:10: `extends`: policies/gone.yml@{at} does not exist at commit {at}; \
             the chain: .shipgate.yml@{at} -> policies/gone.yml@{at}\n"
        )),
        "{err}"
    );
}

#[test]
fn a_problem_in_an_extended_file_is_located_in_that_file() {
    let files = [
        (
            ".shipgate.yml",
            "extends: base.yml\nrequirements:\n  docs: {paths: [\"site/**\"]}\n",
        ),
        (
            "base.yml",
            "requirements:\n  template:\n    trailers: [\"T\u{e9}mplate\"]\n  docs:\n    labels: [a, b]\n",
        ),
    ];
    let (repo, base) = repo_with(&files, nothing);
    let err = repo.check_error(&["--base", "base"]);
    let at = &base[..10];
    assert!(
        err.starts_with(&format!(
            "error: .shipgate.yml@{at} is not a valid policy (1 problem; it extends base.yml@{at} -> built-in)\n  \
             base.yml@{at}:3:16: `requirements.template.trailers[0]`: `T\u{e9}mplate` cannot be a git trailer key"
        )),
        "{err}"
    );
    assert!(
        err.contains("    3 |     trailers: [\"T\u{e9}mplate\"]\n"),
        "{err}"
    );
}

#[test]
fn a_policy_that_names_a_removed_requirement_itself_is_told_where() {
    let policy = "requirements:\n  marketing: null\nstages:\n  - name: full\n    require: [docs, marketing]\n";
    let (repo, base) = repo_with(&[(".shipgate.yml", policy)], nothing);
    let err = repo.check_error(&["--base", "base"]);
    assert!(
        err.contains(&format!(
            ".shipgate.yml@{}:5:21: `stages[full].require[1]`: unknown requirement `marketing`",
            &base[..10]
        )),
        "{err}"
    );
}

// ---- explain and validate of a chain --------------------------------------------------

fn working_tree_chain() -> Repo {
    let repo = Repo::with_base();
    repo.write(
        ".shipgate.yml",
        "extends: policies/base.yml\nrequirements:\n  docs:\n    paths: [\"site/**\"]\noverrides:\n  authors: [\"dependabot[bot]\"]\n",
    );
    repo.write(
        "policies/base.yml",
        "drafts: judge\nrequirements:\n  marketing: null\n  changelog:\n    description: a changelog entry\n    paths: [CHANGELOG.md]\nstages:\n  - name: full\n    require: [docs, template, feature-flag, changelog]\n",
    );
    repo
}

#[test]
fn explain_of_a_composed_policy_in_full() {
    let repo = working_tree_chain();
    let out = repo.shipgate().arg("explain").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let root = repo.path().to_str().unwrap();
    snapshot::assert_snapshot(
        "compose__explain_chain.txt",
        &String::from_utf8(out.stdout).unwrap(),
        &[("[ROOT]", root)],
    );
}

#[test]
fn validate_checks_the_whole_chain() {
    let repo = working_tree_chain();
    let out = repo.shipgate().arg("validate").output().unwrap();
    let root = repo.path().display().to_string();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "{root}/.shipgate.yml: valid (3 stages, 4 requirements; it extends {root}/policies/base.yml -> built-in)\n"
        )
    );
    // A problem in the file extended is found and located there.
    repo.write(
        "policies/base.yml",
        "requirements:\n  changelog:\n    paths: [\"CHANGE[LOG\"]\n",
    );
    let out = repo.shipgate().arg("validate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.starts_with(&format!(
            "error: {root}/.shipgate.yml is not a valid policy (1 problem; it extends {root}/policies/base.yml -> built-in)\n  \
             {root}/policies/base.yml:3:13: `requirements.changelog.paths[0]`: invalid glob"
        )),
        "{err}"
    );
    // And a parent that is not there.
    repo.remove("policies/base.yml");
    let out = repo.shipgate().arg("validate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains(&format!(
            "{root}/.shipgate.yml:1:10: `extends`: {root}/policies/base.yml does not exist in {root}"
        )),
        "{}",
        stderr_of(&out)
    );
}

// ---- an organisation's policy through the GitHub API ------------------------------------

const ORG_POLICY: &str = "\
requirements:
  docs:
    paths: [\"handbook/**\"]
overrides:
  labels: [\"acme:emergency\"]
";

fn contents_path(reference: &str) -> String {
    format!("/repos/acme/policies/contents/shipgate.yml?ref={reference}")
}

/// A repository whose base policy extends `github:acme/policies/shipgate.yml@<reference>`,
/// and a full release whose docs live in handbook/.
fn org_repo(reference: &str) -> Repo {
    let policy = format!("extends: github:acme/policies/shipgate.yml@{reference}\n");
    let release = |repo: &Repo| {
        complete_release(repo);
        repo.remove("docs/replay.md");
        repo.write("handbook/replay.md", "# Replay\n");
    };
    repo_with(&[(".shipgate.yml", &policy)], release).0
}

fn with_api(repo: &Repo, server: &GithubServer) -> assert_cmd::Command {
    let mut cmd = repo.shipgate();
    cmd.env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", server.url())
        .env("SHIPGATE_API_RETRY_SCALE", "0");
    cmd
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            stderr_of(out),
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[test]
fn an_organisation_policy_pinned_by_sha_through_the_cli() {
    let server = GithubServer::start();
    server.on(
        "GET",
        &contents_path(SHA),
        Reply::raw(ORG_POLICY.as_bytes()),
    );
    let repo = org_repo(SHA);
    let out = with_api(&repo, &server)
        .args(["check", "--base", "base", "--format", "json"])
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(
        requirement(&report, "docs")["evidence"][0]["detail"],
        "handbook/replay.md"
    );
    assert_eq!(
        report["policy"]["chain"][1],
        format!("github:acme/policies/shipgate.yml@{SHA}")
    );
    assert!(
        !report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("can move")),
        "a sha cannot move: {report:#}"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "one read: {requests:?}");
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        requests[0].header("accept"),
        Some("application/vnd.github.raw")
    );
    assert!(
        !stderr_of(&out).contains(TOKEN) && !String::from_utf8_lossy(&out.stdout).contains(TOKEN)
    );
}

#[test]
fn a_branch_ref_is_read_and_noted_as_movable() {
    let server = GithubServer::start();
    server.on(
        "GET",
        &contents_path("main"),
        Reply::raw(ORG_POLICY.as_bytes()),
    );
    let repo = org_repo("main");
    let out = with_api(&repo, &server)
        .args(["check", "--base", "base", "--format", "json"])
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert!(
        report["notes"].as_array().unwrap().contains(&json!(
            "the policy extends github:acme/policies/shipgate.yml@main, read at `main` as it is now: \
             a branch or tag can move, and the gate with it; pin a commit sha"
        )),
        "{report:#}"
    );
    // explain says so too, and shows the chain.
    repo.git(&["checkout", "-q", "base"]);
    let out = with_api(&repo, &server).arg("explain").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\nextends: github:acme/policies/shipgate.yml@main -> built-in\nnote: the policy extends"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("  requirements.docs.paths ")
                && l.ends_with(" github:acme/policies/shipgate.yml@main:3")),
        "{text}"
    );
}

#[test]
fn the_api_down_is_exit_2_naming_the_chain() {
    let server = GithubServer::start();
    server.on("GET", &contents_path(SHA), Reply::status(503));
    let repo = org_repo(SHA);
    let out = with_api(&repo, &server)
        .args(["check", "--base", "base", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc = json_of(&out);
    assert_eq!(doc["error"]["code"], "api", "{doc:#}");
    let message = doc["error"]["message"].as_str().unwrap();
    let at = repo.git(&["rev-parse", "--short=10", "base"]);
    assert!(
        message.starts_with(&format!(
            ".shipgate.yml@{at}:1:10: `extends`: could not read github:acme/policies/shipgate.yml@{SHA}; \
             the chain: .shipgate.yml@{at} -> github:acme/policies/shipgate.yml@{SHA}: GitHub API GET "
        )),
        "{message}"
    );
    assert!(message.contains("503"), "{message}");
    assert!(server.hits("GET", &contents_path(SHA)) > 1, "retried");
}

#[test]
fn a_shared_policy_that_is_not_there_names_the_repository_and_the_ref() {
    let server = GithubServer::start();
    let repo = org_repo(SHA);
    let out = with_api(&repo, &server)
        .args(["check", "--base", "base"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains(&format!(
            "github:acme/policies/shipgate.yml@{SHA} does not exist: GitHub has no such file at `{SHA}`, \
             or the token cannot read acme/policies"
        )),
        "{err}"
    );
}

#[test]
fn a_shared_policy_may_extend_a_file_of_its_own_repository_at_its_ref() {
    let server = GithubServer::start();
    server.on(
        "GET",
        &contents_path(SHA),
        Reply::raw(b"extends: common/base.yml\nrequirements: {template: null}\n"),
    );
    server.on(
        "GET",
        &format!("/repos/acme/policies/contents/common/base.yml?ref={SHA}"),
        Reply::raw(ORG_POLICY.as_bytes()),
    );
    let repo = org_repo(SHA);
    let out = with_api(&repo, &server)
        .args(["check", "--base", "base", "--format", "json"])
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(ids(&report), ["docs", "feature-flag", "marketing"]);
    assert_eq!(
        report["policy"]["chain"].as_array().unwrap()[1..],
        [
            json!(format!("github:acme/policies/shipgate.yml@{SHA}")),
            json!(format!("github:acme/policies/common/base.yml@{SHA}")),
            json!("built-in")
        ]
    );
}

/// The policy a change brings is validated with the shared policies the policy in force
/// read, and no other: a pull request cannot have shipgate fetch another repository with
/// the token and quote it back.
#[test]
fn a_change_s_own_policy_reads_no_other_shared_policy() {
    let server = GithubServer::start();
    server.on(
        "GET",
        &contents_path(SHA),
        Reply::raw(ORG_POLICY.as_bytes()),
    );
    let secret = format!("/repos/acme/secret/contents/keys.yml?ref={SHA}");
    server.on("GET", &secret, Reply::raw(b"aws-key: AKIA-SECRET\n"));
    let repo = org_repo(SHA);
    // Still the organisation's policy, one key more: validated without a second read.
    repo.write(
        ".shipgate.yml",
        &format!("extends: github:acme/policies/shipgate.yml@{SHA}\ndrafts: judge\n"),
    );
    repo.commit("policy: judge drafts");
    let out = with_api(&repo, &server)
        .args(["check", "--base", "base", "--format", "json"])
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(report["policy"]["changed"]["valid"], true, "{report:#}");
    assert_eq!(server.hits("GET", &contents_path(SHA)), 1);

    repo.write(
        ".shipgate.yml",
        &format!("extends: github:acme/secret/keys.yml@{SHA}\n"),
    );
    repo.commit("policy: elsewhere");
    let out = with_api(&repo, &server)
        .args(["check", "--base", "base", "--format", "json"])
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "judged by the base's policy: {report:#}"
    );
    assert_eq!(report["policy"]["changed"]["valid"], false, "{report:#}");
    let errors = report["policy"]["changed"]["errors"].to_string();
    assert!(
        errors.contains("a change's own policy cannot have shipgate read another repository"),
        "{errors}"
    );
    assert!(!errors.contains("AKIA"), "{errors}");
    assert_eq!(server.hits("GET", &secret), 0, "never asked");
}

/// The Action with its token input reads the organisation's policy through the same API
/// as the pull request.
#[test]
fn an_organisation_policy_through_the_action() {
    let server = GithubServer::start();
    server.on(
        "GET",
        &contents_path(SHA),
        Reply::raw(ORG_POLICY.as_bytes()),
    );
    let repo = org_repo(SHA);
    let base = repo.git(&["rev-parse", "base"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let mut pull = pull_json(17);
    pull["head"]["sha"] = json!(head);
    pull["base"]["sha"] = json!(base);
    pull["labels"] = json!([]);
    server.on("GET", "/repos/acme/hedgehog/pulls/17", Reply::json(pull));
    let event = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/events/pull_request_opened.json"),
    )
    .unwrap()
    .replace("__BASE__", &base)
    .replace("__HEAD__", &head);
    let out = repo
        .shipgate()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", repo.tmp_file("event.json", &event))
        .env("GITHUB_WORKSPACE", repo.path())
        .env("GITHUB_REPOSITORY", "acme/hedgehog")
        .env("GITHUB_API_URL", server.url())
        .env("INPUT_TOKEN", TOKEN)
        .env("SHIPGATE_API_RETRY_SCALE", "0")
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(0), "{report:#}");
    assert_eq!(
        requirement(&report, "docs")["evidence"][0]["detail"],
        "handbook/replay.md"
    );
    assert_eq!(server.hits("GET", &contents_path(SHA)), 1);
    for request in server.requests() {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
}

// ---- the first hour --------------------------------------------------------------------

#[test]
fn a_lone_string_where_a_list_goes_is_a_list_of_one() {
    let policy = "requirements:\n  docs:\n    paths: site/**\n    trailers: Docs\n";
    let release = |repo: &Repo| {
        complete_release(repo);
        repo.remove("docs/replay.md");
        repo.write("site/replay.md", "# Replay\n");
    };
    let (repo, _) = repo_with(&[(".shipgate.yml", policy)], release);
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        requirement(&report, "docs")["evidence"][0]["detail"],
        "site/replay.md"
    );
}

#[test]
fn a_problem_with_a_section_is_shown_at_its_key() {
    // `signals` holds a block mapping that starts on the next line; the problem is the
    // section's, so it is shown where `signals:` is written.
    let policy = "stages:\n  - name: merge\n    signals:\n      labels: [hotfix]\n";
    let (repo, base) = repo_with(&[(".shipgate.yml", policy)], nothing);
    let err = repo.check_error(&["--base", "base"]);
    assert!(
        err.contains(&format!(
            "  .shipgate.yml@{}:3:5: `stages[merge].signals`: the first stage is what a change without any signal gets",
            &base[..10]
        )),
        "{err}"
    );
    assert!(
        err.contains("    3 |     signals:\n      |     ^^^^^^^\n"),
        "{err}"
    );
}

#[test]
fn init_writes_its_comments_in_one_column() {
    let repo = Repo::with_base();
    repo.shipgate().arg("init").assert().code(0);
    let written = std::fs::read_to_string(repo.path().join(".shipgate.yml")).unwrap();
    let columns: Vec<(usize, &str)> = written
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.find(" #").map(|i| (i, l)))
        .collect();
    assert!(columns.len() > 10, "{columns:?}");
    assert!(
        columns.iter().all(|(i, _)| *i == columns[0].0),
        "trailing comments at one column: {columns:#?}"
    );
}

#[test]
fn explain_lines_its_settings_up() {
    let repo = Repo::with_base();
    let out = repo.shipgate().arg("explain").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let settings: Vec<&str> = text
        .lines()
        .filter(|l| {
            [
                "release tags:",
                "manifests:",
                "flag registry:",
                "overrides:",
                "drafts:",
            ]
            .iter()
            .any(|k| l.starts_with(k))
        })
        .collect();
    assert_eq!(settings.len(), 5, "{text}");
    let value_at = |l: &str| {
        l.find(':').unwrap() + 1 + l[l.find(':').unwrap() + 1..].find(|c| c != ' ').unwrap()
    };
    assert!(
        settings
            .iter()
            .all(|l| value_at(l) == value_at(settings[0])),
        "{settings:#?}"
    );
}
