//! A located YAML tree, read with strict limits.
//!
//! Policy files and flag registries come from the repository under review, so they are
//! untrusted input. We read them into a small tree of [`Node`]s that remember their line
//! and column, then validate that tree by hand. Deserialising straight into typed structs
//! would stop at the first problem; walking a tree lets us report every problem at once,
//! each with its file, line, column and key path (as cargo-deny does).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// Files over this size are refused before parsing (SPEC §7).
pub(crate) const MAX_BYTES: usize = 256 * 1024;

/// Where a node starts: 1-based line and column, in which file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub(crate) line: u64,
    pub(crate) column: u64,
    /// Which file of a policy chain the node comes from (0 for a file read alone), so
    /// that a tree merged from several files still says where each value was written.
    pub(crate) file: FileId,
}

/// The index of a file among those a tree was merged from.
pub(crate) type FileId = u16;

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) pos: Pos,
    pub(crate) value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys keep their order and their own positions, for messages about unknown keys.
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub(crate) pos: Pos,
    pub(crate) name: String,
}

impl Node {
    /// This node, every node below it and every key, marked as coming from `file`.
    pub(crate) fn in_file(mut self, file: FileId) -> Node {
        self.set_file(file);
        self
    }

    fn set_file(&mut self, file: FileId) {
        self.pos.file = file;
        match &mut self.value {
            Value::Seq(items) => items.iter_mut().for_each(|n| n.set_file(file)),
            Value::Map(entries) => {
                for (key, value) in entries {
                    key.pos.file = file;
                    value.set_file(file);
                }
            }
            _ => {}
        }
    }
}

impl Value {
    /// What a user would call this kind of value, for "expected X, found Y" messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A YAML document that could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) pos: Option<Pos>,
    pub(crate) message: String,
}

/// Parses one YAML document with duplicate keys refused and alias expansion, depth and
/// node counts bounded, so that a hostile file can neither pass silently nor exhaust
/// memory.
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    if text.len() > MAX_BYTES {
        return Err(SyntaxError {
            pos: None,
            message: format!(
                "the file is {} bytes; files over {} KiB are refused",
                text.len(),
                MAX_BYTES / 1024
            ),
        });
    }
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        strict_booleans: true,
        budget: serde_saphyr::budget! {
            max_depth: 32,
            // Every value takes at least two bytes, so this is no limit within 256 KiB;
            // it bounds what aliases could otherwise multiply.
            max_nodes: 150_000,
            max_aliases: 100,
            max_anchors: 100,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 10_000,
            max_replay_stack_depth: 8,
            max_alias_expansions_per_anchor: 100,
        },
    };
    // An empty file is a valid, empty policy; saphyr reports it as end of input.
    if text.trim().is_empty() {
        return Ok(Node {
            pos: Pos {
                line: 1,
                column: 1,
                file: 0,
            },
            value: Value::Null,
        });
    }
    serde_saphyr::from_str_with_options::<Node>(text, options).map_err(|e| SyntaxError {
        pos: e.location().and_then(|l| {
            (l.line() > 0).then(|| Pos {
                line: l.line(),
                column: l.column(),
                file: 0,
            })
        }),
        message: message(&e),
    })
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        Ok(Node {
            pos: Pos {
                line: spanned.referenced.line(),
                column: spanned.referenced.column(),
                file: 0,
            },
            value: spanned.value,
        })
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        let name = match spanned.value {
            Value::Str(s) => s,
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Null => "null".to_owned(),
            Value::Seq(_) | Value::Map(_) => {
                return Err(de::Error::custom("a mapping key must be a plain string"));
            }
        };
        Ok(Key {
            pos: Pos {
                line: spanned.referenced.line(),
                column: spanned.referenced.column(),
                file: 0,
            },
            name,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Key>()? {
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

/// What went wrong, in the user's words: read off the error's type, and for the kinds
/// that are shipgate's own settings (duplicate keys, the budgets, alias limits) said in
/// terms of the file rather than of the library's options. The location is not part of
/// it: the caller prints its own.
fn message(error: &serde_saphyr::Error) -> String {
    use serde_saphyr::budget::BudgetBreach;
    use serde_saphyr::{Error, MessageFormatter as _};
    // A snippet or an alias's locations wrap the error that says what is wrong.
    let mut error = error;
    while let Error::WithSnippet { error: inner, .. } | Error::AliasError { error: inner, .. } =
        error
    {
        error = inner;
    }
    match error {
        Error::DuplicateMappingKey { key: Some(key), .. } => {
            format!("duplicate key `{}`; keep one of them", sanitized(key))
        }
        Error::Budget { breach, .. } => match breach {
            BudgetBreach::Depth { .. } => "nested deeper than 32 levels",
            BudgetBreach::Nodes { .. } => "more than 150000 values",
            BudgetBreach::Aliases { .. } | BudgetBreach::Anchors { .. } => {
                "more than 100 aliases or anchors"
            }
            _ => "too large to read safely (alias expansion or size limits)",
        }
        .to_owned(),
        Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. } => {
            "aliases expand too much (an alias bomb?)".to_owned()
        }
        other => sanitized(&serde_saphyr::DefaultMessageFormatter.format_message(other)),
    }
}

/// saphyr's message text may quote the file (a key); its own renderer escapes control
/// characters and line separators in it, so that a quoted key stays on its line, and so
/// does this.
fn sanitized(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let node = parse("a: 1\nb:\n  - x\n  - y\n").unwrap();
        let Value::Map(entries) = node.value else {
            panic!("not a map")
        };
        assert_eq!(entries[0].0.name, "a");
        let at = |line, column| Pos {
            line,
            column,
            file: 0,
        };
        assert_eq!(entries[0].0.pos, at(1, 1));
        assert_eq!(entries[1].0.pos, at(2, 1));
        let Value::Seq(items) = &entries[1].1.value else {
            panic!("not a seq")
        };
        assert_eq!(items[1].pos, at(4, 5));
        assert_eq!(items[1].value, Value::Str("y".into()));
    }

    #[test]
    fn refuses_duplicate_keys_with_a_location() {
        let err = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(err.pos.map(|p| p.line), Some(3), "{err:?}");
        assert_eq!(err.message, "duplicate key `a`; keep one of them");
    }

    #[test]
    fn refuses_alias_bombs() {
        let mut doc = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            doc.push_str(&format!(
                "b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let err = parse(&doc).unwrap_err();
        assert!(
            !err.message.contains("budget") && !err.message.contains("Options"),
            "{err:?}"
        );
    }

    #[test]
    fn refuses_deep_nesting() {
        let doc = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(
            parse(&doc).unwrap_err().message,
            "nested deeper than 32 levels"
        );
    }

    #[test]
    fn refuses_oversized_files() {
        let doc = format!("a: \"{}\"\n", "x".repeat(MAX_BYTES));
        let err = parse(&doc).unwrap_err();
        assert_eq!(err.pos, None);
        assert!(err.message.contains("256 KiB"), "{err:?}");
    }

    #[test]
    fn empty_document_is_null() {
        assert_eq!(parse("  \n# only a comment\n").unwrap().value, Value::Null);
    }
}
