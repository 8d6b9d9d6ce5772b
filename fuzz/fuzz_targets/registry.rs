//! A flag registry, as the change under judgement brings it. Whatever the text, the reader
//! returns: either every problem, each one line that names the file and, when it has a
//! place, a line and column within the text; or flags whose stages are flag stages.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::fuzzing::{self, ORIGIN};

const STAGES: [&str; 4] = ["concept", "alpha", "beta", "general-availability"];

/// The lines of `text` as YAML counts them: a line break is LF, CRLF or a lone CR.
fn yaml_lines(text: &str) -> usize {
    text.replace("\r\n", "\n").split(['\n', '\r']).count()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match fuzzing::registry(text) {
        Ok(flags) => {
            for (key, stage) in flags {
                assert!(
                    stage.as_deref().is_none_or(|s| STAGES.contains(&s)),
                    "flag {key:?} has stage {stage:?}"
                );
            }
        }
        Err(problems) => {
            assert!(!problems.is_empty(), "an error without a problem");
            let lines = yaml_lines(text);
            for problem in problems {
                let shown = &problem.shown;
                assert!(!shown.contains(['\n', '\r']), "not one line: {shown:?}");
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
