//! GitLab CI: `shipgate check` with GitLab's predefined variables over real repositories,
//! and the Code Quality report of `--format gitlab`.

mod common;
#[path = "common/monorepo.rs"]
mod monorepo;
#[path = "common/snapshot.rs"]
mod snapshot;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Repo, complete_release, requirement};
use serde_json::{Value, json};
use tempfile::TempDir;

const ZERO: &str = "0000000000000000000000000000000000000000";

/// `shipgate check ARGS` in `dir` with the GitLab variables `vars`.
fn run_in(repo: &Repo, dir: &Path, vars: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = repo.shipgate();
    cmd.current_dir(dir);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.arg("check").args(args).output().unwrap()
}

fn run(repo: &Repo, vars: &[(&str, &str)], args: &[&str]) -> Output {
    run_in(repo, repo.path(), vars, args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// `check --format json`: the exit code and the report.
fn judge(repo: &Repo, vars: &[(&str, &str)], args: &[&str]) -> (i32, Value) {
    let out = run(repo, vars, &[&["--format", "json"], args].concat());
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); exit {:?}; stderr: {}",
            out.status.code(),
            text(&out.stderr)
        )
    });
    (out.status.code().unwrap(), report)
}

/// Expects exit 2 with nothing on stdout; returns the error message.
fn fails(out: Output) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2; stderr: {stderr}"
    );
    assert!(out.stdout.is_empty(), "no report on an error");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn says(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            message.contains(part),
            "the message lacks {part:?}:\n{message}"
        );
    }
}

/// The variables of a merge-request pipeline for `base..head`.
fn merge_request<'a>(base: &'a str, head: &'a str, labels: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("GITLAB_CI", "true"),
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_IID", "42"),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ("CI_COMMIT_SHA", head),
        ("CI_MERGE_REQUEST_LABELS", labels),
        ("CI_DEFAULT_BRANCH", "main"),
    ]
}

/// A repository with `base` at the first commit and a feature commit on top.
fn feature_repo() -> (Repo, String, String) {
    let repo = Repo::with_base();
    let base = repo.git(&["rev-parse", "base"]);
    repo.write("src/replay.rs", "// replay\n");
    let head = repo.commit("feat: session replay v2");
    (repo, base, head)
}

fn range(report: &Value) -> (String, String, u64) {
    let r = &report["range"];
    (
        r["base"].as_str().unwrap().to_owned(),
        r["head"].as_str().unwrap().to_owned(),
        r["commits"].as_u64().unwrap(),
    )
}

fn signals(report: &Value) -> Vec<(String, String)> {
    report["stage_signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let f = |k: &str| s[k].as_str().unwrap().to_owned();
            (f("source"), f("detail"))
        })
        .collect()
}

// ---- merge-request pipelines -------------------------------------------------------------

