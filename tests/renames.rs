//! shipgate's rename pairing (`Repo::diff`, which runs `source::renames::detect`)
//! against `git diff -M` itself, on real repositories built with the git CLI: the rename
//! pairs must be the same.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use git2::{Oid, Repository};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use shipgate::gather::git::Repo;
use tempfile::TempDir;

/// (old path, new path)
type Pairs = BTreeSet<(Vec<u8>, Vec<u8>)>;

/// A repository in a temp dir, driven by git with a fixed identity and dates and no
/// user or system configuration.
struct Sandbox {
    dir: TempDir,
    home: TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let sandbox = Sandbox {
            dir: TempDir::new().expect("temp dir"),
            home: TempDir::new().expect("temp home"),
        };
        sandbox.git(&["init", "-q", "-b", "main"]);
        sandbox
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) -> Vec<u8> {
        git_in(self.path(), self.home.path(), args)
    }

    fn write(&self, path: &str, content: &[u8]) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
    }

    fn symlink(&self, target: &str, path: &str) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, full).unwrap();
    }

    /// Records a submodule at `path` on `commit`, as a clone that did not initialise it
    /// has it: a gitlink in the index and an empty folder.
    fn submodule(&self, path: &str, commit: &str) {
        std::fs::create_dir_all(self.path().join(path)).unwrap();
        let entry = format!("160000,{commit},{path}");
        self.git(&["update-index", "--add", "--cacheinfo", &entry]);
    }

    fn remove_submodule(&self, path: &str) {
        self.git(&["update-index", "--force-remove", path]);
        std::fs::remove_dir(self.path().join(path)).unwrap();
    }

    fn remove(&self, path: &str) {
        std::fs::remove_file(self.path().join(path)).unwrap();
    }

    /// Commits everything in the work tree and returns the commit id.
    fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        String::from_utf8(self.git(&["rev-parse", "HEAD"]))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// Asserts that `detect` finds the renames git finds from `a` to `b`, and returns
    /// them.
    fn assert_same_renames(&self, a: &str, b: &str) -> Pairs {
        let expected = git_renames(self.path(), self.home.path(), &format!("{a}..{b}"));
        let repo = Repository::open(self.path()).unwrap();
        let (actual, _) = detect_between(self.path(), oid(&repo, a), oid(&repo, b));
        assert_pairs_eq(&expected, &actual);
        actual
    }
}

fn git_in(dir: &Path, home: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada Lovelace")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
        .env("GIT_COMMITTER_NAME", "Ada Lovelace")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// The renames `git diff -M` reports for `range`.
fn git_renames(dir: &Path, home: &Path, range: &str) -> Pairs {
    let out = git_in(
        dir,
        home,
        &[
            "-c",
            "diff.renames=true",
            "-c",
            "diff.renameLimit=1000",
            "diff",
            "--name-status",
            "-z",
            "-M",
            range,
        ],
    );
    let mut fields = out.split(|&b| b == 0).filter(|f| !f.is_empty());
    let mut pairs = Pairs::new();
    while let Some(status) = fields.next() {
        let first = fields.next().expect("a path after the status");
        if status.starts_with(b"R") || status.starts_with(b"C") {
            let second = fields.next().expect("a second path");
            pairs.insert((first.to_vec(), second.to_vec()));
        }
    }
    pairs
}

fn oid(repo: &Repository, rev: &str) -> Oid {
    repo.revparse_single(rev)
        .unwrap()
        .peel_to_commit()
        .unwrap()
        .id()
}

/// The renames shipgate reports from commit `a` to commit `b`: [`Repo::diff`], the
/// tree diff and rename pairing that `check` and the hook run. Also returns how long it
/// took.
fn detect_between(dir: &Path, a: Oid, b: Oid) -> (Pairs, Duration) {
    let repo = Repo::open(dir).unwrap();
    let start = Instant::now();
    let files = repo.diff(Some(a), b).unwrap();
    let took = start.elapsed();
    let pairs = files
        .into_iter()
        .filter_map(|f| Some((f.old_path?, f.path)))
        .collect();
    (pairs, took)
}

fn pairs_of(list: &[(String, String)]) -> Pairs {
    list.iter()
        .map(|(from, to)| (from.clone().into_bytes(), to.clone().into_bytes()))
        .collect()
}

fn assert_pairs_eq(expected: &Pairs, actual: &Pairs) {
    if expected == actual {
        return;
    }
    let show = |pairs: Vec<&(Vec<u8>, Vec<u8>)>| {
        pairs
            .iter()
            .map(|(a, b)| {
                format!(
                    "  {} -> {}",
                    String::from_utf8_lossy(a),
                    String::from_utf8_lossy(b)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    panic!(
        "rename pairs differ from git's\nonly git:\n{}\nonly detect:\n{}",
        show(expected.difference(actual).collect()),
        show(actual.difference(expected).collect()),
    );
}

/// A small seeded generator (SplitMix64), so every run builds the same repositories.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const SYLLABLES: [&str; 16] = [
    "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "qua", "bri", "dol", "fen", "gor", "hul",
    "jin",
];

fn word(rng: &mut Rng) -> String {
    (0..1 + rng.below(3))
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len())])
        .collect()
}

/// A line of 0 to about 120 characters: long enough, sometimes, to be cut into 64-byte
/// spans.
fn line(rng: &mut Rng) -> String {
    let words = match rng.below(10) {
        0 => 0,
        1..=6 => 1 + rng.below(8),
        _ => 8 + rng.below(20),
    };
    (0..words).map(|_| word(rng)).collect::<Vec<_>>().join(" ")
}

/// A file's content: text of various sizes, sometimes CRLF, sometimes without a final
/// newline, sometimes binary or empty.
fn content(rng: &mut Rng) -> Vec<u8> {
    match rng.below(40) {
        0 => Vec::new(),
        1 => {
            let mut data: Vec<u8> = (0..200 + rng.below(3000))
                .map(|_| rng.next() as u8)
                .collect();
            let at = rng.below(data.len().min(100));
            data[at] = 0;
            data
        }
        kind => {
            let lines = match rng.below(10) {
                0 => 1 + rng.below(3),
                1..=7 => 5 + rng.below(60),
                _ => 80 + rng.below(300),
            };
            let eol = if kind < 5 { "\r\n" } else { "\n" };
            let mut text: String = (0..lines).map(|_| line(rng) + eol).collect();
            if rng.chance(10) {
                text.truncate(text.trim_end().len());
            }
            text.into_bytes()
        }
    }
}

/// Rewrites about `percent`% of the lines of `data`, and sometimes adds or drops some.
fn edit(rng: &mut Rng, data: &[u8], percent: usize) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = data
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    for l in lines.iter_mut() {
        if rng.chance(percent) {
            *l = (line(rng) + "\n").into_bytes();
        }
    }
    if rng.chance(30) && !lines.is_empty() {
        let at = rng.below(lines.len());
        lines.remove(at);
    }
    if rng.chance(30) {
        let at = rng.below(lines.len() + 1);
        lines.insert(at, (line(rng) + "\n").into_bytes());
    }
    lines.concat()
}

