//! Pairs deleted files with added files the way `git diff -M` does.
//!
//! libgit2's `Diff::find_similar` scores pairs with its own signature (`hashsig`), which
//! is slow and does not score as git does. This module follows git's
//! `diffcore-rename.c` and `diffcore-delta.c` (git 2.4x) step by step, for renames only
//! (no copies, no break/rewrite detection), so that shipgate reports the renames a user
//! sees in `git diff -M`.
//!
//! Where several sources are equally good, git's choice follows from the order in which
//! its data structures hand them over, and this port keeps that order (see
//! [`identical_sources_reversed`] for identical files, [`record_if_better`] and
//! `Matrix::find_renames` for equal scores). That is why every deleted and added entry
//! is passed in, symlinks and submodules too: git never compares their content, but
//! they take part in those orders.
//!
//! What it adds to git is speed that never changes an answer:
//! - sizes come from object headers, so a pair that git would reject on size alone
//!   costs no blob inflate;
//! - each blob is read at most once, by up to four threads, and only its span counts
//!   are kept;
//! - before the exact span comparison, a pair is bounded with a coarse per-file sketch,
//!   and a pair whose bound is below the threshold is not compared at all, except in
//!   the rare case where git's candidate bookkeeping could make such a score matter
//!   (see `Matrix::row`).

use std::cmp::Reverse;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use git2::Oid;

mod similarity;

use similarity::{Blobs, Dense, SKETCH, copied_bound, score_of, sizes_compatible};

/// One side of a candidate pair: an index into the caller's list of deltas, the path
/// (raw bytes), the object id and git's file mode.
///
/// Every deleted and added entry that is not a folder is a candidate, as it is in git's
/// `rename_src` and `rename_dst`: regular files are scored by content, a symlink or a
/// submodule pairs only with an identical one of the same mode, and all of them count in
/// the orders that break ties.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate<'a> {
    pub(crate) index: usize,
    pub(crate) path: &'a [u8],
    pub(crate) oid: Oid,
    /// `0o100644`, `0o100755`, `0o120000` (symlink) or `0o160000` (submodule).
    pub(crate) mode: u32,
}

impl Candidate<'_> {
    /// `S_ISREG`: the only kind git compares by content.
    fn is_regular(&self) -> bool {
        self.mode & 0o170_000 == 0o100_000
    }
}

/// A similarity score; `MAX_SCORE` means identical (diffcore.h).
type Score = u32;
const MAX_SCORE: Score = 60_000;
/// `-M` without a number: 50% (diffcore.h `DEFAULT_RENAME_SCORE`).
const MIN_SCORE: Score = 30_000;
/// Basename matches must clear a higher bar: halfway from the minimum to identical, as
/// `diffcore_rename_extended` computes it with the default `GIT_BASENAME_FACTOR` of 50.
const MIN_BASENAME_SCORE: Score = MIN_SCORE + (MAX_SCORE - MIN_SCORE) / 2;
/// `diff.renameLimit`'s default for `git diff`.
const RENAME_LIMIT: u64 = 1000;
/// How many best sources git remembers per destination (`NUM_CANDIDATE_PER_DST`).
const CANDIDATES_PER_DST: usize = 4;
/// `find_identical_files` gives up looking for a same-basename source after this many
/// identical alternatives.
const IDENTICAL_ALTERNATIVES: usize = 100;

