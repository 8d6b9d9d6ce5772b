//! Policies that compose (SPEC §15): every policy extends another (the built-in one unless
//! it says `extends: none`), and the trees of the chain are merged into the one policy
//! that is validated.
//!
//! The merge is pure: located trees in, one located tree out. Every node keeps the file
//! it was written in ([`Pos::file`]), so a problem in the merged tree is shown in the
//! file and at the line where its value came from, and `explain` can say where each value
//! came from. The rules:
//!
//! - mappings merge key by key, recursively; a key the extending file adds comes last;
//! - a list of mappings named by a field ([`KEYED_LISTS`]: `stages` by `name`) merges
//!   item by item like a mapping; an item with a new name goes right after the item the
//!   extending file lists before it (first, when it lists none before it);
//! - a key set to `null` removes the key; removing an id also removes what refers to it
//!   in the files extended ([`REFERENCES`]: a requirement from every stage's `require`
//!   and `warn`); a `null` for a key that nothing extended has is a mistake (a typo would
//!   otherwise remove nothing, silently), and so is one in a file that extends nothing;
//! - anything else (a list, a scalar, a value of another kind) replaces.
//!
//! Reading the files of a chain (at a commit, from the working tree, through an API) is
//! the gatherer's: [`Chain`] only takes their text, one after the other, and says what
//! each extends.

use std::fmt;

use super::read::{
    BUILTIN_ORIGIN, ConfigError, ConfigErrors, Cx, Document, PolicyErrors, bad_repo_path, closest,
    join,
};
use super::{BUILTIN_YAML, Policy};
use crate::judge::yaml::{FileId, Key, Node, Pos, Value};

/// Lists whose items are mappings named by a field, merged item by item: (path, field).
/// A list of packages named by `name` would be one more line.
pub(crate) const KEYED_LISTS: &[(&str, &str)] = &[("stages", "name")];

/// Mappings of ids, and the lists that refer to those ids: removing an id with `null`
/// removes it from those lists too, where a file extended wrote it. (`[]` stands for
/// every item of a list.)
pub(crate) const REFERENCES: &[(&str, &[&str])] =
    &[("requirements", &["stages[].require", "stages[].warn"])];

/// The most files a chain may hold, the built-in policy not counted: deeper chains are
/// a mistake more often than a design, and each file may cost a look-up.
pub(crate) const MAX_CHAIN: usize = 8;

/// What a policy file extends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Parent {
    /// No `extends`: the built-in policy.
    Builtin,
    /// `extends: none`: the file is the whole policy.
    Nothing,
    /// `extends: <path>`: a policy file of the same repository, read at the same commit.
    Repo(String),
    /// `extends: github:<owner>/<repo>/<path>@<ref>`: a shared policy read through the
    /// GitHub API.
    Github(GithubRef),
}

/// A file in a repository on GitHub at a ref: `github:acme/policies/shipgate.yml@<sha>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct GithubRef {
    pub(crate) owner: String,
    pub(crate) repo: String,
    pub(crate) path: String,
    /// A commit sha (recommended), a branch or a tag.
    pub(crate) reference: String,
}

impl GithubRef {
    /// `owner/repo`.
    pub(crate) fn repository(&self) -> String {
        format!("{}/{}", self.owner, self.repo)
    }

    /// Whether the ref is a commit id, which names one content for ever; a branch or a
    /// tag can be moved, and the gate with it.
    pub(crate) fn is_pinned(&self) -> bool {
        matches!(self.reference.len(), 40 | 64)
            && self
                .reference
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }

    /// The same repository at the same ref, another file: what a repository path in
    /// this file's `extends` names.
    pub(crate) fn sibling(&self, path: &str) -> GithubRef {
        GithubRef {
            path: path.to_owned(),
            ..self.clone()
        }
    }
}

impl fmt::Display for GithubRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "github:{}/{}/{}@{}",
            self.owner, self.repo, self.path, self.reference
        )
    }
}

/// The files of a chain, the policy in force first, then what each extends, and at last
/// the built-in policy unless a file says `extends: none`.
#[derive(Debug, Default)]
pub(crate) struct Chain {
    files: Vec<ChainFile>,
}

#[derive(Debug)]
struct ChainFile {
    origin: String,
    text: String,
    /// The file's tree without `extends`; an empty mapping when the file could not be read.
    tree: Node,
    /// Where its `extends` value is written, for problems with what it extends.
    extends: Option<Pos>,
}

