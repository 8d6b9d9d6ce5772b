//! The added line numbers (and deleted line counts) of [`Repo::lines`] against
//! `git diff -U0 --no-color base...head` itself: on generated histories whose edits make
//! sliders (a block that could sit higher or lower among repeated lines, where the indent
//! heuristic decides), CRLF files and files without a final newline; and on ranges of
//! this repository's own history.

use std::collections::BTreeMap;
use std::path::Path;

use git2::{Oid, Repository, Signature, Time};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tempfile::TempDir;

use super::*;
use crate::gather::git::test_git::git;

/// Per path at head: the added line numbers and the count of deleted lines.
type Lines = BTreeMap<Vec<u8>, (Vec<u32>, u64)>;

/// Records what a diff adds and deletes, for every file.
#[derive(Default, Debug, PartialEq)]
struct Record {
    lines: Lines,
    unread: Vec<(Vec<u8>, Unread)>,
}

impl LineSink for Record {
    fn need(&self, _: &FileChange) -> Need {
        Need::Lines
    }

    fn file(&mut self, lines: &FileLines<'_>) {
        assert_eq!(lines.added.len() as u64, lines.added_count);
        let numbers: Vec<u32> = lines.added.iter().map(|l| l.number).collect();
        if !numbers.is_empty() || lines.deleted_count > 0 {
            self.lines
                .insert(lines.file.path.clone(), (numbers, lines.deleted_count));
        }
    }

    fn unread(&mut self, file: &FileChange, why: Unread) {
        self.unread.push((file.path.clone(), why));
    }
}

/// What `git diff -U0 --no-color <range>` adds and deletes, read from its hunk headers.
fn git_lines(dir: &Path, range: &str) -> Lines {
    let out = git(dir, &["diff", "-U0", "--no-color", "--no-ext-diff", range]);
    let mut lines = Lines::new();
    let mut old: Option<Vec<u8>> = None;
    let mut current: Option<Vec<u8>> = None;
    for line in out.split(|&b| b == b'\n') {
        if line.starts_with(b"diff --git ") {
            old = None;
            current = None;
        } else if let Some(path) = line.strip_prefix(b"--- a/") {
            old = Some(path.to_vec());
        } else if let Some(path) = line.strip_prefix(b"+++ b/") {
            current = Some(path.to_vec());
        } else if line == b"+++ /dev/null" {
            current = old.clone();
        } else if let Some(header) = line.strip_prefix(b"@@ -") {
            let header = std::str::from_utf8(header).unwrap();
            let (ranges, _) = header.split_once(" @@").unwrap();
            let (minus, plus) = ranges.split_once(" +").unwrap();
            let span = |s: &str| -> (u32, u32) {
                match s.split_once(',') {
                    Some((start, len)) => (start.parse().unwrap(), len.parse().unwrap()),
                    None => (s.parse().unwrap(), 1),
                }
            };
            let (_, deleted) = span(minus);
            let (start, added) = span(plus);
            let path = current.clone().expect("a hunk follows its file header");
            let entry = lines.entry(path).or_default();
            entry.0.extend(start..start + added);
            entry.1 += u64::from(deleted);
        }
    }
    lines
}

/// What shipgate reads of `from...to` in `dir`: the three-dot diff, renames paired, then
/// every file's lines.
fn our_lines(dir: &Path, from: Option<&str>, to: &str) -> Record {
    let repo = Repo::open(dir).unwrap();
    let to = Oid::from_str(to).unwrap();
    let base = from.map(|from| {
        let from = Oid::from_str(from).unwrap();
        repo.merge_base(from, to).unwrap()
    });
    let files = repo.diff(base, to).unwrap();
    let mut record = Record::default();
    repo.lines(base, to, &files, &mut record).unwrap();
    // A repository that did not diff this change looks each path up in both trees
    // instead of taking the diff's blobs: it must read the same.
    let mut looked_up = Record::default();
    let fresh = Repo::open(dir).unwrap();
    fresh.lines(base, to, &files, &mut looked_up).unwrap();
    assert_eq!(
        looked_up, record,
        "blobs looked up by path differ from the diff's"
    );
    record
}

// ---- Generated histories ----------------------------------------------------------------

/// Lines that code is made of and that repeat: blank lines, braces, `end`, the same
/// statement. A block inserted among them can slide, and the indent heuristic decides
/// where git puts it.
const ALPHABET: [&str; 10] = [
    "",
    "}",
    "{",
    "fn a() {",
    "    x();",
    "    y();",
    "end",
    "def f():",
    "        return 1",
    "\t// note",
];

