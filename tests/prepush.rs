//! The pre-push hook end to end (SPEC §6, §10): `shipgate hook install` in a real
//! repository with a bare remote, then real `git push`es through it; and `shipgate
//! pre-push` fed git's protocol directly where git cannot be made to send bad input.

mod common;
#[path = "common/monorepo.rs"]
mod monorepo;
#[path = "common/push.rs"]
mod push;
#[path = "common/snapshot.rs"]
mod snapshot;

use std::path::Path;

use common::complete_release;
use push::{Clone, pushed, refused, stderr, text};

const RELEASE: &str = "feat: session replay v2\n\nRelease: full";
const BLOCKED: &str = "blocked: a full release needs docs, template, feature-flag, marketing";
const ZERO: &str = "0000000000000000000000000000000000000000";

fn hook_path(clone: &Clone) -> std::path::PathBuf {
    clone.repo.path().join(".git/hooks/pre-push")
}

/// `shipgate pre-push origin <remote>` with `stdin`, as git would run it.
fn pre_push(clone: &Clone, stdin: &str) -> std::process::Output {
    clone
        .repo
        .shipgate()
        .args(["pre-push", "origin", text(clone.remote())])
        .write_stdin(stdin)
        .output()
        .unwrap()
}

/// Runs pre-push expecting exit 2 with no output but the error; returns the error.
fn pre_push_fails(clone: &Clone, stdin: &str) -> String {
    let out = pre_push(clone, stdin);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", stderr(&out));
    assert!(out.stdout.is_empty());
    stderr(&out)
}

// ---- what a push is judged on ----------------------------------------------------------

#[test]
fn a_plain_branch_passes() {
    let clone = Clone::with_hook();
    let sha = clone.branch_with_commit("feature", "src/fix.rs", "fix: a bug");
    let err = pushed(&clone.push(&["origin", "feature"]));
    assert!(
        err.contains("shipgate: refs/heads/feature -> origin refs/heads/feature\n"),
        "{err}"
    );
    assert!(
        err.contains("stage    merge (an ordinary merge)\n"),
        "{err}"
    );
    assert!(err.contains("1 commit, 1 file\n"), "{err}");
    assert!(
        err.contains("note: the branch is new on the remote: the change is what origin/main, the remote's default branch, lacks\n"),
        "{err}"
    );
    assert!(
        err.contains("pass: an ordinary merge may ship (2 warnings)\n"),
        "{err}"
    );
    assert_eq!(clone.remote_sha("refs/heads/feature"), Some(sha));
}