/// Pairs deleted files with added files as `git diff -M` (default 50% similarity,
/// diff.renameLimit 1000) would, returning (deleted.index, added.index) pairs.
///
/// The pairs come in the order of the added files' paths.
pub(crate) fn detect(
    repo: &git2::Repository,
    deleted: &[Candidate],
    added: &[Candidate],
) -> Result<Vec<(usize, usize)>, git2::Error> {
    if deleted.is_empty() || added.is_empty() {
        return Ok(Vec::new());
    }
    // git's diff queue is in path order, and its tie-breaks follow queue order, so
    // ours must too whatever order the caller used.
    let sources = in_path_order(deleted);
    let dests = in_path_order(added);
    let mut state = State {
        src_used: vec![false; sources.len()],
        dst_src: vec![None; dests.len()],
    };

    find_exact_renames(&sources, &dests, &mut state);

    let mut blobs = Blobs::new(repo, &sources, &dests)?;
    find_basename_matches(&sources, &dests, &mut blobs, &mut state)?;

    // remove_unneeded_paths_from_src: sources used by a rename leave the matrix; the
    // others stay, whatever their kind.
    let srcs: Vec<usize> = (0..sources.len()).filter(|&s| !state.src_used[s]).collect();
    let dsts: Vec<usize> = (0..dests.len())
        .filter(|&d| state.dst_src[d].is_none())
        .collect();
    if !srcs.is_empty() && !dsts.is_empty() && !too_many_rename_candidates(&srcs, &dsts) {
        let matrix = Matrix::build(&sources, &dests, &mut blobs, &srcs, &dsts)?;
        matrix.find_renames(&mut state);
    }

    Ok(state
        .dst_src
        .iter()
        .enumerate()
        .filter_map(|(d, s)| s.map(|s| (sources[s].index, dests[d].index)))
        .collect())
}

/// The candidates sorted by path, as git's diff queue holds them.
fn in_path_order<'c, 'a>(candidates: &'c [Candidate<'a>]) -> Vec<&'c Candidate<'a>> {
    let mut sorted: Vec<_> = candidates.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(b.path));
    sorted
}

/// Which sources are taken and which destinations are paired with which source (both
/// indices into the path-ordered lists).
struct State {
    src_used: Vec<bool>,
    dst_src: Vec<Option<usize>>,
}

impl State {
    /// `record_rename_pair`.
    fn record(&mut self, src: usize, dst: usize) {
        debug_assert!(self.dst_src[dst].is_none() && !self.src_used[src]);
        self.src_used[src] = true;
        self.dst_src[dst] = Some(src);
    }
}

/// The part of a path after its last `/` (`get_basename`). Two paths have the same
/// basename exactly when git's `basename_same` says so.
fn basename(path: &[u8]) -> &[u8] {
    path.rsplit(|&b| b == b'/').next().unwrap_or(path)
}

/// `find_exact_renames` and `find_identical_files`: each destination, in path order,
/// takes the first unused source with the same blob (and, unless both are regular files,
/// the same mode) in git's hash-chain order (path order, or the reverse when
/// [`identical_sources_reversed`]), or a later one (within git's 100 alternatives) whose
/// basename is the same.
fn find_exact_renames(sources: &[&Candidate], dests: &[&Candidate], state: &mut State) {
    let mut by_oid: HashMap<Oid, Vec<usize>> = HashMap::with_capacity(sources.len());
    for (s, src) in sources.iter().enumerate() {
        by_oid.entry(src.oid).or_default().push(s);
    }
    if identical_sources_reversed(sources.len()) {
        for group in by_oid.values_mut() {
            group.reverse();
        }
    }
    for (d, dst) in dests.iter().enumerate() {
        let Some(same_blob) = by_oid.get(&dst.oid) else {
            continue;
        };
        let dst_base = basename(dst.path);
        // git scores each candidate 1, plus 1 for the same basename, keeps the first
        // best, and stops at a 2 or after 100 candidates. Sources already used, and
        // sources of another kind, are passed over without counting.
        let mut best = None;
        let mut budget = IDENTICAL_ALTERNATIVES;
        for &s in same_blob {
            let src = sources[s];
            if !(src.is_regular() && dst.is_regular()) && src.mode != dst.mode {
                continue;
            }
            if state.src_used[s] {
                continue;
            }
            let same_base = basename(src.path) == dst_base;
            if best.is_none() || same_base {
                best = Some(s);
            }
            if same_base {
                break;
            }
            budget -= 1;
            if budget == 0 {
                break;
            }
        }
        if let Some(s) = best {
            state.record(s, d);
        }
    }
}

