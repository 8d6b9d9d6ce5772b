//! Line-level facts: what the diff merge-base → head adds to each changed text file, and
//! how many lines it adds and deletes, as `git diff` counts them.
//!
//! Files are read only when a check asks for them ([`LineSink::need`]). A file with a NUL
//! byte among its first 8,000 bytes on either side is binary, git's own rule
//! (`buffer_is_binary` in git's xdiff-interface.c); a side over [`MAX_TEXT_BYTES`] is not
//! read at all. Both are told to the sink, which counts them.
//!
//! The diff of a file present on both sides is libgit2's xdiff, the code `git diff` runs,
//! with the options that `git diff` has by default: the Myers algorithm, not minimal, and
//! the indent heuristic (`diff.indentHeuristic`, on by default since git 2.14, off by
//! default in libgit2); and, like `git diff -U0`, after dropping the common tail
//! ([`trim_common_tail`]). The unit tests compare the added line numbers with `git diff -U0`
//! on generated histories full of sliders and on this repository's own history.
//!
//! Reading a file is inflating its blobs and diffing them, and a large change has tens of
//! thousands: past [`THREADS_FROM`] files, when the repository's packs fit in what
//! libgit2 maps of them at once ([`Repo::packs_fit`]), worker threads read them, in
//! blocks, each with its own repository, while the calling thread hands the sink what
//! they read in the order of the change's files, as one thread reading them would have. What the workers
//! hold at once is bounded ([`PARTS_AHEAD`]); the first error stops them and is the error
//! the one thread would have met. A few files are read on the calling thread, one at a
//! time, each handed on before the next is read.

use std::io::ErrorKind;
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};

use anyhow::{Context as _, Result, anyhow};
use git2::{DiffOptions, FileMode, Odb, Oid, Patch, Repository, Tree};

use super::packs::object_folders;
use super::{Blobs, PACK_MAPPED_FOR_BLOBS, Repo, is_regular};
use crate::judge::change::{FileChange, Status, display_path};
use crate::judge::checks::lines::{AddedLine, FileLines, LineSink, MAX_TEXT_BYTES, Need, Unread};

/// git reads this many bytes of a file to tell text from binary (`FIRST_FEW_BYTES`).
const BINARY_PROBE: usize = 8000;

impl Repo {
    /// Hands `sink` the line-level facts of each of `files` (the change from `from`, the
    /// empty tree when `None`, to `to`) that it asks for.
    pub(crate) fn lines(
        &self,
        from: Option<Oid>,
        to: Oid,
        files: &[FileChange],
        sink: &mut dyn LineSink,
    ) -> Result<()> {
        self.release_packs();
        let workers = |files| match workers_for(files) {
            n if n > 1 && self.packs_fit() => n,
            _ => 1,
        };
        self.lines_on(from, to, files, sink, workers)
    }

    /// Whether the repository's packs, with those of its alternates, fit in what libgit2
    /// maps of packs at once while files are read ([`PACK_MAPPED_FOR_BLOBS`]). Past that, reading blobs from all over a
    /// pack maps one part of it after another and unmaps the least recently used, under
    /// a lock that libgit2 holds for every thread, and each unmapping interrupts every
    /// core that runs one of them: workers then read slower than one thread (measured,
    /// a run on a 96 MB pack took 9% longer on two workers; on a 27 MB pack with a
    /// quarter of the mapped memory, 50% longer).
    fn packs_fit(&self) -> bool {
        pack_bytes(&self.repo.commondir().join("objects")) <= PACK_MAPPED_FOR_BLOBS as u64
    }

    /// [`Repo::lines`], on as many threads as `workers` says for a number of files to
    /// read.
    fn lines_on(
        &self,
        from: Option<Oid>,
        to: Oid,
        files: &[FileChange],
        sink: &mut dyn LineSink,
        workers: impl FnOnce(usize) -> usize,
    ) -> Result<()> {
        let old = from
            .map(|from| self.tree_of(from))
            .transpose()
            .context("could not read the merge-base's tree")?;
        let new = self.tree_of(to).context("could not read head's tree")?;
        // The blobs of the last diff, when that is this change's; otherwise each path is
        // looked up, and as files come sorted by path, most share their folders with the
        // file before.
        let diffed = self.diffed.borrow();
        let diffed = diffed
            .as_ref()
            .filter(|d| d.from == from && d.to == to)
            .map(|d| &d.blobs);
        let needs: Vec<Need> = files.iter().map(|file| sink.need(file)).collect();
        // A file moved without a change adds and deletes nothing.
        let wanted: Vec<usize> = (0..files.len())
            .filter(|&i| needs[i] != Need::Nothing && !files[i].same_content)
            .collect();
        let workers = workers(wanted.len());
        if workers < 2 {
            let mut reader = Reader::new(&self.repo, old, new, diffed)?;
            let mut to_sink = ToSink(sink);
            for &i in &wanted {
                reader.read(&files[i], needs[i], &mut to_sink)?;
            }
            return Ok(());
        }
        let work = Work {
            repo: self.repo.path(),
            trees: (old.map(|tree| tree.id()), new.id()),
            diffed,
            files,
            needs: &needs,
            wanted: &wanted,
            workers,
        };
        work.run(sink)
    }
}

