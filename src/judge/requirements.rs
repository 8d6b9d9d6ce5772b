//! The requirement checks, the override and the verdict: a pure function from a change,
//! its classification and the policy to a [`Report`].
//!
//! Evidence kinds are shared by every requirement (a docs requirement and a changelog
//! requirement both look at paths and trailers), so the policy composes requirements from
//! them instead of each requirement having code of its own; custom requirements work the
//! same way as the built-in four.

use crate::judge::change::{Author, Change, Commit, FlagChangeKind, display_path};
use crate::judge::mentions::mentioned;
use crate::judge::policy::{Drafts, Evidence, Policy, Requirement, Stage, same_name};
use crate::judge::stage::Classification;
use crate::judge::trailers::Trailer;
use crate::judge::verdict::{
    EvidenceItem, EvidenceSource, Level, Override, OverrideSource, RangeInfo, RangeKind, Report,
    RequirementResult, Status, Verdict,
};
use crate::names::name;

/// Evaluates every requirement that the stage names, in policy order.
pub(crate) fn evaluate(change: &Change, class: &Classification, policy: &Policy) -> Report {
    evaluate_over(change, change, class, policy)
}

/// Evaluates the requirements over `evidence`: the change itself, or the whole release a
/// tag or a version bump names (SPEC §13). The override, the draft, the notes and the
/// range reported are the change's: the wider range widens the evidence, not what may
/// overrule the gate.
pub(crate) fn evaluate_over(
    change: &Change,
    evidence: &Change,
    class: &Classification,
    policy: &Policy,
) -> Report {
    let stage = &policy.stages[class.stage];
    let requirements: Vec<_> = evaluated(policy, stage)
        .map(|(req, level)| requirement(evidence, req, level, policy))
        .collect();

    let blocked = blocks(&requirements);
    let (override_, override_notes) = find_override(change, policy);
    let (verdict, notes) = conclude(change, policy, blocked, override_.as_ref(), override_notes);

    Report {
        schema: 1,
        verdict,
        stage: stage.name.clone(),
        stage_description: stage.description.clone(),
        stage_signals: class.deciding.clone(),
        other_signals: class.other.clone(),
        range: RangeInfo {
            base: change.range.base.clone(),
            head: change.range.head.clone(),
            merge_base: change.range.merge_base.clone(),
            commits: change.commits.len(),
            files: change.files.len(),
            kind: RangeKind::Change,
            previous_release: None,
        },
        requirements,
        override_,
        draft: change.draft,
        checks: Vec::new(),
        policy: None,
        browse: None,
        notes,
        packages: Vec::new(),
        notify_slack_var: None,
    }
}

/// Whether a required requirement is missing.
pub(crate) fn blocks(requirements: &[RequirementResult]) -> bool {
    requirements.iter().any(RequirementResult::missing_required)
}

/// The verdict, given whether a required requirement is missing and what overrides, and
/// the change's notes with what the override and a draft make worth saying.
pub(crate) fn conclude(
    change: &Change,
    policy: &Policy,
    blocked: bool,
    override_: Option<&Override>,
    override_notes: Vec<String>,
) -> (Verdict, Vec<String>) {
    let mut notes = change.notes.clone();
    notes.extend(override_notes);
    // An override is said out loud, so it goes first; a draft then passes, saying what
    // would block it (the requirements keep their level and status).
    let verdict = match (blocked, override_) {
        (false, _) => Verdict::Pass,
        (true, Some(_)) => Verdict::Overridden,
        (true, None) if change.draft && policy.drafts == Drafts::Warn => Verdict::Pass,
        (true, None) => Verdict::Blocked,
    };
    if change.draft {
        notes.push(
            match (verdict, policy.drafts) {
                (Verdict::Pass, Drafts::Warn) if blocked => {
                    "a draft: what is missing would block it, but a draft passes (`drafts: warn`) \
                 until it is marked ready for review"
                }
                (_, Drafts::Warn) => "a draft: judged in full, and it would pass as it is",
                (_, Drafts::Judge) => "a draft, judged like any change (`drafts: judge`)",
            }
            .to_owned(),
        );
    }
    if let Some(o) = override_.filter(|_| !blocked) {
        notes.push(format!(
            "override present ({}) but nothing was blocked",
            o.reason
        ));
    }
    (verdict, notes)
}