/// Builds a base tree of `files` files, then a head where files are deleted, moved
/// (same or new basename, with edits from none to heavy), copied into several places,
/// and new files are added, and checks `detect` against git.
fn generated_scenario(seed: u64, files: usize) -> Pairs {
    let mut rng = Rng(seed);
    let sandbox = Sandbox::new();
    let dirs = ["src", "src/core", "docs", "lib/util", "tests", ""];
    // A small pool of basenames, so some are unique and some are shared.
    let names: Vec<String> = (0..files / 3)
        .map(|i| {
            format!(
                "{}_{i}.{}",
                word(&mut rng),
                ["rs", "md", "txt", "bin"][i % 4]
            )
        })
        .collect();
    let path = |rng: &mut Rng| {
        let dir = dirs[rng.below(dirs.len())];
        let name = &names[rng.below(names.len())];
        if dir.is_empty() {
            name.clone()
        } else {
            format!("{dir}/{name}")
        }
    };

    let mut base: Vec<(String, Vec<u8>)> = Vec::new();
    let mut taken = BTreeSet::new();
    while base.len() < files {
        let p = path(&mut rng);
        if !taken.insert(p.clone()) {
            continue;
        }
        // Some files are byte-for-byte duplicates of an earlier one.
        let data = if !base.is_empty() && rng.chance(8) {
            base[rng.below(base.len())].1.clone()
        } else {
            content(&mut rng)
        };
        base.push((p, data));
    }
    for (p, data) in &base {
        sandbox.write(p, data);
    }
    let a = sandbox.commit("base");

    let mut new_paths: Vec<String> = Vec::new();
    let mut fresh_path = |rng: &mut Rng, taken: &mut BTreeSet<String>| loop {
        let p = match rng.below(3) {
            0 => format!("moved/{}", path(rng)),
            _ => format!(
                "{}/{}",
                ["new", "src/new", "docs/v2"][rng.below(3)],
                path(rng)
            ),
        };
        if taken.insert(p.clone()) {
            new_paths.push(p.clone());
            return p;
        }
    };
    for (p, data) in &base {
        match rng.below(10) {
            0..=2 => {}
            3 => sandbox.write(p, &edit(&mut rng, data, 20)),
            4 => sandbox.remove(p),
            _ => {
                sandbox.remove(p);
                let copies = if rng.chance(10) { 2 } else { 1 };
                for _ in 0..copies {
                    let to = fresh_path(&mut rng, &mut taken);
                    let percent = [0, 0, 5, 15, 30, 45, 50, 55, 70][rng.below(9)];
                    let data = if percent == 0 {
                        data.clone()
                    } else {
                        edit(&mut rng, data, percent)
                    };
                    sandbox.write(&to, &data);
                }
            }
        }
    }
    for _ in 0..files / 10 {
        let to = fresh_path(&mut rng, &mut taken);
        sandbox.write(&to, &content(&mut rng));
    }
    let b = sandbox.commit("head");
    sandbox.assert_same_renames(&a, &b)
}

