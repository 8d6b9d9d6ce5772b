//! What a command-line user expects of the binary itself: `--help` and the README telling
//! the same exit codes, `--version` naming the commit it was built from, shell completions
//! and manual pages generated from the command line's own definitions, and `cargo binstall`
//! finding the release binaries where the release workflow puts them.

mod common;
// build.rs as a module: its search for the build's commit, run on made-up folders.
#[allow(dead_code)]
#[path = "../build.rs"]
mod build_script;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Output;

use clap::CommandFactory as _;
use common::Repo;
use shipgate::entry::cli::Cli;

const SHELLS: [&str; 5] = ["bash", "elvish", "fish", "powershell", "zsh"];

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

fn manifest_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
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

#[test]
fn the_readme_shows_how_to_use_every_command() {
    let help = stdout_of(&["--help"]);
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    assert!(commands.contains(&"completions") && commands.contains(&"man"));
    let readme = readme();
    let usage = &readme[readme
        .find("\nshipgate check    [--repo DIR]")
        .expect("usage")..];
    let usage = &usage[..usage.find("```").unwrap()];
    for name in commands {
        assert!(
            usage.contains(&format!("\nshipgate {name} ")),
            "the README's usage lacks `shipgate {name}`:\n{usage}"
        );
    }
}

/// What `--version` says the binary was built from is what build.rs finds for this
/// source tree, built the way it was (with or without SHIPGATE_BUILD_COMMIT).
#[test]
fn the_version_names_the_commit_it_was_built_from() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = build_script::commit(dir, option_env!("SHIPGATE_BUILD_COMMIT"), OsStr::new("git"));
    let line = build_script::version_line(env!("CARGO_PKG_VERSION"), found.commit.as_deref());
    assert_eq!(stdout_of(&["--version"]), format!("shipgate {line}\n"));
    // In this repository's own checkout, that is its HEAD.
    if found.commit.is_some() && option_env!("SHIPGATE_BUILD_COMMIT").is_none() {
        let repo = Repo::new();
        let head = repo.git_in(dir, &["rev-parse", "HEAD"]);
        assert_eq!(
            line,
            format!("{} ({})", env!("CARGO_PKG_VERSION"), &head[..10])
        );
    }
}

#[test]
fn the_build_takes_the_commit_from_the_variable_git_or_the_package() {
    let no_git = OsStr::new("/nonexistent/git");
    let git = OsStr::new("git");
    let id = "0123456789abcdef0123456789abcdef01234567";

    // The variable wins, and a value that is no commit id is ignored, with a warning.
    let repo = Repo::with_base();
    let found = build_script::commit(repo.path(), Some(&id.to_uppercase()), git);
    assert_eq!(found.commit.as_deref(), Some(id));
    assert!(found.warnings.is_empty());
    let found = build_script::commit(repo.path(), Some("main"), no_git);
    assert_eq!(found.commit, None);
    assert_eq!(
        found.warnings,
        [
            "SHIPGATE_BUILD_COMMIT is `main`, which is no commit id (7 to 64 hex digits); it is ignored"
        ]
    );
    let found = build_script::commit(repo.path(), Some(" "), no_git);
    assert_eq!((found.commit, found.warnings.len()), (None, 0));

    // A checkout whose top is the package: its HEAD, watched with the branch it is on.
    let head = repo.git(&["rev-parse", "HEAD"]);
    let found = build_script::commit(repo.path(), None, git);
    assert_eq!(found.commit.as_deref(), Some(head.as_str()));
    let git_dir = repo.path().join(".git");
    assert!(found.watch.contains(&git_dir.join("HEAD")), "{found:?}");
    assert!(
        found.watch.contains(&git_dir.join("refs/heads/main")),
        "{found:?}"
    );
    // With the branch only packed, the folder its loose ref will be written to.
    repo.git(&["pack-refs", "--all"]);
    let found = build_script::commit(repo.path(), None, git);
    assert!(
        found.watch.contains(&git_dir.join("packed-refs")),
        "{found:?}"
    );
    assert!(
        found.watch.contains(&git_dir.join("refs/heads")),
        "{found:?}"
    );

    // A package inside another repository (vendored) never takes that repository's commit.
    repo.write("vendor/shipgate/Cargo.toml", "[package]\n");
    let vendored = repo.path().join("vendor/shipgate");
    assert_eq!(
        build_script::commit(&vendored, None, git),
        Default::default()
    );

    // Without git (a Docker build, or git missing), nothing; a crates.io package says
    // which commit it was made from, unless it was made from a tree with changes.
    assert_eq!(build_script::commit(repo.path(), None, no_git).commit, None);
    let info = vendored.join(".cargo_vcs_info.json");
    std::fs::write(
        &info,
        format!("{{\n  \"git\": {{\n    \"sha1\": \"{id}\"\n  }},\n  \"path_in_vcs\": \"\"\n}}"),
    )
    .unwrap();
    let found = build_script::commit(&vendored, None, git);
    assert_eq!(found.commit.as_deref(), Some(id));
    assert_eq!(found.watch, std::slice::from_ref(&info));
    std::fs::write(
        &info,
        format!("{{\"git\": {{\"sha1\": \"{id}\", \"dirty\": true}}, \"path_in_vcs\": \"\"}}"),
    )
    .unwrap();
    assert_eq!(build_script::commit(&vendored, None, git).commit, None);

    assert_eq!(
        build_script::version_line("1.2.0", Some(id)),
        "1.2.0 (0123456789)"
    );
    assert_eq!(build_script::version_line("1.2.0", None), "1.2.0");
}

