//! The three-dot diff as one tree-to-tree walk that skips every unchanged subtree, with
//! renames paired as `git diff -M` pairs them ([`super::renames`]).
//!
//! Trees are read as raw objects and their entries parsed in place, as libgit2's
//! `git_tree__parse_raw` reads them: a `git2::Tree` would copy each tree's entries into
//! an array of its own, and the walk reads every tree of the change once.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use anyhow::{Context as _, Result};
use git2::{ObjectType, Odb, OdbObject, Oid};

use super::packs::{Packs, Reader};
use super::{Blobs, Diffed, Kind, Repo, Side, is_regular, renames};
use crate::judge::change::{FileChange, Status};

impl Repo {
    /// The files changed from `from` (the empty tree when `None`) to `to`, with renames
    /// paired as `git diff -M` does.
    pub fn diff(&self, from: Option<Oid>, to: Oid) -> Result<Vec<FileChange>> {
        let old = from.map(|from| self.tree_id_of(from)).transpose()?;
        let new = self.tree_id_of(to)?;
        let odb = self.repo.odb()?;
        let packs = self.packs();
        let threads = threads();
        let raw = walk(&odb, &packs, old, new, threads, threads * WALKS_PER_THREAD)
            .context("could not diff the change")?;
        let (mut files, blobs) = self.pair_renames(raw)?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        *self.diffed.borrow_mut() = Some(Diffed { from, to, blobs });
        Ok(files)
    }

    /// The packs, mapped at the first walk since files were last read (see the field).
    fn packs(&self) -> Rc<Packs> {
        let mut packs = self.packs.borrow_mut();
        Rc::clone(
            packs.get_or_insert_with(|| {
                Rc::new(Packs::open(&self.repo.commondir().join("objects")))
            }),
        )
    }

    /// Lets go of the pages of the packs that the walks touched, before libgit2 maps the
    /// same packs to read blobs: they would be resident twice (see the `packs` field).
    pub(super) fn release_packs(&self) {
        if let Some(packs) = self.packs.borrow().as_ref() {
            packs.release();
        }
    }

    /// Turns raw deltas into file changes, pairing deleted and added files into renames;
    /// with each file's regular blobs before and after, by its path.
    fn pair_renames(&self, raw: Vec<RawDelta>) -> Result<(Vec<FileChange>, Blobs)> {
        // Files, symlinks and submodules all go to `detect`, as git passes them all to its
        // rename detection: only regular files are paired by content, the others only
        // with an identical one, but all of them take part in git's tie-breaks.
        let candidates = |deleted: bool| -> Vec<renames::Candidate<'_>> {
            raw.iter()
                .enumerate()
                .filter_map(|(i, d)| {
                    let (gone, side) = if deleted {
                        (d.new, d.old)
                    } else {
                        (d.old, d.new)
                    };
                    let side = side.filter(|_| gone.is_none())?;
                    Some(renames::Candidate {
                        index: i,
                        path: &d.path,
                        oid: side.oid,
                        mode: side.mode as u32,
                    })
                })
                .collect()
        };
        let (deleted, added) = (candidates(true), candidates(false));
        let pairs = if deleted.is_empty() || added.is_empty() {
            Vec::new()
        } else {
            self.release_packs();
            renames::detect(&self.repo, &deleted, &added).context("could not detect renames")?
        };
        let mut renamed_from: Vec<Option<usize>> = vec![None; raw.len()];
        let mut consumed = vec![false; raw.len()];
        for (del, add) in pairs {
            renamed_from[add] = Some(del);
            consumed[del] = true;
        }
        let mut files = Vec::with_capacity(raw.len());
        let mut blobs = HashMap::with_capacity(raw.len());
        // What `Repo::lines` would find at the file's path on each side.
        let regular = |side: Option<Side>| side.filter(|s| is_regular(s.mode)).map(|s| s.oid);
        for (i, d) in raw.iter().enumerate() {
            if consumed[i] {
                continue;
            }
            let mut same_content = false;
            let (status, old_path) = match (d.old, d.new, renamed_from[i]) {
                (_, new, Some(from)) => {
                    same_content = raw[from].old.map(|s| s.oid) == new.map(|s| s.oid);
                    (Status::Renamed, Some(raw[from].path.clone()))
                }
                (None, Some(_), None) => (Status::Added, None),
                (Some(_), None, None) => (Status::Deleted, None),
                (Some(a), Some(b), None) if a.kind != b.kind => (Status::TypeChange, None),
                (Some(_), Some(_), None) => (Status::Modified, None),
                (None, None, None) => continue,
            };
            let before = match renamed_from[i] {
                Some(from) => raw[from].old,
                None => d.old,
            };
            blobs.insert(d.path.clone(), [regular(before), regular(d.new)]);
            files.push(FileChange {
                path: d.path.clone(),
                old_path,
                status,
                same_content,
            });
        }
        Ok((files, blobs))
    }
}

