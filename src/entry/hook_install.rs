//! `shipgate hook install | uninstall`: the pre-push hook file.

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, anyhow, bail};

use crate::report::text::clean;

/// The line that makes a hook shipgate's: install replaces only a hook carrying it and
/// uninstall removes only such a hook.
pub(crate) const MARKER: &str = "# shipgate-managed-hook: written by `shipgate hook install`";

/// A hook file larger than this is certainly not one shipgate wrote; it is not read whole.
const MAX_HOOK_BYTES: u64 = crate::gather::disk::FILE_CAP;

/// Where git looks for hooks in the repository containing `repo`, and why there.
///
/// Asked of git itself (`git rev-parse --git-path hooks`): it is git that runs the hook,
/// so only its answer is exact for `core.hooksPath` (relative to the worktree top, `~`
/// expanded, set in any config file git reads, `includeIf` included) and for worktrees,
/// which share the hooks of the main repository.
pub(crate) fn hooks_dir(repo: &Path) -> Result<(PathBuf, &'static str)> {
    if !repo.is_dir() {
        bail!(
            "`{}` is not a folder that exists; pass --repo with the repository's folder",
            repo.display()
        );
    }
    let out = Command::new("git")
        .current_dir(repo)
        .args([
            "rev-parse",
            "--path-format=absolute",
            "--git-common-dir",
            "--git-path",
            "hooks",
        ])
        .output()
        .map_err(|e| {
            anyhow!("could not run git ({e}); git runs the hook, so it must be on PATH")
        })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        if stderr.contains("not a git repository") {
            bail!(
                "`{}` is not in a git repository; run this inside one or pass --repo DIR",
                repo.display()
            );
        }
        bail!(
            "git could not tell where the hooks of `{}` live: {}",
            repo.display(),
            stderr.trim()
        );
    }
    let mut lines = out.stdout.split(|&b| b == b'\n');
    let (Some(common), Some(hooks)) = (lines.next(), lines.next()) else {
        bail!("git rev-parse printed no hooks folder; git 2.31 or later is needed");
    };
    let (common, hooks) = (path_of(common), path_of(hooks));
    let why = if hooks == common.join("hooks") {
        "the repository's hooks folder"
    } else {
        "core.hooksPath"
    };
    Ok((hooks, why))
}

#[cfg(unix)]
fn path_of(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt as _;
    PathBuf::from(OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_of(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// The hook that runs `binary`, else `shipgate` on PATH.
pub(crate) fn script(binary: &str) -> String {
    let binary = sh_quote(binary);
    format!(
        r#"#!/bin/sh
{MARKER}
# Judges every ref that git is about to push (shipgate pre-push); a blocked ref stops
# the push. Remove it with `shipgate hook uninstall`; skip it once with
# `git push --no-verify`.
shipgate={binary}
if [ -x "$shipgate" ]; then
	exec "$shipgate" pre-push "$@"
fi
if command -v shipgate >/dev/null 2>&1; then
	echo "shipgate hook: $shipgate is gone; running shipgate from PATH ($(command -v shipgate))" >&2
	exec shipgate pre-push "$@"
fi
# Without shipgate the push is not checked. Letting it through would be a silent pass,
# so the push stops with the reason and the ways on; --no-verify stays a deliberate choice.
echo "shipgate hook: cannot check this push: $shipgate does not exist and no shipgate is on PATH." >&2
echo "shipgate hook: install shipgate and run 'shipgate hook install' again, remove this hook ($0)," >&2
echo "shipgate hook: or push once unchecked with 'git push --no-verify'." >&2
exit 2
"#
    )
}

/// `s` as one sh word: single quotes keep everything literal but a single quote,
/// which is closed, escaped and reopened.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// What is at the hook's path now.
enum Existing {
    None,
    Ours(String),
    /// Not shipgate's: a description for the message.
    Foreign(String),
}

fn existing(path: &Path) -> Result<Existing> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Existing::None),
        Err(e) => {
            return Err(e).with_context(|| format!("could not look at `{}`", path.display()));
        }
    };
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path).map_or_else(
            |_| "somewhere unreadable".to_owned(),
            |t| format!("`{}`", t.display()),
        );
        // A link belongs to whatever manages it (dotfiles, another hook manager); even
        // one pointing at a shipgate hook is not a file shipgate wrote here.
        return Ok(Existing::Foreign(format!("a symbolic link to {target}")));
    }
    if !meta.is_file() {
        bail!(
            "`{}` is not a file; move it away so that git can run a pre-push hook there",
            path.display()
        );
    }
    let spec = crate::gather::disk::Spec {
        what: "the pre-push hook",
        cap: MAX_HOOK_BYTES,
        links: crate::gather::disk::Symlinks::Refuse,
        fix: "move it away so that git can run a pre-push hook there",
    };
    let bytes = match crate::gather::disk::read(path, &spec) {
        Ok(bytes) => bytes,
        Err(e) => match e.problem {
            crate::gather::disk::Problem::TooBig(len) => {
                return Ok(Existing::Foreign(format!("a {len} byte file")));
            }
            _ => return Err(e.into()),
        },
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if text.lines().any(|l| l == MARKER) {
        return Ok(Existing::Ours(text));
    }
    let first = text.lines().next().unwrap_or("").trim();
    let kind = if text.contains("File generated by pre-commit") {
        "the pre-commit framework's hook".to_owned()
    } else if text.contains("husky") {
        "a husky hook".to_owned()
    } else if first.is_empty() {
        "a file not written by shipgate".to_owned()
    } else {
        format!(
            "a file not written by shipgate, starting `{}`",
            clean(first)
        )
    };
    Ok(Existing::Foreign(kind))
}

