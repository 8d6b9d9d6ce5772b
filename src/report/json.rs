//! `--format json`: the report as one JSON document (SPEC §8). serde_json escapes every
//! control character, so untrusted text stays data.

use super::Report;

pub fn render(report: &Report) -> String {
    let mut out = serde_json::to_string_pretty(report).expect("a report always serialises");
    out.push('\n');
    out
}
