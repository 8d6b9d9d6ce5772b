//! The policy keys that name where the handbook's tools live (SPEC §17): a PostHog project
//! as the flag registry (`flag-registry.posthog`), the handles whose mention on a linked
//! issue tells Marketing (`requirements.<id>.mentions`), and where the heads-up goes
//! (`notify.slack-webhook`).
//!
//! Secrets never live in a policy: the PostHog key and the Slack webhook come from the
//! environment (or the Action's inputs). A webhook URL written into the policy is refused,
//! since the policy is committed and anyone who reads the repository could post with it.

use super::read::{Cx, join};
use crate::judge::yaml::{Node, Value};

pub(super) const POSTHOG_KEYS: &[&str] = &["host", "project"];
pub(super) const NOTIFY_KEYS: &[&str] = &["slack-webhook"];
/// Keys whose value may be a secret written where it should not be: their line is never
/// quoted under an error.
pub(super) const SECRET_KEYS: &[&str] = &["notify.slack-webhook", "flag-registry.posthog.host"];

/// Whether `key` may quote a secret (a package's PostHog host too).
pub(super) fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.contains(&key) || key.ends_with(".flag-registry.posthog.host")
}

/// A PostHog project whose feature flags are the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PostHog {
    #[doc = key_doc!(flag-registry.posthog.host)]
    pub(crate) host: String,
    #[doc = key_doc!(flag-registry.posthog.project)]
    pub(crate) project: u64,
}

impl PostHog {
    /// `PostHog project 12345 (https://eu.posthog.com)`, for messages and hints.
    pub(crate) fn describe(&self) -> String {
        format!("PostHog project {} ({})", self.project, self.host)
    }
}

/// Where shipgate gives Marketing a heads-up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Notify {
    #[doc = key_doc!(notify.slack-webhook)]
    pub(crate) slack_webhook: Option<String>,
}

/// The environment variable that holds the webhook when the policy names none; the
/// Action's `slack-webhook` input comes before it.
pub(crate) const SLACK_WEBHOOK_VAR: &str = "SHIPGATE_SLACK_WEBHOOK";

/// A package's own flag registry (`packages.<name>.flag-registry`): a file in its folder
/// (a repository path here), or a PostHog project, in the same shape as the repository's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PackageRegistry {
    File(String),
    PostHog(PostHog),
}