#[test]
fn generated_histories_match_git() {
    let mut total = 0;
    for seed in 1..=6 {
        total += generated_scenario(seed, 120).len();
    }
    // The scenarios are meant to exercise renames, not to find none.
    assert!(total > 100, "only {total} renames");
}

#[test]
fn a_larger_generated_history_matches_git() {
    let renames = generated_scenario(2024, 600);
    assert!(renames.len() > 150, "only {} renames", renames.len());
}

fn numbered(prefix: &str, range: std::ops::Range<u32>) -> String {
    range.map(|i| format!("{prefix} line {i:04}\n")).collect()
}

#[test]
fn exact_rename_prefers_the_same_basename() {
    let sandbox = Sandbox::new();
    let text = numbered("same", 0..20);
    for p in ["a/one.txt", "b/two.txt", "c/three.txt"] {
        sandbox.write(p, text.as_bytes());
    }
    let a = sandbox.commit("base");
    for p in ["a/one.txt", "b/two.txt", "c/three.txt"] {
        sandbox.remove(p);
    }
    sandbox.write("x/two.txt", text.as_bytes());
    sandbox.write("y/other.txt", text.as_bytes());
    let b = sandbox.commit("head");
    let pairs = sandbox.assert_same_renames(&a, &b);
    assert!(pairs.contains(&(b"b/two.txt".to_vec(), b"x/two.txt".to_vec())));
}

#[test]
fn empty_files_pair_only_exactly() {
    let sandbox = Sandbox::new();
    sandbox.write("empty1", b"");
    sandbox.write("empty2", b"");
    sandbox.write("tiny", b"x\n");
    let a = sandbox.commit("base");
    sandbox.remove("empty1");
    sandbox.remove("empty2");
    sandbox.remove("tiny");
    sandbox.write("moved/empty2", b"");
    sandbox.write("elsewhere", b"");
    sandbox.write("tiny2", b"");
    let b = sandbox.commit("head");
    let pairs = sandbox.assert_same_renames(&a, &b);
    assert_eq!(pairs.len(), 2);
}

#[test]
fn a_unique_basename_wins_over_a_better_match() {
    // After git's t4001 "basename similarity vs best similarity".
    let sandbox = Sandbox::new();
    let body = numbered("body", 0..10);
    sandbox.write("subdir/file.txt", body.as_bytes());
    let a = sandbox.commit("base");
    sandbox.remove("subdir/file.txt");
    sandbox.write(
        "file.txt",
        format!("{body}extra one\nextra two\n").as_bytes(),
    );
    sandbox.write("file.md", format!("{body}extra one\n").as_bytes());
    let b = sandbox.commit("head");
    let pairs = sandbox.assert_same_renames(&a, &b);
    assert!(pairs.contains(&(b"subdir/file.txt".to_vec(), b"file.txt".to_vec())));
}

#[test]
fn a_basename_match_under_75_percent_waits_for_the_matrix() {
    let sandbox = Sandbox::new();
    sandbox.write("a/file.txt", numbered("body", 0..20).as_bytes());
    let a = sandbox.commit("base");
    sandbox.remove("a/file.txt");
    // 12 of 20 lines kept (60%): enough for a rename, not for a basename match.
    let kept = format!("{}{}", numbered("body", 0..12), numbered("else", 0..8));
    sandbox.write("b/file.txt", kept.as_bytes());
    // 18 of 20 kept: the matrix prefers this one.
    let better = format!("{}{}", numbered("body", 0..18), numbered("else", 0..2));
    sandbox.write("c/other.txt", better.as_bytes());
    let b = sandbox.commit("head");
    let pairs = sandbox.assert_same_renames(&a, &b);
    assert!(pairs.contains(&(b"a/file.txt".to_vec(), b"c/other.txt".to_vec())));
}

#[test]
fn tied_sources_follow_gits_slot_order() {
    // Four identical sources tie for one destination, after an unrelated source that
    // fills a slot first: the last of the four takes that slot, ahead of the other
    // three, so git pairs it rather than the first.
    let sandbox = Sandbox::new();
    let shared = numbered("shared", 0..40);
    sandbox.write("a0.txt", numbered("unrelated", 0..40).as_bytes());
    for i in 1..=4 {
        sandbox.write(&format!("b{i}.txt"), shared.as_bytes());
    }
    let a = sandbox.commit("base");
    for p in ["a0.txt", "b1.txt", "b2.txt", "b3.txt", "b4.txt"] {
        sandbox.remove(p);
    }
    sandbox.write(
        "z.txt",
        format!("{}{}", numbered("shared", 0..30), numbered("new", 0..10)).as_bytes(),
    );
    let b = sandbox.commit("head");
    let pairs = sandbox.assert_same_renames(&a, &b);
    assert_eq!(
        pairs,
        Pairs::from([(b"b4.txt".to_vec(), b"z.txt".to_vec())])
    );
}