/// One file's text: lines from [`ALPHABET`], `\n` or `\r\n` after each (now and then a
/// mix), and a final newline or not.
#[derive(Debug, Clone)]
struct Text {
    lines: Vec<usize>,
    crlf: Vec<bool>,
    final_newline: bool,
}

impl Text {
    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, &l) in self.lines.iter().enumerate() {
            out.extend_from_slice(ALPHABET[l].as_bytes());
            if i + 1 < self.lines.len() || self.final_newline {
                if self.crlf[i % self.crlf.len()] {
                    out.push(b'\r');
                }
                out.push(b'\n');
            }
        }
        out
    }
}

/// An edit of a file's lines.
#[derive(Debug, Clone)]
enum Edit {
    /// A copy of the `len` lines starting at `from`, inserted at `at`: the block that
    /// makes a slider when it lands next to its own copy.
    Duplicate {
        from: usize,
        len: usize,
        at: usize,
    },
    Insert {
        at: usize,
        lines: Vec<usize>,
    },
    Delete {
        at: usize,
        len: usize,
    },
    Replace {
        at: usize,
        line: usize,
    },
}

fn apply(lines: &mut Vec<usize>, edit: &Edit) {
    let n = lines.len();
    match edit {
        Edit::Duplicate { from, len, at } if n > 0 => {
            let from = from % n;
            let end = (from + len).min(n);
            let block: Vec<usize> = lines[from..end].to_vec();
            let at = at % (n + 1);
            lines.splice(at..at, block);
        }
        Edit::Insert { at, lines: new } => {
            let at = at % (n + 1);
            lines.splice(at..at, new.iter().copied());
        }
        Edit::Delete { at, len } if n > 0 => {
            let at = at % n;
            let end = (at + len).min(n);
            lines.drain(at..end);
        }
        Edit::Replace { at, line } if n > 0 => lines[at % n] = *line,
        _ => {}
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<usize>(), 1..6usize, any::<usize>())
            .prop_map(|(from, len, at)| Edit::Duplicate { from, len, at }),
        2 => (any::<usize>(), prop::collection::vec(0..ALPHABET.len(), 1..5))
            .prop_map(|(at, lines)| Edit::Insert { at, lines }),
        1 => (any::<usize>(), 1..4usize).prop_map(|(at, len)| Edit::Delete { at, len }),
        1 => (any::<usize>(), 0..ALPHABET.len()).prop_map(|(at, line)| Edit::Replace { at, line }),
    ]
}

fn line_ends() -> impl Strategy<Value = Vec<bool>> {
    prop_oneof![
        4 => Just(vec![false]),
        2 => Just(vec![true]),
        1 => prop::collection::vec(any::<bool>(), 1..4),
    ]
}

/// Lines that both sides end with: a few, then just over one or two KiB of them. `git diff
/// -U0` trims a shared tail in whole KiB blocks before it diffs (see [`trim_common_tail`]),
/// so the diff ends a few lines after the edits, and the indent heuristic, which weighs
/// the lines after a slider, sees the end of the text where a diff with context sees
/// more lines.
fn tail() -> impl Strategy<Value = Vec<usize>> {
    (
        prop::collection::vec(0..ALPHABET.len(), 0..5),
        prop::collection::vec(0..ALPHABET.len(), 400),
        1..=2usize,
    )
        .prop_map(|(mut lines, pool, blocks)| {
            let mut size = 0;
            for l in pool {
                if size >= blocks * 1024 {
                    break;
                }
                size += ALPHABET[l].len() + 1;
                lines.push(l);
            }
            lines
        })
}

/// A file's two sides: absent (added or deleted), or a text and its edited copy, each
/// with its own line ends and final newline.
#[derive(Debug, Clone)]
struct Case {
    old: Option<Text>,
    new: Option<Text>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(0..ALPHABET.len(), 0..30),
        prop::collection::vec(edit(), 0..5),
        line_ends(),
        line_ends(),
        any::<bool>(),
        any::<bool>(),
        0..10u8,
        prop_oneof![2 => Just(Vec::new()), 1 => tail()],
    )
        .prop_map(
            |(lines, edits, old_ends, new_ends, old_nl, new_nl, shape, tail)| {
                let mut edited = lines.clone();
                for e in &edits {
                    apply(&mut edited, e);
                }
                // A tail of over 1 KiB that both sides share, which `git diff -U0` trims
                // before it diffs.
                let mut lines = lines;
                lines.extend(&tail);
                edited.extend(&tail);
                let old = Text {
                    lines,
                    crlf: old_ends,
                    final_newline: old_nl,
                };
                // Most files keep their line ends; some change them, a change git sees on
                // every line.
                let new_crlf = if shape % 4 == 0 {
                    new_ends
                } else {
                    old.crlf.clone()
                };
                let new = Text {
                    lines: edited,
                    crlf: new_crlf,
                    final_newline: if shape % 3 == 0 { new_nl } else { old_nl },
                };
                match shape {
                    0 => Case {
                        old: None,
                        new: Some(new),
                    },
                    1 => Case {
                        old: Some(old),
                        new: None,
                    },
                    _ => Case {
                        old: Some(old),
                        new: Some(new),
                    },
                }
            },
        )
}

