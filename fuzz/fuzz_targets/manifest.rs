//! A manifest's bytes come from the change. The first byte picks the kind (Cargo.toml,
//! package.json, pyproject.toml, VERSION), the rest is the file. Whatever the bytes, the
//! reader returns; a version is valid SemVer that reads back as itself; an error is one
//! line, and when it has a place, says it and the place lies within the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::fuzzing;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    match fuzzing::manifest(kind, bytes) {
        Ok(None) => {}
        Ok(Some(version)) => {
            let text = version.to_string();
            assert_eq!(
                semver::Version::parse(&text).ok(),
                Some(version),
                "{text:?} does not read back"
            );
        }
        Err(problem) => {
            assert!(!problem.message.is_empty());
            for text in [&problem.message, &problem.unlocated] {
                assert!(!text.contains(['\n', '\r']), "not one line: {text:?}");
            }
            match (problem.line, problem.column) {
                (None, None) => assert_eq!(problem.message, problem.unlocated),
                (Some(line), Some(column)) => {
                    assert!(
                        problem
                            .message
                            .contains(&format!(" at line {line}, column {column}")),
                        "{problem:?}"
                    );
                    let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
                    assert!(line >= 1 && line <= lines, "line {line} of {lines}");
                    assert!(column >= 1 && column <= bytes.len() + 1, "column {column}");
                }
                _ => panic!("a line without a column or the reverse: {problem:?}"),
            }
        }
    }
});