/// Whether `find_identical_files` meets the sources that share a blob last first.
///
/// git puts every source in a `hashmap` keyed by the first four bytes of the object id,
/// adding them from the last to the first in path order. `hashmap_add` pushes an entry
/// onto the front of its bucket's chain, and the walk starts at the front, so it meets
/// same-blob sources in path order, and the first one wins a tie. Unless the table grows
/// on the way: `rehash` moves the entries of each old chain, front first, onto the front
/// of their new chain, which reverses the order of entries that share a hash.
/// `hashmap_init` sizes the table for all the sources (at least `n * 100 / 80` buckets,
/// 64 times a power of 4), and it grows once the count passes 80% of its size; the
/// rounding leaves that threshold at `n - 1` or more, so the table grows at most once,
/// on the last addition (the first source), and only for some counts: 205, 3,277,
/// 52,429 and 838,861 sources. Then git prefers the *last* of several identical sources.
fn identical_sources_reversed(sources: usize) -> bool {
    // hashmap.c: HASHMAP_INITIAL_SIZE, HASHMAP_RESIZE_BITS and HASHMAP_LOAD_FACTOR, in
    // `hashmap_init`'s and `alloc_table`'s unsigned arithmetic.
    let wanted = u64::from((sources as u64 * 100 / 80) as u32);
    let mut size: u64 = 64;
    while wanted > size {
        size <<= 2;
    }
    sources as u64 > size * 80 / 100
}

/// `find_basename_matches`: a source whose basename is unique among the remaining
/// sources, and also unique among the remaining destinations, is compared with that
/// one destination first, and kept if it clears [`MIN_BASENAME_SCORE`]. Symlinks and
/// submodules count when git tells whether a basename is unique, but score 0. (git's
/// directory-rename hints for non-unique basenames apply only to merges, not to
/// `git diff`.)
fn find_basename_matches(
    sources: &[&Candidate],
    dests: &[&Candidate],
    blobs: &mut Blobs,
    state: &mut State,
) -> Result<(), git2::Error> {
    let src_by_base = unique_basenames(
        (0..sources.len())
            .filter(|&s| !state.src_used[s])
            .map(|s| (s, basename(sources[s].path))),
    );
    let dst_by_base = unique_basenames(
        (0..dests.len())
            .filter(|&d| state.dst_src[d].is_none())
            .map(|d| (d, basename(dests[d].path))),
    );
    for (s, src) in sources.iter().enumerate() {
        if state.src_used[s] {
            continue;
        }
        let base = basename(src.path);
        let (Some(&Some(unique_src)), Some(&Some(d))) =
            (src_by_base.get(base), dst_by_base.get(base))
        else {
            continue;
        };
        debug_assert_eq!(unique_src, s);
        if state.dst_src[d].is_some() || !(src.is_regular() && dests[d].is_regular()) {
            continue;
        }
        let (src_blob, dst_blob) = (blobs.source(s), blobs.dest(d));
        let (src_size, dst_size) = (blobs.size(src_blob)?, blobs.size(dst_blob)?);
        if sizes_compatible(src_size, dst_size, MIN_BASENAME_SCORE) {
            blobs.load(&[src_blob, dst_blob])?;
        }
        let score = blobs.estimate_similarity(src_blob, dst_blob, MIN_BASENAME_SCORE);
        if score >= MIN_BASENAME_SCORE {
            state.record(s, d);
        }
    }
    Ok(())
}

/// Maps each basename to its one index, or to `None` when several share it.
fn unique_basenames<'p>(
    items: impl Iterator<Item = (usize, &'p [u8])>,
) -> HashMap<&'p [u8], Option<usize>> {
    let mut map = HashMap::new();
    for (i, base) in items {
        match map.entry(base) {
            Entry::Vacant(e) => {
                e.insert(Some(i));
            }
            Entry::Occupied(mut e) => {
                e.insert(None);
            }
        }
    }
    map
}

