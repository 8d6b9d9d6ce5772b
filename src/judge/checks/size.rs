//! `size`: "PRs should ideally be sized to be doable in one day." More added + deleted
//! lines than `max-lines`, over the text files the change touches, is a finding about the
//! whole change. Binary files, files over the read cap and `exclude` (lockfiles) are not
//! counted.

use super::{Ctx, Sink};

/// The lines counted so far, file by file.
#[derive(Debug, Default)]
pub(super) struct Tally {
    lines: u64,
    /// Counted files with their changed lines, to name the largest.
    files: Vec<(String, u64)>,
    pub(super) binary: usize,
    pub(super) too_large: usize,
}

impl Tally {
    pub(super) fn count(&mut self, path: &str, lines: u64) {
        self.lines += lines;
        if lines > 0 {
            self.files.push((path.to_owned(), lines));
        }
    }
}

/// How many of the largest files a finding names.
const NAMED: usize = 3;

pub(super) fn check(ctx: &Ctx<'_>, tally: &Tally, sink: &mut Sink) {
    let max = ctx.policy.checks.size.max_lines;
    let files = tally.files.len();
    let mut counted = format!(
        "{} line{} changed in {files} file{}",
        tally.lines,
        plural(tally.lines as usize),
        plural(files)
    );
    let skipped: Vec<String> = [
        (tally.binary, "binary"),
        (tally.too_large, "too large to read"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if !skipped.is_empty() {
        counted.push_str(&format!(" (not counted: {})", skipped.join(", ")));
    }
    if tally.lines <= max {
        sink.note(format!("{counted}; at most {max}"));
        return;
    }
    let mut largest: Vec<&(String, u64)> = tally.files.iter().collect();
    largest.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let named: Vec<String> = largest
        .iter()
        .take(NAMED)
        .map(|(path, n)| format!("{path} ({n})"))
        .collect();
    sink.change(format!(
        "{counted}, more than {max}: a pull request should be doable in one day; split it (largest: {})",
        named.join(", ")
    ));
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
