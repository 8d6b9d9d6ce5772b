//! A monorepo of three packages and root files (SPEC §12, §13), built commit by commit in
//! a real repository: `packages/web`, `packages/api` and `packages/docs-site`, each with
//! its own release tags (`web@1.0.0`, `api@1.0.5`), and a release pull request in the
//! shape release-please and changesets give it.

#![allow(dead_code)]

use crate::common::Repo;

/// Three packages; docs of a package are in its folder or under `docs/<package>/`.
pub const POLICY: &str = r#"packages:
  web:
    path: packages/web
    tag-pattern: '^web@(?P<version>\d+\.\d+\.\d+.*)$'
    manifests: [package.json]
  api:
    path: packages/api
    tag-pattern: '^api@(?P<version>\d+\.\d+\.\d+.*)$'
    manifests: [package.json]
  docs-site:
    path: packages/docs-site
    tag-pattern: '^docs-site@(?P<version>\d+\.\d+\.\d+.*)$'
    manifests: [package.json]
requirements:
  docs:
    paths: ["docs/**", "**/*.md", "!CHANGELOG.md", "/docs/{package}/**"]
"#;

/// The commits the layout made.
pub struct Monorepo {
    /// The first release of web, tagged `web@1.0.0`.
    pub web_1_0_0: String,
    /// A later, greater release of another package, tagged `api@1.0.5`: never web's base.
    pub api_1_0_5: String,
}

pub fn manifest(name: &str, version: &str) -> String {
    format!("{{\n  \"name\": \"@acme/{name}\",\n  \"version\": \"{version}\"\n}}\n")
}

/// Commits the policy and the three packages on the current branch and tags the commit
/// `web@1.0.0`; then a fix of api released as `api@1.0.5`.
pub fn lay_out(repo: &Repo) -> Monorepo {
    repo.write(".shipgate.yml", POLICY);
    repo.write("packages/web/package.json", &manifest("web", "1.0.0"));
    repo.write("packages/web/src/index.ts", "export const web = 1;\n");
    repo.write("packages/api/package.json", &manifest("api", "1.0.4"));
    repo.write("packages/api/src/server.ts", "export const api = 1;\n");
    repo.write(
        "packages/docs-site/package.json",
        &manifest("docs-site", "0.1.0"),
    );
    repo.write("packages/docs-site/src/site.ts", "export const site = 1;\n");
    repo.write(
        "feature-flags.yml",
        "flags:\n  old-flag:\n    stage: beta\n",
    );
    repo.write(
        ".release-please-manifest.json",
        "{\"packages/web\": \"1.0.0\", \"packages/api\": \"1.0.4\"}\n",
    );
    let web_1_0_0 = repo.commit("chore: the monorepo, web 1.0.0");
    repo.git(&["tag", "web@1.0.0"]);
    repo.write("packages/api/src/server.ts", "export const api = 2;\n");
    repo.write("packages/api/package.json", &manifest("api", "1.0.5"));
    let api_1_0_5 = repo.commit("fix(api): a timeout");
    repo.git(&["tag", "-a", "-m", "api 1.0.5", "api@1.0.5"]);
    Monorepo {
        web_1_0_0,
        api_1_0_5,
    }
}

/// What the pull requests of web's next release bring, one after the other: docs in its
/// folder, a template, a flag entry in the shared registry, and Marketing told.
pub fn web_features(repo: &Repo) -> String {
    repo.write("packages/web/docs/replay.md", "# Replay\n");
    repo.write("packages/web/src/replay.ts", "export const replay = 1;\n");
    repo.commit("feat(web): session replay (#11)");
    repo.write("packages/web/templates/replay.json", "{}\n");
    repo.commit("feat(web): a replay template (#12)");
    repo.write(
        "feature-flags.yml",
        "flags:\n  old-flag:\n    stage: beta\n  session-replay:\n    stage: beta\n",
    );
    repo.commit("feat(web): replay behind a flag (#13)\n\nMarketing-Notified: #launch-replay")
}

/// A change of web with none of what a release needs.
pub fn web_fix(repo: &Repo) -> String {
    repo.write("packages/web/src/index.ts", "export const web = 2;\n");
    repo.commit("fix(web): a typo (#14)")
}

/// release-please's release pull request for web: its manifest and changelog bumped, and
/// the root manifest that release-please keeps. Nothing else.
pub fn release_pr(repo: &Repo, version: &str) -> String {
    repo.write("packages/web/package.json", &manifest("web", version));
    repo.write(
        "packages/web/CHANGELOG.md",
        &format!("# Changelog\n\n## {version}\n\n- session replay\n"),
    );
    repo.write(
        ".release-please-manifest.json",
        &format!("{{\"packages/web\": \"{version}\", \"packages/api\": \"1.0.5\"}}\n"),
    );
    repo.commit(&format!("chore(main): release web {version}"))
}

/// The package `name` of a JSON report.
pub fn package<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no package {name} in {report:#}"))
}
