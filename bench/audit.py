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

Each iteration runs shipgate then the floor (one warm-up, then --runs timed), so noise
lands on both. The floor pays two process starts per release; the line `spawn` shows
what 2N starts of `git --version` cost alone, for scale. Peak RSS is taken from one
extra shipgate run (ru_maxrss of that child; see timeit.py).

Git and shipgate see no system or user config and no inherited GIT_* variables, and
`CI` is unset (stderr is not a terminal either, so no progress bar is drawn).
"""

import argparse
import json
import os
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


def run_all(cmds: list[list[str]], env: dict[str, str]) -> float:
    start = time.perf_counter()
    for argv in cmds:
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


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

        sg_samples, floor_samples = [], []
        for iteration in range(1 + args.runs):
            sg = run_all([audit], env)
            fl = run_all(floor, env)
            if iteration:
                sg_samples.append(sg * 1000)
                floor_samples.append(fl * 1000)
            print(f"run {iteration}{' (warm-up)' if not iteration else ''}: shipgate {sg * 1000:.0f} ms, floor {fl * 1000:.0f} ms", file=sys.stderr)
        spawn = run_all([["git", "--version"]] * len(floor), env) * 1000
        sg_rss = peak_rss_kib(audit, {0}) / 1024
        probe = peak_rss_kib(["true"], {0}) / 1024
        differ = check_counts(repo, rows, env)

        sg_med, fl_med = statistics.median(sg_samples), statistics.median(floor_samples)
        print()
        print(f"{'':10} {'median ms':>10} {'min-max':>14}")
        print(f"{'shipgate':10} {sg_med:10.0f} {min(sg_samples):7.0f}-{max(sg_samples):<6.0f}")
        print(f"{'git floor':10} {fl_med:10.0f} {min(floor_samples):7.0f}-{max(floor_samples):<6.0f}")
        print(f"{'spawn':10} {spawn:10.0f} {'(once)':>14}")
        print()
        print(f"ratio      {sg_med / fl_med:.2f}x the floor ({sg_med / max(fl_med - spawn, 1e-9):.2f}x the floor without its process starts)")
        print(f"per release shipgate {sg_med / max(len(rows), 1):.2f} ms, git {fl_med / max(len(rows), 1):.2f} ms")
        print(f"peak RSS   {sg_rss:.1f} MiB (the probe reads at least {probe:.1f})")
        print(f"counts     {len(rows) - differ} of {len(rows)} releases have git's commits and files")
        if differ:
            sys.exit(1)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
