use std::collections::BTreeMap;

use git2::{Repository, Tree};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use tempfile::TempDir;

use super::*;

/// The walk as it was before trees were read raw: libgit2's `Tree` and its entries,
/// merged by name in a sorted map. The raw walk must give the same deltas.
fn through_libgit2(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: Option<&Tree<'_>>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<RawDelta>,
) {
    let mut entries: BTreeMap<Vec<u8>, (Option<Side>, Option<Side>)> = BTreeMap::new();
    for entry in old.into_iter().flat_map(|t| t.iter()) {
        entries.entry(entry.name_bytes().to_vec()).or_default().0 = Some(Side::of(&entry));
    }
    for entry in new.into_iter().flat_map(|t| t.iter()) {
        entries.entry(entry.name_bytes().to_vec()).or_default().1 = Some(Side::of(&entry));
    }
    for (name, (before, after)) in entries {
        if before == after {
            continue;
        }
        let len = prefix.len();
        prefix.extend_from_slice(&name);
        let tree = |s: Option<Side>| {
            s.filter(|s| s.kind == Kind::Tree)
                .map(|s| repo.find_tree(s.oid).unwrap())
        };
        let (old_sub, new_sub) = (tree(before), tree(after));
        if old_sub.is_some() || new_sub.is_some() {
            prefix.push(b'/');
            through_libgit2(repo, old_sub.as_ref(), new_sub.as_ref(), prefix, out);
            prefix.truncate(len + name.len());
        }
        let before_file = before.filter(|s| s.kind != Kind::Tree);
        let after_file = after.filter(|s| s.kind != Kind::Tree);
        if before_file.is_some() || after_file.is_some() {
            out.push(RawDelta {
                path: prefix.clone(),
                old: before_file,
                new: after_file,
            });
        }
        prefix.truncate(len);
    }
}

