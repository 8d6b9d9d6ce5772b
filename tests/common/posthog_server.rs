//! A stand-in for PostHog's API on `127.0.0.1`, answering in PostHog's shapes: the
//! project's feature flags as `{"count", "next", "previous", "results"}` pages whose `next`
//! is an absolute URL (`?limit=100&offset=N`) or null, and errors as `{"type", "code",
//! "detail", "attr"}`. It is the GitHub stand-in's server (tests/common/github_server.rs)
//! with PostHog's routes and replies.
//!
//! ```ignore
//! let posthog = PosthogServer::start();
//! posthog.flags(42, vec![flag_json(1, "new-onboarding", true)], 100);
//! // ... a policy with `flag-registry: {posthog: {host: <posthog.url()>, project: 42}}` ...
//! assert_eq!(posthog.hits("GET", &first_page(42)), 1);
//! ```

#![allow(dead_code)]

use serde_json::{Value, json};

use super::github_server::GithubServer;
pub use super::github_server::{Recorded, Reply};

pub struct PosthogServer {
    server: GithubServer,
    /// A path before `/api` (a self-hosted instance under a folder), or empty.
    prefix: String,
}

/// `/api/projects/{project}/feature_flags/`, as shipgate lists it first.
pub fn first_page(project: u64) -> String {
    format!("/api/projects/{project}/feature_flags/?limit=100")
}

/// One flag as PostHog lists it, with the fields shipgate reads and some it does not.
pub fn flag_json(id: u64, key: &str, active: bool) -> Value {
    json!({
        "id": id,
        "name": format!("{key} rollout"),
        "key": key,
        "filters": {"groups": [{"properties": [], "rollout_percentage": 100}]},
        "deleted": false,
        "active": active,
        "created_by": {"id": 1, "uuid": "0190b5b4-0000-0000-0000-000000000001", "distinct_id": "d1", "first_name": "Ada", "email": "ada@example.com"},
        "created_at": "2024-01-01T00:00:00Z",
        "is_simple_flag": true,
        "rollout_percentage": 100,
        "ensure_experience_continuity": false,
        "experiment_set": [],
        "tags": [],
        "version": 1
    })
}

/// PostHog's answer for an error status: 401 with a bad key, 403 without the scope, 404,
/// 429 (throttled), 5xx.
pub fn error_reply(status: u16) -> Reply {
    let (kind, code, detail) = match status {
        401 => (
            "authentication_error",
            "authentication_failed",
            "Incorrect authentication credentials.",
        ),
        403 => (
            "authentication_error",
            "permission_denied",
            "API key missing required scope 'feature_flag:read'",
        ),
        404 => ("invalid_request", "not_found", "Not found."),
        429 => (
            "throttled_error",
            "throttled",
            "Request was throttled. Expected available in 1 second.",
        ),
        _ => ("server_error", "error", "A server error occurred."),
    };
    Reply::json(json!({"type": kind, "code": code, "detail": detail, "attr": null}))
        .with_status(status)
}

impl PosthogServer {
    pub fn start() -> PosthogServer {
        PosthogServer {
            server: GithubServer::start(),
            prefix: String::new(),
        }
    }

    /// A self-hosted instance served under `prefix` (`/posthog`).
    pub fn start_under(prefix: &str) -> PosthogServer {
        PosthogServer {
            server: GithubServer::start(),
            prefix: prefix.to_owned(),
        }
    }

    /// The host to write into `flag-registry.posthog.host`.
    pub fn url(&self) -> String {
        format!("{}{}", self.server.url(), self.prefix)
    }

    /// The path of the first page of `project`'s flags on this server.
    pub fn first_page(&self, project: u64) -> String {
        format!("{}{}", self.prefix, first_page(project))
    }

    /// Scripts `project`'s flags as PostHog pages them: `per_page` a page, each page's
    /// `next` the absolute URL of the one after it.
    pub fn flags(&self, project: u64, flags: Vec<Value>, per_page: usize) {
        let count = flags.len();
        let pages: Vec<Vec<Value>> = if flags.is_empty() {
            vec![Vec::new()]
        } else {
            flags.chunks(per_page).map(<[Value]>::to_vec).collect()
        };
        let last = pages.len();
        let path = |page: usize| {
            if page == 0 {
                self.first_page(project)
            } else {
                format!(
                    "{}/api/projects/{project}/feature_flags/?limit=100&offset={}",
                    self.prefix,
                    page * per_page
                )
            }
        };
        for (i, results) in pages.into_iter().enumerate() {
            let next = (i + 1 < last).then(|| format!("{}{}", self.server.url(), path(i + 1)));
            let previous = (i > 0).then(|| format!("{}{}", self.server.url(), path(i - 1)));
            self.server.on(
                "GET",
                &path(i),
                Reply::json(json!({
                    "count": count,
                    "next": next,
                    "previous": previous,
                    "results": results,
                })),
            );
        }
    }

    pub fn on(&self, method: &str, path: &str, reply: Reply) -> &PosthogServer {
        self.server.on(method, path, reply);
        self
    }

    pub fn on_seq(
        &self,
        method: &str,
        path: &str,
        replies: impl IntoIterator<Item = Reply>,
    ) -> &PosthogServer {
        self.server.on_seq(method, path, replies);
        self
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }

    pub fn hits(&self, method: &str, path: &str) -> usize {
        self.server.hits(method, path)
    }
}
