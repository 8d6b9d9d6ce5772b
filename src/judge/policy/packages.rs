//! `packages:` (SPEC §12): the packages of a monorepo, validated, and the policy as one
//! package reads it ([`Policy::projected`]).
//!
//! A package is judged with the same machinery as a repository without packages: its
//! projection is the policy with the package's tag pattern, manifests and flag registry
//! in place of the repository's, and each requirement's paths read from the package's
//! folder. The root package `.` (the files outside every package) keeps the repository's
//! settings; without packages it is the whole repository and the policy is read as is.

use regex::Regex;

use super::integrations::PackageRegistry;
use super::read::{Cx, bad_repo_path, join};
use super::{PathSet, Policy, Scope, Written};
use crate::judge::manifest;
use crate::judge::yaml::{Node, Pos, Value};

/// The name of the root package: the files outside every package.
pub(crate) const ROOT: &str = ".";

pub(super) const PACKAGE_KEYS: &[&str] = &["path", "tag-pattern", "manifests", "flag-registry"];

/// The longest package name: enough for any real one, short enough for a label.
const MAX_NAME: usize = 100;

/// A package as read, before the requirements' paths are read from its folder.
pub(super) struct Draft {
    pub(super) name: String,
    pub(super) path: String,
    pub(super) tag_pattern: Regex,
    pub(super) manifests: Vec<String>,
    pub(super) flag_registry: Option<PackageRegistry>,
    pub(super) written: Written,
}

/// Which package a projection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Which {
    /// The root package `.`: the whole repository when there are no packages.
    Root,
    /// `Policy::packages[i]`.
    Package(usize),
}

