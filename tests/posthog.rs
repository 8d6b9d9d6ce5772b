//! PostHog as the flag registry (`flag-registry.posthog`, SPEC §17): the real binary, a
//! real repository whose base commit holds the policy, and a stand-in for PostHog's API on
//! 127.0.0.1 (tests/common/posthog_server.rs) answering in PostHog's shapes and failures.

mod common;
#[path = "common/snapshot.rs"]
mod snapshot;

use assert_cmd::Command as BinCommand;
use common::posthog_server::{PosthogServer, Reply, error_reply, first_page, flag_json};
use common::{Repo, requirement, status};
use serde_json::Value;

/// The personal API key; it must travel only in the Authorization header.
const CANARY: &str = "phx_CANARY_posthog_0123456789";
const PROJECT: u64 = 42;

struct Setup {
    repo: Repo,
    posthog: PosthogServer,
}

impl Setup {
    /// A base commit whose policy names the stand-in as the registry (with `extra` policy
    /// lines), and a feature branch whose commit has `message`.
    fn new(posthog: PosthogServer, extra: &str, message: &str) -> Setup {
        let host = posthog.url();
        Setup::on_host(posthog, &host, extra, message)
    }

    /// The same, with `host` in the policy.
    fn on_host(posthog: PosthogServer, host: &str, extra: &str, message: &str) -> Setup {
        let repo = Repo::new();
        repo.write(
            ".shipgate.yml",
            &format!(
                "flag-registry:\n  posthog:\n    host: '{host}'\n    project: {PROJECT}\n{extra}"
            ),
        );
        repo.commit("policy");
        repo.git(&["branch", "base"]);
        repo.git(&["checkout", "-q", "-b", "feature"]);
        repo.write("docs/onboarding.md", "# Onboarding\n");
        repo.write("templates/onboarding.json", "{}\n");
        repo.commit(message);
        Setup { repo, posthog }
    }

    fn cmd(&self, stage: &str) -> BinCommand {
        let mut cmd = self.repo.shipgate();
        cmd.env("POSTHOG_PERSONAL_API_KEY", CANARY)
            .env("SHIPGATE_API_RETRY_SCALE", "0")
            .args(["check", "--base", "base", "--stage", stage])
            .args(["--label", "marketing-notified"]);
        cmd
    }

    /// Runs `cmd` with `--format json`; exit code, report (null on an error) and stderr,
    /// having checked that the key shows up nowhere but in the Authorization header.
    fn run(&self, mut cmd: BinCommand) -> (i32, Value, String) {
        let out = cmd.args(["--format", "json"]).output().unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!stdout.contains(CANARY), "key printed: {stdout}");
        assert!(!stderr.contains(CANARY), "key printed: {stderr}");
        for request in self.posthog.requests() {
            assert_eq!(
                request.header("authorization"),
                Some(format!("Bearer {CANARY}").as_str())
            );
            assert!(!request.path.contains(CANARY));
        }
        let report = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        (out.status.code().unwrap(), report, stderr)
    }
}

fn flags() -> Vec<Value> {
    vec![
        flag_json(1, "billing-v2", true),
        flag_json(2, "dark-mode", false),
        flag_json(3, "new-onboarding", true),
    ]
}

#[test]
fn a_trailer_naming_a_flag_on_a_later_page_is_evidence_with_its_state() {
    let s = Setup::new(
        PosthogServer::start(),
        "",
        "Onboarding\n\nFeature-Flag: new-onboarding",
    );
    s.posthog.flags(PROJECT, flags(), 2);
    let (code, report, stderr) = s.run(s.cmd("full"));
    assert_eq!(code, 0, "{report:#} {stderr}");
    let flag = requirement(&report, "feature-flag");
    assert_eq!(flag["status"], "satisfied");
    assert_eq!(
        flag["evidence"][0]["detail"],
        "Feature-Flag: new-onboarding (PostHog: active)"
    );
    // Both pages were read, each once: the second through the first page's `next`.
    assert_eq!(s.posthog.hits("GET", &first_page(PROJECT)), 1);
    let second = format!("/api/projects/{PROJECT}/feature_flags/?limit=100&offset=2");
    assert_eq!(s.posthog.hits("GET", &second), 1);
    assert_eq!(s.posthog.requests().len(), 2);
}

#[test]
fn a_key_that_posthog_lacks_blocks_and_is_named() {
    let s = Setup::new(
        PosthogServer::start(),
        "",
        "Onboarding\n\nFeature-Flag: new-onbaording",
    );
    s.posthog.flags(PROJECT, flags(), 100);
    let (code, report, _) = s.run(s.cmd("full"));
    assert_eq!(code, 1, "{report:#}");
    let flag = requirement(&report, "feature-flag");
    assert_eq!(flag["status"], "missing");
    let hint = flag["hint"].as_str().unwrap();
    assert!(
        hint.starts_with(&format!(
            "flag key `new-onbaording` (trailer in commit {}) not in PostHog project 42 ({}): create the flag in PostHog or fix the key",
            &s.repo.git(&["rev-parse", "HEAD"])[..10],
            s.posthog.url()
        )),
        "{hint}"
    );
}

