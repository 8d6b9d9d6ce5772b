//! PostHog's feature-flag API as the flag registry (`flag-registry.posthog`, SPEC §17): the
//! keys of a project's flags and whether each is active, over the shared HTTP transport.
//!
//! `GET {host}/api/projects/{id}/feature_flags/?limit=100` answers
//! `{"count", "next", "previous", "results": [{"id", "key", "name", "active", "deleted",
//! "filters", ...}]}`, `next` being the absolute URL of the next page or null. The personal
//! API key goes only into `Authorization: Bearer` of requests to the host's origin (the
//! transport refuses a `next` or a redirect that leaves it) and out of every message.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;

use super::env::Env;
use super::http::{self, ApiError, ErrorKind, Service, Transport, describe};
use crate::error::{Code, Tag as _};
use crate::judge::policy::PostHog;

/// Where the personal API key is read from, outside the Action's `posthog-api-key` input.
pub(crate) const KEY_VAR: &str = "POSTHOG_PERSONAL_API_KEY";
/// The Action input that holds the key (the runner passes it as `INPUT_POSTHOG-API-KEY`).
pub(crate) const KEY_INPUT: &str = "posthog-api-key";

const ACCEPT_JSON: &str = "application/json";
const PAGE_SIZE: &str = "100";
/// 10,000 flags at 100 a page; a project with more is no registry shipgate reads whole.
const MAX_PAGES: usize = 100;
const MAX_JSON_BYTES: usize = 32 << 20;

static POSTHOG: Service = Service {
    name: "PostHog API",
    speaker: "PostHog",
    url_setting: "flag-registry.posthog.host",
    example_url: "https://us.posthog.com",
    headers: &[],
    said: posthog_message,
    check: "check flag-registry.posthog (its host and project)",
    moved: "set flag-registry.posthog.host to the address PostHog now answers at",
    trouble: "PostHog may be having trouble (see status.posthog.com); re-run the job later",
    rate_limited: "re-run the job later; PostHog limits how often a personal API key may \
        read flags",
    wants_token: "PostHog wants a personal API key; set POSTHOG_PERSONAL_API_KEY (the \
        Action's `posthog-api-key` input)",
    forbidden: "the personal API key may not read this project's flags; give it the \
        `feature_flag:read` scope and access to the project",
};

/// PostHog's error answers: `{"type": "authentication_error", "code":
/// "authentication_failed", "detail": "..."}`.
fn posthog_message(body: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Said {
        detail: String,
        #[serde(default)]
        code: Option<String>,
    }
    let said = serde_json::from_slice::<Said>(body).ok()?;
    Some(match said.code {
        Some(code) => format!("{} [{code}]", said.detail),
        None => said.detail,
    })
}

#[derive(Deserialize)]
struct Page {
    next: Option<String>,
    results: Vec<WireFlag>,
}

#[derive(Deserialize)]
struct WireFlag {
    key: String,
    #[serde(default)]
    active: Option<bool>,
    #[serde(default)]
    deleted: bool,
}

/// The personal API key: the Action's input first, then [`KEY_VAR`].
pub(crate) fn key_from_env(env: &Env) -> Result<Option<String>> {
    for name in ["INPUT_POSTHOG-API-KEY", "INPUT_POSTHOG_API_KEY", KEY_VAR] {
        if let Some(value) = env.get(name)?.map(str::trim).filter(|v| !v.is_empty()) {
            return Ok(Some(value.to_owned()));
        }
    }
    Ok(None)
}

/// The project's flags: each key, with `active` or `inactive`. Deleted flags are left
/// out, as PostHog's own list leaves them. Every failure is coded `posthog`.
pub(crate) fn flags(
    project: &PostHog,
    key: Option<&str>,
    config: http::Config,
) -> Result<BTreeMap<String, Option<String>>> {
    let Some(key) = key.filter(|k| !k.trim().is_empty()) else {
        return Err(Code::Posthog.tag(anyhow!(
            "the flag registry is {}, but no PostHog personal API key was given; set {KEY_VAR} \
             (under GitHub Actions, the `{KEY_INPUT}` input from a secret) to a key with the \
             `feature_flag:read` scope",
            project.describe()
        )));
    };
    let base = http::parse_base(&POSTHOG, &project.host).code(Code::BadPolicy)?;
    let http = Transport::new(&POSTHOG, base, Some(key), config).code(Code::Posthog)?;
    list(&http, project).map_err(|e| Code::Posthog.tag(e.into()))
}

/// `{host}/api/projects/{id}/feature_flags/?limit=100`, under the host's own path for an
/// instance served from a folder.
fn first_page(base: &Url, project: u64) -> Url {
    let mut url = base.clone();
    url.path_segments_mut()
        .expect("an http(s) URL has path segments")
        .extend(["api", "projects", &project.to_string(), "feature_flags", ""]);
    url.query_pairs_mut().append_pair("limit", PAGE_SIZE);
    url
}

