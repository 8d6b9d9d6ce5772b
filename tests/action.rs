//! `shipgate check` as a GitHub Actions step: event payloads in GitHub's shapes
//! (tests/fixtures/events, with commit ids filled in per test), the runner's environment
//! variables, real repositories and the real binary.

mod common;
#[path = "common/monorepo.rs"]
mod monorepo;
#[path = "common/snapshot.rs"]
mod snapshot;

use std::path::PathBuf;

use assert_cmd::Command as BinCommand;
use common::{Repo, complete_release, status};

/// A repository with `main` at the base commit and branch `feature` checked out.
struct Action {
    repo: Repo,
    base: String,
}

impl Action {
    fn new() -> Action {
        let repo = Repo::with_base();
        let base = repo.git(&["rev-parse", "HEAD"]);
        repo.git(&["checkout", "-q", "-b", "feature"]);
        Action { repo, base }
    }

    fn head(&self) -> String {
        self.repo.git(&["rev-parse", "HEAD"])
    }

    /// The fixture with `__BASE__`, `__HEAD__` and `__TAG__` replaced, written where the
    /// runner would put it.
    fn event(&self, fixture: &str, tag: &str) -> PathBuf {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/events")
            .join(fixture);
        let text = std::fs::read_to_string(path).unwrap();
        let text = text
            .replace("__BASE__", &self.base)
            .replace("__HEAD__", &self.head())
            .replace("__TAG__", tag);
        self.repo.tmp_file("event.json", &text)
    }

    /// Runs `cmd` with the files the runner hands over for outputs and the step summary:
    /// its output, then what it wrote to each.
    fn run_with_files(&self, mut cmd: BinCommand) -> (std::process::Output, String, String) {
        let output = self.repo.tmp_file("output", "");
        let summary = self.repo.tmp_file("summary", "");
        cmd.env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", &summary);
        let out = cmd.output().unwrap();
        let written = std::fs::read_to_string(&output).unwrap();
        (out, written, std::fs::read_to_string(&summary).unwrap())
    }

    /// The binary with the runner's variables for `event_name`, reading `fixture`.
    fn step(&self, event_name: &str, fixture: &str, tag: &str) -> BinCommand {
        self.step_with(event_name, self.event(fixture, tag), &self.head())
    }

    fn step_with(&self, event_name: &str, event: PathBuf, sha: &str) -> BinCommand {
        let mut cmd = self.repo.shipgate();
        cmd.env("GITHUB_ACTIONS", "true")
            .env("CI", "true")
            .env("GITHUB_EVENT_NAME", event_name)
            .env("GITHUB_EVENT_PATH", event)
            .env("GITHUB_WORKSPACE", self.repo.path())
            .env("GITHUB_REPOSITORY", "acme/hedgehog")
            .env("GITHUB_SHA", sha)
            // Nothing may reach a real server: an API call would fail loudly here.
            .env("GITHUB_API_URL", "http://127.0.0.1:9")
            .env("INPUT_TOKEN", "")
            .env("INPUT_COMMENT", "false")
            .arg("check");
        cmd
    }

    fn json(&self, event_name: &str, fixture: &str, tag: &str) -> (i32, serde_json::Value) {
        self.json_with(self.step(event_name, fixture, tag))
    }

    fn json_with(&self, mut cmd: BinCommand) -> (i32, serde_json::Value) {
        let out = cmd.args(["--format", "json"]).output().unwrap();
        let code = out.status.code().unwrap();
        let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "no JSON ({e}); exit {code}; stdout {}; stderr {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (code, json)
    }

