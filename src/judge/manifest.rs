//! Reading the version a manifest at the repository root declares.
//!
//! A change of that version between two commits is one of the signals that a
//! change is a release: a stable, greater version means a full release, one
//! with a pre-release part means a beta. This module only turns a manifest's
//! bytes into a [`semver::Version`]; reading the bytes out of git lives
//! elsewhere.
//!
//! Versions are read leniently, because manifests outside the Rust world
//! rarely hold strict SemVer: `v1.2`, `1.2.0rc1` and `1.2.0.post1` are all
//! normalised to SemVer (see [`version`] for the rules).

use std::fmt;
use std::ops::Range;

use semver::{BuildMetadata, Prerelease, Version};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;

/// The manifest kinds the tool knows, chosen by the file name (root-relative
/// path's file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `Cargo.toml`: `[package] version`, or `[workspace.package] version`.
    Cargo,
    /// `package.json`: the top-level `"version"` string.
    PackageJson,
    /// `pyproject.toml`: `[project] version`, or `[tool.poetry] version`.
    Pyproject,
    /// `VERSION`: a plain text file whose first non-empty line is the version.
    VersionFile,
}

impl Kind {
    /// The kind for a file name: "Cargo.toml", "package.json",
    /// "pyproject.toml" or "VERSION"; `None` for any other name.
    ///
    /// The match is exact and case-sensitive, as git paths and the tools
    /// that read these files are.
    pub(crate) fn from_file_name(name: &str) -> Option<Kind> {
        match name {
            "Cargo.toml" => Some(Kind::Cargo),
            "package.json" => Some(Kind::PackageJson),
            "pyproject.toml" => Some(Kind::Pyproject),
            "VERSION" => Some(Kind::VersionFile),
            _ => None,
        }
    }

    /// The file name this kind is chosen by, for messages.
    fn file_name(self) -> &'static str {
        match self {
            Kind::Cargo => "Cargo.toml",
            Kind::PackageJson => "package.json",
            Kind::Pyproject => "pyproject.toml",
            Kind::VersionFile => "VERSION",
        }
    }
}

/// Why a manifest's version could not be read.
///
/// `message` is the complete one-line text that `Display` prints. Where the
/// problem has a place in the file, the message names it ("invalid TOML at
/// line 3, column 9: expected ...") and `line` and `column` hold the same
/// place, 1-based, for callers that point at it (for example a CI
/// annotation). Columns count characters, not bytes, and a UTF-8 byte order
/// mark is not counted.
#[derive(Debug)]
pub(crate) struct ManifestError {
    /// 1-based line of the problem, when it has one.
    pub(crate) line: Option<usize>,
    /// 1-based column (in characters) of the problem, when it has one.
    pub(crate) column: Option<usize>,
    /// The whole message, e.g. `version "banana" is not a version number`.
    pub(crate) message: String,
    /// The message without its "at line L, column C", for callers that print the
    /// location their own way (`file:line:col`).
    pub(crate) unlocated: String,
}

impl ManifestError {
    /// An error with no place in the file.
    fn new(message: impl Into<String>) -> Self {
        let message = message.into();
        ManifestError {
            line: None,
            column: None,
            unlocated: message.clone(),
            message,
        }
    }

    /// An error at `place`, worded "{headline} at line L, column C: {detail}".
    fn at(headline: &str, place: Option<Place>, detail: &str) -> Self {
        let detail = one_line(detail);
        match place {
            Some(Place { line, column }) => ManifestError {
                line: Some(line),
                column: Some(column),
                message: format!("{headline} at line {line}, column {column}: {detail}"),
                unlocated: format!("{headline}: {detail}"),
            },
            None => ManifestError::new(format!("{headline}: {detail}")),
        }
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ManifestError {}

/// The version declared by a manifest of `kind`, or `Ok(None)` when it
/// declares none.
///
/// Where each kind keeps its version:
///
/// - `Cargo.toml`: `[package] version`; when that is absent or inherited
///   (`version.workspace = true`), `[workspace.package] version`. A member
///   that inherits from a workspace defined in another file declares no
///   version here, so that is `Ok(None)`.
/// - `package.json`: the top-level `"version"` string. As with
///   `JSON.parse`, the last of duplicate keys wins.
/// - `pyproject.toml`: `[project] version`; when `[project] dynamic` lists
///   `"version"` or there is no such key, `[tool.poetry] version`.
/// - `VERSION`: the first non-empty line, trimmed.
///
/// The bytes must be UTF-8; a leading byte order mark is ignored.
///
/// The version text may be strict SemVer (`1.2.3`, `1.2.3-rc.1`,
/// `1.2.3+build`), optionally after a `v` or `V`. Otherwise it must start with
/// a number and is normalised to SemVer:
///
/// - Missing components are zero: `1.2` is 1.2.0, `1` is 1.0.0. Leading
///   zeros are dropped: `01.2` is 1.2.0.
/// - PEP 440 pre-releases become a pre-release part made of the lowercased
///   label and its number: `1.2.0rc1` is `1.2.0-rc.1`, `1.2.0a1` is
///   `1.2.0-a.1`, `1.2b2` is `1.2.0-b.2`, `1.2.0.dev3` is `1.2.0-dev.3`, and
///   `1.2-beta` is `1.2.0-beta`. Labels keep their spelling (`alpha` stays
///   `alpha`), so that the text still reads as it was written. Ordering
///   then follows SemVer, not PEP 440: `dev` sorts after `a` and `b` but
///   before `rc`, and `alpha` after `a`; only a change from pre-release to
///   stable matters to a release gate, and that is always preserved.
/// - PEP 440 post releases (`post`, `rev`, `r`) go to build metadata:
///   `1.2.0.post1` is `1.2.0+post.1`. That keeps them stable, as they are,
///   rather than turning them into betas. `Version`'s `Ord` puts
///   `1.2.0+post.1` after `1.2.0`, although SemVer precedence
///   ([`Version::cmp_precedence`]) treats the two as equal.
/// - Components after the third also go to build metadata, for the same
///   reason: `1.2.3.4` is `1.2.3+4`.
/// - A PEP 440 local version keeps its text as build metadata, with `_` read
///   as `.`: `1.2.0+ubuntu_1` is `1.2.0+ubuntu.1`.
/// - Any other suffix after a `-` is kept as a SemVer pre-release when it is
///   one: `1.2-SNAPSHOT` is `1.2.0-SNAPSHOT`.
///
/// Anything else, such as text without a leading number, is an error that
/// quotes the text. No input makes this function panic.
pub(crate) fn version(kind: Kind, bytes: &[u8]) -> Result<Option<Version>, ManifestError> {
    let text = utf8(bytes)?;
    match kind {
        Kind::Cargo => cargo_version(text),
        Kind::PackageJson => package_json_version(text),
        Kind::Pyproject => pyproject_version(text),
        Kind::VersionFile => version_file_version(text),
    }
}

/// A 1-based line and column (in characters) in a manifest's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl Place {
    /// The place of the character at byte `offset` of `text`.
    ///
    /// Offsets past the end (or inside a character) are clamped rather than
    /// trusted, since they come from other crates' errors.
    pub(crate) fn of_offset(text: &str, offset: usize) -> Place {
        let before = &text.as_bytes()[..offset.min(text.len())];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |newline| newline + 1);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = text[line_start..]
            .char_indices()
            .take_while(|&(i, _)| line_start + i < before.len())
            .count()
            + 1;
        Place { line, column }
    }
}