/// A tree that holds `files` (path, bytes), in folders where a path has slashes.
fn write_tree(repo: &Repository, files: &[(String, Vec<u8>)]) -> Oid {
    let mut builder = repo.treebuilder(None).unwrap();
    let mut folders: BTreeMap<&str, Vec<(String, Vec<u8>)>> = BTreeMap::new();
    for (path, bytes) in files {
        match path.split_once('/') {
            Some((folder, rest)) => folders
                .entry(folder)
                .or_default()
                .push((rest.to_owned(), bytes.clone())),
            None => {
                let blob = repo.blob(bytes).unwrap();
                builder.insert(path, blob, 0o100644).unwrap();
            }
        }
    }
    for (folder, files) in folders {
        let tree = write_tree(repo, &files);
        builder.insert(folder, tree, 0o040000).unwrap();
    }
    builder.write().unwrap()
}

/// A commit whose tree holds `files` (path, bytes), on top of `parent`.
fn commit(repo: &Repository, files: &[(String, Vec<u8>)], parent: Option<Oid>) -> Oid {
    let tree = repo.find_tree(write_tree(repo, files)).unwrap();
    let sig = Signature::new(
        "Ada Lovelace",
        "ada@example.com",
        &Time::new(1_704_067_200, 0),
    )
    .unwrap();
    let parents: Vec<git2::Commit<'_>> = parent
        .map(|p| repo.find_commit(p).unwrap())
        .into_iter()
        .collect();
    let parents: Vec<&git2::Commit<'_>> = parents.iter().collect();
    repo.commit(None, &sig, &sig, "edit", &tree, &parents)
        .unwrap()
}

/// Builds base and head from `cases` (file `f<i>.txt` each) and compares shipgate's lines
/// with git's.
fn compare(cases: &[Case]) -> Result<(), TestCaseError> {
    let dir = TempDir::new().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let side = |new: bool| -> Vec<(String, Vec<u8>)> {
        cases
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let text = if new { &c.new } else { &c.old };
                text.as_ref().map(|t| (format!("f{i}.txt"), t.bytes()))
            })
            .collect()
    };
    let base = commit(&repo, &side(false), None);
    let head = commit(&repo, &side(true), Some(base));
    let (base, head) = (base.to_string(), head.to_string());
    let ours = our_lines(dir.path(), Some(&base), &head);
    prop_assert!(ours.unread.is_empty(), "{:?}", ours.unread);
    let theirs = git_lines(dir.path(), &format!("{base}...{head}"));
    prop_assert_eq!(ours.lines, theirs, "cases: {:#?}", cases);
    Ok(())
}

