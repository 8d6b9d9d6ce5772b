//! How the GitHub Actions runner (actions/runner) reads what a step writes, ported for
//! tests: its line splitting (`ProcessInvoker` reads output with .NET
//! `StreamReader.ReadLine`), its two workflow-command parsers (`ActionCommand.TryParseV2`
//! for `::name key=value,...::data`, tried first, and `ActionCommand.TryParse` for the
//! legacy `##[name key=value;...]data`), and its reader of the `GITHUB_OUTPUT` file
//! (`EnvFileKeyValuePairs`).
//!
//! Two widenings make a check against this port stricter than the runner itself:
//! [`Names::Any`] counts every command name as registered (`::stop-commands::TOKEN`
//! registers any token as a name), and [`Matching::Culture`] models the culture-sensitive
//! .NET `StartsWith(string)` and `IndexOf(string)` that the parsers call: under ICU they
//! skip ignorable characters, so `:\u{200b}:` can match `::`. The ignorable set assumed is
//! `crate::escape::hidden`; the port then shows that what shipgate escapes is
//! enough if ICU ignores no more than that.
//!
//! Indices are UTF-16 code units, as in .NET, so that the parsers' fixed offsets (`+2`
//! after `::`, `+3` after `##[`) land where they land in the runner.

use crate::escape::hidden;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Command {
    pub(crate) name: String,
    /// In first-insertion order; the runner's dictionary ignores key case and keeps the
    /// last value.
    pub(crate) properties: Vec<(String, String)>,
    pub(crate) data: String,
}

impl Command {
    fn set(&mut self, key: String, value: String) {
        match self
            .properties
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(&key))
        {
            Some(slot) => slot.1 = value,
            None => self.properties.push((key, value)),
        }
    }
}

/// Which command names the runner has registered.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Names<'a> {
    /// Every name, as after `::stop-commands::` registered an unknown token.
    Any,
    /// These, compared ignoring case like the runner's `HashSet`.
    Only(&'a [&'a str]),
}

impl Names<'_> {
    fn contains(self, name: &str) -> bool {
        match self {
            Names::Any => true,
            Names::Only(names) => names.iter().any(|n| n.eq_ignore_ascii_case(name)),
        }
    }
}

/// How `::` and `##[` are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Matching {
    /// Code unit by code unit.
    Ordinal,
    /// Skipping ignorable characters, as ICU collation does.
    Culture,
}

