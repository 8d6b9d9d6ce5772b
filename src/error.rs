//! Errors that stop a command ("could not decide", exit 2): their stable codes and their
//! text.
//!
//! A code is attached where its class of error arises, as a [`Coded`] wrapper around the
//! error ([`Code::tag`]). A typed error that always means one code (a policy's problems, a
//! signal naming no stage, a refused file) attaches it itself, in its conversion into
//! `anyhow::Error`, next to the type: this module knows no type of the crate, so every
//! layer may use it. [`Code::of`] finds the code anywhere in the chain; anything untagged
//! is [`Code::Other`]. The codes are promises: they appear in the JSON and Code Quality
//! error documents and are listed in the README.

use std::fmt;

use serde::Serialize;

/// Why shipgate could not decide. Kebab-case in documents (`bad-policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Code {
    /// The command line is wrong: an unknown flag or value, a missing argument, or no
    /// `--base` where none can be worked out.
    BadArguments,
    /// `--repo` is no folder, is not inside a git repository, is a bare one, or git refuses
    /// to open it.
    BadRepository,
    /// A revision (a flag, an input, an event's commit, a CI variable) names no commit in
    /// the clone.
    UnknownRevision,
    /// The clone lacks history the change needs (a shallow clone, a commit the event
    /// names that was never fetched).
    MissingHistory,
    /// Base and head share no history.
    UnrelatedHistories,
    /// The policy in force does not parse or validate, or two policy files exist.
    BadPolicy,
    /// A file shipgate reads is no regular file, is over its size cap, is not UTF-8 text,
    /// is missing or cannot be read (the policy, `--config`, `--body-file`, the event
    /// payload, a file at a commit).
    BadFile,
    /// A manifest (Cargo.toml, package.json, pyproject.toml, VERSION) that the change
    /// touches has no readable version, or a workspace manifest `init --packages` reads
    /// does not parse.
    BadManifest,
    /// The flag registry at head does not parse or validate.
    BadRegistry,
    /// A signal names no stage of the policy: a `Release:` trailer value, `--stage` (the
    /// `stage` input), a release tag that is not semver.
    BadSignal,
    /// The CI event payload is not JSON, lacks a field, has a field of the wrong type or
    /// over its size cap.
    BadEvent,
    /// The CI event is not one shipgate handles.
    UnsupportedEvent,
    /// An environment variable (a CI variable, an action input, `SHIPGATE_*`) is not UTF-8,
    /// is malformed, is over its size cap, or is missing where the CI system always sets it.
    BadEnvironment,
    /// The GitHub API failed past its retries, refused the token, or answered what
    /// shipgate could not read.
    Api,
    /// The PostHog API, the flag registry of a policy (`flag-registry.posthog`), failed past
    /// its retries, refused the key, was not given one, or answered what shipgate could not
    /// read, when a stage needed its flags.
    Posthog,
    /// Reading the repository or writing the report failed (permissions, a full disk, a
    /// damaged clone).
    Io,
    /// Anything not listed above.
    Other,
}

impl Code {
    /// Every code, in the order the README lists them.
    #[cfg(test)]
    pub(crate) const ALL: [Code; 17] = [
        Code::BadArguments,
        Code::BadRepository,
        Code::UnknownRevision,
        Code::MissingHistory,
        Code::UnrelatedHistories,
        Code::BadPolicy,
        Code::BadFile,
        Code::BadManifest,
        Code::BadRegistry,
        Code::BadSignal,
        Code::BadEvent,
        Code::UnsupportedEvent,
        Code::BadEnvironment,
        Code::Api,
        Code::Posthog,
        Code::Io,
        Code::Other,
    ];

    /// `error` with this code attached. Its text is unchanged.
    pub(crate) fn tag(self, error: anyhow::Error) -> anyhow::Error {
        anyhow::Error::new(Coded { code: self, error })
    }

    /// `error` with this code attached unless it has one already (a more precise one,
    /// from where it arose).
    pub(crate) fn tag_untagged(self, error: anyhow::Error) -> anyhow::Error {
        if Code::find(&error).is_some() {
            error
        } else {
            self.tag(error)
        }
    }

