//! git's pre-push stdin, as a hook could be fed it. The parser returns; an update is the
//! line it came from, four fields of which the shas are full object names of one length
//! and not both zero; an error names its line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::fuzzing;

fn is_object_id(sha: &str) -> bool {
    matches!(sha.len(), 40 | 64) && sha.bytes().all(|b| b.is_ascii_hexdigit())
}

fuzz_target!(|data: &[u8]| {
    // Non-UTF-8 stdin is refused before the parser sees it.
    let Ok(stdin) = std::str::from_utf8(data) else {
        return;
    };
    let lines: Vec<&str> = stdin.split_terminator('\n').collect();
    match fuzzing::pre_push(stdin) {
        Ok(updates) => {
            assert_eq!(updates.len(), lines.len(), "a line lost or invented");
            for ([local_ref, local_sha, remote_ref, remote_sha], line) in updates.iter().zip(&lines)
            {
                assert_eq!(
                    format!("{local_ref} {local_sha} {remote_ref} {remote_sha}"),
                    *line,
                    "fields do not make up their line"
                );
                assert!(!local_ref.is_empty() && !remote_ref.is_empty());
                assert!(!remote_ref.contains(' '), "remote ref {remote_ref:?}");
                assert!(is_object_id(local_sha) && is_object_id(remote_sha));
                assert_eq!(local_sha.len(), remote_sha.len());
                assert!(
                    !(local_sha.bytes().all(|b| b == b'0')
                        && remote_sha.bytes().all(|b| b == b'0')),
                    "two zero shas accepted"
                );
            }
        }
        Err(message) => {
            let n: usize = message
                .strip_prefix("stdin line ")
                .and_then(|rest| rest.split_once(':'))
                .and_then(|(n, _)| n.parse().ok())
                .unwrap_or_else(|| panic!("error names no line: {message:?}"));
            assert!(
                (1..=lines.len()).contains(&n),
                "line {n} of {}",
                lines.len()
            );
        }
    }
});
