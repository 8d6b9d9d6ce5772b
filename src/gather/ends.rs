//! The files at the two ends of a change that are signals or evidence of their own: the
//! manifests' versions and the flag registry, read at the merge-base and at head through
//! [`Files`], only when the change touches them or a trailer or label names a flag.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};

use super::{Files, utf8};
use crate::error::{Code, Tag as _};
use crate::judge::change::{Change, FlagRegistryState, VersionChange, short_id};
use crate::judge::manifest;
use crate::judge::policy::Policy;
use crate::judge::registry::{self, Registry};
use crate::judge::yaml::MAX_BYTES as MAX_YAML_BYTES;

/// Manifests are small; a huge one is refused before it is loaded.
const MAX_MANIFEST_BYTES: usize = 1024 * 1024;

/// The two ends of the three-dot diff, for reading a file as it was and as it is.
pub(crate) struct Sides<'r> {
    pub(crate) files: &'r dyn Files,
    /// `None` when the change starts at the first commit.
    pub(crate) merge_base: Option<&'r str>,
    pub(crate) head: &'r str,
}

impl Sides<'_> {
    /// Reads and parses `path` on both sides. Only the head must parse: a file that was
    /// already broken where the change forked off is what the change may be fixing.
    /// Then nothing can be said about how it changed (`Ok(None)`, with a note), which is
    /// safer than comparing against "absent" and seeing every entry as new.
    #[allow(clippy::type_complexity)]
    fn both<T>(
        &self,
        path: &str,
        max: usize,
        parse: impl Fn(&[u8], &str) -> Result<T>,
        notes: &mut Vec<String>,
    ) -> Result<Option<(Option<T>, Option<T>)>> {
        let read = |at: Option<&str>| -> Result<Option<T>> {
            let Some(at) = at else { return Ok(None) };
            let origin = format!("{path}@{}", short_id(at));
            match self.files.read(at, path, max)? {
                None => Ok(None),
                Some(bytes) => parse(&bytes, &origin).map(Some),
            }
        };
        let new = read(Some(self.head))?;
        match read(self.merge_base) {
            Ok(old) => Ok(Some((old, new))),
            Err(e) => {
                notes.push(format!(
                    "{path} could not be read at the merge-base, so how the change alters it is not judged ({})",
                    one_line(&format!("{e:#}"))
                ));
                Ok(None)
            }
        }
    }
}

/// A multi-line message (a headline and its located problems) as one line, for a note.
fn one_line(text: &str) -> String {
    text.lines().map(str::trim).collect::<Vec<_>>().join("; ")
}

/// Whether the change touches `path` (as the new or the old name of a file).
fn touches(change: &Change, path: &str) -> bool {
    change
        .files
        .iter()
        .any(|f| f.path == path.as_bytes() || f.old_path.as_deref() == Some(path.as_bytes()))
}

/// Versions of the manifests that the change touches; untouched manifests are not read.
pub(crate) fn versions(
    sides: &Sides<'_>,
    policy: &Policy,
    change: &Change,
    notes: &mut Vec<String>,
) -> Result<Vec<VersionChange>> {
    let mut out = Vec::new();
    for path in &policy.signals.manifests {
        if !touches(change, path) {
            continue;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let kind = manifest::Kind::from_file_name(name)
            .expect("policy validation accepts only known manifest names");
        let parse = |bytes: &[u8], origin: &str| {
            manifest::version(kind, bytes).map_err(|e| {
                // Located as file:line:col, like every other located error.
                let at = match (e.line, e.column) {
                    (Some(l), Some(c)) => format!(":{l}:{c}"),
                    _ => String::new(),
                };
                Code::BadManifest.tag(anyhow!(
                    "{origin}{at}: cannot read the version: {}; fix the manifest or drop it from signals.manifests",
                    e.unlocated
                ))
            })
        };
        let Some((old, new)) = sides.both(path, MAX_MANIFEST_BYTES, parse, notes)? else {
            continue;
        };
        let (old, new) = (old.flatten(), new.flatten());
        if old != new {
            out.push(VersionChange {
                manifest: path.clone(),
                old,
                new,
            });
        }
    }
    Ok(out)
}

/// The flag registry, read only when the change touches it or when a trailer or label
/// names a flag key.
pub(crate) fn flags(
    sides: &Sides<'_>,
    policy: &Policy,
    change: &Change,
    notes: &mut Vec<String>,
) -> Result<FlagRegistryState> {
    let reg = &policy.flag_registry;
    // A PostHog project is asked only once the stage is known (`pipeline`), and no change
    // edits it: there is no file to read.
    if reg.posthog.is_some() {
        return Ok(FlagRegistryState::default());
    }
    let parse = |bytes: &[u8], origin: &str| -> Result<Registry> {
        let text = utf8(bytes, origin).code(Code::BadRegistry)?;
        Ok(Registry::parse(text, origin, &reg.stages)?)
    };
    let keys_at_head = || registry_keys(sides, policy);
    let names_a_key = || {
        policy.requirements.iter().any(|r| {
            let ev = &r.evidence;
            change
                .commits
                .iter()
                .flat_map(|c| &c.trailers)
                .any(|t| ev.flag_key_of_trailer(t).is_some())
                || change
                    .labels
                    .iter()
                    .any(|l| ev.flag_key_of_label(l).is_some())
        })
    };
    let mut state = FlagRegistryState::default();
    if touches(change, &reg.path) && policy.needs_flag_registry() {
        match sides.both(&reg.path, MAX_YAML_BYTES, parse, notes)? {
            Some((old, new)) => {
                state.changes = registry::diff(old.as_ref(), new.as_ref());
                state.keys_at_head = new.map(|r| r.keys());
            }
            None => state.keys_at_head = keys_at_head()?,
        }
    } else if names_a_key() {
        state.keys_at_head = keys_at_head()?;
    }
    Ok(state)
}

/// The flag registry's keys at head, `None` when there is no registry there.
pub(crate) fn registry_keys(
    sides: &Sides<'_>,
    policy: &Policy,
) -> Result<Option<BTreeMap<String, Option<String>>>> {
    let reg = &policy.flag_registry;
    let origin = format!("{}@{}", reg.path, short_id(sides.head));
    let Some(bytes) = sides.files.read(sides.head, &reg.path, MAX_YAML_BYTES)? else {
        return Ok(None);
    };
    let text = utf8(&bytes, &origin).code(Code::BadRegistry)?;
    Ok(Some(Registry::parse(text, &origin, &reg.stages)?.keys()))
}
