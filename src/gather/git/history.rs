//! `base..head` and the merge-base of base and head, from one read of each commit.
//!
//! libgit2 answers these with two walks (`git_merge_base`, then a revwalk), each reading
//! and parsing every commit of the range again, and reading a message takes a third
//! read. Here each commit object is read once, its header parsed for parents and time
//! as libgit2 parses it, and both walks then run over those nodes exactly as libgit2
//! runs them: `limit_list` and `sort_in_topological_order` of revwalk.c for
//! `TOPOLOGICAL | TIME`, `paint_down_to_common` and `remove_redundant` of merge.c, on
//! a port of its binary heap (pqueue.c). So the commits come in the same order and the
//! same merge-base is picked, clock skew, ties and criss-cross merges included.
//!
//! That holds where libgit2 takes parents and times from the commit objects alone. Where
//! it does not, the answer is [`Fallback`], and the caller asks libgit2 itself: a
//! repository with a commit-graph file (libgit2 then takes parents and times from it,
//! and orders the merge-base walk by its generation numbers), grafts or a shallow list
//! (which replace parents), a commit whose header is not of the plain shape that both
//! parse alike, or an object that cannot be read (so libgit2 words the error).

use std::collections::{BinaryHeap, HashMap};

use git2::{ObjectType, Odb, Oid, Repository};

use parse::parse_commit;

mod parse;

/// This history is for libgit2 to walk; see the module's documentation.
#[derive(Debug)]
pub(super) struct Fallback;

/// The merge-base (when there is a base) and the commits of `base..head`, newest first,
/// each with what the change keeps of it.
pub(super) struct Range {
    pub(super) merge_base: Option<Oid>,
    pub(super) commits: Vec<(Oid, Kept)>,
    /// The trees of head and of the merge-base, by commit: the diff reads them next.
    pub(super) trees: Vec<(Oid, Oid)>,
}

/// What a listed commit keeps: its message (as `git2::Commit::message_bytes` gives it)
/// and its author's email (as `git2::Commit::author().email_bytes()` does).
pub(super) struct Kept {
    pub(super) message: Vec<u8>,
    pub(super) author_email: Vec<u8>,
}

/// Walks `base..head` (everything reachable from `head` without a base). Base and head
/// that share no history are a [`Fallback`]: libgit2 then says so in its own words.
pub(super) fn range(repo: &Repository, base: Option<Oid>, head: Oid) -> Result<Range, Fallback> {
    if !plain_history(repo) {
        return Err(Fallback);
    }
    let mut graph = Graph::new(repo.odb().map_err(|_| Fallback)?);
    let head = graph.lookup(head);
    let base = base.map(|base| graph.lookup(base));
    // The walk goes first: a commit it reads already marked as reachable from the base
    // can never be listed, so its message is not kept.
    let listed = graph.walk(base, head)?;
    graph.keep_messages = false;
    let merge_base = match base {
        Some(base) => Some(graph.merge_base(base, head)?.ok_or(Fallback)?),
        None => None,
    };
    let commits = listed
        .into_iter()
        .map(|n| {
            let node = &mut graph.nodes[n as usize];
            node.kept.take().map(|k| (node.oid, k)).ok_or(Fallback)
        })
        .collect::<Result<_, _>>()?;
    let trees = std::iter::once(head)
        .chain(merge_base)
        .map(|n| graph.node(n))
        .map(|node| (node.oid, node.tree))
        .collect();
    Ok(Range {
        merge_base: merge_base.map(|n| graph.nodes[n as usize].oid),
        commits,
        trees,
    })
}

/// Whether libgit2 reads this repository's parents and times from the commit objects:
/// no commit-graph file in its object folder, no grafts, not shallow.
fn plain_history(repo: &Repository) -> bool {
    let common = repo.commondir();
    !repo.is_shallow()
        && !common.join("objects/info/commit-graph").exists()
        && !common.join("info/grafts").exists()
}

/// What the walks need of a commit: revwalk.c's `git_commit_list_node`, with the flags of
/// both walks side by side.
struct Node {
    oid: Oid,
    /// The committer's time, as libgit2 parses it.
    time: i64,
    /// `parsed`: parents and time are known.
    parsed: bool,
    /// This node's parents are `parents[first..first + count]` of the graph.
    first: u32,
    count: u16,
    // The revwalk's flags.
    seen: bool,
    uninteresting: bool,
    added: bool,
    in_degree: u16,
    /// Entries of this node in the revwalk's date-ordered list.
    listed: u32,
    // The merge-base walk's flags (PARENT1, PARENT2, RESULT, STALE).
    flags: u8,
    /// Entries of this node in the merge-base walk's queue.
    queued: u32,
    kept: Option<Kept>,
    tree: Oid,
}

