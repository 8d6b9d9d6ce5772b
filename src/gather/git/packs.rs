//! Objects read straight from the repository's pack files, for the tree-to-tree walk of
//! [`super::diff`].
//!
//! The walk reads every tree of a change once, hundreds of thousands on a deep one, and
//! through libgit2 each read pays for a process-wide lock, the pack's own lock, a cache
//! check and two allocations: about a sixth more per object than git itself. Here a read
//! is a look-up in the memory-mapped index, the inflation of the entry and the deltas it
//! rests on, and a small cache of what was inflated, as git's own `unpack_entry` does,
//! with no lock: [`Packs`] is shared, each thread reads through its own [`Reader`].
//!
//! This reader only ever answers with an object or with nothing: whatever it does not
//! find or cannot read (a loose object, a pack in another format, a corrupt entry) is
//! left to libgit2, which then finds it or fails with its own error, exactly as the walk
//! did before. What it answers is what git and libgit2 read from the same files: it looks
//! packs up in libgit2's order, follows alternates by libgit2's rules, and refuses what
//! they refuse (the tests hold it to `git cat-file` on packs corrupted byte by byte).
//! Left to them: a `multi-pack-index`, which names the same entries as the packs' own
//! indexes unless one of them is corrupt.

use std::collections::{HashMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::SystemTime;

use flate2::{Decompress, FlushDecompress, Status};
use git2::{ObjectType, Oid};
use memmap2::Mmap;

use crate::gather::disk;

/// How far `objects/info/alternates` is followed: libgit2's `GIT_ALTERNATES_MAX_DEPTH`,
/// past which it reads no alternates list (the folders that the last list names are
/// still read).
const MAX_ALTERNATE_DEPTH: usize = 5;
/// At most this many packs are mapped (two mappings each); any further ones are left to
/// libgit2, so that a repository that was never repacked cannot use up the process's
/// mappings (`vm.max_map_count`) that libgit2 and the allocator also need.
const MAX_PACKS: usize = 1_000;
/// How many deltas one object may rest on before the chain is taken for a loop (git
/// writes chains of at most 4,095; a `REF_DELTA` can name itself in a corrupt pack).
const MAX_CHAIN: usize = 10_000;
/// What the cache of delta bases may hold, per thread. Git's holds 96 MiB; the walk
/// reads the two sides of each tree one after the other, and one side is usually the
/// other's base, so a little goes a long way. Measured on a 20,000-file change, 16 MiB a
/// thread raised the peak RSS from 57 to 79 MiB and saved no time.
const CACHE_BYTES: usize = 4 << 20;

/// The pack files of a repository and of its alternates, mapped.
pub(super) struct Packs {
    packs: Vec<Pack>,
}

struct Pack {
    /// The `.idx`, version 2, checked to hold its tables whole.
    index: Mmap,
    /// The `.pack`, with the same number of objects as its index.
    data: Mmap,
    count: usize,
}

impl Packs {
    /// Maps every pack in `objects` and the alternates it names. A pack that cannot be
    /// opened or is not in the format read here is left out (libgit2 reads it); so is
    /// anything that is not a regular file, so a FIFO never blocks the open.
    pub(super) fn open(objects: &Path) -> Packs {
        let mut packs = Vec::new();
        for folder in object_folders(objects) {
            add_packs(&folder, &mut packs);
        }
        Packs { packs }
    }

    /// Lets go of the pages the walks touched, which count in the process's resident
    /// memory as long as they stay mapped; the next walk reads them again from the page
    /// cache. Cheaper than unmapping: opening the packs again costs about 0.2 ms.
    pub(super) fn release(&self) {
        #[cfg(unix)]
        for pack in &self.packs {
            for map in [&pack.index, &pack.data] {
                // SAFETY: the mappings are read-only views of files (`Mmap::map`), so
                // a page let go is read back from the file, the same bytes, at the next
                // touch; no reference into them outlives a walk, and none runs now.
                let _ = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
            }
        }
    }

    /// Where `oid` is stored: the pack's position and the entry's offset in it, looked
    /// for in the pack `first` and then in order, as libgit2 looks first in the pack that
    /// answered last.
    fn locate(&self, oid: &[u8; 20], first: usize) -> Option<(usize, u64)> {
        let found = |i: usize| self.packs.get(i)?.offset_of(oid).map(|offset| (i, offset));
        found(first).or_else(|| {
            (0..self.packs.len())
                .filter(|&i| i != first)
                .find_map(found)
        })
    }
}

/// Adds the packs of the objects folder `objects`, up to [`MAX_PACKS`] in all.
fn add_packs(objects: &Path, packs: &mut Vec<Pack>) {
    if let Ok(dir) = std::fs::read_dir(objects.join("pack")) {
        let mut names: Vec<PathBuf> = dir
            .filter_map(|entry| Some(entry.ok()?.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "idx"))
            .collect();
        names.sort();
        let mut here: Vec<(Pack, SystemTime)> = names
            .iter()
            .take(MAX_PACKS.saturating_sub(packs.len()))
            .filter_map(|idx| Pack::open(idx))
            .collect();
        // libgit2's order (`packfile_sort__cb`): this folder's packs before an
        // alternate's, the youngest first. It decides which copy of an object two packs
        // hold is read, which matters only when one of them is corrupt.
        here.sort_by_key(|&(_, changed)| std::cmp::Reverse(changed));
        packs.extend(here.into_iter().map(|(pack, _)| pack));
    }
}

/// The objects folders libgit2 reads objects from: `objects`, then the alternates it
/// names, depth first, each folder once.
pub(super) fn object_folders(objects: &Path) -> Vec<PathBuf> {
    let mut folders = Vec::new();
    let mut seen = Vec::new();
    add_folders(objects, 0, &mut seen, &mut folders);
    folders
}

fn add_folders(objects: &Path, depth: usize, seen: &mut Vec<PathBuf>, folders: &mut Vec<PathBuf>) {
    let Ok(real) = objects.canonicalize() else {
        return;
    };
    if seen.contains(&real) {
        return;
    }
    seen.push(real);
    folders.push(objects.to_path_buf());
    if depth > MAX_ALTERNATE_DEPTH {
        return;
    }
    let Ok(list) = disk::read(
        &objects.join("info").join("alternates"),
        &disk::Spec {
            what: "the alternates list",
            cap: disk::FILE_CAP,
            links: disk::Symlinks::Follow,
            fix: "",
        },
    ) else {
        return;
    };
    // libgit2's reading (`load_alternates`): lines split at CR or LF, nothing trimmed;
    // a line that starts with `.` is relative to this objects folder, and any other
    // relative line to the process's working folder, which libgit2 alone is left to read.
    for line in list.split(|&b| b == b'\r' || b == b'\n') {
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        let path = Path::new(line);
        if line.starts_with('.') {
            add_folders(&objects.join(path), depth + 1, seen, folders);
        } else if path.is_absolute() {
            add_folders(path, depth + 1, seen, folders);
        }
    }
}

/// Maps `path` when it is a regular file; with its time of last change.
fn map(path: &Path) -> Option<(Mmap, SystemTime)> {
    let (file, meta): (File, _) = disk::open_regular(OpenOptions::new().read(true), path).ok()?;
    let changed = meta.modified().ok()?;
    // SAFETY: git never writes to a pack or an index once it is in place: a repack writes
    // new files and deletes the old ones, which a mapping outlives. Git and libgit2 map
    // the same files the same way; a file truncated under a running reader breaks them
    // alike.
    let map = unsafe { Mmap::map(&file) }.ok()?;
    Some((map, changed))
}

const IDX_MAGIC: [u8; 4] = [0xff, b't', b'O', b'c'];
const FANOUT: usize = 8;
const NAMES: usize = FANOUT + 256 * 4;

impl Pack {
    /// The pack of the index `idx`, with the time its `.pack` was last changed.
    fn open(idx: &Path) -> Option<(Pack, SystemTime)> {
        let (index, _) = map(idx)?;
        if index.get(..4)? != IDX_MAGIC || be32(&index, 4)? != 2 {
            return None;
        }
        let mut previous = 0;
        for i in 0..256 {
            let n = be32(&index, FANOUT + i * 4)?;
            if n < previous {
                return None;
            }
            previous = n;
        }
        let count = usize::try_from(previous).ok()?;
        // Names, CRCs and 32-bit offsets, then the two checksums; the 64-bit offsets sit
        // between them and are bounds-checked where they are read. The first entry's
        // offset is always small, so git refuses an index with room for more 64-bit
        // offsets than entries but one.
        let tables = count.checked_mul(20 + 4 + 4)?.checked_add(NAMES + 40)?;
        let most = tables.checked_add(count.saturating_sub(1).checked_mul(8)?)?;
        if !(tables..=most).contains(&index.len()) {
            return None;
        }
        let (data, changed) = map(&idx.with_extension("pack"))?;
        // Git and libgit2 also refuse a pack whose trailing checksum is not the one its
        // index was made for (a truncated or replaced pack), without verifying either.
        if data.len() < 12 + 20
            || data[..4] != *b"PACK"
            || !matches!(be32(&data, 4)?, 2 | 3)
            || usize::try_from(be32(&data, 8)?).ok()? != count
            || data[data.len() - 20..] != index[index.len() - 40..index.len() - 20]
        {
            return None;
        }
        Some((Pack { index, data, count }, changed))
    }

    /// The offset of `oid`'s entry, found in the index's sorted names by the binary
    /// search git runs (`bsearch_hash`), probe for probe: in an index whose names are out
    /// of order (a corrupt one), any other search finds ids that git does not.
    fn offset_of(&self, oid: &[u8; 20]) -> Option<u64> {
        let first = usize::from(oid[0]);
        let mut low = match first {
            0 => 0,
            _ => be32(&self.index, FANOUT + (first - 1) * 4)? as usize,
        };
        let mut high = be32(&self.index, FANOUT + first * 4)? as usize;
        let names = &self.index[NAMES..NAMES + self.count * 20];
        while low < high {
            let mid = low + (high - low) / 2;
            match names.get(mid * 20..mid * 20 + 20)?.cmp(&oid[..]) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return self.offset_at(mid),
            }
        }
        None
    }

    fn offset_at(&self, position: usize) -> Option<u64> {
        let offsets = NAMES + self.count * 24;
        let small = be32(&self.index, offsets + position * 4)?;
        if small & 0x8000_0000 == 0 {
            return Some(u64::from(small));
        }
        let large = offsets + self.count * 4 + (small & 0x7fff_ffff) as usize * 8;
        // libgit2 refuses a slot that ends at the index's last byte or past it.
        if large.checked_add(8)? >= self.index.len() {
            return None;
        }
        let bytes = self.index.get(large..large + 8)?;
        // An offset past the entries is corrupt (git stops there); taken as it is, one
        // past 2^48 would share its cache key with an entry of another pack.
        Some(u64::from_be_bytes(bytes.try_into().ok()?))
            .filter(|&offset| offset < self.entries().len() as u64)
    }

    /// The bytes that entries may occupy: all but the header and the trailing checksum.
    fn entries(&self) -> &[u8] {
        &self.data[..self.data.len() - 20]
    }
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// One entry's header: what it is, how large it is once inflated, and where its zlib
/// stream starts.
struct Header {
    kind: EntryKind,
    size: usize,
    start: usize,
}

enum EntryKind {
    Whole(ObjectType),
    /// A delta on the entry at this offset of the same pack.
    Offset(u64),
    /// A delta on the object of this id, in the same pack: git and libgit2 look for the
    /// base nowhere else.
    Named([u8; 20]),
}

fn header(entries: &[u8], offset: u64) -> Option<Header> {
    let mut at = usize::try_from(offset).ok()?;
    if at < 12 {
        return None;
    }
    let mut byte = *entries.get(at)?;
    at += 1;
    let code = (byte >> 4) & 7;
    let mut size = u64::from(byte & 0x0f);
    let mut shift = 4;
    while byte & 0x80 != 0 {
        byte = *entries.get(at)?;
        at += 1;
        if shift > 57 {
            return None;
        }
        size |= u64::from(byte & 0x7f) << shift;
        shift += 7;
    }
    let size = usize::try_from(size).ok()?;
    let kind = match code {
        1 => EntryKind::Whole(ObjectType::Commit),
        2 => EntryKind::Whole(ObjectType::Tree),
        3 => EntryKind::Whole(ObjectType::Blob),
        4 => EntryKind::Whole(ObjectType::Tag),
        6 => {
            // The base's distance back, in git's own variable-length encoding, where
            // each continuation adds one so that no distance has two spellings.
            let mut byte = *entries.get(at)?;
            at += 1;
            let mut back = u64::from(byte & 0x7f);
            while byte & 0x80 != 0 {
                byte = *entries.get(at)?;
                at += 1;
                back = back.checked_add(1)?.checked_mul(128)? | u64::from(byte & 0x7f);
            }
            if back == 0 || back > offset {
                return None;
            }
            EntryKind::Offset(offset - back)
        }
        7 => {
            let id = entries.get(at..at + 20)?.try_into().ok()?;
            at += 20;
            EntryKind::Named(id)
        }
        _ => return None,
    };
    Some(Header {
        kind,
        size,
        start: at,
    })
}

/// Reads objects from [`Packs`] for one thread, with that thread's cache.
pub(super) struct Reader<'p> {
    packs: &'p Packs,
    inflater: Decompress,
    cache: Cache,
    /// The pack that held the last object read, where the next is looked for first.
    last: usize,
}

