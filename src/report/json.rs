//! `--format json`: the report as one JSON document (SPEC §8), and the document that
//! takes its place when shipgate could not decide (exit 2). Written by
//! [`crate::report::output::json`], so untrusted text stays data and nothing invisible is written
//! raw.

use serde::Serialize;

use crate::error::Code;
use crate::judge::verdict::Report;

pub(crate) fn render(report: &Report) -> String {
    crate::report::output::json::to_string(report)
}

/// `{"schema": 1, "verdict": "error", "error": {"code": "<kebab-case>", "message": "…"}}`:
/// what stdout holds on exit 2, so that a reader of the report always gets JSON.
pub(crate) fn render_error(code: Code, message: &str) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        schema: u32,
        verdict: &'static str,
        error: Error<'a>,
    }
    #[derive(Serialize)]
    struct Error<'a> {
        code: Code,
        message: &'a str,
    }
    crate::report::output::json::to_string(&Document {
        schema: 1,
        verdict: "error",
        error: Error { code, message },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_document() {
        assert_eq!(
            render_error(
                Code::BadPolicy,
                "p.yml:1:1: `x`: unknown key\n  and \u{200b}"
            ),
            "{\n  \"schema\": 1,\n  \"verdict\": \"error\",\n  \"error\": {\n    \"code\": \"bad-policy\",\n    \
             \"message\": \"p.yml:1:1: `x`: unknown key\\n  and \\u200b\"\n  }\n}\n"
        );
    }
}
