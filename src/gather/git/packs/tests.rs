//! The pack reader against libgit2 and git: every object of packs that git itself wrote,
//! with long delta chains, read both ways; packs and indexes in the other shapes git
//! writes or refuses; alternates; special files; and every byte of a small pack and of
//! its index corrupted in turn, where whatever the reader answers must be what git reads.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use git2::Repository;
use tempfile::TempDir;

use super::*;
use crate::gather::git::test_git::{command, git};

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
        let (pack, offset) = packs.locate(oid.as_bytes().try_into().unwrap(), 0).unwrap();
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

/// An object as one reader read it, or nothing.
type Read = Option<(ObjectType, Vec<u8>)>;

/// What `git cat-file --batch` prints for each of `ids` in the repository `git_dir`: the
/// type and content, or `None` for an id git says is missing or dies reading (git's
/// answer to the first object it cannot read is to stop), and for every id after it.
fn cat_file(git_dir: &Path, home: &Path, ids: &[Oid]) -> Vec<Read> {
    let mut child = command(git_dir, home)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("git runs");
    let input: String = ids.iter().map(|id| format!("{id}\n")).collect();
    let mut stdin = child.stdin.take().unwrap();
    // git may stop before it has read every line: the write then fails, and what it
    // printed until then still counts.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    let _ = writer.join().unwrap();
    let mut rest = &out.stdout[..];
    ids.iter()
        .map(|id| {
            let end = rest.iter().position(|&b| b == b'\n')?;
            let line = std::str::from_utf8(&rest[..end]).unwrap().to_owned();
            rest = &rest[end + 1..];
            let words: Vec<&str> = line.split(' ').collect();
            assert_eq!(words[0], id.to_string(), "{line}");
            if words[1..] == ["missing"] {
                return None;
            }
            let [_, kind, size] = words[..] else {
                panic!("{line}");
            };
            let size: usize = size.parse().unwrap();
            if rest.get(size) != Some(&b'\n') {
                assert!(rest.len() <= size, "{line}: more than its size");
                rest = &[];
                return None;
            }
            let data = rest[..size].to_vec();
            rest = &rest[size + 1..];
            Some((ObjectType::from_str(kind).unwrap(), data))
        })
        .collect()
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
fn an_index_with_a_64_bit_offset_for_every_entry_is_refused_as_git_refuses_it() {
    let dir = history();
    git(dir.path(), &["repack", "-adfq"]);
    let ids: Vec<Oid> = all_objects(dir.path())
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    // With a limit of 0 even the first entry's offset (12) is in the 64-bit table: one
    // more than an index can hold, which git and libgit2 refuse as the wrong size.
    reindex(dir.path(), "2,0");
    let home = TempDir::new().unwrap();
    let git_dir = dir.path().join(".git");
    assert!(
        cat_file(&git_dir, home.path(), &ids)
            .iter()
            .all(Option::is_none)
    );
    let repo = Repository::open(dir.path()).unwrap();
    let odb = repo.odb().unwrap();
    assert!(ids.iter().all(|&id| odb.read(id).is_err()));
    let packs = Packs::open(&git_dir.join("objects"));
    assert_eq!(packs.packs.len(), 0);
    let mut reader = Reader::new(&packs);
    assert!(ids.iter().all(|&id| reader.read(id).is_none()));
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

/// An entry of a pack written by hand: `code` is its type (1 to 4 whole, 6 a delta on
/// the entry `back` bytes before it, 7 a delta on the object `base`), then the entry's
/// content, deflated.
fn packed_entry(code: u8, base: Option<&[u8]>, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut size = content.len();
    let mut byte = code << 4 | (size & 0x0f) as u8;
    size >>= 4;
    while size > 0 {
        out.push(byte | 0x80);
        byte = (size & 0x7f) as u8;
        size >>= 7;
    }
    out.push(byte);
    out.extend_from_slice(base.unwrap_or_default());
    let mut deflated = ZlibEncoder::new(out, Compression::default());
    deflated.write_all(content).unwrap();
    deflated.finish().unwrap()
}

/// Writes `pack-<name>.pack` and its version 2 index into `objects/pack`, holding
/// `entries` (each object's id and its entry) in that order, at the offsets the index
/// gives unless `far` names an id and the offset its index entry gives instead. The
/// checksums are fixed bytes: git compares the pack's with the copy in its index when
/// it opens them, and verifies neither when it reads.
fn write_pack(objects: &Path, name: &str, entries: &[(Oid, Vec<u8>)], far: Option<(Oid, u64)>) {
    let mut pack = b"PACK".to_vec();
    pack.extend(2u32.to_be_bytes());
    pack.extend((entries.len() as u32).to_be_bytes());
    let mut offsets = Vec::new();
    for (id, bytes) in entries {
        let offset = match far {
            Some((far_id, far_offset)) if far_id == *id => far_offset,
            _ => pack.len() as u64,
        };
        offsets.push((*id, offset));
        pack.extend(bytes);
    }
    let checksum = [0x5a; 20];
    pack.extend(checksum);
    offsets.sort();
    let mut idx = IDX_MAGIC.to_vec();
    idx.extend(2u32.to_be_bytes());
    for first in 0..=255u8 {
        let up_to = offsets.iter().filter(|(id, _)| id.as_bytes()[0] <= first);
        idx.extend((up_to.count() as u32).to_be_bytes());
    }
    for (id, _) in &offsets {
        idx.extend(id.as_bytes());
    }
    // CRCs, which git reads only to copy an entry into a new pack.
    idx.extend(vec![0; offsets.len() * 4]);
    let mut large = Vec::new();
    for (_, offset) in &offsets {
        let small = match u32::try_from(*offset) {
            Ok(small) if small < 0x8000_0000 => small,
            _ => {
                large.extend(offset.to_be_bytes());
                0x8000_0000 | (large.len() / 8 - 1) as u32
            }
        };
        idx.extend(small.to_be_bytes());
    }
    idx.extend(large);
    idx.extend(checksum);
    idx.extend([0xa5; 20]);
    let folder = objects.join("pack");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join(format!("pack-{name}.pack")), pack).unwrap();
    std::fs::write(folder.join(format!("pack-{name}.idx")), idx).unwrap();
}

/// A delta that inserts `result` whole (under 128 bytes) in place of a base of
/// `base_len` bytes.
fn insertion(base_len: usize, result: &[u8]) -> Vec<u8> {
    assert!(base_len < 128 && result.len() < 128);
    let mut delta = vec![base_len as u8, result.len() as u8, result.len() as u8];
    delta.extend_from_slice(result);
    delta
}

/// Asks git, libgit2 and the reader for `id` in the repository at `dir`; returns what
/// each read.
fn three_ways(dir: &Path, id: Oid) -> (Read, Read, Read) {
    let home = TempDir::new().unwrap();
    let by_git = cat_file(&dir.join(".git"), home.path(), &[id]).remove(0);
    let repo = Repository::open(dir).unwrap();
    let odb = repo.odb().unwrap();
    let by_libgit2 = odb
        .read(id)
        .ok()
        .map(|object| (object.kind(), object.data().to_vec()));
    let packs = Packs::open(&dir.join(".git/objects"));
    let by_reader = Reader::new(&packs)
        .read(id)
        .map(|(kind, data)| (kind, data.to_vec()));
    (by_git, by_libgit2, by_reader)
}

#[test]
fn a_delta_on_a_base_in_another_pack_is_refused_as_git_refuses_it() {
    let base = b"one\ntwo\nthree\n";
    let result = b"one\ntwo\nthree\nfour\n";
    let base_id = Oid::hash_object(ObjectType::Blob, base).unwrap();
    let id = Oid::hash_object(ObjectType::Blob, result).unwrap();
    let delta = packed_entry(7, Some(base_id.as_bytes()), &insertion(base.len(), result));
    let whole = (base_id, packed_entry(3, None, base));
    // The delta in the pack of its base reads, the same delta in a pack of its own does
    // not: git and libgit2 look for a REF_DELTA's base in the delta's pack only.
    let same = TempDir::new().unwrap();
    git(same.path(), &["init", "-q"]);
    let objects = same.path().join(".git/objects");
    write_pack(&objects, "a", &[whole.clone(), (id, delta.clone())], None);
    let read = Some((ObjectType::Blob, result.to_vec()));
    assert_eq!(
        three_ways(same.path(), id),
        (read.clone(), read.clone(), read)
    );
    let apart = TempDir::new().unwrap();
    git(apart.path(), &["init", "-q"]);
    let objects = apart.path().join(".git/objects");
    write_pack(&objects, "a", &[whole], None);
    write_pack(&objects, "b", &[(id, delta)], None);
    assert_eq!(three_ways(apart.path(), id), (None, None, None));
}

#[test]
fn a_delta_shorter_than_any_git_applies_is_refused_as_git_refuses_it() {
    let base = b"one\ntwo\nthree\n";
    let base_id = Oid::hash_object(ObjectType::Blob, base).unwrap();
    let empty = Oid::hash_object(ObjectType::Blob, b"").unwrap();
    let dir = TempDir::new().unwrap();
    git(dir.path(), &["init", "-q"]);
    // Two bytes, the sizes of the base and of an empty result: git applies no delta under
    // four bytes (libgit2 does, and is asked when the reader answers nothing).
    let delta = packed_entry(7, Some(base_id.as_bytes()), &[base.len() as u8, 0]);
    let entries = [(base_id, packed_entry(3, None, base)), (empty, delta)];
    write_pack(&dir.path().join(".git/objects"), "a", &entries, None);
    let (by_git, _, by_reader) = three_ways(dir.path(), empty);
    assert_eq!((by_git, by_reader), (None, None));
}

#[test]
fn an_offset_past_the_end_of_its_pack_never_reads_another_packs_entry() {
    let base = b"one\ntwo\nthree\n".to_vec();
    let result = b"one\ntwo\nthree\nfour\n".to_vec();
    let other = b"other\n".to_vec();
    let far = b"far\n".to_vec();
    let [base_id, id, other_id, far_id] = [&base, &result, &other, &far]
        .map(|data| Oid::hash_object(ObjectType::Blob, data).unwrap());
    let dir = TempDir::new().unwrap();
    git(dir.path(), &["init", "-q"]);
    let objects = dir.path().join(".git/objects");
    // Pack b holds a base at offset 12 and a delta on it: reading the delta keeps the
    // base in the cache, under pack 1 and offset 12.
    let delta = packed_entry(6, Some(&[0x7f]), &insertion(base.len(), &result));
    let mut base_entry = packed_entry(3, None, &base);
    // The delta's distance back is one byte, under 128: pad the base to 127 bytes.
    assert!(base_entry.len() <= 127);
    base_entry.resize(127, 0);
    write_pack(&objects, "b", &[(base_id, base_entry), (id, delta)], None);
    // Pack a's index places `far` at 2^48 + 12, far past the end of pack a.
    let entries = [
        (other_id, packed_entry(3, None, &other)),
        (far_id, packed_entry(3, None, &far)),
    ];
    write_pack(&objects, "a", &entries, Some((far_id, 1 << 48 | 12)));
    let packs = Packs::open(&objects);
    assert_eq!(packs.packs.len(), 2);
    let mut reader = Reader::new(&packs);
    let read = reader.read(id).map(|(kind, data)| (kind, data.to_vec()));
    assert_eq!(read, Some((ObjectType::Blob, result)));
    let read = reader
        .read(far_id)
        .map(|(kind, data)| (kind, data.to_vec()));
    assert_eq!(read, None, "not pack b's entry at offset 12");
    let home = TempDir::new().unwrap();
    assert_eq!(
        cat_file(&dir.path().join(".git"), home.path(), &[far_id]),
        [None]
    );
}

/// A small repository: six commits that edit three files and a nested one, packed with
/// deltas, by offset or by id (a few KiB).
fn small_history(by_id: bool) -> TempDir {
    let dir = TempDir::new().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    for commit in 0..6u32 {
        for file in 0..4u32 {
            if commit > 0 && (file + commit) % 3 == 0 {
                continue;
            }
            let path = root.join(["a.txt", "b.txt", "c.txt", "d/e.txt"][file as usize]);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let text: String = (0..30 + file * 5)
                .map(|line| {
                    let edit = if line % 6 == commit % 6 { commit } else { 0 };
                    format!("file {file} line {line} version {edit}\n")
                })
                .collect();
            std::fs::write(path, text).unwrap();
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", &format!("commit {commit}")]);
    }
    let offsets = if by_id { "false" } else { "true" };
    let config = format!("repack.useDeltaBaseOffset={offsets}");
    git(root, &["-c", &config, "repack", "-adfq", "--depth=50"]);
    dir
}

/// The pack files of a packed repository, written again into a bare copy of it with one
/// of them corrupted, one corruption after another.
struct Corrupted {
    /// Every object of the repository.
    ids: Vec<Oid>,
    /// The name of each pack file and its bytes.
    files: Vec<(String, Vec<u8>)>,
    copy: TempDir,
    home: TempDir,
    /// How many objects the reader answered, over all the copies.
    answered: usize,
    /// How many copies the reader answered some but not all objects of.
    partly: usize,
}

impl Corrupted {
    fn new(dir: &Path) -> Corrupted {
        let ids = all_objects(dir).into_iter().map(|(id, _)| id).collect();
        let copy = TempDir::new().unwrap();
        let pack = copy.path().join("objects/pack");
        std::fs::create_dir_all(&pack).unwrap();
        std::fs::create_dir_all(copy.path().join("refs")).unwrap();
        std::fs::write(copy.path().join("HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(copy.path().join("config"), "[core]\n\tbare = true\n").unwrap();
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join(".git/objects/pack"))
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                let name = entry.file_name().into_string().unwrap();
                (name, std::fs::read(entry.path()).unwrap())
            })
            .collect();
        files.sort();
        Corrupted {
            ids,
            files,
            copy,
            home: TempDir::new().unwrap(),
            answered: 0,
            partly: 0,
        }
    }

    fn bytes(&self, ext: &str) -> &[u8] {
        let found = self.files.iter().find(|(name, _)| name.ends_with(ext));
        &found.unwrap().1
    }

    /// Writes the pack files into the copy, the one ending in `ext` changed by
    /// `corrupt`; reads every object through the reader, twice, the second time in the
    /// reverse order, with what the first pass cached; and checks each answer against
    /// what git reads from the copy. Returns how many objects the reader answered.
    fn check(&mut self, ext: &str, what: &str, corrupt: impl FnOnce(&mut Vec<u8>)) -> usize {
        let mut corrupt = Some(corrupt);
        let folder = self.copy.path().join("objects/pack");
        for (name, bytes) in &self.files {
            let mut bytes = bytes.clone();
            if name.ends_with(ext) {
                (corrupt.take().unwrap())(&mut bytes);
            }
            std::fs::write(folder.join(name), bytes).unwrap();
        }
        let packs = Packs::open(&self.copy.path().join("objects"));
        let mut reader = Reader::new(&packs);
        let first: Vec<_> = self.ids.iter().map(|&id| reader.read(id)).collect();
        for (i, &id) in self.ids.iter().enumerate().rev() {
            assert_eq!(reader.read(id), first[i], "{what}: {id} read again");
        }
        let answered: Vec<(Oid, ObjectType, Rc<Vec<u8>>)> = self
            .ids
            .iter()
            .zip(first)
            .filter_map(|(&id, read)| read.map(|(kind, data)| (id, kind, data)))
            .collect();
        // git is asked only about what the reader answered: nothing is always a safe
        // answer (libgit2 is asked next), and git stops at the first object it cannot
        // read, so that asked about everything it would leave the rest unanswered.
        let asked: Vec<Oid> = answered.iter().map(|(id, _, _)| *id).collect();
        let by_git = cat_file(self.copy.path(), self.home.path(), &asked);
        for ((id, kind, data), by_git) in answered.iter().zip(by_git) {
            let Some((git_kind, git_data)) = by_git else {
                panic!(
                    "{what}: {id} reads as a {kind} of {} bytes; git cannot read it",
                    data.len()
                );
            };
            assert!(
                (git_kind, &git_data[..]) == (*kind, &data[..]),
                "{what}: {id} reads as a {kind} of {} bytes; git reads a {git_kind} of {} bytes",
                data.len(),
                git_data.len()
            );
        }
        self.answered += answered.len();
        if !answered.is_empty() && answered.len() < self.ids.len() {
            self.partly += 1;
        }
        answered.len()
    }
}

/// Every byte of the small pack's header and entry headers, flipped whole and in its
/// lowest bit (a size one off, a base one byte off); every seventh byte of the rest and
/// the trailing checksum, flipped whole; and the file cut at every fourth of those
/// lengths: whatever the reader answers is what git reads.
fn corrupt_the_pack(by_id: bool) {
    let dir = small_history(by_id);
    let mut corrupted = Corrupted::new(dir.path());
    let count = corrupted.ids.len();
    assert_eq!(corrupted.check(".pack", "intact", |_| {}), count);
    let pack = corrupted.bytes(".pack").to_vec();
    assert!(
        (2_000..10_000).contains(&pack.len()),
        "{} bytes",
        pack.len()
    );
    let packs = Packs::open(&dir.path().join(".git/objects"));
    let mut headers: Vec<usize> = (0..12).collect();
    let mut deltas = 0;
    for &id in &corrupted.ids {
        let (_, offset) = packs.locate(id.as_bytes().try_into().unwrap(), 0).unwrap();
        let header = header(packs.packs[0].entries(), offset).unwrap();
        deltas += usize::from(!matches!(header.kind, EntryKind::Whole(_)));
        headers.extend(offset as usize..header.start);
    }
    assert!(deltas > count / 3, "{deltas} deltas of {count}");
    let mut positions: Vec<usize> = (12..pack.len()).step_by(7).collect();
    positions.extend(pack.len() - 20..pack.len());
    positions.extend(&headers);
    positions.sort();
    positions.dedup();
    for (i, &at) in positions.iter().enumerate() {
        corrupted.check(".pack", &format!("pack byte {at} flipped"), |bytes| {
            bytes[at] ^= 0xff;
        });
        if headers.contains(&at) {
            corrupted.check(
                ".pack",
                &format!("pack byte {at}'s low bit flipped"),
                |bytes| {
                    bytes[at] ^= 0x01;
                },
            );
        }
        if i % 4 == 0 {
            corrupted.check(".pack", &format!("pack cut at {at}"), |bytes| {
                bytes.truncate(at);
            });
        }
    }
    // Most corruptions spoil some objects and leave the others readable.
    let checks = positions.len() + headers.len() + positions.len().div_ceil(4);
    assert!(
        corrupted.answered > checks * count / 2,
        "{} answers",
        corrupted.answered
    );
    assert!(
        corrupted.partly > positions.len() / 2,
        "{}",
        corrupted.partly
    );
}

#[test]
fn every_corrupted_byte_of_a_small_pack_reads_as_git_reads_it() {
    corrupt_the_pack(false);
}

#[test]
fn every_corrupted_byte_of_a_small_pack_of_deltas_by_id_reads_as_git_reads_it() {
    corrupt_the_pack(true);
}

/// Every byte of the small pack's index that a read looks at, flipped whole (a stride
/// of the fan-out table), and the file cut at every eighth of those lengths: whatever the
/// reader answers is what git reads, even where an out-of-order name sends git's search
/// the wrong way.
#[test]
fn every_corrupted_byte_of_a_small_pack_index_reads_as_git_reads_it() {
    let dir = small_history(false);
    let mut corrupted = Corrupted::new(dir.path());
    let count = corrupted.ids.len();
    assert_eq!(corrupted.check(".idx", "intact", |_| {}), count);
    let idx = corrupted.bytes(".idx").to_vec();
    let crcs = NAMES + count * 20;
    // The header, a stride of the fan-out table, every byte of the names and offsets, a
    // stride of the CRCs (which a read never looks at), and both checksums.
    let mut positions: Vec<usize> = (0..FANOUT).collect();
    positions.extend((FANOUT..NAMES).step_by(5));
    positions.extend(NAMES..crcs);
    positions.extend((crcs..crcs + count * 4).step_by(9));
    positions.extend(crcs + count * 4..idx.len());
    for (i, &at) in positions.iter().enumerate() {
        corrupted.check(".idx", &format!("index byte {at} flipped"), |bytes| {
            bytes[at] ^= 0xff;
        });
        if i % 8 == 0 {
            corrupted.check(".idx", &format!("index cut at {at}"), |bytes| {
                bytes.truncate(at);
            });
        }
    }
    assert!(corrupted.answered > positions.len() * count / 2);
    assert!(corrupted.partly > 0);
}

#[test]
fn the_empty_tree_is_known_without_looking_whatever_a_pack_says() {
    let empty = Oid::from_bytes(&EMPTY_TREE).unwrap();
    assert_eq!(
        empty.to_string(),
        "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    );
    // A pack whose index gives the empty tree's id to a tree with one entry.
    let mut tree = b"100644 a\0".to_vec();
    tree.extend_from_slice(&[7; 20]);
    let dir = TempDir::new().unwrap();
    git(dir.path(), &["init", "-q"]);
    let entries = [(empty, packed_entry(2, None, &tree))];
    write_pack(&dir.path().join(".git/objects"), "a", &entries, None);
    let read = Some((ObjectType::Tree, Vec::new()));
    assert_eq!(
        three_ways(dir.path(), empty),
        (read.clone(), read.clone(), read)
    );
}

#[test]
fn alternates_are_read_by_libgit2s_rules() {
    let root = TempDir::new().unwrap();
    let origin = root.path().join("origin");
    history_in(&origin);
    git(&origin, &["repack", "-adfq"]);
    let clone = root.path().join("clone");
    git(root.path(), &["init", "-q", "clone"]);
    let objects = clone.join(".git/objects");
    let list = objects.join("info/alternates");
    let origin_objects = origin.join(".git/objects");
    for (alternates, packs) in [
        // Lines end at CR as at LF.
        ("# origin\r\n../../../origin/.git/objects\r\n".to_owned(), 1),
        (format!("{}\r", origin_objects.display()), 1),
        // Nothing is trimmed: a trailing space is part of the path.
        (format!("{} \n", origin_objects.display()), 0),
        // A relative line that does not start with `.` is relative to the process's
        // working folder, not to the objects folder: left to libgit2.
        ("../../origin/.git/objects\n".replace("../../", ""), 0),
    ] {
        std::fs::write(&list, &alternates).unwrap();
        assert_eq!(Packs::open(&objects).packs.len(), packs, "{alternates:?}");
    }
}

#[test]
fn two_packs_that_disagree_are_read_in_libgit2s_order_the_youngest_first() {
    // Two packs hold one id with different contents (one of them is corrupt): the
    // reader reads the one git and libgit2 read, the pack changed last.
    let id = Oid::hash_object(ObjectType::Blob, b"real\n").unwrap();
    let dir = TempDir::new().unwrap();
    git(dir.path(), &["init", "-q"]);
    let objects = dir.path().join(".git/objects");
    write_pack(
        &objects,
        "a",
        &[(id, packed_entry(3, None, b"real\n"))],
        None,
    );
    write_pack(
        &objects,
        "b",
        &[(id, packed_entry(3, None, b"fake\n"))],
        None,
    );
    let when = |name: &str, seconds: u64| {
        let pack = objects.join(format!("pack/pack-{name}.pack"));
        let file = File::options().write(true).open(pack).unwrap();
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
        file.set_modified(time).unwrap();
    };
    for (a, b, read) in [
        (2_000_000_000, 1_000_000_000, b"real\n"),
        (1_000_000_000, 2_000_000_000, b"fake\n"),
    ] {
        when("a", a);
        when("b", b);
        // libgit2 checks the content against the id here, where shipgate turns that
        // off; git reads as shipgate's libgit2 does, and sorts packs the same way.
        let home = TempDir::new().unwrap();
        let [Some((_, by_git))] = &cat_file(&dir.path().join(".git"), home.path(), &[id])[..]
        else {
            panic!("git reads {id}");
        };
        let packs = Packs::open(&objects);
        let (_, by_reader) = Reader::new(&packs).read(id).unwrap();
        assert_eq!((&by_git[..], &by_reader[..]), (&read[..], &read[..]));
    }
}
