//! `shipgate audit` (SPEC §14) through the binary: every release tag of a real history,
//! oldest first, one row per release in text, JSON and Markdown; each row what a push of
//! that tag is judged to be; `--package`, `--since`, `--config`, `--fail-on-blocked`;
//! bad input with located errors; the progress bar only on a terminal outside CI.

mod common;
mod gfm;
#[path = "common/monorepo.rs"]
mod monorepo;

use std::process::Output;

use common::Repo;
use gfm::{Gfm, Mode};
use monorepo::{lay_out, release_pr, web_features, web_fix};
use serde_json::{Value, json};

/// The five releases of a plain repository, with the commits they tag:
///
/// - `v1.0.0`, a first release carrying docs, a template, a flag entry and the marker;
/// - `v1.0.1`, a fix and nothing else;
/// - `v1.1.0`, whose evidence came in two commits;
/// - `v1.2.0-rc.1`, a beta with docs;
/// - `v1.2.0`, judged since v1.1.0 (the last stable release), so the beta's docs count,
///   but nothing else does.
struct Plain {
    repo: Repo,
    tagged: Vec<(&'static str, String)>,
}

fn plain() -> Plain {
    let repo = Repo::new();
    let mut tagged = Vec::new();
    let mut tag = |repo: &Repo, name: &'static str, commit: String| {
        repo.git(&["tag", name]);
        tagged.push((name, commit));
    };
    repo.write("README.txt", "hello\n");
    common::complete_release(&repo);
    let c = repo.commit("feat: session replay\n\nMarketing-Notified: #launch-replay");
    tag(&repo, "v1.0.0", c);
    repo.write("src/lib.rs", "pub fn replay() {}\n");
    let c = repo.commit("fix: a typo");
    tag(&repo, "v1.0.1", c);
    repo.write("docs/search.md", "# Search\n");
    repo.write("templates/search.json", "{}\n");
    repo.commit("feat: search");
    repo.write(
        "feature-flags.yml",
        "flags:\n  session-replay-v2:\n    stage: beta\n    owner: team-replay\n  search:\n    stage: beta\n",
    );
    let c = repo.commit("feat: search behind a flag\n\nMarketing-Notified: #launch-search");
    tag(&repo, "v1.1.0", c);
    repo.write("docs/export.md", "# Export\n");
    let c = repo.commit("feat: export, in beta");
    tag(&repo, "v1.2.0-rc.1", c);
    repo.write("src/export.rs", "pub fn export() {}\n");
    let c = repo.commit("feat: export");
    tag(&repo, "v1.2.0", c);
    Plain { repo, tagged }
}

impl Plain {
    fn commit(&self, tag: &str) -> &str {
        &self.tagged.iter().find(|(t, _)| *t == tag).unwrap().1
    }
}

fn audit(repo: &Repo, args: &[&str]) -> Output {
    repo.shipgate().arg("audit").args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Runs audit expecting `code`; returns stdout, and checks that stderr is empty (no
/// progress bar when stderr is not a terminal, no notes).
fn audit_ok(repo: &Repo, args: &[&str], code: i32) -> String {
    let out = audit(repo, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}; stderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(text(&out.stderr), "", "nothing on stderr");
    text(&out.stdout)
}

fn audit_json(repo: &Repo, args: &[&str]) -> Value {
    let out = audit_ok(repo, &[&["--format", "json"], args].concat(), 0);
    serde_json::from_str(&out).unwrap()
}

/// Expects exit 2 with nothing on stdout; returns the error.
fn audit_fails(repo: &Repo, args: &[&str]) -> String {
    let out = audit(repo, args);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(text(&out.stdout), "", "no report on an error");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn tags(doc: &Value) -> Vec<&str> {
    doc["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tag"].as_str().unwrap())
        .collect()
}

const PLAIN_TEXT: &str = "\
package  tag          stage  verdict  missing                                  commits  files
.        v1.0.0       full   pass     -                                              1      4
.        v1.0.1       full   blocked  docs, template, feature-flag, marketing        1      1
.        v1.1.0       full   pass     -                                              2      3
.        v1.2.0-rc.1  beta   pass     -                                              1      1
.        v1.2.0       full   blocked  template, feature-flag, marketing              2      2
5 releases: 3 pass, 2 blocked
";

#[test]
fn every_release_is_a_row_in_text() {
    let p = plain();
    assert_eq!(audit_ok(&p.repo, &[], 0), PLAIN_TEXT);
    // The same from any folder of the repository, and with --repo from elsewhere.
    let out = p
        .repo
        .shipgate()
        .current_dir(p.repo.path().join("docs"))
        .arg("audit")
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), PLAIN_TEXT);
    let elsewhere = tempfile::TempDir::new().unwrap();
    let out = p
        .repo
        .shipgate()
        .current_dir(elsewhere.path())
        .args(["audit", "--repo"])
        .arg(p.repo.path())
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), PLAIN_TEXT);
}