/// Reads files one by one on one thread, with one repository: the trees' lookups, the
/// object database and the diff's options kept from one file to the next.
struct Reader<'r> {
    repo: &'r Repository,
    odb: Odb<'r>,
    options: DiffOptions,
    old: Option<Lookup<'r>>,
    new: Lookup<'r>,
    diffed: Option<&'r Blobs>,
}

impl<'r> Reader<'r> {
    fn new(
        repo: &'r Repository,
        old: Option<Tree<'r>>,
        new: Tree<'r>,
        diffed: Option<&'r Blobs>,
    ) -> Result<Reader<'r>> {
        let mut options = DiffOptions::new();
        options
            .context_lines(0)
            .interhunk_lines(0)
            .indent_heuristic(true)
            // Binary files were told apart by git's rule already; libgit2 would also read
            // a file's attributes, which a bare diff of two buffers cannot see.
            .force_text(true);
        Ok(Reader {
            repo,
            odb: repo.odb()?,
            options,
            old: old.map(|tree| Lookup::new(repo, tree)),
            new: Lookup::new(repo, new),
            diffed,
        })
    }

    /// Reads `file` as much as `need` asks, and tells `out` what it found: nothing when
    /// neither side is a regular file.
    fn read(&mut self, file: &FileChange, need: Need, out: &mut dyn Told) -> Result<()> {
        let old_path = file.old_path.as_deref().unwrap_or(&file.path);
        let known = self.diffed.and_then(|blobs| blobs.get(&file.path));
        let old_oid = match (&mut self.old, file.status, known) {
            (_, Status::Added, _) | (None, ..) => None,
            (_, _, Some(&[before, _])) => before,
            (Some(tree), ..) => tree.text_blob(old_path)?,
        };
        let new_oid = match (file.status, known) {
            (Status::Deleted, _) => None,
            (_, Some(&[_, after])) => after,
            _ => self.new.text_blob(&file.path)?,
        };
        if old_oid.is_none() && new_oid.is_none() {
            return Ok(());
        }
        let mut sizes = [0u64; 2];
        for (i, oid) in [old_oid, new_oid].into_iter().enumerate() {
            if let Some(oid) = oid {
                sizes[i] = self.odb.read_header(oid)?.0 as u64;
            }
        }
        let largest = sizes[0].max(sizes[1]);
        if largest > MAX_TEXT_BYTES {
            out.unread(file, Unread::TooLarge(largest));
            return Ok(());
        }
        let read = |oid: Option<Oid>| -> Result<Option<git2::Blob<'_>>> {
            oid.map(|oid| self.repo.find_blob(oid))
                .transpose()
                .with_context(|| format!("could not read `{}`", display_path(&file.path)))
        };
        let (old_blob, new_blob) = (read(old_oid)?, read(new_oid)?);
        let old_bytes = old_blob.as_ref().map_or(&[][..], |b| b.content());
        let new_bytes = new_blob.as_ref().map_or(&[][..], |b| b.content());
        if is_binary(old_bytes) || is_binary(new_bytes) {
            out.unread(file, Unread::Binary);
            return Ok(());
        }
        let sides = Sides {
            old: old_bytes,
            new: new_bytes,
            blobs: old_blob.as_ref().zip(new_blob.as_ref()),
        };
        diff_file(file, &sides, need, &mut self.options, out)
            .with_context(|| format!("could not diff `{}`", display_path(&file.path)))
    }
}

/// Where a [`Reader`] tells what it read: the sink itself on the calling thread, an owned
/// [`Part`] on a worker.
trait Told {
    fn file(&mut self, lines: &FileLines<'_>);
    fn unread(&mut self, file: &FileChange, why: Unread);
}

struct ToSink<'s>(&'s mut dyn LineSink);