/// `too_many_rename_candidates`: past `renameLimit²` pairs git skips inexact detection
/// and leaves the rest as adds and deletes.
fn too_many_rename_candidates(srcs: &[usize], dsts: &[usize]) -> bool {
    (srcs.len() as u64) * (dsts.len() as u64) > RENAME_LIMIT * RENAME_LIMIT
}

/// One remembered (source, destination) pair: git's `struct diff_score`.
#[derive(Clone, Copy, Debug)]
struct Pair {
    score: Score,
    /// `basename_same`: breaks ties between equal scores.
    same_base: bool,
    src: usize,
}

/// `score_compare(a, b) > 0` for git's candidate slots, where `None` is an unused slot:
/// whether `a` ranks strictly after `b` (lower score, or equal score without the
/// basename match that `b` has).
fn ranks_after(a: Option<Pair>, b: Option<Pair>) -> bool {
    match (a, b) {
        (None, b) => b.is_some(),
        (Some(_), None) => false,
        (Some(a), Some(b)) => {
            if a.score == b.score {
                !a.same_base && b.same_base
            } else {
                a.score < b.score
            }
        }
    }
}

/// `record_if_better`: replaces the first worst slot if `pair` ranks strictly before
/// it.
///
/// So the slots are filled in source order until all four are used, whatever the
/// scores (an unused slot is worse than any pair, even one scoring 0), and a pair that
/// only ties with the worst is dropped. Slot order is therefore not rank order, and it
/// is what breaks ties later in [`Matrix::find_renames`].
fn record_if_better(slots: &mut [Option<Pair>; CANDIDATES_PER_DST], pair: Pair) {
    let mut worst = 0;
    for i in 1..CANDIDATES_PER_DST {
        if ranks_after(slots[i], slots[worst]) {
            worst = i;
        }
    }
    if ranks_after(slots[worst], Some(pair)) {
        slots[worst] = Some(pair);
    }
}

/// The inexact pass of `diffcore_rename_extended`: git's matrix `mx`, keeping only the
/// entries that can be chosen (score at least [`MIN_SCORE`]).
struct Matrix {
    /// (pair, destination, position of the destination's row, slot within the row).
    entries: Vec<(Pair, usize, usize, usize)>,
}

/// What a row of the matrix reads: the remaining sources with their blob indices and
/// basenames, plus the regular ones sorted by size with their sketches side by side, so
/// that a destination visits only the sources of compatible size.
struct Sources<'m> {
    /// Every remaining source, in path order (git's `rename_src` after the cull).
    srcs: &'m [usize],
    /// Whether each is a regular file; the others always score 0.
    regular: Vec<bool>,
    blobs: Vec<usize>,
    bases: Vec<&'m [u8]>,
    /// Positions in `srcs` of the regular sources, by increasing size.
    by_size: Vec<usize>,
    sorted_sizes: Vec<u64>,
    /// The sketches in `by_size` order; filled once the blobs are read.
    sketches: Vec<[u32; SKETCH]>,
}

/// The destination of a matrix row.
struct Dest<'m> {
    /// Index in the path-ordered destinations.
    index: usize,
    blob: usize,
    size: u64,
    base: &'m [u8],
}

impl Sources<'_> {
    /// The range of `by_size` whose sizes pass `estimate_similarity`'s size test
    /// against `size`: the ratio of the smaller to the larger size has a floor, so the
    /// compatible sizes form one interval.
    fn compatible(&self, size: u64) -> std::ops::Range<usize> {
        let sizes = &self.sorted_sizes;
        let lo = sizes.partition_point(|&s| s < size && !sizes_compatible(s, size, MIN_SCORE));
        let hi = sizes.partition_point(|&s| s <= size || sizes_compatible(s, size, MIN_SCORE));
        lo..hi
    }
}

