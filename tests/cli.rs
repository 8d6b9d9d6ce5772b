//! What a command-line user expects of the binary itself: `--help` and the README telling
//! the same exit codes.

mod common;

use std::path::Path;
use std::process::Output;

use common::Repo;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// `shipgate ARGS` outside any repository; the output, whatever the exit code.
fn run(args: &[&str]) -> Output {
    let repo = Repo::new();
    repo.shipgate().args(args).output().unwrap()
}

fn stdout_of(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "shipgate {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The lines after the `--help` line that starts with "Exit codes", and that line.
fn exit_codes_in(help: &str) -> (String, String) {
    let mut lines = help.lines().skip_while(|l| !l.starts_with("Exit codes"));
    let heading = lines
        .next()
        .unwrap_or_else(|| panic!("no exit codes in:\n{help}"));
    let list: Vec<&str> = lines.take_while(|l| !l.is_empty()).collect();
    (heading.to_owned(), list.join("\n"))
}

/// The fenced block under the README's `### Exit codes` heading.
fn readme_exit_codes(readme: &str) -> String {
    let section = &readme[readme.find("\n### Exit codes\n").expect("the section")..];
    let block = &section[section.find("\n```\n").expect("a fenced block") + 5..];
    block[..block.find("\n```\n").expect("its end")].to_owned()
}

#[test]
fn help_and_the_readme_list_the_same_exit_codes() {
    let readme = readme_exit_codes(&readme());
    let (heading, list) = exit_codes_in(&stdout_of(&["--help"]));
    assert_eq!(heading, "Exit codes:");
    assert_eq!(list, readme);
    for args in [
        &["check", "--help"][..],
        &["check", "-h"],
        &["help", "check"],
    ] {
        assert_eq!(
            exit_codes_in(&stdout_of(args)),
            ("Exit codes:".to_owned(), readme.clone()),
            "{args:?}"
        );
    }
    // The hook's are a check's, for the worst of the pushed refs.
    let (heading, list) = exit_codes_in(&stdout_of(&["pre-push", "--help"]));
    assert_eq!(
        heading,
        "Exit codes, for the worst of the pushed refs (git stops the push on 1 and 2):"
    );
    assert_eq!(list, readme);
    // Every cause of exit 2 that the README's errors name is on the list.
    for cause in [
        "bad arguments",
        "bad policy",
        "unknown revision",
        "missing history",
    ] {
        assert!(readme.contains(cause), "{cause}");
    }
}
