//! The feature-flag registry: a YAML file with a top-level `flags:` mapping from flag key
//! to its fields, of which shipgate reads `stage`.

use std::collections::BTreeMap;

use crate::judge::change::{FlagChange, FlagChangeKind};
use crate::judge::policy::{ConfigError, ConfigErrors, Document};
use crate::judge::yaml::{Node, Value};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Registry {
    pub(crate) entries: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) stage: Option<String>,
    /// The entry's fields as written, to tell a changed entry from an unchanged one.
    fields: Value,
}

impl Registry {
    /// Reads a registry. Other top-level keys are left alone (the file may serve other
    /// tools too), but `flags` must be a mapping and each `stage` one of `stages`: a typo
    /// in a stage would otherwise hide a release.
    pub(crate) fn parse(
        text: &str,
        origin: &str,
        stages: &[String],
    ) -> Result<Registry, ConfigErrors> {
        let root = crate::judge::policy::parse_yaml(text, origin).map_err(|e| ConfigErrors {
            what: Document::FlagRegistry,
            errors: vec![e],
        })?;
        let mut errors = Vec::new();
        let mut err = |node: &Node, key: String, message: String| {
            errors.push(ConfigError {
                origin: origin.to_owned(),
                pos: Some(node.pos),
                key,
                message,
            });
        };
        let mut entries = BTreeMap::new();
        let flags = match &root.value {
            Value::Map(top) => top.iter().find(|(k, _)| k.name == "flags").map(|(_, v)| v),
            Value::Null => None,
            other => {
                err(
                    &root,
                    String::new(),
                    format!("expected a mapping with `flags:`, found {}", other.kind()),
                );
                None
            }
        };
        match flags.map(|f| &f.value) {
            None | Some(Value::Null) => {}
            Some(Value::Map(items)) => {
                for (key, node) in items {
                    let path = format!("flags.{}", key.name);
                    let stage = match &node.value {
                        Value::Null => None,
                        Value::Map(fields) => {
                            match fields.iter().find(|(k, _)| k.name == "stage") {
                                None => None,
                                Some((_, n)) => match &n.value {
                                    Value::Str(s) if stages.iter().any(|allowed| allowed == s) => {
                                        Some(s.clone())
                                    }
                                    Value::Str(s) => {
                                        err(
                                            n,
                                            format!("{path}.stage"),
                                            format!(
                                                "`{s}` is not a flag stage; expected one of: {}",
                                                stages.join(", ")
                                            ),
                                        );
                                        None
                                    }
                                    other => {
                                        err(
                                            n,
                                            format!("{path}.stage"),
                                            format!("expected a string, found {}", other.kind()),
                                        );
                                        None
                                    }
                                },
                            }
                        }
                        other => {
                            err(
                                node,
                                path,
                                format!(
                                    "expected the flag's fields as a mapping, found {}",
                                    other.kind()
                                ),
                            );
                            None
                        }
                    };
                    entries.insert(
                        key.name.clone(),
                        Entry {
                            stage,
                            fields: without_positions(&node.value),
                        },
                    );
                }
            }
            Some(other) => {
                let node = flags.expect("matched Some");
                err(
                    node,
                    "flags".to_owned(),
                    format!(
                        "expected a mapping from flag key to its fields, found {}",
                        other.kind()
                    ),
                );
            }
        }
        if errors.is_empty() {
            Ok(Registry { entries })
        } else {
            Err(ConfigErrors {
                what: Document::FlagRegistry,
                errors,
            })
        }
    }

    /// Keys with their stage, for looking up named flags.
    pub(crate) fn keys(&self) -> BTreeMap<String, Option<String>> {
        self.entries
            .iter()
            .map(|(k, e)| (k.clone(), e.stage.clone()))
            .collect()
    }
}

