//! A Slack incoming webhook, for the heads-up to Marketing (SPEC §17): one POST of a Block
//! Kit message over the shared transport, sent once (a write is never retried).
//!
//! The webhook's URL is the secret: anyone who has it can post to the channel. So it never
//! appears in a message, not even its path: the transport's errors name the request by its
//! path, and each is rewritten here before it leaves. Slack answers `ok` (200), or a short
//! code as plain text: 400 `invalid_payload`, 403 `invalid_token`, 404 `no_service`, 410
//! `channel_is_archived`, 429 and 5xx when it cannot take the message now.

use std::time::Duration;

use anyhow::Result;
use reqwest::{Method, StatusCode, Url};
use serde_json::Value;

use super::env::Env;
use super::http::{self, Service, Transport};
use super::secret::Secret;
use crate::judge::policy::SLACK_WEBHOOK_VAR;

static SLACK: Service = Service {
    name: "Slack webhook",
    speaker: "Slack",
    url_setting: "the Slack webhook",
    example_url: "https://hooks.slack.com/services/…",
    headers: &[],
    said: slack_message,
    check: "check the Slack webhook (the `slack-webhook` input, SHIPGATE_SLACK_WEBHOOK, or the \
        variable that notify.slack-webhook names)",
    moved: "use the webhook URL that Slack shows for the app",
    trouble: "Slack may be having trouble (see slack-status.com)",
    rate_limited: "Slack limits a webhook to about one message a second",
    wants_token: "check the Slack webhook",
    forbidden: "Slack refused the webhook (revoked, or its app removed); create a new one",
};

