//! Bad input of every kind: shipgate must stop with exit 2 and a message that says what
//! is wrong, where (file:line:col, revision or key path) and what to do. It must never
//! panic and never exit 0 on input it could not judge.

mod common;
#[path = "common/snapshot.rs"]
mod snapshot;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::Repo;
use serde_json::Value;
use tempfile::TempDir;

/// Runs `cmd` expecting "could not decide": exit 2, nothing on stdout, and an error
/// message (not a crash) on stderr, which is returned.
fn fails(cmd: &mut Command) -> String {
    let out = cmd.output().expect("shipgate runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        !stderr.contains("panicked"),
        "a panic, not an error: {stderr}"
    );
    assert!(stdout.is_empty(), "no report on an error; stdout: {stdout}");
    assert!(stderr.starts_with("error: "), "an error message: {stderr}");
    stderr
}

/// `shipgate check ARGS` in `repo`, expected to fail with exit 2; returns stderr.
fn check_fails(repo: &Repo, args: &[&str]) -> String {
    fails(repo.shipgate().arg("check").args(args))
}

/// Runs `cmd` (a `check --format json`) expecting a verdict: exit 0 or 1, no panic, and a
/// JSON report. Returns the exit code and the report.
fn judged(cmd: &mut Command) -> (i32, Value) {
    let out = cmd.output().expect("shipgate runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code().expect("an exit code, not a signal");
    assert!(!stderr.contains("panicked"), "a panic: {stderr}");
    assert!(
        code == 0 || code == 1,
        "expected a verdict (exit 0 or 1), got exit {code}; stderr: {stderr}"
    );
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (code, report)
}

/// `shipgate check --base base --format json ARGS` in `repo`, expecting a verdict.
fn judge(repo: &Repo, args: &[&str]) -> (i32, Value) {
    judged(
        repo.shipgate()
            .args(["check", "--base", "base", "--format", "json"])
            .args(args),
    )
}

/// Asserts that `message` holds each of `parts`.
fn says(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            message.contains(part),
            "the message lacks {part:?}:\n{message}"
        );
    }
}

/// The 10-hex short id that shipgate prints for a commit.
fn short(id: &str) -> &str {
    &id[..10]
}

