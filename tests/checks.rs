//! The handbook's checks (SPEC §16) end to end: real repositories, the real binary, exact
//! findings at their file and line. Only added lines make `leftovers` and `flag-refs`
//! findings, whatever surrounds them (context, deleted lines, renames, CRLF, a missing
//! final newline); `review` asks the fake GitHub API (tests/common/github_server.rs).

mod common;
#[path = "common/snapshot.rs"]
mod snapshot;

use common::Repo;
use common::github_server::{GithubServer, Reply, pull_json, review_json};
use serde_json::{Value, json};

/// The check `id` of a JSON report.
fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report:#}"))
}

/// Where the findings of check `id` are: `(path, line)`, `-` and 0 for none.
fn at(report: &Value, id: &str) -> Vec<(String, u64)> {
    check(report, id)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap_or("-").to_owned(),
                f["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn messages(report: &Value, id: &str) -> Vec<String> {
    check(report, id)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A repository whose base holds `files`, on branch `feature` for the change.
fn repo_with(files: &[(&str, &str)]) -> Repo {
    let repo = Repo::new();
    repo.write("README.txt", "hello\n");
    for (path, text) in files {
        repo.write(path, text);
    }
    repo.commit("initial");
    repo.git(&["branch", "base"]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo
}

// ---- leftovers -------------------------------------------------------------------------

#[test]
fn only_added_lines_are_leftovers_not_context_or_deleted_ones() {
    let repo = repo_with(&[(
        "web/app.js",
        "function a() {\n  console.log('old, kept');\n  console.log('old, removed');\n  return 1;\n}\n",
    )]);
    repo.write(
        "web/app.js",
        "function a() {\n  console.log('old, kept');\n  return 1;\n}\n\nfunction b() {\n  debugger;\n  return console.log('new');\n}\n",
    );
    repo.commit("feat: b\n\nCloses #1");
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 0, "warnings never block: {report:#}");
    assert_eq!(
        at(&report, "leftovers"),
        [("web/app.js".into(), 7), ("web/app.js".into(), 8)]
    );
    assert_eq!(
        messages(&report, "leftovers")[1],
        "`console.log(` added: a debug leftover (javascript file); remove it, or mark the line `shipgate:allow leftovers` if it is meant to stay"
    );
    assert_eq!(check(&report, "leftovers")["level"], "warn");
    assert_eq!(check(&report, "leftovers")["status"], "findings");

    // The same file with the leftovers taken out again: nothing added, nothing found.
    repo.write(
        "web/app.js",
        "function a() {\n  console.log('old, kept');\n  return 1;\n}\n",
    );
    repo.commit("fix: no leftovers\n\nCloses #1");
    let (_, report) = repo.check_json(&[]);
    assert_eq!(check(&report, "leftovers")["status"], "ok");
    assert!(at(&report, "leftovers").is_empty());
}

#[test]
fn a_renamed_file_is_read_for_what_the_change_adds_to_it() {
    let body = "fn main() {\n    let x = dbg!(1);\n    run(x);\n}\n";
    let repo = repo_with(&[("src/old.rs", body), ("src/moved.rs", body)]);
    repo.git(&["mv", "src/old.rs", "src/new.rs"]);
    repo.git(&["mv", "src/moved.rs", "src/still.rs"]);
    repo.write(
        "src/new.rs",
        "fn main() {\n    let x = dbg!(1);\n    run(x);\n    dbg!(x);\n}\n",
    );
    repo.commit("refactor: move\n\nCloses #2");
    let (_, report) = repo.check_json(&[]);
    // Only the line the rename brought; the moved copy's old `dbg!` is no new line.
    assert_eq!(at(&report, "leftovers"), [("src/new.rs".into(), 4)]);
    assert_eq!(
        check(&report, "size")["note"],
        "1 line changed in 1 file; at most 400"
    );
}

#[test]
fn crlf_lines_and_a_last_line_without_a_newline_are_read_as_git_reads_them() {
    let repo = repo_with(&[("tools/run.py", "import os\r\nprint('x')\r\n")]);
    repo.write(
        "tools/run.py",
        "import os\r\nprint('x')\r\nimport pdb\r\npdb.set_trace()",
    );
    repo.write("web/last.ts", "const a = 1;\nconsole.debug(a)");
    repo.commit("chore: debug\n\nCloses #3");
    let (_, report) = repo.check_json(&[]);
    assert_eq!(
        at(&report, "leftovers"),
        [
            ("tools/run.py".into(), 3),
            ("tools/run.py".into(), 4),
            ("web/last.ts".into(), 2),
        ]
    );
    // The carriage return is no part of what is quoted or matched.
    assert!(
        messages(&report, "leftovers")[0]
            .starts_with("`import pdb` added: a debug leftover (python file)"),
        "{report:#}"
    );
}

#[test]
fn binary_files_are_counted_as_unread_and_never_searched() {
    let repo = repo_with(&[]);
    repo.write_bytes(b"assets/blob.js", b"console.log(1)\n\0\x01\x02");
    repo.write("src/a.js", "export const a = 1;\n");
    repo.commit("feat: assets\n\nCloses #4");
    let (_, report) = repo.check_json(&[]);
    assert!(at(&report, "leftovers").is_empty(), "{report:#}");
    assert_eq!(
        check(&report, "size")["note"],
        "1 line changed in 1 file (not counted: 1 binary); at most 400"
    );

    // A file over 1 MiB is not read either, and the report says which.
    repo.write("web/bundle.js", &"console.log(1);\n".repeat(70_000));
    repo.commit("build: bundle\n\nCloses #4");
    let (_, report) = repo.check_json(&[]);
    assert!(at(&report, "leftovers").is_empty());
    assert_eq!(
        check(&report, "size")["note"],
        "1 line changed in 1 file (not counted: 1 binary, 1 too large to read); at most 400"
    );
    assert!(
        report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n
                == "`web/bundle.js` is over 1024 KiB, so the checks did not read it line by line"),
        "{report:#}"
    );
}

#[test]
fn a_marker_on_the_line_keeps_a_meant_line_out() {
    let repo = repo_with(&[]);
    repo.write(
        "web/log.js",
        "console.log('kept for support'); // shipgate:allow leftovers\nconsole.log('stray');\n",
    );
    repo.write(
        "tools/dbg.py",
        "breakpoint()  # shipgate:allow flag-refs, leftovers: the debugger is the tool\n",
    );
    repo.write(
        "web/flags.js",
        "isFeatureEnabled('ghost-flag') // shipgate:allow leftovers\nisFeatureEnabled('known') /* shipgate:allow flag-refs */\n",
    );
    repo.commit("feat: logs\n\nCloses #5");
    let (_, report) = repo.check_json(&[]);
    assert_eq!(at(&report, "leftovers"), [("web/log.js".into(), 2)]);
    // A marker for another check keeps nothing out.
    assert_eq!(at(&report, "flag-refs"), [("web/flags.js".into(), 1)]);
}

#[test]
fn a_path_that_is_not_utf8_is_shown_escaped_and_given_to_no_ci_system_as_a_file() {
    let repo = repo_with(&[]);
    repo.write_bytes(b"web/caf\xe9.js", b"console.log(1)\n");
    repo.commit("feat: cafe\n\nCloses #14");
    let (_, report) = repo.check_json(&[]);
    assert_eq!(at(&report, "leftovers"), [("web/caf\\xe9.js".into(), 1)]);
    let gitlab = repo
        .shipgate()
        .args(["check", "--base", "base", "--format", "gitlab"])
        .output()
        .unwrap();
    let issues: Value = serde_json::from_slice(&gitlab.stdout).unwrap();
    let leftover = issues
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["check_name"] == "shipgate/leftovers")
        .unwrap();
    // GitLab gets a file that exists at head; the description says where the line is.
    assert_eq!(leftover["location"]["path"], "README.txt");
    assert!(
        leftover["description"]
            .as_str()
            .unwrap()
            .starts_with("leftovers at web/caf\\xe9.js:1: "),
        "{leftover}"
    );
    let github = repo
        .shipgate()
        .args(["check", "--base", "base", "--format", "github"])
        .output()
        .unwrap();
    assert!(
        text(&github.stdout).contains(
            "::warning title=shipgate%3A leftovers (not blocking)::web/caf\\xe9.js:1: `console.log(` added"
        ),
        "{}",
        text(&github.stdout)
    );
}