/// The lines of a step's output: `ReadLine` ends a line at `\n`, `\r\n` or a lone `\r`,
/// and returns no empty line after a final line break.
pub(crate) fn lines(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'\n' => {
                out.push(&s[start..i]);
                i += 1;
                start = i;
            }
            b'\r' => {
                out.push(&s[start..i]);
                i += 1;
                if b.get(i) == Some(&b'\n') {
                    i += 1;
                }
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < b.len() {
        out.push(&s[start..]);
    }
    out
}

/// `ActionCommandManager.TryProcessCommand`: the current form first, then the legacy one.
pub(crate) fn parse_line(line: &str, names: Names<'_>, matching: Matching) -> Option<Command> {
    let units: Vec<u16> = line.encode_utf16().collect();
    try_parse_v2(&units, names, matching).or_else(|| try_parse_v1(&units, names, matching))
}

/// Every command that the runner would run for this output, in order.
pub(crate) fn commands(output: &str, names: Names<'_>, matching: Matching) -> Vec<Command> {
    lines(output)
        .into_iter()
        .filter_map(|l| parse_line(l, names, matching))
        .collect()
}

fn try_parse_v2(message: &[u16], names: Names<'_>, m: Matching) -> Option<Command> {
    if message.is_empty() {
        return None;
    }
    // "the message needs to start with the keyword after trim leading space"
    let start = message
        .iter()
        .position(|&u| !is_white_space(u))
        .unwrap_or(message.len());
    let message = &message[start..];
    if !starts_with(message, 0, "::", m) {
        return None;
    }
    let end = index_of(message, "::", 2, m)?;
    // `Substring` throws on a negative length or a start past the end; the runner
    // catches it and reads no command.
    if end < 2 || end + 2 > message.len() {
        return None;
    }
    let info = &message[2..end];
    let space = info.iter().position(|&u| u == u16::from(b' '));
    let name = utf16(&info[..space.unwrap_or(info.len())]);
    if !names.contains(&name) {
        return None;
    }
    let mut command = Command {
        name,
        properties: Vec::new(),
        data: String::new(),
    };
    if let Some(space) = space.filter(|&s| s > 0) {
        let props = trim(&info[space + 1..]);
        for prop in props
            .split(|&u| u == u16::from(b','))
            .filter(|p| !p.is_empty())
        {
            if let [key, value] = split_two(prop, b'=')[..] {
                command.set(utf16(key), unescape(&utf16(value), PROPERTY));
            }
        }
    }
    command.data = unescape(&utf16(&message[end + 2..]), DATA);
    Some(command)
}

fn try_parse_v1(message: &[u16], names: Names<'_>, m: Matching) -> Option<Command> {
    if message.is_empty() {
        return None;
    }
    let prefix = index_of(message, "##[", 0, m)?;
    let rb = prefix
        + message[prefix..]
            .iter()
            .position(|&u| u == u16::from(b']'))?;
    let cmd = prefix + 3;
    if rb < cmd {
        return None;
    }
    let info = &message[cmd..rb];
    let space = info.iter().position(|&u| u == u16::from(b' '));
    let name = utf16(&info[..space.unwrap_or(info.len())]);
    if !names.contains(&name) {
        return None;
    }
    let mut command = Command {
        name,
        properties: Vec::new(),
        data: String::new(),
    };
    if let Some(space) = space.filter(|&s| s > 0) {
        let props = &info[space + 1..];
        for prop in props
            .split(|&u| u == u16::from(b';'))
            .filter(|p| !p.is_empty())
        {
            if let [key, value] = split_two(prop, b'=')[..] {
                command.set(utf16(key), unescape(&utf16(value), LEGACY));
            }
        }
    }
    command.data = unescape(&utf16(&message[rb + 1..]), LEGACY);
    Some(command)
}

/// The runner's escape tables, in the order it undoes them (one `Replace` after another).
const LEGACY: &[(&str, &str)] = &[
    (";", "%3B"),
    ("\r", "%0D"),
    ("\n", "%0A"),
    ("]", "%5D"),
    ("%", "%25"),
];
const DATA: &[(&str, &str)] = &[("\r", "%0D"), ("\n", "%0A"), ("%", "%25")];
const PROPERTY: &[(&str, &str)] = &[
    ("\r", "%0D"),
    ("\n", "%0A"),
    (":", "%3A"),
    (",", "%2C"),
    ("%", "%25"),
];

fn unescape(s: &str, table: &[(&str, &str)]) -> String {
    let mut s = s.to_owned();
    for (token, replacement) in table {
        s = s.replace(replacement, token);
    }
    s
}

/// `s.Split(new[] { sep }, count: 2, StringSplitOptions.RemoveEmptyEntries)` as .NET
/// (Core) does it: empty pieces are dropped, including empty pieces right after the first
/// one, so `a==b` splits into `a` and `b`.
fn split_two(s: &[u16], sep: u8) -> Vec<&[u16]> {
    let seps: Vec<usize> = (0..s.len()).filter(|&i| s[i] == u16::from(sep)).collect();
    if seps.is_empty() {
        return if s.is_empty() { vec![] } else { vec![s] };
    }
    let mut out = Vec::new();
    let mut current = 0;
    let mut i = 0;
    while i < seps.len() {
        let entry = &s[current..seps[i]];
        if !entry.is_empty() {
            out.push(entry);
        }
        current = seps[i] + 1;
        if out.len() == 1 {
            i += 1;
            while i < seps.len() && s[current..seps[i]].is_empty() {
                current = seps[i] + 1;
                i += 1;
            }
            break;
        }
        i += 1;
    }
    let last = &s[current..];
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// `char.IsWhiteSpace`: the Unicode White_Space property, all of it in the BMP.
fn is_white_space(u: u16) -> bool {
    char::from_u32(u32::from(u)).is_some_and(char::is_whitespace)
}

fn trim(s: &[u16]) -> &[u16] {
    let start = s
        .iter()
        .position(|&u| !is_white_space(u))
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&u| !is_white_space(u))
        .map_or(start, |e| e + 1);
    &s[start..end.max(start)]
}

/// The character starting at `i` and its length in code units (a lone surrogate is its
/// own "character", never ignorable).
fn char_at(s: &[u16], i: usize) -> (Option<char>, usize) {
    let mut it = char::decode_utf16(s[i..].iter().copied());
    match it.next() {
        Some(Ok(c)) => (Some(c), c.len_utf16()),
        _ => (None, 1),
    }
}

fn ignorable(s: &[u16], i: usize) -> Option<usize> {
    match char_at(s, i) {
        (Some(c), len) if hidden(c) => Some(len),
        _ => None,
    }
}

fn starts_with(s: &[u16], from: usize, pattern: &str, m: Matching) -> bool {
    let mut j = from;
    for p in pattern.encode_utf16() {
        if m == Matching::Culture {
            while j < s.len() {
                match ignorable(s, j) {
                    Some(len) => j += len,
                    None => break,
                }
            }
        }
        if s.get(j) != Some(&p) {
            return false;
        }
        j += 1;
    }
    true
}

fn index_of(s: &[u16], pattern: &str, from: usize, m: Matching) -> Option<usize> {
    if from > s.len() {
        return None;
    }
    // A culture match may begin with ignorable characters; reporting it where they begin
    // is the earliest place the runner could cut, so the check stays on the strict side.
    (from..s.len()).find(|&i| starts_with(s, i, pattern, m))
}

fn utf16(s: &[u16]) -> String {
    String::from_utf16_lossy(s)
}

/// `EnvFileKeyValuePairs`: the `GITHUB_OUTPUT` file as `name=value` lines and
/// `name<<DELIMITER` heredocs. A Windows runner also ends a line at `\r\n`.
pub(crate) fn env_file(text: &str, windows: bool) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut index = 0;
    while let Some((line, _)) = read_line(text, &mut index, windows) {
        if line.is_empty() {
            continue;
        }
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                let (key, value) = line.split_at(e);
                out.push((key.to_owned(), value[1..].to_owned()));
            }
            (e, Some(h)) if e.is_none_or(|e| h < e) => {
                let (key, delimiter) = (&line[..h], &line[h + 2..]);
                if key.is_empty() || delimiter.is_empty() {
                    return Err(format!(
                        "Invalid format '{line}'. Name must not be empty and delimiter must not be empty"
                    ));
                }
                let start = index;
                let mut end = index;
                loop {
                    let Some((temp, newline)) = read_line(text, &mut index, windows) else {
                        return Err(format!(
                            "Invalid value. Matching delimiter not found '{delimiter}'"
                        ));
                    };
                    if temp == delimiter {
                        break;
                    }
                    let Some(newline) = newline else {
                        return Err("Invalid value. EOF marker missing new line.".to_owned());
                    };
                    end = index - newline.len();
                }
                let value = if end > start { &text[start..end] } else { "" };
                out.push((key.to_owned(), value.to_owned()));
            }
            _ => return Err(format!("Invalid format '{line}'")),
        }
    }
    Ok(out)
}

