use super::*;
use crate::judge::policy::read::parse_yaml;
use crate::judge::policy::{BUILTIN_ORIGIN, BUILTIN_YAML, Policy};

fn errors(text: &str) -> Vec<String> {
    Policy::problems_of(text)
}

fn checks(text: &str) -> Checks {
    Policy::from_yaml(text, "p.yml").unwrap().checks
}

#[test]
fn the_built_in_checks_warn_on_every_stage() {
    let p = Policy::builtin();
    for stage in &p.stages {
        for id in CheckId::ALL {
            assert_eq!(p.checks.level(id, &stage.name), CheckLevel::Warn, "{id:?}");
        }
    }
    let c = &p.checks;
    assert_eq!(c.size.max_lines, 400);
    assert!(c.size.exclude.is_match(b"Cargo.lock"));
    assert!(c.size.exclude.is_match(b"web/package-lock.json"));
    assert!(!c.size.exclude.is_match(b"src/lib.rs"));
    let names: Vec<&str> = c
        .leftovers
        .languages
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "javascript",
            "python",
            "ruby",
            "go",
            "rust",
            "php",
            "kotlin",
            "swift"
        ]
    );
    assert!(c.tests.sources.is_match(b"src/a.rs"));
    assert!(c.tests.tests.is_match(b"src/test/App.java"));
    assert!(c.tests.tests.is_match(b"pkg/x/x_test.go"));
    assert!(c.tests.tests.is_match(b"web/app.test.ts"));
    assert_eq!(c.flag_refs.calls.len(), 3);
}