// ---- size, issue-link, tests -----------------------------------------------------------

#[test]
fn size_counts_changed_lines_but_not_lockfiles_or_excluded_files() {
    let repo = repo_with(&[("src/big.rs", &"// old\n".repeat(150))]);
    repo.write("src/big.rs", &"// new\n".repeat(150));
    repo.write("src/more.rs", &"// more\n".repeat(101));
    repo.write("Cargo.lock", &"# lock\n".repeat(5000));
    repo.write("tests/big.rs", "#[test]\nfn t() {}\n");
    repo.commit("feat: big\n\nCloses #6");
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(at(&report, "size"), [("-".into(), 0)]);
    assert_eq!(
        messages(&report, "size"),
        [
            "403 lines changed in 3 files, more than 400: a pull request should be doable in one day; split it (largest: src/big.rs (300), src/more.rs (101), tests/big.rs (2))"
        ]
    );

    let config = repo.tmp_file(
        "p.yml",
        "checks:\n  size:\n    max-lines: 500\n    exclude: [Cargo.lock, 'tests/']\n",
    );
    let (_, report) = repo.check_json(&["--config", config.to_str().unwrap()]);
    assert_eq!(check(&report, "size")["status"], "ok");
    assert_eq!(
        check(&report, "size")["note"],
        "401 lines changed in 2 files; at most 500"
    );
}

