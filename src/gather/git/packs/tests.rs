//! The pack reader against libgit2: every object of packs that git itself wrote, with
//! long delta chains, read both ways; indexes in the other shapes git writes; alternates;
//! special files among the packs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use git2::Repository;
use tempfile::TempDir;

use super::*;

/// git in `dir`, with no user or system configuration, so that what it does is its
/// default, and a fixed identity and date.
fn command(dir: &Path, home: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "A")
        .env("GIT_AUTHOR_EMAIL", "a@example.com")
        .env("GIT_AUTHOR_DATE", "1700000000 +0000")
        .env("GIT_COMMITTER_NAME", "A")
        .env("GIT_COMMITTER_EMAIL", "a@example.com")
        .env("GIT_COMMITTER_DATE", "1700000000 +0000")
        .env("LC_ALL", "C");
    cmd
}

/// Runs git in `dir`; returns its stdout, and fails the test when git fails.
fn git(dir: &Path, args: &[&str]) -> Vec<u8> {
    let home = TempDir::new().unwrap();
    let out = command(dir, home.path())
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
    history_in(dir.path());
    dir
}

/// [`history`], built in `root`.
fn history_in(root: &Path) {
    std::fs::create_dir_all(root).unwrap();
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

/// The `.idx` files in `objects/pack`, sorted.
fn indexes(objects: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(objects.join("pack"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "idx"))
        .collect();
    found.sort();
    found
}

/// Rewrites the index of the one pack of the repository at `dir` with `git index-pack
/// --index-version=<version>`.
fn reindex(dir: &Path, version: &str) {
    let [idx] = &indexes(&dir.join(".git/objects"))[..] else {
        panic!("one pack");
    };
    let new = dir.join("reindexed.idx");
    git(
        dir,
        &[
            "index-pack",
            "--no-rev-index",
            &format!("--index-version={version}"),
            "-o",
            new.to_str().unwrap(),
            idx.with_extension("pack").to_str().unwrap(),
        ],
    );
    std::fs::rename(new, idx).unwrap();
}

/// How many of a pack's entries the index places through its table of 64-bit offsets.
fn large_offsets(pack: &Pack) -> usize {
    let offsets = NAMES + pack.count * 24;
    (0..pack.count)
        .filter(|i| be32(&pack.index, offsets + i * 4).unwrap() & 0x8000_0000 != 0)
        .count()
}

/// Runs `f` on a thread and fails the test when it has not returned within ten seconds:
/// a guard against hanging the test run, not a measure of speed.
fn within_seconds<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || sender.send(f()));
    receiver
        .recv_timeout(Duration::from_secs(10))
        .expect("returns within ten seconds")
}

#[test]
fn offsets_past_the_index_32_bit_limit_are_read_from_its_64_bit_table() {
    let dir = history();
    git(dir.path(), &["repack", "-adfq", "--depth=50"]);
    // Every offset past 256 goes to the 64-bit table, as offsets past 2 GiB do.
    reindex(dir.path(), "2,0x100");
    let count = all_objects(dir.path()).len();
    let packs = Packs::open(&dir.path().join(".git/objects"));
    let [pack] = &packs.packs[..] else {
        panic!("one pack");
    };
    let large = large_offsets(pack);
    assert!(large > count * 9 / 10, "{large} of {count}");
    assert_eq!(agree(dir.path()), count);
}

#[test]
fn an_index_of_version_1_is_left_to_libgit2() {
    let dir = history();
    git(dir.path(), &["repack", "-adfq"]);
    reindex(dir.path(), "1");
    let packs = Packs::open(&dir.path().join(".git/objects"));
    assert_eq!(packs.packs.len(), 0);
    // libgit2 reads every object of the pack, none of them through the reader.
    assert!(!all_objects(dir.path()).is_empty());
    assert_eq!(agree(dir.path()), 0);
}

