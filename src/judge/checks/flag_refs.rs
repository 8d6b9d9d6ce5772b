//! `flag-refs`: "It's always good to put new features behind feature flags." An **added**
//! line that calls a flag by key (`calls`: PostHog's SDKs by default, each pattern's `key`
//! group the key) is a finding at that line when the flag registry lacks the key at head:
//! a typo there is a feature that never turns on.

use super::lines::FileLines;
use super::{Ctx, Sink, allows, line_text};
use crate::judge::policy::checks::FlagRefs;
use crate::judge::verdict::CheckId;

/// A flag called by key in an added line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Call {
    key: String,
    /// The call as written (`isFeatureEnabled('new-onboarding'`), trimmed to [`QUOTED`].
    call: String,
    path: Vec<u8>,
    line: u32,
}

/// A finding quotes at most this many characters of the call.
const QUOTED: usize = 80;

pub(super) fn lines(cfg: &FlagRefs, lines: &FileLines<'_>, calls: &mut Vec<Call>) {
    for line in lines.added {
        let text = line_text(line.text);
        if !cfg.set.set().is_match(&text) || allows(&text, CheckId::FlagRefs) {
            continue;
        }
        let first = calls.len();
        for i in cfg.set.set().matches(&text).into_iter() {
            for caps in cfg.calls[i].regex().captures_iter(&text) {
                let (Some(all), Some(key)) = (caps.get(0), caps.name("key")) else {
                    continue;
                };
                // Two patterns may find the same call.
                if calls[first..].iter().any(|c| c.key == key.as_str()) {
                    continue;
                }
                calls.push(Call {
                    key: key.as_str().to_owned(),
                    call: all.as_str().chars().take(QUOTED).collect(),
                    path: lines.file.path.clone(),
                    line: line.number,
                });
            }
        }
    }
}

pub(super) fn check(ctx: &Ctx<'_>, calls: &[Call], sink: &mut Sink) {
    let registry = ctx.policy.flag_registry.describe();
    // A PostHog project has no head: it is as PostHog has it now.
    let at_head = if ctx.policy.flag_registry.posthog.is_some() {
        ""
    } else {
        " at head"
    };
    let mut known = 0;
    for call in calls {
        let why = match ctx.registry {
            Some(keys) if keys.contains_key(&call.key) => {
                known += 1;
                continue;
            }
            Some(_) => format!("which {registry} does not hold{at_head}"),
            None => format!("and there is no {registry}{at_head}"),
        };
        sink.at(
            format!(
                "`{}` calls flag `{}`, {why}: add the flag to the registry, or fix the key",
                call.call, call.key
            ),
            &call.path,
            Some(call.line),
            call.key.clone(),
        );
    }
    if calls.is_empty() {
        return;
    }
    let mut note = format!(
        "{} flag call{} in added lines, {known} to flags in {registry}",
        calls.len(),
        if calls.len() == 1 { "" } else { "s" }
    );
    // PostHog says whether a flag is on; a call to one that is off ships a dark feature.
    if ctx.policy.flag_registry.posthog.is_some()
        && let Some(keys) = ctx.registry
    {
        let mut off: Vec<&str> = calls
            .iter()
            .filter(|c| matches!(keys.get(&c.key), Some(Some(state)) if state == "inactive"))
            .map(|c| c.key.as_str())
            .collect();
        off.dedup();
        if !off.is_empty() {
            note.push_str(&format!(
                "; inactive in PostHog, so off for everyone: {}",
                off.join(", ")
            ));
        }
    }
    sink.note(note);
}
