use super::lines::AddedLine;
use super::*;
use crate::judge::change::{Commit, Status};
use crate::judge::requirements::{blocks, conclude, evaluate, find_override};
use crate::judge::stage::classify;
use crate::judge::verdict::Verdict;

fn file(path: &str, status: Status) -> FileChange {
    FileChange {
        path: path.as_bytes().to_vec(),
        old_path: None,
        status,
        same_content: false,
    }
}

/// Feeds `run` one file's added lines (numbered as given) and its counts.
fn feed(run: &mut Run<'_>, file: &FileChange, added: &[(u32, &str)], deleted: u64) {
    let added: Vec<AddedLine<'_>> = added
        .iter()
        .map(|&(number, text)| AddedLine {
            number,
            text: text.as_bytes(),
        })
        .collect();
    if run.need(file) == Need::Nothing {
        return;
    }
    run.file(&FileLines {
        file,
        added: &added,
        added_count: added.len() as u64,
        deleted_count: deleted,
    });
}

fn unknown() -> ReviewFacts {
    ReviewFacts::Unknown("no GitHub token".to_owned())
}

fn finish(
    run: Run<'_>,
    change: &Change,
    policy: &Policy,
    review: &ReviewFacts,
) -> Vec<CheckResult> {
    let registry: BTreeMap<String, Option<String>> =
        [("known-flag".to_owned(), Some("beta".to_owned()))].into();
    run.finish(&Ctx {
        change,
        policy,
        registry: Some(&registry),
        review,
    })
}

fn result(results: &[CheckResult], id: CheckId) -> &CheckResult {
    results.iter().find(|r| r.id == id).unwrap()
}

fn at(r: &CheckResult) -> Vec<(Option<&str>, Option<u32>)> {
    r.findings
        .iter()
        .map(|f| (f.path.as_deref(), f.line))
        .collect()
}

fn change(files: Vec<FileChange>, message: &str) -> Change {
    Change {
        files,
        commits: vec![Commit::new("a".repeat(40), message.to_owned())],
        ..Change::default()
    }
}

#[test]
fn a_marker_names_the_checks_it_allows() {
    assert!(allows(
        "console.log(x) // shipgate:allow leftovers",
        CheckId::Leftovers
    ));
    assert!(allows(
        "x # shipgate:allow flag-refs, leftovers: kept for support",
        CheckId::Leftovers
    ));
    assert!(allows(
        "x /* shipgate:allow  leftovers */",
        CheckId::Leftovers
    ));
    assert!(allows(
        "x /* shipgate:allow leftovers*/",
        CheckId::Leftovers
    ));
    assert!(
        !allows("x // shipgate:allow size: leftovers", CheckId::Leftovers),
        "a sentence ends the ids"
    );
    assert!(!allows("x // shipgate:allow flag-refs", CheckId::Leftovers));
    assert!(!allows("x // shipgate:allow", CheckId::Leftovers));
    assert!(
        !allows("x // shipgate:allow because leftovers", CheckId::Leftovers),
        "the first other word ends the ids"
    );
    assert!(!allows("x // shipgate:allowleftovers", CheckId::Leftovers));
    assert!(allows(
        "x // shipgate:allow size; y // shipgate:allow leftovers",
        CheckId::Leftovers
    ));
}

