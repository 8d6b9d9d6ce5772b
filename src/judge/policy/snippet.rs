//! The line of a policy file that a problem is about, with a caret under the spot, as
//! annotate-snippets draws it (the same renderer serde-saphyr uses for its own errors):
//!
//! ```text
//!    |
//! 14 |     trailers: ["Dócs"]
//!    |                ^^^^^^
//! ```
//!
//! The line comes from the file, which is the repository's: characters that cannot be
//! seen are shown as escapes before the caret is placed, so that it stays under the spot.

use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::escape::visible;
use crate::judge::yaml::Pos;

/// At most this many characters of a line are shown; a longer line (a policy written
/// in flow style on one line) is shown as a window around the spot.
const WINDOW: usize = 100;
/// How much of a long line is shown before the spot.
const BEFORE: usize = 40;

/// The snippet for `pos` in `text`, each line of it starting with `indent`; `None` when
/// the file has no such line.
pub(crate) fn render(text: &str, pos: Pos, indent: &str) -> Option<String> {
    let line_number = usize::try_from(pos.line).ok()?;
    let line = text.split('\n').nth(line_number.checked_sub(1)?)?;
    let line = line.strip_suffix('\r').unwrap_or(line);
    let chars: Vec<char> = line.chars().collect();
    let column = usize::try_from(pos.column)
        .unwrap_or(1)
        .saturating_sub(1)
        .min(chars.len());
    let length = token_len(&chars[column..]);

    // The window of the line that is shown, in characters.
    let start = if chars.len() > WINDOW {
        column.saturating_sub(BEFORE)
    } else {
        0
    };
    let end = chars.len().min(start + WINDOW).max(column + length);
    let shown = |from: usize, to: usize| -> String {
        visible(&chars[from..to].iter().collect::<String>()).into_owned()
    };
    let mut source = String::new();
    if start > 0 {
        source.push('…');
    }
    source.push_str(&shown(start, column));
    let span_start = source.len();
    source.push_str(&shown(column, column + length));
    let span_end = source.len();
    source.push_str(&shown(column + length, end));
    if end < chars.len() {
        source.push('…');
    }

    let group = Group::with_level(Level::ERROR).element(
        Snippet::source(source.as_str())
            .line_start(line_number)
            .annotation(AnnotationKind::Primary.span(span_start..span_end)),
    );
    let drawn = Renderer::plain()
        .decor_style(DecorStyle::Ascii)
        .render(&[group]);
    let lines: Vec<String> = drawn
        .lines()
        .map(|l| format!("{indent}{}", l.trim_end()))
        .collect();
    Some(lines.join("\n"))
}

/// How many characters the token at the start of `rest` takes: a quoted scalar to its
/// closing quote, a bracket alone, else a plain scalar or key up to what ends it in
/// YAML (`: `, `,`, `]`, `}`, ` #`, the end of the line). At least one, so that a caret
/// shows even at the end of a line.
fn token_len(rest: &[char]) -> usize {
    let Some(&first) = rest.first() else {
        return 0;
    };
    match first {
        '"' | '\'' => rest
            .iter()
            .skip(1)
            .position(|&c| c == first)
            .map_or(rest.len(), |i| i + 2),
        '[' | '{' | '-' | '|' | '>' => 1,
        _ => {
            let mut len = rest.len();
            for (i, &c) in rest.iter().enumerate() {
                let next = rest.get(i + 1).copied();
                let ends = matches!(c, ',' | ']' | '}')
                    || (c == ':' && next.is_none_or(char::is_whitespace))
                    || (c == ' ' && next == Some('#'));
                if ends {
                    len = i;
                    break;
                }
            }
            let token: String = rest[..len].iter().collect();
            token.trim_end().chars().count().max(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u64, column: u64) -> Pos {
        Pos {
            line,
            column,
            file: 0,
        }
    }

    #[test]
    fn a_caret_under_the_token() {
        let text = "version: 1\nrequirements:\n  docs:\n    trailers: [\"Dócs\", x]\n";
        assert_eq!(
            render(text, at(4, 16), "  ").unwrap(),
            "    |\n  4 |     trailers: [\"Dócs\", x]\n    |                ^^^^^^"
        );
        assert_eq!(
            render(text, at(2, 1), "").unwrap(),
            "  |\n2 | requirements:\n  | ^^^^^^^^^^^^"
        );
    }

    #[test]
    fn keys_and_plain_scalars_end_where_yaml_ends_them() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(token_len(&chars("stagez: []")), 6);
        assert_eq!(token_len(&chars("docs/** # a comment")), 7);
        assert_eq!(token_len(&chars("release:full]")), 12);
        assert_eq!(token_len(&chars("'a: b' x")), 6);
        assert_eq!(token_len(&chars("[a, b]")), 1);
        assert_eq!(token_len(&chars("")), 0);
    }

    #[test]
    fn hidden_characters_are_escaped_and_the_caret_follows() {
        let text = "a: \u{200b}x: [bad]\n";
        let drawn = render(text, at(1, 9), "").unwrap();
        assert_eq!(
            drawn,
            "  |\n1 | a: \\u{200b}x: [bad]\n  |                ^^^"
        );
    }

    #[test]
    fn a_long_line_is_shown_around_the_spot() {
        let text = format!("k: [{}bad]\n", "x, ".repeat(100));
        let drawn = render(&text, at(1, 305), "").unwrap();
        let shown = drawn.lines().nth(1).unwrap();
        assert!(
            shown.starts_with("1 | …") && shown.ends_with("bad]"),
            "{drawn}"
        );
        assert!(shown.chars().count() < WINDOW + 10, "{drawn}");
    }

    #[test]
    fn no_such_line_is_no_snippet() {
        assert_eq!(render("a: 1\n", at(9, 1), ""), None);
        assert_eq!(render("a: 1\n", at(0, 1), ""), None);
    }
}