#[test]
fn completions_are_generated_from_the_command_line_for_every_shell() {
    for shell in SHELLS {
        let script = stdout_of(&["completions", shell]);
        // Byte for byte what clap_complete makes of the definitions: nothing on the way
        // out escaped or changed it, under GitHub Actions neither.
        let mut expected = Vec::new();
        let parsed: clap_complete::Shell = shell.parse().unwrap();
        clap_complete::generate(parsed, &mut Cli::command(), "shipgate", &mut expected);
        assert_eq!(script.as_bytes(), expected, "{shell}");
        let repo = Repo::new();
        let under_actions = repo
            .shipgate()
            .args(["completions", shell])
            .env("GITHUB_ACTIONS", "true")
            .output()
            .unwrap();
        assert_eq!(under_actions.stdout, expected, "{shell} under Actions");
        for word in ["check", "pre-push", "completions", "man", "base", "format"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    let out = run(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: invalid value 'tcsh' for '<SHELL>'\n"),
        "{err}"
    );
    assert!(
        err.contains("[possible values: bash, elvish, fish, powershell, zsh]"),
        "{err}"
    );
}

/// The bash script, sourced into a real bash, completes commands, flags and values.
#[test]
fn bash_completes_commands_flags_and_values() {
    let script = stdout_of(&["completions", "bash"]);
    let repo = Repo::new();
    repo.write("completion.bash", &script);
    let complete = |words: &[&str]| {
        let line = words.join(" ");
        let program = format!(
            "source ./completion.bash\n\
             COMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{line}'\nCOMP_POINT={}\n\
             _shipgate shipgate '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
            words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" "),
            words.len() - 1,
            line.len(),
            words[words.len() - 1],
            words[words.len() - 2],
        );
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(program)
            .current_dir(repo.path())
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(complete(&["shipgate", "ch"]), "check\n");
    assert_eq!(complete(&["shipgate", "check", "--fo"]), "--format\n");
    assert_eq!(
        complete(&["shipgate", "check", "--format", ""]),
        "text\njson\ngithub\ngitlab\n"
    );
    assert!(complete(&["shipgate", "completions", ""]).contains("\nzsh\n"));
}

#[test]
fn manual_pages_are_generated_for_shipgate_and_each_command() {
    let version = stdout_of(&["--version"]);
    let version = version.trim_end();
    let page = stdout_of(&["man"]);
    assert!(
        page.contains(&format!(".TH shipgate 1  \"{version}\" \n")),
        "{page}"
    );
    assert!(page.contains("\n.SH SUBCOMMANDS\n"), "{page}");
    for name in [
        "shipgate\\-check(1)",
        "shipgate\\-completions(1)",
        "shipgate\\-man(1)",
    ] {
        assert!(page.contains(name), "{name}");
    }
    // The exit codes as a list of their own, in the same words as --help's.
    let status = exit_status(&page);
    assert_eq!(
        status,
        [
            ".SH \"EXIT STATUS\"",
            ".TP",
            "\\fB0\\fR",
            "pass, or overridden (warnings allowed)",
            ".TP",
            "\\fB1\\fR",
            "blocked: a required piece of evidence is missing",
            ".TP",
            "\\fB2\\fR",
            "could not decide: bad arguments, bad policy, unknown revision, missing history, a \
             file it needed that does not parse, an event it does not handle, an API answer it \
             needed and could not get (each error has a stable code, listed in the README)",
        ]
    );
    assert!(
        !page.contains(".SH EXTRA"),
        "the codes are not repeated: {page}"
    );

    let check = stdout_of(&["man", "check"]);
    assert!(
        check.contains(&format!(".TH shipgate-check 1  \"{version}\" \n")),
        "{check}"
    );
    assert!(check.contains("\\fB\\-\\-base\\fR"), "{check}");
    assert_eq!(exit_status(&check), status);

    let pre_push = stdout_of(&["man", "pre-push"]);
    assert!(
        pre_push.contains("\n.SH EXTRA\nReads one line per pushed ref"),
        "{pre_push}"
    );
    assert!(
        pre_push.contains(
            "\n.SH \"EXIT STATUS\"\nFor the worst of the pushed refs (git stops the push on 1 and 2).\n.TP\n"
        ),
        "{pre_push}"
    );

    let install = stdout_of(&["man", "hook", "install"]);
    assert!(
        install.contains(&format!(".TH shipgate-hook-install 1  \"{version}\" \n")),
        "{install}"
    );
    assert!(!install.contains("EXIT STATUS"), "{install}");

    // groff, where it is installed, reads the page without a warning.
    if let Ok(out) = std::process::Command::new("groff")
        .args(["-man", "-ww", "-Tutf8", "-P-cbou"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child.stdin.take().unwrap().write_all(page.as_bytes())?;
            child.wait_with_output()
        })
    {
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stderr), "");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("\nEXIT STATUS\n"), "{text}");
        assert!(
            text.contains("       0      pass, or overridden (warnings allowed)\n"),
            "{text}"
        );
    }

    for (args, message) in [
        (
            &["man", "nope"][..],
            "error: `shipgate` has no command `nope`, so there is no page for it; its commands \
             are check, audit, init, explain, validate, hook, pre-push, completions, man, help\n",
        ),
        (
            &["man", "hook", "nope"],
            "error: `shipgate hook` has no command `nope`, so there is no page for it; its \
             commands are install, uninstall, help\n",
        ),
        (
            &["man", "check", "nope"],
            "error: `shipgate check` has no command `nope`, so there is no page for it; \
             `shipgate check` has no commands\n",
        ),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8(out.stderr).unwrap(), message);
        assert!(out.stdout.is_empty());
    }
}

