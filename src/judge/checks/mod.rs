//! The handbook's small rules as checks (SPEC §16): one module per check, each a pure
//! function of the change, the policy and the facts gathered for it, reporting typed
//! findings into a [`Sink`].
//!
//! A run goes in three steps, so that line-level facts are read only when a check needs
//! them and one file at a time: [`Run::new`] takes the checks the stage runs;
//! the gathering side asks the run what it needs of each changed file
//! ([`LineSink::need`]) and hands it each file's lines ([`LineSink::file`]); then
//! [`Run::finish`] settles what needs the whole change (the size, the registry's keys,
//! the commit messages, the reviews) and gives one [`CheckResult`] per check.
//!
//! The checks that read lines only ever look at lines the change **adds**: context and
//! deleted lines cannot make a finding. A line that is meant to be there is kept out by a
//! marker in a comment on it: `shipgate:allow <id>[, <id>...]` ([`allows`]).

mod flag_refs;
mod issue_link;
mod leftovers;
pub(crate) mod lines;
pub(crate) mod review;
mod size;
mod tests;

use std::collections::BTreeMap;

use crate::judge::change::{Change, FileChange, display_path};
use crate::judge::policy::Policy;
use crate::judge::policy::checks::CheckLevel;
use crate::judge::verdict::{CheckId, CheckResult, CheckStatus, Finding, Level};
use crate::names::name;
use lines::{FileLines, LineSink, Need, Unread};
pub(crate) use review::ReviewFacts;

/// A check lists at most this many findings; the note counts the others.
const MAX_FINDINGS: usize = 1_000;

/// What a check found: findings, and what it says besides them.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    findings: Vec<Finding>,
    /// Findings past [`MAX_FINDINGS`], counted and not kept.
    more: usize,
    note: Option<String>,
    /// Set when the check could not look at what it needs.
    blind: bool,
}

impl Sink {
    /// A finding about the whole change.
    pub(crate) fn change(&mut self, message: String) {
        self.push(Finding {
            message,
            path: None,
            line: None,
            path_exact: false,
            key: String::new(),
        });
    }

    /// A finding at `path` (as git has it) and `line` (`None` for the whole file); `key`
    /// tells it apart from the check's other findings wherever its line moves.
    pub(crate) fn at(&mut self, message: String, path: &[u8], line: Option<u32>, key: String) {
        let shown = display_path(path);
        self.push(Finding {
            message,
            path_exact: shown.as_bytes() == path,
            path: Some(shown),
            line,
            key,
        });
    }

    fn push(&mut self, finding: Finding) {
        if self.findings.len() >= MAX_FINDINGS {
            self.more += 1;
            return;
        }
        self.findings.push(finding);
    }

    pub(crate) fn note(&mut self, note: String) {
        self.note = Some(note);
    }

    /// The check could not look at what it needs, for the reason `why`; it finds nothing.
    pub(crate) fn could_not_look(&mut self, why: &str) {
        self.findings.clear();
        self.more = 0;
        self.blind = true;
        self.note(format!("could not look: {why}"));
    }
}

/// What the checks that need the whole change see of it.
pub(crate) struct Ctx<'a> {
    pub(crate) change: &'a Change,
    pub(crate) policy: &'a Policy,
    /// The flag registry's keys at head, when a flag call was found and the registry read;
    /// `None` when there is no registry at head.
    pub(crate) registry: Option<&'a BTreeMap<String, Option<String>>>,
    /// What the GitHub API says of the pull request's reviews.
    pub(crate) review: &'a ReviewFacts,
}

/// The checks of one stage, between reading the change's lines and the verdict.
pub(crate) struct Run<'p> {
    policy: &'p Policy,
    /// The checks that run, with their level, in report order.
    enabled: Vec<(CheckId, Level)>,
    sinks: BTreeMap<CheckId, Sink>,
    size: size::Tally,
    flag_calls: Vec<flag_refs::Call>,
    /// Files over the size cap, which no check could read.
    too_large: Vec<String>,
    /// Checks that could not look at what they need, and why: they find nothing.
    unknown: BTreeMap<CheckId, String>,
}