#[test]
fn a_label_naming_an_inactive_flag_counts_and_says_so() {
    let s = Setup::new(PosthogServer::start(), "", "Onboarding");
    s.posthog.flags(PROJECT, flags(), 100);
    let mut cmd = s.cmd("full");
    cmd.args(["--label", "flag:dark-mode"]);
    let (code, report, _) = s.run(cmd);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        requirement(&report, "feature-flag")["evidence"][0]["detail"],
        "flag:dark-mode (PostHog: inactive)"
    );
}

#[test]
fn a_self_hosted_instance_under_a_folder_is_asked_there() {
    let s = Setup::new(
        PosthogServer::start_under("/posthog"),
        "",
        "Onboarding\n\nFeature-Flag: billing-v2",
    );
    s.posthog.flags(PROJECT, flags(), 100);
    let (code, report, _) = s.run(s.cmd("full"));
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        s.posthog
            .hits("GET", "/posthog/api/projects/42/feature_flags/?limit=100"),
        1
    );
}

#[test]
fn without_a_key_a_required_flag_is_exit_2_and_nothing_is_asked() {
    let s = Setup::new(
        PosthogServer::start(),
        "",
        "Onboarding\n\nFeature-Flag: billing-v2",
    );
    s.posthog.flags(PROJECT, flags(), 100);
    let mut cmd = s.cmd("full");
    cmd.env_remove("POSTHOG_PERSONAL_API_KEY");
    let (code, report, stderr) = s.run(cmd);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(report["verdict"], "error");
    assert_eq!(report["error"]["code"], "posthog");
    let message = report["error"]["message"].as_str().unwrap();
    assert_eq!(
        message,
        format!(
            "the flag registry is PostHog project 42 ({}), but no PostHog personal API key was given; set POSTHOG_PERSONAL_API_KEY (under GitHub Actions, the `posthog-api-key` input from a secret) to a key with the `feature_flag:read` scope",
            s.posthog.url()
        )
    );
    assert!(s.posthog.requests().is_empty());
}

#[test]
fn a_rejected_key_is_exit_2_with_posthogs_words() {
    let s = Setup::new(
        PosthogServer::start(),
        "",
        "Onboarding\n\nFeature-Flag: billing-v2",
    );
    s.posthog.on("GET", &first_page(PROJECT), error_reply(401));
    let (code, report, stderr) = s.run(s.cmd("full"));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(report["error"]["code"], "posthog");
    let message = report["error"]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "PostHog API GET /api/projects/42/feature_flags/?limit=100: 401 Unauthorized (PostHog said: Incorrect authentication credentials. [authentication_failed]): the token is invalid or expired; check the secret that shipgate gets as its token"
    );
    assert_eq!(s.posthog.requests().len(), 1, "a 401 is not retried");
}

#[test]
fn a_rate_limit_is_waited_out_and_a_server_error_retried() {
    let s = Setup::new(
        PosthogServer::start(),
        "",
        "Onboarding\n\nFeature-Flag: billing-v2",
    );
    let page = first_page(PROJECT);
    let ok = Reply::json(serde_json::json!({
        "count": 1, "next": null, "previous": null,
        "results": [flag_json(1, "billing-v2", true)]
    }));
    s.posthog.on_seq(
        "GET",
        &page,
        [
            error_reply(429).header("retry-after", "1"),
            error_reply(503),
            ok,
        ],
    );
    let (code, report, stderr) = s.run(s.cmd("full"));
    assert_eq!(code, 0, "{report:#} {stderr}");
    assert_eq!(s.posthog.hits("GET", &page), 3);
}

#[test]
fn a_posthog_that_keeps_failing_is_exit_2_for_a_release() {
    let s = Setup::new(
        PosthogServer::start(),
        "",
        "Onboarding\n\nFeature-Flag: billing-v2",
    );
    s.posthog.on("GET", &first_page(PROJECT), error_reply(502));
    let (code, report, stderr) = s.run(s.cmd("full"));
    assert_eq!(code, 2, "{stderr}");
    let message = report["error"]["message"].as_str().unwrap();
    assert!(message.contains("502 Bad Gateway"), "{message}");
    assert!(message.contains("status.posthog.com"), "{message}");
    assert!(
        s.posthog.hits("GET", &first_page(PROJECT)) > 1,
        "GETs are retried"
    );
}