#[test]
fn leftovers_are_found_in_added_lines_of_known_kinds_only() {
    let policy = Policy::builtin();
    let app = file("web/app.ts", Status::Modified);
    let py = file("tools/run.py", Status::Added);
    let readme = file("README.md", Status::Modified);
    let gone = file("old.js", Status::Deleted);
    let mut run = Run::new(&policy, "merge");
    assert_eq!(run.need(&app), Need::Lines);
    assert_eq!(
        run.need(&gone),
        Need::Counts,
        "a deleted file has lines to count, none added"
    );
    feed(
        &mut run,
        &app,
        &[
            (3, "  console.log(user);"),
            (4, "  console.log(user); // shipgate:allow leftovers"),
            (9, "  debugger;"),
        ],
        2,
    );
    feed(&mut run, &py, &[(1, "import pdb"), (2, "x = 1")], 0);
    feed(&mut run, &readme, &[(1, "Use `console.log(` to debug.")], 0);
    let c = change(vec![app.clone(), py.clone(), readme.clone()], "x");
    let results = finish(run, &c, &policy, &unknown());
    let leftovers = result(&results, CheckId::Leftovers);
    assert_eq!(leftovers.status, CheckStatus::Findings);
    assert_eq!(
        at(leftovers),
        [
            (Some("web/app.ts"), Some(3)),
            (Some("web/app.ts"), Some(9)),
            (Some("tools/run.py"), Some(1)),
        ]
    );
    assert_eq!(
        leftovers.findings[0].message,
        "`console.log(` added: a debug leftover (javascript file); remove it, or mark the line `shipgate:allow leftovers` if it is meant to stay"
    );
    assert_eq!(leftovers.findings[0].key, "console.log(user);");
}

#[test]
fn excluded_files_are_not_read() {
    let policy = Policy::from_yaml(
        "checks:\n  leftovers: {exclude: ['scripts/']}\n  flag-refs: {exclude: ['*.js']}\n  size: {exclude: ['*.js']}\n",
        "p.yml",
    )
    .unwrap();
    let run = Run::new(&policy, "merge");
    assert_eq!(
        run.need(&file("scripts/dev.js", Status::Added)),
        Need::Nothing
    );
    assert_eq!(run.need(&file("src/app.ts", Status::Added)), Need::Lines);
}

#[test]
fn size_counts_added_and_deleted_lines_of_counted_files() {
    let policy = Policy::from_yaml(
        "checks:\n  size: {max-lines: 10}\n  flag-refs: {level: off}\n",
        "p.yml",
    )
    .unwrap();
    let mut run = Run::new(&policy, "merge");
    let a = file("src/a.rs", Status::Modified);
    let lock = file("Cargo.lock", Status::Modified);
    let bin = file("logo.png", Status::Added);
    assert_eq!(run.need(&lock), Need::Nothing);
    let six: Vec<(u32, &str)> = (1..=6).map(|n| (n, "x")).collect();
    feed(&mut run, &a, &six, 5);
    feed(&mut run, &lock, &six, 500);
    run.unread(&bin, Unread::Binary);
    // A binary lockfile is neither counted nor said to be left out.
    run.unread(&file("bun.lockb", Status::Modified), Unread::Binary);
    let c = change(vec![a, lock, bin], "x");
    let results = finish(run, &c, &policy, &unknown());
    let size = result(&results, CheckId::Size);
    assert_eq!(at(size), [(None, None)]);
    assert_eq!(
        size.findings[0].message,
        "11 lines changed in 1 file (not counted: 1 binary), more than 10: a pull request should be doable in one day; split it (largest: src/a.rs (11))"
    );
    assert_eq!(size.note, None);

    let mut run = Run::new(&policy, "merge");
    feed(&mut run, &file("src/a.rs", Status::Modified), &six[..5], 5);
    let results = finish(run, &c, &policy, &unknown());
    assert_eq!(
        result(&results, CheckId::Size).status,
        CheckStatus::Ok,
        "10 is not more than 10"
    );
}

#[test]
fn tests_want_a_test_file_with_source_files() {
    let policy = Policy::builtin();
    let check = |files: Vec<FileChange>| {
        let c = change(files, "x");
        let results = finish(Run::new(&policy, "merge"), &c, &policy, &unknown());
        result(&results, CheckId::Tests).clone()
    };
    let r = check(vec![
        file("README.md", Status::Modified),
        file("src/a.rs", Status::Modified),
        file("src/b.rs", Status::Added),
    ]);
    assert_eq!(at(&r), [(Some("src/a.rs"), None)]);
    assert_eq!(
        r.findings[0].message,
        "2 source files changed and no test file did: add or update a test with the change"
    );
    for test in [
        "tests/a.rs",
        "src/test/AppTest.java",
        "pkg/x_test.go",
        "web/a.spec.ts",
    ] {
        let r = check(vec![
            file("src/a.rs", Status::Modified),
            file(test, Status::Added),
        ]);
        assert_eq!(r.status, CheckStatus::Ok, "{test}");
    }
    // Deleting a source file wants no test; deleting a test is no test.
    assert_eq!(
        check(vec![file("src/a.rs", Status::Deleted)]).status,
        CheckStatus::Ok
    );
    let r = check(vec![
        file("src/a.rs", Status::Modified),
        file("tests/a.rs", Status::Deleted),
    ]);
    assert_eq!(r.status, CheckStatus::Findings);
    // A file moved without a change is no change to test.
    let mut moved = file("src/b.rs", Status::Renamed);
    moved.same_content = true;
    assert_eq!(check(vec![moved]).status, CheckStatus::Ok);
}

