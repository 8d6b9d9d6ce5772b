//! The pack reader (`src/gather/git/packs.rs`) in the whole binary: what it cannot read is
//! left to libgit2, whose error `shipgate check` reports exactly as it did before the
//! reader existed; objects that are only in an alternate's pack are judged as they are
//! in the repository that holds them.

mod common;

use common::Repo;

/// A change that adds a folder, on a base, all in one pack without deltas.
fn packed() -> Repo {
    let repo = Repo::with_base();
    repo.write("app/main.txt", "fn main() {}\n");
    repo.write("app/lib.txt", "pub fn lib() {}\n");
    repo.commit("app");
    repo.git(&["repack", "-adfq", "--window=0"]);
    repo
}

#[test]
fn a_tree_whose_zlib_checksum_is_corrupt_fails_with_libgit2_error() {
    let repo = packed();
    let tree = repo.git(&["rev-parse", "HEAD:app"]);
    let pack_dir = repo.path().join(".git/objects/pack");
    let pack = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|ext| ext == "pack"))
        .unwrap();
    // `<id> <type> <size> <size in the pack> <offset>`
    let listed = repo.git(&["verify-pack", "-v", pack.to_str().unwrap()]);
    let line = listed.lines().find(|line| line.starts_with(&tree)).unwrap();
    let fields: Vec<usize> = line
        .split_whitespace()
        .skip(3)
        .map(|field| field.parse().unwrap())
        .collect();
    let [in_pack, offset] = fields[..] else {
        panic!("{line}");
    };
    // The last byte of the entry is the last of its zlib stream's Adler-32: the tree
    // still inflates whole, and only the checksum says it is corrupt.
    let mut bytes = std::fs::read(&pack).unwrap();
    bytes[offset + in_pack - 1] ^= 0xff;
    // git writes its packs read-only.
    let mut permissions = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&pack, permissions).unwrap();
    std::fs::write(&pack, bytes).unwrap();
    // libgit2's words, as the binary printed them before the reader existed; a reader
    // that took the inflated tree would let the check pass.
    let err = repo.check_error(&["--base", "base"]);
    assert_eq!(
        err,
        "error: could not diff the change: incorrect data check; class=Zlib (5)\n"
    );
}

#[test]
fn a_clone_whose_objects_are_all_in_its_alternate_is_judged_as_the_original_is() {
    let repo = packed();
    let (code, report) = repo.check_json(&[]);
    assert_eq!(report["range"]["files"], 2, "{report:#}");
    let root = repo.tmp_file_path("clones");
    std::fs::create_dir_all(&root).unwrap();
    let origin = repo.path().to_str().unwrap();
    // `clone --shared` copies no object: the clone reads every one from origin's pack,
    // through `objects/info/alternates`.
    repo.git_in(&root, &["clone", "-q", "--shared", origin, "clone"]);
    let clone = root.join("clone");
    repo.git_in(&clone, &["branch", "base", "origin/base"]);
    assert_eq!(
        std::fs::read_dir(clone.join(".git/objects/pack"))
            .unwrap()
            .count(),
        0
    );
    let out = repo
        .shipgate()
        .current_dir(&clone)
        .args(["check", "--base", "base", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(code));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
        report
    );
}