#[test]
fn tied_sources_meet_the_symlinks_git_also_scores() {
    // The shape of rust-lang/cargo f3a444853839...a3e352e4b8f2, where test snapshots
    // moved from `snapshots/add/<case>.*` to `testsuite/add/<case>/*`. Four cases had
    // the same stderr, which the new layout extends by a line, so the four sources tie
    // for each of their destinations; every `<case>.in` symlink is replaced by one with
    // another target, so none of them pairs. git scores every remaining source against
    // each destination, symlinks included: they score 0, but as the first sources in
    // path order they take the first of its four candidate slots, and that decides the
    // slot order of the tied sources, and so which goes where.
    let sandbox = Sandbox::new();
    let updating = "    Updating git repository `[ROOTURL]/git-package`\n";
    let adding = "      Adding git-package (git) to dependencies.\n";
    let cases = [
        (
            "add_basic",
            "    Updating `dummy-registry` index\n".to_owned(),
        ),
        ("git", format!("{updating}{adding}")),
        ("git_branch", format!("{updating}{adding}")),
        (
            "git_dev",
            format!("{updating}      Adding git-package (git) to dev-dependencies.\n"),
        ),
        ("git_inferred_name", format!("{updating}{updating}{adding}")),
        ("git_rev", format!("{updating}{adding}")),
        ("git_tag", format!("{updating}{adding}")),
    ];
    for (case, stderr) in &cases {
        sandbox.symlink("add-basic.in/", &format!("snapshots/add/{case}.in"));
        sandbox.write(&format!("snapshots/add/{case}.stderr"), stderr.as_bytes());
    }
    let a = sandbox.commit("base");
    for (case, stderr) in &cases {
        sandbox.remove(&format!("snapshots/add/{case}.in"));
        sandbox.remove(&format!("snapshots/add/{case}.stderr"));
        sandbox.symlink("../add-basic/in", &format!("testsuite/add/{case}/in"));
        let moved = match *case {
            "git_inferred_name" | "add_basic" => stderr.clone(),
            _ => format!("{stderr}{updating}"),
        };
        sandbox.write(
            &format!("testsuite/add/{case}/stderr.log"),
            moved.as_bytes(),
        );
    }
    let b = sandbox.commit("head");
    let pairs = sandbox.assert_same_renames(&a, &b);
    // Without the symlinks, `git` would go to `git`, `git_branch` to `git_branch` and
    // `git_tag` to `git_rev`.
    let expected = [
        ("add_basic", "add_basic"),
        ("git", "git_rev"),
        ("git_branch", "git"),
        ("git_dev", "git_dev"),
        ("git_inferred_name", "git_inferred_name"),
        ("git_rev", "git_tag"),
        ("git_tag", "git_branch"),
    ]
    .map(|(from, to)| {
        (
            format!("snapshots/add/{from}.stderr"),
            format!("testsuite/add/{to}/stderr.log"),
        )
    });
    assert_eq!(pairs, pairs_of(&expected));
}

#[test]
fn tied_sources_with_the_same_basename_meet_the_symlinks_too() {
    // The shape of rust-lang/cargo 1f2d5ef0ef56...da204963d6c0: the same move, seen for
    // the `dependency/Cargo.toml` of each case. Two groups of identical sources, every
    // one with the destinations' basename, tie at equal scores; the first identical
    // sources go to exact copies, and symlinks and unrelated manifests, which git also
    // scores, come first in path order.
    let sandbox = Sandbox::new();
    let manifest = |name: &str, extra: &str| {
        format!("[workspace]\n\n[package]\nname = \"{name}\"\nversion = \"0.0.0\"\n{extra}")
    };
    let plain = manifest("cargo-list-test-fixture-dependency", "");
    let featured = manifest(
        "your-face",
        "\n[features]\nnose = []\nmouth = []\neyes = []\nears = []\n",
    );
    let cases = [
        ("add_basic", manifest("cargo-list-test-fixture", "")),
        ("build_prefer_existing_version", plain.clone()),
        ("dev_prefer_existing_version", plain.clone()),
        ("list_features_path_no_default", featured.clone()),
        ("path_inferred_name", plain.clone()),
        (
            "path_inferred_name_conflicts_full_feature",
            featured.clone(),
        ),
        ("path_normalized_name", plain.clone()),
    ];
    for (case, text) in &cases {
        sandbox.symlink("add-basic.in/", &format!("snapshots/add/{case}.link"));
        for side in ["in", "out"] {
            sandbox.write(
                &format!("snapshots/add/{case}.{side}/dependency/Cargo.toml"),
                text.as_bytes(),
            );
        }
    }
    let a = sandbox.commit("base");
    std::fs::remove_dir_all(sandbox.path().join("snapshots")).unwrap();
    let plain_edited = plain.replace("\nversion", "\nedition = \"2015\"\nversion");
    let featured_edited = featured.replace("\nears = []", "\nears = []\nhair = []");
    let moved = [
        ("add_basic", None),
        ("build_prefer_existing_version", Some(&plain_edited)),
        ("dev_prefer_existing_version", Some(&plain_edited)),
        ("invalid_path_name", Some(&plain)),
        ("list_features_path", Some(&featured_edited)),
        ("list_features_path_no_default", Some(&featured_edited)),
        ("overwrite_git_with_path", Some(&plain)),
    ];
    for (case, text) in moved {
        sandbox.symlink("../add-basic/in", &format!("testsuite/add/{case}/link"));
        for side in ["in", "out"] {
            if let Some(text) = text {
                sandbox.write(
                    &format!("testsuite/add/{case}/{side}/dependency/Cargo.toml"),
                    text.as_bytes(),
                );
            }
        }
    }
    let b = sandbox.commit("head");
    let pairs = sandbox.assert_same_renames(&a, &b);
    let expected = [
        // Exact copies take the first identical sources in path order.
        ("build_prefer_existing_version.in", "invalid_path_name/in"),
        ("build_prefer_existing_version.out", "invalid_path_name/out"),
        (
            "dev_prefer_existing_version.in",
            "overwrite_git_with_path/in",
        ),
        (
            "dev_prefer_existing_version.out",
            "overwrite_git_with_path/out",
        ),
        // The ties, in git's slot order rather than path order.
        ("list_features_path_no_default.in", "list_features_path/out"),
        (
            "list_features_path_no_default.out",
            "list_features_path_no_default/out",
        ),
        ("path_inferred_name.in", "build_prefer_existing_version/out"),
        ("path_inferred_name.out", "dev_prefer_existing_version/out"),
        (
            "path_inferred_name_conflicts_full_feature.in",
            "list_features_path/in",
        ),
        (
            "path_inferred_name_conflicts_full_feature.out",
            "list_features_path_no_default/in",
        ),
        (
            "path_normalized_name.in",
            "build_prefer_existing_version/in",
        ),
        ("path_normalized_name.out", "dev_prefer_existing_version/in"),
    ]
    .map(|(from, to)| {
        (
            format!("snapshots/add/{from}/dependency/Cargo.toml"),
            format!("testsuite/add/{to}/dependency/Cargo.toml"),
        )
    });
    assert_eq!(pairs, pairs_of(&expected));
}

