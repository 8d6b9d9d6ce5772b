//! Validation of a policy's YAML tree into [`Policy`].
//!
//! Every problem is collected, not just the first, and each names the file, line,
//! column and key path, so one run of `shipgate validate` shows all that needs fixing.

use regex::Regex;

use super::compose::item_label;
use super::read::{Cx, bad_repo_path, closest, is_kebab, join};
use super::{
    Drafts, Evidence, FlagRegistry, Overrides, PathSet, Policy, Requirement, Signals, Stage,
    StageSignals, VersionKind,
};
use crate::judge::manifest;
use crate::judge::yaml::{Node, Pos, Value};

const TOP_KEYS: &[&str] = &[
    "version",
    "extends",
    "drafts",
    "stages",
    "signals",
    "flag-registry",
    "requirements",
    "overrides",
    "checks",
    "packages",
    "notify",
];
const STAGE_KEYS: &[&str] = &["name", "description", "signals", "require", "warn"];
const STAGE_SIGNAL_KEYS: &[&str] = &["labels", "trailer", "tag", "version", "flag-stage"];
const SIGNAL_KEYS: &[&str] = &["trailer", "tag-pattern", "manifests"];
const REGISTRY_KEYS: &[&str] = &["path", "stages", "posthog"];
const REQUIREMENT_KEYS: &[&str] = &[
    "description",
    "hint",
    "paths",
    "trailers",
    "labels",
    "body-lines",
    "body-checkboxes",
    "flag-registry",
    "flag-trailers",
    "flag-label-prefix",
    "mentions",
];
const OVERRIDE_KEYS: &[&str] = &["enabled", "labels", "trailers", "authors"];

impl<'o> Cx<'o> {
    /// Validates a policy's tree: the tree merged from every file of its chain
    /// ([`super::compose`]), in which a section left out means its defaults (`stages`
    /// excepted: a policy needs them), since a policy that extends the built-in one has
    /// every section already.
    pub(super) fn policy(&mut self, root: &Node) -> Option<Policy> {
        let top = self.map(root, "", TOP_KEYS)?;
        if let Some(v) = top.get("version")
            && v.value != Value::Int(1)
        {
            self.err(v.pos, "version", "the only policy version is 1");
        }
        let none = Node {
            pos: root.pos,
            value: Value::Map(Vec::new()),
        };
        let requirements = match top.get("requirements") {
            Some(n) => self.requirements(n),
            None => Some(Vec::new()),
        };
        // Stages are checked against the ids the policy defines, even when a requirement
        // has problems of its own, so that one run reports both kinds.
        let ids: Option<Vec<String>> = match top.get("requirements").map(|n| &n.value) {
            Some(Value::Map(entries)) => {
                Some(entries.iter().map(|(k, _)| k.name.clone()).collect())
            }
            Some(_) => None,
            None => Some(Vec::new()),
        };
        let stages = match top.get("stages") {
            Some(n) => self.stages(n, top.key("stages").unwrap_or(n.pos), ids.as_deref()),
            None => {
                self.err(
                    root.pos,
                    "stages",
                    "the policy has no stages; list them, or leave out `extends: none` (and \
                     any `stages: null`) to keep the built-in ones",
                );
                None
            }
        };
        let signals = self.signals(top.get("signals").unwrap_or(&none));
        let flag_registry = self.flag_registry(top.get("flag-registry").unwrap_or(&none));
        let overrides = self.overrides(top.get("overrides").unwrap_or(&none));
        let notify = self.notify(top.get("notify").unwrap_or(&none));
        let drafts = match top.get("drafts") {
            None => Some(Drafts::Warn),
            Some(n) => match self.string(n, "drafts").as_deref() {
                None => None,
                Some("warn") => Some(Drafts::Warn),
                Some("judge") => Some(Drafts::Judge),
                Some(other) => {
                    self.err(
                        n.pos,
                        "drafts",
                        format!("`{other}` is not `warn` or `judge`"),
                    );
                    None
                }
            },
        };
        if let Some(registry) = &flag_registry {
            // A flag stage the registry cannot hold would make the signal silently dead.
            for (pos, key, value) in std::mem::take(&mut self.flag_stage_refs) {
                if !registry.stages.contains(&value) {
                    self.err(
                        pos,
                        &key,
                        format!(
                            "`{value}` is not a stage of the flag registry; it has: {}; add it to \
                             `flag-registry.stages`, or name one of those here (a stage that the \
                             built-in policy brings is changed under `stages` by its name)",
                            registry.stages.join(", ")
                        ),
                    );
                }
            }
        }
        let checks = match top.get("checks") {
            Some(n) => self.checks(n, Some(super::checks::builtin()), stages.as_deref()),
            None => Some(super::checks::builtin().clone()),
        };
        let packages = match top.get("packages") {
            Some(n) => self.packages(n),
            None => Some(Vec::new()),
        };
        let requirements = requirements?;
        let (packages, root_paths) = self.project_paths(packages?, &requirements)?;
        Some(Policy {
            stages: stages?,
            signals: signals?,
            flag_registry: flag_registry?,
            requirements,
            overrides: overrides?,
            drafts: drafts?,
            checks: checks?,
            notify: notify?,
            packages,
            root_paths,
        })
    }