/// The requirements that `stage` evaluates, with their level, in policy order. The others
/// are not judged at all, so nothing is looked up for them either.
pub(crate) fn evaluated<'p>(
    policy: &'p Policy,
    stage: &'p Stage,
) -> impl Iterator<Item = (&'p Requirement, Level)> + 'p {
    policy.requirements.iter().filter_map(|req| {
        if stage.require.contains(&req.id) {
            Some((req, Level::Required))
        } else if stage.warn.contains(&req.id) {
            Some((req, Level::Warn))
        } else {
            None
        }
    })
}

/// The values of the trailers and body lines that would count as `ev`'s evidence: the
/// links whose pull requests may be looked up. Read as the requirement check reads them
/// (the same trailers, the body without its HTML comments), so nothing that could not
/// count is ever looked up.
pub(crate) fn link_values(change: &Change, ev: &Evidence) -> Vec<String> {
    let mut values: Vec<String> = evidence_trailers(change, ev)
        .map(|(_, t)| t.value.trim().to_owned())
        .collect();
    if let Some(body) = &change.body {
        let body = without_html_comments(body);
        for line in body_lines(&body, &ev.body_lines) {
            values.push(line_value(&line).to_owned());
        }
    }
    values
}

/// One requirement: its evidence, or what would satisfy it.
fn requirement(
    change: &Change,
    req: &Requirement,
    level: Level,
    policy: &Policy,
) -> RequirementResult {
    let ev = &req.evidence;
    let mut found = Found::default();
    from_files(change, ev, &mut found);
    from_trailers(change, ev, &mut found);
    from_labels(change, ev, &mut found);
    from_body(change, ev, &mut found);
    from_flags(change, ev, policy, &mut found);
    from_issues(change, ev, &mut found);

    let Found {
        evidence,
        unknown_keys,
        unchecked_keys,
        dead_links,
    } = found;
    // A named flag key must exist at head, or the requirement is missing whatever else
    // is there: a typo in a flag key is exactly the mistake this gate exists to catch.
    let satisfied = !evidence.is_empty() && unknown_keys.is_empty();
    let hint = (!satisfied).then(|| {
        if !unknown_keys.is_empty() && policy.flag_registry.posthog.is_some() {
            format!(
                "flag key {} not in {}: create the flag in PostHog or fix the key",
                unknown_keys.join(", "),
                policy.flag_registry.describe()
            )
        } else if !unknown_keys.is_empty() {
            format!(
                "flag key {} not in {} at head: add the flag to the registry or fix the key",
                unknown_keys.join(", "),
                policy.flag_registry.path
            )
        } else if let (false, Some(why)) = (unchecked_keys.is_empty(), &change.flags.unchecked) {
            format!(
                "flag key {} could not be looked up in {} ({why}); {}",
                unchecked_keys.join(", "),
                policy.flag_registry.describe(),
                req.hint.clone().unwrap_or_else(|| hint(ev, policy))
            )
        } else if !dead_links.is_empty() {
            format!(
                "the pull request linked by {} does not exist: fix the link, or {}",
                dead_links.join(", "),
                req.hint.clone().unwrap_or_else(|| hint(ev, policy))
            )
        } else {
            req.hint.clone().unwrap_or_else(|| hint(ev, policy))
        }
    });
    RequirementResult {
        id: req.id.clone(),
        description: req.description.clone(),
        level,
        status: if satisfied {
            Status::Satisfied
        } else {
            Status::Missing
        },
        evidence,
        hint,
    }
}

/// What one requirement's evidence kinds turned up.
#[derive(Default)]
struct Found {
    evidence: Vec<EvidenceItem>,
    /// Flag keys named by a trailer or label that the registry does not hold.
    unknown_keys: Vec<String>,
    /// Flag keys named by a trailer or label that could not be looked up.
    unchecked_keys: Vec<String>,
    /// Trailers and body lines whose link to a pull request leads nowhere.
    dead_links: Vec<String>,
}

/// Files the change adds or edits under the requirement's paths.
fn from_files(change: &Change, ev: &Evidence, found: &mut Found) {
    if ev.paths.is_empty() {
        return;
    }
    for file in change.files.iter().filter(|f| f.has_new_content()) {
        if ev.paths.is_match(&file.path) {
            found.evidence.push(EvidenceItem {
                status: Some(name(&file.status)),
                old_path: file.old_path.as_deref().map(display_path),
                ..EvidenceItem::new(EvidenceSource::File, display_path(&file.path), None)
            });
        }
    }
}

/// Trailers with one of the evidence keys and a value, with their commits.
fn evidence_trailers<'c>(
    change: &'c Change,
    ev: &'c Evidence,
) -> impl Iterator<Item = (&'c Commit, &'c Trailer)> + 'c {
    change.commits.iter().flat_map(move |commit| {
        commit
            .trailers
            .iter()
            .filter(|t| ev.trailers.iter().any(|k| t.key_is(k)) && !t.value.trim().is_empty())
            .map(move |t| (commit, t))
    })
}

/// Trailers with one of the keys and a value.
fn from_trailers(change: &Change, ev: &Evidence, found: &mut Found) {
    for (commit, t) in evidence_trailers(change, ev) {
        if change.dead_links.iter().any(|l| l == t.value.trim()) {
            found.dead_links.push(format!(
                "trailer `{}: {}` (commit {})",
                t.key,
                t.value.trim(),
                commit.short_id()
            ));
            continue;
        }
        found.evidence.push(EvidenceItem::new(
            EvidenceSource::Trailer,
            format!("{}: {}", t.key, t.value),
            Some(&commit.id),
        ));
    }
}

fn from_labels(change: &Change, ev: &Evidence, found: &mut Found) {
    for label in &change.labels {
        if ev.labels.iter().any(|l| same_name(l, label)) {
            found.evidence.push(EvidenceItem::new(
                EvidenceSource::Label,
                label.clone(),
                None,
            ));
        }
    }
}

/// `Key: value` lines and checked boxes in the visible part of the body.
fn from_body(change: &Change, ev: &Evidence, found: &mut Found) {
    let Some(body) = &change.body else { return };
    let body = without_html_comments(body);
    let lines = body_lines(&body, &ev.body_lines);
    let boxes = checked_boxes(&body, &ev.body_checkboxes);
    for line in lines {
        let value = line_value(&line);
        if change.dead_links.iter().any(|l| l == value) {
            found.dead_links.push(format!("body line `{line}`"));
        } else {
            found
                .evidence
                .push(EvidenceItem::new(EvidenceSource::Body, line, None));
        }
    }
    for line in boxes {
        found
            .evidence
            .push(EvidenceItem::new(EvidenceSource::Body, line, None));
    }
}

