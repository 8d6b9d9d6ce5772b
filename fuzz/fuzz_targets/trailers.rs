//! Commit messages come from anyone who can push. Whatever the message, the trailer parser
//! returns, every trailer has the shape git gives one (a non-empty token of ASCII letters,
//! digits and `-`; a one-line value without git's whitespace at either end), and parsing
//! is stable: the trailers written back as a trailer block parse to themselves.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::fuzzing;

/// git's whitespace (`sane_ctype`): no vertical tab or form feed.
fn is_git_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fuzz_target!(|data: &[u8]| {
    // Commits are read lossily; what the parser meets is always a `&str`.
    let message = String::from_utf8_lossy(data);
    let trailers = fuzzing::trailers(&message);
    for (key, value) in &trailers {
        assert!(!key.is_empty(), "empty key in {message:?}");
        assert!(
            key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'),
            "key {key:?} is no token, in {message:?}"
        );
        assert!(
            !value.contains(['\n', '\0']),
            "value {value:?} spans lines, in {message:?}"
        );
        assert_eq!(
            value.trim_matches(is_git_space),
            value,
            "value untrimmed, in {message:?}"
        );
    }
    assert_eq!(fuzzing::trailers(&message), trailers, "not deterministic");

    // Written back under a title, the trailers are the whole last paragraph: they must
    // come back exactly, in order.
    let mut block = String::from("Title\n\n");
    for (key, value) in &trailers {
        block.push_str(&format!("{key}: {value}\n"));
    }
    assert_eq!(
        fuzzing::trailers(&block),
        trailers,
        "unstable: {message:?} gave {trailers:?}, written back as {block:?}"
    );
});