    fn error(&self, mut cmd: BinCommand) -> String {
        let out = cmd.args(["--format", "json"]).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "stdout {}; stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    }
}

fn signals(report: &serde_json::Value) -> Vec<String> {
    report["stage_signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}:{}",
                s["source"].as_str().unwrap(),
                s["detail"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn pull_request_opened_takes_range_labels_and_body_from_the_payload() {
    let a = Action::new();
    a.repo.write("src/replay.rs", "// v2\n");
    a.repo.commit("Replay v2");
    let (code, report) = a.json("pull_request", "pull_request_opened.json", "");
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["stage"], "full");
    assert_eq!(signals(&report), ["label:release:full"]);
    assert_eq!(report["range"]["base"], a.base.as_str());
    assert_eq!(report["range"]["head"], a.head().as_str());
    // The body's checked box (with CRLF line ends, as browsers send them) counts.
    assert_eq!(status(&report, "marketing"), "satisfied");
    assert_eq!(status(&report, "docs"), "missing");
}

#[test]
fn pull_request_labeled_with_everything_passes() {
    let a = Action::new();
    complete_release(&a.repo);
    a.repo.commit("Replay v2");
    let (code, report) = a.json("pull_request", "pull_request_labeled.json", "");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["verdict"], "pass");
    assert_eq!(status(&report, "marketing"), "satisfied");
}

#[test]
fn pull_request_synchronize_without_signals_is_a_merge() {
    let a = Action::new();
    a.repo.write("src/fix.rs", "// fix\n");
    a.repo.commit("Fix");
    let (code, report) = a.json("pull_request", "pull_request_synchronize.json", "");
    assert_eq!(code, 0);
    assert_eq!(report["stage"], "merge");
    assert_eq!(report["range"]["commits"], 1);
}

#[test]
fn a_null_body_is_no_body() {
    let a = Action::new();
    a.repo.commit("Replay v2");
    let (code, report) = a.json("pull_request", "pull_request_null_body.json", "");
    assert_eq!(code, 1);
    assert_eq!(status(&report, "marketing"), "missing");
}

#[test]
fn a_fork_pull_request_is_judged_from_git_and_the_payload() {
    let a = Action::new();
    a.repo.commit("From a fork");
    for fixture in ["pull_request_fork.json", "pull_request_deleted_fork.json"] {
        let (code, report) = a.json("pull_request", fixture, "");
        assert_eq!(code, 0, "{fixture}: {report:#}");
    }
    let (_, report) = a.json("pull_request", "pull_request_fork.json", "");
    assert_eq!(report["stage"], "beta");
    let (code, report) = a.json("pull_request_target", "pull_request_target_fork.json", "");
    assert_eq!((code, report["stage"].as_str()), (1, Some("full")));
}

#[test]
fn merge_group_judges_the_queue_commit_by_its_trailers() {
    let a = Action::new();
    a.repo.commit("Ship replay v2\n\nRelease: full");
    let (code, report) = a.json("merge_group", "merge_group.json", "");
    assert_eq!(code, 1);
    assert_eq!(report["stage"], "full");
    assert_eq!(report["range"]["base"], a.base.as_str());
    assert!(report["stage_signals"][0]["commit"].is_string());
}

#[test]
fn push_to_a_branch_judges_before_to_after() {
    let a = Action::new();
    a.repo.write("src/a.rs", "a\n");
    a.repo.commit("a");
    a.repo.write("src/b.rs", "b\n");
    a.repo.commit("b\n\nRelease: beta");
    let (code, report) = a.json("push", "push_branch.json", "");
    assert_eq!(code, 0);
    assert_eq!(report["stage"], "beta");
    assert_eq!(report["range"]["commits"], 2);
    assert_eq!(report["range"]["files"], 2);
}

#[test]
fn push_creating_a_branch_judges_what_the_default_branch_lacks() {
    let a = Action::new();
    // What actions/checkout with fetch-depth 0 leaves: remote-tracking main.
    a.repo
        .git(&["update-ref", "refs/remotes/origin/main", &a.base]);
    a.repo.commit("Ship\n\nRelease: full");
    let (code, report) = a.json("push", "push_new_branch.json", "");
    assert_eq!(code, 1);
    assert_eq!(report["range"]["base"], a.base.as_str());
    assert_eq!(report["range"]["commits"], 1);
    assert!(
        report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "push creates branch replay-v2: the change is what main lacks"),
        "{report:#}"
    );
}

#[test]
fn push_creating_a_branch_without_the_default_branch_says_how_to_fetch_it() {
    let a = Action::new();
    a.repo.commit("Ship");
    let err = a.error(a.step("push", "push_new_branch.json", ""));
    assert!(err.contains("refs/remotes/origin/main"), "{err}");
    assert!(err.contains("fetch-depth: 0"), "{err}");
}

#[test]
fn push_creating_the_default_branch_judges_its_whole_history() {
    let a = Action::new();
    a.repo.commit("more");
    let (code, report) = a.json("push", "push_new_default_branch.json", "");
    assert_eq!(code, 0);
    assert_eq!(report["range"]["commits"], 2);
    assert_eq!(
        report["range"]["base"],
        "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    );
}

#[test]
fn a_forced_push_whose_before_is_gone_fails_and_says_why() {
    let a = Action::new();
    a.repo.commit("rewritten");
    let mut cmd = a.step("push", "push_force.json", "");
    // The force-pushed-away commit was never fetched.
    let gone = "1234567890123456789012345678901234567890";
    let event = std::fs::read_to_string(a.event("push_force.json", "")).unwrap();
    let event = event.replace(
        &format!("\"before\": \"{}\"", a.base),
        &format!("\"before\": \"{gone}\""),
    );
    cmd.env("GITHUB_EVENT_PATH", a.repo.tmp_file("forced.json", &event));
    let err = a.error(cmd);
    assert!(err.contains("forced"), "{err}");
    assert!(err.contains("1234567890"), "{err}");
    assert!(err.contains("--base"), "{err}");
}

#[test]
fn a_forced_push_whose_before_is_known_is_judged() {
    let a = Action::new();
    a.repo.commit("rewritten");
    let (code, report) = a.json("push", "push_force.json", "");
    assert_eq!(code, 0);
    assert_eq!(report["range"]["commits"], 1);
}

#[test]
fn pushed_tags_judge_everything_since_the_previous_release() {
    let a = Action::new();
    a.repo.git(&["tag", "v0.9.0", &a.base]);
    a.repo.write("src/replay.rs", "v2\n");
    a.repo.commit("Replay v2");
    a.repo.git(&["tag", "v1.0.0"]);
    let (code, report) = a.json("push", "push_tag.json", "v1.0.0");
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["stage"], "full");
    assert_eq!(signals(&report), ["tag:v1.0.0"]);
    assert_eq!(report["range"]["base"], a.base.as_str());
    assert!(
        report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "tag v1.0.0: the change is everything since v0.9.0")
    );

