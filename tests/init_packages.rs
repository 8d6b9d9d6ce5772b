//! `shipgate init --packages`: the built-in policy, byte for byte as `init` writes it,
//! followed by one package per workspace member of Cargo, npm/yarn and pnpm workspaces,
//! found in real folders by the real binary. The sections written are snapshots
//! (`tests/snapshots/init_packages__*.yml`); exit codes, messages and errors are exact.

mod common;
#[path = "common/snapshot.rs"]
mod snapshot;

use common::Repo;
use serde_json::{Value, json};

/// What the run said and did: exit code, stdout, stderr.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn init_packages(repo: &Repo, extra: &[&str]) -> Run {
    let out = repo
        .shipgate()
        .args(["init", "--packages"])
        .args(extra)
        .output()
        .unwrap();
    Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn policy_file(repo: &Repo) -> std::path::PathBuf {
    repo.path().join(".shipgate.yml")
}

/// The built-in policy as plain `init` writes it, pinned by tests/check.rs.
fn builtin() -> String {
    std::fs::read_to_string(snapshot::path("check__init.yml")).unwrap()
}

/// The `packages:` section of the file written, after checking that what comes before it
/// is the built-in policy, byte for byte.
fn section(repo: &Repo) -> String {
    let written = std::fs::read_to_string(policy_file(repo)).unwrap();
    let builtin = builtin();
    assert!(
        written.starts_with(&builtin),
        "the file does not start with the built-in policy:\n{written}"
    );
    written[builtin.len()..].to_owned()
}

/// The `packages` mapping of the file written, as YAML reads it.
fn packages(repo: &Repo) -> Value {
    let written = std::fs::read_to_string(policy_file(repo)).unwrap();
    let document: Value = serde_saphyr::from_str(&written).expect("the file is YAML");
    document["packages"].clone()
}

/// The first line `init --packages` prints, for `keys`.
fn wrote(repo: &Repo, keys: &[&str]) -> String {
    let file = policy_file(repo);
    let count = match keys.len() {
        1 => "1 package".to_owned(),
        n => format!("{n} packages"),
    };
    format!(
        "wrote {}: the built-in policy, commented, with {count} ({}); edit it, then run \
         `shipgate validate`\nIt applies to changes once it is committed and merged into the \
         base branch; until then `shipgate check --config {}` tries it.\n",
        file.display(),
        keys.join(", "),
        file.display()
    )
}

fn assert_error(run: &Run, expected: &str) {
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, format!("error: {expected}\n"));
}

#[test]
fn a_cargo_workspace_with_globs_and_exclude() {
    let repo = Repo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"app\"\n\n[workspace]\n\
         members = [\"crates/*\", \"./tools/gen/\", \"xtask\"]\n\
         exclude = [\"crates/legacy\", \"xtask\"]\n",
    );
    repo.write("crates/core/Cargo.toml", "[package]\nname = \"app_core\"\n");
    repo.write("crates/cli/Cargo.toml", "[package]\nname = \"app-cli\"\n");
    // Excluded: below a path in `exclude`, and so never read.
    repo.write("crates/legacy/Cargo.toml", "not toml at all");
    // Cargo's globs match folders only.
    repo.write("crates/README.md", "# crates\n");
    repo.write("tools/gen/Cargo.toml", "[package]\nname = \"gen\"\n");
    // Named outright, so `exclude` does not apply to it, as in cargo.
    repo.write("xtask/Cargo.toml", "[package]\nname = \"xtask\"\n");

    let run = init_packages(&repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        wrote(&repo, &["app-cli", "app-core", "gen", "xtask"])
            + "note: the crate `app` of the root Cargo.toml belongs to the root package `.`, \
               which `signals` describes\n"
    );
    assert_eq!(run.stderr, "");
    snapshot::assert_snapshot("init_packages__cargo.yml", &section(&repo), &[]);
    assert_eq!(
        packages(&repo)["app-core"],
        json!({
            "path": "crates/core",
            "tag-pattern": r"^app_core-v(?P<version>\d+\.\d+\.\d+.*)$",
            "manifests": ["Cargo.toml"],
        })
    );
}