impl Node {
    /// A commit known by its id alone, before it is read.
    fn unread(oid: Oid) -> Node {
        Node {
            oid,
            time: 0,
            parsed: false,
            first: 0,
            count: 0,
            seen: false,
            uninteresting: false,
            added: false,
            in_degree: 0,
            listed: 0,
            flags: 0,
            queued: 0,
            kept: None,
            tree: Oid::ZERO_SHA1,
        }
    }
}

const PARENT1: u8 = 1 << 0;
const PARENT2: u8 = 1 << 1;
const RESULT: u8 = 1 << 2;
const STALE: u8 = 1 << 3;
const ALL_FLAGS: u8 = PARENT1 | PARENT2 | RESULT | STALE;

/// How many uninteresting commits `limit_list` looks at after it ran out of interesting
/// ones (`SLOP` in revwalk.c).
const SLOP: u32 = 5;

struct Graph<'r> {
    odb: Odb<'r>,
    ids: HashMap<Oid, u32>,
    nodes: Vec<Node>,
    parents: Vec<u32>,
    /// Whether a commit read now keeps its message (unless it is uninteresting already).
    keep_messages: bool,
    /// The revwalk's list (see [`Graph::walk`]): entries, and how many of them are of
    /// commits not (yet) uninteresting.
    list: BinaryHeap<(i64, std::cmp::Reverse<u64>, u32)>,
    inserted: u64,
    interesting_listed: usize,
    /// Entries of the merge-base walk's queue whose commit is not STALE.
    fresh_queued: usize,
}

impl<'r> Graph<'r> {
    fn new(odb: Odb<'r>) -> Self {
        Graph {
            odb,
            ids: HashMap::new(),
            nodes: Vec::new(),
            parents: Vec::new(),
            keep_messages: true,
            list: BinaryHeap::new(),
            inserted: 0,
            interesting_listed: 0,
            fresh_queued: 0,
        }
    }

    /// `git_revwalk__commit_lookup`: the node of `oid`, unparsed if new.
    fn lookup(&mut self, oid: Oid) -> u32 {
        let next = self.nodes.len() as u32;
        *self.ids.entry(oid).or_insert_with(|| {
            self.nodes.push(Node::unread(oid));
            next
        })
    }

    fn node(&self, n: u32) -> &Node {
        &self.nodes[n as usize]
    }

    fn node_mut(&mut self, n: u32) -> &mut Node {
        &mut self.nodes[n as usize]
    }

    /// The `i`th parent of `n`.
    fn parent(&self, n: u32, i: u16) -> u32 {
        self.parents[(self.node(n).first + u32::from(i)) as usize]
    }

    /// `git_commit_list_parse`: reads the commit once.
    fn parse(&mut self, n: u32) -> Result<(), Fallback> {
        if self.node(n).parsed {
            return Ok(());
        }
        let keep = self.keep_messages && !self.node(n).uninteresting;
        let (tree, parents, time, kept) = {
            let object = self.odb.read(self.node(n).oid).map_err(|_| Fallback)?;
            if object.kind() != ObjectType::Commit {
                return Err(Fallback);
            }
            let header = parse_commit(object.data()).ok_or(Fallback)?;
            let kept = keep.then(|| Kept {
                message: header.message.to_vec(),
                author_email: header.author_email.to_vec(),
            });
            (header.tree, header.parents, header.time, kept)
        };
        let first = self.parents.len() as u32;
        for parent in &parents {
            let p = self.lookup(*parent);
            self.parents.push(p);
        }
        let node = self.node_mut(n);
        node.time = time;
        node.tree = tree;
        node.first = first;
        node.count = u16::try_from(parents.len()).map_err(|_| Fallback)?;
        node.parsed = true;
        node.kept = kept;
        Ok(())
    }
}

