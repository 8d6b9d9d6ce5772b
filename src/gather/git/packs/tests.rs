//! The pack reader against libgit2: every object of packs that git itself wrote, with
//! long delta chains, read both ways.

use std::path::Path;
use std::process::Command;

use git2::Repository;
use tempfile::TempDir;

use super::*;

/// git, run with no user or system configuration, so that what it does is its default.
fn git(dir: &Path, args: &[&str]) -> Vec<u8> {
    let home = TempDir::new().unwrap();
    let out = Command::new("git")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "A")
        .env("GIT_AUTHOR_EMAIL", "a@example.com")
        .env("GIT_AUTHOR_DATE", "1700000000 +0000")
        .env("GIT_COMMITTER_NAME", "A")
        .env("GIT_COMMITTER_EMAIL", "a@example.com")
        .env("GIT_COMMITTER_DATE", "1700000000 +0000")
        .env("LC_ALL", "C")
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A history of 40 commits that each edit a few of 30 files in nested folders, so that
/// trees and blobs come in many versions that git stores as deltas on one another.
fn history() -> TempDir {
    let dir = TempDir::new().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    for commit in 0..40u32 {
        for file in 0..30u32 {
            if (file + commit) % 4 != 0 && commit > 0 {
                continue;
            }
            let folder = root.join(format!("d{}/e{}", file % 3, file % 5));
            std::fs::create_dir_all(&folder).unwrap();
            let mut text = String::new();
            for line in 0..(40 + file) {
                let edit = if line % 7 == commit % 7 { commit } else { 0 };
                text.push_str(&format!("file {file} line {line} version {edit}\n"));
            }
            std::fs::write(folder.join(format!("f{file}.txt")), text).unwrap();
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", &format!("commit {commit}")]);
    }
    dir
}

/// Every object of the repository, with its type, as `git cat-file` lists them.
fn all_objects(dir: &Path) -> Vec<(Oid, String)> {
    let listed = git(
        dir,
        &[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objectname) %(objecttype)",
        ],
    );
    String::from_utf8(listed)
        .unwrap()
        .lines()
        .map(|line| {
            let (id, kind) = line.split_once(' ').unwrap();
            (Oid::from_str(id).unwrap(), kind.to_owned())
        })
        .collect()
}

/// Reads every object through [`Reader`] and through libgit2 and compares them; returns
/// how many came from the packs.
fn agree(dir: &Path) -> usize {
    let repo = Repository::open(dir).unwrap();
    let odb = repo.odb().unwrap();
    let packs = Packs::open(&repo.commondir().join("objects"));
    let mut reader = Reader::new(&packs);
    let mut packed = 0;
    for (oid, kind) in all_objects(dir) {
        let expected = odb.read(oid).unwrap();
        assert_eq!(expected.kind().str(), kind);
        if let Some((kind, data)) = reader.read(oid) {
            packed += 1;
            assert_eq!(kind, expected.kind(), "{oid}");
            assert_eq!(&data[..], expected.data(), "{oid}");
        }
    }
    packed
}

/// How many entries of each kind the packs hold: whole, delta by offset, delta by id.
fn entry_kinds(dir: &Path) -> [usize; 3] {
    let repo = Repository::open(dir).unwrap();
    let packs = Packs::open(&repo.commondir().join("objects"));
    let mut kinds = [0; 3];
    for (oid, _) in all_objects(dir) {
        let (pack, offset) = packs.locate(oid.as_bytes().try_into().unwrap()).unwrap();
        match header(packs.packs[pack].entries(), offset).unwrap().kind {
            EntryKind::Whole(_) => kinds[0] += 1,
            EntryKind::Offset(_) => kinds[1] += 1,
            EntryKind::Named(_) => kinds[2] += 1,
        }
    }
    kinds
}

#[test]
fn every_object_of_a_repacked_history_reads_as_libgit2_reads_it() {
    let dir = history();
    // Long chains and a wide window: most trees and blobs become deltas on deltas.
    git(
        dir.path(),
        &["repack", "-adfq", "--depth=50", "--window=50"],
    );
    let count = all_objects(dir.path()).len();
    let [whole, by_offset, by_id] = entry_kinds(dir.path());
    assert!(by_offset > count / 4, "{whole} whole, {by_offset} deltas");
    assert_eq!(by_id, 0);
    assert_eq!(agree(dir.path()), count, "all of them are in the pack");
}

#[test]
fn deltas_on_bases_named_by_id_read_too() {
    let dir = history();
    git(
        dir.path(),
        &[
            "-c",
            "repack.useDeltaBaseOffset=false",
            "repack",
            "-adfq",
            "--depth=50",
        ],
    );
    let count = all_objects(dir.path()).len();
    let [whole, by_offset, by_id] = entry_kinds(dir.path());
    assert!(by_id > count / 4, "{whole} whole, {by_id} deltas");
    assert_eq!(by_offset, 0);
    assert_eq!(agree(dir.path()), count);
}

#[test]
fn loose_objects_are_left_to_libgit2() {
    let dir = history();
    assert_eq!(agree(dir.path()), 0, "nothing is packed yet");
}