impl Told for ToSink<'_> {
    fn file(&mut self, lines: &FileLines<'_>) {
        self.0.file(lines);
    }

    fn unread(&mut self, file: &FileChange, why: Unread) {
        self.0.unread(file, why);
    }
}

/// At most this many threads read a change's files: past a few, more would mostly wait,
/// on the calling thread, which hands every file to the sink alone, and on the locks that
/// libgit2 takes around each object it reads from a pack. (A guess: the machine measured
/// on had two cores.)
const MAX_WORKERS: usize = 4;

/// Below this many files to read, the calling thread reads them itself. A worker costs a
/// thread and a repository opened again, about 0.1 ms, what reading five or six files
/// costs; and the sink takes nothing before a worker's first block is read. Measured on
/// two idle cores, two workers read 64 files in about the time one thread does (1.0 ms),
/// and 128 in three quarters of it; with one core busy elsewhere, they read up to 512
/// files up to 0.2 ms slower than one thread.
const THREADS_FROM: usize = 128;

/// Workers take the files to read in blocks of this many, in order, block `b` going to
/// worker `b % workers`. Contiguous, so that a worker's tree lookups find most folders
/// of a path among those of the path before; small, so that the workers stay about
/// even and the sink is not kept waiting long for the next block.
const BLOCK_FILES: usize = 48;

/// A worker sends what it read of a block in one part, or in several when the added
/// lines it holds pass this many bytes ([`Part::bytes`]), so that a block of large files
/// does not sit whole in memory.
const PART_BYTES: usize = 1 << 20;

/// How many parts a worker may send ahead of the sink before it waits: what the workers
/// hold at once is bounded by workers × (this + 1) parts, whatever the change's size.
const PARTS_AHEAD: usize = 2;

/// How many threads read `files` files: one (the calling thread, no worker) for a few.
fn workers_for(files: usize) -> usize {
    if files < THREADS_FROM {
        return 1;
    }
    let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
    cores.min(MAX_WORKERS).min(files.div_ceil(BLOCK_FILES))
}

/// The bytes of the packs in the objects folder `objects` and in its alternates (the
/// folders [`object_folders`] finds, as libgit2 reads them); `u64::MAX` when a pack
/// folder or a file in it cannot be read.
fn pack_bytes(objects: &Path) -> u64 {
    let mut bytes = 0u64;
    for folder in object_folders(objects) {
        match std::fs::read_dir(folder.join("pack")) {
            Ok(entries) => {
                for entry in entries {
                    let size = entry.and_then(|e| {
                        let pack = e.path().extension().is_some_and(|x| x == "pack");
                        Ok(if pack { e.metadata()?.len() } else { 0 })
                    });
                    bytes = bytes.saturating_add(size.unwrap_or(u64::MAX));
                }
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(_) => return u64::MAX,
        }
    }
    bytes
}

/// A change's files to read on `workers` threads, each with its own repository (a
/// libgit2 repository may move to another thread, but not be used by two at once).
struct Work<'a> {
    /// The repository's git folder, which each worker opens again.
    repo: &'a Path,
    /// The trees of the merge-base (none: the empty tree) and of head.
    trees: (Option<Oid>, Oid),
    diffed: Option<&'a Blobs>,
    files: &'a [FileChange],
    /// What the sink needs of each of `files`.
    needs: &'a [Need],
    /// The indexes in `files` of those to read, in order.
    wanted: &'a [usize],
    workers: usize,
}

/// Tells workers to read no further.
struct Halt {
    /// Set when the sink takes no more: every file was handed, or an error or a worker's
    /// panic ended the hand-off.
    stop: AtomicBool,
    /// The first block that failed, as far as the workers know: the blocks after it are
    /// not needed, as the hand-off ends at its error.
    failed: AtomicUsize,
}

impl Halt {
    fn before(&self, block: usize) -> bool {
        self.stop.load(Ordering::Relaxed) || self.failed.load(Ordering::Relaxed) < block
    }
}

impl<'a> Work<'a> {
    fn blocks(&self) -> usize {
        self.wanted.len().div_ceil(BLOCK_FILES)
    }

    fn block(&self, block: usize) -> &[usize] {
        let start = block * BLOCK_FILES;
        &self.wanted[start..self.wanted.len().min(start + BLOCK_FILES)]
    }

    /// Reads the files on the workers and hands them to `sink` as the calling thread
    /// would have: in order, and up to the first error, which is returned.
    fn run(&self, sink: &mut dyn LineSink) -> Result<()> {
        self.run_with(sink, |worker, send, halt| self.work(worker, send, halt))
    }