#[test]
fn a_full_release_without_docs_is_rejected_with_the_report_on_stderr() {
    let clone = Clone::with_hook();
    clone.branch_with_commit("release", "src/replay.rs", RELEASE);
    let out = clone.push(&["origin", "release"]);
    let err = refused(&out);
    assert!(err.contains("stage    full (a full release)\n"), "{err}");
    assert!(err.contains("trailer Release: full (commit "), "{err}");
    assert!(err.contains("  FAIL  docs "), "{err}");
    assert!(err.contains(&format!("{BLOCKED}\n")), "{err}");
    assert!(
        err.contains("shipgate: the push is stopped: refs/heads/release (blocked)\n"),
        "{err}"
    );
    assert_eq!(clone.remote_sha("refs/heads/release"), None);

    // The same judgement, asked directly: the report is on stderr, stdout stays empty.
    let sha = clone.repo.git(&["rev-parse", "HEAD"]);
    let out = pre_push(
        &clone,
        &format!("refs/heads/release {sha} refs/heads/release {ZERO}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "stdout: {:?}", out.stdout);
    assert!(stderr(&out).contains(BLOCKED));
}

/// What the hook prints for a blocked ref, whole: shipgate's own lines, without git's
/// (which vary with git's version), so `pre-push` is fed git's stdin directly.
#[test]
fn the_report_of_a_blocked_ref_in_full() {
    let clone = Clone::with_hook();
    let sha = clone.branch_with_commit("release", "src/replay.rs", RELEASE);
    let out = pre_push(
        &clone,
        &format!("refs/heads/release {sha} refs/heads/release {ZERO}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "stdout: {:?}", out.stdout);
    snapshot::assert_snapshot("prepush__blocked_ref.txt", &stderr(&out), &[]);
}

#[test]
fn a_complete_full_release_passes() {
    let clone = Clone::with_hook();
    clone.repo.git(&["checkout", "-q", "-b", "release"]);
    complete_release(&clone.repo);
    clone
        .repo
        .commit("feat: session replay v2\n\nRelease: full\nMarketing-Notified: #launch-replay");
    let err = pushed(&clone.push(&["origin", "release"]));
    for line in [
        "  ok    docs          file docs/replay.md\n",
        "  ok    template      file templates/replay.json\n",
        "  ok    marketing     trailer Marketing-Notified: #launch-replay\n",
        "pass: a full release may ship (1 warning)\n",
    ] {
        assert!(err.contains(line), "no {line:?} in {err}");
    }
    assert!(clone.remote_sha("refs/heads/release").is_some());
}

#[test]
fn an_updated_branch_is_judged_on_what_the_remote_lacks() {
    let clone = Clone::with_hook();
    clone.branch_with_commit("feature", "src/a.rs", RELEASE);
    // Pushed once without the gate, as someone did before the hook existed.
    pushed(&clone.push(&["--no-verify", "origin", "feature"]));
    let before = clone.repo.git(&["rev-parse", "HEAD"]);
    clone.repo.write("src/b.rs", "// b\n");
    let after = clone.repo.commit("fix: b");
    let err = pushed(&clone.push(&["origin", "feature"]));
    let range = format!(
        "range    {}..{}, 1 commit, 1 file\n",
        &before[..10],
        &after[..10]
    );
    assert!(err.contains(&range), "{err}");
    assert!(
        err.contains("pass: an ordinary merge may ship (2 warnings)\n"),
        "{err}"
    );
}

#[test]
fn a_stable_tag_over_a_range_without_docs_is_rejected_and_a_beta_tag_passes() {
    let clone = Clone::with_hook();
    clone.repo.write("src/replay.rs", "// replay\n");
    clone.repo.commit("feat: session replay");
    pushed(&clone.push(&["origin", "main"]));

    clone.repo.git(&["tag", "v1.0.0"]);
    let err = refused(&clone.push(&["origin", "v1.0.0"]));
    assert!(
        err.contains("shipgate: refs/tags/v1.0.0 -> origin refs/tags/v1.0.0\n"),
        "{err}"
    );
    assert!(err.contains("         tag v1.0.0\n"), "{err}");
    assert!(
        err.contains(
            "note: tag v1.0.0: no earlier release tag, so the change is the whole history\n"
        ),
        "{err}"
    );
    assert!(err.contains(BLOCKED), "{err}");
    assert_eq!(clone.remote_sha("refs/tags/v1.0.0"), None);

    // A beta on a later commit. An annotated tag: git passes the tag object, shipgate
    // judges its commit.
    clone.repo.write("src/replay.rs", "// replay, fixed\n");
    clone.repo.commit("fix: replay");
    pushed(&clone.push(&["origin", "main"]));
    clone
        .repo
        .git(&["tag", "-a", "-m", "first beta", "v1.1.0-beta.1"]);
    let err = pushed(&clone.push(&["origin", "v1.1.0-beta.1"]));
    assert!(err.contains("stage    beta (a beta)\n"), "{err}");
    assert!(
        err.contains("pass: a beta may ship (6 warnings)\n"),
        "{err}"
    );
    assert!(clone.remote_sha("refs/tags/v1.1.0-beta.1").is_some());
}

#[test]
fn a_stable_tag_is_judged_since_the_previous_release() {
    let clone = Clone::with_hook();
    clone.repo.git(&["tag", "v1.0.0"]);
    pushed(&clone.push(&["--no-verify", "origin", "v1.0.0"]));
    complete_release(&clone.repo);
    clone
        .repo
        .commit("feat: replay\n\nMarketing-Notified: #launch");
    pushed(&clone.push(&["origin", "main"]));
    clone.repo.git(&["tag", "v1.1.0"]);
    let err = pushed(&clone.push(&["origin", "v1.1.0"]));
    assert!(
        err.contains("note: tag v1.1.0: the change is everything since v1.0.0\n"),
        "{err}"
    );
    assert!(
        err.contains("pass: a full release may ship (1 warning)\n"),
        "{err}"
    );
}

/// A policy that a full release must meet, and one that lets anything through.
const STRICT: &str = "stages:\n  - name: merge\n  - name: full\n    signals: {trailer: [full], tag: stable}\n    require: [docs, marketing]\n";
const LOOSE: &str = "stages:\n  - name: merge\n  - name: full\n    signals: {trailer: [full], tag: stable}\n    require: []\n";

/// The remote's `main` holds the strict policy; a later commit loosens it and names a full
/// release, and is tagged `v1.0.0`, the first release. Returns the strict commit.
fn first_release_that_loosens_the_policy(clone: &Clone) -> String {
    clone.repo.write(".shipgate.yml", STRICT);
    let strict = clone.repo.commit("Adopt a strict policy");
    pushed(&clone.push(&["origin", "main"]));
    clone.repo.write(".shipgate.yml", LOOSE);
    clone.repo.commit("Loosen the gate\n\nRelease: full");
    clone.repo.git(&["tag", "v1.0.0"]);
    strict
}

#[test]
fn a_first_release_tag_is_judged_by_the_policy_of_the_remotes_default_branch() {
    let clone = Clone::with_hook();
    let strict = first_release_that_loosens_the_policy(&clone);
    let err = refused(&clone.push(&["origin", "v1.0.0"]));
    assert!(
        err.contains(&format!(
            "policy   .shipgate.yml@{} (no base commit: read at the tip of the default branch origin/main, not from the change)\n",
            &strict[..10]
        )),
        "{err}"
    );
    assert!(
        err.contains("this change edits .shipgate.yml: valid; it applies from the next change on"),
        "{err}"
    );
    assert!(err.contains("needs docs, marketing\n"), "{err}");
    assert_eq!(clone.remote_sha("refs/tags/v1.0.0"), None);
}

#[test]
fn a_first_release_tag_without_a_remote_default_branch_is_judged_by_the_built_in_policy() {
    let clone = Clone::with_hook();
    first_release_that_loosens_the_policy(&clone);
    clone
        .repo
        .git(&["remote", "set-head", "origin", "--delete"]);
    let err = refused(&clone.push(&["origin", "v1.0.0"]));
    assert!(
        err.contains(
            "policy   built-in (no base commit, and no default branch is known: refs/remotes/origin/HEAD is not here; the change's own policy never applies)\n"
        ),
        "{err}"
    );
    assert!(err.contains(BLOCKED), "{err}");
}

#[test]
fn a_tag_cannot_declare_itself_no_release() {
    let clone = Clone::with_hook();
    // A valid pattern that no ordinary tag matches.
    clone.repo.write(
        ".shipgate.yml",
        "signals:\n  tag-pattern: '^never-(?P<version>\\d+\\.\\d+\\.\\d+)$'\n",
    );
    clone.repo.commit("No tag is a release");
    clone.repo.git(&["tag", "v1.0.0"]);
    let err = refused(&clone.push(&["origin", "v1.0.0"]));
    assert!(!err.contains("not a release tag"), "{err}");
    assert!(
        err.contains("stage    full (a full release)\n         tag v1.0.0\n"),
        "{err}"
    );
    let initial = clone.repo.git(&["rev-parse", "origin/main"]);
    assert!(
        err.contains(&format!(
            "policy   built-in (no base commit, and the tip of the default branch origin/main ({}) holds no policy file)\n",
            &initial[..10]
        )),
        "{err}"
    );
    assert!(
        err.contains("this change edits .shipgate.yml: valid; it applies from the next change on"),
        "{err}"
    );
    assert!(err.contains(BLOCKED), "{err}");
}

#[test]
fn a_tag_since_an_earlier_release_is_judged_by_that_releases_policy() {
    let clone = Clone::with_hook();
    clone.repo.write(".shipgate.yml", STRICT);
    clone.repo.commit("Adopt a strict policy");
    clone.repo.git(&["tag", "v0.9.0"]);
    pushed(&clone.push(&["--no-verify", "origin", "main", "v0.9.0"]));
    clone.repo.write(".shipgate.yml", LOOSE);
    clone.repo.write("docs/replay.md", "# Replay\n");
    clone.repo.commit("Loosen the gate");
    clone.repo.git(&["tag", "v1.0.0"]);
    let err = refused(&clone.push(&["origin", "v1.0.0"]));
    assert!(
        err.contains("(read at the previous release v0.9.0)\n"),
        "{err}"
    );
    assert!(err.contains("needs marketing\n"), "{err}");
}

#[test]
fn a_tag_that_is_no_release_is_said_to_be_skipped() {
    let clone = Clone::with_hook();
    clone.repo.git(&["tag", "nightly"]);
    let err = pushed(&clone.push(&["origin", "nightly"]));
    assert!(
        err.contains("shipgate: refs/tags/nightly -> origin refs/tags/nightly: not a release tag (signals.tag-pattern `"),
        "{err}"
    );
    assert!(
        err.contains("`, policy built-in); nothing to check\n"),
        "{err}"
    );
}

#[test]
fn deleting_a_remote_branch_passes() {
    let clone = Clone::with_hook();
    clone.branch_with_commit("release", "src/a.rs", RELEASE);
    pushed(&clone.push(&["--no-verify", "origin", "release"]));
    let err = pushed(&clone.push(&["origin", "--delete", "release"]));
    assert!(
        err.contains("shipgate: origin refs/heads/release: deleted; nothing to check\n"),
        "{err}"
    );
    assert_eq!(clone.remote_sha("refs/heads/release"), None);

    // A deletion beside a branch: each said, the branch judged.
    pushed(&clone.push(&["--no-verify", "origin", "release:old"]));
    clone.branch_with_commit("plain", "src/b.rs", "fix: b");
    let err = pushed(&clone.push(&["origin", ":old", "plain"]));
    assert!(
        err.contains("shipgate: origin refs/heads/old: deleted; nothing to check\n"),
        "{err}"
    );
    assert!(
        err.contains("pass: an ordinary merge may ship (2 warnings)\n"),
        "{err}"
    );
    assert_eq!(clone.remote_sha("refs/heads/old"), None);
    assert!(clone.remote_sha("refs/heads/plain").is_some());
}

#[test]
fn two_refs_where_one_is_blocked_stop_the_whole_push() {
    let clone = Clone::with_hook();
    clone.branch_with_commit("plain", "src/fix.rs", "fix: a bug");
    clone.branch_with_commit("release", "src/replay.rs", RELEASE);
    let err = refused(&clone.push(&["origin", "plain", "release"]));
    // One report per ref, in git's order, and the pass is reported too.
    let plain = err
        .find("shipgate: refs/heads/plain -> origin refs/heads/plain\n")
        .expect(&err);
    let release = err
        .find("shipgate: refs/heads/release -> origin refs/heads/release\n")
        .expect(&err);
    assert!(plain < release, "{err}");
    assert!(
        err.contains("pass: an ordinary merge may ship (2 warnings)\n"),
        "{err}"
    );
    assert!(err.contains(BLOCKED), "{err}");
    assert!(
        err.contains("shipgate: the push is stopped: refs/heads/release (blocked)\n"),
        "{err}"
    );
    assert_eq!(clone.remote_sha("refs/heads/plain"), None);
    assert_eq!(clone.remote_sha("refs/heads/release"), None);
}

#[test]
fn no_verify_still_skips_the_hook() {
    let clone = Clone::with_hook();
    clone.branch_with_commit("release", "src/a.rs", RELEASE);
    let err = pushed(&clone.push(&["--no-verify", "origin", "release"]));
    assert!(!err.contains("shipgate"), "{err}");
}

#[test]
fn the_stage_and_labels_can_be_set_for_one_push() {
    let clone = Clone::with_hook();
    clone.branch_with_commit("feature", "src/a.rs", "feat: a");
    let err = refused(&clone.push_with(&[("SHIPGATE_STAGE", "full")], &["origin", "feature"]));
    assert!(err.contains(BLOCKED), "{err}");
    let err = refused(&clone.push_with(
        &[("SHIPGATE_LABELS", "release:full, marketing-notified")],
        &["origin", "feature"],
    ));
    assert!(err.contains("label release:full"), "{err}");
    assert!(
        err.contains("  ok    marketing     label marketing-notified\n"),
        "{err}"
    );
    assert!(
        err.contains("blocked: a full release needs docs, template, feature-flag\n"),
        "{err}"
    );
    let err = pushed(&clone.push_with(
        &[("SHIPGATE_LABELS", "release:beta")],
        &["origin", "feature"],
    ));
    assert!(err.contains("stage    beta (a beta)\n"), "{err}");
}

// ---- bases ----------------------------------------------------------------------------

#[test]
fn a_new_branch_without_a_remote_default_branch_says_which_base_to_configure() {
    let clone = Clone::with_hook();
    clone
        .repo
        .git(&["remote", "set-head", "origin", "--delete"]);
    clone.branch_with_commit("feature", "src/a.rs", "fix: a");
    let err = refused(&clone.push(&["origin", "feature"]));
    assert!(
        err.contains("error: the branch is new on the remote, and origin's default branch is unknown here (refs/remotes/origin/HEAD is not set)"),
        "{err}"
    );
    assert!(err.contains("`git remote set-head origin --auto`"), "{err}");
    assert!(err.contains("`git config shipgate.base <rev>`"), "{err}");
    assert!(
        err.contains("shipgate: the push is stopped: refs/heads/feature (not checked)\n"),
        "{err}"
    );

    let err = pushed(&clone.push_with(&[("SHIPGATE_BASE", "origin/main")], &["origin", "feature"]));
    assert!(
        err.contains("note: the branch is new on the remote: the change is what origin/main (SHIPGATE_BASE) lacks\n"),
        "{err}"
    );
    clone
        .repo
        .git(&["push", "-q", "--no-verify", "origin", "--delete", "feature"]);

    clone.repo.git(&["config", "shipgate.base", "main"]);
    let err = pushed(&clone.push(&["origin", "feature"]));
    assert!(
        err.contains("what main (git config shipgate.base) lacks"),
        "{err}"
    );

    clone
        .repo
        .git(&["config", "shipgate.base", "no-such-branch"]);
    clone.repo.git(&["checkout", "-q", "-b", "other"]);
    let err = refused(&clone.push(&["origin", "other"]));
    assert!(
        err.contains(
            "error: git config shipgate.base is `no-such-branch`, which names no commit here"
        ),
        "{err}"
    );
    // Why, in shipgate's words rather than libgit2's ("revspec ... not found").
    assert!(
        err.contains(
            "error: git config shipgate.base is `no-such-branch`, which names no commit here (no \
             branch, tag or commit is named `no-such-branch` here); set it to a branch, tag or \
             commit of this repository\n"
        ),
        "{err}"
    );
    clone.repo.git(&["config", "shipgate.base", "main~7"]);
    let err = refused(&clone.push(&["origin", "other"]));
    assert!(
        err.contains(
            "error: git config shipgate.base is `main~7`, which names no commit here (`main` \
             exists, but `main~7` steps past its history to a commit that is not there); set it \
             to a branch, tag or commit of this repository\n"
        ),
        "{err}"
    );
}

/// `origin/HEAD` left pointing at a branch that is gone (deleted on the remote, then
/// pruned here) is named, with how to refresh it; libgit2's "reference ... not found" is not.
#[test]
fn a_remote_default_branch_that_is_gone_says_how_to_refresh_it() {
    let clone = Clone::with_hook();
    clone.branch_with_commit("feature", "src/a.rs", "fix: a");
    clone
        .repo
        .git(&["update-ref", "-d", "refs/remotes/origin/main"]);
    let err = refused(&clone.push(&["origin", "feature"]));
    assert!(
        err.contains(
            "error: refs/remotes/origin/HEAD points at `origin/main`, which is not there (the \
             branch was deleted, or never fetched); run `git remote set-head origin --auto` to \
             refresh it\n"
        ),
        "{err}"
    );
    assert!(!err.contains("not found"), "{err}");
}

#[test]
fn a_push_to_a_url_uses_the_remote_with_that_url_or_asks_for_a_base() {
    let clone = Clone::with_hook();
    clone.branch_with_commit("feature", "src/a.rs", "fix: a");
    let url = text(clone.remote()).to_owned();
    let err = pushed(&clone.push(&[&url, "feature"]));
    assert!(
        err.contains(&format!(
            "shipgate: refs/heads/feature -> {url} refs/heads/feature\n"
        )),
        "{err}"
    );
    assert!(
        err.contains("what origin/main, the remote's default branch, lacks"),
        "{err}"
    );

    let other = tempfile::TempDir::new().unwrap();
    clone
        .repo
        .git_in(other.path(), &["init", "-q", "--bare", "-b", "main"]);
    let err = refused(&clone.push(&[text(other.path()), "feature"]));
    assert!(
        err.contains("the push goes to a URL, not a configured remote, so there is no default branch to compare it with"),
        "{err}"
    );
}

#[test]
fn a_remote_tip_missing_here_judges_what_no_remote_branch_has() {
    let clone = Clone::with_hook();
    clone.branch_with_commit("feature", "src/a.rs", "feat: a");
    pushed(&clone.push(&["-u", "origin", "feature"]));

    // Someone else pushes to the branch; this clone never fetches it.
    let other = common::Repo::new();
    other.git(&["remote", "add", "origin", text(clone.remote())]);
    other.git(&["fetch", "-q", "origin"]);
    other.git(&["checkout", "-q", "-b", "feature", "origin/feature"]);
    other.write("src/theirs.rs", "// theirs\n");
    other.commit("feat: theirs");
    other.git(&["push", "-q", "origin", "feature"]);

    // Here the branch is rewritten and force-pushed over theirs.
    clone.repo.write("src/mine.rs", "// mine\n");
    clone.repo.commit("feat: mine\n\nRelease: full");
    clone.repo.write("src/more.rs", "// more\n");
    let tip = clone.repo.commit("feat: more");
    let known = clone.repo.git(&["rev-parse", "origin/feature"]);
    let err = refused(&clone.push(&["--force", "origin", "feature"]));
    assert!(
        err.contains("is not in this repository (`git fetch` brings it)"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "the change is the 2 commits that no remote-tracking branch has, since {}",
            &known[..10]
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "range    {}..{}, 2 commits, 2 files\n",
            &known[..10],
            &tip[..10]
        )),
        "{err}"
    );
    assert!(err.contains(BLOCKED), "{err}");
}

// ---- where the hook lives -------------------------------------------------------------

#[test]
fn install_is_idempotent_and_uninstall_removes_only_its_own_hook() {
    let clone = Clone::new();
    let first = clone.install(&[]);
    let hook = hook_path(&clone);
    let path = hook.canonicalize().unwrap();
    assert!(
        first.starts_with(&format!(
            "installed the pre-push hook at {} (the repository's hooks folder); it runs ",
            path.display()
        )),
        "{first}"
    );
    let script = std::fs::read_to_string(&hook).unwrap();
    assert!(script.starts_with("#!/bin/sh\n"), "{script}");
    let binary = assert_cmd::cargo::cargo_bin("shipgate");
    assert!(
        script.contains(&format!("shipgate='{}'\n", binary.display())),
        "{script}"
    );
    let second = clone.install(&[]);
    assert!(second.contains("is installed and up to date"), "{second}");
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), script);

    let out = clone
        .repo
        .shipgate()
        .args(["hook", "uninstall"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "removed {} (the repository's hooks folder)\n",
            path.display()
        )
    );
    assert!(!hook.exists());
    let out = clone
        .repo
        .shipgate()
        .args(["hook", "uninstall"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("nothing to remove")
    );

    std::fs::write(&hook, "#!/bin/sh\nexit 0\n").unwrap();
    let out = clone
        .repo
        .shipgate()
        .args(["hook", "uninstall"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains(" alone: it is a file not written by shipgate, starting `#!/bin/sh`\n"),
    );
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\nexit 0\n"
    );
}

#[test]
fn an_existing_foreign_hook_is_not_overwritten() {
    let clone = Clone::new();
    let hook = hook_path(&clone);
    let theirs = "#!/bin/sh\n# their own checks\nexit 0\n";
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(&hook, theirs).unwrap();
    let out = clone
        .repo
        .shipgate()
        .args(["hook", "install"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(
            "is a file not written by shipgate, starting `#!/bin/sh`; shipgate leaves it alone."
        ),
        "{err}"
    );
    assert!(
        err.contains("pass its stdin and arguments on to `shipgate pre-push \"$@\"`"),
        "{err}"
    );
    assert!(err.contains("`shipgate hook install --force`"), "{err}");
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), theirs);

    // pre-commit's hook gets advice of its own.
    std::fs::write(
        &hook,
        "#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\n",
    )
    .unwrap();
    let out = clone
        .repo
        .shipgate()
        .args(["hook", "install"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is the pre-commit framework's hook"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(".pre-commit-config.yaml"));

    let said = clone.install(&["--force"]);
    assert!(said.starts_with("replaced the pre-push hook at "), "{said}");
    clone.branch_with_commit("release", "src/a.rs", RELEASE);
    refused(&clone.push(&["origin", "release"]));
}

#[test]
fn install_follows_a_relative_core_hooks_path_from_a_subfolder() {
    let clone = Clone::new();
    clone.repo.git(&["config", "core.hooksPath", ".githooks"]);
    std::fs::create_dir_all(clone.repo.path().join("src")).unwrap();
    let out = clone
        .repo
        .shipgate()
        .args(["hook", "install", "--repo", "src"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let hook = clone.repo.path().join(".githooks/pre-push");
    assert!(hook.is_file());
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("(core.hooksPath)")
    );
    assert!(!hook_path(&clone).exists());
    let git_says = clone
        .repo
        .git(&["rev-parse", "--path-format=absolute", "--git-path", "hooks"]);
    assert_eq!(
        Path::new(&git_says),
        hook.parent().unwrap().canonicalize().unwrap()
    );
    clone.branch_with_commit("release", "src/a.rs", RELEASE);
    let err = refused(&clone.push(&["origin", "release"]));
    assert!(err.contains(BLOCKED), "{err}");
}

#[test]
fn a_worktree_shares_the_main_repositorys_hook() {
    let clone = Clone::new();
    let wt = tempfile::TempDir::new().unwrap();
    let wt_path = wt.path().join("wt");
    clone.repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "release",
        text(&wt_path),
        "main",
    ]);
    let out = clone
        .repo
        .shipgate()
        .args(["hook", "install", "--repo", text(&wt_path)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(hook_path(&clone).is_file());
    std::fs::write(wt_path.join("src.rs"), "// replay\n").unwrap();
    clone.repo.git_in(&wt_path, &["add", "-A"]);
    clone
        .repo
        .git_in(&wt_path, &["commit", "-q", "-m", RELEASE]);
    let err = refused(&clone.push_in(&wt_path, &[], &["origin", "release"]));
    assert!(err.contains(BLOCKED), "{err}");
}

#[test]
fn a_hooks_folder_that_cannot_be_written_is_an_error() {
    use std::os::unix::fs::PermissionsExt as _;
    let clone = Clone::new();
    let read_only = clone.repo.path().join("read-only");
    std::fs::create_dir(&read_only).unwrap();
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Modes do not stop root; a kernel folder stops everyone.
    let probe = read_only.join("probe");
    let hooks = if std::fs::write(&probe, "").is_ok() {
        std::fs::remove_file(&probe).unwrap();
        Path::new("/sys/kernel/shipgate-hooks").to_owned()
    } else {
        read_only.join("hooks")
    };
    clone.repo.git(&["config", "core.hooksPath", text(&hooks)]);
    let out = clone
        .repo
        .shipgate()
        .args(["hook", "install"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "error: could not write the hook: `{}`: ",
            hooks.display()
        )),
        "{err}"
    );
    assert!(!hooks.join("pre-push").exists());
}

#[test]
fn a_hook_whose_binary_is_gone_stops_the_push_and_says_why() {
    let clone = Clone::new();
    let bin_dir = tempfile::TempDir::new().unwrap();
    let copy = bin_dir.path().join("shipgate");
    std::fs::copy(assert_cmd::cargo::cargo_bin("shipgate"), &copy).unwrap();
    // Another test thread may fork while the copy is still open for writing; the child
    // holds that descriptor until it execs, and running the copy then fails with
    // "text file busy" (ETXTBSY). That passes in a moment, so try again briefly.
    let mut tries = 0;
    let out = loop {
        match std::process::Command::new(&copy)
            .args(["hook", "install"])
            .current_dir(clone.repo.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", clone.home())
            .output()
        {
            Err(e) if e.raw_os_error() == Some(26) && tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => break other.unwrap(),
        }
    };
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    std::fs::remove_file(&copy).unwrap();
    clone.branch_with_commit("feature", "src/a.rs", "fix: a");

    // No shipgate on PATH either (only git is): the push stops, saying what to do.
    let git_only = tempfile::TempDir::new().unwrap();
    std::os::unix::fs::symlink(which("git"), git_only.path().join("git")).unwrap();
    let path = text(git_only.path()).to_owned();
    let err = refused(&clone.push_with(&[("PATH", &path)], &["origin", "feature"]));
    assert!(
        err.contains(&format!(
            "shipgate hook: cannot check this push: {} does not exist and no shipgate is on PATH.",
            copy.display()
        )),
        "{err}"
    );
    assert!(err.contains("git push --no-verify"), "{err}");

    // shipgate on PATH: the hook says so and runs it.
    let bin = assert_cmd::cargo::cargo_bin("shipgate");
    let with_bin = format!("{}:{path}", bin.parent().unwrap().display());
    let err = pushed(&clone.push_with(&[("PATH", &with_bin)], &["origin", "feature"]));
    assert!(
        err.contains(&format!(
            "shipgate hook: {} is gone; running shipgate from PATH",
            copy.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("pass: an ordinary merge may ship (2 warnings)\n"),
        "{err}"
    );
}

/// The first `name` on PATH.
fn which(name: &str) -> std::path::PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no {name} on PATH"))
}

// ---- bad input -------------------------------------------------------------------------

#[test]
fn empty_stdin_is_nothing_to_push() {
    let clone = Clone::new();
    let out = pre_push(&clone, "");
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn malformed_lines_are_refused() {
    let clone = Clone::new();
    let sha = clone.repo.git(&["rev-parse", "HEAD"]);
    let err = pre_push_fails(&clone, &format!("refs/heads/main {sha} refs/heads/main\n"));
    assert_eq!(
        err,
        format!(
            "error: stdin line 1: expected `<local-ref> <local-sha> <remote-ref> <remote-sha>`, as git writes it for a pre-push hook, but got `refs/heads/main {sha} refs/heads/main`\n"
        )
    );
    let err = pre_push_fails(
        &clone,
        &format!(
            "refs/heads/main {sha} refs/heads/main {ZERO}\nrefs/heads/x xyz refs/heads/x {ZERO}\n"
        ),
    );
    assert_eq!(
        err,
        format!(
            "error: stdin line 2: the local sha `xyz` is not a full object name (40 or 64 hex digits); expected `<local-ref> <local-sha> <remote-ref> <remote-sha>`\n"
        )
    );
    let err = pre_push_fails(&clone, &format!("a {} b {ZERO}\n", &sha[..12]));
    assert!(err.contains("the local sha `"), "{err}");
    let err = pre_push_fails(&clone, &format!("a {sha} b {}\n", "0".repeat(64)));
    assert!(
        err.contains("differ") || err.contains("40 characters"),
        "{err}"
    );
    // Control characters in what is echoed back are shown, not interpreted.
    let err = pre_push_fails(&clone, "refs/heads/\x1b[2Jx\n");
    assert!(err.contains("refs/heads/\\u{1b}[2Jx"), "{err}");
}

#[test]
fn a_local_sha_that_does_not_exist_is_an_error() {
    let clone = Clone::new();
    let missing = "1234567890123456789012345678901234567890";
    let out = pre_push(
        &clone,
        &format!("refs/heads/x {missing} refs/heads/x {ZERO}\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "error: the local sha {missing} of refs/heads/x is not in this repository"
        )),
        "{err}"
    );
    assert!(err.contains("refs/heads/x (not checked)"), "{err}");
}

#[test]
fn ref_names_are_escaped_in_headers() {
    let clone = Clone::new();
    let sha = clone.repo.git(&["rev-parse", "HEAD"]);
    let out = pre_push(
        &clone,
        &format!("HEAD^{{/\x1b]0;x\x07}} {sha} refs/heads/main {sha}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("shipgate: HEAD^{/\\u{1b}]0;x\\u{7}} -> origin refs/heads/main\n"),
        "{err}"
    );
    assert!(!err.contains('\x1b'));
}

#[test]
fn a_stage_set_for_the_push_must_be_a_stage() {
    let clone = Clone::with_hook();
    clone.branch_with_commit("feature", "src/a.rs", "fix: a");
    let err = refused(&clone.push_with(&[("SHIPGATE_STAGE", "gold")], &["origin", "feature"]));
    assert!(
        err.contains("error: SHIPGATE_STAGE, which stands for --stage in a push, is not a stage: --stage `gold` is not a stage of the policy; its stages are: merge, beta, full\n"),
        "{err}"
    );
}

#[test]
fn sha256_object_names_are_read_and_refused_plainly() {
    let clone = Clone::new();
    let long = "ab".repeat(32);
    let zeros = "0".repeat(64);
    // A deletion needs no repository: it passes whatever the object format.
    let out = pre_push(&clone, &format!("(delete) {zeros} refs/heads/x {long}\n"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "shipgate: origin refs/heads/x: deleted; nothing to check\n"
    );
    // 64-digit names in a SHA-1 repository are not git talking about this repository.
    let err = pre_push_fails(
        &clone,
        &format!("refs/heads/x {long} refs/heads/x {zeros}\n"),
    );
    assert!(
        err.contains("error: git passed SHA-256 object names, but `.` uses SHA-1 ones"),
        "{err}"
    );

    // A SHA-256 repository: said plainly rather than as a library error alone.
    let repo = tempfile::TempDir::new().unwrap();
    clone
        .repo
        .git_in(repo.path(), &["init", "-q", "--object-format=sha256"]);
    let out = clone
        .repo
        .shipgate()
        .args([
            "pre-push",
            "origin",
            "/nowhere",
            "--repo",
            text(repo.path()),
        ])
        .write_stdin(format!("refs/heads/x {long} refs/heads/x {zeros}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with(
            "error: this repository uses SHA-256 object names, which shipgate cannot read yet"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn uninstall_also_removes_its_hook_kept_by_pre_commit_as_legacy() {
    let clone = Clone::with_hook();
    let hook = hook_path(&clone);
    // What `pre-commit install` does with a hook that is already there.
    let legacy = hook.with_file_name("pre-push.legacy");
    std::fs::rename(&hook, &legacy).unwrap();
    let theirs = "#!/usr/bin/env bash\n# File generated by pre-commit: https://pre-commit.com\n";
    std::fs::write(&hook, theirs).unwrap();
    let out = clone
        .repo
        .shipgate()
        .args(["hook", "uninstall"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let dir = hook.parent().unwrap().canonicalize().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "removed {}/pre-push.legacy (the repository's hooks folder)\nleft {}/pre-push alone: it is the pre-commit framework's hook\n",
            dir.display(),
            dir.display()
        )
    );
    assert!(!legacy.exists());
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), theirs);
}

// ---- monorepos (SPEC §12, §13) -----------------------------------------------------------

/// The monorepo on `main`, `merged` and web's release pull request on top, pushed without
/// the hook (the packages' own releases are not what these tests push), then tagged
/// `web@1.1.0`.
fn monorepo_clone(merged: fn(&common::Repo) -> String) -> Clone {
    let clone = Clone::with_hook();
    monorepo::lay_out(&clone.repo);
    merged(&clone.repo);
    monorepo::release_pr(&clone.repo, "1.1.0");
    pushed(&clone.push(&["--no-verify", "origin", "main"]));
    clone.repo.git(&["tag", "web@1.1.0"]);
    clone
}

#[test]
fn a_package_s_tag_is_pushed_when_its_release_carries_the_evidence() {
    let clone = monorepo_clone(monorepo::web_features);
    let err = pushed(&clone.push(&["origin", "web@1.1.0"]));
    for line in [
        "shipgate: refs/tags/web@1.1.0 -> origin refs/tags/web@1.1.0\n",
        "package  web (packages/web): pass\n",
        "         tag web@1.1.0\n",
        "  ok    docs          file packages/web/docs/replay.md\n",
        "note: tag web@1.1.0: the change is everything since web@1.0.0\n",
        "pass: web (a full release) may ship\n",
    ] {
        assert!(err.contains(line), "{line:?} in\n{err}");
    }
    // api's release in the same range was api's own: not judged again here.
    assert!(!err.contains("package  api"), "{err}");
    assert!(clone.remote_sha("refs/tags/web@1.1.0").is_some());
}

#[test]
fn a_package_s_tag_is_refused_when_its_release_lacks_the_evidence() {
    let clone = monorepo_clone(monorepo::web_fix);
    let err = refused(&clone.push(&["origin", "web@1.1.0"]));
    assert!(
        err.contains(
            "range    the whole release since web@1.0.0, as a tag and a version bump name the stage: "
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "blocked: web (a full release) needs docs, template, feature-flag, marketing\n"
        ),
        "{err}"
    );
    assert!(
        err.contains("shipgate: the push is stopped: refs/tags/web@1.1.0 (blocked)\n"),
        "{err}"
    );
    assert_eq!(clone.remote_sha("refs/tags/web@1.1.0"), None);
    // A tag that no package's pattern picks is no release: nothing to check.
    clone.repo.git(&["tag", "preview-1"]);
    let err = pushed(&clone.push(&["origin", "preview-1"]));
    assert!(
        err.contains("not a release tag (signals.tag-pattern `"),
        "{err}"
    );
    assert!(err.contains("packages.web.tag-pattern `^web@"), "{err}");
}