impl Matrix {
    fn build(
        sources: &[&Candidate],
        dests: &[&Candidate],
        blobs: &mut Blobs,
        srcs: &[usize],
        dsts: &[usize],
    ) -> Result<Matrix, git2::Error> {
        let src_blobs: Vec<usize> = srcs.iter().map(|&s| blobs.source(s)).collect();
        let regular: Vec<bool> = srcs.iter().map(|&s| sources[s].is_regular()).collect();
        // Only regular files have a blob to size: a submodule's id is a commit elsewhere.
        let mut sizes = Vec::with_capacity(srcs.len());
        for (i, &blob) in src_blobs.iter().enumerate() {
            if regular[i] {
                sizes.push((blobs.size(blob)?, i));
            }
        }
        sizes.sort_unstable();
        let mut row_sources = Sources {
            srcs,
            regular,
            sorted_sizes: sizes.iter().map(|&(size, _)| size).collect(),
            by_size: sizes.iter().map(|&(_, i)| i).collect(),
            blobs: src_blobs,
            bases: srcs.iter().map(|&s| basename(sources[s].path)).collect(),
            sketches: Vec::new(),
        };
        // A destination that is no regular file scores 0 against every source, so its
        // row holds nothing that can be chosen, and leaving it out changes no order.
        let dsts = dsts
            .iter()
            .filter(|&&d| dests[d].is_regular())
            .map(|&d| {
                Ok(Dest {
                    index: d,
                    blob: blobs.dest(d),
                    size: blobs.size(blobs.dest(d))?,
                    base: basename(dests[d].path),
                })
            })
            .collect::<Result<Vec<_>, git2::Error>>()?;

        // Only a blob with a partner of compatible size is ever compared, so only those
        // are read, all up front so that they can be read in parallel. A source is
        // wanted if some destination's compatible range covers it: count range starts
        // and ends, then sum.
        let mut to_read = Vec::new();
        let mut coverage = vec![0i64; srcs.len() + 1];
        for dst in &dsts {
            let range = row_sources.compatible(dst.size);
            if !range.is_empty() {
                coverage[range.start] += 1;
                coverage[range.end] -= 1;
                to_read.push(dst.blob);
            }
        }
        let mut covered = 0;
        for (k, &i) in row_sources.by_size.iter().enumerate() {
            covered += coverage[k];
            if covered > 0 {
                to_read.push(row_sources.blobs[i]);
            }
        }
        blobs.load(&to_read)?;
        row_sources.sketches = row_sources
            .by_size
            .iter()
            .map(|&i| blobs.sketch(row_sources.blobs[i]).unwrap_or([0; SKETCH]))
            .collect();

        let mut matrix = Matrix {
            entries: Vec::new(),
        };
        let mut row = Vec::new();
        let mut dense = Dense::new();
        for (order, dst) in dsts.iter().enumerate() {
            matrix.row(blobs, &row_sources, dst, order, &mut row, &mut dense);
        }
        Ok(matrix)
    }