#[test]
fn an_issue_is_linked_by_a_commit_or_the_body() {
    let policy = Policy::builtin();
    let check = |messages: &[&str], body: Option<&str>| {
        let c = Change {
            commits: messages
                .iter()
                .map(|m| Commit::new("b".repeat(40), (*m).to_owned()))
                .collect(),
            body: body.map(str::to_owned),
            ..Change::default()
        };
        let results = finish(Run::new(&policy, "merge"), &c, &policy, &unknown());
        result(&results, CheckId::IssueLink).clone()
    };
    assert_eq!(
        check(&["Closes #289 add logo"], None).status,
        CheckStatus::Ok
    );
    assert_eq!(
        check(&["wip", "fix: it\n\nFixes acme/app#3"], None).status,
        CheckStatus::Ok
    );
    assert_eq!(
        check(&["wip"], Some("Resolves #12")).status,
        CheckStatus::Ok
    );
    let r = check(&["wip", "more"], Some("no link"));
    assert_eq!(at(&r), [(None, None)]);
    assert!(
        r.findings[0]
            .message
            .starts_with("neither a commit message nor the pull-request body links an issue")
    );
    let r = check(&[], None);
    assert_eq!(r.status, CheckStatus::Ok);
    assert_eq!(r.note.as_deref(), Some("the change has no commits"));
}

#[test]
fn flag_calls_need_their_key_in_the_registry() {
    let policy = Policy::builtin();
    let app = file("web/app.tsx", Status::Modified);
    let mut run = Run::new(&policy, "merge");
    feed(
        &mut run,
        &app,
        &[
            (4, "if (posthog.isFeatureEnabled('known-flag')) {"),
            (
                7,
                "const on = useFeatureFlagEnabled('new-flow') && getFeatureFlag(\"other\")",
            ),
            (
                8,
                "isFeatureEnabled('new-flow') // shipgate:allow flag-refs",
            ),
        ],
        0,
    );
    assert!(run.called_flags());
    let c = change(vec![app], "x");
    let results = finish(run, &c, &policy, &unknown());
    let refs = result(&results, CheckId::FlagRefs);
    assert_eq!(
        at(refs),
        [
            (Some("web/app.tsx"), Some(7)),
            (Some("web/app.tsx"), Some(7))
        ]
    );
    assert_eq!(
        refs.findings[0].message,
        "`useFeatureFlagEnabled('new-flow'` calls flag `new-flow`, which feature-flags.yml does not hold at head: add the flag to the registry, or fix the key"
    );
    assert_eq!(refs.findings[1].key, "other");
    assert_eq!(
        refs.note.as_deref(),
        Some("3 flag calls in added lines, 1 to flags in feature-flags.yml")
    );

    // No registry at head: every call is to a flag it lacks.
    let mut run = Run::new(&policy, "merge");
    feed(
        &mut run,
        &c.files[0],
        &[(1, "isFeatureEnabled('known-flag')")],
        0,
    );
    let r = run.finish(&Ctx {
        change: &c,
        policy: &policy,
        registry: None,
        review: &unknown(),
    });
    assert!(
        result(&r, CheckId::FlagRefs).findings[0]
            .message
            .contains("and there is no feature-flags.yml at head")
    );
}

