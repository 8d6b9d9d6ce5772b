//! The heads-up to Marketing (SPEC §17) as a Slack message: Block Kit for an incoming
//! webhook, `{"text": ..., "blocks": [...]}`, the `text` being what a notification shows.
//!
//! Titles, branch names and hints come from the change, so every piece of text is escaped
//! for Slack's mrkdwn as Slack asks (`&`, `<`, `>`): none can open a link, mention a
//! channel (`<!channel>`) or a person (`<@U123>`).

use serde_json::{Value, json};

use crate::judge::verdict::{Report, RequirementResult, Status};

/// The requirement whose absence the heads-up is about.
pub(crate) const MARKETING: &str = "marketing";

/// The change as the heads-up names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Change {
    /// `acme/app#17 Onboarding v2`, or a branch or commit outside a pull request.
    pub(crate) name: String,
    /// Where a reader opens it, if the run knows.
    pub(crate) link: Option<String>,
}

/// The marketing requirement, when a stage judges it and the change lacks it: the only
/// case that warrants a heads-up (a merge judges no marketing requirement). The root
/// package's first, then any other package's; the message names the report's stage.
pub(crate) fn missing_marketing(report: &Report) -> Option<&RequirementResult> {
    std::iter::once(&report.requirements)
        .chain(report.packages.iter().map(|p| &p.requirements))
        .flatten()
        .find(|r| r.id == MARKETING && r.status == Status::Missing)
}

/// `&`, `<` and `>` as Slack's entities: what is left is plain text to Slack.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // One line per field: a line break from a title would only look odd.
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Slack cuts a section's text at 3,000 characters; a title is never worth that much.
fn capped(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// The message for `change` at `report`'s stage, `missing` being the marketing
/// requirement as the report has it.
pub(crate) fn payload(report: &Report, change: &Change, missing: &RequirementResult) -> Value {
    let name = escape(&capped(&change.name, 200));
    let stage = escape(&report.stage);
    let description = escape(&capped(&report.stage_description, 100));
    let named = match &change.link {
        // The URL is the run's own (server, repository, number), but `|` and `>` would
        // still end it early.
        Some(link) if !link.contains(['|', '>', '<', ' ']) => format!("<{}|{name}>", escape(link)),
        _ => name.clone(),
    };
    let hint = missing
        .hint
        .as_deref()
        .map(|h| escape(&capped(h, 500)))
        .unwrap_or_default();
    let level = match missing.level {
        crate::judge::verdict::Level::Required => "required, so it blocks",
        crate::judge::verdict::Level::Warn => "warned about",
    };
    let text = format!(
        "Heads-up for Marketing: {name} is judged {stage} ({description}), and Marketing has \
         not been told ({MARKETING} is missing)"
    );
    let mut blocks = vec![
        json!({
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": format!(
                    "*Heads-up for Marketing:* {named} is judged *{stage}* ({description}), \
                     and nothing shows that Marketing has been told."
                ),
            }
        }),
        json!({
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": format!("*Stage*\n{stage}")},
                {"type": "mrkdwn", "text": format!("*Missing*\n{MARKETING} ({level})")},
            ]
        }),
    ];
    if !hint.is_empty() {
        blocks.push(json!({
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": format!("To satisfy it: {hint}")}]
        }));
    }
    json!({"text": text, "blocks": blocks})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::policy::Policy;
    use crate::judge::verdict::Level;

    fn report(stage: &str) -> Report {
        let policy = Policy::builtin();
        let change = crate::judge::change::Change {
            forced_stage: Some(stage.to_owned()),
            ..Default::default()
        };
        let class = crate::judge::stage::classify(&change, &policy).unwrap();
        crate::judge::requirements::evaluate(&change, &class, &policy)
    }

    #[test]
    fn only_a_missing_marketing_requirement_wants_a_heads_up() {
        assert!(missing_marketing(&report("merge")).is_none());
        assert_eq!(
            missing_marketing(&report("beta")).unwrap().level,
            Level::Warn
        );
        assert_eq!(
            missing_marketing(&report("full")).unwrap().level,
            Level::Required
        );
        // A package released while the root package merges.
        let full = report("full");
        let mut merge = report("merge");
        merge.packages.push(crate::judge::verdict::PackageReport {
            name: "web".into(),
            path: "packages/web".into(),
            stage: "full".into(),
            stage_description: String::new(),
            stage_signals: Vec::new(),
            other_signals: Vec::new(),
            range: full.range.clone(),
            requirements: full.requirements.clone(),
            verdict: full.verdict,
        });
        assert_eq!(missing_marketing(&merge).unwrap().id, "marketing");
    }

    #[test]
    fn untrusted_text_cannot_link_or_mention() {
        assert_eq!(
            escape("<!channel> & <https://evil.example|click> <@U1>\nx"),
            "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; &lt;@U1&gt; x"
        );
    }

    #[test]
    fn the_message_names_the_change_its_stage_its_link_and_what_is_missing() {
        let mut r = report("full");
        r.stage_description = "a full release".into();
        let missing = RequirementResult {
            id: "marketing".into(),
            description: "Marketing notified".into(),
            level: Level::Required,
            status: Status::Missing,
            evidence: Vec::new(),
            hint: Some("add the label `marketing-notified`".into()),
        };
        let change = Change {
            name: "acme/app#17 <!here> Onboarding & more".into(),
            link: Some("https://github.com/acme/app/pull/17".into()),
        };
        let p = payload(&r, &change, &missing);
        assert_eq!(
            p["text"],
            "Heads-up for Marketing: acme/app#17 &lt;!here&gt; Onboarding &amp; more is judged full (a full release), and Marketing has not been told (marketing is missing)"
        );
        assert_eq!(
            p["blocks"][0]["text"]["text"],
            "*Heads-up for Marketing:* <https://github.com/acme/app/pull/17|acme/app#17 &lt;!here&gt; Onboarding &amp; more> is judged *full* (a full release), and nothing shows that Marketing has been told."
        );
        assert_eq!(
            p["blocks"][1]["fields"][1]["text"],
            "*Missing*\nmarketing (required, so it blocks)"
        );
        assert_eq!(
            p["blocks"][2]["elements"][0]["text"],
            "To satisfy it: add the label `marketing-notified`"
        );
        // A link that could end the angle brackets early is left out.
        let odd = Change {
            name: "x".into(),
            link: Some("https://h/a|b>".into()),
        };
        assert!(
            payload(&r, &odd, &missing)["blocks"][0]["text"]["text"]
                .as_str()
                .unwrap()
                .starts_with("*Heads-up for Marketing:* x is judged")
        );
    }
}