/// Registry entries the change adds or edits, and flag keys named by trailers and
/// labels, which count only when the registry holds them at head.
fn from_flags(change: &Change, ev: &Evidence, policy: &Policy, found: &mut Found) {
    if ev.flag_registry {
        for c in &change.flags.changes {
            if c.kind != FlagChangeKind::Removed {
                let stage = c.new_stage.as_deref().unwrap_or("no stage");
                found.evidence.push(EvidenceItem::new(
                    EvidenceSource::FlagRegistry,
                    format!("{} ({}, {stage})", c.key, name(&c.kind)),
                    None,
                ));
            }
        }
    }
    let keys = change.flags.keys_at_head.as_ref();
    let known = |key: &str| keys.is_some_and(|keys| keys.contains_key(key));
    let unchecked = keys.is_none() && change.flags.unchecked.is_some();
    // A PostHog flag's state is worth seeing: an inactive flag ships a feature nobody sees.
    let state = |key: &str| match (&policy.flag_registry.posthog, keys.and_then(|k| k.get(key))) {
        (Some(_), Some(Some(state))) => format!(" (PostHog: {state})"),
        _ => String::new(),
    };
    for commit in &change.commits {
        for t in &commit.trailers {
            let Some(key) = ev.flag_key_of_trailer(t) else {
                continue;
            };
            if known(key) {
                found.evidence.push(EvidenceItem::new(
                    EvidenceSource::Trailer,
                    format!("{}: {}{}", t.key, t.value, state(key)),
                    Some(&commit.id),
                ));
            } else if unchecked {
                found
                    .unchecked_keys
                    .push(format!("`{key}` (trailer in commit {})", commit.short_id()));
            } else {
                found
                    .unknown_keys
                    .push(format!("`{key}` (trailer in commit {})", commit.short_id()));
            }
        }
    }
    for label in &change.labels {
        let Some(key) = ev.flag_key_of_label(label) else {
            continue;
        };
        if known(key) {
            found.evidence.push(EvidenceItem::new(
                EvidenceSource::Label,
                format!("{label}{}", state(key)),
                None,
            ));
        } else if unchecked {
            found
                .unchecked_keys
                .push(format!("`{key}` (label {label})"));
        } else {
            found.unknown_keys.push(format!("`{key}` (label {label})"));
        }
    }
}

/// Mentions of the requirement's handles in the issues the change closes, one piece of
/// evidence for each text that mentions any, pointing at that text.
fn from_issues(change: &Change, ev: &Evidence, found: &mut Found) {
    if ev.mentions.is_empty() {
        return;
    }
    for text in &change.issues {
        let handles = mentioned(&text.text, &ev.mentions);
        if handles.is_empty() {
            continue;
        }
        let place = match text.comment {
            None => format!("#{} (by {})", text.issue, text.author),
            Some(_) => format!("#{}, a comment by {}", text.issue, text.author),
        };
        found.evidence.push(EvidenceItem {
            url: Some(text.url.clone()),
            ..EvidenceItem::new(
                EvidenceSource::Issue,
                format!("{place} mentions {}", handles.join(", ")),
                None,
            )
        });
    }
}