#[test]
fn truncated_json_and_a_next_link_to_another_host_are_exit_2() {
    let s = Setup::new(
        PosthogServer::start(),
        "",
        "Onboarding\n\nFeature-Flag: billing-v2",
    );
    s.posthog.on(
        "GET",
        &first_page(PROJECT),
        Reply::json(serde_json::json!({}))
            .body(br#"{"count": 3, "next": null, "results": [{"key": "#),
    );
    let (code, report, _) = s.run(s.cmd("full"));
    assert_eq!(code, 2);
    let message = report["error"]["message"].as_str().unwrap();
    assert!(
        message
            .contains("shipgate cannot use the answer: it is not a page of feature flags in JSON"),
        "{message}"
    );

    s.posthog.on(
        "GET",
        &first_page(PROJECT),
        Reply::json(serde_json::json!({
            "count": 200,
            "next": "https://evil.example/api/projects/42/feature_flags/?offset=100",
            "previous": null,
            "results": [flag_json(1, "billing-v2", true)]
        })),
    );
    let (code, report, _) = s.run(s.cmd("full"));
    assert_eq!(code, 2);
    let message = report["error"]["message"].as_str().unwrap();
    assert!(message.contains("leaves http://127.0.0.1:"), "{message}");
}

#[test]
fn a_beta_that_cannot_reach_posthog_passes_with_a_note() {
    // Nothing listens on port 9: every try is refused, until the deadline.
    let s = Setup::on_host(
        PosthogServer::start(),
        "http://127.0.0.1:9",
        "",
        "Onboarding\n\nFeature-Flag: billing-v2",
    );
    let (code, report, stderr) = s.run(s.cmd("beta"));
    assert_eq!(code, 0, "{report:#} {stderr}");
    assert_eq!(status(&report, "feature-flag"), "missing");
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("feature-flag is only warned about at stage beta, so the flag keys are not looked up: PostHog API GET /api/projects/42/feature_flags/?limit=100"),
        "{notes}"
    );
    let hint = requirement(&report, "feature-flag")["hint"]
        .as_str()
        .unwrap();
    assert!(
        hint.starts_with("flag key `billing-v2` (trailer in commit"),
        "{hint}"
    );
    assert!(
        hint.contains("could not be looked up in PostHog project 42 (http://127.0.0.1:9)"),
        "{hint}"
    );
}

#[test]
fn a_merge_never_asks_posthog() {
    let s = Setup::new(
        PosthogServer::start(),
        "",
        "Onboarding\n\nFeature-Flag: billing-v2",
    );
    s.posthog.flags(PROJECT, flags(), 100);
    let (code, report, _) = s.run(s.cmd("merge"));
    assert_eq!(code, 0, "{report:#}");
    assert!(s.posthog.requests().is_empty());
}

#[test]
fn flag_calls_in_added_lines_are_checked_against_posthog() {
    let s = Setup::new(
        PosthogServer::start(),
        "checks:\n  flag-refs: {level: required}\n",
        "Onboarding\n\nFeature-Flag: billing-v2",
    );
    s.posthog.flags(PROJECT, flags(), 100);
    s.repo.write(
        "src/app.js",
        "if (posthog.isFeatureEnabled('dark-mode')) {}\nif (posthog.isFeatureEnabled('ghost-flag')) {}\n",
    );
    s.repo.commit("Calls");
    let (code, report, _) = s.run(s.cmd("full"));
    assert_eq!(code, 1, "{report:#}");
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "flag-refs")
        .unwrap();
    let findings = check["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{check:#}");
    assert_eq!(
        findings[0]["message"],
        format!(
            "`isFeatureEnabled('ghost-flag'` calls flag `ghost-flag`, which PostHog project 42 ({}) does not hold: add the flag to the registry, or fix the key",
            s.posthog.url()
        )
    );
    assert_eq!(findings[0]["path"], "src/app.js");
    assert_eq!(findings[0]["line"], 2);
    assert_eq!(
        check["note"],
        format!(
            "2 flag calls in added lines, 1 to flags in PostHog project 42 ({}); inactive in PostHog, so off for everyone: dark-mode",
            s.posthog.url()
        )
    );
    // The requirement and the check shared one listing.
    assert_eq!(s.posthog.requests().len(), 1);
}

