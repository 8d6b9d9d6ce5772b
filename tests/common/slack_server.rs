//! A stand-in for a Slack incoming webhook on `127.0.0.1`, answering as Slack does: `ok`
//! as plain text with 200, or a code as plain text: 400 `invalid_payload`, 403
//! `invalid_token`, 404 `no_service`, 410 `channel_is_archived`, 429 with `retry-after`,
//! 500. It is the GitHub stand-in's server (tests/common/github_server.rs) with Slack's
//! replies.
//!
//! ```ignore
//! let slack = SlackServer::start();
//! let url = slack.webhook(); // http://127.0.0.1:PORT/services/T0/B0/<canary>
//! assert_eq!(slack.posts().len(), 1);
//! ```

#![allow(dead_code)]

use serde_json::Value;

use super::github_server::{GithubServer, Recorded, Reply};

/// The secret part of the webhook's path; tests assert it shows up nowhere.
pub const CANARY: &str = "CANARYslackXq93Zt";
pub const PATH: &str = "/services/T00000000/B00000000/CANARYslackXq93Zt";

pub struct SlackServer {
    server: GithubServer,
}

/// Slack's answer with `status` and its code as plain text.
pub fn reply(status: u16) -> Reply {
    let text = match status {
        200 => "ok",
        400 => "invalid_payload",
        403 => "invalid_token",
        404 => "no_service",
        410 => "channel_is_archived",
        429 => "rate_limited",
        _ => "internal_error",
    };
    let reply = Reply::raw(text.as_bytes())
        .header("content-type", "text/html")
        .with_status(status);
    if status == 429 {
        reply.header("retry-after", "1")
    } else {
        reply
    }
}

impl SlackServer {
    /// A webhook that answers `ok`.
    pub fn start() -> SlackServer {
        let slack = SlackServer {
            server: GithubServer::start(),
        };
        slack.answer(reply(200));
        slack
    }

    /// The webhook's URL, the secret.
    pub fn webhook(&self) -> String {
        format!("{}{PATH}", self.server.url())
    }

    /// Answers every post with `reply` from now on.
    pub fn answer(&self, reply: Reply) {
        self.server.on("POST", PATH, reply);
    }

    /// Every message posted, as JSON.
    pub fn posts(&self) -> Vec<Value> {
        self.requests().iter().map(Recorded::json).collect()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }
}