/// Generated edits (`SHIPGATE_TEST_LINES_CASES` sets how many, default 128): shipgate's
/// added line numbers and deleted counts are git's, file by file.
#[test]
fn generated_edits_match_git_diff() {
    let cases = std::env::var("SHIPGATE_TEST_LINES_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(128);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(case(), 1..4), |cases| {
        compare(&cases)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A slider whose placement only the indent heuristic decides: without it, libgit2 puts
/// the inserted block one line lower than git does.
#[test]
fn the_indent_heuristic_places_sliders_as_git_does() {
    let old = "    x();\nend\nend\nend\n\n";
    let new = "    x();\nend\n    x();\nend\nend\nend\nend\nend\n\n";
    let dir = TempDir::new().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let base = commit(&repo, &[("a.rs".into(), old.into())], None);
    let head = commit(&repo, &[("a.rs".into(), new.into())], Some(base));
    let ours = our_lines(dir.path(), Some(&base.to_string()), &head.to_string());
    let theirs = git_lines(dir.path(), &format!("{base}...{head}"));
    assert_eq!(ours.lines, theirs);
    assert_eq!(ours.lines[&b"a.rs"[..]], (vec![2, 3, 4, 5], 0));

    let mut plain = DiffOptions::new();
    plain.context_lines(0);
    let patch =
        Patch::from_buffers(old.as_bytes(), None, new.as_bytes(), None, Some(&mut plain)).unwrap();
    let (hunk, _) = patch.hunk(0).unwrap();
    assert_eq!(hunk.new_start(), 3, "libgit2's default is not git's");
}

#[test]
fn binary_and_large_files_are_told_not_read() {
    let dir = TempDir::new().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let mut large = b"x\n".repeat((MAX_TEXT_BYTES / 2 + 1) as usize);
    let base = commit(
        &repo,
        &[
            ("bin.dat".into(), b"a\0b\n".to_vec()),
            ("big.txt".into(), large.clone()),
        ],
        None,
    );
    large.extend_from_slice(b"y\n");
    let mut late_nul = vec![b'a'; BINARY_PROBE];
    late_nul.extend_from_slice(b"\0\n");
    let head = commit(
        &repo,
        &[
            ("bin.dat".into(), b"a\0c\n".to_vec()),
            ("big.txt".into(), large),
            // git reads only the first 8,000 bytes: a NUL after them is text.
            ("late.txt".into(), late_nul),
        ],
        Some(base),
    );
    let ours = our_lines(dir.path(), Some(&base.to_string()), &head.to_string());
    assert_eq!(
        ours.unread,
        [
            (b"big.txt".to_vec(), Unread::TooLarge(MAX_TEXT_BYTES + 4)),
            (b"bin.dat".to_vec(), Unread::Binary),
        ]
    );
    assert_eq!(ours.lines[&b"late.txt"[..]], (vec![1], 0));
}

#[test]
fn a_common_tail_is_trimmed_in_whole_blocks_back_to_a_line_end() {
    let tail = b"0123456789abcde\n".repeat(130);
    let a = [&b"x\n"[..], &tail].concat();
    let b = [&b"yy\n"[..], &tail].concat();
    let (ta, tb) = trim_common_tail(&a, &b);
    // Two blocks (2,048 bytes) match; the first line end in them is kept.
    assert_eq!(a.len() - ta.len(), 2048 - 16);
    assert_eq!(b.len() - tb.len(), 2048 - 16);
    assert!(ta.ends_with(b"\n") && tb.ends_with(b"\n"));
    let short = b"a\nb\n";
    assert_eq!(trim_common_tail(short, short), (&short[..], &short[..]));
}

/// The end of a test module from this repository's history, over 1 KiB: `git diff -U0`
/// trims it before diffing, so the indent heuristic sees the text end two lines after
/// the inserted `    }`, and puts it lower than a diff that sees the whole file.
const SHARED_TAIL: &str = r##"        assert!(checked_boxes("-[x] Marketing notified", &texts).is_empty());
        assert!(checked_boxes("- [x] Marketing noti", &texts).is_empty());
        assert!(checked_boxes("- [x] Marketing notif\u{0130}", &texts).is_empty());
    }

    #[test]
    fn html_comments_hide_placeholders() {
        assert_eq!(
            without_html_comments("a<!-- - [x] Marketing notified -->b"),
            "ab"
        );
        assert_eq!(without_html_comments("a\n<!--\nDocs: x\n-->\nc"), "a\n\nc");
        assert_eq!(without_html_comments("a <!-- open"), "a ");
        let texts = vec!["Marketing notified".to_owned()];
        let body = "<!--\n- [x] Marketing notified\n-->\n";
        assert!(checked_boxes(&without_html_comments(body), &texts).is_empty());
    }

    #[test]
    fn body_lines_need_a_value() {
        let keys = vec!["Docs".to_owned()];
        assert_eq!(
            body_lines("docs: https://x/y\nDocs:\nDocsy: z", &keys),
            ["docs: https://x/y"]
        );
    }
}
"##;

#[test]
fn added_lines_are_those_of_git_diff_u0_after_the_tail_is_trimmed() {
    let removed =
        r#"        assert!(checked_boxes("- [x] Marketing notifiedness", &texts).is_empty());"#;
    let added = r#"        assert!(checked_boxes("- [ ] Marketing notified", &texts).is_empty());"#;
    let old = format!("    }}\n{removed}\n{SHARED_TAIL}");
    let new = format!("        );\n    }}\n    }}\n{added}\n{SHARED_TAIL}");
    let dir = TempDir::new().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let base = commit(&repo, &[("a.rs".into(), old.clone().into())], None);
    let head = commit(&repo, &[("a.rs".into(), new.clone().into())], Some(base));
    let ours = our_lines(dir.path(), Some(&base.to_string()), &head.to_string());
    let theirs = git_lines(dir.path(), &format!("{base}...{head}"));
    assert_eq!(ours.lines, theirs);
    assert_eq!(ours.lines[&b"a.rs"[..]], (vec![1, 3, 4], 1));

    // Diffed whole, as `git diff` with context lines diffs it, the second `    }` is added.
    let mut options = DiffOptions::new();
    options.context_lines(0).indent_heuristic(true);
    let patch = Patch::from_buffers(
        old.as_bytes(),
        None,
        new.as_bytes(),
        None,
        Some(&mut options),
    )
    .unwrap();
    let added: Vec<u32> = (0..patch.num_hunks())
        .flat_map(|h| (0..patch.num_lines_in_hunk(h).unwrap()).map(move |l| (h, l)))
        .filter_map(|(h, l)| patch.line_in_hunk(h, l).unwrap().new_lineno())
        .collect();
    assert_eq!(added, [1, 2, 4]);
}