/// A path that differs, before pairing renames.
#[derive(Debug, PartialEq, Eq)]
struct RawDelta {
    path: Vec<u8>,
    old: Option<Side>,
    new: Option<Side>,
}

/// At most this many threads walk one diff.
const MAX_THREADS: usize = 4;
/// The walk is split until each thread has about this many subtrees to walk, so that a
/// thread that drew a large one does not leave the others idle long.
const WALKS_PER_THREAD: usize = 16;

/// The stack of a thread that walks, the size a main thread's usually is.
const WALK_STACK: usize = 8 << 20;

/// The threads a diff may walk with: one per core, up to [`MAX_THREADS`].
fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(MAX_THREADS)
}

/// A piece of the walk's output, in the walk's order: deltas already found, or a pair of
/// subtrees still to walk, with the path that leads to them.
enum Unit {
    Found(RawDelta),
    Walk {
        prefix: Vec<u8>,
        old: Option<Oid>,
        new: Option<Oid>,
    },
}

/// The tree-to-tree walk from `old` to `new`, on up to `threads` threads.
///
/// A change whose trees differ in many folders is split breadth-first into subtrees to
/// walk (until there are `split_to` of them), which the threads then take in turn, each
/// reading the packs through its own [`Reader`] (libgit2 serialises every read behind
/// locks, so its objects cannot be read in parallel). A small change is walked whole while it is split, and starts no thread.
/// The deltas come out in the order, and the first error is the error, of the walk on one
/// thread: a folder is split only when both its trees read and parse cleanly, and a
/// subtree that a thread finds outside the packs is walked again by the calling thread,
/// through libgit2.
fn walk(
    odb: &Odb<'_>,
    packs: &Packs,
    old: Option<Oid>,
    new: Oid,
    threads: usize,
    split_to: usize,
) -> Result<Vec<RawDelta>, git2::Error> {
    let mut trees = Trees::new(odb, packs);
    let mut units = vec![Unit::Walk {
        prefix: Vec::new(),
        old,
        new: Some(new),
    }];
    let walks = |units: &[Unit]| {
        units
            .iter()
            .filter(|u| matches!(u, Unit::Walk { .. }))
            .count()
    };
    if threads > 1 {
        while (1..split_to).contains(&walks(&units)) {
            let mut split = false;
            let mut next = Vec::with_capacity(units.len());
            for unit in units {
                match unit {
                    Unit::Walk { prefix, old, new } => {
                        match split_walk(&mut trees, &prefix, old, new) {
                            Some(children) => {
                                split = true;
                                next.extend(children);
                            }
                            None => next.push(Unit::Walk { prefix, old, new }),
                        }
                    }
                    found => next.push(found),
                }
            }
            units = next;
            if !split {
                break;
            }
        }
    }
    let mut walked: Vec<Option<Walked>> = if walks(&units) > 1 {
        walk_in_parallel(&mut trees, packs, &units, threads)
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    for (i, unit) in units.into_iter().enumerate() {
        match unit {
            Unit::Found(delta) => out.push(delta),
            Unit::Walk {
                mut prefix,
                old,
                new,
            } => match walked.get_mut(i).and_then(Option::take) {
                Some(Walked::Done(deltas)) => out.extend(deltas?),
                Some(Walked::NotPacked) | None => {
                    diff_trees(&mut trees, old, new, &mut prefix, &mut out)?;
                }
            },
        }
    }
    Ok(out)
}

/// What a thread made of one subtree to walk.
enum Walked {
    Done(Result<Vec<RawDelta>, git2::Error>),
    /// It met a tree that the packs do not hold, which only the calling thread can read.
    NotPacked,
}

/// Walks the `Unit::Walk`s of `units` on `threads` threads, the calling one among them;
/// what each found, by its position in `units`.
fn walk_in_parallel(
    trees: &mut Trees<'_>,
    packs: &Packs,
    units: &[Unit],
    threads: usize,
) -> Vec<Option<Walked>> {
    let next = AtomicUsize::new(0);
    let take = |trees: &mut Trees<'_>| {
        let mut walked = Vec::new();
        loop {
            let i = next.fetch_add(1, AtomicOrdering::Relaxed);
            let Some(unit) = units.get(i) else {
                return walked;
            };
            if let Unit::Walk { prefix, old, new } = unit {
                let mut out = Vec::new();
                let result = diff_trees(trees, *old, *new, &mut prefix.clone(), &mut out);
                let outcome = if std::mem::take(&mut trees.not_packed) {
                    Walked::NotPacked
                } else {
                    Walked::Done(result.map(|()| out))
                };
                walked.push((i, outcome));
            }
        }
    };
    let mut found: Vec<Option<Walked>> = units.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        // A helper that the system will not start (a limit on threads) leaves its share
        // to the others; each gets the stack the calling thread usually has, as the walk
        // recurses once per folder of a path.
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .stack_size(WALK_STACK)
                    .spawn_scoped(scope, || take(&mut Trees::packed_only(packs)))
                    .ok()
            })
            .collect();
        let mut all = take(trees);
        for helper in helpers {
            match helper.join() {
                Ok(walked) => all.extend(walked),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (i, outcome) in all {
            found[i] = Some(outcome);
        }
    });
    found
}

