//! The judgement: which stage a change is, what its stage requires and whether the
//! change carries it. Pure functions of an owned [`change::Change`] and a validated
//! [`policy::Policy`]; nothing here reads a file, the environment, the network or the
//! clock, so all of it is tested without a repository.

pub mod change;
pub mod manifest;
pub mod policy;
pub mod registry;
pub mod requirements;
pub mod stage;
pub mod trailers;
pub mod verdict;
pub mod yaml;
