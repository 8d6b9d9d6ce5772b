//! Commit headers as libgit2's `commit_parse` reads them.

use git2::Oid;

/// What the walks and the change take from a commit object.
pub(super) struct Header<'a> {
    pub(super) tree: Oid,
    pub(super) parents: Vec<Oid>,
    pub(super) time: i64,
    /// As `git_commit_message` gives it: after the header's blank line, up to a NUL,
    /// leading newlines dropped.
    pub(super) message: &'a [u8],
    /// The first `author` line's email, as `git2::Signature::email_bytes` gives it.
    pub(super) author_email: &'a [u8],
}

/// Parses a commit as libgit2's `commit_parse` does, both its quick form (the walks')
/// and its full one (`git2::Commit`'s), or `None` where either would fail or the two
/// could disagree: a `tree` line, `parent` lines, at least one `author` line, a
/// `committer` line, other headers, a blank line, the message.
pub(super) fn parse_commit(data: &[u8]) -> Option<Header<'_>> {
    let mut rest = data.strip_prefix(b"tree ")?;
    let (tree, after) = oid_line(rest)?;
    rest = after;
    let mut parents = Vec::new();
    while let Some(line) = rest.strip_prefix(b"parent ") {
        let (oid, after) = oid_line(line)?;
        parents.push(oid);
        rest = after;
    }
    // The full parse wants one author; both parse every author line there is.
    if !rest.starts_with(b"author ") {
        return None;
    }
    // The full parse keeps the first author and passes over the others.
    let (_, author_email, after) = signature(rest, b"author ")?;
    rest = after;
    while rest.starts_with(b"author ") {
        let (_, _, after) = signature(rest, b"author ")?;
        rest = after;
    }
    let (time, _, after) = signature(rest, b"committer ")?;
    let committer_end = data.len() - after.len();
    Some(Header {
        tree,
        parents,
        time,
        message: message(data, committer_end),
        author_email,
    })
}

/// `<40 hex digits>\n` (`git_object__parse_oid_header` after its prefix).
fn oid_line(line: &[u8]) -> Option<(Oid, &[u8])> {
    let (hex, rest) = line.split_at_checked(40)?;
    let rest = rest.strip_prefix(b"\n")?;
    let mut raw = [0u8; 20];
    for (byte, pair) in raw.iter_mut().zip(hex.chunks_exact(2)) {
        *byte = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
    }
    Some((Oid::from_bytes(&raw).ok()?, rest))
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// `git_signature__parse` with its header and `\n` as the end: whether it succeeds, the
/// time and email it reads, and what follows the line.
fn signature<'a>(buffer: &'a [u8], header: &[u8]) -> Option<(i64, &'a [u8], &'a [u8])> {
    let end = memchr(b'\n', buffer)?;
    let line = &buffer[..end];
    // The header must be followed by something before the end of the line.
    if line.len() <= header.len() || !line.starts_with(header) {
        return None;
    }
    let body = &line[header.len()..];
    let email_start = body.iter().rposition(|&b| b == b'<')?;
    let email_end = body.iter().rposition(|&b| b == b'>')?;
    if email_end <= email_start {
        return None;
    }
    // "Do we even have a time at the end of the signature?" (two bytes past the `>`).
    let time = match body.get(email_end + 2..) {
        Some(digits) if !digits.is_empty() => strntol64(digits)?,
        _ => 0,
    };
    Some((
        time,
        email(&body[email_start + 1..email_end]),
        &buffer[end + 1..],
    ))
}

/// The email between `<` and `>` as libgit2 keeps it (`extract_trimmed`: white space off
/// both ends) and hands it out (a C string: up to its first NUL).
fn email(raw: &[u8]) -> &[u8] {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0c | b'\r' | 0x0b);
    let start = raw.iter().take_while(|b| is_space(b)).count();
    let end = raw.len()
        - raw[start..]
            .iter()
            .rev()
            .take_while(|b| is_space(b))
            .count();
    let trimmed = &raw[start..end];
    &trimmed[..memchr(0, trimmed).unwrap_or(trimmed.len())]
}

/// `git__strntol64` in base 10: leading white space, a sign, then digits up to the first
/// other byte; `None` without digits or on overflow.
fn strntol64(text: &[u8]) -> Option<i64> {
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0c | b'\r' | 0x0b);
    let text = &text[text.iter().take_while(|b| is_space(b)).count()..];
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let digits = &digits[..digits.iter().take_while(|b| b.is_ascii_digit()).count()];
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0i64, |n, &d| {
        let v = i64::from(d - b'0');
        n.checked_mul(10)?
            .checked_add(if negative { -v } else { v })
    })
}

