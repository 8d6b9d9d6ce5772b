//! The judgement: which stage a change is, what its stage requires and whether the
//! change carries it. Pure functions of an owned [`change::Change`] and a validated
//! [`policy::Policy`]; nothing here reads a file, the environment, the network or the
//! clock, so all of it is tested without a repository.

pub(crate) mod change;
pub(crate) mod checks;
pub(crate) mod manifest;
pub(crate) mod mentions;
pub(crate) mod packages;
pub(crate) mod policy;
pub(crate) mod registry;
pub(crate) mod requirements;
pub mod stage;
pub(crate) mod trailers;
pub mod verdict;
pub(crate) mod yaml;
