//! Secrets the environment hands shipgate for other services (the PostHog key, the Slack
//! webhook): kept out of `Debug`, and, under GitHub Actions, masked in the log before
//! anything else is written.

use std::fmt;

use super::env::Env;

/// A value that must never be printed: `Debug` shows `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Variables that may hold a secret of another service; under GitHub Actions each value
/// is masked (`::add-mask::`) first thing, so that the runner hides it wherever it might
/// show up later, whatever shipgate itself does. The runner masks a `secrets.*` value
/// already, but not one that reaches an input through an expression or an `env:` value.
pub(crate) const SECRET_VARS: &[&str] = &[
    "INPUT_POSTHOG-API-KEY",
    "INPUT_POSTHOG_API_KEY",
    "POSTHOG_PERSONAL_API_KEY",
    "INPUT_SLACK-WEBHOOK",
    "INPUT_SLACK_WEBHOOK",
    "SHIPGATE_SLACK_WEBHOOK",
];

/// The values to mask: those of [`SECRET_VARS`] that are set, each once. A value that
/// cannot be read (not UTF-8, over its cap) is left to the error that its reader gives.
pub(crate) fn to_mask(env: &Env) -> Vec<String> {
    let mut values: Vec<String> = Vec::new();
    for name in SECRET_VARS {
        if let Ok(Some(value)) = env.get(name) {
            let value = value.trim();
            if !value.is_empty() && !values.iter().any(|v| v == value) {
                values.push(value.to_owned());
            }
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_never_shown_by_debug() {
        assert_eq!(format!("{:?}", Secret::new("phx_x")), "<redacted>");
        assert_eq!(Secret::new("phx_x").expose(), "phx_x");
    }

    #[test]
    fn each_set_secret_is_masked_once() {
        let env = Env::from_pairs([
            ("INPUT_POSTHOG-API-KEY", "phx_1"),
            ("POSTHOG_PERSONAL_API_KEY", "phx_1"),
            ("SHIPGATE_SLACK_WEBHOOK", " https://hooks.example/x "),
            ("INPUT_SLACK-WEBHOOK", ""),
            ("GITHUB_TOKEN", "ghs_not_ours"),
        ]);
        assert_eq!(to_mask(&env), ["phx_1", "https://hooks.example/x"]);
    }
}
