//! npm's and yarn's `workspaces` in the root package.json (a list of globs, or an object
//! whose `packages` is one), and pnpm's `packages` in pnpm-workspace.yaml; each member's
//! name from its own package.json.
//!
//! The tools' rules, followed here: a matched folder without a package.json is no member
//! (npm passes over it), `*` does not match names starting with a dot, `node_modules` is
//! never searched, and a package.json without a `name` is named after its folder
//! (`@scope/name` inside a folder whose name starts with `@`). A `!` pattern leaves out
//! what it matches: for npm an odd number of `!` negates, and a later pattern that the
//! negation matches takes it back (`["packages/**", "!packages/b/**", "packages/b/a"]`);
//! for pnpm every `!` pattern applies, wherever it is written.

use anyhow::Result;
use globset::GlobMatcher;
use serde_json::Value;

use super::cargo::patterns as quoted;
use super::glob::{self, Clean, Rules};
use super::{Ecosystem, Finder, Member, Source, invalid, located, npm_name};
use crate::escape::visible;
use crate::gather::disk::{FILE_CAP, POLICY_CAP};
use crate::judge::manifest::{self, json_type};
use crate::judge::yaml::{self, Node, Pos};

const PACKAGE_JSON: &str = "package.json";
const PNPM: &str = "pnpm-workspace.yaml";

const RULES: Rules = Rules {
    dot_folders: false,
    skip_node_modules: true,
};

pub(super) fn find_package_json(finder: &mut Finder<'_>) -> Result<()> {
    let Some(text) = finder.read(PACKAGE_JSON, FILE_CAP)? else {
        finder.looked.push("there is no package.json".to_owned());
        return Ok(());
    };
    let fields = object(PACKAGE_JSON, &text)?;
    let (items, key) = match fields.get("workspaces") {
        None => {
            finder
                .looked
                .push("package.json has no `workspaces`".to_owned());
            return Ok(());
        }
        Some(Value::Array(items)) => (items, "workspaces"),
        // Yarn's object form; `nohoist` and the rest beside `packages` say nothing of
        // which folders are members.
        Some(Value::Object(form)) => match form.get("packages") {
            Some(Value::Array(items)) => (items, "workspaces.packages"),
            None => {
                finder
                    .looked
                    .push("package.json's `workspaces` has no `packages`".to_owned());
                return Ok(());
            }
            Some(other) => {
                return Err(invalid(
                    PACKAGE_JSON,
                    &format!(
                        "`workspaces.packages` must be a list of globs, found {}",
                        json_type(other)
                    ),
                ));
            }
        },
        Some(other) => {
            return Err(invalid(
                PACKAGE_JSON,
                &format!(
                    "`workspaces` must be a list of globs or an object whose `packages` is \
                     one, found {}",
                    json_type(other)
                ),
            ));
        }
    };
    let mut written = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match item {
            Value::String(pattern) => written.push(pattern.clone()),
            other => {
                return Err(invalid(
                    PACKAGE_JSON,
                    &format!("`{key}[{i}]` must be a string, found {}", json_type(other)),
                ));
            }
        }
    }
    let mut positive: Vec<&str> = Vec::new();
    let mut negated: Vec<&str> = Vec::new();
    for pattern in &written {
        let rest = pattern.trim_start_matches('!');
        if (pattern.len() - rest.len()) % 2 == 1 {
            negated.push(rest);
        } else {
            // As npm does: a pattern that an earlier negation matches takes it back.
            let cleaned = |p: &str| match glob::clean(p) {
                Clean::Inside(p) => p,
                Clean::Parent => String::new(),
            };
            negated.retain(|n| {
                glob::matcher(&cleaned(n)).map_or(true, |m| !m.is_match(cleaned(rest)))
            });
            positive.push(pattern);
        }
    }
    let found = members(finder, PACKAGE_JSON, &positive, &negated)?;
    if !found {
        finder.looked.push(format!(
            "package.json's workspaces ({}) match no folder with a package.json",
            quoted(&written)
        ));
    }
    Ok(())
}

pub(super) fn find_pnpm(finder: &mut Finder<'_>) -> Result<()> {
    let Some(text) = finder.read(PNPM, POLICY_CAP)? else {
        finder
            .looked
            .push("there is no pnpm-workspace.yaml".to_owned());
        return Ok(());
    };
    let root = yaml::parse(&text)
        .map_err(|e| invalid(&at(PNPM, e.pos), &format!("invalid YAML: {}", e.message)))?;
    let packages = match root.value {
        yaml::Value::Null => None,
        yaml::Value::Map(entries) => entries
            .into_iter()
            .find(|(key, _)| key.name == "packages")
            .map(|(_, value)| value),
        other => {
            return Err(invalid(
                &at(PNPM, Some(root.pos)),
                &format!("expected a mapping, found {}", other.kind()),
            ));
        }
    };
    let items = match packages {
        None
        | Some(Node {
            value: yaml::Value::Null,
            ..
        }) => {
            finder
                .looked
                .push("pnpm-workspace.yaml has no `packages`".to_owned());
            return Ok(());
        }
        Some(Node {
            value: yaml::Value::Seq(items),
            ..
        }) => items,
        Some(other) => {
            return Err(invalid(
                &at(PNPM, Some(other.pos)),
                &format!(
                    "`packages` must be a list of globs, found {}",
                    other.value.kind()
                ),
            ));
        }
    };
    let mut written = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        match item.value {
            yaml::Value::Str(pattern) => written.push(pattern),
            other => {
                return Err(invalid(
                    &at(PNPM, Some(item.pos)),
                    &format!("`packages[{i}]` must be a string, found {}", other.kind()),
                ));
            }
        }
    }
    let positive: Vec<&str> = written
        .iter()
        .filter(|p| !p.starts_with('!'))
        .map(String::as_str)
        .collect();
    let negated: Vec<&str> = written.iter().filter_map(|p| p.strip_prefix('!')).collect();
    let found = members(finder, PNPM, &positive, &negated)?;
    if !found {
        finder.looked.push(format!(
            "pnpm-workspace.yaml's packages ({}) match no folder with a package.json",
            quoted(&written)
        ));
    }
    Ok(())
}

