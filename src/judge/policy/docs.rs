//! What each policy key means, written once: the policy types take their doc comments
//! from here (`#[doc = key_doc!(...)]`), and `shipgate explain --keys` prints the same
//! text, so the reference a user reads cannot drift from the code's documentation.

macro_rules! key_doc {
    (version) => { "The policy format. The only version is 1." };
    (extends) => { "What this policy builds on: left out, the built-in policy; `none`, nothing (the file is the whole policy); a path, a policy file of the same repository read at the same commit; `github:<owner>/<repo>/<path>@<ref>`, a shared policy read through the GitHub API (a commit sha as the ref cannot move; a branch can). Mappings merge by key (`stages` by `name`, `requirements` by id), a key set to null is removed (a requirement also from every stage's `require` and `warn`), lists and scalars replace." };
    (drafts) => { "`warn` (a draft pull request is judged and passes, its report saying what would block) or `judge` (a draft is judged like any change)." };
    (stages) => { "Stages from weakest to strongest. The strongest stage that any signal names wins; a change that no signal names gets the first stage, which takes no signals." };
    (stages.name) => { "The stage's name (kebab-case), as reports, `--stage` and trailer values use it." };
    (stages.description) => { "A few words for people (\"a full release\")." };
    (stages.signals) => { "What names this stage: any one signal does." };
    (stages.signals.labels) => { "Pull-request labels that name this stage, compared ASCII-case-insensitively." };
    (stages.signals.trailer) => { "Values of the release trailer (`Release: <value>`) that name this stage." };
    (stages.signals.tag) => { "`stable` or `prerelease`: a release tag on head whose semver version is of that kind names this stage." };
    (stages.signals.version) => { "`stable` or `prerelease`: a manifest version bumped to a version of that kind names this stage (a stable one must be greater than before)." };
    (stages.signals.flag-stage) => { "A flag-registry entry whose `stage` changes to one of these names this stage." };
    (stages.require) => { "Requirement ids that block when missing." };
    (stages.warn) => { "Requirement ids that are reported when missing, without blocking." };
    (signals) => { "Where stage signals come from." };
    (signals.trailer) => { "The commit trailer whose value names a stage. A policy whose stages list no trailer values switches it off." };
    (signals.tag-pattern) => { "A regex that picks release tags; its named group `version` must hold a semver version." };
    (signals.manifests) => { "Repository-relative manifests (Cargo.toml, package.json, pyproject.toml, VERSION) whose version is compared between the merge-base and head." };
    (flag-registry) => { "The feature-flag registry: a YAML file with a top-level `flags:` mapping from flag key to its fields." };
    (flag-registry.path) => { "The registry file, relative to the repository root." };
    (flag-registry.posthog) => { "A PostHog project as the registry instead of the file: `{host, project}`. A flag key named by a trailer, a label or a `flag-refs` call must exist in the project (read with the personal API key in POSTHOG_PERSONAL_API_KEY, or the Action's `posthog-api-key` input, and only when a stage judges a flag); the report gives each flag's active state. The file is then not read: nothing in a change adds an entry, and `flag-stage` signals never fire." };
    (flag-registry.posthog.host) => { "PostHog's address: `https://us.posthog.com`, `https://eu.posthog.com` or your own instance's." };
    (flag-registry.posthog.project) => { "The project's id, the number in its URL (`/project/12345`)." };
    (flag-registry.stages) => { "The values an entry's `stage` may take; any other value is an error in the registry." };
    (requirements) => { "Requirements by id, in report order. Any one piece of evidence satisfies a requirement; deleted files and files merely moved never count." };
    (requirements.description) => { "A few words for people." };
    (requirements.hint) => { "Replaces the generated hint shown when the requirement is missing." };
    (requirements.paths) => { "Gitignore-style patterns of files that count when the change adds or edits them: a pattern without a slash matches at any depth, a leading `/` anchors it, a later `!pattern` excludes." };
    (requirements.trailers) => { "Commit trailer keys that count when they have a value." };
    (requirements.labels) => { "Pull-request labels that count." };
    (requirements.body-lines) => { "Keys of pull-request body lines `Key: value` that count when they have a value." };
    (requirements.body-checkboxes) => { "Texts of checked boxes `- [x] <text>` in the pull-request body that count." };
    (requirements.flag-registry) => { "When true, the flag registry gaining or changing an entry counts." };
    (requirements.flag-trailers) => { "Trailer keys whose value is a flag key; it counts when the registry holds the key at head, and blocks when it does not." };
    (requirements.flag-label-prefix) => { "A label prefix (`flag:`) followed by a flag key; it counts when the registry holds the key at head, and blocks when it does not." };
    (requirements.mentions) => { "GitHub handles (`@org/marketing`, `@dana`): an issue that the change closes (`Closes #12` in a commit or the pull-request body, this repository) whose body or a comment mentions one counts, read through the GitHub API when the stage judges the requirement. A mention inside a code span, a code block or an HTML comment does not count." };
    (notify) => { "Who hears of a release before it ships." };
    (notify.slack-webhook) => { "`env:<NAME>`: the environment variable holding a Slack incoming webhook (a URL written here would be a secret in the repository, and is refused). The Action's `slack-webhook` input and SHIPGATE_SLACK_WEBHOOK come before it. When the stage judges the `marketing` requirement and it is missing (a beta, a full release), one message goes there; on a pull request a comment remembers it, so a re-run at the same stage does not post again. A failed post is a warning." };
    (overrides) => { "Emergency overrides that turn `blocked` into `overridden`; the report always shows them." };
    (overrides.enabled) => { "Whether overrides are honoured at all." };
    (overrides.labels) => { "Labels that override." };
    (overrides.trailers) => { "Trailer keys that override; the value is the reason and must not be empty." };
    (packages) => { "The packages of a monorepo, by name: each is judged on its own, with its files, tags, manifests and flag registry; files outside every package belong to the root package `.`, which takes `signals` and `flag-registry`. A name is ASCII letters, digits, `-`, `_` and `.`, starting with a letter or digit (an npm name like `@acme/web` goes in `tag-pattern`); labels `release:<stage>:<name>` and trailers `Release: <stage> <name>, <name>` name packages, ASCII case ignored. Requirements' `paths` match, in a package, the paths relative to its folder; a pattern starting with `/` matches repository paths, with `{package}` replaced by the package's name." };
    (packages.path) => { "The package's folder, relative to the repository root; it must exist at head. A file belongs to the package whose folder is its longest prefix, by whole path components." };
    (packages.tag-pattern) => { "A regex that picks the package's release tags; its named group `version` must hold a semver version. Default: `^<name>@v?(?P<version>\\d+\\.\\d+\\.\\d+.*)$`. The previous release is the greatest earlier tag that it matches, never another package's tag." };
    (packages.manifests) => { "Manifests whose version is compared, relative to `path` (default: Cargo.toml, package.json, pyproject.toml, VERSION); a bump names the package." };
    (packages.flag-registry) => { "The package's own flag registry: a file relative to `path`, or a PostHog project in the shape of `flag-registry.posthog` (`{posthog: {host, project}}`); left out, the repository's registry." };
    (overrides.authors) => { "Authors whose changes are overridden (`dependabot[bot]`, `*@bots.example.com`): the pull request's author in CI, else every commit's author email, all of which must match. Whole names, ASCII case ignored, `*` the only wildcard." };
    (checks) => { "The handbook's small rules, as checks whose findings point at a file and a line. A check left out keeps its built-in settings, a field left out its built-in value. A finding on a line that is meant to be there is kept out by a comment on the line: `shipgate:allow <id>`." };
    (checks.level) => { "`off`, `warn` (findings are reported, never blocking) or `required` (a finding blocks), for every stage; or a mapping from stage names to those, where a stage not named is off." };
    (checks.exclude) => { "Gitignore-style patterns of files the check does not read." };
    (checks.size) => { "A pull request doable in one day: more added + deleted lines than `max-lines` is a finding." };
    (checks.size.max-lines) => { "The most added + deleted lines that a change may have." };
    (checks.size.exclude) => { "Gitignore-style patterns of files whose lines are not counted (lockfiles); binary files never are." };
    (checks.issue-link) => { "The issue tagged in a commit: no commit message and no pull-request body that matches a pattern is a finding." };
    (checks.issue-link.patterns) => { "Regexes; a commit message or the pull-request body that matches one links an issue." };
    (checks.leftovers) => { "No debug leftovers: an added line that matches a debug pattern of its kind of file is a finding." };
    (checks.leftovers.languages) => { "Kinds of file by name, each with its `files` and debug `patterns`; merged by name with the built-in ones, and a kind set to `null` is dropped." };
    (checks.leftovers.languages.files) => { "Gitignore-style patterns of the files of this kind." };
    (checks.leftovers.languages.patterns) => { "Regexes matched against each added line of those files." };
    (checks.tests) => { "Tests with the change: source files changed and no test file did is a finding." };
    (checks.tests.sources) => { "Gitignore-style patterns of source files: adding to or editing one wants a test." };
    (checks.tests.tests) => { "Gitignore-style patterns of test files; a file they match is a test, also under a source folder." };
    (checks.flag-refs) => { "New features behind feature flags: an added line that calls a flag by a key the flag registry lacks at head is a finding." };
    (checks.flag-refs.calls) => { "Regexes of flag calls, each with a named group `key` that holds the flag key." };
    (checks.review) => { "A review requested, no self-merge: a pull request with no requested reviewer and no review by anyone but its author is a finding. Asked of the GitHub API when there is a token; without one the check says it could not look." };
}