    /// The code of `error`: the outermost one attached or implied in its chain, else
    /// [`Code::Other`].
    pub(crate) fn of(error: &anyhow::Error) -> Code {
        Code::find(error).unwrap_or(Code::Other)
    }

    fn find(error: &anyhow::Error) -> Option<Code> {
        error.chain().find_map(|cause| {
            if let Some(coded) = cause.downcast_ref::<Coded>() {
                Some(coded.code)
            } else if cause.is::<std::io::Error>() || cause.is::<git2::Error>() {
                Some(Code::Io)
            } else {
                None
            }
        })
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::names::name(self))
    }
}

/// An error with its code. It stands in the chain exactly where the error it wraps stood:
/// it shows that error's own message and hands on that error's causes as its source, so
/// tagging never changes a message, however deep in a chain the tag is.
struct Coded {
    code: Code,
    error: anyhow::Error,
}

impl fmt::Display for Coded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)
    }
}

impl fmt::Debug for Coded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {:?}", self.code, self.error)
    }
}

impl std::error::Error for Coded {
    // The wrapped error's causes, so that `{:#}` of any error above this one in a chain
    // still prints them.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

/// Attaching a code to the error of a `Result`.
pub(crate) trait Tag<T> {
    /// [`Code::tag`] on the error.
    fn code(self, code: Code) -> anyhow::Result<T>;
    /// [`Code::tag_untagged`] on the error.
    fn code_unless_tagged(self, code: Code) -> anyhow::Result<T>;
}

impl<T, E: Into<anyhow::Error>> Tag<T> for Result<T, E> {
    fn code(self, code: Code) -> anyhow::Result<T> {
        self.map_err(|e| code.tag(e.into()))
    }

    fn code_unless_tagged(self, code: Code) -> anyhow::Result<T> {
        self.map_err(|e| code.tag_untagged(e.into()))
    }
}

/// The error's message with its causes (`{:#}`): what the error documents carry.
pub(crate) fn message(error: &anyhow::Error) -> String {
    format!("{error:#}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::anyhow;

    #[test]
    fn a_code_changes_no_message_and_is_found_under_context() {
        let plain = anyhow!("base `x` is unknown").context("could not judge");
        let tagged = Code::UnknownRevision
            .tag(anyhow!("base `x` is unknown"))
            .context("could not judge");
        assert_eq!(format!("{tagged:#}"), format!("{plain:#}"));
        assert_eq!(format!("{tagged}"), format!("{plain}"));
        assert_eq!(Code::of(&tagged), Code::UnknownRevision);
        assert_eq!(Code::of(&plain), Code::Other);
        // The outermost code wins; an untagged fallback never hides a precise one.
        let outer = Code::BadEvent.tag(tagged);
        assert_eq!(Code::of(&outer), Code::BadEvent);
        let kept = Code::BadEvent.tag_untagged(Code::UnsupportedEvent.tag(anyhow!("x")));
        assert_eq!(Code::of(&kept), Code::UnsupportedEvent);
    }

    #[test]
    fn a_tag_between_contexts_keeps_every_cause() {
        let plain = anyhow!("no such file")
            .context("could not read `x`")
            .context("could not open the repository");
        let tagged = Code::BadRepository
            .tag(anyhow!("no such file").context("could not read `x`"))
            .context("could not open the repository");
        assert_eq!(
            format!("{tagged:#}"),
            "could not open the repository: could not read `x`: no such file"
        );
        assert_eq!(format!("{tagged:#}"), format!("{plain:#}"));
        assert_eq!(format!("{tagged}"), format!("{plain}"));
        let alone = Code::BadRepository.tag(anyhow!("no such file").context("could not read `x`"));
        assert_eq!(format!("{alone:#}"), "could not read `x`: no such file");
        assert_eq!(Code::of(&tagged), Code::BadRepository);
    }

    #[test]
    fn the_readme_lists_every_code() {
        let readme = include_str!("../README.md");
        for code in Code::ALL {
            assert!(readme.contains(&format!("\n| `{code}` | ")), "{code}");
        }
    }

    #[test]
    fn codes_are_kebab_case_and_distinct() {
        let names: std::collections::BTreeSet<_> =
            Code::ALL.iter().map(crate::names::name).collect();
        assert_eq!(names.len(), Code::ALL.len());
        for name in names {
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{name}"
            );
        }
    }
}