    a.repo.write("src/more.rs", "more\n");
    a.repo.commit("More");
    a.repo.git(&["tag", "v1.1.0-beta.1"]);
    let (code, report) = a.json("push", "push_tag.json", "v1.1.0-beta.1");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["stage"], "beta");
    // A pre-release counts from the latest lower version, stable or not.
    assert_eq!(report["range"]["commits"], 1);
}

#[test]
fn a_first_release_tag_judges_the_whole_history() {
    let a = Action::new();
    complete_release(&a.repo);
    a.repo.commit("Replay\n\nMarketing-Notified: yes");
    a.repo.git(&["tag", "v1.0.0"]);
    let (code, report) = a.json("push", "push_tag.json", "v1.0.0");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["range"]["commits"], 2);
}

/// A policy that a full release must meet, and one that lets anything through.
const STRICT: &str = "stages:\n  - name: merge\n  - name: full\n    signals: {trailer: [full], tag: stable}\n    require: [docs, marketing]\n";
const LOOSE: &str = "stages:\n  - name: merge\n  - name: full\n    signals: {trailer: [full], tag: stable}\n    require: []\n";

#[test]
fn a_first_release_is_judged_by_the_default_branch_policy_never_its_own() {
    let a = Action::new();
    a.repo.write(".shipgate.yml", STRICT);
    let strict = a.repo.commit("Adopt a strict policy");
    // What actions/checkout with fetch-depth 0 leaves: the default branch as origin/main.
    a.repo
        .git(&["update-ref", "refs/remotes/origin/main", &strict]);
    a.repo.write(".shipgate.yml", LOOSE);
    a.repo.commit("Loosen the gate\n\nRelease: full");
    a.repo.git(&["tag", "v1.0.0"]);
    for (event, fixture) in [
        ("push", "push_tag.json"),
        ("release", "release_published.json"),
    ] {
        let (code, report) = a.json(event, fixture, "v1.0.0");
        assert_eq!(code, 1, "{event}: {report:#}");
        let policy = &report["policy"];
        assert_eq!(policy["source"], format!(".shipgate.yml@{}", &strict[..10]));
        assert_eq!(policy["from"], "default-branch");
        assert_eq!(
            policy["reason"],
            "no base commit: read at the tip of the default branch origin/main, not from the change"
        );
        // The policy the change brings is still validated and reported.
        assert_eq!(policy["changed"]["path"], ".shipgate.yml");
        assert_eq!(policy["changed"]["valid"], true);
        assert_eq!(status(&report, "docs"), "missing");
    }

    // The Markdown summary says which policy applied and why.
    let summary = a.repo.tmp_file("summary", "");
    let mut cmd = a.step("push", "push_tag.json", "v1.0.0");
    cmd.env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", a.repo.tmp_file("output", ""));
    assert_eq!(cmd.output().unwrap().status.code(), Some(1));
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.contains("(no base commit&#58; read at the tip of the default branch origin&#47;main&#44; not from the change)"),
        "{summary}"
    );

    // Without the default branch in the clone: the built-in policy, still not the tag's.
    a.repo
        .git(&["update-ref", "-d", "refs/remotes/origin/main"]);
    let (code, report) = a.json("push", "push_tag.json", "v1.0.0");
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["policy"]["source"], "built-in");
    assert_eq!(report["policy"]["from"], "built-in");
    assert_eq!(
        report["policy"]["reason"],
        "no base commit, and no default branch is known: none of refs/remotes/origin/main, refs/remotes/origin/HEAD is here; the change's own policy never applies"
    );
}