#[test]
fn identical_sources_in_reverse_when_gits_table_grows_on_the_last() {
    // git's table of sources is sized for their count, but with 205 of them the last
    // one added (the first in path order) makes it grow, which reverses the order in
    // which identical sources are met: the last one wins. With 204 the first does.
    for (sources, winner) in [(204, "f010.txt"), (205, "f150.txt")] {
        let sandbox = Sandbox::new();
        for i in 1..=sources {
            let text = match i {
                10 | 100 | 150 => "the same content\n".to_owned(),
                _ => format!("file {i}\n"),
            };
            sandbox.write(&format!("old/f{i:03}.txt"), text.as_bytes());
        }
        let a = sandbox.commit("base");
        std::fs::remove_dir_all(sandbox.path().join("old")).unwrap();
        sandbox.write("new.txt", b"the same content\n");
        let b = sandbox.commit("head");
        let pairs = sandbox.assert_same_renames(&a, &b);
        let expected = (format!("old/{winner}").into_bytes(), b"new.txt".to_vec());
        assert_eq!(pairs, Pairs::from([expected]), "{sources} sources");
    }
}

#[test]
fn competing_destinations_and_the_size_boundary() {
    let sandbox = Sandbox::new();
    let text = numbered("src", 0..40);
    sandbox.write("old/a.txt", text.as_bytes());
    sandbox.write("old/b.txt", numbered("other", 0..40).as_bytes());
    let a = sandbox.commit("base");
    sandbox.remove("old/a.txt");
    sandbox.remove("old/b.txt");
    // Two equally similar destinations: the first in path order wins.
    let edited = format!("{}{}", numbered("src", 0..30), numbered("new", 0..10));
    sandbox.write("new/p.txt", edited.as_bytes());
    sandbox.write("new/q.txt", edited.as_bytes());
    // Twice the size, half of it from old/b.txt: exactly at the 50% edge of both the
    // size test and the score, which still pairs.
    sandbox.write(
        "new/r.txt",
        format!("{}{}", numbered("other", 0..40), numbered("added", 0..40)).as_bytes(),
    );
    let b = sandbox.commit("head");
    let pairs = sandbox.assert_same_renames(&a, &b);
    let expected = [("old/a.txt", "new/p.txt"), ("old/b.txt", "new/r.txt")]
        .map(|(from, to)| (from.as_bytes().to_vec(), to.as_bytes().to_vec()));
    assert_eq!(pairs, Pairs::from(expected));
}