#[test]
fn an_issue_is_linked_from_a_commit_or_the_body() {
    let repo = repo_with(&[]);
    repo.write("a.txt", "a\n");
    repo.commit("feat: a");
    let (_, report) = repo.check_json(&[]);
    assert_eq!(at(&report, "issue-link"), [("-".into(), 0)]);
    assert_eq!(
        messages(&report, "issue-link"),
        [
            "the commit message links no issue (and no pull-request body was given): tag it in a commit, as in `Closes #289` (or `owner/repo#289`, or the issue's URL)"
        ]
    );
    let body = repo.tmp_file(
        "body.md",
        "Part of https://github.com/acme/hedgehog/issues/77\n",
    );
    let (_, report) = repo.check_json(&["--body-file", body.to_str().unwrap()]);
    assert_eq!(check(&report, "issue-link")["status"], "ok");
    assert_eq!(
        check(&report, "issue-link")["note"],
        "linked in the pull-request body"
    );
    repo.write("b.txt", "b\n");
    repo.commit("Closes #289 add posthog logo to website");
    let (_, report) = repo.check_json(&[]);
    assert_eq!(check(&report, "issue-link")["status"], "ok");
}

#[test]
fn source_files_want_a_test_file_in_the_same_change() {
    let repo = repo_with(&[]);
    repo.write("src/a.rs", "pub fn a() {}\n");
    repo.write("lib/b.py", "def b(): pass\n");
    repo.commit("feat: a and b\n\nCloses #7");
    let (_, report) = repo.check_json(&[]);
    assert_eq!(at(&report, "tests"), [("lib/b.py".into(), 0)]);
    assert_eq!(
        messages(&report, "tests"),
        ["2 source files changed and no test file did: add or update a test with the change"]
    );
    repo.write("lib/test_b.py", "def test_b(): pass\n");
    repo.commit("test: b\n\nCloses #7");
    let (_, report) = repo.check_json(&[]);
    assert_eq!(check(&report, "tests")["status"], "ok");
    assert_eq!(
        check(&report, "tests")["note"],
        "test file lib/test_b.py changed"
    );
}

// ---- flag-refs -------------------------------------------------------------------------

