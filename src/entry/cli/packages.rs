//! The `packages:` section that `shipgate init --packages` writes after the built-in
//! policy: one package per workspace member, in SPEC §12's shape, each with a comment
//! saying where it came from.
//!
//! A package's key is what labels and trailers name (`release:full:web`), so it is a
//! plain kebab-case word: the member's name without its npm scope. A name that two members
//! share gives way, for each of them, to its scope and name (`acme-web`) or, without a
//! scope, to its folder (`crates-web`); a number is added when that is taken too. Keys are
//! worked out from the members sorted by path, so the same tree always writes the same
//! file. Its tag pattern is the convention of the tool that releases it: changesets' and
//! lerna's `<name>@<version>` for npm, release-plz's and cargo-release's
//! `<crate>-v<version>` for Cargo.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::escape::visible;
use crate::gather::workspace::{Ecosystem, Member};

/// What follows the name in a release tag, up to the end: the version's group, as the
/// built-in policy's own tag pattern has it.
const VERSION: &str = r"(?P<version>\d+\.\d+\.\d+.*)$";

const HEADER: &str = "
# Packages: one for each workspace member that `shipgate init --packages` found. A file
# belongs to the package whose `path` is its longest prefix, by whole folders; files outside
# every package belong to the root package `.`, which `signals` describes. A package's key
# is what labels and trailers name: `release:full:<key>`, `Release: full <key>`. Its
# `manifests` are relative to its `path`; its `tag-pattern` picks its own release tags.
packages:
";

/// The section's text, and the packages' keys in the order written.
pub(super) struct Section {
    pub(super) text: String,
    pub(super) keys: Vec<String>,
}

/// One package: the members at one folder (a crate and an npm package may share one).
struct Entry<'a> {
    path: &'a str,
    /// One or two, Cargo's first.
    members: Vec<&'a Member>,
}

/// `members` (sorted by path, then ecosystem, as the search returns them) as the section.
pub(super) fn section(members: &[Member]) -> Section {
    let mut entries: Vec<Entry<'_>> = Vec::new();
    for member in members {
        match entries.last_mut() {
            Some(entry) if entry.path == member.path => entry.members.push(member),
            _ => entries.push(Entry {
                path: &member.path,
                members: vec![member],
            }),
        }
    }
    let keys = keys(&entries);
    let mut text = HEADER.to_owned();
    for (entry, (key, qualified)) in entries.iter().zip(&keys) {
        text.push_str(&render(entry, key, *qualified));
    }
    Section {
        text,
        keys: keys.into_iter().map(|(key, _)| key).collect(),
    }
}

/// Each entry's key, and whether it gave way to another: as the module docs say.
fn keys(entries: &[Entry<'_>]) -> Vec<(String, bool)> {
    let bases: Vec<String> = entries.iter().map(base_key).collect();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for base in &bases {
        *count.entry(base).or_default() += 1;
    }
    // The names nobody shares keep their keys first, so that no qualified key takes one.
    let mut taken: BTreeSet<String> = bases
        .iter()
        .filter(|b| count[b.as_str()] == 1)
        .cloned()
        .collect();
    let mut keys = Vec::with_capacity(entries.len());
    for (entry, base) in entries.iter().zip(&bases) {
        if count[base.as_str()] == 1 {
            keys.push((base.clone(), false));
            continue;
        }
        let qualified = qualified_key(entry);
        let mut key = qualified.clone();
        let mut n = 2;
        while taken.contains(&key) {
            key = format!("{qualified}-{n}");
            n += 1;
        }
        taken.insert(key.clone());
        keys.push((key, true));
    }
    keys
}

/// The member's name without an npm scope, in kebab case; else its folder's name; else
/// `package`.
fn base_key(entry: &Entry<'_>) -> String {
    let name = entry.members[0].name.as_str();
    let bare = name.rsplit('/').next().unwrap_or(name);
    let folder = entry.path.rsplit('/').next().unwrap_or(entry.path);
    [kebab(bare), kebab(folder)]
        .into_iter()
        .find(|k| !k.is_empty())
        .unwrap_or_else(|| "package".to_owned())
}

/// For a shared name: the scope and name (`acme-web`), else the folder (`crates-web`).
fn qualified_key(entry: &Entry<'_>) -> String {
    let name = entry.members[0].name.as_str();
    let key = if name.starts_with('@') {
        kebab(name)
    } else {
        kebab(entry.path)
    };
    if key.is_empty() { base_key(entry) } else { key }
}

/// `text` in kebab case: ASCII letters lowercased, a `-` where a lowercase letter or digit
/// meets an uppercase one, and every run of anything else one `-`, none at the ends.
fn kebab(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            let boundary = c.is_ascii_uppercase()
                && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
            if boundary || (previous.is_none() && !out.is_empty()) {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
            previous = Some(c);
        } else {
            previous = None;
        }
    }
    out
}