/// Slack's answer is a code in plain text (`invalid_payload`); anything longer is not
/// Slack's words.
fn slack_message(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim();
    (!text.is_empty()
        && text.len() <= 100
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    .then(|| text.to_owned())
}

/// The webhook and where it came from: the Action's `slack-webhook` input, then
/// [`SLACK_WEBHOOK_VAR`], then the variable the policy names.
pub(crate) fn webhook(env: &Env, policy_var: Option<&str>) -> Result<Option<(Secret, String)>> {
    let mut names: Vec<String> = vec![
        "INPUT_SLACK-WEBHOOK".to_owned(),
        "INPUT_SLACK_WEBHOOK".to_owned(),
        SLACK_WEBHOOK_VAR.to_owned(),
    ];
    names.extend(policy_var.map(str::to_owned));
    for name in names {
        if let Some(value) = env.get(&name)?.map(str::trim).filter(|v| !v.is_empty()) {
            let from = match name.as_str() {
                "INPUT_SLACK-WEBHOOK" | "INPUT_SLACK_WEBHOOK" => {
                    "the `slack-webhook` input".to_owned()
                }
                other => other.to_owned(),
            };
            return Ok(Some((Secret::new(value), from)));
        }
    }
    Ok(None)
}

/// Posts `payload` to `webhook` (from `from`, for messages), once. `Err` is a warning's
/// text, which holds neither the URL nor any part of its path.
pub(crate) fn post(
    webhook: &Secret,
    from: &str,
    payload: &Value,
    config: http::Config,
) -> std::result::Result<(), String> {
    let url = parse(webhook.expose())
        .ok_or_else(|| format!("the Slack webhook from {from} is not an http(s) URL; check it"))?;
    let hide = |text: String| {
        let mut text = text.replace(webhook.expose(), "<webhook>");
        if url.path().len() > 1 {
            text = text.replace(url.path(), "<webhook>");
        }
        text
    };
    // The transport's base is the webhook's origin; the path is only in the request.
    let mut origin = url.clone();
    origin.set_path("");
    let base = http::parse_base(&SLACK, origin.as_str()).map_err(|e| hide(format!("{e:#}")))?;
    let transport =
        Transport::new(&SLACK, base, None, config).map_err(|e| hide(format!("{e:#}")))?;
    let body = serde_json::to_vec(payload).map_err(|e| e.to_string())?;
    let answer = transport
        .write(Method::POST, &url, "text/plain", body, 64 << 10)
        .map_err(|e| hide(format!("{e}")))?;
    let said = String::from_utf8_lossy(&answer.body).trim().to_owned();
    if answer.status == StatusCode::NOT_FOUND {
        return Err(format!(
            "Slack answered 404 ({}) to the webhook from {from}: the webhook no longer exists; \
             create a new one",
            slack_message(&answer.body).unwrap_or_else(|| "no_service".to_owned())
        ));
    }
    if said != "ok" {
        return Err(format!(
            "Slack answered {} to the webhook from {from} without its `ok`; the message may \
             not have arrived",
            answer.status.as_u16()
        ));
    }
    Ok(())
}

/// An http(s) URL with a host and a path, and nothing that would make it another request.
fn parse(text: &str) -> Option<Url> {
    let url = Url::parse(text).ok()?;
    let ok = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    ok.then_some(url)
}

/// How long a post may take: one request, no retries.
pub(crate) const POST_TIMEOUT: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slack_codes_are_its_words_and_nothing_else_is() {
        assert_eq!(
            slack_message(b"invalid_payload\n").as_deref(),
            Some("invalid_payload")
        );
        assert_eq!(slack_message(b"<html>oops</html>"), None);
        assert_eq!(slack_message(b""), None);
    }

    #[test]
    fn the_webhook_comes_from_the_input_then_the_variables() {
        let env = Env::from_pairs([
            ("INPUT_SLACK-WEBHOOK", "https://hooks.example/a"),
            (SLACK_WEBHOOK_VAR, "https://hooks.example/b"),
            ("TEAM_HOOK", "https://hooks.example/c"),
        ]);
        let (hook, from) = webhook(&env, Some("TEAM_HOOK")).unwrap().unwrap();
        assert_eq!(
            (hook.expose(), from.as_str()),
            ("https://hooks.example/a", "the `slack-webhook` input")
        );
        let env = Env::from_pairs([("TEAM_HOOK", "https://hooks.example/c")]);
        let (hook, from) = webhook(&env, Some("TEAM_HOOK")).unwrap().unwrap();
        assert_eq!(
            (hook.expose(), from.as_str()),
            ("https://hooks.example/c", "TEAM_HOOK")
        );
        assert!(webhook(&env, None).unwrap().is_none());
    }

    #[test]
    fn a_webhook_that_does_not_answer_is_one_try_and_keeps_its_path() {
        // A server that takes the connection and never answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let held = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            std::thread::sleep(Duration::from_millis(800));
            drop(stream);
        });
        let config = http::Config {
            deadline: http::Deadline::new(Duration::from_secs(5)),
            request_timeout: Duration::from_millis(200),
            sleep: http::real_sleep(),
        };
        let secret = Secret::new(format!("http://127.0.0.1:{port}/services/T0/B0/CANARYslow"));
        let err = post(&secret, "SHIPGATE_SLACK_WEBHOOK", &Value::Null, config).unwrap_err();
        held.join().unwrap();
        assert_eq!(
            err,
            "Slack webhook POST <webhook>: no answer within 0.2 s; not retried, since the write may have happened; re-run the job"
        );
    }

    #[test]
    fn a_webhook_that_is_no_url_is_refused_without_being_quoted() {
        let config = http::Config {
            deadline: http::Deadline::new(Duration::from_secs(1)),
            request_timeout: Duration::from_secs(1),
            sleep: http::real_sleep(),
        };
        let secret = Secret::new("hooks.example/services/CANARY");
        let err = post(&secret, "SHIPGATE_SLACK_WEBHOOK", &Value::Null, config).unwrap_err();
        assert_eq!(
            err,
            "the Slack webhook from SHIPGATE_SLACK_WEBHOOK is not an http(s) URL; check it"
        );
    }
}