fn read_line<'a>(
    text: &'a str,
    index: &mut usize,
    windows: bool,
) -> Option<(&'a str, Option<&'static str>)> {
    if *index >= text.len() {
        return None;
    }
    let start = *index;
    let Some(lf) = text[start..].find('\n').map(|i| start + i) else {
        *index = text.len();
        return Some((&text[start..], None));
    };
    if windows
        && let Some(crlf) = text[start..].find("\r\n").map(|i| start + i)
        && crlf < lf
    {
        *index = crlf + 2;
        return Some((&text[start..crlf], Some("\r\n")));
    }
    *index = lf + 1;
    Some((&text[start..lf], Some("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a hosted runner registers, plus `stop-commands`.
    const REGISTERED: &[&str] = &[
        "stop-commands",
        "set-env",
        "set-output",
        "save-state",
        "add-mask",
        "add-path",
        "add-matcher",
        "remove-matcher",
        "warning",
        "error",
        "notice",
        "debug",
        "group",
        "endgroup",
        "echo",
    ];

    fn parse(line: &str) -> Option<Command> {
        parse_line(line, Names::Only(REGISTERED), Matching::Ordinal)
    }

    fn cmd(name: &str, props: &[(&str, &str)], data: &str) -> Command {
        Command {
            name: name.to_owned(),
            properties: props
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            data: data.to_owned(),
        }
    }

    #[test]
    fn lines_end_at_lf_crlf_and_a_lone_cr() {
        assert_eq!(lines("a\nb\r\nc\rd"), ["a", "b", "c", "d"]);
        assert_eq!(lines("a\r\r\nb\n"), ["a", "", "b"]);
        assert_eq!(lines("\n"), [""]);
        assert!(lines("").is_empty());
    }

    #[test]
    fn v2_commands_with_properties_and_escapes() {
        assert_eq!(
            parse("::error file=a.yml,line=3,title=x%3Ay%2Cz::one%0Atwo%25"),
            Some(cmd(
                "error",
                &[("file", "a.yml"), ("line", "3"), ("title", "x:y,z")],
                "one\ntwo%"
            ))
        );
        assert_eq!(
            parse("   ::warning::x::y"),
            Some(cmd("warning", &[], "x::y"))
        );
        assert_eq!(parse("::ERROR::shout"), Some(cmd("ERROR", &[], "shout")));
        // Not at the start of the line, no second `::`, or not registered.
        assert_eq!(parse("x ::error::y"), None);
        assert_eq!(parse("::error"), None);
        assert_eq!(parse("::frobnicate::y"), None);
        // The property list is trimmed, empty entries and leading `=` are dropped.
        assert_eq!(
            parse("::error  title==a=b,,k,  ::d"),
            Some(cmd("error", &[("title", "a=b")], "d"))
        );
    }

    #[test]
    fn v1_commands_anywhere_in_a_line() {
        assert_eq!(
            parse("build says ##[error k=v%3B;x=%5D]data%0A"),
            Some(cmd("error", &[("k", "v;"), ("x", "]")], "data\n"))
        );
        assert_eq!(parse("##[frobnicate]x"), None);
        assert_eq!(parse("##[error"), None);
    }

    #[test]
    fn any_name_counts_when_commands_may_be_stopped() {
        let any = |l: &str| parse_line(l, Names::Any, Matching::Ordinal);
        assert_eq!(any("::token-123::"), Some(cmd("token-123", &[], "")));
        assert_eq!(any("::::"), Some(cmd("", &[], "")));
        assert_eq!(any("a ##[]b"), Some(cmd("", &[], "b")));
    }

    #[test]
    fn culture_matching_skips_ignorable_characters() {
        let culture = |l: &str| parse_line(l, Names::Any, Matching::Culture);
        assert!(parse_line("#\u{200b}#[error]x", Names::Any, Matching::Ordinal).is_none());
        assert!(culture("#\u{200b}#[error]x").is_some());
        assert!(culture("\u{feff}::error::x").is_some());
        assert!(culture("#\\u{23}[error]x").is_none());
    }

    #[test]
    fn output_files_as_the_runner_reads_them() {
        let text = "a=1\n\nb<<EOF\nx\n\ny\nEOF\nc<<EOF\nEOF\n";
        let want = [("a", "1"), ("b", "x\n\ny"), ("c", "")];
        let want: Vec<_> = want
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(env_file(text, false).unwrap(), want);
        assert_eq!(env_file(text, true).unwrap(), want);
        // A Windows runner takes `\r\n` as the line end, so a value's last `\r` is lost.
        assert_eq!(
            env_file("a<<E\nx\r\nE\n", true).unwrap(),
            [("a".to_owned(), "x".to_owned())]
        );
        assert_eq!(
            env_file("a<<E\nx\r\nE\n", false).unwrap(),
            [("a".to_owned(), "x\r".to_owned())]
        );
        assert!(env_file("a<<E\nx\n", false).is_err());
        assert!(env_file("a<<E\nx", false).is_err());
        assert!(env_file("<<E\nE\n", false).is_err());
        assert!(env_file("junk\n", false).is_err());
    }

    #[test]
    fn dotnet_split_with_a_count_drops_empty_pieces() {
        let s = |x: &str| x.encode_utf16().collect::<Vec<_>>();
        let parts = |x: &str| {
            split_two(&s(x), b'=')
                .into_iter()
                .map(utf16)
                .collect::<Vec<_>>()
        };
        assert_eq!(parts("a=b=c"), ["a", "b=c"]);
        assert_eq!(parts("a==b"), ["a", "b"]);
        assert_eq!(parts("=a=b"), ["a", "b"]);
        assert_eq!(parts("a="), ["a"]);
        assert_eq!(parts("a"), ["a"]);
        assert!(parts("").is_empty());
    }
}