/// A package name: ASCII letters, digits, `-`, `_` and `.`, starting with a letter or a
/// digit. Labels (`release:full:web`), trailers (`Release: full web, api`), the Action's
/// `missing` output (`web/docs`) and `{package}` in paths carry it as it is, so it holds
/// no `/`, `:`, `,`, space or glob character; an npm name such as `@acme/web` belongs in
/// the tag pattern.
pub(crate) fn is_package_name(name: &str) -> bool {
    name.len() <= MAX_NAME
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl Cx<'_> {
    /// `packages:`, a mapping from name to package. Every problem is reported; `None`
    /// when there was one.
    pub(super) fn packages(&mut self, node: &Node) -> Option<Vec<Draft>> {
        let entries = match &node.value {
            Value::Map(entries) => entries,
            // `packages: null` in the only file: no packages.
            Value::Null => return Some(Vec::new()),
            _ => {
                self.expected(
                    node,
                    "packages",
                    "a mapping from package name to its `path` and `tag-pattern`",
                );
                return None;
            }
        };
        let before = self.errors.len();
        let mut out: Vec<Draft> = Vec::with_capacity(entries.len());
        let mut seen: Vec<&str> = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let path = join("packages", &key.name);
            if !is_package_name(&key.name) {
                let root = if key.name == ROOT {
                    " (`.` is the root package: the files outside every package, judged with \
                     `signals` and `flag-registry`)"
                } else {
                    ""
                };
                self.err(
                    key.pos,
                    &path,
                    format!(
                        "`{}` is not a package name: use ASCII letters, digits, `-`, `_` and `.`, \
                         starting with a letter or digit, at most {MAX_NAME} characters{root}; \
                         labels and trailers name a package by it, so an npm name like \
                         `@acme/web` goes in its `tag-pattern` (`^@acme/web@(?P<version>.+)$`) \
                         and the key is a plain name (`web`)",
                        key.name
                    ),
                );
                continue;
            }
            if let Some(other) = seen.iter().find(|n| n.eq_ignore_ascii_case(&key.name)) {
                self.err(
                    key.pos,
                    &path,
                    format!(
                        "`{other}` and `{}` differ only in case, and labels and trailers name \
                         packages ignoring case; rename one",
                        key.name
                    ),
                );
                continue;
            }
            seen.push(&key.name);
            let Some(draft) = self.package(&key.name, key.pos, value, &path) else {
                continue;
            };
            if let Some(other) = out.iter().find(|d| d.path == draft.path) {
                self.err(
                    draft.written.pos,
                    &join(&path, "path"),
                    format!(
                        "`{}` is the path of package `{}` too; each package needs a folder of \
                         its own (a package may sit inside another's folder, not in the same one)",
                        draft.path, other.name
                    ),
                );
                continue;
            }
            out.push(draft);
        }
        (self.errors.len() == before).then_some(out)
    }

    fn package(&mut self, name: &str, key_pos: Pos, node: &Node, path: &str) -> Option<Draft> {
        let fields = self.map(node, path, PACKAGE_KEYS)?;
        let p = |k: &str| join(path, k);
        let folder = match fields.get("path") {
            Some(n) => self.folder(n, &p("path")).map(|f| (f, n.pos)),
            None => {
                self.err(
                    key_pos,
                    path,
                    "missing key `path`: the package's folder, relative to the repository root",
                );
                None
            }
        };
        let tag_pattern = match fields.get("tag-pattern") {
            Some(n) => self.regex(n, &p("tag-pattern"), Some("version")),
            None => Some(
                // A name holds no regex syntax but `.`.
                Regex::new(&format!(
                    r"^{}@v?(?P<version>\d+\.\d+\.\d+.*)$",
                    name.replace('.', r"\.")
                ))
                .expect("an escaped name makes a valid pattern"),
            ),
        };
        let manifests = match fields.get("manifests") {
            Some(n) => {
                let key = p("manifests");
                let list = self.strings(n, &key);
                let mut out = Vec::with_capacity(list.len());
                for (i, (pos, file)) in list.iter().enumerate() {
                    let item = format!("{key}[{i}]");
                    if let Some(why) = bad_repo_path(file) {
                        self.err(
                            *pos,
                            &item,
                            format!("{why} (relative to the package's `path`)"),
                        );
                        continue;
                    }
                    let base = file.rsplit('/').next().unwrap_or(file);
                    if manifest::Kind::from_file_name(base).is_none() {
                        self.err(
                            *pos,
                            &item,
                            format!(
                                "`{file}` is not a known manifest; known: Cargo.toml, package.json, pyproject.toml, VERSION"
                            ),
                        );
                        continue;
                    }
                    out.push(file.clone());
                }
                Some(out)
            }
            None => Some(
                super::parse::DEFAULT_MANIFESTS
                    .iter()
                    .map(|m| (*m).to_owned())
                    .collect(),
            ),
        };
        let flag_registry = fields
            .get("flag-registry")
            .map(|n| self.package_registry(n, &p("flag-registry")));
        let (folder, pos) = folder?;
        let flag_registry = match flag_registry {
            Some(Some(PackageRegistry::File(registry))) => {
                Some(Some(PackageRegistry::File(format!("{folder}/{registry}"))))
            }
            Some(Some(posthog)) => Some(Some(posthog)),
            Some(None) => None,
            None => Some(None),
        };
        let origin = self
            .origins
            .get(usize::from(pos.file))
            .or(self.origins.first())
            .cloned()
            .unwrap_or_default();
        Some(Draft {
            name: name.to_owned(),
            manifests: manifests?
                .into_iter()
                .map(|m| format!("{folder}/{m}"))
                .collect(),
            flag_registry: flag_registry?,
            tag_pattern: tag_pattern?,
            path: folder,
            written: Written { origin, pos },
        })
    }

    /// A package's folder: a repository path, not the root itself.
    fn folder(&mut self, node: &Node, key: &str) -> Option<String> {
        let text = self.string(node, key)?;
        let bad = text.starts_with('/')
            || text.ends_with('/')
            || text.contains('\\')
            || text
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..");
        if bad {
            self.err(
                node.pos,
                key,
                format!(
                    "`{text}` is not a folder of the repository; write it relative to the root, \
                     like `packages/web`, without `./`, `..`, or a leading or trailing `/` (the \
                     repository's root is the root package `.`, which needs no entry)"
                ),
            );
            return None;
        }
        Some(text)
    }

    /// Reads every requirement's paths from each package's folder, and the root's from
    /// outside every package.
    pub(super) fn project_paths(
        &mut self,
        drafts: Vec<Draft>,
        requirements: &[super::Requirement],
    ) -> Option<(Vec<super::Package>, Vec<PathSet>)> {
        if drafts.is_empty() {
            return Some((Vec::new(), Vec::new()));
        }
        let folders: Vec<&str> = drafts.iter().map(|d| d.path.as_str()).collect();
        let read = |cx: &mut Self, scope: Scope, name: &str, at: &Written| {
            let mut sets = Vec::with_capacity(requirements.len());
            for r in requirements {
                match r.evidence.paths.scoped(scope.clone(), name) {
                    Ok(set) => sets.push(set),
                    Err((i, why)) => cx.err(
                        at.pos,
                        &format!("requirements.{}.paths[{i}]", r.id),
                        format!(
                            "with `{{package}}` read as `{name}`, the pattern is no valid glob: {why}"
                        ),
                    ),
                }
            }
            (sets.len() == requirements.len()).then_some(sets)
        };
        let root_at = drafts[0].written.clone();
        let root = read(self, Scope::new(None, &folders), ROOT, &root_at);
        let mut packages = Vec::with_capacity(drafts.len());
        for d in &drafts {
            let scope = Scope::new(Some(&d.path), &folders);
            if let Some(paths) = read(self, scope, &d.name, &d.written) {
                packages.push(super::Package {
                    name: d.name.clone(),
                    path: d.path.clone(),
                    tag_pattern: d.tag_pattern.clone(),
                    manifests: d.manifests.clone(),
                    flag_registry: d.flag_registry.clone(),
                    paths,
                    written: d.written.clone(),
                });
            }
        }
        (packages.len() == drafts.len()).then_some((packages, root?))
    }
}