impl<'p> Run<'p> {
    /// The checks that `stage` runs under `policy`.
    pub(crate) fn new(policy: &'p Policy, stage: &str) -> Run<'p> {
        let enabled: Vec<(CheckId, Level)> = CheckId::ALL
            .into_iter()
            .filter_map(|id| match policy.checks.level(id, stage) {
                CheckLevel::Off => None,
                CheckLevel::Warn => Some((id, Level::Warn)),
                CheckLevel::Required => Some((id, Level::Required)),
            })
            .collect();
        Run {
            policy,
            sinks: enabled
                .iter()
                .map(|(id, _)| (*id, Sink::default()))
                .collect(),
            enabled,
            size: size::Tally::default(),
            flag_calls: Vec::new(),
            too_large: Vec::new(),
            unknown: BTreeMap::new(),
        }
    }

    /// The level of `id` at this stage, `None` when it is off.
    pub(crate) fn level(&self, id: CheckId) -> Option<Level> {
        self.enabled
            .iter()
            .find(|(each, _)| *each == id)
            .map(|(_, level)| *level)
    }

    fn runs(&self, id: CheckId) -> bool {
        self.level(id).is_some()
    }

    /// Whether any check that runs reads line-level facts.
    pub(crate) fn needs_lines(&self) -> bool {
        [CheckId::Size, CheckId::Leftovers, CheckId::FlagRefs]
            .into_iter()
            .any(|id| self.runs(id))
    }

    /// The flag keys that added lines call, when the registry must be read to judge them.
    pub(crate) fn called_flags(&self) -> bool {
        !self.flag_calls.is_empty()
    }

    /// The checks that read lines could not have them, for the reason `why`.
    pub(crate) fn lines_unknown(&mut self, why: &str) {
        for id in [CheckId::Size, CheckId::Leftovers, CheckId::FlagRefs] {
            if self.runs(id) {
                self.could_not_look(id, why.to_owned());
            }
        }
    }

    /// Check `id` could not look at what it needs, for the reason `why`: it says so and
    /// finds nothing.
    pub(crate) fn could_not_look(&mut self, id: CheckId, why: String) {
        self.unknown.insert(id, why);
    }

    /// A note for the report on the files too large to be read line by line; `None` when
    /// there were none.
    pub(crate) fn unread_note(&self) -> Option<String> {
        let (first, rest) = self.too_large.split_first()?;
        let files = match rest.len() {
            0 => format!("`{first}` is"),
            n => format!(
                "`{first}` and {n} more file{} are",
                if n == 1 { "" } else { "s" }
            ),
        };
        Some(format!(
            "{files} over {} KiB, so the checks did not read {} line by line",
            lines::MAX_TEXT_BYTES / 1024,
            if rest.is_empty() { "it" } else { "them" }
        ))
    }

    /// Every check's result, in report order.
    pub(crate) fn finish(mut self, ctx: &Ctx<'_>) -> Vec<CheckResult> {
        for (id, _) in self.enabled.clone() {
            let sink = self.sinks.get_mut(&id).expect("a sink per check that runs");
            if let Some(why) = self.unknown.get(&id) {
                sink.could_not_look(why);
                continue;
            }
            match id {
                CheckId::Size => size::check(ctx, &self.size, sink),
                CheckId::IssueLink => issue_link::check(ctx, sink),
                CheckId::Leftovers => {}
                CheckId::Tests => tests::check(ctx, sink),
                CheckId::FlagRefs => flag_refs::check(ctx, &self.flag_calls, sink),
                CheckId::Review => review::check(ctx, sink),
            }
        }
        self.enabled
            .iter()
            .map(|&(id, level)| {
                let sink = self.sinks.remove(&id).expect("a sink per check that runs");
                let mut note = sink.note;
                if sink.more > 0 {
                    let more = format!("{} more findings not listed", sink.more);
                    note = Some(match note {
                        Some(n) => format!("{n}; {more}"),
                        None => more,
                    });
                }
                CheckResult {
                    id,
                    description: id.description().to_owned(),
                    level,
                    status: if sink.findings.is_empty() {
                        CheckStatus::Ok
                    } else {
                        CheckStatus::Findings
                    },
                    findings: sink.findings,
                    note,
                    looked: !sink.blind,
                }
            })
            .collect()
    }
}

impl LineSink for Run<'_> {
    fn need(&self, file: &FileChange) -> Need {
        let checks = &self.policy.checks;
        let mut need = Need::Nothing;
        if self.runs(CheckId::Size) && !checks.size.exclude.is_match(&file.path) {
            need = Need::Counts;
        }
        // Only a file with content at head has added lines.
        if file.exists_at_head()
            && ((self.runs(CheckId::Leftovers) && leftovers::reads(&checks.leftovers, file))
                || (self.runs(CheckId::FlagRefs) && !checks.flag_refs.exclude.is_match(&file.path)))
        {
            need = Need::Lines;
        }
        need
    }

