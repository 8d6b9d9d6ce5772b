//! Every file shipgate reads from disk, read one way: bounded.
//!
//! The policy in the working tree, `--config`, `--body-file`, the event payload, the hook
//! file, the clone's `shallow` list: each is opened once, without blocking (a FIFO with no
//! writer would hold a plain `open` forever), checked on the opened handle (a regular file,
//! no larger than its cap), and read up to one byte past the cap, so that a file that grows
//! meanwhile is still refused. A FIFO, a device, a folder or an over-size file is an error
//! at once, never a hang or an unbounded allocation.

use std::fmt;
use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

/// A policy file (SPEC §7).
pub(crate) const POLICY_CAP: u64 = crate::judge::yaml::MAX_BYTES as u64;
/// Any other file, unless its reader says otherwise: a pull-request body is at most
/// 65,536 characters on GitHub, a hook script or a `shallow` list a few lines.
pub(crate) const FILE_CAP: u64 = 1024 * 1024;
/// The event payload. GitHub delivers no payload over 25 MB; a `push` lists up to 2,048
/// commits with the files each touched, which makes megabytes, while the pull-request and
/// dispatch payloads shipgate mostly reads are tens of KiB. Anything larger is not an event
/// GitHub sent. The fields shipgate takes from it are capped one by one on top of this.
pub(crate) const EVENT_CAP: u64 = 25 * 1024 * 1024;

/// How a file is to be read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec<'a> {
    /// What the file is, for messages (`--body-file`, `the policy`).
    pub(crate) what: &'a str,
    pub(crate) cap: u64,
    /// Whether the path may be a symbolic link.
    pub(crate) links: Symlinks,
    /// What to do when the file cannot be read as it is.
    pub(crate) fix: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Symlinks {
    /// A path the user chose: a link to a regular file is their choice, and the file it
    /// leads to is checked.
    Follow,
    /// A file the repository holds at a fixed path: read as `check` reads it at a commit,
    /// where a link is no file.
    Refuse,
}

/// Why a file could not be read.
#[derive(Debug)]
pub(crate) enum Problem {
    Missing,
    Link,
    /// Not a regular file: what it is instead (`a FIFO (named pipe)`).
    Kind(&'static str),
    /// Larger than the cap: its size in bytes.
    TooBig(u64),
    Io(io::Error),
}

/// A file that could not be read, with what it is, what is wrong and what to do.
#[derive(Debug)]
pub(crate) struct FileError {
    pub(crate) what: String,
    pub(crate) path: PathBuf,
    pub(crate) cap: u64,
    pub(crate) problem: Problem,
    pub(crate) fix: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, path) = (&self.what, self.path.display());
        match &self.problem {
            Problem::Missing => write!(f, "{what} `{path}` does not exist")?,
            Problem::Link => write!(f, "{what} `{path}` is a symbolic link")?,
            Problem::Kind(kind) => write!(f, "{what} `{path}` is {kind}, not a regular file")?,
            Problem::TooBig(len) => write!(
                f,
                "{what} `{path}` is {len} bytes, over its cap of {}",
                size(self.cap)
            )?,
            Problem::Io(e) => return write!(f, "{what} `{path}` could not be read: {e}"),
        }
        write!(f, "; {}", self.fix)
    }
}

/// Always `bad-file`, attached here where the type is (see [`crate::error`]). Not a
/// `std::error::Error`, so that this conversion stands instead of anyhow's.
impl From<FileError> for anyhow::Error {
    fn from(error: FileError) -> anyhow::Error {
        crate::error::Code::BadFile.tag(anyhow::Error::msg(error))
    }
}

/// `1 MiB`, `256 KiB`, or bytes.
pub(crate) fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    if bytes >= KIB * KIB && bytes.is_multiple_of(KIB * KIB) {
        format!("{} MiB", bytes / KIB / KIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// The whole file at `path`, read as the module docs say.
pub(crate) fn read(path: &Path, spec: &Spec<'_>) -> Result<Vec<u8>, FileError> {
    let fail = |problem| FileError {
        what: spec.what.to_owned(),
        path: path.to_path_buf(),
        cap: spec.cap,
        problem,
        fix: spec.fix.to_owned(),
    };
    let mut options = OpenOptions::new();
    options.read(true);
    nonblocking(&mut options, spec.links == Symlinks::Refuse);
    #[cfg(not(unix))]
    if spec.links == Symlinks::Refuse
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
    {
        return Err(fail(Problem::Link));
    }
    let file = options.open(path).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            fail(Problem::Missing)
        } else if spec.links == Symlinks::Refuse
            && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        {
            // O_NOFOLLOW refused to open the link (ELOOP on Linux and macOS, EMLINK on
            // FreeBSD); asking again tells that apart from a loop in a parent folder.
            fail(Problem::Link)
        } else {
            fail(Problem::Io(e))
        }
    })?;
    let meta = file.metadata().map_err(|e| fail(Problem::Io(e)))?;
    if let Some(kind) = not_regular(&meta) {
        return Err(fail(Problem::Kind(kind)));
    }
    if meta.len() > spec.cap {
        return Err(fail(Problem::TooBig(meta.len())));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(spec.cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(Problem::Io(e)))?;
    if bytes.len() as u64 > spec.cap {
        return Err(fail(Problem::TooBig(bytes.len() as u64)));
    }
    Ok(bytes)
}