#[test]
fn objects_reachable_only_through_alternates_are_read_from_the_alternates_packs() {
    let root = TempDir::new().unwrap();
    let origin = root.path().join("origin");
    history_in(&origin);
    git(&origin, &["repack", "-adfq"]);
    let count = all_objects(&origin).len();
    // `clone --shared` names origin's objects by their absolute path and copies none.
    git(
        root.path(),
        &["clone", "-q", "--shared", "origin", "absolute"],
    );
    let absolute = root.path().join("absolute");
    let alternates = std::fs::read_to_string(absolute.join(".git/objects/info/alternates"));
    assert!(alternates.unwrap().starts_with('/'));
    // A relative path is read from the objects folder that names it, past comments and
    // blank lines.
    let relative = root.path().join("relative");
    git(root.path(), &["init", "-q", "relative"]);
    std::fs::write(
        relative.join(".git/objects/info/alternates"),
        "# origin\n\n../../../origin/.git/objects\n",
    )
    .unwrap();
    for clone in [absolute, relative] {
        let objects = clone.join(".git/objects");
        assert!(indexes(&objects).is_empty(), "no pack of its own");
        assert_eq!(Packs::open(&objects).packs.len(), 1);
        assert_eq!(all_objects(&clone).len(), count);
        assert_eq!(agree(&clone), count, "{}", clone.display());
    }
}

#[test]
fn a_loop_of_alternates_ends_with_each_pack_read_once() {
    let root = TempDir::new().unwrap();
    let a = root.path().join("a");
    history_in(&a);
    git(&a, &["repack", "-adfq"]);
    git(root.path(), &["clone", "-q", "--shared", "a", "b"]);
    let b = root.path().join("b");
    std::fs::write(b.join("new.txt"), "only in b\n").unwrap();
    git(&b, &["add", "-A"]);
    git(&b, &["commit", "-q", "-m", "only in b"]);
    // Only b's own objects go into b's pack; a's stay in a's.
    git(&b, &["repack", "-adlq"]);
    assert_eq!(indexes(&b.join(".git/objects")).len(), 1);
    // a names b, which names a.
    std::fs::write(
        a.join(".git/objects/info/alternates"),
        "../../../b/.git/objects\n",
    )
    .unwrap();
    for repo in [a, b] {
        let objects = repo.join(".git/objects");
        let packs = within_seconds(move || Packs::open(&objects));
        assert_eq!(packs.packs.len(), 2, "{}", repo.display());
        let count = all_objects(&repo).len();
        assert_eq!(agree(&repo), count, "{}", repo.display());
    }
}

/// Makes a FIFO at `path`.
#[cfg(unix)]
fn fifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt as _;
    let name = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `name` is a NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0, "mkfifo");
}

#[cfg(unix)]
#[test]
fn special_files_among_the_packs_neither_block_the_open_nor_hide_the_packs() {
    let dir = history();
    git(dir.path(), &["repack", "-adfq"]);
    let repo = Repository::open(dir.path()).unwrap();
    let odb = repo.odb().unwrap();
    let objects: Vec<(Oid, ObjectType, Vec<u8>)> = all_objects(dir.path())
        .into_iter()
        .map(|(id, _)| {
            let object = odb.read(id).unwrap();
            (id, object.kind(), object.data().to_vec())
        })
        .collect();
    let folder = dir.path().join(".git/objects");
    let [idx] = &indexes(&folder)[..] else {
        panic!("one pack");
    };
    // Opened for reading, a FIFO waits for a writer that never comes.
    fifo(&folder.join("pack/pack-x.idx"));
    std::fs::create_dir(folder.join("pack/pack-y.idx")).unwrap();
    // A real index whose pack is a FIFO.
    std::fs::copy(idx, folder.join("pack/pack-z.idx")).unwrap();
    fifo(&folder.join("pack/pack-z.pack"));
    std::fs::create_dir_all(folder.join("info")).unwrap();
    fifo(&folder.join("info/alternates"));
    let packs = within_seconds(move || Packs::open(&folder));
    assert_eq!(packs.packs.len(), 1);
    let mut reader = Reader::new(&packs);
    for (id, kind, data) in objects {
        let (read_kind, read) = reader.read(id).unwrap();
        assert_eq!((read_kind, &read[..]), (kind, &data[..]), "{id}");
    }
}