/// A policy with the merged tree it was validated from, for `explain`.
#[derive(Debug, Clone)]
pub(crate) struct Composed {
    pub(crate) policy: Policy,
    /// Every node knows its file: an index into `chain`.
    pub(crate) tree: Node,
    /// The files, the policy in force first (`built-in` last unless `extends: none`).
    pub(crate) chain: Vec<String>,
}

impl Chain {
    pub(crate) fn new() -> Chain {
        Chain::default()
    }

    /// The files read so far, by the names problems give them.
    pub(crate) fn names(&self) -> Vec<String> {
        self.files.iter().map(|f| f.origin.clone()).collect()
    }

    /// How many files are in the chain.
    pub(crate) fn len(&self) -> usize {
        self.files.len()
    }

    /// The chain as people read it: `.shipgate.yml -> base.yml -> built-in`.
    pub(crate) fn arrow(names: &[String]) -> String {
        names.join(" -> ")
    }

    /// Adds the next file of the chain (the policy in force first) and says what it
    /// extends. A file that is no YAML mapping, or whose `extends` names nothing that can
    /// be read, stops the chain here.
    pub(crate) fn add(&mut self, origin: String, text: String) -> Result<Parent, PolicyErrors> {
        let file = FileId::try_from(self.files.len()).unwrap_or(FileId::MAX);
        let read = read_file(&text, file, &origin);
        let (tree, parent, extends, problem) = match read {
            Ok((tree, parent, extends)) => (tree, parent, extends, None),
            Err(problem) => (empty(file), Parent::Nothing, None, Some(problem)),
        };
        self.files.push(ChainFile {
            origin,
            text,
            tree,
            extends,
        });
        match problem {
            None => Ok(parent),
            Some(problem) => Err(self.errors(vec![problem])),
        }
    }

    /// A problem with what the last file added extends (a cycle, a parent that cannot be
    /// read), located at its `extends`.
    pub(crate) fn problem_at_extends(&self, message: String) -> PolicyErrors {
        let last = self.files.last();
        let problem = ConfigError {
            origin: last.map(|f| f.origin.clone()).unwrap_or_default(),
            pos: last.and_then(|f| f.extends),
            key: "extends".to_owned(),
            message,
        };
        self.errors(vec![problem])
    }

    /// `file:line:col` of the last file's `extends`, for errors that carry no located
    /// problem (an API that failed).
    pub(crate) fn extends_location(&self) -> String {
        let Some(last) = self.files.last() else {
            return String::new();
        };
        match last.extends {
            Some(pos) => format!("{}:{pos}", last.origin),
            None => last.origin.clone(),
        }
    }

    /// Merges the chain (with the built-in policy at its end when `builtin`) and validates
    /// the result: every problem of every file at once, each in its own file.
    pub(crate) fn finish(mut self, builtin: bool) -> Result<Composed, PolicyErrors> {
        let mut builtin_file = None;
        if builtin {
            let exact = FileId::try_from(self.files.len()).ok();
            let file = exact.unwrap_or(FileId::MAX);
            // Only an exact file number marks the built-in's nodes (a chain is never
            // that long, but a shared number would leave a file's regexes unchecked).
            builtin_file = exact;
            let tree = super::builtin_tree().clone().in_file(file);
            self.files.push(ChainFile {
                origin: BUILTIN_ORIGIN.to_owned(),
                text: BUILTIN_YAML.to_owned(),
                tree,
                extends: None,
            });
        }
        let chain = self.names();
        let mut problems = Vec::new();
        // The file that extends nothing is merged onto nothing, so that its `null`s are
        // checked like any other file's.
        let mut tree = empty(FileId::try_from(self.files.len()).unwrap_or(FileId::MAX));
        for file in self.files.iter().rev() {
            tree = merge(tree, file.tree.clone(), &mut problems);
        }
        let mut cx = Cx::new(&chain);
        cx.builtin_file = builtin_file;
        for p in problems {
            cx.err(p.pos, &p.key, p.message);
        }
        let policy = cx.policy(&tree);
        match policy {
            Some(policy) if cx.errors.is_empty() => Ok(Composed {
                policy,
                tree,
                chain,
            }),
            _ => {
                if cx.errors.is_empty() {
                    cx.err(tree.pos, "", "the policy could not be read");
                }
                let mut errors = std::mem::take(&mut cx.errors);
                // File by file, the policy in force first, each in the order an editor
                // walks it.
                errors.sort_by_key(|e| {
                    let file = chain.iter().position(|o| *o == e.origin);
                    (file, e.pos.map(|p| (p.line, p.column)))
                });
                Err(self.errors(errors))
            }
        }
    }