/// The revwalk: `git_revwalk_push(head)`, `git_revwalk_hide(base)`, sorting
/// `TOPOLOGICAL | TIME`.
impl Graph<'_> {
    fn walk(&mut self, base: Option<u32>, head: u32) -> Result<Vec<u32>, Fallback> {
        // The user's input is a list that each push and hide puts in front.
        let mut input = vec![head];
        if let Some(base) = base {
            self.set_uninteresting(base);
            input.insert(0, base);
        }
        // prepare_walk
        let mut commits = Vec::new();
        for n in input {
            self.parse(n)?;
            if self.node(n).uninteresting {
                self.mark_parents_uninteresting(n);
            }
            if !self.node(n).seen {
                self.node_mut(n).seen = true;
                commits.push(n);
            }
        }
        let limited = self.limit_list(&commits)?;
        Ok(self
            .sort_in_topological_order(&limited)
            .into_iter()
            .filter(|&n| !self.node(n).uninteresting)
            .collect())
    }

    fn set_uninteresting(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        if !node.uninteresting {
            node.uninteresting = true;
            self.interesting_listed -= node.listed as usize;
        }
    }

    /// `git_commit_list_insert_by_date` into the list: after every entry at least as new.
    /// Once the list holds more than its first entry it is in that order throughout, so a
    /// heap on (time, order of insertion) pops what the list's head would be.
    fn push_listed(&mut self, n: u32) {
        let node = &mut self.nodes[n as usize];
        node.listed += 1;
        if !node.uninteresting {
            self.interesting_listed += 1;
        }
        self.list
            .push((node.time, std::cmp::Reverse(self.inserted), n));
        self.inserted += 1;
    }

    fn pop_listed(&mut self) -> Option<u32> {
        let (_, _, n) = self.list.pop()?;
        let node = &mut self.nodes[n as usize];
        node.listed -= 1;
        if !node.uninteresting {
            self.interesting_listed -= 1;
        }
        Some(n)
    }

    fn mark_parents_uninteresting(&mut self, commit: u32) {
        let mut stack: Vec<u32> = (0..self.node(commit).count)
            .map(|i| self.parent(commit, i))
            .collect();
        while let Some(next) = stack.pop() {
            let mut current = Some(next);
            while let Some(c) = current {
                if self.node(c).uninteresting {
                    break;
                }
                self.set_uninteresting(c);
                // A commit not read yet has no parents to mark.
                if !self.node(c).parsed {
                    break;
                }
                let count = self.node(c).count;
                stack.extend((0..count).map(|i| self.parent(c, i)));
                current = (count > 0).then(|| self.parent(c, 0));
            }
        }
    }

    fn add_parents_to_list(&mut self, commit: u32) -> Result<(), Fallback> {
        if self.node(commit).added {
            return Ok(());
        }
        self.node_mut(commit).added = true;
        let count = self.node(commit).count;
        if self.node(commit).uninteresting {
            for i in 0..count {
                let p = self.parent(commit, i);
                self.set_uninteresting(p);
                self.parse(p)?;
                self.mark_parents_uninteresting(p);
                self.node_mut(p).seen = true;
                self.push_listed(p);
            }
            return Ok(());
        }
        for i in 0..count {
            let p = self.parent(commit, i);
            self.parse(p)?;
            if !self.node(p).seen {
                self.node_mut(p).seen = true;
                self.push_listed(p);
            }
        }
        Ok(())
    }

    fn still_interesting(&self, time: i64, slop: u32) -> u32 {
        let Some(&(front, _, _)) = self.list.peek() else {
            return 0;
        };
        // revwalk.c also asks whether any entry is newer than `time`; the head of the
        // list is the newest, so that is the first test.
        if time <= front || self.interesting_listed > 0 {
            return SLOP;
        }
        slop - 1
    }

    fn limit_list(&mut self, commits: &[u32]) -> Result<Vec<u32>, Fallback> {
        let mut slop = SLOP;
        let mut time = i64::MAX;
        let mut newlist = Vec::new();
        // The first entry is taken before anything is inserted by date, whatever its
        // date; the others (head, after base) then form the list.
        let (&first, rest) = commits.split_first().ok_or(Fallback)?;
        for &n in rest {
            self.push_listed(n);
        }
        let mut next = Some(first);
        while let Some(commit) = next.take().or_else(|| self.pop_listed()) {
            self.add_parents_to_list(commit)?;
            if self.node(commit).uninteresting {
                self.mark_parents_uninteresting(commit);
                slop = self.still_interesting(time, slop);
                if slop > 0 {
                    continue;
                }
                break;
            }
            time = self.node(commit).time;
            newlist.push(commit);
        }
        // The rest of the list is dropped; its counts go with it.
        while self.pop_listed().is_some() {}
        Ok(newlist)
    }

    fn sort_in_topological_order(&mut self, list: &[u32]) -> Vec<u32> {
        for &n in list {
            self.node_mut(n).in_degree = 1;
        }
        for &n in list {
            for i in 0..self.node(n).count {
                let p = self.parent(n, i);
                let parent = self.node_mut(p);
                if parent.in_degree != 0 {
                    // A 16-bit counter in libgit2.
                    parent.in_degree = parent.in_degree.wrapping_add(1);
                }
            }
        }
        let mut queue = Pqueue::default();
        for &n in list {
            if self.node(n).in_degree == 1 {
                queue.insert(&self.nodes, n);
            }
        }
        let mut sorted = Vec::with_capacity(list.len());
        while let Some(next) = queue.pop(&self.nodes) {
            for i in 0..self.node(next).count {
                let p = self.parent(next, i);
                let parent = self.node_mut(p);
                if parent.in_degree == 0 {
                    continue;
                }
                parent.in_degree = parent.in_degree.wrapping_sub(1);
                if parent.in_degree == 1 {
                    queue.insert(&self.nodes, p);
                }
            }
            self.node_mut(next).in_degree = 0;
            sorted.push(next);
        }
        sorted
    }
}