    /// [`Work::run`] with `work` as what each worker does.
    fn run_with(
        &self,
        sink: &mut dyn LineSink,
        work: impl Fn(usize, &SyncSender<Part>, &Halt) + Sync,
    ) -> Result<()> {
        let halt = Halt {
            stop: AtomicBool::new(false),
            failed: AtomicUsize::new(usize::MAX),
        };
        std::thread::scope(|scope| {
            let mut threads = Vec::with_capacity(self.workers);
            let mut parts = Vec::with_capacity(self.workers);
            for worker in 0..self.workers {
                let (send, receive) = mpsc::sync_channel(PARTS_AHEAD);
                parts.push(receive);
                let (halt, work) = (&halt, &work);
                threads.push(scope.spawn(move || work(worker, &send, halt)));
            }
            let handed = self.hand(&parts, sink);
            // A worker waiting to send finds no one to take its part, and one reading
            // stops before its next file.
            halt.stop.store(true, Ordering::Relaxed);
            drop(parts);
            for thread in threads {
                if let Err(panic) = thread.join() {
                    std::panic::resume_unwind(panic);
                }
            }
            handed
        })
    }

    /// Hands the sink the parts that the workers send, block after block.
    fn hand(&self, parts: &[Receiver<Part>], sink: &mut dyn LineSink) -> Result<()> {
        for block in 0..self.blocks() {
            loop {
                // A worker sends every part of its blocks, up to an error, unless it
                // panicked: then its panic is raised when it is joined, instead of this.
                let part = parts[block % self.workers]
                    .recv()
                    .map_err(|_| anyhow!("a thread that reads the change's files stopped"))?;
                part.hand(self.files, sink);
                if let Some(error) = part.error {
                    return Err(error);
                }
                if part.last {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Reads the blocks of worker `worker`, from its first, and sends them part by part,
    /// until all are sent, an error (sent as the last part), or a halt.
    fn work(&self, worker: usize, send: &SyncSender<Part>, halt: &Halt) {
        let fail = |block: usize, mut part: Part, error: anyhow::Error| {
            halt.failed.fetch_min(block, Ordering::Relaxed);
            part.error = Some(error);
            part.last = true;
            let _ = send.send(part);
        };
        let repo = match Repository::open(self.repo) {
            Ok(repo) => repo,
            Err(e) => {
                let e = anyhow::Error::new(e).context(format!(
                    "could not open the repository at `{}` again to read files on another thread",
                    self.repo.display()
                ));
                return fail(worker, Part::default(), e);
            }
        };
        let mut reader = match self.reader(&repo) {
            Ok(reader) => reader,
            Err(e) => return fail(worker, Part::default(), e),
        };
        let mut part = Part::default();
        for block in (worker..self.blocks()).step_by(self.workers) {
            for &index in self.block(block) {
                if halt.before(block) {
                    return;
                }
                let mut into = Collect {
                    part: &mut part,
                    index,
                };
                if let Err(e) = reader.read(&self.files[index], self.needs[index], &mut into) {
                    return fail(block, part, e);
                }
                if part.bytes() >= PART_BYTES && send.send(std::mem::take(&mut part)).is_err() {
                    return;
                }
            }
            part.last = true;
            if send.send(std::mem::take(&mut part)).is_err() {
                return;
            }
        }
    }

    fn reader<'r>(&self, repo: &'r Repository) -> Result<Reader<'r>>
    where
        'a: 'r,
    {
        let old = (self.trees.0)
            .map(|tree| repo.find_tree(tree))
            .transpose()
            .context("could not read the merge-base's tree")?;
        let new = repo
            .find_tree(self.trees.1)
            .context("could not read head's tree")?;
        Reader::new(repo, old, new, self.diffed)
    }
}

/// What a worker read of a block of files, owned, for the calling thread to hand on: the
/// whole block, or a part of it.
#[derive(Default)]
struct Part {
    /// Each file told, by its index in the change's files, in order.
    told: Vec<(usize, Fact)>,
    /// The added lines of the part's files, one after the other: each line's number and
    /// where its text ends in `text`.
    lines: Vec<(u32, usize)>,
    text: Vec<u8>,
    /// The block's last part.
    last: bool,
    /// Why the worker could not read the file after the last one told; always the last
    /// part.
    error: Option<anyhow::Error>,
}

enum Fact {
    /// A text file's facts, its added lines those of the part's `lines` up to `end`.
    Lines {
        end: usize,
        added_count: u64,
        deleted_count: u64,
    },
    Unread(Unread),
}

impl Part {
    /// About what the part holds in memory: a file of short lines takes more for its
    /// lines' numbers and ends than for their text.
    fn bytes(&self) -> usize {
        self.text.len() + self.lines.len() * size_of::<(u32, usize)>()
    }

    fn hand(&self, files: &[FileChange], sink: &mut dyn LineSink) {
        let mut start = 0;
        let added: Vec<AddedLine<'_>> = (self.lines.iter())
            .map(|&(number, end)| {
                let text = &self.text[start..end];
                start = end;
                AddedLine { number, text }
            })
            .collect();
        let mut first = 0;
        for (index, fact) in &self.told {
            let file = &files[*index];
            match *fact {
                Fact::Lines {
                    end,
                    added_count,
                    deleted_count,
                } => {
                    sink.file(&FileLines {
                        file,
                        added: &added[first..end],
                        added_count,
                        deleted_count,
                    });
                    first = end;
                }
                Fact::Unread(why) => sink.unread(file, why),
            }
        }
    }
}

/// A worker's [`Told`]: copies what is told of the file at `index` into `part`.
struct Collect<'p> {
    part: &'p mut Part,
    index: usize,
}

impl Told for Collect<'_> {
    fn file(&mut self, lines: &FileLines<'_>) {
        let part = &mut *self.part;
        for line in lines.added {
            part.text.extend_from_slice(line.text);
            part.lines.push((line.number, part.text.len()));
        }
        part.told.push((
            self.index,
            Fact::Lines {
                end: part.lines.len(),
                added_count: lines.added_count,
                deleted_count: lines.deleted_count,
            },
        ));
    }

    fn unread(&mut self, _: &FileChange, why: Unread) {
        self.part.told.push((self.index, Fact::Unread(why)));
    }
}

/// Looks paths up in one tree, keeping the folders of the path looked up last: a path
/// that shares them is not read from the root again, folder by folder (libgit2's
/// `get_path` reads every folder of the path, each time).
struct Lookup<'r> {
    repo: &'r Repository,
    root: Tree<'r>,
    /// The folders of `last`, outermost first, each with the length of `last` up to and
    /// including its name and `/`.
    folders: Vec<(usize, Tree<'r>)>,
    last: Vec<u8>,
}

impl<'r> Lookup<'r> {
    fn new(repo: &'r Repository, root: Tree<'r>) -> Lookup<'r> {
        Lookup {
            repo,
            root,
            folders: Vec::new(),
            last: Vec::new(),
        }
    }