#[test]
fn a_push_that_creates_the_default_branch_is_not_judged_by_its_own_policy() {
    let a = Action::new();
    a.repo.write(".shipgate.yml", LOOSE);
    let head = a.repo.commit("Loosen the gate\n\nRelease: full");
    // The clone of a first push: origin/main is the pushed commit itself.
    a.repo
        .git(&["update-ref", "refs/remotes/origin/main", &head]);
    let (code, report) = a.json("push", "push_new_default_branch.json", "");
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["stage"], "full");
    assert_eq!(report["policy"]["source"], "built-in");
    assert_eq!(report["policy"]["from"], "built-in");
}

#[test]
fn deleting_a_tag_or_branch_has_nothing_to_check() {
    let a = Action::new();
    for fixture in ["push_tag_delete.json", "push_branch_delete.json"] {
        let out = a.step("push", fixture, "").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{fixture}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(stdout.contains("nothing to check"), "{stdout}");
    }
}

#[test]
fn a_release_event_judges_its_tag() {
    let a = Action::new();
    a.repo.git(&["tag", "v1.0.0", &a.base]);
    complete_release(&a.repo);
    a.repo
        .commit("Replay v2\n\nMarketing-Notified: launch mail sent");
    a.repo.git(&["tag", "v1.1.0"]);
    a.repo.git(&["checkout", "-q", "main"]);
    let (code, report) = a.json("release", "release_published.json", "v1.1.0");
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["stage"], "full");
    assert_eq!(report["verdict"], "pass");
}

#[test]
fn workflow_dispatch_reads_its_inputs() {
    let a = Action::new();
    a.repo.commit("Ship\n\nRelease: full");
    let (code, report) = a.json("workflow_dispatch", "workflow_dispatch.json", "");
    assert_eq!(code, 1);
    assert_eq!(report["range"]["base"], a.base.as_str());
    // The action's `stage` input wins over the workflow's.
    let mut cmd = a.step("workflow_dispatch", "workflow_dispatch.json", "");
    cmd.env("INPUT_STAGE", "beta");
    let (code, report) = a.json_with(cmd);
    assert_eq!((code, report["stage"].as_str()), (0, Some("beta")));
}

#[test]
fn an_event_it_does_not_handle_fails_and_names_it() {
    let a = Action::new();
    let err = a.error(a.step("issue_comment", "issue_comment.json", ""));
    assert!(
        err.contains("the `issue_comment` event is not one shipgate handles"),
        "{err}"
    );
}

