#!/usr/bin/env python3
"""Write a deterministic `git fast-import` stream for the shipgate benchmark.

Usage: python3 bench/gen_repo.py | git -C REPO fast-import --quiet

The stream describes one branch, `main`:

* an initial commit of 3,000 files of pseudo-text in nested directories;
* 5,000 further commits, each touching 1-3 files (mostly edits, some adds and
  deletes, a few renames), with multi-line messages and occasional trailers;
* lightweight tags `bench/base` (the initial commit) and `bench/small-base`
  (5 commits before the tip), which bound the two benchmarked ranges.

Everything, including identities and timestamps, comes from fixed constants
and one seeded PRNG, so the same script always yields the same commit hashes.
Only Python 3 stdlib is used so the benchmark needs nothing installed.
"""

import random
import sys

SEED = 42
INITIAL_FILES = 3000
COMMITS = 5000
SMALL_RANGE = 5

# One fixed identity and a clock that advances a fixed step per commit:
# commit hashes cover these, so nothing here may depend on the environment.
IDENTITY = b"Bench Author <bench@example.com>"
EPOCH = 1_700_000_000
STEP_SECONDS = 617

# Per touched file. Edits dominate real histories; adds and deletes roughly
# balance so the tree stays near 3,000 files; renames are rare but present so
# `diff -M` has real rename work on both range sizes.
OPS = (("modify", 0.87), ("add", 0.06), ("delete", 0.05), ("rename", 0.02))

TOP_DIRS = ("src", "lib", "crates", "docs", "tests", "tools", "config", "web")
EXTENSIONS = {
    "src": (".rs", ".rs", ".rs", ".toml"),
    "lib": (".rs", ".c", ".h"),
    "crates": (".rs", ".rs", ".md"),
    "docs": (".md", ".md", ".txt"),
    "tests": (".rs", ".py", ".txt"),
    "tools": (".py", ".sh", ".toml"),
    "config": (".toml", ".yaml", ".json"),
    "web": (".ts", ".css", ".html"),
}
SYLLABLES = (
    "ab ac ad al am an ar as at ba be bi bo ca ce ci co da de di do el em en "
    "er es et fa fe fi fo ga ge gi go ha he hi ho id il im in io ir is it ka "
    "ke ki ko la le li lo ma me mi mo na ne ni no ol om on or os pa pe pi po "
    "ra re ri ro sa se si so ta te ti to ul um un ur us va ve vi vo za ze"
).split()
VERBS = (
    "add", "fix", "refactor", "update", "remove", "rename", "simplify",
    "document", "handle", "tighten", "speed up", "clean up", "split", "guard",
    "cache", "validate",
)

rng = random.Random(SEED)


def make_word() -> str:
    return "".join(rng.choices(SYLLABLES, k=rng.randint(1, 4)))


# A fixed vocabulary keeps text compressible and diffable like real prose.
VOCAB = [make_word() for _ in range(3000)]


def text_line(indent: bool) -> str:
    words = " ".join(rng.choices(VOCAB, k=rng.randint(3, 14)))
    if indent and rng.random() < 0.6:
        return "    " * rng.randint(1, 3) + words
    return words


def file_lines(path: str) -> list[str]:
    # Log-normal sizes: mostly 1-6 KB with a tail up to ~20 KB, like source.
    target = min(20_000, max(300, int(rng.lognormvariate(8.0, 0.6))))
    code_like = not path.endswith((".md", ".txt"))
    lines, size = [], 0
    while size < target:
        line = "" if rng.random() < 0.08 else text_line(code_like)
        lines.append(line)
        size += len(line) + 1
    return lines


def make_dirs() -> list[str]:
    """Nested directories, 2-4 levels deep, under a few top-level areas."""
    dirs = []
    for top in TOP_DIRS:
        for _ in range(rng.randint(3, 6)):
            mid = f"{top}/{make_word()}"
            dirs.append(mid)
            for _ in range(rng.randint(1, 4)):
                sub = f"{mid}/{make_word()}"
                dirs.append(sub)
                if rng.random() < 0.4:
                    dirs.append(f"{sub}/{make_word()}")
    return list(dict.fromkeys(dirs))  # dedupe, keep order deterministic


class Tree:
    """Current file contents, with O(1) random pick and removal.

    A list plus index map rather than a set: set iteration order depends on
    string hash randomisation and would break determinism.
    """

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.index: dict[str, int] = {}
        self.content: dict[str, list[str]] = {}
        self.serial = 0

    def new_path(self, dirs: list[str], ext: str | None = None) -> str:
        d = rng.choice(dirs)
        self.serial += 1
        if ext is None:
            ext = rng.choice(EXTENSIONS[d.split("/", 1)[0]])
        return f"{d}/{make_word()}_{self.serial:05d}{ext}"

    def put(self, path: str, lines: list[str]) -> None:
        if path not in self.index:
            self.index[path] = len(self.paths)
            self.paths.append(path)
        self.content[path] = lines

    def remove(self, path: str) -> list[str]:
        i = self.index.pop(path)
        last = self.paths.pop()
        if last != path:
            self.paths[i] = last
            self.index[last] = i
        return self.content.pop(path)