/// `git_merge_base(one, two)`.
impl Graph<'_> {
    fn merge_base(&mut self, one: u32, two: u32) -> Result<Option<u32>, Fallback> {
        // git_merge__bases_many with a single `two`.
        if one == two {
            return Ok(Some(one));
        }
        self.parse(one)?;
        let painted = self.paint_down_to_common(one, &[two])?;
        // `result` was built by inserting in front; it is read from the front.
        let mut result = Vec::new();
        for &c in painted.iter().rev() {
            if self.node(c).flags & STALE == 0 {
                self.insert_by_date(&mut result, c);
            }
        }
        if result.len() > 1 {
            let mut candidates: Vec<Option<u32>> = result.drain(..).map(Some).collect();
            self.clear_commit_marks(one, ALL_FLAGS);
            self.clear_commit_marks_many(&[two], ALL_FLAGS);
            self.remove_redundant(&mut candidates)?;
            for c in candidates.into_iter().flatten() {
                self.insert_by_date(&mut result, c);
            }
        }
        Ok(result.first().copied())
    }

    /// `git_commit_list_insert_by_date` into a plain list.
    fn insert_by_date(&self, list: &mut Vec<u32>, n: u32) {
        let time = self.node(n).time;
        let at = list
            .iter()
            .position(|&p| self.node(p).time < time)
            .unwrap_or(list.len());
        list.insert(at, n);
    }

    fn add_flags(&mut self, n: u32, flags: u8) {
        let node = &mut self.nodes[n as usize];
        if node.flags & STALE == 0 && flags & STALE != 0 {
            self.fresh_queued -= node.queued as usize;
        }
        node.flags |= flags;
    }

    fn enqueue(&mut self, queue: &mut Pqueue, n: u32) {
        let node = &mut self.nodes[n as usize];
        node.queued += 1;
        if node.flags & STALE == 0 {
            self.fresh_queued += 1;
        }
        queue.insert(&self.nodes, n);
    }

    fn dequeue(&mut self, queue: &mut Pqueue) -> Option<u32> {
        let n = queue.pop(&self.nodes)?;
        let node = &mut self.nodes[n as usize];
        node.queued -= 1;
        if node.flags & STALE == 0 {
            self.fresh_queued -= 1;
        }
        Some(n)
    }

    /// The commits found in common, in the order they were found (merge.c builds its list
    /// by inserting each in front).
    fn paint_down_to_common(&mut self, one: u32, twos: &[u32]) -> Result<Vec<u32>, Fallback> {
        let mut queue = Pqueue::default();
        self.add_flags(one, PARENT1);
        self.enqueue(&mut queue, one);
        for &two in twos {
            self.parse(two)?;
            self.add_flags(two, PARENT2);
            self.enqueue(&mut queue, two);
        }
        let mut found = Vec::new();
        // `interesting`: as long as the queue holds a commit that is not STALE.
        while self.fresh_queued > 0 {
            let Some(commit) = self.dequeue(&mut queue) else {
                break;
            };
            let mut flags = self.node(commit).flags & (PARENT1 | PARENT2 | STALE);
            if flags == PARENT1 | PARENT2 {
                if self.node(commit).flags & RESULT == 0 {
                    self.node_mut(commit).flags |= RESULT;
                    found.push(commit);
                }
                // The parents of a merge-base are STALE.
                flags |= STALE;
            }
            for i in 0..self.node(commit).count {
                let p = self.parent(commit, i);
                if self.node(p).flags & flags == flags {
                    continue;
                }
                self.parse(p)?;
                self.add_flags(p, flags);
                self.enqueue(&mut queue, p);
            }
        }
        // What is left in the queue is dropped with it.
        while self.dequeue(&mut queue).is_some() {}
        Ok(found)
    }

    fn remove_redundant(&mut self, commits: &mut [Option<u32>]) -> Result<(), Fallback> {
        let all: Vec<u32> = commits.iter().flatten().copied().collect();
        for &c in &all {
            self.parse(c)?;
        }
        let mut redundant = vec![false; all.len()];
        for i in 0..all.len() {
            if redundant[i] {
                continue;
            }
            let (mut work, mut filled) = (Vec::new(), Vec::new());
            for j in 0..all.len() {
                if i != j && !redundant[j] {
                    filled.push(j);
                    work.push(all[j]);
                }
            }
            self.paint_down_to_common(all[i], &work)?;
            if self.node(all[i]).flags & PARENT2 != 0 {
                redundant[i] = true;
            }
            for (k, &w) in work.iter().enumerate() {
                if self.node(w).flags & PARENT1 != 0 {
                    redundant[filled[k]] = true;
                }
            }
            self.clear_commit_marks(all[i], ALL_FLAGS);
            self.clear_commit_marks_many(&work, ALL_FLAGS);
        }
        for (slot, redundant) in commits.iter_mut().zip(redundant) {
            if redundant {
                *slot = None;
            }
        }
        Ok(())
    }

    fn clear_commit_marks_1(&mut self, stack: &mut Vec<u32>, commit: u32, mark: u8) {
        let mut current = Some(commit);
        while let Some(c) = current {
            if self.node(c).flags & mark == 0 {
                return;
            }
            self.node_mut(c).flags &= !mark;
            let count = self.node(c).count;
            stack.extend((1..count).map(|i| self.parent(c, i)));
            current = (count > 0).then(|| self.parent(c, 0));
        }
    }

    fn clear_commit_marks(&mut self, commit: u32, mark: u8) {
        self.clear_commit_marks_many(&[commit], mark);
    }

    fn clear_commit_marks_many(&mut self, commits: &[u32], mark: u8) {
        let mut stack = commits.to_vec();
        while let Some(c) = stack.pop() {
            self.clear_commit_marks_1(&mut stack, c, mark);
        }
    }
}