    fn errors(&self, errors: Vec<ConfigError>) -> PolicyErrors {
        PolicyErrors {
            errors: ConfigErrors {
                what: Document::Policy,
                errors,
            },
            chain: self.names(),
            sources: self
                .files
                .iter()
                .map(|f| (f.origin.clone(), f.text.clone()))
                .collect(),
        }
    }
}

fn empty(file: FileId) -> Node {
    Node {
        pos: Pos {
            line: 1,
            column: 1,
            file,
        },
        value: Value::Map(Vec::new()),
    }
}

/// One file: its tree without `extends` (a mapping; an empty file is an empty one), what
/// it extends, and where that is written.
fn read_file(
    text: &str,
    file: FileId,
    origin: &str,
) -> Result<(Node, Parent, Option<Pos>), ConfigError> {
    let problem = |pos: Option<Pos>, key: &str, message: String| ConfigError {
        origin: origin.to_owned(),
        pos,
        key: key.to_owned(),
        message,
    };
    let root = super::read::parse_yaml(text, origin)?.in_file(file);
    let mut entries = match root.value {
        Value::Map(entries) => entries,
        Value::Null => Vec::new(),
        other => {
            return Err(problem(
                Some(root.pos),
                "",
                format!("expected a mapping, found {}", other.kind()),
            ));
        }
    };
    let extends = entries
        .iter()
        .position(|(k, _)| k.name == "extends")
        .map(|i| entries.remove(i).1);
    let tree = Node {
        pos: root.pos,
        value: Value::Map(entries),
    };
    let Some(node) = extends else {
        return Ok((tree, Parent::Builtin, None));
    };
    let parent = match &node.value {
        Value::Str(s) => parent(s.trim()),
        other => Err(format!(
            "expected a policy file's path, `github:<owner>/<repo>/<path>@<ref>` or `none`, found {}",
            other.kind()
        )),
    }
    .map_err(|message| problem(Some(node.pos), "extends", message))?;
    Ok((tree, parent, Some(node.pos)))
}

/// What an `extends` value names.
fn parent(text: &str) -> Result<Parent, String> {
    if text == "none" {
        return Ok(Parent::Nothing);
    }
    if let Some(rest) = text.strip_prefix("github:") {
        return github_ref(rest).map(Parent::Github);
    }
    if let Some(why) = bad_repo_path(text) {
        return Err(format!(
            "{why}; or name a shared policy as `github:<owner>/<repo>/<path>@<sha>`, or write `none`"
        ));
    }
    Ok(Parent::Repo(text.to_owned()))
}

/// `<owner>/<repo>/<path>@<ref>`, checked as GitHub names accounts, repositories and refs.
fn github_ref(text: &str) -> Result<GithubRef, String> {
    let form = "write `github:<owner>/<repo>/<path>@<ref>`, e.g. \
                `github:acme/policies/shipgate.yml@<commit sha>` (a sha cannot move; a branch can)";
    let Some((left, reference)) = text.rsplit_once('@') else {
        return Err(format!("`github:{text}` names no ref; {form}"));
    };
    let mut parts = left.splitn(3, '/');
    let (Some(owner), Some(repo), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "`github:{text}` names no file in a repository; {form}"
        ));
    };
    let owner_ok = (1..=39).contains(&owner.len())
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !owner.starts_with('-')
        && !owner.ends_with('-');
    let repo_ok = (1..=100).contains(&repo.len())
        && repo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && repo != "."
        && repo != "..";
    if !owner_ok || !repo_ok {
        return Err(format!(
            "`{owner}/{repo}` is not a GitHub repository name; {form}"
        ));
    }
    if let Some(why) = bad_repo_path(path) {
        return Err(why);
    }
    // What git accepts in a branch or tag name, without what would need escaping.
    let ref_ok = !reference.is_empty()
        && reference.len() <= 255
        && !reference.starts_with(['-', '/', '.'])
        && !reference.ends_with(['/', '.'])
        && !reference.contains("..")
        && !reference.contains("//")
        && reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'));
    if !ref_ok {
        return Err(format!(
            "`{reference}` is not a commit sha, branch or tag name; {form}"
        ));
    }
    Ok(GithubRef {
        owner: owner.to_owned(),
        repo: repo.to_owned(),
        path: path.to_owned(),
        reference: reference.to_owned(),
    })
}