#[test]
fn inputs_and_flags_win_over_the_event() {
    let a = Action::new();
    a.repo.commit("Fix");
    // INPUT_STAGE beats the label in the payload.
    let mut cmd = a.step("pull_request", "pull_request_opened.json", "");
    cmd.env("INPUT_STAGE", "merge");
    let (code, report) = a.json_with(cmd);
    assert_eq!((code, report["stage"].as_str()), (0, Some("merge")));
    // An explicit --label replaces the payload's labels; --base beats the payload's.
    let mut cmd = a.step("pull_request", "pull_request_opened.json", "");
    cmd.args(["--label", "release:beta", "--base", "HEAD"]);
    let (code, report) = a.json_with(cmd);
    assert_eq!((code, report["stage"].as_str()), (0, Some("beta")));
    assert_eq!(report["range"]["commits"], 0);
}

#[test]
fn working_directory_input_names_the_repository_inside_the_workspace() {
    let a = Action::new();
    a.repo.commit("Ship\n\nRelease: full");
    let workspace = a.repo.path().parent().unwrap().to_path_buf();
    let name = a
        .repo
        .path()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for var in ["INPUT_WORKING-DIRECTORY", "INPUT_WORKING_DIRECTORY"] {
        let mut cmd = a.step("merge_group", "merge_group.json", "");
        cmd.env("GITHUB_WORKSPACE", &workspace)
            .env(var, &name)
            .current_dir(&workspace);
        let (code, report) = a.json_with(cmd);
        assert_eq!((code, report["stage"].as_str()), (1, Some("full")), "{var}");
    }
}

#[test]
fn a_broken_payload_is_an_error_with_its_place() {
    let a = Action::new();
    let mut cmd = a.step("pull_request", "pull_request_opened.json", "");
    let path = a.repo.tmp_file(
        "bad.json",
        "{\"pull_request\": {\"number\": 17,\n  \"base\": }",
    );
    cmd.env("GITHUB_EVENT_PATH", &path);
    let err = a.error(cmd);
    assert!(
        err.contains(&format!(
            "{}:2:11: the event payload is not valid JSON",
            path.display()
        )),
        "{err}"
    );

    let mut cmd = a.step("pull_request", "pull_request_opened.json", "");
    let path = a.repo.tmp_file(
        "nosha.json",
        "{\"pull_request\": {\"number\": 17, \"base\": {\"sha\": \"main\"}}}",
    );
    cmd.env("GITHUB_EVENT_PATH", &path);
    let err = a.error(cmd);
    assert!(
        err.contains("`pull_request.base.sha` in the event payload is `main`, not a commit id"),
        "{err}"
    );

    let mut cmd = a.step("pull_request", "pull_request_opened.json", "");
    let missing = a.repo.path().join("missing.json");
    cmd.env("GITHUB_EVENT_PATH", &missing);
    let err = a.error(cmd);
    let message = format!(
        "the event payload (GITHUB_EVENT_PATH) `{}` does not exist; GITHUB_EVENT_PATH must \
         name the event file that the runner writes for the step, a regular JSON file of at \
         most 25 MiB",
        missing.display()
    );
    // With a JSON document on stdout, the annotation goes where the runner also reads.
    assert_eq!(
        err,
        format!("error: {message}\n::error title=shipgate could not decide::{message}\n")
    );
}

#[test]
fn a_bad_comment_input_is_an_error() {
    let a = Action::new();
    let mut cmd = a.step("pull_request", "pull_request_opened.json", "");
    cmd.env("INPUT_COMMENT", "yes");
    let err = a.error(cmd);
    assert!(err.contains("input `comment` is `yes`"), "{err}");
}

/// The runner's workspace belongs to another user than the container's root. Only root
/// can set that up; elsewhere this test has nothing to show.
#[test]
fn a_workspace_owned_by_another_user_is_trusted_only_under_actions() {
    if !is_root() {
        return;
    }
    let a = Action::new();
    a.repo.commit("Ship\n\nRelease: full");
    // Written while git still opens the repository for the test itself.
    let (event, head) = (a.event("merge_group.json", ""), a.head());
    let status = std::process::Command::new("chown")
        .args(["-R", "1001:1001"])
        .arg(a.repo.path())
        .status()
        .unwrap();
    assert!(status.success());
    // Outside Actions git's protection holds, and the error says what to do.
    let mut cmd = a.repo.shipgate();
    cmd.args(["check", "--base", "main"]);
    let err = a.error(cmd);
    assert!(err.contains("owned by another user"), "{err}");
    assert!(err.contains("safe.directory"), "{err}");
    // In the runner's workspace, it is the runner's checkout.
    let (code, report) = a.json_with(a.step_with("merge_group", event, &head));
    assert_eq!((code, report["stage"].as_str()), (1, Some("full")));
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false)
}