    fn stages(
        &mut self,
        node: &Node,
        key: Pos,
        requirements: Option<&[String]>,
    ) -> Option<Vec<Stage>> {
        let Value::Seq(items) = &node.value else {
            self.expected(node, "stages", "a list of stages");
            return None;
        };
        if items.is_empty() {
            self.err(key, "stages", "at least one stage is needed");
            return None;
        }
        let mut stages: Vec<Stage> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            // Named by name, as in every file of a chain, whatever its index there.
            let name = match &item.value {
                Value::Map(entries) => entries.iter().find_map(|(k, v)| match &v.value {
                    Value::Str(name) if k.name == "name" => Some(name.as_str()),
                    _ => None,
                }),
                _ => None,
            };
            let path = format!("stages[{}]", item_label(name, i));
            let Some(stage) = self.stage(item, &path, i == 0, requirements) else {
                continue;
            };
            if stages.iter().any(|s| s.name == stage.name) {
                self.err(
                    item.pos,
                    &join(&path, "name"),
                    format!("`{}` is listed twice; keep one", stage.name),
                );
            }
            stages.push(stage);
        }
        (stages.len() == items.len()).then_some(stages)
    }

    fn stage(
        &mut self,
        node: &Node,
        path: &str,
        first: bool,
        requirements: Option<&[String]>,
    ) -> Option<Stage> {
        let fields = self.map(node, path, STAGE_KEYS)?;
        let name = match fields.get("name") {
            Some(n) => {
                let name = self.string(n, &join(path, "name"));
                if let Some(name) = &name
                    && !is_kebab(name)
                {
                    self.err(
                        n.pos,
                        &join(path, "name"),
                        format!(
                            "`{name}` is not a kebab-case name (lowercase letters, digits, `-`)"
                        ),
                    );
                }
                name
            }
            None => {
                self.err(node.pos, path, "missing key `name`");
                None
            }
        };
        let description = fields
            .get("description")
            .and_then(|n| self.string(n, &join(path, "description")));
        let signals = match fields.get("signals") {
            Some(n) => {
                let signals = self.stage_signals(n, &join(path, "signals"));
                if first && signals.as_ref().is_some_and(|s| !s.is_empty()) {
                    self.err(
                        fields.key("signals").unwrap_or(n.pos),
                        &join(path, "signals"),
                        "the first stage is what a change without any signal gets; it takes no \
                         signals (a stage added to a policy it extends goes right after the \
                         stage listed before it: list that one first)",
                    );
                }
                signals
            }
            None => Some(StageSignals::default()),
        };
        let require =
            self.requirement_refs(fields.get("require"), &join(path, "require"), requirements);
        let warn = self.requirement_refs(fields.get("warn"), &join(path, "warn"), requirements);
        for (i, (pos, id)) in warn.iter().enumerate() {
            if require.iter().any(|(_, r)| r == id) {
                self.err(
                    *pos,
                    &format!("{}[{i}]", join(path, "warn")),
                    format!("`{id}` is both required and warned; list it once"),
                );
            }
        }
        let ids = |refs: Vec<(Pos, String)>| refs.into_iter().map(|(_, id)| id).collect();
        let name = name?;
        Some(Stage {
            description: description.unwrap_or_else(|| name.clone()),
            name,
            signals: signals?,
            require: ids(require),
            warn: ids(warn),
        })
    }

    fn requirement_refs(
        &mut self,
        node: Option<&Node>,
        path: &str,
        requirements: Option<&[String]>,
    ) -> Vec<(Pos, String)> {
        let Some(node) = node else { return Vec::new() };
        let ids = self.strings(node, path);
        let mut seen: Vec<&str> = Vec::new();
        for (i, (pos, id)) in ids.iter().enumerate() {
            let key = format!("{path}[{i}]");
            if seen.contains(&id.as_str()) {
                self.err(*pos, &key, format!("`{id}` is listed twice"));
            }
            seen.push(id);
            if let Some(reqs) = requirements
                && !reqs.contains(id)
            {
                let known: Vec<&str> = reqs.iter().map(String::as_str).collect();
                let hint = match closest(id, &known) {
                    Some(near) => format!("; did you mean `{near}`?"),
                    None => format!("; the policy defines: {}", known.join(", ")),
                };
                self.err(*pos, &key, format!("unknown requirement `{id}`{hint}"));
            }
        }
        ids
    }

    fn stage_signals(&mut self, node: &Node, path: &str) -> Option<StageSignals> {
        let fields = self.map(node, path, STAGE_SIGNAL_KEYS)?;
        let version_kind = |cx: &mut Self, key: &str| -> Option<VersionKind> {
            let n = fields.get(key)?;
            let p = join(path, key);
            match cx.string(n, &p)?.as_str() {
                "stable" => Some(VersionKind::Stable),
                "prerelease" => Some(VersionKind::Prerelease),
                other => {
                    cx.err(
                        n.pos,
                        &p,
                        format!("`{other}` is not `stable` or `prerelease`"),
                    );
                    None
                }
            }
        };
        let tag = version_kind(self, "tag");
        let version = version_kind(self, "version");
        Some(StageSignals {
            labels: self.names(fields.get("labels"), &join(path, "labels")),
            trailer: self.names(fields.get("trailer"), &join(path, "trailer")),
            tag,
            version,
            flag_stage: match fields.get("flag-stage") {
                Some(n) => {
                    let p = join(path, "flag-stage");
                    let list = self.strings(n, &p);
                    for (i, (pos, value)) in list.iter().enumerate() {
                        self.flag_stage_refs
                            .push((*pos, format!("{p}[{i}]"), value.clone()));
                    }
                    list.into_iter().map(|(_, v)| v).collect()
                }
                None => Vec::new(),
            },
        })
    }

    fn signals(&mut self, node: &Node) -> Option<Signals> {
        let fields = self.map(node, "signals", SIGNAL_KEYS)?;
        let trailer = match fields.get("trailer") {
            Some(n) => {
                let keys = self.trailer_keys(Some(&wrap_seq(n)), "signals.trailer");
                keys.into_iter().next()?
            }
            None => "Release".to_owned(),
        };
        let tag_pattern = match fields.get("tag-pattern") {
            Some(n) => self.regex(n, "signals.tag-pattern", Some("version"))?,
            None => Regex::new(DEFAULT_TAG_PATTERN).expect("the default tag pattern compiles"),
        };
        let manifests = match fields.get("manifests") {
            Some(n) => {
                let list = self.strings(n, "signals.manifests");
                for (i, (pos, path)) in list.iter().enumerate() {
                    let key = format!("signals.manifests[{i}]");
                    if let Some(why) = bad_repo_path(path) {
                        self.err(*pos, &key, why);
                        continue;
                    }
                    let name = path.rsplit('/').next().unwrap_or(path);
                    if manifest::Kind::from_file_name(name).is_none() {
                        self.err(
                            *pos,
                            &format!("signals.manifests[{i}]"),
                            format!(
                                "`{path}` is not a known manifest; known: Cargo.toml, package.json, pyproject.toml, VERSION"
                            ),
                        );
                    }
                }
                list.into_iter().map(|(_, p)| p).collect()
            }
            None => DEFAULT_MANIFESTS.iter().map(|s| (*s).to_owned()).collect(),
        };
        Some(Signals {
            trailer,
            tag_pattern,
            manifests,
        })
    }

    fn flag_registry(&mut self, node: &Node) -> Option<FlagRegistry> {
        let fields = self.map(node, "flag-registry", REGISTRY_KEYS)?;
        let path = match fields.get("path") {
            // A bad path is reported; reading on lets `stages` be checked too.
            Some(n) => self.repo_path(n, "flag-registry.path").unwrap_or_default(),
            None => DEFAULT_REGISTRY.to_owned(),
        };
        let stages = match fields.get("stages") {
            Some(n) => self.names(Some(n), "flag-registry.stages"),
            None => DEFAULT_FLAG_STAGES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        };
        let posthog = match fields.get("posthog") {
            Some(n) => Some(self.posthog(n)?),
            None => None,
        };
        Some(FlagRegistry {
            path,
            stages,
            posthog,
        })
    }

    fn requirements(&mut self, node: &Node) -> Option<Vec<Requirement>> {
        let Value::Map(entries) = &node.value else {
            self.expected(
                node,
                "requirements",
                "a mapping from requirement id to its evidence",
            );
            return None;
        };
        let before = self.errors.len();
        let mut out = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let path = format!("requirements.{}", key.name);
            if !is_kebab(&key.name) {
                self.err(
                    key.pos,
                    &path,
                    format!(
                        "`{}` is not a kebab-case id (lowercase letters, digits, `-`)",
                        key.name
                    ),
                );
            }
            if let Some(r) = self.requirement(&key.name, key.pos, value, &path) {
                out.push(r);
            }
        }
        (self.errors.len() == before).then_some(out)
    }

    fn requirement(
        &mut self,
        id: &str,
        key_pos: Pos,
        node: &Node,
        path: &str,
    ) -> Option<Requirement> {
        let fields = self.map(node, path, REQUIREMENT_KEYS)?;
        let mut bad_paths = false;
        let p = |k: &str| join(path, k);
        let paths = match fields.get("paths") {
            Some(n) => {
                let list = self.strings(n, &p("paths"));
                let texts: Vec<&str> = list.iter().map(|(_, s)| s.as_str()).collect();
                match PathSet::new(&texts) {
                    Ok(set) => set,
                    Err((i, why)) => {
                        let pos = list.get(i).map_or(n.pos, |(pos, _)| *pos);
                        self.err(
                            pos,
                            &format!("{}[{i}]", p("paths")),
                            format!("invalid glob: {why}"),
                        );
                        bad_paths = true;
                        PathSet::new::<&str>(&[]).expect("an empty set compiles")
                    }
                }
            }
            None => PathSet::new::<&str>(&[]).expect("an empty set compiles"),
        };
        let flag_label_prefix = fields
            .get("flag-label-prefix")
            .and_then(|n| self.string(n, &p("flag-label-prefix")));
        let evidence = Evidence {
            paths,
            trailers: self.trailer_keys(fields.get("trailers"), &p("trailers")),
            labels: self.names(fields.get("labels"), &p("labels")),
            body_lines: self.trailer_keys(fields.get("body-lines"), &p("body-lines")),
            body_checkboxes: self.names(fields.get("body-checkboxes"), &p("body-checkboxes")),
            flag_registry: fields
                .get("flag-registry")
                .and_then(|n| self.bool(n, &p("flag-registry")))
                .unwrap_or(false),
            flag_trailers: self.trailer_keys(fields.get("flag-trailers"), &p("flag-trailers")),
            flag_label_prefix,
            mentions: self.mentions(fields.get("mentions"), &p("mentions")),
        };
        let empty = evidence.paths.is_empty()
            && evidence.trailers.is_empty()
            && evidence.labels.is_empty()
            && evidence.body_lines.is_empty()
            && evidence.body_checkboxes.is_empty()
            && !evidence.names_flags()
            && evidence.mentions.is_empty();
        if empty && !bad_paths {
            self.err(
                key_pos,
                path,
                "names no evidence, so it could never be satisfied; add paths, trailers, labels, body-lines, body-checkboxes, flag evidence or mentions",
            );
        }
        if bad_paths {
            return None;
        }
        Some(Requirement {
            id: id.to_owned(),
            description: fields
                .get("description")
                .and_then(|n| self.string(n, &p("description")))
                .unwrap_or_else(|| id.to_owned()),
            evidence,
            hint: fields.get("hint").and_then(|n| self.string(n, &p("hint"))),
        })
    }

    fn overrides(&mut self, node: &Node) -> Option<Overrides> {
        let fields = self.map(node, "overrides", OVERRIDE_KEYS)?;
        Some(Overrides {
            enabled: match fields.get("enabled") {
                Some(n) => self.bool(n, "overrides.enabled")?,
                None => true,
            },
            labels: match fields.get("labels") {
                Some(n) => self.names(Some(n), "overrides.labels"),
                None => vec![DEFAULT_OVERRIDE_LABEL.to_owned()],
            },
            trailers: match fields.get("trailers") {
                Some(n) => self.trailer_keys(Some(n), "overrides.trailers"),
                None => vec![DEFAULT_OVERRIDE_TRAILER.to_owned()],
            },
            authors: self.names(fields.get("authors"), "overrides.authors"),
        })
    }
}