    /// Fills one destination's candidates as git's loop over sources does with
    /// `estimate_similarity` and `record_if_better`.
    ///
    /// Only pairs scoring at least [`MIN_SCORE`] can be chosen. When their keys
    /// (score, same basename) are distinct among this row's best five, git's four slots
    /// end up holding exactly the best four of them in key order, whatever the lower
    /// scores were and whatever order the sources were visited in, so lower scores are
    /// never computed: a sketch bound rules those pairs out. When keys tie there, which
    /// tied pair survives and which comes first depends on every score in the row
    /// through the slots' replacement order, so the row is replayed exactly as git runs
    /// it: every remaining source in path order, symlinks and submodules included, each
    /// with its score (0 when sizes rule it out or it is no regular file) and basename
    /// match.
    fn row(
        &mut self,
        blobs: &Blobs,
        sources: &Sources,
        dst: &Dest,
        order: usize,
        row: &mut Vec<Pair>,
        dense: &mut Dense,
    ) {
        row.clear();
        let range = sources.compatible(dst.size);
        if range.is_empty() {
            return;
        }
        dense.fill(blobs, dst.blob);
        let dst_sketch = *blobs.spans(dst.blob).sketch;
        for k in range {
            let src_size = sources.sorted_sizes[k];
            let max_size = src_size.max(dst.size);
            if let Some(bound) = copied_bound(&sources.sketches[k], &dst_sketch, max_size)
                && score_of(bound, max_size) < MIN_SCORE
            {
                continue;
            }
            let i = sources.by_size[k];
            let score = blobs.estimate_similarity_dense(sources.blobs[i], dense, MIN_SCORE);
            if score >= MIN_SCORE {
                row.push(Pair {
                    score,
                    same_base: sources.bases[i] == dst.base,
                    src: sources.srcs[i],
                });
            }
        }
        if row.is_empty() {
            return;
        }
        row.sort_by_key(|p| (Reverse(p.score), Reverse(p.same_base)));
        let contested = row
            .iter()
            .take(CANDIDATES_PER_DST)
            .zip(row.iter().skip(1))
            .any(|(a, b)| a.score == b.score && a.same_base == b.same_base);
        if !contested {
            for (slot, pair) in row.iter().take(CANDIDATES_PER_DST).enumerate() {
                self.entries.push((*pair, dst.index, order, slot));
            }
            return;
        }
        // Symlinks and submodules score 0 here but take part all the same: while fewer
        // than four sources were seen they fill free slots, and later sources replace the
        // first of the worst, so they decide where tied pairs land.
        let mut slots = [None; CANDIDATES_PER_DST];
        for (i, &src) in sources.srcs.iter().enumerate() {
            let score = if sources.regular[i] {
                blobs.estimate_similarity_dense(sources.blobs[i], dense, MIN_SCORE)
            } else {
                0
            };
            let pair = Pair {
                score,
                same_base: sources.bases[i] == dst.base,
                src,
            };
            record_if_better(&mut slots, pair);
        }
        for (slot, pair) in slots.iter().enumerate() {
            if let Some(pair) = pair.filter(|p| p.score >= MIN_SCORE) {
                self.entries.push((pair, dst.index, order, slot));
            }
        }
    }

