//! Line-level facts as the checks take them: each changed file's added lines with their
//! line numbers at head, and how many lines the change adds and deletes there. Gathered
//! file by file (`gather/git/lines.rs`) and handed to a [`LineSink`] one file at a time:
//! what is held at once is one file's lines, or, when threads read a large change, a few
//! bounded parts of it per thread.

use crate::judge::change::FileChange;

/// A side larger than this is not read line by line: the files that hold such lines are
/// generated (minified bundles, data), not written in a day.
pub(crate) const MAX_TEXT_BYTES: u64 = 1024 * 1024;

/// What the checks want to know of one changed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Need {
    /// Nothing: the file is not read.
    Nothing,
    /// How many lines are added and deleted.
    Counts,
    /// The added lines themselves, and the counts.
    Lines,
}

/// One line the change adds, as it reads at head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AddedLine<'a> {
    /// 1-based, in the file at head.
    pub(crate) number: u32,
    /// The line without its `\n` or `\r\n`.
    pub(crate) text: &'a [u8],
}

/// What the diff merge-base → head does to one text file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileLines<'a> {
    pub(crate) file: &'a FileChange,
    /// The added lines in file order; empty unless [`Need::Lines`] was asked for.
    pub(crate) added: &'a [AddedLine<'a>],
    pub(crate) added_count: u64,
    pub(crate) deleted_count: u64,
}

/// Why a changed file was not read line by line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unread {
    /// A NUL byte among the first 8,000 bytes of either side, git's own test.
    Binary,
    /// A side larger than the cap, in bytes.
    TooLarge(u64),
}

/// Takes line-level facts file by file.
pub(crate) trait LineSink {
    /// What to read of `file`; [`Need::Nothing`] skips it without reading a byte.
    fn need(&self, file: &FileChange) -> Need;
    /// The facts of one text file, at most once per file, in the order of the change's
    /// files.
    fn file(&mut self, lines: &FileLines<'_>);
    /// A file that was wanted but not read, and why.
    fn unread(&mut self, file: &FileChange, why: Unread);
}