    /// The blob at `path` when it is a regular file; `None` when there is none, or it is
    /// a symbolic link (its text is a path, not code) or a submodule, as
    /// `Tree::get_path` would find it.
    fn text_blob(&mut self, path: &[u8]) -> Result<Option<Oid>> {
        while let Some(&(end, _)) = self.folders.last() {
            if path.len() > end && path[..end] == self.last[..end] {
                break;
            }
            self.folders.pop();
        }
        self.last.clear();
        self.last.extend_from_slice(path);
        let mut at = self.folders.last().map_or(0, |&(end, _)| end);
        while let Some(slash) = path[at..].iter().position(|&b| b == b'/') {
            let tree = self.folders.last().map_or(&self.root, |(_, tree)| tree);
            let id = match tree.get_name_bytes(&path[at..at + slash]) {
                Some(entry) if entry.filemode() == i32::from(FileMode::Tree) => entry.id(),
                // Nothing, or a file where the path wants a folder: not in the tree.
                _ => return Ok(None),
            };
            let folder = self.repo.find_tree(id)?;
            at += slash + 1;
            self.folders.push((at, folder));
        }
        let tree = self.folders.last().map_or(&self.root, |(_, tree)| tree);
        let Some(entry) = tree.get_name_bytes(&path[at..]) else {
            return Ok(None);
        };
        Ok(is_regular(entry.filemode()).then(|| entry.id()))
    }
}

/// git's test for binary content: a NUL byte among the first 8,000 bytes.
fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(BINARY_PROBE)].contains(&0)
}

/// The lines of `bytes` as git splits them: at each `\n`, the last line with or without
/// one. Each without its `\n` or `\r\n`.
fn split_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    (!bytes.is_empty())
        .then(|| body.split(|&b| b == b'\n'))
        .into_iter()
        .flatten()
        .map(without_cr)
}