/// The manifest's text, after checking it is UTF-8 and dropping a byte order
/// mark (editors on Windows like to write one, and no parser here wants it).
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, ManifestError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|error| {
        // Everything before the bad byte is valid, so the place can be
        // computed on that prefix.
        let valid = &bytes[..error.valid_up_to()];
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let place = Place::of_offset(valid, valid.len());
        ManifestError::at(
            "invalid UTF-8",
            Some(place),
            "the manifest is not UTF-8 text",
        )
    })
}

/// A table that may hold a `version` key: `[package]`,
/// `[workspace.package]` and `[tool.poetry]`.
///
/// The version is kept as a spanned raw value rather than a `String`, so that
/// a wrong type is reported with the key's name and place, and so that
/// Cargo's `{ workspace = true }` can be recognised.
#[derive(Deserialize)]
#[serde(expecting = "a table")]
struct VersionTable {
    version: Option<Spanned<toml::Value>>,
}

/// The parts of a `Cargo.toml` that can declare a version.
#[derive(Deserialize)]
struct CargoManifest {
    package: Option<VersionTable>,
    workspace: Option<CargoWorkspace>,
}

/// `[workspace]` in a `Cargo.toml`.
#[derive(Deserialize)]
#[serde(expecting = "a table")]
struct CargoWorkspace {
    package: Option<VersionTable>,
}

/// The parts of a `pyproject.toml` that can declare a version.
#[derive(Deserialize)]
struct Pyproject {
    project: Option<PyprojectProject>,
    tool: Option<PyprojectTool>,
}

/// `[project]` in a `pyproject.toml` (PEP 621).
#[derive(Deserialize)]
#[serde(expecting = "a table")]
struct PyprojectProject {
    version: Option<Spanned<toml::Value>>,
    #[serde(default)]
    dynamic: Vec<String>,
}

/// `[tool]` in a `pyproject.toml`.
#[derive(Deserialize)]
#[serde(expecting = "a table")]
struct PyprojectTool {
    poetry: Option<VersionTable>,
}

fn cargo_version(text: &str) -> Result<Option<Version>, ManifestError> {
    let manifest: CargoManifest = parse_toml(Kind::Cargo, text)?;
    if let Some(declared) = manifest.package.and_then(|package| package.version) {
        match declared.get_ref() {
            toml::Value::Table(table) if inherits_from_workspace(table) => {}
            toml::Value::Table(_) => {
                return Err(ManifestError::at(
                    "invalid Cargo.toml",
                    Some(Place::of_offset(text, declared.span().start)),
                    "`package.version` must be a string or `{ workspace = true }`",
                ));
            }
            _ => return toml_version(Kind::Cargo, text, "package.version", &declared).map(Some),
        }
    }
    manifest
        .workspace
        .and_then(|workspace| workspace.package)
        .and_then(|package| package.version)
        .map(|declared| toml_version(Kind::Cargo, text, "workspace.package.version", &declared))
        .transpose()
}

/// Whether a `package.version` table is Cargo's `{ workspace = true }`.
fn inherits_from_workspace(table: &toml::Table) -> bool {
    matches!(table.get("workspace"), Some(toml::Value::Boolean(true)))
}