/// The step as the runner runs it: `--format github` by default, outputs and summary
/// written to the files the runner hands over.
#[test]
fn the_default_format_writes_annotations_outputs_and_summary() {
    let a = Action::new();
    a.repo.write("src/replay.rs", "// v2\n");
    a.repo.commit("Replay v2");
    let (out, written, summary) =
        a.run_with_files(a.step("pull_request", "pull_request_opened.json", ""));
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("\n::error title=shipgate%3A docs missing for a full release::"),
        "{stdout}"
    );
    snapshot::assert_snapshot(
        "action__blocked_pull_request_outputs.txt",
        &written,
        &[("[RANDOM]", snapshot::delimiter(&written))],
    );
    assert!(summary.contains("blocked"), "{summary}");
    assert!(summary.contains("template"), "{summary}");
}

#[test]
fn an_error_under_actions_is_also_an_annotation() {
    let a = Action::new();
    let out = a
        .step("issue_comment", "issue_comment.json", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("::error title=shipgate could not decide::the `issue_comment` event is not one shipgate handles"),
        "{stdout}"
    );
}

#[test]
fn a_deleted_ref_passes_with_outputs_that_say_so() {
    let a = Action::new();
    let output = a.repo.tmp_file("output", "");
    let mut cmd = a.step("push", "push_tag_delete.json", "");
    cmd.env("GITHUB_OUTPUT", &output);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "::notice title=shipgate::the push deletes refs/tags/v1.0.0: nothing to check\n"
    );
    let written = std::fs::read_to_string(&output).unwrap();
    assert!(written.contains("\npass\n"), "{written}");
}

#[test]
fn a_tag_pushed_into_a_shallow_clone_is_not_judged_on_a_cut_history() {
    let a = Action::new();
    a.repo.git(&["tag", "v0.9.0", &a.base]);
    complete_release(&a.repo);
    a.repo.commit("Replay\n\nMarketing-Notified: yes");
    a.repo.git(&["tag", "v1.0.0"]);
    // What actions/checkout gives by default: one commit, and only the pushed tag.
    let dir = tempfile::TempDir::new().unwrap();
    let clone = a.repo.shallow_clone("v1.0.0", dir.path());
    let mut cmd = a.step("push", "push_tag.json", "v1.0.0");
    cmd.env("GITHUB_WORKSPACE", &clone).current_dir(&clone);
    let err = a.error(cmd);
    let head = a.head();
    assert!(
        err.contains(&format!(
            "the history of the change (the whole history up to {0}) is cut at commit {0}",
            &head[..10]
        )),
        "{err}"
    );
    assert!(err.contains("fetch-depth: 0"), "{err}");
}

// ---- monorepos (SPEC §12, §13) -----------------------------------------------------------

/// The monorepo on `main`, which the clone knows as the default branch, with what `merged`
/// brings on top, and release-please's pull request for web 1.1.0 checked out on a branch
/// of its own.
fn monorepo_release(merged: fn(&Repo) -> String) -> (Action, monorepo::Monorepo, String) {
    let a = Action::new();
    a.repo.git(&["checkout", "-q", "main"]);
    let mono = monorepo::lay_out(&a.repo);
    let main = merged(&a.repo);
    a.repo
        .git(&["update-ref", "refs/remotes/origin/main", &main]);
    a.repo
        .git(&["checkout", "-q", "-b", "release-please--branches--main"]);
    monorepo::release_pr(&a.repo, "1.1.0");
    (a, mono, main)
}

/// release-please's pull request event: no release label, a body of release notes.
fn release_pull_event(a: &Action, base: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/events/pull_request_opened.json");
    let mut event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["pull_request"]["base"]["sha"] = base.into();
    event["pull_request"]["head"]["sha"] = a.head().into();
    event["pull_request"]["title"] = "chore(main): release web 1.1.0".into();
    event["pull_request"]["labels"] = serde_json::json!([{"name": "autorelease: pending"}]);
    event["pull_request"]["body"] = ":robot: I have created a release *beep* *boop*".into();
    a.repo.tmp_file("event.json", &event.to_string())
}