#[test]
fn lines_are_split_as_git_splits_them() {
    fn split(b: &[u8]) -> Vec<&[u8]> {
        split_lines(b).collect()
    }
    assert!(split(b"").is_empty());
    assert_eq!(split(b"\n"), [b""]);
    assert_eq!(split(b"a\r\nb"), [&b"a"[..], b"b"]);
    assert_eq!(split(b"a\n\n"), [&b"a"[..], b""]);
    assert_eq!(line_count(b"a\r\nb\r\n"), 2);
}

// ---- This repository's own history ----------------------------------------------------

/// Ranges of this repository's history (when the tests run in a clone of it) give the same
/// lines as git: each first-parent commit against its parent, and spans of 5 and 20
/// commits. A shallow clone has fewer commits to offer; a copy without `.git`, none.
#[test]
fn this_repository_s_history_matches_git_diff() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Ok(repo) = Repository::open(dir) else {
        return;
    };
    // The first-parent chain back from HEAD, as far as the clone holds it.
    let mut chain = Vec::new();
    let mut next = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    while let Some(commit) = next {
        chain.push(commit.id().to_string());
        next = commit.parent(0).ok();
    }
    let mut ranges: Vec<(String, String)> = chain
        .windows(2)
        .map(|w| (w[1].clone(), w[0].clone()))
        .collect();
    for span in [5, 20] {
        ranges.extend(
            chain
                .iter()
                .zip(chain.iter().skip(span))
                .step_by(span)
                .map(|(head, base)| (base.clone(), head.clone())),
        );
    }
    let mut compared = 0;
    for (base, head) in &ranges {
        let ours = our_lines(dir, Some(base), head);
        let theirs = git_lines(dir, &format!("{base}...{head}"));
        // A file over the size cap has hunks in git's output and none in shipgate's.
        let theirs: Lines = theirs
            .into_iter()
            .filter(|(path, _)| ours.unread.iter().all(|(p, _)| p != path))
            .collect();
        assert_eq!(ours.lines, theirs, "{base}...{head}");
        compared += 1;
    }
    assert_eq!(compared, ranges.len());
}

// ---- Many files, read on several threads -------------------------------------------------

/// What a sink is told of one file.
#[derive(Debug, Clone, PartialEq)]
enum Event {
    Lines {
        path: Vec<u8>,
        added: Vec<(u32, Vec<u8>)>,
        added_count: u64,
        deleted_count: u64,
    },
    Unread(Vec<u8>, Unread),
}

/// Records everything it is told, in order: the added lines' numbers and text, the counts,
/// the files not read. It wants what [`need_of`] says.
#[derive(Debug, Default, PartialEq)]
struct Events(Vec<Event>);

impl LineSink for Events {
    fn need(&self, file: &FileChange) -> Need {
        need_of(&file.path)
    }

    fn file(&mut self, lines: &FileLines<'_>) {
        self.0.push(Event::Lines {
            path: lines.file.path.clone(),
            added: (lines.added.iter())
                .map(|line| (line.number, line.text.to_vec()))
                .collect(),
            added_count: lines.added_count,
            deleted_count: lines.deleted_count,
        });
    }

    fn unread(&mut self, file: &FileChange, why: Unread) {
        self.0.push(Event::Unread(file.path.clone(), why));
    }
}

/// The lines of most files, the counts of some, and nothing of a few, by the path's bytes;
/// the lines of every file not named `f<number>`.
fn need_of(path: &[u8]) -> Need {
    if !path.windows(2).any(|w| w == b"/f") {
        return Need::Lines;
    }
    match path.iter().map(|&b| usize::from(b)).sum::<usize>() % 7 {
        0 => Need::Nothing,
        1 | 2 => Need::Counts,
        _ => Need::Lines,
    }
}

impl Event {
    fn path(&self) -> &[u8] {
        match self {
            Event::Lines { path, .. } | Event::Unread(path, _) => path,
        }
    }
}

/// One thread, or this many workers whatever the number of files.
const ONE: fn(usize) -> usize = |_| 1;
const TWO: fn(usize) -> usize = |_| 2;
const THREE: fn(usize) -> usize = |_| 3;