fn render(entry: &Entry<'_>, key: &str, qualified: bool) -> String {
    let mut text = String::from("\n");
    for member in &entry.members {
        let (kind, tools) = match member.ecosystem {
            Ecosystem::Cargo => ("crate", "release-plz and cargo-release write"),
            Ecosystem::Npm => ("npm package", "changesets and lerna write"),
        };
        let _ = write!(
            text,
            "  # {kind} `{}`, {}/{}",
            member.name,
            visible(&member.path),
            member.ecosystem.manifest()
        );
        if member.named_by_folder {
            text.push_str(" (no `name`: npm names it after its folder)");
        }
        text.push('\n');
        for source in &member.sources {
            let _ = writeln!(text, "  # from {}", source.describe());
        }
        for link in &member.links {
            let _ = writeln!(text, "  # through the link `{}`", visible(link));
        }
        let _ = writeln!(
            text,
            "  # release tags as {tools} them: {}1.2.0",
            tag_prefix(member)
        );
    }
    if qualified {
        let bare = base_key(entry);
        let _ = writeln!(
            text,
            "  # keyed `{key}`: `{bare}` names more than one member"
        );
    }
    let manifests: Vec<&str> = entry
        .members
        .iter()
        .map(|m| m.ecosystem.manifest())
        .collect();
    let _ = writeln!(text, "  {}:", scalar(key));
    let _ = writeln!(text, "    path: {}", scalar(entry.path));
    let _ = writeln!(text, "    tag-pattern: {}", quoted(&tag_pattern(entry)));
    let _ = writeln!(text, "    manifests: [{}]", manifests.join(", "));
    text
}

/// What a member's release tags start with: `@acme/web@`, `core-v`.
fn tag_prefix(member: &Member) -> String {
    match member.ecosystem {
        Ecosystem::Cargo => format!("{}-v", member.name),
        Ecosystem::Npm => format!("{}@", member.name),
    }
}

/// The regex of an entry's release tags: one member's prefix, or either of two.
fn tag_pattern(entry: &Entry<'_>) -> String {
    let prefixes: Vec<String> = entry
        .members
        .iter()
        .map(|m| escape_regex(&tag_prefix(m)))
        .collect();
    match prefixes.as_slice() {
        [one] => format!("^{one}{VERSION}"),
        many => format!("^(?:{}){VERSION}", many.join("|")),
    }
}