// Per-field defaults for the sections that may be written in part. A unit test checks
// that they agree with builtin.yml.
const DEFAULT_TAG_PATTERN: &str = r"^v?(?P<version>\d+\.\d+\.\d+.*)$";
pub(super) const DEFAULT_MANIFESTS: &[&str] =
    &["Cargo.toml", "package.json", "pyproject.toml", "VERSION"];
const DEFAULT_REGISTRY: &str = "feature-flags.yml";
const DEFAULT_FLAG_STAGES: &[&str] = &["concept", "alpha", "beta", "general-availability"];
const DEFAULT_OVERRIDE_LABEL: &str = "shipgate:skip";
const DEFAULT_OVERRIDE_TRAILER: &str = "Shipgate-Skip";

/// `signals.trailer` is one key; reuse the list check by viewing it as a list of one.
fn wrap_seq(node: &Node) -> Node {
    Node {
        pos: node.pos,
        value: Value::Seq(vec![node.clone()]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        Policy::problems_of(text)
    }

    #[test]
    fn field_defaults_agree_with_builtin_yaml() {
        // A policy that extends nothing gets each left-out setting's default.
        let minimal = Policy::from_yaml(
            "extends: none\nstages: [{name: merge}]\nsignals: {}\nflag-registry: {}\n",
            "p.yml",
        )
        .unwrap();
        assert!(minimal.requirements.is_empty());
        assert_eq!(minimal.drafts, Drafts::Warn);
        let builtin = Policy::builtin();
        assert_eq!(minimal.signals.trailer, builtin.signals.trailer);
        assert_eq!(
            minimal.signals.tag_pattern.as_str(),
            builtin.signals.tag_pattern.as_str()
        );
        assert_eq!(minimal.signals.manifests, builtin.signals.manifests);
        assert_eq!(minimal.flag_registry.path, builtin.flag_registry.path);
        assert_eq!(minimal.flag_registry.stages, builtin.flag_registry.stages);
        assert_eq!(minimal.overrides.enabled, builtin.overrides.enabled);
        assert_eq!(minimal.overrides.labels, builtin.overrides.labels);
        assert_eq!(minimal.overrides.trailers, builtin.overrides.trailers);
    }

    #[test]
    fn reports_every_problem_with_location_and_key() {
        let text = "\
version: 1
stagez: []
requirements:
  docs:
    paths: [\"docs/[\"]
    trailers: [\"Dócs\"]
  ship-it:
    labels: {yes: please}
signals:
  tag-pattern: '^v(?P<ver>'
";
        assert_eq!(
            errors(text),
            [
                "p.yml:2:1: `stagez`: unknown key; did you mean `stages`?",
                "p.yml:5:13: `requirements.docs.paths[0]`: invalid glob: unclosed character class; missing ']'",
                "p.yml:6:16: `requirements.docs.trailers[0]`: `Dócs` cannot be a git trailer key: use ASCII letters, digits and `-`",
                "p.yml:7:3: `requirements.ship-it`: names no evidence, so it could never be satisfied; add paths, trailers, labels, body-lines, body-checkboxes, flag evidence or mentions",
                "p.yml:8:13: `requirements.ship-it.labels`: expected a list of strings, found a mapping",
                "p.yml:10:16: `signals.tag-pattern`: invalid regex: unclosed group",
            ]
        );
    }

    #[test]
    fn stage_references_are_checked() {
        let text = "\
extends: none
stages:
  - name: merge
    signals: {labels: [x]}
  - name: Full
    require: [docs, dosc]
    warn: [docs]
  - name: merge
  - require: [docs]
requirements:
  docs: {trailers: [Docs]}
";
        assert_eq!(
            errors(text),
            [
                "p.yml:4:5: `stages[merge].signals`: the first stage is what a change without any signal gets; it takes no signals (a stage added to a policy it extends goes right after the stage listed before it: list that one first)",
                "p.yml:5:11: `stages[Full].name`: `Full` is not a kebab-case name (lowercase letters, digits, `-`)",
                "p.yml:6:21: `stages[Full].require[1]`: unknown requirement `dosc`; did you mean `docs`?",
                "p.yml:7:12: `stages[Full].warn[0]`: `docs` is both required and warned; list it once",
                "p.yml:8:5: `stages[merge].name`: `merge` is listed twice; keep one",
                "p.yml:9:5: `stages[3]`: missing key `name`",
            ]
        );
    }

    #[test]
    fn wrong_types_are_named() {
        assert_eq!(
            errors("overrides:\n  enabled: \"no\"\nversion: 2\n"),
            [
                "p.yml:2:12: `overrides.enabled`: expected true or false, found a string",
                "p.yml:3:10: `version`: the only policy version is 1",
            ]
        );
        assert_eq!(
            errors("- a\n- b\n"),
            ["p.yml:1:1: expected a mapping, found a list"]
        );
    }

    #[test]
    fn stage_references_are_checked_even_when_a_requirement_is_broken() {
        let text = "stages:\n  - name: merge\n  - name: full\n    require: [dosc]\nrequirements:\n  docs:\n    paths: [\"a/[b\"]\n";
        let errs = errors(text);
        assert_eq!(errs.len(), 2, "{errs:#?}");
        assert!(errs[0].contains("unknown requirement `dosc`; did you mean `docs`?"));
        assert!(errs[1].contains("invalid glob"));
    }

    #[test]
    fn paths_and_flag_stages_must_be_usable() {
        let text = "signals:\n  manifests: [/VERSION, ./package.json]\nflag-registry:\n  path: ./feature-flags.yml\nstages:\n  - name: merge\n  - name: full\n    signals: {flag-stage: [GA]}\n";
        let errs = errors(text);
        assert_eq!(errs.len(), 4, "{errs:#?}");
        assert!(errs[0].starts_with("p.yml:2:15: `signals.manifests[0]`: `/VERSION` is not a repository-relative file path"), "{}", errs[0]);
        assert!(errs[1].contains("`signals.manifests[1]`"));
        assert!(errs[2].contains("`flag-registry.path`"));
        assert_eq!(
            errs[3],
            "p.yml:8:28: `stages[full].signals.flag-stage[0]`: `GA` is not a stage of the flag registry; it has: concept, alpha, beta, general-availability; add it to `flag-registry.stages`, or name one of those here (a stage that the built-in policy brings is changed under `stages` by its name)"
        );
    }

    #[test]
    fn empty_file_is_the_builtin_policy() {
        let p = Policy::from_yaml("# nothing yet\n", "p.yml").unwrap();
        assert_eq!(p.stages.len(), 3);
    }

    #[test]
    fn custom_stage_between_beta_and_full() {
        let text = format!(
            "{}\n",
            r#"
stages:
  - name: merge
  - name: beta
    signals: {labels: ["release:beta"], trailer: [beta], tag: prerelease}
    warn: [docs]
  - name: public-beta
    signals: {labels: ["release:public-beta"], trailer: [public-beta]}
    require: [docs]
  - name: full
    signals: {labels: ["release:full"], trailer: [full], tag: stable}
    require: [docs, template, feature-flag, marketing]
"#
        );
        let p = Policy::from_yaml(&text, "p.yml").unwrap();
        assert_eq!(p.stages[2].name, "public-beta");
        assert_eq!(p.stages[2].require, ["docs"]);
        assert_eq!(p.requirements.len(), 4, "built-in requirements kept");
    }

    #[test]
    fn every_key_the_parser_accepts_is_documented() {
        let documented = |key: String| super::super::KEYS.iter().any(|(k, _)| *k == key);
        let groups: [(&str, &[&str]); 8] = [
            (
                "flag-registry.posthog.",
                super::super::integrations::POSTHOG_KEYS,
            ),
            ("notify.", super::super::integrations::NOTIFY_KEYS),
            ("", TOP_KEYS),
            ("stages[].", STAGE_KEYS),
            ("stages[].signals.", STAGE_SIGNAL_KEYS),
            ("signals.", SIGNAL_KEYS),
            ("flag-registry.", REGISTRY_KEYS),
            ("requirements.<id>.", REQUIREMENT_KEYS),
        ];
        for (prefix, keys) in groups {
            for key in keys {
                assert!(
                    documented(format!("{prefix}{key}")),
                    "{prefix}{key} has no doc"
                );
            }
        }
        for key in OVERRIDE_KEYS {
            assert!(documented(format!("overrides.{key}")), "overrides.{key}");
        }
        for (prefix, keys) in super::super::checks::KEY_GROUPS {
            for key in keys {
                assert!(documented(format!("{prefix}{key}")), "{prefix}{key}");
            }
        }
        for key in super::super::packages::PACKAGE_KEYS {
            assert!(
                documented(format!("packages.<name>.{key}")),
                "packages.{key}"
            );
        }
    }

    #[test]
    fn a_lone_string_is_a_list_of_one_wherever_a_list_goes() {
        let p = Policy::from_yaml(
            "requirements:\n  docs: {trailers: Docs2, labels: docs}\nstages:\n  - name: full\n    warn: docs\n    require: template\noverrides: {authors: \"dependabot[bot]\"}\n",
            "p.yml",
        )
        .unwrap();
        let docs = p.requirements.iter().find(|r| r.id == "docs").unwrap();
        assert_eq!(docs.evidence.trailers, ["Docs2"]);
        assert_eq!(docs.evidence.labels, ["docs"]);
        let full = p.stages.iter().find(|s| s.name == "full").unwrap();
        assert_eq!(
            (&full.require[..], &full.warn[..]),
            (&["template".to_owned()][..], &["docs".to_owned()][..])
        );
        assert_eq!(p.overrides.authors, ["dependabot[bot]"]);
        // Each item is still checked.
        assert_eq!(
            errors("requirements:\n  docs: {trailers: \"D ocs\"}\n"),
            [
                "p.yml:2:20: `requirements.docs.trailers[0]`: `D ocs` cannot be a git trailer key: use ASCII letters, digits and `-`"
            ]
        );
    }

    #[test]
    fn drafts_is_warn_or_judge() {
        assert_eq!(
            Policy::from_yaml("drafts: judge\n", "p.yml")
                .unwrap()
                .drafts,
            Drafts::Judge
        );
        assert_eq!(Policy::builtin().drafts, Drafts::Warn);
        assert_eq!(
            errors("drafts: maybe\n"),
            ["p.yml:1:9: `drafts`: `maybe` is not `warn` or `judge`"]
        );
    }

    #[test]
    fn a_policy_that_extends_nothing_needs_stages() {
        assert_eq!(
            errors("extends: none\nrequirements: {}\n"),
            [
                "p.yml:1:1: `stages`: the policy has no stages; list them, or leave out `extends: none` (and any `stages: null`) to keep the built-in ones"
            ]
        );
    }

    #[test]
    fn closest_suggests_only_near_names() {
        assert_eq!(closest("requirement", TOP_KEYS), Some("requirements"));
        assert_eq!(closest("zzz", TOP_KEYS), None);
    }
}
