//! `shipgate check`: gathers a change from git and the command line, then judges it.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use git2::Oid;

use crate::change::{Change, FlagRegistryState, Range, VersionChange, display_path};
use crate::check;
use crate::classify;
use crate::manifest;
use crate::policy::{POLICY_PATHS, Policy};
use crate::registry::{self, Registry};
use crate::report::{PolicyChange, PolicyInfo, Report};
use crate::source::git::{Repo, short};

/// A pull-request body is at most 64 KiB on GitHub; anything far larger is not a body.
const MAX_BODY_BYTES: u64 = 1024 * 1024;

/// What `check` was asked to judge.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub repo: PathBuf,
    pub base: Option<String>,
    pub head: String,
    pub stage: Option<String>,
    pub labels: Vec<String>,
    pub body_file: Option<PathBuf>,
    pub config: Option<PathBuf>,
}

/// Judges the change; `Err` means it could not be judged (exit 2).
pub fn run(req: &Request) -> Result<Report> {
    let repo = Repo::open(&req.repo)?;
    let head = repo.resolve(&req.head, "head")?;
    let base = match &req.base {
        Some(rev) => repo.resolve(rev, "base")?,
        None => repo.default_base()?.1,
    };

    let (policy, source) = load_policy(&repo, req.config.as_deref(), base)?;
    let body = req.body_file.as_deref().map(read_body).transpose()?;

    let merge_base = repo.merge_base(base, head)?;
    let commits = repo.commits(base, head)?;
    let files = repo.diff(merge_base, head)?;

    let mut change = Change {
        range: Range {
            base: base.to_string(),
            head: head.to_string(),
            merge_base: merge_base.to_string(),
        },
        commits,
        files,
        labels: req.labels.clone(),
        body,
        tags: repo.tags_at(head)?,
        versions: Vec::new(),
        flags: FlagRegistryState::default(),
        forced_stage: req.stage.clone(),
    };
    change.versions = versions(&repo, &policy, &change, merge_base, head)?;
    change.flags = flags(&repo, &policy, &change, merge_base, head)?;

    let class = classify::classify(&change, &policy)?;
    let mut report = check::check(&change, &class, &policy);
    report.policy = Some(PolicyInfo {
        source,
        changed: policy_change(&repo, &change, head)?,
    });
    Ok(report)
}

/// The policy in force: `--config`, else the policy file at the base commit, else the
/// built-in one. Read from the base so a change cannot loosen its own gate.
fn load_policy(repo: &Repo, config: Option<&Path>, base: Oid) -> Result<(Policy, String)> {
    if let Some(path) = config {
        let policy = policy_from_file(path)?;
        return Ok((policy, path.display().to_string()));
    }
    let mut found = Vec::new();
    for path in POLICY_PATHS {
        if let Some(bytes) = repo.read_file_limited(base, path, crate::yaml::MAX_BYTES)? {
            found.push((path, bytes));
        }
    }
    match found.as_slice() {
        [] => Ok((Policy::builtin(), "built-in".to_owned())),
        [(path, bytes)] => {
            let origin = format!("{path}@{}", short(base));
            let text = utf8(bytes, &origin)?;
            Ok((Policy::from_yaml(text, &origin)?, origin))
        }
        _ => bail!(
            "both {} and {} exist at base {}; keep one of them",
            POLICY_PATHS[0],
            POLICY_PATHS[1],
            short(base)
        ),
    }
}

/// Reads a policy file from disk, refusing oversized files before reading them whole.
pub fn policy_from_file(path: &Path) -> Result<Policy> {
    let origin = path.display().to_string();
    let meta =
        std::fs::metadata(path).with_context(|| format!("could not read policy `{origin}`"))?;
    if meta.len() > crate::yaml::MAX_BYTES as u64 {
        bail!(
            "{origin}: the file is {} bytes; policies over {} KiB are refused",
            meta.len(),
            crate::yaml::MAX_BYTES / 1024
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("could not read policy `{origin}`"))?;
    Ok(Policy::from_yaml(utf8(&bytes, &origin)?, &origin)?)
}

fn utf8<'a>(bytes: &'a [u8], origin: &str) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{origin}: not UTF-8 text (invalid byte at offset {}); save it as UTF-8",
            e.valid_up_to()
        )
    })
}

