#!/usr/bin/env python3
"""Time and weigh `shipgate check` against git's own work on eight large shapes.

usage: python3 bench/scale.py [--binary PATH] [--before PATH] [--runs N]
                              [--keep DIR] [--shape NAME]... [--list]

Each shape is a repository written by bench/gen_shapes.py. For each one,
bench/timeit.py runs, in turn within every iteration (one warm-up, then the
timed runs), shipgate without its hygiene checks and the git floor that gives
the same inputs (names and messages), then shipgate with the built-in policy
and the git floor that also gives every changed line (`git diff -U0`); one
more run of each command takes its peak RSS. With --before, an older shipgate binary joins the
same iterations and a second table sets the two side by side. The table goes
to stdout, progress to stderr; see
bench/README.md for how to read it. Exit status: 0 when every shape was
measured (whatever the verdicts), 2 when something failed to run.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from gen_shapes import SHAPES  # noqa: E402

RATIO_TARGET = 1.0
RSS_TARGET_MIB = 128
# Marks a --keep folder as this benchmark's, so a shape repository there whose
# generator changed may be replaced without asking.
KEEP_MARKER = "shipgate-scale-bench"
FACTS_FILE = "shipgate-bench.json"
BASE, HEAD = "bench/base", "main"

# Timed runs per shape by default: enough for a steady median on two busy
# cores, while the whole set stays within about five minutes (about 2 s per
# iteration for commits-50k, under 1 s for every other shape).
DEFAULT_RUNS = {
    "commits-50k": 20,
    "commits-5k": 30,
    "tree-200k": 30,
    "deep-chains": 30,
    "renames-1k": 30,
    "pr-20k": 30,
    "message-5mib": 30,
    "trailers-20k": 30,
}

# What each shape must be, checked on the generated repository with git itself
# before it is used: a shape that drifted from its description would measure
# something else under the same name.
EXPECT = {
    "commits-50k": {"commits": 50_000, "trailers": 600_000, "tip_trailers": 12},
    "commits-5k": {"commits": 5_000, "trailers": 60_000, "tip_trailers": 12},
    "tree-200k": {"base_files": 200_000, "changed": 2_000},
    "deep-chains": {"M": 2_000, "changed": 2_000, "min_depth": 60, "max_depth": 60, "tops": 2_000},
    "renames-1k": {"R": 1_000, "changed": 1_000},
    "pr-20k": {"R": 2_000, "changed": 20_000},
    "message-5mib": {"commits": 1, "tip_message_bytes": 5 * 1024 * 1024},
    "trailers-20k": {"commits": 1, "tip_trailers": 20_000},
}

# The tips this gen_shapes.py gave where they were taken (Python 3.11, git
# 2.47); change them together with the generator. Another tip means another
# history: the table still holds for that machine, but is not comparable
# commit for commit with tables taken elsewhere.
REFERENCE_TIPS = {
    "commits-50k": "12c50df6b8ea2d990f57d94c2542e86f7177c29b",
    "commits-5k": "ceecadba905b190bdc12cc671596aa961a8e098f",
    "tree-200k": "d0cbaa564ba041a2db726cfd422e16707387c79e",
    "deep-chains": "477f44619db23211dfeb374edb973662162dcd97",
    "renames-1k": "cb5c1d050c7a9b78d71aeb6deef829ab784cf7bb",
    "pr-20k": "ef4a74e870476fd04b8bc477f715aa59925b9717",
    "message-5mib": "7666aab5a969c5cbb41b9a3b02f80d95f2c69b20",
    "trailers-20k": "e70768799046997aa589d50319b6e2065f05da88",
}


def die(msg: str) -> None:
    sys.stderr.write(f"bench/scale.py: {msg}\n")
    sys.exit(2)


def say(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def isolated_env(home: Path) -> dict[str, str]:
    """No machine or user git config and no inherited GIT_* variables (GIT_DIR
    from a hook, GIT_TRACE, ...), for shipgate (libgit2) and git alike."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        GIT_CONFIG_NOSYSTEM="1",
        LC_ALL="C",
        TZ="UTC",
    )
    return env


def default_binary() -> Path:
    """The release build of this checkout, built (or brought up to date) first,
    wherever cargo puts its target folder (CARGO_TARGET_DIR, .cargo/config)."""
    say("cargo build --release --locked ...")
    if subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT).returncode:
        die("cargo build --release --locked failed")
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps", "--locked"],
        cwd=ROOT, capture_output=True, check=True,
    )
    return Path(json.loads(meta.stdout)["target_directory"]) / "release" / "shipgate"