#[test]
fn a_release_pull_request_of_a_monorepo_passes_over_its_release() {
    let (a, mono, main) = monorepo_release(monorepo::web_features);
    let event = release_pull_event(&a, &main);
    let (code, report) = a.json_with(a.step_with("pull_request", event, &a.head()));
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["range"]["base"], main.as_str());
    assert_eq!(report["range"]["commits"], 1);
    let web = monorepo::package(&report, "web");
    assert_eq!(web["stage"], "full");
    assert_eq!(web["range"]["kind"], "release");
    assert_eq!(web["range"]["previous_release"], "web@1.0.0");
    assert_eq!(web["range"]["base"], mono.web_1_0_0.as_str());
    assert_eq!(
        web["requirements"][3]["evidence"][0]["detail"],
        "Marketing-Notified: #launch-replay"
    );
    // The policy is the one at the pull request's base, as for any change.
    assert_eq!(
        report["policy"]["reason"],
        format!("read at the base commit {}", &main[..10])
    );
}

/// The step as the runner runs it, for a release that lacks its evidence: the `missing`
/// output names web's requirements as `web/<id>`, the annotations name the package, and
/// the summary shows each package.
#[test]
fn a_blocked_monorepo_release_names_its_package_in_outputs_annotations_and_summary() {
    let (a, _, main) = monorepo_release(monorepo::web_fix);
    let (out, written, summary) =
        a.run_with_files(a.step_with("pull_request", release_pull_event(&a, &main), &a.head()));
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("\n::error title=shipgate%3A web%3A docs missing for a full release::"),
        "{stdout}"
    );
    snapshot::assert_snapshot(
        "action__monorepo_release_outputs.txt",
        &written,
        &[("[RANDOM]", snapshot::delimiter(&written))],
    );
    let (base, head) = (&main[..10], &a.head()[..10]);
    let web = a.repo.git(&["rev-parse", "web@1.0.0"]);
    snapshot::assert_snapshot(
        "action__monorepo_release_summary.md",
        &summary,
        &[("[BASE]", base), ("[HEAD]", head), ("[WEBONE]", &web[..10])],
    );
}

/// A pushed tag of a package and a release event of it: everything since that package's
/// previous release, never since another package's later tag.
#[test]
fn a_package_s_tag_is_judged_since_that_package_s_previous_release() {
    let (a, mono, _) = monorepo_release(monorepo::web_features);
    // The release pull request merged; main tagged.
    a.repo.git(&["checkout", "-q", "main"]);
    a.repo
        .git(&["merge", "-q", "--ff-only", "release-please--branches--main"]);
    a.repo.git(&["tag", "web@1.1.0"]);
    let head = a.head();
    a.repo
        .git(&["update-ref", "refs/remotes/origin/main", &head]);
    for (event, fixture) in [
        ("push", "push_tag.json"),
        ("release", "release_published.json"),
    ] {
        let (code, report) = a.json(event, fixture, "web@1.1.0");
        assert_eq!(code, 0, "{event}: {report:#}");
        assert_eq!(report["range"]["base"], mono.web_1_0_0.as_str(), "{event}");
        assert_eq!(report["range"]["kind"], "release");
        assert_eq!(report["range"]["previous_release"], "web@1.0.0");
        assert!(
            report["notes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n == "tag web@1.1.0: the change is everything since web@1.0.0"),
            "{report:#}"
        );
        // The policy is read at the previous release.
        assert_eq!(
            report["policy"]["reason"],
            format!("read at the previous release web@1.0.0")
        );
        let web = monorepo::package(&report, "web");
        assert_eq!(web["stage_signals"][0]["detail"], "web@1.1.0");
        assert_eq!(web["range"]["base"], mono.web_1_0_0.as_str());
        assert_eq!(web["verdict"], "pass");
    }
    // A tag that no package's pattern picks is no release.
    a.repo.git(&["tag", "nightly@1.1.0"]);
    let err = a.error(a.step("push", "push_tag.json", "nightly@1.1.0"));
    assert!(
        err.contains("tag `nightly@1.1.0` is not a release tag (signals.tag-pattern `^v?(?P<version>\\d+\\.\\d+\\.\\d+.*)$`, packages.web.tag-pattern `^web@"),
        "{err}"
    );
}