#[test]
fn the_built_in_patterns_find_what_the_handbook_names() {
    let c = &Policy::builtin().checks;
    let language = |name: &str| {
        c.leftovers
            .languages
            .iter()
            .find(|l| l.name == name)
            .unwrap()
    };
    for (name, line, hit) in [
        ("javascript", "  console.log(user);", true),
        ("javascript", "  debugger;", true),
        ("javascript", "  logger.log(user);", false),
        ("javascript", "  const debuggerPanel = 1;", false),
        ("python", "    breakpoint()", true),
        ("python", "import pdb; pdb.set_trace()", true),
        ("python", "    ipdb.set_trace()", true),
        ("ruby", "    binding.pry", true),
        ("go", "\truntime.Breakpoint()", true),
        ("rust", "    let x = dbg!(a + b);", true),
        ("rust", "    let x = add(a, b);", false),
        ("php", "var_dump($x);", true),
        ("php", "$this->add($x);", false),
        ("kotlin", "    e.printStackTrace()", true),
        ("swift", "    print(user)", true),
        ("swift", "    let printer = Printer()", false),
    ] {
        assert_eq!(
            language(name).set.set().is_match(line),
            hit,
            "{name}: {line}"
        );
    }
    let links = |text: &str| {
        c.issue_link
            .patterns
            .iter()
            .any(|p| p.regex().is_match(text))
    };
    assert!(links("Closes #289 add posthog logo to website"));
    assert!(links("feat: logo\n\nfixes: #12"));
    assert!(links("Resolves posthog/posthog.com#77"));
    assert!(links("see acme/hedgehog#3"));
    assert!(links("https://github.com/acme/hedgehog/issues/12"));
    assert!(links("https://gitlab.example/g/p/-/issues/5"));
    assert!(!links("the #1 priority"));
    assert!(!links("Close the door"));
    let key = |line: &str| {
        c.flag_refs
            .calls
            .iter()
            .find_map(|re| re.regex().captures(line))
            .map(|cap| cap["key"].to_owned())
    };
    assert_eq!(
        key("if (posthog.isFeatureEnabled('new-onboarding')) {").as_deref(),
        Some("new-onboarding")
    );
    assert_eq!(
        key(r#"const v = getFeatureFlag("exp-1")"#).as_deref(),
        Some("exp-1")
    );
    assert_eq!(
        key("const on = useFeatureFlagEnabled(`beta-x`)").as_deref(),
        Some("beta-x")
    );
    assert_eq!(
        key("if posthog.feature_enabled('k', 'user'):").as_deref(),
        Some("k")
    );
    assert_eq!(
        key(r#"<PostHogFeature flag="replay" match={true}>"#).as_deref(),
        Some("replay")
    );
    assert_eq!(
        key(r#"on, _ := client.IsFeatureEnabled(posthog.FeatureFlagPayload{Key: "go-flag", DistinctId: id})"#).as_deref(),
        Some("go-flag")
    );
    assert_eq!(key("isFeatureEnabled(name)"), None);
}

#[test]
fn a_check_written_in_part_keeps_the_rest() {
    let c = checks(
        "checks:\n  size:\n    max-lines: 100\n  leftovers:\n    level: {full: required, beta: warn}\n",
    );
    assert_eq!(c.size.max_lines, 100);
    assert_eq!(c.size.level, Levels::All(CheckLevel::Warn));
    assert!(c.size.exclude.is_match(b"yarn.lock"));
    assert_eq!(c.leftovers.level.at("full"), CheckLevel::Required);
    assert_eq!(c.leftovers.level.at("beta"), CheckLevel::Warn);
    assert_eq!(
        c.leftovers.level.at("merge"),
        CheckLevel::Off,
        "a stage not named is off"
    );
    assert_eq!(c.leftovers.languages.len(), 8);
    assert_eq!(c.review.level, Levels::All(CheckLevel::Warn));
    let off = checks("checks:\n  review: {level: off}\n");
    assert_eq!(off.review.level, Levels::All(CheckLevel::Off));
}

#[test]
fn languages_merge_by_name() {
    let c = checks(
        "checks:\n  leftovers:\n    languages:\n      python:\n        patterns: ['\\bprint\\(']\n      ruby: null\n      elixir:\n        files: ['*.ex', '*.exs']\n        patterns: ['\\bIO\\.inspect\\(']\n",
    );
    let names: Vec<&str> = c
        .leftovers
        .languages
        .iter()
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "javascript",
            "python",
            "go",
            "rust",
            "php",
            "kotlin",
            "swift",
            "elixir"
        ]
    );
    let python = &c.leftovers.languages[1];
    assert!(python.files.is_match(b"a/b.py"), "files kept");
    assert!(python.set.set().is_match("print(x)"));
    assert!(
        !python.set.set().is_match("breakpoint()"),
        "patterns replaced"
    );
    assert!(c.leftovers.languages[7].set.set().is_match("IO.inspect(x)"));
}

#[test]
fn problems_in_the_checks_are_located() {
    let text = "\
checks:
  size:
    level: warm
    max-lines: 0
    exclude: ['a/[b']
  leftovers:
    level: {ful: required}
    languages:
      elixir:
        files: ['*.ex']
      go:
        patterns: []
  flag-refs:
    calls: ['isOn\\((?P<flag>\\w+)']
  issue-link:
    patterns: ['(']
  reviews: {}
";
    assert_eq!(
        errors(text),
        [
            "p.yml:3:12: `checks.size.level`: expected `off`, `warn` or `required`, found `warm`; did you mean `warn`?",
            "p.yml:4:16: `checks.size.max-lines`: must be a positive whole number",
            "p.yml:5:15: `checks.size.exclude[0]`: invalid glob: unclosed character class; missing ']'",
            "p.yml:7:13: `checks.leftovers.level.ful`: `ful` is not a stage; did you mean `full`?",
            "p.yml:10:9: `checks.leftovers.languages.elixir`: missing key `patterns`",
            "p.yml:12:19: `checks.leftovers.languages.go.patterns`: must not be empty; set the language to `null` to drop it",
            "p.yml:14:13: `checks.flag-refs.calls[0]`: the pattern needs a named group `(?P<key>...)`",
            "p.yml:16:16: `checks.issue-link.patterns[0]`: invalid regex: unclosed group",
            "p.yml:17:3: `checks.reviews`: unknown key; did you mean `review`?",
        ]
    );
}

#[test]
fn levels_are_words_or_a_mapping_of_stages() {
    assert_eq!(
        errors("checks:\n  size:\n    level: true\n"),
        [
            "p.yml:3:12: `checks.size.level`: expected `off`, `warn` or `required`, or a mapping from stage names to them, found a boolean"
        ]
    );
    assert_eq!(
        errors("checks:\n  size:\n    level: {full: 1}\n"),
        [
            "p.yml:3:19: `checks.size.level.full`: expected `off`, `warn` or `required`, found an integer"
        ]
    );
    // Stages the policy defines itself are known.
    let c = checks(
        "stages:\n  - name: merge\n  - name: ship\n    signals: {labels: [ship]}\nchecks:\n  tests:\n    level: {ship: required}\n",
    );
    assert_eq!(c.tests.level.at("ship"), CheckLevel::Required);
}

#[test]
fn a_section_that_is_no_mapping_is_refused() {
    assert_eq!(
        errors("checks: [size]\n"),
        ["p.yml:1:9: `checks`: expected a mapping, found a list"]
    );
    assert_eq!(
        errors("checks:\n  leftovers:\n    languages: [python]\n"),
        [
            "p.yml:3:16: `checks.leftovers.languages`: expected a mapping from a language's name to its files and patterns, found a list"
        ]
    );
}

/// The built-in patterns are compiled only when first used, on the promise that they
/// compile: read as if a user had written them, every one is compiled and checked now
/// (sizes, the sets, the `key` group of each flag call) and none may fail.
#[test]
fn the_built_in_patterns_pass_the_checks_a_written_one_gets() {
    let root = parse_yaml(BUILTIN_YAML, "builtin.yml").unwrap();
    let checks = read_builtin(&root, false);
    let patterns = checks
        .issue_link
        .patterns
        .iter()
        .chain(checks.flag_refs.calls.iter())
        .chain(checks.leftovers.languages.iter().flat_map(|l| &l.patterns));
    for p in patterns {
        assert!(!p.is_builtin() && p.is_compiled(), "{p:?}");
        // And compiled the lazy way, the same regex.
        assert_eq!(
            Pattern::builtin(p.as_str().to_owned()).regex().as_str(),
            p.as_str()
        );
    }
    for set in checks
        .leftovers
        .languages
        .iter()
        .map(|l| &l.set)
        .chain([&checks.flag_refs.set, &checks.issue_link.set])
    {
        assert!(set.is_compiled(), "{set:?}");
    }
}

/// The built-in `checks:` section read afresh, as [`builtin`] reads it once a process.
fn builtin_checks_afresh() -> Checks {
    let root = parse_yaml(BUILTIN_YAML, BUILTIN_ORIGIN).unwrap();
    read_builtin(&root, true)
}

/// Reading the built-in checks compiles none of their patterns; a match compiles the one
/// it needs (and its set), once for every copy.
#[test]
fn built_in_patterns_wait_for_their_first_match() {
    let c = builtin_checks_afresh();
    let language = |c: &Checks, name: &str| {
        let l = c.leftovers.languages.iter().find(|l| l.name == name);
        l.unwrap().clone()
    };
    assert!(c.issue_link.patterns.iter().all(|p| !p.is_compiled()));
    assert!(!c.flag_refs.set.is_compiled() && !c.issue_link.set.is_compiled());
    let rust = language(&c, "rust");
    assert!(!rust.set.is_compiled() && !rust.patterns[0].is_compiled());
    let copy = c.clone();
    assert!(rust.set.set().is_match("    dbg!(x);"));
    assert!(rust.patterns[0].regex().is_match("dbg!(x)"));
    let copied = language(&copy, "rust");
    assert!(copied.set.is_compiled() && copied.patterns[0].is_compiled());
    assert!(!language(&c, "go").set.is_compiled());
}

/// A policy that leaves the checks as they are built in shares the built-in checks'
/// patterns, sets and globs: nothing of them is read or compiled again.
#[test]
fn a_policy_shares_the_built_in_checks_it_leaves_alone() {
    let base = builtin();
    let c = checks(
        "checks:\n  size:\n    max-lines: 10\n  leftovers:\n    languages:\n      rust:\n        patterns: ['\\bprintln!\\(']\n",
    );
    assert!(c.issue_link.set.same(&base.issue_link.set));
    assert!(c.flag_refs.set.same(&base.flag_refs.set));
    let set = |c: &Checks, name: &str| {
        let language = c.leftovers.languages.iter().find(|l| l.name == name);
        language.unwrap().set.clone()
    };
    assert!(set(&c, "go").same(&set(base, "go")));
    assert!(!set(&c, "rust").same(&set(base, "rust")));
    assert_eq!(c.size.max_lines, 10);
    let composed = Policy::builtin().checks;
    assert!(composed.issue_link.set.same(&base.issue_link.set));
}

/// A pattern a policy file writes is compiled as it is read, so its error has its line;
/// a set of written patterns too, since a set can be too large where each is not.
#[test]
fn written_patterns_are_compiled_as_read() {
    let c = checks(
        "checks:\n  leftovers:\n    languages:\n      rust:\n        patterns: ['\\bprintln!\\(']\n",
    );
    let rust = c
        .leftovers
        .languages
        .iter()
        .find(|l| l.name == "rust")
        .unwrap();
    assert!(rust.patterns[0].is_compiled() && rust.set.is_compiled());
    assert_eq!(
        errors("checks:\n  issue-link:\n    patterns: ['(unclosed']\n"),
        ["p.yml:3:16: `checks.issue-link.patterns[0]`: invalid regex: unclosed group"]
    );
}
