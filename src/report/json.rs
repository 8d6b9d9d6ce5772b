//! `--format json`: the report as one JSON document (SPEC §8). Written by
//! [`crate::output::json`], so untrusted text stays data and nothing invisible is written
//! raw.

use super::Report;

pub fn render(report: &Report) -> String {
    crate::output::json::to_string(report)
}
