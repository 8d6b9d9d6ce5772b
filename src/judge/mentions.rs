//! Marketing told where Marketing reads (SPEC §17): which issues a change closes, and which
//! handles an issue's text mentions. Pure functions of text; the issues themselves are
//! read by the edges (`gather/github/issues.rs`).
//!
//! A mention is what GitHub would notify: the handle as a whole word (not the tail of an
//! email address, not the head of a longer handle or of a team under an organisation),
//! outside code spans, fenced code blocks and HTML comments, where GitHub notifies nobody.

use std::sync::LazyLock;

use regex::Regex;

/// `Closes #12`, `fixes: #3`, `Resolved acme/app#7`: GitHub's closing keywords, the ones
/// the handbook asks for ("Closes #289"). The repository, when named, must be the run's.
static CLOSING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+(?:([A-Za-z0-9-]+)/([A-Za-z0-9._-]+))?#([0-9]{1,9})\b",
    )
    .expect("the closing-keyword pattern compiles")
});

/// The issue numbers of `repository` (`owner/name`) that `texts` (commit messages, the
/// pull-request body) close, in order of first appearance, each once.
pub(crate) fn closed_issues<'t>(
    texts: impl IntoIterator<Item = &'t str>,
    repository: &str,
) -> Vec<u64> {
    let mut out = Vec::new();
    for text in texts {
        let visible = visible(text);
        for caps in CLOSING.captures_iter(&visible) {
            if let (Some(owner), Some(name)) = (caps.get(1), caps.get(2)) {
                let named = format!("{}/{}", owner.as_str(), name.as_str());
                if !named.eq_ignore_ascii_case(repository) {
                    continue;
                }
            }
            let Ok(number) = caps[3].parse::<u64>() else {
                continue;
            };
            if number > 0 && !out.contains(&number) {
                out.push(number);
            }
        }
    }
    out
}

/// The `handles` (`@login`, `@org/team`) that `text` mentions, in the order of `handles`.
/// Handles compare ASCII-case-insensitively, as GitHub's do.
pub(crate) fn mentioned<'h>(text: &str, handles: &'h [String]) -> Vec<&'h str> {
    let visible = visible(text);
    let bytes = visible.as_bytes();
    handles
        .iter()
        .filter(|handle| {
            let needle = handle.as_bytes();
            (0..bytes.len().saturating_sub(needle.len() - 1)).any(|at| {
                bytes[at..at + needle.len()].eq_ignore_ascii_case(needle)
                    && starts_word(bytes, at)
                    && ends_word(bytes, at + needle.len())
            })
        })
        .map(String::as_str)
        .collect()
}

/// Nothing that could continue a word, an email address or a path stands before `@`.
fn starts_word(bytes: &[u8], at: usize) -> bool {
    at == 0
        || !matches!(bytes[at - 1], b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' | b'@' | b'`')
}

/// Nothing that would make it a longer login or a team (`@acme/marketing` is not `@acme`)
/// follows; a full stop ends a sentence unless a name goes on after it.
fn ends_word(bytes: &[u8], end: usize) -> bool {
    match bytes.get(end) {
        None => true,
        Some(b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'/') => false,
        Some(b'.') => !bytes
            .get(end + 1)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_')),
        Some(_) => true,
    }
}

/// `text` with HTML comments, fenced code blocks and code spans blanked out (each byte a
/// space, line feeds kept), so what is left is what GitHub reads for mentions and
/// references.
pub(crate) fn visible(text: &str) -> String {
    let text = blank_comments(text);
    let text = blank_fences(&text);
    blank_code_spans(&text)
}

fn blank(out: &mut String, part: &str) {
    out.extend(part.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
}

/// `<!-- ... -->`; an unclosed comment hides the rest, as it does when rendered.
fn blank_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        let end = rest[start + 4..]
            .find("-->")
            .map_or(rest.len(), |end| start + 4 + end + 3);
        blank(&mut out, &rest[start..end]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Fenced code blocks: a line of three or more backticks or tildes (indented at most three
/// spaces) opens one, a line of at least as many of the same closes it; an unclosed one
/// runs to the end, as CommonMark says.
fn blank_fences(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open: Option<(u8, usize)> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let fence = (indent <= 3)
            .then(|| {
                let c = *trimmed.as_bytes().first()?;
                let run = trimmed.bytes().take_while(|b| *b == c).count();
                (matches!(c, b'`' | b'~') && run >= 3).then_some((c, run))
            })
            .flatten();
        match (open, fence) {
            (None, Some(f)) => {
                open = Some(f);
                blank(&mut out, line);
            }
            (Some((c, n)), Some((fc, fnum)))
                if c == fc && fnum >= n && trimmed[fnum..].trim().is_empty() =>
            {
                open = None;
                blank(&mut out, line);
            }
            (Some(_), _) => blank(&mut out, line),
            (None, None) => out.push_str(line),
        }
    }
    out
}

/// Code spans: a run of backticks up to the next run of exactly as many.
fn blank_code_spans(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|b| **b == b'`').count();
        let mut j = i + run;
        let mut close = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let other = bytes[j..].iter().take_while(|b| **b == b'`').count();
                if other == run {
                    close = Some(j + other);
                    break;
                }
                j += other;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                out.push_str(&text[copied..i]);
                blank(&mut out, &text[i..end]);
                copied = end;
                i = end;
            }
            None => i += run,
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handles(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn closing_keywords_name_issues_of_this_repository_only() {
        let texts = [
            "Replay v2\n\nCloses #12, fixes: #3 and resolved ACME/app#7",
            "Fixes other/app#9; closes #12 again; see #44; prefixes #5",
            "<!-- Closes #99 --> `Closes #98`",
        ];
        assert_eq!(closed_issues(texts, "acme/app"), [12, 3, 7]);
        assert_eq!(
            closed_issues(["Closes #0 Closes #1234567890"], "a/b"),
            Vec::<u64>::new()
        );
    }

    #[test]
    fn a_mention_is_a_whole_handle() {
        let h = handles(&["@acme/marketing", "@dana"]);
        assert_eq!(mentioned("cc @acme/marketing.", &h), ["@acme/marketing"]);
        assert_eq!(mentioned("(@Dana) please", &h), ["@dana"]);
        assert_eq!(mentioned("@dana", &h), ["@dana"]);
        for miss in [
            "mail dana@dana.example or x@dana",
            "@danaxyz and @dana-b and @dana_c",
            "@acme/marketing-eu @acme/marketing.eu",
            "@dana/team",
            "https://github.com/@dana",
            "`@dana` and ``say @acme/marketing``",
            "<!-- @dana -->",
            "```\n@dana\n```\n~~~~\n@acme/marketing\n~~~\n",
        ] {
            assert!(mentioned(miss, &h).is_empty(), "{miss}");
        }
        // A team of an organisation is not the organisation.
        assert!(mentioned("@acme/marketing", &handles(&["@acme"])).is_empty());
        // An unclosed code span is plain text, so the mention stands.
        assert_eq!(mentioned("a ` b @dana", &h), ["@dana"]);
        assert_eq!(mentioned("```\ncode\n```\nthen @dana", &h), ["@dana"]);
    }
}