/// The EXIT STATUS section of a page: its lines up to the next section.
fn exit_status(page: &str) -> Vec<&str> {
    let mut lines = page.lines().skip_while(|l| *l != ".SH \"EXIT STATUS\"");
    let mut section = vec![lines.next().expect("an EXIT STATUS section")];
    section.extend(lines.take_while(|l| !l.starts_with(".SH")));
    section
}

/// `cargo binstall shipgate` downloads `shipgate-<target>` of the release named by the
/// version, the binaries that release.yml publishes and docs/releasing.md lists.
#[test]
fn binstall_points_at_the_release_binaries() {
    let manifest: toml::Table = manifest_file("Cargo.toml").parse().unwrap();
    let package = manifest["package"].as_table().unwrap();
    let repository = package["repository"].as_str().unwrap();
    let version = package["version"].as_str().unwrap();
    let binstall = manifest["package"]["metadata"]["binstall"]
        .as_table()
        .unwrap();
    assert_eq!(binstall["pkg-fmt"].as_str(), Some("bin"));
    let template = binstall["pkg-url"].as_str().unwrap();

    let release = manifest_file(".github/workflows/release.yml");
    let names = &release[release.find("names=(").expect("the list of binaries")..];
    let names: Vec<&str> = names[..names.find(')').unwrap()]
        .split_whitespace()
        .filter(|w| w.starts_with("shipgate-"))
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    let releasing = manifest_file("docs/releasing.md");
    for name in names {
        let target = name.strip_prefix("shipgate-").unwrap();
        assert!(releasing.contains(&format!("`{name}`")), "{name}");
        // binstall's template language: `{ name }`, spaces inside the braces allowed.
        let url = template
            .replace("{ repo }", repository)
            .replace("{ version }", version)
            .replace("{ name }", "shipgate")
            .replace("{ target }", target);
        assert_eq!(
            url,
            format!("{repository}/releases/download/v{version}/{name}")
        );
    }
    // The address the README downloads from is the same repository's.
    assert!(readme().contains(&format!("{repository}/releases/download/v")));
}