/// The id of the empty tree, `git hash-object -t tree /dev/null`.
const EMPTY_TREE: [u8; 20] = [
    0x4b, 0x82, 0x5d, 0xc6, 0x42, 0xcb, 0x6e, 0xb9, 0xa0, 0x60, 0xe5, 0x4b, 0xf8, 0xd6, 0x92, 0x88,
    0xfb, 0xee, 0x49, 0x04,
];

impl<'p> Reader<'p> {
    pub(super) fn new(packs: &'p Packs) -> Reader<'p> {
        Reader {
            packs,
            inflater: Decompress::new(true),
            cache: Cache::default(),
            last: 0,
        }
    }

    /// The object `oid`, with its type; `None` when it is not in a pack read here or its
    /// entry cannot be read, for the caller to ask libgit2.
    pub(super) fn read(&mut self, oid: Oid) -> Option<(ObjectType, Rc<Vec<u8>>)> {
        let id: &[u8; 20] = oid.as_bytes().try_into().ok()?;
        // Git and libgit2 know the empty tree without looking, whatever a pack says.
        if *id == EMPTY_TREE {
            return Some((ObjectType::Tree, Rc::default()));
        }
        let (pack, offset) = self.packs.locate(id, self.last)?;
        self.last = pack;
        self.entry(pack, offset)
    }

    /// The object at `offset` in pack `pack`: its deltas are followed back to an entry
    /// that is whole or cached, then applied forward, the bases kept in the cache on the way.
    fn entry(&mut self, pack: usize, mut offset: u64) -> Option<(ObjectType, Rc<Vec<u8>>)> {
        // A delta's base is in its own pack (git looks nowhere else), so the whole chain is.
        let mut deltas: Vec<(u64, Header)> = Vec::new();
        let (kind, mut object) = loop {
            if let Some(found) = self.cache.get(pack, offset) {
                break found;
            }
            if deltas.len() > MAX_CHAIN {
                return None;
            }
            let header = header(self.packs.packs[pack].entries(), offset)?;
            match header.kind {
                EntryKind::Whole(kind) => {
                    let data = Rc::new(self.inflate(pack, &header)?);
                    if !deltas.is_empty() {
                        self.cache.put(pack, offset, kind, &data);
                    }
                    break (kind, data);
                }
                EntryKind::Offset(base) => {
                    deltas.push((offset, header));
                    offset = base;
                }
                EntryKind::Named(id) => {
                    deltas.push((offset, header));
                    offset = self.packs.packs[pack].offset_of(&id)?;
                }
            }
        };
        // Only what served as a base is kept, as git keeps it: the object asked for is
        // read once, and a base is often asked for next (the other side of the same tree)
        // or serves another delta.
        while let Some((offset, header)) = deltas.pop() {
            let delta = self.inflate(pack, &header)?;
            object = Rc::new(apply(&object, &delta)?);
            if !deltas.is_empty() {
                self.cache.put(pack, offset, kind, &object);
            }
        }
        Some((kind, object))
    }

    /// Inflates an entry's zlib stream, which must come to exactly the size its header
    /// gives.
    fn inflate(&mut self, pack: usize, header: &Header) -> Option<Vec<u8>> {
        let input = self.packs.packs[pack].entries().get(header.start..)?;
        let mut out = Vec::new();
        // A corrupt header can claim any size: refuse what cannot be had rather than
        // abort, and let libgit2 report the entry.
        out.try_reserve_exact(header.size.checked_add(1)?).ok()?;
        self.inflater.reset(true);
        let status = self
            .inflater
            .decompress_vec(input, &mut out, FlushDecompress::Finish)
            .ok()?;
        (status == Status::StreamEnd && out.len() == header.size).then_some(out)
    }
}

/// Applies a git delta to `base`: two sizes, then instructions to copy a span of the
/// base or insert the bytes that follow.
fn apply(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    // Git applies no delta under four bytes (only one that makes an empty object is).
    if delta.len() < 4 {
        return None;
    }
    let mut at = 0;
    let mut size = || -> Option<usize> {
        let mut value = 0u64;
        let mut shift = 0;
        loop {
            let byte = *delta.get(at)?;
            at += 1;
            if shift > 57 {
                return None;
            }
            value |= u64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                return usize::try_from(value).ok();
            }
        }
    };
    let (base_size, result_size) = (size()?, size()?);
    if base_size != base.len() {
        return None;
    }
    let mut out = Vec::new();
    out.try_reserve_exact(result_size).ok()?;
    while let Some(&op) = delta.get(at) {
        at += 1;
        if op & 0x80 != 0 {
            let mut field = |bits: u8, bytes: usize| -> Option<usize> {
                let mut value = 0usize;
                for i in 0..bytes {
                    if op & (bits << i) != 0 {
                        value |= usize::from(*delta.get(at)?) << (8 * i);
                        at += 1;
                    }
                }
                Some(value)
            };
            let from = field(0x01, 4)?;
            let len = match field(0x10, 3)? {
                0 => 0x10000,
                len => len,
            };
            out.extend_from_slice(base.get(from..from.checked_add(len)?)?);
        } else if op != 0 {
            let len = usize::from(op);
            out.extend_from_slice(delta.get(at..at + len)?);
            at += len;
        } else {
            return None;
        }
        if out.len() > result_size {
            return None;
        }
    }
    (out.len() == result_size).then_some(out)
}

