//! How similar two blobs are, as git's `diffcore-delta.c` counts it: each blob cut into
//! spans, the spans hashed and counted, and a pair scored by the bytes the destination
//! could have copied from the source. Blobs are read once each, on demand and by a few
//! threads, and only their counts are kept.

use git2::{Odb, Oid, Repository};

use super::{Candidate, MAX_SCORE, Score};

/// Below this many blobs to read, reading in one thread is as quick.
const PARALLEL_MIN_BLOBS: usize = 32;
/// Readers share libgit2's pack locks, so threads beyond a few add little.
const MAX_READ_THREADS: usize = 4;

/// The blobs of both sides (sources first, then destinations), with their sizes and
/// span counts, each read once and on demand.
pub(super) struct Blobs<'r> {
    odb: Odb<'r>,
    oids: Vec<Oid>,
    first_dest: usize,
    sizes: Vec<Option<u64>>,
    spans: Vec<Option<Spans>>,
    scratch: Scratch,
}

impl<'r> Blobs<'r> {
    pub(super) fn new(
        repo: &'r Repository,
        sources: &[&Candidate],
        dests: &[&Candidate],
    ) -> Result<Self, git2::Error> {
        let oids: Vec<Oid> = sources.iter().chain(dests).map(|c| c.oid).collect();
        Ok(Blobs {
            odb: repo.odb()?,
            first_dest: sources.len(),
            sizes: vec![None; oids.len()],
            spans: oids.iter().map(|_| None).collect(),
            oids,
            scratch: Scratch::new(),
        })
    }

    pub(super) fn source(&self, s: usize) -> usize {
        s
    }

    pub(super) fn dest(&self, d: usize) -> usize {
        self.first_dest + d
    }

    /// A blob's size, from its header: no inflate of the content.
    pub(super) fn size(&mut self, blob: usize) -> Result<u64, git2::Error> {
        if let Some(size) = self.sizes[blob] {
            return Ok(size);
        }
        let (size, _) = self.odb.read_header(self.oids[blob])?;
        let size = size as u64;
        self.sizes[blob] = Some(size);
        Ok(size)
    }