#[test]
fn a_review_is_requested_or_given_by_someone_else() {
    let policy = Policy::builtin();
    let c = Change::default();
    let check = |facts: ReviewFacts| {
        let results = finish(Run::new(&policy, "merge"), &c, &policy, &facts);
        result(&results, CheckId::Review).clone()
    };
    let known = |requested: &[&str], reviewers: &[&str]| ReviewFacts::Known {
        number: 7,
        author: "Ada".to_owned(),
        requested: requested.iter().map(|s| (*s).to_owned()).collect(),
        reviewers: reviewers.iter().map(|s| (*s).to_owned()).collect(),
    };
    let r = check(known(&[], &["ada"]));
    assert_eq!(at(&r), [(None, None)]);
    assert_eq!(
        r.findings[0].message,
        "pull request #7 has no requested reviewer and no review by anyone but its author Ada: request a review from a team member; merging it unreviewed is a self-merge"
    );
    assert_eq!(
        check(known(&["grace"], &[])).note.as_deref(),
        Some("#7 asks grace for a review")
    );
    assert_eq!(check(known(&[], &["ada", "grace"])).status, CheckStatus::Ok);
    let r = check(unknown());
    assert_eq!(r.status, CheckStatus::Ok);
    assert_eq!(r.note.as_deref(), Some("could not look: no GitHub token"));
}

#[test]
fn checks_that_could_not_look_find_nothing_and_say_so() {
    let policy = Policy::builtin();
    let mut run = Run::new(&policy, "merge");
    run.lines_unknown("no lines");
    let results = finish(run, &Change::default(), &policy, &unknown());
    for id in [CheckId::Size, CheckId::Leftovers, CheckId::FlagRefs] {
        let r = result(&results, id);
        assert_eq!(r.status, CheckStatus::Ok);
        assert_eq!(r.note.as_deref(), Some("could not look: no lines"));
    }
}

#[test]
fn levels_follow_the_stage_and_required_findings_block() {
    let policy = Policy::from_yaml(
        "checks:\n  leftovers: {level: {merge: required, beta: warn}}\n  size: {level: off}\n",
        "p.yml",
    )
    .unwrap();
    let app = file("app.js", Status::Added);
    let judge = |stage_label: Option<&str>, added: &[(u32, &str)], skip: bool| {
        let mut c = change(vec![app.clone()], "Closes #1");
        c.labels = stage_label.into_iter().map(str::to_owned).collect();
        if skip {
            c.labels.push("shipgate:skip".to_owned());
        }
        let class = classify(&c, &policy).unwrap();
        let mut run = Run::new(&policy, &policy.stages[class.stage].name);
        feed(&mut run, &app, added, 0);
        let checks = finish(run, &c, &policy, &unknown());
        // As the pipeline concludes: a required check with findings blocks too.
        let mut r = evaluate(&c, &class, &policy);
        let blocked = blocks(&r.requirements) || checks.iter().any(CheckResult::blocks);
        let (found, notes) = find_override(&c, &policy);
        (r.verdict, r.notes) = conclude(&c, &policy, blocked, found.as_ref(), notes);
        r.override_ = found;
        r.checks = checks;
        r
    };
    let leftover = [(1, "console.log(1)")];
    let r = judge(None, &leftover, false);
    assert_eq!(r.verdict, Verdict::Blocked);
    let ids: Vec<CheckId> = r.checks.iter().map(|c| c.id).collect();
    assert!(!ids.contains(&CheckId::Size), "off checks are not listed");
    assert_eq!(result(&r.checks, CheckId::Leftovers).level, Level::Required);
    assert_eq!(
        judge(None, &[(1, "let x = 1")], false).verdict,
        Verdict::Pass
    );
    assert_eq!(judge(None, &leftover, true).verdict, Verdict::Overridden);
    assert_eq!(
        judge(Some("release:beta"), &leftover, false).verdict,
        Verdict::Pass
    );
    let full = judge(Some("release:full"), &leftover, false);
    assert!(
        full.checks.iter().all(|c| c.id != CheckId::Leftovers),
        "a stage the mapping does not name is off"
    );
}
