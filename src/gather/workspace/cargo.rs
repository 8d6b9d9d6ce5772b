//! Cargo's workspace members: `[workspace] members` of the root Cargo.toml, globs
//! expanded, `exclude` honoured, each member's name from its own `[package] name`.
//!
//! Cargo's rules, followed here: a glob matches folders only (a stray file is passed
//! over), a matched folder without a Cargo.toml is an error (cargo refuses to build such
//! a workspace), and a path in `exclude` leaves out every member below it unless a
//! member names that path outright.

use serde::Deserialize;
use toml::Spanned;

use super::glob::{self, Clean, Rules};
use super::{Ecosystem, Finder, Member, Source, cargo_name, invalid, located};
use crate::gather::disk::FILE_CAP;
use crate::judge::manifest::{self, Kind, Place};
use anyhow::Result;

const ROOT: &str = "Cargo.toml";

/// Cargo's `glob` crate lets `*` match names that start with a dot.
const RULES: Rules = Rules {
    dot_folders: true,
    skip_node_modules: false,
};

#[derive(Deserialize)]
struct Root {
    workspace: Option<Workspace>,
    package: Option<Package>,
}

#[derive(Deserialize)]
#[serde(expecting = "a table")]
struct Workspace {
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
}

/// `[package]`; the name is kept raw and located, so that a wrong type or a name cargo
/// would refuse is reported at its place.
#[derive(Deserialize)]
#[serde(expecting = "a table")]
struct Package {
    name: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
struct MemberManifest {
    package: Option<Package>,
}

pub(super) fn find(finder: &mut Finder<'_>) -> Result<()> {
    let Some(text) = finder.read(ROOT, FILE_CAP)? else {
        finder.looked.push("there is no Cargo.toml".to_owned());
        return Ok(());
    };
    let root: Root = manifest::parse_toml(Kind::Cargo, &text).map_err(|e| located(ROOT, &e))?;
    let Some(workspace) = root.workspace else {
        finder
            .looked
            .push("Cargo.toml has no [workspace]".to_owned());
        return Ok(());
    };
    if workspace.members.is_empty() {
        finder
            .looked
            .push("Cargo.toml's [workspace] lists no members".to_owned());
        return Ok(());
    }
    // Cargo compares `exclude` and the members it names outright as paths, whole
    // components at a time.
    let cleaned = |paths: &[String]| -> Vec<String> {
        paths
            .iter()
            .filter_map(|p| match glob::clean(p) {
                Clean::Inside(p) => Some(p),
                Clean::Parent => None,
            })
            .collect()
    };
    let exclude = cleaned(&workspace.exclude);
    let named: Vec<String> = cleaned(&workspace.members)
        .into_iter()
        .filter(|p| glob::is_literal(p))
        .collect();
    // The root crate is a member without being named; a member `.` gets its own note.
    if let Some(toml::Value::String(name)) =
        root.package.and_then(|p| p.name).map(|n| n.into_inner())
        && !named.iter().any(String::is_empty)
    {
        finder.notes.push(format!(
            "the crate `{}` of the root Cargo.toml belongs to the root package `.`, which \
             `signals` describes",
            crate::escape::visible(&name)
        ));
    }
    let mut any = false;
    for pattern in &workspace.members {
        let source = Source {
            file: ROOT,
            pattern: pattern.clone(),
        };
        let Some(cleaned) = finder.inside(&source) else {
            continue;
        };
        let candidates = if glob::is_literal(&cleaned) {
            vec![cleaned]
        } else {
            if let Err(why) = glob::matcher(&cleaned) {
                return Err(invalid(
                    ROOT,
                    &format!("{} is no glob: {why}", source.describe()),
                ));
            }
            let matches = glob::expand(finder.top, &cleaned, RULES)?;
            finder.passed_over(&matches, &source);
            matches
                .folders
                .into_iter()
                .filter(|folder| !under_any(folder, &exclude) || under_any(folder, &named))
                .collect()
        };
        for matched in candidates {
            any = true;
            let Some(path) = finder.place(&matched, &source)? else {
                continue;
            };
            if finder.seen(&path, Ecosystem::Cargo, &source, &matched) {
                let name = member_name(finder, &path, &source)?;
                finder.add(Member {
                    links: if matched == path {
                        vec![]
                    } else {
                        vec![matched]
                    },
                    path,
                    ecosystem: Ecosystem::Cargo,
                    name,
                    named_by_folder: false,
                    sources: vec![source.clone()],
                });
            }
        }
    }
    if !any {
        finder.looked.push(format!(
            "Cargo.toml's [workspace] members ({}) match no folder",
            patterns(&workspace.members)
        ));
    }
    Ok(())
}

/// `[package] name` of the member at `path`.
fn member_name(finder: &Finder<'_>, path: &str, source: &Source) -> Result<String> {
    let file = format!("{path}/Cargo.toml");
    let Some(text) = finder.read(&file, FILE_CAP)? else {
        return Err(invalid(
            ROOT,
            &format!(
                "{} matches `{path}`, which has no Cargo.toml, and cargo refuses such a \
                 member too; add its manifest, or its folder to `exclude`",
                source.describe()
            ),
        ));
    };
    let manifest: MemberManifest =
        manifest::parse_toml(Kind::Cargo, &text).map_err(|e| located(&file, &e))?;
    let Some(name) = manifest.package.and_then(|p| p.name) else {
        return Err(invalid(
            &file,
            "a workspace member needs `[package] name`, and this one has none",
        ));
    };
    let place = Place::of_offset(&text, name.span().start);
    let at = format!("{file}:{}:{}", place.line, place.column);
    match name.into_inner() {
        toml::Value::String(name) if cargo_name(&name) => Ok(name),
        toml::Value::String(name) => Err(invalid(
            &at,
            &format!(
                "`package.name` `{}` is no name cargo takes: letters, digits, `-` and `_`, \
                 not starting with a digit",
                crate::escape::visible(&name)
            ),
        )),
        other => Err(invalid(
            &at,
            &format!(
                "`package.name` must be a string, found {}",
                other.type_str()
            ),
        )),
    }
}

/// Whether `folder` is `path` or below it, for one of `paths`.
fn under_any(folder: &str, paths: &[String]) -> bool {
    paths.iter().any(|path| {
        path.is_empty()
            || folder == path
            || folder
                .strip_prefix(path.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Patterns as a message quotes them: `` `crates/*`, `tools/x` ``.
pub(super) fn patterns(patterns: &[String]) -> String {
    patterns
        .iter()
        .map(|p| format!("`{}`", crate::escape::visible(p)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclude_compares_whole_components() {
        let paths = ["crates/legacy".to_owned()];
        assert!(under_any("crates/legacy", &paths));
        assert!(under_any("crates/legacy/inner", &paths));
        assert!(!under_any("crates/legacy-2", &paths));
        assert!(under_any("anything", &[String::new()]));
    }
}