def edit(lines: list[str], code_like: bool, max_hunks: int) -> list[str]:
    """A small, localised change: replace, insert or drop a few lines."""
    lines = list(lines)
    for _ in range(rng.randint(1, max_hunks)):
        at = rng.randrange(len(lines) + 1)
        kind = rng.random()
        if kind < 0.5 and at < len(lines):
            n = min(rng.randint(1, 4), len(lines) - at)
            lines[at : at + n] = [text_line(code_like) for _ in range(n)]
        elif kind < 0.85 or len(lines) < 8:
            lines[at:at] = [text_line(code_like) for _ in range(rng.randint(1, 8))]
        else:
            del lines[at : at + rng.randint(1, 3)]
    return lines or [text_line(code_like)]


def wrap(words: list[str], width: int = 72) -> list[str]:
    out, cur = [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            out.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    if cur:
        out.append(cur)
    return out


def message(area: str) -> bytes:
    subject = f"{area}: {rng.choice(VERBS)} {' '.join(rng.choices(VOCAB, k=rng.randint(2, 5)))}"
    parts = [subject]
    for _ in range(rng.randint(1, 3)):
        parts.append("\n".join(wrap(rng.choices(VOCAB, k=rng.randint(8, 40)))))
    trailers = []
    if rng.random() < 0.15:
        trailers.append(f"Refs: #{rng.randint(1, 4000)}")
    if rng.random() < 0.10:
        trailers.append("Co-authored-by: Second Author <second@example.com>")
    if rng.random() < 0.35:
        trailers.append("Signed-off-by: Bench Author <bench@example.com>")
    if trailers:
        parts.append("\n".join(trailers))
    return ("\n\n".join(parts) + "\n").encode()


class Stream:
    def __init__(self, out) -> None:
        self.out = out

    def raw(self, b: bytes) -> None:
        self.out.write(b)

    def data(self, payload: bytes) -> None:
        self.out.write(b"data %d\n" % len(payload))
        self.out.write(payload)
        self.out.write(b"\n")

    def commit(self, mark: int, msg: bytes) -> None:
        when = b"%d +0000" % (EPOCH + mark * STEP_SECONDS)
        self.raw(b"commit refs/heads/main\nmark :%d\n" % mark)
        self.raw(b"author %s %s\ncommitter %s %s\n" % (IDENTITY, when, IDENTITY, when))
        self.data(msg)

    def modify(self, path: str, lines: list[str]) -> None:
        self.raw(b"M 100644 inline %s\n" % path.encode())
        self.data(("\n".join(lines) + "\n").encode())

    def delete(self, path: str) -> None:
        self.raw(b"D %s\n" % path.encode())

    def rename(self, old: str, new: str) -> None:
        self.raw(b"R %s %s\n" % (old.encode(), new.encode()))


def main() -> None:
    out = Stream(sys.stdout.buffer)
    # `done` at the end makes fast-import reject a truncated stream instead of
    # silently importing a partial history if the generator dies midway.
    out.raw(b"feature done\n")

    dirs = make_dirs()
    tree = Tree()

    out.commit(1, b"Initial import\n\nBring the whole tree in as one snapshot.\n")
    for _ in range(INITIAL_FILES):
        path = tree.new_path(dirs)
        tree.put(path, file_lines(path))
        out.modify(path, tree.content[path])
    out.raw(b"\n")

    ops, weights = zip(*OPS)
    for mark in range(2, COMMITS + 2):
        touched: list[str] = []
        # fast-import wants the message before the file commands, and the
        # message names the area touched, so changes are collected first.
        changes = []

        def pick_existing() -> str:
            # A commit touches each path at most once; retry on a collision.
            while True:
                p = rng.choice(tree.paths)
                if p not in touched:
                    return p

        for _ in range(rng.choices((1, 2, 3), weights=(5, 3, 2))[0]):
            op = rng.choices(ops, weights=weights)[0]
            if op == "add":
                path = tree.new_path(dirs)
                tree.put(path, file_lines(path))
                changes.append(("M", path))
                touched.append(path)
            elif op == "delete":
                path = pick_existing()
                tree.remove(path)
                changes.append(("D", path))
                touched.append(path)
            elif op == "rename":
                old = pick_existing()
                # A move keeps its file type, whichever directory it lands in.
                new = tree.new_path(dirs, "." + old.rsplit(".", 1)[1])
                lines = tree.remove(old)
                # Half the renames also get a small edit, like a move plus
                # fix-up; small enough to stay above git's 50% similarity.
                if rng.random() < 0.5:
                    lines = edit(lines, not new.endswith((".md", ".txt")), 1)
                    changes.append(("R", old, new, True))
                else:
                    changes.append(("R", old, new, False))
                tree.put(new, lines)
                touched += [old, new]
            else:
                path = pick_existing()
                tree.put(path, edit(tree.content[path], not path.endswith((".md", ".txt")), 3))
                changes.append(("M", path))
                touched.append(path)

        area = touched[-1].split("/", 2)[1]
        out.commit(mark, message(area))
        for change in changes:
            if change[0] == "M":
                out.modify(change[1], tree.content[change[1]])
            elif change[0] == "D":
                out.delete(change[1])
            else:
                out.rename(change[1], change[2])
                if change[3]:  # the rename came with an edit
                    out.modify(change[2], tree.content[change[2]])
        out.raw(b"\n")

    tip = COMMITS + 1
    out.raw(b"reset refs/tags/bench/base\nfrom :1\n\n")
    out.raw(b"reset refs/tags/bench/small-base\nfrom :%d\n\n" % (tip - SMALL_RANGE))
    out.raw(b"done\n")
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