/// `text` as a regex that matches it literally. Only what is special outside a character
/// class is escaped (`regex::escape` also escapes `-`, `#`, `&` and `~`), so that the
/// pattern reads as the tag does: `^web-core-v`, not `^web\-core\-v`.
fn escape_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        if r"\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A YAML single-quoted scalar: nothing in it is special but `'`, written twice.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `text` plain when YAML reads it back as that same string, else quoted: plain only for
/// letters, digits and `-._/@+`, starting with a letter, and no word that YAML 1.1 reads as
/// a boolean or null.
fn scalar(text: &str) -> String {
    let plain = text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._/@+".contains(c))
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
        );
    if plain { text.to_owned() } else { quoted(text) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gather::workspace::Source;

    fn member(path: &str, ecosystem: Ecosystem, name: &str) -> Member {
        Member {
            path: path.to_owned(),
            ecosystem,
            name: name.to_owned(),
            named_by_folder: false,
            sources: vec![Source {
                file: match ecosystem {
                    Ecosystem::Cargo => "Cargo.toml",
                    Ecosystem::Npm => "package.json",
                },
                pattern: "*".to_owned(),
            }],
            links: vec![],
        }
    }

    #[test]
    fn kebab_case_is_plain_words() {
        assert_eq!(kebab("shipgate_core"), "shipgate-core");
        assert_eq!(kebab("@acme/web.js"), "acme-web-js");
        assert_eq!(kebab("myCrate2Go"), "my-crate2-go");
        assert_eq!(kebab("JSONStream"), "jsonstream");
        assert_eq!(kebab("--x--"), "x");
        assert_eq!(kebab("größe"), "gr-e");
        assert_eq!(kebab("日本"), "");
    }

    #[test]
    fn shared_names_give_way_to_scope_then_folder_then_a_number() {
        let members = [
            member("apps/web", Ecosystem::Npm, "@acme/web"),
            member("crates/acme-web", Ecosystem::Cargo, "acme-web"),
            member("crates/web", Ecosystem::Cargo, "web"),
            member("crates-web", Ecosystem::Npm, "crates-web"),
            member("vendor/web", Ecosystem::Npm, "@other/web"),
            member("x/日本", Ecosystem::Cargo, "日本"),
        ];
        let mut sorted = members.to_vec();
        sorted.sort_by(|a, b| (&a.path, a.ecosystem).cmp(&(&b.path, b.ecosystem)));
        let keys = section(&sorted).keys;
        // Sorted: apps/web, crates-web, crates/acme-web, crates/web, vendor/web, x/日本.
        assert_eq!(
            keys,
            [
                "acme-web-2",
                "crates-web",
                "acme-web",
                "crates-web-2",
                "other-web",
                "package"
            ]
        );
    }

    #[test]
    fn tag_patterns_match_their_own_tags_only() {
        let web = member("packages/web", Ecosystem::Npm, "@acme/web.js");
        let scoped = Entry {
            path: "packages/web",
            members: vec![&web],
        };
        let pattern = regex::Regex::new(&tag_pattern(&scoped)).unwrap();
        assert_eq!(
            pattern.as_str(),
            r"^@acme/web\.js@(?P<version>\d+\.\d+\.\d+.*)$"
        );
        assert_eq!(
            &pattern.captures("@acme/web.js@1.2.0").unwrap()["version"],
            "1.2.0"
        );
        assert!(!pattern.is_match("@acme/webxjs@1.2.0"));
        assert!(!pattern.is_match("@acme/web.jsx@1.2.0"));
        let cargo = member("crates/core", Ecosystem::Cargo, "web-core");
        let npm = member("crates/core", Ecosystem::Npm, "@acme/web-core");
        let both = Entry {
            path: "crates/core",
            members: vec![&cargo, &npm],
        };
        let pattern = regex::Regex::new(&tag_pattern(&both)).unwrap();
        assert_eq!(
            pattern.as_str(),
            r"^(?:web-core-v|@acme/web-core@)(?P<version>\d+\.\d+\.\d+.*)$"
        );
        assert!(pattern.is_match("web-core-v0.3.0"));
        assert!(pattern.is_match("@acme/web-core@0.3.0-rc.1"));
        assert!(!pattern.is_match("web-core-v2-v0.3.0"));
    }

    #[test]
    fn scalars_are_plain_only_when_yaml_reads_them_back() {
        assert_eq!(scalar("packages/web"), "packages/web");
        assert_eq!(scalar("null"), "'null'");
        assert_eq!(scalar("2024-app"), "'2024-app'");
        assert_eq!(scalar("@acme/web"), "'@acme/web'");
        assert_eq!(scalar("it's here/x y"), "'it''s here/x y'");
    }
}