    /// Sorts the matrix as git does, then `find_renames`: best pairs first, each
    /// destination and each source used once.
    ///
    /// git sorts `mx` with `STABLE_QSORT` and `score_compare`: a merge sort of its own
    /// (`git_stable_qsort`, since git 2.24), not the C library's `qsort`, so on every
    /// platform pairs of equal score and equal basename match keep their place in `mx`:
    /// destination rows in path order, and within a row the slot order that
    /// `record_if_better` left. A key of (score, basename match, row, slot) gives that
    /// same total order with any sort. Unused slots and scores under the minimum, which
    /// git sorts too but never reaches, are not kept.
    fn find_renames(mut self, state: &mut State) {
        self.entries.sort_unstable_by_key(|&(p, _, order, slot)| {
            (Reverse(p.score), Reverse(p.same_base), order, slot)
        });
        for (pair, d, _, _) in self.entries {
            if state.dst_src[d].is_some() || state.src_used[pair.src] {
                continue;
            }
            state.record(pair.src, d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::similarity::*;
    use super::*;

    fn spans(data: &[u8]) -> Spans {
        Scratch::new().hash_chars(data)
    }

    /// `estimate_similarity` on two byte strings.
    fn similarity(src: &[u8], dst: &[u8]) -> Score {
        let (s, d) = (src.len() as u64, dst.len() as u64);
        if !sizes_compatible(s, d, MIN_SCORE) || d == 0 {
            return 0;
        }
        let copied = spans(src).copied(&spans(dst));
        // The destination spread over a table by hash gives the same count.
        let mut table = vec![0; HASHBASE as usize];
        for &(hash, count) in spans(dst).counts.iter() {
            table[hash as usize] = count;
        }
        assert_eq!(spans(src).copied_dense(&table), copied);
        let score = score_of(copied, s.max(d));
        let bound = copied_bound(&spans(src).sketch, &spans(dst).sketch, s.max(d)).unwrap();
        assert!(score <= score_of(bound, s.max(d)));
        score
    }

    fn lines(range: std::ops::Range<u32>) -> Vec<u8> {
        range
            .map(|i| format!("line number {i} of the file\n"))
            .collect::<String>()
            .into_bytes()
    }

    #[test]
    fn identical_content_scores_max() {
        let text = lines(0..40);
        assert_eq!(similarity(&text, &text), MAX_SCORE);
    }

    #[test]
    fn half_the_lines_changed_is_the_boundary() {
        // All lines the same length, so bytes copied follow lines kept.
        let before = lines(100..140);
        let mut half = lines(100..120);
        half.extend(lines(500..520));
        assert_eq!(similarity(&before, &half), MAX_SCORE / 2);
        assert!(similarity(&before, &half) >= MIN_SCORE);

        let mut less = lines(100..119);
        less.extend(lines(500..521));
        assert!(similarity(&before, &less) < MIN_SCORE);
    }

    #[test]
    fn score_uses_the_larger_size() {
        let before = lines(100..120);
        let mut grown = before.clone();
        grown.extend(lines(500..510));
        // Everything in `before` was kept: 20 of 30 equal-length lines.
        assert_eq!(similarity(&before, &grown), MAX_SCORE * 2 / 3);
        assert_eq!(similarity(&grown, &before), MAX_SCORE * 2 / 3);
    }

    #[test]
    fn sizes_too_far_apart_are_pruned() {
        // At 50%, the larger may be at most twice the smaller.
        assert!(sizes_compatible(100, 200, MIN_SCORE));
        assert!(!sizes_compatible(100, 201, MIN_SCORE));
        assert!(sizes_compatible(201, 101, MIN_SCORE));
        // At the basename threshold (75%), at most 4/3.
        assert!(sizes_compatible(300, 400, MIN_BASENAME_SCORE));
        assert!(!sizes_compatible(300, 401, MIN_BASENAME_SCORE));
        // Empty files only ever pass against empty files, and then score 0.
        assert!(!sizes_compatible(0, 1, MIN_SCORE));
        assert!(sizes_compatible(0, 0, MIN_SCORE));
        assert_eq!(similarity(b"", b""), 0);

        let small = lines(0..10);
        let mut big = small.clone();
        big.extend(lines(10..31));
        assert_eq!(similarity(&small, &big), 0);
    }

    #[test]
    fn compatible_sizes_form_the_range_found() {
        let sorted_sizes: Vec<u64> = vec![0, 0, 1, 2, 3, 5, 8, 99, 100, 101, 199, 200, 201, 400];
        let sources = Sources {
            srcs: &[],
            regular: Vec::new(),
            blobs: Vec::new(),
            bases: Vec::new(),
            by_size: (0..sorted_sizes.len()).collect(),
            sorted_sizes: sorted_sizes.clone(),
            sketches: Vec::new(),
        };
        for size in [0, 1, 2, 3, 4, 50, 100, 101, 150, 200, 201, 401, 1000] {
            let expected: Vec<usize> = (0..sorted_sizes.len())
                .filter(|&k| sizes_compatible(sorted_sizes[k], size, MIN_SCORE))
                .collect();
            let found: Vec<usize> = sources.compatible(size).collect();
            assert_eq!(found, expected, "size {size}");
        }
    }

    #[test]
    fn crlf_counts_like_lf_in_text() {
        let lf = lines(0..30);
        let crlf: Vec<u8> = String::from_utf8(lf.clone())
            .unwrap()
            .replace('\n', "\r\n")
            .into_bytes();
        assert_eq!(spans(&lf).counts, spans(&crlf).counts);
        // The score still divides by the real (larger) size.
        let expected = score_of(lf.len() as u64, crlf.len() as u64);
        assert_eq!(similarity(&lf, &crlf), expected);
        assert!(expected < MAX_SCORE);
    }

    #[test]
    fn crlf_is_content_in_binary() {
        let mut lf = vec![0u8];
        lf.extend(lines(0..30));
        let crlf: Vec<u8> = lf
            .iter()
            .flat_map(|&b| {
                if b == b'\n' {
                    vec![b'\r', b'\n']
                } else {
                    vec![b]
                }
            })
            .collect();
        assert!(is_binary(&lf) && is_binary(&crlf));
        assert_ne!(spans(&lf).counts, spans(&crlf).counts);
        // Every line now ends in "\r\n", so none of its spans match.
        assert!(similarity(&lf, &crlf) < MIN_SCORE);
    }

    #[test]
    fn nul_after_the_first_8000_bytes_is_text() {
        let mut data = vec![b'a'; FIRST_FEW_BYTES];
        data.push(0);
        assert!(!is_binary(&data));
        data[FIRST_FEW_BYTES - 1] = 0;
        assert!(is_binary(&data));
    }

    #[test]
    fn spans_end_at_lf_or_64_bytes_and_keep_the_tail() {
        // 130 bytes without a LF: spans of 64, 64 and a final 2.
        let data = vec![b'x'; 130];
        let counts = spans(&data).counts;
        let total: u32 = counts.iter().map(|&(_, c)| c).sum();
        assert_eq!(total, 130);
        // The two full spans hash alike and share one entry.
        assert_eq!(counts.len(), 2);
        assert!(counts.iter().any(|&(_, c)| c == 128));

        // Changing only the unterminated last line still lowers the score.
        let mut before = lines(0..10);
        before.extend_from_slice(b"a final line with no newline at the end");
        let mut after = lines(0..10);
        after.extend_from_slice(b"A final line with no newline at the end");
        assert!(similarity(&before, &after) < MAX_SCORE);
    }

    #[test]
    fn spans_match_known_git_hash() {
        // "a\n": accum1 = 'a' then (('a' << 7) + '\n'), accum2 = 0.
        let expected = ((u32::from(b'a') << 7) + u32::from(b'\n')) % HASHBASE;
        assert_eq!(&*spans(b"a\n").counts, &[(expected, 2)]);
    }

    #[test]
    fn gits_source_table_grows_on_the_last_source_for_a_few_counts() {
        let reversed: Vec<usize> = (0..1_000_000)
            .filter(|&n| identical_sources_reversed(n))
            .collect();
        assert_eq!(reversed, [205, 3_277, 52_429, 838_861]);
    }

    #[test]
    fn slots_keep_the_first_of_equal_pairs_and_evict_the_first_worst() {
        let pair = |score, src| Pair {
            score,
            same_base: false,
            src,
        };
        let srcs = |slots: &[Option<Pair>; CANDIDATES_PER_DST]| slots.map(|p| p.unwrap().src);
        let mut slots = [None; CANDIDATES_PER_DST];
        for (src, score) in [0, 40_000, 40_000, 40_000, 40_000].into_iter().enumerate() {
            record_if_better(&mut slots, pair(score, src));
        }
        // Source 4 took the slot of source 0 (score 0), ahead of sources 1 to 3 with the
        // same score: slot order is not source order.
        assert_eq!(srcs(&slots), [4, 1, 2, 3]);
        // A fifth 40,000 is not strictly better than the worst, so it is dropped.
        record_if_better(&mut slots, pair(40_000, 5));
        assert_eq!(srcs(&slots), [4, 1, 2, 3]);
        // A better pair evicts the first of the worst, source 4.
        record_if_better(&mut slots, pair(50_000, 6));
        assert_eq!(srcs(&slots), [6, 1, 2, 3]);
    }
}