    fn file(&mut self, lines: &FileLines<'_>) {
        let checks = &self.policy.checks;
        if self.runs(CheckId::Size) && !checks.size.exclude.is_match(&lines.file.path) {
            let path = display_path(&lines.file.path);
            self.size
                .count(&path, lines.added_count + lines.deleted_count);
        }
        if self.runs(CheckId::Leftovers) && leftovers::reads(&checks.leftovers, lines.file) {
            let sink = self.sinks.get_mut(&CheckId::Leftovers).expect("it runs");
            leftovers::lines(&checks.leftovers, lines, sink);
        }
        if self.runs(CheckId::FlagRefs) && !checks.flag_refs.exclude.is_match(&lines.file.path) {
            flag_refs::lines(&checks.flag_refs, lines, &mut self.flag_calls);
        }
    }

    fn unread(&mut self, file: &FileChange, why: Unread) {
        // `size` says what it did not count, among the files it would have counted.
        let sized =
            self.runs(CheckId::Size) && !self.policy.checks.size.exclude.is_match(&file.path);
        match why {
            Unread::Binary => self.size.binary += usize::from(sized),
            Unread::TooLarge(_) => {
                self.size.too_large += usize::from(sized);
                self.too_large.push(display_path(&file.path));
            }
        }
    }
}

/// Whether `text`, an added line, carries `shipgate:allow` naming `id`. The marker sits in
/// a comment, whatever the language writes comments with (`// shipgate:allow leftovers`,
/// `# shipgate:allow leftovers, flag-refs`); the ids follow it, separated by spaces or
/// commas, and the first word that is no check id ends them (a reason may follow).
pub(crate) fn allows(text: &str, id: CheckId) -> bool {
    const MARKER: &str = "shipgate:allow";
    let mut rest = text;
    while let Some(at) = rest.find(MARKER) {
        rest = &rest[at + MARKER.len()..];
        if !rest.starts_with(char::is_whitespace) {
            continue;
        }
        for word in rest
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|word| !word.is_empty())
        {
            // An id may end the comment or its sentence: `leftovers*/`, `leftovers:`.
            let head = word.trim_end_matches(|c: char| !(c.is_ascii_lowercase() || c == '-'));
            match CheckId::ALL.into_iter().find(|each| name(each) == head) {
                Some(each) if each == id => return true,
                Some(_) if head.len() == word.len() => {}
                _ => break,
            }
        }
    }
    false
}

/// An added line as text for matching: lossy where it is not UTF-8, since a debug call or
/// a flag key is ASCII.
fn line_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

#[cfg(test)]
mod unit;
