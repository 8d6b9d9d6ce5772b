//! The added line numbers (and deleted line counts) of [`Repo::lines`] against
//! `git diff -U0 --no-color base...head` itself: on generated histories whose edits make
//! sliders (a block that could sit higher or lower among repeated lines, where the indent
//! heuristic decides), CRLF files and files without a final newline; and on ranges of
//! this repository's own history.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use git2::{Oid, Repository, Signature, Time};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tempfile::TempDir;

use super::*;

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

/// git, run with no user or system configuration, so that what it does is its default.
fn git(dir: &Path, args: &[&str]) -> Vec<u8> {
    let home = TempDir::new().unwrap();
    let out = Command::new("git")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("LC_ALL", "C")
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
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

/// A commit whose tree holds `files` (path, bytes), on top of `parent`.
fn commit(repo: &Repository, files: &[(String, Vec<u8>)], parent: Option<Oid>) -> Oid {
    let mut builder = repo.treebuilder(None).unwrap();
    for (path, bytes) in files {
        let blob = repo.blob(bytes).unwrap();
        builder.insert(path, blob, 0o100644).unwrap();
    }
    let tree = repo.find_tree(builder.write().unwrap()).unwrap();
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