/// A file outside any repository, with exactly these bytes.
fn outside_file(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn text(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

/// A repository whose base commit (branch `base`) holds `policy` as `.shipgate.yml`,
/// followed on `main` by a change that does not touch it. Returns the repository and
/// the name shipgate gives the policy: `.shipgate.yml@<10-hex>`.
fn repo_with_base_policy(policy: &[u8]) -> (Repo, String) {
    let repo = Repo::new();
    repo.write_bytes(b".shipgate.yml", policy);
    let base = repo.commit("add a policy");
    repo.git(&["branch", "base"]);
    repo.write("src/lib.rs", "// a change\n");
    repo.commit("a change");
    let origin = format!(".shipgate.yml@{}", short(&base));
    (repo, origin)
}

/// Feeds `policy` to shipgate twice, as the base commit's `.shipgate.yml` and as
/// `--config FILE`; both must fail with exit 2 and say each of `expected`, in which
/// `{origin}` stands for the file's name in that run. Returns both messages.
fn policy_fails(policy: &[u8], expected: &[&str]) -> [String; 2] {
    let (repo, origin) = repo_with_base_policy(policy);
    let from_base = check_fails(&repo, &["--base", "base"]);
    let wanted: Vec<String> = expected
        .iter()
        .map(|e| e.replace("{origin}", &origin))
        .collect();
    says(
        &from_base,
        &wanted.iter().map(String::as_str).collect::<Vec<_>>(),
    );

    let plain = Repo::with_base();
    plain.write("src/lib.rs", "// a change\n");
    plain.commit("a change");
    let dir = TempDir::new().unwrap();
    let file = outside_file(&dir, "policy.yml", policy);
    let from_file = check_fails(&plain, &["--base", "base", "--config", text(&file)]);
    let wanted: Vec<String> = expected
        .iter()
        .map(|e| e.replace("{origin}", text(&file)))
        .collect();
    says(
        &from_file,
        &wanted.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    [from_base, from_file]
}

/// Three commits on `main` and a feature branch of two commits forked from the second;
/// returns the repository and the id of `main`'s tip.
fn forked_history() -> (Repo, String) {
    let repo = Repo::new();
    repo.write("README.txt", "one\n");
    repo.commit("one");
    repo.write("README.txt", "two\n");
    repo.commit("two");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("src/a.rs", "// a\n");
    repo.commit("feature a");
    repo.write("src/b.rs", "// b\n");
    repo.commit("feature b");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("README.txt", "three\n");
    let tip = repo.commit("three");
    (repo, tip)
}

/// A one-commit-deep clone of `feature` from `source`, over file:// so that git really
/// makes it shallow.
fn shallow_clone(source: &Repo, into: &TempDir) -> PathBuf {
    source.shallow_clone("feature", into.path())
}

// 1. Unknown revisions.

#[test]
fn unknown_base_revision_is_named_with_what_to_do() {
    let repo = Repo::with_base();
    let err = check_fails(&repo, &["--base", "origin/no-such-branch"]);
    says(&err, &["`origin/no-such-branch`", "--base", "fetch"]);
    assert!(err.contains("check the name"), "{err}");
    // A remote-tracking name is fetched by its branch name: `git fetch origin
    // origin/no-such-branch` would itself fail.
    assert!(!err.contains("git fetch origin origin/"), "{err}");
}

#[test]
fn base_that_names_no_commit() {
    let repo = Repo::with_base();
    let err = check_fails(&repo, &["--base", "HEAD^{tree}"]);
    says(&err, &["`HEAD^{tree}`", "--base", "does not name a commit"]);
}

#[test]
fn unknown_head_revision_is_named_with_what_to_do() {
    let repo = Repo::with_base();
    let err = check_fails(&repo, &["--base", "base", "--head", "feature/typo"]);
    says(&err, &["`feature/typo`", "--head", "fetch"]);
    assert!(err.contains("check the name"), "{err}");
}

/// Words of libgit2's that once reached users in place of ours.
const LIBGIT2_WORDS: [&str; 7] = [
    "revspec",
    "not found",
    "does not exist",
    "no error",
    "failed to parse",
    "no match for id",
    "given tree",
];

#[test]
fn a_revision_that_names_nothing_is_explained_in_shipgate_words() {
    let repo = Repo::with_base();
    repo.write("src/a.rs", "// a\n");
    repo.commit("a");
    let nothing_named = |name: &str, fetch: &str| {
        format!(
            "no branch, tag or commit is named `{name}` here; check the name, or fetch it first \
             (`git fetch {fetch}`)"
        )
    };
    let written_as = "it is not written as a revision that names one commit (ranges such as \
                      `a..b` and `@{-N}` are not read either); write it as a branch, tag or \
                      commit id, optionally followed by `~N` or `^N` (`main`, `origin/main`, \
                      `v1.2.0`, `HEAD~1`)";
    let id = "0123456789abcdef0123456789abcdef01234567";
    let cases = [
        ("nope", nothing_named("nope", "origin nope")),
        ("nope~1", nothing_named("nope", "origin nope")),
        ("origin/gone", nothing_named("origin/gone", "origin gone")),
        (
            "HEAD~5",
            "`HEAD` exists, but `HEAD~5` steps past its history to a commit that is not there; \
             name a commit that exists (`git log --oneline --graph HEAD` shows its history)"
                .to_owned(),
        ),
        (
            "main^2",
            "`main` exists, but `main^2` steps past its history to a commit that is not there; \
             name a commit that exists (`git log --oneline --graph main` shows its history)"
                .to_owned(),
        ),
        ("base..main", written_as.to_owned()),
        ("HEAD@{-1}", written_as.to_owned()),
        (
            "",
            "it is empty; write it as a branch, tag or commit id, optionally followed by `~N` \
             or `^N` (`main`, `origin/main`, `v1.2.0`, `HEAD~1`)"
                .to_owned(),
        ),
        (
            id,
            format!(
                "no commit {id} is in this clone; fetch it first (`git fetch origin {id}`), or check the id"
            ),
        ),
        (
            "abcdef0",
            "no branch or tag is named `abcdef0`, and no commit's id here starts with it; check \
             the id, or fetch the branch that holds the commit"
                .to_owned(),
        ),
        (
            ":/no such words",
            "no commit message matches `no such words`; check the text, which is a regular \
             expression"
                .to_owned(),
        ),
        (
            "@{upstream}",
            "the current branch has no upstream branch; name the base itself (`--base \
             origin/main`), or give the branch an upstream (`git branch --set-upstream-to \
             origin/main`)"
                .to_owned(),
        ),
        (
            "main@{5}",
            "the reflog of `main` does not go back to `@{5}`; name the commit itself".to_owned(),
        ),
        (
            "HEAD:nope.txt",
            "`HEAD:nope.txt` names a path inside `HEAD`, and a path is no commit; pass the \
             commit alone (`HEAD`)"
                .to_owned(),
        ),
    ];
    for (rev, why) in cases {
        let err = check_fails(&repo, &["--base", rev]);
        assert_eq!(
            err,
            format!("error: unknown revision `{rev}` for --base: {why}\n"),
            "{rev}"
        );
        for words in LIBGIT2_WORDS {
            assert!(!err.contains(words), "libgit2's {words:?} for {rev}: {err}");
        }
    }
    // The same words for --head.
    let err = check_fails(&repo, &["--base", "base", "--head", "HEAD~9"]);
    assert_eq!(
        err,
        "error: unknown revision `HEAD~9` for --head: `HEAD` exists, but `HEAD~9` steps past \
         its history to a commit that is not there; name a commit that exists (`git log \
         --oneline --graph HEAD` shows its history)\n"
    );
}

#[test]
fn a_tag_of_a_tree_is_named_as_such() {
    let repo = Repo::with_base();
    let tree = repo.git(&["rev-parse", "HEAD^{tree}"]);
    repo.git(&["tag", "-a", "-m", "a tree", "snapshot", &tree]);
    let err = check_fails(&repo, &["--base", "snapshot"]);
    assert_eq!(
        err,
        "error: --base `snapshot` does not name a commit but a tag of a tree; pass a commit, \
         branch or tag\n"
    );
}

// 2. No base given.

#[test]
fn no_base_without_upstream_or_origin_head_says_to_pass_base() {
    let repo = Repo::with_base();
    repo.write("src/lib.rs", "// a change\n");
    repo.commit("a change");
    let err = check_fails(&repo, &[]);
    says(&err, &["upstream", "origin/HEAD", "pass --base"]);
}

#[test]
fn no_base_uses_the_branch_upstream() {
    let repo = Repo::with_base();
    let remote = TempDir::new().unwrap();
    let remote_path = remote.path().join("origin.git");
    repo.git(&["init", "-q", "--bare", text(&remote_path)]);
    let url = format!("file://{}", remote_path.display());
    repo.git(&["remote", "add", "origin", &url]);
    repo.git(&["push", "-q", "origin", "main"]);
    let upstream = repo.git(&["rev-parse", "origin/main"]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.git(&["branch", "-q", "-u", "origin/main"]);
    repo.write("src/lib.rs", "// a change\n");
    let head = repo.commit("a change");

    let (code, report) = judged(repo.shipgate().args(["check", "--format", "json"]));
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["stage"], "merge");
    assert_eq!(report["range"]["base"], upstream.as_str());
    assert_eq!(report["range"]["head"], head.as_str());
    assert_eq!(report["range"]["commits"], 1);
    assert_eq!(
        report["notes"],
        serde_json::json!(["no --base given: the change is compared with origin/main"])
    );
}

// 3. Shallow clones.

#[test]
fn shallow_clone_without_the_base_says_to_fetch_full_history() {
    let (source, main_tip) = forked_history();
    let dir = TempDir::new().unwrap();
    let clone = shallow_clone(&source, &dir);

    for base in [main_tip.as_str(), "origin/main"] {
        let err = fails(
            source
                .shipgate()
                .current_dir(&clone)
                .args(["check", "--base", base]),
        );
        says(&err, &[base, "--base", "shallow", "fetch-depth: 0"]);
        assert!(!err.contains("unrelated"), "{err}");
    }
}

#[test]
fn shallow_clone_without_the_merge_base_says_to_fetch_full_history() {
    let (source, _) = forked_history();
    let dir = TempDir::new().unwrap();
    let clone = shallow_clone(&source, &dir);
    // The base branch is there, one commit deep; where the feature forked off is not.
    source.git_in(
        &clone,
        &[
            "fetch",
            "-q",
            "--depth",
            "1",
            "origin",
            "main:refs/remotes/origin/main",
        ],
    );

    let err = fails(
        source
            .shipgate()
            .current_dir(&clone)
            .args(["check", "--base", "origin/main"]),
    );
    says(&err, &["shallow", "fetch-depth: 0", "--unshallow"]);
    assert!(!err.contains("unrelated"), "{err}");
}

// 4. Unrelated histories.

#[test]
fn unrelated_histories_are_named_as_such() {
    let repo = Repo::with_base();
    repo.git(&["checkout", "-q", "--orphan", "elsewhere"]);
    repo.git(&["rm", "-q", "-rf", "."]);
    repo.write("other.txt", "another project\n");
    let head = repo.commit("a root of its own");
    let base = repo.git(&["rev-parse", "base"]);

    let err = check_fails(&repo, &["--base", "base"]);
    says(&err, &["unrelated", short(&base), short(&head), "--base"]);
    assert!(!err.contains("shallow"), "{err}");
}

// 5. Not a repository.

#[test]
fn repo_that_is_not_a_repository() {
    let repo = Repo::with_base();
    let elsewhere = TempDir::new().unwrap();
    let err = check_fails(&repo, &["--repo", text(elsewhere.path()), "--base", "base"]);
    says(
        &err,
        &[text(elsewhere.path()), "not in a git repository", "--repo"],
    );

    let missing = elsewhere.path().join("no-such-dir");
    let err = check_fails(&repo, &["--repo", text(&missing), "--base", "base"]);
    says(&err, &[text(&missing)]);
    let lower = err.to_lowercase();
    assert!(
        lower.contains("does not exist") || lower.contains("no such"),
        "a folder that does not exist is a typo, not a folder outside git: {err}"
    );
}

/// A repository that git itself cannot open is named, with what is wrong with it in
/// shipgate's words.
#[test]
fn a_broken_repository_is_explained_in_shipgate_words() {
    let repo = Repo::with_base();
    let top = repo.path().canonicalize().unwrap();
    let dot_git = top.join(".git");
    let broken = |args: &[&str]| check_fails(&repo, args);

    // A `.git` file (a linked worktree's) that says nothing, or points nowhere.
    std::fs::rename(&dot_git, top.join("moved.git")).unwrap();
    std::fs::write(&dot_git, "not a gitdir line\n").unwrap();
    assert_eq!(
        broken(&["--base", "base"]),
        format!(
            "error: the `.git` file at {} does not say where its repository is (it holds no line \
             `gitdir: <path>`); restore it, or pass --repo with a clone\n",
            dot_git.display()
        )
    );
    std::fs::write(&dot_git, "gitdir: ../gone.git\n").unwrap();
    assert_eq!(
        broken(&["--base", "base"]),
        format!(
            "error: `.` is in a linked worktree or submodule whose `.git` file ({}) points at \
             `{}/../gone.git`, which is not a repository; if the main repository moved, run \
             `git worktree repair` in it, or pass --repo with a clone\n",
            dot_git.display(),
            top.display()
        )
    );
    std::fs::remove_file(&dot_git).unwrap();
    std::fs::rename(top.join("moved.git"), &dot_git).unwrap();

    // A format or an extension that libgit2 does not read (git refuses the first as well,
    // so the file is edited as a file).
    let config = dot_git.join("config");
    let set = |args: &[&str]| repo.git(&[&["config", "--file", text(&config)], args].concat());
    set(&["core.repositoryformatversion", "9"]);
    assert_eq!(
        broken(&["--base", "base"]),
        "error: could not open the repository at `.`: it uses repository format version 9, \
         which the git library shipgate is built on (libgit2) cannot read; judge the change in \
         a clone that does not use it\n"
    );
    set(&["core.repositoryformatversion", "1"]);
    set(&["extensions.frobnicate", "true"]);
    assert_eq!(
        broken(&["--base", "base"]),
        "error: could not open the repository at `.`: it uses `extensions.frobnicate = true`, \
         which the git library shipgate is built on (libgit2) cannot read; judge the change in \
         a clone that does not use it\n"
    );
    set(&["--unset", "extensions.frobnicate"]);
    set(&["core.repositoryformatversion", "0"]);

    // A configuration file that does not parse.
    let good = std::fs::read(&config).unwrap();
    std::fs::write(&config, [&good[..], b"[core\n"].concat()).unwrap();
    assert_eq!(
        broken(&["--base", "base"]),
        format!(
            "error: could not open the repository at `.`: the git configuration file {} does \
             not parse; `git config --file {} --list` names the line to fix\n",
            config.display(),
            config.display()
        )
    );
    std::fs::write(&config, &good).unwrap();

    // A `.git` folder that is no repository.
    let head = std::fs::read(dot_git.join("HEAD")).unwrap();
    std::fs::remove_file(dot_git.join("HEAD")).unwrap();
    assert_eq!(
        broken(&["--base", "base"]),
        format!(
            "error: {} is not a repository that git can read (its HEAD, objects or refs are \
             missing); `git status` in `.` says what git makes of it, or pass --repo with a \
             clone\n",
            dot_git.display()
        )
    );
    std::fs::write(dot_git.join("HEAD"), head).unwrap();
    // Repaired, it judges again.
    let (code, _) = judge(&repo, &[]);
    assert_eq!(code, 0);
}

// 6. Unborn HEAD.

#[test]
fn unborn_head_says_there_are_no_commits_yet() {
    let repo = Repo::new();
    for args in [&[][..], &["--base", "main"][..], &["--base", "HEAD"][..]] {
        let err = check_fails(&repo, args);
        says(&err, &["no commits yet", "commit first"]);
    }
}

// 7. Empty range.

#[test]
fn empty_range_is_a_merge_of_no_commits() {
    let repo = Repo::with_base();
    let (code, report) = judge(&repo, &["--head", "base"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["stage"], "merge");
    assert_eq!(report["range"]["commits"], 0);
    assert_eq!(report["range"]["files"], 0);
    assert_eq!(report["range"]["base"], report["range"]["head"]);
    // Said plainly, not only as zeros.
    let base = repo.git(&["rev-parse", "base"]);
    assert_eq!(
        report["notes"],
        serde_json::json!([format!(
            "nothing to judge: head is the base commit {} itself, so the change has no commits \
             and no files; to judge work, commit it first (uncommitted work is never judged) \
             and compare it with the branch it merges into",
            short(&base)
        )])
    );
}

#[test]
fn a_head_already_in_the_base_has_nothing_to_judge() {
    let repo = Repo::with_base();
    repo.write("src/a.rs", "// a\n");
    let tip = repo.commit("a");
    let base = repo.git(&["rev-parse", "base"]);
    let out = repo
        .shipgate()
        .args(["check", "--base", "main", "--head", "base"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "stage    merge (an ordinary merge)\n         no release signal\n\
             range    {tip10}..{base10}, 0 commits, 0 files\n\
             policy   built-in (the base commit {tip10} holds no policy file)\n\n\
             note: nothing to judge: head {base10} is already part of the base {tip10}, so the \
             change has no commits and no files; to judge work, commit it first (uncommitted \
             work is never judged) and compare it with the branch it merges into\n\n\
             pass: nothing to judge (no commits, no files)\n",
            tip10 = short(&tip),
            base10 = short(&base)
        )
    );
    // A commit is something to judge (its trailers may name a stage), even with no files.
    repo.git(&["checkout", "-q", "-b", "empty", "base"]);
    repo.commit("Nothing but a message");
    let (code, report) = judge(&repo, &[]);
    assert_eq!(code, 0);
    assert_eq!(report["range"]["commits"], 1);
    assert_eq!(report["range"]["files"], 0);
    assert_eq!(report["notes"], serde_json::json!([]));
}

#[test]
fn empty_range_with_a_release_label_is_still_judged_as_full() {
    let repo = Repo::with_base();
    let (code, report) = judge(&repo, &["--head", "base", "--label", "release:full"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["verdict"], "blocked");
    assert_eq!(report["stage"], "full");
    assert_eq!(report["range"]["commits"], 0);
}

// 8. Policy problems, at the base commit and through --config.

#[test]
fn policy_unknown_key_suggests_the_right_one() {
    policy_fails(
        b"version: 1\nstagez: []\n",
        &[
            "{origin} is not a valid policy (1 problem)",
            "{origin}:2:1: `stagez`: unknown key; did you mean `stages`?",
        ],
    );
    policy_fails(
        b"overrides:\n  enabeld: false\n",
        &["{origin}:2:3: `overrides.enabeld`: unknown key; did you mean `enabled`?"],
    );
}

#[test]
fn policy_wrong_type_names_the_expected_one() {
    policy_fails(
        b"overrides:\n  enabled: \"no\"\n",
        &["{origin}:2:12: `overrides.enabled`: expected true or false, found a string"],
    );
    policy_fails(
        b"signals:\n  manifests: {Cargo.toml: yes}\n",
        &["{origin}:2:14: `signals.manifests`: expected a list of strings, found a mapping"],
    );
}

#[test]
fn policy_bad_glob_is_located() {
    policy_fails(
        b"requirements:\n  docs:\n    paths: [\"docs/[\"]\n",
        &["{origin}:3:13: `requirements.docs.paths[0]`: invalid glob"],
    );
}

#[test]
fn policy_bad_tag_pattern_regex_is_located() {
    policy_fails(
        b"signals:\n  tag-pattern: '^v(?P<version>'\n",
        &["{origin}:2:16: `signals.tag-pattern`: invalid regex: unclosed group"],
    );
    policy_fails(
        b"signals:\n  tag-pattern: '^v.*$'\n",
        &[
            "{origin}:2:16: `signals.tag-pattern`: the pattern needs a named group `(?P<version>...)`",
        ],
    );
}

/// A policy with seven problems of five kinds.
const SEVERAL_PROBLEMS: &[u8] = b"\
version: 1
stagez: []
requirements:
  docs:
    paths: [\"docs/[\"]
    trailers: [\"D\xc3\xb3cs\"]
  ship-it:
    labels: {yes: please}
  markting: null
signals:
  tag-pattern: '^v(?P<ver>'
";

#[test]
fn policy_with_several_problems_lists_them_all() {
    let messages = policy_fails(
        SEVERAL_PROBLEMS,
        &[
            "{origin} is not a valid policy (7 problems)",
            "{origin}:2:1: `stagez`: unknown key; did you mean `stages`?",
            "{origin}:5:13: `requirements.docs.paths[0]`: invalid glob",
            "{origin}:6:16: `requirements.docs.trailers[0]`: `D\u{f3}cs` cannot be a git trailer key",
            "{origin}:8:13: `requirements.ship-it.labels`: expected a list of strings, found a mapping",
            "{origin}:7:3: `requirements.ship-it`: names no evidence",
            "{origin}:9:3: `requirements.markting`: is set to null, which removes a key, but nothing this file extends has it; did you mean `marketing`?",
            "{origin}:11:16: `signals.tag-pattern`: invalid regex",
        ],
    );
    for message in messages {
        // Each problem is its located line, then three lines of the file's line and a
        // caret, indented deeper.
        let lines: Vec<&str> = message.lines().collect();
        let problems = lines
            .iter()
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .count();
        assert_eq!(
            (problems, lines.len()),
            (7, 1 + 7 * 4),
            "a headline and seven problems:\n{message}"
        );
    }
}

/// The whole message, in the order the problems are listed.
#[test]
fn policy_with_several_problems_in_full() {
    let (repo, _) = repo_with_base_policy(SEVERAL_PROBLEMS);
    let err = check_fails(&repo, &["--base", "base"]);
    snapshot::assert_snapshot("errors__policy_with_several_problems.txt", &err, &[]);
}

#[test]
fn policy_invalid_yaml_syntax_is_located() {
    policy_fails(
        b"version: 1\nstages: [merge\n",
        &["{origin}:2:9: invalid YAML", "unclosed bracket"],
    );
    policy_fails(
        b"version: 1\nstages:\n\t- name: merge\n",
        &["{origin}:3:2: invalid YAML", "tab"],
    );
}

#[test]
fn policy_duplicate_keys_are_errors() {
    let messages = policy_fails(
        b"version: 1\nsignals:\n  trailer: Release\n  trailer: Ship\n",
        &["{origin}:4:3: invalid YAML", "duplicate", "trailer"],
    );
    for message in messages {
        // The user can only remove the duplicate; advice about the YAML library's own
        // settings is none of theirs.
        assert!(!message.contains("DuplicateKeyPolicy"), "{message}");
        assert!(!message.contains("Options"), "{message}");
    }
}

#[test]
fn policy_alias_bomb_is_refused() {
    let mut doc = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 0..9 {
        let prev = if i == 0 {
            "a".to_owned()
        } else {
            format!("b{}", i - 1)
        };
        let refs = vec![format!("*{prev}"); 10].join(", ");
        doc.push_str(&format!("b{i}: &b{i} [{refs}]\n"));
    }
    policy_fails(doc.as_bytes(), &["{origin}:", "invalid YAML", "alias"]);
}

#[test]
fn policy_deep_nesting_is_refused() {
    let doc = format!(
        "version: 1\nstages: {}{}\n",
        "[".repeat(200),
        "]".repeat(200)
    );
    let messages = policy_fails(doc.as_bytes(), &["{origin}:2:", "invalid YAML"]);
    for message in messages {
        let lower = message.to_lowercase();
        assert!(
            lower.contains("depth") || lower.contains("nest"),
            "says the nesting is too deep: {message}"
        );
        // A sentence for people, not a Rust value printed with `{:?}`.
        assert!(!message.contains(" { "), "{message}");
    }
}

#[test]
fn policy_over_256_kib_is_refused() {
    let doc = format!("version: 1\n# {}\n", "x".repeat(300 * 1024));
    let [at_base, from_file] =
        policy_fails(doc.as_bytes(), &["{origin}", "307214 bytes", "256 KiB"]);
    says(&at_base, &["files over 256 KiB are refused"]);
    says(&from_file, &["over its cap of 256 KiB"]);
}

#[test]
fn policy_that_is_not_utf8_is_refused() {
    policy_fails(
        b"version: 1\n# caf\xe9\n",
        &["{origin}: not UTF-8 text", "offset 16", "UTF-8"],
    );
}

#[test]
fn config_file_that_cannot_be_read_is_named() {
    let repo = Repo::with_base();
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("shipgate.yml");
    let want = format!(
        "error: --config `{}` does not exist; pass --config a regular YAML file of at most 256 KiB\n",
        text(&missing)
    );
    let err = check_fails(&repo, &["--base", "base", "--config", text(&missing)]);
    assert_eq!(err, want);
    let err = fails(
        repo.shipgate()
            .args(["validate", "--config", text(&missing)]),
    );
    assert_eq!(err, want);
}

// 9. A policy edited by the change is reported, not applied.

#[test]
fn policy_loosened_in_the_change_is_not_applied() {
    let repo = Repo::with_base();
    repo.write(
        ".shipgate.yml",
        "\
stages:
  - name: merge
  - name: beta
    signals: {labels: [\"release:beta\"]}
  - name: full
    signals: {labels: [\"release:full\"]}
",
    );
    repo.commit("full releases need nothing");

    let (code, report) = judge(&repo, &["--label", "release:full"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["verdict"], "blocked");
    assert_eq!(report["stage"], "full");
    assert_eq!(common::status(&report, "docs"), "missing");
    assert_eq!(report["policy"]["source"], "built-in");
    let changed = &report["policy"]["changed"];
    assert_eq!(changed["path"], ".shipgate.yml");
    assert_eq!(changed["valid"], true);
    assert_eq!(changed["errors"], serde_json::json!([]));
}

#[test]
fn invalid_policy_added_in_the_change_is_reported_not_fatal() {
    let repo = Repo::with_base();
    repo.write(".shipgate.yml", "version: 1\nstagez: []\n");
    let head = repo.commit("a policy with a typo");

    let (code, report) = judge(&repo, &["--label", "release:full"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["stage"], "full");
    let changed = &report["policy"]["changed"];
    assert_eq!(changed["path"], ".shipgate.yml");
    assert_eq!(changed["valid"], false);
    let errors = changed["errors"].as_array().expect("a list of errors");
    assert_eq!(errors.len(), 1, "{changed:#}");
    says(
        errors[0].as_str().unwrap(),
        &[&format!(
            ".shipgate.yml@{}:2:1: `stagez`: unknown key; did you mean `stages`?",
            short(&head)
        )],
    );

    let (code, report) = judge(&repo, &[]);
    assert_eq!(code, 0, "a merge still passes: {report:#}");
    assert_eq!(report["policy"]["changed"]["valid"], false);
}

// 10. A flag registry that does not parse at head.

#[test]
fn flag_registry_with_bad_yaml_at_head() {
    let repo = Repo::with_base();
    repo.write("feature-flags.yml", "flags:\n  replay: [beta\n");
    let head = repo.commit("a broken registry");
    let err = check_fails(&repo, &["--base", "base"]);
    says(
        &err,
        &[
            &format!("feature-flags.yml@{}:2:", short(&head)),
            "invalid YAML",
        ],
    );
    assert!(
        !err.contains("not a valid policy"),
        "the registry is no policy: {err}"
    );
}

#[test]
fn flag_registry_with_a_misspelt_stage_at_head() {
    let repo = Repo::with_base();
    repo.write(
        "feature-flags.yml",
        "flags:\n  replay:\n    stage: beta\n    owner: team-replay\n",
    );
    repo.commit("a flag in beta");
    repo.git(&["branch", "-f", "base"]);
    repo.write(
        "feature-flags.yml",
        "flags:\n  replay:\n    stage: general-availablity\n    owner: team-replay\n",
    );
    let head = repo.commit("the flag goes GA");
    let err = check_fails(&repo, &["--base", "base"]);
    says(
        &err,
        &[
            &format!(
                "feature-flags.yml@{}:3:12: `flags.replay.stage`: `general-availablity` is not a flag stage",
                short(&head)
            ),
            "concept, alpha, beta, general-availability",
        ],
    );
    assert!(
        !err.contains("not a valid policy"),
        "the registry is no policy: {err}"
    );
}

// 11. Manifests that do not parse.

/// A manifest that parses at the base and not at head stops the check, located at head.
fn broken_manifest_fails(file: &str, good: &str, broken: &str, line: u32, format: &str) {
    let repo = Repo::new();
    repo.write(file, good);
    repo.commit("a manifest");
    repo.git(&["branch", "base"]);
    repo.write(file, broken);
    let head = repo.commit("a broken manifest");
    let err = check_fails(&repo, &["--base", "base"]);
    says(
        &err,
        &[
            &format!("{file}@{}:{line}:", short(&head)),
            "cannot read the version",
            format,
        ],
    );
}

#[test]
fn cargo_toml_that_does_not_parse() {
    broken_manifest_fails(
        "Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"1.0.0\"\n",
        "[package\nname = \"app\"\nversion = \"1.1.0\"\n",
        1,
        "TOML",
    );
}

#[test]
fn package_json_that_does_not_parse() {
    broken_manifest_fails(
        "package.json",
        "{\"name\": \"app\", \"version\": \"1.0.0\"}\n",
        "{\n  \"name\": \"app\",\n  \"version\": \"1.1.0\",\n}\n",
        4,
        "JSON",
    );
}

// 12. Look-alike Unicode and typos in stage signals.

#[test]
fn trailer_key_with_a_cyrillic_letter_is_no_trailer() {
    let repo = Repo::with_base();
    repo.write("src/lib.rs", "// a change\n");
    repo.commit("a change\n\nR\u{435}lease: full\n");
    let (code, report) = judge(&repo, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["stage"], "merge");
}

#[test]
fn label_with_a_look_alike_letter_names_no_stage() {
    let repo = Repo::with_base();
    repo.write("src/lib.rs", "// a change\n");
    repo.commit("a change");
    let (code, report) = judge(&repo, &["--label", "release:fu\u{217C}l"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["stage"], "merge");
}

#[test]
fn release_trailer_with_a_typo_cannot_be_judged() {
    let repo = Repo::with_base();
    repo.write("src/lib.rs", "// a change\n");
    let commit = repo.commit("a change\n\nRelease: ful\n");
    let err = check_fails(&repo, &["--base", "base"]);
    says(
        &err,
        &[
            &format!("commit {}", short(&commit)),
            "`Release: ful`",
            "names no stage",
            "beta, full",
        ],
    );
}

// 13. Unknown stage.

#[test]
fn unknown_stage_lists_the_stages() {
    let repo = Repo::with_base();
    let err = check_fails(&repo, &["--base", "base", "--stage", "gold"]);
    says(&err, &["`gold`", "merge, beta, full"]);
}

// 14. Body files.

#[test]
fn missing_body_file_is_named() {
    let repo = Repo::with_base();
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("body.md");
    let err = check_fails(&repo, &["--base", "base", "--body-file", text(&missing)]);
    says(&err, &["--body-file", text(&missing)]);
}

#[test]
fn body_file_that_is_not_utf8_is_named() {
    let repo = Repo::with_base();
    let dir = TempDir::new().unwrap();
    let body = outside_file(&dir, "body.md", b"- [x] Marketing notified \xff\n");
    let err = check_fails(&repo, &["--base", "base", "--body-file", text(&body)]);
    says(&err, &["--body-file", text(&body), "not UTF-8"]);
}

// 15. Two policy files.

#[test]
fn two_policy_files_at_base_say_keep_one() {
    let repo = Repo::new();
    repo.write(".shipgate.yml", "version: 1\n");
    repo.write(".github/shipgate.yml", "version: 1\n");
    let base = repo.commit("two policies");
    repo.git(&["branch", "base"]);
    repo.write("src/lib.rs", "// a change\n");
    repo.commit("a change");
    let err = check_fails(&repo, &["--base", "base"]);
    says(
        &err,
        &[
            ".shipgate.yml",
            ".github/shipgate.yml",
            short(&base),
            "keep one",
        ],
    );
}

// 16. A release tag that is not semver.

#[test]
fn release_tag_that_is_not_semver() {
    let repo = Repo::with_base();
    repo.write("src/lib.rs", "// a change\n");
    repo.commit("a change");
    repo.git(&["tag", "v1.2.3.4"]);
    let err = check_fails(&repo, &["--base", "base"]);
    says(
        &err,
        &["`v1.2.3.4`", "signals.tag-pattern", "not a semver version"],
    );
}

// 17. validate.

#[test]
fn validate_lists_every_problem_and_passes_a_good_file() {
    let repo = Repo::with_base();
    let dir = TempDir::new().unwrap();
    let bad = outside_file(
        &dir,
        "bad.yml",
        b"version: 2\nstagez: []\noverrides:\n  enabled: \"no\"\nsignals:\n  tag-pattern: '^v(?P<version>'\n",
    );
    let err = fails(repo.shipgate().args(["validate", "--config", text(&bad)]));
    let origin = text(&bad);
    says(
        &err,
        &[
            &format!("{origin} is not a valid policy (4 problems)"),
            &format!("{origin}:1:10: `version`: the only policy version is 1"),
            &format!("{origin}:2:1: `stagez`: unknown key; did you mean `stages`?"),
            &format!("{origin}:4:12: `overrides.enabled`: expected true or false"),
            &format!("{origin}:6:16: `signals.tag-pattern`: invalid regex"),
        ],
    );

    let good = outside_file(
        &dir,
        "good.yml",
        b"version: 1\noverrides:\n  enabled: false\n",
    );
    let out = repo
        .shipgate()
        .args(["validate", "--config", text(&good)])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    says(&String::from_utf8_lossy(&out.stdout), &["valid"]);

    // Without --config, validate reads the policy being edited in the working tree.
    repo.write(".shipgate.yml", "version: 1\nstagez: []\n");
    let err = fails(repo.shipgate().arg("validate"));
    says(&err, &[".shipgate.yml:2:1: `stagez`: unknown key"]);
    repo.write(".shipgate.yml", "version: 1\n");
    repo.shipgate().arg("validate").assert().success();
}

#[test]
fn a_policy_that_is_a_symlink_or_a_folder_at_base_is_refused() {
    let repo = Repo::new();
    repo.write("real.yml", "version: 1\n");
    std::os::unix::fs::symlink("real.yml", repo.path().join(".shipgate.yml")).unwrap();
    let base = repo.commit("a linked policy");
    repo.git(&["branch", "base"]);
    repo.commit("feat: x");
    let err = check_fails(&repo, &["--base", "base"]);
    says(
        &err,
        &[&format!(
            "`.shipgate.yml` at {} is a symbolic link",
            short(&base)
        )],
    );

    let repo = Repo::new();
    repo.write(".github/shipgate.yml/oops.yml", "version: 1\n");
    repo.commit("a policy folder");
    repo.git(&["branch", "base"]);
    repo.commit("feat: x");
    let err = check_fails(&repo, &["--base", "base"]);
    says(&err, &["`.github/shipgate.yml`", "is a folder"]);
}

#[test]
fn an_oversized_body_file_is_refused() {
    let repo = Repo::with_base();
    let body = repo.tmp_file("body.md", &"x".repeat(1024 * 1024 + 1));
    let err = check_fails(&repo, &["--base", "base", "--body-file", text(&body)]);
    assert_eq!(
        err,
        format!(
            "error: --body-file `{}` is 1048577 bytes, over its cap of 1 MiB; pass --body-file a \
             regular file holding the pull-request body, of at most 1 MiB\n",
            text(&body)
        )
    );
}

#[test]
fn policy_commands_refuse_a_folder_that_does_not_exist() {
    let repo = Repo::with_base();
    let out = repo
        .shipgate()
        .args(["validate", "--repo", "/nonexistent/folder"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("`/nonexistent/folder` is not a folder that exists"),
        "{err}"
    );
}
