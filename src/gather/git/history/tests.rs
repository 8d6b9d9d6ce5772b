use super::*;

#[test]
fn the_heap_pops_newest_first_and_breaks_ties_as_libgit2_does() {
    let node = |time| Node {
        time,
        parsed: true,
        ..Node::unread(Oid::ZERO_SHA1)
    };
    let nodes: Vec<Node> = [5, 7, 5, 9, 5, 7].into_iter().map(node).collect();
    let mut queue = Pqueue::default();
    for n in 0..nodes.len() as u32 {
        queue.insert(&nodes, n);
    }
    let order: Vec<u32> = std::iter::from_fn(|| queue.pop(&nodes)).collect();
    // Where pqueue.c's sift-up and sift-down leave them: equal times do not come out
    // in insertion order.
    assert_eq!(order, [3, 1, 5, 0, 4, 2]);
}

/// Random histories against libgit2 itself: the merge-base and the commit list of the
/// one-read walk must be libgit2's, order included.
mod against_libgit2 {
    use git2::{Repository, Sort};
    use proptest::prelude::*;
    use proptest::test_runner::RngSeed;
    use tempfile::TempDir;

    use super::super::range;
    use super::*;

    /// One commit: its parents (indices of earlier commits) and its committer time.
    #[derive(Debug, Clone)]
    struct Spec {
        parents: Vec<usize>,
        time: i64,
    }

    /// Up to 40 commits, each with up to three parents among the earlier ones (now and
    /// then the same twice), on a few roots, at times drawn from a handful of values so
    /// that ties and children older than their parents are common.
    fn history() -> impl Strategy<Value = Vec<Spec>> {
        (2usize..40).prop_flat_map(|n| {
            proptest::collection::vec(
                (
                    proptest::collection::vec(any::<prop::sample::Index>(), 1..4),
                    0i64..6,
                    0u8..10,
                ),
                n,
            )
            .prop_map(|commits| {
                commits
                    .into_iter()
                    .enumerate()
                    .map(|(i, (picks, tick, roll))| {
                        // Half the commits have one parent, a few are roots, the rest
                        // merges, so that criss-crossed histories are frequent.
                        let wanted = match (i, roll) {
                            (0, _) | (_, 0) => 0,
                            (_, 1..=5) => 1,
                            _ => picks.len(),
                        };
                        Spec {
                            parents: picks.iter().take(wanted).map(|p| p.index(i)).collect(),
                            time: 1_700_000_000 + tick * 60,
                        }
                    })
                    .collect()
            })
        })
    }

    /// Writes the commits as raw objects (so times and parents are exactly as drawn)
    /// and returns their ids.
    fn write(repo: &Repository, specs: &[Spec]) -> Vec<Oid> {
        let odb = repo.odb().unwrap();
        let mut ids: Vec<Oid> = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            // A tree of its own for each commit, so that a commit's tree tells which it is.
            let blob = repo.blob(i.to_string().as_bytes()).unwrap();
            let mut builder = repo.treebuilder(None).unwrap();
            builder.insert("f", blob, 0o100_644).unwrap();
            let tree = builder.write().unwrap();
            let mut text = format!("tree {tree}\n");
            for &p in &spec.parents {
                text.push_str(&format!("parent {}\n", ids[p]));
            }
            text.push_str(&format!(
                "author A <a@example.com> {} +0000\ncommitter C <c@example.com> {} +0000\n\n\
                 commit {i}\n\nRelease: {i}\n",
                spec.time - 30,
                spec.time
            ));
            ids.push(
                odb.write(git2::ObjectType::Commit, text.as_bytes())
                    .unwrap(),
            );
        }
        ids
    }

    fn libgit2_walk(repo: &Repository, base: Option<Oid>, head: Oid) -> Vec<Oid> {
        let mut walk = repo.revwalk().unwrap();
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME).unwrap();
        walk.push(head).unwrap();
        if let Some(base) = base {
            walk.hide(base).unwrap();
        }
        walk.map(Result::unwrap).collect()
    }

    fn check(repo: &Repository, base: Option<Oid>, head: Oid) -> Result<(), TestCaseError> {
        let expected_base = base.map(|base| repo.merge_base(base, head).ok());
        let ours = range(repo, base, head);
        if expected_base == Some(None) {
            // Unrelated histories: libgit2 words that error.
            prop_assert!(ours.is_err());
            return Ok(());
        }
        let ours = ours.expect("a plain history is walked without libgit2");
        prop_assert_eq!(ours.merge_base, expected_base.flatten());
        let listed: Vec<Oid> = ours.commits.iter().map(|(oid, _)| *oid).collect();
        prop_assert_eq!(listed, libgit2_walk(repo, base, head));
        for (oid, kept) in &ours.commits {
            let commit = repo.find_commit(*oid).unwrap();
            prop_assert_eq!(kept.message.as_slice(), commit.message_bytes());
            let author = commit.author();
            prop_assert_eq!(kept.author_email.as_slice(), author.email_bytes());
        }
        for (commit, tree) in &ours.trees {
            prop_assert_eq!(*tree, repo.find_commit(*commit).unwrap().tree_id());
        }
        let mut with_trees = vec![head];
        with_trees.extend(ours.merge_base);
        let listed: Vec<Oid> = ours.trees.iter().map(|(commit, _)| *commit).collect();
        prop_assert_eq!(listed, with_trees);
        Ok(())
    }

    #[test]
    fn a_common_ancestor_reached_first_through_skewed_time_is_not_the_merge_base() {
        // y <- z <- x, and a and b both merge x and y. y's clock is ahead, so the
        // merge-base walk finds y before x and stops before it learns that y is below x:
        // only remove_redundant drops y.
        let specs = [
            (vec![], 100),
            (vec![0], 40),
            (vec![1], 50),
            (vec![2, 0], 200),
            (vec![2, 0], 200),
        ]
        .map(|(parents, minute)| Spec {
            parents,
            time: 1_700_000_000 + minute * 60,
        });
        let dir = TempDir::new().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let ids = write(&repo, &specs);
        assert_eq!(repo.merge_bases(ids[3], ids[4]).unwrap().len(), 1);
        assert_eq!(
            range(&repo, Some(ids[3]), ids[4]).unwrap().merge_base,
            Some(ids[2])
        );
        check(&repo, Some(ids[3]), ids[4]).unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 300,
            rng_seed: RngSeed::Fixed(0x005e_ed0f_1157),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn same_merge_base_and_commits_as_libgit2(
            specs in history(),
            ends in proptest::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), any::<bool>()), 1..6),
        ) {
            let dir = TempDir::new().unwrap();
            let repo = Repository::init_bare(dir.path()).unwrap();
            let ids = write(&repo, &specs);
            for (b, h, whole) in ends {
                let (base, head) = (ids[b.index(ids.len())], ids[h.index(ids.len())]);
                let base = (!whole).then_some(base);
                check(&repo, base, head)?;
            }
        }
    }
}
