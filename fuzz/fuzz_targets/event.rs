//! A GitHub Actions event payload, as a workflow or whatever wrote `GITHUB_EVENT_PATH` left
//! it. The first byte picks the event name, the rest is the payload. Whatever the bytes,
//! the reader returns; an error is `bad-event` naming the payload file, or
//! `unsupported-event` for an event shipgate does not handle; what it takes from the
//! payload stays within its caps (SPEC §11: values from an event payload are capped), and a
//! pull request's revisions are commit ids.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::fuzzing::{self, EVENT_PATH};

/// The events shipgate handles, and one it does not.
const EVENTS: [&str; 7] = [
    "pull_request",
    "pull_request_target",
    "merge_group",
    "push",
    "release",
    "workflow_dispatch",
    "issue_comment",
];

const MAX_VALUE_BYTES: usize = 4 * 1024;
const MAX_BODY_BYTES: usize = 1024 * 1024;
const MAX_LABELS: usize = 1000;

fn is_object_id(sha: &str) -> bool {
    matches!(sha.len(), 40 | 64) && sha.bytes().all(|b| b.is_ascii_hexdigit())
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, payload)) = data.split_first() else {
        return;
    };
    let event = EVENTS[usize::from(pick) % EVENTS.len()];
    let result = fuzzing::github_event(event, payload);
    assert_eq!(
        fuzzing::github_event(event, payload),
        result,
        "not deterministic"
    );
    match result {
        Err(("unsupported-event", message)) => {
            assert_eq!(event, "issue_comment", "{message}");
        }
        Err(("bad-event", message)) => {
            assert!(
                message.starts_with(&format!("{EVENT_PATH}: ")),
                "an error that does not name the payload: {message:?}"
            );
        }
        Err((code, message)) => panic!("error code {code}: {message}"),
        Ok(run) => {
            assert_ne!(event, "issue_comment");
            let values = run
                .base
                .iter()
                .map(|(_, value)| value)
                .chain(&run.head)
                .chain(&run.tags)
                .chain(&run.stage)
                .chain(run.labels.iter().flatten());
            for value in values {
                assert!(value.len() <= MAX_VALUE_BYTES, "{} bytes", value.len());
            }
            assert!(run.labels.as_ref().is_none_or(|l| l.len() <= MAX_LABELS));
            assert!(run.body.as_ref().is_none_or(|b| b.len() <= MAX_BODY_BYTES));
            if event.starts_with("pull_request") || event == "merge_group" {
                let head = run.head.as_deref().expect("a pull request has a head");
                let Some(("rev", base)) = &run.base else {
                    panic!("a pull request's base is a revision: {:?}", run.base);
                };
                assert!(is_object_id(head) && is_object_id(base), "{head} {base}");
            }
            if event == "merge_group" {
                assert!(run.queued.is_some(), "no queued pull request");
            }
        }
    }
});