impl Cx<'_> {
    /// `packages.<name>.flag-registry`: a path relative to the package's folder, or
    /// `{posthog: {host, project}}`.
    pub(super) fn package_registry(&mut self, node: &Node, path: &str) -> Option<PackageRegistry> {
        match &node.value {
            Value::Map(_) => {
                let fields = self.map(node, path, &["posthog"])?;
                match fields.get("posthog") {
                    Some(n) => Some(PackageRegistry::PostHog(
                        self.posthog_at(n, &join(path, "posthog"))?,
                    )),
                    None => {
                        self.err(
                            node.pos,
                            path,
                            "a registry given as a mapping is `{posthog: {host, project}}`; \
                             a file is given as its path",
                        );
                        None
                    }
                }
            }
            _ => self.repo_path(node, path).map(PackageRegistry::File),
        }
    }

    /// `flag-registry.posthog: {host, project}`.
    pub(super) fn posthog(&mut self, node: &Node) -> Option<PostHog> {
        self.posthog_at(node, "flag-registry.posthog")
    }

    fn posthog_at(&mut self, node: &Node, path: &str) -> Option<PostHog> {
        let fields = self.map(node, path, POSTHOG_KEYS)?;
        let host = match fields.get("host") {
            Some(n) => {
                let p = join(path, "host");
                let text = self.string(n, &p)?;
                match host_problem(&text) {
                    Some(why) => {
                        self.err(n.pos, &p, why);
                        None
                    }
                    None => Some(text.trim().trim_end_matches('/').to_owned()),
                }
            }
            None => {
                self.err(
                    node.pos,
                    path,
                    "missing key `host`: PostHog's address, `https://us.posthog.com`, \
                     `https://eu.posthog.com` or your own instance's",
                );
                None
            }
        };
        let project = match fields.get("project") {
            Some(n) => self.project_id(n, &join(path, "project")),
            None => {
                self.err(
                    node.pos,
                    path,
                    "missing key `project`: the project's id, the number in its URL \
                     (`/project/12345`)",
                );
                None
            }
        };
        Some(PostHog {
            host: host?,
            project: project?,
        })
    }

    fn project_id(&mut self, node: &Node, path: &str) -> Option<u64> {
        let id = match &node.value {
            Value::Int(i) => u64::try_from(*i).ok(),
            Value::Str(s) => s.trim().parse::<u64>().ok(),
            _ => {
                self.expected(node, path, "a project id (a number)");
                return None;
            }
        };
        match id.filter(|id| *id > 0) {
            Some(id) => Some(id),
            None => {
                self.err(
                    node.pos,
                    path,
                    "is not a project id: write the positive number in the project's URL \
                     (`/project/12345`)",
                );
                None
            }
        }
    }

    /// `requirements.<id>.mentions`: `@login` or `@org/team`, as GitHub spells them.
    pub(super) fn mentions(&mut self, node: Option<&Node>, path: &str) -> Vec<String> {
        let Some(node) = node else { return Vec::new() };
        let list = self.strings(node, path);
        for (i, (pos, handle)) in list.iter().enumerate() {
            if !is_handle(handle) {
                self.err(
                    *pos,
                    &format!("{path}[{i}]"),
                    format!(
                        "`{handle}` is not a GitHub handle: write `@login` or `@org/team` \
                         (letters, digits and inner `-`; a team's slug may hold `_` and `.`)"
                    ),
                );
            }
        }
        list.into_iter().map(|(_, h)| h).collect()
    }

    /// `notify: {slack-webhook: env:NAME}`.
    pub(super) fn notify(&mut self, node: &Node) -> Option<Notify> {
        let fields = self.map(node, "notify", NOTIFY_KEYS)?;
        let Some(n) = fields.get("slack-webhook") else {
            return Some(Notify::default());
        };
        let path = "notify.slack-webhook";
        let text = self.string(n, path)?;
        let text = text.trim();
        if let Some(name) = text.strip_prefix("env:") {
            if is_env_name(name) {
                return Some(Notify {
                    slack_webhook: Some(name.to_owned()),
                });
            }
            self.err(
                n.pos,
                path,
                "`env:` must be followed by an environment variable's name (letters, digits \
                 and `_`, not starting with a digit)",
            );
            return None;
        }
        // The value is not repeated: it may be the very secret this refuses to keep.
        let what = if text.contains("://") {
            "a webhook URL in the policy is a secret committed to the repository; revoke it \
             in Slack, keep the new one in a CI secret"
        } else {
            "name the environment variable that holds the webhook"
        };
        self.err(
            n.pos,
            path,
            format!(
                "{what}, and write `slack-webhook: env:<NAME>` (or leave the key out and set \
                 {SLACK_WEBHOOK_VAR}, or the Action's `slack-webhook` input)"
            ),
        );
        None
    }
}

/// Why `text` cannot be PostHog's address, if it cannot: an http(s) URL with a host and
/// nothing after the root path (a key or a query in it would be a mistake, or a secret).
fn host_problem(text: &str) -> Option<String> {
    let text = text.trim();
    let fix = "write PostHog's address, `https://us.posthog.com`, `https://eu.posthog.com` \
               or your own instance's (`https://posthog.example.com`)";
    let Some((scheme, rest)) = text.split_once("://") else {
        return Some(format!("`{text}` is not a URL; {fix}"));
    };
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return Some(format!("`{text}` is not an http(s) URL; {fix}"));
    }
    let host = rest.split('/').next().unwrap_or_default();
    if host.contains('@') {
        return Some(format!(
            "the URL holds a user name or password; take them out (the key comes from \
             POSTHOG_PERSONAL_API_KEY) and {fix}"
        ));
    }
    if host.is_empty() || rest.contains(['?', '#']) || rest.chars().any(char::is_whitespace) {
        return Some(format!(
            "`{text}` is not PostHog's address (no host, or a query or fragment); {fix}"
        ));
    }
    None
}