/// The steps of the walk at `prefix`, one level down: the deltas of files, and the
/// subtrees to walk, in the order [`diff_trees`] would give them. `None` when either tree
/// does not read, or its entries do not parse or come out of git's order: the folder is
/// then walked whole, by `diff_trees`, which says what is wrong as it always did.
fn split_walk(
    trees: &mut Trees<'_>,
    prefix: &[u8],
    old: Option<Oid>,
    new: Option<Oid>,
) -> Option<Vec<Unit>> {
    let old = old.map(|oid| trees.read(oid)).transpose().ok()?;
    let new = new.map(|oid| trees.read(oid)).transpose().ok()?;
    let before = entries(old.as_ref().map_or(&[][..], |o| o.data()));
    let after = entries(new.as_ref().map_or(&[][..], |o| o.data()));
    let mut units = Vec::new();
    let mut step = |name: &[u8], before: Option<Side>, after: Option<Side>| {
        let path = [prefix, name].concat();
        units.extend(parts(before, after).map(|part| match part {
            Part::Folder(old, new) => Unit::Walk {
                prefix: [&path[..], b"/"].concat(),
                old,
                new,
            },
            Part::File(old, new) => Unit::Found(RawDelta {
                path: path.clone(),
                old,
                new,
            }),
        }));
        Ok(())
    };
    merge(before, after, &mut step).ok()?.then_some(units)
}