fn read_body(path: &Path) -> Result<String> {
    let shown = path.display();
    let meta =
        std::fs::metadata(path).with_context(|| format!("could not read --body-file `{shown}`"))?;
    if meta.len() > MAX_BODY_BYTES {
        bail!(
            "--body-file `{shown}` is {} bytes; a pull-request body over 1 MiB is refused",
            meta.len()
        );
    }
    let bytes =
        std::fs::read(path).with_context(|| format!("could not read --body-file `{shown}`"))?;
    Ok(utf8(&bytes, &format!("--body-file `{shown}`"))?.to_owned())
}

fn changed(change: &Change, path: &str) -> bool {
    change
        .files
        .iter()
        .any(|f| f.path == path.as_bytes() || f.old_path.as_deref() == Some(path.as_bytes()))
}

/// Versions of the manifests that the change touches; untouched manifests are not read.
fn versions(
    repo: &Repo,
    policy: &Policy,
    change: &Change,
    merge_base: Oid,
    head: Oid,
) -> Result<Vec<VersionChange>> {
    let mut out = Vec::new();
    for path in &policy.signals.manifests {
        if !changed(change, path) {
            continue;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let kind = manifest::Kind::from_file_name(name)
            .expect("policy validation accepts only known manifest names");
        let read = |at: Oid| -> Result<Option<semver::Version>> {
            match repo.read_file(at, path)? {
                None => Ok(None),
                Some(bytes) => manifest::version(kind, &bytes).map_err(|e| {
                    let loc = match (e.line, e.column) {
                        (Some(l), Some(c)) => format!(":{l}:{c}"),
                        _ => String::new(),
                    };
                    anyhow::anyhow!(
                        "{path}@{}{loc}: cannot read the version: {}; fix the manifest or drop it from signals.manifests",
                        short(at),
                        e.message
                    )
                }),
            }
        };
        let old = read(merge_base)?;
        let new = read(head)?;
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

/// The flag registry, read only when it changed or when a trailer or label names a key.
fn flags(
    repo: &Repo,
    policy: &Policy,
    change: &Change,
    merge_base: Oid,
    head: Oid,
) -> Result<FlagRegistryState> {
    let reg = &policy.flag_registry;
    let read = |at: Oid| -> Result<Option<Registry>> {
        let origin = format!("{}@{}", reg.path, short(at));
        match repo.read_file_limited(at, &reg.path, crate::yaml::MAX_BYTES)? {
            None => Ok(None),
            Some(bytes) => Ok(Some(Registry::parse(
                utf8(&bytes, &origin)?,
                &origin,
                &reg.stages,
            )?)),
        }
    };
    let names_a_key = policy.requirements.iter().any(|r| {
        let ev = &r.evidence;
        change.commits.iter().any(|c| {
            c.trailers
                .iter()
                .any(|t| ev.flag_trailers.iter().any(|k| t.key_is(k)))
        }) || ev.flag_label_prefix.as_ref().is_some_and(|p| {
            change
                .labels
                .iter()
                .any(|l| l.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p)))
        })
    });
    let mut state = FlagRegistryState::default();
    if changed(change, &reg.path) && policy.needs_flag_registry() {
        let old = read(merge_base)?;
        let new = read(head)?;
        state.changes = registry::diff(old.as_ref(), new.as_ref());
        state.keys_at_head = new.map(|r| r.keys());
    } else if names_a_key {
        state.keys_at_head = read(head)?.map(|r| r.keys());
    }
    Ok(state)
}

/// A policy file edited by the change is validated and reported, never applied to it.
fn policy_change(repo: &Repo, change: &Change, head: Oid) -> Result<Option<PolicyChange>> {
    for path in POLICY_PATHS {
        let Some(file) = change.files.iter().find(|f| f.path == path.as_bytes()) else {
            continue;
        };
        if !file.exists_at_head() {
            return Ok(Some(PolicyChange {
                path: display_path(&file.path),
                valid: true,
                errors: Vec::new(),
            }));
        }
        let origin = format!("{path}@{}", short(head));
        let errors = match repo.read_file(head, path)? {
            None => Vec::new(),
            Some(bytes) => match std::str::from_utf8(&bytes) {
                Err(_) => vec![format!("{origin}: not UTF-8 text")],
                Ok(text) => match Policy::from_yaml(text, &origin) {
                    Ok(_) => Vec::new(),
                    Err(e) => e.errors.iter().map(ToString::to_string).collect(),
                },
            },
        };
        return Ok(Some(PolicyChange {
            path: path.to_owned(),
            valid: errors.is_empty(),
            errors,
        }));
    }
    Ok(None)
}