/// `@login` (39 letters, digits and inner single hyphens at most, as GitHub allows) or
/// `@org/team` (a team slug: letters, digits, `-`, `_` and `.`).
pub(crate) fn is_handle(handle: &str) -> bool {
    let Some(rest) = handle.strip_prefix('@') else {
        return false;
    };
    let (login, team) = match rest.split_once('/') {
        Some((org, team)) => (org, Some(team)),
        None => (rest, None),
    };
    let login_ok = (1..=39).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !login.starts_with('-')
        && !login.ends_with('-');
    let team_ok = team.is_none_or(|t| {
        (1..=100).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    });
    login_ok && team_ok
}

fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::super::Policy;
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        Policy::problems_of(text)
    }

    #[test]
    fn a_posthog_registry_is_read_with_its_host_and_project() {
        let p = Policy::from_yaml(
            "flag-registry:\n  posthog: {host: 'https://eu.posthog.com/', project: 4242}\n",
            "p.yml",
        )
        .unwrap();
        assert_eq!(
            p.flag_registry.posthog,
            Some(PostHog {
                host: "https://eu.posthog.com".into(),
                project: 4242
            })
        );
        let quoted = Policy::from_yaml(
            "flag-registry: {posthog: {host: 'http://127.0.0.1:8000', project: '7'}}\n",
            "p.yml",
        )
        .unwrap();
        assert_eq!(quoted.flag_registry.posthog.unwrap().project, 7);
        assert_eq!(Policy::builtin().flag_registry.posthog, None);
    }

    #[test]
    fn posthog_problems_are_located() {
        assert_eq!(
            errors(
                "flag-registry:\n  posthog:\n    host: us.posthog.com\n    project: -3\n    key: phx_x\n"
            ),
            [
                "p.yml:3:11: `flag-registry.posthog.host`: `us.posthog.com` is not a URL; write PostHog's address, `https://us.posthog.com`, `https://eu.posthog.com` or your own instance's (`https://posthog.example.com`)",
                "p.yml:4:14: `flag-registry.posthog.project`: is not a project id: write the positive number in the project's URL (`/project/12345`)",
                "p.yml:5:5: `flag-registry.posthog.key`: unknown key; expected one of: host, project",
            ]
        );
        assert_eq!(
            errors("flag-registry: {posthog: {host: 'https://u:p@x.example'}}\n"),
            [
                "p.yml:1:26: `flag-registry.posthog`: missing key `project`: the project's id, the number in its URL (`/project/12345`)",
                "p.yml:1:33: `flag-registry.posthog.host`: the URL holds a user name or password; take them out (the key comes from POSTHOG_PERSONAL_API_KEY) and write PostHog's address, `https://us.posthog.com`, `https://eu.posthog.com` or your own instance's (`https://posthog.example.com`)",
            ]
        );
    }

    #[test]
    fn a_package_registry_is_a_file_or_a_posthog_project() {
        let p = Policy::from_yaml(
            "packages:\n  web:\n    path: packages/web\n    flag-registry: {posthog: {host: 'https://us.posthog.com', project: 9}}\n  api:\n    path: packages/api\n    flag-registry: flags.yml\n",
            "p.yml",
        )
        .unwrap();
        assert_eq!(
            p.packages[0].flag_registry,
            Some(PackageRegistry::PostHog(PostHog {
                host: "https://us.posthog.com".into(),
                project: 9
            }))
        );
        assert_eq!(
            p.packages[1].flag_registry,
            Some(PackageRegistry::File("packages/api/flags.yml".into()))
        );
        let web = p.projected(super::super::Which::Package(0));
        assert_eq!(web.flag_registry.posthog.as_ref().unwrap().project, 9);
        let api = p.projected(super::super::Which::Package(1));
        assert_eq!(api.flag_registry.posthog, None);
        assert_eq!(api.flag_registry.path, "packages/api/flags.yml");
        assert_eq!(
            errors("packages:\n  web:\n    path: packages/web\n    flag-registry: {postgres: 1}\n"),
            [
                "p.yml:4:20: `packages.web.flag-registry`: a registry given as a mapping is `{posthog: {host, project}}`; a file is given as its path",
                "p.yml:4:21: `packages.web.flag-registry.postgres`: unknown key; expected one of: posthog",
            ]
        );
    }

    #[test]
    fn mentions_are_github_handles() {
        let p = Policy::from_yaml(
            "requirements:\n  marketing:\n    mentions: ['@acme/marketing', '@dana']\n",
            "p.yml",
        )
        .unwrap();
        let m = p.requirements.iter().find(|r| r.id == "marketing").unwrap();
        assert_eq!(m.evidence.mentions, ["@acme/marketing", "@dana"]);
        assert_eq!(
            errors("requirements:\n  marketing:\n    mentions: [marketing, '@-x', '@a/b c']\n"),
            [
                "p.yml:3:16: `requirements.marketing.mentions[0]`: `marketing` is not a GitHub handle: write `@login` or `@org/team` (letters, digits and inner `-`; a team's slug may hold `_` and `.`)",
                "p.yml:3:27: `requirements.marketing.mentions[1]`: `@-x` is not a GitHub handle: write `@login` or `@org/team` (letters, digits and inner `-`; a team's slug may hold `_` and `.`)",
                "p.yml:3:34: `requirements.marketing.mentions[2]`: `@a/b c` is not a GitHub handle: write `@login` or `@org/team` (letters, digits and inner `-`; a team's slug may hold `_` and `.`)",
            ]
        );
        // Mentions alone are evidence enough for a requirement of one's own.
        assert!(errors("requirements:\n  told: {mentions: '@acme/growth'}\n").is_empty());
    }

    #[test]
    fn a_webhook_is_named_by_its_variable_never_written_out() {
        let p =
            Policy::from_yaml("notify:\n  slack-webhook: env:SLACK_RELEASES\n", "p.yml").unwrap();
        assert_eq!(p.notify.slack_webhook.as_deref(), Some("SLACK_RELEASES"));
        assert_eq!(Policy::builtin().notify, Notify::default());
        let secret = "https://hooks.slack.com/services/T000/B000/CANARYsecret";
        let errs = errors(&format!("notify:\n  slack-webhook: '{secret}'\n"));
        assert_eq!(
            errs,
            [
                "p.yml:2:18: `notify.slack-webhook`: a webhook URL in the policy is a secret committed to the repository; revoke it in Slack, keep the new one in a CI secret, and write `slack-webhook: env:<NAME>` (or leave the key out and set SHIPGATE_SLACK_WEBHOOK, or the Action's `slack-webhook` input)"
            ]
        );
        assert!(!errs[0].contains("CANARY"));
        assert_eq!(
            errors("notify: {slack-webhook: 'env:1X', slack: true}\n"),
            [
                "p.yml:1:25: `notify.slack-webhook`: `env:` must be followed by an environment variable's name (letters, digits and `_`, not starting with a digit)",
                "p.yml:1:35: `notify.slack`: unknown key; expected one of: slack-webhook",
            ]
        );
    }

    #[test]
    fn handles_follow_github_rules() {
        for ok in ["@a", "@acme/marketing", "@Acme-Co/growth_team.eu", "@x1-y2"] {
            assert!(is_handle(ok), "{ok}");
        }
        for bad in [
            "a", "@", "@-a", "@a-", "@a/", "@a b", "@a/b/c", "@a_b", "@é",
        ] {
            assert!(!is_handle(bad), "{bad}");
        }
    }
}