/// A tree-to-tree diff that never descends into a subtree whose id is unchanged, so its
/// cost follows the size of the change, not of the repository. (libgit2's own tree diff
/// costs several milliseconds on a few-file change in a large tree.)
fn diff_trees(
    trees: &mut Trees<'_>,
    old: Option<Oid>,
    new: Option<Oid>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<RawDelta>,
) -> Result<(), git2::Error> {
    let old = old.map(|oid| trees.read(oid)).transpose()?;
    let new = new.map(|oid| trees.read(oid)).transpose()?;
    let before = entries(old.as_ref().map_or(&[][..], |o| o.data()));
    let after = entries(new.as_ref().map_or(&[][..], |o| o.data()));
    let found = out.len();
    let mut step = |name: &[u8], a, b| delta(trees, name, a, b, prefix, out);
    if merge(before.clone(), after.clone(), &mut step)? {
        return Ok(());
    }
    // A tree out of git's order, or holding a name twice (fsck would object): what the
    // merge found is dropped, and the entries are merged by name, the last entry of a
    // name winning, as this walk always did.
    out.truncate(found);
    let mut by_name: BTreeMap<&[u8], (Option<Side>, Option<Side>)> = BTreeMap::new();
    for entry in before {
        let entry = entry?;
        by_name.entry(entry.name).or_default().0 = Some(entry.side());
    }
    for entry in after {
        let entry = entry?;
        by_name.entry(entry.name).or_default().1 = Some(entry.side());
    }
    for (name, (a, b)) in by_name {
        delta(trees, name, a, b, prefix, out)?;
    }
    Ok(())
}

/// Merges two lists of entries in git's order, each name once on each side: a file and
/// a folder of one name fall on different steps, each with its own delta, as the merge
/// by name gave them. `false`, as soon as a list turns out to be in another order.
fn merge<'t>(
    mut before: impl Iterator<Item = Result<Entry<'t>, git2::Error>>,
    mut after: impl Iterator<Item = Result<Entry<'t>, git2::Error>>,
    step: &mut impl FnMut(&'t [u8], Option<Side>, Option<Side>) -> Result<(), git2::Error>,
) -> Result<bool, git2::Error> {
    let (mut before_order, mut after_order) = (Order::default(), Order::default());
    let (mut a, mut b) = (None, None);
    loop {
        if a.is_none()
            && let Some(entry) = before.next().transpose()?
        {
            if !before_order.admits(&entry) {
                return Ok(false);
            }
            a = Some(entry);
        }
        if b.is_none()
            && let Some(entry) = after.next().transpose()?
        {
            if !after_order.admits(&entry) {
                return Ok(false);
            }
            b = Some(entry);
        }
        let order = match (&a, &b) {
            (Some(x), Some(y)) => git_order(x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => return Ok(true),
        };
        let (old, new) = match order {
            Ordering::Less => (a.take(), None),
            Ordering::Greater => (None, b.take()),
            Ordering::Equal => (a.take(), b.take()),
        };
        if let (Some(a), Some(b)) = (&old, &new)
            && a.id == b.id
            && a.mode == b.mode
        {
            // Unchanged, which most entries of a large folder are: told from the raw
            // bytes, without making ids of them.
            continue;
        }
        let name = old.or(new).map_or(&[][..], |e| e.name);
        step(name, old.map(|e| e.side()), new.map(|e| e.side()))?;
    }
}

/// What differs at `name` between two trees: a folder on either side is walked, a file
/// on either side is one delta.
fn delta(
    trees: &mut Trees<'_>,
    name: &[u8],
    before: Option<Side>,
    after: Option<Side>,
    prefix: &mut Vec<u8>,
    out: &mut Vec<RawDelta>,
) -> Result<(), git2::Error> {
    let len = prefix.len();
    prefix.extend_from_slice(name);
    for part in parts(before, after) {
        match part {
            Part::Folder(old, new) => {
                prefix.push(b'/');
                diff_trees(trees, old, new, prefix, out)?;
                prefix.truncate(len + name.len());
            }
            Part::File(old, new) => out.push(RawDelta {
                path: prefix.clone(),
                old,
                new,
            }),
        }
    }
    prefix.truncate(len);
    Ok(())
}

/// One part of what differs at a name: the folders on either side, to walk, or the
/// files (anything but a folder) on either side, one delta.
enum Part {
    Folder(Option<Oid>, Option<Oid>),
    File(Option<Side>, Option<Side>),
}

/// What differs at a name between `before` and `after`, in the walk's order: the folders
/// first, then the files (a file that became a folder is two parts). Nothing when the
/// two are the same.
fn parts(before: Option<Side>, after: Option<Side>) -> impl Iterator<Item = Part> {
    let changed = before != after;
    let folder = |side: Option<Side>| side.filter(|s| s.kind == Kind::Tree).map(|s| s.oid);
    let file = |side: Option<Side>| side.filter(|s| s.kind != Kind::Tree);
    let folders = match (folder(before), folder(after)) {
        (None, None) => None,
        (old, new) => Some(Part::Folder(old, new)),
    };
    let files = match (file(before), file(after)) {
        (None, None) => None,
        (old, new) => Some(Part::File(old, new)),
    };
    [folders, files]
        .into_iter()
        .flatten()
        .filter(move |_| changed)
}

/// Where the walk reads trees: the packs first, libgit2 for what they do not hold.
pub(super) struct Trees<'o> {
    /// `None` on a thread of [`walk_in_parallel`], which reads the packs only.
    odb: Option<&'o Odb<'o>>,
    packed: Reader<'o>,
    /// Set when a tree was not in the packs and there was no libgit2 to ask.
    not_packed: bool,
}

