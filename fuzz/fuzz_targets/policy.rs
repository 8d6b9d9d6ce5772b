//! A policy file, as a repository holds it. Whatever the text, the reader returns: either
//! every problem, each one line that names the file and, when it has a place, a line and
//! column within the text; or a policy that judges without panicking, where every missing
//! requirement says what would satisfy it (a hint that is not empty) and every satisfied
//! one has none.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::fuzzing::{self, ORIGIN};

/// The lines of `text` as YAML counts them: a line break is LF, CRLF or a lone CR.
fn yaml_lines(text: &str) -> usize {
    text.replace("\r\n", "\n").split(['\n', '\r']).count()
}

fuzz_target!(|data: &[u8]| {
    // The policy is checked to be UTF-8 before the reader sees it.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let result = fuzzing::policy(text);
    assert_eq!(fuzzing::policy(text), result, "not deterministic");
    match result {
        Ok(judged) => {
            for (id, status, hint) in judged {
                match status {
                    "missing" => assert!(
                        hint.as_deref().is_some_and(|h| !h.trim().is_empty()),
                        "`{id}` is missing and says nothing of what would satisfy it"
                    ),
                    "satisfied" => assert_eq!(hint, None, "`{id}`"),
                    other => panic!("status {other}"),
                }
            }
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "an error without a problem");
            let lines = yaml_lines(text);
            for problem in problems {
                let shown = &problem.shown;
                assert!(!shown.contains(['\n', '\r']), "not one line: {shown:?}");
                // The fuzzed file extends the built-in policy, and a value of the file can
                // break one of the built-in's (a flag stage the file's registry lacks): that
                // problem is where the built-in says it.
                if shown.starts_with("built-in:") {
                    continue;
                }
                match problem.pos {
                    Some((line, column)) => {
                        assert!(
                            shown.starts_with(&format!("{ORIGIN}:{line}:{column}: ")),
                            "{shown:?}"
                        );
                        assert!(line >= 1 && column >= 1, "{shown:?}");
                        assert!(line as usize <= lines + 1, "{shown:?} of {lines} lines");
                    }
                    None => assert!(shown.starts_with(&format!("{ORIGIN}: ")), "{shown:?}"),
                }
            }
        }
    }
});