#[test]
fn line_endings_binary_and_unterminated_lines() {
    let sandbox = Sandbox::new();
    let lf = numbered("crlf", 0..30);
    sandbox.write("text/lf.txt", lf.as_bytes());
    let mut binary = vec![0u8];
    binary.extend_from_slice(numbered("binary", 0..30).as_bytes());
    sandbox.write("bin/data.bin", &binary);
    let tail = "a last line without a newline, long enough to outweigh the rest";
    sandbox.write("tail.txt", format!("a\nb\nc\n{tail}").as_bytes());
    let a = sandbox.commit("base");
    sandbox.remove("text/lf.txt");
    sandbox.remove("bin/data.bin");
    sandbox.remove("tail.txt");
    // The same text with CRLF: in text, CR before LF is not counted.
    sandbox.write("text2/crlf.txt", lf.replace('\n', "\r\n").as_bytes());
    // The binary with CRLF: here CR counts, and no span matches any more.
    sandbox.write("bin2/data2.bin", &crlf(&binary));
    // Every terminated line changed, the unterminated one kept: git (since 2.44)
    // counts that last span, which makes this a rename.
    sandbox.write("tail2.txt", format!("x\ny\nz\n{tail}").as_bytes());
    let b = sandbox.commit("head");
    let pairs = sandbox.assert_same_renames(&a, &b);
    assert!(pairs.contains(&(b"text/lf.txt".to_vec(), b"text2/crlf.txt".to_vec())));
    assert!(!pairs.iter().any(|(from, _)| from == b"bin/data.bin"));
    assert!(pairs.contains(&(b"tail.txt".to_vec(), b"tail2.txt".to_vec())));
}

#[test]
fn many_identical_sources_stop_the_basename_search() {
    // git looks at 100 unused identical sources at most for one with the same
    // basename: past f050 (taken by its namesake), f101 is the 101st, too far, so the
    // first one is taken.
    let sandbox = Sandbox::new();
    for i in 0..102 {
        sandbox.write(&format!("old/f{i:03}.txt"), b"the same content\n");
    }
    let a = sandbox.commit("base");
    for i in 0..102 {
        sandbox.remove(&format!("old/f{i:03}.txt"));
    }
    sandbox.write("new/f101.txt", b"the same content\n");
    sandbox.write("new/f050.txt", b"the same content\n");
    let b = sandbox.commit("head");
    let pairs = sandbox.assert_same_renames(&a, &b);
    assert!(pairs.contains(&(b"old/f000.txt".to_vec(), b"new/f101.txt".to_vec())));
    assert!(pairs.contains(&(b"old/f050.txt".to_vec(), b"new/f050.txt".to_vec())));
}

fn crlf(data: &[u8]) -> Vec<u8> {
    data.iter()
        .flat_map(|&b| {
            if b == b'\n' {
                vec![b'\r', b'\n']
            } else {
                vec![b]
            }
        })
        .collect()
}

#[test]
fn leading_nuls_hash_like_nothing_and_tie() {
    // NUL bytes at the start of a span leave git's rolling hash at zero, so a binary
    // file that is a text file behind four NULs has the same spans, ties with the text
    // file for a CRLF copy of it, and wins by coming first in path order.
    let sandbox = Sandbox::new();
    let lf = numbered("text", 0..30);
    sandbox.write("text/lf.txt", lf.as_bytes());
    let mut binary = vec![0u8; 4];
    binary.extend_from_slice(lf.as_bytes());
    sandbox.write("bin/data.bin", &binary);
    let a = sandbox.commit("base");
    sandbox.remove("text/lf.txt");
    sandbox.remove("bin/data.bin");
    sandbox.write("text2/crlf.txt", &crlf(lf.as_bytes()));
    let b = sandbox.commit("head");
    let pairs = sandbox.assert_same_renames(&a, &b);
    assert!(pairs.contains(&(b"bin/data.bin".to_vec(), b"text2/crlf.txt".to_vec())));
}

#[test]
fn symlinks_move_exactly() {
    // A symlink's blob is its target's name, so a file holding that name has the same
    // blob. git pairs each only with its own kind, although the file comes first among
    // the sources and the symlink first among the destinations.
    let sandbox = Sandbox::new();
    sandbox.write("target.txt", b"hello\n");
    sandbox.symlink("target.txt", "link");
    sandbox.write("a-plain", b"target.txt");
    let a = sandbox.commit("base");
    sandbox.remove("link");
    sandbox.remove("a-plain");
    sandbox.symlink("target.txt", "sub/a-link");
    sandbox.write("sub/b-plain", b"target.txt");
    let b = sandbox.commit("head");
    let pairs = sandbox.assert_same_renames(&a, &b);
    let expected = [("link", "sub/a-link"), ("a-plain", "sub/b-plain")]
        .map(|(from, to)| (from.to_owned(), to.to_owned()));
    assert_eq!(pairs, pairs_of(&expected));
}

#[test]
fn submodules_move_exactly_and_count_as_basenames() {
    // git pairs a submodule with an identical one, as it does a symlink. And a deleted
    // submodule named `util` makes `util` no unique basename among the sources, so
    // `src/util` is not matched by name with `lib/util` first: the matrix gives it the
    // more similar `lib/helpers`.
    let sandbox = Sandbox::new();
    let (one, two) = ("1".repeat(40), "2".repeat(40));
    sandbox.submodule("vendor/lib", &one);
    sandbox.submodule("vendor/other", &two);
    sandbox.submodule("vendor/util", &two);
    sandbox.write("src/util", numbered("util", 0..20).as_bytes());
    let a = sandbox.commit("base");
    for path in ["vendor/lib", "vendor/other", "vendor/util"] {
        sandbox.remove_submodule(path);
    }
    sandbox.remove("src/util");
    sandbox.submodule("third_party/lib", &one);
    sandbox.submodule("third_party/other", &"3".repeat(40));
    // 16 and 19 of 20 lines kept.
    let kept = |n| format!("{}{}", numbered("util", 0..n), numbered("new", n..20));
    sandbox.write("lib/util", kept(16).as_bytes());
    sandbox.write("lib/helpers", kept(19).as_bytes());
    let b = sandbox.commit("head");
    let pairs = sandbox.assert_same_renames(&a, &b);
    let expected = [
        ("vendor/lib", "third_party/lib"),
        ("src/util", "lib/helpers"),
    ]
    .map(|(from, to)| (from.to_owned(), to.to_owned()));
    assert_eq!(pairs, pairs_of(&expected));
}