def git(env: dict, repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    proc = subprocess.run(
        ["git", "-C", str(repo), *args], env=env, input=stdin, capture_output=True
    )
    if proc.returncode:
        die(f"git {' '.join(args)} failed in {repo}:\n{proc.stderr.decode(errors='replace')}")
    return proc.stdout


def shape_facts(env: dict, repo: Path) -> dict:
    """What the shape's change is, as git itself reports it."""
    facts: dict = {"tip": git(env, repo, "rev-parse", HEAD).decode().strip()}
    facts["commits"] = int(git(env, repo, "rev-list", "--count", f"{BASE}..{HEAD}"))
    facts["base_files"] = git(env, repo, "ls-tree", "-r", "--name-only", "-z", BASE).count(b"\0")
    status = git(env, repo, "diff", "--name-status", "-M", "-z", f"{BASE}...{HEAD}").split(b"\0")
    counts: dict[str, int] = {}
    paths = []
    i = 0
    while i < len(status) - 1:
        letter = status[i][:1].decode()
        counts[letter] = counts.get(letter, 0) + 1
        # Renames and copies name two paths, the new one last.
        i += 3 if letter in "RC" else 2
        paths.append(status[i - 1])
    facts.update(counts)
    facts["changed"] = sum(counts.values())
    depths = [p.count(b"/") for p in paths]
    facts["min_depth"], facts["max_depth"] = (min(depths), max(depths)) if depths else (0, 0)
    facts["tops"] = len({p.split(b"/", 1)[0] for p in paths})
    trailers = git(env, repo, "log", "--format=%(trailers:only,unfold)", f"{BASE}..{HEAD}")
    facts["trailers"] = sum(1 for line in trailers.splitlines() if line.strip())
    messages = git(env, repo, "log", "-z", "--format=%B", f"{BASE}..{HEAD}")
    facts["message_bytes"] = len(messages) - facts["commits"]  # less the -z separators
    tip_message = git(env, repo, "log", "-1", "--format=%B", HEAD)[:-1]  # %B adds one newline
    facts["tip_message_bytes"] = len(tip_message)
    parsed = git(env, repo, "interpret-trailers", "--parse", stdin=tip_message)
    facts["tip_trailers"] = len(parsed.splitlines())
    return facts


def check_facts(name: str, facts: dict) -> None:
    wrong = [
        f"{key} is {facts.get(key, 0)}, expected {want}"
        for key, want in EXPECT[name].items()
        if facts.get(key, 0) != want
    ]
    if wrong:
        die(f"shape {name} came out wrong: {'; '.join(wrong)}")


def generator_stamp() -> str:
    return hashlib.sha256((BENCH / "gen_shapes.py").read_bytes()).hexdigest()


def build_shape(env: dict, name: str, dest: Path, stamp: str) -> dict:
    """Generates `name` into dest (built beside it, then renamed, so an
    interrupted build never looks finished)."""
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    start = time.monotonic()
    say(f"generating {name} in {dest} ...")
    # Bare: nothing here reads a working tree, and checking out 200,000 files
    # would cost more than the rest of the generation.
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(tmp)], env=env, check=True)
    # No automatic gc: a repack between samples would land on one side only.
    git(env, tmp, "config", "gc.auto", "0")
    gen = subprocess.Popen([sys.executable, str(BENCH / "gen_shapes.py"), name], stdout=subprocess.PIPE)
    imp = subprocess.run(["git", "-C", str(tmp), "fast-import", "--quiet"], env=env, stdin=gen.stdout)
    gen.stdout.close()
    if gen.wait() or imp.returncode:
        die(f"generating {name} failed (generator exit {gen.returncode}, fast-import exit {imp.returncode})")
    facts = shape_facts(env, tmp)
    check_facts(name, facts)
    (tmp / FACTS_FILE).write_text(json.dumps({"stamp": stamp, "facts": facts}, indent=1) + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    say(f"  generated in {time.monotonic() - start:.1f} s")
    return facts


def shape_repo(env: dict, name: str, folder: Path, stamp: str) -> tuple[Path, dict]:
    dest = folder / f"{name}.git"
    info = dest / FACTS_FILE
    if info.is_file():
        saved = json.loads(info.read_text())
        if saved.get("stamp") == stamp:
            say(f"reusing {dest}")
            return dest, saved["facts"]
        say(f"{dest} was built by another gen_shapes.py; rebuilding it")
    elif dest.exists():
        die(f"{dest} exists but is no benchmark repository; move it away")
    return dest, build_shape(env, name, dest, stamp)


def keep_folder(path: str) -> Path:
    folder = Path(path).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / KEEP_MARKER
    if not marker.exists():
        if any(folder.iterdir()):
            die(f"{folder} is not empty and holds no scale benchmark; pick an empty or new --keep DIR")
        marker.write_text("repositories of bench/scale.py; safe to delete\n")
    return folder


def timeit(env: dict, *args: str) -> subprocess.CompletedProcess:
    """bench/timeit.py; its stderr (a failed command's own) passes through."""
    return subprocess.run(
        [sys.executable, str(BENCH / "timeit.py"), *args], env=env, stdout=subprocess.PIPE, text=True
    )


# The built-in policy with its hygiene checks (SPEC §16) turned off: the gate
# alone, whose inputs are exactly what the names floor gives.
GATE_POLICY = """\
# bench/scale.py: the built-in policy without its line-reading hygiene checks.
checks:
  size: {level: off}
  issue-link: {level: off}
  leftovers: {level: off}
  tests: {level: off}
  flag-refs: {level: off}
  review: {level: off}
"""


def check_command(binary: Path, repo: Path, config: Path | None = None) -> list[str]:
    extra = ["--config", str(config)] if config else []
    return [str(binary), "check", "--repo", str(repo), "--base", BASE, "--head", HEAD,
            "--label", "release:full", "--format", "json", *extra]


def measure(env: dict, binary: Path, before: Path | None, name: str, repo: Path, facts: dict,
            runs: int, work: Path) -> dict:
    gate_policy = work / "gate-only.yml"
    gate_policy.write_text(GATE_POLICY)
    shipgate = check_command(binary, repo)
    gate = check_command(binary, repo, gate_policy)
    names = ["git", "-C", str(repo), "diff", "--name-status", "-M", f"{BASE}...{HEAD}"]
    lines = ["git", "-C", str(repo), "diff", "-U0", "-M", f"{BASE}...{HEAD}"]
    log = ["git", "-C", str(repo), "log", "--format=%H%n%B", f"{BASE}..{HEAD}"]
    row = {"shape": name, "runs": runs, "facts": facts}
    say(f"timing {name}: {facts['commits']} commits, {facts['changed']} files, {runs} runs ...")
    # The older binary runs first in each iteration, so that both shipgates
    # and the floors share every stretch of machine noise.
    cases = ["--case", "before", "--ok", "0,1", *check_command(before, repo)] if before else []
    # Exit 1 is shipgate blocking the release (a full release without all its
    # evidence): a normal outcome. Exit 2 is a failure, reported with stderr.
    timed = timeit(env, "time", "--runs", str(runs), "--warmup", "1", "--", *cases,
                   "--case", "gate", "--ok", "0,1", *gate,
                   "--case", "floor", *names, "--then", *log,
                   "--case", "shipgate", "--ok", "0,1", *shipgate,
                   "--case", "lines", *lines, "--then", *log)
    if timed.returncode:
        row["error"] = "a command failed; its stderr is in the progress lines"
        return row
    for line in timed.stdout.splitlines():
        case, median, low, high = line.split()
        row[case] = (float(median), float(low), float(high))
        say(f"  {case:<8} median {float(median):9.1f} ms  min {float(low):9.1f}  max {float(high):9.1f}")
    report = work / f"{name}.json"
    before_report = work / f"{name}.before.json"
    probes = [("shipgate", shipgate, "0,1", report), ("gate", gate, "0,1", None),
              ("diff", names, "0", None), ("lines", lines, "0", None), ("log", log, "0", None)]
    if before:
        probes.append(("before", check_command(before, repo), "0,1", before_report))
    rss = {}
    for label, argv, ok, out in probes:
        extra = ["--stdout", str(out)] if out else []
        probe = timeit(env, "rss", "--ok", ok, *extra, "--", *argv)
        if probe.returncode:
            row["error"] = f"{label} failed in the RSS run"
            return row
        rss[label] = int(probe.stdout)
    row["rss_shipgate"] = rss["shipgate"]
    row["rss_gate"] = rss["gate"]
    row["rss_lines"] = max(rss["lines"], rss["log"])
    if before:
        row["rss_before"] = rss["before"]
        # The same change must get the same report from both binaries, or the
        # comparison is between two different judgements.
        try:
            row["same_report"] = json.loads(report.read_text()) == json.loads(before_report.read_text())
        except ValueError:
            row["same_report"] = False
    row["rss_git"] = max(rss["diff"], rss["log"])
    row["rss_git_from"] = "diff" if rss["diff"] >= rss["log"] else "log"
    # shipgate must have judged the same change git shows, or the times compare
    # different work.
    try:
        seen = json.loads(report.read_text())["range"]
        if (seen["commits"], seen["files"]) != (facts["commits"], facts["changed"]):
            row["note"] = (f"shipgate saw {seen['commits']} commits and {seen['files']} files, "
                           f"git {facts['commits']} and {facts['changed']}")
    except (ValueError, KeyError, TypeError) as err:
        row["note"] = f"shipgate's JSON report has no usable range ({err})"
    return row


def count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def describe(facts: dict) -> str:
    letters = ", ".join(f"{facts[k]:,} {k}" for k in "MADRC" if facts.get(k))
    text = f"{count(facts['commits'], 'commit')}, {count(facts['changed'], 'file')} ({letters})"
    text += f", {count(facts['base_files'], 'file')} at base"
    if facts["trailers"]:
        text += f", {count(facts['trailers'], 'trailer')}"
    if facts["commits"] == 1:
        text += f", message {facts['message_bytes']:,} B"
    else:
        text += f", messages {facts['message_bytes'] / max(1, facts['commits']):,.0f} B on average"
    if facts["max_depth"] >= 10:
        text += f", paths {facts['min_depth']}-{facts['max_depth']} folders deep"
    return text


def spread(t: tuple) -> str:
    return f"{t[1]:.0f}-{t[2]:.0f}"


# The two pairings of the table: what shipgate runs, and git's least work that
# yields the same inputs.
PAIRINGS = [
    ("gate", "floor", "rss_gate", "rss_git"),
    ("shipgate", "lines", "rss_shipgate", "rss_lines"),
]


def table(rows: list[dict], rss_floor_kib: int) -> list[str]:
    fmt = "{:<13} {:<8} {:>7} {:>6} {:>4} {:>11} {:>11} {:>9} {:>11} {:>6} {:>6} {:<6} {:>8} {:>7} {:>6} {:<6}"
    out = [fmt.format("shape", "policy", "commits", "files", "runs", "shipgate ms", "min-max",
                      "git ms", "min-max", "ratio", "target", "result", "sg MiB", "git MiB",
                      "target", "result")]

    def mib(kib: int) -> str:
        # At the probe's floor the figure is the probe's, not the command's.
        return f"<={rss_floor_kib / 1024:.0f}" if kib <= rss_floor_kib * 1.02 else f"{kib / 1024:.1f}"

    for row in rows:
        f = row["facts"]
        head = [row["shape"], f["commits"], f["changed"], row["runs"]]
        for case, floor, rss_sg, rss_git in PAIRINGS:
            policy = "gate" if case == "gate" else "built-in"
            if "error" in row:
                out.append(fmt.format(head[0], policy, *head[1:], "-", "", "-", "", "-", "",
                                      "ERROR", "-", "-", "", "ERROR") + f"  {row['error']}")
                continue
            sg, fl = row[case], row[floor]
            ratio = sg[0] / fl[0] if fl[0] > 0 else float("inf")
            sg_mib = row[rss_sg] / 1024
            line = fmt.format(
                head[0], policy, *head[1:], f"{sg[0]:.1f}", spread(sg), f"{fl[0]:.1f}", spread(fl),
                f"{ratio:.2f}x", f"<={RATIO_TARGET:.1f}x",
                "PASS" if ratio <= RATIO_TARGET else "MISS", mib(row[rss_sg]), mib(row[rss_git]),
                f"<{RSS_TARGET_MIB}", "PASS" if sg_mib < RSS_TARGET_MIB else "MISS",
            )
            out.append(line.rstrip())
    return out


def before_after(rows: list[dict], rss_floor_kib: int) -> list[str]:
    """The older and the newer binary, timed in the same iterations."""
    fmt = "{:<13} {:>9} {:>9} {:>9} {:>7} {:>7} {:>8} {:>10} {:>9} {:>7} {:>7}"
    out = [fmt.format("shape", "before ms", "after ms", "git ms", "before", "after", "speed-up",
                      "before MiB", "after MiB", "git MiB", "report")]

    def mib(kib: int) -> str:
        return f"<={rss_floor_kib / 1024:.0f}" if kib <= rss_floor_kib * 1.02 else f"{kib / 1024:.1f}"

    for row in rows:
        if "error" in row or "before" not in row:
            out.append(fmt.format(row["shape"], "-", "-", "-", "-", "-", "-", "-", "-", "-", "ERROR"))
            continue
        old, new, floor = row["before"][0], row["shipgate"][0], row["lines"][0]
        out.append(fmt.format(
            row["shape"], f"{old:.1f}", f"{new:.1f}", f"{floor:.1f}", f"{old / floor:.2f}x",
            f"{new / floor:.2f}x", f"{old / new:.2f}x", mib(row["rss_before"]),
            mib(row["rss_shipgate"]), mib(row["rss_lines"]),
            "same" if row["same_report"] else "DIFFERS",
        ))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="bench/scale.py",
        description="Time and weigh `shipgate check` against the git floor on large shapes.",
    )
    parser.add_argument("--binary", help="shipgate binary to time (default: the release build "
                        "of this checkout, brought up to date with cargo build --release --locked)")
    parser.add_argument("--before", metavar="BINARY", help="an older shipgate binary to time "
                        "in the same iterations, for a before/after table")
    parser.add_argument("--runs", type=int, help="timed runs per shape after one warm-up "
                        "(default: 20 for commits-50k, 30 for the others)")
    parser.add_argument("--keep", metavar="DIR", help="build the repositories in DIR and keep "
                        "them; reuse those whose generator stamp matches")
    parser.add_argument("--shape", action="append", choices=list(SHAPES), metavar="NAME",
                        help="measure only this shape (repeatable; default: all)")
    parser.add_argument("--list", action="store_true", help="list the shapes and exit")
    args = parser.parse_args()
    if args.list:
        for name in SHAPES:
            summary = " ".join((SHAPES[name].__doc__ or "").split("\n\n")[0].split())
            print(f"{name:<13} {summary}")
        return
    if args.runs is not None and args.runs < 1:
        die(f"--runs must be a positive integer, got {args.runs}")
    if shutil.which("git") is None:
        die("git not found")
    names = list(dict.fromkeys(args.shape)) if args.shape else list(SHAPES)

    # The build happens before the environment is isolated, because cargo and
    # rustup live under the real $HOME.
    binary = Path(args.binary) if args.binary else default_binary()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        die(f"not an executable file: {binary}")
    binary = binary.resolve()
    before = Path(args.before) if args.before else None
    if before and not (before.is_file() and os.access(before, os.X_OK)):
        die(f"not an executable file: {before}")
    before = before.resolve() if before else None

    with tempfile.TemporaryDirectory(prefix="shipgate-scale.") as tmp:
        work = Path(tmp)
        (work / "home").mkdir()
        env = isolated_env(work / "home")
        folder = keep_folder(args.keep) if args.keep else work
        stamp = generator_stamp()
        repos = {name: shape_repo(env, name, folder, stamp) for name in names}
        rows = []
        for name in names:
            repo, facts = repos[name]
            runs = args.runs or DEFAULT_RUNS[name]
            rows.append(measure(env, binary, before, name, repo, facts, runs, work))
        # What the RSS probe reads for a do-nothing command: see `timeit.py rss`.
        rss_floor_kib = int(timeit(env, "rss", "--", "true").stdout)
        git_version = subprocess.run(["git", "--version"], env=env, capture_output=True,
                                     text=True).stdout.strip()

    print(f"shipgate: {binary}")
    print(f"git:      {git_version}")
    print(f"gate:     shipgate check with the built-in policy, hygiene checks off (--config "
          f"gate-only.yml), against git diff --name-status -M {BASE}...{HEAD} "
          f"+ git log --format=%H%n%B {BASE}..{HEAD}")
    print(f"built-in: shipgate check with the built-in policy (its checks read every changed "
          f"file's lines), against git diff -U0 -M {BASE}...{HEAD} + the same git log")
    print("timing:   median wall ms of the runs after 1 warm-up, the four commands alternating; "
          "ratio = shipgate median / git median")
    print(f"RSS:      peak of one extra run each; git's is the larger of its two commands; "
          f"the probe cannot read below {rss_floor_kib / 1024:.0f} MiB")
    print()
    print(f"{'shape':<13} tip of {HEAD} ({BASE}..{HEAD})")
    for row in rows:
        f = row["facts"]
        ref = REFERENCE_TIPS.get(row["shape"])
        mark = "" if ref in (None, f["tip"]) else f"  (reference tip {ref}: another history)"
        print(f"{row['shape']:<13} {f['tip']}  {describe(f)}{mark}")
    print()
    for line in table(rows, rss_floor_kib):
        print(line)
    if before:
        print()
        print(f"before:   {before} (built-in policy), in the same iterations; ratios are each "
              "binary's median over the lines floor's, speed-up is before over after; report: "
              "whether both wrote the same JSON report")
        for line in before_after(rows, rss_floor_kib):
            print(line)
    notes = [f"{row['shape']}: {row['note']}" for row in rows if "note" in row]
    if notes:
        print()
        print("\n".join(f"note: {n}" for n in notes))
    if any("error" in row for row in rows):
        sys.exit(2)


if __name__ == "__main__":
    main()