/// Says exactly which path, trailer, label or body line would satisfy the requirement.
pub(crate) fn hint(ev: &Evidence, policy: &Policy) -> String {
    let mut ways: Vec<String> = Vec::new();
    let quote = |items: &[String], wrap: &dyn Fn(&str) -> String| {
        items
            .iter()
            .map(|i| wrap(i))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    if !ev.paths.is_empty() {
        let (inc, exc): (Vec<_>, Vec<_>) = ev.paths.patterns().partition(|(_, neg)| !neg);
        let mut s = format!(
            "change a file matching {}",
            inc.iter()
                .map(|(p, _)| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !exc.is_empty() {
            s.push_str(&format!(
                " (not {})",
                exc.iter()
                    .map(|(p, _)| format!("`{}`", &p[1..]))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        ways.push(s);
    }
    if !ev.trailers.is_empty() {
        ways.push(format!(
            "add a commit trailer {}",
            quote(&ev.trailers, &|k| format!("`{k}: <value>`"))
        ));
    }
    if !ev.labels.is_empty() {
        ways.push(format!(
            "add the label {}",
            quote(&ev.labels, &|l| format!("`{l}`"))
        ));
    }
    if !ev.body_lines.is_empty() {
        ways.push(format!(
            "add a pull-request body line {}",
            quote(&ev.body_lines, &|k| format!("`{k}: <link>`"))
        ));
    }
    if !ev.body_checkboxes.is_empty() {
        ways.push(format!(
            "check {} in the pull-request body",
            quote(&ev.body_checkboxes, &|t| format!("`- [x] {t}`"))
        ));
    }
    // With PostHog as the registry no change adds an entry, and a key is named instead.
    let (in_registry, file) = match &policy.flag_registry.posthog {
        Some(posthog) => (format!("in {}", posthog.describe()), false),
        None => ("in the registry".to_owned(), true),
    };
    if ev.flag_registry && file {
        ways.push(format!(
            "add or change an entry in `{}`",
            policy.flag_registry.path
        ));
    }
    if !ev.flag_trailers.is_empty() {
        ways.push(format!(
            "add a commit trailer {} naming a flag {in_registry}",
            quote(&ev.flag_trailers, &|k| format!("`{k}: <key>`"))
        ));
    }
    if let Some(prefix) = &ev.flag_label_prefix {
        ways.push(format!(
            "add a label `{prefix}<key>` naming a flag {in_registry}"
        ));
    }
    if !ev.mentions.is_empty() {
        ways.push(format!(
            "mention {} on an issue that the change closes (`Closes #<n>`)",
            quote(&ev.mentions, &|h| format!("`{h}`"))
        ));
    }
    match ways.len() {
        0 => String::new(),
        1 => ways.remove(0),
        _ => {
            let last = ways.pop().expect("two or more");
            format!("{}, or {last}", ways.join(", "))
        }
    }
}

/// The override the change carries (a label, a trailer, its author), and notes on
/// overrides that do not count.
pub(crate) fn find_override(change: &Change, policy: &Policy) -> (Option<Override>, Vec<String>) {
    let o = &policy.overrides;
    let mut notes = Vec::new();
    let mut found = None;
    for label in &change.labels {
        if o.labels.iter().any(|l| same_name(l, label)) {
            found.get_or_insert(Override {
                source: OverrideSource::Label,
                reason: format!("label {label}"),
                commit: None,
            });
        }
    }
    for commit in &change.commits {
        for t in commit
            .trailers
            .iter()
            .filter(|t| o.trailers.iter().any(|k| t.key_is(k)))
        {
            if t.value.trim().is_empty() {
                notes.push(format!(
                    "commit {}: `{}:` without a reason does not override; give the reason",
                    commit.short_id(),
                    t.key
                ));
            } else {
                found.get_or_insert(Override {
                    source: OverrideSource::Trailer,
                    reason: t.value.trim().to_owned(),
                    commit: Some(commit.id.clone()),
                });
            }
        }
    }
    if found.is_none() && !o.authors.is_empty() {
        found = author_override(change, policy, &mut notes);
    }
    if !o.enabled
        && let Some(f) = found.take()
    {
        notes.push(format!(
            "override ignored ({}): the policy switches overrides off",
            f.reason
        ));
    }
    (found, notes)
}

/// An override by the change's author (`overrides.authors`): the pull or merge request's
/// author in CI, else every commit's author email. All commits must match: one commit by
/// someone else in a bot's branch is that someone's change too. No commit, no override.
fn author_override(change: &Change, policy: &Policy, notes: &mut Vec<String>) -> Option<Override> {
    let o = &policy.overrides;
    let found = |reason: String| Override {
        source: OverrideSource::Author,
        reason,
        commit: None,
    };
    match &change.author {
        Author::Login(login) => o
            .author_pattern(login)
            .map(|pattern| found(format!("author {login} (overrides.authors `{pattern}`)"))),
        Author::Unknown => None,
        Author::Commits => {
            let mut matched: Vec<(&str, &str)> = Vec::new();
            let mut other = None;
            for commit in &change.commits {
                let email = commit.author_email.as_deref().unwrap_or_default();
                match o.author_pattern(email) {
                    Some(pattern) if !email.is_empty() => {
                        if !matched.iter().any(|(e, _)| *e == email) {
                            matched.push((email, pattern));
                        }
                    }
                    _ => {
                        other.get_or_insert((commit, email));
                    }
                }
            }
            match other {
                Some((commit, email)) => {
                    if !matched.is_empty() {
                        notes.push(format!(
                            "commit {} is by {email}, whom overrides.authors does not name, so \
                             the authors do not override",
                            commit.short_id()
                        ));
                    }
                    None
                }
                None if matched.is_empty() => None,
                None => {
                    let who: Vec<String> = matched
                        .iter()
                        .map(|(email, pattern)| format!("{email} (`{pattern}`)"))
                        .collect();
                    Some(found(format!(
                        "every commit's author is in overrides.authors: {}",
                        who.join(", ")
                    )))
                }
            }
        }
    }
}

/// The value of a `Key: value` body line.
fn line_value(line: &str) -> &str {
    line.split_once(':').map_or("", |(_, v)| v.trim())
}

/// Lines `Key: value` with a non-empty value, keys compared as trailer keys are.
fn body_lines(body: &str, keys: &[String]) -> Vec<String> {
    if keys.is_empty() {
        return Vec::new();
    }
    body.lines()
        .map(str::trim)
        .filter(|line| {
            line.split_once(':').is_some_and(|(k, v)| {
                keys.iter().any(|key| same_name(key, k.trim_end())) && !v.trim().is_empty()
            })
        })
        .map(str::to_owned)
        .collect()
}

/// Checked task-list items (`- [x] Text`, `*` and `+` bullets too) whose text starts with
/// one of `texts`, case-insensitively, followed by the end of the line or a non-word
/// character (so "Marketing notified" does not match "Marketing notifiedness").
fn checked_boxes(body: &str, texts: &[String]) -> Vec<String> {
    if texts.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for line in body.lines() {
        let trimmed = line.trim();
        let Some(rest) = trimmed
            .strip_prefix(['-', '*', '+'])
            .and_then(|r| r.strip_prefix([' ', '\t']))
        else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(rest) = rest
            .strip_prefix("[x]")
            .or_else(|| rest.strip_prefix("[X]"))
        else {
            continue;
        };
        let text = rest.trim_start();
        let hit = texts.iter().any(|want| {
            text.get(..want.len())
                .is_some_and(|head| same_name(head, want))
                && text[want.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric())
        });
        if hit {
            out.push(trimmed.to_owned());
        }
    }
    out
}

/// Pull-request templates keep their placeholders in HTML comments
/// (`<!-- - [x] Marketing notified -->`); what a reader cannot see is no evidence.
fn without_html_comments(body: &str) -> std::borrow::Cow<'_, str> {
    if !body.contains("<!--") {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start + 4..].find("-->") {
            Some(end) => rest = &rest[start + 4 + end + 3..],
            // An unclosed comment hides the rest, as it does when rendered.
            None => rest = "",
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::change::{Commit, FileChange, FlagChange, Status as FileStatus};
    use crate::judge::policy::PathSet;
    use crate::judge::stage::classify;
    use crate::judge::trailers::Trailer;

    fn run(change: &Change) -> Report {
        let p = Policy::builtin();
        let c = classify(change, &p).unwrap();
        evaluate(change, &c, &p)
    }

    fn file(path: &str, status: FileStatus) -> FileChange {
        FileChange {
            path: path.as_bytes().to_vec(),
            old_path: None,
            status,
            same_content: false,
        }
    }

    fn full() -> Change {
        Change {
            labels: vec!["release:full".into()],
            ..Change::default()
        }
    }

    fn req<'a>(r: &'a Report, id: &str) -> &'a RequirementResult {
        r.requirements.iter().find(|x| x.id == id).unwrap()
    }

    fn with_policy(change: &Change, yaml: &str) -> Report {
        let p = Policy::from_yaml(yaml, "p.yml").unwrap();
        let c = classify(change, &p).unwrap();
        evaluate(change, &c, &p)
    }

    fn by(email: &str) -> Commit {
        Commit {
            author_email: Some(email.to_owned()),
            ..Commit::new(format!("{:0>40}", email.len()), "x".to_owned())
        }
    }

    #[test]
    fn a_draft_passes_what_would_block_it_and_an_override_still_shows() {
        let mut change = full();
        change.draft = true;
        let r = run(&change);
        assert_eq!((r.verdict, r.draft), (Verdict::Pass, true));
        assert_eq!(req(&r, "docs").status, Status::Missing);
        assert_eq!(req(&r, "docs").level, Level::Required);
        assert!(
            r.notes
                .iter()
                .any(|n| n.starts_with("a draft: what is missing"))
        );
        change.labels.push("shipgate:skip".into());
        assert_eq!(run(&change).verdict, Verdict::Overridden);
        change.labels.pop();
        let r = with_policy(&change, "drafts: judge\n");
        assert_eq!((r.verdict, r.draft), (Verdict::Blocked, true));
        // A draft with nothing missing passes as a draft, saying so.
        let merge = Change {
            draft: true,
            ..Change::default()
        };
        let r = run(&merge);
        assert_eq!(r.verdict, Verdict::Pass);
        assert_eq!(
            r.notes,
            ["a draft: judged in full, and it would pass as it is"]
        );
    }

    #[test]
    fn authors_override_by_login_or_by_every_commit_s_email() {
        let bots = "overrides: {authors: [\"dependabot[bot]\", \"*@bots.example\"]}\n";
        let mut change = full();
        change.author = Author::Login("dependabot[bot]".into());
        let r = with_policy(&change, bots);
        assert_eq!(r.verdict, Verdict::Overridden);
        assert_eq!(r.override_.as_ref().unwrap().source, OverrideSource::Author);
        // The built-in policy names no author.
        assert_eq!(run(&change).verdict, Verdict::Blocked);
        // In CI without a pull request, nobody; outside CI, no commit, no override.
        change.author = Author::Unknown;
        change.commits = vec![by("a@bots.example")];
        assert_eq!(with_policy(&change, bots).verdict, Verdict::Blocked);
        change.author = Author::Commits;
        change.commits.clear();
        assert_eq!(with_policy(&change, bots).verdict, Verdict::Blocked);
        change.commits = vec![by("a@bots.example"), by("b@bots.example")];
        assert_eq!(with_policy(&change, bots).verdict, Verdict::Overridden);
        // A commit whose email git did not give (read through an API) matches nothing.
        change.commits.push(Commit::new("c".repeat(40), "x".into()));
        assert_eq!(with_policy(&change, bots).verdict, Verdict::Blocked);
        // Overrides switched off switch authors off too.
        change.commits.pop();
        let off = "overrides: {enabled: false, authors: [\"*@bots.example\"]}\n";
        let r = with_policy(&change, off);
        assert_eq!(r.verdict, Verdict::Blocked);
        assert!(
            r.notes.iter().any(|n| n.starts_with("override ignored")),
            "{:?}",
            r.notes
        );
    }

    #[test]
    fn a_link_to_a_pull_request_that_does_not_exist_proves_nothing() {
        let link = "https://github.com/acme/docs/pull/9";
        let mut change = full();
        change.commits = vec![Commit::new(
            "a".repeat(40),
            format!("Ship\n\nDocs: {link}\n"),
        )];
        change.body = Some(format!("Docs: {link}\n"));
        assert_eq!(req(&run(&change), "docs").status, Status::Satisfied);
        change.dead_links = vec![link.to_owned()];
        let r = run(&change);
        let docs = req(&r, "docs");
        assert_eq!(docs.status, Status::Missing);
        assert!(docs.evidence.is_empty());
        let hint = docs.hint.as_deref().unwrap();
        assert!(
            hint.starts_with(&format!(
                "the pull request linked by trailer `Docs: {link}` (commit aaaaaaaaaa), body line `Docs: {link}` does not exist: fix the link, or "
            )),
            "{hint}"
        );
    }

    #[test]
    fn links_are_read_as_the_check_reads_evidence() {
        let p = Policy::builtin();
        let docs = &p
            .requirements
            .iter()
            .find(|r| r.id == "docs")
            .unwrap()
            .evidence;
        let mut change = full();
        change.commits = vec![Commit::new(
            "a".repeat(40),
            "Ship\n\nDocs: https://x/1\nTemplate: https://x/2\n".to_owned(),
        )];
        change.body = Some(
            "Docs: https://x/3\n<!--\nDocs: https://x/4\n-->\nDocs:\n  docs : https://x/5\n"
                .to_owned(),
        );
        assert_eq!(
            link_values(&change, docs),
            ["https://x/1", "https://x/3", "https://x/5"]
        );
    }

    #[test]
    fn a_bare_full_release_is_blocked_with_hints() {
        let r = run(&full());
        assert_eq!(r.verdict, Verdict::Blocked);
        let ids: Vec<_> = r.requirements.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["docs", "template", "feature-flag", "marketing"]);
        assert_eq!(
            req(&r, "template").hint.as_deref(),
            Some(
                "change a file matching `templates/**`, `**/templates/**`, or add a commit trailer `Template: <value>`"
            )
        );
        assert_eq!(
            req(&r, "marketing").hint.as_deref(),
            Some(
                "add a commit trailer `Marketing-Notified: <value>`, add the label `marketing-notified`, or check `- [x] Marketing notified` in the pull-request body"
            )
        );
        assert_eq!(
            req(&r, "docs").hint.as_deref(),
            Some(
                "change a file matching `docs/**`, `**/*.md`, `**/*.mdx` (not `CHANGELOG.md`), add a commit trailer `Docs: <value>`, or add a pull-request body line `Docs: <link>`"
            )
        );
    }

    /// A policy whose stage `ship` requires one custom requirement per kind of evidence,
    /// each naming that kind alone.
    fn one_kind_each() -> Policy {
        Policy::from_yaml(
            "\
stages:
  - name: merge
  - name: ship
    require: [paths, trailers, labels, lines, boxes, registry, flag-trailers, flag-labels]
requirements:
  paths: {paths: [\"docs/**\", \"!docs/old/**\"]}
  trailers: {trailers: [Docs, Doc-Link]}
  labels: {labels: [documented]}
  lines: {body-lines: [Docs]}
  boxes: {body-checkboxes: [Docs written]}
  registry: {flag-registry: true}
  flag-trailers: {flag-trailers: [Feature-Flag]}
  flag-labels: {flag-label-prefix: \"flag:\"}
flag-registry: {path: flags.yml}
",
            "p.yml",
        )
        .unwrap()
    }

    #[test]
    fn a_single_kind_of_evidence_is_the_whole_hint() {
        let p = one_kind_each();
        let change = Change {
            forced_stage: Some("ship".into()),
            ..Change::default()
        };
        let r = evaluate(&change, &classify(&change, &p).unwrap(), &p);
        let hints: Vec<_> = r
            .requirements
            .iter()
            .map(|q| (q.id.as_str(), q.hint.as_deref().unwrap()))
            .collect();
        assert_eq!(
            hints,
            [
                (
                    "paths",
                    "change a file matching `docs/**` (not `docs/old/**`)"
                ),
                (
                    "trailers",
                    "add a commit trailer `Docs: <value>` or `Doc-Link: <value>`"
                ),
                ("labels", "add the label `documented`"),
                ("lines", "add a pull-request body line `Docs: <link>`"),
                (
                    "boxes",
                    "check `- [x] Docs written` in the pull-request body"
                ),
                ("registry", "add or change an entry in `flags.yml`"),
                (
                    "flag-trailers",
                    "add a commit trailer `Feature-Flag: <key>` naming a flag in the registry"
                ),
                (
                    "flag-labels",
                    "add a label `flag:<key>` naming a flag in the registry"
                ),
            ]
        );
    }

    #[test]
    fn evidence_of_no_kind_has_an_empty_hint() {
        // The policy refuses such a requirement; the hint still must not panic on one.
        let nothing = Evidence {
            paths: PathSet::new::<&str>(&[]).unwrap(),
            trailers: Vec::new(),
            labels: Vec::new(),
            body_lines: Vec::new(),
            body_checkboxes: Vec::new(),
            flag_registry: false,
            flag_trailers: Vec::new(),
            flag_label_prefix: None,
            mentions: Vec::new(),
        };
        assert_eq!(hint(&nothing, &Policy::builtin()), "");
    }

    #[test]
    fn deleted_files_and_changelog_never_count() {
        let mut change = full();
        change.files = vec![
            file("docs/old.md", FileStatus::Deleted),
            file("CHANGELOG.md", FileStatus::Modified),
            file("templates/t.json", FileStatus::Deleted),
        ];
        let r = run(&change);
        assert_eq!(req(&r, "docs").status, Status::Missing);
        assert_eq!(req(&r, "template").status, Status::Missing);
    }

    #[test]
    fn a_complete_full_release_passes_with_evidence() {
        let mut change = full();
        change.files = vec![
            file("docs/replay.md", FileStatus::Added),
            file("app/templates/replay.json", FileStatus::Modified),
        ];
        change.commits = vec![Commit {
            id: "c".repeat(40),
            message: "x".into(),
            trailers: vec![Trailer {
                key: "feature-flag".into(),
                value: "replay".into(),
            }],
            author_email: None,
        }];
        change.flags.keys_at_head = Some([("replay".to_owned(), Some("beta".to_owned()))].into());
        change.body = Some("Intro\n\n* [X] marketing Notified (Slack)\n".into());
        let r = run(&change);
        assert_eq!(r.verdict, Verdict::Pass, "{r:#?}");
        assert_eq!(req(&r, "docs").evidence[0].detail, "docs/replay.md");
        assert_eq!(
            req(&r, "feature-flag").evidence[0].commit.as_deref(),
            Some(&*"c".repeat(40))
        );
        assert_eq!(
            req(&r, "marketing").evidence[0].detail,
            "* [X] marketing Notified (Slack)"
        );
    }

    #[test]
    fn an_unknown_flag_key_blocks_and_is_named() {
        let mut change = full();
        change.labels.push("flag:replay-v3".into());
        change.flags.keys_at_head = Some(Default::default());
        let r = run(&change);
        assert_eq!(req(&r, "feature-flag").status, Status::Missing);
        assert_eq!(
            req(&r, "feature-flag").hint.as_deref(),
            Some(
                "flag key `replay-v3` (label flag:replay-v3) not in feature-flags.yml at head: add the flag to the registry or fix the key"
            )
        );
    }

    #[test]
    fn a_file_is_evidence_with_its_status_and_where_it_came_from() {
        let mut change = full();
        change.files = vec![FileChange {
            path: b"docs/replay.md".to_vec(),
            old_path: Some(b"docs/draft.md".to_vec()),
            status: FileStatus::Renamed,
            same_content: false,
        }];
        let r = run(&change);
        assert_eq!(
            req(&r, "docs").evidence,
            [EvidenceItem {
                status: Some("renamed"),
                old_path: Some("docs/draft.md".to_owned()),
                ..EvidenceItem::new(EvidenceSource::File, "docs/replay.md".to_owned(), None)
            }]
        );
    }

    #[test]
    fn registry_entries_count_unless_removed() {
        let change_of = |key: &str, kind, new_stage: Option<&str>| FlagChange {
            key: key.to_owned(),
            kind,
            old_stage: None,
            new_stage: new_stage.map(str::to_owned),
        };
        let mut change = full();
        change.flags.changes = vec![
            change_of("gone", FlagChangeKind::Removed, None),
            change_of("replay", FlagChangeKind::Added, Some("beta")),
            change_of("search", FlagChangeKind::Changed, None),
        ];
        let r = run(&change);
        let flag = req(&r, "feature-flag");
        assert_eq!(flag.status, Status::Satisfied);
        let details: Vec<_> = flag.evidence.iter().map(|e| e.detail.as_str()).collect();
        assert_eq!(
            details,
            ["replay (added, beta)", "search (changed, no stage)"]
        );

        change.flags.changes.truncate(1);
        assert_eq!(req(&run(&change), "feature-flag").status, Status::Missing);
    }

    #[test]
    fn an_unknown_flag_key_blocks_beside_other_evidence() {
        let mut change = full();
        change.labels.push("flag:replay-v3".into());
        change.commits = vec![Commit::new(
            "c".repeat(40),
            "Ship\n\nFeature-Flag: replay\n".to_owned(),
        )];
        change.flags.keys_at_head = Some([("replay".to_owned(), None)].into());
        let r = run(&change);
        let flag = req(&r, "feature-flag");
        assert_eq!(flag.evidence.len(), 1, "{:?}", flag.evidence);
        assert_eq!(flag.status, Status::Missing);
        assert!(
            flag.hint
                .as_deref()
                .unwrap()
                .starts_with("flag key `replay-v3` (label flag:replay-v3) not in"),
            "{:?}",
            flag.hint
        );
    }

    #[test]
    fn a_label_is_evidence_under_any_ascii_case() {
        let mut change = full();
        change.labels.push("Marketing-Notified".into());
        let r = run(&change);
        let marketing = req(&r, "marketing");
        assert_eq!(marketing.status, Status::Satisfied);
        assert_eq!(
            marketing.evidence,
            [EvidenceItem::new(
                EvidenceSource::Label,
                "Marketing-Notified".to_owned(),
                None
            )]
        );
    }

    #[test]
    fn betas_warn_and_pass() {
        let change = Change {
            labels: vec!["release:beta".into()],
            ..Change::default()
        };
        let r = run(&change);
        assert_eq!(r.verdict, Verdict::Pass);
        assert!(
            r.requirements
                .iter()
                .all(|r| r.level == Level::Warn && r.status == Status::Missing)
        );
    }

    #[test]
    fn overrides_need_a_reason() {
        let mut change = full();
        change.commits = vec![Commit {
            id: "d".repeat(40),
            message: "x".into(),
            trailers: vec![Trailer {
                key: "Shipgate-Skip".into(),
                value: "".into(),
            }],
            author_email: None,
        }];
        let r = run(&change);
        assert_eq!(r.verdict, Verdict::Blocked);
        assert_eq!(
            r.notes,
            [
                "commit dddddddddd: `Shipgate-Skip:` without a reason does not override; give the reason"
            ]
        );
        change.commits[0].trailers[0].value = "prod is down".into();
        let r = run(&change);
        assert_eq!(r.verdict, Verdict::Overridden);
        assert_eq!(r.override_.as_ref().unwrap().reason, "prod is down");
    }

    #[test]
    fn an_override_with_nothing_blocked_is_only_noted() {
        let skip = |labels: &[&str]| Change {
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
            commits: vec![Commit::new(
                "d".repeat(40),
                "Ship\n\nShipgate-Skip: prod is down\n".to_owned(),
            )],
            ..Change::default()
        };
        let merge = run(&skip(&[]));
        assert_eq!(merge.verdict, Verdict::Pass);
        assert_eq!(
            merge.notes,
            ["override present (prod is down) but nothing was blocked"]
        );
        let blocked = run(&skip(&["release:full"]));
        assert_eq!(blocked.verdict, Verdict::Overridden);
        assert!(blocked.notes.is_empty(), "{:?}", blocked.notes);
    }

    #[test]
    fn a_policy_may_switch_overrides_off() {
        let mut p = Policy::builtin();
        p.overrides.enabled = false;
        let change = Change {
            labels: vec!["release:full".into(), "shipgate:skip".into()],
            commits: vec![Commit::new(
                "d".repeat(40),
                "Ship\n\nShipgate-Skip: prod is down\n".to_owned(),
            )],
            ..Change::default()
        };
        let r = evaluate(&change, &classify(&change, &p).unwrap(), &p);
        assert_eq!(r.verdict, Verdict::Blocked);
        assert_eq!(r.override_, None);
        assert_eq!(
            r.notes,
            ["override ignored (label shipgate:skip): the policy switches overrides off"]
        );
    }

    #[test]
    fn body_checkbox_variants() {
        let texts = vec!["Marketing notified".to_owned()];
        assert_eq!(checked_boxes("- [x] Marketing notified", &texts).len(), 1);
        assert_eq!(
            checked_boxes("  + [X] MARKETING NOTIFIED.", &texts).len(),
            1
        );
        assert!(checked_boxes("- [ ] Marketing notified", &texts).is_empty());
        assert!(checked_boxes("- [x] Marketing notifiedness", &texts).is_empty());
        assert!(checked_boxes("-[x] Marketing notified", &texts).is_empty());
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

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn change_strategy() -> impl Strategy<Value = Change> {
            let labels = prop::collection::vec(
                prop::sample::select(vec![
                    "release:full",
                    "release:beta",
                    "marketing-notified",
                    "shipgate:skip",
                    "flag:replay",
                    "bug",
                ]),
                0..4,
            );
            let files = prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "docs/a.md",
                        "README.md",
                        "CHANGELOG.md",
                        "templates/t.json",
                        "src/lib.rs",
                    ]),
                    prop::sample::select(vec![
                        FileStatus::Added,
                        FileStatus::Modified,
                        FileStatus::Deleted,
                        FileStatus::Renamed,
                    ]),
                    any::<bool>(),
                ),
                0..5,
            );
            let trailers = prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "Release",
                        "Docs",
                        "Template",
                        "Feature-Flag",
                        "Shipgate-Skip",
                        "Signed-off-by",
                    ]),
                    prop::sample::select(vec!["full", "beta", "replay", "x", ""]),
                ),
                0..4,
            );
            (labels, files, trailers, any::<bool>()).prop_map(
                |(labels, files, trailers, registry)| Change {
                    labels: labels.into_iter().map(String::from).collect(),
                    files: files
                        .into_iter()
                        .map(|(path, status, same)| FileChange {
                            path: path.as_bytes().to_vec(),
                            old_path: (status == FileStatus::Renamed).then(|| b"old".to_vec()),
                            status,
                            same_content: same && status == FileStatus::Renamed,
                        })
                        .collect(),
                    commits: vec![Commit {
                        id: "e".repeat(40),
                        message: String::new(),
                        trailers: trailers
                            .into_iter()
                            .map(|(k, v)| Trailer {
                                key: k.into(),
                                value: v.into(),
                            })
                            .collect(),
                        author_email: None,
                    }],
                    flags: crate::judge::change::FlagRegistryState {
                        keys_at_head: registry.then(|| [("replay".to_owned(), None)].into()),
                        changes: Vec::new(),
                        unchecked: None,
                    },
                    ..Change::default()
                },
            )
        }

        proptest! {
            /// The verdict follows from the requirements alone: blocked exactly when a
            /// required one is missing and nothing overrides; every missing requirement
            /// has a hint and every satisfied one evidence.
            #[test]
            fn verdict_follows_requirements(change in change_strategy()) {
                let p = Policy::builtin();
                // A `Release:` value the policy does not know is an error, not a verdict.
                let Ok(class) = classify(&change, &p) else { return Ok(()) };
                let r = evaluate(&change, &class, &p);
                let missing_required = r.requirements.iter().any(RequirementResult::missing_required);
                let expected = match (missing_required, r.override_.is_some()) {
                    (false, _) => Verdict::Pass,
                    (true, true) => Verdict::Overridden,
                    (true, false) => Verdict::Blocked,
                };
                prop_assert_eq!(r.verdict, expected);
                for q in &r.requirements {
                    match q.status {
                        Status::Missing => prop_assert!(q.hint.as_deref().is_some_and(|h| !h.is_empty())),
                        Status::Satisfied => prop_assert!(!q.evidence.is_empty() && q.hint.is_none()),
                    }
                    for e in q.evidence.iter().filter(|e| e.source == EvidenceSource::File) {
                        // A diff names each path once; the generator may repeat one.
                        let counted = change
                            .files
                            .iter()
                            .any(|f| display_path(&f.path) == e.detail && f.has_new_content());
                        prop_assert!(counted, "{} counted without new content", e.detail);
                    }
                }
            }
        }
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
