//! The order of a history: which of some commits came first, for `shipgate audit`, which
//! lists a repository's releases oldest first, in one walk over the history.

use std::collections::{HashMap, HashSet};

use anyhow::{Context as _, Result};
use git2::{Oid, Sort};

use super::{Repo, short};

impl Repo {
    /// The place of each of `commits` in the history that leads to them, oldest first, as
    /// `git log --topo-order --reverse` lists it (a commit after every commit it comes
    /// from; commits on parallel lines by their dates): one walk, whatever the number of
    /// commits. A commit that `hidden` reaches (itself included) has no place, as in
    /// `git log <hidden>..`.
    pub(crate) fn history_order(
        &self,
        commits: &[Oid],
        hidden: Option<Oid>,
    ) -> Result<HashMap<Oid, usize>> {
        let context = || "could not walk the history of the release tags".to_owned();
        let mut walk = self.repo.revwalk().with_context(context)?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)
            .with_context(context)?;
        for &commit in commits {
            walk.push(commit)
                .with_context(|| format!("could not walk the history of {}", short(commit)))?;
        }
        if let Some(hidden) = hidden {
            walk.hide(hidden)
                .with_context(|| format!("could not walk the history of {}", short(hidden)))?;
        }
        let wanted: HashSet<Oid> = commits.iter().copied().collect();
        let mut order = HashMap::with_capacity(wanted.len());
        for (place, oid) in walk.enumerate() {
            let oid = oid.with_context(context)?;
            if wanted.contains(&oid) {
                order.insert(oid, place);
            }
        }
        Ok(order)
    }
}