fn pyproject_version(text: &str) -> Result<Option<Version>, ManifestError> {
    let pyproject: Pyproject = parse_toml(Kind::Pyproject, text)?;
    // PEP 621 forbids a static version when `dynamic` lists it; the build
    // backend computes it then, and Poetry keeps its own copy in
    // `[tool.poetry]`, so a static one is ignored rather than trusted.
    let static_version = pyproject
        .project
        .filter(|project| !project.dynamic.iter().any(|field| field == "version"))
        .and_then(|project| project.version);
    if let Some(declared) = static_version {
        return toml_version(Kind::Pyproject, text, "project.version", &declared).map(Some);
    }
    pyproject
        .tool
        .and_then(|tool| tool.poetry)
        .and_then(|poetry| poetry.version)
        .map(|declared| toml_version(Kind::Pyproject, text, "tool.poetry.version", &declared))
        .transpose()
}

/// Deserializes a TOML manifest, telling syntax errors apart from a valid
/// document whose tables have the wrong shape.
pub(crate) fn parse_toml<T: DeserializeOwned>(kind: Kind, text: &str) -> Result<T, ManifestError> {
    let document = toml::de::Deserializer::parse(text)
        .map_err(|error| toml_error("invalid TOML", text, &error))?;
    T::deserialize(document)
        .map_err(|error| toml_error(&format!("invalid {}", kind.file_name()), text, &error))
}

fn toml_error(headline: &str, text: &str, error: &toml::de::Error) -> ManifestError {
    let place = error
        .span()
        .map(|Range { start, .. }| Place::of_offset(text, start));
    ManifestError::at(headline, place, error.message())
}

/// The version in a TOML value found under `key`, which must be a string.
fn toml_version(
    kind: Kind,
    text: &str,
    key: &str,
    declared: &Spanned<toml::Value>,
) -> Result<Version, ManifestError> {
    let headline = format!("invalid {}", kind.file_name());
    let place = Some(Place::of_offset(text, declared.span().start));
    match declared.get_ref() {
        toml::Value::String(raw) => {
            parse_version(raw).map_err(|detail| ManifestError::at(&headline, place, &detail))
        }
        other => Err(ManifestError::at(
            &headline,
            place,
            &format!("`{key}` must be a string, found {}", other.type_str()),
        )),
    }
}

fn package_json_version(text: &str) -> Result<Option<Version>, ManifestError> {
    // A `Value` rather than a struct, so that duplicate keys behave as in
    // `JSON.parse` (the last wins) instead of being an error.
    let document: serde_json::Value =
        serde_json::from_str(text).map_err(|error| json_error(text, &error))?;
    let serde_json::Value::Object(fields) = document else {
        return Err(ManifestError::new(format!(
            "package.json must hold a JSON object, found {}",
            json_type(&document)
        )));
    };
    match fields.get("version") {
        None => Ok(None),
        Some(serde_json::Value::String(raw)) => {
            parse_version(raw).map(Some).map_err(ManifestError::new)
        }
        Some(other) => Err(ManifestError::new(format!(
            "`version` must be a string, found {}",
            json_type(other)
        ))),
    }
}

pub(crate) fn json_error(text: &str, error: &serde_json::Error) -> ManifestError {
    let full = error.to_string();
    if error.line() == 0 {
        return ManifestError::at("invalid JSON", None, &full);
    }
    // serde_json appends its own " at line L column C" to the message, and
    // counts that column in bytes; both are redone here to match TOML's.
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let detail = full.strip_suffix(&suffix).unwrap_or(&full);
    let line_start = text
        .split_inclusive('\n')
        .take(error.line() - 1)
        .map(str::len)
        .sum::<usize>();
    // Column 0 means "just after a newline", i.e. the start of the line.
    let offset = line_start + error.column().saturating_sub(1);
    ManifestError::at("invalid JSON", Some(Place::of_offset(text, offset)), detail)
}

pub(crate) fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

fn version_file_version(text: &str) -> Result<Option<Version>, ManifestError> {
    let Some((index, line)) = text
        .lines()
        .enumerate()
        .find(|(_, line)| !line.trim().is_empty())
    else {
        return Ok(None);
    };
    parse_version(line.trim()).map(Some).map_err(|detail| {
        let indent = line.chars().take_while(|c| c.is_whitespace()).count();
        let place = Place {
            line: index + 1,
            column: indent + 1,
        };
        ManifestError::at("invalid VERSION", Some(place), &detail)
    })
}

/// Parses version text as described on [`version`]; the error is the message.
fn parse_version(raw: &str) -> Result<Version, String> {
    let text = raw.trim();
    let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
    Version::parse(text)
        .ok()
        .or_else(|| parse_lenient(text))
        .ok_or_else(|| format!("version {} is not a version number", quote(raw)))
}

/// Parses a version that is not strict SemVer: the release numbers, then a
/// PEP 440 suffix or a SemVer-style `-pre-release`, then `+local`.
fn parse_lenient(text: &str) -> Option<Version> {
    let (release, rest) = split_release(text)?;
    let (rest, local) = match rest.split_once('+') {
        Some((rest, local)) => (rest, Some(local)),
        None => (rest, None),
    };

    let component = |index: usize| release.get(index).copied().unwrap_or(0);
    let mut version = Version::new(component(0), component(1), component(2));

    let mut build: Vec<String> = release.iter().skip(3).map(u64::to_string).collect();
    if let Some((pre, post)) = pep440_suffix(rest) {
        version.pre = Prerelease::new(&pre.join(".")).ok()?;
        build.extend(post);
    } else {
        // `Prerelease::new("")` succeeds, so a bare `-` must be refused here.
        let pre = rest.strip_prefix('-').filter(|pre| !pre.is_empty())?;
        version.pre = Prerelease::new(pre).ok()?;
    }
    if let Some(local) = local {
        // An empty local part (`1.2+`) would otherwise vanish silently.
        if local.is_empty() {
            return None;
        }
        build.push(local.replace('_', "."));
    }
    version.build = BuildMetadata::new(&build.join(".")).ok()?;
    Some(version)
}