impl Policy {
    /// The policy as package `which` reads it: the package's tag pattern, manifests and
    /// flag registry in place of the repository's, and every requirement's paths read
    /// from its folder. The root package keeps the repository's settings; without
    /// packages it is the whole repository, and the policy is read as it is.
    pub(crate) fn projected(&self, which: Which) -> Policy {
        let mut p = self.clone();
        match which {
            Which::Root if self.packages.is_empty() => {}
            Which::Root => {
                for (r, paths) in p.requirements.iter_mut().zip(&self.root_paths) {
                    r.evidence.paths = paths.clone();
                }
            }
            Which::Package(i) => {
                let pkg = &self.packages[i];
                p.signals.tag_pattern = pkg.tag_pattern.clone();
                p.signals.manifests = pkg.manifests.clone();
                match &pkg.flag_registry {
                    Some(PackageRegistry::File(path)) => {
                        p.flag_registry.path = path.clone();
                        p.flag_registry.posthog = None;
                    }
                    Some(PackageRegistry::PostHog(posthog)) => {
                        p.flag_registry.posthog = Some(posthog.clone());
                    }
                    None => {}
                }
                for (r, paths) in p.requirements.iter_mut().zip(&pkg.paths) {
                    r.evidence.paths = paths.clone();
                }
            }
        }
        p
    }

    /// The name of package `which` (`.` for the root package).
    pub(crate) fn package_name(&self, which: Which) -> &str {
        match which {
            Which::Root => ROOT,
            Which::Package(i) => &self.packages[i].name,
        }
    }

    /// The folder of package `which` (`.` for the root package).
    pub(crate) fn package_path(&self, which: Which) -> &str {
        match which {
            Which::Root => ROOT,
            Which::Package(i) => &self.packages[i].path,
        }
    }