/// A problem found while merging, in the file that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) pos: Pos,
    pub(crate) key: String,
    pub(crate) message: String,
}

/// `over` (a file's tree) merged onto `base` (what it extends, merged already). Problems
/// are added to `problems`; the merge goes on past them.
pub(crate) fn merge(base: Node, over: Node, problems: &mut Vec<Problem>) -> Node {
    let file = over.pos.file;
    let mut removed = Vec::new();
    let mut at = Walk {
        schema: String::new(),
        shown: String::new(),
    };
    let mut tree = merge_node(base, over, &mut at, &mut removed, problems);
    drop_references(&mut tree, &removed, file);
    tree
}

/// Where the merge is: the path as the schema names it (`stages[].require`) and as
/// problems show it (`stages[1].require`).
struct Walk {
    schema: String,
    shown: String,
}

impl Walk {
    fn key(&self, key: &str) -> Walk {
        Walk {
            schema: join(&self.schema, key),
            shown: join(&self.shown, key),
        }
    }

    /// An item of a list, named as problems name it (`stages[full]`).
    fn item(&self, label: &str) -> Walk {
        Walk {
            schema: format!("{}[]", self.schema),
            shown: format!("{}[{label}]", self.shown),
        }
    }
}

/// The field that names the items of the list at `schema`, if it is a keyed list.
fn keyed_field(schema: &str) -> Option<&'static str> {
    KEYED_LISTS
        .iter()
        .find(|(path, _)| *path == schema)
        .map(|(_, field)| *field)
}

/// The name of a keyed list's item: its `field`, when that is a string.
fn item_name(item: &Node, field: &str) -> Option<String> {
    let Value::Map(entries) = &item.value else {
        return None;
    };
    entries.iter().find_map(|(k, v)| match &v.value {
        Value::Str(name) if k.name == field => Some(name.clone()),
        _ => None,
    })
}

/// How problems and `explain` name an item of a keyed list: by its name, else (no name
/// to go by) by its index.
pub(crate) fn item_label(name: Option<&str>, index: usize) -> String {
    match name {
        Some(name) if !name.trim().is_empty() => name.to_owned(),
        _ => index.to_string(),
    }
}

/// An id removed with `null`: which mapping (`requirements`) and the id.
type Removed = (String, String);

fn merge_node(
    base: Node,
    over: Node,
    at: &mut Walk,
    removed: &mut Vec<Removed>,
    problems: &mut Vec<Problem>,
) -> Node {
    let keyed = keyed_field(&at.schema);
    let value = match (base.value, over.value, keyed) {
        (Value::Map(base), Value::Map(over), _) => {
            Value::Map(merge_map(base, over, at, removed, problems))
        }
        (Value::Seq(base), Value::Seq(over), Some(field)) => {
            Value::Seq(merge_keyed(base, over, field, at, removed, problems))
        }
        (_, over, _) => over,
    };
    Node {
        pos: over.pos,
        value,
    }
}

fn merge_map(
    mut out: Vec<(Key, Node)>,
    over: Vec<(Key, Node)>,
    at: &mut Walk,
    removed: &mut Vec<Removed>,
    problems: &mut Vec<Problem>,
) -> Vec<(Key, Node)> {
    for (key, value) in over {
        let mut child = at.key(&key.name);
        let here = out.iter().position(|(k, _)| k.name == key.name);
        match (here, value.value == Value::Null) {
            (Some(i), true) => {
                let (_, gone) = out.remove(i);
                note_removal(&at.schema, &key.name, &gone, removed);
            }
            (None, true) => {
                let names: Vec<&str> = out.iter().map(|(k, _)| k.name.as_str()).collect();
                let hint = match closest(&key.name, &names) {
                    Some(near) => format!("; did you mean `{near}`?"),
                    None => String::new(),
                };
                problems.push(Problem {
                    pos: key.pos,
                    key: child.shown,
                    message: format!(
                        "is set to null, which removes a key, but nothing this file extends has it{hint}"
                    ),
                });
            }
            (Some(i), false) => {
                let (_, old) = out.remove(i);
                let merged = merge_node(old, value, &mut child, removed, problems);
                // The key as the extending file writes it: that is where a problem with
                // the merged value, or its origin, is shown.
                out.insert(i, (key, merged));
            }
            (None, false) => out.push((key, value)),
        }
    }
    out
}