/// `file:line:col`, or the file alone.
fn at(file: &str, pos: Option<Pos>) -> String {
    match pos {
        Some(pos) => format!("{file}:{pos}"),
        None => file.to_owned(),
    }
}

/// A package.json's top-level object.
fn object(file: &str, text: &str) -> Result<serde_json::Map<String, Value>> {
    // A `Value`, so that duplicate keys behave as in `JSON.parse` (the last wins), as
    // npm reads them.
    let document: Value =
        serde_json::from_str(text).map_err(|e| located(file, &manifest::json_error(text, &e)))?;
    match document {
        Value::Object(fields) => Ok(fields),
        other => Err(invalid(
            file,
            &format!(
                "a package.json holds a JSON object, not {}",
                json_type(&other)
            ),
        )),
    }
}

/// What a `!` pattern leaves out: the folders it matches, and for `dir/**` the folder
/// `dir` itself, as npm's and pnpm's globbing read it.
fn exclusions(file: &str, negated: &[&str]) -> Result<Vec<GlobMatcher>> {
    let mut matchers = Vec::new();
    for pattern in negated {
        let Clean::Inside(cleaned) = glob::clean(pattern) else {
            continue;
        };
        let mut add = |text: &str| {
            glob::matcher(text)
                .map(|m| matchers.push(m))
                .map_err(|why| invalid(file, &format!("`!{}` is no glob: {why}", visible(pattern))))
        };
        add(&cleaned)?;
        if let Some(base) = cleaned.strip_suffix("/**") {
            add(base)?;
        }
    }
    Ok(matchers)
}

/// Adds the members that `positive` less `negated` match; `true` when any folder with a
/// package.json matched.
fn members(
    finder: &mut Finder<'_>,
    file: &'static str,
    positive: &[&str],
    negated: &[&str],
) -> Result<bool> {
    let excluded = exclusions(file, negated)?;
    let mut any = false;
    for pattern in positive {
        let source = Source {
            file,
            pattern: (*pattern).to_owned(),
        };
        let Some(cleaned) = finder.inside(&source) else {
            continue;
        };
        let candidates = if glob::is_literal(&cleaned) {
            if finder.top.join(&cleaned).is_dir() {
                vec![cleaned]
            } else {
                vec![]
            }
        } else {
            if let Err(why) = glob::matcher(&cleaned) {
                return Err(invalid(
                    file,
                    &format!("{} is no glob: {why}", source.describe()),
                ));
            }
            let matches = glob::expand(finder.top, &cleaned, RULES)?;
            finder.passed_over(&matches, &source);
            matches.folders
        };
        for matched in candidates {
            if excluded.iter().any(|m| m.is_match(&matched)) {
                continue;
            }
            let Some(path) = finder.place(&matched, &source)? else {
                any = true;
                continue;
            };
            if !finder.seen(&path, Ecosystem::Npm, &source, &matched) {
                any = true;
                continue;
            }
            let Some((name, named_by_folder)) = member_name(finder, &path, &matched)? else {
                continue;
            };
            any = true;
            finder.add(Member {
                links: if matched == path {
                    vec![]
                } else {
                    vec![matched]
                },
                path,
                ecosystem: Ecosystem::Npm,
                name,
                named_by_folder,
                sources: vec![source.clone()],
            });
        }
    }
    Ok(any)
}

/// The name of the package at `path` and whether it came from its folder; `None` when the
/// folder has no package.json.
fn member_name(finder: &Finder<'_>, path: &str, matched: &str) -> Result<Option<(String, bool)>> {
    let file = format!("{path}/package.json");
    let Some(text) = finder.read(&file, FILE_CAP)? else {
        return Ok(None);
    };
    let fields = object(&file, &text)?;
    match fields.get("name") {
        Some(Value::String(name)) if !name.is_empty() => {
            if npm_name(name) {
                Ok(Some((name.clone(), false)))
            } else {
                Err(invalid(
                    &file,
                    &format!(
                        "`name` `{}` is no name npm takes: `[@scope/]name` of letters, \
                         digits and `-._~!*'()`, not starting with `.` or `_`",
                        visible(name)
                    ),
                ))
            }
        }
        // npm names a package without a name after its folder.
        None | Some(Value::Null) | Some(Value::String(_)) => {
            let name = from_folder(matched);
            if npm_name(&name) {
                Ok(Some((name, true)))
            } else {
                Err(invalid(
                    &file,
                    &format!(
                        "it has no `name`, and npm's name for it after its folder, `{}`, \
                         is none npm takes; give it a `name`",
                        visible(&name)
                    ),
                ))
            }
        }
        Some(other) => Err(invalid(
            &file,
            &format!("`name` must be a string, found {}", json_type(other)),
        )),
    }
}

/// npm's name for a folder: its own name, after `@scope/` when its parent's name starts
/// with `@`.
fn from_folder(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let own = parts.next().unwrap_or_default();
    match parts.next() {
        Some(parent) if parent.starts_with('@') => format!("{parent}/{own}"),
        _ => own.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_name_packages_as_npm_names_them() {
        assert_eq!(from_folder("packages/web"), "web");
        assert_eq!(from_folder("packages/@acme/web"), "@acme/web");
        assert_eq!(from_folder("web"), "web");
    }
}