    /// The package a name in a label or trailer means, ASCII case ignored.
    pub(crate) fn package_named(&self, name: &str) -> Option<usize> {
        self.packages
            .iter()
            .position(|p| p.name.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        Policy::problems_of(text)
    }

    const THREE: &str = "\
packages:
  web:
    path: packages/web
    tag-pattern: '^web@(?P<version>\\d+\\.\\d+\\.\\d+.*)$'
    manifests: [package.json]
    flag-registry: flags.yml
  api:
    path: packages/api
  docs-site:
    path: packages/docs-site
requirements:
  docs:
    paths: [\"docs/**\", \"**/*.md\", \"!CHANGELOG.md\", \"/docs/{package}/**\"]
";

    #[test]
    fn packages_are_read_with_their_defaults() {
        let p = Policy::from_yaml(THREE, "p.yml").unwrap();
        let names: Vec<_> = p.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["web", "api", "docs-site"]);
        let web = &p.packages[0];
        assert_eq!(web.manifests, ["packages/web/package.json"]);
        assert_eq!(
            web.flag_registry,
            Some(PackageRegistry::File("packages/web/flags.yml".into()))
        );
        let api = &p.packages[1];
        assert_eq!(
            api.manifests,
            [
                "packages/api/Cargo.toml",
                "packages/api/package.json",
                "packages/api/pyproject.toml",
                "packages/api/VERSION"
            ]
        );
        assert_eq!(api.flag_registry, None);
        assert!(api.tag_pattern.is_match("api@1.2.3"));
        assert!(api.tag_pattern.is_match("api@v1.2.3"));
        assert!(!api.tag_pattern.is_match("apix@1.2.3"));
        assert_eq!(p.package_named("WEB"), Some(0));
        assert_eq!(p.package_named("webapp"), None);
        assert_eq!(p.root_paths.len(), p.requirements.len());
    }

    #[test]
    fn a_package_reads_paths_from_its_folder() {
        let p = Policy::from_yaml(THREE, "p.yml").unwrap();
        let docs = |which| {
            let projected = p.projected(which);
            projected
                .requirements
                .iter()
                .find(|r| r.id == "docs")
                .unwrap()
                .evidence
                .paths
                .clone()
        };
        let web = docs(Which::Package(0));
        assert!(web.is_match(b"packages/web/docs/a.txt"));
        assert!(web.is_match(b"packages/web/src/deep/README.md"));
        assert!(
            web.is_match(b"docs/web/guide.txt"),
            "`/docs/{{package}}/**`"
        );
        assert!(!web.is_match(b"docs/api/guide.txt"));
        assert!(!web.is_match(b"packages/web/CHANGELOG.md"));
        assert!(
            !web.is_match(b"packages/webapp/docs/a.txt"),
            "whole components"
        );
        assert!(!web.is_match(b"packages/api/docs/a.txt"));
        assert!(
            !web.is_match(b"docs/a.txt"),
            "the root's docs are the root's"
        );
        let root = docs(Which::Root);
        assert!(root.is_match(b"docs/a.txt"));
        assert!(root.is_match(b"README.md"));
        assert!(root.is_match(b"packages/webapp/README.md"), "not a package");
        assert!(!root.is_match(b"packages/web/docs/a.txt"));
        assert!(!root.is_match(b"packages/web/README.md"));
        let hint = crate::judge::requirements::hint(
            &p.projected(Which::Package(0)).requirements[0].evidence,
            &p.projected(Which::Package(0)),
        );
        assert!(
            hint.starts_with(
                "change a file matching `packages/web/docs/**`, `packages/web/**/*.md`, `/docs/web/**` (not `packages/web/**/CHANGELOG.md`)"
            ),
            "{hint}"
        );
    }

    #[test]
    fn without_packages_the_policy_is_read_as_it_is() {
        let p = Policy::builtin();
        assert!(p.packages.is_empty() && p.root_paths.is_empty());
        let root = p.projected(Which::Root);
        assert!(
            root.requirements[0]
                .evidence
                .paths
                .is_match(b"a/b/README.md")
        );
        assert_eq!(
            root.signals.tag_pattern.as_str(),
            p.signals.tag_pattern.as_str()
        );
    }

    #[test]
    fn bad_packages_are_located() {
        let text = "\
packages:
  \"@acme/web\":
    path: packages/web
  web:
    path: packages/web/
  Api:
    path: packages/api
    tag-pattern: '^api@.*$'
    manifests: [../package.json, Gemfile]
  api:
    path: packages/api
  two:
    path: packages/api
  .:
    path: x
  none: {}
";
        assert_eq!(
            errors(text),
            [
                "p.yml:2:3: `packages.@acme/web`: `@acme/web` is not a package name: use ASCII letters, digits, `-`, `_` and `.`, starting with a letter or digit, at most 100 characters; labels and trailers name a package by it, so an npm name like `@acme/web` goes in its `tag-pattern` (`^@acme/web@(?P<version>.+)$`) and the key is a plain name (`web`)",
                "p.yml:5:11: `packages.web.path`: `packages/web/` is not a folder of the repository; write it relative to the root, like `packages/web`, without `./`, `..`, or a leading or trailing `/` (the repository's root is the root package `.`, which needs no entry)",
                "p.yml:8:18: `packages.Api.tag-pattern`: the pattern needs a named group `(?P<version>...)`",
                "p.yml:9:17: `packages.Api.manifests[0]`: `../package.json` is not a repository-relative file path; write it like `sub/dir/file.yml`, without `./`, `..` or a leading `/` (relative to the package's `path`)",
                "p.yml:9:34: `packages.Api.manifests[1]`: `Gemfile` is not a known manifest; known: Cargo.toml, package.json, pyproject.toml, VERSION",
                "p.yml:10:3: `packages.api`: `Api` and `api` differ only in case, and labels and trailers name packages ignoring case; rename one",
                "p.yml:14:3: `packages..`: `.` is not a package name: use ASCII letters, digits, `-`, `_` and `.`, starting with a letter or digit, at most 100 characters (`.` is the root package: the files outside every package, judged with `signals` and `flag-registry`); labels and trailers name a package by it, so an npm name like `@acme/web` goes in its `tag-pattern` (`^@acme/web@(?P<version>.+)$`) and the key is a plain name (`web`)",
                "p.yml:16:3: `packages.none`: missing key `path`: the package's folder, relative to the repository root",
            ]
        );
        // The same folder twice, once the names are fine.
        assert_eq!(
            errors("packages:\n  api: {path: packages/api}\n  two: {path: packages/api}\n"),
            [
                "p.yml:3:15: `packages.two.path`: `packages/api` is the path of package `api` too; each package needs a folder of its own (a package may sit inside another's folder, not in the same one)"
            ]
        );
    }

    #[test]
    fn names_are_plain() {
        for good in ["web", "docs-site", "a.b_c", "9lives"] {
            assert!(is_package_name(good), "{good}");
        }
        for bad in [
            "",
            ".",
            "-web",
            "@acme/web",
            "a/b",
            "a b",
            "a,b",
            "a:b",
            "{x}",
            "wéb",
        ] {
            assert!(!is_package_name(bad), "{bad}");
        }
        assert!(!is_package_name(&"a".repeat(101)));
    }
}
