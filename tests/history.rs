//! The range a change is judged over (`Repo::range_ids`: the merge-base and the commits
//! of `base..head`, newest first) against git itself, on a criss-crossed history: read
//! once by shipgate where libgit2 would read the commit objects, and by libgit2 where a
//! commit-graph file or a shallow clone changes what it reads.

mod common;

use std::path::Path;

use common::Repo;
use git2::Oid;

/// main and topic each merge the other's first commit, so main and topic have two
/// merge-bases, neither of which contains the other: a criss-cross. Every commit is a
/// minute after the last.
fn criss_cross() -> Repo {
    let repo = Repo::new();
    repo.write("a.txt", "a\n");
    repo.commit("root");
    repo.git(&["branch", "topic"]);
    repo.write("a.txt", "a\nmain 1\n");
    let main_1 = repo.commit("main 1");
    repo.git(&["checkout", "-q", "topic"]);
    repo.write("b.txt", "topic 1\n");
    let topic_1 = repo.commit("topic 1");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", &topic_1]);
    repo.commit("merge topic 1");
    repo.git(&["checkout", "-q", "topic"]);
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", &main_1]);
    repo.commit("merge main 1");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("a.txt", "a\nmain 3\n");
    repo.commit("main 3");
    repo.git(&["checkout", "-q", "topic"]);
    repo.write("c.txt", "topic 3\n");
    repo.commit("topic 3");
    repo
}

/// What git says: `git merge-base` and `git rev-list --date-order` (every commit here has
/// its own time, so the order has no ties to break).
fn git_range(repo: &Repo, dir: &Path, base: &str, head: &str) -> (Oid, Vec<Oid>) {
    let merge_base = repo.git_in(dir, &["merge-base", base, head]);
    let list = repo.git_in(
        dir,
        &["rev-list", "--date-order", &format!("{base}..{head}")],
    );
    (
        Oid::from_str(&merge_base).unwrap(),
        list.lines().map(|l| Oid::from_str(l).unwrap()).collect(),
    )
}

fn shipgate_range(dir: &Path, base: &str, head: &str) -> (Oid, Vec<Oid>) {
    let raw = git2::Repository::open(dir).unwrap();
    let id = |rev: &str| {
        raw.revparse_single(rev)
            .unwrap()
            .peel_to_commit()
            .unwrap()
            .id()
    };
    let repo = shipgate::gather::git::Repo::open(dir).unwrap();
    let (merge_base, commits) = repo.range_ids(Some(id(base)), id(head)).unwrap();
    (merge_base.expect("a merge-base"), commits)
}

fn assert_same_as_git(repo: &Repo, dir: &Path) {
    for (base, head) in [("main", "topic"), ("topic", "main"), ("main~1", "topic")] {
        let expected = git_range(repo, dir, base, head);
        assert!(!expected.1.is_empty());
        assert_eq!(shipgate_range(dir, base, head), expected, "{base}..{head}");
    }
}

#[test]
fn criss_cross_range_is_gits() {
    let repo = criss_cross();
    // Two merge-bases: git and shipgate pick the same one.
    let bases = repo.git(&["merge-base", "--all", "main", "topic"]);
    assert_eq!(bases.lines().count(), 2);
    assert_same_as_git(&repo, repo.path());
}

#[test]
fn with_a_commit_graph_the_range_is_still_gits() {
    let repo = criss_cross();
    repo.git(&["commit-graph", "write", "--reachable"]);
    assert!(repo.path().join(".git/objects/info/commit-graph").is_file());
    assert_same_as_git(&repo, repo.path());
}

#[test]
fn in_a_deep_enough_shallow_clone_the_range_is_still_gits() {
    let repo = criss_cross();
    let clone = tempfile::TempDir::new().unwrap();
    let url = format!("file://{}", repo.path().display());
    let dest = clone.path().join("c");
    let dest_arg = dest.to_str().unwrap();
    repo.git(&[
        "clone",
        "-q",
        "--no-single-branch",
        "--depth",
        "4",
        &url,
        dest_arg,
    ]);
    assert!(dest.join(".git/shallow").is_file());
    let (base, head) = ("origin/main", "origin/topic");
    let expected = git_range(&repo, &dest, base, head);
    assert_eq!(shipgate_range(&dest, base, head), expected);
}