/// Records the ids that removing `schema.key` removes: one id of a mapping of ids, or a
/// whole such mapping.
fn note_removal(schema: &str, key: &str, gone: &Node, removed: &mut Vec<Removed>) {
    let path = join(schema, key);
    for (ids, _) in REFERENCES {
        if *ids == schema {
            removed.push(((*ids).to_owned(), key.to_owned()));
        } else if *ids == path
            && let Value::Map(entries) = &gone.value
        {
            removed.extend(
                entries
                    .iter()
                    .map(|(k, _)| ((*ids).to_owned(), k.name.clone())),
            );
        }
    }
}

fn merge_keyed(
    mut out: Vec<Node>,
    over: Vec<Node>,
    field: &str,
    at: &mut Walk,
    removed: &mut Vec<Removed>,
    problems: &mut Vec<Problem>,
) -> Vec<Node> {
    let name_of = |node: &Node| item_name(node, field);
    let mut cursor = 0;
    let mut seen: Vec<String> = Vec::new();
    for (i, item) in over.into_iter().enumerate() {
        let name = name_of(&item);
        let mut child = at.item(&item_label(name.as_deref(), i));
        match name {
            Some(name) if seen.contains(&name) => problems.push(Problem {
                pos: item.pos,
                key: join(&child.shown, field),
                message: format!("`{name}` is listed twice; keep one"),
            }),
            Some(name) => {
                seen.push(name.clone());
                match out
                    .iter()
                    .position(|n| name_of(n).as_deref() == Some(&name))
                {
                    Some(j) => {
                        let old = std::mem::replace(&mut out[j], empty(0));
                        out[j] = merge_node(old, item, &mut child, removed, problems);
                        cursor = j + 1;
                    }
                    None => {
                        out.insert(cursor, item);
                        cursor += 1;
                    }
                }
            }
            // No name: kept as it is, for the validation to report.
            None => {
                out.insert(cursor, item);
                cursor += 1;
            }
        }
    }
    out
}

/// Removes references to removed ids from lists that the files extended wrote; a file
/// that removes an id and refers to it itself keeps its reference, which the validation
/// then reports as unknown, where it is written.
fn drop_references(tree: &mut Node, removed: &[Removed], file: FileId) {
    for (ids, refs) in REFERENCES {
        let gone: Vec<&str> = removed
            .iter()
            .filter(|(from, _)| from == ids)
            .map(|(_, id)| id.as_str())
            .collect();
        if gone.is_empty() {
            continue;
        }
        for path in *refs {
            let steps: Vec<&str> = path.split('.').collect();
            visit(tree, &steps, &mut |list: &mut Node| {
                let dropped = |n: &Node| {
                    n.pos.file != file
                        && matches!(&n.value, Value::Str(id) if gone.contains(&id.as_str()))
                };
                if dropped(list) {
                    // A lone id, which stands for a list of one.
                    list.value = Value::Seq(Vec::new());
                } else if let Value::Seq(items) = &mut list.value {
                    items.retain(|n| !dropped(n));
                }
            });
        }
    }
}

/// Calls `f` on every node at `steps` (`stages[]`, `require`) below `node`.
fn visit(node: &mut Node, steps: &[&str], f: &mut dyn FnMut(&mut Node)) {
    let Some((step, rest)) = steps.split_first() else {
        f(node);
        return;
    };
    let (key, every) = match step.strip_suffix("[]") {
        Some(key) => (key, true),
        None => (*step, false),
    };
    let Value::Map(entries) = &mut node.value else {
        return;
    };
    let Some((_, child)) = entries.iter_mut().find(|(k, _)| k.name == key) else {
        return;
    };
    if every {
        if let Value::Seq(items) = &mut child.value {
            for item in items {
                visit(item, rest, f);
            }
        }
    } else {
        visit(child, rest, f);
    }
}

/// Where each value of a merged tree comes from: `(key path, file, line)` for every
/// scalar and list, in the tree's order; items of keyed lists are named by their field
/// (`stages[full].require`).
pub(crate) fn provenance(tree: &Node) -> Vec<(String, FileId, u64)> {
    let mut out = Vec::new();
    walk_provenance(tree, "", "", None, &mut out);
    out
}