#[test]
fn flag_calls_need_their_key_in_the_registry_at_head() {
    let repo = repo_with(&[(
        "feature-flags.yml",
        "flags:\n  session-replay-v2:\n    stage: beta\n",
    )]);
    repo.write(
        "web/replay.tsx",
        "if (posthog.isFeatureEnabled('session-replay-v2')) {}\nconst v = useFeatureFlagVariantKey(\"replay-v3\")\n",
    );
    repo.commit("feat: replay\n\nCloses #8");
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(at(&report, "flag-refs"), [("web/replay.tsx".into(), 2)]);
    assert_eq!(
        messages(&report, "flag-refs"),
        [
            "`useFeatureFlagVariantKey(\"replay-v3\"` calls flag `replay-v3`, which feature-flags.yml does not hold at head: add the flag to the registry, or fix the key"
        ]
    );
    // The registry gains the key in the same change: nothing left to find.
    repo.write(
        "feature-flags.yml",
        "flags:\n  session-replay-v2:\n    stage: beta\n  replay-v3:\n    stage: concept\n",
    );
    repo.commit("feat: flag replay-v3\n\nCloses #8");
    let (_, report) = repo.check_json(&[]);
    assert_eq!(check(&report, "flag-refs")["status"], "ok");
    assert_eq!(
        check(&report, "flag-refs")["note"],
        "2 flag calls in added lines, 2 to flags in feature-flags.yml"
    );
}

#[test]
fn other_flag_sdks_are_a_pattern_away() {
    let repo = repo_with(&[("feature-flags.yml", "flags:\n  known:\n    stage: beta\n")]);
    repo.write(
        "src/Flags.kt",
        "val on = ldClient.boolVariation(\"new-checkout\", ctx, false)\nval off = unleash.isEnabled(\"known\")\n",
    );
    repo.commit("feat: checkout\n\nCloses #9");
    let config = repo.tmp_file(
        "p.yml",
        "checks:\n  flag-refs:\n    calls:\n      - '\\bboolVariation\\(\\s*\"(?P<key>[^\"]+)\"'\n      - '\\bisEnabled\\(\\s*\"(?P<key>[^\"]+)\"'\n",
    );
    let (_, report) = repo.check_json(&["--config", config.to_str().unwrap()]);
    assert_eq!(at(&report, "flag-refs"), [("src/Flags.kt".into(), 1)]);
    // Without the patterns, PostHog's calls only: nothing here.
    let (_, report) = repo.check_json(&[]);
    assert_eq!(check(&report, "flag-refs")["status"], "ok");
}

// ---- levels ------------------------------------------------------------------------------

#[test]
fn a_required_check_with_findings_blocks_at_its_stages_only() {
    let repo = repo_with(&[]);
    repo.write(
        ".shipgate.yml",
        "checks:\n  leftovers:\n    level: {merge: required, beta: warn}\n  issue-link: {level: off}\n",
    );
    repo.commit("policy\n\nCloses #10");
    repo.git(&["branch", "-f", "base"]);
    repo.write("src/app.js", "debugger\n");
    repo.write("tests/app.test.js", "test('x', () => {})\n");
    repo.commit("feat: app\n\nCloses #10");

    let out = repo
        .shipgate()
        .args(["check", "--base", "base"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("  FAIL  leftovers  1 finding: no debug leftovers (\"remove that console.log please\")\n                   src/app.js:1: `debugger` added: "),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("blocked: an ordinary merge has findings of required checks: leftovers\n"),
        "{stdout}"
    );
    let (_, report) = repo.check_json(&[]);
    assert_eq!(report["verdict"], "blocked");
    assert_eq!(check(&report, "leftovers")["level"], "required");
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != "issue-link"),
        "a check that is off is not listed"
    );

    // The override turns the block into `overridden`; a beta only warns; a full release,
    // which the mapping does not name, does not run the check at all.
    let (code, report) = repo.check_json(&["--label", "shipgate:skip"]);
    assert_eq!((code, report["verdict"].as_str()), (0, Some("overridden")));
    let (code, report) = repo.check_json(&["--label", "release:beta"]);
    assert_eq!((code, report["verdict"].as_str()), (0, Some("pass")));
    assert_eq!(check(&report, "leftovers")["level"], "warn");
    let (_, report) = repo.check_json(&["--label", "release:full"]);
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != "leftovers")
    );
}