/// A tree to write: entries in the order given, which need not be git's.
#[derive(Debug, Clone)]
enum Node {
    /// A raw mode (`100644`, `+100755`, `40000` for a folder is not this) and a blob id
    /// drawn from a few.
    Leaf(&'static str, u8),
    Folder(Vec<(&'static str, Node)>),
}

/// Names that sit around `/` in git's order, so that a file and a folder of one name
/// fall apart, and a few names twice.
const NAMES: &[&str] = &["a", "a-b", "a.b", "a0", "b", "a-b.c"];
const MODES: &[&str] = &["100644", "100755", "100664", "120000", "160000", "0100644"];

fn leaf() -> impl Strategy<Value = Node> {
    (prop::sample::select(MODES), 0u8..3).prop_map(|(m, b)| Node::Leaf(m, b))
}

/// Entries of a folder: each name once, and now and then one name a second time (a
/// tree git's fsck would refuse, which the walk must read as it always did).
fn entries_of(
    inner: impl Strategy<Value = Node> + Clone,
) -> impl Strategy<Value = Vec<(&'static str, Node)>> {
    let names = prop::sample::subsequence(NAMES, 0..=NAMES.len());
    let once = names.prop_flat_map(move |names| {
        let children = prop::collection::vec(inner.clone(), names.len());
        (Just(names), children)
    });
    let twice = prop::option::weighted(0.2, (prop::sample::select(NAMES), leaf()));
    (once, twice).prop_map(|((names, children), twice)| {
        names.into_iter().zip(children).chain(twice).collect()
    })
}

fn node(depth: u32) -> impl Strategy<Value = Node> + Clone {
    leaf().prop_recursive(depth, 24, 4, |inner| {
        entries_of(inner).prop_map(Node::Folder)
    })
}

/// `node` with a few changes: leaves changed, entries dropped, replaced or added, so
/// that most of the two trees is the same and folders of one name meet.
fn changed(tree: Node) -> BoxedStrategy<Node> {
    match tree {
        Node::Leaf(..) => prop_oneof![3 => Just(tree), 1 => leaf()].boxed(),
        Node::Folder(entries) => {
            let kept: Vec<BoxedStrategy<Option<(&'static str, Node)>>> = entries
                .into_iter()
                .map(|(name, child)| {
                    prop_oneof![
                        6 => changed(child).prop_map(move |c| Some((name, c))),
                        1 => Just(None),
                        1 => node(1).prop_map(move |n| Some((name, n))),
                    ]
                    .boxed()
                })
                .collect();
            let added = prop::option::weighted(0.3, (prop::sample::select(NAMES), node(1)));
            (kept, added)
                .prop_map(|(kept, added)| {
                    Node::Folder(kept.into_iter().flatten().chain(added).collect())
                })
                .boxed()
        }
    }
}

/// A folder and a changed copy of it.
fn two_trees() -> impl Strategy<Value = (Node, Node)> {
    entries_of(node(3))
        .prop_map(Node::Folder)
        .prop_flat_map(|old| (Just(old.clone()), changed(old)))
}

/// Writes `node` as raw objects; `sorted` puts each folder's entries in git's order
/// (duplicates stay), otherwise they stay as drawn.
fn write(repo: &Repository, node: &Node, sorted: bool) -> Oid {
    let odb = repo.odb().unwrap();
    let Node::Folder(entries) = node else {
        unreachable!("the root is a folder")
    };
    let mut raw: Vec<(Vec<u8>, bool, Vec<u8>)> = entries
        .iter()
        .map(|(name, child)| {
            let (mode, id) = match child {
                Node::Leaf(mode, blob) => (*mode, Oid::from_bytes(&[*blob + 1; 20]).unwrap()),
                Node::Folder(_) => ("40000", write(repo, child, sorted)),
            };
            let mut bytes = format!("{mode} {name}\0").into_bytes();
            bytes.extend_from_slice(id.as_bytes());
            (name.as_bytes().to_vec(), mode == "40000", bytes)
        })
        .collect();
    if sorted {
        raw.sort_by(|a, b| {
            let key = |(name, folder, _): &(Vec<u8>, bool, Vec<u8>)| {
                let mut key = name.clone();
                if *folder {
                    key.push(b'/');
                }
                key
            };
            key(a).cmp(&key(b))
        });
    }
    let bytes: Vec<u8> = raw.into_iter().flat_map(|(_, _, b)| b).collect();
    odb.write(ObjectType::Tree, &bytes).unwrap()
}

fn raw_walk(repo: &Repository, old: Oid, new: Oid) -> Vec<RawDelta> {
    let odb = repo.odb().unwrap();
    let packs = Packs::open(&repo.commondir().join("objects"));
    let mut out = Vec::new();
    diff_trees(
        &mut Trees::new(&odb, &packs),
        Some(old),
        Some(new),
        &mut Vec::new(),
        &mut out,
    )
    .unwrap();
    out
}

fn libgit2_walk(repo: &Repository, old: Oid, new: Oid) -> Vec<RawDelta> {
    let (old, new) = (repo.find_tree(old).unwrap(), repo.find_tree(new).unwrap());
    let mut out = Vec::new();
    through_libgit2(repo, Some(&old), Some(&new), &mut Vec::new(), &mut out);
    out
}

/// The same deltas, in any order (the caller sorts them by path; no path comes twice).
fn sorted(mut deltas: Vec<RawDelta>) -> Vec<RawDelta> {
    deltas.sort_by(|a, b| a.path.cmp(&b.path));
    deltas
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 400,
        rng_seed: RngSeed::Fixed(0x0d1f_f7ee),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn raw_trees_give_the_deltas_libgit2_trees_gave(
        (old, new) in two_trees(), sorted_trees in any::<bool>(),
    ) {
        let dir = TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let (old, new) = (write(&repo, &old, sorted_trees), write(&repo, &new, sorted_trees));
        prop_assert_eq!(sorted(raw_walk(&repo, old, new)), sorted(libgit2_walk(&repo, old, new)));
    }
}

/// Every tree under `root`, the root first.
fn trees_under(repo: &Repository, root: Oid) -> Vec<Oid> {
    let odb = repo.odb().unwrap();
    let mut found = vec![root];
    let mut i = 0;
    while let Some(&tree) = found.get(i) {
        i += 1;
        let object = odb.read(tree).unwrap();
        for entry in entries(object.data()).map_while(Result::ok) {
            if entry.is_tree() && !found.contains(&entry.side().oid) {
                found.push(entry.side().oid);
            }
        }
    }
    found
}

/// Writes the trees under `roots` into a pack, where [`Reader`] finds them first (their
/// loose copies stay).
fn pack(repo: &Repository, roots: &[Oid]) {
    let mut builder = repo.packbuilder().unwrap();
    for &root in roots {
        for tree in trees_under(repo, root) {
            builder.insert_object(tree, None).unwrap();
        }
    }
    builder
        .write(&repo.commondir().join("objects").join("pack"), 0)
        .unwrap();
}

/// The walk split `split_to` ways on `threads` threads, with packs opened afresh.
fn threaded_walk(
    repo: &Repository,
    old: Oid,
    new: Oid,
    threads: usize,
    split_to: usize,
) -> Result<Vec<RawDelta>, git2::Error> {
    let odb = repo.odb().unwrap();
    let packs = Packs::open(&repo.commondir().join("objects"));
    walk(&odb, &packs, Some(old), new, threads, split_to)
}

/// Where the trees of a test live: all loose (threads find none in the packs and hand
/// every subtree back), all packed, or only the old side packed.
#[derive(Debug, Clone, Copy)]
enum Stored {
    Loose,
    Packed,
    OldPacked,
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        rng_seed: RngSeed::Fixed(0x7e4d_5a11),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_walk_on_threads_gives_the_walk_on_one_in_its_order(
        (old, new) in two_trees(),
        sorted_trees in any::<bool>(),
        stored in prop_oneof![Just(Stored::Loose), Just(Stored::Packed), Just(Stored::OldPacked)],
        threads in 2usize..=3,
        split_to in 1usize..8,
    ) {
        let dir = TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let (old, new) = (write(&repo, &old, sorted_trees), write(&repo, &new, sorted_trees));
        match stored {
            Stored::Loose => {}
            Stored::Packed => pack(&repo, &[old, new]),
            Stored::OldPacked => pack(&repo, &[old]),
        }
        let threaded = threaded_walk(&repo, old, new, threads, split_to).unwrap();
        prop_assert_eq!(threaded, raw_walk(&repo, old, new));
    }
}

#[test]
fn a_wide_change_walked_on_threads_is_the_change_walked_on_one() {
    // 40 folders, each with 5 subfolders of 3 files, all of which change: the split
    // stops at the 40 folders with 2 threads, at their 200 subfolders with 4, and the
    // threads walk them.
    let dir = TempDir::new().unwrap();
    let repo = Repository::init_bare(dir.path()).unwrap();
    let names: Vec<&'static str> = (0..40)
        .map(|i| &*Box::leak(format!("f{i:02}").into_boxed_str()))
        .collect();
    let side = |blob: u8| {
        Node::Folder(
            names
                .iter()
                .map(|&name| {
                    let files = Node::Folder(
                        ["x", "y", "z"]
                            .map(|f| (f, Node::Leaf("100644", blob)))
                            .to_vec(),
                    );
                    let subs = ["a", "b", "c", "d", "e"]
                        .map(|s| (s, files.clone()))
                        .to_vec();
                    (name, Node::Folder(subs))
                })
                .collect(),
        )
    };
    let (old, new) = (write(&repo, &side(0), true), write(&repo, &side(1), true));
    pack(&repo, &[old, new]);
    let one = raw_walk(&repo, old, new);
    assert_eq!(one.len(), 40 * 5 * 3);
    for threads in [2, 4] {
        assert_eq!(
            threaded_walk(&repo, old, new, threads, threads * WALKS_PER_THREAD).unwrap(),
            one
        );
    }
    assert_eq!(sorted(one), sorted(libgit2_walk(&repo, old, new)));
}

#[test]
fn the_first_broken_tree_in_the_walk_is_the_error_on_threads_too() {
    // Two broken folders among twenty, each broken its own way: whichever thread meets
    // which first, the error is the one the walk on one thread meets first.
    let dir = TempDir::new().unwrap();
    let repo = Repository::init_bare(dir.path()).unwrap();
    let odb = repo.odb().unwrap();
    let good = |blob: u8| {
        let files = Node::Folder(vec![("x", Node::Leaf("100644", blob))]);
        write(&repo, &Node::Folder(vec![("g", files)]), true)
    };
    let bad_mode = odb.write(ObjectType::Tree, b"abc a\0").unwrap();
    let bad_oid = odb.write(ObjectType::Tree, b"100644 a\0short").unwrap();
    let root = |trees: &[Oid]| {
        let mut bytes = Vec::new();
        for (i, tree) in trees.iter().enumerate() {
            bytes.extend_from_slice(format!("40000 d{i:02}\0").as_bytes());
            bytes.extend_from_slice(tree.as_bytes());
        }
        odb.write(ObjectType::Tree, &bytes).unwrap()
    };
    let old = root(&vec![good(0); 20]);
    let mut new_trees = vec![good(1); 20];
    new_trees[7] = bad_oid;
    new_trees[15] = bad_mode;
    let new = root(&new_trees);
    let mut builder = repo.packbuilder().unwrap();
    for tree in [old, new, good(0), good(1), bad_mode, bad_oid] {
        builder.insert_object(tree, None).unwrap();
    }
    builder
        .write(&repo.commondir().join("objects").join("pack"), 0)
        .unwrap();
    let packs = Packs::open(&repo.commondir().join("objects"));
    let one = diff_trees(
        &mut Trees::new(&odb, &packs),
        Some(old),
        Some(new),
        &mut Vec::new(),
        &mut Vec::new(),
    )
    .unwrap_err();
    assert_eq!(one.message(), "failed to parse tree: can't parse OID");
    for (threads, split_to) in [(2, 2), (2, 32), (3, 5)] {
        let threaded = threaded_walk(&repo, old, new, threads, split_to).unwrap_err();
        assert_eq!(threaded.message(), one.message(), "{threads} threads");
    }
}

#[test]
fn a_file_and_a_folder_of_one_name_are_two_deltas() {
    let dir = TempDir::new().unwrap();
    let repo = Repository::init_bare(dir.path()).unwrap();
    let file = Node::Leaf("100644", 0);
    let folder = Node::Folder(vec![("x", Node::Leaf("100644", 1))]);
    let old = Node::Folder(vec![("a", file.clone()), ("a.b", file.clone())]);
    let new = Node::Folder(vec![("a.b", file), ("a", folder)]);
    let (old, new) = (write(&repo, &old, true), write(&repo, &new, true));
    let deltas = raw_walk(&repo, old, new);
    let paths: Vec<&[u8]> = deltas.iter().map(|d| d.path.as_slice()).collect();
    // The file `a` goes, `a/x` comes; `a.b` sits between them in git's order.
    assert_eq!(paths, [&b"a"[..], b"a/x"]);
    assert!(deltas[0].old.is_some() && deltas[0].new.is_none());
    assert!(deltas[1].old.is_none() && deltas[1].new.is_some());
    assert_eq!(sorted(deltas), sorted(libgit2_walk(&repo, old, new)));
}

#[test]
fn a_folder_meets_its_namesake_past_names_that_sort_before_the_slash() {
    // In git's order `a-b` and `a.b` come before the folder `a` (as `a/`), though `a`
    // is the shorter name: the two `a` folders are still compared with each other.
    let dir = TempDir::new().unwrap();
    let repo = Repository::init_bare(dir.path()).unwrap();
    let folder = |blob| Node::Folder(vec![("x", Node::Leaf("100644", blob))]);
    let old = Node::Folder(vec![("a-b", Node::Leaf("100644", 0)), ("a", folder(1))]);
    let new = Node::Folder(vec![("a", folder(2)), ("a.b", Node::Leaf("100644", 0))]);
    let (old, new) = (write(&repo, &old, true), write(&repo, &new, true));
    let deltas = raw_walk(&repo, old, new);
    let paths: Vec<&[u8]> = deltas.iter().map(|d| d.path.as_slice()).collect();
    assert_eq!(paths, [&b"a-b"[..], b"a.b", b"a/x"]);
    assert!(deltas[2].old.is_some() && deltas[2].new.is_some());
    assert_eq!(sorted(deltas), sorted(libgit2_walk(&repo, old, new)));
}

#[test]
fn modes_parse_and_normalize_as_in_libgit2() {
    assert_eq!(parse_mode(b"100644 a"), Some((0o100_644, &b" a"[..])));
    assert_eq!(parse_mode(b"+40000 a"), Some((0o40_000, &b" a"[..])));
    assert_eq!(parse_mode(b"-0 a"), Some((0, &b" a"[..])));
    // Leading white space, no digits, a negative or too large mode: no tree.
    for bad in [&b" 100644 a"[..], b"x", b"", b"-1 a", b"200000 a", b"9 a"] {
        assert_eq!(parse_mode(bad), None, "{:?}", String::from_utf8_lossy(bad));
    }
    assert_eq!(normalize_filemode(0o100_664), 0o100_644);
    assert_eq!(normalize_filemode(0o100_700), 0o100_755);
    assert_eq!(normalize_filemode(0o120_755), 0o100_755);
    assert_eq!(normalize_filemode(0o40_755), 0o40_000);
    assert_eq!(normalize_filemode(0o160_000), 0o160_000);
    assert_eq!(normalize_filemode(0), 0o100_644);
}

#[test]
fn a_broken_tree_is_an_error_in_libgit2s_words() {
    let dir = TempDir::new().unwrap();
    let repo = Repository::init_bare(dir.path()).unwrap();
    let odb = repo.odb().unwrap();
    let packs = Packs::open(&repo.commondir().join("objects"));
    let good = write(&repo, &Node::Folder(vec![]), true);
    for (bytes, message) in [
        (&b"100644a\0"[..], "missing space after filemode"),
        (b"100644 a", "object is corrupted"),
        (b"100644 \0", "can't parse filename"),
        (b"100644 a\0short", "can't parse OID"),
        (b"abc a\0", "can't parse filemode"),
    ] {
        let bad = odb.write(ObjectType::Tree, bytes).unwrap();
        let error = diff_trees(
            &mut Trees::new(&odb, &packs),
            Some(good),
            Some(bad),
            &mut Vec::new(),
            &mut Vec::new(),
        )
        .unwrap_err();
        assert_eq!(error.message(), format!("failed to parse tree: {message}"));
        assert!(repo.find_tree(bad).is_err(), "libgit2 refuses it too");
    }
}