#[test]
fn a_cargo_member_without_its_manifest_or_folder_is_an_error_as_in_cargo() {
    let repo = Repo::new();
    repo.write("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n");
    repo.write("crates/core/Cargo.toml", "[package]\nname = \"core\"\n");
    repo.write("crates/empty/.keep", "");
    let run = init_packages(&repo, &[]);
    assert_error(
        &run,
        "Cargo.toml: `crates/*` in Cargo.toml's [workspace] members matches `crates/empty`, \
         which has no Cargo.toml, and cargo refuses such a member too; add its manifest, or \
         its folder to `exclude`; fix it, then run `shipgate init --packages` again",
    );
    assert!(!policy_file(&repo).exists());

    let repo = Repo::new();
    repo.write("Cargo.toml", "[workspace]\nmembers = [\"tools/gen\"]\n");
    let run = init_packages(&repo, &[]);
    assert_error(
        &run,
        "Cargo.toml: `tools/gen`, named by `tools/gen` in Cargo.toml's [workspace] members, is \
         no folder of the repository (No such file or directory (os error 2)); fix it, then \
         run `shipgate init --packages` again",
    );
}

#[test]
fn an_npm_workspace_in_its_list_form() {
    let repo = Repo::new();
    repo.write(
        "package.json",
        r#"{
  "name": "monorepo",
  "private": true,
  "workspaces": ["packages/*", "apps/**", "!packages/internal", "./tools/cli"]
}
"#,
    );
    repo.write("packages/web/package.json", r#"{"name": "@acme/web"}"#);
    repo.write("packages/api/package.json", r#"{"name": "api-server"}"#);
    repo.write("packages/internal/package.json", r#"{"name": "internal"}"#);
    // No package.json: npm passes the folder over.
    repo.write("packages/docs/README.md", "# docs\n");
    // `*` does not match a name that starts with a dot; node_modules is never searched.
    repo.write("packages/.cache/package.json", r#"{"name": "cache"}"#);
    repo.write(
        "apps/site/node_modules/dep/package.json",
        r#"{"name": "dep"}"#,
    );
    repo.write("apps/site/package.json", r#"{"name": "site"}"#);
    repo.write("apps/mobile/ios/package.json", r#"{"name": "ios-shell"}"#);
    // No name: npm names it after its folder.
    repo.write("tools/cli/package.json", r#"{"version": "1.0.0"}"#);

    let run = init_packages(&repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        wrote(&repo, &["ios-shell", "site", "api-server", "web", "cli"])
    );
    snapshot::assert_snapshot("init_packages__npm_list.yml", &section(&repo), &[]);
    assert_eq!(
        packages(&repo)["cli"],
        json!({
            "path": "tools/cli",
            "tag-pattern": r"^cli@(?P<version>\d+\.\d+\.\d+.*)$",
            "manifests": ["package.json"],
        })
    );
}

#[test]
fn an_npm_workspace_in_its_object_form_and_a_negation_taken_back() {
    let repo = Repo::new();
    // Yarn's form; `nohoist` says nothing of members.
    repo.write(
        "package.json",
        r#"{"workspaces": {"packages": ["packages/*", "!packages/legacy-*", "tools/*"],
            "nohoist": ["**/react-native"]}}"#,
    );
    repo.write("packages/app/package.json", r#"{"name": "app"}"#);
    repo.write("packages/legacy-a/package.json", r#"{"name": "legacy-a"}"#);
    repo.write("packages/legacy-b/package.json", r#"{"name": "legacy-b"}"#);
    repo.write("tools/lint/package.json", r#"{"name": "lint"}"#);

    let run = init_packages(&repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, wrote(&repo, &["app", "lint"]));
    snapshot::assert_snapshot("init_packages__npm_object.yml", &section(&repo), &[]);

    // As in npm, a later pattern that an earlier negation matches takes the negation back,
    // whole: both legacy packages are members again.
    repo.write(
        "package.json",
        r#"{"workspaces": {"packages": ["packages/*", "!packages/legacy-*",
            "packages/legacy-b"]}}"#,
    );
    let run = init_packages(&repo, &["--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, wrote(&repo, &["app", "legacy-a", "legacy-b"]));
}

#[test]
fn a_pnpm_workspace_with_exclusions_wherever_they_are_written() {
    let repo = Repo::new();
    repo.write(
        "pnpm-workspace.yaml",
        "# pnpm reads only `packages` for members\n\
         packages:\n  - '!**/test/**'\n  - 'packages/*'\n  - 'components/**'\n\
         catalog:\n  react: ^18.2.0\n",
    );
    repo.write("package.json", r#"{"name": "root", "private": true}"#);
    repo.write("packages/ui/package.json", r#"{"name": "@acme/ui"}"#);
    repo.write("components/button/package.json", r#"{"name": "button"}"#);
    repo.write(
        "components/button/test/fixture/package.json",
        r#"{"name": "fixture"}"#,
    );

    let run = init_packages(&repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, wrote(&repo, &["button", "ui"]));
    snapshot::assert_snapshot("init_packages__pnpm.yml", &section(&repo), &[]);
}

#[test]
fn a_mixed_repository_has_one_package_per_folder() {
    let repo = Repo::new();
    repo.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\", \"bindings/node\"]\n",
    );
    repo.write("crates/engine/Cargo.toml", "[package]\nname = \"engine\"\n");
    // A crate that is also an npm package (napi-rs): one package, both manifests, both
    // tools' tags.
    repo.write(
        "bindings/node/Cargo.toml",
        "[package]\nname = \"engine-node\"\n",
    );
    repo.write("bindings/node/package.json", r#"{"name": "@acme/engine"}"#);
    repo.write("package.json", r#"{"workspaces": ["bindings/*", "web"]}"#);
    repo.write("web/package.json", r#"{"name": "web"}"#);
    // pnpm names the same member: one package, both sources said.
    repo.write("pnpm-workspace.yaml", "packages: [web]\n");

    let run = init_packages(&repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, wrote(&repo, &["engine-node", "engine", "web"]));
    snapshot::assert_snapshot("init_packages__mixed.yml", &section(&repo), &[]);
    let both = &packages(&repo)["engine-node"];
    assert_eq!(both["manifests"], json!(["Cargo.toml", "package.json"]));
    let pattern = regex::Regex::new(both["tag-pattern"].as_str().unwrap()).unwrap();
    assert_eq!(
        &pattern.captures("engine-node-v0.4.0").unwrap()["version"],
        "0.4.0"
    );
    assert_eq!(
        &pattern.captures("@acme/engine@0.4.0-rc.1").unwrap()["version"],
        "0.4.0-rc.1"
    );
    assert!(!pattern.is_match("engine-v0.4.0"));
}

#[test]
fn names_that_collide_are_keyed_deterministically() {
    let repo = Repo::new();
    repo.write("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n");
    repo.write("crates/web/Cargo.toml", "[package]\nname = \"web\"\n");
    repo.write(
        "crates/acme-web/Cargo.toml",
        "[package]\nname = \"acme_web\"\n",
    );
    repo.write(
        "package.json",
        r#"{"workspaces": ["packages/*", "vendor/*"]}"#,
    );
    repo.write("packages/web/package.json", r#"{"name": "@acme/web"}"#);
    repo.write("vendor/web/package.json", r#"{"name": "@other/web"}"#);
    repo.write("vendor/Web/package.json", r#"{"name": "Web"}"#);

    let run = init_packages(&repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // `web` is shared four ways: the crate and `Web` by their folders, the scoped ones by
    // scope; `acme_web`'s own key stays, so `@acme/web` takes the next number.
    assert_eq!(
        run.stdout,
        wrote(
            &repo,
            &[
                "acme-web",
                "crates-web",
                "acme-web-2",
                "vendor-web",
                "other-web"
            ]
        )
    );
    let first = section(&repo);
    snapshot::assert_snapshot("init_packages__collisions.yml", &first, &[]);
    // The same tree writes the same file.
    let again = init_packages(&repo, &["--force"]);
    assert_eq!(again.code, 0);
    assert_eq!(section(&repo), first);
}

#[test]
fn a_scoped_name_is_escaped_in_its_tag_pattern() {
    let repo = Repo::new();
    repo.write("package.json", r#"{"workspaces": ["packages/*"]}"#);
    repo.write("packages/web/package.json", r#"{"name": "@acme/web"}"#);
    repo.write(
        "packages/webapp/package.json",
        r#"{"name": "@acme/webapp"}"#,
    );
    repo.write(
        "packages/dotted/package.json",
        r#"{"name": "@acme/web.js"}"#,
    );

    let run = init_packages(&repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let packages = packages(&repo);
    let pattern =
        |key: &str| regex::Regex::new(packages[key]["tag-pattern"].as_str().unwrap()).unwrap();
    let web = pattern("web");
    assert_eq!(web.as_str(), r"^@acme/web@(?P<version>\d+\.\d+\.\d+.*)$");
    assert_eq!(
        &web.captures("@acme/web@1.2.0").unwrap()["version"],
        "1.2.0"
    );
    assert!(!web.is_match("@acme/webapp@1.2.0"));
    assert!(!web.is_match("web@1.2.0"));
    assert!(!web.is_match("@acme/web@latest"));
    assert!(pattern("webapp").is_match("@acme/webapp@1.2.0"));
    assert!(!pattern("webapp").is_match("@acme/web@1.2.0"));
    // The dot is a dot, not any character.
    let dotted = pattern("web-js");
    assert!(dotted.is_match("@acme/web.js@2.0.0"));
    assert!(!dotted.is_match("@acme/webxjs@2.0.0"));
}

#[test]
fn nothing_found_writes_nothing_and_says_where_it_looked() {
    let repo = Repo::new();
    let run = init_packages(&repo, &[]);
    assert_error(
        &run,
        &format!(
            "found no workspace members in `{}/`: there is no Cargo.toml; there is no \
             package.json; there is no pnpm-workspace.yaml. Nothing was written; without \
             --packages, `shipgate init` writes the policy for the repository as one package",
            repo.path().display()
        ),
    );
    assert!(!policy_file(&repo).exists());

    repo.write("Cargo.toml", "[package]\nname = \"single\"\n");
    repo.write("package.json", r#"{"workspaces": ["packages/*"]}"#);
    repo.write("packages/notes/README.md", "no manifest here\n");
    repo.write(
        "pnpm-workspace.yaml",
        "# settings only\nsharedWorkspaceLockfile: true\n",
    );
    let run = init_packages(&repo, &[]);
    assert_error(
        &run,
        &format!(
            "found no workspace members in `{}/`: Cargo.toml has no [workspace]; \
             package.json's workspaces (`packages/*`) match no folder with a package.json; \
             pnpm-workspace.yaml has no `packages`. Nothing was written; without \
             --packages, `shipgate init` writes the policy for the repository as one package",
            repo.path().display()
        ),
    );
    assert!(!policy_file(&repo).exists());

    // The top itself is the root package, never one of the packages.
    let repo = Repo::new();
    repo.write("package.json", r#"{"name": "root", "workspaces": ["."]}"#);
    let run = init_packages(&repo, &[]);
    assert_error(
        &run,
        &format!(
            "found no workspace members in `{}/`: there is no Cargo.toml; there is no \
             pnpm-workspace.yaml; `.` in package.json's workspaces names the repository's \
             top: its files belong to the root package `.`, which `signals` describes. \
             Nothing was written; without --packages, `shipgate init` writes the policy for \
             the repository as one package",
            repo.path().display()
        ),
    );
}

#[test]
fn a_manifest_that_does_not_parse_is_named_at_its_line_and_column() {
    let repo = Repo::new();
    repo.write("package.json", r#"{"workspaces": ["packages/*"]}"#);
    repo.write("packages/ok/package.json", r#"{"name": "ok"}"#);
    repo.write(
        "packages/web/package.json",
        "{\n  \"name\": \"web\",\n  \"version\": 1.0.0\n}\n",
    );
    assert_error(
        &init_packages(&repo, &[]),
        "packages/web/package.json:3:17: invalid JSON: expected `,` or `}`; fix it, then run \
         `shipgate init --packages` again",
    );
    assert!(!policy_file(&repo).exists());

    let repo = Repo::new();
    repo.write("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"\n");
    assert_error(
        &init_packages(&repo, &[]),
        "Cargo.toml:2:22: invalid TOML: unclosed array, expected `]`; fix it, then run \
         `shipgate init --packages` again",
    );

    let repo = Repo::new();
    repo.write("Cargo.toml", "[workspace]\nmembers = \"crates/*\"\n");
    assert_error(
        &init_packages(&repo, &[]),
        "Cargo.toml:2:11: invalid Cargo.toml: invalid type: string \"crates/*\", expected a \
         sequence; fix it, then run `shipgate init --packages` again",
    );

    let repo = Repo::new();
    repo.write("Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n");
    repo.write("crates/a/Cargo.toml", "[package]\nname = 7\n");
    assert_error(
        &init_packages(&repo, &[]),
        "crates/a/Cargo.toml:2:8: `package.name` must be a string, found integer; fix it, \
         then run `shipgate init --packages` again",
    );

    let repo = Repo::new();
    repo.write(
        "pnpm-workspace.yaml",
        "packages:\n  - 'apps/*'\n  - [nested]\n",
    );
    assert_error(
        &init_packages(&repo, &[]),
        "pnpm-workspace.yaml:3:5: `packages[1]` must be a string, found a list; fix it, then \
         run `shipgate init --packages` again",
    );

    let repo = Repo::new();
    repo.write(
        "pnpm-workspace.yaml",
        "packages:\n  - 'apps/*'\npackages: []\n",
    );
    assert_error(
        &init_packages(&repo, &[]),
        "pnpm-workspace.yaml:3:1: invalid YAML: duplicate key `packages`; keep one of them; \
         fix it, then run `shipgate init --packages` again",
    );

    let repo = Repo::new();
    repo.write("package.json", r#"{"workspaces": "packages/*"}"#);
    assert_error(
        &init_packages(&repo, &[]),
        "package.json: `workspaces` must be a list of globs or an object whose `packages` is \
         one, found string; fix it, then run `shipgate init --packages` again",
    );

    let repo = Repo::new();
    repo.write("package.json", r#"{"workspaces": ["packages/*"]}"#);
    repo.write("packages/x/package.json", "{\"name\": \"web\\napp\"}");
    assert_error(
        &init_packages(&repo, &[]),
        "packages/x/package.json: `name` `web\\u{a}app` is no name npm takes: \
         `[@scope/]name` of letters, digits and `-._~!*'()`, not starting with `.` or `_`; \
         fix it, then run `shipgate init --packages` again",
    );

    let repo = Repo::new();
    repo.write("package.json", r#"{"workspaces": ["packages/[a"]}"#);
    assert_error(
        &init_packages(&repo, &[]),
        "package.json: `packages/[a` in package.json's workspaces is no glob: unclosed \
         character class; missing ']'; fix it, then run `shipgate init --packages` again",
    );
}

#[cfg(unix)]
#[test]
fn links_are_not_followed_outside_the_repository() {
    let repo = Repo::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("package.json"),
        r#"{"name": "outside"}"#,
    )
    .unwrap();
    repo.write(
        "package.json",
        r#"{"workspaces": ["packages/*", "../elsewhere", "vendor/*"]}"#,
    );
    repo.write("packages/web/package.json", r#"{"name": "web"}"#);
    repo.write("libs/shared/package.json", r#"{"name": "shared"}"#);
    std::os::unix::fs::symlink(outside.path(), repo.path().join("packages/outside")).unwrap();
    // A glob's literal prefix that is a link out of the repository: nothing under it is read.
    std::fs::create_dir_all(outside.path().join("x")).unwrap();
    std::fs::write(outside.path().join("x/package.json"), r#"{"name": "x"}"#).unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.path().join("vendor")).unwrap();
    // A link inside the repository: the package is where its files are.
    std::os::unix::fs::symlink("../libs/shared", repo.path().join("packages/shared")).unwrap();

    let run = init_packages(&repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let real_outside = std::fs::canonicalize(outside.path()).unwrap();
    assert_eq!(
        run.stdout,
        wrote(&repo, &["shared", "web"])
            + &format!(
                "note: left out `packages/outside` (`packages/*` in package.json's \
                 workspaces): it leads outside the repository, to `{}`\n\
                 note: left out `../elsewhere` in package.json's workspaces: it leads outside \
                 the repository\n\
                 note: left out `vendor/*` in package.json's workspaces: `vendor` leads outside \
                 the repository, to `{}`\n",
                real_outside.display(),
                real_outside.display()
            )
    );
    assert_eq!(
        packages(&repo)["shared"]["path"],
        json!("libs/shared"),
        "{}",
        section(&repo)
    );
    assert!(section(&repo).contains("  # through the link `packages/shared`\n"));
}

#[cfg(unix)]
#[test]
fn manifests_are_read_bounded() {
    let repo = Repo::new();
    repo.write("package.json", r#"{"workspaces": ["packages/*"]}"#);
    std::fs::create_dir_all(repo.path().join("packages/web")).unwrap();
    let fifo = repo.path().join("packages/web/package.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // Were the manifest opened as usual, this would wait for a writer forever.
    assert_error(
        &init_packages(&repo, &[]),
        &format!(
            "the manifest `{}` is a FIFO (named pipe), not a regular file; a workspace's \
             manifests are read only as regular files within their cap, as `check` reads \
             manifests at a commit",
            fifo.display()
        ),
    );

    let repo = Repo::new();
    let big = format!(
        "{{\"workspaces\": [\"packages/*\"], \"pad\": \"{}\"}}",
        "x".repeat(1024 * 1024)
    );
    repo.write("package.json", &big);
    assert_error(
        &init_packages(&repo, &[]),
        &format!(
            "the manifest `{}` is {} bytes, over its cap of 1 MiB; a workspace's manifests \
             are read only as regular files within their cap, as `check` reads manifests at \
             a commit",
            repo.path().join("package.json").display(),
            big.len()
        ),
    );
}

#[test]
fn an_existing_policy_is_kept_without_force() {
    let repo = Repo::new();
    repo.write("package.json", r#"{"workspaces": ["packages/*"]}"#);
    repo.write("packages/web/package.json", r#"{"name": "web"}"#);
    repo.write(".shipgate.yml", "version: 1\n");
    let run = init_packages(&repo, &[]);
    assert_error(
        &run,
        &format!(
            "`{}` exists already; pass --force to replace it",
            policy_file(&repo).display()
        ),
    );
    assert_eq!(
        std::fs::read_to_string(policy_file(&repo)).unwrap(),
        "version: 1\n"
    );
    let run = init_packages(&repo, &["--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, wrote(&repo, &["web"]));
}

#[test]
fn a_policy_over_its_cap_is_not_written() {
    let repo = Repo::new();
    repo.write("package.json", r#"{"workspaces": ["packages/*"]}"#);
    for i in 0..900 {
        repo.write(
            &format!("packages/p{i}/package.json"),
            &format!(r#"{{"name": "@acme/p{i}"}}"#),
        );
    }
    let run = init_packages(&repo, &[]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    // The size depends on the built-in policy's; the rest of the message does not.
    let (before, after) = run.stderr.split_once(" bytes, ").unwrap();
    let size = before
        .strip_prefix("error: the policy with its 900 packages would be ")
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(size.parse::<u64>().unwrap() > 256 * 1024, "{size}");
    assert_eq!(
        after,
        "over the 256 KiB a policy may hold; nothing was written: list by hand the packages \
         that are released on their own\n"
    );
    assert!(!policy_file(&repo).exists());
}

/// What `init --packages` writes is a policy that `validate` accepts as it is, and that
/// `explain` reads its packages from.
#[test]
fn the_policy_written_validates_and_explains_its_packages() {
    let repo = Repo::new();
    repo.write(
        "package.json",
        "{\"name\": \"root\", \"private\": true, \"workspaces\": [\"packages/*\"]}\n",
    );
    repo.write("packages/web/package.json", "{\"name\": \"@acme/web\"}\n");
    repo.write("packages/api/package.json", "{\"name\": \"@acme/api\"}\n");
    let run = init_packages(&repo, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    let out = repo.shipgate().arg("validate").output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout,
        format!(
            "{}: valid (3 stages, 4 requirements, 2 packages)\n",
            policy_file(&repo).display()
        )
    );

    let out = repo.shipgate().arg("explain").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let explained = String::from_utf8(out.stdout).unwrap();
    for folder in ["packages/web", "packages/api"] {
        assert!(explained.contains(folder), "{folder} in {explained}");
    }
}
