//! `tests`: "We're big fans of Test Driven Development (TDD)." Source files (`sources`)
//! that the change adds or edits, when no test file (`tests`) is added or edited, is a
//! finding at the first such source file. A file the `tests` globs match is a test even
//! under a source folder; deleted files and files merely moved count for neither side.

use super::{Ctx, Sink};
use crate::judge::change::display_path;

pub(super) fn check(ctx: &Ctx<'_>, sink: &mut Sink) {
    let cfg = &ctx.policy.checks.tests;
    let counted = ctx
        .change
        .files
        .iter()
        .filter(|f| f.has_new_content() && !cfg.exclude.is_match(&f.path));
    let mut sources = Vec::new();
    for file in counted {
        if cfg.tests.is_match(&file.path) {
            sink.note(format!("test file {} changed", display_path(&file.path)));
            return;
        }
        if cfg.sources.is_match(&file.path) {
            sources.push(&file.path);
        }
    }
    let Some(first) = sources.first() else {
        sink.note("no source file changed".to_owned());
        return;
    };
    let n = sources.len();
    sink.at(
        format!(
            "{n} source file{} changed and no test file did: add or update a test with the change",
            if n == 1 { "" } else { "s" }
        ),
        first,
        None,
        String::new(),
    );
}