/// The text of file `i`: numbered lines among lines that repeat (so that edits make
/// sliders), some with CRLF, some without a final newline.
fn text_of(i: usize, lines: usize) -> Vec<u8> {
    let end = if i.is_multiple_of(11) { "\r\n" } else { "\n" };
    let mut text = String::new();
    for k in 0..lines {
        let line = match k % 5 {
            0 => format!("fn f{i}_{k}() {{"),
            1 => "    x();".to_owned(),
            2 | 3 => "}".to_owned(),
            _ => String::new(),
        };
        text.push_str(&line);
        text.push_str(end);
    }
    if i.is_multiple_of(13) {
        text.truncate(text.len() - end.len());
    }
    text.into_bytes()
}

/// Base and head of a change of `count` files in nested folders, most edited, the others
/// added, deleted, moved (changed or not), made binary or too large, and three added
/// files large enough that a worker sends its block in parts.
/// [`many_files`] in a repository of its own, opened, with the change's files.
fn many_files_changed(count: usize) -> (TempDir, Repo, (Oid, Oid), Vec<FileChange>) {
    let dir = TempDir::new().unwrap();
    let range = many_files(&Repository::init(dir.path()).unwrap(), count);
    let repo = Repo::open(dir.path()).unwrap();
    let files = repo.diff(Some(range.0), range.1).unwrap();
    (dir, repo, range, files)
}

fn many_files(repo: &Repository, count: usize) -> (Oid, Oid) {
    let path = |i: usize| {
        let sub = if i.is_multiple_of(3) { "sub/" } else { "" };
        format!("d{}/{sub}f{i:04}.txt", i % 9)
    };
    let (mut base, mut head) = (Vec::new(), Vec::new());
    for i in 0..count {
        let old = text_of(i, 10 + i % 40);
        let mut new = old.clone();
        let at = new.len() / 2;
        let inserted = format!("    y{i}();\n}}\n\n    x();\n");
        new.splice(at..at, inserted.bytes());
        match i % 20 {
            0 => head.push((path(i), new)),
            1 => base.push((path(i), old)),
            2 => {
                base.push((path(i), old));
                head.push((path(i), [&b"\0"[..], &new].concat()));
            }
            3 => {
                head.push((format!("moved/f{i:04}.txt"), old.clone()));
                base.push((path(i), old));
            }
            4 => {
                head.push((format!("moved/f{i:04}.txt"), new));
                base.push((path(i), old));
            }
            _ => {
                base.push((path(i), old));
                head.push((path(i), new));
            }
        }
    }
    let mut large = b"a line of a large file\n".repeat(MAX_TEXT_BYTES as usize / 23 + 1);
    base.push(("d4/large.txt".into(), large.clone()));
    large.extend_from_slice(b"one more\n");
    head.push(("d4/large.txt".into(), large));
    for n in 0..3 {
        let lines = (0..20_000).map(|k| format!("generated {n} line {k}\n"));
        head.push((
            format!("d5/gen{n}.txt"),
            lines.collect::<String>().into_bytes(),
        ));
    }
    let base = commit(repo, &base, None);
    let head = commit(repo, &head, Some(base));
    (base, head)
}

/// What `repo` tells of `files` on as many threads as `workers` says.
fn events(
    repo: &Repo,
    base: Oid,
    head: Oid,
    files: &[FileChange],
    workers: fn(usize) -> usize,
) -> Result<Events, (anyhow::Error, Events)> {
    let mut events = Events::default();
    match repo.lines_on(Some(base), head, files, &mut events, workers) {
        Ok(()) => Ok(events),
        Err(e) => Err((e, events)),
    }
}

