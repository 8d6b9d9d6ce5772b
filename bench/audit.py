#!/usr/bin/env python3
"""Times `shipgate audit` on a real repository against the git floor over the same
release pairs (Python 3.10+, stdlib only).

  bench/audit.py REPO [--binary PATH] [--runs N] [--since TAG]

shipgate judges every release tag of REPO in one process. The floor is what git does
to read the same releases: for every release that the audit lists, with its previous
release P and its tag T,

  git diff --name-status -M P...T      (the empty tree for a first release, two dots)
  git log --format=%H%n%B P..T         (the whole history up to T for a first release)

run one after the other and timed together as one sample. The pairs are read from the
audit's own JSON, so both sides read the same ranges; the commit and file counts of
every row are then checked against git's, and a difference is printed as a note.

Four cases run in every iteration, one after the other (one warm-up, then --runs
timed), so noise lands on all of them:

- `shipgate`: `shipgate audit --format json`, the built-in policy's checks on (they read
  every changed text file's lines, as `check` does);
- `shipgate, checks off`: the same with `--config` of a policy that turns every check
  off (the same policy as the built-in one otherwise, which is what a history without
  a policy file is judged by);
- `git floor`: the two commands above per release;
- `git floor + lines`: the floor and `git diff -U0 P...T` per release, the lines the
  checks read;
- `shipgate check each`: one `shipgate check` per release, as a GitLab tag pipeline of
  its tag runs it (`CI_COMMIT_TAG`): the same judgements, each in a process of its own
  that opens the repository, lists the tags and reads the policy afresh.

Each case's wall time and CPU time (user + system of its processes) are kept. The
floor pays a process start per command: `spawn` times as many `git -C REPO rev-parse
--git-dir` as the floor runs commands, for scale. Peak RSS is taken from one extra
shipgate run (ru_maxrss of that child; see timeit.py).

Git and shipgate see no system or user config and no inherited GIT_* variables, and
`CI` is unset (stderr is not a terminal either, so no progress bar is drawn).
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timeit import peak_rss_kib  # noqa: E402

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
CHECKS = ["size", "issue-link", "leftovers", "tests", "flag-refs", "review"]


def clean_env(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "CI"}
    env.update(
        HOME=home,
        XDG_CONFIG_HOME=home,
        GIT_CONFIG_NOSYSTEM="1",
        LC_ALL="C",
        TZ="UTC",
        NO_COLOR="1",
    )
    return env


def default_binary() -> str:
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        ["cargo", "build", "--release", "--locked", "--quiet"], cwd=root, check=True
    )
    target = os.environ.get("CARGO_TARGET_DIR", str(root / "target"))
    return str(Path(target) / "release" / "shipgate")


def floor_commands(repo: str, rows: list[dict]) -> list[list[str]]:
    cmds = []
    for row in rows:
        tag = row["tag"]
        prev = row["previous"]
        if prev is None:
            diff = ["git", "-C", repo, "diff", "--name-status", "-M", EMPTY_TREE, tag]
            log = ["git", "-C", repo, "log", "--format=%H%n%B", tag]
        else:
            diff = ["git", "-C", repo, "diff", "--name-status", "-M", f"{prev}...{tag}"]
            log = ["git", "-C", repo, "log", "--format=%H%n%B", f"{prev}..{tag}"]
        # `--` ends the revisions: a tag named like a path stays a tag.
        cmds.append(diff + ["--"])
        cmds.append(log + ["--"])
    return cmds


def run_all(cmds: list[list[str]], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Runs the commands one after the other; their wall and CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    for argv in cmds:
        proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if proc.returncode not in ok:
            sys.stderr.write(f"audit.py: exit {proc.returncode}: {' '.join(argv)}\n")
            sys.stderr.buffer.write(proc.stderr)
            sys.exit(2)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def check_commands(binary: str, repo: str, rows: list[dict], env: dict[str, str]) -> list[list[str]]:
    """`shipgate check` of each release as a GitLab tag pipeline of its tag runs it: one
    process per release, each reading the repository afresh."""
    head = subprocess.run(
        ["git", "-C", repo, "symbolic-ref", "--short", "refs/remotes/origin/HEAD"],
        env=env, capture_output=True, text=True,
    ).stdout.strip()
    default = head.removeprefix("origin/") or "main"
    return [
        [
            "env", "GITLAB_CI=true", "CI_PIPELINE_SOURCE=push", f"CI_COMMIT_TAG={row['tag']}",
            f"CI_COMMIT_SHA={row['commit']}", f"CI_COMMIT_BEFORE_SHA={'0' * 40}",
            f"CI_DEFAULT_BRANCH={default}", binary, "check", "--repo", repo, "--format", "json",
        ]
        for row in rows
    ]


def lines_commands(repo: str, rows: list[dict]) -> list[list[str]]:
    cmds = []
    for row in rows:
        tag, prev = row["tag"], row["previous"]
        span = [EMPTY_TREE, tag] if prev is None else [f"{prev}...{tag}"]
        cmds.append(["git", "-C", repo, "diff", "-U0", "--no-color", *span, "--"])
    return cmds


def check_counts(repo: str, rows: list[dict], env: dict[str, str]) -> int:
    """Rows whose commits or files differ from git's counts over the same pair."""
    differ = 0
    for row in rows:
        tag, prev = row["tag"], row["previous"]
        if prev is None:
            commits = ["git", "-C", repo, "rev-list", "--count", tag, "--"]
            files = ["git", "-C", repo, "diff", "--name-only", "-M", EMPTY_TREE, tag, "--"]
        else:
            commits = ["git", "-C", repo, "rev-list", "--count", f"{prev}..{tag}", "--"]
            files = ["git", "-C", repo, "diff", "--name-only", "-M", f"{prev}...{tag}", "--"]
        n_commits = int(subprocess.run(commits, env=env, capture_output=True, check=True).stdout)
        n_files = len(subprocess.run(files, env=env, capture_output=True, check=True).stdout.splitlines())
        if (n_commits, n_files) != (row["commits"], row["files"]):
            differ += 1
            print(
                f"note: {row['package']} {tag}: shipgate {row['commits']} commits, {row['files']} files; "
                f"git {n_commits} commits, {n_files} files",
                file=sys.stderr,
            )
    return differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", help="a repository with release tags (a work tree)")
    parser.add_argument("--binary", help="shipgate to time [default: cargo's release build]")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--since", help="pass --since TAG to the audit")
    args = parser.parse_args()
    if args.runs < 1:
        sys.exit("audit.py: --runs must be at least 1")
    binary = args.binary or default_binary()
    repo = str(Path(args.repo).resolve())
    home = tempfile.mkdtemp(prefix="sg-audit-home-")
    try:
        env = clean_env(home)
        audit = [binary, "audit", "--repo", repo, "--format", "json"]
        if args.since:
            audit += ["--since", args.since]
        first = subprocess.run(audit, env=env, capture_output=True)
        if first.returncode != 0:
            sys.stderr.buffer.write(first.stderr)
            sys.exit(2)
        rows = json.loads(first.stdout)["releases"]
        floor = floor_commands(repo, rows)
        commits = sum(r["commits"] for r in rows)
        files = sum(r["files"] for r in rows)
        git_version = subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip()
        print(f"repository {repo}")
        print(f"head       {subprocess.run(['git', '-C', repo, 'rev-parse', 'HEAD'], env=env, capture_output=True, text=True).stdout.strip()}")
        print(f"releases   {len(rows)} ({commits} commits and {files} files over all ranges)")
        print(f"binary     {binary}")
        print(f"git        {git_version}; {len(floor)} git commands in the floor")

        off_policy = Path(home) / "checks-off.yml"
        off_policy.write_text(
            "checks:\n" + "".join(f"  {c}: {{level: off}}\n" for c in CHECKS)
        )
        cases = {
            "shipgate": [audit],
            "shipgate, checks off": [audit + ["--config", str(off_policy)]],
            "git floor": floor,
            "git floor + lines": floor + lines_commands(repo, rows),
            "spawn": [["git", "-C", repo, "rev-parse", "--git-dir"]] * len(floor),
            "shipgate check each": check_commands(binary, repo, rows, env),
        }
        # `check` exits 1 for a blocked release.
        ok = {"shipgate check each": (0, 1)}
        wall: dict[str, list[float]] = {name: [] for name in cases}
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        for iteration in range(1 + args.runs):
            line = []
            for name, cmds in cases.items():
                w, c = run_all(cmds, env, ok.get(name, (0,)))
                if iteration:
                    wall[name].append(w * 1000)
                    cpu[name].append(c * 1000)
                line.append(f"{name} {w * 1000:.0f}")
            label = "warm-up" if not iteration else f"run {iteration}"
            print(f"{label}: " + ", ".join(line) + " ms", file=sys.stderr)
        sg_rss = peak_rss_kib(audit, {0}) / 1024
        probe = peak_rss_kib(["true"], {0}) / 1024
        differ = check_counts(repo, rows, env)

        med = {name: statistics.median(v) for name, v in wall.items()}
        cmed = {name: statistics.median(v) for name, v in cpu.items()}
        print()
        print(f"{'case':22} {'wall ms':>8} {'min-max':>13} {'cpu ms':>8}")
        for name in cases:
            print(
                f"{name:22} {med[name]:8.0f} {min(wall[name]):6.0f}-{max(wall[name]):<6.0f} {cmed[name]:8.0f}"
            )
        print()

        def ratio(a: str, b: str) -> str:
            return f"{med[a] / med[b]:.2f}x wall, {cmed[a] / cmed[b]:.2f}x cpu"

        print(f"shipgate against the floor + lines:            {ratio('shipgate', 'git floor + lines')}")
        print(f"shipgate, checks off, against the floor:       {ratio('shipgate, checks off', 'git floor')}")
        print(f"shipgate against a check per release:          {ratio('shipgate', 'shipgate check each')}")
        print(f"per release: shipgate {med['shipgate'] / max(len(rows), 1):.2f} ms, "
              f"checks off {med['shipgate, checks off'] / max(len(rows), 1):.2f} ms, "
              f"floor {med['git floor'] / max(len(rows), 1):.2f} ms")
        print(f"peak RSS   {sg_rss:.1f} MiB (the probe reads at least {probe:.1f})")
        print(f"counts     {len(rows) - differ} of {len(rows)} releases have git's commits and files")
        if differ:
            sys.exit(1)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