fn without_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn line_count(bytes: &[u8]) -> u64 {
    split_lines(bytes).count() as u64
}

/// Drops the longest tail that both sides share in whole blocks of 1 KiB, given back up to
/// and including the first line end in it, as `git diff` does before it diffs without
/// context lines (`trim_common_tail` in git's xdiff-interface.c; libgit2 does not). The
/// lines it drops are unchanged, but the diff of what is left can match the lines before
/// them differently: without the trim, the added lines would be those of `git diff -U3`,
/// which are not always those of `git diff -U0`.
fn trim_common_tail<'a>(a: &'a [u8], b: &'a [u8]) -> (&'a [u8], &'a [u8]) {
    const BLOCK: usize = 1024;
    let smaller = a.len().min(b.len());
    let mut trimmed = 0;
    while BLOCK + trimmed <= smaller
        && a[a.len() - trimmed - BLOCK..a.len() - trimmed]
            == b[b.len() - trimmed - BLOCK..b.len() - trimmed]
    {
        trimmed += BLOCK;
    }
    let tail = &a[a.len() - trimmed..];
    let recovered = tail
        .iter()
        .position(|&c| c == b'\n')
        .map_or(trimmed, |at| at + 1);
    let cut = trimmed - recovered;
    (&a[..a.len() - cut], &b[..b.len() - cut])
}

/// A file's bytes on both sides, and its two blobs when it has both.
struct Sides<'a> {
    old: &'a [u8],
    new: &'a [u8],
    blobs: Option<(&'a git2::Blob<'a>, &'a git2::Blob<'a>)>,
}

/// Diffs one file and tells `out` its facts. A side that is absent is empty: an added
/// file adds every line, a deleted one deletes every line, without running the diff.
fn diff_file(
    file: &FileChange,
    sides: &Sides<'_>,
    need: Need,
    options: &mut DiffOptions,
    out: &mut dyn Told,
) -> Result<()> {
    let (old, new) = (sides.old, sides.new);
    if old.is_empty() || new.is_empty() {
        let added: Vec<AddedLine<'_>> = if need == Need::Lines {
            split_lines(new)
                .zip(1u32..)
                .map(|(text, number)| AddedLine { number, text })
                .collect()
        } else {
            Vec::new()
        };
        out.file(&FileLines {
            file,
            added: &added,
            added_count: line_count(new),
            deleted_count: line_count(old),
        });
        return Ok(());
    }
    let (trimmed_old, trimmed_new) = trim_common_tail(old, new);
    // libgit2 hashes a buffer it diffs to give it an id, which costs as much as reading
    // it; a blob has its id already. So the blobs themselves when nothing was trimmed.
    // An empty path, not none: libgit2 names a pathless side `file` and looks up the
    // attributes of that name (the system's and the repository's attribute files, four
    // look-ups on disk for every file diffed), while an empty path takes the default
    // driver at once. Binary files were told apart above; no attribute applies.
    let unnamed = Some(Path::new(""));
    let patch = match sides.blobs {
        Some((old_blob, new_blob)) if trimmed_old.len() == old.len() => {
            Patch::from_blobs(old_blob, unnamed, new_blob, unnamed, Some(options))?
        }
        _ => Patch::from_buffers(trimmed_old, unnamed, trimmed_new, unnamed, Some(options))?,
    };
    if need == Need::Counts {
        let (_, added, deleted) = patch.line_stats()?;
        out.file(&FileLines {
            file,
            added: &[],
            added_count: added as u64,
            deleted_count: deleted as u64,
        });
        return Ok(());
    }
    let mut added = Vec::new();
    let mut deleted = 0u64;
    for hunk in 0..patch.num_hunks() {
        for at in 0..patch.num_lines_in_hunk(hunk)? {
            let line = patch.line_in_hunk(hunk, at)?;
            // '>' and '<' mark git's "\ No newline at end of file", which is no line.
            match line.origin() {
                '+' => {
                    let number = line
                        .new_lineno()
                        .context("an added line without a line number")?;
                    let text = line.content();
                    let text = text.strip_suffix(b"\n").unwrap_or(text);
                    added.push(AddedLine {
                        number,
                        text: without_cr(text),
                    });
                }
                '-' => deleted += 1,
                _ => {}
            }
        }
    }
    out.file(&FileLines {
        file,
        added: &added,
        added_count: added.len() as u64,
        deleted_count: deleted,
    });
    Ok(())
}

#[cfg(test)]
mod tests;
