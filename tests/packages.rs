//! Monorepos and release trains (SPEC §12, §13) through the command line: a repository of
//! three packages and root files, each package judged on its own files, tags, manifests
//! and signals, and a release judged over everything since the package's previous release.

mod common;
#[path = "common/monorepo.rs"]
mod monorepo;
#[path = "common/snapshot.rs"]
mod snapshot;

use common::{Repo, requirement, status};
use monorepo::{Monorepo, lay_out, package, release_pr, web_features, web_fix};
use serde_json::Value;

/// `shipgate check --base BASE --format json ARGS`: the exit code and the report.
fn judge(repo: &Repo, base: &str, args: &[&str]) -> (i32, Value) {
    let out = repo
        .shipgate()
        .args(["check", "--base", base, "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}); exit {code}; stderr {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, report)
}

/// `shipgate check --base BASE ARGS` as text: the exit code and stdout.
fn judge_text(repo: &Repo, base: &str, args: &[&str]) -> (i32, String) {
    let out = repo
        .shipgate()
        .args(["check", "--base", base])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn fails(repo: &Repo, args: &[&str]) -> String {
    let out = repo.shipgate().arg("check").args(args).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(out.stdout.is_empty());
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn names(report: &Value) -> Vec<&str> {
    report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect()
}

fn evidence(package: &Value, id: &str) -> Vec<String> {
    requirement(package, id)["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["source"].as_str().unwrap(),
                e["detail"].as_str().unwrap()
            )
        })
        .collect()
}

/// The monorepo on `main`, and a branch `base` at its tip for the change to start from.
fn monorepo() -> (Repo, Monorepo) {
    let repo = Repo::with_base();
    let mono = lay_out(&repo);
    repo.git(&["branch", "-f", "base"]);
    (repo, mono)
}

#[test]
fn each_package_is_judged_on_its_own_files() {
    let (repo, _) = monorepo();
    repo.write("packages/web/docs/guide.md", "# Guide\n");
    repo.write("packages/api/src/routes.ts", "export const routes = [];\n");
    repo.commit("feat: web and api");
    let (code, report) = judge(&repo, "base", &["--label", "release:full"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(names(&report), ["web", "api"], "the root is not touched");
    assert_eq!(
        (report["verdict"].as_str(), report["stage"].as_str()),
        (Some("blocked"), Some("full"))
    );
    assert_eq!(
        report["requirements"],
        Value::Array(Vec::new()),
        "the root's: not judged"
    );
    let web = package(&report, "web");
    assert_eq!(web["path"], "packages/web");
    assert_eq!(web["stage"], "full");
    assert_eq!(evidence(web, "docs"), ["file packages/web/docs/guide.md"]);
    assert_eq!(web["range"]["kind"], "change");
    // web's docs are no docs of api.
    let api = package(&report, "api");
    assert_eq!(status(api, "docs"), "missing");
    assert_eq!(
        requirement(api, "docs")["hint"],
        "change a file matching `packages/api/docs/**`, `packages/api/**/*.md`, `/docs/api/**` \
         (not `packages/api/**/CHANGELOG.md`), add a commit trailer `Docs: <value>`, or add a \
         pull-request body line `Docs: <link>`"
    );
    assert_eq!(api["verdict"], "blocked");
    // A trailer counts for every package judged.
    repo.commit("docs: elsewhere\n\nDocs: https://docs.example/api");
    let (_, report) = judge(&repo, "base", &["--label", "release:full"]);
    assert_eq!(status(package(&report, "api"), "docs"), "satisfied");
}

#[test]
fn a_root_docs_folder_counts_for_the_package_it_names() {
    let (repo, _) = monorepo();
    repo.write("docs/web/guide.txt", "guide\n");
    repo.commit("docs: a guide to web");
    let (code, report) = judge(&repo, "base", &["--label", "release:beta:web"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(names(&report), [".", "web"]);
    let web = package(&report, "web");
    assert_eq!(web["stage"], "beta");
    assert_eq!(evidence(web, "docs"), ["file docs/web/guide.txt"]);
    // The label names web alone: the root, which the file touches, stays a merge.
    assert_eq!(package(&report, ".")["stage"], "merge");
    assert_eq!(report["stage"], "beta");
    assert_eq!(report["requirements"], Value::Array(Vec::new()));
}

#[test]
fn packages_webapp_is_not_in_packages_web() {
    let (repo, _) = monorepo();
    repo.write("packages/webapp/README.md", "# webapp\n");
    repo.commit("feat: webapp");
    let (code, report) = judge(&repo, "base", &["--label", "release:full"]);
    assert_eq!(code, 1);
    assert_eq!(names(&report), ["."], "only the root is touched");
    // The root's requirements are the report's, and its docs this file.
    assert_eq!(
        report["requirements"][0]["evidence"][0]["detail"],
        "packages/webapp/README.md"
    );
    // With the root alone, the text reads as without packages.
    let (_, text) = judge_text(&repo, "base", &["--label", "release:full"]);
    assert!(!text.contains("package "), "{text}");
    assert!(
        text.contains("  ok    docs          file packages/webapp/README.md\n"),
        "{text}"
    );
}

#[test]
fn labels_and_trailers_name_packages() {
    let (repo, _) = monorepo();
    repo.write("packages/api/src/routes.ts", "export const routes = [];\n");
    repo.commit("feat(api): routes\n\nRelease: full web, docs-site");
    let (code, report) = judge(&repo, "base", &[]);
    assert_eq!(code, 1);
    assert_eq!(names(&report), ["web", "api", "docs-site"]);
    assert_eq!(package(&report, "web")["stage"], "full");
    assert_eq!(package(&report, "docs-site")["stage"], "full");
    // api is touched, but the trailer names others.
    assert_eq!(package(&report, "api")["stage"], "merge");
    assert_eq!(package(&report, "api")["verdict"], "pass");
    // A signal without a name counts for what the change touches, and nothing else.
    let (_, report) = judge(&repo, "base", &["--label", "release:beta"]);
    assert_eq!(package(&report, "api")["stage"], "beta");
    let (_, report) = judge(&repo, "base", &["--label", "release:full:API"]);
    assert_eq!(package(&report, "api")["stage"], "full");
    assert_eq!(
        package(&report, "api")["stage_signals"][0]["detail"],
        "release:full:API"
    );
}

#[test]
fn a_package_name_the_policy_lacks_is_an_error() {
    let (repo, _) = monorepo();
    repo.write("packages/api/src/routes.ts", "export const routes = [];\n");
    repo.commit("feat(api): routes");
    let err = fails(&repo, &["--base", "base", "--label", "release:full:wbe"]);
    assert_eq!(
        err,
        "error: label `release:full:wbe` names package `wbe`, which the policy does not define; \
         its packages are: web, api, docs-site\n"
    );
    repo.commit("chore: ship\n\nRelease: full webb");
    let err = fails(&repo, &["--base", "base"]);
    assert!(
        err.contains(
            "trailer `Release: full webb` names package `webb`, which the policy does not define"
        ),
        "{err}"
    );
}

#[test]
fn a_release_pull_request_passes_when_its_release_carries_the_evidence() {
    let (repo, mono) = monorepo();
    web_features(&repo);
    repo.git(&["branch", "-f", "base"]);
    release_pr(&repo, "1.1.0");
    let (code, report) = judge(&repo, "base", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(names(&report), [".", "web"]);
    let web = package(&report, "web");
    assert_eq!(web["stage"], "full");
    assert_eq!(
        web["stage_signals"][0]["detail"],
        "packages/web/package.json 1.0.0 -> 1.1.0"
    );
    let range = &web["range"];
    assert_eq!(range["kind"], "release");
    assert_eq!(range["previous_release"], "web@1.0.0");
    assert_eq!(range["base"], mono.web_1_0_0.as_str(), "never api@1.0.5");
    assert_eq!(range["commits"], 5);
    assert_eq!(evidence(web, "docs"), ["file packages/web/docs/replay.md"]);
    assert_eq!(
        evidence(web, "template"),
        ["file packages/web/templates/replay.json"]
    );
    assert_eq!(
        evidence(web, "feature-flag"),
        ["flag-registry session-replay (added, beta)"]
    );
    assert_eq!(
        evidence(web, "marketing"),
        ["trailer Marketing-Notified: #launch-replay"]
    );
    // The change itself is the one commit, and the root's manifest makes it the root's too.
    assert_eq!(report["range"]["commits"], 1);
    assert_eq!(report["range"]["kind"], "change");
    assert_eq!(package(&report, ".")["stage"], "merge");
    let (code, text) = judge_text(&repo, "base", &[]);
    assert_eq!(code, 0);
    let base = &repo.git(&["rev-parse", "base"])[..10];
    let head = &repo.git(&["rev-parse", "HEAD"])[..10];
    snapshot::assert_snapshot(
        "packages__release_pull_request.txt",
        &text,
        &[
            ("[BASE]", base),
            ("[HEAD]", head),
            ("[WEBONE]", &mono.web_1_0_0[..10]),
        ],
    );
}

#[test]
fn a_release_pull_request_is_blocked_when_its_release_lacks_the_evidence() {
    let (repo, _) = monorepo();
    web_fix(&repo);
    repo.git(&["branch", "-f", "base"]);
    release_pr(&repo, "1.0.1");
    let (code, report) = judge(&repo, "base", &[]);
    assert_eq!(code, 1, "{report:#}");
    let web = package(&report, "web");
    assert_eq!(web["verdict"], "blocked");
    assert_eq!(web["range"]["previous_release"], "web@1.0.0");
    for id in ["docs", "template", "feature-flag", "marketing"] {
        assert_eq!(status(web, id), "missing", "{id}: the changelog is no docs");
    }
    let (_, text) = judge_text(&repo, "base", &[]);
    assert!(
        text.ends_with(
            "blocked: web (a full release) needs docs, template, feature-flag, marketing\n"
        ),
        "{text}"
    );
}

#[test]
fn web_1_1_0_is_judged_against_web_1_0_0_never_api_1_0_5() {
    let (repo, mono) = monorepo();
    web_features(&repo);
    release_pr(&repo, "1.1.0");
    repo.git(&["tag", "web@1.1.0"]);
    // The tag on head names web; its release is everything since web@1.0.0, although
    // api@1.0.5 is a later commit and a greater version.
    let (code, report) = judge(&repo, &mono.api_1_0_5, &[]);
    assert_eq!(code, 0, "{report:#}");
    let web = package(&report, "web");
    assert_eq!(web["stage_signals"][0]["source"], "tag");
    assert_eq!(web["range"]["previous_release"], "web@1.0.0");
    assert_eq!(web["range"]["base"], mono.web_1_0_0.as_str());
    assert_ne!(web["range"]["base"], mono.api_1_0_5.as_str());
    // A release candidate counts from the latest lower version, the candidate before it.
    repo.git(&["tag", "web@1.2.0-rc.1"]);
    repo.commit("chore: rc 2");
    repo.git(&["tag", "web@1.2.0-rc.2"]);
    let (_, report) = judge(&repo, "web@1.1.0", &[]);
    let web = package(&report, "web");
    assert_eq!(web["stage"], "beta");
    assert_eq!(web["range"]["previous_release"], "web@1.2.0-rc.1");
}

#[test]
fn a_first_release_is_judged_over_the_whole_history() {
    let (repo, _) = monorepo();
    repo.write(
        "packages/docs-site/package.json",
        &monorepo::manifest("docs-site", "1.0.0"),
    );
    repo.commit("chore(main): release docs-site 1.0.0");
    let (code, report) = judge(&repo, "base", &[]);
    assert_eq!(code, 1);
    let site = package(&report, "docs-site");
    assert_eq!(site["range"]["kind"], "release");
    assert_eq!(
        site["range"]["base"],
        "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    );
    assert!(site["range"].get("previous_release").is_none(), "{site:#}");
    assert_eq!(site["range"]["commits"], 4, "every commit up to head");
    let (_, text) = judge_text(&repo, "base", &[]);
    assert!(
        text.contains("range    the whole release since the first commit (a first release), as a version bump names the stage: 4b825dc642.."),
        "{text}"
    );
}

/// Without packages the repository is one package, and its release pull request is judged
/// over its whole release too (SPEC §13).
#[test]
fn a_release_without_packages_is_judged_as_a_whole() {
    let repo = Repo::with_base();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"1.0.0\"\n",
    );
    repo.commit("chore: 1.0.0");
    repo.git(&["tag", "v1.0.0"]);
    common::complete_release(&repo);
    repo.commit("feat: session replay\n\nMarketing-Notified: #launch");
    repo.git(&["branch", "-f", "base"]);
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"1.1.0\"\n",
    );
    repo.commit("chore: release 1.1.0");
    let (code, report) = judge(&repo, "base", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(names(&report), ["."]);
    // The report's range is the change; the root's, its release.
    assert_eq!(report["range"]["commits"], 1);
    let root = package(&report, ".");
    assert_eq!(root["range"]["previous_release"], "v1.0.0");
    assert_eq!(root["range"]["commits"], 2);
    assert_eq!(report["requirements"], root["requirements"]);
    let (_, text) = judge_text(&repo, "base", &[]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[2].starts_with("range    "), "{text}");
    assert!(
        lines[3].starts_with(
            "         the whole release since v1.0.0, as a version bump names the stage: "
        ),
        "{text}"
    );
    assert!(lines[3].ends_with(", 2 commits, 4 files"), "{text}");
}

// ---- bad input ---------------------------------------------------------------------------

fn policy_error(policy: &str) -> String {
    let repo = Repo::with_base();
    repo.write("packages/web/a.ts", "a\n");
    repo.write("packages/api/a.ts", "a\n");
    repo.commit("packages");
    let config = repo.tmp_file("policy.yml", policy);
    let err = fails(
        &repo,
        &["--base", "base", "--config", config.to_str().unwrap()],
    );
    err.replace(config.to_str().unwrap(), "[CONFIG]")
}

#[test]
fn a_package_name_is_a_plain_identifier() {
    let err = policy_error("packages:\n  \"@acme/web\":\n    path: packages/web\n");
    assert!(
        err.starts_with(
            "error: [CONFIG] is not a valid policy (1 problem)\n  [CONFIG]:2:3: `packages.@acme/web`: \
             `@acme/web` is not a package name: use ASCII letters, digits, `-`, `_` and `.`, \
             starting with a letter or digit"
        ),
        "{err}"
    );
    assert!(err.contains("goes in its `tag-pattern`"), "{err}");
}

#[test]
fn two_packages_in_one_folder_are_an_error() {
    let err =
        policy_error("packages:\n  web: {path: packages/web}\n  site: {path: packages/web}\n");
    assert!(
        err.contains(
            "[CONFIG]:3:16: `packages.site.path`: `packages/web` is the path of package `web` too"
        ),
        "{err}"
    );
}

#[test]
fn a_tag_pattern_needs_a_version_group() {
    let err =
        policy_error("packages:\n  web:\n    path: packages/web\n    tag-pattern: '^web@.*$'\n");
    assert!(
        err.contains(
            "[CONFIG]:4:18: `packages.web.tag-pattern`: the pattern needs a named group `(?P<version>...)`"
        ),
        "{err}"
    );
}

#[test]
fn a_package_folder_missing_at_head_is_an_error() {
    let err =
        policy_error("packages:\n  web: {path: packages/web}\n  api:\n    path: packages/apl\n");
    let head = err
        .split("at head ")
        .nth(1)
        .map(|rest| &rest[..10])
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        err,
        format!(
            "error: [CONFIG] is not a valid policy (1 problem)\n  [CONFIG]:4:11: \
             `packages.api.path`: `packages/apl` is not a folder at head {head}; fix the \
             path, or remove the package\n"
        )
    );
    // Machine formats say so in their error document.
    let repo = Repo::with_base();
    repo.write("packages/web/a.ts", "a\n");
    repo.commit("web");
    let config = repo.tmp_file("policy.yml", "packages:\n  api: {path: packages/api}\n");
    let out = repo
        .shipgate()
        .args(["check", "--base", "base", "--format", "json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["code"], "bad-policy");
}

#[test]
fn a_change_that_removes_a_package_s_folder_is_judged_with_a_note() {
    let (repo, _) = monorepo();
    repo.git(&["rm", "-q", "-r", "packages/docs-site"]);
    repo.commit("chore: retire docs-site");
    let (code, report) = judge(&repo, "base", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(names(&report), ["docs-site"]);
    assert!(
        report["notes"].as_array().unwrap().iter().any(|n| n
            == "this change removes packages/docs-site, the folder of package docs-site; remove the package from the policy too"),
        "{report:#}"
    );
}

#[test]
fn explain_shows_the_packages() {
    let (repo, _) = monorepo();
    let out = repo.shipgate().arg("explain").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let root = repo.path().to_str().unwrap();
    snapshot::assert_snapshot(
        "packages__explain.txt",
        &String::from_utf8(out.stdout).unwrap(),
        &[("[ROOT]", root)],
    );
    let out = repo.shipgate().arg("validate").output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{root}/.shipgate.yml: valid (3 stages, 4 requirements, 3 packages)\n")
    );
}

/// The checks are the change's as a whole: with packages they run once, and a required
/// one with findings blocks the change while every package's requirements are met.
#[test]
fn a_required_check_blocks_a_monorepo_change_as_a_whole() {
    let repo = Repo::with_base();
    let m = lay_out(&repo);
    repo.write(
        "packages/web/src/index.ts",
        "export const web = 2;\nconsole.log(web);\n",
    );
    repo.commit("fix(web): a typo (#14)");
    std::fs::write(
        repo.path().join("strict.yml"),
        format!(
            "{}checks:\n  leftovers: {{level: required}}\n  tests: {{level: off}}\n",
            monorepo::POLICY
        ),
    )
    .unwrap();
    let config = repo.path().join("strict.yml");
    let config = config.to_str().unwrap();

    let (code, report) = judge(&repo, &m.api_1_0_5, &["--config", config]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["verdict"], "blocked");
    assert_eq!(names(&report), ["web"]);
    assert_eq!(package(&report, "web")["verdict"], "pass");
    let leftovers = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "leftovers")
        .unwrap();
    assert_eq!(leftovers["level"], "required");
    assert_eq!(
        leftovers["findings"][0]["path"],
        "packages/web/src/index.ts"
    );
    assert_eq!(leftovers["findings"][0]["line"], 2);

    let (code, text) = judge_text(&repo, &m.api_1_0_5, &["--config", config]);
    assert_eq!(code, 1);
    assert!(
        text.ends_with("\n\nblocked: the change has findings of required checks: leftovers\n"),
        "{text}"
    );
}