#[test]
fn past_the_rename_limit_only_exact_and_basename_renames_remain() {
    // 1,001 sources by 1,000 destinations is over 1000²: git skips the inexact matrix.
    let sandbox = Sandbox::new();
    for i in 0..1003 {
        sandbox.write(
            &format!("old/f{i}.txt"),
            numbered(&format!("file {i}"), 0..8).as_bytes(),
        );
    }
    let a = sandbox.commit("base");
    for i in 0..1003 {
        sandbox.remove(&format!("old/f{i}.txt"));
    }
    // Exact, and basename with a small edit.
    sandbox.write("new/e.txt", numbered("file 0", 0..8).as_bytes());
    sandbox.write(
        "new/f1.txt",
        format!("{}changed\n", numbered("file 1", 0..7)).as_bytes(),
    );
    // The rest are similar to their source under another name.
    for i in 2..1002 {
        sandbox.write(
            &format!("new/g{i}.txt"),
            format!("{}changed\n", numbered(&format!("file {i}"), 0..7)).as_bytes(),
        );
    }
    let b = sandbox.commit("head");
    let pairs = sandbox.assert_same_renames(&a, &b);
    assert_eq!(pairs.len(), 2);
}

/// A file for the property test: a directory, a name, and lines from a small vocabulary
/// so that files often share content.
#[derive(Debug, Clone)]
struct GenFile {
    dir: u8,
    name: u8,
    lines: Vec<u8>,
}

#[derive(Debug, Clone)]
enum Op {
    Keep,
    Delete,
    /// Move to (dir, name), replacing the lines at these positions.
    Move(u8, u8, Vec<(usize, u8)>),
}

fn gen_file() -> impl Strategy<Value = GenFile> {
    (0..4u8, 0..6u8, prop::collection::vec(0..16u8, 0..24)).prop_map(|(dir, name, lines)| GenFile {
        dir,
        name,
        lines,
    })
}

fn gen_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::Keep),
        1 => Just(Op::Delete),
        3 => (0..4u8, 0..6u8, prop::collection::vec((0..24usize, 0..16u8), 0..8))
            .prop_map(|(d, n, edits)| Op::Move(d, n, edits)),
    ]
}

fn render(dir: u8, name: u8, moved: bool) -> String {
    let top = if moved { "to" } else { "from" };
    if dir == 0 {
        format!("{top}-f{name}.txt")
    } else {
        format!("{top}/d{dir}/f{name}.txt")
    }
}

fn render_lines(lines: &[u8]) -> Vec<u8> {
    lines
        .iter()
        .map(|&l| format!("vocabulary line {l} {}\n", "x".repeat(usize::from(l) * 5)))
        .collect::<String>()
        .into_bytes()
}

/// An entry for the tie-heavy property test.
#[derive(Debug, Clone)]
enum TieEntry {
    /// A regular file: one of a few templates of equal-length lines, with some lines
    /// swapped for variants of the same length, and sometimes a few lines more. Files
    /// from one template are the same size unless extended, and every line swapped
    /// costs the same, so scores tie everywhere.
    File {
        template: u8,
        variants: Vec<(u8, u8)>,
        extra: u8,
    },
    /// A symlink to one of a few targets: git pairs it only with an identical one, but
    /// it takes part in every tie-break.
    Link(u8),
}

const TIE_LINES: u8 = 12;

fn tie_entry() -> impl Strategy<Value = TieEntry> {
    prop_oneof![
        8 => (
            0..3u8,
            prop::collection::vec((0..TIE_LINES, 0..4u8), 0..5),
            prop_oneof![3 => Just(0u8), 1 => 1..4u8],
        )
            .prop_map(|(template, variants, extra)| TieEntry::File {
                template,
                variants,
                extra,
            }),
        1 => (0..3u8).prop_map(TieEntry::Link),
    ]
}

/// Few folders and few names, so that identical files and shared basenames abound.
fn tie_path(top: &str, dir: u8, name: u8) -> String {
    let dir = ["", "a/", "a/b/", "c/"][usize::from(dir)];
    format!("{top}/{dir}f{name}.txt")
}

impl Sandbox {
    fn write_tie_entry(&self, path: &str, entry: &TieEntry) {
        match entry {
            TieEntry::Link(target) => self.symlink(&format!("target-{target}"), path),
            TieEntry::File {
                template,
                variants,
                extra,
            } => {
                let mut lines: Vec<String> = (0..TIE_LINES)
                    .map(|i| format!("template {template} line {i:02}\n"))
                    .collect();
                for &(at, variant) in variants {
                    lines[usize::from(at)] = format!("variants {variant} line {at:02}\n");
                }
                lines.extend((0..*extra).map(|i| format!("an extra line, {i:02}\n")));
                self.write(path, lines.concat().as_bytes());
            }
        }
    }
}