/// libgit2's `git_pqueue` with `git_commit_list_time_cmp`: a binary heap, newest on top,
/// whose ties fall where its sift-up and sift-down leave them.
#[derive(Default)]
struct Pqueue {
    items: Vec<u32>,
}

impl Pqueue {
    /// `git_commit_list_time_cmp(a, b) > 0`: `a` comes after `b`.
    fn after(nodes: &[Node], a: u32, b: u32) -> bool {
        nodes[a as usize].time < nodes[b as usize].time
    }

    /// `git_commit_list_time_cmp(a, b) <= 0`.
    fn not_after(nodes: &[Node], a: u32, b: u32) -> bool {
        !Self::after(nodes, a, b)
    }

    fn insert(&mut self, nodes: &[Node], n: u32) {
        self.items.push(n);
        let mut el = self.items.len() - 1;
        let kid = n;
        while el > 0 {
            let parent_el = (el - 1) >> 1;
            let parent = self.items[parent_el];
            if Self::not_after(nodes, parent, kid) {
                break;
            }
            self.items[el] = parent;
            el = parent_el;
        }
        self.items[el] = kid;
    }

    fn pop(&mut self, nodes: &[Node]) -> Option<u32> {
        let top = *self.items.first()?;
        let last = self.items.pop()?;
        if !self.items.is_empty() {
            self.items[0] = last;
            self.down(nodes);
        }
        Some(top)
    }

    fn down(&mut self, nodes: &[Node]) {
        let mut el = 0;
        let parent = self.items[0];
        loop {
            let mut kid_el = (el << 1) + 1;
            let Some(&left) = self.items.get(kid_el) else {
                break;
            };
            let mut kid = left;
            if let Some(&right) = self.items.get(kid_el + 1)
                && Self::after(nodes, kid, right)
            {
                kid = right;
                kid_el += 1;
            }
            if Self::not_after(nodes, parent, kid) {
                break;
            }
            self.items[el] = kid;
            el = kid_el;
        }
        self.items[el] = parent;
    }
}

#[cfg(test)]
mod tests;
