//! What makes text inert where it is written: characters nobody can see shown as escapes,
//! and lines that a GitHub Actions runner would read as workflow commands defused.
//!
//! The runner reads every line of a step's stdout *and* stderr looking for commands
//! (`::name …::` at the start of a line once leading whitespace is trimmed, `##[name …]`
//! anywhere in it), after splitting at `\n`, `\r\n` and a lone `\r`. A line is defused
//! like this:
//!
//! - a character that is invisible or ends a line somewhere (controls, zero-width and
//!   other default-ignorable characters, bidi controls, U+2028/U+2029) is shown as a
//!   `\u{..}` escape. The runner matches `::` and `##[` with .NET culture-sensitive string
//!   search, which skips such characters, so `#\u{200b}#[` could still be read as `##[`
//!   there;
//! - `##[` (the legacy command form, honoured anywhere in a line) is shown as `#\u{23}[`;
//! - a line that starts with `::` once leading whitespace is trimmed (the current form)
//!   has that first `:` shown as `\u{3a}`.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters that do not show, or that something splits lines at: controls, bidi
/// controls, line and paragraph separators, and the default-ignorable and format
/// characters (zero-width spaces and joiners, soft hyphen, variation selectors, tags...).
/// ICU collation, which the runner's string search uses, ignores the last kind.
pub fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c as u32,
            0x00AD
                | 0x034F
                | 0x0600..=0x0605
                | 0x061C
                | 0x06DD
                | 0x070F
                | 0x0890..=0x0891
                | 0x08E2
                | 0x115F..=0x1160
                | 0x17B4..=0x17B5
                | 0x180B..=0x180F
                | 0x200B..=0x200F
                | 0x2028..=0x202E
                | 0x2060..=0x206F
                | 0x3164
                | 0xFE00..=0xFE0F
                | 0xFEFF
                | 0xFFA0
                | 0xFFF0..=0xFFFB
                | 0x110BD
                | 0x110CD
                | 0x13430..=0x1343F
                | 0x1BCA0..=0x1BCA3
                | 0x1D173..=0x1D17A
                | 0xE0000..=0xE0FFF
        )
}

/// `s` with every [`hidden`] character shown as a `\u{..}` escape. The escapes are
/// visible ASCII, so applying it twice changes nothing.
pub(crate) fn visible(s: &str) -> Cow<'_, str> {
    escape_chars(s, hidden)
}

/// [`visible`], keeping the line breaks (as real ones; a `\r` before one is dropped).
pub(crate) fn lines_visible(s: &str) -> String {
    s.split('\n')
        .map(|line| visible(line.strip_suffix('\r').unwrap_or(line)).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `s` with every character that `bad` picks shown as a `\u{..}` escape.
pub(crate) fn escape_chars(s: &str, bad: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Makes every line of `text` plain text for the runner (see the module docs). Line feeds
/// stay line feeds; every other line end is shown as an escape.
pub(crate) fn defuse(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        let body = visible(body).replace("##[", "#\\u{23}[");
        let indent = body.len() - body.trim_start().len();
        if body[indent..].starts_with("::") {
            out.push_str(&body[..indent]);
            out.push_str("\\u{3a}");
            out.push_str(&body[indent + 1..]);
        } else {
            out.push_str(&body);
        }
        out.push_str(newline);
    }
    out
}

/// The length of the style at the start of `s`, if `s` starts with one: anstyle writes
/// only SGR sequences, `ESC [ digits-and-semicolons m`.
fn style_len(s: &str) -> Option<usize> {
    let params = s.strip_prefix("\x1b[")?;
    let n = params
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    (params.as_bytes().get(n) == Some(&b'm')).then_some(2 + n + 1)
}

/// Removes the styles of the text format. Any other ESC stays, for [`visible`] to show.
pub(crate) fn strip_styles(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('\x1b') {
        out.push_str(&rest[..at]);
        match style_len(&rest[at..]) {
            Some(n) => rest = &rest[at + n..],
            None => {
                out.push('\x1b');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every [`hidden`] character but the line feed shown as an escape; styles (SGR
/// sequences) kept, for the terminal stream to show or drop. What is written where no
/// runner reads commands still never carries a character that cannot be seen.
pub(crate) fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && hidden(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some(n) = style_len(rest) {
            out.push_str(&rest[..n]);
            rest = &rest[n..];
            continue;
        }
        if c != '\n' && hidden(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_styles_are_stripped() {
        assert_eq!(
            strip_styles("\x1b[1mstage\x1b[0m x\x1b[31;1my\x1b[m"),
            "stage xy"
        );
        // An ESC that is not a style stays, for `visible` to show.
        assert_eq!(
            strip_styles("a\x1b]0;t\x07b\x1b[2Jc\x1b"),
            "a\x1b]0;t\x07b\x1b[2Jc\x1b"
        );
        assert_eq!(defuse(&strip_styles("a\x1b[2J\nb")), "a\\u{1b}[2J\nb");
    }

    #[test]
    fn shown_keeps_line_feeds_and_styles_only() {
        assert_eq!(shown("plain\ntext\n"), "plain\ntext\n");
        assert_eq!(
            shown("\x1b[1mok\x1b[0m a\u{200b}b\u{2028}c\u{feff}\r\n\x1b]0;t\x07"),
            "\x1b[1mok\x1b[0m a\\u{200b}b\\u{2028}c\\u{feff}\\u{d}\n\\u{1b}]0;t\\u{7}"
        );
        assert_eq!(shown("x\u{202e}y\t"), "x\\u{202e}y\\u{9}");
    }

    #[test]
    fn defuse_and_visible_are_idempotent() {
        for s in [
            "##[error]x",
            "  ::error::x",
            "a\u{200b}::b\r\n#\u{feff}#[",
            "plain",
        ] {
            let once = defuse(s);
            assert_eq!(defuse(&once), once, "{s:?}");
            assert_eq!(visible(&visible(s)), visible(s));
        }
        assert_eq!(
            defuse("  ::error::x\n##[warning]y"),
            "  \\u{3a}:error::x\n#\\u{23}[warning]y"
        );
    }
}