/// Splits leading dot-separated numbers (at least one) from the rest.
fn split_release(text: &str) -> Option<(Vec<u64>, &str)> {
    let mut release = Vec::new();
    let mut rest = text;
    loop {
        let (number, after) = split_number(rest)?;
        release.push(number);
        rest = after;
        // A dot followed by a letter starts a suffix, as in `1.2.0.dev3`.
        match rest.strip_prefix('.') {
            Some(after) if after.starts_with(|c: char| c.is_ascii_digit()) => rest = after,
            _ => return Some((release, rest)),
        }
    }
}

/// Splits a leading decimal number from the rest; `None` when there is no
/// number or it does not fit a `u64`.
fn split_number(text: &str) -> Option<(u64, &str)> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let number = text[..end].parse().ok()?;
    Some((number, &text[end..]))
}

/// Reads a PEP 440 suffix (`rc1`, `.dev3`, `-beta.2`, `.post1`, ...) into
/// pre-release identifiers and post-release build identifiers. `None` when
/// `suffix` is not entirely made of such segments.
fn pep440_suffix(suffix: &str) -> Option<(Vec<String>, Vec<String>)> {
    const SEPARATORS: [char; 3] = ['.', '-', '_'];
    let mut pre = Vec::new();
    let mut post = Vec::new();
    let mut rest = suffix;
    while !rest.is_empty() {
        let segment = rest.strip_prefix(SEPARATORS).unwrap_or(rest);
        let label_end = segment
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(segment.len());
        let label = segment[..label_end].to_ascii_lowercase();
        let is_post = match label.as_str() {
            "a" | "alpha" | "b" | "beta" | "c" | "rc" | "pre" | "preview" | "dev" => false,
            "post" | "rev" | "r" => true,
            _ => return None,
        };
        let after_label = &segment[label_end..];
        let number_text = after_label.strip_prefix(SEPARATORS).unwrap_or(after_label);
        // A separator only belongs to this segment when a number follows it.
        let number = match split_number(number_text) {
            Some((number, after)) => {
                rest = after;
                Some(number)
            }
            None => {
                rest = after_label;
                None
            }
        };
        // Once a post release is seen, what follows (`1.0.post1.dev2`)
        // qualifies the post release, so it stays in the build metadata too.
        let target = if is_post || !post.is_empty() {
            &mut post
        } else {
            &mut pre
        };
        target.push(label);
        target.extend(number.map(|number| number.to_string()));
    }
    Some((pre, post))
}

/// `text` quoted for a one-line message, shortened when long.
fn quote(text: &str) -> String {
    const LIMIT: usize = 64;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{:?}...", &text[..cut]),
        None => format!("{text:?}"),
    }
}