/// A tree's raw bytes, from either reader.
enum TreeData<'o> {
    Packed(std::rc::Rc<Vec<u8>>),
    Odb(OdbObject<'o>),
}

impl TreeData<'_> {
    fn data(&self) -> &[u8] {
        match self {
            TreeData::Packed(data) => data,
            TreeData::Odb(object) => object.data(),
        }
    }
}

impl<'o> Trees<'o> {
    pub(super) fn new(odb: &'o Odb<'o>, packs: &'o Packs) -> Trees<'o> {
        Trees {
            odb: Some(odb),
            packed: Reader::new(packs),
            not_packed: false,
        }
    }

    fn packed_only(packs: &'o Packs) -> Trees<'o> {
        Trees {
            odb: None,
            packed: Reader::new(packs),
            not_packed: false,
        }
    }

    /// A tree object, as `find_tree` would look it up (the packs hold the same objects).
    fn read(&mut self, oid: Oid) -> Result<TreeData<'o>, git2::Error> {
        let (kind, data) = match self.packed.read(oid) {
            Some((kind, data)) => (kind, TreeData::Packed(data)),
            None => {
                let Some(odb) = self.odb else {
                    self.not_packed = true;
                    return Err(git2::Error::from_str("the tree is not in a pack"));
                };
                let object = odb.read(oid)?;
                (object.kind(), TreeData::Odb(object))
            }
        };
        if kind != ObjectType::Tree {
            return Err(git2::Error::from_str(
                "the requested type does not match the type in the ODB",
            ));
        }
        Ok(data)
    }
}

/// One entry of a raw tree.
#[derive(Clone, Copy)]
struct Entry<'t> {
    name: &'t [u8],
    id: &'t [u8; 20],
    /// Normalized, as `git_tree_entry_filemode` gives it.
    mode: i32,
}

impl Entry<'_> {
    fn is_tree(&self) -> bool {
        Kind::of_mode(self.mode) == Kind::Tree
    }

    fn side(&self) -> Side {
        Side {
            oid: Oid::from_bytes(self.id).expect("20 bytes are an object id"),
            kind: Kind::of_mode(self.mode),
            mode: self.mode,
        }
    }
}

/// The entries of a raw tree, parsed as `git_tree__parse_raw` parses them, with its
/// errors; nothing after an error.
fn entries(mut data: &[u8]) -> impl Iterator<Item = Result<Entry<'_>, git2::Error>> + Clone {
    std::iter::from_fn(move || {
        if data.is_empty() {
            return None;
        }
        Some(match entry(data) {
            Ok((entry, rest)) => {
                data = rest;
                Ok(entry)
            }
            Err(message) => {
                data = &[];
                Err(git2::Error::from_str(message))
            }
        })
    })
}