fn walk_provenance(
    node: &Node,
    schema: &str,
    shown: &str,
    key: Option<&Key>,
    out: &mut Vec<(String, FileId, u64)>,
) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                walk_provenance(
                    v,
                    &join(schema, &k.name),
                    &join(shown, &k.name),
                    Some(k),
                    out,
                );
            }
        }
        Value::Seq(items) if keyed_field(schema).is_some() => {
            let field = keyed_field(schema).unwrap_or_default();
            for (i, item) in items.iter().enumerate() {
                let name = item_label(item_name(item, field).as_deref(), i);
                walk_provenance(
                    item,
                    &format!("{schema}[]"),
                    &format!("{shown}[{name}]"),
                    None,
                    out,
                );
            }
        }
        _ => {
            // A value is where its key is written; an item without a key where it starts.
            let pos = key.map_or(node.pos, |k| k.pos);
            out.push((shown.to_owned(), pos.file, pos.line));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str, file: FileId) -> Node {
        crate::judge::yaml::parse(text).unwrap().in_file(file)
    }

    fn merged(base: &str, over: &str) -> (Node, Vec<Problem>) {
        let mut problems = Vec::new();
        let node = merge(tree(base, 1), tree(over, 0), &mut problems);
        (node, problems)
    }

    /// The merged tree back as flow-style text, positions left out.
    fn text(node: &Node) -> String {
        match &node.value {
            Value::Null => "~".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Str(s) => s.clone(),
            Value::Seq(items) => format!(
                "[{}]",
                items.iter().map(text).collect::<Vec<_>>().join(", ")
            ),
            Value::Map(entries) => format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!("{}: {}", k.name, text(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    #[test]
    fn maps_merge_by_key_and_lists_and_scalars_replace() {
        let (node, problems) = merged("a: {x: 1, y: [1, 2]}\nb: 2\n", "a: {y: [3], z: 4}\nc: 5\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(text(&node), "{a: {x: 1, y: [3], z: 4}, b: 2, c: 5}");
        // Each value says which file it came from.
        let Value::Map(top) = &node.value else {
            panic!()
        };
        let Value::Map(a) = &top[0].1.value else {
            panic!()
        };
        assert_eq!(a[0].1.pos.file, 1, "x from the base");
        assert_eq!(a[1].1.pos.file, 0, "y from the file extending it");
    }

    #[test]
    fn one_requirement_s_paths_change_only_that() {
        let (node, _) = merged(
            "requirements:\n  docs: {paths: [docs/**], trailers: [Docs]}\n  template: {trailers: [Template]}\n",
            "requirements:\n  docs:\n    paths: [site/**]\n",
        );
        assert_eq!(
            text(&node),
            "{requirements: {docs: {paths: [site/**], trailers: [Docs]}, template: {trailers: [Template]}}}"
        );
    }

    #[test]
    fn null_removes_a_requirement_and_every_stage_s_reference_to_it() {
        let base = "stages:\n  - {name: merge}\n  - {name: full, require: [docs, marketing], warn: marketing}\nrequirements:\n  docs: {trailers: [Docs]}\n  marketing: {labels: [m]}\n";
        let (node, problems) = merged(base, "requirements:\n  marketing: null\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            text(&node),
            "{stages: [{name: merge}, {name: full, require: [docs], warn: []}], requirements: {docs: {trailers: [Docs]}}}"
        );
        // The whole mapping at once.
        let (node, _) = merged(base, "requirements: ~\n");
        assert_eq!(
            text(&node),
            "{stages: [{name: merge}, {name: full, require: [], warn: []}]}"
        );
    }

    #[test]
    fn a_file_that_removes_an_id_and_names_it_keeps_its_own_reference() {
        let base = "stages:\n  - {name: full, require: [docs]}\nrequirements:\n  docs: {trailers: [Docs]}\n";
        let (node, _) = merged(
            base,
            "stages:\n  - {name: full, require: [docs]}\nrequirements:\n  docs: null\n",
        );
        assert_eq!(
            text(&node),
            "{stages: [{name: full, require: [docs]}], requirements: {}}"
        );
    }

    #[test]
    fn removing_what_is_not_there_is_a_located_problem() {
        let (_, problems) = merged(
            "requirements:\n  marketing: {labels: [m]}\n",
            "requirements:\n  markting: null\n",
        );
        assert_eq!(
            problems,
            [Problem {
                pos: Pos {
                    line: 2,
                    column: 3,
                    file: 0
                },
                key: "requirements.markting".into(),
                message: "is set to null, which removes a key, but nothing this file extends has it; did you mean `marketing`?".into(),
            }]
        );
    }

    #[test]
    fn stages_merge_by_name_and_new_ones_follow_their_neighbour() {
        let base = "stages:\n  - {name: merge}\n  - {name: beta, warn: [docs]}\n  - {name: full, require: [docs]}\n";
        let (node, problems) = merged(
            base,
            "stages:\n  - {name: beta, warn: [template]}\n  - {name: public-beta, require: [docs]}\n",
        );
        assert!(problems.is_empty());
        assert_eq!(
            text(&node),
            "{stages: [{name: merge}, {name: beta, warn: [template]}, {name: public-beta, require: [docs]}, {name: full, require: [docs]}]}"
        );
        let (node, _) = merged(base, "stages:\n  - {name: hotfix}\n");
        assert_eq!(
            text(&node),
            "{stages: [{name: hotfix}, {name: merge}, {name: beta, warn: [docs]}, {name: full, require: [docs]}]}",
            "listed first, it goes first"
        );
        let (_, problems) = merged(base, "stages:\n  - {name: full}\n  - {name: full}\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].key, "stages[full].name");
    }

    #[test]
    fn provenance_names_each_value_s_file_and_line() {
        let (node, _) = merged(
            "stages:\n  - name: full\n    require: [docs]\nrequirements:\n  docs:\n    trailers: [Docs]\n",
            "requirements:\n  docs:\n    paths: [site/**]\n",
        );
        assert_eq!(
            provenance(&node),
            [
                ("stages[full].name".to_owned(), 1, 2),
                ("stages[full].require".to_owned(), 1, 3),
                ("requirements.docs.trailers".to_owned(), 1, 6),
                ("requirements.docs.paths".to_owned(), 0, 3),
            ]
        );
    }

    #[test]
    fn extends_names_a_path_a_shared_policy_or_nothing() {
        assert_eq!(parent("none"), Ok(Parent::Nothing));
        assert_eq!(
            parent("policies/base.yml"),
            Ok(Parent::Repo("policies/base.yml".into()))
        );
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let Ok(Parent::Github(r)) = parent(&format!("github:acme/policies/ci/shipgate.yml@{sha}"))
        else {
            panic!()
        };
        assert_eq!(
            (r.repository().as_str(), r.path.as_str(), r.is_pinned()),
            ("acme/policies", "ci/shipgate.yml", true)
        );
        assert_eq!(
            r.to_string(),
            format!("github:acme/policies/ci/shipgate.yml@{sha}")
        );
        let Ok(Parent::Github(r)) = parent("github:acme/policies/shipgate.yml@release/2024") else {
            panic!()
        };
        assert!(!r.is_pinned());
        for bad in [
            "./base.yml",
            "/etc/passwd",
            "../x.yml",
            "github:acme/policies/shipgate.yml",
            "github:acme/shipgate.yml@main",
            "github:-acme/policies/x.yml@main",
            "github:acme/policies/x.yml@ma..in",
            "github:acme/policies/x.yml@",
            "github:acme/policies/../x.yml@main",
        ] {
            assert!(parent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_chain_names_its_files_and_finds_problems_in_each() {
        let mut chain = Chain::new();
        let parent = chain
            .add(
                ".shipgate.yml".into(),
                "extends: base.yml\nrequirements:\n  docs:\n    paths: [site/**]\n".into(),
            )
            .unwrap();
        assert_eq!(parent, Parent::Repo("base.yml".into()));
        let parent = chain
            .add(
                "base.yml".into(),
                "requirements:\n  docs:\n    trailers: [\"Dócs\"]\n".into(),
            )
            .unwrap();
        assert_eq!(parent, Parent::Builtin);
        let err = chain.finish(true).unwrap_err();
        assert_eq!(err.chain, [".shipgate.yml", "base.yml", "built-in"]);
        let lines: Vec<String> = err.errors.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "base.yml:3:16: `requirements.docs.trailers[0]`: `Dócs` cannot be a git trailer key: use ASCII letters, digits and `-`"
            ]
        );
    }
}
