//! `leftovers`: "There's nothing more annoying than an extra 30min review cycle that starts
//! with ... remove that console.log please". An **added** line of a file of a known kind
//! (`languages`: its `files` globs) that matches one of that kind's debug patterns is a
//! finding at that line. Context and deleted lines never are.

use super::lines::FileLines;
use super::{Sink, allows, line_text};
use crate::judge::change::FileChange;
use crate::judge::policy::checks::Leftovers;
use crate::judge::verdict::CheckId;

/// Whether the check reads `file`: it is of a known kind and not excluded.
pub(super) fn reads(cfg: &Leftovers, file: &FileChange) -> bool {
    !cfg.exclude.is_match(&file.path) && cfg.languages.iter().any(|l| l.files.is_match(&file.path))
}

/// A finding quotes at most this many characters of what matched.
const QUOTED: usize = 60;

pub(super) fn lines(cfg: &Leftovers, lines: &FileLines<'_>, sink: &mut Sink) {
    // The first kind whose files match decides, as a file has one kind.
    let Some(language) = cfg
        .languages
        .iter()
        .find(|l| l.files.is_match(&lines.file.path))
    else {
        return;
    };
    for line in lines.added {
        let text = line_text(line.text);
        let Some(i) = language.set.set().matches(&text).into_iter().next() else {
            continue;
        };
        if allows(&text, CheckId::Leftovers) {
            continue;
        }
        let found = language.patterns[i]
            .regex()
            .find(&text)
            .map_or("", |m| m.as_str())
            .trim();
        let quoted: String = found.chars().take(QUOTED).collect();
        sink.at(
            format!(
                "`{quoted}` added: a debug leftover ({} file); remove it, or mark the line `shipgate:allow leftovers` if it is meant to stay",
                language.name
            ),
            &lines.file.path,
            Some(line.number),
            text.trim().to_owned(),
        );
    }
}