/// A change large enough for threads is told on them exactly as one thread tells it: the
/// same files in the same order, the same lines, counts and unread files, with the blobs
/// from the diff or looked up by path; and its lines are git's.
#[test]
fn many_files_read_on_threads_are_told_as_on_one_thread() {
    let (dir, repo, (base, head), files) = many_files_changed(700);
    let read = (files.iter())
        .filter(|f| need_of(&f.path) != Need::Nothing && !f.same_content)
        .count();
    assert!(read > 2 * THREADS_FROM, "{read} files to read");
    assert!(files.iter().any(|f| f.same_content));

    let one = events(&repo, base, head, &files, ONE).unwrap();
    // What the files are, so that the comparison compares something.
    let unread: Vec<_> = (one.0.iter())
        .filter_map(|told| match told {
            Event::Unread(path, why) => Some((path.as_slice(), *why)),
            Event::Lines { .. } => None,
        })
        .collect();
    // 45,591 lines of 23 bytes and one of 9.
    assert!(unread.contains(&(&b"d4/large.txt"[..], Unread::TooLarge(1_048_602))));
    let binary = unread.iter().filter(|(_, why)| *why == Unread::Binary);
    assert_eq!(binary.count(), 30);
    let counted = (one.0.iter())
        .filter(|told| matches!(told, Event::Lines { added, added_count, .. } if added.is_empty() && *added_count > 0))
        .count();
    assert!(counted > 100, "{counted} files counted only");
    let generated = (one.0.iter())
        .find(|told| told.path() == b"d5/gen0.txt")
        .unwrap();
    assert!(matches!(generated, Event::Lines { added, .. } if added.len() == 20_000));
    // The order of the change's files, each told at most once.
    let order: Vec<usize> = (one.0.iter())
        .map(|told| files.iter().position(|f| f.path == told.path()).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]));
    assert!(
        order.len() > files.len() / 2,
        "{} of {} files told",
        order.len(),
        files.len()
    );

    for workers in [TWO, THREE] {
        assert_eq!(events(&repo, base, head, &files, workers).unwrap(), one);
        // Without the diff's blobs, each worker looks the paths up in its trees.
        let fresh = Repo::open(dir.path()).unwrap();
        assert_eq!(events(&fresh, base, head, &files, workers).unwrap(), one);
    }
    let mut default = Events::default();
    repo.lines(Some(base), head, &files, &mut default).unwrap();
    assert_eq!(default, one);

    let mut threaded = Record::default();
    repo.lines_on(Some(base), head, &files, &mut threaded, THREE)
        .unwrap();
    let theirs: Lines = git_lines(dir.path(), &format!("{base}...{head}"))
        .into_iter()
        .filter(|(path, _)| threaded.unread.iter().all(|(p, _)| p != path))
        .collect();
    assert_eq!(threaded.lines, theirs);
}

/// A blob that cannot be read in the middle of a change read on threads fails the read
/// with the error one thread meets, after telling the sink the same files: that of the
/// first broken file in the order of files, near the end of a block, and not that of a
/// file broken near the start of the next block, which another worker reads (and most
/// likely fails on first).
#[test]
fn an_unreadable_blob_midway_fails_as_on_one_thread() {
    let dir = TempDir::new().unwrap();
    let git = Repository::init(dir.path()).unwrap();
    let path = |i: usize| format!("d{}/f{i:04}.txt", i / 100);
    let base: Vec<_> = (0..600).map(|i| (path(i), text_of(i, 30))).collect();
    let mut head = base.clone();
    for (i, (_, text)) in head.iter_mut().enumerate() {
        text.extend_from_slice(format!("added to {i}\n").as_bytes());
    }
    let base = commit(&git, &base, None);
    let head_commit = commit(&git, &head, Some(base));
    let wanted: Vec<usize> = (0..600)
        .filter(|&i| need_of(path(i).as_bytes()) != Need::Nothing)
        .collect();
    let broken = [wanted[5 * BLOCK_FILES - 3], wanted[5 * BLOCK_FILES + 1]];
    // Break the checksum of their blobs at head: their size still reads, their bytes not.
    for i in broken {
        let blob = git.blob(&head[i].1).unwrap();
        let hex = blob.to_string();
        let path = dir
            .path()
            .join(".git/objects")
            .join(&hex[..2])
            .join(&hex[2..]);
        let object = [format!("blob {}\0", head[i].1.len()).as_bytes(), &head[i].1].concat();
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, zlib_stored(&object, adler32(&object))).unwrap();
        // Written whole, the object reads: what breaks it below is the checksum alone.
        let reopened = Repository::open(dir.path()).unwrap();
        assert_eq!(reopened.find_blob(blob).unwrap().content(), &head[i].1[..]);
        std::fs::write(&path, zlib_stored(&object, adler32(&object) ^ 1)).unwrap();
    }
    let repo = Repo::open(dir.path()).unwrap();
    let files = repo.diff(Some(base), head_commit).unwrap();
    assert_eq!(files.len(), 600);

    let (error, told) = events(&repo, base, head_commit, &files, ONE).unwrap_err();
    let message = format!("{error:#}");
    let first = format!("could not read `{}`: ", path(broken[0]));
    assert!(message.starts_with(&first), "{message}");
    // Every file before it that the sink wants, and none after.
    assert_eq!(told.0.len(), 5 * BLOCK_FILES - 3);
    assert_eq!(
        told.0.last().unwrap().path(),
        files[wanted[5 * BLOCK_FILES - 4]].path
    );
    for workers in [TWO, THREE] {
        let (threaded, threaded_told) =
            events(&repo, base, head_commit, &files, workers).unwrap_err();
        assert_eq!(format!("{threaded:#}"), message);
        assert_eq!(threaded_told, told);
    }
}