proptest! {
    // A fixed seed keeps CI reproducible; each case runs git several times, hence the
    // modest count.
    #![proptest_config(ProptestConfig {
        cases: 24,
        rng_seed: RngSeed::Fixed(0x5eed_2024),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_changes_match_git(
        files in prop::collection::vec((gen_file(), gen_op()), 1..16),
        added in prop::collection::vec(gen_file(), 0..6),
    ) {
        let sandbox = Sandbox::new();
        let mut base = BTreeSet::new();
        let mut kept = Vec::new();
        for (file, op) in &files {
            let p = render(file.dir, file.name, false);
            if base.insert(p.clone()) {
                sandbox.write(&p, &render_lines(&file.lines));
                kept.push((p, file, op));
            }
        }
        let a = sandbox.commit("base");
        let mut head = BTreeSet::new();
        for (p, file, op) in &kept {
            match op {
                Op::Keep => {}
                Op::Delete => sandbox.remove(p),
                Op::Move(dir, name, edits) => {
                    sandbox.remove(p);
                    let to = render(*dir, *name, true);
                    if head.insert(to.clone()) {
                        let mut lines = file.lines.clone();
                        for &(at, l) in edits {
                            if let Some(slot) = lines.get_mut(at) {
                                *slot = l;
                            }
                        }
                        sandbox.write(&to, &render_lines(&lines));
                    }
                }
            }
        }
        for file in &added {
            let to = render(file.dir, file.name, true);
            if head.insert(to.clone()) {
                sandbox.write(&to, &render_lines(&file.lines));
            }
        }
        let b = sandbox.commit("head");
        sandbox.assert_same_renames(&a, &b);
    }
}

proptest! {
    // Each case is two commits and one `git diff`; the count keeps this test to a
    // couple of seconds.
    #![proptest_config(ProptestConfig {
        cases: 24,
        rng_seed: RngSeed::Fixed(0x7135_2024),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Ties everywhere: identical sources, same-size sources that score the same,
    /// shared basenames, symlinks among the files; some files stay put.
    #[test]
    fn ties_break_as_git_breaks_them(
        base in prop::collection::vec((0..4u8, 0..5u8, tie_entry(), prop::bool::weighted(0.2)), 1..20),
        head in prop::collection::vec((0..4u8, 0..5u8, tie_entry()), 1..16),
    ) {
        let sandbox = Sandbox::new();
        let mut paths = BTreeSet::new();
        let mut kept = Vec::new();
        for (dir, name, entry, keep) in &base {
            let path = tie_path("from", *dir, *name);
            if paths.insert(path.clone()) {
                sandbox.write_tie_entry(&path, entry);
                if *keep {
                    kept.push(path);
                }
            }
        }
        let a = sandbox.commit("base");
        for path in &paths {
            if !kept.contains(path) {
                sandbox.remove(path);
            }
        }
        let mut added = BTreeSet::new();
        for (dir, name, entry) in &head {
            let path = tie_path("to", *dir, *name);
            if added.insert(path.clone()) {
                sandbox.write_tie_entry(&path, entry);
            }
        }
        let b = sandbox.commit("head");
        sandbox.assert_same_renames(&a, &b);
    }
}

/// The repository `bench/run.sh --keep /tmp/benchrepo` builds.
const BENCH_REPO: &str = "/tmp/benchrepo";

#[test]
#[ignore = "needs the benchmark repository at /tmp/benchrepo; run with --release --ignored"]
fn benchmark_repository_matches_git() {
    let dir = PathBuf::from(BENCH_REPO);
    if !dir.join(".git").exists() && !dir.join("HEAD").exists() {
        eprintln!("no benchmark repository at {BENCH_REPO}; skipped");
        return;
    }
    let home = TempDir::new().unwrap();
    for base in ["bench/base", "bench/small-base"] {
        let expected = git_renames(&dir, home.path(), &format!("{base}...main"));
        let mut times = Vec::new();
        let mut actual = Pairs::new();
        let repo = Repository::open(&dir).unwrap();
        let (a, b) = (oid(&repo, base), oid(&repo, "main"));
        let merge_base = repo.merge_base(a, b).unwrap();
        for _ in 0..11 {
            // `detect_between` opens its own handle, so no run reuses another's object
            // cache.
            let (pairs, took) = detect_between(&dir, merge_base, b);
            actual = pairs;
            times.push(took);
        }
        times.sort();
        let agreed = expected.intersection(&actual).count();
        eprintln!(
            "{base}...main: git {} renames, shipgate {}, agreed {agreed}; its diff took median {:.1} ms (min {:.1}, max {:.1})",
            expected.len(),
            actual.len(),
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3,
            times[times.len() - 1].as_secs_f64() * 1e3,
        );
        assert_pairs_eq(&expected, &actual);
    }
}
