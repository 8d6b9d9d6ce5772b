//! Errors that stop a command ("could not decide", exit 2): their text.

/// The error's message with its causes (`{:#}`).
pub fn message(error: &anyhow::Error) -> String {
    format!("{error:#}")
}

/// An error that stopped a command, with its causes, as `error: ...` lines for people.
/// Messages quote text from the change (trailer values, flag keys, ref names), so each
/// line is escaped like a report line.
pub fn text(error: &anyhow::Error) -> String {
    let message = message(error);
    let lines: Vec<_> = message.lines().map(crate::report::text::clean).collect();
    format!("error: {}\n", lines.join("\n"))
}
