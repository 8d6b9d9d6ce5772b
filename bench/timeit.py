#!/usr/bin/env python3
"""Small timing helper for bench/run.sh (Python 3 stdlib only).

  timeit.py time [--runs N] [--warmup W] -- CASE [CASE ...]
      CASE := --case NAME [--ok CODES] CMD... [--then CMD...]...
      Runs the cases in turn within every iteration (A, B, A, B, ...) so that
      machine noise lands on all of them alike, and prints one line per case:
      "NAME MEDIAN_MS MIN_MS MAX_MS". A case with --then is several commands
      run in sequence, like `a && b`; one sample is their total wall time.

  timeit.py rss [--ok CODES] [--stdout FILE] -- CMD...
      Runs CMD once and prints its peak resident set size in KiB; with
      --stdout, CMD's output is kept in FILE instead of discarded. The kernel
      keeps the larger of the forked Python's pages and the command's own, so
      the figure never reads below this helper's footprint (about 10 MiB);
      any figure above `timeit.py rss -- true` is the command's exact peak.

Commands are argv lists, never shell strings: no shell start-up in the
numbers, and no quoting trouble with paths. Stdout goes to /dev/null; stderr
is kept and shown if a command exits with a code outside CODES (default 0),
after which this helper exits 2.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time


class Case:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ok = {0}
        self.commands: list[list[str]] = []
        self.samples: list[float] = []


def parse_ok(text: str) -> set[int]:
    return {int(code) for code in text.split(",")}


def parse_cases(tokens: list[str]) -> list[Case]:
    cases: list[Case] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "--case":
            cases.append(Case(tokens[i + 1]))
            cases[-1].commands.append([])
            i += 2
            continue
        if not cases:
            sys.exit(f"timeit: expected --case before {tok!r}")
        case = cases[-1]
        if tok == "--ok" and not case.commands[-1]:
            case.ok = parse_ok(tokens[i + 1])
            i += 2
        elif tok == "--then":
            case.commands.append([])
            i += 1
        else:
            case.commands[-1].append(tok)
            i += 1
    for case in cases:
        if not all(case.commands):
            sys.exit(f"timeit: case {case.name!r} has an empty command")
    if not cases:
        sys.exit("timeit: no cases given")
    return cases


def run_once(argv: list[str], ok: set[int]) -> float:
    """Run argv, return wall seconds; exit 2 with its stderr if it failed."""
    start = time.perf_counter()
    proc = subprocess.run(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        sys.stderr.write(f"timeit: command exited {proc.returncode}: {' '.join(argv)}\n")
        sys.stderr.buffer.write(proc.stderr)
        sys.exit(2)
    return elapsed


def cmd_time(args: argparse.Namespace) -> None:
    cases = parse_cases(args.rest)
    for iteration in range(args.warmup + args.runs):
        for case in cases:
            total = sum(run_once(argv, case.ok) for argv in case.commands)
            if iteration >= args.warmup:
                case.samples.append(total * 1000.0)
    for case in cases:
        s = case.samples
        print(f"{case.name} {statistics.median(s):.2f} {min(s):.2f} {max(s):.2f}")


def peak_rss_kib(argv: list[str], ok: set[int], stdout: str | None = None) -> int:
    """Run argv once with stdout discarded (or written to `stdout`); return its
    peak RSS in KiB."""
    devnull = os.open(os.devnull, os.O_RDWR)
    out = os.open(stdout, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) if stdout else devnull
    pid = os.fork()
    if pid == 0:  # child: exec at once, touching as little memory as possible
        try:
            os.dup2(devnull, 0)
            os.dup2(out, 1)
            os.execvp(argv[0], argv)
        except OSError as err:
            os.write(2, f"timeit: cannot run {argv[0]}: {err}\n".encode())
        os._exit(127)
    os.close(devnull)
    if out != devnull:
        os.close(out)
    # wait4 gives this one child's usage, unlike RUSAGE_CHILDREN which is a
    # high-water mark across every child the process has ever reaped.
    _, status, usage = os.wait4(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        sys.stderr.write(f"timeit: command exited {code}: {' '.join(argv)}\n")
        sys.exit(2)
    peak = usage.ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes there


def cmd_rss(args: argparse.Namespace) -> None:
    if not args.rest:
        sys.exit("timeit: rss needs a command")
    print(peak_rss_kib(args.rest, parse_ok(args.ok), args.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p_time = sub.add_parser("time")
    p_time.add_argument("--runs", type=int, default=10)
    p_time.add_argument("--warmup", type=int, default=1)
    p_time.add_argument("rest", nargs=argparse.REMAINDER)
    p_rss = sub.add_parser("rss")
    p_rss.add_argument("--ok", default="0")
    p_rss.add_argument("--stdout")
    p_rss.add_argument("rest", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.rest[:1] == ["--"]:
        args.rest = args.rest[1:]
    if args.mode == "time":
        if args.runs < 1 or args.warmup < 0:
            sys.exit("timeit: --runs must be >= 1 and --warmup >= 0")
        cmd_time(args)
    else:
        cmd_rss(args)


if __name__ == "__main__":
    main()