/// Sets `options` to open without waiting: a FIFO opens at once instead of when a writer
/// appears, and the opened handle can then be refused for what it is. `no_follow` also
/// refuses a symbolic link as the last part of the path. No terminal ever becomes the
/// process's controlling one by being opened here.
pub(crate) fn nonblocking(options: &mut OpenOptions, no_follow: bool) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
        if no_follow {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    #[cfg(not(unix))]
    let _ = no_follow;
    options
}

/// What a file is when it is not a regular file (`a folder`, `a FIFO (named pipe)`).
pub(crate) fn not_regular(meta: &Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if kind.is_char_device() {
            return Some("a character device");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
    }
    Some("a special file")
}

/// Opens `path` as [`read`] does, for a caller that only needs to know it is a regular
/// file (a file it appends to).
pub(crate) fn open_regular(options: &mut OpenOptions, path: &Path) -> io::Result<(File, Metadata)> {
    let file = nonblocking(options, false).open(path)?;
    let meta = file.metadata()?;
    match not_regular(&meta) {
        None => Ok((file, meta)),
        Some(kind) => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {kind}, not a regular file"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: Spec<'static> = Spec {
        what: "the thing",
        cap: 8,
        links: Symlinks::Refuse,
        fix: "pass another",
    };

    fn err(path: &Path, spec: &Spec<'_>) -> String {
        read(path, spec).unwrap_err().to_string()
    }

    #[test]
    fn regular_files_within_the_cap_are_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a");
        std::fs::write(&path, b"12345678").unwrap();
        assert_eq!(read(&path, &SPEC).unwrap(), b"12345678");
        std::fs::write(&path, b"123456789").unwrap();
        assert_eq!(
            err(&path, &SPEC),
            format!(
                "the thing `{}` is 9 bytes, over its cap of 8 bytes; pass another",
                path.display()
            )
        );
    }

    #[cfg(unix)]
    #[test]
    fn devices_folders_fifos_and_links_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let shown = |p: &Path| p.display().to_string();
        assert_eq!(
            err(Path::new("/dev/zero"), &SPEC),
            "the thing `/dev/zero` is a character device, not a regular file; pass another"
        );
        assert_eq!(
            err(dir.path(), &SPEC),
            format!(
                "the thing `{}` is a folder, not a regular file; pass another",
                shown(dir.path())
            )
        );
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        // Were the open blocking, this would wait for a writer forever.
        assert_eq!(
            err(&fifo, &SPEC),
            format!(
                "the thing `{}` is a FIFO (named pipe), not a regular file; pass another",
                shown(&fifo)
            )
        );
        let target = dir.path().join("target");
        std::fs::write(&target, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(
            err(&link, &SPEC),
            format!(
                "the thing `{}` is a symbolic link; pass another",
                shown(&link)
            )
        );
        let follow = Spec {
            links: Symlinks::Follow,
            ..SPEC
        };
        assert_eq!(read(&link, &follow).unwrap(), b"x");
        let to_fifo = dir.path().join("to-fifo");
        std::os::unix::fs::symlink(&fifo, &to_fifo).unwrap();
        assert!(err(&to_fifo, &follow).contains("is a FIFO (named pipe), not a regular file"));
        assert_eq!(
            err(&dir.path().join("none"), &SPEC),
            format!(
                "the thing `{}` does not exist; pass another",
                shown(&dir.path().join("none"))
            )
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(256 * 1024), "256 KiB");
        assert_eq!(size(1024 * 1024), "1 MiB");
        assert_eq!(size(25 * 1024 * 1024), "25 MiB");
        assert_eq!(size(1000), "1000 bytes");
    }
}
