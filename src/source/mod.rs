//! The edges that fill a [`crate::change::Change`]: git today; the CI event and the
//! GitHub API build on the same model.

pub mod git;
pub mod renames;