/// `bytes` as a zlib stream of stored (not compressed) blocks that ends with `check`, the
/// Adler-32 checksum of `bytes` or not.
fn zlib_stored(bytes: &[u8], check: u32) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = bytes.chunks(usize::from(u16::MAX)).collect();
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap();
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend(check.to_be_bytes());
    out
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// A worker that panics panics the read, with its own message, after the sink was told
/// the blocks before the worker's.
#[test]
fn a_worker_s_panic_is_raised_on_the_calling_thread() {
    let (_dir, repo, (base, head), files) = many_files_changed(200);
    let base_tree = repo.git2().find_commit(base).unwrap().tree_id();
    let head_tree = repo.git2().find_commit(head).unwrap().tree_id();
    let needs = vec![Need::Lines; files.len()];
    let wanted: Vec<usize> = (0..files.len())
        .filter(|&i| !files[i].same_content)
        .collect();
    let work = Work {
        repo: repo.git2().path(),
        trees: (Some(base_tree), head_tree),
        diffed: None,
        files: &files,
        needs: &needs,
        wanted: &wanted,
        workers: 2,
    };
    let mut record = Record::default();
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        work.run_with(&mut record, |worker, send, halt| {
            if worker == 1 {
                panic!("worker {worker} fell over");
            }
            work.work(worker, send, halt);
        })
    }))
    .unwrap_err();
    assert_eq!(
        panic.downcast_ref::<String>().map(String::as_str),
        Some("worker 1 fell over")
    );
    // Block 0, read by worker 0, was handed on; block 1 was worker 1's.
    let mut first_block = Record::default();
    let block = Work {
        wanted: &wanted[..BLOCK_FILES],
        ..work
    };
    block.run(&mut first_block).unwrap();
    assert!(!first_block.lines.is_empty());
    assert_eq!(record, first_block);
}

/// A linked worktree's repository is opened again by its workers, which read its
/// objects in the main repository.
#[test]
fn a_linked_worktree_is_read_on_threads() {
    let dir = TempDir::new().unwrap();
    let main = dir.path().join("main");
    let (base, head) = many_files(&Repository::init(&main).unwrap(), 300);
    let linked = dir.path().join("linked");
    git(
        &main,
        &[
            "worktree",
            "add",
            "--detach",
            linked.to_str().unwrap(),
            &head.to_string(),
        ],
    );
    let repo = Repo::open(&linked).unwrap();
    assert!(repo.git2().is_worktree());
    let files = repo.diff(Some(base), head).unwrap();
    let one = events(&repo, base, head, &files, ONE).unwrap();
    assert!(one.0.len() > 200);
    assert_eq!(events(&repo, base, head, &files, TWO).unwrap(), one);
}

#[test]
fn a_few_files_are_read_on_the_calling_thread() {
    assert_eq!(workers_for(0), 1);
    assert_eq!(workers_for(THREADS_FROM - 1), 1);
    for files in [THREADS_FROM, 100_000] {
        let workers = workers_for(files);
        assert!((1..=MAX_WORKERS).contains(&workers), "{workers}");
        assert!(workers <= files.div_ceil(BLOCK_FILES));
    }
}

/// Workers read a change only when the repository's packs, with its alternates', fit in
/// what libgit2 maps of packs while files are read; loose objects do not count, nor a
/// pack's index.
#[test]
fn packs_fit_with_their_alternates_and_without_loose_objects() {
    let dir = TempDir::new().unwrap();
    let git = Repository::init(dir.path()).unwrap();
    commit(&git, &[("a.txt".into(), b"a\n".to_vec())], None);
    let repo = Repo::open(dir.path()).unwrap();
    let objects = dir.path().join(".git/objects");
    assert_eq!(pack_bytes(&objects), 0);
    assert!(repo.packs_fit());
    // Sparse files: only their length is read.
    let sized = |path: &Path, len: usize| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let file = std::fs::File::create(path).unwrap();
        file.set_len(len as u64).unwrap();
    };
    let half = PACK_MAPPED_FOR_BLOBS / 2;
    sized(&objects.join("pack/pack-1.pack"), half);
    sized(&objects.join("pack/pack-1.idx"), PACK_MAPPED_FOR_BLOBS);
    assert_eq!(pack_bytes(&objects), half as u64);
    assert!(repo.packs_fit());

    let other = TempDir::new().unwrap();
    sized(&other.path().join("objects/pack/pack-2.pack"), half);
    let alternates = format!("# shared\n{}\n", other.path().join("objects").display());
    std::fs::write(objects.join("info/alternates"), alternates).unwrap();
    assert_eq!(pack_bytes(&objects), PACK_MAPPED_FOR_BLOBS as u64);
    assert!(repo.packs_fit());
    sized(&other.path().join("objects/pack/pack-3.pack"), 1);
    assert!(!repo.packs_fit());
}
