//! `shipgate check` end to end: real repositories, the real binary, exact exit codes and
//! report fields, one test at least per promise of SPEC §2-§8.

mod common;
#[path = "common/snapshot.rs"]
mod snapshot;

use common::{Repo, complete_release, requirement, status};
use serde_json::json;

fn stage(report: &serde_json::Value) -> &str {
    report["stage"].as_str().unwrap()
}

fn signals(report: &serde_json::Value) -> Vec<(String, String)> {
    report["stage_signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["source"].as_str().unwrap().to_owned(),
                s["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Judges the repository's change as a full release with this pull-request body.
fn full_release_with_body(repo: &Repo, body: &str) -> serde_json::Value {
    let file = repo.tmp_file("body.md", body);
    let args = [
        "--label",
        "release:full",
        "--body-file",
        file.to_str().unwrap(),
    ];
    repo.check_json(&args).1
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

// ---- stages (SPEC §1, §3) --------------------------------------------------------------

#[test]
fn an_ordinary_merge_passes_with_no_requirements() {
    let repo = Repo::with_base();
    repo.write("src/lib.rs", "fn main() {}\n");
    repo.commit("fix: a bug");
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(report["verdict"], "pass");
    assert_eq!(stage(&report), "merge");
    assert_eq!(report["stage_signals"], json!([]));
    assert_eq!(report["requirements"], json!([]));
    assert_eq!(report["override"], json!(null));
}

#[test]
fn a_full_release_without_evidence_is_blocked_with_hints() {
    let repo = Repo::with_base();
    repo.write("src/replay.rs", "// replay\n");
    repo.commit("feat: session replay v2");
    let (code, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(code, 1);
    assert_eq!(report["verdict"], "blocked");
    assert_eq!(stage(&report), "full");
    assert_eq!(signals(&report), [pair("label", "release:full")]);
    for id in ["docs", "template", "feature-flag", "marketing"] {
        let r = requirement(&report, id);
        assert_eq!(r["level"], "required", "{id}");
        assert_eq!(r["status"], "missing", "{id}");
        assert_eq!(r["evidence"], json!([]), "{id}");
        assert!(!r["hint"].as_str().unwrap().is_empty(), "{id}");
    }
    assert_eq!(
        requirement(&report, "template")["hint"],
        "change a file matching `templates/**`, `**/templates/**`, or add a commit trailer `Template: <value>`"
    );
}

#[test]
fn a_complete_full_release_passes_and_names_its_evidence() {
    let repo = Repo::with_base();
    complete_release(&repo);
    repo.commit("feat: session replay v2\n\nRelease: full");
    let (code, report) = repo.check_json(&["--label", "marketing-notified"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["verdict"], "pass");
    assert_eq!(
        requirement(&report, "docs")["evidence"],
        json!([{"source": "file", "detail": "docs/replay.md", "commit": null, "status": "added"}])
    );
    assert_eq!(
        requirement(&report, "template")["evidence"],
        json!([{"source": "file", "detail": "templates/replay.json", "commit": null, "status": "added"}])
    );
    assert_eq!(
        requirement(&report, "feature-flag")["evidence"],
        json!([{"source": "flag-registry", "detail": "session-replay-v2 (added, beta)", "commit": null}])
    );
    assert_eq!(
        requirement(&report, "marketing")["evidence"],
        json!([{"source": "label", "detail": "marketing-notified", "commit": null}])
    );
    assert!(requirement(&report, "docs").get("hint").is_none());
}

#[test]
fn a_beta_passes_and_warns_about_what_a_full_release_needs() {
    let repo = Repo::with_base();
    repo.write("src/replay.rs", "// replay\n");
    repo.commit("feat: replay beta");
    let (code, report) = repo.check_json(&["--label", "release:beta"]);
    assert_eq!(code, 0);
    assert_eq!(report["verdict"], "pass");
    assert_eq!(stage(&report), "beta");
    let levels: Vec<_> = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap(),
                r["level"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        levels,
        [
            ("docs", "warn", "missing"),
            ("template", "warn", "missing"),
            ("feature-flag", "warn", "missing"),
            ("marketing", "warn", "missing"),
        ]
    );
}

#[test]
fn release_trailer_names_the_stage_and_its_commit() {
    let repo = Repo::with_base();
    repo.write("a.txt", "a\n");
    let id = repo.commit("feat: a\n\nSigned-off-by: Ada <ada@example.com>\nrelease: FULL");
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(stage(&report), "full");
    assert_eq!(
        report["stage_signals"],
        json!([{"source": "trailer", "detail": "release: FULL", "stage": "full", "commit": id}])
    );
}

#[test]
fn a_release_word_in_the_body_is_not_a_trailer() {
    let repo = Repo::with_base();
    repo.write("a.txt", "a\n");
    repo.commit("feat: a\n\nRelease: full\nis what we will do next month, not now.");
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(stage(&report), "merge");
}

#[test]
fn strongest_signal_wins_and_weaker_ones_are_recorded() {
    let repo = Repo::with_base();
    repo.write("a.txt", "a\n");
    repo.commit("feat: a\n\nRelease: beta");
    let (code, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(code, 1);
    assert_eq!(stage(&report), "full");
    assert_eq!(signals(&report), [pair("label", "release:full")]);
    assert_eq!(report["other_signals"][0]["source"], "trailer");
    assert_eq!(report["other_signals"][0]["stage"], "beta");
}

#[test]
fn stage_flag_overrides_every_other_signal() {
    let repo = Repo::with_base();
    repo.write("a.txt", "a\n");
    repo.commit("feat: a\n\nRelease: full");
    let (code, report) = repo.check_json(&["--stage", "beta", "--label", "release:full"]);
    assert_eq!(code, 0);
    assert_eq!(stage(&report), "beta");
    assert_eq!(signals(&report), [pair("cli", "--stage beta")]);
}

#[test]
fn semver_tags_on_head_name_full_and_beta() {
    let repo = Repo::with_base();
    repo.write("a.txt", "a\n");
    repo.commit("feat: a");
    repo.git(&["tag", "v2.1.0-rc.1"]);
    let (code, report) = repo.check_json(&[]);
    assert_eq!((code, stage(&report)), (0, "beta"));
    assert_eq!(signals(&report), [pair("tag", "v2.1.0-rc.1")]);

    repo.git(&["tag", "-a", "-m", "release", "v2.1.0"]);
    let (code, report) = repo.check_json(&[]);
    assert_eq!((code, stage(&report)), (1, "full"));
    assert_eq!(signals(&report), [pair("tag", "v2.1.0")]);

    // A tag that is not a release tag is no signal.
    let repo = Repo::with_base();
    repo.commit("chore: nothing");
    repo.git(&["tag", "nightly"]);
    assert_eq!(stage(&repo.check_json(&[]).1), "merge");
}

#[test]
fn manifest_version_bumps_name_the_stage() {
    let cases: [(&str, &str, &str, &str, &str); 6] = [
        (
            "Cargo.toml",
            "[package]\nname = \"x\"\nversion = \"1.0.0\"\n",
            "[package]\nname = \"x\"\nversion = \"1.1.0\"\n",
            "full",
            "Cargo.toml 1.0.0 -> 1.1.0",
        ),
        (
            "Cargo.toml",
            "[workspace.package]\nversion = \"0.9.0\"\n",
            "[workspace.package]\nversion = \"1.0.0-beta.1\"\n",
            "beta",
            "Cargo.toml 0.9.0 -> 1.0.0-beta.1",
        ),
        (
            "package.json",
            "{\"name\": \"x\", \"version\": \"1.2.3\"}\n",
            "{\"name\": \"x\", \"version\": \"1.3.0\"}\n",
            "full",
            "package.json 1.2.3 -> 1.3.0",
        ),
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\nversion = \"1.0\"\n",
            "[project]\nname = \"x\"\nversion = \"1.1rc1\"\n",
            "beta",
            "pyproject.toml 1.0.0 -> 1.1.0-rc.1",
        ),
        (
            "VERSION",
            "1.0.0\n",
            "2.0.0\n",
            "full",
            "VERSION 1.0.0 -> 2.0.0",
        ),
        ("VERSION", "2.0.0\n", "1.9.0\n", "merge", ""),
    ];
    for (file, old, new, want, detail) in cases {
        let repo = Repo::new();
        repo.write(file, old);
        repo.commit("initial");
        repo.git(&["branch", "base"]);
        repo.write(file, new);
        repo.commit("bump");
        let (_, report) = repo.check_json(&[]);
        assert_eq!(stage(&report), want, "{file}: {old} -> {new}");
        if !detail.is_empty() {
            assert_eq!(signals(&report), [pair("version", detail)], "{file}");
        }
    }
}

#[test]
fn a_flag_going_to_general_availability_is_a_full_release() {
    let repo = Repo::new();
    repo.write("feature-flags.yml", "flags:\n  replay:\n    stage: beta\n");
    repo.commit("initial");
    repo.git(&["branch", "base"]);
    repo.write(
        "feature-flags.yml",
        "flags:\n  replay:\n    stage: general-availability\n",
    );
    repo.commit("ship replay");
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(stage(&report), "full");
    assert_eq!(
        signals(&report),
        [pair(
            "flag-registry",
            "replay: stage beta -> general-availability"
        )]
    );
    assert_eq!(status(&report, "feature-flag"), "satisfied");
}

// ---- evidence (SPEC §4) ----------------------------------------------------------------

#[test]
fn docs_by_trailer_or_body_line_but_not_by_changelog_or_deletion() {
    let repo = Repo::with_base();
    repo.write("docs/old.md", "old\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "docs: old"]);
    repo.git(&["branch", "-f", "base"]);
    repo.remove("docs/old.md");
    repo.write("CHANGELOG.md", "## 1.0\n");
    repo.write("crates/core/CHANGELOG.md", "## 1.0\n");
    repo.commit("release notes");
    let (_, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(status(&report, "docs"), "missing");

    let report = full_release_with_body(
        &repo,
        "Adds replay.\n\nDocs: https://github.com/acme/docs/pull/7\n",
    );
    assert_eq!(
        requirement(&report, "docs")["evidence"],
        json!([{"source": "body", "detail": "Docs: https://github.com/acme/docs/pull/7", "commit": null}])
    );

    let id = repo.commit("docs elsewhere\n\nDocs: https://docs.example.com/replay");
    let (_, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(
        requirement(&report, "docs")["evidence"],
        json!([{"source": "trailer", "detail": "Docs: https://docs.example.com/replay", "commit": id}])
    );
}

#[test]
fn templates_count_at_any_depth_when_added_or_modified() {
    let repo = Repo::with_base();
    repo.write("apps/web/templates/replay.json", "{}\n");
    repo.commit("template");
    let (_, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(
        requirement(&report, "template")["evidence"][0]["detail"],
        "apps/web/templates/replay.json"
    );
    repo.git(&["branch", "-f", "base"]);
    repo.remove("apps/web/templates/replay.json");
    repo.commit("drop template");
    let (_, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(status(&report, "template"), "missing");
}

#[test]
fn flag_keys_named_by_trailer_or_label_must_exist_at_head() {
    let repo = Repo::new();
    repo.write("feature-flags.yml", "flags:\n  replay:\n    stage: beta\n");
    repo.commit("initial");
    repo.git(&["branch", "base"]);
    let id = repo.commit("feat: replay\n\nFeature-Flag: replay");
    let (_, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(
        requirement(&report, "feature-flag")["evidence"],
        json!([{"source": "trailer", "detail": "Feature-Flag: replay", "commit": id}])
    );

    let (_, report) = repo.check_json(&["--label", "release:full", "--label", "flag:replay"]);
    assert_eq!(
        requirement(&report, "feature-flag")["evidence"][1]["source"],
        "label"
    );

    let (code, report) = repo.check_json(&["--label", "release:full", "--label", "flag:replya"]);
    assert_eq!(code, 1);
    assert_eq!(status(&report, "feature-flag"), "missing");
    assert_eq!(
        requirement(&report, "feature-flag")["hint"],
        "flag key `replya` (label flag:replya) not in feature-flags.yml at head: add the flag to the registry or fix the key"
    );
}

#[test]
fn marketing_by_label_trailer_or_checked_box() {
    let repo = Repo::with_base();
    let id = repo.commit("feat: x\n\nMarketing-Notified: #launch-replay");
    let (_, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(
        requirement(&report, "marketing")["evidence"],
        json!([{"source": "trailer", "detail": "Marketing-Notified: #launch-replay", "commit": id}])
    );

    let repo = Repo::with_base();
    repo.commit("feat: x");
    let report = full_release_with_body(
        &repo,
        "## Checklist\n* [X] marketing notified\n- [ ] Docs\n",
    );
    assert_eq!(
        requirement(&report, "marketing")["evidence"],
        json!([{"source": "body", "detail": "* [X] marketing notified", "commit": null}])
    );
    let report = full_release_with_body(&repo, "- [ ] Marketing notified\n");
    assert_eq!(status(&report, "marketing"), "missing");
}

// ---- overrides (SPEC §5) ---------------------------------------------------------------

#[test]
fn overrides_turn_blocked_into_overridden_and_show_the_reason() {
    let repo = Repo::with_base();
    repo.commit("fix: hotfix");
    let (code, report) = repo.check_json(&["--label", "release:full", "--label", "shipgate:skip"]);
    assert_eq!(code, 0);
    assert_eq!(report["verdict"], "overridden");
    assert_eq!(
        report["override"],
        json!({"source": "label", "reason": "label shipgate:skip"})
    );

    let id = repo.commit("fix: prod down\n\nShipgate-Skip: checkout is down, docs follow");
    let (code, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(code, 0);
    assert_eq!(
        report["override"],
        json!({"source": "trailer", "reason": "checkout is down, docs follow", "commit": id})
    );
}

#[test]
fn an_override_without_a_reason_or_with_overrides_off_does_not_count() {
    let repo = Repo::with_base();
    repo.commit("fix: x\n\nShipgate-Skip:");
    let (code, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(code, 1);
    assert_eq!(report["override"], json!(null));

    let repo = Repo::new();
    repo.write(".shipgate.yml", "overrides:\n  enabled: false\n");
    repo.commit("policy");
    repo.git(&["branch", "base"]);
    repo.commit("fix: x");
    let (code, report) = repo.check_json(&["--label", "release:full", "--label", "shipgate:skip"]);
    assert_eq!(code, 1);
    assert_eq!(report["verdict"], "blocked");
    assert_eq!(
        report["notes"],
        json!(["override ignored (label shipgate:skip): the policy switches overrides off"])
    );
}

// ---- the change (SPEC §2) --------------------------------------------------------------

#[test]
fn the_change_is_three_dot_and_merging_the_base_in_adds_nothing() {
    let repo = Repo::with_base();
    repo.git(&["checkout", "-q", "base"]);
    repo.write("docs/base-only.md", "from base\n");
    repo.write("templates/base-only.json", "{}\n");
    repo.commit("docs on the base branch");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("src/feature.rs", "// feature\n");
    repo.commit("feat: the change");
    repo.git(&["merge", "-q", "--no-edit", "base"]);
    let (code, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(code, 1);
    assert_eq!(
        report["range"]["commits"], 2,
        "the change's commit and the merge"
    );
    assert_eq!(report["range"]["files"], 1);
    assert_eq!(status(&report, "docs"), "missing");
    assert_eq!(status(&report, "template"), "missing");
}

#[test]
fn the_range_reports_full_ids_and_counts() {
    let repo = Repo::with_base();
    let base = repo.git(&["rev-parse", "base"]);
    repo.write("a.txt", "a\n");
    repo.commit("one");
    repo.write("b.txt", "b\n");
    let head = repo.commit("two");
    let (_, report) = repo.check_json(&[]);
    assert_eq!(
        report["range"],
        json!({"base": base, "head": head, "merge_base": base, "commits": 2, "files": 2, "kind": "change"})
    );
    assert_eq!(report["schema"], 1);
}

#[test]
fn renames_binaries_submodules_and_non_utf8_names_are_counted() {
    let repo = Repo::with_base();
    repo.write("guide.txt", &"a line of the guide\n".repeat(20));
    repo.write("notes.md", &"a note\n".repeat(20));
    repo.write("docs/link.md", "a page that becomes a link\n");
    repo.commit("guide, notes and a page");
    repo.git(&["branch", "-f", "base"]);
    std::fs::create_dir_all(repo.path().join("docs")).unwrap();
    // Renamed and edited: new content under a docs path.
    repo.git(&["mv", "guide.txt", "docs/guide.txt"]);
    let mut guide = "a line of the guide\n".repeat(20);
    guide.push_str("and one more\n");
    repo.write("docs/guide.txt", &guide);
    // Renamed as is: moved, not documented.
    repo.git(&["mv", "notes.md", "docs/notes.md"]);
    // A file that becomes a symlink: a type change.
    repo.remove("docs/link.md");
    std::os::unix::fs::symlink("guide.txt", repo.path().join("docs/link.md")).unwrap();
    repo.write_bytes(b"assets/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00binary");
    repo.write_bytes(b"docs/caf\xe9.md", b"latin-1 name\n");
    // A submodule pointer: a gitlink entry added straight to the index, with the empty
    // folder git leaves for a submodule that is not checked out.
    std::fs::create_dir_all(repo.path().join("vendor/lib")).unwrap();
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        "160000,1111111111111111111111111111111111111111,vendor/lib",
    ]);
    repo.commit(
        "move the guide and notes, link a page, add a logo, a submodule and a latin-1 file",
    );
    let (_, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(report["range"]["files"], 6, "{report:#}");
    assert_eq!(
        requirement(&report, "docs")["evidence"],
        json!([
            {"source": "file", "detail": "docs/caf\\xe9.md", "commit": null, "status": "added"},
            {"source": "file", "detail": "docs/guide.txt", "commit": null, "status": "renamed", "old_path": "guide.txt"},
            {"source": "file", "detail": "docs/link.md", "commit": null, "status": "type-changed"},
        ])
    );
}

// ---- the policy (SPEC §7) --------------------------------------------------------------

const PUBLIC_BETA: &str = r#"
stages:
  - name: merge
  - name: beta
    signals: {labels: ["release:beta"], trailer: [beta], tag: prerelease}
    warn: [docs]
  - name: public-beta
    description: a public beta
    signals: {labels: ["release:public-beta"], trailer: [public-beta]}
    require: [docs]
    warn: [marketing]
  - name: full
    signals: {labels: ["release:full"], trailer: [full], tag: stable}
    require: [docs, template, feature-flag, marketing]
"#;

#[test]
fn a_custom_stage_from_the_base_policy_applies() {
    let repo = Repo::new();
    repo.write(".shipgate.yml", PUBLIC_BETA);
    let base = repo.commit("policy");
    repo.git(&["branch", "base"]);
    repo.write("src/x.rs", "\n");
    repo.commit("feat: x\n\nRelease: public-beta");
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(stage(&report), "public-beta");
    let ids: Vec<_> = report["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["level"].as_str().unwrap()))
        .collect();
    assert_eq!(ids, [("docs", "required"), ("marketing", "warn")]);
    assert_eq!(
        report["policy"]["source"],
        format!(".shipgate.yml@{}", &base[..10])
    );

    repo.write("docs/x.md", "x\n");
    repo.commit("docs");
    let (code, report) = repo.check_json(&[]);
    assert_eq!((code, report["verdict"].as_str().unwrap()), (0, "pass"));
}

#[test]
fn the_policy_is_read_from_the_base_not_from_the_change() {
    let repo = Repo::with_base();
    repo.write(
        ".github/shipgate.yml",
        "stages:\n  - name: merge\n  - name: full\n    signals: {labels: [\"release:full\"]}\n",
    );
    repo.commit("loosen the gate");
    let (code, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(code, 1, "the built-in policy of the base still applies");
    assert_eq!(report["policy"]["source"], "built-in");
    assert_eq!(
        report["policy"]["changed"],
        json!({"path": ".github/shipgate.yml", "status": "added", "valid": true, "errors": []})
    );
}

#[test]
fn the_report_says_where_the_policy_came_from_and_why() {
    let repo = Repo::new();
    repo.write(".shipgate.yml", PUBLIC_BETA);
    let base = repo.commit("policy");
    repo.git(&["branch", "base"]);
    repo.write(".shipgate.yml", "stages:\n  - name: merge\n");
    repo.commit("feat: x\n\nRelease: public-beta");
    let (code, report) = repo.check_json(&[]);
    assert_eq!(
        code, 1,
        "a change with a base is judged by the base's policy: {report:#}"
    );
    assert_eq!(
        report["policy"],
        json!({
            "source": format!(".shipgate.yml@{}", &base[..10]),
            "chain": [format!(".shipgate.yml@{}", &base[..10]), "built-in"],
            "changed": {"path": ".shipgate.yml", "status": "modified", "valid": true, "errors": []},
            "from": "base",
            "reason": format!("read at the base commit {}", &base[..10]),
        })
    );
    let policy = repo.tmp_file("policy.yml", PUBLIC_BETA);
    let (_, report) = repo.check_json(&["--config", policy.to_str().unwrap()]);
    assert_eq!(report["policy"]["from"], "config");
    assert_eq!(
        report["policy"]["reason"],
        "given with --config, not read from a commit"
    );
}

#[test]
fn config_flag_reads_a_policy_file() {
    let repo = Repo::with_base();
    repo.commit("feat: x\n\nRelease: public-beta");
    let policy = repo.tmp_file("policy.yml", PUBLIC_BETA);
    let (code, report) = repo.check_json(&["--config", policy.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(stage(&report), "public-beta");
    assert_eq!(report["policy"]["source"], policy.to_str().unwrap());
}

#[test]
fn init_writes_the_builtin_policy_which_behaves_the_same() {
    let repo = Repo::with_base();
    repo.write("src/x.rs", "\n");
    repo.commit("feat: x");
    let (code_builtin, mut builtin) = repo.check_json(&["--label", "release:full"]);

    repo.shipgate().arg("init").assert().code(0);
    let written = std::fs::read_to_string(repo.path().join(".shipgate.yml")).unwrap();
    assert!(written.starts_with("# shipgate policy"));
    repo.shipgate().arg("init").assert().code(2);
    repo.shipgate().args(["init", "--force"]).assert().code(0);
    repo.shipgate().arg("validate").assert().code(0);
    let validated = repo.shipgate().arg("validate").output().unwrap();
    assert!(
        String::from_utf8_lossy(&validated.stdout)
            .ends_with(".shipgate.yml: valid (3 stages, 4 requirements)\n")
    );

    let (code_file, mut from_file) =
        repo.check_json(&["--label", "release:full", "--config", ".shipgate.yml"]);
    assert_eq!(code_builtin, code_file);
    builtin["policy"] = json!(null);
    from_file["policy"] = json!(null);
    assert_eq!(builtin, from_file);

    let explained = repo.shipgate().arg("explain").output().unwrap();
    let explained_builtin = repo
        .shipgate()
        .args(["explain", "--repo", "/"])
        .output()
        .unwrap();
    // The same policy, but for its name, its `extends` line and where its values come
    // from (the file written, every one).
    let strip = |o: &[u8]| {
        String::from_utf8_lossy(o)
            .lines()
            .skip(1)
            .filter(|line| !line.starts_with("extends: "))
            .take_while(|line| *line != "where each value comes from:")
            .collect::<Vec<_>>()
            .join("\n")
            .trim_end()
            .to_owned()
    };
    assert_eq!(strip(&explained.stdout), strip(&explained_builtin.stdout));
    let explained = String::from_utf8_lossy(&explained.stdout);
    assert!(explained.contains("\nextends: built-in\n"), "{explained}");
    let provenance = explained
        .split("where each value comes from:\n")
        .nth(1)
        .unwrap();
    assert!(
        provenance.lines().all(|l| l.contains("/.shipgate.yml:")),
        "every value from the file written: {provenance}"
    );
}

// ---- output (SPEC §6, §8) --------------------------------------------------------------

#[test]
fn text_report_is_exact() {
    let repo = Repo::with_base();
    repo.write("docs/replay.md", "# Replay\n");
    repo.commit("feat: replay\n\nRelease: full\nMarketing-Notified: yes");
    let out = repo
        .shipgate()
        .args(["check", "--base", "base"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    snapshot::assert_snapshot("check__text_report.txt", &text, &[]);
}

#[test]
fn untrusted_text_cannot_drive_the_terminal() {
    let repo = Repo::with_base();
    repo.commit("feat: x\n\nRelease: full\nDocs: \x1b[2J\x1b]8;;http://evil\x07click\u{202e}");
    let out = repo
        .shipgate()
        .args(["check", "--base", "base"])
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Docs: \\u{1b}[2J\\u{1b}]8;;http://evil\\u{7}click\\u{202e}"),
        "{text}"
    );
    assert!(!text.contains("\x1b[2J") && !text.contains('\x07') && !text.contains('\u{202e}'));
    assert!(text.contains("\x1b["), "colour is forced on");
}

#[test]
fn no_colour_unless_a_terminal_or_forced() {
    let repo = Repo::with_base();
    let out = repo
        .shipgate()
        .args(["check", "--base", "base", "--label", "release:full"])
        .output()
        .unwrap();
    assert!(!out.stdout.contains(&0x1b));
    let forced = repo
        .shipgate()
        .args(["check", "--base", "base", "--label", "release:full"])
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(forced.stdout.contains(&0x1b));
    // NO_COLOR is the user's word and wins over a forcing CI setting.
    let refused = repo
        .shipgate()
        .args(["check", "--base", "base", "--label", "release:full"])
        .env("NO_COLOR", "1")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!refused.stdout.contains(&0x1b));
}

#[test]
fn explain_prints_the_policy_and_every_key() {
    let repo = Repo::with_base();
    let out = repo.shipgate().arg("explain").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("policy: built-in policy\n"), "{text}");
    assert!(text.contains("  full   a full release\n"), "{text}");
    assert!(
        text.contains("requires: docs, template, feature-flag, marketing"),
        "{text}"
    );

    let keys = repo
        .shipgate()
        .args(["explain", "--keys"])
        .output()
        .unwrap();
    let keys = String::from_utf8(keys.stdout).unwrap();
    for key in [
        "stages[].signals.flag-stage",
        "requirements.<id>.body-checkboxes",
        "overrides.trailers",
    ] {
        assert!(
            keys.contains(&format!("\n  {key}\n")),
            "{key} missing from:\n{keys}"
        );
    }
}

#[test]
fn explain_of_the_builtin_policy_in_full() {
    let repo = Repo::with_base();
    let out = repo.shipgate().arg("explain").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    snapshot::assert_snapshot("check__explain.txt", &text, &[]);
}

#[test]
fn explain_keys_in_full() {
    let repo = Repo::with_base();
    let out = repo
        .shipgate()
        .args(["explain", "--keys"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    snapshot::assert_snapshot("check__explain_keys.txt", &text, &[]);
}

/// After `shipgate init`, `check` still judges by the base's policy, and says so: the new
/// file applies once it is committed and merged into the base, and `--config` tries it now.
#[test]
fn a_policy_in_the_working_tree_that_is_not_in_force_is_named() {
    let repo = Repo::with_base();
    repo.write("src/x.rs", "\n");
    repo.commit("feat: x");
    let base = repo.git(&["rev-parse", "base"]);
    let notes = |args: &[&str]| repo.check_json(args).1["notes"].clone();
    assert_eq!(notes(&[]), json!([]));

    repo.shipgate().arg("init").assert().code(0);
    let not_in_force = format!(
        ".shipgate.yml in the working tree is not the policy in force, since the base commit {} \
         holds no policy file: a policy applies once it is committed and merged into the base \
         branch; `shipgate check --config .shipgate.yml` tries it now",
        &base[..10]
    );
    assert_eq!(notes(&[]), json!([not_in_force]));
    let text = repo
        .shipgate()
        .args(["check", "--base", "base"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "policy   built-in (the base commit {} holds no policy file)\n",
            &base[..10]
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("\nnote: {not_in_force}\n")),
        "{text}"
    );
    // Tried with --config, it is the policy in force.
    assert_eq!(notes(&["--config", ".shipgate.yml"]), json!([]));

    // Committed in the change, the report says what the change does to it, once.
    let head = repo.commit("Add the policy");
    let (_, report) = repo.check_json(&[]);
    assert_eq!(report["notes"], json!([]));
    assert_eq!(report["policy"]["changed"]["status"], "added");

    // Edited again, the working tree's file is neither the base's nor the change's.
    let edited = std::fs::read_to_string(repo.path().join(".shipgate.yml")).unwrap() + "# mine\n";
    repo.write(".shipgate.yml", &edited);
    assert_eq!(notes(&[]), json!([not_in_force]));
    // Merged into the base, with a change after it, the working tree's edit is still not
    // in force: the base's file is.
    repo.git(&["checkout", "--", ".shipgate.yml"]);
    repo.git(&["branch", "-f", "base", &head]);
    repo.write("src/y.rs", "\n");
    repo.commit("feat: y");
    repo.write(".shipgate.yml", &edited);
    assert_eq!(
        notes(&[]),
        json!([format!(
            ".shipgate.yml in the working tree is not the policy in force \
             (.shipgate.yml@{}): a policy applies once it is committed and merged into the \
             base branch; `shipgate check --config .shipgate.yml` tries it now",
            &head[..10]
        )])
    );
    // The same as the base's: nothing to say.
    repo.git(&["checkout", "--", ".shipgate.yml"]);
    assert_eq!(notes(&[]), json!([]));
}

/// The built-in policy's text, as `init` writes it: pinned once, here.
#[test]
fn init_writes_the_builtin_policy_text() {
    let repo = Repo::with_base();
    let out = repo.shipgate().arg("init").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let file = repo.path().join(".shipgate.yml");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "wrote {}: the built-in policy, commented; edit it, then run `shipgate validate`\n\
             It applies to changes once it is committed and merged into the base branch; until \
             then `shipgate check --config {}` tries it.\n",
            file.display(),
            file.display()
        )
    );
    let written = std::fs::read_to_string(&file).unwrap();
    snapshot::assert_snapshot("check__init.yml", &written, &[]);
}

#[test]
fn the_same_input_gives_the_same_report() {
    let repo = Repo::with_base();
    complete_release(&repo);
    repo.commit("feat: x\n\nRelease: full");
    let a = repo
        .shipgate()
        .args(["check", "--base", "base", "--format", "json"])
        .output()
        .unwrap();
    let b = repo
        .shipgate()
        .args(["check", "--base", "base", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.status.code(), b.status.code());
}

#[test]
fn help_documents_the_exit_codes() {
    let repo = Repo::new();
    for args in [&["--help"][..], &["check", "--help"][..]] {
        let out = repo.shipgate().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("0  pass, or overridden"), "{text}");
        assert!(text.contains("1  blocked"));
        assert!(text.contains("2  could not decide"));
    }
    repo.shipgate().arg("--bogus").assert().code(2);
}

#[test]
fn a_change_may_fix_a_file_that_was_broken_at_the_merge_base() {
    let repo = Repo::new();
    repo.write("feature-flags.yml", "flags:\n  replay:\n    stage: GA\n");
    repo.write("package.json", "{\"version\": \"1.0.0\",}\n");
    repo.commit("broken on main");
    repo.git(&["branch", "base"]);
    repo.write(
        "feature-flags.yml",
        "flags:\n  replay:\n    stage: general-availability\n",
    );
    repo.write("package.json", "{\"version\": \"1.0.0\"}\n");
    repo.commit("fix the registry and the manifest");
    // Nothing is known of how the files changed, so neither names a release: the fix
    // merges like any other change, and the report says why nothing was judged.
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(stage(&report), "merge");
    let notes: Vec<_> = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].starts_with("package.json could not be read at the merge-base, so how the change alters it is not judged (package.json@"),
        "{}",
        notes[0]
    );
    assert!(
        notes[0].contains(":1:21: cannot read the version: invalid JSON: trailing comma"),
        "{}",
        notes[0]
    );
    assert!(
        notes[1].contains("`flags.replay.stage`: `GA` is not a flag stage"),
        "{}",
        notes[1]
    );
}

#[test]
fn errors_quoting_the_change_cannot_drive_the_terminal() {
    let repo = Repo::with_base();
    repo.commit("feat: x\n\nRelease: \x1b[2J\x1b]0;pwned\x07ful");
    let out = repo
        .shipgate()
        .args(["check", "--base", "base"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains('\x1b') && !err.contains('\x07'), "{err:?}");
    assert!(
        err.contains("Release: \\u{1b}[2J\\u{1b}]0;pwned\\u{7}ful"),
        "{err}"
    );
}

#[test]
fn custom_requirements_with_their_own_hint_work_like_the_builtin_ones() {
    let repo = Repo::new();
    repo.write(
        ".shipgate.yml",
        r#"
stages:
  - name: merge
    require: [changelog]
requirements:
  changelog:
    description: a changelog entry
    paths: ["/CHANGELOG.md"]
    hint: add a line to CHANGELOG.md under "Unreleased"
"#,
    );
    repo.commit("policy");
    repo.git(&["branch", "base"]);
    repo.write("src/x.rs", "\n");
    repo.commit("feat: x");
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 1);
    assert_eq!(
        requirement(&report, "changelog")["hint"],
        "add a line to CHANGELOG.md under \"Unreleased\""
    );
    repo.write("CHANGELOG.md", "## Unreleased\n- x\n");
    repo.commit("changelog");
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(
        requirement(&report, "changelog")["evidence"][0]["detail"],
        "CHANGELOG.md"
    );
}

#[test]
fn a_policy_without_trailer_values_switches_the_release_trailer_off() {
    let repo = Repo::new();
    repo.write(
        ".shipgate.yml",
        "extends: none\nstages:\n  - name: merge\n  - name: full\n    signals: {labels: [\"ship\"]}\n    require: [docs]\nrequirements:\n  docs: {paths: [docs/**]}\n",
    );
    repo.commit("policy");
    repo.git(&["branch", "base"]);
    repo.commit("chore: bump\n\nRelease: 2.3.0");
    let (code, report) = repo.check_json(&[]);
    assert_eq!((code, stage(&report)), (0, "merge"));
}

#[test]
fn a_new_manifest_is_no_version_bump() {
    let repo = Repo::with_base();
    repo.write(
        "package.json",
        "{\"name\": \"x\", \"version\": \"1.0.0\"}\n",
    );
    repo.commit("npm init");
    let (code, report) = repo.check_json(&[]);
    assert_eq!((code, stage(&report)), (0, "merge"));
}

#[test]
fn a_bare_move_into_templates_is_no_new_template() {
    let repo = Repo::with_base();
    repo.write("examples/replay.json", "{\"steps\": [1, 2, 3]}\n");
    repo.commit("an example");
    repo.git(&["branch", "-f", "base"]);
    std::fs::create_dir_all(repo.path().join("templates")).unwrap();
    repo.git(&["mv", "examples/replay.json", "templates/replay.json"]);
    repo.commit("move the example");
    let (_, report) = repo.check_json(&["--label", "release:full"]);
    assert_eq!(status(&report, "template"), "missing");
    assert_eq!(report["range"]["files"], 1, "one rename");
}

#[test]
fn labels_are_trimmed() {
    let repo = Repo::with_base();
    repo.commit("feat: x");
    let (code, report) = repo.check_json(&["--label", " release:full "]);
    assert_eq!((code, stage(&report)), (1, "full"));
}

#[test]
fn long_evidence_lists_are_cut_in_text_and_kept_whole_in_json() {
    let repo = Repo::with_base();
    for i in 0..5 {
        repo.write(&format!("docs/page{i}.md"), "page\n");
    }
    repo.commit("docs\n\nRelease: beta");
    let out = repo
        .shipgate()
        .args(["check", "--base", "base"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("  ok    docs          file docs/page0.md; file docs/page1.md; file docs/page2.md (+2 more)\n"),
        "{text}"
    );
    let (_, report) = repo.check_json(&[]);
    assert_eq!(
        requirement(&report, "docs")["evidence"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
}

#[test]
fn an_override_that_was_not_needed_is_still_shown() {
    let repo = Repo::with_base();
    repo.commit("fix: typo\n\nShipgate-Skip: habit");
    let (code, report) = repo.check_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["override"]["reason"], "habit");
    assert_eq!(
        report["notes"],
        json!(["override present (habit) but nothing was blocked"])
    );
    let out = repo
        .shipgate()
        .args(["check", "--base", "base"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\noverride habit\n"), "{text}");
}

#[test]
fn without_base_or_upstream_the_base_is_origin_head() {
    let origin = Repo::with_base();
    let remote = tempfile::TempDir::new().unwrap();
    let remote_path = remote.path().to_str().unwrap();
    origin.git(&["clone", "-q", "--bare", ".", remote_path]);
    let work = tempfile::TempDir::new().unwrap();
    let clone_path = work.path().join("clone");
    let clone = clone_path.to_str().unwrap();
    origin.git(&["clone", "-q", remote_path, clone]);
    // A detached head has no upstream, so only origin/HEAD is left to compare with.
    origin.git_in(&clone_path, &["checkout", "-q", "--detach"]);
    std::fs::write(clone_path.join("docs.md"), "x\n").unwrap();
    origin.git_in(&clone_path, &["add", "-A"]);
    origin.git_in(
        &clone_path,
        &["commit", "-q", "-m", "feat: x\n\nRelease: full"],
    );
    let out = origin
        .shipgate()
        .args(["check", "--repo", clone, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["range"]["base"], origin.git(&["rev-parse", "main"]));
    assert_eq!(report["range"]["commits"], 1);
    assert_eq!(
        report["notes"],
        json!(["no --base given: the change is compared with origin/HEAD"])
    );
}