/// The message as `git_commit_message` returns it: the full parse's header ends at the
/// first empty line after the committer (none: no message), the message is what follows
/// that line up to its first NUL (a C string), without leading newlines.
fn message(data: &[u8], committer_end: usize) -> &[u8] {
    let mut at = committer_end;
    let start = loop {
        if at >= data.len() {
            return b"";
        }
        if data[at] == b'\n' {
            break at + 1;
        }
        at = memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i + 1);
    };
    let body = &data[start..];
    let body = &body[..memchr(0, body).unwrap_or(body.len())];
    let leading = body.iter().take_while(|&&b| b == b'\n').count();
    &body[leading..]
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &str = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n";
    const PARENT: &str = "parent 0123456789abcdef0123456789abcdef01234567\n";
    const AUTHOR: &str = "author A U Thor <a@example.com> 1700000000 +0100\n";
    const COMMITTER: &str = "committer C O Mitter <c@example.com> 1700000500 -0230\n";

    fn parse(text: &str) -> Option<(usize, i64, String)> {
        parse_commit(text.as_bytes()).map(|h| {
            (
                h.parents.len(),
                h.time,
                String::from_utf8(h.message.to_vec()).unwrap(),
            )
        })
    }

    #[test]
    fn a_plain_commit_gives_parents_time_and_message() {
        let text = format!("{TREE}{PARENT}{PARENT}{AUTHOR}{COMMITTER}\nSubject\n\nBody\n");
        assert_eq!(
            parse(&text),
            Some((2, 1_700_000_500, "Subject\n\nBody\n".into()))
        );
    }

    #[test]
    fn other_headers_end_at_the_first_empty_line() {
        let text = format!(
            "{TREE}{AUTHOR}{COMMITTER}encoding ISO-8859-1\ngpgsig -----BEGIN-----\n \n -----END-----\n\n\n\nSubject\n"
        );
        // Leading newlines of the message go, as git_commit_message drops them.
        assert_eq!(parse(&text), Some((0, 1_700_000_500, "Subject\n".into())));
    }

    #[test]
    fn no_blank_line_means_no_message_and_a_nul_ends_it() {
        let text = format!("{TREE}{AUTHOR}{COMMITTER}");
        assert_eq!(parse(&text), Some((0, 1_700_000_500, String::new())));
        let text = format!("{TREE}{AUTHOR}{COMMITTER}\nbefore\0after");
        assert_eq!(parse(&text).unwrap().2, "before");
    }

    #[test]
    fn times_read_as_libgit2_reads_them() {
        let with = |stamp: &str| {
            let committer = format!("committer C <c@example.com>{stamp}\n");
            parse(&format!("{TREE}{AUTHOR}{committer}\nm\n")).map(|p| p.1)
        };
        // No time at all, or a single byte after the `>`, is time 0.
        assert_eq!(with(""), Some(0));
        assert_eq!(with(" "), Some(0));
        // One byte after the `>` is skipped whatever it is, then white space and a sign.
        assert_eq!(with("x 42 +0000"), Some(42));
        assert_eq!(with(" -42 +0000"), Some(-42));
        assert_eq!(with(" 12abc"), Some(12));
        // No digits, or too many, fail in libgit2: such a commit goes to libgit2.
        assert_eq!(with(" abc +0000"), None);
        assert_eq!(with(" 99999999999999999999 +0000"), None);
    }

    #[test]
    fn shapes_libgit2_might_read_otherwise_are_refused() {
        let no_author = format!("{TREE}{COMMITTER}\nm\n");
        let short_parent = format!("{TREE}parent 0123\n{AUTHOR}{COMMITTER}\nm\n");
        let bad_hex = format!("{TREE}parent {}\n{AUTHOR}{COMMITTER}\nm\n", "g".repeat(40));
        let bad_email = format!("{TREE}author A a@example.com> 1 +0000\n{COMMITTER}\nm\n");
        for text in [no_author, short_parent, bad_hex, bad_email] {
            assert_eq!(parse(&text), None, "{text:?}");
        }
    }

    #[test]
    fn the_author_email_is_the_one_libgit2_gives() {
        let dir = tempfile::TempDir::new().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let odb = repo.odb().unwrap();
        for author in [
            AUTHOR,
            "author A < \t a@example.com \r> 1 +0000\n",
            "author A <a@ex\0ample.com> 1 +0000\n",
            "author A <b> <a@example.com> 1 +0000\n",
            "author A <> 1 +0000\n",
            "author A <first@example.com> 1 +0000\nauthor B <second@example.com> 2 +0000\n",
        ] {
            let text = format!("{TREE}{author}{COMMITTER}\nm\n");
            let oid = odb
                .write(git2::ObjectType::Commit, text.as_bytes())
                .unwrap();
            let commit = repo.find_commit(oid).unwrap();
            let header = parse_commit(text.as_bytes()).unwrap();
            let signature = commit.author();
            assert_eq!(header.author_email, signature.email_bytes(), "{author:?}");
        }
    }
}