#[test]
fn problems_in_the_checks_section_are_located() {
    let repo = repo_with(&[]);
    let config = repo.tmp_file(
        "p.yml",
        "checks:\n  leftovers:\n    level: {ful: required}\n    languages:\n      go:\n        patterns: ['(']\n  flag-refs:\n    calls: ['isOn\\(']\n",
    );
    let out = repo
        .shipgate()
        .args(["validate", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let path = config.display();
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: {path} is not a valid policy (3 problems)\n  {path}:3:13: `checks.leftovers.level.ful`: `ful` is not a stage; did you mean `full`?\n      |\n    3 |     level: {{ful: required}}\n      |             ^^^\n  {path}:6:20: `checks.leftovers.languages.go.patterns[0]`: invalid regex: unclosed group\n      |\n    6 |         patterns: ['(']\n      |                    ^^^\n  {path}:8:13: `checks.flag-refs.calls[0]`: the pattern needs a named group `(?P<key>...)`\n      |\n    8 |     calls: ['isOn\\(']\n      |             ^^^^^^^^\n"
        )
    );
}

// ---- every format -----------------------------------------------------------------------

/// A change with a finding of every check that reads the repository.
fn with_findings() -> Repo {
    let repo = repo_with(&[("web/app.js", "export function a() {\n  return 1;\n}\n")]);
    repo.write(
        "web/app.js",
        "export function a() {\n  console.log('a');\n  if (isFeatureEnabled('new-onboarding')) {\n    debugger;\n  }\n  return 1;\n}\n",
    );
    repo.write("src/main.rs", &"// line\n".repeat(420));
    repo.commit("feat: onboarding");
    repo
}