/// `text` with line breaks turned into spaces, so messages stay one line.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    fn read(kind: Kind, text: &str) -> Option<Version> {
        version(kind, text.as_bytes()).unwrap()
    }

    fn fail(kind: Kind, text: &str) -> ManifestError {
        match version(kind, text.as_bytes()) {
            Ok(found) => panic!("expected an error for {text:?}, got {found:?}"),
            Err(error) => error,
        }
    }

    fn place_of(error: &ManifestError) -> (Option<usize>, Option<usize>) {
        (error.line, error.column)
    }

    #[test]
    fn messages_from_other_crates_are_kept_on_one_line() {
        let place = Some(Place { line: 2, column: 5 });
        let error = ManifestError::at("invalid TOML", place, "expected\r\nsomething");
        assert_eq!(
            error.to_string(),
            "invalid TOML at line 2, column 5: expected  something"
        );
        assert_eq!(place_of(&error), (Some(2), Some(5)));
    }

    #[test]
    fn kind_from_file_name() {
        assert_eq!(Kind::from_file_name("Cargo.toml"), Some(Kind::Cargo));
        assert_eq!(
            Kind::from_file_name("package.json"),
            Some(Kind::PackageJson)
        );
        assert_eq!(
            Kind::from_file_name("pyproject.toml"),
            Some(Kind::Pyproject)
        );
        assert_eq!(Kind::from_file_name("VERSION"), Some(Kind::VersionFile));
        for other in [
            "cargo.toml",
            "Cargo.lock",
            "version",
            "VERSION.txt",
            "src/Cargo.toml",
            "",
        ] {
            assert_eq!(Kind::from_file_name(other), None, "{other}");
        }
    }

    #[test]
    fn cargo_package_version() {
        let text = "[package]\nname = \"x\"\nversion = \"1.4.2\"\n";
        assert_eq!(read(Kind::Cargo, text), Some(v("1.4.2")));
        let text = "[package]\nname = \"x\"\nversion = \"2.0.0-beta.1\"\n";
        assert_eq!(read(Kind::Cargo, text), Some(v("2.0.0-beta.1")));
    }

    #[test]
    fn cargo_package_version_wins_over_workspace() {
        let text = "[workspace.package]\nversion = \"9.9.9\"\n\n[package]\nversion = \"1.0.0\"\n";
        assert_eq!(read(Kind::Cargo, text), Some(v("1.0.0")));
    }

    #[test]
    fn cargo_workspace_inheritance() {
        let dotted = "[workspace.package]\nversion = \"3.1.0\"\n\n\
                      [package]\nname = \"x\"\nversion.workspace = true\n";
        assert_eq!(read(Kind::Cargo, dotted), Some(v("3.1.0")));
        let inline = "[package]\nname = \"x\"\nversion = { workspace = true }\n\n\
                      [workspace]\nmembers = []\npackage = { version = \"3.2.0-rc.2\" }\n";
        assert_eq!(read(Kind::Cargo, inline), Some(v("3.2.0-rc.2")));
    }

    #[test]
    fn cargo_inheritance_from_another_file_declares_nothing() {
        let text = "[package]\nname = \"member\"\nversion.workspace = true\n";
        assert_eq!(read(Kind::Cargo, text), None);
    }

    #[test]
    fn cargo_workspace_package_only() {
        let text =
            "[workspace]\nmembers = [\"a\", \"b\"]\n\n[workspace.package]\nversion = \"0.7.0\"\n";
        assert_eq!(read(Kind::Cargo, text), Some(v("0.7.0")));
    }

    #[test]
    fn cargo_package_without_version_falls_back_to_workspace() {
        let text = "[package]\nname = \"x\"\n\n[workspace.package]\nversion = \"0.8.1\"\n";
        assert_eq!(read(Kind::Cargo, text), Some(v("0.8.1")));
    }

    #[test]
    fn cargo_without_version() {
        assert_eq!(read(Kind::Cargo, ""), None);
        assert_eq!(read(Kind::Cargo, "[package]\nname = \"x\"\n"), None);
        assert_eq!(read(Kind::Cargo, "[workspace]\nmembers = []\n"), None);
        assert_eq!(
            read(Kind::Cargo, "[dependencies]\nversion = \"1.0.0\"\n"),
            None
        );
    }

    #[test]
    fn cargo_version_of_wrong_type_names_the_key() {
        let error = fail(Kind::Cargo, "[package]\nname = \"x\"\nversion = 1\n");
        assert!(error.message.contains("`package.version`"), "{error}");
        assert!(error.message.contains("integer"), "{error}");
        assert_eq!(place_of(&error), (Some(3), Some(11)));

        let error = fail(Kind::Cargo, "[workspace.package]\nversion = [1, 2]\n");
        assert!(
            error.message.contains("`workspace.package.version`"),
            "{error}"
        );
        assert!(error.message.contains("array"), "{error}");
        assert_eq!(place_of(&error), (Some(2), Some(11)));

        let error = fail(Kind::Cargo, "[package]\nversion.workspace = false\n");
        assert!(error.message.contains("`package.version`"), "{error}");
        assert_eq!(error.line, Some(2));
    }

    #[test]
    fn cargo_tables_of_wrong_type() {
        let error = fail(Kind::Cargo, "package = \"1.0.0\"\n");
        assert!(
            error
                .message
                .starts_with("invalid Cargo.toml at line 1, column 11: ")
        );
        assert!(error.message.contains("expected a table"), "{error}");

        let error = fail(Kind::Cargo, "[workspace]\npackage = 3\n");
        assert_eq!(place_of(&error), (Some(2), Some(11)));
    }

    #[test]
    fn cargo_bad_version_text_is_located() {
        let error = fail(Kind::Cargo, "[package]\nversion = \"banana\"\n");
        assert_eq!(
            error.to_string(),
            "invalid Cargo.toml at line 2, column 11: version \"banana\" is not a version number"
        );
        assert_eq!(place_of(&error), (Some(2), Some(11)));
    }

    #[test]
    fn malformed_toml_has_line_and_column() {
        // The `=` is missing, so the string at column 9 is unexpected.
        let text = "[package]\nname = \"x\"\nversion \"1.0.0\"\n";
        let error = fail(Kind::Cargo, text);
        assert_eq!(place_of(&error), (Some(3), Some(9)));
        assert!(
            error
                .to_string()
                .starts_with("invalid TOML at line 3, column 9: "),
            "{error}"
        );
        assert!(!error.to_string().contains('\n'), "{error}");

        let error = fail(Kind::Pyproject, "[project]\nversion = \"1.0\"\n[project\n");
        assert_eq!(error.line, Some(3));
        assert!(error.message.starts_with("invalid TOML"), "{error}");
    }

    #[test]
    fn malformed_toml_duplicate_key() {
        let text = "[package]\nversion = \"1.0.0\"\nversion = \"2.0.0\"\n";
        let error = fail(Kind::Cargo, text);
        assert_eq!(place_of(&error), (Some(3), Some(1)));
        assert!(error.message.starts_with("invalid TOML"), "{error}");
    }

    #[test]
    fn toml_columns_count_characters() {
        // `ü` and `€` are 2 and 3 bytes; the stray `x` is the 14th character
        // but the 17th byte of its line.
        let text = "[package]\nname = \"ü€\"  x\n";
        let error = fail(Kind::Cargo, text);
        assert_eq!(place_of(&error), (Some(2), Some(14)));
    }

    #[test]
    fn package_json_version() {
        let text = "{\n  \"name\": \"x\",\n  \"version\": \"4.5.6\"\n}\n";
        assert_eq!(read(Kind::PackageJson, text), Some(v("4.5.6")));
        let text = r#"{"version": "5.0.0-next.3", "dependencies": {"version": "1"}}"#;
        assert_eq!(read(Kind::PackageJson, text), Some(v("5.0.0-next.3")));
    }

    #[test]
    fn package_json_without_version() {
        assert_eq!(read(Kind::PackageJson, "{}"), None);
        let text = r#"{"name": "x", "dependencies": {"version": "1.0.0"}}"#;
        assert_eq!(read(Kind::PackageJson, text), None);
    }

    #[test]
    fn package_json_duplicate_version_keeps_the_last() {
        let text = r#"{"version": "1.0.0", "version": "2.0.0"}"#;
        assert_eq!(read(Kind::PackageJson, text), Some(v("2.0.0")));
    }

    #[test]
    fn package_json_numeric_version_is_an_error() {
        let error = fail(Kind::PackageJson, r#"{"version": 1.2}"#);
        assert_eq!(
            error.to_string(),
            "`version` must be a string, found number"
        );
        let error = fail(Kind::PackageJson, r#"{"version": null}"#);
        assert!(error.message.contains("found null"), "{error}");
    }

    #[test]
    fn package_json_must_be_an_object() {
        let error = fail(Kind::PackageJson, "[\"1.0.0\"]");
        assert!(error.message.contains("found array"), "{error}");
    }

    #[test]
    fn package_json_bad_version_text() {
        let error = fail(Kind::PackageJson, r#"{"version": "banana"}"#);
        assert_eq!(
            error.to_string(),
            "version \"banana\" is not a version number"
        );
        assert_eq!(place_of(&error), (None, None));
    }

    #[test]
    fn malformed_json_has_line_and_column() {
        // A trailing comma: the `}` on line 4 is where it goes wrong.
        let text = "{\n  \"name\": \"x\",\n  \"version\": \"1.0.0\",\n}\n";
        let error = fail(Kind::PackageJson, text);
        assert_eq!(place_of(&error), (Some(4), Some(1)));
        assert!(
            error
                .to_string()
                .starts_with("invalid JSON at line 4, column 1: "),
            "{error}"
        );
        // serde_json's own location is not repeated in the message.
        assert!(!error.message.contains(" column 1 "), "{error}");
        assert!(!error.message.ends_with("column 1"), "{error}");
    }

    #[test]
    fn json_columns_count_characters() {
        // The unquoted `x` is the 11th character but the 14th byte.
        let text = "{\"ü€\": 1, x}";
        let error = fail(Kind::PackageJson, text);
        assert_eq!(place_of(&error), (Some(1), Some(11)));
    }

    #[test]
    fn truncated_json_is_located() {
        let error = fail(Kind::PackageJson, "{\"version\": \"1.0.0\"\n");
        assert_eq!(error.line, Some(2));
        assert!(error.message.starts_with("invalid JSON"), "{error}");
    }

    #[test]
    fn pyproject_project_version() {
        let text = "[project]\nname = \"x\"\nversion = \"2.1.0\"\n";
        assert_eq!(read(Kind::Pyproject, text), Some(v("2.1.0")));
        let text = "[project]\nname = \"x\"\nversion = \"2.1.0rc2\"\ndynamic = [\"readme\"]\n";
        assert_eq!(read(Kind::Pyproject, text), Some(v("2.1.0-rc.2")));
    }

    #[test]
    fn pyproject_dynamic_version_falls_back_to_poetry() {
        let text = "[project]\nname = \"x\"\ndynamic = [\"version\"]\n\n\
                    [tool.poetry]\nversion = \"0.3.0\"\n";
        assert_eq!(read(Kind::Pyproject, text), Some(v("0.3.0")));
        // A static version beside `dynamic = ["version"]` is not the one built.
        let text = "[project]\nversion = \"9.0.0\"\ndynamic = [\"version\"]\n\n\
                    [tool.poetry]\nversion = \"0.3.1\"\n";
        assert_eq!(read(Kind::Pyproject, text), Some(v("0.3.1")));
    }

    #[test]
    fn pyproject_dynamic_version_without_poetry() {
        let text = "[project]\nname = \"x\"\ndynamic = [\"version\"]\n\n\
                    [tool.setuptools_scm]\n";
        assert_eq!(read(Kind::Pyproject, text), None);
    }

    #[test]
    fn pyproject_poetry_only() {
        let text = "[tool.poetry]\nname = \"x\"\nversion = \"1.0.0b3\"\n";
        assert_eq!(read(Kind::Pyproject, text), Some(v("1.0.0-b.3")));
        let text = "[project]\nname = \"x\"\n\n[tool.poetry]\nversion = \"1.1\"\n";
        assert_eq!(read(Kind::Pyproject, text), Some(v("1.1.0")));
    }

    #[test]
    fn pyproject_without_version() {
        assert_eq!(read(Kind::Pyproject, ""), None);
        assert_eq!(read(Kind::Pyproject, "[project]\nname = \"x\"\n"), None);
        assert_eq!(
            read(Kind::Pyproject, "[tool.black]\nline-length = 99\n"),
            None
        );
    }

    #[test]
    fn pyproject_wrong_types() {
        let error = fail(Kind::Pyproject, "[tool.poetry]\nversion = 2\n");
        assert!(error.message.contains("`tool.poetry.version`"), "{error}");
        assert_eq!(place_of(&error), (Some(2), Some(11)));

        let error = fail(Kind::Pyproject, "[project]\nversion = true\n");
        assert!(error.message.contains("`project.version`"), "{error}");

        let error = fail(Kind::Pyproject, "[project]\ndynamic = \"version\"\n");
        assert!(
            error
                .message
                .starts_with("invalid pyproject.toml at line 2"),
            "{error}"
        );
    }

    #[test]
    fn version_file() {
        assert_eq!(read(Kind::VersionFile, "1.2.3\n"), Some(v("1.2.3")));
        assert_eq!(
            read(Kind::VersionFile, "\n\n  v2.0.0-rc.1  \r\nignored\n"),
            Some(v("2.0.0-rc.1"))
        );
        assert_eq!(read(Kind::VersionFile, "0.9"), Some(v("0.9.0")));
    }

    #[test]
    fn empty_version_file_declares_nothing() {
        assert_eq!(read(Kind::VersionFile, ""), None);
        assert_eq!(read(Kind::VersionFile, " \n\t\r\n\u{a0}\n"), None);
    }

    #[test]
    fn bad_version_file_is_located() {
        let error = fail(Kind::VersionFile, "\n  banana\n");
        assert_eq!(
            error.to_string(),
            "invalid VERSION at line 2, column 3: version \"banana\" is not a version number"
        );
    }

    #[test]
    fn byte_order_mark_is_ignored() {
        let bom = "\u{feff}";
        let cases = [
            (Kind::Cargo, "[package]\nversion = \"1.0.0\"\n"),
            (Kind::PackageJson, "{\"version\": \"1.0.0\"}"),
            (Kind::Pyproject, "[project]\nversion = \"1.0.0\"\n"),
            (Kind::VersionFile, "1.0.0\n"),
        ];
        for (kind, text) in cases {
            let with_bom = format!("{bom}{text}");
            assert_eq!(read(kind, &with_bom), Some(v("1.0.0")), "{kind:?}");
        }
        // Columns on the first line do not count the mark.
        let error = fail(Kind::Cargo, &format!("{bom}x"));
        assert_eq!(place_of(&error), (Some(1), Some(2)));
    }

    #[test]
    fn non_utf8_is_an_error() {
        for kind in [
            Kind::Cargo,
            Kind::PackageJson,
            Kind::Pyproject,
            Kind::VersionFile,
        ] {
            let error = version(kind, b"[package]\nversion = \"1.0.\xff\"\n").unwrap_err();
            assert!(error.message.contains("UTF-8"), "{error}");
            assert_eq!(place_of(&error), (Some(2), Some(16)), "{kind:?}");
        }
        // Latin-1, as an old editor might save it.
        let error = version(Kind::VersionFile, b"1.0.0 \xe9t\xe9\n").unwrap_err();
        assert!(error.message.contains("UTF-8"), "{error}");
    }

    #[test]
    fn lenient_versions_are_normalised() {
        let cases = [
            ("1.2.3", "1.2.3"),
            ("v1.2.3", "1.2.3"),
            ("V1.2.3-rc.1", "1.2.3-rc.1"),
            ("1.2.3+build.5", "1.2.3+build.5"),
            ("  1.2.3\t", "1.2.3"),
            ("1.2", "1.2.0"),
            ("1", "1.0.0"),
            ("v2", "2.0.0"),
            ("01.02.003", "1.2.3"),
            ("1.2.0rc1", "1.2.0-rc.1"),
            ("1.2.0a1", "1.2.0-a.1"),
            ("1.2.0b2", "1.2.0-b.2"),
            ("1.2.0.dev3", "1.2.0-dev.3"),
            ("1.2.0-beta", "1.2.0-beta"),
            ("1.2-beta", "1.2.0-beta"),
            ("1.2.0RC1", "1.2.0-rc.1"),
            ("1.2.0-rc.1", "1.2.0-rc.1"),
            ("1.2rc", "1.2.0-rc"),
            ("1.2.0alpha.2", "1.2.0-alpha.2"),
            ("1.2.0_preview_4", "1.2.0-preview.4"),
            ("1.2.0rc01", "1.2.0-rc.1"),
            ("1.2.0rc1.dev2", "1.2.0-rc.1.dev.2"),
            ("1.2.0.post1", "1.2.0+post.1"),
            ("1.2.0-post.1", "1.2.0-post.1"),
            ("1.2.post1", "1.2.0+post.1"),
            ("1.2.0.post1.dev2", "1.2.0+post.1.dev.2"),
            ("1.2.0rc1.post1", "1.2.0-rc.1+post.1"),
            ("1.2.0r", "1.2.0+r"),
            ("1.2.3.4", "1.2.3+4"),
            ("1.2.3.4.post5", "1.2.3+4.post.5"),
            ("1.2+ubuntu_1", "1.2.0+ubuntu.1"),
            ("1.2.0rc1+local.7", "1.2.0-rc.1+local.7"),
            ("1.2-SNAPSHOT", "1.2.0-SNAPSHOT"),
            ("1.2-1", "1.2.0-1"),
        ];
        for (input, expected) in cases {
            match parse_version(input) {
                Ok(found) => assert_eq!(found.to_string(), expected, "{input:?}"),
                Err(error) => panic!("{input:?}: {error}"),
            }
        }
    }

    #[test]
    fn post_release_is_stable_and_sorts_after() {
        let post = parse_version("1.2.0.post1").unwrap();
        assert!(post.pre.is_empty());
        assert!(post > v("1.2.0"));
        assert!(post < v("1.2.1"));
    }

    #[test]
    fn non_versions_are_errors_quoting_the_text() {
        let cases = [
            "banana",
            "",
            "   ",
            "v",
            "vv1.2.3",
            "x1.2.3",
            ".1.2",
            "-1.2.3",
            "1.",
            "1..2",
            "1.2.3.",
            "1.2.3 final",
            "1.2.3.Final",
            "1.2.3-",
            "1.2.3+",
            "1.2+a..b",
            "1.2.0rc1-junk",
            "1.2.0-01",
            "99999999999999999999",
            "1.99999999999999999999",
        ];
        for input in cases {
            let error = parse_version(input).unwrap_err();
            assert_eq!(
                error,
                format!("version {input:?} is not a version number"),
                "{input:?}"
            );
        }
    }

    #[test]
    fn odd_unicode_is_rejected_not_misread() {
        let cases = [
            "１.２.３",      // full-width digits
            "١.٢.٣",         // Arabic-Indic digits
            "1.2.3\u{200b}", // zero-width space
            "\u{200b}1.2.3",
            "1.2.3-β", // non-ASCII pre-release
            "1.2.0rc１",
            "ⅴ1.2.3",              // roman numeral five, not `v`
            "1\u{2024}2\u{2024}3", // one-dot leader
            "1.2.3\u{0}",
        ];
        for input in cases {
            let error = parse_version(input).unwrap_err();
            assert!(
                error.contains("is not a version number"),
                "{input:?}: {error}"
            );
            assert!(!error.contains('\n') && !error.contains('\0'), "{error}");
        }
        // Unicode white space around the text is trimmed like any other.
        assert_eq!(parse_version("\u{a0}1.2.3\u{3000}").unwrap(), v("1.2.3"));
        // Non-ASCII elsewhere in a manifest is fine.
        let text = "[package]\nname = \"ünïcödé-名前\"\nversion = \"1.0.0\" # ✓\n";
        assert_eq!(read(Kind::Cargo, text), Some(v("1.0.0")));
    }

    #[test]
    fn long_version_text_is_shortened_in_messages() {
        let long = "x".repeat(10_000);
        let error = parse_version(&long).unwrap_err();
        assert!(error.len() < 120, "{error}");
        assert!(error.contains("..."), "{error}");
    }

    #[test]
    fn pre_releases_sort_before_their_release() {
        assert!(v("1.2.0-rc.1") < v("1.2.0"));
        assert!(parse_version("1.2.0rc1").unwrap() < parse_version("1.2.0").unwrap());
        assert!(parse_version("1.2.0b2").unwrap() < parse_version("1.2.0rc1").unwrap());
        assert!(parse_version("1.2.0rc2").unwrap() < parse_version("1.2.0rc10").unwrap());
        assert!(parse_version("1.2.0").unwrap() < parse_version("1.2.1a1").unwrap());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let toml = format!("a = {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert!(version(Kind::Cargo, toml.as_bytes()).is_err());
        let toml = format!("a = {}1{}\n", "{b = ".repeat(100_000), "}".repeat(100_000));
        assert!(version(Kind::Pyproject, toml.as_bytes()).is_err());
        let toml = format!("[package]\nversion.{}a = 1\n", "a.".repeat(100_000));
        assert!(version(Kind::Cargo, toml.as_bytes()).is_err());
        let json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(version(Kind::PackageJson, json.as_bytes()).is_err());
    }

    /// Feeds every kind pseudo-random mixtures of manifest fragments and odd
    /// bytes: none may panic, and every version found must be valid SemVer.
    #[test]
    fn arbitrary_input_never_panics() {
        const FRAGMENTS: &[&[u8]] = &[
            b"[package]\n",
            b"[workspace.package]\n",
            b"[project]\n",
            b"[tool.poetry]\n",
            b"version = ",
            b"version.workspace = true\n",
            b"dynamic = [\"version\"]\n",
            b"{\"version\": ",
            b"\"1.2.0rc1\"",
            b"\"v1.2\"",
            b"\"",
            b"1.2.3",
            b".post",
            b"-beta",
            b"+",
            b"dev",
            b"9999999999999999999999",
            b"\n",
            b"\r\n",
            b" ",
            b"=",
            b"[",
            b"]",
            b"{",
            b"}",
            b",",
            b"#",
            b"\xEF\xBB\xBF",
            b"\xff",
            b"\xc3",
            "é€名\u{200b}".as_bytes(),
            b"\0",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            // xorshift64: deterministic, so a failure reproduces.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut versions_found = 0;
        for _ in 0..20_000 {
            let mut input = Vec::new();
            for _ in 0..next() % 12 {
                input.extend_from_slice(FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize]);
            }
            for kind in [
                Kind::Cargo,
                Kind::PackageJson,
                Kind::Pyproject,
                Kind::VersionFile,
            ] {
                match version(kind, &input) {
                    Ok(Some(found)) => {
                        versions_found += 1;
                        assert_eq!(Version::parse(&found.to_string()).unwrap(), found);
                    }
                    Ok(None) => {}
                    Err(error) => {
                        assert!(!error.message.is_empty());
                        assert!(!error.message.contains('\n'), "{error}");
                        assert_eq!(error.line.is_some(), error.column.is_some());
                    }
                }
            }
        }
        // The inputs must exercise the success path too, or this proves little.
        assert!(versions_found > 100, "{versions_found}");
    }
}