/// Writes the pre-push hook; returns what to tell the user.
pub(crate) fn install(repo: &Path, force: bool) -> Result<String> {
    let (dir, why) = hooks_dir(repo)?;
    let path = dir.join("pre-push");
    let binary = std::env::current_exe()
        .context("could not tell where this shipgate binary is, to write it into the hook")?;
    // The path is written into a sh script, where a lossy rendering would name another file.
    let Some(shown) = binary.to_str() else {
        bail!(
            "the path of this shipgate binary, `{}`, is not UTF-8 text; install shipgate in a folder with a UTF-8 name",
            binary.display()
        );
    };
    let script = script(shown);
    let verb = match existing(&path)? {
        Existing::None => "installed",
        Existing::Ours(text) if text == script && is_executable(&path) => {
            return Ok(format!(
                "the pre-push hook at {} ({why}) is installed and up to date; it runs {}\n",
                path.display(),
                binary.display()
            ));
        }
        Existing::Ours(_) => "updated",
        Existing::Foreign(_) if force => "replaced",
        Existing::Foreign(what) => {
            let advice = if what.starts_with("the pre-commit framework") {
                "to run shipgate through pre-commit, add its hook to .pre-commit-config.yaml \
                 (see the README, `.pre-commit-hooks.yaml`)"
            } else {
                "to keep it and run shipgate as well, have it pass its stdin and arguments \
                 on to `shipgate pre-push \"$@\"` (see the README: chaining hooks)"
            };
            bail!(
                "`{}` ({why}) is {what}; shipgate leaves it alone. {advice}; or run \
                 `shipgate hook install --force` to replace it",
                path.display()
            );
        }
    };
    write_hook(&dir, &path, &script)?;
    Ok(format!(
        "{verb} the pre-push hook at {} ({why}); it runs {} (or shipgate on PATH if that goes away)\n",
        path.display(),
        binary.display()
    ))
}

/// Removes the pre-push hook if shipgate wrote it; returns what to tell the user.
pub(crate) fn uninstall(repo: &Path) -> Result<String> {
    let (dir, why) = hooks_dir(repo)?;
    let mut removed = Vec::new();
    let mut kept = None;
    // pre-commit's installer keeps a hook it displaces as `pre-push.legacy` and runs it
    // from its own; shipgate's hook there is still shipgate's to remove.
    for name in ["pre-push", "pre-push.legacy"] {
        let path = dir.join(name);
        match existing(&path)? {
            Existing::None => {}
            Existing::Ours(_) => {
                std::fs::remove_file(&path)
                    .with_context(|| format!("could not remove `{}`", path.display()))?;
                removed.push(path);
            }
            Existing::Foreign(what) if name == "pre-push" => kept = Some((path, what)),
            Existing::Foreign(_) => {}
        }
    }
    let mut message = String::new();
    for path in &removed {
        message.push_str(&format!("removed {} ({why})\n", path.display()));
    }
    if let Some((path, what)) = kept {
        message.push_str(&format!("left {} alone: it is {what}\n", path.display()));
    } else if removed.is_empty() {
        message.push_str(&format!(
            "no shipgate pre-push hook in {} ({why}); nothing to remove\n",
            dir.display()
        ));
    }
    Ok(message)
}

/// Writes the hook through a temporary file and a rename, so that a push running
/// meanwhile sees the old hook or the new one, never half of one.
fn write_hook(dir: &Path, path: &Path, script: &str) -> Result<()> {
    let not_writable = |e: &std::io::Error, what: &Path| {
        let why = match e.kind() {
            std::io::ErrorKind::PermissionDenied => "fix the folder's permissions or owner",
            std::io::ErrorKind::ReadOnlyFilesystem => {
                "point core.hooksPath at a folder that can be written"
            }
            _ => "check that the folder exists or can be made, and can be written",
        };
        anyhow!(
            "could not write the hook: `{}`: {e} ({why})",
            what.display()
        )
    };
    std::fs::create_dir_all(dir).map_err(|e| not_writable(&e, dir))?;
    let tmp = dir.join(format!(".pre-push.shipgate-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp).map_err(|e| not_writable(&e, dir))?;
        file.write_all(script.as_bytes())
            .map_err(|e| not_writable(&e, &tmp))?;
        set_executable(&file).map_err(|e| not_writable(&e, &tmp))?;
        drop(file);
        std::fs::rename(&tmp, path).map_err(|e| not_writable(&e, path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(unix)]
fn set_executable(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    file.set_permissions(std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn set_executable(_: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 == 0o111)
}

#[cfg(not(unix))]
fn is_executable(_: &Path) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_any_path_one_literal_word() {
        assert_eq!(sh_quote("/usr/bin/shipgate"), "'/usr/bin/shipgate'");
        assert_eq!(sh_quote("/o'neil/$HOME/`x`"), r"'/o'\''neil/$HOME/`x`'");
    }

    #[test]
    fn the_script_carries_the_marker_and_the_binary() {
        let s = script("/opt/it's here/shipgate");
        assert!(s.starts_with("#!/bin/sh\n"));
        assert!(s.lines().any(|l| l == MARKER));
        assert!(s.contains(r"shipgate='/opt/it'\''s here/shipgate'"));
        assert!(s.contains("exec \"$shipgate\" pre-push \"$@\""));
        assert!(s.trim_end().ends_with("exit 2"));
    }
}