#[test]
fn findings_in_every_format() {
    let repo = with_findings();
    let run = |format: &str| {
        let out = repo
            .shipgate()
            .args(["check", "--base", "base", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        out
    };
    snapshot::assert_snapshot("checks__findings.txt", &text(&run("text").stdout), &[]);
    snapshot::assert_snapshot("checks__findings.json", &text(&run("json").stdout), &[]);
    snapshot::assert_snapshot(
        "checks__findings.gitlab.json",
        &text(&run("gitlab").stdout),
        &[],
    );
    snapshot::assert_snapshot(
        "checks__findings.github.txt",
        &text(&run("github").stdout),
        &[],
    );
}

/// The Code Quality issues of check `id`: (line, fingerprint).
fn quality(repo: &Repo, id: &str) -> Vec<(u64, String)> {
    let out = repo
        .shipgate()
        .args(["check", "--base", "base", "--format", "gitlab"])
        .output()
        .unwrap();
    let issues: Value = serde_json::from_slice(&out.stdout).unwrap();
    issues
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["check_name"] == format!("shipgate/{id}"))
        .map(|i| {
            (
                i["location"]["lines"]["begin"].as_u64().unwrap(),
                i["fingerprint"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_code_quality_fingerprint_follows_the_finding_not_its_line() {
    let repo = repo_with(&[]);
    repo.write("web/a.js", "console.log(1);\nlet x;\nconsole.log(1);\n");
    repo.commit("feat: a\n\nCloses #13");
    let before = quality(&repo, "leftovers");
    assert_eq!(before.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [1, 3]);
    assert_ne!(before[0].1, before[1].1, "two equal lines, two findings");

    // Lines come above them: the same findings, further down, keep their fingerprints.
    repo.write(
        "web/a.js",
        "// a\n// b\nconsole.log(1);\nlet x;\nconsole.log(1);\n",
    );
    repo.commit("docs: comments\n\nCloses #13");
    let after = quality(&repo, "leftovers");
    assert_eq!(after.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [3, 5]);
    assert_eq!(
        after.iter().map(|(_, f)| f).collect::<Vec<_>>(),
        before.iter().map(|(_, f)| f).collect::<Vec<_>>()
    );
}

#[test]
fn a_github_step_annotates_at_most_ten_of_a_kind_and_the_summary_lists_all() {
    let repo = repo_with(&[]);
    let lines: String = (1..=12).map(|n| format!("console.log({n});\n")).collect();
    repo.write("web/noisy.js", &lines);
    repo.commit("feat: noisy\n\nCloses #11");
    let summary = repo.tmp_file("summary.md", "");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/events/push_branch.json");
    let event = repo.tmp_file(
        "event.json",
        &std::fs::read_to_string(fixture)
            .unwrap()
            .replace("__BASE__", &repo.git(&["rev-parse", "base"]))
            .replace("__HEAD__", &repo.git(&["rev-parse", "HEAD"])),
    );
    let out = repo
        .shipgate()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_WORKSPACE", repo.path())
        .env("GITHUB_REPOSITORY", "acme/hedgehog")
        .env("GITHUB_SHA", repo.git(&["rev-parse", "HEAD"]))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let warnings: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::warning "))
        .collect();
    assert_eq!(warnings.len(), 10, "{stdout}");
    assert!(
        warnings[8].starts_with(
            "::warning title=shipgate%3A leftovers (not blocking),file=web/noisy.js,line=9::"
        ),
        "{}",
        warnings[8]
    );
    assert_eq!(
        warnings[9],
        "::warning title=shipgate%3A 3 more warnings::GitHub shows 10 annotations of a kind per step; the step summary and the log above list all 12"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    let head = repo.git(&["rev-parse", "HEAD"]);
    for n in 1..=12 {
        let link = format!(
            "- <a href=\"https://github.com/acme/hedgehog/blob/{head}/web/noisy.js#L{n}\"><code>web&#47;noisy&#46;js&#58;{n}</code></a> "
        );
        assert!(md.contains(&link), "{link} in {md}");
    }
}

// ---- review --------------------------------------------------------------------------------

const PULL: &str = "/repos/acme/hedgehog/pulls/17";
const REVIEWS: &str = "/repos/acme/hedgehog/pulls/17/reviews";

/// A pull request run of the action against the fake API, for a merge (no release label)
/// whose commit links an issue and brings a test.
struct Pull {
    repo: Repo,
    server: GithubServer,
    base: String,
    head: String,
}

impl Pull {
    fn new(policy: Option<&str>) -> Pull {
        let repo = Repo::new();
        repo.write("README.txt", "hello\n");
        if let Some(policy) = policy {
            repo.write(".shipgate.yml", policy);
        }
        let base = repo.commit("initial");
        repo.git(&["checkout", "-q", "-b", "feature"]);
        repo.write("tests/replay.rs", "#[test]\nfn replay() {}\n");
        let head = repo.commit("test: replay\n\nCloses #12");
        Pull {
            repo,
            server: GithubServer::start(),
            base,
            head,
        }
    }

    /// The pull request as the API answers it, asking `requested` for a review.
    fn answer(&self, requested: &[&str]) -> Value {
        let mut pull = pull_json(17);
        pull["head"]["sha"] = json!(self.head);
        pull["base"]["sha"] = json!(self.base);
        pull["labels"] = json!([]);
        pull["requested_reviewers"] = requested
            .iter()
            .map(|login| json!({"login": login, "id": 7, "type": "User"}))
            .collect();
        pull
    }

    /// `check --format json` as the action's step; `token` or none.
    fn run(&self, token: Option<&str>, args: &[&str]) -> (i32, Value, String) {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/events/pull_request_opened.json");
        let event = std::fs::read_to_string(fixture)
            .unwrap()
            .replace("__BASE__", &self.base)
            .replace("__HEAD__", &self.head);
        let event = self.repo.tmp_file("event.json", &event);
        let out = self
            .repo
            .shipgate()
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_WORKSPACE", self.repo.path())
            .env("GITHUB_REPOSITORY", "acme/hedgehog")
            .env("GITHUB_API_URL", self.server.url())
            .env("INPUT_TOKEN", token.unwrap_or(""))
            .env("SHIPGATE_API_RETRY_SCALE", "0")
            .args(["check", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (out.status.code().unwrap(), report, text(&out.stderr))
    }
}

#[test]
fn without_a_token_review_says_it_could_not_look_and_passes() {
    let p = Pull::new(Some("checks:\n  review: {level: required}\n"));
    // Labels given, so the event's `release:full` does not make it a full release.
    let (code, report, stderr) = p.run(None, &["--label", "bug"]);
    assert_eq!(code, 0, "{stderr}");
    let review = check(&report, "review");
    assert_eq!(review["status"], "ok");
    assert_eq!(review["level"], "required");
    assert_eq!(
        review["note"],
        "could not look: no GitHub token; give the action one (the `token` input, or GITHUB_TOKEN) with `pull-requests: read`"
    );
    assert!(p.server.requests().is_empty());
}

#[test]
fn a_pull_request_reviewed_by_its_author_alone_is_a_finding() {
    let p = Pull::new(None);
    p.server.on("GET", PULL, Reply::json(p.answer(&[])));
    p.server.paginate(
        REVIEWS,
        vec![
            review_json(1, "ada", "COMMENTED"),
            review_json(2, "grace", "PENDING"),
        ],
        100,
    );
    let (code, report, stderr) = p.run(Some("t0ken"), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(at(&report, "review"), [("-".into(), 0)]);
    assert_eq!(
        messages(&report, "review"),
        [
            "pull request #17 has no requested reviewer and no review by anyone but its author ada: request a review from a team member; merging it unreviewed is a self-merge"
        ]
    );
}

#[test]
fn a_requested_reviewer_or_anyone_else_s_review_satisfies_review() {
    let p = Pull::new(None);
    p.server.on("GET", PULL, Reply::json(p.answer(&["grace"])));
    let (_, report, _) = p.run(Some("t0ken"), &[]);
    assert_eq!(check(&report, "review")["status"], "ok");
    assert_eq!(
        check(&report, "review")["note"],
        "#17 asks grace for a review"
    );
    assert_eq!(p.server.hits("GET", &format!("{REVIEWS}?per_page=100")), 0);

    let p = Pull::new(None);
    p.server.on("GET", PULL, Reply::json(p.answer(&[])));
    let reviews: Vec<Value> = (1..=101)
        .map(|i| review_json(i, if i == 101 { "grace" } else { "ada" }, "COMMENTED"))
        .collect();
    p.server.paginate(REVIEWS, reviews, 100);
    let (_, report, _) = p.run(Some("t0ken"), &[]);
    assert_eq!(check(&report, "review")["status"], "ok", "{report:#}");
    assert_eq!(
        check(&report, "review")["note"],
        "#17 was reviewed by grace"
    );
}

#[test]
fn a_required_review_blocks_and_an_api_failure_is_a_note_or_an_error_by_level() {
    let policy = "checks:\n  review: {level: required}\n";
    let p = Pull::new(Some(policy));
    p.server.on("GET", PULL, Reply::json(p.answer(&[])));
    p.server.paginate(REVIEWS, vec![], 100);
    let (code, report, _) = p.run(Some("t0ken"), &[]);
    assert_eq!((code, report["verdict"].as_str()), (1, Some("blocked")));

    // Labels and body given: the pull request is read for its reviewers all the same.
    let (code, _, _) = p.run(
        Some("t0ken"),
        &["--label", "bug", "--body-file", "README.txt"],
    );
    assert_eq!(code, 1);
    assert_eq!(p.server.hits("GET", PULL), 2);

    let p = Pull::new(Some(policy));
    p.server.on("GET", PULL, Reply::json(p.answer(&[])));
    p.server.on(
        "GET",
        &format!("{REVIEWS}?per_page=100"),
        Reply::status(502),
    );
    let (code, _, stderr) = p.run(Some("t0ken"), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.starts_with("error: could not read the reviews of #17: GitHub API GET "),
        "{stderr}"
    );

    let p = Pull::new(None);
    p.server.on("GET", PULL, Reply::json(p.answer(&[])));
    p.server.on(
        "GET",
        &format!("{REVIEWS}?per_page=100"),
        Reply::status(502),
    );
    let (code, report, stderr) = p.run(Some("t0ken"), &[]);
    assert_eq!(code, 0, "{stderr}");
    let note = check(&report, "review")["note"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        note.starts_with("could not look: could not read the reviews of #17: GitHub API GET "),
        "{note}"
    );
}