fn entry(data: &[u8]) -> Result<(Entry<'_>, &[u8]), &'static str> {
    let (mode, rest) = parse_mode(data).ok_or("failed to parse tree: can't parse filemode")?;
    let rest = rest
        .strip_prefix(b" ")
        .ok_or("failed to parse tree: missing space after filemode")?;
    let nul = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or("failed to parse tree: object is corrupted")?;
    if nul == 0 || nul > usize::from(u16::MAX) {
        return Err("failed to parse tree: can't parse filename");
    }
    let (name, rest) = (&rest[..nul], &rest[nul + 1..]);
    let (id, rest) = rest
        .split_first_chunk::<20>()
        .ok_or("failed to parse tree: can't parse OID")?;
    let mode = normalize_filemode(mode);
    Ok((Entry { name, id, mode }, rest))
}

/// `parse_mode` in tree.c: no leading white space, then `git__strntol32` in base 8 (a
/// sign, octal digits up to the first other byte), within 0..=0xFFFF.
fn parse_mode(data: &[u8]) -> Option<(u32, &[u8])> {
    let (negative, rest) = match data.split_first()? {
        (b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r', _) => return None,
        (b'-', rest) => (true, rest),
        (b'+', rest) => (false, rest),
        _ => (false, data),
    };
    let digits = rest
        .iter()
        .take_while(|b| (b'0'..=b'7').contains(b))
        .count();
    if digits == 0 {
        return None;
    }
    let value = rest[..digits].iter().try_fold(0i64, |n, &d| {
        n.checked_mul(8)?.checked_add(i64::from(d - b'0'))
    })?;
    let value = if negative { -value } else { value };
    let mode = u32::try_from(value).ok().filter(|&m| m <= 0xFFFF)?;
    Some((mode, &rest[digits..]))
}

/// `normalize_filemode` in tree.c, which `git_tree_entry_filemode` applies.
fn normalize_filemode(mode: u32) -> i32 {
    match mode & 0o170_000 {
        0o040_000 => 0o040_000,
        _ if mode & 0o100 != 0 => 0o100_755,
        0o160_000 => 0o160_000,
        0o120_000 => 0o120_000,
        _ => 0o100_644,
    }
}

/// Git's order of tree entries (`base_name_compare`): by name, a folder's name as if it
/// ended in `/`.
fn git_order(a: &Entry<'_>, b: &Entry<'_>) -> Ordering {
    let end = |e: &Entry<'_>| if e.is_tree() { b'/' } else { 0 };
    let len = a.name.len().min(b.name.len());
    a.name[..len].cmp(&b.name[..len]).then_with(|| {
        let ca = a.name.get(len).copied().unwrap_or_else(|| end(a));
        let cb = b.name.get(len).copied().unwrap_or_else(|| end(b));
        ca.cmp(&cb)
    })
}

/// Checks, one entry at a time, that a tree's entries come in strictly increasing git
/// order with no name twice.
#[derive(Default)]
struct Order<'t> {
    previous: Option<Entry<'t>>,
    /// A file and a folder of one name sit apart in git's order: the file, then only
    /// names that continue the file's with a byte below `/`, then the folder. So the
    /// files that a later folder could match are those whose names begin each entry
    /// since: a chain of prefixes, held here without allocating (a chain longer than
    /// this is taken for a clash, and merged by name).
    files: [&'t [u8]; 8],
    depth: usize,
}

impl<'t> Order<'t> {
    fn admits(&mut self, entry: &Entry<'t>) -> bool {
        if let Some(last) = &self.previous
            && git_order(last, entry) != Ordering::Less
        {
            return false;
        }
        self.previous = Some(*entry);
        let continues = |file: &[u8]| {
            entry.name.starts_with(file) && entry.name.get(file.len()).is_some_and(|&c| c < b'/')
        };
        while self.depth > 0
            && !continues(self.files[self.depth - 1])
            && self.files[self.depth - 1] != entry.name
        {
            self.depth -= 1;
        }
        if entry.is_tree() {
            return !(self.depth > 0 && self.files[self.depth - 1] == entry.name);
        }
        if self.depth == self.files.len() {
            return false;
        }
        self.files[self.depth] = entry.name;
        self.depth += 1;
        true
    }
}

#[cfg(test)]
mod tests;