/// What changed from `old` (the merge-base; `None` when there was no registry) to `new`.
pub(crate) fn diff(old: Option<&Registry>, new: Option<&Registry>) -> Vec<FlagChange> {
    let empty = BTreeMap::new();
    let old = old.map_or(&empty, |r| &r.entries);
    let new = new.map_or(&empty, |r| &r.entries);
    let mut changes = Vec::new();
    for (key, entry) in new {
        match old.get(key) {
            None => changes.push(FlagChange {
                key: key.clone(),
                kind: FlagChangeKind::Added,
                old_stage: None,
                new_stage: entry.stage.clone(),
            }),
            Some(before) if before != entry => changes.push(FlagChange {
                key: key.clone(),
                kind: FlagChangeKind::Changed,
                old_stage: before.stage.clone(),
                new_stage: entry.stage.clone(),
            }),
            Some(_) => {}
        }
    }
    for (key, entry) in old {
        if !new.contains_key(key) {
            changes.push(FlagChange {
                key: key.clone(),
                kind: FlagChangeKind::Removed,
                old_stage: entry.stage.clone(),
                new_stage: None,
            });
        }
    }
    changes
}

/// Moving a flag's fields around in the file is not a change; editing them is.
fn without_positions(value: &Value) -> Value {
    let strip = |n: &Node| Node {
        pos: Default::default(),
        value: without_positions(&n.value),
    };
    match value {
        Value::Seq(items) => Value::Seq(items.iter().map(strip).collect()),
        Value::Map(entries) => {
            let mut entries: Vec<_> = entries
                .iter()
                .map(|(k, v)| {
                    let mut k = k.clone();
                    k.pos = Default::default();
                    (k, strip(v))
                })
                .collect();
            entries.sort_by(|a, b| a.0.name.cmp(&b.0.name));
            Value::Map(entries)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stages() -> Vec<String> {
        ["concept", "alpha", "beta", "general-availability"]
            .map(String::from)
            .to_vec()
    }

    fn reg(text: &str) -> Registry {
        Registry::parse(text, "feature-flags.yml", &stages()).unwrap()
    }

    #[test]
    fn diff_reports_added_changed_removed() {
        let old = reg("flags:\n  a: {stage: beta, owner: x}\n  b: {stage: alpha}\n  c:\n");
        let new = reg(
            "flags:\n  b: {stage: beta}\n  a:\n    owner: x\n    stage: beta\n  d: {stage: concept}\n",
        );
        let changes = diff(Some(&old), Some(&new));
        let summary: Vec<_> = changes
            .iter()
            .map(|c| (c.key.as_str(), c.kind, c.new_stage.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                ("b", FlagChangeKind::Changed, Some("beta")),
                ("d", FlagChangeKind::Added, Some("concept")),
                ("c", FlagChangeKind::Removed, None),
            ]
        );
    }

    #[test]
    fn a_misspelt_stage_is_a_located_error() {
        let err = Registry::parse(
            "flags:\n  a:\n    stage: general-availablity\n",
            "feature-flags.yml",
            &stages(),
        )
        .unwrap_err();
        assert_eq!(
            err.errors[0].to_string(),
            "feature-flags.yml:3:12: `flags.a.stage`: `general-availablity` is not a flag stage; expected one of: concept, alpha, beta, general-availability"
        );
    }

    #[test]
    fn keys_are_every_flag_with_its_stage() {
        let registry = reg("flags:\n  b: {stage: beta}\n  a:\n  c: {owner: x}\nother: 1\n");
        let keys: Vec<_> = registry.keys().into_iter().collect();
        assert_eq!(
            keys,
            [
                ("a".to_owned(), None),
                ("b".to_owned(), Some("beta".to_owned())),
                ("c".to_owned(), None),
            ]
        );
    }

    #[test]
    fn flags_must_be_a_mapping() {
        let err = Registry::parse("flags: [a, b]\n", "f.yml", &stages()).unwrap_err();
        assert_eq!(err.errors[0].key, "flags");
    }
}