fn list(http: &Transport, project: &PostHog) -> Result<BTreeMap<String, Option<String>>, ApiError> {
    let mut url = first_page(http.base(), project.project);
    let mut flags = BTreeMap::new();
    for _ in 0..MAX_PAGES {
        let answer = http.get(&url, ACCEPT_JSON, MAX_JSON_BYTES)?;
        if answer.status == StatusCode::NOT_FOUND {
            return Err(http.error(
                ErrorKind::NotFound,
                format!(
                    "PostHog API {}: 404 Not Found: {} does not exist, or the personal API \
                     key cannot see it; check flag-registry.posthog.project",
                    describe(&Method::GET, &url),
                    project.describe()
                ),
            ));
        }
        let page: Page = http.json(&Method::GET, &url, &answer, "a page of feature flags")?;
        for flag in page.results.into_iter().filter(|f| !f.deleted) {
            let state = flag.active.map(|on| if on { "active" } else { "inactive" });
            flags.insert(flag.key, state.map(str::to_owned));
        }
        match page
            .next
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            Some(next) => url = next_page(http, &url, next)?,
            None => return Ok(flags),
        }
    }
    Err(http.error(
        ErrorKind::Truncated,
        format!(
            "PostHog API {}: the flags of {} go on past {MAX_PAGES} pages of {PAGE_SIZE}, more \
             than shipgate reads; archive flags no longer in use",
            describe(&Method::GET, &url),
            project.describe()
        ),
    ))
}

/// The `next` link, on the host's origin only, and never the page just read (a server
/// that points a page at itself would otherwise be read until the page cap).
fn next_page(http: &Transport, url: &Url, next: &str) -> Result<Url, ApiError> {
    let next = http.follow(url, next)?;
    if next == *url {
        return Err(http.bad_answer(
            &Method::GET,
            url,
            "its `next` link is the page itself".to_owned(),
        ));
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posthog_words_its_errors_with_detail_and_code() {
        let body = br#"{"type":"authentication_error","code":"authentication_failed","detail":"Incorrect authentication credentials."}"#;
        assert_eq!(
            posthog_message(body).as_deref(),
            Some("Incorrect authentication credentials. [authentication_failed]")
        );
        assert_eq!(
            posthog_message(br#"{"detail":"Not found."}"#).as_deref(),
            Some("Not found.")
        );
        assert_eq!(posthog_message(b"<html>"), None);
    }

    #[test]
    fn cloud_and_self_hosted_hosts_list_the_same_path() {
        for (host, want) in [
            (
                "https://us.posthog.com",
                "https://us.posthog.com/api/projects/42/feature_flags/?limit=100",
            ),
            (
                "https://eu.posthog.com/",
                "https://eu.posthog.com/api/projects/42/feature_flags/?limit=100",
            ),
            (
                "https://tools.example/posthog",
                "https://tools.example/posthog/api/projects/42/feature_flags/?limit=100",
            ),
        ] {
            let base = http::parse_base(&POSTHOG, host).unwrap();
            assert_eq!(first_page(&base, 42).as_str(), want);
        }
    }

    #[test]
    fn a_posthog_that_does_not_answer_gives_up_at_the_deadline_without_the_key() {
        // A server that takes connections and never answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming().take(4) {
                held.push(stream);
            }
            std::thread::sleep(std::time::Duration::from_secs(2));
        });
        let project = PostHog {
            host: format!("http://127.0.0.1:{port}"),
            project: 42,
        };
        let config = http::Config {
            deadline: http::Deadline::new(std::time::Duration::from_secs(1)),
            request_timeout: std::time::Duration::from_millis(200),
            sleep: std::sync::Arc::new(|_| {}),
        };
        let err = flags(&project, Some("phx_CANARY_unit"), config).unwrap_err();
        let text = format!("{err:#}");
        assert_eq!(Code::of(&err), Code::Posthog);
        assert!(
            text.starts_with(
                "PostHog API GET /api/projects/42/feature_flags/?limit=100: no answer within 0.2 s; gave up after 1 try, since waiting 1 s more would pass the 1 s deadline"
            ),
            "{text}"
        );
        assert!(!text.contains("CANARY"));
    }

    #[test]
    fn the_key_comes_from_the_input_before_the_variable() {
        let env = Env::from_pairs([("INPUT_POSTHOG-API-KEY", "phx_a"), (KEY_VAR, "phx_b")]);
        assert_eq!(key_from_env(&env).unwrap().as_deref(), Some("phx_a"));
        let env = Env::from_pairs([(KEY_VAR, " phx_b ")]);
        assert_eq!(key_from_env(&env).unwrap().as_deref(), Some("phx_b"));
        assert_eq!(key_from_env(&Env::default()).unwrap(), None);
    }
}
