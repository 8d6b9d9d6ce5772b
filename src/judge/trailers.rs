//! Commit-message trailers, found and parsed exactly as git does.
//!
//! This is a port of git's `trailer.c` as exercised by
//! `git interpret-trailers --parse --no-divider` and by
//! `git log --format=%(trailers:only,unfold)`, with no `trailer.*`
//! configuration, the default `:` separator and `#` as the comment character.
//! Matching git matters because users check their trailers with git itself:
//! a `Release: full` that git shows must be one we see, and a line git
//! ignores (say, in the middle of the body) must not count.
//!
//! git works on bytes and on NUL-terminated C strings, so this module does too:
//! every position below is a byte offset, and the message ends at its first NUL.
//! Every split happens at an ASCII byte, so slicing the `&str` there is always
//! on a character boundary.

use std::borrow::Cow;

/// One `Key: value` trailer of a commit message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Trailer {
    pub(crate) key: String,
    pub(crate) value: String,
}

impl Trailer {
    /// git compares keys ASCII-case-insensitively (strncasecmp), so do we: no Unicode folding.
    pub(crate) fn key_is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

/// The trailers of `message`, in order, as git finds them.
pub(crate) fn parse(message: &str) -> Vec<Trailer> {
    parse_keeping(message, |_| true)
}

/// The trailers of `message` whose key `keep` accepts, in order: [`parse`] without
/// the others, which are never copied out of the message (a long history's trailers
/// that no rule reads would fill memory, and copying 20,000 of them costs more than
/// finding them).
pub(crate) fn parse_keeping(message: &str, keep: impl Fn(&str) -> bool) -> Vec<Trailer> {
    // `git interpret-trailers` completes an unterminated last line
    // (`strbuf_complete_line` in its `read_input_file`). Only the `Conflicts:`
    // and scissors checks can tell, and `git commit` always ends a message
    // with a newline, so `git log` sees the same on the commits it makes.
    let completed = if message.is_empty() || message.ends_with('\n') {
        Cow::Borrowed(message)
    } else {
        Cow::Owned(format!("{message}\n"))
    };
    // Then git handles the message as a C string: nothing after a NUL exists
    // for it.
    let message = completed.split('\0').next().unwrap_or_default();
    let end = find_end_of_log_message(message.as_bytes());
    let start = find_trailer_block_start(message.as_bytes(), end);
    let mut trailers: Vec<Trailer> = trailer_strings(&message[start..end])
        .filter_map(|trailer| parse_trailer_string(trailer, &keep))
        .collect();
    // A change keeps the trailers of every commit, so spare capacity adds up.
    trailers.shrink_to_fit();
    trailers
}

/// git's `comment_line_str` under `core.commentChar=#` (the default).
const COMMENT_LINE: &[u8] = b"#";

/// Lines git writes itself; one of them lets a block that is only 25%
/// trailers count (`git_generated_prefixes` in trailer.c).
const GIT_GENERATED_PREFIXES: [&[u8]; 2] = [b"Signed-off-by: ", b"(cherry picked from commit "];

/// The scissors line of `git commit -v` (`cut_line` in wt-status.c).
const CUT_LINE: &[u8] = b"------------------------ >8 ------------------------\n";

/// git's own `isspace` (the `sane_ctype` table in ctype.c): unlike C's and
/// Rust's, it holds only space, tab, LF and CR, not vertical tab or form feed.
fn is_git_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// git's `isalnum`, which is ASCII-only: any byte of a multi-byte UTF-8
/// character is neither a letter nor a digit.
fn is_git_alnum(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
}

/// `is_blank_line` in trailer.c: the line up to its `\n` is all whitespace.
fn is_blank_line(line: &[u8]) -> bool {
    line.iter()
        .take_while(|&&byte| byte != b'\n')
        .all(|&byte| is_git_space(byte))
}

/// `next_line` in trailer.c: the offset just past the `\n` ending the line
/// that starts at `bol`, or the end of `buf` for an unterminated last line.
fn next_line(buf: &[u8], bol: usize) -> usize {
    buf.get(bol..)
        .and_then(|rest| rest.iter().position(|&byte| byte == b'\n'))
        .map_or(buf.len(), |newline| bol + newline + 1)
}

/// `last_line` in trailer.c: the start of the last line of `buf[..len]`, a
/// final `\n` belonging to that line; `None` for an empty range.
fn last_line(buf: &[u8], len: usize) -> Option<usize> {
    let len = len.min(buf.len());
    if len == 0 {
        return None;
    }
    Some(
        buf[..len - 1]
            .iter()
            .rposition(|&byte| byte == b'\n')
            .map_or(0, |newline| newline + 1),
    )
}

/// `find_separator` in trailer.c with the separator set `:`: the offset of the
/// `:` ending a `<token><optional blanks>:` prefix, where the token is ASCII
/// alphanumerics and `-`. `Some(0)` means the line starts with `:`, which
/// every caller here rejects since a trailer's token cannot be empty.
fn find_separator(line: &[u8]) -> Option<usize> {
    let mut whitespace_found = false;
    for (pos, &byte) in line.iter().enumerate() {
        if byte == b':' {
            return Some(pos);
        }
        if !whitespace_found && (is_git_alnum(byte) || byte == b'-') {
            continue;
        }
        if pos != 0 && (byte == b' ' || byte == b'\t') {
            whitespace_found = true;
            continue;
        }
        break;
    }
    None
}

/// Whether `line` is `<token>:...` with a non-empty token (`separator_pos >= 1`
/// at every call site of `find_separator` in trailer.c).
fn trailer_separator(line: &[u8]) -> Option<usize> {
    find_separator(line).filter(|&pos| pos >= 1)
}

/// `wt_status_locate_end` in wt-status.c: the message ends before a
/// `# ------------------------ >8 ------------------------` scissors line.
fn locate_scissors(buf: &[u8]) -> usize {
    // The line itself, without the newline before it.
    let is_scissors = |at: &[u8]| {
        at.strip_prefix(COMMENT_LINE)
            .and_then(|rest| rest.strip_prefix(b" "))
            .is_some_and(|rest| rest.starts_with(CUT_LINE))
    };
    if is_scissors(buf) {
        return 0;
    }
    // Only a line start can begin one, so only the bytes after a newline are tried.
    buf.iter()
        .enumerate()
        .filter(|&(_, &byte)| byte == b'\n')
        .map(|(newline, _)| newline + 1)
        .find(|&start| is_scissors(&buf[start..]))
        .unwrap_or(buf.len())
}

/// `find_end_of_log_message` in trailer.c with `no_divider` set (so a `---`
/// line does not end the message), which defers to
/// `ignored_log_message_bytes` in commit.c: drop the scissors line and
/// everything after it, then a trailing run of empty lines, comment lines and
/// old-style `Conflicts:` blocks (a `Conflicts:` line plus tab-indented paths).
fn find_end_of_log_message(buf: &[u8]) -> usize {
    let cutoff = locate_scissors(buf);
    // `boc`, the "beginning of comments", uses 0 as "not in such a run", just
    // like git: a run that starts on the very first line is only noticed from
    // its second line on.
    let mut boc = 0;
    let mut bol = 0;
    let mut in_old_conflicts_block = false;

    while bol < cutoff {
        let line = &buf[bol..];
        // Only an empty line counts here: unlike `is_blank_line`, a line of
        // spaces ends the run.
        if buf[bol..cutoff].starts_with(COMMENT_LINE) || line.first() == Some(&b'\n') {
            if boc == 0 {
                boc = bol;
            }
        } else if line.starts_with(b"Conflicts:\n") {
            in_old_conflicts_block = true;
            if boc == 0 {
                boc = bol;
            }
        } else if in_old_conflicts_block && line.first() == Some(&b'\t') {
            // A pathname in the conflicts block.
        } else if boc != 0 {
            // The previous run was not trailing after all.
            boc = 0;
            in_old_conflicts_block = false;
        }
        // Each step moves forward whatever `next_line` says, so no message can hold
        // the scan in place (it always does; this keeps a slip there from hanging a run).
        bol = next_line(buf, bol).max(bol + 1);
    }

    if boc != 0 { boc } else { cutoff }
}

/// `find_trailer_block_start` in trailer.c: the offset of the first line of
/// the trailer block within `buf[..len]`, or `len` when there is none.
///
/// Scanning backwards from the end, the block is the last paragraph after
/// the title that is made only of trailers (and their continuation lines), or
/// that holds a git-generated line and is at least 25% trailers. The check for
/// keys of configured `trailer.<name>` entries, which would also count as
/// "recognized", is left out: this port assumes no such configuration.
fn find_trailer_block_start(buf: &[u8], len: usize) -> usize {
    let len = len.min(buf.len());

    // The first paragraph is the title and cannot be trailers.
    let mut end_of_title = 0;
    while end_of_title < len {
        let line = &buf[end_of_title..len];
        if !line.starts_with(COMMENT_LINE) && is_blank_line(line) {
            break;
        }
        // Forward, whatever `next_line` says (see `find_end_of_log_message`).
        end_of_title = next_line(buf, end_of_title).max(end_of_title + 1);
    }

    let mut only_spaces = true;
    let mut recognized_prefix = false;
    let mut trailer_lines: usize = 0;
    let mut non_trailer_lines: usize = 0;
    // Lines starting with whitespace seen since the last trailer (scanning
    // upwards). They continue a trailer if one comes next, and are
    // non-trailers if anything else does.
    let mut possible_continuation_lines: usize = 0;

    let mut cursor = last_line(buf, len);
    while let Some(bol) = cursor.filter(|&bol| bol >= end_of_title) {
        // Backward, whatever `last_line` says: a line before this one, or none.
        cursor = last_line(buf, bol).filter(|&before| before < bol);
        let line = &buf[bol..len];

        if line.starts_with(COMMENT_LINE) {
            non_trailer_lines += possible_continuation_lines;
            possible_continuation_lines = 0;
            continue;
        }
        if is_blank_line(line) {
            if only_spaces {
                continue;
            }
            non_trailer_lines += possible_continuation_lines;
            let enough_trailers = trailer_lines.saturating_mul(3) >= non_trailer_lines;
            if (recognized_prefix && enough_trailers)
                || (trailer_lines > 0 && non_trailer_lines == 0)
            {
                return next_line(buf, bol);
            }
            return len;
        }
        only_spaces = false;

        if GIT_GENERATED_PREFIXES
            .iter()
            .any(|prefix| line.starts_with(prefix))
        {
            trailer_lines += 1;
            possible_continuation_lines = 0;
            recognized_prefix = true;
            continue;
        }

        let starts_with_space = line.first().copied().is_some_and(is_git_space);
        if trailer_separator(line).is_some() && !starts_with_space {
            trailer_lines += 1;
            possible_continuation_lines = 0;
        } else if starts_with_space {
            possible_continuation_lines += 1;
        } else {
            non_trailer_lines += 1 + possible_continuation_lines;
            possible_continuation_lines = 0;
        }
    }

    len
}

/// The entries of the trailer block with their continuation lines, as
/// `trailer_block_get` in trailer.c builds them: each keeps its `\n`, and only
/// a line that has a separator takes the indented lines after it. An entry is
/// a run of whole lines, so it is a slice of the block.
fn trailer_strings(block: &str) -> impl Iterator<Item = &str> {
    let mut lines = block.split_inclusive('\n').peekable();
    std::iter::from_fn(move || {
        let first = lines.next()?;
        let start = first.as_ptr() as usize - block.as_ptr() as usize;
        let mut end = start + first.len();
        if trailer_separator(first.as_bytes()).is_some() {
            while let Some(line) = lines.next_if(|l| l.bytes().next().is_some_and(is_git_space)) {
                end += line.len();
            }
        }
        Some(&block[start..end])
    })
}

/// One entry of the trailer block as `parse_trailers` and `parse_trailer` in
/// trailer.c read it under `--only-trailers --unfold`: comment lines and lines
/// without a `<token>:` prefix are dropped, and the token and value are
/// trimmed, the value also unfolded.
/// `None` too when `keep` refuses its key.
fn parse_trailer_string(trailer: &str, keep: impl Fn(&str) -> bool) -> Option<Trailer> {
    if trailer.as_bytes().starts_with(COMMENT_LINE) {
        return None;
    }
    let separator = trailer_separator(trailer.as_bytes())?;
    let key = git_trim(&trailer[..separator]);
    if !keep(key) {
        return None;
    }
    Some(Trailer {
        key: key.to_owned(),
        value: unfold_value(git_trim(&trailer[separator + 1..])),
    })
}

/// [`is_git_space`] for a `char`; no non-ASCII character is git whitespace.
fn is_git_space_char(c: char) -> bool {
    c.is_ascii() && is_git_space(c as u8)
}

/// `strbuf_trim`: strip git's whitespace from both ends.
fn git_trim(s: &str) -> &str {
    s.trim_matches(is_git_space_char)
}

/// `unfold_value` in trailer.c: every `\n` and the whitespace after it become
/// one space, then the result is trimmed.
fn unfold_value(value: &str) -> String {
    // `value` comes trimmed, so a one-line value is already unfolded.
    if !value.contains('\n') {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(newline) = rest.find('\n') {
        out.push_str(&rest[..newline]);
        out.push(' ');
        rest = rest[newline + 1..].trim_start_matches(is_git_space_char);
    }
    out.push_str(rest);
    git_trim(&out).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc::{self, RecvTimeoutError};
    use std::thread;
    use std::time::Duration;

    /// How long one parse may take before a test calls it a loop. A message parses in
    /// microseconds, the longest here in milliseconds; only a parser that never returns
    /// comes near this, and then the test fails and says so instead of hanging the run.
    const DEADLINE: Duration = Duration::from_secs(10);

    /// Set when a parse missed its deadline. Its thread cannot be stopped and keeps
    /// spinning, so every later parse fails at once rather than wait out a deadline of
    /// its own beside it.
    static LOOPED: AtomicBool = AtomicBool::new(false);

    /// [`parse`] on a thread of its own, bounded by [`DEADLINE`]; a panic in the parser
    /// is the test's panic.
    fn parse_in_time(message: &str) -> Vec<Trailer> {
        assert!(
            !LOOPED.load(Ordering::SeqCst),
            "an earlier parse never returned (see the first failing test)"
        );
        let (sender, receiver) = mpsc::channel();
        let owned = message.to_owned();
        let worker = thread::spawn(move || {
            // The receiver is gone only after a missed deadline, which has failed already.
            let _ = sender.send(parse(&owned));
        });
        match receiver.recv_timeout(DEADLINE) {
            Ok(trailers) => trailers,
            Err(RecvTimeoutError::Disconnected) => match worker.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(()) => unreachable!("the worker sends before it ends"),
            },
            Err(RecvTimeoutError::Timeout) => {
                LOOPED.store(true, Ordering::SeqCst);
                let shown: String = message.chars().take(200).collect();
                panic!("parse did not return within {DEADLINE:?}; it loops on {shown:?}")
            }
        }
    }

    /// The `(key, value)` pairs of `message`, for terse assertions.
    fn pairs(message: &str) -> Vec<(String, String)> {
        parse_in_time(message)
            .into_iter()
            .map(|Trailer { key, value }| (key, value))
            .collect()
    }

    fn expect(message: &str, expected: &[(&str, &str)]) {
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|&(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
        assert_eq!(pairs(message), expected, "message: {message:?}");
    }

    #[test]
    fn empty_message_has_no_trailers() {
        expect("", &[]);
        expect("\n\n\n", &[]);
    }

    #[test]
    fn title_only_message_has_no_trailers() {
        expect("Add the release gate", &[]);
        expect("Add the release gate\n", &[]);
        expect("Release: full\n", &[]);
    }

    #[test]
    fn single_paragraph_of_trailer_lines_is_the_title() {
        expect("Release: full\nSigned-off-by: A <a@example.com>\n", &[]);
    }

    #[test]
    fn trailers_of_the_last_paragraph() {
        expect(
            "Add the gate\n\nRelease: full\nSigned-off-by: A <a@example.com>\n",
            &[("Release", "full"), ("Signed-off-by", "A <a@example.com>")],
        );
    }

    #[test]
    fn body_paragraph_before_the_trailer_block_is_not_trailers() {
        expect(
            "Add the gate\n\nRelease: full\nis what this prepares for.\n\nReviewed-by: B\n",
            &[("Reviewed-by", "B")],
        );
        // An all-trailer body paragraph still loses to the last paragraph.
        expect(
            "Add the gate\n\nRelease: full\n\nReviewed-by: B\n",
            &[("Reviewed-by", "B")],
        );
    }

    #[test]
    fn prose_last_paragraph_hides_earlier_trailers() {
        expect("Add the gate\n\nRelease: full\n\nMore prose here.\n", &[]);
    }

    #[test]
    fn a_single_prose_line_spoils_a_block_without_git_generated_lines() {
        expect("Add the gate\n\nRelease: full\nsee the docs\n", &[]);
    }

    #[test]
    fn signed_off_by_allows_a_quarter_of_trailers() {
        // 1 trailer line against 3 others: 1 * 3 >= 3.
        expect(
            "Title\n\nprose one\nprose two\nprose three\nSigned-off-by: A\n",
            &[("Signed-off-by", "A")],
        );
        // Other trailers in such a block count and are returned; prose is not.
        expect(
            "Title\n\nprose one\nRelease: full\nprose two\nSigned-off-by: A\n",
            &[("Release", "full"), ("Signed-off-by", "A")],
        );
        // 1 trailer line against 4 others is too few.
        expect(
            "Title\n\nprose one\nprose two\nprose three\nprose four\nSigned-off-by: A\n",
            &[],
        );
    }

    #[test]
    fn indented_lines_under_prose_count_as_prose() {
        // "prose" and its three indented lines make 4 non-trailer lines.
        expect("Title\n\nprose\n  c1\n  c2\n  c3\nSigned-off-by: A\n", &[]);
        expect(
            "Title\n\nprose\n  c1\n  c2\nSigned-off-by: A\n",
            &[("Signed-off-by", "A")],
        );
    }

    #[test]
    fn cherry_pick_line_counts_towards_the_block_but_is_not_a_trailer() {
        expect(
            "Title\n\nprose\nRelease: full\n(cherry picked from commit 0123abc)\n",
            &[("Release", "full")],
        );
    }

    #[test]
    fn signed_off_by_prefix_needs_its_space() {
        // "Signed-off-by:" without a space is an ordinary trailer, which does
        // not unlock the 25% rule.
        expect("Title\n\nprose\nSigned-off-by:A\n", &[]);
    }

    #[test]
    fn continuation_lines_are_unfolded() {
        expect(
            "Title\n\nRelease: full\n  and\n\tthen some\nOther: x\n",
            &[("Release", "full and then some"), ("Other", "x")],
        );
        // An empty value continued on the next line.
        expect("Title\n\nNote:\n  later\n", &[("Note", "later")]);
    }

    #[test]
    fn indented_lines_without_a_trailer_above_spoil_the_block() {
        expect("Title\n\n  indented\nRelease: full\n", &[]);
    }

    #[test]
    fn comment_lines_are_skipped() {
        expect(
            "Title\n\nRelease: full\n# a comment\nOther: x\n",
            &[("Release", "full"), ("Other", "x")],
        );
        expect(
            "# leading comment\nTitle\n\nRelease: full\n\n# Please enter the message.\n#\n",
            &[("Release", "full")],
        );
    }

    #[test]
    fn comment_line_ends_a_continuation() {
        // An indented line after a comment continues nothing: it counts as
        // a non-trailer line, which spoils a block of plain trailers ...
        expect("Title\n\nRelease: full\n# note\n  more\n", &[]);
        // ... and is dropped from a block that a git-generated line keeps.
        expect(
            "Title\n\nSigned-off-by: A\n# note\n  more\n",
            &[("Signed-off-by", "A")],
        );
    }

    #[test]
    fn separator_rules() {
        expect("Title\n\nRelease : full\n", &[("Release", "full")]);
        expect("Title\n\nRelease\t:full\n", &[("Release", "full")]);
        expect("Title\n\nRe-lease-2:  full  \n", &[("Re-lease-2", "full")]);
        expect("Title\n\nRelease:\n", &[("Release", "")]);
        expect("Title\n\nRelease: a: b\n", &[("Release", "a: b")]);
        // A token cannot be empty, contain inner spaces or start with one.
        expect("Title\n\n: full\n", &[]);
        expect("Title\n\nRe lease: full\n", &[]);
        expect("Title\n\n Release: full\n", &[]);
        expect("Title\n\nRelease_x: full\n", &[]);
    }

    #[test]
    fn non_ascii_keys_are_not_trailers() {
        expect("Title\n\nRéléase: full\n", &[]);
        expect("Title\n\nКлюч: value\n", &[]);
        // Such a line also spoils the block it is in.
        expect("Title\n\nRelease: full\nRéléase: full\n", &[]);
    }

    #[test]
    fn non_ascii_values_are_kept() {
        expect(
            "Title\n\nReviewed-by: Zoë Кузнецова 🦀\n",
            &[("Reviewed-by", "Zoë Кузнецова 🦀")],
        );
    }

    #[test]
    fn only_gits_whitespace_is_trimmed() {
        // git's isspace has no vertical tab or form feed; U+00A0 is not ASCII.
        expect(
            "Title\n\nA: \u{b}x\u{c}\nB: \u{a0}y\u{a0}\n",
            &[("A", "\u{b}x\u{c}"), ("B", "\u{a0}y\u{a0}")],
        );
    }

    #[test]
    fn crlf_line_endings_are_trimmed_like_git() {
        // CR is whitespace to git: a "\r\n" line is blank, a trailing CR is
        // trimmed, and a CR before a continuation stays inside the value.
        expect("Title\r\n\r\nRelease: full\r\n", &[("Release", "full")]);
        expect("Title\r\n\r\nRelease: a\r\n b\r\n", &[("Release", "a\r b")]);
    }

    #[test]
    fn leading_blank_line_gives_an_empty_title() {
        expect("\nRelease: full\n", &[("Release", "full")]);
    }

    #[test]
    fn trailing_whitespace_lines_are_ignored() {
        expect("Title\n\nRelease: full\n  \n\n", &[("Release", "full")]);
        expect("Title\n\nRelease: full\n\n\t\n", &[("Release", "full")]);
    }

    #[test]
    fn message_ends_at_nul() {
        expect(
            "Title\n\nRelease: full\0\nOther: x\n",
            &[("Release", "full")],
        );
    }

    #[test]
    fn scissors_line_ends_the_message() {
        expect(
            "Title\n\nRelease: full\n# ------------------------ >8 ------------------------\nprose\n",
            &[("Release", "full")],
        );
        expect(
            "# ------------------------ >8 ------------------------\nTitle\n\nRelease: full\n",
            &[],
        );
    }

    #[test]
    fn old_conflicts_block_is_ignored() {
        expect(
            "Title\n\nRelease: full\n\nConflicts:\n\tsrc/main.rs\n\tsrc/lib.rs\n",
            &[("Release", "full")],
        );
        // A line of spaces is not an empty line there: it ends the ignored
        // run, leaving "Conflicts:" in the block as a trailer.
        expect(
            "Title\n\nRelease: full\nConflicts:\n \n",
            &[("Release", "full"), ("Conflicts", "")],
        );
        expect(
            "Title\n\nRelease: full\nConflicts:\n\t\n",
            &[("Release", "full")],
        );
        // Even unterminated, since git completes the last line first.
        expect("Title\n\nRelease: full\nConflicts:", &[("Release", "full")]);
        // But not when a NUL cuts the message before that newline.
        expect("Title\n\nConflicts:\0x", &[("Conflicts", "")]);
    }

    #[test]
    fn tab_lines_are_ignored_only_inside_a_conflicts_block() {
        // Comments may sit among the paths of a conflicts block.
        expect(
            "Title\n\nRelease: full\n\nConflicts:\n\tsrc/a.rs\n# c\n\tsrc/b.rs\n",
            &[("Release", "full")],
        );
        // Elsewhere a tab line is content, here spoiling the block ...
        expect("Title\n\nRelease: full\n\n\tindented\n", &[]);
        // ... also once a conflicts block has been left.
        expect("Title\n\nConflicts:\nRelease: full\n# c\n\tindented\n", &[]);
    }

    #[test]
    fn patch_divider_is_not_special() {
        // With --no-divider a "---" line is ordinary prose.
        expect("Title\n\nRelease: full\n---\n", &[]);
        expect("Title\n\n---\n\nRelease: full\n", &[("Release", "full")]);
    }

    #[test]
    fn key_is_ignores_ascii_case_only() {
        let trailer = Trailer {
            key: "Release".to_owned(),
            value: "full".to_owned(),
        };
        assert!(trailer.key_is("RELEASE"));
        assert!(trailer.key_is("release"));
        assert!(!trailer.key_is("Releases"));
        assert!(!trailer.key_is("Releas"));

        let kelvin = Trailer {
            key: "\u{212A}ey".to_owned(),
            value: String::new(),
        };
        assert!(!kelvin.key_is("key"));
        let k = Trailer {
            key: "key".to_owned(),
            value: String::new(),
        };
        assert!(!k.key_is("\u{212A}ey"));
        assert!(k.key_is("KEY"));
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let long = "x".repeat(100_000);
        let inputs = [
            ":".to_owned(),
            "\n:".to_owned(),
            "\n\n:\n".to_owned(),
            "\r".to_owned(),
            "\r\n\r\n:\r\n".to_owned(),
            "\0".to_owned(),
            "#".to_owned(),
            "\n#\n".to_owned(),
            "é".to_owned(),
            "\n\né:é\n é".to_owned(),
            "T\n\nA:".to_owned(),
            "T\n\nA:\n".to_owned(),
            "T\n\n \n \n".to_owned(),
            format!("T\n\nKey: {long}\n {long}"),
            format!("T\n\n{long}:v"),
            "T\n\n".to_owned() + &"K: v\n".repeat(10_000),
        ];
        for input in &inputs {
            let _ = parse_in_time(input);
        }
        assert_eq!(
            parse_in_time(&inputs[13])[0].value.len(),
            2 * long.len() + 1
        );
        assert_eq!(parse_in_time(&inputs[14])[0].key, long);
        assert_eq!(parse_in_time(&inputs[15]).len(), 10_000);
    }

    /// Pieces that steer the parser into its corners, mixed with any `char`.
    const NOISE: &[&str] = &[
        "\n",
        "\n",
        "\r\n",
        " ",
        "\t",
        ":",
        "#",
        "-",
        "Key",
        "é",
        "\0",
        "Signed-off-by: ",
        "(cherry picked from commit ",
        "Conflicts:\n",
        "# ------------------------ >8 ------------------------\n",
    ];

    /// Messages pieced together from trailer-ish fragments and any characters.
    fn noisy_message() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop_oneof![
                3 => prop::sample::select(NOISE).prop_map(str::to_owned),
                1 => any::<char>().prop_map(String::from),
            ],
            0..64,
        )
        .prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 2048,
            // No regression files written into src/: a failure prints its
            // minimal input.
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Whatever the input, `parse` returns and its trailers have the
        /// shape git guarantees: a token of ASCII alphanumerics and `-`, and
        /// a one-line value with no surrounding whitespace.
        #[test]
        fn parse_never_panics_and_yields_well_formed_trailers(message in noisy_message()) {
            for Trailer { key, value } in parse_in_time(&message) {
                prop_assert!(!key.is_empty());
                prop_assert!(key.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-'));
                prop_assert!(!value.contains('\n'));
                prop_assert_eq!(git_trim(&value), value.as_str());
            }
        }

        /// Keeping some keys finds exactly the trailers `parse` finds with those keys,
        /// in the same order: what is dropped early changes nothing else.
        #[test]
        fn parse_keeping_is_parse_filtered(message in noisy_message(), odd in any::<bool>()) {
            // Keys told apart by their length, so that every message keeps some and
            // drops some.
            let keep = |key: &str| (key.len() % 2 == 1) == odd;
            let mut all = parse_in_time(&message);
            all.retain(|t| keep(&t.key));
            prop_assert_eq!(parse_keeping(&message, keep), all);
        }
    }

    /// Differential test against `git interpret-trailers` itself.
    mod against_git {
        use super::super::Trailer;
        use super::parse_in_time;
        use proptest::prelude::*;
        use proptest::sample::select;
        use proptest::test_runner::{Config, TestRunner};
        use std::io::{ErrorKind, Write};
        use std::path::Path;
        use std::process::{Command, Stdio};
        use std::sync::atomic::{AtomicUsize, Ordering};

        /// What `git interpret-trailers --parse` makes of `message`, run with
        /// an empty home and no system, global or repository config, so that
        /// no `trailer.*` setting applies.
        fn git_parse(home: &Path, message: &str) -> Vec<Trailer> {
            let mut child = Command::new("git")
                .args(["-c", "core.commentChar=#", "interpret-trailers"])
                .args(["--parse", "--no-divider"])
                .current_dir(home)
                .env("HOME", home)
                .env("XDG_CONFIG_HOME", home)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CEILING_DIRECTORIES", home.parent().unwrap_or(home))
                .env_remove("GIT_DIR")
                .env_remove("GIT_WORK_TREE")
                .env_remove("GIT_CONFIG_GLOBAL")
                .env_remove("GIT_CONFIG_PARAMETERS")
                .env_remove("GIT_CONFIG_COUNT")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn git");
            child
                .stdin
                .take()
                .expect("git stdin")
                .write_all(message.as_bytes())
                .expect("write to git");
            let output = child.wait_with_output().expect("wait for git");
            assert!(
                output.status.success(),
                "git failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout)
                .expect("git prints UTF-8 for UTF-8 input")
                .split_terminator('\n')
                .map(|line| {
                    let (key, value) = line
                        .split_once(": ")
                        .unwrap_or_else(|| panic!("unexpected git output line {line:?}"));
                    Trailer {
                        key: key.to_owned(),
                        value: value.to_owned(),
                    }
                })
                .collect()
        }

        /// A string of 0 to `max` pieces drawn from `alphabet`.
        fn text(alphabet: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
            prop::collection::vec(select(alphabet), 0..=max).prop_map(|pieces| pieces.concat())
        }

        /// Keys: mostly valid tokens, sometimes with spaces inside or
        /// non-ASCII letters (including a Kelvin sign), which git rejects.
        const KEY_PIECES: &[&str] = &[
            "Release", "R", "e", "by", "-", "7", " ", "\t", "é", "К", "\u{212A}",
        ];
        const VALUE_PIECES: &[&str] = &[
            "full", "x", " ", "\t", ":", ": ", "#", "é", "К", "🦀", "\r", "\u{b}", "\u{c}",
            "\u{a0}",
        ];
        const PROSE: &[&str] = &[
            "Fix the bug.",
            "see: below",
            "Release full",
            "-- note",
            ":lone",
            "---",
            "Conflicts:",
            "(cherry picked from commit 0123abc)",
            "Signed-off-by:nobody",
            "# ------------------------ >8 ------------------------",
            "Zoë wrote this",
        ];

        fn line() -> impl Strategy<Value = String> {
            prop_oneof![
                6 => (
                    text(KEY_PIECES, 3),
                    select(&[":", ": ", " :", "\t: ", "::"][..]),
                    text(VALUE_PIECES, 4),
                )
                    .prop_map(|(key, separator, value)| format!("{key}{separator}{value}")),
                2 => (select(&[" ", "\t", "  ", "\r"][..]), text(VALUE_PIECES, 3))
                    .prop_map(|(indent, rest)| format!("{indent}{rest}")),
                2 => text(VALUE_PIECES, 3).prop_map(|rest| format!("#{rest}")),
                2 => text(VALUE_PIECES, 3).prop_map(|rest| format!("Signed-off-by: {rest}")),
                3 => select(PROSE).prop_map(str::to_owned),
                1 => text(VALUE_PIECES, 3).prop_map(|rest| format!("\t{rest}")),
            ]
        }

        fn blank() -> impl Strategy<Value = String> {
            select(&["", "", "", " ", "\t", "\r"][..]).prop_map(str::to_owned)
        }

        /// Messages of paragraphs separated by blank lines, each line ending
        /// in LF or CRLF, with trailing blank and comment lines now and then.
        fn message() -> impl Strategy<Value = String> {
            let paragraph = prop::collection::vec(line(), 1..6);
            let paragraphs = prop::collection::vec((blank(), paragraph), 0..4);
            let tail = prop::collection::vec(
                prop_oneof![
                    blank(),
                    line(),
                    select(&["Conflicts:", "\tsrc/main.rs", "#"][..]).prop_map(str::to_owned),
                ],
                0..4,
            );
            (
                select(&["Title", "", "# comment", "Release: full"][..]),
                paragraphs,
                tail,
                prop::collection::vec(select(&["\n", "\n", "\n", "\r\n"][..]), 32),
                any::<bool>(),
            )
                .prop_map(|(title, paragraphs, tail, endings, final_newline)| {
                    let mut lines = vec![title.to_owned()];
                    for (blank, paragraph) in paragraphs {
                        lines.push(blank);
                        lines.extend(paragraph);
                    }
                    lines.extend(tail);
                    let mut message = String::new();
                    for (i, line) in lines.iter().enumerate() {
                        message.push_str(line);
                        if i + 1 < lines.len() || final_newline {
                            message.push_str(endings[i % endings.len()]);
                        }
                    }
                    message
                })
        }

        #[test]
        fn parse_matches_git_interpret_trailers() {
            match Command::new("git").arg("--version").output() {
                Err(err) if err.kind() == ErrorKind::NotFound => {
                    eprintln!("skipping: git is not on PATH");
                    return;
                }
                result => assert!(result.expect("run git --version").status.success()),
            }
            let home = tempfile::tempdir().expect("temp dir");

            let cases = 256;
            let with_trailers = AtomicUsize::new(0);
            let without_trailers = AtomicUsize::new(0);
            let mut runner = TestRunner::new(Config {
                cases,
                // Keep failures from writing regression files into src/; the
                // failure message holds the minimal message to turn into a
                // unit test.
                failure_persistence: None,
                ..Config::default()
            });
            let result = runner.run(&message(), |message| {
                let expected = git_parse(home.path(), &message);
                let counter = if expected.is_empty() {
                    &without_trailers
                } else {
                    &with_trailers
                };
                counter.fetch_add(1, Ordering::Relaxed);
                prop_assert_eq!(parse_in_time(&message), expected, "message: {:?}", message);
                Ok(())
            });
            if let Err(err) = result {
                panic!("{err}");
            }

            // The grammar must keep exercising both outcomes, or the property
            // says little.
            let with_trailers = with_trailers.into_inner();
            let without_trailers = without_trailers.into_inner();
            let tenth = cases as usize / 10;
            assert!(
                with_trailers >= tenth && without_trailers >= tenth,
                "{with_trailers} cases with trailers, {without_trailers} without"
            );
        }
    }
}