#[test]
fn merge_request_full_release_is_blocked_with_a_code_quality_report() {
    let (repo, base, head) = feature_repo();
    let vars = merge_request(&base, &head, "release:full,team:replay");
    // HEAD is elsewhere: the range must come from the variables, not from the checkout.
    repo.git(&["checkout", "-q", "base"]);

    let out = run(&repo, &vars, &["--format", "gitlab"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    // The repository has no policy file and no `.gitlab-ci.yml`: the findings point at a
    // file that exists at head, the first of its tree.
    snapshot::assert_snapshot(
        "gitlab__merge_request_full_release.json",
        &text(&out.stdout),
        &[],
    );
    // The people-readable report goes to the job log.
    let log = text(&out.stderr);
    says(
        &log,
        &[
            "stage    full (a full release)",
            "label release:full",
            "blocked: a full release needs docs, template, feature-flag, marketing",
        ],
    );

    let (code, report) = judge(&repo, &vars, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["verdict"], "blocked");
    assert_eq!(report["stage"], "full");
    assert_eq!(signals(&report), [("label".into(), "release:full".into())]);
    assert_eq!(range(&report), (base, head, 1));
}

#[test]
fn merge_request_description_carries_the_marketing_checkbox() {
    let repo = Repo::with_base();
    let base = repo.git(&["rev-parse", "base"]);
    complete_release(&repo);
    // The issue it closes keeps the `issue-link` check quiet too.
    let head = repo.commit("feat: session replay v2\n\nCloses #12");
    let mut vars = merge_request(&base, &head, "release:full");
    vars.push((
        "CI_MERGE_REQUEST_DESCRIPTION",
        "Replay v2.\n\n- [x] Marketing notified\n",
    ));

    let out = run(&repo, &vars, &["--format", "gitlab"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "[]\n");
    says(&text(&out.stderr), &["pass: a full release may ship"]);

    let (code, report) = judge(&repo, &vars, &[]);
    assert_eq!(code, 0);
    assert_eq!(report["stage"], "full");
    assert_eq!(
        requirement(&report, "marketing")["evidence"],
        json!([{"source": "body", "detail": "- [x] Marketing notified", "commit": null}])
    );
    assert_eq!(report["notes"], json!([]));
}

#[test]
fn a_truncated_description_is_noted() {
    let (repo, base, head) = feature_repo();
    let mut vars = merge_request(&base, &head, "");
    vars.push(("CI_MERGE_REQUEST_DESCRIPTION", "A long description"));
    vars.push(("CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED", "true"));
    let (code, report) = judge(&repo, &vars, &[]);
    assert_eq!(code, 0);
    assert_eq!(report["stage"], "merge");
    assert_eq!(
        report["notes"],
        json!([
            "GitLab cut the description of merge request !42 short (CI_MERGE_REQUEST_DESCRIPTION_IS_TRUNCATED): \
             a `Docs:` line or the marketing checkbox after the cut is not seen; move them to the top, \
             or use a commit trailer or a label instead"
        ])
    );
}

#[test]
fn explicit_flags_win_over_the_variables() {
    let (repo, base, first) = feature_repo();
    repo.write("src/more.rs", "// more\n");
    let head = repo.commit("feat: more");
    // GitLab says: the change starts at `first`, a full release, Marketing told.
    let mut vars = merge_request(&first, &head, "release:full");
    vars.push(("CI_MERGE_REQUEST_DESCRIPTION", "- [x] Marketing notified"));
    let body = repo.tmp_file("body.md", "Nothing to see.\n");

    let (code, report) = judge(
        &repo,
        &vars,
        &[
            "--base",
            "base",
            "--label",
            "release:beta",
            "--body-file",
            body.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["stage"], "beta");
    assert_eq!(signals(&report), [("label".into(), "release:beta".into())]);
    assert_eq!(range(&report), (base, head.clone(), 2));
    // The body came from the file: the description's checkbox is not evidence.
    assert_eq!(requirement(&report, "marketing")["status"], "missing");

    // --head wins over CI_COMMIT_SHA.
    let (_, report) = judge(&repo, &vars, &["--head", &first]);
    assert_eq!(range(&report), (first.clone(), first, 0));
}

#[test]
fn merged_results_pipelines_judge_the_merge_requests_own_commits() {
    let repo = Repo::with_base();
    let base = repo.git(&["rev-parse", "base"]);
    repo.write("src/replay.rs", "// replay\n");
    let source = repo.commit("feat: replay");
    // Meanwhile the target branch gains another change that names a full release.
    repo.git(&["checkout", "-q", "-b", "target", "base"]);
    repo.write("docs/other.md", "# Other\n");
    repo.commit("feat: other\n\nRelease: full");
    repo.git(&["merge", "-q", "--no-ff", "-m", "merge result", "main"]);
    let merge = repo.git(&["rev-parse", "HEAD"]);

    let mut vars = merge_request(&base, &merge, "");
    vars.push(("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", &source));
    let (code, report) = judge(&repo, &vars, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["stage"], "merge");
    assert_eq!(range(&report), (base, source, 1));
    assert_eq!(report["range"]["files"], 1);
    assert_eq!(
        report["notes"],
        json!([
            "GitLab merged-results pipeline for merge request !42: its own commits are judged \
             (CI_MERGE_REQUEST_SOURCE_BRANCH_SHA), not GitLab's merge commit (CI_COMMIT_SHA)"
        ])
    );
}

// ---- tag pipelines -----------------------------------------------------------------------

fn tag_vars<'a>(tag: &'a str, head: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("GITLAB_CI", "true"),
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_TAG", tag),
        ("CI_COMMIT_SHA", head),
        ("CI_COMMIT_BEFORE_SHA", ZERO),
        ("CI_DEFAULT_BRANCH", "main"),
    ]
}

/// v0.9.0 on the first commit, then a complete release without the marketing marker.
fn released_repo() -> (Repo, String, String) {
    let repo = Repo::with_base();
    repo.git(&["tag", "v0.9.0"]);
    let first = repo.git(&["rev-parse", "HEAD"]);
    complete_release(&repo);
    let head = repo.commit("feat: session replay v2");
    (repo, first, head)
}

#[test]
fn tag_pipeline_for_a_stable_tag_is_a_full_release_since_the_last_one() {
    let (repo, first, head) = released_repo();
    repo.git(&["tag", "v1.0.0"]);
    let vars = tag_vars("v1.0.0", &head);

    let out = run(&repo, &vars, &["--format", "gitlab"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    snapshot::assert_snapshot("gitlab__tag_pipeline_stable.json", &text(&out.stdout), &[]);

    let (code, report) = judge(&repo, &vars, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["stage"], "full");
    assert_eq!(signals(&report), [("tag".into(), "v1.0.0".into())]);
    assert_eq!(range(&report), (first, head, 1));
    assert_eq!(
        report["notes"],
        json!(["tag v1.0.0: the change is everything since v0.9.0"])
    );
}

#[test]
fn tag_pipeline_for_a_pre_release_is_a_beta_that_passes() {
    let (repo, first, head) = released_repo();
    repo.git(&["tag", "v1.1.0-beta.1"]);
    let vars = tag_vars("v1.1.0-beta.1", &head);

    let out = run(&repo, &vars, &["--format", "gitlab"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    snapshot::assert_snapshot(
        "gitlab__tag_pipeline_pre_release.json",
        &text(&out.stdout),
        &[],
    );

    let (code, report) = judge(&repo, &vars, &[]);
    assert_eq!(code, 0);
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["stage"], "beta");
    assert_eq!(
        signals(&report),
        [
            ("tag".into(), "v1.1.0-beta.1".into()),
            (
                "flag-registry".into(),
                "session-replay-v2: stage (none) -> beta".into()
            )
        ]
    );
    assert_eq!(range(&report), (first, head, 1));
}

#[test]
fn a_first_release_tag_pipeline_is_judged_by_the_default_branch_policy() {
    let repo = Repo::with_base();
    repo.write(
        ".shipgate.yml",
        "stages:\n  - name: merge\n  - name: full\n    signals: {tag: stable}\n    require: [docs]\n",
    );
    let strict = repo.commit("Adopt a strict policy");
    // `git fetch origin main` in the job brings the default branch as origin/main.
    repo.git(&["update-ref", "refs/remotes/origin/main", &strict]);
    repo.write(
        ".shipgate.yml",
        "stages:\n  - name: merge\n  - name: full\n    signals: {tag: stable}\n    require: []\n",
    );
    let head = repo.commit("Loosen the gate");
    repo.git(&["tag", "v1.0.0"]);
    let vars = tag_vars("v1.0.0", &head);
    let (code, report) = judge(&repo, &vars, &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["stage"], "full");
    assert_eq!(
        report["policy"]["source"],
        format!(".shipgate.yml@{}", &strict[..10])
    );
    assert_eq!(report["policy"]["from"], "default-branch");
    assert_eq!(requirement(&report, "docs")["status"], "missing");

    // Not fetched: the built-in policy, never the one the tag brings.
    repo.git(&["update-ref", "-d", "refs/remotes/origin/main"]);
    let (code, report) = judge(&repo, &vars, &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["policy"]["from"], "built-in");
    assert_eq!(
        report["policy"]["reason"],
        "no base commit, and no default branch is known: refs/remotes/origin/main is not here; the change's own policy never applies"
    );
}

// ---- branch pipelines --------------------------------------------------------------------

fn branch_vars<'a>(before: &'a str, head: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("GITLAB_CI", "true"),
        ("CI_PIPELINE_SOURCE", "push"),
        ("CI_COMMIT_BRANCH", "feature"),
        ("CI_COMMIT_BEFORE_SHA", before),
        ("CI_COMMIT_SHA", head),
        ("CI_DEFAULT_BRANCH", "main"),
    ]
}

#[test]
fn branch_pipeline_judges_the_push() {
    let repo = Repo::with_base();
    repo.write("a.txt", "a\n");
    // Pushed earlier: its trailer is no part of this push.
    let before = repo.commit("feat: a\n\nRelease: full");
    repo.write("b.txt", "b\n");
    repo.commit("fix: b");
    repo.write("c.txt", "c\n");
    let head = repo.commit("fix: c");

    let (code, report) = judge(&repo, &branch_vars(&before, &head), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["stage"], "merge");
    assert_eq!(range(&report), (before, head, 2));
    assert_eq!(report["range"]["files"], 2);
}

#[test]
fn a_new_branch_is_what_the_default_branch_lacks() {
    let repo = Repo::with_base();
    let main = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&["update-ref", "refs/remotes/origin/main", &main]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("a.txt", "a\n");
    let head = repo.commit("feat: a\n\nRelease: beta");

    let (code, report) = judge(&repo, &branch_vars(ZERO, &head), &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["stage"], "beta");
    assert_eq!(range(&report), (main, head, 1));
    assert_eq!(
        report["notes"],
        json!([
            "GitLab names no previous tip (CI_COMMIT_BEFORE_SHA: a new branch, or a scheduled or \
             manual run): the change is what the default branch origin/main lacks"
        ])
    );
}

#[test]
fn a_new_branch_without_the_default_branch_fetched_says_how_to_fetch_it() {
    let (repo, _, head) = feature_repo();
    let err = fails(run(&repo, &branch_vars(ZERO, &head), &[]));
    says(
        &err,
        &[
            "CI_DEFAULT_BRANCH names `refs/remotes/origin/main` as the base of the change, but this clone does not have it",
            "`git fetch origin main`",
        ],
    );
}

#[test]
fn a_force_pushed_branch_names_the_lost_previous_tip() {
    let (repo, _, head) = feature_repo();
    let lost = "0123456789abcdef0123456789abcdef01234567";
    let err = fails(run(&repo, &branch_vars(lost, &head), &[]));
    says(
        &err,
        &[
            &format!("CI_COMMIT_BEFORE_SHA names commit {lost} as the base of the change"),
            "force push",
            "--base",
        ],
    );
}

// ---- bad input ---------------------------------------------------------------------------

#[test]
fn an_unknown_diff_base_names_the_variable() {
    let (repo, _, head) = feature_repo();
    let unknown = "0123456789abcdef0123456789abcdef01234567";
    let err = fails(run(&repo, &merge_request(unknown, &head, ""), &[]));
    assert_eq!(
        err,
        format!(
            "error: CI_MERGE_REQUEST_DIFF_BASE_SHA names commit {unknown} as the base of the change, \
             but this clone does not have it; fetch the target branch (`git fetch origin main`)\n"
        )
    );

    let err = fails(run(&repo, &merge_request(&head, unknown, ""), &[]));
    says(
        &err,
        &[
            &format!("CI_COMMIT_SHA names commit {unknown} as the head of the change"),
            "GIT_STRATEGY",
        ],
    );
}

#[test]
fn a_variable_that_is_no_commit_id_is_refused() {
    let (repo, base, _) = feature_repo();
    let err = fails(run(&repo, &merge_request(&base, "main", ""), &[]));
    says(
        &err,
        &["CI_COMMIT_SHA is `main`, not a commit id (40 or 64 hex digits)"],
    );
}

/// A one-commit-deep clone of `main` over file://, as GitLab's `GIT_DEPTH` makes one.
fn shallow_clone(source: &Repo, into: &TempDir) -> PathBuf {
    source.shallow_clone("main", into.path())
}

const DEPTH_ADVICE: &str = "GitLab's clone of this job is shallow (GIT_DEPTH, or the project's Git shallow clone \
setting): set `GIT_DEPTH: \"0\"` in the job's variables, or run `git fetch --unshallow` before the check";

#[test]
fn a_shallow_clone_without_the_diff_base_says_how_to_deepen_it() {
    let (repo, base, head) = feature_repo();
    let dir = TempDir::new().unwrap();
    let clone = shallow_clone(&repo, &dir);

    let err = fails(run_in(&repo, &clone, &merge_request(&base, &head, ""), &[]));
    says(
        &err,
        &[
            &format!(
                "CI_MERGE_REQUEST_DIFF_BASE_SHA names commit {base} as the base of the change, but this clone does not have it"
            ),
            DEPTH_ADVICE,
        ],
    );
}

#[test]
fn a_shallow_clone_without_the_merge_base_says_how_to_deepen_it() {
    let (repo, base, head) = feature_repo();
    let dir = TempDir::new().unwrap();
    let clone = shallow_clone(&repo, &dir);
    // The diff base is there, one commit deep, but the history joining it to head is not.
    repo.git_in(&clone, &["fetch", "-q", "--depth", "1", "origin", "base"]);

    let err = fails(run_in(&repo, &clone, &merge_request(&base, &head, ""), &[]));
    says(
        &err,
        &[
            "the clone does not hold the history between base",
            "(from CI_MERGE_REQUEST_DIFF_BASE_SHA)",
            "(from CI_COMMIT_SHA)",
            DEPTH_ADVICE,
        ],
    );
}

#[test]
fn a_shallow_tag_pipeline_does_not_judge_a_cut_history() {
    let (repo, _, head) = released_repo();
    repo.git(&["tag", "v1.0.0"]);
    let dir = TempDir::new().unwrap();
    let clone = shallow_clone(&repo, &dir);
    // v0.9.0 lies beyond the depth, so the whole (cut) history would be judged.
    let err = fails(run_in(&repo, &clone, &tag_vars("v1.0.0", &head), &[]));
    says(
        &err,
        &[
            &format!(
                "the history of the change (the whole history up to {0}) is cut at commit {0}",
                &head[..10]
            ),
            DEPTH_ADVICE,
            "`git fetch --tags`",
        ],
    );
}

#[test]
fn a_shallow_tag_pipeline_with_the_previous_release_cut_off_says_how_to_deepen_it() {
    let (repo, _, head) = released_repo();
    repo.git(&["tag", "v1.0.0"]);
    let dir = TempDir::new().unwrap();
    let clone = shallow_clone(&repo, &dir);
    // The previous release is there, one commit deep, but not joined to the tag.
    repo.git_in(
        &clone,
        &["fetch", "-q", "--depth", "1", "origin", "tag", "v0.9.0"],
    );
    let err = fails(run_in(&repo, &clone, &tag_vars("v1.0.0", &head), &[]));
    says(&err, &["history between base", DEPTH_ADVICE]);
}

#[test]
fn a_deep_enough_shallow_clone_is_judged() {
    let (repo, base, head) = feature_repo();
    let dir = TempDir::new().unwrap();
    let clone = shallow_clone(&repo, &dir);
    repo.git_in(&clone, &["fetch", "-q", "--deepen", "1"]);

    let out = run_in(
        &repo,
        &clone,
        &merge_request(&base, &head, "release:beta"),
        &["--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["stage"], "beta");
    assert_eq!(range(&report), (base, head, 1));
}

// ---- outside GitLab ----------------------------------------------------------------------

#[test]
fn without_gitlab_ci_the_variables_are_ignored() {
    let (repo, _, head) = feature_repo();
    let base = repo.git(&["rev-parse", "base"]);
    let mut vars = merge_request(&head, &head, "release:full");
    vars.retain(|(k, _)| *k != "GITLAB_CI");

    let (code, report) = judge(&repo, &vars, &["--base", "base"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["stage"], "merge");
    assert_eq!(range(&report), (base, head.clone(), 1));

    vars.push(("GITLAB_CI", "false"));
    let (code, report) = judge(&repo, &vars, &["--base", "base"]);
    assert_eq!(code, 0);
    assert_eq!(report["stage"], "merge");
}

#[test]
fn the_code_quality_report_is_empty_for_an_ordinary_merge_and_points_at_a_committed_policy() {
    let repo = Repo::new();
    repo.write(
        ".shipgate.yml",
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("src/judge/policy/builtin.yml"),
        )
        .unwrap(),
    );
    repo.commit("policy");
    repo.git(&["branch", "base"]);
    repo.write("a.txt", "a\n");
    repo.commit("feat: a\n\nCloses #3");

    let out = repo
        .shipgate()
        .args(["check", "--base", "base", "--format", "gitlab"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "[]\n");

    let out = repo
        .shipgate()
        .args(["check", "--base", "base", "--format", "gitlab"])
        .args(["--label", "release:full", "--label", "shipgate:skip"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let issues: Value = serde_json::from_slice(&out.stdout).unwrap();
    let issues = issues.as_array().unwrap();
    assert_eq!(issues.len(), 4);
    for issue in issues {
        assert_eq!(issue["severity"], "major", "{issue:#}");
        assert_eq!(
            issue["location"],
            json!({"path": ".shipgate.yml", "lines": {"begin": 1}})
        );
        says(issue["description"].as_str().unwrap(), &["(overridden: "]);
    }
    says(&text(&out.stderr), &["overridden"]);
}

// ---- monorepos (SPEC §12, §13) -----------------------------------------------------------

/// The monorepo with web's fix on `main` (also as `origin/main`), and release-please's
/// merge request for web 1.1.0 on top: (repo, main, head).
fn monorepo_release() -> (Repo, String, String) {
    let repo = Repo::with_base();
    monorepo::lay_out(&repo);
    let main = monorepo::web_fix(&repo);
    repo.git(&["update-ref", "refs/remotes/origin/main", &main]);
    repo.git(&["checkout", "-q", "-b", "release-please--branches--main"]);
    let head = monorepo::release_pr(&repo, "1.1.0");
    (repo, main, head)
}

#[test]
fn a_monorepo_merge_request_reports_findings_per_package() {
    let (repo, main, head) = monorepo_release();
    let vars = merge_request(&main, &head, "autorelease: pending");
    let out = run(&repo, &vars, &["--format", "gitlab"]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    // Web's findings carry its name in their check name, and so in their fingerprint:
    // `printf 'shipgate\0shipgate/web/docs\0full' | git hash-object --stdin`.
    snapshot::assert_snapshot(
        "gitlab__monorepo_merge_request.json",
        &text(&out.stdout),
        &[],
    );
    let findings: Value = serde_json::from_slice(&out.stdout).unwrap();
    let docs = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_name"] == "shipgate/web/docs")
        .unwrap();
    let hashed =
        git2::Oid::hash_object(git2::ObjectType::Blob, b"shipgate\0shipgate/web/docs\0full")
            .unwrap()
            .to_string();
    assert_eq!(docs["fingerprint"], hashed.as_str());
    let log = text(&out.stderr);
    says(
        &log,
        &[
            "package  web (packages/web): blocked\n",
            "range    the whole release since web@1.0.0, as a version bump names the stage: ",
            "blocked: web (a full release) needs docs, template, feature-flag, marketing\n",
        ],
    );
    // The same release, with its evidence merged, passes.
    let repo = Repo::with_base();
    monorepo::lay_out(&repo);
    let main = monorepo::web_features(&repo);
    repo.git(&["checkout", "-q", "-b", "release"]);
    let head = monorepo::release_pr(&repo, "1.1.0");
    let out = run(
        &repo,
        &merge_request(&main, &head, ""),
        &["--format", "gitlab"],
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    // No requirement is missing; what is left is the change's own hygiene (its commits
    // link no issue), a warning that names no package.
    let findings: Value = serde_json::from_slice(&out.stdout).unwrap();
    let left: Vec<(&str, &str)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check_name"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(left, [("shipgate/issue-link", "minor")]);
}

#[test]
fn a_tag_pipeline_of_a_package_judges_its_release_since_its_previous_tag() {
    let repo = Repo::with_base();
    let mono = monorepo::lay_out(&repo);
    monorepo::web_features(&repo);
    let head = monorepo::release_pr(&repo, "1.1.0");
    repo.git(&["tag", "web@1.1.0"]);
    repo.git(&["update-ref", "refs/remotes/origin/main", &head]);
    let vars = tag_vars("web@1.1.0", &head);
    let (code, report) = judge(&repo, &vars, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(range(&report), (mono.web_1_0_0.clone(), head.clone(), 5));
    assert_eq!(report["range"]["previous_release"], "web@1.0.0");
    let names: Vec<&str> = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["web"], "api's release in the same range is api's");
    assert_eq!(
        report["packages"][0]["range"]["base"],
        mono.web_1_0_0.as_str()
    );
}