#[test]
fn every_release_is_a_row_in_json() {
    let p = plain();
    let row = |tag: &str,
               previous: Value,
               stage: &str,
               verdict: &str,
               missing: &[&str],
               commits: u32,
               files: u32| {
        json!({
            "package": ".",
            "tag": tag,
            "commit": p.commit(tag),
            "previous": previous,
            "stage": stage,
            "verdict": verdict,
            "missing": missing,
            "blocking_checks": [],
            "commits": commits,
            "files": files,
        })
    };
    let all = ["docs", "template", "feature-flag", "marketing"];
    assert_eq!(
        audit_json(&p.repo, &[]),
        json!({
            "schema": 1,
            "releases": [
                row("v1.0.0", Value::Null, "full", "pass", &[], 1, 4),
                row("v1.0.1", json!("v1.0.0"), "full", "blocked", &all, 1, 1),
                row("v1.1.0", json!("v1.0.1"), "full", "pass", &[], 2, 3),
                row("v1.2.0-rc.1", json!("v1.1.0"), "beta", "pass", &[], 1, 1),
                row("v1.2.0", json!("v1.1.0"), "full", "blocked", &all[1..], 2, 2),
            ]
        })
    );
}

#[test]
fn every_release_is_a_row_of_a_markdown_table() {
    let p = plain();
    let md = audit_ok(&p.repo, &["--format", "markdown"], 0);
    assert!(md.ends_with("\n5 releases: 3 pass, 2 blocked\n"), "{md}");
    let Some(python) = gfm::python() else { return };
    let mut gfm = Gfm::start(python);
    let doc = &gfm.render(&[(&md, Mode::Document)])[0];
    let table = doc
        .tree
        .descendants()
        .into_iter()
        .find(|e| e.tag == "table")
        .unwrap_or_else(|| panic!("no table: {}", doc.html));
    let cells: Vec<Vec<String>> = table
        .descendants()
        .into_iter()
        .filter(|e| e.tag == "tr")
        .map(|tr| {
            tr.descendants()
                .into_iter()
                .filter(|e| e.tag == "td" || e.tag == "th")
                .map(|e| e.text())
                .collect()
        })
        .collect();
    let want: Vec<Vec<String>> = PLAIN_TEXT
        .lines()
        .take(6)
        .map(|line| {
            line.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .collect();
    assert_eq!(cells, want, "{}", doc.html);
}

/// A row is what a push of its tag is judged to be: the same stage, verdict, missing
/// requirements and range as a GitLab tag pipeline of that tag (`check` with
/// `CI_COMMIT_TAG`), which runs the same path as the pre-push hook and the Action do.
fn rows_match_tag_pushes(repo: &Repo, doc: &Value) {
    for row in doc["releases"].as_array().unwrap() {
        let tag = row["tag"].as_str().unwrap();
        let out = repo
            .shipgate()
            .env("GITLAB_CI", "true")
            .env("CI_PIPELINE_SOURCE", "push")
            .env("CI_COMMIT_TAG", tag)
            .env("CI_COMMIT_SHA", row["commit"].as_str().unwrap())
            .env(
                "CI_COMMIT_BEFORE_SHA",
                "0000000000000000000000000000000000000000",
            )
            .env("CI_DEFAULT_BRANCH", "main")
            .args(["check", "--format", "json"])
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{tag}: {e}: {}", text(&out.stderr)));
        let verdict = &report["verdict"];
        assert_eq!(&row["verdict"], verdict, "{tag}: {report:#}");
        let want_code = if verdict == "blocked" { 1 } else { 0 };
        assert_eq!(out.status.code(), Some(want_code), "{tag}");
        let package = report["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == row["package"])
            .unwrap_or_else(|| panic!("{tag}: no package {} in {report:#}", row["package"]));
        assert_eq!(row["stage"], package["stage"], "{tag}");
        let missing: Vec<&Value> = package["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| q["level"] == "required" && q["status"] == "missing")
            .map(|q| &q["id"])
            .collect();
        assert_eq!(
            row["missing"]
                .as_array()
                .unwrap()
                .iter()
                .collect::<Vec<_>>(),
            missing,
            "{tag}"
        );
        let range = &package["range"];
        assert_eq!(range["kind"], "release", "{tag}");
        assert_eq!(row["commits"], range["commits"], "{tag}");
        assert_eq!(row["files"], range["files"], "{tag}");
        assert_eq!(
            row["previous"],
            range
                .get("previous_release")
                .cloned()
                .unwrap_or(Value::Null),
            "{tag}"
        );
        assert_eq!(row["commit"], range["head"], "{tag}");
    }
}

#[test]
fn a_row_is_what_a_push_of_its_tag_is_judged_to_be() {
    let p = plain();
    let doc = audit_json(&p.repo, &[]);
    assert_eq!(tags(&doc).len(), 5);
    rows_match_tag_pushes(&p.repo, &doc);
}

/// The monorepo on `main`, with `origin/main` at its tip: where the release tag patterns
/// and a first release's policy come from, as for a pushed tag.
fn monorepo() -> Repo {
    let repo = Repo::new();
    repo.write("README.txt", "hello\n");
    repo.commit("initial");
    lay_out(&repo);
    web_features(&repo);
    release_pr(&repo, "1.1.0");
    repo.git(&["tag", "web@1.1.0"]);
    web_fix(&repo);
    repo.write(
        "packages/web/package.json",
        &monorepo::manifest("web", "1.1.1"),
    );
    repo.commit("chore(main): release web 1.1.1");
    repo.git(&["tag", "web@1.1.1"]);
    repo.git(&["update-ref", "refs/remotes/origin/main", "HEAD"]);
    repo.git(&[
        "symbolic-ref",
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/main",
    ]);
    repo
}

#[test]
fn a_monorepo_has_a_row_per_package_release() {
    let repo = monorepo();
    let out = audit_ok(&repo, &[], 0);
    assert_eq!(
        out,
        "\
package  tag        stage  verdict  missing                                  commits  files
web      web@1.0.0  full   blocked  docs, template, marketing                      2     10
api      api@1.0.5  full   blocked  docs, template, marketing                      3     10
web      web@1.1.0  full   pass     -                                              5      9
web      web@1.1.1  full   blocked  docs, template, feature-flag, marketing        2      2
4 releases: 1 pass, 3 blocked
"
    );
    let doc = audit_json(&repo, &[]);
    rows_match_tag_pushes(&repo, &doc);
    // One package: its releases alone, each still since its own previous release.
    let web = audit_json(&repo, &["--package", "web"]);
    assert_eq!(tags(&web), ["web@1.0.0", "web@1.1.0", "web@1.1.1"]);
    assert_eq!(web["releases"][1]["previous"], "web@1.0.0");
    assert_eq!(
        web["releases"].as_array().unwrap()[..],
        [
            doc["releases"][0].clone(),
            doc["releases"][2].clone(),
            doc["releases"][3].clone()
        ]
    );
    let api = audit_json(&repo, &["--package", "api"]);
    assert_eq!(tags(&api), ["api@1.0.5"]);
    // The root package has no release tags here.
    assert_eq!(
        tags(&audit_json(&repo, &["--package", "."])),
        Vec::<&str>::new()
    );
    assert_eq!(
        audit_ok(&repo, &["--package", "docs-site"], 0),
        "package  tag  stage  verdict  missing  commits  files\n0 releases\n"
    );
}

#[test]
fn since_starts_after_a_release() {
    let p = plain();
    let doc = audit_json(&p.repo, &["--since", "v1.0.1"]);
    assert_eq!(tags(&doc), ["v1.1.0", "v1.2.0-rc.1", "v1.2.0"]);
    // A release is still judged since its own previous release, whatever --since says.
    assert_eq!(doc["releases"][2]["previous"], "v1.1.0");
    assert_eq!(
        tags(&audit_json(&p.repo, &["--since", "v1.2.0"])),
        Vec::<&str>::new()
    );
    // A release on another line of history is after v1.0.1 too: its history lacks it.
    p.repo.git(&["checkout", "-q", "-b", "maint", "v1.0.0"]);
    p.repo.write("src/lib.rs", "pub fn replay() { }\n");
    p.repo.commit("fix: a backport");
    p.repo.git(&["tag", "v1.0.2"]);
    let doc = audit_json(&p.repo, &["--since", "v1.0.1"]);
    assert_eq!(tags(&doc), ["v1.1.0", "v1.2.0-rc.1", "v1.2.0", "v1.0.2"]);
    assert_eq!(doc["releases"][3]["previous"], "v1.0.1");
}

#[test]
fn fail_on_blocked_exits_1_when_a_release_was_blocked() {
    let p = plain();
    assert_eq!(audit_ok(&p.repo, &["--fail-on-blocked"], 1), PLAIN_TEXT);
    let out = audit_ok(
        &p.repo,
        &[
            "--since",
            "v1.0.1",
            "--package",
            ".",
            "--fail-on-blocked",
            "--format",
            "json",
        ],
        1,
    );
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["releases"][2]["verdict"],
        "blocked"
    );
    // Nothing blocked after v1.2.0-rc.1 but v1.2.0; nothing at all after v1.2.0.
    audit_ok(&p.repo, &["--since", "v1.2.0", "--fail-on-blocked"], 0);
}

#[test]
fn config_judges_every_release_with_one_policy() {
    let p = plain();
    // Docs alone for a full release, and tags that a prefix may come before.
    let policy = p.repo.tmp_file(
        "try.yml",
        "signals:\n  tag-pattern: '^[^0-9]*(?P<version>\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?)$'\nstages:\n  - name: full\n    require: [docs]\n",
    );
    let config = policy.to_str().unwrap();
    // A tag name is anyone's: shown, never obeyed.
    let hostile = "x|<b>@ada#\u{202e}2.0.0";
    p.repo.write("docs/hostile.md", "# x\n");
    let c = p.repo.commit("docs: hostile");
    p.repo.git(&["tag", hostile]);
    let out = audit_ok(&p.repo, &["--config", config, "--fail-on-blocked"], 1);
    assert_eq!(
        out,
        "\
package  tag                      stage  verdict  missing  commits  files
.        v1.0.0                   full   pass     -              1      4
.        v1.0.1                   full   blocked  docs           1      1
.        v1.1.0                   full   pass     -              2      3
.        v1.2.0-rc.1              beta   pass     -              1      1
.        v1.2.0                   full   pass     -              2      2
.        x|<b>@ada#\\u{202e}2.0.0  full   pass     -              1      1
6 releases: 5 pass, 1 blocked
"
    );
    // Since the one release without docs, nothing is blocked.
    audit_ok(
        &p.repo,
        &["--config", config, "--since", "v1.0.1", "--fail-on-blocked"],
        0,
    );
    let doc = audit_json(&p.repo, &["--config", config]);
    assert_eq!(doc["releases"][5]["tag"], hostile);
    assert_eq!(doc["releases"][5]["commit"], c.as_str());
    let md = audit_ok(&p.repo, &["--config", config, "--format", "markdown"], 0);
    assert!(
        md.contains("| <code>x&#124;&#60;b&#62;<span>&#64;</span>ada&#35;&#92;u&#123;202e&#125;2&#46;0&#46;0</code> |"),
        "{md}"
    );
    if let Some(python) = gfm::python() {
        let doc = &Gfm::start(python).render(&[(&md, Mode::Document)])[0];
        let rows = doc
            .tree
            .descendants()
            .into_iter()
            .filter(|e| e.tag == "tr")
            .count();
        assert_eq!(rows, 7, "the tag's `|` splits no cell: {}", doc.html);
        assert!(
            !doc.html.contains("<b>") && !doc.html.contains("mailto:"),
            "{}",
            doc.html
        );
        assert!(doc.html.contains("\\u{202e}"), "{}", doc.html);
    }
}

#[test]
fn bad_inputs_exit_2_and_say_where() {
    let p = plain();
    let e = audit_fails(&p.repo, &["--package", "web"]);
    assert_eq!(
        e,
        "error: --package `web`: the policy (built-in) has no such package; its packages are: . (`.` is the root package, the files outside every other)\n"
    );
    let e = audit_fails(&p.repo, &["--since", "v9.9.9"]);
    assert!(
        e.starts_with("error: --since `v9.9.9` is not a tag of the repository at "),
        "{e}"
    );
    p.repo.git(&["tag", "nightly", "v1.0.1"]);
    let e = audit_fails(&p.repo, &["--since", "nightly"]);
    assert_eq!(
        e,
        "error: --since `nightly` is not a release tag: no tag pattern of the policy (built-in) picks it with a semver version (signals.tag-pattern `^v?(?P<version>\\d+\\.\\d+\\.\\d+.*)$`); pass a release tag\n"
    );
    let e = audit_fails(&p.repo, &["--format", "yaml"]);
    assert!(e.contains("invalid value 'yaml' for '--format"), "{e}");
    let e = audit_fails(&p.repo, &["--repo", "/nonexistent/shipgate-audit"]);
    assert!(
        e.contains("`/nonexistent/shipgate-audit` does not exist"),
        "{e}"
    );
    // JSON asked for: the error is a JSON document too.
    let out = audit(&p.repo, &["--format", "json", "--package", "web"]);
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["verdict"], "error");
    assert_eq!(doc["error"]["code"], "bad-arguments");
}

#[test]
fn a_broken_policy_at_a_release_names_the_release_and_the_line() {
    let p = plain();
    // v1.2.1 commits a policy with a typo; the release after it is judged by it.
    p.repo
        .write(".shipgate.yml", "version: 1\nrequirments: {}\n");
    p.repo.commit("chore: a policy");
    p.repo.git(&["tag", "v1.2.1"]);
    p.repo.write("src/lib.rs", "pub fn replay() { }\n");
    p.repo.commit("fix: another");
    p.repo.git(&["tag", "v1.2.2"]);
    let e = audit_fails(&p.repo, &[]);
    let at = p.repo.git(&["rev-parse", "--short=10", "v1.2.1"]);
    assert!(
        e.starts_with(&format!(
            "error: release v1.2.2 of package . (since v1.2.1) could not be judged: .shipgate.yml@{at} is not a valid policy (1 problem)\n  .shipgate.yml@{at}:2:1: `requirments`: unknown key"
        )),
        "{e}"
    );
    let out = audit(&p.repo, &["--format", "json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["code"], "bad-policy");
    // Up to the release before it, the history is judged.
    assert_eq!(
        tags(&audit_json(&p.repo, &["--since", "v1.2.2"])),
        Vec::<&str>::new()
    );
}

// util-linux's `script` gives a command a terminal; BSD's takes other flags.
#[cfg(target_os = "linux")]
#[test]
fn the_progress_bar_is_drawn_on_a_terminal_outside_ci_only() {
    let p = plain();
    let binary = assert_cmd::cargo::cargo_bin("shipgate");
    let typescript = tempfile::tempdir().unwrap();
    // `script` gives the command a terminal on every stream and keeps what it wrote.
    let on_terminal = |ci: Option<&str>| {
        let mut cmd = std::process::Command::new("script");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", p.repo.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .current_dir(p.repo.path());
        if let Some(ci) = ci {
            cmd.env("CI", ci);
        }
        let out = cmd
            .args(["-qec"])
            .arg(format!("{} audit", binary.display()))
            // The typescript goes to a file of the test's own, never to a device path.
            .arg(typescript.path().join("typescript"))
            .output()
            .expect("script (util-linux) runs");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let drawn = on_terminal(None);
    assert!(drawn.contains("judging releases"), "{drawn:?}");
    let in_ci = on_terminal(Some("true"));
    assert!(!in_ci.contains("judging releases"), "{in_ci:?}");
    assert_eq!(in_ci.replace("\r\n", "\n"), PLAIN_TEXT);
}

#[test]
fn help_and_manual_list_the_audit_s_own_exit_codes() {
    let repo = Repo::new();
    let help = audit_ok(&repo, &["--help"], 0);
    assert!(
        help.ends_with(
            "Exit codes:\n  0  the report, whatever the releases' verdicts\n  1  with --fail-on-blocked: a release was blocked\n  2  could not judge: bad arguments (a --package the policy lacks, a --since that is not a\n     release tag), a policy at some release that does not parse, missing history\n"
        ),
        "{help}"
    );
    let out = repo.shipgate().args(["man", "audit"]).output().unwrap();
    let page = text(&out.stdout);
    assert!(
        page.contains(
            "\n.SH \"EXIT STATUS\"\n.TP\n\\fB0\\fR\nthe report, whatever the releases\\*(Aq verdicts\n.TP\n\\fB1\\fR\nwith \\-\\-fail\\-on\\-blocked: a release was blocked\n.TP\n\\fB2\\fR\n"
        ),
        "{page}"
    );
    assert!(page.contains("\\fB\\-\\-since\\fR"), "{page}");
}

#[test]
fn an_override_and_a_required_check_show_in_the_row() {
    let p = plain();
    p.repo
        .write("src/lib.rs", "pub fn replay() { /* fixed */ }\n");
    p.repo
        .commit("fix: the outage\n\nShipgate-Skip: the outage of the first of January");
    p.repo.git(&["tag", "v1.2.1"]);
    let doc = audit_json(&p.repo, &["--since", "v1.2.0"]);
    let all = ["docs", "template", "feature-flag", "marketing"];
    assert_eq!(doc["releases"][0]["verdict"], "overridden");
    assert_eq!(doc["releases"][0]["missing"], json!(all));
    rows_match_tag_pushes(&p.repo, &doc);
    audit_ok(&p.repo, &["--since", "v1.2.0", "--fail-on-blocked"], 0);

    // A required check with findings blocks a release whose requirements are all there;
    // an override turns blocked into overridden only, and v1.2.1 is not blocked here.
    let policy = p.repo.tmp_file(
        "size.yml",
        "stages:\n  - name: full\n    require: []\nchecks:\n  size:\n    level: required\n    max-lines: 2\n",
    );
    let out = audit_ok(
        &p.repo,
        &[
            "--config",
            policy.to_str().unwrap(),
            "--package",
            ".",
            "--fail-on-blocked",
        ],
        1,
    );
    assert_eq!(
        out,
        "\
package  tag          stage  verdict  missing     commits  files
.        v1.0.0       full   blocked  check size        1      4
.        v1.0.1       full   pass     -                 1      1
.        v1.1.0       full   blocked  check size        2      3
.        v1.2.0-rc.1  beta   pass     -                 1      1
.        v1.2.0       full   pass     -                 2      2
.        v1.2.1       full   pass     -                 1      1
6 releases: 4 pass, 2 blocked
"
    );
    let doc = audit_json(&p.repo, &["--config", policy.to_str().unwrap()]);
    assert_eq!(doc["releases"][0]["blocking_checks"], json!(["size"]));
    assert_eq!(doc["releases"][0]["missing"], json!([]));
}

/// An audit in a shallow clone judges nothing on a cut history: it exits 2, naming the
/// release, where the history is cut and how to fetch the rest (SPEC §14).
#[test]
fn an_audit_of_a_shallow_clone_says_how_to_fetch_the_history() {
    let p = plain();
    let dir = tempfile::TempDir::new().unwrap();
    let clone = p.repo.shallow_clone("v1.2.0", dir.path());
    let out = p
        .repo
        .shipgate()
        .arg("audit")
        .current_dir(&clone)
        .output()
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(out.stdout.is_empty());
    let cut = &p.commit("v1.2.0")[..10];
    assert!(
        err.starts_with(&format!(
            "error: release v1.2.0 of package . (a first release) could not be judged: the \
             history of the change (the whole history up to {cut}) is cut at commit {cut}"
        )),
        "{err}"
    );
    assert!(err.contains("git fetch --unshallow"), "{err}");
}