/// Every key of a policy file with what it means, for `shipgate explain --keys`.
pub(crate) const KEYS: &[(&str, &str)] = &[
    ("version", key_doc!(version)),
    ("extends", key_doc!(extends)),
    ("drafts", key_doc!(drafts)),
    ("stages", key_doc!(stages)),
    ("stages[].name", key_doc!(stages.name)),
    ("stages[].description", key_doc!(stages.description)),
    ("stages[].signals", key_doc!(stages.signals)),
    ("stages[].signals.labels", key_doc!(stages.signals.labels)),
    ("stages[].signals.trailer", key_doc!(stages.signals.trailer)),
    ("stages[].signals.tag", key_doc!(stages.signals.tag)),
    ("stages[].signals.version", key_doc!(stages.signals.version)),
    (
        "stages[].signals.flag-stage",
        key_doc!(stages.signals.flag - stage),
    ),
    ("stages[].require", key_doc!(stages.require)),
    ("stages[].warn", key_doc!(stages.warn)),
    ("signals", key_doc!(signals)),
    ("signals.trailer", key_doc!(signals.trailer)),
    ("signals.tag-pattern", key_doc!(signals.tag - pattern)),
    ("signals.manifests", key_doc!(signals.manifests)),
    ("flag-registry", key_doc!(flag - registry)),
    ("flag-registry.path", key_doc!(flag - registry.path)),
    ("flag-registry.stages", key_doc!(flag - registry.stages)),
    ("flag-registry.posthog", key_doc!(flag - registry.posthog)),
    (
        "flag-registry.posthog.host",
        key_doc!(flag - registry.posthog.host),
    ),
    (
        "flag-registry.posthog.project",
        key_doc!(flag - registry.posthog.project),
    ),
    ("requirements", key_doc!(requirements)),
    (
        "requirements.<id>.description",
        key_doc!(requirements.description),
    ),
    ("requirements.<id>.hint", key_doc!(requirements.hint)),
    ("requirements.<id>.paths", key_doc!(requirements.paths)),
    (
        "requirements.<id>.trailers",
        key_doc!(requirements.trailers),
    ),
    ("requirements.<id>.labels", key_doc!(requirements.labels)),
    (
        "requirements.<id>.body-lines",
        key_doc!(requirements.body - lines),
    ),
    (
        "requirements.<id>.body-checkboxes",
        key_doc!(requirements.body - checkboxes),
    ),
    (
        "requirements.<id>.flag-registry",
        key_doc!(requirements.flag - registry),
    ),
    (
        "requirements.<id>.flag-trailers",
        key_doc!(requirements.flag - trailers),
    ),
    (
        "requirements.<id>.flag-label-prefix",
        key_doc!(requirements.flag - label - prefix),
    ),
    (
        "requirements.<id>.mentions",
        key_doc!(requirements.mentions),
    ),
    ("overrides", key_doc!(overrides)),
    ("overrides.enabled", key_doc!(overrides.enabled)),
    ("overrides.labels", key_doc!(overrides.labels)),
    ("overrides.trailers", key_doc!(overrides.trailers)),
    ("overrides.authors", key_doc!(overrides.authors)),
    ("checks", key_doc!(checks)),
    ("checks.size", key_doc!(checks.size)),
    ("checks.size.level", key_doc!(checks.level)),
    ("checks.size.max-lines", key_doc!(checks.size.max - lines)),
    ("checks.size.exclude", key_doc!(checks.size.exclude)),
    ("checks.issue-link", key_doc!(checks.issue - link)),
    ("checks.issue-link.level", key_doc!(checks.level)),
    (
        "checks.issue-link.patterns",
        key_doc!(checks.issue - link.patterns),
    ),
    ("checks.leftovers", key_doc!(checks.leftovers)),
    ("checks.leftovers.level", key_doc!(checks.level)),
    ("checks.leftovers.exclude", key_doc!(checks.exclude)),
    (
        "checks.leftovers.languages",
        key_doc!(checks.leftovers.languages),
    ),
    (
        "checks.leftovers.languages.<name>.files",
        key_doc!(checks.leftovers.languages.files),
    ),
    (
        "checks.leftovers.languages.<name>.patterns",
        key_doc!(checks.leftovers.languages.patterns),
    ),
    ("checks.tests", key_doc!(checks.tests)),
    ("checks.tests.level", key_doc!(checks.level)),
    ("checks.tests.sources", key_doc!(checks.tests.sources)),
    ("checks.tests.tests", key_doc!(checks.tests.tests)),
    ("checks.tests.exclude", key_doc!(checks.exclude)),
    ("checks.flag-refs", key_doc!(checks.flag - refs)),
    ("checks.flag-refs.level", key_doc!(checks.level)),
    ("checks.flag-refs.calls", key_doc!(checks.flag - refs.calls)),
    ("checks.flag-refs.exclude", key_doc!(checks.exclude)),
    ("checks.review", key_doc!(checks.review)),
    ("checks.review.level", key_doc!(checks.level)),
    ("packages", key_doc!(packages)),
    ("packages.<name>.path", key_doc!(packages.path)),
    (
        "packages.<name>.tag-pattern",
        key_doc!(packages.tag - pattern),
    ),
    ("packages.<name>.manifests", key_doc!(packages.manifests)),
    (
        "packages.<name>.flag-registry",
        key_doc!(packages.flag - registry),
    ),
    ("notify", key_doc!(notify)),
    ("notify.slack-webhook", key_doc!(notify.slack - webhook)),
];
