//! Line-level facts: what the diff merge-base → head adds to each changed text file, and
//! how many lines it adds and deletes, as `git diff` counts them.
//!
//! Files are read one at a time, only when a check asks for them ([`LineSink::need`]), and
//! handed on before the next is read. A file with a NUL byte among its first 8,000 bytes
//! on either side is binary, git's own rule (`buffer_is_binary` in git's
//! xdiff-interface.c); a side over [`MAX_TEXT_BYTES`] is not read at all. Both are told to
//! the sink, which counts them.
//!
//! The diff of a file present on both sides is libgit2's xdiff, the code `git diff` runs,
//! with the options that `git diff` has by default: the Myers algorithm, not minimal, and
//! the indent heuristic (`diff.indentHeuristic`, on by default since git 2.14, off by
//! default in libgit2); and, like `git diff -U0`, after dropping the common tail
//! ([`trim_common_tail`]). The unit tests compare the added line numbers with `git diff -U0`
//! on generated histories full of sliders and on this repository's own history.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use git2::{DiffOptions, FileMode, Odb, Oid, Patch, Repository, Tree};

use super::Repo;
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
        let old = from
            .map(|from| self.tree_of(from))
            .transpose()
            .context("could not read the merge-base's tree")?;
        let new = self.tree_of(to).context("could not read head's tree")?;
        // git does not hash an object again when it reads it; libgit2 does by default,
        // with SHA-1 collision detection, which is a fifth of the time it takes to read a
        // change's blobs. The lines are read as git reads them. (A process-wide setting:
        // every read after this one skips it too.)
        git2::opts::strict_hash_verification(false);
        // The blobs of the last diff, when that is this change's; otherwise each path is
        // looked up, and as files come sorted by path, most share their folders with the
        // file before.
        let diffed = self.diffed.borrow();
        let diffed = diffed
            .as_ref()
            .filter(|d| d.from == from && d.to == to)
            .map(|d| &d.blobs);
        let mut reader = Reader::new(&self.repo, old, new, diffed)?;
        let mut to_sink = ToSink(sink);
        for file in files {
            let need = to_sink.0.need(file);
            // A file moved without a change adds and deletes nothing.
            if need == Need::Nothing || file.same_content {
                continue;
            }
            reader.read(file, need, &mut to_sink)?;
        }
        Ok(())
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

/// The blobs of a diff by path: before and after, each when that side is a regular file.
type Blobs = HashMap<Vec<u8>, [Option<Oid>; 2]>;

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

/// Where a [`Reader`] tells what it read.
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
        let mode = entry.filemode();
        let regular =
            mode == i32::from(FileMode::Blob) || mode == i32::from(FileMode::BlobExecutable);
        Ok(regular.then(|| entry.id()))
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
