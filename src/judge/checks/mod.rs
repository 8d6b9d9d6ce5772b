//! The handbook's small rules as checks (SPEC §16).

pub(crate) mod lines;