/// Objects inflated lately, by pack and offset, dropped oldest first past
/// [`CACHE_BYTES`].
#[derive(Default)]
struct Cache {
    objects: HashMap<u64, (ObjectType, Rc<Vec<u8>>), BuildHasherDefault<Spread>>,
    order: VecDeque<u64>,
    bytes: usize,
}

impl Cache {
    /// One key for a pack and an offset: packs are few, and no pack reaches 2^48 bytes.
    fn key(pack: usize, offset: u64) -> u64 {
        (pack as u64) << 48 ^ offset
    }

    fn get(&self, pack: usize, offset: u64) -> Option<(ObjectType, Rc<Vec<u8>>)> {
        self.objects
            .get(&Cache::key(pack, offset))
            .map(|(kind, data)| (*kind, Rc::clone(data)))
    }

    fn put(&mut self, pack: usize, offset: u64, kind: ObjectType, data: &Rc<Vec<u8>>) {
        if data.len() > CACHE_BYTES / 4 {
            return;
        }
        let key = Cache::key(pack, offset);
        if self.objects.insert(key, (kind, Rc::clone(data))).is_some() {
            return;
        }
        self.order.push_back(key);
        // Each entry also costs its allocations and its slot in the table.
        self.bytes += data.len() + 64;
        while self.bytes > CACHE_BYTES {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some((_, data)) = self.objects.remove(&oldest) {
                self.bytes -= data.len() + 64;
            }
        }
    }
}

/// A hasher for the cache's keys, which are offsets: one multiplication spreads them
/// over the table, where SipHash would cost more than the look-up it serves.
#[derive(Default)]
struct Spread(u64);

impl Hasher for Spread {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (n ^ self.0).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

#[cfg(test)]
mod tests;