#[test]
fn under_actions_the_input_key_is_masked_first_and_used() {
    let s = Setup::new(
        PosthogServer::start(),
        "",
        "Onboarding\n\nFeature-Flag: billing-v2",
    );
    s.posthog.flags(PROJECT, flags(), 100);
    let event = s.repo.tmp_file("event.json", r#"{"inputs": {}}"#);
    let mut cmd = s.repo.shipgate();
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "workflow_dispatch")
        .env("GITHUB_EVENT_PATH", event)
        .env("GITHUB_WORKSPACE", s.repo.path())
        .env("GITHUB_REPOSITORY", "acme/hedgehog")
        .env("GITHUB_SHA", s.repo.git(&["rev-parse", "HEAD"]))
        .env("GITHUB_API_URL", "http://127.0.0.1:9")
        .env("INPUT_TOKEN", "")
        .env("INPUT_BASE", "base")
        .env("INPUT_STAGE", "full")
        .env("INPUT_POSTHOG-API-KEY", CANARY)
        .env("SHIPGATE_API_RETRY_SCALE", "0")
        .args(["check", "--label", "marketing-notified", "--format", "json"]);
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout} {stderr}");
    // The one place the key appears is the mask, the first thing written.
    assert_eq!(
        stderr.lines().next(),
        Some(format!("::add-mask::{CANARY}").as_str())
    );
    assert_eq!(stderr.matches(CANARY).count(), 1, "{stderr}");
    assert!(!stdout.contains(CANARY));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(status(&report, "feature-flag"), "satisfied");
    assert_eq!(
        s.posthog.requests()[0].header("authorization"),
        Some(format!("Bearer {CANARY}").as_str())
    );
}

#[test]
fn explain_describes_a_posthog_registry_mentions_and_the_heads_up() {
    let repo = Repo::with_base();
    repo.write(
        ".shipgate.yml",
        "flag-registry:\n  posthog: {host: 'https://eu.posthog.com', project: 12345}\nrequirements:\n  marketing:\n    mentions: ['@acme/marketing']\nnotify:\n  slack-webhook: env:SLACK_RELEASES\n",
    );
    let out = repo.shipgate().arg("explain").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let folder = repo.path().to_str().unwrap();
    snapshot::assert_snapshot("posthog__explain.txt", &text, &[("[REPO]", folder)]);
}

#[test]
fn a_policy_that_gets_the_new_keys_wrong_is_told_where() {
    let repo = Repo::with_base();
    repo.write(
        ".shipgate.yml",
        "flag-registry:\n  posthog: {host: eu.posthog.com, project: 0}\nrequirements:\n  marketing:\n    mentions: [marketing]\nnotify:\n  slack-webhook: 'https://hooks.slack.com/services/T0/B0/CANARYinpolicy'\n",
    );
    let out = repo.shipgate().arg("validate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("CANARYinpolicy"), "{stderr}");
    for located in [
        "/.shipgate.yml:2:19: `flag-registry.posthog.host`: `eu.posthog.com` is not a URL",
        "/.shipgate.yml:2:44: `flag-registry.posthog.project`: is not a project id",
        "/.shipgate.yml:5:16: `requirements.marketing.mentions[0]`: `marketing` is not a GitHub handle",
        "/.shipgate.yml:7:18: `notify.slack-webhook`: a webhook URL in the policy is a secret committed to the repository",
    ] {
        assert!(stderr.contains(located), "{located} not in:\n{stderr}");
    }
}

#[test]
fn a_package_of_a_monorepo_takes_its_flags_from_its_own_posthog_project() {
    let posthog = PosthogServer::start();
    posthog.flags(7, vec![flag_json(70, "web-onboarding", false)], 100);
    let repo = Repo::new();
    repo.write("packages/web/package.json", "{\"name\": \"web\"}\n");
    repo.write(
        ".shipgate.yml",
        &format!(
            "packages:\n  web:\n    path: packages/web\n    flag-registry:\n      posthog: {{host: '{}', project: 7}}\n",
            posthog.url()
        ),
    );
    repo.commit("policy");
    repo.git(&["branch", "base"]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("packages/web/docs/onboarding.md", "# Onboarding\n");
    repo.write("packages/web/templates/onboarding.json", "{}\n");
    repo.commit("Web onboarding\n\nFeature-Flag: web-onboarding");
    let out = repo
        .shipgate()
        .env("POSTHOG_PERSONAL_API_KEY", CANARY)
        .env("SHIPGATE_API_RETRY_SCALE", "0")
        .args(["check", "--base", "base", "--stage", "full"])
        .args(["--label", "marketing-notified", "--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stdout.contains(CANARY) && !stderr.contains(CANARY));
    assert_eq!(out.status.code(), Some(0), "{stdout} {stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let web = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "web")
        .unwrap_or_else(|| panic!("no package web in {report:#}"));
    let flag = web["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "feature-flag")
        .unwrap();
    assert_eq!(flag["status"], "satisfied", "{web:#}");
    assert_eq!(
        flag["evidence"][0]["detail"],
        "Feature-Flag: web-onboarding (PostHog: inactive)"
    );
    assert_eq!(posthog.requests().len(), 1);
}