    /// Reads and hashes the given blobs that are not read yet, in parallel when there
    /// are enough of them.
    pub(super) fn load(&mut self, blobs: &[usize]) -> Result<(), git2::Error> {
        let todo: Vec<usize> = blobs
            .iter()
            .copied()
            .filter(|&b| self.spans[b].is_none())
            .collect();
        let threads = if todo.len() < PARALLEL_MIN_BLOBS {
            1
        } else {
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(MAX_READ_THREADS)
        };
        if threads <= 1 {
            for b in todo {
                self.spans[b] = Some(read_spans(&self.odb, self.oids[b], &mut self.scratch)?);
            }
            return Ok(());
        }
        let (odb, oids, todo) = (&self.odb, &self.oids, &todo);
        let read: Vec<Result<Vec<(usize, Spans)>, git2::Error>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|worker| {
                    scope.spawn(move || {
                        let mut scratch = Scratch::new();
                        todo.iter()
                            .skip(worker)
                            .step_by(threads)
                            .map(|&b| Ok((b, read_spans(odb, oids[b], &mut scratch)?)))
                            .collect()
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| {
                    w.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        for worker in read {
            for (b, spans) in worker? {
                self.spans[b] = Some(spans);
            }
        }
        Ok(())
    }

    /// A blob's span counts; it must have been loaded.
    pub(super) fn spans(&self, blob: usize) -> &Spans {
        self.spans[blob]
            .as_ref()
            .expect("a blob is read before it is compared")
    }

    /// A blob's sketch, if it was read.
    pub(super) fn sketch(&self, blob: usize) -> Option<[u32; SKETCH]> {
        self.spans[blob].as_ref().map(|s| *s.sketch)
    }

    /// `estimate_similarity` for regular files whose sizes are known, and whose blobs
    /// are loaded if their sizes are compatible.
    pub(super) fn estimate_similarity(&self, src: usize, dst: usize, minimum: Score) -> Score {
        let (src_size, dst_size) = (self.sizes[src], self.sizes[dst]);
        let (Some(src_size), Some(dst_size)) = (src_size, dst_size) else {
            unreachable!("sizes are read before scoring");
        };
        if !sizes_compatible(src_size, dst_size, minimum) || dst_size == 0 {
            // An empty destination passes the size test only against an empty source,
            // and git scores that 0 ("should not happen").
            return 0;
        }
        let copied = self.spans(src).copied(self.spans(dst));
        score_of(copied, src_size.max(dst_size))
    }

    /// [`Blobs::estimate_similarity`] against the destination spread in `dense`: the
    /// same score.
    pub(super) fn estimate_similarity_dense(
        &self,
        src: usize,
        dense: &Dense,
        minimum: Score,
    ) -> Score {
        let dst = dense
            .filled
            .expect("a destination is spread before it is scored");
        let (Some(src_size), Some(dst_size)) = (self.sizes[src], self.sizes[dst]) else {
            unreachable!("sizes are read before scoring");
        };
        if !sizes_compatible(src_size, dst_size, minimum) || dst_size == 0 {
            return 0;
        }
        let copied = self.spans(src).copied_dense(&dense.table);
        score_of(copied, src_size.max(dst_size))
    }
}

/// One blob's span counts spread over a table indexed by span hash. A matrix row scores
/// one destination against many sources: with the destination spread, each source's
/// hashes are looked up directly, loads the processor runs side by side, where merging
/// two sorted lists makes every step wait for the comparison before it.
pub(super) struct Dense {
    /// Byte count per hash value of the blob `filled`, zero elsewhere.
    table: Vec<u32>,
    filled: Option<usize>,
}

impl Dense {
    pub(super) fn new() -> Dense {
        Dense {
            table: vec![0; HASHBASE as usize],
            filled: None,
        }
    }

    /// Spreads `blob`'s counts (it must have been loaded), clearing the last blob's.
    pub(super) fn fill(&mut self, blobs: &Blobs, blob: usize) {
        if self.filled == Some(blob) {
            return;
        }
        if let Some(last) = self.filled.take() {
            for &(hash, _) in blobs.spans(last).counts.iter() {
                self.table[hash as usize] = 0;
            }
        }
        for &(hash, count) in blobs.spans(blob).counts.iter() {
            self.table[hash as usize] = count;
        }
        self.filled = Some(blob);
    }
}

/// Reads one blob and hashes it.
fn read_spans(odb: &Odb, oid: Oid, scratch: &mut Scratch) -> Result<Spans, git2::Error> {
    let object = odb.read(oid)?;
    Ok(scratch.hash_chars(object.data()))
}

/// `estimate_similarity`'s size test: git will not consider edits that change the size
/// so much that the score could not reach `minimum` (this also rejects an empty file
/// against a non-empty one).
pub(super) fn sizes_compatible(src: u64, dst: u64, minimum: Score) -> bool {
    let max = src.max(dst);
    let delta = max - src.min(dst);
    u128::from(max) * u128::from(MAX_SCORE - minimum) >= u128::from(delta) * u128::from(MAX_SCORE)
}

/// The score for `copied` bytes out of the larger size (`src_copied * MAX_SCORE /
/// max_size`).
pub(super) fn score_of(copied: u64, max_size: u64) -> Score {
    if max_size == 0 {
        return 0;
    }
    let score = u128::from(copied) * u128::from(MAX_SCORE) / u128::from(max_size);
    Score::try_from(score).unwrap_or(Score::MAX)
}

/// `HASHBASE`: span hashes are taken modulo this prime (diffcore-delta.c).
pub(super) const HASHBASE: u32 = 107_927;
/// git calls a blob binary if a NUL appears in its first this many bytes
/// (`buffer_is_binary`).
pub(super) const FIRST_FEW_BYTES: usize = 8000;
/// Buckets in a [`Spans`] sketch; a power of two.
pub(super) const SKETCH: usize = 128;

/// A blob's span counts: for each span hash, how many bytes of spans had it
/// (`hash_chars`'s table, sorted by hash), plus a coarse sketch of the same counts.
pub(super) struct Spans {
    /// (hash, byte count), sorted by hash, hashes distinct.
    pub(super) counts: Box<[(u32, u32)]>,
    /// Byte counts summed per `hash % SKETCH`.
    pub(super) sketch: Box<[u32; SKETCH]>,
}

impl Spans {
    /// `diffcore_count_changes`' `src_copied`: for each span hash, the bytes the
    /// destination (`other`) could have copied from this source, summed.
    pub(super) fn copied(&self, other: &Spans) -> u64 {
        let (a, b) = (&self.counts[..], &other.counts[..]);
        let (mut i, mut j, mut copied) = (0, 0, 0u64);
        while i < a.len() && j < b.len() {
            let ((ha, ca), (hb, cb)) = (a[i], b[j]);
            if ha == hb {
                copied += u64::from(ca.min(cb));
            }
            i += usize::from(ha <= hb);
            j += usize::from(hb <= ha);
        }
        copied
    }

    /// [`Spans::copied`] with the other blob spread in `table` (see [`Dense`]): each
    /// hash the two share adds the smaller count, the others add nothing.
    pub(super) fn copied_dense(&self, table: &[u32]) -> u64 {
        self.counts
            .iter()
            .map(|&(hash, count)| u64::from(count.min(table[hash as usize])))
            .sum()
    }
}

/// An upper bound on [`Spans::copied`] from two sketches: within a bucket, the sum of
/// per-hash minimums is at most the minimum of the sums. `None` when a blob is too
/// large for the 32-bit sum (never for blobs under 4 GiB, whose counts cannot add up to
/// more).
pub(super) fn copied_bound(a: &[u32; SKETCH], b: &[u32; SKETCH], max_size: u64) -> Option<u64> {
    if max_size > u64::from(u32::MAX) {
        return None;
    }
    // A 32-bit sum vectorises far better than a widening one.
    let bound = a
        .iter()
        .zip(b)
        .fold(0u32, |sum, (a, b)| sum.wrapping_add(*a.min(b)));
    Some(u64::from(bound))
}

/// Reusable buffers for [`Scratch::hash_chars`], so hashing a blob allocates only its
/// result.
pub(super) struct Scratch {
    /// Byte count per hash value, all zero between calls.
    counts: Vec<u32>,
    /// The hash values with a non-zero count.
    seen: Vec<u32>,
}

impl Scratch {
    pub(super) fn new() -> Scratch {
        Scratch {
            counts: vec![0; HASHBASE as usize],
            seen: Vec::new(),
        }
    }

    /// `hash_chars`: cuts the blob into spans that end at a LF or after 64 bytes, hashes
    /// each, and counts the bytes per hash. A final span without a LF counts too, as in
    /// git 2.47 (older releases dropped it). In a text blob the CR of a CRLF is skipped, so a file and its
    /// CRLF twin count the same.
    pub(super) fn hash_chars(&mut self, data: &[u8]) -> Spans {
        let is_text = !is_binary(data);
        let (mut accum1, mut accum2, mut n) = (0u32, 0u32, 0u32);
        for (i, &c) in data.iter().enumerate() {
            if is_text && c == b'\r' && data.get(i + 1) == Some(&b'\n') {
                continue;
            }
            let old_1 = accum1;
            accum1 = (accum1 << 7) ^ (accum2 >> 25);
            accum2 = (accum2 << 7) ^ (old_1 >> 25);
            accum1 = accum1.wrapping_add(u32::from(c));
            n += 1;
            if n < 64 && c != b'\n' {
                continue;
            }
            self.add(accum1, accum2, n);
            (accum1, accum2, n) = (0, 0, 0);
        }
        if n > 0 {
            self.add(accum1, accum2, n);
        }

        self.seen.sort_unstable();
        let mut sketch = Box::new([0u32; SKETCH]);
        let counts = self
            .seen
            .drain(..)
            .map(|hash| {
                let count = std::mem::take(&mut self.counts[hash as usize]);
                let bucket = &mut sketch[hash as usize % SKETCH];
                *bucket = bucket.wrapping_add(count);
                (hash, count)
            })
            .collect();
        Spans { counts, sketch }
    }

    pub(super) fn add(&mut self, accum1: u32, accum2: u32, n: u32) {
        let hash = accum1.wrapping_add(accum2.wrapping_mul(0x61)) % HASHBASE;
        let count = &mut self.counts[hash as usize];
        if *count == 0 {
            self.seen.push(hash);
        }
        // git's counters are `unsigned int` too; only a blob over 4 GiB could wrap.
        *count = count.wrapping_add(n);
    }
}

/// `buffer_is_binary`: a NUL in the first 8000 bytes. (git would also honour a
/// `binary` or `-diff` attribute from `.gitattributes`; tree diffs here do not read
/// attributes.)
pub(super) fn is_binary(data: &[u8]) -> bool {
    data[..data.len().min(FIRST_FEW_BYTES)].contains(&0)
}
